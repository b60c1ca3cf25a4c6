// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Workarounds on the libraries' internals, one place for all of them.
 *
 * Each names the library versions it applies to, in its comment and, where
 * the build knows the version, in its condition:
 *
 *   libperf, from linux 6.1's tools/lib/perf (scripts/build-libperf.sh builds
 *     it; configure defines KPT_LIBPERF_KERNEL_VERSION from the source's own
 *     Makefile and refuses sources nobody has checked these against):
 *     perf_evsel__delete() keeps its map references; perf_evsel__apply_filter()
 *     is exported but declared only in an internal header.
 *   libtracecmd 1.x (trace-cmd 3.x): tracecmd_get_cpustats(), and the event hook
 *     parser, are exported but declared only in the private header.
 *   libtracecmd 1.3.1: tracecmd_open() crashes closing a file whose CPU data
 *     it fails to set up.
 *   libtracefs 1.6: a kretprobe with maxactive is written "rN::GROUP/EVENT".
 *   libtraceevent 1.7.1 and libtracecmd 1.3.1: leaks, listed for LeakSanitizer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBPERF
#include <perf/cpumap.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/threadmap.h>
#endif
#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>
#endif
#include <tracefs.h>

#include "compat/compat.h"
#include "probe/probe.h"
#include "util.h"

#ifdef HAVE_LIBPERF
#ifndef KPT_LIBPERF_KERNEL_VERSION
#error "configure defines KPT_LIBPERF_KERNEL_VERSION, the linux version libperf was built from"
#endif

/*
 * Up to linux 6.1's libperf at least, perf_evsel__delete() frees an evsel
 * without dropping its references to its CPU and thread maps (perf's own
 * evsel__exit() drops them); later versions drop them there, where dropping
 * them here too would free the maps twice. configure accepts only the
 * versions this was checked against: add a version to it and here after
 * reading its tools/lib/perf/evsel.c.
 */
#if KPT_LIBPERF_KERNEL_VERSION >= KPT_KERNEL_VERSION(6, 1, 0) && \
	KPT_LIBPERF_KERNEL_VERSION < KPT_KERNEL_VERSION(6, 2, 0)
#define PERF_EVSEL_DELETE_KEEPS_MAPS	1
#else
#error "libperf from an unchecked linux version: does its perf_evsel__delete() drop the maps?"
#endif

/**
 * kpt_compat_perf_evlist_delete - unmap, close and free an evlist and its evsels
 * @evlist: the evlist (NULL is fine)
 *
 * What perf_evlist__delete() does, plus the map references the evsels keep
 * in libperf 6.1.
 */
void kpt_compat_perf_evlist_delete(struct perf_evlist *evlist)
{
	struct perf_evsel *evsel;

	if (!evlist)
		return;
	if (PERF_EVSEL_DELETE_KEEPS_MAPS) {
		perf_evlist__for_each_evsel(evlist, evsel) {
			perf_cpu_map__put(perf_evsel__cpus(evsel));
			perf_thread_map__put(perf_evsel__threads(evsel));
		}
	}
	perf_evlist__delete(evlist);
}

/*
 * Exported by every libperf since linux 5.5 (tools/lib/perf/evsel.c) but
 * declared only in its internal header; weak, so that a libperf without it
 * still links.
 */
int perf_evsel__apply_filter(struct perf_evsel *evsel, const char *filter) __attribute__((weak));

/**
 * kpt_compat_perf_evsel_apply_filter - set a tracepoint filter on every fd of @evsel
 * @evsel: the opened evsel
 * @filter: the filter, in the kernel's syntax
 *
 * Returns 0, -1 with errno set if the kernel refused it, or -ENOSYS if this
 * libperf cannot set filters.
 */
int kpt_compat_perf_evsel_apply_filter(struct perf_evsel *evsel, const char *filter)
{
	if (!perf_evsel__apply_filter)
		return -ENOSYS;
	return perf_evsel__apply_filter(evsel, filter) < 0 ? -1 : 0;
}
#endif /* HAVE_LIBPERF */

#ifdef HAVE_LIBTRACECMD
/*
 * Exported by every libtracecmd 1.x but declared only in its private
 * header; weak, so that a library without it still links and the report
 * goes without per-CPU statistics.
 */
const char *tracecmd_get_cpustats(struct tracecmd_input *handle) __attribute__((weak));

/**
 * kpt_compat_tracecmd_cpustats - the per-CPU statistics text a trace file saved
 * @handle: the open file
 *
 * Returns the text (owned by @handle), or NULL if the file or the library has none.
 */
const char *kpt_compat_tracecmd_cpustats(struct tracecmd_input *handle)
{
	return tracecmd_get_cpustats ? tracecmd_get_cpustats(handle) : NULL;
}

