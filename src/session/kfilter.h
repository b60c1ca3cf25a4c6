/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel filter (slow --kernel-filter): the kernel measures each call of a
 * probe and passes on only the slow ones. In the session's instance, a hist
 * trigger on the entry event keeps, per thread, the entry's time stamp and
 * numeric arguments in variables; one on the return event computes the
 * duration and fires the synthetic event "kptrace_<pid>_slow<N>" (onmatch
 * ... .trace()) with the duration, those arguments and the return value; a
 * filter on it keeps the calls of at least the threshold, and it alone is
 * enabled. Synthetic events are global, so the name carries the run's
 * session name, for the reaper.
 *
 * A hist variable is one per thread: an entry nested in an open call of the
 * same probe (recursion) overwrites the outer entry's time, and the outer
 * return then finds no variable. So the kernel filter is for probes that do
 * not recurse.
 */
#ifndef KPT_KFILTER_H
#define KPT_KFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include <kptrace/analyser.h>

#include "probe/probe.h"
#include "session/session.h"

bool kpt_kfilter_supported(void);
int kpt_kfilter_add(struct kpt_session *session, const struct kpt_probe *probe, int index,
		    uint64_t threshold_ns, const char *filter);
const char *kpt_kfilter_event(const struct kpt_session *session, int index);
int kpt_kfilter_load(struct kpt_session *session);
int kpt_kfilter_span(void *session, const struct kpt_event *ev, struct kpt_span *span,
		     struct kpt_event *entry, struct kpt_event *exit);
void kpt_kfilter_destroy(struct kpt_session *session);
void kpt_kfilter_free(struct kpt_session *session);
void kpt_kfilter_clear_stale(const char *name);
int kpt_kfilter_remove_stale(bool (*is_stale)(const char *name), bool verbose);
int kpt_kfilter_remove_session(const char *name);

#endif
