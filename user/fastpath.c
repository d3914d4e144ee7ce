// SPDX-License-Identifier: GPL-2.0
/*
 * Builds and writes the fast-path tables: docs/design.md "Fast path for
 * untagged sources". Controlled prefix expansion: each untagged entry is
 * painted over the node entries its prefix covers, shortest prefixes
 * first, so that a longer prefix overwrites the shorter ones it nests in,
 * just as the LPM trie prefers it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "compile.h"
#include "fastpath.h"
#include "log.h"

_Static_assert(VFW_FAST_NODES <= VFW_FAST_CHILD, "a node index would hit the child bit");
_Static_assert(VFW_FAST_VALS <= VFW_FAST_CHILD, "a value index would hit the child bit");
_Static_assert(VFW_FAST_NODES > VFW_FAST_ROOT_NODES, "no room for child nodes");

#define ADDR_BITS	32

/* Address bits consumed once the node entry at each depth is read. */
static const unsigned int depth_end[] = { ADDR_BITS - 2 * VFW_FAST_STRIDE,
					  ADDR_BITS - VFW_FAST_STRIDE, ADDR_BITS };
#define DEPTHS		(sizeof(depth_end) / sizeof(depth_end[0]))

/* The entry for addr at this depth; the roots together form one table
 * indexed by the top 16 bits, so at depth 0 `node` is implied. */
static __u16 *entry_of(const struct vfw_fast_tables *t, __u32 node, __u32 addr,
		       unsigned int depth)
{
	__u32 index = addr >> (ADDR_BITS - depth_end[depth]);

	if (depth == 0)
		node = index >> VFW_FAST_STRIDE;
	return &t->nodes[node].next[index & (VFW_FAST_FANOUT - 1)];
}

/* Follows the child of *entry, first creating it with the entry's value
 * in every slot (what the sources under it matched so far). */
static int descend(struct vfw_fast_tables *t, __u16 *entry, __u32 *node)
{
	__u32 child;
	int i;

	if (*entry & VFW_FAST_CHILD) {
		*node = *entry & ~VFW_FAST_CHILD;
		return 0;
	}
	if (t->n_nodes == VFW_FAST_NODES) {
		pr_info("fast path: more than %d trie nodes needed; untagged sources use the LPM trie\n",
			VFW_FAST_NODES);
		return -E2BIG;
	}
	child = t->n_nodes++;
	for (i = 0; i < VFW_FAST_FANOUT; i++)
		t->nodes[child].next[i] = *entry;
	*entry = VFW_FAST_CHILD | child;
	*node = child;
	return 0;
}

static int paint(struct vfw_fast_tables *t, __u32 addr, unsigned int len, __u16 val)
{
	unsigned int depth = 0, shift;
	__u32 node = 0, span, i;
	int err;

	while (len > depth_end[depth]) {
		err = descend(t, entry_of(t, node, addr, depth), &node);
		if (err)
			return err;
		depth++;
	}
	shift = ADDR_BITS - depth_end[depth];
	span = 1U << (depth_end[depth] - len);
	for (i = 0; i < span; i++)
		*entry_of(t, node, addr + (i << shift), depth) = val;
	return 0;
}

static bool is_untagged(const struct vfw_entry *e)
{
	return e->key.tag_kind == VFW_TAG_NONE && e->key.tag_id == 0;
}

static unsigned int source_len(const struct vfw_entry *e)
{
	return e->key.prefixlen - VFW_TAG_BITS;
}

static int cmp_len(const void *pa, const void *pb, void *entries)
{
	unsigned int a = source_len((const struct vfw_entry *)entries + *(const __u32 *)pa);
	unsigned int b = source_len((const struct vfw_entry *)entries + *(const __u32 *)pb);

	return a < b ? -1 : a > b;
}

/* Untagged entries, shortest prefix first; returns how many. */
static size_t untagged_by_len(const struct vfw_entry *entries, size_t n, __u32 *order)
{
	size_t i, n_untagged = 0;

	for (i = 0; i < n; i++)
		if (is_untagged(&entries[i]))
			order[n_untagged++] = i;
	qsort_r(order, n_untagged, sizeof(*order), cmp_len, (void *)entries);
	return n_untagged;
}

