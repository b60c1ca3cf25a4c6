// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Uprobe targets: library name to path, symbol to file offset.
 *
 * A uprobe is placed at an offset in a file, not at a virtual address. A
 * function's offset is its address (st_value) translated through the
 * executable PT_LOAD segment that contains it: st_value - p_vaddr + p_offset.
 * That holds for non-PIE executables (linked at 0x400000), PIE executables
 * and shared libraries (linked near 0) alike.
 *
 * Symbols are looked up in .symtab, which has every function including static
 * ones, then in .dynsym, which is all a stripped file keeps. A name can occur
 * in .dynsym once per symbol version (glibc has memcpy@GLIBC_2.2.5 and
 * memcpy@@GLIBC_2.14 at different addresses): the default version, the one
 * programs are linked against today, wins. Global definitions win over
 * local ones; two local functions of the same name at different addresses
 * are reported as ambiguous rather than guessed at.
 *
 * The address of an STT_GNU_IFUNC symbol is its resolver, which runs once
 * when the symbol is bound: probing it does not trace the implementation.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* strverscmp() */
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>

#include "probe/elf_sym.h"
#include "util.h"

/* The programs kptrace can probe: those of the machine it runs on. */
#if defined(__x86_64__)
#define KPT_ELF_MACHINE		EM_X86_64
#define KPT_ELF_CLASS		ELFCLASS64
#define KPT_ELF_MACHINE_NAME	"64-bit x86_64"
#define KPT_MULTIARCH		"x86_64-linux-gnu"
#elif defined(__aarch64__)
#define KPT_ELF_MACHINE		EM_AARCH64
#define KPT_ELF_CLASS		ELFCLASS64
#define KPT_ELF_MACHINE_NAME	"64-bit aarch64"
#define KPT_MULTIARCH		"aarch64-linux-gnu"
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define KPT_ELF_MACHINE		EM_ARM
#define KPT_ELF_CLASS		ELFCLASS32
#define KPT_ELF_MACHINE_NAME	"32-bit arm (armhf)"
#define KPT_MULTIARCH		"arm-linux-gnueabihf"
#else
#error "kptrace resolves uprobe targets for x86_64, aarch64 and armhf only"
#endif

#ifndef VERSYM_HIDDEN
#define VERSYM_HIDDEN		0x8000	/* not the default version of the name */
#endif

/* Searched in this order, after the process's own mappings, before ld.so.conf.d. */
static const char *const lib_dirs[] = {
	"/lib/" KPT_MULTIARCH,
	"/usr/lib/" KPT_MULTIARCH,
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
};

struct elf_file {
	int fd;
	Elf *elf;
};

/* The best definition of a name seen so far, and why others were refused. */
struct sym_match {
	GElf_Sym sym;
	int rank;		/* 0: nothing usable yet; see consider() */
	bool ambiguous;		/* another definition of that rank at another address */
	bool undefined;		/* found, but only as an import */
	bool not_func;		/* found, but not as a function */
	unsigned char type;	/* STT_* of the not_func match */
};

static int fail(char **errmsg, char *msg)
{
	*errmsg = msg ? msg : strdup("out of memory");
	return -1;
}

static void elf_file_close(struct elf_file *file)
{
	if (file->elf)
		elf_end(file->elf);
	if (file->fd >= 0)
		close(file->fd);
	file->elf = NULL;
	file->fd = -1;
}

/*
 * Open @path as an executable or shared object of our machine. On failure,
 * if @errmsg is not NULL, it gets a message that mentions @symbol.
 */
