// SPDX-License-Identifier: GPL-2.0
/*
 * Random inputs for the differential test of the datapath against the
 * reference model (tests/fuzz_datapath.c, tests/test_differential.c):
 * rule sets as JSON text using every feature of SPEC §1, and frames biased
 * to the edges the rules create (first and last address of every prefix
 * and the addresses just outside, tags next to the ones used and at the
 * limits) and to every frame shape and truncation of SPEC §2.
 *
 * Everything comes from one seeded generator, so a seed replays a run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "diffgen.h"

#define GEN_MAX_SUBNETS		8
/* 32.0.0.0/3 holds no range an IP rule may not cover (SPEC §1), so every
 * prefix of length 3 or more inside it is a valid IP rule. */
#define GEN_PUBLIC_NET		0x20000000u
#define GEN_PUBLIC_LEN		3
#define GEN_PRIVATE_NET		0x0a000000u	/* 10/8, for tagged sources */
#define GEN_PRIVATE_LEN		8
#define GEN_FRAME_MIN		ETH_HLEN	/* BPF_PROG_TEST_RUN refuses less */

/* Addresses in frames and data-plane lists: documentation ranges. */
#define GEN_DP4_A		0xc000020au	/* 192.0.2.10 */
#define GEN_DP4_B		0xc0000214u	/* 192.0.2.20 */
#define GEN_OTHER4		0xc0000263u	/* 192.0.2.99 */
#define GEN_UNDERLAY4		0xc0000201u	/* 192.0.2.1 */
#define GEN_DP6			"2001:db8::10"
#define GEN_OTHER6		"2001:db8::99"
#define GEN_SRC6		"2001:db8:1::5"

uint64_t gen_next(struct gen_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t gen_below(struct gen_rng *r, uint32_t n)
{
	return n ? gen_next(r) % n : 0;
}

bool gen_chance(struct gen_rng *r, unsigned int percent)
{
	return gen_below(r, 100) < percent;
}

uint32_t gen_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_below(r, hi - lo + 1);
}

uint32_t gen_mask(unsigned int len)
{
	return len ? ~0u << (32 - len) : 0;
}

static void gen_add_edge(struct gen_universe *u, uint32_t addr)
{
	if (u->n_edges < GEN_MAX_EDGES)
		u->edges[u->n_edges++] = addr;
}

/* A prefix around one of the anchors; its edges become frame sources. */
static void gen_prefix(struct gen_rng *r, struct gen_universe *u, bool ip_rule,
		       uint32_t *addr, unsigned int *len)
{
	unsigned int anchor = ip_rule ? gen_below(r, GEN_PUBLIC_ANCHORS) : gen_below(r, GEN_ANCHORS);
	unsigned int min = ip_rule ? GEN_PUBLIC_LEN : 0;
	uint32_t mask;

	/* Lengths near the anchor's own network are the likeliest overlaps. */
	*len = gen_chance(r, 30) ? gen_range(r, 20, 32) : gen_range(r, min, 32);
	mask = gen_mask(*len);
	*addr = u->anchors[anchor] & mask;
	gen_add_edge(u, *addr);
	gen_add_edge(u, *addr | ~mask);
	gen_add_edge(u, *addr - 1);
	gen_add_edge(u, (*addr | ~mask) + 1);
}

