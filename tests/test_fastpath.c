// SPDX-License-Identifier: GPL-2.0
/*
 * The fast path for IPv4 sources against the LPM trie it stands in for.
 * Random rule sets (seeded) put prefixes of every length /0../32 around a
 * few anchors, so they nest, repeat on other rule kinds and sit next to
 * each other, untagged and on a few VLAN and VNI tags (subnets with and
 * without a prefix, private endpoints); frames come from the first and
 * last address of every prefix, the addresses just outside, and random
 * ones, untagged and (every other one) on one of the tags, by VLAN or
 * VXLAN. Each frame runs through the program twice, with VFW_CFG_FAST and
 * VFW_CFG_FAST_TAGGED set and cleared in the live slot, and both runs must
 * give the same verdict and move the same reason and rule counters. The builder's own walk is checked against a
 * brute-force longest-prefix match, and a rule set too big for the fast
 * tables must fall back to the LPM trie.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "compile.h"
#include "diffgen.h"
#include "diffrun.h"
#include "explain.h"
#include "fastpath.h"
#include "log.h"
#include "testlib.h"

#define FP_SEED			0xfa57fa57ULL
#define FP_RULE_SETS		24
#define FP_ANCHORS		4
#define FP_MAX_IP_RULES		40
#define FP_MAX_LIST_PREFIXES	3	/* per trusted group, access rule, member */
#define FP_MAX_SOURCES		1024
#define FP_RANDOM_SOURCES	64
#define FP_DP_ADDR		"192.0.2.10"
#define FP_HTTPS		443
#define FP_TAGS			3	/* two VNIs that share a top byte, a VLAN */
#define FP_MAX_TAG_PREFIXES	3	/* subnets per tag */
#define FP_FAST_FLAGS		(VFW_CFG_FAST | VFW_CFG_FAST_TAGGED)
/* Big rule sets: up to 100,000 prefixes of every length around a few
 * hundred anchors (so they nest and overlap), in trusted-service groups,
 * perimeter members and perimeter access rules, beside IP rules. */
#define FP_BIG_SEED		0xb16b16ULL
#define FP_BIG_ANCHORS		300
#define FP_BIG_EDGE_EVERY	8	/* edges of one prefix in this many are sources */
#define FP_BIG_RANDOM_SOURCES	4096
#define FP_BIG_FRAMES		600	/* through the program, per set */
#define FP_BIG_MAX_IP_RULES	1000
static const size_t fp_big_sizes[] = { 2000, 30000, 100000 };

/* /32 subnets on distinct VLANs, four child nodes each: more than fit. */
#define FP_OVERFLOW_SUBNETS	(VFW_FAST_NODES / 4 + 1)

struct fp_set {
	struct vfw_rules rules;
	__u32 anchors[FP_ANCHORS];
	struct vfw_tag tags[FP_TAGS];
	__u32 sources[FP_MAX_SOURCES];	/* host order */
	size_t n_sources;
};

/* What one run of a frame did, as the counters and the verdict show it. */
struct fp_outcome {
	__u32 verdict;
	__u32 reasons;		/* bit r: reason r moved */
	int rule;		/* the rule counter that moved, or -1 */
	int rules_moved;
};

static void add_source(struct fp_set *s, __u32 addr)
{
	if (s->n_sources < FP_MAX_SOURCES)
		s->sources[s->n_sources++] = addr;
}

/*
 * A prefix of any length around an anchor; one in five is the sibling of
 * that prefix instead, which is adjacent to it. Its edges become sources.
 */
static struct vfw_prefix random_prefix(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_prefix p = { .len = gen_below(r, 33) };
	__u32 mask = gen_mask(p.len);

	p.addr = s->anchors[gen_below(r, FP_ANCHORS)] & mask;
	if (p.len && gen_chance(r, 20))
		p.addr ^= 1U << (32 - p.len);
	add_source(s, p.addr);
	add_source(s, p.addr | ~mask);
	add_source(s, p.addr - 1);
	add_source(s, (p.addr | ~mask) + 1);
	return p;
}

static bool has_ip_rule(const struct vfw_rules *rules, const struct vfw_prefix *p)
{
	size_t i;

	for (i = 0; i < rules->n_ip_rules; i++)
		if (rules->ip_rules[i].prefix.addr == p->addr &&
		    rules->ip_rules[i].prefix.len == p->len)
			return true;
	return false;
}

static struct vfw_prefix *random_prefix_list(struct gen_rng *r, struct fp_set *s, size_t *n)
{
	struct vfw_prefix *list;
	size_t i;

