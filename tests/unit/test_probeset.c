// SPDX-License-Identifier: GPL-2.0-or-later
/* Probe sets (kptrace-events(5)): the parser, its errors, the variant choice and the search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/probeset.h"
#include "suites.h"

static struct kpt_probeset *parse(const char *text, char **errmsg)
{
	return kpt_probeset_parse("t", "t.events", text, errmsg);
}

/* Parsing @text fails with exactly @expect. */
static void parse_fails(const char *text, const char *expect)
{
	char *errmsg = NULL;
	struct kpt_probeset *set = parse(text, &errmsg);

	ck_assert_ptr_null(set);
	ck_assert_ptr_nonnull(errmsg);
	ck_assert_str_eq(errmsg, expect);
	free(errmsg);
}

START_TEST(test_good_file)
{
	static const char text[] =
		"# a comment\n"
		"description  Reads and writes  \n"
		"\n"
		"variant arch=x86_64,arm   # trailing comment\n"
		"requires function vfs_read\n"
		"requires tracepoint syscalls:sys_enter_read\n"
		"requires readme $arg<N>\n"
		"probe vfs_read count=%dx:u64\n"
		"\tprobe syscall:write\n"
		"variant\n"
		"probe tp:sched:sched_waking,sched:sched_switch\n";
	char *errmsg = NULL;
	struct kpt_probeset *set = parse(text, &errmsg);
	const struct kpt_probeset_variant *v;

	ck_assert_msg(set, "rejected: %s", errmsg ? errmsg : "out of memory");
	ck_assert_str_eq(set->name, "t");
	ck_assert_str_eq(set->description, "Reads and writes");
	ck_assert_int_eq(set->nr_variants, 2);
	v = &set->variants[0];
	ck_assert_int_eq(v->line, 4);
	ck_assert_int_eq(v->nr_arches, 2);
	ck_assert_str_eq(v->arches[0], "x86_64");
	ck_assert_str_eq(v->arches[1], "arm");
	ck_assert_int_eq(v->nr_requires, 3);
	ck_assert_int_eq(v->requires[0].kind, KPT_REQUIRE_FUNCTION);
	ck_assert_str_eq(v->requires[0].what, "vfs_read");
	ck_assert_int_eq(v->requires[1].kind, KPT_REQUIRE_TRACEPOINT);
	ck_assert_str_eq(v->requires[1].what, "syscalls:sys_enter_read");
	ck_assert_int_eq(v->requires[2].kind, KPT_REQUIRE_README);
	ck_assert_str_eq(v->requires[2].what, "$arg<N>");
	ck_assert_int_eq(v->nr_probes, 2);
	ck_assert_str_eq(v->probes[0], "vfs_read count=%dx:u64");
	ck_assert_str_eq(v->probes[1], "syscall:write");
	v = &set->variants[1];
	ck_assert_int_eq(v->line, 10);
	ck_assert_int_eq(v->nr_arches, 0);
	ck_assert_int_eq(v->nr_requires, 0);
	ck_assert_int_eq(v->nr_probes, 1);
	kpt_probeset_free(set);
}
END_TEST

START_TEST(test_implicit_variant)
{
	char *errmsg = NULL;
	struct kpt_probeset *set = parse("\nprobe syscall:read\nprobe syscall:write\n", &errmsg);

	ck_assert_ptr_nonnull(set);
	ck_assert_ptr_null(set->description);
	ck_assert_int_eq(set->nr_variants, 1);
	ck_assert_int_eq(set->variants[0].line, 2);
	ck_assert_int_eq(set->variants[0].nr_probes, 2);
	kpt_probeset_free(set);
	kpt_probeset_free(NULL);
}
END_TEST

