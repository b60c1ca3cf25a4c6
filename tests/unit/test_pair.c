// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pairing from synthetic events: nesting, recursion, orphans, thread exits, migration;
 * and pairing by key fields (a wake-up and the switch to the woken task).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

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

/* Keyed pairing: sched_wakeup (pid) .. sched_switch (next_pid), and block's (dev, sector). */
#define KEY_COMMON \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
static const char wakeup_format[] =
	"name: sched_wakeup\nID: 801\nformat:\n" KEY_COMMON
	"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"pid=%d\", REC->pid\n";
static const char switch_format[] =
	"name: sched_switch\nID: 802\nformat:\n" KEY_COMMON
	"\tfield:pid_t prev_pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t next_pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:u64 sector;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"next_pid=%d\", REC->next_pid\n";

struct keyed_fixture {
	struct tep_handle *tep;
	struct tep_event *wakeup, *sw;
	struct kpt_pair_key key;
};

static void keyed_setup(struct keyed_fixture *f, const char *key)
{
	struct tep_event *event;
	char *errmsg = NULL;

	f->tep = tep_alloc();
	ck_assert_ptr_nonnull(f->tep);
	tep_set_file_bigendian(f->tep, tep_is_local_bigendian(f->tep));
	tep_set_long_size(f->tep, 8);
	ck_assert_int_eq(tep_parse_format(f->tep, &event, wakeup_format, strlen(wakeup_format),
					  "sched"), 0);
	ck_assert_int_eq(tep_parse_format(f->tep, &event, switch_format, strlen(switch_format),
					  "sched"), 0);
	f->wakeup = tep_find_event_by_name(f->tep, "sched", "sched_wakeup");
	f->sw = tep_find_event_by_name(f->tep, "sched", "sched_switch");
	ck_assert_int_eq(kpt_pair_key_parse(key, &f->key, &errmsg), 0);
	ck_assert_ptr_null(errmsg);
}

static void keyed_teardown(struct keyed_fixture *f)
{
	kpt_pair_key_release(&f->key);
	tep_free(f->tep);
}

/* A wake-up of @pid, written by thread @tid. */
static void wakeup(struct kpt_pairer *p, struct keyed_fixture *f, uint64_t ts, int tid, int pid)
{
	unsigned char data[28] = { 0 };
	struct kpt_event ev = { .ts = ts, .tid = tid, .probe = 0, .role = KPT_ROLE_ENTRY,
				.format = f->wakeup, .data = data, .size = sizeof(data) };

	memcpy(data + 4, &tid, 4);
	memcpy(data + 24, &pid, 4);
	kpt_pairer_feed(p, &ev);
}

/* A switch from @prev to @next on a CPU. */
static void sched_switch(struct kpt_pairer *p, struct keyed_fixture *f, uint64_t ts, int prev,
			 int next)
{
	unsigned char data[24] = { 0 };
	struct kpt_event ev = { .ts = ts, .tid = prev, .probe = 0, .role = KPT_ROLE_EXIT,
				.format = f->sw, .data = data, .size = sizeof(data) };

	memcpy(data + 4, &prev, 4);
	memcpy(data + 8, &prev, 4);
	memcpy(data + 12, &next, 4);
	kpt_pairer_feed(p, &ev);
}

