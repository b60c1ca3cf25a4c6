/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel function globs: "vfs_*" as a probe stands for every traceable kernel
 * function it matches, up to a limit.
 */
#ifndef KPT_GLOB_H
#define KPT_GLOB_H

#include <stdbool.h>

/* How many functions one glob may expand to: a kprobe pair per function is costly. */
#define KPT_GLOB_MAX_PROBES	64

bool kpt_glob_is_pattern(const char *symbol);
int kpt_glob_match_functions(const char *pattern, const char *functions, const char *blacklist,
			     int max, char ***names, int *nr, char **errmsg);
char *kpt_glob_read_blacklist(void);
int kpt_glob_expand_specs(char **specs, int nr, int max, char ***out, int *nr_out,
			  char **errmsg);

#endif
