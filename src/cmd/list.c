// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace list: what kptrace can use, one sub-list per kind of thing. Each
 * sub-list is one row of the table below and one function.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tracefs.h>

#include "analyse/plugin.h"
#include "cmd/commands.h"
#include "probe/elf_sym.h"
#include "probe/glob.h"
#include "probe/probeset.h"
#include "util.h"

struct list_kind {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int list_plugins(int argc, char **argv);
static int list_sets(int argc, char **argv);
static int list_functions(int argc, char **argv);
static int list_tracepoints(int argc, char **argv);
static int list_syscalls(int argc, char **argv);

/* The first row is what "kptrace list" alone shows. */
static const struct list_kind list_kinds[] = {
	{ "sets", list_sets, "the probe sets (@NAME), user's and installed (the default)" },
	{ "functions", list_functions,
	  "GLOB: the kernel functions a probe can name (kprobe blacklist left out)" },
	{ "tracepoints", list_tracepoints, "[GLOB]: the tracepoints, SYSTEM:EVENT, for tp:" },
	{ "syscalls", list_syscalls, "the system calls syscall:NAME can trace" },
	{ "plugins", list_plugins, "the analyser plugins of the plugin directory, and their options" },
};

static void list_usage(FILE *out)
{
	size_t i;

	fputs("usage: kptrace list [WHAT]\n", out);
	fputs("       kptrace list OBJECT [GLOB]\n\nWhat kptrace can use:\n", out);
	for (i = 0; i < ARRAY_SIZE(list_kinds); i++)
		fprintf(out, "  %-12s %s\n", list_kinds[i].name, list_kinds[i].summary);
	fputs("  OBJECT       [GLOB]: the functions of a binary or library, for OBJECT:SYMBOL\n", out);
}

static int so_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 3 && strcmp(d->d_name + len - 3, ".so") == 0;
}

static void print_plugin(const char *file, const struct kpt_analyser_desc *desc)
{
	const struct kpt_analyser_option *opt;
	size_t len = strlen(file) - 3;

	printf("  %-14s %s\n", desc->name, desc->summary ? desc->summary : "");
	if (strlen(desc->name) != len || strncmp(desc->name, file, len) != 0)
		printf("    (in %s: --plugin %.*s)\n", file, (int)len, file);
	for (opt = desc->options; opt && opt->name; opt++) {
		const char *help = opt->help ? opt->help : "";
		const char *colon = strchr(help, ':');

		/* "VALUE: what it does" prints as "NAME=VALUE  what it does" */
		if (colon)
			printf("    %s=%.*s  %s\n", opt->name, (int)(colon - help), help,
			       colon[1] == ' ' ? colon + 2 : colon + 1);
		else
			printf("    %s=  %s\n", opt->name, help);
	}
}

/* kptrace list plugins: every NAME.so of the plugin directory, loaded and checked. */
static int list_plugins(int argc, char **argv)
{
	const char *dir = kpt_plugin_dir();
	struct dirent **files = NULL;
	int i, nr, broken = 0, ret = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: kptrace list plugins\n");
		return 2;
	}
	nr = scandir(dir, &files, so_file, alphasort);
	if (nr < 0) {
		kpt_err("plugin directory %s: %s; set KPTRACE_PLUGIN_DIR to the directory of the plugins",
			dir, strerror(errno));
		return 1;
	}
	printf("Plugins in %s (--plugin NAME):\n", dir);
	if (!nr)
		printf("  none\n");
	for (i = 0; i < nr; i++) {
		struct kpt_plugin *plugin = NULL;
		char *path = kpt_asprintf("%s/%s", dir, files[i]->d_name);
		char *errmsg = NULL;

		if (!path) {
			kpt_err("out of memory");
			ret = 1;
			free(files[i]);
			continue;
		}
		if (kpt_plugin_open(path, &plugin, &errmsg) == 0) {
			print_plugin(files[i]->d_name, kpt_plugin_desc(plugin));
		} else {
			printf("  %-14s BROKEN: %s\n", files[i]->d_name,
			       errmsg ? errmsg : "out of memory");
			broken++;
		}
		kpt_plugin_close(plugin);
		free(errmsg);
		free(path);
		free(files[i]);
	}
	free(files);
	if (broken)
		printf("%d broken plugin%s: --plugin refuses %s\n", broken, broken == 1 ? "" : "s",
		       broken == 1 ? "it" : "them");
	return ret;
}

