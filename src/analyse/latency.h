/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency: paired spans into per-probe statistics, and with a grouping key
 * (--by) one more result per probe and key value. A file can describe
 * hundreds of pairable events of which few occur, and a histogram takes
 * 30 KiB, so histograms are allocated only for the spans that arrive. The
 * built-in analysers "latency" and "slow" are built on it.
 */
#ifndef KPT_LATENCY_H
#define KPT_LATENCY_H

#include <stdbool.h>

#include <kptrace/analyser.h>

#include "analyse/hist.h"
#include "analyse/key.h"

/* One line of a latency report: a probe's whole result, or one group of it. */
struct kpt_probe_result {
	const char *name;		/* "PROBE" or "PROBE [KEY VALUE]" */
	const char *key;		/* a group's key ("pid", "arg:size"); NULL: whole */
	const char *value;		/* a group's key value, as text */
	struct kpt_hist hist;
	struct kpt_pair_counts pairs;	/* the whole result's only */
	uint64_t outside;		/* spans left out by --min/--max (whole only) */
	const struct kpt_linear *linear;	/* --hist linear's shape, or NULL */
	uint64_t *linear_counts;	/* [linear->nr + 2] */
	const char *const *frames;	/* a stack's result: its frames, root first */
	int nr_frames;
};

/* A latency report's lines. */
struct kpt_latency {
	int nr_probes;
	struct kpt_probe_result *probes;
	uint64_t unit_ns;		/* -n, -u, -m: the histograms' unit; 0: what suits */
};

/* Lines collected for a report: a struct kpt_latency whose names belong to it. */
struct kpt_results {
	struct kpt_latency latency;
	int capacity;
};

void kpt_results_free(struct kpt_results *results);

/* How spans are counted and grouped. */
struct kpt_latency_config {
	struct kpt_key *key;		/* --by; NULL: no groups. Borrowed */
	int top;			/* --top: the N groups of most time per probe; 0: all */
	const struct kpt_linear *linear;	/* --hist linear; NULL: log2 only */
	uint64_t min;			/* --min: shorter spans are left out */
	uint64_t max;			/* --max: longer spans are left out; 0: no bound */
};

struct kpt_latency_stats;

struct kpt_latency_stats *kpt_latency_stats_alloc(int nr_probes,
						  const struct kpt_latency_config *config);
void kpt_latency_stats_span(struct kpt_latency_stats *stats, const struct kpt_span *span);
int kpt_latency_stats_collect(struct kpt_latency_stats *stats, const bool *show,
			      const char *const *names, const struct kpt_pair_counts *pairs,
			      struct kpt_results *results);
void kpt_latency_stats_reset(struct kpt_latency_stats *stats);
void kpt_latency_stats_free(struct kpt_latency_stats *stats);

int kpt_unit_parse(const char *text, uint64_t *unit_ns);

/* The options of latency, count and slow, as kpt_stats_options_parse() reads them. */
struct kpt_stats_options {
	const char *by;			/* --by, or NULL */
	int top;			/* --top, or 0 */
	uint64_t unit_ns;		/* -n, -u, -m; 0: not given */
	struct kpt_linear linear;	/* --hist linear:... */
	bool has_linear;
	uint64_t min;			/* --min */
	uint64_t max;			/* --max; 0: none */
	uint64_t threshold;		/* slow -t */
	bool has_threshold;
};

int kpt_stats_options_parse(const struct kpt_analyser_params *params,
			    struct kpt_stats_options *opts, char *err, size_t errsize);

#endif