static int elf_file_open(struct elf_file *file, const char *path, const char *symbol,
			 char **errmsg)
{
	const char *need = "give the executable or shared library itself";
	GElf_Ehdr ehdr;
	struct stat st;
	char *msg;
	int err;

	file->elf = NULL;
	file->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (file->fd < 0) {
		err = errno;
		msg = kpt_asprintf("cannot open %s to resolve '%s': %s (%s)", path, symbol,
				   strerror(err), err == ENOENT ? "check the path" :
				   err == EACCES ? "run as root?" : "is it readable?");
		goto err;
	}
	if (fstat(file->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		msg = kpt_asprintf("%s is not a regular file, so '%s' cannot be resolved in it: %s",
				   path, symbol, need);
		goto err;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		msg = kpt_asprintf("cannot resolve '%s' in %s: libelf: %s", symbol, path,
				   elf_errmsg(-1));
		goto err;
	}
	file->elf = elf_begin(file->fd, ELF_C_READ_MMAP, NULL);
	if (!file->elf) {
		msg = kpt_asprintf("cannot read %s as ELF to resolve '%s': %s", path, symbol,
				   elf_errmsg(-1));
		goto err;
	}
	if (elf_kind(file->elf) != ELF_K_ELF) {
		msg = kpt_asprintf("%s is not an ELF file, so '%s' cannot be resolved in it: %s, "
				   "not a script, archive or linker script", path, symbol, need);
		goto err;
	}
	if (gelf_getclass(file->elf) != KPT_ELF_CLASS) {
		msg = kpt_asprintf("%s is a %s ELF file, so '%s' cannot be probed in it: only "
				   KPT_ELF_MACHINE_NAME " programs and libraries are supported",
				   path, gelf_getclass(file->elf) == ELFCLASS32 ? "32-bit" : "64-bit",
				   symbol);
		goto err;
	}
	if (!gelf_getehdr(file->elf, &ehdr)) {
		msg = kpt_asprintf("cannot read the ELF header of %s to resolve '%s': %s", path,
				   symbol, elf_errmsg(-1));
		goto err;
	}
	if (ehdr.e_machine != KPT_ELF_MACHINE) {
		msg = kpt_asprintf("%s is built for another architecture (ELF machine %u), so '%s' "
				   "cannot be probed in it: only " KPT_ELF_MACHINE_NAME " programs "
				   "and libraries are supported", path,
				   (unsigned int)ehdr.e_machine, symbol);
		goto err;
	}
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
		msg = kpt_asprintf("%s is not an executable or shared library (ELF type %u), so "
				   "'%s' cannot be probed in it: %s, not an object file or core "
				   "dump", path, (unsigned int)ehdr.e_type, symbol, need);
		goto err;
	}
	return 0;

err:
	elf_file_close(file);
	if (errmsg)
		fail(errmsg, msg);
	else
		free(msg);
	return -1;
}

/* Split "NAME", "NAME+0xOFF" or "NAME+OFF" (decimal). */
static int parse_symbol(const char *spec, const char *path, char **name, uint64_t *add,
			bool *has_add, char **errmsg)
{
	const char *plus = strrchr(spec, '+');
	const char *num;
	char *end;
	int base = 10;

	*name = NULL;
	*add = 0;
	*has_add = plus != NULL;
	if (plus) {
		num = plus + 1;
		if (num[0] == '0' && (num[1] == 'x' || num[1] == 'X')) {
			base = 16;
			num += 2;
		}
		if (!(base == 16 ? isxdigit((unsigned char)*num) : isdigit((unsigned char)*num)))
			goto bad_offset;
		errno = 0;
		*add = strtoull(num, &end, base);
		if (errno || *end)
			goto bad_offset;
	}
	if (plus == spec || !*spec)
		return fail(errmsg, kpt_asprintf("empty symbol name in '%s' for %s: give "
						 "SYMBOL, SYMBOL+0xOFF or a raw offset PATH:0xOFF",
						 spec, path));
	*name = plus ? strndup(spec, plus - spec) : strdup(spec);
	if (!*name)
		return fail(errmsg, NULL);
	return 0;

bad_offset:
	return fail(errmsg, kpt_asprintf("bad offset in '%s' for %s: expected SYMBOL+0xHEX or "
					 "SYMBOL+DECIMAL", spec, path));
}

static bool is_function(const GElf_Sym *sym)
{
	unsigned char type = GELF_ST_TYPE(sym->st_info);

	return type == STT_FUNC || type == STT_GNU_IFUNC;
}

