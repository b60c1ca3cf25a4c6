// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pair entries with returns.
 *
 * Threads live in an open-addressing hash keyed by thread id (linear probing,
 * deletion by backward shift, grown at half load). Each thread has a stack of
 * open calls. A return pops the newest open call of its probe; open calls of
 * other probes above it lost their return (a kretprobe miss, a longjmp) and
 * are counted as such. Memory is allocated when a thread is first seen or its
 * stack outgrows every earlier depth, never per record.
 *
 * With kpt_pairer_keep_entries(), each open call also keeps its entry's
 * payload, in a byte stack per thread that grows and shrinks with the call
 * stack: its memory is reused, so it too is allocated only when a thread's
 * open entries outgrow every earlier size.
 *
 * With kpt_pairer_keep_stacks(), the entry's stacks (struct kpt_stack) are
 * kept the same way, on the same byte stack.
 *
 * A probe with a key (kpt_pairer_set_key()) pairs outside the threads' stacks:
 * its open entries live in a second open-addressing hash, keyed by the probe
 * and the values of its key fields, read from the entry's and the exit's
 * payload. An entry whose key is open already replaces it (the earlier one
 * lost its exit); keyed spans have no depth and keep no stacks.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "pipeline/pair.h"
#include "util.h"

#define INITIAL_THREADS	256	/* hash slots; a power of two */
#define INITIAL_DEPTH	8

/* A payload larger than this is not kept: the span's entry then has no data. */
#define MAX_KEPT_PAYLOAD	65536

struct frame {
	int probe;
	int cpu;
	uint64_t start;
	/* with kpt_pairer_keep_entries() only: */
	struct tep_event *format;
	unsigned int offset;		/* of the payload in the thread's byte stack */
	int size;			/* payload bytes; -1: not kept */
	/* with kpt_pairer_keep_stacks() only: */
	unsigned int base;		/* the byte stack's top before this frame */
	unsigned int kstack, ustack;	/* offsets of their addresses */
	int knr, unr;			/* frames kept; 0: none */
	int upid;
};

struct thread {
	int key;		/* thread id + 1, so that the idle task (0) fits; 0: free slot */
	int depth;
	int capacity;
	struct frame *frames;
	char *payload;		/* kept entries' payloads, a stack in step with frames */
	unsigned int payload_used;
	unsigned int payload_size;
};

/* A keyed probe's fields, found in its entry's ([0]) and exit's ([1]) formats. */
struct keyed {
	struct kpt_pair_key key;
	struct tep_event *formats[2];	/* the formats the fields were found in */
	struct tep_format_field *fields[2][KPT_PAIR_KEY_MAX];
};

/* An entry of a keyed probe waiting for its exit; used == false: a free slot. */
struct keyed_open {
	bool used;
	int probe;
	int cpu;
	int tid;
	uint64_t start;
	uint64_t hash;
	uint64_t values[KPT_PAIR_KEY_MAX];
	/* with kpt_pairer_keep_entries() only: */
	struct tep_event *format;
	char *payload;			/* malloc'd, reused by the next entry in this slot */
	int size;			/* -1: not kept */
	int capacity;
};

struct kpt_pairer {
	kpt_span_fn span_fn;
	void *ctx;
	bool keep_entries;
	bool keep_stacks;
	bool keep;		/* either: one test on the hot path */
	int nr_probes;
	struct kpt_pair_counts *counts;
	struct thread *threads;
	struct thread *last;	/* the thread of the last lookup, or NULL */
	unsigned int nr_slots;	/* a power of two */
	unsigned int nr_threads;
	uint64_t last_ts;	/* the latest event's time */
	kpt_span_maker_fn span_maker;	/* KPT_ROLE_SPAN events into spans */
	void *span_maker_ctx;
	struct keyed **keyed;		/* [probe]: NULL for a probe paired per thread */
	struct keyed_open *opens;	/* keyed probes' open entries */
	unsigned int nr_open_slots;	/* 0, or a power of two */
	unsigned int nr_opens;
};

/**
 * kpt_pairer_alloc - a pairer for @nr_probes probes
 * @nr_probes: probe indexes in events run from 0 to @nr_probes - 1
 * @span_fn: called for every completed span
 * @ctx: passed to @span_fn
 *
 * Returns the pairer, or NULL on allocation failure.
 */
