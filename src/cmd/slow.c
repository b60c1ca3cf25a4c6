// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace slow: every call of a probe that took THRESHOLD or longer, with
 * its arguments and return value, in the order the calls end.
 *
 * By default every entry and return is recorded and paired in user space.
 * With --kernel-filter, where the kernel has hist triggers and synthetic
 * events, the kernel measures each call and records only the slow ones
 * (session/kfilter.h); where it has not, slow says so and pairs in user
 * space.
 */
#include <stdio.h>
#include <string.h>

#include "analyse/latency.h"
#include "cmd/commands.h"
#include "cmd/run.h"
#include "session/kfilter.h"
#include "session/session.h"
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
	"      --kernel-filter      have the kernel measure each call (hist triggers and\n"
	"                           a synthetic event) and record only the slow ones;\n"
	"                           not for recursive functions (see kptrace-slow(1))\n"
	"      --by KEY             at the end, the slow calls' count and time per value\n"
	"                           of KEY: pid, tid, comm, cpu, ret, arg:NAME\n"
	"      --top N              with --by, only the N values with the most time\n"
	"      --stack              each slow call's kernel stack under its line\n"
	"      --ustack             each slow call's user stack under its line\n"
	"  -p, --pid PID            trace the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G)\n"
	"      --max-probes N       most kernel functions one glob (vfs_*) may probe (64)\n"
	"      --kprobes            kernel functions by kprobes even where fprobes exist\n"	"      --backend tracefs|perf\n"
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

/* The value of the built-in's option @key, or NULL. */
static const char *builtin_value(const struct kpt_trace_opts *opts, const char *key)
{
	int i;

	for (i = 0; i < opts->builtin.nr; i++) {
		if (strcmp(opts->builtin.keys[i], key) == 0)
			return opts->builtin.values[i];
	}
	return NULL;
}

/* The kernel filter on every probe: kpt_live_shape_fn. */
static int shape(struct kpt_live *live, void *ctx)
{
	const struct kpt_trace_opts *opts = live->opts;
	const uint64_t *threshold = ctx;
	int i;

	for (i = 0; i < live->nr_probes; i++) {
		if (kpt_kfilter_add(live->session, &live->probes[i], i, *threshold,
				    opts->filter) < 0)
			return -1;
	}
	live->span_maker = kpt_kfilter_span;
	live->span_maker_ctx = live->session;
	return 0;
}

/* kpt_command.setup_live: the kernel filter where it is asked for and can be had. */
static int setup(struct kpt_live *live, struct kpt_trace_opts *opts,
		 struct kpt_run_params *params)
{
	static uint64_t threshold;
	const char *unit = builtin_value(opts, "unit");
	uint64_t unit_ns = NSEC_PER_USEC;

	if (!opts->kernel_filter)
		return kpt_live_setup(live, opts);
	if (opts->stack || opts->ustack) {
		memset(live, 0, sizeof(*live));
		live->target.gate_fd = -1;
		kpt_err("--kernel-filter: the kernel measures each call and records only the slow "
			"ones, with no entry to take a stack at: leave --stack and --ustack out, or "
			"--kernel-filter");
		return -1;
	}
	if (opts->backend_given && strcmp(opts->backend, "tracefs") != 0) {
		memset(live, 0, sizeof(*live));
		live->target.gate_fd = -1;
		kpt_err("--kernel-filter: the kernel writes the slow calls into the run's tracefs "
			"instance, which --backend %s does not read: leave --backend out",
			opts->backend);
		return -1;
	}
	if (!kpt_kfilter_supported()) {
		kpt_warn("--kernel-filter: this kernel has no hist triggers or synthetic events "
			 "(CONFIG_HIST_TRIGGERS, CONFIG_SYNTH_EVENTS): pairing in user space");
		return kpt_live_setup(live, opts);
	}
	if (unit)
		kpt_unit_parse(unit, &unit_ns);
	if (kpt_parse_ns(builtin_value(opts, "threshold"), unit_ns, &threshold) < 0) {
		memset(live, 0, sizeof(*live));
		live->target.gate_fd = -1;
		kpt_err("-t '%s': not a duration (e.g. 250, 1.5ms, 100us)",
			builtin_value(opts, "threshold"));
		return -1;
	}
	params->kernel_filtered = true;
	return kpt_live_setup_shaped(live, opts, shape, &threshold);
}

static const struct kpt_command slow_command = {
	.name = "slow",
	.usage = usage,
	.analyser = &kpt_slow_analyser,
	.banner = "Tracing",
	.needs_threshold = true,
	.kernel_filter = true,
	.setup_live = setup,
	.no_interval = true,
	.takes_stacks = true,
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
