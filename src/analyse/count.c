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
#include "output/output.h"

struct count {
	const struct kpt_run_params *run;
	struct kpt_count_result *results;	/* this report's figures */
	uint64_t *totals;			/* counters: entry and exit of each probe */
	uint64_t *reported;			/* counters: the totals at the previous report */
	struct kpt_stacks *stacks;		/* --stack, --ustack: hits per stack */
};

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
	return count;
nomem:
	if (count) {
		kpt_stacks_free(count->stacks);
		free(count->results);
		free(count->totals);
		free(count->reported);
		free(count);
	}
	snprintf(err, errsize, "out of memory");
	return NULL;
}

static __attribute__((noinline)) void stack_event(struct count *count, const struct kpt_event *ev)
{
	kpt_stacks_add(count->stacks, ev->probe, ev, 0);
}

static void count_event(void *state, const struct kpt_event *ev)
{
	struct count *count = state;

	if (ev->role == KPT_ROLE_ENTRY) {
		count->results[ev->probe].hits++;
		if (__builtin_expect(count->stacks != NULL, 0))
			stack_event(count, ev);
		return;
	}
	if (ev->role == KPT_ROLE_EXIT)
		count->results[ev->probe].returns++;
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
	return ret;
}

static void count_destroy(void *state)
{
	struct count *count = state;

	kpt_stacks_free(count->stacks);
	free(count->results);
	free(count->totals);
	free(count->reported);
	free(count);
}

const struct kpt_analyser_desc kpt_count_analyser = {
	KPT_ANALYSER_ABI,
	.name = "count",
	.summary = "hits and returns per probe, and their rate",
	.flags = KPT_ANALYSER_EVENTS,
	.create = count_create,
	.event = count_event,
	.report = count_report,
	.destroy = count_destroy,
};
