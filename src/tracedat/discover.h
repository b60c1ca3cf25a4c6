/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Discover: which events of a trace file pair up into spans, by their names.
 * The probe types tell (src/probe/: kprobe.c and uprobe.c, syscall.c, raw.c):
 *
 *   kptrace_PID:p<N>_X .. kptrace_PID:r<N>_X     kptrace's own probes, named "X"
 *   syscalls:sys_enter_X .. syscalls:sys_exit_X    named "syscall:X"
 *   GROUP:X .. GROUP:X__return                     perf probe's kprobes and uprobes,
 *   GROUP:p_X .. GROUP:r_X                         and other tools' p_/r_ pairs,
 *                                                  named "GROUP:X"
 *
 * The last two only pair an entry probe with a return probe (as their formats'
 * fields tell), so that two tracepoints with such names do not. Pairs given
 * explicitly (--pair SYS:ENTRY,SYS:EXIT) are parsed here too.
 */
#ifndef KPT_DISCOVER_H
#define KPT_DISCOVER_H

#include <stdbool.h>

#include "pipeline/pair.h"

struct tep_event;
struct kpt_discover;

/* What an event's format says it is. */
enum kpt_event_kind {
	KPT_EVENT_OTHER,	/* a tracepoint, or a probe of unknown kind */
	KPT_EVENT_ENTRY_PROBE,	/* kprobe or uprobe: has __probe_ip */
	KPT_EVENT_RETURN_PROBE,	/* kretprobe or uretprobe: has __probe_ret_ip */
};

struct kpt_event_name {
	const char *system;
	const char *name;
	enum kpt_event_kind kind;
};

/* Where a pair comes from; pairs are listed in this order. */
enum kpt_pair_origin {
	KPT_PAIR_KPTRACE,
	KPT_PAIR_SYSCALL,
	KPT_PAIR_OTHER_PROBE,
	KPT_PAIR_EXPLICIT,
};

struct kpt_pair {
	char *name;		/* how reports name it */
	char *entry_system;
	char *entry_event;
	char *exit_system;
	char *exit_event;
	enum kpt_pair_origin origin;
	int order;		/* kptrace pairs: the probe's index N; otherwise 0 */
	struct kpt_pair_key key;	/* --pair '... key=F,...': pair by fields */
};

enum kpt_event_kind kpt_event_kind_of(const struct tep_event *format);
int kpt_discover_pairs(const struct kpt_event_name *events, int nr_events,
		       struct kpt_pair **pairs);
int kpt_pair_parse(const char *text, struct kpt_pair *pair, char **errmsg);
const struct kpt_event_name *kpt_discover_find(const struct kpt_discover *discover,
					       const char *system, const char *name);
bool kpt_discover_is_session_group(const char *system);
int kpt_discover_add(struct kpt_discover *discover, char *name, const char *system,
		     const char *entry, const char *exit, enum kpt_pair_origin origin, int order);
bool kpt_pair_matches(const struct kpt_pair *pair, const char *pattern);
void kpt_pair_release(struct kpt_pair *pair);
void kpt_pairs_free(struct kpt_pair *pairs, int nr_pairs);

#endif
