// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * openmetrics: latency histograms and loss counters in the Prometheus text
 * exposition format, rewritten atomically at every report, for node_exporter's
 * textfile collector (kptrace-plugins(7)).
 *
 * Every figure is a total since the start of the run (Prometheus counters
 * never go down), whatever the report interval. Bucket bounds are kept in
 * nanoseconds and printed as exact decimal seconds, so "le" labels are stable.
 *
 * It uses only <kptrace/analyser.h>, libc, and the exposition writer that
 * kptrace latency --listen uses too (src/output/openmetrics.c, built in).
 */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kptrace/analyser.h>

#include "output/openmetrics.h"

#define OM_MAX_BUCKETS		64

struct om_probe {
	uint64_t sum_ns;
	uint64_t *buckets;		/* [nr_bounds + 1], not cumulative; the last is +Inf */
};

struct om {
	const char *path;		/* file= */
	char *tmpl;			/* "DIR/.NAME.XXXXXX", for mkstemp */
	int nr_probes;
	const char *const *probe_names;
	int nr_bounds;
	uint64_t bounds[OM_MAX_BUCKETS];	/* upper bounds, ns, increasing */
	struct om_probe *probes;
	struct kpt_pair_counts *pairs;	/* [nr_probes], totals */
	struct kpt_loss loss;		/* totals */
};

static const struct kpt_analyser_option om_options[] = {
	{ "file", "PATH: the file to write at every report (required), e.g. DIR/kptrace.prom in node_exporter's textfile directory" },
	{ "buckets", "S1,S2,...: upper bucket bounds in seconds, increasing (default 1us, 2us, 4us, ... 67.108864s)" },
	{ NULL, NULL }
};

static void om_span(void *state, const struct kpt_span *span)
{
	struct om *om = state;
	uint64_t ns = span->end - span->start;
	struct om_probe *p;

	if (span->probe < 0 || span->probe >= om->nr_probes)
		return;
	p = &om->probes[span->probe];
	p->buckets[kpt_om_bucket(om->bounds, om->nr_bounds, ns)]++;
	p->sum_ns += ns;
}

static void om_write_histograms(struct om *om, FILE *f)
{
	int i;

	kpt_om_histogram_help(f);
	for (i = 0; i < om->nr_probes; i++) {
		const struct kpt_om_label label = { "probe", om->probe_names[i] };

		kpt_om_histogram(f, &label, 1, om->bounds, om->nr_bounds, om->probes[i].buckets,
				 om->probes[i].sum_ns);
	}
}

static void om_write_counters(struct om *om, FILE *f)
{
	kpt_om_pair_counters(f, om->nr_probes, om->probe_names, om->pairs);
	kpt_om_loss_counters(f, &om->loss);
}

static void om_add(void *total, const void *part, size_t size)
{
	uint64_t *t = total;
	const uint64_t *p = part;
	size_t i;

	for (i = 0; i < size / sizeof(uint64_t); i++)
		t[i] += p[i];
}

/* Write everything into a new file next to file= and rename it over file=. */
static int om_write(struct om *om)
{
	const char *what = "create";
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s", om->tmpl);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto fail;
	what = "write";
	/* mkstemp makes it 0600; the textfile collector often runs as another user. */
	if (fchmod(fd, 0644) < 0)
		goto fail;
	f = fdopen(fd, "w");
	if (!f)
		goto fail;
	fd = -1;
	om_write_histograms(om, f);
	om_write_counters(om, f);
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		goto fail;
	}
	f = NULL;
	what = "rename";
	if (rename(tmp, om->path) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "openmetrics: cannot %s %s: %s\n", what,
		strcmp(what, "rename") ? tmp : om->path, strerror(errno));
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (strcmp(what, "create") != 0)
		unlink(tmp);
	return -1;
}

static int om_report(void *state, const struct kpt_report_params *report)
{
	struct om *om = state;
	int i;

	for (i = 0; report->pairs && i < om->nr_probes; i++)
		om_add(&om->pairs[i], &report->pairs[i], sizeof(struct kpt_pair_counts));
	if (report->loss)
		om_add(&om->loss, report->loss, sizeof(struct kpt_loss));
	return om_write(om);
}

static void om_destroy(void *state)
{
	struct om *om = state;
	int i;

	for (i = 0; om->probes && i < om->nr_probes; i++)
		free(om->probes[i].buckets);
	free(om->probes);
	free(om->pairs);
	free(om->tmpl);
	free(om);
}

static void om_default_bounds(struct om *om)
{
	om->nr_bounds = KPT_OM_LOG2_BOUNDS;
	kpt_om_log2_bounds(om->bounds);
}

