// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Discover span pairs among the events a trace file describes.
 *
 * Candidates are looked up by (system, name) in a sorted copy of the event
 * list, so discovery is O(n log n) in the number of events (a trace-cmd file
 * describes every event of the machine: thousands).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <event-parse.h>

#include "tracedat/discover.h"
#include "util.h"

/**
 * kpt_event_kind_of - tell probes from tracepoints by their format's fields
 * @format: the event's format
 *
 * kprobes and uprobes record __probe_ip; kretprobes and uretprobes record
 * __probe_func and __probe_ret_ip.
 */
enum kpt_event_kind kpt_event_kind_of(const struct tep_event *format)
{
	struct tep_event *event = (struct tep_event *)format;

	if (tep_find_field(event, "__probe_ret_ip"))
		return KPT_EVENT_RETURN_PROBE;
	if (tep_find_field(event, "__probe_ip"))
		return KPT_EVENT_ENTRY_PROBE;
	return KPT_EVENT_OTHER;
}

static int compare_names(const void *a, const void *b)
{
	const struct kpt_event_name *x = a, *y = b;
	int ret = strcmp(x->system, y->system);

	return ret ? ret : strcmp(x->name, y->name);
}

static const struct kpt_event_name *lookup(const struct kpt_event_name *sorted, int nr,
					   const char *system, const char *name)
{
	struct kpt_event_name key = { .system = system, .name = name };

	return bsearch(&key, sorted, nr, sizeof(*sorted), compare_names);
}

/* "kptrace_" and digits only, as session.c names its groups. */
static bool is_kptrace_group(const char *system)
{
	const char *p = system + strlen("kptrace_");

	if (strncmp(system, "kptrace_", strlen("kptrace_")) || !*p)
		return false;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
	}
	return true;
}

/* "p<N>_X": *index = N, returns X, or NULL if @name is not of that form. */
static const char *kptrace_entry_symbol(const char *name, int *index)
{
	const char *p = name + 1;
	char *end;
	long n;

	if (name[0] != 'p' || !isdigit((unsigned char)*p))
		return NULL;
	n = strtol(p, &end, 10);
	if (*end != '_' || !end[1] || n > 1000000)
		return NULL;
	*index = (int)n;
	return end + 1;
}

struct pair_list {
	struct kpt_pair *pairs;
	int nr;
	int capacity;
};

static int add_pair(struct pair_list *list, char *name, const char *system, const char *entry,
		    const char *exit, enum kpt_pair_origin origin, int order)
{
	struct kpt_pair *pair;

	if (!name)
		return -1;
	if (list->nr == list->capacity) {
		int capacity = list->capacity ? list->capacity * 2 : 16;
		struct kpt_pair *pairs = realloc(list->pairs, capacity * sizeof(*pairs));

		if (!pairs) {
			free(name);
			return -1;
		}
		list->pairs = pairs;
		list->capacity = capacity;
	}
	pair = &list->pairs[list->nr++];
	*pair = (struct kpt_pair){
		.name = name,
		.entry_system = strdup(system),
		.entry_event = strdup(entry),
		.exit_system = strdup(system),
		.exit_event = strdup(exit),
		.origin = origin,
		.order = order,
	};
	if (!pair->entry_system || !pair->entry_event || !pair->exit_system || !pair->exit_event)
		return -1;
	return 0;
}

/* The pair that @ev starts, if any, added to @list. Returns -1 only on allocation failure. */
static int discover_one(struct pair_list *list, const struct kpt_event_name *sorted, int nr,
			const struct kpt_event_name *ev)
{
	const struct kpt_event_name *exit;
	const char *symbol;
	char *exit_name;
	int index, ret = 0;

	if (is_kptrace_group(ev->system)) {
		symbol = kptrace_entry_symbol(ev->name, &index);
		if (!symbol)
			return 0;
		exit_name = kpt_asprintf("r%d_%s", index, symbol);
		if (!exit_name)
			return -1;
		if (lookup(sorted, nr, ev->system, exit_name))
			ret = add_pair(list, strdup(symbol), ev->system, ev->name, exit_name,
				       KPT_PAIR_KPTRACE, index);
		free(exit_name);
		return ret;
	}
	if (strcmp(ev->system, "syscalls") == 0) {
		if (strncmp(ev->name, "sys_enter_", 10) || !ev->name[10])
			return 0;
		exit_name = kpt_asprintf("sys_exit_%s", ev->name + 10);
		if (!exit_name)
			return -1;
		if (lookup(sorted, nr, ev->system, exit_name))
			ret = add_pair(list, kpt_asprintf("syscall:%s", ev->name + 10), ev->system,
				       ev->name, exit_name, KPT_PAIR_SYSCALL, 0);
		free(exit_name);
		return ret;
	}
	if (ev->kind != KPT_EVENT_ENTRY_PROBE)
		return 0;
	/* perf probe: X and X__return */
	exit_name = kpt_asprintf("%s__return", ev->name);
	if (!exit_name)
		return -1;
	exit = lookup(sorted, nr, ev->system, exit_name);
	if (exit && exit->kind == KPT_EVENT_RETURN_PROBE)
		ret = add_pair(list, kpt_asprintf("%s:%s", ev->system, ev->name), ev->system,
			       ev->name, exit_name, KPT_PAIR_OTHER_PROBE, 0);
	free(exit_name);
	if (ret < 0 || exit || strncmp(ev->name, "p_", 2) || !ev->name[2])
		return ret;
	/* p_X and r_X */
	exit_name = kpt_asprintf("r_%s", ev->name + 2);
	if (!exit_name)
		return -1;
	exit = lookup(sorted, nr, ev->system, exit_name);
	if (exit && exit->kind == KPT_EVENT_RETURN_PROBE)
		ret = add_pair(list, kpt_asprintf("%s:%s", ev->system, ev->name + 2), ev->system,
			       ev->name, exit_name, KPT_PAIR_OTHER_PROBE, 0);
	free(exit_name);
	return ret;
}

