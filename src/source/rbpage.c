// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ring-buffer pages of the running kernel: loading a page, following a page
 * the kernel is still writing, and the layout of a mapped buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source/rbpage.h"
#include "source/trace_mmap.h"

/* commit, read once: the kernel may be writing the page (a mapped commit page). */
static uint64_t read_commit(const struct kpt_rbpage *pg)
{
	const void *commit = pg->page + sizeof(uint64_t);

	if (pg->commit_size == sizeof(uint64_t))
		return __atomic_load_n((const uint64_t *)commit, __ATOMIC_ACQUIRE);
	return __atomic_load_n((const uint32_t *)commit, __ATOMIC_ACQUIRE);
}

static uint32_t committed(const struct kpt_rbpage *pg, uint64_t commit)
{
	uint32_t size = (uint32_t)commit & KPT_RB_COMMIT_MASK;

	return size < pg->capacity ? size : pg->capacity;
}

/**
 * kpt_rbpage_load - start walking a ring-buffer page of this machine's kernel
 * @pg: filled in; it points into @page, which stays the caller's
 * @page: the page, header first, aligned to 8 bytes
 * @page_size: its size (the sub-buffer size)
 * @commit_size: the header's commit field size (tep_get_header_page_size()), 8 or 4
 *
 * A commit beyond the page is cut to the page, and @pg->overlong says so; it
 * and a stored count of missed events that does not fit the page set
 * @pg->corrupt. Returns 0, or -1 with EINVAL when the sizes cannot be a page's.
 */
int kpt_rbpage_load(struct kpt_rbpage *pg, const void *page, uint32_t page_size,
		    uint32_t commit_size)
{
	uint64_t commit, stored;

	if ((commit_size != 4 && commit_size != 8) || page_size < 8 + commit_size + 8) {
		errno = EINVAL;
		return -1;
	}
	pg->page = page;
	pg->commit_size = commit_size;
	pg->data = pg->page + 8 + commit_size;
	pg->capacity = page_size - 8 - commit_size;
	memcpy(&pg->ts, page, sizeof(pg->ts));
	pg->next = 0;
	commit = read_commit(pg);
	pg->size = committed(pg, commit);
	pg->overlong = ((uint32_t)commit & KPT_RB_COMMIT_MASK) > pg->capacity;
	pg->corrupt = pg->overlong ? KPT_RBPAGE_OVERLONG : NULL;
	pg->missed = 0;
	if (commit & KPT_RB_MISSED_EVENTS) {
		pg->missed = -1;
		if ((commit & KPT_RB_MISSED_STORED) && pg->size + commit_size <= pg->capacity) {
			stored = 0;
			if (commit_size == 8)
				memcpy(&stored, pg->data + pg->size, 8);
			else
				stored = kpt_rb_word(pg->data + pg->size);
			pg->missed = (long long)stored;
		} else if ((commit & KPT_RB_MISSED_STORED) && !pg->corrupt) {
			pg->corrupt = KPT_RBPAGE_MISSED_PAST;
		}
	}
	return 0;
}

static uint64_t page_number(bool big_endian, const unsigned char *p, int size)
{
	uint64_t val = 0;
	int i;

	for (i = 0; i < size; i++)
		val |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
	return val;
}

/**
 * kpt_rbpage_check - check a page of any byte order as kpt_rbpage_next() walks one
 * @page: the page, header first
 * @page_size: its size
 * @commit_size: the header's commit field size, 8 or 4
 * @big_endian: the page's byte order
 *
 * For pages another reader walks (kbuffer, libtracecmd): the commit inside the
 * page, a stored count of missed events after it inside the page, and every
 * event, padding included, inside the commit, the walk ending at the commit
 * or at a padding with no time delta (the rest of the page empty). With these
 * a reader that trusts the page stays inside it. The same rules as
 * kpt_rbpage_load() and kpt_rbpage_next() apply to this host's pages as they
 * are read.
 *
 * Returns NULL, or what is wrong (a static string).
 */
const char *kpt_rbpage_check(const void *page, uint32_t page_size, uint32_t commit_size,
			     bool big_endian)
{
	const unsigned char *data = (const unsigned char *)page + 8 + commit_size;
	uint64_t commit, size, next = 0, arg, step;
	uint32_t w, type_len, delta, capacity;

	if ((commit_size != 4 && commit_size != 8) || page_size < 8 + commit_size + 8)
		return "its size cannot hold a page header";
	capacity = page_size - 8 - commit_size;
	commit = page_number(big_endian, (const unsigned char *)page + 8, commit_size);
	size = commit & KPT_RB_COMMIT_MASK;
	if (size > capacity)
		return KPT_RBPAGE_OVERLONG;
	if ((commit & KPT_RB_MISSED_EVENTS) && (commit & KPT_RB_MISSED_STORED) &&
	    size + commit_size > capacity)
		return KPT_RBPAGE_MISSED_PAST;
	while (next + 4 <= size) {
		w = page_number(big_endian, data + next, 4);
		type_len = big_endian ? w >> 27 : w & 0x1f;
		delta = big_endian ? w & ((1U << 27) - 1) : w >> 5;
		if (type_len && type_len < KPT_RB_TYPE_PADDING) {
			step = 4 + type_len * 4;
		} else {
			if (next + 8 > size)
				return KPT_RBPAGE_OVERRUN;
			arg = page_number(big_endian, data + next + 4, 4);
			if (type_len == 0 && arg < 4)
				return KPT_RBPAGE_OVERRUN;
			if (type_len == 0)
				step = 8 + ((arg - 4 + 3) & ~3ULL);
			else if (type_len == KPT_RB_TYPE_PADDING)
				step = 4 + arg;
			else
				step = 8;
			if (type_len == KPT_RB_TYPE_PADDING && !delta)
				return next + step > size ? KPT_RBPAGE_OVERRUN : NULL;
		}
		if (next + step > size)
			return KPT_RBPAGE_OVERRUN;
		next += step;
	}
	return next == size ? NULL : KPT_RBPAGE_OVERRUN;
}

