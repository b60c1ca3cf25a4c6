// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine: decode, hand on, pair, report. It allocates nothing per
 * record; the pairers allocate only when a thread or a stack depth is new.
 *
 * Stacks (--stack, --ustack). The kernel writes a stack as a record of its
 * own (ftrace:kernel_stack, ftrace:user_stack), right after the event, on
 * the same CPU: each buffer keeps a CPU's records in order, but the merge may
 * put other CPUs' records between the two. So an entry that expects stacks
 * waits in its CPU's slot, a copy in memory that slot owns, until its stacks
 * arrive, or until its CPU or its thread records anything else: records of
 * other threads pass it, which changes no thread's order, and so no
 * pairing. Runs without stacks take none of this path.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/engine.h"
#include "pipeline/pair.h"

struct buffer {
	struct kpt_engine *engine;
	struct kpt_pairer *pairer;	/* NULL when no analyser takes spans */
	int offset;			/* its first probe's number */
};

/* An entry waiting for its stacks, per CPU of each buffer. */
struct pending {
	bool active;
	int wanted;			/* stack records still expected */
	struct kpt_event ev;
	char *payload;			/* ev.data points here */
	int capacity;
	struct kpt_stack kstack, ustack;
	uint64_t kips[KPT_STACK_MAX];
	uint64_t uips[KPT_STACK_MAX + 1];	/* + the caller a probe at function entry adds */
};

#define ROUTE_EVENTS	0x1		/* some analyser takes events */
#define ROUTE_STACKS	0x2		/* entries wait for their stacks */

struct kpt_engine {
	const struct kpt_decoder *decoder;
	unsigned int route;		/* ROUTE_*, read once per record */
	int stacks;			/* stack records each entry expects: 0, 1 or 2 */
	struct pending **pending;	/* [nr_buffers * nr_pending_cpus], allocated when seen */
	int nr_pending_cpus;
	int nr_active;
	struct kpt_analysers *set;
	bool events;			/* some analyser takes events */
	bool opens;			/* some analyser takes the calls open at the end */
	int nr_probes;			/* per buffer */
	int nr_buffers;
	struct buffer *buffers;
	struct kpt_pair_counts *counts;	/* [nr_buffers * nr_probes], for reports */
	uint64_t records;		/* decoded since the last report */
};

/* A span of a buffer after the first: renumber its probe as the analysers know it. */
static void move_span(const struct buffer *buffer, const struct kpt_span *span, kpt_span_fn fn)
{
	struct kpt_event entry = *span->entry, exit;
	struct kpt_span moved = *span;

	entry.probe += buffer->offset;
	moved.probe += buffer->offset;
	moved.entry = &entry;
	if (span->exit) {
		exit = *span->exit;
		exit.probe += buffer->offset;
		moved.exit = &exit;
	}
	fn(buffer->engine->set, &moved);
}

static void buffer_span(void *ctx, const struct kpt_span *span)
{
	move_span(ctx, span, kpt_analysers_span);
}

static void buffer_open_span(void *ctx, const struct kpt_span *span)
{
	move_span(ctx, span, kpt_analysers_open_span);
}

/**
 * kpt_engine_alloc - an engine feeding @set
 * @decoder: maps records to probes 0..@nr_probes - 1; must outlive the engine
 * @nr_probes: probes per buffer
 * @nr_buffers: 1 live; a file's number of buffers
 * @set: the analysers, created for @nr_probes * @nr_buffers probes; must
 *	outlive the engine
 *
 * Spans are paired only if an analyser of @set takes them, and entries keep
 * their payload only if one asks for KPT_ANALYSER_ENTRY_FIELDS. Returns the
 * engine, or NULL on allocation failure.
 */
