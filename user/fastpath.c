// SPDX-License-Identifier: GPL-2.0
/*
 * Builds and writes the fast-path tables: docs/design.md "Fast path for
 * IPv4 sources". Untagged sources get the Poptrie (poptrie.c). Tagged ones
 * get multibit tries by controlled prefix expansion: each tagged entry is
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

/*
 * One trie of the shared nodes (maps/vaultfw.h). Its key is the tag id
 * << 32 | the source, key_bits wide; the root entry consumes the first
 * root_bits of it (the roots together form one table indexed by them),
 * every node below one more byte.
 */
struct fast_trie {
	__u32 root;		/* first root node */
	unsigned int root_bits;
	unsigned int key_bits;
};

static const struct fast_trie tries[] = {
	[VFW_TAG_VLAN] = { VFW_FAST_VLAN_ROOT, VFW_FAST_VLAN_BITS,
			   VFW_FAST_VLAN_BITS + ADDR_BITS },
	[VFW_TAG_VNI] = { VFW_FAST_VNI_ROOT, VFW_FAST_STRIDE, VFW_FAST_VNI_BITS + ADDR_BITS },
};
_Static_assert(1 << VFW_FAST_VLAN_BITS > VFW_VLAN_MAX, "VLAN ids outgrew their trie");
_Static_assert(1 << VFW_FAST_VNI_BITS > VFW_VNI_MAX, "VNIs outgrew their trie");

/* Key bits consumed once the node entry at `depth` is read. */
static unsigned int depth_end(const struct fast_trie *trie, unsigned int depth)
{
	return trie->root_bits + depth * VFW_FAST_STRIDE;
}

static __u16 *entry_of(const struct vfw_fast_tables *t, const struct fast_trie *trie,
		       __u32 node, __u64 key, unsigned int depth)
{
	__u64 index = key >> (trie->key_bits - depth_end(trie, depth));

	if (depth == 0)
		node = trie->root + (index >> VFW_FAST_STRIDE);
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
	if (t->n_nodes == VFW_FAST_NODES)
		return -E2BIG;
	child = t->n_nodes++;
	for (i = 0; i < VFW_FAST_FANOUT; i++)
		t->nodes[child].next[i] = *entry;
	*entry = VFW_FAST_CHILD | child;
	*node = child;
	return 0;
}

static int paint(struct vfw_fast_tables *t, const struct fast_trie *trie, __u64 key,
		 unsigned int len, __u16 val)
{
	unsigned int depth = 0, shift;
	__u32 node = 0;
	__u64 span, i;
	int err;

	while (len > depth_end(trie, depth)) {
		err = descend(t, entry_of(t, trie, node, key, depth), &node);
		if (err)
			return err;
		depth++;
	}
	shift = trie->key_bits - depth_end(trie, depth);
	span = 1ULL << (depth_end(trie, depth) - len);
	for (i = 0; i < span; i++)
		*entry_of(t, trie, node, key + (i << shift), depth) = val;
	return 0;
}

