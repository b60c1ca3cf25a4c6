// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus text exposition format (version 0.0.4), as Prometheus,
 * promtool and node_exporter's textfile collector read it. Bucket bounds are
 * kept in nanoseconds and printed as exact decimal seconds, so "le" labels
 * never change between scrapes.
 */
#include <stddef.h>
#include <string.h>

#include "output/openmetrics.h"

/**
 * kpt_om_log2_bounds - the default upper bounds: 1 us, 2 us, 4 us, ... 67.108864 s
 * @bounds: KPT_OM_LOG2_BOUNDS of them, in nanoseconds
 */
void kpt_om_log2_bounds(uint64_t *bounds)
{
	int i;

	for (i = 0; i < KPT_OM_LOG2_BOUNDS; i++)
		bounds[i] = 1000ULL << i;
}

/**
 * kpt_om_bucket - the bucket a latency falls in: the first bound >= @ns
 * @bounds: upper bounds, increasing
 * @nr_bounds: how many
 * @ns: the latency
 *
 * Returns 0 .. @nr_bounds, @nr_bounds being +Inf.
 */
int kpt_om_bucket(const uint64_t *bounds, int nr_bounds, uint64_t ns)
{
	int lo = 0, hi = nr_bounds;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (ns <= bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/**
 * kpt_om_seconds - nanoseconds as exact decimal seconds, without trailing zeros
 * @buf: where to write, e.g. "0.0000015" for 1500
 * @size: its size
 * @ns: the value
 */
void kpt_om_seconds(char *buf, size_t size, uint64_t ns)
{
	int len = snprintf(buf, size, "%llu.%09llu", (unsigned long long)(ns / 1000000000ULL),
			   (unsigned long long)(ns % 1000000000ULL));

	if (len >= (int)size)
		len = size - 1;
	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
}

/**
 * kpt_om_label_value - write a label value with \\, \" and \n escaped
 * @f: where to
 * @s: the value
 */
void kpt_om_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			putc(*s, f);
	}
}

/**
 * kpt_om_histogram_help - the HELP and TYPE lines of kptrace_latency_seconds
 * @f: where to; its series follow, each written with kpt_om_histogram()
 */
void kpt_om_histogram_help(FILE *f)
{
	fputs("# HELP kptrace_latency_seconds Time from a probe's entry to its return.\n"
	      "# TYPE kptrace_latency_seconds histogram\n", f);
}

static void series(FILE *f, const char *suffix, const struct kpt_om_label *labels,
		   int nr_labels, const char *le)
{
	int i;

	fprintf(f, "kptrace_latency_seconds%s{", suffix);
	for (i = 0; i < nr_labels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i].name);
		kpt_om_label_value(f, labels[i].value);
		fputc('"', f);
	}
	if (le)
		fprintf(f, "%sle=\"%s\"", nr_labels ? "," : "", le);
	fputs("} ", f);
}

/**
 * kpt_om_histogram - one series of kptrace_latency_seconds: buckets, _sum, _count
 * @f: where to
 * @labels: its labels (probe, and the grouping key if any)
 * @nr_labels: how many
 * @bounds: upper bounds in nanoseconds, increasing
 * @nr_bounds: how many
 * @counts: per bucket, not cumulative: [@nr_bounds + 1], the last one +Inf
 * @sum_ns: the sum of the latencies
 */
void kpt_om_histogram(FILE *f, const struct kpt_om_label *labels, int nr_labels,
		      const uint64_t *bounds, int nr_bounds, const uint64_t *counts,
		      uint64_t sum_ns)
{
	uint64_t cumulative = 0;
	char le[32];
	int b;

	for (b = 0; b <= nr_bounds; b++) {
		cumulative += counts[b];
		if (b < nr_bounds)
			kpt_om_seconds(le, sizeof(le), bounds[b]);
		else
			strcpy(le, "+Inf");
		series(f, "_bucket", labels, nr_labels, le);
		fprintf(f, "%llu\n", (unsigned long long)cumulative);
	}
	kpt_om_seconds(le, sizeof(le), sum_ns);
	series(f, "_sum", labels, nr_labels, NULL);
	fprintf(f, "%s\n", le);
	series(f, "_count", labels, nr_labels, NULL);
	fprintf(f, "%llu\n", (unsigned long long)cumulative);
}

struct counter {
	const char *name;
	const char *help;
	size_t offset;
};

static const struct counter pair_counters[] = {
	{ "kptrace_orphan_exits_total", "Returns whose entry was never seen.",
	  offsetof(struct kpt_pair_counts, orphan_exits) },
	{ "kptrace_lost_exits_total", "Entries whose return was never seen (an outer call returned).",
	  offsetof(struct kpt_pair_counts, lost_exits) },
	{ "kptrace_task_exits_total", "Entries still open when their thread exited.",
	  offsetof(struct kpt_pair_counts, task_exits) },
	{ "kptrace_open_at_end_total", "Entries still open when tracing stopped.",
	  offsetof(struct kpt_pair_counts, open_at_end) },
};

static const struct counter loss_counters[] = {
	{ "kptrace_missed_pages_total", "Ring-buffer pages flagged as having missed events before them.",
	  offsetof(struct kpt_loss, missed_pages) },
	{ "kptrace_missed_events_total", "Events those flagged pages counted, where the kernel knew.",
	  offsetof(struct kpt_loss, missed_events) },
	{ "kptrace_overrun_events_total", "Events overwritten in the ring buffer before being read.",
	  offsetof(struct kpt_loss, overrun) },
	{ "kptrace_dropped_events_total", "Events not written because the ring buffer was full.",
	  offsetof(struct kpt_loss, dropped) },
	{ "kptrace_probe_misses_total", "Kprobe and kretprobe hits the kernel missed (nmissed).",
	  offsetof(struct kpt_loss, probe_misses) },
	{ "kptrace_perf_lost_events_total", "Events perf ring buffers lost (PERF_RECORD_LOST).",
	  offsetof(struct kpt_loss, perf_lost) },
};

static unsigned long long field(const void *base, size_t offset)
{
	uint64_t v;

	memcpy(&v, (const char *)base + offset, sizeof(v));
	return v;
}

/**
 * kpt_om_pair_counters - the unpaired-event counters, one series per probe
 * @f: where to
 * @nr_probes: how many probes
 * @names: their names, the "probe" label
 * @pairs: their counts, totals since the start
 */
void kpt_om_pair_counters(FILE *f, int nr_probes, const char *const *names,
			  const struct kpt_pair_counts *pairs)
{
	size_t c;
	int i;

	for (c = 0; c < sizeof(pair_counters) / sizeof(pair_counters[0]); c++) {
		const struct counter *pc = &pair_counters[c];

		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", pc->name, pc->help, pc->name);
		for (i = 0; i < nr_probes; i++) {
			fprintf(f, "%s{probe=\"", pc->name);
			kpt_om_label_value(f, names[i]);
			fprintf(f, "\"} %llu\n", field(&pairs[i], pc->offset));
		}
	}
}

/**
 * kpt_om_loss_counters - the lost-event counters of the run
 * @f: where to
 * @loss: totals since the start
 */
void kpt_om_loss_counters(FILE *f, const struct kpt_loss *loss)
{
	size_t c;

	for (c = 0; c < sizeof(loss_counters) / sizeof(loss_counters[0]); c++) {
		const struct counter *lc = &loss_counters[c];

		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", lc->name, lc->help,
			lc->name, lc->name, field(loss, lc->offset));
	}
}
