// SPDX-License-Identifier: GPL-2.0
/*
 * `make bench`: what vaultfw costs per frame, per rule and in kernel memory.
 *
 * Per-frame cost comes from BPF_PROG_TEST_RUN with a repeat count, over a
 * fixed corpus of distinct frames (allowed and denied public sources, VLAN
 * and VXLAN subnet traffic, control-plane traffic). Every program under test
 * is loaded before the first measurement; each round then measures all of
 * them back to back, so a ratio to the bare XDP_DROP floor compares figures
 * taken under the same load. Reported figures are medians over the rounds.
 *
 * Rules go through the real pipeline: a generated rules document is parsed
 * (vfw_rules_parse), compiled (vfw_compile) and installed
 * (vfw_ruleset_install) into maps of a freshly loaded vaultfw skeleton. The
 * peer is Debian's xdp-filter, loaded from its installed BPF object in deny
 * policy with its IPv4 source list filled as `xdp-filter ip -m src` does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "bench_gen.h"
#include "bench_gen.skel.h"
#include "compile.h"
#include "pins.h"
#include "log.h"
#include "rules.h"
#include "ruleset.h"
#include "vaultfw.skel.h"
#include "xdp_drop.skel.h"

#define BENCH_SEED		0x5eed5eedULL
#define MIN_ROUNDS		5
#define DEFAULT_ROUNDS		7
/* About 0.2 s per program and round for vaultfw on this class of machine. */
#define DEFAULT_REPEAT		3000
#define DEFAULT_OUT		"bench/results.json"

/* The biggest rule set measured: the SPEC limits on both rule kinds. */
#define BENCH_IP_RULES		VFW_MAX_IP_RULES
#define BENCH_SUBNETS		VFW_MAX_VNET_RULES
#define IP_RULE_MIN_LEN		16
#define SUBNET_MIN_LEN		16
#define SUBNET_MAX_LEN		24
#define VNI_BASE		5000
#define VLAN_BASE		100

/* Corpus composition; the classes add up to BENCH_CORPUS_FRAMES. */
enum frame_class {
	FC_ALLOWED,		/* untagged, source inside one of the IP rules */
	FC_DENIED,		/* untagged, public source no rule covers */
	FC_VLAN,		/* 802.1Q-tagged subnet traffic */
	FC_VXLAN,		/* VXLAN-encapsulated subnet traffic */
	FC_CONTROL,		/* not data plane: other ports, ICMP, ARP */
	FC_COUNT,
};
static const unsigned int class_frames[FC_COUNT] = {
	[FC_ALLOWED] = 384, [FC_DENIED] = 256, [FC_VLAN] = 128,
	[FC_VXLAN] = 128, [FC_CONTROL] = 128,
};
static const char *const class_names[FC_COUNT] = {
	[FC_ALLOWED] = "allowed-public", [FC_DENIED] = "denied-public",
	[FC_VLAN] = "vlan-subnet", [FC_VXLAN] = "vxlan-subnet",
	[FC_CONTROL] = "control-plane",
};
/* One in this many tagged frames comes from outside its subnet. */
#define TAGGED_STRANGER_EVERY	4

/* The vault's data plane in every generated rules document. */
#define DP_ADDR_TEXT		"192.0.2.10"
#define DP_PORT_TEXT		"tcp/443"
#define DP_ADDR			0xc000020aU	/* 192.0.2.10 */
#define OTHER_ADDR		0xc000020bU	/* 192.0.2.11, not data plane */
#define DP_PORT			443
#define VTEP_NET		0x0aff0000U	/* the trusted remotes: */
#define VTEP_NET_TEXT		"10.255.0.0/16"

/* xdp-filter's own ABI (xdp-tools, xdp-filter/common_kern_user.h). */
#define XDPFILT_MAP_IPV4	"filter_ipv4"
#define XDPFILT_MAP_FLAG_SRC	(1ULL << 0)
#define XDPFILT_OBJ_DEFAULT	"xdpfilt_dny_ip.o"

/* Native mode: the kernel registers native programs with the dispatcher. */
#define HOLD_XDP_FLAGS		(XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST)

struct frame {
	uint8_t data[BENCH_FRAME_MAX];
	uint32_t len;
	enum frame_class cls;
	bool data_plane;	/* what vaultfw should consider data plane */
	struct vfw_tag tag;	/* the packet's tag as vaultfw reads it */
	uint32_t src;		/* source vaultfw judges (inner for VXLAN) */
	bool outer_ipv4;	/* xdp-filter sees an IPv4 (or ARP) source */
	uint32_t outer_src;	/* that source, host order */
};

struct bench_subnet {
	struct vfw_tag tag;
	struct vfw_prefix prefix;
};

/* Everything generated from BENCH_SEED. */
struct bench_data {
	struct vfw_prefix ip[BENCH_IP_RULES];
	uint32_t ip_host[BENCH_IP_RULES];	/* one address inside ip[i] */
	struct bench_subnet subnet[BENCH_SUBNETS];
	struct frame corpus[BENCH_CORPUS_FRAMES];
	uint64_t rng;
};

enum target_family { TF_FLOOR, TF_VAULTFW, TF_XDPFILTER };
static const char *const family_names[] = {
	[TF_FLOOR] = "floor", [TF_VAULTFW] = "vaultfw",
	[TF_XDPFILTER] = "xdp-filter",
};

#define MAX_ROUNDS		64

struct target {
	enum target_family family;
	size_t n_ip;
	size_t n_subnets;
	int prog_fd;
	int held_ifindex;	/* device the program is attached to, or 0 */
	double cost[MAX_ROUNDS];	/* ns per frame, corpus average */
	double ratio[MAX_ROUNDS];	/* cost / floor cost, same round */
	unsigned int pass, drop, unexpected;
};

static const struct { size_t n_ip, n_subnets; } vaultfw_points[] = {
	{ 0, 0 }, { 10, 0 }, { 100, 0 }, { 1000, 0 }, { BENCH_IP_RULES, BENCH_SUBNETS },
};
static const size_t xdpfilter_points[] = { 0, 10, 100, 1000 };
static const struct { size_t n_ip, n_subnets; } scale_points[] = {
	{ 10, 0 }, { 100, 0 }, { BENCH_IP_RULES, BENCH_SUBNETS },
};
#define N_VAULTFW	(sizeof(vaultfw_points) / sizeof(vaultfw_points[0]))
#define N_XDPFILTER	(sizeof(xdpfilter_points) / sizeof(xdpfilter_points[0]))
#define N_SCALE		(sizeof(scale_points) / sizeof(scale_points[0]))
#define N_TARGETS	(1 + N_VAULTFW + N_XDPFILTER)

struct scale_result {
	size_t n_ip, n_subnets;
	size_t n_entries;
	double parse_ms, compile_ms, install_ms;	/* medians */
	double install_min_ms, install_max_ms;
};

struct options {
	const char *out;
	const char *xdpfilter_obj;
	const char *hold_prefix;
	const char *live;	/* TX,RX devices of the live-traffic run */
	unsigned int rounds;
	unsigned int repeat;
	unsigned int live_frames;
};

/* ---- deterministic generation ---- */

static uint64_t next_rand(uint64_t *state)
{
	/* splitmix64: tiny, and the same sequence on every machine. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rand_below(uint64_t *state, uint32_t bound)
{
	return (uint32_t)(next_rand(state) % bound);
}

static uint32_t prefix_mask(uint8_t len)
{
	return len ? ~0U << (32 - len) : 0;
}

static bool prefix_contains(const struct vfw_prefix *p, uint32_t addr)
{
	return ((addr ^ p->addr) & prefix_mask(p->len)) == 0;
}

static bool same_prefix(const struct vfw_prefix *a, const struct vfw_prefix *b)
{
	return a->addr == b->addr && a->len == b->len;
}

/*
 * The parser is the one place that knows which prefixes an IP rule may
 * name (SPEC §1 forbidden ranges), so candidates are put to it rather than
 * to a second copy of that list.
 */
static bool parser_accepts_ip_rule(const struct vfw_prefix *p)
{
	struct vfw_rules rules = {};
	char text[160], cidr[24], err[256];
	int len;

	vfw_prefix_str(p, cidr, sizeof(cidr));
	len = snprintf(text, sizeof(text),
		       "{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\","
		       "\"ipRules\":[{\"value\":\"%s\"}]}}}", cidr);
	if (vfw_rules_parse(text, len, "bench-probe", &rules, err, sizeof(err)))
		return false;
	vfw_rules_free(&rules);
	return true;
}

static bool covered_by_ip_rules(const struct bench_data *d, size_t n, uint32_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(&d->ip[i], addr))
			return true;
	return false;
}

static bool listed_host(const struct bench_data *d, size_t n, uint32_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (d->ip_host[i] == addr)
			return true;
	return false;
}

