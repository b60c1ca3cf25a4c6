// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The run skeleton: one order of set-up, one cleanup ladder, for every
 * command that analyses. Plugins are loaded before anything is created in
 * tracefs, so a plugin that cannot load costs nothing; analysers are created
 * once the probes (and so their names) are known, and destroyed before the
 * session is torn down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/host.h"
#include "analyse/key.h"
#include "analyse/plugin.h"
#include "cmd/run.h"
#include "pipeline/engine.h"
#include "probe/probe.h"
#include "session/session.h"
#include "util.h"

struct kpt_run {
	const struct kpt_run_args *args;
	struct kpt_live live;
	bool live_used;
	struct kpt_file_source *file;
	struct kpt_plugin **plugins;
	struct kpt_host *host;
	const char **names;		/* live: the probes' names */
	struct kpt_run_params params;
	struct kpt_analysers *set;
	struct kpt_engine *engine;
	char width[32];			/* the heat maps' column width; -i's by default */
	const char *picture_keys[2];	/* a picture analyser's options, lent to the set */
	const char *picture_values[3][2];
	const char *listen_keys[2];
	const char *listen_values[2];
};

static int load_plugins(struct kpt_run *run)
{
	const struct kpt_run_args *args = run->args;
	int i;

	run->plugins = calloc(args->nr_plugins + 1, sizeof(*run->plugins));
	if (!run->plugins)
		return -1;
	for (i = 0; i < args->nr_plugins; i++) {
		char *errmsg;

		if (kpt_plugin_open(args->plugins[i].name, &run->plugins[i], &errmsg) < 0) {
			kpt_err("%s", errmsg ? errmsg : "out of memory");
			free(errmsg);
			return -1;
		}
	}
	return 0;
}

/* Kernel frames are named through kallsyms: the file's own, or this kernel's. */
static int load_kallsyms(struct kpt_run *run)
{
	const char *path = run->args->file.path;
	char *text = NULL;
	size_t len = 0;
	int n;

	if (run->file) {
		text = kpt_file_kallsyms(run->file, &len);
		n = text ? kpt_host_load_kallsyms(run->host, text, len) : 0;
		free(text);
		if (n <= 0)
			kpt_warn("%s has no kernel symbols (kallsyms): kernel frames are named by "
				 "address", path);
		return 0;
	}
	n = kpt_host_load_kallsyms(run->host, NULL, 0);
	if (n <= 0)
		kpt_warn("/proc/kallsyms %s: kernel frames are named by address",
			 n < 0 ? "cannot be read" : "hides the addresses (kernel.kptr_restrict; "
			 "run as root)");
	return 0;
}

static int setup_file(struct kpt_run *run)
{
	struct kpt_analyser_params *params = &run->params.params;

	if (kpt_file_open(&run->args->file, &run->file) < 0)
		return -1;
	run->host = kpt_host_alloc(kpt_file_comm, run->file);
	if (!run->host)
		return -1;
	if (run->args->kernel_stacks && load_kallsyms(run) < 0)
		return -1;
	params->nr_probes = kpt_file_nr_probes(run->file);
	params->probe_names = kpt_file_probe_names(run->file);
	params->input = run->args->file.path;
	params->clock = kpt_file_clock(run->file);
	run->params.shown = kpt_file_shown(run->file);
	return 0;
}

static void see_exiting(void *ctx, pid_t pid)
{
	kpt_host_see_process(ctx, pid);
}

