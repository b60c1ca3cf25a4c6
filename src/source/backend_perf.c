// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The perf backend, through libperf.
 *
 * The session still creates the probes in tracefs, so every event has an id;
 * here they are opened as PERF_TYPE_TRACEPOINT perf events instead of being
 * enabled in the instance. Two uses:
 *
 *   kpt_perf_source      a record source: one ring buffer per CPU, samples of
 *                        TID|TIME|CPU|RAW. The RAW payload is the ftrace record
 *                        itself, so merge, decode and pair are the tracefs
 *                        backend's; ts and cpu come from the sample.
 *   kpt_perf_counter_ops counters only: no sample type and no ring buffer, so
 *                        a hit costs the kernel one addition and writes nothing.
 *                        Probes of the uprobe PMU need no tracefs event at all.
 *
 * Scope: a process is followed through a thread map of all its threads with
 * inherit, so the kernel adds every child and new thread; pid 0 is the whole
 * system, one event per CPU. Timestamps are CLOCK_MONOTONIC (use_clockid),
 * the clock of the session's "mono" trace clock.
 *
 * Ordering across CPUs: each ring is in time order, and records are read
 * lazily, when the merge asks a ring for its next one. fill() releases the
 * records stamped up to CLOCK_MONOTONIC as read at the start of the previous
 * fill(). The tracefs backend releases up to the newest timestamp read in the
 * previous round, which is at most the time that round ended; this limit is
 * at most the time it began. Both rest on the same fact (a record is committed
 * within a round of being stamped), and this one leaves it at least as long.
 *
 * Ring space: a record handed to the merge stays valid until the merge asks
 * the same ring again, so the tail is moved (perf_mmap__consume) only then,
 * in batches, or when the ring has run dry. perf_mmap__read_done() is never
 * called: it moves the read position to the head and skips unread records.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/event.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/mmap.h>
#include <perf/threadmap.h>

#include <event-parse.h>
#include <tracefs.h>

#include "compat/compat.h"
#include "source/backend_perf.h"
#include "session/session.h"
#include "cmd/target.h"
#include "util.h"

/*
 * Ring size per CPU when --buffer-size is not given. A perf sample of a
 * syscall event takes about 72 bytes against 28 in an ftrace page, so this
 * holds about as many events as tracefs's default 1.4 MB buffer: with 1 MiB,
 * a getppid() loop overran it between two wake-ups.
 */
#define DEFAULT_RING_KB		4096
/* Thread lists taken to catch the threads a process starts while being opened. */
#define OPEN_ROUNDS		10

#define UPROBE_PMU		"/sys/bus/event_source/devices/uprobe"

/* A sample of sample_type TID|TIME|CPU|RAW, fields in the kernel's order. */
struct sample {
	struct perf_event_header header;
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, reserved;
	uint32_t raw_size;
	char raw[];
};

struct ring {
	struct perf_mmap *map;
	size_t unconsumed;	/* bytes read since the tail last moved */
};

struct kpt_perf {
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct ring *rings;
	int nr_rings;
	size_t consume_batch;	/* move the tail after this many bytes */
	uint64_t released;	/* fill(): the clock at the previous fill */
	bool read_lost;		/* the events have PERF_FORMAT_LOST (Linux 6.0+) */
	struct kpt_loss loss;	/* perf_lost: the PERF_RECORD_LOST records read */
	uint64_t unparsed;	/* samples written but not usable: lost here, not in the kernel */
};

struct kpt_perf_counters {
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct perf_evsel **evsels;
	int nr;
};

