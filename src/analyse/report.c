// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Report engine: window, pairing, grouping and results.
 *
 * Each probe has a "whole" slot; with grouping, each (probe, group) pair seen
 * in a span gets one more, found through an open-addressing hash. Slots hold
 * a histogram and are allocated when their first span arrives. The pairer's
 * unpaired counts are per probe, so they go with the whole slot only.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pair.h"
#include "analyse/report.h"
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

/**
 * kpt_window_check - place a record relative to the window
 * @window: the window; the first call sees the file's first record
 * @ts: the record's timestamp; records come in timestamp order
 *
 * Returns KPT_WINDOW_BEFORE (skip it), KPT_WINDOW_INSIDE (use it) or
 * KPT_WINDOW_AFTER (this one and every later record are outside).
 */
enum kpt_window_pos kpt_window_check(struct kpt_window *window, uint64_t ts)
{
	uint64_t since;

	if (!window->seen_first) {
		window->seen_first = true;
		window->first_ts = ts;
	}
	since = ts > window->first_ts ? ts - window->first_ts : 0;
	if (since < window->start)
		return KPT_WINDOW_BEFORE;
	if (window->has_end && since > window->end) {
		window->passed_end = true;
		return KPT_WINDOW_AFTER;
	}
	window->seen_inside = true;
	window->last_inside = ts;
	return KPT_WINDOW_INSIDE;
}

/**
 * kpt_window_elapsed - seconds of trace the window covered
 * @window: the window after the records went through kpt_window_check()
 *
 * From the window's start (or the first record) to its end when records went
 * past it, or else to the last record inside it.
 */
double kpt_window_elapsed(const struct kpt_window *window)
{
	uint64_t from, to;

	if (!window->seen_first)
		return 0;
	from = window->first_ts + window->start;
	to = window->passed_end ? window->first_ts + window->end :
	     window->seen_inside ? window->last_inside : from;
	return to > from ? (double)(to - from) / NSEC_PER_SEC : 0;
}

struct slot {
	int probe;
	uint64_t key;		/* thread id, CPU, or index into the report's comms */
	struct kpt_hist hist;
};

struct kpt_report {
	enum kpt_group_by by;
	kpt_comm_fn comm;
	void *comm_ctx;
	int nr_probes;
	struct kpt_pairer *pairer;
	uint64_t *events;	/* per probe: entries and exits fed */
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

static int grow_groups(struct kpt_report *report)
{
	unsigned int nr_slots = report->nr_slots * 2, i;
	struct slot **table = calloc(nr_slots, sizeof(*table));

	if (!table)
		return -1;
	for (i = 0; i < report->nr_slots; i++) {
		if (report->groups[i])
			insert_group(table, nr_slots, report->groups[i]);
	}
	free(report->groups);
	report->groups = table;
	report->nr_slots = nr_slots;
	return 0;
}

static struct slot *group_slot(struct kpt_report *report, int probe, uint64_t key)
{
	unsigned int i = hash_of(probe, key, report->nr_slots);
	struct slot *slot;

