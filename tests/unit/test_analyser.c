// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analyser seam without a kernel: canned event formats and raw records
 * through the decoder, the host's argument accessors, the pairer keeping
 * entries, and the built-in analysers (latency, count, trace) fed by the
 * engine, with their exact text and JSON output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event-parse.h>
#include <json.h>

#include "analyse/analyser.h"
#include "analyse/host.h"
#include "pipeline/decode.h"
#include "pipeline/engine.h"
#include "pipeline/pair.h"
#include "suites.h"

#define ENTRY_ID	700
#define EXIT_ID		701
#define OTHER_ID	702

#define COMMON_FIELDS \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

/* A uprobe with a u32 and a string fetch-arg, and its return probe with a signed return. */
static const char entry_format[] =
	"name: p_work\nID: 700\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u32 usec;\toffset:16;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:20;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"(%lx) usec=%u name=\\\"%s\\\"\", REC->__probe_ip, REC->usec, "
	"__get_str(name)\n";
static const char exit_format[] =
	"name: r_work\nID: 701\nformat:\n" COMMON_FIELDS
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:s32 ret;\toffset:24;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"(%lx <- %lx) ret=%d\", REC->__probe_func, REC->__probe_ret_ip, REC->ret\n";
static const char other_format[] =
	"name: other\nID: 702\nformat:\n" COMMON_FIELDS
	"\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	"print fmt: \"x=%d\", REC->x\n";

static struct tep_handle *canned_tep(void)
{
	struct tep_handle *tep = tep_alloc();
	struct tep_event *event;

	ck_assert_ptr_nonnull(tep);
	tep_set_file_bigendian(tep, tep_is_local_bigendian(tep));
	tep_set_long_size(tep, 8);
	ck_assert_int_eq(tep_parse_format(tep, &event, entry_format, strlen(entry_format), "kpt"), 0);
	ck_assert_int_eq(tep_parse_format(tep, &event, exit_format, strlen(exit_format), "kpt"), 0);
	ck_assert_int_eq(tep_parse_format(tep, &event, other_format, strlen(other_format), "kpt"), 0);
	return tep;
}

/* Raw payloads in the host's byte order, as the ring buffer holds them. */
struct raw {
	unsigned char data[64];
	int size;
};

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }

static struct raw raw_entry(int tid, uint32_t usec, const char *name)
{
	struct raw r = { { 0 } };
	int len = strlen(name) + 1;

	put16(r.data, ENTRY_ID);
	put32(r.data + 4, tid);
	put32(r.data + 16, usec);
	put32(r.data + 20, (uint32_t)len << 16 | 24);	/* __data_loc: length, offset */
	memcpy(r.data + 24, name, len);
	r.size = 24 + len;
	return r;
}

static struct raw raw_exit(int tid, int32_t ret)
{
	struct raw r = { { 0 } };

	put16(r.data, EXIT_ID);
	put32(r.data + 4, tid);
	put32(r.data + 24, (uint32_t)ret);
	r.size = 28;
	return r;
}

static struct kpt_decoder *canned_decoder(struct tep_handle *tep)
{
	struct kpt_decoder *decoder = kpt_decoder_alloc(tep);

	ck_assert_ptr_nonnull(decoder);
	ck_assert_int_eq(kpt_decoder_add(decoder, "kpt", "p_work", 0, KPT_ROLE_ENTRY), 0);
	ck_assert_int_eq(kpt_decoder_add(decoder, "kpt", "r_work", 0, KPT_ROLE_EXIT), 0);
	return decoder;
}

static struct kpt_record record_of(struct raw *raw, uint64_t ts, int cpu)
{
	return (struct kpt_record){ .ts = ts, .data = raw->data, .size = raw->size, .cpu = cpu };
}

