/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A raw ring-buffer record as every source hands it on: the payload is the
 * event's ftrace layout (common_type, common_pid, fields), whichever backend
 * or file it came from.
 */
#ifndef KPT_RECORD_H
#define KPT_RECORD_H

#include <stdint.h>

struct kpt_record {
	uint64_t ts;		/* trace clock, nanoseconds */
	void *data;		/* the event payload; valid until the source moves on */
	int size;		/* payload bytes */
	int cpu;
};

/* Records the kernel could not deliver. Reports print every non-zero field. */
struct kpt_loss {
	uint64_t missed_pages;		/* ring-buffer pages flagged "events missed before" */
	uint64_t missed_events;		/* events those flags counted, where the kernel knew */
	uint64_t overrun;		/* overwritten before being read (per-CPU stats) */
	uint64_t dropped;		/* not written because the buffer was full (per-CPU stats) */
	uint64_t probe_misses;		/* kprobe/kretprobe nmissed (kprobe_profile) */
	uint64_t perf_lost;		/* perf ring buffers: PERF_RECORD_LOST counts (exact) */
};

#endif
