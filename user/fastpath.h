/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path for IPv4 sources: a Poptrie for untagged ones
 * (poptrie.h) and fixed-stride multibit tries for VLAN and VNI ones, built
 * from the compiled LPM entries, so that the XDP program answers with a
 * few inlined array lookups instead of an LPM-trie walk. See
 * docs/design.md "Fast path for IPv4 sources".
 */
#ifndef VFW_FASTPATH_H
#define VFW_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include "../maps/vaultfw.h"
#include "poptrie.h"

struct vfw_entry;

/*
 * One slot's tables as userspace builds them. pop.slot NULL: untagged
 * sources use the LPM trie. nodes NULL: so do tagged ones; else node i is
 * node i of the slot, and tagged value k is the value of compiled entry
 * val_entry[k] (k = 0 means no entry matches).
 */
struct vfw_fast_tables {
	struct vfw_pop_tables pop;
	struct vfw_fast_node *nodes;	/* VFW_FAST_ROOT_NODES roots, then children */
	size_t n_nodes;
	__u32 *val_entry;		/* index into the compiled entries */
	size_t n_vals;
};

/*
 * Builds the tables; those that do not fit are left out (the LPM trie
 * answers for their sources), which is not an error.
 */
int vfw_fast_build(const struct vfw_entry *entries, size_t n_entries,
		   struct vfw_fast_tables *t);
void vfw_fast_free(struct vfw_fast_tables *t);

/* The untagged value index for an IPv4 source (host order), as the
 * datapath walks it. */
__u32 vfw_fast_find(const struct vfw_fast_tables *t, __u32 addr);
/* The same for a source carrying a tag (VFW_TAG_NONE: untagged, a pop
 * value index; else a tagged one). */
__u32 vfw_fast_find_tagged(const struct vfw_fast_tables *t, enum vfw_tag_kind kind,
			   __u32 tag_id, __u32 addr);

/* The fast-path maps, as struct vfw_maps holds them (-1: not given). */
struct vfw_fast_fds {
	int pop;
	int nodes, vals;
};

/*
 * Whether the fds are the program's fast-path maps: callers that predate
 * them leave the fds unset, and their slots then go without the fast path.
 */
bool vfw_fast_pop_usable(const struct vfw_fast_fds *fds);
bool vfw_fast_tagged_usable(const struct vfw_fast_fds *fds);

/*
 * Write the tables into slot `slot` of the maps; vals[k] is the value of
 * index k with stable rule ids (n_vals of them for the Poptrie, a whole
 * slot's VFW_FAST_VALS for the tagged tables). Nothing outside the slot is
 * touched.
 */
int vfw_fast_write_pop(const struct vfw_fast_fds *fds, __u32 slot,
		       const struct vfw_pop_tables *t, const struct vfw_lpm_val *vals);
int vfw_fast_write_tagged(const struct vfw_fast_fds *fds, __u32 slot,
			  const struct vfw_fast_tables *t, const struct vfw_lpm_val *vals);

#endif
