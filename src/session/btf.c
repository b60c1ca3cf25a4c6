// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A small BTF reader: the header, the type section and the string section,
 * enough to go from a function's name to its FUNC, its FUNC_PROTO and the
 * parameters listed there (linux: Documentation/bpf/btf.rst).
 *
 *   header:  u16 magic 0xeb9f, u8 version, u8 flags, u32 hdr_len,
 *            u32 type_off, u32 type_len, u32 str_off, u32 str_len
 *            (the offsets count from the end of the header)
 *   type:    u32 name_off, u32 info (vlen bits 0-15, kind 24-28,
 *            kind_flag 31), u32 size or type; then what the kind adds
 *
 * Type ids count from 1 in the order of the type section (0 is void). The
 * whole section is walked once to find where each type starts; every
 * offset and id read from the data is checked against the data's size, so a
 * damaged file gives an error, not a crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session/btf.h"
#include "util.h"

#define BTF_MAGIC	0xeb9f
#define BTF_HDR_SIZE	24

enum {
	BTF_KIND_INT = 1, BTF_KIND_PTR, BTF_KIND_ARRAY, BTF_KIND_STRUCT, BTF_KIND_UNION,
	BTF_KIND_ENUM, BTF_KIND_FWD, BTF_KIND_TYPEDEF, BTF_KIND_VOLATILE, BTF_KIND_CONST,
	BTF_KIND_RESTRICT, BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO, BTF_KIND_VAR, BTF_KIND_DATASEC,
	BTF_KIND_FLOAT, BTF_KIND_DECL_TAG, BTF_KIND_TYPE_TAG, BTF_KIND_ENUM64,
};

#define BTF_INT_SIGNED	0x1
#define BTF_INT_BOOL	0x4

struct kpt_btf {
	uint8_t *data;
	size_t size;
	const uint8_t *types;		/* the type section */
	size_t types_len;
	const char *strings;		/* the string section */
	size_t strings_len;
	uint32_t *offsets;		/* offsets[id - 1]: where type id starts in @types */
	uint32_t nr_types;
};

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static unsigned int kind_of(uint32_t info)
{
	return (info >> 24) & 0x1f;
}

static unsigned int vlen_of(uint32_t info)
{
	return info & 0xffff;
}

