// SPDX-License-Identifier: GPL-2.0
/*
 * The corpus every measurement runs on, and the rule sets it is aimed at,
 * all generated from one seed: distinct frames (allowed and denied public
 * sources, VLAN and VXLAN subnet traffic, control-plane traffic), the IP
 * rules and subnets they hit or miss, the rules documents that carry them
 * and the verdict each program under test should give each frame.
 */
#include "frames.h"	/* before linux/ headers: it brings the libc ones */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "bench.h"
#include "log.h"

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

#define STRINGIFY_(x)		#x
#define STRINGIFY(x)		STRINGIFY_(x)
#define DP_PORT_TEXT		"tcp/" STRINGIFY(DP_PORT)
#define OTHER_ADDR_TEXT		"192.0.2.11"	/* the host's, not data plane */
/* VXLAN sources: the rules document trusts them as host.vxlan.remotes. */
static const struct vfw_prefix vtep_net = { .addr = 0x0aff0000U, .len = 16 };

/* ---- deterministic generation ---- */

uint64_t bench_rand(uint64_t *state)
{
	/* splitmix64: tiny, and the same sequence on every machine. */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rand_below(uint64_t *state, uint32_t bound)
{
	return (uint32_t)(bench_rand(state) % bound);
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
		p.addr = (uint32_t)bench_rand(&d->rng) & prefix_mask(p.len);
		if (!is_new_ip_rule(d, n, &p) || !parser_accepts_ip_rule(&p))
			continue;
		d->ip[n] = p;
		d->ip_host[n] = p.addr | ((uint32_t)bench_rand(&d->rng) & ~prefix_mask(p.len));
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
		struct vfw_prefix host = { .addr = (uint32_t)bench_rand(&d->rng), .len = 32 };

		if (!covered_by_ip_rules(d, BENCH_IP_RULES, host.addr) &&
		    parser_accepts_ip_rule(&host))
			return host.addr;
	}
}

/* ---- frames ---- */

/* An IPv4 flow: the source as the rules hold it, to one of the host's addresses. */
struct flow {
	uint32_t src;		/* host order */
	const char *dst;
	uint8_t proto;
	uint16_t sport, dport;
};

static struct frame_spec flow_spec(const struct flow *fl, char src[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = htonl(fl->src) };

	inet_ntop(AF_INET, &in, src, INET_ADDRSTRLEN);
	/* Live traffic goes on past XDP into the stack, which checks the header. */
	return (struct frame_spec){ .src = src, .dst = fl->dst, .proto = fl->proto,
				    .sport = fl->sport, .dport = fl->dport, .ip_csum = true };
}

/*
 * The corpus keeps frames in the generator's slot size, so the bound is
 * checked once, here; shorter ones are padded with zeros (fr starts zeroed)
 * to the Ethernet minimum, as a NIC would.
 */
static bool corpus_put(struct corpus_frame *fr, const struct frame_spec *s)
{
	struct frame f;

	if (!frame_build(s, &f) || f.len > sizeof(fr->data))
		return false;
	memcpy(fr->data, f.data, f.len);
	fr->len = f.len < BENCH_FRAME_MIN ? BENCH_FRAME_MIN : f.len;
	return true;
}

static bool build_plain(struct corpus_frame *fr, uint16_t vlan, const struct flow *fl)
{
	char src[INET_ADDRSTRLEN];
	struct frame_spec s = flow_spec(fl, src);

	if (vlan) {
		s.tags[0] = (struct frame_tag){ .tpid = ETH_P_8021Q, .vid = vlan };
		s.n_tags = 1;
	}
	fr->outer_ipv4 = true;
	fr->outer_src = fl->src;
	return corpus_put(fr, &s);
}

static bool build_vxlan(struct corpus_frame *fr, uint32_t vni, uint32_t vtep,
			const struct flow *inner, uint16_t sport)
{
	struct flow outer = {
		.src = vtep, .dst = DP_ADDR_TEXT, .proto = IPPROTO_UDP,
		.sport = sport, .dport = VFW_VXLAN_PORT,
	};
	char inner_src[INET_ADDRSTRLEN], outer_src[INET_ADDRSTRLEN];
	struct frame_spec packet = flow_spec(inner, inner_src);
	struct frame_spec s = flow_spec(&outer, outer_src);

	s.inner = &packet;
	s.vxlan_flags = FRAME_VXLAN_I;
	s.vni = vni;
	fr->outer_ipv4 = true;
	fr->outer_src = vtep;
	return corpus_put(fr, &s);
}

/*
 * frames.h's ARP request names no addresses, so xdp-filter, which judges
 * the sender and the target, looks up 0.0.0.0 for both and lists neither.
 */
