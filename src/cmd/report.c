// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace report: latency statistics from a trace.dat file, offline.
 *
 * The file's records go through the same decode -> pair -> histogram ->
 * output layers as kptrace latency; only the source differs (a file instead
 * of ring buffers). Each buffer of the file is paired on its own, since two
 * buffers may record the same events.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>
#include <json.h>

#include "cmd/commands.h"
#include "pipeline/decode.h"
#include "tracedat/discover.h"
#include "output/output.h"
#include "analyse/report.h"
#include "tracedat/read.h"
#include "util.h"

static const char usage[] =
	"usage: kptrace report [OPTIONS] [FILE]\n"
	"\n"
	"Latency statistics of the probe pairs in a trace.dat FILE (default trace.dat),\n"
	"as kptrace record or trace-cmd record/extract write it: per probe, count,\n"
	"min, avg, max, percentiles and a log2 histogram, as kptrace latency prints.\n"
	"\n"
	"By default every pair in the file is reported: kptrace's probes, syscalls\n"
	"(sys_enter_X/sys_exit_X) and other tools' kprobe/uprobe pairs (X/X__return,\n"
	"p_X/r_X).\n"
	"\n"
	"OPTIONS:\n"
	"  -e, --probe NAME         report only this probe (repeatable; globs: 'syscall:*')\n"
	"      --pair ENTRY,EXIT    a span between two events, each SYSTEM:EVENT (repeatable)\n"
	"      --by pid|comm|cpu    also a result per thread, command name or entry CPU\n"
	"      --start SECONDS      leave out records before this time after the first one\n"
	"      --end SECONDS        leave out records after this time after the first one\n"
	"      --list               list the file's events with their counts, and its probes\n"
	"      --json               print JSON\n"
	"      --libtracecmd        read records through libtracecmd (memory grows with the file)\n"
	"  -h, --help               this text\n";

struct probe {
	struct kpt_pair pair;
	bool forced;		/* reported even without records: --pair, or -e by exact name */
};

struct event_count {
	uint64_t *counts;	/* per event id */
	uint64_t records;
};

struct run {
	const struct kpt_report_opts *opts;
	struct kpt_tracedat *file;
	struct tep_handle *tep;
	int max_id;
	bool *known;			/* per event id: the file has its format */
	struct probe *probes;
	int nr_probes;
	const char **names;
	struct kpt_decoder *decoder;
	int nr_buffers;
	struct kpt_report **reports;	/* per buffer */
	struct event_count *counts;	/* per buffer */
	struct kpt_loss *loss;		/* per buffer */
	struct kpt_window window;
	uint64_t unknown;		/* records of event ids the file does not describe */
	int unknown_id;
};

static const char *comm_of(void *ctx, int tid)
{
	return kpt_tracedat_comm(ctx, tid);
}

static int add_probe(struct run *run, struct kpt_pair *pair, bool forced)
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
static const char *event_taken(const struct run *run, const char *system, const char *event)
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

