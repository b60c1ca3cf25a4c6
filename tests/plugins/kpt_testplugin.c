// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A plugin for the live tests of the plugin wiring: it counts the events and
 * spans it is fed, the spans whose entry carries its payload, and sums one
 * entry argument, and writes them on one line per report:
 *
 *	events=N spans=N entry_data=N arg_sum=N comm=NAME
 *
 * Options: out=PATH (where; default stderr), arg=NAME (the entry argument to
 * sum), fail=MESSAGE (create fails with MESSAGE, to test how that is handled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kptrace/analyser.h>

struct state {
	const struct kpt_host *host;
	FILE *out;
	const char *arg;
	unsigned long long events, spans, entry_data, arg_sum;
	char comm[64];
};

static const struct kpt_analyser_option options[] = {
	{ "out", "PATH: write the counts there (default: stderr)" },
	{ "arg", "NAME: sum this entry argument over the spans" },
	{ "fail", "MESSAGE: fail to create, saying MESSAGE" },
	{ NULL, NULL },
};

static void *create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct state *st;
	int i;

	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "fail") == 0) {
			snprintf(err, errsize, "%s", params->option_values[i]);
			return NULL;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	st->host = params->host;
	st->out = stderr;
	strcpy(st->comm, "-");
	for (i = 0; i < params->nr_options; i++) {
		const char *key = params->option_names[i], *val = params->option_values[i];

		if (strcmp(key, "arg") == 0)
			st->arg = val;
		if (strcmp(key, "out") == 0 && !(st->out = fopen(val, "w"))) {
			snprintf(err, errsize, "out=%s: cannot open it", val);
			free(st);
			return NULL;
		}
	}
	return st;
}

static void event(void *state, const struct kpt_event *ev)
{
	struct state *st = state;

	if (ev->role != KPT_ROLE_TASK_EXIT)
		st->events++;
}

static void span(void *state, const struct kpt_span *span)
{
	struct state *st = state;
	uint64_t val;
	int i;

	st->spans++;
	if (!span->entry->data)
		return;
	st->entry_data++;
	snprintf(st->comm, sizeof(st->comm), "%s", st->host->comm(st->host, span->tid));
	i = st->arg ? st->host->arg_index(span->entry, st->arg) : -1;
	if (i >= 0 && st->host->arg_u64(span->entry, i, &val) == 0)
		st->arg_sum += val;
}

static int report(void *state, const struct kpt_report_params *report)
{
	struct state *st = state;

	fprintf(st->out, "events=%llu spans=%llu entry_data=%llu arg_sum=%llu comm=%s\n",
		st->events, st->spans, st->entry_data, st->arg_sum, st->comm);
	fflush(st->out);
	return ferror(st->out) ? -1 : 0;
}

static void destroy(void *state)
{
	struct state *st = state;

	if (st->out != stderr)
		fclose(st->out);
	free(st);
}

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "kpt_testplugin",
	.summary = "counts what it is fed, for kptrace's tests",
	.options = options,
	.flags = KPT_ANALYSER_EVENTS | KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS,
	.create = create,
	.event = event,
	.span = span,
	.report = report,
	.destroy = destroy,
};
