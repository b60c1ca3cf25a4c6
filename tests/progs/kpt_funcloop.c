// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kpt_funcloop: a user function called in a tight loop, the uprobe load of bench/.
 *
 *   kpt_funcloop -n N        call kpt_func() N times, then print the rate
 *   kpt_funcloop -t SECONDS  call kpt_func() for SECONDS, then print the rate
 *
 * It prints "N calls in S s: R calls/s" to stdout, as kpt_sysload does.
 * kpt_func() is external, never inlined, cloned or folded into the loop, so a
 * uprobe on its symbol (and a uretprobe on its return) sees every call. The
 * clock is read once every 1000 calls, so untraced the loop measures the call
 * itself. Exits 0, or 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef __clang__
#define KPT_PROBED	__attribute__((noinline, used))
#else
#define KPT_PROBED	__attribute__((noinline, noipa, used))
#endif

unsigned long kpt_func(unsigned long x);

/* Stores to it keep the calls and their results from being optimized away. */
volatile unsigned long kpt_sink;

/**
 * kpt_func - the function bench/ probes
 * @x: any value
 *
 * Returns a cheap function of @x.
 */
KPT_PROBED unsigned long kpt_func(unsigned long x)
{
	return x * 2654435761UL + 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 0, start, elapsed;
	long calls = 0, done = 0;
	int c;

	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		switch (c) {
		case 'n':
			calls = atol(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (calls <= 0 && seconds <= 0))
		goto usage;

	start = now();
	for (;;) {
		int i;

		for (i = 0; i < 1000; i++)
			kpt_sink += kpt_func(done + i);
		done += 1000;
		if (calls && done >= calls)
			break;
		if (seconds && now() - start >= seconds)
			break;
	}
	elapsed = now() - start;
	printf("%ld calls in %.3f s: %.0f calls/s\n", done, elapsed, done / elapsed);
	return 0;

usage:
	fprintf(stderr, "usage: kpt_funcloop -n N | -t SECONDS\n");
	return 2;
}
