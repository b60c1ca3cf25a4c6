// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parse the options of live tracing commands. Parsing never exits, so the
 * command line can be unit-tested.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/key.h"
#include "cmd/options.h"
#include "util.h"

enum {
	OPT_FILTER = 256,
	OPT_BUFFER_SIZE,
	OPT_MAX_PROBES,
	OPT_KPROBES,
	OPT_JSON,
	OPT_BACKEND,
	OPT_INPUT,
	OPT_BY,
	OPT_PLUGIN,
	OPT_PLUGIN_OPT,
	OPT_TOP,
	OPT_HIST,
	OPT_MIN,
	OPT_MAX,
	OPT_KERNEL_FILTER,
	OPT_STACK,
	OPT_USTACK,
	OPT_FOLDED,
	OPT_HEATMAP,
	OPT_HEATMAP_WIDTH,
	OPT_HTML,
	OPT_TIMELINE,
	OPT_LISTEN,
};

static const struct option long_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "max-probes", required_argument, NULL, OPT_MAX_PROBES },
	{ "kprobes", no_argument, NULL, OPT_KPROBES },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "input", required_argument, NULL, OPT_INPUT },
	{ "by", required_argument, NULL, OPT_BY },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "plugin-opt", required_argument, NULL, OPT_PLUGIN_OPT },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "hist", required_argument, NULL, OPT_HIST },
	{ "min", required_argument, NULL, OPT_MIN },
	{ "max", required_argument, NULL, OPT_MAX },
	{ "threshold", required_argument, NULL, 't' },
	{ "kernel-filter", no_argument, NULL, OPT_KERNEL_FILTER },
	{ "stack", no_argument, NULL, OPT_STACK },
	{ "ustack", no_argument, NULL, OPT_USTACK },
	{ "folded", optional_argument, NULL, OPT_FOLDED },
	{ "heatmap", required_argument, NULL, OPT_HEATMAP },
	{ "heatmap-width", required_argument, NULL, OPT_HEATMAP_WIDTH },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "timeline", required_argument, NULL, OPT_TIMELINE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char short_options[] = "p:d:i:t:numh";

/**
 * kpt_folded_parse - parse the value of --folded
 * @text: "count" or "time", or NULL (--folded alone)
 * @folded: set to KPT_FOLDED_COUNT or KPT_FOLDED_TIME; KPT_FOLDED_DEFAULT
 *	for NULL, which each command decides
 *
 * Returns 0, or -1 after printing what is wrong.
 */
int kpt_folded_parse(const char *text, enum kpt_folded *folded)
{
	if (!text)
		*folded = KPT_FOLDED_DEFAULT;
	else if (strcmp(text, "count") == 0)
		*folded = KPT_FOLDED_COUNT;
	else if (strcmp(text, "time") == 0)
		*folded = KPT_FOLDED_TIME;
	else {
		kpt_err("--folded=%s: use --folded=count (calls) or --folded=time (summed "
			"nanoseconds)", text);
		return -1;
	}
	return 0;
}

/* --max-probes N: 1 to 10000 functions per glob. */
static int parse_max_probes(const char *text, int *max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (errno || end == text || *end || n < 1 || n > 10000) {
		kpt_err("--max-probes '%s': not a number of functions from 1 to 10000", text);
		return -1;
	}
	*max = (int)n;
	return 0;
}

static int check_by(const char *text)
{
	enum kpt_key_kind kind;
	const char *arg;

	if (kpt_key_parse(text, &kind, &arg) == 0)
		return 0;
	kpt_err("--by '%s': use pid, tid, comm, cpu, ret or arg:NAME (a fetched argument of the "
		"entry)", text);
	return -1;
}

/**
 * kpt_builtin_opts_set - set an option of the built-in analyser
 * @opts: the options so far
 * @key: the analyser's option key ("by", "unit", ...)
 * @value: its value, borrowed
 * @spelled: how the command line spelled it ("--by", "-u"), for messages
 *
 * A later value of a key replaces the earlier one.
 */
void kpt_builtin_opts_set(struct kpt_builtin_opts *opts, const char *key, const char *value,
			  const char *spelled)
{
	int i;

	for (i = 0; i < opts->nr && strcmp(opts->keys[i], key) != 0; i++)
		;
	if (i == KPT_BUILTIN_OPTS)
		return;
	if (i == opts->nr)
		opts->nr++;
	opts->keys[i] = key;
	opts->values[i] = value;
	opts->spelled[i] = spelled;
}

