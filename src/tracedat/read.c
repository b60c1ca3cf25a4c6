// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Trace files (trace-cmd's trace.dat, versions 6 and 7).
 *
 * Version 6, in file order (numbers in the file's byte order):
 *   magic 17 08 44 "tracing", "6\0", endianness, long size, u32 page size,
 *   "header_page\0" u64 size + text, "header_event\0" u64 size + text,
 *   u32 count + (u64 size + format) ftrace events, u32 systems + per system
 *   "name\0" u32 count + (u64 size + format), u32 size + kallsyms, u32 size +
 *   printk formats, u64 size + saved cmdlines, u32 CPUs,
 *   "options  \0" + (u16 id, u32 size, data) up to a u16 0,
 *   "flyrecord\0" + per CPU (u64 offset, u64 size) ["latency  \0": text].
 *   An instance's buffer (option 3: u64 offset, "name\0") has at its offset
 *   "flyrecord\0" and its own table.
 * Version 7: the same start, then "compression\0" "version\0", u64 offset of
 *   the first options section. A section is u16 id, u16 flags (1: compressed),
 *   u32 description, u64 size, data. Options sections (id 0) hold options,
 *   the last of which (DONE) gives the next options section's offset; the
 *   metadata sections are found through options 16-21 (u64 offset each), and
 *   each buffer through option 3: u64 offset of its section, "name\0",
 *   "clock\0", u32 page size, u32 CPUs, per CPU (u32 cpu, u64 offset, u64
 *   size). Compressed CPU data is u32 chunks, then per chunk u32 compressed
 *   size, u32 size, the compressed bytes.
 *
 * The walk reads only headers and tables, so it is fast on any size of file.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>
#endif

#include "compat/compat.h"
#include "pipeline/merge.h"
#include "source/rbpage.h"
#include "tracedat/format.h"
#include "tracedat/parts.h"
#include "tracedat/read.h"
#include "util.h"

#define MIN_VERSION		6
#define MAX_VERSION		7
#define SECTION_HEADER_SIZE	16
#define SECTION_COMPRESSED	0x1
#define MAX_SECTIONS		4096		/* options sections followed: no loops */
#define MAX_OPTIONS_SIZE	(64 << 20)	/* a larger options section is corrupt */
#define MAX_SECTION_SIZE	(1ULL << 30)	/* nor a section decompressing to more */
#define READ_BYTES		(64 << 10)	/* uncompressed pages read at once per CPU */
#define MAX_PAGE_SIZE		(1 << 20)	/* a larger ring-buffer page is corrupt */
#define MAX_CHUNK_SIZE		(64 << 20)	/* a larger decompressed chunk is corrupt */
#define MAX_EVENT_ID		65535		/* the ring buffer's common_type is 16 bits */
#define MAX_CPUS		4096

static const char *const section_names[] = {
	[KPT_TRACEDAT_OPT_HEADER_INFO] = "headers", "ftrace event formats", "event formats",
	"kallsyms", "printk formats", "saved command lines",
};

struct cpu_range {
	int cpu;
	uint64_t offset;
	uint64_t size;
};

struct buffer {
	char *name;		/* "" for the top-level buffer */
	char *clock;
	unsigned int page_size;
	bool compressed;
	bool latency;		/* latency-format text, not pages */
	int nr_cpus;
	struct cpu_range *cpus;
	uint64_t table;		/* version 6 instances: offset of the CPU table */
};

/* One CPU of one buffer, a merge source of the streaming reader. */
struct cpu_reader {
	struct kpt_tracedat *file;
	int buffer;
	int cpu;
	uint64_t pos;		/* file offset of what to read next */
	uint64_t end;
	uint32_t chunks;	/* compressed: chunks left */
	char *data;		/* pages read, or the decompressed chunk */
	size_t capacity;
	size_t len;		/* bytes of pages in data */
	size_t page;		/* offset of the page loaded in kbuf; len: none */
	uint64_t done;		/* bytes of pages before those in data */
	struct kbuffer *kbuf;	/* pages in another byte order than the host's */
	struct kpt_rbpage pg;	/* pages in the host's: the cheaper walk */
	uint32_t commit_size;	/* of the page header, where pg is used; else 0 */
	bool loaded;
	int missed;		/* of the record returned last */
};

struct kpt_tracedat {
	char *path;
	int fd;
	uint64_t size;
	struct kpt_tracedat_header header;
	char *compression;
	char *clock;
	bool layout_known;	/* the walk understood where every buffer's data is */
	bool ts_adjusted;	/* options make libtracecmd change timestamps */
	bool cut_short;		/* recovered from a recording's parts */
	int nr_buffers;
	struct buffer *buffers;
	uint64_t meta[KPT_TRACEDAT_OPT_CMDLINES + 1];	/* where each metadata part starts */
	bool meta_compressed[KPT_TRACEDAT_OPT_CMDLINES + 1];
	bool meta_readable;	/* the walk found them all, and can decompress them */
	char *cpustats;		/* the CPUSTAT options' text, as libtracecmd joins it */
	size_t cpustats_len;
	struct tracecmd_input *handle;		/* opened only when its reader is used */
	struct tracecmd_input **handles;	/* per buffer, for libtracecmd's reader */
	struct tep_handle *tep;
	bool own_tep;		/* built here, not libtracecmd's */
	char *why_not_streamed;
	char *read_error;
	/* streaming */
	struct cpu_reader *readers;
	int nr_readers;
	char *zbuf;
	size_t zcapacity;
};

static uint64_t get_number(bool big_endian, const void *buf, int size)
{
	const unsigned char *p = buf;
	uint64_t val = 0;
	int i;

	for (i = 0; i < size; i++)
		val |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
	return val;
}

/**
 * kpt_tracedat_parse_header - check the start of a trace.dat file
 * @buf: the file's first bytes
 * @len: how many (at least 32 when the file has as many)
 * @header: filled in on success
 * @errmsg: on failure, a malloc'd message saying what is wrong (without the file name)
 *
 * Returns 0, or -1 if this is not a trace.dat file, or not a version
 * libtracecmd reads.
 */
int kpt_tracedat_parse_header(const void *buf, unsigned int len,
			       struct kpt_tracedat_header *header, char **errmsg)
{
	const char *p = buf, *version = p + KPT_TRACEDAT_MAGIC_LEN, *nul;
	char *end;
	long ver;

	*errmsg = NULL;
	memset(header, 0, sizeof(*header));
	if (len < KPT_TRACEDAT_MAGIC_LEN || memcmp(p, KPT_TRACEDAT_MAGIC, KPT_TRACEDAT_MAGIC_LEN)) {
		bool partial = len < KPT_TRACEDAT_MAGIC_LEN &&
			       memcmp(p, KPT_TRACEDAT_MAGIC, len) == 0;

		*errmsg = strdup(partial ? "it ends inside the trace.dat magic" :
				 "not a trace.dat file: it does not start with trace-cmd's magic "
				 "bytes (17 08 44 \"tracing\")");
		return -1;
	}
	nul = memchr(version, '\0', len - KPT_TRACEDAT_MAGIC_LEN);
	if (!nul) {
		*errmsg = strdup("truncated or corrupt: no file version after the magic");
		return -1;
	}
	errno = 0;
	ver = strtol(version, &end, 10);
	if (end != nul || end == version || errno) {
		*errmsg = kpt_asprintf("corrupt file version '%.*s' (a number is expected)",
				       (int)(nul - version < 16 ? nul - version : 16), version);
		return -1;
	}
	if (ver < MIN_VERSION || ver > MAX_VERSION) {
		*errmsg = kpt_asprintf("trace.dat version %ld is not supported: libtracecmd "
				       "reads versions %d and %d", ver, MIN_VERSION, MAX_VERSION);
		return -1;
	}
	if (nul + 1 + 6 > p + len) {
		*errmsg = strdup("truncated inside its header");
		return -1;
	}
	header->version = ver;
	header->big_endian = nul[1];
	header->long_size = (unsigned char)nul[2];
	header->page_size = get_number(header->big_endian, nul + 3, 4);
	header->length = nul + 7 - p;
	if (nul[1] > 1 || (header->long_size != 4 && header->long_size != 8) ||
	    header->page_size < 512 || header->page_size > MAX_PAGE_SIZE ||
	    (header->page_size & (header->page_size - 1))) {
		*errmsg = kpt_asprintf("corrupt header: endianness %d, long size %d, page size %u",
				       nul[1], header->long_size, header->page_size);
		return -1;
	}
	return 0;
}

static size_t (*zstd_decompress)(void *dst, size_t capacity, const void *src, size_t size);
static unsigned int (*zstd_is_error)(size_t code);

/* libzstd is libtracecmd's dependency, so it is there; find its two functions. */
static bool have_zstd(void)
{
	void *lib;

	if (zstd_decompress)
		return true;
	lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return false;
	zstd_decompress = (size_t (*)(void *, size_t, const void *, size_t))
			  dlsym(lib, "ZSTD_decompress");
	zstd_is_error = (unsigned int (*)(size_t))dlsym(lib, "ZSTD_isError");
	if (!zstd_decompress || !zstd_is_error) {
		zstd_decompress = NULL;
		return false;
	}
	return true;
}

/*
 * The layout walk: positioned reads that turn a short read into an error
 * saying where the file ends and what needed the missing bytes.
 */
struct walk {
	struct kpt_tracedat *file;
	uint64_t pos;
	char *errmsg;
	const char *mem;	/* a decompressed section, where pos is; NULL: the file */
	uint64_t mem_size;
};

/* How far the walk may read: the section in memory, or the file. */
static uint64_t walk_end(const struct walk *w)
{
	return w->mem ? w->mem_size : w->file->size;
}

static int walk_fail(struct walk *w, char *msg)
{
	if (!w->errmsg)
		w->errmsg = msg;
	else
		free(msg);
	return -1;
}

/* Percent of @part in @whole, rounded down so that anything short of all is below 100. */
static double percent(uint64_t part, uint64_t whole)
{
	return whole ? (double)(uint64_t)(1000.0 * part / whole) / 10 : 0;
}

static int truncated(struct walk *w, const char *what, uint64_t needed)
{
	if (w->mem)
		return walk_fail(w, kpt_asprintf("corrupt: its compressed %s section ends after "
						 "%" PRIu64 " bytes, inside its data", what,
						 w->mem_size));
	return walk_fail(w, kpt_asprintf("truncated: the file has %" PRIu64 " bytes, but it needs "
					 "%" PRIu64 " bytes for its %s (%.1f%% present)",
					 w->file->size, needed, what,
					 percent(w->file->size, needed)));
}

static int walk_read(struct walk *w, void *buf, uint64_t len, const char *what)
{
	ssize_t n;

	if (w->pos + len > walk_end(w) || w->pos + len < w->pos)
		return truncated(w, what, w->pos + len);
	if (w->mem) {
		memcpy(buf, w->mem + w->pos, len);
		w->pos += len;
		return 0;
	}
	n = pread(w->file->fd, buf, len, w->pos);
	if (n < 0 || (uint64_t)n != len)
		return walk_fail(w, kpt_asprintf("cannot read %" PRIu64 " bytes at offset %"
						 PRIu64 ": %s", len, w->pos,
						 n < 0 ? strerror(errno) : "short read"));
	w->pos += len;
	return 0;
}

static int walk_skip(struct walk *w, uint64_t len, const char *what)
{
	if (w->pos + len > walk_end(w) || w->pos + len < w->pos)
		return truncated(w, what, w->pos + len);
	w->pos += len;
	return 0;
}

static int walk_number(struct walk *w, int size, uint64_t *val, const char *what)
{
	unsigned char buf[8];

	if (walk_read(w, buf, size, what) < 0)
		return -1;
	*val = get_number(w->file->header.big_endian, buf, size);
	return 0;
}

/* A NUL-terminated string of at most 4 KiB; malloc'd. */
static char *walk_string(struct walk *w, const char *what)
{
	char buf[4096];
	uint64_t avail = walk_end(w) > w->pos ? walk_end(w) - w->pos : 0;
	size_t len = avail < sizeof(buf) ? avail : sizeof(buf);
	ssize_t n = w->mem ? (ssize_t)len : pread(w->file->fd, buf, len, w->pos);
	char *nul;

	if (w->mem)
		memcpy(buf, w->mem + w->pos, len);
	nul = n > 0 ? memchr(buf, '\0', n) : NULL;
	if (!nul) {
		if (len < sizeof(buf))
			truncated(w, what, walk_end(w) + 1);
		else
			walk_fail(w, kpt_asprintf("corrupt %s at offset %" PRIu64 ": no end of "
						  "string", what, w->pos));
		return NULL;
	}
	w->pos += nul - buf + 1;
	return strdup(buf);
}

/*
 * A compressed section's data at the walk's position, decompressed: u32
 * compressed size, u32 size, the compressed bytes (zstd only; libtracecmd
 * reads the other kinds). Returns the malloc'd data, or NULL.
 */
static char *walk_zblock(struct walk *w, uint64_t *len, const char *what)
{
	uint64_t zsize, size;
	char *zdata, *data;
	size_t got;

	if (walk_number(w, 4, &zsize, what) || walk_number(w, 4, &size, what))
		return NULL;
	if (size > MAX_SECTION_SIZE) {
		walk_fail(w, kpt_asprintf("corrupt: its %s section would decompress to %" PRIu64
					  " bytes", what, size));
		return NULL;
	}
	if (zsize > walk_end(w) - w->pos) {
		truncated(w, what, w->pos + zsize);
		return NULL;
	}
	zdata = malloc(zsize ? zsize : 1);
	data = malloc(size + 1);
	if (!zdata || !data || walk_read(w, zdata, zsize, what) < 0)
		goto fail;
	got = zstd_decompress(data, size, zdata, zsize);
	if (zstd_is_error(got) || got != size) {
		walk_fail(w, kpt_asprintf("corrupt: its compressed %s section does not "
					  "decompress", what));
		goto fail;
	}
	free(zdata);
	data[size] = '\0';
	*len = size;
	return data;
fail:
	free(zdata);
	free(data);
	return NULL;
}

/* Can kptrace decompress the file's sections itself? */
static bool can_decompress(const struct kpt_tracedat *file)
{
	return file->compression && strcmp(file->compression, "zstd") == 0 && have_zstd();
}

static int walk_expect(struct walk *w, const char *text, size_t len, const char *what)
{
	char buf[16];

	if (walk_read(w, buf, len, what) < 0)
		return -1;
	if (memcmp(buf, text, len))
		return walk_fail(w, kpt_asprintf("corrupt: \"%s\" expected at offset %" PRIu64
						 " for its %s", text, w->pos - len, what));
	return 0;
}

static struct buffer *add_buffer(struct kpt_tracedat *file, const char *name)
{
	struct buffer *buffers = realloc(file->buffers, (file->nr_buffers + 1) * sizeof(*buffers));
	struct buffer *buffer;

	if (!buffers)
		return NULL;
	file->buffers = buffers;
	buffer = &buffers[file->nr_buffers];
	memset(buffer, 0, sizeof(*buffer));
	buffer->name = strdup(name);
	buffer->page_size = file->header.page_size;
	if (!buffer->name)
		return NULL;
	file->nr_buffers++;
	return buffer;
}

/* A CPU's offset and size that add up past 2^64: no file can hold it. */
static int cpu_wraps(struct walk *w, const struct cpu_range *cpu)
{
	return walk_fail(w, kpt_asprintf("corrupt: the data of CPU %d is said to be %" PRIu64
					 " bytes at offset %" PRIu64 ", past any file's end",
					 cpu->cpu, cpu->size, cpu->offset));
}

/* Every CPU's data must lie inside the file; say how much of it does if not. */
static int check_data(struct walk *w)
{
	struct kpt_tracedat *file = w->file;
	uint64_t want = 0, have = 0, end = 0;
	const struct buffer *last_buffer = NULL;
	const struct cpu_range *last = NULL;
	const char *name;
	int i, j;

	for (i = 0; i < file->nr_buffers; i++) {
		for (j = 0; j < file->buffers[i].nr_cpus; j++) {
			const struct cpu_range *cpu = &file->buffers[i].cpus[j];
			uint64_t cpu_end = cpu->offset + cpu->size;

			if (!cpu->size)
				continue;
			if (cpu_end < cpu->offset)
				return cpu_wraps(w, cpu);
			want = want + cpu->size < want ? UINT64_MAX : want + cpu->size;
			if (cpu->offset < file->size)
				have += cpu->size <= file->size - cpu->offset ? cpu->size :
					file->size - cpu->offset;
			if (cpu_end > end) {
				end = cpu_end;
				last = cpu;
				last_buffer = &file->buffers[i];
			}
		}
	}
	if (end <= file->size)
		return 0;
	name = last_buffer->name;
	return walk_fail(w, kpt_asprintf("truncated: the file has %" PRIu64 " bytes, but the "
					 "data of CPU %d%s%s%s ends at byte %" PRIu64 "; %" PRIu64
					 " of %" PRIu64 " bytes of trace data (%.1f%%) are present",
					 file->size, last->cpu, *name ? " (buffer " : "", name,
					 *name ? ")" : "", end, have, want, percent(have, want)));
}

/* A v6 "flyrecord\0" table of @nr_cpus (offset, size) pairs, at the walk's position. */
static int walk_cpu_table(struct walk *w, struct buffer *buffer, int nr_cpus)
{
	int cpu;

	if (walk_expect(w, "flyrecord", 10, "CPU data table"))
		return -1;
	buffer->cpus = calloc(nr_cpus ? nr_cpus : 1, sizeof(*buffer->cpus));
	if (!buffer->cpus)
		return -1;
	buffer->nr_cpus = nr_cpus;
	for (cpu = 0; cpu < nr_cpus; cpu++) {
		buffer->cpus[cpu].cpu = cpu;
		if (walk_number(w, 8, &buffer->cpus[cpu].offset, "CPU data table") < 0 ||
		    walk_number(w, 8, &buffer->cpus[cpu].size, "CPU data table") < 0)
			return -1;
	}
	return 0;
}

/* A CPUSTAT option: its text, its last byte made a newline, appended as libtracecmd does. */
static int add_cpustats(struct kpt_tracedat *file, const char *data, uint64_t len)
{
	char *stats;

	if (!len)
		return 0;
	stats = realloc(file->cpustats, file->cpustats_len + len + 1);
	if (!stats)
		return -1;
	memcpy(stats + file->cpustats_len, data, len);
	file->cpustats_len += len;
	stats[file->cpustats_len - 1] = '\n';
	stats[file->cpustats_len] = '\0';
	file->cpustats = stats;
	return 0;
}

static bool adjusts_timestamps(unsigned int id)
{
	return id == KPT_TRACEDAT_OPT_DATE || id == KPT_TRACEDAT_OPT_OFFSET ||
	       id == KPT_TRACEDAT_OPT_TIME_SHIFT || id == KPT_TRACEDAT_OPT_TSC2NSEC;
}

/* "[mono] local global": the bracketed one. */
static char *clock_from_option(const char *text, size_t len)
{
	const char *open = memchr(text, '[', len), *close;

	if (!open)
		return NULL;
	close = memchr(open, ']', text + len - open);
	return close ? strndup(open + 1, close - open - 1) : NULL;
}

/*
 * Validation. libtracecmd, libtraceevent and kbuffer trust what a file says:
 * sizes, offsets, counts, terminators, the commit word of every page. A trace
 * file from another machine is untrusted input, so what they would read is
 * checked first by the validate_* functions below (the layout walk checks the
 * sizes and offsets as it goes, the page readers each page), and a file that
 * fails gets an error saying what is wrong instead of reaching the libraries.
 */

/*
 * Option 12, a guest's time sync: u64 trace id, u32 flags, u32 CPUs, per CPU
 * a u32 count and three arrays of as many u64s, then optionally one more such
 * array per CPU. libtracecmd allocates what the counts say.
 */
static bool valid_time_shift(bool be, const char *data, uint64_t len)
{
	uint64_t pos = 16, cpus, count, i, *counts;
	bool ok = true;

	if (len < 16)
		return true;	/* shorter ones libtracecmd ignores */
	cpus = get_number(be, data + 12, 4);
	if (cpus > MAX_CPUS)
		return false;
	counts = calloc(cpus ? cpus : 1, sizeof(*counts));
	if (!counts)
		return false;
	for (i = 0; ok && i < cpus; i++) {
		ok = len - pos >= 4;
		if (ok) {
			count = counts[i] = get_number(be, data + pos, 4);
			pos += 4;
			ok = count <= (len - pos) / 24;
			if (ok)
				pos += count * 24;
		}
	}
	for (i = 0; ok && pos < len && i < cpus; i++) {
		ok = counts[i] <= (len - pos) / 8;
		if (ok)
			pos += counts[i] * 8;
	}
	free(counts);
	return ok;
}

/* Option 13, a guest: "name\0", u64 trace id, u32 CPUs, per CPU u32 cpu and u32 pid. */
static bool valid_guest(bool be, const char *data, uint64_t len)
{
	const char *nul = memchr(data, '\0', len);
	uint64_t pos, cpus, i;

	if (!nul)
		return false;
	pos = nul - data + 1;
	if (len - pos < 12)
		return false;
	cpus = get_number(be, data + pos + 8, 4);
	pos += 12;
	if (cpus > MAX_CPUS || cpus > (len - pos) / 8)
		return false;
	for (i = 0; i < cpus; i++, pos += 8) {
		if (get_number(be, data + pos, 4) >= cpus)
			return false;
	}
	return true;
}

/* Option 10, a process's maps: "PID COUNT NAME" then COUNT lines; text. */
static bool valid_procmaps(const char *data, uint64_t len)
{
	unsigned int pid, count, lines = 0;
	const char *p;

	if (!len || data[len - 1] != '\0')
		return false;
	for (p = data; (p = strchr(p, '\n')); p++)
		lines++;
	return sscanf(data, "%x %x", &pid, &count) == 2 && count < lines;
}

/* Option 6, an event hook: libtracecmd's own parser must take it. */
static bool valid_hook(const char *data, uint64_t len)
{
#ifdef HAVE_LIBTRACECMD
	return len && memchr(data, '\0', len) && kpt_compat_tracecmd_hook_valid(data);
#else
	return true;	/* nothing here parses it */
#endif
}

/*
 * The options libtracecmd parses when it opens a file, each checked as the
 * walk reads it: strings must end, sizes and counts fit their data. Only the
 * @len bytes of @data are read.
 */
static int validate_option(struct walk *w, unsigned int id, const char *data, uint64_t len)
{
	bool be = w->file->header.big_endian, ok = true;
	const char *open;

	switch (id) {
	case KPT_TRACEDAT_OPT_DATE:
	case KPT_TRACEDAT_OPT_CPUSTAT:
	case KPT_TRACEDAT_OPT_TRACECLOCK:
	case KPT_TRACEDAT_OPT_UNAME:
	case KPT_TRACEDAT_OPT_OFFSET:
	case KPT_TRACEDAT_OPT_VERSION:
		if (!len || !memchr(data, '\0', len))
			return walk_fail(w, kpt_asprintf("corrupt option %u: its text of %" PRIu64
							 " bytes has no end", id, len));
		/* "[mono] local global": the clock in use is in brackets */
		open = strchr(data, '[');
		if (id == KPT_TRACEDAT_OPT_TRACECLOCK && (!open || !strchr(open, ']')))
			return walk_fail(w, strdup("corrupt option 4: the trace clock has no "
						   "'[CLOCK]' value"));
		break;
	case KPT_TRACEDAT_OPT_BUFFER:
		ok = len >= 9 && memchr(data + 8, '\0', len - 8);
		break;
	case KPT_TRACEDAT_OPT_CPUCOUNT:
		ok = len >= 4 && get_number(be, data, 4) <= MAX_CPUS;
		break;
	case KPT_TRACEDAT_OPT_HOOK:
		ok = valid_hook(data, len);
		break;
	case KPT_TRACEDAT_OPT_PROCMAPS:
		ok = valid_procmaps(data, len);
		break;
	case KPT_TRACEDAT_OPT_TIME_SHIFT:
		ok = valid_time_shift(be, data, len);
		break;
	case KPT_TRACEDAT_OPT_GUEST:
		ok = valid_guest(be, data, len);
		break;
	}
	if (!ok)
		return walk_fail(w, kpt_asprintf("corrupt option %u (%" PRIu64 " bytes): its "
						 "sizes or counts do not fit its data", id, len));
	return 0;
}

/*
 * Version 6: after the CPU table of a file with a trace clock option, u64 size
 * and the clock file's text, which libtracecmd allocates and parses for its
 * "[CLOCK]".
 */
static int validate_v6_clock(struct walk *w)
{
	char text[4097], *open;
	uint64_t size;

	if (walk_number(w, 8, &size, "trace clock"))
		return -1;
	if (size > sizeof(text) - 1)
		return walk_fail(w, kpt_asprintf("corrupt trace clock: %" PRIu64 " bytes", size));
	if (walk_read(w, text, size, "trace clock"))
		return -1;
	text[size] = '\0';
	open = strchr(text, '[');
	if (!open || !strchr(open, ']'))
		return walk_fail(w, strdup("corrupt trace clock: no '[CLOCK]' in it"));
	return 0;
}

/* A decimal number ending in ';' at *@p; moves *@p past it. */
static bool skip_number(const char **p, const char *end)
{
	const char *q = *p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	if (q == *p || q - *p > 9 || q == end || *q != ';')
		return false;
	*p = q + 1;
	return true;
}

/*
 * One field line, as the kernel prints it and libtraceevent parses it:
 * "\tfield:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;" (the header page has a
 * blank after "field:"), printable, with a blank between type and name; a
 * field without its name is a NULL that libtraceevent compares later.
 */
static bool valid_field_line(const char *line, const char *eol)
{
	static const char *const keys[] = { "\toffset:", "\tsize:", "\tsigned:" };
	const char *semi = memchr(line, ';', eol - line), *p, *decl;
	bool blank = false;
	size_t i;

	if (eol - line < 8 || memcmp(line, "\tfield:", 7) || !semi)
		return false;
	for (decl = line + 7; decl < semi && *decl == ' '; decl++)
		;
	for (p = decl; p < semi; p++) {
		if (*p < 0x20 || *p > 0x7e)
			return false;
		if (*p == ' ' && p + 1 < semi && p[1] != ' ')
			blank = true;
	}
	if (!blank)
		return false;
	for (p = semi + 1, i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t klen = strlen(keys[i]);

		if ((size_t)(eol - p) < klen || memcmp(p, keys[i], klen))
			return false;
		p += klen;
		if (!skip_number(&p, eol))
			return false;
	}
	return p == eol;
}

/* The header page: field lines only. Returns NULL, or what is wrong. */
static const char *validate_header_page(const char *text, uint64_t len)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *eol = memchr(line, '\n', end - line);

		if (!eol)
			eol = end;
		if (eol > line && !valid_field_line(line, eol))
			return "its ring-buffer page header is not lines of 'field: TYPE NAME; "
			       "offset:N; size:N; signed:N;'";
		line = eol + 1;
	}
	return NULL;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/*
 * Whether the operand left of the '/' or '%' at @op may be a constant: a word
 * that is not a field (REC->NAME), or something in parentheses.
 */