static void gen_put_prefix(FILE *out, uint32_t addr, unsigned int len, bool bare_ok)
{
	fprintf(out, "\"%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		addr & 0xff);
	if (len == 32 && bare_ok)
		fputc('"', out);
	else
		fprintf(out, "/%u\"", len);
}

static void gen_write_prefix(struct gen_rng *r, struct gen_universe *u, FILE *out,
			     bool ip_rule)
{
	uint32_t addr;
	unsigned int len;

	gen_prefix(r, u, ip_rule, &addr, &len);
	gen_put_prefix(out, addr, len, gen_chance(r, 50));
}

static void gen_write_prefix_list(struct gen_rng *r, struct gen_universe *u, FILE *out,
				  const char *key, unsigned int max)
{
	unsigned int i, n = gen_below(r, max + 1);

	fprintf(out, "\"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		gen_write_prefix(r, u, out, false);
	}
	fputc(']', out);
}

static const char *gen_tag_key(uint32_t kind)
{
	return kind == VFW_TAG_VNI ? "vni" : "vlan";
}

/* The tags of a rule set: a few, at the limits and in between. */
static void gen_tags(struct gen_rng *r, struct gen_universe *u)
{
	static const uint32_t vlans[] = { 1, 2, VFW_VLAN_MAX - 1, VFW_VLAN_MAX };
	static const uint32_t vnis[] = { 1, 2, VFW_VNI_MAX - 1, VFW_VNI_MAX };
	unsigned int i, j;

	u->n_tags = gen_range(r, 2, GEN_MAX_TAGS);
	for (i = 0; i < u->n_tags; i++) {
		bool vni = gen_chance(r, 50);
		uint32_t id = gen_chance(r, 50) ?
			(vni ? vnis : vlans)[gen_below(r, 4)] :
			gen_range(r, 1, vni ? VFW_VNI_MAX : VFW_VLAN_MAX);

		/* a repeat takes the next free id: lists may not repeat a tag */
		for (j = 0; j < i; j++) {
			if (u->tags[j].kind != (vni ? VFW_TAG_VNI : VFW_TAG_VLAN) || u->tags[j].id != id)
				continue;
			id = id % (vni ? VFW_VNI_MAX : VFW_VLAN_MAX) + 1;
			j = -1;
		}
		u->tags[i].kind = vni ? VFW_TAG_VNI : VFW_TAG_VLAN;
		u->tags[i].id = id;
	}
}

static void gen_write_tag(struct gen_rng *r, const struct gen_universe *u, FILE *out,
			  unsigned int *which)
{
	unsigned int t = gen_below(r, u->n_tags);

	fprintf(out, "\"%s\": %u", gen_tag_key(u->tags[t].kind), u->tags[t].id);
	if (which)
		*which = t;
}

/* One tag of `kind` from the rule set's tags, or -1 when it has none. */
static int gen_pick_tag(struct gen_rng *r, const struct gen_universe *u, uint32_t kind)
{
	unsigned int i, start = gen_below(r, u->n_tags);

	for (i = 0; i < u->n_tags; i++)
		if (u->tags[(start + i) % u->n_tags].kind == kind)
			return (start + i) % u->n_tags;
	return -1;
}

/* Trusted services and members: besides prefixes, a vni and/or a vlan. */
static void gen_write_group_tags(struct gen_rng *r, const struct gen_universe *u,
				 FILE *out)
{
	static const uint32_t kinds[] = { VFW_TAG_VNI, VFW_TAG_VLAN };
	unsigned int k;
	int t;

	for (k = 0; k < 2; k++) {
		t = gen_chance(r, 35) ? gen_pick_tag(r, u, kinds[k]) : -1;
		if (t >= 0)
			fprintf(out, ", \"%s\": %u", gen_tag_key(kinds[k]), u->tags[t].id);
	}
}

struct gen_subnet {
	unsigned int tag;
	bool has_prefix;
	uint32_t addr;
	unsigned int len;
};

static bool gen_subnets_clash(const struct gen_subnet *a, const struct gen_subnet *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len;

	if (a->tag != b->tag)	/* indexes of distinct tags */
		return false;
	return !a->has_prefix || !b->has_prefix ||
	       (a->addr & gen_mask(len)) == (b->addr & gen_mask(len));
}

#define GEN_SUBNET_ID	"/subscriptions/1111/resourceGroups/rg/providers/" \
			"Microsoft.Network/virtualNetworks/vn%u/subnets/sn%u"

/* Mixed case: subnet ids compare without case (SPEC §1). */
static void gen_put_subnet_id(struct gen_rng *r, FILE *out, unsigned int i)
{
	char id[160], *c;

	snprintf(id, sizeof(id), GEN_SUBNET_ID, i % 3, i);
	if (gen_chance(r, 30))
		for (c = id; *c; c++)
			if (gen_chance(r, 50))
				*c = *c >= 'a' && *c <= 'z' ? *c - 32 : *c;
	fprintf(out, "\"%s\"", id);
}

/* Subnets on shared tags, never overlapping on one tag; returns how many. */
static unsigned int gen_write_subnets(struct gen_rng *r, struct gen_universe *u,
				      FILE *out)
{
	struct gen_subnet s[GEN_MAX_SUBNETS];
	unsigned int i, j, n = 0, tries = gen_below(r, GEN_MAX_SUBNETS + 1);

	fputs("\"subnets\": [", out);
	for (i = 0; i < tries; i++) {
		struct gen_subnet c = { .tag = gen_below(r, u->n_tags) };

		c.has_prefix = gen_chance(r, 75);
		if (c.has_prefix) {
			struct gen_universe scratch = *u;	/* edges only if kept */

			gen_prefix(r, &scratch, false, &c.addr, &c.len);
		}
		for (j = 0; j < n && !gen_subnets_clash(&s[j], &c); j++)
			;
		if (j < n)
			continue;
		if (c.has_prefix) {
			uint32_t m = gen_mask(c.len);

			gen_add_edge(u, c.addr);
			gen_add_edge(u, c.addr | ~m);
			gen_add_edge(u, c.addr - 1);
			gen_add_edge(u, (c.addr | ~m) + 1);
		}
		fputs(n ? ", {\"id\": " : "{\"id\": ", out);
		gen_put_subnet_id(r, out, n);
		fprintf(out, ", \"%s\": %u", gen_tag_key(u->tags[c.tag].kind), u->tags[c.tag].id);
		if (c.has_prefix) {
			fputs(", \"prefix\": ", out);
			gen_put_prefix(out, c.addr, c.len, false);
		}
		fputc('}', out);
		s[n++] = c;
	}
	fputc(']', out);
	return n;
}

static void gen_write_network_acls(struct gen_rng *r, struct gen_universe *u,
				   FILE *out, unsigned int n_subnets)
{
	unsigned int i, n;

	fputs(", \"networkAcls\": {", out);
	if (gen_chance(r, 85))
		fprintf(out, "\"defaultAction\": \"%s\", ", gen_chance(r, 70) ? "Deny" : "Allow");
	if (gen_chance(r, 85))
		fprintf(out, "\"bypass\": \"%s\", ", gen_chance(r, 60) ? "AzureServices" : "None");
	fputs("\"ipRules\": [", out);
	n = gen_below(r, 13);
	for (i = 0; i < n; i++) {
		fputs(i ? ", {\"value\": " : "{\"value\": ", out);
		gen_write_prefix(r, u, out, true);
		fputc('}', out);
	}
	fputs("], \"virtualNetworkRules\": [", out);
	n = 0;
	for (i = 0; i < n_subnets + 2; i++) {
		bool unbound = i >= n_subnets;

		if (gen_chance(r, unbound ? 50 : 20))
			continue;
		fputs(n++ ? ", {\"id\": " : "{\"id\": ", out);
		/* ids past the subnets are unbound: skipped when asked to */
		gen_put_subnet_id(r, out, unbound ? GEN_MAX_SUBNETS + i : i);
		fprintf(out, ", \"ignoreMissingVnetServiceEndpoint\": %s}",
			unbound || gen_chance(r, 20) ? "true" : "false");
	}
	fputs("]}", out);
}

/* Trusted-service groups and perimeter members have one shape: a name,
 * untagged prefixes and tags. Writes n of them, named PREFIX0, PREFIX1, ... */
static void gen_write_groups(struct gen_rng *r, struct gen_universe *u, FILE *out,
			     const char *name_prefix, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"name\": \"%s%u\", ", i ? ", " : "", name_prefix, i);
		gen_write_prefix_list(r, u, out, "prefixes", 3);
		gen_write_group_tags(r, u, out);
		fputc('}', out);
	}
}

