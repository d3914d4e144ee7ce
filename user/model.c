// SPDX-License-Identifier: GPL-2.0
/*
 * Reference model: SPEC §2 read straight off the frame bytes, SPEC §3
 * walked step by step over the rules as the rules file lists them. Kept
 * deliberately naive (no tries, no push-down, nothing from compile.c or
 * bpf/parse.h) so that it can judge the datapath. Where SPEC is silent it
 * follows docs/design.md ("Datapath decisions").
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include "model.h"
#include "names.h"

#define VLAN_HLEN		4
#define VLAN_VID_MASK		0x0fff
#define OUTER_MAX_TAGS		2
#define INNER_MAX_TAGS		1
#define IPV4_HLEN_MIN		20
#define IPV4_FRAG_OFFSET	0x1fff
#define IPV6_HLEN		40
#define IPV6_FRAG_HLEN		8
#define IPV6_FRAG_OFFSET	0xfff8
#define IPV6_EXT_MIN		2	/* next header and length */
#define IPV6_MAX_EXT_HDRS	4	/* docs/design.md */
#define TCP_HLEN		20
#define UDP_HLEN		8
#define VXLAN_HLEN		8
#define VXLAN_FLAG_I		0x08

#define VFW_REASON_VERDICT(id, name, verdict) [VFW_REASON_##id] = verdict,
static const int reason_verdict[VFW_REASON_COUNT] = {
	VFW_REASONS(VFW_REASON_VERDICT)
};
#undef VFW_REASON_VERDICT

/* What the L4 header says about whether a packet is data plane. */
enum l4_state {
	L4_PORTS,		/* destination port known */
	L4_TRUNCATED,		/* TCP/UDP header cut short */
	L4_NO_PORTS,		/* ICMP, ICMPv6, OSPF, ...: never data plane */
	L4_DEST_ONLY,		/* later fragment, ended IPv6 walk, unopened tunnel */
};

enum frame_kind {
	FRAME_IP,
	FRAME_NON_IP,
	FRAME_MALFORMED,
	FRAME_UNTRUSTED_TUNNEL,
};

struct frame_view {
	const uint8_t *data;
	size_t pos;
	size_t end;		/* IPv4 total length narrows it */
	enum frame_kind kind;
	enum l4_state l4;
	bool vxlan_next;	/* UDP payload is VXLAN on an opened port */
	const struct vfw_vxlan *vx;
	const char *why;
};

static uint16_t be16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static const uint8_t *pull(struct frame_view *v, size_t n)
{
	const uint8_t *p = v->data + v->pos;

	if (v->end - v->pos < n)
		return NULL;
	v->pos += n;
	return p;
}

static void set_malformed(struct frame_view *v, const char *why)
{
	v->kind = FRAME_MALFORMED;
	v->why = why;
}

static bool is_vlan_type(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/* Ethernet and VLAN tags; *vid is the innermost VLAN id that is not 0
 * (0: untagged or priority tags only). */
static bool read_eth(struct frame_view *v, unsigned int max_tags, uint16_t *type,
		     uint16_t *vid)
{
	const uint8_t *p = pull(v, ETH_HLEN);
	unsigned int tags;

	if (!p) {
		set_malformed(v, "Ethernet header truncated");
		return false;
	}
	*type = be16(p + 2 * ETH_ALEN);
	*vid = 0;
	for (tags = 0; is_vlan_type(*type); tags++) {
		if (tags == max_tags) {
			set_malformed(v, "more VLAN tags than are read");
			return false;
		}
		p = pull(v, VLAN_HLEN);
		if (!p) {
			set_malformed(v, "VLAN header truncated");
			return false;
		}
		if (be16(p) & VLAN_VID_MASK)	/* id 0 is a priority tag */
			*vid = be16(p) & VLAN_VID_MASK;
		*type = be16(p + 2);
	}
	return true;
}

static bool vxlan_port_opened(const struct vfw_vxlan *vx, uint16_t port)
{
	size_t i;

	for (i = 0; vx->present && i < vx->n_ports; i++)
		if (vx->ports[i] == port)
			return true;
	return false;
}

/* SPEC §2: the IP protocols of tunnels vaultfw never opens. */
static bool is_encap_proto(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
	case IPPROTO_GRE:
	case IPPROTO_ESP:
	case IPPROTO_AH:
		return true;
	default:
		return false;
	}
}

