/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames for BPF_PROG_TEST_RUN, described declaratively (struct frame_spec)
 * so that a test table, or `vaultfw explain`, can say what a frame is
 * rather than spell its bytes. Checksums are left zero, as XDP never looks
 * at them, except the IPv4 header's when ip_csum asks: the stack behind XDP
 * does check that one (the benchmark's live traffic reaches it).
 */
#ifndef VFW_FRAMES_H
#define VFW_FRAMES_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>

#define FRAME_MAX		1024
#define FRAME_MAX_TAGS		3
#define FRAME_MAX_EXT		6
#define FRAME_ETH_MIN_PAYLOAD	46
#define FRAME_SPORT		40000

/* The fields of the headers the builders write (values are wire format). */
#define FRAME_IPV4_MF		0x2000
#define FRAME_IPV6_MF		0x0001
#define FRAME_TCP_SYN		0x02
#define FRAME_ICMP_ECHO		8
#define FRAME_ICMPV6_NS		135
#define FRAME_VXLAN_I		0x08
#define FRAME_VXLAN_HLEN	8
#define FRAME_ARP_REQUEST	1
#define FRAME_ETH_P_LLDP	0x88cc

struct frame_tag {
	uint16_t tpid;		/* ETH_P_8021Q or ETH_P_8021AD */
	uint16_t vid;
};

struct frame_spec {
	/* Ethernet */
	struct frame_tag tags[FRAME_MAX_TAGS];	/* outermost first */
	unsigned int n_tags;
	uint16_t ethertype;	/* a non-IP frame (ARP, LLDP); 0: IP, family from src */

	/* IP */
	const char *src;	/* IPv4 or IPv6 text */
	const char *dst;
	uint8_t proto;		/* upper-layer protocol */
	uint16_t sport;		/* TCP/UDP; 0: FRAME_SPORT */
	uint16_t dport;
	bool ip_csum;		/* IPv4: fill in the header checksum */
	uint8_t opt_words;	/* IPv4 options, in 4-byte words */
	uint8_t ihl;		/* IPv4: replaces the computed IHL when non-zero */
	uint16_t tot_len;	/* IPv4: replaces the computed total length when non-zero */
	uint16_t frag_offset;	/* in 8-byte units; IPv6: needs IPPROTO_FRAGMENT in ext */
	bool more_frags;
	uint8_t ext[FRAME_MAX_EXT];	/* IPv6 extension headers, in order */
	unsigned int n_ext;

	/* VXLAN: proto UDP, and the UDP payload is a VXLAN header and `inner` */
	const struct frame_spec *inner;
	uint8_t vxlan_flags;
	uint32_t vni;

	/* Shortening, for malformed frames */
	size_t l4_keep;		/* keep this many L4 bytes, lengths consistent */
	size_t cut;		/* cut the whole frame to this many bytes */
};

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;
};

