// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The file source: a trace.dat file's records, through the window, into the
 * engine. Each buffer of the file is paired on its own, since two buffers
 * may record the same events; with more than one buffer of records, probe
 * names get their buffer's.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <json.h>

#include "probe/probeset.h"
#include "source/file.h"
#include "tracedat/discover.h"
#include "tracedat/read.h"
#include "util.h"

/**
 * kpt_window_check - place a record relative to the window
 * @window: the window; the first call sees the file's first record
 * @ts: the record's timestamp; records come in timestamp order
 *
 * Returns KPT_WINDOW_BEFORE (skip it), KPT_WINDOW_INSIDE (use it) or
 * KPT_WINDOW_AFTER (this one and every later record are outside).
 */
enum kpt_window_pos kpt_window_check(struct kpt_window *window, uint64_t ts)
{
	uint64_t since;

	if (!window->seen_first) {
		window->seen_first = true;
		window->first_ts = ts;
	}
	since = ts > window->first_ts ? ts - window->first_ts : 0;
	if (since < window->start)
		return KPT_WINDOW_BEFORE;
	if (window->has_end && since > window->end) {
		window->passed_end = true;
		return KPT_WINDOW_AFTER;
	}
	window->seen_inside = true;
	window->last_inside = ts;
	return KPT_WINDOW_INSIDE;
}

/**
 * kpt_window_elapsed - seconds of trace the window covered
 * @window: the window after the records went through kpt_window_check()
 *
 * From the window's start (or the first record) to its end when records went
 * past it, or else to the last record inside it.
 */
double kpt_window_elapsed(const struct kpt_window *window)
{
	uint64_t from, to;

	if (!window->seen_first)
		return 0;
	from = window->first_ts + window->start;
	to = window->passed_end ? window->first_ts + window->end :
	     window->seen_inside ? window->last_inside : from;
	return to > from ? (double)(to - from) / NSEC_PER_SEC : 0;
}

struct probe {
	struct kpt_pair pair;
	bool forced;		/* reported even without records: --pair, or -e by exact name */
};

struct event_count {
	uint64_t *counts;	/* per event id */
	uint64_t records;
};

struct kpt_file_source {
	const struct kpt_file_opts *opts;
	struct kpt_tracedat *file;
	struct tep_handle *tep;
	int max_id;
	bool *known;			/* per event id: the file has its format */
	struct probe *probes;
	int nr_probes;
	const char **names;
	struct kpt_decoder *decoder;
	int nr_buffers;
	int *probe_of;			/* per event id: the probe it is an end of, or -1 */
	char **buffer_names;		/* per buffer and probe: "BUFFER: NAME" */
	int nr_with_data;		/* buffers with records in the file */
	uint64_t *events;		/* per buffer and probe: entries and exits read */
	bool *shown;			/* per buffer and probe: reported */
	struct kpt_engine *engine;	/* NULL: --list only counts */
	struct event_count *counts;	/* per buffer */
	struct kpt_loss *loss;		/* per buffer */
	struct kpt_window window;
	uint64_t unknown;		/* records of event ids the file does not describe */
	int unknown_id;
};


static int add_probe(struct kpt_file_source *run, struct kpt_pair *pair, bool forced)
{
	struct probe *probes = realloc(run->probes, (run->nr_probes + 1) * sizeof(*probes));

	if (!probes)
		return -1;
	run->probes = probes;
	probes[run->nr_probes].pair = *pair;
	probes[run->nr_probes++].forced = forced;
	memset(pair, 0, sizeof(*pair));
	return 0;
}

static bool has_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

/* Every event the file describes, with what its format says it is. */
static struct kpt_event_name *file_events(struct tep_handle *tep, int *nr, int *max_id)
{
	int i, n = tep_get_events_count(tep);
	struct kpt_event_name *events = calloc(n ? n : 1, sizeof(*events));

	*max_id = 0;
	if (!events)
		return NULL;
	for (i = 0; i < n; i++) {
		struct tep_event *event = tep_get_event(tep, i);

		events[i].system = event->system;
		events[i].name = event->name;
		events[i].kind = kpt_event_kind_of(event);
		if (event->id > *max_id)
			*max_id = event->id;
	}
	*nr = n;
	return events;
}