static int setup_live(struct kpt_run *run)
{
	const struct kpt_command *cmd = run->args->cmd;
	struct kpt_analyser_params *params = &run->params.params;
	int i;

	run->live_used = true;
	if (cmd->setup_live) {
		if (cmd->setup_live(&run->live, run->args->live, &run->params) < 0)
			return -1;
	} else if (kpt_live_setup(&run->live, run->args->live) < 0) {
		return -1;
	}
	run->host = kpt_host_alloc(NULL, NULL);
	run->names = calloc(run->live.nr_probes + 1, sizeof(*run->names));
	if (!run->host || !run->names)
		return -1;
	if (run->args->kernel_stacks && load_kallsyms(run) < 0)
		return -1;
	/*
	 * Its mappings while it runs, to name its user frames whenever they come:
	 * -p now, -- CMD when it stops on its way out.
	 */
	if (run->args->user_stacks && run->live.target.pid && !run->live.opts->command)
		kpt_host_see_process(run->host, run->live.target.pid);
	run->live.target.on_exit = see_exiting;
	run->live.target.on_exit_ctx = run->host;
	for (i = 0; i < run->live.nr_probes; i++)
		run->names[i] = run->live.probes[i].name;
	params->nr_probes = run->live.nr_probes;
	params->probe_names = run->names;
	params->clock = run->live.session ? run->live.session->clock : NULL;
	return 0;
}

/* A built-in picture analyser writing @path, if it is asked for. */
static int add_picture(struct kpt_run *run, const char *name, const char *path, int slot)
{
	const char **values = run->picture_values[slot];
	int nr = 1;

	if (!path)
		return 0;
	run->picture_keys[0] = "file";
	run->picture_keys[1] = "width";
	values[0] = path;
	values[1] = run->width;
	if (*run->width && strcmp(name, "timeline") != 0)
		nr = 2;
	return kpt_analysers_add(run->set, kpt_analyser_builtin(name), "built in", nr,
				 run->picture_keys, values, &run->params);
}

static int add_pictures(struct kpt_run *run)
{
	const struct kpt_run_args *args = run->args;
	const char *by = NULL;
	int i;

	if (args->width)
		snprintf(run->width, sizeof(run->width), "%s", args->width);
	else if (args->live && args->live->interval)
		snprintf(run->width, sizeof(run->width), "%.9g", args->live->interval);
	if (add_picture(run, "heatmap", args->heatmap, 0) < 0 ||
	    add_picture(run, "html", args->html, 1) < 0 ||
	    add_picture(run, "timeline", args->timeline, 2) < 0)
		return -1;
	if (!args->listen)
		return 0;
	for (i = 0; args->builtin && i < args->builtin->nr; i++) {
		if (strcmp(args->builtin->keys[i], "by") == 0)
			by = args->builtin->values[i];
	}
	if (!kpt_analyser_builtin("listen")) {
		kpt_err("--listen %s: this kptrace was built without libmicrohttpd; install "
			"libmicrohttpd-dev and configure again", args->listen);
		return -1;
	}
	run->listen_keys[0] = "listen";
	run->listen_keys[1] = "by";
	run->listen_values[0] = args->listen;
	run->listen_values[1] = by;
	return kpt_analysers_add(run->set, kpt_analyser_builtin("listen"), "built in",
				 by ? 2 : 1, run->listen_keys, run->listen_values,
				 &run->params);
}

static int create_analysers(struct kpt_run *run)
{
	const struct kpt_run_args *args = run->args;
	const struct kpt_builtin_opts *builtin = args->builtin;
	enum kpt_key_kind kind;
	const char *name;
	int i;

	for (i = 0; builtin && i < builtin->nr; i++) {
		/* an argument key reads the entry's payload when its return arrives */
		if (strcmp(builtin->keys[i], "by") == 0 &&
		    kpt_key_parse(builtin->values[i], &kind, &name) == 0 && kind == KPT_KEY_ARG)
			run->params.flags |= KPT_ANALYSER_ENTRY_FIELDS;
	}
	run->params.params.host = run->host;
	run->params.params.json = args->json;
	run->params.params.out = stdout;
	run->params.command = args->command;
	run->params.stacks = args->kernel_stacks || args->user_stacks;
	run->params.folded = args->folded;
	run->params.folded_value = args->folded_value;
	run->set = kpt_analysers_alloc();
	if (!run->set)
		return -1;
	if (kpt_analysers_add(run->set, args->cmd->analyser, "built in",
			      builtin ? builtin->nr : 0, builtin ? builtin->keys : NULL,
			      builtin ? builtin->values : NULL, &run->params) < 0)
		return -1;
	if (add_pictures(run) < 0)
		return -1;
	for (i = 0; i < args->nr_plugins; i++) {
		const struct kpt_plugin_arg *arg = &args->plugins[i];

		if (kpt_analysers_add(run->set, kpt_plugin_desc(run->plugins[i]),
				      kpt_plugin_path(run->plugins[i]), arg->nr_options,
				      (const char *const *)arg->keys, arg->values, &run->params) < 0)
			return -1;
	}
	return 0;
}