/*
 * GEN_BULK_GROUPS bulk groups of n prefixes in all for the big rule sets
 * (groups, so that their values differ and nested prefixes leave edges):
 * half near the anchors at every length (so they nest and overlap where
 * the frames aim), half anywhere and mostly long. n = 0 draws nothing, so
 * the seeds' rule sets stay as they were.
 */
#define GEN_BULK_GROUPS		8
#define GEN_BULK_EDGE_EVERY	32

static void gen_write_bulk_prefix(struct gen_rng *r, struct gen_universe *u, FILE *out,
				  unsigned int k)
{
	bool near = gen_chance(r, 50);
	unsigned int len = near ? gen_range(r, 8, 32) : gen_range(r, 16, 32);
	uint32_t addr = near ? u->anchors[gen_below(r, GEN_ANCHORS)] ^
			       (uint32_t)(gen_next(r) >> gen_range(r, 40, 63)) :
			       (uint32_t)gen_next(r);

	addr &= gen_mask(len);
	if (k % GEN_BULK_EDGE_EVERY == 0) {
		gen_add_edge(u, addr);
		gen_add_edge(u, addr | ~gen_mask(len));
	}
	gen_put_prefix(out, addr, len, false);
}

static void gen_write_bulk(struct gen_rng *r, struct gen_universe *u, FILE *out,
			   unsigned int n)
{
	unsigned int g, k;

	for (g = 0; g < GEN_BULK_GROUPS; g++) {
		fprintf(out, ", {\"name\": \"bulk%u\", \"prefixes\": [", g);
		for (k = g; k < n; k += GEN_BULK_GROUPS) {
			fputs(k == g ? "" : ", ", out);
			gen_write_bulk_prefix(r, u, out, k);
		}
		fputs("]}", out);
	}
}

