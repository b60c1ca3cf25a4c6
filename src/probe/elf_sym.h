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

/* A function of an ELF object, at the file offset it is loaded from. */
struct kpt_elf_func {
	uint64_t offset;
	uint64_t size;		/* 0: unknown */
	const char *name;
};

struct kpt_elf_funcs {
	struct kpt_elf_func *funcs;	/* sorted by offset */
	size_t nr;
	char *names;			/* the names' storage */
};

int kpt_elf_funcs_read(const char *path, struct kpt_elf_funcs *funcs);
const struct kpt_elf_func *kpt_elf_funcs_find(const struct kpt_elf_funcs *funcs, uint64_t offset);
void kpt_elf_funcs_release(struct kpt_elf_funcs *funcs);
int kpt_elf_symbol_offset(const char *path, const char *symbol, uint64_t *offset, char **errmsg);
char *kpt_elf_find_object(const char *name, int pid, char **errmsg);
int kpt_elf_functions(const char *path, char ***names, size_t *nr, char **errmsg);

#endif
