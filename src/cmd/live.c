// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Live tracing: source (session + backend) -> merge -> the engine (decode,
 * analysers, pair), or a raw sink (record).
 *
 * Signal handlers only set a flag; the loop notices it, stops tracing,
 * drains every buffer and reports. kpt_live_teardown() runs on every path
 * and removes everything the session created.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/live.h"
#include "cmd/signals.h"
#include "output/check.h"
#include "pipeline/decode.h"
#include "pipeline/engine.h"
#include "pipeline/merge.h"
#include "probe/glob.h"
#include "probe/probeset.h"
#include "probe/types.h"
#include "session/kfilter.h"
#include "session/session.h"
#include "source/source.h"
#include "util.h"

/* Longest sleep between two reads when no interval or end is nearer. */
#define POLL_MS		200

static int parse_probes(struct kpt_live *live, const struct kpt_trace_opts *opts)
{
	char **sets, **specs, *errmsg;
	int i, j, nr_sets, nr, ret = -1;

	/* @NAME: a probe set of kptrace-events(5), in the variant that fits this kernel. */
	if (kpt_probeset_expand(opts->probes, opts->nr_probes, &sets, &nr_sets, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	/* vfs_*: a probe per matching kernel function; takes and frees @sets. */
	if (kpt_glob_expand_specs(sets, nr_sets, opts->max_probes, &specs, &nr, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	live->probes = calloc(nr, sizeof(*live->probes));
	if (!live->probes)
		goto out;
	for (i = 0; i < nr; i++) {
		struct kpt_probe *probe = &live->probes[live->nr_probes];

		if (kpt_probe_parse(specs[i], probe, &errmsg) < 0) {
			kpt_err("%s", errmsg ? errmsg : "out of memory");
			free(errmsg);
			kpt_probe_release(probe);
			goto out;
		}
		for (j = 0; j < live->nr_probes; j++) {
			if (kpt_probe_merge_raw(&live->probes[j], probe))
				break;
		}
		if (j < live->nr_probes)
			kpt_probe_release(probe);
		else
			live->nr_probes++;
	}
	ret = 0;
out:
	kpt_probeset_specs_free(specs, nr);
	return ret;
}

static int resolve_probes(struct kpt_live *live, int pid)
{
	int i;

	for (i = 0; i < live->nr_probes; i++) {
		char *errmsg = NULL;

		if (kpt_probe_resolve(&live->probes[i], pid, &errmsg) < 0) {
			kpt_err("probe '%s': %s", live->probes[i].name,
				errmsg ? errmsg : "out of memory");
			free(errmsg);
			return -1;
		}
	}
	return 0;
}

static int add_decoded(struct kpt_live *live, const struct kpt_probe_point *point, int probe,
		       enum kpt_role role)
{
	if (kpt_decoder_add(live->decoder, point->system, point->event, probe, role) == 0)
		return 0;
	kpt_err("no format for event %s:%s in tracefs: %s", point->system, point->event,
		strerror(errno));
	return -1;
}

/* A probe paired by key= fields: both events must have them, as integers. */
static int check_key(struct kpt_live *live, const struct kpt_probe *probe)
{
	struct tep_handle *tep = live->session->tep;

	if (!probe->key.nr)
		return 0;
	/*
	 * The pid filter (set_event_pid) keeps only what traced threads write, and
	 * the scheduler's wake-ups and switches of traced threads; a completion in
	 * an interrupt or a kernel thread is not kept.
	 */
	if ((live->opts->pid || live->opts->command) &&
	    (strcmp(probe->entry.system, "sched") != 0 || strcmp(probe->exit.system, "sched") != 0))
		kpt_warn("probe '%s' pairs by fields: with -p or -- CMD the kernel keeps only the "
			 "events the traced threads write, so ends written elsewhere (interrupts, "
			 "kernel threads: block I/O completions) are missed and stay open. Trace the "
			 "whole system (-d SECONDS) and select with --by arg:FIELD or --filter",
			 probe->name);
	return kpt_pair_key_check(&probe->key,
				  tep_find_event_by_name(tep, probe->entry.system,
							 probe->entry.event),
				  tep_find_event_by_name(tep, probe->exit.system, probe->exit.event),
				  probe->name);
}

static int setup_decoder(struct kpt_live *live)
{
	int i;

	live->decoder = kpt_decoder_alloc(live->session->tep);
	if (!live->decoder)
		return -1;
	for (i = 0; i < live->nr_probes; i++) {
		const char *synth = kpt_kfilter_event(live->session, i);

		if (synth) {
			if (kpt_decoder_add(live->decoder, "synthetic", synth, i,
					    KPT_ROLE_SPAN) < 0)
				return -1;
			continue;
		}
		if (add_decoded(live, &live->probes[i].entry, i, KPT_ROLE_ENTRY) < 0 ||
		    add_decoded(live, &live->probes[i].exit, i, KPT_ROLE_EXIT) < 0 ||
		    check_key(live, &live->probes[i]) < 0)
			return -1;
	}
	if ((live->session->kernel_stacks || live->session->user_stacks) &&
	    kpt_decoder_add_stacks(live->decoder, "ftrace", live->session->kernel_stacks,
				   live->session->user_stacks) < 0) {
		kpt_err("the formats of ftrace:kernel_stack and ftrace:user_stack are not the "
			"kernel's usual ones: no stacks can be read");
		return -1;
	}
	return kpt_decoder_add(live->decoder, "sched", "sched_process_exit", -1,
			       KPT_ROLE_TASK_EXIT);
}

/*
 * --ustack on a user probe at a function's first instruction: fetch the
 * return address too (see KPT_RA_FIELD), so that the engine can give back
 * the caller the kernel's frame-pointer walk skips there.
 */
static int fetch_return_address(struct kpt_probe *probe)
{
	char *fetchargs;

	if (probe->type != &kpt_probe_uprobe || !probe->symbol || strchr(probe->symbol, '+') ||
	    probe->offset != probe->exit_offset)
		return 0;
	fetchargs = kpt_asprintf("%s%s" KPT_RA_FIELD "=+0($stack):x%zu",
				 probe->entry.fetchargs ? probe->entry.fetchargs : "",
				 probe->entry.fetchargs ? " " : "", 8 * sizeof(long));
	if (!fetchargs)
		return -1;
	free(probe->entry.fetchargs);
	probe->entry.fetchargs = fetchargs;
	return 0;
}

/**
 * kpt_live_prepare - parse and resolve the probes, and start CMD (held)
 * @live: zeroed by the call, then filled in
 * @opts: the parsed options; must outlive @live
 *
 * The first step of kpt_live_setup_raw(), for commands that create what
 * they trace themselves (count with perf counters): nothing is created in
 * tracefs. Returns 0, or -1 after printing why; call kpt_live_teardown()
 * either way.
 */
int kpt_live_prepare(struct kpt_live *live, const struct kpt_trace_opts *opts)
{
	memset(live, 0, sizeof(*live));
	live->opts = opts;
	live->target.gate_fd = -1;
	kpt_signals_install();
	if (parse_probes(live, opts) < 0)
		return -1;
	if (opts->pid) {
		live->target.pid = opts->pid;
		if (kpt_target_done(&live->target)) {
			kpt_err("-p %d: no such process", opts->pid);
			return -1;
		}
	}
	if (resolve_probes(live, opts->pid) < 0)
		return -1;
	live->target.hold_exit = opts->ustack;
	if (opts->command && kpt_target_spawn(&live->target, opts->command) < 0)
		return -1;
	return 0;
}

/**
 * kpt_live_setup_raw - parse probes, start CMD (held), create session and probes
 * @live: zeroed by the call, then filled in
 * @opts: the parsed options; must outlive @live
 *
 * Like kpt_live_setup(), but parses no formats and opens no readers: the
 * caller sets @live->source_ops and @live->source to its own sink (one with
 * no next(): nothing is merged or decoded), e.g. record's page sink.
 * Returns 0, or -1 after printing why; call kpt_live_teardown() either way.
 */
int kpt_live_setup_raw(struct kpt_live *live, const struct kpt_trace_opts *opts)
{
	int i;

	if (kpt_live_prepare(live, opts) < 0)
		return -1;
	live->session = kpt_session_alloc();
	if (!live->session || kpt_session_create(live->session, opts->buffer_kb) < 0)
		return -1;
	for (i = 0; i < live->nr_probes; i++) {
		if (opts->ustack && fetch_return_address(&live->probes[i]) < 0)
			return -1;
		if (kpt_session_add_probe(live->session, &live->probes[i], i) < 0)
			return -1;
	}
	if (kpt_session_add_event(live->session, "sched", "sched_process_exit") < 0)
		return -1;
	if (opts->filter && kpt_session_set_filter(live->session, opts->filter) < 0)
		return -1;
	if ((opts->stack || opts->ustack) &&
	    kpt_session_add_stacks(live->session, opts->stack, opts->ustack) < 0)
		return -1;
	return 0;
}

/**
 * kpt_live_setup - parse probes, start CMD (held), create session, probes and readers
 * @live: zeroed by the call, then filled in
 * @opts: the parsed options; must outlive @live
 *
 * Returns 0, or -1 after printing why; call kpt_live_teardown() either way.
 */
int kpt_live_setup(struct kpt_live *live, const struct kpt_trace_opts *opts)
{
	return kpt_live_setup_shaped(live, opts, NULL, NULL);
}

/**
 * kpt_live_setup_shaped - kpt_live_setup(), with a say in what the session records
 * @live: zeroed by the call, then filled in
 * @opts: the parsed options; must outlive @live
 * @shape: called once the probes exist, before formats are read and readers
 *	opened, e.g. to have the kernel measure calls; or NULL
 * @ctx: passed to @shape
 *
 * Returns 0, or -1 after printing why; call kpt_live_teardown() either way.
 */
int kpt_live_setup_shaped(struct kpt_live *live, const struct kpt_trace_opts *opts,
			  kpt_live_shape_fn shape, void *ctx)
{
	const struct kpt_source_ops *source_ops = kpt_source_find(opts->backend);

	if (!source_ops) {
		memset(live, 0, sizeof(*live));
		live->target.gate_fd = -1;
		kpt_err("--backend '%s': unknown; use tracefs or perf", opts->backend);
		return -1;
	}
	if (kpt_live_setup_raw(live, opts) < 0)
		return -1;
	live->source_ops = source_ops;
	if (shape && shape(live, ctx) < 0)
		return -1;
	if (kpt_session_load_formats(live->session) < 0 || kpt_kfilter_load(live->session) < 0 ||
	    setup_decoder(live) < 0)
		return -1;
	live->source = live->source_ops->open(live->session, live->target.pid);
	if (!live->source)
		return -1;
	live->merge = kpt_merge_alloc(live->source_ops->nr_cpus(live->source),
				      live->source_ops->next, live->source);
	return live->merge ? 0 : -1;
}

static void consume(struct kpt_live *live, uint64_t limit, struct kpt_engine *engine)
{
	struct kpt_record rec;

	if (!live->merge || !engine)
		return;		/* a raw sink or counters: nothing to merge */
	kpt_merge_refill(live->merge);
	while (!kpt_output_failed() && kpt_merge_next(live->merge, limit, &rec))
		kpt_engine_record(engine, &rec);
}

static int report(struct kpt_engine *engine, const struct kpt_live_ops *ops, void *ctx,
		  int interval, bool final, double elapsed, const struct kpt_loss *loss)
{
	if (ops)
		ops->report(ctx, interval, final, elapsed, loss);
	return engine ? kpt_engine_report(engine, interval, final, elapsed, loss) : 0;
}

static void read_loss(struct kpt_live *live, struct kpt_loss *loss)
{
	live->source_ops->loss(live->source, loss);
	loss->probe_misses = kpt_session_probe_misses(live->session);
}

static int next_timeout(uint64_t now, uint64_t next_report, uint64_t end)
{
	uint64_t wake = now + POLL_MS * NSEC_PER_MSEC;

	if (next_report && next_report < wake)
		wake = next_report;
	if (end && end < wake)
		wake = end;
	return wake > now ? (int)((wake - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC) : 0;
}

/**
 * kpt_live_run - trace until the end, feeding every record to @engine
 * @live: a set-up live run
 * @engine: decodes, pairs and hands on to the analysers, and reports; NULL
 *	for a raw sink
 * @ops: told of every report too, or NULL
 * @ctx: passed to @ops
 *
 * Tracing ends at -d, at Ctrl-C/SIGTERM/SIGHUP, when CMD or -p PID exits,
 * or when standard output is closed or cannot be written (kpt_output_check()).
 * Every buffer is drained before the final report. Returns 0, or -1 after
 * printing why (a report that could not be written among them).
 */
int kpt_live_run(struct kpt_live *live, struct kpt_engine *engine,
		 const struct kpt_live_ops *ops, void *ctx)
{
	const struct kpt_trace_opts *opts = live->opts;
	uint64_t start, now, end = 0, next_report = 0, last_report, limit;
	struct kpt_loss loss;
	int interval = 0;

	if (live->source_ops->enable(live->source) < 0)
		return -1;
	/* Before CMD starts: once released, it may run to its end before we run again. */
	start = last_report = kpt_monotonic_ns();
	/* Interrupted during set-up: report nothing traced, and never start CMD. */
	if (!kpt_stop_requested() && kpt_target_start(&live->target) < 0) {
		kpt_err("cannot start '%s'", opts->command[0]);
		return -1;
	}
	if (opts->duration)
		end = start + (uint64_t)(opts->duration * NSEC_PER_SEC);
	if (opts->interval)
		next_report = start + (uint64_t)(opts->interval * NSEC_PER_SEC);

	while (!kpt_stop_requested()) {
		now = kpt_monotonic_ns();
		if (end && now >= end)
			break;
		if ((opts->command || opts->pid) && kpt_target_done(&live->target))
			break;
		if (live->source_ops->wait(live->source, next_timeout(now, next_report, end)) < 0 &&
		    errno != EINTR) {
			kpt_err("waiting for the ring buffers: %s", strerror(errno));
			return -1;
		}
		if (live->source_ops->fill(live->source, false, &limit) < 0)
			return -1;
		consume(live, limit, engine);
		kpt_output_check(stdout, NULL);
		now = kpt_monotonic_ns();
		if (next_report && now >= next_report) {
			read_loss(live, &loss);
			if (report(engine, ops, ctx, ++interval, false,
				   (double)(now - last_report) / NSEC_PER_SEC, &loss) < 0)
				return -1;
			last_report = now;
			next_report += (uint64_t)(opts->interval * NSEC_PER_SEC);
		}
	}

	live->source_ops->stop(live->source);
	if (live->source_ops->fill(live->source, true, &limit) < 0)
		return -1;
	consume(live, limit, engine);
	now = kpt_monotonic_ns();
	read_loss(live, &loss);
	return report(engine, ops, ctx, opts->interval ? ++interval : 0, true,
		      (double)(now - last_report) / NSEC_PER_SEC, &loss);
}

/**
 * kpt_live_teardown - close readers, remove probes and instance, reap CMD
 * @live: the run, in whatever state setup or run left it
 *
 * Returns the exit code to pass on: CMD's, or 0.
 */
int kpt_live_teardown(struct kpt_live *live)
{
	int i, code;

	kpt_merge_free(live->merge);
	if (live->source)
		live->source_ops->close(live->source);
	kpt_session_destroy(live->session);
	kpt_session_free(live->session);
	kpt_decoder_free(live->decoder);
	kpt_target_abort(&live->target);
	for (i = 0; i < live->nr_probes; i++)
		kpt_probe_release(&live->probes[i]);
	free(live->probes);
	code = kpt_target_exit_code(&live->target);
	memset(live, 0, sizeof(*live));
	return code;
}
