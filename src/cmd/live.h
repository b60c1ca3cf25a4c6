/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Live tracing: set up probes and a session from the options, stream the
 * records in time order to the engine (or a raw sink), and tear everything
 * down. Every command that traces live shares it.
 */
#ifndef KPT_LIVE_H
#define KPT_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/decode.h"
#include "pipeline/pair.h"
#include "cmd/options.h"
#include "probe/probe.h"
#include "source/record.h"
#include "cmd/target.h"

struct kpt_decoder;
struct kpt_engine;
struct kpt_merge;
struct kpt_session;
struct kpt_source_ops;

struct kpt_live_ops {
	/*
	 * The -i interval elapsed (@interval counts from 1; 0 without -i), or
	 * tracing ended (@final: every record has been delivered).
	 */
	void (*report)(void *ctx, int interval, bool final, double elapsed,
		       const struct kpt_loss *loss);
};

struct kpt_live {
	const struct kpt_trace_opts *opts;
	struct kpt_probe *probes;
	int nr_probes;
	struct kpt_target target;
	struct kpt_session *session;
	struct kpt_decoder *decoder;
	const struct kpt_source_ops *source_ops;	/* the backend */
	void *source;
	struct kpt_merge *merge;
	/* slow --kernel-filter: the kernel's measured calls into spans */
	kpt_span_maker_fn span_maker;
	void *span_maker_ctx;
};

/* Called once the probes exist and before their formats are read (slow --kernel-filter). */
typedef int (*kpt_live_shape_fn)(struct kpt_live *live, void *ctx);

int kpt_live_setup(struct kpt_live *live, const struct kpt_trace_opts *opts);
int kpt_live_setup_shaped(struct kpt_live *live, const struct kpt_trace_opts *opts,
			  kpt_live_shape_fn shape, void *ctx);
int kpt_live_setup_raw(struct kpt_live *live, const struct kpt_trace_opts *opts);
int kpt_live_prepare(struct kpt_live *live, const struct kpt_trace_opts *opts);
int kpt_live_run(struct kpt_live *live, struct kpt_engine *engine,
		 const struct kpt_live_ops *ops, void *ctx);
int kpt_live_teardown(struct kpt_live *live);

#endif
