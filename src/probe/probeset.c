// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Probe sets: the one parser of kptrace-events(5) files, the search for a
 * set by name and the choice of the variant that fits the running kernel.
 *
 * A file is a list of lines, '#' starting a comment:
 *
 *   description TEXT
 *   variant [arch=ARCH[,ARCH...]]
 *   requires function NAME | tracepoint SYSTEM:EVENT | readme TEXT
 *   probe SPEC
 *
 * "requires" and "probe" lines belong to the variant above them (to an
 * implicit variant for any architecture before the first "variant"). Every
 * probe is parsed here already, so a bad file fails whole, naming file:line,
 * before anything reaches tracefs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <tracefs.h>

#include "probe/probe.h"
#include "probe/probeset.h"
#include "util.h"

#ifndef KPT_EVENTS_DIR
#define KPT_EVENTS_DIR "/usr/local/share/kptrace/events"
#endif

/* The architectures a variant may name: uname -m, with "arm" for every 32-bit arm. */
static const char *const known_arches[] = { "x86_64", "aarch64", "arm" };

/**
 * kpt_probeset_arch_matches - whether a variant's architecture name fits a machine
 * @pattern: a name of kptrace-events(5): "x86_64", "aarch64" or "arm"
 * @arch: the machine as uname -m spells it; "arm" fits armv6l, armv7l and the like
 */
bool kpt_probeset_arch_matches(const char *pattern, const char *arch)
{
	if (strcmp(pattern, "arm") == 0)
		return strncmp(arch, "arm", 3) == 0;
	return strcmp(pattern, arch) == 0;
}

static bool known_arch(const char *arch)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_arches); i++) {
		if (strcmp(arch, known_arches[i]) == 0)
			return true;
	}
	return false;
}

static void free_variant(struct kpt_probeset_variant *v)
{
	int i;

	for (i = 0; i < v->nr_arches; i++)
		free(v->arches[i]);
	free(v->arches);
	for (i = 0; i < v->nr_requires; i++)
		free(v->requires[i].what);
	free(v->requires);
	for (i = 0; i < v->nr_probes; i++)
		free(v->probes[i]);
	free(v->probes);
}

/**
 * kpt_probeset_free - free a probe set and all it holds
 * @set: the set, or NULL
 */
void kpt_probeset_free(struct kpt_probeset *set)
{
	int i;

	if (!set)
		return;
	for (i = 0; i < set->nr_variants; i++)
		free_variant(&set->variants[i]);
	free(set->variants);
	free(set->name);
	free(set->path);
	free(set->description);
	free(set);
}

static struct kpt_probeset_variant *new_variant(struct kpt_probeset *set, int line)
{
	struct kpt_probeset_variant *grown;

