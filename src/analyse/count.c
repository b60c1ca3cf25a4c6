// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "count": hits (entries) and returns per probe, and
 * their rate. Counted from decoded events; or, when the run counts with perf
 * counters and no record is written, from the counters' totals, which the
 * source hands over at every report (struct kpt_run_params.read_counters).
 */
#include <stdlib.h>
#include <string.h>

#include "analyse/analyser.h"
#include "analyse/latency.h"
#include "output/output.h"

#define INITIAL_GROUPS	64	/* hash size; a power of two */

/* With --by: the events of one probe with one key value. */
struct group {
	bool used;
	int probe;
	uint64_t key;
	uint64_t count;
};

struct count {
	const struct kpt_run_params *run;
	struct kpt_count_result *results;	/* this report's figures */
	uint64_t *totals;			/* counters: entry and exit of each probe */
	uint64_t *reported;			/* counters: the totals at the previous report */
	struct kpt_stacks *stacks;		/* --stack, --ustack: hits per stack */
	struct kpt_stats_options opts;
	struct kpt_key *key;			/* --by */
	struct group *groups;			/* hash of (probe, key) */
	unsigned int nr_slots;
	unsigned int nr_groups;
};

static const struct kpt_analyser_option count_options[] = {
	{ "by", "pid|tid|comm|cpu|ret|arg:NAME: also a count per value of the key" },
	{ "top", "N: only the N values of the key counted most, per probe" },
	{ NULL, NULL },
};

static void count_destroy(void *state);

static int setup_key(struct count *count, const struct kpt_analyser_params *params, char *err,
		     size_t errsize)
{
	if (kpt_stats_options_parse(params, &count->opts, err, errsize) < 0)
		return -1;
	if (!count->opts.by)
		return 0;
	count->key = kpt_key_alloc(count->opts.by, params->host, params->nr_probes,
				   params->probe_names, err, errsize);
	if (!count->key)
		return -1;
	count->nr_slots = INITIAL_GROUPS;
	count->groups = calloc(count->nr_slots, sizeof(*count->groups));
	if (!count->groups) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	return 0;
}

static void *count_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	const struct kpt_run_params *run = (const struct kpt_run_params *)params;
	int n = params->nr_probes ? params->nr_probes : 1, i;
	struct count *count = calloc(1, sizeof(*count));

	if (run->folded && run->folded_value == KPT_FOLDED_TIME) {
		snprintf(err, errsize, "--folded=time sums durations, which count does not have: "
			 "use latency --folded, or count --folded (calls)");
		free(count);
		return NULL;
	}
	if (!count)
		goto nomem;
	count->run = run;
	if (run->stacks && !(count->stacks = kpt_stacks_alloc(params->host, false)))
		goto nomem;
	count->results = calloc(n, sizeof(*count->results));
	count->totals = calloc(2 * n, sizeof(*count->totals));
	count->reported = calloc(2 * n, sizeof(*count->reported));
	if (!count->results || !count->totals || !count->reported)
		goto nomem;
	for (i = 0; i < params->nr_probes; i++)
		count->results[i].name = params->probe_names[i];
	if (setup_key(count, params, err, errsize) < 0)
		goto fail;
	return count;
nomem:
	snprintf(err, errsize, "out of memory");
fail:
	if (count)
		count_destroy(count);
	return NULL;
}

static __attribute__((noinline)) void stack_event(struct count *count, const struct kpt_event *ev)
{
	kpt_stacks_add(count->stacks, ev->probe, ev, 0);
}

static unsigned int group_hash(int probe, uint64_t key, unsigned int nr_slots)
{
	uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)probe << 32);

	return (unsigned int)(h ^ (h >> 29)) & (nr_slots - 1);
}

static struct group *find_group(struct group *groups, unsigned int nr_slots, int probe,
				uint64_t key)
{
	unsigned int i = group_hash(probe, key, nr_slots);

	while (groups[i].used && (groups[i].probe != probe || groups[i].key != key))
		i = (i + 1) & (nr_slots - 1);
	return &groups[i];
}

static int grow_groups(struct count *count)
{
	unsigned int nr_slots = count->nr_slots * 2, i;
	struct group *groups = calloc(nr_slots, sizeof(*groups));

	if (!groups)
		return -1;
	for (i = 0; i < count->nr_slots; i++) {
		if (count->groups[i].used)
			*find_group(groups, nr_slots, count->groups[i].probe,
				    count->groups[i].key) = count->groups[i];
	}
	free(count->groups);
	count->groups = groups;
	count->nr_slots = nr_slots;
	return 0;
}

/* One more event of @ev's probe under its key, if it has one. */
static __attribute__((noinline)) void count_by_key(struct count *count,
						   const struct kpt_event *ev)
{
	struct group *group;
	uint64_t key;

	if (kpt_key_of_event(count->key, ev, &key) < 0)
		return;
	group = find_group(count->groups, count->nr_slots, ev->probe, key);
	if (!group->used) {
		if ((count->nr_groups + 1) * 2 > count->nr_slots) {
			if (grow_groups(count) < 0)
				return;
			group = find_group(count->groups, count->nr_slots, ev->probe, key);
		}
		*group = (struct group){ .used = true, .probe = ev->probe, .key = key };
		count->nr_groups++;
	}
	group->count++;
}

