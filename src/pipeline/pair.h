/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pair: match entries with returns per thread, on a stack, so nested and
 * recursive calls pair correctly, and count what does not pair.
 */
#ifndef KPT_PAIR_H
#define KPT_PAIR_H

#include <stdint.h>

#include "pipeline/decode.h"

struct kpt_span {
	int probe;
	int tid;
	int depth;			/* frames below this one on the thread's stack */
	int cpu;			/* where the entry was recorded */
	uint64_t start;
	uint64_t end;
	const struct kpt_event *exit;	/* the return record, for its return value */
};

/* What did not pair, per probe. None of it is hidden: reports print it. */
struct kpt_pair_counts {
	uint64_t spans;		/* entries matched with their return */
	uint64_t orphan_exits;	/* returns whose entry was never seen */
	uint64_t lost_exits;	/* entries whose return was never seen (an outer call returned) */
	uint64_t task_exits;	/* entries still open when their thread exited */
	uint64_t open_at_end;	/* entries still open when tracing stopped */
};

typedef void (*kpt_span_fn)(void *ctx, const struct kpt_span *span);

struct kpt_pairer;

struct kpt_pairer *kpt_pairer_alloc(int nr_probes, kpt_span_fn span_fn, void *ctx);
void kpt_pairer_feed(struct kpt_pairer *pairer, const struct kpt_event *ev);
void kpt_pairer_finish(struct kpt_pairer *pairer);
const struct kpt_pair_counts *kpt_pairer_counts(const struct kpt_pairer *pairer, int probe);
void kpt_pairer_reset_counts(struct kpt_pairer *pairer);
void kpt_pairer_free(struct kpt_pairer *pairer);

#endif