struct kpt_pairer *kpt_pairer_alloc(int nr_probes, kpt_span_fn span_fn, void *ctx)
{
	struct kpt_pairer *pairer = calloc(1, sizeof(*pairer));

	if (!pairer)
		return NULL;
	pairer->span_fn = span_fn;
	pairer->ctx = ctx;
	pairer->nr_probes = nr_probes;
	pairer->nr_slots = INITIAL_THREADS;
	pairer->counts = calloc(nr_probes, sizeof(*pairer->counts));
	pairer->threads = calloc(pairer->nr_slots, sizeof(*pairer->threads));
	if (!pairer->counts || !pairer->threads) {
		kpt_pairer_free(pairer);
		return NULL;
	}
	return pairer;
}

static unsigned int slot_of(const struct kpt_pairer *pairer, int key)
{
	return ((unsigned int)key * 2654435761u) & (pairer->nr_slots - 1);
}

static struct thread *find_thread(struct kpt_pairer *pairer, int tid)
{
	unsigned int i;

	/* Most records are the same thread's as the one before. */
	if (pairer->last && pairer->last->key == tid + 1)
		return pairer->last;
	for (i = slot_of(pairer, tid + 1); pairer->threads[i].key;
	     i = (i + 1) & (pairer->nr_slots - 1)) {
		if (pairer->threads[i].key == tid + 1)
			return pairer->last = &pairer->threads[i];
	}
	return NULL;
}

static struct thread *insert_slot(struct thread *threads, unsigned int nr_slots, int key)
{
	unsigned int i = ((unsigned int)key * 2654435761u) & (nr_slots - 1);

	while (threads[i].key)
		i = (i + 1) & (nr_slots - 1);
	threads[i].key = key;
	return &threads[i];
}

static int grow_threads(struct kpt_pairer *pairer)
{
	unsigned int nr_slots = pairer->nr_slots * 2, i;
	struct thread *threads = calloc(nr_slots, sizeof(*threads));

	if (!threads)
		return -1;
	for (i = 0; i < pairer->nr_slots; i++) {
		if (pairer->threads[i].key)
			*insert_slot(threads, nr_slots, pairer->threads[i].key) = pairer->threads[i];
	}
	free(pairer->threads);
	pairer->threads = threads;
	pairer->nr_slots = nr_slots;
	pairer->last = NULL;
	return 0;
}

static __attribute__((noinline)) struct thread *add_thread(struct kpt_pairer *pairer, int tid)
{
	if ((pairer->nr_threads + 1) * 2 > pairer->nr_slots && grow_threads(pairer) < 0)
		return NULL;
	pairer->nr_threads++;
	return insert_slot(pairer->threads, pairer->nr_slots, tid + 1);
}

