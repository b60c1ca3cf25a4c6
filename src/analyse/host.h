/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host: the services kptrace gives analysers (struct kpt_host): an event's
 * arguments by index, as text or numbers, and thread command names.
 */
#ifndef KPT_HOST_H
#define KPT_HOST_H

#include <stddef.h>

#include <kptrace/analyser.h>

/* The command name of thread @tid, e.g. from a file's saved cmdlines. */
typedef const char *(*kpt_comm_fn)(void *ctx, int tid);

struct kpt_host *kpt_host_alloc(kpt_comm_fn comm, void *comm_ctx);
int kpt_host_load_kallsyms(struct kpt_host *host, const char *text, size_t len);
int kpt_host_see_process(struct kpt_host *host, int pid);
void kpt_host_free(struct kpt_host *host);

#endif
