// SPDX-License-Identifier: GPL-2.0-or-later
/* A plugin that loads, and whose create() fails with a reason. */
#include <stdio.h>

#include <kptrace/analyser.h>

static void *fail_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	snprintf(err, errsize, "option answer=%s: not 42",
		 params->nr_options ? params->option_values[0] : "(none)");
	return NULL;
}

static int never_report(void *state, const struct kpt_report_params *report)
{
	return -1;
}

static void never_destroy(void *state)
{
}

static const struct kpt_analyser_option fail_options[] = {
	{ "answer", "N: must be 42, and is refused anyway" },
	{ NULL, NULL }
};

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "fail_create",
	.summary = "loads, then fails to create",
	.options = fail_options,
	.create = fail_create,
	.report = never_report,
	.destroy = never_destroy,
};
