// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kpt_callchain: a known call chain for stack tests: main() calls
 * kpt_chain_a(), which calls kpt_chain_b(), which calls kpt_chain_c(), the
 * function a test probes. Built with frame pointers, and each function kept
 * out of line, so that the kernel's user stack walk finds every caller.
 *
 *   kpt_callchain          read lines from stdin; for a line "N", run the
 *                          chain N times and print "done N"; exit at EOF
 *   kpt_callchain -n N     run the chain N times and exit
 *
 * Every run of the chain also makes one getppid() call from kpt_chain_c(),
 * so a syscall probe sees the same count. Exits 0, or 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef __clang__
#define KPT_PROBED	__attribute__((noinline, used))
#else
#define KPT_PROBED	__attribute__((noinline, noipa, used))
#endif

unsigned long kpt_chain_a(unsigned long x);
unsigned long kpt_chain_b(unsigned long x);
unsigned long kpt_chain_c(unsigned long x);

/* Stores to it keep the calls from being optimized away. */
volatile unsigned long kpt_chain_sink;

/**
 * kpt_chain_c - the probed end of the chain
 * @x: any value
 *
 * Returns a cheap function of @x and the parent's pid.
 */
KPT_PROBED unsigned long kpt_chain_c(unsigned long x)
{
	return x * 2654435761UL + (unsigned long)getppid();
}

/**
 * kpt_chain_b - calls kpt_chain_c()
 * @x: any value
 *
 * Returns what kpt_chain_c() returns, plus one.
 */
KPT_PROBED unsigned long kpt_chain_b(unsigned long x)
{
	return kpt_chain_c(x) + 1;
}

/**
 * kpt_chain_a - calls kpt_chain_b()
 * @x: any value
 *
 * Returns what kpt_chain_b() returns, plus one.
 */
KPT_PROBED unsigned long kpt_chain_a(unsigned long x)
{
	return kpt_chain_b(x) + 1;
}

static void run(long n)
{
	long i;

	for (i = 0; i < n; i++)
		kpt_chain_sink = kpt_chain_a((unsigned long)i);
}

int main(int argc, char **argv)
{
	char line[64];
	char *end;
	long n;

	if (argc == 3 && strcmp(argv[1], "-n") == 0) {
		n = strtol(argv[2], &end, 10);
		if (*end || n < 0) {
			fprintf(stderr, "usage: kpt_callchain [-n N]\n");
			return 2;
		}
		run(n);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: kpt_callchain [-n N]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		n = strtol(line, &end, 10);
		if (end == line || n < 0)
			continue;
		run(n);
		printf("done %ld\n", n);
	}
	return 0;
}