	grown = realloc(set->variants, (set->nr_variants + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	set->variants = grown;
	grown = &set->variants[set->nr_variants++];
	memset(grown, 0, sizeof(*grown));
	grown->line = line;
	return grown;
}

static int parse_arches(struct kpt_probeset_variant *v, const char *list, char **why)
{
	char *copy = strdup(list), *save = NULL, *arch;
	int ret = 0;

	if (!copy)
		return -1;
	for (arch = strtok_r(copy, ",", &save); arch; arch = strtok_r(NULL, ",", &save)) {
		if (!known_arch(arch)) {
			*why = kpt_asprintf("unknown architecture '%s' (known: x86_64, aarch64, arm)",
					    arch);
			ret = -1;
			break;
		}
		if (kpt_strv_push(&v->arches, &v->nr_arches, strdup(arch)) < 0) {
			ret = -1;
			break;
		}
	}
	if (!ret && !v->nr_arches) {
		*why = strdup("'arch=' names no architecture");
		ret = -1;
	}
	free(copy);
	return ret;
}

static int parse_variant(struct kpt_probeset_variant *v, char *rest, char **why)
{
	char *save = NULL, *word;

	for (word = strtok_r(rest, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (strncmp(word, "arch=", 5) != 0) {
			*why = kpt_asprintf("unknown variant condition '%s' (expected arch=ARCH[,ARCH])",
					    word);
			return -1;
		}
		if (v->nr_arches) {
			*why = strdup("'arch=' given twice (list the architectures in one, with commas)");
			return -1;
		}
		if (parse_arches(v, word + 5, why) < 0)
			return -1;
	}
	return 0;
}

static int parse_requires(struct kpt_probeset_variant *v, const char *rest, char **why)
{
	static const struct {
		const char *word;
		enum kpt_require_kind kind;
	} kinds[] = {
		{ "function", KPT_REQUIRE_FUNCTION },
		{ "tracepoint", KPT_REQUIRE_TRACEPOINT },
		{ "readme", KPT_REQUIRE_README },
	};
	size_t len = strcspn(rest, " \t"), i;
	const char *what = rest + len;
	struct kpt_require *grown;

	what += strspn(what, " \t");
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strlen(kinds[i].word) == len && strncmp(rest, kinds[i].word, len) == 0)
			break;
	}
	if (i == ARRAY_SIZE(kinds)) {
		*why = kpt_asprintf("unknown requirement '%.*s' (expected function, tracepoint or readme)",
				    (int)len, rest);
		return -1;
	}
	if (!*what) {
		*why = kpt_asprintf("'requires %s' names nothing", kinds[i].word);
		return -1;
	}
	if (kinds[i].kind != KPT_REQUIRE_README && what[strcspn(what, " \t")]) {
		*why = kpt_asprintf("'requires %s' takes one name, not '%s'", kinds[i].word, what);
		return -1;
	}
	if (kinds[i].kind == KPT_REQUIRE_TRACEPOINT && !strchr(what, ':')) {
		*why = kpt_asprintf("'requires tracepoint %s': write SYSTEM:EVENT", what);
		return -1;
	}
	grown = realloc(v->requires, (v->nr_requires + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	v->requires = grown;
	grown[v->nr_requires].kind = kinds[i].kind;
	grown[v->nr_requires].what = strdup(what);
	if (!grown[v->nr_requires].what)
		return -1;
	v->nr_requires++;
	return 0;
}

static int parse_probe_line(struct kpt_probeset_variant *v, const char *spec, char **why)
{
	struct kpt_probe probe;
	char *errmsg = NULL;
	int ret;

	if (spec[0] == '@') {
		*why = kpt_asprintf("'%s': a set cannot name another set", spec);
		return -1;
	}
	ret = kpt_probe_parse(spec, &probe, &errmsg);
	kpt_probe_release(&probe);
	if (ret < 0) {
		*why = errmsg;
		return -1;
	}
	return kpt_strv_push(&v->probes, &v->nr_probes, strdup(spec));
}

/* Parse one line (comment and trailing blanks gone); *why is set on a syntax error. */
static int parse_line(struct kpt_probeset *set, char *line, int lineno, char **why)
{
	size_t len = strcspn(line, " \t");
	char *rest = line + len + strspn(line + len, " \t");
	struct kpt_probeset_variant *v;

	line[len] = '\0';
	if (strcmp(line, "description") == 0) {
		if (set->description) {
			*why = strdup("a second 'description'");
			return -1;
		}
		if (!*rest) {
			*why = strdup("'description' with no text");
			return -1;
		}
		set->description = strdup(rest);
		return set->description ? 0 : -1;
	}
	if (strcmp(line, "variant") == 0) {
		v = new_variant(set, lineno);
		return v ? parse_variant(v, rest, why) : -1;
	}
	if (strcmp(line, "requires") != 0 && strcmp(line, "probe") != 0) {
		*why = kpt_asprintf("unknown keyword '%s' (expected description, variant, requires or probe)",
				    line);
		return -1;
	}
	if (!set->nr_variants && !new_variant(set, lineno))
		return -1;
	v = &set->variants[set->nr_variants - 1];
	if (line[0] == 'r') {
		if (v->nr_probes) {
			*why = strdup("'requires' after the variant's probes (put it above them)");
			return -1;
		}
		return parse_requires(v, rest, why);
	}
	if (!*rest) {
		*why = strdup("'probe' with no specification");
		return -1;
	}
	return parse_probe_line(v, rest, why);
}

/**
 * kpt_probeset_parse - parse the text of a probe-set file
 * @name: the set's name (what follows '@')
 * @path: the file, for messages
 * @text: its contents
 * @errmsg: on failure, a malloc'd message "PATH:LINE: what is wrong", or NULL when out of memory
 *
 * Every probe specification is parsed (not created), so a file with a bad
 * one fails here. Returns the set, which the caller frees with
 * kpt_probeset_free(), or NULL.
 */
struct kpt_probeset *kpt_probeset_parse(const char *name, const char *path, const char *text,
					char **errmsg)
{
	struct kpt_probeset *set = calloc(1, sizeof(*set));
	char *copy = strdup(text), *line, *next, *why = NULL;
	int lineno = 0, i;

	*errmsg = NULL;
	if (!set || !copy)
		goto fail;
	set->name = strdup(name);
	set->path = strdup(path);
	if (!set->name || !set->path)
		goto fail;
	for (line = copy; line; line = next) {
		char *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "#")] = '\0';
		line += strspn(line, " \t\r");
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (!*line)
			continue;
		if (parse_line(set, line, lineno, &why) < 0) {
			if (why)
				*errmsg = kpt_asprintf("%s:%d: %s", path, lineno, why);
			goto fail;
		}
	}
	if (!set->nr_variants) {
		*errmsg = kpt_asprintf("%s: no probes (a set needs at least one 'probe' line)",
				       path);
		goto fail;
	}
	for (i = 0; i < set->nr_variants; i++) {
		if (!set->variants[i].nr_probes) {
			*errmsg = kpt_asprintf("%s:%d: variant with no 'probe' line", path,
					       set->variants[i].line);
			goto fail;
		}
	}
	free(copy);
	return set;
fail:
	free(why);
	free(copy);
	kpt_probeset_free(set);
	return NULL;
}

/**
 * kpt_probeset_read - read and parse a probe-set file
 * @name: the set's name
 * @path: the file
 * @errmsg: on failure, a malloc'd message naming @path
 *
 * Returns the set (free with kpt_probeset_free()), or NULL.
 */
struct kpt_probeset *kpt_probeset_read(const char *name, const char *path, char **errmsg)
{
	struct kpt_probeset *set;
	char *text = NULL;
	size_t size = 0;
	FILE *f, *mem;
	int c;

