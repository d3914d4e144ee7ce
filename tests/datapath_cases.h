/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core datapath test table: rule sets and frames with the verdict,
 * reason and rule SPEC §2/§3 expect. Shared by test_datapath (the XDP
 * program's counters) and test_explain (explain against the same cases).
 */
#ifndef VFW_TEST_DATAPATH_CASES_H
#define VFW_TEST_DATAPATH_CASES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "frames.h"
#include "vaultfw.h"

#define DP4		"192.0.2.10"
#define DP6		"2001:db8::10"
#define OTHER4		"192.0.2.99"	/* the host, but not a data-plane address */
#define OTHER6		"2001:db8::99"
#define UNDERLAY_SRC	"192.0.2.1"
#define SRC6		"2001:db8:1::5"
#define HTTPS		443

#define SUBNET_WEB "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/app/subnets/web"
#define SUBNET_ADM "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/ops/subnets/adm"
#define BIG_SUBNET "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/big/subnets/s"

/*
 * Rule sets are written with single quotes, which install_rules() turns
 * into double quotes, so that the JSON stays readable inside C strings.
 */
#define DATAPLANE	"'dataPlane': {'addresses': ['" DP4 "', '" DP6 "'], " \
			"'ports': ['tcp/443', 'udp/443']}"
#define SUBNETS		"'subnets': [{'id': '" SUBNET_WEB "', 'vni': 5001, 'prefix': '10.1.0.0/24'}, " \
			"{'id': '" SUBNET_ADM "', 'vlan': 101}]"
#define TRUSTED		"'trustedServices': [{'name': 'backup', " \
			"'prefixes': ['198.51.100.128/25'], 'vlan': 300}]"
#define ENDPOINTS	"'privateEndpoints': [" \
			"{'name': 'pe-app', 'vni': 7001, 'status': 'Approved'}, " \
			"{'name': 'pe-wait', 'vni': 7002, 'status': 'Pending'}, " \
			"{'name': 'pe-no', 'vlan': 703, 'status': 'Rejected'}, " \
			"{'name': 'pe-db', 'vni': 7004, 'prefix': '10.7.4.0/24', 'status': 'Approved'}]"
#define PERIMETER(mode)	"'perimeter': {'accessMode': '" mode "', " \
			"'accessRules': [{'name': 'corp', 'direction': 'Inbound', " \
			"'addressPrefixes': ['198.51.100.0/24'], " \
			"'subscriptions': [{'id': '/subscriptions/2222'}]}], " \
			"'subscriptions': [{'id': '/subscriptions/2222', 'vnis': [6001], 'vlans': []}], " \
			"'members': [{'name': 'app-storage', 'prefixes': ['203.0.113.64/27']}]}"
#define ACLS(action, bypass, ip_rules) \
			"'networkAcls': {'defaultAction': '" action "', 'bypass': '" bypass "', " \
			"'ipRules': [" ip_rules "], " \
			"'virtualNetworkRules': [{'id': '" SUBNET_WEB "'}, {'id': '" SUBNET_ADM "'}]}"
#define IP_RULES_ALL	"{'value': '203.0.113.0/24'}, {'value': '203.0.113.128/25'}, " \
			"{'value': '198.51.100.7'}"
#define IP_RULE_ONE	"{'value': '203.0.113.0/24'}"
#define VAULT(pna, acls, host) \
			"{'name': 'test-vault', 'properties': {'publicNetworkAccess': '" pna "'" \
			acls "}, 'host': {" host "}}"
#define HOST_VXLAN	"'vxlan': {'ports': [4789], 'remotes': ['" UNDERLAY_SRC "/32']}"
#define HOST		DATAPLANE ", " HOST_VXLAN ", " SUBNETS ", " TRUSTED ", " ENDPOINTS

enum ruleset_id {
	RS_BASIC,
	RS_ANY_DST,
	RS_FIREWALL_OFF,
	RS_ALLOW,
	RS_BYPASS_NONE,
	RS_PNA_OFF,
	RS_PNA_OFF_NO_BYPASS,
	RS_PERIM_ENFORCED,
	RS_PERIM_SBP,
	RS_PERIM_AUDIT,
	RS_PERIM_LEARNING_ALLOW,
	RS_BIG,
	RS_VXLAN_TWO_PORTS,
	RS_NO_VXLAN,
	RS_PNA_OFF_PERIM_ENFORCED,
	RS_PNA_OFF_PERIM_AUDIT,
	RS_TCP443_ONLY,
	RS_UDP443_ONLY,
	RS_PNA_OFF_TRUSTED_OVER_IP,
	RS_PE_OVER_VNET,
	RS_COUNT,
};

/*
 * The rule sets below tell apart one-line bugs that only the random
 * differential test used to catch (issue 14). Those without VNIs spell
 * out their own host, so that they need nothing from HOST.
 */
#define ACLS_IP_ONLY	"'networkAcls': {'defaultAction': 'Deny', 'ipRules': [" IP_RULE_ONE "]}"
#define DATAPLANE_ONE(port)	"'dataPlane': {'addresses': ['" DP4 "'], 'ports': ['" port "']}"
#define VLAN_PE_SUBNET	"'subnets': [{'id': '" SUBNET_ADM "', 'vlan': 800, 'prefix': '10.8.0.0/24'}], " \
			"'privateEndpoints': [{'name': 'pe-vlan', 'vlan': 800, 'status': 'Approved'}]"

static const char *ruleset_text[RS_COUNT] = {
	[RS_BASIC] = VAULT("Enabled", ", " ACLS("Deny", "AzureServices", IP_RULES_ALL), HOST),
	[RS_ANY_DST] = VAULT("Enabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
			     "'dataPlane': {'ports': ['tcp/443']}, " HOST_VXLAN ", " SUBNETS),
	[RS_FIREWALL_OFF] = VAULT("Enabled", "", DATAPLANE),
	[RS_ALLOW] = VAULT("Enabled", ", " ACLS("Allow", "AzureServices", IP_RULE_ONE), HOST),
	[RS_BYPASS_NONE] = VAULT("Enabled", ", " ACLS("Deny", "None", IP_RULE_ONE), HOST),
	[RS_PNA_OFF] = VAULT("Disabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE), HOST),
	[RS_PNA_OFF_NO_BYPASS] = VAULT("Disabled", ", " ACLS("Deny", "None", IP_RULE_ONE), HOST),
	[RS_PERIM_ENFORCED] = VAULT("Enabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
				    HOST ", " PERIMETER("Enforced")),
	[RS_PERIM_SBP] = VAULT("SecuredByPerimeter", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
			       HOST ", " PERIMETER("Learning")),
	[RS_PERIM_AUDIT] = VAULT("Enabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
				 HOST ", " PERIMETER("Audit")),
	[RS_PERIM_LEARNING_ALLOW] = VAULT("Enabled", ", " ACLS("Allow", "AzureServices", IP_RULE_ONE),
					  HOST ", " PERIMETER("Learning")),
	/* RS_BIG is generated by make_big_ruleset() */
	[RS_VXLAN_TWO_PORTS] = VAULT("Enabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
				     DATAPLANE ", 'vxlan': {'ports': [4789, 8472], "
				     "'remotes': ['192.0.2.0/30']}, " SUBNETS ", " ENDPOINTS),
	/* No VNI anywhere, so no host.vxlan: VXLAN is never opened. */
	[RS_NO_VXLAN] = VAULT("Enabled", ", 'networkAcls': {'defaultAction': 'Deny', "
			      "'ipRules': [" IP_RULE_ONE "], 'virtualNetworkRules': "
			      "[{'id': '" SUBNET_ADM "'}]}",
			      DATAPLANE ", 'subnets': [{'id': '" SUBNET_ADM "', 'vlan': 101}]"),
	[RS_PNA_OFF_PERIM_ENFORCED] = VAULT("Disabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
					    HOST ", " PERIMETER("Enforced")),
	[RS_PNA_OFF_PERIM_AUDIT] = VAULT("Disabled", ", " ACLS("Deny", "AzureServices", IP_RULE_ONE),
					 HOST ", " PERIMETER("Audit")),
	[RS_TCP443_ONLY] = VAULT("Enabled", ", " ACLS_IP_ONLY, DATAPLANE_ONE("tcp/443")),
	[RS_UDP443_ONLY] = VAULT("Enabled", ", " ACLS_IP_ONLY, DATAPLANE_ONE("udp/443")),
	/* TRUSTED's 198.51.100.128/25 covers the IP rule. */
	[RS_PNA_OFF_TRUSTED_OVER_IP] = VAULT("Disabled",
					     ", " ACLS("Deny", "AzureServices", "{'value': '198.51.100.200'}"),
					     HOST),
	/* A tag-only private endpoint covers a subnet with a prefix on its tag. */
	[RS_PE_OVER_VNET] = VAULT("Enabled", ", 'networkAcls': {'defaultAction': 'Deny', "
				  "'virtualNetworkRules': [{'id': '" SUBNET_ADM "'}]}",
				  DATAPLANE_ONE("tcp/443") ", " VLAN_PE_SUBNET),
};

#define BIG_IP_RULES	VFW_MAX_IP_RULES
#define BIG_VNIS	(VFW_MAX_VNET_RULES / 2)	/* two /25 subnets per VNI */
#define BIG_VNI_BASE	20000

struct rule_ref {
	enum vfw_rule_kind kind;	/* VFW_RULE_NONE: no rule is credited */
	const char *name;
};

struct dp_case {
	const char *desc;
	enum ruleset_id rules;
	struct frame_spec frame;
	int verdict;
	enum vfw_reason reason;
	struct rule_ref rule;
	bool would_deny;
};

#define NO_RULE			{ VFW_RULE_NONE, NULL }
#define IP_RULE(n)		{ VFW_RULE_IP, n }
#define VNET_RULE(n)		{ VFW_RULE_VNET, n }
#define TRUSTED_RULE(n)		{ VFW_RULE_TRUSTED, n }
#define PE_RULE(n)		{ VFW_RULE_PE, n }
#define ACCESS_RULE(n)		{ VFW_RULE_PERIM_ACCESS, n }
#define MEMBER_RULE(n)		{ VFW_RULE_PERIM_MEMBER, n }

#define WEB_RULE		VNET_RULE(SUBNET_WEB)
#define ADM_RULE		VNET_RULE(SUBNET_ADM)

#define TCP(s, d, port)		.src = s, .dst = d, .proto = IPPROTO_TCP, .dport = port
#define HTTPS_FROM(s)		TCP(s, DP4, HTTPS)
#define DOT1Q(vid)		.tags = { { ETH_P_8021Q, vid } }, .n_tags = 1
/* VXLAN to the host, carrying the inner frame described by the rest. */
#define VXLAN_F(flags, id, ...)	.src = UNDERLAY_SRC, .dst = OTHER4, .proto = IPPROTO_UDP, \
				.dport = VFW_VXLAN_PORT, .vxlan_flags = flags, .vni = id, \
				.inner = &(const struct frame_spec){ __VA_ARGS__ }
#define VXLAN(id, ...)		VXLAN_F(FRAME_VXLAN_I, id, __VA_ARGS__)
/* VXLAN from any underlay source, to any address and UDP port. */
#define VXLAN_AT_F(flags, s, d, port, id, ...) \
				.src = s, .dst = d, .proto = IPPROTO_UDP, .dport = port, \
				.vxlan_flags = flags, .vni = id, \
				.inner = &(const struct frame_spec){ __VA_ARGS__ }
#define VXLAN_AT(...)		VXLAN_AT_F(FRAME_VXLAN_I, __VA_ARGS__)
#define PUBLIC_CLIENT		"203.0.113.99"	/* in an IP rule, but no tunnel endpoint */
#define DENIED_SRC		"198.51.100.50"
/* A packet of another IP protocol, to the data-plane address. */
#define PROTO_TO(s, p)		.src = s, .dst = DP4, .proto = p
#define PROTO6_TO(p)		.src = SRC6, .dst = DP6, .proto = p
#define QINQ(outer, inner)	.tags = { { ETH_P_8021AD, outer }, { ETH_P_8021Q, inner } }, .n_tags = 2

/* The expected outcome: verdict, reason, rule credited, would-deny. */
#define PASSES(reason, rule)		XDP_PASS, VFW_REASON_##reason, rule, false
#define DROPS(reason, rule)		XDP_DROP, VFW_REASON_##reason, rule, false
#define PASSES_AUDITED(reason, rule)	XDP_PASS, VFW_REASON_##reason, rule, true
#define DROPS_AUDITED(reason, rule)	XDP_DROP, VFW_REASON_##reason, rule, true

static const struct dp_case cases[] = {
	/* SPEC §3: each step of the decision */
	{ "ip rule admits its prefix", RS_BASIC, { HTTPS_FROM("203.0.113.5") },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "nested ip rules credit the longest prefix", RS_BASIC, { HTTPS_FROM("203.0.113.200") },
	  PASSES(IP_RULE, IP_RULE("203.0.113.128/25")) },
	{ "bare address is stored and credited as /32", RS_BASIC, { HTTPS_FROM("198.51.100.7") },
	  PASSES(IP_RULE, IP_RULE("198.51.100.7/32")) },
	{ "unknown source is denied by default", RS_BASIC, { HTTPS_FROM("198.51.100.50") },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "trusted-service prefix with bypass", RS_BASIC, { HTTPS_FROM("198.51.100.200") },
	  PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "trusted-service tag with bypass", RS_BASIC, { DOT1Q(300), HTTPS_FROM("10.3.0.1") },
	  PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "bypass None ignores trusted services", RS_BYPASS_NONE, { HTTPS_FROM("198.51.100.200") },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "ip rule still applies with bypass None", RS_BYPASS_NONE, { HTTPS_FROM("203.0.113.5") },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "vnet rule on a VLAN subnet without prefix", RS_BASIC, { DOT1Q(101), HTTPS_FROM("10.2.3.4") },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "vnet rule on a VNI subnet with prefix", RS_BASIC,
	  { VXLAN(5001, HTTPS_FROM("10.1.0.5")) }, PASSES(VNET_RULE, WEB_RULE) },
	{ "subnet prefix on a tag excludes other sources", RS_BASIC,
	  { VXLAN(5001, HTTPS_FROM("10.9.0.5")) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "ip rules do not match tagged traffic", RS_BASIC, { DOT1Q(102), HTTPS_FROM("203.0.113.5") },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "approved private endpoint", RS_BASIC, { VXLAN(7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "approved private endpoint with prefix", RS_BASIC, { VXLAN(7004, HTTPS_FROM("10.7.4.5")) },
	  PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-db")) },
	{ "private endpoint prefix excludes other sources", RS_BASIC,
	  { VXLAN(7004, HTTPS_FROM("10.7.5.5")) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "pending private endpoint admits nothing", RS_BASIC, { VXLAN(7002, HTTPS_FROM("10.7.2.9")) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "rejected private endpoint admits nothing", RS_BASIC, { DOT1Q(703), HTTPS_FROM("10.7.3.9") },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "firewall off allows everything", RS_FIREWALL_OFF, { HTTPS_FROM("198.51.100.50") },
	  PASSES(DEFAULT_ALLOW, NO_RULE) },
	{ "default Allow wins over an ip rule", RS_ALLOW, { HTTPS_FROM("203.0.113.5") },
	  PASSES(DEFAULT_ALLOW, NO_RULE) },
	{ "default Allow wins over a trusted service", RS_ALLOW, { HTTPS_FROM("198.51.100.200") },
	  PASSES(DEFAULT_ALLOW, NO_RULE) },
	{ "private endpoint wins over default Allow", RS_ALLOW, { VXLAN(7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "public access disabled drops ip-rule sources", RS_PNA_OFF, { HTTPS_FROM("203.0.113.5") },
	  DROPS(PUBLIC_ACCESS_DISABLED, NO_RULE) },
	{ "public access disabled admits trusted services", RS_PNA_OFF,
	  { HTTPS_FROM("198.51.100.200") }, PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "public access disabled admits private endpoints", RS_PNA_OFF,
	  { VXLAN(7001, HTTPS_FROM("10.7.1.9")) }, PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "public access disabled drops vnet sources", RS_PNA_OFF, { DOT1Q(101), HTTPS_FROM("10.2.3.4") },
	  DROPS(PUBLIC_ACCESS_DISABLED, NO_RULE) },
	{ "public access disabled, bypass None: trusted dropped", RS_PNA_OFF_NO_BYPASS,
	  { HTTPS_FROM("198.51.100.200") }, DROPS(PUBLIC_ACCESS_DISABLED, NO_RULE) },
	{ "enforced perimeter admits an access-rule prefix", RS_PERIM_ENFORCED,
	  { HTTPS_FROM("198.51.100.9") }, PASSES(PERIMETER_RULE, ACCESS_RULE("corp")) },
	{ "enforced perimeter admits a subscription's VNI", RS_PERIM_ENFORCED,
	  { VXLAN(6001, HTTPS_FROM("10.6.0.1")) }, PASSES(PERIMETER_RULE, ACCESS_RULE("corp")) },
	{ "enforced perimeter admits a member", RS_PERIM_ENFORCED, { HTTPS_FROM("203.0.113.70") },
	  PASSES(PERIMETER_RULE, MEMBER_RULE("app-storage")) },
	{ "enforced perimeter denies an ip-rule source", RS_PERIM_ENFORCED,
	  { HTTPS_FROM("203.0.113.5") }, DROPS(PERIMETER_DENY, NO_RULE) },
	{ "enforced perimeter ignores the trusted bypass", RS_PERIM_ENFORCED,
	  { DOT1Q(300), HTTPS_FROM("10.3.0.1") }, DROPS(PERIMETER_DENY, NO_RULE) },
	{ "private endpoint comes before the perimeter", RS_PERIM_ENFORCED,
	  { VXLAN(7001, HTTPS_FROM("10.7.1.9")) }, PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "SecuredByPerimeter enforces a Learning perimeter", RS_PERIM_SBP,
	  { HTTPS_FROM("203.0.113.5") }, DROPS(PERIMETER_DENY, NO_RULE) },
	{ "SecuredByPerimeter admits perimeter sources", RS_PERIM_SBP,
	  { HTTPS_FROM("198.51.100.9") }, PASSES(PERIMETER_RULE, ACCESS_RULE("corp")) },
	{ "audit perimeter counts would-deny beside ip-rule", RS_PERIM_AUDIT,
	  { HTTPS_FROM("203.0.113.5") }, PASSES_AUDITED(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "audit perimeter counts would-deny beside default-deny", RS_PERIM_AUDIT,
	  { HTTPS_FROM("192.0.2.77") }, DROPS_AUDITED(DEFAULT_DENY, NO_RULE) },
	{ "audit perimeter source: no would-deny", RS_PERIM_AUDIT,
	  { HTTPS_FROM("198.51.100.9") }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "member nested in an ip rule: ip rule credited", RS_PERIM_AUDIT,
	  { HTTPS_FROM("203.0.113.70") }, PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "learning perimeter counts would-deny beside default-allow", RS_PERIM_LEARNING_ALLOW,
	  { HTTPS_FROM("192.0.2.77") }, PASSES_AUDITED(DEFAULT_ALLOW, NO_RULE) },

	/* SPEC §2: what is data plane */
	{ "control-plane port", RS_BASIC, { TCP("198.51.100.50", DP4, 22) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "udp/443 is a data-plane port", RS_BASIC,
	  { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_UDP, .dport = HTTPS },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "ICMP to a data-plane address", RS_BASIC,
	  { .src = "198.51.100.50", .dst = DP4, .proto = IPPROTO_ICMP },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "address list set: other address is control plane", RS_BASIC,
	  { TCP("198.51.100.50", OTHER4, HTTPS) }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "address list empty: any address is data plane", RS_ANY_DST,
	  { TCP("198.51.100.50", OTHER4, HTTPS) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "address list empty: ip rule to any address", RS_ANY_DST,
	  { TCP("203.0.113.5", OTHER4, HTTPS) }, PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },

	/* SPEC §2: frame shapes */
	{ "802.1Q tag", RS_BASIC, { DOT1Q(101), HTTPS_FROM("10.2.0.1") },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "QinQ: innermost VLAN id is the tag", RS_BASIC,
	  { .tags = { { ETH_P_8021AD, 500 }, { ETH_P_8021Q, 101 } }, .n_tags = 2,
	    HTTPS_FROM("10.2.0.1") }, PASSES(VNET_RULE, ADM_RULE) },
	{ "QinQ: outer VLAN id does not count", RS_BASIC,
	  { .tags = { { ETH_P_8021AD, 101 }, { ETH_P_8021Q, 102 } }, .n_tags = 2,
	    HTTPS_FROM("10.2.0.1") }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "VLAN id 0 is untagged", RS_BASIC, { DOT1Q(0), HTTPS_FROM("203.0.113.5") },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "three VLAN tags", RS_BASIC,
	  { .tags = { { ETH_P_8021AD, 500 }, { ETH_P_8021Q, 101 }, { ETH_P_8021Q, 102 } },
	    .n_tags = 3, HTTPS_FROM("10.2.0.1") }, DROPS(MALFORMED, NO_RULE) },
	{ "IPv4 with options", RS_BASIC, { HTTPS_FROM("203.0.113.5"), .opt_words = 3 },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "IPv4 with the longest options", RS_BASIC, { HTTPS_FROM("203.0.113.5"), .opt_words = 10 },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "IPv4 IHL < 5", RS_BASIC, { HTTPS_FROM("203.0.113.5"), .ihl = 4 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "IPv4 header truncated", RS_BASIC, { HTTPS_FROM("203.0.113.5"), .cut = ETH_HLEN + 10 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "IPv4 options truncated", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .opt_words = 4, .cut = ETH_HLEN + 24 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "IPv4 total length shorter than the header", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .tot_len = 16 }, DROPS(MALFORMED, NO_RULE) },
	{ "IPv4 total length beyond the frame", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .tot_len = 1000 }, DROPS(MALFORMED, NO_RULE) },
	{ "TCP header truncated, data-plane address", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .l4_keep = 12 }, DROPS(MALFORMED, NO_RULE) },
	{ "UDP header truncated, data-plane address", RS_BASIC,
	  { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_UDP, .dport = HTTPS, .l4_keep = 6 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "TCP header truncated, other address", RS_BASIC,
	  { TCP("203.0.113.5", OTHER4, HTTPS), .l4_keep = 12 }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "first fragment is judged by its ports", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .more_frags = true }, PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "non-first fragment to a data-plane address", RS_BASIC,
	  { HTTPS_FROM("203.0.113.5"), .frag_offset = 185, .l4_keep = 8 },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "non-first fragment from an unknown source", RS_BASIC,
	  { HTTPS_FROM("198.51.100.50"), .frag_offset = 185, .l4_keep = 8 },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "non-first fragment to a non-data-plane address", RS_BASIC,
	  { TCP("198.51.100.50", OTHER4, HTTPS), .frag_offset = 185, .l4_keep = 8 },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 untagged: no rule can match", RS_BASIC, { TCP(SRC6, DP6, HTTPS) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 untagged, default Allow", RS_ALLOW, { TCP(SRC6, DP6, HTTPS) },
	  PASSES(DEFAULT_ALLOW, NO_RULE) },
	{ "IPv6 on a VLAN subnet without prefix", RS_BASIC, { DOT1Q(101), TCP(SRC6, DP6, HTTPS) },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "IPv6 on a subnet with an IPv4 prefix", RS_BASIC,
	  { VXLAN(5001, TCP(SRC6, DP6, HTTPS)) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 control-plane port", RS_BASIC, { TCP(SRC6, DP6, 22) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 other address", RS_BASIC, { TCP(SRC6, OTHER6, HTTPS) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 hop-by-hop then TCP", RS_BASIC,
	  { DOT1Q(101), TCP(SRC6, DP6, HTTPS), .ext = { IPPROTO_HOPOPTS }, .n_ext = 1 },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "IPv6 hop-by-hop then TCP to a control port", RS_BASIC,
	  { TCP(SRC6, DP6, 22), .ext = { IPPROTO_HOPOPTS }, .n_ext = 1 },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 four extension headers then TCP", RS_BASIC,
	  { TCP(SRC6, DP6, 22), .ext = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					 IPPROTO_FRAGMENT }, .n_ext = 4 },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 five extension headers end the walk", RS_BASIC,
	  { TCP(SRC6, DP6, 22), .ext = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					 IPPROTO_DSTOPTS, IPPROTO_DSTOPTS }, .n_ext = 5 },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 ESP to a data-plane address", RS_BASIC,
	  { DOT1Q(101), .src = SRC6, .dst = DP6, .proto = IPPROTO_ESP },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "IPv6 ESP, untagged, to a data-plane address", RS_BASIC,
	  { .src = SRC6, .dst = DP6, .proto = IPPROTO_ESP }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 ESP to another address", RS_BASIC,
	  { .src = SRC6, .dst = OTHER6, .proto = IPPROTO_ESP }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 non-first fragment to a data-plane address", RS_BASIC,
	  { TCP(SRC6, DP6, 22), .ext = { IPPROTO_FRAGMENT }, .n_ext = 1, .frag_offset = 100 },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 header truncated", RS_BASIC, { TCP(SRC6, DP6, HTTPS), .cut = ETH_HLEN + 30 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "IPv6 extension header truncated", RS_BASIC,
	  { TCP(SRC6, DP6, HTTPS), .ext = { IPPROTO_HOPOPTS }, .n_ext = 1, .cut = ETH_HLEN + 44 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "IPv6 TCP header truncated", RS_BASIC, { TCP(SRC6, DP6, HTTPS), .l4_keep = 3 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "ICMPv6 neighbour solicitation is never filtered", RS_BASIC,
	  { .src = SRC6, .dst = DP6, .proto = IPPROTO_ICMPV6 }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "ARP", RS_BASIC, { .ethertype = ETH_P_ARP }, PASSES(NON_IP, NO_RULE) },
	{ "ARP on a VLAN", RS_BASIC, { DOT1Q(101), .ethertype = ETH_P_ARP }, PASSES(NON_IP, NO_RULE) },
	{ "LLDP", RS_BASIC, { .ethertype = FRAME_ETH_P_LLDP }, PASSES(NON_IP, NO_RULE) },
	{ "bare Ethernet header of an ARP frame", RS_BASIC, { .ethertype = ETH_P_ARP, .cut = ETH_HLEN },
	  PASSES(NON_IP, NO_RULE) },
	{ "VLAN header truncated", RS_BASIC, { DOT1Q(101), .ethertype = ETH_P_ARP, .cut = ETH_HLEN + 2 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "VXLAN without the I flag, to another address: control plane", RS_BASIC,
	  { VXLAN_F(0, 5001, HTTPS_FROM("10.1.0.5")) }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "VXLAN inner VLAN: the VNI is the tag", RS_BASIC,
	  { VXLAN(5001, DOT1Q(101), HTTPS_FROM("10.1.0.5")) }, PASSES(VNET_RULE, WEB_RULE) },
	{ "VXLAN inner frame with two VLAN tags", RS_BASIC,
	  { VXLAN(5001, .tags = { { ETH_P_8021Q, 101 }, { ETH_P_8021Q, 102 } }, .n_tags = 2,
		  HTTPS_FROM("10.1.0.5")) }, DROPS(MALFORMED, NO_RULE) },
	{ "VXLAN wins over the outer VLAN", RS_BASIC,
	  { DOT1Q(101), VXLAN(9999, HTTPS_FROM("10.2.0.1")) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "VXLAN inner ARP", RS_BASIC, { VXLAN(5001, .ethertype = ETH_P_ARP) },
	  PASSES(NON_IP, NO_RULE) },
	{ "VXLAN inner control-plane port", RS_BASIC, { VXLAN(5001, TCP("10.1.0.5", DP4, 22)) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "VXLAN header too short", RS_BASIC,
	  { VXLAN(5001, HTTPS_FROM("10.1.0.5")), .l4_keep = 8 + 4 }, DROPS(MALFORMED, NO_RULE) },
	{ "VXLAN inner Ethernet too short", RS_BASIC,
	  { VXLAN(5001, HTTPS_FROM("10.1.0.5")), .l4_keep = 8 + FRAME_VXLAN_HLEN + 6 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "VXLAN inner IPv4 truncated", RS_BASIC,
	  { VXLAN(5001, HTTPS_FROM("10.1.0.5")), .l4_keep = 8 + FRAME_VXLAN_HLEN + ETH_HLEN + 12 },
	  DROPS(MALFORMED, NO_RULE) },

	/* SPEC §2, §3: whose VNI is believed */
	{ "VXLAN with a PE's VNI from a public client", RS_BASIC,
	  { VXLAN_AT(PUBLIC_CLIENT, DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "untrusted VXLAN to another address is dropped too", RS_BASIC,
	  { VXLAN_AT(PUBLIC_CLIENT, OTHER4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "untrusted VXLAN is dropped before its header is read", RS_BASIC,
	  { VXLAN_AT(PUBLIC_CLIENT, DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")),
	    .l4_keep = 8 + 4 }, DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "untrusted VXLAN on a VLAN", RS_BASIC,
	  { DOT1Q(101), VXLAN_AT("10.2.0.1", DP4, VFW_VXLAN_PORT, 5001, HTTPS_FROM("10.1.0.5")) },
	  DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "last address of a remote prefix is trusted", RS_VXLAN_TWO_PORTS,
	  { VXLAN_AT("192.0.2.3", OTHER4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "first address past a remote prefix is not", RS_VXLAN_TWO_PORTS,
	  { VXLAN_AT("192.0.2.4", OTHER4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "VXLAN on a second declared port is opened", RS_VXLAN_TWO_PORTS,
	  { VXLAN_AT(UNDERLAY_SRC, OTHER4, VFW_VXLAN_PORT_LINUX, 5001, HTTPS_FROM("10.1.0.5")) },
	  PASSES(VNET_RULE, WEB_RULE) },
	{ "VXLAN on a second declared port from a public client", RS_VXLAN_TWO_PORTS,
	  { VXLAN_AT(PUBLIC_CLIENT, DP4, VFW_VXLAN_PORT_LINUX, 7001, HTTPS_FROM("10.7.1.9")) },
	  DROPS(UNTRUSTED_TUNNEL, NO_RULE) },
	{ "VXLAN without the I flag, to a data-plane address: its source decides", RS_BASIC,
	  { VXLAN_AT_F(0, UNDERLAY_SRC, DP4, VFW_VXLAN_PORT, 5001, HTTPS_FROM("10.1.0.5")) },
	  DROPS(DEFAULT_DENY, NO_RULE) },

	/* SPEC §2: encapsulations vaultfw does not open */
	{ "VXLAN in VXLAN from a denied VNI", RS_BASIC,
	  { VXLAN(5002, VXLAN_AT("10.9.0.2", DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9"))) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "VXLAN in VXLAN on 8472 from a denied VNI", RS_BASIC,
	  { VXLAN(5002, VXLAN_AT("10.9.0.2", DP4, VFW_VXLAN_PORT_LINUX, 7001,
				 HTTPS_FROM("10.7.1.9"))) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "GENEVE in VXLAN from a denied VNI", RS_BASIC,
	  { VXLAN(5002, .src = "10.9.0.2", .dst = DP4, .proto = IPPROTO_UDP,
		  .dport = VFW_GENEVE_PORT) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "GRE in VXLAN from a denied VNI", RS_BASIC,
	  { VXLAN(5002, PROTO_TO("10.9.0.2", IPPROTO_GRE)) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "VXLAN in VXLAN is judged by the outer VNI and source", RS_BASIC,
	  { VXLAN(5001, VXLAN_AT("10.1.0.5", DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9"))) },
	  PASSES(VNET_RULE, WEB_RULE) },
	{ "VXLAN in VXLAN to another address is control plane", RS_BASIC,
	  { VXLAN(5002, VXLAN_AT("10.9.0.2", OTHER4, VFW_VXLAN_PORT, 7001,
				 HTTPS_FROM("10.7.1.9"))) }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "VXLAN on an undeclared 8472 is judged by its source", RS_BASIC,
	  { VXLAN_AT(UNDERLAY_SRC, DP4, VFW_VXLAN_PORT_LINUX, 5001, HTTPS_FROM("10.1.0.5")) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "VXLAN on an undeclared 8472 to another address", RS_BASIC,
	  { VXLAN_AT(UNDERLAY_SRC, OTHER4, VFW_VXLAN_PORT_LINUX, 5001, HTTPS_FROM("10.1.0.5")) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "no host.vxlan: UDP/4789 from a denied source", RS_NO_VXLAN,
	  { VXLAN_AT(UNDERLAY_SRC, DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "no host.vxlan: UDP/4789 from an ip-rule source", RS_NO_VXLAN,
	  { VXLAN_AT("203.0.113.5", DP4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "no host.vxlan: an overlay on another address is left alone", RS_NO_VXLAN,
	  { VXLAN_AT(UNDERLAY_SRC, OTHER4, VFW_VXLAN_PORT, 7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IP-in-IP from a denied source", RS_BASIC, { PROTO_TO(DENIED_SRC, IPPROTO_IPIP) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IP-in-IP from an ip-rule source", RS_BASIC, { PROTO_TO("203.0.113.5", IPPROTO_IPIP) },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "6in4 from a denied source", RS_BASIC, { PROTO_TO(DENIED_SRC, IPPROTO_IPV6) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "GRE from a denied source", RS_BASIC, { PROTO_TO(DENIED_SRC, IPPROTO_GRE) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "GRE on a bound VLAN", RS_BASIC, { DOT1Q(101), PROTO_TO("10.2.0.1", IPPROTO_GRE) },
	  PASSES(VNET_RULE, ADM_RULE) },
	{ "GRE to another address is control plane", RS_BASIC,
	  { .src = DENIED_SRC, .dst = OTHER4, .proto = IPPROTO_GRE }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "ESP from a denied source", RS_BASIC, { PROTO_TO(DENIED_SRC, IPPROTO_ESP) },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "AH from an ip-rule source", RS_BASIC, { PROTO_TO("203.0.113.5", IPPROTO_AH) },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "GENEVE from a denied source", RS_BASIC,
	  { .src = DENIED_SRC, .dst = DP4, .proto = IPPROTO_UDP, .dport = VFW_GENEVE_PORT },
	  DROPS(DEFAULT_DENY, NO_RULE) },
	{ "GENEVE from an ip-rule source", RS_BASIC,
	  { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_UDP, .dport = VFW_GENEVE_PORT },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "IPv6 in IPv6 untagged", RS_BASIC, { PROTO6_TO(IPPROTO_IPV6) }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "IPv6 UDP to a VXLAN port is never opened", RS_BASIC,
	  { .src = SRC6, .dst = DP6, .proto = IPPROTO_UDP, .dport = VFW_VXLAN_PORT },
	  DROPS(DEFAULT_DENY, NO_RULE) },

	/* SPEC §2: port-less control protocols pass in IPv4 and IPv6 alike */
	{ "OSPF to a data-plane address", RS_BASIC, { PROTO_TO(DENIED_SRC, 89) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "VRRP to a data-plane address", RS_BASIC, { PROTO_TO(DENIED_SRC, 112) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "PIM to a data-plane address", RS_BASIC, { PROTO_TO(DENIED_SRC, IPPROTO_PIM) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "OSPFv3 to a data-plane address", RS_BASIC, { PROTO6_TO(89) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "VRRPv3 to a data-plane address", RS_BASIC, { PROTO6_TO(112) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "IPv6 PIM to a data-plane address", RS_BASIC, { PROTO6_TO(IPPROTO_PIM) },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "OSPFv3 after a hop-by-hop header", RS_BASIC,
	  { PROTO6_TO(89), .ext = { IPPROTO_HOPOPTS }, .n_ext = 1 }, PASSES(CONTROL_PLANE, NO_RULE) },

	/* SPEC §2: the innermost VLAN id that is not 0 is the tag */
	{ "outer VLAN, inner priority tag: the outer VLAN is the tag", RS_BASIC,
	  { QINQ(102, 0), HTTPS_FROM("203.0.113.5") }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "bound outer VLAN, inner priority tag", RS_BASIC,
	  { QINQ(101, 0), HTTPS_FROM("10.2.0.1") }, PASSES(VNET_RULE, ADM_RULE) },
	{ "outer priority tag, inner VLAN", RS_BASIC,
	  { QINQ(0, 101), HTTPS_FROM("10.2.0.1") }, PASSES(VNET_RULE, ADM_RULE) },
	{ "two priority tags are untagged", RS_BASIC,
	  { QINQ(0, 0), HTTPS_FROM("203.0.113.5") }, PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },

	/* Many rules: 1000 IP rules and 200 subnet rules */
	{ "big: first ip rule", RS_BIG, { HTTPS_FROM("45.0.0.9") }, PASSES(IP_RULE, IP_RULE("45.0.0.0/24")) },
	{ "big: middle ip rule", RS_BIG, { HTTPS_FROM("45.2.7.200") }, PASSES(IP_RULE, IP_RULE("45.2.7.0/24")) },
	{ "big: last ip rule", RS_BIG, { HTTPS_FROM("45.3.249.1") }, PASSES(IP_RULE, IP_RULE("45.3.249.0/24")) },
	{ "big: beyond the ip rules", RS_BIG, { HTTPS_FROM("45.3.250.1") }, DROPS(DEFAULT_DENY, NO_RULE) },
	{ "big: lower subnet of a VNI", RS_BIG, { VXLAN(BIG_VNI_BASE + 42, HTTPS_FROM("10.42.0.100")) },
	  PASSES(VNET_RULE, VNET_RULE(BIG_SUBNET "84")) },
	{ "big: upper subnet of a VNI", RS_BIG, { VXLAN(BIG_VNI_BASE + 99, HTTPS_FROM("10.99.0.200")) },
	  PASSES(VNET_RULE, VNET_RULE(BIG_SUBNET "199")) },
	{ "big: source of another VNI's subnet", RS_BIG, { VXLAN(BIG_VNI_BASE + 42, HTTPS_FROM("10.43.0.1")) },
	  DROPS(DEFAULT_DENY, NO_RULE) },

	/* Issue 14: public access Disabled under a perimeter. The perimeter
	 * step comes first: swapped, these would end in step 4 instead. */
	{ "public access disabled, enforced perimeter: access rule admits", RS_PNA_OFF_PERIM_ENFORCED,
	  { HTTPS_FROM("198.51.100.9") }, PASSES(PERIMETER_RULE, ACCESS_RULE("corp")) },
	{ "public access disabled, enforced perimeter: member admitted", RS_PNA_OFF_PERIM_ENFORCED,
	  { HTTPS_FROM("203.0.113.70") }, PASSES(PERIMETER_RULE, MEMBER_RULE("app-storage")) },
	{ "public access disabled, enforced perimeter: unknown source", RS_PNA_OFF_PERIM_ENFORCED,
	  { HTTPS_FROM("192.0.2.77") }, DROPS(PERIMETER_DENY, NO_RULE) },
	{ "public access disabled, enforced perimeter: trusted tag denied", RS_PNA_OFF_PERIM_ENFORCED,
	  { DOT1Q(300), HTTPS_FROM("10.3.0.1") }, DROPS(PERIMETER_DENY, NO_RULE) },
	/* The access rule's /24 covers the trusted /25: pushed down, it wins. */
	{ "public access disabled, enforced perimeter: trusted prefix in an access rule",
	  RS_PNA_OFF_PERIM_ENFORCED, { HTTPS_FROM("198.51.100.200") },
	  PASSES(PERIMETER_RULE, ACCESS_RULE("corp")) },
	{ "public access disabled, enforced perimeter: private endpoint first",
	  RS_PNA_OFF_PERIM_ENFORCED, { VXLAN(7001, HTTPS_FROM("10.7.1.9")) },
	  PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-app")) },
	{ "public access disabled, audit perimeter: would-deny beside the drop",
	  RS_PNA_OFF_PERIM_AUDIT, { HTTPS_FROM("192.0.2.77") },
	  DROPS_AUDITED(PUBLIC_ACCESS_DISABLED, NO_RULE) },
	{ "public access disabled, audit perimeter: would-deny beside a trusted tag",
	  RS_PNA_OFF_PERIM_AUDIT, { DOT1Q(300), HTTPS_FROM("10.3.0.1") },
	  PASSES_AUDITED(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "public access disabled, audit perimeter: perimeter source still dropped",
	  RS_PNA_OFF_PERIM_AUDIT, { HTTPS_FROM("198.51.100.9") },
	  DROPS(PUBLIC_ACCESS_DISABLED, NO_RULE) },
	{ "public access disabled, audit perimeter: trusted perimeter source",
	  RS_PNA_OFF_PERIM_AUDIT, { HTTPS_FROM("198.51.100.200") },
	  PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },

	/* Issue 14: a first fragment (MF set, offset 0) carries its ports. */
	{ "first fragment to a control-plane port", RS_BASIC,
	  { TCP("198.51.100.50", DP4, 22), .more_frags = true }, PASSES(CONTROL_PLANE, NO_RULE) },
	{ "first fragment with a truncated TCP header", RS_BASIC,
	  { HTTPS_FROM("198.51.100.50"), .more_frags = true, .l4_keep = 12 },
	  DROPS(MALFORMED, NO_RULE) },
	{ "first fragment of ICMP to a data-plane address", RS_BASIC,
	  { .src = "198.51.100.50", .dst = DP4, .proto = IPPROTO_ICMP, .more_frags = true },
	  PASSES(CONTROL_PLANE, NO_RULE) },

	/* Issue 14: a data-plane port is a protocol and a number. */
	{ "tcp/443 only: udp/443 is control plane", RS_TCP443_ONLY,
	  { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_UDP, .dport = HTTPS },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "tcp/443 only: tcp/443 is data plane", RS_TCP443_ONLY, { HTTPS_FROM("203.0.113.5") },
	  PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
	{ "udp/443 only: tcp/443 is control plane", RS_UDP443_ONLY, { HTTPS_FROM("198.51.100.50") },
	  PASSES(CONTROL_PLANE, NO_RULE) },
	{ "udp/443 only: udp/443 is data plane", RS_UDP443_ONLY,
	  { .src = "198.51.100.50", .dst = DP4, .proto = IPPROTO_UDP, .dport = HTTPS },
	  DROPS(DEFAULT_DENY, NO_RULE) },

	/* Issue 14: every category of a covering prefix reaches the entries
	 * it covers (the push-down in user/compile.c). */
	{ "public access disabled: trusted prefix covers an ip rule", RS_PNA_OFF_TRUSTED_OVER_IP,
	  { HTTPS_FROM("198.51.100.200") }, PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "public access disabled: trusted prefix beside the ip rule", RS_PNA_OFF_TRUSTED_OVER_IP,
	  { HTTPS_FROM("198.51.100.201") }, PASSES(TRUSTED_SERVICE, TRUSTED_RULE("backup")) },
	{ "tag-only private endpoint covers a subnet prefix", RS_PE_OVER_VNET,
	  { DOT1Q(800), HTTPS_FROM("10.8.0.5") }, PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-vlan")) },
	{ "tag-only private endpoint beside the subnet prefix", RS_PE_OVER_VNET,
	  { DOT1Q(800), HTTPS_FROM("10.9.0.5") }, PASSES(PRIVATE_ENDPOINT, PE_RULE("pe-vlan")) },

	/* Issue 14: the VLAN id is the low 12 bits of the TCI; priority and
	 * DEI (the top 4) are no part of it. */
	{ "802.1Q tag with priority and DEI bits", RS_BASIC,
	  { DOT1Q(0xf000 | 101), HTTPS_FROM("10.2.0.1") }, PASSES(VNET_RULE, ADM_RULE) },
	{ "VLAN id 0 with priority bits is untagged", RS_BASIC,
	  { DOT1Q(0xe000), HTTPS_FROM("203.0.113.5") }, PASSES(IP_RULE, IP_RULE("203.0.113.0/24")) },
};

static inline char *json_from_single_quotes(const char *text)
{
	char *json = strdup(text), *p;

	for (p = json; p && *p; p++)
		if (*p == '\'')
			*p = '"';
	return json;
}

/* RS_BIG: VFW_MAX_IP_RULES /24s from 45.0.0.0 up, and VFW_MAX_VNET_RULES
 * subnets, two /25s on each of BIG_VNIS VNIs. */
static inline char *make_big_ruleset(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int i;

	if (!out)
		return NULL;
	fprintf(out, "{'name': 'big', 'properties': {'networkAcls': {'defaultAction': 'Deny', "
		"'ipRules': [");
	for (i = 0; i < BIG_IP_RULES; i++)
		fprintf(out, "%s{'value': '45.%d.%d.0/24'}", i ? ", " : "", i / 250, i % 250);
	fprintf(out, "], 'virtualNetworkRules': [");
	for (i = 0; i < 2 * BIG_VNIS; i++)
		fprintf(out, "%s{'id': '%s%d'}", i ? ", " : "", BIG_SUBNET, i);
	fprintf(out, "]}}, 'host': {" DATAPLANE ", " HOST_VXLAN ", 'subnets': [");
	for (i = 0; i < 2 * BIG_VNIS; i++)
		fprintf(out, "%s{'id': '%s%d', 'vni': %d, 'prefix': '10.%d.0.%d/25'}",
			i ? ", " : "", BIG_SUBNET, i, BIG_VNI_BASE + i / 2, i / 2, i % 2 * 128);
	fprintf(out, "]}}");
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

#endif /* VFW_TEST_DATAPATH_CASES_H */
