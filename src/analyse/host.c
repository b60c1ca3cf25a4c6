// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analysers' host services.
 *
 * An event's arguments are its format's own fields (tep keeps the common_*
 * ones apart) except the probe's bookkeeping, whose names start with "__"
 * (__probe_ip, __probe_func, __probe_ret_ip, __syscall_nr). They are found by
 * walking the format's short field list: no lookup by name, no allocation.
 *
 * Command names come from a callback (a file's saved cmdlines) or, live,
 * from /proc, cached per thread so that /proc is read once per thread. A
 * thread that is gone by the time its spans arrive (a short command run
 * with -- CMD) is looked up in the kernel's saved_cmdlines, as trace-cmd
 * does: the kernel saves the command name of the tasks its events record.
 *
 * Stack frames are named through a symbol table (symbols.c): kallsyms from
 * the file being analysed, or /proc/kallsyms read the first time a kernel
 * frame is named in a live run.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <tracefs.h>

#include "analyse/host.h"
#include "analyse/symbols.h"

#define UNKNOWN_COMM	"<...>"
#define COMM_LEN	16		/* TASK_COMM_LEN */
#define INITIAL_COMMS	64		/* cache slots; a power of two */

struct comm_slot {
	int key;			/* tid + 1; 0: free */
	int tgid;			/* 0: not read yet; -1: unknown */
	char comm[COMM_LEN];
};

struct host {
	struct kpt_host host;		/* first: the analysers' pointer is ours */
	kpt_comm_fn comm;
	void *comm_ctx;
	struct comm_slot *comms;	/* live: the /proc cache */
	unsigned int nr_slots;
	unsigned int nr_comms;
	struct kpt_symbols *syms;	/* made when the first frame is named */
	bool kallsyms_tried;		/* live: /proc/kallsyms was read (or could not be) */
};

static bool is_arg(const struct tep_format_field *field)
{
	return strncmp(field->name, "__", 2) != 0;
}

static struct tep_format_field *arg_field(const struct kpt_event *ev, int i)
{
	struct tep_format_field *field;

	if (!ev->format || i < 0)
		return NULL;
	for (field = ev->format->format.fields; field; field = field->next) {
		if (is_arg(field) && i-- == 0)
			return field;
	}
	return NULL;
}

static int host_nr_args(const struct kpt_event *ev)
{
	struct tep_format_field *field;
	int n = 0;

	for (field = ev->format ? ev->format->format.fields : NULL; field; field = field->next)
		n += is_arg(field);
	return n;
}

static const char *host_arg_name(const struct kpt_event *ev, int i)
{
	struct tep_format_field *field = arg_field(ev, i);

	return field ? field->name : NULL;
}

static int host_arg_index(const struct kpt_event *ev, const char *name)
{
	struct tep_format_field *field;
	int i = 0;

	for (field = ev->format ? ev->format->format.fields : NULL; field; field = field->next) {
		if (!is_arg(field))
			continue;
		if (strcmp(field->name, name) == 0)
			return i;
		i++;
	}
	return -1;
}

static bool is_number(const struct tep_format_field *field)
{
	return !(field->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_STRING | TEP_FIELD_IS_DYNAMIC)) &&
	       field->size >= 1 && field->size <= 8;
}

/* The field as a number, sign-extended from its size when its format says it is signed. */
static int read_number(const struct kpt_event *ev, const struct tep_format_field *field,
		       uint64_t *val)
{
	unsigned long long v;
	int shift;

	if (!ev->data || !is_number(field) || field->offset + field->size > ev->size)
		return -1;
	v = tep_read_number(ev->format->tep, (const char *)ev->data + field->offset, field->size);
	shift = 64 - 8 * field->size;
	if ((field->flags & TEP_FIELD_IS_SIGNED) && shift > 0)
		v = (unsigned long long)((long long)(v << shift) >> shift);
	*val = v;
	return 0;
}

static int host_arg_u64(const struct kpt_event *ev, int i, uint64_t *val)
{
	struct tep_format_field *field = arg_field(ev, i);

	return field ? read_number(ev, field, val) : -1;
}

/* Where a string or array field's bytes are, and how many: the data_loc word, or in place. */
static int field_bytes(const struct kpt_event *ev, const struct tep_format_field *field,
		       const char **bytes, int *len)
{
	unsigned int offset = field->offset, size = field->size;

	if (field->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned long long loc;

		if (field->offset + field->size > ev->size)
			return -1;
		loc = tep_read_number(ev->format->tep, (const char *)ev->data + field->offset,
				      field->size);
		offset = loc & 0xffff;
		size = (loc >> 16) & 0xffff;
		if (field->flags & TEP_FIELD_IS_RELATIVE)
			offset += field->offset + field->size;
	}
	if (offset + size > (unsigned int)ev->size)
		return -1;
	*bytes = (const char *)ev->data + offset;
	*len = size;
	return 0;
}

