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

#include "session/btf.h"
#include "session/kernel_features.h"
#include "util.h"

#define KPROBE_BLACKLIST	"/sys/kernel/debug/kprobes/blacklist"

static bool readme_has(const char *readme, const char *text)
{
	return readme && strstr(readme, text);
}

/* Does the README line that starts with @what mention @text? */
static bool readme_line_has(const char *readme, const char *what, const char *text)
{
	const char *line = readme ? strstr(readme, what) : NULL;
	const char *end;

	if (!line)
		return false;
	end = strchr(line, '\n');
	if (!end)
		return strstr(line, text) != NULL;
	return memmem(line, end - line, text, strlen(text)) != NULL;
}

static bool readme_line_has_return(const char *readme, const char *what)
{
	return readme_line_has(readme, what, "%return");
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
	kpt_features_parse_readme(features, readme);
	features->kprobe_events = tracefs_file_exists(NULL, "kprobe_events");
	features->uprobe_events = tracefs_file_exists(NULL, "uprobe_events");
	features->dynamic_events = tracefs_file_exists(NULL, "dynamic_events");
	features->syscall_tracepoints = tracefs_dir_exists(NULL, "events/syscalls");
	/* fprobes, tracepoint and event probes are made through dynamic_events only */
	features->fprobe_events &= features->dynamic_events;
	features->tprobe_events &= features->dynamic_events;
	features->eprobe_events &= features->dynamic_events;
	features->error_log = tracefs_file_exists(NULL, "error_log");
	features->synth_events = features->synth_events &&
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
 * kpt_features_parse_readme - the features tracefs' README documents
 * @features: its README-based fields are set (the others are left alone)
 * @readme: the README's text, or NULL (then nothing is documented)
 *
 * The README's "Format:" lines list the dynamic event types (f: fprobes
 * since Linux 6.5, t: tracepoint probes, e: event probes), its "fetcharg:"
 * lines the fetch-args (BTF argument names as "<argname>"), and its "kernel
 * return probes support:" line what a return probe may fetch. A feature
 * built out of the kernel is left out of the README, so its text decides.
 */
void kpt_features_parse_readme(struct kpt_features *features, const char *readme)
{
	features->fetch_argn = readme_has(readme, "$arg<N>");
	features->kretprobe_suffix = kprobe_place_has_return(readme);
	features->maxactive = readme_has(readme, "r[maxactive]");
	features->hist_triggers = readme_has(readme, "hist trigger") ||
				  readme_has(readme, "hist:keys");
	features->synth_events = features->hist_triggers && readme_has(readme, "onmatch(");
	features->fprobe_events = readme_has(readme, "f[:[<group>/][<event>]] <func-name>");
	features->tprobe_events = readme_has(readme, "t[:[<group>/][<event>]] <tracepoint>");
	features->eprobe_events = readme_has(readme, "e[:[<group>/][<event>]] <attached-group>");
	features->btf_args = readme_has(readme, "<argname>");
	features->return_argn = readme_line_has(readme, "kernel return probes support:",
						"$arg<N>");
}

/**
 * kpt_features_readme - this kernel's README-based features, read once
 *
 * For the probe layer, which asks per probe: the README is read at the first
 * call and kept. The fields that need more than the README (perf, clocks)
 * are left false. Returns the features (never NULL).
 */
const struct kpt_features *kpt_features_readme(void)
{
	static struct kpt_features features;
	static bool read_once;
	char *readme;

	if (read_once)
		return &features;
	readme = tracefs_instance_file_read(NULL, "README", NULL);
	kpt_features_parse_readme(&features, readme);
	free(readme);
	features.kprobe_events = tracefs_file_exists(NULL, "kprobe_events");
	features.dynamic_events = tracefs_file_exists(NULL, "dynamic_events");
	features.fprobe_events &= features.dynamic_events;
	features.tprobe_events &= features.dynamic_events;
	features.eprobe_events &= features.dynamic_events;
	read_once = true;
	return &features;
}

/**
 * kpt_features_kfunc - how kernel-function probes (SYMBOL) are made here, and why
 * @features: the kernel's features
 * @force_kprobes: --kprobes was given
 * @why: set to a static sentence saying why this kind (may be NULL)
 *
 * fprobes where the kernel has them: they ride on ftrace's function entry
 * and exit hooks instead of a breakpoint, cost less, and their exit side has
 * no kretprobe maxactive to run out of. kprobes elsewhere, or when asked for.
 */
