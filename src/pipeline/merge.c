// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Merge: a binary min-heap over the head record of every source.
 *
 * The source of the record last returned is asked for its next record only
 * at the following call, so the record handed to the caller stays valid
 * (a page-based source may recycle the page when it moves on). Its head
 * stays at the top of the heap until then and is replaced in place.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "pipeline/merge.h"

struct merge_head {
	struct kpt_record rec;
	int source;
};

struct kpt_merge {
	kpt_source_next_fn next;
	void *ctx;
	int nr_sources;
	int nr_heap;
	bool pending;		/* the top's record was handed out: its source moves on next */
	bool *in_heap;
	struct merge_head *heap;
};

/**
 * kpt_merge_alloc - set up a merge over @nr_sources sources
 * @nr_sources: how many sources (CPUs)
 * @next: how to read a source
 * @ctx: passed to @next
 *
 * The heap starts empty: call kpt_merge_refill() once the sources have data.
 * Returns the merge, or NULL on allocation failure.
 */
struct kpt_merge *kpt_merge_alloc(int nr_sources, kpt_source_next_fn next, void *ctx)
{
	struct kpt_merge *merge = calloc(1, sizeof(*merge));

	if (!merge)
		return NULL;
	merge->next = next;
	merge->ctx = ctx;
	merge->nr_sources = nr_sources;
	merge->in_heap = calloc(nr_sources, sizeof(*merge->in_heap));
	merge->heap = calloc(nr_sources, sizeof(*merge->heap));
	if (!merge->in_heap || !merge->heap) {
		kpt_merge_free(merge);
		return NULL;
	}
	return merge;
}

static bool earlier(const struct merge_head *a, const struct merge_head *b)
{
	if (a->rec.ts != b->rec.ts)
		return a->rec.ts < b->rec.ts;
	return a->source < b->source;
}

static void swap_heads(struct merge_head *a, struct merge_head *b)
{
	struct merge_head tmp = *a;

	*a = *b;
	*b = tmp;
}

static void sift_up(struct kpt_merge *merge, int i)
{
	while (i > 0 && earlier(&merge->heap[i], &merge->heap[(i - 1) / 2])) {
		swap_heads(&merge->heap[i], &merge->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct kpt_merge *merge, int i)
{
	for (;;) {
		int left = 2 * i + 1, right = left + 1, min = i;

		if (left < merge->nr_heap && earlier(&merge->heap[left], &merge->heap[min]))
			min = left;
		if (right < merge->nr_heap && earlier(&merge->heap[right], &merge->heap[min]))
			min = right;
		if (min == i)
			return;
		swap_heads(&merge->heap[i], &merge->heap[min]);
		i = min;
	}
}

static void pull(struct kpt_merge *merge, int source)
{
	struct merge_head *head = &merge->heap[merge->nr_heap];

	if (merge->in_heap[source] || !merge->next(merge->ctx, source, &head->rec))
		return;
	head->source = source;
	merge->in_heap[source] = true;
	sift_up(merge, merge->nr_heap++);
}

/*
 * The record at the top was handed out: replace it with its source's next
 * record and sift that down, or drop the top if the source ran dry. One sift
 * a record, none at all while one source has the earliest records.
 */
static void advance_top(struct kpt_merge *merge)
{
	struct merge_head *top = &merge->heap[0];

	if (!merge->next(merge->ctx, top->source, &top->rec)) {
		merge->in_heap[top->source] = false;
		*top = merge->heap[--merge->nr_heap];
	}
	if (merge->nr_heap > 1)
		sift_down(merge, 0);
}

/**
 * kpt_merge_refill - take the head record of every source that had run dry
 * @merge: the merge
 */
void kpt_merge_refill(struct kpt_merge *merge)
{
	int source;

	if (merge->pending) {
		advance_top(merge);
		merge->pending = false;
	}
	for (source = 0; source < merge->nr_sources; source++)
		pull(merge, source);
}

/**
 * kpt_merge_next - the earliest record of all sources, if it is not after @limit
 * @merge: the merge
 * @limit: records stamped after this stay queued (UINT64_MAX for none)
 * @rec: the record; valid until the next call
 *
 * Returns 1 with @rec filled, or 0 when every source is dry or the earliest
 * record is after @limit.
 */
int kpt_merge_next(struct kpt_merge *merge, uint64_t limit, struct kpt_record *rec)
{
	if (merge->pending) {
		advance_top(merge);
		merge->pending = false;
	}
	if (!merge->nr_heap || merge->heap[0].rec.ts > limit)
		return 0;
	*rec = merge->heap[0].rec;
	merge->pending = true;
	return 1;
}

/**
 * kpt_merge_free - release a merge (NULL is fine)
 * @merge: the merge
 */
void kpt_merge_free(struct kpt_merge *merge)
{
	if (!merge)
		return;
	free(merge->in_heap);
	free(merge->heap);
	free(merge);
}
