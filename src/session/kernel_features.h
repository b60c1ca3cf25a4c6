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

/* An architecture's argument registers, as fetch-args name them. */
struct kpt_arch {
	const char *name;		/* "x86-64", "arm64", "arm" */
	const char *regs[8];		/* of arguments 1, 2, ... at function entry */
	int nr_regs;
	unsigned int word_size;		/* bytes in a register */
};

struct kpt_btf;

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
	bool fprobe_events;		/* f: events in dynamic_events (fprobes, through ftrace) */
	bool tprobe_events;		/* t: tracepoint probes in dynamic_events */
	bool eprobe_events;		/* e: event probes in dynamic_events */
	bool btf_args;			/* fetch-args may name a function's parameters (BTF) */
	bool return_argn;		/* return probes may fetch $arg<N>, the entry's arguments */
};

/* How kernel-function probes (SYMBOL) are made on this kernel. */
enum kpt_kfunc_kind {
	KPT_KFUNC_NONE,		/* neither kprobes nor fprobes */
	KPT_KFUNC_KPROBE,	/* kprobe + kretprobe */
	KPT_KFUNC_FPROBE,	/* fprobe + fprobe exit (f: and f:...%return) */
};

void kpt_features_probe(struct kpt_features *features);
void kpt_features_parse_readme(struct kpt_features *features, const char *readme);
const struct kpt_features *kpt_features_readme(void);
enum kpt_kfunc_kind kpt_features_kfunc(const struct kpt_features *features, bool force_kprobes,
				       const char **why);
const char *kpt_features_kfunc_name(enum kpt_kfunc_kind kind);
char *kpt_features_rewrite_argn(const char *fetchargs, char **errmsg);
const struct kpt_arch *kpt_arch_get(const char *name);
bool kpt_features_args_named(const char *fetchargs);
char *kpt_features_args_by_name(const char *fetchargs, const char *function, bool exit,
				const struct kpt_features *features, const struct kpt_arch *arch,
				const struct kpt_btf *btf, char **errmsg);
int kpt_kernel_symbol_check(const char *symbol, char **errmsg);
bool kpt_kernel_function_traceable(const char *function);
bool kpt_features_stack_trigger(char **why);

#endif
