// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel function globs: matching, the blacklist, duplicates and the limit. */
#include <stdlib.h>
#include <string.h>

#include "probe/glob.h"
#include "suites.h"

static const char functions[] =
	"vfs_read\n"
	"vfs_write\n"
	"vfs_open\n"
	"do_sys_openat2\n"
	"vfs_getattr [overlay]\n"
	"vfs_read\n"
	"vfs_fsync_range\n"
	"avfs_read\n";
static const char blacklist[] =
	"0xffffffff81000000-0xffffffff81000010\tvfs_write\n"
	"0xffffffff81000020-0xffffffff81000030\tdo_sys_open\n";

static void free_names(char **names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		free(names[i]);
	free(names);
}

START_TEST(test_is_pattern)
{
	ck_assert(kpt_glob_is_pattern("vfs_*"));
	ck_assert(kpt_glob_is_pattern("vfs_rea? n=%di"));
	ck_assert(kpt_glob_is_pattern("vfs_[rw]*"));
	ck_assert(!kpt_glob_is_pattern("vfs_read"));
	ck_assert(!kpt_glob_is_pattern("vfs_read n=+0(%si):string*"));
}
END_TEST

START_TEST(test_match)
{
	char **names, *errmsg;
	int nr;

	ck_assert_int_eq(kpt_glob_match_functions("vfs_*", functions, blacklist, 64, &names, &nr,
						  &errmsg), 0);
	/* vfs_write is blacklisted; vfs_read listed twice is probed once; module names count. */
	ck_assert_int_eq(nr, 4);
	ck_assert_str_eq(names[0], "vfs_read");
	ck_assert_str_eq(names[1], "vfs_open");
	ck_assert_str_eq(names[2], "vfs_getattr");
	ck_assert_str_eq(names[3], "vfs_fsync_range");
	free_names(names, nr);

	ck_assert_int_eq(kpt_glob_match_functions("*open*", functions, blacklist, 64, &names, &nr,
						  &errmsg), 0);
	ck_assert_int_eq(nr, 2);
	ck_assert_str_eq(names[0], "vfs_open");
	ck_assert_str_eq(names[1], "do_sys_openat2");
	free_names(names, nr);

	/* Without a readable blacklist, every match counts. */
	ck_assert_int_eq(kpt_glob_match_functions("vfs_w*", functions, NULL, 64, &names, &nr,
						  &errmsg), 0);
	ck_assert_int_eq(nr, 1);
	ck_assert_str_eq(names[0], "vfs_write");
	free_names(names, nr);
}
END_TEST

START_TEST(test_limit_and_none)
{
	char **names, *errmsg;
	int nr;

	ck_assert_int_eq(kpt_glob_match_functions("vfs_*", functions, blacklist, 3, &names, &nr,
						  &errmsg), -1);
	ck_assert_ptr_null(names);
	ck_assert_int_eq(nr, 0);
	ck_assert_str_eq(errmsg, "'vfs_*' matches 4 kernel functions, more than the limit of 3 "
			 "(each is a kprobe and a kretprobe): narrow the pattern or raise --max-probes");
	free(errmsg);
	ck_assert_int_eq(kpt_glob_match_functions("vfs_*", functions, blacklist, 4, &names, &nr,
						  &errmsg), 0);
	free_names(names, nr);

	ck_assert_int_eq(kpt_glob_match_functions("vfs_write*", functions, blacklist, 64, &names,
						  &nr, &errmsg), -1);
	ck_assert_str_eq(errmsg, "'vfs_write*' matches no traceable kernel function "
			 "(available_filter_functions, less the kprobe blacklist); "
			 "'kptrace list functions GLOB' shows what does");
	free(errmsg);
	ck_assert_int_eq(kpt_glob_match_functions("x*", "", NULL, 64, &names, &nr, &errmsg), -1);
	free(errmsg);
}
END_TEST

Suite *glob_suite(void)
{
	Suite *suite = suite_create("glob");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_is_pattern);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_limit_and_none);
	suite_add_tcase(suite, tc);
	return suite;
}
