// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Any two tracepoints: tp:SYSTEM:ENTRY,SYSTEM:EXIT, paired per thread, or by
 * the values of key fields (key=FIELD,...) when the two ends happen on
 * different threads. The events exist already, so nothing is created; their
 * fields are recorded already, so they take no fetch-args.
 *
 * Also here, for syscall:NAME ARGS: fetch-args at a tracepoint pair's entry
 * through an event probe on the entry tracepoint (e:, Linux 5.15+), which
 * then stands for it (kpt_tracepoint_eprobe()).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/types.h"
#include "session/session.h"
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

/**
 * kpt_tracepoint_name_eprobe - name the event probe of a tracepoint pair with fetch-args
 * @probe: a syscall: or tp: probe; without entry fetch-args nothing is done
 * @group: the session's event group
 * @index: the probe's position on the command line, which keeps names unique
 *
 * The name, "GROUP/e<index>_<entry event>", waits in @probe->symbol until
 * kpt_tracepoint_eprobe() makes the event. Returns 0, or -1 on allocation failure.
 */
int kpt_tracepoint_name_eprobe(struct kpt_probe *probe, const char *group, int index)
{
	char name[KPT_EVENT_NAME_MAX + 1];
	size_t len;

	if (!probe->entry.fetchargs)
		return 0;
	snprintf(name, sizeof(name), "e%d_%s", index, probe->entry.event);
	for (len = 0; name[len]; len++) {
		if (!isalnum((unsigned char)name[len]))
			name[len] = '_';
	}
	free(probe->symbol);
	probe->symbol = kpt_asprintf("%s/%s", group, name);
	return probe->symbol ? 0 : -1;
}

/**
 * kpt_tracepoint_eprobe - fetch-args at a tracepoint pair's entry: an event probe on it
 * @session: the session, which removes the event probe at the end
 * @probe: a checked syscall: or tp: probe, named by kpt_tracepoint_name_eprobe()
 *
 * The event probe ("e:GROUP/NAME SYSTEM.EVENT ARGS") writes the entry
 * tracepoint's event with ARGS fetched (fields as $FIELD), and becomes the
 * probe's entry. Returns 0 (also without fetch-args), or -1 after printing why.
 */
int kpt_tracepoint_eprobe(struct kpt_session *session, struct kpt_probe *probe)
{
	const char *slash;
	char *group, *name;

	if (!probe->entry.fetchargs || !probe->symbol)
		return 0;
	slash = strchr(probe->symbol, '/');
	group = strndup(probe->symbol, slash - probe->symbol);
	name = strdup(slash + 1);
	if (!group || !name ||
	    kpt_session_create_dynevent(session, tracefs_eprobe_alloc(group, name,
								      probe->entry.system,
								      probe->entry.event,
								      probe->entry.fetchargs),
					"event probe (e:, Linux 5.15+ with "
					"CONFIG_EPROBE_EVENTS; fields are $NAME)", probe) < 0) {
		free(group);
		free(name);
		return -1;
	}
	free(probe->entry.system);
	free(probe->entry.event);
	probe->entry.system = group;
	probe->entry.event = name;
	return 0;
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