struct kpt_engine *kpt_engine_alloc(const struct kpt_decoder *decoder, int nr_probes,
				    int nr_buffers, struct kpt_analysers *set)
{
	struct kpt_engine *engine = calloc(1, sizeof(*engine));
	unsigned int flags = kpt_analysers_flags(set);
	kpt_analyser_span_fn span_fn;
	void *span_ctx;
	int i;

	if (!engine)
		return NULL;
	engine->decoder = decoder;
	engine->set = set;
	engine->events = flags & KPT_ANALYSER_EVENTS;
	engine->route = engine->events ? ROUTE_EVENTS : 0;
	engine->opens = flags & KPT_ANALYSER_OPEN_SPANS;
	engine->nr_probes = nr_probes;
	engine->nr_buffers = nr_buffers;
	engine->buffers = calloc(nr_buffers ? nr_buffers : 1, sizeof(*engine->buffers));
	engine->counts = calloc(nr_buffers * nr_probes + 1, sizeof(*engine->counts));
	if (!engine->buffers || !engine->counts)
		goto fail;
	for (i = 0; i < nr_buffers; i++) {
		struct buffer *buffer = &engine->buffers[i];

		buffer->engine = engine;
		buffer->offset = i * nr_probes;
		if (!(flags & (KPT_ANALYSER_SPANS | KPT_ANALYSER_OPEN_SPANS)))
			continue;
		/* the first buffer's numbers are the analysers': spans go straight to them */
		span_fn = kpt_analysers_span_target(set, &span_ctx);
		buffer->pairer = i ? kpt_pairer_alloc(nr_probes, buffer_span, buffer) :
				 kpt_pairer_alloc(nr_probes, span_fn, span_ctx);
		if (!buffer->pairer)
			goto fail;
		if (flags & KPT_ANALYSER_ENTRY_FIELDS)
			kpt_pairer_keep_entries(buffer->pairer);
	}
	return engine;
fail:
	kpt_engine_free(engine);
	return NULL;
}

/* An event to the analysers that take events, numbered as they know the probes. */
static __attribute__((noinline)) void hand_on(struct kpt_engine *engine, const struct buffer *b,
					      const struct kpt_event *ev)
{
	struct kpt_event moved;

	if (ev->role == KPT_ROLE_SPAN)
		return;
	if (b->offset && ev->probe >= 0) {
		moved = *ev;
		moved.probe += b->offset;
		ev = &moved;
	}
	kpt_analysers_event(engine->set, ev);
}

static void deliver(struct kpt_engine *engine, const struct kpt_event *ev, int buffer)
{
	struct buffer *b = &engine->buffers[buffer];

	if (engine->events)
		hand_on(engine, b, ev);
	if (b->pairer)
		kpt_pairer_feed(b->pairer, ev);
}

/**
 * kpt_engine_stacks - join stack records to the entries they follow
 * @engine: the engine, before its first record
 * @kernel: each entry is followed by a kernel stack (--stack)
 * @user: each entry is followed by a user stack (--ustack)
 *
 * The decoder must decode the stack records (kpt_decoder_add_stacks()).
 */
void kpt_engine_stacks(struct kpt_engine *engine, bool kernel, bool user)
{
	engine->stacks = kernel + user;
	if (engine->stacks)
		engine->route |= ROUTE_STACKS;
	if (engine->stacks) {
		int i;

		for (i = 0; i < engine->nr_buffers; i++) {
			if (engine->buffers[i].pairer)
				kpt_pairer_keep_stacks(engine->buffers[i].pairer);
		}
	}
}

/* The slot of @cpu in @buffer, made when the CPU is first seen; NULL without memory. */
static struct pending *pending_of(struct kpt_engine *engine, int buffer, int cpu)
{
	struct pending **grown;
	int n, i;

	if (cpu < 0)
		return NULL;
	if (cpu >= engine->nr_pending_cpus) {
		n = cpu + 1 > 2 * engine->nr_pending_cpus ? cpu + 1 : 2 * engine->nr_pending_cpus;
		grown = calloc((size_t)n * engine->nr_buffers, sizeof(*grown));
		if (!grown)
			return NULL;
		for (i = 0; i < engine->nr_buffers * engine->nr_pending_cpus; i++)
			grown[(i / engine->nr_pending_cpus) * n + i % engine->nr_pending_cpus] =
				engine->pending[i];
		free(engine->pending);
		engine->pending = grown;
		engine->nr_pending_cpus = n;
	}
	i = buffer * engine->nr_pending_cpus + cpu;
	if (!engine->pending[i])
		engine->pending[i] = calloc(1, sizeof(**engine->pending));
	return engine->pending[i];
}

/* A user probe at a function's first instruction: put back the caller the walk skipped. */
static void add_caller(const struct kpt_engine *engine, struct pending *p)
{
	struct kpt_stack *stack = &p->ustack;
	uint64_t ra;

	if (!stack->nr || !kpt_decoder_return_address(engine->decoder, &p->ev, &ra) || !ra)
		return;
	if (stack->nr > 1 && p->uips[1] == ra)
		return;		/* the function had pushed its frame: nothing was skipped */
	memmove(&p->uips[2], &p->uips[1], (stack->nr - 1) * sizeof(p->uips[0]));
	p->uips[1] = ra;
	stack->nr++;
}

