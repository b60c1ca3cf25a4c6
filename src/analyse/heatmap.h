/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency heat map grid: per probe, columns of completion time by rows of
 * log2 latency, counting spans. The grid has at most KPT_HEATMAP_COLUMNS
 * columns: when a span falls past the last one, adjacent columns are merged
 * in pairs and the column width doubles, so memory stays flat however long
 * the run.
 */
#ifndef KPT_HEATMAP_H
#define KPT_HEATMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "analyse/hist.h"

#define KPT_HEATMAP_COLUMNS	128
#define KPT_HEATMAP_ROWS	KPT_HIST_LOG2_SLOTS	/* row r: [2^(r-1), 2^r) ns; row 0: 0 */
#define KPT_HEATMAP_AUTO_NS	1000000ULL		/* the first column width with no -i */

struct kpt_heatmap {
	int nr_probes;
	uint64_t column_ns;	/* width of a column; doubles as columns merge */
	uint64_t origin;	/* the start of the first span: column 0 starts there */
	bool started;
	int nr_columns;		/* columns in use: 1 + the last one a span fell in */
	uint64_t *counts;	/* [nr_probes][KPT_HEATMAP_COLUMNS][KPT_HEATMAP_ROWS] */
};

/* The counts of @probe's column @column: KPT_HEATMAP_ROWS of them. */
static inline const uint64_t *kpt_heatmap_column(const struct kpt_heatmap *hm, int probe,
						 int column)
{
	return hm->counts + ((size_t)probe * KPT_HEATMAP_COLUMNS + column) * KPT_HEATMAP_ROWS;
}

int kpt_heatmap_row(uint64_t ns);
struct kpt_heatmap *kpt_heatmap_alloc(int nr_probes, uint64_t column_ns);
void kpt_heatmap_add(struct kpt_heatmap *hm, int probe, uint64_t start, uint64_t end);
void kpt_heatmap_free(struct kpt_heatmap *hm);

#endif
