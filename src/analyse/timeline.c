// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "timeline": every span as a Chrome Trace Event
 * complete event ("ph":"X", ts and dur in microseconds, the entry's
 * arguments and the return's in args), for ui.perfetto.dev and
 * chrome://tracing. Spans on one thread nest by time, as the pairing found
 * them; args also carry kptrace.depth (the frames below the span on its
 * thread) and kptrace.cpu (where it was entered), and the return's fields
 * under "return.". Each span is written as it completes: nothing is held but the set of
 * threads already named ("ph":"M" thread_name and process_name events).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/analyser.h"
#include "util.h"

#define VALUE_TEXT	1024
#define OUT_BUFFER	(1 << 20)

struct map_slot {
	int key;			/* the id + 1; 0: free */
	int value;
};

struct map {
	struct map_slot *slots;
	unsigned int nr_slots;		/* a power of two, or 0 */
	unsigned int nr;
};

struct timeline {
	const struct kpt_run_params *run;
	const struct kpt_host *host;
	const char *path;
	FILE *out;
	bool first;			/* no event written yet: no comma before the next */
	bool closed;
	bool live;			/* thread groups are read from /proc */
	struct map threads;		/* threads named so far, to their process */
	struct map processes;		/* processes named so far */
	char value[VALUE_TEXT];		/* scratch */
};

static const struct kpt_analyser_option timeline_options[] = {
	{ "file", "PATH: the JSON file the spans stream into (required)" },
	{ NULL, NULL },
};

/* Write @s as a JSON string, quotes included. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Is @s a JSON integer as it stands ("-12", "0", not "012" or "0x1f")? */
static bool is_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s || (*s == '0' && s[1]) || strlen(s) > 19)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
	}
	return true;
}

static struct map_slot *map_find(const struct map *map, int key)
{
	unsigned int i;

	for (i = (unsigned int)key * 2654435761u & (map->nr_slots - 1); map->slots[i].key;
	     i = (i + 1) & (map->nr_slots - 1)) {
		if (map->slots[i].key == key)
			break;
	}
	return &map->slots[i];
}

/* The value of @id, or NULL when it is not in @map. */
static const int *map_get(const struct map *map, int id)
{
	const struct map_slot *slot;

	if (!map->nr_slots)
		return NULL;
	slot = map_find(map, id + 1);
	return slot->key ? &slot->value : NULL;
}

/* Add @id (not in @map) with @value; -1 when it cannot grow. */
static int map_add(struct map *map, int id, int value)
{
	struct map_slot *slot;

	if ((map->nr + 1) * 2 > map->nr_slots) {
		struct map grown = { .nr_slots = map->nr_slots ? map->nr_slots * 2 : 64 };
		unsigned int i;

		grown.slots = calloc(grown.nr_slots, sizeof(*grown.slots));
		if (!grown.slots)
			return -1;
		for (i = 0; i < map->nr_slots; i++) {
			if (map->slots[i].key)
				*map_find(&grown, map->slots[i].key) = map->slots[i];
		}
		free(map->slots);
		map->slots = grown.slots;
		map->nr_slots = grown.nr_slots;
	}
	slot = map_find(map, id + 1);
	slot->key = id + 1;
	slot->value = value;
	map->nr++;
	return 0;
}

/* The thread group of @tid from /proc while it lives; @tid itself otherwise. */
static int thread_group(const struct timeline *tl, int tid)
{
	char path[64], line[128];
	int tgid = tid;
	FILE *f;

	if (!tl->live)
		return tid;
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	}
	fclose(f);
	return tgid > 0 ? tgid : tid;
}

static void separator(struct timeline *tl)
{
	if (!tl->first)
		fputs(",\n", tl->out);
	tl->first = false;
}

static void name_event(struct timeline *tl, const char *what, int pid, int tid, const char *name)
{
	separator(tl);
	fprintf(tl->out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
		what, pid, tid);
	json_string(tl->out, name);
	fputs("}}", tl->out);
}

/*
 * A thread's pid for the viewer, naming the thread and its process the first
 * time it is seen: the only time /proc is read for it.
 */
