// SPDX-License-Identifier: GPL-2.0-or-later
/* Cross-CPU merge: synthetic per-CPU streams come out in one time order. */
#include <stdint.h>
#include <string.h>

#include "pipeline/merge.h"
#include "suites.h"

#define MAX_RECS	16

struct fake_cpu {
	uint64_t ts[MAX_RECS];
	int nr;		/* records available now */
	int pos;
};

static struct fake_cpu cpus[4];

static int fake_next(void *ctx, int source, struct kpt_record *rec)
{
	struct fake_cpu *cpu = &((struct fake_cpu *)ctx)[source];

	if (cpu->pos >= cpu->nr)
		return 0;
	rec->ts = cpu->ts[cpu->pos];
	rec->cpu = source;
	rec->data = &cpu->ts[cpu->pos];
	rec->size = sizeof(uint64_t);
	cpu->pos++;
	return 1;
}

static void load(int cpu, const uint64_t *ts, int nr)
{
	memcpy(cpus[cpu].ts, ts, nr * sizeof(*ts));
	cpus[cpu].nr = nr;
	cpus[cpu].pos = 0;
}

START_TEST(test_interleaves_in_time_order)
{
	static const uint64_t a[] = { 1, 4, 9, 10 }, b[] = { 2, 3, 11 }, c[] = { 5 };
	static const uint64_t want[] = { 1, 2, 3, 4, 5, 9, 10, 11 };
	struct kpt_merge *merge;
	struct kpt_record rec;
	size_t i;

	memset(cpus, 0, sizeof(cpus));
	load(0, a, 4);
	load(1, b, 3);
	load(3, c, 1);
	merge = kpt_merge_alloc(4, fake_next, cpus);
	kpt_merge_refill(merge);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
		ck_assert_uint_eq(rec.ts, want[i]);
		ck_assert_uint_eq(*(uint64_t *)rec.data, want[i]);	/* record still valid */
	}
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 0);
	kpt_merge_free(merge);
}
END_TEST

START_TEST(test_limit_holds_back_later_records)
{
	static const uint64_t a[] = { 10, 30 }, b[] = { 20 };
	struct kpt_merge *merge;
	struct kpt_record rec;

	memset(cpus, 0, sizeof(cpus));
	load(0, a, 2);
	load(1, b, 1);
	merge = kpt_merge_alloc(2, fake_next, cpus);
	kpt_merge_refill(merge);
	ck_assert_int_eq(kpt_merge_next(merge, 20, &rec), 1);
	ck_assert_uint_eq(rec.ts, 10);
	ck_assert_int_eq(kpt_merge_next(merge, 20, &rec), 1);
	ck_assert_uint_eq(rec.ts, 20);
	ck_assert_int_eq(kpt_merge_next(merge, 20, &rec), 0);	/* 30 is past the limit */
	ck_assert_int_eq(kpt_merge_next(merge, 30, &rec), 1);
	ck_assert_uint_eq(rec.ts, 30);
	kpt_merge_free(merge);
}
END_TEST

START_TEST(test_refill_after_a_source_ran_dry)
{
	/* CPU 1 is empty in the first round; its record, older than CPU 0's
	 * second one, arrives in the next round and must come out first. */
	static const uint64_t a[] = { 10, 40 }, b[] = { 25 };
	struct kpt_merge *merge;
	struct kpt_record rec;

	memset(cpus, 0, sizeof(cpus));
	load(0, a, 2);
	merge = kpt_merge_alloc(2, fake_next, cpus);
	kpt_merge_refill(merge);
	ck_assert_int_eq(kpt_merge_next(merge, 15, &rec), 1);
	ck_assert_uint_eq(rec.ts, 10);
	ck_assert_int_eq(kpt_merge_next(merge, 15, &rec), 0);
	load(1, b, 1);
	kpt_merge_refill(merge);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
	ck_assert_uint_eq(rec.ts, 25);
	ck_assert_int_eq(rec.cpu, 1);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
	ck_assert_uint_eq(rec.ts, 40);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 0);
	kpt_merge_free(merge);
}
END_TEST

START_TEST(test_equal_timestamps_keep_source_order)
{
	static const uint64_t a[] = { 5, 5 }, b[] = { 5 };
	struct kpt_merge *merge;
	struct kpt_record rec;

	memset(cpus, 0, sizeof(cpus));
	load(0, a, 2);
	load(1, b, 1);
	merge = kpt_merge_alloc(2, fake_next, cpus);
	kpt_merge_refill(merge);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
	ck_assert_int_eq(rec.cpu, 0);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
	ck_assert_int_eq(rec.cpu, 0);
	ck_assert_int_eq(kpt_merge_next(merge, UINT64_MAX, &rec), 1);
	ck_assert_int_eq(rec.cpu, 1);
	kpt_merge_free(merge);
}
END_TEST

Suite *merge_suite(void)
{
	Suite *suite = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, test_interleaves_in_time_order);
	tcase_add_test(tc, test_limit_holds_back_later_records);
	tcase_add_test(tc, test_refill_after_a_source_ran_dry);
	tcase_add_test(tc, test_equal_timestamps_keep_source_order);
	suite_add_tcase(suite, tc);
	return suite;
}
