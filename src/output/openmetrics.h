/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition of kptrace's figures: latency histograms
 * (kptrace_latency_seconds, cumulative "le" buckets in seconds, _sum,
 * _count) and counters of unpaired and lost events. One writer for every
 * exporter. It uses only libc and <kptrace/analyser.h>, so that a plugin can
 * build it in as well.
 */
#ifndef KPT_OPENMETRICS_H
#define KPT_OPENMETRICS_H

#include <stdint.h>
#include <stdio.h>

#include <kptrace/analyser.h>

#define KPT_OM_LOG2_BOUNDS	27	/* 1 us * 2^0 .. 2^26 (67.1 s) */

/* A label of a series: name="value". */
struct kpt_om_label {
	const char *name;
	const char *value;
};

void kpt_om_log2_bounds(uint64_t *bounds);
int kpt_om_bucket(const uint64_t *bounds, int nr_bounds, uint64_t ns);
void kpt_om_seconds(char *buf, size_t size, uint64_t ns);
void kpt_om_label_value(FILE *f, const char *s);
void kpt_om_histogram_help(FILE *f);
void kpt_om_histogram(FILE *f, const struct kpt_om_label *labels, int nr_labels,
		      const uint64_t *bounds, int nr_bounds, const uint64_t *counts,
		      uint64_t sum_ns);
void kpt_om_pair_counters(FILE *f, int nr_probes, const char *const *names,
			  const struct kpt_pair_counts *pairs);
void kpt_om_loss_counters(FILE *f, const struct kpt_loss *loss);

#endif
