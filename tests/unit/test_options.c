// SPDX-License-Identifier: GPL-2.0-or-later
/* The live commands' command line, parsed without running anything. */
#include <string.h>

#include "cmd/options.h"
#include "suites.h"

static struct kpt_trace_opts opts;

static int parse(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return kpt_trace_opts_parse(argc, argv, &opts);
}

START_TEST(test_full_command_line)
{
	char *argv[] = { "latency", "-d", "1.5", "--buffer-size", "8M", "syscall:read", "--json",
			 "-i", "250ms", "--filter", "common_pid != 1", "vfs_read", "--",
			 "sleep", "-d", NULL };

	ck_assert_int_eq(parse(argv), 0);
	ck_assert_int_eq(opts.nr_probes, 2);
	ck_assert_str_eq(opts.probes[0], "syscall:read");
	ck_assert_str_eq(opts.probes[1], "vfs_read");
	ck_assert(opts.duration == 1.5);
	ck_assert(opts.interval == 0.25);
	ck_assert_uint_eq(opts.buffer_kb, 8192);
	ck_assert(opts.json);
	ck_assert_str_eq(opts.filter, "common_pid != 1");
	ck_assert_str_eq(opts.command[0], "sleep");
	ck_assert_str_eq(opts.command[1], "-d");	/* CMD's options stay CMD's */
	ck_assert_ptr_null(opts.command[2]);
	kpt_trace_opts_free(&opts);
}
END_TEST

START_TEST(test_max_probes)
{
	char *given[] = { "latency", "--max-probes", "200", "vfs_*", NULL };
	char *none[] = { "latency", "vfs_*", NULL };
	char *zero[] = { "latency", "--max-probes", "0", "vfs_*", NULL };
	char *big[] = { "latency", "--max-probes", "10001", "vfs_*", NULL };
	char *word[] = { "latency", "--max-probes", "64k", "vfs_*", NULL };

	ck_assert_int_eq(parse(given), 0);
	ck_assert_int_eq(opts.max_probes, 200);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(none), 0);
	ck_assert_int_eq(opts.max_probes, 0);	/* the glob's default, 64 */
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(zero), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(big), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(word), -1);
	kpt_trace_opts_free(&opts);
}
END_TEST

/* --kprobes: kernel functions by kprobes even where fprobes exist; off by default. */
START_TEST(test_kprobes_option)
{
	char *given[] = { "latency", "--kprobes", "vfs_read", NULL };
	char *none[] = { "latency", "vfs_read", NULL };

	ck_assert_int_eq(parse(given), 0);
	ck_assert(opts.kprobes);
	ck_assert_int_eq(opts.nr_probes, 1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(none), 0);
	ck_assert(!opts.kprobes);
	kpt_trace_opts_free(&opts);
}
END_TEST

START_TEST(test_bad_values_rejected)
{
	char *no_probe[] = { "latency", "-d", "1", NULL };
	char *bad_pid[] = { "latency", "-p", "12x", "vfs_read", NULL };
	char *bad_duration[] = { "latency", "-d", "-3", "vfs_read", NULL };
	char *bad_size[] = { "latency", "--buffer-size", "lots", "vfs_read", NULL };
	char *both[] = { "latency", "-p", "1", "vfs_read", "--", "true", NULL };
	char *empty_cmd[] = { "latency", "vfs_read", "--", NULL };
	char *unknown[] = { "latency", "--frobnicate", "vfs_read", NULL };

	ck_assert_int_eq(parse(no_probe), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_pid), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_duration), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_size), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(both), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(empty_cmd), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(unknown), -1);
	kpt_trace_opts_free(&opts);
}
END_TEST