START_TEST(test_decode_probe_role_tid)
{
	struct tep_handle *tep = canned_tep();
	struct kpt_decoder *decoder = canned_decoder(tep);
	struct raw entry = raw_entry(4242, 1500, "a"), exit = raw_exit(4243, -2), other = exit;
	struct kpt_record rec;
	struct kpt_event ev;

	rec = record_of(&entry, 1000, 3);
	ck_assert_int_eq(kpt_decoder_type(decoder, &rec), ENTRY_ID);
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 1);
	ck_assert_uint_eq(ev.ts, 1000);
	ck_assert_int_eq(ev.cpu, 3);
	ck_assert_int_eq(ev.tid, 4242);
	ck_assert_int_eq(ev.probe, 0);
	ck_assert_int_eq(ev.role, KPT_ROLE_ENTRY);
	ck_assert_str_eq(ev.format->name, "p_work");
	ck_assert_ptr_eq(ev.data, entry.data);
	ck_assert_int_eq(ev.size, entry.size);

	rec = record_of(&exit, 2000, 1);
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 1);
	ck_assert_int_eq(ev.tid, 4243);
	ck_assert_int_eq(ev.role, KPT_ROLE_EXIT);
	ck_assert_str_eq(ev.format->name, "r_work");

	/* an event the decoder was not given, an id past its table, a record too short */
	put16(other.data, OTHER_ID);
	rec = record_of(&other, 3000, 0);
	ck_assert_int_eq(kpt_decoder_type(decoder, &rec), OTHER_ID);
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 0);
	put16(other.data, 9999);
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 0);
	rec = record_of(&exit, 3000, 0);
	rec.size = 6;
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 0);
	ck_assert_int_eq(kpt_decoder_add(decoder, "kpt", "nosuch", 1, KPT_ROLE_ENTRY), -1);

	kpt_decoder_free(decoder);
	tep_free(tep);
}
END_TEST

START_TEST(test_host_arguments)
{
	struct tep_handle *tep = canned_tep();
	struct kpt_decoder *decoder = canned_decoder(tep);
	struct kpt_host *host = kpt_host_alloc(NULL, NULL);
	struct raw entry = raw_entry(7, 1500, "/etc/passwd"), exit = raw_exit(7, -2);
	struct kpt_record rec = record_of(&entry, 1, 0);
	struct kpt_event ev;
	char text[64];
	uint64_t val;

	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 1);
	/* __probe_ip is the probe's, not an argument */
	ck_assert_int_eq(host->nr_args(&ev), 2);
	ck_assert_str_eq(host->arg_name(&ev, 0), "usec");
	ck_assert_str_eq(host->arg_name(&ev, 1), "name");
	ck_assert_ptr_null(host->arg_name(&ev, 2));
	ck_assert_int_eq(host->arg_index(&ev, "name"), 1);
	ck_assert_int_eq(host->arg_index(&ev, "__probe_ip"), -1);
	ck_assert_int_eq(host->arg_u64(&ev, 0, &val), 0);
	ck_assert_uint_eq(val, 1500);
	ck_assert_int_eq(host->arg_text(&ev, 0, text, sizeof(text)), 4);
	ck_assert_str_eq(text, "1500");
	ck_assert_int_eq(host->arg_u64(&ev, 1, &val), -1);
	ck_assert_int_eq(host->arg_text(&ev, 1, text, sizeof(text)), 11);
	ck_assert_str_eq(text, "/etc/passwd");
	/* cut to the buffer, always terminated */
	ck_assert_int_eq(host->arg_text(&ev, 1, text, 5), 4);
	ck_assert_str_eq(text, "/etc");
	ck_assert_str_eq(host->event_system(&ev), "kpt");
	ck_assert_str_eq(host->event_name(&ev), "p_work");

	rec = record_of(&exit, 2, 0);
	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 1);
	ck_assert_int_eq(host->nr_args(&ev), 1);
	ck_assert_int_eq(host->arg_text(&ev, 0, text, sizeof(text)), 2);
	ck_assert_str_eq(text, "-2");
	ck_assert_int_eq(host->arg_u64(&ev, 0, &val), 0);
	ck_assert_int_eq((int64_t)val, -2);

	kpt_host_free(host);
	kpt_decoder_free(decoder);
	tep_free(tep);
}
END_TEST

static const char *file_comm(void *ctx, int tid)
{
	return tid == 7 ? "worker" : NULL;
}

START_TEST(test_host_comm)
{
	struct kpt_host *file = kpt_host_alloc(file_comm, NULL);
	struct kpt_host *live = kpt_host_alloc(NULL, NULL);
	char own[32];
	FILE *f = fopen("/proc/self/comm", "r");

	ck_assert_str_eq(file->comm(file, 7), "worker");
	ck_assert_str_eq(file->comm(file, 8), "<...>");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(own, sizeof(own), f));
	fclose(f);
	own[strcspn(own, "\n")] = '\0';
	ck_assert_str_eq(live->comm(live, getpid()), own);
	ck_assert_str_eq(live->comm(live, getpid()), own);	/* from the cache */
	ck_assert_str_eq(live->comm(live, 0), "<idle>");
	kpt_host_free(file);
	kpt_host_free(live);
}
END_TEST

