/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Target: the process tree a run traces, -p PID or -- CMD.
 */
#ifndef KPT_TARGET_H
#define KPT_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

/* How long CMD has to end after SIGTERM before it gets SIGKILL (kptrace(1) says so). */
#define KPT_TARGET_GRACE_MS	2000

struct kpt_target {
	pid_t pid;		/* the traced process: -p PID, or CMD once forked */
	bool spawned;		/* we forked CMD and must reap it */
	int gate_fd;		/* write end of the pipe CMD waits on before exec */
	bool exited;
	int status;		/* wait status of CMD */
	/*
	 * Set before kpt_target_spawn(): CMD stops on its way out, before its
	 * memory is gone, and on_exit() runs then (--ustack reads its mappings).
	 */
	bool hold_exit;
	bool held;		/* CMD is traced for that (the kernel allowed it) */
	void (*on_exit)(void *ctx, pid_t pid);
	void *on_exit_ctx;
};

int kpt_target_spawn(struct kpt_target *target, char *const argv[]);
int kpt_target_start(struct kpt_target *target);
int kpt_target_threads(pid_t pid, int **tids);
bool kpt_target_done(struct kpt_target *target);
int kpt_target_exit_code(const struct kpt_target *target);
void kpt_target_abort(struct kpt_target *target);

#endif
