// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "html": one self-contained HTML page (--html FILE)
 * with, per probe, the percentile table, the log2 histogram and the heat map
 * as inline SVG, the slowest calls with their arguments and return values,
 * the unpaired counts, and the run's loss counts. No script and no external
 * reference: the page opens offline. It covers the whole run, and is
 * rewritten (atomically) at every report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyse/analyser.h"
#include "analyse/heatmap.h"
#include "analyse/hist.h"
#include "output/output.h"
#include "output/svg.h"
#include "util.h"

#define SLOWEST		10	/* slowest calls kept per probe */
#define ARGS_TEXT	240
#define RET_TEXT	80

struct slow_call {
	uint64_t ns;
	uint64_t start;
	int tid;
	int cpu;
	char comm[32];
	char args[ARGS_TEXT];
	char ret[RET_TEXT];
};

struct html {
	const struct kpt_run_params *run;
	const struct kpt_host *host;
	const char *path;
	struct kpt_hist *hists;		/* [nr_probes], the whole run */
	struct kpt_heatmap *grid;
	struct slow_call *slow;		/* [nr_probes][SLOWEST], a min-heap per probe */
	int *nr_slow;			/* [nr_probes] */
	struct kpt_pair_counts *pairs;	/* [nr_probes], totals */
	struct kpt_loss loss;		/* totals */
	double elapsed;			/* total seconds */
	uint64_t first_ts;		/* the first span's start, for the slow calls' times */
	bool started;
	char value[ARGS_TEXT];		/* scratch */
};

static const struct kpt_analyser_option html_options[] = {
	{ "file", "PATH: the HTML page written at every report (required)" },
	{ "width", "SECONDS: the heat maps' column width (default: -i, else 1ms)" },
	{ NULL, NULL },
};

static void html_destroy(void *state)
{
	struct html *html = state;

	free(html->hists);
	kpt_heatmap_free(html->grid);
	free(html->slow);
	free(html->nr_slow);
	free(html->pairs);
	free(html);
}

static void *html_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	int n = params->nr_probes ? params->nr_probes : 1, i;
	struct html *html;
	uint64_t width_ns;
	const char *path;

	if (kpt_picture_options(params, "html", &path, &width_ns, err, errsize) < 0)
		return NULL;
	html = calloc(1, sizeof(*html));
	if (!html)
		goto nomem;
	html->run = (const struct kpt_run_params *)params;
	html->host = params->host;
	html->path = path;
	html->hists = calloc(n, sizeof(*html->hists));
	html->grid = kpt_heatmap_alloc(params->nr_probes, width_ns);
	html->slow = calloc((size_t)n * SLOWEST, sizeof(*html->slow));
	html->nr_slow = calloc(n, sizeof(*html->nr_slow));
	html->pairs = calloc(n, sizeof(*html->pairs));
	if (!html->hists || !html->grid || !html->slow || !html->nr_slow || !html->pairs)
		goto nomem;
	for (i = 0; i < params->nr_probes; i++)
		kpt_hist_init(&html->hists[i]);
	return html;
nomem:
	if (html)
		html_destroy(html);
	snprintf(err, errsize, "out of memory");
	return NULL;
}

/* "name=value, name=value" of @ev's arguments, cut to @size. */
static void args_text(struct html *html, const struct kpt_event *ev, char *buf, size_t size)
{
	const struct kpt_host *host = html->host;
	int i, n = ev && ev->data ? host->nr_args(ev) : 0;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len + 1 < size; i++) {
		if (host->arg_text(ev, i, html->value, sizeof(html->value)) < 0)
			continue;
		len += snprintf(buf + len, size - len, "%s%s=%s", len ? ", " : "",
				host->arg_name(ev, i), html->value);
	}
}

static void sift_down(struct slow_call *heap, int nr)
{
	int i = 0;

	for (;;) {
		int l = 2 * i + 1, r = l + 1, min = i;
		struct slow_call tmp;

		if (l < nr && heap[l].ns < heap[min].ns)
			min = l;
		if (r < nr && heap[r].ns < heap[min].ns)
			min = r;
		if (min == i)
			return;
		tmp = heap[i];
		heap[i] = heap[min];
		heap[min] = tmp;
		i = min;
	}
}

