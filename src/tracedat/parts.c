// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A recording's parts, and their recovery into a trace.dat file.
 *
 * Why parts and a recovery step rather than a file that is always readable:
 * a version 6 file needs each CPU's offset and size before the CPU data, and
 * each CPU's data in one piece, so a growing file would have to be rewritten
 * in place or preallocated; version 7 sections do not help, because a buffer
 * still describes each CPU's data once. Keeping the pages per CPU, as
 * trace-cmd record does in its temporary files, and the head written first,
 * makes recovery a copy: head, CPU table, pages. The result is an ordinary
 * version 6 file that trace-cmd report and KernelShark read, and whose
 * recording tool (option VERSION) says it was cut short.
 *
 * A page is kept if it is whole and its header is sane (the commit counter
 * fits in the page); a CPU's pages after the first bad one are dropped, since
 * a later page can only have been written after it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tracedat/parts.h"
#include "util.h"

#define INFO_MAGIC	"kptrace-parts 1"
#define ASSEMBLED	"assembled"
/* A ring-buffer page header: u64 timestamp, then the commit counter, a long. */
#define COMMIT_FLAGS	(3ULL << 30)	/* "events missed" flags above the size */

/* What the info file holds. */
struct parts_info {
	struct kpt_tracedat_params params;
	int nr_cpus;
	char clock[40];
};

/* What "assembled" holds: the CPU whose file is becoming FILE (-1: none). */
struct parts_assembled {
	int cpu;
	uint64_t offset;	/* where its pages go in FILE */
	uint64_t size;		/* how many bytes of pages it had */
};

/**
 * kpt_tracedat_parts_mkdir - create FILE.parts, the directory of a recording's parts
 * @output: the file the recording will be
 *
 * Refuses an existing FILE.parts: a recording to FILE was cut short (or is
 * running). Returns the directory's path, to free(), or NULL after printing why.
 */
char *kpt_tracedat_parts_mkdir(const char *output)
{
	char *dir = kpt_asprintf("%s.parts", output);

	char *parent;

	if (!dir)
		return NULL;
	if (mkdir(dir, 0755) == 0) {
		/* Its name survives a power cut once the directory holding it is synced. */
		parent = strdup(output);
		if (parent)
			kpt_tracedat_parts_sync_dir(dirname(parent));
		free(parent);
		return dir;
	}
	if (errno == EEXIST)
		kpt_err("%s exists: a recording to %s was cut short, or is running. Turn its "
			"pages into %s with 'kptrace record --recover %s', or remove %s",
			dir, output, output, output, dir);
	else
		kpt_err("cannot create %s, where the recording is kept until it ends: %s", dir,
			strerror(errno));
	free(dir);
	return NULL;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	if (n != (ssize_t)len || fsync(fd) < 0) {
		if (n >= 0 && n != (ssize_t)len)
			errno = ENOSPC;
		close(fd);
		return -1;
	}
	return close(fd);
}

/**
 * kpt_tracedat_parts_sync_dir - make the names in @dir survive a power cut
 * @dir: the parts directory
 *
 * Returns 0, or -1 with errno set.
 */
int kpt_tracedat_parts_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/**
 * kpt_tracedat_parts_write_head - write the head and info files, and sync them
 * @dir: the parts directory
 * @meta: the file's headers, formats and parameters, as for kpt_tracedat_write();
 *        its version gets KPT_TRACEDAT_CUT_SHORT appended in the head
 * @nr_cpus: the CPU count
 *
 * Returns 0, or -1 after printing why.
 */
int kpt_tracedat_parts_write_head(const char *dir, const struct kpt_tracedat_meta *meta,
				  int nr_cpus)
{
	struct kpt_tracedat_meta head = *meta;
	char *path = kpt_asprintf("%s/head", dir);
	char *info = NULL, *version;
	int fd = -1, ret = -1;

	version = kpt_asprintf("%s%s", meta->version ? meta->version : "kptrace",
			       KPT_TRACEDAT_CUT_SHORT);
	if (!path || !version)
		goto out;
	head.version = version;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || kpt_tracedat_write_head(fd, &head, nr_cpus) < 0 || fsync(fd) < 0)
		goto fail;
	free(path);
	path = kpt_asprintf("%s/info", dir);
	info = kpt_asprintf(INFO_MAGIC "\npage_size %u\nlong_size %d\nbig_endian %d\ncpus %d\n"
			    "clock %s\n", meta->params.page_size, meta->params.long_size,
			    meta->params.big_endian, nr_cpus, meta->clock ? meta->clock : "-");
	if (!path || !info)
		goto out;
	if (write_text(path, info) < 0 || kpt_tracedat_parts_sync_dir(dir) < 0)
		goto fail;
	ret = 0;
	goto out;
