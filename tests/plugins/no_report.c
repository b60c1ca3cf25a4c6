// SPDX-License-Identifier: GPL-2.0-or-later
/* A descriptor without report() (nor destroy()): the loader must refuse it. */
#include <stdlib.h>

#include <kptrace/analyser.h>

static void *never_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	abort();
}

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "no_report",
	.summary = "has no report()",
	.create = never_create,
};
