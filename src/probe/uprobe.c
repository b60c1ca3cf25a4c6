// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * User functions: OBJECT:SYMBOL [ARGS] or OBJECT:0xOFFSET [ARGS], a uprobe at
 * the entry and a uretprobe at the return ("ret=$retval" is fetched there).
 *
 * OBJECT is a path, a library name ("c", "libpthread") or a program in $PATH;
 * kpt_probe_resolve() finds the file and the offset in it. With SYMBOL+OFF,
 * the entry probe sits at the offset and the return probe at the function's
 * entry, where the kernel expects it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/elf_sym.h"
#include "probe/types.h"
#include "session/session.h"
#include "util.h"

/* A first word with a colon that no form with a prefix claims: OBJECT:... */
static bool uprobe_match(const char *head)
{
	return strchr(head, ':') != NULL;
}

/**
 * kpt_uprobe_parse_target - take a user probe's target, OBJECT:SYMBOL[+OFF] or OBJECT:0xOFFSET
 * @target: the text; OBJECT ends at the last colon
 * @probe: gets the type, the object and the symbol or offset
 * @spec: the whole specification, for messages
 * @errmsg: on failure, a malloc'd message
 *
 * Returns 0, or -1 on error.
 */
int kpt_uprobe_parse_target(const char *target, struct kpt_probe *probe, const char *spec,
			    char **errmsg)
{
	const char *colon = strrchr(target, ':');
	const char *sym = colon ? colon + 1 : target;
	char *end;

	probe->type = &kpt_probe_uprobe;
	if (!colon || colon == target || !colon[1])
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': expected OBJECT:SYMBOL or "
							   "OBJECT:0xOFFSET", spec));
	probe->object = strndup(target, colon - target);
	if (!probe->object)
		return -1;
	if (strncmp(sym, "0x", 2) == 0) {
		errno = 0;
		probe->offset = strtoull(sym, &end, 16);
		if (errno || *end || end == sym + 2)
			return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a hex "
								   "file offset", spec, sym));
		return 0;
	}
	if (!kpt_probe_valid_symbol(sym))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': '%s' is not a symbol name",
							   spec, sym));
	probe->symbol = strdup(sym);
	return probe->symbol ? 0 : -1;
}

static int uprobe_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
			char **errmsg)
{
	if (kpt_uprobe_parse_target(head, probe, spec, errmsg) < 0) {
		free(args);
		return -1;
	}
	probe->name = strdup(head);
	probe->entry.fetchargs = args;
	probe->exit.fetchargs = strdup(KPT_DEFAULT_RETURN_FETCHARGS);
	return probe->name && probe->exit.fetchargs ? 0 : -1;
}

static int uprobe_resolve(struct kpt_probe *probe, int pid, char **errmsg)
{
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

static char *uprobe_dynevent_target(const struct kpt_probe *probe, bool exit)
{
	return kpt_asprintf("%s:0x%llx", probe->path,
			    (unsigned long long)(exit ? probe->exit_offset : probe->offset));
}

static int uprobe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	if (!tracefs_file_exists(NULL, "uprobe_events")) {
		kpt_err("probe '%s': this kernel has no uprobe support (no uprobe_events in "
			"tracefs: CONFIG_UPROBE_EVENTS is off); use tracepoints instead",
			probe->name);
		return -1;
	}
	if (kpt_session_fix_fetchargs(probe, &probe->entry) < 0 ||
	    kpt_session_fix_fetchargs(probe, &probe->exit) < 0)
		return -1;
	if (kpt_session_create_dynevent(session, tracefs_uprobe_alloc(probe->entry.system,
								      probe->entry.event,
								      probe->path, probe->offset,
								      probe->entry.fetchargs),
					"uprobe", probe) < 0)
		return -1;
	return kpt_session_create_dynevent(session, tracefs_uretprobe_alloc(probe->exit.system,
									    probe->exit.event,
									    probe->path,
									    probe->exit_offset,
									    probe->exit.fetchargs),
					   "uretprobe", probe);
}

/* The uprobe PMU counts a probe that fetches nothing at entry (the exit's $retval is ours). */
static bool uprobe_pmu_countable(const struct kpt_probe *probe)
{
	return !probe->entry.fetchargs;
}

const struct kpt_probe_type kpt_probe_uprobe = {
	.name = "uprobe",
	.usage = "  OBJECT:SYMBOL [ARGS]     user function in a binary or library (uprobes)\n"
		 "  OBJECT:0xOFFSET [ARGS]   user code at a file offset\n",
	.match = uprobe_match,
	.catch_all = true,
	.parse = uprobe_parse,
	.resolve = uprobe_resolve,
	.name_events = kpt_probe_name_dynevents,
	.dynevent_target = uprobe_dynevent_target,
	.create = uprobe_create,
	.dynevents = TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE,
	.discover = kpt_probe_discover_dynevents,
	.pmu_countable = uprobe_pmu_countable,
};
