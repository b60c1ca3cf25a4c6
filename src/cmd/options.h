/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Options shared by the commands that trace live: what to probe, whom, how long.
 */
#ifndef KPT_OPTIONS_H
#define KPT_OPTIONS_H

#include <stdbool.h>

#include "analyse/stacks.h"
#include "source/file.h"

/* --plugin NAME|PATH and the --plugin-opt KEY=VALUE options that follow it. */
struct kpt_plugin_arg {
	const char *name;	/* borrowed from argv */
	char **keys;		/* allocated */
	const char **values;	/* borrowed from argv */
	int nr_options;
};

int kpt_plugin_args_add(struct kpt_plugin_arg **args, int *nr, const char *name);
int kpt_plugin_args_opt(struct kpt_plugin_arg *args, int nr, const char *text);
void kpt_plugin_args_free(struct kpt_plugin_arg *args, int nr);

int kpt_folded_parse(const char *text, enum kpt_folded *folded);

/*
 * The options a command hands to its built-in analyser (--by, --top, -u,
 * --hist, --min, --max, -t): the analyser's option key and value, and how
 * the command line spelled it, for messages. A later one replaces an
 * earlier one of the same key.
 */
#define KPT_BUILTIN_OPTS	8

struct kpt_builtin_opts {
	int nr;
	const char *keys[KPT_BUILTIN_OPTS];
	const char *values[KPT_BUILTIN_OPTS];
	const char *spelled[KPT_BUILTIN_OPTS];
};

void kpt_builtin_opts_set(struct kpt_builtin_opts *opts, const char *key, const char *value,
			  const char *spelled);

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
	int max_probes;		/* --max-probes: most functions a glob may expand to */
	bool kprobes;		/* --kprobes: kernel functions by kprobes, even with fprobes */
	bool json;
	bool help;
	const char *input;	/* --input FILE: analyse a trace.dat instead of the kernel */
	const char *by;		/* --by KEY (latency, count, slow) */
	struct kpt_builtin_opts builtin;	/* --by, --top, -n/-u/-m, --hist, --min/max, -t */
	bool kernel_filter;	/* slow --kernel-filter */
	struct kpt_plugin_arg *plugins;	/* --plugin, with their --plugin-opt */
	int nr_plugins;
	bool stack;		/* --stack: the kernel stack of each entry */
	bool ustack;		/* --ustack: the user stack of each entry */
	bool folded_given;	/* --folded[=count|time] */
	enum kpt_folded folded;
	const char *heatmap;	/* --heatmap FILE: an SVG heat map */
	const char *heatmap_width;	/* --heatmap-width SECONDS, checked */
	const char *html;	/* --html FILE: the HTML report */
	const char *timeline;	/* --timeline FILE: Chrome Trace Event JSON */
	const char *listen;	/* --listen ADDR:PORT: Prometheus /metrics (latency) */
};

int kpt_trace_opts_parse(int argc, char **argv, struct kpt_trace_opts *opts);
int kpt_trace_opts_take_value(int *argc, char **argv, char short_name, const char *long_name,
			      const char **value);
void kpt_trace_opts_free(struct kpt_trace_opts *opts);

/* The command line of kptrace report. */
struct kpt_report_opts {
	const char *file;		/* FILE, default "trace.dat" */
	const char **probes;		/* -e NAME, borrowed from argv */
	int nr_probes;
	const char **pairs;		/* --pair ENTRY,EXIT, borrowed from argv */
	int nr_pairs;
	const char *by;			/* --by KEY, borrowed from argv, or NULL */
	struct kpt_window window;	/* --start, --end */
	bool list;			/* --list */
	bool json;			/* --json */
	bool libtracecmd;		/* --libtracecmd: libtracecmd's record reader */
	bool help;
	struct kpt_plugin_arg *plugins;	/* --plugin, with their --plugin-opt */
	int nr_plugins;
};

int kpt_report_opts_parse(int argc, char **argv, struct kpt_report_opts *opts);
void kpt_report_opts_free(struct kpt_report_opts *opts);

#endif