	*errmsg = NULL;
	f = fopen(path, "r");
	if (!f) {
		*errmsg = kpt_asprintf("cannot read probe set file %s: %s", path, strerror(errno));
		return NULL;
	}
	mem = open_memstream(&text, &size);
	if (!mem) {
		fclose(f);
		return NULL;
	}
	while ((c = getc(f)) != EOF)
		putc(c, mem);
	fclose(f);
	if (fclose(mem) != 0) {
		free(text);
		return NULL;
	}
	set = kpt_probeset_parse(name, path, text, errmsg);
	free(text);
	return set;
}

/**
 * kpt_probeset_user_dir - the directory of a user's own probe sets
 *
 * $XDG_CONFIG_HOME/kptrace/events, or ~/.config/kptrace/events. Returns it
 * malloc'd, or NULL without a home directory or memory.
 */
char *kpt_probeset_user_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return kpt_asprintf("%s/kptrace/events", xdg);
	if (home && *home)
		return kpt_asprintf("%s/.config/kptrace/events", home);
	return NULL;
}

/**
 * kpt_probeset_system_dir - the directory of the probe sets installed with kptrace
 *
 * $KPTRACE_EVENTS_DIR if set, else $(datadir)/kptrace/events. The string is
 * not to be freed.
 */
const char *kpt_probeset_system_dir(void)
{
	const char *dir = getenv("KPTRACE_EVENTS_DIR");

	return dir && *dir ? dir : KPT_EVENTS_DIR;
}

