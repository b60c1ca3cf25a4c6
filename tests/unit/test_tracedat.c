// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trace.dat writer: files built from canned formats and synthetic
 * ring-buffer pages, read back with libtracecmd (where kptrace is built with
 * it) and with kptrace's own reader and metadata parser, for both byte
 * orders, both long sizes and two page sizes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event-parse.h>
#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>
#endif

#include "tracedat/parts.h"
#include "tracedat/read.h"
#include "suites.h"
#include "tracedat/write.h"

#ifdef HAVE_LIBTRACECMD
/* libtracecmd exports these but declares them only in its private header. */
int tracecmd_page_size(struct tracecmd_input *handle);
int tracecmd_long_size(struct tracecmd_input *handle);
int tracecmd_cpus(struct tracecmd_input *handle);
const char *tracecmd_get_cpustats(struct tracecmd_input *handle);
const char *tracecmd_get_trace_clock(struct tracecmd_input *handle);
#endif

#define EVENT_ID	1000
#define TS_BITS		27	/* time_delta bits in an event header */
#define TYPE_EXTEND	30	/* type_len of a time-extend entry */
#define MAX_EVENTS	32

static const char header_event[] =
	"# compressed entry header\n"
	"\ttype_len    :    5 bits\n"
	"\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n"
	"\n"
	"\tpadding     : type == 29\n"
	"\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n"
	"\tdata max type_len  == 28\n";

static const char event_format[] =
	"name: kpt_test\n"
	"ID: 1000\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:unsigned int seq;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\n"
	"print fmt: \"seq=%u\", REC->seq\n";

static const char ftrace_format[] =
	"name: print\n"
	"ID: 5\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:char buf[];\toffset:8;\tsize:0;\tsigned:1;\n"
	"\n"
	"print fmt: \"%s\", REC->buf\n";

static const char cmdlines[] = "42 worker\n44 other\n";

struct event {
	uint64_t ts;
	int cpu;
	unsigned int seq;
};

/* What a test writes: per CPU, pages of events, and what it expects back. */
struct fixture {
	struct kpt_tracedat_params params;
	char header_page[512];
	int fds[2];
	uint64_t sizes[2];
	struct event expected[MAX_EVENTS];
	int nr_expected;
	char path[64];
};

/* Builds one ring-buffer page in the target's byte order and long size. */
struct page_builder {
	const struct kpt_tracedat_params *params;
	uint8_t *page;
	size_t pos;
	uint64_t ts;		/* of the last entry */
};

static void put_num(const struct kpt_tracedat_params *params, uint8_t *at, uint64_t val,
		    int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		at[i] = val >> (8 * (params->big_endian ? bytes - 1 - i : i));
}

/* The 32-bit entry header: type_len in the low 5 bits, or the high 5 on big endian. */
static void put_entry_header(struct page_builder *pb, unsigned int type_len, uint32_t delta)
{
	uint32_t word = pb->params->big_endian ? type_len << TS_BITS | delta :
						 delta << 5 | type_len;

	put_num(pb->params, pb->page + pb->pos, word, 4);
	pb->pos += 4;
}

static void page_start(struct page_builder *pb, const struct kpt_tracedat_params *params,
		       uint8_t *page, uint64_t ts)
{
	pb->params = params;
	pb->page = page;
	memset(page, 0, params->page_size);
	put_num(params, page, ts, 8);
	pb->pos = 8 + params->long_size;
	pb->ts = ts;
}

static void page_add(struct page_builder *pb, struct fixture *fx, int cpu, uint64_t ts, int pid)
{
	uint64_t delta = ts - pb->ts;
	uint8_t *payload;
	unsigned int seq = fx->nr_expected;

	ck_assert_int_lt(fx->nr_expected, MAX_EVENTS);
	if (delta >> TS_BITS) {
		put_entry_header(pb, TYPE_EXTEND, delta & ((1u << TS_BITS) - 1));
		put_num(pb->params, pb->page + pb->pos, delta >> TS_BITS, 4);
		pb->pos += 4;
		delta = 0;
	}
	put_entry_header(pb, 3, delta);		/* type_len 3: 12 bytes of payload */
	payload = pb->page + pb->pos;
	put_num(pb->params, payload, EVENT_ID, 2);
	payload[2] = 0;
	payload[3] = 0;
	put_num(pb->params, payload + 4, pid, 4);
	put_num(pb->params, payload + 8, seq, 4);
	pb->pos += 12;
	pb->ts = ts;
	ck_assert_uint_le(pb->pos, pb->params->page_size);
	fx->expected[fx->nr_expected++] = (struct event){ .ts = ts, .cpu = cpu, .seq = seq };
}

