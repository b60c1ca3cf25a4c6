// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Latency statistics, and the built-in analyser "latency".
 *
 * Each probe has a "whole" slot; with grouping, each (probe, group) pair seen
 * in a span gets one more, found through an open-addressing hash. Slots hold
 * a histogram and are allocated when their first span arrives. The pairer's
 * unpaired counts are per probe, so they go with the whole slot only.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/analyser.h"
#include "analyse/latency.h"
#include "output/output.h"
#include "util.h"

#define INITIAL_SLOTS	64	/* hash size; a power of two */

/**
 * kpt_group_by_parse - parse the argument of --by
 * @text: "pid", "comm" or "cpu"
 * @by: set on success
 *
 * Returns 0, or -1 if @text is none of them.
 */
int kpt_group_by_parse(const char *text, enum kpt_group_by *by)
{
	static const char *const names[] = { [KPT_GROUP_PID] = "pid", [KPT_GROUP_COMM] = "comm",
					      [KPT_GROUP_CPU] = "cpu" };
	size_t i;

	for (i = KPT_GROUP_PID; i < ARRAY_SIZE(names); i++) {
		if (strcmp(text, names[i]) == 0) {
			*by = i;
			return 0;
		}
	}
	return -1;
}

struct slot {
	int probe;
	uint64_t key;		/* thread id, CPU, or index into the report's comms */
	struct kpt_hist hist;
};

struct kpt_latency_stats {
	enum kpt_group_by by;
	const struct kpt_host *host;	/* names threads for KPT_GROUP_COMM */
	int nr_probes;
	struct slot **whole;	/* per probe */
	struct slot **groups;	/* hash of (probe, key); NULL: free */
	unsigned int nr_slots;
	unsigned int nr_groups;
	char **comms;		/* interned command names, KPT_GROUP_COMM */
	unsigned int nr_comms;
};

static struct slot *new_slot(int probe, uint64_t key)
{
	struct slot *slot = malloc(sizeof(*slot));

	if (!slot)
		return NULL;
	slot->probe = probe;
	slot->key = key;
	kpt_hist_init(&slot->hist);
	return slot;
}

static unsigned int hash_of(int probe, uint64_t key, unsigned int nr_slots)
{
	uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)probe << 32);

	return (unsigned int)(h ^ (h >> 29)) & (nr_slots - 1);
}

static void insert_group(struct slot **table, unsigned int nr_slots, struct slot *slot)
{
	unsigned int i = hash_of(slot->probe, slot->key, nr_slots);

	while (table[i])
		i = (i + 1) & (nr_slots - 1);
	table[i] = slot;
}

static int grow_groups(struct kpt_latency_stats *stats)
{
	unsigned int nr_slots = stats->nr_slots * 2, i;
	struct slot **table = calloc(nr_slots, sizeof(*table));

	if (!table)
		return -1;
	for (i = 0; i < stats->nr_slots; i++) {
		if (stats->groups[i])
			insert_group(table, nr_slots, stats->groups[i]);
	}
	free(stats->groups);
	stats->groups = table;
	stats->nr_slots = nr_slots;
	return 0;
}

static struct slot *group_slot(struct kpt_latency_stats *stats, int probe, uint64_t key)
{
	unsigned int i = hash_of(probe, key, stats->nr_slots);
	struct slot *slot;

	for (; stats->groups[i]; i = (i + 1) & (stats->nr_slots - 1)) {
		if (stats->groups[i]->probe == probe && stats->groups[i]->key == key)
			return stats->groups[i];
	}
	if ((stats->nr_groups + 1) * 2 > stats->nr_slots && grow_groups(stats) < 0)
		return NULL;
	slot = new_slot(probe, key);
	if (!slot)
		return NULL;
	insert_group(stats->groups, stats->nr_slots, slot);
	stats->nr_groups++;
	return slot;
}

/* The index of @comm among the command names, added if new; -1 on failure. */
static int64_t intern_comm(struct kpt_latency_stats *stats, const char *comm)
{
	unsigned int i;
	char **comms;

	for (i = 0; i < stats->nr_comms; i++) {
		if (strcmp(stats->comms[i], comm) == 0)
			return i;
	}
	comms = realloc(stats->comms, (stats->nr_comms + 1) * sizeof(*comms));
	if (!comms)
		return -1;
	stats->comms = comms;
	comms[stats->nr_comms] = strdup(comm);
	if (!comms[stats->nr_comms])
		return -1;
	return stats->nr_comms++;
}