/* record's -o FILE, taken out before the shared options are parsed. */
START_TEST(test_take_value)
{
	char *forms[][8] = {
		{ "record", "-o", "a.dat", "vfs_read", NULL },
		{ "record", "-oa.dat", "vfs_read", NULL },
		{ "record", "vfs_read", "--output", "a.dat", NULL },
		{ "record", "--output=a.dat", "vfs_read", NULL },
	};
	char *filter[] = { "record", "--filter", "-o", "-o", "a.dat", "vfs_read", "--", "cmd",
			   "-o", "x", NULL };
	char *missing[] = { "record", "vfs_read", "-o", "--", "cmd", NULL };
	const char *value;
	size_t i;
	int argc;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		value = NULL;
		argc = 0;
		while (forms[i][argc])
			argc++;
		ck_assert_int_eq(kpt_trace_opts_take_value(&argc, forms[i], 'o', "output", &value), 0);
		ck_assert_str_eq(value, "a.dat");
		ck_assert_int_eq(argc, 2);
		ck_assert_str_eq(forms[i][1], "vfs_read");
		ck_assert_ptr_null(forms[i][2]);
	}

	/* A shared option's value stays, and so does everything after "--". */
	argc = 10;
	value = NULL;
	ck_assert_int_eq(kpt_trace_opts_take_value(&argc, filter, 'o', "output", &value), 0);
	ck_assert_str_eq(value, "a.dat");
	ck_assert_int_eq(argc, 8);
	ck_assert_str_eq(filter[2], "-o");
	ck_assert_str_eq(filter[3], "vfs_read");
	ck_assert_str_eq(filter[6], "-o");
	ck_assert_int_eq(parse(filter), 0);
	ck_assert_str_eq(opts.filter, "-o");
	kpt_trace_opts_free(&opts);

	argc = 5;
	ck_assert_int_eq(kpt_trace_opts_take_value(&argc, missing, 'o', "output", &value), -1);
}
END_TEST

/* count picks its own backend unless --backend is given; latency's default stays tracefs. */
START_TEST(test_backend)
{
	char *plain[] = { "count", "syscall:read", NULL };
	char *perf[] = { "count", "--backend", "perf", "syscall:read", NULL };

	ck_assert_int_eq(parse(plain), 0);
	ck_assert_str_eq(opts.backend, "tracefs");
	ck_assert(!opts.backend_given);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(perf), 0);
	ck_assert_str_eq(opts.backend, "perf");
	ck_assert(opts.backend_given);
	kpt_trace_opts_free(&opts);
}
END_TEST

/* --input, --by, and --plugin with the --plugin-opt options that follow each. */
START_TEST(test_input_and_plugins)
{
	char *argv[] = { "latency", "--plugin", "csv", "--plugin-opt", "out=a.csv",
			 "--plugin-opt", "sep==", "--input", "t.dat", "--by", "comm",
			 "--plugin", "/x/y.so", "syscall:read", NULL };
	char *no_probe[] = { "count", "--input", "t.dat", NULL };
	char *live_only[] = { "latency", "--input", "t.dat", "-i", "1", NULL };
	char *with_cmd[] = { "latency", "--input", "t.dat", "--", "true", NULL };
	char *orphan_opt[] = { "latency", "--plugin-opt", "a=b", "vfs_read", NULL };
	char *not_kv[] = { "latency", "--plugin", "csv", "--plugin-opt", "out", "vfs_read", NULL };
	char *empty_key[] = { "latency", "--plugin", "csv", "--plugin-opt", "=x", "vfs_read",
			      NULL };
	char *bad_by[] = { "latency", "--by", "thread", "vfs_read", NULL };

	ck_assert_int_eq(parse(argv), 0);
	ck_assert_str_eq(opts.input, "t.dat");
	ck_assert_str_eq(opts.by, "comm");
	ck_assert_int_eq(opts.nr_probes, 1);
	ck_assert_int_eq(opts.nr_plugins, 2);
	ck_assert_str_eq(opts.plugins[0].name, "csv");
	ck_assert_int_eq(opts.plugins[0].nr_options, 2);
	ck_assert_str_eq(opts.plugins[0].keys[0], "out");
	ck_assert_str_eq(opts.plugins[0].values[0], "a.csv");
	ck_assert_str_eq(opts.plugins[0].keys[1], "sep");
	ck_assert_str_eq(opts.plugins[0].values[1], "=");
	ck_assert_str_eq(opts.plugins[1].name, "/x/y.so");
	ck_assert_int_eq(opts.plugins[1].nr_options, 0);
	kpt_trace_opts_free(&opts);

	ck_assert_int_eq(parse(no_probe), 0);	/* a file: every pair in it */
	ck_assert_int_eq(opts.nr_probes, 0);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(live_only), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(with_cmd), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(orphan_opt), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(not_kv), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(empty_key), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_by), -1);
	kpt_trace_opts_free(&opts);
}
END_TEST