static const char *sym_type_name(unsigned char type)
{
	switch (type) {
	case STT_NOTYPE:
		return "an untyped symbol";
	case STT_OBJECT:
		return "a data object";
	case STT_SECTION:
		return "a section";
	case STT_FILE:
		return "a file name";
	case STT_COMMON:
		return "a common block";
	case STT_TLS:
		return "a thread-local variable";
	default:
		return "not a function";
	}
}

/*
 * Consider one symbol named like the target. A definition ranks 3 if global
 * (or weak) in its default version, 2 if global in an older version, 1 if local.
 */
static void consider(struct sym_match *match, const GElf_Sym *sym, bool hidden)
{
	unsigned char bind = GELF_ST_BIND(sym->st_info);
	int rank;

	if (sym->st_shndx == SHN_UNDEF) {
		match->undefined = true;
		return;
	}
	if (!is_function(sym)) {
		match->not_func = true;
		match->type = GELF_ST_TYPE(sym->st_info);
		return;
	}
	if (bind == STB_LOCAL)
		rank = 1;
	else
		rank = hidden ? 2 : 3;
	if (rank < match->rank)
		return;
	if (rank == match->rank) {
		if (sym->st_value != match->sym.st_value)
			match->ambiguous = true;
		return;
	}
	match->sym = *sym;
	match->rank = rank;
	match->ambiguous = false;
}

/* The section that holds the version of each .dynsym entry, if any. */
static Elf_Data *find_versym(Elf *elf, size_t dynsym_index)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_GNU_versym &&
		    shdr.sh_link == dynsym_index)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/*
 * Look @name up in the first section of type @type (SHT_SYMTAB or SHT_DYNSYM).
 * Returns false if the file has no such table.
 */
static bool search_table(Elf *elf, Elf64_Word type, const char *name, struct sym_match *match)
{
	Elf_Data *data, *versym = NULL;
	Elf_Scn *scn = NULL;
	GElf_Versym ver;
	GElf_Shdr shdr;
	GElf_Sym sym;
	size_t i, count, entsize;
	const char *str;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
			break;
	}
	if (!scn)
		return false;
	data = elf_getdata(scn, NULL);
	entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!data || !entsize)
		return true;
	if (type == SHT_DYNSYM)
		versym = find_versym(elf, elf_ndxscn(scn));
	count = data->d_size / entsize;
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, i, &sym) || !sym.st_name)
			continue;
		str = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!str || strcmp(str, name))
			continue;
		consider(match, &sym, versym && gelf_getversym(versym, i, &ver) &&
				      (ver & VERSYM_HIDDEN));
	}
	return true;
}

/* Explain why @name was not usable; the searches left their findings in @match. */
static int not_found(const char *path, const char *name, bool has_symtab, bool has_dynsym,
		     const struct sym_match *match, char **errmsg)
{
	char *msg;

	if (match->not_func)
		msg = kpt_asprintf("symbol '%s' in %s is %s, not a function: only functions can "
				   "be probed by name", name, path, sym_type_name(match->type));
	else if (match->undefined)
		msg = kpt_asprintf("symbol '%s' is not defined in %s, only imported from a shared "
				   "library: probe the library that defines it (e.g. c:%s for "
				   "libc)", name, path, name);
	else if (!has_symtab)
		msg = kpt_asprintf("symbol '%s' not found in %s (no .symtab and not in .dynsym: is "
				   "it stripped, or defined in another library? try a raw offset "
				   "PATH:0xOFF)", name, path);
	else
		msg = kpt_asprintf("symbol '%s' not found in %s (not in .symtab%s: check the "
				   "spelling; C++ names must be given mangled, as `nm %s` shows "
				   "them)", name, path, has_dynsym ? " or .dynsym" : "", path);
	return fail(errmsg, msg);
}

