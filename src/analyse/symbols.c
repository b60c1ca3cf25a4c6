// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Symbols: stack frame addresses to function names.
 *
 * kallsyms is parsed once into an array sorted by address, its names in one
 * block; a frame is a binary search. A process's mappings are read once, the
 * first time one of its frames is named (the process is then running: its
 * stack was just recorded), and kept, so a process that exits before the
 * report still has its frames named. Each mapped object's functions are read
 * once (kpt_elf_funcs_read()) and shared by every process that maps it.
 * Addresses no symbol covers get an interned "0x..." (or "[object]" inside a
 * mapped object without symbols), made once per address.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/symbols.h"
#include "probe/elf_sym.h"
#include "util.h"

#define INITIAL_NAMES	256	/* interned "0x..." names, hash slots; a power of two */

struct ksym {
	uint64_t addr;
	const char *name;
};

struct object {
	char *path;
	char *label;		/* "[basename]" for frames outside every function */
	struct kpt_elf_funcs funcs;
	bool read;		/* funcs read (or tried) */
};

struct mapping {
	uint64_t start, end, pgoff;
	struct object *object;
};

struct process {
	int pid;
	struct mapping *maps;
	int nr_maps;
};

struct interned {
	uint64_t key;		/* the address; kernel and user names apart by the tag */
	char *name;
};

struct kpt_symbols {
	struct ksym *ksyms;
	size_t nr_ksyms;
	char *knames;
	struct object **objects;
	int nr_objects;
	struct process *procs;
	int nr_procs;
	struct interned *names;	/* open addressing on key */
	unsigned int nr_slots;
	unsigned int nr_names;
};

/**
 * kpt_symbols_alloc - an empty symbol table
 *
 * Returns it, or NULL without memory. Release it with kpt_symbols_free().
 */
struct kpt_symbols *kpt_symbols_alloc(void)
{
	return calloc(1, sizeof(struct kpt_symbols));
}

static int compare_ksyms(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/*
 * "ADDRESS TYPE NAME" from the line [@p, @eol): the address, the type and the
 * offset of the name. Not sscanf(), which measures the whole rest of the text
 * at each call: that made a kallsyms of 100 000 lines quadratic.
 */
static bool parse_kallsyms_line(const char *p, const char *eol, unsigned long long *addr,
				char *type, int *at)
{
	const char *q = p;

	*addr = 0;
	while (q < eol && isxdigit((unsigned char)*q)) {
		int digit = isdigit((unsigned char)*q) ? *q - '0' : (tolower(*q) - 'a' + 10);

		*addr = *addr * 16 + digit;
		q++;
	}
	if (q == p || q == eol || (*q != ' ' && *q != '\t'))
		return false;
	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	if (q == eol)
		return false;
	*type = *q++;
	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	*at = (int)(q - p);
	return true;
}

/**
 * kpt_symbols_load_kallsyms - take the kernel's symbols from kallsyms text
 * @syms: the table; symbols loaded before are replaced
 * @text: "ADDRESS TYPE NAME [MODULE]" lines, as /proc/kallsyms has them
 * @len: bytes of @text
 *
 * Only text symbols are kept. Returns how many, or -1 without memory. Zero
 * means the addresses were hidden (kptr_restrict) or @text is empty.
 */
int kpt_symbols_load_kallsyms(struct kpt_symbols *syms, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t lines = 0, names = 0, n = 0;
	char *arena;

	free(syms->ksyms);
	free(syms->knames);
	syms->ksyms = NULL;
	syms->knames = NULL;
	syms->nr_ksyms = 0;
	for (p = text; p < end; p++) {
		if (*p == '\n')
			lines++;
	}
	syms->ksyms = calloc(lines + 1, sizeof(*syms->ksyms));
	syms->knames = arena = malloc(len + 1);
	if (!syms->ksyms || !arena)
		return -1;
	for (p = text; p < end && n <= lines; ) {
		const char *eol = memchr(p, '\n', end - p), *name;
		unsigned long long addr;
		size_t name_len;
		char type;
		int at;

		if (!eol)
			eol = end;
		if (parse_kallsyms_line(p, eol, &addr, &type, &at) && addr && is_text(type) &&
		    p + at < eol) {
			name = p + at;
			name_len = strcspn(name, "\t \n");
			if (name + name_len > eol)
				name_len = eol - name;
			memcpy(arena + names, name, name_len);
			arena[names + name_len] = '\0';
			syms->ksyms[n++] = (struct ksym){ addr, arena + names };
			names += name_len + 1;
		}
		p = eol + 1;
	}
	qsort(syms->ksyms, n, sizeof(*syms->ksyms), compare_ksyms);
	syms->nr_ksyms = n;
	return (int)n;
}

/**
 * kpt_symbols_nr_kernel - how many kernel symbols the table has
 * @syms: the table
 */
int kpt_symbols_nr_kernel(const struct kpt_symbols *syms)
{
	return (int)syms->nr_ksyms;
}

static unsigned int name_slot(uint64_t key, unsigned int nr_slots)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h ^ (h >> 32)) & (nr_slots - 1);
}