static bool is_encap_port(const struct vfw_vxlan *vx, uint16_t port)
{
	return port == VFW_VXLAN_PORT || port == VFW_VXLAN_PORT_LINUX || port == VFW_GENEVE_PORT ||
	       vxlan_port_opened(vx, port);
}

/* The upper layer; may_open: an outer IPv4 packet, where VXLAN is opened. */
static void read_upper(struct frame_view *v, struct vfw_model_pkt *pkt, bool may_open)
{
	size_t need = pkt->proto == IPPROTO_TCP ? TCP_HLEN :
		      pkt->proto == IPPROTO_UDP ? UDP_HLEN : 0;
	const uint8_t *p;

	if (is_encap_proto(pkt->proto)) {
		v->l4 = L4_DEST_ONLY;
		v->why = "a tunnel vaultfw does not open: judged by its source and tag";
		return;
	}
	if (!need) {
		v->l4 = L4_NO_PORTS;
		v->why = "no TCP/UDP ports: never data plane";
		return;
	}
	p = pull(v, need);
	if (!p) {
		v->l4 = L4_TRUNCATED;
		v->why = "TCP/UDP header truncated";
		return;
	}
	v->l4 = L4_PORTS;
	pkt->has_dport = true;
	pkt->dport = be16(p + 2);
	if (pkt->proto != IPPROTO_UDP)
		return;
	if (may_open && vxlan_port_opened(v->vx, pkt->dport)) {
		v->vxlan_next = true;
	} else if (is_encap_port(v->vx, pkt->dport)) {
		v->l4 = L4_DEST_ONLY;
		v->why = "UDP to a tunnel port that is not opened: judged by its source and tag";
	}
}

static void read_ipv4(struct frame_view *v, struct vfw_model_pkt *pkt, bool outer)
{
	const uint8_t *ip = v->data + v->pos;
	size_t hlen, tot_len;

	if (v->end - v->pos < IPV4_HLEN_MIN || ip[0] >> 4 != 4)
		return set_malformed(v, "IPv4 header truncated or version not 4");
	hlen = (ip[0] & 0xf) * 4;
	tot_len = be16(ip + 2);
	if (hlen < IPV4_HLEN_MIN)
		return set_malformed(v, "IPv4 IHL below 5");
	if (tot_len < hlen)
		return set_malformed(v, "IPv4 total length shorter than the header");
	if (tot_len > v->end - v->pos)
		return set_malformed(v, "IPv4 total length beyond the frame");
	/* Bytes after the datagram (Ethernet padding) are not part of it. */
	v->end = v->pos + tot_len;
	v->pos += hlen;
	v->kind = FRAME_IP;
	pkt->is_ip = true;
	pkt->family = AF_INET;
	memcpy(pkt->saddr, ip + 12, 4);
	memcpy(pkt->daddr, ip + 16, 4);
	pkt->proto = ip[9];
	if (be16(ip + 6) & IPV4_FRAG_OFFSET) {
		v->l4 = L4_DEST_ONLY;
		v->why = "later IPv4 fragment: judged by its source alone";
		return;
	}
	read_upper(v, pkt, outer);
}

static bool is_ipv6_ext(uint8_t next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	       next == IPPROTO_DSTOPTS || next == IPPROTO_FRAGMENT;
}

/* Steps over extension headers; false when the walk ends before L4. */
static bool walk_ipv6_ext(struct frame_view *v, uint8_t *next)
{
	const uint8_t *h;
	unsigned int i;

	for (i = 0; i < IPV6_MAX_EXT_HDRS && is_ipv6_ext(*next); i++) {
		if (*next == IPPROTO_FRAGMENT) {
			h = pull(v, IPV6_FRAG_HLEN);
			if (!h) {
				set_malformed(v, "IPv6 fragment header truncated");
				return false;
			}
			if (be16(h + 2) & IPV6_FRAG_OFFSET) {
				v->why = "later IPv6 fragment: judged by its source alone";
				return false;
			}
		} else {
			h = v->data + v->pos;
			if (v->end - v->pos < IPV6_EXT_MIN || !pull(v, (h[1] + 1) * 8)) {
				set_malformed(v, "IPv6 extension header truncated");
				return false;
			}
		}
		*next = h[0];
	}
	if (is_ipv6_ext(*next)) {
		v->why = "too many IPv6 extension headers: judged by its source alone";
		return false;
	}
	return true;
}