static void count_event(void *state, const struct kpt_event *ev)
{
	struct count *count = state;

	if (ev->role == KPT_ROLE_ENTRY) {
		count->results[ev->probe].hits++;
		if (__builtin_expect(count->stacks != NULL, 0))
			stack_event(count, ev);
	} else if (ev->role == KPT_ROLE_EXIT) {
		count->results[ev->probe].returns++;
	}
	if (count->key)
		count_by_key(count, ev);
}

static const struct kpt_key *sort_key;	/* qsort has no context argument */

/* Per probe; within one, the most counted first, then by key. */
static int compare_groups(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return kpt_key_compare(sort_key, x->probe, x->key, y->key);
}

/* The groups as the output takes them, sorted, --top of each probe; NULL if none. */
static struct kpt_count_group *collect_groups(struct count *count, int *nr)
{
	struct kpt_count_group *out;
	struct group *sorted;
	unsigned int i, j = 0;
	int shown = 0, probe = -1;
	char text[256];

	*nr = 0;
	if (!count->nr_groups)
		return NULL;
	sorted = malloc(count->nr_groups * sizeof(*sorted));
	out = calloc(count->nr_groups, sizeof(*out));
	if (!sorted || !out)
		goto fail;
	for (i = 0; i < count->nr_slots; i++) {
		if (count->groups[i].used)
			sorted[j++] = count->groups[i];
	}
	sort_key = count->key;
	qsort(sorted, count->nr_groups, sizeof(*sorted), compare_groups);
	for (i = 0; i < count->nr_groups; i++) {
		if (sorted[i].probe != probe) {
			probe = sorted[i].probe;
			shown = 0;
		}
		if (count->opts.top && shown++ >= count->opts.top)
			continue;
		kpt_key_format(count->key, probe, sorted[i].key, text, sizeof(text));
		out[*nr].probe = probe;
		out[*nr].count = sorted[i].count;
		out[*nr].value = strdup(text);
		if (!out[(*nr)++].value)
			goto fail;
	}
	free(sorted);
	return out;
fail:
	free(sorted);
	for (i = 0; out && i < (unsigned int)*nr; i++)
		free(out[i].value);
	free(out);
	*nr = -1;
	return NULL;
}

/* Counters: this report's counts are what the counters gained since the last one. */
static void read_counters(struct count *count)
{
	int i, n = count->run->params.nr_probes;

	if (count->run->read_counters(count->run->counters_ctx, count->totals) < 0)
		return;
	for (i = 0; i < n; i++) {
		count->results[i].hits = count->totals[2 * i] - count->reported[2 * i];
		count->results[i].returns = count->totals[2 * i + 1] - count->reported[2 * i + 1];
	}
	memcpy(count->reported, count->totals, 2 * n * sizeof(*count->totals));
}

static int count_report(void *state, const struct kpt_report_params *report)
{
	struct count *count = state;
	const struct kpt_analyser_params *params = &count->run->params;
	struct kpt_report_info info = {
		.elapsed = report->elapsed,
		.interval = report->interval,
		.loss = report->loss,
		.backend = count->run->backend ? count->run->backend : "file",
		.file = params->input,
	};
	struct kpt_stack_group **sorted = NULL;
	struct kpt_count_groups groups = { 0 };
	int i, ret = 0;

	if (count->run->read_counters)
		read_counters(count);
	if (count->run->folded) {
		ret = kpt_stacks_print_folded(params->out, count->stacks, params->probe_names,
					      params->nr_probes, false);
		goto out;
	}
	if (count->stacks) {
		info.nr_stacks = kpt_stacks_sorted(count->stacks, false, &sorted);
		if (info.nr_stacks < 0)
			return -1;
		info.stacks = sorted;
		info.probe_names = params->probe_names;
	}
	if (count->key) {
		groups.key = kpt_key_label(count->key);
		groups.groups = collect_groups(count, &groups.nr);
		if (groups.nr < 0)
			return -1;
		info.groups = &groups;
	}
	if (params->json) {
		ret = kpt_output_count_json(params->out, count->results, params->nr_probes, &info);
	} else {
		kpt_output_count_text(params->out, count->results, params->nr_probes, &info);
		ret = ferror(params->out) ? -1 : 0;
	}
	free(sorted);
out:
	if (count->stacks)
		kpt_stacks_reset(count->stacks);
	for (i = 0; i < params->nr_probes; i++)
		count->results[i].hits = count->results[i].returns = 0;
	for (i = 0; i < groups.nr; i++)
		free(groups.groups[i].value);
	free(groups.groups);
	if (count->groups) {
		memset(count->groups, 0, count->nr_slots * sizeof(*count->groups));
		count->nr_groups = 0;
	}
	return ret;
}

static void count_destroy(void *state)
{
	struct count *count = state;

	kpt_stacks_free(count->stacks);
	free(count->results);
	free(count->totals);
	free(count->reported);
	free(count->groups);
	kpt_key_free(count->key);
	free(count);
}

const struct kpt_analyser_desc kpt_count_analyser = {
	KPT_ANALYSER_ABI,
	.name = "count",
	.summary = "hits and returns per probe, and their rate",
	.options = count_options,
	.flags = KPT_ANALYSER_EVENTS,
	.create = count_create,
	.event = count_event,
	.report = count_report,
	.destroy = count_destroy,
};
