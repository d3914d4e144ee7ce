/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast path for untagged IPv4 sources: a Poptrie (maps/vaultfw.h,
 * docs/design.md "Fast path for IPv4 sources") built from the compiled
 * LPM entries, in time linear in the entries and the root.
 */
#ifndef VFW_POPTRIE_H
#define VFW_POPTRIE_H

#include <stddef.h>
#include "../maps/vaultfw.h"

struct vfw_entry;

/*
 * One slot's tables as userspace builds them: `slot` is written as it is.
 * Value k (k = 0: no entry matches) is the value of compiled entry
 * val_entry[k]; entries with equal values share one. slot->val is left
 * for the installer, which writes the values with stable rule ids.
 */
struct vfw_pop_tables {
	struct vfw_pop_slot *slot;	/* NULL: not built */
	size_t n_nodes;
	size_t n_tails;
	size_t n_leaves;
	__u32 *val_entry;
	size_t n_vals;
};

/*
 * Builds the tables from the untagged entries, which must come in the
 * compiler's order (address, then shorter prefix first). At most
 * VFW_TRIE_MAX_ENTRIES entries always fit: -E2BIG is a broken bound, and
 * -EINVAL entries out of order.
 */
int vfw_pop_build(const struct vfw_entry *entries, size_t n_entries,
		  struct vfw_pop_tables *t);
void vfw_pop_free(struct vfw_pop_tables *t);

/* The value index for a source (host order), walked as the datapath does. */
__u32 vfw_pop_find(const struct vfw_pop_tables *t, __u32 addr);

#endif