static void read_ipv6(struct frame_view *v, struct vfw_model_pkt *pkt)
{
	const uint8_t *ip = pull(v, IPV6_HLEN);
	uint8_t next;

	if (!ip || ip[0] >> 4 != 6)
		return set_malformed(v, "IPv6 header truncated or version not 6");
	v->kind = FRAME_IP;
	pkt->is_ip = true;
	pkt->family = AF_INET6;
	memcpy(pkt->saddr, ip + 8, 16);
	memcpy(pkt->daddr, ip + 24, 16);
	next = ip[6];
	if (!walk_ipv6_ext(v, &next)) {
		v->l4 = L4_DEST_ONLY;	/* unless malformed, which read_l3 sees */
		return;
	}
	pkt->proto = next;
	read_upper(v, pkt, false);
}

static void read_l3(struct frame_view *v, uint16_t type, struct vfw_model_pkt *pkt,
		    bool outer)
{
	if (type == ETH_P_IP) {
		read_ipv4(v, pkt, outer);
	} else if (type == ETH_P_IPV6) {
		read_ipv6(v, pkt);
	} else {
		v->kind = FRAME_NON_IP;
		v->why = "not IP";
	}
	if (v->kind == FRAME_MALFORMED)
		pkt->is_ip = false;
}

static bool remote_trusted(const struct vfw_vxlan *vx, const struct vfw_model_pkt *pkt)
{
	uint32_t src;
	size_t i;

	memcpy(&src, pkt->saddr, sizeof(src));
	for (i = 0; i < vx->n_remotes; i++)
		if ((ntohl(src) & vfw_prefix_mask(vx->remotes[i].len)) == vx->remotes[i].addr)
			return true;
	return false;
}

/* The UDP payload of an outer IPv4 packet to an opened VXLAN port. */
static void read_vxlan(struct frame_view *v, struct vfw_model_pkt *pkt)
{
	const uint8_t *vx;
	uint16_t type, vid;

	if (!remote_trusted(v->vx, pkt)) {
		v->kind = FRAME_UNTRUSTED_TUNNEL;
		v->why = "VXLAN from a source outside host.vxlan.remotes";
		return;
	}
	/* The outer IPv4 total length bounds the VXLAN header and the inner
	 * frame: the stack trims what lies past it. */
	vx = pull(v, VXLAN_HLEN);

	if (!vx) {
		pkt->is_ip = false;
		return set_malformed(v, "VXLAN header truncated");
	}
	if (!(vx[0] & VXLAN_FLAG_I)) {
		v->l4 = L4_DEST_ONLY;
		v->why = "VXLAN without the I flag carries no VNI: judged by its source";
		return;
	}
	memset(pkt, 0, sizeof(*pkt));
	pkt->vxlan = true;
	pkt->tag.kind = VFW_TAG_VNI;
	pkt->tag.id = vx[4] << 16 | vx[5] << 8 | vx[6];
	if (!read_eth(v, INNER_MAX_TAGS, &type, &vid))
		return;
	read_l3(v, type, pkt, false);
}

static void read_frame(struct frame_view *v, struct vfw_model_pkt *pkt)
{
	uint16_t type, vid;

	if (!read_eth(v, OUTER_MAX_TAGS, &type, &vid))
		return;
	if (vid) {	/* VLAN id 0 is a priority tag: untagged */
		pkt->tag.kind = VFW_TAG_VLAN;
		pkt->tag.id = vid;
	}
	read_l3(v, type, pkt, true);
	if (v->vxlan_next)
		read_vxlan(v, pkt);
}

/* ---------------------------------------------------------------- */
/* SPEC §2: is it data plane                                          */
/* ---------------------------------------------------------------- */

static bool dst_is_data_plane(const struct vfw_dataplane *dp, const struct vfw_model_pkt *pkt)
{
	size_t i, alen = pkt->family == AF_INET ? 4 : 16;

	if (!dp->n_addrs)
		return true;
	for (i = 0; i < dp->n_addrs; i++)
		if (dp->addrs[i].family == pkt->family &&
		    !memcmp(dp->addrs[i].addr, pkt->daddr, alen))
			return true;
	return false;
}

static bool port_is_data_plane(const struct vfw_dataplane *dp, const struct vfw_model_pkt *pkt)
{
	size_t i;

	for (i = 0; i < dp->n_ports; i++)
		if (dp->ports[i].proto == pkt->proto && dp->ports[i].port == pkt->dport)
			return true;
	return false;
}

