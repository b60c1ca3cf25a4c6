// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Session: the run's tracefs instance and probe group.
 *
 * Nothing global is changed: the trace clock, buffer size, pid filter, event
 * filters and enables are all per instance, and the probes are in a group of
 * our own. kpt_session_destroy() undoes all of it and runs on every exit path;
 * a run killed before it could run leaves a group and an instance named after
 * a dead pid, which the next run removes (kpt_session_remove_stale()).
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "session/btf.h"
#include "session/kernel_features.h"
#include "session/kfilter.h"
#include "session/session.h"
#include "session/watchdog.h"
#include "cmd/target.h"
#include "util.h"

#define SESSION_PREFIX	"kptrace_"

static void split_event(const char *name, char *system, size_t size, const char **event);

/*
 * "mono" is CLOCK_MONOTONIC: synchronised across CPUs, so records from
 * different CPUs merge into true order, and the same clock perf uses with
 * use_clockid, so both backends stamp alike. "global" is the older
 * cross-CPU-synchronised clock, for kernels without "mono".
 */
static const char *const trace_clocks[] = { "mono", "global" };

/**
 * kpt_session_alloc - a session descriptor named after this process
 *
 * Touches nothing in tracefs. Returns the session, or NULL.
 */
struct kpt_session *kpt_session_alloc(void)
{
	struct kpt_session *session = calloc(1, sizeof(*session));

	if (!session)
		return NULL;
	session->name = kpt_asprintf(SESSION_PREFIX "%d", (int)getpid());
	if (!session->name) {
		free(session);
		return NULL;
	}
	return session;
}

/*
 * The reader is woken when a CPU's buffer is this full (in percent): a busy
 * trace is read in batches of a tenth of the buffer, about four wake-ups a
 * megabyte, and nine tenths stay free for the writer while the reader waits
 * to be scheduled. The kernel's default, 50, leaves half, and lost records on
 * the getppid() loop with two CPU-bound processes competing (bench/README.md).
 */
#define BUFFER_PERCENT	"10"

/*
 * Where the kernel lets an instance choose (buffer_subbuf_size_kb, Linux 6.8
 * and later), its ring buffer is made of sub-buffers of this many KiB instead
 * of pages: the reader takes a quarter as many, and each hand-over costs the
 * traced load less (W1, the getppid() loop: 1.16x the floor with 4 KiB pages,
 * 1.10x with 16 KiB; bench/README.md). --buffer-size's total is unchanged.
 */
#define SUBBUF_KB	"16"

/**
 * kpt_session_page_size - the size of an instance's ring-buffer pages
 * @instance: the instance
 *
 * Its sub-buffer size where the kernel has one, else the system's page size.
 */
unsigned int kpt_session_page_size(struct tracefs_instance *instance)
{
	long long kb;

	if (tracefs_instance_file_read_number(instance, "buffer_subbuf_size_kb", &kb) == 0 &&
	    kb > 0)
		return kb * 1024;
	return getpagesize();
}

static int set_clock(struct kpt_session *session)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(trace_clocks); i++) {
		if (tracefs_instance_file_write(session->instance, "trace_clock",
						trace_clocks[i]) > 0) {
			snprintf(session->clock, sizeof(session->clock), "%s", trace_clocks[i]);
			return 0;
		}
	}
	kpt_err("cannot set a cross-CPU trace clock (mono or global) in instance %s: "
		"this kernel's trace_clock offers neither", session->name);
	return -1;
}

/* Before the first thing is created, by kpt_session_create() or a probe added without it. */
static void start_watchdog(struct kpt_session *session)
{
	if (!session->watchdog_tried)
		session->watchdog = kpt_watchdog_start(session->name);
	session->watchdog_tried = true;
}

/**
 * kpt_session_create - make the session's instance
 * @session: the session
 * @buffer_kb: per-CPU ring-buffer size in KiB, or 0 for the kernel's default
 *
 * Removes what dead runs left behind first. Returns 0, or -1 after printing
 * why.
 */
int kpt_session_create(struct kpt_session *session, unsigned long buffer_kb)
{
	session->buffer_kb = buffer_kb;
	if (!tracefs_tracing_dir()) {
		kpt_err("tracefs is not mounted and could not be mounted: as root, run "
			"'mount -t tracefs nodev /sys/kernel/tracing'");
		return -1;
	}
	kpt_session_remove_stale(false);
	start_watchdog(session);
	session->instance = tracefs_instance_create(session->name);
	if (!session->instance) {
		kpt_err("cannot create tracefs instance %s: %s (kptrace needs root, or "
			"CAP_SYS_ADMIN, and write access to tracefs)", session->name,
			strerror(errno));
		return -1;
	}
	if (set_clock(session) < 0)
		return -1;
	/* Before the size: a new sub-buffer size reallocates the buffer. Kept if refused. */
	if (tracefs_file_exists(session->instance, "buffer_subbuf_size_kb"))
		tracefs_instance_file_write(session->instance, "buffer_subbuf_size_kb", SUBBUF_KB);
	if (buffer_kb && tracefs_instance_set_buffer_size(session->instance, buffer_kb, -1) < 0) {
		kpt_err("cannot set the buffer size to %lu KiB per CPU: %s (try a smaller "
			"--buffer-size)", buffer_kb, strerror(errno));
		return -1;
	}
	/* Kernels before 5.1 have no watermark: they wake the reader for every page. */
	if (tracefs_file_exists(session->instance, "buffer_percent"))
		tracefs_instance_file_write(session->instance, "buffer_percent", BUFFER_PERCENT);
	return 0;
}

