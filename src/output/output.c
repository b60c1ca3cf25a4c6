// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output latency and count reports.
 *
 * Text follows bcc's funclatency: a summary line per probe, then a log2
 * histogram in the unit that suits the probe's largest value, with empty
 * rows at either end left out. Anything unpaired or lost is printed, never
 * hidden. JSON carries the same numbers, all durations in nanoseconds.
 * Count reports are a table of hits, returns and rate per probe.
 */
#include <inttypes.h>
#include <string.h>

#include <json.h>

#include "output/check.h"
#include "output/output.h"
#include "util.h"

#define BAR_WIDTH	40

static const double percentiles[] = { 50, 90, 99, 99.9 };
static const char *const percentile_names[] = { "p50", "p90", "p99", "p99.9" };

struct unit {
	const char *name;
	uint64_t ns;
};

static const struct unit units[] = {
	{ "nsecs", 1 }, { "usecs", NSEC_PER_USEC }, { "msecs", NSEC_PER_MSEC },
	{ "secs", NSEC_PER_SEC },
};

/* The unit in which @max_ns takes at most five digits. */
static const struct unit *unit_for(uint64_t max_ns)
{
	size_t i;

	for (i = 0; i + 1 < ARRAY_SIZE(units); i++) {
		if (max_ns / units[i].ns < 100000)
			break;
	}
	return &units[i];
}

/**
 * kpt_format_duration - print a duration with a unit that suits it ("850 ns", "10.08 ms")
 * @buf: the destination
 * @size: its size
 * @ns: the duration in nanoseconds
 */
void kpt_format_duration(char *buf, size_t size, uint64_t ns)
{
	if (ns < NSEC_PER_USEC)
		snprintf(buf, size, "%" PRIu64 " ns", ns);
	else if (ns < NSEC_PER_MSEC)
		snprintf(buf, size, "%.2f us", (double)ns / NSEC_PER_USEC);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, size, "%.2f ms", (double)ns / NSEC_PER_MSEC);
	else
		snprintf(buf, size, "%.3f s", (double)ns / NSEC_PER_SEC);
}

static void print_bar(FILE *out, uint64_t count, uint64_t max)
{
	int stars = max ? (int)(count * BAR_WIDTH / max) : 0;
	int i;

	fputc('|', out);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < stars ? '*' : ' ', out);
	fputc('|', out);
}

/* The unit -n, -u or -m asked for, else the one that suits @max_ns. */
static const struct unit *unit_of(uint64_t unit_ns, uint64_t max_ns)
{
	size_t i;

	for (i = 0; unit_ns && i < ARRAY_SIZE(units); i++) {
		if (units[i].ns == unit_ns)
			return &units[i];
	}
	return unit_for(max_ns);
}

/* bcc's linear histogram: "low -> high : count |bar|", one row per bucket of STEP. */
static void print_linear(FILE *out, const struct kpt_probe_result *probe, const struct unit *unit)
{
	const struct kpt_linear *lin = probe->linear;
	const uint64_t *counts = probe->linear_counts;
	uint64_t max = 0;
	unsigned int i;

	for (i = 0; i < lin->nr + 2; i++) {
		if (counts[i] > max)
			max = counts[i];
	}
	if (!max)
		return;
	fprintf(out, "\n     %-19s : count     distribution\n", unit->name);
	if (counts[0]) {
		fprintf(out, "%10s %-13" PRIu64 " : %-8" PRIu64 " ", "<", lin->min / unit->ns,
			counts[0]);
		print_bar(out, counts[0], max);
		fputc('\n', out);
	}
	for (i = 1; i <= lin->nr; i++) {
		uint64_t low = lin->min + (i - 1) * lin->step;

		fprintf(out, "%10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " ", low / unit->ns,
			(low + lin->step) / unit->ns - 1, counts[i]);
		print_bar(out, counts[i], max);
		fputc('\n', out);
	}
	if (counts[lin->nr + 1]) {
		fprintf(out, "%10s %-13" PRIu64 " : %-8" PRIu64 " ", ">=", lin->max / unit->ns,
			counts[lin->nr + 1]);
		print_bar(out, counts[lin->nr + 1], max);
		fputc('\n', out);
	}
}

