/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A trace file's metadata (header page, event formats, command names) read
 * into a tep without libtracecmd; see meta.c.
 */
#ifndef KPT_TRACEDAT_META_H
#define KPT_TRACEDAT_META_H

#include <stdint.h>

#include "tracedat/read.h"

/* Version 7's metadata sections: options 16 (headers) to 21 (cmdlines). */
#define KPT_TRACEDAT_NR_SECTIONS	6

struct tep_handle *kpt_tracedat_read_meta(int fd, uint64_t size,
					  const struct kpt_tracedat_header *header,
					  const uint64_t *sections, char **errmsg);

#endif