static int thread_pid(struct timeline *tl, int tid)
{
	const int *known = map_get(&tl->threads, tid);
	int pid;

	if (known)
		return *known;
	pid = thread_group(tl, tid);
	if (map_add(&tl->threads, tid, pid) < 0)
		return pid;
	if (!map_get(&tl->processes, pid) && map_add(&tl->processes, pid, pid) == 0)
		name_event(tl, "process_name", pid, pid, tl->host->comm(tl->host, pid));
	name_event(tl, "thread_name", pid, tid, tl->host->comm(tl->host, tid));
	return pid;
}

static void write_args(struct timeline *tl, const struct kpt_event *ev, const char *prefix,
		       bool *comma)
{
	const struct kpt_host *host = tl->host;
	int i, n = ev && ev->data ? host->nr_args(ev) : 0;

	for (i = 0; i < n; i++) {
		if (host->arg_text(ev, i, tl->value, sizeof(tl->value)) < 0)
			continue;
		fprintf(tl->out, "%s\"%s%s\":", *comma ? "," : "", prefix, host->arg_name(ev, i));
		if (is_integer(tl->value))
			fputs(tl->value, tl->out);
		else
			json_string(tl->out, tl->value);
		*comma = true;
	}
}

static void timeline_span(void *state, const struct kpt_span *span)
{
	struct timeline *tl = state;
	uint64_t dur = span->end - span->start;
	bool comma = true;
	int pid;

	if (tl->closed)
		return;
	pid = thread_pid(tl, span->tid);
	separator(tl);
	fputs("{\"ph\":\"X\",\"cat\":\"kptrace\",\"name\":", tl->out);
	json_string(tl->out, tl->run->params.probe_names[span->probe]);
	fprintf(tl->out, ",\"pid\":%d,\"tid\":%d,\"ts\":%" PRIu64 ".%03" PRIu64 ",\"dur\":%" PRIu64
		".%03" PRIu64 ",\"args\":{\"kptrace.depth\":%d,\"kptrace.cpu\":%d", pid, span->tid,
		span->start / 1000, span->start % 1000, dur / 1000, dur % 1000, span->depth,
		span->cpu);
	write_args(tl, span->entry, "", &comma);
	/* a return's own fields: sys_exit's "ret", a return probe's fetch-args */
	write_args(tl, span->exit, "return.", &comma);
	fputs("}}", tl->out);
}

static int finish(struct timeline *tl)
{
	int ret = 0;

	if (tl->closed)
		return 0;
	tl->closed = true;
	fputs("\n]}\n", tl->out);
	if (fclose(tl->out) != 0)
		ret = -1;
	tl->out = NULL;
	if (ret < 0)
		kpt_err("--timeline %s: cannot write it: %s", tl->path, strerror(errno));
	return ret;
}

static int timeline_report(void *state, const struct kpt_report_params *report)
{
	struct timeline *tl = state;

	if (report->final)
		return finish(tl);
	if (fflush(tl->out) != 0) {
		kpt_err("--timeline %s: cannot write it: %s", tl->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void timeline_destroy(void *state)
{
	struct timeline *tl = state;

	if (tl->out)
		finish(tl);
	free(tl->threads.slots);
	free(tl->processes.slots);
	free(tl);
}

static void *timeline_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct timeline *tl;
	const char *path = NULL;
	int i;

	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "file") == 0)
			path = params->option_values[i];
	}
	if (!path || !*path) {
		snprintf(err, errsize, "timeline needs file=PATH, the file to write");
		return NULL;
	}
	tl = calloc(1, sizeof(*tl));
	if (!tl) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	tl->run = (const struct kpt_run_params *)params;
	tl->host = params->host;
	tl->path = path;
	tl->live = !params->input;
	tl->first = true;
	tl->out = fopen(path, "w");
	if (!tl->out) {
		snprintf(err, errsize, "--timeline %s: cannot create it: %s", path,
			 strerror(errno));
		free(tl);
		return NULL;
	}
	setvbuf(tl->out, NULL, _IOFBF, OUT_BUFFER);
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"kptrace\"},"
	      "\"traceEvents\":[\n", tl->out);
	return tl;
}

const struct kpt_analyser_desc kpt_timeline_analyser = {
	KPT_ANALYSER_ABI,
	.name = "timeline",
	.summary = "every span as a Chrome Trace Event, for Perfetto and chrome://tracing",
	.options = timeline_options,
	.flags = KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS,
	.create = timeline_create,
	.span = timeline_span,
	.report = timeline_report,
	.destroy = timeline_destroy,
};