static void print_histogram(FILE *out, const struct kpt_hist *hist, const struct unit *unit)
{
	uint64_t slots[KPT_HIST_LOG2_SLOTS], max = 0;
	int first = -1, last = -1, i;

	kpt_hist_log2(hist, unit->ns, slots);
	for (i = 0; i < KPT_HIST_LOG2_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (first < 0)
		return;
	fprintf(out, "\n     %-19s : count     distribution\n", unit->name);
	for (i = first; i <= last; i++) {
		uint64_t low = i ? 1ULL << (i - 1) : 0;
		uint64_t high = i ? (1ULL << i) - 1 : 0;

		fprintf(out, "%10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " ", low, high,
			slots[i]);
		print_bar(out, slots[i], max);
		fputc('\n', out);
	}
}

static void print_unpaired(FILE *out, const struct kpt_pair_counts *pairs)
{
	if (!pairs->orphan_exits && !pairs->lost_exits && !pairs->task_exits && !pairs->open_at_end)
		return;
	fprintf(out, "  unpaired: %" PRIu64 " returns without entry, %" PRIu64
		" calls whose return was lost, %" PRIu64 " calls open when their thread exited, %"
		PRIu64 " calls still open at the end\n", pairs->orphan_exits, pairs->lost_exits,
		pairs->task_exits, pairs->open_at_end);
}

static void print_probe(FILE *out, const struct kpt_probe_result *probe, uint64_t unit_ns)
{
	const struct unit *unit = unit_of(unit_ns, probe->hist.max);
	const struct kpt_hist *hist = &probe->hist;
	char min[32], avg[32], max[32], pct[32];
	size_t i;

	fprintf(out, "\n%s\n", probe->name);
	for (i = (size_t)probe->nr_frames; i > 0; i--)
		fprintf(out, "    %s\n", probe->frames[i - 1]);
	if (probe->outside)
		fprintf(out, "  %" PRIu64 " calls outside --min/--max left out\n", probe->outside);
	if (!hist->count) {
		fprintf(out, "  count 0\n");
		print_unpaired(out, &probe->pairs);
		return;
	}
	kpt_format_duration(min, sizeof(min), hist->min);
	kpt_format_duration(avg, sizeof(avg), kpt_hist_mean(hist));
	kpt_format_duration(max, sizeof(max), hist->max);
	fprintf(out, "  count %" PRIu64 "  min %s  avg %s  max %s\n", hist->count, min, avg, max);
	for (i = 0; i < ARRAY_SIZE(percentiles); i++) {
		kpt_format_duration(pct, sizeof(pct), kpt_hist_percentile(hist, percentiles[i]));
		fprintf(out, "  %s %s", percentile_names[i], pct);
	}
	fputc('\n', out);
	print_unpaired(out, &probe->pairs);
	if (probe->linear)
		print_linear(out, probe, unit);
	else
		print_histogram(out, hist, unit);
}

/**
 * kpt_output_loss_text - print what was lost, if anything
 * @out: where to
 * @loss: the run's or the file's losses
 *
 * Prints nothing when nothing was lost.
 */
void kpt_output_loss_text(FILE *out, const struct kpt_loss *loss)
{
	if (!loss->missed_pages && !loss->overrun && !loss->dropped && !loss->probe_misses &&
	    !loss->perf_lost)
		return;
	fprintf(out, "\nLOST EVENTS: %" PRIu64 " overwritten (overrun), %" PRIu64
		" dropped, %" PRIu64 " buffer pages flagged with missed events",
		loss->overrun, loss->dropped, loss->missed_pages);
	if (loss->missed_events)
		fprintf(out, " (%" PRIu64 " events)", loss->missed_events);
	fprintf(out, ", %" PRIu64 " probe misses (kprobe_profile nmissed), %" PRIu64
		" lost in perf ring buffers\n"
		"What is printed above is incomplete: raise --buffer-size, or trace fewer "
		"events.\n", loss->probe_misses, loss->perf_lost);
}

/**
 * kpt_output_latency_text - print a latency report for people
 * @out: where to
 * @latency: the statistics
 * @info: what the report covers
 */
void kpt_output_latency_text(FILE *out, const struct kpt_latency *latency,
			     const struct kpt_report_info *info)
{
	int i, n = 0;

	for (i = 0; i < latency->nr_probes; i++)
		n += !latency->probes[i].key;
	if (info->interval)
		fprintf(out, "\n=== interval %d (%.2f s) ===\n", info->interval, info->elapsed);
	else if (info->file)
		fprintf(out, "\n%s: %d probe%s over %.2f s of trace.\n", info->file, n,
			n == 1 ? "" : "s", info->elapsed);
	else
		fprintf(out, "\nTraced %d probe%s for %.2f s.\n", n, n == 1 ? "" : "s",
			info->elapsed);
	for (i = 0; i < latency->nr_probes; i++)
		print_probe(out, &latency->probes[i], latency->unit_ns);
	kpt_output_loss_text(out, info->loss);
	kpt_output_check(out, NULL);
}

static void add_u64(struct json_object *obj, const char *key, uint64_t val)
{
	json_object_object_add(obj, key, json_object_new_uint64(val));
}

static struct json_object *json_histogram(const struct kpt_hist *hist)
{
	struct json_object *array = json_object_new_array();
	uint64_t slots[KPT_HIST_LOG2_SLOTS];
	int i;

	kpt_hist_log2(hist, 1, slots);
	for (i = 0; i < KPT_HIST_LOG2_SLOTS; i++) {
		struct json_object *slot;

		if (!slots[i])
			continue;
		slot = json_object_new_object();
		add_u64(slot, "low_ns", i ? 1ULL << (i - 1) : 0);
		add_u64(slot, "high_ns", i ? (1ULL << i) - 1 : 0);
		add_u64(slot, "count", slots[i]);
		json_object_array_add(array, slot);
	}
	return array;
}

/* A stack's frames, innermost first, as the text report prints them. */
static struct json_object *json_frames(const char *const *frames, int nr)
{
	struct json_object *array = json_object_new_array();
	int i;

	for (i = nr; i > 0; i--)
		json_object_array_add(array, json_object_new_string(frames[i - 1]));
	return array;
}

/* Every bucket, empty ones too, then the counts below min and from max up. */
static struct json_object *json_linear(const struct kpt_probe_result *probe)
{
	const struct kpt_linear *lin = probe->linear;
	struct json_object *obj = json_object_new_object();
	struct json_object *array = json_object_new_array();
	unsigned int i;

	add_u64(obj, "step_ns", lin->step);
	add_u64(obj, "min_ns", lin->min);
	add_u64(obj, "max_ns", lin->max);
	add_u64(obj, "below_min", probe->linear_counts[0]);
	add_u64(obj, "from_max", probe->linear_counts[lin->nr + 1]);
	for (i = 1; i <= lin->nr; i++) {
		struct json_object *slot = json_object_new_object();

		add_u64(slot, "low_ns", lin->min + (i - 1) * lin->step);
		add_u64(slot, "high_ns", lin->min + i * lin->step - 1);
		add_u64(slot, "count", probe->linear_counts[i]);
		json_object_array_add(array, slot);
	}
	json_object_object_add(obj, "buckets", array);
	return obj;
}

static struct json_object *json_probe(const struct kpt_probe_result *probe)
{
	const struct kpt_hist *hist = &probe->hist;
	struct json_object *obj = json_object_new_object();
	struct json_object *unpaired = json_object_new_object();
	size_t i;

	json_object_object_add(obj, "name", json_object_new_string(probe->name));
	if (probe->nr_frames)
		json_object_object_add(obj, "stack", json_frames(probe->frames, probe->nr_frames));
	if (probe->key) {
		json_object_object_add(obj, "by", json_object_new_string(probe->key));
		json_object_object_add(obj, "key", json_object_new_string(probe->value));
	}
	add_u64(obj, "count", hist->count);
	add_u64(obj, "min_ns", hist->count ? hist->min : 0);
	add_u64(obj, "avg_ns", kpt_hist_mean(hist));
	add_u64(obj, "max_ns", hist->max);
	for (i = 0; i < ARRAY_SIZE(percentiles); i++) {
		char key[16];

		snprintf(key, sizeof(key), "%s_ns", percentile_names[i]);
		add_u64(obj, key, kpt_hist_percentile(hist, percentiles[i]));
	}
	add_u64(unpaired, "returns_without_entry", probe->pairs.orphan_exits);
	add_u64(unpaired, "lost_returns", probe->pairs.lost_exits);
	add_u64(unpaired, "open_at_thread_exit", probe->pairs.task_exits);
	add_u64(unpaired, "open_at_end", probe->pairs.open_at_end);
	json_object_object_add(obj, "unpaired", unpaired);
	json_object_object_add(obj, "histogram", json_histogram(hist));
	if (probe->linear)
		json_object_object_add(obj, "linear_histogram", json_linear(probe));
	if (!probe->key)
		add_u64(obj, "outside_bounds", probe->outside);
	return obj;
}

static struct json_object *json_loss(const struct kpt_loss *loss)
{
	struct json_object *obj = json_object_new_object();

	add_u64(obj, "overrun", loss->overrun);
	add_u64(obj, "dropped", loss->dropped);
	add_u64(obj, "missed_pages", loss->missed_pages);
	add_u64(obj, "missed_events", loss->missed_events);
	add_u64(obj, "probe_misses", loss->probe_misses);
	add_u64(obj, "perf_lost", loss->perf_lost);
	return obj;
}

/**
 * kpt_output_latency_json - print a latency report as one JSON document on one line
 * @out: where to
 * @latency: the statistics
 * @info: what the report covers
 *
 * Returns 0, or -1 if the document could not be built.
 */
int kpt_output_latency_json(FILE *out, const struct kpt_latency *latency,
			    const struct kpt_report_info *info)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *probes = json_object_new_array();
	char elapsed[32];
	const char *text;
	int i;

	if (!doc || !probes)
		return -1;
	json_object_object_add(doc, "kptrace",
			       json_object_new_string(info->command ? info->command : "latency"));
	if (info->file)
		json_object_object_add(doc, "file", json_object_new_string(info->file));
	json_object_object_add(doc, "interval", json_object_new_int(info->interval));
	snprintf(elapsed, sizeof(elapsed), "%.6f", info->elapsed);
	json_object_object_add(doc, "elapsed_s", json_object_new_double_s(info->elapsed, elapsed));
	json_object_object_add(doc, "clock", json_object_new_string(info->clock));
	for (i = 0; i < latency->nr_probes; i++)
		json_object_array_add(probes, json_probe(&latency->probes[i]));
	json_object_object_add(doc, "probes", probes);
	json_object_object_add(doc, "lost", json_loss(info->loss));
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	fprintf(out, "%s\n", text);
	kpt_output_check(out, NULL);
	json_object_put(doc);
	return 0;
}

