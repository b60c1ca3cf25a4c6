/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plugin loader: analysers in shared objects, found by name in the plugin
 * directory (KPTRACE_PLUGIN_DIR, or the one configure set) or by path, and
 * checked against the analyser ABI (kptrace/analyser.h) before any of their
 * code runs.
 */
#ifndef KPT_PLUGIN_H
#define KPT_PLUGIN_H

#include <kptrace/analyser.h>

struct kpt_plugin;

/* The directory searched for plugins by name: $KPTRACE_PLUGIN_DIR, else configure's. */
const char *kpt_plugin_dir(void);
/*
 * Load @name_or_path: a path when it contains '/', else NAME.so in the plugin
 * directory. On failure returns -1 and sets *@errmsg (malloc'ed, the caller
 * frees it) to a sentence naming the file and what is wrong.
 */
int kpt_plugin_open(const char *name_or_path, struct kpt_plugin **plugin, char **errmsg);
const struct kpt_analyser_desc *kpt_plugin_desc(const struct kpt_plugin *plugin);
const char *kpt_plugin_path(const struct kpt_plugin *plugin);
void kpt_plugin_close(struct kpt_plugin *plugin);	/* NULL is fine */

#endif
