// SPDX-License-Identifier: GPL-2.0
/*
 * vaultfw XDP program: classifies each frame (SPEC §2), and for data-plane
 * traffic decides with one lookup of its source (SPEC §3): in the live
 * slot's fast tables for IPv4, else in its LPM trie.
 * Every verdict is counted under exactly one reason, and under the rule
 * that decided it, if any.
 */
#include <linux/bpf.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include "vaultfw.h"
#include "parse.h"

struct vfw_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VFW_TRIE_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* libbpf 1.1 cannot size a typed key inside an inner map
	 * definition; userspace creates each trie with full BTF. */
	__uint(key_size, sizeof(struct vfw_lpm_key));
	__uint(value_size, sizeof(struct vfw_lpm_val));
};

/*
 * Never called: its signature puts the full key and value types into the
 * object's BTF (the inner map definition above only yields forward
 * declarations), where userspace finds them for the tries it creates.
 */
__noinline int vfw_trie_btf_types(struct vfw_lpm_key *key, struct vfw_lpm_val *val)
{
	return key && val;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vfw_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_config);
} vfw_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__array(values, struct vfw_trie);
} vfw_rulesets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vfw_counter);
} vfw_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_REASON_COUNT);
	__type(key, __u32);
	__type(value, struct vfw_counter);
} vfw_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vfw_rule_meta);
} vfw_rule_meta SEC(".maps");

/* Userspace state only: see struct vfw_document. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_document);
} vfw_document SEC(".maps");

/* Userspace state only: see struct vfw_ident. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vfw_ident);
} vfw_ident SEC(".maps");

/* Fast path for IPv4 sources: statically declared arrays, whose
 * lookups the verifier inlines (those into an inner map are not). The
 * Poptrie for untagged sources first, then the tagged tries. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_pop_slot);
} vfw_pop SEC(".maps");

_Static_assert(!(VFW_POP_NODES & (VFW_POP_NODES - 1)), "node indexes are masked");
_Static_assert(!(VFW_POP_TAILS & (VFW_POP_TAILS - 1)), "tail indexes are masked");
_Static_assert(!(VFW_POP_LEAVES & (VFW_POP_LEAVES - 1)), "leaf indexes are masked");
_Static_assert(!(VFW_POP_VALS & (VFW_POP_VALS - 1)), "value indexes are masked");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_fast_slot_nodes);
} vfw_fast_nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_fast_slot_vals);
} vfw_fast_vals SEC(".maps");

_Static_assert(!(VFW_FAST_NODES & (VFW_FAST_NODES - 1)), "node indexes are masked");
_Static_assert(!(VFW_FAST_VALS & (VFW_FAST_VALS - 1)), "value indexes are masked");

/*
 * Verdicts come from the VFW_REASONS table, packed four bits per reason
 * into one constant so that looking one up costs a shift, not a map.
 */