/* Translate @addr to a file offset through the executable PT_LOAD segment holding it. */
static int addr_to_offset(Elf *elf, const char *path, const char *spec, uint64_t addr,
			  uint64_t *offset, char **errmsg)
{
	bool in_data = false;
	GElf_Phdr phdr;
	size_t i, nr;

	if (elf_getphdrnum(elf, &nr) < 0)
		return fail(errmsg, kpt_asprintf("cannot read the program headers of %s to "
						 "resolve '%s': %s", path, spec, elf_errmsg(-1)));
	for (i = 0; i < nr; i++) {
		if (!gelf_getphdr(elf, i, &phdr) || phdr.p_type != PT_LOAD)
			continue;
		if (addr < phdr.p_vaddr || addr - phdr.p_vaddr >= phdr.p_filesz)
			continue;
		if (!(phdr.p_flags & PF_X)) {
			in_data = true;
			continue;
		}
		*offset = addr - phdr.p_vaddr + phdr.p_offset;
		return 0;
	}
	return fail(errmsg, kpt_asprintf("'%s' in %s is at address 0x%" PRIx64 ", which is in %s "
					 "(is this a separate debug-info file? give the binary "
					 "that runs)", spec, path, addr,
					 in_data ? "a non-executable segment" :
						   "no segment loaded from the file"));
}

/**
 * kpt_elf_symbol_offset - the file offset a uprobe on a function needs
 * @path: an executable of this machine (PIE or not) or shared library
 * @symbol: a function name, optionally followed by "+0xOFF" or "+OFF" (decimal)
 * @offset: where the offset goes
 * @errmsg: on failure, a malloc'd message naming @path, @symbol and what to do
 *
 * The symbol is looked up in .symtab, then .dynsym; it must be a defined
 * STT_FUNC or STT_GNU_IFUNC. An added offset must lie inside the function
 * when its size is known. The result is st_value + OFF - p_vaddr + p_offset
 * of the executable PT_LOAD segment that holds that address.
 *
 * Returns 0 on success, -1 on error.
 */
int kpt_elf_symbol_offset(const char *path, const char *symbol, uint64_t *offset, char **errmsg)
{
	struct elf_file file = { .fd = -1 };
	struct sym_match match = { .rank = 0 };
	bool has_symtab, has_dynsym = false, has_add;
	char *name = NULL;
	uint64_t add;
	int ret = -1;

	*errmsg = NULL;
	if (parse_symbol(symbol, path, &name, &add, &has_add, errmsg) < 0)
		goto out;
	if (elf_file_open(&file, path, symbol, errmsg) < 0)
		goto out;

	has_symtab = search_table(file.elf, SHT_SYMTAB, name, &match);
	if (!match.rank)
		has_dynsym = search_table(file.elf, SHT_DYNSYM, name, &match);
	if (!match.rank) {
		not_found(path, name, has_symtab, has_dynsym, &match, errmsg);
		goto out;
	}
	if (match.rank == 1 && match.ambiguous) {
		fail(errmsg, kpt_asprintf("symbol '%s' is ambiguous in %s: several static "
					  "functions have that name; probe one by raw offset "
					  "PATH:0xOFF (see `nm %s`)", name, path, path));
		goto out;
	}
	if (has_add && match.sym.st_size && add >= match.sym.st_size) {
		fail(errmsg, kpt_asprintf("'%s' points past the end of %s in %s: the function is "
					  "only %" PRIu64 " (0x%" PRIx64 ") bytes long",
					  symbol, name, path, (uint64_t)match.sym.st_size,
					  (uint64_t)match.sym.st_size));
		goto out;
	}
	/*
	 * On arm, bit 0 of a function's address says it is Thumb code. The kernel
	 * takes a uprobe there, but an arm uprobe is an ARM-mode instruction, so
	 * it never fires: refuse it rather than trace nothing.
	 */
	if (KPT_ELF_MACHINE == EM_ARM && (match.sym.st_value & 1)) {
		fail(errmsg, kpt_asprintf("'%s' in %s is Thumb code (bit 0 of its address is set): "
					  "the kernel accepts a uprobe on Thumb code but never fires "
					  "it on arm. Build %s with -marm (ARM code), then probe it "
					  "again", name, path, path));
		goto out;
	}
	if (add > UINT64_MAX - match.sym.st_value) {
		fail(errmsg, kpt_asprintf("offset in '%s' is too large for %s", symbol, path));
		goto out;
	}
	ret = addr_to_offset(file.elf, path, symbol, match.sym.st_value + add, offset, errmsg);

out:
	elf_file_close(&file);
	free(name);
	return ret;
}

