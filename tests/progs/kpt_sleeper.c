// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kpt_sleeper - a predictable target for uprobe tests.
 *
 * Usage: kpt_sleeper [-n N] [-s USEC] [-l USEC,USEC,...] [-t THREADS] [-r DEPTH]
 *
 *   -n N        calls of kpt_work() per loop (default 10; 0 allowed)
 *   -s USEC     microseconds each kpt_work() / kpt_recurse() level sleeps (default 10000)
 *   -l LIST     kpt_work() call i of the loop sleeps the (i mod length)-th of LIST's
 *               microseconds instead of -s (at most 64 values), and returns it
 *   -t THREADS  run the loop in THREADS threads at once (1 to 4096) instead of the main thread
 *   -r DEPTH    after the loop, call kpt_recurse(DEPTH, USEC) once from the main thread
 *               (1 to 10000)
 *
 * Exact call counts:
 *
 *   kpt_work()     N times without -t, all in the main thread;
 *                  N * THREADS times with -t, N in each new thread, none in the main thread.
 *                  Each call sleeps USEC and returns USEC.
 *   kpt_recurse()  0 times without -r; exactly DEPTH times with -r, nested DEPTH deep:
 *                  kpt_recurse(d) sleeps USEC, then calls kpt_recurse(d - 1) if d > 1, and
 *                  returns d. So entries and returns pair up innermost first, each level
 *                  lasting (d * USEC) plus overhead. kpt_recurse never calls kpt_work.
 *
 * Examples: no options: 10 kpt_work, 0 kpt_recurse. "-n 3 -t 4 -r 5": 12 kpt_work (3 per
 * thread in 4 threads), then 5 nested kpt_recurse. "-n 0 -r 2": 0 kpt_work, 2 kpt_recurse.
 *
 * Both functions are external, never inlined, cloned or turned into loops, so a
 * uprobe on their symbols sees every call. The program prints nothing unless an
 * error occurs; it exits 0 on success, 1 on a runtime error and 2 on bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __clang__
#define KPT_PROBED	__attribute__((noinline, used))
#else
#define KPT_PROBED	__attribute__((noinline, noipa, used))
#endif

unsigned int kpt_work(unsigned int usec);
int kpt_recurse(int depth, unsigned int usec);

/* Stores to it keep calls and their results from being optimized away. */
volatile unsigned long kpt_sink;

static unsigned int opt_calls = 10;
static unsigned int opt_usec = 10000;
static unsigned int opt_list[64];
static unsigned int opt_list_len;

static void sleep_usec(unsigned int usec)
{
	struct timespec ts = {
		.tv_sec = usec / 1000000,
		.tv_nsec = (long)(usec % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/**
 * kpt_work - the function the tests probe
 * @usec: how long to sleep, in microseconds
 *
 * Returns @usec.
 */
KPT_PROBED unsigned int kpt_work(unsigned int usec)
{
	sleep_usec(usec);
	return usec;
}

/**
 * kpt_recurse - a recursive function for nesting tests
 * @depth: how many levels, this one included, are still to run (>= 1)
 * @usec: how long each level sleeps before going deeper
 *
 * The store to kpt_sink after the recursive call keeps it out of tail
 * position, so every level is a real call.
 *
 * Returns @depth.
 */
KPT_PROBED int kpt_recurse(int depth, unsigned int usec)
{
	int inner = 0;

	sleep_usec(usec);
	if (depth > 1) {
		inner = kpt_recurse(depth - 1, usec);
		kpt_sink += inner;
	}
	return inner + 1;
}

static void run_loop(void)
{
	unsigned int i;

	for (i = 0; i < opt_calls; i++)
		kpt_sink += kpt_work(opt_list_len ? opt_list[i % opt_list_len] : opt_usec);
}

static void *thread_main(void *arg)
{
	(void)arg;
	run_loop();
	return NULL;
}

static int parse_uint(const char *str, unsigned int min, unsigned int *value)
{
	unsigned long val;
	char *end;

	errno = 0;
	val = strtoul(str, &end, 10);
	if (errno || end == str || *end || str[0] == '-' || val > UINT_MAX || val < min)
		return -1;
	*value = val;
	return 0;
}

/* "USEC,USEC,...": the sleeps of -l. */
static int parse_list(char *text)
{
	char *part, *save = NULL;

	opt_list_len = 0;
	for (part = strtok_r(text, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		if (opt_list_len == sizeof(opt_list) / sizeof(opt_list[0]) ||
		    parse_uint(part, 0, &opt_list[opt_list_len]) < 0)
			return -1;
		opt_list_len++;
	}
	return opt_list_len ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: kpt_sleeper [-n N] [-s USEC] [-l USEC,USEC,...] [-t THREADS] "
		"[-r DEPTH]\n");
}

int main(int argc, char **argv)
{
	unsigned int nr_threads = 0, depth = 0, i;
	pthread_t *threads = NULL;
	int opt, err = 0, ret = 1;

	while ((opt = getopt(argc, argv, "n:s:l:t:r:")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_uint(optarg, 0, &opt_calls) < 0)
				goto bad_usage;
			break;
		case 's':
			if (parse_uint(optarg, 0, &opt_usec) < 0)
				goto bad_usage;
			break;
		case 't':
			if (parse_uint(optarg, 1, &nr_threads) < 0 || nr_threads > 4096)
				goto bad_usage;
			break;
		case 'l':
			if (parse_list(optarg) < 0)
				goto bad_usage;
			break;
		case 'r':
			if (parse_uint(optarg, 1, &depth) < 0 || depth > 10000)
				goto bad_usage;
			break;
		default:
			goto bad_usage;
		}
	}
	if (optind != argc)
		goto bad_usage;

	if (!nr_threads) {
		run_loop();
	} else {
		threads = calloc(nr_threads, sizeof(*threads));
		if (!threads) {
			fprintf(stderr, "kpt_sleeper: out of memory\n");
			goto out;
		}
		for (i = 0; i < nr_threads; i++) {
			err = pthread_create(&threads[i], NULL, thread_main, NULL);
			if (err) {
				fprintf(stderr, "kpt_sleeper: pthread_create: %s\n", strerror(err));
				nr_threads = i;
				break;
			}
		}
		for (i = 0; i < nr_threads; i++)
			pthread_join(threads[i], NULL);
		if (err)
			goto out;
	}
	if (depth)
		kpt_sink += kpt_recurse(depth, opt_usec);
	ret = 0;
out:
	free(threads);
	return ret;

bad_usage:
	usage();
	return 2;
}