static bool is_new_ip_rule(const struct bench_data *d, size_t n,
			   const struct vfw_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (same_prefix(&d->ip[i], p))
			return false;
	return true;
}

static void gen_ip_rules(struct bench_data *d)
{
	size_t n = 0;

	while (n < BENCH_IP_RULES) {
		struct vfw_prefix p;

		p.len = IP_RULE_MIN_LEN + rand_below(&d->rng, 32 - IP_RULE_MIN_LEN + 1);
		p.addr = (uint32_t)next_rand(&d->rng) & prefix_mask(p.len);
		if (!is_new_ip_rule(d, n, &p) || !parser_accepts_ip_rule(&p))
			continue;
		d->ip[n] = p;
		d->ip_host[n] = p.addr | ((uint32_t)next_rand(&d->rng) & ~prefix_mask(p.len));
		n++;
	}
}

/* Even subnets are VXLAN segments, odd ones VLANs; each has its own tag. */
static void gen_subnets(struct bench_data *d)
{
	for (uint32_t i = 0; i < BENCH_SUBNETS; i++) {
		struct bench_subnet *s = &d->subnet[i];

		s->tag.kind = i % 2 ? VFW_TAG_VLAN : VFW_TAG_VNI;
		s->tag.id = (i % 2 ? VLAN_BASE : VNI_BASE) + i;
		s->prefix.len = SUBNET_MIN_LEN +
				rand_below(&d->rng, SUBNET_MAX_LEN - SUBNET_MIN_LEN + 1);
		s->prefix.addr = (0x0a000000U | (i << 16) |
				  rand_below(&d->rng, 1U << 16)) & prefix_mask(s->prefix.len);
	}
}

static uint32_t random_denied_source(struct bench_data *d)
{
	for (;;) {
		struct vfw_prefix host = { .addr = (uint32_t)next_rand(&d->rng), .len = 32 };

		if (!covered_by_ip_rules(d, BENCH_IP_RULES, host.addr) &&
		    parser_accepts_ip_rule(&host))
			return host.addr;
	}
}

/* ---- frames ---- */

struct flow {
	uint32_t src, dst;	/* host order */
	uint8_t proto;
	uint16_t sport, dport;
};

static const uint8_t host_mac[ETH_ALEN] = { 0x02, 0x76, 0x66, 0x77, 0x00, 0x01 };
static const uint8_t peer_mac[ETH_ALEN] = { 0x02, 0x76, 0x66, 0x77, 0x00, 0x02 };

static size_t put_eth(uint8_t *p, uint16_t vlan, uint16_t ethertype)
{
	struct ethhdr *eth = (struct ethhdr *)p;
	uint16_t tci = htons(vlan), type = htons(ethertype);

	memcpy(eth->h_dest, host_mac, ETH_ALEN);
	memcpy(eth->h_source, peer_mac, ETH_ALEN);
	if (!vlan) {
		eth->h_proto = type;
		return ETH_HLEN;
	}
	eth->h_proto = htons(ETH_P_8021Q);
	memcpy(p + ETH_HLEN, &tci, sizeof(tci));
	memcpy(p + ETH_HLEN + 2, &type, sizeof(type));
	return ETH_HLEN + 4;
}

