// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stacks: calls grouped by stack, and folded stacks.
 *
 * Groups live in an open-addressing hash on (probe, frame names). Naming a
 * call's frames fills a scratch row owned by the table; only a stack not seen
 * before allocates (its group and its row of names).
 */
#include <stdlib.h>
#include <string.h>

#include "analyse/stacks.h"

#define INITIAL_GROUPS	64	/* a power of two */
#define STACK_FRAMES	129	/* of a kernel or user stack: the engine keeps up to 128 (+1) */
#define MAX_FRAMES	(2 * STACK_FRAMES + 1)

struct kpt_stacks {
	const struct kpt_host *host;
	bool hist;
	struct kpt_stack_group **groups;
	unsigned int nr_slots;
	unsigned int nr_groups;
	const char *scratch[MAX_FRAMES];
};

/**
 * kpt_stacks_alloc - an empty table of stack groups
 * @host: names the frames; must outlive the table
 * @hist: keep a histogram of the durations of each group (latency)
 *
 * Returns the table, or NULL without memory.
 */
struct kpt_stacks *kpt_stacks_alloc(const struct kpt_host *host, bool hist)
{
	struct kpt_stacks *stacks = calloc(1, sizeof(*stacks));

	if (!stacks)
		return NULL;
	stacks->host = host;
	stacks->hist = hist;
	stacks->nr_slots = INITIAL_GROUPS;
	stacks->groups = calloc(stacks->nr_slots, sizeof(*stacks->groups));
	if (!stacks->groups) {
		free(stacks);
		return NULL;
	}
	return stacks;
}

/*
 * The frames an fprobe adds above the probed function: ftrace's hook and
 * the fprobe event's handlers (a kprobe's stack starts at the function, the
 * kernel skips its handlers). The innermost frames with these names are
 * dropped, so that a stack is the same whether the probe was an fprobe or a
 * kprobe.
 */
static const char *const probe_machinery[] = {
	"ftrace_call", "ftrace_caller", "ftrace_regs_call", "ftrace_regs_caller",
	"ftrace_ops_list_func", "arch_ftrace_ops_list_func", "__ftrace_ops_list_func",
	"ftrace_ops_assist_func", "fprobe_handler", "fprobe_ftrace_entry", "fprobe_entry",
	"__fprobe_handler", "fprobe_fgraph_entry", "fentry_dispatcher", "fentry_trace_func",
	"fexit_dispatcher", "fexit_trace_func",
};

static bool is_probe_machinery(const char *frame)
{
	size_t len = strcspn(frame, "+ ["), i;

	for (i = 0; i < sizeof(probe_machinery) / sizeof(probe_machinery[0]); i++) {
		if (strlen(probe_machinery[i]) == len &&
		    strncmp(frame, probe_machinery[i], len) == 0)
			return true;
	}
	return false;
}

/**
 * kpt_stacks_frames - the names of an event's frames, root first
 * @host: names them (kpt_host.frame_name)
 * @ev: an event, or a span's entry, with its stacks
 * @frames: where the names go: the user stack's, outermost first, then the
 *	kernel stack's, less an fprobe's own frames at its inner end;
 *	KPT_NO_STACK alone when the event has neither
 * @max: room in @frames
 *
 * A helper for any analyser that prints or groups stacks. Returns the
 * number of names stored.
 */
int kpt_stacks_frames(const struct kpt_host *host, const struct kpt_event *ev,
		      const char **frames, int max)
{
	const struct kpt_stack *stack;
	int n = 0, i;

	stack = ev->ustack;
	for (i = stack ? stack->nr - 1 : -1; i >= 0 && n < max; i--)
		frames[n++] = host->frame_name(host, stack, true, i);
	stack = ev->kstack;
	for (i = stack ? stack->nr - 1 : -1; i >= 0 && n < max; i--)
		frames[n++] = host->frame_name(host, stack, false, i);
	while (stack && n > 0 && is_probe_machinery(frames[n - 1]))
		n--;
	if (!n && max > 0)
		frames[n++] = KPT_NO_STACK;
	return n;
}

