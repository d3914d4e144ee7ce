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
#include "pins.h"

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
/* The config of the live slot; returns the slot or a negative errno. */
int vfw_read_live_config(const struct vfw_maps *maps, struct vfw_config *cfg);

#endif