static void sift_up(struct slow_call *heap, int i)
{
	while (i > 0 && heap[(i - 1) / 2].ns > heap[i].ns) {
		struct slow_call tmp = heap[i];

		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

/* Keep the span if it is among the SLOWEST slowest of its probe so far. */
static void keep_if_slow(struct html *html, const struct kpt_span *span, uint64_t ns)
{
	struct slow_call *heap = &html->slow[(size_t)span->probe * SLOWEST], *call;
	int *nr = &html->nr_slow[span->probe];

	if (*nr == SLOWEST && ns <= heap[0].ns)
		return;
	call = *nr < SLOWEST ? &heap[*nr] : &heap[0];
	call->ns = ns;
	call->start = span->start;
	call->tid = span->tid;
	call->cpu = span->cpu;
	snprintf(call->comm, sizeof(call->comm), "%s", html->host->comm(html->host, span->tid));
	args_text(html, span->entry, call->args, sizeof(call->args));
	args_text(html, span->exit, call->ret, sizeof(call->ret));
	if (*nr < SLOWEST)
		sift_up(heap, (*nr)++);
	else
		sift_down(heap, SLOWEST);
}

static void html_span(void *state, const struct kpt_span *span)
{
	struct html *html = state;
	uint64_t ns = span->end - span->start;

	if (!html->started || span->start < html->first_ts) {
		html->first_ts = span->start;	/* an outer call may end after an inner one */
		html->started = true;
	}
	kpt_hist_add(&html->hists[span->probe], ns);
	kpt_heatmap_add(html->grid, span->probe, span->start, span->end);
	keep_if_slow(html, span, ns);
}

static const char style[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}"
	"h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse;margin:.6em 0}"
	"td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right;font-size:.9em}"
	"th{background:#f3f3f3}td.text{text-align:left;font-family:monospace}"
	"p.meta{color:#555}svg{display:block;margin:.6em 0}";

static void cell_duration(FILE *out, uint64_t ns)
{
	char buf[32];

	kpt_format_duration(buf, sizeof(buf), ns);
	fprintf(out, "<td>%s</td>", buf);
}

static void write_percentiles(FILE *out, const struct kpt_hist *hist)
{
	static const double pct[] = { 50, 90, 99, 99.9 };
	size_t i;

	fputs("<table class=\"percentiles\"><tr><th>count</th><th>min</th><th>avg</th>"
	      "<th>max</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th></tr>\n<tr>", out);
	fprintf(out, "<td>%" PRIu64 "</td>", hist->count);
	if (!hist->count) {
		fputs("<td colspan=\"7\">no calls</td></tr></table>\n", out);
		return;
	}
	cell_duration(out, hist->min);
	cell_duration(out, kpt_hist_mean(hist));
	cell_duration(out, hist->max);
	for (i = 0; i < ARRAY_SIZE(pct); i++)
		cell_duration(out, kpt_hist_percentile(hist, pct[i]));
	fputs("</tr></table>\n", out);
}

static int by_slowest(const void *a, const void *b)
{
	const struct slow_call *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

static void write_slowest(struct html *html, FILE *out, int probe)
{
	struct slow_call sorted[SLOWEST];
	int nr = html->nr_slow[probe], i;
	char buf[32];

	if (!nr)
		return;
	memcpy(sorted, &html->slow[(size_t)probe * SLOWEST], nr * sizeof(*sorted));
	qsort(sorted, nr, sizeof(*sorted), by_slowest);
	fprintf(out, "<h3>The %d slowest calls</h3>\n<table class=\"slowest\"><tr><th>latency</th>"
		"<th>at (s)</th><th>thread</th><th>cpu</th><th>arguments</th><th>returned</th></tr>\n",
		nr);
	for (i = 0; i < nr; i++) {
		const struct slow_call *call = &sorted[i];

		fputs("<tr>", out);
		cell_duration(out, call->ns);
		snprintf(buf, sizeof(buf), "%.6f", (double)(call->start - html->first_ts) / 1e9);
		fprintf(out, "<td>%s</td><td class=\"text\">%d ", buf, call->tid);
		kpt_svg_text(out, call->comm);
		fprintf(out, "</td><td>%d</td><td class=\"text\">", call->cpu);
		kpt_svg_text(out, call->args);
		fputs("</td><td class=\"text\">", out);
		kpt_svg_text(out, call->ret);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void write_unpaired(FILE *out, const struct kpt_pair_counts *pairs)
{
	fprintf(out, "<table class=\"unpaired\"><tr><th>returns without entry</th>"
		"<th>calls whose return was lost</th><th>open when their thread exited</th>"
		"<th>open at the end</th></tr>\n<tr><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%"
		PRIu64 "</td><td>%" PRIu64 "</td></tr></table>\n", pairs->orphan_exits,
		pairs->lost_exits, pairs->task_exits, pairs->open_at_end);
}

static void write_loss(FILE *out, const struct kpt_loss *loss)
{
	fprintf(out, "<h2>Lost events</h2>\n<table class=\"loss\"><tr><th>pages with missed "
		"events</th><th>missed events</th><th>overrun</th><th>dropped</th>"
		"<th>probe misses</th><th>perf lost</th></tr>\n<tr><td>%" PRIu64 "</td><td>%" PRIu64
		"</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
		"</td></tr></table>\n", loss->missed_pages, loss->missed_events, loss->overrun,
		loss->dropped, loss->probe_misses, loss->perf_lost);
}

static void write_page(struct html *html, FILE *out)
{
	const struct kpt_analyser_params *params = &html->run->params;
	int probe;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<title>kptrace report</title>\n<style>", out);
	fputs(style, out);
	fputs("</style></head>\n<body>\n<h1>kptrace latency report</h1>\n<p class=\"meta\">", out);
	if (params->input) {
		fputs("file ", out);
		kpt_svg_text(out, params->input);
	} else {
		fprintf(out, "live, %.3f s", html->elapsed);
	}
	fputs(", clock ", out);
	kpt_svg_text(out, params->clock ? params->clock : "?");
	fprintf(out, ", %d probe%s</p>\n", params->nr_probes, params->nr_probes == 1 ? "" : "s");
	for (probe = 0; probe < params->nr_probes; probe++) {
		if (html->run->shown && !html->run->shown[probe])
			continue;
		fputs("<section class=\"probe\"><h2>", out);
		kpt_svg_text(out, params->probe_names[probe]);
		fputs("</h2>\n", out);
		write_percentiles(out, &html->hists[probe]);
		kpt_svg_histogram(out, &html->hists[probe], "latency histogram (log2)");
		kpt_svg_heatmap(out, html->grid, probe, "latency heat map", 0);
		write_slowest(html, out, probe);
		write_unpaired(out, &html->pairs[probe]);
		fputs("</section>\n", out);
	}
	write_loss(out, &html->loss);
	fputs("</body></html>\n", out);
}


static int html_report(void *state, const struct kpt_report_params *report)
{
	struct html *html = state;
	char *tmp = kpt_asprintf("%s.tmp.%d", html->path, (int)getpid());
	FILE *out;

	kpt_report_accumulate(html->pairs, &html->loss, html->run->params.nr_probes, report);
	html->elapsed += report->elapsed;
	out = tmp ? fopen(tmp, "w") : NULL;
	if (!out)
		goto fail;
	write_page(html, out);
	if (fclose(out) != 0 || rename(tmp, html->path) < 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	kpt_err("--html %s: cannot write it: %s", html->path, strerror(errno));
	if (tmp)
		unlink(tmp);
	free(tmp);
	return -1;
}

const struct kpt_analyser_desc kpt_html_analyser = {
	KPT_ANALYSER_ABI,
	.name = "html",
	.summary = "one self-contained HTML page: percentiles, histogram, heat map, slowest calls",
	.options = html_options,
	.flags = KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS,
	.create = html_create,
	.span = html_span,
	.report = html_report,
	.destroy = html_destroy,
};
