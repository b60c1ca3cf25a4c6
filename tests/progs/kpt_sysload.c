// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kpt_sysload: a load with known syscalls, for tests, the README demo and bench/.
 *
 *   kpt_sysload [-n N] [-s USEC]   N sleeps of USEC microseconds each (default
 *                                  20 x 5000 us): exactly N clock_nanosleep
 *                                  syscalls (glibc's nanosleep() uses it)
 *   kpt_sysload -n N -s USEC -z K  the same, but only every K-th sleep (the K-th,
 *                                  2K-th, ...) is of USEC; the others are of 0 us:
 *                                  N / K slow sleeps among N
 *   kpt_sysload -g N               N getppid() syscalls as fast as possible, then
 *                                  print the rate in calls/s to stdout
 *   kpt_sysload -t SECONDS         getppid() for SECONDS, then print the rate
 *   kpt_sysload -o N [-f PATH]     N open() calls of PATH (default /kpt-no-such-file,
 *                                  which fails with ENOENT), closing each that opens
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void getppid_loop(long calls, double seconds)
{
	double start = now(), elapsed;
	long done = 0;

	for (;;) {
		long i, batch = calls && calls - done < 1000 ? calls - done : 1000;

		/* The clock is read once per batch, not per call. */
		for (i = 0; i < batch; i++)
			syscall(SYS_getppid);
		done += batch;
		if (calls && done >= calls)
			break;
		if (seconds && now() - start >= seconds)
			break;
	}
	elapsed = now() - start;
	printf("%ld calls in %.3f s: %.0f calls/s\n", done, elapsed, done / elapsed);
}

int main(int argc, char **argv)
{
	long count = 20, usec = 5000, getppids = 0, opens = 0, every = 1, i;
	const char *path = "/kpt-no-such-file";
	double seconds = 0;
	int c;

	while ((c = getopt(argc, argv, "n:s:g:t:o:f:z:")) != -1) {
		switch (c) {
		case 'n':
			count = atol(optarg);
			break;
		case 's':
			usec = atol(optarg);
			break;
		case 'g':
			getppids = atol(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 'o':
			opens = atol(optarg);
			break;
		case 'f':
			path = optarg;
			break;
		case 'z':
			every = atol(optarg);
			if (every < 1)
				every = 1;
			break;
		default:
			fprintf(stderr, "usage: kpt_sysload [-n N] [-s USEC] | -g N | -t SECONDS | "
				"-o N [-f PATH] [-z K]\n");
			return 2;
		}
	}
	for (i = 0; i < opens; i++) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	if (opens)
		return 0;
	if (getppids || seconds) {
		getppid_loop(getppids, seconds);
		return 0;
	}
	for (i = 0; i < count; i++) {
		long us = (i + 1) % every ? 0 : usec;
		struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return 0;
}
