// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel filter: hist triggers and a synthetic event per probe, in the
 * session's instance, so that only slow calls are recorded (see kfilter.h).
 *
 * The triggers are written by hand rather than through tracefs_synth_create(),
 * which puts them on the top instance's events: here they go on the
 * instance's own event files, like everything else the run changes. Their
 * variables are named after the probe's index, so that no two probes' share
 * a name. A record of the synthetic event is handed on as a span whose entry
 * and exit are two views of it: private formats that show the entry's
 * arguments and the return value at their offsets in the record, so
 * analysers read them by name as they would from a paired span.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "session/kfilter.h"
#include "util.h"

#define SYNTH_FILE	"synthetic_events"
#define VIEW_ID_BASE	1000
#define MAX_FIELDS	16	/* arguments a synthetic event carries, as the kernel allows */

#define VIEW_COMMON \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

struct kfilter {
	char *synth;			/* the synthetic event's name */
	char *entry_system, *entry_event, *exit_system, *exit_event;
	char *entry_trigger, *exit_trigger;
	bool synth_created, entry_set, exit_set;
	char *entry_fields;		/* "name,name": the arguments it carries */
	char *ret_field;		/* the return value's name, or NULL */
	int delta_offset;		/* -1 until the formats are loaded */
	struct tep_event *entry_view, *exit_view;
};

struct kpt_kfilters {
	struct kfilter *list;		/* [probe index] */
	int nr;
	struct tep_handle *views;	/* the entry and exit views' formats */
};

/**
 * kpt_kfilter_supported - can this kernel measure calls itself?
 *
 * True when tracefs has synthetic_events and its README documents hist
 * triggers with onmatch() actions.
 */
bool kpt_kfilter_supported(void)
{
	char *readme = tracefs_instance_file_read(NULL, "README", NULL);
	bool ok = readme && strstr(readme, "onmatch(") &&
		  tracefs_file_exists(NULL, SYNTH_FILE);

	free(readme);
	return ok;
}

static struct kpt_kfilters *filters_of(struct kpt_session *session, int index)
{
	struct kpt_kfilters *kf = session->kfilters;
	struct kfilter *list;

	if (!kf) {
		kf = session->kfilters = calloc(1, sizeof(*kf));
		if (!kf)
			return NULL;
	}
	if (index >= kf->nr) {
		list = realloc(kf->list, (index + 1) * sizeof(*list));
		if (!list)
			return NULL;
		memset(list + kf->nr, 0, (index + 1 - kf->nr) * sizeof(*list));
		kf->list = list;
		kf->nr = index + 1;
	}
	return kf;
}

/* The synthetic type of a numeric field ("s32", "u64"), or NULL for any other. */
static const char *synth_type(const struct tep_format_field *field)
{
	static const char *const types[2][4] = { { "u8", "u16", "u32", "u64" },
						 { "s8", "s16", "s32", "s64" } };
	int sign = !!(field->flags & TEP_FIELD_IS_SIGNED);

	if (field->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_STRING | TEP_FIELD_IS_DYNAMIC))
		return NULL;
	switch (field->size) {
	case 1: return types[sign][0];
	case 2: return types[sign][1];
	case 4: return types[sign][2];
	case 8: return types[sign][3];
	}
	return NULL;
}

/* The format of @system:@event, parsed into @tep. */
static struct tep_event *read_format(struct tep_handle *tep, const char *system, const char *event)
{
	char *text;
	int size;
	struct tep_event *format = NULL;

	text = tracefs_event_file_read(NULL, system, event, "format", &size);
	if (text && tep_parse_format(tep, &format, text, size, system) != 0)
		format = NULL;
	free(text);
	if (!format)
		kpt_err("--kernel-filter: cannot read the format of %s:%s", system, event);
	return format;
}

/* Append to a malloc'd @text (freed); NULL stays NULL, and on allocation failure. */
static char *append(char *text, const char *more)
{
	char *joined = text && more ? kpt_asprintf("%s%s", text, more) : NULL;

	free(text);
	return joined;
}

