// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * System calls: syscall:NAME, the tracepoints syscalls:sys_enter_NAME and
 * syscalls:sys_exit_NAME. In a trace file, every such pair of events is one.
 */
#include <stdlib.h>
#include <string.h>

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
	if (args) {
		free(args);
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': tracepoints take no "
							   "fetch-args; their fields are recorded "
							   "already", spec));
	}
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

static int syscall_create(struct kpt_session *session, struct kpt_probe *probe)
{
	if (kpt_tracepoint_check(probe, &probe->entry) < 0 ||
	    kpt_tracepoint_check(probe, &probe->exit) < 0)
		return -1;
	return 0;
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
	.usage = "  syscall:NAME             sys_enter_NAME .. sys_exit_NAME\n",
	.match = syscall_match,
	.parse = syscall_parse,
	.create = syscall_create,
	.discover = syscall_discover,
};
