// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A trace file's metadata read by kptrace itself, for builds without
 * libtracecmd (configure --without-libtracecmd, as the static binary for
 * embedded boards is): the header page, every event format and the saved
 * command names go into a tep, as libtracecmd would put them there.
 *
 * Version 6 keeps them one after the other behind the file's header; version
 * 7 keeps each in a section that options 16 to 21 point to, with the same
 * content after a 16-byte section header. Compressed sections are refused:
 * reading them is left to libtracecmd. Kallsyms are skipped, as a latency
 * report never looks at them; printk formats are parsed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>

#include "tracedat/format.h"
#include "tracedat/meta.h"
#include "util.h"

#define MAX_META_SIZE	(256 << 20)	/* one piece of metadata larger than this is corrupt */
#define SECTION_HEADER	16

struct cursor {
	int fd;
	uint64_t size;		/* of the file */
	uint64_t pos;
	bool big_endian;
	char *errmsg;
};

static int fail(struct cursor *c, char *msg)
{
	if (!c->errmsg)
		c->errmsg = msg;
	else
		free(msg);
	return -1;
}

static int get(struct cursor *c, void *buf, uint64_t len, const char *what)
{
	ssize_t n;

	if (c->pos + len > c->size || c->pos + len < c->pos)
		return fail(c, kpt_asprintf("truncated: its %s end past the end of the file", what));
	n = pread(c->fd, buf, len, c->pos);
	if (n < 0 || (uint64_t)n != len)
		return fail(c, kpt_asprintf("cannot read its %s at offset %" PRIu64 ": %s", what,
					    c->pos, n < 0 ? strerror(errno) : "short read"));
	c->pos += len;
	return 0;
}

static int number(struct cursor *c, int size, uint64_t *val, const char *what)
{
	unsigned char buf[8];
	int i;

	if (get(c, buf, size, what) < 0)
		return -1;
	*val = 0;
	for (i = 0; i < size; i++)
		*val |= (uint64_t)buf[c->big_endian ? size - 1 - i : i] << (8 * i);
	return 0;
}