/* The return value: the exit's "ret" field, else its first numeric own field. */
static struct tep_format_field *return_field(struct tep_event *exit)
{
	struct tep_format_field *field = tep_find_field(exit, "ret");

	if (field && synth_type(field))
		return field;
	for (field = exit->format.fields; field; field = field->next) {
		if (strncmp(field->name, "__", 2) != 0 && synth_type(field))
			return field;
	}
	return NULL;
}

/* A numeric own field of the entry that the synthetic event can carry? */
static bool carried(const struct tep_format_field *field, const struct tep_format_field *ret)
{
	return strncmp(field->name, "__", 2) != 0 && synth_type(field) &&
	       !(ret && strcmp(field->name, ret->name) == 0);
}

/* The hist keys of one end: the key's fields (key=), or the thread. */
static char *hist_keys(const struct kpt_pair_key *key, bool exit)
{
	char *keys = strdup(key->nr ? "" : "common_pid"), *more;
	int i;

	for (i = 0; i < key->nr; i++) {
		keys = append(keys, more = kpt_asprintf("%s%s", i ? "," : "",
							exit ? key->exit[i] : key->entry[i]));
		free(more);
	}
	return keys;
}

/*
 * The synthetic event's definition and the two triggers: the entry's keeps
 * its time stamp and numeric arguments per thread (or per value of the
 * probe's key fields) in variables kpt<N>_ts and kpt<N>_a_<name>, the exit's
 * fires the event with the duration, those arguments and the return value.
 */
static int build(struct kfilter *f, const struct kpt_probe *probe, struct tep_event *entry,
		 struct tep_event *exit, int index)
{
	struct tep_format_field *field, *ret = return_field(exit);
	const char *probe_name = probe->name;
	char *def, *vars, *params, *names, *more;
	char *entry_keys = hist_keys(&probe->key, false), *exit_keys = hist_keys(&probe->key, true);
	int n = 0;

	if (!entry_keys || !exit_keys) {
		free(entry_keys);
		free(exit_keys);
		return -1;
	}
	def = kpt_asprintf("%s u64 delta", f->synth);
	vars = kpt_asprintf("hist:keys=%s:kpt%d_ts=common_timestamp", entry_keys, index);
	params = kpt_asprintf("$kpt%d_lat", index);
	names = strdup("");
	for (field = entry->format.fields; field; field = field->next) {
		if (strncmp(field->name, "__", 2) == 0 || (ret && !strcmp(field->name, ret->name)))
			continue;
		if (!carried(field, ret) || n == MAX_FIELDS - 2) {
			kpt_warn("--kernel-filter: probe '%s': argument %s is %s, which the kernel "
				 "filter does not carry; it is left out", probe_name, field->name,
				 synth_type(field) ? "one too many" : "not a number");
			continue;
		}
		def = append(def, more = kpt_asprintf("; %s %s", synth_type(field), field->name));
		free(more);
		vars = append(vars, more = kpt_asprintf(",kpt%d_a_%s=%s", index, field->name,
							field->name));
		free(more);
		params = append(params, more = kpt_asprintf(",$kpt%d_a_%s", index, field->name));
		free(more);
		names = append(names, more = kpt_asprintf("%s%s", n ? "," : "", field->name));
		free(more);
		n++;
	}
	if (ret) {
		def = append(def, more = kpt_asprintf("; %s %s", synth_type(ret), ret->name));
		free(more);
		params = append(params, more = kpt_asprintf(",%s", ret->name));
		free(more);
	}
	f->entry_fields = names;
	f->ret_field = ret ? strdup(ret->name) : NULL;
	f->entry_trigger = vars;
	f->exit_trigger = params && exit_keys ?
			  kpt_asprintf("hist:keys=%s:kpt%d_lat=common_timestamp-$kpt%d_ts:"
				       "onmatch(%s.%s).trace(%s,%s)", exit_keys, index, index,
				       f->entry_system, f->entry_event, f->synth, params) : NULL;
	free(params);
	free(entry_keys);
	free(exit_keys);
	if (!def || !f->entry_trigger || !f->exit_trigger || !names || (ret && !f->ret_field)) {
		free(def);
		return -1;
	}
	f->synth_created = tracefs_instance_file_append(NULL, SYNTH_FILE, def) > 0;
	if (!f->synth_created)
		kpt_err("--kernel-filter: the kernel refused synthetic event '%s': %s", def,
			strerror(errno));
	free(def);
	return f->synth_created ? 0 : -1;
}

