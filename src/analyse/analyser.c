// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analyser registry and the set of created analysers.
 *
 * The set keeps two short arrays, one of the analysers that take events and
 * one of those that take spans, so a record costs a call only to analysers
 * that asked for it.
 */
#include <stdlib.h>
#include <string.h>

#include "analyse/analyser.h"
#include "output/check.h"
#include "util.h"

static const struct kpt_analyser_desc *const builtins[] = {
	&kpt_latency_analyser,
	&kpt_count_analyser,
	&kpt_trace_analyser,
	&kpt_slow_analyser,
	&kpt_heatmap_analyser,
	&kpt_html_analyser,
	&kpt_timeline_analyser,
#ifdef HAVE_MICROHTTPD
	&kpt_listen_analyser,
#endif
};

/**
 * kpt_analyser_builtin - the built-in analyser called @name
 * @name: e.g. "latency"
 *
 * Returns its descriptor (static), or NULL.
 */
const struct kpt_analyser_desc *kpt_analyser_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (strcmp(builtins[i]->name, name) == 0)
			return builtins[i];
	}
	return NULL;
}

/**
 * kpt_analyser_builtin_at - the @i-th built-in analyser, for listing them
 * @i: from 0
 *
 * Returns its descriptor (static), or NULL past the last.
 */
const struct kpt_analyser_desc *kpt_analyser_builtin_at(int i)
{
	return i >= 0 && (size_t)i < ARRAY_SIZE(builtins) ? builtins[i] : NULL;
}

struct member {
	const struct kpt_analyser_desc *desc;
	void *state;
	struct kpt_run_params params;	/* what create() got; lives as long as the analyser */
	const char **keys;
	const char **values;
};

struct kpt_analysers {
	struct member **members;
	int nr_members;
	unsigned int flags;		/* the union of the members' */
	/* the members that asked for events, and those that asked for spans */
	struct member **events;
	int nr_events;
	struct member **spans;
	int nr_spans;
	struct member **opens;		/* those that asked for the calls open at the end */
	int nr_opens;
};

/**
 * kpt_analysers_alloc - an empty set of analysers
 *
 * Returns the set, or NULL on allocation failure. Release it with
 * kpt_analysers_free(), which destroys its analysers.
 */
struct kpt_analysers *kpt_analysers_alloc(void)
{
	return calloc(1, sizeof(struct kpt_analysers));
}

static bool takes_option(const struct kpt_analyser_desc *desc, const char *key)
{
	const struct kpt_analyser_option *opt;

	for (opt = desc->options; opt && opt->name; opt++) {
		if (strcmp(opt->name, key) == 0)
			return true;
	}
	return false;
}

/* "a, b, c", or "none", for an error message; NULL on allocation failure. */
static char *option_list(const struct kpt_analyser_desc *desc)
{
	const struct kpt_analyser_option *opt;
	char *list = strdup(""), *longer;

	for (opt = desc->options; list && opt && opt->name; opt++) {
		longer = kpt_asprintf("%s%s%s", list, *list ? ", " : "", opt->name);
		free(list);
		list = longer;
	}
	if (list && !*list) {
		free(list);
		list = strdup("none");
	}
	return list;
}

static int check_options(const struct kpt_analyser_desc *desc, const char *origin,
			 int nr_options, const char *const *keys)
{
	char *list;
	int i;

	for (i = 0; i < nr_options; i++) {
		if (takes_option(desc, keys[i]))
			continue;
		list = option_list(desc);
		kpt_err("option '%s' of analyser '%s' (%s): no such option; it takes: %s",
			keys[i], desc->name, origin, list ? list : "?");
		free(list);
		return -1;
	}
	return 0;
}

