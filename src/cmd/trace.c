// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace trace: every probe event as it happens, in time order across CPUs,
 * with its fetched arguments and return values.
 */
#include "cmd/commands.h"
#include "cmd/run.h"

static const char usage[] =
	"usage: kptrace trace [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"       kptrace trace --input FILE [OPTIONS] [PROBE...]\n"
	"\n"
	"Print every entry and return event of each PROBE, with its fetched\n"
	"arguments and return value, in time order across CPUs.\n"
	"\n"
	"PROBE and OPTIONS are those of 'kptrace latency' (see kptrace-latency(1));\n"
	"-i and --by are not used. --json prints one JSON object per event, one per\n"
	"line. --input FILE prints the events of a trace.dat FILE instead of the\n"
	"kernel's; --plugin NAME|PATH and --plugin-opt KEY=VALUE add analysers.\n"
	"--heatmap FILE, --heatmap-width SECONDS, --html FILE and --timeline FILE\n"
	"write the pictures of the calls as well, as with 'kptrace latency'.\n";

static const struct kpt_command trace_command = {
	.name = "trace",
	.usage = usage,
	.analyser = &kpt_trace_analyser,
	.takes_pictures = true,
};

/**
 * kpt_cmd_trace - the "trace" command
 * @argc: argument count; argv[0] is "trace"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_cmd_trace(int argc, char **argv)
{
	return kpt_run_command(&trace_command, argc, argv);
}