static void page_finish(struct page_builder *pb, int fd)
{
	size_t header = 8 + pb->params->long_size;

	put_num(pb->params, pb->page + 8, pb->pos - header, pb->params->long_size);
	ck_assert_int_eq(write(fd, pb->page, pb->params->page_size), pb->params->page_size);
}

/*
 * CPU 0: two pages, the first with a gap that needs a time extend; CPU 1:
 * one page whose events fall between CPU 0's.
 */
static void fixture_init(struct fixture *fx, bool big_endian, int long_size,
			 unsigned int page_size)
{
	uint8_t *page = malloc(page_size);
	struct page_builder pb;
	int cpu, i;

	ck_assert_ptr_nonnull(page);
	memset(fx, 0, sizeof(*fx));
	fx->params = (struct kpt_tracedat_params){ big_endian, long_size, page_size };
	snprintf(fx->header_page, sizeof(fx->header_page),
		 "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		 "\tfield: local_t commit;\toffset:8;\tsize:%d;\tsigned:1;\n"
		 "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
		 "\tfield: char data;\toffset:%d;\tsize:%u;\tsigned:0;\n",
		 long_size, 8 + long_size, page_size - 8 - long_size);
	for (cpu = 0; cpu < 2; cpu++) {
		fx->fds[cpu] = memfd_create("kpt-test-cpu", MFD_CLOEXEC);
		ck_assert_int_ge(fx->fds[cpu], 0);
	}

	page_start(&pb, &fx->params, page, 1000000);
	for (i = 0; i < 4; i++)
		page_add(&pb, fx, 0, 1000000 + i * 1000, 42);
	page_add(&pb, fx, 0, 5000000000ULL, 42);	/* 5 s later: a time extend */
	page_finish(&pb, fx->fds[0]);
	page_start(&pb, &fx->params, page, 7000000000ULL);
	for (i = 0; i < 3; i++)
		page_add(&pb, fx, 0, 7000000000ULL + i * 7, 43);
	page_finish(&pb, fx->fds[0]);

	page_start(&pb, &fx->params, page, 1000500);
	for (i = 0; i < 4; i++)
		page_add(&pb, fx, 1, 1000500 + i * 1000, 44);
	page_finish(&pb, fx->fds[1]);

	fx->sizes[0] = 2 * page_size;
	fx->sizes[1] = page_size;
	free(page);
}

static void fixture_meta(struct fixture *fx, struct kpt_tracedat_meta *meta,
			 struct kpt_tracedat_system *system, struct kpt_tracedat_blob *format,
			 struct kpt_tracedat_blob *ftrace)
{
	*format = (struct kpt_tracedat_blob){ event_format, strlen(event_format) };
	*ftrace = (struct kpt_tracedat_blob){ ftrace_format, strlen(ftrace_format) };
	*system = (struct kpt_tracedat_system){ "kptrace_test", format, 1 };
	*meta = (struct kpt_tracedat_meta){
		.params = fx->params,
		.header_page = { fx->header_page, strlen(fx->header_page) },
		.header_event = { header_event, strlen(header_event) },
		.ftrace_formats = ftrace,
		.nr_ftrace_formats = 1,
		.systems = system,
		.nr_systems = 1,
		.cmdlines = { cmdlines, strlen(cmdlines) },
		.clock = "mono",
		.uname = "Linux test 6.18.0 x86_64",
		.version = "kptrace test",
	};
}

/* Write the fixture's file; returns kpt_tracedat_write()'s result. */
static int fixture_write(struct fixture *fx)
{
	struct kpt_tracedat_cpu cpus[2] = {
		{ fx->fds[0], fx->sizes[0], "entries: 8\noverrun: 0\ndropped events: 0\n", 0 },
		{ fx->fds[1], fx->sizes[1], "entries: 4\noverrun: 7\ndropped events: 2\n", 0 },
	};
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;
	int fd, ret;

	fixture_meta(fx, &meta, &system, &format, &ftrace);
	snprintf(fx->path, sizeof(fx->path), "/tmp/kpt-tracedat.XXXXXX");
	fd = mkstemp(fx->path);
	ck_assert_int_ge(fd, 0);
	ret = kpt_tracedat_write(fd, &meta, cpus, 2);
	close(fd);
	return ret;
}