static bool same_event(const char *sys1, const char *ev1, const char *sys2, const char *ev2)
{
	return strcmp(sys1, sys2) == 0 && strcmp(ev1, ev2) == 0;
}

/* The name of the probe that uses event @system:@event already, or NULL. */
static const char *event_taken(const struct kpt_file_source *run, const char *system, const char *event)
{
	int i;

	for (i = 0; i < run->nr_probes; i++) {
		const struct kpt_pair *p = &run->probes[i].pair;

		if (same_event(p->entry_system, p->entry_event, system, event) ||
		    same_event(p->exit_system, p->exit_event, system, event))
			return p->name;
	}
	return NULL;
}

static int add_explicit(struct kpt_file_source *run, const char *text)
{
	const char *path = run->opts->path, *taken;
	struct kpt_pair pair;
	char *errmsg;
	int ret = -1;

	if (kpt_pair_parse(text, &pair, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		goto out;
	}
	if (!tep_find_event_by_name(run->tep, pair.entry_system, pair.entry_event) ||
	    !tep_find_event_by_name(run->tep, pair.exit_system, pair.exit_event)) {
		bool entry = !tep_find_event_by_name(run->tep, pair.entry_system, pair.entry_event);

		kpt_err("--pair '%s': %s has no event %s:%s ('kptrace report --list %s' shows "
			"its events)", text, path, entry ? pair.entry_system : pair.exit_system,
			entry ? pair.entry_event : pair.exit_event, path);
		goto out;
	}
	if (pair.key.nr &&
	    kpt_pair_key_check(&pair.key,
			       tep_find_event_by_name(run->tep, pair.entry_system, pair.entry_event),
			       tep_find_event_by_name(run->tep, pair.exit_system, pair.exit_event),
			       pair.name) < 0)
		goto out;
	taken = event_taken(run, pair.entry_system, pair.entry_event);
	if (!taken)
		taken = event_taken(run, pair.exit_system, pair.exit_event);
	if (taken) {
		kpt_err("--pair '%s': one of its events belongs to probe '%s' already", text,
			taken);
		goto out;
	}
	ret = add_probe(run, &pair, true);
out:
	kpt_pair_release(&pair);
	return ret;
}

/*
 * What the user named, as the file is searched for it: @NAME expanded into the
 * probes of every variant of the set (the file's kernel is not this one's),
 * names and globs of the file's pairs, and pairs of events (--pair, and the
 * tp:ENTRY,EXIT probes, which a file does not name). What a set gave may be
 * missing from the file.
 */
struct selection {
	char **specs;			/* expanded */
	bool *from_set;
	int nr_specs;
	const char **names;		/* into specs, or the --pair texts */
	bool *names_optional;
	int nr_names;
	const char **pairs;
	bool *pairs_optional;
	int nr_pairs;
	char **owned;			/* names cut out of a spec */
	int nr_owned;
};

static void selection_free(struct selection *sel)
{
	kpt_probeset_specs_free(sel->specs, sel->nr_specs);
	kpt_probeset_specs_free(sel->owned, sel->nr_owned);
	free(sel->from_set);
	free(sel->names);
	free(sel->names_optional);
	free(sel->pairs);
	free(sel->pairs_optional);
}

static int selection_make(const struct kpt_file_opts *opts, struct selection *sel)
{
	char *errmsg;
	int i, nr = opts->nr_probes + opts->nr_pairs;

	memset(sel, 0, sizeof(*sel));
	if (kpt_probeset_expand_recorded((char *const *)opts->probes, opts->nr_probes,
					 &sel->specs, &sel->from_set, &sel->nr_specs,
					 &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	nr += sel->nr_specs;
	sel->names = calloc(nr, sizeof(*sel->names));
	sel->names_optional = calloc(nr, sizeof(*sel->names_optional));
	sel->pairs = calloc(nr, sizeof(*sel->pairs));
	sel->pairs_optional = calloc(nr, sizeof(*sel->pairs_optional));
	sel->owned = calloc(nr, sizeof(*sel->owned));
	if (!sel->names || !sel->names_optional || !sel->pairs || !sel->pairs_optional ||
	    !sel->owned)
		return -1;
	for (i = 0; i < sel->nr_specs; i++) {
		const char *spec = sel->specs[i];
		size_t len = strcspn(spec, " \t");

		if (strncmp(spec, "tp:", 3) == 0) {
			sel->pairs_optional[sel->nr_pairs] = sel->from_set[i];
			sel->pairs[sel->nr_pairs++] = spec;
			continue;
		}
		sel->names_optional[sel->nr_names] = sel->from_set[i];
		if (!spec[len]) {
			sel->names[sel->nr_names++] = spec;
			continue;
		}
		/* a probe with fetch-args: its pair is named without them */
		sel->owned[sel->nr_owned] = strndup(spec, len);
		if (!sel->owned[sel->nr_owned])
			return -1;
		sel->names[sel->nr_names++] = sel->owned[sel->nr_owned++];
	}
	for (i = 0; i < opts->nr_pairs; i++)
		sel->pairs[sel->nr_pairs++] = opts->pairs[i];
	return 0;
}

static bool pair_events_exist(struct kpt_file_source *run, const char *text)
{
	struct kpt_pair pair;
	char *errmsg;
	bool exist;

	if (kpt_pair_parse(text, &pair, &errmsg) < 0) {
		free(errmsg);
		kpt_pair_release(&pair);
		return true;	/* add_explicit() says what is wrong */
	}
	exist = tep_find_event_by_name(run->tep, pair.entry_system, pair.entry_event) &&
		tep_find_event_by_name(run->tep, pair.exit_system, pair.exit_event);
	kpt_pair_release(&pair);
	return exist;
}

/* The probes to report: -e selections of the discovered pairs, then --pair ones. */
static int choose_probes(struct kpt_file_source *run)
{
	const struct kpt_file_opts *opts = run->opts;
	struct kpt_event_name *events;
	struct kpt_pair *found = NULL;
	struct selection sel;
	int nr_events, nr_found = 0, i, j, ret = -1;
	bool *matched = NULL;

	if (selection_make(opts, &sel) < 0)
		goto out;
	events = file_events(run->tep, &nr_events, &run->max_id);
	if (!events)
		goto out;
	/* Looked up once here, not with tep_find_event() per record. */
	run->known = calloc(run->max_id + 1, sizeof(*run->known));
	if (!run->known) {
		free(events);
		goto out;
	}
	for (i = 0; i < nr_events; i++)
		run->known[tep_get_event(run->tep, i)->id] = true;
	nr_found = kpt_discover_pairs(events, nr_events, &found);
	free(events);
	if (nr_found < 0) {
		nr_found = 0;
		goto out;
	}
	matched = calloc(sel.nr_names ? sel.nr_names : 1, sizeof(*matched));
	if (!matched)
		goto out;
	for (i = 0; i < nr_found; i++) {
		bool take = !sel.nr_names && !sel.nr_pairs, forced = false;

		for (j = 0; j < sel.nr_names; j++) {
			if (kpt_pair_matches(&found[i], sel.names[j])) {
				take = true;
				matched[j] = true;
				forced |= !has_glob(sel.names[j]) && !sel.names_optional[j];
			}
		}
		if (take && add_probe(run, &found[i], forced) < 0)
			goto out;
	}
	for (j = 0; j < sel.nr_names; j++) {
		if (!matched[j] && !sel.names_optional[j]) {
			kpt_err("%s '%s': %s has no probe of that name ('kptrace report --list %s' "
				"shows its probes)", opts->probe_option, sel.names[j], opts->path,
				opts->path);
			goto out;
		}
	}
	for (j = 0; j < sel.nr_pairs; j++) {
		if (sel.pairs_optional[j] && !pair_events_exist(run, sel.pairs[j]))
			continue;
		if (add_explicit(run, sel.pairs[j]) < 0)
			goto out;
	}
	if (!run->nr_probes && sel.nr_specs) {
		kpt_err("%s has none of the probes of %s%s ('kptrace report --list %s' shows its "
			"probes)", opts->path, opts->probes[0], opts->nr_probes > 1 ? " ..." : "",
			opts->path);
		goto out;
	}
	ret = 0;
out:
	free(matched);
	kpt_pairs_free(found, nr_found);
	selection_free(&sel);
	return ret;
}

static int setup_decoder(struct kpt_file_source *run)
{
	int i;

	run->decoder = kpt_decoder_alloc(run->tep);
	run->probe_of = malloc((run->max_id + 1) * sizeof(*run->probe_of));
	if (!run->decoder || !run->probe_of)
		return -1;
	for (i = 0; i <= run->max_id; i++)
		run->probe_of[i] = -1;
	for (i = 0; i < run->nr_probes; i++) {
		const struct kpt_pair *pair = &run->probes[i].pair;
		struct tep_event *entry, *exit;

		if (kpt_decoder_add(run->decoder, pair->entry_system, pair->entry_event, i,
				    KPT_ROLE_ENTRY) < 0 ||
		    kpt_decoder_add(run->decoder, pair->exit_system, pair->exit_event, i,
				    KPT_ROLE_EXIT) < 0) {
			kpt_err("%s: no usable format for the events of probe '%s'",
				run->opts->path, pair->name);
			return -1;
		}
		entry = tep_find_event_by_name(run->tep, pair->entry_system, pair->entry_event);
		exit = tep_find_event_by_name(run->tep, pair->exit_system, pair->exit_event);
		run->probe_of[entry->id] = run->probe_of[exit->id] = i;
	}
	/* Optional: files without it pair the same, only exits are not noticed. */
	kpt_decoder_add(run->decoder, "sched", "sched_process_exit", -1, KPT_ROLE_TASK_EXIT);
	if (!run->opts->kernel_stacks && !run->opts->user_stacks)
		return 0;
	if (kpt_decoder_add_stacks(run->decoder, "ftrace", run->opts->kernel_stacks,
				   run->opts->user_stacks) <= 0) {
		kpt_err("%s: no usable format of ftrace:%s, so it holds no stacks: record with %s",
			run->opts->path, run->opts->kernel_stacks ? "kernel_stack" : "user_stack",
			run->opts->kernel_stacks ? "--stack" : "--ustack");
		return -1;
	}
	return 0;
}

static const char *buffer_label(const struct kpt_file_source *run, int buffer)
{
	const char *name = kpt_tracedat_buffer_name(run->file, buffer);

	return *name ? name : "top";
}

/* Each buffer's probes, named after the buffer when more than one buffer has records. */
static int name_probes(struct kpt_file_source *run)
{
	int i, p, n = run->nr_probes;

	run->names = calloc(run->nr_buffers * n + 1, sizeof(*run->names));
	run->buffer_names = calloc(run->nr_buffers * n + 1, sizeof(*run->buffer_names));
	if (!run->names || !run->buffer_names)
		return -1;
	for (i = 0; i < run->nr_buffers; i++) {
		for (p = 0; p < n; p++) {
			if (run->nr_with_data > 1) {
				run->buffer_names[i * n + p] = kpt_asprintf("%s: %s",
					buffer_label(run, i), run->probes[p].pair.name);
				if (!run->buffer_names[i * n + p])
					return -1;
				run->names[i * n + p] = run->buffer_names[i * n + p];
			} else {
				run->names[i * n + p] = run->probes[p].pair.name;
			}
		}
	}
	return 0;
}

static int setup_buffers(struct kpt_file_source *run)
{
	struct kpt_tracedat_info info;
	int i, n;

	kpt_tracedat_info(run->file, &info);
	run->nr_buffers = info.nr_buffers;
	n = run->nr_buffers * run->nr_probes + 1;
	run->counts = calloc(run->nr_buffers, sizeof(*run->counts));
	run->loss = calloc(run->nr_buffers, sizeof(*run->loss));
	run->events = calloc(n, sizeof(*run->events));
	run->shown = calloc(n, sizeof(*run->shown));
	if (!run->counts || !run->loss || !run->events || !run->shown)
		return -1;
	for (i = 0; i < run->nr_buffers; i++) {
		if (!kpt_tracedat_buffer_has_data(run->file, i))
			continue;
		run->nr_with_data++;
		run->counts[i].counts = calloc(run->max_id + 1, sizeof(uint64_t));
		if (!run->counts[i].counts)
			return -1;
	}
	return name_probes(run);
}

static int take_record(void *ctx, const struct kpt_tracedat_record *tr)
{
	struct kpt_file_source *run = ctx;
	const struct kpt_record *rec = &tr->rec;
	struct event_count *count = &run->counts[tr->buffer];
	struct kpt_event ev;
	int id;

	switch (kpt_window_check(&run->window, rec->ts)) {
	case KPT_WINDOW_BEFORE:
		return 0;
	case KPT_WINDOW_AFTER:
		return 1;
	case KPT_WINDOW_INSIDE:
		break;
	}
	if (tr->missed) {
		run->loss[tr->buffer].missed_pages++;
		if (tr->missed > 0)
			run->loss[tr->buffer].missed_events += tr->missed;
	}
	count->records++;
	id = kpt_decoder_type(run->decoder, rec);
	if (id < 0)
		return 0;
	if (id > run->max_id || !run->known[id]) {
		if (!run->unknown++)
			run->unknown_id = id;
		return 0;
	}
	count->counts[id]++;
	if (run->engine && kpt_decoder_decode_type(run->decoder, rec, id, &ev))
		kpt_engine_event(run->engine, &ev, tr->buffer);
	return 0;
}

/* Buffers that had records inside the window; with more than one, names get the buffer's. */
static int buffers_with_records(const struct kpt_file_source *run)
{
	int i, n = 0;

	for (i = 0; i < run->nr_buffers; i++)
		n += run->counts[i].records > 0;
	return n;
}

static uint64_t probe_events(const struct kpt_file_source *run, int probe)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < run->nr_buffers; i++)
		n += run->events[i * run->nr_probes + probe];
	return n;
}

/* Per buffer and probe, the entries and exits read: from the counts per event id. */
static void count_events(struct kpt_file_source *run)
{
	int i, id;

	for (i = 0; i < run->nr_buffers; i++) {
		for (id = 0; run->counts[i].counts && id <= run->max_id; id++) {
			if (run->probe_of[id] >= 0)
				run->events[i * run->nr_probes + run->probe_of[id]] +=
					run->counts[i].counts[id];
		}
	}
}

/*
 * Which probes the report shows, and the loss of the buffers it covers:
 * every buffer with records in the window (or, with none, every buffer with
 * data), each probe with records; a probe asked for by exact name or --pair
 * with no record anywhere once, in the first of them.
 */
static void choose_shown(struct kpt_file_source *run, struct kpt_loss *loss)
{
	int nr_with = buffers_with_records(run), first = -1, i, p, n = run->nr_probes;

	count_events(run);
	for (i = 0; i < run->nr_buffers; i++) {
		if (!run->counts[i].counts || (!run->counts[i].records && nr_with))
			continue;
		if (first < 0)
			first = i;
		for (p = 0; p < n; p++)
			run->shown[i * n + p] = run->events[i * n + p] ||
						(run->probes[p].forced && i == first &&
						 !probe_events(run, p));
		kpt_tracedat_loss(run->file, i, loss);
		loss->missed_pages += run->loss[i].missed_pages;
		loss->missed_events += run->loss[i].missed_events;
	}
}

struct listed {
	int buffer;
	struct tep_event *event;
	uint64_t count;
};

static int compare_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;
	int ret;

	if (x->buffer != y->buffer)
		return x->buffer < y->buffer ? -1 : 1;
	ret = strcmp(x->event->system, y->event->system);
	return ret ? ret : strcmp(x->event->name, y->event->name);
}

