// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stream the tracefs per-CPU raw ring buffers.
 *
 * Each CPU has one trace_pipe_raw reader (a tracefs_cpu over our own
 * non-blocking fd, so it can be polled) and a kbuffer to walk the page at
 * the head of its queue. Pages come from a free list, so steady streaming
 * allocates nothing.
 *
 * Ordering across CPUs: a record read in one round may have an earlier
 * timestamp than a record of another CPU that is committed a moment later
 * and so only read in the next round. kpt_stream_fill() therefore releases
 * records up to the newest timestamp of the *previous* round: by the time a
 * round starts, everything stamped before that has been committed. It has
 * also been read, but for the partial page of a CPU that gave full pages
 * this round (see drain_cpu()): whatever that CPU still holds is newer than
 * the last record read from it, so the release stops there too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "session/session.h"
#include "source/source.h"
#include "source/stream.h"
#include "util.h"

struct page {
	struct page *next;
	char data[];
};

struct cpu_reader {
	int cpu;
	int fd;
	struct tracefs_cpu *tcpu;
	struct kbuffer *kbuf;
	struct page *head;		/* loaded in kbuf, or NULL */
	struct page *tail;
	bool loaded;
};

struct kpt_stream {
	struct kpt_session *session;	/* set when opened as a source */
	struct tracefs_instance *instance;
	struct cpu_reader *cpus;
	struct pollfd *pollfds;
	int nr_cpus;
	int page_size;
	struct page *free_pages;
	struct kbuffer *scratch;	/* walks a tail page without disturbing its reader */
	uint64_t prev_round_max;	/* released up to here */
	uint64_t round_max;
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

static int open_cpu(struct kpt_stream *stream, struct tep_handle *tep, struct cpu_reader *reader)
{
	char file[64];
	char *path;

	snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", reader->cpu);
	path = tracefs_instance_get_file(stream->instance, file);
	if (!path)
		return -1;
	reader->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	tracefs_put_tracing_file(path);
	if (reader->fd < 0)
		return -1;
	reader->tcpu = tracefs_cpu_alloc_fd(reader->fd, stream->page_size, true);
	reader->kbuf = tep_kbuffer(tep);
	return reader->tcpu && reader->kbuf ? 0 : -1;
}

/**
 * kpt_stream_open - open a reader on every CPU's raw buffer of @instance
 * @instance: the session's instance
 * @tep: the event formats (for the ring buffer's header layout)
 *
 * Returns the stream, or NULL after printing why.
 */
struct kpt_stream *kpt_stream_open(struct tracefs_instance *instance, struct tep_handle *tep)
{
	struct kpt_stream *stream = calloc(1, sizeof(*stream));
	int cpu;

	if (!stream)
		return NULL;
	stream->instance = instance;
	stream->page_size = getpagesize();
	stream->nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	stream->cpus = calloc(stream->nr_cpus, sizeof(*stream->cpus));
	stream->pollfds = calloc(stream->nr_cpus, sizeof(*stream->pollfds));
	stream->scratch = tep_kbuffer(tep);
	if (!stream->cpus || !stream->pollfds || !stream->scratch)
		goto fail;
	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		stream->cpus[cpu].cpu = cpu;
		stream->cpus[cpu].fd = -1;
	}
	for (cpu = 0; cpu < stream->nr_cpus; cpu++) {
		if (open_cpu(stream, tep, &stream->cpus[cpu]) < 0) {
			kpt_err("cannot open the raw buffer of CPU %d in instance %s: %s", cpu,
				tracefs_instance_get_name(instance), strerror(errno));
			goto fail;
		}
		stream->pollfds[cpu] = (struct pollfd){ .fd = stream->cpus[cpu].fd,
							.events = POLLIN };
	}
	return stream;
fail:
	kpt_stream_close(stream);
	return NULL;
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
static uint64_t last_timestamp(struct kbuffer *kbuf, struct page *page)
{
	unsigned long long ts = 0, last = 0;
	void *data;

	kbuffer_load_subbuffer(kbuf, page->data);
	for (data = kbuffer_read_event(kbuf, &ts); data; data = kbuffer_next_event(kbuf, &ts))
		last = ts;
	return last;
}

/**
 * kpt_stream_fill - read everything the kernel has buffered, on every CPU
 * @stream: the stream
 * @final: tracing has stopped; release every record
 * @limit: the newest timestamp the merge may hand out now
 *
 * Returns 0, or -1 after printing a read error.
 */
int kpt_stream_fill(struct kpt_stream *stream, bool final, uint64_t *limit)
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
			uint64_t ts = last_timestamp(stream->scratch, reader->tail);

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

/* Load the head page into the kbuffer, counting what the kernel says it lost. */
static void load_head(struct kpt_stream *stream, struct cpu_reader *reader)
{
	int missed;

	kbuffer_load_subbuffer(reader->kbuf, reader->head->data);
	reader->loaded = true;
	missed = kbuffer_missed_events(reader->kbuf);
	if (missed) {
		stream->loss.missed_pages++;
		if (missed > 0)
			stream->loss.missed_events += missed;
	}
}

/**
 * kpt_stream_next - merge source: the next record of @cpu
 * @ctx: the stream
 * @cpu: the CPU
 * @rec: filled with the record, valid until the next call for @cpu
 *
 * Returns 1 with a record, 0 when the CPU's queue is empty.
 */
int kpt_stream_next(void *ctx, int cpu, struct kpt_record *rec)
{
	struct kpt_stream *stream = ctx;
	struct cpu_reader *reader = &stream->cpus[cpu];
	unsigned long long ts;
	void *data;

	for (;;) {
		if (!reader->head)
			return 0;
		if (!reader->loaded) {
			load_head(stream, reader);
			data = kbuffer_read_event(reader->kbuf, &ts);
		} else {
			data = kbuffer_next_event(reader->kbuf, &ts);
		}
		if (data)
			break;
		/* Page done: recycle it and go on with the next one. */
		struct page *done = reader->head;

		reader->head = done->next;
		if (!reader->head)
			reader->tail = NULL;
		reader->loaded = false;
		put_page(stream, done);
	}
	rec->ts = ts;
	rec->data = data;
	rec->size = kbuffer_event_size(reader->kbuf);
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
		if (reader->tcpu)
			tracefs_cpu_free_fd(reader->tcpu);
		if (reader->fd >= 0)
			close(reader->fd);
		kbuffer_free(reader->kbuf);
	}
	while ((page = stream->free_pages)) {
		stream->free_pages = page->next;
		free(page);
	}
	kbuffer_free(stream->scratch);
	free(stream->cpus);
	free(stream->pollfds);
	free(stream);
}

static void *tracefs_open(struct kpt_session *session, int pid)
{
	struct kpt_stream *stream;

	if (pid && kpt_session_follow(session, pid) < 0)
		return NULL;
	stream = kpt_stream_open(session->instance, session->tep);
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
