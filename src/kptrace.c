// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace: an eBPF-free function tracer. This file only dispatches to the
 * commands, by the first argument or by the name it was run as
 * ("kptrace-latency" as a symlink runs "kptrace latency").
 */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/signals.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "latency", kpt_cmd_latency, "histograms and percentiles of function durations" },
	{ "count", kpt_cmd_count, "hits per probe and their rate, cheaply with perf counters" },
	{ "trace", kpt_cmd_trace, "every probe event with its arguments and return value" },
	{ "slow", kpt_cmd_slow, "every call over a threshold, with arguments and return value" },
	{ "check", kpt_cmd_check, "what this kernel supports, and what kptrace does about it" },
	{ "record", kpt_cmd_record, "write the probes' events to a trace.dat file" },
	{ "report", kpt_cmd_report, "latency statistics from a trace.dat file, offline" },
	{ "cleanup", kpt_cmd_cleanup, "remove probes and instances left by killed runs" },
	{ "list", kpt_cmd_list, "what kptrace can use: probe sets, functions, tracepoints, plugins" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: kptrace COMMAND [ARGS]\n\n"
		"Trace kernel and user functions without eBPF, through tracefs.\n\n"
		"Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'kptrace COMMAND --help' describes a command; see kptrace(1).\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const struct command *cmd;

	if (strncmp(self, "kptrace-", 8) == 0 && (cmd = find_command(self + 8)))
		return kpt_exit_status(cmd->run(argc, argv));
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kptrace %s\n", PACKAGE_VERSION);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "kptrace: error: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return kpt_exit_status(cmd->run(argc - 1, argv + 1));
}