/* Whether @path is an ELF executable or library we could probe. */
static bool elf_usable(const char *path)
{
	struct elf_file file;

	if (elf_file_open(&file, path, "", NULL) < 0)
		return false;
	elf_file_close(&file);
	return true;
}

/* How well a mapped file's @base matches library @name: 0 not at all, 3 exactly. */
static int map_name_rank(const char *base, const char *name)
{
	size_t len = strlen(name);

	if (!strcmp(base, name))
		return 3;
	if (!strncmp(base, "lib", 3) && !strncmp(base + 3, name, len) && base[3 + len] == '.')
		return 2;
	if (!strncmp(base, name, len) && base[len] == '.')
		return 1;
	return 0;
}

/*
 * Look for @name among the files process @pid has mapped executable.
 * Sets *found (root-prefixed) or leaves it NULL. Returns -1 only on error.
 */
static int find_in_maps(const char *name, int pid, const char *root, char **found,
			char **errmsg)
{
	char maps[64], *line = NULL, *best = NULL;
	int best_rank = 0, rank, ret = -1, pos;
	size_t size = 0, len;
	const char *base;
	char perms[8];
	ssize_t n;
	FILE *fp;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	fp = fopen(maps, "re");
	if (!fp)
		return fail(errmsg, kpt_asprintf("cannot read %s to find '%s': %s (is process %d "
						 "running, and are you root?)", maps, name,
						 strerror(errno), pid));
	while ((n = getline(&line, &size, fp)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		/* start-end perms offset dev inode path */
		pos = -1;
		if (sscanf(line, "%*s %7s %*s %*s %*s %n", perms, &pos) < 1 || pos < 0 ||
		    line[pos] != '/' || perms[2] != 'x')
			continue;
		len = strlen(line + pos);
		if (len > 10 && !strcmp(line + pos + len - 10, " (deleted)"))
			continue;
		base = strrchr(line + pos, '/') + 1;
		rank = map_name_rank(base, name);
		if (rank <= best_rank)
			continue;
		free(best);
		best = kpt_asprintf("%s%s", root, line + pos);
		if (!best) {
			fail(errmsg, NULL);
			goto out;
		}
		best_rank = rank;
	}
	*found = best;
	best = NULL;
	ret = 0;
out:
	free(best);
	free(line);
	fclose(fp);
	return ret;
}

/* Whether directory entry @entry is lib<NAME>.so[.*] or <NAME>.so[.*]. */
static bool lib_file_matches(const char *entry, const char *name)
{
	size_t len = strlen(name);

	if (!strncmp(entry, "lib", 3) && !strncmp(entry + 3, name, len))
		entry += 3 + len;
	else if (!strncmp(entry, name, len))
		entry += len;
	else
		return false;
	return !strncmp(entry, ".so", 3) && (entry[3] == '\0' || entry[3] == '.');
}

/* The highest-versioned usable lib<NAME>.so* in @root@dir, or NULL. */
static char *find_in_dir(const char *root, const char *dir, const char *name)
{
	char *dirpath, *path, *best = NULL;
	const char *best_entry = NULL;
	struct dirent *entry;
	DIR *dp;

	dirpath = kpt_asprintf("%s%s", root, dir);
	if (!dirpath)
		return NULL;
	dp = opendir(dirpath);
	if (!dp)
		goto out;
	while ((entry = readdir(dp))) {
		if (!lib_file_matches(entry->d_name, name))
			continue;
		if (best_entry && strverscmp(entry->d_name, best_entry) <= 0)
			continue;
		path = kpt_asprintf("%s/%s", dirpath, entry->d_name);
		if (!path || !elf_usable(path)) {
			free(path);
			continue;
		}
		free(best);
		best = path;
		best_entry = strrchr(best, '/') + 1;
	}
	closedir(dp);
out:
	free(dirpath);
	return best;
}

/* Search the directories listed in @root/etc/ld.so.conf.d/\*.conf. */
static char *find_in_ld_conf(const char *root, const char *name)
{
	char *pattern, *line = NULL, *dir, *hash, *found = NULL;
	size_t i, size = 0;
	glob_t conf;
	FILE *fp;

	pattern = kpt_asprintf("%s/etc/ld.so.conf.d/*.conf", root);
	if (!pattern)
		return NULL;
	if (glob(pattern, 0, NULL, &conf)) {
		free(pattern);
		return NULL;
	}
	for (i = 0; i < conf.gl_pathc && !found; i++) {
		fp = fopen(conf.gl_pathv[i], "re");
		if (!fp)
			continue;
		while (!found && getline(&line, &size, fp) > 0) {
			hash = strchr(line, '#');
			if (hash)
				*hash = '\0';
			dir = line + strspn(line, " \t");
			dir[strcspn(dir, " \t\r\n")] = '\0';
			if (dir[0] == '/')	/* skips "include" lines too */
				found = find_in_dir(root, dir, name);
		}
		fclose(fp);
	}
	free(line);
	globfree(&conf);
	free(pattern);
	return found;
}

/* An executable ELF file @name in one of the absolute directories of $PATH. */
static char *find_in_path(const char *root, const char *name)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL, *path, *found = NULL;
	struct stat st;

	dirs = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return NULL;
	for (dir = strtok_r(dirs, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue;
		path = kpt_asprintf("%s%s/%s", root, dir, name);
		if (path && !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK) &&
		    elf_usable(path))
			found = path;
		else
			free(path);
	}
	free(dirs);
	return found;
}