static void gen_write_trusted(struct gen_rng *r, struct gen_universe *u, FILE *out,
			      unsigned int bulk)
{
	unsigned int n = gen_below(r, 4);

	fputs(", \"trustedServices\": [", out);
	gen_write_groups(r, u, out, "ts", n);
	if (bulk) {
		if (!n)	/* the bulk group follows a comma */
			fputs("{\"name\": \"ts-none\", \"prefixes\": []}", out);
		gen_write_bulk(r, u, out, bulk);
	}
	fputc(']', out);
}

static void gen_write_private_endpoints(struct gen_rng *r, struct gen_universe *u,
					FILE *out)
{
	static const char *const status[] = { "Approved", "Pending", "Rejected" };
	unsigned int i, n = gen_below(r, 5);

	fputs(", \"privateEndpoints\": [", out);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"name\": \"pe%u\", ", i ? ", " : "", i);
		gen_write_tag(r, u, out, NULL);
		if (gen_chance(r, 40)) {
			fputs(", \"prefix\": ", out);
			gen_write_prefix(r, u, out, false);
		}
		fprintf(out, ", \"status\": \"%s\"}", status[gen_below(r, 3)]);
	}
	fputc(']', out);
}

#define GEN_SUBSCRIPTION "/subscriptions/2222-%u"

static void gen_write_perimeter(struct gen_rng *r, struct gen_universe *u, FILE *out)
{
	static const char *const modes[] = { "Learning", "Audit", "Enforced" };
	unsigned int i, j, k, n_subs = gen_below(r, 4), n;

	fprintf(out, ", \"perimeter\": {\"accessMode\": \"%s\", \"subscriptions\": [",
		modes[gen_below(r, 3)]);
	for (i = 0; i < n_subs; i++) {
		fprintf(out, "%s{\"id\": \"" GEN_SUBSCRIPTION "\", \"vnis\": [", i ? ", " : "", i);
		n = 0;
		for (j = 0; j < u->n_tags; j++)
			if (u->tags[j].kind == VFW_TAG_VNI && gen_chance(r, 30))
				fprintf(out, "%s%u", n++ ? ", " : "", u->tags[j].id);
		fputs("], \"vlans\": [", out);
		n = 0;
		for (j = 0; j < u->n_tags; j++)
			if (u->tags[j].kind == VFW_TAG_VLAN && gen_chance(r, 30))
				fprintf(out, "%s%u", n++ ? ", " : "", u->tags[j].id);
		fputs("]}", out);
	}
	fputs("], \"accessRules\": [", out);
	n = gen_below(r, 4);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"name\": \"ar%u\", \"direction\": \"%s\", ", i ? ", " : "", i,
			gen_chance(r, 80) ? "Inbound" : "Outbound");
		gen_write_prefix_list(r, u, out, "addressPrefixes", 3);
		fputs(", \"subscriptions\": [", out);
		for (j = 0, k = 0; j < n_subs; j++)
			if (gen_chance(r, 50))
				fprintf(out, "%s{\"id\": \"" GEN_SUBSCRIPTION "\"}", k++ ? ", " : "", j);
		fputs("]}", out);
	}
	fputs("], \"members\": [", out);
	gen_write_groups(r, u, out, "m", gen_below(r, 4));
	fputs("]}", out);
}

static void gen_write_dataplane(struct gen_rng *r, struct gen_universe *u, FILE *out)
{
	static const struct vfw_dp_port ports[] = {
		{ .port = 443, .proto = IPPROTO_TCP }, { .port = 443, .proto = IPPROTO_UDP },
		{ .port = 8443, .proto = IPPROTO_TCP }, { .port = 53, .proto = IPPROTO_UDP },
		{ .port = VFW_VXLAN_PORT, .proto = IPPROTO_UDP },
		{ .port = VFW_VXLAN_PORT, .proto = IPPROTO_TCP },
	};
	unsigned int i;

	u->n_ports = 0;
	if (gen_chance(r, 20)) {	/* absent: any address, tcp/443 */
		u->ports[u->n_ports++] = ports[0];
		return;
	}
	fputs("\"dataPlane\": {\"addresses\": [", out);
	if (gen_chance(r, 70))
		fputs("\"192.0.2.10\", \"192.0.2.20\", \"" GEN_DP6 "\"", out);
	fputs("]", out);
	if (gen_chance(r, 20)) {
		u->ports[u->n_ports++] = ports[0];
	} else {
		fputs(", \"ports\": [", out);
		for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			if (u->n_ports && gen_chance(r, 60))
				continue;
			fprintf(out, "%s\"%s/%u\"", u->n_ports ? ", " : "",
				ports[i].proto == IPPROTO_TCP ? "tcp" : "udp", ports[i].port);
			u->ports[u->n_ports++] = ports[i];
		}
		fputc(']', out);
	}
	fputs("}, ", out);
}