/* Spans with the entry's payload, kept across nesting, and none without asking. */
struct kept {
	int n;
	uint32_t usec[4];
	char name[4][16];
	bool data[4];
};

static void keep_span(void *ctx, const struct kpt_span *span)
{
	struct kept *k = ctx;

	ck_assert_int_lt(k->n, 4);
	k->data[k->n] = span->entry->data != NULL;
	if (span->entry->data) {
		const unsigned char *p = span->entry->data;
		uint32_t loc;

		ck_assert_ptr_nonnull(span->entry->format);
		memcpy(&k->usec[k->n], p + 16, 4);
		memcpy(&loc, p + 20, 4);
		snprintf(k->name[k->n], sizeof(k->name[0]), "%s", (const char *)p + (loc & 0xffff));
	}
	k->n++;
}

static void feed_raw(struct kpt_pairer *pairer, const struct kpt_decoder *decoder, struct raw *raw,
		     uint64_t ts)
{
	struct kpt_record rec = record_of(raw, ts, 0);
	struct kpt_event ev;

	ck_assert_int_eq(kpt_decoder_decode(decoder, &rec, &ev), 1);
	kpt_pairer_feed(pairer, &ev);
	memset(raw->data, 0xee, sizeof(raw->data));	/* the ring buffer moves on */
}

START_TEST(test_pair_keeps_entries)
{
	struct tep_handle *tep = canned_tep();
	struct kpt_decoder *decoder = canned_decoder(tep);
	struct kept kept = { 0 }, bare = { 0 };
	struct kpt_pairer *pairer = kpt_pairer_alloc(1, keep_span, &kept);
	struct kpt_pairer *plain = kpt_pairer_alloc(1, keep_span, &bare);
	struct raw r;

	kpt_pairer_keep_entries(pairer);
	/* outer(10, "outer") { inner(20, "a much longer name") } and an unnested call */
	r = raw_entry(5, 10, "outer");
	feed_raw(pairer, decoder, &r, 1);
	r = raw_entry(5, 20, "a longer name");
	feed_raw(pairer, decoder, &r, 2);
	r = raw_exit(5, 0);
	feed_raw(pairer, decoder, &r, 3);
	r = raw_exit(5, 0);
	feed_raw(pairer, decoder, &r, 4);
	r = raw_entry(5, 30, "again");
	feed_raw(pairer, decoder, &r, 5);
	r = raw_exit(5, 0);
	feed_raw(pairer, decoder, &r, 6);
	ck_assert_int_eq(kept.n, 3);
	ck_assert(kept.data[0] && kept.data[1] && kept.data[2]);
	ck_assert_uint_eq(kept.usec[0], 20);
	ck_assert_str_eq(kept.name[0], "a longer name");
	ck_assert_uint_eq(kept.usec[1], 10);
	ck_assert_str_eq(kept.name[1], "outer");
	ck_assert_uint_eq(kept.usec[2], 30);
	ck_assert_str_eq(kept.name[2], "again");

	r = raw_entry(5, 10, "outer");
	feed_raw(plain, decoder, &r, 1);
	r = raw_exit(5, 0);
	feed_raw(plain, decoder, &r, 2);
	ck_assert_int_eq(bare.n, 1);
	ck_assert(!bare.data[0]);

	kpt_pairer_free(pairer);
	kpt_pairer_free(plain);
	kpt_decoder_free(decoder);
	tep_free(tep);
}
END_TEST

/*
 * An analyser run over canned records, its output in memory: thread 5 calls
 * work(1500, "x") for 1000 ns and work(20, "y") for 3000 ns; thread 6 returns
 * once without an entry; thread 5's third call is open at the end.
 */
struct canned_run {
	struct tep_handle *tep;
	struct kpt_decoder *decoder;
	struct kpt_host *host;
	struct kpt_analysers *set;
	struct kpt_engine *engine;
	char *text;
	size_t size;
	FILE *out;
};

static const char *const probe_names[] = { "work" };

static const char *canned_input;	/* params.input and command "report" when set */

