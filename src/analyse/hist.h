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

void kpt_hist_init(struct kpt_hist *hist);
void kpt_hist_add(struct kpt_hist *hist, uint64_t value);
void kpt_hist_merge(struct kpt_hist *into, const struct kpt_hist *from);
uint64_t kpt_hist_mean(const struct kpt_hist *hist);
uint64_t kpt_hist_percentile(const struct kpt_hist *hist, double percent);
void kpt_hist_log2(const struct kpt_hist *hist, uint64_t divisor,
		   uint64_t slots[KPT_HIST_LOG2_SLOTS]);

#endif