static int grow_names(struct kpt_symbols *syms)
{
	unsigned int nr_slots = syms->nr_slots ? syms->nr_slots * 2 : INITIAL_NAMES, i, j;
	struct interned *names = calloc(nr_slots, sizeof(*names));

	if (!names)
		return -1;
	for (i = 0; i < syms->nr_slots; i++) {
		if (!syms->names[i].name)
			continue;
		for (j = name_slot(syms->names[i].key, nr_slots); names[j].name;
		     j = (j + 1) & (nr_slots - 1))
			;
		names[j] = syms->names[i];
	}
	free(syms->names);
	syms->names = names;
	syms->nr_slots = nr_slots;
	return 0;
}

/*
 * The interned "0x..." name of @ip, under @key (kernel and user addresses
 * apart), made when new. Returns it, or a static "?" without memory: a frame
 * is never left without a name.
 */
static const char *intern(struct kpt_symbols *syms, uint64_t key, uint64_t ip)
{
	unsigned int i;

	if (syms->nr_slots) {
		for (i = name_slot(key, syms->nr_slots); syms->names[i].name;
		     i = (i + 1) & (syms->nr_slots - 1)) {
			if (syms->names[i].key == key)
				return syms->names[i].name;
		}
	}
	if ((syms->nr_names + 1) * 2 > syms->nr_slots && grow_names(syms) < 0)
		return "?";
	for (i = name_slot(key, syms->nr_slots); syms->names[i].name;
	     i = (i + 1) & (syms->nr_slots - 1))
		;
	syms->names[i].name = kpt_asprintf("0x%" PRIx64, ip);
	if (!syms->names[i].name)
		return "?";
	syms->names[i].key = key;
	syms->nr_names++;
	return syms->names[i].name;
}

/**
 * kpt_symbols_kernel - the kernel function holding @ip
 * @syms: the table, with kallsyms loaded
 * @ip: a kernel address
 *
 * Returns its name, or an interned "0x..." when no symbol precedes it.
 */
const char *kpt_symbols_kernel(struct kpt_symbols *syms, uint64_t ip)
{
	size_t lo = 0, hi = syms->nr_ksyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms->ksyms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		return syms->ksyms[lo - 1].name;
	return intern(syms, ip << 1, ip);	/* kernel addresses all have bit 63 set */
}

static struct object *object_of(struct kpt_symbols *syms, const char *path)
{
	struct object **objects, *object;
	const char *base = strrchr(path, '/');
	int i;

	for (i = 0; i < syms->nr_objects; i++) {
		if (strcmp(syms->objects[i]->path, path) == 0)
			return syms->objects[i];
	}
	objects = realloc(syms->objects, (syms->nr_objects + 1) * sizeof(*objects));
	if (!objects)
		return NULL;
	syms->objects = objects;
	object = calloc(1, sizeof(*object));
	if (!object)
		return NULL;
	object->path = strdup(path);
	object->label = kpt_asprintf("[%s]", base ? base + 1 : path);
	if (!object->path || !object->label) {
		free(object->path);
		free(object->label);
		free(object);
		return NULL;
	}
	objects[syms->nr_objects++] = object;
	return object;
}

