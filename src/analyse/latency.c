// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Analyse spans into latency histograms, one per probe.
 */
#include <stdlib.h>

#include "analyse/latency.h"

/**
 * kpt_latency_alloc - empty statistics for @nr_probes probes
 * @nr_probes: how many probes
 * @names: their names, borrowed for the life of the result
 *
 * Returns the statistics, or NULL on allocation failure.
 */
struct kpt_latency *kpt_latency_alloc(int nr_probes, const char *const *names)
{
	struct kpt_latency *latency = calloc(1, sizeof(*latency));
	int i;

	if (!latency)
		return NULL;
	latency->probes = calloc(nr_probes, sizeof(*latency->probes));
	if (!latency->probes) {
		free(latency);
		return NULL;
	}
	latency->nr_probes = nr_probes;
	for (i = 0; i < nr_probes; i++) {
		latency->probes[i].name = names[i];
		kpt_hist_init(&latency->probes[i].hist);
	}
	return latency;
}

/**
 * kpt_latency_span - span callback for the pairer: add the span's duration
 * @latency: the struct kpt_latency
 * @span: a completed span
 */
void kpt_latency_span(void *latency, const struct kpt_span *span)
{
	struct kpt_latency *lat = latency;

	kpt_hist_add(&lat->probes[span->probe].hist, span->end - span->start);
}

/**
 * kpt_latency_collect - copy the pairer's unpaired counts next to the histograms
 * @latency: the statistics
 * @pairer: the pairer that fed them
 */
void kpt_latency_collect(struct kpt_latency *latency, const struct kpt_pairer *pairer)
{
	int i;

	for (i = 0; i < latency->nr_probes; i++)
		latency->probes[i].pairs = *kpt_pairer_counts(pairer, i);
}

/**
 * kpt_latency_reset - start a new interval: empty histograms and counts
 * @latency: the statistics
 * @pairer: the pairer whose counts restart too; calls in flight stay open
 */
void kpt_latency_reset(struct kpt_latency *latency, struct kpt_pairer *pairer)
{
	int i;

	for (i = 0; i < latency->nr_probes; i++) {
		kpt_hist_init(&latency->probes[i].hist);
		latency->probes[i].pairs = (struct kpt_pair_counts){ 0 };
	}
	kpt_pairer_reset_counts(pairer);
}

/**
 * kpt_latency_free - release the statistics (NULL is fine)
 * @latency: the statistics
 */
void kpt_latency_free(struct kpt_latency *latency)
{
	if (!latency)
		return;
	free(latency->probes);
	free(latency);
}