/* Remove @thread, shifting back the entries that probed past its slot. */
static void remove_thread(struct kpt_pairer *pairer, struct thread *thread)
{
	unsigned int mask = pairer->nr_slots - 1;
	unsigned int hole = thread - pairer->threads, i = hole;

	free(thread->frames);
	free(thread->payload);
	memset(thread, 0, sizeof(*thread));
	pairer->nr_threads--;
	pairer->last = NULL;	/* entries may move */
	for (;;) {
		unsigned int home;

		i = (i + 1) & mask;
		if (!pairer->threads[i].key)
			return;
		home = slot_of(pairer, pairer->threads[i].key);
		/* Move it if its home is not cyclically within (hole, i]. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			pairer->threads[hole] = pairer->threads[i];
			memset(&pairer->threads[i], 0, sizeof(pairer->threads[i]));
			hole = i;
		}
	}
}

/*
 * Copy @len bytes on top of the thread's byte stack, 8-byte aligned so that
 * analysers may read fields in place. Returns their offset, or -1 when there
 * is no memory (they are not kept).
 */
static long push_bytes(struct thread *thread, const void *bytes, unsigned int len)
{
	unsigned int offset = (thread->payload_used + 7) & ~7u, need = offset + len, size;
	char *grown;

	if (need > thread->payload_size) {
		size = thread->payload_size ? thread->payload_size : 256;
		while (size < need)
			size *= 2;
		grown = realloc(thread->payload, size);
		if (!grown)
			return -1;
		thread->payload = grown;
		thread->payload_size = size;
	}
	memcpy(thread->payload + offset, bytes, len);
	thread->payload_used = need;
	return offset;
}

/* Copy the entry's payload on top of the thread's byte stack; on failure it is not kept. */
static void keep_payload(struct thread *thread, struct frame *frame, const struct kpt_event *ev)
{
	long offset;

	if (!ev->data || ev->size < 0 || ev->size > MAX_KEPT_PAYLOAD)
		return;
	offset = push_bytes(thread, ev->data, ev->size);
	if (offset < 0)
		return;
	frame->offset = offset;
	frame->format = ev->format;
	frame->size = ev->size;
}

/* The entry's stacks, on the byte stack too. */
static void keep_stacks(struct thread *thread, struct frame *frame, const struct kpt_event *ev)
{
	long offset;

	frame->knr = frame->unr = 0;
	if (ev->kstack && ev->kstack->nr > 0) {
		offset = push_bytes(thread, ev->kstack->ips, ev->kstack->nr * sizeof(uint64_t));
		if (offset >= 0) {
			frame->kstack = offset;
			frame->knr = ev->kstack->nr;
		}
	}
	if (ev->ustack && ev->ustack->nr > 0) {
		offset = push_bytes(thread, ev->ustack->ips, ev->ustack->nr * sizeof(uint64_t));
		if (offset >= 0) {
			frame->ustack = offset;
			frame->unr = ev->ustack->nr;
			frame->upid = ev->ustack->pid;
		}
	}
}

/* What an open call keeps until its return, on the thread's byte stack. */
static __attribute__((noinline)) void keep(const struct kpt_pairer *pairer, struct thread *thread,
					   struct frame *frame, const struct kpt_event *ev)
{
	frame->base = thread->payload_used;
	if (pairer->keep_entries) {
		frame->size = -1;
		keep_payload(thread, frame, ev);
	}
	if (pairer->keep_stacks)
		keep_stacks(thread, frame, ev);
}

/* Hand a span its entry's kept payload and stacks, and free their bytes after it. */
static __attribute__((noinline)) void span_kept(struct kpt_pairer *pairer, struct thread *thread,
						const struct frame *frame, struct kpt_event *entry,
						struct kpt_span *span)
{
	struct kpt_stack kstack, ustack;

	if (pairer->keep_entries && frame->size >= 0) {
		entry->format = frame->format;
		entry->data = thread->payload + frame->offset;
		entry->size = frame->size;
	}
	if (pairer->keep_stacks && frame->knr) {
		kstack = (struct kpt_stack){ frame->knr, 0,
			(const uint64_t *)(thread->payload + frame->kstack) };
		entry->kstack = &kstack;
	}
	if (pairer->keep_stacks && frame->unr) {
		ustack = (struct kpt_stack){ frame->unr, frame->upid,
			(const uint64_t *)(thread->payload + frame->ustack) };
		entry->ustack = &ustack;
	}
	/* the popped frames' bytes are free again once the span is handed on */
	thread->payload_used = frame->base;
	pairer->span_fn(pairer->ctx, span);
}

static __attribute__((noinline)) int grow_frames(struct thread *thread)
{
	int capacity = thread->capacity ? thread->capacity * 2 : INITIAL_DEPTH;
	struct frame *frames = realloc(thread->frames, capacity * sizeof(*frames));

	if (!frames)
		return -1;
	thread->frames = frames;
	thread->capacity = capacity;
	return 0;
}

static void push(struct kpt_pairer *pairer, const struct kpt_event *ev)
{
	struct thread *thread = find_thread(pairer, ev->tid);
	struct frame *frame;

	if (!thread && !(thread = add_thread(pairer, ev->tid)))
		return;
	if (thread->depth == thread->capacity && grow_frames(thread) < 0)
		return;
	frame = &thread->frames[thread->depth++];
	frame->probe = ev->probe;
	frame->cpu = ev->cpu;
	frame->start = ev->ts;
	if (pairer->keep)
		keep(pairer, thread, frame, ev);
}

static void pop(struct kpt_pairer *pairer, const struct kpt_event *ev)
{
	struct thread *thread = find_thread(pairer, ev->tid);
	struct kpt_event entry;
	struct kpt_span span;
	int i;

	for (i = thread ? thread->depth - 1 : -1; i >= 0; i--) {
		if (thread->frames[i].probe == ev->probe)
			break;
	}
	if (i < 0) {
		pairer->counts[ev->probe].orphan_exits++;
		return;
	}
	while (thread->depth - 1 > i)
		pairer->counts[thread->frames[--thread->depth].probe].lost_exits++;
	thread->depth--;
	pairer->counts[ev->probe].spans++;
	entry = (struct kpt_event){
		.ts = thread->frames[i].start,
		.cpu = thread->frames[i].cpu,
		.tid = ev->tid,
		.probe = ev->probe,
		.role = KPT_ROLE_ENTRY,
	};
	span = (struct kpt_span){
		.probe = ev->probe,
		.tid = ev->tid,
		.depth = thread->depth,
		.cpu = thread->frames[i].cpu,
		.start = thread->frames[i].start,
		.end = ev->ts,
		.entry = &entry,
		.exit = ev,
	};
	if (pairer->keep) {
		span_kept(pairer, thread, &thread->frames[i], &entry, &span);
		return;
	}
	pairer->span_fn(pairer->ctx, &span);
}

static void task_exit(struct kpt_pairer *pairer, const struct kpt_event *ev)
{
	struct thread *thread = find_thread(pairer, ev->tid);

	if (!thread)
		return;
	while (thread->depth)
		pairer->counts[thread->frames[--thread->depth].probe].task_exits++;
	remove_thread(pairer, thread);
}

/* A span the kernel measured: nothing to pair, only to count and hand on. */
static void made_span(struct kpt_pairer *pairer, const struct kpt_event *ev)
{
	struct kpt_event entry, exit;
	struct kpt_span span;

	if (!pairer->span_maker ||
	    pairer->span_maker(pairer->span_maker_ctx, ev, &span, &entry, &exit) < 0)
		return;
	pairer->counts[span.probe].spans++;
	pairer->span_fn(pairer->ctx, &span);
}

/* Find the key's fields in @format, the entry's (@side 0) or the exit's (1). */
static int keyed_resolve(struct keyed *keyed, int side, struct tep_event *format)
{
	const char *const *names = side ? (const char *const *)keyed->key.exit :
				   (const char *const *)keyed->key.entry;
	int i;

	keyed->formats[side] = NULL;
	for (i = 0; i < keyed->key.nr; i++) {
		keyed->fields[side][i] = tep_find_any_field(format, names[i]);
		if (!keyed->fields[side][i])
			return -1;
	}
	keyed->formats[side] = format;
	return 0;
}

/* The values of the key's fields in @ev, and their hash. Returns -1 if it has none. */
static int keyed_values(struct keyed *keyed, int side, const struct kpt_event *ev,
			uint64_t *values, uint64_t *hash)
{
	uint64_t h = (uint64_t)ev->probe * 0x9e3779b97f4a7c15ull;
	int i;

	if (!ev->format || !ev->data)
		return -1;
	if (ev->format != keyed->formats[side] && keyed_resolve(keyed, side, ev->format) < 0)
		return -1;
	for (i = 0; i < keyed->key.nr; i++) {
		const struct tep_format_field *field = keyed->fields[side][i];

		if (field->offset < 0 || field->offset + field->size > ev->size)
			return -1;
		values[i] = tep_read_number(ev->format->tep, (const char *)ev->data + field->offset,
					    field->size);
		h = (h ^ values[i]) * 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	*hash = h;
	return 0;
}

static unsigned int open_home(const struct kpt_pairer *pairer, uint64_t hash)
{
	return (unsigned int)hash & (pairer->nr_open_slots - 1);
}

static struct keyed_open *find_open(struct kpt_pairer *pairer, int probe, int nr,
				    const uint64_t *values, uint64_t hash)
{
	unsigned int i;

	if (!pairer->nr_open_slots)
		return NULL;
	for (i = open_home(pairer, hash); pairer->opens[i].used;
	     i = (i + 1) & (pairer->nr_open_slots - 1)) {
		struct keyed_open *open = &pairer->opens[i];

		if (open->hash == hash && open->probe == probe &&
		    memcmp(open->values, values, nr * sizeof(*values)) == 0)
			return open;
	}
	return NULL;
}

/* A free slot for @hash, growing the table at half load; NULL on allocation failure. */
static struct keyed_open *new_open(struct kpt_pairer *pairer, uint64_t hash)
{
	unsigned int i;

	if ((pairer->nr_opens + 1) * 2 > pairer->nr_open_slots) {
		unsigned int nr_slots = pairer->nr_open_slots ? pairer->nr_open_slots * 2 :
					INITIAL_THREADS;
		struct keyed_open *opens = calloc(nr_slots, sizeof(*opens));

		if (!opens)
			return NULL;
		for (i = 0; i < pairer->nr_open_slots; i++) {
			unsigned int j = (unsigned int)pairer->opens[i].hash & (nr_slots - 1);

			if (!pairer->opens[i].used) {
				free(pairer->opens[i].payload);	/* a free slot's spare buffer */
				continue;
			}
			while (opens[j].used)
				j = (j + 1) & (nr_slots - 1);
			opens[j] = pairer->opens[i];
		}
		free(pairer->opens);
		pairer->opens = opens;
		pairer->nr_open_slots = nr_slots;
	}
	for (i = open_home(pairer, hash); pairer->opens[i].used;
	     i = (i + 1) & (pairer->nr_open_slots - 1))
		;
	pairer->nr_opens++;
	return &pairer->opens[i];
}

/* Free @open's slot, shifting back the entries that probed past it (as remove_thread()). */
static void remove_open(struct kpt_pairer *pairer, struct keyed_open *open)
{
	unsigned int mask = pairer->nr_open_slots - 1;
	unsigned int hole = open - pairer->opens, i = hole;
	char *payload = open->payload;
	int capacity = open->capacity;

	memset(open, 0, sizeof(*open));
	pairer->nr_opens--;
	for (;;) {
		unsigned int home;

		i = (i + 1) & mask;
		if (!pairer->opens[i].used)
			break;
		home = open_home(pairer, pairer->opens[i].hash);
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			pairer->opens[hole] = pairer->opens[i];
			memset(&pairer->opens[i], 0, sizeof(pairer->opens[i]));
			hole = i;
		}
	}
	/* the payload buffer stays with the slot that is free now, for the next entry */
	pairer->opens[hole].payload = payload;
	pairer->opens[hole].capacity = capacity;
}

static void keep_open_payload(struct keyed_open *open, const struct kpt_event *ev)
{
	open->size = -1;
	if (!ev->data || ev->size < 0 || ev->size > MAX_KEPT_PAYLOAD)
		return;
	if (ev->size > open->capacity) {
		char *grown = realloc(open->payload, ev->size);

		if (!grown)
			return;
		open->payload = grown;
		open->capacity = ev->size;
	}
	memcpy(open->payload, ev->data, ev->size);
	open->format = ev->format;
	open->size = ev->size;
}

static void keyed_entry(struct kpt_pairer *pairer, struct keyed *keyed,
			const struct kpt_event *ev)
{
	uint64_t values[KPT_PAIR_KEY_MAX], hash;
	struct keyed_open *open;

	if (keyed_values(keyed, 0, ev, values, &hash) < 0)
		return;
	open = find_open(pairer, ev->probe, keyed->key.nr, values, hash);
	if (open) {
		/* the same key again before its exit: the earlier entry lost it */
		pairer->counts[ev->probe].lost_exits++;
	} else {
		open = new_open(pairer, hash);
		if (!open)
			return;
		open->used = true;
		open->probe = ev->probe;
		open->hash = hash;
		memcpy(open->values, values, keyed->key.nr * sizeof(*values));
	}
	open->cpu = ev->cpu;
	open->tid = ev->tid;
	open->start = ev->ts;
	open->size = -1;
	if (pairer->keep_entries)
		keep_open_payload(open, ev);
}

/* The span of an open keyed entry; @exit NULL: still open, ending at the last event. */
static void keyed_span(struct kpt_pairer *pairer, const struct keyed_open *open,
		       const struct kpt_event *exit, kpt_span_fn fn, void *ctx)
{
	struct kpt_event entry = {
		.ts = open->start,
		.cpu = open->cpu,
		.tid = open->tid,
		.probe = open->probe,
		.role = KPT_ROLE_ENTRY,
	};
	struct kpt_span span = {
		.probe = open->probe,
		.tid = open->tid,
		.cpu = open->cpu,
		.start = open->start,
		.end = exit ? exit->ts : pairer->last_ts > open->start ? pairer->last_ts :
		       open->start,
		.entry = &entry,
		.exit = exit,
	};

	if (open->size >= 0) {
		entry.format = open->format;
		entry.data = open->payload;
		entry.size = open->size;
	}
	fn(ctx, &span);
}

static void keyed_exit(struct kpt_pairer *pairer, struct keyed *keyed, const struct kpt_event *ev)
{
	uint64_t values[KPT_PAIR_KEY_MAX], hash;
	struct keyed_open *open;

	if (keyed_values(keyed, 1, ev, values, &hash) < 0)
		return;
	open = find_open(pairer, ev->probe, keyed->key.nr, values, hash);
	if (!open) {
		pairer->counts[ev->probe].orphan_exits++;
		return;
	}
	pairer->counts[ev->probe].spans++;
	keyed_span(pairer, open, ev, pairer->span_fn, pairer->ctx);
	remove_open(pairer, open);
}

/* Hand on (with @open_fn) and count the keyed entries still open, and forget them. */
static void keyed_finish(struct kpt_pairer *pairer, kpt_span_fn open_fn, void *ctx)
{
	unsigned int i;

	for (i = 0; i < pairer->nr_open_slots; i++) {
		struct keyed_open *open = &pairer->opens[i];

		if (!open->used)
			continue;
		if (open_fn)
			keyed_span(pairer, open, NULL, open_fn, ctx);
		pairer->counts[open->probe].open_at_end++;
		open->used = false;
	}
	pairer->nr_opens = 0;
}

/**
 * kpt_pairer_set_key - pair a probe by the values of fields instead of per thread
 * @pairer: the pairer, before its first event
 * @probe: the probe's index
 * @key: its key (copied); checked against the events' formats already
 *	(kpt_pair_key_check())
 *
 * An entry and an exit of @probe then pair when the entry's key fields equal
 * the exit's, whatever threads wrote them; the span's thread is the entry's.
 * Returns 0, or -1 on allocation failure.
 */
int kpt_pairer_set_key(struct kpt_pairer *pairer, int probe, const struct kpt_pair_key *key)
{
	struct keyed *keyed;
	int i;

	if (!key->nr)
		return 0;
	if (!pairer->keyed) {
		pairer->keyed = calloc(pairer->nr_probes, sizeof(*pairer->keyed));
		if (!pairer->keyed)
			return -1;
	}
	keyed = calloc(1, sizeof(*keyed));
	if (!keyed)
		return -1;
	pairer->keyed[probe] = keyed;
	keyed->key.nr = key->nr;
	for (i = 0; i < key->nr; i++) {
		keyed->key.entry[i] = strdup(key->entry[i]);
		keyed->key.exit[i] = strdup(key->exit[i]);
		if (!keyed->key.entry[i] || !keyed->key.exit[i])
			return -1;
	}
	return 0;
}

static bool is_field_name(const char *name, size_t len)
{
	size_t i;

	if (!len || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (i = 1; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return false;
	}
	return true;
}

/**
 * kpt_pair_key_parse - parse a key: "FIELD[,FIELD]..." where each FIELD may be
 *	"ENTRY_FIELD:EXIT_FIELD" when the two events name it differently
 * @text: the text after "key="
 * @key: filled in; release with kpt_pair_key_release() whatever the result
 * @errmsg: on failure, a malloc'd message naming @text
 *
 * Examples: "dev,sector" (block_rq_issue .. block_rq_complete), "pid:next_pid"
 * (sched_wakeup .. sched_switch). Returns 0, or -1 on error.
 */
int kpt_pair_key_parse(const char *text, struct kpt_pair_key *key, char **errmsg)
{
	const char *p = text;

	memset(key, 0, sizeof(*key));
	*errmsg = NULL;
	while (*p) {
		size_t len = strcspn(p, ","), first = strcspn(p, ":,");
		const char *second = p + first + 1;
		size_t second_len = p[first] == ':' ? len - first - 1 : first;

		if (key->nr == KPT_PAIR_KEY_MAX) {
			*errmsg = kpt_asprintf("key '%s': at most %d fields", text,
					       KPT_PAIR_KEY_MAX);
			return -1;
		}
		if (p[first] != ':')
			second = p;
		if (!is_field_name(p, first) || !is_field_name(second, second_len)) {
			*errmsg = kpt_asprintf("key '%s': '%.*s' is not FIELD or ENTRY_FIELD:"
					       "EXIT_FIELD (field names of the events' formats, "
					       "e.g. key=dev,sector or key=pid:next_pid)", text,
					       (int)len, p);
			return -1;
		}
		key->entry[key->nr] = strndup(p, first);
		key->exit[key->nr] = strndup(second, second_len);
		if (!key->entry[key->nr] || !key->exit[key->nr++])
			return -1;
		p += len;
		if (*p == ',' && !*++p) {
			*errmsg = kpt_asprintf("key '%s': a field name must follow ','", text);
			return -1;
		}
	}
	if (!key->nr) {
		*errmsg = kpt_asprintf("key '': name the fields to pair on, e.g. key=dev,sector");
		return -1;
	}
	return 0;
}

/* Is @name an integer field of @event? Prints why not, naming @probe. */
static int check_key_field(struct tep_event *event, const char *name, const char *probe)
{
	struct tep_format_field *field = tep_find_any_field(event, name);
	struct tep_format_field **fields;
	char *list = NULL, *grown;
	int i;

	if (field && !(field->flags & (TEP_FIELD_IS_ARRAY | TEP_FIELD_IS_DYNAMIC |
				      TEP_FIELD_IS_STRING)) &&
	    (field->size == 1 || field->size == 2 || field->size == 4 || field->size == 8))
		return 0;
	if (field) {
		kpt_err("probe '%s': field '%s' of %s:%s is not an integer: a key pairs on "
			"integer fields", probe, name, event->system, event->name);
		return -1;
	}
	fields = tep_event_fields(event);
	for (i = 0; fields && fields[i]; i++) {
		grown = kpt_asprintf("%s%s%s", list ? list : "", list ? ", " : "",
				     fields[i]->name);
		free(list);
		list = grown;
		if (!list)
			break;
	}
	kpt_err("probe '%s': event %s:%s has no field '%s' to pair on (its fields: %s)", probe,
		event->system, event->name, name, list ? list : "none");
	free(list);
	free(fields);
	return -1;
}

/**
 * kpt_pair_key_check - whether a key's fields are integer fields of both events
 * @key: the key
 * @entry: the entry event's format
 * @exit: the exit event's format
 * @probe: the probe's name, for messages
 *
 * Returns 0, or -1 after printing which field is missing or unusable, and the
 * fields the event has.
 */
int kpt_pair_key_check(const struct kpt_pair_key *key, struct tep_event *entry,
		       struct tep_event *exit, const char *probe)
{
	int i;

	for (i = 0; i < key->nr; i++) {
		if (check_key_field(entry, key->entry[i], probe) < 0 ||
		    check_key_field(exit, key->exit[i], probe) < 0)
			return -1;
	}
	return 0;
}

/**
 * kpt_pair_key_release - free a key's names
 * @key: the key
 */
void kpt_pair_key_release(struct kpt_pair_key *key)
{
	int i;

	for (i = 0; i < KPT_PAIR_KEY_MAX; i++) {
		free(key->entry[i]);
		free(key->exit[i]);
	}
	memset(key, 0, sizeof(*key));
}

/**
 * kpt_pairer_set_span_maker - how to make KPT_ROLE_SPAN events into spans
 * @pairer: the pairer
 * @fn: makes the span; without one, such events are dropped
 * @ctx: passed to @fn
 */
void kpt_pairer_set_span_maker(struct kpt_pairer *pairer, kpt_span_maker_fn fn, void *ctx)
{
	pairer->span_maker = fn;
	pairer->span_maker_ctx = ctx;
}

/**
 * kpt_pairer_keep_entries - keep each entry's payload until its return
 * @pairer: the pairer, before its first event
 *
 * Spans then carry their entry's format, data and size (span->entry), valid
 * during the span callback. Without it, span->entry->data is NULL.
 */
void kpt_pairer_keep_entries(struct kpt_pairer *pairer)
{
	pairer->keep_entries = true;
	pairer->keep = true;
}

/**
 * kpt_pairer_keep_stacks - keep each entry's stacks until its return
 * @pairer: the pairer, before its first event
 *
 * Spans then carry their entry's stacks (span->entry->kstack and ->ustack),
 * valid during the span callback.
 */
void kpt_pairer_keep_stacks(struct kpt_pairer *pairer)
{
	pairer->keep_stacks = true;
	pairer->keep = true;
}

/* The events of keyed probes, thread exits and the kernel's spans: off the hot path. */
static __attribute__((noinline)) void feed_other(struct kpt_pairer *pairer,
						 const struct kpt_event *ev)
{
	switch (ev->role) {
	case KPT_ROLE_ENTRY:
		if (pairer->keyed[ev->probe])
			keyed_entry(pairer, pairer->keyed[ev->probe], ev);
		else
			push(pairer, ev);
		break;
	case KPT_ROLE_EXIT:
		if (pairer->keyed[ev->probe])
			keyed_exit(pairer, pairer->keyed[ev->probe], ev);
		else
			pop(pairer, ev);
		break;
	case KPT_ROLE_TASK_EXIT:
		task_exit(pairer, ev);
		break;
	case KPT_ROLE_SPAN:
		made_span(pairer, ev);
		break;
	}
}

/**
 * kpt_pairer_feed - take the next event, in timestamp order
 * @pairer: the pairer
 * @ev: the event; completed spans go to the span callback before this returns
 */
void kpt_pairer_feed(struct kpt_pairer *pairer, const struct kpt_event *ev)
{
	pairer->last_ts = ev->ts;
	if (__builtin_expect(pairer->keyed != NULL, 0) ||
	    (ev->role != KPT_ROLE_ENTRY && ev->role != KPT_ROLE_EXIT)) {
		feed_other(pairer, ev);
		return;
	}
	if (ev->role == KPT_ROLE_ENTRY)
		push(pairer, ev);
	else
		pop(pairer, ev);
}

/* Hand a call still open at the end to @open_fn: no exit, and its end the last event's time. */
static void open_span(struct kpt_pairer *pairer, const struct thread *thread, int i,
		      kpt_span_fn open_fn, void *ctx)
{
	const struct frame *frame = &thread->frames[i];
	struct kpt_event entry = {
		.ts = frame->start,
		.cpu = frame->cpu,
		.tid = thread->key - 1,
		.probe = frame->probe,
		.role = KPT_ROLE_ENTRY,
	};
	struct kpt_span span = {
		.probe = frame->probe,
		.tid = thread->key - 1,
		.depth = i,
		.cpu = frame->cpu,
		.start = frame->start,
		.end = pairer->last_ts > frame->start ? pairer->last_ts : frame->start,
		.entry = &entry,
	};

	if (pairer->keep_entries && frame->size >= 0) {
		entry.format = frame->format;
		entry.data = thread->payload + frame->offset;
		entry.size = frame->size;
	}
	open_fn(ctx, &span);
}

/**
 * kpt_pairer_finish - count the calls still open as open at the end, and forget them
 * @pairer: the pairer
 * @open_fn: if not NULL, called with each of them first, as a span whose exit
 *	is NULL and whose end is the time of the last event fed
 * @ctx: passed to @open_fn
 */
void kpt_pairer_finish(struct kpt_pairer *pairer, kpt_span_fn open_fn, void *ctx)
{
	unsigned int i;
	int depth;

	for (i = 0; i < pairer->nr_slots; i++) {
		struct thread *thread = &pairer->threads[i];

		for (depth = 0; open_fn && depth < thread->depth; depth++)
			open_span(pairer, thread, depth, open_fn, ctx);
		while (thread->depth)
			pairer->counts[thread->frames[--thread->depth].probe].open_at_end++;
		free(thread->frames);
		free(thread->payload);
		memset(thread, 0, sizeof(*thread));
	}
	pairer->nr_threads = 0;
	pairer->last = NULL;
	keyed_finish(pairer, open_fn, ctx);
}

/**
 * kpt_pairer_counts - what paired and what did not, for one probe
 * @pairer: the pairer
 * @probe: the probe index
 */
const struct kpt_pair_counts *kpt_pairer_counts(const struct kpt_pairer *pairer, int probe)
{
	return &pairer->counts[probe];
}

/**
 * kpt_pairer_reset_counts - zero the counts (for interval reports); open calls stay open
 * @pairer: the pairer
 */
void kpt_pairer_reset_counts(struct kpt_pairer *pairer)
{
	memset(pairer->counts, 0, pairer->nr_probes * sizeof(*pairer->counts));
}

/**
 * kpt_pairer_free - release a pairer (NULL is fine)
 * @pairer: the pairer
 */
void kpt_pairer_free(struct kpt_pairer *pairer)
{
	unsigned int i;

	if (!pairer)
		return;
	for (i = 0; pairer->threads && i < pairer->nr_slots; i++) {
		free(pairer->threads[i].frames);
		free(pairer->threads[i].payload);
	}
	for (i = 0; pairer->opens && i < pairer->nr_open_slots; i++)
		free(pairer->opens[i].payload);
	for (i = 0; pairer->keyed && i < (unsigned int)pairer->nr_probes; i++) {
		if (pairer->keyed[i])
			kpt_pair_key_release(&pairer->keyed[i]->key);
		free(pairer->keyed[i]);
	}
	free(pairer->keyed);
	free(pairer->opens);
	free(pairer->threads);
	free(pairer->counts);
	free(pairer);
}
