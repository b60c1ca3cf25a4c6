/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decode: which probe and which end of it a raw record is, and for which thread.
 * Field offsets are looked up once per event type, when the type is added.
 */
#ifndef KPT_DECODE_H
#define KPT_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include <kptrace/analyser.h>

#include "source/record.h"

struct tep_handle;
struct tep_event;

/* struct kpt_event and enum kpt_role are the analyser ABI's (kptrace/analyser.h). */

/*
 * Stack records (ftrace:kernel_stack, ftrace:user_stack) are decoded with
 * these roles. They never reach an analyser: the engine joins each to the
 * event recorded just before it on the same CPU (see engine.c).
 */
#define KPT_ROLE_KSTACK		((enum kpt_role)64)
#define KPT_ROLE_USTACK		((enum kpt_role)65)

/* The most frames kept of one stack; deeper kernel stacks lose their outermost frames. */
#define KPT_STACK_MAX		128

/*
 * The field a user probe at a function's first instruction fetches with
 * --ustack: the return address on top of the stack. The kernel walks user
 * stacks by frame pointers, and at that instruction the function has not
 * pushed its frame yet, so the walk skips its caller; the engine puts it back.
 */
#define KPT_RA_FIELD		"__kpt_ra"

struct kpt_decoder;

struct kpt_decoder *kpt_decoder_alloc(struct tep_handle *tep);
int kpt_decoder_add(struct kpt_decoder *decoder, const char *system, const char *event,
		    int probe, enum kpt_role role);
int kpt_decoder_type(const struct kpt_decoder *decoder, const struct kpt_record *rec);
int kpt_decoder_decode(const struct kpt_decoder *decoder, const struct kpt_record *rec,
		       struct kpt_event *ev);
int kpt_decoder_decode_type(const struct kpt_decoder *decoder, const struct kpt_record *rec,
			    int id, struct kpt_event *ev);
int kpt_decoder_add_stacks(struct kpt_decoder *decoder, const char *system, bool kernel,
			   bool user);
int kpt_decoder_stack(const struct kpt_decoder *decoder, const struct kpt_event *ev,
		      uint64_t *ips, int max, int *pid);
int kpt_decoder_return_address(const struct kpt_decoder *decoder, const struct kpt_event *ev,
			       uint64_t *ra);
void kpt_decoder_free(struct kpt_decoder *decoder);

#endif
