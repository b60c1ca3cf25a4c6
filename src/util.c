// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Messages, number parsing and small helpers shared by every layer.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "util.h"

static bool quiet;

static void vmessage(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "kptrace: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/**
 * kpt_err - print an error message to stderr
 * @fmt: printf format; the message should name the input, what is wrong and what to do
 */
void kpt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error: ", fmt, ap);
	va_end(ap);
}

/**
 * kpt_warn - print a warning to stderr
 * @fmt: printf format
 */
void kpt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

/**
 * kpt_info - print a progress line to stderr unless quiet mode is on
 * @fmt: printf format
 */
void kpt_info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

/**
 * kpt_set_quiet - silence kpt_info()
 * @q: true to silence
 */
void kpt_set_quiet(bool q)
{
	quiet = q;
}

/**
 * kpt_asprintf - allocate a formatted string
 * @fmt: printf format
 *
 * Returns the string, to be released with free(), or NULL on allocation failure.
 */
char *kpt_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *str;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&str, fmt, ap);
	va_end(ap);
	return ret < 0 ? NULL : str;
}

/**
 * kpt_parse_seconds - parse a duration such as "5", "1.5", "250ms", "2m"
 * @str: the text; suffixes ns, us, ms, s, m and h are accepted
 * @seconds: where the value in seconds goes
 *
 * Returns 0 on success, -1 if @str is not a positive duration of at most
 * KPT_MAX_SECONDS ("inf" and "nan" are not).
 */
int kpt_parse_seconds(const char *str, double *seconds)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 1e-3 }, { "us", 1e-6 }, { "ns", 1e-9 },
		{ "m", 60 }, { "h", 3600 },
	};
	char *end;
	double val;
	size_t i;

	errno = 0;
	val = strtod(str, &end);
	/* isgreater() is false for NaN; inf and anything over a year would overflow as ns */
	if (errno || end == str || !isgreater(val, 0) || !isfinite(val))
		return -1;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			val *= units[i].scale;
			if (val > KPT_MAX_SECONDS)
				return -1;
			*seconds = val;
			return 0;
		}
	}
	return -1;
}

/**
 * kpt_parse_ns - parse a latency such as "10ms", "1.5us", "250" (in @unit_ns)
 * @str: the text; suffixes ns, us, ms and s are accepted
 * @unit_ns: the unit of a bare number, in nanoseconds
 * @ns: where the value in nanoseconds goes (rounded to the nearest)
 *
 * Returns 0 on success, -1 if @str is not a duration of zero or more.
 */
int kpt_parse_ns(const char *str, uint64_t unit_ns, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double val;
	size_t i;

	errno = 0;
	val = strtod(str, &end);
	if (errno || end == str || val < 0 || val > 1.8e19 || str[0] == '-')
		return -1;
	if (!*end) {
		*ns = (uint64_t)(val * unit_ns + 0.5);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			*ns = (uint64_t)(val * units[i].scale + 0.5);
			return 0;
		}
	}
	return -1;
}

/**
 * kpt_parse_size_kb - parse a buffer size such as "4096" (KiB), "512K", "8M" or "1G"
 * @str: the text
 * @kb: where the size in KiB goes
 *
 * Returns 0 on success, -1 if @str is not a positive size.
 */
int kpt_parse_size_kb(const char *str, unsigned long *kb)
{
	unsigned long long val;
	char *end;

	errno = 0;
	val = strtoull(str, &end, 10);
	if (errno || end == str || val == 0 || str[0] == '-')
		return -1;
	if (*end == 'G' || *end == 'g')
		val <<= 20, end++;
	else if (*end == 'M' || *end == 'm')
		val <<= 10, end++;
	else if (*end == 'K' || *end == 'k')
		end++;
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || val > ULONG_MAX)
		return -1;
	*kb = val;
	return 0;
}

/**
 * kpt_parse_pid - parse a process id
 * @str: the text
 * @pid: where the pid goes
 *
 * Returns 0 on success, -1 if @str is not a positive integer.
 */
int kpt_parse_pid(const char *str, int *pid)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(str, &end, 10);
	if (errno || end == str || *end || val <= 0 || val > INT_MAX)
		return -1;
	*pid = val;
	return 0;
}

/**
 * kpt_monotonic_ns - CLOCK_MONOTONIC in nanoseconds, the clock of the "mono" trace clock
 */
uint64_t kpt_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/**
 * kpt_strv_push - append a malloc'd string to a malloc'd array of them
 * @arr: the array, grown
 * @nr: its length, incremented
 * @s: the string, owned by the array from here; NULL (a failed allocation) fails
 *
 * Returns 0, or -1 (and frees @s) when out of memory.
 */
int kpt_strv_push(char ***arr, int *nr, char *s)
{
	char **grown;

	if (!s)
		return -1;
	grown = realloc(*arr, (*nr + 1) * sizeof(**arr));
	if (!grown) {
		free(s);
		return -1;
	}
	grown[(*nr)++] = s;
	*arr = grown;
	return 0;
}

/**
 * kpt_raise_fd_limit - raise the soft limit on open files to the hard one
 *
 * For what opens descriptors per CPU: perf events, record's pipes.
 */
void kpt_raise_fd_limit(void)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit);
	}
}
