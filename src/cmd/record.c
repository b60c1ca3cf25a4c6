// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace record: the probes' events, undecoded, into a trace.dat file that
 * trace-cmd report and KernelShark open.
 *
 * Before tracing starts, FILE.parts/ gets the file's head (headers and
 * formats read from tracefs); while tracing, whole ring-buffer pages move
 * from each CPU to its file there (pagesink.c), synced about once a second;
 * nothing is decoded. At the end the trace.dat is assembled: headers, the
 * per-CPU stats, then each CPU's pages (tracedat/write.c). Where the file
 * system can insert room at the start of a file (ext4, XFS), it is assembled
 * around the pages of the CPU that has most, in that CPU's file, so they are
 * not copied; elsewhere as FILE.tmp. It is synced and renamed to FILE only
 * when complete, so FILE is never a partial file, and FILE.parts is removed.
 * A run killed before that leaves FILE.parts, which 'kptrace record --recover
 * FILE' turns into FILE (tracedat/parts.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tracefs.h>

#include "cmd/commands.h"
#include "cmd/live.h"
#include "cmd/run.h"
#include "source/pagesink.h"
#include "session/session.h"
#include "tracedat/parts.h"
#include "tracedat/write.h"
#include "util.h"

static const char usage[] =
	"usage: kptrace record -o FILE [OPTIONS] PROBE... [-- CMD [ARGS]]\n"
	"       kptrace record --recover FILE\n"
	"\n"
	"Record the events of every PROBE, entries and returns, into FILE in trace-cmd's\n"
	"trace.dat format, for trace-cmd report and KernelShark.\n"
	"\n"
	"PROBE: as for 'kptrace latency' (see kptrace-probes(7)), e.g. syscall:read,\n"
	"  /bin/bash:readline, vfs_read\n"
	"\n"
	"OPTIONS:\n"
	"  -o, --output FILE        the trace.dat file to write (required)\n"
	"  -p, --pid PID            trace the threads of PID and everything it starts\n"
	"  -d, --duration SECONDS   stop after SECONDS (units: ms, s, m, h)\n"
	"      --filter EXPR        kernel event filter on every probe event\n"
	"      --buffer-size SIZE   ring buffer per CPU (KiB, or with K, M, G)\n"
	"      --stack              record the kernel stack of every entry too\n"
	"      --ustack             record the user stack of every entry too\n"
	"      --max-probes N       most kernel functions one glob (vfs_*) may probe (64)\n"
	"      --kprobes            kernel functions by kprobes even where fprobes exist\n"
	"      --recover FILE       turn what a killed recording left in FILE.parts/\n"
	"                           into FILE\n"
	"  -h, --help               this text\n"
	"  -- CMD [ARGS]            run CMD once the probes are live, trace it and its\n"
	"                           children, and exit with its status\n";

struct record_run {
	double elapsed;
	struct kpt_loss loss;
};

/* Everything in the file besides the pages, read from tracefs; owns its buffers. */
struct record_meta {
	struct kpt_tracedat_meta meta;
	struct kpt_tracedat_blob *ftrace;
	struct kpt_tracedat_system *systems;
	struct kpt_tracedat_blob *formats;	/* the systems' formats, one array */
	int nr_formats;		/* allocated, one per enabled event */
	struct kpt_tracedat_cpu *cpus;
	char **stats;
	int nr_cpus;
	char version[64];
	char *uname;
};

static void record_report(void *ctx, int interval, bool final, double elapsed,
			  const struct kpt_loss *loss)
{
	struct record_run *run = ctx;

	run->elapsed += elapsed;
	run->loss = *loss;
}

static const struct kpt_live_ops record_ops = {
	.report = record_report,
};

/* A tracefs file below the top of tracefs, into @blob; empty if it cannot be read. */
static void read_tracefs(const char *file, struct kpt_tracedat_blob *blob)
{
	int size = 0;

	blob->data = tracefs_instance_file_read(NULL, file, &size);
	blob->size = blob->data && size > 0 ? size : 0;
}