	for (; report->groups[i]; i = (i + 1) & (report->nr_slots - 1)) {
		if (report->groups[i]->probe == probe && report->groups[i]->key == key)
			return report->groups[i];
	}
	if ((report->nr_groups + 1) * 2 > report->nr_slots && grow_groups(report) < 0)
		return NULL;
	slot = new_slot(probe, key);
	if (!slot)
		return NULL;
	insert_group(report->groups, report->nr_slots, slot);
	report->nr_groups++;
	return slot;
}

/* The index of @comm among the report's command names, added if new; -1 on failure. */
static int64_t intern_comm(struct kpt_report *report, const char *comm)
{
	unsigned int i;
	char **comms;

	for (i = 0; i < report->nr_comms; i++) {
		if (strcmp(report->comms[i], comm) == 0)
			return i;
	}
	comms = realloc(report->comms, (report->nr_comms + 1) * sizeof(*comms));
	if (!comms)
		return -1;
	report->comms = comms;
	comms[report->nr_comms] = strdup(comm);
	if (!comms[report->nr_comms])
		return -1;
	return report->nr_comms++;
}

static void add_span(void *ctx, const struct kpt_span *span)
{
	struct kpt_report *report = ctx;
	uint64_t duration = span->end - span->start;
	struct slot *slot = report->whole[span->probe];
	int64_t key;

	if (!slot && !(slot = report->whole[span->probe] = new_slot(span->probe, 0)))
		return;
	kpt_hist_add(&slot->hist, duration);
	switch (report->by) {
	case KPT_GROUP_NONE:
		return;
	case KPT_GROUP_PID:
		key = span->tid;
		break;
	case KPT_GROUP_CPU:
		key = span->cpu;
		break;
	case KPT_GROUP_COMM:
		key = intern_comm(report, report->comm(report->comm_ctx, span->tid));
		if (key < 0)
			return;
		break;
	default:
		return;
	}
	slot = group_slot(report, span->probe, (uint64_t)key);
	if (slot)
		kpt_hist_add(&slot->hist, duration);
}

/**
 * kpt_report_alloc - an empty report for @nr_probes probes
 * @nr_probes: probe indexes in events run from 0 to @nr_probes - 1
 * @by: the grouping
 * @comm: names threads for KPT_GROUP_COMM (may be NULL otherwise)
 * @comm_ctx: passed to @comm
 *
 * Returns the report, or NULL on allocation failure.
 */
struct kpt_report *kpt_report_alloc(int nr_probes, enum kpt_group_by by, kpt_comm_fn comm,
				    void *comm_ctx)
{
	struct kpt_report *report = calloc(1, sizeof(*report));

	if (!report)
		return NULL;
	report->by = by;
	report->comm = comm;
	report->comm_ctx = comm_ctx;
	report->nr_probes = nr_probes;
	report->nr_slots = INITIAL_SLOTS;
	report->pairer = kpt_pairer_alloc(nr_probes, add_span, report);
	report->events = calloc(nr_probes ? nr_probes : 1, sizeof(*report->events));
	report->whole = calloc(nr_probes ? nr_probes : 1, sizeof(*report->whole));
	report->groups = calloc(report->nr_slots, sizeof(*report->groups));
	if (!report->pairer || !report->events || !report->whole || !report->groups ||
	    (by == KPT_GROUP_COMM && !comm)) {
		kpt_report_free(report);
		return NULL;
	}
	return report;
}

/**
 * kpt_report_feed - take the next event inside the window, in timestamp order
 * @report: the report
 * @ev: a decoded event
 */
void kpt_report_feed(struct kpt_report *report, const struct kpt_event *ev)
{
	if (ev->probe >= 0 && ev->probe < report->nr_probes)
		report->events[ev->probe]++;
	kpt_pairer_feed(report->pairer, ev);
}

/**
 * kpt_report_finish - the stream ended: calls still open count as open at the end
 * @report: the report
 */
void kpt_report_finish(struct kpt_report *report)
{
	kpt_pairer_finish(report->pairer);
}

/**
 * kpt_report_events - how many entries and exits of @probe were fed
 * @report: the report
 * @probe: the probe index
 */
uint64_t kpt_report_events(const struct kpt_report *report, int probe)
{
	return report->events[probe];
}

static const struct kpt_report *sort_report;	/* qsort has no context argument */

static int compare_slots(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a, *y = *(const struct slot *const *)b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	if (sort_report->by == KPT_GROUP_COMM)
		return strcmp(sort_report->comms[x->key], sort_report->comms[y->key]);
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
	return 0;
}

static char *group_name(const struct kpt_report *report, const char *prefix, const char *name,
			const struct slot *slot)
{
	switch (report->by) {
	case KPT_GROUP_PID:
		return kpt_asprintf("%s%s [pid %" PRIu64 "]", prefix, name, slot->key);
	case KPT_GROUP_CPU:
		return kpt_asprintf("%s%s [cpu %" PRIu64 "]", prefix, name, slot->key);
	case KPT_GROUP_COMM:
		return kpt_asprintf("%s%s [comm %s]", prefix, name, report->comms[slot->key]);
	default:
		return NULL;
	}
}

/**
 * kpt_report_collect - append the report's results to @results
 * @report: a finished report
 * @show: per probe, whether it is reported (a probe with no span still is)
 * @names: per probe, its name
 * @prefix: put before every name (e.g. a buffer's name), or ""
 * @results: where to append: per shown probe, its whole result with the
 *	unpaired counts, then with grouping one per group, in group order
 *	(thread id, CPU, or command name)
 *
 * Returns 0, or -1 on allocation failure.
 */
int kpt_report_collect(struct kpt_report *report, const bool *show, const char *const *names,
		       const char *prefix, struct kpt_results *results)
{
	struct slot **sorted = NULL;
	unsigned int i, j = 0;
	int probe, ret = 0;

	if (report->nr_groups) {
		sorted = malloc(report->nr_groups * sizeof(*sorted));
		if (!sorted)
			return -1;
		for (i = 0; i < report->nr_slots; i++) {
			if (report->groups[i])
				sorted[j++] = report->groups[i];
		}
		sort_report = report;
		qsort(sorted, report->nr_groups, sizeof(*sorted), compare_slots);
	}
	for (probe = 0, j = 0; probe < report->nr_probes && ret == 0; probe++) {
		if (!show[probe])
			continue;
		ret = add_result(results, kpt_asprintf("%s%s", prefix, names[probe]),
				 report->whole[probe], kpt_pairer_counts(report->pairer, probe));
		while (j < report->nr_groups && sorted[j]->probe < probe)
			j++;
		for (; ret == 0 && j < report->nr_groups && sorted[j]->probe == probe; j++)
			ret = add_result(results, group_name(report, prefix, names[probe],
							     sorted[j]), sorted[j], NULL);
	}
	free(sorted);
	return ret;
}

/**
 * kpt_report_free - release a report (NULL is fine)
 * @report: the report
 */
void kpt_report_free(struct kpt_report *report)
{
	unsigned int i;
	int probe;

	if (!report)
		return;
	for (probe = 0; report->whole && probe < report->nr_probes; probe++)
		free(report->whole[probe]);
	for (i = 0; report->groups && i < report->nr_slots; i++)
		free(report->groups[i]);
	for (i = 0; i < report->nr_comms; i++)
		free(report->comms[i]);
	free(report->comms);
	free(report->groups);
	free(report->whole);
	free(report->events);
	kpt_pairer_free(report->pairer);
	free(report);
}

/**
 * kpt_results_free - release what kpt_report_collect() appended (NULL is fine)
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

enum {
	OPT_PAIR = 256,
	OPT_BY,
	OPT_START,
	OPT_END,
	OPT_LIST,
	OPT_JSON,
	OPT_LIBTRACECMD,
};

static const struct option report_options[] = {
	{ "probe", required_argument, NULL, 'e' },
	{ "pair", required_argument, NULL, OPT_PAIR },
	{ "by", required_argument, NULL, OPT_BY },
	{ "start", required_argument, NULL, OPT_START },
	{ "end", required_argument, NULL, OPT_END },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "libtracecmd", no_argument, NULL, OPT_LIBTRACECMD },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A time after the first record: 0, or a duration such as "1.5" or "250ms". */
static int parse_offset(const char *option, const char *text, uint64_t *ns)
{
	double seconds;

	if (strcmp(text, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (kpt_parse_seconds(text, &seconds) < 0) {
		kpt_err("%s '%s': not a finite time in seconds, at most a year (e.g. 1.5, 250ms)",
			option, text);
		return -1;
	}
	*ns = (uint64_t)(seconds * NSEC_PER_SEC + 0.5);
	return 0;
}

static int append_arg(const char ***list, int *nr, const char *arg)
{
	const char **grown = realloc(*list, (*nr + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	grown[(*nr)++] = arg;
	*list = grown;
	return 0;
}

/**
 * kpt_report_opts_parse - parse kptrace report's arguments
 * @argc: argument count; argv[0] is "report"
 * @argv: the arguments
 * @opts: filled in; release with kpt_report_opts_free() whatever the result
 *
 * Never exits. Returns 0, or -1 after printing what is wrong.
 */
int kpt_report_opts_parse(int argc, char **argv, struct kpt_report_opts *opts)
{
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->file = "trace.dat";
	optind = 0;	/* 0, not 1: glibc then also forgets a scan left inside "-abc" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:h", report_options, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (append_arg(&opts->probes, &opts->nr_probes, optarg) < 0)
				return -1;
			break;
		case OPT_PAIR:
			if (append_arg(&opts->pairs, &opts->nr_pairs, optarg) < 0)
				return -1;
			break;
		case OPT_BY:
			if (kpt_group_by_parse(optarg, &opts->by) < 0) {
				kpt_err("--by '%s': use pid, comm or cpu", optarg);
				return -1;
			}
			break;
		case OPT_START:
			if (parse_offset("--start", optarg, &opts->window.start) < 0)
				return -1;
			break;
		case OPT_END:
			if (parse_offset("--end", optarg, &opts->window.end) < 0)
				return -1;
			opts->window.has_end = true;
			break;
		case OPT_LIST:
			opts->list = true;
			break;
		case OPT_JSON:
			opts->json = true;
			break;
		case OPT_LIBTRACECMD:
			opts->libtracecmd = true;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			kpt_err("option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			kpt_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (opts->window.has_end && opts->window.end <= opts->window.start) {
		kpt_err("--end must be after --start");
		return -1;
	}
	if (optind < argc)
		opts->file = argv[optind++];
	if (optind < argc) {
		kpt_err("one trace file at a time: '%s' is one too many", argv[optind]);
		return -1;
	}
	return 0;
}

/**
 * kpt_report_opts_free - release what kpt_report_opts_parse() allocated
 * @opts: the options
 */
void kpt_report_opts_free(struct kpt_report_opts *opts)
{
	free(opts->probes);
	free(opts->pairs);
	opts->probes = NULL;
	opts->pairs = NULL;
}
