/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symbols: the names of stack frames. Kernel addresses through kallsyms
 * (/proc/kallsyms live, a trace file's own kallsyms offline); user addresses
 * through the process's mappings, read from /proc/PID/maps when the process
 * is first seen and kept after it exits, and the ELF symbols of each mapped
 * object, read once per object. Every name handed out is interned: the same
 * function always gives the same pointer, valid until the table is freed.
 */
#ifndef KPT_SYMBOLS_H
#define KPT_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct kpt_symbols;

struct kpt_symbols *kpt_symbols_alloc(void);
int kpt_symbols_load_kallsyms(struct kpt_symbols *syms, const char *text, size_t len);
int kpt_symbols_nr_kernel(const struct kpt_symbols *syms);
const char *kpt_symbols_kernel(struct kpt_symbols *syms, uint64_t ip);
int kpt_symbols_see_process(struct kpt_symbols *syms, int pid);
const char *kpt_symbols_user(struct kpt_symbols *syms, int pid, uint64_t ip);
void kpt_symbols_free(struct kpt_symbols *syms);

#endif