static uint16_t ip_checksum(const void *hdr, size_t len)
{
	const uint16_t *w = hdr;
	uint32_t sum = 0;

	for (size_t i = 0; i < len / 2; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t l4_header_len(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	default:
		return 8;	/* ICMP echo */
	}
}

static void put_l4(uint8_t *p, const struct flow *f, size_t payload_len)
{
	if (f->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = (struct tcphdr *)p;

		tcp->source = htons(f->sport);
		tcp->dest = htons(f->dport);
		tcp->doff = sizeof(*tcp) / 4;
		tcp->syn = 1;
		tcp->window = htons(64240);
	} else if (f->proto == IPPROTO_UDP) {
		struct udphdr *udp = (struct udphdr *)p;

		udp->source = htons(f->sport);
		udp->dest = htons(f->dport);
		udp->len = htons(sizeof(*udp) + payload_len);
	} else {
		p[0] = 8;	/* ICMP echo request; ids vary with sport */
		memcpy(p + 4, &f->sport, sizeof(f->sport));
	}
}

/* IPv4 header, L4 header, then `payload`. Returns the bytes written. */
static size_t put_ipv4(uint8_t *p, const struct flow *f,
		       const uint8_t *payload, size_t payload_len)
{
	struct iphdr *ip = (struct iphdr *)p;
	size_t l4_len = l4_header_len(f->proto);
	size_t total = sizeof(*ip) + l4_len + payload_len;

	ip->version = 4;
	ip->ihl = sizeof(*ip) / 4;
	ip->tot_len = htons(total);
	ip->id = htons(f->sport);
	ip->ttl = 64;
	ip->protocol = f->proto;
	ip->saddr = htonl(f->src);
	ip->daddr = htonl(f->dst);
	ip->check = ip_checksum(ip, sizeof(*ip));
	put_l4(p + sizeof(*ip), f, payload_len);
	memcpy(p + sizeof(*ip) + l4_len, payload, payload_len);
	return total;
}

static void finish_frame(struct frame *fr, size_t len)
{
	fr->len = len < BENCH_FRAME_MIN ? BENCH_FRAME_MIN : len;
}

static void build_plain(struct frame *fr, uint16_t vlan, const struct flow *f)
{
	size_t off = put_eth(fr->data, vlan, ETH_P_IP);

	off += put_ipv4(fr->data + off, f, NULL, 0);
	finish_frame(fr, off);
	fr->outer_ipv4 = true;
	fr->outer_src = f->src;
}

static void build_vxlan(struct frame *fr, uint32_t vni, uint32_t vtep,
			const struct flow *inner, uint16_t sport)
{
	uint8_t payload[BENCH_FRAME_MAX];
	uint32_t vx_flags = htonl(0x08000000U), vx_vni = htonl(vni << 8);
	struct flow outer = {
		.src = vtep, .dst = DP_ADDR, .proto = IPPROTO_UDP,
		.sport = sport, .dport = VFW_VXLAN_PORT,
	};
	size_t plen = 8, off;

	memset(payload, 0, sizeof(payload));
	memcpy(payload, &vx_flags, sizeof(vx_flags));
	memcpy(payload + 4, &vx_vni, sizeof(vx_vni));
	plen += put_eth(payload + plen, 0, ETH_P_IP);
	plen += put_ipv4(payload + plen, inner, NULL, 0);

	off = put_eth(fr->data, 0, ETH_P_IP);
	off += put_ipv4(fr->data + off, &outer, payload, plen);
	finish_frame(fr, off);
	fr->outer_ipv4 = true;
	fr->outer_src = vtep;
}

static void build_arp_request(struct frame *fr, uint32_t sender, uint32_t target)
{
	uint8_t *p = fr->data + put_eth(fr->data, 0, ETH_P_ARP);
	struct arphdr *arp = (struct arphdr *)p;
	uint32_t spa = htonl(sender), tpa = htonl(target);

	arp->ar_hrd = htons(ARPHRD_ETHER);
	arp->ar_pro = htons(ETH_P_IP);
	arp->ar_hln = ETH_ALEN;
	arp->ar_pln = 4;
	arp->ar_op = htons(ARPOP_REQUEST);
	p += sizeof(*arp);
	memcpy(p, peer_mac, ETH_ALEN);
	memcpy(p + ETH_ALEN, &spa, 4);
	memset(p + ETH_ALEN + 4, 0, ETH_ALEN);
	memcpy(p + 2 * ETH_ALEN + 4, &tpa, 4);
	finish_frame(fr, ETH_HLEN + sizeof(*arp) + 2 * (ETH_ALEN + 4));
	fr->outer_ipv4 = true;	/* xdp-filter judges the ARP sender address */
	fr->outer_src = sender;
}

static uint16_t ephemeral_port(struct bench_data *d)
{
	return 32768 + rand_below(&d->rng, 28232);
}

static struct flow data_plane_flow(struct bench_data *d, uint32_t src)
{
	struct flow f = {
		.src = src, .dst = DP_ADDR, .proto = IPPROTO_TCP,
		.sport = ephemeral_port(d), .dport = DP_PORT,
	};
	return f;
}

static void gen_untagged(struct bench_data *d, struct frame *fr, uint32_t src)
{
	struct flow f = data_plane_flow(d, src);

	build_plain(fr, 0, &f);
	fr->data_plane = true;
	fr->src = src;
}

/* A source inside the subnet, or now and then one from outside it. */
static uint32_t subnet_source(struct bench_data *d, const struct bench_subnet *s,
			      unsigned int k)
{
	uint32_t host = (uint32_t)next_rand(&d->rng) & ~prefix_mask(s->prefix.len);

	if (k % TAGGED_STRANGER_EVERY == TAGGED_STRANGER_EVERY - 1)
		return 0x0b000000U | host;	/* 11.x: on the tag, outside the prefix */
	return s->prefix.addr | host;
}

static void gen_tagged(struct bench_data *d, struct frame *fr, unsigned int k,
		       enum vfw_tag_kind kind)
{
	/* VNI subnets sit at even indexes, VLAN subnets at odd ones. */
	uint32_t idx = 2 * rand_below(&d->rng, BENCH_SUBNETS / 2) +
		       (kind == VFW_TAG_VLAN);
	const struct bench_subnet *s = &d->subnet[idx];
	struct flow f = data_plane_flow(d, subnet_source(d, s, k));

	if (kind == VFW_TAG_VLAN)
		build_plain(fr, s->tag.id, &f);
	else
		build_vxlan(fr, s->tag.id, VTEP_NET | rand_below(&d->rng, 1U << 16),
			    &f, ephemeral_port(d));
	fr->data_plane = true;
	fr->tag = s->tag;
	fr->src = f.src;
}

/* Other services of the host: never filtered by vaultfw. */
static void gen_control(struct bench_data *d, struct frame *fr, unsigned int k)
{
	uint32_t src = random_denied_source(d);
	struct flow f = {
		.src = src, .dst = DP_ADDR, .proto = IPPROTO_TCP,
		.sport = ephemeral_port(d), .dport = 22,
	};

	switch (k % 5) {
	case 0:
		break;				/* ssh to the vault address */
	case 1:
		f.proto = IPPROTO_UDP;		/* dns */
		f.dport = 53;
		break;
	case 2:
		f.proto = IPPROTO_ICMP;
		break;
	case 3:
		f.dst = OTHER_ADDR;		/* https to another address */
		f.dport = DP_PORT;
		break;
	default:
		build_arp_request(fr, src, DP_ADDR);
		return;
	}
	build_plain(fr, 0, &f);
}

static void gen_frame(struct bench_data *d, struct frame *fr,
		      enum frame_class cls, unsigned int k)
{
	memset(fr, 0, sizeof(*fr));
	fr->cls = cls;
	switch (cls) {
	case FC_ALLOWED:
		/* Spread over all rules, so smaller rule sets allow fewer. */
		gen_untagged(d, fr, d->ip_host[(size_t)k * BENCH_IP_RULES /
					       class_frames[FC_ALLOWED]]);
		break;
	case FC_DENIED:
		gen_untagged(d, fr, random_denied_source(d));
		break;
	case FC_VLAN:
		gen_tagged(d, fr, k, VFW_TAG_VLAN);
		break;
	case FC_VXLAN:
		gen_tagged(d, fr, k, VFW_TAG_VNI);
		break;
	default:
		gen_control(d, fr, k);
		break;
	}
}

static void gen_corpus(struct bench_data *d)
{
	size_t n = 0;

	for (int cls = 0; cls < FC_COUNT; cls++)
		for (unsigned int k = 0; k < class_frames[cls]; k++)
			gen_frame(d, &d->corpus[n++], cls, k);
}

static void gen_bench_data(struct bench_data *d)
{
	d->rng = BENCH_SEED;
	gen_ip_rules(d);
	gen_subnets(d);
	gen_corpus(d);
}

/* ---- the verdicts each program should give ---- */

static bool subnet_admits(const struct bench_data *d, size_t n,
			  const struct vfw_tag *tag, uint32_t src)
{
	for (size_t i = 0; i < n; i++) {
		const struct bench_subnet *s = &d->subnet[i];

		if (s->tag.kind == tag->kind && s->tag.id == tag->id &&
		    prefix_contains(&s->prefix, src))
			return true;
	}
	return false;
}

static int expected_verdict(const struct bench_data *d, const struct target *t,
			    const struct frame *fr)
{
	bool admit;

	switch (t->family) {
	case TF_FLOOR:
		return XDP_DROP;
	case TF_XDPFILTER:
		/* Deny policy: only a listed source gets through, ARP included. */
		admit = fr->outer_ipv4 && listed_host(d, t->n_ip, fr->outer_src);
		return admit ? XDP_PASS : XDP_DROP;
	default:
		if (!fr->data_plane)
			return XDP_PASS;
		if (fr->tag.kind == VFW_TAG_NONE)
			admit = covered_by_ip_rules(d, t->n_ip, fr->src);
		else
			admit = subnet_admits(d, t->n_subnets, &fr->tag, fr->src);
		return admit ? XDP_PASS : XDP_DROP;
	}
}

/* ---- rules documents ---- */

static void subnet_id(char *buf, size_t len, size_t i)
{
	snprintf(buf, len, "/subscriptions/bench/resourceGroups/rg/providers/"
		 "Microsoft.Network/virtualNetworks/vnet%zu/subnets/s%zu", i / 2, i);
}

static json_t *ip_rules_json(const struct bench_data *d, size_t n)
{
	json_t *arr = json_array();
	char cidr[24];

	for (size_t i = 0; i < n; i++) {
		vfw_prefix_str(&d->ip[i], cidr, sizeof(cidr));
		json_array_append_new(arr, json_pack("{s:s}", "value", cidr));
	}
	return arr;
}

static json_t *vnet_rules_json(size_t n)
{
	json_t *arr = json_array();
	char id[VFW_NAME_MAX];

	for (size_t i = 0; i < n; i++) {
		subnet_id(id, sizeof(id), i);
		json_array_append_new(arr, json_pack("{s:s,s:b}", "id", id,
					"ignoreMissingVnetServiceEndpoint", 0));
	}
	return arr;
}

static json_t *subnets_json(const struct bench_data *d, size_t n)
{
	json_t *arr = json_array();
	char id[VFW_NAME_MAX], cidr[24];

	for (size_t i = 0; i < n; i++) {
		const struct bench_subnet *s = &d->subnet[i];

		subnet_id(id, sizeof(id), i);
		vfw_prefix_str(&s->prefix, cidr, sizeof(cidr));
		json_array_append_new(arr, json_pack("{s:s,s:I,s:s}", "id", id,
					s->tag.kind == VFW_TAG_VNI ? "vni" : "vlan",
					(json_int_t)s->tag.id, "prefix", cidr));
	}
	return arr;
}

/* A vault with default deny, no bypass, and the first n_ip / n_subnets rules. */
static char *rules_document(const struct bench_data *d, size_t n_ip, size_t n_subnets)
{
	json_t *doc;
	char *text;

	doc = json_pack("{s:s,s:{s:s,s:{s:s,s:s,s:o,s:o}},s:{s:{s:[s],s:[s]},s:{s:[s]},s:o}}",
			"name", "bench-vault",
			"properties",
			  "publicNetworkAccess", "Enabled",
			  "networkAcls",
			    "defaultAction", "Deny",
			    "bypass", "None",
			    "ipRules", ip_rules_json(d, n_ip),
			    "virtualNetworkRules", vnet_rules_json(n_subnets),
			"host",
			  "dataPlane", "addresses", DP_ADDR_TEXT, "ports", DP_PORT_TEXT,
			  "vxlan", "remotes", VTEP_NET_TEXT,
			  "subnets", subnets_json(d, n_subnets));
	if (!doc)
		return NULL;
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return text;
}

/* ---- timing helpers ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct spread {
	double median, min, max;
};

static struct spread spread_of(const double *v, size_t n)
{
	double sorted[MAX_ROUNDS];
	struct spread s;

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s.min = sorted[0];
	s.max = sorted[n - 1];
	s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return s;
}

/* ---- loading the programs ---- */

/* Parse and compile the first n_ip IP rules and n_subnets subnet rules. */
static int compile_rules(const struct bench_data *d, size_t n_ip, size_t n_subnets,
			 struct vfw_compiled *out, double *parse_ms, double *compile_ms)
{
	struct vfw_rules rules = {};
	char err[512];
	char *text;
	double t0, t1;
	int err_code;

	text = rules_document(d, n_ip, n_subnets);
	if (!text)
		return -ENOMEM;
	t0 = now_ms();
	err_code = vfw_rules_parse(text, strlen(text), "bench-rules", &rules,
				   err, sizeof(err));
	t1 = now_ms();
	if (err_code) {
		pr_warn("bench: generated rules rejected: %s\n", err);
		goto cleanup;
	}
	err_code = vfw_compile(&rules, out, err, sizeof(err));
	if (err_code)
		pr_warn("bench: generated rules do not compile: %s\n", err);
	if (parse_ms)
		*parse_ms = t1 - t0;
	if (compile_ms)
		*compile_ms = now_ms() - t1;
	vfw_rules_free(&rules);
cleanup:
	free(text);
	return err_code;
}

static int vaultfw_load(const struct bench_data *d, size_t n_ip, size_t n_subnets,
			struct vaultfw_bpf **skelp)
{
	struct vfw_compiled compiled = {};
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int err;

	err = compile_rules(d, n_ip, n_subnets, &compiled, NULL, NULL);
	if (err)
		return err;
	skel = vaultfw_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		pr_warn("bench: loading vaultfw: %s\n", strerror(-err));
		goto cleanup;
	}
	vfw_maps_from_skel(skel, &maps);
	err = vfw_ruleset_install(&maps, &compiled, "bench-rules", NULL);
	if (err) {
		pr_warn("bench: installing %zu+%zu rules: %s\n", n_ip, n_subnets,
			strerror(-err));
		vaultfw_bpf__destroy(skel);
		goto cleanup;
	}
	*skelp = skel;
cleanup:
	vfw_compiled_free(&compiled);
	return err;
}

