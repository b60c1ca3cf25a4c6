/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Source: a backend that moves raw records out of the kernel, one merge
 * source per CPU. Every backend hands on the same ftrace record payloads, so
 * merge, decode, pair and analyse are shared.
 *
 *   tracefs  the instance's per-CPU raw ring buffers (stream.c), the default
 *   perf     perf's ring buffers through libperf (backend_perf.c)
 */
#ifndef KPT_SOURCE_H
#define KPT_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/merge.h"
#include "source/record.h"

struct kpt_session;

struct kpt_source_ops {
	const char *name;
	/*
	 * Open readers for the session's events (created, formats loaded, not yet
	 * enabled), scoped to process @pid and everything it starts, or to the
	 * whole system when @pid is 0. Returns the backend's handle, or NULL
	 * after printing why.
	 */
	void *(*open)(struct kpt_session *session, int pid);
	int (*nr_cpus)(void *source);
	int (*enable)(void *source);		/* start writing records */
	void (*stop)(void *source);		/* stop writing; buffered records stay readable */
	int (*wait)(void *source, int timeout_ms);	/* poll()-like; -1/EINTR on signals */
	/* Read what the kernel buffered; *limit is the newest timestamp safe to merge. */
	int (*fill)(void *source, bool final, uint64_t *limit);
	kpt_source_next_fn next;
	void (*loss)(void *source, struct kpt_loss *loss);
	void (*close)(void *source);		/* NULL is fine */
};

extern const struct kpt_source_ops kpt_tracefs_source;
extern const struct kpt_source_ops kpt_perf_source;

const struct kpt_source_ops *kpt_source_find(const char *name);

#endif
