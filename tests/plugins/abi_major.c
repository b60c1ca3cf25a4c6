// SPDX-License-Identifier: GPL-2.0-or-later
/* A plugin built for the next ABI major: the loader must refuse it before calling it. */
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
	.abi_major = KPT_ABI_MAJOR + 1,
	.abi_minor = 0,
	.name = "abi_major",
	.summary = "built for another ABI major",
	.create = never_create,
	.report = never_report,
};