static int add_explicit(struct run *run, const char *text)
{
	const char *path = run->opts->file, *taken;
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

/* The probes to report: -e selections of the discovered pairs, then --pair ones. */
static int choose_probes(struct run *run)
{
	const struct kpt_report_opts *opts = run->opts;
	struct kpt_event_name *events;
	struct kpt_pair *found = NULL;
	int nr_events, nr_found, i, j, ret = -1;
	bool *matched = NULL;

	events = file_events(run->tep, &nr_events, &run->max_id);
	if (!events)
		return -1;
	/* Looked up once here, not with tep_find_event() per record. */
	run->known = calloc(run->max_id + 1, sizeof(*run->known));
	if (!run->known) {
		free(events);
		return -1;
	}
	for (i = 0; i < nr_events; i++)
		run->known[tep_get_event(run->tep, i)->id] = true;
	nr_found = kpt_discover_pairs(events, nr_events, &found);
	free(events);
	if (nr_found < 0)
		return -1;
	matched = calloc(opts->nr_probes ? opts->nr_probes : 1, sizeof(*matched));
	if (!matched)
		goto out;
	for (i = 0; i < nr_found; i++) {
		bool take = !opts->nr_probes && !opts->nr_pairs, forced = false;

		for (j = 0; j < opts->nr_probes; j++) {
			if (kpt_pair_matches(&found[i], opts->probes[j])) {
				take = true;
				matched[j] = true;
				forced |= !has_glob(opts->probes[j]);
			}
		}
		if (take && add_probe(run, &found[i], forced) < 0)
			goto out;
	}
	for (j = 0; j < opts->nr_probes; j++) {
		if (!matched[j]) {
			kpt_err("-e '%s': %s has no probe of that name ('kptrace report --list %s' "
				"shows its probes)", opts->probes[j], opts->file, opts->file);
			goto out;
		}
	}
	for (j = 0; j < opts->nr_pairs; j++) {
		if (add_explicit(run, opts->pairs[j]) < 0)
			goto out;
	}
	ret = 0;
out:
	free(matched);
	kpt_pairs_free(found, nr_found);
	return ret;
}

static int setup_decoder(struct run *run)
{
	int i;

	run->decoder = kpt_decoder_alloc(run->tep);
	run->names = calloc(run->nr_probes ? run->nr_probes : 1, sizeof(*run->names));
	if (!run->decoder || !run->names)
		return -1;
	for (i = 0; i < run->nr_probes; i++) {
		const struct kpt_pair *pair = &run->probes[i].pair;

		run->names[i] = pair->name;
		if (kpt_decoder_add(run->decoder, pair->entry_system, pair->entry_event, i,
				    KPT_ROLE_ENTRY) < 0 ||
		    kpt_decoder_add(run->decoder, pair->exit_system, pair->exit_event, i,
				    KPT_ROLE_EXIT) < 0) {
			kpt_err("%s: no usable format for the events of probe '%s'",
				run->opts->file, pair->name);
			return -1;
		}
	}
	/* Optional: files without it pair the same, only exits are not noticed. */
	kpt_decoder_add(run->decoder, "sched", "sched_process_exit", -1, KPT_ROLE_TASK_EXIT);
	return 0;
}

static int setup_buffers(struct run *run)
{
	struct kpt_tracedat_info info;
	int i;

	kpt_tracedat_info(run->file, &info);
	run->nr_buffers = info.nr_buffers;
	run->reports = calloc(run->nr_buffers, sizeof(*run->reports));
	run->counts = calloc(run->nr_buffers, sizeof(*run->counts));
	run->loss = calloc(run->nr_buffers, sizeof(*run->loss));
	if (!run->reports || !run->counts || !run->loss)
		return -1;
	for (i = 0; i < run->nr_buffers; i++) {
		if (!kpt_tracedat_buffer_has_data(run->file, i))
			continue;
		run->counts[i].counts = calloc(run->max_id + 1, sizeof(uint64_t));
		if (!run->counts[i].counts)
			return -1;
		if (run->opts->list)
			continue;
		run->reports[i] = kpt_report_alloc(run->nr_probes, run->opts->by, comm_of,
						   run->file);
		if (!run->reports[i])
			return -1;
	}
	return 0;
}

static int take_record(void *ctx, const struct kpt_tracedat_record *tr)
{
	struct run *run = ctx;
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
	if (run->reports[tr->buffer] && kpt_decoder_decode(run->decoder, rec, &ev))
		kpt_report_feed(run->reports[tr->buffer], &ev);
	return 0;
}

static const char *buffer_label(const struct run *run, int buffer)
{
	const char *name = kpt_tracedat_buffer_name(run->file, buffer);

	return *name ? name : "top";
}

/* Buffers that had records inside the window; with more than one, names get the buffer's. */
static int buffers_with_records(const struct run *run)
{
	int i, n = 0;

	for (i = 0; i < run->nr_buffers; i++)
		n += run->counts[i].records > 0;
	return n;
}

static uint64_t probe_events(const struct run *run, int probe)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < run->nr_buffers; i++) {
		if (run->reports[i])
			n += kpt_report_events(run->reports[i], probe);
	}
	return n;
}

static int collect(struct run *run, struct kpt_results *results, struct kpt_loss *loss)
{
	int nr_with = buffers_with_records(run), first = -1, i, p, ret = 0;
	bool *show = calloc(run->nr_probes ? run->nr_probes : 1, sizeof(*show));

	if (!show)
		return -1;
	for (i = 0; i < run->nr_buffers && ret == 0; i++) {
		char *prefix;

		if (!run->reports[i] || (!run->counts[i].records && nr_with))
			continue;
		if (first < 0)
			first = i;
		kpt_report_finish(run->reports[i]);
		for (p = 0; p < run->nr_probes; p++)
			show[p] = kpt_report_events(run->reports[i], p) ||
				  (run->probes[p].forced && i == first && !probe_events(run, p));
		prefix = nr_with > 1 ? kpt_asprintf("%s: ", buffer_label(run, i)) : strdup("");
		ret = prefix ? kpt_report_collect(run->reports[i], show, run->names, prefix,
						  results) : -1;
		free(prefix);
		kpt_tracedat_loss(run->file, i, loss);
		loss->missed_pages += run->loss[i].missed_pages;
		loss->missed_events += run->loss[i].missed_events;
	}
	free(show);
	return ret;
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
static struct listed *listed_events(const struct run *run, int *nr)
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

static uint64_t total_records(const struct run *run)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < run->nr_buffers; i++)
		total += run->counts[i].records;
	return total;
}

