/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checked output: every output path flushes through kpt_output_check(), so
 * that a closed pipe or a write error (a full disk) is noticed, named once,
 * and ends the run instead of going unnoticed or killing kptrace by SIGPIPE.
 */
#ifndef KPT_OUTPUT_CHECK_H
#define KPT_OUTPUT_CHECK_H

#include <stdbool.h>
#include <stdio.h>

int kpt_output_check(FILE *out, const char *name);
void kpt_output_pipe_closed(void);
bool kpt_output_failed(void);
bool kpt_output_pipe_was_closed(void);

#endif
