// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace report's pure logic: pair discovery from event names, --pair and -e,
 * the time window, grouping, the command line, the trace.dat header check and
 * the per-CPU statistics text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event-parse.h>

#include "tracedat/discover.h"
#include "source/record.h"
#include "analyse/host.h"
#include "analyse/latency.h"
#include "cmd/options.h"
#include "pipeline/pair.h"
#include "source/file.h"
#include "suites.h"
#include "tracedat/write.h"
#include "tracedat/read.h"

#define E(sys, name)	{ sys, name, KPT_EVENT_OTHER }
#define P(sys, name)	{ sys, name, KPT_EVENT_ENTRY_PROBE }
#define R(sys, name)	{ sys, name, KPT_EVENT_RETURN_PROBE }

static void assert_pair(const struct kpt_pair *pair, const char *name, const char *entry_sys,
			const char *entry, const char *exit_sys, const char *exit,
			enum kpt_pair_origin origin)
{
	ck_assert_str_eq(pair->name, name);
	ck_assert_str_eq(pair->entry_system, entry_sys);
	ck_assert_str_eq(pair->entry_event, entry);
	ck_assert_str_eq(pair->exit_system, exit_sys);
	ck_assert_str_eq(pair->exit_event, exit);
	ck_assert_int_eq(pair->origin, origin);
}

START_TEST(test_discover_all_kinds)
{
	/* Deliberately unsorted, with lookalikes that must not pair. */
	static const struct kpt_event_name events[] = {
		E("syscalls", "sys_exit_read"),
		R("kptrace_77", "r10_kpt_work"),
		E("sched", "sched_process_exit"),
		P("kptrace_77", "p10_kpt_work"),
		E("syscalls", "sys_enter_read"),
		P("kptrace_77", "p2_vfs_read"),
		R("kptrace_77", "r2_vfs_read"),
		P("kptrace_77", "p3_lonely"),		/* no r3_lonely */
		E("syscalls", "sys_enter_only"),	/* no sys_exit_only */
		P("probe", "vfs_open"),
		R("probe", "vfs_open__return"),
		E("timer", "tick"),
		E("timer", "tick__return"),		/* tracepoints: not a probe pair */
		P("mytool", "p_do_work"),
		R("mytool", "r_do_work"),
		P("kptrace_x", "p0_y"),			/* not a kptrace group */
		E("kptrace_x", "r0_y"),
		P("probe", "half"),
		P("probe", "half__return"),		/* an entry probe, not a return probe */
	};
	struct kpt_pair *pairs;
	int n = kpt_discover_pairs(events, sizeof(events) / sizeof(events[0]), &pairs);

	ck_assert_int_eq(n, 5);
	/* kptrace's by index (2 before 10), syscalls, then other tools' by name */
	assert_pair(&pairs[0], "vfs_read", "kptrace_77", "p2_vfs_read", "kptrace_77",
		    "r2_vfs_read", KPT_PAIR_KPTRACE);
	ck_assert_int_eq(pairs[0].order, 2);
	assert_pair(&pairs[1], "kpt_work", "kptrace_77", "p10_kpt_work", "kptrace_77",
		    "r10_kpt_work", KPT_PAIR_KPTRACE);
	assert_pair(&pairs[2], "syscall:read", "syscalls", "sys_enter_read", "syscalls",
		    "sys_exit_read", KPT_PAIR_SYSCALL);
	assert_pair(&pairs[3], "mytool:do_work", "mytool", "p_do_work", "mytool", "r_do_work",
		    KPT_PAIR_OTHER_PROBE);
	assert_pair(&pairs[4], "probe:vfs_open", "probe", "vfs_open", "probe",
		    "vfs_open__return", KPT_PAIR_OTHER_PROBE);
	kpt_pairs_free(pairs, n);
}
END_TEST

START_TEST(test_discover_none)
{
	static const struct kpt_event_name events[] = {
		E("sched", "sched_switch"),
		E("syscalls", "sys_exit_read"),
		P("kptrace_1", "p0_f"),
	};
	struct kpt_pair *pairs = (struct kpt_pair *)1;

	ck_assert_int_eq(kpt_discover_pairs(events, 3, &pairs), 0);
	ck_assert_ptr_null(pairs);
	ck_assert_int_eq(kpt_discover_pairs(NULL, 0, &pairs), 0);
}
END_TEST

