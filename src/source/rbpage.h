/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ring-buffer pages of the running kernel, walked record by record.
 *
 * The live stream's reader. libtraceevent's kbuffer reads the same pages for
 * any file's endianness and word size, through function pointers, and costs
 * about 230 instructions a record (bench/README.md has the profile); this one
 * reads only the host's own layout, inline, in about 20. kbuffer stays the
 * reader of trace.dat files in another byte order than the host's.
 *
 * A page (sub-buffer) is a header, { u64 timestamp; local_t commit; }, then
 * the records. commit's low bits count the bytes of records; its top bits say
 * that events were lost before the page and whether their count is stored
 * after the records. Each record starts with a 32-bit word: a 5-bit type_len
 * and a 27-bit time delta (the bit order follows the host's bit-field order):
 *
 *   type_len 1..28  a record of type_len * 4 bytes follows
 *   type_len 0      the next word is the length (+4), then the record
 *   29 padding      the next word is the length to skip; delta 0: the page ends
 *   30 time extend  the next word holds the delta's bits 27..58
 *   31 time stamp   the same, as an absolute time
 *
 * The page may be the kernel's commit page, still being written (a mapped
 * reader page): kpt_rbpage_refresh() picks up what was committed since.
 */
#ifndef KPT_RBPAGE_H
#define KPT_RBPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct trace_buffer_meta;

#define KPT_RB_TYPE_PADDING	29
#define KPT_RB_TYPE_EXTEND	30
#define KPT_RB_TYPE_STAMP	31
#define KPT_RB_TS_SHIFT		27
#define KPT_RB_COMMIT_MASK	((1U << 27) - 1)
#define KPT_RB_MISSED_EVENTS	(1U << 31)
#define KPT_RB_MISSED_STORED	(1U << 30)

/* What is wrong with a page (struct kpt_rbpage's corrupt, kpt_rbpage_check()). */
#define KPT_RBPAGE_OVERLONG	"its commit size is over the page size"
#define KPT_RBPAGE_MISSED_PAST	"its count of missed events is stored past its end"
#define KPT_RBPAGE_OVERRUN	"an event runs past its commit size"

struct kpt_rbpage {
	const unsigned char *page;	/* the header */
	const unsigned char *data;	/* the first record */
	uint32_t capacity;		/* bytes after the header */
	uint32_t size;			/* bytes of committed records */
	uint32_t next;			/* offset of the next record's header */
	uint32_t commit_size;		/* sizeof(local_t): 8, or 4 on 32-bit kernels */
	uint64_t ts;			/* the last record's timestamp */
	long long missed;		/* lost before this page: 0, a count, or -1 (unknown) */
	bool overlong;			/* the commit said more than the page holds */
	const char *corrupt;		/* NULL, or what makes the page not one the kernel writes */
};

int kpt_rbpage_load(struct kpt_rbpage *pg, const void *page, uint32_t page_size,
		    uint32_t commit_size);
bool kpt_rbpage_refresh(struct kpt_rbpage *pg);
uint64_t kpt_rbpage_last_ts(const struct kpt_rbpage *pg);
const char *kpt_rbpage_check(const void *page, uint32_t page_size, uint32_t commit_size,
			     bool big_endian);

static inline uint32_t kpt_rb_word(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define KPT_RB_TYPE_LEN(w)	((w) >> 27)
#define KPT_RB_DELTA(w)		((w) & ((1U << 27) - 1))
#else
#define KPT_RB_TYPE_LEN(w)	((w) & 0x1f)
#define KPT_RB_DELTA(w)		((w) >> 5)
#endif

/**
 * kpt_rbpage_next - the next record of the page
 * @pg: a loaded page
 * @len: set to the record's length in bytes (a multiple of 4)
 *
 * Time extends, time stamps and padding are applied and skipped. Returns the
 * record, valid as long as the page is, with its timestamp in @pg->ts; NULL at
 * the end of what is committed, or at an event that would overrun it, which
 * also sets @pg->corrupt (kpt_rbpage_check() has the same rules for a page of
 * any byte order). Nothing is read outside the commit.
 */
static inline const void *kpt_rbpage_next(struct kpt_rbpage *pg, uint32_t *len)
{
	while (pg->next + 4 <= pg->size) {
		const unsigned char *ev = pg->data + pg->next;
		uint32_t w = kpt_rb_word(ev), type_len = KPT_RB_TYPE_LEN(w), arg, step;

		if (type_len && type_len < KPT_RB_TYPE_PADDING) {
			step = 4 + type_len * 4;
			if (pg->next + step > pg->size)
				goto overrun;
			pg->next += step;
			pg->ts += KPT_RB_DELTA(w);
			*len = type_len * 4;
			return ev + 4;
		}
		if (pg->next + 8 > pg->size)
			goto overrun;
		arg = kpt_rb_word(ev + 4);
		switch (type_len) {
		case 0:
			if (arg < 4 || arg > pg->size)
				goto overrun;
			*len = (arg - 4 + 3) & ~3U;
			step = 8 + *len;
			if (pg->next + step > pg->size)
				goto overrun;
			pg->next += step;
			pg->ts += KPT_RB_DELTA(w);
			return ev + 8;
		case KPT_RB_TYPE_PADDING:
			if (arg > pg->size - pg->next - 4)
				goto overrun;
			if (!KPT_RB_DELTA(w))
				return NULL;	/* the rest of the page is empty */
			pg->ts += KPT_RB_DELTA(w);
			pg->next += 4 + arg;
			break;
		case KPT_RB_TYPE_EXTEND:
			pg->ts += ((uint64_t)arg << KPT_RB_TS_SHIFT) + KPT_RB_DELTA(w);
			pg->next += 8;
			break;
		default:	/* KPT_RB_TYPE_STAMP */
			pg->ts = ((uint64_t)arg << KPT_RB_TS_SHIFT) + KPT_RB_DELTA(w);
			pg->next += 8;
			break;
		}
	}
	if (pg->next == pg->size)
		return NULL;
overrun:
	pg->corrupt = KPT_RBPAGE_OVERRUN;
	return NULL;
}

/* The mapped layout of one CPU's buffer, from its meta page. */
struct kpt_rbmap_layout {
	size_t data_offset;		/* the sub-buffers' offset in the file */
	size_t data_len;		/* all sub-buffers */
	uint32_t subbuf_size;
	uint32_t nr_subbufs;
};

int kpt_rbmap_layout(const struct trace_buffer_meta *meta, size_t meta_len, size_t page_size,
		     struct kpt_rbmap_layout *layout);

/* One CPU's buffer mapped (Linux 6.10+): its meta page and its sub-buffers. */
struct kpt_rbmap {
	int fd;					/* trace_pipe_raw; not owned */
	struct trace_buffer_meta *meta;
	const unsigned char *subbufs;
	struct kpt_rbmap_layout layout;
};

int kpt_rbmap_map(struct kpt_rbmap *map, int fd);
void kpt_rbmap_unmap(struct kpt_rbmap *map);
const unsigned char *kpt_rbmap_get_reader(struct kpt_rbmap *map, uint32_t *id);

#endif
