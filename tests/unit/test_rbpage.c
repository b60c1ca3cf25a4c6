// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ring-buffer pages and mapped-buffer meta pages, from canned bytes: the
 * stream's page walker against libtraceevent's kbuffer on the same pages, and
 * the meta-page checks of the mapped path.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <kbuffer.h>

#include "source/rbpage.h"
#include "source/trace_mmap.h"
#include "suites.h"

#define PAGE		4096
#define HDR		16	/* u64 timestamp, 64-bit commit */

static _Alignas(8) unsigned char page[PAGE];
static uint32_t used;		/* bytes of records written */

static void put32(uint32_t off, uint32_t val)
{
	memcpy(page + off, &val, sizeof(val));
}

static void put64(uint32_t off, uint64_t val)
{
	memcpy(page + off, &val, sizeof(val));
}

static uint32_t hdr_word(uint32_t type_len, uint32_t delta)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return type_len << 27 | delta;
#else
	return type_len | delta << 5;
#endif
}

static void page_start(uint64_t ts)
{
	memset(page, 0, sizeof(page));
	put64(0, ts);
	used = 0;
}

static void page_commit(uint64_t flags)
{
	put64(8, used | flags);
}

/* A record of @len bytes (a multiple of 4) filled with @fill; the short form up to 112. */
static void add_record(uint32_t delta, uint32_t len, unsigned char fill, bool long_form)
{
	uint32_t at = HDR + used;

	if (!long_form && len <= 28 * 4) {
		put32(at, hdr_word(len / 4, delta));
		memset(page + at + 4, fill, len);
		used += 4 + len;
	} else {
		put32(at, hdr_word(0, delta));
		put32(at + 4, len + 4);
		memset(page + at + 8, fill, len);
		used += 8 + len;
	}
}

static void add_extend(uint32_t type, uint64_t delta)
{
	put32(HDR + used, hdr_word(type, delta & ((1U << 27) - 1)));
	put32(HDR + used + 4, delta >> 27);
	used += 8;
}

static void add_padding(uint32_t delta, uint32_t len)
{
	put32(HDR + used, hdr_word(KPT_RB_TYPE_PADDING, delta));
	put32(HDR + used + 4, len);
	used += 4 + len;
}

