// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "slow": every call that took the threshold or
 * longer, one line each in the order the calls end, with the entry's
 * arguments and the return's value by name, as funcslower prints them; or
 * one JSON object per call. The calls still open at the end follow, marked
 * as such, with how long they had lasted by then. With a key (--by), the
 * final report adds the slow calls' count and total time per key value.
 * With --stack or --ustack, each slow call's stack follows its line,
 * innermost frame first (in JSON, a "stack" array).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "analyse/analyser.h"
#include "analyse/latency.h"
#include "analyse/stacks.h"
#include "output/output.h"
#include "util.h"

#define ARG_TEXT	1024	/* longest argument printed; longer ones are cut */
#define SLOW_FRAMES	512	/* room for a user and a kernel stack */

struct slow {
	const struct kpt_run_params *run;
	const struct kpt_host *host;
	struct kpt_stats_options opts;
	uint64_t unit_ns;
	const char *unit_name;
	struct kpt_key *key;			/* --by */
	struct kpt_latency_stats *stats;	/* --by: the slow calls per key */
	uint64_t slow_calls;
	uint64_t open_calls;
	char text[ARG_TEXT];
	const char *frames[SLOW_FRAMES];	/* --stack, --ustack: a call's, root first */
};

static const struct kpt_analyser_option slow_options[] = {
	{ "threshold", "LATENCY: report the calls that take this long or longer (required)" },
	{ "unit", "ns|us|ms: the unit of LAT and of bare numbers (default us)" },
	{ "by", "pid|tid|comm|cpu|ret|arg:NAME: at the end, the slow calls per key value" },
	{ "top", "N: only the N values of the key with the most total time, per probe" },
	{ NULL, NULL },
};

static void slow_destroy(void *state);

static const char *unit_name(uint64_t unit_ns)
{
	return unit_ns == 1 ? "ns" : unit_ns == NSEC_PER_MSEC ? "ms" : "us";
}

static void print_header(struct slow *slow)
{
	const struct kpt_analyser_params *params = &slow->run->params;
	char lat[16];

	snprintf(lat, sizeof(lat), "LAT(%s)", slow->unit_name);
	fprintf(params->out, "%-17s %-16s %7s %7s %3s %12s %s\n", "TIME(s)", "COMM", "PID", "TID",
		"CPU", lat, "CALL");
}

static void *slow_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct kpt_latency_config config = { 0 };
	struct slow *slow = calloc(1, sizeof(*slow));

	if (!slow)
		goto nomem;
	slow->run = (const struct kpt_run_params *)params;
	slow->host = params->host;
	if (kpt_stats_options_parse(params, &slow->opts, err, errsize) < 0)
		goto fail;
	if (!slow->opts.has_threshold) {
		snprintf(err, errsize, "no threshold: give one, e.g. threshold=10ms");
		goto fail;
	}
	if (slow->run->folded) {
		snprintf(err, errsize, "--folded: slow prints each slow call's stack under it; "
			 "folded stacks are latency's and count's");
		goto fail;
	}
	slow->unit_ns = slow->opts.unit_ns ? slow->opts.unit_ns : NSEC_PER_USEC;
	slow->unit_name = unit_name(slow->unit_ns);
	if (slow->opts.by) {
		slow->key = kpt_key_alloc(slow->opts.by, params->host, params->nr_probes,
					  params->probe_names, err, errsize);
		if (!slow->key)
			goto fail;
		config.key = slow->key;
		config.top = slow->opts.top;
		slow->stats = kpt_latency_stats_alloc(params->nr_probes, &config);
		if (!slow->stats)
			goto nomem;
	}
	if (!params->json)
		print_header(slow);
	return slow;
nomem:
	snprintf(err, errsize, "out of memory");
fail:
	if (slow)
		slow_destroy(slow);
	return NULL;
}

/* "name=value, ...": strings quoted, as funcslower's -a prints them but by name. */
static void print_args(struct slow *slow, FILE *out, const struct kpt_event *ev)
{
	const struct kpt_host *host = slow->host;
	int i, n = host->nr_args(ev);
	uint64_t val;

	for (i = 0; i < n; i++) {
		host->arg_text(ev, i, slow->text, sizeof(slow->text));
		fprintf(out, host->arg_u64(ev, i, &val) < 0 ? "%s%s=\"%s\"" : "%s%s=%s",
			i ? ", " : "", host->arg_name(ev, i), slow->text);
	}
}