enum kpt_kfunc_kind kpt_features_kfunc(const struct kpt_features *features, bool force_kprobes,
				       const char **why)
{
	const char *reason;
	enum kpt_kfunc_kind kind;

	if (features->fprobe_events && !force_kprobes) {
		kind = KPT_KFUNC_FPROBE;
		reason = "this kernel has fprobe events (f:): they ride on ftrace, cost less than "
			 "kprobes and miss no returns; --kprobes uses kprobes instead";
	} else if (features->kprobe_events) {
		kind = KPT_KFUNC_KPROBE;
		reason = force_kprobes ? "--kprobes asks for kprobes" :
			 "this kernel has no fprobe events (f:, Linux 6.5 and later): kprobe and "
			 "kretprobe";
	} else {
		kind = features->fprobe_events ? KPT_KFUNC_FPROBE : KPT_KFUNC_NONE;
		reason = features->fprobe_events ?
			 "this kernel has fprobe events but no kprobe events: fprobes, --kprobes "
			 "cannot be honoured" :
			 "this kernel has neither kprobe nor fprobe events: kernel functions "
			 "cannot be probed";
	}
	if (why)
		*why = reason;
	return kind;
}

/**
 * kpt_features_kfunc_name - "fprobe", "kprobe" or "none"
 * @kind: the kind
 */
