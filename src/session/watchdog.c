// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Watchdog: removes a session's probes and instance when kptrace is killed.
 *
 * A SIGKILL, the OOM killer or a crash ends kptrace without its teardown, and
 * its probes stay defined and enabled: the probed functions pay for them
 * until the next run's reaper or 'kptrace cleanup'. The watchdog closes that
 * gap. kpt_watchdog_start() forks it before the session creates anything; it
 * keeps only its end of a socket pair (and stderr for one line of report),
 * so it holds no tracefs file and no ring buffer that would keep an instance
 * busy, and it leaves the terminal's process group, so that Ctrl-C reaches
 * kptrace alone.
 *
 * The session names each object before creating it: "I name" for the
 * instance, "D type system event" for a dynamic event. A name sent for an
 * object that then fails to be created is harmless (there is nothing to
 * remove), whereas one created and then not named, because kptrace was
 * killed in between, would be left behind. "Q" says the teardown is done:
 * the watchdog exits without touching anything.
 *
 * If the socket reaches end-of-file without "Q", kptrace is gone. The
 * watchdog waits until it is reparented (kptrace's exit has then released
 * every file, so no reader keeps the instance busy), turns tracing off in the
 * instance and disables its events (an enabled dynamic event cannot be
 * removed: EBUSY), removes --stack's stacktrace triggers from the dynamic
 * events it was told of (a trigger keeps its event busy too), removes those
 * events, newest first, then the instance, and exits. Only the names it was given are touched, and
 * what slow --kernel-filter made in that instance's name: the triggers in
 * it (first, as they hold the probes) and the synthetic events named after
 * it (last).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session/kfilter.h"
#include "session/session.h"
#include "session/watchdog.h"
#include "util.h"

#define MSG_MAX		1024
/* How long to wait for the dead parent's files to be released, and for EBUSY to pass. */
#define SETTLE_MS	1000

struct kpt_watchdog {
	pid_t pid;
	int fd;
};

/* What the watchdog was told to remove. */
struct watch_list {
	char *instance;
	char **dynevents;	/* "type system event" */
	int nr;
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The watchdog keeps fd @keep and stderr; stdin and stdout become /dev/null. */
static void close_other_files(int keep)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	long fd, max;

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (keep > 3)
		close_range(3, keep - 1, 0);
	if (close_range(keep + 1, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = keep + 1; fd < max && fd < 65536; fd++)
		close(fd);
}

static void detach(void)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGTSTP, SIGTTIN,
				       SIGTTOU };
	struct sigaction sa = { .sa_handler = SIG_IGN };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(ignored); i++)
		sigaction(ignored[i], &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	setpgid(0, 0);
	prctl(PR_SET_NAME, "kptrace-watch", 0, 0, 0);
}

