// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Probe specifications: the front end over the table of probe types.
 *
 * One command-line argument is one specification; fetch-args follow the
 * target after white space and use the kernel's syntax. The forms, one type
 * each (see each file's head and kptrace-probes(7)):
 *
 *   SYMBOL [ARGS]              kprobe.c: kprobe + kretprobe
 *   OBJECT:SYMBOL [ARGS]       uprobe.c: uprobe + uretprobe; OBJECT is a path,
 *   OBJECT:0xOFFSET [ARGS]     a library name ("c", "libpthread") or a program in $PATH
 *   syscall:NAME               syscall.c: syscalls:sys_enter_NAME .. sys_exit_NAME
 *   tp:SYS:ENTRY,SYS:EXIT      tracepoint.c: any two tracepoints, paired per thread
 *   p:TARGET [ARGS]            raw.c: the kernel's raw syntax, entry probe
 *   r[N]:TARGET [ARGS]         raw.c: return probe (N = maxactive for kretprobes)
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probe/types.h"
#include "tracedat/discover.h"
#include "util.h"

/*
 * Every probe type, in the order the usage texts list them. A specification
 * goes to the first type whose match() accepts its first word, the types with
 * a prefix of their own (syscall:, tp:, p:) before the catch-all forms
 * (OBJECT:SYMBOL, SYMBOL).
 *
 * Adding a probe type is one new file defining a struct kpt_probe_type and
 * one row here (with its declaration in types.h and its file in Makefile.am):
 * parsing, the session's creation and removal, the reaper of dead runs'
 * probes, trace-file pair discovery, perf counting and the usage texts that
 * list the probe forms all walk this table. tests/unit/test_probe.c checks
 * the rows.
 */
static const struct kpt_probe_type *const probe_types[] = {
	&kpt_probe_kprobe,
	&kpt_probe_uprobe,
	&kpt_probe_syscall,
	&kpt_probe_tracepoint,
	&kpt_probe_raw,
};

/**
 * kpt_probe_fail - set an error message and fail
 * @errmsg: where the message goes
 * @msg: a malloc'd message, now owned by the caller of the parser
 *
 * Returns -1.
 */
int kpt_probe_fail(char **errmsg, char *msg)
{
	*errmsg = msg;
	return -1;
}

/**
 * kpt_probe_valid_symbol - whether @sym, up to any +OFFSET, can be a symbol name
 * @sym: the text; letters, digits, '_', '.', '$' and ':' (a module) are allowed
 */
bool kpt_probe_valid_symbol(const char *sym)
{
	if (!*sym)
		return false;
	for (; *sym && *sym != '+'; sym++) {
		if (!isalnum((unsigned char)*sym) && !strchr("_.$:", *sym))
			return false;
	}
	return true;
}

/* Split "HEAD ARGS" at the first blank; *args is NULL when there are none. */
static int split_args(const char *spec, char **head, char **args)
{
	size_t len = strcspn(spec, " \t");
	const char *rest = spec + len;

	*head = strndup(spec, len);
	rest += strspn(rest, " \t");
	*args = *rest ? strdup(rest) : NULL;
	return *head && (*args || !*rest) ? 0 : -1;
}

/**
 * kpt_probe_type_of - the type that parses a specification
 * @spec: the specification (its first word decides)
 *
 * Returns the type, or NULL for an empty @spec or on allocation failure.
 */
const struct kpt_probe_type *kpt_probe_type_of(const char *spec)
{
	const struct kpt_probe_type *type = NULL;
	char *head = strndup(spec, strcspn(spec, " \t"));
	size_t i;
	int pass;

	for (pass = 0; pass < 2 && head && *head && !type; pass++) {
		for (i = 0; i < ARRAY_SIZE(probe_types); i++) {
			if (probe_types[i]->catch_all == (pass == 1) &&
			    probe_types[i]->match(head)) {
				type = probe_types[i];
				break;
			}
		}
	}
	free(head);
	return type;
}

/**
 * kpt_probe_type_get - the probe types, in table order
 * @index: from 0
 *
 * Returns the type, or NULL past the last one.
 */
const struct kpt_probe_type *kpt_probe_type_get(int index)
{
	return index >= 0 && (size_t)index < ARRAY_SIZE(probe_types) ? probe_types[index] : NULL;
}

/**
 * kpt_probe_parse - parse one probe specification
 * @spec: the text, in one of the forms listed at the top of probe.c
 * @probe: filled in; release with kpt_probe_release() whatever the result
 * @errmsg: on failure, a malloc'd message that names @spec and what to do
 *
 * User probes still need kpt_probe_resolve(), and dynamic events need
 * kpt_probe_name_events(), before the session can create them.
 *
 * Returns 0 on success, -1 on error.
 */
int kpt_probe_parse(const char *spec, struct kpt_probe *probe, char **errmsg)
{
	const struct kpt_probe_type *type;
	char *head, *args;
	int ret;

	memset(probe, 0, sizeof(*probe));
	*errmsg = NULL;
	if (!*spec)
		return kpt_probe_fail(errmsg, strdup("empty probe specification"));
	type = kpt_probe_type_of(spec);
	if (!type || split_args(spec, &head, &args) < 0)
		return -1;
	/* The type owns @args from here. */
	ret = type->parse(head, args, probe, spec, errmsg);
	free(head);
	return ret;
}

static bool same_target(const struct kpt_probe *a, const struct kpt_probe *b)
{
	return a->type == b->type && strcmp(a->name, b->name) == 0;
}

/**
 * kpt_probe_merge_raw - join a raw return probe with the raw entry probe of the same target
 * @into: a raw probe parsed earlier
 * @from: a raw probe parsed later; its fetch-args move into @into when they pair up
 *
 * Returns 1 if @from was merged into @into, 0 if they do not pair.
 */
int kpt_probe_merge_raw(struct kpt_probe *into, struct kpt_probe *from)
{
	if (!into->raw_sides || !from->raw_sides || (into->raw_sides & from->raw_sides) ||
	    !same_target(into, from))
		return 0;
	if (from->raw_sides & KPT_RAW_ENTRY) {
		into->entry.fetchargs = from->entry.fetchargs;
		from->entry.fetchargs = NULL;
	} else {
		into->exit.fetchargs = from->exit.fetchargs;
		from->exit.fetchargs = NULL;
		into->maxactive = from->maxactive;
	}
	into->raw_sides |= from->raw_sides;
	return 1;
}

/**
 * kpt_probe_resolve - find what a probe points at (user probes: the file and offset)
 * @probe: a parsed probe; types with nothing to resolve are left alone
 * @pid: the traced process, to find its libraries (and its root for containers), or 0
 * @errmsg: on failure, a malloc'd message
 *
 * Returns 0 on success, -1 on error.
 */
int kpt_probe_resolve(struct kpt_probe *probe, int pid, char **errmsg)
{
	return probe->type->resolve ? probe->type->resolve(probe, pid, errmsg) : 0;
}

/* Append @src to @dst as an event-name fragment: [A-Za-z0-9_] only. */
static void sanitize_into(char *dst, size_t size, const char *src)
{
	size_t len = strlen(dst);

	for (; *src && len + 1 < size; src++)
		dst[len++] = isalnum((unsigned char)*src) ? *src : '_';
	dst[len] = '\0';
}

/**
 * kpt_probe_name_dynevents - name a kprobe's or uprobe's two events
 * @probe: the probe
 * @group: the session's event group
 * @index: the probe's position on the command line, which keeps names unique
 *
 * Names are "p<index>_<symbol>" and "r<index>_<symbol>" (the object's base
 * name for OBJECT:0xOFFSET), with characters the kernel rejects (".isra.0",
 * "+0x10", '-') replaced and cut to the kernel's 63-character limit.
 * kpt_probe_discover_dynevents() reads them back from a trace file.
 *
 * Returns 0 on success, -1 on allocation failure.
 */
int kpt_probe_name_dynevents(struct kpt_probe *probe, const char *group, int index)
{
	char name[KPT_EVENT_NAME_MAX + 1];
	const char *base;

	if (probe->symbol)
		base = probe->symbol;
	else
		base = strrchr(probe->object, '/') ? strrchr(probe->object, '/') + 1 : probe->object;

	snprintf(name, sizeof(name), "p%d_", index);
	sanitize_into(name, sizeof(name), base);
	probe->entry.system = strdup(group);
	probe->entry.event = strdup(name);
	name[0] = 'r';
	probe->exit.system = strdup(group);
	probe->exit.event = strdup(name);
	return probe->entry.system && probe->entry.event && probe->exit.system &&
	       probe->exit.event ? 0 : -1;
}

/* "p<N>_X": *index = N, returns X, or NULL if @name is not of that form. */
static const char *entry_symbol(const char *name, int *index)
{
	const char *p = name + 1;
	char *end;
	long n;

	if (name[0] != 'p' || !isdigit((unsigned char)*p))
		return NULL;
	n = strtol(p, &end, 10);
	if (*end != '_' || !end[1] || n > 1000000)
		return NULL;
	*index = (int)n;
	return end + 1;
}

/**
 * kpt_probe_discover_dynevents - kptrace's own probes in a trace file
 * @discover: the discovery under way
 * @ev: an event of the file
 *
 * kptrace_PID:p<N>_X with kptrace_PID:r<N>_X is the pair "X", N its order.
 * kprobes and uprobes are named alike, so whichever type asks first finds it.
 *
 * Returns 1 if @ev starts such a pair (added), 0 if not, -1 if out of memory.
 */
int kpt_probe_discover_dynevents(struct kpt_discover *discover, const struct kpt_event_name *ev)
{
	const char *symbol;
	char *exit_name;
	int index, ret = 0;

	if (!kpt_discover_is_session_group(ev->system))
		return 0;
	symbol = entry_symbol(ev->name, &index);
	if (!symbol)
		return 0;
	exit_name = kpt_asprintf("r%d_%s", index, symbol);
	if (!exit_name)
		return -1;
	if (kpt_discover_find(discover, ev->system, exit_name))
		ret = kpt_discover_add(discover, strdup(symbol), ev->system, ev->name, exit_name,
				       KPT_PAIR_KPTRACE, index);
	free(exit_name);
	return ret;
}

/**
 * kpt_probe_name_events - give a probe's two events their names, if the type makes them
 * @probe: a parsed probe; tracepoints already have their names
 * @group: the session's event group
 * @index: the probe's position on the command line, which keeps names unique
 *
 * Returns 0 on success, -1 on allocation failure.
 */
int kpt_probe_name_events(struct kpt_probe *probe, const char *group, int index)
{
	return probe->type->name_events ? probe->type->name_events(probe, group, index) : 0;
}

/**
 * kpt_probe_dynevent_target - the address part of a dynamic probe definition
 * @probe: a kernel or resolved user probe
 * @exit: for the return probe, which always sits at the function's entry
 *
 * Returns "SYMBOL[+OFF]" for kernel probes and "PATH:0xOFFSET" for user probes
 * (without the +OFF for return probes, which the kernel refuses or which would
 * corrupt the traced process), malloc'd, or NULL for tracepoints.
 */
char *kpt_probe_dynevent_target(const struct kpt_probe *probe, bool exit)
{
	return probe->type->dynevent_target ? probe->type->dynevent_target(probe, exit) : NULL;
}

/**
 * kpt_probe_create - create (or check) a probe's two events in a session
 * @session: the session, which keeps every dynamic event made for removal
 * @probe: a parsed, resolved and named probe
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_probe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	return probe->type->create(session, probe);
}

/**
 * kpt_probe_pmu_countable - whether perf's uprobe PMU can count @probe without tracefs events
 * @probe: a parsed probe
 */
bool kpt_probe_pmu_countable(const struct kpt_probe *probe)
{
	return probe->type->pmu_countable && probe->type->pmu_countable(probe);
}

/**
 * kpt_probe_dynevent_types - the kinds of dynamic event any probe type creates
 *
 * Returns the TRACEFS_DYNEVENT_* bits of every type: what the reaper of
 * dead runs' groups looks at.
 */
unsigned int kpt_probe_dynevent_types(void)
{
	unsigned int types = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(probe_types); i++)
		types |= probe_types[i]->dynevents;
	return types;
}

