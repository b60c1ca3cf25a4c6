// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace count: how often each probe is hit, and at what rate.
 *
 * Two ways to count, one report:
 *
 *   perf     the default where perf events are allowed: counters only, so
 *            the kernel adds one per hit and writes no record. User probes
 *            without fetch-args, counted system-wide, are probes of the uprobe
 *            PMU, which creates nothing in tracefs; tracepoints are counted by
 *            id, and kernel probes and the other user probes are created as
 *            the session's tracefs probes first, then counted by id.
 *   tracefs  the live pipeline: the records are streamed, decoded and counted.
 *
 * With --by, count needs the records, so it counts tracefs records.
 *
 * Both run in kpt_live_run()'s loop, so -d, -i, -p, -- CMD and the signals
 * behave as in latency; the built-in analyser "count" reports both. When perf
 * events are refused and --backend was not given, count says so in one line
 * and counts tracefs records instead. With --input FILE, it counts the
 * file's records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/run.h"
#include "session/session.h"
#include "source/backend_perf.h"
#include "util.h"

static const char usage[] =
	"usage: kptrace count [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"       kptrace count --input FILE [OPTIONS] [PROBE...]\n"
	"\n"
	"Count the hits of each PROBE (its entries, and its returns) and their rate\n"
	"per second.\n"
	"\n"
	"PROBE (see kptrace-probes(7)):\n";
static const char usage_options[] =
	"\n"
	"OPTIONS:\n"
	"  -p, --pid PID            count in the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"  -i, --interval SECONDS   print (and restart) the counts every SECONDS\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G; tracefs)\n"
	"      --max-probes N       most kernel functions one glob (vfs_*) may probe (64)\n"
	"      --kprobes            kernel functions by kprobes even where fprobes exist\n"	"      --backend perf|tracefs\n"
	"                           perf (the default where perf events are allowed)\n"
	"                           reads counters and writes no records; tracefs counts\n"
	"                           decoded records\n"
	"      --json               print JSON (one document per report, one per line)\n"
	"      --by KEY             also a count per value of KEY, the most counted\n"
	"                           first: pid, tid, comm, cpu, arg:NAME (entries), ret\n"
	"                           (returns); counts tracefs records\n"
	"      --top N              with --by, only the N values counted most\n"
	"      --stack              also the hits per kernel stack of the entries\n"
	"      --ustack             also the hits per user stack of the entries\n"
	"      --folded[=count]     with --stack/--ustack, print only folded stacks\n"
	"                           (flamegraph.pl, speedscope) with their hits\n"
	"      --input FILE         count the records of a trace.dat FILE instead; PROBEs\n"
	"                           then select the file's pairs by name (none: every pair)\n"
	"      --plugin NAME|PATH   one more analyser, from a plugin (repeatable)\n"
	"      --plugin-opt KEY=VALUE  an option of the preceding --plugin\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, count in it and its\n"
	"                           children, and exit with its status\n";

static int read_counters(void *ctx, uint64_t *totals)
{
	return kpt_perf_counters_read(ctx, totals);
}

/*
 * Set @live up to count with perf counters. Returns 0, or -1: after printing
 * why, or with *@refused set to the errno when perf events are refused.
 */
