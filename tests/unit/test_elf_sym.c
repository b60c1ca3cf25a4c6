// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tests for elf_sym: symbol to uprobe file offset, library name to path.
 *
 * Offsets are checked against routes that do not go through program headers:
 * for functions in this test binary and in libc, the runtime address minus
 * the start of its mapping in /proc/self/maps plus that mapping's file
 * offset; for kpt_sleeper, the symbol's section (st_value - sh_addr +
 * sh_offset) and the bytes found there.
 *
 * The kpt_sleeper test programs, built PIE (kpt_sleeper) and non-PIE
 * (kpt_sleeper_nopie), are looked for in $KPT_PROGS_DIR, by default
 * "tests/progs" relative to the current directory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* RTLD_NOLOAD, dlvsym(), asprintf() */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <gelf.h>

#include "probe/elf_sym.h"

#if defined(__aarch64__)
#define KPT_TEST_MACHINE	EM_AARCH64
#define KPT_TEST_FOREIGN	EM_X86_64
#else
#define KPT_TEST_MACHINE	EM_X86_64
#define KPT_TEST_FOREIGN	EM_AARCH64
#endif

Suite *elf_sym_suite(void);
unsigned int kpt_test_elf_target(unsigned int x);

/* A function of this binary whose offset the tests resolve through /proc/self/exe. */
__attribute__((noinline, used)) unsigned int kpt_test_elf_target(unsigned int x)
{
	return x * 3 + 1;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *str;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&str, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(ret, 0);
	return str;
}

static const char *progs_dir(void)
{
	const char *dir = getenv("KPT_PROGS_DIR");

	return dir && *dir ? dir : "tests/progs";
}

/* The path of test program @name; aborts the test with a hint if it is missing. */
static char *prog_path(const char *name)
{
	char *path = xasprintf("%s/%s", progs_dir(), name);

	if (access(path, R_OK) < 0)
		ck_abort_msg("test program %s is missing (%s): build it first (make check does), "
			     "or point KPT_PROGS_DIR at the directory that holds it", path,
			     strerror(errno));
	return path;
}

/*
 * The file offset of runtime address @addr in this process, from the mapping
 * in /proc/self/maps that contains it. The mapped file's path goes to @file.
 */
static uint64_t runtime_offset(const void *addr, char **file)
{
	unsigned long long start, end, off;
	uintptr_t where = (uintptr_t)addr;
	char *line = NULL;
	size_t size = 0;
	int found = 0, pos;
	ssize_t n;
	uint64_t result = 0;
	FILE *fp = fopen("/proc/self/maps", "r");

	ck_assert_ptr_nonnull(fp);
	while (!found && (n = getline(&line, &size, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		pos = -1;
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &pos) < 3 ||
		    pos < 0)
			continue;
		if (where < start || where >= end)
			continue;
		result = where - start + off;
		*file = strdup(line + pos);
		found = 1;
	}
	free(line);
	fclose(fp);
	ck_assert_msg(found, "address %p is not in any mapping", addr);
	return result;
}

/* Resolve and expect success. */
static uint64_t resolve_ok(const char *path, const char *symbol)
{
	uint64_t offset = 0;
	char *err = NULL;

	if (kpt_elf_symbol_offset(path, symbol, &offset, &err) < 0)
		ck_abort_msg("resolving %s in %s failed: %s", symbol, path, err);
	ck_assert_ptr_null(err);
	return offset;
}

/* Resolve and expect failure with a message that contains each of @want (NULL-terminated). */
static void resolve_fails(const char *path, const char *symbol, const char *const *want)
{
	uint64_t offset = 0xdead;
	char *err = NULL;

	ck_assert_int_eq(kpt_elf_symbol_offset(path, symbol, &offset, &err), -1);
	ck_assert_ptr_nonnull(err);
	for (; *want; want++)
		ck_assert_msg(strstr(err, *want), "message for %s in %s lacks '%s': %s", symbol,
			      path, *want, err);
	free(err);
}

