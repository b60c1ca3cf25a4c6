// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The latency heat map grid, and the built-in analyser "heatmap" that draws
 * it into a standalone SVG file (--heatmap FILE) at every report.
 */
#include <stdlib.h>
#include <string.h>

#include "analyse/analyser.h"
#include "analyse/heatmap.h"
#include "output/svg.h"
#include "util.h"

/**
 * kpt_heatmap_row - the row of a latency: 0 for 0 ns, else 1 + floor(log2(@ns))
 * @ns: the latency
 */
int kpt_heatmap_row(uint64_t ns)
{
	return ns ? 64 - __builtin_clzll(ns) : 0;
}

/**
 * kpt_heatmap_alloc - an empty grid
 * @nr_probes: probes numbered 0 .. @nr_probes - 1
 * @column_ns: the first column width (the -i interval, or a chosen one); it
 *	doubles each time the grid runs out of columns
 *
 * Returns the grid, or NULL on allocation failure. Release it with
 * kpt_heatmap_free().
 */
struct kpt_heatmap *kpt_heatmap_alloc(int nr_probes, uint64_t column_ns)
{
	struct kpt_heatmap *hm = calloc(1, sizeof(*hm));

	if (!hm)
		return NULL;
	hm->nr_probes = nr_probes;
	hm->column_ns = column_ns ? column_ns : KPT_HEATMAP_AUTO_NS;
	hm->counts = calloc((size_t)(nr_probes ? nr_probes : 1) * KPT_HEATMAP_COLUMNS *
			    KPT_HEATMAP_ROWS, sizeof(*hm->counts));
	if (!hm->counts) {
		free(hm);
		return NULL;
	}
	return hm;
}

/* Merge columns in pairs, for every probe: the width doubles, half the columns are left. */
static void merge_columns(struct kpt_heatmap *hm)
{
	int probe, c, r;

	for (probe = 0; probe < hm->nr_probes; probe++) {
		uint64_t *base = hm->counts +
				 (size_t)probe * KPT_HEATMAP_COLUMNS * KPT_HEATMAP_ROWS;

		for (c = 0; c < KPT_HEATMAP_COLUMNS / 2; c++) {
			uint64_t *into = base + c * KPT_HEATMAP_ROWS;
			const uint64_t *a = base + 2 * c * KPT_HEATMAP_ROWS;
			const uint64_t *b = a + KPT_HEATMAP_ROWS;

			for (r = 0; r < KPT_HEATMAP_ROWS; r++)
				into[r] = a[r] + b[r];
		}
		memset(base + KPT_HEATMAP_COLUMNS / 2 * KPT_HEATMAP_ROWS, 0,
		       KPT_HEATMAP_COLUMNS / 2 * KPT_HEATMAP_ROWS * sizeof(*base));
	}
	hm->column_ns *= 2;
	hm->nr_columns = (hm->nr_columns + 1) / 2;
}

/**
 * kpt_heatmap_add - count a span in its probe's grid
 * @hm: the grid
 * @probe: the span's probe
 * @start: its entry time; the first span's sets the time origin
 * @end: its return time, which picks the column
 */
void kpt_heatmap_add(struct kpt_heatmap *hm, int probe, uint64_t start, uint64_t end)
{
	uint64_t column;
	size_t at;

	if (!hm->started) {
		hm->origin = start;
		hm->started = true;
	}
	column = end > hm->origin ? (end - hm->origin) / hm->column_ns : 0;
	while (column >= KPT_HEATMAP_COLUMNS) {
		merge_columns(hm);
		column /= 2;
	}
	if ((int)column >= hm->nr_columns)
		hm->nr_columns = column + 1;
	at = ((size_t)probe * KPT_HEATMAP_COLUMNS + column) * KPT_HEATMAP_ROWS;
	hm->counts[at + kpt_heatmap_row(end - start)]++;
}

/**
 * kpt_heatmap_free - release a grid (NULL is fine)
 * @hm: the grid
 */
