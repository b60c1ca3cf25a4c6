// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stream the tracefs per-CPU raw ring buffers.
 *
 * Two ways to read a CPU's buffer (trace_pipe_raw), chosen once per run:
 *
 * splice   the default: the kernel swaps whole pages out of the ring without
 *          looking at their records; they are copied out through a
 *          tracefs_cpu and queued per CPU, from a free list, so steady
 *          streaming allocates nothing.
 * mapped   (Linux 6.10 and later, with KPTRACE_MMAP=1) the buffer is mapped
 *          into our memory and read where the kernel wrote it: the kernel
 *          swaps in a new reader sub-buffer on TRACE_MMAP_IOCTL_GET_READER,
 *          one system call a page, no copy. The records handed on point into
 *          the mapping, so a page is swapped only when the merge asks for the
 *          record after its last one; pages are therefore taken lazily, in
 *          kpt_stream_next(). It is not the default: on 6.18 the ioctl steps
 *          the kernel's reader over every record of the page, which costs
 *          more than the splice path's copy (bench/README.md).
 *
 * Both walk the pages with the inline parser of rbpage.h.
 *
 * Ordering across CPUs: a record read in one round may have an earlier
 * timestamp than a record of another CPU that is committed a moment later
 * and so only read in the next round. kpt_stream_fill() therefore releases
 * only records that must have been committed when the round began:
 *
 * - splice: records up to the newest timestamp read in the *previous* round.
 *   By the time a round starts, everything stamped before that has been
 *   committed. It has also been read, but for the partial page of a CPU that
 *   gave full pages this round (see drain_cpu()): whatever that CPU still
 *   holds is newer than the last record read from it, so the release stops
 *   there too.
 * - mapped: every committed record is within reach of the merge (a CPU that
 *   has run dry has handed on everything committed), so only what is not yet
 *   committed matters: records up to the time the previous round began, on
 *   the trace clock "mono", which is CLOCK_MONOTONIC. The mapped path is used
 *   only with that clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "session/session.h"
#include "source/rbpage.h"
#include "source/source.h"
#include "source/stream.h"
#include "util.h"

#define NO_READER	UINT32_MAX

struct page {
	struct page *next;
	char data[];
};

struct cpu_reader {
	int cpu;
	int fd;
	struct kpt_rbpage pg;		/* the page records are handed out from */
	bool loaded;
	/* splice */
	struct tracefs_cpu *tcpu;
	struct page *head;		/* loaded in pg, or NULL */
	struct page *tail;
	/* mapped */
	struct kpt_rbmap map;
	uint32_t reader_id;		/* the sub-buffer in pg, or NO_READER */
};

struct kpt_stream {
	struct kpt_session *session;	/* set when opened as a source */
	struct tracefs_instance *instance;
	struct cpu_reader *cpus;
	struct pollfd *pollfds;
	int nr_cpus;
	int page_size;
	uint32_t commit_size;		/* of the page header's commit field */
	enum kpt_stream_mode mode;
	struct page *free_pages;
	uint64_t prev_round_max;	/* splice: released up to here */
	uint64_t round_max;
	uint64_t prev_round_start;	/* mapped: released up to here */
	int read_errno;			/* mapped: a failed reader swap, reported by fill */
	int error_cpu;
	struct kpt_loss loss;
};

static struct page *get_page(struct kpt_stream *stream)
{
	struct page *page = stream->free_pages;

	if (page) {
		stream->free_pages = page->next;
		return page;
	}
	return malloc(sizeof(*page) + stream->page_size);
}

static void put_page(struct kpt_stream *stream, struct page *page)
{
	page->next = stream->free_pages;
	stream->free_pages = page;
}

static int open_cpu(struct kpt_stream *stream, struct cpu_reader *reader)
{
	char file[64];
	char *path;

	snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", reader->cpu);
	path = tracefs_instance_get_file(stream->instance, file);
	if (!path)
		return -1;
	reader->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	tracefs_put_tracing_file(path);
	return reader->fd < 0 ? -1 : 0;
}

static void unmap_cpu(struct cpu_reader *reader)
{
	kpt_rbmap_unmap(&reader->map);
}

static int map_cpu(struct cpu_reader *reader)
{
	reader->reader_id = NO_READER;
	return kpt_rbmap_map(&reader->map, reader->fd);
}