static int setup_perf(struct kpt_live *live, struct kpt_perf_counters **counters,
		      const struct kpt_trace_opts *opts, int *refused)
{
	struct kpt_perf_counter_spec *specs = NULL;
	int i, ret = -1;
	bool pmu;

	*refused = 0;
	if (kpt_live_prepare(live, opts) < 0)
		return -1;
	/*
	 * System-wide only: see kpt_perf_counters_open() on the uprobe PMU and
	 * inherit. Not with a filter either: the kernel checks a filter on the
	 * run's own instance, which has only tracefs events.
	 */
	pmu = !live->target.pid && !opts->filter && kpt_perf_has_uprobe_pmu();
	live->session = kpt_session_alloc();
	specs = calloc(2 * live->nr_probes, sizeof(*specs));
	if (!live->session || !specs)
		goto out;
	if (opts->filter && kpt_session_create(live->session, 0) < 0)
		goto out;
	for (i = 0; i < live->nr_probes; i++) {
		struct kpt_probe *probe = &live->probes[i];
		struct kpt_perf_counter_spec *entry = &specs[2 * i], *exit = &specs[2 * i + 1];

		if (pmu && kpt_probe_pmu_countable(probe)) {
			*entry = (struct kpt_perf_counter_spec){ .tp_id = -1, .path = probe->path,
								  .offset = probe->offset };
			*exit = *entry;
			exit->retprobe = true;
			continue;
		}
		if (kpt_session_add_probe(live->session, probe, i) < 0)
			goto out;
		entry->tp_id = kpt_perf_event_id(probe->entry.system, probe->entry.event);
		exit->tp_id = kpt_perf_event_id(probe->exit.system, probe->exit.event);
		if (entry->tp_id < 0 || exit->tp_id < 0)
			goto out;
		entry->filter = exit->filter = opts->filter;
	}
	if (opts->filter && kpt_session_set_filter(live->session, opts->filter) < 0)
		goto out;
	*counters = kpt_perf_counters_open(specs, 2 * live->nr_probes, live->target.pid);
	if (!*counters) {
		if (kpt_perf_refused(errno))
			*refused = errno;
		goto out;
	}
	live->source_ops = &kpt_perf_counter_ops;
	live->source = *counters;
	ret = 0;
out:
	free(specs);
	return ret;
}

/*
 * perf counters, or the tracefs fallback when perf events are refused and no
 * backend was asked for: kpt_command.setup_live of count.
 */
static int setup(struct kpt_live *live, struct kpt_trace_opts *opts,
		 struct kpt_run_params *params)
{
	bool stacks = opts->stack || opts->ustack;
	bool perf = !stacks && (!opts->backend_given || strcmp(opts->backend, "perf") == 0);
	struct kpt_perf_counters *counters = NULL;
	int refused;

	if (opts->backend_given && !perf && !stacks && strcmp(opts->backend, "tracefs") != 0) {
		kpt_err("--backend '%s': unknown; use perf or tracefs", opts->backend);
		return -1;
	}
	/* a counter counts hits, not their keys: grouping needs the records */
	if (opts->by && perf && opts->backend_given) {
		kpt_err("--by %s needs each event's record, which perf counters do not write: "
			"use --backend tracefs, or leave --backend out", opts->by);
		return -1;
	}
	if (opts->by)
		perf = false;
#ifndef HAVE_LIBPERF
	/* Built without libperf: count tracefs records, and say so if perf was asked for. */
	if (perf && opts->backend_given) {
		kpt_perf_explain_refusal(ENOSYS);
		return -1;
	}
	perf = false;
#endif
	if (perf) {
		if (setup_perf(live, &counters, opts, &refused) == 0) {
			params->backend = "perf";
			params->read_counters = read_counters;
			params->counters_ctx = counters;
			return 0;
		}
		if (!refused)
			return -1;
		if (opts->backend_given) {
			kpt_perf_explain_refusal(refused);
			return -1;
		}
		kpt_warn("perf events are refused (perf_event_open: %s): counting tracefs records "
			 "instead", strerror(refused));
		kpt_live_teardown(live);
	}
	opts->backend = "tracefs";
	params->backend = "tracefs";
	return kpt_live_setup(live, opts);
}

static const struct kpt_command count_command = {
	.name = "count",
	.usage = usage,
	.usage_tail = usage_options,
	.analyser = &kpt_count_analyser,
	.banner = "Counting",
	.takes_stacks = true,
	.setup_live = setup,
};

/**
 * kpt_cmd_count - the "count" command
 * @argc: argument count; argv[0] is "count"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_cmd_count(int argc, char **argv)
{
	return kpt_run_command(&count_command, argc, argv);
}
