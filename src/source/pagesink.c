// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page sink: the cheap path of record. Nothing is decoded while tracing.
 *
 * Each CPU's trace_pipe_raw is spliced into a pipe and from the pipe into
 * that CPU's temporary file, so full pages move in the kernel, up to a pipe's
 * worth (1 MiB) per pair of system calls. splice() hands out only full pages;
 * the page the kernel is still writing is read() once tracing has stopped.
 * Where splice() is not supported, every page is read() and write()n.
 *
 * The CPU files are created in the recording's parts directory, next to the
 * output (same file system, so assembling the trace.dat can copy in the
 * kernel, and no RAM-backed /tmp fills up), and synced about once a second:
 * if kptrace is killed, they are what 'kptrace record --recover' turns into a
 * file (tracedat/parts.c). record removes them once the file is complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "source/pagesink.h"
#include "session/session.h"
#include "util.h"

#define PIPE_BYTES	(1024 * 1024)
/* Most a CPU moves per fill, in pipes' worth, so one busy CPU cannot starve the others. */
#define MAX_ROUNDS	64
/* How often the CPU files are synced to disk while tracing. */
#define SYNC_NS		NSEC_PER_SEC

struct sink_cpu {
	int fd;			/* trace_pipe_raw, non-blocking */
	int tmp_fd;
	uint64_t size;
	uint64_t synced;	/* bytes of it known to be on disk */
};

struct kpt_pagesink {
	struct kpt_session *session;
	const char *dir;		/* the CPU files' directory */
	uint64_t last_sync;		/* when they were last synced */
	struct sink_cpu *cpus;
	struct pollfd *pollfds;
	int nr_cpus;
	unsigned int page_size;
	int pipe[2];
	size_t pipe_size;
	bool splice_in;			/* trace_pipe_raw -> pipe works */
	bool spliced;			/* it worked once, so a later EINVAL is an error */
	bool splice_out;		/* pipe -> file works */
	char *page;
};

/* The instance's ring-buffer page size: its sub-buffer size where the kernel has one. */
static unsigned int read_page_size(struct tracefs_instance *instance)
{
	char *text = tracefs_instance_file_read(instance, "buffer_subbuf_size_kb", NULL);
	unsigned long kb = text ? strtoul(text, NULL, 10) : 0;

	free(text);
	return kb ? kb * 1024 : (unsigned int)getpagesize();
}

/* The names of new files in @dir survive a power cut once it is synced. */
static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int open_tmp(struct kpt_pagesink *sink, int cpu)
{
	char *path = kpt_asprintf("%s/cpu%d", sink->dir, cpu);
	int fd;

	if (!path)
		return -1;
	/* Read back too: the complete file is assembled from it. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		kpt_err("cannot create %s: %s", path, strerror(errno));
	free(path);
	return fd;
}

static int open_raw(struct kpt_pagesink *sink, struct tracefs_instance *instance, int cpu)
{
	char file[64], *path;
	int fd;

	snprintf(file, sizeof(file), "per_cpu/cpu%d/trace_pipe_raw", cpu);
	path = tracefs_instance_get_file(instance, file);
	if (!path)
		return -1;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		kpt_err("cannot open the raw buffer of CPU %d in instance %s: %s", cpu,
			tracefs_instance_get_name(instance), strerror(errno));
	tracefs_put_tracing_file(path);
	return fd;
}

static int open_pipe(struct kpt_pagesink *sink)
{
	int size;

	if (pipe2(sink->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		kpt_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(sink->pipe[1], F_SETPIPE_SZ, PIPE_BYTES);	/* a smaller pipe works too */
	size = fcntl(sink->pipe[1], F_GETPIPE_SZ);
	sink->pipe_size = size > 0 ? size : 16 * getpagesize();
	if (sink->pipe_size < sink->page_size)
		sink->splice_in = false;
	return 0;
}

/**
 * kpt_pagesink_open - open every CPU's raw buffer and a file for its pages
 * @session: the session: probes created, not yet enabled
 * @pid: trace only this process and what it starts, or 0 for every process
 * @dir: an existing directory for the CPU files "cpuN" (must outlive the sink);
 *       they are left there, for the caller to remove
 *
 * Returns the sink (use it through kpt_pagesink_ops), or NULL after printing why.
 */
struct kpt_pagesink *kpt_pagesink_open(struct kpt_session *session, int pid, const char *dir)
{
	struct kpt_pagesink *sink = calloc(1, sizeof(*sink));
	int cpu;

