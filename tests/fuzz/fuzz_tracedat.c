// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the trace.dat reader. The input is a trace file (version 6
 * or 7, compressed or not); it is opened (the layout walk, the validation and
 * libtracecmd's metadata parsing), its records are streamed (kbuffer page
 * walk), and it is opened again and read through libtracecmd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tracedat/read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_record(void *ctx, const struct kpt_tracedat_record *tr)
{
	uint64_t *n = ctx;
	volatile uint8_t sink = 0;
	size_t i;

	/* touch every byte, so that a record past its page is an ASan error */
	for (i = 0; i < tr->rec.size; i++)
		sink ^= ((const uint8_t *)tr->rec.data)[i];
	(void)sink;
	return ++*n > 100000;
}

static void read_file(const char *path, bool use_libtracecmd)
{
	struct kpt_tracedat_info info;
	struct kpt_tracedat *file;
	struct kpt_loss loss = { 0 };
	char *errmsg = NULL;
	uint64_t n = 0;
	int i;

	if (kpt_tracedat_open(path, &file, &errmsg) < 0) {
		free(errmsg);
		return;
	}
	kpt_tracedat_info(file, &info);
	for (i = 0; i < info.nr_buffers; i++) {
		kpt_tracedat_buffer_name(file, i);
		kpt_tracedat_buffer_has_data(file, i);
		kpt_tracedat_loss(file, i, &loss);
	}
	kpt_tracedat_read(file, use_libtracecmd, count_record, &n, &errmsg);
	free(errmsg);
	kpt_tracedat_comm(file, 1);
	kpt_tracedat_close(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("kpt-fuzz.dat", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		read_file(path, false);
		read_file(path, true);
	}
	close(fd);
	return 0;
}