/**
 * kpt_latency_stats_span - add a span's duration to its probe's and its group's histograms
 * @stats: the statistics
 * @span: a completed span
 */
void kpt_latency_stats_span(struct kpt_latency_stats *stats, const struct kpt_span *span)
{
	uint64_t duration = span->end - span->start;
	struct slot *slot = stats->whole[span->probe];
	int64_t key;

	if (!slot && !(slot = stats->whole[span->probe] = new_slot(span->probe, 0)))
		return;
	kpt_hist_add(&slot->hist, duration);
	switch (stats->by) {
	case KPT_GROUP_NONE:
		return;
	case KPT_GROUP_PID:
		key = span->tid;
		break;
	case KPT_GROUP_CPU:
		key = span->cpu;
		break;
	case KPT_GROUP_COMM:
		key = intern_comm(stats, stats->host->comm(stats->host, span->tid));
		if (key < 0)
			return;
		break;
	default:
		return;
	}
	slot = group_slot(stats, span->probe, (uint64_t)key);
	if (slot)
		kpt_hist_add(&slot->hist, duration);
}

/**
 * kpt_latency_stats_alloc - empty statistics for @nr_probes probes
 * @nr_probes: probe numbers in spans run from 0 to @nr_probes - 1
 * @by: the grouping
 * @host: names threads for KPT_GROUP_COMM; must outlive the statistics
 *
 * Returns the statistics, or NULL on allocation failure.
 */
struct kpt_latency_stats *kpt_latency_stats_alloc(int nr_probes, enum kpt_group_by by,
						  const struct kpt_host *host)
{
	struct kpt_latency_stats *stats = calloc(1, sizeof(*stats));

	if (!stats)
		return NULL;
	stats->by = by;
	stats->host = host;
	stats->nr_probes = nr_probes;
	stats->nr_slots = INITIAL_SLOTS;
	stats->whole = calloc(nr_probes ? nr_probes : 1, sizeof(*stats->whole));
	stats->groups = calloc(stats->nr_slots, sizeof(*stats->groups));
	if (!stats->whole || !stats->groups || (by == KPT_GROUP_COMM && !host)) {
		kpt_latency_stats_free(stats);
		return NULL;
	}
	return stats;
}

static const struct kpt_latency_stats *sort_stats;	/* qsort has no context argument */

static int compare_slots(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a, *y = *(const struct slot *const *)b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	if (sort_stats->by == KPT_GROUP_COMM)
		return strcmp(sort_stats->comms[x->key], sort_stats->comms[y->key]);
	return x->key < y->key ? -1 : x->key > y->key;
}

static int add_result(struct kpt_results *results, char *name, const struct slot *slot,
		      const struct kpt_pair_counts *pairs)
{
	struct kpt_probe_result *result;

	if (!name)
		return -1;
	if (results->latency.nr_probes == results->capacity) {
		int capacity = results->capacity ? results->capacity * 2 : 8;
		struct kpt_probe_result *probes = realloc(results->latency.probes,
							  capacity * sizeof(*probes));

		if (!probes) {
			free(name);
			return -1;
		}
		results->latency.probes = probes;
		results->capacity = capacity;
	}
	result = &results->latency.probes[results->latency.nr_probes++];
	result->name = name;
	if (slot)
		result->hist = slot->hist;
	else
		kpt_hist_init(&result->hist);
	result->pairs = pairs ? *pairs : (struct kpt_pair_counts){ 0 };
	result->frames = NULL;
	result->nr_frames = 0;
	return 0;
}

static char *group_name(const struct kpt_latency_stats *stats, const char *name,
			const struct slot *slot)
{
	switch (stats->by) {
	case KPT_GROUP_PID:
		return kpt_asprintf("%s [pid %" PRIu64 "]", name, slot->key);
	case KPT_GROUP_CPU:
		return kpt_asprintf("%s [cpu %" PRIu64 "]", name, slot->key);
	case KPT_GROUP_COMM:
		return kpt_asprintf("%s [comm %s]", name, stats->comms[slot->key]);
	default:
		return NULL;
	}
}

/**
 * kpt_latency_stats_collect - append the statistics' results to @results
 * @stats: the statistics
 * @show: per probe, whether it is reported (a probe with no span still is)
 * @names: per probe, its name
 * @pairs: per probe, its unpaired counts
 * @results: where to append: per shown probe, its whole result with the
 *	unpaired counts, then with grouping one per group, in group order
 *	(thread id, CPU, or command name)
 *
 * Returns 0, or -1 on allocation failure.
 */
