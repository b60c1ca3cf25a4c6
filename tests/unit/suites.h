/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One suite per layer; check_kptrace.c runs them all. */
#ifndef KPT_TEST_SUITES_H
#define KPT_TEST_SUITES_H

#include <check.h>

Suite *probe_suite(void);
Suite *probeset_suite(void);
Suite *glob_suite(void);
Suite *elf_sym_suite(void);
Suite *merge_suite(void);
Suite *pair_suite(void);
Suite *hist_suite(void);
Suite *options_suite(void);
Suite *tracedat_suite(void);
Suite *report_suite(void);
Suite *analyser_suite(void);
Suite *stacks_suite(void);
Suite *plugin_suite(void);
Suite *rbpage_suite(void);
Suite *pictures_suite(void);
Suite *btf_suite(void);

#endif