/* Start @desc with the options @keys[i]=@values[i], as the run skeleton does. */
static void canned_start_opts(struct canned_run *run, const struct kpt_analyser_desc *desc,
			      bool json, int nr, const char *const *keys, const char *const *values)
{
	struct kpt_run_params params = { { 0 } };
	int i;

	memset(run, 0, sizeof(*run));
	run->tep = canned_tep();
	run->decoder = canned_decoder(run->tep);
	run->host = kpt_host_alloc(file_comm, NULL);
	run->out = open_memstream(&run->text, &run->size);
	ck_assert_ptr_nonnull(run->out);
	params.params = (struct kpt_analyser_params){
		.host = run->host,
		.nr_probes = 1,
		.probe_names = probe_names,
		.json = json,
		.out = run->out,
		.clock = "mono",
	};
	params.backend = "tracefs";
	params.params.input = canned_input;
	params.command = canned_input ? "report" : NULL;
	for (i = 0; i < nr; i++) {
		if (strcmp(keys[i], "by") == 0 && strncmp(values[i], "arg:", 4) == 0)
			params.flags |= KPT_ANALYSER_ENTRY_FIELDS;
	}
	run->set = kpt_analysers_alloc();
	ck_assert_ptr_nonnull(run->set);
	ck_assert_int_eq(kpt_analysers_add(run->set, desc, "built in", nr, keys, values, &params),
			 0);
	run->engine = kpt_engine_alloc(run->decoder, 1, 1, run->set);
	ck_assert_ptr_nonnull(run->engine);
}

static void canned_start(struct canned_run *run, const struct kpt_analyser_desc *desc, bool json,
			 const char *by)
{
	static const char *const keys[] = { "by" };

	canned_start_opts(run, desc, json, by ? 1 : 0, keys, &by);
}

static void canned_feed(struct canned_run *run)
{
	struct raw r[6] = {
		raw_entry(5, 1500, "x"), raw_exit(5, 0), raw_exit(6, -1),
		raw_entry(5, 20, "y"), raw_exit(5, -2), raw_entry(5, 7, "z"),
	};
	static const uint64_t ts[6] = { 1000000000, 1000001000, 1000001500, 1000002000,
					1000005000, 1000006000 };
	int i;

	for (i = 0; i < 6; i++) {
		struct kpt_record rec = record_of(&r[i], ts[i], i % 2);

		kpt_engine_record(run->engine, &rec);
	}
}

static const char *canned_report(struct canned_run *run, int interval, bool final)
{
	struct kpt_loss loss = { .overrun = 3 };

	ck_assert_int_eq(kpt_engine_report(run->engine, interval, final, 2.0, &loss), 0);
	fflush(run->out);
	return run->text;
}

static void canned_free(struct canned_run *run)
{
	kpt_engine_free(run->engine);
	kpt_analysers_free(run->set);
	fclose(run->out);
	free(run->text);
	kpt_host_free(run->host);
	kpt_decoder_free(run->decoder);
	tep_free(run->tep);
}

START_TEST(test_latency_text)
{
	struct canned_run run;

	canned_start(&run, &kpt_latency_analyser, false, NULL);
	canned_feed(&run);
	ck_assert_str_eq(canned_report(&run, 0, true),
		"\nTraced 1 probe for 2.00 s.\n"
		"\nwork\n"
		"  count 2  min 1.00 us  avg 2.00 us  max 3.00 us\n"
		"  p50 1.00 us  p90 3.00 us  p99 3.00 us  p99.9 3.00 us\n"
		"  unpaired: 1 returns without entry, 0 calls whose return was lost, 0 calls open "
		"when their thread exited, 1 calls still open at the end\n"
		"\n"
		"     nsecs               : count     distribution\n"
		"       512 -> 1023       : 1        |****************************************|\n"
		"      1024 -> 2047       : 0        |                                        |\n"
		"      2048 -> 4095       : 1        |****************************************|\n"
		"\nLOST EVENTS: 3 overwritten (overrun), 0 dropped, 0 buffer pages flagged with "
		"missed events, 0 probe misses (kprobe_profile nmissed), 0 lost in perf ring "
		"buffers\n"
		"What is printed above is incomplete: raise --buffer-size, or trace fewer events.\n");
	canned_free(&run);
}
END_TEST

