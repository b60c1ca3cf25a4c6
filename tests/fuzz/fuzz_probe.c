// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the probe spec parser. The input is one or two PROBE
 * arguments, one a line; two raw probes are merged as the command line does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kpt_probe probes[2];
	char *text = malloc(size + 1), *second, *errmsg;
	int ok[2] = { -1, -1 };

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	second = strchr(text, '\n');
	if (second)
		*second++ = '\0';
	ok[0] = kpt_probe_parse(text, &probes[0], &errmsg);
	free(errmsg);
	if (second) {
		ok[1] = kpt_probe_parse(second, &probes[1], &errmsg);
		free(errmsg);
		if (ok[0] == 0 && ok[1] == 0)
			kpt_probe_merge_raw(&probes[0], &probes[1]);
		kpt_probe_release(&probes[1]);
	}
	if (ok[0] == 0)
		kpt_probe_name_events(&probes[0], "kptrace_fuzz", 0);
	kpt_probe_release(&probes[0]);
	free(text);
	return 0;
}
