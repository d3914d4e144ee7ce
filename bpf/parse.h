/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked header parsing for the XDP program, in the style of
 * xdp-tools' parsing_helpers.h: a cursor walks the frame and every pull
 * is checked against the end of the frame before it is dereferenced, in
 * a shape the verifier can follow.
 */
#ifndef VFW_PARSE_H
#define VFW_PARSE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Headers the kernel keeps out of its uapi. */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;	/* offset in 8-byte units << 3, then flags */
	__be32 identification;
};

struct vxlan_hdr {
	__u8 flags;
	__u8 reserved1[3];
	__u8 vni[3];
	__u8 reserved2;
};

/* Address families as the kernel ABI numbers them; no uapi header that a
 * BPF object can include defines them. */
#ifndef AF_INET
#define AF_INET			2
#define AF_INET6		10
#endif

#define VLAN_VID_MASK		0x0fff
#define IPV4_FRAG_OFFSET	0x1fff
#define IPV6_FRAG_OFFSET	0xfff8
#define VXLAN_FLAG_I		0x08

/*
 * `end` is the end of the frame's first buffer, the bound the verifier
 * knows and the only bytes headers are read from. `limit` is where the
 * innermost IPv4 datagram seen so far ends (its total length): bytes past
 * it are Ethernet padding that the stack trims, so no header may be read
 * from them. IPv6 payload length is not checked: there only the frame
 * bounds the headers (docs/design.md).
 *
 * A multi-buffer (jumbo) frame is longer than its first buffer; learning
 * its length takes a helper call, so it is asked for only when an IP
 * header claims more bytes than the first buffer holds: `ctx` until then,
 * NULL after, with `len` the whole frame's length.
 */
struct vfw_cursor {
	void *pos;
	void *end;
	void *limit;
	void *start;
	struct xdp_md *ctx;
	__u32 len;
};

/* The whole frame, once: limit moves to its end. False when it is no
 * longer than what was known already (the datagram is truncated). */
static __always_inline bool cursor_whole_frame(struct vfw_cursor *c)
{
	__u64 len;

	if (!c->ctx || c->limit != c->end)
		return false;
	len = bpf_xdp_get_buff_len(c->ctx);
	c->ctx = NULL;
	if (len > VFW_FRAME_LEN_MAX)
		len = VFW_FRAME_LEN_MAX;
	if (c->start + len <= c->end)
		return false;
	c->len = len;
	c->limit = c->start + len;
	return true;
}

/* Return the next `len` bytes and step over them, or NULL if the frame
 * or datagram ends first. `len` must be bounded for the verifier. */
static __always_inline void *cursor_pull(struct vfw_cursor *c, __u32 len)
{
	void *hdr = c->pos;

	if (hdr + len > c->end || hdr + len > c->limit)
		return NULL;
	c->pos = hdr + len;
	return hdr;
}

static __always_inline bool eth_type_is_vlan(__be16 type)
{
	return type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet and up to `max_tags` VLAN tags. The innermost VLAN id that is
 * not 0 goes to *vid (0 when untagged or only priority-tagged): id 0 is a
 * priority tag, and an inner one must not hide the outer VLAN the frame
 * came in on. More tags than `max_tags` is an error, so that no tag we
 * cannot see decides a packet.
 */
static __always_inline int parse_eth(struct vfw_cursor *c, int max_tags,
				     __be16 *type, __u32 *vid)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	struct vlan_hdr *vlan;
	int i;

	if (!eth)
		return -1;
	*type = eth->h_proto;
	*vid = 0;
	for (i = 0; i < max_tags; i++) {
		if (!eth_type_is_vlan(*type))
			return 0;
		vlan = cursor_pull(c, sizeof(*vlan));
		if (!vlan)
			return -1;
		if (vlan->h_vlan_TCI & bpf_htons(VLAN_VID_MASK))
			*vid = bpf_ntohs(vlan->h_vlan_TCI) & VLAN_VID_MASK;
		*type = vlan->h_vlan_encapsulated_proto;
	}
	return eth_type_is_vlan(*type) ? -1 : 0;
}

