/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signals: how a run is asked to stop, and with which exit status it ends.
 *
 * SIGINT, SIGTERM and SIGHUP ask for a clean stop: the live loop notices,
 * drains the buffers, reports and tears down. A closed pipe (SIGPIPE, EPIPE)
 * or a write error on standard output stops the run the same way, so that
 * 'kptrace trace ... | head' removes its probes; the run then ends with
 * 128 + SIGPIPE, or 1 after naming the file that could not be written.
 */
#ifndef KPT_SIGNALS_H
#define KPT_SIGNALS_H

#include <stdbool.h>

void kpt_signals_install(void);
bool kpt_stop_requested(void);
int kpt_exit_status(int code);

#endif