/* The file-backed mappings of /proc/PID/maps. */
static int read_maps(struct kpt_symbols *syms, struct process *proc)
{
	char path[64], line[4096];
	FILE *file;

	snprintf(path, sizeof(path), "/proc/%d/maps", proc->pid);
	file = fopen(path, "re");
	if (!file)
		return -1;
	while (fgets(line, sizeof(line), file)) {
		unsigned long long start, end, pgoff;
		struct mapping *maps;
		char perms[8];
		int at = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*u %n", &start, &end, perms, &pgoff,
			   &at) != 4 || !at || line[at] != '/' || perms[2] != 'x')
			continue;
		line[strcspn(line, "\n")] = '\0';
		maps = realloc(proc->maps, (proc->nr_maps + 1) * sizeof(*maps));
		if (!maps)
			break;
		proc->maps = maps;
		maps[proc->nr_maps] = (struct mapping){ start, end, pgoff,
							object_of(syms, line + at) };
		if (maps[proc->nr_maps].object)
			proc->nr_maps++;
	}
	fclose(file);
	return 0;
}

static struct process *find_process(struct kpt_symbols *syms, int pid)
{
	int i;

	for (i = 0; i < syms->nr_procs; i++) {
		if (syms->procs[i].pid == pid)
			return &syms->procs[i];
	}
	return NULL;
}

/**
 * kpt_symbols_see_process - read a process's mappings now, if not read before
 * @syms: the table
 * @pid: the process
 *
 * Call it while the process runs (-p PID at the start; every process when its
 * first stack is named); its mappings are kept after it exits. Returns 0, or
 * -1 if they cannot be read (the process is gone): its frames are then named
 * by address.
 */
int kpt_symbols_see_process(struct kpt_symbols *syms, int pid)
{
	struct process *procs;

	if (find_process(syms, pid))
		return 0;
	procs = realloc(syms->procs, (syms->nr_procs + 1) * sizeof(*procs));
	if (!procs)
		return -1;
	syms->procs = procs;
	procs[syms->nr_procs] = (struct process){ .pid = pid };
	return read_maps(syms, &procs[syms->nr_procs++]);
}

/**
 * kpt_symbols_user - the function of process @pid holding @ip
 * @syms: the table
 * @pid: the process (its tgid)
 * @ip: a user address
 *
 * Returns the function's name, "[object]" in a mapped object where no symbol
 * covers @ip, or "0x..." where nothing is mapped (or the mappings could not
 * be read).
 */
const char *kpt_symbols_user(struct kpt_symbols *syms, int pid, uint64_t ip)
{
	const struct kpt_elf_func *func;
	struct process *proc;
	int i;

	kpt_symbols_see_process(syms, pid);
	proc = find_process(syms, pid);
	for (i = 0; proc && i < proc->nr_maps; i++) {
		struct mapping *map = &proc->maps[i];

		if (ip < map->start || ip >= map->end)
			continue;
		if (!map->object->read) {
			map->object->read = true;
			kpt_elf_funcs_read(map->object->path, &map->object->funcs);
		}
		func = kpt_elf_funcs_find(&map->object->funcs, ip - map->start + map->pgoff);
		return func ? func->name : map->object->label;
	}
	/* user addresses are tagged apart from kernel ones: bit 0 of a shifted key */
	return intern(syms, (ip << 1) | 1, ip);
}

/**
 * kpt_symbols_free - release the table and every name it gave (NULL is fine)
 * @syms: the table
 */
void kpt_symbols_free(struct kpt_symbols *syms)
{
	unsigned int i;
	int j;

	if (!syms)
		return;
	for (j = 0; j < syms->nr_procs; j++)
		free(syms->procs[j].maps);
	for (j = 0; j < syms->nr_objects; j++) {
		kpt_elf_funcs_release(&syms->objects[j]->funcs);
		free(syms->objects[j]->path);
		free(syms->objects[j]->label);
		free(syms->objects[j]);
	}
	for (i = 0; i < syms->nr_slots; i++)
		free(syms->names[i].name);
	free(syms->names);
	free(syms->procs);
	free(syms->objects);
	free(syms->ksyms);
	free(syms->knames);
	free(syms);
}