static bool valid_set_name(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++) {
		if (!isalnum((unsigned char)*name) && *name != '_' && *name != '-')
			return false;
	}
	return true;
}

/**
 * kpt_probeset_load - find a probe set by name and read it
 * @name: the name after '@', e.g. "vfs"
 * @errmsg: on failure, a malloc'd message naming the set and where it was looked for
 *
 * The user's directory (kpt_probeset_user_dir()) goes first, so a user's set
 * replaces an installed one of the same name; then kpt_probeset_system_dir().
 * The file is NAME.events. Returns the set (free with kpt_probeset_free()), or NULL.
 */
struct kpt_probeset *kpt_probeset_load(const char *name, char **errmsg)
{
	char *user = kpt_probeset_user_dir(), *path = NULL;
	struct kpt_probeset *set = NULL;

	*errmsg = NULL;
	if (!valid_set_name(name)) {
		*errmsg = kpt_asprintf("'@%s': a probe set's name has only letters, digits, '_' and '-'",
				       name);
		goto out;
	}
	if (user) {
		path = kpt_asprintf("%s/%s.events", user, name);
		if (path && access(path, F_OK) == 0) {
			set = kpt_probeset_read(name, path, errmsg);
			goto out;
		}
		free(path);
	}
	path = kpt_asprintf("%s/%s.events", kpt_probeset_system_dir(), name);
	if (path && access(path, F_OK) == 0) {
		set = kpt_probeset_read(name, path, errmsg);
		goto out;
	}
	*errmsg = kpt_asprintf("no probe set '@%s': no %s.events in %s%s%s ('kptrace list' shows the sets)",
			       name, name, user ? user : "", user ? " or " : "",
			       kpt_probeset_system_dir());
out:
	free(path);
	free(user);
	return set;
}

static const char *require_word(enum kpt_require_kind kind)
{
	switch (kind) {
	case KPT_REQUIRE_FUNCTION:
		return "function";
	case KPT_REQUIRE_TRACEPOINT:
		return "tracepoint";
	default:
		return "readme";
	}
}

/* Why @v does not fit @kernel, malloc'd; NULL if it fits (or out of memory: *oom). */
static char *misfit(const struct kpt_probeset_variant *v, const struct kpt_kernel_probe *kernel,
		    bool *oom)
{
	int i;

	*oom = false;
	if (v->nr_arches) {
		for (i = 0; i < v->nr_arches; i++) {
			if (kpt_probeset_arch_matches(v->arches[i], kernel->arch))
				break;
		}
		if (i == v->nr_arches) {
			char *why = kpt_asprintf("not for %s", kernel->arch);

			*oom = !why;
			return why;
		}
	}
	for (i = 0; i < v->nr_requires; i++) {
		if (!kernel->has(&v->requires[i], kernel->data)) {
			char *why = kpt_asprintf("this kernel lacks %s '%s'",
						 require_word(v->requires[i].kind),
						 v->requires[i].what);

			*oom = !why;
			return why;
		}
	}
	return NULL;
}

/**
 * kpt_probeset_choose - the first variant of a set that fits the kernel
 * @set: the set
 * @kernel: the machine and its requirement check
 * @errmsg: when none fits, a malloc'd message naming each variant's line and why not
 *
 * Returns the variant (owned by @set), or NULL.
 */
const struct kpt_probeset_variant *kpt_probeset_choose(const struct kpt_probeset *set,
							const struct kpt_kernel_probe *kernel,
							char **errmsg)
{
	char *msg = NULL;
	int i;

	*errmsg = NULL;
	msg = kpt_asprintf("probe set '@%s' (%s) has no variant for this kernel:", set->name,
			   set->path);
	for (i = 0; msg && i < set->nr_variants; i++) {
		const struct kpt_probeset_variant *v = &set->variants[i];
		bool oom;
		char *why = misfit(v, kernel, &oom), *longer;

		if (!why && !oom) {
			free(msg);
			return v;
		}
		longer = why ? kpt_asprintf("%s%s line %d: %s", msg, i ? ";" : "", v->line, why) :
			       NULL;
		free(why);
		free(msg);
		msg = longer;
	}
	*errmsg = msg;
	return NULL;
}

