// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decode raw records into kpt_events.
 *
 * Every ftrace record starts with the common fields; their offsets are the
 * same for all events, so they are read once. The event id indexes a table
 * built when the events are added, so decoding a record is two loads and a
 * table lookup: no name lookups, no allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "pipeline/decode.h"

struct decoded_type {
	struct tep_event *format;
	int probe;
	enum kpt_role role;
	struct tep_format_field *ra;	/* KPT_RA_FIELD of a user probe's entry, or NULL */
};

struct kpt_decoder {
	struct tep_handle *tep;
	struct tep_format_field *type_field;	/* common_type */
	struct tep_format_field *pid_field;	/* common_pid: the thread id */
	bool native;				/* records in this host's byte order */
	/*
	 * Native records with the kernel's usual header (common_type, two bytes
	 * at 0; common_pid, four at 4), read without looking at the fields.
	 */
	bool usual;
	int min_size;				/* a record shorter has no common_pid */
	struct decoded_type *types;		/* indexed by event id */
	int nr_types;
	/* stack records: ftrace:kernel_stack's size, and both events' caller arrays */
	struct tep_format_field *kstack_size;
	struct tep_format_field *kstack_ips;
	struct tep_format_field *ustack_tgid;
	struct tep_format_field *ustack_ips;
	int long_size;
};

/*
 * An unsigned field of @size bytes at @offset. In the host's byte order the
 * field is loaded directly: tep_read_number() is a library call and a
 * switch per field, twice per record on the hot path.
 */
static inline unsigned long long read_field(const struct kpt_decoder *decoder, const void *data,
					    const struct tep_format_field *field)
{
	const char *p = (const char *)data + field->offset;
	uint32_t u32;
	uint16_t u16;
	uint64_t u64;

	if (decoder->native) {
		switch (field->size) {
		case 1:
			return *(const uint8_t *)p;
		case 2:
			memcpy(&u16, p, 2);
			return u16;
		case 4:
			memcpy(&u32, p, 4);
			return u32;
		case 8:
			memcpy(&u64, p, 8);
			return u64;
		}
	}
	return tep_read_number(decoder->tep, p, field->size);
}

/* The common fields are the same in every event's format: take them from @format. */
static int find_common_fields(struct kpt_decoder *decoder, struct tep_event *format)
{
	decoder->type_field = tep_find_common_field(format, "common_type");
	decoder->pid_field = tep_find_common_field(format, "common_pid");
	if (!decoder->type_field || !decoder->pid_field) {
		decoder->type_field = decoder->pid_field = NULL;
		return -1;
	}
	decoder->min_size = decoder->pid_field->offset + decoder->pid_field->size;
	if (decoder->type_field->offset + decoder->type_field->size > decoder->min_size)
		decoder->min_size = decoder->type_field->offset + decoder->type_field->size;
	decoder->usual = decoder->native && decoder->type_field->offset == 0 &&
			 decoder->type_field->size == 2 && decoder->pid_field->offset == 4 &&
			 decoder->pid_field->size == 4;
	return 0;
}

/**
 * kpt_decoder_alloc - a decoder for records described by @tep
 * @tep: the event formats; must outlive the decoder
 *
 * Returns the decoder, or NULL with errno set.
 */
struct kpt_decoder *kpt_decoder_alloc(struct tep_handle *tep)
{
	struct kpt_decoder *decoder = calloc(1, sizeof(*decoder));

	if (!decoder)
		return NULL;
	decoder->tep = tep;
	decoder->native = tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep);
	if (tep_get_events_count(tep) > 0)
		find_common_fields(decoder, tep_get_event(tep, 0));
	return decoder;
}

/**
 * kpt_decoder_add - map an event to a probe and a role
 * @decoder: the decoder
 * @system: the event's system (group)
 * @event: the event's name
 * @probe: the probe index, or -1 for KPT_ROLE_TASK_EXIT
 * @role: what the event means for the probe
 *
 * Returns 0, or -1 with errno ENOENT if @tep has no such event.
 */
