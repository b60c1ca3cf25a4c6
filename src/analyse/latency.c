// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Latency statistics, and the built-in analyser "latency".
 *
 * Each probe has a "whole" slot; with a key, each (probe, key value) pair
 * seen in a span gets one more, found through an open-addressing hash. Slots hold
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
 * kpt_unit_parse - parse a histogram unit: "ns", "us" or "ms"
 * @text: the unit
 * @unit_ns: set to it in nanoseconds
 *
 * Returns 0, or -1 if @text is none of them.
 */
int kpt_unit_parse(const char *text, uint64_t *unit_ns)
{
	if (strcmp(text, "ns") == 0)
		*unit_ns = 1;
	else if (strcmp(text, "us") == 0)
		*unit_ns = NSEC_PER_USEC;
	else if (strcmp(text, "ms") == 0)
		*unit_ns = NSEC_PER_MSEC;
	else
		return -1;
	return 0;
}

struct slot {
	int probe;
	uint64_t key;		/* the key's value */
	struct kpt_hist hist;
	uint64_t linear[];	/* --hist linear: [nr + 2] */
};

struct kpt_latency_stats {
	struct kpt_latency_config config;
	bool extra;		/* grouping, bounds or a linear histogram: the slower path */
	size_t slot_size;
	int nr_probes;
	struct slot **whole;	/* per probe */
	uint64_t *outside;	/* per probe: spans out of --min/--max */
	struct slot **groups;	/* hash of (probe, key); NULL: free */
	unsigned int nr_slots;
	unsigned int nr_groups;
};

static struct slot *new_slot(const struct kpt_latency_stats *stats, int probe, uint64_t key)
{
	struct slot *slot = calloc(1, stats->slot_size);

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
	slot = new_slot(stats, probe, key);
	if (!slot)
		return NULL;
	insert_group(stats->groups, stats->nr_slots, slot);
	stats->nr_groups++;
	return slot;
}

static void slot_add(const struct kpt_latency_stats *stats, struct slot *slot, uint64_t duration)
{
	kpt_hist_add(&slot->hist, duration);
	if (stats->config.linear)
		slot->linear[kpt_linear_slot(stats->config.linear, duration)]++;
}

/* Bounds, a linear histogram, a group: off the common path. */
static __attribute__((noinline)) void span_extra(struct kpt_latency_stats *stats,
						 struct slot *slot, const struct kpt_span *span,
						 uint64_t duration)
{
	const struct kpt_latency_config *config = &stats->config;
	uint64_t key;

	if (duration < config->min || (config->max && duration > config->max)) {
		stats->outside[span->probe]++;
		return;
	}
	slot_add(stats, slot, duration);
	if (!config->key || kpt_key_of_span(config->key, span, &key) < 0)
		return;
	slot = group_slot(stats, span->probe, key);
	if (slot)
		slot_add(stats, slot, duration);
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

	if (!slot && !(slot = stats->whole[span->probe] = new_slot(stats, span->probe, 0)))
		return;
	if (stats->extra)
		span_extra(stats, slot, span, duration);
	else
		kpt_hist_add(&slot->hist, duration);
}

/**
 * kpt_latency_stats_alloc - empty statistics for @nr_probes probes
 * @nr_probes: probe numbers in spans run from 0 to @nr_probes - 1
 * @config: the grouping, bounds and histogram shape, copied; its key and
 *	linear shape must outlive the statistics
 *
 * Returns the statistics, or NULL on allocation failure.
 */
struct kpt_latency_stats *kpt_latency_stats_alloc(int nr_probes,
						  const struct kpt_latency_config *config)
{
	struct kpt_latency_stats *stats = calloc(1, sizeof(*stats));
	int n = nr_probes ? nr_probes : 1;

	if (!stats)
		return NULL;
	stats->config = *config;
	stats->extra = config->key || config->linear || config->min || config->max;
	stats->slot_size = sizeof(struct slot);
	if (config->linear)
		stats->slot_size += (config->linear->nr + 2) * sizeof(uint64_t);
	stats->nr_probes = nr_probes;
	stats->nr_slots = INITIAL_SLOTS;
	stats->whole = calloc(n, sizeof(*stats->whole));
	stats->outside = calloc(n, sizeof(*stats->outside));
	stats->groups = calloc(stats->nr_slots, sizeof(*stats->groups));
	if (!stats->whole || !stats->outside || !stats->groups) {
		kpt_latency_stats_free(stats);
		return NULL;
	}
	return stats;
}

static const struct kpt_latency_stats *sort_stats;	/* qsort has no context argument */

/* Per probe; within one, most total time first, then by key. */
static int compare_slots(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a, *y = *(const struct slot *const *)b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	if (x->hist.sum != y->hist.sum)
		return x->hist.sum > y->hist.sum ? -1 : 1;
	return kpt_key_compare(sort_stats->config.key, x->probe, x->key, y->key);
}