/*
 * @probe: the event is one of a probe's, which --filter applies to
 * @entry: it is a probe's entry, which --stack puts a stacktrace trigger on
 */
static int add_event(struct kpt_session *session, const char *system, const char *event,
		     bool probe, bool entry)
{
	char **events = realloc(session->events, (session->nr_events + 1) * sizeof(*events));
	bool *of_probe, *of_entry;

	if (!events)
		return -1;
	session->events = events;
	of_probe = realloc(session->of_probe, (session->nr_events + 1) * sizeof(*of_probe));
	if (!of_probe)
		return -1;
	session->of_probe = of_probe;
	of_entry = realloc(session->of_entry, (session->nr_events + 1) * sizeof(*of_entry));
	if (!of_entry)
		return -1;
	session->of_entry = of_entry;
	events[session->nr_events] = kpt_asprintf("%s/%s", system, event);
	if (!events[session->nr_events])
		return -1;
	of_probe[session->nr_events] = probe;
	of_entry[session->nr_events] = entry;
	session->nr_events++;
	return 0;
}

/**
 * kpt_session_add_event - enable an existing event too, e.g. sched:sched_process_exit
 * @session: the session
 * @system: the event's system
 * @event: the event's name
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_session_add_event(struct kpt_session *session, const char *system, const char *event)
{
	if (!tracefs_event_file_exists(NULL, system, event, "enable")) {
		kpt_err("this kernel has no %s:%s tracepoint (see %s/events/%s)", system, event,
			tracefs_tracing_dir(), system);
		return -1;
	}
	return add_event(session, system, event, false, false);
}

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
 * kpt_session_watch_dynevent - name a dynamic event to the watchdog before creating it
 * @session: the session
 * @type: the event's type
 * @system: its group
 * @event: its name
 *
 * Every dynamic event is named before it exists, so that no kill can leave it
 * unnamed. kpt_session_create_dynevent() does it; call it only before creating
 * an event another way (a library workaround).
 */
void kpt_session_watch_dynevent(struct kpt_session *session, enum tracefs_dynevent_type type,
				const char *system, const char *event)
{
	start_watchdog(session);
	kpt_watchdog_add_dynevent(session->watchdog, type, system, event);
}

static void watch_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent)
{
	char *system = NULL, *event = NULL;
	enum tracefs_dynevent_type type;

	type = tracefs_dynevent_info(dynevent, &system, &event, NULL, NULL, NULL);
	if (system && event)
		kpt_session_watch_dynevent(session, type, system, event);
	free(system);
	free(event);
}

/*
 * Create @dynevent and keep it for removal; @watch: name it to the watchdog first
 * (not again for a second try under the same name). On failure, returns -1 with
 * *@err the errno and *@kernel_says the kernel's error_log line (malloc'd, or NULL),
 * and frees @dynevent.
 */
static int create_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent,
			   bool watch, int *err, char **kernel_says)
{
	struct tracefs_dynevent **list;
	char *before;

	*err = 0;
	*kernel_says = NULL;
	list = realloc(session->dynevents, (session->nr_dynevents + 1) * sizeof(*list));
	if (!list) {
		*err = ENOMEM;
		tracefs_dynevent_free(dynevent);
		return -1;
	}
	session->dynevents = list;
	if (watch)
		watch_dynevent(session, dynevent);
	before = tracefs_error_all(NULL);
	if (tracefs_dynevent_create(dynevent) < 0) {
		*err = errno;
		*kernel_says = new_kernel_error(before);
		free(before);
		tracefs_dynevent_free(dynevent);
		return -1;
	}
	free(before);
	list[session->nr_dynevents++] = dynevent;
	return 0;
}

static void report_create_error(const struct kpt_probe *probe, const char *what, int err,
				const char *kernel_says)
{
	if (kernel_says)
		kpt_err("probe '%s': the kernel rejected the %s: %s", probe->name, what, kernel_says);
	else
		kpt_err("probe '%s': cannot create the %s: %s", probe->name, what, strerror(err));
}

/**
 * kpt_session_create_dynevent - create a dynamic event and keep it for removal
 * @session: the session
 * @dynevent: the event's description (NULL: its allocation failed); owned by
 *	@session from here, whatever the result
 * @what: what it is, for messages ("kprobe", "uretprobe", ...)
 * @probe: the probe it belongs to, for messages
 *
 * Returns 0, or -1 after printing why (with the kernel's error_log line
 * where it wrote one).
 */