static void fixture_free(struct fixture *fx)
{
	close(fx->fds[0]);
	close(fx->fds[1]);
	if (fx->path[0])
		unlink(fx->path);
}

struct readback {
	struct event events[MAX_EVENTS];
	int nr;
};

static int compare_events(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void check_events(struct fixture *fx, const struct readback *rb)
{
	int i;

	ck_assert_int_eq(rb->nr, fx->nr_expected);
	qsort(fx->expected, fx->nr_expected, sizeof(*fx->expected), compare_events);
	for (i = 0; i < rb->nr; i++) {
		ck_assert_uint_eq(rb->events[i].ts, fx->expected[i].ts);
		ck_assert_int_eq(rb->events[i].cpu, fx->expected[i].cpu);
		ck_assert_uint_eq(rb->events[i].seq, fx->expected[i].seq);
	}
}

struct own_readback {
	struct readback rb;
	struct tep_handle *tep;
};

static int collect_own(void *ctx, const struct kpt_tracedat_record *tr)
{
	struct own_readback *own = ctx;
	struct tep_record record = { .ts = tr->rec.ts, .data = tr->rec.data,
				     .size = tr->rec.size, .cpu = tr->rec.cpu };
	struct tep_event *event = tep_find_event_by_record(own->tep, &record);
	unsigned long long seq = 0;

	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(event->name, "kpt_test");
	ck_assert_int_eq(tep_get_field_val(NULL, event, "seq", &record, &seq, 0), 0);
	ck_assert_int_lt(own->rb.nr, MAX_EVENTS);
	own->rb.events[own->rb.nr++] = (struct event){ .ts = tr->rec.ts, .cpu = tr->rec.cpu,
						       .seq = seq };
	return 0;
}

/*
 * kptrace's own reader: the metadata parsed without libtracecmd, then every
 * event streamed back exactly, in time order, with the per-CPU loss.
 */
static void check_readback_own(struct fixture *fx)
{
	struct own_readback own = { .rb.nr = 0 };
	struct kpt_tracedat *file;
	struct kpt_loss loss = { 0 };
	char *errmsg;

	ck_assert_int_eq(kpt_tracedat_open(fx->path, &file, &errmsg), 0);
	own.tep = kpt_tracedat_tep(file);
	ck_assert_int_eq(tep_get_long_size(own.tep), fx->params.long_size);
	ck_assert_int_eq(tep_get_page_size(own.tep), (int)fx->params.page_size);
	ck_assert_int_eq(tep_is_file_bigendian(own.tep), fx->params.big_endian);
	ck_assert_str_eq(tep_data_comm_from_pid(own.tep, 42), "worker");
	ck_assert_ptr_nonnull(tep_find_event_by_name(own.tep, "ftrace", "print"));
	ck_assert_ptr_nonnull(tep_find_event(own.tep, EVENT_ID));
	ck_assert_str_eq(kpt_tracedat_comm(file, 44), "other");
	ck_assert_int_eq(kpt_tracedat_read(file, false, collect_own, &own, &errmsg), 0);
	kpt_tracedat_loss(file, 0, &loss);
	ck_assert_uint_eq(loss.overrun, 7);
	ck_assert_uint_eq(loss.dropped, 2);
	kpt_tracedat_close(file);
	check_events(fx, &own.rb);
}

#ifdef HAVE_LIBTRACECMD
static int collect(struct tracecmd_input *handle, struct tep_record *record, int cpu, void *data)
{
	struct tep_handle *tep = tracecmd_get_tep(handle);
	struct tep_event *event = tep_find_event_by_record(tep, record);
	struct readback *rb = data;
	unsigned long long seq = 0, pid = 0;

	ck_assert_ptr_nonnull(event);
	ck_assert_str_eq(event->name, "kpt_test");
	ck_assert_int_eq(tep_get_field_val(NULL, event, "seq", record, &seq, 0), 0);
	ck_assert_int_eq(tep_get_common_field_val(NULL, event, "common_pid", record, &pid, 0), 0);
	ck_assert_int_lt(rb->nr, MAX_EVENTS);
	rb->events[rb->nr++] = (struct event){ .ts = record->ts, .cpu = cpu, .seq = seq };
	return 0;
}

/*
 * Open the file with libtracecmd; every event must come back exactly, in time
 * order. @stats: the file has the fixture's per-CPU stats (a recovered one has none).
 */
static void check_readback_stats(struct fixture *fx, bool with_stats)
{
	struct tracecmd_input *handle = tracecmd_open(fx->path, TRACECMD_FL_LOAD_NO_PLUGINS);
	struct readback rb = { .nr = 0 };
	const char *stats;

	ck_assert_ptr_nonnull(handle);
	ck_assert_int_eq(tracecmd_page_size(handle), fx->params.page_size);
	ck_assert_int_eq(tracecmd_long_size(handle), fx->params.long_size);
	ck_assert_int_eq(tracecmd_cpus(handle), 2);
	ck_assert_str_eq(tracecmd_get_trace_clock(handle), "mono");
	stats = tracecmd_get_cpustats(handle);
	if (with_stats) {
		ck_assert_ptr_nonnull(stats);
		ck_assert_ptr_nonnull(strstr(stats, "CPU: 0\nentries: 8\n"));
		ck_assert_ptr_nonnull(strstr(stats,
					     "CPU: 1\nentries: 4\noverrun: 7\ndropped events: 2"));
	}
	ck_assert_str_eq(tep_data_comm_from_pid(tracecmd_get_tep(handle), 42), "worker");
	ck_assert_int_eq(tracecmd_iterate_events(handle, NULL, 0, collect, &rb), 0);
	tracecmd_close(handle);
	check_events(fx, &rb);
}
#endif

static void check_readback(struct fixture *fx)
{
#ifdef HAVE_LIBTRACECMD
	check_readback_stats(fx, true);
#endif
	check_readback_own(fx);
}

static char *read_file(const char *path, size_t *size)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc(st.st_size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, st.st_size), st.st_size);
	close(fd);
	*size = st.st_size;
	return buf;
}