fail:
	kpt_err("cannot write %s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	free(info);
	free(version);
	free(path);
	return ret;
}

/**
 * kpt_tracedat_parts_mark_assembled - say that a CPU's file is about to become FILE
 * @dir: the parts directory
 * @cpu: the CPU whose "cpuN" file kpt_tracedat_write_around() turns into FILE
 * @offset: where its pages go in FILE (kpt_tracedat_pages_offset())
 * @size: the bytes of pages it has: the file's size now
 *
 * Written and synced before the file changes: recovery then takes the pages
 * from offset 0 while the file is still @size bytes long, else from @offset.
 * Returns 0, or -1 after printing why.
 */
int kpt_tracedat_parts_mark_assembled(const char *dir, int cpu, uint64_t offset, uint64_t size)
{
	char *path = kpt_asprintf("%s/" ASSEMBLED, dir);
	char *text = kpt_asprintf("cpu %d offset %" PRIu64 " size %" PRIu64 "\n", cpu, offset,
				  size);
	int ret = -1;

	if (path && text && write_text(path, text) == 0 && kpt_tracedat_parts_sync_dir(dir) == 0)
		ret = 0;
	else
		kpt_err("cannot write %s: %s", path ? path : dir, strerror(errno));
	free(text);
	free(path);
	return ret;
}

static bool is_part(const char *name)
{
	int cpu;
	char end;

	return !strcmp(name, "head") || !strcmp(name, "info") || !strcmp(name, ASSEMBLED) ||
	       sscanf(name, "cpu%d%c", &cpu, &end) == 1;
}

/**
 * kpt_tracedat_parts_remove - remove the parts and their directory
 * @dir: the parts directory (NULL is fine)
 *
 * The directory holding it is synced first, so that a file just renamed
 * into it is on disk before its parts go. Only the files kptrace writes there
 * are removed; anything else keeps the directory, with a warning.
 */
void kpt_tracedat_parts_remove(const char *dir)
{
	struct dirent *entry;
	char *parent;
	DIR *d;

	if (!dir)
		return;
	parent = strdup(dir);
	if (parent)
		kpt_tracedat_parts_sync_dir(dirname(parent));
	free(parent);
	d = opendir(dir);
	if (!d)
		return;
	while ((entry = readdir(d))) {
		if (is_part(entry->d_name))
			unlinkat(dirfd(d), entry->d_name, 0);
	}
	closedir(d);
	if (rmdir(dir) < 0)
		kpt_warn("cannot remove %s: %s", dir, strerror(errno));
}

static int read_info(const char *dir, struct parts_info *info)
{
	char *path = kpt_asprintf("%s/info", dir);
	char magic[32] = "";
	FILE *file;
	int n = 0, big_endian = 0;

	if (!path)
		return -1;
	file = fopen(path, "re");
	if (!file && errno == ENOENT) {
		/* It is written once the head is complete, before tracing starts. */
		kpt_err("%s has no info file: its run was killed before it started tracing, so "
			"nothing was recorded; remove %s", dir, dir);
		free(path);
		return -1;
	}
	if (file) {
		n = fscanf(file, "%31[^\n] page_size %u long_size %d big_endian %d cpus %d "
			   "clock %39s", magic, &info->params.page_size, &info->params.long_size,
			   &big_endian, &info->nr_cpus, info->clock);
		fclose(file);
	}
	if (n != 6 || strcmp(magic, INFO_MAGIC) != 0 || info->nr_cpus < 1 ||
	    info->nr_cpus > KPT_TRACEDAT_MAX_CPUS || info->params.page_size < 64 ||
	    info->params.page_size > (1U << 24) ||
	    (info->params.page_size & (info->params.page_size - 1)) ||
	    (info->params.long_size != 4 && info->params.long_size != 8)) {
		kpt_err("%s: %s; these are not a kptrace recording's parts", path,
			file ? "unreadable or corrupt" : strerror(errno));
		free(path);
		return -1;
	}
	info->params.big_endian = big_endian;
	free(path);
	return 0;
}

