// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace trace: every probe event as it happens, in time order across CPUs,
 * with its fetched arguments and return values.
 */
#include <stdio.h>
#include <stdlib.h>

#include <event-parse.h>
#include <json.h>
#include <trace-seq.h>

#include "cmd/commands.h"
#include "cmd/live.h"
#include "output/check.h"
#include "output/output.h"
#include "session/session.h"

static const char usage[] =
	"usage: kptrace trace [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"\n"
	"Print every entry and return event of each PROBE, with its fetched\n"
	"arguments and return value, in time order across CPUs.\n"
	"\n"
	"PROBE and OPTIONS are those of 'kptrace latency' (see kptrace-latency(1));\n"
	"-i is not used. --json prints one JSON object per event, one per line.\n";

struct trace_run {
	struct tep_handle *tep;
	const struct kpt_live *live;
	struct trace_seq seq;
	bool json;
};

static long long sign_extend(unsigned long long val, int size)
{
	int shift = 64 - 8 * size;

	return shift > 0 && shift < 64 ? (long long)(val << shift) >> shift : (long long)val;
}

static void print_json(struct trace_run *run, const struct kpt_event *ev)
{
	struct tep_format_field *field;
	struct json_object *obj = json_object_new_object();
	struct json_object *fields = json_object_new_object();

	json_object_object_add(obj, "ts_ns", json_object_new_uint64(ev->ts));
	json_object_object_add(obj, "cpu", json_object_new_int(ev->cpu));
	json_object_object_add(obj, "tid", json_object_new_int(ev->tid));
	json_object_object_add(obj, "probe",
			       json_object_new_string(run->live->probes[ev->probe].name));
	json_object_object_add(obj, "role",
			       json_object_new_string(ev->role == KPT_ROLE_ENTRY ? "entry" : "exit"));
	json_object_object_add(obj, "event", json_object_new_string(ev->format->name));
	for (field = ev->format->format.fields; field; field = field->next) {
		unsigned long long val;

		if (!(field->flags & (TEP_FIELD_IS_STRING | TEP_FIELD_IS_ARRAY)) &&
		    tep_read_number_field(field, ev->data, &val) == 0) {
			json_object_object_add(fields, field->name,
					       (field->flags & TEP_FIELD_IS_SIGNED) ?
					       json_object_new_int64(sign_extend(val, field->size)) :
					       json_object_new_uint64(val));
			continue;
		}
		trace_seq_reset(&run->seq);
		tep_print_field_content(&run->seq, ev->data, ev->size, field);
		trace_seq_terminate(&run->seq);
		json_object_object_add(fields, field->name,
				       json_object_new_string(run->seq.buffer));
	}
	json_object_object_add(obj, "fields", fields);
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

static void trace_event(void *ctx, const struct kpt_event *ev)
{
	struct trace_run *run = ctx;
	struct tep_record record = {
		.ts = ev->ts,
		.cpu = ev->cpu,
		.data = ev->data,
		.size = ev->size,
	};

	if (ev->role == KPT_ROLE_TASK_EXIT)
		return;
	if (run->json) {
		print_json(run, ev);
		return;
	}
	trace_seq_reset(&run->seq);
	/* tep_print_event() takes every %s for one of its keywords: name and role go apart. */
	tep_print_event(run->tep, &run->seq, &record, "%6.1000d [%03d] %7d ", TEP_PRINT_TIME,
			TEP_PRINT_CPU, TEP_PRINT_PID);
	trace_seq_printf(&run->seq, "%s %s: ", run->live->probes[ev->probe].name,
			 ev->role == KPT_ROLE_ENTRY ? "entry" : "exit");
	tep_print_event(run->tep, &run->seq, &record, "%s\n", TEP_PRINT_INFO);
	trace_seq_do_fprintf(&run->seq, stdout);
}

static void trace_report(void *ctx, int interval, bool final, double elapsed,
			 const struct kpt_loss *loss)
{
	if (!final)
		return;
	kpt_output_check(stdout, NULL);
	kpt_output_loss_text(stderr, loss);
}

static const struct kpt_live_ops trace_ops = {
	.event = trace_event,
	.report = trace_report,
};

/**
 * kpt_cmd_trace - the "trace" command
 * @argc: argument count; argv[0] is "trace"
 * @argv: arguments
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error.
 */
int kpt_cmd_trace(int argc, char **argv)
{
	struct trace_run run = { 0 };
	struct kpt_trace_opts opts;
	struct kpt_live live;
	int ret = 1, code;

	if (kpt_trace_opts_parse(argc, argv, &opts) < 0 || opts.help) {
		fputs(usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		kpt_trace_opts_free(&opts);
		return ret;
	}
	trace_seq_init(&run.seq);
	if (kpt_live_setup(&live, &opts) < 0)
		goto out;
	run.tep = live.session->tep;
	run.live = &live;
	run.json = opts.json;
	if (kpt_live_run(&live, &trace_ops, &run) == 0)
		ret = 0;
out:
	code = kpt_live_teardown(&live);
	if (ret == 0 && opts.command)
		ret = code;
	trace_seq_destroy(&run.seq);
	kpt_trace_opts_free(&opts);
	return ret;
}
