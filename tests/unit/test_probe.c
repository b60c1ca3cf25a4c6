// SPDX-License-Identifier: GPL-2.0-or-later
/* The probe-spec parser and event naming. */
#include <stdlib.h>
#include <string.h>

#include "session/kernel_features.h"
#include "probe/probe.h"
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
	ck_assert_int_eq(probe.type, KPT_PROBE_KERNEL);
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
	ck_assert_int_eq(probe.type, KPT_PROBE_USER);
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
	ck_assert_int_eq(probe.type, KPT_PROBE_TRACEPOINTS);
	ck_assert_str_eq(probe.entry.system, "syscalls");
	ck_assert_str_eq(probe.entry.event, "sys_enter_openat");
	ck_assert_str_eq(probe.exit.event, "sys_exit_openat");
	kpt_probe_release(&probe);

	parse_ok("tp:irq:softirq_entry,irq:softirq_exit");
	ck_assert_str_eq(probe.entry.system, "irq");
	ck_assert_str_eq(probe.entry.event, "softirq_entry");
	ck_assert_str_eq(probe.exit.system, "irq");
	ck_assert_str_eq(probe.exit.event, "softirq_exit");
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

	parse_ok("p:/bin/true:main");
	ck_assert_int_eq(probe.type, KPT_PROBE_USER);
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_errors_name_the_spec)
{
	parse_fails("", "empty");
	parse_fails("syscall:", "'syscall:'");
	parse_fails("syscall:open at", "tracepoints take no fetch-args");
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
	ck_assert_int_eq(probe.type, KPT_PROBE_KERNEL);
	ck_assert_str_eq(probe.symbol, "ext4:ext4_readdir");
	kpt_probe_release(&probe);
}
END_TEST

START_TEST(test_argn_rewritten_to_registers)
{
	char *out = kpt_features_rewrite_argn("dfd=$arg1 name=+0($arg2):string n=$arg6", &errmsg);

	ck_assert_str_eq(out, "dfd=%di name=+0(%si):string n=%r9");
	free(out);
	ck_assert_ptr_null(kpt_features_rewrite_argn("x=$arg7", &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, "$arg1 to $arg6"));
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
	suite_add_tcase(suite, tc);
	return suite;
}
