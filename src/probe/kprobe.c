// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel functions: SYMBOL [ARGS] [%return RETARGS], a probe at the entry
 * and one at the return ("ret=$retval" is fetched there, and RETARGS after
 * it). They are an fprobe and its exit where the kernel has fprobe events
 * and ftrace can hook the function (fprobe.c), unless the session forces
 * kprobes (--kprobes); a kprobe and a kretprobe elsewhere.
 *
 * ARGS are the kernel's fetch-args, or the function's parameter names
 * (vfs_read count), which kernels without BTF argument names get as $argN
 * or registers (kpt_session_args_by_name()). RETARGS, after the word
 * %return, are fetched at the return: $retval's fields, or the entry's
 * arguments on kernels whose return probes fetch $argN.
 *
 * SYMBOL may carry +OFFSET: only the entry probe moves there, because the
 * kernel refuses a kretprobe away from a function's entry; such a probe is
 * always a kprobe.
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

/* "ARGS %return RETARGS": cut @args at the word %return; *@retargs gets what follows. */
static int split_return(char *args, char **retargs, const char *spec, char **errmsg)
{
	char *p = args;

	*retargs = NULL;
	while (p && (p = strstr(p, "%return"))) {
		bool word_start = p == args || p[-1] == ' ' || p[-1] == '\t';
		bool word_end = !p[7] || p[7] == ' ' || p[7] == '\t';

		if (word_start && word_end)
			break;
		p += 7;
	}
	if (!p)
		return 0;
	*retargs = p + 7 + strspn(p + 7, " \t");
	if (!**retargs || strstr(*retargs, "%return"))
		return kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': write the return's "
							   "fetch-args after one %%return word: "
							   "SYMBOL [ARGS] %%return RETARGS", spec));
	while (p > args && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	*p = '\0';
	return 0;
}

static int kprobe_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
			char **errmsg)
{
	char *retargs;

	if (kpt_kprobe_parse_target(head, probe, spec, errmsg) < 0 ||
	    split_return(args, &retargs, spec, errmsg) < 0) {
		free(args);
		return -1;
	}
	probe->name = strdup(head);
	probe->exit.fetchargs = kpt_asprintf(KPT_DEFAULT_RETURN_FETCHARGS "%s%s", retargs ? " " : "",
					     retargs ? retargs : "");
	if (args && !*args) {
		free(args);
		args = NULL;
	}
	probe->entry.fetchargs = args;
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
	probe->kfunc = KPT_KFUNC_KPROBE;
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

/* Does a fetch-arg name a register? fprobes see ftrace's saved arguments, not pt_regs. */
static bool fetches_registers(const char *fetchargs)
{
	return fetchargs && strchr(fetchargs, '%');
}

/*
 * An fprobe for a SYMBOL probe where the kernel has them, and ftrace can
 * hook the function; raw p: and r: probes stay kprobes.
 */
static bool use_fprobe(const struct kpt_session *session, const struct kpt_probe *probe)
{
	if (probe->type != &kpt_probe_kprobe ||
	    kpt_features_kfunc(kpt_features_readme(), session->force_kprobes, NULL) !=
	    KPT_KFUNC_FPROBE)
		return false;
	if (strpbrk(probe->symbol, "+:")) {
		kpt_info("probe '%s': fprobes go on the entry of a function of the kernel "
			 "proper; this one is a kprobe", probe->name);
		return false;
	}
	if (fetches_registers(probe->entry.fetchargs) || fetches_registers(probe->exit.fetchargs)) {
		kpt_info("probe '%s': fprobes cannot fetch registers (%%REG), so this one is a "
			 "kprobe; $argN or argument names make it an fprobe", probe->name);
		return false;
	}
	if (!kpt_kernel_function_traceable(probe->symbol)) {
		kpt_info("probe '%s': ftrace cannot hook %s (not in available_filter_functions), "
			 "which fprobes need; this one is a kprobe", probe->name, probe->symbol);
		return false;
	}
	return true;
}

static int kprobe_create(struct kpt_session *session, struct kpt_probe *probe)
{
	char *entry, *exit;
	int ret;

	/* names first: a wrong one is told even on a kernel without kprobes */
	if (kpt_session_args_by_name(probe, &probe->entry, false) < 0 ||
	    kpt_session_args_by_name(probe, &probe->exit, true) < 0)
		return -1;
	if (use_fprobe(session, probe))
		return kpt_fprobe_create(session, probe);
	entry = kprobe_dynevent_target(probe, false);
	exit = kprobe_dynevent_target(probe, true);
	ret = entry && exit ? create_probes(session, probe, entry, exit) : -1;

	free(entry);
	free(exit);
	return ret;
}

const struct kpt_probe_type kpt_probe_kprobe = {
	.name = "kprobe",
	.usage = "  SYMBOL [ARGS]            kernel function (fprobe or kprobe, and its return;\n"
		 "                           ARGS %return RETARGS: RETARGS fetched at the return)\n",
	.match = kprobe_match,
	.catch_all = true,
	.parse = kprobe_parse,
	.name_events = kpt_probe_name_dynevents,
	.dynevent_target = kprobe_dynevent_target,
	.create = kprobe_create,
	.dynevents = TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE,
	.discover = kpt_probe_discover_dynevents,
};