/*
 * Map every CPU's buffer, or none: a refusal on one CPU (an instance with a
 * snapshot, a kernel before 6.10) sends the whole stream down the splice path.
 */
static int map_all(struct kpt_stream *stream)
{
	int cpu;

	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		if (map_cpu(&stream->cpus[cpu]) < 0) {
			while (cpu-- > 0)
				unmap_cpu(&stream->cpus[cpu]);
			return -1;
		}
	}
	return 0;
}

static int splice_setup(struct kpt_stream *stream)
{
	int cpu;

	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		struct cpu_reader *reader = &stream->cpus[cpu];

		reader->tcpu = tracefs_cpu_alloc_fd(reader->fd, stream->page_size, true);
		if (!reader->tcpu)
			return -1;
	}
	return 0;
}

/**
 * kpt_stream_mapping_wanted - whether the user asked for mapped ring buffers
 *
 * KPTRACE_MMAP set to anything but "" or "0" makes the tracefs backend map the
 * buffers where the kernel can (Linux 6.10+). It is not the default: on the
 * kernels measured (6.18), handing over a mapped page costs more than
 * splicing it, because the kernel steps its own reader over every record of
 * the page (bench/README.md). Returns true when asked.
 */
bool kpt_stream_mapping_wanted(void)
{
	const char *env = getenv("KPTRACE_MMAP");

	return env && *env && strcmp(env, "0") != 0;
}

/**
 * kpt_stream_probe_mapping - can this kernel map @instance's buffers?
 * @instance: an instance of the caller's, nothing enabled in it
 *
 * Maps CPU 0's buffer and unmaps it again; no record is read. Returns 0 when
 * the mapping works, or -1 with errno: ENODEV where the kernel cannot map
 * trace buffers (before Linux 6.10), EBUSY where this buffer cannot be mapped
 * now (a snapshot), EPROTO for a meta page this code cannot read.
 */
int kpt_stream_probe_mapping(struct tracefs_instance *instance)
{
	struct cpu_reader reader = { .cpu = 0, .fd = -1 };
	struct kpt_stream stream = { .instance = instance };
	int ret, err;

	if (open_cpu(&stream, &reader) < 0)
		return -1;
	ret = map_cpu(&reader);
	err = errno;
	unmap_cpu(&reader);
	close(reader.fd);
	errno = err;
	return ret;
}

/**
 * kpt_stream_open - open a reader on every CPU's raw buffer of @instance
 * @instance: the session's instance
 * @tep: the event formats (for the ring buffer's page header)
 * @mono_clock: the instance's trace clock is "mono" (CLOCK_MONOTONIC); the
 *	mapped path needs it, and is tried only then and when asked for
 *	(kpt_stream_mapping_wanted())
 *
 * Returns the stream, or NULL after printing why.
 */
struct kpt_stream *kpt_stream_open(struct tracefs_instance *instance, struct tep_handle *tep,
				   bool mono_clock)
{
	struct kpt_stream *stream = calloc(1, sizeof(*stream));
	int cpu;

	if (!stream)
		return NULL;
	stream->instance = instance;
	stream->page_size = kpt_session_page_size(instance);
	stream->commit_size = tep_get_header_page_size(tep);
	if (stream->commit_size != 4)
		stream->commit_size = 8;
	stream->nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	stream->cpus = calloc(stream->nr_cpus, sizeof(*stream->cpus));
	stream->pollfds = calloc(stream->nr_cpus, sizeof(*stream->pollfds));
	if (!stream->cpus || !stream->pollfds)
		goto fail;
	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		stream->cpus[cpu].cpu = cpu;
		stream->cpus[cpu].fd = -1;
	}
	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		if (open_cpu(stream, &stream->cpus[cpu]) < 0) {
			kpt_err("cannot open the raw buffer of CPU %d in instance %s: %s", cpu,
				tracefs_instance_get_name(instance), strerror(errno));
			goto fail;
		}
		stream->pollfds[cpu] = (struct pollfd){ .fd = stream->cpus[cpu].fd,
							.events = POLLIN };
	}
	stream->mode = KPT_STREAM_SPLICE;
	if (mono_clock && kpt_stream_mapping_wanted() && map_all(stream) == 0)
		stream->mode = KPT_STREAM_MAPPED;
	else if (splice_setup(stream) < 0)
		goto fail;
	return stream;
