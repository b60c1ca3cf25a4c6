/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Output: latency reports as text (bcc funclatency style) and as JSON.
 */
#ifndef KPT_OUTPUT_H
#define KPT_OUTPUT_H

#include <stdio.h>

#include "analyse.h"
#include "record.h"

struct kpt_report_info {
	double elapsed;			/* seconds covered by this report */
	int interval;			/* 1, 2, ... for -i reports; 0 for the final one */
	const char *clock;		/* the trace clock */
	const struct kpt_loss *loss;
};

void kpt_format_duration(char *buf, size_t size, uint64_t ns);
void kpt_output_latency_text(FILE *out, const struct kpt_latency *latency,
			     const struct kpt_report_info *info);
int kpt_output_latency_json(FILE *out, const struct kpt_latency *latency,
			    const struct kpt_report_info *info);

#endif