	if (!sink)
		return NULL;
	sink->session = session;
	sink->dir = dir;
	sink->pipe[0] = sink->pipe[1] = -1;
	sink->splice_in = sink->splice_out = true;
	sink->page_size = read_page_size(session->instance);
	sink->nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	sink->cpus = calloc(sink->nr_cpus, sizeof(*sink->cpus));
	sink->pollfds = calloc(sink->nr_cpus, sizeof(*sink->pollfds));
	sink->page = malloc(sink->page_size);
	if (!sink->cpus || !sink->pollfds || !sink->page)
		goto fail;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++)
		sink->cpus[cpu].fd = sink->cpus[cpu].tmp_fd = -1;
	if (pid && kpt_session_follow(session, pid) < 0)
		goto fail;
	if (open_pipe(sink) < 0)
		goto fail;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		sink->cpus[cpu].fd = open_raw(sink, session->instance, cpu);
		if (sink->cpus[cpu].fd < 0)
			goto fail;
		sink->cpus[cpu].tmp_fd = open_tmp(sink, cpu);
		if (sink->cpus[cpu].tmp_fd < 0)
			goto fail;
		sink->pollfds[cpu] = (struct pollfd){ .fd = sink->cpus[cpu].fd, .events = POLLIN };
	}
	fsync_dir(dir);
	sink->last_sync = kpt_monotonic_ns();
	return sink;
fail:
	kpt_pagesink_close(sink);
	return NULL;
}

static int write_error(struct kpt_pagesink *sink, int cpu)
{
	kpt_err("cannot write the pages of CPU %d to %s/cpu%d: %s", cpu, sink->dir, cpu,
		strerror(errno));
	return -1;
}

/* Sync the CPU files that grew, at most every SYNC_NS: a power cut loses about a second. */
static int sync_pages(struct kpt_pagesink *sink)
{
	uint64_t now = kpt_monotonic_ns();
	int cpu;

	if (now - sink->last_sync < SYNC_NS)
		return 0;
	sink->last_sync = now;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		struct sink_cpu *sc = &sink->cpus[cpu];

		if (sc->synced == sc->size)
			continue;
		if (fdatasync(sc->tmp_fd) < 0)
			return write_error(sink, cpu);
		sc->synced = sc->size;
	}
	return 0;
}

static int write_all(int fd, const char *data, size_t size)
{
	while (size) {
		ssize_t n = write(fd, data, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		data += n;
		size -= n;
	}
	return 0;
}

/* Move @len bytes from the pipe to the CPU's file. */
static int drain_pipe(struct kpt_pagesink *sink, int cpu, size_t len)
{
	struct sink_cpu *sc = &sink->cpus[cpu];

	while (len) {
		ssize_t n;

		if (sink->splice_out) {
			n = splice(sink->pipe[0], NULL, sc->tmp_fd, NULL, len, SPLICE_F_MOVE);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS) && !sc->size) {
				sink->splice_out = false;
				continue;
			}
		} else {
			n = read(sink->pipe[0], sink->page,
				 len < sink->page_size ? len : sink->page_size);
			if (n > 0 && write_all(sc->tmp_fd, sink->page, n) < 0)
				n = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return write_error(sink, cpu);
		}
		len -= n;
		sc->size += n;
	}
	return 0;
}