	*n = gen_range(r, 1, FP_MAX_LIST_PREFIXES);
	list = calloc(*n, sizeof(*list));
	for (i = 0; list && i < *n; i++)
		list[i] = random_prefix(r, s);
	return list;
}

/* IP rules are distinct prefixes, as the parser leaves them. */
static void random_ip_rules(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_rules *rules = &s->rules;
	size_t want = gen_below(r, FP_MAX_IP_RULES + 1), i;

	rules->ip_rules = calloc(want ?: 1, sizeof(*rules->ip_rules));
	for (i = 0; rules->ip_rules && i < want; i++) {
		struct vfw_prefix p = random_prefix(r, s);

		if (!has_ip_rule(rules, &p))
			rules->ip_rules[rules->n_ip_rules++].prefix = p;
	}
}

static void random_trusted(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_rules *rules = &s->rules;
	size_t n = gen_below(r, 3), i;

	rules->trusted = calloc(n ?: 1, sizeof(*rules->trusted));
	for (i = 0; rules->trusted && i < n; i++) {
		struct vfw_group *t = &rules->trusted[rules->n_trusted++];

		snprintf(t->name, sizeof(t->name), "trusted-%zu", i);
		t->prefixes = random_prefix_list(r, s, &t->n_prefixes);
	}
}

static void random_perimeter(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_perimeter *perim = &s->rules.perimeter;
	size_t n_access = gen_range(r, 1, 2), n_members = gen_below(r, 3), i;

	s->rules.has_perimeter = true;
	perim->mode = gen_below(r, VFW_PERIM_ENFORCED + 1);
	perim->access_rules = calloc(n_access, sizeof(*perim->access_rules));
	perim->members = calloc(n_members ?: 1, sizeof(*perim->members));
	for (i = 0; perim->access_rules && i < n_access; i++) {
		struct vfw_access_rule *a = &perim->access_rules[perim->n_access_rules++];

		snprintf(a->name, sizeof(a->name), "access-%zu", i);
		a->inbound = true;
		a->prefixes = random_prefix_list(r, s, &a->n_prefixes);
	}
	for (i = 0; perim->members && i < n_members; i++) {
		struct vfw_group *m = &perim->members[perim->n_members++];

		snprintf(m->name, sizeof(m->name), "member-%zu", i);
		m->prefixes = random_prefix_list(r, s, &m->n_prefixes);
	}
}

static void random_tags(struct gen_rng *r, struct fp_set *s)
{
	__u32 vni = gen_range(r, 1, VFW_VNI_MAX - 1);

	s->tags[0] = (struct vfw_tag){ .kind = VFW_TAG_VNI, .id = vni };
	s->tags[1] = (struct vfw_tag){ .kind = VFW_TAG_VNI, .id = vni ^ 1 };
	s->tags[2] = (struct vfw_tag){ .kind = VFW_TAG_VLAN, .id = gen_range(r, 1, VFW_VLAN_MAX) };
}

/* Subnets on every tag, some bound to a vnet rule, some without a prefix. */
static void random_subnets(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_rules *rules = &s->rules;
	size_t max = FP_TAGS * FP_MAX_TAG_PREFIXES, t, i;

	rules->subnets = calloc(max, sizeof(*rules->subnets));
	rules->vnet_rules = calloc(max, sizeof(*rules->vnet_rules));
	if (!rules->subnets || !rules->vnet_rules)
		return;
	for (t = 0; t < FP_TAGS; t++) {
		size_t n = gen_range(r, 1, FP_MAX_TAG_PREFIXES);

		for (i = 0; i < n; i++) {
			struct vfw_subnet *sn = &rules->subnets[rules->n_subnets++];

			snprintf(sn->id, sizeof(sn->id), "subnet-%zu-%zu", t, i);
			sn->tag = s->tags[t];
			sn->has_prefix = !gen_chance(r, 20);
			if (sn->has_prefix)
				sn->prefix = random_prefix(r, s);
			if (gen_chance(r, 75))
				snprintf(rules->vnet_rules[rules->n_vnet_rules++].id,
					 VFW_NAME_MAX, "%s", sn->id);
		}
	}
}

