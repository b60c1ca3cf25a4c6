// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the probe-set parser (kptrace-events(5) files). The
 * input is a file's text; it is parsed (with every probe line's spec), and a
 * set that parses has a variant chosen for each architecture, once on a
 * kernel that has every requirement, once on one that has none and once on
 * one whose answer depends on the requirement's text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/probeset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_all(const struct kpt_require *req, void *data)
{
	(void)req;
	(void)data;
	return true;
}

static bool has_none(const struct kpt_require *req, void *data)
{
	(void)req;
	(void)data;
	return false;
}

/* Some requirements met, some not: by the kind and the text's length. */
static bool has_some(const struct kpt_require *req, void *data)
{
	(void)data;
	return (strlen(req->what) + req->kind) % 2 == 0;
}

static void choose(const struct kpt_probeset *set, const char *arch,
		   bool (*has)(const struct kpt_require *, void *))
{
	struct kpt_kernel_probe kernel = { .arch = arch, .has = has };
	const struct kpt_probeset_variant *v;
	volatile size_t sink = 0;
	char *errmsg = NULL;
	int i;

	v = kpt_probeset_choose(set, &kernel, &errmsg);
	if (v) {
		/* touch what a caller reads, so that a bad pointer is an ASan error */
		for (i = 0; i < v->nr_probes; i++)
			sink += strlen(v->probes[i]);
		for (i = 0; i < v->nr_requires; i++)
			sink += strlen(v->requires[i].what);
	} else if (errmsg) {
		sink += strlen(errmsg);
	}
	(void)sink;
	free(errmsg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const arches[] = { "x86_64", "aarch64", "armv7l", "riscv64" };
	struct kpt_probeset *set;
	char *text = malloc(size + 1), *errmsg = NULL;
	size_t i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	set = kpt_probeset_parse("fuzz", "fuzz.events", text, &errmsg);
	free(errmsg);
	if (set) {
		for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
			choose(set, arches[i], has_all);
			choose(set, arches[i], has_none);
			choose(set, arches[i], has_some);
		}
		if (set->description)
			(void)strlen(set->description);
	}
	kpt_probeset_free(set);
	free(text);
	return 0;
}