static uint64_t get_num(const struct kpt_tracedat_params *params, const char *at, int bytes)
{
	const uint8_t *b = (const uint8_t *)at;
	uint64_t val = 0;
	int i;

	for (i = 0; i < bytes; i++)
		val |= (uint64_t)b[i] << (8 * (params->big_endian ? bytes - 1 - i : i));
	return val;
}

/* The flyrecord table: each CPU's data page-aligned, sized as written, and the file ends there. */
static void check_flyrecord(struct fixture *fx)
{
	size_t size;
	char *file = read_file(fx->path, &size);
	char *table = memmem(file, size, "flyrecord", 10);
	int cpu;

	ck_assert_ptr_nonnull(table);
	table += 10;
	for (cpu = 0; cpu < 2; cpu++) {
		uint64_t offset = get_num(&fx->params, table + 16 * cpu, 8);
		uint64_t len = get_num(&fx->params, table + 16 * cpu + 8, 8);

		ck_assert_uint_eq(offset % fx->params.page_size, 0);
		ck_assert_uint_eq(len, fx->sizes[cpu]);
		if (cpu == 1)
			ck_assert_uint_eq(offset + len, size);
	}
	/* v6 readers find the clock right after the table */
	ck_assert_uint_eq(get_num(&fx->params, table + 32, 8), 6);
	ck_assert_int_eq(memcmp(table + 40, "[mono]", 6), 0);
	free(file);
}

START_TEST(test_little_endian_64)
{
	struct fixture fx;

	fixture_init(&fx, false, 8, 4096);
	ck_assert_int_eq(fixture_write(&fx), 0);
	check_readback(&fx);
	check_flyrecord(&fx);
	fixture_free(&fx);
}
END_TEST

START_TEST(test_page_size_8192)
{
	struct fixture fx;

	fixture_init(&fx, false, 8, 8192);
	ck_assert_int_eq(fixture_write(&fx), 0);
	check_readback(&fx);
	check_flyrecord(&fx);
	fixture_free(&fx);
}
END_TEST

/* A big-endian 32-bit target: the header says so, and libtracecmd still reads it right. */
START_TEST(test_big_endian_32)
{
	static const uint8_t start[] = {
		0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g', '6', 0,
		1,			/* big endian */
		4,			/* 32-bit long */
		0x00, 0x00, 0x10, 0x00,	/* page size 4096, big endian */
		'h', 'e', 'a', 'd', 'e', 'r', '_', 'p', 'a', 'g', 'e', 0,
	};
	struct fixture fx;
	size_t size;
	char *file;

	fixture_init(&fx, true, 4, 4096);
	ck_assert_int_eq(fixture_write(&fx), 0);
	file = read_file(fx.path, &size);
	ck_assert_int_eq(memcmp(file, start, sizeof(start)), 0);
	ck_assert_uint_eq(get_num(&fx.params, file + sizeof(start), 8), strlen(fx.header_page));
	ck_assert_uint_eq((uint8_t)file[sizeof(start)], 0);	/* the size's high byte first */
	free(file);
	check_readback(&fx);
	check_flyrecord(&fx);
	fixture_free(&fx);
}
END_TEST