/* What `xdp-filter ip -m src ADDR` stores: the source flag on every CPU. */
static int xdpfilter_allow_sources(struct bpf_object *obj, const uint32_t *hosts,
				   size_t n)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, XDPFILT_MAP_IPV4);
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *flags;
	int err = 0;

	if (!map) {
		pr_warn("bench: xdp-filter object has no map %s\n", XDPFILT_MAP_IPV4);
		return -ENOENT;
	}
	if (ncpus < 0)
		return ncpus;
	flags = calloc(ncpus, sizeof(*flags));
	if (!flags)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpus; cpu++)
		flags[cpu] = XDPFILT_MAP_FLAG_SRC;
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t key = htonl(hosts[i]);

		if (bpf_map_update_elem(bpf_map__fd(map), &key, flags, BPF_ANY))
			err = -errno;
	}
	if (err)
		pr_warn("bench: filling %s: %s\n", XDPFILT_MAP_IPV4, strerror(-err));
	free(flags);
	return err;
}

static int xdpfilter_load(const char *path, const uint32_t *hosts, size_t n,
			  struct bpf_object **objp)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		pr_warn("bench: opening %s: %s\n", path, strerror(-err));
		return err;
	}
	/* xdp-filter pins its maps by name; these stay private to the bench. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err) {
		pr_warn("bench: loading %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	err = xdpfilter_allow_sources(obj, hosts, n);
cleanup:
	if (err)
		bpf_object__close(obj);
	else
		*objp = obj;
	return err;
}

static int first_prog_fd(struct bpf_object *obj)
{
	return bpf_program__fd(bpf_object__next_program(obj, NULL));
}

/* ---- measuring ---- */

/*
 * An XDP test run registers its program with the kernel's XDP dispatcher
 * and unregisters it afterwards, each time waiting for an RCU grace period
 * (milliseconds, far more than the run itself) unless the program is
 * registered already. Attaching each program to an idle device of its own
 * for the whole benchmark turns those updates into reference counting.
 */
static int hold_in_dispatcher(struct target *t, const char *prefix, size_t i)
{
	char ifname[IF_NAMESIZE];
	int ifindex, err;

	snprintf(ifname, sizeof(ifname), "%s%zu", prefix, i);
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		pr_warn("bench: device %s: %s\n", ifname, strerror(-err));
		return err;
	}
	err = bpf_xdp_attach(ifindex, t->prog_fd, HOLD_XDP_FLAGS, NULL);
	if (err) {
		pr_warn("bench: attaching to %s: %s\n", ifname, strerror(-err));
		return err;
	}
	t->held_ifindex = ifindex;
	return 0;
}

static void release_from_dispatcher(struct target *t)
{
	if (t->held_ifindex)
		bpf_xdp_detach(t->held_ifindex, HOLD_XDP_FLAGS, NULL);
	t->held_ifindex = 0;
}

static int run_frame(int prog_fd, const struct frame *fr, unsigned int repeat,
		     uint32_t *ns, uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = fr->data,
		    .data_size_in = fr->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*ns = opts.duration;
	*verdict = opts.retval;
	return 0;
}

/*
 * Average cost of one frame over the corpus; tallies verdicts if asked. The
 * kernel reports whole nanoseconds per repeat, so every figure reads about
 * half a nanosecond low, the same for every program.
 */
static int corpus_cost(const struct bench_data *d, struct target *t,
		       unsigned int repeat, bool tally, double *cost)
{
	uint64_t total_ns = 0;

	for (size_t i = 0; i < BENCH_CORPUS_FRAMES; i++) {
		uint32_t ns = 0, verdict = 0;
		int err = run_frame(t->prog_fd, &d->corpus[i], repeat, &ns, &verdict);

		if (err) {
			pr_warn("bench: BPF_PROG_TEST_RUN on frame %zu: %s\n",
				i, strerror(-err));
			return err;
		}
		total_ns += ns;
		if (!tally)
			continue;
		if (verdict == XDP_PASS)
			t->pass++;
		else
			t->drop++;
		if ((int)verdict != expected_verdict(d, t, &d->corpus[i]))
			t->unexpected++;
	}
	*cost = (double)total_ns / BENCH_CORPUS_FRAMES;
	return 0;
}

/*
 * Each round measures every target once, starting one further along each
 * time so that no target always runs first after a pause.
 */
static int measure_rounds(const struct bench_data *d, struct target *targets,
			  size_t n, const struct options *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t k = 0; k < n; k++) {
			struct target *t = &targets[(k + r) % n];
			int err = corpus_cost(d, t, o->repeat, r == 0, &t->cost[r]);

			if (err)
				return err;
		}
		for (size_t k = 0; k < n; k++)
			targets[k].ratio[r] = targets[k].cost[r] / targets[0].cost[r];
		fprintf(stderr, "bench: round %u/%u done\n", r + 1, o->rounds);
	}
	return 0;
}

static int measure_scale_point(const struct bench_data *d, size_t n_ip,
			       size_t n_subnets, unsigned int rounds,
			       struct scale_result *res)
{
	double parse[MAX_ROUNDS], compile[MAX_ROUNDS], install[MAX_ROUNDS];
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int err = 0;

	/* The first install fills empty maps; the measured ones are applies. */
	err = vaultfw_load(d, n_ip, n_subnets, &skel);
	if (err)
		return err;
	vfw_maps_from_skel(skel, &maps);
	for (unsigned int r = 0; r < rounds && !err; r++) {
		struct vfw_compiled c = {};
		double t0;

		err = compile_rules(d, n_ip, n_subnets, &c, &parse[r], &compile[r]);
		if (err)
			break;
		res->n_entries = c.n_entries;
		t0 = now_ms();
		err = vfw_ruleset_install(&maps, &c, "bench-rules", NULL);
		install[r] = now_ms() - t0;
		if (err)
			pr_warn("bench: apply of %zu+%zu rules: %s\n", n_ip, n_subnets,
				strerror(-err));
		vfw_compiled_free(&c);
	}
	if (!err) {
		struct spread s = spread_of(install, rounds);

		res->n_ip = n_ip;
		res->n_subnets = n_subnets;
		res->parse_ms = spread_of(parse, rounds).median;
		res->compile_ms = spread_of(compile, rounds).median;
		res->install_ms = s.median;
		res->install_min_ms = s.min;
		res->install_max_ms = s.max;
	}
	vaultfw_bpf__destroy(skel);
	return err;
}

/* ---- kernel memory ---- */

static long long map_memlock(int fd)
{
	char path[64], line[128];
	long long bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

static long long inner_map_memlock(int outer_fd, uint32_t slot, json_t *detail)
{
	uint32_t id;
	long long bytes;
	char name[32];
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &slot, &id))
		return 0;	/* empty slot */
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	bytes = map_memlock(fd);
	close(fd);
	snprintf(name, sizeof(name), "%s[%u]", VFW_MAP_RULESETS, slot);
	json_object_set_new(detail, name, json_integer(bytes));
	return bytes;
}

/* Every map of the object, plus the tries vfw_rulesets points to. */
static long long object_memlock(struct bpf_object *obj, json_t *detail,
				long long *tries)
{
	struct bpf_map *map;
	long long total = 0;

	*tries = 0;
	bpf_object__for_each_map(map, obj) {
		long long bytes = map_memlock(bpf_map__fd(map));

		if (bytes < 0)
			return bytes;
		json_object_set_new(detail, bpf_map__name(map), json_integer(bytes));
		total += bytes;
		if (strcmp(bpf_map__name(map), VFW_MAP_RULESETS))
			continue;
		for (uint32_t slot = 0; slot < VFW_SLOTS; slot++) {
			bytes = inner_map_memlock(bpf_map__fd(map), slot, detail);
			if (bytes < 0)
				return bytes;
			*tries += bytes;
			total += bytes;
		}
	}
	return total;
}

/* ---- output ---- */

