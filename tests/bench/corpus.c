// SPDX-License-Identifier: GPL-2.0
/*
 * The corpus every measurement runs on, and the rule sets it is aimed at,
 * all generated from one seed: distinct frames (allowed and denied public
 * sources, VLAN and VXLAN subnet traffic, control-plane traffic), the IP
 * rules and subnets they hit or miss, the rules documents that carry them
 * and the verdict each program under test should give each frame.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "bench.h"

#define BENCH_SEED		0x5eed5eedULL

#define IP_RULE_MIN_LEN		16
#define SUBNET_MIN_LEN		16
#define SUBNET_MAX_LEN		24
#define VNI_BASE		5000
#define VLAN_BASE		100

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

#define DP_PORT_TEXT		"tcp/443"
#define DP_ADDR			0xc000020aU	/* 192.0.2.10 */
#define OTHER_ADDR		0xc000020bU	/* 192.0.2.11, not data plane */
#define VTEP_NET		0x0aff0000U	/* the trusted remotes: */
#define VTEP_NET_TEXT		"10.255.0.0/16"

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

static void finish_frame(struct corpus_frame *fr, size_t len)
{
	fr->len = len < BENCH_FRAME_MIN ? BENCH_FRAME_MIN : len;
}

static void build_plain(struct corpus_frame *fr, uint16_t vlan, const struct flow *f)
{
	size_t off = put_eth(fr->data, vlan, ETH_P_IP);

	off += put_ipv4(fr->data + off, f, NULL, 0);
	finish_frame(fr, off);
	fr->outer_ipv4 = true;
	fr->outer_src = f->src;
}

static void build_vxlan(struct corpus_frame *fr, uint32_t vni, uint32_t vtep,
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

static void build_arp_request(struct corpus_frame *fr, uint32_t sender, uint32_t target)
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

static void gen_untagged(struct bench_data *d, struct corpus_frame *fr, uint32_t src)
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

static void gen_tagged(struct bench_data *d, struct corpus_frame *fr, unsigned int k,
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
static void gen_control(struct bench_data *d, struct corpus_frame *fr, unsigned int k)
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

static void gen_frame(struct bench_data *d, struct corpus_frame *fr,
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

int corpus_generate(struct bench_data *d)
{
	d->rng = BENCH_SEED;
	gen_ip_rules(d);
	gen_subnets(d);
	gen_corpus(d);
	return 0;
}

struct frame_span corpus_class_span(enum frame_class cls)
{
	struct frame_span span = { .base = 0, .count = class_frames[cls] };

	for (int c = 0; c < (int)cls; c++)
		span.base += class_frames[c];
	return span;
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

int expected_verdict(const struct bench_data *d, const struct target *t,
		     const struct corpus_frame *fr)
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

char *rules_document(const struct bench_data *d, size_t n_ip, size_t n_subnets)
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

json_t *corpus_json(void)
{
	json_t *classes = json_object();

	for (int c = 0; c < FC_COUNT; c++)
		json_object_set_new(classes, class_names[c], json_integer(class_frames[c]));
	return json_pack("{s:i,s:o,s:s,s:I}", "frames", BENCH_CORPUS_FRAMES,
			 "classes", classes, "data_plane", DP_ADDR_TEXT " " DP_PORT_TEXT,
			 "seed", (json_int_t)BENCH_SEED);
}

/* One line a frame, so that two builds' corpora can be diffed. */
void corpus_dump(const struct bench_data *d, FILE *f)
{
	for (size_t i = 0; i < BENCH_CORPUS_FRAMES; i++) {
		const struct corpus_frame *fr = &d->corpus[i];

		fprintf(f, "%4zu %-14s dp=%d tag=%d/%u src=%08x outer=%d/%08x len=%u ", i,
			class_names[fr->cls], fr->data_plane, fr->tag.kind, fr->tag.id,
			fr->src, fr->outer_ipv4, fr->outer_src, fr->len);
		for (uint32_t b = 0; b < fr->len; b++)
			fprintf(f, "%02x", fr->data[b]);
		fputc('\n', f);
	}
}
