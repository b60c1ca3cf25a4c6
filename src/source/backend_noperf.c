// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The perf backend's entry points in a kptrace built without libperf
 * (configure --without-libperf, as for a small static binary): the tracefs
 * backend does all the work, and asking for perf says why it cannot.
 *
 * kptrace latency/trace/record reach kpt_perf_source only with --backend perf;
 * kptrace count takes tracefs by itself in such a build (cmd/count.c), so the
 * counter functions here are called only if that choice is changed.
 */
#include <errno.h>
#include <stddef.h>

#include "source/backend_perf.h"
#include "util.h"

#define NO_LIBPERF "--backend perf: this kptrace was built without libperf (configure " \
	"--without-libperf), so it has only the tracefs backend; use --backend tracefs, or build " \
	"with libperf (scripts/build-libperf.sh)"

static void *noperf_open(struct kpt_session *session, int pid)
{
	kpt_err(NO_LIBPERF);
	errno = ENOSYS;
	return NULL;
}

/* Never called: open() fails, and a live run closes a NULL source only. */
static void noperf_close(void *source)
{
}

/* Only name, open and close: no source is ever returned. */
const struct kpt_source_ops kpt_perf_source = {
	.name = "perf",
	.open = noperf_open,
	.close = noperf_close,
};

/* No counters either. */
const struct kpt_source_ops kpt_perf_counter_ops = {
	.name = "perf",
	.open = noperf_open,
	.close = noperf_close,
};

/**
 * kpt_perf_refused - whether perf_event_open refused with @err (never, without libperf)
 * @err: an errno
 */
bool kpt_perf_refused(int err)
{
	return false;
}

/**
 * kpt_perf_explain_refusal - say that this build has no perf backend
 * @err: ignored
 */
void kpt_perf_explain_refusal(int err)
{
	kpt_err(NO_LIBPERF);
}

/**
 * kpt_perf_has_uprobe_pmu - whether the uprobe PMU can be used (not without libperf)
 */
bool kpt_perf_has_uprobe_pmu(void)
{
	return false;
}

/**
 * kpt_perf_event_id - a tracefs event's id for perf (none without libperf)
 * @system: the event's system
 * @event: the event's name
 *
 * Returns -1 after saying why.
 */
int kpt_perf_event_id(const char *system, const char *event)
{
	kpt_err(NO_LIBPERF);
	return -1;
}

/**
 * kpt_perf_counters_open - open perf counters (not without libperf)
 * @specs: ignored
 * @nr: ignored
 * @pid: ignored
 *
 * Returns NULL with errno ENOSYS, after saying why.
 */
struct kpt_perf_counters *kpt_perf_counters_open(const struct kpt_perf_counter_spec *specs,
						 int nr, int pid)
{
	kpt_err(NO_LIBPERF);
	errno = ENOSYS;
	return NULL;
}

/**
 * kpt_perf_counters_read - read perf counters (there are none without libperf)
 * @counters: ignored
 * @values: ignored
 *
 * Returns -1 with errno ENOSYS.
 */
int kpt_perf_counters_read(struct kpt_perf_counters *counters, uint64_t *values)
{
	errno = ENOSYS;
	return -1;
}

/**
 * kpt_perf_counters_close - close perf counters (NULL is fine; nothing else exists)
 * @counters: ignored
 */
void kpt_perf_counters_close(struct kpt_perf_counters *counters)
{
}