/**
 * kpt_elf_find_object - find the file behind a library or program name, as bcc does
 * @name: a path (contains '/'), a library ("c", "libc", "pthread") or a program ("bash")
 * @pid: the traced process, or 0
 * @errmsg: on failure, a malloc'd message naming @name and what to do
 *
 * A path is returned as is once it is known to exist. Otherwise, with @pid,
 * the files @pid maps executable are searched for one whose name is @name,
 * lib@name.* or @name.*, and its path is returned below /proc/@pid/root so
 * that processes in containers resolve to their own files. Then the usual
 * library directories and those of /etc/ld.so.conf.d/\*.conf are searched
 * for lib@name.so* or @name.so* (the highest version wins), and finally
 * $PATH for an executable @name. With @pid, these searches also happen below
 * /proc/@pid/root.
 *
 * Returns the path, to be released with free(), or NULL with *@errmsg set.
 */
char *kpt_elf_find_object(const char *name, int pid, char **errmsg)
{
	char *root = NULL, *found = NULL;
	struct stat st;
	size_t i;

	*errmsg = NULL;
	if (!name || !*name) {
		fail(errmsg, strdup("empty library or program name: give a path, a library such "
				    "as c or pthread, or a program in $PATH"));
		goto out;
	}
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			fail(errmsg, kpt_asprintf("cannot find %s: %s (check the path)", name,
						  strerror(errno)));
		else if (!S_ISREG(st.st_mode))
			fail(errmsg, kpt_asprintf("%s is not a regular file: give an executable "
						  "or shared library", name));
		else if (!(found = strdup(name)))
			fail(errmsg, NULL);
		goto out;
	}

	root = pid > 0 ? kpt_asprintf("/proc/%d/root", pid) : strdup("");
	if (!root) {
		fail(errmsg, NULL);
		goto out;
	}
	if (pid > 0 && (find_in_maps(name, pid, root, &found, errmsg) < 0 || found))
		goto out;
	for (i = 0; i < ARRAY_SIZE(lib_dirs) && !found; i++)
		found = find_in_dir(root, lib_dirs[i], name);
	if (!found)
		found = find_in_ld_conf(root, name);
	if (!found)
		found = find_in_path(root, name);
	if (!found && pid > 0)
		fail(errmsg, kpt_asprintf("cannot find library or program '%s': process %d maps no "
					  "such file, and there is no lib%s.so* in the library "
					  "directories of /proc/%d/root and no executable %s in "
					  "$PATH: give its full path", name, pid, name, pid, name));
	else if (!found)
		fail(errmsg, kpt_asprintf("cannot find library or program '%s': no lib%s.so* in "
					  "the library directories (/lib/" KPT_MULTIARCH
					  ", /usr/lib, ld.so.conf.d) and no executable %s in "
					  "$PATH: give its full path", name, name, name));
