/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Uprobe targets: find the ELF object a probe names ("c", "bash", a path) and
 * turn a symbol in it into the file offset that the kernel's uprobe_events
 * interface expects.
 */
#ifndef KPT_ELF_SYM_H
#define KPT_ELF_SYM_H

#include <stddef.h>
#include <stdint.h>

int kpt_elf_symbol_offset(const char *path, const char *symbol, uint64_t *offset, char **errmsg);
char *kpt_elf_find_object(const char *name, int pid, char **errmsg);
int kpt_elf_functions(const char *path, char ***names, size_t *nr, char **errmsg);

#endif
