// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SVG pictures of latency. Plain SVG 1.1 with inline styles: no script, no
 * external reference, so a file opens in any browser and the HTML report
 * can inline it.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output/output.h"
#include "output/svg.h"
#include "util.h"

#define SVG_WIDTH	760
#define MARGIN_LEFT	84	/* y labels */
#define MARGIN_RIGHT	120	/* the legend */
#define MARGIN_TOP	30	/* the title */
#define MARGIN_BOTTOM	44	/* x labels and the axis title */
#define ROW_HEIGHT	16
#define MIN_PLOT	96	/* the least height of a heat map's plot, for its labels */
#define FONT		"font-family=\"sans-serif\" font-size=\"11\""
#define TITLE		"<text x=\"4\" y=\"18\" font-family=\"sans-serif\" font-size=\"14\">"
#define SVG		"<svg xmlns=\"http://www.w3.org/2000/svg\""

/**
 * kpt_svg_text - write @text escaped for XML character data and attribute values
 * @out: where to
 * @text: the text
 */
void kpt_svg_text(FILE *out, const char *text)
{
	for (; *text; text++) {
		switch (*text) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*text >= 0x20 || *text == '\t')
				fputc(*text, out);
		}
	}
}

/* Light yellow through orange to dark red as @t goes from 0 to 1. */
static void heat_colour(double t, char *buf, size_t size)
{
	static const int stops[3][3] = { { 255, 237, 160 }, { 253, 141, 60 }, { 128, 0, 38 } };
	int seg = t < 0.5 ? 0 : 1, rgb[3], i;
	double f = t < 0.5 ? t * 2 : (t - 0.5) * 2;

	for (i = 0; i < 3; i++)
		rgb[i] = (int)(stops[seg][i] + (stops[seg + 1][i] - stops[seg][i]) * f + 0.5);
	snprintf(buf, size, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* Where a count falls on the colour scale: log, so that rare slow calls still show. */
static double heat_level(uint64_t count, uint64_t max)
{
	return max > 1 ? log((double)count) / log((double)max) : 1.0;
}

/* The rows with counts: @first..@last; false when there is none. */
static bool heatmap_rows(const struct kpt_heatmap *hm, int probe, int *first, int *last,
			 uint64_t *max)
{
	int c, r;

	*first = KPT_HEATMAP_ROWS;
	*last = -1;
	*max = 0;
	for (c = 0; c < hm->nr_columns; c++) {
		const uint64_t *col = kpt_heatmap_column(hm, probe, c);

		for (r = 0; r < KPT_HEATMAP_ROWS; r++) {
			if (!col[r])
				continue;
			if (r < *first)
				*first = r;
			if (r > *last)
				*last = r;
			if (col[r] > *max)
				*max = col[r];
		}
	}
	return *last >= 0;
}

static void heatmap_legend(FILE *out, int probe, int x, int y, int h, uint64_t max)
{
	char colour[8];
	int i;

	fprintf(out, "<defs><linearGradient id=\"kpt-heat-%d\" x1=\"0\" y1=\"1\" x2=\"0\" "
		"y2=\"0\">", probe);
	for (i = 0; i <= 4; i++) {
		heat_colour(i / 4.0, colour, sizeof(colour));
		fprintf(out, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 25, colour);
	}
	fprintf(out, "</linearGradient></defs>\n"
		"<text x=\"%d\" y=\"%d\" " FONT ">calls (log)</text>\n"
		"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"url(#kpt-heat-%d)\" "
		"stroke=\"#888\"/>\n", x - 6, y - 4, x, y + 6, h - 6, probe);
	fprintf(out, "<text x=\"%d\" y=\"%d\" " FONT ">%" PRIu64 "</text>\n", x + 20, y + 15, max);
	if (max > 1)
		fprintf(out, "<text x=\"%d\" y=\"%d\" " FONT ">1</text>\n", x + 20, y + h);
}

static void heatmap_axes(FILE *out, const struct kpt_heatmap *hm, int first, int last,
			 int row_h, int plot_w)
{
	int nr_columns = hm->nr_columns ? hm->nr_columns : 1, r, i;
	int plot_h = (last - first + 1) * row_h;
	char label[32], width[32];

	for (r = first; r <= last; r++) {
		int y = MARGIN_TOP + (last - r) * row_h;

		kpt_format_duration(label, sizeof(label), r ? 1ULL << (r - 1) : 0);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" " FONT ">%s</text>\n",
			MARGIN_LEFT - 6, y + row_h / 2 + 4, label);
	}
	fprintf(out, "<text x=\"14\" y=\"%d\" " FONT " transform=\"rotate(-90 14 %d)\" "
		"text-anchor=\"middle\">latency (row: from)</text>\n",
		MARGIN_TOP + plot_h / 2, MARGIN_TOP + plot_h / 2);
	for (i = 0; i <= 4; i++) {
		int x = MARGIN_LEFT + plot_w * i / 4;

		kpt_format_duration(label, sizeof(label), hm->column_ns * nr_columns * i / 4);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", x,
			MARGIN_TOP + plot_h, x, MARGIN_TOP + plot_h + 4);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" " FONT ">%s</text>\n",
			x, MARGIN_TOP + plot_h + 16, i ? label : "0");
	}
	kpt_format_duration(width, sizeof(width), hm->column_ns);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" " FONT ">"
		"time since the first call, by return (%d columns of %s)</text>\n",
		MARGIN_LEFT + plot_w / 2, MARGIN_TOP + plot_h + 34, nr_columns, width);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#444\"/>\n", MARGIN_LEFT, MARGIN_TOP, plot_w, plot_h);
}