static int print_libperf(enum libperf_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBPERF_ERR)
		return 0;
	fputs("kptrace: libperf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* libperf prints its debug messages unless told otherwise, and needs page_size set. */
static void init_libperf(void)
{
	static bool done;

	if (!done)
		libperf_init(print_libperf);
	done = true;
}

/**
 * kpt_perf_refused - is @err how the kernel (or a policy) refuses perf events?
 * @err: a positive errno from perf_event_open
 */
bool kpt_perf_refused(int err)
{
	return err == EACCES || err == EPERM;
}

/**
 * kpt_perf_explain_refusal - say that perf events are refused, why, and what to do
 * @err: the errno perf_event_open gave
 */
void kpt_perf_explain_refusal(int err)
{
	FILE *file = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	char paranoid[16] = "unknown";
	int value;

	if (file && fscanf(file, "%d", &value) == 1)
		snprintf(paranoid, sizeof(paranoid), "%d", value);
	if (file)
		fclose(file);
	if (geteuid() == 0)
		kpt_err("--backend perf: perf events are refused (perf_event_open: %s; "
			"kernel.perf_event_paranoid is %s, which does not bind root, who has "
			"CAP_PERFMON): a seccomp, LSM or container policy forbids them here. Lift "
			"it, or use --backend tracefs", strerror(err), paranoid);
	else
		kpt_err("--backend perf: perf events are refused (perf_event_open: %s; "
			"kernel.perf_event_paranoid is %s). Run as root or with CAP_PERFMON, or "
			"set 'sysctl kernel.perf_event_paranoid=-1'; or use --backend tracefs",
			strerror(err), paranoid);
}

/* Every thread of @pid, or NULL with errno ESRCH when the process is gone. */
static struct perf_thread_map *threads_of(int pid)
{
	struct perf_thread_map *threads;
	int *tids = NULL, nr;

	nr = kpt_target_threads(pid, &tids);
	if (nr <= 0) {
		free(tids);
		errno = ESRCH;
		return NULL;
	}
	threads = perf_thread_map__new_array(nr, tids);
	free(tids);
	return threads;
}

/* Has @pid a thread that @threads lacks? */
static bool threads_grew(int pid, struct perf_thread_map *threads)
{
	int *tids = NULL, nr, i, j;
	bool grew = false;

	nr = kpt_target_threads(pid, &tids);
	for (i = 0; i < nr && !grew; i++) {
		for (j = 0; j < perf_thread_map__nr(threads); j++) {
			if (perf_thread_map__pid(threads, j) == tids[i])
				break;
		}
		grew = j == perf_thread_map__nr(threads);
	}
	free(tids);
	return grew;
}

/*
 * Open @evlist on @cpus for process @pid's threads, or for every process when
 * @pid is 0. A thread started between listing and opening would escape
 * inherit, so the threads are listed again once open, and the open redone if
 * there are more. Returns 0 or a negative errno.
 */
static int open_scoped(struct perf_evlist *evlist, struct perf_cpu_map *cpus, int pid)
{
	struct perf_thread_map *threads;
	int round, err = -ESRCH;
	bool grew;

	for (round = 0; round < OPEN_ROUNDS; round++) {
		threads = pid ? threads_of(pid) : perf_thread_map__new_dummy();
		if (!threads)
			return -errno;
		perf_evlist__set_maps(evlist, cpus, threads);
		err = perf_evlist__open(evlist);
		grew = err == 0 && pid && threads_grew(pid, threads);
		perf_thread_map__put(threads);
		if (err == -ESRCH)
			continue;	/* a thread ended meanwhile */
		if (err < 0 || !grew)
			return err;
		perf_evlist__close(evlist);
	}
	return err;
}

static void report_open_error(int err, int pid)
{
	if (kpt_perf_refused(err))
		kpt_perf_explain_refusal(err);
	else if (err == ESRCH && pid)
		kpt_err("pid %d: no such process", pid);
	else if (err == EMFILE)
		kpt_err("cannot open the perf events: %s (one per CPU, thread and event; raise "
			"'ulimit -n')", strerror(err));
	else
		kpt_err("cannot open the perf events: %s", strerror(err));
}

/* Ring data pages per CPU: @kb rounded up to a power of two pages, as perf requires. */
static int ring_pages(unsigned long kb)
{
	unsigned long want = (kb ? kb : DEFAULT_RING_KB) * 1024 / getpagesize();
	int pages = 2;

	while ((unsigned long)pages < want && pages < (1 << 20))
		pages *= 2;
	return pages;
}

static int add_sampled(struct kpt_perf *perf, struct kpt_session *session, const char *name,
		       int pid, size_t ring_bytes)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			       PERF_SAMPLE_RAW,
		.disabled = 1,
		.inherit = pid != 0,
		.watermark = 1,
		.wakeup_watermark = ring_bytes / 4,
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC,
		.read_format = PERF_FORMAT_LOST,
	};
	size_t len = strcspn(name, "/");
	struct tep_event *event;
	struct perf_evsel *evsel;
	char system[256];

	snprintf(system, sizeof(system), "%.*s", (int)len, name);
	event = tep_find_event_by_name(session->tep, system, name + len + 1);
	if (!event) {
		kpt_err("no format for event %s:%s in tracefs", system, name + len + 1);
		return -1;
	}
	attr.config = event->id;
	evsel = perf_evsel__new(&attr);
	if (!evsel)
		return -1;
	perf_evlist__add(perf->evlist, evsel);
	return 0;
}