static bool in_tables(const struct vfw_entry *e)
{
	return e->key.tag_kind == VFW_TAG_VLAN || e->key.tag_kind == VFW_TAG_VNI;
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

/* The entries the tables hold, shortest source prefix first (within each
 * trie the tag length is the same); returns how many. */
static size_t entries_by_len(const struct vfw_entry *entries, size_t n, __u32 *order)
{
	size_t i, n_used = 0;

	for (i = 0; i < n; i++)
		if (in_tables(&entries[i]))
			order[n_used++] = i;
	qsort_r(order, n_used, sizeof(*order), cmp_len, (void *)entries);
	return n_used;
}

static int paint_entry(struct vfw_fast_tables *t, const struct vfw_entry *e, __u16 val)
{
	const struct fast_trie *trie = &tries[e->key.tag_kind];
	__u64 key = (__u64)e->key.tag_id << ADDR_BITS | ntohl(*(const __u32 *)e->key.addr);

	return paint(t, trie, key, trie->key_bits - ADDR_BITS + source_len(e), val);
}

static int paint_entries(struct vfw_fast_tables *t, const struct vfw_entry *entries,
			 const __u32 *order, size_t n_used)
{
	size_t i;
	int err;

	if (n_used >= VFW_FAST_VALS)
		return -E2BIG;
	for (i = 0; i < n_used; i++) {
		__u16 val = t->n_vals++;

		t->val_entry[val] = order[i];
		err = paint_entry(t, &entries[order[i]], val);
		if (err)
			return err;
	}
	return 0;
}

static void free_tagged(struct vfw_fast_tables *t)
{
	free(t->nodes);
	free(t->val_entry);
	t->nodes = NULL;
	t->val_entry = NULL;
	t->n_nodes = t->n_vals = 0;
}

static int build_tagged(const struct vfw_entry *entries, size_t n_entries,
			struct vfw_fast_tables *t)
{
	__u32 *order;
	int err;

	order = calloc(n_entries ?: 1, sizeof(*order));
	t->nodes = calloc(VFW_FAST_NODES, sizeof(*t->nodes));
	t->val_entry = calloc(VFW_FAST_VALS, sizeof(*t->val_entry));
	if (!order || !t->nodes || !t->val_entry) {
		err = -ENOMEM;
		goto cleanup;
	}
	t->n_nodes = VFW_FAST_ROOT_NODES;
	t->n_vals = 1;		/* 0: no entry matches */
	err = paint_entries(t, entries, order, entries_by_len(entries, n_entries, order));
cleanup:
	free(order);
	if (err)
		free_tagged(t);
	return err;
}

/* Either kind of table that does not fit leaves its sources to the LPM
 * trie; any other failure fails the compile. */
int vfw_fast_build(const struct vfw_entry *entries, size_t n_entries,
		   struct vfw_fast_tables *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = vfw_pop_build(entries, n_entries, &t->pop);
	if (err == -E2BIG)
		pr_info("fast path: untagged sources do not fit the Poptrie; they use the LPM trie\n");
	if (err && err != -E2BIG)
		return err;
	err = build_tagged(entries, n_entries, t);
	if (err == -E2BIG)
		pr_info("fast path: tagged sources need more than %d trie nodes or %d values; they use the LPM trie\n",
			VFW_FAST_NODES, VFW_FAST_VALS - 1);
	if (err && err != -E2BIG) {
		vfw_fast_free(t);
		return err;
	}
	return 0;
}

void vfw_fast_free(struct vfw_fast_tables *t)
{
	vfw_pop_free(&t->pop);
	free_tagged(t);
}

static __u32 find_tagged(const struct vfw_fast_tables *t, const struct fast_trie *trie,
			 __u64 key)
{
	unsigned int depth = 0;
	__u16 *entry = entry_of(t, trie, 0, key, depth);

	while (*entry & VFW_FAST_CHILD && depth_end(trie, depth) < trie->key_bits)
		entry = entry_of(t, trie, *entry & ~VFW_FAST_CHILD, key, ++depth);
	return *entry;
}

__u32 vfw_fast_find_tagged(const struct vfw_fast_tables *t, enum vfw_tag_kind kind,
			   __u32 tag_id, __u32 addr)
{
	if (kind == VFW_TAG_NONE)
		return vfw_pop_find(&t->pop, addr);
	return find_tagged(t, &tries[kind], (__u64)tag_id << ADDR_BITS | addr);
}

__u32 vfw_fast_find(const struct vfw_fast_tables *t, __u32 addr)
{
	return vfw_pop_find(&t->pop, addr);
}

static bool is_array_of(int fd, const char *name, __u32 value_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	return info.type == BPF_MAP_TYPE_ARRAY && !strcmp(info.name, name) &&
	       info.value_size == value_size && info.max_entries == VFW_SLOTS;
}

bool vfw_fast_pop_usable(const struct vfw_fast_fds *fds)
{
	bool usable = is_array_of(fds->pop, VFW_MAP_POP, sizeof(struct vfw_pop_slot));

	if (!usable)
		pr_debug("no Poptrie map given: untagged sources use the LPM trie\n");
	return usable;
}

bool vfw_fast_tagged_usable(const struct vfw_fast_fds *fds)
{
	bool usable = is_array_of(fds->nodes, VFW_MAP_FAST_NODES,
				  sizeof(struct vfw_fast_slot_nodes)) &&
		      is_array_of(fds->vals, VFW_MAP_FAST_VALS,
				  sizeof(struct vfw_fast_slot_vals));

	if (!usable)
		pr_debug("no tagged fast-path maps given: tagged sources use the LPM trie\n");
	return usable;
}

static int write_slot(int fd, __u32 slot, const void *value, const char *name)
{
	if (bpf_map_update_elem(fd, &slot, value, BPF_ANY)) {
		int err = -errno;

		pr_warn("cannot write %s[%u]: %s\n", name, slot, strerror(-err));
		return err;
	}
	return 0;
}

/* vals has VFW_FAST_VALS entries; t->nodes is a whole slot's worth
 * (vfw_fast_build allocates it so). */
int vfw_fast_write_tagged(const struct vfw_fast_fds *fds, __u32 slot,
			  const struct vfw_fast_tables *t, const struct vfw_lpm_val *vals)
{
	_Static_assert(sizeof(struct vfw_fast_slot_nodes) ==
		       VFW_FAST_NODES * sizeof(*t->nodes), "nodes are not one slot");
	_Static_assert(sizeof(struct vfw_fast_slot_vals) ==
		       VFW_FAST_VALS * sizeof(*vals), "values are not one slot");
	return write_slot(fds->vals, slot, vals, VFW_MAP_FAST_VALS) ?:
	       write_slot(fds->nodes, slot, t->nodes, VFW_MAP_FAST_NODES);
}

/*
 * One update of the whole slot, however many entries. The values go into
 * the slot's own val[] first: they are the install's, with stable ids.
 */
int vfw_fast_write_pop(const struct vfw_fast_fds *fds, __u32 slot,
		       const struct vfw_pop_tables *t, const struct vfw_lpm_val *vals)
{
	memcpy(t->slot->val, vals, t->n_vals * sizeof(*vals));
	return write_slot(fds->pop, slot, t->slot, VFW_MAP_POP);
}
