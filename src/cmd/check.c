// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace check: what this kernel's tracing supports, and what kptrace will
 * therefore do. Every missing feature comes with its consequence and the way around it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json.h>
#include <tracefs.h>

#include "cmd/commands.h"
#include "session/btf.h"
#include "session/kernel_features.h"
#include "source/stream.h"

#ifdef HAVE_LIBPERF
#define PERF_PRESENT	"--backend perf and counting without records work"
#else
#define PERF_PRESENT	"present, but this kptrace was built without libperf: the tracefs " \
			"backend does everything"
#endif

struct check_line {
	const char *name;
	bool present;
	const char *if_present;	/* what kptrace does with it */
	const char *if_missing;	/* the consequence, and the alternative */
};

/*
 * Whether this kernel can map a ring buffer (Linux 6.10+): tried on a
 * throw-away instance named like a session's, so that a crash leaves nothing
 * 'kptrace cleanup' would not remove. @why is set when it cannot.
 */
static bool probe_mapping(char *why, size_t len)
{
	struct tracefs_instance *instance;
	char name[32];
	int ret, err;

	snprintf(name, sizeof(name), "kptrace_%d", (int)getpid());
	instance = tracefs_instance_create(name);
	if (!instance) {
		snprintf(why, len, "cannot tell: trying needs a tracefs instance (%s; run as root)",
			 strerror(errno));
		return false;
	}
	ret = kpt_stream_probe_mapping(instance);
	err = errno;
	tracefs_instance_destroy(instance);
	tracefs_instance_free(instance);
	if (ret == 0)
		return true;
	if (err == ENODEV || err == ENOTTY || err == EINVAL)
		snprintf(why, len, "this kernel cannot map trace buffers (Linux 6.10 and later can): "
			 "nothing lost, kptrace splices pages out of trace_pipe_raw");
	else
		snprintf(why, len, "the kernel refused to map a trace buffer (%s): nothing lost, "
			 "kptrace splices pages out of trace_pipe_raw", strerror(err));
	return false;
}

/* What the tracefs backend does with a kernel that can map its buffers. */
static const char *mapping_use(const struct kpt_features *f)
{
	if (!kpt_stream_mapping_wanted())
		return "the kernel can map trace buffers; kptrace splices pages out of "
		       "trace_pipe_raw, which costs less here (the kernel steps over every record "
		       "of a page it hands over mapped); KPTRACE_MMAP=1 reads them in place";
	if (!f->mono_clock)
		return "KPTRACE_MMAP=1, but reading in place needs trace_clock mono: kptrace "
		       "splices pages out of trace_pipe_raw";
	return "KPTRACE_MMAP=1: the tracefs backend reads the ring buffers in place, one system "
	       "call a page (record splices)";
}

static void print_line(const struct check_line *line)
{
	printf("  %-22s %-4s %s\n", line->name, line->present ? "yes" : "NO",
	       line->present ? line->if_present : line->if_missing);
}

