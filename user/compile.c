// SPDX-License-Identifier: GPL-2.0
/*
 * Rule compiler: struct vfw_rules -> rule descriptors, LPM entries and a
 * slot config. See docs/design.md "One lookup answers every category".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile.h"

/*
 * One (tag, prefix, category, rule) fact taken from the rules, before the
 * push-down. A tag-only entry is the prefix 0.0.0.0/0 on that tag: both
 * give the LPM key prefixlen VFW_TAG_BITS, so they are the same key.
 */
struct raw_entry {
	struct vfw_tag tag;
	struct vfw_prefix prefix;
	enum vfw_category cat;
	__u32 rule;		/* index into vfw_compiled.rules */
};

struct compile_ctx {
	const struct vfw_rules *rules;
	struct vfw_compiled *out;
	struct raw_entry *raw;
	size_t n_raw;
	size_t raw_cap;
	char *err;
	size_t errlen;
};

static const struct vfw_tag untagged = { .kind = VFW_TAG_NONE, .id = 0 };
static const struct vfw_prefix any_source = { .addr = 0, .len = 0 };

static const enum vfw_category kind_category[VFW_RULE_KIND_COUNT] = {
#define VFW_KIND_CAT(id, name, cat) [VFW_RULE_##id] = cat,
	VFW_RULE_KINDS(VFW_KIND_CAT)
#undef VFW_KIND_CAT
};

static void set_err(struct compile_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct compile_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->err || !ctx->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ctx->err, ctx->errlen, fmt, ap);
	va_end(ap);
}

static __u32 config_flags(const struct vfw_rules *r)
{
	__u32 flags = VFW_CFG_VALID;

	if (!r->has_network_acls || r->default_allow)
		flags |= VFW_CFG_DEFAULT_ALLOW;
	if (r->bypass_azure_services)
		flags |= VFW_CFG_BYPASS;
	if (r->public_access == VFW_PNA_DISABLED)
		flags |= VFW_CFG_PUBLIC_DISABLED;
	else if (r->public_access != VFW_PNA_ENABLED)	/* SecuredByPerimeter */
		flags |= VFW_CFG_PUBLIC_PERIMETER;
	if (r->has_perimeter) {
		flags |= VFW_CFG_PERIMETER;
		if (r->perimeter.mode == VFW_PERIM_ENFORCED ||
		    r->public_access == VFW_PNA_SECURED_BY_PERIMETER)
			flags |= VFW_CFG_PERIM_ENFORCE;
		if (r->perimeter.mode == VFW_PERIM_LEARNING)
			flags |= VFW_CFG_PERIM_LEARNING;
		else if (r->perimeter.mode == VFW_PERIM_AUDIT)
			flags |= VFW_CFG_PERIM_AUDIT;
	}
	return flags;
}

/* The parser bounds both lists by the config's arrays. */
static void build_vxlan_config(const struct vfw_vxlan *vx, struct vfw_config *cfg)
{
	size_t i;

	if (!vx->present)
		return;
	cfg->n_vxlan_ports = vx->n_ports;
	memcpy(cfg->vxlan_ports, vx->ports, vx->n_ports * sizeof(vx->ports[0]));
	cfg->n_vxlan_remotes = vx->n_remotes;
	for (i = 0; i < vx->n_remotes; i++) {
		cfg->vxlan_remotes[i].addr = htonl(vx->remotes[i].addr);
		cfg->vxlan_remotes[i].mask = htonl(vfw_prefix_mask(vx->remotes[i].len));
	}
}