static bool constant_left(const char *start, const char *op)
{
	const char *p = op;

	while (p > start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (p > start && p[-1] == ')')
		return true;
	if (p == start || !word_char(p[-1]))
		return false;
	while (p > start && word_char(p[-1]))
		p--;
	return !(p - start >= 2 && p[-2] == '-' && p[-1] == '>');
}

/*
 * Whether the operand right of the '/' or '%' at @op is a word (in parentheses
 * or not) that libtraceevent reads as the number 0: "0", "0x0" or a name.
 */
static bool zero_right(const char *op, const char *end)
{
	const char *p = op + 1, *word;
	char buf[32];
	size_t len;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '('))
		p++;
	for (word = p; p < end && word_char(*p); p++)
		;
	if (p == word)
		return false;
	len = p - word < (ptrdiff_t)sizeof(buf) ? (size_t)(p - word) : sizeof(buf) - 1;
	memcpy(buf, word, len);
	buf[len] = '\0';
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '(' || (*p == '-' && p + 1 < end && p[1] == '>')))
		return false;	/* a function call or REC->field: evaluated per event */
	return strtoll(buf, NULL, 0) == 0;
}

/*
 * The print fmt's arguments: libtraceevent (1.7) evaluates a division or
 * remainder of constants while it parses the format, and a divisor of 0 (a
 * number, or a name, which it reads as 0) is a SIGFPE in kptrace and in
 * libtracecmd. The kernel never writes one. Strings are skipped.
 */