/* The options of the built-in analyser, as analyser options; 0, or -1 if not one. */
static int builtin_option(int c, const char *value, struct kpt_trace_opts *opts)
{
	switch (c) {
	case OPT_BY:
		if (check_by(value) < 0)
			return -1;
		opts->by = value;
		kpt_builtin_opts_set(&opts->builtin, "by", value, "--by");
		return 0;
	case OPT_TOP:
		kpt_builtin_opts_set(&opts->builtin, "top", value, "--top");
		return 0;
	case OPT_HIST:
		kpt_builtin_opts_set(&opts->builtin, "hist", value, "--hist");
		return 0;
	case OPT_MIN:
		kpt_builtin_opts_set(&opts->builtin, "min", value, "--min");
		return 0;
	case OPT_MAX:
		kpt_builtin_opts_set(&opts->builtin, "max", value, "--max");
		return 0;
	case 't':
		kpt_builtin_opts_set(&opts->builtin, "threshold", value, "-t");
		return 0;
	case 'n':
		kpt_builtin_opts_set(&opts->builtin, "unit", "ns", "-n");
		return 0;
	case 'u':
		kpt_builtin_opts_set(&opts->builtin, "unit", "us", "-u");
		return 0;
	case 'm':
		kpt_builtin_opts_set(&opts->builtin, "unit", "ms", "-m");
		return 0;
	}
	return -1;
}

/* --input reads a file: the options that steer the kernel have nothing to steer. */
static int check_input(const struct kpt_trace_opts *opts)
{
	const char *live = opts->pid ? "-p" : opts->command ? "-- CMD" : opts->duration ? "-d" :
			   opts->interval ? "-i" : opts->filter ? "--filter" :
			   opts->buffer_kb ? "--buffer-size" : opts->backend_given ? "--backend" :
			   opts->kernel_filter ? "--kernel-filter" : NULL;

	if (opts->listen) {
		kpt_err("--listen %s serves a live run's histograms while it runs; --input %s is "
			"read in one go: use --html or --plugin openmetrics for a file", opts->listen,
			opts->input);
		return -1;
	}
	if (!live)
		return 0;
	kpt_err("%s applies to live tracing, not to --input %s: record with it ('kptrace record "
		"-o FILE %s ...'), or drop it", live, opts->input, live);
	return -1;
}

/**
 * kpt_plugin_args_add - append a --plugin NAME|PATH
 * @args: the array, grown
 * @nr: its length, incremented
 * @name: the argument, borrowed
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_plugin_args_add(struct kpt_plugin_arg **args, int *nr, const char *name)
{
	struct kpt_plugin_arg *grown = realloc(*args, (*nr + 1) * sizeof(*grown));

	if (!grown) {
		kpt_err("out of memory");
		return -1;
	}
	grown[(*nr)++] = (struct kpt_plugin_arg){ .name = name };
	*args = grown;
	return 0;
}

/**
 * kpt_plugin_args_opt - give a --plugin-opt KEY=VALUE to the last --plugin
 * @args: the plugins so far
 * @nr: how many
 * @text: "KEY=VALUE", borrowed
 *
 * Returns 0, or -1 after printing why (no --plugin before it, no '=').
 */
int kpt_plugin_args_opt(struct kpt_plugin_arg *args, int nr, const char *text)
{
	const char *eq = strchr(text, '=');
	struct kpt_plugin_arg *arg = nr ? &args[nr - 1] : NULL;
	const char **values;
	char **keys;

	if (!arg) {
		kpt_err("--plugin-opt '%s': give it after the --plugin it is for", text);
		return -1;
	}
	if (!eq || eq == text) {
		kpt_err("--plugin-opt '%s': not KEY=VALUE", text);
		return -1;
	}
	keys = realloc(arg->keys, (arg->nr_options + 1) * sizeof(*keys));
	if (keys)
		arg->keys = keys;
	values = realloc(arg->values, (arg->nr_options + 1) * sizeof(*values));
	if (values)
		arg->values = values;
	if (!keys || !values || !(keys[arg->nr_options] = strndup(text, eq - text))) {
		kpt_err("out of memory");
		return -1;
	}
	values[arg->nr_options++] = eq + 1;
	return 0;
}

/**
 * kpt_plugin_args_free - release --plugin arguments (NULL is fine)
 * @args: the array
 * @nr: its length
 */
