// SPDX-License-Identifier: GPL-2.0-or-later
/* Pairing from synthetic events: nesting, recursion, orphans, thread exits, migration. */
#include <stdint.h>
#include <string.h>

#include "pipeline/merge.h"
#include "pipeline/pair.h"
#include "suites.h"

#define MAX_SPANS	64

static struct kpt_span spans[MAX_SPANS];
static int nr_spans;

static void record_span(void *ctx, const struct kpt_span *span)
{
	ck_assert_int_lt(nr_spans, MAX_SPANS);
	spans[nr_spans++] = *span;
}

static void feed(struct kpt_pairer *pairer, uint64_t ts, int tid, int probe, enum kpt_role role)
{
	struct kpt_event ev = { .ts = ts, .tid = tid, .probe = probe, .role = role };

	kpt_pairer_feed(pairer, &ev);
}

#define ENTRY(p, ts, tid, probe)	feed(p, ts, tid, probe, KPT_ROLE_ENTRY)
#define EXIT(p, ts, tid, probe)		feed(p, ts, tid, probe, KPT_ROLE_EXIT)

static struct kpt_pairer *new_pairer(int nr_probes)
{
	nr_spans = 0;
	return kpt_pairer_alloc(nr_probes, record_span, NULL);
}

static void assert_span(int i, int probe, int tid, uint64_t start, uint64_t end)
{
	ck_assert_int_eq(spans[i].probe, probe);
	ck_assert_int_eq(spans[i].tid, tid);
	ck_assert_uint_eq(spans[i].start, start);
	ck_assert_uint_eq(spans[i].end, end);
}

START_TEST(test_nested_probes)
{
	struct kpt_pairer *p = new_pairer(2);

	ENTRY(p, 100, 7, 0);
	ENTRY(p, 110, 7, 1);
	EXIT(p, 150, 7, 1);
	EXIT(p, 200, 7, 0);
	ck_assert_int_eq(nr_spans, 2);
	assert_span(0, 1, 7, 110, 150);
	ck_assert_int_eq(spans[0].depth, 1);
	assert_span(1, 0, 7, 100, 200);
	ck_assert_int_eq(spans[1].depth, 0);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->spans, 1);
	ck_assert_uint_eq(kpt_pairer_counts(p, 1)->spans, 1);
	kpt_pairer_free(p);
}
END_TEST

START_TEST(test_recursion)
{
	struct kpt_pairer *p = new_pairer(1);

	ENTRY(p, 10, 1, 0);
	ENTRY(p, 20, 1, 0);
	ENTRY(p, 30, 1, 0);
	EXIT(p, 40, 1, 0);
	EXIT(p, 55, 1, 0);
	EXIT(p, 100, 1, 0);
	ck_assert_int_eq(nr_spans, 3);
	assert_span(0, 0, 1, 30, 40);
	assert_span(1, 0, 1, 20, 55);
	assert_span(2, 0, 1, 10, 100);
	kpt_pairer_free(p);
}
END_TEST

START_TEST(test_threads_interleaved)
{
	struct kpt_pairer *p = new_pairer(1);

	ENTRY(p, 10, 1, 0);
	ENTRY(p, 11, 2, 0);
	EXIT(p, 30, 1, 0);
	EXIT(p, 50, 2, 0);
	ck_assert_int_eq(nr_spans, 2);
	assert_span(0, 0, 1, 10, 30);
	assert_span(1, 0, 2, 11, 50);
	kpt_pairer_free(p);
}
END_TEST

START_TEST(test_orphans_and_lost_returns)
{
	struct kpt_pairer *p = new_pairer(2);
	const struct kpt_pair_counts *c0, *c1;

	EXIT(p, 5, 3, 0);		/* entered before tracing started */
	ENTRY(p, 10, 3, 0);
	ENTRY(p, 20, 3, 1);		/* its return is lost (kretprobe miss) */
	EXIT(p, 40, 3, 0);		/* pops probe 1's frame as lost */
	ENTRY(p, 50, 3, 1);		/* still open at the end */
	kpt_pairer_finish(p, NULL, NULL);
	c0 = kpt_pairer_counts(p, 0);
	c1 = kpt_pairer_counts(p, 1);
	ck_assert_int_eq(nr_spans, 1);
	assert_span(0, 0, 3, 10, 40);
	ck_assert_uint_eq(c0->orphan_exits, 1);
	ck_assert_uint_eq(c0->spans, 1);
	ck_assert_uint_eq(c1->lost_exits, 1);
	ck_assert_uint_eq(c1->open_at_end, 1);
	ck_assert_uint_eq(c1->spans, 0);
	kpt_pairer_free(p);
}
END_TEST

START_TEST(test_thread_exit_mid_call)
{
	struct kpt_pairer *p = new_pairer(1);

	ENTRY(p, 10, 9, 0);
	ENTRY(p, 11, 9, 0);
	feed(p, 20, 9, -1, KPT_ROLE_TASK_EXIT);
	/* The tid is reused by a new thread: no stale frames may pair with it. */
	EXIT(p, 30, 9, 0);
	ck_assert_int_eq(nr_spans, 0);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->task_exits, 2);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->orphan_exits, 1);
	kpt_pairer_free(p);
}
END_TEST

