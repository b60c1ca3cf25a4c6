/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency histogram: exact count/min/max/sum, and log-linear buckets (64 per
 * power of two) from which percentiles are read to within 1/64 (1.6%).
 * Values below 64 ns are kept exactly. A log2 view feeds the bcc-style chart.
 */
#ifndef KPT_HIST_H
#define KPT_HIST_H

#include <stdint.h>

#define KPT_HIST_SUB_BITS	6
#define KPT_HIST_SUB		(1u << KPT_HIST_SUB_BITS)
#define KPT_HIST_BUCKETS	(KPT_HIST_SUB + (64 - KPT_HIST_SUB_BITS) * KPT_HIST_SUB)
#define KPT_HIST_LOG2_SLOTS	65

struct kpt_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t sum;	/* saturates rather than wraps */
	uint64_t buckets[KPT_HIST_BUCKETS];
};

/*
 * A linear histogram's shape (--hist linear:STEP[,MIN,MAX]): @nr buckets of
 * @step from @min, and one below @min and one from @max up. Counted exactly,
 * one array of nr + 2 counts per histogram: [0] below @min, [1..nr] the
 * buckets, [nr + 1] at or above @max.
 */
struct kpt_linear {
	uint64_t step;
	uint64_t min;
	uint64_t max;		/* min + nr * step */
	unsigned int nr;
};

#define KPT_LINEAR_MAX_BUCKETS	1000

int kpt_linear_parse(const char *text, uint64_t unit_ns, struct kpt_linear *linear);
unsigned int kpt_linear_slot(const struct kpt_linear *linear, uint64_t value);

void kpt_hist_init(struct kpt_hist *hist);
void kpt_hist_add(struct kpt_hist *hist, uint64_t value);
void kpt_hist_merge(struct kpt_hist *into, const struct kpt_hist *from);
uint64_t kpt_hist_mean(const struct kpt_hist *hist);
uint64_t kpt_hist_percentile(const struct kpt_hist *hist, double percent);
void kpt_hist_log2(const struct kpt_hist *hist, uint64_t divisor,
		   uint64_t slots[KPT_HIST_LOG2_SLOTS]);

#endif