#define EXPECT_FAIL(path, symbol, ...) \
	resolve_fails(path, symbol, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_own_function)
{
	char *file = NULL;
	uint64_t want = runtime_offset((const void *)(uintptr_t)&kpt_test_elf_target, &file);

	ck_assert_uint_eq(resolve_ok("/proc/self/exe", "kpt_test_elf_target"), want);
	ck_assert_uint_eq(resolve_ok("/proc/self/exe", "kpt_test_elf_target+0x2"), want + 2);
	ck_assert_uint_eq(kpt_test_elf_target(1), 4);
	free(file);
}
END_TEST

/* libc: no .symtab on most distributions, so this exercises .dynsym. */
START_TEST(test_libc_function)
{
	char *path, *err = NULL, *file = NULL, *expected_path;
	void *libc, *addr;
	uint64_t want;

	path = kpt_elf_find_object("c", getpid(), &err);
	ck_assert_msg(path, "libc not found: %s", err);
	libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	ck_assert_ptr_nonnull(libc);
	addr = dlsym(libc, "nanosleep");
	ck_assert_ptr_nonnull(addr);
	want = runtime_offset(addr, &file);

	expected_path = xasprintf("/proc/%d/root%s", (int)getpid(), file);
	ck_assert_str_eq(path, expected_path);
	ck_assert_uint_eq(resolve_ok(path, "nanosleep"), want);

	/* memcpy@GLIBC_2.2.5 is an old, non-default version at another address */
	addr = dlvsym(libc, "memcpy", "GLIBC_2.2.5");
	if (addr) {
		free(file);
		ck_assert_uint_ne(resolve_ok(path, "memcpy"), runtime_offset(addr, &file));
	}
	EXPECT_FAIL(path, "stdout", "'stdout'", path, "not a function");
	EXPECT_FAIL(path, "kpt_no_such_function", "'kpt_no_such_function'", path, "not found");

	dlclose(libc);
	free(expected_path);
	free(file);
	free(path);
}
END_TEST

/*
 * The offset of @name in @path the other way: through its section header,
 * checking that the bytes there are the section's bytes at st_value.
 */
static uint64_t section_offset(const char *path, const char *name, GElf_Half want_type,
			       uint64_t *value)
{
	unsigned char from_file[16], *from_section;
	size_t i, count, len = 0;
	Elf_Scn *scn = NULL, *text;
	GElf_Shdr shdr, text_shdr;
	GElf_Ehdr ehdr;
	Elf_Data *data;
	GElf_Sym sym;
	uint64_t offset = 0;
	Elf *elf;
	int fd;

	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ck_assert_ptr_nonnull(elf);
	ck_assert_ptr_nonnull(gelf_getehdr(elf, &ehdr));
	ck_assert_msg(ehdr.e_type == want_type, "%s has ELF type %u, expected %u: was it built "
		      "with the right -pie/-no-pie flags?", path, ehdr.e_type, want_type);

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB)
			break;
	}
	ck_assert_msg(scn, "%s has no .symtab", path);
	data = elf_getdata(scn, NULL);
	ck_assert_ptr_nonnull(data);
	count = shdr.sh_size / shdr.sh_entsize;
	for (i = 0; i < count; i++) {
		const char *str;

		ck_assert_ptr_nonnull(gelf_getsym(data, i, &sym));
		str = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (str && !strcmp(str, name) && sym.st_shndx != SHN_UNDEF)
			break;
	}
	ck_assert_msg(i < count, "%s not in the .symtab of %s", name, path);

	text = elf_getscn(elf, sym.st_shndx);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(gelf_getshdr(text, &text_shdr));
	ck_assert_uint_eq(text_shdr.sh_type, SHT_PROGBITS);
	ck_assert(sym.st_value >= text_shdr.sh_addr);
	offset = sym.st_value - text_shdr.sh_addr + text_shdr.sh_offset;
	*value = sym.st_value;

	data = elf_getdata(text, NULL);
	ck_assert_ptr_nonnull(data);
	len = sym.st_size < sizeof(from_file) ? sym.st_size : sizeof(from_file);
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(sym.st_value - text_shdr.sh_addr + len, data->d_size);
	from_section = (unsigned char *)data->d_buf + (sym.st_value - text_shdr.sh_addr);
	ck_assert_int_eq(pread(fd, from_file, len, offset), (ssize_t)len);
	ck_assert_mem_eq(from_file, from_section, len);

	elf_end(elf);
	close(fd);
	return offset;
}

