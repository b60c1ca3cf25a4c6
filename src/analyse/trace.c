// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "trace": every probe event as it happens, in time
 * order across CPUs, with its arguments (fetch-args, a syscall's arguments,
 * return values) read through the host's accessors, as text or one JSON
 * object per line.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "analyse/analyser.h"
#include "output/check.h"
#include "output/output.h"

#define ARG_TEXT	4096	/* longest argument printed; longer ones are cut */

struct trace {
	const struct kpt_run_params *run;
	const struct kpt_host *host;
	char text[ARG_TEXT];
};

static void *trace_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct trace *trace = calloc(1, sizeof(*trace));

	if (!trace) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	trace->run = (const struct kpt_run_params *)params;
	trace->host = params->host;
	return trace;
}

static const char *role_name(enum kpt_role role)
{
	return role == KPT_ROLE_ENTRY ? "entry" : "exit";
}

/* An integer argument as its format's signedness says, else its text. */
static struct json_object *json_arg(struct trace *trace, const struct kpt_event *ev, int i)
{
	const struct kpt_host *host = trace->host;
	uint64_t val;

	if (host->arg_text(ev, i, trace->text, sizeof(trace->text)) < 0)
		return json_object_new_string("");
	if (host->arg_u64(ev, i, &val) < 0)
		return json_object_new_string(trace->text);
	if (trace->text[0] == '-')
		return json_object_new_int64((int64_t)val);
	return json_object_new_uint64(val);
}

static void print_json(struct trace *trace, const struct kpt_event *ev)
{
	const struct kpt_analyser_params *params = &trace->run->params;
	const struct kpt_host *host = trace->host;
	struct json_object *obj = json_object_new_object();
	struct json_object *fields = json_object_new_object();
	int i, n = host->nr_args(ev);

	json_object_object_add(obj, "ts_ns", json_object_new_uint64(ev->ts));
	json_object_object_add(obj, "cpu", json_object_new_int(ev->cpu));
	json_object_object_add(obj, "tid", json_object_new_int(ev->tid));
	json_object_object_add(obj, "probe", json_object_new_string(params->probe_names[ev->probe]));
	json_object_object_add(obj, "role", json_object_new_string(role_name(ev->role)));
	json_object_object_add(obj, "event", json_object_new_string(host->event_name(ev)));
	for (i = 0; i < n; i++)
		json_object_object_add(fields, host->arg_name(ev, i), json_arg(trace, ev, i));
	json_object_object_add(obj, "fields", fields);
	fprintf(params->out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

/* "  1234.567890 [001]    4242 PROBE entry: name=value ..." */
static void print_text(struct trace *trace, const struct kpt_event *ev)
{
	const struct kpt_analyser_params *params = &trace->run->params;
	const struct kpt_host *host = trace->host;
	int i, n = host->nr_args(ev);
	FILE *out = params->out;

	fprintf(out, "%6" PRIu64 ".%06" PRIu64 " [%03d] %7d %s %s:", ev->ts / 1000000000,
		ev->ts % 1000000000 / 1000, ev->cpu, ev->tid, params->probe_names[ev->probe],
		role_name(ev->role));
	for (i = 0; i < n; i++) {
		host->arg_text(ev, i, trace->text, sizeof(trace->text));
		fprintf(out, " %s=%s", host->arg_name(ev, i), trace->text);
	}
	fputc('\n', out);
}

static void trace_event(void *state, const struct kpt_event *ev)
{
	struct trace *trace = state;

	if (ev->role == KPT_ROLE_TASK_EXIT)
		return;
	if (trace->run->params.json)
		print_json(trace, ev);
	else
		print_text(trace, ev);
}

static int trace_report(void *state, const struct kpt_report_params *report)
{
	struct trace *trace = state;

	if (!report->final)
		return 0;
	if (kpt_output_check(trace->run->params.out, NULL) < 0)
		return -1;
	kpt_output_loss_text(stderr, report->loss);
	return 0;
}

static void trace_destroy(void *state)
{
	free(state);
}

const struct kpt_analyser_desc kpt_trace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "trace",
	.summary = "every entry and return event with its arguments and return value",
	.flags = KPT_ANALYSER_EVENTS,
	.create = trace_create,
	.event = trace_event,
	.report = trace_report,
	.destroy = trace_destroy,
};
