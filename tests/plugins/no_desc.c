// SPDX-License-Identifier: GPL-2.0-or-later
/* A shared object without the kptrace_analyser symbol. */
#include <kptrace/analyser.h>

const struct kpt_analyser_desc kptrace_analyzer = {	/* misspelt: not the symbol */
	KPT_ANALYSER_ABI,
	.name = "no_desc",
};