int kpt_latency_stats_collect(struct kpt_latency_stats *stats, const bool *show,
			      const char *const *names, const struct kpt_pair_counts *pairs,
			      struct kpt_results *results)
{
	struct slot **sorted = NULL;
	unsigned int i, j = 0;
	int probe, ret = 0;

	if (stats->nr_groups) {
		sorted = malloc(stats->nr_groups * sizeof(*sorted));
		if (!sorted)
			return -1;
		for (i = 0; i < stats->nr_slots; i++) {
			if (stats->groups[i])
				sorted[j++] = stats->groups[i];
		}
		sort_stats = stats;
		qsort(sorted, stats->nr_groups, sizeof(*sorted), compare_slots);
	}
	for (probe = 0, j = 0; probe < stats->nr_probes && ret == 0; probe++) {
		if (!show[probe])
			continue;
		ret = add_result(results, strdup(names[probe]), stats->whole[probe],
				 &pairs[probe]);
		while (j < stats->nr_groups && sorted[j]->probe < probe)
			j++;
		for (; ret == 0 && j < stats->nr_groups && sorted[j]->probe == probe; j++)
			ret = add_result(results, group_name(stats, names[probe],
							     sorted[j]), sorted[j], NULL);
	}
	free(sorted);
	return ret;
}

/**
 * kpt_latency_stats_free - release the statistics (NULL is fine)
 * @stats: the statistics
 */
void kpt_latency_stats_free(struct kpt_latency_stats *stats)
{
	unsigned int i;
	int probe;

	if (!stats)
		return;
	for (probe = 0; stats->whole && probe < stats->nr_probes; probe++)
		free(stats->whole[probe]);
	for (i = 0; stats->groups && i < stats->nr_slots; i++)
		free(stats->groups[i]);
	for (i = 0; i < stats->nr_comms; i++)
		free(stats->comms[i]);
	free(stats->comms);
	free(stats->groups);
	free(stats->whole);
	free(stats);
}

/**
 * kpt_results_free - release what kpt_latency_stats_collect() appended (NULL is fine)
 * @results: the results; zeroed
 */
void kpt_results_free(struct kpt_results *results)
{
	int i;

	if (!results)
		return;
	for (i = 0; i < results->latency.nr_probes; i++)
		free((char *)results->latency.probes[i].name);
	free(results->latency.probes);
	memset(results, 0, sizeof(*results));
}


/**
 * kpt_latency_stats_reset - forget every span (a new -i interval starts)
 * @stats: the statistics
 */
void kpt_latency_stats_reset(struct kpt_latency_stats *stats)
{
	unsigned int i;
	int probe;

	for (probe = 0; probe < stats->nr_probes; probe++) {
		free(stats->whole[probe]);
		stats->whole[probe] = NULL;
	}
	for (i = 0; i < stats->nr_slots; i++) {
		free(stats->groups[i]);
		stats->groups[i] = NULL;
	}
	stats->nr_groups = 0;
}

/* The built-in analyser "latency". */

struct latency {
	const struct kpt_run_params *run;
	struct kpt_latency_stats *stats;
	struct kpt_stacks *stacks;	/* --stack, --ustack */
	bool *show;		/* scratch: per probe, reported or not */
};

static const struct kpt_analyser_option latency_options[] = {
	{ "by", "pid|comm|cpu: also a result per thread, command name or entry CPU" },
	{ NULL, NULL },
};

static void *latency_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	const struct kpt_run_params *run = (const struct kpt_run_params *)params;
	enum kpt_group_by by = KPT_GROUP_NONE;
	struct latency *lat;
	int i;

	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "by") == 0 &&
		    kpt_group_by_parse(params->option_values[i], &by) < 0) {
			snprintf(err, errsize, "by '%s': use pid, comm or cpu",
				 params->option_values[i]);
			return NULL;
		}
	}
	lat = calloc(1, sizeof(*lat));
	if (!lat)
		goto nomem;
	lat->run = run;
	lat->stats = kpt_latency_stats_alloc(params->nr_probes, by, params->host);
	lat->show = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*lat->show));
	if (run->stacks)
		lat->stacks = kpt_stacks_alloc(params->host, !run->folded);
	if (lat->stats && lat->show && (!run->stacks || lat->stacks))
		return lat;
	kpt_stacks_free(lat->stacks);
	kpt_latency_stats_free(lat->stats);
	free(lat->show);
	free(lat);
