/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Page sink: moves whole ring-buffer pages from each CPU's trace_pipe_raw of
 * the session's instance into a per-CPU temporary file, undecoded, for
 * record. It is a live source with no records to hand on.
 */
#ifndef KPT_PAGESINK_H
#define KPT_PAGESINK_H

#include <stdint.h>

#include "source/source.h"

struct kpt_session;
struct kpt_pagesink;

/* One CPU's pages so far. */
struct kpt_pagesink_cpu {
	int fd;			/* an unlinked file; read it with pread() */
	uint64_t size;		/* bytes, whole pages */
};

/* The sink's live-source operations; open with kpt_pagesink_open(). */
extern const struct kpt_source_ops kpt_pagesink_ops;

struct kpt_pagesink *kpt_pagesink_open(struct kpt_session *session, int pid, const char *dir);
int kpt_pagesink_nr_cpus(const struct kpt_pagesink *sink);
unsigned int kpt_pagesink_page_size(const struct kpt_pagesink *sink);
void kpt_pagesink_cpu(const struct kpt_pagesink *sink, int cpu, struct kpt_pagesink_cpu *out);
char *kpt_pagesink_stats(struct kpt_pagesink *sink, int cpu);
void kpt_pagesink_close(struct kpt_pagesink *sink);

#endif