static int append(struct member ***list, int *nr, struct member *m)
{
	struct member **grown = realloc(*list, (*nr + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	grown[(*nr)++] = m;
	*list = grown;
	return 0;
}

static void free_member(struct member *m)
{
	if (!m)
		return;
	if (m->state)
		m->desc->destroy(m->state);
	free(m->keys);
	free(m->values);
	free(m);
}

static int hook_up(struct kpt_analysers *set, struct member *m)
{
	unsigned int flags = m->desc->flags | m->params.flags;

	if ((flags & KPT_ANALYSER_EVENTS) && m->desc->event &&
	    append(&set->events, &set->nr_events, m) < 0)
		return -1;
	if ((flags & KPT_ANALYSER_SPANS) && m->desc->span &&
	    append(&set->spans, &set->nr_spans, m) < 0)
		goto unhook;
	if ((flags & KPT_ANALYSER_OPEN_SPANS) && m->desc->span &&
	    append(&set->opens, &set->nr_opens, m) < 0)
		goto unhook;
	set->flags |= flags;
	return 0;
unhook:
	/* it is freed: feed it nothing */
	if (set->nr_events && set->events[set->nr_events - 1] == m)
		set->nr_events--;
	if (set->nr_spans && set->spans[set->nr_spans - 1] == m)
		set->nr_spans--;
	return -1;
}

/**
 * kpt_analysers_add - create an analyser and add it to the set
 * @set: the set
 * @desc: its descriptor (a built-in's, or a loaded plugin's); must outlive @set
 * @origin: where it comes from, for messages: "built in" or the plugin's path
 * @nr_options: how many KEY=VALUE options it is given
 * @keys: the options' keys, each checked against @desc->options
 * @values: their values; @keys and @values are borrowed for the life of @set
 * @params: the run's parameters, copied; what they point to must outlive @set
 *
 * Returns 0, or -1 after printing why (an unknown option, or the
 * analyser's own reason for failing to create).
 */
int kpt_analysers_add(struct kpt_analysers *set, const struct kpt_analyser_desc *desc,
		      const char *origin, int nr_options, const char *const *keys,
		      const char *const *values, const struct kpt_run_params *params)
{
	struct member **members, *m;
	char err[512] = "";

	if (check_options(desc, origin, nr_options, keys) < 0)
		return -1;
	m = calloc(1, sizeof(*m));
	members = realloc(set->members, (set->nr_members + 1) * sizeof(*members));
	if (members)
		set->members = members;
	if (!m || !members)
		goto nomem;
	m->desc = desc;
	m->params = *params;
	m->keys = calloc(nr_options + 1, sizeof(*m->keys));
	m->values = calloc(nr_options + 1, sizeof(*m->values));
	if (!m->keys || !m->values)
		goto nomem;
	if (nr_options) {
		memcpy(m->keys, keys, nr_options * sizeof(*keys));
		memcpy(m->values, values, nr_options * sizeof(*values));
	}
	m->params.params.nr_options = nr_options;
	m->params.params.option_names = m->keys;
	m->params.params.option_values = m->values;
	m->state = desc->create(&m->params.params, err, sizeof(err));
	if (!m->state) {
		err[sizeof(err) - 1] = '\0';
		kpt_err("analyser '%s' (%s) failed to start: %s", desc->name, origin,
			*err ? err : "it gave no reason");
		free_member(m);
		return -1;
	}
	if (hook_up(set, m) < 0)
		goto nomem;
	set->members[set->nr_members++] = m;
	return 0;
nomem:
	kpt_err("out of memory adding analyser '%s'", desc->name);
	free_member(m);
	return -1;
}

/**
 * kpt_analysers_flags - what the set's analysers asked for, KPT_ANALYSER_* or'ed
 * @set: the set
 */
unsigned int kpt_analysers_flags(const struct kpt_analysers *set)
{
	return set->flags;
}

/**
 * kpt_analysers_count - how many analysers the set has
 * @set: the set
 */
int kpt_analysers_count(const struct kpt_analysers *set)
{
	return set->nr_members;
}

/**
 * kpt_analysers_event - hand a decoded event to the analysers that take events
 * @set: the set
 * @ev: the event, valid during the call
 */
void kpt_analysers_event(struct kpt_analysers *set, const struct kpt_event *ev)
{
	int i;

	for (i = 0; i < set->nr_events; i++)
		set->events[i]->desc->event(set->events[i]->state, ev);
}

/**
 * kpt_analysers_span - hand a span to the analysers that take spans
 * @set: the struct kpt_analysers (void *, so that it is a pairer's span callback)
 * @span: the span, valid during the call
 */
void kpt_analysers_span(void *set, const struct kpt_span *span)
{
	struct kpt_analysers *s = set;
	int i;

	for (i = 0; i < s->nr_spans; i++)
		s->spans[i]->desc->span(s->spans[i]->state, span);
}

/**
 * kpt_analysers_open_span - hand a call open at the end to the analysers that asked for those
 * @set: the struct kpt_analysers (void *, so that it is a pairer's callback)
 * @span: the call, with no exit; valid during the call
 */
void kpt_analysers_open_span(void *set, const struct kpt_span *span)
{
	struct kpt_analysers *s = set;
	int i;

	for (i = 0; i < s->nr_opens; i++)
		s->opens[i]->desc->span(s->opens[i]->state, span);
}

/**
 * kpt_analysers_span_target - the span callback and its context that feed the set
 * @set: the set
 * @ctx: set to what to pass to the returned function
 *
 * With one analyser taking spans, its own span function and state, so that
 * a pairer calls it with no loop in between; else kpt_analysers_span() and
 * @set.
 */
kpt_analyser_span_fn kpt_analysers_span_target(struct kpt_analysers *set, void **ctx)
{
	if (set->nr_spans == 1) {
		*ctx = set->spans[0]->state;
		return set->spans[0]->desc->span;
	}
	*ctx = set;
	return kpt_analysers_span;
}

/**
 * kpt_analysers_report - ask every analyser for its report, in the order added
 * @set: the set
 * @report: what the report covers
 *
 * Returns 0, or -1 if any analyser failed to write its report (the others
 * still write theirs).
 */
int kpt_analysers_report(struct kpt_analysers *set, const struct kpt_report_params *report)
{
	int i, ret = 0;

	for (i = 0; i < set->nr_members; i++) {
		if (set->members[i]->desc->report(set->members[i]->state, report) < 0) {
			/* A closed pipe or a full standard output was said once already. */
			if (!kpt_output_failed())
				kpt_err("analyser '%s' could not write its report",
					set->members[i]->desc->name);
			ret = -1;
		}
	}
	return ret;
}

/**
 * kpt_analysers_free - destroy every analyser of the set and release it (NULL is fine)
 * @set: the set
 */
void kpt_analysers_free(struct kpt_analysers *set)
{
	int i;

	if (!set)
		return;
	for (i = 0; i < set->nr_members; i++)
		free_member(set->members[i]);
	free(set->members);
	free(set->events);
	free(set->spans);
	free(set->opens);
	free(set);
}

static void add_u64s(uint64_t *total, const uint64_t *part, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		total[i] += part[i];
}

/**
 * kpt_report_accumulate - add an interval's counts to a run's totals
 * @pairs: the totals per probe, @nr_probes of them
 * @loss: the total loss
 * @nr_probes: how many probes
 * @report: the interval's report; its pair counts and loss may be NULL
 *
 * For analysers whose report at each -i interval covers the whole run so far.
 */
void kpt_report_accumulate(struct kpt_pair_counts *pairs, struct kpt_loss *loss, int nr_probes,
			   const struct kpt_report_params *report)
{
	int i;

	/* both structures are made of uint64_t counters only */
	for (i = 0; report->pairs && i < nr_probes; i++)
		add_u64s((uint64_t *)&pairs[i], (const uint64_t *)&report->pairs[i],
			 sizeof(pairs[i]) / sizeof(uint64_t));
	if (report->loss)
		add_u64s((uint64_t *)loss, (const uint64_t *)report->loss,
			 sizeof(*loss) / sizeof(uint64_t));
}
