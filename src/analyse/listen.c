// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The built-in analyser "listen": latency histograms for Prometheus, served
 * at http://ADDR:PORT/metrics by libmicrohttpd (kptrace latency -i SECONDS
 * --listen ADDR:PORT).
 *
 * Figures are totals since the start, as Prometheus counters must be. The
 * engine's thread counts spans; at every report it writes the exposition
 * into a new page and swaps it in under a lock; the server's thread only
 * copies the current page out. Memory is flat over days: a series per probe,
 * and with --by one per key up to MAX_GROUPS, past which calls of new keys
 * count under the key "other".
 */
#ifdef HAVE_MICROHTTPD
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "analyse/analyser.h"
#include "analyse/key.h"
#include "output/openmetrics.h"
#include "util.h"

#define NR_BOUNDS	KPT_OM_LOG2_BOUNDS
#define MAX_GROUPS	4096
#define OTHER_KEY	UINT64_MAX

struct series {
	int probe;
	uint64_t key;			/* the key's value; OTHER_KEY past MAX_GROUPS */
	char key_text[64];
	uint64_t sum_ns;
	uint64_t counts[NR_BOUNDS + 1];
};

struct listen {
	const struct kpt_run_params *run;
	const struct kpt_host *host;
	struct kpt_key *key;		/* --by KEY, or NULL */
	char label[64];			/* the key's label name: "pid", "arg_size" */
	int nr_probes;
	uint64_t bounds[NR_BOUNDS];
	struct series *whole;		/* [nr_probes] */
	struct series **groups;		/* hash of (probe, key); NULL: free */
	unsigned int nr_slots;
	unsigned int nr_groups;
	struct kpt_pair_counts *pairs;	/* [nr_probes], totals */
	struct kpt_loss loss;		/* totals */
	pthread_mutex_t lock;		/* guards page and page_len */
	char *page;
	size_t page_len;
	struct MHD_Daemon *daemon;
};

static const struct kpt_analyser_option listen_options[] = {
	{ "listen", "ADDR:PORT: where to serve /metrics (required); [ADDR]:PORT for IPv6" },
	{ "by", "KEY: a series per probe and key (as latency's --by), labelled with the key" },
	{ NULL, NULL },
};

static unsigned int hash_of(int probe, uint64_t key, unsigned int nr_slots)
{
	uint64_t h = (key + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)probe << 32);

	return (unsigned int)(h ^ (h >> 29)) & (nr_slots - 1);
}

static struct series **find_slot(struct listen *ls, int probe, uint64_t key)
{
	unsigned int i = hash_of(probe, key, ls->nr_slots);

	while (ls->groups[i] && (ls->groups[i]->probe != probe || ls->groups[i]->key != key))
		i = (i + 1) & (ls->nr_slots - 1);
	return &ls->groups[i];
}

/* The series of (@probe, @val), made when new; past MAX_GROUPS, the probe's "other". */
static struct series *group_series(struct listen *ls, int probe, uint64_t val)
{
	struct series **slot = find_slot(ls, probe, val), *s;

