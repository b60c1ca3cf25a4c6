/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace files: trace-cmd's trace.dat, versions 6 and 7, as kptrace record and
 * trace-cmd record/extract write them.
 *
 * Opening checks the file's layout first (magic, version, every section and
 * every CPU's data inside the file), so that a bad file gets an error that
 * says what is wrong, then has libtracecmd read its metadata: the event
 * formats (the tep), the saved command names and the per-CPU statistics.
 *
 * Records are streamed in timestamp order with constant memory: each CPU's
 * pages are read a few at a time (zstd-compressed files one chunk at a time)
 * and merged. libtracecmd 1.3.1 maps each CPU's data whole, and keeps every
 * decompressed chunk of a compressed file, so its memory grows with the file;
 * it still reads the files this reader leaves to it: timestamps it must
 * adjust (TSC conversion, offsets, guest time sync) and compressions other
 * than zstd. A latency tracer's text output has no records and is refused.
 */
#ifndef KPT_TRACEDAT_READ_H
#define KPT_TRACEDAT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source/record.h"

struct tep_handle;
struct kpt_tracedat;

struct kpt_tracedat_info {
	int version;			/* 6 or 7 */
	const char *compression;	/* "none", or e.g. "zstd" */
	const char *clock;		/* as the file records it */
	int nr_buffers;			/* the top-level buffer ("") and instances */
	bool streamed;			/* records are streamed by kptrace, not libtracecmd */
	const char *why_not_streamed;	/* if not, why */
	bool cut_short;			/* made by record --recover from a killed run */
};

/* Which buffer a record is from, and the loss the kernel flagged before it. */
struct kpt_tracedat_record {
	struct kpt_record rec;
	int buffer;
	int missed;	/* first record of a page flagged "events missed": -1 or the count */
};

/* Return 0 to go on, 1 to stop (not an error), -1 to stop with an error. */
typedef int (*kpt_tracedat_fn)(void *ctx, const struct kpt_tracedat_record *rec);

int kpt_tracedat_open(const char *path, struct kpt_tracedat **file, char **errmsg);
struct tep_handle *kpt_tracedat_tep(struct kpt_tracedat *file);
void kpt_tracedat_info(const struct kpt_tracedat *file, struct kpt_tracedat_info *info);
const char *kpt_tracedat_buffer_name(const struct kpt_tracedat *file, int buffer);
bool kpt_tracedat_buffer_has_data(const struct kpt_tracedat *file, int buffer);
int kpt_tracedat_read(struct kpt_tracedat *file, bool use_libtracecmd, kpt_tracedat_fn fn,
		       void *ctx, char **errmsg);
void kpt_tracedat_loss(struct kpt_tracedat *file, int buffer, struct kpt_loss *loss);
char *kpt_tracedat_kallsyms(struct kpt_tracedat *file, size_t *len);
const char *kpt_tracedat_comm(struct kpt_tracedat *file, int pid);
void kpt_tracedat_close(struct kpt_tracedat *file);

/* Exposed for unit tests: the fixed start of every trace.dat file. */
struct kpt_tracedat_header {
	int version;
	bool big_endian;
	int long_size;
	unsigned int page_size;
	unsigned int length;		/* bytes up to the page size (version 6) */
};

int kpt_tracedat_parse_header(const void *buf, unsigned int len,
			       struct kpt_tracedat_header *header, char **errmsg);
int kpt_tracedat_parse_cpustats(const char *stats, const char *buffer, struct kpt_loss *loss);

#endif