START_TEST(test_little_endian_header_bytes)
{
	struct fixture fx;
	size_t size;
	char *file;

	fixture_init(&fx, false, 8, 8192);
	ck_assert_int_eq(fixture_write(&fx), 0);
	file = read_file(fx.path, &size);
	ck_assert_int_eq(file[12], 0);
	ck_assert_int_eq(file[13], 8);
	ck_assert_int_eq(memcmp(file + 14, "\x00\x20\x00\x00", 4), 0);
	free(file);
	fixture_free(&fx);
}
END_TEST

/*
 * A file cut short is refused, not read as a shorter trace. libtracecmd 1.3.1
 * detects it and then crashes in tracecmd_close(), so try in a child.
 */
START_TEST(test_truncated_rejected)
{
	struct kpt_tracedat *file;
	struct fixture fx;
	struct stat st;
	char *errmsg;
	int status;
	pid_t pid;

	fixture_init(&fx, false, 8, 4096);
	ck_assert_int_eq(fixture_write(&fx), 0);
	ck_assert_int_eq(stat(fx.path, &st), 0);
	ck_assert_int_eq(truncate(fx.path, st.st_size - 100), 0);
	ck_assert_int_eq(kpt_tracedat_open(fx.path, &file, &errmsg), -1);
	ck_assert_ptr_nonnull(strstr(errmsg, "truncated"));
	free(errmsg);
#ifndef HAVE_LIBTRACECMD
	(void)status;
	(void)pid;
#else
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* its "File possibly truncated" message, and a crash report */
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		_exit(tracecmd_open(fx.path, TRACECMD_FL_LOAD_NO_PLUGINS) ? 42 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 42);
#endif
	fixture_free(&fx);
}
END_TEST

START_TEST(test_write_error_reported)
{
	struct kpt_tracedat_cpu cpus[2];
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;
	struct fixture fx;
	int fd;

	fixture_init(&fx, false, 8, 4096);
	fixture_meta(&fx, &meta, &system, &format, &ftrace);
	cpus[0] = (struct kpt_tracedat_cpu){ fx.fds[0], fx.sizes[0], NULL, 0 };
	cpus[1] = (struct kpt_tracedat_cpu){ fx.fds[1], fx.sizes[1], NULL, 0 };
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		errno = 0;
		ck_assert_int_eq(kpt_tracedat_write(fd, &meta, cpus, 2), -1);
		ck_assert_int_eq(errno, ENOSPC);
		close(fd);
	}

	/* Inconsistent input is refused before anything is written. */
	cpus[1].size = 100;
	errno = 0;
	ck_assert_int_eq(kpt_tracedat_write(1, &meta, cpus, 2), -1);
	ck_assert_int_eq(errno, EINVAL);
	cpus[1].size = fx.sizes[1];
	meta.params.page_size = 3000;
	ck_assert_int_eq(kpt_tracedat_write(1, &meta, cpus, 2), -1);
	meta.params.page_size = 4096;
	meta.params.long_size = 2;
	ck_assert_int_eq(kpt_tracedat_write(1, &meta, cpus, 2), -1);
	fixture_free(&fx);
}
END_TEST

START_TEST(test_host_params)
{
	struct kpt_tracedat_params params;
	const uint16_t probe = 0x0100;

	kpt_tracedat_params_host(&params, 16384);
	ck_assert_int_eq(params.big_endian, *(const uint8_t *)&probe == 1);
	ck_assert_int_eq(params.long_size, sizeof(long));
	ck_assert_uint_eq(params.page_size, 16384);
}
END_TEST

/* Copy @size bytes of @from to a new file @dir/@name, then append @tail_size bytes of @tail. */
static void write_part(const char *dir, const char *name, int from, uint64_t size,
		       const void *tail, size_t tail_size)
{
	char path[256], *buf = malloc(size ? size : 1);
	int fd;

	ck_assert_ptr_nonnull(buf);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(from, buf, size, 0), (ssize_t)size);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	if (tail_size)
		ck_assert_int_eq(write(fd, tail, tail_size), (ssize_t)tail_size);
	close(fd);
	free(buf);
}

