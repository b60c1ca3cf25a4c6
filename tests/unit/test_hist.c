// SPDX-License-Identifier: GPL-2.0-or-later
/* Histogram and percentiles against inputs whose answers are known exactly. */
#include <stdint.h>

#include "analyse/hist.h"
#include "suites.h"
#include "util.h"

static struct kpt_hist hist;

START_TEST(test_empty)
{
	kpt_hist_init(&hist);
	ck_assert_uint_eq(hist.count, 0);
	ck_assert_uint_eq(kpt_hist_mean(&hist), 0);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 50), 0);
}
END_TEST

START_TEST(test_small_values_exact)
{
	int v;

	kpt_hist_init(&hist);
	for (v = 1; v <= 50; v++)	/* 1..50: every value exact, rank = percentile */
		kpt_hist_add(&hist, v);
	ck_assert_uint_eq(hist.count, 50);
	ck_assert_uint_eq(hist.min, 1);
	ck_assert_uint_eq(hist.max, 50);
	ck_assert_uint_eq(kpt_hist_mean(&hist), 25);	/* 1275 / 50 = 25.5, rounded down */
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 50), 25);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 90), 45);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 99), 50);	/* rank ceil(49.5) = 50 */
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 100), 50);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 0), 1);
}
END_TEST

START_TEST(test_bucket_edges_exact)
{
	/* 1000 values near 1 ms and 10 near 100 ms, both bucket low edges, so
	 * exact: 999424 = (64 + 58) << 13 and 99614720 = (64 + 31) << 20. */
	int i;

	kpt_hist_init(&hist);
	for (i = 0; i < 1000; i++)
		kpt_hist_add(&hist, 999424);
	for (i = 0; i < 10; i++)
		kpt_hist_add(&hist, 99614720);
	ck_assert_uint_eq(hist.count, 1010);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 50), 999424);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 99), 999424);	/* rank 1000 */
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 99.9), 99614720);	/* rank 1009 */
	ck_assert_uint_eq(kpt_hist_mean(&hist), (1000ULL * 999424 + 10ULL * 99614720) / 1010);
}
END_TEST

START_TEST(test_relative_error_bound)
{
	uint64_t v;

	/* For any single value, p50 is within 1/64 below it. */
	for (v = 64; v < (1ULL << 40); v = v * 3 + 7) {
		uint64_t p;

		kpt_hist_init(&hist);
		kpt_hist_add(&hist, v);
		kpt_hist_add(&hist, v);
		kpt_hist_add(&hist, v + 1000000000000ULL);
		p = kpt_hist_percentile(&hist, 50);
		ck_assert_uint_le(p, v);
		ck_assert_uint_ge(p, v - v / 64);
	}
}
END_TEST

START_TEST(test_log2_slots)
{
	uint64_t slots[KPT_HIST_LOG2_SLOTS];

	kpt_hist_init(&hist);
	kpt_hist_add(&hist, 0);		/* slot 0 */
	kpt_hist_add(&hist, 1);		/* slot 1: [1, 1] */
	kpt_hist_add(&hist, 3);		/* slot 2: [2, 3] */
	kpt_hist_add(&hist, 1023);	/* slot 10: [512, 1023] */
	kpt_hist_add(&hist, 1024);	/* slot 11 */
	kpt_hist_log2(&hist, 1, slots);
	ck_assert_uint_eq(slots[0], 1);
	ck_assert_uint_eq(slots[1], 1);
	ck_assert_uint_eq(slots[2], 1);
	ck_assert_uint_eq(slots[10], 1);
	ck_assert_uint_eq(slots[11], 1);
	/* In microseconds: 0, 1, 3 ns are below 1 us; 1023 ns is 1 us; 1024 ns too. */
	kpt_hist_log2(&hist, 1000, slots);
	ck_assert_uint_eq(slots[0], 3);
	ck_assert_uint_eq(slots[1], 2);
}
END_TEST

