/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kptrace analyser ABI: what an analyser (built in, or a plugin loaded at run
 * time) receives and how it is driven.
 *
 * An analyser is described by one struct kpt_analyser_desc. kptrace creates
 * it with its parameters, feeds it decoded events (in time order across
 * CPUs) and paired spans (an entry with its return, on one thread, nesting
 * and recursion resolved), asks it for a report at every -i interval and at
 * the end, and destroys it. The same calls are made whether the records come
 * from the kernel (either backend) or from a trace.dat file.
 *
 * A plugin is a shared object that exports one symbol,
 *
 *	const struct kpt_analyser_desc kptrace_analyser = { KPT_ANALYSER_ABI, ... };
 *
 * Versioning: KPT_ABI_MAJOR changes when anything in this header changes in
 * a way that breaks a compiled plugin (a member moved, removed or retyped, a
 * meaning changed); kptrace refuses a plugin of another major. KPT_ABI_MINOR
 * grows when members are appended to the end of a structure or enumerations
 * grow; a plugin built against minor N runs on any kptrace of the same major
 * with minor >= N, and may read members newer than its own minor only after
 * checking host->abi_minor. See kptrace-plugins(7).
 *
 * 1.1 appended, in one step: KPT_ROLE_SPAN, struct kpt_stack with
 * kpt_event.kstack and .ustack, kpt_host.tgid and .frame_name (in that
 * order), kpt_report_params.records and KPT_ANALYSER_OPEN_SPANS.
 */
#ifndef KPTRACE_ANALYSER_H
#define KPTRACE_ANALYSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KPT_ABI_MAJOR		1
#define KPT_ABI_MINOR		1

/* The symbol a plugin exports, of type const struct kpt_analyser_desc. */
#define KPT_ANALYSER_SYMBOL	"kptrace_analyser"

/* The first two members of every descriptor: the ABI it was built against. */
#define KPT_ANALYSER_ABI	.abi_major = KPT_ABI_MAJOR, .abi_minor = KPT_ABI_MINOR

struct tep_event;

enum kpt_role {
	KPT_ROLE_ENTRY = 1,	/* a span starts */
	KPT_ROLE_EXIT,		/* a span ends */
	KPT_ROLE_TASK_EXIT,	/* a thread ends: its open spans never will */
	/*
	 * Minor 1, kptrace's own: a call the kernel measured (slow
	 * --kernel-filter), made into a span; analysers never see it as an event.
	 */
	KPT_ROLE_SPAN,
};

/*
 * A call stack recorded with an event (minor 1): return addresses, the
 * innermost frame first. A kernel stack comes from the stacktrace trigger or
 * option, a user stack from the userstacktrace option; both are read from the
 * record the kernel writes right after the event. Name frames through
 * kpt_host.frame_name.
 */
struct kpt_stack {
	int nr;				/* frames in @ips */
	int pid;			/* user stack: the process (tgid); kernel: 0 */
	const uint64_t *ips;
};

/*
 * One decoded record. Valid only during the call that hands it over: copy
 * what you keep. Read its fields through struct kpt_host.
 */
struct kpt_event {
	uint64_t ts;			/* trace clock, nanoseconds */
	int cpu;
	int tid;			/* the thread that wrote it (common_pid) */
	int probe;			/* index of the probe; -1 for KPT_ROLE_TASK_EXIT */
	enum kpt_role role;
	/* kptrace's own: the format and raw payload the host's accessors read */
	struct tep_event *format;
	void *data;
	int size;
	/*
	 * Minor 1: the stacks recorded with this event (--stack, --ustack), or
	 * NULL. A span's entry carries its entry's stacks.
	 */
	const struct kpt_stack *kstack;
	const struct kpt_stack *ustack;
};

/*
 * An entry paired with its return. @entry and @exit are valid only during the
 * span callback; @exit is NULL for a call still open at the end (see
 * KPT_ANALYSER_OPEN_SPANS). @entry->data is NULL unless the descriptor asks for
 * KPT_ANALYSER_ENTRY_FIELDS (kptrace then keeps each entry's payload until its
 * return arrives).
 */
struct kpt_span {
	int probe;
	int tid;
	int depth;			/* frames below this one on the thread's stack */
	int cpu;			/* where the entry was recorded */
	uint64_t start;			/* entry time */
	uint64_t end;			/* return time */
	const struct kpt_event *entry;
	const struct kpt_event *exit;
};

/* What did not pair, per probe. Reports print all of it. */
struct kpt_pair_counts {
	uint64_t spans;		/* entries matched with their return */
	uint64_t orphan_exits;	/* returns whose entry was never seen */
	uint64_t lost_exits;	/* entries whose return was never seen (an outer call returned) */
	uint64_t task_exits;	/* entries still open when their thread exited */
	uint64_t open_at_end;	/* entries still open when tracing stopped */
};

/* Records the kernel could not deliver. Reports print every non-zero member. */
struct kpt_loss {
	uint64_t missed_pages;		/* ring-buffer pages flagged "events missed before" */
	uint64_t missed_events;		/* events those flags counted, where the kernel knew */
	uint64_t overrun;		/* overwritten before being read (per-CPU stats) */
	uint64_t dropped;		/* not written because the buffer was full (per-CPU stats) */
	uint64_t probe_misses;		/* kprobe/kretprobe nmissed (kprobe_profile) */
	uint64_t perf_lost;		/* perf ring buffers: PERF_RECORD_LOST counts (exact) */
};

