// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel function globs: a kernel function probe whose symbol has '*', '?'
 * or '[' is expanded, before parsing, into one probe per matching function
 * of available_filter_functions (which leaves out notrace functions), less
 * the kprobe blacklist, each with the glob's fetch-args, in the order the
 * kernel lists them. Past KPT_GLOB_MAX_PROBES functions the glob is refused.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/glob.h"
#include "probe/probe.h"
#include "util.h"

#define KPROBE_BLACKLIST "/sys/kernel/debug/kprobes/blacklist"

static char *read_file(const char *path);

/**
 * kpt_glob_is_pattern - whether a kernel symbol is a glob
 * @symbol: the probe's first word
 */
bool kpt_glob_is_pattern(const char *symbol)
{
	return strcspn(symbol, "*?[") < strcspn(symbol, " \t");
}

/* Whether @text has a line "...<blank>NAME" or "NAME" (the blacklist: "0xA-0xB\tNAME"). */
static bool listed(const char *text, const char *name, size_t len)
{
	const char *p = text;

	while (text && (p = strstr(p, name))) {
		bool start = p == text || p[-1] == '\n' || p[-1] == '\t' || p[-1] == ' ';
		bool end = p[len] == '\n' || !p[len] || p[len] == ' ';

		/* strstr found @name as a C string: compare only the first @len bytes. */
		if (start && end)
			return true;
		p += 1;
	}
	return false;
}

static bool seen(char **names, int nr, const char *name)
{
	int i;

	for (i = 0; i < nr; i++) {
		if (!strcmp(names[i], name))
			return true;
	}
	return false;
}

/**
 * kpt_glob_match_functions - the functions a glob matches
 * @pattern: the glob, fnmatch(3) syntax
 * @functions: available_filter_functions' text: a name per line, perhaps with " [module]"
 * @blacklist: the kprobe blacklist's text ("0xSTART-0xEND\tNAME" lines), or NULL
 * @max: the most functions allowed
 * @names: set to a malloc'd array of malloc'd names, each once, in @functions' order
 * @nr: set to its length
 * @errmsg: on failure, a malloc'd message naming @pattern (NULL when out of memory)
 *
 * Returns 0, or -1 when nothing matches, more than @max do, or out of memory.
 */
