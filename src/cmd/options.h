/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options shared by the commands that trace live: what to probe, whom, how long.
 */
#ifndef KPT_OPTIONS_H
#define KPT_OPTIONS_H

#include <stdbool.h>

struct kpt_trace_opts {
	char **probes;		/* the PROBE arguments, borrowed from argv */
	int nr_probes;
	char **command;		/* -- CMD ARGS, NULL-terminated, or NULL */
	int pid;		/* -p PID, or 0 */
	double duration;	/* -d SECONDS, or 0 for until the end */
	double interval;	/* -i SECONDS, or 0 for one final report */
	const char *filter;	/* --filter */
	const char *backend;	/* --backend: tracefs (default) or perf */
	bool backend_given;	/* --backend was on the command line */
	unsigned long buffer_kb;	/* --buffer-size, or 0 */
	bool json;
	bool help;
};

int kpt_trace_opts_parse(int argc, char **argv, struct kpt_trace_opts *opts);
int kpt_trace_opts_take_value(int *argc, char **argv, char short_name, const char *long_name,
			      const char **value);
void kpt_trace_opts_free(struct kpt_trace_opts *opts);

#endif