#define VFW_VERDICT_NIBBLE(id, name, verdict) \
	| ((__u64)(verdict) << (4 * VFW_REASON_##id))
#define VFW_VERDICTS	(0 VFW_REASONS(VFW_VERDICT_NIBBLE))
_Static_assert(VFW_REASON_COUNT * 4 <= 64, "verdict table outgrew a __u64");
_Static_assert(XDP_REDIRECT < 16, "an XDP action does not fit four bits");

static __always_inline int reason_verdict(__u32 reason)
{
	return (VFW_VERDICTS >> (4 * reason)) & 0xf;
}

/* What the L4 header says about whether a packet is data plane. */
enum vfw_l4 {
	VFW_L4_PORTS,		/* dport is valid */
	VFW_L4_TRUNCATED,	/* TCP/UDP header cut short */
	VFW_L4_NOT_DP,		/* no ports (ICMP, OSPF, VRRP, ...): never data plane */
	VFW_L4_DEST_ONLY,	/* later fragment, ended IPv6 walk, or an encapsulation
				 * vaultfw does not open: destination decides */
};

enum vfw_frame {
	VFW_FRAME_IP,
	VFW_FRAME_NON_IP,
	VFW_FRAME_MALFORMED,
	VFW_FRAME_VXLAN,	/* outer IPv4 UDP to an opened VXLAN port */
	VFW_FRAME_UNTRUSTED_TUNNEL,
};

/*
 * What the decision needs from a frame. The addresses stay in the frame
 * (l3 points at the innermost IP header): copying them would cost every
 * packet, and only the data-plane check and the log read them.
 */
struct vfw_pkt {
	void *l3;		/* struct iphdr or struct ipv6hdr, by family */
	__u32 tag_kind;		/* enum vfw_tag_kind */
	__u32 tag_id;
	__u16 family;
	__u8 proto;
	__u8 l4;		/* enum vfw_l4 */
	__u16 dport;		/* host order */
};

/* TCP and UDP headers both begin with the source and destination ports. */
static __always_inline void parse_ports(struct vfw_cursor *c, struct vfw_pkt *pkt, __u32 need)
{
	struct udphdr *ports = cursor_pull(c, need);

	if (!ports) {
		pkt->l4 = VFW_L4_TRUNCATED;
		return;
	}
	pkt->l4 = VFW_L4_PORTS;
	pkt->dport = bpf_ntohs(ports->dest);
}

static __always_inline bool vxlan_port_opened(const struct vfw_config *cfg, __u16 port)
{
	__u32 n = cfg->n_vxlan_ports;
	__u32 i;

	for (i = 0; i < VFW_MAX_VXLAN_PORTS && i < n; i++)
		if (cfg->vxlan_ports[i] == port)
			return true;
	return false;
}

/* UDP ports that some host may unwrap a tunnel from, opened or not. */
static __always_inline bool is_encap_port(const struct vfw_config *cfg, __u16 port)
{
	return port == VFW_VXLAN_PORT || port == VFW_VXLAN_PORT_LINUX ||
	       port == VFW_GENEVE_PORT || vxlan_port_opened(cfg, port);
}

/*
 * The upper layer of an IPv4 or IPv6 packet whose header chain reached it.
 * Only an outer IPv4 UDP datagram to an opened port is VXLAN to open;
 * every other tunnel the host might unwrap carries traffic out of our
 * sight, so it is judged by what it shows: its source and tag.
 */
static __always_inline enum vfw_frame parse_upper(struct vfw_cursor *c,
						  const struct vfw_config *cfg,
						  struct vfw_pkt *pkt, bool may_open)
{
	switch (pkt->proto) {
	case IPPROTO_TCP:
		parse_ports(c, pkt, sizeof(struct tcphdr));
		return VFW_FRAME_IP;
	case IPPROTO_UDP:
		parse_ports(c, pkt, sizeof(struct udphdr));
		break;
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
	case IPPROTO_GRE:
	case IPPROTO_ESP:
	case IPPROTO_AH:
		pkt->l4 = VFW_L4_DEST_ONLY;
		return VFW_FRAME_IP;
	default:
		pkt->l4 = VFW_L4_NOT_DP;
		return VFW_FRAME_IP;
	}
	if (pkt->l4 != VFW_L4_PORTS)
		return VFW_FRAME_IP;
	if (may_open && vxlan_port_opened(cfg, pkt->dport))
		return VFW_FRAME_VXLAN;
	if (is_encap_port(cfg, pkt->dport))
		pkt->l4 = VFW_L4_DEST_ONLY;
	return VFW_FRAME_IP;
}

static __always_inline enum vfw_frame parse_ipv4_pkt(struct vfw_cursor *c,
						     const struct vfw_config *cfg,
						     struct vfw_pkt *pkt, bool outer)
{
	struct iphdr *iph;

	iph = parse_ipv4(c);
	if (!iph)
		return VFW_FRAME_MALFORMED;
	pkt->family = AF_INET;
	pkt->l3 = iph;
	pkt->proto = iph->protocol;
	if (ipv4_is_later_fragment(iph)) {
		pkt->l4 = VFW_L4_DEST_ONLY;
		return VFW_FRAME_IP;
	}
	return parse_upper(c, cfg, pkt, outer);
}

static __always_inline enum vfw_frame parse_ipv6_pkt(struct vfw_cursor *c,
						     const struct vfw_config *cfg,
						     struct vfw_pkt *pkt)
{
	struct ipv6hdr *ip6h;
	__u8 nexthdr;

	ip6h = parse_ipv6(c);
	if (!ip6h)
		return VFW_FRAME_MALFORMED;
	pkt->family = AF_INET6;
	pkt->l3 = ip6h;
	nexthdr = ip6h->nexthdr;
	switch (ipv6_walk_ext(c, &nexthdr)) {
	case IPV6_WALK_TRUNCATED:
		return VFW_FRAME_MALFORMED;
	case IPV6_WALK_ENDED:
		pkt->l4 = VFW_L4_DEST_ONLY;
		return VFW_FRAME_IP;
	case IPV6_WALK_L4:
		break;
	}
	pkt->proto = nexthdr;
	return parse_upper(c, cfg, pkt, false);
}

static __always_inline enum vfw_frame parse_l3(struct vfw_cursor *c, const struct vfw_config *cfg,
					       __be16 type, struct vfw_pkt *pkt, bool outer)
{
	if (type == bpf_htons(ETH_P_IP))
		return parse_ipv4_pkt(c, cfg, pkt, outer);
	if (type == bpf_htons(ETH_P_IPV6))
		return parse_ipv6_pkt(c, cfg, pkt);
	return VFW_FRAME_NON_IP;
}

#define VFW_OUTER_MAX_TAGS	2
#define VFW_INNER_MAX_TAGS	1

static __always_inline bool vxlan_remote_trusted(const struct vfw_config *cfg, __be32 saddr)
{
	__u32 n = cfg->n_vxlan_remotes;
	__u32 i;

	for (i = 0; i < VFW_MAX_VXLAN_REMOTES && i < n; i++)
		if ((saddr & cfg->vxlan_remotes[i].mask) == cfg->vxlan_remotes[i].addr)
			return true;
	return false;
}

/*
 * Opens the VXLAN payload: the VNI becomes the tag, inner IP the packet.
 * The endpoint is checked first: a VNI is only as good as whoever sent it.
 * A frame without the I flag carries no VNI we could judge it by, so it is
 * an encapsulation we do not open.
 */
static __always_inline enum vfw_frame parse_vxlan(struct vfw_cursor *c,
						  const struct vfw_config *cfg,
						  struct vfw_pkt *pkt)
{
	const struct iphdr *outer = pkt->l3;
	struct vxlan_hdr *vxh;
	__be16 type;
	__u32 vid;
	int vni;

	if (!vxlan_remote_trusted(cfg, outer->saddr))
		return VFW_FRAME_UNTRUSTED_TUNNEL;
	vxh = cursor_pull(c, sizeof(*vxh));
	if (!vxh)
		return VFW_FRAME_MALFORMED;
	vni = vxlan_vni(vxh);
	if (vni < 0) {
		pkt->l4 = VFW_L4_DEST_ONLY;
		return VFW_FRAME_IP;
	}
	if (parse_eth(c, VFW_INNER_MAX_TAGS, &type, &vid))
		return VFW_FRAME_MALFORMED;
	pkt->tag_kind = VFW_TAG_VNI;
	pkt->tag_id = vni;
	pkt->dport = 0;
	return parse_l3(c, cfg, type, pkt, false);
}

static __always_inline enum vfw_frame parse_frame(struct vfw_cursor *c,
						  const struct vfw_config *cfg,
						  struct vfw_pkt *pkt)
{
	enum vfw_frame frame;
	__be16 type;
	__u32 vid;

	if (parse_eth(c, VFW_OUTER_MAX_TAGS, &type, &vid))
		return VFW_FRAME_MALFORMED;
	if (vid) {
		pkt->tag_kind = VFW_TAG_VLAN;
		pkt->tag_id = vid;
	}
	frame = parse_l3(c, cfg, type, pkt, true);
	if (frame == VFW_FRAME_VXLAN)
		frame = parse_vxlan(c, cfg, pkt);
	return frame;
}

/*
 * Headers are read from the first buffer, where every driver puts them
 * (they are a few hundred bytes; a buffer is a page or more): a header
 * that lies past it fails its pull and the frame is malformed, failing
 * closed. Lengths (the IPv4 total length) are checked against the whole
 * frame, which *len gets (the first buffer's unless the frame has more).
 */
static __always_inline enum vfw_frame parse_frame_of(struct xdp_md *ctx,
						     const struct vfw_config *cfg,
						     struct vfw_pkt *pkt, __u64 *len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct vfw_cursor cursor = { .pos = data, .end = data_end, .limit = data_end,
				     .start = data, .ctx = ctx, .len = data_end - data };
	enum vfw_frame frame;

	frame = parse_frame(&cursor, cfg, pkt);
	*len = cursor.len;
	return frame;
}

/* IPv4 destinations are a run of 4-byte compares over the packed copy. */
static __always_inline bool dp_addr4_is_dst(const struct vfw_config *cfg,
					    const struct iphdr *iph)
{
	__u32 n = cfg->n_dp_v4;
	__be32 daddr = iph->daddr;
	__u32 i;

	for (i = 0; i < VFW_MAX_DP_ADDRS && i < n; i++)
		if (cfg->dp_v4[i] == daddr)
			return true;
	return false;
}

static __always_inline bool dp_addr6_is_dst(const struct vfw_config *cfg,
					    const struct ipv6hdr *ip6h)
{
	const __be32 *daddr = ip6h->daddr.in6_u.u6_addr32;
	__u32 n = cfg->n_dp_addrs;
	__u32 i;

	for (i = 0; i < VFW_MAX_DP_ADDRS && i < n; i++) {
		const struct vfw_dp_addr *a = &cfg->dp_addrs[i];
		const __be32 *addr = (const __be32 *)a->addr;

		/* One branch an address, not five: the verifier walks each
		 * iteration on every path that reaches it. */
		if (!((a->family ^ AF_INET6) | (addr[0] ^ daddr[0]) | (addr[1] ^ daddr[1]) |
		      (addr[2] ^ daddr[2]) | (addr[3] ^ daddr[3])))
			return true;
	}
	return false;
}

static __always_inline bool dp_addr_is_dst(const struct vfw_config *cfg,
					   const struct vfw_pkt *pkt)
{
	if (!cfg->n_dp_addrs)
		return true;
	if (pkt->family == AF_INET)
		return dp_addr4_is_dst(cfg, pkt->l3);
	return dp_addr6_is_dst(cfg, pkt->l3);
}

static __always_inline bool dp_port_is_dst(const struct vfw_config *cfg,
					   const struct vfw_pkt *pkt)
{
	__u32 n = cfg->n_dp_ports;
	__u32 i;

	for (i = 0; i < VFW_MAX_DP_PORTS && i < n; i++)
		if (cfg->dp_ports[i].proto == pkt->proto &&
		    cfg->dp_ports[i].port == pkt->dport)
			return true;
	return false;
}

/*
 * Returns VFW_REASON_COUNT for a data-plane packet, which must then be
 * judged, or the reason that settles any other IP packet.
 */
static __always_inline __u32 classify(const struct vfw_config *cfg,
				      const struct vfw_pkt *pkt)
{
	if (pkt->l4 == VFW_L4_NOT_DP || !dp_addr_is_dst(cfg, pkt))
		return VFW_REASON_CONTROL_PLANE;
	if (pkt->l4 == VFW_L4_DEST_ONLY)
		return VFW_REASON_COUNT;
	if (pkt->l4 == VFW_L4_TRUNCATED)
		return VFW_REASON_MALFORMED;
	return dp_port_is_dst(cfg, pkt) ? VFW_REASON_COUNT : VFW_REASON_CONTROL_PLANE;
}

/*
 * Walks one tagged trie of the fast tables (maps/vaultfw.h): the root entry
 * consumes the first root_bits of the key_bits wide key, each node below
 * one byte more. Returns the entry the LPM trie would return, or NULL.
 */
static __always_inline struct vfw_lpm_val *walk_fast(__u32 slot, __u64 key, __u32 root,
						     const int root_bits, const int key_bits)
{
	__u64 index = key >> (key_bits - root_bits);
	struct vfw_fast_slot_nodes *nodes;
	struct vfw_fast_slot_vals *vals;
	__u32 node = root + (index >> VFW_FAST_STRIDE);
	__u16 next;
	int shift;

	nodes = bpf_map_lookup_elem(&vfw_fast_nodes, &slot);
	if (!nodes)
		return NULL;
	next = nodes->node[node].next[index & (VFW_FAST_FANOUT - 1)];
#pragma unroll
	for (shift = key_bits - root_bits - VFW_FAST_STRIDE; shift >= 0;
	     shift -= VFW_FAST_STRIDE) {
		if (!(next & VFW_FAST_CHILD))
			break;
		node = next & (VFW_FAST_NODES - 1);
		next = nodes->node[node].next[(key >> shift) & (VFW_FAST_FANOUT - 1)];
	}
	if (!next)
		return NULL;
	vals = bpf_map_lookup_elem(&vfw_fast_vals, &slot);
	if (!vals)
		return NULL;
	return &vals->val[next & (VFW_FAST_VALS - 1)];
}

#define VFW_ADDR_BITS	32
#define VFW_POP_NODE_SHIFT	(VFW_ADDR_BITS - VFW_POP_ROOT_BITS)

/*
 * Below a root entry with a child: the node's slot, and for a child slot
 * the tail node's, each found by rank (maps/vaultfw.h). Returns a value
 * index, 0 for none.
 */
static __always_inline __u32 walk_pop_node(const struct vfw_pop_slot *t, __u32 entry,
					   __u32 src)
{
	const struct vfw_pop_node *node = &t->node[entry & (VFW_POP_NODES - 1)];
	__u32 i = (src >> VFW_POP_STRIDE) & (VFW_POP_FANOUT - 1);
	const struct vfw_pop_tail *tail;

	if (!(node->children & (1ULL << i)))
		return t->leaf[vfw_pop_leaf(node->leaves, node->leaves_below, node->leaf_base, i) &
			       (VFW_POP_LEAVES - 1)];
	tail = &t->tail[vfw_pop_child(node, i) & (VFW_POP_TAILS - 1)];
	i = src & (VFW_POP_FANOUT - 1);
	return t->leaf[vfw_pop_leaf(tail->leaves, tail->leaves_below, tail->leaf_base, i) &
		       (VFW_POP_LEAVES - 1)];
}

/* The untagged source's entry, as the LPM trie would return it, or NULL. */
static __always_inline struct vfw_lpm_val *walk_pop(__u32 slot, __u32 src)
{
	struct vfw_pop_slot *t = bpf_map_lookup_elem(&vfw_pop, &slot);
	__u32 entry;

	if (!t)
		return NULL;
	entry = t->root[src >> VFW_POP_NODE_SHIFT];
	if (entry & VFW_POP_CHILD)
		entry = walk_pop_node(t, entry, src);
	if (!entry)
		return NULL;
	return &t->val[entry & (VFW_POP_VALS - 1)];
}

/*
 * The fast-table answer for an IPv4 source, or false when the slot has no
 * tables for its kind of tag (the LPM trie answers then).
 */
static __always_inline bool lookup_fast(__u32 slot, __u32 flags, const struct vfw_pkt *pkt,
					__be32 saddr, struct vfw_lpm_val **val)
{
	__u64 key = (__u64)pkt->tag_id << VFW_ADDR_BITS | bpf_ntohl(saddr);

	if (pkt->tag_kind == VFW_TAG_NONE && (flags & VFW_CFG_FAST))
		*val = walk_pop(slot, bpf_ntohl(saddr));
	else if (pkt->tag_kind == VFW_TAG_VLAN && (flags & VFW_CFG_FAST_TAGGED))
		*val = walk_fast(slot, key, VFW_FAST_VLAN_ROOT, VFW_FAST_VLAN_BITS,
				 VFW_FAST_VLAN_BITS + VFW_ADDR_BITS);
	else if (pkt->tag_kind == VFW_TAG_VNI && (flags & VFW_CFG_FAST_TAGGED))
		*val = walk_fast(slot, key, VFW_FAST_VNI_ROOT, VFW_FAST_STRIDE,
				 VFW_FAST_VNI_BITS + VFW_ADDR_BITS);
	else
		return false;
	return true;
}

/* The one lookup: every category a source belongs to, or NULL. */
static __always_inline struct vfw_lpm_val *lookup_source(__u32 slot,
							 const struct vfw_config *cfg,
							 const struct vfw_pkt *pkt)
{
	struct vfw_lpm_key key = {
		.prefixlen = VFW_TAG_BITS,
		.tag_kind = pkt->tag_kind,
		.tag_id = pkt->tag_id,
	};
	struct vfw_lpm_val *val;
	void *trie;

	if (pkt->family == AF_INET) {
		__be32 saddr = ((const struct iphdr *)pkt->l3)->saddr;

		if (lookup_fast(slot, cfg->flags, pkt, saddr, &val))
			return val;
		key.prefixlen = VFW_TAG_BITS + 32;
		__builtin_memcpy(key.addr, &saddr, sizeof(key.addr));
	} else if (pkt->tag_kind == VFW_TAG_NONE) {
		return NULL;	/* every untagged entry is an IPv4 prefix */
	}
	trie = bpf_map_lookup_elem(&vfw_rulesets, &slot);
	if (!trie)
		return NULL;
	return bpf_map_lookup_elem(trie, &key);
}

/*
 * SPEC §3, steps 1 to 9: the first step that decides gives the reason.
 * *would_deny reports step 3, counted beside the reason.
 */
static __always_inline __u32 judge(__u32 flags, __u32 cats, bool *would_deny)
{
	bool trusted = (cats & (1u << VFW_CAT_TRUSTED)) && (flags & VFW_CFG_BYPASS);
	bool perim_ok = cats & (1u << VFW_CAT_PERIM);

	if (cats & (1u << VFW_CAT_PE))
		return VFW_REASON_PRIVATE_ENDPOINT;
	if (flags & VFW_CFG_PERIMETER) {
		if (flags & VFW_CFG_PERIM_ENFORCE)
			return perim_ok ? VFW_REASON_PERIMETER_RULE : VFW_REASON_PERIMETER_DENY;
		*would_deny = !perim_ok;
	}
	if (flags & VFW_CFG_PUBLIC_DISABLED)
		return trusted ? VFW_REASON_TRUSTED_SERVICE : VFW_REASON_PUBLIC_ACCESS_DISABLED;
	if (flags & VFW_CFG_DEFAULT_ALLOW)
		return VFW_REASON_DEFAULT_ALLOW;
	if (trusted)
		return VFW_REASON_TRUSTED_SERVICE;
	if (cats & (1u << VFW_CAT_IP))
		return VFW_REASON_IP_RULE;
	if (cats & (1u << VFW_CAT_VNET))
		return VFW_REASON_VNET_RULE;
	return VFW_REASON_DEFAULT_DENY;
}

/* The category whose rule a reason credits, or VFW_CAT_COUNT for none. */
static __always_inline __u32 reason_category(__u32 reason)
{
	switch (reason) {
	case VFW_REASON_PRIVATE_ENDPOINT:
		return VFW_CAT_PE;
	case VFW_REASON_PERIMETER_RULE:
		return VFW_CAT_PERIM;
	case VFW_REASON_TRUSTED_SERVICE:
		return VFW_CAT_TRUSTED;
	case VFW_REASON_IP_RULE:
		return VFW_CAT_IP;
	case VFW_REASON_VNET_RULE:
		return VFW_CAT_VNET;
	default:
		return VFW_CAT_COUNT;
	}
}

static __always_inline void count(void *counters, __u32 key, __u64 bytes)
{
	struct vfw_counter *ctr = bpf_map_lookup_elem(counters, &key);

	if (ctr) {	/* per-CPU: no other writer */
		ctr->packets++;
		ctr->bytes += bytes;
	}
}

/* Diagnostic log: see README.md "Diagnostic log". */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VFW_EVENTS_BYTES);
} vfw_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vfw_log_config);
} vfw_log_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vfw_log_bucket);
} vfw_log_bucket SEC(".maps");

