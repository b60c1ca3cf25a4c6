// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Probe specifications.
 *
 * Accepted forms (one command-line argument each; fetch-args follow the
 * target after white space and use the kernel's syntax):
 *
 *   SYMBOL [ARGS]              kernel function: kprobe + kretprobe
 *   OBJECT:SYMBOL [ARGS]       user function: uprobe + uretprobe; OBJECT is a
 *                              path, a library name ("c", "libpthread") or a
 *                              program in $PATH
 *   OBJECT:0xOFFSET [ARGS]     user code at a file offset
 *   syscall:NAME               syscalls:sys_enter_NAME .. syscalls:sys_exit_NAME
 *   tp:SYS:ENTRY,SYS:EXIT      any two tracepoints, paired per thread
 *   p:TARGET [ARGS]            raw entry probe, the kernel's fetch-arg syntax
 *   r[N]:TARGET [ARGS]         raw return probe (N = maxactive for kretprobes)
 *
 * A raw p: and r: on the same target make one span; a raw probe given alone
 * gets a bare probe on the other side. A raw TARGET with a '/' is a uprobe
 * (PATH:SYMBOL or PATH:0xOFFSET), anything else a kprobe ([MOD:]SYM[+OFF]).
 * With +OFF, only the entry probe is at the offset; the return probe of a
 * span is always at the function's entry.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probe/elf_sym.h"
#include "probe/probe.h"
#include "util.h"

static int fail(char **errmsg, char *msg)
{
	*errmsg = msg;
	return -1;
}

/* Split "HEAD ARGS" at the first blank; *args is NULL when there are none. */
static void split_args(const char *spec, char **head, char **args)
{
	size_t len = strcspn(spec, " \t");
	const char *rest = spec + len;

	*head = strndup(spec, len);
	rest += strspn(rest, " \t");
	*args = *rest ? strdup(rest) : NULL;
}

static bool valid_symbol(const char *sym)
{
	if (!*sym)
		return false;
	for (; *sym && *sym != '+'; sym++) {
		if (!isalnum((unsigned char)*sym) && !strchr("_.$:", *sym))
			return false;
	}
	return true;
}

static int parse_tracepoint(const char *text, struct kpt_probe_point *point, const char *spec,
			    char **errmsg)
{
	const char *colon = strchr(text, ':');

	if (!colon || colon == text || !colon[1] || strchr(colon + 1, ':'))
		return fail(errmsg, kpt_asprintf("probe '%s': '%s' is not SYSTEM:EVENT "
						 "(see available_events in tracefs)", spec, text));
	point->system = strndup(text, colon - text);
	point->event = strdup(colon + 1);
	return 0;
}

static int parse_tracepoints(const char *spec, struct kpt_probe *probe, char **errmsg)
{
	const char *pair = spec + strlen("tp:");
	const char *comma = strchr(pair, ',');
	char *first;
	int ret;

	if (!comma)
		return fail(errmsg, kpt_asprintf("probe '%s': expected tp:SYSTEM:ENTRY,SYSTEM:EXIT, "
						 "e.g. tp:syscalls:sys_enter_read,syscalls:sys_exit_read",
						 spec));
	first = strndup(pair, comma - pair);
	ret = parse_tracepoint(first, &probe->entry, spec, errmsg);
	free(first);
	if (ret < 0)
		return ret;
	probe->type = KPT_PROBE_TRACEPOINTS;
	return parse_tracepoint(comma + 1, &probe->exit, spec, errmsg);
}

static int parse_syscall(const char *spec, struct kpt_probe *probe, char **errmsg)
{
	const char *name = spec + strlen("syscall:");

	if (!valid_symbol(name) || strchr(name, '+'))
		return fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a syscall name "
						 "(e.g. syscall:openat)", spec, name));
	probe->type = KPT_PROBE_TRACEPOINTS;
	probe->entry.system = strdup("syscalls");
	probe->entry.event = kpt_asprintf("sys_enter_%s", name);
	probe->exit.system = strdup("syscalls");
	probe->exit.event = kpt_asprintf("sys_exit_%s", name);
	return 0;
}

/* TARGET of a kernel or user probe, with @user telling which it must be. */
static int parse_target(const char *target, bool user, struct kpt_probe *probe, const char *spec,
			char **errmsg)
{
	const char *colon = user ? strrchr(target, ':') : NULL;
	const char *sym = colon ? colon + 1 : target;

	if (user) {
		if (!colon || colon == target || !colon[1])
			return fail(errmsg, kpt_asprintf("probe '%s': expected OBJECT:SYMBOL or "
							 "OBJECT:0xOFFSET", spec));
		probe->type = KPT_PROBE_USER;
		probe->object = strndup(target, colon - target);
		if (strncmp(sym, "0x", 2) == 0) {
			char *end;

			errno = 0;
			probe->offset = strtoull(sym, &end, 16);
			if (errno || *end || end == sym + 2)
				return fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a hex "
								 "file offset", spec, sym));
			return 0;
		}
	} else {
		probe->type = KPT_PROBE_KERNEL;
	}
	if (!valid_symbol(sym))
		return fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a symbol name", spec, sym));
	probe->symbol = strdup(sym);
	return 0;
}