/* The bytes a type of @kind with @vlen members takes after its 12-byte head. */
static long kind_extra(unsigned int kind, unsigned int vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12L * vlen;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8L * vlen;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

/* A string of the string section, or NULL if @off is outside it. */
static const char *string_at(const struct kpt_btf *btf, uint32_t off)
{
	if (off >= btf->strings_len || !memchr(btf->strings + off, '\0', btf->strings_len - off))
		return NULL;
	return btf->strings + off;
}

/* Walk the type section once, noting where each type starts. */
static int index_types(struct kpt_btf *btf, char **errmsg)
{
	size_t pos = 0, cap = 0;
	uint32_t *grown;

	while (pos < btf->types_len) {
		long extra;

		if (btf->types_len - pos < 12)
			break;
		extra = kind_extra(kind_of(get_u32(btf->types + pos + 4)),
				   vlen_of(get_u32(btf->types + pos + 4)));
		if (extra < 0) {
			*errmsg = kpt_asprintf("unknown BTF kind %u at type %u",
					       kind_of(get_u32(btf->types + pos + 4)),
					       btf->nr_types + 1);
			return -1;
		}
		if ((size_t)extra > btf->types_len - pos - 12)
			break;
		if (btf->nr_types == cap) {
			cap = cap ? cap * 2 : 4096;
			grown = realloc(btf->offsets, cap * sizeof(*grown));
			if (!grown)
				return -1;
			btf->offsets = grown;
		}
		btf->offsets[btf->nr_types++] = pos;
		pos += 12 + extra;
	}
	if (pos != btf->types_len) {
		*errmsg = kpt_asprintf("the BTF type section ends inside type %u",
				       btf->nr_types + 1);
		return -1;
	}
	return 0;
}

static int parse_header(struct kpt_btf *btf, char **errmsg)
{
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	uint16_t magic;

	if (btf->size < BTF_HDR_SIZE) {
		*errmsg = kpt_asprintf("%zu bytes are too few for a BTF header", btf->size);
		return -1;
	}
	memcpy(&magic, btf->data, sizeof(magic));
	if (magic != BTF_MAGIC) {
		*errmsg = kpt_asprintf("no BTF magic (0x%04x, not 0xeb9f: another byte order, "
				       "or not BTF)", magic);
		return -1;
	}
	hdr_len = get_u32(btf->data + 4);
	type_off = get_u32(btf->data + 8);
	type_len = get_u32(btf->data + 12);
	str_off = get_u32(btf->data + 16);
	str_len = get_u32(btf->data + 20);
	if (hdr_len < BTF_HDR_SIZE || hdr_len > btf->size ||
	    (uint64_t)type_off + type_len > btf->size - hdr_len ||
	    (uint64_t)str_off + str_len > btf->size - hdr_len) {
		*errmsg = kpt_asprintf("the BTF header's sections do not fit in its %zu bytes",
				       btf->size);
		return -1;
	}
	btf->types = btf->data + hdr_len + type_off;
	btf->types_len = type_len;
	btf->strings = (const char *)btf->data + hdr_len + str_off;
	btf->strings_len = str_len;
	return 0;
}

/**
 * kpt_btf_parse - read BTF data
 * @data: the data, malloc'd; owned by the result from here (freed on error too)
 * @size: its size in bytes
 * @errmsg: on failure, a malloc'd message saying what is wrong
 *
 * Returns the handle (kpt_btf_free()), or NULL.
 */
struct kpt_btf *kpt_btf_parse(void *data, size_t size, char **errmsg)
{
	struct kpt_btf *btf = calloc(1, sizeof(*btf));

	*errmsg = NULL;
	if (!btf) {
		free(data);
		return NULL;
	}
	btf->data = data;
	btf->size = size;
	if (parse_header(btf, errmsg) < 0 || index_types(btf, errmsg) < 0) {
		kpt_btf_free(btf);
		return NULL;
	}
	return btf;
}

/**
 * kpt_btf_load - read a BTF file, e.g. KPT_BTF_VMLINUX
 * @path: the file
 * @errmsg: on failure, a malloc'd message naming @path
 *
 * Returns the handle (kpt_btf_free()), or NULL.
 */
struct kpt_btf *kpt_btf_load(const char *path, char **errmsg)
{
	size_t size = 0, cap = 1 << 20;
	uint8_t *data = malloc(cap), *grown;
	struct kpt_btf *btf;
	char *why = NULL;
	FILE *file;
	size_t got;

	*errmsg = NULL;
	file = fopen(path, "rb");
	if (!file || !data) {
		*errmsg = kpt_asprintf("cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	/* sysfs files report no size: read until the end */
	while ((got = fread(data + size, 1, cap - size, file)) > 0) {
		size += got;
		if (size < cap)
			continue;
		grown = realloc(data, cap * 2);
		if (!grown)
			goto fail;
		data = grown;
		cap *= 2;
	}
	if (ferror(file)) {
		*errmsg = kpt_asprintf("cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(file);
	btf = kpt_btf_parse(data, size, &why);
	if (!btf && why)
		*errmsg = kpt_asprintf("%s: %s", path, why);
	free(why);
	return btf;
fail:
	if (file)
		fclose(file);
	free(data);
	return NULL;
}

/* The head of type @id, or NULL for void or an id out of range. */
static const uint8_t *type_at(const struct kpt_btf *btf, uint32_t id)
{
	return id && id <= btf->nr_types ? btf->types + btf->offsets[id - 1] : NULL;
}

/* Follow typedefs and qualifiers to the type that has a shape. */
static const uint8_t *resolve(const struct kpt_btf *btf, uint32_t id)
{
	const uint8_t *t = type_at(btf, id);
	int depth;

	for (depth = 0; t && depth < 32; depth++) {
		switch (kind_of(get_u32(t + 4))) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			t = type_at(btf, get_u32(t + 8));
			continue;
		default:
			return t;
		}
	}
	return NULL;
}

/*
 * The fetch type of type @id: integers and enums by their size and sign
 * (bool as u8), pointers in hex at the machine's word size; "" for what a
 * register cannot hold (struct, union, float, void). *@size gets the size.
 */
static void fetch_type(const struct kpt_btf *btf, uint32_t id, unsigned int word_size,
		       char *type, size_t len, unsigned int *size)
{
	const uint8_t *t = resolve(btf, id);
	unsigned int kind, bytes;
	bool is_signed;
	uint32_t info;

	type[0] = '\0';
	*size = word_size;
	if (!t)
		return;
	info = get_u32(t + 4);
	kind = kind_of(info);
	bytes = get_u32(t + 8);
	switch (kind) {
	case BTF_KIND_PTR:
		snprintf(type, len, "x%u", 8 * word_size);
		return;
	case BTF_KIND_INT:
		is_signed = (get_u32(t + 12) >> 24) & BTF_INT_SIGNED;
		if ((get_u32(t + 12) >> 24) & BTF_INT_BOOL)
			is_signed = false;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		is_signed = info >> 31;
		break;
	default:
		return;
	}
	if (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)
		return;
	*size = bytes;
	snprintf(type, len, "%c%u", is_signed ? 's' : 'u', 8 * bytes);
}

/* The FUNC_PROTO of function @function, or NULL. */
static const uint8_t *find_proto(const struct kpt_btf *btf, const char *function)
{
	const char *name;
	uint32_t id;

	for (id = 1; id <= btf->nr_types; id++) {
		const uint8_t *t = type_at(btf, id), *proto;

		if (kind_of(get_u32(t + 4)) != BTF_KIND_FUNC)
			continue;
		name = string_at(btf, get_u32(t));
		if (!name || strcmp(name, function) != 0)
			continue;
		proto = type_at(btf, get_u32(t + 8));
		if (proto && kind_of(get_u32(proto + 4)) == BTF_KIND_FUNC_PROTO)
			return proto;
	}
	return NULL;
}

/**
 * kpt_btf_func_params - the parameters of a kernel function
 * @btf: the type information
 * @function: the function's name (without a .isra.0-like suffix: BTF has none)
 * @word_size: the size of a register of the traced machine, in bytes
 * @params: set to a malloc'd array, in order; its names live in @btf
 *
 * A parameter's slot is -1 after a struct or union passed by value (its
 * register is not known). Returns the number of parameters (0 for none), or -1
 * with errno ENOENT when BTF describes no such function, ENOMEM, or EINVAL
 * for damaged data.
 */
int kpt_btf_func_params(const struct kpt_btf *btf, const char *function, unsigned int word_size,
			struct kpt_btf_param **params)
{
	const uint8_t *proto = find_proto(btf, function);
	unsigned int i, nr, size;
	int slot = 0;

	*params = NULL;
	if (!proto) {
		errno = ENOENT;
		return -1;
	}
	nr = vlen_of(get_u32(proto + 4));
	if (!nr)
		return 0;
	*params = calloc(nr, sizeof(**params));
	if (!*params) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < nr; i++) {
		const uint8_t *p = proto + 12 + 8 * i;
		struct kpt_btf_param *param = &(*params)[i];

		param->name = string_at(btf, get_u32(p));
		/* a variadic function ends with a nameless parameter of type void */
		if (!param->name || (!param->name[0] && get_u32(p + 4) == 0)) {
			nr = i;
			break;
		}
		fetch_type(btf, get_u32(p + 4), word_size, param->type, sizeof(param->type), &size);
		/* 32-bit ABIs pass a 64-bit integer in an even-odd register pair */
		if (size > word_size && slot % 2)
			slot++;
		param->slot = slot;
		/* after a struct passed by value, which registers hold what is unknown */
		if (slot < 0 || !param->type[0])
			slot = -1;
		else
			slot += size > word_size ? 2 : 1;
	}
	return (int)nr;
}

/**
 * kpt_btf_func_returns_void - whether a kernel function returns nothing
 * @btf: the type information
 * @function: the function's name
 *
 * Returns 1 for void, 0 for a value, -1 (errno ENOENT) when BTF describes
 * no such function.
 */
int kpt_btf_func_returns_void(const struct kpt_btf *btf, const char *function)
{
	const uint8_t *proto = find_proto(btf, function);

	if (!proto) {
		errno = ENOENT;
		return -1;
	}
	return get_u32(proto + 8) == 0;	/* type id 0 is void */
}

/**
 * kpt_btf_free - release the handle and its data (NULL is fine)
 * @btf: the handle
 */
void kpt_btf_free(struct kpt_btf *btf)
{
	if (!btf)
		return;
	free(btf->offsets);
	free(btf->data);
	free(btf);
}