	if (*slot)
		return *slot;
	if (ls->nr_groups >= MAX_GROUPS) {
		val = OTHER_KEY;
		slot = find_slot(ls, probe, val);
		if (*slot)
			return *slot;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->probe = probe;
	s->key = val;
	if (val == OTHER_KEY)
		strcpy(s->key_text, "other");
	else
		kpt_key_format(ls->key, probe, val, s->key_text, sizeof(s->key_text));
	*slot = s;
	ls->nr_groups++;
	return s;
}

static void count(struct listen *ls, struct series *s, uint64_t ns)
{
	s->counts[kpt_om_bucket(ls->bounds, NR_BOUNDS, ns)]++;
	s->sum_ns += ns;
}

static void listen_span(void *state, const struct kpt_span *span)
{
	struct listen *ls = state;
	uint64_t ns = span->end - span->start;
	struct series *s;
	uint64_t val;

	count(ls, &ls->whole[span->probe], ns);
	if (ls->key && kpt_key_of_span(ls->key, span, &val) == 0 &&
	    (s = group_series(ls, span->probe, val)))
		count(ls, s, ns);
}

static const struct kpt_key *sort_key;	/* qsort has no context argument */

/* By probe, then by key as latency orders its groups, "other" last. */
static int by_probe_key(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;

	if (x->probe != y->probe)
		return x->probe < y->probe ? -1 : 1;
	if (x->key == OTHER_KEY || y->key == OTHER_KEY)
		return (x->key == OTHER_KEY) - (y->key == OTHER_KEY);
	return kpt_key_compare(sort_key, x->probe, x->key, y->key);
}

static void write_series(struct listen *ls, FILE *f, const struct series *s, bool keyed)
{
	struct kpt_om_label labels[2] = {
		{ "probe", ls->run->params.probe_names[s->probe] },
		{ ls->label, s->key_text },
	};

	kpt_om_histogram(f, labels, keyed ? 2 : 1, ls->bounds, NR_BOUNDS, s->counts, s->sum_ns);
}

/* The exposition of everything so far; NULL on allocation failure. */
static char *exposition(struct listen *ls, size_t *len)
{
	struct series **sorted = NULL;
	unsigned int i, j = 0;
	char *text = NULL;
	FILE *f;
	int p;

	if (ls->nr_groups) {
		sorted = malloc(ls->nr_groups * sizeof(*sorted));
		if (!sorted)
			return NULL;
		for (i = 0; i < ls->nr_slots; i++) {
			if (ls->groups[i])
				sorted[j++] = ls->groups[i];
		}
		sort_key = ls->key;
		qsort(sorted, ls->nr_groups, sizeof(*sorted), by_probe_key);
	}
	f = open_memstream(&text, len);
	if (!f) {
		free(sorted);
		return NULL;
	}
	kpt_om_histogram_help(f);
	for (p = 0; p < ls->nr_probes; p++)
		write_series(ls, f, &ls->whole[p], false);
	for (i = 0; i < ls->nr_groups; i++)
		write_series(ls, f, sorted[i], true);
	kpt_om_pair_counters(f, ls->nr_probes, ls->run->params.probe_names, ls->pairs);
	kpt_om_loss_counters(f, &ls->loss);
	free(sorted);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Make the exposition of now the page the server gives out. */
static int publish(struct listen *ls)
{
	size_t len = 0;
	char *page = exposition(ls, &len), *old;

	if (!page) {
		kpt_err("--listen: out of memory writing the exposition");
		return -1;
	}
	pthread_mutex_lock(&ls->lock);
	old = ls->page;
	ls->page = page;
	ls->page_len = len;
	pthread_mutex_unlock(&ls->lock);
	free(old);
	return 0;
}

static int listen_report(void *state, const struct kpt_report_params *report)
{
	struct listen *ls = state;

	kpt_report_accumulate(ls->pairs, &ls->loss, ls->nr_probes, report);
	return publish(ls);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *response;
	enum MHD_Result ret;

	response = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

/* The server's thread: GET /metrics gives the current page; nothing else is served. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static const char not_found[] = "kptrace serves /metrics only\n";
	static const char bad_method[] = "GET /metrics\n";
	struct listen *ls = cls;
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method,
			     sizeof(bad_method) - 1);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			     sizeof(not_found) - 1);
	pthread_mutex_lock(&ls->lock);
	ret = reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", ls->page,
		    ls->page_len);
	pthread_mutex_unlock(&ls->lock);
	return ret;
}

/* "ADDR:PORT" or "[ADDR]:PORT" into an address to bind; -1 after writing why into @err. */
static int parse_addr(const char *text, struct addrinfo **ai, char *err, size_t errsize)
{
	const char *colon = strrchr(text, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	char host[256];
	size_t len;
	int rc;

	if (!colon || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
		snprintf(err, errsize, "--listen '%s': not ADDR:PORT (e.g. 127.0.0.1:9464, "
			 "[::1]:9464, 0.0.0.0:9464)", text);
		return -1;
	}
	len = colon - text;
	if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
	}
	if (len >= sizeof(host)) {
		snprintf(err, errsize, "--listen: the address is too long");
		return -1;
	}
	memcpy(host, text, len);
	host[len] = '\0';
	rc = getaddrinfo(len ? host : NULL, colon + 1, &hints, ai);
	if (rc) {
		snprintf(err, errsize, "--listen %s: %s", host, gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* Start the server with every signal blocked in its thread: the main loop takes them. */
static int start_server(struct listen *ls, const char *addr, char *err, size_t errsize)
{
	struct addrinfo *ai = NULL;
	sigset_t all, old;

	if (parse_addr(addr, &ai, err, errsize) < 0)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = 0;
	ls->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				      (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				      0, NULL, NULL, handle, ls,
				      MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				      MHD_OPTION_CONNECTION_LIMIT, 32u,
				      MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				      MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	freeaddrinfo(ai);
	if (!ls->daemon) {
		snprintf(err, errsize, "--listen %s: cannot serve there%s%s (is the port taken?)",
			 addr, errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

static void listen_destroy(void *state)
{
	struct listen *ls = state;
	unsigned int i;

	if (ls->daemon)
		MHD_stop_daemon(ls->daemon);
	for (i = 0; ls->groups && i < ls->nr_slots; i++)
		free(ls->groups[i]);
	free(ls->groups);
	free(ls->whole);
	free(ls->pairs);
	free(ls->page);
	kpt_key_free(ls->key);
	pthread_mutex_destroy(&ls->lock);
	free(ls);
}

/* A Prometheus label name for the key: "arg:size" becomes "arg_size". */
static void set_label(struct listen *ls)
{
	size_t i;

	snprintf(ls->label, sizeof(ls->label), "%s", kpt_key_label(ls->key));
	for (i = 0; ls->label[i]; i++) {
		char c = ls->label[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i && c >= '0' && c <= '9')))
			ls->label[i] = '_';
	}
}

static void *listen_create(const struct kpt_analyser_params *params, char *err, size_t errsize)
{
	const char *addr = NULL, *by = NULL;
	struct listen *ls;
	int i;

	for (i = 0; i < params->nr_options; i++) {
		if (strcmp(params->option_names[i], "listen") == 0)
			addr = params->option_values[i];
		else
			by = params->option_values[i];
	}
	if (!addr) {
		snprintf(err, errsize, "listen needs listen=ADDR:PORT");
		return NULL;
	}
	ls = calloc(1, sizeof(*ls));
	if (!ls) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ls->lock, NULL);
	ls->run = (const struct kpt_run_params *)params;
	ls->host = params->host;
	ls->nr_probes = params->nr_probes;
	kpt_om_log2_bounds(ls->bounds);
	if (by) {
		ls->key = kpt_key_alloc(by, params->host, params->nr_probes, params->probe_names,
					err, errsize);
		if (!ls->key)
			goto fail;
		set_label(ls);
	}
	/* at most half full: MAX_GROUPS series and the "other" ones fit */
	for (ls->nr_slots = 64; ls->nr_slots < 2 * (MAX_GROUPS + (unsigned int)ls->nr_probes);)
		ls->nr_slots *= 2;
	ls->groups = by ? calloc(ls->nr_slots, sizeof(*ls->groups)) : NULL;
	ls->whole = calloc(ls->nr_probes ? ls->nr_probes : 1, sizeof(*ls->whole));
	ls->pairs = calloc(ls->nr_probes ? ls->nr_probes : 1, sizeof(*ls->pairs));
	if ((by && !ls->groups) || !ls->whole || !ls->pairs) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	for (i = 0; i < ls->nr_probes; i++)
		ls->whole[i].probe = i;
	if (publish(ls) < 0) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	if (start_server(ls, addr, err, errsize) < 0)
		goto fail;
	return ls;
fail:
	listen_destroy(ls);
	return NULL;
}

const struct kpt_analyser_desc kpt_listen_analyser = {
	KPT_ANALYSER_ABI,
	.name = "listen",
	.summary = "latency histograms for Prometheus, served over HTTP at /metrics",
	.options = listen_options,
	.flags = KPT_ANALYSER_SPANS,
	.create = listen_create,
	.span = listen_span,
	.report = listen_report,
	.destroy = listen_destroy,
};
#endif /* HAVE_MICROHTTPD */
