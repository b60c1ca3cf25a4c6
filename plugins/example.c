// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * example: the plugin of kptrace-plugins(7). Per probe, it counts the spans
 * that last at least min=NS nanoseconds and names the thread of the longest.
 *
 *	cc -shared -fPIC -o example.so example.c
 *	kptrace latency --plugin ./example.so --plugin-opt min=1000 syscall:read
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kptrace/analyser.h>

struct slowest {
	uint64_t count;			/* spans >= min */
	uint64_t longest;		/* ns */
	int tid;			/* the longest's thread */
	char comm[32];
};

struct example {
	const struct kpt_host *host;
	const char *const *names;	/* the probes' */
	int nr_probes;
	uint64_t min;			/* min=NS */
	bool json;
	FILE *out;
	struct slowest *probes;		/* [nr_probes] */
};

static const struct kpt_analyser_option example_options[] = {
	{ "min", "NS: count only spans of at least NS nanoseconds (default 0)" },
	{ NULL, NULL }
};

static void *example_create(const struct kpt_analyser_params *params, char *err,
			    size_t errsize)
{
	struct example *ex;
	char *end;
	int i;

	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	ex->host = params->host;
	ex->names = params->probe_names;
	ex->nr_probes = params->nr_probes;
	ex->json = params->json;
	ex->out = params->out;
	for (i = 0; i < params->nr_options; i++) {
		const char *value = params->option_values[i];

		/* kptrace passes only the options the descriptor lists: here, min. */
		ex->min = strtoull(value, &end, 10);
		if (!*value || *end || *value == '-') {
			snprintf(err, errsize, "option min=%s: not a number of nanoseconds",
				 value);
			free(ex);
			return NULL;
		}
	}
	ex->probes = calloc(ex->nr_probes ? ex->nr_probes : 1, sizeof(*ex->probes));
	if (!ex->probes) {
		snprintf(err, errsize, "out of memory");
		free(ex);
		return NULL;
	}
	return ex;
}

/* Called for every span: no allocation here, it is the hot path. */
static void example_span(void *state, const struct kpt_span *span)
{
	struct example *ex = state;
	struct slowest *s = &ex->probes[span->probe];
	uint64_t ns = span->end - span->start;

	if (ns < ex->min)
		return;
	s->count++;
	if (ns > s->longest) {
		s->longest = ns;
		s->tid = span->tid;
		/* The host's string is valid only now: keep a copy. */
		snprintf(s->comm, sizeof(s->comm), "%s", ex->host->comm(ex->host, span->tid));
	}
}

static int example_report(void *state, const struct kpt_report_params *report)
{
	struct example *ex = state;
	int i;

	for (i = 0; i < ex->nr_probes; i++) {
		const struct slowest *s = &ex->probes[i];

		if (ex->json)	/* one object a line; a real plugin escapes names */
			fprintf(ex->out, "{\"interval\":%d,\"probe\":\"%s\",\"spans\":%llu,\"longest_ns\":%llu,\"tid\":%d}\n",
				report->interval, ex->names[i], (unsigned long long)s->count,
				(unsigned long long)s->longest, s->tid);
		else if (s->count)
			fprintf(ex->out, "%s: %llu spans >= %llu ns, longest %llu ns (tid %d, %s)\n",
				ex->names[i], (unsigned long long)s->count,
				(unsigned long long)ex->min, (unsigned long long)s->longest,
				s->tid, s->comm);
		else
			fprintf(ex->out, "%s: no span >= %llu ns\n", ex->names[i],
				(unsigned long long)ex->min);
	}
	/* Like the built-in analysers, start again for the next interval. */
	memset(ex->probes, 0, ex->nr_probes * sizeof(*ex->probes));
	return fflush(ex->out) == 0 && !ferror(ex->out) ? 0 : -1;
}

static void example_destroy(void *state)
{
	struct example *ex = state;

	free(ex->probes);
	free(ex);
}

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "example",
	.summary = "spans per probe of at least min=NS, and the thread of the longest",
	.help = NULL,
	.options = example_options,
	.flags = KPT_ANALYSER_SPANS,
	.create = example_create,
	.span = example_span,
	.report = example_report,
	.destroy = example_destroy,
};