START_TEST(test_key_parse)
{
	struct kpt_pair_key key;
	char *errmsg;

	ck_assert_int_eq(kpt_pair_key_parse("dev,sector", &key, &errmsg), 0);
	ck_assert_int_eq(key.nr, 2);
	ck_assert_str_eq(key.entry[0], "dev");
	ck_assert_str_eq(key.exit[0], "dev");
	ck_assert_str_eq(key.entry[1], "sector");
	ck_assert_str_eq(key.exit[1], "sector");
	kpt_pair_key_release(&key);
	ck_assert_int_eq(kpt_pair_key_parse("pid:next_pid", &key, &errmsg), 0);
	ck_assert_int_eq(key.nr, 1);
	ck_assert_str_eq(key.entry[0], "pid");
	ck_assert_str_eq(key.exit[0], "next_pid");
	kpt_pair_key_release(&key);

	ck_assert_int_eq(kpt_pair_key_parse("", &key, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "name the fields"));
	free(errmsg);
	kpt_pair_key_release(&key);
	ck_assert_int_eq(kpt_pair_key_parse("dev,", &key, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "must follow ','"));
	free(errmsg);
	kpt_pair_key_release(&key);
	ck_assert_int_eq(kpt_pair_key_parse("a:b:c", &key, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "'a:b:c' is not FIELD"));
	free(errmsg);
	kpt_pair_key_release(&key);
	ck_assert_int_eq(kpt_pair_key_parse("a,b,c,d,e", &key, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "at most 4 fields"));
	free(errmsg);
	kpt_pair_key_release(&key);
	ck_assert_int_eq(kpt_pair_key_parse("9lives", &key, &errmsg), -1);
	free(errmsg);
	kpt_pair_key_release(&key);
}
END_TEST

START_TEST(test_key_check)
{
	struct keyed_fixture f;
	struct kpt_pair_key bad;
	char *errmsg;

	keyed_setup(&f, "pid:next_pid");
	ck_assert_int_eq(kpt_pair_key_check(&f.key, f.wakeup, f.sw, "tp:w,s"), 0);
	/* no such field in the exit, and a string field: refused */
	ck_assert_int_eq(kpt_pair_key_parse("pid", &bad, &errmsg), 0);
	ck_assert_int_eq(kpt_pair_key_check(&bad, f.wakeup, f.sw, "tp:w,s"), -1);
	kpt_pair_key_release(&bad);
	ck_assert_int_eq(kpt_pair_key_parse("comm:prev_pid", &bad, &errmsg), 0);
	ck_assert_int_eq(kpt_pair_key_check(&bad, f.wakeup, f.sw, "tp:w,s"), -1);
	kpt_pair_key_release(&bad);
	keyed_teardown(&f);
}
END_TEST

START_TEST(test_keyed_wakeup_to_run)
{
	struct kpt_pairer *p = new_pairer(1);
	struct keyed_fixture f;
	const struct kpt_pair_counts *c;

	keyed_setup(&f, "pid:next_pid");
	ck_assert_int_eq(kpt_pairer_set_key(p, 0, &f.key), 0);
	/* thread 7 wakes 100 and 200; 100 runs first, then 200; 300 runs unwoken (preempted) */
	wakeup(p, &f, 1000, 7, 100);
	wakeup(p, &f, 1100, 7, 200);
	sched_switch(p, &f, 1500, 7, 100);
	sched_switch(p, &f, 1600, 100, 300);
	sched_switch(p, &f, 2100, 300, 200);
	ck_assert_int_eq(nr_spans, 2);
	assert_span(0, 0, 7, 1000, 1500);	/* the span's thread is the entry's: the waker */
	assert_span(1, 0, 7, 1100, 2100);
	/* 100 woken twice before it ran: the first lost its exit */
	wakeup(p, &f, 3000, 8, 100);
	wakeup(p, &f, 3200, 9, 100);
	sched_switch(p, &f, 3300, 0, 100);
	ck_assert_int_eq(nr_spans, 3);
	assert_span(2, 0, 9, 3200, 3300);
	/* one still waiting at the end */
	wakeup(p, &f, 4000, 7, 400);
	kpt_pairer_finish(p, NULL, NULL);
	c = kpt_pairer_counts(p, 0);
	ck_assert_uint_eq(c->spans, 3);
	ck_assert_uint_eq(c->orphan_exits, 1);
	ck_assert_uint_eq(c->lost_exits, 1);
	ck_assert_uint_eq(c->open_at_end, 1);
	kpt_pairer_free(p);
	keyed_teardown(&f);
}
END_TEST