/* VFW_REASON_COUNT: data plane, to be judged; otherwise the reason. */
static enum vfw_reason classify(const struct vfw_rules *r, struct frame_view *v,
				const struct vfw_model_pkt *pkt)
{
	if (v->kind == FRAME_MALFORMED)
		return VFW_REASON_MALFORMED;
	if (v->kind == FRAME_NON_IP)
		return VFW_REASON_NON_IP;
	if (v->kind == FRAME_UNTRUSTED_TUNNEL)
		return VFW_REASON_UNTRUSTED_TUNNEL;
	if (v->l4 == L4_NO_PORTS)
		return VFW_REASON_CONTROL_PLANE;
	if (!dst_is_data_plane(&r->dataplane, pkt)) {
		v->why = "destination is not a data-plane address";
		return VFW_REASON_CONTROL_PLANE;
	}
	if (v->l4 == L4_DEST_ONLY)
		return VFW_REASON_COUNT;
	if (v->l4 == L4_TRUNCATED) {
		v->why = "TCP/UDP header truncated on a data-plane address";
		return VFW_REASON_MALFORMED;
	}
	if (!port_is_data_plane(&r->dataplane, pkt)) {
		v->why = "destination port is not a data-plane port";
		return VFW_REASON_CONTROL_PLANE;
	}
	return VFW_REASON_COUNT;
}

/* ---------------------------------------------------------------- */
/* SPEC §3: which rules match, longest prefix first                   */
/* ---------------------------------------------------------------- */

/* The best rule of one kind so far: longest prefix, then first listed. */
struct match {
	int len;			/* -1: nothing matched */
	enum vfw_rule_kind kind;
	const void *rule;
};

static const struct match no_match = { .len = -1 };

static bool same_tag(const struct vfw_tag *a, const struct vfw_tag *b)
{
	return a->kind == b->kind && a->id == b->id;
}

static const struct vfw_tag untagged = { .kind = VFW_TAG_NONE };

/*
 * The prefix length by which an entry (tag, optional IPv4 prefix) matches
 * the packet, or -1. A tag-only entry matches any source on its tag with
 * length 0; an IPv4 prefix never matches an IPv6 source.
 */
static int entry_match_len(const struct vfw_model_pkt *pkt, const struct vfw_tag *tag,
			   const struct vfw_prefix *prefix)
{
	uint32_t src, mask;

	if (!same_tag(&pkt->tag, tag))
		return -1;
	if (!prefix)
		return 0;
	if (pkt->family != AF_INET)
		return -1;
	memcpy(&src, pkt->saddr, sizeof(src));
	mask = vfw_prefix_mask(prefix->len);
	return (ntohl(src) & mask) == prefix->addr ? prefix->len : -1;
}

static void consider(struct match *best, int len, enum vfw_rule_kind kind, const void *rule)
{
	if (len > best->len)
		*best = (struct match){ .len = len, .kind = kind, .rule = rule };
}

static void consider_prefixes(struct match *best, const struct vfw_model_pkt *pkt,
			      const struct vfw_prefix *prefixes, size_t n,
			      enum vfw_rule_kind kind, const void *rule)
{
	size_t i;

	for (i = 0; i < n; i++)
		consider(best, entry_match_len(pkt, &untagged, &prefixes[i]), kind, rule);
}

static void consider_tags(struct match *best, const struct vfw_model_pkt *pkt,
			  const struct vfw_tag *tags, size_t n,
			  enum vfw_rule_kind kind, const void *rule)
{
	size_t i;

	for (i = 0; i < n; i++)
		consider(best, entry_match_len(pkt, &tags[i], NULL), kind, rule);
}

static const struct vfw_prefix *optional_prefix(bool has, const struct vfw_prefix *p)
{
	return has ? p : NULL;
}

static struct match match_private_endpoint(const struct vfw_rules *r,
					   const struct vfw_model_pkt *pkt)
{
	struct match best = no_match;
	size_t i;

	for (i = 0; i < r->n_private_endpoints; i++) {
		const struct vfw_private_endpoint *pe = &r->private_endpoints[i];

		if (pe->status == VFW_PE_APPROVED)
			consider(&best, entry_match_len(pkt, &pe->tag,
							optional_prefix(pe->has_prefix, &pe->prefix)),
				 VFW_RULE_PE, pe);
	}
	return best;
}