static int copy_string(char *buf, size_t size, const char *bytes, int len)
{
	size_t n = strnlen(bytes, len);

	if (n >= size)
		n = size - 1;
	memcpy(buf, bytes, n);
	buf[n] = '\0';
	return n;
}

static int copy_hex(char *buf, size_t size, const unsigned char *bytes, int len)
{
	size_t n = 0;
	int i;

	for (i = 0; i < len && n + 3 <= size; i++)
		n += snprintf(buf + n, size - n, "%02x", bytes[i]);
	buf[n] = '\0';
	return n;
}

static int host_arg_text(const struct kpt_event *ev, int i, char *buf, size_t size)
{
	struct tep_format_field *field = arg_field(ev, i);
	const char *bytes;
	uint64_t val;
	int len;

	if (!size)
		return -1;
	buf[0] = '\0';
	if (!field || !ev->data)
		return -1;
	if (is_number(field)) {
		if (read_number(ev, field, &val) < 0)
			return -1;
		if (field->flags & TEP_FIELD_IS_SIGNED)
			len = snprintf(buf, size, "%" PRId64, (int64_t)val);
		else
			len = snprintf(buf, size, "%" PRIu64, val);
		return len < (int)size ? len : (int)size - 1;
	}
	if (field_bytes(ev, field, &bytes, &len) < 0)
		return -1;
	if (field->flags & TEP_FIELD_IS_STRING)
		return copy_string(buf, size, bytes, len);
	return copy_hex(buf, size, (const unsigned char *)bytes, len);
}

static const char *host_event_system(const struct kpt_event *ev)
{
	return ev->format ? ev->format->system : NULL;
}

static const char *host_event_name(const struct kpt_event *ev)
{
	return ev->format ? ev->format->name : NULL;
}

static unsigned int comm_slot_of(int key, unsigned int nr_slots)
{
	return ((unsigned int)key * 2654435761u) & (nr_slots - 1);
}

static struct comm_slot *insert_comm(struct comm_slot *slots, unsigned int nr_slots, int key)
{
	unsigned int i = comm_slot_of(key, nr_slots);

	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (nr_slots - 1);
	slots[i].key = key;
	return &slots[i];
}

static int grow_comms(struct host *h)
{
	unsigned int nr_slots = h->nr_slots ? h->nr_slots * 2 : INITIAL_COMMS, i;
	struct comm_slot *slots = calloc(nr_slots, sizeof(*slots));

	if (!slots)
		return -1;
	for (i = 0; i < h->nr_slots; i++) {
		if (h->comms[i].key)
			*insert_comm(slots, nr_slots, h->comms[i].key) = h->comms[i];
	}
	free(h->comms);
	h->comms = slots;
	h->nr_slots = nr_slots;
	return 0;
}

/* The kernel's saved command name of @tid ("PID COMM" lines) into @comm, if it has one. */
static void saved_comm(int tid, char *comm)
{
	char *line, *save = NULL, *text;
	int pid, at, size = 0;

	text = tracefs_instance_file_read(NULL, "saved_cmdlines", &size);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%d %n", &pid, &at) == 1 && pid == tid && line[at]) {
			snprintf(comm, COMM_LEN, "%s", line + at);
			break;
		}
	}
	free(text);
}

/* The cache slot of @tid, made (its /proc/TID/comm read) if new; NULL on allocation failure. */
static struct comm_slot *thread_slot(struct host *h, int tid)
{
	char path[64];
	struct comm_slot *slot;
	unsigned int i;
	ssize_t n;
	int fd;

	if (h->nr_slots) {
		for (i = comm_slot_of(tid + 1, h->nr_slots); h->comms[i].key;
		     i = (i + 1) & (h->nr_slots - 1)) {
			if (h->comms[i].key == tid + 1)
				return &h->comms[i];
		}
	}
	if ((h->nr_comms + 1) * 2 > h->nr_slots && grow_comms(h) < 0)
		return NULL;
	slot = insert_comm(h->comms, h->nr_slots, tid + 1);
	h->nr_comms++;
	slot->tgid = 0;
	strcpy(slot->comm, UNKNOWN_COMM);
	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, slot->comm, sizeof(slot->comm) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		saved_comm(tid, slot->comm);
		return slot;
	}
	slot->comm[n] = '\0';
	slot->comm[strcspn(slot->comm, "\n")] = '\0';
	return slot;
}

/* /proc/TID/comm, read once per thread and kept (a thread that is gone stays "<...>"). */
static const char *proc_comm(struct host *h, int tid)
{
	struct comm_slot *slot = thread_slot(h, tid);

	return slot ? slot->comm : UNKNOWN_COMM;
}

/* The Tgid: line of /proc/TID/status, or -1. */
static int read_tgid(int tid)
{
	char path[64], line[128];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	}
	fclose(f);
	return tgid > 0 ? tgid : -1;
}

