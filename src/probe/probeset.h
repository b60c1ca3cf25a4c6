/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Probe sets: named groups of probe specifications in text files (the
 * events/ folder, kptrace-events(5)), written on the command line as @NAME.
 * A set holds variants; the first whose conditions the running kernel meets
 * gives the probes.
 */
#ifndef KPT_PROBESET_H
#define KPT_PROBESET_H

#include <stdbool.h>

enum kpt_require_kind {
	KPT_REQUIRE_FUNCTION,	/* a kernel function in available_filter_functions */
	KPT_REQUIRE_TRACEPOINT,	/* a tracepoint SYSTEM:EVENT in events/ */
	KPT_REQUIRE_README,	/* a text in tracefs' README (a probe syntax) */
};

struct kpt_require {
	enum kpt_require_kind kind;
	char *what;
};

struct kpt_probeset_variant {
	int line;		/* the line of its "variant" keyword, 0 for the implicit one */
	char **arches;		/* the architectures it is for (uname -m), NULL: any */
	int nr_arches;
	struct kpt_require *requires;
	int nr_requires;
	char **probes;		/* the probe specifications */
	int nr_probes;
};

struct kpt_probeset {
	char *name;
	char *path;		/* the file it was read from */
	char *description;
	struct kpt_probeset_variant *variants;
	int nr_variants;
};

/**
 * struct kpt_kernel_probe - what the running kernel offers, as the variant choice asks it
 * @arch: the machine, as uname -m spells it ("x86_64", "aarch64", "armv7l")
 * @has: whether the kernel meets one requirement; @data is passed along
 * @data: the callback's context
 */
struct kpt_kernel_probe {
	const char *arch;
	bool (*has)(const struct kpt_require *req, void *data);
	void *data;
};

struct kpt_probeset *kpt_probeset_parse(const char *name, const char *path, const char *text,
					char **errmsg);
struct kpt_probeset *kpt_probeset_read(const char *name, const char *path, char **errmsg);
struct kpt_probeset *kpt_probeset_load(const char *name, char **errmsg);
const struct kpt_probeset_variant *kpt_probeset_choose(const struct kpt_probeset *set,
							const struct kpt_kernel_probe *kernel,
							char **errmsg);
bool kpt_probeset_arch_matches(const char *pattern, const char *arch);
void kpt_probeset_free(struct kpt_probeset *set);
int kpt_probeset_expand(char *const *specs, int nr, char ***out, int *nr_out, char **errmsg);
int kpt_probeset_expand_recorded(char *const *specs, int nr, char ***out, bool **from_set,
				 int *nr_out, char **errmsg);
void kpt_probeset_specs_free(char **specs, int nr);

char *kpt_probeset_user_dir(void);
const char *kpt_probeset_system_dir(void);
void kpt_kernel_probe_host(struct kpt_kernel_probe *kernel);
void kpt_kernel_probe_host_release(struct kpt_kernel_probe *kernel);

#endif