/* Records of probe @probe's two events, in every buffer. */
static uint64_t probe_records(const struct run *run, int probe)
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

static int print_list_text(const struct run *run, const struct kpt_tracedat_info *info)
{
	int nr_with = buffers_with_records(run), nr, i, p;
	struct listed *list = listed_events(run, &nr);

	if (!list)
		return -1;

	printf("%s: trace.dat version %d, %s, clock %s, records read by %s\n", run->opts->file,
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

static int print_list_json(const struct run *run, const struct kpt_tracedat_info *info)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *events = json_object_new_array();
	struct json_object *probes = json_object_new_array();
	struct listed *list;
	int nr, i, p;

	if (!doc || !events || !probes)
		return -1;
	json_object_object_add(doc, "kptrace", json_object_new_string("list"));
	json_object_object_add(doc, "file", json_object_new_string(run->opts->file));
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

static int report(struct run *run, const struct kpt_tracedat_info *info)
{
	struct kpt_results results = { 0 };
	struct kpt_loss loss = { 0 };
	struct kpt_report_info out = {
		.elapsed = kpt_window_elapsed(&run->window),
		.clock = info->clock,
		.loss = &loss,
		.command = "report",
		.file = run->opts->file,
	};
	int ret = -1;

	if (collect(run, &results, &loss) < 0)
		goto out;
	if (!results.latency.nr_probes)
		kpt_warn("%s has no records of any probe; 'kptrace report --list %s' shows its "
			 "events", run->opts->file, run->opts->file);
	if (run->opts->json) {
		ret = kpt_output_latency_json(stdout, &results.latency, &out);
	} else {
		kpt_output_latency_text(stdout, &results.latency, &out);
		ret = 0;
	}
out:
	kpt_results_free(&results);
	return ret;
}

static void free_run(struct run *run)
{
	int i;

	for (i = 0; run->reports && i < run->nr_buffers; i++)
		kpt_report_free(run->reports[i]);
	for (i = 0; run->counts && i < run->nr_buffers; i++)
		free(run->counts[i].counts);
	free(run->reports);
	free(run->counts);
	free(run->loss);
	free(run->known);
	kpt_decoder_free(run->decoder);
	free(run->names);
	for (i = 0; i < run->nr_probes; i++)
		kpt_pair_release(&run->probes[i].pair);
	free(run->probes);
	kpt_tracedat_close(run->file);
}

/**
 * kpt_cmd_report - the "report" command
 * @argc: argument count; argv[0] is "report"
 * @argv: arguments
 *
 * Returns the process exit code: 0 on success, 1 on error (a bad file among
 * them), 2 on a usage error.
 */
int kpt_cmd_report(int argc, char **argv)
{
	struct kpt_tracedat_info info;
	struct kpt_report_opts opts;
	struct run run = { 0 };
	char *errmsg = NULL;
	int ret = 1;

	if (kpt_report_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		fputs(usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		kpt_report_opts_free(&opts);
		return ret;
	}
	run.opts = &opts;
	run.window = opts.window;
	if (kpt_tracedat_open(opts.file, &run.file, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		goto out;
	}
	run.tep = kpt_tracedat_tep(run.file);
	kpt_tracedat_info(run.file, &info);
	if (choose_probes(&run) < 0 || setup_decoder(&run) < 0 || setup_buffers(&run) < 0)
		goto out;
	if (!info.streamed && !opts.json && !opts.list)
		kpt_info("%s: read through libtracecmd, whose memory use grows with the file, "
			 "because %s", opts.file, info.why_not_streamed);
	if (kpt_tracedat_read(run.file, opts.libtracecmd, take_record, &run, &errmsg) < 0) {
		kpt_err("%s", errmsg ? errmsg : "out of memory");
		goto out;
	}
	if (opts.list) {
		if (opts.json)
			ret = print_list_json(&run, &info) < 0;
		else
			ret = print_list_text(&run, &info) < 0;
	} else if (report(&run, &info) == 0) {
		ret = 0;
	}
	if (run.unknown) {
		kpt_err("%s: %" PRIu64 " record%s of event ids the file does not describe (the "
			"first: %d); its event formats are incomplete or corrupt, and the report "
			"leaves them out", opts.file, run.unknown, run.unknown == 1 ? "" : "s",
			run.unknown_id);
		ret = 1;
	}
out:
	free(errmsg);
	free_run(&run);
	kpt_report_opts_free(&opts);
	return ret;
}
