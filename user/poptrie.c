// SPDX-License-Identifier: GPL-2.0
/*
 * Builds the Poptrie for untagged IPv4 sources (maps/vaultfw.h,
 * docs/design.md "Fast path for IPv4 sources"). The entries are first
 * flattened into segments of the address space with one value each (the
 * value of the longest entry covering them, which is what leaf pushing
 * stores), then root, nodes and tails are read off the segments in one
 * pass in address order: a range needs a node exactly when a segment edge
 * falls strictly inside it. Painting prefixes over the root instead would
 * cost 2^(20 - len) per short prefix, far too much for 100,000 of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "poptrie.h"

#define ADDR_BITS	32
#define ADDR_SPACE	(1ULL << ADDR_BITS)
#define NODE_SHIFT	(ADDR_BITS - VFW_POP_ROOT_BITS)	/* sources under a root entry */
#define TAIL_SHIFT	(NODE_SHIFT - VFW_POP_STRIDE)	/* sources under a node slot */
#define PREFIX_DEPTH	(ADDR_BITS + 1)

_Static_assert(TAIL_SHIFT == VFW_POP_STRIDE, "a tail node must split its slot into single sources");
_Static_assert(VFW_POP_FANOUT == 64, "slots are bits of a __u64");
_Static_assert(VFW_POP_NODES <= VFW_POP_CHILD, "a node index would hit the child bit");
/* The bounds that make every accepted rule set fit (see the header). */
_Static_assert(VFW_TRIE_MAX_ENTRIES == (1 << VFW_POP_CAP_BITS) - 1, "capacity and limit disagree");
_Static_assert(VFW_TRIE_MAX_ENTRIES <= VFW_POP_NODES, "a node per entry");
_Static_assert(VFW_TRIE_MAX_ENTRIES <= VFW_POP_TAILS, "a tail node per entry");
_Static_assert(4ULL * VFW_TRIE_MAX_ENTRIES <= VFW_POP_LEAVES, "a run per node, tail and entry edge");
_Static_assert(VFW_TRIE_MAX_ENTRIES + 1ULL <= VFW_POP_VALS, "a value per entry, and none");

/* From `start` on (to the next segment's start), sources get value `val`. */
struct segment {
	__u64 start;
	__u32 val;
};

struct segments {
	struct segment *seg;
	size_t n;
};

/* ---- distinct values ---- */

struct val_index {
	__u32 *slot;		/* value index, 0: empty */
	size_t mask;
};

