/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trace.dat format constants, shared by the writer (write.c) and the
 * reader (read.c): the magic that starts every file and the option ids,
 * as trace-cmd numbers them (TRACECMD_OPTION_* in trace-cmd's private headers).
 * See trace-cmd.dat(5) for the layout.
 */
#ifndef KPT_TRACEDAT_FORMAT_H
#define KPT_TRACEDAT_FORMAT_H

/* 0x17 0x08 0x44 "tracing", then the version as a string and its NUL */
#define KPT_TRACEDAT_MAGIC	"\027\010\104tracing"
#define KPT_TRACEDAT_MAGIC_LEN	10

enum kpt_tracedat_option {
	KPT_TRACEDAT_OPT_DONE		= 0,	/* ends an options list */
	KPT_TRACEDAT_OPT_DATE		= 1,	/* timestamp offset (text) */
	KPT_TRACEDAT_OPT_CPUSTAT	= 2,	/* one CPU's per_cpu/cpuN/stats */
	KPT_TRACEDAT_OPT_BUFFER		= 3,	/* an instance's buffer */
	KPT_TRACEDAT_OPT_TRACECLOCK	= 4,	/* the trace_clock file */
	KPT_TRACEDAT_OPT_UNAME		= 5,	/* the recording machine */
	KPT_TRACEDAT_OPT_HOOK		= 6,	/* an event hook (trace-cmd record -H) */
	KPT_TRACEDAT_OPT_OFFSET		= 7,	/* timestamp offset (number) */
	KPT_TRACEDAT_OPT_CPUCOUNT	= 8,	/* how many CPUs */
	KPT_TRACEDAT_OPT_VERSION	= 9,	/* the recording tool */
	KPT_TRACEDAT_OPT_PROCMAPS	= 10,	/* a process's memory maps */
	KPT_TRACEDAT_OPT_TIME_SHIFT	= 12,	/* timestamp shift (guests) */
	KPT_TRACEDAT_OPT_GUEST		= 13,	/* a guest's name and vCPUs */
	KPT_TRACEDAT_OPT_TSC2NSEC	= 14,	/* TSC to ns conversion */
	KPT_TRACEDAT_OPT_HEADER_INFO	= 16,	/* v7: offset of the headers section */
	KPT_TRACEDAT_OPT_FTRACE_EVENTS	= 17,	/* v7: ftrace formats section */
	KPT_TRACEDAT_OPT_EVENT_FORMATS	= 18,	/* v7: event formats section */
	KPT_TRACEDAT_OPT_KALLSYMS	= 19,	/* v7: kallsyms section */
	KPT_TRACEDAT_OPT_PRINTK		= 20,	/* v7: printk formats section */
	KPT_TRACEDAT_OPT_CMDLINES	= 21,	/* v7: offset of the cmdlines section */
	KPT_TRACEDAT_OPT_BUFFER_TEXT	= 22,	/* v7: a buffer of latency-format text */
};

#endif
