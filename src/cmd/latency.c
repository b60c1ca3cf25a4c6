// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace latency: durations of probe pairs, as statistics and histograms.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyse/latency.h"
#include "cmd/commands.h"
#include "cmd/live.h"
#include "output/output.h"
#include "pipeline/pair.h"
#include "session/session.h"

static const char usage[] =
	"usage: kptrace latency [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
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
	"      --backend tracefs|perf\n"
	"                           read the records from the tracefs ring buffers (the\n"
	"                           default) or from perf's, through libperf\n"
	"      --json               print JSON (one document per report, one per line)\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, trace it and its\n"
	"                           children, and exit with its status\n";

struct latency_run {
	struct kpt_latency *latency;
	struct kpt_pairer *pairer;
	const char *clock;
	bool json;
};

static void latency_event(void *ctx, const struct kpt_event *ev)
{
	struct latency_run *run = ctx;

	kpt_pairer_feed(run->pairer, ev);
}

static void latency_report(void *ctx, int interval, bool final, double elapsed,
			   const struct kpt_loss *loss)
{
	struct latency_run *run = ctx;
	struct kpt_report_info info = {
		.elapsed = elapsed,
		.interval = interval,
		.clock = run->clock,
		.loss = loss,
	};

	if (final)
		kpt_pairer_finish(run->pairer);
	kpt_latency_collect(run->latency, run->pairer);
	if (run->json)
		kpt_output_latency_json(stdout, run->latency, &info);
	else
		kpt_output_latency_text(stdout, run->latency, &info);
	kpt_latency_reset(run->latency, run->pairer);
}

static const struct kpt_live_ops latency_ops = {
	.event = latency_event,
	.report = latency_report,
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
	struct latency_run run = { 0 };
	struct kpt_trace_opts opts;
	const char **names = NULL;
	struct kpt_live live;
	int i, ret = 1, code;

	if (kpt_trace_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		kpt_probe_usage(opts.help ? stdout : stderr, usage, usage_options);
		ret = opts.help ? 0 : 2;
		kpt_trace_opts_free(&opts);
		return ret;
	}
	if (kpt_live_setup(&live, &opts) < 0)
		goto out;
	names = calloc(live.nr_probes, sizeof(*names));
	if (!names)
		goto out;
	for (i = 0; i < live.nr_probes; i++)
		names[i] = live.probes[i].name;
	run.latency = kpt_latency_alloc(live.nr_probes, names);
	run.pairer = kpt_pairer_alloc(live.nr_probes, kpt_latency_span, run.latency);
	run.clock = live.session->clock;
	run.json = opts.json;
	if (!run.latency || !run.pairer)
		goto out;
	if (!opts.json)
		fprintf(stderr, "Tracing %d probe%s%s... Hit Ctrl-C to end.\n", live.nr_probes,
			live.nr_probes == 1 ? "" : "s", opts.command ? " while CMD runs" : "");
	if (kpt_live_run(&live, &latency_ops, &run) == 0)
		ret = 0;
out:
	code = kpt_live_teardown(&live);
	if (ret == 0 && opts.command)
		ret = code;
	kpt_pairer_free(run.pairer);
	kpt_latency_free(run.latency);
	free(names);
	kpt_trace_opts_free(&opts);
	return ret;
}