/* Walk the page with both parsers; every record must agree. Returns the count. */
static int compare_with_kbuffer(void)
{
	struct kbuffer *kbuf = kbuffer_alloc(KBUFFER_LSIZE_8, KBUFFER_ENDIAN_SAME_AS_HOST);
	unsigned long long kts;
	struct kpt_rbpage pg;
	const void *ours;
	void *theirs;
	uint32_t len;
	int n = 0;

	ck_assert_ptr_nonnull(kbuf);
	ck_assert_int_eq(kbuffer_load_subbuffer(kbuf, page), 0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_int_eq(pg.missed, kbuffer_missed_events(kbuf));
	theirs = kbuffer_read_event(kbuf, &kts);
	while ((ours = kpt_rbpage_next(&pg, &len))) {
		ck_assert_ptr_eq(ours, theirs);
		ck_assert_uint_eq(pg.ts, kts);
		ck_assert_int_eq(len, kbuffer_event_size(kbuf));
		theirs = kbuffer_next_event(kbuf, &kts);
		n++;
	}
	ck_assert_ptr_null(theirs);
	kbuffer_free(kbuf);
	return n;
}

START_TEST(test_records_as_kbuffer_reads_them)
{
	page_start(1000000);
	add_record(5, 12, 0xa1, false);
	add_record(7, 112, 0xa2, false);		/* the largest short form */
	add_record(0, 116, 0xa3, true);			/* long form */
	add_record(1, 8, 0xa4, true);			/* long form, small (8-byte-aligned arches) */
	add_extend(KPT_RB_TYPE_EXTEND, (3ULL << 27) + 42);
	add_record(0, 16, 0xa5, false);
	add_padding(9, 20);				/* a discarded record: skipped, delta kept */
	add_record(2, 4, 0xa6, false);
	add_extend(KPT_RB_TYPE_STAMP, 5000000000ULL);	/* absolute */
	add_record(3, 24, 0xa7, false);
	page_commit(0);
	ck_assert_int_eq(compare_with_kbuffer(), 7);
}
END_TEST

START_TEST(test_timestamps_and_lengths)
{
	struct kpt_rbpage pg;
	const unsigned char *rec;
	uint32_t len;

	page_start(100);
	add_record(5, 12, 0x11, false);
	add_extend(KPT_RB_TYPE_EXTEND, (1ULL << 27) + 1);
	add_record(2, 120, 0x22, true);
	page_commit(0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert(!pg.overlong);
	rec = kpt_rbpage_next(&pg, &len);
	ck_assert_ptr_eq(rec, page + HDR + 4);
	ck_assert_uint_eq(len, 12);
	ck_assert_uint_eq(pg.ts, 105);
	ck_assert_uint_eq(rec[0], 0x11);
	rec = kpt_rbpage_next(&pg, &len);
	ck_assert_uint_eq(len, 120);
	ck_assert_uint_eq(pg.ts, 105 + (1ULL << 27) + 1 + 2);
	ck_assert_uint_eq(rec[119], 0x22);
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
	ck_assert_uint_eq(kpt_rbpage_last_ts(&pg), 105 + (1ULL << 27) + 1 + 2);
}
END_TEST

/* The kernel's commit page grows while mapped: refresh takes in the new records only. */
START_TEST(test_refresh_follows_a_growing_page)
{
	struct kpt_rbpage pg;
	uint32_t len;

	page_start(0);
	add_record(1, 8, 1, false);
	page_commit(0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_ptr_nonnull(kpt_rbpage_next(&pg, &len));
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
	ck_assert(!kpt_rbpage_refresh(&pg));
	add_record(2, 8, 2, false);
	add_record(3, 8, 3, false);
	page_commit(0);
	ck_assert(kpt_rbpage_refresh(&pg));
	ck_assert_ptr_nonnull(kpt_rbpage_next(&pg, &len));
	ck_assert_uint_eq(pg.ts, 3);
	ck_assert_ptr_nonnull(kpt_rbpage_next(&pg, &len));
	ck_assert_uint_eq(pg.ts, 6);
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
}
END_TEST

START_TEST(test_missed_events)
{
	struct kpt_rbpage pg;

	page_start(0);
	add_record(1, 8, 1, false);
	put64(HDR + used, 1234);			/* the count, after the records */
	page_commit(KPT_RB_MISSED_EVENTS | KPT_RB_MISSED_STORED);
	ck_assert_int_eq(compare_with_kbuffer(), 1);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_int_eq(pg.missed, 1234);
	ck_assert_uint_eq(pg.size, 12);
	page_commit(KPT_RB_MISSED_EVENTS);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_int_eq(pg.missed, -1);
	ck_assert_int_eq(compare_with_kbuffer(), 1);
}
END_TEST

/* Headers that would read past what is committed end the page instead. */
START_TEST(test_truncated_and_corrupt_records_stop)
{
	struct kpt_rbpage pg;
	uint32_t len;

	page_start(0);
	add_record(1, 8, 1, false);
	add_record(1, 40, 2, false);
	used -= 4;					/* commit cuts the last record */
	page_commit(0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_ptr_null(pg.corrupt);
	ck_assert_ptr_nonnull(kpt_rbpage_next(&pg, &len));
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
	ck_assert_str_eq(pg.corrupt, KPT_RBPAGE_OVERRUN);

	page_start(0);
	put32(HDR, hdr_word(0, 1));
	put32(HDR + 4, 0x7fffffff);			/* a long record longer than the page */
	used = 64;
	page_commit(0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
	ck_assert_str_eq(pg.corrupt, KPT_RBPAGE_OVERRUN);

	page_start(0);
	put32(HDR, hdr_word(KPT_RB_TYPE_PADDING, 0));	/* null padding: the page ends */
	used = 8;
	add_record(1, 8, 1, false);			/* never reached */
	page_commit(0);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
	ck_assert_ptr_null(pg.corrupt);

	page_start(0);
	put64(8, 1U << 20);				/* a commit beyond the page */
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	ck_assert_uint_eq(pg.size, PAGE - HDR);
	ck_assert(pg.overlong);
	ck_assert_str_eq(pg.corrupt, KPT_RBPAGE_OVERLONG);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, 16, 8), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 2), -1);
}
END_TEST

/* What the walk over a whole page says is wrong with it; NULL if nothing. */
static const char *walk_verdict(void)
{
	struct kpt_rbpage pg;
	uint32_t len;

	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 8), 0);
	while (!pg.corrupt && kpt_rbpage_next(&pg, &len))
		;
	return pg.corrupt;
}

