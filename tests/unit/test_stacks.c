// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacks without a kernel: kallsyms lookups, grouping by stack and folded
 * lines from canned stacks (exact text), and the engine joining canned stack
 * records to the entries they follow, across CPUs, lost stacks and threads
 * that move.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "analyse/analyser.h"
#include "analyse/host.h"
#include "analyse/stacks.h"
#include "analyse/symbols.h"
#include "pipeline/decode.h"
#include "pipeline/engine.h"
#include "suites.h"

/* Folded lines of a table, as text. */
static char *folded_text(struct kpt_stacks *stacks, const char *const *names, int nr, bool ns)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(kpt_stacks_print_folded(out, stacks, names, nr, ns), 0);
	fclose(out);
	return text;
}

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 T entry_SYSCALL_64\n"
	"ffffffff81002000 t do_syscall_64\n"
	"ffffffff81002800 d some_data\n"
	"ffffffff81003000 T __x64_sys_openat\n"
	"ffffffff81004000 T do_sys_openat2\n"
	"ffffffffc0000000 t mod_func\t[mymod]\n";

START_TEST(test_kallsyms)
{
	struct kpt_symbols *syms = kpt_symbols_alloc();
	const char *a, *b;

	ck_assert_ptr_nonnull(syms);
	/* text symbols only: the data symbol is left out */
	ck_assert_int_eq(kpt_symbols_load_kallsyms(syms, kallsyms, strlen(kallsyms)), 6);
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffff81002010), "do_syscall_64");
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffff81002900), "do_syscall_64");
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffff81001000), "entry_SYSCALL_64");
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffffc0000010), "mod_func");
	/* the same function is the same pointer: groups key on it */
	ck_assert_ptr_eq(kpt_symbols_kernel(syms, 0xffffffff81004001),
			 kpt_symbols_kernel(syms, 0xffffffff81004fff));
	a = kpt_symbols_kernel(syms, 0x1000);
	b = kpt_symbols_kernel(syms, 0x1000);
	ck_assert_str_eq(a, "0x1000");
	ck_assert_ptr_eq(a, b);
	/* a user address nobody mapped */
	ck_assert_str_eq(kpt_symbols_user(syms, -1, 0x401000), "0x401000");
	kpt_symbols_free(syms);
}
END_TEST

/*
 * Only @len bytes are read, each line on its own: the text need not end in a newline
 * or a NUL, and a line cut short keeps what it has.
 */
START_TEST(test_kallsyms_bounds)
{
	static const char text[] = "ffffffff81000000 T first\n"
				   "zz T not_an_address\n"
				   "ffffffff81000100 T\n"
				   "ffffffff81001000\tT\tsecond_cut_here";
	struct kpt_symbols *syms = kpt_symbols_alloc();

	ck_assert_ptr_nonnull(syms);
	ck_assert_int_eq(kpt_symbols_load_kallsyms(syms, text, strlen(text) - 8), 2);
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffff81000010), "first");
	ck_assert_str_eq(kpt_symbols_kernel(syms, 0xffffffff81001010), "second_");
	kpt_symbols_free(syms);
}
END_TEST

/* A host that names canned frames: address N is "fN" (user) or "kN" (kernel). */
static char frame_names[2][16][8];

static const char *canned_frame_name(const struct kpt_host *host, const struct kpt_stack *stack,
				     bool user, int i)
{
	if (i < 0 || i >= stack->nr)
		return NULL;
	return frame_names[user][stack->ips[i] % 16];
}

static const struct kpt_host canned_host = {
	.abi_major = KPT_ABI_MAJOR,
	.abi_minor = KPT_ABI_MINOR,
	.frame_name = canned_frame_name,
};

static void name_frames(void)
{
	int i;

	for (i = 0; i < 16; i++) {
		snprintf(frame_names[0][i], sizeof(frame_names[0][i]), "k%d", i);
		snprintf(frame_names[1][i], sizeof(frame_names[1][i]), "f%d", i);
	}
}

