/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency: paired spans into per-probe statistics, and with grouping one
 * more result per probe and group (thread, command name or CPU of the
 * entry). A file can describe hundreds of pairable events of which few
 * occur, and a histogram takes 30 KiB, so histograms are allocated only for
 * the spans that arrive. The built-in analyser "latency" is built on it.
 */
#ifndef KPT_LATENCY_H
#define KPT_LATENCY_H

#include <stdbool.h>

#include <kptrace/analyser.h>

#include "analyse/hist.h"

/* One line of a latency report. */
struct kpt_probe_result {
	const char *name;
	struct kpt_hist hist;
	struct kpt_pair_counts pairs;
	const char *const *frames;	/* a stack's result: its frames, root first */
	int nr_frames;
};

/* A latency report's lines. */
struct kpt_latency {
	int nr_probes;
	struct kpt_probe_result *probes;
};

/* Lines collected for a report: a struct kpt_latency whose names belong to it. */
struct kpt_results {
	struct kpt_latency latency;
	int capacity;
};

void kpt_results_free(struct kpt_results *results);

enum kpt_group_by {
	KPT_GROUP_NONE,
	KPT_GROUP_PID,		/* the thread id the record carries (common_pid) */
	KPT_GROUP_COMM,		/* that thread's command name */
	KPT_GROUP_CPU,		/* the CPU the entry was recorded on */
};

int kpt_group_by_parse(const char *text, enum kpt_group_by *by);

struct kpt_latency_stats;

struct kpt_latency_stats *kpt_latency_stats_alloc(int nr_probes, enum kpt_group_by by,
						  const struct kpt_host *host);
void kpt_latency_stats_span(struct kpt_latency_stats *stats, const struct kpt_span *span);
int kpt_latency_stats_collect(struct kpt_latency_stats *stats, const bool *show,
			      const char *const *names, const struct kpt_pair_counts *pairs,
			      struct kpt_results *results);
void kpt_latency_stats_reset(struct kpt_latency_stats *stats);
void kpt_latency_stats_free(struct kpt_latency_stats *stats);

#endif