/* The running kernel, for kpt_kernel_probe_host(). */
struct host_kernel {
	char arch[65];
	char *functions;	/* available_filter_functions, "\n"-led, or NULL until read */
	char *readme;
	bool functions_read, readme_read;
};

static char *read_tracefs(const char *file)
{
	char *text = tracefs_instance_file_read(NULL, file, NULL);
	char *led;

	if (!text)
		return NULL;
	led = kpt_asprintf("\n%s", text);
	free(text);
	return led;
}

/* Whether @text ("\n"-led lines) has a line that is @name, alone or before " [module]". */
static bool has_line(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *p = text;

	while ((p = strstr(p, name))) {
		if (p > text && p[-1] == '\n' && (p[len] == '\n' || p[len] == ' ' || !p[len]))
			return true;
		p += len;
	}
	return false;
}

static bool host_has(const struct kpt_require *req, void *data)
{
	struct host_kernel *host = data;
	char *path, *colon;
	bool ret;

	if (!host)
		return false;
	switch (req->kind) {
	case KPT_REQUIRE_FUNCTION:
		if (!host->functions_read) {
			host->functions = read_tracefs("available_filter_functions");
			host->functions_read = true;
		}
		/* Unreadable (no function tracer, or locked down): unknown, so taken as met. */
		return !host->functions || has_line(host->functions, req->what);
	case KPT_REQUIRE_TRACEPOINT:
		path = strdup(req->what);
		if (!path)
			return false;
		colon = strchr(path, ':');
		*colon = '\0';
		ret = tracefs_event_file_exists(NULL, path, colon + 1, "format");
		free(path);
		return ret;
	default:
		if (!host->readme_read) {
			host->readme = read_tracefs("README");
			host->readme_read = true;
		}
		return host->readme && strstr(host->readme, req->what);
	}
}

/**
 * kpt_kernel_probe_host - the running kernel, for kpt_probeset_choose()
 * @kernel: filled in; release with kpt_kernel_probe_host_release()
 *
 * The tracefs files it asks (available_filter_functions, README) are read
 * the first time a requirement needs them.
 */
void kpt_kernel_probe_host(struct kpt_kernel_probe *kernel)
{
	struct host_kernel *host = calloc(1, sizeof(*host));
	struct utsname uts;

	kernel->arch = "";
	kernel->has = host_has;
	kernel->data = host;
	if (!host || uname(&uts) < 0)
		return;
	snprintf(host->arch, sizeof(host->arch), "%s", uts.machine);
	kernel->arch = host->arch;
}

/**
 * kpt_kernel_probe_host_release - free what kpt_kernel_probe_host() read
 * @kernel: the kernel description
 */
void kpt_kernel_probe_host_release(struct kpt_kernel_probe *kernel)
{
	struct host_kernel *host = kernel->data;

	if (host) {
		free(host->functions);
		free(host->readme);
		free(host);
	}
	kernel->data = NULL;
}

/* Append @spec unless @out has it already; *@from_set (if any) says whether a set gave it. */
static int push_unique(char ***out, bool **from_set, int *nr_out, const char *spec, bool set)
{
	bool *grown;
	int i;

	for (i = 0; from_set && i < *nr_out; i++) {
		if (strcmp((*out)[i], spec) == 0)
			return 0;
	}
	if (kpt_strv_push(out, nr_out, strdup(spec)) < 0)
		return -1;
	if (!from_set)
		return 0;
	grown = realloc(*from_set, *nr_out * sizeof(**from_set));
	if (!grown)
		return -1;
	grown[*nr_out - 1] = set;
	*from_set = grown;
	return 0;
}

