/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Workarounds on the libraries' internals, each for the versions it applies
 * to, all in compat.c: nowhere else does kptrace know a library's bugs or
 * its undeclared functions. (tests/unit/valgrind.supp lists the libraries'
 * leaks for valgrind, as compat.c does for LeakSanitizer.)
 */
#ifndef KPT_COMPAT_H
#define KPT_COMPAT_H

#include <stdbool.h>

struct kpt_probe;
struct perf_evlist;
struct perf_evsel;
struct tracecmd_input;
struct tracefs_dynevent;

/* KERNEL_VERSION() of <linux/version.h>, for the libperf source's version */
#define KPT_KERNEL_VERSION(a, b, c)	(((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

void kpt_compat_perf_evlist_delete(struct perf_evlist *evlist);
int kpt_compat_perf_evsel_apply_filter(struct perf_evsel *evsel, const char *filter);
const char *kpt_compat_tracecmd_cpustats(struct tracecmd_input *handle);
bool kpt_compat_tracecmd_hook_valid(const char *text);
struct tracecmd_input *kpt_compat_tracecmd_open(const char *path, int flags);
struct tracefs_dynevent *kpt_compat_kretprobe_maxactive(const struct kpt_probe *probe,
							const char *target);

#endif
