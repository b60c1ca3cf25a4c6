// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel functions: SYMBOL [ARGS], a kprobe at the entry and a kretprobe at
 * the return ("ret=$retval" is fetched there).
 *
 * SYMBOL may carry +OFFSET: only the entry probe moves there, because the
 * kernel refuses a kretprobe away from a function's entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "compat/compat.h"
#include "probe/types.h"
#include "session/kernel_features.h"
#include "session/session.h"
#include "util.h"

static const char no_kprobes_hint[] =
	"this kernel has no kprobe support (no kprobe_events in tracefs: CONFIG_KPROBE_EVENTS is "
	"off). Trace user functions with uprobes (OBJECT:SYMBOL) or kernel paths with "
	"tracepoints (syscall:NAME, tp:SYSTEM:ENTRY,SYSTEM:EXIT); 'kptrace check' lists what "
	"this kernel supports";

/* A first word without a colon: a kernel symbol. */
static bool kprobe_match(const char *head)
{
	return !strchr(head, ':');
}

/**
 * kpt_kprobe_parse_target - take a kernel probe's target, [MOD:]SYMBOL[+OFFSET]
 * @target: the text
 * @probe: gets the type and the symbol
 * @spec: the whole specification, for messages
 * @errmsg: on failure, a malloc'd message
 *
 * Returns 0, or -1 on error.
 */
int kpt_kprobe_parse_target(const char *target, struct kpt_probe *probe, const char *spec,
			    char **errmsg)
{
	probe->type = &kpt_probe_kprobe;
	if (!kpt_probe_valid_symbol(target))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a symbol name",
							   spec, target));
	probe->symbol = strdup(target);
	return probe->symbol ? 0 : -1;
}

static int kprobe_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
			char **errmsg)
{
	if (kpt_kprobe_parse_target(head, probe, spec, errmsg) < 0) {
		free(args);
		return -1;
	}
	probe->name = strdup(head);
	probe->entry.fetchargs = args;
	probe->exit.fetchargs = strdup(KPT_DEFAULT_RETURN_FETCHARGS);
	return probe->name && probe->exit.fetchargs ? 0 : -1;
}

static char *kprobe_dynevent_target(const struct kpt_probe *probe, bool exit)
{
	return exit ? strndup(probe->symbol, strcspn(probe->symbol, "+")) : strdup(probe->symbol);
}

static int create_probes(struct kpt_session *session, struct kpt_probe *probe, const char *entry,
			 const char *exit)
{
	char *errmsg = NULL;

	if (!tracefs_file_exists(NULL, "kprobe_events")) {
		kpt_err("probe '%s': %s", probe->name, no_kprobes_hint);
		return -1;
	}
	if (kpt_kernel_symbol_check(probe->symbol, &errmsg) < 0) {
		kpt_err("probe '%s': %s", probe->name, errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	if (kpt_session_fix_fetchargs(probe, &probe->entry) < 0 ||
	    kpt_session_fix_fetchargs(probe, &probe->exit) < 0)
		return -1;
	/*
	 * The kretprobe first. The kernel runs the handlers of probes on one address
	 * newest first, and the kretprobe's replaces the return address with its
	 * trampoline: created after it, the kprobe sees the caller's address. Kernels
	 * before 5.14 cannot unwind through the trampoline, so there the entry's kernel
	 * stack (--stack) would stop at it.
	 */
	if (probe->maxactive) {
		kpt_session_watch_dynevent(session, TRACEFS_DYNEVENT_KRETPROBE, probe->exit.system,
					   probe->exit.event);
		if (kpt_session_keep_dynevent(session,
					      kpt_compat_kretprobe_maxactive(probe, exit)) < 0)
			return -1;
	} else if (kpt_session_create_kretprobe(session, probe, exit) < 0) {
		return -1;
	}
	return kpt_session_create_dynevent(session, tracefs_kprobe_alloc(probe->entry.system,
									 probe->entry.event, entry,
									 probe->entry.fetchargs),
					   "kprobe", probe);
}

static int kprobe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	char *entry = kprobe_dynevent_target(probe, false);
	char *exit = kprobe_dynevent_target(probe, true);
	int ret = entry && exit ? create_probes(session, probe, entry, exit) : -1;

	free(entry);
	free(exit);
	return ret;
}

const struct kpt_probe_type kpt_probe_kprobe = {
	.name = "kprobe",
	.usage = "  SYMBOL [ARGS]            kernel function (kprobe + kretprobe)\n",
	.match = kprobe_match,
	.catch_all = true,
	.parse = kprobe_parse,
	.name_events = kpt_probe_name_dynevents,
	.dynevent_target = kprobe_dynevent_target,
	.create = kprobe_create,
	.dynevents = TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE,
	.discover = kpt_probe_discover_dynevents,
};
