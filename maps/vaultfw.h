/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one header shared by the XDP program (bpf/) and the loader (user/).
 * Every key, value, reason id, rule kind and map name lives here; nothing
 * in this file may be mirrored by hand on either side.
 */
#ifndef VAULTFW_MAPS_H
#define VAULTFW_MAPS_H

#include <linux/types.h>

/* Map names double as pin names under VFW_PIN_ROOT/IFACE/ (kernel map names
 * are at most 15 characters, so these are kept short). */
#define VFW_PIN_ROOT		"/sys/fs/bpf/vaultfw"
#define VFW_PROG_NAME		"vaultfw_xdp"
#define VFW_MAP_ACTIVE		"vfw_active"
#define VFW_MAP_CONFIG		"vfw_config"
#define VFW_MAP_RULESETS	"vfw_rulesets"
#define VFW_MAP_RULE_STATS	"vfw_rule_stats"
#define VFW_MAP_REASONS		"vfw_reasons"
#define VFW_MAP_RULE_META	"vfw_rule_meta"
#define VFW_MAP_DOCUMENT	"vfw_document"
/* The LPM trie of the active slot is also pinned under this name. */
#define VFW_PIN_RULES		"vfw_rules"

/*
 * Rule sets are double-buffered: slot vfw_active[0] is live, the other one
 * is written by the next apply and then made live with one 4-byte store.
 */
#define VFW_SLOTS		2
#define VFW_MAX_DP_ADDRS	16
#define VFW_MAX_DP_PORTS	16
#define VFW_NAME_MAX		256
#define VFW_FRAME_LEN_MAX	0xffff	/* bytes of one frame the program reads lengths in */

/* Limits of the rule set (SPEC §1 and the project's own, see README). */
#define VFW_MAX_IP_RULES	1000
#define VFW_MAX_VNET_RULES	200
#define VFW_MAX_SUBNETS		512
#define VFW_MAX_TRUSTED		64
#define VFW_MAX_PRIVATE_EP	64
#define VFW_MAX_ACCESS_RULES	200
#define VFW_MAX_MEMBERS		200
/*
 * Rule ids: a live set and the set being installed must fit side by side
 * (a new rule may not reuse a live id), so any apply finds free ids.
 */
#define VFW_MAX_RULES_PER_SET	(VFW_MAX_IP_RULES + VFW_MAX_VNET_RULES +	\
				 VFW_MAX_TRUSTED + VFW_MAX_PRIVATE_EP +		\
				 VFW_MAX_ACCESS_RULES + VFW_MAX_MEMBERS)
#define VFW_MAX_RULES		(2 * VFW_MAX_RULES_PER_SET)

/* Tunnels (SPEC §2): VXLAN is opened on host.vxlan.ports only; these
 * well-known ports are encapsulations whenever they are not opened. */
#define VFW_VXLAN_PORT		4789	/* IANA, and host.vxlan.ports' default */
#define VFW_VXLAN_PORT_LINUX	8472	/* the Linux vxlan default, flannel's */
#define VFW_GENEVE_PORT		6081
#define VFW_MAX_VXLAN_PORTS	4
#define VFW_MAX_VXLAN_REMOTES	16
#define VFW_VNI_MAX		16777215
#define VFW_VLAN_MAX		4094

/* How a packet, or a rule entry, is tagged. VXLAN VNI wins over VLAN. */
enum vfw_tag_kind {
	VFW_TAG_NONE = 0,
	VFW_TAG_VLAN = 1,
	VFW_TAG_VNI = 2,
};

/*
 * LPM key: the tag is always matched in full (prefixlen counts it), then
 * `prefixlen - VFW_TAG_BITS` bits of the IPv4 source. A lookup with
 * prefixlen == VFW_TAG_BITS matches only tag-only entries.
 */
struct vfw_lpm_key {
	__u32 prefixlen;
	__u32 tag_kind;		/* enum vfw_tag_kind */
	__u32 tag_id;		/* VLAN id or VNI, 0 when untagged */
	__u8 addr[4];		/* IPv4 source, network order */
};
#define VFW_TAG_BITS		64

/* What a source can be: one bit per category, several at once. */
enum vfw_category {
	VFW_CAT_IP = 0,		/* networkAcls.ipRules */
	VFW_CAT_VNET,		/* networkAcls.virtualNetworkRules via host.subnets */
	VFW_CAT_TRUSTED,	/* host.trustedServices */
	VFW_CAT_PE,		/* host.privateEndpoints, Approved only */
	VFW_CAT_PERIM,		/* perimeter inbound access rule or member */
	VFW_CAT_COUNT,
};

