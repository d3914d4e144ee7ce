/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compiler: a validated struct vfw_rules becomes LPM entries, rule
 * descriptors and a slot config. Pure userspace, no kernel calls, so it is
 * unit-tested directly and run by `vaultfw check`.
 */
#ifndef VFW_COMPILE_H
#define VFW_COMPILE_H

#include "rules.h"
#include "fastpath.h"

/* One rule that owns counters. rule_id in entries indexes rules[]. */
struct vfw_rule_desc {
	enum vfw_rule_kind kind;
	char name[VFW_NAME_MAX];	/* identity, as stored in vfw_rule_meta */
};

struct vfw_entry {
	struct vfw_lpm_key key;
	struct vfw_lpm_val val;
};

struct vfw_compiled {
	struct vfw_config config;	/* flags and data plane; the loader adds
					 * generation, applied_unix and source */
	struct vfw_rule_desc *rules;
	size_t n_rules;
	struct vfw_entry *entries;	/* categories of covering prefixes pushed down */
	size_t n_entries;
	struct vfw_fast_tables fast;	/* IPv4 sources; tables left out did not
					 * fit, the LPM trie answers for them */
};

int vfw_compile(const struct vfw_rules *rules, struct vfw_compiled *out,
		char *err, size_t errlen);
void vfw_compiled_free(struct vfw_compiled *c);
/* Prefixes a vfw_compile error with "source: ": the compiler sees rules,
 * not files, yet every error must name the file. */
void vfw_compile_err_source(const char *source, char *err, size_t errlen);

#endif