START_TEST(test_many_threads_grow_and_exit)
{
	/* Thousands of threads force the hash to grow and to delete with shifts. */
	struct kpt_pairer *p = new_pairer(1);
	int tid;

	for (tid = 0; tid < 3000; tid++)
		ENTRY(p, tid, tid, 0);
	for (tid = 0; tid < 3000; tid += 2)
		feed(p, 5000, tid, -1, KPT_ROLE_TASK_EXIT);
	for (tid = 1; tid < 3000; tid += 2) {
		nr_spans = 0;
		EXIT(p, 10000 + tid, tid, 0);
		ck_assert_int_eq(nr_spans, 1);
		assert_span(0, 0, tid, tid, 10000 + tid);
	}
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->task_exits, 1500);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->spans, 1500);
	kpt_pairer_free(p);
}
END_TEST

/* Merge + pair: a thread enters on CPU 1 and returns on CPU 0. */
struct cpu_events {
	struct kpt_event ev[4];
	int nr, pos;
};

static int events_next(void *ctx, int source, struct kpt_record *rec)
{
	struct cpu_events *cpu = &((struct cpu_events *)ctx)[source];

	if (cpu->pos >= cpu->nr)
		return 0;
	rec->ts = cpu->ev[cpu->pos].ts;
	rec->data = &cpu->ev[cpu->pos];
	rec->cpu = source;
	cpu->pos++;
	return 1;
}

START_TEST(test_cpu_migration)
{
	struct cpu_events cpus[2] = {
		/* CPU 0 is read first, and holds the return... */
		{ .ev = { { .ts = 300, .tid = 5, .probe = 0, .role = KPT_ROLE_EXIT } }, .nr = 1 },
		/* ...of the call that entered on CPU 1. */
		{ .ev = { { .ts = 100, .tid = 5, .probe = 0, .role = KPT_ROLE_ENTRY } }, .nr = 1 },
	};
	struct kpt_pairer *p = new_pairer(1);
	struct kpt_merge *merge = kpt_merge_alloc(2, events_next, cpus);
	struct kpt_record rec;

	kpt_merge_refill(merge);
	while (kpt_merge_next(merge, UINT64_MAX, &rec))
		kpt_pairer_feed(p, rec.data);
	ck_assert_int_eq(nr_spans, 1);
	assert_span(0, 0, 5, 100, 300);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->orphan_exits, 0);
	kpt_merge_free(merge);
	kpt_pairer_free(p);
}
END_TEST

/* At the end, the calls still open go to the open-span callback, outermost first, with no exit. */
START_TEST(test_open_spans_at_finish)
{
	struct kpt_pairer *p = new_pairer(2);

	ENTRY(p, 100, 7, 0);
	ENTRY(p, 110, 7, 1);
	ENTRY(p, 120, 8, 0);
	EXIT(p, 130, 8, 0);
	ENTRY(p, 140, 9, 1);
	feed(p, 170, 9, -1, KPT_ROLE_TASK_EXIT);
	ck_assert_int_eq(nr_spans, 1);
	nr_spans = 0;
	kpt_pairer_finish(p, record_span, NULL);
	/* thread 7's two calls; thread 9's ended with the thread; the end is the last event's */
	ck_assert_int_eq(nr_spans, 2);
	assert_span(0, 0, 7, 100, 170);
	ck_assert_int_eq(spans[0].depth, 0);
	ck_assert_ptr_null(spans[0].exit);
	assert_span(1, 1, 7, 110, 170);
	ck_assert_int_eq(spans[1].depth, 1);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->open_at_end, 1);
	ck_assert_uint_eq(kpt_pairer_counts(p, 1)->open_at_end, 1);
	ck_assert_uint_eq(kpt_pairer_counts(p, 1)->task_exits, 1);
	kpt_pairer_free(p);
}
END_TEST

static int make_span(void *ctx, const struct kpt_event *ev, struct kpt_span *span,
		     struct kpt_event *entry, struct kpt_event *exit)
{
	if (ev->probe != 1)
		return -1;
	*entry = *exit = *ev;
	entry->ts = ev->ts - 25;
	*span = (struct kpt_span){ .probe = ev->probe, .tid = ev->tid, .start = entry->ts,
				   .end = ev->ts, .entry = entry, .exit = exit };
	return 0;
}

/* Calls the kernel measured: made into spans and counted, never paired; refused ones dropped. */
START_TEST(test_made_spans)
{
	struct kpt_pairer *p = new_pairer(2);

	feed(p, 100, 7, 1, KPT_ROLE_SPAN);	/* no maker yet: dropped */
	kpt_pairer_set_span_maker(p, make_span, NULL);
	feed(p, 200, 7, 1, KPT_ROLE_SPAN);
	feed(p, 300, 7, 0, KPT_ROLE_SPAN);	/* the maker refuses it */
	ck_assert_int_eq(nr_spans, 1);
	assert_span(0, 1, 7, 175, 200);
	ck_assert_uint_eq(kpt_pairer_counts(p, 1)->spans, 1);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->spans, 0);
	kpt_pairer_free(p);
}
END_TEST

Suite *pair_suite(void)
{
	Suite *suite = suite_create("pair");
	TCase *tc = tcase_create("pair");

	tcase_add_test(tc, test_nested_probes);
	tcase_add_test(tc, test_recursion);
	tcase_add_test(tc, test_threads_interleaved);
	tcase_add_test(tc, test_orphans_and_lost_returns);
	tcase_add_test(tc, test_thread_exit_mid_call);
	tcase_add_test(tc, test_many_threads_grow_and_exit);
	tcase_add_test(tc, test_cpu_migration);
	tcase_add_test(tc, test_open_spans_at_finish);
	tcase_add_test(tc, test_made_spans);
	suite_add_tcase(suite, tc);
	return suite;
}
