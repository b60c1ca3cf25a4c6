// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Features of the running kernel's tracing, and the checks kptrace makes
 * before asking the kernel for a kprobe (so errors can say why, and what to
 * do, instead of a bare EINVAL).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tracefs.h>

#include "session/kernel_features.h"
#include "util.h"

#define KPROBE_BLACKLIST	"/sys/kernel/debug/kprobes/blacklist"

static bool readme_has(const char *readme, const char *text)
{
	return readme && strstr(readme, text);
}

/* Does the README line that starts with @what mention %return? */
static bool readme_line_has_return(const char *readme, const char *what)
{
	const char *line = readme ? strstr(readme, what) : NULL;
	const char *end;

	if (!line)
		return false;
	end = strchr(line, '\n');
	if (!end)
		return strstr(line, "%return") != NULL;
	return memmem(line, end - line, "%return", 7) != NULL;
}

/*
 * The README lines describing kprobe places list %return where it is
 * supported: "place (kretprobe): ...%return" up to 6.1, "place (kprobe):" in
 * kernels that also have fprobes.
 */
static bool kprobe_place_has_return(const char *readme)
{
	return readme_line_has_return(readme, "place (kretprobe):") ||
	       readme_line_has_return(readme, "place (kprobe):");
}

static void probe_perf(struct kpt_features *features)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	long long id = -1;
	FILE *file;
	int fd;

	file = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	features->perf_paranoid = -99;
	if (file) {
		if (fscanf(file, "%d", &features->perf_paranoid) != 1)
			features->perf_paranoid = -99;
		fclose(file);
	}
	if (tracefs_event_file_exists(NULL, "sched", "sched_process_exit", "id")) {
		char *text = tracefs_event_file_read(NULL, "sched", "sched_process_exit", "id",
						     NULL);

		if (text)
			id = atoll(text);
		free(text);
	}
	if (id < 0)
		return;
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	attr.disabled = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd >= 0) {
		features->perf_events = true;
		close(fd);
	}
}

/**
 * kpt_features_probe - find out what this kernel's tracing offers
 * @features: filled in
 */
void kpt_features_probe(struct kpt_features *features)
{
	const char *dir = tracefs_tracing_dir();
	char *readme, *clocks;

	memset(features, 0, sizeof(*features));
	if (dir && tracefs_file_exists(NULL, "README"))
		snprintf(features->tracefs, sizeof(features->tracefs), "%s", dir);
	if (!features->tracefs[0])
		return;
	readme = tracefs_instance_file_read(NULL, "README", NULL);
	features->kprobe_events = tracefs_file_exists(NULL, "kprobe_events");
	features->uprobe_events = tracefs_file_exists(NULL, "uprobe_events");
	features->dynamic_events = tracefs_file_exists(NULL, "dynamic_events");
	features->syscall_tracepoints = tracefs_dir_exists(NULL, "events/syscalls");
	features->fetch_argn = readme_has(readme, "$arg<N>");
	features->kretprobe_suffix = kprobe_place_has_return(readme);
	features->maxactive = readme_has(readme, "r[maxactive]");
	features->error_log = tracefs_file_exists(NULL, "error_log");
	features->hist_triggers = readme_has(readme, "hist trigger") ||
				  readme_has(readme, "hist:keys");
	features->synth_events = features->hist_triggers && readme_has(readme, "onmatch(") &&
				 tracefs_file_exists(NULL, "synthetic_events");
	features->kprobe_blacklist = access(KPROBE_BLACKLIST, R_OK) == 0;
	features->stack_trigger = kpt_features_stack_trigger(NULL);
	features->user_stacks = tracefs_file_exists(NULL, "options/userstacktrace");
	clocks = tracefs_instance_file_read(NULL, "trace_clock", NULL);
	if (clocks) {
		clocks[strcspn(clocks, "\n")] = '\0';
		snprintf(features->clocks, sizeof(features->clocks), "%s", clocks);
		features->mono_clock = strstr(clocks, " mono ") || strstr(clocks, "[mono]") ||
				       strstr(clocks, " mono\n");
	}
	free(clocks);
	free(readme);
	probe_perf(features);
	features->bpf = syscall(SYS_bpf, -1, NULL, 0) < 0 && errno != ENOSYS;
}

/**
 * kpt_features_rewrite_argn - spell $argN as registers for kernels without $arg<N>
 * @fetchargs: fetch-args text, or NULL
 * @errmsg: set when a $argN cannot be rewritten
 *
 * Argument N of a function is in the N-th argument register of the calling
 * convention at function entry, which is what $argN means: KPT_ARCH_ARG_REGS
 * (x86-64 %di %si %dx %cx %r8 %r9, arm64 %x0..%x7, arm %r0..%r3). Returns a
 * malloc'd copy with every $argN replaced, or NULL with *errmsg set.
 */