/* Probes paired by key= fields rather than per thread. */
static int set_keys(struct kpt_run *run)
{
	int i, nr = run->file ? kpt_file_probes_per_buffer(run->file) : run->live.nr_probes;

	for (i = 0; i < nr; i++) {
		const struct kpt_pair_key *key = run->file ? kpt_file_probe_key(run->file, i) :
						 &run->live.probes[i].key;

		if (key->nr && kpt_engine_set_key(run->engine, i, key) < 0)
			return -1;
	}
	return 0;
}

static int start(struct kpt_run *run)
{
	const struct kpt_run_args *args = run->args;

	if (load_plugins(run) < 0)
		return -1;
	if ((args->file.path ? setup_file(run) : setup_live(run)) < 0)
		return -1;
	if (create_analysers(run) < 0)
		return -1;
	if (run->file)
		run->engine = kpt_engine_alloc(kpt_file_decoder(run->file),
					       kpt_file_probes_per_buffer(run->file),
					       kpt_file_nr_buffers(run->file), run->set);
	else
		run->engine = kpt_engine_alloc(run->live.decoder, run->live.nr_probes, 1, run->set);
	if (!run->engine || set_keys(run) < 0)
		return -1;
	if (run->live.span_maker)
		kpt_engine_set_span_maker(run->engine, run->live.span_maker,
					  run->live.span_maker_ctx);
	kpt_engine_stacks(run->engine, args->kernel_stacks, args->user_stacks);
	return 0;
}

static int go(struct kpt_run *run)
{
	const struct kpt_run_args *args = run->args;
	const struct kpt_trace_opts *opts = args->live;

	if (run->file)
		return kpt_file_run(run->file, run->engine);
	if (args->cmd->banner && !args->json)
		fprintf(stderr, "%s %d probe%s%s... Hit Ctrl-C to end.\n", args->cmd->banner,
			run->live.nr_probes, run->live.nr_probes == 1 ? "" : "s",
			opts->command ? " while CMD runs" : "");
	return kpt_live_run(&run->live, run->engine, NULL, NULL);
}

/**
 * kpt_run - run one analysis: set up, run, report, tear down
 * @args: what to run
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_run(const struct kpt_run_args *args)
{
	struct kpt_run run = { .args = args };
	int ret = 1, code = 0, i;

	run.live.target.gate_fd = -1;
	if (start(&run) == 0 && go(&run) == 0)
		ret = 0;
	/* analysers go first: they may hold the host, and plugins' code must still be there */
	kpt_engine_free(run.engine);
	kpt_analysers_free(run.set);
	for (i = 0; run.plugins && i < args->nr_plugins; i++)
		kpt_plugin_close(run.plugins[i]);
	free(run.plugins);
	kpt_host_free(run.host);
	free(run.names);
	if (run.live_used)
		code = kpt_live_teardown(&run.live);
	kpt_file_close(run.file);
	if (ret == 0 && args->live && args->live->command)
		ret = code;
	return ret;
}