#define NSEC_PER_SEC	1000000000ULL
_Static_assert(VFW_REASON_COUNT <= 32, "reason mask outgrew a __u32");
/* Credit never exceeds a full bucket plus one second of refill. */
_Static_assert(VFW_LOG_RATE_MAX <= ~0ULL / 2 / NSEC_PER_SEC, "bucket credit can overflow");

static __always_inline bool log_wanted(const struct vfw_log_config *lc, __u32 reason,
				       int verdict, bool would_deny)
{
	if (verdict == XDP_DROP && (lc->reasons & (1u << reason)))
		return true;
	return would_deny && (lc->reasons & (1u << VFW_REASON_PERIMETER_WOULD_DENY));
}

/* Refill for the time since the last event (a second fills the bucket, so
 * the burst is `rate`), then take one token if there is one. */
static __always_inline bool log_take_token(struct vfw_log_bucket *b, __u32 rate, __u64 now)
{
	__u64 elapsed = now - b->last_ns;
	__u64 full = (__u64)rate * NSEC_PER_SEC;

	if (elapsed > NSEC_PER_SEC)
		elapsed = NSEC_PER_SEC;
	b->last_ns = now;
	b->credit += elapsed * rate;
	if (b->credit > full)
		b->credit = full;
	if (b->credit < NSEC_PER_SEC) {
		b->held_back++;
		b->clock_at = b->held_back + VFW_LOG_CLOCK_EVERY;
		return false;
	}
	b->credit -= NSEC_PER_SEC;
	return true;
}

