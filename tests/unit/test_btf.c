// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The newer probe types' pieces that need no kernel: the BTF reader (on a
 * blob built here, and on this machine's vmlinux BTF when it is readable),
 * argument names spelled per kernel and architecture, the README-based
 * features of the 5.10, 6.1, 6.12 and 6.18 kernels (tests/data/readme), and
 * the fprobe and %return parsing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe/types.h"
#include "session/btf.h"
#include "session/kernel_features.h"
#include "suites.h"

/* A BTF blob under construction: types and strings, put together by blob_finish(). */
struct blob {
	uint8_t types[512];
	size_t types_len;
	char strings[256];
	size_t strings_len;
};

static void put_u32(struct blob *b, uint32_t v)
{
	memcpy(b->types + b->types_len, &v, 4);
	b->types_len += 4;
}

static uint32_t str(struct blob *b, const char *s)
{
	uint32_t off = b->strings_len;

	strcpy(b->strings + off, s);
	b->strings_len += strlen(s) + 1;
	return off;
}

static uint32_t info(unsigned int kind, unsigned int vlen, bool flag)
{
	return (flag ? 1u << 31 : 0) | (kind << 24) | vlen;
}

static void type(struct blob *b, uint32_t name, uint32_t inf, uint32_t size_or_type)
{
	put_u32(b, name);
	put_u32(b, inf);
	put_u32(b, size_or_type);
}

/*
 * Types: 1 int (s32), 2 long unsigned int (u64), 3 size_t -> 2, 4 char,
 * 5 const -> 4, 6 ptr -> 5, 7 proto(fd: 1, buf: 6, count: 3), 8 FUNC
 * my_read -> 7, 9 struct pair (16 bytes), 10 proto(p: 9, n: 1), 11 FUNC
 * by_value -> 10, 12 long long int (s64), 13 proto(a: 1, b: 12, c: 1), 14
 * FUNC split -> 13, 15 _Bool, 16 enum e (4 bytes, signed), 17 proto(ok: 15,
 * how: 16), 18 FUNC flags -> 17.
 */
static void *build(size_t *size)
{
	struct blob b = { .strings_len = 1 };
	uint8_t *data;
	uint32_t hdr[6];
	uint16_t magic = 0xeb9f;

	type(&b, str(&b, "int"), info(1, 0, false), 4);
	put_u32(&b, (1u << 24) | 32);
	type(&b, str(&b, "long unsigned int"), info(1, 0, false), 8);
	put_u32(&b, 64);
	type(&b, str(&b, "size_t"), info(8, 0, false), 2);
	type(&b, str(&b, "char"), info(1, 0, false), 1);
	put_u32(&b, (2u << 24) | 8);
	type(&b, 0, info(10, 0, false), 4);
	type(&b, 0, info(2, 0, false), 5);
	type(&b, 0, info(13, 3, false), 1);
	put_u32(&b, str(&b, "fd"));
	put_u32(&b, 1);
	put_u32(&b, str(&b, "buf"));
	put_u32(&b, 6);
	put_u32(&b, str(&b, "count"));
	put_u32(&b, 3);
	type(&b, str(&b, "my_read"), info(12, 1, false), 7);
	type(&b, str(&b, "pair"), info(4, 0, false), 16);
	type(&b, 0, info(13, 2, false), 1);
	put_u32(&b, str(&b, "p"));
	put_u32(&b, 9);
	put_u32(&b, str(&b, "n"));
	put_u32(&b, 1);
	type(&b, str(&b, "by_value"), info(12, 1, false), 10);
	type(&b, str(&b, "long long int"), info(1, 0, false), 8);
	put_u32(&b, (1u << 24) | 64);
	type(&b, 0, info(13, 3, false), 1);
	put_u32(&b, str(&b, "a"));
	put_u32(&b, 1);
	put_u32(&b, str(&b, "b"));
	put_u32(&b, 12);
	put_u32(&b, str(&b, "c"));
	put_u32(&b, 1);
	type(&b, str(&b, "split"), info(12, 1, false), 13);
	type(&b, str(&b, "_Bool"), info(1, 0, false), 1);
	put_u32(&b, (4u << 24) | 8);
	type(&b, str(&b, "e"), info(6, 0, true), 4);
	type(&b, 0, info(13, 2, false), 1);
	put_u32(&b, str(&b, "ok"));
	put_u32(&b, 15);
	put_u32(&b, str(&b, "how"));
	put_u32(&b, 16);
	type(&b, str(&b, "flags"), info(12, 1, false), 17);

	*size = 24 + b.types_len + b.strings_len;
	data = malloc(*size);
	ck_assert_ptr_nonnull(data);
	hdr[0] = 24;			/* hdr_len (after magic, version, flags) */
	hdr[1] = 0;			/* type_off */
	hdr[2] = b.types_len;
	hdr[3] = b.types_len;		/* str_off */
	hdr[4] = b.strings_len;
	memcpy(data, &magic, 2);
	data[2] = 1;
	data[3] = 0;
	memcpy(data + 4, hdr, 20);
	memcpy(data + 24, b.types, b.types_len);
	memcpy(data + 24 + b.types_len, b.strings, b.strings_len);
	return data;
}

