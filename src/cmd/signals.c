// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Signals, and the exit status of a run.
 *
 * The handlers only set flags. A second Ctrl-C (or SIGTERM) while kptrace
 * stops does not cut the teardown short: the probes are removed first, and
 * stderr says so. A SIGKILL at that point leaves the rest to the session's
 * watchdog.
 *
 * SIGPIPE is caught rather than ignored, so that a command started with
 * '-- CMD' gets the default disposition back at exec.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/signals.h"
#include "output/check.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t told_to_wait;

static void request_stop(int sig)
{
	static const char wait_msg[] =
		"kptrace: still stopping: the probes and the instance are removed first\n";
	int saved = errno;

	if (sig == SIGPIPE) {
		kpt_output_pipe_closed();
	} else if (stop_requested && !told_to_wait) {
		told_to_wait = 1;
		/* Nothing to do about a failure in a handler. */
		(void)!write(STDERR_FILENO, wait_msg, sizeof(wait_msg) - 1);
	}
	stop_requested = 1;
	errno = saved;
}

/* SIGCHLD only needs to interrupt poll(); the loop reaps. */
static void child_changed(int sig)
{
}

/**
 * kpt_signals_install - catch SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGCHLD
 *
 * SA_RESTART keeps set-up's tracefs reads and writes from failing with EINTR;
 * poll() is never restarted, so the live loop still wakes at once.
 */
void kpt_signals_install(void)
{
	struct sigaction sa = { .sa_handler = request_stop, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = child_changed;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/**
 * kpt_stop_requested - has a signal or an output error asked the run to stop?
 */
bool kpt_stop_requested(void)
{
	return stop_requested || kpt_output_failed();
}

/**
 * kpt_exit_status - the exit status of a run, given its command's
 * @code: what the command returned
 *
 * Flushes and checks standard output first. A closed pipe makes it
 * 128 + SIGPIPE (141), the status a shell shows for a process killed by the
 * signal; a write error makes it 1, whatever CMD's status was.
 */
int kpt_exit_status(int code)
{
	kpt_output_check(stdout, NULL);
	if (kpt_output_pipe_was_closed())
		return 128 + SIGPIPE;
	if (kpt_output_failed())
		return 1;
	return code;
}