static __always_inline void fill_addrs(struct vfw_event *ev, const struct vfw_pkt *pkt)
{
	const struct ipv6hdr *ip6h = pkt->l3;
	const struct iphdr *iph = pkt->l3;

	if (pkt->family == AF_INET6) {
		__builtin_memcpy(ev->saddr, &ip6h->saddr, sizeof(ev->saddr));
		__builtin_memcpy(ev->daddr, &ip6h->daddr, sizeof(ev->daddr));
	} else if (pkt->family == AF_INET) {
		__builtin_memcpy(ev->saddr, &iph->saddr, sizeof(iph->saddr));
		__builtin_memcpy(ev->daddr, &iph->daddr, sizeof(iph->daddr));
	}
}

/* The config of the live slot, for the log's second look at a frame. */
static __always_inline const struct vfw_config *live_config(void)
{
	__u32 zero = 0, *active;

	active = bpf_map_lookup_elem(&vfw_active, &zero);
	return active ? bpf_map_lookup_elem(&vfw_config, active) : NULL;
}

/*
 * Out of line, and parsing the frame again: only the few packets that are
 * logged pay for it, and the hot path keeps nothing alive for the log (not
 * even the config, looked up again here: a flip in between changes only
 * how a logged frame is described, never its verdict).
 */
