/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Grouping keys (--by KEY): what a span or an event is grouped under. A key
 * has a kind and an extractor that reads it from a span (or from one event,
 * for count) into a 64-bit value; command names and text arguments are
 * interned, so their value is an index. New kinds (a stack, say) join by
 * adding an enumerator, a name in the parser's table, and a case in the
 * extractor and in the formatter.
 */
#ifndef KPT_KEY_H
#define KPT_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kptrace/analyser.h>

enum kpt_key_kind {
	KPT_KEY_PID = 1,	/* the thread's process (thread group) id */
	KPT_KEY_TID,		/* the thread id the record carries (common_pid) */
	KPT_KEY_COMM,		/* that thread's command name */
	KPT_KEY_CPU,		/* the CPU the entry was recorded on */
	KPT_KEY_ARG,		/* a fetched argument of the entry, by name */
	KPT_KEY_RET,		/* the return value: the exit's "ret", else its first one */
};

struct kpt_key;

int kpt_key_parse(const char *text, enum kpt_key_kind *kind, const char **arg);
struct kpt_key *kpt_key_alloc(const char *text, const struct kpt_host *host, int nr_probes,
			      const char *const *probe_names, char *err, size_t errsize);
enum kpt_key_kind kpt_key_kind(const struct kpt_key *key);
const char *kpt_key_label(const struct kpt_key *key);
unsigned int kpt_key_flags(const struct kpt_key *key);
int kpt_key_of_span(struct kpt_key *key, const struct kpt_span *span, uint64_t *val);
int kpt_key_of_event(struct kpt_key *key, const struct kpt_event *ev, uint64_t *val);
int kpt_key_format(const struct kpt_key *key, int probe, uint64_t val, char *buf, size_t size);
int kpt_key_compare(const struct kpt_key *key, int probe, uint64_t a, uint64_t b);
void kpt_key_free(struct kpt_key *key);

#endif