static void random_private_endpoints(struct gen_rng *r, struct fp_set *s)
{
	struct vfw_rules *rules = &s->rules;
	size_t n = gen_below(r, 3), i;

	rules->private_endpoints = calloc(n ?: 1, sizeof(*rules->private_endpoints));
	for (i = 0; rules->private_endpoints && i < n; i++) {
		struct vfw_private_endpoint *pe =
			&rules->private_endpoints[rules->n_private_endpoints++];

		snprintf(pe->name, sizeof(pe->name), "pe-%zu", i);
		pe->tag = s->tags[gen_below(r, FP_TAGS)];
		pe->has_prefix = gen_chance(r, 70);
		if (pe->has_prefix)
			pe->prefix = random_prefix(r, s);
		pe->status = gen_chance(r, 80) ? VFW_PE_APPROVED : VFW_PE_PENDING;
	}
}

/* Mostly the settings under which every category can decide. */
static void random_settings(struct gen_rng *r, struct vfw_rules *rules)
{
	snprintf(rules->name, sizeof(rules->name), "fastpath");
	rules->has_network_acls = !gen_chance(r, 5);
	rules->default_allow = gen_chance(r, 10);
	rules->bypass_azure_services = gen_chance(r, 70);
	rules->public_access = gen_chance(r, 85) ? VFW_PNA_ENABLED :
			       gen_range(r, VFW_PNA_DISABLED, VFW_PNA_SECURED_BY_PERIMETER);
	rules->dataplane.ports[0] = (struct vfw_dp_port){ .port = FP_HTTPS,
							  .proto = IPPROTO_TCP };
	rules->dataplane.n_ports = 1;
	/* The VXLAN frames below come from FP_VTEP_SRC, the trusted remote. */
	rules->vxlan = (struct vfw_vxlan){
		.present = true, .ports = { VFW_VXLAN_PORT }, .n_ports = 1,
		.remotes = { { .addr = 0x0a000001, .len = 32 } }, .n_remotes = 1,
	};
}

static void random_set(struct gen_rng *r, struct fp_set *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < FP_ANCHORS; i++)
		s->anchors[i] = gen_next(r);
	/* Two anchors one bit apart: their prefixes meet at every length. */
	s->anchors[1] = s->anchors[0] ^ (1U << gen_below(r, 32));
	random_settings(r, &s->rules);
	random_tags(r, s);
	random_ip_rules(r, s);
	random_trusted(r, s);
	random_subnets(r, s);
	random_private_endpoints(r, s);
	if (gen_chance(r, 50))
		random_perimeter(r, s);
	for (i = 0; i < FP_RANDOM_SOURCES; i++)
		add_source(s, gen_chance(r, 50) ? (__u32)gen_next(r) :
			   s->anchors[gen_below(r, FP_ANCHORS)] ^ gen_below(r, 1U << 20));
}

#define FP_VTEP_SRC	"10.0.0.1"
#define FP_VTEP_DST	"10.0.0.2"

/* A data-plane frame from src; a VNI tag makes it VXLAN, a VLAN tag 802.1Q. */
static bool build_frame(__u32 src, const struct vfw_tag *tag, struct frame *f)
{
	struct in_addr in = { .s_addr = htonl(src) };
	char text[INET_ADDRSTRLEN];
	struct frame_spec spec = {
		.src = inet_ntop(AF_INET, &in, text, sizeof(text)),
		.dst = FP_DP_ADDR, .proto = IPPROTO_TCP, .dport = FP_HTTPS,
	};
	struct frame_spec outer = {
		.src = FP_VTEP_SRC, .dst = FP_VTEP_DST, .proto = IPPROTO_UDP,
		.dport = VFW_VXLAN_PORT, .inner = &spec, .vxlan_flags = FRAME_VXLAN_I,
	};

	if (!spec.src)
		return false;
	if (tag->kind == VFW_TAG_VNI) {
		outer.vni = tag->id;
		return frame_build(&outer, f);
	}
	if (tag->kind == VFW_TAG_VLAN) {
		spec.tags[0] = (struct frame_tag){ .tpid = ETH_P_8021Q, .vid = tag->id };
		spec.n_tags = 1;
	}
	return frame_build(&spec, f);
}

static int install(struct diff_env *env, const struct vfw_rules *rules,
		   struct vfw_compiled *compiled)
{
	char err[512] = "";
	int ret;

	ret = vfw_compile(rules, compiled, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "  compile: %s\n", err);
		return ret;
	}
	return vfw_ruleset_install(&env->maps, compiled, "fastpath", NULL);
}

static int live_config(const struct diff_env *env, __u32 *slot, struct vfw_config *cfg)
{
	int live = vfw_ruleset_active_slot(&env->maps);

	if (live < 0)
		return live;
	*slot = live;
	return bpf_map_lookup_elem(env->maps.config_fd, slot, cfg) ? -errno : 0;
}