START_TEST(test_pair_parse)
{
	static const char *const bad[] = {
		"syscalls:sys_enter_read", "a:b,", ",a:b", "a,b:c", "a:b,c", "a:b:c,d:e",
		":b,c:d", "a:,c:d", "a:b,c:", "a b:c,d:e", "",
	};
	struct kpt_pair pair;
	char *errmsg;
	size_t i;

	ck_assert_int_eq(kpt_pair_parse("grp:work,grp:work_ret", &pair, &errmsg), 0);
	assert_pair(&pair, "grp:work,grp:work_ret", "grp", "work", "grp", "work_ret",
		    KPT_PAIR_EXPLICIT);
	kpt_pair_release(&pair);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(kpt_pair_parse(bad[i], &pair, &errmsg) < 0, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(errmsg);
		ck_assert_ptr_nonnull(strstr(errmsg, "SYSTEM:EVENT"));
		free(errmsg);
		kpt_pair_release(&pair);
	}
	/* a tp: probe's specification, with a key: named without the key, as the probe is */
	ck_assert_int_eq(kpt_pair_parse("tp:sched:w,sched:s key=pid:next_pid", &pair, &errmsg), 0);
	assert_pair(&pair, "tp:sched:w,sched:s", "sched", "w", "sched", "s", KPT_PAIR_EXPLICIT);
	ck_assert_int_eq(pair.key.nr, 1);
	ck_assert_str_eq(pair.key.entry[0], "pid");
	ck_assert_str_eq(pair.key.exit[0], "next_pid");
	kpt_pair_release(&pair);
	ck_assert_int_eq(kpt_pair_parse("a:b,c:d extra", &pair, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "only key=FIELD[,FIELD]... may follow"));
	free(errmsg);
	kpt_pair_release(&pair);
	ck_assert_int_eq(kpt_pair_parse("a:b,c:d key=x,", &pair, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "--pair 'a:b,c:d key=x,': key 'x,'"));
	free(errmsg);
	kpt_pair_release(&pair);
}
END_TEST

START_TEST(test_pair_matches)
{
	struct kpt_pair pair = { .name = "syscall:clock_nanosleep" };

	ck_assert(kpt_pair_matches(&pair, "syscall:clock_nanosleep"));
	ck_assert(kpt_pair_matches(&pair, "syscall:*"));
	ck_assert(kpt_pair_matches(&pair, "*nanosleep"));
	ck_assert(!kpt_pair_matches(&pair, "syscall:clock"));
	ck_assert(!kpt_pair_matches(&pair, "clock_nanosleep"));
}
END_TEST

START_TEST(test_window_all)
{
	struct kpt_window w = { 0 };

	ck_assert_int_eq(kpt_window_check(&w, 1000), KPT_WINDOW_INSIDE);
	ck_assert_int_eq(kpt_window_check(&w, 5000), KPT_WINDOW_INSIDE);
	ck_assert_int_eq(kpt_window_check(&w, 3001000), KPT_WINDOW_INSIDE);
	ck_assert_uint_eq(w.first_ts, 1000);
	ck_assert(kpt_window_elapsed(&w) == 0.003);
}
END_TEST

START_TEST(test_window_start_end)
{
	struct kpt_window w = { .start = 100, .end = 300, .has_end = true };

	/* the first record, which the window is relative to, is before it too */
	ck_assert_int_eq(kpt_window_check(&w, 1000), KPT_WINDOW_BEFORE);
	ck_assert_int_eq(kpt_window_check(&w, 1099), KPT_WINDOW_BEFORE);
	ck_assert_int_eq(kpt_window_check(&w, 1100), KPT_WINDOW_INSIDE);
	ck_assert_int_eq(kpt_window_check(&w, 1250), KPT_WINDOW_INSIDE);
	ck_assert_int_eq(kpt_window_check(&w, 1300), KPT_WINDOW_INSIDE);
	ck_assert_int_eq(kpt_window_check(&w, 1301), KPT_WINDOW_AFTER);
	/* it ran past the end: the window covered all of [start, end] */
	ck_assert(kpt_window_elapsed(&w) * 1e9 > 199.99 && kpt_window_elapsed(&w) * 1e9 < 200.01);

	/* the records stop before the end: up to the last one inside */
	w = (struct kpt_window){ .start = 100, .end = 300, .has_end = true };
	kpt_window_check(&w, 1000);
	kpt_window_check(&w, 1150);
	ck_assert(kpt_window_elapsed(&w) * 1e9 > 49.99 && kpt_window_elapsed(&w) * 1e9 < 50.01);

	/* nothing at all */
	w = (struct kpt_window){ 0 };
	ck_assert(kpt_window_elapsed(&w) == 0);
}
END_TEST

static const char *fake_comm(void *ctx, int tid)
{
	return tid == 10 || tid == 11 ? "worker" : tid == 20 ? "other" : "<...>";
}

/* The latency statistics fed by a pairer, as the engine feeds them. */
struct sample {
	struct kpt_host *host;
	struct kpt_key *key;
	struct kpt_latency_stats *stats;
	struct kpt_pairer *pairer;
	struct kpt_pair_counts counts[3];
};