static inline uint8_t *frame_put(struct frame *f, size_t len)
{
	uint8_t *p = f->data + f->len;

	if (f->len + len > sizeof(f->data))
		return NULL;
	memset(p, 0, len);
	f->len += len;
	return p;
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline bool frame_is_ipv6(const struct frame_spec *s)
{
	return s->src && strchr(s->src, ':');
}

static inline bool frame_eth(struct frame *f, const struct frame_spec *s)
{
	static const uint8_t macs[2 * ETH_ALEN] = {
		0x02, 0, 0, 0, 0, 0x01,		/* destination */
		0x02, 0, 0, 0, 0, 0x02,		/* source */
	};
	uint16_t type = s->ethertype ? s->ethertype :
			frame_is_ipv6(s) ? ETH_P_IPV6 : ETH_P_IP;
	uint8_t *p = frame_put(f, sizeof(macs));
	unsigned int i;

	if (!p)
		return false;
	memcpy(p, macs, sizeof(macs));
	for (i = 0; i < s->n_tags; i++) {
		p = frame_put(f, 4);
		if (!p)
			return false;
		put_be16(p, s->tags[i].tpid);
		put_be16(p + 2, s->tags[i].vid);
	}
	p = frame_put(f, 2);
	if (!p)
		return false;
	put_be16(p, type);
	return true;
}

static inline bool frame_non_ip_payload(struct frame *f, uint16_t ethertype)
{
	uint8_t *p = frame_put(f, FRAME_ETH_MIN_PAYLOAD);

	if (!p)
		return false;
	if (ethertype == ETH_P_ARP) {
		put_be16(p, 1);			/* hardware: Ethernet */
		put_be16(p + 2, ETH_P_IP);
		p[4] = ETH_ALEN;
		p[5] = 4;
		put_be16(p + 6, FRAME_ARP_REQUEST);
	}
	return true;
}

static inline bool frame_build(const struct frame_spec *s, struct frame *f);

static inline uint16_t frame_sport(const struct frame_spec *s)
{
	return s->sport ? s->sport : FRAME_SPORT;
}

/* Everything above IP: returns its length, or 0 on overflow. */
static inline size_t frame_l4(struct frame *f, const struct frame_spec *s)
{
	size_t start = f->len;
	struct frame inner = {};
	uint8_t *p;

	switch (s->proto) {
	case IPPROTO_TCP:
		p = frame_put(f, 20);
		if (!p)
			return 0;
		put_be16(p, frame_sport(s));
		put_be16(p + 2, s->dport);
		p[12] = 5 << 4;			/* data offset: no options */
		p[13] = FRAME_TCP_SYN;
		put_be16(p + 14, 65535);	/* window */
		break;
	case IPPROTO_UDP:
		if (s->inner && !frame_build(s->inner, &inner))
			return 0;
		p = frame_put(f, 8 + (s->inner ? FRAME_VXLAN_HLEN + inner.len : 0));
		if (!p)
			return 0;
		put_be16(p, frame_sport(s));
		put_be16(p + 2, s->dport);
		if (s->inner) {
			p[8] = s->vxlan_flags;
			p[12] = s->vni >> 16;
			p[13] = s->vni >> 8;
			p[14] = s->vni;
			memcpy(p + 8 + FRAME_VXLAN_HLEN, inner.data, inner.len);
		}
		break;
	case IPPROTO_ICMP:
		p = frame_put(f, 8);
		if (!p)
			return 0;
		p[0] = FRAME_ICMP_ECHO;
		break;
	case IPPROTO_ICMPV6:
		p = frame_put(f, 24);		/* type, code, sum, reserved, target */
		if (!p)
			return 0;
		p[0] = FRAME_ICMPV6_NS;
		break;
	default:				/* ESP and others: SPI and sequence */
		if (!frame_put(f, 8))
			return 0;
		break;
	}
	if (s->l4_keep && s->l4_keep < f->len - start)
		f->len = start + s->l4_keep;
	if (s->proto == IPPROTO_UDP && f->len - start >= 8)
		put_be16(f->data + start + 4, f->len - start);
	return f->len - start;
}

/* RFC 1071 over the header, which holds a zero checksum yet. */
static inline uint16_t frame_ipv4_csum(const uint8_t *hdr, size_t hlen)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < hlen; i += 2)
		sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline bool frame_ipv4(struct frame *f, const struct frame_spec *s)
{
	size_t hlen = 20 + 4 * s->opt_words, ip = f->len, l4_len;
	uint16_t frag = s->frag_offset | (s->more_frags ? FRAME_IPV4_MF : 0);
	uint8_t *p = frame_put(f, hlen);

	if (!p)
		return false;
	p[0] = 4 << 4 | (s->ihl ? s->ihl : hlen / 4);
	put_be16(p + 6, frag);
	p[8] = 64;				/* TTL */
	p[9] = s->proto;
	if (inet_pton(AF_INET, s->src, p + 12) != 1 ||
	    inet_pton(AF_INET, s->dst, p + 16) != 1)
		return false;
	memset(p + 20, 1, hlen - 20);		/* options: NOPs */
	l4_len = frame_l4(f, s);
	if (!l4_len)
		return false;
	put_be16(f->data + ip + 2, s->tot_len ? s->tot_len : hlen + l4_len);
	if (s->ip_csum)
		put_be16(f->data + ip + 10, frame_ipv4_csum(f->data + ip, hlen));
	return true;
}

/* Hop-by-hop, routing and destination options get one 8-byte header of
 * padding; a fragment header carries the spec's offset. */
static inline bool frame_ipv6_ext(struct frame *f, const struct frame_spec *s,
				  unsigned int i)
{
	uint8_t next = i + 1 < s->n_ext ? s->ext[i + 1] : s->proto;
	uint8_t *p = frame_put(f, 8);

	if (!p)
		return false;
	p[0] = next;
	if (s->ext[i] == IPPROTO_FRAGMENT) {
		put_be16(p + 2, s->frag_offset << 3 | (s->more_frags ? FRAME_IPV6_MF : 0));
		return true;
	}
	p[2] = 1;				/* PadN over the remaining 4 bytes */
	p[3] = 4;
	return true;
}

static inline bool frame_ipv6(struct frame *f, const struct frame_spec *s)
{
	size_t ip = f->len, start, l4_len;
	uint8_t *p = frame_put(f, 40);
	unsigned int i;

	if (!p)
		return false;
	p[0] = 6 << 4;
	p[6] = s->n_ext ? s->ext[0] : s->proto;
	p[7] = 64;				/* hop limit */
	if (inet_pton(AF_INET6, s->src, p + 8) != 1 ||
	    inet_pton(AF_INET6, s->dst, p + 24) != 1)
		return false;
	start = f->len;
	for (i = 0; i < s->n_ext && i < FRAME_MAX_EXT; i++)
		if (!frame_ipv6_ext(f, s, i))
			return false;
	l4_len = frame_l4(f, s);
	if (!l4_len)
		return false;
	put_be16(f->data + ip + 4, f->len - start);
	return true;
}

/* Build the frame `s` describes into f; false when it does not fit. */
static inline bool frame_build(const struct frame_spec *s, struct frame *f)
{
	bool ok;

	f->len = 0;
	if (!frame_eth(f, s))
		return false;
	if (s->ethertype)
		ok = frame_non_ip_payload(f, s->ethertype);
	else if (frame_is_ipv6(s))
		ok = frame_ipv6(f, s);
	else
		ok = frame_ipv4(f, s);
	if (ok && s->cut && s->cut < f->len)
		f->len = s->cut;
	return ok;
}

#endif /* VFW_FRAMES_H */