/**
 * kpt_probe_discover - whether event @ev of a trace file starts a pair of some probe type
 * @discover: the discovery under way
 * @ev: the event
 *
 * The first type that recognises @ev adds the pair. Returns 1 if one did, 0
 * if none, -1 if out of memory.
 */
int kpt_probe_discover(struct kpt_discover *discover, const struct kpt_event_name *ev)
{
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(probe_types); i++) {
		if (!probe_types[i]->discover)
			continue;
		ret = probe_types[i]->discover(discover, ev);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * kpt_probe_usage - print a usage text with the probe forms, one type after the other
 * @out: where to
 * @before: the text before the forms (NULL: none)
 * @after: the text after them (NULL: none)
 */
void kpt_probe_usage(FILE *out, const char *before, const char *after)
{
	size_t i;

	if (before)
		fputs(before, out);
	for (i = 0; i < ARRAY_SIZE(probe_types); i++)
		fputs(probe_types[i]->usage, out);
	fputs("  @NAME                    the probes of set NAME (kptrace-events(5))\n", out);
	if (after)
		fputs(after, out);
}

static void release_point(struct kpt_probe_point *point)
{
	free(point->system);
	free(point->event);
	free(point->fetchargs);
}

/**
 * kpt_probe_release - free what a probe owns (not the struct itself)
 * @probe: the probe; may be zeroed or partly filled
 */
void kpt_probe_release(struct kpt_probe *probe)
{
	free(probe->name);
	free(probe->symbol);
	free(probe->object);
	free(probe->path);
	release_point(&probe->entry);
	release_point(&probe->exit);
	kpt_pair_key_release(&probe->key);
	memset(probe, 0, sizeof(*probe));
}