static int build_config(struct compile_ctx *ctx)
{
	const struct vfw_dataplane *dp = &ctx->rules->dataplane;
	struct vfw_config *cfg = &ctx->out->config;
	size_t i;

	if (dp->n_addrs > VFW_MAX_DP_ADDRS) {
		set_err(ctx, "host.dataPlane.addresses: %zu given, at most %d fit",
			dp->n_addrs, VFW_MAX_DP_ADDRS);
		return -E2BIG;
	}
	if (dp->n_ports > VFW_MAX_DP_PORTS) {
		set_err(ctx, "host.dataPlane.ports: %zu given, at most %d fit",
			dp->n_ports, VFW_MAX_DP_PORTS);
		return -E2BIG;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->flags = config_flags(ctx->rules);
	cfg->n_dp_addrs = dp->n_addrs;
	cfg->n_dp_ports = dp->n_ports;
	memcpy(cfg->dp_addrs, dp->addrs, dp->n_addrs * sizeof(dp->addrs[0]));
	memcpy(cfg->dp_ports, dp->ports, dp->n_ports * sizeof(dp->ports[0]));
	for (i = 0; i < dp->n_addrs; i++)
		if (dp->addrs[i].family == AF_INET)
			memcpy(&cfg->dp_v4[cfg->n_dp_v4++], dp->addrs[i].addr,
			       sizeof(cfg->dp_v4[0]));
	build_vxlan_config(&ctx->rules->vxlan, cfg);
	return 0;
}

static size_t count_inbound(const struct vfw_rules *r)
{
	size_t i, n = 0;

	if (!r->has_perimeter)
		return 0;
	for (i = 0; i < r->perimeter.n_access_rules; i++)
		n += r->perimeter.access_rules[i].inbound;
	return n;
}

static size_t count_rules(const struct vfw_rules *r)
{
	size_t n = r->n_ip_rules + r->n_vnet_rules + r->n_trusted +
		   r->n_private_endpoints + count_inbound(r);

	if (r->has_perimeter)
		n += r->perimeter.n_members;
	return n;
}

/* Appends a rule descriptor and returns its index. */
static __u32 add_rule(struct compile_ctx *ctx, enum vfw_rule_kind kind,
		      const char *name)
{
	struct vfw_rule_desc *d = &ctx->out->rules[ctx->out->n_rules];

	d->kind = kind;
	snprintf(d->name, sizeof(d->name), "%s", name);
	return ctx->out->n_rules++;
}

static int add_raw(struct compile_ctx *ctx, struct vfw_tag tag,
		   struct vfw_prefix prefix, __u32 rule)
{
	enum vfw_category cat = kind_category[ctx->out->rules[rule].kind];
	struct raw_entry *grown;

	if (ctx->n_raw == ctx->raw_cap) {
		size_t cap = ctx->raw_cap ? ctx->raw_cap * 2 : 256;

		grown = reallocarray(ctx->raw, cap, sizeof(*grown));
		if (!grown) {
			set_err(ctx, "out of memory compiling %zu entries", ctx->n_raw);
			return -ENOMEM;
		}
		ctx->raw = grown;
		ctx->raw_cap = cap;
	}
	/* Host bits are ignored by the trie; clearing them keeps equal keys
	 * equal for the push-down. */
	prefix.addr &= vfw_prefix_mask(prefix.len);
	ctx->raw[ctx->n_raw++] = (struct raw_entry){
		.tag = tag, .prefix = prefix, .cat = cat, .rule = rule,
	};
	return 0;
}

static int add_prefixes(struct compile_ctx *ctx, const struct vfw_prefix *prefixes,
			size_t n, __u32 rule)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = add_raw(ctx, untagged, prefixes[i], rule);
		if (err)
			return err;
	}
	return 0;
}

static int add_tags(struct compile_ctx *ctx, const struct vfw_tag *tags,
		    size_t n, __u32 rule)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = add_raw(ctx, tags[i], any_source, rule);
		if (err)
			return err;
	}
	return 0;
}

static int compile_ip_rules(struct compile_ctx *ctx)
{
	const struct vfw_rules *r = ctx->rules;
	char cidr[32];
	size_t i;
	int err;

	for (i = 0; i < r->n_ip_rules; i++) {
		const struct vfw_prefix *p = &r->ip_rules[i].prefix;
		__u32 rule = add_rule(ctx, VFW_RULE_IP,
				      vfw_prefix_str(p, cidr, sizeof(cidr)));

		err = add_raw(ctx, untagged, *p, rule);
		if (err)
			return err;
	}
	return 0;
}

