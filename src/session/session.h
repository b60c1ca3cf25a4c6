/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session: one run's tracefs instance and probe group, and their removal.
 *
 * Every run owns an instance and a dynamic-event group, both named
 * "kptrace_<pid>". Everything the run changes lives in them, so destroying
 * them restores the system; kpt_session_remove_stale() removes what a killed
 * run left behind.
 */
#ifndef KPT_SESSION_H
#define KPT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <tracefs.h>

#include "probe/probe.h"

struct tep_handle;
struct tracefs_instance;
struct tracefs_dynevent;
struct kpt_kfilters;
struct kpt_watchdog;

struct kpt_session {
	char *name;				/* instance and probe group */
	struct tracefs_instance *instance;
	struct tracefs_dynevent **dynevents;	/* ours, to remove at the end */
	int nr_dynevents;
	char **named;				/* "group/event" of ours libtracefs cannot
						 * list (f:, t:), removed with -: */
	int nr_named;
	bool force_kprobes;			/* --kprobes: no fprobes for SYMBOL */
	char **events;				/* "system/event" we enable */
	bool *of_probe;				/* per event: a probe's, not an added one */
	int nr_events;
	struct tep_handle *tep;
	char clock[16];				/* the trace clock in use */
	unsigned long buffer_kb;		/* per-CPU buffer asked for, 0 for the default */
	const char *filter;			/* the probe events' filter, or NULL */
	bool *of_entry;				/* per event: a probe's entry */
	char **triggers;			/* "system/event" with our stacktrace trigger */
	int nr_triggers;
	bool stack_option;			/* kernel stacks through options/stacktrace */
	bool kernel_stacks;			/* --stack */
	bool user_stacks;			/* --ustack */
	struct kpt_kfilters *kfilters;		/* slow --kernel-filter (kfilter.c) */
	struct kpt_watchdog *watchdog;		/* removes all this if kptrace is killed */
	bool watchdog_tried;			/* started, or failed to start: not again */
};

struct kpt_session *kpt_session_alloc(void);
int kpt_session_create(struct kpt_session *session, unsigned long buffer_kb);
unsigned int kpt_session_page_size(struct tracefs_instance *instance);
int kpt_session_add_probe(struct kpt_session *session, struct kpt_probe *probe, int index);
int kpt_session_create_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent,
				const char *what, const struct kpt_probe *probe);
int kpt_session_create_kretprobe(struct kpt_session *session, struct kpt_probe *probe,
				 const char *target);
int kpt_session_keep_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent);
int kpt_session_create_named(struct kpt_session *session, const char *definition,
			     const char *what, const struct kpt_probe *probe);
int kpt_dynevent_remove_named(const char *system, const char *event);
void kpt_session_watch_dynevent(struct kpt_session *session, enum tracefs_dynevent_type type,
				const char *system, const char *event);
int kpt_session_fix_fetchargs(struct kpt_probe *probe, struct kpt_probe_point *point);
int kpt_session_args_by_name(struct kpt_probe *probe, struct kpt_probe_point *point, bool exit);
int kpt_session_returns_void(const char *function);
int kpt_session_add_event(struct kpt_session *session, const char *system, const char *event);
int kpt_session_add_stacks(struct kpt_session *session, bool kernel, bool user);
int kpt_session_load_formats(struct kpt_session *session);
int kpt_session_set_filter(struct kpt_session *session, const char *filter);
const char *kpt_session_event_filter(const struct kpt_session *session, int index);
int kpt_session_follow(struct kpt_session *session, int pid);
int kpt_session_enable(struct kpt_session *session);
void kpt_session_stop(struct kpt_session *session);
uint64_t kpt_session_probe_misses(struct kpt_session *session);
void kpt_session_destroy(struct kpt_session *session);
void kpt_session_free(struct kpt_session *session);
int kpt_session_remove_stale(bool verbose);

#endif