static bool print_fmt_divides_by_zero(const char *text, const char *end)
{
	const char *p = memmem(text, end - text, "\nprint fmt:", 11), *args;

	if (!p)
		return false;
	for (args = p += 11; p < end; p++) {
		if (*p == '"' || *p == '\'') {
			char quote = *p;

			for (p++; p < end && *p != quote; p++) {
				if (*p == '\\')
					p++;
			}
			continue;
		}
		if ((*p == '/' || *p == '%') && constant_left(args, p) && zero_right(p, end))
			return true;
	}
	return false;
}

/*
 * One event format, as libtraceevent parses it: "name: NAME" first, an
 * "ID: N" that fits the ring buffer's 16-bit event type, and whole field
 * lines. Returns NULL, or what is wrong.
 */
static const char *validate_format(const char *text, uint64_t len)
{
	const char *id, *end = text + len, *line, *eol;
	unsigned long val = 0;
	int digits = 0;

	if (len < 7 || memcmp(text, "name: ", 6) || text[6] == '\n' || text[6] == '\0')
		return "an event format does not start with its name";
	id = memmem(text, len, "\nID: ", 5);
	if (!id)
		return "an event format has no ID";
	for (id += 5; id < end && *id >= '0' && *id <= '9' && val <= MAX_EVENT_ID; id++, digits++)
		val = val * 10 + (*id - '0');
	if (!digits || val > MAX_EVENT_ID)
		return "an event format has an ID that is not a number up to 65535";
	for (line = text; line < end; line = eol + 1) {
		eol = memchr(line, '\n', end - line);
		if (!eol)
			eol = end;
		if (eol - line >= 6 && !memcmp(line, "\tfield", 6) && !valid_field_line(line, eol))
			return "an event format has a field that is not 'field:TYPE NAME; "
			       "offset:N; size:N; signed:N;'";
	}
	if (print_fmt_divides_by_zero(text, end))
		return "an event format's print fmt divides by a constant 0";
	return NULL;
}

/*
 * printk formats, one "ADDRESS : FORMAT" a line: libtraceevent splits a line
 * at its first ':', skips one blank and strips the format's quotes and "\n"
 * without looking at the length, so a line must have the ':' and at least
 * four bytes after it. Returns NULL, or what is wrong.
 */
