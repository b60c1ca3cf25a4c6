/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Probe specifications: what the user asked to trace, turned into an entry
 * event and an exit event that together delimit one span.
 */
#ifndef KPT_PROBE_H
#define KPT_PROBE_H

#include <stdbool.h>
#include <stdint.h>

enum kpt_probe_type {
	KPT_PROBE_KERNEL,	/* kprobe at entry, kretprobe at return */
	KPT_PROBE_USER,		/* uprobe at entry, uretprobe at return */
	KPT_PROBE_TRACEPOINTS,	/* two existing tracepoints, e.g. sys_enter_X/sys_exit_X */
};

/* One end of a span: an event the kernel writes into the ring buffer. */
struct kpt_probe_point {
	char *system;		/* tracepoints: the system; dynamic events: the session's group */
	char *event;		/* the event's name in that system */
	char *fetchargs;	/* dynamic events: the kernel's fetch-arg text, or NULL */
};

struct kpt_probe {
	char *name;		/* how reports name it: the spec without its fetch-args */
	enum kpt_probe_type type;
	char *symbol;		/* kernel or user symbol, with any +OFFSET; NULL for PATH:0xADDR */
	char *object;		/* user: the binary or library as written */
	char *path;		/* user: the file probed, set by kpt_probe_resolve() */
	uint64_t offset;	/* user: the file offset of the entry probe, set by kpt_probe_resolve() */
	uint64_t exit_offset;	/* user: the function's entry, where its return probe goes */
	int maxactive;		/* kernel: rN: prefix, 0 for the kernel's default */
	int raw_sides;		/* raw syntax: which of KPT_RAW_ENTRY/KPT_RAW_EXIT were given */
	struct kpt_probe_point entry;
	struct kpt_probe_point exit;
};

#define KPT_RAW_ENTRY	0x1
#define KPT_RAW_EXIT	0x2

/* Longest event name the kernel accepts (MAX_EVENT_NAME_LEN less the NUL). */
#define KPT_EVENT_NAME_MAX	63

int kpt_probe_parse(const char *spec, struct kpt_probe *probe, char **errmsg);
int kpt_probe_merge_raw(struct kpt_probe *into, struct kpt_probe *from);
int kpt_probe_resolve(struct kpt_probe *probe, int pid, char **errmsg);
int kpt_probe_name_events(struct kpt_probe *probe, const char *group, int index);
char *kpt_probe_dynevent_target(const struct kpt_probe *probe, bool exit);
void kpt_probe_release(struct kpt_probe *probe);

#endif