START_TEST(test_errors)
{
	parse_fails("", "t.events: no probes (a set needs at least one 'probe' line)");
	parse_fails("# only a comment\ndescription x\n",
		    "t.events: no probes (a set needs at least one 'probe' line)");
	parse_fails("probe syscall:read\nprobes syscall:write\n",
		    "t.events:2: unknown keyword 'probes' (expected description, variant, requires or probe)");
	parse_fails("description a\ndescription b\nprobe syscall:read\n",
		    "t.events:2: a second 'description'");
	parse_fails("description\n", "t.events:1: 'description' with no text");
	parse_fails("variant arch=x86_64\nprobe syscall:read\nvariant arch=sparc\n",
		    "t.events:3: unknown architecture 'sparc' (known: x86_64, aarch64, arm)");
	parse_fails("variant arch=\n", "t.events:1: 'arch=' names no architecture");
	parse_fails("variant arch=arm arch=x86_64\n",
		    "t.events:1: 'arch=' given twice (list the architectures in one, with commas)");
	parse_fails("variant kernel=6.1\n",
		    "t.events:1: unknown variant condition 'kernel=6.1' (expected arch=ARCH[,ARCH])");
	parse_fails("requires btf\n",
		    "t.events:1: unknown requirement 'btf' (expected function, tracepoint or readme)");
	parse_fails("requires function\n", "t.events:1: 'requires function' names nothing");
	parse_fails("requires function a b\n",
		    "t.events:1: 'requires function' takes one name, not 'a b'");
	parse_fails("requires tracepoint sched_switch\n",
		    "t.events:1: 'requires tracepoint sched_switch': write SYSTEM:EVENT");
	parse_fails("probe syscall:read\nrequires function x\n",
		    "t.events:2: 'requires' after the variant's probes (put it above them)");
	parse_fails("probe\n", "t.events:1: 'probe' with no specification");
	parse_fails("probe @vfs\n", "t.events:1: '@vfs': a set cannot name another set");
	parse_fails("variant\nprobe syscall:read\nvariant arch=arm\n\n",
		    "t.events:3: variant with no 'probe' line");
	parse_fails("probe syscall:read\n\nprobe vfs-read\n",
		    "t.events:3: probe 'vfs-read': 'vfs-read' is not a symbol name");
}
END_TEST

START_TEST(test_arch_names)
{
	ck_assert(kpt_probeset_arch_matches("x86_64", "x86_64"));
	ck_assert(!kpt_probeset_arch_matches("x86_64", "aarch64"));
	ck_assert(kpt_probeset_arch_matches("aarch64", "aarch64"));
	ck_assert(kpt_probeset_arch_matches("arm", "armv7l"));
	ck_assert(kpt_probeset_arch_matches("arm", "armv6l"));
	ck_assert(!kpt_probeset_arch_matches("arm", "aarch64"));
}
END_TEST

/* A made-up kernel: it has every function but "gone", and a README with "$arg<N>" or not. */
static bool fake_has(const struct kpt_require *req, void *data)
{
	const bool *args = data;

	if (req->kind == KPT_REQUIRE_README)
		return *args && strcmp(req->what, "$arg<N>") == 0;
	return strcmp(req->what, "gone") != 0;
}

START_TEST(test_choose)
{
	static const char text[] =
		"variant\n"
		"requires readme $arg<N>\n"
		"probe vfs_read n=$arg3\n"
		"variant arch=aarch64\n"
		"requires function vfs_read\n"
		"probe vfs_read n=%x2\n"
		"variant arch=x86_64\n"
		"requires function gone\n"
		"probe gone\n";
	bool args = true;
	struct kpt_kernel_probe kernel = { .arch = "aarch64", .has = fake_has, .data = &args };
	char *errmsg = NULL;
	struct kpt_probeset *set = parse(text, &errmsg);
	const struct kpt_probeset_variant *v;

	ck_assert_ptr_nonnull(set);
	v = kpt_probeset_choose(set, &kernel, &errmsg);
	ck_assert_ptr_eq(v, &set->variants[0]);
	args = false;
	v = kpt_probeset_choose(set, &kernel, &errmsg);
	ck_assert_ptr_eq(v, &set->variants[1]);
	kernel.arch = "x86_64";
	v = kpt_probeset_choose(set, &kernel, &errmsg);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(errmsg, "probe set '@t' (t.events) has no variant for this kernel: "
			 "line 1: this kernel lacks readme '$arg<N>'; line 4: not for x86_64; "
			 "line 7: this kernel lacks function 'gone'");
	free(errmsg);
	kpt_probeset_free(set);
}
END_TEST

