/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The run skeleton of the commands that analyse (latency, count, trace,
 * report): parse -> set up the source (live, or a trace.dat file) and the
 * analysers (the command's built-in and each --plugin) -> run the engine ->
 * report -> tear down, through one cleanup ladder.
 */
#ifndef KPT_RUN_H
#define KPT_RUN_H

#include <stdbool.h>

#include "analyse/analyser.h"
#include "cmd/live.h"
#include "cmd/options.h"
#include "source/file.h"

struct kpt_run;

struct kpt_command {
	const char *name;
	const char *usage;
	/* With it, the probe types' usage lines go between usage and usage_tail. */
	const char *usage_tail;
	const struct kpt_analyser_desc *analyser;	/* the command's built-in */
	const char *banner;		/* "Tracing", "Counting": the line live runs print */
	bool needs_threshold;		/* -t is required (slow) */
	bool kernel_filter;		/* takes --kernel-filter (slow) */
	bool no_interval;		/* prints as calls end: -i does not apply (slow) */
	bool takes_stacks;		/* --stack, --ustack and --folded are too */
	bool takes_pictures;		/* --heatmap, --html, --timeline */
	bool takes_listen;		/* --listen */
	/*
	 * Live set-up other than kpt_live_setup() (count's perf counters): fill
	 * in @live and @params' backend and counters, which kpt_live_teardown()
	 * releases. Returns 0, or -1 after printing why; @live is torn down
	 * either way.
	 */
	int (*setup_live)(struct kpt_live *live, struct kpt_trace_opts *opts,
			  struct kpt_run_params *params);
};

/* What one analysis run is: from the command line of latency, count, trace or report. */
struct kpt_run_args {
	const struct kpt_command *cmd;
	struct kpt_trace_opts *live;	/* a live run's options, or NULL */
	struct kpt_file_opts file;	/* with file.path: a file run */
	const struct kpt_builtin_opts *builtin;	/* --by, --top, ...: the built-in's */
	bool json;
	const char *command;		/* JSON "kptrace" of the latency report, or NULL */
	const struct kpt_plugin_arg *plugins;
	int nr_plugins;
	bool kernel_stacks;		/* --stack */
	bool user_stacks;		/* --ustack */
	bool folded;			/* --folded */
	enum kpt_folded folded_value;
	/* pictures and the exporter: built-in analysers next to the command's */
	const char *heatmap;		/* --heatmap FILE */
	const char *html;		/* --html FILE */
	const char *timeline;		/* --timeline FILE */
	const char *width;		/* --heatmap-width SECONDS, or NULL */
	const char *listen;		/* --listen ADDR:PORT */
};

int kpt_run(const struct kpt_run_args *args);
int kpt_run_command(const struct kpt_command *cmd, int argc, char **argv);

struct kpt_probe;
const char *kpt_run_probe_kinds(const struct kpt_probe *probes, int nr);

#endif