/* Take "system/event" out of the events the session enables: the triggers need it soft only. */
static void unqueue(struct kpt_session *session, const char *system, const char *event)
{
	size_t len = strlen(system);
	int i;

	for (i = 0; i < session->nr_events; i++) {
		const char *name = session->events[i];

		if (strncmp(name, system, len) || name[len] != '/' || strcmp(name + len + 1, event))
			continue;
		free(session->events[i]);
		memmove(&session->events[i], &session->events[i + 1],
			(session->nr_events - i - 1) * sizeof(*session->events));
		memmove(&session->of_probe[i], &session->of_probe[i + 1],
			(session->nr_events - i - 1) * sizeof(*session->of_probe));
		session->nr_events--;
		return;
	}
}

static int set_triggers(struct kpt_session *session, struct kfilter *f)
{
	struct tracefs_instance *instance = session->instance;

	/* --filter, if any, goes on the synthetic event: the probe events record nothing */
	tracefs_event_file_write(instance, f->entry_system, f->entry_event, "filter", "0");
	tracefs_event_file_write(instance, f->exit_system, f->exit_event, "filter", "0");
	f->entry_set = tracefs_event_file_append(instance, f->entry_system, f->entry_event,
						 "trigger", f->entry_trigger) > 0;
	if (!f->entry_set) {
		kpt_err("--kernel-filter: the kernel refused trigger '%s' on %s:%s: %s",
			f->entry_trigger, f->entry_system, f->entry_event, strerror(errno));
		return -1;
	}
	f->exit_set = tracefs_event_file_append(instance, f->exit_system, f->exit_event,
						"trigger", f->exit_trigger) > 0;
	if (!f->exit_set) {
		kpt_err("--kernel-filter: the kernel refused trigger '%s' on %s:%s: %s",
			f->exit_trigger, f->exit_system, f->exit_event, strerror(errno));
		return -1;
	}
	return 0;
}

/**
 * kpt_kfilter_add - have the kernel measure probe @index and pass on only its slow calls
 * @session: the session, with the probe added (kpt_session_add_probe())
 * @probe: the probe
 * @index: its index; the synthetic event is named "<session>_slow<index>"
 * @threshold_ns: calls shorter than this are dropped in the kernel
 * @filter: --filter, applied to the synthetic event too, or NULL
 *
 * Creates the synthetic event (global) and the triggers (in the instance),
 * takes the probe's events out of those the session enables and puts the
 * synthetic event in. kpt_session_destroy() removes it all. Returns 0, or
 * -1 after printing why.
 */
int kpt_kfilter_add(struct kpt_session *session, const struct kpt_probe *probe, int index,
		    uint64_t threshold_ns, const char *filter)
{
	struct kpt_kfilters *kf = filters_of(session, index);
	struct tep_event *entry, *exit;
	struct tep_handle *tep;
	struct kfilter *f;
	char *expr;
	int ret = -1;

	if (!kf)
		return -1;
	f = &kf->list[index];
	f->delta_offset = -1;
	f->synth = kpt_asprintf("%s_slow%d", session->name, index);
	f->entry_system = strdup(probe->entry.system);
	f->entry_event = strdup(probe->entry.event);
	f->exit_system = strdup(probe->exit.system);
	f->exit_event = strdup(probe->exit.event);
	tep = tep_alloc();
	if (!f->synth || !f->entry_system || !f->entry_event || !f->exit_system ||
	    !f->exit_event || !tep)
		goto out;
	entry = read_format(tep, f->entry_system, f->entry_event);
	exit = read_format(tep, f->exit_system, f->exit_event);
	if (!entry || !exit || build(f, probe, entry, exit, index) < 0 ||
	    set_triggers(session, f) < 0)
		goto out;
	unqueue(session, f->entry_system, f->entry_event);
	unqueue(session, f->exit_system, f->exit_event);
	if (kpt_session_add_event(session, "synthetic", f->synth) < 0)
		goto out;
	expr = filter ? kpt_asprintf("(%s) && delta >= %" PRIu64, filter, threshold_ns) :
			kpt_asprintf("delta >= %" PRIu64, threshold_ns);
	if (expr && tracefs_event_file_write(session->instance, "synthetic", f->synth, "filter",
					     expr) < 0)
		kpt_err("--kernel-filter: the kernel refused filter '%s' on %s: %s", expr,
			f->synth, strerror(errno));
	else if (expr)
		ret = 0;
	free(expr);
out:
	tep_free(tep);
	return ret;
}

