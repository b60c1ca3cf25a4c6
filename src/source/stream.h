/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stream: per-CPU readers over an instance's raw ring buffers (trace_pipe_raw).
 *
 * Pages are copied out and queued per CPU (splice), or, when asked, read
 * where the kernel wrote them (a mapped buffer, Linux 6.10+), and handed out
 * record by record as merge sources. Readers are opened once and never reopened.
 */
#ifndef KPT_STREAM_H
#define KPT_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "source/record.h"

struct tep_handle;
struct tracefs_instance;
struct kpt_stream;

enum kpt_stream_mode {
	KPT_STREAM_MAPPED,	/* read in place through the mapped buffer */
	KPT_STREAM_SPLICE,	/* pages copied out through trace_pipe_raw */
};

struct kpt_stream *kpt_stream_open(struct tracefs_instance *instance, struct tep_handle *tep,
				   bool mono_clock);
enum kpt_stream_mode kpt_stream_mode(const struct kpt_stream *stream);
bool kpt_stream_mapping_wanted(void);
int kpt_stream_probe_mapping(struct tracefs_instance *instance);
int kpt_stream_nr_cpus(const struct kpt_stream *stream);
int kpt_stream_wait(struct kpt_stream *stream, int timeout_ms);
int kpt_stream_fill(struct kpt_stream *stream, bool final, uint64_t *limit);
int kpt_stream_next(void *stream, int cpu, struct kpt_record *rec);
void kpt_stream_loss(struct kpt_stream *stream, struct kpt_loss *loss);
void kpt_stream_close(struct kpt_stream *stream);

#endif