static void rules_label(char *buf, size_t len, const struct target *t)
{
	if (t->family == TF_FLOOR)
		snprintf(buf, len, "-");
	else if (t->n_subnets)
		snprintf(buf, len, "%zu+%zu", t->n_ip, t->n_subnets);
	else
		snprintf(buf, len, "%zu", t->n_ip);
}

static void print_cost_table(const struct target *targets, size_t n,
			     const struct options *o)
{
	printf("Per-frame cost: BPF_PROG_TEST_RUN, %d frames x %u repeats, "
	       "median of %u rounds (min..max)\n", BENCH_CORPUS_FRAMES, o->repeat, o->rounds);
	printf("%-11s %-9s %8s %17s %7s %15s %5s %5s %5s\n", "program", "rules",
	       "ns/frame", "(min..max)", "x floor", "(min..max)", "pass", "drop", "unexp");
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &targets[i];
		struct spread c = spread_of(t->cost, o->rounds);
		struct spread r = spread_of(t->ratio, o->rounds);
		char label[24];

		rules_label(label, sizeof(label), t);
		printf("%-11s %-9s %8.2f  (%6.2f..%6.2f) %7.2f  (%5.2f..%5.2f) %5u %5u %5u\n",
		       family_names[t->family], label, c.median, c.min, c.max,
		       r.median, r.min, r.max, t->pass, t->drop, t->unexpected);
	}
}

static void print_scale_table(const struct scale_result *res, size_t n,
			      unsigned int rounds)
{
	printf("\nScale: median of %u runs (apply = re-install into live maps)\n", rounds);
	printf("%-9s %8s %10s %10s %10s %17s\n", "rules", "entries", "parse ms",
	       "compile ms", "apply ms", "(min..max)");
	for (size_t i = 0; i < n; i++) {
		char label[24];

		if (res[i].n_subnets)
			snprintf(label, sizeof(label), "%zu+%zu", res[i].n_ip, res[i].n_subnets);
		else
			snprintf(label, sizeof(label), "%zu", res[i].n_ip);
		printf("%-9s %8zu %10.3f %10.3f %10.3f  (%6.3f..%6.3f)\n", label,
		       res[i].n_entries, res[i].parse_ms, res[i].compile_ms,
		       res[i].install_ms, res[i].install_min_ms, res[i].install_max_ms);
	}
}

static json_t *spread_json(const double *v, unsigned int n)
{
	struct spread s = spread_of(v, n);

	return json_pack("{s:f,s:f,s:f}", "median", s.median, "min", s.min, "max", s.max);
}

static json_t *targets_json(const struct target *targets, size_t n, unsigned int rounds)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct target *t = &targets[i];

		json_array_append_new(arr, json_pack(
			"{s:s,s:I,s:I,s:o,s:o,s:I,s:I,s:I}",
			"program", family_names[t->family],
			"ip_rules", (json_int_t)t->n_ip,
			"subnet_rules", (json_int_t)t->n_subnets,
			"ns_per_frame", spread_json(t->cost, rounds),
			"ratio_to_floor", spread_json(t->ratio, rounds),
			"pass", (json_int_t)t->pass,
			"drop", (json_int_t)t->drop,
			"unexpected_verdicts", (json_int_t)t->unexpected));
	}
	return arr;
}

static json_t *scale_json(const struct scale_result *res, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack(
			"{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}",
			"ip_rules", (json_int_t)res[i].n_ip,
			"subnet_rules", (json_int_t)res[i].n_subnets,
			"lpm_entries", (json_int_t)res[i].n_entries,
			"parse_ms", res[i].parse_ms,
			"compile_ms", res[i].compile_ms,
			"apply_ms", res[i].install_ms,
			"apply_min_ms", res[i].install_min_ms,
			"apply_max_ms", res[i].install_max_ms));
	return arr;
}

static json_t *corpus_json(void)
{
	json_t *classes = json_object();

	for (int c = 0; c < FC_COUNT; c++)
		json_object_set_new(classes, class_names[c], json_integer(class_frames[c]));
	return json_pack("{s:i,s:o,s:s,s:I}", "frames", BENCH_CORPUS_FRAMES,
			 "classes", classes, "data_plane", DP_ADDR_TEXT " " DP_PORT_TEXT,
			 "seed", (json_int_t)BENCH_SEED);
}

/* ---- live traffic ---- */

/*
 * The generator (tests/bench_gen.bpf.c) runs in BPF_F_TEST_XDP_LIVE_FRAMES
 * mode bound to one veth of a pair and transmits the corpus out of it; the
 * other end runs the receiver under test. All of it happens on the CPU of
 * the test run: the generator fills the peer's ring one batch at a time and
 * the peer's NAPI poll drains it in the softirq that follows, so the wall
 * time of a run covers generating, sending and receiving every frame.
 */
#define LIVE_DEFAULT_FRAMES	(1024 * BENCH_CORPUS_FRAMES)
/* The kernel's default batch; below the veth ring size, so none overflows. */
#define LIVE_BATCH		64
#define NFT_TABLE		"netdev vfwb"
#define NFT_SEEN		"seen"
#define NFT_DROPPED		"dropped"
/* From the outer UDP header (nft's @th): the VNI, the inner IPv4 source. */
#define NFT_VNI			"@th,96,24"
#define NFT_INNER_SRC		"@th,336,32"

enum live_family { LF_GENERATOR, LF_FLOOR, LF_VAULTFW, LF_NFT, LF_COUNT };
static const char *const live_names[LF_COUNT] = {
	[LF_GENERATOR] = "generator", [LF_FLOOR] = "floor",
	[LF_VAULTFW] = "vaultfw", [LF_NFT] = "nftables",
};

/*
 * The whole corpus, where vaultfw passes most frames on to the stack, and
 * its denied sources alone, where every receiver drops every frame as the
 * floor does: the cost of the filter itself.
 */
enum live_mix { LM_CORPUS, LM_DENIED, LM_COUNT };
static const char *const mix_names[LM_COUNT] = {
	[LM_CORPUS] = "whole corpus", [LM_DENIED] = "denied-public frames only",
};

struct live_result {
	double mpps[MAX_ROUNDS];
	double ratio[MAX_ROUNDS];	/* mpps / floor mpps, same round */
	uint64_t counted, dropped;	/* by the receiver, last round */
	uint64_t expected_drops;	/* by vaultfw's verdicts on the frames */
};

struct live_target {
	enum live_family family;
	int prog_fd;		/* the receiver's XDP program, or -1 */
	struct live_result mix[LM_COUNT];
};

/* The corpus frames a mix replays: a power of two of them, from base. */
struct frame_span {
	uint32_t base, count;
};

static struct frame_span mix_span(enum live_mix mix)
{
	struct frame_span span = { .base = 0, .count = BENCH_CORPUS_FRAMES };

	if (mix == LM_DENIED) {
		for (int c = 0; c < FC_DENIED; c++)
			span.base += class_frames[c];
		span.count = class_frames[FC_DENIED];
	}
	return span;
}

struct live_bench {
	struct bench_gen_bpf *gen;
	char tx_name[IF_NAMESIZE], rx_name[IF_NAMESIZE];
	int tx_ifindex, rx_ifindex;
	int reasons_fd;		/* vaultfw's per-reason counters */
	char *nft_rules;
	struct live_target targets[LF_COUNT];
};

static int parse_live_devices(const char *arg, struct live_bench *lb)
{
	const char *comma = strchr(arg, ',');
	size_t tx_len = comma ? (size_t)(comma - arg) : 0;

	if (!tx_len || tx_len >= IF_NAMESIZE || !comma[1] ||
	    strlen(comma + 1) >= IF_NAMESIZE) {
		pr_warn("bench: --live wants TX,RX device names, got '%s'\n", arg);
		return -EINVAL;
	}
	snprintf(lb->tx_name, sizeof(lb->tx_name), "%.*s", (int)tx_len, arg);
	snprintf(lb->rx_name, sizeof(lb->rx_name), "%s", comma + 1);
	return 0;
}

/* ---- the same rule set in nftables ---- */

static void nft_ip_rules(FILE *f, const struct bench_data *d)
{
	char cidr[24];

	/* auto-merge: a random prefix may fall inside another one. */
	fprintf(f, "set ip_rules { type ipv4_addr; flags interval; auto-merge; elements = { ");
	for (size_t i = 0; i < BENCH_IP_RULES; i++) {
		vfw_prefix_str(&d->ip[i], cidr, sizeof(cidr));
		fprintf(f, "%s%s", i ? ", " : "", cidr);
	}
	fprintf(f, " } }\n");
}

static void nft_vlan_subnets(FILE *f, const struct bench_data *d)
{
	const char *sep = "";
	char cidr[24];

	fprintf(f, "set vlan_subnets { typeof vlan id . ip saddr; flags interval; "
		"elements = { ");
	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		if (d->subnet[i].tag.kind != VFW_TAG_VLAN)
			continue;
		vfw_prefix_str(&d->subnet[i].prefix, cidr, sizeof(cidr));
		fprintf(f, "%s%u . %s", sep, d->subnet[i].tag.id, cidr);
		sep = ", ";
	}
	fprintf(f, " } }\n");
}