/* count --stack: each stack, innermost frame first, then its probe and hits, as stackcount. */
static void print_stack_counts(FILE *out, const struct kpt_report_info *info)
{
	int i, f;

	for (i = 0; i < info->nr_stacks; i++) {
		const struct kpt_stack_group *group = info->stacks[i];

		fputc('\n', out);
		for (f = group->nr; f > 0; f--)
			fprintf(out, "    %s\n", group->frames[f - 1]);
		fprintf(out, "      %s: %" PRIu64 "\n", info->probe_names[group->probe],
			group->count);
	}
}

/* count --by: per probe, "KEY  COUNT  RATE/s" rows, the most counted first. */
static void print_count_groups(FILE *out, const struct kpt_count_result *probes,
			       const struct kpt_report_info *info)
{
	const struct kpt_count_groups *groups = info->groups;
	int i, probe = -1, width = 16;

	for (i = 0; i < groups->nr; i++) {
		if ((int)strlen(groups->groups[i].value) > width)
			width = strlen(groups->groups[i].value);
	}
	for (i = 0; i < groups->nr; i++) {
		const struct kpt_count_group *g = &groups->groups[i];

		if (g->probe != probe) {
			probe = g->probe;
			fprintf(out, "\n%s, by %s:\n  %-*s %14s %14s\n", probes[probe].name,
				groups->key, width, groups->key, "COUNT", "RATE/s");
		}
		fprintf(out, "  %-*s %14" PRIu64 " %14.1f\n", width, g->value, g->count,
			info->elapsed > 0 ? g->count / info->elapsed : 0.0);
	}
}