START_TEST(test_latency_by_comm_json)
{
	struct canned_run run;
	struct json_object *doc, *probes, *p;

	canned_start(&run, &kpt_latency_analyser, true, "comm");
	canned_feed(&run);
	doc = json_tokener_parse(canned_report(&run, 0, true));
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "kptrace")), "latency");
	probes = json_object_object_get(doc, "probes");
	ck_assert_int_eq(json_object_array_length(probes), 2);
	p = json_object_array_get_idx(probes, 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "name")), "work");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "count")), 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "min_ns")), 1000);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "max_ns")), 3000);
	p = json_object_array_get_idx(probes, 1);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "name")),
			 "work [comm <...>]");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "count")), 2);
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

START_TEST(test_latency_intervals_restart)
{
	struct canned_run run;
	struct json_object *doc, *probe;
	size_t first;

	canned_start(&run, &kpt_latency_analyser, true, NULL);
	canned_feed(&run);
	canned_report(&run, 1, false);
	first = run.size;
	canned_report(&run, 2, true);
	doc = json_tokener_parse(run.text + first);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(doc, "interval")), 2);
	/* nothing in the second interval, but the call open since the first is open at its end */
	probe = json_object_array_get_idx(json_object_object_get(doc, "probes"), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(probe, "count")), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(probe, "unpaired"), "open_at_end")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(probe, "unpaired"), "returns_without_entry")), 0);
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

START_TEST(test_count_text)
{
	struct canned_run run;

	canned_start(&run, &kpt_count_analyser, false, NULL);
	canned_feed(&run);
	ck_assert_str_eq(canned_report(&run, 0, true),
		"\nCounted 1 probe for 2.00 s (tracefs).\n"
		"\nPROBE           HITS        RETURNS         RATE/s\n"
		"work               3              3            1.5\n"
		"\nLOST EVENTS: 3 overwritten (overrun), 0 dropped, 0 buffer pages flagged with "
		"missed events, 0 probe misses (kprobe_profile nmissed), 0 lost in perf ring "
		"buffers\n"
		"What is printed above is incomplete: raise --buffer-size, or trace fewer events.\n");
	canned_free(&run);
}
END_TEST

START_TEST(test_trace_text_and_json)
{
	struct canned_run run;
	struct json_object *doc, *fields;
	char *line;

	canned_start(&run, &kpt_trace_analyser, false, NULL);
	canned_feed(&run);
	ck_assert_str_eq(canned_report(&run, 0, true),
		"     1.000000 [000]       5 work entry: usec=1500 name=x\n"
		"     1.000001 [001]       5 work exit: ret=0\n"
		"     1.000001 [000]       6 work exit: ret=-1\n"
		"     1.000002 [001]       5 work entry: usec=20 name=y\n"
		"     1.000005 [000]       5 work exit: ret=-2\n"
		"     1.000006 [001]       5 work entry: usec=7 name=z\n");
	canned_free(&run);

	canned_start(&run, &kpt_trace_analyser, true, NULL);
	canned_feed(&run);
	canned_report(&run, 0, true);
	doc = json_tokener_parse(run.text);
	ck_assert_ptr_nonnull(doc);
	ck_assert_uint_eq(json_object_get_uint64(json_object_object_get(doc, "ts_ns")), 1000000000);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(doc, "tid")), 5);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "probe")), "work");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "role")), "entry");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "event")), "p_work");
	fields = json_object_object_get(doc, "fields");
	ck_assert_int_eq(json_object_object_length(fields), 2);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(fields, "usec")), 1500);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(fields, "name")), "x");
	json_object_put(doc);
	line = strchr(strchr(strchr(strchr(run.text, '\n') + 1, '\n') + 1, '\n') + 1, '\n') + 1;
	doc = json_tokener_parse(line);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
		json_object_object_get(doc, "fields"), "ret")), -2);
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

/* The keys every JSON report starts with: what scripts may rely on. */
static void assert_keys(const char *text, const char *const *want)
{
	struct json_object *doc = json_tokener_parse(text);
	char got[512] = "", expect[512] = "";
	int i;

	ck_assert_ptr_nonnull(doc);
	json_object_object_foreach(doc, key, val) {
		(void)val;
		strcat(got, key);
		strcat(got, " ");
	}
	for (i = 0; want[i]; i++) {
		strcat(expect, want[i]);
		strcat(expect, " ");
	}
	ck_assert_str_eq(got, expect);
	json_object_put(doc);
}