/* A killed recording's parts: a head, and per CPU its pages plus what @tail adds. */
static char *make_parts(struct fixture *fx, char *top, const void *tail0, size_t tail0_size,
			const void *tail1, size_t tail1_size)
{
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;
	char *output, *parts;

	ck_assert_ptr_nonnull(mkdtemp(top));
	output = malloc(strlen(top) + 16);
	ck_assert_ptr_nonnull(output);
	sprintf(output, "%s/out.dat", top);
	parts = kpt_tracedat_parts_mkdir(output);
	ck_assert_ptr_nonnull(parts);
	fixture_meta(fx, &meta, &system, &format, &ftrace);
	ck_assert_int_eq(kpt_tracedat_parts_write_head(parts, &meta, 2), 0);
	write_part(parts, "cpu0", fx->fds[0], fx->sizes[0], tail0, tail0_size);
	write_part(parts, "cpu1", fx->fds[1], fx->sizes[1], tail1, tail1_size);
	/* A second recording to the same file is refused while the parts are there. */
	ck_assert_ptr_null(kpt_tracedat_parts_mkdir(output));
	free(parts);
	return output;
}

static void remove_tree(const char *top, const char *output)
{
	char path[256];

	unlink(output);
	snprintf(path, sizeof(path), "%s.parts", output);
	kpt_tracedat_parts_remove(path);
	rmdir(top);
}

/* Recovery wrote @output and removed its parts: the file holds the fixture's events. */
static void check_recovered(struct fixture *fx, const char *output)
{
	char parts[300];

	snprintf(parts, sizeof(parts), "%s.parts", output);
	ck_assert_int_ne(access(parts, F_OK), 0);
	snprintf(fx->path, sizeof(fx->path), "%s", output);
#ifdef HAVE_LIBTRACECMD
	check_readback_stats(fx, false);
#endif
	check_flyrecord(fx);
}

/*
 * Recovery keeps every whole, sane page: CPU 0 ends in a torn half page, CPU 1
 * in a page whose commit counter is larger than a page. The file holds exactly
 * the fixture's events, and says it was cut short.
 */
START_TEST(test_parts_recover)
{
	struct kpt_tracedat_recovery result;
	struct kpt_tracedat_info info;
	struct kpt_tracedat *file;
	char top[] = "/tmp/kpt-parts.XXXXXX";
	uint8_t *junk;
	char *output, *errmsg = NULL;
	struct fixture fx;

	fixture_init(&fx, false, 8, 4096);
	junk = calloc(1, 4096);
	ck_assert_ptr_nonnull(junk);
	memset(junk + 8, 0x7f, 8);		/* commit: far more than a page */
	output = make_parts(&fx, top, junk, 2048, junk, 4096);

	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), 0);
	ck_assert_int_eq(result.nr_cpus, 2);
	ck_assert_uint_eq(result.pages, 3);
	ck_assert_uint_eq(result.dropped_bytes, 2048 + 4096);
	check_recovered(&fx, output);

	ck_assert_int_eq(kpt_tracedat_open(output, &file, &errmsg), 0);
	kpt_tracedat_info(file, &info);
	ck_assert(info.cut_short);
	kpt_tracedat_close(file);
	/* Nothing left to recover. */
	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), -1);

	fx.path[0] = '\0';
	remove_tree(top, output);
	free(output);
	free(junk);
	fixture_free(&fx);
}
END_TEST

/* An existing FILE is never overwritten, and the parts are then kept. */
START_TEST(test_parts_recover_keeps_existing_file)
{
	struct kpt_tracedat_recovery result;
	char top[] = "/tmp/kpt-parts.XXXXXX", parts[300];
	struct fixture fx;
	char *output;
	int fd;

	fixture_init(&fx, false, 8, 4096);
	output = make_parts(&fx, top, NULL, 0, NULL, 0);
	fd = open(output, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "mine", 4), 4);
	close(fd);
	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), -1);
	snprintf(parts, sizeof(parts), "%s.parts", output);
	ck_assert_int_eq(access(parts, F_OK), 0);
	remove_tree(top, output);
	free(output);
	fixture_free(&fx);
}
END_TEST