/* @len bytes at the cursor, NUL-terminated; malloc'd. */
static char *blob(struct cursor *c, uint64_t len, const char *what)
{
	char *buf;

	if (len > MAX_META_SIZE) {
		fail(c, kpt_asprintf("corrupt %s: %" PRIu64 " bytes", what, len));
		return NULL;
	}
	buf = malloc(len + 1);
	if (!buf) {
		fail(c, strdup(strerror(ENOMEM)));
		return NULL;
	}
	if (get(c, buf, len, what) < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* A size of @size_bytes, then that many bytes: handed to @parse, or skipped when it is NULL. */
static int sized(struct cursor *c, int size_bytes, const char *what,
		 int (*parse)(struct tep_handle *, char *, uint64_t, void *), struct tep_handle *tep,
		 void *arg)
{
	uint64_t len;
	char *buf;
	int ret;

	if (number(c, size_bytes, &len, what) < 0)
		return -1;
	if (!parse) {
		if (len > c->size || c->pos + len > c->size)
			return fail(c, kpt_asprintf("truncated: its %s end past the end of the "
						    "file", what));
		c->pos += len;
		return 0;
	}
	buf = blob(c, len, what);
	if (!buf)
		return -1;
	ret = parse(tep, buf, len, arg);
	free(buf);
	if (ret < 0)
		return fail(c, kpt_asprintf("libtraceevent cannot parse its %s", what));
	return 0;
}

static int parse_header_page(struct tep_handle *tep, char *buf, uint64_t len, void *arg)
{
	return tep_parse_header_page(tep, buf, len, *(int *)arg) ? -1 : 0;
}

static int parse_event(struct tep_handle *tep, char *buf, uint64_t len, void *system)
{
	/* An event libtraceevent cannot parse is skipped, as libtracecmd does. */
	tep_parse_event(tep, buf, len, system);
	return 0;
}

static int parse_printk(struct tep_handle *tep, char *buf, uint64_t len, void *arg)
{
	return len ? tep_parse_printk_formats(tep, buf) : 0;
}

static int parse_cmdlines(struct tep_handle *tep, char *buf, uint64_t len, void *arg)
{
	return len ? tep_parse_saved_cmdlines(tep, buf) : 0;
}

static int expect(struct cursor *c, const char *tag, size_t len)
{
	char buf[16];

	if (get(c, buf, len, tag) < 0)
		return -1;
	if (memcmp(buf, tag, len))
		return fail(c, kpt_asprintf("corrupt: \"%s\" expected at offset %" PRIu64, tag,
					    c->pos - len));
	return 0;
}

static int read_headers(struct cursor *c, struct tep_handle *tep, int long_size)
{
	if (expect(c, "header_page", 12) < 0 ||
	    sized(c, 8, "header page", parse_header_page, tep, &long_size) < 0 ||
	    expect(c, "header_event", 13) < 0)
		return -1;
	return sized(c, 8, "header event", NULL, tep, NULL);
}

static int read_ftrace_events(struct cursor *c, struct tep_handle *tep)
{
	uint64_t count, i;

	if (number(c, 4, &count, "ftrace event formats") < 0)
		return -1;
	for (i = 0; i < count; i++) {
		if (sized(c, 8, "ftrace event formats", parse_event, tep, "ftrace") < 0)
			return -1;
	}
	return 0;
}

static int read_events(struct cursor *c, struct tep_handle *tep)
{
	uint64_t systems, count, i, j;
	char system[256];

	if (number(c, 4, &systems, "event formats") < 0)
		return -1;
	for (i = 0; i < systems; i++) {
		ssize_t n = pread(c->fd, system, sizeof(system), c->pos);
		char *nul = n > 0 ? memchr(system, '\0', n) : NULL;

		if (!nul)
			return fail(c, kpt_asprintf("corrupt event system name at offset %" PRIu64,
						    c->pos));
		c->pos += nul - system + 1;
		if (number(c, 4, &count, "event formats") < 0)
			return -1;
		for (j = 0; j < count; j++) {
			if (sized(c, 8, "event formats", parse_event, tep, system) < 0)
				return -1;
		}
	}
	return 0;
}

/* Version 7: position @c after the header of section @id at @offset. */
static int section(struct cursor *c, const uint64_t *sections, int id, const char *what)
{
	uint64_t sid, flags;

	if (!sections[id - KPT_TRACEDAT_OPT_HEADER_INFO])
		return fail(c, kpt_asprintf("corrupt: it has no %s section", what));
	c->pos = sections[id - KPT_TRACEDAT_OPT_HEADER_INFO];
	if (number(c, 2, &sid, what) < 0 || number(c, 2, &flags, what) < 0)
		return -1;
	if (flags & 1)
		return fail(c, kpt_asprintf("its %s section is compressed, and this kptrace was "
					    "built without libtracecmd, which reads compressed "
					    "files: read it with trace-cmd report, or with a kptrace "
					    "built with libtracecmd", what));
	c->pos += SECTION_HEADER - 4;
	return 0;
}

/**
 * kpt_tracedat_read_meta - a trace file's event formats and command names, without libtracecmd
 * @fd: the open file
 * @size: its size
 * @header: its header, checked already (kpt_tracedat_parse_header())
 * @sections: version 7: the offsets of sections 16 (headers) to 21 (cmdlines), 0 where
 *	missing; version 6: NULL, the metadata follow the header
 * @errmsg: on failure, a malloc'd message saying what is wrong (without the file name)
 *
 * Returns a tep that the caller owns (tep_free()), or NULL on error.
 */
struct tep_handle *kpt_tracedat_read_meta(int fd, uint64_t size,
					  const struct kpt_tracedat_header *header,
					  const uint64_t *sections, char **errmsg)
{
	struct cursor c = { .fd = fd, .size = size, .pos = header->length,
			    .big_endian = header->big_endian };
	struct tep_handle *tep = tep_alloc();
	int ret;

	*errmsg = NULL;
	if (!tep) {
		*errmsg = strdup(strerror(ENOMEM));
		return NULL;
	}
	tep_set_file_bigendian(tep, header->big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, header->long_size);
	tep_set_page_size(tep, header->page_size);
	if (!sections) {
		ret = read_headers(&c, tep, header->long_size) ?: read_ftrace_events(&c, tep) ?:
		      read_events(&c, tep) ?: sized(&c, 4, "kallsyms", NULL, tep, NULL) ?:
		      sized(&c, 4, "printk formats", parse_printk, tep, NULL) ?:
		      sized(&c, 8, "saved command lines", parse_cmdlines, tep, NULL);
	} else {
		ret = section(&c, sections, KPT_TRACEDAT_OPT_HEADER_INFO, "headers") ?:
		      read_headers(&c, tep, header->long_size) ?:
		      section(&c, sections, KPT_TRACEDAT_OPT_HEADER_INFO + 1,
			      "ftrace event formats") ?:
		      read_ftrace_events(&c, tep) ?:
		      section(&c, sections, KPT_TRACEDAT_OPT_HEADER_INFO + 2, "event formats") ?:
		      read_events(&c, tep);
		/* printk formats and command names are optional; kallsyms are not read. */
		if (!ret && sections[KPT_TRACEDAT_OPT_HEADER_INFO + 4 - KPT_TRACEDAT_OPT_HEADER_INFO])
			ret = section(&c, sections, KPT_TRACEDAT_OPT_HEADER_INFO + 4,
				      "printk formats") ?:
			      sized(&c, 4, "printk formats", parse_printk, tep, NULL);
		if (!ret && sections[KPT_TRACEDAT_OPT_CMDLINES - KPT_TRACEDAT_OPT_HEADER_INFO])
			ret = section(&c, sections, KPT_TRACEDAT_OPT_CMDLINES,
				      "saved command lines") ?:
			      sized(&c, 8, "saved command lines", parse_cmdlines, tep, NULL);
	}
	if (ret < 0) {
		*errmsg = c.errmsg ? c.errmsg : strdup(strerror(ENOMEM));
		tep_free(tep);
		return NULL;
	}
	return tep;
}