static const char *validate_printk(const char *text, uint64_t len)
{
	const char *line = text, *end = text + len, *nul = memchr(text, '\0', len);

	if (nul)
		end = nul;
	while (line < end) {
		const char *eol = memchr(line, '\n', end - line), *colon;

		if (!eol)
			eol = end;
		colon = memchr(line, ':', eol - line);
		if (eol > line && (!colon || colon == line || eol - colon - 1 < 4))
			return "a printk format line is not 'ADDRESS : FORMAT'";
		line = eol + 1;
	}
	return NULL;
}

/*
 * The event parser built (here or by libtracecmd): its page header gives the
 * commit word's size that kbuffer, libtracecmd and the page checks use, and
 * the 8-byte timestamp every reader assumes (libtracecmd fails to open a file
 * without it); event ids index tables (kptrace's and the libraries'), so they
 * are 16 bits as the ring buffer's.
 */
static int validate_tep(struct kpt_tracedat *file, char **errmsg)
{
	int i, n = tep_get_events_count(file->tep), commit = tep_get_header_page_size(file->tep);
	int ts = tep_get_header_timestamp_size(file->tep);

	if ((commit != 4 && commit != 8) || tep_is_old_format(file->tep)) {
		*errmsg = kpt_asprintf("corrupt headers: its ring-buffer page header gives a "
				       "commit field of %d bytes, not 4 or 8", commit);
		return -1;
	}
	if (ts != 8) {
		*errmsg = kpt_asprintf("corrupt headers: its ring-buffer page header gives a "
				       "timestamp of %d bytes, not 8", ts);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct tep_event *event = tep_get_event(file->tep, i);

		if (event->id < 0 || event->id > MAX_EVENT_ID) {
			*errmsg = kpt_asprintf("corrupt event formats: event %s:%s has the id %d "
					       "(at most %d)", event->system ? event->system : "?",
					       event->name ? event->name : "?", event->id,
					       MAX_EVENT_ID);
			return -1;
		}
	}
	return 0;
}

static int walk_v6(struct walk *w)
{
	struct kpt_tracedat *file = w->file;
	uint64_t count, size, nr_cpus, i, j;
	struct buffer *top;
	char tag[10], *name;
	bool clock_option = false;
	int ret = -1;

	w->pos = file->header.length;
	file->meta[KPT_TRACEDAT_OPT_HEADER_INFO] = w->pos;
	if (walk_expect(w, "header_page", 12, "header page") ||
	    walk_number(w, 8, &size, "header page") || walk_skip(w, size, "header page") ||
	    walk_expect(w, "header_event", 13, "header event") ||
	    walk_number(w, 8, &size, "header event") || walk_skip(w, size, "header event"))
		return -1;
	file->meta[KPT_TRACEDAT_OPT_FTRACE_EVENTS] = w->pos;
	if (walk_number(w, 4, &count, "ftrace event formats"))
		return -1;
	for (i = 0; i < count; i++) {
		if (walk_number(w, 8, &size, "ftrace event formats") ||
		    walk_skip(w, size, "ftrace event formats"))
			return -1;
	}
	file->meta[KPT_TRACEDAT_OPT_EVENT_FORMATS] = w->pos;
	if (walk_number(w, 4, &count, "event formats"))
		return -1;
	for (i = 0; i < count; i++) {
		uint64_t events;

		name = walk_string(w, "event formats");
		if (!name)
			return -1;
		free(name);
		if (walk_number(w, 4, &events, "event formats"))
			return -1;
		for (j = 0; j < events; j++) {
			if (walk_number(w, 8, &size, "event formats") ||
			    walk_skip(w, size, "event formats"))
				return -1;
		}
	}
	file->meta[KPT_TRACEDAT_OPT_KALLSYMS] = w->pos;
	if (walk_number(w, 4, &size, "kallsyms") || walk_skip(w, size, "kallsyms"))
		return -1;
	file->meta[KPT_TRACEDAT_OPT_PRINTK] = w->pos;
	if (walk_number(w, 4, &size, "printk formats") || walk_skip(w, size, "printk formats"))
		return -1;
	file->meta[KPT_TRACEDAT_OPT_CMDLINES] = w->pos;
	if (walk_number(w, 8, &size, "saved command lines") ||
	    walk_skip(w, size, "saved command lines") ||
	    walk_number(w, 4, &nr_cpus, "CPU count"))
		return -1;
	/* libtracecmd allocates for the larger of this and the CPU count option */
	if (nr_cpus > MAX_CPUS)
		return walk_fail(w, kpt_asprintf("corrupt: %" PRIu64 " CPUs", nr_cpus));
	file->meta_readable = true;
	top = add_buffer(file, "");
	if (!top || walk_read(w, tag, 10, "options"))
		return -1;
	if (memcmp(tag, "options  ", 10) == 0) {
		for (;;) {
			uint64_t id, len;
			char *data;

			if (walk_number(w, 2, &id, "options"))
				return -1;
			if (id == KPT_TRACEDAT_OPT_DONE)
				break;
			if (walk_number(w, 4, &len, "options"))
				return -1;
			/* the size is checked before it is allocated */
			if (len > file->size - w->pos)
				return truncated(w, "options", w->pos + len);
			data = malloc(len + 1);
			if (!data || walk_read(w, data, len, "options")) {
				free(data);
				return -1;
			}
			data[len] = '\0';
			if (validate_option(w, id, data, len) < 0) {
				free(data);
				return -1;
			}
			if (id == KPT_TRACEDAT_OPT_TRACECLOCK)
				clock_option = true;
			if (adjusts_timestamps(id))
				file->ts_adjusted = true;
			if (id == KPT_TRACEDAT_OPT_VERSION && strstr(data, KPT_TRACEDAT_CUT_SHORT))
				file->cut_short = true;
			if (id == KPT_TRACEDAT_OPT_CPUSTAT && add_cpustats(file, data, len) < 0) {
				free(data);
				return -1;
			}
			if (id == KPT_TRACEDAT_OPT_CPUCOUNT && len >= 4)
				nr_cpus = get_number(file->header.big_endian, data, 4);
			if (id == KPT_TRACEDAT_OPT_TRACECLOCK && !file->clock)
				file->clock = clock_from_option(data, len);
			if (id == KPT_TRACEDAT_OPT_BUFFER && len > 8) {
				struct buffer *buffer = add_buffer(file, data + 8);

				if (!buffer) {
					free(data);
					return -1;
				}
				/* its table is read below, after the top-level one */
				buffer->table = get_number(file->header.big_endian, data, 8);
			}
			free(data);
		}
		if (walk_read(w, tag, 10, "CPU data table"))
			return -1;
	}
	if (nr_cpus > MAX_CPUS)
		return walk_fail(w, kpt_asprintf("corrupt: %" PRIu64 " CPUs", nr_cpus));
	if (memcmp(tag, "latency  ", 10) == 0) {
		file->buffers[0].latency = true;
		ret = 0;
	} else {
		w->pos -= 10;
		ret = walk_cpu_table(w, &file->buffers[0], nr_cpus);
		if (ret == 0 && clock_option)
			ret = validate_v6_clock(w);
	}
	/* The instances' tables, whose offsets the options gave. */
	for (i = 1; ret == 0 && i < (uint64_t)file->nr_buffers; i++) {
		struct buffer *buffer = &file->buffers[i];

		w->pos = buffer->table;
		ret = walk_cpu_table(w, buffer, nr_cpus);
	}
	for (i = 0; i < (uint64_t)file->nr_buffers; i++) {
		if (!file->buffers[i].clock && file->clock)
			file->buffers[i].clock = strdup(file->clock);
	}
	return ret;
}

/* A v7 metadata section: check it, and note where its data starts. */
static int check_section(struct walk *w, uint64_t offset, unsigned int id, const char *what)
{
	uint64_t sid, flags, size;

	w->pos = offset;
	if (walk_number(w, 2, &sid, what) || walk_number(w, 2, &flags, what) ||
	    walk_skip(w, 4, what) || walk_number(w, 8, &size, what))
		return -1;
	if (sid != id)
		return walk_fail(w, kpt_asprintf("corrupt: the %s section at offset %" PRIu64
						 " has id %" PRIu64 ", not %u", what, offset, sid,
						 id));
	if ((flags & ~SECTION_COMPRESSED) ||
	    ((flags & SECTION_COMPRESSED) && !strcmp(w->file->compression, "none")))
		return walk_fail(w, kpt_asprintf("corrupt: the %s section at offset %" PRIu64
						 " has flags %#" PRIx64, what, offset, flags));
	w->file->meta[id] = w->pos;
	if (flags & SECTION_COMPRESSED) {
		w->file->meta_compressed[id] = true;
		if (!can_decompress(w->file))
			w->file->meta_readable = false;
	}
	return walk_skip(w, size, what);
}

/* Option 3 of a v7 file: where a buffer's CPUs are, and its clock. */
static int v7_buffer(struct walk *w, const char *data, uint64_t len, bool latency)
{
	struct kpt_tracedat *file = w->file;
	bool be = file->header.big_endian;
	const char *p = data + 8, *end = data + len, *clock;
	struct buffer *buffer;
	uint64_t offset, id, flags, size;
	uint32_t nr_cpus, i;

	if (len < 10 || !memchr(p, '\0', end - p))
		goto corrupt;
	offset = get_number(be, data, 8);
	buffer = add_buffer(file, p);
	if (!buffer)
		return -1;
	p += strlen(p) + 1;
	if (p >= end || !memchr(p, '\0', end - p))
		goto corrupt;
	clock = p;
	buffer->clock = strdup(clock);
	p += strlen(p) + 1;
	if (latency) {
		buffer->latency = true;
		return 0;
	}
	if (end - p < 8)
		goto corrupt;
	buffer->page_size = get_number(be, p, 4);
	nr_cpus = get_number(be, p + 4, 4);
	p += 8;
	if (nr_cpus > MAX_CPUS || (uint64_t)(end - p) < nr_cpus * 20ULL ||
	    buffer->page_size < 512 || buffer->page_size > MAX_PAGE_SIZE ||
	    (buffer->page_size & (buffer->page_size - 1)))
		goto corrupt;
	buffer->cpus = calloc(nr_cpus ? nr_cpus : 1, sizeof(*buffer->cpus));
	if (!buffer->cpus)
		return -1;
	buffer->nr_cpus = nr_cpus;
	for (i = 0; i < nr_cpus; i++, p += 20) {
		buffer->cpus[i].cpu = get_number(be, p, 4);
		buffer->cpus[i].offset = get_number(be, p + 4, 8);
		buffer->cpus[i].size = get_number(be, p + 12, 8);
	}
	w->pos = offset;
	if (walk_number(w, 2, &id, "CPU data section") ||
	    walk_number(w, 2, &flags, "CPU data section") || walk_skip(w, 4, "CPU data section") ||
	    walk_number(w, 8, &size, "CPU data section"))
		return -1;
	buffer->compressed = flags & SECTION_COMPRESSED;
	if (id != KPT_TRACEDAT_OPT_BUFFER || (flags & ~SECTION_COMPRESSED) ||
	    (buffer->compressed && !strcmp(file->compression, "none")))
		return walk_fail(w, kpt_asprintf("corrupt: the CPU data section at offset %" PRIu64
						 " has id %" PRIu64 " and flags %#" PRIx64, offset,
						 id, flags));
	/* libtracecmd reads the section as its header says: the CPUs' data must be in it */
	for (i = 0; i < nr_cpus; i++) {
		const struct cpu_range *cpu = &buffer->cpus[i];
		uint64_t cpu_end = cpu->offset + cpu->size + (buffer->compressed ? 4 : 0);

		if (cpu->size && (cpu->offset < w->pos || cpu_end < cpu->offset ||
				  cpu_end - w->pos > size))
			return walk_fail(w, kpt_asprintf("corrupt: the data of CPU %d%s%s lies "
							 "outside its section at offset %" PRIu64,
							 cpu->cpu,
							 *buffer->name ? " of buffer " : "",
							 buffer->name, offset));
	}
	return 0;
corrupt:
	return walk_fail(w, kpt_asprintf("corrupt buffer description (option %d)", latency ?
					 KPT_TRACEDAT_OPT_BUFFER_TEXT : KPT_TRACEDAT_OPT_BUFFER));
}