static void sample_span(void *ctx, const struct kpt_span *span)
{
	kpt_latency_stats_span(ctx, span);
}

static void feed(struct sample *r, uint64_t ts, int cpu, int tid, int probe, enum kpt_role role)
{
	struct kpt_event ev = { .ts = ts, .cpu = cpu, .tid = tid, .probe = probe, .role = role };

	kpt_pairer_feed(r->pairer, &ev);
}

static const char *const names[] = { "f", "g", "h" };
static const char *const bufnames[] = { "buf: f", "buf: g", "buf: h" };

/* Statistics grouped by @by ("pid", "comm", ...), or not grouped if NULL. */
static struct sample *sample_alloc(int nr_probes, const char *by)
{
	struct sample *r = calloc(1, sizeof(*r));
	struct kpt_latency_config config = { 0 };
	char err[128];

	ck_assert_ptr_nonnull(r);
	r->host = kpt_host_alloc(fake_comm, NULL);
	ck_assert_ptr_nonnull(r->host);
	if (by) {
		r->key = kpt_key_alloc(by, r->host, nr_probes, names, err, sizeof(err));
		ck_assert_ptr_nonnull(r->key);
	}
	config.key = r->key;
	r->stats = kpt_latency_stats_alloc(nr_probes, &config);
	ck_assert_ptr_nonnull(r->stats);
	r->pairer = kpt_pairer_alloc(nr_probes, sample_span, r->stats);
	ck_assert_ptr_nonnull(r->pairer);
	return r;
}

static void sample_finish(struct sample *r, int nr_probes)
{
	int p;

	kpt_pairer_finish(r->pairer, NULL, NULL);
	for (p = 0; p < nr_probes; p++)
		r->counts[p] = *kpt_pairer_counts(r->pairer, p);
}

static void sample_free(struct sample *r)
{
	kpt_pairer_free(r->pairer);
	kpt_latency_stats_free(r->stats);
	kpt_key_free(r->key);
	kpt_host_free(r->host);
	free(r);
}

/*
 * Probe 0: thread 10 (worker) 100 ns entered on CPU 0, returned on CPU 1;
 * thread 11 (worker) 50 ns on CPU 1; thread 20 (other) 7 ns on CPU 0, and a
 * return of thread 20 without entry. Probe 1: nothing. Probe 2: thread 10,
 * still open at the end.
 */
static struct sample *sample_report(const char *by)
{
	struct sample *r = sample_alloc(3, by);

	feed(r, 1000, 0, 10, 0, KPT_ROLE_ENTRY);
	feed(r, 1010, 1, 11, 0, KPT_ROLE_ENTRY);
	feed(r, 1020, 0, 20, 0, KPT_ROLE_ENTRY);
	feed(r, 1027, 0, 20, 0, KPT_ROLE_EXIT);
	feed(r, 1060, 1, 11, 0, KPT_ROLE_EXIT);
	feed(r, 1100, 1, 10, 0, KPT_ROLE_EXIT);
	feed(r, 1200, 1, 20, 0, KPT_ROLE_EXIT);
	feed(r, 1300, 0, 10, 2, KPT_ROLE_ENTRY);
	sample_finish(r, 3);
	return r;
}

static void assert_result(const struct kpt_results *res, int i, const char *name,
			  uint64_t count, uint64_t min, uint64_t max)
{
	const struct kpt_probe_result *p;

	ck_assert_int_lt(i, res->latency.nr_probes);
	p = &res->latency.probes[i];
	ck_assert_str_eq(p->name, name);
	ck_assert_uint_eq(p->hist.count, count);
	if (count) {
		ck_assert_uint_eq(p->hist.min, min);
		ck_assert_uint_eq(p->hist.max, max);
	}
}

START_TEST(test_report_ungrouped)
{
	struct sample *r = sample_report(NULL);
	struct kpt_results res = { 0 };
	bool show[3] = { true, true, true };

	ck_assert_int_eq(kpt_latency_stats_collect(r->stats, show, names, r->counts, &res), 0);
	ck_assert_int_eq(res.latency.nr_probes, 3);
	assert_result(&res, 0, "f", 3, 7, 100);
	ck_assert_uint_eq(res.latency.probes[0].pairs.spans, 3);
	ck_assert_uint_eq(res.latency.probes[0].pairs.orphan_exits, 1);
	assert_result(&res, 1, "g", 0, 0, 0);
	assert_result(&res, 2, "h", 0, 0, 0);
	ck_assert_uint_eq(res.latency.probes[2].pairs.open_at_end, 1);
	kpt_results_free(&res);
	sample_free(r);
}
END_TEST