static int compile_vnet_rule(struct compile_ctx *ctx, const struct vfw_vnet_rule *v)
{
	const struct vfw_rules *r = ctx->rules;
	char name[VFW_NAME_MAX];
	__u32 rule;
	size_t i;
	int err;

	for (i = 0; v->id[i] && i < sizeof(name) - 1; i++)
		name[i] = tolower((unsigned char)v->id[i]);
	name[i] = '\0';
	rule = add_rule(ctx, VFW_RULE_VNET, name);

	for (i = 0; i < r->n_subnets; i++) {
		const struct vfw_subnet *s = &r->subnets[i];

		if (strcasecmp(s->id, v->id))
			continue;
		err = add_raw(ctx, s->tag, s->has_prefix ? s->prefix : any_source,
			      rule);
		if (err)
			return err;
	}
	return 0;
}

/* A trusted-service group or a perimeter member: its prefixes and tags. */
static int compile_group(struct compile_ctx *ctx, enum vfw_rule_kind kind,
			 const struct vfw_group *g)
{
	__u32 rule = add_rule(ctx, kind, g->name);
	int err;

	err = add_prefixes(ctx, g->prefixes, g->n_prefixes, rule);
	if (err)
		return err;
	return add_tags(ctx, g->tags, g->n_tags, rule);
}

/* Every endpoint is listed as a rule (so `stats` shows it); only Approved
 * ones admit traffic. */
static int compile_private_endpoint(struct compile_ctx *ctx,
				    const struct vfw_private_endpoint *pe)
{
	__u32 rule = add_rule(ctx, VFW_RULE_PE, pe->name);

	if (pe->status != VFW_PE_APPROVED)
		return 0;
	return add_raw(ctx, pe->tag, pe->has_prefix ? pe->prefix : any_source, rule);
}

static int compile_access_rule(struct compile_ctx *ctx, const struct vfw_access_rule *a)
{
	const struct vfw_perimeter_subscription *sub;
	__u32 rule = add_rule(ctx, VFW_RULE_PERIM_ACCESS, a->name);
	size_t i;
	int err;

	err = add_prefixes(ctx, a->prefixes, a->n_prefixes, rule);
	if (err)
		return err;
	for (i = 0; i < a->n_subscriptions; i++) {
		/* A subscription with no listed tags has no traffic on this
		 * host; the parser reports unknown ones. */
		sub = vfw_perimeter_subscription(&ctx->rules->perimeter, a->subscriptions[i]);
		if (!sub)
			continue;
		err = add_tags(ctx, sub->tags, sub->n_tags, rule);
		if (err)
			return err;
	}
	return 0;
}

