/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A raw ring-buffer record as every source hands it on: the payload is the
 * event's ftrace layout (common_type, common_pid, fields), whichever backend
 * or file it came from.
 */
#ifndef KPT_RECORD_H
#define KPT_RECORD_H

#include <stdint.h>

#include <kptrace/analyser.h>

struct kpt_record {
	uint64_t ts;		/* trace clock, nanoseconds */
	void *data;		/* the event payload; valid until the source moves on */
	int size;		/* payload bytes */
	int cpu;
};

/* struct kpt_loss, what the kernel could not deliver, is the analyser ABI's. */

#endif