/* The events with records, by buffer, then system and name. */
static struct listed *listed_events(const struct kpt_file_source *run, int *nr)
{
	struct listed *list = NULL, *grown;
	int i, id, n = 0;

	for (i = 0; i < run->nr_buffers; i++) {
		for (id = 0; run->counts[i].counts && id <= run->max_id; id++) {
			if (!run->counts[i].counts[id])
				continue;
			grown = realloc(list, (n + 1) * sizeof(*list));
			if (!grown) {
				free(list);
				return NULL;
			}
			list = grown;
			list[n++] = (struct listed){ i, tep_find_event(run->tep, id),
						     run->counts[i].counts[id] };
		}
	}
	if (n)
		qsort(list, n, sizeof(*list), compare_listed);
	*nr = n;
	return list ? list : calloc(1, sizeof(*list));
}

static uint64_t total_records(const struct kpt_file_source *run)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < run->nr_buffers; i++)
		total += run->counts[i].records;
	return total;
}

/* Records of probe @probe's two events, in every buffer. */
static uint64_t probe_records(const struct kpt_file_source *run, int probe)
{
	const struct kpt_pair *pair = &run->probes[probe].pair;
	struct tep_event *entry = tep_find_event_by_name(run->tep, pair->entry_system,
							 pair->entry_event);
	struct tep_event *exit = tep_find_event_by_name(run->tep, pair->exit_system,
							pair->exit_event);
	uint64_t n = 0;
	int i;

	for (i = 0; entry && exit && i < run->nr_buffers; i++) {
		if (run->counts[i].counts)
			n += run->counts[i].counts[entry->id] + run->counts[i].counts[exit->id];
	}
	return n;
}