static void check_sleeper(const char *name, GElf_Half type)
{
	char *path = prog_path(name);
	uint64_t work, value, recurse, recurse_value;

	work = resolve_ok(path, "kpt_work");
	ck_assert_uint_eq(work, section_offset(path, "kpt_work", type, &value));
	if (type == ET_EXEC)	/* linked at 0x400000: a translation is needed */
		ck_assert_uint_ne(work, value);
	recurse = resolve_ok(path, "kpt_recurse");
	ck_assert_uint_eq(recurse, section_offset(path, "kpt_recurse", type, &recurse_value));
	ck_assert_uint_ne(recurse, work);

	ck_assert_uint_eq(resolve_ok(path, "kpt_work+0x4"), work + 4);
	ck_assert_uint_eq(resolve_ok(path, "kpt_work+4"), work + 4);
	ck_assert_uint_eq(resolve_ok(path, "kpt_work+0"), work);
	ck_assert_uint_eq(resolve_ok(path, "kpt_work+0X10"), work + 16);
	EXPECT_FAIL(path, "kpt_work+99999", "kpt_work+99999", path, "past the end");
	EXPECT_FAIL(path, "kpt_work+", "kpt_work+", "bad offset");
	EXPECT_FAIL(path, "kpt_work+0x", "bad offset");
	EXPECT_FAIL(path, "kpt_work+12z", "bad offset");
	EXPECT_FAIL(path, "kpt_work+-1", "bad offset");
	EXPECT_FAIL(path, "+0x4", "empty symbol");
	EXPECT_FAIL(path, "kpt_no_such_function", "'kpt_no_such_function'", path, "not found");
	EXPECT_FAIL(path, "kpt_sink", "'kpt_sink'", path, "not a function");
	EXPECT_FAIL(path, "nanosleep", "'nanosleep'", path, "imported");
	free(path);
}

START_TEST(test_sleeper_pie)
{
	check_sleeper("kpt_sleeper", ET_DYN);
}
END_TEST

START_TEST(test_sleeper_nopie)
{
	check_sleeper("kpt_sleeper_nopie", ET_EXEC);
}
END_TEST

