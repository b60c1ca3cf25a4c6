// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace.dat writer, file format version 6 (trace-cmd.dat.v6(5)), uncompressed.
 *
 * Layout, in order; numbers are in the traced machine's byte order:
 *
 *   magic 17 08 44, "tracing", "6\0", endianness (0 little, 1 big), long size,
 *   u32 page size
 *   "header_page\0" u64 size, text; "header_event\0" u64 size, text
 *   u32 count, then per ftrace event: u64 size, format file
 *   u32 systems, then per system: "name\0", u32 count, per event: u64 size, format
 *   u32 size, kallsyms; u32 size, printk formats; u64 size, saved cmdlines
 *   u32 CPU count
 *   "options  \0", then options (u16 id, u32 size, data) up to a u16 0:
 *     CPUSTAT (2) per CPU: "CPU: N\n" and its stats file, as trace-cmd stores it
 *     TRACECLOCK (4), UNAME (5), VERSION (9), CPUCOUNT (8)
 *   "flyrecord\0", then per CPU: u64 offset, u64 size of its pages;
 *   with a clock, u64 size and "[clock]", where v6 readers look for it
 *   the pages of each CPU, at an offset aligned to the page size
 *
 * The file is written front to back in one pass, without seeking: the CPU
 * sizes are known before the table is written, so every offset and size in it
 * is final. A reader can therefore always tell a truncated file (libtracecmd
 * refuses one whose CPU data ends past the end of the file), and the output
 * may be any file descriptor. Which name the file gets, and when, is the
 * caller's business (record writes FILE.tmp and renames it when complete).
 *
 * kpt_tracedat_write_around() writes the same file into the file that already
 * holds one CPU's pages, so that they are not copied: the room for everything
 * before them is inserted at its start (fallocate() FALLOC_FL_INSERT_RANGE
 * moves extents, not data; ext4 and XFS can).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracedat/write.h"
#include "tracedat/format.h"

#define FILE_VERSION		"6"
#define OUT_BUFSIZE		(64 * 1024)
#define COPY_CHUNK		(1 << 30)	/* copy_file_range() at once */


/* A buffered sequential writer that remembers the first error; with fd -1 it only counts. */
struct out {
	int fd;
	bool big_endian;
	uint64_t pos;		/* file offset of the next byte */
	size_t len;		/* bytes in buf */
	int err;		/* errno of the first failure, or 0 */
	char *buf;
};

/**
 * kpt_tracedat_params_host - the parameters of the machine kptrace runs on
 * @params: filled in
 * @page_size: the ring buffer's page (sub-buffer) size
 */
void kpt_tracedat_params_host(struct kpt_tracedat_params *params, unsigned int page_size)
{
	const uint16_t probe = 1;

	params->big_endian = *(const uint8_t *)&probe == 0;
	params->long_size = sizeof(long);
	params->page_size = page_size;
}

static int write_all(int fd, const void *data, size_t size)
{
	const char *p = data;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		size -= n;
	}
	return 0;
}

static void out_flush(struct out *out)
{
	if (!out->err && out->len && out->fd >= 0 && write_all(out->fd, out->buf, out->len) < 0)
		out->err = errno;
	out->len = 0;
}

static void out_put(struct out *out, const void *data, size_t size)
{
	const char *p = data;

	out->pos += size;
	while (size && !out->err && out->fd >= 0) {
		size_t n = OUT_BUFSIZE - out->len;

		if (n > size)
			n = size;
		memcpy(out->buf + out->len, p, n);
		out->len += n;
		p += n;
		size -= n;
		if (out->len == OUT_BUFSIZE)
			out_flush(out);
	}
}

/* @bytes of @val, in the file's byte order. */
static void out_num(struct out *out, uint64_t val, int bytes)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < bytes; i++) {
		int shift = 8 * (out->big_endian ? bytes - 1 - i : i);

		b[i] = (uint8_t)(val >> shift);
	}
	out_put(out, b, bytes);
}

static void out_u16(struct out *out, uint16_t val)
{
	out_num(out, val, 2);
}

static void out_u32(struct out *out, uint32_t val)
{
	out_num(out, val, 4);
}

static void out_u64(struct out *out, uint64_t val)
{
	out_num(out, val, 8);
}

static void out_str(struct out *out, const char *str)
{
	out_put(out, str, strlen(str) + 1);
}

static void out_zeros(struct out *out, uint64_t size)
{
	static const char zeros[256];

	while (size) {
		size_t n = size < sizeof(zeros) ? size : sizeof(zeros);

		out_put(out, zeros, n);
		size -= n;
	}
}

