// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's raw probe syntax: p:TARGET [ARGS] and r[N]:TARGET [ARGS], with
 * the fetch-args written as for kprobe_events (N is a kretprobe's maxactive).
 *
 * A raw p: and r: on the same target make one span (kpt_probe_merge_raw());
 * a raw probe given alone gets a bare probe on the other side. A TARGET with
 * a '/' is a uprobe (PATH:SYMBOL or PATH:0xOFFSET), anything else a kprobe
 * ([MOD:]SYM[+OFF]); past parsing, the probe is made as one of those.
 *
 * In a trace file, the probes other tools defined this way pair up by their
 * names: perf probe's GROUP:X with GROUP:X__return, and GROUP:p_X with
 * GROUP:r_X, an entry probe with a return probe (their formats tell).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <tracefs.h>

#include "probe/types.h"
#include "tracedat/discover.h"
#include "util.h"

/* The type that makes the events of a parsed raw probe. */
static const struct kpt_probe_type *made_as(const struct kpt_probe *probe)
{
	return probe->object ? &kpt_probe_uprobe : &kpt_probe_kprobe;
}

static bool raw_match(const char *head)
{
	const char *p = head;

	if (*p == 'p' && p[1] == ':')
		return true;
	if (*p++ != 'r')
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == ':';
}

static int raw_parse(const char *head, char *args, struct kpt_probe *probe, const char *spec,
		     char **errmsg)
{
	const char *colon = strchr(head, ':');
	const char *target = colon + 1;
	bool ret_probe = head[0] == 'r';
	char *end;
	int ret;

	if (ret_probe && colon > head + 1) {
		probe->maxactive = strtol(head + 1, &end, 10);
		if (end != colon || probe->maxactive <= 0) {
			ret = kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': bad maxactive in "
								  "'%.*s' (use rN: with N > 0)",
								  spec, (int)(colon - head + 1),
								  head));
			goto out;
		}
	}
	ret = strchr(target, '/') ? kpt_uprobe_parse_target(target, probe, spec, errmsg) :
				    kpt_kprobe_parse_target(target, probe, spec, errmsg);
	probe->type = &kpt_probe_raw;
	if (ret < 0)
		goto out;
	if (probe->maxactive && probe->object) {
		ret = kpt_probe_fail(errmsg, kpt_asprintf("probe '%s': maxactive applies to "
							  "kretprobes only", spec));
		goto out;
	}
	probe->name = strdup(target);
	probe->raw_sides = ret_probe ? KPT_RAW_EXIT : KPT_RAW_ENTRY;
	if (ret_probe)
		probe->exit.fetchargs = args;
	else
		probe->entry.fetchargs = args;
	return probe->name ? 0 : -1;
out:
	free(args);
	return ret;
}

static int raw_resolve(struct kpt_probe *probe, int pid, char **errmsg)
{
	const struct kpt_probe_type *type = made_as(probe);

	return type->resolve ? type->resolve(probe, pid, errmsg) : 0;
}

static int raw_name_events(struct kpt_probe *probe, const char *group, int index)
{
	return made_as(probe)->name_events(probe, group, index);
}

static char *raw_dynevent_target(const struct kpt_probe *probe, bool exit)
{
	return made_as(probe)->dynevent_target(probe, exit);
}

static int raw_create(struct kpt_session *session, struct kpt_probe *probe)
{
	return made_as(probe)->create(session, probe);
}

/* Unlike a uprobe's default $retval, a raw r: probe's fetch-args were asked for. */
static bool raw_pmu_countable(const struct kpt_probe *probe)
{
	return probe->object && !probe->entry.fetchargs && !probe->exit.fetchargs;
}

static int raw_discover(struct kpt_discover *discover, const struct kpt_event_name *ev)
{
	const struct kpt_event_name *exit;
	char *exit_name;
	int ret = 0;

	/* kptrace's own groups are the kprobe and uprobe types' to tell. */
	if (ev->kind != KPT_EVENT_ENTRY_PROBE || kpt_discover_is_session_group(ev->system))
		return 0;
	/* perf probe: X and X__return */
	exit_name = kpt_asprintf("%s__return", ev->name);
	if (!exit_name)
		return -1;
	exit = kpt_discover_find(discover, ev->system, exit_name);
	if (exit && exit->kind == KPT_EVENT_RETURN_PROBE)
		ret = kpt_discover_add(discover, kpt_asprintf("%s:%s", ev->system, ev->name),
				       ev->system, ev->name, exit_name, KPT_PAIR_OTHER_PROBE, 0);
	free(exit_name);
	if (ret < 0 || exit || strncmp(ev->name, "p_", 2) || !ev->name[2])
		return ret;
	/* p_X and r_X */
	exit_name = kpt_asprintf("r_%s", ev->name + 2);
	if (!exit_name)
		return -1;
	exit = kpt_discover_find(discover, ev->system, exit_name);
	if (exit && exit->kind == KPT_EVENT_RETURN_PROBE)
		ret = kpt_discover_add(discover, kpt_asprintf("%s:%s", ev->system, ev->name + 2),
				       ev->system, ev->name, exit_name, KPT_PAIR_OTHER_PROBE, 0);
	free(exit_name);
	return ret;
}

const struct kpt_probe_type kpt_probe_raw = {
	.name = "raw",
	.usage = "  p:TARGET ARGS, rN:TARGET ARGS   the kernel's raw probe syntax\n",
	.match = raw_match,
	.parse = raw_parse,
	.resolve = raw_resolve,
	.name_events = raw_name_events,
	.dynevent_target = raw_dynevent_target,
	.create = raw_create,
	.dynevents = TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
		     TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE,
	.discover = raw_discover,
	.pmu_countable = raw_pmu_countable,
};
