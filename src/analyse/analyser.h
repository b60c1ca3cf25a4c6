/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Analysers: the built-in ones (latency, count, trace) and the plugins'
 * share one descriptor type (kptrace/analyser.h). A set of created analysers
 * is fed together: events to those that asked for events, spans to those
 * that asked for spans, and a report to each in the order they were added.
 */
#ifndef KPT_ANALYSER_H
#define KPT_ANALYSER_H

#include <stdbool.h>
#include <stdint.h>

#include <kptrace/analyser.h>

#include "analyse/stacks.h"

extern const struct kpt_analyser_desc kpt_latency_analyser;
extern const struct kpt_analyser_desc kpt_count_analyser;
extern const struct kpt_analyser_desc kpt_trace_analyser;
extern const struct kpt_analyser_desc kpt_slow_analyser;
extern const struct kpt_analyser_desc kpt_heatmap_analyser;
extern const struct kpt_analyser_desc kpt_html_analyser;
extern const struct kpt_analyser_desc kpt_timeline_analyser;
#ifdef HAVE_MICROHTTPD
extern const struct kpt_analyser_desc kpt_listen_analyser;
#endif

const struct kpt_analyser_desc *kpt_analyser_builtin(const char *name);
const struct kpt_analyser_desc *kpt_analyser_builtin_at(int i);

/*
 * What the built-ins get beyond the ABI's parameters: the set creates every
 * analyser with one of these, and a plugin sees only its first member.
 */
struct kpt_run_params {
	struct kpt_analyser_params params;
	const char *command;		/* JSON "kptrace": the command; NULL: the analyser's */
	const char *backend;		/* count: what counts, "perf" or "tracefs" */
	/*
	 * KPT_ANALYSER_* the built-in needs beyond its descriptor's, for its
	 * options (--by arg:NAME: ENTRY_FIELDS)
	 */
	unsigned int flags;
	/* slow --kernel-filter: the kernel passes on only the calls over the threshold */
	bool kernel_filtered;
	/*
	 * latency: per probe, whether it is reported; NULL: every probe. A file
	 * source fills it in before the final report, once it knows which
	 * probes had records.
	 */
	const bool *shown;
	/* count on perf counters: the totals of each probe's entry and exit counter */
	int (*read_counters)(void *ctx, uint64_t *totals);
	void *counters_ctx;
	bool stacks;			/* --stack or --ustack: also a result per stack */
	bool folded;			/* --folded: only folded stacks, for flame graphs */
	enum kpt_folded folded_value;	/* what the folded lines count */
};

/* The options file=PATH and width=SECONDS of heatmap and html. */
int kpt_picture_options(const struct kpt_analyser_params *params, const char *name,
			const char **path, uint64_t *width_ns, char *err, size_t errsize);

/* Add an interval's pair counts and losses to a run's totals (html, listen). */
void kpt_report_accumulate(struct kpt_pair_counts *pairs, struct kpt_loss *loss, int nr_probes,
			   const struct kpt_report_params *report);

struct kpt_analysers;

struct kpt_analysers *kpt_analysers_alloc(void);
int kpt_analysers_add(struct kpt_analysers *set, const struct kpt_analyser_desc *desc,
		      const char *origin, int nr_options, const char *const *keys,
		      const char *const *values, const struct kpt_run_params *params);
unsigned int kpt_analysers_flags(const struct kpt_analysers *set);
int kpt_analysers_count(const struct kpt_analysers *set);
void kpt_analysers_event(struct kpt_analysers *set, const struct kpt_event *ev);
void kpt_analysers_span(void *set, const struct kpt_span *span);
void kpt_analysers_open_span(void *set, const struct kpt_span *span);
typedef void (*kpt_analyser_span_fn)(void *ctx, const struct kpt_span *span);
kpt_analyser_span_fn kpt_analysers_span_target(struct kpt_analysers *set, void **ctx);
int kpt_analysers_report(struct kpt_analysers *set, const struct kpt_report_params *report);
void kpt_analysers_free(struct kpt_analysers *set);

#endif