/* Every set shipped in events/ parses, and each has a description. */
START_TEST(test_shipped_sets)
{
	static const char *const names[] = { "block", "mem", "net", "sched", "syscalls", "vfs" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[4096], *errmsg = NULL;
		struct kpt_probeset *set;

		snprintf(path, sizeof(path), "%s/events/%s.events", KPT_TEST_SRCDIR, names[i]);
		set = kpt_probeset_read(names[i], path, &errmsg);
		ck_assert_msg(set, "%s: %s", path, errmsg ? errmsg : "out of memory");
		ck_assert_ptr_nonnull(set->description);
		kpt_probeset_free(set);
	}
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The user's directory goes before the system one; names are checked. */
START_TEST(test_search)
{
	char dir[] = "/tmp/kpt_probeset_XXXXXX", sys[512], xdg[512], user[600], path[700];
	char *errmsg = NULL, *udir;
	struct kpt_probeset *set;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sys, sizeof(sys), "%s/sys", dir);
	snprintf(xdg, sizeof(xdg), "%s/xdg", dir);
	snprintf(user, sizeof(user), "%s/kptrace", xdg);
	ck_assert_int_eq(mkdir(sys, 0700), 0);
	ck_assert_int_eq(mkdir(xdg, 0700), 0);
	ck_assert_int_eq(mkdir(user, 0700), 0);
	strcat(user, "/events");
	ck_assert_int_eq(mkdir(user, 0700), 0);
	setenv("KPTRACE_EVENTS_DIR", sys, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	udir = kpt_probeset_user_dir();
	ck_assert_str_eq(udir, user);
	free(udir);
	ck_assert_str_eq(kpt_probeset_system_dir(), sys);

	snprintf(path, sizeof(path), "%s/a.events", sys);
	write_file(path, "description system\nprobe syscall:read\n");
	set = kpt_probeset_load("a", &errmsg);
	ck_assert_ptr_nonnull(set);
	ck_assert_str_eq(set->description, "system");
	ck_assert_str_eq(set->path, path);
	kpt_probeset_free(set);

	snprintf(path, sizeof(path), "%s/a.events", user);
	write_file(path, "description user\nprobe syscall:write\n");
	set = kpt_probeset_load("a", &errmsg);
	ck_assert_ptr_nonnull(set);
	ck_assert_str_eq(set->description, "user");
	kpt_probeset_free(set);
	unlink(path);

	set = kpt_probeset_load("b", &errmsg);
	ck_assert_ptr_null(set);
	ck_assert_ptr_nonnull(strstr(errmsg, "no probe set '@b': no b.events in "));
	ck_assert_ptr_nonnull(strstr(errmsg, user));
	ck_assert_ptr_nonnull(strstr(errmsg, sys));
	free(errmsg);
	set = kpt_probeset_load("../x", &errmsg);
	ck_assert_ptr_null(set);
	ck_assert_str_eq(errmsg,
			 "'@../x': a probe set's name has only letters, digits, '_' and '-'");
	free(errmsg);

	snprintf(path, sizeof(path), "%s/a.events", sys);
	unlink(path);
	rmdir(user);
	snprintf(path, sizeof(path), "%s/kptrace", xdg);
	rmdir(path);
	rmdir(xdg);
	rmdir(sys);
	rmdir(dir);
	unsetenv("KPTRACE_EVENTS_DIR");
	unsetenv("XDG_CONFIG_HOME");
}
END_TEST

/* For a recorded file: every variant's probes, each once, flagged as a set's; others as given. */
START_TEST(test_expand_recorded)
{
	char dir[] = "/tmp/kpt_probeset_XXXXXX", path[600], *errmsg = NULL, **out;
	char *specs[] = { "syscall:getppid", "@two", "tp:a:b,a:c" };
	bool *from_set;
	int nr;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("KPTRACE_EVENTS_DIR", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	snprintf(path, sizeof(path), "%s/two.events", dir);
	write_file(path, "variant arch=x86_64\nprobe vfs_read count=%dx\n"
			 "probe tp:sched:sched_wakeup,sched:sched_switch key=pid:next_pid\n"
			 "variant arch=aarch64\nprobe vfs_read count=%x2\n"
			 "probe tp:sched:sched_wakeup,sched:sched_switch key=pid:next_pid\n"
			 "variant\nprobe syscall:getppid\n");
	ck_assert_int_eq(kpt_probeset_expand_recorded(specs, 3, &out, &from_set, &nr, &errmsg), 0);
	ck_assert_int_eq(nr, 5);
	ck_assert_str_eq(out[0], "syscall:getppid");
	ck_assert(!from_set[0]);
	ck_assert_str_eq(out[1], "vfs_read count=%dx");
	ck_assert(from_set[1]);
	ck_assert_str_eq(out[2], "tp:sched:sched_wakeup,sched:sched_switch key=pid:next_pid");
	ck_assert(from_set[2]);
	ck_assert_str_eq(out[3], "vfs_read count=%x2");
	ck_assert(from_set[3]);
	ck_assert_str_eq(out[4], "tp:a:b,a:c");
	ck_assert(!from_set[4]);
	kpt_probeset_specs_free(out, nr);
	free(from_set);

	specs[1] = "@none";
	ck_assert_int_eq(kpt_probeset_expand_recorded(specs, 3, &out, &from_set, &nr, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "no probe set '@none'"));
	ck_assert_ptr_null(out);
	ck_assert_ptr_null(from_set);
	free(errmsg);
	unlink(path);
	rmdir(dir);
	unsetenv("KPTRACE_EVENTS_DIR");
	unsetenv("XDG_CONFIG_HOME");
}
END_TEST

Suite *probeset_suite(void)
{
	Suite *suite = suite_create("probeset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_implicit_variant);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_arch_names);
	tcase_add_test(tc, test_choose);
	tcase_add_test(tc, test_shipped_sets);
	tcase_add_test(tc, test_search);
	tcase_add_test(tc, test_expand_recorded);
	suite_add_tcase(suite, tc);
	return suite;
}