static int host_tgid(const struct kpt_host *host, int tid)
{
	struct host *h = host->priv;
	struct comm_slot *slot;

	if (h->comm || tid <= 0)
		return tid == 0 ? 0 : -1;
	slot = thread_slot(h, tid);
	if (!slot)
		return -1;
	if (!slot->tgid)
		slot->tgid = read_tgid(tid);
	return slot->tgid;
}

static const char *host_comm(const struct kpt_host *host, int tid)
{
	struct host *h = host->priv;
	const char *comm;

	if (h->comm) {
		comm = h->comm(h->comm_ctx, tid);
		return comm ? comm : UNKNOWN_COMM;
	}
	return tid == 0 ? "<idle>" : proc_comm(h, tid);
}

/* /proc/kallsyms, whose size stat() does not tell. */
static char *read_whole(const char *path, size_t *len)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap), *bigger;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	*len = 0;
	while (fd >= 0 && buf) {
		if (*len == cap) {
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
	}
	if (fd >= 0)
		close(fd);
	if (n != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static struct kpt_symbols *host_symbols(struct host *h)
{
	if (!h->syms)
		h->syms = kpt_symbols_alloc();
	return h->syms;
}

/**
 * kpt_host_load_kallsyms - the kernel symbols that name kernel frames
 * @host: the host
 * @text: kallsyms text (a trace file's own), or NULL for /proc/kallsyms
 * @len: bytes of @text
 *
 * A live host reads /proc/kallsyms by itself when it names its first kernel
 * frame; call this to load it before tracing starts, or for a file. Returns
 * the number of symbols (0: the addresses are hidden or there are none), or
 * -1 if /proc/kallsyms cannot be read or without memory.
 */
int kpt_host_load_kallsyms(struct kpt_host *host, const char *text, size_t len)
{
	struct host *h = host->priv;
	struct kpt_symbols *syms = host_symbols(h);
	char *own = NULL;
	int ret;

	h->kallsyms_tried = true;
	if (!syms)
		return -1;
	if (!text) {
		text = own = read_whole("/proc/kallsyms", &len);
		if (!own)
			return -1;
	}
	ret = kpt_symbols_load_kallsyms(syms, text, len);
	free(own);
	return ret;
}

/**
 * kpt_host_see_process - read a process's mappings now, to name its user frames later
 * @host: the host
 * @pid: a running process (-p PID)
 *
 * Returns 0, or -1 if they cannot be read.
 */
int kpt_host_see_process(struct kpt_host *host, int pid)
{
	struct kpt_symbols *syms = host_symbols(host->priv);

	return syms ? kpt_symbols_see_process(syms, pid) : -1;
}

static const char *host_frame_name(const struct kpt_host *host, const struct kpt_stack *stack,
				   bool user, int i)
{
	struct host *h = host->priv;
	struct kpt_symbols *syms = host_symbols(h);

	if (!stack || i < 0 || i >= stack->nr)
		return NULL;
	if (!syms)
		return "?";
	/* a file's processes are not this machine's: no mappings, so addresses */
	if (user)
		return kpt_symbols_user(syms, h->comm ? -1 : stack->pid, stack->ips[i]);
	if (!h->kallsyms_tried && !h->comm)
		kpt_host_load_kallsyms(&h->host, NULL, 0);
	return kpt_symbols_kernel(syms, stack->ips[i]);
}

/**
 * kpt_host_alloc - the services analysers get
 * @comm: names threads (a file's saved cmdlines), or NULL to read /proc (live)
 * @comm_ctx: passed to @comm
 *
 * Returns the host, or NULL on allocation failure. Release it with
 * kpt_host_free() after every analyser that was given it is destroyed.
 */
struct kpt_host *kpt_host_alloc(kpt_comm_fn comm, void *comm_ctx)
{
	struct host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->host = (struct kpt_host){
		.abi_major = KPT_ABI_MAJOR,
		.abi_minor = KPT_ABI_MINOR,
		.nr_args = host_nr_args,
		.arg_name = host_arg_name,
		.arg_text = host_arg_text,
		.arg_u64 = host_arg_u64,
		.arg_index = host_arg_index,
		.event_system = host_event_system,
		.event_name = host_event_name,
		.comm = host_comm,
		.priv = h,
		.tgid = host_tgid,
		.frame_name = host_frame_name,
	};
	h->comm = comm;
	h->comm_ctx = comm_ctx;
	return &h->host;
}

/**
 * kpt_host_free - release a host (NULL is fine)
 * @host: from kpt_host_alloc()
 */
void kpt_host_free(struct kpt_host *host)
{
	struct host *h;

	if (!host)
		return;
	h = host->priv;
	kpt_symbols_free(h->syms);
	free(h->comms);
	free(h);
}