/* Splice the CPU's full pages; returns 0 also when splice turns out unsupported. */
static int splice_pages(struct kpt_pagesink *sink, int cpu)
{
	int round;

	for (round = 0; round < MAX_ROUNDS; round++) {
		ssize_t n = splice(sink->cpus[cpu].fd, NULL, sink->pipe[1], NULL, sink->pipe_size,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && !sink->spliced && (errno == EINVAL || errno == ENOSYS)) {
			sink->splice_in = false;
			return 0;
		}
		if (n < 0) {
			kpt_err("cannot read the raw buffer of CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		sink->spliced = true;
		if (drain_pipe(sink, cpu, n) < 0)
			return -1;
	}
	return 0;
}

/* read() every page the CPU has, the one being written too. */
static int read_pages(struct kpt_pagesink *sink, int cpu)
{
	struct sink_cpu *sc = &sink->cpus[cpu];
	int round;

	for (round = 0; round < MAX_ROUNDS * (PIPE_BYTES / 4096); round++) {
		ssize_t n = read(sc->fd, sink->page, sink->page_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			kpt_err("cannot read the raw buffer of CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		/* Files hold whole pages; the page header says how much is data. */
		memset(sink->page + n, 0, sink->page_size - n);
		if (write_all(sc->tmp_fd, sink->page, sink->page_size) < 0)
			return write_error(sink, cpu);
		sc->size += sink->page_size;
	}
	return 0;
}

static int sink_fill(void *ctx, bool final, uint64_t *limit)
{
	struct kpt_pagesink *sink = ctx;
	int cpu;

	*limit = 0;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		if (sink->splice_in && splice_pages(sink, cpu) < 0)
			return -1;
		/* A final read() gets the partial page splice() leaves. */
		if ((final || !sink->splice_in) && read_pages(sink, cpu) < 0)
			return -1;
	}
	return final ? 0 : sync_pages(sink);
}

/**
 * kpt_pagesink_nr_cpus - how many CPUs the sink records (every configured one)
 * @sink: the sink
 */
int kpt_pagesink_nr_cpus(const struct kpt_pagesink *sink)
{
	return sink->nr_cpus;
}

/**
 * kpt_pagesink_page_size - the size of the ring buffer's pages, as recorded
 * @sink: the sink
 */
unsigned int kpt_pagesink_page_size(const struct kpt_pagesink *sink)
{
	return sink->page_size;
}

/**
 * kpt_pagesink_cpu - where a CPU's pages are
 * @sink: the sink
 * @cpu: the CPU
 * @out: filled in; the fd stays the sink's
 */
void kpt_pagesink_cpu(const struct kpt_pagesink *sink, int cpu, struct kpt_pagesink_cpu *out)
{
	out->fd = sink->cpus[cpu].tmp_fd;
	out->size = sink->cpus[cpu].size;
}

/**
 * kpt_pagesink_stats - the text of a CPU's per_cpu/cpuN/stats in the instance
 * @sink: the sink
 * @cpu: the CPU
 *
 * Returns the text, to free(), or NULL.
 */
char *kpt_pagesink_stats(struct kpt_pagesink *sink, int cpu)
{
	char file[64];

	snprintf(file, sizeof(file), "per_cpu/cpu%d/stats", cpu);
	return tracefs_instance_file_read(sink->session->instance, file, NULL);
}

static void sink_loss(void *ctx, struct kpt_loss *loss)
{
	struct kpt_pagesink *sink = ctx;
	unsigned long long val;
	char *stats, *line;
	int cpu;

	memset(loss, 0, sizeof(*loss));
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		stats = kpt_pagesink_stats(sink, cpu);
		if (!stats)
			continue;
		line = strstr(stats, "overrun:");
		if (line && sscanf(line, "overrun: %llu", &val) == 1)
			loss->overrun += val;
		line = strstr(stats, "dropped events:");
		if (line && sscanf(line, "dropped events: %llu", &val) == 1)
			loss->dropped += val;
		free(stats);
	}
}

/**
 * kpt_pagesink_close - close the buffers and the temporary files (NULL is fine)
 * @sink: the sink
 */
void kpt_pagesink_close(struct kpt_pagesink *sink)
{
	int cpu;

	if (!sink)
		return;
	for (cpu = 0; sink->cpus && cpu < sink->nr_cpus; cpu++) {
		if (sink->cpus[cpu].fd >= 0)
			close(sink->cpus[cpu].fd);
		if (sink->cpus[cpu].tmp_fd >= 0)
			close(sink->cpus[cpu].tmp_fd);
	}
	if (sink->pipe[0] >= 0)
		close(sink->pipe[0]);
	if (sink->pipe[1] >= 0)
		close(sink->pipe[1]);
	free(sink->cpus);
	free(sink->pollfds);
	free(sink->page);
	free(sink);
}

static int sink_nr_cpus(void *ctx)
{
	return kpt_pagesink_nr_cpus(ctx);
}

static int sink_enable(void *ctx)
{
	return kpt_session_enable(((struct kpt_pagesink *)ctx)->session);
}

static void sink_stop(void *ctx)
{
	kpt_session_stop(((struct kpt_pagesink *)ctx)->session);
}

static int sink_wait(void *ctx, int timeout_ms)
{
	struct kpt_pagesink *sink = ctx;

	return poll(sink->pollfds, sink->nr_cpus, timeout_ms);
}

static void sink_close(void *ctx)
{
	kpt_pagesink_close(ctx);
}

/* Opened by kpt_pagesink_open(); hands on no records, so it has no next(). */
const struct kpt_source_ops kpt_pagesink_ops = {
	.name = "pagesink",
	.nr_cpus = sink_nr_cpus,
	.enable = sink_enable,
	.stop = sink_stop,
	.wait = sink_wait,
	.fill = sink_fill,
	.loss = sink_loss,
	.close = sink_close,
};
