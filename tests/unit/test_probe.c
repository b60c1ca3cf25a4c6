// SPDX-License-Identifier: GPL-2.0-or-later
/* The probe-spec parser and event naming. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "session/kernel_features.h"
#include "probe/types.h"
#include "suites.h"

static struct kpt_probe probe;
static char *errmsg;

static void parse_ok(const char *spec)
{
	int ret = kpt_probe_parse(spec, &probe, &errmsg);

	ck_assert_msg(ret == 0, "'%s' rejected: %s", spec, errmsg ? errmsg : "");
}

static void parse_fails(const char *spec, const char *words)
{
	ck_assert_int_eq(kpt_probe_parse(spec, &probe, &errmsg), -1);
	ck_assert_ptr_nonnull(errmsg);
	ck_assert_msg(strstr(errmsg, words), "'%s': message '%s' lacks '%s'", spec, errmsg, words);
	free(errmsg);
	errmsg = NULL;
	kpt_probe_release(&probe);
}

START_TEST(test_kernel_function)
{
	parse_ok("vfs_read");
	ck_assert_ptr_eq(probe.type, &kpt_probe_kprobe);
	ck_assert_str_eq(probe.name, "vfs_read");
	ck_assert_str_eq(probe.symbol, "vfs_read");
	ck_assert_ptr_null(probe.entry.fetchargs);
	ck_assert_str_eq(probe.exit.fetchargs, "ret=$retval");
	kpt_probe_release(&probe);

	parse_ok("do_sys_openat2 dfd=%di name=+0(%si):string");
	ck_assert_str_eq(probe.name, "do_sys_openat2");
	ck_assert_str_eq(probe.entry.fetchargs, "dfd=%di name=+0(%si):string");
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_user_function)
{
	parse_ok("/usr/bin/bash:readline");
	ck_assert_ptr_eq(probe.type, &kpt_probe_uprobe);
	ck_assert_str_eq(probe.object, "/usr/bin/bash");
	ck_assert_str_eq(probe.symbol, "readline");
	kpt_probe_release(&probe);

	parse_ok("c:malloc size=%di");
	ck_assert_str_eq(probe.object, "c");
	ck_assert_str_eq(probe.symbol, "malloc");
	ck_assert_str_eq(probe.entry.fetchargs, "size=%di");
	kpt_probe_release(&probe);

	parse_ok("/opt/app:0x1490");
	ck_assert_ptr_null(probe.symbol);
	ck_assert_uint_eq(probe.offset, 0x1490);
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_tracepoints)
{
	parse_ok("syscall:openat");
	ck_assert_ptr_eq(probe.type, &kpt_probe_syscall);
	ck_assert_str_eq(probe.entry.system, "syscalls");
	ck_assert_str_eq(probe.entry.event, "sys_enter_openat");
	ck_assert_str_eq(probe.exit.event, "sys_exit_openat");
	kpt_probe_release(&probe);

	parse_ok("tp:irq:softirq_entry,irq:softirq_exit");
	ck_assert_ptr_eq(probe.type, &kpt_probe_tracepoint);
	ck_assert_str_eq(probe.entry.system, "irq");
	ck_assert_str_eq(probe.entry.event, "softirq_entry");
	ck_assert_str_eq(probe.exit.system, "irq");
	ck_assert_str_eq(probe.exit.event, "softirq_exit");
	kpt_probe_release(&probe);

	/* fetch-args: an event probe on the entry tracepoint, named when the probe is */
	parse_ok("syscall:openat path=+0($filename):ustring");
	ck_assert_str_eq(probe.entry.fetchargs, "path=+0($filename):ustring");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_7", 2), 0);
	ck_assert_str_eq(probe.symbol, "kptrace_7/e2_sys_enter_openat");
	ck_assert_str_eq(probe.entry.event, "sys_enter_openat");
	kpt_probe_release(&probe);
	parse_ok("syscall:read");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_7", 0), 0);
	ck_assert_ptr_null(probe.symbol);
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_raw_pairs_up)
{
	struct kpt_probe ret;

	parse_ok("p:do_sys_openat2 dfd=%di");
	ck_assert_int_eq(kpt_probe_parse("r8:do_sys_openat2 $retval", &ret, &errmsg), 0);
	ck_assert_int_eq(ret.maxactive, 8);
	ck_assert_int_eq(kpt_probe_merge_raw(&probe, &ret), 1);
	ck_assert_str_eq(probe.entry.fetchargs, "dfd=%di");
	ck_assert_str_eq(probe.exit.fetchargs, "$retval");
	ck_assert_int_eq(probe.maxactive, 8);
	kpt_probe_release(&ret);

	/* A different target does not pair. */
	ck_assert_int_eq(kpt_probe_parse("r:vfs_read", &ret, &errmsg), 0);
	ck_assert_int_eq(kpt_probe_merge_raw(&probe, &ret), 0);
	kpt_probe_release(&ret);
	kpt_probe_release(&probe);

	/* A raw target with a '/' is a user probe: uprobes are made for it. */
	parse_ok("p:/bin/true:main");
	ck_assert_ptr_eq(probe.type, &kpt_probe_raw);
	ck_assert_str_eq(probe.object, "/bin/true");
	ck_assert_str_eq(probe.symbol, "main");
	ck_assert(kpt_probe_pmu_countable(&probe));
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_errors_name_the_spec)
{
	parse_fails("", "empty");
	parse_fails("syscall:", "'syscall:'");
	parse_fails("tp:irq:softirq_entry", "tp:SYSTEM:ENTRY,SYSTEM:EXIT");
	parse_fails("tp:irq,irq:softirq_exit", "SYSTEM:EVENT");
	parse_fails("r0:vfs_read", "maxactive");
	parse_fails("r4:/bin/true:main", "kretprobes only");
	parse_fails("/bin/true:0xZZ", "hex");
	parse_fails("vfs-read", "not a symbol");
	parse_fails(":main", "OBJECT:SYMBOL");
}
END_TEST