/* nft has no VXLAN matches in this version: one chain per VNI, raw offsets. */
static void nft_vxlan_subnets(FILE *f, const struct bench_data *d)
{
	const char *sep = "";

	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		const struct bench_subnet *s = &d->subnet[i];

		if (s->tag.kind == VFW_TAG_VNI)
			fprintf(f, "chain vni%u { " NFT_INNER_SRC " & 0x%08x == 0x%08x accept; "
				"counter name " NFT_DROPPED " drop; }\n", s->tag.id,
				prefix_mask(s->prefix.len), s->prefix.addr);
	}
	fprintf(f, "chain vxlan { " NFT_VNI " vmap { ");
	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		if (d->subnet[i].tag.kind != VFW_TAG_VNI)
			continue;
		fprintf(f, "%s%u : jump vni%u", sep, d->subnet[i].tag.id, d->subnet[i].tag.id);
		sep = ", ";
	}
	fprintf(f, " }; counter name " NFT_DROPPED " drop; }\n");
}

/*
 * What vaultfw drops of the corpus, dropped on the receiver's ingress:
 * data-plane TCP from a source outside the IP rules, or on a VLAN without
 * the matching subnet; VXLAN whose VNI and inner source match no subnet.
 * The tagged chains judge the corpus's frames (the inner packet is always
 * data plane there), not every frame SPEC §2 would decapsulate.
 */
static char *nft_ruleset(const struct bench_data *d, const char *dev)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "table " NFT_TABLE " {\n"
		"counter " NFT_SEEN " { }\ncounter " NFT_DROPPED " { }\n");
	nft_ip_rules(f, d);
	nft_vlan_subnets(f, d);
	nft_vxlan_subnets(f, d);
	fprintf(f, "chain data_plane {\n"
		"\tvlan id . ip saddr @vlan_subnets accept\n"
		"\tether type 8021q counter name " NFT_DROPPED " drop\n"
		"\tip saddr @ip_rules accept\n"
		"\tcounter name " NFT_DROPPED " drop\n}\n"
		"chain ingress {\n"
		"\ttype filter hook ingress device \"%s\" priority 0; policy accept;\n"
		"\tcounter name " NFT_SEEN "\n"
		"\tip daddr %s tcp dport %d jump data_plane\n"
		"\tudp dport %d jump vxlan\n}\n}\n",
		dev, DP_ADDR_TEXT, DP_PORT, VFW_VXLAN_PORT);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Runs `nft ARGS`, with `input` on its standard input if not NULL. */
static int nft_run(const char *args, const char *input)
{
	char cmd[128];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "nft %s", args);
	p = popen(cmd, "w");
	if (!p)
		return -errno;
	if (input)
		fputs(input, p);
	status = pclose(p);
	if (status) {
		pr_warn("bench: '%s' failed (status %d)\n", cmd, status);
		return -EIO;
	}
	return 0;
}

static uint64_t nft_counter_packets(json_t *list, const char *name)
{
	json_t *item;
	size_t i;

	json_array_foreach(list, i, item) {
		json_t *counter = json_object_get(item, "counter");

		if (counter && !strcmp(json_string_value(json_object_get(counter, "name")) ?: "",
				       name))
			return json_integer_value(json_object_get(counter, "packets"));
	}
	return 0;
}

static int nft_counters(uint64_t *seen, uint64_t *dropped)
{
	json_error_t jerr;
	json_t *out;
	FILE *p = popen("nft -j list counters table " NFT_TABLE, "r");

	if (!p)
		return -errno;
	out = json_loadf(p, 0, &jerr);
	if (pclose(p) || !out) {
		pr_warn("bench: cannot read the nft counters: %s\n", out ? "nft failed" : jerr.text);
		json_decref(out);
		return -EIO;
	}
	*seen = nft_counter_packets(json_object_get(out, "nftables"), NFT_SEEN);
	*dropped = nft_counter_packets(json_object_get(out, "nftables"), NFT_DROPPED);
	json_decref(out);
	return 0;
}

/* ---- what the receiver counted ---- */

#define REASON_DROPS(id, name, verdict) case VFW_REASON_##id: return verdict == XDP_DROP;
static bool reason_drops(unsigned int reason)
{
	switch (reason) {
	VFW_REASONS(REASON_DROPS)
	default:
		return false;
	}
}
#undef REASON_DROPS

static int vaultfw_counted(int reasons_fd, uint64_t *counted, uint64_t *dropped)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vfw_counter *per_cpu;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	*counted = *dropped = 0;
	for (uint32_t reason = 0; reason < VFW_REASON_COUNT && !err; reason++) {
		/* Counted beside the reason that decides: not a frame of its own. */
		if (reason == VFW_REASON_PERIMETER_WOULD_DENY)
			continue;
		if (bpf_map_lookup_elem(reasons_fd, &reason, per_cpu)) {
			err = -errno;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++) {
			*counted += per_cpu[cpu].packets;
			if (reason_drops(reason))
				*dropped += per_cpu[cpu].packets;
		}
	}
	free(per_cpu);
	return err;
}

/* The device's receive count: veth counts every frame its NAPI poll takes. */
static int device_rx_packets(const char *ifname, uint64_t *packets)
{
	struct ifaddrs *ifa, *all;
	int err = -ENODEV;

	if (getifaddrs(&all))
		return -errno;
	for (ifa = all; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_PACKET ||
		    !ifa->ifa_data || strcmp(ifa->ifa_name, ifname))
			continue;
		*packets = ((const struct rtnl_link_stats *)ifa->ifa_data)->rx_packets;
		err = 0;
		break;
	}
	freeifaddrs(all);
	return err;
}

/*
 * Frames the receiver handled, by its own counters: vaultfw's reasons,
 * nftables' counters, the device's count for the bare floor. The generator
 * alone counts what it produced.
 */
static int live_count(const struct live_bench *lb, const struct live_target *t,
		      uint64_t *counted, uint64_t *dropped)
{
	int err;

	switch (t->family) {
	case LF_VAULTFW:
		return vaultfw_counted(lb->reasons_fd, counted, dropped);
	case LF_NFT:
		return nft_counters(counted, dropped);
	case LF_FLOOR:
		err = device_rx_packets(lb->rx_name, counted);
		*dropped = *counted;
		return err;
	default:
		*counted = lb->gen->bss->next_frame;
		*dropped = *counted;
		return 0;
	}
}

/* ---- running it ---- */

static int live_engage(const struct live_bench *lb, const struct live_target *t)
{
	int err = 0;

	lb->gen->data->gen_action = t->family == LF_GENERATOR ? XDP_DROP : XDP_TX;
	if (t->prog_fd >= 0)
		err = bpf_xdp_attach(lb->rx_ifindex, t->prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	else if (t->family == LF_NFT)
		err = nft_run("-f -", lb->nft_rules);
	if (err)
		pr_warn("bench: setting up %s on %s: %s\n", live_names[t->family],
			lb->rx_name, strerror(-err));
	return err;
}

static void live_disengage(const struct live_bench *lb, const struct live_target *t)
{
	if (t->prog_fd >= 0)
		bpf_xdp_detach(lb->rx_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	else if (t->family == LF_NFT)
		nft_run("delete table " NFT_TABLE, NULL);
}

static int live_transmit(const struct live_bench *lb, enum live_mix mix,
			 unsigned int frames, double *ms)
{
	struct frame_span span = mix_span(mix);
	static const uint8_t template[BENCH_FRAME_MAX];
	struct xdp_md ctx = { .data_end = sizeof(template),
			      .ingress_ifindex = lb->tx_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = template,
		    .data_size_in = sizeof(template),
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = frames,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = LIVE_BATCH);
	double t0 = now_ms();

	lb->gen->bss->next_frame = 0;
	lb->gen->bss->frame_base = span.base;
	lb->gen->data->frame_mask = span.count - 1;
	if (bpf_prog_test_run_opts(bpf_program__fd(lb->gen->progs.bench_gen), &opts)) {
		int err = -errno;

		pr_warn("bench: live test run into %s: %s\n", lb->tx_name, strerror(-err));
		return err;
	}
	*ms = now_ms() - t0;
	return 0;
}

static int live_measure(struct live_bench *lb, struct live_target *t,
			enum live_mix mix, unsigned int frames, unsigned int round)
{
	struct live_result *res = &t->mix[mix];
	uint64_t before, after, dropped_before, dropped_after;
	double ms = 0;
	int err;

	err = live_engage(lb, t);
	if (err)
		return err;
	err = live_count(lb, t, &before, &dropped_before);
	if (!err)
		err = live_transmit(lb, mix, frames, &ms);
	if (!err)
		err = live_count(lb, t, &after, &dropped_after);
	live_disengage(lb, t);
	if (err)
		return err;
	if (t->family == LF_GENERATOR)
		before = dropped_before = 0;	/* its cursor restarts every run */
	res->counted = after - before;
	res->dropped = dropped_after - dropped_before;
	res->mpps[round] = res->counted / ms / 1e3;
	return 0;
}

static int live_rounds(struct live_bench *lb, const struct options *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
			size_t i = (k + r) % (LF_COUNT * LM_COUNT);
			int err = live_measure(lb, &lb->targets[i % LF_COUNT],
					       i / LF_COUNT, o->live_frames, r);

			if (err)
				return err;
		}
		for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
			struct live_result *res = &lb->targets[k % LF_COUNT].mix[k / LF_COUNT];

			res->ratio[r] = res->mpps[r] /
					lb->targets[LF_FLOOR].mix[k / LF_COUNT].mpps[r];
		}
		fprintf(stderr, "bench: live round %u/%u done\n", r + 1, o->rounds);
	}
	return 0;
}

