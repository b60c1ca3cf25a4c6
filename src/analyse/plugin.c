// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plugin loader: open an analyser's shared object, find its descriptor and
 * refuse it, with a sentence naming the file, unless it was built for this
 * kptrace's analyser ABI and can be driven (kptrace-plugins(7)).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyse/plugin.h"

#ifndef KPT_PLUGIN_DIR
#error "KPT_PLUGIN_DIR must name the plugin directory (configure --with-plugindir)"
#endif

#define KPT_PLUGIN_ENV		"KPTRACE_PLUGIN_DIR"
#define KPT_KNOWN_FLAGS		(KPT_ANALYSER_EVENTS | KPT_ANALYSER_SPANS | \
				 KPT_ANALYSER_ENTRY_FIELDS)

struct kpt_plugin {
	void *handle;			/* dlopen's */
	char *path;			/* the file loaded */
	const struct kpt_analyser_desc *desc;	/* in the plugin's memory */
};

/**
 * kpt_plugin_dir - the directory searched for plugins by name
 *
 * Returns $KPTRACE_PLUGIN_DIR when it is set and not empty, else the directory
 * configure set (--with-plugindir). The string is not the caller's to free.
 */
const char *kpt_plugin_dir(void)
{
	const char *dir = getenv(KPT_PLUGIN_ENV);

	return dir && *dir ? dir : KPT_PLUGIN_DIR;
}

static char *plugin_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *plugin_msg(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return msg;
}

/* NAME, a plugin name, or a path: the file to load, malloc'ed; NULL if @name is unusable. */
static char *plugin_path(const char *name, char **errmsg)
{
	const char *dir = kpt_plugin_dir();
	size_t i;

	if (strchr(name, '/'))
		return strdup(name);
	for (i = 0; name[i]; i++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", name[i]))
			break;
	}
	if (!name[0] || name[i]) {
		*errmsg = plugin_msg("plugin '%s': not a plugin name ([a-z0-9_-]+, looked up as NAME.so in %s) nor a path (which contains a '/', e.g. ./%s)",
				     name, dir, name);
		return NULL;
	}
	return plugin_msg("%s/%s.so", dir, name);
}

/* Before dlopen: the file exists and starts like an ELF object. */
static int plugin_check_file(const char *path, bool by_name, char **errmsg)
{
	unsigned char magic[4];
	struct stat st;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && by_name)
			*errmsg = plugin_msg("plugin %s: no such file; 'kptrace list plugins' lists the plugins of %s (set %s to search another directory, or give a path)",
					     path, kpt_plugin_dir(), KPT_PLUGIN_ENV);
		else
			*errmsg = plugin_msg("plugin %s: cannot open it: %s", path,
					     strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*errmsg = plugin_msg("plugin %s: not a regular file; give the plugin's .so file",
				     path);
		close(fd);
		return -1;
	}
	len = read(fd, magic, sizeof(magic));
	close(fd);
	if (len != sizeof(magic) || memcmp(magic, "\177ELF", 4) != 0) {
		*errmsg = plugin_msg("plugin %s: not a shared object (it has no ELF header); a plugin is a .so built as kptrace-plugins(7) shows",
				     path);
		return -1;
	}
	return 0;
}

static bool plugin_name_valid(const char *name)
{
	if (!name || !*name)
		return false;
	for (; *name; name++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", *name))
			return false;
	}
	return true;
}

/* The descriptor's ABI and contents, before any of its functions is called. */
static int plugin_check_desc(const char *path, const struct kpt_analyser_desc *desc,
			     char **errmsg)
{
	unsigned int unknown = desc->flags & ~(unsigned int)KPT_KNOWN_FLAGS;
	const char *missing = NULL;

	if (desc->abi_major != KPT_ABI_MAJOR) {
		*errmsg = plugin_msg("plugin %s: built for analyser ABI %u.%u, but this kptrace has ABI %u.%u: rebuild it against this kptrace's <kptrace/analyser.h>",
				     path, desc->abi_major, desc->abi_minor, KPT_ABI_MAJOR,
				     KPT_ABI_MINOR);
		return -1;
	}
	if (desc->abi_minor > KPT_ABI_MINOR) {
		*errmsg = plugin_msg("plugin %s: built for analyser ABI %u.%u, newer than this kptrace's %u.%u: update kptrace, or rebuild the plugin against this one's header",
				     path, desc->abi_major, desc->abi_minor, KPT_ABI_MAJOR,
				     KPT_ABI_MINOR);
		return -1;
	}
	if (!plugin_name_valid(desc->name)) {
		*errmsg = plugin_msg("plugin %s: its descriptor's name '%s' is not [a-z0-9_-]+",
				     path, desc->name ? desc->name : "(null)");
		return -1;
	}
	if (unknown) {
		*errmsg = plugin_msg("plugin %s: its descriptor asks for flags 0x%x, unknown to analyser ABI %u.%u",
				     path, unknown, KPT_ABI_MAJOR, KPT_ABI_MINOR);
		return -1;
	}
	if (!desc->create)
		missing = "create()";
	else if (!desc->report)
		missing = "report()";
	else if ((desc->flags & KPT_ANALYSER_EVENTS) && !desc->event)
		missing = "event(), which its flag KPT_ANALYSER_EVENTS asks for,";
	else if ((desc->flags & KPT_ANALYSER_SPANS) && !desc->span)
		missing = "span(), which its flag KPT_ANALYSER_SPANS asks for,";
	if (missing) {
		*errmsg = plugin_msg("plugin %s: its descriptor '%s' has no %s function", path,
				     desc->name, missing);
		return -1;
	}
	return 0;
}

