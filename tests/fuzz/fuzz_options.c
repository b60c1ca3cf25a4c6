// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the command-line parsers. The input is the arguments, one
 * a line; they go through the live commands' parser (with record's -o taken
 * out first) and through report's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/options.h"

#define MAX_ARGS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int split(char *text, char **argv)
{
	int argc = 1;
	char *p = text;

	argv[0] = "fuzz";
	while (argc < MAX_ARGS && p) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl++ = '\0';
		argv[argc++] = p;
		p = nl;
	}
	argv[argc] = NULL;
	return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kpt_report_opts ropts;
	struct kpt_trace_opts opts = { 0 };
	char *argv[MAX_ARGS + 1];
	const char *output = NULL;
	char *text = malloc(size + 1);
	int argc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	argc = split(text, argv);
	if (kpt_trace_opts_take_value(&argc, argv, 'o', "output", &output) == 0)
		kpt_trace_opts_parse(argc, argv, &opts);
	kpt_trace_opts_free(&opts);

	memcpy(text, data, size);
	text[size] = '\0';
	argc = split(text, argv);
	kpt_report_opts_parse(argc, argv, &ropts);
	kpt_report_opts_free(&ropts);
	free(text);
	return 0;
}