START_TEST(test_event_names_are_valid)
{
	static const char long_sym[] =
		"a_function_name_that_is_far_longer_than_the_kernel_accepts_for_event_names_x";

	parse_ok("ext4_readdir.isra.0");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_42", 3), 0);
	ck_assert_str_eq(probe.entry.system, "kptrace_42");
	ck_assert_str_eq(probe.entry.event, "p3_ext4_readdir_isra_0");
	ck_assert_str_eq(probe.exit.event, "r3_ext4_readdir_isra_0");
	kpt_probe_release(&probe);

	parse_ok(long_sym);
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_42", 12), 0);
	ck_assert_uint_eq(strlen(probe.entry.event), KPT_EVENT_NAME_MAX);
	ck_assert(strncmp(probe.entry.event, "p12_a_function", 14) == 0);
	kpt_probe_release(&probe);

	parse_ok("vfs_read+0x10");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "g", 0), 0);
	ck_assert_str_eq(probe.entry.event, "p0_vfs_read_0x10");
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_return_probe_at_function_entry)
{
	char *target;

	/* The kernel refuses a kretprobe away from the entry: only the entry probe moves. */
	parse_ok("vfs_read+0x10");
	target = kpt_probe_dynevent_target(&probe, false);
	ck_assert_str_eq(target, "vfs_read+0x10");
	free(target);
	target = kpt_probe_dynevent_target(&probe, true);
	ck_assert_str_eq(target, "vfs_read");
	free(target);
	kpt_probe_release(&probe);

	/* Raw kernel targets may name a module. */
	parse_ok("p:ext4:ext4_readdir");
	ck_assert_ptr_eq(probe.type, &kpt_probe_raw);
	ck_assert_ptr_null(probe.object);
	ck_assert_str_eq(probe.symbol, "ext4:ext4_readdir");
	kpt_probe_release(&probe);
}
END_TEST

/* The argument registers of the machine the tests run on, as fetch-args name them. */
#if defined(__x86_64__)
#define ARGN_WANT	"dfd=%di name=+0(%si):string n=%cx"
#define ARGN_PAST	"x=$arg7"
#define ARGN_LIMIT	"$arg1 to $arg6"
#elif defined(__aarch64__)
#define ARGN_WANT	"dfd=%x0 name=+0(%x1):string n=%x3"
#define ARGN_PAST	"x=$arg9"
#define ARGN_LIMIT	"$arg1 to $arg8"
#else
#define ARGN_WANT	"dfd=%r0 name=+0(%r1):string n=%r3"
#define ARGN_PAST	"x=$arg5"
#define ARGN_LIMIT	"$arg1 to $arg4"
#endif