/* A file of unknown size such as /proc/kallsyms; empty if it cannot be read. */
static void read_proc(const char *path, struct kpt_tracedat_blob *blob)
{
	size_t size = 0, cap = 1 << 20;
	char *buf = malloc(cap), *bigger;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	while (fd >= 0 && buf) {
		if (size == cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + size, cap - size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size += n;
	}
	if (fd >= 0)
		close(fd);
	if (n != 0) {
		free(buf);
		buf = NULL;
		size = 0;
	}
	blob->data = buf;
	blob->size = size;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every events/ftrace/NAME/format, as trace-cmd stores them, in name order. */
static int read_ftrace_formats(struct record_meta *rm)
{
	char **names = tracefs_system_events(NULL, "ftrace");
	int i, nr = 0;

	while (names && names[nr])
		nr++;
	rm->ftrace = calloc(nr ? nr : 1, sizeof(*rm->ftrace));
	if (!rm->ftrace) {
		tracefs_list_free(names);
		return -1;
	}
	if (nr)
		qsort(names, nr, sizeof(*names), compare_names);
	for (i = 0; i < nr; i++) {
		char *file = kpt_asprintf("events/ftrace/%s/format", names[i]);

		if (!file)
			break;
		read_tracefs(file, &rm->ftrace[rm->meta.nr_ftrace_formats]);
		free(file);
		if (rm->ftrace[rm->meta.nr_ftrace_formats].size)
			rm->meta.nr_ftrace_formats++;
		else
			free((char *)rm->ftrace[rm->meta.nr_ftrace_formats].data);
	}
	tracefs_list_free(names);
	rm->meta.ftrace_formats = rm->ftrace;
	return i == nr ? 0 : -1;
}

/* The formats of every event the session enabled, grouped by system. */
static int read_event_formats(struct record_meta *rm, const struct kpt_session *session)
{
	int i, j, nr = 0;

	rm->systems = calloc(session->nr_events, sizeof(*rm->systems));
	rm->formats = calloc(session->nr_events, sizeof(*rm->formats));
	if (!rm->systems || !rm->formats)
		return -1;
	rm->meta.systems = rm->systems;
	rm->nr_formats = session->nr_events;
	for (i = 0; i < session->nr_events; i++) {
		size_t len = strcspn(session->events[i], "/");
		struct kpt_tracedat_system *system;

		for (j = 0; j < i; j++) {
			if (!strncmp(session->events[j], session->events[i], len + 1))
				break;
		}
		if (j < i)
			continue;	/* the system is done */
		system = &rm->systems[rm->meta.nr_systems++];
		system->name = strndup(session->events[i], len);
		system->formats = &rm->formats[nr];
		if (!system->name)
			return -1;
		for (j = i; j < session->nr_events; j++) {
			const char *name = session->events[j];
			char *file;

			if (strncmp(name, session->events[i], len + 1))
				continue;
			file = kpt_asprintf("events/%s/format", name);
			if (!file)
				return -1;
			read_tracefs(file, &rm->formats[nr]);
			free(file);
			if (!rm->formats[nr].size) {
				kpt_err("cannot read the format of event %s in %s: %s", name,
					tracefs_tracing_dir(), strerror(errno));
				return -1;
			}
			nr++;
			system->nr_formats++;
		}
	}
	return 0;
}

static int read_cpu_data(struct record_meta *rm, struct kpt_pagesink *sink)
{
	int cpu;

	rm->nr_cpus = kpt_pagesink_nr_cpus(sink);
	rm->cpus = calloc(rm->nr_cpus, sizeof(*rm->cpus));
	rm->stats = calloc(rm->nr_cpus, sizeof(*rm->stats));
	if (!rm->cpus || !rm->stats)
		return -1;
	for (cpu = 0; cpu < rm->nr_cpus; cpu++) {
		struct kpt_pagesink_cpu pages;

		kpt_pagesink_cpu(sink, cpu, &pages);
		rm->stats[cpu] = kpt_pagesink_stats(sink, cpu);
		rm->cpus[cpu] = (struct kpt_tracedat_cpu){
			.fd = pages.fd, .size = pages.size, .stats = rm->stats[cpu],
		};
	}
	return 0;
}

/* @with_cpus: the CPUs' pages and stats too, for the complete file */
static int read_meta(struct record_meta *rm, const struct kpt_live *live,
		     struct kpt_pagesink *sink, bool with_cpus)
{
	struct utsname uts;

	kpt_tracedat_params_host(&rm->meta.params, kpt_pagesink_page_size(sink));
	read_tracefs("events/header_page", &rm->meta.header_page);
	read_tracefs("events/header_event", &rm->meta.header_event);
	if (!rm->meta.header_page.size || !rm->meta.header_event.size) {
		kpt_err("cannot read events/header_page and header_event in %s: %s",
			tracefs_tracing_dir(), strerror(errno));
		return -1;
	}
	if (read_ftrace_formats(rm) < 0 || read_event_formats(rm, live->session) < 0 ||
	    (with_cpus && read_cpu_data(rm, sink) < 0))
		return -1;
	read_proc("/proc/kallsyms", &rm->meta.kallsyms);
	read_tracefs("printk_formats", &rm->meta.printk_formats);
	read_tracefs("saved_cmdlines", &rm->meta.cmdlines);
	rm->meta.clock = live->session->clock;
	if (uname(&uts) == 0) {
		rm->uname = kpt_asprintf("%s %s %s %s", uts.sysname, uts.nodename, uts.release,
					 uts.machine);
		rm->meta.uname = rm->uname;
	}
	snprintf(rm->version, sizeof(rm->version), "kptrace %s", PACKAGE_VERSION);
	rm->meta.version = rm->version;
	return 0;
}

static void free_meta(struct record_meta *rm)
{
	int i;

	free((char *)rm->meta.header_page.data);
	free((char *)rm->meta.header_event.data);
	for (i = 0; rm->ftrace && i < rm->meta.nr_ftrace_formats; i++)
		free((char *)rm->ftrace[i].data);
	free(rm->ftrace);
	for (i = 0; rm->formats && i < rm->nr_formats; i++)
		free((char *)rm->formats[i].data);
	free(rm->formats);
	for (i = 0; rm->systems && i < rm->meta.nr_systems; i++)
		free((char *)rm->systems[i].name);
	free(rm->systems);
	free((char *)rm->meta.kallsyms.data);
	free((char *)rm->meta.printk_formats.data);
	free((char *)rm->meta.cmdlines.data);
	for (i = 0; rm->stats && i < rm->nr_cpus; i++)
		free(rm->stats[i]);
	free(rm->stats);
	free(rm->cpus);
	free(rm->uname);
}

/* The CPU with the most pages, or -1 if none has any. */
static int fullest_cpu(const struct record_meta *rm)
{
	int cpu, best = -1;

	for (cpu = 0; cpu < rm->nr_cpus; cpu++)
		if (rm->cpus[cpu].size && (best < 0 || rm->cpus[cpu].size > rm->cpus[best].size))
			best = cpu;
	return best;
}

/*
 * Assemble FILE around the pages of the fullest CPU, in its file in @parts,
 * sync it and rename it to FILE. Returns FILE's size; -1 with errno
 * EOPNOTSUPP where the file system cannot (nothing changed: assemble a copy
 * instead); -1 after printing why otherwise.
 */
static int64_t assemble_in_place(const struct record_meta *rm, const char *output,
				 const char *parts)
{
	int cpu = fullest_cpu(rm);
	char *path = NULL;
	int64_t offset, size = -1;
	int fd;

	if (cpu < 0) {
		errno = EOPNOTSUPP;
		return -1;
	}
	fd = rm->cpus[cpu].fd;
	offset = kpt_tracedat_pages_offset(&rm->meta, rm->cpus, rm->nr_cpus, cpu);
	if (offset < 0) {
		kpt_err("cannot lay out %s: %s", output, strerror(errno));
		return -1;
	}
	if (kpt_tracedat_parts_mark_assembled(parts, cpu, offset, rm->cpus[cpu].size) < 0)
		return -1;
	if (kpt_tracedat_write_around(&rm->meta, rm->cpus, rm->nr_cpus, cpu) < 0) {
		if (errno == EOPNOTSUPP || errno == EINVAL)
			errno = EOPNOTSUPP;
		else
			kpt_err("cannot write %s from %s/cpu%d: %s", output, parts, cpu,
				strerror(errno));
		return -1;
	}
	path = kpt_asprintf("%s/cpu%d", parts, cpu);
	if (!path)
		return -1;
	size = lseek(fd, 0, SEEK_CUR);
	if (size < 0 || fsync(fd) < 0) {
		kpt_err("cannot write %s: %s", path, strerror(errno));
		size = -1;
	} else if (rename(path, output) < 0) {
		kpt_err("cannot rename %s to %s: %s", path, output, strerror(errno));
		size = -1;
	}
	free(path);
	return size;
}

/*
 * Assemble FILE, sync it and rename it to FILE: in place where the file
 * system can, else as a copy, FILE.tmp. Returns FILE's size, or -1 after
 * printing why.
 */
static int64_t write_tracedat(const struct record_meta *rm, const char *output,
			      const char *parts)
{
	char *tmp;
	int64_t size = assemble_in_place(rm, output, parts);
	int fd;

	if (size >= 0 || errno != EOPNOTSUPP)
		return size;
	tmp = kpt_asprintf("%s.tmp", output);
	if (!tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		kpt_err("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (kpt_tracedat_write(fd, &rm->meta, rm->cpus, rm->nr_cpus) < 0 || fsync(fd) < 0) {
		kpt_err("cannot write %s: %s; removed it", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	size = lseek(fd, 0, SEEK_CUR);
	if (close(fd) < 0) {
		kpt_err("cannot write %s: %s; removed it", tmp, strerror(errno));
		unlink(tmp);
		size = -1;
	} else if (rename(tmp, output) < 0) {
		kpt_err("cannot rename %s to %s: %s; removed it", tmp, output, strerror(errno));
		unlink(tmp);
		size = -1;
	}
out:
	free(tmp);
	return size;
}

static int finish(const struct kpt_live *live, struct kpt_pagesink *sink, const char *output,
		  const char *parts, const struct record_run *run)
{
	struct record_meta rm = { 0 };
	const struct kpt_loss *loss = &run->loss;
	int64_t size;
	int ret = -1;

	if (read_meta(&rm, live, sink, true) < 0)
		goto out;
	size = write_tracedat(&rm, output, parts);
	if (size < 0)
		goto out;
	fprintf(stderr, "Recorded %.2f s on %d CPUs to %s (%.1f KiB).\n", run->elapsed,
		rm.nr_cpus, output, size / 1024.0);
	if (loss->overrun || loss->dropped)
		fprintf(stderr, "LOST EVENTS: %" PRIu64 " overwritten (overrun), %" PRIu64
			" dropped: raise --buffer-size, or trace fewer events.\n", loss->overrun,
			loss->dropped);
	ret = 0;
out:
	free_meta(&rm);
	return ret;
}

/* The head of the file, into the parts directory, before tracing starts. */
static int write_head(const struct kpt_live *live, struct kpt_pagesink *sink, const char *parts)
{
	struct record_meta rm = { 0 };
	int ret = -1;

	if (read_meta(&rm, live, sink, false) == 0 &&
	    kpt_tracedat_parts_write_head(parts, &rm.meta, kpt_pagesink_nr_cpus(sink)) == 0)
		ret = 0;
	free_meta(&rm);
	return ret;
}

/* Bytes of pages the sink has saved. */
static uint64_t saved_bytes(const struct kpt_pagesink *sink)
{
	struct kpt_pagesink_cpu pages;
	uint64_t bytes = 0;
	int cpu;

	for (cpu = 0; sink && cpu < kpt_pagesink_nr_cpus(sink); cpu++) {
		kpt_pagesink_cpu(sink, cpu, &pages);
		bytes += pages.size;
	}
	return bytes;
}

/* kptrace record --recover FILE */
static int recover(int argc, char **argv)
{
	const char *output = argv[1][9] == '=' ? argv[1] + 10 : argc == 3 ? argv[2] : NULL;
	struct kpt_tracedat_recovery result;

	if (!output || !*output || argc > (argv[1][9] == '=' ? 2 : 3)) {
		kpt_err("--recover takes one FILE and no other argument: kptrace record "
			"--recover FILE");
		return 2;
	}
	if (kpt_tracedat_parts_recover(output, &result) < 0)
		return 1;
	fprintf(stderr, "Recovered %" PRIu64 " page%s on %d CPUs into %s (%.1f KiB); the "
		"recording was cut short, so it ends at its last saved page.\n", result.pages,
		result.pages == 1 ? "" : "s", result.nr_cpus, output, result.size / 1024.0);
	if (result.dropped_bytes)
		fprintf(stderr, "Dropped %" PRIu64 " bytes: torn or corrupt pages at the end of a "
			"CPU's data.\n", result.dropped_bytes);
	return 0;
}

static int parse_options(int argc, char **argv, struct kpt_trace_opts *opts, const char **output)
{
	if (kpt_trace_opts_take_value(&argc, argv, 'o', "output", output) < 0 ||
	    kpt_trace_opts_parse(argc, argv, opts) < 0)
		return -1;
	if (opts->help)
		return 0;
	if (!*output || !**output) {
		kpt_err("no output file: name it with -o FILE");
		return -1;
	}
	if (opts->interval || opts->json) {
		kpt_err("record writes a trace.dat file: -i and --json apply to latency only");
		return -1;
	}
	if (opts->input || opts->by || opts->nr_plugins) {
		kpt_err("record writes a trace.dat file: --input, --by and --plugin apply to the "
			"commands that analyse (latency, count, trace, report)");
		return -1;
	}
	if (strcmp(opts->backend, "tracefs") != 0) {
		kpt_err("--backend '%s': record reads the tracefs ring buffers only",
			opts->backend);
		return -1;
	}
	return 0;
}

/**
 * kpt_cmd_record - the "record" command
 * @argc: argument count; argv[0] is "record"
 * @argv: arguments (-o FILE is taken out of them)
 *
 * Returns the process exit code: CMD's with -- CMD, 0 on success, 1 on error,
 * 2 on a usage error.
 */
int kpt_cmd_record(int argc, char **argv)
{
	struct record_run run = { 0 };
	struct kpt_pagesink *sink = NULL;
	struct kpt_trace_opts opts;
	const char *output = NULL;
	uint64_t saved = 0;
	struct kpt_live live;
	char *parts = NULL;
	int ret = 1, code;

	if (argc >= 2 && !strncmp(argv[1], "--recover", 9) &&
	    (argv[1][9] == '\0' || argv[1][9] == '='))
		return recover(argc, argv);
	memset(&opts, 0, sizeof(opts));
	if (parse_options(argc, argv, &opts, &output) < 0 || opts.help) {
		fputs(usage, opts.help ? stdout : stderr);
		ret = opts.help ? 0 : 2;
		kpt_trace_opts_free(&opts);
		return ret;
	}
	if (kpt_live_setup_raw(&live, &opts) < 0)
		goto out;
	parts = kpt_tracedat_parts_mkdir(output);
	if (!parts)
		goto out;
	sink = kpt_pagesink_open(live.session, live.target.pid, parts);
	if (!sink)
		goto out;
	live.source_ops = &kpt_pagesink_ops;
	live.source = sink;
	if (write_head(&live, sink, parts) < 0)
		goto out;
	fprintf(stderr, "Recording %d probe%s%s%s to %s... Hit Ctrl-C to end.\n", live.nr_probes,
		live.nr_probes == 1 ? "" : "s", kpt_run_probe_kinds(live.probes, live.nr_probes),
		opts.command ? " while CMD runs" : "", output);
	if (kpt_live_run(&live, NULL, &record_ops, &run) == 0 &&
	    finish(&live, sink, output, parts, &run) == 0)
		ret = 0;
	saved = saved_bytes(sink);
out:
	code = kpt_live_teardown(&live);
	if (parts && ret != 0 && saved)
		kpt_err("the %.1f KiB of pages recorded are kept in %s: once the error is fixed, "
			"'kptrace record --recover %s' makes them into %s", saved / 1024.0, parts,
			output, output);
	else if (parts)
		kpt_tracedat_parts_remove(parts);
	free(parts);
	if (ret == 0 && opts.command)
		ret = code;
	kpt_trace_opts_free(&opts);
	return ret;
}