char *kpt_features_rewrite_argn(const char *fetchargs, char **errmsg)
{
	static const char *const regs[] = { KPT_ARCH_ARG_REGS };
	const int nr = sizeof(regs) / sizeof(regs[0]);
	size_t size = strlen(fetchargs) + 1, len = 0;
	char *out = malloc(size * 2);
	const char *p = fetchargs;

	if (!out)
		return NULL;
	while (*p) {
		int n;

		if (strncmp(p, "$arg", 4) == 0 && p[4] >= '1' && p[4] < '1' + nr &&
		    !(p[5] >= '0' && p[5] <= '9')) {
			n = p[4] - '1';
			len += sprintf(out + len, "%s", regs[n]);
			p += 5;
			continue;
		}
		if (strncmp(p, "$arg", 4) == 0) {
			*errmsg = kpt_asprintf("'%s': this kernel has no $argN and only $arg1 to "
					       "$arg%d map to registers (" KPT_ARCH_NAME "); use a "
					       "register or a stack fetch-arg", fetchargs, nr);
			free(out);
			return NULL;
		}
		out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

/* Does /proc/kallsyms list @function (of module @module, or of the kernel)? */
static int find_in_kallsyms(const char *function, const char *module)
{
	char line[512], name[256], mod[128];
	int found = 0;
	FILE *file = fopen("/proc/kallsyms", "r");

	if (!file)
		return -1;
	while (!found && fgets(line, sizeof(line), file)) {
		char type;
		int fields = sscanf(line, "%*s %c %255s [%127[^]]]", &type, name, mod);

		if (fields < 2 || strcmp(name, function) != 0)
			continue;
		if (module && (fields < 3 || strcmp(mod, module) != 0))
			continue;
		found = 1;
	}
	fclose(file);
	return found;
}

static bool in_list_file(const char *path, const char *function, int column)
{
	char line[512];
	bool found = false;
	FILE *file = fopen(path, "r");

	if (!file)
		return false;
	while (!found && fgets(line, sizeof(line), file)) {
		char *word = strtok(line, " \t\n");
		int i;

		for (i = 0; word && i < column; i++)
			word = strtok(NULL, " \t\n");
		found = word && strcmp(word, function) == 0;
	}
	fclose(file);
	return found;
}

/**
 * kpt_kernel_symbol_check - can a kprobe go on @symbol? Checked before asking the kernel
 * @symbol: [MOD:]FUNCTION[+OFF]
 * @errmsg: set on error, naming the function and what to do
 *
 * Errors when kallsyms does not list the function, or when it is on the
 * kprobe blacklist (NOKPROBE_SYMBOL, read from debugfs when mounted). Warns
 * when it is not in available_filter_functions (notrace or inlined): a
 * kprobe still works there, through a breakpoint, but inlined copies are missed.
 * Returns 0 when the probe may be tried, -1 on error.
 */
int kpt_kernel_symbol_check(const char *symbol, char **errmsg)
{
	const char *colon = strchr(symbol, ':');
	char *function = strndup(colon ? colon + 1 : symbol, strcspn(colon ? colon + 1 : symbol, "+"));
	char *module = colon ? strndup(symbol, colon - symbol) : NULL;
	char *filter = tracefs_get_tracing_file("available_filter_functions");
	int found, ret = -1;

	if (!function || (colon && !module))
		goto out;
	found = find_in_kallsyms(function, module);
	if (found == 0) {
		*errmsg = kpt_asprintf("'%s' is not a function of this kernel%s%s (see "
				       "/proc/kallsyms; static functions may carry a suffix such "
				       "as .isra.0 or .constprop.0)", function,
				       module ? " module " : "", module ? module : "");
		goto out;
	}
	if (in_list_file(KPROBE_BLACKLIST, function, 1)) {
		*errmsg = kpt_asprintf("'%s' is on the kernel's kprobe blacklist (%s): kprobes "
				       "cannot go there; probe a function that calls it", function,
				       KPROBE_BLACKLIST);
		goto out;
	}
	if (filter && access(filter, R_OK) == 0 && !in_list_file(filter, function, 0))
		kpt_warn("'%s' is not in available_filter_functions (notrace or inlined): the "
			 "kprobe uses a breakpoint, and calls of inlined copies are not seen",
			 function);
	ret = 0;
out:
	tracefs_put_tracing_file(filter);
	free(function);
	free(module);
	return ret;
}

/**
 * kpt_features_stack_trigger - can --stack use a stacktrace trigger on the entry events?
 * @why: if not NULL and the answer is no, set to a malloc'd reason
 *
 * Event triggers exist where an event has a trigger file that offers
 * "stacktrace". Before Linux 5.17 that trigger wrote its stack into the
 * top-level buffer whatever the instance of the event ("tracing: Dump
 * stacktrace trigger to the corresponding instance" moved it), and tracefs
 * has no file that tells the two apart, so this one answer comes from the
 * kernel's version. Without the trigger, --stack uses the instance's
 * stacktrace option. Returns true if the trigger can be used.
 */
bool kpt_features_stack_trigger(char **why)
{
	char *text = tracefs_event_file_read(NULL, "sched", "sched_process_exit", "trigger",
					     NULL);
	bool offered = text && strstr(text, "stacktrace");
	struct utsname uts;
	int major = 0, minor = 0;

	free(text);
	if (!offered) {
		if (why)
			*why = strdup("this kernel's events offer no stacktrace trigger");
		return false;
	}
	if (uname(&uts) < 0 || sscanf(uts.release, "%d.%d", &major, &minor) != 2 ||
	    major < 5 || (major == 5 && minor < 17)) {
		if (why)
			*why = kpt_asprintf("the stacktrace trigger of Linux %s writes into the "
					    "top-level buffer, not the run's instance",
					    uts.release);
		return false;
	}
	return true;
}