/**
 * kpt_rbpage_refresh - take in what the kernel committed to the page since
 * @pg: a loaded page
 *
 * Only a page the kernel may still write grows: a mapped reader page that is
 * also the kernel's commit page. Returns true when the page grew.
 */
bool kpt_rbpage_refresh(struct kpt_rbpage *pg)
{
	uint32_t size = committed(pg, read_commit(pg));

	if (size <= pg->size)
		return false;
	pg->size = size;
	return true;
}

/**
 * kpt_rbpage_last_ts - the timestamp of the page's last record
 * @pg: a loaded page; not moved
 *
 * Returns 0 for a page without records.
 */
uint64_t kpt_rbpage_last_ts(const struct kpt_rbpage *pg)
{
	struct kpt_rbpage walk = *pg;
	uint64_t last = 0;
	uint32_t len;

	walk.next = 0;
	memcpy(&walk.ts, walk.page, sizeof(walk.ts));
	while (kpt_rbpage_next(&walk, &len))
		last = walk.ts;
	return last;
}

/**
 * kpt_rbmap_layout - check a mapped buffer's meta page and say where its sub-buffers are
 * @meta: the meta page, as mapped (the kernel's struct trace_buffer_meta)
 * @meta_len: how many bytes of it are mapped
 * @page_size: the system's page size
 * @layout: filled in
 *
 * Returns 0, or -1 with EPROTO when the meta page is not one this code knows
 * how to read (too short, sizes that are not pages, a reader out of range).
 */
int kpt_rbmap_layout(const struct trace_buffer_meta *meta, size_t meta_len, size_t page_size,
		     struct kpt_rbmap_layout *layout)
{
	size_t need = offsetof(struct trace_buffer_meta, flags);

	if (meta_len < need || meta->meta_struct_len < need || !page_size)
		goto bad;
	if (meta->meta_page_size < need || meta->meta_page_size % page_size)
		goto bad;
	if (meta->subbuf_size < page_size || meta->subbuf_size % page_size ||
	    meta->subbuf_size - 1 > KPT_RB_COMMIT_MASK)
		goto bad;
	if (meta->nr_subbufs < 2 || meta->reader.id >= meta->nr_subbufs)
		goto bad;
	if ((uint64_t)meta->subbuf_size * meta->nr_subbufs > SIZE_MAX - meta->meta_page_size)
		goto bad;
	layout->data_offset = meta->meta_page_size;
	layout->data_len = (size_t)meta->subbuf_size * meta->nr_subbufs;
	layout->subbuf_size = meta->subbuf_size;
	layout->nr_subbufs = meta->nr_subbufs;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

/**
 * kpt_rbmap_unmap - undo kpt_rbmap_map() (an unmapped or zeroed @map is fine)
 * @map: the mapping; its fd stays open
 */
void kpt_rbmap_unmap(struct kpt_rbmap *map)
{
	if (map->subbufs)
		munmap((void *)map->subbufs, map->layout.data_len);
	if (map->meta)
		munmap(map->meta, getpagesize());
	map->subbufs = NULL;
	map->meta = NULL;
}

/**
 * kpt_rbmap_map - map a CPU's ring buffer: the meta page, then every sub-buffer
 * @map: filled in
 * @fd: the CPU's trace_pipe_raw, opened read-only; it must stay open while mapped
 *
 * Returns 0, or -1 with errno (ENODEV before Linux 6.10, EBUSY for a buffer
 * that cannot be mapped now, EPROTO for a meta page this code cannot read),
 * nothing left mapped.
 */
int kpt_rbmap_map(struct kpt_rbmap *map, int fd)
{
	long page_size = getpagesize();
	void *addr;
	int err;

	map->fd = fd;
	map->subbufs = NULL;
	addr = mmap(NULL, page_size, PROT_READ, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		map->meta = NULL;
		return -1;
	}
	map->meta = addr;
	if (kpt_rbmap_layout(map->meta, page_size, page_size, &map->layout) < 0)
		goto fail;
	addr = mmap(NULL, map->layout.data_len, PROT_READ, MAP_SHARED, fd,
		    map->layout.data_offset);
	if (addr == MAP_FAILED)
		goto fail;
	map->subbufs = addr;
	return 0;
fail:
	err = errno;
	kpt_rbmap_unmap(map);
	errno = err;
	return -1;
}

/**
 * kpt_rbmap_get_reader - have the kernel hand over its reader sub-buffer
 * @map: a mapped buffer
 * @id: set to the sub-buffer's id
 *
 * The kernel swaps in a new reader sub-buffer only when the current one was
 * read to its end at the previous call; otherwise the same one comes back,
 * with what was written since (it is the kernel's commit page). A sub-buffer
 * handed back to the kernel may be overwritten at once: be done with the old
 * one before the call. Returns the sub-buffer, or NULL with errno.
 */
const unsigned char *kpt_rbmap_get_reader(struct kpt_rbmap *map, uint32_t *id)
{
	if (ioctl(map->fd, TRACE_MMAP_IOCTL_GET_READER) < 0)
		return NULL;
	*id = __atomic_load_n(&map->meta->reader.id, __ATOMIC_ACQUIRE);
	if (*id >= map->layout.nr_subbufs) {
		errno = EPROTO;
		return NULL;
	}
	return map->subbufs + (size_t)*id * map->layout.subbuf_size;
}