void kpt_heatmap_free(struct kpt_heatmap *hm)
{
	if (!hm)
		return;
	free(hm->counts);
	free(hm);
}

/* The built-in analyser "heatmap". */

struct heatmap {
	const struct kpt_run_params *run;
	const char *path;
	struct kpt_heatmap *grid;
	bool *shown;		/* per probe: drawn, as the latency report shows it */
};

static const struct kpt_analyser_option heatmap_options[] = {
	{ "file", "PATH: the SVG file written at every report (required)" },
	{ "width", "SECONDS: the width of a column (default: -i, else 1ms); it doubles past 128 columns" },
	{ NULL, NULL },
};

/**
 * kpt_picture_options - read the options file= and width= every picture takes
 * @params: the analyser's parameters
 * @name: the analyser, for messages
 * @path: set to file=, which is required
 * @width_ns: set to width= in nanoseconds, or 0 when it is not given
 * @err: where to write why it fails
 * @errsize: its size
 *
 * Returns 0, or -1 after writing why into @err.
 */
int kpt_picture_options(const struct kpt_analyser_params *params, const char *name,
			const char **path, uint64_t *width_ns, char *err, size_t errsize)
{
	double seconds;
	int i;

	*path = NULL;
	*width_ns = 0;
	for (i = 0; i < params->nr_options; i++) {
		const char *value = params->option_values[i];

		if (strcmp(params->option_names[i], "file") == 0) {
			*path = value;
		} else if (strcmp(params->option_names[i], "width") == 0) {
			if (kpt_parse_seconds(value, &seconds) < 0 || seconds * 1e9 < 1) {
				snprintf(err, errsize,
					 "width '%s': not a positive duration (e.g. 1, 500ms)", value);
				return -1;
			}
			*width_ns = (uint64_t)(seconds * 1e9 + 0.5);
		}
	}
	if (!*path || !**path) {
		snprintf(err, errsize, "%s needs file=PATH, the file to write", name);
		return -1;
	}
	return 0;
}

static void *heatmap_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct heatmap *hm;
	uint64_t width_ns;
	const char *path;

	if (kpt_picture_options(params, "heatmap", &path, &width_ns, err, errsize) < 0)
		return NULL;
	hm = calloc(1, sizeof(*hm));
	if (!hm)
		goto nomem;
	hm->run = (const struct kpt_run_params *)params;
	hm->path = path;
	hm->grid = kpt_heatmap_alloc(params->nr_probes, width_ns);
	hm->shown = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*hm->shown));
	if (hm->grid && hm->shown)
		return hm;
	kpt_heatmap_free(hm->grid);
	free(hm->shown);
	free(hm);
nomem:
	snprintf(err, errsize, "out of memory");
	return NULL;
}

static void heatmap_span(void *state, const struct kpt_span *span)
{
	struct heatmap *hm = state;

	kpt_heatmap_add(hm->grid, span->probe, span->start, span->end);
}

static int heatmap_report(void *state, const struct kpt_report_params *report)
{
	struct heatmap *hm = state;
	const struct kpt_analyser_params *params = &hm->run->params;
	int i;

	for (i = 0; i < params->nr_probes; i++)
		hm->shown[i] = !hm->run->shown || hm->run->shown[i];
	return kpt_svg_heatmap_file(hm->path, hm->grid, params->probe_names, hm->shown);
}

static void heatmap_destroy(void *state)
{
	struct heatmap *hm = state;

	kpt_heatmap_free(hm->grid);
	free(hm->shown);
	free(hm);
}

const struct kpt_analyser_desc kpt_heatmap_analyser = {
	KPT_ANALYSER_ABI,
	.name = "heatmap",
	.summary = "a latency heat map per probe (time by log2 latency), as an SVG file",
	.options = heatmap_options,
	.flags = KPT_ANALYSER_SPANS,
	.create = heatmap_create,
	.span = heatmap_span,
	.report = heatmap_report,
	.destroy = heatmap_destroy,
};
