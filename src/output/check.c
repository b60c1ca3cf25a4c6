// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checked output.
 *
 * The error is taken from the flush that fails, so every flush of an output
 * stream goes through kpt_output_check(): a later one finds the stream's
 * error flag set and its buffer gone, and would know only that something
 * failed. A closed pipe is not reported (the reader went away on purpose, as
 * with 'kptrace trace ... | head'); any other error is, once, with the name
 * of what could not be written.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "output/check.h"
#include "util.h"

static volatile sig_atomic_t pipe_closed;
static bool write_failed;

static const char *stream_name(FILE *out)
{
	if (out == stdout)
		return "standard output";
	if (out == stderr)
		return "standard error";
	return "the output";
}

/**
 * kpt_output_check - flush @out and check that everything written to it arrived
 * @out: the stream, e.g. stdout
 * @name: how to name it in an error, e.g. a file's name; NULL for "standard output"
 *        (or "standard error") where @out is one of those
 *
 * Returns 0, or -1 once the pipe was closed or a write failed: the run should
 * stop (kpt_output_failed() tells so from then on).
 */
int kpt_output_check(FILE *out, const char *name)
{
	int err;

	errno = 0;
	if (fflush(out) == 0 && !ferror(out))
		return 0;
	err = errno;
	if (err == EPIPE || pipe_closed) {
		pipe_closed = 1;
		return -1;
	}
	if (!write_failed)
		kpt_err("cannot write to %s: %s; stopping", name ? name : stream_name(out),
			err ? strerror(err) : "an earlier write failed");
	write_failed = true;
	return -1;
}

/**
 * kpt_output_pipe_closed - note that the reader of the output went away (SIGPIPE)
 *
 * Async-signal-safe: a SIGPIPE handler calls it.
 */
void kpt_output_pipe_closed(void)
{
	pipe_closed = 1;
}

/**
 * kpt_output_failed - can nothing more be written?
 *
 * True after a closed pipe or a write error: events still buffered need not
 * be formatted any more, and the run should stop.
 */
bool kpt_output_failed(void)
{
	return pipe_closed || write_failed;
}

/**
 * kpt_output_pipe_was_closed - did the output end with a closed pipe?
 */
bool kpt_output_pipe_was_closed(void)
{
	return pipe_closed;
}