static int live_load_corpus(const struct live_bench *lb, const struct bench_data *d)
{
	int fd = bpf_map__fd(lb->gen->maps.bench_frames);

	for (uint32_t i = 0; i < BENCH_CORPUS_FRAMES; i++) {
		struct bench_gen_frame fr = { .len = d->corpus[i].len };

		memcpy(fr.data, d->corpus[i].data, sizeof(fr.data));
		if (bpf_map_update_elem(fd, &i, &fr, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Drops of a receiver over one run, vaultfw's verdicts for the rule set. */
static uint64_t live_expected_drops(const struct bench_data *d, enum live_family f,
				    enum live_mix mix, unsigned int frames)
{
	struct target full = { .family = TF_VAULTFW, .n_ip = BENCH_IP_RULES,
			       .n_subnets = BENCH_SUBNETS };
	struct frame_span span = mix_span(mix);
	uint64_t per_span = 0;

	if (f == LF_GENERATOR || f == LF_FLOOR)
		return frames;
	for (uint32_t i = span.base; i < span.base + span.count; i++)
		per_span += expected_verdict(d, &full, &d->corpus[i]) == XDP_DROP;
	return per_span * (frames / span.count);
}

static int live_setup(struct live_bench *lb, const struct bench_data *d,
		      int floor_fd, const struct vaultfw_bpf *vaultfw,
		      const struct options *o)
{
	int err;

	for (int mix = 0; mix < LM_COUNT; mix++) {
		uint32_t count = mix_span(mix).count;

		/* The generator wraps by mask; a run replays whole spans. */
		if (count & (count - 1) || o->live_frames % count) {
			pr_warn("bench: live mix '%s' has %u frames, not a power of two "
				"dividing --live-frames\n", mix_names[mix], count);
			return -EINVAL;
		}
	}
	lb->tx_ifindex = if_nametoindex(lb->tx_name);
	lb->rx_ifindex = if_nametoindex(lb->rx_name);
	if (!lb->tx_ifindex || !lb->rx_ifindex) {
		pr_warn("bench: --live devices %s,%s: not found\n", lb->tx_name, lb->rx_name);
		return -ENODEV;
	}
	lb->gen = bench_gen_bpf__open_and_load();
	if (!lb->gen) {
		err = -errno;
		pr_warn("bench: loading the traffic generator: %s\n", strerror(-err));
		return err;
	}
	err = live_load_corpus(lb, d);
	if (err)
		return err;
	lb->nft_rules = nft_ruleset(d, lb->rx_name);
	if (!lb->nft_rules)
		return -ENOMEM;
	lb->reasons_fd = bpf_map__fd(vaultfw->maps.vfw_reasons);
	for (int f = 0; f < LF_COUNT; f++) {
		lb->targets[f] = (struct live_target){ .family = f, .prog_fd = -1 };
		for (int mix = 0; mix < LM_COUNT; mix++)
			lb->targets[f].mix[mix].expected_drops =
				live_expected_drops(d, f, mix, o->live_frames);
	}
	lb->targets[LF_FLOOR].prog_fd = floor_fd;
	lb->targets[LF_VAULTFW].prog_fd = bpf_program__fd(vaultfw->progs.vaultfw_xdp);
	return 0;
}

static void live_teardown(struct live_bench *lb)
{
	bench_gen_bpf__destroy(lb->gen);
	free(lb->nft_rules);
}

/* Every frame reached the receiver, which dropped what vaultfw drops. */
static bool live_as_expected(const struct live_result *res, unsigned int frames)
{
	return res->counted == frames && res->dropped == res->expected_drops;
}

static void print_live_mix(const struct live_bench *lb, enum live_mix mix,
			   const struct options *o)
{
	const struct live_result *gen = &lb->targets[LF_GENERATOR].mix[mix];
	double gen_ns = 1e3 / spread_of(gen->mpps, o->rounds).median;

	printf("%s:\n", mix_names[mix]);
	for (size_t i = 0; i < LF_COUNT; i++) {
		const struct live_target *t = &lb->targets[i];
		const struct live_result *res = &t->mix[mix];
		struct spread m = spread_of(res->mpps, o->rounds);
		struct spread r = spread_of(res->ratio, o->rounds);
		double rx_ns = 1e3 / m.median - (res == gen ? 0 : gen_ns);
		char rules[24] = "-";

		if (t->family == LF_VAULTFW || t->family == LF_NFT)
			snprintf(rules, sizeof(rules), "%d+%d", BENCH_IP_RULES, BENCH_SUBNETS);
		printf("  %-10s %-9s %6.2f  (%5.2f..%5.2f) %7.2f  (%5.2f..%5.2f) %9.1f %9"
		       PRIu64 " %9" PRIu64 " %s\n", live_names[t->family], rules,
		       m.median, m.min, m.max, r.median, r.min, r.max, rx_ns,
		       res->counted, res->dropped,
		       live_as_expected(res, o->live_frames) ? "yes" : "NO");
	}
}

static void print_live_table(const struct live_bench *lb, const struct options *o)
{
	printf("\nLive traffic: BPF_F_TEST_XDP_LIVE_FRAMES generator -> %s -> veth -> %s, "
	       "%u frames per run, median of %u rounds (min..max)\n", lb->tx_name,
	       lb->rx_name, o->live_frames, o->rounds);
	printf("  %-10s %-9s %6s %15s %7s %15s %9s %9s %9s %s\n", "receiver", "rules",
	       "Mpps", "(min..max)", "x floor", "(min..max)", "rx ns/fr", "counted",
	       "dropped", "ok");
	for (int mix = 0; mix < LM_COUNT; mix++)
		print_live_mix(lb, mix, o);
	printf("(rx ns/fr: ns per frame beyond the generator alone: the veth transfer "
	       "and the receiver; ok: every frame counted, drops as vaultfw's verdicts)\n");
}

static json_t *live_json(const struct live_bench *lb, const struct options *o)
{
	json_t *arr = json_array();

	for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
		const struct live_target *t = &lb->targets[k % LF_COUNT];
		const struct live_result *res = &t->mix[k / LF_COUNT];

		json_array_append_new(arr, json_pack(
			"{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:b}",
			"receiver", live_names[t->family],
			"frames", mix_names[k / LF_COUNT],
			"mpps", spread_json(res->mpps, o->rounds),
			"ratio_to_floor", spread_json(res->ratio, o->rounds),
			"counted", (json_int_t)res->counted,
			"dropped", (json_int_t)res->dropped,
			"expected_drops", (json_int_t)res->expected_drops,
			"as_expected", live_as_expected(res, o->live_frames)));
	}
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o}",
			 "tx", lb->tx_name, "rx", lb->rx_name,
			 "frames_per_run", (json_int_t)o->live_frames,
			 "batch_size", (json_int_t)LIVE_BATCH,
			 "ip_rules", (json_int_t)BENCH_IP_RULES,
			 "subnet_rules", (json_int_t)BENCH_SUBNETS,
			 "results", arr);
}

/* ---- main ---- */

struct loaded {
	struct xdp_drop_bpf *floor;
	struct vaultfw_bpf *vaultfw[N_VAULTFW];
	struct bpf_object *xdpfilter[N_XDPFILTER];
};

static void unload_all(struct loaded *l)
{
	xdp_drop_bpf__destroy(l->floor);
	for (size_t i = 0; i < N_VAULTFW; i++)
		vaultfw_bpf__destroy(l->vaultfw[i]);
	for (size_t i = 0; i < N_XDPFILTER; i++)
		bpf_object__close(l->xdpfilter[i]);
}

static int load_all(const struct bench_data *d, const struct options *o,
		    struct loaded *l, struct target *targets)
{
	size_t n = 0;
	int err;

	l->floor = xdp_drop_bpf__open_and_load();
	if (!l->floor) {
		err = -errno;
		pr_warn("bench: loading the floor program: %s\n", strerror(-err));
		return err;
	}
	targets[n++] = (struct target){ .family = TF_FLOOR,
			.prog_fd = bpf_program__fd(l->floor->progs.xdp_drop) };
	for (size_t i = 0; i < N_VAULTFW; i++) {
		err = vaultfw_load(d, vaultfw_points[i].n_ip, vaultfw_points[i].n_subnets,
				   &l->vaultfw[i]);
		if (err)
			return err;
		targets[n++] = (struct target){ .family = TF_VAULTFW,
				.n_ip = vaultfw_points[i].n_ip,
				.n_subnets = vaultfw_points[i].n_subnets,
				.prog_fd = bpf_program__fd(l->vaultfw[i]->progs.vaultfw_xdp) };
	}
	for (size_t i = 0; i < N_XDPFILTER; i++) {
		err = xdpfilter_load(o->xdpfilter_obj, d->ip_host, xdpfilter_points[i],
				     &l->xdpfilter[i]);
		if (err)
			return err;
		targets[n++] = (struct target){ .family = TF_XDPFILTER,
				.n_ip = xdpfilter_points[i],
				.prog_fd = first_prog_fd(l->xdpfilter[i]) };
	}
	return 0;
}

/*
 * The generator and the receiver's softirq then share one CPU, whichever
 * the driver runs on, and every run sees the same pipeline.
 */
static int live_traffic(struct live_bench *lb, const struct bench_data *d,
			const struct loaded *l, const struct options *o)
{
	cpu_set_t old, one;
	int err;

	err = parse_live_devices(o->live, lb);
	if (!err)
		err = live_setup(lb, d, bpf_program__fd(l->floor->progs.xdp_drop),
				 l->vaultfw[N_VAULTFW - 1], o);
	if (err)
		return err;
	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -errno;
	err = live_rounds(lb, o);
	sched_setaffinity(0, sizeof(old), &old);
	return err;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [--out FILE] [--rounds N] [--repeat N] "
		"[--xdp-filter OBJ] [--hold-ifaces PREFIX]\n"
		"       [--live TX,RX] [--live-frames N] [-v]\n"
		"  --out FILE        results as JSON (default %s)\n"
		"  --rounds N        rounds per figure, %d..%d (default %d)\n"
		"  --repeat N        test runs per frame and round (default %d)\n"
		"  --xdp-filter OBJ  xdp-filter's BPF object (default %s)\n"
		"  --hold-ifaces P   attach program i to idle device P<i> meanwhile, so\n"
		"                    test runs skip XDP dispatcher updates (bench.sh\n"
		"                    makes the devices in a private namespace)\n"
		"  --live TX,RX      also measure live traffic sent out of veth TX to its\n"
		"                    peer RX (GRO on, so it receives without XDP too)\n"
		"  --live-frames N   frames per live run, a multiple of %d (default %d)\n",
		prog, DEFAULT_OUT, MIN_ROUNDS, MAX_ROUNDS, DEFAULT_ROUNDS,
		DEFAULT_REPEAT, XDPFILT_OBJ_DEFAULT, BENCH_CORPUS_FRAMES,
		LIVE_DEFAULT_FRAMES);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "xdp-filter", required_argument, NULL, 'x' },
		{ "hold-ifaces", required_argument, NULL, 'H' },
		{ "live", required_argument, NULL, 'L' },
		{ "live-frames", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	*o = (struct options){ .out = DEFAULT_OUT, .xdpfilter_obj = XDPFILT_OBJ_DEFAULT,
			       .rounds = DEFAULT_ROUNDS, .repeat = DEFAULT_REPEAT,
			       .live_frames = LIVE_DEFAULT_FRAMES };
	while ((opt = getopt_long(argc, argv, "o:r:n:x:H:L:F:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->rounds = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->repeat = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o->xdpfilter_obj = optarg;
			break;
		case 'H':
			o->hold_prefix = optarg;
			break;
		case 'L':
			o->live = optarg;
			break;
		case 'F':
			o->live_frames = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			vfw_log_level = VFW_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (o->rounds < MIN_ROUNDS || o->rounds > MAX_ROUNDS || !o->repeat) {
		pr_warn("bench: --rounds must be %d..%d and --repeat positive\n",
			MIN_ROUNDS, MAX_ROUNDS);
		return -EINVAL;
	}
	if (!o->live_frames || o->live_frames % BENCH_CORPUS_FRAMES) {
		pr_warn("bench: --live-frames must be a positive multiple of %d\n",
			BENCH_CORPUS_FRAMES);
		return -EINVAL;
	}
	return 0;
}

static int write_results(const char *path, json_t *results)
{
	if (json_dump_file(results, path, JSON_INDENT(2))) {
		pr_warn("bench: cannot write %s\n", path);
		return -EIO;
	}
	fprintf(stderr, "bench: results in %s\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	struct target targets[N_TARGETS] = {};
	struct scale_result scale[N_SCALE];
	struct loaded loaded = {};
	struct live_bench live = {};
	json_t *memory = json_object(), *vfw_maps = json_object(), *xf_maps = json_object();
	json_t *results = NULL;
	struct bench_data *d;
	struct options o;
	long long vfw_bytes, xf_bytes, trie_bytes, xf_tries;
	int err;

	err = parse_options(argc, argv, &o);
	if (err)
		return 2;
	vfw_log_setup_libs();
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	gen_bench_data(d);

	if (!o.hold_prefix)
		pr_warn("bench: without --hold-ifaces every test run waits for XDP "
			"dispatcher updates and this takes very long; run scripts/bench.sh\n");
	err = load_all(d, &o, &loaded, targets);
	for (size_t i = 0; i < N_TARGETS && !err && o.hold_prefix; i++)
		err = hold_in_dispatcher(&targets[i], o.hold_prefix, i);
	if (err)
		goto cleanup;
	err = measure_rounds(d, targets, N_TARGETS, &o);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < N_SCALE && !err; i++)
		err = measure_scale_point(d, scale_points[i].n_ip, scale_points[i].n_subnets,
					  o.rounds, &scale[i]);
	if (!err && o.live)
		err = live_traffic(&live, d, &loaded, &o);
	if (err)
		goto cleanup;
	vfw_bytes = object_memlock(loaded.vaultfw[N_VAULTFW - 1]->obj, vfw_maps, &trie_bytes);
	xf_bytes = object_memlock(loaded.xdpfilter[N_XDPFILTER - 1], xf_maps, &xf_tries);
	if (vfw_bytes < 0 || xf_bytes < 0) {
		err = vfw_bytes < 0 ? vfw_bytes : xf_bytes;
		pr_warn("bench: reading map memory: %s\n", strerror(-err));
		goto cleanup;
	}

	print_cost_table(targets, N_TARGETS, &o);
	print_scale_table(scale, N_SCALE, o.rounds);
	printf("\nKernel memory (memlock, all maps): vaultfw at %d+%d rules %lld bytes "
	       "(LPM tries %lld); xdp-filter at %zu addresses %lld bytes\n",
	       BENCH_IP_RULES, BENCH_SUBNETS, vfw_bytes, trie_bytes,
	       xdpfilter_points[N_XDPFILTER - 1], xf_bytes);
	if (o.live)
		print_live_table(&live, &o);

	json_object_set_new(memory, "vaultfw_bytes", json_integer(vfw_bytes));
	json_object_set_new(memory, "vaultfw_trie_bytes", json_integer(trie_bytes));
	json_object_set(memory, "vaultfw_maps", vfw_maps);
	json_object_set_new(memory, "xdp_filter_bytes", json_integer(xf_bytes));
	json_object_set(memory, "xdp_filter_maps", xf_maps);
	results = json_pack("{s:o,s:I,s:I,s:s,s:o,s:o,s:O}",
			    "corpus", corpus_json(),
			    "rounds", (json_int_t)o.rounds,
			    "repeat", (json_int_t)o.repeat,
			    "xdp_filter_object", o.xdpfilter_obj,
			    "per_frame", targets_json(targets, N_TARGETS, o.rounds),
			    "scale", scale_json(scale, N_SCALE),
			    "memory", memory);
	if (results && o.live)
		json_object_set_new(results, "live", live_json(&live, &o));
	err = results ? write_results(o.out, results) : -ENOMEM;
cleanup:
	json_decref(results);
	json_decref(memory);
	json_decref(vfw_maps);
	json_decref(xf_maps);
	for (size_t i = 0; i < N_TARGETS; i++)
		release_from_dispatcher(&targets[i]);
	live_teardown(&live);
	unload_all(&loaded);
	free(d);
	return err ? 1 : 0;
}