START_TEST(test_fold)
{
	/* innermost first, as the kernel gives them */
	static const uint64_t k1[] = { 3, 2, 1 }, k2[] = { 4, 2, 1 }, u1[] = { 9, 8, 7 };
	static const uint64_t k1_moved[] = { 3 + 16, 2 + 32, 1 };	/* same functions */
	static const char *const names[] = { "probe_a", "probe_b" };
	struct kpt_stack ks1 = { 3, 0, k1 }, ks2 = { 3, 0, k2 }, us1 = { 3, 42, u1 };
	struct kpt_stack ks1m = { 3, 0, k1_moved };
	struct kpt_event e1 = { .kstack = &ks1 }, e2 = { .kstack = &ks2 };
	struct kpt_event e3 = { .kstack = &ks1, .ustack = &us1 }, e1m = { .kstack = &ks1m };
	struct kpt_event none = { 0 };
	struct kpt_stacks *stacks;
	char *text;

	name_frames();
	stacks = kpt_stacks_alloc(&canned_host, false);
	ck_assert_ptr_nonnull(stacks);
	kpt_stacks_add(stacks, 0, &e1, 100);
	kpt_stacks_add(stacks, 0, &e1m, 100);	/* other addresses, same names: same group */
	kpt_stacks_add(stacks, 0, &e2, 1000);
	kpt_stacks_add(stacks, 0, &e3, 5);
	kpt_stacks_add(stacks, 0, &none, 7);

	/* by count, root first, user frames below kernel ones; ties by frames */
	text = folded_text(stacks, names, 1, false);
	ck_assert_str_eq(text,
			 "k1;k2;k3 2\n"
			 "[no stack] 1\n"
			 "f7;f8;f9;k1;k2;k3 1\n"
			 "k1;k2;k4 1\n");
	free(text);
	/* by summed nanoseconds, the largest first */
	text = folded_text(stacks, names, 1, true);
	ck_assert_str_eq(text,
			 "k1;k2;k4 1000\n"
			 "k1;k2;k3 200\n"
			 "[no stack] 7\n"
			 "f7;f8;f9;k1;k2;k3 5\n");
	free(text);

	/* more than one probe: each line's root is its probe */
	kpt_stacks_reset(stacks);
	kpt_stacks_add(stacks, 1, &e1, 10);
	kpt_stacks_add(stacks, 0, &e1, 10);
	kpt_stacks_add(stacks, 1, &e1, 10);
	text = folded_text(stacks, names, 2, false);
	ck_assert_str_eq(text,
			 "probe_b;k1;k2;k3 2\n"
			 "probe_a;k1;k2;k3 1\n");
	free(text);
	kpt_stacks_free(stacks);
}
END_TEST

