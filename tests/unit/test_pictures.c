// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pictures and the exporter without a kernel: the heat map grid (rows,
 * columns, merging past the last column), its SVG and the histogram's (one
 * cell or bar per non-empty slot, their counts), the Prometheus exposition
 * (exact text), and the command line of --heatmap, --html, --timeline and
 * --listen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/heatmap.h"
#include "cmd/options.h"
#include "output/openmetrics.h"
#include "output/svg.h"
#include "suites.h"

#define MS	1000000ULL

START_TEST(test_heatmap_row)
{
	ck_assert_int_eq(kpt_heatmap_row(0), 0);
	ck_assert_int_eq(kpt_heatmap_row(1), 1);
	ck_assert_int_eq(kpt_heatmap_row(2), 2);
	ck_assert_int_eq(kpt_heatmap_row(3), 2);
	ck_assert_int_eq(kpt_heatmap_row(1024), 11);
	ck_assert_int_eq(kpt_heatmap_row(2047), 11);
	ck_assert_int_eq(kpt_heatmap_row(UINT64_MAX), 64);
}
END_TEST

static uint64_t grid_total(const struct kpt_heatmap *hm, int probe)
{
	uint64_t total = 0;
	int c, r;

	for (c = 0; c < KPT_HEATMAP_COLUMNS; c++)
		for (r = 0; r < KPT_HEATMAP_ROWS; r++)
			total += kpt_heatmap_column(hm, probe, c)[r];
	return total;
}

START_TEST(test_heatmap_columns)
{
	struct kpt_heatmap *hm = kpt_heatmap_alloc(2, 10 * MS);

	ck_assert_ptr_nonnull(hm);
	/* origin at the first span's start; columns by return time */
	kpt_heatmap_add(hm, 0, 1000 * MS, 1001 * MS);		/* column 0, row of 1 ms */
	kpt_heatmap_add(hm, 0, 1000 * MS, 1025 * MS);		/* column 2, row of 25 ms */
	kpt_heatmap_add(hm, 1, 1030 * MS, 1031 * MS);		/* column 3 of probe 1 */
	ck_assert_int_eq(hm->nr_columns, 4);
	ck_assert_uint_eq(kpt_heatmap_column(hm, 0, 0)[kpt_heatmap_row(MS)], 1);
	ck_assert_uint_eq(kpt_heatmap_column(hm, 0, 2)[kpt_heatmap_row(25 * MS)], 1);
	ck_assert_uint_eq(kpt_heatmap_column(hm, 1, 3)[kpt_heatmap_row(MS)], 1);
	/* a span ending before the origin (an outer call) counts in column 0 */
	kpt_heatmap_add(hm, 1, 990 * MS, 999 * MS);
	ck_assert_uint_eq(kpt_heatmap_column(hm, 1, 0)[kpt_heatmap_row(9 * MS)], 1);
	kpt_heatmap_free(hm);
}
END_TEST

START_TEST(test_heatmap_merge)
{
	struct kpt_heatmap *hm = kpt_heatmap_alloc(1, MS);
	int i;

	/* one call per millisecond for 300 ms: 300 columns of 1 ms do not fit in 128 */
	for (i = 0; i < 300; i++)
		kpt_heatmap_add(hm, 0, i * MS, i * MS + MS / 2);
	ck_assert_uint_eq(hm->column_ns, 4 * MS);
	ck_assert_int_eq(hm->nr_columns, 75);
	ck_assert_uint_eq(grid_total(hm, 0), 300);
	for (i = 0; i < 75; i++)
		ck_assert_uint_eq(kpt_heatmap_column(hm, 0, i)[kpt_heatmap_row(MS / 2)], 4);
	kpt_heatmap_free(hm);
	kpt_heatmap_free(NULL);
}
END_TEST

static int occurrences(const char *text, const char *what)
{
	int n = 0;

	for (; (text = strstr(text, what)); text++)
		n++;
	return n;
}

START_TEST(test_svg_heatmap)
{
	struct kpt_heatmap *hm = kpt_heatmap_alloc(2, 10 * MS);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	kpt_heatmap_add(hm, 0, 0, MS);			/* column 0, 1 ms */
	kpt_heatmap_add(hm, 0, 0, 2 * MS);		/* column 0, 2 ms: another row */
	kpt_heatmap_add(hm, 0, 20 * MS, 21 * MS);	/* column 2, 1 ms */
	kpt_heatmap_add(hm, 0, 20 * MS, 21 * MS);	/* the same cell */
	f = open_memstream(&text, &len);
	kpt_svg_heatmap(f, hm, 0, "a<b", 0);
	kpt_svg_heatmap(f, hm, 1, "empty", 0);
	fclose(f);
	ck_assert_int_eq(occurrences(text, "class=\"cell\""), 3);
	ck_assert_int_eq(occurrences(text, "data-count=\"2\""), 1);
	ck_assert_int_eq(occurrences(text, "data-count=\"1\""), 2);
	ck_assert_ptr_nonnull(strstr(text, ">a&lt;b</text>"));
	ck_assert_ptr_nonnull(strstr(text, ">empty: no calls</text>"));
	ck_assert_ptr_nonnull(strstr(text, "3 columns of 10.00 ms"));
	free(text);
	kpt_heatmap_free(hm);
}
END_TEST