/* What one event says beyond the frame itself. */
struct vfw_log_req {
	__u32 reason;
	__u32 rule_id;
	__u32 rate;
	bool would_deny;
};

static __noinline int log_event(struct xdp_md *ctx, struct vfw_log_bucket *b,
				const struct vfw_log_req *req)
{
	__u32 reason = req->reason, rule_id = req->rule_id;
	bool would_deny = req->would_deny;
	const struct vfw_config *cfg;
	struct vfw_pkt pkt = {};
	struct vfw_event *ev;
	__u64 now, len;

	now = bpf_ktime_get_ns();
	if (!log_take_token(b, req->rate, now))
		return 0;
	cfg = live_config();
	if (!cfg)
		return 0;
	ev = bpf_ringbuf_reserve(&vfw_events, sizeof(*ev), 0);
	if (!ev) {
		b->ring_full++;
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));	/* reserved memory is not zeroed */
	parse_frame_of(ctx, cfg, &pkt, &len);
	ev->ktime_ns = now;
	ev->ifindex = ctx->ingress_ifindex;
	ev->rule_id = rule_id;
	ev->tag_kind = pkt.tag_kind;
	ev->tag_id = pkt.tag_id;
	ev->verdict = reason_verdict(reason);
	ev->reason = reason;
	ev->flags = would_deny ? VFW_EVENT_WOULD_DENY : 0;
	ev->proto = pkt.proto;
	ev->family = pkt.family;
	ev->dport = pkt.dport;
	fill_addrs(ev, &pkt);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The log is off in most deployments: that costs one lookup and a branch.
 * On, a flood of denied frames is mostly held back, and that is decided
 * here, inline and without the clock, while the bucket is empty and its
 * next look at the clock is not due (VFW_LOG_CLOCK_EVERY).
 */