out:
	free(root);
	return found;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the defined functions of the symbol table of @type to *@names. */
static int collect_functions(Elf *elf, Elf64_Word type, char ***names, size_t *nr)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr shdr;
	GElf_Sym sym;
	size_t i, count, entsize;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
			break;
	}
	if (!scn)
		return 0;
	data = elf_getdata(scn, NULL);
	entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!data || !entsize)
		return 0;
	count = data->d_size / entsize;
	for (i = 0; i < count; i++) {
		const char *str;
		char **grown;

		if (!gelf_getsym(data, i, &sym) || !sym.st_name || !is_function(&sym) ||
		    sym.st_shndx == SHN_UNDEF)
			continue;
		str = elf_strptr(elf, shdr.sh_link, sym.st_name);
		if (!str || !*str)
			continue;
		grown = realloc(*names, (*nr + 1) * sizeof(**names));
		if (!grown)
			return -1;
		*names = grown;
		grown[*nr] = strdup(str);
		if (!grown[*nr])
			return -1;
		(*nr)++;
	}
	return 0;
}

/**
 * kpt_elf_functions - the functions an executable or shared library defines
 * @path: the file
 * @names: set to a malloc'd array of malloc'd names, sorted, each once
 * @nr: set to its length
 * @errmsg: on failure, a malloc'd message naming @path
 *
 * Both the symbol table and the dynamic one are read: what OBJECT:SYMBOL can
 * name. Returns 0, or -1 (with nothing to free).
 */
int kpt_elf_functions(const char *path, char ***names, size_t *nr, char **errmsg)
{
	struct elf_file file;
	size_t i, out;

	*names = NULL;
	*nr = 0;
	*errmsg = NULL;
	if (elf_file_open(&file, path, "its functions", errmsg) < 0)
		return -1;
	if (collect_functions(file.elf, SHT_SYMTAB, names, nr) < 0 ||
	    collect_functions(file.elf, SHT_DYNSYM, names, nr) < 0) {
		elf_file_close(&file);
		for (i = 0; i < *nr; i++)
			free((*names)[i]);
		free(*names);
		*names = NULL;
		*nr = 0;
		return fail(errmsg, NULL);
	}
	elf_file_close(&file);
	if (*nr)
		qsort(*names, *nr, sizeof(**names), cmp_names);
	for (i = 0, out = 0; i < *nr; i++) {
		if (out && !strcmp((*names)[out - 1], (*names)[i]))
			free((*names)[i]);
		else
			(*names)[out++] = (*names)[i];
	}
	*nr = out;
	return 0;
}