static int set_fast(const struct diff_env *env, bool on)
{
	struct vfw_config cfg;
	__u32 slot;
	int err;

	err = live_config(env, &slot, &cfg);
	if (err)
		return err;
	cfg.flags = on ? cfg.flags | FP_FAST_FLAGS : cfg.flags & ~FP_FAST_FLAGS;
	return bpf_map_update_elem(env->maps.config_fd, &slot, &cfg, BPF_ANY) ? -errno : 0;
}

static bool counter_moved(const struct vfw_counter *before, const struct vfw_counter *after)
{
	return !diff_same(before, after);
}

static int run_once(struct diff_env *env, const struct frame *f, struct fp_outcome *out)
{
	struct diff_counters *before = &env->expect, *after = &env->seen;
	__u32 i;
	int err;

	err = diff_read_counters(env, before) ?:
	      diff_run(env, f, &out->verdict) ?:
	      diff_read_counters(env, after);
	if (err)
		return err;
	out->reasons = 0;
	out->rule = -1;
	out->rules_moved = 0;
	for (i = 0; i < VFW_REASON_COUNT; i++)
		if (counter_moved(&before->reasons[i], &after->reasons[i]))
			out->reasons |= 1U << i;
	for (i = 0; i < VFW_MAX_RULES; i++) {
		if (!counter_moved(&before->rules[i], &after->rules[i]))
			continue;
		out->rule = i;
		out->rules_moved++;
	}
	return 0;
}

static bool same_outcome(const struct fp_outcome *fast, const struct fp_outcome *lpm,
			 __u32 src, const struct vfw_tag *tag)
{
	struct in_addr in = { .s_addr = htonl(src) };

	if (fast->verdict == lpm->verdict && fast->reasons == lpm->reasons &&
	    fast->rule == lpm->rule && fast->rules_moved == lpm->rules_moved)
		return true;
	fprintf(stderr, "  source %s tag %u/%u: fast path verdict %u reasons %#x rule %d (%d moved), "
		"LPM trie verdict %u reasons %#x rule %d (%d moved)\n", inet_ntoa(in),
		tag->kind, tag->id,
		fast->verdict, fast->reasons, fast->rule, fast->rules_moved,
		lpm->verdict, lpm->reasons, lpm->rule, lpm->rules_moved);
	return false;
}

/* Both lookups of one frame, the LPM trie's first; the fast flag is left set. */
static bool compare_frame(struct diff_env *env, __u32 src, const struct vfw_tag *tag)
{
	struct fp_outcome fast, lpm;
	struct frame f;

	return ASSERT_TRUE(build_frame(src, tag, &f), "build frame") &&
	       ASSERT_EQ(set_fast(env, false), 0, "clear the fast flags") &&
	       ASSERT_EQ(run_once(env, &f, &lpm), 0, "run with the LPM trie") &&
	       ASSERT_EQ(set_fast(env, true), 0, "set the fast flags") &&
	       ASSERT_EQ(run_once(env, &f, &fast), 0, "run with the fast path") &&
	       ASSERT_EQ(lpm.reasons != 0, 1, "a reason counter moved") &&
	       same_outcome(&fast, &lpm, src, tag);
}

static const struct vfw_tag untagged = { .kind = VFW_TAG_NONE };

static bool fast_is_live(const struct diff_env *env)
{
	struct vfw_config cfg;
	__u32 slot;

	return ASSERT_EQ(live_config(env, &slot, &cfg), 0, "read the live config") &&
	       ASSERT_EQ(cfg.flags & FP_FAST_FLAGS, FP_FAST_FLAGS, "installer set the fast flags");
}

static bool check_set(struct diff_env *env, struct fp_set *s)
{
	struct vfw_compiled compiled = {};
	bool ok;
	size_t i;

	ok = ASSERT_EQ(install(env, &s->rules, &compiled), 0, "install") &&
	     fast_is_live(env);
	for (i = 0; ok && i < s->n_sources; i++)
		ok = compare_frame(env, s->sources[i], &untagged) &&
		     (i % 2 || compare_frame(env, s->sources[i], &s->tags[i / 2 % FP_TAGS]));
	vfw_compiled_free(&compiled);
	return ok;
}

static bool covers(const struct vfw_entry *e, __u32 addr)
{
	__u32 len = e->key.prefixlen - VFW_TAG_BITS;

	return !((addr ^ ntohl(*(const __u32 *)e->key.addr)) & gen_mask(len));
}