static int paint_entries(struct vfw_fast_tables *t, const struct vfw_entry *entries,
			 const __u32 *order, size_t n_untagged)
{
	size_t i;
	int err;

	if (n_untagged >= VFW_FAST_VALS) {
		pr_info("fast path: %zu untagged entries, at most %d fit; untagged sources use the LPM trie\n",
			n_untagged, VFW_FAST_VALS - 1);
		return -E2BIG;
	}
	for (i = 0; i < n_untagged; i++) {
		const struct vfw_entry *e = &entries[order[i]];
		__u16 val = t->n_vals++;

		t->val_entry[val] = order[i];
		err = paint(t, ntohl(*(const __u32 *)e->key.addr), source_len(e), val);
		if (err)
			return err;
	}
	return 0;
}

int vfw_fast_build(const struct vfw_entry *entries, size_t n_entries,
		   struct vfw_fast_tables *t)
{
	__u32 *order;
	int err;

	memset(t, 0, sizeof(*t));
	order = calloc(n_entries ?: 1, sizeof(*order));
	t->nodes = calloc(VFW_FAST_NODES, sizeof(*t->nodes));
	t->val_entry = calloc(VFW_FAST_VALS, sizeof(*t->val_entry));
	if (!order || !t->nodes || !t->val_entry) {
		err = -ENOMEM;
		goto cleanup;
	}
	t->n_nodes = VFW_FAST_ROOT_NODES;
	t->n_vals = 1;		/* 0: no entry matches */
	err = paint_entries(t, entries, order,
			    untagged_by_len(entries, n_entries, order));
cleanup:
	free(order);
	if (err)
		vfw_fast_free(t);
	return err;
}

void vfw_fast_free(struct vfw_fast_tables *t)
{
	free(t->nodes);
	free(t->val_entry);
	memset(t, 0, sizeof(*t));
}

__u32 vfw_fast_find(const struct vfw_fast_tables *t, __u32 addr)
{
	unsigned int depth = 0;
	__u16 *entry = entry_of(t, 0, addr, depth);

	while (*entry & VFW_FAST_CHILD && ++depth < DEPTHS)
		entry = entry_of(t, *entry & ~VFW_FAST_CHILD, addr, depth);
	return *entry;
}

static bool is_array_of(int fd, const char *name, __u32 value_size, __u32 entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == BPF_MAP_TYPE_ARRAY && !strcmp(info.name, name) &&
	       info.value_size == value_size && info.max_entries == entries;
}

bool vfw_fast_maps_usable(int nodes_fd, int vals_fd)
{
	bool usable = is_array_of(nodes_fd, VFW_MAP_FAST_NODES, sizeof(struct vfw_fast_node),
				  VFW_SLOTS * VFW_FAST_NODES) &&
		      is_array_of(vals_fd, VFW_MAP_FAST_VALS, sizeof(struct vfw_lpm_val),
				  VFW_SLOTS * VFW_FAST_VALS);

	if (!usable)
		pr_debug("no fast-path maps given: untagged sources use the LPM trie\n");
	return usable;
}

/* One batch per region: the slot's share of the map starts at `base`. */
static int write_region(int fd, __u32 base, const void *values, size_t n,
			const char *name)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys, count = n;
	size_t i;
	int err = 0;

	keys = calloc(n ?: 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = base + i;
	if (bpf_map_update_batch(fd, keys, values, &count, &opts)) {
		err = -errno;
		pr_warn("cannot write %zu entries of %s from %u: %s\n", n, name, base,
			strerror(-err));
	}
	free(keys);
	return err;
}

int vfw_fast_write(int nodes_fd, int vals_fd, __u32 slot,
		   const struct vfw_fast_tables *t, const struct vfw_lpm_val *vals)
{
	return write_region(vals_fd, slot * VFW_FAST_VALS, vals, t->n_vals,
			    VFW_MAP_FAST_VALS) ?:
	       write_region(nodes_fd, slot * VFW_FAST_NODES, t->nodes, t->n_nodes,
			    VFW_MAP_FAST_NODES);
}
