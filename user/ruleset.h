/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Installing a compiled rule set into the kernel maps, atomically: the
 * inactive slot is written (fresh LPM trie, config, rule metadata), then
 * vfw_active is flipped with one store. Used by attach (before the program
 * is attached), apply, and the BPF_PROG_TEST_RUN tests.
 */
#ifndef VFW_RULESET_H
#define VFW_RULESET_H

#include "compile.h"

struct vfw_maps {
	int active_fd;
	int config_fd;
	int rulesets_fd;
	int rule_stats_fd;
	int reasons_fd;
	int rule_meta_fd;
	int document_fd;
	int fast_nodes_fd;
	int fast_vals_fd;
};

struct vaultfw_bpf;

/* Open (parse, not load) this vaultfw's BPF object; one line in err when
 * that fails. */
int vfw_open_object(struct vaultfw_bpf **skel, char *err, size_t errlen);

/* No map open: what cleanup paths may close before anything was opened. */
struct vfw_maps vfw_maps_none(void);

/*
 * Open the pinned maps of an interface and check that each has the layout
 * this vaultfw declares. On failure all fds are -1 and err holds one line.
 */
int vfw_maps_open_pinned(const char *pin_dir, struct vfw_maps *maps, char *err,
			 size_t errlen);
void vfw_maps_close(struct vfw_maps *maps);

/*
 * Make `c` the live rule set. Rules already live (same kind and name) keep
 * their ids and counters; new ones get free ids with zeroed counters.
 * `source` is recorded in the config. When pin_dir is not NULL the new
 * trie is pinned there as VFW_PIN_RULES. On failure the old rule set stays
 * in force and a negative errno is returned. The slot's rules document is
 * left empty: readers then fall back to `source`.
 */
int vfw_ruleset_install(const struct vfw_maps *maps, const struct vfw_compiled *c,
			const char *source, const char *pin_dir);

/*
 * The same, also storing `document` (the rules document `c` was compiled
 * from, see struct vfw_document) in the slot it makes live, so that the
 * document flips with the rule set. -EFBIG when it does not fit.
 */
int vfw_ruleset_install_document(const struct vfw_maps *maps, const struct vfw_compiled *c,
				 const char *document, const char *source,
				 const char *pin_dir);

/* Slot currently live, or a negative errno. */
int vfw_ruleset_active_slot(const struct vfw_maps *maps);

#endif