static int print_list_text(const struct kpt_file_source *run, const struct kpt_tracedat_info *info)
{
	int nr_with = buffers_with_records(run), nr, i, p;
	struct listed *list = listed_events(run, &nr);

	if (!list)
		return -1;

	printf("%s: trace.dat version %d, %s, clock %s, records read by %s\n", run->opts->path,
	       info->version, strcmp(info->compression, "none") ? info->compression :
	       "uncompressed", info->clock, info->streamed && !run->opts->libtracecmd ?
	       "kptrace" : "libtracecmd");
	printf("\n%12s  %s\n", "COUNT", "EVENT");
	for (i = 0; i < nr; i++)
		printf("%12" PRIu64 "  %s%s%s:%s\n", list[i].count,
		       nr_with > 1 ? buffer_label(run, list[i].buffer) : "",
		       nr_with > 1 ? ": " : "", list[i].event->system, list[i].event->name);
	free(list);
	printf("%12" PRIu64 "  records in %.6f s\n", total_records(run),
	       kpt_window_elapsed(&run->window));
	printf("\nProbes:\n");
	for (p = 0; p < run->nr_probes; p++) {
		const struct kpt_pair *pair = &run->probes[p].pair;

		if (probe_records(run, p) || run->probes[p].forced)
			printf("  %-32s %s:%s .. %s:%s\n", pair->name, pair->entry_system,
			       pair->entry_event, pair->exit_system, pair->exit_event);
	}
	return 0;
}