/*
 * Value of an LPM entry. The compiler pushes every category of a covering
 * prefix down into the more specific entries on the same tag, so one lookup
 * answers for all categories; rule_id[c] is the most specific rule of
 * category c (valid only when bit c of cats is set).
 */
struct vfw_lpm_val {
	__u32 cats;
	__u32 rule_id[VFW_CAT_COUNT];
};

/* X-macro: reason id, name shown to operators, verdict it gives. */
#define VFW_REASONS(X)							\
	X(CONTROL_PLANE,	"control-plane",	XDP_PASS)	\
	X(NON_IP,		"non-ip",		XDP_PASS)	\
	X(MALFORMED,		"malformed",		XDP_DROP)	\
	X(UNTRUSTED_TUNNEL,	"untrusted-tunnel",	XDP_DROP)	\
	X(PRIVATE_ENDPOINT,	"private-endpoint",	XDP_PASS)	\
	X(PERIMETER_RULE,	"perimeter-rule",	XDP_PASS)	\
	X(PERIMETER_DENY,	"perimeter-deny",	XDP_DROP)	\
	X(PERIMETER_WOULD_DENY,	"perimeter-would-deny",	XDP_PASS)	\
	X(TRUSTED_SERVICE,	"trusted-service",	XDP_PASS)	\
	X(PUBLIC_ACCESS_DISABLED, "public-access-disabled", XDP_DROP)	\
	X(DEFAULT_ALLOW,	"default-allow",	XDP_PASS)	\
	X(IP_RULE,		"ip-rule",		XDP_PASS)	\
	X(VNET_RULE,		"vnet-rule",		XDP_PASS)	\
	X(DEFAULT_DENY,		"default-deny",		XDP_DROP)

#define VFW_REASON_ENUM(id, name, verdict) VFW_REASON_##id,
enum vfw_reason {
	VFW_REASONS(VFW_REASON_ENUM)
	VFW_REASON_COUNT,
};
#undef VFW_REASON_ENUM

/* X-macro: rule kind, name, the category its trie entries carry. */
#define VFW_RULE_KINDS(X)						\
	X(IP,		"ip-rule",		VFW_CAT_IP)		\
	X(VNET,		"vnet-rule",		VFW_CAT_VNET)		\
	X(TRUSTED,	"trusted-service",	VFW_CAT_TRUSTED)	\
	X(PE,		"private-endpoint",	VFW_CAT_PE)		\
	X(PERIM_ACCESS,	"perimeter-rule",	VFW_CAT_PERIM)		\
	X(PERIM_MEMBER,	"perimeter-member",	VFW_CAT_PERIM)

#define VFW_RULE_KIND_ENUM(id, name, cat) VFW_RULE_##id,
enum vfw_rule_kind {
	VFW_RULE_NONE = 0,	/* unused rule id */
	VFW_RULE_KINDS(VFW_RULE_KIND_ENUM)
	VFW_RULE_KIND_COUNT,
};
#undef VFW_RULE_KIND_ENUM

/* Packet and byte counters, per CPU in the kernel, summed for display. */
struct vfw_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Who owns a rule id. Ids are stable: a rule kept by an update keeps its id
 * and so its counters. `slots` bit i is set while the rule set in slot i
 * references the id; an id referenced by no live slot is free.
 */
struct vfw_rule_meta {
	__u32 kind;		/* enum vfw_rule_kind */
	__u32 slots;
	char name[VFW_NAME_MAX];	/* identity: CIDR, lower-cased subnet id, or name */
};

/* Rule-set wide settings, one per slot. */
enum vfw_config_flags {
	VFW_CFG_VALID		= 1 << 0,	/* slot holds a compiled rule set */
	VFW_CFG_DEFAULT_ALLOW	= 1 << 1,	/* firewall off or defaultAction Allow */
	VFW_CFG_BYPASS		= 1 << 2,	/* bypass AzureServices */
	VFW_CFG_PUBLIC_DISABLED	= 1 << 3,	/* publicNetworkAccess Disabled */
	VFW_CFG_PERIMETER	= 1 << 4,	/* host.perimeter present */
	VFW_CFG_PERIM_ENFORCE	= 1 << 5,	/* Enforced, or SecuredByPerimeter */
	VFW_CFG_FAST		= 1 << 6,	/* untagged IPv4 sources: vfw_pop_* tables */
	VFW_CFG_FAST_TAGGED	= 1 << 7,	/* tagged IPv4 sources: vfw_fast_* tables */
	/*
	 * The file's own words where the flags above condense them, so that
	 * `status` can say what `show` says; the program never reads these.
	 * accessMode Enforced is a perimeter with neither mode bit.
	 */
	VFW_CFG_PUBLIC_PERIMETER = 1 << 8,	/* publicNetworkAccess SecuredByPerimeter */
	VFW_CFG_PERIM_LEARNING	= 1 << 9,	/* accessMode Learning */
	VFW_CFG_PERIM_AUDIT	= 1 << 10,	/* accessMode Audit */
};