/* Every type has its usage line, and kpt_probe_usage() prints each once, in table order. */
START_TEST(test_table_usage)
{
	const struct kpt_probe_type *type;
	char *text = NULL, *at;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	int i;

	ck_assert_ptr_nonnull(out);
	kpt_probe_usage(out, "before\n", "after\n");
	fclose(out);
	ck_assert(strncmp(text, "before\n", 7) == 0);
	at = text + 7;
	for (i = 0; (type = kpt_probe_type_get(i)); i++) {
		ck_assert_msg(type->usage && strncmp(type->usage, "  ", 2) == 0 &&
			      type->usage[strlen(type->usage) - 1] == '\n',
			      "type %s: usage '%s'", type->name, type->usage);
		ck_assert_msg(strncmp(at, type->usage, strlen(type->usage)) == 0,
			      "type %s's usage is not where expected in '%s'", type->name, text);
		at += strlen(type->usage);
		ck_assert_ptr_nonnull(type->match);
		ck_assert_ptr_nonnull(type->parse);
		ck_assert_ptr_nonnull(type->create);
	}
	ck_assert_int_eq(i, 6);
	/* After the types, the probe sets' form, which no type parses. */
	ck_assert_str_eq(at, "  @NAME                    the probes of set NAME (kptrace-events(5))\n"
			 "after\n");
	ck_assert_ptr_nonnull(strstr(text, "  SYMBOL [ARGS]            kernel function"));
	ck_assert_ptr_nonnull(strstr(text, "  OBJECT:0xOFFSET [ARGS]   user code"));
	ck_assert_ptr_nonnull(strstr(text, "  syscall:NAME  "));
	ck_assert_ptr_nonnull(strstr(text, "  tp:SYS:ENTRY,SYS:EXIT  "));
	ck_assert_ptr_nonnull(strstr(text, "  p:TARGET ARGS, rN:TARGET ARGS  "));
	ck_assert_ptr_nonnull(strstr(text, "  f:FUNC[%return] [ARGS]   the kernel's fprobe"));
	free(text);
}
END_TEST

/* A spec of each form goes to its type, whatever the order of the table's rows. */
START_TEST(test_table_dispatch)
{
	static const struct {
		const char *spec;
		const struct kpt_probe_type *type;
	} cases[] = {
		{ "vfs_read", &kpt_probe_kprobe },
		{ "vfs_read+0x10 x=%di", &kpt_probe_kprobe },
		{ "c:malloc size=%di", &kpt_probe_uprobe },
		{ "/opt/app:0x1490", &kpt_probe_uprobe },
		{ "syscall:openat", &kpt_probe_syscall },
		{ "tp:irq:softirq_entry,irq:softirq_exit", &kpt_probe_tracepoint },
		{ "p:vfs_read", &kpt_probe_raw },
		{ "r:vfs_read $retval", &kpt_probe_raw },
		{ "r16:vfs_read", &kpt_probe_raw },
		{ "p:/bin/true:main", &kpt_probe_raw },
		{ "f:vfs_read count", &kpt_probe_fprobe },
		{ "f:vfs_read%return $retval", &kpt_probe_fprobe },
		/* Not raw forms: a user object named "p" or "r8x" */
		{ "px:main", &kpt_probe_uprobe },
		{ "r8x:main", &kpt_probe_uprobe },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(kpt_probe_type_of(cases[i].spec) == cases[i].type,
			      "'%s' went to %s, not %s", cases[i].spec,
			      kpt_probe_type_of(cases[i].spec) ?
			      kpt_probe_type_of(cases[i].spec)->name : "none", cases[i].type->name);
		parse_ok(cases[i].spec);
		ck_assert_ptr_eq(probe.type, cases[i].type);
		kpt_probe_release(&probe);
	}
	ck_assert_ptr_null(kpt_probe_type_of(""));
}
END_TEST