/* The entry an LPM lookup returns, by trying every entry. */
static long longest_match(const struct vfw_compiled *c, const struct vfw_tag *tag,
			  __u32 addr)
{
	long best = -1;
	size_t i;

	for (i = 0; i < c->n_entries; i++) {
		const struct vfw_entry *e = &c->entries[i];

		if (e->key.tag_kind != tag->kind || e->key.tag_id != tag->id ||
		    !covers(e, addr))
			continue;
		if (best < 0 || e->key.prefixlen > c->entries[best].key.prefixlen)
			best = i;
	}
	return best;
}

/* The value the fast tables reach for the source, as an entry's value
 * (NULL: no entry), whichever structure answers for the tag. */
static const struct vfw_lpm_val *walk_value(const struct vfw_compiled *c,
					    const struct vfw_tag *tag, __u32 addr)
{
	__u32 val = vfw_fast_find_tagged(&c->fast, tag->kind, tag->id, addr);
	const __u32 *val_entry = tag->kind == VFW_TAG_NONE ? c->fast.pop.val_entry :
							     c->fast.val_entry;

	return val ? &c->entries[val_entry[val]].val : NULL;
}

/* Values, not entries: entries with equal values share one in the tables. */
static bool same_value(const struct vfw_compiled *c, const struct vfw_lpm_val *got, long want)
{
	if (!got || want < 0)
		return ASSERT_EQ(!got, want < 0, "the walk finds an entry where one matches");
	return ASSERT_EQ(memcmp(got, &c->entries[want].val, sizeof(*got)), 0,
			 "the walk reaches the longest matching entry's value");
}

static bool walk_matches_tag(const struct fp_set *s, const struct vfw_compiled *c,
			     const struct vfw_tag *tag)
{
	size_t i;

	for (i = 0; i < s->n_sources; i++)
		if (!same_value(c, walk_value(c, tag, s->sources[i]),
				longest_match(c, tag, s->sources[i])))
			return false;
	return true;
}

static bool walk_matches(const struct fp_set *s, const struct vfw_compiled *c)
{
	size_t t;

	if (!walk_matches_tag(s, c, &untagged))
		return false;
	for (t = 0; t < FP_TAGS; t++)
		if (!walk_matches_tag(s, c, &s->tags[t]))
			return false;
	return true;
}

static bool test_walk(struct gen_rng *r)
{
	struct vfw_compiled compiled;
	char err[512] = "";
	bool ok = true;
	struct fp_set *s = malloc(sizeof(*s));
	int i;

	if (!ASSERT_TRUE(s, "allocate a rule set"))
		return false;
	for (i = 0; ok && i < FP_RULE_SETS; i++) {
		random_set(r, s);
		ok = ASSERT_EQ(vfw_compile(&s->rules, &compiled, err, sizeof(err)), 0, err) &&
		     ASSERT_TRUE(compiled.fast.pop.slot && compiled.fast.nodes,
				 "the rule set fits the fast path") &&
		     walk_matches(s, &compiled);
		vfw_compiled_free(&compiled);
		vfw_rules_free(&s->rules);
	}
	free(s);
	return ok;
}