static int events_file(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 7 && strcmp(d->d_name + len - 7, ".events") == 0;
}

/* The sets of @dir, each with its description; *broken counts those that do not parse. */
static void list_sets_in(const char *dir, const char *what, const char *shadow, int *broken)
{
	struct dirent **files = NULL;
	int i, nr;

	nr = dir ? scandir(dir, &files, events_file, alphasort) : -1;
	if (nr < 0) {
		printf("%s (%s): none\n", what, dir ? dir : "no home directory");
		return;
	}
	printf("%s (%s):\n", what, dir);
	if (!nr)
		printf("  none\n");
	for (i = 0; i < nr; i++) {
		char *name = strndup(files[i]->d_name, strlen(files[i]->d_name) - 7);
		char *path = kpt_asprintf("%s/%s", dir, files[i]->d_name), *errmsg = NULL;
		char *other = shadow && name ? kpt_asprintf("%s/%s", shadow, files[i]->d_name) :
			      NULL;
		struct kpt_probeset *set = name && path ? kpt_probeset_read(name, path, &errmsg) :
				   NULL;

		if (set) {
			printf("  @%-12s %s%s\n", name,
			       set->description ? set->description : "(no description)",
			       other && access(other, F_OK) == 0 ? " (replaces the installed one)" :
			       "");
		} else {
			printf("  @%-12s BROKEN: %s\n", name ? name : files[i]->d_name,
			       errmsg ? errmsg : "out of memory");
			(*broken)++;
		}
		kpt_probeset_free(set);
		free(errmsg);
		free(other);
		free(path);
		free(name);
		free(files[i]);
	}
	free(files);
}

/* kptrace list [sets]: the user's sets, then the installed ones. */
static int list_sets(int argc, char **argv)
{
	char *user = kpt_probeset_user_dir();
	int broken = 0;

	(void)argv;
	if (argc > 1) {
		free(user);
		fprintf(stderr, "usage: kptrace list [sets]\n");
		return 2;
	}
	list_sets_in(user, "Your probe sets", kpt_probeset_system_dir(), &broken);
	list_sets_in(kpt_probeset_system_dir(), "Installed probe sets", NULL, &broken);
	free(user);
	if (broken)
		printf("%d broken set%s: see kptrace-events(5)\n", broken, broken == 1 ? "" : "s");
	return broken ? 1 : 0;
}

/* kptrace list functions GLOB: available_filter_functions less the kprobe blacklist. */
static int list_functions(int argc, char **argv)
{
	char *functions, *blacklist, **names = NULL, *errmsg = NULL;
	int i, nr = 0, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: kptrace list functions GLOB (e.g. 'vfs_*')\n");
		return 2;
	}
	functions = tracefs_instance_file_read(NULL, "available_filter_functions", NULL);
	if (!functions) {
		kpt_err("cannot read available_filter_functions in tracefs: %s (the kernel lists its traceable functions there; root and CONFIG_FUNCTION_TRACER are needed)",
			strerror(errno));
		return 1;
	}
	blacklist = kpt_glob_read_blacklist();
	ret = kpt_glob_match_functions(argv[1], functions, blacklist, INT_MAX, &names, &nr,
				       &errmsg);
	for (i = 0; i < nr; i++) {
		printf("%s\n", names[i]);
		free(names[i]);
	}
	free(names);
	if (ret < 0)
		kpt_err("%s", errmsg ? errmsg : "out of memory");
	free(errmsg);
	free(functions);
	free(blacklist);
	return ret < 0 ? 1 : 0;
}

/*
 * Print every SYSTEM:EVENT that matches @glob, or with @syscalls every
 * syscall:NAME with both its tracepoints. Returns how many, or -1.
 */