START_TEST(test_svg_histogram)
{
	struct kpt_hist hist;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	kpt_hist_init(&hist);
	kpt_hist_add(&hist, 1500);	/* 1024..2048 */
	kpt_hist_add(&hist, 1600);
	kpt_hist_add(&hist, 9000);	/* 8192..16384: two empty slots between */
	f = open_memstream(&text, &len);
	kpt_svg_histogram(f, &hist, "h");
	fclose(f);
	ck_assert_int_eq(occurrences(text, "class=\"bar\""), 2);
	ck_assert_int_eq(occurrences(text, "data-count=\"2\""), 1);
	ck_assert_int_eq(occurrences(text, "data-count=\"1\""), 1);
	ck_assert_int_eq(occurrences(text, " .. "), 4);	/* one label per slot */
	free(text);
}
END_TEST

START_TEST(test_openmetrics_text)
{
	static const char want[] =
		"# HELP kptrace_latency_seconds Time from a probe's entry to its return.\n"
		"# TYPE kptrace_latency_seconds histogram\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\",pid=\"7\",le=\"0.000001\"} 1\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\",pid=\"7\",le=\"0.0000015\"} 1\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\",pid=\"7\",le=\"2\"} 3\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\",pid=\"7\",le=\"+Inf\"} 4\n"
		"kptrace_latency_seconds_sum{probe=\"a\\\"b\",pid=\"7\"} 3.0000025\n"
		"kptrace_latency_seconds_count{probe=\"a\\\"b\",pid=\"7\"} 4\n";
	const uint64_t bounds[] = { 1000, 1500, 2000000000 };
	const uint64_t counts[] = { 1, 0, 2, 1 };
	const struct kpt_om_label labels[] = { { "probe", "a\"b" }, { "pid", "7" } };
	char *text = NULL, buf[32];
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	kpt_om_histogram_help(f);
	kpt_om_histogram(f, labels, 2, bounds, 3, counts, 3000002500ULL);
	fclose(f);
	ck_assert_str_eq(text, want);
	free(text);
	kpt_om_seconds(buf, sizeof(buf), 0);
	ck_assert_str_eq(buf, "0");
	kpt_om_seconds(buf, sizeof(buf), 67108864000ULL);
	ck_assert_str_eq(buf, "67.108864");
	ck_assert_int_eq(kpt_om_bucket(bounds, 3, 0), 0);
	ck_assert_int_eq(kpt_om_bucket(bounds, 3, 1000), 0);
	ck_assert_int_eq(kpt_om_bucket(bounds, 3, 1001), 1);
	ck_assert_int_eq(kpt_om_bucket(bounds, 3, 2000000001), 3);
}
END_TEST

START_TEST(test_openmetrics_counters)
{
	const struct kpt_pair_counts pairs[2] = { { .lost_exits = 3 }, { .open_at_end = 1 } };
	const char *const names[] = { "x", "y\\z" };
	const struct kpt_loss loss = { .dropped = 9 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&text, &len);
	kpt_om_pair_counters(f, 2, names, pairs);
	kpt_om_loss_counters(f, &loss);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\nkptrace_lost_exits_total{probe=\"x\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nkptrace_open_at_end_total{probe=\"y\\\\z\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE kptrace_dropped_events_total counter\n"
				  "kptrace_dropped_events_total 9\n"));
	ck_assert_int_eq(occurrences(text, "# TYPE "), 10);
	free(text);
}
END_TEST

static int parse(struct kpt_trace_opts *opts, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return kpt_trace_opts_parse(argc, argv, opts);
}

START_TEST(test_options)
{
	char *all[] = { "latency", "-i", "2", "--heatmap", "h.svg", "--heatmap-width", "10ms",
			"--html", "r.html", "--timeline", "t.json", "--listen", "127.0.0.1:9464",
			"syscall:openat", NULL };
	char *width_alone[] = { "latency", "--heatmap-width", "1s", "syscall:openat", NULL };
	char *bad_width[] = { "latency", "--heatmap", "h", "--heatmap-width", "0", "x", NULL };
	char *listen_no_i[] = { "latency", "--listen", ":9464", "syscall:openat", NULL };
	char *listen_file[] = { "latency", "--input", "t.dat", "--listen", ":9464", NULL };
	char *file_pics[] = { "latency", "--input", "t.dat", "--html", "r.html", NULL };
	struct kpt_trace_opts opts;

	ck_assert_int_eq(parse(&opts, all), 0);
	ck_assert_str_eq(opts.heatmap, "h.svg");
	ck_assert_str_eq(opts.heatmap_width, "10ms");
	ck_assert_str_eq(opts.html, "r.html");
	ck_assert_str_eq(opts.timeline, "t.json");
	ck_assert_str_eq(opts.listen, "127.0.0.1:9464");
	ck_assert_int_eq(opts.nr_probes, 1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(&opts, width_alone), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(&opts, bad_width), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(&opts, listen_no_i), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(&opts, listen_file), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(&opts, file_pics), 0);
	ck_assert_str_eq(opts.html, "r.html");
	kpt_trace_opts_free(&opts);
}
END_TEST

/**
 * pictures_suite - the heat map grid, the SVGs, the exposition and the pictures' options
 */
Suite *pictures_suite(void)
{
	Suite *s = suite_create("pictures");
	TCase *tc = tcase_create("pictures");

	tcase_add_test(tc, test_heatmap_row);
	tcase_add_test(tc, test_heatmap_columns);
	tcase_add_test(tc, test_heatmap_merge);
	tcase_add_test(tc, test_svg_heatmap);
	tcase_add_test(tc, test_svg_histogram);
	tcase_add_test(tc, test_openmetrics_text);
	tcase_add_test(tc, test_openmetrics_counters);
	tcase_add_test(tc, test_options);
	suite_add_tcase(s, tc);
	return s;
}