/* The untagged Poptrie always fits; the tagged tables need not. */
static bool test_overflow(struct diff_env *env)
{
	struct vfw_compiled compiled = {};
	struct vfw_rules rules = {};
	struct vfw_config cfg;
	struct fp_outcome out;
	struct vfw_tag tag;
	struct frame f;
	__u32 slot, i;
	bool ok;

	random_settings(&(struct gen_rng){ .state = FP_SEED }, &rules);
	rules.has_network_acls = true;
	rules.default_allow = false;
	rules.public_access = VFW_PNA_ENABLED;
	rules.subnets = calloc(FP_OVERFLOW_SUBNETS, sizeof(*rules.subnets));
	rules.vnet_rules = calloc(FP_OVERFLOW_SUBNETS, sizeof(*rules.vnet_rules));
	if (!ASSERT_TRUE(rules.subnets && rules.vnet_rules, "allocate rules"))
		return false;
	for (i = 0; i < FP_OVERFLOW_SUBNETS; i++) {
		struct vfw_subnet *sn = &rules.subnets[i];

		snprintf(sn->id, sizeof(sn->id), "subnet-%u", i);
		sn->tag = (struct vfw_tag){ .kind = VFW_TAG_VLAN, .id = i + 1 };
		sn->has_prefix = true;
		sn->prefix = (struct vfw_prefix){ .addr = 0xc6336400 | i, .len = 32 };
		snprintf(rules.vnet_rules[i].id, VFW_NAME_MAX, "%s", sn->id);
	}
	rules.n_subnets = rules.n_vnet_rules = FP_OVERFLOW_SUBNETS;
	tag = rules.subnets[FP_OVERFLOW_SUBNETS - 1].tag;
	ok = ASSERT_EQ(install(env, &rules, &compiled), 0, "install") &&
	     ASSERT_TRUE(!compiled.fast.nodes, "no tagged tables") &&
	     ASSERT_TRUE(compiled.fast.pop.slot, "the untagged Poptrie") &&
	     ASSERT_EQ(live_config(env, &slot, &cfg), 0, "read the live config") &&
	     ASSERT_EQ(cfg.flags & FP_FAST_FLAGS, VFW_CFG_FAST, "only VFW_CFG_FAST set") &&
	     ASSERT_TRUE(build_frame(rules.subnets[FP_OVERFLOW_SUBNETS - 1].prefix.addr, &tag, &f),
			 "build frame") &&
	     ASSERT_EQ(run_once(env, &f, &out), 0, "run") &&
	     ASSERT_EQ(out.verdict, XDP_PASS, "verdict") &&
	     ASSERT_EQ(out.reasons, 1U << VFW_REASON_VNET_RULE, "reason vnet-rule") &&
	     ASSERT_EQ(out.rules_moved, 1, "one rule credited");
	vfw_compiled_free(&compiled);
	vfw_rules_free(&rules);
	return ok;
}

struct fp_big {
	struct vfw_rules rules;
	__u32 anchors[FP_BIG_ANCHORS];
	__u32 *sources;
	size_t n_sources, cap;
};

static void big_source(struct fp_big *b, __u32 addr)
{
	if (b->n_sources < b->cap)
		b->sources[b->n_sources++] = addr;
}

static struct vfw_prefix big_prefix(struct gen_rng *r, struct fp_big *b, size_t k)
{
	struct vfw_prefix p = { .len = gen_below(r, 33) };
	__u32 mask = gen_mask(p.len);

	p.addr = (gen_chance(r, 90) ? b->anchors[gen_below(r, FP_BIG_ANCHORS)] :
		  (__u32)gen_next(r)) & mask;
	if (p.len && gen_chance(r, 20))
		p.addr ^= 1U << (32 - p.len);	/* the sibling: adjacent */
	if (k % FP_BIG_EDGE_EVERY == 0) {
		big_source(b, p.addr);
		big_source(b, p.addr | ~mask);
		big_source(b, p.addr - 1);
		big_source(b, (p.addr | ~mask) + 1);
	}
	return p;
}

/* n prefixes dealt over the groups of one list: count them, then fill. */
static bool big_groups(struct vfw_group *groups, size_t n_groups, const char *kind,
		       const size_t *counts)
{
	size_t g;

	for (g = 0; g < n_groups; g++) {
		snprintf(groups[g].name, sizeof(groups[g].name), "%s-%zu", kind, g);
		groups[g].prefixes = calloc(counts[g] ?: 1, sizeof(*groups[g].prefixes));
		if (!groups[g].prefixes)
			return false;
	}
	return true;
}

enum { BIG_TRUSTED, BIG_MEMBER, BIG_ACCESS, BIG_KINDS };
static const size_t big_groups_of[BIG_KINDS] = {
	VFW_MAX_TRUSTED, VFW_MAX_MEMBERS, VFW_MAX_ACCESS_RULES,
};

static struct vfw_prefix *big_slot(struct vfw_rules *rules, int kind, size_t g)
{
	struct vfw_perimeter *perim = &rules->perimeter;

	if (kind == BIG_TRUSTED)
		return &rules->trusted[g].prefixes[rules->trusted[g].n_prefixes++];
	if (kind == BIG_MEMBER)
		return &perim->members[g].prefixes[perim->members[g].n_prefixes++];
	return &perim->access_rules[g].prefixes[perim->access_rules[g].n_prefixes++];
}