START_TEST(test_json_contract)
{
	static const char *const latency[] = { "kptrace", "interval", "elapsed_s", "clock",
					       "probes", "lost", NULL };
	static const char *const count[] = { "kptrace", "interval", "elapsed_s", "probes", "lost",
					     "backend", NULL };
	static const char *const trace[] = { "ts_ns", "cpu", "tid", "probe", "role", "event",
					     "fields", NULL };
	static const char *const report[] = { "kptrace", "file", "interval", "elapsed_s", "clock",
					      "probes", "lost", NULL };
	static const char *const count_file[] = { "kptrace", "file", "interval", "elapsed_s",
						  "probes", "lost", "backend", NULL };
	struct canned_run run;

	canned_start(&run, &kpt_latency_analyser, true, NULL);
	canned_feed(&run);
	assert_keys(canned_report(&run, 0, true), latency);
	canned_free(&run);
	canned_start(&run, &kpt_count_analyser, true, NULL);
	canned_feed(&run);
	assert_keys(canned_report(&run, 0, true), count);
	canned_free(&run);
	canned_start(&run, &kpt_trace_analyser, true, NULL);
	canned_feed(&run);
	assert_keys(canned_report(&run, 0, true), trace);
	canned_free(&run);
	/* on a file: report's (latency --input's) and count --input's */
	canned_input = "x.dat";
	canned_start(&run, &kpt_latency_analyser, true, NULL);
	canned_feed(&run);
	assert_keys(canned_report(&run, 0, true), report);
	canned_free(&run);
	canned_start(&run, &kpt_count_analyser, true, NULL);
	canned_feed(&run);
	assert_keys(canned_report(&run, 0, true), count_file);
	canned_free(&run);
	canned_input = NULL;
}
END_TEST

/* The results of a grouped latency report: each group's "key" and "count", in order. */
static void assert_groups(const char *text, const char *by, int nr, const char *const *keys,
			  const int *counts)
{
	struct json_object *doc = json_tokener_parse(text), *probes, *p;
	int i;

	ck_assert_ptr_nonnull(doc);
	probes = json_object_object_get(doc, "probes");
	ck_assert_int_eq(json_object_array_length(probes), nr + 1);
	for (i = 0; i < nr; i++) {
		p = json_object_array_get_idx(probes, i + 1);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "by")), by);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(p, "key")), keys[i]);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "count")), counts[i]);
	}
	json_object_put(doc);
}

/* Each key of the canned calls (1000 ns with usec 1500, name x, ret 0; 3000 ns with 20, y, -2). */
START_TEST(test_latency_by_keys)
{
	static const char *const by_usec[] = { "20", "1500" }, *const by_name[] = { "y", "x" };
	static const char *const by_ret[] = { "-2", "0" }, *const by_tid[] = { "5" };
	static const int ones[] = { 1, 1 }, two[] = { 2 };
	struct canned_run run;

	/* most total time first: the 3000 ns call's key, then the 1000 ns one's */
	canned_start(&run, &kpt_latency_analyser, true, "arg:usec");
	canned_feed(&run);
	assert_groups(canned_report(&run, 0, true), "arg:usec", 2, by_usec, ones);
	canned_free(&run);
	canned_start(&run, &kpt_latency_analyser, true, "arg:name");
	canned_feed(&run);
	assert_groups(canned_report(&run, 0, true), "arg:name", 2, by_name, ones);
	canned_free(&run);
	canned_start(&run, &kpt_latency_analyser, true, "ret");
	canned_feed(&run);
	assert_groups(canned_report(&run, 0, true), "ret", 2, by_ret, ones);
	canned_free(&run);
	/* a file knows no process ids: pid is the thread's id */
	canned_start(&run, &kpt_latency_analyser, true, "pid");
	canned_feed(&run);
	assert_groups(canned_report(&run, 0, true), "pid", 1, by_tid, two);
	canned_free(&run);
}
END_TEST