int kpt_glob_match_functions(const char *pattern, const char *functions, const char *blacklist,
			     int max, char ***names, int *nr, char **errmsg)
{
	const char *line, *next;
	int over = 0, i;

	*names = NULL;
	*nr = 0;
	*errmsg = NULL;
	for (line = functions; line && *line; line = next) {
		size_t len = strcspn(line, " \n");
		char *name, **grown;

		next = strchr(line, '\n');
		next = next ? next + 1 : NULL;
		name = strndup(line, len);
		if (!name)
			goto fail;
		if (!len || fnmatch(pattern, name, 0) || listed(blacklist, name, len) ||
		    seen(*names, *nr, name)) {
			free(name);
			continue;
		}
		if (*nr >= max) {
			over++;
			free(name);
			continue;
		}
		grown = realloc(*names, (*nr + 1) * sizeof(**names));
		if (!grown) {
			free(name);
			goto fail;
		}
		*names = grown;
		grown[(*nr)++] = name;
	}
	if (over) {
		*errmsg = kpt_asprintf("'%s' matches %d kernel functions, more than the limit of %d (each is a kprobe and a kretprobe): narrow the pattern or raise --max-probes",
				       pattern, *nr + over, max);
		goto fail;
	}
	if (!*nr) {
		*errmsg = kpt_asprintf("'%s' matches no traceable kernel function (available_filter_functions, less the kprobe blacklist); 'kptrace list functions GLOB' shows what does",
				       pattern);
		goto fail;
	}
	return 0;
fail:
	for (i = 0; i < *nr; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	*nr = 0;
	return -1;
}

/**
 * kpt_glob_read_blacklist - the kprobe blacklist's text (debugfs), or NULL if unreadable
 *
 * Returns a malloc'd string, which the caller frees.
 */
char *kpt_glob_read_blacklist(void)
{
	return read_file(KPROBE_BLACKLIST);
}

static char *read_file(const char *path)
{
	char *text = NULL, buf[65536];
	size_t size = 0, n;
	FILE *f = fopen(path, "r"), *mem;

	if (!f)
		return NULL;
	mem = open_memstream(&text, &size);
	if (!mem) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(f);
	if (fclose(mem)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Expand one glob @spec (its first word the pattern) onto *@out. */
static int expand_one(const char *spec, const char *functions, const char *blacklist, int max,
		      char ***out, int *nr_out, char **errmsg)
{
	size_t len = strcspn(spec, " \t");
	char *pattern = strndup(spec, len), **names = NULL, *why = NULL;
	int nr = 0, i, ret = -1;

	if (!pattern)
		return -1;
	if (kpt_glob_match_functions(pattern, functions, blacklist, max, &names, &nr, &why) < 0) {
		*errmsg = why ? kpt_asprintf("probe '%s': %s", spec, why) : NULL;
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (kpt_strv_push(out, nr_out, kpt_asprintf("%s%s", names[i], spec + len)) < 0)
			goto out;
	}
	ret = 0;
out:
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	free(why);
	free(pattern);
	return ret;
}

/**
 * kpt_glob_expand_specs - replace every kernel function glob among probe specifications
 * @specs: the specifications; each is either moved to @out or freed, and @specs is freed
 * @nr: how many
 * @max: the most functions one glob may expand to; 0 for KPT_GLOB_MAX_PROBES
 * @out: set to a malloc'd array of malloc'd specifications
 * @nr_out: set to its length
 * @errmsg: on failure, a malloc'd message (NULL when out of memory)
 *
 * Returns 0, or -1 (with @out freed and NULL).
 */
int kpt_glob_expand_specs(char **specs, int nr, int max, char ***out, int *nr_out,
			  char **errmsg)
{
	char *functions = NULL, *blacklist = NULL;
	bool read = false;
	int i, ret = 0;

	*out = NULL;
	*nr_out = 0;
	*errmsg = NULL;
	for (i = 0; i < nr; i++) {
		const struct kpt_probe_type *type = ret ? NULL : kpt_probe_type_of(specs[i]);

		if (ret < 0 || !type || strcmp(type->name, "kprobe") ||
		    !kpt_glob_is_pattern(specs[i])) {
			if (ret == 0 && kpt_strv_push(out, nr_out, specs[i]) < 0)
				ret = -1;
			else if (ret < 0)
				free(specs[i]);
			continue;
		}
		if (!read) {
			read = true;
			if (!tracefs_file_exists(NULL, "kprobe_events")) {
				*errmsg = kpt_asprintf("probe '%s': this kernel has no kprobe support (no kprobe_events in tracefs), so no kernel function can be traced; 'kptrace check' lists what it supports",
						       specs[i]);
				ret = -1;
			} else {
				functions = tracefs_instance_file_read(NULL,
								       "available_filter_functions",
								       NULL);
				if (!functions) {
					*errmsg = kpt_asprintf("probe '%s': cannot read available_filter_functions in tracefs (%s), which a glob is matched against",
							       specs[i], strerror(errno));
					ret = -1;
				}
				blacklist = kpt_glob_read_blacklist();
			}
		}
		if (ret == 0 && expand_one(specs[i], functions, blacklist,
					   max ? max : KPT_GLOB_MAX_PROBES, out, nr_out, errmsg) < 0)
			ret = -1;
		free(specs[i]);
	}
	free(specs);
	free(functions);
	free(blacklist);
	if (ret < 0) {
		for (i = 0; i < *nr_out; i++)
			free((*out)[i]);
		free(*out);
		*out = NULL;
		*nr_out = 0;
	}
	return ret;
}