fail:
	kpt_stream_close(stream);
	return NULL;
}

/**
 * kpt_stream_mode - how the stream reads the buffers
 * @stream: the stream
 */
enum kpt_stream_mode kpt_stream_mode(const struct kpt_stream *stream)
{
	return stream->mode;
}

/**
 * kpt_stream_nr_cpus - how many per-CPU sources the stream merges
 * @stream: the stream
 */
int kpt_stream_nr_cpus(const struct kpt_stream *stream)
{
	return stream->nr_cpus;
}

/**
 * kpt_stream_wait - sleep until a buffer passes its watermark, a signal, or @timeout_ms
 * @stream: the stream
 * @timeout_ms: the longest wait
 *
 * The kernel wakes pollers when a buffer is buffer_percent full, so a busy
 * trace is read in large batches and an idle one costs nothing.
 * Returns poll()'s result; -1 with EINTR when a signal came.
 */
int kpt_stream_wait(struct kpt_stream *stream, int timeout_ms)
{
	return poll(stream->pollfds, stream->nr_cpus, timeout_ms);
}

/* Count what the kernel says it lost before the page just loaded. */
static void count_missed(struct kpt_stream *stream, const struct kpt_rbpage *pg)
{
	if (pg->missed) {
		stream->loss.missed_pages++;
		if (pg->missed > 0)
			stream->loss.missed_events += pg->missed;
	}
}

/* ---------------------------------------------------------------- splice */

/*
 * Read one page of @reader's buffer onto its queue. @how is FULL_PAGE (only
 * a page the kernel has finished writing), ANY_PAGE (also the page being
 * written, which the kernel hands over as it is) or FLUSH (after tracing
 * stopped: whatever is left). Returns 1 with a page, 0 with none, -1 on an
 * error.
 */
enum read_mode { FULL_PAGE, ANY_PAGE, FLUSH };

static int read_page(struct kpt_stream *stream, struct cpu_reader *reader, enum read_mode how)
{
	struct page *page = get_page(stream);
	int ret;

	if (!page)
		return -1;
	switch (how) {
	case FULL_PAGE:
		ret = tracefs_cpu_buffered_read(reader->tcpu, page->data, true);
		break;
	case ANY_PAGE:
		ret = tracefs_cpu_read(reader->tcpu, page->data, true);
		break;
	default:
		ret = tracefs_cpu_flush(reader->tcpu, page->data);
		break;
	}
	if (ret <= 0) {
		put_page(stream, page);
		return ret < 0 && errno != EAGAIN && errno != EINTR ? -1 : 0;
	}
	page->next = NULL;
	if (reader->tail)
		reader->tail->next = page;
	else
		reader->head = page;
	reader->tail = page;
	return 1;
}

/*
 * While tracing, take the pages the kernel has filled (spliced, so a page
 * still being written stays in the kernel): reading that page too would
 * return it with only the few records written since the last read, so a
 * reader as fast as the writer would spend a system call and a page on a
 * handful of records, over and over. Only when a CPU has no full page is
 * its partial page taken, once a round, so that a quiet trace is still
 * reported promptly. After tracing stopped, everything is flushed.
 */
static int drain_cpu(struct kpt_stream *stream, struct cpu_reader *reader, bool final)
{
	int ret, pages = 0;

	while ((ret = read_page(stream, reader, final ? FLUSH : FULL_PAGE)) > 0)
		pages++;
	if (ret == 0 && !final && !pages)
		ret = read_page(stream, reader, ANY_PAGE);
	return ret < 0 ? -1 : 0;
}

/* The timestamp of the last record on @page, to advance the round's maximum. */
static uint64_t last_timestamp(struct kpt_stream *stream, struct page *page)
{
	struct kpt_rbpage pg;

	if (kpt_rbpage_load(&pg, page->data, stream->page_size, stream->commit_size) < 0)
		return 0;
	return kpt_rbpage_last_ts(&pg);
}