static bool big_alloc(struct vfw_rules *rules, size_t *counts[BIG_KINDS])
{
	struct vfw_perimeter *perim = &rules->perimeter;
	size_t g;

	rules->trusted = calloc(VFW_MAX_TRUSTED, sizeof(*rules->trusted));
	perim->members = calloc(VFW_MAX_MEMBERS, sizeof(*perim->members));
	perim->access_rules = calloc(VFW_MAX_ACCESS_RULES, sizeof(*perim->access_rules));
	if (!rules->trusted || !perim->members || !perim->access_rules)
		return false;
	rules->n_trusted = VFW_MAX_TRUSTED;
	perim->n_members = VFW_MAX_MEMBERS;
	perim->n_access_rules = VFW_MAX_ACCESS_RULES;
	for (g = 0; g < VFW_MAX_ACCESS_RULES; g++)
		perim->access_rules[g].inbound = true;
	if (!big_groups(rules->trusted, VFW_MAX_TRUSTED, "trusted", counts[BIG_TRUSTED]) ||
	    !big_groups(perim->members, VFW_MAX_MEMBERS, "member", counts[BIG_MEMBER]))
		return false;
	for (g = 0; g < VFW_MAX_ACCESS_RULES; g++) {
		struct vfw_access_rule *a = &perim->access_rules[g];

		snprintf(a->name, sizeof(a->name), "access-%zu", g);
		a->prefixes = calloc(counts[BIG_ACCESS][g] ?: 1, sizeof(*a->prefixes));
		if (!a->prefixes)
			return false;
	}
	return true;
}

/* The group prefixes: which list and group each goes to is drawn first. */
static bool big_lists(struct gen_rng *r, struct fp_big *b, size_t n)
{
	size_t trusted[VFW_MAX_TRUSTED] = {}, member[VFW_MAX_MEMBERS] = {},
	       access[VFW_MAX_ACCESS_RULES] = {};
	size_t *counts[BIG_KINDS] = { trusted, member, access }, k;
	__u16 *where = calloc(n ?: 1, sizeof(*where));
	__u8 *kind = calloc(n ?: 1, sizeof(*kind));
	bool ok = where && kind;

	for (k = 0; ok && k < n; k++) {
		kind[k] = gen_chance(r, 60) ? BIG_TRUSTED : gen_chance(r, 50) ? BIG_MEMBER :
			  BIG_ACCESS;
		where[k] = gen_below(r, big_groups_of[kind[k]]);
		counts[kind[k]][where[k]]++;
	}
	ok = ok && big_alloc(&b->rules, counts);
	for (k = 0; ok && k < n; k++)
		*big_slot(&b->rules, kind[k], where[k]) = big_prefix(r, b, k);
	free(where);
	free(kind);
	return ok;
}

static bool big_ip_rules(struct gen_rng *r, struct fp_big *b, size_t want)
{
	struct vfw_rules *rules = &b->rules;
	size_t i;

	rules->ip_rules = calloc(want ?: 1, sizeof(*rules->ip_rules));
	for (i = 0; rules->ip_rules && i < want; i++) {
		struct vfw_prefix p = big_prefix(r, b, i);

		if (!has_ip_rule(rules, &p))
			rules->ip_rules[rules->n_ip_rules++].prefix = p;
	}
	return rules->ip_rules;
}

static bool big_set(struct gen_rng *r, size_t n, struct fp_big *b)
{
	size_t n_ip = n / 10 < FP_BIG_MAX_IP_RULES ? n / 10 : FP_BIG_MAX_IP_RULES, i;

	memset(b, 0, sizeof(*b));
	b->cap = 4 * (n / FP_BIG_EDGE_EVERY + 1) + FP_BIG_RANDOM_SOURCES;
	b->sources = calloc(b->cap, sizeof(*b->sources));
	for (i = 0; i < FP_BIG_ANCHORS; i++)
		b->anchors[i] = gen_next(r);
	random_settings(r, &b->rules);
	b->rules.has_perimeter = true;
	b->rules.perimeter.mode = gen_below(r, VFW_PERIM_ENFORCED + 1);
	if (!b->sources || !big_ip_rules(r, b, n_ip) || !big_lists(r, b, n - n_ip))
		return false;
	for (i = 0; i < FP_BIG_RANDOM_SOURCES; i++)
		big_source(b, gen_chance(r, 50) ? (__u32)gen_next(r) :
			   b->anchors[gen_below(r, FP_BIG_ANCHORS)] ^ gen_below(r, 1U << 16));
	return true;
}

/* A brute-force longest match that shares nothing with the Poptrie: every
 * length from 32 down, by binary search among the untagged entries. */
struct by_key {
	__u32 addr, len;
	long entry;
};

static int cmp_by_key(const void *pa, const void *pb)
{
	const struct by_key *a = pa, *b = pb;

	return a->addr != b->addr ? (a->addr < b->addr ? -1 : 1) :
	       (a->len > b->len) - (a->len < b->len);
}