/* buckets=S1,S2,...: seconds, increasing, each a whole number of nanoseconds or more. */
static int om_parse_bounds(struct om *om, const char *list, char *err, size_t errsize)
{
	const char *s = list;

	om->nr_bounds = 0;
	while (*s) {
		char *end;
		double sec;
		uint64_t ns;

		errno = 0;
		sec = strtod(s, &end);
		if (end == s || (*end && *end != ',') || errno || !(sec > 0 && sec <= 1e9)) {
			snprintf(err, errsize, "option buckets=%s: '%.*s' is not a number of seconds > 0 (give increasing bounds such as buckets=0.001,0.01,0.1,1)",
				 list, (int)strcspn(s, ","), s);
			return -1;
		}
		ns = (uint64_t)(sec * 1e9 + 0.5);
		if (ns == 0 || (om->nr_bounds && ns <= om->bounds[om->nr_bounds - 1])) {
			snprintf(err, errsize, "option buckets=%s: bound %.*s is not above the one before it (in whole nanoseconds); give them increasing",
				 list, (int)(end - s), s);
			return -1;
		}
		if (om->nr_bounds == OM_MAX_BUCKETS) {
			snprintf(err, errsize, "option buckets=%s: more than %d bounds", list,
				 OM_MAX_BUCKETS);
			return -1;
		}
		om->bounds[om->nr_bounds++] = ns;
		s = *end ? end + 1 : end;
		if (*end && !*s) {
			snprintf(err, errsize, "option buckets=%s: ends with a comma", list);
			return -1;
		}
	}
	if (!om->nr_bounds) {
		snprintf(err, errsize, "option buckets= is empty (give e.g. buckets=0.001,0.01,0.1,1)");
		return -1;
	}
	return 0;
}

/* file=: the target's directory must be writable, for the temporary file and the rename. */
static int om_set_path(struct om *om, const char *path, char *err, size_t errsize)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct stat st;
	char *dir;
	int ret = -1;

	if (!*base) {
		snprintf(err, errsize, "option file=%s: names a directory; give a file in it, e.g. file=%skptrace.prom",
			 path, path);
		return -1;
	}
	dir = !slash ? strdup(".") : slash == path ? strdup("/") : strndup(path, slash - path);
	if (!dir || asprintf(&om->tmpl, "%s/.%s.XXXXXX", slash == path ? "" : dir, base) < 0) {
		om->tmpl = NULL;
		snprintf(err, errsize, "out of memory");
		goto out;
	}
	if (stat(dir, &st) < 0 || access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errsize, "option file=%s: cannot write in directory %s: %s", path, dir,
			 strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsize, "option file=%s: %s is not a directory", path, dir);
		goto out;
	}
	om->path = path;
	ret = 0;
out:
	free(dir);
	return ret;
}

static int om_options_parse(struct om *om, const struct kpt_analyser_params *params,
			    char *err, size_t errsize)
{
	const char *file = NULL, *buckets = NULL;
	int i;

	for (i = 0; i < params->nr_options; i++) {
		const char *name = params->option_names[i];
		const char **slot = !strcmp(name, "file") ? &file :
				    !strcmp(name, "buckets") ? &buckets : NULL;

		if (!slot) {
			snprintf(err, errsize, "unknown option '%s' (openmetrics takes file=PATH and buckets=S1,S2,...)",
				 name);
			return -1;
		}
		if (*slot) {
			snprintf(err, errsize, "option %s= is given twice ('%s' and '%s')", name,
				 *slot, params->option_values[i]);
			return -1;
		}
		*slot = params->option_values[i];
	}
	if (!file || !*file) {
		snprintf(err, errsize, "option file=PATH is required: the file written at every report, e.g. --plugin-opt file=/var/lib/node_exporter/textfile/kptrace.prom");
		return -1;
	}
	if (buckets && om_parse_bounds(om, buckets, err, errsize) < 0)
		return -1;
	if (!buckets)
		om_default_bounds(om);
	return om_set_path(om, file, err, errsize);
}

static void *om_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct om *om;
	int i;

	om = calloc(1, sizeof(*om));
	if (!om)
		goto nomem;
	om->nr_probes = params->nr_probes;
	om->probe_names = params->probe_names;
	if (om_options_parse(om, params, err, errsize) < 0)
		goto fail;
	om->probes = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*om->probes));
	om->pairs = calloc(params->nr_probes ? params->nr_probes : 1, sizeof(*om->pairs));
	if (!om->probes || !om->pairs)
		goto nomem;
	for (i = 0; i < om->nr_probes; i++) {
		om->probes[i].buckets = calloc(om->nr_bounds + 1, sizeof(uint64_t));
		if (!om->probes[i].buckets)
			goto nomem;
	}
	return om;
nomem:
	snprintf(err, errsize, "out of memory");
fail:
	if (om)
		om_destroy(om);
	return NULL;
}

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "openmetrics",
	.summary = "latency histograms and loss counters for Prometheus, in a file rewritten at every report",
	.help = "Writes file=PATH atomically (temporary file, fsync, rename) at every -i interval\n"
		"and at the end: per probe the histogram kptrace_latency_seconds, and counters of\n"
		"unpaired and lost events, all totals since the start of the run.",
	.options = om_options,
	.flags = KPT_ANALYSER_SPANS,
	.create = om_create,
	.span = om_span,
	.report = om_report,
	.destroy = om_destroy,
};