static int splice_fill(struct kpt_stream *stream, bool final, uint64_t *limit)
{
	uint64_t unread_after = UINT64_MAX;	/* no CPU holds back a record older */
	int cpu;

	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		struct cpu_reader *reader = &stream->cpus[cpu];
		struct page *old_tail = reader->tail;

		if (drain_cpu(stream, reader, final) < 0) {
			kpt_err("cannot read the raw buffer of CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		if (reader->tail && reader->tail != old_tail) {
			uint64_t ts = last_timestamp(stream, reader->tail);

			if (ts > stream->round_max)
				stream->round_max = ts;
			/* It may keep newer records in its partial page. */
			if (ts < unread_after)
				unread_after = ts;
		}
	}
	*limit = stream->prev_round_max < unread_after ? stream->prev_round_max : unread_after;
	if (final)
		*limit = UINT64_MAX;	/* tracing has stopped and every CPU is flushed */
	stream->prev_round_max = stream->round_max;
	return 0;
}

/* The next page of the CPU's queue into pg: true with one, false when the queue is empty. */
static bool splice_next_page(struct kpt_stream *stream, struct cpu_reader *reader)
{
	if (reader->loaded) {
		/* Page done: recycle it and go on with the next one. */
		struct page *done = reader->head;

		reader->head = done->next;
		if (!reader->head)
			reader->tail = NULL;
		reader->loaded = false;
		put_page(stream, done);
	}
	if (!reader->head)
		return false;
	if (kpt_rbpage_load(&reader->pg, reader->head->data, stream->page_size,
			    stream->commit_size) == 0) {
		reader->loaded = true;
		count_missed(stream, &reader->pg);
	} else {
		reader->pg.size = reader->pg.next = 0;	/* skipped as empty */
		reader->loaded = true;
	}
	return true;
}

/* ---------------------------------------------------------------- mapped */

/*
 * The page after the one consumed: ask the kernel for its reader sub-buffer.
 * The same sub-buffer again means the kernel is still writing it (it is also
 * the commit page): go on where we stopped. Returns true when there may be
 * records to read.
 */
static bool mapped_next_page(struct kpt_stream *stream, struct cpu_reader *reader)
{
	const unsigned char *subbuf;
	uint32_t id;

	subbuf = kpt_rbmap_get_reader(&reader->map, &id);
	if (!subbuf) {
		if (errno != EINTR && errno != EAGAIN && !stream->read_errno) {
			stream->read_errno = errno;
			stream->error_cpu = reader->cpu;
		}
		return false;
	}
	if (reader->loaded && id == reader->reader_id)
		return kpt_rbpage_refresh(&reader->pg);
	if (kpt_rbpage_load(&reader->pg, subbuf, reader->map.layout.subbuf_size,
			    stream->commit_size) < 0)
		return false;
	reader->reader_id = id;
	reader->loaded = true;
	count_missed(stream, &reader->pg);
	return true;
}

static int mapped_fill(struct kpt_stream *stream, bool final, uint64_t *limit)
{
	uint64_t now = kpt_monotonic_ns();

	if (stream->read_errno) {
		kpt_err("cannot take the next page of CPU %d's mapped buffer: %s",
			stream->error_cpu, strerror(stream->read_errno));
		return -1;
	}
	*limit = final ? UINT64_MAX : stream->prev_round_start;
	stream->prev_round_start = now;
	return 0;
}

/* ---------------------------------------------------------------- both */

/**
 * kpt_stream_fill - make what the kernel has buffered available to the merge
 * @stream: the stream
 * @final: tracing has stopped; release every record
 * @limit: the newest timestamp the merge may hand out now
 *
 * The splice path reads every CPU's pages here; the mapped path reads them as
 * the merge asks. Returns 0, or -1 after printing a read error.
 */
int kpt_stream_fill(struct kpt_stream *stream, bool final, uint64_t *limit)
{
	if (stream->mode == KPT_STREAM_MAPPED)
		return mapped_fill(stream, final, limit);
	return splice_fill(stream, final, limit);
}

/**
 * kpt_stream_next - merge source: the next record of @cpu
 * @ctx: the stream
 * @cpu: the CPU
 * @rec: filled with the record, valid until the next call for @cpu
 *
 * Returns 1 with a record, 0 when the CPU has nothing more for now.
 */
