/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages, number parsing and small helpers shared by every layer.
 */
#ifndef KPT_UTIL_H
#define KPT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_USEC	1000ULL

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

void kpt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kpt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kpt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kpt_set_quiet(bool quiet);

char *kpt_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kpt_strv_push(char ***arr, int *nr, char *s);

/* The longest duration or time offset accepted: a year, in seconds. */
#define KPT_MAX_SECONDS	(366.0 * 24 * 3600)

int kpt_parse_seconds(const char *str, double *seconds);
int kpt_parse_size_kb(const char *str, unsigned long *kb);
int kpt_parse_ns(const char *str, uint64_t unit_ns, uint64_t *ns);
int kpt_parse_pid(const char *str, int *pid);

uint64_t kpt_monotonic_ns(void);
void kpt_raise_fd_limit(void);

#endif
