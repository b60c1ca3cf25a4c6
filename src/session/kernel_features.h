/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Features: what this kernel's tracing supports, read from tracefs (its
 * README above all), never guessed from the kernel version, with one
 * exception tracefs gives no sign of: which buffer the stacktrace trigger
 * writes to (kpt_features_stack_trigger()).
 */
#ifndef KPT_KERNEL_FEATURES_H
#define KPT_KERNEL_FEATURES_H

#include <stdbool.h>

struct kpt_features {
	char tracefs[256];		/* mount point, "" if none */
	bool kprobe_events;
	bool uprobe_events;
	bool dynamic_events;
	bool syscall_tracepoints;
	bool fetch_argn;		/* $arg<N> fetch-args */
	bool kretprobe_suffix;		/* SYMBOL%return in p: definitions */
	bool maxactive;			/* r[maxactive]: */
	bool error_log;
	bool hist_triggers;
	bool kprobe_blacklist;		/* debugfs kprobes/blacklist is readable */
	char clocks[256];		/* trace_clock's list */
	bool mono_clock;
	bool perf_events;		/* perf_event_open of a tracepoint works here */
	int perf_paranoid;		/* -99 if unknown */
	bool bpf;			/* the bpf() syscall exists (kptrace does not need it) */
	bool stack_trigger;		/* --stack through a stacktrace trigger per entry */
	bool user_stacks;		/* --ustack: options/userstacktrace exists */
};

void kpt_features_probe(struct kpt_features *features);
char *kpt_features_rewrite_argn(const char *fetchargs, char **errmsg);
int kpt_kernel_symbol_check(const char *symbol, char **errmsg);
bool kpt_features_stack_trigger(char **why);

#endif