static size_t hash_val(const struct vfw_lpm_val *v)
{
	__u64 h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	h ^= v->cats;
	for (i = 0; i < VFW_CAT_COUNT; i++)
		h = (h ^ v->rule_id[i]) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

/* The value index of entry e's value, new if no entry before had it. */
static __u32 intern(struct val_index *ix, struct vfw_pop_tables *t,
		    const struct vfw_entry *entries, size_t e)
{
	const struct vfw_lpm_val *v = &entries[e].val;
	size_t h = hash_val(v) & ix->mask;

	for (;; h = (h + 1) & ix->mask) {
		__u32 k = ix->slot[h];

		if (!k) {
			ix->slot[h] = t->n_vals;
			t->val_entry[t->n_vals] = e;
			return t->n_vals++;
		}
		if (!memcmp(&entries[t->val_entry[k]].val, v, sizeof(*v)))
			return k;
	}
}

/* ---- flattening ---- */

static void seg_emit(struct segments *s, __u64 start, __u32 val)
{
	if (start >= ADDR_SPACE)
		return;
	if (s->n && s->seg[s->n - 1].start == start)
		s->n--;			/* the segment before was empty */
	if (s->n && s->seg[s->n - 1].val == val)
		return;
	s->seg[s->n++] = (struct segment){ .start = start, .val = val };
}

static bool is_untagged(const struct vfw_entry *e)
{
	return e->key.tag_kind == VFW_TAG_NONE && e->key.tag_id == 0;
}

static __u64 entry_start(const struct vfw_entry *e)
{
	return ntohl(*(const __u32 *)e->key.addr);
}

static __u64 entry_end(const struct vfw_entry *e)
{
	return entry_start(e) + (1ULL << (ADDR_BITS - (e->key.prefixlen - VFW_TAG_BITS)));
}

struct open_prefix {
	__u64 end;
	__u32 val;
};

/* Closes the open prefixes that end at or before `upto`: past each end,
 * the prefix around it (or no entry) holds again. */
static void close_prefixes(struct segments *s, struct open_prefix *stack, size_t *depth,
			   __u64 upto)
{
	while (*depth && stack[*depth - 1].end <= upto) {
		__u64 end = stack[--*depth].end;

		seg_emit(s, end, *depth ? stack[*depth - 1].val : 0);
	}
}

/*
 * A depth-first sweep: the compiler's order puts every prefix before the
 * prefixes it covers, so the open prefixes form a stack. Ends with a
 * sentinel segment at ADDR_SPACE.
 */
static int flatten(const struct vfw_entry *entries, size_t n, struct val_index *ix,
		   struct vfw_pop_tables *t, struct segments *s)
{
	struct open_prefix stack[PREFIX_DEPTH];
	size_t depth = 0, i;
	__u64 last = 0;

	seg_emit(s, 0, 0);
	for (i = 0; i < n && is_untagged(&entries[i]); i++) {
		__u64 start = entry_start(&entries[i]);

		if (i && start < last)
			return -EINVAL;
		last = start;
		close_prefixes(s, stack, &depth, start);
		if (depth == PREFIX_DEPTH || (depth && stack[depth - 1].end < entry_end(&entries[i])))
			return -EINVAL;	/* not nested: entries out of order */
		stack[depth++] = (struct open_prefix){ .end = entry_end(&entries[i]),
						       .val = intern(ix, t, entries, i) };
		seg_emit(s, start, stack[depth - 1].val);
	}
	close_prefixes(s, stack, &depth, ADDR_SPACE);
	s->seg[s->n] = (struct segment){ .start = ADDR_SPACE };
	return 0;
}

/* ---- reading the tables off the segments ---- */

/* Where the build is: segments are visited in address order. */
struct cursor {
	const struct segments *s;
	size_t k;		/* segment holding the last source asked about */
};

/* The value of [lo, lo + size) if it has one value, else false. */
static bool uniform(struct cursor *c, __u64 lo, __u64 size, __u32 *val)
{
	while (c->s->seg[c->k + 1].start <= lo)
		c->k++;
	*val = c->s->seg[c->k].val;
	return c->s->seg[c->k + 1].start >= lo + size;
}

/* below[b]: the set bits of `bits` below byte b (the datapath's rank). */
static void count_below(__u64 bits, __u8 below[VFW_POP_BYTES])
{
	int b;

	for (b = 0; b < VFW_POP_BYTES; b++)
		below[b] = __builtin_popcountll(bits & ((1ULL << (8 * b)) - 1));
}

/* Appends the runs of the leaf slots (children clear) and returns the bitmap. */
static int add_leaves(struct vfw_pop_tables *t, __u64 children, const __u32 *val,
		      __u64 *leaves)
{
	bool first = true;
	__u32 prev = 0;
	int i;

	*leaves = 0;
	for (i = 0; i < VFW_POP_FANOUT; i++) {
		if (children & (1ULL << i))
			continue;
		if (!first && val[i] == prev)
			continue;
		if (t->n_leaves == VFW_POP_LEAVES)
			return -E2BIG;
		t->slot->leaf[t->n_leaves++] = val[i];
		*leaves |= 1ULL << i;
		prev = val[i];
		first = false;
	}
	return 0;
}

static int build_tail(struct vfw_pop_tables *t, struct cursor *c, __u64 lo,
		      struct vfw_pop_tail *tail)
{
	__u32 val[VFW_POP_FANOUT];
	int i, err;

	for (i = 0; i < VFW_POP_FANOUT; i++)
		uniform(c, lo + i, 1, &val[i]);
	tail->leaf_base = t->n_leaves;
	err = add_leaves(t, 0, val, &tail->leaves);
	count_below(tail->leaves, tail->leaves_below);
	return err;
}

/* The node's own leaves first, then its tails in slot order, so that both
 * are contiguous from their bases. */
static int build_node(struct vfw_pop_tables *t, struct cursor *c, __u64 lo,
		      struct vfw_pop_node *node)
{
	__u64 slot_size = 1ULL << TAIL_SHIFT;
	struct cursor at[VFW_POP_FANOUT];
	__u32 val[VFW_POP_FANOUT];
	int i, err;

	node->children = 0;
	for (i = 0; i < VFW_POP_FANOUT; i++) {
		at[i] = *c;
		if (!uniform(c, lo + i * slot_size, slot_size, &val[i]))
			node->children |= 1ULL << i;
	}
	node->leaf_base = t->n_leaves;
	err = add_leaves(t, node->children, val, &node->leaves);
	count_below(node->children, node->children_below);
	count_below(node->leaves, node->leaves_below);
	node->child_base = t->n_tails;
	for (i = 0; !err && i < VFW_POP_FANOUT; i++) {
		if (!(node->children & (1ULL << i)))
			continue;
		if (t->n_tails == VFW_POP_TAILS)
			return -E2BIG;
		err = build_tail(t, &at[i], lo + i * slot_size, &t->slot->tail[t->n_tails++]);
	}
	return err;
}

static int build_root(struct vfw_pop_tables *t, const struct segments *s)
{
	struct cursor c = { .s = s };
	__u64 size = 1ULL << NODE_SHIFT;
	__u32 i, val;
	int err;

	for (i = 0; i < VFW_POP_ROOT; i++) {
		if (uniform(&c, (__u64)i << NODE_SHIFT, size, &val)) {
			t->slot->root[i] = val;
			continue;
		}
		if (t->n_nodes == VFW_POP_NODES)
			return -E2BIG;
		t->slot->root[i] = VFW_POP_CHILD | t->n_nodes;
		err = build_node(t, &c, (__u64)i << NODE_SHIFT, &t->slot->node[t->n_nodes++]);
		if (err)
			return err;
	}
	return 0;
}

static size_t count_untagged(const struct vfw_entry *entries, size_t n)
{
	size_t i = 0;

	while (i < n && is_untagged(&entries[i]))
		i++;
	return i;
}

static int alloc_tables(struct vfw_pop_tables *t)
{
	t->slot = calloc(1, sizeof(*t->slot));
	t->val_entry = calloc(VFW_POP_VALS, sizeof(*t->val_entry));
	if (!t->slot || !t->val_entry)
		return -ENOMEM;
	t->n_vals = 1;		/* 0: no entry matches */
	return 0;
}

int vfw_pop_build(const struct vfw_entry *entries, size_t n_entries,
		  struct vfw_pop_tables *t)
{
	size_t n = count_untagged(entries, n_entries), ix_size = 1;
	struct segments s = {};
	struct val_index ix;
	int err;

	memset(t, 0, sizeof(*t));
	if (n > VFW_TRIE_MAX_ENTRIES)
		return -E2BIG;
	while (ix_size < 2 * n + 2)
		ix_size <<= 1;
	ix = (struct val_index){ .slot = calloc(ix_size, sizeof(*ix.slot)), .mask = ix_size - 1 };
	/* Each entry opens one segment and closes one; then the sentinel. */
	s.seg = calloc(2 * n + 2, sizeof(*s.seg));
	err = ix.slot && s.seg ? alloc_tables(t) : -ENOMEM;
	if (!err)
		err = flatten(entries, n, &ix, t, &s);
	if (!err)
		err = build_root(t, &s);
	free(ix.slot);
	free(s.seg);
	if (err)
		vfw_pop_free(t);
	return err;
}

void vfw_pop_free(struct vfw_pop_tables *t)
{
	free(t->slot);
	free(t->val_entry);
	memset(t, 0, sizeof(*t));
}

__u32 vfw_pop_find(const struct vfw_pop_tables *t, __u32 addr)
{
	__u32 e = t->slot->root[addr >> NODE_SHIFT], i;
	const struct vfw_pop_node *node;
	const struct vfw_pop_tail *tail;

	if (!(e & VFW_POP_CHILD))
		return e;
	node = &t->slot->node[e & ~VFW_POP_CHILD];
	i = (addr >> TAIL_SHIFT) & (VFW_POP_FANOUT - 1);
	if (!(node->children & (1ULL << i)))
		return t->slot->leaf[vfw_pop_leaf(node->leaves, node->leaves_below,
						  node->leaf_base, i)];
	tail = &t->slot->tail[vfw_pop_child(node, i)];
	i = addr & (VFW_POP_FANOUT - 1);
	return t->slot->leaf[vfw_pop_leaf(tail->leaves, tail->leaves_below, tail->leaf_base, i)];
}