static int compile_perimeter(struct compile_ctx *ctx)
{
	const struct vfw_perimeter *perim = &ctx->rules->perimeter;
	size_t i;
	int err;

	if (!ctx->rules->has_perimeter)
		return 0;
	/* Outbound rules get no id: the vault sends nothing they could judge. */
	for (i = 0; i < perim->n_access_rules; i++) {
		if (!perim->access_rules[i].inbound)
			continue;
		err = compile_access_rule(ctx, &perim->access_rules[i]);
		if (err)
			return err;
	}
	for (i = 0; i < perim->n_members; i++) {
		err = compile_group(ctx, VFW_RULE_PERIM_MEMBER, &perim->members[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Rule ids follow this order (IP, vnet, trusted, private endpoints,
 * perimeter access rules, members), which `stats` shows as is. */
static int collect(struct compile_ctx *ctx)
{
	const struct vfw_rules *r = ctx->rules;
	size_t i;
	int err;

	err = compile_ip_rules(ctx);
	for (i = 0; !err && i < r->n_vnet_rules; i++)
		err = compile_vnet_rule(ctx, &r->vnet_rules[i]);
	for (i = 0; !err && i < r->n_trusted; i++)
		err = compile_group(ctx, VFW_RULE_TRUSTED, &r->trusted[i]);
	for (i = 0; !err && i < r->n_private_endpoints; i++)
		err = compile_private_endpoint(ctx, &r->private_endpoints[i]);
	if (!err)
		err = compile_perimeter(ctx);
	return err;
}

/* Prefix lengths 0 to 32: the most nested covering entries on one tag. */
#define PREFIX_DEPTH 33

static int cmp_u32(__u32 a, __u32 b)
{
	return a < b ? -1 : a > b;
}

/*
 * Tag, then address, then shorter prefix first: every prefix sorts before
 * the prefixes it covers (a depth-first walk of the prefix tree), and
 * among raw entries for one key the first rule comes first.
 */
static int cmp_raw(const void *pa, const void *pb)
{
	const struct raw_entry *a = pa, *b = pb;

	return cmp_u32(a->tag.kind, b->tag.kind) ?:
	       cmp_u32(a->tag.id, b->tag.id) ?:
	       cmp_u32(a->prefix.addr, b->prefix.addr) ?:
	       cmp_u32(a->prefix.len, b->prefix.len) ?:
	       cmp_u32(a->rule, b->rule);
}

static bool same_key(const struct raw_entry *a, const struct raw_entry *b)
{
	return a->tag.kind == b->tag.kind && a->tag.id == b->tag.id &&
	       a->prefix.addr == b->prefix.addr && a->prefix.len == b->prefix.len;
}

static bool same_tag(const struct raw_entry *a, const struct raw_entry *b)
{
	return a->tag.kind == b->tag.kind && a->tag.id == b->tag.id;
}

static bool covers(const struct vfw_prefix *outer, const struct vfw_prefix *inner)
{
	__u32 mask = vfw_prefix_mask(outer->len);

	return outer->len <= inner->len &&
	       (inner->addr & mask) == (outer->addr & mask);
}

static size_t count_keys(const struct raw_entry *raw, size_t n)
{
	size_t i, keys = 0;

	for (i = 0; i < n; i++)
		keys += i == 0 || !same_key(&raw[i - 1], &raw[i]);
	return keys;
}

static struct vfw_entry make_entry(const struct raw_entry *r)
{
	struct vfw_entry e = {};
	__u32 addr = htonl(r->prefix.addr);

	e.key.prefixlen = VFW_TAG_BITS + r->prefix.len;
	e.key.tag_kind = r->tag.kind;
	e.key.tag_id = r->tag.id;
	memcpy(e.key.addr, &addr, sizeof(e.key.addr));
	return e;
}

/*
 * Emits one entry per distinct key. Keys arrive in depth-first order, so
 * a stack of the open ancestors on the current tag gives
 * each key its nearest covering entry, whose value already carries every
 * category from further up: the key inherits it and its own raw entries
 * override their categories (they are the most specific).
 */
static void push_down(const struct raw_entry *raw, size_t n_raw,
		      struct vfw_entry *entries)
{
	const struct raw_entry *stack_raw[PREFIX_DEPTH];
	size_t stack_pos[PREFIX_DEPTH];
	size_t depth = 0, n_out = 0, i = 0;

	while (i < n_raw) {
		const struct raw_entry *key = &raw[i];
		struct vfw_entry *e = &entries[n_out];
		__u32 own = 0;

		while (depth && (!same_tag(stack_raw[depth - 1], key) ||
				 !covers(&stack_raw[depth - 1]->prefix, &key->prefix)))
			depth--;
		*e = make_entry(key);
		if (depth)
			e->val = entries[stack_pos[depth - 1]].val;
		for (; i < n_raw && same_key(key, &raw[i]); i++) {
			__u32 bit = 1U << raw[i].cat;

			if (own & bit)
				continue;	/* an earlier rule has this key */
			own |= bit;
			e->val.cats |= bit;
			e->val.rule_id[raw[i].cat] = raw[i].rule;
		}
		stack_raw[depth] = key;
		stack_pos[depth++] = n_out++;
	}
}

static void count_group_prefixes(const struct vfw_group *g, size_t n, size_t *all,
				 size_t *tagged)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*all += g[i].n_prefixes;
		*tagged += g[i].n_tag_prefixes;
	}
}

/*
 * The vault puts no limit on trusted-service, perimeter-rule and member
 * prefixes (SPEC §1), but the trie of this build does: say which limit,
 * and how much of the rule set those unlimited lists are.
 */
static void entry_limit_err(struct compile_ctx *ctx, size_t n_keys)
{
	const struct vfw_rules *r = ctx->rules;
	const struct vfw_perimeter *perim = &r->perimeter;
	size_t all = 0, tagged = 0, i;

	count_group_prefixes(r->trusted, r->n_trusted, &all, &tagged);
	if (r->has_perimeter) {
		count_group_prefixes(perim->members, perim->n_members, &all, &tagged);
		for (i = 0; i < perim->n_access_rules; i++)
			if (perim->access_rules[i].inbound)
				all += perim->access_rules[i].n_prefixes;
	}
	set_err(ctx, "rule set needs %zu lookup entries, at most %d fit: the limit of "
		"each slot's LPM trie (VFW_TRIE_MAX_ENTRIES, map %s); %zu of the prefixes are "
		"trusted-service, perimeter-rule and member prefixes (%zu from service tags), "
		"which the vault does not limit but the trie does",
		n_keys, VFW_TRIE_MAX_ENTRIES, VFW_PIN_RULES, all, tagged);
}

static int build_entries(struct compile_ctx *ctx)
{
	struct vfw_compiled *out = ctx->out;
	size_t n_keys;

	/* qsort's base must not be NULL, even for no elements (C11 7.1.4). */
	if (ctx->n_raw)
		qsort(ctx->raw, ctx->n_raw, sizeof(*ctx->raw), cmp_raw);
	n_keys = count_keys(ctx->raw, ctx->n_raw);
	if (n_keys > VFW_TRIE_MAX_ENTRIES) {
		entry_limit_err(ctx, n_keys);
		return -E2BIG;
	}
	out->entries = calloc(n_keys ?: 1, sizeof(*out->entries));
	if (!out->entries) {
		set_err(ctx, "out of memory for %zu lookup entries", n_keys);
		return -ENOMEM;
	}
	push_down(ctx->raw, ctx->n_raw, out->entries);
	out->n_entries = n_keys;
	return 0;
}

/* A rule set too big for the tagged tables still compiles: the LPM trie
 * then answers for those sources (vfw_fast_build says why). */
static int build_fast(struct compile_ctx *ctx)
{
	int err = vfw_fast_build(ctx->out->entries, ctx->out->n_entries, &ctx->out->fast);

	if (err)
		set_err(ctx, "cannot build the fast path: %s", strerror(-err));
	return err;
}

int vfw_compile(const struct vfw_rules *rules, struct vfw_compiled *out,
		char *err, size_t errlen)
{
	struct compile_ctx ctx = {
		.rules = rules, .out = out, .err = err, .errlen = errlen,
	};
	size_t n_rules = count_rules(rules);
	int ret;

	memset(out, 0, sizeof(*out));
	if (n_rules > VFW_MAX_RULES) {
		set_err(&ctx, "rule set has %zu rules, at most %d fit",
			n_rules, VFW_MAX_RULES);
		return -E2BIG;
	}
	ret = build_config(&ctx);
	if (ret)
		return ret;
	out->rules = calloc(n_rules ?: 1, sizeof(*out->rules));
	if (!out->rules) {
		set_err(&ctx, "out of memory for %zu rules", n_rules);
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = collect(&ctx);
	if (ret)
		goto cleanup;
	ret = build_entries(&ctx);
	if (!ret)
		ret = build_fast(&ctx);
cleanup:
	free(ctx.raw);
	if (ret)
		vfw_compiled_free(out);
	return ret;
}

void vfw_compiled_free(struct vfw_compiled *c)
{
	free(c->rules);
	free(c->entries);
	vfw_fast_free(&c->fast);
	c->rules = NULL;
	c->entries = NULL;
	c->n_rules = 0;
	c->n_entries = 0;
}

void vfw_compile_err_source(const char *source, char *err, size_t errlen)
{
	char *msg = strdup(err);

	if (msg)
		snprintf(err, errlen, "%s: %s", source, msg);
	free(msg);
}
