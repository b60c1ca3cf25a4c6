/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Analyse: turn paired spans into per-probe latency statistics.
 */
#ifndef KPT_ANALYSE_H
#define KPT_ANALYSE_H

#include "analyse/hist.h"
#include "pipeline/pair.h"

struct kpt_probe_result {
	const char *name;
	struct kpt_hist hist;
	struct kpt_pair_counts pairs;
};

struct kpt_latency {
	int nr_probes;
	struct kpt_probe_result *probes;
};

struct kpt_latency *kpt_latency_alloc(int nr_probes, const char *const *names);
void kpt_latency_span(void *latency, const struct kpt_span *span);
void kpt_latency_collect(struct kpt_latency *latency, const struct kpt_pairer *pairer);
void kpt_latency_reset(struct kpt_latency *latency, struct kpt_pairer *pairer);
void kpt_latency_free(struct kpt_latency *latency);

#endif
