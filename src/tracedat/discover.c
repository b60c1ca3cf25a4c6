// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Discover span pairs among the events a trace file describes.
 *
 * Each probe type tells the pairs of its own kind (see kpt_probe_discover());
 * this file holds the event list they look in and the pairs they add.
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

#include "probe/probe.h"
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

/* A discovery under way: the file's events, sorted, and the pairs found. */
struct kpt_discover {
	const struct kpt_event_name *sorted;
	int nr;
	struct kpt_pair *pairs;
	int nr_pairs;
	int capacity;
};

/**
 * kpt_discover_find - the event @system:@name of the file being discovered
 * @discover: the discovery under way
 * @system: the event's system
 * @name: the event's name
 *
 * Returns the event, or NULL if the file has no such event.
 */
const struct kpt_event_name *kpt_discover_find(const struct kpt_discover *discover,
					       const char *system, const char *name)
{
	struct kpt_event_name key = { .system = system, .name = name };

	return bsearch(&key, discover->sorted, discover->nr, sizeof(*discover->sorted),
		       compare_names);
}

/**
 * kpt_discover_is_session_group - whether @system is a run's group, "kptrace_" and digits
 * @system: the event's system
 */
bool kpt_discover_is_session_group(const char *system)
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

/**
 * kpt_discover_add - add a pair whose two events are in one system
 * @discover: the discovery under way
 * @name: the pair's name, malloc'd (NULL: out of memory), now owned by @discover
 * @system: the events' system
 * @entry: the entry event's name
 * @exit: the exit event's name
 * @origin: which kind of pair it is (pairs are listed by it)
 * @order: kptrace's probes: their index; otherwise 0
 *
 * Returns 1, or -1 if out of memory.
 */
int kpt_discover_add(struct kpt_discover *discover, char *name, const char *system,
		     const char *entry, const char *exit, enum kpt_pair_origin origin, int order)
{
	struct kpt_pair *pair;

	if (!name)
		return -1;
	if (discover->nr_pairs == discover->capacity) {
		int capacity = discover->capacity ? discover->capacity * 2 : 16;
		struct kpt_pair *pairs = realloc(discover->pairs, capacity * sizeof(*pairs));

		if (!pairs) {
			free(name);
			return -1;
		}
		discover->pairs = pairs;
		discover->capacity = capacity;
	}
	pair = &discover->pairs[discover->nr_pairs++];
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
	return 1;
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
	struct kpt_discover discover = { .nr = nr_events };
	struct kpt_event_name *sorted = NULL;
	int i;

	*pairs = NULL;
	if (nr_events) {
		sorted = malloc(nr_events * sizeof(*sorted));
		if (!sorted)
			return -1;
		memcpy(sorted, events, nr_events * sizeof(*sorted));
		qsort(sorted, nr_events, sizeof(*sorted), compare_names);
	}
	discover.sorted = sorted;
	for (i = 0; i < nr_events; i++) {
		if (kpt_probe_discover(&discover, &sorted[i]) < 0) {
			free(sorted);
			kpt_pairs_free(discover.pairs, discover.nr_pairs);
			return -1;
		}
	}
	free(sorted);
	if (discover.nr_pairs)
		qsort(discover.pairs, discover.nr_pairs, sizeof(*discover.pairs), compare_pairs);
	*pairs = discover.pairs;
	return discover.nr_pairs;
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
 * kpt_pair_parse - parse an explicit pair, "[tp:]SYSTEM:ENTRY,SYSTEM:EXIT[ key=FIELD,...]"
 * @text: the text, which also becomes the pair's name
 * @pair: filled in; release with kpt_pair_release() whatever the result
 * @errmsg: on failure, a malloc'd message naming @text
 *
 * Returns 0, or -1 on error.
 */
int kpt_pair_parse(const char *text, struct kpt_pair *pair, char **errmsg)
{
	size_t len = strcspn(text, " \t"), name_len = len;
	const char *name = text, *comma, *args = text + len;
	char *keymsg;

	/* a tp: probe's specification: the pair keeps its name */
	if (strncmp(text, "tp:", 3) == 0) {
		text += 3;
		len -= 3;
	}
	comma = memchr(text, ',', len);

	memset(pair, 0, sizeof(*pair));
	*errmsg = NULL;
	pair->origin = KPT_PAIR_EXPLICIT;
	if (!comma || split_event(text, comma - text, &pair->entry_system, &pair->entry_event) ||
	    split_event(comma + 1, len - (comma + 1 - text), &pair->exit_system,
			&pair->exit_event)) {
		*errmsg = kpt_asprintf("--pair '%s': expected ENTRY,EXIT with each event as "
				       "SYSTEM:EVENT, e.g. syscalls:sys_enter_read,"
				       "syscalls:sys_exit_read", text);
		return -1;
	}
	args += strspn(args, " \t");
	if (*args && (strncmp(args, "key=", 4) != 0 || strpbrk(args, " \t"))) {
		*errmsg = kpt_asprintf("--pair '%s': after the events, only key=FIELD[,FIELD]... "
				       "may follow (to pair by fields, e.g. key=dev,sector)", text);
		return -1;
	}
	if (*args && kpt_pair_key_parse(args + 4, &pair->key, &keymsg) < 0) {
		*errmsg = keymsg ? kpt_asprintf("--pair '%s': %s", text, keymsg) : NULL;
		free(keymsg);
		return -1;
	}
	pair->name = strndup(name, name_len);
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
	kpt_pair_key_release(&pair->key);
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
