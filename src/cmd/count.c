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
 * Both run in kpt_live_run()'s loop, so -d, -i, -p, -- CMD and the signals
 * behave as in latency. When perf events are refused and --backend was not
 * given, count says so in one line and counts tracefs records instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/backend_perf.h"
#include "cmd/commands.h"
#include "cmd/live.h"
#include "output/output.h"
#include "session/session.h"
#include "util.h"

static const char usage[] =
	"usage: kptrace count [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"\n"
	"Count the hits of each PROBE (its entries, and its returns) and their rate\n"
	"per second.\n"
	"\n"
	"PROBE: as for latency (see kptrace-probes(7)):\n"
	"  SYMBOL, OBJECT:SYMBOL, OBJECT:0xOFFSET, syscall:NAME, tp:SYS:ENTRY,SYS:EXIT,\n"
	"  p:TARGET ARGS, rN:TARGET ARGS\n"
	"\n"
	"OPTIONS:\n"
	"  -p, --pid PID            count in the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"  -i, --interval SECONDS   print (and restart) the counts every SECONDS\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G; tracefs)\n"
	"      --backend perf|tracefs\n"
	"                           perf (the default where perf events are allowed)\n"
	"                           reads counters and writes no records; tracefs counts\n"
	"                           decoded records\n"
	"      --json               print JSON (one document per report, one per line)\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, count in it and its\n"
	"                           children, and exit with its status\n";

struct count_run {
	struct kpt_count_result *results;	/* this report's figures */
	int nr_probes;
	struct kpt_perf_counters *counters;	/* perf: owned by the live run's source */
	uint64_t *totals;			/* perf: entry and exit counter of each probe */
	uint64_t *reported;			/* perf: the totals at the previous report */
	const char *backend;
	bool json;
};

static void count_event(void *ctx, const struct kpt_event *ev)
{
	struct count_run *run = ctx;

	if (ev->role == KPT_ROLE_ENTRY)
		run->results[ev->probe].hits++;
	else if (ev->role == KPT_ROLE_EXIT)
		run->results[ev->probe].returns++;
}

/* perf: this report's counts are what the counters gained since the last one. */
static void read_counters(struct count_run *run)
{
	int i;

	if (kpt_perf_counters_read(run->counters, run->totals) < 0)
		return;
	for (i = 0; i < run->nr_probes; i++) {
		run->results[i].hits = run->totals[2 * i] - run->reported[2 * i];
		run->results[i].returns = run->totals[2 * i + 1] - run->reported[2 * i + 1];
	}
	memcpy(run->reported, run->totals, 2 * run->nr_probes * sizeof(*run->totals));
}

static void count_report(void *ctx, int interval, bool final, double elapsed,
			 const struct kpt_loss *loss)
{
	struct count_run *run = ctx;
	struct kpt_report_info info = {
		.elapsed = elapsed,
		.interval = interval,
		.loss = loss,
		.backend = run->backend,
	};
	int i;

	if (run->counters)
		read_counters(run);
	if (run->json)
		kpt_output_count_json(stdout, run->results, run->nr_probes, &info);
	else
		kpt_output_count_text(stdout, run->results, run->nr_probes, &info);
	for (i = 0; i < run->nr_probes; i++)
		run->results[i].hits = run->results[i].returns = 0;
}

static const struct kpt_live_ops count_ops = {
	.event = count_event,
	.report = count_report,
};

/* A user probe with no fetch-args needs no tracefs event: the uprobe PMU can count it. */
static bool counts_on_pmu(const struct kpt_probe *probe)
{
	return probe->type == KPT_PROBE_USER && !probe->entry.fetchargs &&
	       !(probe->raw_sides && probe->exit.fetchargs);
}

/*
 * Set @live up to count with perf counters. Returns 0, or -1: after printing
 * why, or with *@refused set to the errno when perf events are refused.
 */
static int setup_perf(struct kpt_live *live, struct count_run *run,
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

		if (pmu && counts_on_pmu(probe)) {
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
	run->counters = kpt_perf_counters_open(specs, 2 * live->nr_probes, live->target.pid);
	if (!run->counters) {
		if (kpt_perf_refused(errno))
			*refused = errno;
		goto out;
	}
	live->source_ops = &kpt_perf_counter_ops;
	live->source = run->counters;
	ret = 0;
out:
	free(specs);
	return ret;
}

/* perf, or the tracefs fallback when perf events are refused and no backend was asked for. */
static int setup(struct kpt_live *live, struct count_run *run, struct kpt_trace_opts *opts)
{
	bool perf = !opts->backend_given || strcmp(opts->backend, "perf") == 0;
	int refused;

	if (opts->backend_given && !perf && strcmp(opts->backend, "tracefs") != 0) {
		kpt_err("--backend '%s': unknown; use perf or tracefs", opts->backend);
		return -1;
	}
#ifndef HAVE_LIBPERF
	/* Built without libperf: count tracefs records, and say so if perf was asked for. */
	if (perf && opts->backend_given) {
		kpt_perf_explain_refusal(ENOSYS);
		return -1;
	}
	perf = false;
#endif
	if (perf) {
		if (setup_perf(live, run, opts, &refused) == 0)
			return 0;
		if (!refused)
			return -1;
		if (opts->backend_given) {
			kpt_perf_explain_refusal(refused);
			return -1;
		}
		kpt_warn("perf events are refused (perf_event_open: %s): counting tracefs records "
			 "instead", strerror(refused));
		kpt_live_teardown(live);
		run->counters = NULL;
	}
	opts->backend = "tracefs";
	return kpt_live_setup(live, opts);
}

static int alloc_results(struct count_run *run, const struct kpt_live *live)
{
	int i;

	run->nr_probes = live->nr_probes;
	run->results = calloc(live->nr_probes, sizeof(*run->results));
	run->totals = calloc(2 * live->nr_probes, sizeof(*run->totals));
	run->reported = calloc(2 * live->nr_probes, sizeof(*run->reported));
	if (!run->results || !run->totals || !run->reported)
		return -1;
	for (i = 0; i < live->nr_probes; i++)
		run->results[i].name = live->probes[i].name;
	return 0;
}

/**
 * kpt_cmd_count - the "count" command
 * @argc: argument count; argv[0] is "count"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_cmd_count(int argc, char **argv)
{
	struct count_run run = { 0 };
	struct kpt_trace_opts opts;
	struct kpt_live live;
	int ret = 1, code;

	if (kpt_trace_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		fputs(usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		kpt_trace_opts_free(&opts);
		return ret;
	}
	memset(&live, 0, sizeof(live));
	live.target.gate_fd = -1;
	if (setup(&live, &run, &opts) < 0 || alloc_results(&run, &live) < 0)
		goto out;
	run.backend = run.counters ? "perf" : "tracefs";
	run.json = opts.json;
	if (!opts.json)
		fprintf(stderr, "Counting %d probe%s%s... Hit Ctrl-C to end.\n", live.nr_probes,
			live.nr_probes == 1 ? "" : "s", opts.command ? " while CMD runs" : "");
	if (kpt_live_run(&live, &count_ops, &run) == 0)
		ret = 0;
out:
	code = kpt_live_teardown(&live);
	if (ret == 0 && opts.command)
		ret = code;
	free(run.results);
	free(run.totals);
	free(run.reported);
	kpt_trace_opts_free(&opts);
	return ret;
}
