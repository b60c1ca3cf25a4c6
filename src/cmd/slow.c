// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace slow: every call of a probe that took THRESHOLD or longer, with
 * its arguments and return value, in the order the calls end.
 */
#include <stdio.h>

#include "cmd/commands.h"
#include "cmd/run.h"
#include "util.h"

static const char usage[] =
	"usage: kptrace slow -t THRESHOLD [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"       kptrace slow -t THRESHOLD --input FILE [OPTIONS] [PROBE...]\n"
	"\n"
	"Print every call of each PROBE that took THRESHOLD or longer, one line per\n"
	"call as it ends: end time, comm, pid, tid, CPU, latency, then the call with\n"
	"the entry's fetched arguments and the return value by name. Calls still\n"
	"open at the end follow, marked as such.\n"
	"\n"
	"PROBE: as for latency (see kptrace-probes(7)); give fetch-args to see\n"
	"arguments, e.g. '/bin/bash:readline prompt=+0(%di):string'.\n"
	"\n"
	"OPTIONS:\n"
	"  -t, --threshold LATENCY  report calls this long or longer (e.g. 10ms, 500us;\n"
	"                           a bare number is in the unit of -n/-u/-m, us by default)\n"
	"  -n, -u, -m               print latencies in ns, us (the default) or ms\n"
	"      --by KEY             at the end, the slow calls' count and time per value\n"
	"                           of KEY: pid, tid, comm, cpu, ret, arg:NAME\n"
	"      --top N              with --by, only the N values with the most time\n"
	"  -p, --pid PID            trace the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G)\n"
	"      --backend tracefs|perf\n"
	"                           read the records from the tracefs ring buffers (the\n"
	"                           default) or from perf's, through libperf\n"
	"      --json               one JSON object per call, one per line\n"
	"      --input FILE         the slow calls of a trace.dat FILE instead of the\n"
	"                           kernel's; PROBEs then select the file's pairs by name\n"
	"      --plugin NAME|PATH   one more analyser, from a plugin (repeatable)\n"
	"      --plugin-opt KEY=VALUE  an option of the preceding --plugin\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, trace it and its\n"
	"                           children, and exit with its status\n";

static const struct kpt_command slow_command = {
	.name = "slow",
	.usage = usage,
	.analyser = &kpt_slow_analyser,
	.banner = "Tracing",
	.needs_threshold = true,
	.no_interval = true,
};

/**
 * kpt_cmd_slow - the "slow" command
 * @argc: argument count; argv[0] is "slow"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error,
 * 2 on a usage error.
 */
int kpt_cmd_slow(int argc, char **argv)
{
	return kpt_run_command(&slow_command, argc, argv);
}
