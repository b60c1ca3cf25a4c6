/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands of the kptrace tool, one file each (cmd_<name>.c).
 */
#ifndef KPT_COMMANDS_H
#define KPT_COMMANDS_H

int kpt_cmd_latency(int argc, char **argv);
int kpt_cmd_count(int argc, char **argv);
int kpt_cmd_record(int argc, char **argv);
int kpt_cmd_report(int argc, char **argv);
int kpt_cmd_cleanup(int argc, char **argv);
int kpt_cmd_check(int argc, char **argv);
int kpt_cmd_trace(int argc, char **argv);
int kpt_cmd_slow(int argc, char **argv);
int kpt_cmd_list(int argc, char **argv);

#endif