/**
 * kpt_svg_heatmap - write one probe's heat map as an <svg> element
 * @out: where to
 * @hm: the grid
 * @probe: which probe's
 * @title: its title, e.g. the probe's name
 * @y: its y position in an enclosing <svg>, or 0
 *
 * A probe with no span gets a short picture that says so. Returns the
 * picture's height.
 */
int kpt_svg_heatmap(FILE *out, const struct kpt_heatmap *hm, int probe, const char *title,
		    int y)
{
	int plot_w = SVG_WIDTH - MARGIN_LEFT - MARGIN_RIGHT, first, last, height, row_h, c, r;
	int nr_columns = hm->nr_columns ? hm->nr_columns : 1;
	char colour[8], dur[32];
	uint64_t max;

	if (!heatmap_rows(hm, probe, &first, &last, &max)) {
		height = MARGIN_TOP + 20;
		fprintf(out, SVG " class=\"heatmap\" y=\"%d\" width=\"%d\" height=\"%d\">\n"
			TITLE, y, SVG_WIDTH, height);
		kpt_svg_text(out, title);
		fputs(": no calls</text>\n</svg>\n", out);
		return height;
	}
	row_h = (last - first + 1) * ROW_HEIGHT >= MIN_PLOT ? ROW_HEIGHT :
		(MIN_PLOT + last - first) / (last - first + 1);
	height = MARGIN_TOP + (last - first + 1) * row_h + MARGIN_BOTTOM;
	fprintf(out, SVG " class=\"heatmap\" y=\"%d\" width=\"%d\" height=\"%d\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n" TITLE, y, SVG_WIDTH,
		height);
	kpt_svg_text(out, title);
	fputs("</text>\n", out);
	for (c = 0; c < hm->nr_columns; c++) {
		const uint64_t *col = kpt_heatmap_column(hm, probe, c);
		double x = MARGIN_LEFT + (double)plot_w * c / nr_columns;
		double w = (double)plot_w / nr_columns;

		for (r = first; r <= last; r++) {
			if (!col[r])
				continue;
			heat_colour(heat_level(col[r], max), colour, sizeof(colour));
			kpt_format_duration(dur, sizeof(dur), r ? 1ULL << (r - 1) : 0);
			fprintf(out, "<rect class=\"cell\" data-count=\"%" PRIu64 "\" x=\"%.2f\" "
				"y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\"><title>%" PRIu64
				" calls of %s or more</title></rect>\n", col[r], x,
				MARGIN_TOP + (last - r) * row_h, w, row_h, colour, col[r], dur);
		}
	}
	heatmap_axes(out, hm, first, last, row_h, plot_w);
	heatmap_legend(out, probe, SVG_WIDTH - MARGIN_RIGHT + 14, MARGIN_TOP,
		       height - MARGIN_TOP - MARGIN_BOTTOM, max);
	fputs("</svg>\n", out);
	return height;
}