/* Trusted-service groups and perimeter members, in file order. */
static void consider_groups(struct match *best, const struct vfw_model_pkt *pkt,
			    const struct vfw_group *groups, size_t n, enum vfw_rule_kind kind)
{
	size_t i;

	for (i = 0; i < n; i++) {
		consider_prefixes(best, pkt, groups[i].prefixes, groups[i].n_prefixes, kind,
				  &groups[i]);
		consider_tags(best, pkt, groups[i].tags, groups[i].n_tags, kind, &groups[i]);
	}
}

/* Inbound access rules, then members: the order rule ids are given in. */
static struct match match_perimeter(const struct vfw_perimeter *perim,
				    const struct vfw_model_pkt *pkt)
{
	const struct vfw_perimeter_subscription *sub;
	struct match best = no_match;
	size_t i, j;

	for (i = 0; i < perim->n_access_rules; i++) {
		const struct vfw_access_rule *a = &perim->access_rules[i];

		if (!a->inbound)
			continue;
		consider_prefixes(&best, pkt, a->prefixes, a->n_prefixes,
				  VFW_RULE_PERIM_ACCESS, a);
		for (j = 0; j < a->n_subscriptions; j++) {
			sub = vfw_perimeter_subscription(perim, a->subscriptions[j]);
			if (sub)
				consider_tags(&best, pkt, sub->tags, sub->n_tags,
					      VFW_RULE_PERIM_ACCESS, a);
		}
	}
	consider_groups(&best, pkt, perim->members, perim->n_members, VFW_RULE_PERIM_MEMBER);
	return best;
}

static struct match match_trusted(const struct vfw_rules *r, const struct vfw_model_pkt *pkt)
{
	struct match best = no_match;

	consider_groups(&best, pkt, r->trusted, r->n_trusted, VFW_RULE_TRUSTED);
	return best;
}

static struct match match_ip_rule(const struct vfw_rules *r, const struct vfw_model_pkt *pkt)
{
	struct match best = no_match;
	size_t i;

	for (i = 0; i < r->n_ip_rules; i++)
		consider(&best, entry_match_len(pkt, &untagged, &r->ip_rules[i].prefix),
			 VFW_RULE_IP, &r->ip_rules[i]);
	return best;
}

/* A virtual network rule matches through every subnet bound to its id. */
static struct match match_vnet_rule(const struct vfw_rules *r, const struct vfw_model_pkt *pkt)
{
	struct match best = no_match;
	size_t i, j;

	for (i = 0; i < r->n_vnet_rules; i++) {
		const struct vfw_vnet_rule *v = &r->vnet_rules[i];

		for (j = 0; j < r->n_subnets; j++) {
			const struct vfw_subnet *s = &r->subnets[j];

			if (!strcasecmp(s->id, v->id))
				consider(&best, entry_match_len(pkt, &s->tag,
								optional_prefix(s->has_prefix,
										&s->prefix)),
					 VFW_RULE_VNET, v);
		}
	}
	return best;
}

/* ---------------------------------------------------------------- */
/* SPEC §3: the decision                                              */
/* ---------------------------------------------------------------- */