START_TEST(test_latency_top_and_bounds)
{
	static const char *const top_keys[] = { "by", "top" }, *const top_values[] = { "ret", "1" };
	static const char *const bound_keys[] = { "unit", "min", "max" };
	static const char *const bound_values[] = { "ns", "1001", "5000" };
	static const char *const only_ret[] = { "-2" };
	static const int one[] = { 1 };
	struct json_object *doc, *p;
	struct canned_run run;

	canned_start_opts(&run, &kpt_latency_analyser, true, 2, top_keys, top_values);
	canned_feed(&run);
	assert_groups(canned_report(&run, 0, true), "ret", 1, only_ret, one);
	canned_free(&run);
	/* --min 1001 ns leaves the 1000 ns call out, and says so */
	canned_start_opts(&run, &kpt_latency_analyser, true, 3, bound_keys, bound_values);
	canned_feed(&run);
	doc = json_tokener_parse(canned_report(&run, 0, true));
	ck_assert_ptr_nonnull(doc);
	p = json_object_array_get_idx(json_object_object_get(doc, "probes"), 0);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "count")), 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "min_ns")), 3000);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(p, "outside_bounds")), 1);
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

START_TEST(test_latency_linear_text)
{
	static const char *const keys[] = { "unit", "hist", "by" };
	static const char *const values[] = { "ns", "linear:1000,0,3000", "arg:usec" };
	struct canned_run run;

	canned_start_opts(&run, &kpt_latency_analyser, false, 3, keys, values);
	canned_feed(&run);
	ck_assert_str_eq(canned_report(&run, 0, true),
		"\nTraced 1 probe for 2.00 s.\n"
		"\nwork\n"
		"  count 2  min 1.00 us  avg 2.00 us  max 3.00 us\n"
		"  p50 1.00 us  p90 3.00 us  p99 3.00 us  p99.9 3.00 us\n"
		"  unpaired: 1 returns without entry, 0 calls whose return was lost, 0 calls open "
		"when their thread exited, 1 calls still open at the end\n"
		"\n"
		"     nsecs               : count     distribution\n"
		"         0 -> 999        : 0        |                                        |\n"
		"      1000 -> 1999       : 1        |****************************************|\n"
		"      2000 -> 2999       : 0        |                                        |\n"
		"        >= 3000          : 1        |****************************************|\n"
		"\nwork [arg:usec 20]\n"
		"  count 1  min 3.00 us  avg 3.00 us  max 3.00 us\n"
		"  p50 3.00 us  p90 3.00 us  p99 3.00 us  p99.9 3.00 us\n"
		"\n"
		"     nsecs               : count     distribution\n"
		"         0 -> 999        : 0        |                                        |\n"
		"      1000 -> 1999       : 0        |                                        |\n"
		"      2000 -> 2999       : 0        |                                        |\n"
		"        >= 3000          : 1        |****************************************|\n"
		"\nwork [arg:usec 1500]\n"
		"  count 1  min 1.00 us  avg 1.00 us  max 1.00 us\n"
		"  p50 1.00 us  p90 1.00 us  p99 1.00 us  p99.9 1.00 us\n"
		"\n"
		"     nsecs               : count     distribution\n"
		"         0 -> 999        : 0        |                                        |\n"
		"      1000 -> 1999       : 1        |****************************************|\n"
		"      2000 -> 2999       : 0        |                                        |\n"
		"\nLOST EVENTS: 3 overwritten (overrun), 0 dropped, 0 buffer pages flagged with "
		"missed events, 0 probe misses (kprobe_profile nmissed), 0 lost in perf ring "
		"buffers\n"
		"What is printed above is incomplete: raise --buffer-size, or trace fewer events.\n");
	canned_free(&run);
}
END_TEST

