// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Any two tracepoints: tp:SYSTEM:ENTRY,SYSTEM:EXIT, paired per thread, or by
 * the values of key fields (key=FIELD,...) when the two ends happen on
 * different threads. The events exist already, so nothing is created; their
 * fields are recorded already, so they take no fetch-args.
 */
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/types.h"
#include "util.h"

static bool tracepoint_match(const char *head)
{
	return strncmp(head, "tp:", 3) == 0;
}

static int parse_point(const char *text, struct kpt_probe_point *point, const char *spec,
		       char **errmsg)
{
	const char *colon = strchr(text, ':');

	if (!colon || colon == text || !colon[1] || strchr(colon + 1, ':'))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': '%s' is not SYSTEM:EVENT "
							   "(see available_events in tracefs)",
							   spec, text));
	point->system = strndup(text, colon - text);
	point->event = strdup(colon + 1);
	return point->system && point->event ? 0 : -1;
}

/* The only argument a tracepoint pair takes: key=FIELD[,FIELD]... */
static int parse_key(const char *args, struct kpt_probe *probe, const char *spec, char **errmsg)
{
	char *keymsg;
	int ret = 0;

	if (strncmp(args, "key=", 4) != 0 || strpbrk(args, " \t"))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': tracepoints take no "
							   "fetch-args (their fields are recorded "
							   "already), only key=FIELD[,FIELD]... to "
							   "pair by fields, e.g. key=dev,sector",
							   spec));
	if (kpt_pair_key_parse(args + 4, &probe->key, &keymsg) < 0) {
		ret = keymsg ? kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': %s", spec, keymsg)) :
			       -1;
		free(keymsg);
	}
	return ret;
}

static int tracepoint_parse(const char *head, char *args, struct kpt_probe *probe,
			    const char *spec, char **errmsg)
{
	const char *pair = head + strlen("tp:");
	const char *comma = strchr(pair, ',');
	char *first;
	int ret;

	probe->type = &kpt_probe_tracepoint;
	if (args) {
		ret = parse_key(args, probe, spec, errmsg);
		free(args);
		if (ret < 0)
			return ret;
	}
	probe->name = strdup(head);
	if (!comma)
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': expected "
							   "tp:SYSTEM:ENTRY,SYSTEM:EXIT, e.g. "
							   "tp:syscalls:sys_enter_read,"
							   "syscalls:sys_exit_read", spec));
	first = strndup(pair, comma - pair);
	if (!first)
		return -1;
	ret = parse_point(first, &probe->entry, spec, errmsg);
	free(first);
	if (ret < 0)
		return ret;
	return parse_point(comma + 1, &probe->exit, spec, errmsg);
}

/**
 * kpt_tracepoint_check - whether the tracepoint at one end of @probe exists
 * @probe: the probe, for messages
 * @point: the end
 *
 * Returns 0, or -1 after printing what is missing and where to look.
 */
int kpt_tracepoint_check(const struct kpt_probe *probe, const struct kpt_probe_point *point)
{
	if (tracefs_event_file_exists(NULL, point->system, point->event, "enable"))
		return 0;
	if (strcmp(point->system, "syscalls") == 0 && !tracefs_dir_exists(NULL, "events/syscalls"))
		kpt_err("probe '%s': this kernel has no syscall tracepoints "
			"(CONFIG_FTRACE_SYSCALLS is off)", probe->name);
	else if (strcmp(point->system, "syscalls") == 0)
		kpt_err("probe '%s': no tracepoint syscalls:%s: is it a syscall of this kernel? "
			"The names are in %s/events/syscalls", probe->name, point->event,
			tracefs_tracing_dir());
	else
		kpt_err("probe '%s': no tracepoint %s:%s on this kernel (see %s/available_events)",
			probe->name, point->system, point->event, tracefs_tracing_dir());
	return -1;
}

static int tracepoint_create(struct kpt_session *session, struct kpt_probe *probe)
{
	if (kpt_tracepoint_check(probe, &probe->entry) < 0 ||
	    kpt_tracepoint_check(probe, &probe->exit) < 0)
		return -1;
	return 0;
}

const struct kpt_probe_type kpt_probe_tracepoint = {
	.name = "tracepoint",
	.usage = "  tp:SYS:ENTRY,SYS:EXIT    any two tracepoints, paired per thread; with\n"
		 "                           ' key=FIELD,...' paired by those fields' values\n",
	.match = tracepoint_match,
	.parse = tracepoint_parse,
	.create = tracepoint_create,
};
