// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the ELF symbol reader (uprobe offsets). The input is an
 * ELF file; a few symbols are looked up in it as a probe would look them up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe/elf_sym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const symbols[] = { "main", "malloc", "kpt_work", "_start" };
	int fd = memfd_create("kpt-fuzz.elf", MFD_CLOEXEC);
	char path[64], *errmsg;
	uint64_t offset;
	size_t i;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		for (i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
			errmsg = NULL;
			kpt_elf_symbol_offset(path, symbols[i], &offset, &errmsg);
			free(errmsg);
		}
	}
	close(fd);
	return 0;
}