/**
 * kpt_compat_tracecmd_open - tracecmd_open(), without its crash on a file it cannot set up
 * @path: the trace file
 * @flags: tracecmd_open()'s flags
 *
 * tracecmd_open() reads the headers, sets up each CPU's data, and on a
 * failure of the second closes the handle, whose tracecmd_close() (1.3.1)
 * follows CPU page lists that were never initialised: a NULL dereference.
 * Here the two steps are separate, and a handle whose data could not be set
 * up is left unclosed: a leak (listed for LeakSanitizer) instead of a crash.
 * kptrace validates a file before libtracecmd opens it, so this is the last
 * line of defence, not a path a checked file takes.
 *
 * Returns the handle (close it with tracecmd_close()), or NULL.
 */
struct tracecmd_input *kpt_compat_tracecmd_open(const char *path, int flags)
{
	struct tracecmd_input *handle = tracecmd_open_head(path, flags);

	if (!handle)
		return NULL;
	if (tracecmd_init_data(handle) < 0)
		return NULL;
	return handle;
}

/* Exported by every libtracecmd 1.x, declared only in its private header; weak as above. */
struct hook_list;
struct hook_list *tracecmd_create_event_hook(const char *arg) __attribute__((weak));
void tracecmd_free_hooks(struct hook_list *hooks) __attribute__((weak));

/**
 * kpt_compat_tracecmd_hook_valid - whether libtracecmd's parser takes an event hook
 * @text: a trace file's event hook option, NUL-terminated
 *
 * libtracecmd parses a file's hook options when it opens the file. Returns
 * true if its parser takes @text, false if not or if the library does not
 * export its parser (the option is then refused: nothing can check it).
 */
bool kpt_compat_tracecmd_hook_valid(const char *text)
{
	struct hook_list *hook;

	if (!tracecmd_create_event_hook || !tracecmd_free_hooks)
		return false;
	hook = tracecmd_create_event_hook(text);
	if (!hook)
		return false;
	tracecmd_free_hooks(hook);
	return true;
}
#endif /* HAVE_LIBTRACECMD */

/* The newest error_log line if it appeared since @before was read. */
static char *new_kernel_error(const char *before)
{
	char *after = tracefs_error_all(NULL);
	char *last = NULL;

	if (after && (!before || strcmp(before, after) != 0))
		last = tracefs_error_last(NULL);
	free(after);
	return last;
}

/**
 * kpt_compat_kretprobe_maxactive - create a kretprobe with a maxactive
 * @probe: a kernel probe with maxactive set and its events named
 * @target: where the kretprobe goes
 *
 * libtracefs 1.6 writes such a kretprobe as "rN::GROUP/EVENT", which the
 * kernel rejects; the definition is written here instead, then the library's
 * handle on it is taken so that it is removed like every other probe. The
 * kernel's syntax is the same for every libtracefs, so no version check.
 *
 * Returns the handle (free with tracefs_dynevent_free()), or NULL after
 * printing why.
 */
struct tracefs_dynevent *kpt_compat_kretprobe_maxactive(const struct kpt_probe *probe,
							const char *target)
{
	struct tracefs_dynevent *dynevent;
	char *definition, *before, *kernel_says;
	int ret;

	definition = kpt_asprintf("r%d:%s/%s %s %s", probe->maxactive, probe->exit.system,
				  probe->exit.event, target,
				  probe->exit.fetchargs ? probe->exit.fetchargs : "");
	if (!definition)
		return NULL;
	before = tracefs_error_all(NULL);
	ret = tracefs_instance_file_append(NULL, "kprobe_events", definition);
	if (ret < 0) {
		kernel_says = new_kernel_error(before);
		kpt_err("probe '%s': the kernel rejected the kretprobe '%s': %s", probe->name,
			definition, kernel_says ? kernel_says : strerror(errno));
		free(kernel_says);
	}
	free(before);
	free(definition);
	if (ret < 0)
		return NULL;
	dynevent = tracefs_dynevent_get(TRACEFS_DYNEVENT_KRETPROBE, probe->exit.system,
					probe->exit.event);
	if (!dynevent)
		kpt_err("probe '%s': the kretprobe %s/%s was created but cannot be listed back",
			probe->name, probe->exit.system, probe->exit.event);
	return dynevent;
}

#ifdef __SANITIZE_ADDRESS__
/*
 * Leaks in the libraries, not ours to fix, for the sanitizer build of the
 * tool and of the unit tests: libtraceevent 1.7.1 loses a two-byte string
 * parsing some print formats, and libtracecmd 1.3.1 reads a file's trace
 * clock with sscanf("%ms") and never frees it (the fast unwinder stops in
 * libc's vsscanf; kptrace never has sscanf allocate). A handle whose data
 * libtracecmd could not set up is left unclosed on purpose
 * (kpt_compat_tracecmd_open()).
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:tep_parse_event\nleak:vsscanf\nleak:kpt_compat_tracecmd_open\n";
}
#endif
