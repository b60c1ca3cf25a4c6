/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacks: calls grouped by the stack they were made from (--stack, --ustack),
 * for latency, count and any analyser that wants them, and the folded text
 * flame graph tools read.
 *
 * A group is a probe and its frames' names, root first: the user stack from
 * its outermost caller in, then the kernel stack from its entry in. Frames
 * are named when a call arrives (the host interns each name, so a group's
 * key is a row of pointers), so two addresses in one function, or the same
 * function at another address in another process, are one group.
 */
#ifndef KPT_STACKS_H
#define KPT_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kptrace/analyser.h>

#include "analyse/hist.h"

/* --folded: what the value of a folded stack line is. */
enum kpt_folded {
	KPT_FOLDED_DEFAULT,	/* --folded alone: latency sums time, count counts */
	KPT_FOLDED_COUNT,	/* the number of calls */
	KPT_FOLDED_TIME,	/* the summed nanoseconds of the calls */
};

/* The one frame of a call whose stacks never arrived (lost, or none recorded). */
#define KPT_NO_STACK	"[no stack]"

struct kpt_stack_group {
	int probe;
	int nr;			/* frames, root first */
	const char **frames;	/* interned names (the host's) */
	uint64_t count;		/* calls */
	uint64_t total_ns;	/* their summed durations (spans only) */
	struct kpt_hist *hist;	/* the durations, with kpt_stacks_alloc(.., true) */
};

struct kpt_stacks;

struct kpt_stacks *kpt_stacks_alloc(const struct kpt_host *host, bool hist);
int kpt_stacks_frames(const struct kpt_host *host, const struct kpt_event *ev,
		      const char **frames, int max);
int kpt_stacks_format(const struct kpt_host *host, const struct kpt_event *ev, bool root_first,
		      const char *sep, char *buf, size_t size);
struct kpt_stack_group *kpt_stacks_add(struct kpt_stacks *stacks, int probe,
				       const struct kpt_event *ev, uint64_t duration);
int kpt_stacks_sorted(struct kpt_stacks *stacks, bool by_time, struct kpt_stack_group ***sorted);
int kpt_stacks_print_folded(FILE *out, struct kpt_stacks *stacks, const char *const *probe_names,
			    int nr_probes, bool value_ns);
void kpt_stacks_reset(struct kpt_stacks *stacks);
void kpt_stacks_free(struct kpt_stacks *stacks);

#endif
