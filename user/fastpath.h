/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path for IPv4 sources: fixed-stride multibit tries (untagged,
 * VLAN and VNI) built from the compiled LPM entries, so that the XDP
 * program answers with a few inlined array lookups instead of an LPM-trie
 * walk. See docs/design.md "Fast path for IPv4 sources".
 */
#ifndef VFW_FASTPATH_H
#define VFW_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include "../maps/vaultfw.h"

struct vfw_entry;

/*
 * One slot's tables as userspace builds them. Node i is written to
 * vfw_fast_nodes[slot * VFW_FAST_NODES + i]; value k of the slot is the
 * value of compiled entry val_entry[k] (k = 0 means no entry matches).
 */
struct vfw_fast_tables {
	struct vfw_fast_node *nodes;	/* VFW_FAST_ROOT_NODES roots, then children */
	size_t n_nodes;
	__u32 *val_entry;		/* index into the compiled entries */
	size_t n_vals;
	bool tagged;			/* VLAN and VNI sources are in them too */
};

/*
 * Builds the tables for the untagged and tagged entries, or, when the
 * tagged ones do not fit, for the untagged ones alone (t->tagged false).
 * -E2BIG means not even those fit (the slot then answers from the LPM
 * trie alone).
 */
int vfw_fast_build(const struct vfw_entry *entries, size_t n_entries,
		   struct vfw_fast_tables *t);
void vfw_fast_free(struct vfw_fast_tables *t);

/* The value index for an IPv4 source (host order), as the datapath walks it. */
__u32 vfw_fast_find(const struct vfw_fast_tables *t, __u32 addr);
/* The same for a source carrying a tag (VFW_TAG_NONE: untagged). */
__u32 vfw_fast_find_tagged(const struct vfw_fast_tables *t, enum vfw_tag_kind kind,
			   __u32 tag_id, __u32 addr);

/*
 * Whether the fds are the program's fast-path maps: callers that predate
 * them leave the fds unset, and their slots then go without the fast path.
 */
bool vfw_fast_maps_usable(int nodes_fd, int vals_fd);

/*
 * Writes the tables into slot `slot` of the two maps; vals[k] is the value
 * of index k with stable rule ids. Nothing outside the slot is touched.
 */
int vfw_fast_write(int nodes_fd, int vals_fd, __u32 slot,
		   const struct vfw_fast_tables *t, const struct vfw_lpm_val *vals);

#endif