static struct kpt_probe_result *add_result(struct kpt_results *results, char *name,
					   const struct kpt_latency_stats *stats,
					   const struct slot *slot)
{
	const struct kpt_linear *linear = stats->config.linear;
	struct kpt_probe_result *result;

	if (!name)
		return NULL;
	if (results->latency.nr_probes == results->capacity) {
		int capacity = results->capacity ? results->capacity * 2 : 8;
		struct kpt_probe_result *probes = realloc(results->latency.probes,
							  capacity * sizeof(*probes));

		if (!probes) {
			free(name);
			return NULL;
		}
		results->latency.probes = probes;
		results->capacity = capacity;
	}
	result = &results->latency.probes[results->latency.nr_probes++];
	memset(result, 0, sizeof(*result));
	result->name = name;
	if (slot)
		result->hist = slot->hist;
	else
		kpt_hist_init(&result->hist);
	if (!linear)
		return result;
	result->linear = linear;
	result->linear_counts = calloc(linear->nr + 2, sizeof(uint64_t));
	if (!result->linear_counts)
		return NULL;
	if (slot)
		memcpy(result->linear_counts, slot->linear, (linear->nr + 2) * sizeof(uint64_t));
	return result;
}

static int add_group(struct kpt_results *results, const struct kpt_latency_stats *stats,
		     const char *name, const struct slot *slot)
{
	struct kpt_key *key = stats->config.key;
	struct kpt_probe_result *result;
	char value[256];

	kpt_key_format(key, slot->probe, slot->key, value, sizeof(value));
	result = add_result(results, kpt_asprintf("%s [%s %s]", name, kpt_key_label(key), value),
			    stats, slot);
	if (!result)
		return -1;
	result->key = kpt_key_label(key);
	result->value = strdup(value);
	return result->value ? 0 : -1;
}

/**
 * kpt_latency_stats_collect - append the statistics' results to @results
 * @stats: the statistics
 * @show: per probe, whether it is reported (a probe with no span still is)
 * @names: per probe, its name
 * @pairs: per probe, its unpaired counts
 * @results: where to append: per shown probe, its whole result with the
 *	unpaired counts, then with a key one per group, most total time first
 *	(ties in key order), the first --top of them
 *
 * Returns 0, or -1 on allocation failure.
 */
int kpt_latency_stats_collect(struct kpt_latency_stats *stats, const bool *show,
			      const char *const *names, const struct kpt_pair_counts *pairs,
			      struct kpt_results *results)
{
	struct kpt_probe_result *whole;
	struct slot **sorted = NULL;
	unsigned int i, j = 0;
	int probe, shown, ret = 0;

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
		whole = add_result(results, strdup(names[probe]), stats, stats->whole[probe]);
		if (!whole) {
			ret = -1;
			break;
		}
		whole->pairs = pairs[probe];
		whole->outside = stats->outside[probe];
		while (j < stats->nr_groups && sorted[j]->probe < probe)
			j++;
		for (shown = 0; ret == 0 && j < stats->nr_groups && sorted[j]->probe == probe;
		     j++) {
			if (stats->config.top && shown == stats->config.top)
				continue;
			ret = add_group(results, stats, names[probe], sorted[j]);
			shown++;
		}
	}
	free(sorted);
	return ret;
}

/**
 * kpt_latency_stats_free - release the statistics (NULL is fine); the key stays
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
	free(stats->groups);
	free(stats->whole);
	free(stats->outside);
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
	for (i = 0; i < results->latency.nr_probes; i++) {
		free((char *)results->latency.probes[i].name);
		free((char *)results->latency.probes[i].value);
		free(results->latency.probes[i].linear_counts);
	}
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
		stats->outside[probe] = 0;
	}
	for (i = 0; i < stats->nr_slots; i++) {
		free(stats->groups[i]);
		stats->groups[i] = NULL;
	}
	stats->nr_groups = 0;
}

/* The options the built-ins share. */

/**
 * kpt_stats_options_parse - read the options of latency, count and slow
 * @params: the analyser's parameters; options "by", "top", "unit", "hist",
 *	"min", "max" and "threshold" are read, others left alone
 * @opts: filled in; @opts->by borrows from @params
 * @err: where to write what is wrong
 * @errsize: its size
 *
 * "unit" is read first: bare numbers of the others are in it, microseconds
 * if it is not given. Returns 0, or -1 after writing why into @err.
 */
int kpt_stats_options_parse(const struct kpt_analyser_params *params,
			    struct kpt_stats_options *opts, char *err, size_t errsize)
{
	enum kpt_key_kind kind;
	const char *arg;
	uint64_t unit;
	char *end;
	int i;

