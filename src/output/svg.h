/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SVG pictures of latency: a heat map per probe and a log2 histogram, each
 * one <svg> element with axes, units and a legend, for standalone files and
 * for the HTML report. Every heat map cell is a <rect class="cell"> with its
 * count in data-count, every histogram bar a <rect class="bar">, so tests
 * and scripts can read them back.
 */
#ifndef KPT_SVG_H
#define KPT_SVG_H

#include <stdio.h>

#include "analyse/heatmap.h"
#include "analyse/hist.h"

int kpt_svg_heatmap(FILE *out, const struct kpt_heatmap *hm, int probe, const char *title,
		    int y);
int kpt_svg_histogram(FILE *out, const struct kpt_hist *hist, const char *title);
void kpt_svg_text(FILE *out, const char *text);
int kpt_svg_heatmap_file(const char *path, const struct kpt_heatmap *hm,
			 const char *const *names, const bool *shown);

#endif