/*
 * Services kptrace gives every analyser. An event's arguments are its
 * payload's own fields: the probe's fetch-args, a syscall's arguments, a
 * return probe's or sys_exit's return value; the common_* fields and the
 * probe's own bookkeeping (__probe_ip, __syscall_nr, ...) are left out.
 */
struct kpt_host {
	uint32_t abi_major;
	uint32_t abi_minor;
	/* Number of arguments of @ev, and the name of argument @i (0-based). */
	int (*nr_args)(const struct kpt_event *ev);
	const char *(*arg_name)(const struct kpt_event *ev, int i);
	/*
	 * Argument @i as text into @buf (always NUL-terminated): integers in
	 * decimal as their format's signedness says, strings as they are.
	 * Returns the length, or -1.
	 */
	int (*arg_text)(const struct kpt_event *ev, int i, char *buf, size_t size);
	/* Argument @i as a number; -1 if it is not an integer field. */
	int (*arg_u64)(const struct kpt_event *ev, int i, uint64_t *val);
	/* Index of the argument called @name, or -1. Cache it per probe. */
	int (*arg_index)(const struct kpt_event *ev, const char *name);
	/* The event's SYSTEM:NAME parts. */
	const char *(*event_system)(const struct kpt_event *ev);
	const char *(*event_name)(const struct kpt_event *ev);
	/* The command name of thread @tid, or "<...>" when nobody knows it. */
	const char *(*comm)(const struct kpt_host *host, int tid);
	void *priv;			/* kptrace's own */
	/* Minor 1: */
	/* The process (thread group) id of thread @tid, or -1 when nobody knows it. */
	int (*tgid)(const struct kpt_host *host, int tid);
	/*
	 * Minor 1. The function that holds frame @i of @stack: kernel frames
	 * through kallsyms (the file's own when analysing a file), user frames
	 * through the ELF symbols of the object the process had mapped there
	 * ("[object]" when it has none, "0x..." when nothing was mapped). The
	 * name stays valid, and is the same pointer for the same function, until
	 * the host is released: analysers may key on it. NULL only if @i is out
	 * of range.
	 */
	const char *(*frame_name)(const struct kpt_host *host, const struct kpt_stack *stack,
				  bool user, int i);
};

/* One KEY=VALUE option an analyser accepts: --plugin-opt KEY=VALUE. */
struct kpt_analyser_option {
	const char *name;
	const char *help;		/* "VALUE: what it does" */
};

struct kpt_analyser_params {
	const struct kpt_host *host;
	int nr_probes;
	const char *const *probe_names;	/* [nr_probes], as reports name them */
	int nr_options;
	const char *const *option_names;	/* [nr_options], each one of desc->options */
	const char *const *option_values;
	bool json;			/* --json: machine-readable output */
	FILE *out;			/* where reports go unless an option names a file */
	const char *input;		/* the trace file read, or NULL when live */
	const char *clock;		/* the trace clock */
};

struct kpt_report_params {
	int interval;			/* 1, 2, ... for -i reports; 0 for the only one */
	bool final;			/* the last report: no event follows */
	double elapsed;			/* seconds this report covers */
	const struct kpt_pair_counts *pairs;	/* [nr_probes], for this report's span */
	const struct kpt_loss *loss;	/* for this report's span */
	/* Minor 1: */
	uint64_t records;		/* probe records decoded for this report */
};

/* desc->flags */
#define KPT_ANALYSER_EVENTS		0x1	/* call event() with every decoded event */
#define KPT_ANALYSER_SPANS		0x2	/* call span() with every paired span */
#define KPT_ANALYSER_ENTRY_FIELDS	0x4	/* spans carry their entry's payload */
/*
 * Minor 1: at the end, before the final report, call span() once more for
 * every call still open (in no particular order), with exit NULL and end the
 * time of the last record seen: the call lasted at least end - start.
 */
#define KPT_ANALYSER_OPEN_SPANS		0x8

struct kpt_analyser_desc {
	uint32_t abi_major;		/* KPT_ANALYSER_ABI */
	uint32_t abi_minor;
	const char *name;		/* [a-z0-9_-]+ */
	const char *summary;		/* one line, for 'kptrace list plugins' */
	const char *help;		/* more lines, or NULL */
	const struct kpt_analyser_option *options;	/* ends with { NULL }, or NULL */
	unsigned int flags;
	/*
	 * Returns the analyser's state, or NULL after writing why into @err
	 * (NUL-terminated, at most @errsize bytes).
	 */
	void *(*create)(const struct kpt_analyser_params *params, char *err, size_t errsize);
	void (*event)(void *state, const struct kpt_event *ev);
	void (*span)(void *state, const struct kpt_span *span);
	/*
	 * Write a report: 0, or -1 after a write error. The built-ins restart
	 * their figures after each interval; an analyser may keep totals instead
	 * (openmetrics does, as Prometheus counters must).
	 */
	int (*report)(void *state, const struct kpt_report_params *report);
	void (*destroy)(void *state);	/* NULL state is never passed */
};

#ifdef __cplusplus
}
#endif

#endif