/**
 * kpt_kfilter_event - the synthetic event of probe @index, or NULL if it has none
 * @session: the session
 * @index: the probe's index
 */
const char *kpt_kfilter_event(const struct kpt_session *session, int index)
{
	const struct kpt_kfilters *kf = session->kfilters;

	return kf && index < kf->nr && kf->list[index].synth_created ? kf->list[index].synth :
	       NULL;
}

/* One view of the synthetic event: its fields named in @names (comma-separated) only. */
static struct tep_event *make_view(struct tep_handle *views, struct tep_event *synth,
				   const char *names, int id)
{
	struct tep_format_field *field;
	struct tep_event *view = NULL;
	char *text, *more, *list;

	text = kpt_asprintf("name: kpt_view_%d\nID: %d\nformat:\n" VIEW_COMMON, id, id);
	list = names ? kpt_asprintf(",%s,", names) : NULL;
	for (field = synth->format.fields; text && list && field; field = field->next) {
		char *key = kpt_asprintf(",%s,", field->name);

		if (key && strstr(list, key)) {
			more = kpt_asprintf("\tfield:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n",
					    field->type, field->name, field->offset, field->size,
					    !!(field->flags & TEP_FIELD_IS_SIGNED));
			text = append(text, more);
			free(more);
		}
		free(key);
	}
	text = append(text, "\nprint fmt: \"view\"\n");
	if (text && tep_parse_format(views, &view, text, strlen(text), "kptrace") != 0)
		view = NULL;
	free(text);
	free(list);
	return view;
}

/**
 * kpt_kfilter_load - read the synthetic events' layouts, once the session's formats are loaded
 * @session: the session (kpt_session_load_formats() done)
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_kfilter_load(struct kpt_session *session)
{
	struct kpt_kfilters *kf = session->kfilters;
	struct tep_format_field *delta;
	struct tep_event *synth;
	int i;

	if (!kf)
		return 0;
	kf->views = tep_alloc();
	if (!kf->views)
		return -1;
	tep_set_file_bigendian(kf->views, tep_is_bigendian() ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(kf->views, tep_is_bigendian() ? TEP_BIG_ENDIAN :
				TEP_LITTLE_ENDIAN);
	tep_set_long_size(kf->views, sizeof(long));
	for (i = 0; i < kf->nr; i++) {
		struct kfilter *f = &kf->list[i];

		if (!f->synth_created)
			continue;
		synth = tep_find_event_by_name(session->tep, "synthetic", f->synth);
		delta = synth ? tep_find_field(synth, "delta") : NULL;
		if (!delta) {
			kpt_err("--kernel-filter: no format for synthetic event %s", f->synth);
			return -1;
		}
		f->delta_offset = delta->offset;
		f->entry_view = make_view(kf->views, synth, f->entry_fields, VIEW_ID_BASE + 2 * i);
		f->exit_view = make_view(kf->views, synth, f->ret_field, VIEW_ID_BASE + 2 * i + 1);
		if (!f->entry_view || !f->exit_view) {
			kpt_err("--kernel-filter: cannot describe the fields of %s", f->synth);
			return -1;
		}
	}
	return 0;
}

/**
 * kpt_kfilter_span - a record of a probe's synthetic event as the span it measured
 * @session: the session (void *, so that it is the engine's span maker)
 * @ev: the record, decoded with role KPT_ROLE_SPAN
 * @span: filled in: from the return's time less the duration to the return's time,
 *	on the returning thread and CPU
 * @entry: filled in: the record seen through the entry's arguments
 * @exit: filled in: the record seen through the return value
 *
 * Returns 0, or -1 if @ev is not one of the session's synthetic events.
 */
