/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The perf backend, through libperf: the session's tracefs events opened as
 * perf events, either as a record source (kpt_perf_source in source.h) or as
 * plain counters that write no records at all (count).
 */
#ifndef KPT_BACKEND_PERF_H
#define KPT_BACKEND_PERF_H

#include <stdbool.h>
#include <stdint.h>

#include "source/source.h"

/* What one counter counts: a tracefs event by id, or a probe of the uprobe PMU. */
struct kpt_perf_counter_spec {
	int tp_id;		/* the event's tracefs id, or -1 for a uprobe PMU probe */
	const char *path;	/* uprobe PMU: the file; must outlive the open */
	uint64_t offset;	/* uprobe PMU: the file offset */
	bool retprobe;		/* uprobe PMU: at return rather than at entry */
	const char *filter;	/* tracefs event: a filter the kernel took on it, or NULL */
};

struct kpt_perf_counters;

/* The counters' live-source operations; open with kpt_perf_counters_open(). */
extern const struct kpt_source_ops kpt_perf_counter_ops;

bool kpt_perf_refused(int err);
void kpt_perf_explain_refusal(int err);
bool kpt_perf_has_uprobe_pmu(void);
int kpt_perf_event_id(const char *system, const char *event);
struct kpt_perf_counters *kpt_perf_counters_open(const struct kpt_perf_counter_spec *specs,
						 int nr, int pid);
int kpt_perf_counters_read(struct kpt_perf_counters *counters, uint64_t *values);
void kpt_perf_counters_close(struct kpt_perf_counters *counters);

#endif
