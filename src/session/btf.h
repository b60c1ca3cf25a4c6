/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTF: the kernel's type information (/sys/kernel/btf/vmlinux), read just
 * far enough to name a kernel function's parameters, their order and the
 * fetch type that fits each, for kernels whose probes cannot take argument
 * names themselves.
 */
#ifndef KPT_BTF_H
#define KPT_BTF_H

#include <stddef.h>

#define KPT_BTF_VMLINUX		"/sys/kernel/btf/vmlinux"

struct kpt_btf;

/*
 * One parameter of a function: its name, the fetch type that reads it
 * ("s32", "u64", "x64", ...; "" when it cannot be fetched from a register:
 * a struct or union passed by value, a float), and the argument slot it
 * occupies (from 0; a 64-bit integer takes two slots on 32-bit machines).
 */
struct kpt_btf_param {
	const char *name;		/* inside the struct kpt_btf */
	char type[8];
	int slot;
};

struct kpt_btf *kpt_btf_load(const char *path, char **errmsg);
struct kpt_btf *kpt_btf_parse(void *data, size_t size, char **errmsg);
int kpt_btf_func_params(const struct kpt_btf *btf, const char *function, unsigned int word_size,
			struct kpt_btf_param **params);
int kpt_btf_func_returns_void(const struct kpt_btf *btf, const char *function);
void kpt_btf_free(struct kpt_btf *btf);

#endif