/* Refuse an option the command's analyser does not take, naming it as it was spelled. */
static int check_builtin(const struct kpt_command *cmd, const struct kpt_trace_opts *opts)
{
	const struct kpt_analyser_option *opt;
	int i;

	if (opts->kernel_filter && !cmd->kernel_filter) {
		kpt_err("--kernel-filter applies to 'kptrace slow', not to 'kptrace %s'",
			cmd->name);
		return -1;
	}
	if (opts->interval && cmd->no_interval) {
		kpt_err("-i does not apply to 'kptrace %s': it prints each call as it ends",
			cmd->name);
		return -1;
	}
	for (i = 0; cmd->needs_threshold; i++) {
		if (i == opts->builtin.nr) {
			kpt_err("'kptrace %s' needs a threshold: -t LATENCY, e.g. -t 10ms",
				cmd->name);
			return -1;
		}
		if (strcmp(opts->builtin.keys[i], "threshold") == 0)
			break;
	}
	for (i = 0; i < opts->builtin.nr; i++) {
		for (opt = cmd->analyser->options; opt && opt->name; opt++) {
			if (strcmp(opt->name, opts->builtin.keys[i]) == 0)
				break;
		}
		if (!opt || !opt->name) {
			kpt_err("%s does not apply to 'kptrace %s' (see kptrace-%s(1))",
				opts->builtin.spelled[i], cmd->name, cmd->name);
			return -1;
		}
	}
	return 0;
}

/**
 * kpt_run_command - the main of latency, count and trace: parse, then kpt_run()
 * @cmd: the command
 * @argc: argument count; argv[0] is the command's name
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on
 * error, 2 on a usage error.
 */
int kpt_run_command(const struct kpt_command *cmd, int argc, char **argv)
{
	struct kpt_trace_opts opts;
	struct kpt_run_args args = { .cmd = cmd };
	int ret;

	if (kpt_trace_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		if (cmd->usage_tail)
			kpt_probe_usage(opts.help ? stdout : stderr, cmd->usage, cmd->usage_tail);
		else
			fputs(cmd->usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		goto out;
	}
	if (check_builtin(cmd, &opts) < 0) {
		ret = 2;
		goto out;
	}
	if ((opts.stack || opts.ustack) && !cmd->takes_stacks) {
		kpt_err("--stack and --ustack record the calls' stacks, which 'kptrace %s' does "
			"not show; use latency, count or slow", cmd->name);
		ret = 2;
		goto out;
	}
	if (opts.folded_given && opts.json) {
		kpt_err("--folded and --json are two output formats: pick one");
		ret = 2;
		goto out;
	}
	if ((opts.heatmap || opts.html || opts.timeline) && !cmd->takes_pictures) {
		kpt_err("--%s draws spans: 'kptrace %s' pairs none (use kptrace latency)",
			opts.heatmap ? "heatmap" : opts.html ? "html" : "timeline", cmd->name);
		ret = 2;
		goto out;
	}
	if (opts.listen && !cmd->takes_listen) {
		kpt_err("--listen serves latency histograms: use 'kptrace latency -i SECONDS "
			"--listen %s'", opts.listen);
		ret = 2;
		goto out;
	}
	args.heatmap = opts.heatmap;
	args.html = opts.html;
	args.timeline = opts.timeline;
	args.width = opts.heatmap_width;
	args.listen = opts.listen;
	args.builtin = &opts.builtin;
	args.json = opts.json;
	args.kernel_stacks = opts.stack;
	args.user_stacks = opts.ustack;
	args.folded = opts.folded_given;
	args.folded_value = opts.folded;
	args.plugins = opts.plugins;
	args.nr_plugins = opts.nr_plugins;
	if (opts.input) {
		args.file = (struct kpt_file_opts){
			.path = opts.input,
			.probes = (const char *const *)opts.probes,
			.nr_probes = opts.nr_probes,
			.probe_option = "probe",
			.quiet = opts.json || opts.folded_given,
			.kernel_stacks = opts.stack,
			.user_stacks = opts.ustack,
		};
	} else {
		args.live = &opts;
	}
	ret = kpt_run(&args);
out:
	kpt_trace_opts_free(&opts);
	return ret;
}