/* kpt_rbpage_check() judges a page as the walk does, with the same words. */
static void assert_same_verdict(const char *expected)
{
	const char *walk = walk_verdict();
	const char *check = kpt_rbpage_check(page, PAGE, 8,
					     __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);

	if (!expected) {
		ck_assert_ptr_null(walk);
		ck_assert_ptr_null(check);
	} else {
		ck_assert_str_eq(walk, expected);
		ck_assert_str_eq(check, expected);
	}
}

START_TEST(test_check_agrees_with_the_walk)
{
	page_start(0);
	add_record(1, 8, 1, false);
	add_padding(2, 12);
	add_extend(KPT_RB_TYPE_EXTEND, 1ULL << 30);
	add_record(1, 200, 2, true);
	page_commit(0);
	assert_same_verdict(NULL);

	used -= 2;					/* the last record cut */
	page_commit(0);
	assert_same_verdict(KPT_RBPAGE_OVERRUN);

	page_start(0);
	add_record(1, 8, 1, false);
	add_padding(2, 12);
	used -= 8;					/* a padding past the commit */
	page_commit(0);
	assert_same_verdict(KPT_RBPAGE_OVERRUN);

	page_start(0);
	add_record(1, 8, 1, false);
	put32(HDR + used, hdr_word(0, 1));
	put32(HDR + used + 4, 2);			/* a length shorter than its header */
	used += 8;
	page_commit(0);
	assert_same_verdict(KPT_RBPAGE_OVERRUN);

	page_start(0);
	add_record(1, 8, 1, false);
	used += 2;					/* two stray bytes after it */
	page_commit(0);
	assert_same_verdict(KPT_RBPAGE_OVERRUN);

	page_start(0);
	put32(HDR, hdr_word(KPT_RB_TYPE_PADDING, 0));
	put32(HDR + 4, 100);				/* null padding past the commit */
	used = 8;
	page_commit(0);
	assert_same_verdict(KPT_RBPAGE_OVERRUN);

	page_start(0);
	used = PAGE - HDR - 4;				/* no room for the stored count */
	page_commit(KPT_RB_MISSED_EVENTS | KPT_RB_MISSED_STORED);
	ck_assert_str_eq(kpt_rbpage_check(page, PAGE, 8, __BYTE_ORDER__ ==
					  __ORDER_BIG_ENDIAN__), KPT_RBPAGE_MISSED_PAST);
	ck_assert_str_eq(walk_verdict(), KPT_RBPAGE_MISSED_PAST);

	page_start(0);
	page_commit(PAGE - HDR + 1);
	assert_same_verdict(KPT_RBPAGE_OVERLONG);
}
END_TEST

/* A big-endian page (a big-endian machine's file): header words the other way round. */
START_TEST(test_check_big_endian)
{
	static const unsigned char be_page[64] = {
		0, 0, 0, 0, 0, 0, 0, 1,		/* timestamp */
		0, 0, 0, 0, 0, 0, 0, 8,		/* commit: 8 bytes */
		0x08, 0, 0, 5,			/* type_len 1, delta 5 */
		1, 2, 3, 4,			/* the record */
		0xf0, 0, 0, 1, 0, 0, 0, 0,	/* a time extend after the commit */
	};
	unsigned char copy[64];

	ck_assert_ptr_null(kpt_rbpage_check(be_page, sizeof(be_page), 8, true));
	memcpy(copy, be_page, sizeof(copy));
	copy[15] = 6;				/* the commit cuts the record */
	ck_assert_str_eq(kpt_rbpage_check(copy, sizeof(copy), 8, true), KPT_RBPAGE_OVERRUN);
	copy[15] = 12;				/* half the time extend */
	ck_assert_str_eq(kpt_rbpage_check(copy, sizeof(copy), 8, true), KPT_RBPAGE_OVERRUN);
	copy[15] = 49;				/* a commit past the page */
	ck_assert_str_eq(kpt_rbpage_check(copy, sizeof(copy), 8, true), KPT_RBPAGE_OVERLONG);
	ck_assert_ptr_nonnull(kpt_rbpage_check(be_page, 16, 8, true));
}
END_TEST