void kpt_plugin_args_free(struct kpt_plugin_arg *args, int nr)
{
	int i, j;

	for (i = 0; args && i < nr; i++) {
		for (j = 0; j < args[i].nr_options; j++)
			free(args[i].keys[j]);
		free(args[i].keys);
		free(args[i].values);
	}
	free(args);
}

/**
 * kpt_trace_opts_parse - parse "[OPTIONS] PROBE... [-- CMD [ARGS]]"
 * @argc: argument count, argv[0] being the command name
 * @argv: the arguments; the result borrows from them
 * @opts: filled in; release with kpt_trace_opts_free()
 *
 * Returns 0, or -1 after printing what is wrong with which argument.
 */
int kpt_trace_opts_parse(int argc, char **argv, struct kpt_trace_opts *opts)
{
	int dashdash, c, i;
	double seconds;

	memset(opts, 0, sizeof(*opts));
	opts->backend = "tracefs";
	for (dashdash = 1; dashdash < argc; dashdash++) {
		if (strcmp(argv[dashdash], "--") == 0)
			break;
	}
	if (dashdash < argc) {
		if (dashdash + 1 == argc) {
			kpt_err("'--' must be followed by a command to run");
			return -1;
		}
		opts->command = &argv[dashdash + 1];
	}

	optind = 0;	/* 0, not 1: glibc then also forgets a scan left inside "-abc" */
	opterr = 0;
	while ((c = getopt_long(dashdash, argv, short_options, long_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (kpt_parse_pid(optarg, &opts->pid) < 0) {
				kpt_err("-p '%s': not a process id", optarg);
				return -1;
			}
			break;
		case 'd':
		case 'i':
			if (kpt_parse_seconds(optarg, c == 'd' ? &opts->duration : &opts->interval) < 0) {
				kpt_err("-%c '%s': not a positive duration of at most a year "
					"(e.g. 5, 500ms, 2m)", c, optarg);
				return -1;
			}
			break;
		case OPT_FILTER:
			opts->filter = optarg;
			break;
		case OPT_BUFFER_SIZE:
			if (kpt_parse_size_kb(optarg, &opts->buffer_kb) < 0) {
				kpt_err("--buffer-size '%s': not a size (KiB per CPU, or with K, M, G)",
					optarg);
				return -1;
			}
			break;
		case OPT_MAX_PROBES:
			if (parse_max_probes(optarg, &opts->max_probes) < 0)
				return -1;
			break;
		case OPT_KPROBES:
			opts->kprobes = true;
			break;
		case OPT_JSON:
			opts->json = true;
			break;
		case OPT_BACKEND:
			opts->backend = optarg;
			opts->backend_given = true;
			break;
		case OPT_INPUT:
			opts->input = optarg;
			break;
		case OPT_BY:
		case OPT_TOP:
		case OPT_HIST:
		case OPT_MIN:
		case OPT_MAX:
		case 't':
		case 'n':
		case 'u':
		case 'm':
			if (builtin_option(c, optarg, opts) < 0)
				return -1;
			break;
		case OPT_KERNEL_FILTER:
			opts->kernel_filter = true;
			break;
		case OPT_PLUGIN:
			if (kpt_plugin_args_add(&opts->plugins, &opts->nr_plugins, optarg) < 0)
				return -1;
			break;
		case OPT_PLUGIN_OPT:
			if (kpt_plugin_args_opt(opts->plugins, opts->nr_plugins, optarg) < 0)
				return -1;
			break;
		case OPT_STACK:
			opts->stack = true;
			break;
		case OPT_USTACK:
			opts->ustack = true;
			break;
		case OPT_FOLDED:
			if (kpt_folded_parse(optarg, &opts->folded) < 0)
				return -1;
			opts->folded_given = true;
			break;
		case OPT_HEATMAP:
			opts->heatmap = optarg;
			break;
		case OPT_HEATMAP_WIDTH:
			if (kpt_parse_seconds(optarg, &seconds) < 0 || seconds < 1e-6) {
				kpt_err("--heatmap-width '%s': not a duration of 1us or more (e.g. 10ms, "
					"1s)", optarg);
				return -1;
			}
			opts->heatmap_width = optarg;
			break;
		case OPT_HTML:
			opts->html = optarg;
			break;
		case OPT_TIMELINE:
			opts->timeline = optarg;
			break;
		case OPT_LISTEN:
			opts->listen = optarg;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			kpt_err("option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			kpt_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	/* Probes may stand between options too: gather every non-option before '--'. */
	opts->probes = calloc(dashdash, sizeof(*opts->probes));
	if (!opts->probes)
		return -1;
	for (i = optind; i < dashdash; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			kpt_err("option '%s' must come before the probes", argv[i]);
			return -1;
		}
		opts->probes[opts->nr_probes++] = argv[i];
	}
	if (opts->folded_given && !opts->stack && !opts->ustack) {
		kpt_err("--folded prints stacks: add --stack (kernel stacks) and/or --ustack (user "
			"stacks)");
		return -1;
	}
	if ((opts->stack || opts->ustack) && opts->backend_given &&
	    strcmp(opts->backend, "tracefs") != 0) {
		kpt_err("--stack and --ustack read the stacks the kernel writes into the run's own "
			"instance: use --backend tracefs");
		return -1;
	}
	if (opts->heatmap_width && !opts->heatmap && !opts->html) {
		kpt_err("--heatmap-width sets the heat maps' column width: give --heatmap FILE or "
			"--html FILE too");
		return -1;
	}
	if (opts->input)
		return check_input(opts);
	if (opts->listen && !opts->interval) {
		kpt_err("--listen %s serves the histograms as of the last -i interval: give -i "
			"SECONDS too (e.g. -i 10)", opts->listen);
		return -1;
	}
	if (!opts->nr_probes) {
		kpt_err("no probe given: name at least one, e.g. 'syscall:openat' or "
			"'/bin/bash:readline' (see kptrace-probes(7))");
		return -1;
	}
	if (opts->pid && opts->command) {
		kpt_err("-p and -- CMD are exclusive: trace a running process or start one");
		return -1;
	}
	return 0;
}

/* Is @arg a shared option whose value is the next argument ("-p", "--filter")? */
static bool takes_next_value(const char *arg)
{
	const struct option *opt;
	const char *c;

	if (arg[0] != '-' || !arg[1])
		return false;
	if (arg[1] != '-') {
		c = arg[2] ? NULL : strchr(short_options, arg[1]);
		return c && c[1] == ':';
	}
	for (opt = long_options; opt->name; opt++) {
		if (strcmp(arg + 2, opt->name) == 0)
			return opt->has_arg == required_argument;
	}
	return false;
}

static void remove_args(int *argc, char **argv, int at, int count)
{
	/* argv[*argc] is NULL and moves along */
	memmove(&argv[at], &argv[at + count], (*argc - at - count + 1) * sizeof(*argv));
	*argc -= count;
}

/**
 * kpt_trace_opts_take_value - take a command's own option out of its command line
 * @argc: argument count; lowered by what is taken out
 * @argv: the arguments, changed in place; argv[*argc] must be NULL
 * @short_name: the option's letter, e.g. 'o' for "-o FILE" and "-oFILE"
 * @long_name: its long name, e.g. "output" for "--output FILE" and "--output=FILE"
 * @value: set to the option's value (the last one given), or left as it was
 *
 * Lets a command add an option with a value to the shared ones: take it out,
 * then hand the rest to kpt_trace_opts_parse(). Only arguments before "--"
 * are looked at, and values of the shared options are passed over, so
 * "--filter -o" keeps its filter. Returns 0, or -1 after printing that the
 * option lacks its value.
 */
int kpt_trace_opts_take_value(int *argc, char **argv, char short_name, const char *long_name,
			      const char **value)
{
	size_t long_len = strlen(long_name);
	int i = 1;

	while (i < *argc && strcmp(argv[i], "--") != 0) {
		const char *arg = argv[i];
		bool is_short = arg[0] == '-' && arg[1] == short_name;
		bool is_long = arg[0] == '-' && arg[1] == '-' &&
			       strncmp(arg + 2, long_name, long_len) == 0;

		if (is_short && arg[2]) {
			*value = arg + 2;
			remove_args(argc, argv, i, 1);
		} else if (is_long && arg[2 + long_len] == '=') {
			*value = arg + 3 + long_len;
			remove_args(argc, argv, i, 1);
		} else if (is_short || (is_long && !arg[2 + long_len])) {
			if (i + 1 >= *argc || strcmp(argv[i + 1], "--") == 0) {
				kpt_err("option '%s' needs a value", arg);
				return -1;
			}
			*value = argv[i + 1];
			remove_args(argc, argv, i, 2);
		} else {
			i += takes_next_value(arg) ? 2 : 1;
		}
	}
	return 0;
}

/**
 * kpt_trace_opts_free - release what parsing allocated
 * @opts: the options
 */
void kpt_trace_opts_free(struct kpt_trace_opts *opts)
{
	free(opts->probes);
	opts->probes = NULL;
	kpt_plugin_args_free(opts->plugins, opts->nr_plugins);
	opts->plugins = NULL;
	opts->nr_plugins = 0;
}

/* kptrace report's own; --by, --json and --plugin are the shared ones */
enum {
	OPT_PAIR = 512,
	OPT_START,
	OPT_END,
	OPT_LIST,
	OPT_LIBTRACECMD,
};

static const struct option report_options[] = {
	{ "probe", required_argument, NULL, 'e' },
	{ "pair", required_argument, NULL, OPT_PAIR },
	{ "by", required_argument, NULL, OPT_BY },
	{ "start", required_argument, NULL, OPT_START },
	{ "end", required_argument, NULL, OPT_END },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "libtracecmd", no_argument, NULL, OPT_LIBTRACECMD },
	{ "plugin", required_argument, NULL, OPT_PLUGIN },
	{ "plugin-opt", required_argument, NULL, OPT_PLUGIN_OPT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* A time after the first record: 0, or a duration such as "1.5" or "250ms". */
static int parse_offset(const char *option, const char *text, uint64_t *ns)
{
	double seconds;

	if (strcmp(text, "0") == 0) {
		*ns = 0;
		return 0;
	}
	if (kpt_parse_seconds(text, &seconds) < 0) {
		kpt_err("%s '%s': not a finite time in seconds, at most a year (e.g. 1.5, 250ms)",
			option, text);
		return -1;
	}
	*ns = (uint64_t)(seconds * NSEC_PER_SEC + 0.5);
	return 0;
}

static int append_arg(const char ***list, int *nr, const char *arg)
{
	const char **grown = realloc(*list, (*nr + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	grown[(*nr)++] = arg;
	*list = grown;
	return 0;
}

/**
 * kpt_report_opts_parse - parse kptrace report's arguments
 * @argc: argument count; argv[0] is "report"
 * @argv: the arguments
 * @opts: filled in; release with kpt_report_opts_free() whatever the result
 *
 * Never exits. Returns 0, or -1 after printing what is wrong.
 */
int kpt_report_opts_parse(int argc, char **argv, struct kpt_report_opts *opts)
{
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->file = "trace.dat";
	optind = 0;	/* 0, not 1: glibc then also forgets a scan left inside "-abc" */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:h", report_options, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (append_arg(&opts->probes, &opts->nr_probes, optarg) < 0)
				return -1;
			break;
		case OPT_PAIR:
			if (append_arg(&opts->pairs, &opts->nr_pairs, optarg) < 0)
				return -1;
			break;
		case OPT_BY:
			if (check_by(optarg) < 0)
				return -1;
			opts->by = optarg;
			break;
		case OPT_START:
			if (parse_offset("--start", optarg, &opts->window.start) < 0)
				return -1;
			break;
		case OPT_END:
			if (parse_offset("--end", optarg, &opts->window.end) < 0)
				return -1;
			opts->window.has_end = true;
			break;
		case OPT_LIST:
			opts->list = true;
			break;
		case OPT_JSON:
			opts->json = true;
			break;
		case OPT_LIBTRACECMD:
			opts->libtracecmd = true;
			break;
		case OPT_PLUGIN:
			if (kpt_plugin_args_add(&opts->plugins, &opts->nr_plugins, optarg) < 0)
				return -1;
			break;
		case OPT_PLUGIN_OPT:
			if (kpt_plugin_args_opt(opts->plugins, opts->nr_plugins, optarg) < 0)
				return -1;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			kpt_err("option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			kpt_err("unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (opts->window.has_end && opts->window.end <= opts->window.start) {
		kpt_err("--end must be after --start");
		return -1;
	}
	if (optind < argc)
		opts->file = argv[optind++];
	if (optind < argc) {
		kpt_err("one trace file at a time: '%s' is one too many", argv[optind]);
		return -1;
	}
	return 0;
}

/**
 * kpt_report_opts_free - release what kpt_report_opts_parse() allocated
 * @opts: the options
 */
void kpt_report_opts_free(struct kpt_report_opts *opts)
{
	free(opts->probes);
	free(opts->pairs);
	kpt_plugin_args_free(opts->plugins, opts->nr_plugins);
	opts->probes = NULL;
	opts->pairs = NULL;
	opts->plugins = NULL;
	opts->nr_plugins = 0;
}
