/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A recording's parts: what record keeps on disk while it traces, so that a
 * run killed by SIGKILL, the OOM killer or a power cut loses only its last
 * second of pages.
 *
 * FILE.parts/ holds "head" (the trace.dat up to its CPU data, written before
 * tracing starts), "info" (the few numbers needed to finish it) and one
 * "cpuN" file of raw ring-buffer pages per CPU, synced about once a second.
 * A complete run assembles FILE from them and removes the directory;
 * 'kptrace record --recover FILE' assembles FILE from what a killed run left.
 * Where the file system can, a complete run assembles FILE around the pages
 * of the CPU that has most, in its "cpuN" file, and renames that to FILE;
 * "assembled" says which CPU and where its pages go, so that recovery finds
 * them at either place.
 */
#ifndef KPT_TRACEDAT_PARTS_H
#define KPT_TRACEDAT_PARTS_H

#include <stdint.h>

#include "tracedat/write.h"

/* In the recording tool's name of a recovered file: 'kptrace report' says it was cut short. */
#define KPT_TRACEDAT_CUT_SHORT	" (cut short; recovered by kptrace record --recover)"

/* What kpt_tracedat_parts_recover() kept. */
struct kpt_tracedat_recovery {
	int nr_cpus;
	uint64_t pages;			/* whole, valid pages kept */
	uint64_t dropped_bytes;		/* a torn last page, or pages after a corrupt one */
	uint64_t size;			/* bytes of the file written */
};

char *kpt_tracedat_parts_mkdir(const char *output);
int kpt_tracedat_parts_write_head(const char *dir, const struct kpt_tracedat_meta *meta,
				  int nr_cpus);
int kpt_tracedat_parts_sync_dir(const char *dir);
int kpt_tracedat_parts_mark_assembled(const char *dir, int cpu, uint64_t offset, uint64_t size);
void kpt_tracedat_parts_remove(const char *dir);
int kpt_tracedat_parts_recover(const char *output, struct kpt_tracedat_recovery *result);

#endif