/* --stack, --ustack: the call's frames under its line, innermost first, as stack traces are. */
static void print_stack(struct slow *slow, FILE *out, const struct kpt_event *entry)
{
	int i = kpt_stacks_frames(slow->host, entry, slow->frames, SLOW_FRAMES);

	while (i-- > 0)
		fprintf(out, "    %s\n", slow->frames[i]);
}

static void print_text(struct slow *slow, const struct kpt_span *span)
{
	const struct kpt_analyser_params *params = &slow->run->params;
	const struct kpt_host *host = slow->host;
	uint64_t lat = span->end - span->start;
	int pid = host->tgid(host, span->tid);
	FILE *out = params->out;
	char when[32], dur[32];

	snprintf(when, sizeof(when), "%" PRIu64 ".%06" PRIu64, span->end / 1000000000,
		 span->end % 1000000000 / 1000);
	snprintf(dur, sizeof(dur), "%s%.3f", span->exit ? "" : ">", (double)lat / slow->unit_ns);
	fprintf(out, "%-17s %-16s %7d %7d %3d %12s %s(", when, host->comm(host, span->tid),
		pid > 0 ? pid : span->tid, span->tid, span->cpu, dur,
		params->probe_names[span->probe]);
	if (span->entry->data)
		print_args(slow, out, span->entry);
	fputc(')', out);
	if (!span->exit) {
		fputs(" still open at the end", out);
	} else if (host->nr_args(span->exit) == 1) {
		host->arg_text(span->exit, 0, slow->text, sizeof(slow->text));
		fprintf(out, " = %s", slow->text);
	} else if (host->nr_args(span->exit) > 1) {
		fputs(" = {", out);
		print_args(slow, out, span->exit);
		fputc('}', out);
	}
	fputc('\n', out);
	if (slow->run->stacks)
		print_stack(slow, out, span->entry);
}

/* An integer argument as its format's signedness says, else its text. */
static struct json_object *json_arg(struct slow *slow, const struct kpt_event *ev, int i)
{
	const struct kpt_host *host = slow->host;
	uint64_t val;

	if (host->arg_text(ev, i, slow->text, sizeof(slow->text)) < 0)
		return json_object_new_string("");
	if (host->arg_u64(ev, i, &val) < 0)
		return json_object_new_string(slow->text);
	if (slow->text[0] == '-')
		return json_object_new_int64((int64_t)val);
	return json_object_new_uint64(val);
}

static struct json_object *json_args(struct slow *slow, const struct kpt_event *ev)
{
	struct json_object *obj = json_object_new_object();
	int i, n = ev && ev->data ? slow->host->nr_args(ev) : 0;

	for (i = 0; i < n; i++)
		json_object_object_add(obj, slow->host->arg_name(ev, i), json_arg(slow, ev, i));
	return obj;
}

/* The call's frames, innermost first, as the text prints them. */
static struct json_object *json_stack(struct slow *slow, const struct kpt_event *entry)
{
	struct json_object *array = json_object_new_array();
	int i = kpt_stacks_frames(slow->host, entry, slow->frames, SLOW_FRAMES);

	while (i-- > 0)
		json_object_array_add(array, json_object_new_string(slow->frames[i]));
	return array;
}