static void rule_identity(const struct match *m, char *buf, size_t len)
{
	size_t i;

	switch (m->kind) {
	case VFW_RULE_IP:
		vfw_prefix_str(&((const struct vfw_ip_rule *)m->rule)->prefix, buf, len);
		break;
	case VFW_RULE_VNET: {
		const char *id = ((const struct vfw_vnet_rule *)m->rule)->id;

		for (i = 0; id[i] && i + 1 < len; i++)
			buf[i] = tolower((unsigned char)id[i]);
		buf[i] = '\0';
		break;
	}
	case VFW_RULE_TRUSTED:
	case VFW_RULE_PERIM_MEMBER:
		snprintf(buf, len, "%s", ((const struct vfw_group *)m->rule)->name);
		break;
	case VFW_RULE_PE:
		snprintf(buf, len, "%s", ((const struct vfw_private_endpoint *)m->rule)->name);
		break;
	case VFW_RULE_PERIM_ACCESS:
		snprintf(buf, len, "%s", ((const struct vfw_access_rule *)m->rule)->name);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

static void decide(struct vfw_model_result *out, unsigned int step, enum vfw_reason reason,
		   const struct match *credited, const char *why)
{
	out->step = step;
	out->reason = reason;
	out->why = why;
	if (credited && credited->len >= 0) {
		out->rule_kind = credited->kind;
		rule_identity(credited, out->rule_name, sizeof(out->rule_name));
	}
}

static bool perimeter_enforced(const struct vfw_rules *r)
{
	return r->perimeter.mode == VFW_PERIM_ENFORCED ||
	       r->public_access == VFW_PNA_SECURED_BY_PERIMETER;
}

/* Steps 4 to 9: the vault's own firewall. */
static void judge_firewall(const struct vfw_rules *r, const struct vfw_model_pkt *pkt,
			   struct vfw_model_result *out)
{
	struct match trusted = r->bypass_azure_services ? match_trusted(r, pkt) : no_match;
	struct match m;

	if (r->public_access == VFW_PNA_DISABLED) {
		if (trusted.len >= 0)
			return decide(out, 4, VFW_REASON_TRUSTED_SERVICE, &trusted,
				      "public access disabled; a trusted service with bypass");
		return decide(out, 4, VFW_REASON_PUBLIC_ACCESS_DISABLED, NULL,
			      "public access disabled; not a trusted service with bypass");
	}
	if (!r->has_network_acls || r->default_allow)
		return decide(out, 5, VFW_REASON_DEFAULT_ALLOW, NULL,
			      r->has_network_acls ? "defaultAction Allow" : "no networkAcls: firewall off");
	if (trusted.len >= 0)
		return decide(out, 6, VFW_REASON_TRUSTED_SERVICE, &trusted,
			      "a trusted service with bypass AzureServices");
	m = match_ip_rule(r, pkt);
	if (m.len >= 0)
		return decide(out, 7, VFW_REASON_IP_RULE, &m, "an IP rule matches the untagged source");
	m = match_vnet_rule(r, pkt);
	if (m.len >= 0)
		return decide(out, 8, VFW_REASON_VNET_RULE, &m,
			      "a virtual network rule matches the tag and source");
	decide(out, 9, VFW_REASON_DEFAULT_DENY, NULL, "defaultAction Deny; no rule admits the source");
}

static void judge(const struct vfw_rules *r, const struct vfw_model_pkt *pkt,
		  struct vfw_model_result *out)
{
	struct match m = match_private_endpoint(r, pkt);

	if (m.len >= 0)
		return decide(out, 1, VFW_REASON_PRIVATE_ENDPOINT, &m,
			      "an Approved private endpoint matches the tag");
	if (r->has_perimeter) {
		m = match_perimeter(&r->perimeter, pkt);
		if (perimeter_enforced(r)) {
			if (m.len >= 0)
				return decide(out, 2, VFW_REASON_PERIMETER_RULE, &m,
					      "the enforced perimeter admits the source");
			return decide(out, 2, VFW_REASON_PERIMETER_DENY, NULL,
				      "the enforced perimeter does not admit the source");
		}
		out->would_deny = m.len < 0;	/* step 3: counted, not enforced */
	}
	judge_firewall(r, pkt, out);
}

int vfw_model_eval(const struct vfw_rules *rules, const void *frame, size_t len,
		   struct vfw_model_result *out)
{
	struct frame_view view = { .data = frame, .end = len, .vx = &rules->vxlan };
	enum vfw_reason reason;

	if (!rules || (!frame && len) || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	read_frame(&view, &out->pkt);
	reason = classify(rules, &view, &out->pkt);
	if (reason == VFW_REASON_COUNT) {
		judge(rules, &out->pkt, out);
	} else {
		out->reason = reason;
		out->why = view.why;
	}
	out->verdict = reason_verdict[out->reason];
	return 0;
}

const char *vfw_model_format(const struct vfw_model_result *res, char *buf, size_t len)
{
	bool credited = res->rule_kind != VFW_RULE_NONE;

	snprintf(buf, len, "%s %s%s%s%s%s (%s)",
		 res->verdict == XDP_DROP ? "DROP" : "PASS", vfw_reason_name(res->reason),
		 credited ? ", rule " : "", credited ? vfw_rule_kind_name(res->rule_kind) : "",
		 credited ? " " : "", credited ? res->rule_name : "",
		 res->why ? res->why : "");
	if (res->would_deny)
		snprintf(buf + strlen(buf), len - strlen(buf), ", perimeter-would-deny counted");
	return buf;
}