/* A blob preceded by its size in @size_bytes (4 or 8). */
static void out_blob(struct out *out, const struct kpt_tracedat_blob *blob, int size_bytes)
{
	out_num(out, blob->size, size_bytes);
	out_put(out, blob->data, blob->size);
}

static void out_option(struct out *out, uint16_t id, const void *data, uint32_t size)
{
	out_u16(out, id);
	out_u32(out, size);
	out_put(out, data, size);
}

static void out_option_str(struct out *out, uint16_t id, const char *str)
{
	out_option(out, id, str, strlen(str) + 1);
}

/* Copy @size bytes of @fd from @offset: in the kernel when it can, else through buf. */
static void out_copy_fd(struct out *out, int fd, uint64_t offset, uint64_t size)
{
	off_t in_off = offset;
	bool in_kernel = true;

	out_flush(out);
	out->pos += size;
	while (size && !out->err) {
		size_t chunk = size < OUT_BUFSIZE ? size : OUT_BUFSIZE;
		ssize_t n;

		if (in_kernel) {
			chunk = size < COPY_CHUNK ? size : COPY_CHUNK;
			n = copy_file_range(fd, &in_off, out->fd, NULL, chunk, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				      errno == EOPNOTSUPP || errno == EBADF)) {
				in_kernel = false;
				continue;
			}
		} else {
			n = pread(fd, out->buf, chunk, in_off);
			if (n > 0 && write_all(out->fd, out->buf, n) < 0)
				n = -1;
			else if (n > 0)
				in_off += n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;	/* the CPU's file is shorter than its size */
		if (n <= 0) {
			out->err = errno;
			break;
		}
		size -= n;
	}
}

static uint64_t align_up(uint64_t val, uint64_t align)
{
	return (val + align - 1) & ~(align - 1);
}

/* The parameters and the pages; @cpus may be NULL (a head without pages). */
static bool valid_pages(const struct kpt_tracedat_params *params, const char *clock,
			const struct kpt_tracedat_cpu *cpus, int nr_cpus)
{
	unsigned int page_size = params->page_size;
	int cpu;

	if (params->long_size != 4 && params->long_size != 8)
		return false;
	if (page_size < 64 || (page_size & (page_size - 1)))
		return false;
	if (clock && strlen(clock) > 32)
		return false;
	if (nr_cpus < 1 || nr_cpus > KPT_TRACEDAT_MAX_CPUS)
		return false;
	for (cpu = 0; cpus && cpu < nr_cpus; cpu++) {
		if (cpus[cpu].size % page_size || (cpus[cpu].size && cpus[cpu].fd < 0))
			return false;
	}
	return true;
}

static bool valid(const struct kpt_tracedat_meta *meta, const struct kpt_tracedat_cpu *cpus,
		  int nr_cpus)
{
	return valid_pages(&meta->params, meta->clock, cpus, nr_cpus) &&
	       meta->kallsyms.size <= UINT32_MAX && meta->printk_formats.size <= UINT32_MAX;
}

static void write_headers(struct out *out, const struct kpt_tracedat_meta *meta)
{
	int i, j;

	out_put(out, KPT_TRACEDAT_MAGIC, KPT_TRACEDAT_MAGIC_LEN);
	out_str(out, FILE_VERSION);
	out_put(out, &(uint8_t){ meta->params.big_endian }, 1);
	out_put(out, &(uint8_t){ meta->params.long_size }, 1);
	out_u32(out, meta->params.page_size);

	out_str(out, "header_page");
	out_blob(out, &meta->header_page, 8);
	out_str(out, "header_event");
	out_blob(out, &meta->header_event, 8);

	out_u32(out, meta->nr_ftrace_formats);
	for (i = 0; i < meta->nr_ftrace_formats; i++)
		out_blob(out, &meta->ftrace_formats[i], 8);

	out_u32(out, meta->nr_systems);
	for (i = 0; i < meta->nr_systems; i++) {
		const struct kpt_tracedat_system *system = &meta->systems[i];

		out_str(out, system->name);
		out_u32(out, system->nr_formats);
		for (j = 0; j < system->nr_formats; j++)
			out_blob(out, &system->formats[j], 8);
	}

	out_blob(out, &meta->kallsyms, 4);
	out_blob(out, &meta->printk_formats, 4);
	out_blob(out, &meta->cmdlines, 8);
}