/**
 * kpt_stacks_format - an event's frames as one line of text
 * @host: names them (kpt_host.frame_name)
 * @ev: an event, or a span's entry, with its stacks
 * @root_first: the outermost frame first (folded order), else the innermost
 *	first (the order stack traces are printed in)
 * @sep: between two frames, e.g. ";" or "\n    "
 * @buf: where the text goes, always NUL-terminated
 * @size: room in @buf
 *
 * For analysers that print a call's stack (a slow call's). Frames as
 * kpt_stacks_frames() names them. Returns the length of the whole text, as
 * snprintf() does: @buf was too small if it is @size or more.
 */
int kpt_stacks_format(const struct kpt_host *host, const struct kpt_event *ev, bool root_first,
		      const char *sep, char *buf, size_t size)
{
	const char *frames[MAX_FRAMES];
	int nr = kpt_stacks_frames(host, ev, frames, MAX_FRAMES), i, len = 0, n;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < nr; i++) {
		const char *frame = frames[root_first ? i : nr - 1 - i];

		n = snprintf(buf + (len < (int)size ? len : 0), len < (int)size ? size - len : 0,
			     "%s%s", i ? sep : "", frame);
		if (n < 0)
			return -1;
		len += n;
	}
	return len;
}

static unsigned int hash_of(int probe, const char *const *frames, int nr, unsigned int nr_slots)
{
	uint64_t h = (uint64_t)probe * 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < nr; i++)
		h = (h ^ (uintptr_t)frames[i]) * 0x100000001b3ULL;
	return (unsigned int)(h ^ (h >> 31)) & (nr_slots - 1);
}

static bool same(const struct kpt_stack_group *group, int probe, const char *const *frames, int nr)
{
	return group->probe == probe && group->nr == nr &&
	       !memcmp(group->frames, frames, nr * sizeof(*frames));
}

static int grow(struct kpt_stacks *stacks)
{
	unsigned int nr_slots = stacks->nr_slots * 2, i, j;
	struct kpt_stack_group **groups = calloc(nr_slots, sizeof(*groups));

	if (!groups)
		return -1;
	for (i = 0; i < stacks->nr_slots; i++) {
		struct kpt_stack_group *group = stacks->groups[i];

		if (!group)
			continue;
		for (j = hash_of(group->probe, group->frames, group->nr, nr_slots); groups[j];
		     j = (j + 1) & (nr_slots - 1))
			;
		groups[j] = group;
	}
	free(stacks->groups);
	stacks->groups = groups;
	stacks->nr_slots = nr_slots;
	return 0;
}

static void free_group(struct kpt_stack_group *group)
{
	if (!group)
		return;
	free(group->frames);
	free(group->hist);
	free(group);
}

static struct kpt_stack_group *new_group(struct kpt_stacks *stacks, int probe, int nr)
{
	struct kpt_stack_group *group = calloc(1, sizeof(*group));

	if (!group)
		return NULL;
	group->probe = probe;
	group->nr = nr;
	group->frames = malloc(nr * sizeof(*group->frames));
	if (stacks->hist)
		group->hist = malloc(sizeof(*group->hist));
	if (!group->frames || (stacks->hist && !group->hist)) {
		free_group(group);
		return NULL;
	}
	memcpy(group->frames, stacks->scratch, nr * sizeof(*group->frames));
	if (group->hist)
		kpt_hist_init(group->hist);
	return group;
}

/**
 * kpt_stacks_add - count a call in the group of its stack
 * @stacks: the table
 * @probe: the call's probe
 * @ev: the event, or the span's entry, that carries the stacks
 * @duration: the call's duration (0 for an event without one)
 *
 * Returns the group, or NULL without memory (the call is not counted).
 */
struct kpt_stack_group *kpt_stacks_add(struct kpt_stacks *stacks, int probe,
				       const struct kpt_event *ev, uint64_t duration)
{
	int nr = kpt_stacks_frames(stacks->host, ev, stacks->scratch, MAX_FRAMES);
	struct kpt_stack_group *group;
	unsigned int i;

	for (i = hash_of(probe, stacks->scratch, nr, stacks->nr_slots); stacks->groups[i];
	     i = (i + 1) & (stacks->nr_slots - 1)) {
		if (same(stacks->groups[i], probe, stacks->scratch, nr))
			break;
	}
	group = stacks->groups[i];
	if (!group) {
		if ((stacks->nr_groups + 1) * 2 > stacks->nr_slots) {
			if (grow(stacks) < 0)
				return NULL;
			for (i = hash_of(probe, stacks->scratch, nr, stacks->nr_slots);
			     stacks->groups[i]; i = (i + 1) & (stacks->nr_slots - 1))
				;
		}
		group = new_group(stacks, probe, nr);
		if (!group)
			return NULL;
		stacks->groups[i] = group;
		stacks->nr_groups++;
	}
	group->count++;
	group->total_ns += duration;
	if (group->hist)
		kpt_hist_add(group->hist, duration);
	return group;
}

