/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pair: match entries with returns per thread, on a stack, so nested and
 * recursive calls pair correctly, and count what does not pair. A probe with
 * a key (two tracepoints that happen on different threads, such as a wake-up
 * and the switch to the woken task) pairs by the values of its key fields
 * instead.
 */
#ifndef KPT_PAIR_H
#define KPT_PAIR_H

#include <stdint.h>

#include "pipeline/decode.h"

/* struct kpt_span and struct kpt_pair_counts are the analyser ABI's (kptrace/analyser.h). */

typedef void (*kpt_span_fn)(void *ctx, const struct kpt_span *span);
/* Make a KPT_ROLE_SPAN event into a span, its entry and its exit: 0, or -1 to drop it. */
typedef int (*kpt_span_maker_fn)(void *ctx, const struct kpt_event *ev, struct kpt_span *span,
				 struct kpt_event *entry, struct kpt_event *exit);

struct kpt_pairer;
struct tep_event;

/* The most fields a key may have. */
#define KPT_PAIR_KEY_MAX	4

/*
 * A pairing key: an entry and an exit pair when the entry's fields entry[i]
 * equal the exit's fields exit[i], whatever thread wrote them.
 */
struct kpt_pair_key {
	int nr;				/* 0: pair per thread */
	char *entry[KPT_PAIR_KEY_MAX];
	char *exit[KPT_PAIR_KEY_MAX];
};

int kpt_pair_key_parse(const char *text, struct kpt_pair_key *key, char **errmsg);
int kpt_pair_key_check(const struct kpt_pair_key *key, struct tep_event *entry,
		       struct tep_event *exit, const char *probe);
void kpt_pair_key_release(struct kpt_pair_key *key);

struct kpt_pairer *kpt_pairer_alloc(int nr_probes, kpt_span_fn span_fn, void *ctx);
void kpt_pairer_keep_entries(struct kpt_pairer *pairer);
void kpt_pairer_keep_stacks(struct kpt_pairer *pairer);
int kpt_pairer_set_key(struct kpt_pairer *pairer, int probe, const struct kpt_pair_key *key);
void kpt_pairer_set_span_maker(struct kpt_pairer *pairer, kpt_span_maker_fn fn, void *ctx);
void kpt_pairer_feed(struct kpt_pairer *pairer, const struct kpt_event *ev);
void kpt_pairer_finish(struct kpt_pairer *pairer, kpt_span_fn open_fn, void *ctx);
const struct kpt_pair_counts *kpt_pairer_counts(const struct kpt_pairer *pairer, int probe);
void kpt_pairer_reset_counts(struct kpt_pairer *pairer);
void kpt_pairer_free(struct kpt_pairer *pairer);

#endif