/**
 * kpt_output_count_text - print a count report for people: PROBE  HITS  RETURNS  RATE/s
 * @out: where to
 * @probes: one line per probe
 * @nr_probes: how many
 * @info: what the report covers; info->backend names what counted
 */
void kpt_output_count_text(FILE *out, const struct kpt_count_result *probes, int nr_probes,
			   const struct kpt_report_info *info)
{
	int width = 5, i;

	for (i = 0; i < nr_probes; i++) {
		if ((int)strlen(probes[i].name) > width)
			width = strlen(probes[i].name);
	}
	if (info->interval)
		fprintf(out, "\n=== interval %d (%.2f s) ===\n", info->interval, info->elapsed);
	else if (info->file)
		fprintf(out, "\n%s: counted %d probe%s over %.2f s of trace.\n", info->file,
			nr_probes, nr_probes == 1 ? "" : "s", info->elapsed);
	else
		fprintf(out, "\nCounted %d probe%s for %.2f s (%s).\n", nr_probes,
			nr_probes == 1 ? "" : "s", info->elapsed, info->backend);
	fprintf(out, "\n%-*s %14s %14s %14s\n", width, "PROBE", "HITS", "RETURNS", "RATE/s");
	for (i = 0; i < nr_probes; i++)
		fprintf(out, "%-*s %14" PRIu64 " %14" PRIu64 " %14.1f\n", width, probes[i].name,
			probes[i].hits, probes[i].returns,
			info->elapsed > 0 ? probes[i].hits / info->elapsed : 0.0);
	if (info->groups)
		print_count_groups(out, probes, info);
	print_stack_counts(out, info);
	kpt_output_loss_text(out, info->loss);
	kpt_output_check(out, NULL);
}