static bool build_arp_request(struct corpus_frame *fr)
{
	struct frame_spec s = { .ethertype = ETH_P_ARP };

	fr->outer_ipv4 = true;
	fr->outer_src = 0;
	return corpus_put(fr, &s);
}

static uint16_t ephemeral_port(struct bench_data *d)
{
	return 32768 + rand_below(&d->rng, 28232);
}

static struct flow data_plane_flow(struct bench_data *d, uint32_t src)
{
	struct flow f = {
		.src = src, .dst = DP_ADDR_TEXT, .proto = IPPROTO_TCP,
		.sport = ephemeral_port(d), .dport = DP_PORT,
	};
	return f;
}

static bool gen_untagged(struct bench_data *d, struct corpus_frame *fr, uint32_t src)
{
	struct flow f = data_plane_flow(d, src);

	fr->data_plane = true;
	fr->src = src;
	return build_plain(fr, 0, &f);
}

/* A source inside the subnet, or now and then one from outside it. */
static uint32_t subnet_source(struct bench_data *d, const struct bench_subnet *s,
			      unsigned int k)
{
	uint32_t host = (uint32_t)bench_rand(&d->rng) & ~prefix_mask(s->prefix.len);

	if (k % TAGGED_STRANGER_EVERY == TAGGED_STRANGER_EVERY - 1)
		return 0x0b000000U | host;	/* 11.x: on the tag, outside the prefix */
	return s->prefix.addr | host;
}

static bool gen_tagged(struct bench_data *d, struct corpus_frame *fr, unsigned int k,
		       enum vfw_tag_kind kind)
{
	/* VNI subnets sit at even indexes, VLAN subnets at odd ones. */
	uint32_t idx = 2 * rand_below(&d->rng, BENCH_SUBNETS / 2) +
		       (kind == VFW_TAG_VLAN);
	const struct bench_subnet *s = &d->subnet[idx];
	struct flow f = data_plane_flow(d, subnet_source(d, s, k));
	uint16_t sport;
	uint32_t vtep;

	fr->data_plane = true;
	fr->tag = s->tag;
	fr->src = f.src;
	if (kind == VFW_TAG_VLAN)
		return build_plain(fr, s->tag.id, &f);
	/* Port, then address: in another order the draws make other frames. */
	sport = ephemeral_port(d);
	vtep = vtep_net.addr | rand_below(&d->rng, 1U << (32 - vtep_net.len));
	return build_vxlan(fr, s->tag.id, vtep, &f, sport);
}

/* Other services of the host: never filtered by vaultfw. */
static bool gen_control(struct bench_data *d, struct corpus_frame *fr, unsigned int k)
{
	uint32_t src = random_denied_source(d);
	struct flow f = {
		.src = src, .dst = DP_ADDR_TEXT, .proto = IPPROTO_TCP,
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
		f.dst = OTHER_ADDR_TEXT;	/* https to another address */
		f.dport = DP_PORT;
		break;
	default:
		/* src and the port went unused, yet were drawn: the frames after stay. */
		return build_arp_request(fr);
	}
	return build_plain(fr, 0, &f);
}

static bool gen_frame(struct bench_data *d, struct corpus_frame *fr,
		      enum frame_class cls, unsigned int k)
{
	memset(fr, 0, sizeof(*fr));
	fr->cls = cls;
	switch (cls) {
	case FC_ALLOWED:
		/* Spread over all rules, so smaller rule sets allow fewer. */
		return gen_untagged(d, fr, d->ip_host[(size_t)k * BENCH_IP_RULES /
						      class_frames[FC_ALLOWED]]);
	case FC_DENIED:
		return gen_untagged(d, fr, random_denied_source(d));
	case FC_VLAN:
		return gen_tagged(d, fr, k, VFW_TAG_VLAN);
	case FC_VXLAN:
		return gen_tagged(d, fr, k, VFW_TAG_VNI);
	default:
		return gen_control(d, fr, k);
	}
}

static int gen_corpus(struct bench_data *d)
{
	size_t n = 0;

	for (int cls = 0; cls < FC_COUNT; cls++)
		for (unsigned int k = 0; k < class_frames[cls]; k++, n++)
			if (!gen_frame(d, &d->corpus[n], cls, k)) {
				pr_warn("bench: corpus frame %zu (%s) does not fit %d bytes\n",
					n, class_names[cls], BENCH_FRAME_MAX);
				return -EOVERFLOW;
			}
	return 0;
}

int corpus_generate(struct bench_data *d)
{
	d->rng = BENCH_SEED;
	gen_ip_rules(d);
	gen_subnets(d);
	return gen_corpus(d);
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
	char vtep_text[24];
	json_t *doc;
	char *text;

	vfw_prefix_str(&vtep_net, vtep_text, sizeof(vtep_text));
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
			  "vxlan", "remotes", vtep_text,
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