const char *kpt_features_kfunc_name(enum kpt_kfunc_kind kind)
{
	return kind == KPT_KFUNC_FPROBE ? "fprobe" : kind == KPT_KFUNC_KPROBE ? "kprobe" : "none";
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
 * kpt_kernel_function_traceable - whether ftrace can hook @function (fprobes need it)
 * @function: the function's name
 *
 * True when available_filter_functions lists it, or when that file cannot be
 * read (the kernel then says no itself).
 */
bool kpt_kernel_function_traceable(const char *function)
{
	char *filter = tracefs_get_tracing_file("available_filter_functions");
	bool ok = !filter || access(filter, R_OK) != 0 || in_list_file(filter, function, 0);

	tracefs_put_tracing_file(filter);
	return ok;
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

static const struct kpt_arch arches[] = {
	{ "x86-64", { "%di", "%si", "%dx", "%cx", "%r8", "%r9" }, 6, 8 },
	{ "arm64", { "%x0", "%x1", "%x2", "%x3", "%x4", "%x5", "%x6", "%x7" }, 8, 8 },
	{ "arm", { "%r0", "%r1", "%r2", "%r3" }, 4, 4 },
};

/**
 * kpt_arch_get - an architecture's argument registers
 * @name: "x86-64", "arm64" or "arm"; NULL for this machine's (KPT_ARCH_NAME)
 *
 * Returns the architecture, or NULL for an unknown @name.
 */
const struct kpt_arch *kpt_arch_get(const char *name)
{
	size_t i;

	if (!name)
		name = KPT_ARCH_NAME;
	for (i = 0; i < ARRAY_SIZE(arches); i++) {
		if (strcmp(arches[i].name, name) == 0)
			return &arches[i];
	}
	return NULL;
}

/*
 * One fetch-arg, "[NAME=]VALUE[:TYPE]", cut up. @ident is set when VALUE
 * starts as a C identifier does: a parameter's name (no fetch-arg syntax of
 * the kernel starts so: they start with %, $, @, +, - or \), and @field
 * points at what follows it ("->f", ".f", ":TYPE" or "").
 */
struct fetcharg {
	char name[64];		/* NAME, or "" */
	char ident[64];		/* the parameter's name, or "" */
	const char *field;	/* after @ident */
	const char *value;	/* VALUE[:TYPE] */
};

static bool ident_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

static size_t ident_len(const char *p)
{
	size_t len = 0;

	if (!ident_char(*p, true))
		return 0;
	while (ident_char(p[len], false))
		len++;
	return len;
}

static void cut_fetcharg(const char *token, struct fetcharg *arg)
{
	size_t len = ident_len(token);

	memset(arg, 0, sizeof(*arg));
	arg->value = token;
	if (len && token[len] == '=' && len < sizeof(arg->name)) {
		snprintf(arg->name, sizeof(arg->name), "%.*s", (int)len, token);
		arg->value = token + len + 1;
	}
	len = ident_len(arg->value);
	if (len && len < sizeof(arg->ident)) {
		snprintf(arg->ident, sizeof(arg->ident), "%.*s", (int)len, arg->value);
		arg->field = arg->value + len;
	}
}

/* Calls @fn on each blank-separated token of @fetchargs; stops at the first non-zero. */
static int each_token(const char *fetchargs, int (*fn)(const char *token, void *ctx), void *ctx)
{
	char token[256];
	const char *p = fetchargs;
	int ret = 0;

	while (p && *p && !ret) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (!len)
			break;
		snprintf(token, sizeof(token), "%.*s", (int)len, p);
		ret = fn(token, ctx);
		p += len;
	}
	return ret;
}

static int token_named(const char *token, void *ctx)
{
	struct fetcharg arg;

	(void)ctx;
	cut_fetcharg(token, &arg);
	return arg.ident[0] != '\0';
}

/**
 * kpt_features_args_named - whether fetch-args name a function parameter (vfs_read count)
 * @fetchargs: the fetch-args, or NULL
 */
bool kpt_features_args_named(const char *fetchargs)
{
	return each_token(fetchargs, token_named, NULL) != 0;
}

struct by_name {
	const char *function;
	bool exit;
	const struct kpt_features *features;
	const struct kpt_arch *arch;
	const struct kpt_btf *btf;
	struct kpt_btf_param *params;
	int nr_params;
	char *out;
	size_t len, size;
	char *errmsg;
};

static int append(struct by_name *bn, const char *text)
{
	size_t need = bn->len + strlen(text) + 2;
	char *grown;

	if (need > bn->size) {
		grown = realloc(bn->out, need * 2);
		if (!grown)
			return -1;
		bn->out = grown;
		bn->size = need * 2;
	}
	bn->len += sprintf(bn->out + bn->len, "%s%s", bn->len ? " " : "", text);
	return 0;
}

static char *param_names(const struct by_name *bn)
{
	char *list = strdup(""), *longer;
	int i;

	for (i = 0; list && i < bn->nr_params; i++) {
		longer = kpt_asprintf("%s%s%s", list, i ? " " : "", bn->params[i].name);
		free(list);
		list = longer;
	}
	return list;
}

static int fail_arg(struct by_name *bn, char *msg)
{
	bn->errmsg = msg;
	return -1;
}

static const struct kpt_btf_param *find_param(const struct by_name *bn, const char *name)
{
	int i;

	for (i = 0; i < bn->nr_params; i++) {
		if (strcmp(bn->params[i].name, name) == 0)
			return &bn->params[i];
	}
	return NULL;
}

static int unknown_param(struct by_name *bn, const char *token, const struct fetcharg *arg)
{
	char *names = param_names(bn);
	int ret;

	ret = fail_arg(bn, kpt_asprintf("'%s': %s has no parameter '%s'; its parameters are: %s",
					token, bn->function, arg->ident,
					names && *names ? names : "(none)"));
	free(names);
	return ret;
}

/* A parameter's name, spelled as a register or $argN with the type BTF gives. */
static int translate(struct by_name *bn, const char *token, const struct fetcharg *arg)
{
	const struct kpt_btf_param *param;
	const char *type;
	char where[16], *text;
	int ret;

	param = find_param(bn, arg->ident);
	if (!param)
		return unknown_param(bn, token, arg);
	if (arg->field[0] && arg->field[0] != ':')
		return fail_arg(bn, kpt_asprintf("'%s': this kernel cannot fetch struct fields by "
						 "name (its tracefs README lists no <argname>); "
						 "fetch +OFFSET(%s) yourself", token,
						 param->slot >= 0 && param->slot < bn->arch->nr_regs ?
						 bn->arch->regs[param->slot] : "$argN"));
	type = arg->field[0] == ':' ? arg->field + 1 : param->type;
	if (!param->type[0] || param->slot < 0)
		return fail_arg(bn, kpt_asprintf("'%s': parameter '%s' of %s is a struct, union "
						 "or float passed by value, or follows one: it "
						 "cannot be fetched from a register", token,
						 arg->ident, bn->function));
	if (bn->features->fetch_argn && (!bn->exit || bn->features->return_argn))
		snprintf(where, sizeof(where), "$arg%d", param->slot + 1);
	else if (param->slot < bn->arch->nr_regs)
		snprintf(where, sizeof(where), "%s", bn->arch->regs[param->slot]);
	else
		return fail_arg(bn, kpt_asprintf("'%s': parameter '%s' of %s is argument %d, and "
						 "only the first %d are in registers (%s)", token,
						 arg->ident, bn->function, param->slot + 1,
						 bn->arch->nr_regs, bn->arch->name));
	text = kpt_asprintf("%s=%s:%s", arg->name[0] ? arg->name : arg->ident, where, type);
	ret = text ? append(bn, text) : -1;
	free(text);
	return ret;
}

static int by_name_token(const char *token, void *ctx)
{
	struct by_name *bn = ctx;
	struct fetcharg arg;

	cut_fetcharg(token, &arg);
	if (bn->exit && !bn->features->return_argn &&
	    (arg.ident[0] || strstr(token, "$arg")))
		return fail_arg(bn, kpt_asprintf("'%s': this kernel's return probes cannot fetch "
						 "the function's arguments (its tracefs README "
						 "lists no $arg<N> under 'kernel return probes "
						 "support'); fetch them at the entry", token));
	if (!arg.ident[0])
		return append(bn, token);
	/* the kernel takes names itself: only a name BTF does not list is told here */
	if (bn->features->btf_args) {
		if (bn->params && !find_param(bn, arg.ident))
			return unknown_param(bn, token, &arg);
		return append(bn, token);
	}
	return translate(bn, token, &arg);
}

static char *no_btf_message(const char *fetchargs, const struct kpt_arch *arch)
{
	return kpt_asprintf("'%s': argument names need the kernel's BTF type information, "
			    "and this kernel has none (no " KPT_BTF_VMLINUX ", "
			    "CONFIG_DEBUG_INFO_BTF is off): fetch arguments by position instead, "
			    "with $argN or the registers %s %s %s ... (%s)", fetchargs,
			    arch->regs[0], arch->regs[1], arch->regs[2], arch->name);
}

/**
 * kpt_features_args_by_name - spell a kernel function's parameter names as this kernel fetches them
 * @fetchargs: the fetch-args, e.g. "count" or "n=count buf:x64 len=%dx"
 * @function: the probed function, without module or +OFFSET
 * @exit: the fetch-args are the return probe's
 * @features: btf_args, fetch_argn and return_argn are read
 * @arch: the registers of the machine traced
 * @btf: the kernel's type information, or NULL if it has none
 * @errmsg: on failure, a malloc'd message naming the argument and what to do
 *
 * A kernel that resolves names itself (its README lists <argname>) gets
 * them unchanged, once @btf (if given) confirms the function has them. Elsewhere each name becomes NAME=$argN:TYPE (or the N-th
 * register without $arg<N>), N and TYPE read from BTF: integers and enums by
 * size and sign, pointers in hex (x64; a string needs +0(...):string or
 * :ustring, which the user chooses). An explicit :TYPE is kept. A return
 * probe's names and $argN need a kernel whose return probes fetch
 * arguments. Returns the malloc'd fetch-args, or NULL.
 */
char *kpt_features_args_by_name(const char *fetchargs, const char *function, bool exit,
				const struct kpt_features *features, const struct kpt_arch *arch,
				const struct kpt_btf *btf, char **errmsg)
{
	struct by_name bn = {
		.function = function, .exit = exit, .features = features, .arch = arch,
		.btf = btf,
	};
	int ret;

	*errmsg = NULL;
	/* a kernel that takes names needs no BTF here, but gets a name's typo told clearly */
	if (kpt_features_args_named(fetchargs) && features->btf_args && btf) {
		bn.nr_params = kpt_btf_func_params(btf, function, arch->word_size, &bn.params);
		if (bn.nr_params <= 0) {
			free(bn.params);
			bn.params = NULL;
			bn.nr_params = 0;
		}
	} else if (kpt_features_args_named(fetchargs) && !features->btf_args &&
		   (!exit || features->return_argn)) {
		if (!btf) {
			*errmsg = no_btf_message(fetchargs, arch);
			return NULL;
		}
		bn.nr_params = kpt_btf_func_params(btf, function, arch->word_size, &bn.params);
		if (bn.nr_params < 0) {
			if (errno == ENOENT)
				*errmsg = kpt_asprintf("'%s': the kernel's BTF does not describe "
						       "function %s (a module's, or one without "
						       "type information): fetch arguments with "
						       "$argN or registers", fetchargs, function);
			return NULL;
		}
	}
	ret = each_token(fetchargs, by_name_token, &bn);
	free(bn.params);
	if (ret) {
		*errmsg = bn.errmsg;
		free(bn.out);
		return NULL;
	}
	return bn.out ? bn.out : strdup("");
}