static uint64_t get_number(bool big_endian, const uint8_t *p, int bytes)
{
	uint64_t val = 0;
	int i;

	for (i = 0; i < bytes; i++)
		val |= (uint64_t)p[i] << (8 * (big_endian ? bytes - 1 - i : i));
	return val;
}

/* How many of the @size bytes from @start in @fd are whole, sane pages. */
static uint64_t valid_pages(int fd, uint64_t start, uint64_t size, const struct parts_info *info,
			    uint8_t *page)
{
	unsigned int page_size = info->params.page_size;
	uint64_t off, header = 8 + info->params.long_size, commit;

	size -= size % page_size;
	for (off = 0; off < size; off += page_size) {
		if (pread(fd, page, page_size, start + off) != (ssize_t)page_size)
			break;
		commit = get_number(info->params.big_endian, page + 8, info->params.long_size);
		if ((commit & ~COMMIT_FLAGS) > page_size - header)
			break;
	}
	return off;
}

/* "assembled", if the run got as far as writing it; 0, or -1 after printing why. */
static int read_assembled(const char *dir, const struct parts_info *info,
			  struct parts_assembled *as)
{
	char *path = kpt_asprintf("%s/" ASSEMBLED, dir);
	FILE *file = path ? fopen(path, "re") : NULL;
	int n = 0;