/* The reaper removes every kind of dynamic event a type makes, and no other kind. */
START_TEST(test_table_reaper_kinds)
{
	ck_assert_uint_eq(kpt_probe_dynevent_types(),
			  TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
			  TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE |
			  TRACEFS_DYNEVENT_EPROBE);
	ck_assert_uint_eq(kpt_probe_kprobe.dynevents,
			  TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE);
	ck_assert_uint_eq(kpt_probe_uprobe.dynevents,
			  TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE);
	/* the event probes of syscall pairs with fetch-args */
	ck_assert_uint_eq(kpt_probe_syscall.dynevents, TRACEFS_DYNEVENT_EPROBE);
	ck_assert_uint_eq(kpt_probe_tracepoint.dynevents, 0);
	ck_assert_uint_eq(kpt_probe_raw.dynevents,
			  kpt_probe_kprobe.dynevents | kpt_probe_uprobe.dynevents);
	/* libtracefs cannot list fprobes: the reaper reads dynamic_events for them */
	ck_assert_uint_eq(kpt_probe_fprobe.dynevents, 0);
}
END_TEST

/* Only user probes without asked-for fetch-args are counted by the uprobe PMU. */
START_TEST(test_table_pmu_countable)
{
	static const struct {
		const char *spec;
		bool countable;
	} cases[] = {
		{ "/bin/true:main", true },		/* its exit's $retval is kptrace's own */
		{ "/bin/true:main x=%di", false },
		{ "p:/bin/true:main", true },
		{ "r:/bin/true:main $retval", false },
		{ "vfs_read", false },
		{ "p:vfs_read", false },
		{ "syscall:read", false },
		{ "tp:irq:softirq_entry,irq:softirq_exit", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].spec);
		ck_assert_msg(kpt_probe_pmu_countable(&probe) == cases[i].countable, "'%s'",
			      cases[i].spec);
		kpt_probe_release(&probe);
	}
}
END_TEST

/* Raw probes are made as the kprobe or uprobe their target names. */
START_TEST(test_raw_made_as_its_target)
{
	char *target;

	parse_ok("r:vfs_read+0x10 $retval");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_7", 2), 0);
	ck_assert_str_eq(probe.entry.event, "p2_vfs_read_0x10");
	target = kpt_probe_dynevent_target(&probe, true);
	ck_assert_str_eq(target, "vfs_read");
	free(target);
	kpt_probe_release(&probe);

	parse_ok("syscall:read");
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_7", 2), 0);
	ck_assert_str_eq(probe.entry.system, "syscalls");
	ck_assert_str_eq(probe.entry.event, "sys_enter_read");
	ck_assert_ptr_null(kpt_probe_dynevent_target(&probe, false));
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_argn_rewritten_to_registers)
{
	char *out = kpt_features_rewrite_argn("dfd=$arg1 name=+0($arg2):string n=$arg4", &errmsg);

	ck_assert_str_eq(out, ARGN_WANT);
	free(out);
	ck_assert_ptr_null(kpt_features_rewrite_argn(ARGN_PAST, &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, ARGN_LIMIT));
	free(errmsg);
	errmsg = NULL;
}
END_TEST

Suite *probe_suite(void)
{
	Suite *suite = suite_create("probe");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, test_kernel_function);
	tcase_add_test(tc, test_user_function);
	tcase_add_test(tc, test_tracepoints);
	tcase_add_test(tc, test_raw_pairs_up);
	tcase_add_test(tc, test_errors_name_the_spec);
	tcase_add_test(tc, test_event_names_are_valid);
	tcase_add_test(tc, test_return_probe_at_function_entry);
	tcase_add_test(tc, test_argn_rewritten_to_registers);
	tcase_add_test(tc, test_table_usage);
	tcase_add_test(tc, test_table_dispatch);
	tcase_add_test(tc, test_table_reaper_kinds);
	tcase_add_test(tc, test_table_pmu_countable);
	tcase_add_test(tc, test_raw_made_as_its_target);
	suite_add_tcase(suite, tc);
	return suite;
}
