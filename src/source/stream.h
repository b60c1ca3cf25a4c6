/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stream: per-CPU readers over an instance's raw ring buffers (trace_pipe_raw).
 *
 * Whole pages are read, queued per CPU, and handed out record by record as
 * merge sources. Readers are opened once and never reopened.
 */
#ifndef KPT_STREAM_H
#define KPT_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "source/record.h"

struct tep_handle;
struct tracefs_instance;
struct kpt_stream;

struct kpt_stream *kpt_stream_open(struct tracefs_instance *instance, struct tep_handle *tep);
int kpt_stream_nr_cpus(const struct kpt_stream *stream);
int kpt_stream_wait(struct kpt_stream *stream, int timeout_ms);
int kpt_stream_fill(struct kpt_stream *stream, bool final, uint64_t *limit);
int kpt_stream_next(void *stream, int cpu, struct kpt_record *rec);
void kpt_stream_loss(struct kpt_stream *stream, struct kpt_loss *loss);
void kpt_stream_close(struct kpt_stream *stream);

#endif