static void print_json(struct slow *slow, const struct kpt_span *span)
{
	const struct kpt_analyser_params *params = &slow->run->params;
	const struct kpt_host *host = slow->host;
	struct json_object *obj = json_object_new_object();
	int pid = host->tgid(host, span->tid);

	json_object_object_add(obj, "probe",
			       json_object_new_string(params->probe_names[span->probe]));
	json_object_object_add(obj, "start_ns", json_object_new_uint64(span->start));
	json_object_object_add(obj, "end_ns", json_object_new_uint64(span->end));
	json_object_object_add(obj, "duration_ns", json_object_new_uint64(span->end - span->start));
	json_object_object_add(obj, "open", json_object_new_boolean(!span->exit));
	json_object_object_add(obj, "pid", json_object_new_int(pid > 0 ? pid : span->tid));
	json_object_object_add(obj, "tid", json_object_new_int(span->tid));
	json_object_object_add(obj, "comm", json_object_new_string(host->comm(host, span->tid)));
	json_object_object_add(obj, "cpu", json_object_new_int(span->cpu));
	json_object_object_add(obj, "args", json_args(slow, span->entry));
	json_object_object_add(obj, "return", span->exit ? json_args(slow, span->exit) : NULL);
	if (slow->run->stacks)
		json_object_object_add(obj, "stack", json_stack(slow, span->entry));
	fprintf(params->out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

static void slow_span(void *state, const struct kpt_span *span)
{
	struct slow *slow = state;

	if (span->exit && span->end - span->start < slow->opts.threshold)
		return;
	if (span->exit)
		slow->slow_calls++;
	else
		slow->open_calls++;
	if (slow->run->params.json)
		print_json(slow, span);
	else
		print_text(slow, span);
	if (slow->stats && span->exit)
		kpt_latency_stats_span(slow->stats, span);
}

/* --by: per probe and key value, the slow calls' count, total, average and maximum. */
static int print_groups(struct slow *slow, const struct kpt_report_params *report)
{
	const struct kpt_analyser_params *params = &slow->run->params;
	struct kpt_results results = { 0 };
	struct kpt_latency *lat = &results.latency;
	FILE *out = params->out;
	bool *show;
	int i, ret = -1;

	show = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*show));
	if (!show)
		return -1;
	for (i = 0; i < params->nr_probes; i++)
		show[i] = !slow->run->shown || slow->run->shown[i];
	if (kpt_latency_stats_collect(slow->stats, show, params->probe_names, report->pairs,
				      &results) < 0)
		goto out;
	if (params->json) {
		ret = kpt_output_latency_json(out, lat, &(struct kpt_report_info){
			.elapsed = report->elapsed, .clock = params->clock, .loss = report->loss,
			.command = "slow", .file = params->input });
		goto out;
	}
	for (i = 0; i < lat->nr_probes; i++) {
		const struct kpt_probe_result *r = &lat->probes[i];

		if (!r->key) {
			fprintf(out, "\nSlow calls of %s, by %s:\n  %-20s %8s %14s %14s %14s\n",
				r->name, kpt_key_label(slow->key), kpt_key_label(slow->key),
				"COUNT", "TOTAL", "AVG", "MAX");
			continue;
		}
		fprintf(out, "  %-20s %8" PRIu64 " %12.3f%s %12.3f%s %12.3f%s\n", r->value,
			r->hist.count, (double)r->hist.sum / slow->unit_ns, slow->unit_name,
			(double)kpt_hist_mean(&r->hist) / slow->unit_ns, slow->unit_name,
			(double)r->hist.max / slow->unit_ns, slow->unit_name);
	}
	ret = ferror(out) ? -1 : 0;
out:
	kpt_results_free(&results);
	free(show);
	return ret;
}

static int slow_report(void *state, const struct kpt_report_params *report)
{
	struct slow *slow = state;
	const struct kpt_analyser_params *params = &slow->run->params;
	uint64_t calls = 0;
	int i, ret = 0;

	if (!report->final)
		return 0;
	if (slow->stats)
		ret = print_groups(slow, report);
	fflush(params->out);
	for (i = 0; i < params->nr_probes; i++)
		calls += report->pairs[i].spans;
	if (slow->run->kernel_filtered)
		kpt_info("%" PRIu64 " slow calls, measured in the kernel (calls open at the end "
			 "are not known there); %" PRIu64 " records read", slow->slow_calls,
			 report->records);
	else
		kpt_info("%" PRIu64 " slow calls of %" PRIu64 " completed; %" PRIu64
			 " calls open at the end; %" PRIu64 " records read", slow->slow_calls,
			 calls, slow->open_calls, report->records);
	kpt_output_loss_text(stderr, report->loss);
	return ret < 0 || ferror(params->out) ? -1 : 0;
}

static void slow_destroy(void *state)
{
	struct slow *slow = state;

	kpt_latency_stats_free(slow->stats);
	kpt_key_free(slow->key);
	free(slow);
}

const struct kpt_analyser_desc kpt_slow_analyser = {
	KPT_ANALYSER_ABI,
	.name = "slow",
	.summary = "every call over a threshold, with its arguments and return value",
	.options = slow_options,
	.flags = KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS | KPT_ANALYSER_OPEN_SPANS,
	.create = slow_create,
	.span = slow_span,
	.report = slow_report,
	.destroy = slow_destroy,
};
