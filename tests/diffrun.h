/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differential check of the datapath against the reference model
 * (user/model.h), shared by test_differential, test_fastpath and
 * fuzz_datapath; how it checks is described in tests/diffrun.c.
 */
#ifndef VFW_DIFFRUN_H
#define VFW_DIFFRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frames.h"	/* before linux/ headers: it brings the libc ones */
#include "rules.h"
#include "ruleset.h"
#include "vaultfw.h"

#define DIFF_WINDOW		512
#define DIFF_REGRESS_DIR	"tests/regress"	/* committed cases, replayed */
#define DIFF_SAVE_DIR		"build/regress"	/* new reproducers */

struct vaultfw_bpf;

struct diff_counters {
	struct vfw_counter reasons[VFW_REASON_COUNT];
	struct vfw_counter rules[VFW_MAX_RULES];
};

struct diff_env {
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int prog_fd;
	int ncpus;
	struct vfw_counter *percpu;		/* VFW_MAX_RULES * ncpus */
	__u32 *keys;				/* 0 .. VFW_MAX_RULES - 1 */

	/* The live rule set */
	char *json;
	struct vfw_rules rules;
	bool have_rules;
	struct vfw_rule_meta *meta;		/* VFW_MAX_RULES, of the live slot */
	int live_slot;

	/* What the model says the counters hold */
	struct diff_counters expect;
	struct diff_counters seen;		/* scratch for complete reads */
	struct frame window[DIFF_WINDOW];
	size_t n_window;

	/* Totals */
	unsigned long long sets;
	unsigned long long frames;
	unsigned long long mismatches;
	unsigned int saved;
	const char *save_dir;			/* NULL: do not save */
	const char *label;			/* names the run in saved files */
};

/* Loads a fresh copy of the XDP program; 0 or a negative errno. */
int diff_env_open(struct diff_env *env);
void diff_env_close(struct diff_env *env);

/* Every reason and rule counter, summed over CPUs. */
int diff_read_counters(struct diff_env *env, struct diff_counters *c);
/* One frame through BPF_PROG_TEST_RUN. */
int diff_run(const struct diff_env *env, const struct frame *f, __u32 *verdict);
bool diff_same(const struct vfw_counter *a, const struct vfw_counter *b);

/*
 * One frame with complete reads before and after: exact, and slow. Used
 * for regression cases and to find the culprit of a failed window.
 * Returns 1 on a mismatch.
 */
int diff_check_exact(struct diff_env *env, const struct frame *f);

/* Load a regression case: its rules become live, its frames are returned. */
int diff_load_case(struct diff_env *env, const char *path, struct frame **frames,
		   size_t *n_frames, char *err, size_t errlen);

/*
 * Generated rule sets and frames: set i of a run draws from its own
 * generator seeded by (seed, i), so one set can be replayed alone.
 * Returns the number of mismatches, or a negative errno.
 */
long long diff_fuzz(struct diff_env *env, uint64_t seed, unsigned int first_set,
		    unsigned int n_sets, unsigned long long frames_per_set, bool verbose);
/* The same with `bulk` more trusted prefixes in every rule set (gen_rules_bulk). */
long long diff_fuzz_bulk(struct diff_env *env, uint64_t seed, unsigned int first_set,
			 unsigned int n_sets, unsigned long long frames_per_set,
			 unsigned int bulk, bool verbose);

#endif /* VFW_DIFFRUN_H */