static void perf_close(void *ctx)
{
	struct kpt_perf *perf = ctx;

	if (!perf)
		return;
	kpt_compat_perf_evlist_delete(perf->evlist);
	perf_cpu_map__put(perf->cpus);
	free(perf->rings);
	free(perf);
}

/* Put @filter, which tracefs has already taken for event @name, on @evsel. */
static int set_filter(struct perf_evsel *evsel, const char *filter, const char *name)
{
	int ret = kpt_compat_perf_evsel_apply_filter(evsel, filter);

	if (ret == -ENOSYS) {
		kpt_err("--filter: this libperf cannot set a perf event's filter; use --backend "
			"tracefs");
		return -1;
	}
	if (ret < 0) {
		kpt_err("--filter '%s': perf refused it for event %s: %s (tracefs took it; use "
			"--backend tracefs)", filter, name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The session's --filter on its probe events (the evsels are in the session's order). */
static int apply_filters(struct kpt_perf *perf, struct kpt_session *session)
{
	struct perf_evsel *evsel;
	int i = 0;

	perf_evlist__for_each_evsel(perf->evlist, evsel) {
		const char *filter = kpt_session_event_filter(session, i);

		if (filter && set_filter(evsel, filter, session->events[i]) < 0)
			return -1;
		i++;
	}
	return 0;
}

static void *perf_open(struct kpt_session *session, int pid)
{
	struct kpt_perf *perf = calloc(1, sizeof(*perf));
	struct perf_evsel *evsel;
	struct perf_mmap *map;
	size_t ring_bytes;
	int i, pages, err;

	if (!perf)
		return NULL;
	init_libperf();
	kpt_raise_fd_limit();	/* CPUs x threads x events descriptors with inherit */
	pages = ring_pages(session->buffer_kb);
	ring_bytes = (size_t)pages * getpagesize();
	perf->consume_batch = ring_bytes / 8;
	perf->cpus = perf_cpu_map__new(NULL);
	perf->evlist = perf_evlist__new();
	if (!perf->cpus || !perf->evlist)
		goto fail;
	for (i = 0; i < session->nr_events; i++) {
		if (add_sampled(perf, session, session->events[i], pid, ring_bytes) < 0)
			goto fail;
	}
	perf->read_lost = true;
	err = open_scoped(perf->evlist, perf->cpus, pid);
	if (err == -EINVAL) {
		/* Before Linux 6.0, which has no PERF_FORMAT_LOST */
		perf_evlist__for_each_evsel(perf->evlist, evsel)
			perf_evsel__attr(evsel)->read_format = 0;
		perf->read_lost = false;
		err = open_scoped(perf->evlist, perf->cpus, pid);
	}
	if (err < 0) {
		report_open_error(-err, pid);
		goto fail;
	}
	if (apply_filters(perf, session) < 0)
		goto fail;
	if (perf_evlist__mmap(perf->evlist, pages) < 0) {
		kpt_err("cannot map the perf ring buffers (%zu KiB per CPU): %s (as a user, "
			"kernel.perf_event_mlock_kb limits them: try a smaller --buffer-size)",
			ring_bytes / 1024, strerror(errno));
		goto fail;
	}
	perf_evlist__for_each_mmap(perf->evlist, map, false)
		perf->nr_rings++;
	perf->rings = calloc(perf->nr_rings, sizeof(*perf->rings));
	if (!perf->rings)
		goto fail;
	i = 0;
	perf_evlist__for_each_mmap(perf->evlist, map, false)
		perf->rings[i++].map = map;
	return perf;
fail:
	perf_close(perf);
	return NULL;
}

static int perf_nr_cpus(void *ctx)
{
	return ((struct kpt_perf *)ctx)->nr_rings;
}

static int perf_enable(void *ctx)
{
	perf_evlist__enable(((struct kpt_perf *)ctx)->evlist);
	return 0;
}

static void perf_stop(void *ctx)
{
	perf_evlist__disable(((struct kpt_perf *)ctx)->evlist);
}

static int perf_wait(void *ctx, int timeout_ms)
{
	struct kpt_perf *perf = ctx;
	int ret = perf_evlist__poll(perf->evlist, timeout_ms);

	/*
	 * A thread's event hangs up once it and everything it started have
	 * exited: stop polling it, or poll() would return at once for ever. Its
	 * ring stays mapped until it has been read empty.
	 */
	if (ret > 0)
		perf_evlist__filter_pollfd(perf->evlist, POLLERR | POLLHUP);
	return ret;
}

static int perf_fill(void *ctx, bool final, uint64_t *limit)
{
	struct kpt_perf *perf = ctx;
	uint64_t now = kpt_monotonic_ns();

	*limit = final ? UINT64_MAX : perf->released;
	perf->released = now;
	return 0;
}

/* Let the kernel reuse what was read; only ever right after a successful read. */
static void release(struct ring *ring)
{
	perf_mmap__consume(ring->map);
	ring->unconsumed = 0;
}

/*
 * libperf copies a record that wraps around the ring's end into a buffer, but
 * only sizeof(union perf_event) of it (over 4 KiB); no ftrace record is that
 * large, and one that is cannot be trusted, so it counts as lost.
 */
static bool parse_sample(union perf_event *event, struct kpt_record *rec)
{
	struct sample *sample = (struct sample *)event;
	size_t size = event->header.size;

	if (size < offsetof(struct sample, raw) || size > sizeof(union perf_event) ||
	    offsetof(struct sample, raw) + sample->raw_size > size)
		return false;
	rec->ts = sample->time;
	rec->cpu = sample->cpu;
	rec->data = sample->raw;
	rec->size = sample->raw_size;
	return true;
}

static int perf_next(void *ctx, int index, struct kpt_record *rec)
{
	struct kpt_perf *perf = ctx;
	struct ring *ring = &perf->rings[index];
	union perf_event *event;

	/* The record handed out last is done with now. */
	if (ring->unconsumed >= perf->consume_batch)
		release(ring);
	while ((event = perf_mmap__read_event(ring->map))) {
		ring->unconsumed += event->header.size;
		if (event->header.type == PERF_RECORD_SAMPLE) {
			if (parse_sample(event, rec))
				return 1;
			perf->unparsed++;
		} else if (event->header.type == PERF_RECORD_LOST) {
			perf->loss.perf_lost += event->lost.lost;
		}
	}
	/* Dry (or unmapped after a hang-up, and then nothing is unconsumed). */
	if (ring->unconsumed)
		release(ring);
	return 0;
}

/* The samples every event could not write: PERF_FORMAT_LOST, summed over CPUs and threads. */
static uint64_t read_lost_samples(struct kpt_perf *perf)
{
	struct perf_counts_values counts;
	struct perf_evsel *evsel;
	uint64_t lost = 0;
	int cpu, thread;

	perf_evlist__for_each_evsel(perf->evlist, evsel) {
		for (cpu = 0; cpu < perf_cpu_map__nr(perf_evsel__cpus(evsel)); cpu++) {
			for (thread = 0; thread < perf_thread_map__nr(perf_evsel__threads(evsel));
			     thread++) {
				if (perf_evsel__read(evsel, cpu, thread, &counts) == 0)
					lost += counts.lost;
			}
		}
	}
	return lost;
}

/*
 * A PERF_RECORD_LOST is written only with the next record that fits, so
 * samples dropped at the end of a run are never reported that way. The
 * events' own lost counters (incremented on the parent for inherited
 * children) have every drop, so they give the exact figure where the kernel
 * has them.
 */
static void perf_loss(void *ctx, struct kpt_loss *loss)
{
	struct kpt_perf *perf = ctx;
	uint64_t lost;

	*loss = perf->loss;
	/* The LOST records and the counters count the same samples, the counters all. */
	if (perf->read_lost) {
		lost = read_lost_samples(perf);
		if (lost > loss->perf_lost)
			loss->perf_lost = lost;
	}
	loss->perf_lost += perf->unparsed;
}

/* The second backend: perf ring buffers through libperf (--backend perf). */
const struct kpt_source_ops kpt_perf_source = {
	.name = "perf",
	.open = perf_open,
	.nr_cpus = perf_nr_cpus,
	.enable = perf_enable,
	.stop = perf_stop,
	.wait = perf_wait,
	.fill = perf_fill,
	.next = perf_next,
	.loss = perf_loss,
	.close = perf_close,
};

/* The uprobe PMU's type and the config bit that makes a return probe, or -1. */
static int uprobe_pmu(int *retprobe_bit)
{
	FILE *file;
	int type;

	file = fopen(UPROBE_PMU "/type", "r");
	if (!file)
		return -1;
	if (fscanf(file, "%d", &type) != 1)
		type = -1;
	fclose(file);
	*retprobe_bit = 0;
	file = fopen(UPROBE_PMU "/format/retprobe", "r");
	if (file) {
		if (fscanf(file, "config:%d", retprobe_bit) != 1)
			*retprobe_bit = 0;
		fclose(file);
	}
	return type;
}

/**
 * kpt_perf_has_uprobe_pmu - can user probes be counted without a tracefs event?
 *
 * The uprobe PMU (Linux 4.17+) makes a uprobe that belongs to the perf event
 * alone: nothing is written to uprobe_events, and it is gone once closed.
 */
bool kpt_perf_has_uprobe_pmu(void)
{
	int bit;

	return uprobe_pmu(&bit) >= 0;
}

/**
 * kpt_perf_event_id - the id of tracefs event @system:@event
 * @system: the event's system
 * @event: the event's name
 *
 * Returns the id, or -1 after printing that there is no such event.
 */
int kpt_perf_event_id(const char *system, const char *event)
{
	char *text = tracefs_event_file_read(NULL, system, event, "id", NULL);
	int id = text ? atoi(text) : -1;

	free(text);
	if (id < 0)
		kpt_err("no event %s:%s in %s/events", system, event, tracefs_tracing_dir());
	return id;
}

/**
 * kpt_perf_counters_close - close the counters and free them (NULL is fine)
 * @counters: the counters
 */
void kpt_perf_counters_close(struct kpt_perf_counters *counters)
{
	if (!counters)
		return;
	kpt_compat_perf_evlist_delete(counters->evlist);
	perf_cpu_map__put(counters->cpus);
	free(counters->evsels);
	free(counters);
}

/**
 * kpt_perf_counters_open - count events, writing no records
 * @specs: what to count
 * @nr: how many
 * @pid: count in this process, its threads and all they start (inherit); 0 for
 *       the whole system
 *
 * Probes of the uprobe PMU are refused with a @pid: when a task with an
 * inherited uprobe PMU event forks, the kernel sets up the child's event
 * from the attr again and reads the path from the address in config1, in the
 * forking task's memory, where it is not: fork() and pthread_create() then
 * fail with EFAULT in the traced program (seen on Linux 6.18). Count such
 * probes as tracefs uprobes (by id) instead.
 *
 * The counters start disabled: enable them through kpt_perf_counter_ops.
 * Returns the counters, or NULL with errno set: after printing why, except
 * when perf events are refused (kpt_perf_refused(errno)), which the caller
 * explains or falls back from.
 */
struct kpt_perf_counters *kpt_perf_counters_open(const struct kpt_perf_counter_spec *specs,
						 int nr, int pid)
{
	struct kpt_perf_counters *counters = calloc(1, sizeof(*counters));
	int i, err = ENOMEM, pmu_type, retprobe_bit;

	if (!counters)
		return NULL;
	init_libperf();
	kpt_raise_fd_limit();
	pmu_type = uprobe_pmu(&retprobe_bit);
	/* Per-thread counters are inherited with the counts; per-CPU ones cover all. */
	counters->cpus = pid ? perf_cpu_map__dummy_new() : perf_cpu_map__new(NULL);
	counters->evlist = perf_evlist__new();
	counters->evsels = calloc(nr, sizeof(*counters->evsels));
	if (!counters->cpus || !counters->evlist || !counters->evsels)
		goto fail;
	for (i = 0; i < nr; i++) {
		struct perf_event_attr attr = {
			.size = sizeof(attr),
			.type = PERF_TYPE_TRACEPOINT,
			.config = specs[i].tp_id,
			.disabled = 1,
			.inherit = pid != 0,
		};

		if (specs[i].tp_id < 0) {
			if (pmu_type < 0 || pid) {
				kpt_err("uprobe PMU probe %s:0x%llx: %s", specs[i].path,
					(unsigned long long)specs[i].offset, pmu_type < 0 ?
					"this kernel has no uprobe PMU (" UPROBE_PMU ")" :
					"it cannot follow a process (inherit breaks its fork())");
				err = EINVAL;
				goto fail;
			}
			attr.type = pmu_type;
			attr.config = specs[i].retprobe ? 1ULL << retprobe_bit : 0;
			attr.config1 = (uint64_t)(uintptr_t)specs[i].path;	/* uprobe_path */
			attr.config2 = specs[i].offset;				/* probe_offset */
		}
		counters->evsels[i] = perf_evsel__new(&attr);
		if (!counters->evsels[i])
			goto fail;
		perf_evlist__add(counters->evlist, counters->evsels[i]);
	}
	counters->nr = nr;
	err = -open_scoped(counters->evlist, counters->cpus, pid);
	if (err) {
		if (!kpt_perf_refused(err))
			report_open_error(err, pid);
		goto fail;
	}
	for (i = 0; i < nr; i++) {
		char name[32];

		if (!specs[i].filter)
			continue;
		snprintf(name, sizeof(name), "id %d", specs[i].tp_id);
		if (set_filter(counters->evsels[i], specs[i].filter, name) < 0) {
			err = EINVAL;
			goto fail;
		}
	}
	return counters;
fail:
	kpt_perf_counters_close(counters);
	errno = err;
	return NULL;
}

/**
 * kpt_perf_counters_read - every counter's total so far
 * @counters: the counters
 * @values: filled with one total per spec, in the order opened
 *
 * Inherited counters include the counts of the children and threads, live or
 * exited. Returns 0, or -1 after printing why.
 */
int kpt_perf_counters_read(struct kpt_perf_counters *counters, uint64_t *values)
{
	struct perf_thread_map *threads;
	struct perf_counts_values counts;
	int i, cpu, thread, err;

	for (i = 0; i < counters->nr; i++) {
		threads = perf_evsel__threads(counters->evsels[i]);
		values[i] = 0;
		for (cpu = 0; cpu < perf_cpu_map__nr(counters->cpus); cpu++) {
			for (thread = 0; thread < perf_thread_map__nr(threads); thread++) {
				err = perf_evsel__read(counters->evsels[i], cpu, thread, &counts);
				if (err < 0) {
					kpt_err("cannot read a perf counter: %s", strerror(-err));
					return -1;
				}
				values[i] += counts.val;
			}
		}
	}
	return 0;
}

static int counters_nr_cpus(void *ctx)
{
	return 0;
}

static int counters_enable(void *ctx)
{
	perf_evlist__enable(((struct kpt_perf_counters *)ctx)->evlist);
	return 0;
}

static void counters_stop(void *ctx)
{
	perf_evlist__disable(((struct kpt_perf_counters *)ctx)->evlist);
}

/* Nothing to read until the caller's next report: just sleep, until a signal. */
static int counters_wait(void *ctx, int timeout_ms)
{
	return poll(NULL, 0, timeout_ms);
}

static int counters_fill(void *ctx, bool final, uint64_t *limit)
{
	*limit = UINT64_MAX;
	return 0;
}

static void counters_loss(void *ctx, struct kpt_loss *loss)
{
	memset(loss, 0, sizeof(*loss));		/* counters lose nothing */
}

static void counters_close(void *ctx)
{
	kpt_perf_counters_close(ctx);
}

/* Opened by kpt_perf_counters_open(); hands on no records, so it has no next(). */
const struct kpt_source_ops kpt_perf_counter_ops = {
	.name = "perf",
	.nr_cpus = counters_nr_cpus,
	.enable = counters_enable,
	.stop = counters_stop,
	.wait = counters_wait,
	.fill = counters_fill,
	.loss = counters_loss,
	.close = counters_close,
};