/**
 * kpt_svg_histogram - write a log2 latency histogram as an <svg> element
 * @out: where to
 * @hist: the histogram
 * @title: its title
 *
 * One horizontal bar (<rect class="bar">) per non-empty power-of-two slot,
 * between the first and the last non-empty one. Returns 0.
 */
int kpt_svg_histogram(FILE *out, const struct kpt_hist *hist, const char *title)
{
	int first = -1, last = -1, plot_w = SVG_WIDTH - 200 - 80, height, i;
	uint64_t slots[KPT_HIST_LOG2_SLOTS], max = 0;
	char low[32], high[32];

	kpt_hist_log2(hist, 1, slots);
	for (i = 0; i < KPT_HIST_LOG2_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	height = MARGIN_TOP + (first < 0 ? 20 : (last - first + 1) * ROW_HEIGHT + 10);
	fprintf(out, SVG " class=\"histogram\" width=\"%d\" height=\"%d\">\n" TITLE, SVG_WIDTH,
		height);
	kpt_svg_text(out, title);
	fputs(first < 0 ? ": no calls</text>\n</svg>\n" : "</text>\n", out);
	if (first < 0)
		return 0;
	for (i = first; i <= last; i++) {
		int y = MARGIN_TOP + (i - first) * ROW_HEIGHT;
		double w = (double)plot_w * slots[i] / max;

		kpt_format_duration(low, sizeof(low), i ? 1ULL << (i - 1) : 0);
		kpt_format_duration(high, sizeof(high), i ? 1ULL << i : 1);
		fprintf(out, "<text x=\"192\" y=\"%d\" text-anchor=\"end\" " FONT
			">%s .. %s</text>\n", y + ROW_HEIGHT - 4, low, high);
		if (slots[i])
			fprintf(out, "<rect class=\"bar\" data-count=\"%" PRIu64 "\" x=\"200\" "
				"y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"#3b75af\">"
				"<title>%" PRIu64 " calls</title></rect>\n", slots[i], y + 1, w < 1 ? 1 : w,
				ROW_HEIGHT - 2, slots[i]);
		fprintf(out, "<text x=\"%.2f\" y=\"%d\" " FONT ">%" PRIu64 "</text>\n",
			200 + (w < 1 ? 1 : w) + 4, y + ROW_HEIGHT - 4, slots[i]);
	}
	fputs("</svg>\n", out);
	return 0;
}

/**
 * kpt_svg_heatmap_file - write every shown probe's heat map into one SVG file
 * @path: the file; written next to it under a temporary name, then renamed
 *	over it, so a reader never sees half a picture
 * @hm: the grid
 * @names: per probe, its name
 * @shown: per probe, whether to draw it
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_svg_heatmap_file(const char *path, const struct kpt_heatmap *hm,
			 const char *const *names, const bool *shown)
{
	char *tmp = kpt_asprintf("%s.tmp.%d", path, (int)getpid());
	int probe, y = 0, height = 0;
	FILE *body = NULL, *out = NULL;
	char *text = NULL;
	size_t len = 0;

	if (!tmp)
		goto fail;
	body = open_memstream(&text, &len);
	if (!body)
		goto fail;
	for (probe = 0; probe < hm->nr_probes; probe++) {
		if (shown[probe])
			y += kpt_svg_heatmap(body, hm, probe, names[probe], y);
	}
	height = y;
	if (fclose(body) != 0) {
		body = NULL;
		goto fail;
	}
	body = NULL;
	out = fopen(tmp, "w");
	if (!out)
		goto fail;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		SVG " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n<rect width=\"100%%\" "
		"height=\"100%%\" fill=\"#fff\"/>\n%s</svg>\n", SVG_WIDTH, height ? height : 20,
		SVG_WIDTH, height ? height : 20, text);
	if (fclose(out) != 0) {
		out = NULL;
		goto fail;
	}
	out = NULL;
	if (rename(tmp, path) < 0)
		goto fail;
	free(text);
	free(tmp);
	return 0;
fail:
	kpt_err("--heatmap %s: cannot write it: %s", path, strerror(errno));
	if (body)
		fclose(body);
	if (out)
		fclose(out);
	if (tmp)
		unlink(tmp);
	free(text);
	free(tmp);
	return -1;
}