/*
 * The file kpt_tracedat_write() writes, made in a file of one CPU's pages
 * around them instead: byte for byte the same, whichever CPU it is. Where
 * /tmp's file system cannot insert room at a file's start, the file must be
 * left as it was.
 */
static void check_write_around(unsigned int page_size, int in_place)
{
	struct fixture fx;
	struct kpt_tracedat_cpu cpus[2];
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;
	char top[] = "/tmp/kpt-around.XXXXXX", path[128];
	size_t want_size, got_size;
	char *want, *got;
	int64_t offset;
	int cpu, fd;

	fixture_init(&fx, false, 8, page_size);
	ck_assert_int_eq(fixture_write(&fx), 0);
	want = read_file(fx.path, &want_size);
	ck_assert_ptr_nonnull(mkdtemp(top));
	write_part(top, "pages", fx.fds[in_place], fx.sizes[in_place], NULL, 0);
	snprintf(path, sizeof(path), "%s/pages", top);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (cpu = 0; cpu < 2; cpu++)
		cpus[cpu] = (struct kpt_tracedat_cpu){ fx.fds[cpu], fx.sizes[cpu], NULL, 0 };
	cpus[0].stats = "entries: 8\noverrun: 0\ndropped events: 0\n";
	cpus[1].stats = "entries: 4\noverrun: 7\ndropped events: 2\n";
	cpus[in_place].fd = fd;
	fixture_meta(&fx, &meta, &system, &format, &ftrace);

	offset = kpt_tracedat_pages_offset(&meta, cpus, 2, in_place);
	ck_assert_int_gt(offset, 0);
	ck_assert_int_eq(offset % page_size, 0);
	if (kpt_tracedat_write_around(&meta, cpus, 2, in_place) < 0) {
		ck_assert_msg(errno == EOPNOTSUPP, "write_around: %s", strerror(errno));
		got = read_file(path, &got_size);
		ck_assert_uint_eq(got_size, fx.sizes[in_place]);
		fprintf(stderr, "note: %s cannot insert room in a file: only the refusal is "
			"checked\n", top);
	} else {
		ck_assert_int_eq(lseek(fd, 0, SEEK_CUR), (off_t)want_size);
		got = read_file(path, &got_size);
		ck_assert_uint_eq(got_size, want_size);
		ck_assert(memcmp(got, want, want_size) == 0);
		/* The pages are where the table says. */
		ck_assert(memcmp(got + offset, want + offset, fx.sizes[in_place]) == 0);
	}
	free(got);
	free(want);
	close(fd);
	unlink(path);
	rmdir(top);
	fixture_free(&fx);
}

START_TEST(test_write_around)
{
	check_write_around(4096, 0);
	check_write_around(4096, 1);
	check_write_around(8192, 0);
	check_write_around(8192, 1);
}
END_TEST