static struct kpt_btf *load_blob(void)
{
	char *errmsg = NULL;
	size_t size;
	void *data = build(&size);
	struct kpt_btf *btf = kpt_btf_parse(data, size, &errmsg);

	ck_assert_msg(btf != NULL, "blob rejected: %s", errmsg ? errmsg : "");
	return btf;
}

START_TEST(test_btf_params)
{
	struct kpt_btf *btf = load_blob();
	struct kpt_btf_param *params;

	ck_assert_int_eq(kpt_btf_func_params(btf, "my_read", 8, &params), 3);
	ck_assert_str_eq(params[0].name, "fd");
	ck_assert_str_eq(params[0].type, "s32");
	ck_assert_str_eq(params[1].name, "buf");
	ck_assert_str_eq(params[1].type, "x64");
	ck_assert_str_eq(params[2].name, "count");
	ck_assert_str_eq(params[2].type, "u64");
	ck_assert_int_eq(params[2].slot, 2);
	free(params);

	ck_assert_int_eq(kpt_btf_func_params(btf, "by_value", 8, &params), 2);
	ck_assert_str_eq(params[0].type, "");
	ck_assert_int_eq(params[1].slot, -1);
	free(params);

	/* 32-bit: a 64-bit integer takes an even-odd register pair */
	ck_assert_int_eq(kpt_btf_func_params(btf, "split", 4, &params), 3);
	ck_assert_int_eq(params[0].slot, 0);
	ck_assert_int_eq(params[1].slot, 2);
	ck_assert_str_eq(params[1].type, "s64");
	ck_assert_int_eq(params[2].slot, 4);
	free(params);
	ck_assert_int_eq(kpt_btf_func_params(btf, "split", 8, &params), 3);
	ck_assert_int_eq(params[2].slot, 2);
	free(params);

	ck_assert_int_eq(kpt_btf_func_params(btf, "flags", 8, &params), 2);
	ck_assert_str_eq(params[0].type, "u8");
	ck_assert_str_eq(params[1].type, "s32");
	free(params);

	ck_assert_int_eq(kpt_btf_func_params(btf, "nosuch", 8, &params), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(kpt_btf_func_returns_void(btf, "my_read"), 0);
	ck_assert_int_eq(kpt_btf_func_returns_void(btf, "nosuch"), -1);
	kpt_btf_free(btf);
}
END_TEST

START_TEST(test_btf_damaged)
{
	char *errmsg = NULL;
	size_t size;
	uint8_t *data = build(&size);
	uint32_t too_long = size;

	/* the type section said to run past the data */
	memcpy(data + 12, &too_long, 4);
	ck_assert_ptr_null(kpt_btf_parse(data, size, &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, "do not fit"));
	free(errmsg);

	data = build(&size);
	data[0] = 0xeb;
	data[1] = 0x9f;
	ck_assert_ptr_null(kpt_btf_parse(data, size, &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, "magic"));
	free(errmsg);

	/* the type section cut in the middle of the first FUNC_PROTO's parameters */
	data = build(&size);
	too_long = 104;
	memcpy(data + 12, &too_long, 4);
	ck_assert_ptr_null(kpt_btf_parse(data, size, &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, "ends inside type 7"));
	free(errmsg);

	ck_assert_ptr_null(kpt_btf_load("/nonexistent/vmlinux", &errmsg));
	ck_assert_ptr_nonnull(strstr(errmsg, "/nonexistent/vmlinux"));
	free(errmsg);
}
END_TEST

/* This machine's own BTF, where it is readable: vfs_read(file, buf, count, pos). */
START_TEST(test_btf_vmlinux)
{
	struct kpt_btf_param *params;
	struct kpt_btf *btf;
	char *errmsg = NULL;

	if (access(KPT_BTF_VMLINUX, R_OK) != 0)
		return;
	btf = kpt_btf_load(KPT_BTF_VMLINUX, &errmsg);
	ck_assert_msg(btf != NULL, "%s", errmsg ? errmsg : "");
	ck_assert_int_eq(kpt_btf_func_params(btf, "vfs_read", sizeof(long), &params), 4);
	ck_assert_str_eq(params[0].name, "file");
	ck_assert_str_eq(params[2].name, "count");
	ck_assert_str_eq(params[2].type, sizeof(long) == 8 ? "u64" : "u32");
	ck_assert_str_eq(params[3].name, "pos");
	free(params);
	/* schedule() returns nothing: an fprobe exit on 6.12 refuses its $retval */
	ck_assert_int_eq(kpt_btf_func_returns_void(btf, "schedule"), 1);
	ck_assert_int_eq(kpt_btf_func_returns_void(btf, "vfs_read"), 0);
	kpt_btf_free(btf);
}
END_TEST

static char *by_name(const char *args, const char *fn, bool exit, const struct kpt_features *f,
		     const char *arch, const struct kpt_btf *btf, char **errmsg)
{
	*errmsg = NULL;
	return kpt_features_args_by_name(args, fn, exit, f, kpt_arch_get(arch), btf, errmsg);
}

static void names_become(const char *args, const struct kpt_features *f, const char *arch,
			 const struct kpt_btf *btf, const char *want)
{
	char *errmsg, *out = by_name(args, "my_read", false, f, arch, btf, &errmsg);

	ck_assert_msg(out != NULL, "'%s' (%s): %s", args, arch, errmsg ? errmsg : "");
	ck_assert_str_eq(out, want);
	free(out);
}

static void names_fail(const char *args, const char *fn, bool exit, const struct kpt_features *f,
		       const char *arch, const struct kpt_btf *btf, const char *words)
{
	char *errmsg, *out = by_name(args, fn, exit, f, arch, btf, &errmsg);

	ck_assert_msg(out == NULL, "'%s' gave '%s'", args, out ? out : "");
	ck_assert_ptr_nonnull(errmsg);
	ck_assert_msg(strstr(errmsg, words), "'%s': message '%s' lacks '%s'", args, errmsg, words);
	free(errmsg);
}

START_TEST(test_names_per_kernel_and_arch)
{
	struct kpt_features with_argn = { .fetch_argn = true };
	struct kpt_features bare = { 0 };
	struct kpt_features btf_args = { .fetch_argn = true, .btf_args = true, .return_argn = true };
	struct kpt_btf *btf = load_blob();
	char *errmsg, *out;

	names_become("count", &with_argn, "x86-64", btf, "count=$arg3:u64");
	names_become("n=count buf fd:u16 x=%si", &with_argn, "x86-64", btf,
		     "n=$arg3:u64 buf=$arg2:x64 fd=$arg1:u16 x=%si");
	names_become("count buf", &bare, "x86-64", btf, "count=%dx:u64 buf=%si:x64");
	names_become("count fd", &bare, "arm64", btf, "count=%x2:u64 fd=%x0:s32");
	/* the blob is a 64-bit kernel's: its size_t takes r2:r3 on arm */
	names_become("count fd", &bare, "arm", btf, "count=%r2:u64 fd=%r0:s32");
	names_become("count->f buf", &btf_args, "x86-64", NULL, "count->f buf");
	names_become("count->f buf", &btf_args, "x86-64", btf, "count->f buf");
	names_fail("cnt->f", "my_read", false, &btf_args, "x86-64", btf,
		   "my_read has no parameter 'cnt'; its parameters are: fd buf count");
	names_become("dfd=%di +0(%si):string", &bare, "x86-64", NULL, "dfd=%di +0(%si):string");

	/* arm: b is in r2:r3, c would be the fifth register */
	out = by_name("a b", "split", false, &bare, "arm", btf, &errmsg);
	ck_assert_str_eq(out, "a=%r0:s32 b=%r2:s64");
	free(out);
	names_fail("c", "split", false, &bare, "arm", btf, "argument 5, and only the first 4");

	names_fail("cnt", "my_read", false, &with_argn, "x86-64", btf,
		   "my_read has no parameter 'cnt'; its parameters are: fd buf count");
	names_fail("count->f", "my_read", false, &with_argn, "x86-64", btf, "struct fields");
	names_fail("p", "by_value", false, &with_argn, "x86-64", btf, "passed by value");
	names_fail("count", "nosuch", false, &with_argn, "x86-64", btf, "does not describe");
	names_fail("count", "my_read", false, &with_argn, "x86-64", NULL, "has none");
	names_fail("count", "my_read", true, &with_argn, "x86-64", btf,
		   "return probes cannot fetch");
	names_fail("ret=$retval x=$arg2", "my_read", true, &with_argn, "x86-64", btf,
		   "return probes cannot fetch");

	/* return probes that fetch arguments (6.12-like, less the BTF names) */
	with_argn.return_argn = true;
	out = by_name("ret=$retval count", "my_read", true, &with_argn, "x86-64", btf, &errmsg);
	ck_assert_str_eq(out, "ret=$retval count=$arg3:u64");
	free(out);
	out = by_name("ret=$retval count", "my_read", true, &btf_args, "x86-64", NULL, &errmsg);
	ck_assert_str_eq(out, "ret=$retval count");
	free(out);
	ck_assert(kpt_features_args_named("dfd=%di count"));
	ck_assert(!kpt_features_args_named("dfd=%di ret=$retval +0($arg2):string \\1"));
	kpt_btf_free(btf);
}
END_TEST

static void readme_features(const char *name, struct kpt_features *f)
{
	char path[4096], *text;
	FILE *file;
	long size;

	snprintf(path, sizeof(path), "%s/tests/data/readme/%s", KPT_TEST_SRCDIR, name);
	file = fopen(path, "r");
	ck_assert_msg(file != NULL, "cannot open %s", path);
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	rewind(file);
	text = calloc(1, size + 1);
	ck_assert_int_eq(fread(text, 1, size, file), size);
	fclose(file);
	memset(f, 0, sizeof(*f));
	kpt_features_parse_readme(f, text);
	free(text);
}

START_TEST(test_readme_features)
{
	const char *why;
	struct kpt_features f;

	readme_features("readme-5.10", &f);
	ck_assert(f.fetch_argn && !f.fprobe_events && !f.btf_args && !f.return_argn);
	ck_assert(!f.tprobe_events && !f.eprobe_events && f.maxactive);
	f.kprobe_events = true;
	ck_assert_int_eq(kpt_features_kfunc(&f, false, &why), KPT_KFUNC_KPROBE);
	ck_assert_ptr_nonnull(strstr(why, "no fprobe events"));

	readme_features("readme-6.1", &f);
	ck_assert(f.fetch_argn && !f.fprobe_events && !f.btf_args && !f.return_argn);
	ck_assert(f.eprobe_events && !f.tprobe_events && f.kretprobe_suffix && f.synth_events);

	readme_features("readme-6.12", &f);
	ck_assert(f.fetch_argn && f.fprobe_events && f.btf_args && f.return_argn);
	ck_assert(f.tprobe_events && f.eprobe_events && f.kretprobe_suffix);
	f.kprobe_events = true;
	ck_assert_int_eq(kpt_features_kfunc(&f, false, &why), KPT_KFUNC_FPROBE);
	ck_assert_ptr_nonnull(strstr(why, "--kprobes"));
	ck_assert_int_eq(kpt_features_kfunc(&f, true, &why), KPT_KFUNC_KPROBE);
	ck_assert_str_eq(why, "--kprobes asks for kprobes");

	/* 6.18 built without kprobes and fprobes: names are left to kptrace */
	readme_features("readme-6.18-nokprobes", &f);
	ck_assert(f.fetch_argn && !f.fprobe_events && !f.btf_args && !f.tprobe_events);
	ck_assert_int_eq(kpt_features_kfunc(&f, false, &why), KPT_KFUNC_NONE);
	ck_assert_str_eq(kpt_features_kfunc_name(KPT_KFUNC_NONE), "none");
}
END_TEST

static struct kpt_probe probe;

START_TEST(test_fprobe_and_return_args_parse)
{
	char *errmsg = NULL;

	ck_assert_int_eq(kpt_probe_parse("vfs_read count %return count", &probe, &errmsg), 0);
	ck_assert_ptr_eq(probe.type, &kpt_probe_kprobe);
	ck_assert_str_eq(probe.entry.fetchargs, "count");
	ck_assert_str_eq(probe.exit.fetchargs, "ret=$retval count");
	kpt_probe_release(&probe);
	ck_assert_int_eq(kpt_probe_parse("vfs_read %return $arg3", &probe, &errmsg), 0);
	ck_assert_ptr_null(probe.entry.fetchargs);
	ck_assert_str_eq(probe.exit.fetchargs, "ret=$retval $arg3");
	kpt_probe_release(&probe);
	ck_assert_int_eq(kpt_probe_parse("vfs_read count %return", &probe, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "after one %return word"));
	free(errmsg);
	kpt_probe_release(&probe);

	ck_assert_int_eq(kpt_probe_parse("f:vfs_read count", &probe, &errmsg), 0);
	ck_assert_ptr_eq(probe.type, &kpt_probe_fprobe);
	ck_assert_str_eq(probe.name, "vfs_read");
	ck_assert_str_eq(probe.entry.fetchargs, "count");
	ck_assert_int_eq(probe.raw_sides, KPT_RAW_ENTRY);
	{
		struct kpt_probe exit;

		ck_assert_int_eq(kpt_probe_parse("f:vfs_read%return r=$retval", &exit,
						 &errmsg), 0);
		ck_assert_int_eq(exit.raw_sides, KPT_RAW_EXIT);
		ck_assert_int_eq(kpt_probe_merge_raw(&probe, &exit), 1);
		ck_assert_str_eq(probe.exit.fetchargs, "r=$retval");
		kpt_probe_release(&exit);
	}
	ck_assert_int_eq(kpt_probe_name_events(&probe, "kptrace_1", 3), 0);
	ck_assert_str_eq(probe.entry.event, "p3_vfs_read");
	ck_assert_str_eq(probe.exit.event, "r3_vfs_read");
	kpt_probe_release(&probe);

	ck_assert_int_eq(kpt_probe_parse("f:vfs_read+4", &probe, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "no MODULE: or +OFFSET"));
	free(errmsg);
	kpt_probe_release(&probe);
}
END_TEST

Suite *btf_suite(void)
{
	Suite *suite = suite_create("btf");
	TCase *tc = tcase_create("btf");

	tcase_add_test(tc, test_btf_params);
	tcase_add_test(tc, test_btf_damaged);
	tcase_add_test(tc, test_btf_vmlinux);
	tcase_add_test(tc, test_names_per_kernel_and_arch);
	tcase_add_test(tc, test_readme_features);
	tcase_add_test(tc, test_fprobe_and_return_args_parse);
	suite_add_tcase(suite, tc);
	return suite;
}