/* A temporary directory, removed with its entries by remove_tmpdir(). */
static char *make_tmpdir(void)
{
	char *dir = strdup("/tmp/kpt_elf_sym.XXXXXX");

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_tmpdir(char *dir, const char *const *files)
{
	char *path;

	for (; *files; files++) {
		path = xasprintf("%s/%s", dir, *files);
		if (unlink(path) < 0)
			rmdir(path);
		free(path);
	}
	rmdir(dir);
	free(dir);
}

/* Write an ELF header with no contents through libelf. */
static char *write_elf(const char *dir, const char *name, int elf_class, GElf_Half machine,
		       GElf_Half type)
{
	char *path = xasprintf("%s/%s", dir, name);
	GElf_Ehdr ehdr;
	Elf *elf;
	int fd;

	ck_assert_int_ne(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	elf = elf_begin(fd, ELF_C_WRITE, NULL);
	ck_assert_ptr_nonnull(elf);
	ck_assert_ptr_nonnull(gelf_newehdr(elf, elf_class));
	ck_assert_ptr_nonnull(gelf_getehdr(elf, &ehdr));
	ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr.e_machine = machine;
	ehdr.e_type = type;
	ehdr.e_version = EV_CURRENT;
	ck_assert(gelf_update_ehdr(elf, &ehdr));
	ck_assert_int_ge(elf_update(elf, ELF_C_WRITE), 0);
	elf_end(elf);
	close(fd);
	return path;
}

START_TEST(test_bad_files)
{
	static const char *const files[] = { "text", "elf32", "foreign", "object", "subdir", NULL };
	char *dir = make_tmpdir();
	char *text = xasprintf("%s/text", dir);
	char *subdir = xasprintf("%s/subdir", dir);
	char *missing = xasprintf("%s/missing", dir);
	char *elf32, *foreign, *object;
	FILE *fp;

	fp = fopen(text, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("#!/bin/sh\necho not an ELF file\n", fp);
	fclose(fp);
	ck_assert_int_eq(mkdir(subdir, 0755), 0);
	elf32 = write_elf(dir, "elf32", ELFCLASS32, EM_386, ET_EXEC);
	foreign = write_elf(dir, "foreign", ELFCLASS64, KPT_TEST_FOREIGN, ET_DYN);
	object = write_elf(dir, "object", ELFCLASS64, KPT_TEST_MACHINE, ET_REL);

	EXPECT_FAIL(text, "main", text, "'main'", "not an ELF file");
	EXPECT_FAIL(subdir, "main", subdir, "'main'", "not a regular file");
	EXPECT_FAIL(missing, "main", missing, "'main'", strerror(ENOENT));
	EXPECT_FAIL(elf32, "main", elf32, "'main'", "32-bit");
	EXPECT_FAIL(foreign, "main", foreign, "'main'", "another architecture");
	EXPECT_FAIL(object, "main", object, "'main'", "not an executable or shared library");

	free(text);
	free(subdir);
	free(missing);
	free(elf32);
	free(foreign);
	free(object);
	remove_tmpdir(dir, files);
}
END_TEST

/* Expect kpt_elf_find_object() to fail with a message that contains @want. */
static void find_fails(const char *name, int pid, const char *want)
{
	char *err = NULL;

	ck_assert_ptr_null(kpt_elf_find_object(name, pid, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want), "message for '%s' lacks '%s': %s", name, want, err);
	free(err);
}

static char *find_ok(const char *name, int pid)
{
	char *err = NULL, *path = kpt_elf_find_object(name, pid, &err);

	ck_assert_msg(path, "'%s' (pid %d) not found: %s", name, pid, err);
	ck_assert_ptr_null(err);
	return path;
}

START_TEST(test_find_libc)
{
	const char *const names[] = { "c", "libc" };
	char *path, *prefix = xasprintf("/proc/%d/root/", (int)getpid());
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path = find_ok(names[i], getpid());
		ck_assert_msg(strstr(path, "libc.so"), "%s: %s", names[i], path);
		ck_assert_msg(!strncmp(path, prefix, strlen(prefix)), "%s: %s", names[i], path);
		free(path);

		path = find_ok(names[i], 0);
		ck_assert_msg(strstr(path, "libc.so"), "%s: %s", names[i], path);
		ck_assert_msg(path[0] == '/' && strncmp(path, "/proc/", 6), "%s: %s", names[i],
			      path);
		resolve_ok(path, "nanosleep");	/* an ELF library, not the linker script */
		free(path);
	}
	free(prefix);
}
END_TEST

START_TEST(test_find_own_executable)
{
	char exe[PATH_MAX], *path, *want;
	const char *base;
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(len, 0);
	exe[len] = '\0';
	base = strrchr(exe, '/') + 1;
	path = find_ok(base, getpid());
	want = xasprintf("/proc/%d/root%s", (int)getpid(), exe);
	ck_assert_str_eq(path, want);
	free(want);
	free(path);
}
END_TEST

START_TEST(test_find_paths)
{
	char *sleeper = prog_path("kpt_sleeper"), *path, *dir, *old_path, *want, *err = NULL;
	const char *env = getenv("PATH");

	path = find_ok(sleeper, 0);
	ck_assert_str_eq(path, sleeper);
	free(path);
	path = find_ok(sleeper, getpid());	/* paths are taken as they are */
	ck_assert_str_eq(path, sleeper);
	free(path);
	find_fails("/nonexistent/kpt_no_such_file", 0, "/nonexistent/kpt_no_such_file");
	find_fails("/", 0, "not a regular file");
	find_fails("", 0, "empty");
	find_fails("kpt_no_such_library_zz", 0, "'kpt_no_such_library_zz'");
	find_fails("kpt_no_such_library_zz", getpid(), "'kpt_no_such_library_zz'");
	find_fails("c", INT_MAX, "/proc/2147483647/maps");

	/* a program found through $PATH (only absolute entries are used) */
	dir = realpath(progs_dir(), NULL);
	ck_assert_ptr_nonnull(dir);
	old_path = env ? strdup(env) : NULL;
	want = xasprintf("relative/dir:%s:/nonexistent", dir);
	ck_assert_int_eq(setenv("PATH", want, 1), 0);
	free(want);
	path = kpt_elf_find_object("kpt_sleeper", 0, &err);
	if (old_path)
		setenv("PATH", old_path, 1);
	else
		unsetenv("PATH");
	ck_assert_msg(path, "kpt_sleeper not found in $PATH: %s", err);
	want = xasprintf("%s/kpt_sleeper", dir);
	ck_assert_str_eq(path, want);

	free(want);
	free(path);
	free(old_path);
	free(dir);
	free(sleeper);
}
END_TEST

/**
 * elf_sym_suite - the tests of symbol and library resolution
 *
 * Returns the suite, for the runner to add.
 */
/* The functions of a program: sorted, each once, only those it defines. */
START_TEST(test_functions)
{
	char *path = prog_path("kpt_sleeper"), **names, *errmsg;
	size_t nr, i;
	int work = 0, recurse = 0, main_fn = 0;

	ck_assert_int_eq(kpt_elf_functions(path, &names, &nr, &errmsg), 0);
	for (i = 0; i < nr; i++) {
		if (i)
			ck_assert_msg(strcmp(names[i - 1], names[i]) < 0, "'%s' before '%s'",
				      names[i - 1], names[i]);
		work += !strcmp(names[i], "kpt_work");
		recurse += !strcmp(names[i], "kpt_recurse");
		main_fn += !strcmp(names[i], "main");
		/* Imports (nanosleep from libc) are not the program's functions. */
		ck_assert_str_ne(names[i], "nanosleep");
	}
	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	ck_assert_int_eq(work, 1);
	ck_assert_int_eq(recurse, 1);
	ck_assert_int_eq(main_fn, 1);
	free(path);

	ck_assert_int_eq(kpt_elf_functions("/etc/hostname", &names, &nr, &errmsg), -1);
	ck_assert_ptr_null(names);
	ck_assert_ptr_nonnull(strstr(errmsg, "/etc/hostname"));
	free(errmsg);
}
END_TEST

Suite *elf_sym_suite(void)
{
	Suite *suite = suite_create("elf_sym");
	TCase *symbol = tcase_create("symbol");
	TCase *object = tcase_create("object");

	tcase_add_test(symbol, test_own_function);
	tcase_add_test(symbol, test_libc_function);
	tcase_add_test(symbol, test_sleeper_pie);
	tcase_add_test(symbol, test_sleeper_nopie);
	tcase_add_test(symbol, test_bad_files);
	tcase_add_test(symbol, test_functions);
	suite_add_tcase(suite, symbol);

	tcase_add_test(object, test_find_libc);
	tcase_add_test(object, test_find_own_executable);
	tcase_add_test(object, test_find_paths);
	suite_add_tcase(suite, object);
	return suite;
}