	as->cpu = -1;
	if (!file && path && errno == ENOENT) {
		free(path);
		return 0;
	}
	if (file) {
		n = fscanf(file, "cpu %d offset %" SCNu64 " size %" SCNu64, &as->cpu, &as->offset,
			   &as->size);
		fclose(file);
	}
	if (n != 3 || as->cpu < 0 || as->cpu >= info->nr_cpus ||
	    as->offset % info->params.page_size || as->size % info->params.page_size) {
		kpt_err("%s: %s; these are not a kptrace recording's parts",
			path ? path : dir, file ? "corrupt" : strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/*
 * Where CPU @cpu's pages are in its file, of @st_size bytes: from 0, or, once
 * the file has been turned into FILE, from where "assembled" says. Returns
 * the bytes of pages, or -1 after printing why.
 */
static int64_t locate_pages(const char *dir, int cpu, const struct parts_assembled *as,
			    uint64_t st_size, uint64_t *start)
{
	*start = 0;
	if (cpu != as->cpu)
		return st_size;
	if (st_size == as->size)
		return as->size;	/* not changed yet */
	if (st_size >= as->offset + as->size) {
		*start = as->offset;
		return as->size;
	}
	kpt_err("%s/cpu%d: %" PRIu64 " bytes, neither its %" PRIu64 " bytes of pages nor a file "
		"made around them; its pages cannot be found", dir, cpu, st_size, as->size);
	return -1;
}

static int open_cpus(const char *dir, const struct parts_info *info,
		     struct kpt_tracedat_cpu *cpus, struct kpt_tracedat_recovery *result)
{
	uint8_t *page = malloc(info->params.page_size);
	struct parts_assembled as;
	struct stat st;
	int cpu, ret = -1;

	if (!page || read_assembled(dir, info, &as) < 0)
		goto out;
	for (cpu = 0; cpu < info->nr_cpus; cpu++) {
		char *path = kpt_asprintf("%s/cpu%d", dir, cpu);
		int64_t size;

		cpus[cpu].fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
		free(path);
		if (cpus[cpu].fd < 0 && cpu == as.cpu) {
			kpt_err("%s/cpu%d: %s; the run had made it into the recording, so look "
				"for the recording itself, and remove %s", dir, cpu,
				strerror(errno), dir);
			goto out;
		}
		if (cpus[cpu].fd < 0 || fstat(cpus[cpu].fd, &st) < 0)
			continue;	/* a CPU that recorded nothing */
		size = locate_pages(dir, cpu, &as, st.st_size, &cpus[cpu].offset);
		if (size < 0)
			goto out;
		cpus[cpu].size = valid_pages(cpus[cpu].fd, cpus[cpu].offset, size, info, page);
		result->pages += cpus[cpu].size / info->params.page_size;
		result->dropped_bytes += size - cpus[cpu].size;
	}
	ret = 0;
out:
	free(page);
	return ret;
}

static int write_file(const char *output, int head_fd, uint64_t head_size,
		      const struct parts_info *info, const struct kpt_tracedat_cpu *cpus,
		      struct kpt_tracedat_recovery *result)
{
	char *tmp = kpt_asprintf("%s.tmp", output);
	const char *clock = strcmp(info->clock, "-") ? info->clock : NULL;
	int fd, ret = -1;

	if (!tmp)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		kpt_err("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (kpt_tracedat_write_joined(fd, head_fd, head_size, &info->params, clock, cpus,
				      info->nr_cpus) < 0 || fsync(fd) < 0) {
		kpt_err("cannot write %s: %s; removed it", tmp, strerror(errno));
	} else {
		result->size = lseek(fd, 0, SEEK_CUR);
		ret = 0;
	}
	if (close(fd) < 0 && ret == 0) {
		kpt_err("cannot write %s: %s; removed it", tmp, strerror(errno));
		ret = -1;
	}
	if (ret == 0 && rename(tmp, output) < 0) {
		kpt_err("cannot rename %s to %s: %s; removed it", tmp, output, strerror(errno));
		ret = -1;
	}
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

/**
 * kpt_tracedat_parts_recover - turn the parts a killed recording left into FILE
 * @output: FILE, which must not exist; its parts are in FILE.parts
 * @result: what was kept
 *
 * Writes FILE.tmp, syncs it and renames it to FILE, then removes FILE.parts.
 * Returns 0, or -1 after printing why (the parts are then left as they were).
 */
int kpt_tracedat_parts_recover(const char *output, struct kpt_tracedat_recovery *result)
{
	char *dir = kpt_asprintf("%s.parts", output), *head = NULL;
	struct kpt_tracedat_cpu *cpus = NULL;
	struct parts_info info = { 0 };
	int head_fd = -1, ret = -1, cpu;
	struct stat st;

	memset(result, 0, sizeof(*result));
	if (!dir)
		return -1;
	if (access(dir, F_OK) < 0) {
		kpt_err("%s: %s; there is nothing to recover for %s", dir, strerror(errno),
			output);
		goto out;
	}
	if (access(output, F_OK) == 0) {
		kpt_err("%s exists: move it away first (the recovered recording is written to "
			"that name), or remove %s if %s is the complete recording", output, dir,
			output);
		goto out;
	}
	if (read_info(dir, &info) < 0)
		goto out;
	head = kpt_asprintf("%s/head", dir);
	head_fd = head ? open(head, O_RDONLY | O_CLOEXEC) : -1;
	if (head_fd < 0 || fstat(head_fd, &st) < 0 || st.st_size < 64) {
		kpt_err("%s: %s; the recording cannot be recovered without it", head ? head : dir,
			head_fd < 0 ? strerror(errno) : "truncated");
		goto out;
	}
	cpus = calloc(info.nr_cpus, sizeof(*cpus));
	if (!cpus)
		goto out;
	for (cpu = 0; cpu < info.nr_cpus; cpu++)
		cpus[cpu].fd = -1;
	result->nr_cpus = info.nr_cpus;
	if (open_cpus(dir, &info, cpus, result) < 0 ||
	    write_file(output, head_fd, st.st_size, &info, cpus, result) < 0)
		goto out;
	kpt_tracedat_parts_remove(dir);
	ret = 0;
out:
	for (cpu = 0; cpus && cpu < info.nr_cpus; cpu++) {
		if (cpus[cpu].fd >= 0)
			close(cpus[cpu].fd);
	}
	if (head_fd >= 0)
		close(head_fd);
	free(cpus);
	free(head);
	free(dir);
	return ret;
}
