/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel's ABI for mapping a per-CPU ring buffer (trace_pipe_raw) into the
 * reader's memory, Linux 6.10 and later (Documentation/trace/ring-buffer-map.rst).
 *
 * The kernel's own header is used where the system has it. Debian 12's
 * linux-libc-dev (6.1) predates it, so the few definitions it holds are
 * repeated here as include/uapi/linux/trace_mmap.h of Linux 6.10 declares
 * them; the layout is ABI and has not changed since (checked against 6.18).
 *
 * The mapping is one meta page (struct trace_buffer_meta) followed by every
 * sub-buffer in ascending id order. TRACE_MMAP_IOCTL_GET_READER swaps in a new
 * reader sub-buffer when the current one is consumed, and updates the meta page.
 */
#ifndef KPT_TRACE_MMAP_H
#define KPT_TRACE_MMAP_H

#include <linux/types.h>
#include <sys/ioctl.h>

#if __has_include(<linux/trace_mmap.h>)
#include <linux/trace_mmap.h>
#else
struct trace_buffer_meta {
	__u32	meta_page_size;		/* size of the meta page; sub-buffers follow */
	__u32	meta_struct_len;	/* size of this structure, as the kernel fills it */
	__u32	subbuf_size;
	__u32	nr_subbufs;		/* including the reader */
	struct {
		__u64	lost_events;	/* lost at the last reader swap */
		__u32	id;		/* the reader sub-buffer, 0 .. nr_subbufs - 1 */
		__u32	read;		/* bytes of it the kernel counts as read */
	} reader;
	__u64	flags;
	__u64	entries;
	__u64	overrun;
	__u64	read;
	__u64	Reserved1;
	__u64	Reserved2;
};

#define TRACE_MMAP_IOCTL_GET_READER	_IO('R', 0x20)
#endif

#endif