START_TEST(test_report_by_pid)
{
	struct sample *r = sample_report("pid");
	struct kpt_results res = { 0 };
	bool show[3] = { true, false, true };

	ck_assert_int_eq(kpt_latency_stats_collect(r->stats, show, bufnames, r->counts, &res), 0);
	/*
	 * f, its three threads by total time (a file knows no process ids: pid
	 * falls back to the thread id), then h (which completed no span)
	 */
	ck_assert_int_eq(res.latency.nr_probes, 5);
	assert_result(&res, 0, "buf: f", 3, 7, 100);
	assert_result(&res, 1, "buf: f [pid 10]", 1, 100, 100);
	assert_result(&res, 2, "buf: f [pid 11]", 1, 50, 50);
	assert_result(&res, 3, "buf: f [pid 20]", 1, 7, 7);
	/* unpaired counts are the probe's, on its whole result only */
	ck_assert_uint_eq(res.latency.probes[0].pairs.orphan_exits, 1);
	ck_assert_uint_eq(res.latency.probes[3].pairs.orphan_exits, 0);
	assert_result(&res, 4, "buf: h", 0, 0, 0);
	kpt_results_free(&res);
	sample_free(r);
}
END_TEST

START_TEST(test_report_by_comm)
{
	struct sample *r = sample_report("comm");
	struct kpt_results res = { 0 };
	bool show[3] = { true, false, false };

	ck_assert_int_eq(kpt_latency_stats_collect(r->stats, show, names, r->counts, &res), 0);
	ck_assert_int_eq(res.latency.nr_probes, 3);
	/* most total time first: worker (threads 10 and 11, 150 ns), then other (7 ns) */
	assert_result(&res, 0, "f", 3, 7, 100);
	assert_result(&res, 1, "f [comm worker]", 2, 50, 100);
	assert_result(&res, 2, "f [comm other]", 1, 7, 7);
	kpt_results_free(&res);
	sample_free(r);
}
END_TEST

START_TEST(test_report_by_cpu)
{
	struct sample *r = sample_report("cpu");
	struct kpt_results res = { 0 };
	bool show[3] = { true, false, false };

	ck_assert_int_eq(kpt_latency_stats_collect(r->stats, show, names, r->counts, &res), 0);
	ck_assert_int_eq(res.latency.nr_probes, 3);
	/* thread 10's call entered on CPU 0 and returned on CPU 1: it is CPU 0's */
	assert_result(&res, 1, "f [cpu 0]", 2, 7, 100);
	assert_result(&res, 2, "f [cpu 1]", 1, 50, 50);
	kpt_results_free(&res);
	sample_free(r);
}
END_TEST

/* Many groups: the group table grows, and every group keeps its own spans. */
START_TEST(test_report_many_groups)
{
	struct sample *r = sample_alloc(1, "tid");
	struct kpt_results res = { 0 };
	bool show[1] = { true };
	int tid;

	for (tid = 1; tid <= 500; tid++) {
		feed(r, tid * 10, 0, tid, 0, KPT_ROLE_ENTRY);
		feed(r, tid * 10 + tid, 0, tid, 0, KPT_ROLE_EXIT);
	}
	sample_finish(r, 1);
	ck_assert_int_eq(kpt_latency_stats_collect(r->stats, show, names, r->counts, &res), 0);
	ck_assert_int_eq(res.latency.nr_probes, 501);
	assert_result(&res, 0, "f", 500, 1, 500);
	/* thread T's call lasted T ns: the most total time first is the last thread */
	for (tid = 1; tid <= 500; tid++) {
		char name[32];

		snprintf(name, sizeof(name), "f [tid %d]", tid);
		assert_result(&res, 501 - tid, name, 1, tid, tid);
	}
	kpt_results_free(&res);
	sample_free(r);
}
END_TEST