static int walk_tracepoints(const char *glob, bool syscalls)
{
	char **systems = tracefs_event_systems(NULL), **events;
	int i, j, found = 0;

	if (!systems) {
		kpt_err("cannot read the tracepoints in tracefs: %s", strerror(errno));
		return -1;
	}
	for (i = 0; systems[i]; i++) {
		if (syscalls != !strcmp(systems[i], "syscalls"))
			continue;
		events = tracefs_system_events(NULL, systems[i]);
		for (j = 0; events && events[j]; j++) {
			char *name = kpt_asprintf("%s:%s", systems[i], events[j]);

			if (syscalls && !strncmp(events[j], "sys_enter_", 10)) {
				char *ex = kpt_asprintf("sys_exit_%s", events[j] + 10);

				if (ex &&
				    tracefs_event_file_exists(NULL, "syscalls", ex, "format")) {
					printf("syscall:%s\n", events[j] + 10);
					found++;
				}
				free(ex);
			} else if (!syscalls && name && !fnmatch(glob, name, 0)) {
				printf("%s\n", name);
				found++;
			}
			free(name);
		}
		tracefs_list_free(events);
	}
	tracefs_list_free(systems);
	return found;
}

/* kptrace list tracepoints [GLOB]: SYSTEM:EVENT, sorted as tracefs lists them. */
static int list_tracepoints(int argc, char **argv)
{
	int found;

	if (argc > 2) {
		fprintf(stderr, "usage: kptrace list tracepoints [GLOB] (e.g. 'sched:*')\n");
		return 2;
	}
	found = walk_tracepoints(argc == 2 ? argv[1] : "*", false);
	if (found == 0)
		kpt_err("no tracepoint matches '%s'", argc == 2 ? argv[1] : "*");
	return found > 0 ? 0 : 1;
}

/* kptrace list syscalls: every NAME with sys_enter_NAME and sys_exit_NAME. */
static int list_syscalls(int argc, char **argv)
{
	int found;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: kptrace list syscalls\n");
		return 2;
	}
	found = walk_tracepoints(NULL, true);
	if (found == 0)
		kpt_err("this kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS is off)");
	return found > 0 ? 0 : 1;
}

/* kptrace list OBJECT [GLOB]: the functions OBJECT:SYMBOL can name. */
static int list_object(int argc, char **argv)
{
	char *path, **names = NULL, *errmsg = NULL;
	size_t i, nr = 0, shown = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: kptrace list OBJECT [GLOB]\n");
		return 2;
	}
	path = kpt_elf_find_object(argv[0], 0, &errmsg);
	if (!path) {
		kpt_err("kptrace cannot list '%s': it is no list (see 'kptrace list --help') and %s",
			argv[0], errmsg ? errmsg : "out of memory");
		free(errmsg);
		return 1;
	}
	if (kpt_elf_functions(path, &names, &nr, &errmsg) < 0) {
		kpt_err("%s", errmsg);
		free(errmsg);
		free(path);
		return 1;
	}
	printf("Functions of %s (%s:SYMBOL):\n", path, argv[0]);
	for (i = 0; i < nr; i++) {
		if (argc < 2 || !fnmatch(argv[1], names[i], 0)) {
			printf("  %s\n", names[i]);
			shown++;
		}
		free(names[i]);
	}
	free(names);
	free(path);
	if (!shown)
		printf("  none\n");
	return 0;
}

/**
 * kpt_cmd_list - the "list" command
 * @argc: argument count
 * @argv: arguments: [WHAT [ARGS]]; without WHAT, the probe sets
 *
 * A WHAT that is no list names a binary or library (as OBJECT in OBJECT:SYMBOL).
 * Returns what the sub-list returns: 0, 1 when it cannot be read, 2 on a usage error.
 */
int kpt_cmd_list(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return list_kinds[0].run(1, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		list_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(list_kinds); i++) {
		if (!strcmp(argv[1], list_kinds[i].name))
			return list_kinds[i].run(argc - 1, argv + 1);
	}
	return list_object(argc - 1, argv + 1);
}