static void flush(struct kpt_engine *engine, struct pending *p, int buffer)
{
	p->active = false;
	engine->nr_active--;
	if (p->ustack.nr)
		add_caller(engine, p);
	p->ev.kstack = p->kstack.nr ? &p->kstack : NULL;
	p->ev.ustack = p->ustack.nr ? &p->ustack : NULL;
	deliver(engine, &p->ev, buffer);
}

/* Before any record of @tid is taken, its waiting entry goes on, whichever CPU holds it. */
static void flush_thread(struct kpt_engine *engine, int tid)
{
	int i;

	for (i = 0; engine->nr_active && i < engine->nr_buffers * engine->nr_pending_cpus; i++) {
		struct pending *p = engine->pending[i];

		if (p && p->active && p->ev.tid == tid)
			flush(engine, p, i / engine->nr_pending_cpus);
	}
}

static void join_stack(struct kpt_engine *engine, struct pending *p, const struct kpt_event *ev,
		       int buffer)
{
	struct kpt_stack *stack = ev->role == KPT_ROLE_USTACK ? &p->ustack : &p->kstack;
	uint64_t *ips = ev->role == KPT_ROLE_USTACK ? p->uips : p->kips;

	if (stack->nr)
		return;		/* a second one of a kind: not this entry's */
	stack->nr = kpt_decoder_stack(engine->decoder, ev, ips, KPT_STACK_MAX, &stack->pid);
	stack->ips = ips;
	if (--p->wanted <= 0)
		flush(engine, p, buffer);
}

/* Keep @ev, an entry, until its stacks arrive. Returns -1 without memory (it is not kept). */
static int hold(struct kpt_engine *engine, struct pending *p, const struct kpt_event *ev)
{
	if (ev->size > p->capacity) {
		int capacity = ev->size > 256 ? ev->size : 256;
		char *payload = realloc(p->payload, capacity);

		if (!payload)
			return -1;
		p->payload = payload;
		p->capacity = capacity;
	}
	if (ev->size > 0)
		memcpy(p->payload, ev->data, ev->size);
	p->ev = *ev;
	p->ev.data = p->payload;
	p->kstack = (struct kpt_stack){ 0 };
	p->ustack = (struct kpt_stack){ 0 };
	p->wanted = engine->stacks;
	p->active = true;
	engine->nr_active++;
	return 0;
}

static __attribute__((noinline)) void stacked_event(struct kpt_engine *engine,
						    const struct kpt_event *ev, int buffer)
{
	struct pending *p = pending_of(engine, buffer, ev->cpu);
	bool stack = ev->role == KPT_ROLE_KSTACK || ev->role == KPT_ROLE_USTACK;

	if (stack) {
		/* a stack after anything but a waiting entry (an exit's, with the option) */
		if (p && p->active)
			join_stack(engine, p, ev, buffer);
		return;
	}
	engine->records++;
	if (p && p->active)
		flush(engine, p, buffer);
	if (engine->nr_active)
		flush_thread(engine, ev->tid);
	if (ev->role == KPT_ROLE_ENTRY && p && hold(engine, p, ev) == 0)
		return;
	deliver(engine, ev, buffer);
}

/* Every waiting entry goes on without the stacks that never came. */
static void flush_all(struct kpt_engine *engine)
{
	int i;

	for (i = 0; engine->nr_active && i < engine->nr_buffers * engine->nr_pending_cpus; i++) {
		struct pending *p = engine->pending[i];

		if (p && p->active)
			flush(engine, p, i / engine->nr_pending_cpus);
	}
}

/**
 * kpt_engine_event - take the next decoded event, in timestamp order within its buffer
 * @engine: the engine
 * @ev: the event (probes numbered as in its buffer), valid during the call
 * @buffer: which buffer of the file it is from; 0 live
 */
void kpt_engine_event(struct kpt_engine *engine, const struct kpt_event *ev, int buffer)
{
	struct buffer *b = &engine->buffers[buffer];
	unsigned int route = engine->route;

	/* one load and one test more than a run without stacks needs */
	if (__builtin_expect(route & ROUTE_STACKS, 0)) {
		stacked_event(engine, ev, buffer);
		return;
	}
	engine->records++;
	if (route & ROUTE_EVENTS)
		hand_on(engine, b, ev);
	if (b->pairer)
		kpt_pairer_feed(b->pairer, ev);
}