static int compare_funcs(const void *a, const void *b)
{
	const struct kpt_elf_func *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Every defined function of the table of type @type, its address made a file offset. */
static int read_funcs(Elf *elf, Elf64_Word type, struct kpt_elf_funcs *funcs)
{
	size_t i, count, entsize, nr_phdrs, p, names = 0;
	Elf_Scn *scn = NULL;
	GElf_Phdr phdr;
	GElf_Shdr shdr;
	GElf_Sym sym;
	Elf_Data *data;
	const char *str;
	char *arena;

	while ((scn = elf_nextscn(elf, scn))) {
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == type)
			break;
	}
	entsize = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!scn || !(data = elf_getdata(scn, NULL)) || !entsize || elf_getphdrnum(elf, &nr_phdrs))
		return 0;
	count = data->d_size / entsize;
	funcs->funcs = calloc(count ? count : 1, sizeof(*funcs->funcs));
	if (!funcs->funcs)
		return -1;
	/* first the addresses, then the names into one block */
	for (i = 0; i < count; i++) {
		if (!gelf_getsym(data, i, &sym) || !sym.st_name || sym.st_shndx == SHN_UNDEF ||
		    !is_function(&sym) || !(str = elf_strptr(elf, shdr.sh_link, sym.st_name)))
			continue;
		for (p = 0; p < nr_phdrs; p++) {
			if (!gelf_getphdr(elf, p, &phdr) || phdr.p_type != PT_LOAD ||
			    !(phdr.p_flags & PF_X) || sym.st_value < phdr.p_vaddr ||
			    sym.st_value - phdr.p_vaddr >= phdr.p_filesz)
				continue;
			funcs->funcs[funcs->nr] = (struct kpt_elf_func){
				.offset = sym.st_value - phdr.p_vaddr + phdr.p_offset,
				.size = sym.st_size,
				.name = (const char *)(uintptr_t)i,	/* the index, for now */
			};
			funcs->nr++;
			names += strlen(str) + 1;
			break;
		}
	}
	arena = malloc(names ? names : 1);
	if (!arena)
		return -1;
	funcs->names = arena;
	for (i = 0; i < funcs->nr; i++) {
		gelf_getsym(data, (size_t)(uintptr_t)funcs->funcs[i].name, &sym);
		str = elf_strptr(elf, shdr.sh_link, sym.st_name);
		strcpy(arena, str);
		funcs->funcs[i].name = arena;
		arena += strlen(str) + 1;
	}
	qsort(funcs->funcs, funcs->nr, sizeof(*funcs->funcs), compare_funcs);
	return 0;
}

/**
 * kpt_elf_funcs_read - the functions of an ELF object, by file offset
 * @path: an executable or shared library
 * @funcs: filled in, sorted by offset; release with kpt_elf_funcs_release()
 *
 * The functions of .symtab, or of .dynsym when the file is stripped; each
 * address is made the file offset it is loaded from, as in a uprobe's target,
 * so that an address in a process maps to a function through the mapping's
 * file offset. Returns 0 (a file without symbols gives none), or -1 when
 * @path is not an ELF object of this machine, or without memory.
 */
int kpt_elf_funcs_read(const char *path, struct kpt_elf_funcs *funcs)
{
	struct elf_file file;
	int ret;

	memset(funcs, 0, sizeof(*funcs));
	if (elf_file_open(&file, path, "a stack frame", NULL) < 0)
		return -1;
	ret = read_funcs(file.elf, SHT_SYMTAB, funcs);
	if (ret == 0 && !funcs->nr) {
		kpt_elf_funcs_release(funcs);
		ret = read_funcs(file.elf, SHT_DYNSYM, funcs);
	}
	elf_file_close(&file);
	if (ret < 0)
		kpt_elf_funcs_release(funcs);
	return ret;
}

/**
 * kpt_elf_funcs_find - the function at a file offset
 * @funcs: from kpt_elf_funcs_read()
 * @offset: a file offset
 *
 * Returns the function holding @offset (the nearest one before it when its
 * size is unknown), or NULL.
 */
const struct kpt_elf_func *kpt_elf_funcs_find(const struct kpt_elf_funcs *funcs, uint64_t offset)
{
	size_t lo = 0, hi = funcs->nr;
	const struct kpt_elf_func *f;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (funcs->funcs[mid].offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	f = &funcs->funcs[lo - 1];
	/* several names at one address: sorted by offset only, so walk back to a sized one */
	while (f > funcs->funcs && !f->size && f[-1].offset == f->offset)
		f--;
	if (f->size && offset - f->offset >= f->size)
		return NULL;
	return f;
}

/**
 * kpt_elf_funcs_release - free what kpt_elf_funcs_read() filled in
 * @funcs: the table; zeroed
 */
void kpt_elf_funcs_release(struct kpt_elf_funcs *funcs)
{
	free(funcs->funcs);
	free(funcs->names);
	memset(funcs, 0, sizeof(*funcs));
}