static int write_options(struct out *out, const struct kpt_tracedat_meta *meta,
			 const struct kpt_tracedat_cpu *cpus, int nr_cpus)
{
	uint8_t cpu_count[4];
	char *text;
	int cpu, i;

	out_put(out, "options  ", 10);
	for (cpu = 0; cpus && cpu < nr_cpus; cpu++) {
		const char *stats = cpus[cpu].stats ? cpus[cpu].stats : "";
		size_t len = strlen(stats);

		/* "CPU: N\n" + stats + NUL, as trace-cmd record stores it */
		text = malloc(len + 32);
		if (!text)
			return -1;
		snprintf(text, len + 32, "CPU: %d\n%s", cpu, stats);
		out_option_str(out, KPT_TRACEDAT_OPT_CPUSTAT, text);
		free(text);
	}
	if (meta->clock) {
		text = malloc(strlen(meta->clock) + 3);
		if (!text)
			return -1;
		sprintf(text, "[%s]", meta->clock);
		out_option_str(out, KPT_TRACEDAT_OPT_TRACECLOCK, text);
		free(text);
	}
	if (meta->uname)
		out_option_str(out, KPT_TRACEDAT_OPT_UNAME, meta->uname);
	if (meta->version)
		out_option_str(out, KPT_TRACEDAT_OPT_VERSION, meta->version);
	for (i = 0; i < 4; i++) {
		int shift = 8 * (meta->params.big_endian ? 3 - i : i);

		cpu_count[i] = (uint8_t)((uint32_t)nr_cpus >> shift);
	}
	out_option(out, KPT_TRACEDAT_OPT_CPUCOUNT, cpu_count, sizeof(cpu_count));
	out_u16(out, KPT_TRACEDAT_OPT_DONE);
	return 0;
}

/* "[clock]", as the table stores it; returns its length, 0 without a clock. */
static int clock_text(const char *trace_clock, char *text, size_t size)
{
	return trace_clock ? snprintf(text, size, "[%s]", trace_clock) : 0;
}

/*
 * Where each CPU's pages go when the "flyrecord" table starts at @pos: each
 * CPU's on a page boundary, after the one before. Returns the file's end.
 */
static uint64_t place_cpus(uint64_t pos, unsigned int page_size, const char *trace_clock,
			   const struct kpt_tracedat_cpu *cpus, int nr_cpus, uint64_t *offsets)
{
	char clock[64];
	int cpu, clock_len = clock_text(trace_clock, clock, sizeof(clock));
	uint64_t end = pos + 10 + 16 * (uint64_t)nr_cpus + (trace_clock ? 8 + clock_len : 0);

	for (cpu = 0; cpu < nr_cpus; cpu++) {
		offsets[cpu] = align_up(end, page_size);
		end = offsets[cpu] + cpus[cpu].size;
	}
	return end;
}

/*
 * "flyrecord", the table of where each CPU's pages are, the clock, then the
 * pages, each CPU's starting on a page boundary. The pages of CPU @in_place
 * (-1: none) are in the output already, where they go: they are skipped.
 */
static void write_flyrecord(struct out *out, unsigned int page_size, const char *trace_clock,
			    const struct kpt_tracedat_cpu *cpus, int nr_cpus, int in_place,
			    uint64_t *offsets)
{
	char clock[64];
	int cpu, clock_len = clock_text(trace_clock, clock, sizeof(clock));

	place_cpus(out->pos, page_size, trace_clock, cpus, nr_cpus, offsets);
	out_put(out, "flyrecord", 10);
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		out_u64(out, offsets[cpu]);
		out_u64(out, cpus[cpu].size);
	}
	if (trace_clock) {
		out_u64(out, clock_len);
		out_put(out, clock, clock_len);
	}
	for (cpu = 0; cpu < nr_cpus && !out->err; cpu++) {
		out_zeros(out, offsets[cpu] - out->pos);
		if (cpu == in_place) {
			out_flush(out);
			out->pos += cpus[cpu].size;
			if (lseek(out->fd, out->pos, SEEK_SET) < 0)
				out->err = errno;
		} else if (cpus[cpu].size) {
			out_copy_fd(out, cpus[cpu].fd, cpus[cpu].offset, cpus[cpu].size);
		}
	}
	out_flush(out);
}