START_TEST(test_merge)
{
	struct kpt_hist other;

	kpt_hist_init(&hist);
	kpt_hist_init(&other);
	kpt_hist_add(&hist, 10);
	kpt_hist_add(&other, 5);
	kpt_hist_add(&other, 20);
	kpt_hist_merge(&hist, &other);
	ck_assert_uint_eq(hist.count, 3);
	ck_assert_uint_eq(hist.min, 5);
	ck_assert_uint_eq(hist.max, 20);
	ck_assert_uint_eq(kpt_hist_percentile(&hist, 50), 10);
}
END_TEST

START_TEST(test_linear_parse)
{
	struct kpt_linear lin;

	/* STEP alone: from 0, 20 buckets */
	ck_assert_int_eq(kpt_linear_parse("linear:100", 1000, &lin), 0);
	ck_assert_uint_eq(lin.step, 100000);
	ck_assert_uint_eq(lin.min, 0);
	ck_assert_uint_eq(lin.nr, 20);
	ck_assert_uint_eq(lin.max, 2000000);
	/* own units; a range that is not a whole number of steps rounds up */
	ck_assert_int_eq(kpt_linear_parse("linear:1ms,2ms,5500us", 1000, &lin), 0);
	ck_assert_uint_eq(lin.step, 1000000);
	ck_assert_uint_eq(lin.min, 2000000);
	ck_assert_uint_eq(lin.nr, 4);
	ck_assert_uint_eq(lin.max, 6000000);
	ck_assert_int_eq(kpt_linear_parse("linear:0", 1, &lin), -1);
	ck_assert_int_eq(kpt_linear_parse("linear:10,50,50", 1, &lin), -1);
	ck_assert_int_eq(kpt_linear_parse("linear:10,50", 1, &lin), -1);
	ck_assert_int_eq(kpt_linear_parse("linear:10,0,100,5", 1, &lin), -1);
	ck_assert_int_eq(kpt_linear_parse("linear:1,0,1000000", 1, &lin), -1);	/* too many */
	ck_assert_int_eq(kpt_linear_parse("log2", 1, &lin), -1);
	ck_assert_int_eq(kpt_linear_parse("linear:x", 1, &lin), -1);
}
END_TEST

START_TEST(test_linear_slots)
{
	struct kpt_linear lin;

	ck_assert_int_eq(kpt_linear_parse("linear:10,100,130", 1, &lin), 0);
	ck_assert_uint_eq(lin.nr, 3);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 0), 0);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 99), 0);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 100), 1);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 109), 1);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 110), 2);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 129), 3);
	ck_assert_uint_eq(kpt_linear_slot(&lin, 130), 4);
	ck_assert_uint_eq(kpt_linear_slot(&lin, UINT64_MAX), 4);
}
END_TEST

START_TEST(test_parse_ns)
{
	uint64_t ns;

	ck_assert_int_eq(kpt_parse_ns("10ms", 1000, &ns), 0);
	ck_assert_uint_eq(ns, 10000000);
	ck_assert_int_eq(kpt_parse_ns("250", 1000, &ns), 0);
	ck_assert_uint_eq(ns, 250000);
	ck_assert_int_eq(kpt_parse_ns("1.5us", 1000, &ns), 0);
	ck_assert_uint_eq(ns, 1500);
	ck_assert_int_eq(kpt_parse_ns("2s", 1, &ns), 0);
	ck_assert_uint_eq(ns, 2000000000);
	ck_assert_int_eq(kpt_parse_ns("0", 1, &ns), 0);
	ck_assert_uint_eq(ns, 0);
	ck_assert_int_eq(kpt_parse_ns("-1", 1, &ns), -1);
	ck_assert_int_eq(kpt_parse_ns("5m", 1, &ns), -1);
	ck_assert_int_eq(kpt_parse_ns("ms", 1, &ns), -1);
}
END_TEST

Suite *hist_suite(void)
{
	Suite *suite = suite_create("hist");
	TCase *tc = tcase_create("hist");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_small_values_exact);
	tcase_add_test(tc, test_bucket_edges_exact);
	tcase_add_test(tc, test_relative_error_bound);
	tcase_add_test(tc, test_log2_slots);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_linear_parse);
	tcase_add_test(tc, test_linear_slots);
	tcase_add_test(tc, test_parse_ns);
	suite_add_tcase(suite, tc);
	return suite;
}