static bool gen_has_vni(const struct gen_universe *u)
{
	unsigned int i;

	for (i = 0; i < u->n_tags; i++)
		if (u->tags[i].kind == VFW_TAG_VNI)
			return true;
	return false;
}

static void gen_add_underlay(struct gen_universe *u, uint32_t addr)
{
	if (u->n_underlay < GEN_MAX_UNDERLAY)
		u->underlay[u->n_underlay++] = addr;
}

static bool gen_is_dp_port(const struct gen_universe *u, uint16_t port, uint8_t proto)
{
	unsigned int i;

	for (i = 0; i < u->n_ports; i++)
		if (u->ports[i].port == port && u->ports[i].proto == proto)
			return true;
	return false;
}

/*
 * host.vxlan, required when a VNI is used: ports from the usual ones (never
 * a data-plane udp port, which the parser refuses) and remotes around the
 * underlay source the frames use most, so that both sides of every remote
 * are sent from.
 */
static void gen_write_vxlan(struct gen_rng *r, struct gen_universe *u, FILE *out)
{
	static const uint16_t ports[] = { VFW_VXLAN_PORT, VFW_VXLAN_PORT_LINUX, 4790, 8443 };
	static const struct { uint32_t addr; unsigned int len; } remotes[] = {
		{ GEN_UNDERLAY4, 32 }, { GEN_UNDERLAY4 & 0xffffff00u, 24 },
		{ 0xc6336400u, 24 }, { 0, 0 }, { GEN_UNDERLAY4 + 1, 32 },
	};
	unsigned int i, n = 0;

	gen_add_underlay(u, GEN_UNDERLAY4);
	gen_add_underlay(u, GEN_OTHER4);
	if (!gen_has_vni(u) && gen_chance(r, 40))
		return;
	fputs("\"vxlan\": {", out);
	if (gen_chance(r, 70)) {
		fputs("\"ports\": [", out);
		for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			if ((n && gen_chance(r, 50)) || gen_is_dp_port(u, ports[i], IPPROTO_UDP))
				continue;
			fprintf(out, "%s%u", n ? ", " : "", ports[i]);
			u->vxlan_ports[n++] = ports[i];
		}
		fputs("], ", out);
	}
	if (!n && gen_is_dp_port(u, VFW_VXLAN_PORT, IPPROTO_UDP)) {
		/* the default port is taken: open another */
		fprintf(out, "\"ports\": [%u], ", VFW_VXLAN_PORT_LINUX);
		u->vxlan_ports[n++] = VFW_VXLAN_PORT_LINUX;
	} else if (!n) {
		u->vxlan_ports[n++] = VFW_VXLAN_PORT;
	}
	u->n_vxlan_ports = n;
	fputs("\"remotes\": [", out);
	for (i = 0, n = 0; i < sizeof(remotes) / sizeof(remotes[0]); i++) {
		uint32_t mask = gen_mask(remotes[i].len);

		/* 0.0.0.0/0 rarely: it makes every tunnel trusted */
		if (!gen_chance(r, remotes[i].len ? 45 : 5))
			continue;
		fprintf(out, "%s", n++ ? ", " : "");
		gen_put_prefix(out, remotes[i].addr, remotes[i].len, true);
		gen_add_underlay(u, remotes[i].addr & mask);
		gen_add_underlay(u, (remotes[i].addr & mask) - 1);
		gen_add_underlay(u, (remotes[i].addr | ~mask) + 1);
	}
	fputs("]}, ", out);
}

static void gen_anchors(struct gen_rng *r, struct gen_universe *u)
{
	unsigned int i;

	for (i = 0; i < GEN_ANCHORS; i++) {
		bool public = i < GEN_PUBLIC_ANCHORS;

		u->anchors[i] = public ?
			GEN_PUBLIC_NET | (uint32_t)(gen_next(r) & ~gen_mask(GEN_PUBLIC_LEN)) :
			GEN_PRIVATE_NET | (uint32_t)(gen_next(r) & ~gen_mask(GEN_PRIVATE_LEN));
	}
}