/**
 * kpt_tracedat_write - write a complete trace.dat file
 * @fd: the output, positioned at its start (a file or a pipe)
 * @meta: the headers, formats, tables and the parameters of the traced machine
 * @cpus: each CPU's pages, @nr_cpus of them
 * @nr_cpus: the CPU count; CPUs that recorded nothing have size 0
 *
 * Returns 0, or -1 with errno set: EINVAL for inconsistent input (a long size
 * other than 4 or 8, a page size that is not a power of two, CPU data that is
 * not whole pages), or the error of the read or write that failed, e.g.
 * ENOSPC. After an error the output holds a partial file: remove it.
 */
int kpt_tracedat_write(int fd, const struct kpt_tracedat_meta *meta,
		       const struct kpt_tracedat_cpu *cpus, int nr_cpus)
{
	struct out out = { .fd = fd, .big_endian = meta->params.big_endian };
	uint64_t *offsets = NULL;
	int ret = -1;

	if (!valid(meta, cpus, nr_cpus)) {
		errno = EINVAL;
		return -1;
	}
	out.buf = malloc(OUT_BUFSIZE);
	offsets = calloc(nr_cpus, sizeof(*offsets));
	if (!out.buf || !offsets)
		goto out;
	write_headers(&out, meta);
	out_u32(&out, nr_cpus);
	if (write_options(&out, meta, cpus, nr_cpus) < 0)
		goto out;
	write_flyrecord(&out, meta->params.page_size, meta->clock, cpus, nr_cpus, -1, offsets);
	if (out.err) {
		errno = out.err;
		goto out;
	}
	ret = 0;
out:
	free(offsets);
	free(out.buf);
	return ret;
}

/* Where the pages of every CPU go in the file kpt_tracedat_write() writes; 0 or -1. */
static int place_pages(const struct kpt_tracedat_meta *meta, const struct kpt_tracedat_cpu *cpus,
		       int nr_cpus, uint64_t *offsets)
{
	struct out count = { .fd = -1, .big_endian = meta->params.big_endian };

	write_headers(&count, meta);
	out_u32(&count, nr_cpus);
	if (write_options(&count, meta, cpus, nr_cpus) < 0)
		return -1;
	place_cpus(count.pos, meta->params.page_size, meta->clock, cpus, nr_cpus, offsets);
	return 0;
}

/**
 * kpt_tracedat_pages_offset - where a CPU's pages start in the file kpt_tracedat_write() writes
 * @meta, @cpus, @nr_cpus: as for kpt_tracedat_write()
 * @cpu: the CPU
 *
 * Returns the offset, or -1 with errno set.
 */
int64_t kpt_tracedat_pages_offset(const struct kpt_tracedat_meta *meta,
				  const struct kpt_tracedat_cpu *cpus, int nr_cpus, int cpu)
{
	uint64_t *offsets;
	int64_t ret = -1;

	if (!valid(meta, cpus, nr_cpus) || cpu < 0 || cpu >= nr_cpus) {
		errno = EINVAL;
		return -1;
	}
	offsets = calloc(nr_cpus, sizeof(*offsets));
	if (offsets && place_pages(meta, cpus, nr_cpus, offsets) == 0)
		ret = offsets[cpu];
	free(offsets);
	return ret;
}

/**
 * kpt_tracedat_write_around - make the file holding one CPU's pages the trace.dat
 * @meta, @cpus, @nr_cpus: as for kpt_tracedat_write()
 * @cpu: the CPU whose file, cpus[@cpu].fd (open for reading and writing, its
 *       pages from offset 0 and nothing after them), becomes the trace.dat
 *
 * Writes what kpt_tracedat_write() writes, byte for byte, without copying
 * CPU @cpu's pages: room for what goes before them is inserted at the start
 * of the file, filled with the headers, the table and the pages of the CPUs
 * before @cpu, and the pages of the CPUs after it are appended. The file
 * offset is left at the file's end.
 *
 * Returns 0. Returns -1 with errno EOPNOTSUPP (or EINVAL) where the file
 * system cannot insert that room, or its block size does not divide where the
 * pages go: the file is then unchanged, and kpt_tracedat_write() can write
 * another. After any other error the file holds a partial trace.dat, its
 * pages at kpt_tracedat_pages_offset().
 */
