// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Grouping keys.
 *
 * Numbers (thread and process ids, CPUs, integer arguments and return
 * values) are their own value. Command names and text arguments are
 * interned: the value is an index into the key's string table, found
 * through an open-addressing hash, so a span costs one hash of a short
 * string and no allocation once its text has been seen. The field of an
 * argument or return value is looked up once per probe, at its first span.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "analyse/key.h"
#include "util.h"

#define TEXT_MAX		256	/* longest text key; longer ones are cut */
#define INITIAL_STRINGS		64	/* hash size; a power of two */
#define NOT_LOOKED_UP		-2
#define NO_FIELD		-1

static const char *const kind_names[] = {
	[KPT_KEY_PID] = "pid", [KPT_KEY_TID] = "tid", [KPT_KEY_COMM] = "comm",
	[KPT_KEY_CPU] = "cpu", [KPT_KEY_RET] = "ret",
};

struct probe_field {
	int index;		/* argument index; NOT_LOOKED_UP or NO_FIELD */
	bool text;		/* a string or array: values are interned */
	bool is_signed;
};

struct kpt_key {
	enum kpt_key_kind kind;
	char *label;			/* "pid", "arg:size" */
	const char *arg;		/* KPT_KEY_ARG: the argument's name, in @label */
	const struct kpt_host *host;
	int nr_probes;
	const char *const *probe_names;
	struct probe_field *fields;	/* [nr_probes], KPT_KEY_ARG and KPT_KEY_RET */
	char **strings;			/* interned text */
	unsigned int nr_strings;
	unsigned int *table;		/* hash of string index + 1; 0: free */
	unsigned int nr_slots;
	char text[TEXT_MAX];		/* scratch */
};

/**
 * kpt_key_parse - check the text of --by KEY
 * @text: "pid", "tid", "comm", "cpu", "ret" or "arg:NAME"
 * @kind: set to the key's kind
 * @arg: set to NAME in @text for "arg:NAME", else to NULL
 *
 * Returns 0, or -1 if @text names no key.
 */
int kpt_key_parse(const char *text, enum kpt_key_kind *kind, const char **arg)
{
	size_t i;

	*arg = NULL;
	if (strncmp(text, "arg:", 4) == 0 && text[4]) {
		*kind = KPT_KEY_ARG;
		*arg = text + 4;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(kind_names); i++) {
		if (kind_names[i] && strcmp(text, kind_names[i]) == 0) {
			*kind = i;
			return 0;
		}
	}
	return -1;
}

/**
 * kpt_key_alloc - a key extractor for --by @text
 * @text: as kpt_key_parse() takes it
 * @host: reads arguments, command names and process ids; must outlive the key
 * @nr_probes: probe numbers of spans run from 0 to @nr_probes - 1
 * @probe_names: [@nr_probes], for messages; must outlive the key
 * @err: where to write why it failed
 * @errsize: its size
 *
 * Returns the key, to be released with kpt_key_free(), or NULL after writing
 * why into @err.
 */
struct kpt_key *kpt_key_alloc(const char *text, const struct kpt_host *host, int nr_probes,
			      const char *const *probe_names, char *err, size_t errsize)
{
	struct kpt_key *key;
	int i;

	key = calloc(1, sizeof(*key));
	if (!key)
		goto nomem;
	if (kpt_key_parse(text, &key->kind, &key->arg) < 0) {
		snprintf(err, errsize, "by '%s': use pid, tid, comm, cpu, ret or arg:NAME", text);
		free(key);
		return NULL;
	}
	key->host = host;
	key->nr_probes = nr_probes;
	key->probe_names = probe_names;
	key->label = strdup(text);
	key->nr_slots = INITIAL_STRINGS;
	key->table = calloc(key->nr_slots, sizeof(*key->table));
	key->fields = calloc(nr_probes ? nr_probes : 1, sizeof(*key->fields));
	if (!key->label || !key->table || !key->fields)
		goto nomem;
	if (key->arg)
		key->arg = key->label + 4;
	for (i = 0; i < nr_probes; i++)
		key->fields[i].index = NOT_LOOKED_UP;
	return key;
nomem:
	kpt_key_free(key);
	snprintf(err, errsize, "out of memory");
	return NULL;
}

/**
 * kpt_key_kind - what the key groups by
 * @key: the key
 */
enum kpt_key_kind kpt_key_kind(const struct kpt_key *key)
{
	return key->kind;
}

/**
 * kpt_key_label - the key as --by named it ("pid", "arg:size"); owned by @key
 * @key: the key
 */
