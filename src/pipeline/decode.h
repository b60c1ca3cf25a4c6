/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decode: which probe and which end of it a raw record is, and for which thread.
 * Field offsets are looked up once per event type, when the type is added.
 */
#ifndef KPT_DECODE_H
#define KPT_DECODE_H

#include <stdint.h>

#include "source/record.h"

struct tep_handle;
struct tep_event;

enum kpt_role {
	KPT_ROLE_ENTRY = 1,	/* a span starts */
	KPT_ROLE_EXIT,		/* a span ends */
	KPT_ROLE_TASK_EXIT,	/* a thread ends: its open spans never will */
};

struct kpt_event {
	uint64_t ts;
	int cpu;
	int tid;
	int probe;		/* index of the probe; -1 for KPT_ROLE_TASK_EXIT */
	enum kpt_role role;
	struct tep_event *format;
	void *data;		/* raw payload, valid as long as the record */
	int size;
};

struct kpt_decoder;

struct kpt_decoder *kpt_decoder_alloc(struct tep_handle *tep);
int kpt_decoder_add(struct kpt_decoder *decoder, const char *system, const char *event,
		    int probe, enum kpt_role role);
int kpt_decoder_type(const struct kpt_decoder *decoder, const struct kpt_record *rec);
int kpt_decoder_decode(const struct kpt_decoder *decoder, const struct kpt_record *rec,
		       struct kpt_event *ev);
void kpt_decoder_free(struct kpt_decoder *decoder);

#endif
