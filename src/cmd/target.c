// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Target: start CMD gated, so it runs only once every probe is live, and
 * follow -p PID.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/target.h"
#include "util.h"

/**
 * kpt_target_spawn - fork CMD, held before exec until kpt_target_start()
 * @target: filled in
 * @argv: the command and its arguments, NULL-terminated
 *
 * The child waits for one byte on a pipe: if kptrace dies or gives up before
 * sending it, the child exits without running CMD, so CMD never runs untraced.
 * Returns 0, or -1 after printing why.
 */
int kpt_target_spawn(struct kpt_target *target, char *const argv[])
{
	int gate[2];
	char go;

	if (pipe2(gate, O_CLOEXEC) < 0) {
		kpt_err("cannot start '%s': pipe: %s", argv[0], strerror(errno));
		return -1;
	}
	target->pid = fork();
	if (target->pid < 0) {
		kpt_err("cannot start '%s': fork: %s", argv[0], strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (target->pid == 0) {
		close(gate[1]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "kptrace: error: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	target->gate_fd = gate[1];
	target->spawned = true;
	/* no stop but the exit one: signals are passed on as they come (see reap()) */
	if (target->hold_exit) {
		if (ptrace(PTRACE_SEIZE, target->pid, NULL, (void *)PTRACE_O_TRACEEXIT) == 0)
			target->held = true;
		else
			kpt_warn("cannot hold '%s' at its exit (ptrace: %s): its user frames are "
				 "named only while it runs", argv[0], strerror(errno));
	}
	return 0;
}

/*
 * waitpid() for CMD: its exit stop runs on_exit() and lets it go, other
 * stops of a held CMD pass their signal on. Returns true once it has exited.
 */
static bool reap(struct kpt_target *target, int flags)
{
	int status;

	while (waitpid(target->pid, &status, flags) == target->pid) {
		if (!WIFSTOPPED(status)) {
			target->status = status;
			target->exited = true;
			return true;
		}
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			if (target->on_exit)
				target->on_exit(target->on_exit_ctx, target->pid);
			ptrace(PTRACE_DETACH, target->pid, NULL, NULL);
		} else if (status >> 16 == PTRACE_EVENT_STOP) {
			ptrace(PTRACE_LISTEN, target->pid, NULL, NULL);	/* a group stop */
		} else {
			ptrace(PTRACE_CONT, target->pid, NULL, (void *)(long)WSTOPSIG(status));
		}
	}
	return false;
}

/**
 * kpt_target_start - let the spawned command exec
 * @target: the target; nothing happens for -p PID
 *
 * Returns 0, or -1 if the command could not be released.
 */
int kpt_target_start(struct kpt_target *target)
{
	int ret = 0;

	if (!target->spawned || target->gate_fd < 0)
		return 0;
	if (write(target->gate_fd, "g", 1) != 1)
		ret = -1;
	close(target->gate_fd);
	target->gate_fd = -1;
	return ret;
}

/**
 * kpt_target_threads - the thread ids of process @pid
 * @pid: the process
 * @tids: set to a malloc'd array
 *
 * Returns the number of threads, or -1 if the process does not exist.
 */
int kpt_target_threads(pid_t pid, int **tids)
{
	struct dirent *entry;
	char path[64];
	int nr = 0, *list = NULL, *grown;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((entry = readdir(dir))) {
		int tid;

		if (kpt_parse_pid(entry->d_name, &tid) < 0)
			continue;
		grown = realloc(list, (nr + 1) * sizeof(*list));
		if (!grown) {
			nr = -1;
			break;
		}
		list = grown;
		list[nr++] = tid;
	}
	closedir(dir);
	if (nr < 0)
		free(list);
	else
		*tids = list;
	return nr;
}

/**
 * kpt_target_done - has the traced process ended?
 * @target: the target
 *
 * Reaps a spawned command without blocking. Returns true once it has exited
 * (or, for -p, once the process is gone).
 */
bool kpt_target_done(struct kpt_target *target)
{
	if (target->exited)
		return true;
	if (target->spawned) {
		reap(target, WNOHANG);
	} else if (target->pid > 0 && kill(target->pid, 0) < 0 && errno == ESRCH) {
		target->exited = true;
	}
	return target->exited;
}

/**
 * kpt_target_exit_code - the exit code kptrace passes on for CMD
 * @target: the target
 *
 * Returns CMD's exit status, 128 + signal if it was killed, or 0 without CMD.
 */
int kpt_target_exit_code(const struct kpt_target *target)
{
	if (!target->spawned || !target->exited)
		return 0;
	if (WIFEXITED(target->status))
		return WEXITSTATUS(target->status);
	if (WIFSIGNALED(target->status))
		return 128 + WTERMSIG(target->status);
	return 1;
}

/* Wait up to @ms for the spawned command to end; true if it did. */
static bool wait_exit(struct kpt_target *target, int ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000000L };
	int waited;

	for (waited = 0; waited < ms; waited += 10) {
		if (kpt_target_done(target))
			return true;
		nanosleep(&tick, NULL);
	}
	return kpt_target_done(target);
}

/**
 * kpt_target_abort - end a spawned command that is still held or still running
 * @target: the target
 *
 * Closing the gate makes a child still waiting exit without running CMD; a
 * CMD still running when tracing ended (-d, an error) gets SIGTERM, and
 * SIGKILL if it has not ended KPT_TARGET_GRACE_MS later. Either way it is
 * reaped.
 */
void kpt_target_abort(struct kpt_target *target)
{
	if (!target->spawned)
		return;
	if (target->gate_fd >= 0) {
		close(target->gate_fd);
		target->gate_fd = -1;
	} else if (!kpt_target_done(target)) {
		kill(target->pid, SIGTERM);
		if (!wait_exit(target, KPT_TARGET_GRACE_MS)) {
			kpt_warn("the command (pid %d) ignored SIGTERM for %d s: sending SIGKILL",
				 (int)target->pid, KPT_TARGET_GRACE_MS / 1000);
			kill(target->pid, SIGKILL);
		}
	}
	/* reap() passes a held CMD's stops on; it returns at the exit, or on an error */
	while (!target->exited && !reap(target, 0) && errno == EINTR)
		;
}