/**
 * kpt_plugin_open - load a plugin and check its descriptor
 * @name_or_path: a path when it contains '/', else a name looked up as NAME.so in
 *	kpt_plugin_dir()
 * @plugin: set to the loaded plugin, which the caller releases with kpt_plugin_close()
 * @errmsg: on failure, set to a malloc'ed sentence naming the file and what is wrong,
 *	which the caller frees (NULL if even that allocation failed)
 *
 * The object is opened with RTLD_NOW | RTLD_LOCAL, so an unresolved symbol fails
 * here rather than in the middle of a run, and plugins cannot see each other's
 * symbols. A plugin of another ABI major, of a newer minor than this kptrace's, or
 * whose descriptor lacks create() or report() is refused before any of its
 * functions runs (only its ELF constructors, if it has any, have run).
 *
 * Returns 0, or -1 with *@errmsg set and *@plugin NULL.
 */
int kpt_plugin_open(const char *name_or_path, struct kpt_plugin **plugin, char **errmsg)
{
	const struct kpt_analyser_desc *desc;
	struct kpt_plugin *p = NULL;
	char *path;

	*plugin = NULL;
	*errmsg = NULL;
	path = plugin_path(name_or_path, errmsg);
	if (!path)
		return -1;
	if (plugin_check_file(path, !strchr(name_or_path, '/'), errmsg) < 0)
		goto fail;
	p = calloc(1, sizeof(*p));
	if (!p) {
		*errmsg = plugin_msg("plugin %s: out of memory", path);
		goto fail;
	}
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		*errmsg = plugin_msg("plugin %s: cannot be loaded: %s", path, dlerror());
		goto fail;
	}
	dlerror();
	desc = dlsym(p->handle, KPT_ANALYSER_SYMBOL);
	if (!desc) {
		*errmsg = plugin_msg("plugin %s: no '%s' descriptor symbol: not a kptrace analyser plugin, or not exporting its descriptor (see kptrace-plugins(7))",
				     path, KPT_ANALYSER_SYMBOL);
		goto fail;
	}
	if (plugin_check_desc(path, desc, errmsg) < 0)
		goto fail;
	p->desc = desc;
	p->path = path;
	*plugin = p;
	return 0;
fail:
	if (p && p->handle)
		dlclose(p->handle);
	free(p);
	free(path);
	return -1;
}

/**
 * kpt_plugin_desc - the descriptor of a loaded plugin
 * @plugin: a plugin from kpt_plugin_open()
 *
 * Returns the descriptor, in the plugin's memory: valid until kpt_plugin_close().
 */
const struct kpt_analyser_desc *kpt_plugin_desc(const struct kpt_plugin *plugin)
{
	return plugin->desc;
}

/**
 * kpt_plugin_path - the file a plugin was loaded from
 * @plugin: a plugin from kpt_plugin_open()
 *
 * Returns the path, owned by @plugin: valid until kpt_plugin_close().
 */
const char *kpt_plugin_path(const struct kpt_plugin *plugin)
{
	return plugin->path;
}

/**
 * kpt_plugin_close - unload a plugin and free it
 * @plugin: a plugin from kpt_plugin_open(), or NULL
 *
 * Every analyser created from it must have been destroyed first.
 */
void kpt_plugin_close(struct kpt_plugin *plugin)
{
	if (!plugin)
		return;
	dlclose(plugin->handle);
	free(plugin->path);
	free(plugin);
}
