// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace latency: durations of probe pairs, as statistics and histograms.
 */
#include "cmd/commands.h"
#include "cmd/run.h"

static const char usage[] =
	"usage: kptrace latency [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"       kptrace latency --input FILE [OPTIONS] [PROBE...]\n"
	"\n"
	"Trace how long each PROBE takes, per call, and print count, min, avg, max,\n"
	"percentiles and a log2 histogram per probe.\n"
	"\n"
	"PROBE:\n";
static const char usage_options[] =
	"  (see kptrace-probes(7))\n"
	"\n"
	"OPTIONS:\n"
	"  -p, --pid PID            trace the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"  -i, --interval SECONDS   print (and restart) the statistics every SECONDS\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G)\n"
	"      --max-probes N       most kernel functions one glob (vfs_*) may probe (64)\n"
	"      --kprobes            kernel functions by kprobes even where fprobes exist\n"	"      --backend tracefs|perf\n"
	"                           read the records from the tracefs ring buffers (the\n"
	"                           default) or from perf's, through libperf\n"
	"      --json               print JSON (one document per report, one per line)\n"
	"      --by KEY             also a result per value of KEY, the most total time\n"
	"                           first: pid, tid, comm, cpu, ret, arg:NAME (an\n"
	"                           argument of the entry)\n"
	"      --top N              with --by, only the N values with the most time\n"
	"      --stack              also a result per kernel stack of the entries\n"
	"      --ustack             also a result per user stack of the entries\n"
	"      --folded[=time|count]  with --stack/--ustack, print only folded stacks\n"
	"                           (flamegraph.pl, speedscope): summed ns, or calls\n"
	"  -n, -u, -m               histograms in ns, us or ms (default: what suits)\n"
	"      --hist log2|linear:STEP[,MIN,MAX]\n"
	"                           log2 rows (the default), or linear rows of STEP\n"
	"      --min LATENCY, --max LATENCY\n"
	"                           leave out shorter or longer calls (e.g. 10us, 2ms;\n"
	"                           bare numbers in the -n/-u/-m unit, else us)\n"
	"      --input FILE         analyse a trace.dat FILE (kptrace record, trace-cmd\n"
	"                           record or extract) instead of the kernel; PROBEs then\n"
	"                           select the file's pairs by name (none: every pair)\n"
	"      --plugin NAME|PATH   one more analyser, from a plugin (repeatable)\n"
	"      --plugin-opt KEY=VALUE  an option of the preceding --plugin\n"
	"      --heatmap FILE       write a latency heat map per probe, as SVG\n"
	"      --heatmap-width SECONDS\n"
	"                           heat map column width (default: -i, else 1ms)\n"
	"      --html FILE          write a self-contained HTML report: percentiles,\n"
	"                           histogram, heat map and slowest calls per probe\n"
	"      --timeline FILE      write every call as Chrome Trace Event JSON, for\n"
	"                           ui.perfetto.dev and chrome://tracing\n"
	"      --listen ADDR:PORT   serve the histograms at http://ADDR:PORT/metrics for\n"
	"                           Prometheus (needs -i)\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, trace it and its\n"
	"                           children, and exit with its status\n";

static const struct kpt_command latency_command = {
	.name = "latency",
	.usage = usage,
	.usage_tail = usage_options,
	.analyser = &kpt_latency_analyser,
	.banner = "Tracing",
	.takes_stacks = true,
	.takes_pictures = true,
	.takes_listen = true,
};

/**
 * kpt_cmd_latency - the "latency" command
 * @argc: argument count; argv[0] is "latency"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_cmd_latency(int argc, char **argv)
{
	return kpt_run_command(&latency_command, argc, argv);
}