static int parse_raw(const char *head, char *args, struct kpt_probe *probe, const char *spec,
		     char **errmsg)
{
	const char *colon = strchr(head, ':');
	const char *target = colon + 1;
	bool ret_probe = head[0] == 'r';

	if (ret_probe && colon > head + 1) {
		char *end;

		probe->maxactive = strtol(head + 1, &end, 10);
		if (end != colon || probe->maxactive <= 0)
			return fail(errmsg, kpt_asprintf("probe '%s': bad maxactive in '%.*s' "
							 "(use rN: with N > 0)", spec,
							 (int)(colon - head + 1), head));
	}
	if (parse_target(target, strchr(target, '/') != NULL, probe, spec, errmsg) < 0)
		return -1;
	if (probe->maxactive && probe->type != KPT_PROBE_KERNEL)
		return fail(errmsg, kpt_asprintf("probe '%s': maxactive applies to kretprobes only",
						 spec));
	probe->name = strdup(target);
	if (ret_probe) {
		probe->raw_sides = KPT_RAW_EXIT;
		probe->exit.fetchargs = args;
	} else {
		probe->raw_sides = KPT_RAW_ENTRY;
		probe->entry.fetchargs = args;
	}
	return 0;
}

static bool is_raw_head(const char *head)
{
	const char *p = head;

	if (*p == 'p' && p[1] == ':')
		return true;
	if (*p++ != 'r')
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == ':';
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
	char *head, *args;
	int ret;

	memset(probe, 0, sizeof(*probe));
	*errmsg = NULL;
	if (!*spec)
		return fail(errmsg, strdup("empty probe specification"));
	split_args(spec, &head, &args);

	if (strncmp(head, "syscall:", 8) == 0 || strncmp(head, "tp:", 3) == 0) {
		if (args) {
			ret = fail(errmsg, kpt_asprintf("probe '%s': tracepoints take no fetch-args; "
							"their fields are recorded already", spec));
			goto out;
		}
		probe->name = strdup(head);
		ret = head[0] == 's' ? parse_syscall(head, probe, errmsg) :
				       parse_tracepoints(head, probe, errmsg);
		goto out;
	}
	if (is_raw_head(head)) {
		ret = parse_raw(head, args, probe, spec, errmsg);
		if (ret == 0)
			args = NULL;	/* the probe owns them now */
		goto out;
	}
	ret = parse_target(head, strchr(head, ':') != NULL, probe, spec, errmsg);
	if (ret == 0) {
		probe->name = strdup(head);
		probe->entry.fetchargs = args;
		probe->exit.fetchargs = strdup("ret=$retval");
		args = NULL;
	}
out:
	free(head);
	free(args);
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
 * kpt_probe_resolve - find the file and offset a user probe points at
 * @probe: a parsed probe; other types are left alone
 * @pid: the traced process, to find its libraries (and its root for containers), or 0
 * @errmsg: on failure, a malloc'd message
 *
 * Returns 0 on success, -1 on error.
 */
int kpt_probe_resolve(struct kpt_probe *probe, int pid, char **errmsg)
{
	if (probe->type != KPT_PROBE_USER)
		return 0;
	char *function;
	int ret;

	probe->path = kpt_elf_find_object(probe->object, pid, errmsg);
	if (!probe->path)
		return -1;
	if (!probe->symbol) {
		probe->exit_offset = probe->offset;
		return 0;
	}
	ret = kpt_elf_symbol_offset(probe->path, probe->symbol, &probe->offset, errmsg);
	if (ret < 0 || !strchr(probe->symbol, '+')) {
		probe->exit_offset = probe->offset;
		return ret;
	}
	/* SYMBOL+OFF: the entry probe sits at the offset, the return probe at the entry. */
	function = strndup(probe->symbol, strcspn(probe->symbol, "+"));
	if (!function)
		return -1;
	ret = kpt_elf_symbol_offset(probe->path, function, &probe->exit_offset, errmsg);
	free(function);
	return ret;
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
 * kpt_probe_name_events - give a dynamic probe's two events their names
 * @probe: a kernel or user probe; tracepoints already have theirs
 * @group: the session's event group
 * @index: the probe's position on the command line, which keeps names unique
 *
 * Names are "p<index>_<symbol>" and "r<index>_<symbol>", with characters the
 * kernel rejects (".isra.0", "+0x10", '-') replaced and cut to the kernel's
 * 63-character limit.
 *
 * Returns 0 on success, -1 on allocation failure.
 */
int kpt_probe_name_events(struct kpt_probe *probe, const char *group, int index)
{
	char name[KPT_EVENT_NAME_MAX + 1];
	const char *base;

	if (probe->type == KPT_PROBE_TRACEPOINTS)
		return 0;
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
	return probe->entry.event && probe->exit.event ? 0 : -1;
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
	switch (probe->type) {
	case KPT_PROBE_KERNEL:
		return exit ? strndup(probe->symbol, strcspn(probe->symbol, "+")) :
			      strdup(probe->symbol);
	case KPT_PROBE_USER:
		return kpt_asprintf("%s:0x%llx", probe->path,
				    (unsigned long long)(exit ? probe->exit_offset : probe->offset));
	case KPT_PROBE_TRACEPOINTS:
		break;
	}
	return NULL;
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
	memset(probe, 0, sizeof(*probe));
}