/**
 * kpt_engine_set_span_maker - how to make the kernel's measured calls into spans
 * @engine: the engine
 * @fn: makes a KPT_ROLE_SPAN event into a span (slow --kernel-filter)
 * @ctx: passed to @fn
 */
void kpt_engine_set_span_maker(struct kpt_engine *engine, kpt_span_maker_fn fn, void *ctx)
{
	int i;

	for (i = 0; i < engine->nr_buffers; i++) {
		if (engine->buffers[i].pairer)
			kpt_pairer_set_span_maker(engine->buffers[i].pairer, fn, ctx);
	}
}

/**
 * kpt_engine_set_key - pair a probe by key fields instead of per thread
 * @engine: the engine, before its first record
 * @probe: the probe's index within a buffer
 * @key: the key (kpt_pairer_set_key()); copied
 *
 * Returns 0, or -1 on allocation failure.
 */
int kpt_engine_set_key(struct kpt_engine *engine, int probe, const struct kpt_pair_key *key)
{
	int i;

	for (i = 0; i < engine->nr_buffers; i++) {
		if (engine->buffers[i].pairer &&
		    kpt_pairer_set_key(engine->buffers[i].pairer, probe, key) < 0)
			return -1;
	}
	return 0;
}

/**
 * kpt_engine_record - decode the next record and take it, in timestamp order
 * @engine: the engine
 * @rec: the raw record, valid during the call
 *
 * Live records, of the one buffer. Records of no probe are passed over.
 */
void kpt_engine_record(struct kpt_engine *engine, const struct kpt_record *rec)
{
	struct kpt_event ev;

	if (kpt_decoder_decode(engine->decoder, rec, &ev))
		kpt_engine_event(engine, &ev, 0);
}

/**
 * kpt_engine_report - have every analyser report, and restart the pair counts
 * @engine: the engine
 * @interval: 1, 2, ... for -i reports; 0 for the only one
 * @final: no record follows: calls still open count as open at the end
 * @elapsed: seconds the report covers
 * @loss: what the kernel could not deliver in that time
 *
 * Returns 0, or -1 if an analyser could not write its report.
 */
int kpt_engine_report(struct kpt_engine *engine, int interval, bool final, double elapsed,
		      const struct kpt_loss *loss)
{
	struct kpt_report_params report = {
		.interval = interval,
		.final = final,
		.elapsed = elapsed,
		.pairs = engine->counts,
		.loss = loss,
		.records = engine->records,
	};
	int i, ret;

	if (final && engine->nr_active)
		flush_all(engine);
	for (i = 0; i < engine->nr_buffers; i++) {
		struct kpt_pairer *pairer = engine->buffers[i].pairer;
		int p;

		if (!pairer)
			continue;
		if (final && engine->opens)
			kpt_pairer_finish(pairer, i ? buffer_open_span : kpt_analysers_open_span,
					  i ? (void *)&engine->buffers[i] : (void *)engine->set);
		else if (final)
			kpt_pairer_finish(pairer, NULL, NULL);
		for (p = 0; p < engine->nr_probes; p++)
			engine->counts[i * engine->nr_probes + p] = *kpt_pairer_counts(pairer, p);
	}
	ret = kpt_analysers_report(engine->set, &report);
	engine->records = 0;
	for (i = 0; i < engine->nr_buffers; i++) {
		if (engine->buffers[i].pairer)
			kpt_pairer_reset_counts(engine->buffers[i].pairer);
	}
	return ret;
}

/**
 * kpt_engine_free - release an engine (NULL is fine); the analysers stay
 * @engine: the engine
 */
void kpt_engine_free(struct kpt_engine *engine)
{
	int i;

	if (!engine)
		return;
	for (i = 0; engine->buffers && i < engine->nr_buffers; i++)
		kpt_pairer_free(engine->buffers[i].pairer);
	for (i = 0; engine->pending && i < engine->nr_buffers * engine->nr_pending_cpus; i++) {
		if (engine->pending[i])
			free(engine->pending[i]->payload);
		free(engine->pending[i]);
	}
	free(engine->pending);
	free(engine->buffers);
	free(engine->counts);
	free(engine);
}