START_TEST(test_format)
{
	static const uint64_t k[] = { 3, 2, 1 }, u[] = { 9, 8 };
	struct kpt_stack ks = { 3, 0, k }, us = { 2, 42, u };
	struct kpt_event ev = { .kstack = &ks, .ustack = &us }, none = { 0 };
	char buf[64], small[8];

	name_frames();
	ck_assert_int_eq(kpt_stacks_format(&canned_host, &ev, true, ";", buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "f8;f9;k1;k2;k3");
	ck_assert_int_eq(kpt_stacks_format(&canned_host, &ev, false, "\n  ", buf, sizeof(buf)),
			 22);
	ck_assert_str_eq(buf, "k3\n  k2\n  k1\n  f9\n  f8");
	/* too small: cut, NUL-terminated, and the length it needed */
	ck_assert_int_eq(kpt_stacks_format(&canned_host, &ev, true, ";", small, sizeof(small)),
			 14);
	ck_assert_str_eq(small, "f8;f9;k");
	ck_assert_int_eq(kpt_stacks_format(&canned_host, &none, true, ";", buf, sizeof(buf)), 10);
	ck_assert_str_eq(buf, KPT_NO_STACK);
}
END_TEST

/* An fprobe's stack as 6.12 writes it: the probe's own frames above the function. */
static const char *const fprobe_frames[] = {
	"fentry_trace_func", "fentry_dispatcher", "fprobe_handler", "ftrace_ops_list_func",
	"ftrace_regs_call", "do_sys_openat2", "__x64_sys_openat", "do_syscall_64",
};

static const char *fprobe_frame_name(const struct kpt_host *host, const struct kpt_stack *stack,
				     bool user, int i)
{
	(void)host;
	(void)user;
	return fprobe_frames[stack->ips[i]];
}

START_TEST(test_fprobe_frames_dropped)
{
	static const uint64_t k[] = { 0, 1, 2, 3, 4, 5, 6, 7 }, only[] = { 0, 4 };
	const struct kpt_host host = {
		.abi_major = KPT_ABI_MAJOR,
		.abi_minor = KPT_ABI_MINOR,
		.frame_name = fprobe_frame_name,
	};
	struct kpt_stack ks = { 8, 0, k }, ko = { 2, 0, only };
	struct kpt_event ev = { .kstack = &ks }, ev_only = { .kstack = &ko };
	char buf[128];

	kpt_stacks_format(&host, &ev, true, ";", buf, sizeof(buf));
	ck_assert_str_eq(buf, "do_syscall_64;__x64_sys_openat;do_sys_openat2");
	/* nothing but the probe's frames: no stack */
	kpt_stacks_format(&host, &ev_only, true, ";", buf, sizeof(buf));
	ck_assert_str_eq(buf, KPT_NO_STACK);
}
END_TEST

START_TEST(test_fold_hist)
{
	static const uint64_t k1[] = { 3, 2, 1 };
	struct kpt_stack ks1 = { 3, 0, k1 };
	struct kpt_event e1 = { .kstack = &ks1 };
	struct kpt_stacks *stacks = kpt_stacks_alloc(&canned_host, true);
	struct kpt_stack_group **sorted, *group;

	name_frames();
	ck_assert_ptr_nonnull(stacks);
	group = kpt_stacks_add(stacks, 0, &e1, 300);
	ck_assert_ptr_eq(kpt_stacks_add(stacks, 0, &e1, 100), group);
	ck_assert_int_eq(kpt_stacks_sorted(stacks, true, &sorted), 1);
	ck_assert_ptr_eq(sorted[0], group);
	ck_assert_uint_eq(group->count, 2);
	ck_assert_uint_eq(group->total_ns, 400);
	ck_assert_uint_eq(group->hist->count, 2);
	ck_assert_uint_eq(group->hist->min, 100);
	ck_assert_uint_eq(group->hist->max, 300);
	ck_assert_int_eq(group->nr, 3);
	ck_assert_str_eq(group->frames[0], "k1");
	ck_assert_str_eq(group->frames[2], "k3");
	free(sorted);
	kpt_stacks_free(stacks);
}
END_TEST

/* The engine joining stack records: canned formats and raw records. */

#define COMMON_FIELDS \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

#define ENTRY_ID	700
#define EXIT_ID		701
#define KSTACK_ID	4
#define USTACK_ID	13

static const char entry_format[] =
	"name: p_chain\nID: 700\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 __kpt_ra;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx)\", REC->__probe_ip\n";
static const char exit_format[] =
	"name: r_chain\nID: 701\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"(%lx)\", REC->__probe_func\n";
static const char kstack_format[] =
	"name: kernel_stack\nID: 4\nformat:\n" COMMON_FIELDS
	"\tfield:int size;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"size=%d\", REC->size\n";
static const char ustack_format[] =
	"name: user_stack\nID: 13\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned int tgid;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long caller[8];\toffset:16;\tsize:64;\tsigned:0;\n\n"
	"print fmt: \"tgid=%u\", REC->tgid\n";

struct raw {
	unsigned char data[160];
	int size;
};

static struct raw raw_event(int id, int tid, uint64_t ra)
{
	struct raw r = { { 0 } };
	uint16_t type = id;
	int32_t pid = tid;

	memcpy(r.data, &type, 2);
	memcpy(r.data + 4, &pid, 4);
	memcpy(r.data + 16, &ra, 8);
	r.size = 24;
	return r;
}

/* A kernel stack of @n frames (its record as long as they need), or a user stack of 8. */
static struct raw raw_stack(bool user, int tid, const uint64_t *ips, int n)
{
	struct raw r = raw_event(user ? USTACK_ID : KSTACK_ID, tid, 0);
	int32_t size = n;
	uint32_t tgid = tid;

	if (user)
		memcpy(r.data + 8, &tgid, 4);
	else
		memcpy(r.data + 8, &size, 4);
	memset(r.data + 16, 0, 64);
	memcpy(r.data + 16, ips, n * 8);
	r.size = 16 + (user ? 64 : n * 8);
	return r;
}

/* What the test analyser saw. */
struct seen {
	int nr_events, nr_spans;
	int span_tid[8];
	int span_knr[8], span_unr[8];
	uint64_t span_k0[8], span_u1[8];
	int event_knr[8];
	int event_role[8];
};

static struct seen seen;

static void *seen_create(const struct kpt_analyser_params *params, char *err, size_t size)
{
	memset(&seen, 0, sizeof(seen));
	return &seen;
}

static void seen_event(void *state, const struct kpt_event *ev)
{
	struct seen *s = state;

	if (s->nr_events < 8) {
		s->event_role[s->nr_events] = ev->role;
		s->event_knr[s->nr_events] = ev->kstack ? ev->kstack->nr : 0;
	}
	s->nr_events++;
}

static void seen_span(void *state, const struct kpt_span *span)
{
	struct seen *s = state;
	int i = s->nr_spans++;

	if (i >= 8)
		return;
	s->span_tid[i] = span->tid;
	s->span_knr[i] = span->entry->kstack ? span->entry->kstack->nr : 0;
	s->span_k0[i] = span->entry->kstack ? span->entry->kstack->ips[0] : 0;
	s->span_unr[i] = span->entry->ustack ? span->entry->ustack->nr : 0;
	s->span_u1[i] = span->entry->ustack && span->entry->ustack->nr > 1 ?
			span->entry->ustack->ips[1] : 0;
}

static int seen_report(void *state, const struct kpt_report_params *report)
{
	return 0;
}

static void seen_destroy(void *state)
{
}

static const struct kpt_analyser_desc seen_desc = {
	KPT_ANALYSER_ABI,
	.name = "seen",
	.flags = KPT_ANALYSER_EVENTS | KPT_ANALYSER_SPANS,
	.create = seen_create,
	.event = seen_event,
	.span = seen_span,
	.report = seen_report,
	.destroy = seen_destroy,
};

struct joined {
	struct tep_handle *tep;
	struct kpt_decoder *decoder;
	struct kpt_analysers *set;
	struct kpt_engine *engine;
};

static void joined_setup(struct joined *j, bool kernel, bool user)
{
	static const char *const names[] = { "chain" };
	struct kpt_run_params params = { 0 };
	struct tep_event *event;

	j->tep = tep_alloc();
	ck_assert_ptr_nonnull(j->tep);
	tep_set_file_bigendian(j->tep, tep_is_local_bigendian(j->tep));
	tep_set_long_size(j->tep, 8);
	ck_assert_int_eq(tep_parse_format(j->tep, &event, entry_format, strlen(entry_format),
					  "kpt"), 0);
	ck_assert_int_eq(tep_parse_format(j->tep, &event, exit_format, strlen(exit_format), "kpt"),
			 0);
	ck_assert_int_eq(tep_parse_format(j->tep, &event, kstack_format, strlen(kstack_format),
					  "ftrace"), 0);
	ck_assert_int_eq(tep_parse_format(j->tep, &event, ustack_format, strlen(ustack_format),
					  "ftrace"), 0);
	j->decoder = kpt_decoder_alloc(j->tep);
	ck_assert_int_eq(kpt_decoder_add(j->decoder, "kpt", "p_chain", 0, KPT_ROLE_ENTRY), 0);
	ck_assert_int_eq(kpt_decoder_add(j->decoder, "kpt", "r_chain", 0, KPT_ROLE_EXIT), 0);
	ck_assert_int_eq(kpt_decoder_add_stacks(j->decoder, "ftrace", kernel, user),
			 kernel + user);
	params.params.nr_probes = 1;
	params.params.probe_names = names;
	params.params.host = &canned_host;
	j->set = kpt_analysers_alloc();
	ck_assert_int_eq(kpt_analysers_add(j->set, &seen_desc, "test", 0, NULL, NULL, &params), 0);
	j->engine = kpt_engine_alloc(j->decoder, 1, 1, j->set);
	ck_assert_ptr_nonnull(j->engine);
	kpt_engine_stacks(j->engine, kernel, user);
}

static void feed(struct joined *j, struct raw *raw, uint64_t ts, int cpu)
{
	struct kpt_record rec = { .ts = ts, .data = raw->data, .size = raw->size, .cpu = cpu };

	kpt_engine_record(j->engine, &rec);
}

static void joined_teardown(struct joined *j)
{
	static const struct kpt_loss loss;

	ck_assert_int_eq(kpt_engine_report(j->engine, 0, true, 1.0, &loss), 0);
	kpt_engine_free(j->engine);
	kpt_analysers_free(j->set);
	kpt_decoder_free(j->decoder);
	tep_free(j->tep);
}

START_TEST(test_join_kernel)
{
	static const uint64_t a[] = { 0xa1, 0xa2 }, b[] = { 0xb1, 0xb2, 0xb3 }, c[] = { 0xc1 };
	struct raw e10 = raw_event(ENTRY_ID, 10, 0), x10 = raw_event(EXIT_ID, 10, 0);
	struct raw e20 = raw_event(ENTRY_ID, 20, 0), x20 = raw_event(EXIT_ID, 20, 0);
	struct raw e30 = raw_event(ENTRY_ID, 30, 0), x30 = raw_event(EXIT_ID, 30, 0);
	struct raw e40 = raw_event(ENTRY_ID, 40, 0), x40 = raw_event(EXIT_ID, 40, 0);
	struct raw sa = raw_stack(false, 10, a, 2), sb = raw_stack(false, 20, b, 3);
	struct raw sc = raw_stack(false, 30, c, 1);
	struct joined j;

	joined_setup(&j, true, false);
	/* two CPUs, each entry's stack after another CPU's records */
	feed(&j, &e10, 100, 0);
	feed(&j, &e20, 101, 1);
	feed(&j, &sa, 102, 0);
	feed(&j, &sb, 103, 1);
	feed(&j, &x10, 104, 0);
	feed(&j, &x20, 105, 1);
	/* a stack after an exit (the stacktrace option stacks every event): nobody's */
	feed(&j, &sc, 106, 1);
	/* a lost stack: the entry goes on at its CPU's next record, without one */
	feed(&j, &e30, 107, 0);
	feed(&j, &x30, 108, 0);
	/* a thread that moves before its stack came: its next record, elsewhere, frees it */
	feed(&j, &e40, 109, 0);
	feed(&j, &x40, 110, 1);
	ck_assert_int_eq(seen.nr_spans, 4);
	ck_assert_int_eq(seen.span_tid[0], 10);
	ck_assert_int_eq(seen.span_knr[0], 2);
	ck_assert_uint_eq(seen.span_k0[0], 0xa1);
	ck_assert_int_eq(seen.span_tid[1], 20);
	ck_assert_int_eq(seen.span_knr[1], 3);
	ck_assert_uint_eq(seen.span_k0[1], 0xb1);
	ck_assert_int_eq(seen.span_tid[2], 30);
	ck_assert_int_eq(seen.span_knr[2], 0);
	ck_assert_int_eq(seen.span_tid[3], 40);
	ck_assert_int_eq(seen.span_knr[3], 0);
	/* events: the stacks are never events; entries carry theirs */
	ck_assert_int_eq(seen.nr_events, 8);
	ck_assert_int_eq(seen.event_role[0], KPT_ROLE_ENTRY);
	ck_assert_int_eq(seen.event_knr[0], 2);
	ck_assert_int_eq(seen.event_role[1], KPT_ROLE_ENTRY);
	ck_assert_int_eq(seen.event_knr[1], 3);
	ck_assert_int_eq(seen.event_role[2], KPT_ROLE_EXIT);
	joined_teardown(&j);
}
END_TEST

START_TEST(test_join_user)
{
	/* at a function's first instruction: c, then a's return address (b's was skipped) */
	static const uint64_t walked[] = { 0x1c00, 0x1a10, 0x1e00 }, pushed[] = { 0x1c04, 0x1b10 };
	static const uint64_t kernel[] = { 0xffff1 };
	struct raw e1 = raw_event(ENTRY_ID, 10, 0x1b10), x1 = raw_event(EXIT_ID, 10, 0);
	struct raw e2 = raw_event(ENTRY_ID, 10, 0x1b10), x2 = raw_event(EXIT_ID, 10, 0);
	struct raw u1 = raw_stack(true, 10, walked, 3), u2 = raw_stack(true, 10, pushed, 2);
	struct raw k1 = raw_stack(false, 10, kernel, 1);
	struct joined j;

	joined_setup(&j, true, true);
	/* user stack first, then the kernel's: both join, in either order */
	feed(&j, &e1, 100, 0);
	feed(&j, &u1, 101, 0);
	feed(&j, &k1, 102, 0);
	feed(&j, &x1, 103, 0);
	/* the frame was pushed already: nothing to put back */
	feed(&j, &e2, 104, 1);
	feed(&j, &k1, 105, 1);
	feed(&j, &u2, 106, 1);
	feed(&j, &x2, 107, 1);
	ck_assert_int_eq(seen.nr_spans, 2);
	ck_assert_int_eq(seen.span_unr[0], 4);
	ck_assert_uint_eq(seen.span_u1[0], 0x1b10);
	ck_assert_int_eq(seen.span_knr[0], 1);
	ck_assert_int_eq(seen.span_unr[1], 2);
	ck_assert_uint_eq(seen.span_u1[1], 0x1b10);
	ck_assert_int_eq(seen.span_knr[1], 1);
	joined_teardown(&j);
}
END_TEST

Suite *stacks_suite(void)
{
	Suite *s = suite_create("stacks");
	TCase *tc = tcase_create("stacks");

	tcase_add_test(tc, test_kallsyms);
	tcase_add_test(tc, test_kallsyms_bounds);
	tcase_add_test(tc, test_fold);
	tcase_add_test(tc, test_fold_hist);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_fprobe_frames_dropped);
	tcase_add_test(tc, test_join_kernel);
	tcase_add_test(tc, test_join_user);
	suite_add_tcase(s, tc);
	return s;
}
