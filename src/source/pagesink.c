// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Page sink: the cheap path of record. Nothing is decoded while tracing.
 *
 * Three threads share the work, so that the reader never waits for the disk:
 *
 * - the reader (the caller's thread, through kpt_pagesink_ops) splices each
 *   CPU's full pages from its trace_pipe_raw into that CPU's pipes, without
 *   blocking: the pages move in the kernel, up to a pipe's worth per call;
 * - the writer (a thread of the sink's) splices them on from the pipes into
 *   the CPUs' files, through a staging pipe of its own;
 * - the syncer (another) syncs the files about once a second.
 *
 * A write to a file can wait a hundred milliseconds and more behind the file
 * system while the file is synced, far longer than the ring buffer lasts at a
 * few million events a second. Each CPU has a ring of pipes, filled and
 * drained in turn, that together hold a share of a budget of pinned memory
 * (pipe-max-size, 1 MiB, caps one pipe without CAP_SYS_RESOURCE), so such a
 * wait fills the pipes instead of overwriting the ring buffer. splice() hands
 * out only full pages; the page the kernel is still writing is read() once
 * tracing has stopped and the writer has drained the pipes. Where splice()
 * is not supported, the reader read()s and write()s every page itself.
 *
 * The CPU files are created in the recording's parts directory, next to the
 * output (same file system, so assembling the trace.dat can copy in the
 * kernel, and no RAM-backed /tmp fills up): if kptrace is killed, they are
 * what 'kptrace record --recover' turns into a file (tracedat/parts.c).
 * record removes them once the file is complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <tracefs.h>

#include "source/pagesink.h"
#include "session/session.h"
#include "util.h"

/*
 * What the CPUs' pipes may hold together while the writer waits for the disk:
 * a sixty-fourth of the RAM, within these bounds (64 MiB is about half a
 * second of the fastest load bench/ measures). Each CPU's ring of pipes holds
 * its share, and at least its ring buffer's size. (The pages are the
 * kernel's, pinned only while the writer lags: an empty pipe holds none.)
 */
#define PIPES_MIN_BYTES	(8UL << 20)
#define PIPES_MAX_BYTES	(64UL << 20)
/* Most a CPU moves per fill, in rings of pipes, so one busy CPU cannot starve the others. */
#define MAX_ROUNDS	4
/* How often the CPU files are synced to disk while tracing. */
#define SYNC_MS		1000
/* The writer's staging pipe (/proc/sys/fs/pipe-max-size's default). */
#define STAGE_BYTES	(1024 * 1024)
/* How often the writer drains the pipes. */
#define DRAIN_MS	4
/* What the writer moves per call where it cannot splice into the file. */
#define COPY_BYTES	(64 * 1024)

/* A non-blocking pipe: the reader writes into it, the writer reads from it. */
struct sink_pipe {
	int fd[2];
	size_t size;
};

struct sink_cpu {
	int fd;			/* trace_pipe_raw, non-blocking */
	int tmp_fd;
	struct sink_pipe *pipes;	/* a ring of nr_pipes */
	unsigned int nr_pipes;
	/*
	 * Pipes the reader has filled and moved on from, and pipes the writer has
	 * drained after that, since the start (atomic): the reader fills pipe
	 * filled % nr_pipes, the writer drains pipe drained % nr_pipes.
	 */
	unsigned long filled;
	unsigned long drained;
	uint64_t size;		/* bytes in the file; atomic while the writer runs */
	uint64_t synced;	/* the syncer's: bytes of it known to be on disk */
};

struct kpt_pagesink;

/* A thread of the sink's that does its work every interval_ms, until stopped. */
struct worker {
	const char *what;	/* for messages: "writes", "syncs" */
	int interval_ms;
	/* Returns -1 with errno set, and the CPU whose file failed (or -1) in *cpu. */
	int (*work)(struct kpt_pagesink *sink, bool last, int *cpu);
	struct kpt_pagesink *sink;
	pthread_t thread;
	bool running;
	int stop[2];		/* a byte in it: work once more, and end */
};

struct kpt_pagesink {
	struct kpt_session *session;
	const char *dir;		/* the CPU files' directory */
	struct sink_cpu *cpus;
	struct pollfd *pollfds;		/* what the reader waits for, per CPU */
	int nr_cpus;
	unsigned int page_size;
	bool splice_in;			/* trace_pipe_raw -> pipe works */
	bool spliced;			/* it worked once, so a later EINVAL is an error */
	char *page;
	struct worker writer;		/* pipes -> files */
	bool splice_out;		/* the writer's: pipe -> file works */
	char *copy_buf;			/* the writer's, COPY_BYTES, where it does not */
	int stage[2];			/* the writer's pipe: CPU pipe -> stage -> file */
	size_t stage_size;
	struct worker syncer;		/* fdatasync() of the files */
	int error;			/* the workers' first errno, 0 if none: atomic */
	int error_cpu;			/* whose file; set before error */
};

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

static int write_error(struct kpt_pagesink *sink, int cpu)
{
	kpt_err("cannot write the pages of CPU %d to %s/cpu%d: %s", cpu, sink->dir, cpu,
		strerror(errno));
	return -1;
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

/* The memory the CPUs' pipes may pin, together. */
static size_t pipes_budget(void)
{
	long ram_pages = sysconf(_SC_PHYS_PAGES);
	size_t budget = ram_pages > 0 ? (size_t)ram_pages * getpagesize() / 64 : 0;

	return budget < PIPES_MIN_BYTES ? PIPES_MIN_BYTES :
	       budget > PIPES_MAX_BYTES ? PIPES_MAX_BYTES : budget;
}

/* A pipe's slots: one per system page of its size; a spliced page takes one whatever its size. */
static size_t pipe_slots(const struct sink_pipe *pipe)
{
	return pipe->size / getpagesize();
}

/* The bytes of ring-buffer pages @pipe holds: with 16 KiB sub-buffers, four times its size. */
static size_t pipe_holds(const struct kpt_pagesink *sink, const struct sink_pipe *pipe)
{
	return pipe_slots(pipe) * sink->page_size;
}

static int open_pipe(struct sink_pipe *pipe, size_t want)
{
	int size;

	if (pipe2(pipe->fd, O_CLOEXEC | O_NONBLOCK) < 0) {
		kpt_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	/* Without CAP_SYS_RESOURCE, /proc/sys/fs/pipe-max-size caps it: take less. */
	while (want >= 64 * 1024 && fcntl(pipe->fd[1], F_SETPIPE_SZ, (int)want) < 0)
		want /= 2;
	size = fcntl(pipe->fd[1], F_GETPIPE_SZ);
	pipe->size = size > 0 ? size : 16 * getpagesize();
	return 0;
}

/* A CPU's ring of pipes: its share of the budget, at least its ring buffer's size, two or more. */
static int open_pipes(struct kpt_pagesink *sink, int cpu)
{
	struct sink_cpu *sc = &sink->cpus[cpu];
	ssize_t ring_kb = tracefs_instance_get_buffer_size(sink->session->instance, cpu);
	size_t want = pipes_budget() / sink->nr_cpus;
	struct sink_pipe first;
	unsigned int n;

	if (ring_kb > 0 && (size_t)ring_kb * 1024 > want)
		want = (size_t)ring_kb * 1024;
	/* The first pipe says how big the system lets a pipe be, so how many make the share. */
	if (open_pipe(&first, want) < 0)
		return -1;
	if (first.size < sink->page_size)
		sink->splice_in = false;
	n = want / pipe_holds(sink, &first);
	n = n < 2 ? 2 : n;
	sc->pipes = calloc(n, sizeof(*sc->pipes));
	if (!sc->pipes) {
		close(first.fd[0]);
		close(first.fd[1]);
		return -1;
	}
	sc->pipes[0] = first;
	for (sc->nr_pipes = 1; sc->nr_pipes < n; sc->nr_pipes++)
		if (open_pipe(&sc->pipes[sc->nr_pipes], first.size) < 0)
			return -1;
	return 0;
}

/* The writer's staging pipe, as big as the system allows without privileges. */
static int open_stage(struct kpt_pagesink *sink)
{
	int size;

	if (pipe2(sink->stage, O_CLOEXEC | O_NONBLOCK) < 0) {
		kpt_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(sink->stage[1], F_SETPIPE_SZ, STAGE_BYTES);	/* a smaller one works too */
	size = fcntl(sink->stage[1], F_GETPIPE_SZ);
	sink->stage_size = size > 0 ? size : 16 * getpagesize();
	return 0;
}

/* The writer: move @len bytes from its staging pipe into the CPU's file. */
static int write_stage(struct kpt_pagesink *sink, int cpu, size_t len)
{
	struct sink_cpu *sc = &sink->cpus[cpu];

	while (len) {
		ssize_t n;

		if (sink->splice_out) {
			n = splice(sink->stage[0], NULL, sc->tmp_fd, NULL, len, SPLICE_F_MOVE);
			if (n < 0 && (errno == EINVAL || errno == ENOSYS) && !sc->size) {
				sink->splice_out = false;
				continue;
			}
		} else {
			n = read(sink->stage[0], sink->copy_buf, len < COPY_BYTES ? len : COPY_BYTES);
			if (n > 0 && write_all(sc->tmp_fd, sink->copy_buf, n) < 0)
				n = -1;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		len -= n;
		__atomic_store_n(&sc->size, sc->size + n, __ATOMIC_RELEASE);
	}
	return 0;
}

/* The writer: move what is in @pipe into the CPU's file; returns -1 with errno set. */
static int empty_pipe(struct kpt_pagesink *sink, int cpu, struct sink_pipe *pipe)
{
	for (;;) {
		ssize_t n = splice(pipe->fd[0], NULL, sink->stage[1], NULL, sink->stage_size,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		if (write_stage(sink, cpu, n) < 0)
			return -1;
	}
}

/*
 * The writer: move what is in a CPU's pipes into its file, in the order the
 * reader filled them; returns -1 with errno set. The pages go through the
 * writer's own staging pipe: a splice into a file holds the pipe's lock while
 * the file system works, which can take tens of milliseconds, and the reader
 * must not wait for that lock.
 */
static int drain_pipe(struct kpt_pagesink *sink, int cpu)
{
	struct sink_cpu *sc = &sink->cpus[cpu];

	for (;;) {
		struct sink_pipe *pipe = &sc->pipes[sc->drained % sc->nr_pipes];
		/* Seen before emptying: once the reader has moved on, it adds nothing more here. */
		bool moved_on = __atomic_load_n(&sc->filled, __ATOMIC_ACQUIRE) != sc->drained;

		if (empty_pipe(sink, cpu, pipe) < 0)
			return -1;
		if (!moved_on)
			return 0;
		__atomic_store_n(&sc->drained, sc->drained + 1, __ATOMIC_RELEASE);
	}
}

/* The writer's work: drain every pipe into its file. */
static int write_pipes(struct kpt_pagesink *sink, bool last, int *cpu)
{
	(void)last;	/* the reader has moved its last pages: take them, as always */
	for (*cpu = 0; *cpu < sink->nr_cpus; (*cpu)++)
		if (drain_pipe(sink, *cpu) < 0)
			return -1;
	return 0;
}

/*
 * The syncer's work: sync the CPU files that grew, so that a power cut loses
 * about a second. It has a thread of its own: a second's pages can take a
 * third of a second to sync, and the writer keeps draining meanwhile.
 */
static int sync_files(struct kpt_pagesink *sink, bool last, int *cpu)
{
	if (last)
		return 0;
	for (*cpu = 0; *cpu < sink->nr_cpus; (*cpu)++) {
		struct sink_cpu *sc = &sink->cpus[*cpu];
		uint64_t size = __atomic_load_n(&sc->size, __ATOMIC_ACQUIRE);

		if (sc->synced == size)
			continue;
		if (fdatasync(sc->tmp_fd) < 0)
			return -1;
		sc->synced = size;
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pollfd stop = { .fd = wk->stop[0], .events = POLLIN };
	bool last = false;
	int cpu = -1;

	while (!last) {
		if (poll(&stop, 1, wk->interval_ms) < 0 && errno != EINTR)
			goto fail;
		last = stop.revents != 0;
		cpu = -1;
		if (wk->work(wk->sink, last, &cpu) < 0)
			goto fail;
	}
	return NULL;
fail:
	if (!errno)
		errno = EIO;
	wk->sink->error_cpu = cpu;
	__atomic_store_n(&wk->sink->error, errno, __ATOMIC_RELEASE);
	return NULL;
}

/* Start a worker with every signal blocked: they are the reader's to handle. */
static int worker_start(struct kpt_pagesink *sink, struct worker *wk)
{
	sigset_t all, old;
	int err;

	wk->sink = sink;
	if (pipe2(wk->stop, O_CLOEXEC) < 0) {
		kpt_err("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&wk->thread, NULL, worker_main, wk);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		kpt_err("cannot start the thread that %s %s: %s", wk->what, sink->dir,
			strerror(err));
		return -1;
	}
	wk->running = true;
	return 0;
}

/* Have the worker work once more, and wait until it has ended. */
static void worker_stop(struct worker *wk)
{
	if (!wk->running)
		return;
	while (write(wk->stop[1], "", 1) < 0 && errno == EINTR)
		;
	pthread_join(wk->thread, NULL);
	wk->running = false;
}

static void worker_close(struct worker *wk)
{
	worker_stop(wk);
	if (wk->stop[0] >= 0)
		close(wk->stop[0]);
	if (wk->stop[1] >= 0)
		close(wk->stop[1]);
}

/* The workers' error, reported by the reader; 0 if none. */
static int worker_error(struct kpt_pagesink *sink)
{
	int err = __atomic_load_n(&sink->error, __ATOMIC_ACQUIRE);

	if (!err)
		return 0;
	errno = err;
	if (sink->error_cpu < 0)
		kpt_err("cannot write the pages to %s: %s", sink->dir, strerror(err));
	else
		write_error(sink, sink->error_cpu);
	return -1;
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
	sink->writer = (struct worker){ .what = "writes", .interval_ms = DRAIN_MS,
					.work = write_pipes, .stop = { -1, -1 } };
	sink->syncer = (struct worker){ .what = "syncs", .interval_ms = SYNC_MS,
					.work = sync_files, .stop = { -1, -1 } };
	sink->stage[0] = sink->stage[1] = -1;
	sink->splice_in = sink->splice_out = true;
	sink->page_size = kpt_session_page_size(session->instance);
	sink->nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	sink->cpus = calloc(sink->nr_cpus, sizeof(*sink->cpus));
	sink->pollfds = calloc(sink->nr_cpus, sizeof(*sink->pollfds));
	sink->page = malloc(sink->page_size);
	sink->copy_buf = malloc(COPY_BYTES);
	if (!sink->cpus || !sink->pollfds || !sink->page || !sink->copy_buf)
		goto fail;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		struct sink_cpu *sc = &sink->cpus[cpu];

		sc->fd = sc->tmp_fd = -1;
	}
	if (pid && kpt_session_follow(session, pid) < 0)
		goto fail;
	kpt_raise_fd_limit();	/* six or more descriptors a CPU */
	for (cpu = 0; cpu < sink->nr_cpus; cpu++) {
		sink->cpus[cpu].fd = open_raw(sink, session->instance, cpu);
		if (sink->cpus[cpu].fd < 0)
			goto fail;
		sink->cpus[cpu].tmp_fd = open_tmp(sink, cpu);
		if (sink->cpus[cpu].tmp_fd < 0)
			goto fail;
		if (open_pipes(sink, cpu) < 0)
			goto fail;
		sink->pollfds[cpu] = (struct pollfd){ .fd = sink->cpus[cpu].fd, .events = POLLIN };
	}
	if (open_stage(sink) < 0)
		goto fail;
	fsync_dir(dir);
	if (worker_start(sink, &sink->writer) < 0 || worker_start(sink, &sink->syncer) < 0)
		goto fail;
	return sink;
fail:
	kpt_pagesink_close(sink);
	return NULL;
}

/*
 * Whether a ring-buffer page still fits in @pipe. Each page spliced in takes
 * one slot of the pipe, whatever its size, but the kernel lets a splice in
 * only as many bytes as the free slots hold at the system's page size: a
 * 16 KiB sub-buffer needs four free slots.
 */
static bool pipe_has_room(const struct kpt_pagesink *sink, const struct sink_pipe *pipe)
{
	size_t slot = getpagesize(), slots = pipe_slots(pipe), used;
	int queued;

	if (ioctl(pipe->fd[1], FIONREAD, &queued) < 0)
		return true;
	used = ((size_t)queued + sink->page_size - 1) / sink->page_size;
	return used < slots && (slots - used) * slot >= sink->page_size;
}

/*
 * The reader: splice the CPU's full pages into its pipes, moving on to the
 * next pipe of the ring as one fills; returns 0 also when splice turns out
 * unsupported. While every pipe is full, the reader waits for room in the
 * one the writer drains instead of for pages in the ring buffer.
 */
static int splice_pages(struct kpt_pagesink *sink, int cpu)
{
	struct sink_cpu *sc = &sink->cpus[cpu];
	struct pollfd *pfd = &sink->pollfds[cpu];
	int round;

	*pfd = (struct pollfd){ .fd = sc->fd, .events = POLLIN };
	for (round = 0; round < MAX_ROUNDS * (int)sc->nr_pipes; round++) {
		struct sink_pipe *pipe = &sc->pipes[sc->filled % sc->nr_pipes];
		ssize_t n = splice(sc->fd, NULL, pipe->fd[1], NULL, pipe->size,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		/*
		 * No full page, or no room for one: EAGAIN, or EINVAL where a
		 * page is bigger than what the pipe's free slots count for.
		 */
		if (n < 0 && (errno == EAGAIN || (errno == EINVAL && sink->spliced))) {
			int err = errno;

			if (pipe_has_room(sink, pipe)) {
				if (err == EAGAIN)
					return 0;
				kpt_err("cannot read the raw buffer of CPU %d: %s", cpu,
					strerror(err));
				return -1;
			}
			if (sc->filled + 1 - __atomic_load_n(&sc->drained, __ATOMIC_ACQUIRE) <
			    sc->nr_pipes) {
				__atomic_store_n(&sc->filled, sc->filled + 1, __ATOMIC_RELEASE);
				continue;
			}
			pipe = &sc->pipes[(sc->filled + 1) % sc->nr_pipes];
			*pfd = (struct pollfd){ .fd = pipe->fd[1], .events = POLLOUT };
			return 0;
		}
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
	}
	return 0;
}

/* The reader: read() every page the CPU has, the one being written too, into its file. */
static int read_pages(struct kpt_pagesink *sink, int cpu)
{
	struct sink_cpu *sc = &sink->cpus[cpu];
	int round;

	for (round = 0; round < MAX_ROUNDS * (int)(sc->pipes[0].size / sink->page_size); round++) {
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
		__atomic_store_n(&sc->size, sc->size + sink->page_size, __ATOMIC_RELEASE);
	}
	return 0;
}

static int sink_fill(void *ctx, bool final, uint64_t *limit)
{
	struct kpt_pagesink *sink = ctx;
	int cpu;

	*limit = 0;
	if (worker_error(sink) < 0)
		return -1;
	for (cpu = 0; cpu < sink->nr_cpus; cpu++)
		if (sink->splice_in && splice_pages(sink, cpu) < 0)
			return -1;
	if (final) {
		/*
		 * Tracing has stopped: every full page is in the pipes now (or in
		 * the ring, if a pipe is full: read() takes it below, in order).
		 */
		worker_stop(&sink->syncer);
		worker_stop(&sink->writer);
		if (worker_error(sink) < 0)
			return -1;
	}
	for (cpu = 0; cpu < sink->nr_cpus; cpu++)
		if ((final || !sink->splice_in) && read_pages(sink, cpu) < 0)
			return -1;
	return 0;
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
	worker_close(&sink->writer);
	worker_close(&sink->syncer);
	for (cpu = 0; sink->cpus && cpu < sink->nr_cpus; cpu++) {
		struct sink_cpu *sc = &sink->cpus[cpu];

		if (sc->fd >= 0)
			close(sc->fd);
		if (sc->tmp_fd >= 0)
			close(sc->tmp_fd);
		for (unsigned int i = 0; i < sc->nr_pipes; i++) {
			if (sc->pipes[i].fd[0] >= 0)
				close(sc->pipes[i].fd[0]);
			if (sc->pipes[i].fd[1] >= 0)
				close(sc->pipes[i].fd[1]);
		}
		free(sc->pipes);
	}
	if (sink->stage[0] >= 0)
		close(sink->stage[0]);
	if (sink->stage[1] >= 0)
		close(sink->stage[1]);
	free(sink->copy_buf);
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