/*
 * IPv4 header with options. Returns the header (the cursor then points at
 * the payload, limited to the total length), or NULL when the header is
 * truncated, IHL < 5, or the total length is shorter than the header or
 * longer than what the frame (or an outer datagram) holds.
 */
static __always_inline struct iphdr *parse_ipv4(struct vfw_cursor *c)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot_len;

	if ((void *)(iph + 1) > c->end || iph->version != 4 || iph->ihl < 5)
		return NULL;
	hlen = iph->ihl * 4;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < hlen)
		return NULL;
	if (c->pos + tot_len > c->limit && !cursor_whole_frame(c))
		return NULL;
	if (c->pos + tot_len > c->limit)
		return NULL;
	c->limit = c->pos + tot_len;
	if (!cursor_pull(c, hlen))
		return NULL;
	return iph;
}

static __always_inline bool ipv4_is_later_fragment(const struct iphdr *iph)
{
	return iph->frag_off & bpf_htons(IPV4_FRAG_OFFSET);
}

static __always_inline struct ipv6hdr *parse_ipv6(struct vfw_cursor *c)
{
	struct ipv6hdr *ip6h = cursor_pull(c, sizeof(*ip6h));

	if (!ip6h || ip6h->version != 6)
		return NULL;
	/* Only the byte count needs the whole length: a jumbo IPv6 frame. */
	if (c->pos + bpf_ntohs(ip6h->payload_len) > c->limit)
		cursor_whole_frame(c);
	return ip6h;
}

static __always_inline bool ipv6_is_walkable_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT;
}

/* Where an IPv6 extension header walk stopped. */
enum ipv6_walk {
	IPV6_WALK_L4,		/* *nexthdr is the upper-layer protocol */
	IPV6_WALK_ENDED,	/* later fragment, ESP, AH, unknown, too deep */
	IPV6_WALK_TRUNCATED,
};

#define IPV6_MAX_EXT_HDRS	4

/*
 * Step over hop-by-hop, routing, destination-options and fragment
 * headers, at most IPV6_MAX_EXT_HDRS of them. A non-first fragment ends
 * the walk: its upper-layer header is in an earlier fragment.
 */
static __always_inline enum ipv6_walk ipv6_walk_ext(struct vfw_cursor *c, __u8 *nexthdr)
{
	struct ipv6_frag_hdr *frag;
	struct ipv6_opt_hdr *opt;
	int i;

	for (i = 0; i < IPV6_MAX_EXT_HDRS; i++) {
		if (!ipv6_is_walkable_ext(*nexthdr))
			return IPV6_WALK_L4;
		if (*nexthdr == IPPROTO_FRAGMENT) {
			frag = cursor_pull(c, sizeof(*frag));
			if (!frag)
				return IPV6_WALK_TRUNCATED;
			if (frag->frag_off & bpf_htons(IPV6_FRAG_OFFSET))
				return IPV6_WALK_ENDED;
			*nexthdr = frag->nexthdr;
			continue;
		}
		opt = c->pos;
		if ((void *)(opt + 1) > c->end)
			return IPV6_WALK_TRUNCATED;
		*nexthdr = opt->nexthdr;
		if (!cursor_pull(c, (opt->hdrlen + 1) * 8))
			return IPV6_WALK_TRUNCATED;
	}
	return ipv6_is_walkable_ext(*nexthdr) ? IPV6_WALK_ENDED : IPV6_WALK_L4;
}

/* The 24-bit VNI of a VXLAN header with the I flag, or -1 without it. */
static __always_inline int vxlan_vni(const struct vxlan_hdr *vxh)
{
	if (!(vxh->flags & VXLAN_FLAG_I))
		return -1;
	return vxh->vni[0] << 16 | vxh->vni[1] << 8 | vxh->vni[2];
}

#endif /* VFW_PARSE_H */
