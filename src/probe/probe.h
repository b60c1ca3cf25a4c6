/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Probe specifications: what the user asked to trace, turned into an entry
 * event and an exit event that together delimit one span.
 *
 * Each form of specification is a probe type (struct kpt_probe_type), in one
 * file of this folder: kprobe.c, uprobe.c, syscall.c, tracepoint.c, raw.c.
 * probe.c is the front end over their table: it picks the type that parses a
 * specification, and the session, the file reader's pair discovery and the
 * usage texts ask the table instead of knowing the types.
 */
#ifndef KPT_PROBE_H
#define KPT_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/pair.h"

struct kpt_probe;
struct kpt_session;
struct kpt_discover;
struct kpt_event_name;

/**
 * struct kpt_probe_type - one form of probe specification, and how its events are made
 * @name: short name, e.g. "kprobe"
 * @usage: one line or more of usage text: the form, padded to column 27, and what it
 *	traces, each line indented by two spaces and ending in a newline
 * @match: whether @head, the specification's first word, has this type's form;
 *	the first type in the table that matches parses it
 * @catch_all: the form has no prefix of its own (SYMBOL, OBJECT:SYMBOL): its
 *	match() is asked only after every other type's
 * @parse: fill @probe from @head and @args (the fetch-args, or NULL; the type
 *	takes ownership of them); on failure set *@errmsg to a message naming @spec
 * @resolve: find what the probe points at (user probes: file and offset), or NULL
 * @name_events: name the two events in the session's @group (dynamic events), or
 *	NULL when the events have names already (tracepoints)
 * @dynevent_target: the address part of the entry's (or @exit's) dynamic-event
 *	definition, malloc'd, or NULL for types without dynamic events
 * @create: create (or check) the two events in @session; every dynamic event
 *	made is handed to the session, which removes them all in
 *	kpt_session_destroy(), so a type needs no destroy operation
 * @dynevents: the TRACEFS_DYNEVENT_* types (the dynamic_events prefixes: p, r,
 *	p and r in uprobe_events) the type creates; the reaper removes these kinds
 *	of event from groups of dead runs
 * @discover: whether event @ev of a trace file starts a pair of this type: add
 *	it with kpt_discover_add() and return 1, return 0 if not, -1 if out of
 *	memory; NULL for types whose events cannot be told by their names
 * @pmu_countable: whether perf's uprobe PMU can count the probe without a
 *	tracefs event (no fetch-args to record); NULL: never
 */
struct kpt_probe_type {
	const char *name;
	const char *usage;
	bool (*match)(const char *head);
	bool catch_all;
	int (*parse)(const char *head, char *args, struct kpt_probe *probe, const char *spec,
		     char **errmsg);
	int (*resolve)(struct kpt_probe *probe, int pid, char **errmsg);
	int (*name_events)(struct kpt_probe *probe, const char *group, int index);
	char *(*dynevent_target)(const struct kpt_probe *probe, bool exit);
	int (*create)(struct kpt_session *session, struct kpt_probe *probe);
	unsigned int dynevents;
	int (*discover)(struct kpt_discover *discover, const struct kpt_event_name *ev);
	bool (*pmu_countable)(const struct kpt_probe *probe);
};

/* One end of a span: an event the kernel writes into the ring buffer. */
struct kpt_probe_point {
	char *system;		/* tracepoints: the system; dynamic events: the session's group */
	char *event;		/* the event's name in that system */
	char *fetchargs;	/* dynamic events: the kernel's fetch-arg text, or NULL */
};

struct kpt_probe {
	char *name;		/* how reports name it: the spec without its fetch-args */
	const struct kpt_probe_type *type;	/* the type that parsed it */
	char *symbol;		/* kernel or user symbol, with any +OFFSET; NULL for PATH:0xADDR */
	char *object;		/* user: the binary or library as written */
	char *path;		/* user: the file probed, set by kpt_probe_resolve() */
	uint64_t offset;	/* user: the file offset of the entry probe, set by kpt_probe_resolve() */
	uint64_t exit_offset;	/* user: the function's entry, where its return probe goes */
	int maxactive;		/* kernel: rN: prefix, 0 for the kernel's default */
	int raw_sides;		/* raw syntax: which of KPT_RAW_ENTRY/KPT_RAW_EXIT were given */
	struct kpt_probe_point entry;
	struct kpt_probe_point exit;
	struct kpt_pair_key key;	/* tracepoints: pair by these fields (key=); nr 0: per thread */
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
int kpt_probe_create(struct kpt_session *session, struct kpt_probe *probe);
bool kpt_probe_pmu_countable(const struct kpt_probe *probe);
void kpt_probe_release(struct kpt_probe *probe);

const struct kpt_probe_type *kpt_probe_type_of(const char *spec);
const struct kpt_probe_type *kpt_probe_type_get(int index);
unsigned int kpt_probe_dynevent_types(void);
int kpt_probe_discover(struct kpt_discover *discover, const struct kpt_event_name *ev);
void kpt_probe_usage(FILE *out, const char *before, const char *after);

#endif
