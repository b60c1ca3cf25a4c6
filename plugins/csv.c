// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * csv: one line per span, for spreadsheets and pandas (kptrace-plugins(7)).
 *
 *	start_ns,duration_ns,pid,tid,comm,cpu,probe,args,ret
 *
 * Every probe shares these columns, so one file holds any mix of probes:
 * the entry's arguments are one field of space-separated name=value pairs
 * (logfmt: a value with a space, a quote, a backslash or an '=' in it, or an
 * empty one, is written in double quotes with '"' and '\' escaped by a
 * backslash), and ret is the exit event's only argument (the return value),
 * or its name=value pairs when it carries several. Fields are quoted as RFC
 * 4180 says when they hold a comma, a double quote or a line break.
 *
 * It uses only <kptrace/analyser.h> and libc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kptrace/analyser.h>

#define CSV_VALUE_MAX	4096	/* one argument's text; longer ones are cut */
#define CSV_FIELD_MAX	16384	/* one args or ret field; further pairs are left out */

struct csv {
	const struct kpt_host *host;
	const char *const *probe_names;
	int nr_probes;
	FILE *out;
	const char *path;		/* file=, or NULL for the run's output */
	bool own_out;			/* we opened @out */
	char value[CSV_VALUE_MAX];	/* scratch: one argument's text */
	char field[CSV_FIELD_MAX];	/* scratch: one field before quoting */
};

static const struct kpt_analyser_option csv_options[] = {
	{ "file", "PATH: write the lines to PATH (replaced if it exists) instead of the run's output" },
	{ NULL, NULL }
};

/* Write @s as one CSV field, in double quotes (doubled inside) when RFC 4180 needs them. */
static void csv_put_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

/* Append @s to @buf (of @size, holding @len bytes); returns the new length, @size on overflow. */
static size_t csv_append(char *buf, size_t size, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len >= size || n >= size - len)
		return size;
	memcpy(buf + len, s, n + 1);
	return len + n;
}

/* Append a logfmt value: bare when it needs no quotes, else quoted with \" and \\. */
static size_t csv_append_value(char *buf, size_t size, size_t len, const char *v)
{
	char one[2] = "";

	if (*v && !strpbrk(v, " \t\"\\=\r\n"))
		return csv_append(buf, size, len, v);
	len = csv_append(buf, size, len, "\"");
	for (; *v && len < size; v++) {
		if (*v == '"' || *v == '\\')
			len = csv_append(buf, size, len, "\\");
		one[0] = *v;
		len = csv_append(buf, size, len, one);
	}
	return csv_append(buf, size, len, "\"");
}

/*
 * @ev's arguments into csv->field: name=value pairs, or, when @bare and there is
 * exactly one argument, its value alone. An event without a payload gives "".
 */
static const char *csv_args(struct csv *csv, const struct kpt_event *ev, bool bare)
{
	const struct kpt_host *host = csv->host;
	size_t len = 0, size = sizeof(csv->field);
	int i, nr;

	csv->field[0] = '\0';
	if (!ev || !ev->data)
		return csv->field;
	nr = host->nr_args(ev);
	if (bare && nr == 1) {
		if (host->arg_text(ev, 0, csv->value, sizeof(csv->value)) < 0)
			csv->value[0] = '\0';
		return csv->value;
	}
	for (i = 0; i < nr; i++) {
		size_t before = len;

		if (host->arg_text(ev, i, csv->value, sizeof(csv->value)) < 0)
			csv->value[0] = '\0';
		if (i)
			len = csv_append(csv->field, size, len, " ");
		len = csv_append(csv->field, size, len, host->arg_name(ev, i));
		len = csv_append(csv->field, size, len, "=");
		len = csv_append_value(csv->field, size, len, csv->value);
		if (len >= size) {	/* leave the pair out whole, not half of it */
			csv->field[before] = '\0';
			break;
		}
	}
	return csv->field;
}

static void csv_span(void *state, const struct kpt_span *span)
{
	struct csv *csv = state;
	const char *probe = span->probe >= 0 && span->probe < csv->nr_probes ?
			    csv->probe_names[span->probe] : "";
	FILE *out = csv->out;

	/* ABI 1.0 gives the thread only: the pid column holds the tid (kptrace-plugins(7)). */
	fprintf(out, "%llu,%llu,%d,%d,", (unsigned long long)span->start,
		(unsigned long long)(span->end - span->start), span->tid, span->tid);
	csv_put_field(out, csv->host->comm(csv->host, span->tid));
	fprintf(out, ",%d,", span->cpu);
	csv_put_field(out, probe);
	putc(',', out);
	csv_put_field(out, csv_args(csv, span->entry, false));
	putc(',', out);
	csv_put_field(out, csv_args(csv, span->exit, true));
	putc('\n', out);
}

static int csv_report(void *state, const struct kpt_report_params *report)
{
	struct csv *csv = state;

	if (fflush(csv->out) == 0 && !ferror(csv->out))
		return 0;
	fprintf(stderr, "csv: cannot write to %s: %s\n", csv->path ? csv->path : "the output",
		strerror(errno));
	return -1;
}

static void csv_destroy(void *state)
{
	struct csv *csv = state;

	if (csv->own_out)
		fclose(csv->out);
	free(csv);
}

static void *csv_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	struct csv *csv;
	int i;

	csv = calloc(1, sizeof(*csv));
	if (!csv) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	csv->host = params->host;
	csv->probe_names = params->probe_names;
	csv->nr_probes = params->nr_probes;
	csv->out = params->out;
	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "file") != 0) {
			snprintf(err, errsize, "unknown option '%s' (csv takes file=PATH)",
				 params->option_names[i]);
			goto fail;
		}
		if (csv->path) {
			snprintf(err, errsize, "option file= is given twice ('%s' and '%s')",
				 csv->path, params->option_values[i]);
			goto fail;
		}
		csv->path = params->option_values[i];
		if (!*csv->path) {
			snprintf(err, errsize, "option file= needs a path (file=PATH)");
			goto fail;
		}
	}
	if (csv->path) {
		csv->out = fopen(csv->path, "we");
		if (!csv->out) {
			snprintf(err, errsize, "option file=%s: cannot create the file: %s",
				 csv->path, strerror(errno));
			goto fail;
		}
		csv->own_out = true;
	}
	fputs("start_ns,duration_ns,pid,tid,comm,cpu,probe,args,ret\n", csv->out);
	return csv;
fail:
	free(csv);
	return NULL;
}

const struct kpt_analyser_desc kptrace_analyser = {
	KPT_ANALYSER_ABI,
	.name = "csv",
	.summary = "one CSV line per span (times, thread, CPU, probe, arguments, return value)",
	.help = "Columns: start_ns,duration_ns,pid,tid,comm,cpu,probe,args,ret, with a header line.\n"
		"args holds the entry's arguments as name=value pairs; ret the return value.\n"
		"pid holds the thread id: analyser ABI 1.0 does not give the process id.",
	.options = csv_options,
	.flags = KPT_ANALYSER_SPANS | KPT_ANALYSER_ENTRY_FIELDS,
	.create = csv_create,
	.span = csv_span,
	.report = csv_report,
	.destroy = csv_destroy,
};