int kpt_session_create_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent,
				const char *what, const struct kpt_probe *probe)
{
	char *kernel_says;
	int err;

	if (!dynevent) {
		kpt_err("probe '%s': cannot describe the %s: %s", probe->name, what,
			strerror(errno));
		return -1;
	}
	if (create_dynevent(session, dynevent, true, &err, &kernel_says) < 0) {
		report_create_error(probe, what, err, kernel_says);
		free(kernel_says);
		return -1;
	}
	return 0;
}

/**
 * kpt_session_create_kretprobe - create a kernel function's return probe
 * @session: the session
 * @probe: the probe; its exit fetch-args are dropped if the function returns void
 * @target: the function
 *
 * Kernels that know functions' types from BTF (6.12 does) refuse $retval on a
 * function that returns void ("This function returns 'void' type"). The
 * ret=$retval kptrace adds itself is then left out, and the return probe made
 * without it, with a note. Returns 0, or -1 after printing why.
 */
int kpt_session_create_kretprobe(struct kpt_session *session, struct kpt_probe *probe,
				 const char *target)
{
	struct tracefs_dynevent *dynevent;
	char *kernel_says;
	int err;

	dynevent = tracefs_kretprobe_alloc(probe->exit.system, probe->exit.event, target,
					   probe->exit.fetchargs, 0);
	if (!dynevent) {
		kpt_err("probe '%s': cannot describe the kretprobe: %s", probe->name,
			strerror(errno));
		return -1;
	}
	if (create_dynevent(session, dynevent, true, &err, &kernel_says) == 0)
		return 0;
	if (!kernel_says || !strstr(kernel_says, "returns 'void'") || !probe->exit.fetchargs ||
	    strcmp(probe->exit.fetchargs, KPT_DEFAULT_RETURN_FETCHARGS) != 0) {
		report_create_error(probe, "kretprobe", err, kernel_says);
		free(kernel_says);
		return -1;
	}
	free(kernel_says);
	kernel_says = NULL;
	kpt_info("probe '%s': the function returns void: its return has no value to fetch",
		 probe->name);
	free(probe->exit.fetchargs);
	probe->exit.fetchargs = NULL;
	dynevent = tracefs_kretprobe_alloc(probe->exit.system, probe->exit.event, target, NULL, 0);
	if (!dynevent || create_dynevent(session, dynevent, false, &err, &kernel_says) < 0) {
		report_create_error(probe, "kretprobe", dynevent ? err : errno,
				    dynevent ? kernel_says : NULL);
		free(kernel_says);
		return -1;
	}
	return 0;
}

static void destroy_dynevent(struct tracefs_dynevent *dynevent)
{
	char *system = NULL, *event = NULL;

	if (tracefs_dynevent_destroy(dynevent, false) == 0 ||
	    tracefs_dynevent_destroy(dynevent, true) == 0)
		return;
	tracefs_dynevent_info(dynevent, &system, &event, NULL, NULL, NULL);
	kpt_warn("cannot remove probe %s/%s: %s; remove it with 'kptrace cleanup'",
		 system ? system : "?", event ? event : "?", strerror(errno));
	free(system);
	free(event);
}

/**
 * kpt_session_keep_dynevent - keep a dynamic event created otherwise, for removal
 * @session: the session
 * @dynevent: the created event (NULL: its creation failed and was reported); owned
 *	by @session from here
 *
 * Returns 0, or -1 (the event is removed again if it cannot be kept).
 */
int kpt_session_keep_dynevent(struct kpt_session *session, struct tracefs_dynevent *dynevent)
{
	struct tracefs_dynevent **list;

	if (!dynevent)
		return -1;
	list = realloc(session->dynevents, (session->nr_dynevents + 1) * sizeof(*list));
	if (!list) {
		destroy_dynevent(dynevent);
		tracefs_dynevent_free(dynevent);
		return -1;
	}
	session->dynevents = list;
	list[session->nr_dynevents++] = dynevent;
	return 0;
}

/* "X:GROUP/EVENT ...": GROUP and EVENT, or -1. */
static int definition_names(const char *definition, char *system, size_t ssize, char *event,
			    size_t esize)
{
	const char *colon = strchr(definition, ':');
	const char *slash = colon ? strchr(colon, '/') : NULL;
	size_t len;

	if (!slash || slash < colon || strcspn(colon, " \t") < (size_t)(slash - colon))
		return -1;
	snprintf(system, ssize, "%.*s", (int)(slash - colon - 1), colon + 1);
	len = strcspn(slash + 1, " \t");
	snprintf(event, esize, "%.*s", (int)len, slash + 1);
	return system[0] && event[0] ? 0 : -1;
}

/**
 * kpt_session_create_named - create a dynamic event libtracefs does not know, and keep it
 * @session: the session
 * @definition: the line for dynamic_events, "f:GROUP/EVENT ..." or "t:GROUP/EVENT ..."
 * @what: what it is, for messages ("fprobe", "fprobe exit", ...)
 * @probe: the probe it belongs to, for messages
 *
 * libtracefs 1.6 lists and removes only the kinds of dynamic event it
 * knows (p, r, e, s); fprobes (f:) and tracepoint probes (t:) are written
 * to dynamic_events here and removed with "-:GROUP/EVENT"
 * (kpt_dynevent_remove_named()), by kpt_session_destroy(), by the watchdog
 * and by the reaper of dead runs. Returns 0, or -1 after printing why.
 */
