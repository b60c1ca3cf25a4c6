// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kptrace list: what kptrace can use, one sub-list per kind of thing. Each
 * sub-list is one row of the table below and one function.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/plugin.h"
#include "cmd/commands.h"
#include "util.h"

struct list_kind {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int list_plugins(int argc, char **argv);

static const struct list_kind list_kinds[] = {
	{ "plugins", list_plugins, "the analyser plugins of the plugin directory, and their options" },
};

static void list_usage(FILE *out)
{
	size_t i;

	fputs("usage: kptrace list WHAT\n\nWhat kptrace can use:\n", out);
	for (i = 0; i < ARRAY_SIZE(list_kinds); i++)
		fprintf(out, "  %-10s %s\n", list_kinds[i].name, list_kinds[i].summary);
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

/**
 * kpt_cmd_list - the "list" command
 * @argc: argument count
 * @argv: arguments: WHAT [ARGS]
 *
 * Returns what the sub-list returns: 0, 1 when it cannot be read, 2 on a usage error.
 */
int kpt_cmd_list(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		list_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < ARRAY_SIZE(list_kinds); i++) {
		if (!strcmp(argv[1], list_kinds[i].name))
			return list_kinds[i].run(argc - 1, argv + 1);
	}
	kpt_err("kptrace cannot list '%s'", argv[1]);
	list_usage(stderr);
	return 2;
}