int kpt_kfilter_span(void *session, const struct kpt_event *ev, struct kpt_span *span,
		     struct kpt_event *entry, struct kpt_event *exit)
{
	const struct kpt_kfilters *kf = ((struct kpt_session *)session)->kfilters;
	const struct kfilter *f;
	uint64_t delta;

	if (!kf || ev->probe < 0 || ev->probe >= kf->nr)
		return -1;
	f = &kf->list[ev->probe];
	if (f->delta_offset < 0 || f->delta_offset + 8 > ev->size)
		return -1;
	memcpy(&delta, (const char *)ev->data + f->delta_offset, sizeof(delta));
	*exit = *ev;
	exit->role = KPT_ROLE_EXIT;
	exit->format = f->exit_view;
	*entry = *ev;
	entry->role = KPT_ROLE_ENTRY;
	entry->format = f->entry_view;
	entry->ts = delta < ev->ts ? ev->ts - delta : 0;
	*span = (struct kpt_span){
		.probe = ev->probe,
		.tid = ev->tid,
		.cpu = ev->cpu,
		.start = entry->ts,
		.end = ev->ts,
		.entry = entry,
		.exit = exit,
	};
	return 0;
}

static void remove_trigger(struct kpt_session *session, const char *system, const char *event,
			   const char *trigger)
{
	char *off = kpt_asprintf("!%s", trigger);

	if (!off || tracefs_event_file_append(session->instance, system, event, "trigger",
					      off) < 0)
		kpt_warn("cannot remove trigger '%s' from %s:%s: %s", trigger, system, event,
			 strerror(errno));
	free(off);
}

static void remove_synth(const char *name)
{
	char *off = kpt_asprintf("!%s", name);

	if (!off || tracefs_instance_file_append(NULL, SYNTH_FILE, off) < 0)
		kpt_warn("cannot remove synthetic event %s: %s; remove it with 'kptrace cleanup'",
			 name, strerror(errno));
	free(off);
}

/**
 * kpt_kfilter_destroy - remove the triggers and synthetic events
 * @session: the session, its events disabled; before its probes are removed
 *	(a probe with a trigger cannot be)
 *
 * Safe on a partly made filter, and more than once.
 */
void kpt_kfilter_destroy(struct kpt_session *session)
{
	struct kpt_kfilters *kf = session->kfilters;
	int i;

	for (i = kf ? kf->nr - 1 : -1; i >= 0; i--) {
		struct kfilter *f = &kf->list[i];

		if (f->exit_set)
			remove_trigger(session, f->exit_system, f->exit_event, f->exit_trigger);
		if (f->entry_set)
			remove_trigger(session, f->entry_system, f->entry_event, f->entry_trigger);
		if (f->synth_created)
			remove_synth(f->synth);
		f->exit_set = f->entry_set = f->synth_created = false;
	}
}

/**
 * kpt_kfilter_free - release the descriptors (NULL session->kfilters is fine)
 * @session: the session; kpt_kfilter_destroy() first
 */
void kpt_kfilter_free(struct kpt_session *session)
{
	struct kpt_kfilters *kf = session->kfilters;
	int i;

	if (!kf)
		return;
	for (i = 0; i < kf->nr; i++) {
		struct kfilter *f = &kf->list[i];

		free(f->synth);
		free(f->entry_system);
		free(f->entry_event);
		free(f->exit_system);
		free(f->exit_event);
		free(f->entry_trigger);
		free(f->exit_trigger);
		free(f->entry_fields);
		free(f->ret_field);
	}
	free(kf->list);
	tep_free(kf->views);
	free(kf);
	session->kfilters = NULL;
}