struct vfw_dp_addr {
	__u32 family;		/* AF_INET or AF_INET6 */
	__u8 addr[16];		/* network order; IPv4 in the first 4 bytes */
};

struct vfw_dp_port {
	__u16 port;		/* host order */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};

/* A trusted VXLAN endpoint: outer sources with (saddr & mask) == addr. */
struct vfw_vxlan_remote {
	__be32 addr;		/* network order, host bits clear */
	__be32 mask;
};

struct vfw_config {
	__u32 flags;		/* enum vfw_config_flags */
	__u32 n_dp_addrs;	/* 0: every destination is data plane */
	__u32 n_dp_ports;
	__u32 pad;
	struct vfw_dp_addr dp_addrs[VFW_MAX_DP_ADDRS];
	struct vfw_dp_port dp_ports[VFW_MAX_DP_PORTS];
	/* The IPv4 entries of dp_addrs again, packed, for the datapath. */
	__u32 n_dp_v4;
	__be32 dp_v4[VFW_MAX_DP_ADDRS];
	/* host.vxlan: no ports means VXLAN is not opened at all. */
	__u32 n_vxlan_ports;
	__u16 vxlan_ports[VFW_MAX_VXLAN_PORTS];	/* host order */
	__u32 n_vxlan_remotes;
	struct vfw_vxlan_remote vxlan_remotes[VFW_MAX_VXLAN_REMOTES];
	__u64 generation;	/* bumped by every apply */
	__u64 applied_unix;	/* wall clock seconds of the apply */
	char source[VFW_NAME_MAX];	/* rules file it came from */
};

/*
 * Fast path for IPv4 sources (docs/design.md "Fast path for IPv4 sources"),
 * built from the same pushed-down entries as the LPM trie. Each slot is
 * one element of every array below: the program looks the slot up once
 * per array and then indexes in place (masked, so sizes are powers of two).
 *
 * Untagged sources: a Poptrie (Asai & Ohara, SIGCOMM 2015). The root is
 * indexed directly by the top VFW_POP_ROOT_BITS of the source; an entry is
 * a value index (0: no entry matches) or VFW_POP_CHILD | a node index. A
 * node splits its range into 64 slots of the next VFW_POP_STRIDE bits: bit
 * i of `children` says slot i goes on to a tail node, which splits its
 * slot into 64 single sources; bit i of `leaves` marks a leaf slot whose
 * value differs from the leaf slot before it (runs of equal leaves are
 * stored once). A slot's child or leaf is found by counting the bits below
 * it, so the arrays hold only what differs.
 */
#define VFW_MAP_POP		"vfw_pop"
#define VFW_POP_ROOT_BITS	20
#define VFW_POP_STRIDE		6
#define VFW_POP_FANOUT		(1 << VFW_POP_STRIDE)
#define VFW_POP_CHILD		0x80000000u
/*
 * Sized so that every rule set the compiler accepts fits (fastpath.h
 * proves the bounds): a node or tail node needs an entry that ends inside
 * its range, and a leaf run ends at a node's edge or an entry's.
 */
#define VFW_POP_CAP_BITS	17
#define VFW_TRIE_MAX_ENTRIES	131071	/* (1 << VFW_POP_CAP_BITS) - 1: values fit with index 0 */
#define VFW_POP_ROOT		(1 << VFW_POP_ROOT_BITS)
#define VFW_POP_NODES		(1 << VFW_POP_CAP_BITS)
#define VFW_POP_TAILS		(1 << VFW_POP_CAP_BITS)
#define VFW_POP_LEAVES		(4 << VFW_POP_CAP_BITS)
#define VFW_POP_VALS		(1 << VFW_POP_CAP_BITS)

/*
 * A slot's rank (the set bits below it in a bitmap) is the count below
 * its byte, stored, plus the bits below it within that byte, from a
 * table: BPF has no popcount instruction, and a 64-bit software count is
 * a chain of a dozen dependent instructions on every level of the walk.
 */
#define VFW_POP_BYTES		(VFW_POP_FANOUT / 8)

