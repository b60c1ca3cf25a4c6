/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside src/probe/: the probe types, one file each, and what they share.
 * Only probe.c's table and the types' own files use this header.
 */
#ifndef KPT_PROBE_TYPES_H
#define KPT_PROBE_TYPES_H

#include <stdbool.h>

#include "probe/probe.h"

extern const struct kpt_probe_type kpt_probe_kprobe;
extern const struct kpt_probe_type kpt_probe_uprobe;
extern const struct kpt_probe_type kpt_probe_syscall;
extern const struct kpt_probe_type kpt_probe_tracepoint;
extern const struct kpt_probe_type kpt_probe_raw;
extern const struct kpt_probe_type kpt_probe_fprobe;

struct kpt_session;

/* probe.c: helpers of every type */
int kpt_probe_fail(char **errmsg, char *msg);
bool kpt_probe_valid_symbol(const char *sym);
int kpt_probe_name_dynevents(struct kpt_probe *probe, const char *group, int index);
int kpt_probe_discover_dynevents(struct kpt_discover *discover, const struct kpt_event_name *ev);

/* kprobe.c and uprobe.c: a TARGET without fetch-args, for their own forms and raw.c's */
int kpt_kprobe_parse_target(const char *target, struct kpt_probe *probe, const char *spec,
			    char **errmsg);
int kpt_uprobe_parse_target(const char *target, struct kpt_probe *probe, const char *spec,
			    char **errmsg);

/* fprobe.c: make a kernel-function probe as an fprobe and its exit */
int kpt_fprobe_create(struct kpt_session *session, struct kpt_probe *probe);

/* tracepoint.c: does the tracepoint at @point exist? Prints why not. */
int kpt_tracepoint_check(const struct kpt_probe *probe, const struct kpt_probe_point *point);
/* tracepoint.c: fetch-args at a tracepoint pair's entry through an event probe */
int kpt_tracepoint_name_eprobe(struct kpt_probe *probe, const char *group, int index);
int kpt_tracepoint_eprobe(struct kpt_session *session, struct kpt_probe *probe);

#endif