int kpt_stream_next(void *ctx, int cpu, struct kpt_record *rec)
{
	struct kpt_stream *stream = ctx;
	struct cpu_reader *reader = &stream->cpus[cpu];
	const void *data;
	uint32_t len;

	for (;;) {
		if (reader->loaded) {
			data = kpt_rbpage_next(&reader->pg, &len);
			if (data)
				break;
		}
		if (stream->mode == KPT_STREAM_MAPPED) {
			if (!mapped_next_page(stream, reader))
				return 0;
		} else if (!splice_next_page(stream, reader)) {
			return 0;
		}
	}
	rec->ts = reader->pg.ts;
	rec->data = (void *)data;
	rec->size = len;
	rec->cpu = cpu;
	return 1;
}

static void read_cpu_stats(struct kpt_stream *stream, int cpu, struct kpt_loss *loss)
{
	char file[64], *stats, *line;
	unsigned long long val;

	snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
	stats = tracefs_instance_file_read(stream->instance, file, NULL);
	if (!stats)
		return;
	line = strstr(stats, "overrun:");
	if (line && sscanf(line, "overrun: %llu", &val) == 1)
		loss->overrun += val;
	line = strstr(stats, "dropped events:");
	if (line && sscanf(line, "dropped events: %llu", &val) == 1)
		loss->dropped += val;
	free(stats);
}

/**
 * kpt_stream_loss - what the ring buffers lost so far
 * @stream: the stream
 * @loss: filled with page flags seen while reading and the per-CPU stats
 */
void kpt_stream_loss(struct kpt_stream *stream, struct kpt_loss *loss)
{
	int cpu;

	*loss = stream->loss;
	for (cpu = 0; cpu < stream->nr_cpus; cpu++)
		read_cpu_stats(stream, cpu, loss);
}

/**
 * kpt_stream_close - close every reader and free the stream (NULL is fine)
 * @stream: the stream
 */
void kpt_stream_close(struct kpt_stream *stream)
{
	struct page *page;
	int cpu;

	if (!stream)
		return;
	for (cpu = 0; stream->cpus && cpu < stream->nr_cpus; cpu++) {
		struct cpu_reader *reader = &stream->cpus[cpu];

		while (reader->head) {
			page = reader->head;
			reader->head = page->next;
			free(page);
		}
		unmap_cpu(reader);
		if (reader->tcpu)
			tracefs_cpu_free_fd(reader->tcpu);
		if (reader->fd >= 0)
			close(reader->fd);
	}
	while ((page = stream->free_pages)) {
		stream->free_pages = page->next;
		free(page);
	}
	free(stream->cpus);
	free(stream->pollfds);
	free(stream);
}

static void *tracefs_open(struct kpt_session *session, int pid)
{
	struct kpt_stream *stream;

	if (pid && kpt_session_follow(session, pid) < 0)
		return NULL;
	stream = kpt_stream_open(session->instance, session->tep,
				 strcmp(session->clock, "mono") == 0);
	if (stream)
		stream->session = session;
	return stream;
}

static int tracefs_nr_cpus(void *stream)
{
	return kpt_stream_nr_cpus(stream);
}

static int tracefs_enable(void *stream)
{
	return kpt_session_enable(((struct kpt_stream *)stream)->session);
}

static void tracefs_stop(void *stream)
{
	kpt_session_stop(((struct kpt_stream *)stream)->session);
}

static int tracefs_wait(void *stream, int timeout_ms)
{
	return kpt_stream_wait(stream, timeout_ms);
}

static int tracefs_fill(void *stream, bool final, uint64_t *limit)
{
	return kpt_stream_fill(stream, final, limit);
}

static void tracefs_loss(void *stream, struct kpt_loss *loss)
{
	kpt_stream_loss(stream, loss);
}

static void tracefs_close(void *stream)
{
	kpt_stream_close(stream);
}

/* The default backend: the session instance's per-CPU raw ring buffers. */
const struct kpt_source_ops kpt_tracefs_source = {
	.name = "tracefs",
	.open = tracefs_open,
	.nr_cpus = tracefs_nr_cpus,
	.enable = tracefs_enable,
	.stop = tracefs_stop,
	.wait = tracefs_wait,
	.fill = tracefs_fill,
	.next = kpt_stream_next,
	.loss = tracefs_loss,
	.close = tracefs_close,
};