int kpt_tracedat_write_around(const struct kpt_tracedat_meta *meta,
			      const struct kpt_tracedat_cpu *cpus, int nr_cpus, int cpu)
{
	struct out out = { .big_endian = meta->params.big_endian };
	uint64_t *offsets = NULL;
	struct stat st;
	int ret = -1;

	if (!valid(meta, cpus, nr_cpus) || cpu < 0 || cpu >= nr_cpus || !cpus[cpu].size ||
	    cpus[cpu].offset) {
		errno = EINVAL;
		return -1;
	}
	out.fd = cpus[cpu].fd;
	out.buf = malloc(OUT_BUFSIZE);
	offsets = calloc(nr_cpus, sizeof(*offsets));
	if (!out.buf || !offsets || place_pages(meta, cpus, nr_cpus, offsets) < 0 ||
	    fstat(out.fd, &st) < 0)
		goto out;
	if ((uint64_t)st.st_size != cpus[cpu].size) {
		errno = EINVAL;
		goto out;
	}
	if (st.st_blksize <= 0 || offsets[cpu] % st.st_blksize) {
		errno = EOPNOTSUPP;
		goto out;
	}
	if (fallocate(out.fd, FALLOC_FL_INSERT_RANGE, 0, offsets[cpu]) < 0)
		goto out;
	if (lseek(out.fd, 0, SEEK_SET) < 0) {
		out.err = errno;
	} else {
		write_headers(&out, meta);
		out_u32(&out, nr_cpus);
		if (write_options(&out, meta, cpus, nr_cpus) < 0)
			out.err = errno ? errno : ENOMEM;
		else
			write_flyrecord(&out, meta->params.page_size, meta->clock, cpus, nr_cpus,
					cpu, offsets);
	}
	/* Past the insert, every failure is a write's: never EOPNOTSUPP or EINVAL. */
	errno = out.err == EOPNOTSUPP || out.err == EINVAL ? EIO : out.err;
	ret = out.err ? -1 : 0;
out:
	free(offsets);
	free(out.buf);
	return ret;
}

/**
 * kpt_tracedat_write_head - write the start of a trace.dat file: all but the CPU data
 * @fd: the output, positioned at its start
 * @meta: the headers, formats, tables and the parameters of the traced machine
 * @nr_cpus: the CPU count
 *
 * Writes what kpt_tracedat_write() writes before "flyrecord", without the
 * per-CPU stats (which are known only at the end). kpt_tracedat_write_joined()
 * later completes a copy of it with the pages: record keeps it next to the
 * pages, so that a recording cut short can still be turned into a file.
 * Returns 0, or -1 with errno set (EINVAL for inconsistent input).
 */
int kpt_tracedat_write_head(int fd, const struct kpt_tracedat_meta *meta, int nr_cpus)
{
	struct out out = { .fd = fd, .big_endian = meta->params.big_endian };
	int ret = -1;

	if (!valid(meta, NULL, nr_cpus)) {
		errno = EINVAL;
		return -1;
	}
	out.buf = malloc(OUT_BUFSIZE);
	if (!out.buf)
		return -1;
	write_headers(&out, meta);
	out_u32(&out, nr_cpus);
	if (write_options(&out, meta, NULL, nr_cpus) < 0)
		goto out;
	out_flush(&out);
	if (out.err) {
		errno = out.err;
		goto out;
	}
	ret = 0;
out:
	free(out.buf);
	return ret;
}

/**
 * kpt_tracedat_write_joined - a complete trace.dat from a written head and the pages
 * @fd: the output, positioned at its start
 * @head_fd: a file written by kpt_tracedat_write_head(), read from offset 0
 * @head_size: its size in bytes
 * @params: the parameters the head was written with
 * @clock: the trace clock the head was written with, or NULL
 * @cpus: each CPU's pages, as many as the head's CPU count
 * @nr_cpus: that count
 *
 * Returns 0, or -1 with errno set, as kpt_tracedat_write().
 */
int kpt_tracedat_write_joined(int fd, int head_fd, uint64_t head_size,
			      const struct kpt_tracedat_params *params, const char *clock,
			      const struct kpt_tracedat_cpu *cpus, int nr_cpus)
{
	struct out out = { .fd = fd, .big_endian = params->big_endian };
	uint64_t *offsets = NULL;
	int ret = -1;

	if (!valid_pages(params, clock, cpus, nr_cpus) || !head_size) {
		errno = EINVAL;
		return -1;
	}
	out.buf = malloc(OUT_BUFSIZE);
	offsets = calloc(nr_cpus, sizeof(*offsets));
	if (!out.buf || !offsets)
		goto out;
	out_copy_fd(&out, head_fd, 0, head_size);
	write_flyrecord(&out, params->page_size, clock, cpus, nr_cpus, -1, offsets);
	if (out.err) {
		errno = out.err;
		goto out;
	}
	ret = 0;
out:
	free(offsets);
	free(out.buf);
	return ret;
}
