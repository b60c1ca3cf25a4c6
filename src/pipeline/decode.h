/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decode: which probe and which end of it a raw record is, and for which thread.
 * Field offsets are looked up once per event type, when the type is added.
 */
#ifndef KPT_DECODE_H
#define KPT_DECODE_H

#include <stdint.h>

#include <kptrace/analyser.h>

#include "source/record.h"

struct tep_handle;
struct tep_event;

/* struct kpt_event and enum kpt_role are the analyser ABI's (kptrace/analyser.h). */

struct kpt_decoder;

struct kpt_decoder *kpt_decoder_alloc(struct tep_handle *tep);
int kpt_decoder_add(struct kpt_decoder *decoder, const char *system, const char *event,
		    int probe, enum kpt_role role);
int kpt_decoder_type(const struct kpt_decoder *decoder, const struct kpt_record *rec);
int kpt_decoder_decode(const struct kpt_decoder *decoder, const struct kpt_record *rec,
		       struct kpt_event *ev);
void kpt_decoder_free(struct kpt_decoder *decoder);

#endif