static int print_json(const struct kpt_features *f, const struct check_line *lines, int nr,
		      const char *read_path, bool force_kprobes)
{
	enum kpt_kfunc_kind kind;
	const char *why;
	struct json_object *doc = json_object_new_object();
	struct json_object *features = json_object_new_object();
	int i;

	json_object_object_add(doc, "kptrace", json_object_new_string("check"));
	json_object_object_add(doc, "tracefs", json_object_new_string(f->tracefs));
	json_object_object_add(doc, "trace_clocks", json_object_new_string(f->clocks));
	json_object_object_add(doc, "perf_event_paranoid", json_object_new_int(f->perf_paranoid));
	json_object_object_add(doc, "tracefs_read", json_object_new_string(read_path));
	kind = kpt_features_kfunc(f, force_kprobes, &why);
	json_object_object_add(doc, "kernel_functions",
			       json_object_new_string(kpt_features_kfunc_name(kind)));
	json_object_object_add(doc, "kernel_functions_why", json_object_new_string(why));
	for (i = 0; i < nr; i++)
		json_object_object_add(features, lines[i].name,
				       json_object_new_boolean(lines[i].present));
	json_object_object_add(doc, "features", features);
	printf("%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
	json_object_put(doc);
	return 0;
}

/**
 * kpt_cmd_check - the "check" command
 * @argc: argument count
 * @argv: arguments: [--json] [--kprobes]
 *
 * Returns 0 when tracefs is usable, 1 when it is not, 2 on a usage error.
 */
int kpt_cmd_check(int argc, char **argv)
{
	char mapped_why[256] = "";
	const char *read_path;
	struct kpt_features f;
	bool mapped = false, json = false, force_kprobes = false, bad = false, btf;
	enum kpt_kfunc_kind kind;
	struct utsname uts;
	const char *why;
	int arg;

	for (arg = 1; arg < argc; arg++) {
		if (strcmp(argv[arg], "--json") == 0)
			json = true;
		else if (strcmp(argv[arg], "--kprobes") == 0)
			force_kprobes = true;
		else
			bad = true;
	}
	if (bad) {
		fputs("usage: kptrace check [--json] [--kprobes]\n\nPrint what this kernel's "
		      "tracing supports and what kptrace will do about what it lacks.\n"
		      "--kprobes: say how kernel functions are probed with that option.\n",
		      strcmp(argv[argc - 1], "--help") ? stderr : stdout);
		return strcmp(argv[argc - 1], "--help") ? 2 : 0;
	}
	kpt_features_probe(&f);
	btf = access(KPT_BTF_VMLINUX, R_OK) == 0;
	if (f.tracefs[0])
		mapped = probe_mapping(mapped_why, sizeof(mapped_why));
	else
		snprintf(mapped_why, sizeof(mapped_why), "tracefs is not mounted");
	const struct check_line lines[] = {
		{ "tracefs", f.tracefs[0], f.tracefs,
		  "not mounted: nothing can be traced; as root: mount -t tracefs nodev "
		  "/sys/kernel/tracing" },
		{ "kprobe_events", f.kprobe_events, "kernel functions: SYMBOL probes",
		  "kernel functions cannot be probed (CONFIG_KPROBE_EVENTS off): use uprobes "
		  "(OBJECT:SYMBOL) and tracepoints (syscall:NAME, tp:SYS:ENTRY,SYS:EXIT)" },
		{ "uprobe_events", f.uprobe_events, "user functions: OBJECT:SYMBOL probes",
		  "user functions cannot be probed (CONFIG_UPROBE_EVENTS off): use tracepoints" },
		{ "dynamic_events", f.dynamic_events, "probes are listed and removed through it",
		  "older kernel: probes are managed through kprobe_events and uprobe_events" },
		{ "syscall_tracepoints", f.syscall_tracepoints, "syscall:NAME probes",
		  "syscall:NAME is unavailable (CONFIG_FTRACE_SYSCALLS off): probe the kernel's "
		  KPT_ARCH_SYSCALL_FN " with a kprobe instead" },
		{ "fetch_argN", f.fetch_argn, "$argN fetch-args are passed to the kernel",
		  KPT_ARCH_ARG_TEXT },
		{ "fprobe_events", f.fprobe_events, force_kprobes ?
		  "present, but --kprobes makes kernel functions kprobes" :
		  "kernel functions (SYMBOL) are fprobes (f:): ftrace's hooks, no kretprobe "
		  "misses; --kprobes for kprobes",
		  "kernel functions (SYMBOL) are kprobes where kprobe_events exists (fprobe "
		  "events need Linux 6.5+ with CONFIG_FPROBE_EVENTS); f: probes are refused" },
		{ "btf", btf, "/sys/kernel/btf/vmlinux: argument names (vfs_read count) can be "
		  "resolved", "no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF off): fetch "
		  "arguments with $argN or registers" },
		{ "btf_arg_names", f.btf_args, "argument names and ->fields go to the kernel as "
		  "written", btf ? "kptrace turns argument names into $argN or registers, with "
		  "the type BTF gives; no ->fields" : "argument names cannot be used: fetch "
		  "arguments with $argN or registers" },
		{ "return_probe_args", f.return_argn && (f.kprobe_events || f.fprobe_events),
		  "return probes fetch the entry's arguments: "
		  "SYMBOL [ARGS] %return $argN or names",
		  "return probes of kernel functions cannot fetch the entry's arguments (or there "
		  "are none): fetch them at the entry" },
		{ "kretprobe_%return", f.kretprobe_suffix, "SYMBOL%return is understood",
		  "nothing lost: kptrace defines return probes with r:" },
		{ "kretprobe_maxactive", f.maxactive, "rN: raises the calls in flight a kretprobe "
		  "tracks", "rN: is refused: keep the default, and watch probe misses" },
		{ "error_log", f.error_log, "the kernel's reason for a rejected probe is shown",
		  "only errno is known when the kernel rejects a probe or filter" },
		{ "hist_triggers", f.hist_triggers, "present (kptrace pairs in user space unless "
		  "asked)",
		  "nothing lost: kptrace pairs and builds histograms in user space" },
		{ "slow_kernel_filter", f.synth_events, "slow --kernel-filter: the kernel measures "
		  "each call and records only the slow ones",
		  "slow --kernel-filter pairs in user space (no hist triggers or synthetic "
		  "events)" },
		{ "mono_clock", f.mono_clock, "trace_clock mono: CPUs agree, and perf matches",
		  "trace_clock global is used instead (also synchronised across CPUs)" },
		{ "perf_events", f.perf_events, PERF_PRESENT,
		  "--backend perf is unavailable (perf_event_paranoid or a seccomp filter); "
		  "the tracefs backend does everything" },
		{ "kprobe_blacklist", f.kprobe_blacklist, "blacklisted functions are refused "
		  "with a clear reason before the kernel is asked",
		  "debugfs is not mounted: a blacklisted function is reported by the kernel only" },
		{ "mapped_buffers", mapped, mapping_use(&f), mapped_why },
		{ "bpf", f.bpf, "present; kptrace does not use it", "absent; kptrace does not need it" },
		{ "stack_trigger", f.stack_trigger,
		  "--stack puts a stacktrace trigger on each entry event",
		  "--stack uses the instance's stacktrace option: a stack with every event" },
		{ "user_stacks", f.user_stacks, "--ustack records user stacks (userstacktrace)",
		  "--ustack is unavailable (no options/userstacktrace)" },
	};
	int nr = sizeof(lines) / sizeof(lines[0]), i;

	read_path = mapped && f.mono_clock && kpt_stream_mapping_wanted() ? "mapped" : "splice";
	if (json)
		return print_json(&f, lines, nr, read_path, force_kprobes) == 0 && f.tracefs[0] ?
		       0 : 1;
	kind = kpt_features_kfunc(&f, force_kprobes, &why);
	uname(&uts);
	printf("kptrace check: %s %s %s\n\n", uts.sysname, uts.release, uts.machine);
	for (i = 0; i < nr; i++)
		print_line(&lines[i]);
	printf("\n  trace clocks: %s\n  perf_event_paranoid: %d\n  ring buffers read by: %s\n",
	       f.clocks, f.perf_paranoid, read_path);
	printf("  kernel functions by: %s (%s)\n", kpt_features_kfunc_name(kind), why);
	return f.tracefs[0] ? 0 : 1;
}