/*
 * Expand every @NAME of @specs: into the probes of its first variant that fits
 * @kernel, or with @kernel NULL into the probes of all its variants, each once
 * (@from_set then says which came from a set).
 */
static int expand(char *const *specs, int nr, const struct kpt_kernel_probe *kernel,
		  char ***out, bool **from_set, int *nr_out, char **errmsg)
{
	int i, j, k;

	for (i = 0; i < nr; i++) {
		const struct kpt_probeset_variant *v;
		struct kpt_probeset *set;
		int ret = 0;

		if (specs[i][0] != '@') {
			if (push_unique(out, from_set, nr_out, specs[i], false) < 0)
				return -1;
			continue;
		}
		set = kpt_probeset_load(specs[i] + 1, errmsg);
		if (!set)
			return -1;
		if (kernel) {
			v = kpt_probeset_choose(set, kernel, errmsg);
			for (j = 0; v && j < v->nr_probes && ret == 0; j++)
				ret = push_unique(out, NULL, nr_out, v->probes[j], true);
			ret = v ? ret : -1;
		}
		for (k = 0; !kernel && k < set->nr_variants && ret == 0; k++) {
			v = &set->variants[k];
			for (j = 0; j < v->nr_probes && ret == 0; j++)
				ret = push_unique(out, from_set, nr_out, v->probes[j], true);
		}
		kpt_probeset_free(set);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/**
 * kpt_probeset_expand - replace every @NAME among probe specifications by its set's probes
 * @specs: the specifications, as given
 * @nr: how many
 * @out: set to a malloc'd array of malloc'd specifications; free with kpt_probeset_specs_free()
 * @nr_out: set to its length
 * @errmsg: on failure, a malloc'd message (NULL when out of memory)
 *
 * Each set gives the probes of its first variant that fits the running
 * kernel. Returns 0, or -1.
 */
int kpt_probeset_expand(char *const *specs, int nr, char ***out, int *nr_out, char **errmsg)
{
	struct kpt_kernel_probe kernel = { 0 };
	int ret;

	*out = NULL;
	*nr_out = 0;
	*errmsg = NULL;
	kpt_kernel_probe_host(&kernel);
	ret = expand(specs, nr, &kernel, out, NULL, nr_out, errmsg);
	kpt_kernel_probe_host_release(&kernel);
	if (ret < 0) {
		kpt_probeset_specs_free(*out, *nr_out);
		*out = NULL;
		*nr_out = 0;
	}
	return ret;
}

/**
 * kpt_probeset_expand_recorded - expand @NAMEs for a recorded file, whatever its kernel
 * @specs: the specifications, as given
 * @nr: how many
 * @out: as kpt_probeset_expand()'s
 * @from_set: set to a malloc'd array, in step with @out: whether a set gave the
 *	specification (then the file may lack it) rather than the user
 * @nr_out: set to the length of both
 * @errmsg: on failure, a malloc'd message (NULL when out of memory)
 *
 * The file was recorded on some kernel, not necessarily this one, so a set
 * gives the probes of all its variants, each once. Returns 0, or -1.
 */
int kpt_probeset_expand_recorded(char *const *specs, int nr, char ***out, bool **from_set,
				 int *nr_out, char **errmsg)
{
	*out = NULL;
	*from_set = NULL;
	*nr_out = 0;
	*errmsg = NULL;
	if (expand(specs, nr, NULL, out, from_set, nr_out, errmsg) == 0)
		return 0;
	kpt_probeset_specs_free(*out, *nr_out);
	free(*from_set);
	*out = NULL;
	*from_set = NULL;
	*nr_out = 0;
	return -1;
}

/**
 * kpt_probeset_specs_free - free what kpt_probeset_expand() gave
 * @specs: the array, or NULL
 * @nr: its length
 */
void kpt_probeset_specs_free(char **specs, int nr)
{
	int i;

	for (i = 0; specs && i < nr; i++)
		free(specs[i]);
	free(specs);
}