static void count_span(void *ctx, const struct kpt_span *span)
{
	int *count = ctx;

	/* pid N woke at N and ran at 10000 + N or 20000 + N: only its own wake-up fits */
	ck_assert(span->end - span->start == 10000 || span->end - span->start == 20000);
	(*count)++;
}

/* Many keys open at once: the table grows, and removal keeps every other key findable. */
START_TEST(test_keyed_many_open)
{
	struct kpt_pairer *p;
	struct keyed_fixture f;
	int pid, count = 0;

	p = kpt_pairer_alloc(1, count_span, &count);

	keyed_setup(&f, "pid:next_pid");
	kpt_pairer_keep_entries(p);
	ck_assert_int_eq(kpt_pairer_set_key(p, 0, &f.key), 0);
	for (pid = 1; pid <= 1000; pid++)
		wakeup(p, &f, pid, 1, pid);
	/* close every third first, then the rest in reverse */
	for (pid = 3; pid <= 1000; pid += 3)
		sched_switch(p, &f, 10000 + pid, 0, pid);
	for (pid = 1000; pid >= 1; pid--) {
		if (pid % 3)
			sched_switch(p, &f, 20000 + pid, 0, pid);
	}
	kpt_pairer_finish(p, NULL, NULL);
	ck_assert_int_eq(count, 1000);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->spans, 1000);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->orphan_exits, 0);
	ck_assert_uint_eq(kpt_pairer_counts(p, 0)->open_at_end, 0);
	kpt_pairer_free(p);
	keyed_teardown(&f);
}
END_TEST

static int kept_pid;

static void record_kept(void *ctx, const struct kpt_span *span)
{
	(void)ctx;
	ck_assert_ptr_nonnull(span->entry->data);
	memcpy(&kept_pid, (const char *)span->entry->data + 24, 4);
	record_span(ctx, span);
}

/* Entries keep their payload: the span's entry is the wake-up record itself. */
START_TEST(test_keyed_keeps_entry)
{
	struct kpt_pairer *p;
	struct keyed_fixture f;

	nr_spans = 0;
	p = kpt_pairer_alloc(1, record_kept, NULL);
	keyed_setup(&f, "pid:next_pid");
	kpt_pairer_keep_entries(p);
	ck_assert_int_eq(kpt_pairer_set_key(p, 0, &f.key), 0);
	wakeup(p, &f, 10, 5, 4242);
	sched_switch(p, &f, 20, 5, 4242);
	ck_assert_int_eq(nr_spans, 1);
	ck_assert_int_eq(kept_pid, 4242);
	kpt_pairer_free(p);
	keyed_teardown(&f);
}
END_TEST

/* A keyed probe beside a per-thread one: each pairs its own way. */
START_TEST(test_keyed_beside_threads)
{
	struct kpt_pairer *p = new_pairer(2);
	struct keyed_fixture f;

	keyed_setup(&f, "pid:next_pid");
	ck_assert_int_eq(kpt_pairer_set_key(p, 0, &f.key), 0);
	ENTRY(p, 100, 5, 1);
	wakeup(p, &f, 110, 5, 6);
	EXIT(p, 120, 5, 1);
	sched_switch(p, &f, 130, 5, 6);
	ck_assert_int_eq(nr_spans, 2);
	assert_span(0, 1, 5, 100, 120);
	assert_span(1, 0, 5, 110, 130);
	kpt_pairer_free(p);
	keyed_teardown(&f);
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
	tcase_add_test(tc, test_key_parse);
	tcase_add_test(tc, test_key_check);
	tcase_add_test(tc, test_keyed_wakeup_to_run);
	tcase_add_test(tc, test_keyed_many_open);
	tcase_add_test(tc, test_keyed_keeps_entry);
	tcase_add_test(tc, test_keyed_beside_threads);
	suite_add_tcase(suite, tc);
	return suite;
}