const char *kpt_key_label(const struct kpt_key *key)
{
	return key->label;
}

/**
 * kpt_key_flags - what an analyser grouping by @key must ask the engine for
 * @key: the key
 *
 * Returns KPT_ANALYSER_ENTRY_FIELDS for an argument key, else 0.
 */
unsigned int kpt_key_flags(const struct kpt_key *key)
{
	return key->kind == KPT_KEY_ARG ? KPT_ANALYSER_ENTRY_FIELDS : 0;
}

static uint32_t hash_text(const char *text)
{
	uint32_t h = 2166136261u;

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 16777619u;
	return h;
}

static int grow_table(struct kpt_key *key)
{
	unsigned int nr_slots = key->nr_slots * 2, i, j;
	unsigned int *table = calloc(nr_slots, sizeof(*table));

	if (!table)
		return -1;
	for (i = 0; i < key->nr_slots; i++) {
		if (!key->table[i])
			continue;
		j = hash_text(key->strings[key->table[i] - 1]) & (nr_slots - 1);
		while (table[j])
			j = (j + 1) & (nr_slots - 1);
		table[j] = key->table[i];
	}
	free(key->table);
	key->table = table;
	key->nr_slots = nr_slots;
	return 0;
}

/* The index of @text among the key's strings, added if new; -1 on allocation failure. */
static int intern(struct kpt_key *key, const char *text)
{
	unsigned int i = hash_text(text) & (key->nr_slots - 1);
	char **strings;

	for (; key->table[i]; i = (i + 1) & (key->nr_slots - 1)) {
		if (strcmp(key->strings[key->table[i] - 1], text) == 0)
			return key->table[i] - 1;
	}
	if ((key->nr_strings + 1) * 2 > key->nr_slots) {
		if (grow_table(key) < 0)
			return -1;
		return intern(key, text);
	}
	strings = realloc(key->strings, (key->nr_strings + 1) * sizeof(*strings));
	if (!strings)
		return -1;
	key->strings = strings;
	strings[key->nr_strings] = strdup(text);
	if (!strings[key->nr_strings])
		return -1;
	key->table[i] = ++key->nr_strings;
	return key->nr_strings - 1;
}

/* Find the key's field in the probe's event, once per probe; warn once if it has none. */
static struct probe_field *look_up(struct kpt_key *key, const struct kpt_event *ev)
{
	struct probe_field *field = &key->fields[ev->probe];
	const struct kpt_host *host = key->host;
	struct tep_format_field *tf;
	const char *name;
	int i, n;