/* Remove the triggers of one event file whose text has @with (or all with @with NULL). */
static void clear_triggers(struct tracefs_instance *instance, const char *system,
			   const char *event, const char *with)
{
	char *text = tracefs_event_file_read(instance, system, event, "trigger", NULL);
	char *line, *save = NULL, *off;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *active = strstr(line, " [active]");

		if (line[0] == '#' || (with && !strstr(line, with)))
			continue;
		if (active)
			*active = '\0';
		off = kpt_asprintf("!%s", line);
		if (off)
			tracefs_event_file_append(instance, system, event, "trigger", off);
		free(off);
	}
	free(text);
}

/**
 * kpt_kfilter_clear_stale - remove the triggers a dead run left in its instance
 * @name: the dead run's instance, "kptrace_<pid>"
 *
 * A trigger that fires a synthetic event holds the instance, so it must go
 * before the instance can be removed; the triggers are looked for in every
 * event of the instance, and only if a synthetic event of that run exists.
 * The onmatch() ones go first: they use the others' variables.
 */
void kpt_kfilter_clear_stale(const char *name)
{
	char *synth = tracefs_instance_file_read(NULL, SYNTH_FILE, NULL);
	char *prefix = kpt_asprintf("%s_slow", name);
	struct tracefs_instance *instance;
	char **systems, **events, *dir;
	int pass, i, j;

	if (!synth || !prefix || !strstr(synth, prefix)) {
		free(synth);
		free(prefix);
		return;
	}
	free(synth);
	free(prefix);
	instance = tracefs_instance_alloc(NULL, name);
	dir = instance ? tracefs_instance_get_dir(instance) : NULL;
	systems = dir ? tracefs_event_systems(dir) : NULL;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; systems && systems[i]; i++) {
			events = tracefs_system_events(dir, systems[i]);
			for (j = 0; events && events[j]; j++)
				clear_triggers(instance, systems[i], events[j],
					       pass ? NULL : "onmatch(");
			tracefs_list_free(events);
		}
	}
	tracefs_list_free(systems);
	free(dir);
	tracefs_instance_free(instance);
}

/*
 * Remove the synthetic events "<session>_slow<N>" of the sessions @is_stale
 * says are gone, or of the one session @only. Returns how many.
 */
static int remove_synths(bool (*is_stale)(const char *name), const char *only, bool verbose)
{
	char *text = tracefs_instance_file_read(NULL, SYNTH_FILE, NULL);
	char *line, *save = NULL, session[64];
	int removed = 0;

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strcspn(line, " \t");
		const char *slow;

		line[len] = '\0';
		slow = strstr(line, "_slow");
		if (strncmp(line, "kptrace_", 8) || !slow ||
		    (size_t)(slow - line) >= sizeof(session))
			continue;
		snprintf(session, sizeof(session), "%.*s", (int)(slow - line), line);
		if (only ? strcmp(session, only) != 0 : !is_stale(session))
			continue;
		remove_synth(line);
		removed++;
		if (verbose)
			kpt_info("removed synthetic event %s", line);
	}
	free(text);
	return removed;
}

/**
 * kpt_kfilter_remove_stale - remove the synthetic events of dead runs
 * @is_stale: whether "kptrace_<pid>" names a run that is gone
 * @verbose: say what was removed
 *
 * Run after their triggers are gone (kpt_kfilter_clear_stale()). Returns how
 * many were removed.
 */
int kpt_kfilter_remove_stale(bool (*is_stale)(const char *name), bool verbose)
{
	return remove_synths(is_stale, NULL, verbose);
}

/**
 * kpt_kfilter_remove_session - remove the synthetic events of one session
 * @name: the session, "kptrace_<pid>" (a killed run's, for its watchdog)
 *
 * Run after the session's triggers are gone. Returns how many were removed.
 */
int kpt_kfilter_remove_session(const char *name)
{
	return remove_synths(NULL, name, false);
}
