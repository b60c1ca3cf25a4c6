/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trace.dat writer: trace-cmd's file format, version 6, uncompressed, so that
 * trace-cmd report, KernelShark and libtracecmd open what kptrace records.
 *
 * The writer knows nothing of tracefs: the caller hands it the text files and
 * the raw ring-buffer pages, and the machine's byte order, long size and
 * page size as parameters, so it is tested without root and for any target.
 */
#ifndef KPT_TRACEDAT_H
#define KPT_TRACEDAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The traced machine, as the file records it; numbers are written in its byte order. */
struct kpt_tracedat_params {
	bool big_endian;
	int long_size;			/* its user-space long: 4 or 8 */
	unsigned int page_size;		/* ring-buffer page (sub-buffer) size, a power of two */
};

/* A file's contents, e.g. a format file; size 0 for none. */
struct kpt_tracedat_blob {
	const char *data;
	size_t size;
};

/* One event system and the format files of its recorded events. */
struct kpt_tracedat_system {
	const char *name;
	const struct kpt_tracedat_blob *formats;
	int nr_formats;
};

/* One CPU's recorded pages. */
struct kpt_tracedat_cpu {
	int fd;				/* -1 when size is 0 */
	uint64_t size;			/* bytes: whole pages of page_size */
	const char *stats;		/* its per_cpu/cpuN/stats text, or NULL */
	uint64_t offset;		/* where the pages start in fd, usually 0 */
};

/* Everything the file holds besides the pages. Blobs may be empty. */
struct kpt_tracedat_meta {
	struct kpt_tracedat_params params;
	struct kpt_tracedat_blob header_page;		/* events/header_page */
	struct kpt_tracedat_blob header_event;		/* events/header_event */
	const struct kpt_tracedat_blob *ftrace_formats;	/* events/ftrace/NAME/format */
	int nr_ftrace_formats;
	const struct kpt_tracedat_system *systems;	/* every other recorded system */
	int nr_systems;
	struct kpt_tracedat_blob kallsyms;		/* /proc/kallsyms */
	struct kpt_tracedat_blob printk_formats;	/* printk_formats */
	struct kpt_tracedat_blob cmdlines;		/* saved_cmdlines: "PID COMM" lines */
	const char *clock;		/* the trace clock, e.g. "mono", or NULL */
	const char *uname;		/* "sysname nodename release machine", or NULL */
	const char *version;		/* the recording tool, or NULL */
};

void kpt_tracedat_params_host(struct kpt_tracedat_params *params, unsigned int page_size);
/* More CPUs than this is a corrupt count, for the writer as for the reader. */
#define KPT_TRACEDAT_MAX_CPUS	4096

int kpt_tracedat_write(int fd, const struct kpt_tracedat_meta *meta,
		       const struct kpt_tracedat_cpu *cpus, int nr_cpus);
int64_t kpt_tracedat_pages_offset(const struct kpt_tracedat_meta *meta,
				  const struct kpt_tracedat_cpu *cpus, int nr_cpus, int cpu);
int kpt_tracedat_write_around(const struct kpt_tracedat_meta *meta,
			      const struct kpt_tracedat_cpu *cpus, int nr_cpus, int cpu);
int kpt_tracedat_write_head(int fd, const struct kpt_tracedat_meta *meta, int nr_cpus);
int kpt_tracedat_write_joined(int fd, int head_fd, uint64_t head_size,
			      const struct kpt_tracedat_params *params, const char *clock,
			      const struct kpt_tracedat_cpu *cpus, int nr_cpus);

#endif
