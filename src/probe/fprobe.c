// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fprobes: kernel-function probes that ride on ftrace's function entry and
 * exit hooks (Linux 6.5 and later, "f:" in dynamic_events), instead of a
 * breakpoint and a return trampoline with a maxactive to run out of.
 *
 * Two ways in: a SYMBOL probe (kprobe.c) is made here when the kernel has
 * fprobe events and ftrace can hook the function, unless --kprobes; and the
 * kernel's raw syntax, f:FUNC [ARGS] and f:FUNC%return [ARGS], which is
 * always an fprobe (an f: entry and an f:...%return exit on the same
 * function make one span, as raw p: and r: do).
 *
 * libtracefs 1.6 cannot list fprobes, so they are written to dynamic_events
 * and removed with "-:" through kpt_session_create_named().
 */
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/types.h"
#include "session/kernel_features.h"
#include "session/session.h"
#include "util.h"

#define RETURN_SUFFIX	"%return"

static const char no_fprobes[] =
	"this kernel has no fprobe events (f:, Linux 6.5 and later with CONFIG_FPROBE_EVENTS; "
	"tracefs' README lists them): use SYMBOL, which is made with kprobes where fprobes "
	"are missing, or the raw p: and r: syntax";

static bool fprobe_match(const char *head)
{
	return strncmp(head, "f:", 2) == 0;
}

static int fprobe_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
			char **errmsg)
{
	const char *target = head + 2;
	size_t len = strlen(target), suffix = strlen(RETURN_SUFFIX);
	bool exit = len > suffix && strcmp(target + len - suffix, RETURN_SUFFIX) == 0;
	char *function = strndup(target, exit ? len - suffix : len);
	int ret = -1;

	if (!function)
		goto out;
	ret = kpt_kprobe_parse_target(function, probe, spec, errmsg);
	probe->type = &kpt_probe_fprobe;
	if (ret < 0)
		goto out;
	if (strpbrk(function, "+:")) {
		ret = kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': an fprobe goes on a "
							  "function of the kernel proper, at its "
							  "entry or exit (f:FUNC, f:FUNC%%return), "
							  "with no MODULE: or +OFFSET; use p: and "
							  "r: for those", spec));
		goto out;
	}
	probe->name = function;
	function = NULL;
	probe->raw_sides = exit ? KPT_RAW_EXIT : KPT_RAW_ENTRY;
	if (exit)
		probe->exit.fetchargs = args;
	else
		probe->entry.fetchargs = args;
	return 0;
out:
	free(function);
	free(args);
	return ret;
}

static char *fprobe_dynevent_target(const struct kpt_probe *probe, bool exit)
{
	return exit ? kpt_asprintf("%s%%return", probe->symbol) : strdup(probe->symbol);
}

static int create_point(struct kpt_session *session, struct kpt_probe *probe,
			const struct kpt_probe_point *point, bool exit)
{
	char *target = fprobe_dynevent_target(probe, exit);
	char *definition;
	int ret;

	if (!target)
		return -1;
	definition = kpt_asprintf("f:%s/%s %s%s%s", point->system, point->event, target,
				  point->fetchargs ? " " : "",
				  point->fetchargs ? point->fetchargs : "");
	free(target);
	if (!definition)
		return -1;
	ret = kpt_session_create_named(session, definition, exit ? "fprobe exit" : "fprobe",
				       probe);
	free(definition);
	return ret;
}

/*
 * A kernel that types fetch-args from BTF (6.12) refuses $retval at the exit
 * of a void function, where a kretprobe reads a meaningless register: a
 * SYMBOL probe's own "ret=$retval" is dropped there.
 */
static int drop_void_retval(struct kpt_probe *probe)
{
	const char *fetchargs = probe->exit.fetchargs;
	const char *rest;
	char *kept;

	if (probe->type != &kpt_probe_kprobe || !fetchargs ||
	    strncmp(fetchargs, KPT_DEFAULT_RETURN_FETCHARGS, strlen(KPT_DEFAULT_RETURN_FETCHARGS)) ||
	    !kpt_features_readme()->btf_args || kpt_session_returns_void(probe->symbol) != 1)
		return 0;
	kpt_info("probe '%s': the function returns void: its return has no value to fetch",
		 probe->name);
	rest = fetchargs + strlen(KPT_DEFAULT_RETURN_FETCHARGS);
	rest += strspn(rest, " \t");
	kept = *rest ? strdup(rest) : NULL;
	if (*rest && !kept)
		return -1;
	free(probe->exit.fetchargs);
	probe->exit.fetchargs = kept;
	return 0;
}

/**
 * kpt_fprobe_create - make a kernel-function probe's events as an fprobe and its exit
 * @session: the session, which removes them at the end
 * @probe: a kernel-function probe on a function's entry, named
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_fprobe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	char *errmsg = NULL;

	if (!kpt_features_readme()->fprobe_events) {
		kpt_err("probe '%s': %s", probe->name, no_fprobes);
		return -1;
	}
	if (!kpt_kernel_function_traceable(probe->symbol)) {
		if (kpt_kernel_symbol_check(probe->symbol, &errmsg) == 0)
			errmsg = kpt_asprintf("'%s' is not in available_filter_functions (notrace, "
					      "inlined or blacklisted for ftrace): fprobes go "
					      "only where ftrace can hook; use p: and r:",
					      probe->symbol);
		kpt_err("probe '%s': %s", probe->name, errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	/* a SYMBOL probe's names were fitted in kprobe.c already */
	if (probe->type == &kpt_probe_fprobe &&
	    (kpt_session_args_by_name(probe, &probe->entry, false) < 0 ||
	     kpt_session_args_by_name(probe, &probe->exit, true) < 0))
		return -1;
	if (drop_void_retval(probe) < 0 ||
	    kpt_session_fix_fetchargs(probe, &probe->entry) < 0 ||
	    kpt_session_fix_fetchargs(probe, &probe->exit) < 0)
		return -1;
	probe->kfunc = KPT_KFUNC_FPROBE;
	if (create_point(session, probe, &probe->entry, false) < 0)
		return -1;
	return create_point(session, probe, &probe->exit, true);
}

static int fprobe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	return kpt_fprobe_create(session, probe);
}

const struct kpt_probe_type kpt_probe_fprobe = {
	.name = "fprobe",
	.usage = "  f:FUNC[%return] [ARGS]   the kernel's fprobe syntax (Linux 6.5+)\n",
	.match = fprobe_match,
	.parse = fprobe_parse,
	.name_events = kpt_probe_name_dynevents,
	.dynevent_target = fprobe_dynevent_target,
	.create = fprobe_create,
	.discover = kpt_probe_discover_dynevents,
};