static int compare_pairs(const void *a, const void *b)
{
	const struct kpt_pair *x = a, *y = b;
	int ret;

	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;
	if (x->origin == KPT_PAIR_KPTRACE) {
		ret = strcmp(x->entry_system, y->entry_system);
		if (ret)
			return ret;
		if (x->order != y->order)
			return x->order < y->order ? -1 : 1;
	}
	return strcmp(x->name, y->name);
}

/**
 * kpt_discover_pairs - find the entry/exit pairs among a file's events
 * @events: every event the file describes, in any order
 * @nr_events: how many
 * @pairs: set to a malloc'd array, sorted: kptrace's probes by group and
 *	index, then syscalls, then other tools' probes, each by name; free it
 *	with kpt_pairs_free()
 *
 * Returns the number of pairs, or -1 on allocation failure.
 */
int kpt_discover_pairs(const struct kpt_event_name *events, int nr_events,
		       struct kpt_pair **pairs)
{
	struct kpt_event_name *sorted = NULL;
	struct pair_list list = { 0 };
	int i;

	*pairs = NULL;
	if (nr_events) {
		sorted = malloc(nr_events * sizeof(*sorted));
		if (!sorted)
			return -1;
		memcpy(sorted, events, nr_events * sizeof(*sorted));
		qsort(sorted, nr_events, sizeof(*sorted), compare_names);
	}
	for (i = 0; i < nr_events; i++) {
		if (discover_one(&list, sorted, nr_events, &sorted[i]) < 0) {
			free(sorted);
			kpt_pairs_free(list.pairs, list.nr);
			return -1;
		}
	}
	free(sorted);
	if (list.nr)
		qsort(list.pairs, list.nr, sizeof(*list.pairs), compare_pairs);
	*pairs = list.pairs;
	return list.nr;
}

static int split_event(const char *text, size_t len, char **system, char **event)
{
	const char *colon = memchr(text, ':', len);

	if (!colon || colon == text || colon + 1 == text + len ||
	    memchr(colon + 1, ':', text + len - colon - 1) ||
	    memchr(text, ' ', len))
		return -1;
	*system = strndup(text, colon - text);
	*event = strndup(colon + 1, text + len - colon - 1);
	return *system && *event ? 0 : -1;
}

/**
 * kpt_pair_parse - parse an explicit pair, "SYSTEM:ENTRY,SYSTEM:EXIT"
 * @text: the text, which also becomes the pair's name
 * @pair: filled in; release with kpt_pair_release() whatever the result
 * @errmsg: on failure, a malloc'd message naming @text
 *
 * Returns 0, or -1 on error.
 */
int kpt_pair_parse(const char *text, struct kpt_pair *pair, char **errmsg)
{
	const char *comma = strchr(text, ',');

	memset(pair, 0, sizeof(*pair));
	*errmsg = NULL;
	pair->origin = KPT_PAIR_EXPLICIT;
	if (!comma || split_event(text, comma - text, &pair->entry_system, &pair->entry_event) ||
	    split_event(comma + 1, strlen(comma + 1), &pair->exit_system, &pair->exit_event)) {
		*errmsg = kpt_asprintf("--pair '%s': expected ENTRY,EXIT with each event as "
				       "SYSTEM:EVENT, e.g. syscalls:sys_enter_read,"
				       "syscalls:sys_exit_read", text);
		return -1;
	}
	pair->name = strdup(text);
	return pair->name ? 0 : -1;
}

/**
 * kpt_pair_matches - whether -e @pattern selects @pair
 * @pair: the pair
 * @pattern: a name, or a shell glob such as "syscall:*"
 */
bool kpt_pair_matches(const struct kpt_pair *pair, const char *pattern)
{
	return fnmatch(pattern, pair->name, 0) == 0;
}

/**
 * kpt_pair_release - free what a pair holds (not the pair itself)
 * @pair: the pair
 */
void kpt_pair_release(struct kpt_pair *pair)
{
	free(pair->name);
	free(pair->entry_system);
	free(pair->entry_event);
	free(pair->exit_system);
	free(pair->exit_event);
	memset(pair, 0, sizeof(*pair));
}

/**
 * kpt_pairs_free - free an array of pairs (NULL is fine)
 * @pairs: the array
 * @nr_pairs: its length
 */
void kpt_pairs_free(struct kpt_pair *pairs, int nr_pairs)
{
	int i;

	for (i = 0; pairs && i < nr_pairs; i++)
		kpt_pair_release(&pairs[i]);
	free(pairs);
}
