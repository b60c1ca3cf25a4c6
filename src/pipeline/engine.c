// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine: decode, hand on, pair, report. It allocates nothing per
 * record; the pairers allocate only when a thread or a stack depth is new.
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

struct kpt_engine {
	const struct kpt_decoder *decoder;
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

/**
 * kpt_engine_event - take the next decoded event, in timestamp order within its buffer
 * @engine: the engine
 * @ev: the event (probes numbered as in its buffer), valid during the call
 * @buffer: which buffer of the file it is from; 0 live
 */
void kpt_engine_event(struct kpt_engine *engine, const struct kpt_event *ev, int buffer)
{
	struct buffer *b = &engine->buffers[buffer];

	engine->records++;
	if (engine->events)
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
	free(engine->buffers);
	free(engine->counts);
	free(engine);
}
