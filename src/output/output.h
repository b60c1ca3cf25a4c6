/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output: latency reports (bcc funclatency style) and count reports, as text and JSON.
 */
#ifndef KPT_OUTPUT_H
#define KPT_OUTPUT_H

#include <stdio.h>

#include "analyse/latency.h"
#include "analyse/stacks.h"
#include "source/record.h"

/* count --by: one count per probe and key value. */
struct kpt_count_group {
	int probe;
	char *value;			/* the key's value as text */
	uint64_t count;
};

struct kpt_count_groups {
	const char *key;		/* "pid", "arg:size" */
	struct kpt_count_group *groups;	/* per probe, the most counted first */
	int nr;
};

struct kpt_report_info {
	double elapsed;			/* seconds covered by this report */
	int interval;			/* 1, 2, ... for -i reports; 0 for the final one */
	const char *clock;		/* the trace clock */
	const struct kpt_loss *loss;
	const char *backend;		/* count: what counted, "perf" or "tracefs" */
	const char *command;		/* JSON "kptrace": the command; NULL for "latency" */
	const char *file;		/* report: the trace file read, or NULL */
	/* count --stack: the stacks the calls came from, the most frequent first */
	struct kpt_stack_group *const *stacks;
	int nr_stacks;
	const char *const *probe_names;	/* names the stacks' probes */
	const struct kpt_count_groups *groups;	/* count --by, or NULL */
};

/* One probe's line in a count report. */
struct kpt_count_result {
	const char *name;
	uint64_t hits;			/* entries */
	uint64_t returns;		/* returns (the exit event) */
};

void kpt_format_duration(char *buf, size_t size, uint64_t ns);
void kpt_output_loss_text(FILE *out, const struct kpt_loss *loss);
void kpt_output_latency_text(FILE *out, const struct kpt_latency *latency,
			     const struct kpt_report_info *info);
int kpt_output_latency_json(FILE *out, const struct kpt_latency *latency,
			    const struct kpt_report_info *info);
void kpt_output_count_text(FILE *out, const struct kpt_count_result *probes, int nr_probes,
			   const struct kpt_report_info *info);
int kpt_output_count_json(FILE *out, const struct kpt_count_result *probes, int nr_probes,
			  const struct kpt_report_info *info);

#endif
