// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the pipeline layers. No root, no kernel: synthetic records,
 * canned specs and test binaries only.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *runner = srunner_create(probe_suite());
	int failed;

	srunner_add_suite(runner, probeset_suite());
	srunner_add_suite(runner, glob_suite());
	srunner_add_suite(runner, elf_sym_suite());
	srunner_add_suite(runner, merge_suite());
	srunner_add_suite(runner, pair_suite());
	srunner_add_suite(runner, hist_suite());
	srunner_add_suite(runner, options_suite());
	srunner_add_suite(runner, tracedat_suite());
	srunner_add_suite(runner, report_suite());
	srunner_add_suite(runner, analyser_suite());
	srunner_add_suite(runner, stacks_suite());
	srunner_add_suite(runner, plugin_suite());
	srunner_add_suite(runner, rbpage_suite());
	srunner_add_suite(runner, pictures_suite());
	srunner_add_suite(runner, btf_suite());
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