/* A CPU's file that cannot be the file: no pages, or more than pages. */
START_TEST(test_write_around_refuses)
{
	struct fixture fx;
	struct kpt_tracedat_cpu cpus[2];
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;

	fixture_init(&fx, false, 8, 4096);
	fixture_meta(&fx, &meta, &system, &format, &ftrace);
	cpus[0] = (struct kpt_tracedat_cpu){ fx.fds[0], fx.sizes[0], NULL, 0 };
	cpus[1] = (struct kpt_tracedat_cpu){ -1, 0, NULL, 0 };
	ck_assert_int_eq(kpt_tracedat_write_around(&meta, cpus, 2, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(kpt_tracedat_write_around(&meta, cpus, 2, 2), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* The file is longer than its pages: it is not only pages. */
	cpus[0].size = 4096;
	ck_assert_int_eq(kpt_tracedat_write_around(&meta, cpus, 2, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(lseek(fx.fds[0], 0, SEEK_END), (off_t)fx.sizes[0]);
	fixture_free(&fx);
}
END_TEST

/*
 * A run killed while it assembled FILE around CPU @cpu's pages: before its
 * file changed (@assembled false) or after it was complete but not renamed
 * (true). Recovery finds the pages either way and writes the whole recording.
 */
static void check_recover_assembled(int cpu, bool assembled)
{
	struct kpt_tracedat_recovery result;
	struct kpt_tracedat_cpu cpus[2];
	struct kpt_tracedat_blob format, ftrace;
	struct kpt_tracedat_system system;
	struct kpt_tracedat_meta meta;
	char top[] = "/tmp/kpt-parts.XXXXXX", parts[300], path[320];
	struct fixture fx;
	int64_t offset;
	char *output;
	int i, fd;

	fixture_init(&fx, false, 8, 4096);
	output = make_parts(&fx, top, NULL, 0, NULL, 0);
	snprintf(parts, sizeof(parts), "%s.parts", output);
	snprintf(path, sizeof(path), "%s/cpu%d", parts, cpu);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	for (i = 0; i < 2; i++)
		cpus[i] = (struct kpt_tracedat_cpu){ fx.fds[i], fx.sizes[i], NULL, 0 };
	cpus[cpu].fd = fd;
	fixture_meta(&fx, &meta, &system, &format, &ftrace);
	offset = kpt_tracedat_pages_offset(&meta, cpus, 2, cpu);
	ck_assert_int_gt(offset, 0);
	ck_assert_int_eq(kpt_tracedat_parts_mark_assembled(parts, cpu, offset, fx.sizes[cpu]), 0);
	if (assembled && kpt_tracedat_write_around(&meta, cpus, 2, cpu) < 0) {
		ck_assert_int_eq(errno, EOPNOTSUPP);
		fprintf(stderr, "note: %s cannot insert room in a file: recovery of an "
			"assembled file is not checked\n", top);
	}
	close(fd);

	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), 0);
	ck_assert_uint_eq(result.pages, 3);
	ck_assert_uint_eq(result.dropped_bytes, 0);
	check_recovered(&fx, output);
	fx.path[0] = '\0';
	remove_tree(top, output);
	free(output);
	fixture_free(&fx);
}

START_TEST(test_parts_recover_assembled)
{
	check_recover_assembled(0, false);
	check_recover_assembled(0, true);
	check_recover_assembled(1, true);
}
END_TEST

/* The assembled CPU's file is gone (renamed to FILE): nothing is recovered without it. */
START_TEST(test_parts_recover_assembled_gone)
{
	struct kpt_tracedat_recovery result;
	char top[] = "/tmp/kpt-parts.XXXXXX", parts[300], path[320];
	struct fixture fx;
	char *output;

	fixture_init(&fx, false, 8, 4096);
	output = make_parts(&fx, top, NULL, 0, NULL, 0);
	snprintf(parts, sizeof(parts), "%s.parts", output);
	ck_assert_int_eq(kpt_tracedat_parts_mark_assembled(parts, 1, 8192, fx.sizes[1]), 0);
	snprintf(path, sizeof(path), "%s/cpu1", parts);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), -1);
	ck_assert_int_ne(access(output, F_OK), 0);
	ck_assert_int_eq(access(parts, F_OK), 0);
	remove_tree(top, output);
	free(output);
	fixture_free(&fx);
}
END_TEST

/* Parts without their info file: the run died before tracing; nothing to recover. */
START_TEST(test_parts_without_info)
{
	struct kpt_tracedat_recovery result;
	char top[] = "/tmp/kpt-parts.XXXXXX", path[300];
	struct fixture fx;
	char *output;

	fixture_init(&fx, false, 8, 4096);
	output = make_parts(&fx, top, NULL, 0, NULL, 0);
	snprintf(path, sizeof(path), "%s.parts/info", output);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(kpt_tracedat_parts_recover(output, &result), -1);
	ck_assert_int_ne(access(output, F_OK), 0);
	remove_tree(top, output);
	free(output);
	fixture_free(&fx);
}
END_TEST

Suite *tracedat_suite(void)
{
	Suite *suite = suite_create("tracedat");
	TCase *tc = tcase_create("tracedat");

	tcase_add_test(tc, test_little_endian_64);
	tcase_add_test(tc, test_page_size_8192);
	tcase_add_test(tc, test_big_endian_32);
	tcase_add_test(tc, test_little_endian_header_bytes);
	tcase_add_test(tc, test_truncated_rejected);
	tcase_add_test(tc, test_write_error_reported);
	tcase_add_test(tc, test_host_params);
	tcase_add_test(tc, test_parts_recover);
	tcase_add_test(tc, test_parts_recover_keeps_existing_file);
	tcase_add_test(tc, test_parts_without_info);
	tcase_add_test(tc, test_write_around);
	tcase_add_test(tc, test_write_around_refuses);
	tcase_add_test(tc, test_parts_recover_assembled);
	tcase_add_test(tc, test_parts_recover_assembled_gone);
	suite_add_tcase(suite, tc);
	return suite;
}