struct vfw_pop_node {
	__u64 children;		/* bit i: slot i has a tail node */
	__u64 leaves;		/* bit i: leaf slot i starts a run */
	__u32 child_base;	/* tail node of the lowest child slot */
	__u32 leaf_base;	/* leaf of the lowest leaf slot */
	__u8 children_below[VFW_POP_BYTES];	/* bits of `children` below byte b */
	__u8 leaves_below[VFW_POP_BYTES];
};

struct vfw_pop_tail {		/* every slot a leaf: one source each */
	__u64 leaves;
	__u8 leaves_below[VFW_POP_BYTES];
	__u32 leaf_base;
	__u32 pad;
};

#define VFW_POP8_2(n)	n, n + 1, n + 1, n + 2
#define VFW_POP8_4(n)	VFW_POP8_2(n), VFW_POP8_2(n + 1), VFW_POP8_2(n + 1), VFW_POP8_2(n + 2)
#define VFW_POP8_6(n)	VFW_POP8_4(n), VFW_POP8_4(n + 1), VFW_POP8_4(n + 1), VFW_POP8_4(n + 2)
/* Set bits of every byte value. */
static const __u8 vfw_pop8[256] = {
	VFW_POP8_6(0), VFW_POP8_6(1), VFW_POP8_6(1), VFW_POP8_6(2)
};

/*
 * Set bits of `bits` below slot i. Shifting the bits below i to the top
 * of a byte, rather than masking them, keeps the table index visibly
 * under 256 for the verifier.
 */
static inline __attribute__((always_inline)) __u32
vfw_pop_rank(__u64 bits, const __u8 below[VFW_POP_BYTES], __u32 i)
{
	__u32 byte = (__u32)(bits >> (i & 0x38));

	return below[(i >> 3) & (VFW_POP_BYTES - 1)] + vfw_pop8[(byte << (8 - (i & 7))) & 0xff];
}

/* The tail node of child slot i: child slots below it come first. */
static inline __attribute__((always_inline)) __u32
vfw_pop_child(const struct vfw_pop_node *n, __u32 i)
{
	return n->child_base + vfw_pop_rank(n->children, n->children_below, i);
}

/* The leaf of leaf slot i: the run that starts at or below it. A node's
 * lowest leaf slot always starts a run, so the count is at least one. */
static inline __attribute__((always_inline)) __u32
vfw_pop_leaf(__u64 leaves, const __u8 below[VFW_POP_BYTES], __u32 leaf_base, __u32 i)
{
	return leaf_base + vfw_pop_rank(leaves, below, i) + ((leaves >> i) & 1) - 1;
}

/*
 * A slot's Poptrie is one element (17 MiB), so the walk looks the slot up
 * once and then only indexes: with a map per array, each lookup is a call
 * to the compiler, which spills the walk's registers around it.
 */
struct vfw_pop_slot {
	__u32 root[VFW_POP_ROOT];
	struct vfw_pop_node node[VFW_POP_NODES];
	struct vfw_pop_tail tail[VFW_POP_TAILS];
	__u32 leaf[VFW_POP_LEAVES];		/* value indexes */
	struct vfw_lpm_val val[VFW_POP_VALS];	/* distinct values, 0 unused */
};

/*
 * Tagged sources: multibit tries with 8-bit strides. A node entry is a
 * value index into vfw_fast_vals (0: no entry matches) or VFW_FAST_CHILD |
 * the index of the next node. Two tries share the nodes, each walking its
 * key from the most significant byte, with its own root nodes at the start:
 *  - VLAN: key = VLAN id << 32 | source; root r holds ids r << 8 | x;
 *  - VNI: key = VNI << 32 | source; one root, indexed by the VNI's top byte.
 */
#define VFW_MAP_FAST_NODES	"vfw_fast_nodes"
#define VFW_MAP_FAST_VALS	"vfw_fast_vals"
#define VFW_FAST_STRIDE		8
#define VFW_FAST_FANOUT		(1 << VFW_FAST_STRIDE)
#define VFW_FAST_VLAN_BITS	12	/* the VLAN root entry consumes them all */
#define VFW_FAST_VNI_BITS	24	/* the VNI root entry consumes one byte */
#define VFW_FAST_VLAN_ROOT	0
#define VFW_FAST_VNI_ROOT	(VFW_FAST_VLAN_ROOT + (1 << (VFW_FAST_VLAN_BITS - VFW_FAST_STRIDE)))
#define VFW_FAST_ROOT_NODES	(VFW_FAST_VNI_ROOT + 1)
#define VFW_FAST_NODES		4096	/* per slot, roots included */
#define VFW_FAST_VALS		4096	/* per slot, index 0 included */
#define VFW_FAST_CHILD		0x8000