int kpt_session_create_named(struct kpt_session *session, const char *definition,
			     const char *what, const struct kpt_probe *probe)
{
	char system[256], event[256], *before, *kernel_says, **list;
	int err;

	if (definition_names(definition, system, sizeof(system), event, sizeof(event)) < 0)
		return -1;
	list = realloc(session->named, (session->nr_named + 1) * sizeof(*list));
	if (!list)
		return -1;
	session->named = list;
	list[session->nr_named] = kpt_asprintf("%s/%s", system, event);
	if (!list[session->nr_named])
		return -1;
	kpt_session_watch_dynevent(session, TRACEFS_DYNEVENT_UNKNOWN, system, event);
	before = tracefs_error_all(NULL);
	if (tracefs_instance_file_append(NULL, "dynamic_events", definition) < 0) {
		err = errno;
		kernel_says = new_kernel_error(before);
		kpt_err("probe '%s': the kernel rejected the %s '%s': %s", probe->name, what,
			definition, kernel_says ? kernel_says : strerror(err));
		free(kernel_says);
		free(before);
		free(list[session->nr_named]);
		return -1;
	}
	free(before);
	session->nr_named++;
	return 0;
}

/**
 * kpt_dynevent_remove_named - remove dynamic event GROUP/EVENT through dynamic_events ("-:")
 * @system: its group
 * @event: its name
 *
 * For the kinds libtracefs cannot list (fprobes, tracepoint probes); the
 * event must be disabled everywhere. Returns 0, or -1 with errno set
 * (ENOENT: there is no such event; EBUSY: it is enabled or in use).
 */
int kpt_dynevent_remove_named(const char *system, const char *event)
{
	char *line = kpt_asprintf("-:%s/%s", system, event);
	int ret;

	if (!line)
		return -1;
	ret = tracefs_instance_file_append(NULL, "dynamic_events", line) < 0 ? -1 : 0;
	free(line);
	return ret;
}

static void remove_named(struct kpt_session *session)
{
	char system[256];
	const char *event;
	int i;

	for (i = session->nr_named - 1; i >= 0; i--) {
		split_event(session->named[i], system, sizeof(system), &event);
		if (kpt_dynevent_remove_named(system, event) < 0 && errno != ENOENT)
			kpt_warn("cannot remove probe %s: %s; remove it with 'kptrace cleanup'",
				 session->named[i], strerror(errno));
		free(session->named[i]);
	}
	session->nr_named = 0;
}

/* The function a kernel probe's symbol names: no MOD: before it, no +OFF after. */
static char *probe_function(const struct kpt_probe *probe)
{
	const char *colon = strchr(probe->symbol, ':');
	const char *name = colon ? colon + 1 : probe->symbol;

	return strndup(name, strcspn(name, "+%"));
}

/* The kernel's BTF, read once for every probe of the run (NULL: none). */
static struct kpt_btf *vmlinux_btf;
static bool vmlinux_btf_tried;

static const struct kpt_btf *session_btf(void)
{
	char *errmsg = NULL;

	if (!vmlinux_btf_tried) {
		vmlinux_btf = kpt_btf_load(KPT_BTF_VMLINUX, &errmsg);
		free(errmsg);
		vmlinux_btf_tried = true;
	}
	return vmlinux_btf;
}

/**
 * kpt_session_returns_void - whether the kernel's BTF says @function returns nothing
 * @function: a kernel function
 *
 * Returns 1 if it does, 0 if it returns a value, -1 when BTF cannot tell.
 */
int kpt_session_returns_void(const char *function)
{
	const struct kpt_btf *btf = session_btf();

	return btf ? kpt_btf_func_returns_void(btf, function) : -1;
}

/**
 * kpt_session_args_by_name - fit a kernel probe's argument names to this kernel
 * @probe: a kernel-function probe, for its function and messages
 * @point: the end whose fetch-args to fix
 * @exit: @point is the return probe
 *
 * vfs_read count: kernels whose README lists <argname> take the names
 * themselves; elsewhere they become $argN or registers with the type BTF
 * gives (kpt_features_args_by_name()), and a return probe's need a kernel
 * whose return probes fetch arguments. Returns 0, or -1 after printing why.
 */