static const char *gen_pna(struct gen_rng *r, bool perimeter)
{
	static const char *const values[] = {
		"Enabled", "Disabled", "SecuredByPerimeter", "enabled", "DISABLED",
		"securedbyperimeter",
	};
	unsigned int i;

	do
		i = gen_below(r, 6);
	while (!perimeter && i % 3 == 2);
	return values[i];
}

/*
 * A random rule set as JSON text (malloc'd), describing itself in *u for
 * the frame generator. Always valid: the generator keeps to SPEC §1.
 */
char *gen_rules(struct gen_rng *r, struct gen_universe *u)
{
	return gen_rules_bulk(r, u, 0);
}

char *gen_rules_bulk(struct gen_rng *r, struct gen_universe *u, unsigned int bulk)
{
	bool perimeter = gen_chance(r, 70);
	unsigned int n_subnets;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	memset(u, 0, sizeof(*u));
	out = open_memstream(&text, &len);
	if (!out)
		return NULL;
	gen_anchors(r, u);
	gen_tags(r, u);
	fputs("{\"name\": \"fuzz\", \"properties\": {", out);
	if (gen_chance(r, 85))
		fprintf(out, "\"publicNetworkAccess\": \"%s\"", gen_pna(r, perimeter));
	else
		fputs("\"publicNetworkAccess\": null", out);
	/* subnets first (for the vnet rules), written into a side buffer */
	{
		char *host = NULL;
		size_t host_len = 0;
		FILE *h = open_memstream(&host, &host_len);

		if (!h) {
			fclose(out);
			free(text);
			return NULL;
		}
		gen_write_dataplane(r, u, h);
		gen_write_vxlan(r, u, h);
		n_subnets = gen_write_subnets(r, u, h);
		gen_write_trusted(r, u, h, bulk);
		gen_write_private_endpoints(r, u, h);
		if (perimeter)
			gen_write_perimeter(r, u, h);
		fclose(h);
		if (gen_chance(r, 85))
			gen_write_network_acls(r, u, out, n_subnets);
		fprintf(out, "}, \"host\": {%s}}", host ? host : "");
		free(host);
	}
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */

static void gen_ipv4_text(uint32_t addr, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
}

/* A source aimed at the rules: an edge, near an anchor, or anywhere. */
static uint32_t gen_source4(struct gen_rng *r, const struct gen_universe *u)
{
	unsigned int pick = gen_below(r, 10);

	if (pick < 6 && u->n_edges)
		return u->edges[gen_below(r, u->n_edges)];
	if (pick < 9)
		return u->anchors[gen_below(r, GEN_ANCHORS)] ^ (gen_below(r, 256) << gen_below(r, 24));
	return (uint32_t)gen_next(r);
}

/* A VLAN id or VNI next to one the rules use, at a limit, or anywhere. */
static uint32_t gen_tag_id(struct gen_rng *r, const struct gen_universe *u, uint32_t kind)
{
	uint32_t max = kind == VFW_TAG_VNI ? VFW_VNI_MAX : 0xfff;
	unsigned int pick = gen_below(r, 10), i;

	if (pick < 7) {
		for (i = 0; i < u->n_tags; i++) {
			unsigned int t = (i + gen_below(r, u->n_tags)) % u->n_tags;

			if (u->tags[t].kind == kind)
				return (u->tags[t].id + (pick < 5 ? 0 : pick == 5 ? 1 : max)) & max;
		}
	}
	if (pick < 9)
		return pick == 7 ? 0 : max;
	return gen_below(r, max + 1);
}

static void gen_vlan_tags(struct gen_rng *r, const struct gen_universe *u,
			  struct frame_spec *s, unsigned int n)
{
	unsigned int i;

	s->n_tags = n;
	for (i = 0; i < n; i++) {
		s->tags[i].tpid = i + 1 < n && gen_chance(r, 70) ? ETH_P_8021AD : ETH_P_8021Q;
		s->tags[i].vid = gen_tag_id(r, u, VFW_TAG_VLAN);
	}
}

/* A UDP port some host unwraps a tunnel from: opened here or not. */
static uint16_t gen_tunnel_port(struct gen_rng *r, const struct gen_universe *u)
{
	static const uint16_t known[] = { VFW_VXLAN_PORT, VFW_VXLAN_PORT_LINUX, VFW_GENEVE_PORT };

	if (u->n_vxlan_ports && gen_chance(r, 60))
		return u->vxlan_ports[gen_below(r, u->n_vxlan_ports)];
	return known[gen_below(r, sizeof(known) / sizeof(known[0]))];
}

static uint32_t gen_underlay4(struct gen_rng *r, const struct gen_universe *u)
{
	if (u->n_underlay && gen_chance(r, 85))
		return u->underlay[gen_below(r, u->n_underlay)];
	return gen_source4(r, u);
}

/* Address buffers of one frame spec. */
struct gen_addrs {
	char src[INET6_ADDRSTRLEN];
	char dst[INET6_ADDRSTRLEN];
};

static void gen_ip_layer(struct gen_rng *r, const struct gen_universe *u,
			 struct frame_spec *s, struct gen_addrs *a)
{
	/* tunnels vaultfw does not open, and port-less control protocols */
	static const uint8_t other_protos[] = {
		IPPROTO_ICMP, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_SCTP, IPPROTO_IPIP, IPPROTO_IPV6,
		IPPROTO_AH, 89 /* OSPF */, 112 /* VRRP */, IPPROTO_PIM,
	};
	static const uint8_t exts[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS,
					IPPROTO_FRAGMENT };
	bool v6 = gen_chance(r, 15);
	unsigned int pick = gen_below(r, 100), i;

	if (v6) {
		snprintf(a->src, sizeof(a->src), "%s", GEN_SRC6);
		snprintf(a->dst, sizeof(a->dst), "%s", gen_chance(r, 80) ? GEN_DP6 : GEN_OTHER6);
	} else {
		uint32_t dst = gen_chance(r, 80) ? (gen_chance(r, 50) ? GEN_DP4_A : GEN_DP4_B) :
			       gen_chance(r, 50) ? GEN_OTHER4 : (uint32_t)gen_next(r);

		gen_ipv4_text(gen_source4(r, u), a->src, sizeof(a->src));
		gen_ipv4_text(dst, a->dst, sizeof(a->dst));
	}
	s->src = a->src;
	s->dst = a->dst;
	if (pick < 60)
		s->proto = IPPROTO_TCP;
	else if (pick < 88)
		s->proto = IPPROTO_UDP;
	else if (pick < 94)
		s->proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	else
		s->proto = other_protos[gen_below(r, sizeof(other_protos))];
	if (gen_chance(r, 80) && u->n_ports)
		s->dport = u->ports[gen_below(r, u->n_ports)].port;
	else if (gen_chance(r, 30))
		s->dport = gen_tunnel_port(r, u);
	else
		s->dport = gen_chance(r, 50) ? 22 : gen_below(r, 65536);
	if (v6) {
		if (gen_chance(r, 20)) {
			s->n_ext = gen_range(r, 1, 5);
			for (i = 0; i < s->n_ext; i++)
				s->ext[i] = exts[gen_below(r, sizeof(exts))];
			s->frag_offset = gen_chance(r, 50) ? 0 : gen_range(r, 1, 8191);
		}
		return;
	}
	if (gen_chance(r, 20))
		s->opt_words = gen_range(r, 1, 10);
	if (gen_chance(r, 8)) {
		s->more_frags = gen_chance(r, 50);
		s->frag_offset = gen_chance(r, 50) ? 0 : gen_range(r, 1, 8191);
	}
	if (gen_chance(r, 2))
		s->ihl = gen_range(r, 1, 15);
	if (gen_chance(r, 2))
		s->tot_len = gen_range(r, 1, 200);
}

/* Cut points: header boundaries, and one byte either side of them. */
static size_t gen_cut(struct gen_rng *r, const struct frame_spec *s, size_t len)
{
	size_t eth = ETH_HLEN + 4 * s->n_tags;
	size_t ip = frame_is_ipv6(s) ? 40 + 8 * s->n_ext : 20 + 4 * (size_t)s->opt_words;
	size_t l4 = s->proto == IPPROTO_TCP ? 20 : 8;
	size_t inner = eth + ip + 8 + FRAME_VXLAN_HLEN;
	size_t points[] = {
		eth - 2, eth, eth + ip / 2, eth + ip, eth + ip + 2, eth + ip + l4,
		inner, inner + ETH_HLEN, inner + ETH_HLEN + 4, inner + ETH_HLEN + 20,
		inner + ETH_HLEN + 40, gen_below(r, len + 1),
	};
	size_t cut = points[gen_below(r, sizeof(points) / sizeof(points[0]))];

	cut += gen_below(r, 3);
	cut = cut > 0 ? cut - 1 : 0;
	return cut < GEN_FRAME_MIN ? GEN_FRAME_MIN : cut;
}

static void gen_random_bytes(struct gen_rng *r, struct frame *f)
{
	size_t i;

	f->len = gen_range(r, GEN_FRAME_MIN, 160);
	for (i = 0; i < f->len; i++)
		f->data[i] = gen_next(r);
	if (gen_chance(r, 50)) {	/* an IP ethertype makes it go further */
		f->data[12] = gen_chance(r, 70) ? 0x08 : 0x86;
		f->data[13] = f->data[12] == 0x08 ? 0x00 : 0xdd;
		f->data[14] = gen_chance(r, 70) ? (f->data[12] == 0x08 ? 0x45 : 0x60) : f->data[14];
	}
}

/*
 * One frame aimed at the rule set described by u: every tag shape (none,
 * VLAN, QinQ, three tags, VXLAN with and without an inner VLAN), IPv4 with
 * options and fragments, IPv6 with extension headers, non-IP, truncations
 * at header boundaries, Ethernet padding, flipped bytes and plain noise.
 */
void gen_frame(struct gen_rng *r, const struct gen_universe *u, struct frame *f)
{
	struct frame_spec outer = {}, inner = {}, nested = {};
	struct gen_addrs oa, ia, na;
	unsigned int shape = gen_below(r, 100), i;

	if (shape < 3) {
		gen_random_bytes(r, f);
		return;
	}
	if (shape < 8) {
		outer.ethertype = gen_chance(r, 70) ? ETH_P_ARP : FRAME_ETH_P_LLDP;
		gen_vlan_tags(r, u, &outer, gen_below(r, 3));
	} else if (shape < 35) {
		/* VXLAN: the VNI is the tag, the inner frame the packet */
		gen_vlan_tags(r, u, &outer, gen_chance(r, 20) ? gen_range(r, 1, 2) : 0);
		gen_ipv4_text(gen_underlay4(r, u), oa.src, sizeof(oa.src));
		gen_ipv4_text(gen_chance(r, 50) ? GEN_OTHER4 : GEN_DP4_A, oa.dst, sizeof(oa.dst));
		outer.src = oa.src;
		outer.dst = oa.dst;
		outer.proto = IPPROTO_UDP;
		outer.dport = gen_tunnel_port(r, u);
		outer.vxlan_flags = gen_chance(r, 90) ? FRAME_VXLAN_I : gen_below(r, 256);
		outer.vni = gen_tag_id(r, u, VFW_TAG_VNI);
		outer.inner = &inner;
		gen_vlan_tags(r, u, &inner, gen_chance(r, 25) ? gen_range(r, 1, 2) : 0);
		if (gen_chance(r, 5))
			inner.ethertype = ETH_P_ARP;
		else
			gen_ip_layer(r, u, &inner, &ia);
		if (gen_chance(r, 15) && !frame_is_ipv6(&inner)) {
			/* VXLAN in VXLAN: the host would unwrap both layers */
			inner.proto = IPPROTO_UDP;
			inner.dport = gen_tunnel_port(r, u);
			inner.vxlan_flags = FRAME_VXLAN_I;
			inner.vni = gen_tag_id(r, u, VFW_TAG_VNI);
			inner.inner = &nested;
			gen_ip_layer(r, u, &nested, &na);
		}
		if (gen_chance(r, 5))
			inner.l4_keep = gen_range(r, 1, 19);
		if (gen_chance(r, 5))
			outer.l4_keep = gen_range(r, 1, 8 + FRAME_VXLAN_HLEN + ETH_HLEN + 24);
	} else {
		i = gen_below(r, 100);
		gen_vlan_tags(r, u, &outer, i < 45 ? 0 : i < 80 ? 1 : i < 97 ? 2 : 3);
		gen_ip_layer(r, u, &outer, &oa);
		if (gen_chance(r, 5))
			outer.l4_keep = gen_range(r, 1, 19);
	}
	if (!frame_build(&outer, f)) {
		gen_random_bytes(r, f);
		return;
	}
	if (gen_chance(r, 10)) {
		size_t cut = gen_cut(r, &outer, f->len);

		f->len = cut < f->len ? cut : f->len;
	} else if (gen_chance(r, 10)) {	/* Ethernet padding after the datagram */
		size_t pad = gen_range(r, 1, 30);

		for (i = 0; i < pad && f->len < FRAME_MAX; i++)
			f->data[f->len++] = gen_next(r);
	}
	if (gen_chance(r, 3))
		for (i = gen_range(r, 1, 3); i-- > 0;)
			f->data[gen_below(r, f->len)] ^= 1u << gen_below(r, 8);
	if (f->len < GEN_FRAME_MIN)
		f->len = GEN_FRAME_MIN;
}