static bool sort_by_time;	/* qsort has no context argument */

/* Biggest first; ties by probe, then frame by frame, so the order is stable. */
static int compare_groups(const void *a, const void *b)
{
	const struct kpt_stack_group *x = *(const struct kpt_stack_group *const *)a;
	const struct kpt_stack_group *y = *(const struct kpt_stack_group *const *)b;
	uint64_t vx = sort_by_time ? x->total_ns : x->count;
	uint64_t vy = sort_by_time ? y->total_ns : y->count;
	int i, c;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	for (i = 0; i < x->nr && i < y->nr; i++) {
		c = strcmp(x->frames[i], y->frames[i]);
		if (c)
			return c;
	}
	return x->nr - y->nr;
}

/**
 * kpt_stacks_sorted - the groups, the largest first
 * @stacks: the table
 * @by_time: by summed duration; else by count
 * @sorted: set to a malloc'd array of the groups (the table keeps them)
 *
 * Returns the number of groups, or -1 without memory.
 */
int kpt_stacks_sorted(struct kpt_stacks *stacks, bool by_time, struct kpt_stack_group ***sorted)
{
	unsigned int i, n = 0;

	*sorted = malloc((stacks->nr_groups ? stacks->nr_groups : 1) * sizeof(**sorted));
	if (!*sorted)
		return -1;
	for (i = 0; i < stacks->nr_slots; i++) {
		if (stacks->groups[i])
			(*sorted)[n++] = stacks->groups[i];
	}
	sort_by_time = by_time;
	qsort(*sorted, n, sizeof(**sorted), compare_groups);
	return (int)n;
}

/**
 * kpt_stacks_print_folded - one line per group: "frame;frame;... VALUE"
 * @out: where to
 * @stacks: the table
 * @probe_names: per probe, its name
 * @nr_probes: with more than one probe, each line starts with its probe's
 *	name as the root frame, so that each probe has a tower of its own
 * @value_ns: VALUE is the summed nanoseconds; else the number of calls
 *
 * Frames are root first, as flamegraph.pl and speedscope read them; the
 * largest group comes first. Returns 0, or -1 without memory or on a write
 * error.
 */
int kpt_stacks_print_folded(FILE *out, struct kpt_stacks *stacks, const char *const *probe_names,
			    int nr_probes, bool value_ns)
{
	struct kpt_stack_group **sorted;
	int n = kpt_stacks_sorted(stacks, value_ns, &sorted), i, f;

	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct kpt_stack_group *group = sorted[i];

		if (nr_probes > 1)
			fprintf(out, "%s;", probe_names[group->probe]);
		for (f = 0; f < group->nr; f++)
			fprintf(out, "%s%s", f ? ";" : "", group->frames[f]);
		fprintf(out, " %llu\n",
			(unsigned long long)(value_ns ? group->total_ns : group->count));
	}
	free(sorted);
	fflush(out);
	return ferror(out) ? -1 : 0;
}

/**
 * kpt_stacks_reset - forget every group (a new -i interval starts)
 * @stacks: the table
 */
void kpt_stacks_reset(struct kpt_stacks *stacks)
{
	unsigned int i;

	for (i = 0; i < stacks->nr_slots; i++) {
		free_group(stacks->groups[i]);
		stacks->groups[i] = NULL;
	}
	stacks->nr_groups = 0;
}

/**
 * kpt_stacks_free - release the table and its groups (NULL is fine)
 * @stacks: the table
 */
void kpt_stacks_free(struct kpt_stacks *stacks)
{
	if (!stacks)
		return;
	kpt_stacks_reset(stacks);
	free(stacks->groups);
	free(stacks);
}