static struct by_key *index_untagged(const struct vfw_compiled *c, size_t *n)
{
	struct by_key *keys = calloc(c->n_entries ?: 1, sizeof(*keys));
	size_t i;

	*n = 0;
	for (i = 0; keys && i < c->n_entries; i++) {
		const struct vfw_entry *e = &c->entries[i];

		if (e->key.tag_kind != VFW_TAG_NONE)
			continue;
		keys[(*n)++] = (struct by_key){ .addr = ntohl(*(const __u32 *)e->key.addr),
						.len = e->key.prefixlen - VFW_TAG_BITS,
						.entry = i };
	}
	if (keys)
		qsort(keys, *n, sizeof(*keys), cmp_by_key);
	return keys;
}

static long longest_by_length(const struct by_key *keys, size_t n, __u32 addr)
{
	int len;

	for (len = 32; len >= 0; len--) {
		struct by_key want = { .addr = addr & gen_mask(len), .len = len };
		const struct by_key *hit = bsearch(&want, keys, n, sizeof(*keys), cmp_by_key);

		if (hit)
			return hit->entry;
	}
	return -1;
}

static bool big_walk_matches(const struct fp_big *b, const struct vfw_compiled *c)
{
	size_t n, i;
	struct by_key *keys = index_untagged(c, &n);
	bool ok = ASSERT_TRUE(keys, "index the entries");

	for (i = 0; ok && i < b->n_sources; i++)
		ok = same_value(c, walk_value(c, &untagged, b->sources[i]),
				longest_by_length(keys, n, b->sources[i]));
	free(keys);
	return ok;
}

/* Every source through the walk, a sample of them through the program. */
static bool check_big(struct diff_env *env, struct fp_big *b)
{
	struct vfw_compiled compiled = {};
	size_t i, step;
	bool ok;

	ok = ASSERT_EQ(install(env, &b->rules, &compiled), 0, "install") &&
	     ASSERT_TRUE(compiled.fast.pop.slot, "the Poptrie is built") &&
	     fast_is_live(env) && big_walk_matches(b, &compiled);
	step = b->n_sources / FP_BIG_FRAMES + 1;
	for (i = 0; ok && i < b->n_sources; i += step)
		ok = compare_frame(env, b->sources[i], &untagged);
	vfw_compiled_free(&compiled);
	return ok;
}

static void run_big(struct test_totals *totals, struct diff_env *env)
{
	struct gen_rng rng = { .state = FP_BIG_SEED };
	struct fp_big b;
	char name[160];
	size_t i;

	for (i = 0; i < sizeof(fp_big_sizes) / sizeof(fp_big_sizes[0]); i++) {
		bool made = big_set(&rng, fp_big_sizes[i], &b);

		snprintf(name, sizeof(name), "fastpath: %zu prefixes (trusted, members, access "
			 "rules, IP rules): walk and program agree with the longest match on %zu "
			 "sources", fp_big_sizes[i], b.n_sources);
		TEST_CASE(totals, name, ASSERT_TRUE(made, "generate") && check_big(env, &b));
		vfw_rules_free(&b.rules);
		free(b.sources);
	}
}

int main(int argc, char **argv)
{
	struct gen_rng rng = { .state = FP_SEED };
	struct test_totals totals = {};
	struct diff_env env = {};
	struct fp_set *s = malloc(sizeof(*s));
	char name[128];
	int err, i;

	test_init(argc, argv);
	vfw_log_level = VFW_LOG_WARN;
	if (!s)
		return 1;
	err = diff_env_open(&env);
	if (err) {
		fprintf(stderr, "test_fastpath: cannot load the XDP program: %s\n", strerror(-err));
		return 1;
	}
	/* It draws the rule sets it walks from rng: the rule sets below come
	 * after them, so it runs whatever the filter. */
	test_report_setup(&totals, "fastpath: walk reaches the longest matching entry",
			  test_walk(&rng));
	for (i = 0; i < FP_RULE_SETS; i++) {
		random_set(&rng, s);
		snprintf(name, sizeof(name),
			 "fastpath: rule set %d: fast path and LPM trie agree on %zu sources",
			 i, s->n_sources);
		TEST_CASE(&totals, name, check_set(&env, s));
		vfw_rules_free(&s->rules);
	}
	TEST_CASE(&totals, "fastpath: too big for the tagged tables: LPM trie answers for tags",
		  test_overflow(&env));
	run_big(&totals, &env);
	diff_env_close(&env);
	free(s);
	return test_exit(&totals);
}