/* 32-bit kernels: a 4-byte commit, records from offset 12. */
START_TEST(test_32bit_commit)
{
	struct kpt_rbpage pg;
	const unsigned char *rec;
	uint32_t len;

	memset(page, 0, sizeof(page));
	put64(0, 7);
	put32(8, 8);
	put32(12, hdr_word(1, 3));
	put32(16, 0xdeadbeef);
	ck_assert_int_eq(kpt_rbpage_load(&pg, page, PAGE, 4), 0);
	rec = kpt_rbpage_next(&pg, &len);
	ck_assert_ptr_eq(rec, page + 16);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(pg.ts, 10);
	ck_assert_ptr_null(kpt_rbpage_next(&pg, &len));
}
END_TEST

static struct trace_buffer_meta canned_meta(void)
{
	struct trace_buffer_meta meta;

	memset(&meta, 0, sizeof(meta));
	meta.meta_page_size = 4096;
	meta.meta_struct_len = sizeof(meta);
	meta.subbuf_size = 4096;
	meta.nr_subbufs = 353;
	meta.reader.id = 352;
	return meta;
}

START_TEST(test_meta_layout)
{
	struct trace_buffer_meta meta = canned_meta();
	struct kpt_rbmap_layout layout;

	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), 0);
	ck_assert_uint_eq(layout.data_offset, 4096);
	ck_assert_uint_eq(layout.data_len, 353 * 4096);
	ck_assert_uint_eq(layout.subbuf_size, 4096);
	ck_assert_uint_eq(layout.nr_subbufs, 353);

	meta.subbuf_size = 16384;			/* buffer_subbuf_size_kb 16 */
	meta.meta_page_size = 8192;
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), 0);
	ck_assert_uint_eq(layout.data_offset, 8192);
	ck_assert_uint_eq(layout.data_len, 353 * 16384);
}
END_TEST

START_TEST(test_meta_layout_refuses_what_it_cannot_read)
{
	struct kpt_rbmap_layout layout;
	struct trace_buffer_meta meta;

	meta = canned_meta();
	meta.reader.id = meta.nr_subbufs;		/* no such sub-buffer */
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), -1);
	ck_assert_int_eq(errno, EPROTO);
	meta = canned_meta();
	meta.subbuf_size = 3000;			/* not whole pages */
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), -1);
	meta = canned_meta();
	meta.meta_page_size = 100;
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), -1);
	meta = canned_meta();
	meta.meta_struct_len = 16;			/* a kernel that fills less */
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), -1);
	meta = canned_meta();
	meta.nr_subbufs = 1;
	meta.reader.id = 0;
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 4096, 4096, &layout), -1);
	meta = canned_meta();
	ck_assert_int_eq(kpt_rbmap_layout(&meta, 16, 4096, &layout), -1);	/* short map */
}
END_TEST

Suite *rbpage_suite(void)
{
	Suite *s = suite_create("rbpage");
	TCase *tc = tcase_create("rbpage");

	tcase_add_test(tc, test_records_as_kbuffer_reads_them);
	tcase_add_test(tc, test_timestamps_and_lengths);
	tcase_add_test(tc, test_refresh_follows_a_growing_page);
	tcase_add_test(tc, test_missed_events);
	tcase_add_test(tc, test_truncated_and_corrupt_records_stop);
	tcase_add_test(tc, test_check_agrees_with_the_walk);
	tcase_add_test(tc, test_check_big_endian);
	tcase_add_test(tc, test_32bit_commit);
	tcase_add_test(tc, test_meta_layout);
	tcase_add_test(tc, test_meta_layout_refuses_what_it_cannot_read);
	suite_add_tcase(s, tc);
	return s;
}
