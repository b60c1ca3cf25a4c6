// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table of backends, looked up by --backend.
 */
#include <string.h>

#include "source/source.h"

static const struct kpt_source_ops *const sources[] = {
	&kpt_tracefs_source,
	&kpt_perf_source,
};

/**
 * kpt_source_find - the backend called @name
 * @name: "tracefs" or "perf"
 *
 * Returns its operations, or NULL if there is no such backend.
 */
const struct kpt_source_ops *kpt_source_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (strcmp(sources[i]->name, name) == 0)
			return sources[i];
	}
	return NULL;
}