static int print_list_json(const struct kpt_file_source *run, const struct kpt_tracedat_info *info)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *events = json_object_new_array();
	struct json_object *probes = json_object_new_array();
	struct listed *list;
	int nr, i, p;

	if (!doc || !events || !probes)
		return -1;
	json_object_object_add(doc, "kptrace", json_object_new_string("list"));
	json_object_object_add(doc, "file", json_object_new_string(run->opts->path));
	json_object_object_add(doc, "version", json_object_new_int(info->version));
	json_object_object_add(doc, "compression", json_object_new_string(info->compression));
	json_object_object_add(doc, "clock", json_object_new_string(info->clock));
	list = listed_events(run, &nr);
	if (!list) {
		json_object_put(doc);
		return -1;
	}
	for (i = 0; i < nr; i++) {
		struct json_object *obj = json_object_new_object();
		char *name = kpt_asprintf("%s:%s", list[i].event->system, list[i].event->name);

		json_object_object_add(obj, "buffer", json_object_new_string(
				       kpt_tracedat_buffer_name(run->file, list[i].buffer)));
		json_object_object_add(obj, "name", json_object_new_string(name ? name : ""));
		json_object_object_add(obj, "count", json_object_new_uint64(list[i].count));
		json_object_array_add(events, obj);
		free(name);
	}
	free(list);
	json_object_object_add(doc, "events", events);
	json_object_object_add(doc, "records", json_object_new_uint64(total_records(run)));
	json_object_object_add(doc, "unknown_records", json_object_new_uint64(run->unknown));
	for (p = 0; p < run->nr_probes; p++) {
		const struct kpt_pair *pair = &run->probes[p].pair;
		struct json_object *obj;
		char *entry, *exit;

		if (!probe_records(run, p) && !run->probes[p].forced)
			continue;
		obj = json_object_new_object();
		entry = kpt_asprintf("%s:%s", pair->entry_system, pair->entry_event);
		exit = kpt_asprintf("%s:%s", pair->exit_system, pair->exit_event);
		json_object_object_add(obj, "name", json_object_new_string(pair->name));
		json_object_object_add(obj, "entry", json_object_new_string(entry ? entry : ""));
		json_object_object_add(obj, "exit", json_object_new_string(exit ? exit : ""));
		free(entry);
		free(exit);
		json_object_array_add(probes, obj);
	}
	json_object_object_add(doc, "probes", probes);
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	return 0;
}