static int v7_options(struct walk *w, const char *data, uint64_t len, uint64_t *next)
{
	bool be = w->file->header.big_endian;
	uint64_t p = 0;

	*next = 0;
	while (p + 6 <= len) {
		unsigned int id = get_number(be, data + p, 2);
		uint64_t size = get_number(be, data + p + 2, 4);
		const char *opt = data + p + 6;

		if (p + 6 + size > len)
			break;
		p += 6 + size;
		if (validate_option(w, id, opt, size) < 0)
			return -1;
		if (adjusts_timestamps(id))
			w->file->ts_adjusted = true;
		if (id == KPT_TRACEDAT_OPT_CPUSTAT && add_cpustats(w->file, opt, size) < 0)
			return -1;
		if (id == KPT_TRACEDAT_OPT_TRACECLOCK && !w->file->clock)
			w->file->clock = clock_from_option(opt, size);
		if (id >= KPT_TRACEDAT_OPT_HEADER_INFO && id <= KPT_TRACEDAT_OPT_CMDLINES &&
		    size >= 8) {
			uint64_t offset = get_number(be, opt, 8);

			if (check_section(w, offset, id, section_names[id]) < 0)
				return -1;
		}
		if ((id == KPT_TRACEDAT_OPT_BUFFER || id == KPT_TRACEDAT_OPT_BUFFER_TEXT) &&
		    v7_buffer(w, opt, size, id == KPT_TRACEDAT_OPT_BUFFER_TEXT) < 0)
			return -1;
		if (id == KPT_TRACEDAT_OPT_DONE) {
			if (size >= 8)
				*next = get_number(be, opt, 8);
			return 0;
		}
	}
	return walk_fail(w, strdup("corrupt options section: it does not end with DONE"));
}

static int walk_v7(struct walk *w)
{
	struct kpt_tracedat *file = w->file;
	uint64_t offset, id, flags, size;
	char *version;
	int sections;

	w->pos = file->header.length;
	file->meta_readable = true;
	file->compression = walk_string(w, "header");
	version = file->compression ? walk_string(w, "header") : NULL;
	free(version);
	if (!version || walk_number(w, 8, &offset, "header"))
		return -1;
	if (!*file->compression)
		return walk_fail(w, strdup("corrupt header: an empty compression name"));
	if (!offset)
		return walk_fail(w, strdup("corrupt header: no options section"));
	for (sections = 0; offset; sections++) {
		char *data;
		int ret;

		if (sections == MAX_SECTIONS)
			return walk_fail(w, strdup("corrupt: options sections form a loop"));
		w->pos = offset;
		if (walk_number(w, 2, &id, "options") || walk_number(w, 2, &flags, "options") ||
		    walk_skip(w, 4, "options") || walk_number(w, 8, &size, "options"))
			return -1;
		if (id != KPT_TRACEDAT_OPT_DONE)
			return walk_fail(w, kpt_asprintf("corrupt: no options section at offset %"
							 PRIu64, offset));
		if ((flags & ~SECTION_COMPRESSED) ||
		    ((flags & SECTION_COMPRESSED) && !strcmp(file->compression, "none")))
			return walk_fail(w, kpt_asprintf("corrupt: the options section at offset %"
							 PRIu64 " has flags %#" PRIx64, offset,
							 flags));
		if ((flags & SECTION_COMPRESSED) && !can_decompress(file)) {
			/* Leave it all to libtracecmd: the options are not readable here. */
			file->layout_known = false;
			file->meta_readable = false;
			return 0;
		}
		if (size > MAX_OPTIONS_SIZE)
			return walk_fail(w, kpt_asprintf("corrupt: an options section of %" PRIu64
							 " bytes", size));
		if (flags & SECTION_COMPRESSED) {
			data = walk_zblock(w, &size, "options");
			ret = data ? 0 : -1;
		} else {
			data = malloc(size ? size : 1);
			if (!data)
				return -1;
			ret = walk_read(w, data, size, "options");
		}
		if (ret == 0)
			ret = v7_options(w, data, size, &offset);
		free(data);
		if (ret < 0)
			return -1;
	}
	for (id = KPT_TRACEDAT_OPT_HEADER_INFO; id <= KPT_TRACEDAT_OPT_CMDLINES; id++) {
		if (file->meta[id] || id == KPT_TRACEDAT_OPT_KALLSYMS)
			continue;
		/* else libtracecmd would read unchecked pages: a file read here must be whole */
		if (!strcmp(file->compression, "none") || can_decompress(file))
			return walk_fail(w, kpt_asprintf("corrupt: it has no %s section (option %"
							 PRIu64 ")", section_names[id], id));
		file->meta_readable = false;
	}
	return 0;
}

static int bad_chunk(struct walk *w, const struct buffer *buffer, const struct cpu_range *cpu,
		     uint64_t chunk, uint64_t size)
{
	return walk_fail(w, kpt_asprintf("corrupt: chunk %" PRIu64 " of the compressed data of "
					 "CPU %d%s%s is said to hold %" PRIu64 " bytes, not a "
					 "whole number of %u-byte pages up to %d MiB", chunk,
					 cpu->cpu, *buffer->name ? " of buffer " : "",
					 buffer->name, size, buffer->page_size,
					 MAX_CHUNK_SIZE >> 20));
}

/* Uncompressed CPU data is whole pages, which libtracecmd reads whole. */
static int not_whole_pages(struct walk *w, const struct buffer *buffer,
			   const struct cpu_range *cpu)
{
	return walk_fail(w, kpt_asprintf("corrupt: the data of CPU %d%s%s is %" PRIu64 " bytes, "
					 "not a whole number of %u-byte pages", cpu->cpu,
					 *buffer->name ? " of buffer " : "", buffer->name,
					 cpu->size, buffer->page_size));
}

/*
 * Compressed CPU data: the chunk headers must stay inside its range, and each
 * chunk hold whole pages. The size the file records leaves out the chunk
 * count in front.
 */
static int check_chunks(struct walk *w, const struct buffer *buffer, const struct cpu_range *cpu)
{
	uint64_t count, zsize, size, i;

	w->pos = cpu->offset;
	if (walk_number(w, 4, &count, "compressed CPU data"))
		return -1;
	for (i = 0; i < count; i++) {
		if (walk_number(w, 4, &zsize, "compressed CPU data") ||
		    walk_number(w, 4, &size, "compressed CPU data") ||
		    walk_skip(w, zsize, "compressed CPU data"))
			return -1;
		/* the readers allocate the size, and read it as whole pages */
		if (!size || size % buffer->page_size || size > MAX_CHUNK_SIZE)
			return bad_chunk(w, buffer, cpu, i, size);
	}
	if (w->pos > cpu->offset + 4 + cpu->size)
		return walk_fail(w, kpt_asprintf("corrupt: the compressed data of CPU %d%s%s "
						 "overruns its %" PRIu64 " bytes", cpu->cpu,
						 *buffer->name ? " of buffer " : "", buffer->name,
						 cpu->size));
	return 0;
}

static int walk_file(struct kpt_tracedat *file, char **errmsg)
{
	struct walk w = { .file = file };
	int ret, i, j;

	file->layout_known = true;
	ret = file->header.version == 6 ? walk_v6(&w) : walk_v7(&w);
	if (ret == 0 && file->layout_known)
		ret = check_data(&w);
	for (i = 0; ret == 0 && file->layout_known && i < file->nr_buffers; i++) {
		const struct buffer *buffer = &file->buffers[i];

		for (j = 0; ret == 0 && j < buffer->nr_cpus; j++) {
			const struct cpu_range *cpu = &buffer->cpus[j];

			if (buffer->compressed && cpu->size)
				ret = check_chunks(&w, buffer, cpu);
			else if (cpu->size % buffer->page_size)
				ret = not_whole_pages(&w, buffer, cpu);
		}
	}
	for (i = 0; ret == 0 && i < file->nr_buffers; i++) {
		/* libtracecmd has no records to give of it, and crashes asked for them */
		if (file->buffers[i].latency)
			ret = walk_fail(&w, strdup("it holds a latency tracer's text output, not "
						   "ring-buffer records, so there is nothing to "
						   "report ('trace-cmd report' prints the text)"));
	}
	if (ret < 0) {
		*errmsg = w.errmsg ? w.errmsg : strdup(strerror(ENOMEM));
		return -1;
	}
	free(w.errmsg);
	if (!file->compression)
		file->compression = strdup("none");
	return file->compression ? 0 : -1;
}