static __always_inline void maybe_log(struct xdp_md *ctx, __u32 reason, int verdict,
				      bool would_deny, __u32 rule_id)
{
	struct vfw_log_req req = { .reason = reason, .rule_id = rule_id,
				   .would_deny = would_deny };
	struct vfw_log_config *lc;
	struct vfw_log_bucket *b;
	__u32 zero = 0;

	lc = bpf_map_lookup_elem(&vfw_log_config, &zero);
	if (!lc || !lc->rate || !log_wanted(lc, reason, verdict, would_deny))
		return;
	b = bpf_map_lookup_elem(&vfw_log_bucket, &zero);
	if (!b)
		return;
	/* Credit changes only when the clock is read, so until clock_at the
	 * bucket is still empty: one compare and one store. */
	if (b->held_back < b->clock_at) {
		b->held_back++;
		return;
	}
	req.rate = lc->rate < VFW_LOG_RATE_MAX ? lc->rate : VFW_LOG_RATE_MAX;
	log_event(ctx, b, &req);
}

/* xdp.frags: the program takes multi-buffer frames, so that native mode
 * attaches at jumbo MTUs (9000) too. */
SEC("xdp.frags")
int vaultfw_xdp(struct xdp_md *ctx)
{
	__u64 bytes;
	struct vfw_pkt pkt = {};
	bool would_deny = false;
	struct vfw_config *cfg;
	struct vfw_lpm_val *val;
	__u32 zero = 0, slot;
	__u32 rule_id = VFW_RULE_ID_NONE;
	__u32 reason, cat;
	__u32 *active;
	int verdict;

	active = bpf_map_lookup_elem(&vfw_active, &zero);
	if (!active)
		return XDP_PASS;
	slot = *active;		/* read once: config and trie must agree */
	cfg = bpf_map_lookup_elem(&vfw_config, &slot);
	if (!cfg || !(cfg->flags & VFW_CFG_VALID))
		return XDP_PASS;

	switch (parse_frame_of(ctx, cfg, &pkt, &bytes)) {
	case VFW_FRAME_IP:
		reason = classify(cfg, &pkt);
		break;
	case VFW_FRAME_NON_IP:
		reason = VFW_REASON_NON_IP;
		break;
	case VFW_FRAME_UNTRUSTED_TUNNEL:
		reason = VFW_REASON_UNTRUSTED_TUNNEL;
		break;
	default:
		reason = VFW_REASON_MALFORMED;
		break;
	}
	if (reason == VFW_REASON_COUNT) {
		val = lookup_source(slot, cfg, &pkt);
		reason = judge(cfg->flags, val ? val->cats : 0, &would_deny);
		cat = reason_category(reason);
		if (val && cat < VFW_CAT_COUNT) {
			rule_id = val->rule_id[cat];
			count(&vfw_rule_stats, rule_id, bytes);
		}
	}
	if (would_deny)
		count(&vfw_reasons, VFW_REASON_PERIMETER_WOULD_DENY, bytes);
	count(&vfw_reasons, reason, bytes);
	verdict = reason_verdict(reason);
	if (verdict == XDP_DROP || would_deny)	/* allowed traffic skips the log */
		maybe_log(ctx, reason, verdict, would_deny, rule_id);
	return verdict;
}

char _license[] SEC("license") = "GPL";
