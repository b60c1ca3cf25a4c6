// SPDX-License-Identifier: GPL-2.0-or-later
/* A plugin built for a newer minor of this ABI major: the loader must refuse it. */
#include <stdlib.h>

#include <kptrace/analyser.h>

static void *never_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	abort();
}

static int never_report(void *state, const struct kpt_report_params *report)
{
	abort();
}

const struct kpt_analyser_desc kptrace_analyser = {
	.abi_major = KPT_ABI_MAJOR,
	.abi_minor = KPT_ABI_MINOR + 1,
	.name = "abi_minor",
	.summary = "built for a newer ABI minor",
	.create = never_create,
	.report = never_report,
};
