// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kpt_noperf - run a command with perf_event_open refused.
 *
 * Usage: kpt_noperf CMD [ARGS]
 *
 * Installs a seccomp filter under which perf_event_open() fails with EACCES,
 * as it does under a strict perf_event_paranoid, then execs CMD. Root has
 * CAP_PERFMON, so perf_event_paranoid cannot refuse it; this can, and its
 * children inherit the filter. Exits 77 (a skipped test) if seccomp is not
 * available, 127 if CMD cannot be run.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define NATIVE_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH	AUDIT_ARCH_I386
#endif

int main(int argc, char **argv)
{
	struct sock_filter filter[] = {
#ifdef NATIVE_ARCH
		/* Another ABI's syscall numbers mean other calls: let them be. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
#endif
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (argc < 2) {
		fprintf(stderr, "usage: kpt_noperf CMD [ARGS]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		fprintf(stderr, "kpt_noperf: cannot install the seccomp filter: %s\n",
			strerror(errno));
		return 77;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "kpt_noperf: cannot run '%s': %s\n", argv[1], strerror(errno));
	return 127;
}