	if (field->index != NOT_LOOKED_UP || !ev->format)
		return field;
	if (key->kind == KPT_KEY_ARG)
		field->index = host->arg_index(ev, key->arg);
	else if ((field->index = host->arg_index(ev, "ret")) < 0 && host->nr_args(ev) > 0)
		field->index = 0;
	name = field->index >= 0 ? host->arg_name(ev, field->index) : NULL;
	tf = name ? tep_find_field(ev->format, name) : NULL;
	if (tf) {
		field->text = tf->flags & (TEP_FIELD_IS_STRING | TEP_FIELD_IS_ARRAY |
					   TEP_FIELD_IS_DYNAMIC);
		field->is_signed = tf->flags & TEP_FIELD_IS_SIGNED;
		return field;
	}
	field->index = NO_FIELD;
	n = host->nr_args(ev);
	key->text[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(key->text + strlen(key->text), sizeof(key->text) - strlen(key->text),
			 "%s%s", i ? ", " : "", host->arg_name(ev, i));
	kpt_warn("--by %s: probe '%s' has no %s (its %s has: %s); its calls are not grouped",
		 key->label, key->probe_names[ev->probe],
		 key->kind == KPT_KEY_ARG ? "such argument" : "return value",
		 ev->role == KPT_ROLE_ENTRY ? "entry" : "return", n ? key->text : "no arguments");
	return field;
}

/* The value of the key's field in @ev: 0, or -1 if it has none. */
static int field_value(struct kpt_key *key, const struct kpt_event *ev, uint64_t *val)
{
	const struct probe_field *field;
	int index;

	if (!ev || !ev->data)
		return -1;
	field = look_up(key, ev);
	if (field->index < 0)
		return -1;
	if (!field->text)
		return key->host->arg_u64(ev, field->index, val);
	if (key->host->arg_text(ev, field->index, key->text, sizeof(key->text)) < 0)
		return -1;
	index = intern(key, key->text);
	if (index < 0)
		return -1;
	*val = index;
	return 0;
}

static int thread_value(struct kpt_key *key, int tid, int cpu, uint64_t *val)
{
	int index, pid;

	switch (key->kind) {
	case KPT_KEY_PID:
		pid = key->host->tgid(key->host, tid);
		*val = pid > 0 ? pid : tid;
		return 0;
	case KPT_KEY_TID:
		*val = tid;
		return 0;
	case KPT_KEY_CPU:
		*val = cpu;
		return 0;
	case KPT_KEY_COMM:
		index = intern(key, key->host->comm(key->host, tid));
		if (index < 0)
			return -1;
		*val = index;
		return 0;
	default:
		return -1;
	}
}

/**
 * kpt_key_of_span - the key of a span
 * @key: the key
 * @span: the span; its entry's payload is read for KPT_KEY_ARG (see kpt_key_flags())
 * @val: set to the key's value
 *
 * Returns 0, or -1 if the span has no such key: its probe has no such
 * argument or return value, or the call is still open (no return).
 */
int kpt_key_of_span(struct kpt_key *key, const struct kpt_span *span, uint64_t *val)
{
	switch (key->kind) {
	case KPT_KEY_ARG:
		return field_value(key, span->entry, val);
	case KPT_KEY_RET:
		return field_value(key, span->exit, val);
	default:
		return thread_value(key, span->tid, span->cpu, val);
	}
}

/**
 * kpt_key_of_event - the key of one event, for counting events
 * @key: the key
 * @ev: the event
 * @val: set to the key's value
 *
 * Calls are counted once: a return value is read from exits, every other
 * key from entries. Returns 0, or -1 if @ev carries no such key.
 */
int kpt_key_of_event(struct kpt_key *key, const struct kpt_event *ev, uint64_t *val)
{
	if (key->kind == KPT_KEY_RET)
		return ev->role == KPT_ROLE_EXIT ? field_value(key, ev, val) : -1;
	if (ev->role != KPT_ROLE_ENTRY)
		return -1;
	if (key->kind == KPT_KEY_ARG)
		return field_value(key, ev, val);
	return thread_value(key, ev->tid, ev->cpu, val);
}

static bool is_text(const struct kpt_key *key, int probe)
{
	if (key->kind == KPT_KEY_COMM)
		return true;
	if (key->kind != KPT_KEY_ARG && key->kind != KPT_KEY_RET)
		return false;
	return probe >= 0 && probe < key->nr_probes && key->fields[probe].text;
}

static bool is_signed(const struct kpt_key *key, int probe)
{
	if (key->kind != KPT_KEY_ARG && key->kind != KPT_KEY_RET)
		return false;
	return probe >= 0 && probe < key->nr_probes && key->fields[probe].is_signed;
}

/**
 * kpt_key_format - a key's value as text: a number, or the interned text
 * @key: the key
 * @probe: the probe the value was read for
 * @val: the value
 * @buf: the destination, always NUL-terminated
 * @size: its size
 *
 * Returns the length written.
 */
int kpt_key_format(const struct kpt_key *key, int probe, uint64_t val, char *buf, size_t size)
{
	int len;

	if (is_text(key, probe))
		len = snprintf(buf, size, "%s", val < key->nr_strings ? key->strings[val] : "?");
	else if (is_signed(key, probe))
		len = snprintf(buf, size, "%" PRId64, (int64_t)val);
	else
		len = snprintf(buf, size, "%" PRIu64, val);
	return len < (int)size ? len : (int)size - 1;
}

/**
 * kpt_key_compare - order two values of one probe: numbers by value, text alphabetically
 * @key: the key
 * @probe: the probe they were read for
 * @a: one value
 * @b: the other
 *
 * Returns <0, 0 or >0, as strcmp().
 */
int kpt_key_compare(const struct kpt_key *key, int probe, uint64_t a, uint64_t b)
{
	if (is_text(key, probe))
		return strcmp(key->strings[a], key->strings[b]);
	if (is_signed(key, probe))
		return (int64_t)a < (int64_t)b ? -1 : (int64_t)a > (int64_t)b;
	return a < b ? -1 : a > b;
}

/**
 * kpt_key_free - release a key and its interned text (NULL is fine)
 * @key: the key
 */
void kpt_key_free(struct kpt_key *key)
{
	unsigned int i;

	if (!key)
		return;
	for (i = 0; i < key->nr_strings; i++)
		free(key->strings[i]);
	free(key->strings);
	free(key->table);
	free(key->fields);
	free(key->label);
	free(key);
}
