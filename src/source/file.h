/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * File source: the records of a trace.dat file (kptrace record's, or
 * trace-cmd record's or extract's) instead of the kernel's, fed to the same
 * engine. The probes are the file's pairs (found by their event names, see
 * discover.h), all of them or those selected by name, and --pair ones; a
 * time window (--start/--end) picks the records.
 */
#ifndef KPT_SOURCE_FILE_H
#define KPT_SOURCE_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/engine.h"

/* --start/--end, in nanoseconds after the first record of the file. */
struct kpt_window {
	uint64_t start;		/* 0: from the first record */
	uint64_t end;		/* with has_end: records after first + end are left out */
	bool has_end;
	/* filled in by kpt_window_check() */
	bool seen_first;
	bool seen_inside;
	bool passed_end;
	uint64_t first_ts;	/* the first record of the file */
	uint64_t last_inside;	/* the last record inside the window */
};

enum kpt_window_pos {
	KPT_WINDOW_BEFORE = -1,
	KPT_WINDOW_INSIDE = 0,
	KPT_WINDOW_AFTER = 1,
};

enum kpt_window_pos kpt_window_check(struct kpt_window *window, uint64_t ts);
double kpt_window_elapsed(const struct kpt_window *window);

struct kpt_file_opts {
	const char *path;
	const char *const *probes;	/* names or globs of the file's pairs; none: all */
	int nr_probes;
	const char *probe_option;	/* how messages call them: "-e" or "probe" */
	const char *const *pairs;	/* --pair ENTRY,EXIT */
	int nr_pairs;
	struct kpt_window window;	/* --start, --end */
	bool libtracecmd;		/* read records through libtracecmd */
	bool quiet;			/* no progress line (JSON, --list) */
	bool kernel_stacks;		/* --stack: decode the file's kernel stacks */
	bool user_stacks;		/* --ustack: and its user stacks */
};

struct kpt_file_source;

int kpt_file_open(const struct kpt_file_opts *opts, struct kpt_file_source **src);
int kpt_file_nr_probes(const struct kpt_file_source *src);
int kpt_file_probes_per_buffer(const struct kpt_file_source *src);
const struct kpt_pair_key *kpt_file_probe_key(const struct kpt_file_source *src, int probe);
int kpt_file_nr_buffers(const struct kpt_file_source *src);
const char *const *kpt_file_probe_names(const struct kpt_file_source *src);
const bool *kpt_file_shown(const struct kpt_file_source *src);
const struct kpt_decoder *kpt_file_decoder(const struct kpt_file_source *src);
const char *kpt_file_clock(const struct kpt_file_source *src);
const char *kpt_file_comm(void *src, int tid);
char *kpt_file_kallsyms(struct kpt_file_source *src, size_t *len);
int kpt_file_run(struct kpt_file_source *src, struct kpt_engine *engine);
int kpt_file_list(struct kpt_file_source *src, bool json);
void kpt_file_close(struct kpt_file_source *src);

#endif