nomem:
	snprintf(err, errsize, "out of memory");
	return NULL;
}

static __attribute__((noinline)) void stack_span(struct latency *lat, const struct kpt_span *span)
{
	kpt_latency_stats_span(lat->stats, span);
	kpt_stacks_add(lat->stacks, span->probe, span->entry, span->end - span->start);
}

static void latency_span(void *state, const struct kpt_span *span)
{
	struct latency *lat = state;

	/* without stacks, a jump to the statistics as before */
	if (__builtin_expect(lat->stacks != NULL, 0)) {
		stack_span(lat, span);
		return;
	}
	kpt_latency_stats_span(lat->stats, span);
}

/* One result per stack, the most time first, after the probes' own. */
static int add_stack_results(struct latency *lat, struct kpt_results *results)
{
	const char *const *names = lat->run->params.probe_names;
	struct kpt_stack_group **sorted;
	int n = kpt_stacks_sorted(lat->stacks, true, &sorted), i, ret = 0;

	if (n < 0)
		return -1;
	for (i = 0; i < n && ret == 0; i++) {
		struct kpt_probe_result *result;

		ret = add_result(results, kpt_asprintf("%s [stack %d of %d]",
						       names[sorted[i]->probe], i + 1, n),
				 NULL, NULL);
		if (ret < 0)
			break;
		result = &results->latency.probes[results->latency.nr_probes - 1];
		result->hist = *sorted[i]->hist;
		result->frames = sorted[i]->frames;
		result->nr_frames = sorted[i]->nr;
	}
	free(sorted);
	return ret;
}

/* --folded: the stacks alone, each with its summed time or its calls. */
static int report_folded(struct latency *lat)
{
	const struct kpt_analyser_params *params = &lat->run->params;
	int ret;

	ret = kpt_stacks_print_folded(params->out, lat->stacks, params->probe_names,
				      params->nr_probes,
				      lat->run->folded_value != KPT_FOLDED_COUNT);
	kpt_stacks_reset(lat->stacks);
	kpt_latency_stats_reset(lat->stats);
	return ret;
}

static int latency_report(void *state, const struct kpt_report_params *report)
{
	struct latency *lat = state;
	const struct kpt_analyser_params *params = &lat->run->params;
	struct kpt_results results = { 0 };
	struct kpt_report_info info = {
		.elapsed = report->elapsed,
		.interval = report->interval,
		.clock = params->clock,
		.loss = report->loss,
		.command = lat->run->command,
		.file = params->input,
	};
	int i, ret = -1;

	if (lat->run->folded)
		return report_folded(lat);
	for (i = 0; i < params->nr_probes; i++)
		lat->show[i] = !lat->run->shown || lat->run->shown[i];
	if (kpt_latency_stats_collect(lat->stats, lat->show, params->probe_names, report->pairs,
				      &results) < 0)
		goto out;
	if (lat->stacks && add_stack_results(lat, &results) < 0)
		goto out;
	if (params->input && report->final && !results.latency.nr_probes)
		kpt_warn("%s has no records of any probe; 'kptrace report --list %s' shows its "
			 "events", params->input, params->input);
	if (params->json) {
		ret = kpt_output_latency_json(params->out, &results.latency, &info);
	} else {
		kpt_output_latency_text(params->out, &results.latency, &info);
		ret = ferror(params->out) ? -1 : 0;
	}
	kpt_latency_stats_reset(lat->stats);
out:
	if (lat->stacks)
		kpt_stacks_reset(lat->stacks);
	kpt_results_free(&results);
	return ret;
}

static void latency_destroy(void *state)
{
	struct latency *lat = state;

	kpt_latency_stats_free(lat->stats);
	kpt_stacks_free(lat->stacks);
	free(lat->show);
	free(lat);
}

const struct kpt_analyser_desc kpt_latency_analyser = {
	KPT_ANALYSER_ABI,
	.name = "latency",
	.summary = "count, min, avg, max, percentiles and a log2 histogram per probe",
	.options = latency_options,
	.flags = KPT_ANALYSER_SPANS,
	.create = latency_create,
	.span = latency_span,
	.report = latency_report,
	.destroy = latency_destroy,
};
