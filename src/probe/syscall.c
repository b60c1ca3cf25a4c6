// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * System calls: syscall:NAME [ARGS], the tracepoints syscalls:sys_enter_NAME
 * and syscalls:sys_exit_NAME. In a trace file, every such pair of events is
 * one. ARGS fetch more at the entry through an event probe on
 * sys_enter_NAME, e.g. syscall:openat 'path=+0($filename):ustring'
 * (kpt_tracepoint_eprobe()).
 */
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/types.h"
#include "tracedat/discover.h"
#include "util.h"

#define ENTER	"sys_enter_"
#define EXIT	"sys_exit_"

static bool syscall_match(const char *head)
{
	return strncmp(head, "syscall:", 8) == 0;
}

static int syscall_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
			 char **errmsg)
{
	const char *name = head + strlen("syscall:");

	probe->type = &kpt_probe_syscall;
	probe->entry.fetchargs = args;
	probe->name = strdup(head);
	if (!kpt_probe_valid_symbol(name) || strchr(name, '+'))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a syscall "
							   "name (e.g. syscall:openat)",
							   spec, name));
	probe->entry.system = strdup("syscalls");
	probe->entry.event = kpt_asprintf(ENTER "%s", name);
	probe->exit.system = strdup("syscalls");
	probe->exit.event = kpt_asprintf(EXIT "%s", name);
	return probe->name && probe->entry.system && probe->entry.event && probe->exit.system &&
	       probe->exit.event ? 0 : -1;
}

static bool syscall_exists(const char *name)
{
	char event[128];

	snprintf(event, sizeof(event), "sys_enter_%s", name);
	return tracefs_event_file_exists(NULL, "syscalls", event, "enable");
}

static int use_syscall(struct kpt_probe *probe, const char *name)
{
	char *entry = kpt_asprintf("sys_enter_%s", name), *exit = kpt_asprintf("sys_exit_%s", name);

	if (!entry || !exit) {
		free(entry);
		free(exit);
		return -1;
	}
	free(probe->entry.event);
	free(probe->exit.event);
	probe->entry.event = entry;
	probe->exit.event = exit;
	return 0;
}

/*
 * On 32-bit kernels a syscall that takes a time has two versions, whose
 * tracepoints are named the other way round from the C library's syscall
 * numbers: __NR_clock_nanosleep is the 32-bit time one, whose tracepoint is
 * sys_enter_clock_nanosleep_time32, and __NR_clock_nanosleep_time64 is traced
 * as sys_enter_clock_nanosleep. syscall:NAME follows the library's names,
 * since NAME is what a program calls (a 32-bit glibc calls the 32-bit time
 * version whenever the time fits), and says which tracepoints it uses.
 */
static int syscall_time_version(struct kpt_probe *probe)
{
	const char *name = probe->entry.event + strlen("sys_enter_");
	size_t len = strlen(name);
	char *base = NULL, *time32 = NULL;
	int ret = 0;

	if (len > 7 && strcmp(name + len - 7, "_time64") == 0) {
		base = strndup(name, len - 7);
		if (!base)
			return -1;
		if (syscall_exists(name) || !syscall_exists(base))
			goto out;
		kpt_info("probe '%s': tracing syscalls:sys_enter_%s, this kernel's name for the "
			 "64-bit time version", probe->name, base);
		ret = use_syscall(probe, base);
		goto out;
	}
	time32 = kpt_asprintf("%s_time32", name);
	if (!time32)
		return -1;
	if (!syscall_exists(time32))
		goto out;
	kpt_info("probe '%s': tracing syscalls:sys_enter_%s, the 32-bit time version a 32-bit C "
		 "library calls; syscall:%s_time64 traces the 64-bit one", probe->name, time32,
		 name);
	ret = use_syscall(probe, time32);
out:
	free(base);
	free(time32);
	return ret;
}

static int syscall_create(struct kpt_session *session, struct kpt_probe *probe)
{
	if (syscall_time_version(probe) < 0 || kpt_tracepoint_check(probe, &probe->entry) < 0 ||
	    kpt_tracepoint_check(probe, &probe->exit) < 0)
		return -1;
	return kpt_tracepoint_eprobe(session, probe);
}

/* syscalls:sys_enter_X with a syscalls:sys_exit_X: the pair "syscall:X". */
static int syscall_discover(struct kpt_discover *discover, const struct kpt_event_name *ev)
{
	const char *name = ev->name + strlen(ENTER);
	char *exit_name;
	int ret = 0;

	if (strcmp(ev->system, "syscalls") || strncmp(ev->name, ENTER, strlen(ENTER)) || !*name)
		return 0;
	exit_name = kpt_asprintf(EXIT "%s", name);
	if (!exit_name)
		return -1;
	if (kpt_discover_find(discover, ev->system, exit_name))
		ret = kpt_discover_add(discover, kpt_asprintf("syscall:%s", name), ev->system,
				       ev->name, exit_name, KPT_PAIR_SYSCALL, 0);
	free(exit_name);
	return ret;
}

const struct kpt_probe_type kpt_probe_syscall = {
	.name = "syscall",
	.usage = "  syscall:NAME             sys_enter_NAME .. sys_exit_NAME; syscall:NAME ARGS\n"
		 "                           fetches ARGS through an event probe on the entry\n",
	.match = syscall_match,
	.parse = syscall_parse,
	.name_events = kpt_tracepoint_name_eprobe,
	.create = syscall_create,
	.dynevents = TRACEFS_DYNEVENT_EPROBE,
	.discover = syscall_discover,
};
