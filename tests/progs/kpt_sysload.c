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
 *   kpt_sysload -r N [-f PATH]     one open of PATH (default /proc/self/exe), N reads
 *                                  of 1 byte, N writes of 1 byte to /dev/null and one
 *                                  fsync of it
 *   kpt_sysload -u N               N sends and N receives of 1 byte over a socketpair
 *   kpt_sysload -m N               touch N fresh anonymous pages (no huge pages)
 *   kpt_sysload -w FIFO ...        first wait until a line can be read from FIFO
 *                                  (a gate that makes no traced syscall of note)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
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

/* -r N: 1 open, N reads of 1 byte, N writes of 1 byte and 1 fsync (vfs_* each). */
static int rw_loop(long n, const char *path)
{
	int in = open(path, O_RDONLY), out = open("/dev/null", O_WRONLY);
	char c = 0;
	long i;

	if (in < 0 || out < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (pread(in, &c, 1, 0) != 1 || write(out, &c, 1) != 1)
			return 1;
	}
	fsync(out);
	close(in);
	close(out);
	return 0;
}

/* -u N: N sends and N receives of 1 byte over a datagram socketpair. */
static int socket_loop(long n)
{
	int sv[2];
	char c = 'k';
	long i;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (send(sv[0], &c, 1, 0) != 1 || recv(sv[1], &c, 1, 0) != 1)
			return 1;
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* -m N: N page faults on fresh anonymous pages, each allocating a page. */
static int touch_pages(long n)
{
	long page = sysconf(_SC_PAGESIZE), i;
	char *mem = mmap(NULL, n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);

	if (mem == MAP_FAILED)
		return 1;
	madvise(mem, n * page, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		mem[i * page] = 1;
	munmap(mem, n * page);
	return 0;
}

int main(int argc, char **argv)
{
	long count = 20, usec = 5000, getppids = 0, opens = 0, every = 1, i;
	long reads = 0, sends = 0, pages = 0;
	const char *path = NULL, *gate = NULL;
	double seconds = 0;
	int c;

	while ((c = getopt(argc, argv, "n:s:g:t:o:f:z:r:u:m:w:")) != -1) {
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
		case 'r':
			reads = atol(optarg);
			break;
		case 'u':
			sends = atol(optarg);
			break;
		case 'm':
			pages = atol(optarg);
			break;
		case 'w':
			gate = optarg;
			break;
		case 'z':
			every = atol(optarg);
			if (every < 1)
				every = 1;
			break;
		default:
			fprintf(stderr, "usage: kpt_sysload [-n N] [-s USEC] | -g N | -t SECONDS | "
				"-o N [-f PATH] | -r N [-f PATH] | -u N | -m N [-z K] [-w FIFO]\n");
			return 2;
		}
	}
	if (gate) {
		char line[64];
		FILE *file = fopen(gate, "r");

		if (!file || !fgets(line, sizeof(line), file)) {
			perror(gate);
			return 1;
		}
		fclose(file);
	}
	if (reads)
		return rw_loop(reads, path ? path : "/proc/self/exe");
	if (sends)
		return socket_loop(sends);
	if (pages)
		return touch_pages(pages);
	if (!path)
		path = "/kpt-no-such-file";
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