struct vfw_fast_node {
	__u16 next[VFW_FAST_FANOUT];
};

struct vfw_fast_slot_nodes {
	struct vfw_fast_node node[VFW_FAST_NODES];
};

struct vfw_fast_slot_vals {
	struct vfw_lpm_val val[VFW_FAST_VALS];
};

/*
 * Which interface a pin directory belongs to (docs/design.md "Interface
 * identity"): its network namespace and index, and the name it had when
 * vaultfw last wrote its rules. Userspace state only, like vfw_document.
 */
#define VFW_MAP_IDENT		"vfw_ident"
#define VFW_IFNAME_MAX		16	/* IFNAMSIZ */

struct vfw_ident {
	__u64 netns;		/* inode of the network namespace (/proc/PID/ns/net) */
	/* SO_NETNS_COOKIE of that namespace, 0 where the kernel has none: the
	 * kernel reuses the inode of a deleted namespace, never its cookie. */
	__u64 netns_cookie;
	__u32 ifindex;
	char ifname[VFW_IFNAME_MAX];
};

/*
 * The rules document a slot was compiled from (SPEC §1 JSON, compact), so
 * that `show` and the rule edits build on exactly what is live. Written
 * into the inactive slot before the flip; the program never reads it.
 * The largest valid document (VFW_TRIE_MAX_ENTRIES prefixes of 18 bytes of
 * JSON each, 1000 IP rules, 200 vnet rules and 512 subnets with
 * 255-character ids) takes about 2.6 MiB.
 */
#define VFW_DOC_MAX		(4 * 1024 * 1024)

struct vfw_document {
	__u32 len;		/* bytes of text used, 0: no document stored */
	char text[VFW_DOC_MAX];
};

/*
 * Diagnostic log (README.md "Diagnostic log"): one event per DROP and
 * per perimeter-would-deny, through a ring buffer, rate-limited per CPU by
 * a token bucket. Settings are one vfw_log_config entry for the interface.
 */
#define VFW_MAP_EVENTS		"vfw_events"
#define VFW_MAP_LOG_CONFIG	"vfw_log_config"
#define VFW_MAP_LOG_BUCKET	"vfw_log_bucket"
#define VFW_EVENTS_BYTES	(256 * 1024)	/* power of two, page multiple */
#define VFW_LOG_RATE_DEFAULT	1000		/* events per second per CPU */
#define VFW_LOG_RATE_MAX	1000000		/* keeps the bucket arithmetic in a __u64 */
#define VFW_RULE_ID_NONE	0xffffffffu	/* event decided by no rule */

/* Event flags. */
enum vfw_event_flags {
	VFW_EVENT_WOULD_DENY	= 1 << 0,	/* perimeter-would-deny beside reason */
};

struct vfw_event {
	__u64 ktime_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;
	__u32 rule_id;		/* credited rule, or VFW_RULE_ID_NONE */
	__u32 tag_kind;		/* enum vfw_tag_kind */
	__u32 tag_id;
	__u8 verdict;		/* XDP_DROP or XDP_PASS */
	__u8 reason;		/* enum vfw_reason that decided */
	__u8 flags;		/* enum vfw_event_flags */
	__u8 proto;		/* IP protocol, 0 when not parsed */
	__u16 family;		/* AF_INET, AF_INET6, or 0 (malformed) */
	__u16 dport;		/* host order, 0 when the packet has none */
	__u8 saddr[16];		/* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

struct vfw_log_config {
	__u32 rate;		/* events per second per CPU (burst: as many); 0: off */
	__u32 reasons;		/* bit r set: events of enum vfw_reason r are logged */
};

/*
 * Per-CPU token bucket. Credit is kept in token-nanoseconds (one event costs
 * NSEC_PER_SEC of it, a second adds `rate` of them) so refilling needs no
 * division.
 */
struct vfw_log_bucket {
	__u64 credit;
	__u64 last_ns;
	__u64 held_back;	/* events the rate limit suppressed */
	__u64 ring_full;	/* events lost because no reader kept up */
	/* held_back at which the clock is read again: set when the bucket is
	 * found empty, 0 (now) when a log setting changes */
	__u64 clock_at;
};

/*
 * While the bucket is empty, the clock (a helper call, the dearest part of
 * a held-back event) is read only every this many events: credit accrues
 * by time all the same, so the rate stays exact, and a token is noticed at
 * most this many denied frames late.
 */
#define VFW_LOG_CLOCK_EVERY	64

#endif /* VAULTFW_MAPS_H */