/* Probe @probe's groups: [{"by": KEY, "key": VALUE, "count": N}], the most counted first. */
static struct json_object *json_count_groups(const struct kpt_report_info *info, int probe)
{
	struct json_object *array = json_object_new_array();
	int i;

	for (i = 0; i < info->groups->nr; i++) {
		const struct kpt_count_group *g = &info->groups->groups[i];
		struct json_object *obj;

		if (g->probe != probe)
			continue;
		obj = json_object_new_object();
		json_object_object_add(obj, "by", json_object_new_string(info->groups->key));
		json_object_object_add(obj, "key", json_object_new_string(g->value));
		add_u64(obj, "count", g->count);
		json_object_array_add(array, obj);
	}
	return array;
}

/**
 * kpt_output_count_json - print a count report as one JSON document on one line
 * @out: where to
 * @probes: one entry per probe
 * @nr_probes: how many
 * @info: what the report covers
 *
 * Returns 0, or -1 if the document could not be built.
 */
int kpt_output_count_json(FILE *out, const struct kpt_count_result *probes, int nr_probes,
			  const struct kpt_report_info *info)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *array = json_object_new_array();
	char text[32];
	int i;

	if (!doc || !array) {
		json_object_put(doc);
		json_object_put(array);
		return -1;
	}
	json_object_object_add(doc, "kptrace", json_object_new_string("count"));
	if (info->file)
		json_object_object_add(doc, "file", json_object_new_string(info->file));
	json_object_object_add(doc, "interval", json_object_new_int(info->interval));
	snprintf(text, sizeof(text), "%.6f", info->elapsed);
	json_object_object_add(doc, "elapsed_s", json_object_new_double_s(info->elapsed, text));
	for (i = 0; i < nr_probes; i++) {
		struct json_object *obj = json_object_new_object();
		double rate = info->elapsed > 0 ? probes[i].hits / info->elapsed : 0;

		json_object_object_add(obj, "name", json_object_new_string(probes[i].name));
		add_u64(obj, "hits", probes[i].hits);
		add_u64(obj, "returns", probes[i].returns);
		snprintf(text, sizeof(text), "%.3f", rate);
		json_object_object_add(obj, "rate_per_s", json_object_new_double_s(rate, text));
		if (info->groups)
			json_object_object_add(obj, "groups", json_count_groups(info, i));
		json_object_array_add(array, obj);
	}
	json_object_object_add(doc, "probes", array);
	if (info->stacks) {
		array = json_object_new_array();
		for (i = 0; i < info->nr_stacks; i++) {
			const struct kpt_stack_group *group = info->stacks[i];
			struct json_object *obj = json_object_new_object();

			json_object_object_add(obj, "probe",
					       json_object_new_string(info->probe_names[group->probe]));
			json_object_object_add(obj, "stack", json_frames(group->frames, group->nr));
			add_u64(obj, "hits", group->count);
			json_object_array_add(array, obj);
		}
		json_object_object_add(doc, "stacks", array);
	}
	json_object_object_add(doc, "lost", json_loss(info->loss));
	json_object_object_add(doc, "backend", json_object_new_string(info->backend));
	fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	kpt_output_check(out, NULL);
	json_object_put(doc);
	return 0;
}