int kpt_session_args_by_name(struct kpt_probe *probe, struct kpt_probe_point *point, bool exit)
{
	const struct kpt_features *features = kpt_features_readme();
	char *errmsg = NULL, *rewritten, *function;
	const struct kpt_btf *btf = NULL;

	if (!point->fetchargs || (!kpt_features_args_named(point->fetchargs) &&
				  !(exit && strstr(point->fetchargs, "$arg"))))
		return 0;
	function = probe_function(probe);
	if (!function)
		return -1;
	if (kpt_features_args_named(point->fetchargs))
		btf = session_btf();
	rewritten = kpt_features_args_by_name(point->fetchargs, function, exit, features,
					      kpt_arch_get(NULL), btf, &errmsg);
	free(function);
	if (!rewritten) {
		kpt_err("probe '%s': %s", probe->name, errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	if (strcmp(rewritten, point->fetchargs) != 0)
		kpt_info("probe '%s': this kernel takes no argument names; from its BTF: '%s'",
			 probe->name, rewritten);
	free(point->fetchargs);
	point->fetchargs = rewritten;
	return 0;
}

static bool kernel_has_argn(void)
{
	char *readme = tracefs_instance_file_read(NULL, "README", NULL);
	bool has = readme && strstr(readme, "$arg<N>");

	free(readme);
	return has;
}

/**
 * kpt_session_fix_fetchargs - fit a probe's fetch-args to this kernel
 * @probe: the probe, for messages
 * @point: the end whose fetch-args to fix
 *
 * Kernels without $arg<N> (the tracefs README tells) get the registers it
 * stands for. Returns 0, or -1 after printing why.
 */
int kpt_session_fix_fetchargs(struct kpt_probe *probe, struct kpt_probe_point *point)
{
	char *errmsg = NULL, *rewritten;

	if (!point->fetchargs || !strstr(point->fetchargs, "$arg") || kernel_has_argn())
		return 0;
	rewritten = kpt_features_rewrite_argn(point->fetchargs, &errmsg);
	if (!rewritten) {
		kpt_err("probe '%s': %s", probe->name, errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	kpt_info("probe '%s': this kernel has no $argN; using '%s'", probe->name, rewritten);
	free(point->fetchargs);
	point->fetchargs = rewritten;
	return 0;
}

/**
 * kpt_session_add_probe - create a probe's events and queue them for enabling
 * @session: the session
 * @probe: a parsed (and for user probes, resolved) probe
 * @index: the probe's index, which keeps its event names unique
 *
 * Returns 0, or -1 after printing why (with the kernel's error_log text where
 * it gave one). Events created before a failure are still removed by
 * kpt_session_destroy().
 */
int kpt_session_add_probe(struct kpt_session *session, struct kpt_probe *probe, int index)
{
	if (kpt_probe_name_events(probe, session->name, index) < 0 ||
	    kpt_probe_create(session, probe) < 0)
		return -1;
	if (add_event(session, probe->entry.system, probe->entry.event, true, true) < 0 ||
	    add_event(session, probe->exit.system, probe->exit.event, true, false) < 0)
		return -1;
	return 0;
}

/* The stacktrace trigger on one entry event; remembered, so that teardown removes it. */
static int add_trigger(struct kpt_session *session, const char *name)
{
	char **triggers = realloc(session->triggers, (session->nr_triggers + 1) * sizeof(*triggers));
	char system[256], *kernel_says;
	const char *event;

	if (!triggers)
		return -1;
	session->triggers = triggers;
	split_event(name, system, sizeof(system), &event);
	if (tracefs_event_file_write(session->instance, system, event, "trigger",
				     "stacktrace") < 0) {
		kernel_says = tracefs_error_last(session->instance);
		kpt_err("--stack: cannot set a stacktrace trigger on event %s:%s: %s", system,
			event, kernel_says ? kernel_says : strerror(errno));
		free(kernel_says);
		return -1;
	}
	triggers[session->nr_triggers] = strdup(name);
	if (!triggers[session->nr_triggers])
		return -1;
	session->nr_triggers++;
	return 0;
}

/**
 * kpt_session_add_stacks - have the kernel record stacks with every probe entry
 * @session: the session, with its instance created and its probes added
 * @kernel: the kernel stack (--stack)
 * @user: the user stack (--ustack)
 *
 * Each stack is a record of its own (ftrace:kernel_stack, ftrace:user_stack)
 * that the kernel writes into the instance right after the event. The kernel
 * stack comes from a stacktrace trigger on each entry event, where the kernel
 * writes a trigger's stack into the instance (kpt_features_stack_trigger());
 * elsewhere from the instance's stacktrace option, which stacks every event
 * of the instance. The user stack comes from the userstacktrace option, which
 * also applies to every event of the instance. Returns 0, or -1 after
 * printing why.
 */
int kpt_session_add_stacks(struct kpt_session *session, bool kernel, bool user)
{
	char system[256], *why = NULL;
	const char *event;
	int i;

	session->kernel_stacks = kernel;
	session->user_stacks = user;
	if (kernel && kpt_features_stack_trigger(&why)) {
		for (i = 0; i < session->nr_events; i++) {
			split_event(session->events[i], system, sizeof(system), &event);
			if (session->of_entry[i] && add_trigger(session, session->events[i]) < 0)
				return -1;
		}
	} else if (kernel) {
		kpt_info("--stack: %s; using the instance's stacktrace option, which records a "
			 "stack with every event", why ? why : "no stacktrace trigger");
		if (tracefs_option_enable(session->instance, TRACEFS_OPTION_STACKTRACE) < 0) {
			kpt_err("--stack: cannot enable the stacktrace option of instance %s: %s",
				session->name, strerror(errno));
			free(why);
			return -1;
		}
		session->stack_option = true;
	}
	free(why);
	if (user && tracefs_option_enable(session->instance, TRACEFS_OPTION_USERSTACKTRACE) < 0) {
		kpt_err("--ustack: cannot enable the userstacktrace option of instance %s: %s "
			"(CONFIG_USER_STACKTRACE_SUPPORT is off?)", session->name, strerror(errno));
		return -1;
	}
	return 0;
}

/* Remove our stacktrace triggers: a probe with a trigger cannot be removed. */
static void remove_triggers(struct kpt_session *session)
{
	char system[256];
	const char *event;
	int i;

	for (i = 0; i < session->nr_triggers; i++) {
		split_event(session->triggers[i], system, sizeof(system), &event);
		if (tracefs_event_file_write(session->instance, system, event, "trigger",
					     "!stacktrace") < 0)
			kpt_warn("cannot remove the stacktrace trigger of event %s:%s: %s", system,
				 event, strerror(errno));
		free(session->triggers[i]);
	}
	session->nr_triggers = 0;
}

static void split_event(const char *name, char *system, size_t size, const char **event)
{
	size_t len = strcspn(name, "/");

	snprintf(system, size, "%.*s", (int)len, name);
	*event = name + len + 1;
}

static int parse_format(struct tep_handle *tep, const char *system, const char *event)
{
	char *format;
	int size, ret;

	format = tracefs_event_file_read(NULL, system, event, "format", &size);
	if (!format) {
		kpt_err("cannot read the format of event %s:%s: %s", system, event,
			strerror(errno));
		return -1;
	}
	ret = tep_parse_event(tep, format, size, system);
	free(format);
	if (ret) {
		kpt_err("cannot parse the format of event %s:%s (libtraceevent error %d)", system,
			event, ret);
		return -1;
	}
	return 0;
}

/**
 * kpt_session_load_formats - parse the formats of the events the session enables
 * @session: the session, with all its probes added (their formats exist only then)
 *
 * Parses the ring-buffer header and exactly the session's events, plus the
 * pid-to-comm table: loading whole systems (syscalls has hundreds of events)
 * and kallsyms would cost a tenth of a second and tens of megabytes.
 * Returns 0, or -1 after printing why.
 */
int kpt_session_load_formats(struct kpt_session *session)
{
	enum tep_endian endian = tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN;
	char system[256], *header;
	const char *event;
	int i, size;

	session->tep = tep_alloc();
	if (!session->tep)
		return -1;
	tep_set_file_bigendian(session->tep, endian);
	tep_set_local_bigendian(session->tep, endian);
	tep_set_long_size(session->tep, sizeof(long));
	tep_set_page_size(session->tep, getpagesize());
	header = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (!header || tep_parse_header_page(session->tep, header, size, sizeof(long)) < 0) {
		kpt_err("cannot read the ring buffer's page header from %s/events/header_page",
			tracefs_tracing_dir());
		free(header);
		return -1;
	}
	free(header);
	for (i = 0; i < session->nr_events; i++) {
		split_event(session->events[i], system, sizeof(system), &event);
		if (parse_format(session->tep, system, event) < 0)
			return -1;
	}
	if ((session->kernel_stacks && parse_format(session->tep, "ftrace", "kernel_stack") < 0) ||
	    (session->user_stacks && parse_format(session->tep, "ftrace", "user_stack") < 0))
		return -1;
	tracefs_load_cmdlines(NULL, session->tep);
	return 0;
}

/**
 * kpt_session_set_filter - apply a kernel event filter to every probe event
 * @session: the session, with its instance created
 * @filter: the filter, in the kernel's syntax (see events.rst), e.g. "common_pid != 1";
 *          kept, so it must outlive @session
 *
 * Events added with kpt_session_add_event() are not filtered. The kernel
 * checks the filter against each event here; a backend that opens the events
 * itself (perf) applies kpt_session_event_filter() to them. Returns 0, or -1
 * after printing the kernel's complaint.
 */
int kpt_session_set_filter(struct kpt_session *session, const char *filter)
{
	char system[256], *kernel_says;
	const char *event;
	int i;

	for (i = 0; i < session->nr_events; i++) {
		if (!session->of_probe[i])
			continue;
		split_event(session->events[i], system, sizeof(system), &event);
		if (tracefs_event_file_write(session->instance, system, event, "filter",
					     filter) >= 0)
			continue;
		kernel_says = tracefs_error_last(session->instance);
		kpt_err("--filter '%s': the kernel rejected it for event %s:%s%s%s (use the "
			"event's fields, listed in its format file, and common_pid)", filter,
			system, event, kernel_says ? ": " : "", kernel_says ? kernel_says : "");
		free(kernel_says);
		return -1;
	}
	session->filter = filter;
	return 0;
}

/**
 * kpt_session_event_filter - the filter of session event @index
 * @session: the session
 * @index: into @session->events
 *
 * Returns the filter set with kpt_session_set_filter() for a probe event, or
 * NULL for an unfiltered one.
 */
const char *kpt_session_event_filter(const struct kpt_session *session, int index)
{
	return session->of_probe[index] ? session->filter : NULL;
}

/**
 * kpt_session_follow - trace only process @pid, its threads and every task they start
 * @session: the session
 * @pid: the process
 *
 * Writes every thread of @pid to the instance's set_event_pid and turns on
 * event-fork, so the kernel adds children and new threads itself. Threads
 * are listed again until the list stops growing, so none started during the
 * set-up slips through (set_event_pid ignores pids it has). Returns 0, or -1
 * after printing why.
 */
int kpt_session_follow(struct kpt_session *session, int pid)
{
	int *tids = NULL, nr, last = -1, round, i;
	char buf[16];

	if (tracefs_option_enable(session->instance, TRACEFS_OPTION_EVENT_FORK) < 0) {
		kpt_err("cannot enable the event-fork option: %s", strerror(errno));
		return -1;
	}
	for (round = 0; round < 10; round++, last = nr) {
		nr = kpt_target_threads(pid, &tids);
		if (nr < 0) {
			kpt_err("-p %d: no such process", pid);
			return -1;
		}
		for (i = 0; i < nr; i++) {
			snprintf(buf, sizeof(buf), "%d", tids[i]);
			if (tracefs_instance_file_append(session->instance, "set_event_pid",
							 buf) < 0 && errno != ESRCH) {
				kpt_err("cannot add pid %d to set_event_pid: %s", tids[i],
					strerror(errno));
				free(tids);
				return -1;
			}
		}
		free(tids);
		if (nr == last)
			break;
	}
	return 0;
}

/**
 * kpt_session_enable - start tracing: enable every queued event at once
 * @session: the session
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_session_enable(struct kpt_session *session)
{
	char system[256];
	const char *event;
	int i;

	tracefs_trace_off(session->instance);
	for (i = 0; i < session->nr_events; i++) {
		split_event(session->events[i], system, sizeof(system), &event);
		if (tracefs_event_enable(session->instance, system, event) < 0) {
			kpt_err("cannot enable event %s:%s: %s", system, event, strerror(errno));
			return -1;
		}
	}
	if (tracefs_trace_on(session->instance) < 0) {
		kpt_err("cannot turn tracing on in instance %s: %s", session->name,
			strerror(errno));
		return -1;
	}
	return 0;
}

/**
 * kpt_session_stop - stop writing records; what is buffered stays readable
 * @session: the session
 */
void kpt_session_stop(struct kpt_session *session)
{
	if (session->instance)
		tracefs_trace_off(session->instance);
}

/**
 * kpt_session_probe_misses - how often our kprobes and kretprobes missed a hit
 * @session: the session
 *
 * Reads nmissed from kprobe_profile (a kretprobe misses when more calls are
 * in flight than its maxactive). Returns the sum, 0 without kprobes.
 */
uint64_t kpt_session_probe_misses(struct kpt_session *session)
{
	char *profile = tracefs_instance_file_read(NULL, "kprobe_profile", NULL);
	char *line, *save = NULL;
	uint64_t missed = 0;

	if (!profile)
		return 0;
	for (line = strtok_r(profile, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long hits, nmissed;
		char name[512];
		int i;

		if (sscanf(line, "%511s %llu %llu", name, &hits, &nmissed) != 3)
			continue;
		for (i = 0; i < session->nr_events; i++) {
			const char *event = strchr(session->events[i], '/') + 1;

			if (strcmp(name, session->events[i]) == 0 ||
			    (strcmp(name, event) == 0 &&
			     strncmp(session->events[i], session->name, strlen(session->name)) == 0))
				missed += nmissed;
		}
	}
	free(profile);
	return missed;
}

/**
 * kpt_session_destroy - remove the session's probes and instance from the system
 * @session: the session (NULL is fine); the stream must be closed first
 *
 * Safe to call on a partly created session, and more than once. The
 * watchdog is stopped last: a kill during the removal leaves it the rest.
 */
void kpt_session_destroy(struct kpt_session *session)
{
	int i;

	if (!session)
		return;
	if (session->instance) {
		tracefs_trace_off(session->instance);
		tracefs_event_disable(session->instance, NULL, NULL);
		remove_triggers(session);
	}
	/* triggers first: a probe with one cannot be removed */
	kpt_kfilter_destroy(session);
	remove_named(session);
	for (i = session->nr_dynevents - 1; i >= 0; i--) {
		destroy_dynevent(session->dynevents[i]);
		tracefs_dynevent_free(session->dynevents[i]);
	}
	session->nr_dynevents = 0;
	if (session->instance) {
		if (tracefs_instance_destroy(session->instance) < 0)
			kpt_warn("cannot remove instance %s: %s; remove it with 'kptrace cleanup'",
				 session->name, strerror(errno));
		tracefs_instance_free(session->instance);
		session->instance = NULL;
	}
	kpt_watchdog_stop(session->watchdog);
	session->watchdog = NULL;
}

/**
 * kpt_session_free - release the descriptor (NULL is fine); call kpt_session_destroy() first
 * @session: the session
 */
void kpt_session_free(struct kpt_session *session)
{
	int i;

	if (!session)
		return;
	for (i = 0; i < session->nr_events; i++)
		free(session->events[i]);
	free(session->events);
	free(session->of_probe);
	free(session->of_entry);
	for (i = 0; i < session->nr_triggers; i++)
		free(session->triggers[i]);
	free(session->triggers);
	free(session->dynevents);
	for (i = 0; i < session->nr_named; i++)
		free(session->named[i]);
	free(session->named);
	kpt_kfilter_free(session);
	tep_free(session->tep);
	kpt_btf_free(vmlinux_btf);
	vmlinux_btf = NULL;
	vmlinux_btf_tried = false;
	free(session->name);
	free(session);
}

/* Is @name "kptrace_<pid>" of a run that is gone? Our own is not stale. */
static bool is_stale(const char *name)
{
	char path[64], comm[32] = "";
	FILE *file;
	int pid;

	if (strncmp(name, SESSION_PREFIX, strlen(SESSION_PREFIX)) != 0 ||
	    kpt_parse_pid(name + strlen(SESSION_PREFIX), &pid) < 0)
		return false;
	if (pid == getpid())
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	file = fopen(path, "r");
	if (!file)
		return true;
	if (!fgets(comm, sizeof(comm), file))
		comm[0] = '\0';
	fclose(file);
	/* The pid was reused by something that is not kptrace. */
	return strncmp(comm, "kptrace", 7) != 0;
}

/* tracefs_instances_walk() callback: gather the stale instances' names. */
static int collect_stale(const char *name, void *data)
{
	char ***list = data;

	if (is_stale(name))
		*list = tracefs_list_add(*list, name);
	return 0;
}

/* The fprobes and tracepoint probes of dead runs: dynamic_events lines libtracefs skips. */
static int remove_stale_named(bool verbose)
{
	char *text = tracefs_instance_file_read(NULL, "dynamic_events", NULL);
	char *line, *save = NULL, system[256], event[256];
	int removed = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((line[0] != 'f' && line[0] != 't') || line[1] != ':' ||
		    definition_names(line, system, sizeof(system), event, sizeof(event)) < 0 ||
		    !is_stale(system))
			continue;
		if (kpt_dynevent_remove_named(system, event) == 0) {
			removed++;
			if (verbose)
				kpt_info("removed probe %s/%s", system, event);
		} else if (errno != ENOENT) {
			kpt_warn("cannot remove probe %s/%s of a dead kptrace run: %s", system,
				 event, strerror(errno));
		}
	}
	free(text);
	return removed;
}

/**
 * kpt_session_remove_stale - remove instances and probe groups of kptrace runs that died
 * @verbose: say what was removed
 *
 * Only "kptrace_<pid>" names whose pid is gone (or is no longer kptrace) are
 * touched, and synthetic events "kptrace_<pid>_slow<N>" of such runs; other
 * tools' probes, events and instances never are. Returns how many
 * objects were removed, or -1 if tracefs cannot be read.
 */
int kpt_session_remove_stale(bool verbose)
{
	struct tracefs_dynevent **dynevents;
	char **instances = NULL;
	int i, removed = 0;

	/* Disable first: neither an enabled probe nor its instance can be removed. */
	if (tracefs_instances_walk(collect_stale, &instances) < 0)
		return -1;
	for (i = 0; instances && instances[i]; i++) {
		struct tracefs_instance *instance;

		instance = tracefs_instance_alloc(NULL, instances[i]);
		if (instance) {
			tracefs_trace_off(instance);
			tracefs_event_disable(instance, NULL, NULL);
		}
		tracefs_instance_free(instance);
		kpt_kfilter_clear_stale(instances[i]);
	}

	/* Instances next: their triggers go with them, and then nothing holds a probe. */
	for (i = 0; instances && instances[i]; i++) {
		struct tracefs_instance *instance;

		instance = tracefs_instance_alloc(NULL, instances[i]);
		if (instance && tracefs_instance_destroy(instance) == 0) {
			removed++;
			if (verbose)
				kpt_info("removed instance %s", instances[i]);
		} else if (errno != ENOENT) {	/* ENOENT: its watchdog was quicker */
			kpt_warn("cannot remove instance %s of a dead kptrace run: %s",
				 instances[i], strerror(errno));
		}
		tracefs_instance_free(instance);
	}
	removed += kpt_kfilter_remove_stale(is_stale, verbose);
	/* Every kind of dynamic event a probe type makes. */
	dynevents = tracefs_dynevent_get_all(kpt_probe_dynevent_types(), NULL);
	for (i = 0; dynevents && dynevents[i]; i++) {
		char *system = NULL, *event = NULL;

		tracefs_dynevent_info(dynevents[i], &system, &event, NULL, NULL, NULL);
		if (system && is_stale(system) && tracefs_dynevent_destroy(dynevents[i], true) == 0) {
			removed++;
			if (verbose)
				kpt_info("removed probe %s/%s", system, event);
		}
		free(system);
		free(event);
	}
	tracefs_dynevent_list_free(dynevents);
	removed += remove_stale_named(verbose);

	tracefs_list_free(instances);
	return removed;
}
