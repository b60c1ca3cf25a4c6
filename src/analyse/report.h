/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Report: offline analysis of a record stream, as kptrace report does it.
 *
 * A time window picks the records, a pairer turns them into spans, and the
 * spans go to one result per probe and, with grouping, one more per probe
 * and group (thread, command name or CPU of the entry). A file can describe
 * hundreds of pairable events of which few occur, and a histogram takes
 * 30 KiB, so results are allocated only for the spans that arrive.
 */
#ifndef KPT_REPORT_H
#define KPT_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyse/latency.h"
#include "pipeline/decode.h"

enum kpt_group_by {
	KPT_GROUP_NONE,
	KPT_GROUP_PID,		/* the thread id the record carries (common_pid) */
	KPT_GROUP_COMM,		/* that thread's command name */
	KPT_GROUP_CPU,		/* the CPU the entry was recorded on */
};

int kpt_group_by_parse(const char *text, enum kpt_group_by *by);

/* --start/--end, in nanoseconds after the first record of the file. */
struct kpt_window {
	uint64_t start;		/* 0: from the first record */
	uint64_t end;		/* with has_end: records after first + end are left out */
	bool has_end;
	/* filled in by kpt_window_check() */
	bool seen_first;
	bool seen_inside;
	bool passed_end;
	uint64_t first_ts;	/* the first record of the file */
	uint64_t last_inside;	/* the last record inside the window */
};

enum kpt_window_pos {
	KPT_WINDOW_BEFORE = -1,
	KPT_WINDOW_INSIDE = 0,
	KPT_WINDOW_AFTER = 1,
};

enum kpt_window_pos kpt_window_check(struct kpt_window *window, uint64_t ts);
double kpt_window_elapsed(const struct kpt_window *window);

/* Results to print: a struct kpt_latency whose names belong to it. */
struct kpt_results {
	struct kpt_latency latency;
	int capacity;
};

void kpt_results_free(struct kpt_results *results);

/* The command name of thread @tid, e.g. from the file's saved cmdlines. */
typedef const char *(*kpt_comm_fn)(void *ctx, int tid);

struct kpt_report;

struct kpt_report *kpt_report_alloc(int nr_probes, enum kpt_group_by by, kpt_comm_fn comm,
				    void *comm_ctx);
void kpt_report_feed(struct kpt_report *report, const struct kpt_event *ev);
void kpt_report_finish(struct kpt_report *report);
uint64_t kpt_report_events(const struct kpt_report *report, int probe);
int kpt_report_collect(struct kpt_report *report, const bool *show, const char *const *names,
		       const char *prefix, struct kpt_results *results);
void kpt_report_free(struct kpt_report *report);

/* The command line of kptrace report. */
struct kpt_report_opts {
	const char *file;		/* FILE, default "trace.dat" */
	const char **probes;		/* -e NAME, borrowed from argv */
	int nr_probes;
	const char **pairs;		/* --pair ENTRY,EXIT, borrowed from argv */
	int nr_pairs;
	enum kpt_group_by by;		/* --by */
	struct kpt_window window;	/* --start, --end */
	bool list;			/* --list */
	bool json;			/* --json */
	bool libtracecmd;		/* --libtracecmd: libtracecmd's record reader */
	bool help;
};

int kpt_report_opts_parse(int argc, char **argv, struct kpt_report_opts *opts);
void kpt_report_opts_free(struct kpt_report_opts *opts);

#endif