/* Read @size bytes at the walk's position into a malloc'd, NUL-terminated buffer. */
static char *walk_blob(struct walk *w, uint64_t size, const char *what)
{
	char *buf;

	if (w->pos + size > walk_end(w) || w->pos + size < w->pos) {
		truncated(w, what, w->pos + size);
		return NULL;
	}
	buf = malloc(size + 1);
	if (!buf || walk_read(w, buf, size, what) < 0) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

/* @count formats (u64 size + text each) of @system, at the walk's position. */
static int parse_formats(struct walk *w, struct tep_handle *tep, const char *system,
			 uint64_t count, const char *what)
{
	const char *why;
	uint64_t i, size;
	char *format;

	for (i = 0; i < count; i++) {
		if (walk_number(w, 8, &size, what))
			return -1;
		format = walk_blob(w, size, what);
		if (!format)
			return -1;
		why = validate_format(format, size);
		if (why) {
			free(format);
			return walk_fail(w, kpt_asprintf("corrupt %s: %s", what, why));
		}
		/* An unparsable format leaves its event undecoded, as in trace-cmd. */
		tep_parse_event(tep, format, size, system);
		free(format);
	}
	return 0;
}

/*
 * Point the walk at metadata part @id: in the file, or decompressed into
 * memory (the previous part's memory is freed). Returns 0, or -1.
 */
static int walk_part(struct walk *w, unsigned int id)
{
	uint64_t size;
	char *data;

	free((char *)w->mem);
	w->mem = NULL;
	w->pos = w->file->meta[id];
	if (!w->file->meta_compressed[id])
		return 0;
	data = walk_zblock(w, &size, section_names[id]);
	if (!data)
		return -1;
	w->mem = data;
	w->mem_size = size;
	w->pos = 0;
	return 0;
}

static int parse_event_formats(struct walk *w, struct tep_handle *tep)
{
	uint64_t systems, count, i;
	char *system;
	int ret;

	if (walk_part(w, KPT_TRACEDAT_OPT_FTRACE_EVENTS) ||
	    walk_number(w, 4, &count, "ftrace event formats") ||
	    parse_formats(w, tep, "ftrace", count, "ftrace event formats"))
		return -1;
	if (walk_part(w, KPT_TRACEDAT_OPT_EVENT_FORMATS) ||
	    walk_number(w, 4, &systems, "event formats"))
		return -1;
	for (i = 0; i < systems; i++) {
		system = walk_string(w, "event formats");
		if (!system)
			return -1;
		ret = walk_number(w, 4, &count, "event formats") ||
		      parse_formats(w, tep, system, count, "event formats");
		free(system);
		if (ret)
			return -1;
	}
	return 0;
}

/* The text of a metadata part that is a size (of @len bytes) and text: printk, cmdlines. */
static char *read_text(struct walk *w, unsigned int id, int len)
{
	uint64_t size;

	if (walk_part(w, id) || walk_number(w, len, &size, section_names[id]))
		return NULL;
	return walk_blob(w, size, section_names[id]);
}

/*
 * The event parser, from the file's own metadata: the ring buffer's page
 * header, every event format, the printk formats and the saved command
 * names; what libtracecmd's open reads, less kallsyms, which a report never
 * looks at (over 100,000 symbols: 60 ms and 15 MB to parse). zstd-compressed
 * sections are decompressed here one at a time.
 */
static int build_tep(struct kpt_tracedat *file, char **errmsg)
{
	struct kpt_tracedat_header *h = &file->header;
	struct walk w = { .file = file };
	struct tep_handle *tep;
	const char *why;
	char *text;
	uint64_t size;
	int ret = -1;

	file->tep = tep = tep_alloc();
	if (!tep)
		goto out;
	file->own_tep = true;
	tep_set_file_bigendian(tep, h->big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, h->long_size);
	tep_set_page_size(tep, h->page_size);
	if (walk_part(&w, KPT_TRACEDAT_OPT_HEADER_INFO) ||
	    walk_expect(&w, "header_page", 12, "header page") ||
	    walk_number(&w, 8, &size, "header page"))
		goto out;
	text = walk_blob(&w, size, "header page");
	if (!text)
		goto out;
	why = validate_header_page(text, size);
	if (why) {
		free(text);
		walk_fail(&w, kpt_asprintf("corrupt headers: %s", why));
		goto out;
	}
	ret = tep_parse_header_page(tep, text, size, h->long_size);
	free(text);
	if (ret < 0) {
		walk_fail(&w, strdup("corrupt ring-buffer page header"));
		goto out;
	}
	/* The kernel's long, as the page header's commit field tells. */
	tep_set_long_size(tep, tep_get_header_page_size(tep));
	ret = -1;
	if (parse_event_formats(&w, tep) < 0)
		goto out;
	text = read_text(&w, KPT_TRACEDAT_OPT_PRINTK, 4);
	if (!text)
		goto out;
	why = validate_printk(text, strlen(text));
	if (why) {
		free(text);
		walk_fail(&w, kpt_asprintf("corrupt printk formats: %s", why));
		goto out;
	}
	tep_parse_printk_formats(tep, text);
	free(text);
	text = read_text(&w, KPT_TRACEDAT_OPT_CMDLINES, 8);
	if (!text)
		goto out;
	tep_parse_saved_cmdlines(tep, text);
	free(text);
	if (file->nr_buffers && file->buffers[0].nr_cpus)
		tep_set_cpus(tep, file->buffers[0].nr_cpus);
	ret = 0;
out:
	free((char *)w.mem);
	if (ret < 0)
		*errmsg = w.errmsg ? w.errmsg : strdup(strerror(ENOMEM));
	else
		free(w.errmsg);
	return ret;
}

static void decide_reader(struct kpt_tracedat *file)
{
	if (!file->layout_known)
		file->why_not_streamed = strdup("its options sections are compressed");
	else if (file->ts_adjusted)
		file->why_not_streamed = strdup("its timestamps need adjusting "
						"(TSC conversion, offset or guest time sync)");
	else if (strcmp(file->compression, "none") && strcmp(file->compression, "zstd"))
		file->why_not_streamed = kpt_asprintf("it is %s-compressed", file->compression);
	else if (strcmp(file->compression, "zstd") == 0 && !have_zstd())
		file->why_not_streamed = strdup("libzstd.so.1 cannot be loaded");
}

#ifdef HAVE_LIBTRACECMD
/* libtracecmd's index of the instance buffer @name, or -1. */
static int instance_index(struct kpt_tracedat *file, const char *name)
{
	int i, n = tracecmd_buffer_instances(file->handle);

	for (i = 0; i < n; i++) {
		const char *instance = tracecmd_buffer_instance_name(file->handle, i);

		if (instance && strcmp(instance, name) == 0)
			return i;
	}
	return -1;
}

static int open_libtracecmd(struct kpt_tracedat *file, char **errmsg)
{
	int i;

	tracecmd_set_loglevel(TEP_LOG_NONE);
	file->handle = kpt_compat_tracecmd_open(file->path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!file->handle) {
		*errmsg = strdup("libtracecmd cannot open it (corrupt headers, event formats, "
				 "options or CPU data)");
		return -1;
	}
	if (!file->tep)
		file->tep = tracecmd_get_tep(file->handle);
	file->handles = calloc(file->nr_buffers ? file->nr_buffers : 1, sizeof(*file->handles));
	if (!file->handles)
		return -1;
	/* libtracecmd must see the same instance buffers. */
	for (i = 0; i < file->nr_buffers; i++) {
		if (*file->buffers[i].name && instance_index(file, file->buffers[i].name) < 0) {
			*errmsg = kpt_asprintf("libtracecmd does not see its buffer '%s'",
					       file->buffers[i].name);
			return -1;
		}
	}
	return 0;
}

#else
/* Without libtracecmd, a file kptrace cannot read itself is refused. */
static int open_libtracecmd(struct kpt_tracedat *file, char **errmsg)
{
	*errmsg = kpt_asprintf("%s, and this kptrace was built without libtracecmd, which reads "
			       "such files (configure --without-libtracecmd): read it with "
			       "trace-cmd report, or with a kptrace built with libtracecmd",
			       file->why_not_streamed ? file->why_not_streamed :
			       "kptrace cannot read its metadata itself");
	return -1;
}
#endif

/**
 * kpt_tracedat_open - check a trace file and read its metadata
 * @path: the file
 * @file: set to the open file on success
 * @errmsg: on failure, a malloc'd message that names @path and what is wrong
 *
 * Returns 0, or -1 on error.
 */
int kpt_tracedat_open(const char *path, struct kpt_tracedat **file, char **errmsg)
{
	struct kpt_tracedat *tf = calloc(1, sizeof(*tf));
	unsigned char start[64];
	char *why = NULL;
	struct stat st;
	ssize_t n;

	*file = NULL;
	*errmsg = NULL;
	if (!tf)
		goto nomem;
	tf->fd = open(path, O_RDONLY | O_CLOEXEC);
	tf->path = strdup(path);
	if (tf->fd < 0) {
		why = kpt_asprintf("cannot open it: %s", strerror(errno));
		goto fail;
	}
	if (fstat(tf->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		why = strdup("not a regular file");
		goto fail;
	}
	tf->size = st.st_size;
	n = pread(tf->fd, start, sizeof(start), 0);
	if (n < 0) {
		why = kpt_asprintf("cannot read it: %s", strerror(errno));
		goto fail;
	}
	if (n == 0) {
		why = strdup("the file is empty");
		goto fail;
	}
	if (kpt_tracedat_parse_header(start, n, &tf->header, &why) < 0 ||
	    walk_file(tf, &why) < 0)
		goto fail;
	/*
	 * The event parser comes from kptrace's own reading of the metadata;
	 * libtracecmd opens the file only when its reader is used, or when the
	 * metadata is compressed.
	 */
	if (tf->meta_readable && tf->layout_known) {
		if (build_tep(tf, &why) < 0)
			goto fail;
	} else if (open_libtracecmd(tf, &why) < 0) {
		goto fail;
	}
	if (validate_tep(tf, &why) < 0)
		goto fail;
	decide_reader(tf);
	*file = tf;
	return 0;
nomem:
	why = strdup(strerror(ENOMEM));
fail:
	*errmsg = kpt_asprintf("%s: %s", path, why ? why : strerror(ENOMEM));
	free(why);
	kpt_tracedat_close(tf);
	return -1;
}

/**
 * kpt_tracedat_tep - the file's event formats and saved command names
 * @file: the file
 */
struct tep_handle *kpt_tracedat_tep(struct kpt_tracedat *file)
{
	return file->tep;
}

/**
 * kpt_tracedat_info - what kind of file it is
 * @file: the file
 * @info: filled in; strings belong to @file
 */
void kpt_tracedat_info(const struct kpt_tracedat *file, struct kpt_tracedat_info *info)
{
	int i;

	info->version = file->header.version;
	info->compression = file->compression;
	info->clock = file->clock;
	for (i = 0; !info->clock && i < file->nr_buffers; i++)
		info->clock = file->buffers[i].clock;
	if (!info->clock)
		info->clock = "unknown";
	info->nr_buffers = file->nr_buffers;
	info->streamed = !file->why_not_streamed;
	info->why_not_streamed = file->why_not_streamed;
	info->cut_short = file->cut_short;
}

/**
 * kpt_tracedat_kallsyms - the file's kallsyms text, which names kernel stack frames
 * @file: the file
 * @len: set to its length
 *
 * Returns the text, malloc'd (the caller frees it), or NULL when the file
 * has none, its section is compressed, or it cannot be read.
 */
char *kpt_tracedat_kallsyms(struct kpt_tracedat *file, size_t *len)
{
	bool be = file->header.big_endian;
	/* v6 and v7 alike: where the u32 size before the text is */
	uint64_t pos = file->meta[KPT_TRACEDAT_OPT_KALLSYMS], size;
	unsigned char head[4];
	char *text;

	*len = 0;
	if (!pos || file->meta_compressed[KPT_TRACEDAT_OPT_KALLSYMS])
		return NULL;
	if (pread(file->fd, head, 4, pos) != 4)
		return NULL;
	size = get_number(be, head, 4);
	if (pos + 4 + size > file->size)
		return NULL;
	text = malloc(size + 1);
	if (!text)
		return NULL;
	if (pread(file->fd, text, size, pos + 4) != (ssize_t)size) {
		free(text);
		return NULL;
	}
	text[size] = '\0';
	*len = size;
	return text;
}

/**
 * kpt_tracedat_buffer_name - a buffer's name: "" for the top level, else its instance's
 * @file: the file
 * @buffer: the buffer index
 */
const char *kpt_tracedat_buffer_name(const struct kpt_tracedat *file, int buffer)
{
	return file->buffers[buffer].name;
}

/**
 * kpt_tracedat_buffer_has_data - whether a buffer recorded anything
 * @file: the file
 * @buffer: the buffer index
 */
bool kpt_tracedat_buffer_has_data(const struct kpt_tracedat *file, int buffer)
{
	const struct buffer *buf = &file->buffers[buffer];
	int i;

	if (buf->latency)
		return true;
	for (i = 0; i < buf->nr_cpus; i++) {
		if (buf->cpus[i].size)
			return true;
	}
	return false;
}

/* Streaming reader: the next page of @reader into its kbuffer; 0 at the end, -1 on error. */
static int read_error(struct cpu_reader *reader, char *msg)
{
	struct kpt_tracedat *file = reader->file;

	if (!file->read_error)
		file->read_error = msg;
	else
		free(msg);
	return -1;
}

static int ensure(char **buf, size_t *capacity, size_t size)
{
	char *p;

	if (*capacity >= size)
		return 0;
	p = realloc(*buf, size);
	if (!p)
		return -1;
	*buf = p;
	*capacity = size;
	return 0;
}

static int fill_uncompressed(struct cpu_reader *reader, unsigned int page_size)
{
	uint64_t left = reader->end - reader->pos;
	size_t bytes = page_size > READ_BYTES ? page_size : READ_BYTES;
	size_t want = left < bytes ? left : bytes;
	ssize_t n;

	if (!want)
		return 0;
	if (ensure(&reader->data, &reader->capacity, bytes) < 0)
		return read_error(reader, strdup(strerror(ENOMEM)));
	n = pread(reader->file->fd, reader->data, want, reader->pos);
	if (n <= 0)
		return read_error(reader, kpt_asprintf("cannot read CPU %d data at offset %" PRIu64
						       ": %s", reader->cpu, reader->pos,
						       n < 0 ? strerror(errno) : "end of file"));
	reader->pos += n;
	reader->len = n - n % page_size;
	return reader->len ? 1 : 0;
}

static int fill_compressed(struct cpu_reader *reader)
{
	struct kpt_tracedat *file = reader->file;
	bool be = file->header.big_endian;
	unsigned char head[8];
	uint32_t zsize, size;
	size_t got;

	if (!reader->chunks)
		return 0;
	if (pread(file->fd, head, 8, reader->pos) != 8)
		goto bad;
	zsize = get_number(be, head, 4);
	size = get_number(be, head + 4, 4);
	if (reader->pos + 8 + zsize > reader->end || ensure(&file->zbuf, &file->zcapacity, zsize) ||
	    ensure(&reader->data, &reader->capacity, size))
		goto bad;
	if (pread(file->fd, file->zbuf, zsize, reader->pos + 8) != (ssize_t)zsize)
		goto bad;
	got = zstd_decompress(reader->data, size, file->zbuf, zsize);
	if (zstd_is_error(got) || got != size)
		goto bad;
	reader->pos += 8 + zsize;
	reader->chunks--;
	reader->len = size;
	return 1;
bad:
	return read_error(reader, kpt_asprintf("the compressed data of CPU %d is corrupt at "
					       "offset %" PRIu64, reader->cpu, reader->pos));
}

/* The page at @page of the reader's data is not one the kernel writes: say where and why. */
static int corrupt_page(struct cpu_reader *reader, size_t page, const char *why)
{
	const char *name = reader->file->buffers[reader->buffer].name;

	return read_error(reader, kpt_asprintf("CPU %d%s%s has a corrupt page at offset %" PRIu64
					       " of its data: %s", reader->cpu,
					       *name ? " of buffer " : "", name,
					       reader->done + page, why));
}

/*
 * The next page of @reader, checked: the host's pages by the rbpage walk as
 * it goes (its load here, each record's bounds in page_next()), others by
 * kpt_rbpage_check() before kbuffer walks them. 1, 0 at the end, -1 on error.
 */
static int next_page(struct cpu_reader *reader)
{
	struct kpt_tracedat *file = reader->file;
	struct buffer *buffer = &file->buffers[reader->buffer];
	unsigned int page_size = buffer->page_size;
	const char *why;
	int ret;

	if (reader->page + page_size < reader->len) {
		reader->page += page_size;
	} else {
		reader->done += reader->len;
		ret = buffer->compressed ? fill_compressed(reader) :
					   fill_uncompressed(reader, page_size);
		if (ret <= 0)
			return ret;
		reader->page = 0;
	}
	if (reader->commit_size) {
		if (kpt_rbpage_load(&reader->pg, reader->data + reader->page, page_size,
				    reader->commit_size) < 0)
			return corrupt_page(reader, reader->page, "its size cannot hold a header");
		if (reader->pg.corrupt)
			return corrupt_page(reader, reader->page, reader->pg.corrupt);
		reader->missed = reader->pg.missed > INT_MAX ? INT_MAX : (int)reader->pg.missed;
		return 1;
	}
	why = kpt_rbpage_check(reader->data + reader->page, page_size,
			       tep_get_header_page_size(file->tep), file->header.big_endian);
	if (why)
		return corrupt_page(reader, reader->page, why);
	if (kbuffer_load_subbuffer(reader->kbuf, reader->data + reader->page) < 0)
		return corrupt_page(reader, reader->page, "kbuffer cannot load it");
	reader->missed = kbuffer_missed_events(reader->kbuf);
	return 1;
}

/* The next record of the loaded page, or NULL at its end. */
static void *page_next(struct cpu_reader *reader, bool first, uint64_t *ts, int *size)
{
	unsigned long long kts;
	const void *data;
	uint32_t len = 0;

	if (reader->commit_size) {
		data = kpt_rbpage_next(&reader->pg, &len);
		*ts = reader->pg.ts;
		*size = len;
		return (void *)data;
	}
	data = first ? kbuffer_read_event(reader->kbuf, &kts) : kbuffer_next_event(reader->kbuf, &kts);
	*ts = kts;
	*size = data ? kbuffer_event_size(reader->kbuf) : 0;
	return (void *)data;
}

/* Merge source: rec->cpu carries the reader's index until the record leaves the merge. */
static int reader_next(void *ctx, int source, struct kpt_record *rec)
{
	struct kpt_tracedat *file = ctx;
	struct cpu_reader *reader = &file->readers[source];
	uint64_t ts;
	void *data;
	int size;

	for (;;) {
		if (reader->loaded) {
			data = page_next(reader, false, &ts, &size);
			reader->missed = 0;
		} else {
			if (next_page(reader) <= 0)
				return 0;
			reader->loaded = true;
			data = page_next(reader, true, &ts, &size);
		}
		if (data)
			break;
		reader->loaded = false;
		/* the rbpage walk stopped at an event past the commit */
		if (reader->commit_size && reader->pg.corrupt) {
			corrupt_page(reader, reader->page, reader->pg.corrupt);
			return 0;
		}
	}
	rec->ts = ts;
	rec->data = data;
	rec->size = size;
	rec->cpu = source;
	return 1;
}

/*
 * The page header's commit size when the file's pages are laid out as this
 * host's kernel lays them out (same byte order), so that rbpage.h can walk
 * them; 0 when only kbuffer can.
 */
static uint32_t native_commit_size(struct kpt_tracedat *file)
{
	int size = tep_get_header_page_size(file->tep);

	if (tep_is_file_bigendian(file->tep) != tep_is_local_bigendian(file->tep))
		return 0;
	return size == 4 || size == 8 ? size : 0;
}

static int setup_readers(struct kpt_tracedat *file)
{
	int i, j, n = 0;

	for (i = 0; i < file->nr_buffers; i++)
		n += file->buffers[i].nr_cpus;
	file->readers = calloc(n ? n : 1, sizeof(*file->readers));
	if (!file->readers)
		return -1;
	for (i = 0; i < file->nr_buffers; i++) {
		for (j = 0; j < file->buffers[i].nr_cpus; j++) {
			const struct cpu_range *cpu = &file->buffers[i].cpus[j];
			struct cpu_reader *reader = &file->readers[file->nr_readers];
			unsigned char count[4];

			if (!cpu->size)
				continue;
			reader->file = file;
			reader->buffer = i;
			reader->cpu = cpu->cpu;
			reader->pos = cpu->offset;
			reader->end = cpu->offset + cpu->size;
			if (file->buffers[i].compressed)
				reader->end += 4;	/* the chunk count, left out of the size */
			reader->kbuf = tep_kbuffer(file->tep);
			reader->commit_size = native_commit_size(file);
			file->nr_readers++;
			if (!reader->kbuf)
				return -1;
			if (file->buffers[i].compressed) {
				if (pread(file->fd, count, 4, reader->pos) != 4)
					return -1;
				reader->chunks = get_number(file->header.big_endian, count, 4);
				reader->pos += 4;
			}
		}
	}
	return 0;
}

static int stream_records(struct kpt_tracedat *file, kpt_tracedat_fn fn, void *ctx)
{
	struct kpt_tracedat_record tr;
	struct kpt_merge *merge;
	int ret = 0;

	if (setup_readers(file) < 0)
		return -1;
	merge = kpt_merge_alloc(file->nr_readers, reader_next, file);
	if (!merge)
		return -1;
	kpt_merge_refill(merge);
	while (ret == 0 && kpt_merge_next(merge, UINT64_MAX, &tr.rec)) {
		const struct cpu_reader *reader = &file->readers[tr.rec.cpu];

		tr.rec.cpu = reader->cpu;
		tr.buffer = reader->buffer;
		tr.missed = reader->missed;
		ret = fn(ctx, &tr);
	}
	kpt_merge_free(merge);
	if (file->read_error)
		return -1;
	return ret < 0 ? -1 : 0;
}

/* Every page of one CPU, checked by kpt_rbpage_check() as the streaming reader reads them. */
static int validate_cpu_pages(struct kpt_tracedat *file, int buffer, const struct cpu_range *cpu)
{
	const struct buffer *buf = &file->buffers[buffer];
	int commit_size = tep_get_header_page_size(file->tep);
	struct cpu_reader reader = {
		.file = file, .buffer = buffer, .cpu = cpu->cpu,
		.pos = cpu->offset, .end = cpu->offset + cpu->size,
	};
	unsigned char count[4];
	const char *why;
	size_t off;
	int ret = 0;

	if (buf->compressed) {
		if (pread(file->fd, count, 4, reader.pos) != 4)
			return read_error(&reader, kpt_asprintf("cannot read CPU %d's chunk count",
								cpu->cpu));
		reader.chunks = get_number(file->header.big_endian, count, 4);
		reader.pos += 4;
		reader.end += 4;
	}
	for (;;) {
		reader.done += reader.len;
		ret = buf->compressed ? fill_compressed(&reader) :
					fill_uncompressed(&reader, buf->page_size);
		if (ret <= 0)
			break;
		ret = 0;
		for (off = 0; ret == 0 && off + buf->page_size <= reader.len;
		     off += buf->page_size) {
			why = kpt_rbpage_check(reader.data + off, buf->page_size, commit_size,
					       file->header.big_endian);
			if (why)
				ret = corrupt_page(&reader, off, why);
		}
		if (ret < 0)
			break;
	}
	free(reader.data);
	return ret < 0 ? -1 : 0;
}

/*
 * Before libtracecmd reads the records: it walks every page with kbuffer,
 * trusting each, so each is checked first. Pages compressed with anything
 * but zstd cannot be read here and are left to it.
 */
static int validate_pages(struct kpt_tracedat *file)
{
	int i, j, ret = 0;

	if (!file->layout_known || !file->own_tep ||
	    (strcmp(file->compression, "none") && !can_decompress(file)))
		return 0;
	for (i = 0; ret == 0 && i < file->nr_buffers; i++) {
		const struct buffer *buffer = &file->buffers[i];

		for (j = 0; ret == 0 && j < buffer->nr_cpus; j++) {
			if (buffer->cpus[j].size)
				ret = validate_cpu_pages(file, i, &buffer->cpus[j]);
		}
	}
	return ret;
}

#ifdef HAVE_LIBTRACECMD
struct iterate_ctx {
	struct kpt_tracedat *file;
	kpt_tracedat_fn fn;
	void *ctx;
	int ret;
};

static int iterate_record(struct tracecmd_input *handle, struct tep_record *record, int cpu,
			  void *data)
{
	struct iterate_ctx *it = data;
	struct kpt_tracedat_record tr = {
		.rec = {
			.ts = record->ts,
			.data = record->data,
			.size = record->size,
			.cpu = record->cpu,
		},
		.buffer = (int)(intptr_t)tracecmd_get_private(handle),
		.missed = record->missed_events,
	};
	it->ret = it->fn(it->ctx, &tr);
	return it->ret ? 1 : 0;
}

/* libtracecmd's own reader, for what the streaming reader leaves to it. */
static int iterate_records(struct kpt_tracedat *file, kpt_tracedat_fn fn, void *ctx)
{
	struct iterate_ctx it = { .file = file, .fn = fn, .ctx = ctx };
	struct tracecmd_input **handles;
	int i, n = 0, ret;

	if (!file->handle && open_libtracecmd(file, &file->read_error) < 0) {
		if (!file->read_error)
			file->read_error = strdup(strerror(ENOMEM));
		return -1;
	}
	handles = calloc(file->nr_buffers + 1, sizeof(*handles));
	if (!handles)
		return -1;
	for (i = 0; i < file->nr_buffers; i++) {
		const char *name = file->buffers[i].name;

		if (!kpt_tracedat_buffer_has_data(file, i))
			continue;
		file->handles[i] = !*name ? file->handle :
			tracecmd_buffer_instance_handle(file->handle, instance_index(file, name));
		if (!file->handles[i]) {
			free(handles);
			file->read_error = kpt_asprintf("libtracecmd cannot read buffer '%s'",
							name);
			return -1;
		}
		tracecmd_set_private(file->handles[i], (void *)(intptr_t)i);
		handles[n++] = file->handles[i];
	}
	ret = n ? tracecmd_iterate_events_multi(handles, n, iterate_record, &it) : 0;
	free(handles);
	if (ret < 0 && !it.ret) {
		file->read_error = strdup("libtracecmd could not read its records");
		return -1;
	}
	return it.ret < 0 ? -1 : 0;
}
#else
static int iterate_records(struct kpt_tracedat *file, kpt_tracedat_fn fn, void *ctx)
{
	file->read_error = strdup("this kptrace was built without libtracecmd, so it cannot read "
				  "records through it (--libtracecmd)");
	return -1;
}
#endif

/**
 * kpt_tracedat_read - hand every record of every buffer to @fn, in timestamp order
 * @file: the file; read it only once
 * @use_libtracecmd: read through libtracecmd even where kptrace could stream
 * @fn: the consumer; returns 0 to go on, 1 to stop, -1 to stop with an error
 * @ctx: passed to @fn
 * @errmsg: on a read error, a malloc'd message naming the file and what went wrong
 *
 * Returns 0 (also when @fn stopped the read), or -1 on error.
 */
int kpt_tracedat_read(struct kpt_tracedat *file, bool use_libtracecmd, kpt_tracedat_fn fn,
		       void *ctx, char **errmsg)
{
	int ret;

	*errmsg = NULL;
	if (use_libtracecmd || file->why_not_streamed)
		ret = validate_pages(file) < 0 ? -1 : iterate_records(file, fn, ctx);
	else
		ret = stream_records(file, fn, ctx);
	if (ret < 0 && file->read_error)
		*errmsg = kpt_asprintf("%s: %s", file->path, file->read_error);
	return ret;
}

/**
 * kpt_tracedat_parse_cpustats - add up one buffer's loss in trace-cmd's CPUSTAT text
 * @stats: the per-CPU statistics of every buffer, the top-level buffer's first,
 *	each instance's after a "Buffer: NAME" line
 * @buffer: which buffer: "" for the top level
 * @loss: its overrun and dropped counts are added here
 *
 * Returns 1 if @stats has the buffer's statistics, 0 if not.
 */
int kpt_tracedat_parse_cpustats(const char *stats, const char *buffer, struct kpt_loss *loss)
{
	const char *line = stats;
	bool mine = !*buffer, found = false;
	unsigned long long val;

	while (line && *line) {
		const char *next = strchr(line, '\n');

		if (strncmp(line, "Buffer: ", 8) == 0) {
			size_t len = next ? (size_t)(next - line - 8) : strlen(line + 8);

			mine = strlen(buffer) == len && strncmp(line + 8, buffer, len) == 0;
		} else if (mine) {
			if (sscanf(line, "overrun: %llu", &val) == 1) {
				loss->overrun += val;
				found = true;
			} else if (sscanf(line, "dropped events: %llu", &val) == 1) {
				loss->dropped += val;
				found = true;
			}
		}
		line = next ? next + 1 : NULL;
	}
	return found;
}

/**
 * kpt_tracedat_loss - what the file's per-CPU statistics say a buffer lost
 * @file: the file
 * @buffer: the buffer
 * @loss: its overrun and dropped counts are added here (the missed-events
 *	flags come with the records: struct kpt_tracedat_record)
 */
void kpt_tracedat_loss(struct kpt_tracedat *file, int buffer, struct kpt_loss *loss)
{
	const char *stats = file->cpustats;

#ifdef HAVE_LIBTRACECMD
	if (!file->layout_known)	/* the walk could not read the options */
		stats = kpt_compat_tracecmd_cpustats(file->handle);
#endif

	if (stats)
		kpt_tracedat_parse_cpustats(stats, file->buffers[buffer].name, loss);
}

/**
 * kpt_tracedat_comm - the command name the file saved for a thread
 * @file: the file
 * @pid: the thread id
 *
 * Returns the name, or "<...>" when the file does not know it.
 */
const char *kpt_tracedat_comm(struct kpt_tracedat *file, int pid)
{
	return tep_data_comm_from_pid(file->tep, pid);
}

/**
 * kpt_tracedat_close - close a trace file (NULL is fine)
 * @file: the file
 */
void kpt_tracedat_close(struct kpt_tracedat *file)
{
	int i;

	if (!file)
		return;
	for (i = 0; i < file->nr_readers; i++) {
		kbuffer_free(file->readers[i].kbuf);
		free(file->readers[i].data);
	}
	free(file->readers);
#ifdef HAVE_LIBTRACECMD
	for (i = 0; file->handles && i < file->nr_buffers; i++) {
		if (file->handles[i] && file->handles[i] != file->handle)
			tracecmd_close(file->handles[i]);
	}
	free(file->handles);
	tracecmd_close(file->handle);
#endif
	if (file->own_tep)
		tep_free(file->tep);
	free(file->cpustats);
	for (i = 0; i < file->nr_buffers; i++) {
		free(file->buffers[i].name);
		free(file->buffers[i].clock);
		free(file->buffers[i].cpus);
	}
	free(file->buffers);
	if (file->fd >= 0)
		close(file->fd);
	free(file->zbuf);
	free(file->compression);
	free(file->clock);
	free(file->why_not_streamed);
	free(file->read_error);
	free(file->path);
	free(file);
}