static int remember(struct watch_list *list, const char *msg)
{
	char **grown;

	if (msg[0] == 'I' && msg[1] == ' ') {
		free(list->instance);
		list->instance = strdup(msg + 2);
		return list->instance ? 0 : -1;
	}
	if (msg[0] != 'D' || msg[1] != ' ')
		return 0;
	grown = realloc(list->dynevents, (list->nr + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	list->dynevents = grown;
	grown[list->nr] = strdup(msg + 2);
	if (!grown[list->nr])
		return -1;
	list->nr++;
	return 0;
}

/* Remove one dynamic event, retrying while something still holds it. */
static bool remove_dynevent(const char *desc)
{
	char system[256], event[256];
	struct tracefs_dynevent *dynevent;
	int type, waited, ret = -1;

	if (sscanf(desc, "%d %255s %255s", &type, system, event) != 3)
		return false;
	/* fprobes and tracepoint probes: libtracefs cannot list them, "-:" removes them */
	if (type == TRACEFS_DYNEVENT_UNKNOWN) {
		for (waited = 0; waited <= SETTLE_MS; waited += 10) {
			ret = kpt_dynevent_remove_named(system, event);
			if (ret == 0 || errno != EBUSY)
				break;
			sleep_ms(10);
		}
		return ret == 0;
	}
	dynevent = tracefs_dynevent_get(type, system, event);
	if (!dynevent)
		return false;	/* never created, or already removed */
	for (waited = 0; waited <= SETTLE_MS; waited += 10) {
		ret = tracefs_dynevent_destroy(dynevent, false);
		if (ret == 0 || errno != EBUSY)
			break;
		sleep_ms(10);
	}
	tracefs_dynevent_free(dynevent);
	return ret == 0;
}

static bool remove_instance(const char *name)
{
	struct tracefs_instance *instance;
	int waited, ret = -1;

	if (!tracefs_instance_exists(name))
		return false;
	instance = tracefs_instance_alloc(NULL, name);
	if (!instance)
		return false;
	for (waited = 0; waited <= SETTLE_MS; waited += 10) {
		ret = tracefs_instance_destroy(instance);
		if (ret == 0 || errno != EBUSY)
			break;
		sleep_ms(10);
	}
	tracefs_instance_free(instance);
	return ret == 0;
}

/*
 * --stack: the stacktrace trigger on a probe's entry event in the instance
 * keeps the probe busy. Remove it from each probe named (none set: the
 * kernel says ENOENT, which is fine).
 */
static void clear_stack_triggers(const struct watch_list *list,
				 struct tracefs_instance *instance)
{
	char system[256], event[256];
	int i, type;

	for (i = 0; i < list->nr; i++) {
		if (sscanf(list->dynevents[i], "%d %255s %255s", &type, system, event) == 3)
			tracefs_event_file_write(instance, system, event, "trigger",
						 "!stacktrace");
	}
}

/* kptrace died: remove what it named, as kpt_session_destroy() would have. */
static void act(const struct watch_list *list, pid_t parent)
{
	struct tracefs_instance *instance = NULL;
	int waited, i, removed = 0;
	bool gone;

	/* Reparented: kptrace's exit is complete and its files are closed. */
	for (waited = 0; getppid() == parent && waited < SETTLE_MS; waited++)
		sleep_ms(1);
	/* kptrace lives, and closed the socket by mistake: not ours to act. */
	if (getppid() == parent)
		return;
	if (list->instance && tracefs_instance_exists(list->instance))
		instance = tracefs_instance_alloc(NULL, list->instance);
	if (instance) {
		tracefs_trace_off(instance);
		tracefs_event_disable(instance, NULL, NULL);
		clear_stack_triggers(list, instance);
		tracefs_instance_free(instance);
		/* slow --kernel-filter: its triggers hold the probes and the instance */
		kpt_kfilter_clear_stale(list->instance);
	}
	for (i = list->nr - 1; i >= 0; i--)
		removed += remove_dynevent(list->dynevents[i]);
	gone = list->instance && remove_instance(list->instance);
	if (list->instance)
		removed += kpt_kfilter_remove_session(list->instance);
	if (removed && gone)
		fprintf(stderr, "kptrace: run %d was killed; its watchdog removed its %d probe "
			"event%s and instance %s\n", (int)parent, removed, removed == 1 ? "" : "s",
			list->instance);
	else if (removed || gone)
		fprintf(stderr, "kptrace: run %d was killed; its watchdog removed %s\n",
			(int)parent, gone ? list->instance : "its probe events");
}

static void free_list(struct watch_list *list)
{
	int i;

	for (i = 0; i < list->nr; i++)
		free(list->dynevents[i]);
	free(list->dynevents);
	free(list->instance);
}

static void __attribute__((noreturn)) watch(int fd, pid_t parent)
{
	struct watch_list list = { 0 };
	char msg[MSG_MAX + 1];
	ssize_t n;

	detach();
	close_other_files(fd);
	for (;;) {
		n = recv(fd, msg, MSG_MAX, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* end of file: kptrace is gone */
		msg[n] = '\0';
		if (strcmp(msg, "Q") == 0) {
			free_list(&list);
			_exit(0);
		}
		if (remember(&list, msg) < 0)
			break;		/* out of memory: clean up what is known now */
	}
	act(&list, parent);
	free_list(&list);
	_exit(0);
}

static int send_msg(struct kpt_watchdog *wd, const char *msg)
{
	size_t len = strlen(msg);
	ssize_t n;

	if (len > MSG_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	do {
		n = send(wd->fd, msg, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/**
 * kpt_watchdog_start - fork the watchdog of a session
 * @instance: the name of the session's instance, not yet created
 *
 * Call before the session creates anything. Returns the watchdog, to stop
 * with kpt_watchdog_stop(), or NULL after printing why: the run can go on,
 * with only the next run's reaper and 'kptrace cleanup' as the safety net.
 */
struct kpt_watchdog *kpt_watchdog_start(const char *instance)
{
	struct kpt_watchdog *wd = calloc(1, sizeof(*wd));
	char *msg = kpt_asprintf("I %s", instance);
	pid_t parent = getpid();
	int sv[2];

	if (!wd || !msg)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		kpt_warn("cannot start the watchdog: socketpair: %s; a SIGKILL would leave "
			 "probes behind until 'kptrace cleanup'", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	wd->pid = fork();
	if (wd->pid == 0) {
		close(sv[0]);
		watch(sv[1], parent);
	}
	close(sv[1]);
	if (wd->pid < 0) {
		kpt_warn("cannot start the watchdog: fork: %s; a SIGKILL would leave probes "
			 "behind until 'kptrace cleanup'", strerror(errno));
		close(sv[0]);
		goto fail;
	}
	wd->fd = sv[0];
	if (send_msg(wd, msg) < 0) {
		kpt_watchdog_stop(wd);
		wd = NULL;
	}
	free(msg);
	return wd;
fail:
	free(msg);
	free(wd);
	return NULL;
}

/**
 * kpt_watchdog_add_dynevent - tell the watchdog of a dynamic event about to be created
 * @wd: the watchdog (NULL is fine: nothing happens)
 * @type: the event's type, e.g. TRACEFS_DYNEVENT_UPROBE
 * @system: its group (the session's)
 * @event: its name
 *
 * Returns 0, or -1 if the watchdog could not be told (it is then stopped and
 * the run goes on without it, after a warning).
 */
int kpt_watchdog_add_dynevent(struct kpt_watchdog *wd, enum tracefs_dynevent_type type,
			      const char *system, const char *event)
{
	char *msg;
	int ret;

	if (!wd || wd->fd < 0)
		return 0;
	msg = kpt_asprintf("D %d %s %s", (int)type, system, event);
	ret = msg ? send_msg(wd, msg) : -1;
	free(msg);
	if (ret < 0) {
		kpt_warn("cannot reach the watchdog: %s; a SIGKILL would leave probes behind "
			 "until 'kptrace cleanup'", strerror(errno));
		/* Closing the socket alone would tell it kptrace died. */
		kill(wd->pid, SIGKILL);
		close(wd->fd);
		wd->fd = -1;
	}
	return ret;
}

/**
 * kpt_watchdog_stop - the teardown is done: let the watchdog exit without acting
 * @wd: the watchdog (NULL is fine); freed
 *
 * Reaps the watchdog.
 */
void kpt_watchdog_stop(struct kpt_watchdog *wd)
{
	if (!wd)
		return;
	if (wd->fd >= 0) {
		if (send_msg(wd, "Q") < 0)
			kill(wd->pid, SIGKILL);
		close(wd->fd);
	}
	while (waitpid(wd->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(wd);
}