	memset(opts, 0, sizeof(*opts));
	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "unit") != 0)
			continue;
		if (kpt_unit_parse(params->option_values[i], &opts->unit_ns) < 0) {
			snprintf(err, errsize, "unit '%s': use ns, us or ms",
				 params->option_values[i]);
			return -1;
		}
	}
	unit = opts->unit_ns ? opts->unit_ns : NSEC_PER_USEC;
	for (i = 0; i < params->nr_options; i++) {
		const char *name = params->option_names[i], *value = params->option_values[i];

		if (strcmp(name, "by") == 0) {
			if (kpt_key_parse(value, &kind, &arg) < 0) {
				snprintf(err, errsize, "by '%s': use pid, tid, comm, cpu, ret or "
					 "arg:NAME", value);
				return -1;
			}
			opts->by = value;
		} else if (strcmp(name, "top") == 0) {
			opts->top = strtol(value, &end, 10);
			if (*end || end == value || opts->top <= 0) {
				snprintf(err, errsize, "top '%s': not a positive number", value);
				return -1;
			}
		} else if (strcmp(name, "hist") == 0) {
			if (strcmp(value, "log2") == 0)
				continue;
			if (kpt_linear_parse(value, unit, &opts->linear) < 0) {
				snprintf(err, errsize, "hist '%s': use log2 or linear:STEP[,MIN,MAX] "
					 "(STEP > 0, MAX > MIN, at most %d buckets; numbers in %s "
					 "unless they carry ns, us, ms or s)", value,
					 KPT_LINEAR_MAX_BUCKETS, unit == 1 ? "ns" :
					 unit == NSEC_PER_MSEC ? "ms" : "us");
				return -1;
			}
			opts->has_linear = true;
		} else if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
			   strcmp(name, "threshold") == 0) {
			uint64_t *ns = name[1] == 'i' ? &opts->min : name[1] == 'a' ? &opts->max :
				       &opts->threshold;

			if (kpt_parse_ns(value, unit, ns) < 0) {
				snprintf(err, errsize, "%s '%s': not a duration (e.g. 250, 1.5ms, "
					 "100us)", name, value);
				return -1;
			}
			opts->has_threshold |= ns == &opts->threshold;
		}
	}
	if (opts->max && opts->max < opts->min) {
		snprintf(err, errsize, "max is below min: no call could be counted");
		return -1;
	}
	return 0;
}

/* The built-in analyser "latency". */

struct latency {
	const struct kpt_run_params *run;
	struct kpt_stats_options opts;
	struct kpt_key *key;
	struct kpt_latency_stats *stats;
	struct kpt_stacks *stacks;	/* --stack, --ustack */
	bool *show;		/* scratch: per probe, reported or not */
};

static const struct kpt_analyser_option latency_options[] = {
	{ "by", "pid|tid|comm|cpu|ret|arg:NAME: also a result per value of the key" },
	{ "top", "N: only the N values of the key with the most total time, per probe" },
	{ "unit", "ns|us|ms: the histogram's unit (default: the one that suits)" },
	{ "hist", "log2|linear:STEP[,MIN,MAX]: the histogram's buckets" },
	{ "min", "LATENCY: leave out shorter calls" },
	{ "max", "LATENCY: leave out longer calls" },
	{ NULL, NULL },
};

static void latency_destroy(void *state);

static void *latency_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct kpt_latency_config config = { 0 };
	struct latency *lat = calloc(1, sizeof(*lat));

	if (!lat)
		goto nomem;
	lat->run = (const struct kpt_run_params *)params;
	if (kpt_stats_options_parse(params, &lat->opts, err, errsize) < 0)
		goto fail;
	if (lat->opts.by) {
		lat->key = kpt_key_alloc(lat->opts.by, params->host, params->nr_probes,
					 params->probe_names, err, errsize);
		if (!lat->key)
			goto fail;
	}
	config.key = lat->key;
	config.top = lat->opts.top;
	config.linear = lat->opts.has_linear ? &lat->opts.linear : NULL;
	config.min = lat->opts.min;
	config.max = lat->opts.max;
	lat->stats = kpt_latency_stats_alloc(params->nr_probes, &config);
	lat->show = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*lat->show));
	if (lat->run->stacks)
		lat->stacks = kpt_stacks_alloc(params->host, !lat->run->folded);
	if (lat->stats && lat->show && (!lat->run->stacks || lat->stacks))
		return lat;
nomem:
	snprintf(err, errsize, "out of memory");
fail:
	if (lat)
		latency_destroy(lat);
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

		result = add_result(results, kpt_asprintf("%s [stack %d of %d]",
							  names[sorted[i]->probe], i + 1, n),
				    lat->stats, NULL);
		if (!result) {
			ret = -1;
			break;
		}
		result->key = "stack";
		result->value = kpt_asprintf("%d of %d", i + 1, n);
		if (!result->value) {
			ret = -1;
			break;
		}
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
	results.latency.unit_ns = lat->opts.unit_ns;
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
	kpt_key_free(lat->key);
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
