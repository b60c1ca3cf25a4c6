// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace check: what this kernel's tracing supports, and what kptrace will
 * therefore do. Every missing feature comes with its consequence and the way around it.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <json.h>

#include "cmd/commands.h"
#include "session/kernel_features.h"

struct check_line {
	const char *name;
	bool present;
	const char *if_present;	/* what kptrace does with it */
	const char *if_missing;	/* the consequence, and the alternative */
};

static void print_line(const struct check_line *line)
{
	printf("  %-22s %-4s %s\n", line->name, line->present ? "yes" : "NO",
	       line->present ? line->if_present : line->if_missing);
}

static int print_json(const struct kpt_features *f, const struct check_line *lines, int nr)
{
	struct json_object *doc = json_object_new_object();
	struct json_object *features = json_object_new_object();
	int i;

	json_object_object_add(doc, "kptrace", json_object_new_string("check"));
	json_object_object_add(doc, "tracefs", json_object_new_string(f->tracefs));
	json_object_object_add(doc, "trace_clocks", json_object_new_string(f->clocks));
	json_object_object_add(doc, "perf_event_paranoid", json_object_new_int(f->perf_paranoid));
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
 * @argv: arguments: [--json]
 *
 * Returns 0 when tracefs is usable, 1 when it is not, 2 on a usage error.
 */
int kpt_cmd_check(int argc, char **argv)
{
	struct kpt_features f;
	struct utsname uts;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json)) {
		fputs("usage: kptrace check [--json]\n\nPrint what this kernel's tracing "
		      "supports and what kptrace will do about what it lacks.\n",
		      strcmp(argv[argc - 1], "--help") ? stderr : stdout);
		return strcmp(argv[argc - 1], "--help") ? 2 : 0;
	}
	kpt_features_probe(&f);
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
		  "__x64_sys_NAME with a kprobe instead" },
		{ "fetch_argN", f.fetch_argn, "$argN fetch-args are passed to the kernel",
		  "$arg1..$arg6 are rewritten to %di %si %dx %cx %r8 %r9 (x86-64)" },
		{ "kretprobe_%return", f.kretprobe_suffix, "SYMBOL%return is understood",
		  "nothing lost: kptrace defines return probes with r:" },
		{ "kretprobe_maxactive", f.maxactive, "rN: raises the calls in flight a kretprobe "
		  "tracks", "rN: is refused: keep the default, and watch probe misses" },
		{ "error_log", f.error_log, "the kernel's reason for a rejected probe is shown",
		  "only errno is known when the kernel rejects a probe or filter" },
		{ "hist_triggers", f.hist_triggers, "present (kptrace pairs in user space anyway)",
		  "nothing lost: kptrace pairs and builds histograms in user space" },
		{ "mono_clock", f.mono_clock, "trace_clock mono: CPUs agree, and perf matches",
		  "trace_clock global is used instead (also synchronised across CPUs)" },
		{ "perf_events", f.perf_events, "--backend perf and counting without records work",
		  "--backend perf is unavailable (perf_event_paranoid or a seccomp filter); "
		  "the tracefs backend does everything" },
		{ "kprobe_blacklist", f.kprobe_blacklist, "blacklisted functions are refused "
		  "with a clear reason before the kernel is asked",
		  "debugfs is not mounted: a blacklisted function is reported by the kernel only" },
		{ "bpf", f.bpf, "present; kptrace does not use it", "absent; kptrace does not need it" },
		{ "stack_trigger", f.stack_trigger,
		  "--stack puts a stacktrace trigger on each entry event",
		  "--stack uses the instance's stacktrace option: a stack with every event" },
		{ "user_stacks", f.user_stacks, "--ustack records user stacks (userstacktrace)",
		  "--ustack is unavailable (no options/userstacktrace)" },
	};
	int nr = sizeof(lines) / sizeof(lines[0]), i;

	if (json)
		return print_json(&f, lines, nr) == 0 && f.tracefs[0] ? 0 : 1;
	uname(&uts);
	printf("kptrace check: %s %s %s\n\n", uts.sysname, uts.release, uts.machine);
	for (i = 0; i < nr; i++)
		print_line(&lines[i]);
	printf("\n  trace clocks: %s\n  perf_event_paranoid: %d\n", f.clocks, f.perf_paranoid);
	return f.tracefs[0] ? 0 : 1;
}