START_TEST(test_count_by_arg)
{
	static const char *const keys[] = { "by" }, *const values[] = { "arg:name" };
	struct json_object *doc, *groups, *g;
	struct canned_run run;
	int i;

	canned_start_opts(&run, &kpt_count_analyser, true, 1, keys, values);
	canned_feed(&run);
	doc = json_tokener_parse(canned_report(&run, 0, true));
	ck_assert_ptr_nonnull(doc);
	groups = json_object_object_get(json_object_array_get_idx(
		json_object_object_get(doc, "probes"), 0), "groups");
	/* three entries, one each of x, y and z (the open one): counts tie, keys in order */
	ck_assert_int_eq(json_object_array_length(groups), 3);
	for (i = 0; i < 3; i++) {
		char want[2] = { (char)('x' + i), '\0' };

		g = json_object_array_get_idx(groups, i);
		ck_assert_str_eq(json_object_get_string(json_object_object_get(g, "key")), want);
		ck_assert_int_eq(json_object_get_int(json_object_object_get(g, "count")), 1);
	}
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

START_TEST(test_slow_text_and_json)
{
	static const char *const keys[] = { "threshold", "unit" };
	static const char *const values[] = { "2us", "us" };
	struct json_object *doc;
	struct canned_run run;
	size_t first;

	/* the 3000 ns call is slow, the 1000 ns one is not; the third is open at the end */
	canned_start_opts(&run, &kpt_slow_analyser, false, 2, keys, values);
	canned_feed(&run);
	ck_assert_str_eq(canned_report(&run, 0, true),
		"TIME(s)           COMM                 PID     TID CPU      LAT(us) CALL\n"
		"1.000005          <...>                  5       5   1        3.000 "
		"work(usec=20, name=\"y\") = -2\n"
		"1.000006          <...>                  5       5   1       >0.000 "
		"work(usec=7, name=\"z\") still open at the end\n");
	canned_free(&run);

	canned_start_opts(&run, &kpt_slow_analyser, true, 2, keys, values);
	canned_feed(&run);
	canned_report(&run, 0, true);
	first = strchr(run.text, '\n') - run.text + 1;
	run.text[first - 1] = '\0';
	ck_assert_str_eq(run.text,
		"{\"probe\":\"work\",\"start_ns\":1000002000,\"end_ns\":1000005000,"
		"\"duration_ns\":3000,\"open\":false,\"pid\":5,\"tid\":5,\"comm\":\"<...>\","
		"\"cpu\":1,\"args\":{\"usec\":20,\"name\":\"y\"},\"return\":{\"ret\":-2}}");
	doc = json_tokener_parse(run.text + first);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_get_boolean(json_object_object_get(doc, "open")));
	ck_assert_ptr_null(json_object_object_get(doc, "return"));
	json_object_put(doc);
	canned_free(&run);
}
END_TEST

START_TEST(test_options_checked)
{
	static const char *const keys[] = { "colour" }, *const values[] = { "red" };
	static const char *const by_keys[] = { "by" }, *const by_values[] = { "thread" };
	struct kpt_run_params params = { { 0 } };
	struct kpt_analysers *set = kpt_analysers_alloc();

	params.params.nr_probes = 1;
	params.params.probe_names = probe_names;
	params.params.out = stdout;
	ck_assert_int_eq(kpt_analysers_add(set, &kpt_latency_analyser, "built in", 1, keys, values,
					   &params), -1);
	ck_assert_int_eq(kpt_analysers_add(set, &kpt_latency_analyser, "built in", 1, by_keys,
					   by_values, &params), -1);
	ck_assert_int_eq(kpt_analysers_add(set, &kpt_count_analyser, "built in", 0, NULL, NULL,
					   &params), 0);
	ck_assert_int_eq(kpt_analysers_count(set), 1);
	ck_assert_uint_eq(kpt_analysers_flags(set), KPT_ANALYSER_EVENTS);
	ck_assert_ptr_eq(kpt_analyser_builtin("trace"), &kpt_trace_analyser);
	ck_assert_ptr_null(kpt_analyser_builtin("nosuch"));
	kpt_analysers_free(set);
}
END_TEST

Suite *analyser_suite(void)
{
	Suite *s = suite_create("analyser");
	TCase *tc = tcase_create("seam");

	tcase_add_test(tc, test_decode_probe_role_tid);
	tcase_add_test(tc, test_host_arguments);
	tcase_add_test(tc, test_host_comm);
	tcase_add_test(tc, test_pair_keeps_entries);
	tcase_add_test(tc, test_latency_text);
	tcase_add_test(tc, test_latency_by_comm_json);
	tcase_add_test(tc, test_latency_intervals_restart);
	tcase_add_test(tc, test_count_text);
	tcase_add_test(tc, test_trace_text_and_json);
	tcase_add_test(tc, test_json_contract);
	tcase_add_test(tc, test_options_checked);
	tcase_add_test(tc, test_latency_by_keys);
	tcase_add_test(tc, test_latency_top_and_bounds);
	tcase_add_test(tc, test_latency_linear_text);
	tcase_add_test(tc, test_count_by_arg);
	tcase_add_test(tc, test_slow_text_and_json);
	suite_add_tcase(s, tc);
	return s;
}