START_TEST(test_stacks)
{
	char *both[] = { "latency", "--stack", "--ustack", "--folded", "vfs_read", NULL };
	char *count[] = { "count", "--ustack", "--folded=count", "c:malloc", NULL };
	char *time[] = { "latency", "--stack", "--folded=time", "--input", "f.dat", NULL };
	char *bad_value[] = { "latency", "--stack", "--folded=calls", "vfs_read", NULL };
	char *no_stack[] = { "latency", "--folded", "vfs_read", NULL };
	char *perf[] = { "latency", "--stack", "--backend", "perf", "vfs_read", NULL };

	ck_assert_int_eq(parse(both), 0);
	ck_assert(opts.stack && opts.ustack && opts.folded_given);
	ck_assert_int_eq(opts.folded, KPT_FOLDED_DEFAULT);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(count), 0);
	ck_assert(!opts.stack && opts.ustack);
	ck_assert_int_eq(opts.folded, KPT_FOLDED_COUNT);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(time), 0);
	ck_assert_int_eq(opts.folded, KPT_FOLDED_TIME);
	ck_assert_str_eq(opts.input, "f.dat");
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_value), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(no_stack), -1);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(perf), -1);
	kpt_trace_opts_free(&opts);
}
END_TEST

/* The built-in's options, as analyser options, in order, a later one of a key replacing it. */
START_TEST(test_builtin_options)
{
	char *argv[] = { "slow", "-t", "10ms", "--by", "arg:size", "--top", "3", "-u", "-m",
			 "--hist", "linear:5", "--min", "1us", "--max", "2s", "--kernel-filter",
			 "vfs_read", NULL };
	char *file_kfilter[] = { "slow", "-t", "1ms", "--input", "t.dat", "--kernel-filter",
				 NULL };
	char *bad_key[] = { "latency", "--by", "arg:", "vfs_read", NULL };
	static const char *const keys[] = { "threshold", "by", "top", "unit", "hist", "min",
					    "max" };
	static const char *const values[] = { "10ms", "arg:size", "3", "ms", "linear:5", "1us",
					      "2s" };
	int i;

	ck_assert_int_eq(parse(argv), 0);
	ck_assert_int_eq(opts.builtin.nr, 7);
	for (i = 0; i < 7; i++) {
		ck_assert_str_eq(opts.builtin.keys[i], keys[i]);
		ck_assert_str_eq(opts.builtin.values[i], values[i]);
	}
	ck_assert_str_eq(opts.builtin.spelled[3], "-m");
	ck_assert_str_eq(opts.by, "arg:size");
	ck_assert(opts.kernel_filter);
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(file_kfilter), -1);	/* the kernel filter is live only */
	kpt_trace_opts_free(&opts);
	ck_assert_int_eq(parse(bad_key), -1);
	kpt_trace_opts_free(&opts);
}
END_TEST

Suite *options_suite(void)
{
	Suite *suite = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_full_command_line);
	tcase_add_test(tc, test_bad_values_rejected);
	tcase_add_test(tc, test_max_probes);
	tcase_add_test(tc, test_kprobes_option);
	tcase_add_test(tc, test_take_value);
	tcase_add_test(tc, test_backend);
	tcase_add_test(tc, test_input_and_plugins);
	tcase_add_test(tc, test_stacks);
	tcase_add_test(tc, test_builtin_options);
	suite_add_tcase(suite, tc);
	return suite;
}
