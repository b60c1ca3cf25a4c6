// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace report: latency statistics from a trace.dat file, offline.
 *
 * The short form of 'kptrace latency --input FILE', with the selections
 * only a file has (--pair, --start/--end, --list): the file source feeds the
 * same engine and the same built-in analyser as a live run.
 */
#include <stdio.h>

#include "cmd/commands.h"
#include "cmd/run.h"

static const char usage[] =
	"usage: kptrace report [OPTIONS] [FILE]\n"
	"\n"
	"Latency statistics of the probe pairs in a trace.dat FILE (default trace.dat),\n"
	"as kptrace record or trace-cmd record/extract write it: per probe, count,\n"
	"min, avg, max, percentiles and a log2 histogram, as kptrace latency prints.\n"
	"\n"
	"By default every pair in the file is reported: kptrace's probes, syscalls\n"
	"(sys_enter_X/sys_exit_X) and other tools' kprobe/uprobe pairs (X/X__return,\n"
	"p_X/r_X).\n"
	"\n"
	"OPTIONS:\n"
	"  -e, --probe NAME         report only this probe (repeatable; globs: 'syscall:*';\n"
	"                           @SET: the set's probes the file has)\n"
	"      --pair ENTRY,EXIT    a span between two events, each SYSTEM:EVENT (repeatable);\n"
	"                           add ' key=F,...' to pair them by fields, not per thread\n"
	"      --by KEY             also a result per value of KEY: pid, tid, comm, cpu,\n"
	"                           ret, arg:NAME (see kptrace-latency(1))\n"
	"      --start SECONDS      leave out records before this time after the first one\n"
	"      --end SECONDS        leave out records after this time after the first one\n"
	"      --list               list the file's events with their counts, and its probes\n"
	"      --json               print JSON\n"
	"      --libtracecmd        read records through libtracecmd (memory grows with the file)\n"
	"      --plugin NAME|PATH   one more analyser, from a plugin (repeatable)\n"
	"      --plugin-opt KEY=VALUE  an option of the preceding --plugin\n"
	"  -h, --help               this text\n";

static const struct kpt_command report_command = {
	.name = "report",
	.usage = usage,
	.analyser = &kpt_latency_analyser,
};

static int list(const struct kpt_file_opts *opts, bool json)
{
	struct kpt_file_source *src;
	int ret = 1;

	if (kpt_file_open(opts, &src) == 0 && kpt_file_list(src, json) == 0)
		ret = 0;
	kpt_file_close(src);
	return ret;
}

/**
 * kpt_cmd_report - the "report" command
 * @argc: argument count; argv[0] is "report"
 * @argv: arguments
 *
 * Returns the process exit code: 0 on success, 1 on error (a bad file among
 * them), 2 on a usage error.
 */
int kpt_cmd_report(int argc, char **argv)
{
	struct kpt_report_opts opts;
	struct kpt_run_args args = { .cmd = &report_command, .command = "report" };
	struct kpt_builtin_opts builtin = { 0 };
	int ret;

	if (kpt_report_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		fputs(usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		goto out;
	}
	args.file = (struct kpt_file_opts){
		.path = opts.file,
		.probes = opts.probes,
		.nr_probes = opts.nr_probes,
		.probe_option = "-e",
		.pairs = opts.pairs,
		.nr_pairs = opts.nr_pairs,
		.window = opts.window,
		.libtracecmd = opts.libtracecmd,
		.quiet = opts.json || opts.list,
	};
	if (opts.list) {
		ret = list(&args.file, opts.json);
		goto out;
	}
	if (opts.by)
		kpt_builtin_opts_set(&builtin, "by", opts.by, "--by");
	args.builtin = &builtin;
	args.json = opts.json;
	args.plugins = opts.plugins;
	args.nr_plugins = opts.nr_plugins;
	ret = kpt_run(&args);
out:
	kpt_report_opts_free(&opts);
	return ret;
}
