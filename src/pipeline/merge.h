/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Merge: per-CPU record streams into one stream in timestamp order.
 */
#ifndef KPT_MERGE_H
#define KPT_MERGE_H

#include <stdint.h>

#include "source/record.h"

/*
 * A source hands out its records in its own order (per-CPU buffers are in
 * time order). It returns 1 and fills @rec, or 0 when it has nothing now; it
 * may have more after the caller refills it and calls kpt_merge_refill().
 * The record must stay valid until the merge asks the same source again.
 */
typedef int (*kpt_source_next_fn)(void *ctx, int source, struct kpt_record *rec);

struct kpt_merge;

struct kpt_merge *kpt_merge_alloc(int nr_sources, kpt_source_next_fn next, void *ctx);
void kpt_merge_refill(struct kpt_merge *merge);
int kpt_merge_next(struct kpt_merge *merge, uint64_t limit, struct kpt_record *rec);
void kpt_merge_free(struct kpt_merge *merge);

#endif
