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

/*
 * This machine's calling convention, as fetch-args name it: the registers of
 * arguments 1, 2, ... at function entry, what check says about them, and the
 * name of a syscall's function in the kernel.
 */
#if defined(__x86_64__)
#define KPT_ARCH_NAME		"x86-64"
#define KPT_ARCH_ARG_REGS	"%di", "%si", "%dx", "%cx", "%r8", "%r9"
#define KPT_ARCH_ARG_TEXT	"$arg1..$arg6 are rewritten to %di %si %dx %cx %r8 %r9 (x86-64)"
#define KPT_ARCH_SYSCALL_FN	"__x64_sys_NAME"
#elif defined(__aarch64__)
#define KPT_ARCH_NAME		"arm64"
#define KPT_ARCH_ARG_REGS	"%x0", "%x1", "%x2", "%x3", "%x4", "%x5", "%x6", "%x7"
#define KPT_ARCH_ARG_TEXT	"$arg1..$arg8 are rewritten to %x0..%x7 (arm64)"
#define KPT_ARCH_SYSCALL_FN	"__arm64_sys_NAME"
#elif defined(__arm__)
#define KPT_ARCH_NAME		"arm"
#define KPT_ARCH_ARG_REGS	"%r0", "%r1", "%r2", "%r3"
#define KPT_ARCH_ARG_TEXT	"$arg1..$arg4 are rewritten to %r0..%r3 (arm)"
#define KPT_ARCH_SYSCALL_FN	"sys_NAME"
#else
#error "kptrace knows the argument registers of x86-64, arm64 and arm only"
#endif

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
	bool synth_events;		/* synthetic events fed by hist onmatch() actions */
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