static void free_run(struct kpt_file_source *run)
{
	int i;

	for (i = 0; run->counts && i < run->nr_buffers; i++)
		free(run->counts[i].counts);
	for (i = 0; run->buffer_names && i < run->nr_buffers * run->nr_probes; i++)
		free(run->buffer_names[i]);
	free(run->buffer_names);
	free(run->counts);
	free(run->loss);
	free(run->events);
	free(run->shown);
	free(run->known);
	free(run->probe_of);
	kpt_decoder_free(run->decoder);
	free(run->names);
	for (i = 0; i < run->nr_probes; i++)
		kpt_pair_release(&run->probes[i].pair);
	free(run->probes);
	kpt_tracedat_close(run->file);
}

/**
 * kpt_file_open - open a trace file and choose its probes
 * @opts: the file and the selection; must outlive the source
 * @src: set to the source; release it with kpt_file_close() whatever the result
 *
 * Returns 0, or -1 after printing why (the file, or a selection it cannot meet).
 */
int kpt_file_open(const struct kpt_file_opts *opts, struct kpt_file_source **src)
{
	struct kpt_file_source *run = calloc(1, sizeof(*run));
	char *errmsg = NULL;

	*src = run;
	if (!run) {
		kpt_err("out of memory");
		return -1;
	}
	run->opts = opts;
	run->window = opts->window;
	if (kpt_tracedat_open(opts->path, &run->file, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	run->tep = kpt_tracedat_tep(run->file);
	if (choose_probes(run) < 0 || setup_decoder(run) < 0 || setup_buffers(run) < 0)
		return -1;
	return 0;
}

/**
 * kpt_file_nr_probes - how many probes analysers see: the file's buffers times its probes
 * @src: the source
 */
int kpt_file_nr_probes(const struct kpt_file_source *src)
{
	return src->nr_buffers * src->nr_probes;
}

/**
 * kpt_file_probes_per_buffer - how many probes each buffer has (the file's pairs chosen)
 * @src: the source
 */
int kpt_file_probes_per_buffer(const struct kpt_file_source *src)
{
	return src->nr_probes;
}

/**
 * kpt_file_probe_key - the fields a probe pairs by (--pair '... key='), or a key of none
 * @src: the source
 * @probe: the probe's index within a buffer
 */
const struct kpt_pair_key *kpt_file_probe_key(const struct kpt_file_source *src, int probe)
{
	return &src->probes[probe].pair.key;
}

/**
 * kpt_file_nr_buffers - how many buffers the file has (the engine pairs each on its own)
 * @src: the source
 */
int kpt_file_nr_buffers(const struct kpt_file_source *src)
{
	return src->nr_buffers;
}

/**
 * kpt_file_probe_names - the probes' names, per buffer then probe; owned by the source
 * @src: the source
 */
const char *const *kpt_file_probe_names(const struct kpt_file_source *src)
{
	return src->names;
}

/**
 * kpt_file_shown - per probe, whether reports show it; filled in by kpt_file_run()
 * @src: the source; the array is owned by it
 */
const bool *kpt_file_shown(const struct kpt_file_source *src)
{
	return src->shown;
}

/**
 * kpt_file_decoder - the decoder of the file's probes, for the engine; owned by the source
 * @src: the source
 */
const struct kpt_decoder *kpt_file_decoder(const struct kpt_file_source *src)
{
	return src->decoder;
}

/**
 * kpt_file_clock - the trace clock the file was recorded with
 * @src: the source
 */
const char *kpt_file_clock(const struct kpt_file_source *src)
{
	struct kpt_tracedat_info info;

	kpt_tracedat_info(src->file, &info);
	return info.clock;
}

/**
 * kpt_file_comm - the command name the file saved for a thread (a kpt_comm_fn)
 * @src: the struct kpt_file_source
 * @tid: the thread id
 *
 * Returns the name, or "<...>".
 */
const char *kpt_file_comm(void *src, int tid)
{
	return kpt_tracedat_comm(((struct kpt_file_source *)src)->file, tid);
}

/**
 * kpt_file_kallsyms - the file's kallsyms text, for naming kernel stack frames
 * @src: the source
 * @len: set to its length
 *
 * Returns the malloc'd text (the caller frees it), or NULL if the file has none.
 */
char *kpt_file_kallsyms(struct kpt_file_source *src, size_t *len)
{
	return kpt_tracedat_kallsyms(src->file, len);
}

static int read_records(struct kpt_file_source *run)
{
	struct kpt_tracedat_info info;
	char *errmsg = NULL;

	kpt_tracedat_info(run->file, &info);
	if (!info.streamed && !run->opts->quiet)
		kpt_info("%s: read through libtracecmd, whose memory use grows with the file, "
			 "because %s", run->opts->path, info.why_not_streamed);
	if (kpt_tracedat_read(run->file, run->opts->libtracecmd, take_record, run, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		free(errmsg);
		return -1;
	}
	if (info.cut_short)
		kpt_warn("%s: the recording was cut short (kptrace was killed) and recovered with "
			 "'kptrace record --recover': it holds the %" PRIu64 " records of the pages "
			 "saved before the kill; what followed is lost", run->opts->path,
			 total_records(run));
	return 0;
}

/* Records of event ids the file does not describe make the run fail, after its report. */
static int check_unknown(const struct kpt_file_source *run)
{
	if (!run->unknown)
		return 0;
	kpt_err("%s: %" PRIu64 " record%s of event ids the file does not describe (the first: "
		"%d); its event formats are incomplete or corrupt, and the report leaves them out",
		run->opts->path, run->unknown, run->unknown == 1 ? "" : "s", run->unknown_id);
	return -1;
}

/**
 * kpt_file_run - feed every record of the window to @engine, then have it report
 * @src: the source
 * @engine: built over kpt_file_decoder(), kpt_file_nr_probes() and kpt_file_nr_buffers()
 *
 * Returns 0, or -1 after printing why (a read error, a report that could not
 * be written, or records the file does not describe).
 */
int kpt_file_run(struct kpt_file_source *src, struct kpt_engine *engine)
{
	struct kpt_loss loss = { 0 };
	int ret;

	src->engine = engine;
	ret = read_records(src);
	src->engine = NULL;
	if (ret < 0)
		return -1;
	choose_shown(src, &loss);
	ret = kpt_engine_report(engine, 0, true, kpt_window_elapsed(&src->window), &loss);
	return check_unknown(src) < 0 ? -1 : ret;
}

/**
 * kpt_file_list - print the file's events with their counts, and its probes
 * @src: the source
 * @json: as one JSON document
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_file_list(struct kpt_file_source *src, bool json)
{
	struct kpt_tracedat_info info;
	int ret;

	if (read_records(src) < 0)
		return -1;
	kpt_tracedat_info(src->file, &info);
	ret = json ? print_list_json(src, &info) : print_list_text(src, &info);
	return check_unknown(src) < 0 ? -1 : ret;
}

/**
 * kpt_file_close - close the file and release the source (NULL is fine)
 * @src: the source
 */
void kpt_file_close(struct kpt_file_source *src)
{
	if (!src)
		return;
	free_run(src);
	free(src);
}
