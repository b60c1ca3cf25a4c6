/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Watchdog: a helper process that removes a session's probes and instance
 * when kptrace dies without tearing down (SIGKILL, the OOM killer).
 *
 * It is forked before the session creates anything, holds no tracing handle
 * and no file but its end of a pipe (and stderr), and is told each name
 * before it is created. When the pipe closes without a goodbye, kptrace is
 * gone: it waits for kptrace's files to be released, disables and removes
 * exactly the names it was given, and exits.
 */
#ifndef KPT_WATCHDOG_H
#define KPT_WATCHDOG_H

#include <tracefs.h>

struct kpt_watchdog;

struct kpt_watchdog *kpt_watchdog_start(const char *instance);
int kpt_watchdog_add_dynevent(struct kpt_watchdog *wd, enum tracefs_dynevent_type type,
			      const char *system, const char *event);
void kpt_watchdog_stop(struct kpt_watchdog *wd);

#endif
