/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine: the one path from records to analysers, live or from a file.
 *
 *   record (time order) -> decode -> events to the analysers that take them
 *                                 -> pair -> spans to those that take them
 *   interval or end     -> report: pair counts and losses to every analyser
 *
 * A trace.dat file can hold several buffers that record the same events, so
 * each buffer is paired on its own; its probes are numbered after the
 * previous buffers' (buffer * nr_probes + probe).
 */
#ifndef KPT_ENGINE_H
#define KPT_ENGINE_H

#include <stdbool.h>

#include "analyse/analyser.h"
#include "pipeline/decode.h"
#include "pipeline/pair.h"

struct kpt_engine;

struct kpt_engine *kpt_engine_alloc(const struct kpt_decoder *decoder, int nr_probes,
				    int nr_buffers, struct kpt_analysers *set);
void kpt_engine_stacks(struct kpt_engine *engine, bool kernel, bool user);
int kpt_engine_set_key(struct kpt_engine *engine, int probe, const struct kpt_pair_key *key);
void kpt_engine_set_span_maker(struct kpt_engine *engine, kpt_span_maker_fn fn, void *ctx);
void kpt_engine_record(struct kpt_engine *engine, const struct kpt_record *rec);
void kpt_engine_event(struct kpt_engine *engine, const struct kpt_event *ev, int buffer);
int kpt_engine_report(struct kpt_engine *engine, int interval, bool final, double elapsed,
		      const struct kpt_loss *loss);
void kpt_engine_free(struct kpt_engine *engine);

#endif
