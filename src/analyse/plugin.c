// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plugin loader. A plugin is dlopen()ed with RTLD_NOW | RTLD_LOCAL, so an
 * unresolved symbol fails here and two plugins' symbols never mix; its
 * descriptor is checked before any of its code runs (a constructor aside).
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyse/plugin.h"
#include "util.h"

#ifndef KPT_PLUGIN_DIR
#define KPT_PLUGIN_DIR "/usr/local/lib/kptrace/plugins"
#endif

#define KPT_KNOWN_FLAGS	(KPT_ANALYSER_EVENTS | KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS)

struct kpt_plugin {
	void *handle;
	char *path;
	const struct kpt_analyser_desc *desc;
};

/**
 * kpt_plugin_dir - the directory searched for plugins by name
 *
 * Returns $KPTRACE_PLUGIN_DIR when set and not empty, else the directory
 * configure was given (--with-plugindir). Static or the environment's.
 */
const char *kpt_plugin_dir(void)
{
	const char *dir = getenv("KPTRACE_PLUGIN_DIR");

	return dir && *dir ? dir : KPT_PLUGIN_DIR;
}

static bool valid_name(const char *name)
{
	const char *c;

	if (!name || !*name)
		return false;
	for (c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-'))
			return false;
	}
	return true;
}

/* Why @desc cannot be used by this kptrace, or NULL if it can. */
static char *check_desc(const struct kpt_analyser_desc *desc, const char *path)
{
	if (desc->abi_major != KPT_ABI_MAJOR)
		return kpt_asprintf("plugin %s was built for analyser ABI %u.%u, and this kptrace "
				    "has ABI %d.%d: a different major version cannot work; rebuild "
				    "it against this kptrace's <kptrace/analyser.h>", path,
				    desc->abi_major, desc->abi_minor, KPT_ABI_MAJOR, KPT_ABI_MINOR);
	if (desc->abi_minor > KPT_ABI_MINOR)
		return kpt_asprintf("plugin %s needs analyser ABI %u.%u, newer than this kptrace's "
				    "%d.%d: upgrade kptrace, or rebuild the plugin against this "
				    "kptrace's <kptrace/analyser.h>", path, desc->abi_major,
				    desc->abi_minor, KPT_ABI_MAJOR, KPT_ABI_MINOR);
	if (!valid_name(desc->name))
		return kpt_asprintf("plugin %s: its descriptor's name is missing or not "
				    "[a-z0-9_-]+", path);
	if (desc->flags & ~(unsigned int)KPT_KNOWN_FLAGS)
		return kpt_asprintf("plugin %s: analyser '%s' asks for flags 0x%x, which analyser "
				    "ABI %d.%d does not know", path, desc->name,
				    desc->flags & ~(unsigned int)KPT_KNOWN_FLAGS, KPT_ABI_MAJOR,
				    KPT_ABI_MINOR);
	if (!desc->create || !desc->report || !desc->destroy)
		return kpt_asprintf("plugin %s: analyser '%s' has no %s function; a descriptor "
				    "needs create, report and destroy", path, desc->name,
				    !desc->create ? "create" : !desc->report ? "report" : "destroy");
	if ((desc->flags & KPT_ANALYSER_EVENTS) && !desc->event)
		return kpt_asprintf("plugin %s: analyser '%s' asks for events but has no event "
				    "function", path, desc->name);
	if ((desc->flags & KPT_ANALYSER_SPANS) && !desc->span)
		return kpt_asprintf("plugin %s: analyser '%s' asks for spans but has no span "
				    "function", path, desc->name);
	return NULL;
}

/*
 * A file that exists but does not start as an ELF object: say so plainly, rather
 * than with dlopen's "invalid ELF header" or "file too short". Anything else
 * (a missing file, an ELF object for another machine) is left to dlopen's words.
 */
static char *check_elf(const char *path)
{
	char magic[4];
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	len = read(fd, magic, sizeof(magic));
	close(fd);
	if (len < 0 || (len == sizeof(magic) && memcmp(magic, "\177ELF", 4) == 0))
		return NULL;
	return kpt_asprintf("plugin %s is not a shared object (it has no ELF header): a plugin "
			    "is a .so file built as kptrace-plugins(7) shows", path);
}

/**
 * kpt_plugin_open - load a plugin and check its descriptor
 * @name_or_path: a path when it contains '/', else NAME, loaded as
 *	NAME.so from kpt_plugin_dir()
 * @plugin: set to the loaded plugin on success; close it with kpt_plugin_close()
 *	after every analyser it created is destroyed
 * @errmsg: on failure, a malloc'ed sentence naming the file and what is wrong
 *	(NULL if memory ran out); the caller frees it
 *
 * Returns 0, or -1.
 */
int kpt_plugin_open(const char *name_or_path, struct kpt_plugin **plugin, char **errmsg)
{
	struct kpt_plugin *p = calloc(1, sizeof(*p));
	const char *dlerr;

	*plugin = NULL;
	*errmsg = NULL;
	if (!p)
		return -1;
	if (strchr(name_or_path, '/'))
		p->path = strdup(name_or_path);
	else if (valid_name(name_or_path))
		p->path = kpt_asprintf("%s/%s.so", kpt_plugin_dir(), name_or_path);
	else {
		*errmsg = kpt_asprintf("plugin '%s': not a plugin name ([a-z0-9_-]+, looked for "
				       "in %s) nor a path (with a '/')", name_or_path,
				       kpt_plugin_dir());
		goto fail;
	}
	if (!p->path)
		goto fail;
	*errmsg = check_elf(p->path);
	if (*errmsg)
		goto fail;
	p->handle = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		dlerr = dlerror();
		*errmsg = kpt_asprintf("plugin %s cannot be loaded: %s%s", p->path,
				       dlerr ? dlerr : "unknown error",
				       strchr(name_or_path, '/') ? "" :
				       " ('kptrace list plugins' lists the plugins found; "
				       "KPTRACE_PLUGIN_DIR sets where they are looked for)");
		goto fail;
	}
	dlerror();
	p->desc = dlsym(p->handle, KPT_ANALYSER_SYMBOL);
	if (!p->desc) {
		*errmsg = kpt_asprintf("plugin %s has no analyser descriptor: it exports no "
				       "symbol '%s' (see kptrace-plugins(7))", p->path,
				       KPT_ANALYSER_SYMBOL);
		goto fail;
	}
	*errmsg = check_desc(p->desc, p->path);
	if (*errmsg)
		goto fail;
	*plugin = p;
	return 0;
fail:
	kpt_plugin_close(p);
	return -1;
}

/**
 * kpt_plugin_desc - the plugin's analyser descriptor, valid until the plugin is closed
 * @plugin: a loaded plugin
 */
const struct kpt_analyser_desc *kpt_plugin_desc(const struct kpt_plugin *plugin)
{
	return plugin->desc;
}

/**
 * kpt_plugin_path - the file the plugin was loaded from, owned by the plugin
 * @plugin: a loaded plugin
 */
const char *kpt_plugin_path(const struct kpt_plugin *plugin)
{
	return plugin->path;
}

/**
 * kpt_plugin_close - unload a plugin (NULL is fine)
 * @plugin: the plugin; none of its analysers may be left
 */
void kpt_plugin_close(struct kpt_plugin *plugin)
{
	if (!plugin)
		return;
	if (plugin->handle)
		dlclose(plugin->handle);
	free(plugin->path);
	free(plugin);
}
