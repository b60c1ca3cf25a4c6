// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plugin loader against the test plugins of tests/plugins/, and the shipped
 * plugins (csv, openmetrics, the man page's example) fed canned spans through a
 * fake host: exact output.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyse/plugin.h"
#include "suites.h"

#define PLUGINS		KPT_TEST_BUILDDIR "/plugins/.libs"
#define TEST_PLUGINS	KPT_TEST_BUILDDIR "/tests/plugins/.libs"

/* ---- a fake host: an event's data is a struct fake_args ---- */

struct fake_args {
	int nr;
	const char *name[4];
	const char *text[4];
};

static const struct fake_args *fake(const struct kpt_event *ev)
{
	return ev->data;
}

static int fake_nr_args(const struct kpt_event *ev)
{
	return fake(ev)->nr;
}

static const char *fake_arg_name(const struct kpt_event *ev, int i)
{
	return i >= 0 && i < fake(ev)->nr ? fake(ev)->name[i] : NULL;
}

static int fake_arg_text(const struct kpt_event *ev, int i, char *buf, size_t size)
{
	if (i < 0 || i >= fake(ev)->nr)
		return -1;
	return snprintf(buf, size, "%s", fake(ev)->text[i]);
}

static int fake_arg_u64(const struct kpt_event *ev, int i, uint64_t *val)
{
	char *end;

	if (i < 0 || i >= fake(ev)->nr)
		return -1;
	*val = strtoull(fake(ev)->text[i], &end, 0);
	return *end ? -1 : 0;
}

static int fake_arg_index(const struct kpt_event *ev, const char *name)
{
	int i;

	for (i = 0; i < fake(ev)->nr; i++) {
		if (!strcmp(fake(ev)->name[i], name))
			return i;
	}
	return -1;
}

static const char *fake_event_system(const struct kpt_event *ev)
{
	return "fake";
}

static const char *fake_event_name(const struct kpt_event *ev)
{
	return ev->role == KPT_ROLE_ENTRY ? "entry" : "exit";
}

static const char *fake_comm(const struct kpt_host *host, int tid)
{
	switch (tid) {
	case 42:
		return "my,app";
	case 7:
		return "say \"hi\"";
	default:
		return "<...>";
	}
}

static const struct kpt_host fake_host = {
	.abi_major = KPT_ABI_MAJOR,
	.abi_minor = KPT_ABI_MINOR,
	.nr_args = fake_nr_args,
	.arg_name = fake_arg_name,
	.arg_text = fake_arg_text,
	.arg_u64 = fake_arg_u64,
	.arg_index = fake_arg_index,
	.event_system = fake_event_system,
	.event_name = fake_event_name,
	.comm = fake_comm,
};

static const char *const probe_names[] = {
	"syscall:read",
	"tp:irq:softirq_entry,irq:softirq_exit",
	"a\"b\\c\nd",
};

/* Feed one span of @probe on @tid from @start to @end, with these arguments. */
static void feed(const struct kpt_analyser_desc *desc, void *state, int probe, int tid, int cpu,
		 uint64_t start, uint64_t end, const struct fake_args *in,
		 const struct fake_args *out)
{
	struct kpt_event entry = { .ts = start, .cpu = cpu, .tid = tid, .probe = probe,
				   .role = KPT_ROLE_ENTRY, .data = (void *)in, .size = 8 };
	struct kpt_event exit = { .ts = end, .cpu = cpu, .tid = tid, .probe = probe,
				  .role = KPT_ROLE_EXIT, .data = (void *)out, .size = 8 };
	struct kpt_span span = { .probe = probe, .tid = tid, .cpu = cpu, .start = start,
				 .end = end, .entry = &entry, .exit = &exit };

	desc->span(state, &span);
}

static char workdir[64];

static void make_workdir(void)
{
	snprintf(workdir, sizeof(workdir), "/tmp/kpt-unit-plugin.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(workdir));
}

static void remove_workdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r");
	FILE *mem;
	int c;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	mem = open_memstream(&buf, &size);
	while ((c = getc(f)) != EOF)
		putc(c, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

static struct kpt_plugin *must_open(const char *path)
{
	struct kpt_plugin *plugin = NULL;
	char *errmsg = NULL;

	if (kpt_plugin_open(path, &plugin, &errmsg) < 0)
		ck_abort_msg("loading %s: %s", path, errmsg);
	ck_assert_ptr_null(errmsg);
	return plugin;
}

/* Loading @path fails, with an error naming @file and saying @fault. */
static void assert_refused(const char *path, const char *file, const char *fault)
{
	struct kpt_plugin *plugin = (struct kpt_plugin *)&plugin;
	char *errmsg = NULL;

	ck_assert_int_eq(kpt_plugin_open(path, &plugin, &errmsg), -1);
	ck_assert_ptr_null(plugin);
	ck_assert_ptr_nonnull(errmsg);
	ck_assert_msg(strstr(errmsg, file), "'%s' does not name %s", errmsg, file);
	ck_assert_msg(strstr(errmsg, fault), "'%s' does not say '%s'", errmsg, fault);
	free(errmsg);
}

/* ---- the loader ---- */

START_TEST(test_load_good)
{
	struct kpt_plugin *plugin = must_open(PLUGINS "/example.so");
	const struct kpt_analyser_desc *desc = kpt_plugin_desc(plugin);

	ck_assert_str_eq(desc->name, "example");
	ck_assert_uint_eq(desc->abi_major, KPT_ABI_MAJOR);
	ck_assert_uint_eq(desc->flags, KPT_ANALYSER_SPANS);
	ck_assert_str_eq(desc->options[0].name, "min");
	ck_assert_ptr_null(desc->options[1].name);
	ck_assert_str_eq(kpt_plugin_path(plugin), PLUGINS "/example.so");
	kpt_plugin_close(plugin);
	kpt_plugin_close(NULL);
}
END_TEST

START_TEST(test_load_by_name)
{
	struct kpt_plugin *plugin;

	setenv("KPTRACE_PLUGIN_DIR", PLUGINS, 1);
	ck_assert_str_eq(kpt_plugin_dir(), PLUGINS);
	plugin = must_open("csv");
	ck_assert_str_eq(kpt_plugin_desc(plugin)->name, "csv");
	ck_assert_str_eq(kpt_plugin_path(plugin), PLUGINS "/csv.so");
	kpt_plugin_close(plugin);
	assert_refused("nosuch", PLUGINS "/nosuch.so",
		       "cannot be loaded: " PLUGINS "/nosuch.so: cannot open shared object file");
	assert_refused("Bad!", "'Bad!'", "not a plugin name");
	unsetenv("KPTRACE_PLUGIN_DIR");
	ck_assert_str_eq(kpt_plugin_dir(), KPT_PLUGIN_DIR);
}
END_TEST

START_TEST(test_refuse_abi_major)
{
	assert_refused(TEST_PLUGINS "/abi_major.so", TEST_PLUGINS "/abi_major.so",
		       "was built for analyser ABI 2.0, and this kptrace has ABI 1.1");
}
END_TEST

START_TEST(test_refuse_abi_minor)
{
	assert_refused(TEST_PLUGINS "/abi_minor.so", TEST_PLUGINS "/abi_minor.so",
		       "needs analyser ABI 1.2, newer than this kptrace's 1.1");
}
END_TEST

START_TEST(test_refuse_no_descriptor)
{
	assert_refused(TEST_PLUGINS "/no_desc.so", TEST_PLUGINS "/no_desc.so",
		       "has no analyser descriptor: it exports no symbol 'kptrace_analyser'");
}
END_TEST

START_TEST(test_refuse_no_report)
{
	assert_refused(TEST_PLUGINS "/no_report.so", TEST_PLUGINS "/no_report.so",
		       "analyser 'no_report' has no report function");
}
END_TEST

START_TEST(test_refuse_not_shared_object)
{
	char text[128], elf[128];
	FILE *f;

	make_workdir();
	snprintf(text, sizeof(text), "%s/text.so", workdir);
	f = fopen(text, "w");
	fputs("#!/bin/sh\necho not a plugin\n", f);
	fclose(f);
	assert_refused(text, text, "is not a shared object (it has no ELF header)");
	/* An ELF header and nothing behind it: dlopen's own reason. */
	snprintf(elf, sizeof(elf), "%s/truncated.so", workdir);
	f = fopen(elf, "w");
	fputs("\177ELF\2\1\1", f);
	fclose(f);
	assert_refused(elf, elf, "cannot be loaded: ");
	assert_refused(workdir, workdir, "Is a directory");
	remove_workdir();
}
END_TEST

START_TEST(test_refuse_missing_file)
{
	assert_refused("/nonexistent/kptrace/x.so", "/nonexistent/kptrace/x.so",
		       "cannot open shared object file: No such file or directory");
}
END_TEST

START_TEST(test_failing_create)
{
	struct kpt_plugin *plugin = must_open(TEST_PLUGINS "/fail_create.so");
	const struct kpt_analyser_desc *desc = kpt_plugin_desc(plugin);
	const char *names[] = { "answer" }, *values[] = { "41" };
	struct kpt_analyser_params params = {
		.host = &fake_host, .nr_probes = 1, .probe_names = probe_names,
		.nr_options = 1, .option_names = names, .option_values = values, .out = stdout,
	};
	char err[256] = "";

	ck_assert_ptr_null(desc->create(&params, err, sizeof(err)));
	ck_assert_str_eq(err, "option answer=41: not 42");
	kpt_plugin_close(plugin);
}
END_TEST

/* ---- csv ---- */

struct run {
	struct kpt_plugin *plugin;
	const struct kpt_analyser_desc *desc;
	void *state;
	char err[512];
};

/* Load @so and create it with "KEY=VALUE" options; state NULL and err set on failure. */
static void run_create(struct run *run, const char *so, int nr_probes, FILE *out, bool json,
		       int nr_opts, const char *const *opts)
{
	const char *names[4], *values[4];
	char keys[4][32];
	struct kpt_analyser_params params = {
		.host = &fake_host, .nr_probes = nr_probes, .probe_names = probe_names,
		.nr_options = nr_opts, .option_names = names, .option_values = values,
		.json = json, .out = out, .clock = "mono",
	};
	int i;

	for (i = 0; i < nr_opts; i++) {
		const char *eq = strchr(opts[i], '=');

		snprintf(keys[i], sizeof(keys[i]), "%.*s", (int)(eq - opts[i]), opts[i]);
		names[i] = keys[i];
		values[i] = eq + 1;
	}
	run->plugin = must_open(so);
	run->desc = kpt_plugin_desc(run->plugin);
	run->err[0] = '\0';
	run->state = run->desc->create(&params, run->err, sizeof(run->err));
}

static void run_destroy(struct run *run)
{
	if (run->state)
		run->desc->destroy(run->state);
	kpt_plugin_close(run->plugin);
}

static int run_report(struct run *run, int interval, bool final,
		      const struct kpt_pair_counts *pairs, const struct kpt_loss *loss)
{
	struct kpt_report_params report = { .interval = interval, .final = final,
					    .elapsed = 1.0, .pairs = pairs, .loss = loss };

	return run->desc->report(run->state, &report);
}

static const struct fake_args read_in = { 2, { "fd", "count" }, { "3", "4096" } };
static const struct fake_args read_ret = { 1, { "ret" }, { "17" } };
static const struct fake_args odd_in = { 3, { "name", "flag", "path" },
					 { "/tmp/a b", "", "C:\\x\"y" } };
static const struct fake_args none = { 0 };
static const struct fake_args two_ret = { 2, { "ret", "err" }, { "-1", "x=y" } };

START_TEST(test_csv_lines)
{
	const char *expect =
		"start_ns,duration_ns,pid,tid,comm,cpu,probe,args,ret\n"
		"1000,2500,42,42,\"my,app\",1,syscall:read,fd=3 count=4096,17\n"
		"5000,0,7,7,\"say \"\"hi\"\"\",0,\"tp:irq:softirq_entry,irq:softirq_exit\","
		"\"name=\"\"/tmp/a b\"\" flag=\"\"\"\" path=\"\"C:\\\\x\\\"\"y\"\"\",\n"
		"9000,1000000,99,99,<...>,3,syscall:read,,\"ret=-1 err=\"\"x=y\"\"\"\n";
	char path[128], opt[160];
	const char *opts[] = { opt };
	struct run run;
	char *got;

	make_workdir();
	snprintf(path, sizeof(path), "%s/spans.csv", workdir);
	snprintf(opt, sizeof(opt), "file=%s", path);
	run_create(&run, PLUGINS "/csv.so", 2, stdout, false, 1, opts);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	ck_assert_uint_eq(run.desc->flags, KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS);
	feed(run.desc, run.state, 0, 42, 1, 1000, 3500, &read_in, &read_ret);
	feed(run.desc, run.state, 1, 7, 0, 5000, 5000, &odd_in, &none);
	feed(run.desc, run.state, 0, 99, 3, 9000, 1009000, &none, &two_ret);
	ck_assert_int_eq(run_report(&run, 0, true, NULL, NULL), 0);
	got = slurp(path);
	ck_assert_str_eq(got, expect);
	free(got);
	run_destroy(&run);
	remove_workdir();
}
END_TEST

START_TEST(test_csv_errors)
{
	const char *missing_dir[] = { "file=/nonexistent/kptrace/spans.csv" };
	const char *twice[] = { "file=a.csv", "file=b.csv" };
	const char *full[] = { "file=/dev/full" };
	struct run run;

	run_create(&run, PLUGINS "/csv.so", 1, stdout, false, 1, missing_dir);
	ck_assert_ptr_null(run.state);
	ck_assert_str_eq(run.err, "option file=/nonexistent/kptrace/spans.csv: cannot create the file: No such file or directory");
	run_destroy(&run);
	run_create(&run, PLUGINS "/csv.so", 1, stdout, false, 2, twice);
	ck_assert_ptr_null(run.state);
	ck_assert_str_eq(run.err, "option file= is given twice ('a.csv' and 'b.csv')");
	run_destroy(&run);
	/* A write error shows in the report's return. */
	run_create(&run, PLUGINS "/csv.so", 1, stdout, false, 1, full);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	feed(run.desc, run.state, 0, 42, 1, 1000, 3500, &read_in, &read_ret);
	ck_assert_int_eq(run_report(&run, 0, true, NULL, NULL), -1);
	run_destroy(&run);
}
END_TEST

/* ---- openmetrics ---- */

START_TEST(test_openmetrics_exact)
{
	const char *expect =
		"# HELP kptrace_latency_seconds Time from a probe's entry to its return.\n"
		"# TYPE kptrace_latency_seconds histogram\n"
		"kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"0.000001\"} 2\n"
		"kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"0.0000105\"} 3\n"
		"kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"0.001\"} 3\n"
		"kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"+Inf\"} 4\n"
		"kptrace_latency_seconds_sum{probe=\"syscall:read\"} 0.0020065\n"
		"kptrace_latency_seconds_count{probe=\"syscall:read\"} 4\n"
		"kptrace_latency_seconds_bucket{probe=\"tp:irq:softirq_entry,irq:softirq_exit\",le=\"0.000001\"} 0\n"
		"kptrace_latency_seconds_bucket{probe=\"tp:irq:softirq_entry,irq:softirq_exit\",le=\"0.0000105\"} 0\n"
		"kptrace_latency_seconds_bucket{probe=\"tp:irq:softirq_entry,irq:softirq_exit\",le=\"0.001\"} 0\n"
		"kptrace_latency_seconds_bucket{probe=\"tp:irq:softirq_entry,irq:softirq_exit\",le=\"+Inf\"} 0\n"
		"kptrace_latency_seconds_sum{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 0\n"
		"kptrace_latency_seconds_count{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 0\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\\\\c\\nd\",le=\"0.000001\"} 0\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\\\\c\\nd\",le=\"0.0000105\"} 1\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\\\\c\\nd\",le=\"0.001\"} 1\n"
		"kptrace_latency_seconds_bucket{probe=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 1\n"
		"kptrace_latency_seconds_sum{probe=\"a\\\"b\\\\c\\nd\"} 0.0000105\n"
		"kptrace_latency_seconds_count{probe=\"a\\\"b\\\\c\\nd\"} 1\n"
		"# HELP kptrace_orphan_exits_total Returns whose entry was never seen.\n"
		"# TYPE kptrace_orphan_exits_total counter\n"
		"kptrace_orphan_exits_total{probe=\"syscall:read\"} 2\n"
		"kptrace_orphan_exits_total{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 0\n"
		"kptrace_orphan_exits_total{probe=\"a\\\"b\\\\c\\nd\"} 0\n"
		"# HELP kptrace_lost_exits_total Entries whose return was never seen (an outer call returned).\n"
		"# TYPE kptrace_lost_exits_total counter\n"
		"kptrace_lost_exits_total{probe=\"syscall:read\"} 0\n"
		"kptrace_lost_exits_total{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 3\n"
		"kptrace_lost_exits_total{probe=\"a\\\"b\\\\c\\nd\"} 0\n"
		"# HELP kptrace_task_exits_total Entries still open when their thread exited.\n"
		"# TYPE kptrace_task_exits_total counter\n"
		"kptrace_task_exits_total{probe=\"syscall:read\"} 0\n"
		"kptrace_task_exits_total{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 0\n"
		"kptrace_task_exits_total{probe=\"a\\\"b\\\\c\\nd\"} 4\n"
		"# HELP kptrace_open_at_end_total Entries still open when tracing stopped.\n"
		"# TYPE kptrace_open_at_end_total counter\n"
		"kptrace_open_at_end_total{probe=\"syscall:read\"} 1\n"
		"kptrace_open_at_end_total{probe=\"tp:irq:softirq_entry,irq:softirq_exit\"} 0\n"
		"kptrace_open_at_end_total{probe=\"a\\\"b\\\\c\\nd\"} 0\n"
		"# HELP kptrace_missed_pages_total Ring-buffer pages flagged as having missed events before them.\n"
		"# TYPE kptrace_missed_pages_total counter\n"
		"kptrace_missed_pages_total 1\n"
		"# HELP kptrace_missed_events_total Events those flagged pages counted, where the kernel knew.\n"
		"# TYPE kptrace_missed_events_total counter\n"
		"kptrace_missed_events_total 2\n"
		"# HELP kptrace_overrun_events_total Events overwritten in the ring buffer before being read.\n"
		"# TYPE kptrace_overrun_events_total counter\n"
		"kptrace_overrun_events_total 3\n"
		"# HELP kptrace_dropped_events_total Events not written because the ring buffer was full.\n"
		"# TYPE kptrace_dropped_events_total counter\n"
		"kptrace_dropped_events_total 4\n"
		"# HELP kptrace_probe_misses_total Kprobe and kretprobe hits the kernel missed (nmissed).\n"
		"# TYPE kptrace_probe_misses_total counter\n"
		"kptrace_probe_misses_total 5\n"
		"# HELP kptrace_perf_lost_events_total Events perf ring buffers lost (PERF_RECORD_LOST).\n"
		"# TYPE kptrace_perf_lost_events_total counter\n"
		"kptrace_perf_lost_events_total 6\n";
	struct kpt_pair_counts pairs[3] = {
		{ .spans = 4, .orphan_exits = 2, .open_at_end = 1 },
		{ .lost_exits = 3 },
		{ .spans = 1, .task_exits = 4 },
	};
	struct kpt_loss loss = { 1, 2, 3, 4, 5, 6 };
	char path[128], opt[160];
	const char *opts[] = { "buckets=0.000001,0.0000105,0.001", opt };
	struct dirent **names;
	struct run run;
	char *got;
	int i, nr;

	make_workdir();
	snprintf(path, sizeof(path), "%s/kptrace.prom", workdir);
	snprintf(opt, sizeof(opt), "file=%s", path);
	run_create(&run, PLUGINS "/openmetrics.so", 3, stdout, false, 2, opts);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	/* 500 ns and 1000 ns are <= 1 us (a bound is inclusive), 5 us <= 10.5 us, 2 ms is over */
	feed(run.desc, run.state, 0, 42, 0, 0, 500, &read_in, &read_ret);
	feed(run.desc, run.state, 0, 42, 0, 1000, 2000, &read_in, &read_ret);
	feed(run.desc, run.state, 0, 42, 0, 3000, 8000, &read_in, &read_ret);
	feed(run.desc, run.state, 0, 42, 0, 10000, 2010000, &read_in, &read_ret);
	feed(run.desc, run.state, 2, 7, 0, 0, 10500, &none, &none);
	ck_assert_int_eq(run_report(&run, 1, false, pairs, &loss), 0);
	got = slurp(path);
	ck_assert_str_eq(got, expect);
	free(got);

	/* Totals: a second interval adds to every counter, none goes down. */
	feed(run.desc, run.state, 0, 42, 0, 0, 500, &read_in, &read_ret);
	ck_assert_int_eq(run_report(&run, 2, true, pairs, &loss), 0);
	got = slurp(path);
	ck_assert_ptr_nonnull(strstr(got, "kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"0.000001\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(got, "kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"+Inf\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(got, "kptrace_latency_seconds_count{probe=\"syscall:read\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(got, "kptrace_latency_seconds_sum{probe=\"syscall:read\"} 0.002007\n"));
	ck_assert_ptr_nonnull(strstr(got, "kptrace_orphan_exits_total{probe=\"syscall:read\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(got, "kptrace_perf_lost_events_total 12\n"));
	free(got);
	run_destroy(&run);

	/* The temporary files were renamed: only the target is left, readable by all. */
	nr = scandir(workdir, &names, NULL, alphasort);
	ck_assert_int_eq(nr, 3);
	ck_assert_str_eq(names[2]->d_name, "kptrace.prom");
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	{
		struct stat st;

		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0644);
	}
	remove_workdir();
}
END_TEST

/* Default buckets, many spans: every series cumulative, +Inf and _count the number of spans. */
START_TEST(test_openmetrics_cumulative)
{
	char path[128], opt[160], line[256];
	const char *opts[] = { opt };
	uint64_t prev = 0, inf = 0, count = 0, v, ns = 1;
	int buckets = 0, i;
	struct run run;
	FILE *f;

	make_workdir();
	snprintf(path, sizeof(path), "%s/m.prom", workdir);
	snprintf(opt, sizeof(opt), "file=%s", path);
	run_create(&run, PLUGINS "/openmetrics.so", 1, stdout, false, 1, opts);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	for (i = 0; i < 1000; i++, ns = ns * 7 % 100000000007ULL)	/* 1 ns .. 100 s */
		feed(run.desc, run.state, 0, 42, 0, 1, 1 + ns, &none, &none);
	ck_assert_int_eq(run_report(&run, 0, true, NULL, NULL), 0);
	run_destroy(&run);

	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char le[32];

		if (sscanf(line, "kptrace_latency_seconds_bucket{probe=\"syscall:read\",le=\"%31[^\"]\"} %" SCNu64,
			   le, &v) == 2) {
			ck_assert_uint_ge(v, prev);
			prev = v;
			buckets++;
			if (!strcmp(le, "+Inf"))
				inf = v;
		}
		if (sscanf(line, "kptrace_latency_seconds_count{probe=\"syscall:read\"} %" SCNu64, &v) == 1)
			count = v;
	}
	fclose(f);
	ck_assert_int_eq(buckets, 28);	/* 1 us .. 67.108864 s, and +Inf */
	ck_assert_uint_eq(inf, 1000);
	ck_assert_uint_eq(count, 1000);
	remove_workdir();
}
END_TEST

START_TEST(test_openmetrics_errors)
{
	static const struct {
		const char *opts[2];
		const char *err;
	} bad[] = {
		{ { "buckets=1" }, "option file=PATH is required" },
		{ { "file=/nonexistent/kptrace/m.prom" },
		  "option file=/nonexistent/kptrace/m.prom: cannot write in directory /nonexistent/kptrace: No such file or directory" },
		{ { "file=/tmp/" }, "option file=/tmp/: names a directory" },
		{ { "file=/tmp/m.prom", "buckets=0.1,0.01" },
		  "option buckets=0.1,0.01: bound 0.01 is not above the one before it" },
		{ { "file=/tmp/m.prom", "buckets=abc" },
		  "option buckets=abc: 'abc' is not a number of seconds > 0" },
		{ { "file=/tmp/m.prom", "buckets=0.1," }, "option buckets=0.1,: ends with a comma" },
		{ { "file=/tmp/m.prom", "buckets=-1" }, "option buckets=-1: '-1' is not a number" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct run run;

		run_create(&run, PLUGINS "/openmetrics.so", 1, stdout, false,
			   bad[i].opts[1] ? 2 : 1, bad[i].opts);
		ck_assert_ptr_null(run.state);
		ck_assert_msg(strstr(run.err, bad[i].err) == run.err, "got '%s', want '%s...'",
			      run.err, bad[i].err);
		run_destroy(&run);
	}
}
END_TEST

START_TEST(test_openmetrics_write_error)
{
	char dir[160], opt[192];
	const char *opts[] = { opt };
	struct run run;

	make_workdir();
	snprintf(dir, sizeof(dir), "%s/gone", workdir);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(opt, sizeof(opt), "file=%s/m.prom", dir);
	run_create(&run, PLUGINS "/openmetrics.so", 1, stdout, false, 1, opts);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_int_eq(run_report(&run, 1, false, NULL, NULL), -1);
	run_destroy(&run);
	remove_workdir();
}
END_TEST

/* ---- the man page's example ---- */

START_TEST(test_example)
{
	const char *opts[] = { "min=1000" }, *bad[] = { "min=1k" };
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	struct run run;

	run_create(&run, PLUGINS "/example.so", 2, out, false, 1, opts);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	feed(run.desc, run.state, 0, 42, 0, 0, 999, &none, &none);
	feed(run.desc, run.state, 0, 7, 0, 0, 1000, &none, &none);
	feed(run.desc, run.state, 0, 42, 0, 0, 5000, &none, &none);
	feed(run.desc, run.state, 0, 99, 0, 0, 2000, &none, &none);
	ck_assert_int_eq(run_report(&run, 1, false, NULL, NULL), 0);
	feed(run.desc, run.state, 1, 7, 0, 0, 3000, &none, &none);
	ck_assert_int_eq(run_report(&run, 2, true, NULL, NULL), 0);
	run_destroy(&run);
	fclose(out);
	ck_assert_str_eq(buf,
		"syscall:read: 3 spans >= 1000 ns, longest 5000 ns (tid 42, my,app)\n"
		"tp:irq:softirq_entry,irq:softirq_exit: no span >= 1000 ns\n"
		"syscall:read: no span >= 1000 ns\n"
		"tp:irq:softirq_entry,irq:softirq_exit: 1 spans >= 1000 ns, longest 3000 ns (tid 7, say \"hi\")\n");
	free(buf);

	out = open_memstream(&buf, &size);
	run_create(&run, PLUGINS "/example.so", 1, out, true, 0, NULL);
	ck_assert_msg(run.state != NULL, "create: %s", run.err);
	feed(run.desc, run.state, 0, 42, 0, 10, 20, &none, &none);
	ck_assert_int_eq(run_report(&run, 3, false, NULL, NULL), 0);
	run_destroy(&run);
	fclose(out);
	ck_assert_str_eq(buf, "{\"interval\":3,\"probe\":\"syscall:read\",\"spans\":1,\"longest_ns\":10,\"tid\":42}\n");
	free(buf);

	run_create(&run, PLUGINS "/example.so", 1, stdout, false, 1, bad);
	ck_assert_ptr_null(run.state);
	ck_assert_str_eq(run.err, "option min=1k: not a number of nanoseconds");
	run_destroy(&run);
}
END_TEST

Suite *plugin_suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *loader = tcase_create("loader");
	TCase *shipped = tcase_create("shipped");

	tcase_add_test(loader, test_load_good);
	tcase_add_test(loader, test_load_by_name);
	tcase_add_test(loader, test_refuse_abi_major);
	tcase_add_test(loader, test_refuse_abi_minor);
	tcase_add_test(loader, test_refuse_no_descriptor);
	tcase_add_test(loader, test_refuse_no_report);
	tcase_add_test(loader, test_refuse_not_shared_object);
	tcase_add_test(loader, test_refuse_missing_file);
	tcase_add_test(loader, test_failing_create);
	suite_add_tcase(s, loader);
	tcase_add_test(shipped, test_csv_lines);
	tcase_add_test(shipped, test_csv_errors);
	tcase_add_test(shipped, test_openmetrics_exact);
	tcase_add_test(shipped, test_openmetrics_cumulative);
	tcase_add_test(shipped, test_openmetrics_errors);
	tcase_add_test(shipped, test_openmetrics_write_error);
	tcase_add_test(shipped, test_example);
	suite_add_tcase(s, shipped);
	return s;
}