int kpt_decoder_add(struct kpt_decoder *decoder, const char *system, const char *event,
		    int probe, enum kpt_role role)
{
	struct tep_event *format = tep_find_event_by_name(decoder->tep, system, event);
	struct decoded_type *types;

	if (!format) {
		errno = ENOENT;
		return -1;
	}
	if (!decoder->type_field && find_common_fields(decoder, format) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (format->id >= decoder->nr_types) {
		types = realloc(decoder->types, (format->id + 1) * sizeof(*types));
		if (!types)
			return -1;
		memset(types + decoder->nr_types, 0,
		       (format->id + 1 - decoder->nr_types) * sizeof(*types));
		decoder->types = types;
		decoder->nr_types = format->id + 1;
	}
	decoder->types[format->id] = (struct decoded_type){ format, probe, role,
		role == KPT_ROLE_ENTRY ? tep_find_field(format, KPT_RA_FIELD) : NULL };
	return 0;
}

/**
 * kpt_decoder_add_stacks - decode the stack records of @system too
 * @decoder: the decoder
 * @system: "ftrace", whose kernel_stack and user_stack events the kernel writes
 * @kernel: decode kernel_stack records
 * @user: decode user_stack records
 *
 * Records of those then decode with role KPT_ROLE_KSTACK or KPT_ROLE_USTACK.
 * Returns how many of those asked for the formats describe (0 to 2), or -1
 * when a format is not the kernel's (no caller array).
 */
int kpt_decoder_add_stacks(struct kpt_decoder *decoder, const char *system, bool kernel,
			   bool user)
{
	struct tep_event *kstack = kernel ? tep_find_event_by_name(decoder->tep, system,
								     "kernel_stack") : NULL;
	struct tep_event *ustack = user ? tep_find_event_by_name(decoder->tep, system,
								   "user_stack") : NULL;
	int n = 0;

	decoder->long_size = tep_get_long_size(decoder->tep);
	if (decoder->long_size != 4 && decoder->long_size != 8)
		decoder->long_size = sizeof(long);
	if (kstack) {
		decoder->kstack_size = tep_find_field(kstack, "size");
		decoder->kstack_ips = tep_find_field(kstack, "caller");
		if (!decoder->kstack_size || !decoder->kstack_ips ||
		    kpt_decoder_add(decoder, system, "kernel_stack", -1, KPT_ROLE_KSTACK) < 0)
			return -1;
		n++;
	}
	if (ustack) {
		decoder->ustack_tgid = tep_find_field(ustack, "tgid");
		decoder->ustack_ips = tep_find_field(ustack, "caller");
		if (!decoder->ustack_tgid || !decoder->ustack_ips ||
		    kpt_decoder_add(decoder, system, "user_stack", -1, KPT_ROLE_USTACK) < 0)
			return -1;
		n++;
	}
	return n;
}

/**
 * kpt_decoder_stack - the frames of a stack record
 * @decoder: the decoder, with kpt_decoder_add_stacks()
 * @ev: a decoded record of role KPT_ROLE_KSTACK or KPT_ROLE_USTACK
 * @ips: where the return addresses go, innermost first
 * @max: room in @ips
 * @pid: set to the process of a user stack (its tgid), 0 for a kernel stack
 *
 * A kernel stack has as many frames as its size field says (the record is
 * as long as they need); a user stack has a fixed array, ended by a zero.
 * Returns the number of frames stored.
 */
int kpt_decoder_stack(const struct kpt_decoder *decoder, const struct kpt_event *ev,
		      uint64_t *ips, int max, int *pid)
{
	bool user = ev->role == KPT_ROLE_USTACK;
	const struct tep_format_field *array = user ? decoder->ustack_ips : decoder->kstack_ips;
	const char *p;
	int n, i;

	*pid = 0;
	if (!array || array->offset > ev->size)
		return 0;
	n = (ev->size - array->offset) / decoder->long_size;
	if (user) {
		*pid = (int)read_field(decoder, ev->data, decoder->ustack_tgid);
	} else if (decoder->kstack_size->offset + decoder->kstack_size->size <= ev->size) {
		int size = (int)read_field(decoder, ev->data, decoder->kstack_size);

		if (size >= 0 && size < n)
			n = size;
	}
	if (n > max)
		n = max;
	p = (const char *)ev->data + array->offset;
	for (i = 0; i < n; i++, p += decoder->long_size) {
		uint64_t ip = tep_read_number(decoder->tep, p, decoder->long_size);

		if (user && (!ip || ip == (decoder->long_size == 4 ? UINT32_MAX : UINT64_MAX)))
			break;
		ips[i] = ip;
	}
	return i;
}

/**
 * kpt_decoder_return_address - the return address a user probe's entry fetched
 * @decoder: the decoder
 * @ev: a decoded entry
 * @ra: set to the value of its KPT_RA_FIELD
 *
 * Returns 1 if the entry has that field, else 0.
 */
int kpt_decoder_return_address(const struct kpt_decoder *decoder, const struct kpt_event *ev,
			       uint64_t *ra)
{
	const struct tep_format_field *field;
	int id = kpt_decoder_type(decoder, &(struct kpt_record){ .data = ev->data,
								 .size = ev->size });

	if (id < 0 || id >= decoder->nr_types)
		return 0;
	field = decoder->types[id].ra;
	if (!field || field->offset + field->size > ev->size)
		return 0;
	*ra = read_field(decoder, ev->data, field);
	return 1;
}

/**
 * kpt_decoder_type - the event id of a record
 * @decoder: the decoder
 * @rec: the raw record
 *
 * Returns the id (common_type), or -1 if the record is too short to have one.
 */
int kpt_decoder_type(const struct kpt_decoder *decoder, const struct kpt_record *rec)
{
	const struct tep_format_field *type = decoder->type_field;
	uint16_t id;

	if (!type || rec->size < decoder->min_size)
		return -1;
	if (decoder->usual) {
		memcpy(&id, rec->data, sizeof(id));
		return id;
	}
	return (int)read_field(decoder, rec->data, type);
}

/**
 * kpt_decoder_decode_type - classify one record whose event id is known
 * @decoder: the decoder
 * @rec: the raw record, at least as long as its common fields
 *	(kpt_decoder_type() gave @id)
 * @id: its event id, as kpt_decoder_type() gave it
 * @ev: filled in when the record is one of the added events
 *
 * Returns 1 if @ev was filled, 0 if the record is of no interest.
 */
int kpt_decoder_decode_type(const struct kpt_decoder *decoder, const struct kpt_record *rec,
			    int id, struct kpt_event *ev)
{
	const struct decoded_type *dt;
	int32_t tid;

	if (id < 0 || id >= decoder->nr_types)
		return 0;
	dt = &decoder->types[id];
	if (!dt->format)
		return 0;
	ev->ts = rec->ts;
	ev->cpu = rec->cpu;
	if (decoder->usual) {
		memcpy(&tid, (const char *)rec->data + 4, sizeof(tid));
		ev->tid = tid;
	} else {
		ev->tid = (int)read_field(decoder, rec->data, decoder->pid_field);
	}
	ev->probe = dt->probe;
	ev->role = dt->role;
	ev->format = dt->format;
	ev->data = rec->data;
	ev->size = rec->size;
	ev->kstack = NULL;
	ev->ustack = NULL;
	return 1;
}

/**
 * kpt_decoder_decode - classify one record
 * @decoder: the decoder
 * @rec: the raw record
 * @ev: filled in when the record is one of the added events
 *
 * Returns 1 if @ev was filled, 0 if the record is of no interest (or too short).
 */
int kpt_decoder_decode(const struct kpt_decoder *decoder, const struct kpt_record *rec,
		       struct kpt_event *ev)
{
	return kpt_decoder_decode_type(decoder, rec, kpt_decoder_type(decoder, rec), ev);
}

/**
 * kpt_decoder_free - release a decoder (NULL is fine)
 * @decoder: the decoder
 */
void kpt_decoder_free(struct kpt_decoder *decoder)
{
	if (!decoder)
		return;
	free(decoder->types);
	free(decoder);
}