START_TEST(test_key_parse)
{
	enum kpt_key_kind kind = 0;
	const char *arg = "x";

	ck_assert_int_eq(kpt_key_parse("pid", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_PID);
	ck_assert_ptr_null(arg);
	ck_assert_int_eq(kpt_key_parse("tid", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_TID);
	ck_assert_int_eq(kpt_key_parse("comm", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_COMM);
	ck_assert_int_eq(kpt_key_parse("cpu", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_CPU);
	ck_assert_int_eq(kpt_key_parse("ret", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_RET);
	ck_assert_int_eq(kpt_key_parse("arg:size", &kind, &arg), 0);
	ck_assert_int_eq(kind, KPT_KEY_ARG);
	ck_assert_str_eq(arg, "size");
	ck_assert_int_eq(kpt_key_parse("arg:", &kind, &arg), -1);
	ck_assert_int_eq(kpt_key_parse("stack", &kind, &arg), -1);
	ck_assert_int_eq(kpt_key_parse("", &kind, &arg), -1);
}
END_TEST

/* Parse "report" and the arguments up to a NULL. */
static int parse(struct kpt_report_opts *opts, ...)
{
	char *argv[16];
	va_list ap;
	int argc = 1;

	argv[0] = "report";
	va_start(ap, opts);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	return kpt_report_opts_parse(argc, argv, opts);
}

START_TEST(test_opts)
{
	struct kpt_report_opts o;

	ck_assert_int_eq(parse(&o, NULL), 0);
	ck_assert_str_eq(o.file, "trace.dat");
	ck_assert_int_eq(o.nr_probes, 0);
	ck_assert_ptr_null(o.by);
	kpt_report_opts_free(&o);

	ck_assert_int_eq(parse(&o, "-e", "syscall:read", "--probe", "f", "--pair",
			       "a:b,c:d", "--by", "comm", "--start", "1.5", "--end", "2s",
			       "my.dat", NULL), 0);
	ck_assert_str_eq(o.file, "my.dat");
	ck_assert_int_eq(o.nr_probes, 2);
	ck_assert_str_eq(o.probes[1], "f");
	ck_assert_int_eq(o.nr_pairs, 1);
	ck_assert_str_eq(o.by, "comm");
	ck_assert_uint_eq(o.window.start, 1500000000ULL);
	ck_assert_uint_eq(o.window.end, 2000000000ULL);
	ck_assert(o.window.has_end);
	kpt_report_opts_free(&o);

	/* options after the file too */
	ck_assert_int_eq(parse(&o, "f.dat", "--json", "--list", "--start", "0", NULL), 0);
	ck_assert(o.json && o.list && !o.libtracecmd);
	ck_assert_str_eq(o.file, "f.dat");
	ck_assert_uint_eq(o.window.start, 0);
	kpt_report_opts_free(&o);

	ck_assert_int_eq(parse(&o, "-h", NULL), 0);
	ck_assert(o.help);
	kpt_report_opts_free(&o);
}
END_TEST

START_TEST(test_opts_errors)
{
	struct kpt_report_opts o;

	ck_assert_int_eq(parse(&o, "--by", "thread", "f", NULL), -1);
	kpt_report_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--start", "soon", "f", NULL), -1);
	kpt_report_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--start", "2", "--end", "1", "f", NULL), -1);
	kpt_report_opts_free(&o);
	ck_assert_int_eq(parse(&o, "a.dat", "b.dat", NULL), -1);
	kpt_report_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--frob", NULL), -1);
	kpt_report_opts_free(&o);
	ck_assert_int_eq(parse(&o, "-e", NULL), -1);
	kpt_report_opts_free(&o);
}
END_TEST

/* The start of a little-endian file: magic, version, endianness, long size, page size. */
static unsigned int header_bytes(char *buf, const char *version, char endian, char long_size,
				 unsigned int page_size)
{
	unsigned int len = 0;

	memcpy(buf, "\027\010\104tracing", 10);
	len = 10;
	strcpy(buf + len, version);
	len += strlen(version) + 1;
	buf[len++] = endian;
	buf[len++] = long_size;
	memcpy(buf + len, &page_size, 4);	/* the test host is little-endian */
	return len + 4;
}

START_TEST(test_header_good)
{
	struct kpt_tracedat_header h;
	char buf[64], *errmsg;
	unsigned int len = header_bytes(buf, "7", 0, 8, 4096);

	ck_assert_int_eq(kpt_tracedat_parse_header(buf, len, &h, &errmsg), 0);
	ck_assert_int_eq(h.version, 7);
	ck_assert(!h.big_endian);
	ck_assert_int_eq(h.long_size, 8);
	ck_assert_uint_eq(h.page_size, 4096);
	ck_assert_uint_eq(h.length, 18);
	len = header_bytes(buf, "6", 0, 4, 8192);
	ck_assert_int_eq(kpt_tracedat_parse_header(buf, len, &h, &errmsg), 0);
	ck_assert_int_eq(h.version, 6);
	ck_assert_uint_eq(h.page_size, 8192);
}
END_TEST

static void assert_header_error(const char *buf, unsigned int len, const char *text)
{
	struct kpt_tracedat_header h;
	char *errmsg;

	ck_assert_int_eq(kpt_tracedat_parse_header(buf, len, &h, &errmsg), -1);
	ck_assert_ptr_nonnull(errmsg);
	ck_assert_msg(strstr(errmsg, text), "'%s' does not say '%s'", errmsg, text);
	free(errmsg);
}

START_TEST(test_header_bad)
{
	char buf[64];
	unsigned int len;

	assert_header_error("hello world\n", 12, "not a trace.dat file");
	assert_header_error("\027\010\104trac", 7, "ends inside the trace.dat magic");
	len = header_bytes(buf, "9", 0, 8, 4096);
	assert_header_error(buf, len, "version 9 is not supported");
	len = header_bytes(buf, "5", 0, 8, 4096);
	assert_header_error(buf, len, "version 5 is not supported");
	len = header_bytes(buf, "7x", 0, 8, 4096);
	assert_header_error(buf, len, "corrupt file version");
	len = header_bytes(buf, "7", 0, 8, 4096);
	assert_header_error(buf, len - 3, "truncated inside its header");
	assert_header_error(buf, 11, "no file version");
	len = header_bytes(buf, "7", 2, 8, 4096);
	assert_header_error(buf, len, "corrupt header");
	len = header_bytes(buf, "7", 0, 8, 1000);
	assert_header_error(buf, len, "page size 1000");
}
END_TEST

START_TEST(test_cpustats)
{
	static const char stats[] =
		"CPU: 0\nentries: 5\noverrun: 3\ncommit overrun: 100\nbytes: 0\n"
		"dropped events: 1\nread events: 9\n"
		"CPU: 1\nentries: 0\noverrun: 4\ncommit overrun: 0\ndropped events: 0\n"
		"\nBuffer: kpttest\n\n"
		"CPU: 0\noverrun: 10\ndropped events: 20\n"
		"CPU: 1\noverrun: 30\ndropped events: 40\n"
		"\nBuffer: kpttest_more\n\n"
		"CPU: 0\noverrun: 1000\ndropped events: 2000\n";
	struct kpt_loss loss = { 0 };

	ck_assert_int_eq(kpt_tracedat_parse_cpustats(stats, "", &loss), 1);
	ck_assert_uint_eq(loss.overrun, 7);	/* "commit overrun" is not an overrun line */
	ck_assert_uint_eq(loss.dropped, 1);
	loss = (struct kpt_loss){ 0 };
	ck_assert_int_eq(kpt_tracedat_parse_cpustats(stats, "kpttest", &loss), 1);
	ck_assert_uint_eq(loss.overrun, 40);
	ck_assert_uint_eq(loss.dropped, 60);
	loss = (struct kpt_loss){ 0 };
	ck_assert_int_eq(kpt_tracedat_parse_cpustats(stats, "nosuch", &loss), 0);
	ck_assert_uint_eq(loss.overrun, 0);
}
END_TEST

/*
 * A trace file made with kptrace's writer: version 6, little endian, 64-bit,
 * 4 KiB pages, a kptrace group's probe pair, and these records:
 *   CPU 0, page 1: 1000 entry (tid 42), 1100 exit, 1200 an event id the file
 *                  does not describe
 *   CPU 0, page 2: flagged "events missed before"; 5000 entry, 5300 exit
 *   CPU 1:         1050 entry (tid 44), 2050 exit
 */
#define PAGE		4096
#define ENTRY_ID	2000
#define EXIT_ID		2001
#define UNKNOWN_ID	2999

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";
static const char header_event[] =
	"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n";
#define COMMON_FIELDS \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
static const char entry_format[] =
	"name: p0_work\nID: 2000\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx)\", REC->__probe_ip\n";
static const char exit_format[] =
	"name: r0_work\nID: 2001\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx <- %lx)\", REC->__probe_func, REC->__probe_ret_ip\n";

struct expect {
	uint64_t ts;
	int cpu;
	int id;
	int missed;
};

static const struct expect expected[] = {
	{ 1000, 0, ENTRY_ID, 0 }, { 1050, 1, ENTRY_ID, 0 }, { 1100, 0, EXIT_ID, 0 },
	{ 1200, 0, UNKNOWN_ID, 0 }, { 2050, 1, EXIT_ID, 0 }, { 5000, 0, ENTRY_ID, -1 },
	{ 5300, 0, EXIT_ID, 0 },
};

struct page {
	uint8_t data[PAGE];
	size_t pos;
	uint64_t ts;
	bool missed;
};

static void page_start(struct page *p, uint64_t ts, bool missed)
{
	memset(p->data, 0, PAGE);
	memcpy(p->data, &ts, 8);
	p->pos = 16;
	p->ts = ts;
	p->missed = missed;
}

/* One event: a 4-byte header (type_len = payload words, then the time delta), the payload. */
static void page_add(struct page *p, uint64_t ts, uint16_t id, int32_t pid, int words)
{
	uint32_t header = (uint32_t)(ts - p->ts) << 5 | words;

	memcpy(p->data + p->pos, &header, 4);
	memset(p->data + p->pos + 4, 0, words * 4);
	memcpy(p->data + p->pos + 4, &id, 2);
	memcpy(p->data + p->pos + 8, &pid, 4);
	p->pos += 4 + words * 4;
	p->ts = ts;
}

static void page_write(struct page *p, int fd)
{
	/* bit 31 of commit: events were missed before this page (RB_MISSED_EVENTS) */
	uint64_t commit = (p->pos - 16) | (p->missed ? 1ULL << 31 : 0);

	memcpy(p->data + 8, &commit, 8);
	ck_assert_int_eq(write(fd, p->data, PAGE), PAGE);
}

/* A symbol the file carries but a report never needs. */
#define KALLSYMS_ADDR	0xffffffff81000000ULL
static const char kallsyms[] = "ffffffff81000000 T kpt_test_function\n";

static void write_test_file(char *path)
{
	static const struct kpt_tracedat_blob formats[] = {
		{ entry_format, sizeof(entry_format) - 1 },
		{ exit_format, sizeof(exit_format) - 1 },
	};
	static const struct kpt_tracedat_system system = { "kptrace_9", formats, 2 };
	struct kpt_tracedat_meta meta = {
		.header_page = { header_page, sizeof(header_page) - 1 },
		.header_event = { header_event, sizeof(header_event) - 1 },
		.systems = &system,
		.nr_systems = 1,
		.kallsyms = { kallsyms, sizeof(kallsyms) - 1 },
		.cmdlines = { "42 worker\n44 other\n", 20 },
		.clock = "mono",
	};
	struct kpt_tracedat_cpu cpus[2] = { { .fd = -1 }, { .fd = -1 } };
	struct page page;
	int fd, i;

	kpt_tracedat_params_host(&meta.params, PAGE);
	for (i = 0; i < 2; i++) {
		cpus[i].fd = memfd_create("kpt-report-test", MFD_CLOEXEC);
		ck_assert_int_ge(cpus[i].fd, 0);
	}
	page_start(&page, 1000, false);
	page_add(&page, 1000, ENTRY_ID, 42, 4);
	page_add(&page, 1100, EXIT_ID, 42, 6);
	page_add(&page, 1200, UNKNOWN_ID, 42, 4);
	page_write(&page, cpus[0].fd);
	page_start(&page, 5000, true);
	page_add(&page, 5000, ENTRY_ID, 42, 4);
	page_add(&page, 5300, EXIT_ID, 42, 6);
	page_write(&page, cpus[0].fd);
	page_start(&page, 1050, false);
	page_add(&page, 1050, ENTRY_ID, 44, 4);
	page_add(&page, 2050, EXIT_ID, 44, 6);
	page_write(&page, cpus[1].fd);
	cpus[0].size = 2 * PAGE;
	cpus[0].stats = "entries: 5\noverrun: 3\ndropped events: 0\n";
	cpus[1].size = PAGE;
	cpus[1].stats = "entries: 2\noverrun: 7\ndropped events: 2\n";

	strcpy(path, "/tmp/kpt-report-test.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kpt_tracedat_write(fd, &meta, cpus, 2), 0);
	close(fd);
	close(cpus[0].fd);
	close(cpus[1].fd);
}

struct seen {
	struct kpt_tracedat *file;
	struct expect got[16];
	int nr;
	int stop_after;
};

static int take(void *ctx, const struct kpt_tracedat_record *tr)
{
	struct seen *seen = ctx;
	uint16_t id;

	ck_assert_int_lt(seen->nr, 16);
	ck_assert_int_eq(tr->buffer, 0);
	ck_assert_int_ge(tr->rec.size, 16);
	memcpy(&id, tr->rec.data, 2);
	seen->got[seen->nr++] = (struct expect){ tr->rec.ts, tr->rec.cpu, id, tr->missed };
	return seen->nr == seen->stop_after;
}

static void read_test_file(const char *path, bool use_libtracecmd, int stop_after)
{
	struct kpt_tracedat_info info;
	struct seen seen = { .stop_after = stop_after };
	struct kpt_loss loss = { 0 };
	struct kpt_tracedat *file;
	char *errmsg;
	int i, want = stop_after ? stop_after : (int)(sizeof(expected) / sizeof(expected[0]));

	ck_assert_msg(kpt_tracedat_open(path, &file, &errmsg) == 0, "open: %s", errmsg);
	kpt_tracedat_info(file, &info);
	ck_assert_int_eq(info.version, 6);
	ck_assert_str_eq(info.compression, "none");
	ck_assert_str_eq(info.clock, "mono");
	ck_assert_int_eq(info.nr_buffers, 1);
	ck_assert(info.streamed);
	ck_assert(kpt_tracedat_buffer_has_data(file, 0));
	ck_assert_str_eq(kpt_tracedat_comm(file, 42), "worker");
	ck_assert_int_eq(kpt_event_kind_of(tep_find_event(kpt_tracedat_tep(file), ENTRY_ID)),
			 KPT_EVENT_ENTRY_PROBE);
	ck_assert_int_eq(kpt_event_kind_of(tep_find_event(kpt_tracedat_tep(file), EXIT_ID)),
			 KPT_EVENT_RETURN_PROBE);
	/* The file's kallsyms are not parsed: a report never looks at them. */
	ck_assert_ptr_null(tep_find_function(kpt_tracedat_tep(file), KALLSYMS_ADDR));
	ck_assert_int_eq(kpt_tracedat_read(file, use_libtracecmd, take, &seen, &errmsg), 0);
	ck_assert_ptr_null(tep_find_function(kpt_tracedat_tep(file), KALLSYMS_ADDR));
	ck_assert_int_eq(seen.nr, want);
	for (i = 0; i < want; i++) {
		ck_assert_uint_eq(seen.got[i].ts, expected[i].ts);
		ck_assert_int_eq(seen.got[i].cpu, expected[i].cpu);
		ck_assert_int_eq(seen.got[i].id, expected[i].id);
		ck_assert_int_eq(seen.got[i].missed, expected[i].missed);
	}
	kpt_tracedat_loss(file, 0, &loss);
	ck_assert_uint_eq(loss.overrun, 10);
	ck_assert_uint_eq(loss.dropped, 2);
	kpt_tracedat_close(file);
}

START_TEST(test_file_streamed)
{
	char path[64];

	write_test_file(path);
	read_test_file(path, false, 0);
	read_test_file(path, false, 4);		/* the consumer stops the read */
	unlink(path);
}
END_TEST

#ifndef HAVE_LIBTRACECMD
static int take_none(void *ctx, const struct kpt_tracedat_record *tr)
{
	return -1;
}
#endif

/* Through libtracecmd where kptrace has it; without it, a read that says so. */
START_TEST(test_file_libtracecmd)
{
	struct kpt_tracedat *file;
	char path[64];
	char *errmsg;

	write_test_file(path);
#ifdef HAVE_LIBTRACECMD
	(void)file;
	(void)errmsg;
	read_test_file(path, true, 0);
#else
	ck_assert_int_eq(kpt_tracedat_open(path, &file, &errmsg), 0);
	ck_assert_int_eq(kpt_tracedat_read(file, true, take_none, NULL, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "built without libtracecmd"));
	free(errmsg);
	kpt_tracedat_close(file);
#endif
	unlink(path);
}
END_TEST

static void assert_open_error(const char *path, const char *text)
{
	struct kpt_tracedat *file;
	char *errmsg;

	ck_assert_int_eq(kpt_tracedat_open(path, &file, &errmsg), -1);
	ck_assert_ptr_null(file);
	ck_assert_msg(strstr(errmsg, text), "'%s' does not say '%s'", errmsg, text);
	ck_assert_msg(strncmp(errmsg, path, strlen(path)) == 0, "'%s' does not name the file",
		      errmsg);
	free(errmsg);
}

/* Cut short anywhere, the file is refused with how much of it is there. */
START_TEST(test_file_truncated)
{
	char path[64], cut[64];
	long size, keep;
	char *buf;
	FILE *in;
	int fd;

	write_test_file(path);
	in = fopen(path, "r");
	ck_assert_ptr_nonnull(in);
	fseek(in, 0, SEEK_END);
	size = ftell(in);
	rewind(in);
	buf = malloc(size);
	ck_assert_int_eq(fread(buf, 1, size, in), size);
	fclose(in);
	for (keep = 1; keep < size; keep += keep < 4096 ? 97 : 1531) {
		strcpy(cut, "/tmp/kpt-report-cut.XXXXXX");
		fd = mkstemp(cut);
		ck_assert_int_eq(write(fd, buf, keep), keep);
		close(fd);
		assert_open_error(cut, keep < 10 ? "magic" : keep < 18 ? "header" : "truncated");
		unlink(cut);
	}
	free(buf);
	unlink(path);
}
END_TEST

/**
 * report_suite - kptrace report's logic, without files or root
 */
Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");

	tcase_add_test(tc, test_discover_all_kinds);
	tcase_add_test(tc, test_discover_none);
	tcase_add_test(tc, test_pair_parse);
	tcase_add_test(tc, test_pair_matches);
	tcase_add_test(tc, test_window_all);
	tcase_add_test(tc, test_window_start_end);
	tcase_add_test(tc, test_report_ungrouped);
	tcase_add_test(tc, test_report_by_pid);
	tcase_add_test(tc, test_report_by_comm);
	tcase_add_test(tc, test_report_by_cpu);
	tcase_add_test(tc, test_report_many_groups);
	tcase_add_test(tc, test_key_parse);
	tcase_add_test(tc, test_opts);
	tcase_add_test(tc, test_opts_errors);
	tcase_add_test(tc, test_header_good);
	tcase_add_test(tc, test_header_bad);
	tcase_add_test(tc, test_cpustats);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, test_file_streamed);
	tcase_add_test(tc, test_file_libtracecmd);
	tcase_add_test(tc, test_file_truncated);
	suite_add_tcase(s, tc);
	return s;
}
