// SPDX-License-Identifier: GPL-2.0
/*
 * The reference model (user/model.h) on its own, no kernel: one or more
 * hand-written cases for every step of SPEC §3 and every frame shape of
 * SPEC §2, so that the oracle of the differential test is itself checked
 * against the text of SPEC rather than against the datapath.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"	/* before linux/ headers: it brings the libc ones */
#include <linux/bpf.h>
#include "log.h"
#include "model.h"
#include "testlib.h"

#define DP4	"192.0.2.10"
#define DP6	"2001:db8::10"
#define SRC6	"2001:db8:1::5"
#define WEB	"/subscriptions/1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/app/subnets/web"

/* Single quotes become double quotes before parsing. */
#define HOST	"'dataPlane': {'addresses': ['" DP4 "', '" DP6 "'], 'ports': ['tcp/443', 'udp/443']}, " \
		"'vxlan': {'remotes': ['192.0.2.1']}, " \
		"'subnets': [{'id': '" WEB "', 'vni': 5001, 'prefix': '10.1.0.0/24'}, " \
		"{'id': '/subscriptions/1/x/adm', 'vlan': 101}], " \
		"'trustedServices': [{'name': 'backup', 'prefixes': ['198.51.100.128/25'], 'vlan': 300}, " \
		"{'name': 'backup2', 'prefixes': ['198.51.100.128/25', '198.51.100.192/26']}], " \
		"'privateEndpoints': [{'name': 'pe-app', 'vni': 7001, 'status': 'Approved'}, " \
		"{'name': 'pe-wait', 'vni': 7002, 'status': 'Pending'}, " \
		"{'name': 'pe-db', 'vni': 7004, 'prefix': '10.7.4.0/24', 'status': 'Approved'}]"
#define PERIM(mode) ", 'perimeter': {'accessMode': '" mode "', 'subscriptions': " \
		"[{'id': '/subscriptions/2', 'vnis': [6001]}], 'accessRules': [{'name': 'corp', " \
		"'direction': 'Inbound', 'addressPrefixes': ['198.51.100.0/24'], " \
		"'subscriptions': [{'id': '/subscriptions/2'}]}, {'name': 'out', 'direction': 'Outbound', " \
		"'addressPrefixes': ['203.0.113.0/24']}], 'members': [{'name': 'm', " \
		"'prefixes': ['203.0.113.64/27']}]}"
#define VAULT(pna, action, bypass, host) "{'properties': {'publicNetworkAccess': '" pna "', " \
		"'networkAcls': {'defaultAction': '" action "', 'bypass': '" bypass "', " \
		"'ipRules': [{'value': '203.0.113.0/24'}, {'value': '203.0.113.128/25'}], " \
		"'virtualNetworkRules': [{'id': '" WEB "'}, {'id': '/SUBSCRIPTIONS/1/x/ADM'}]}}, " \
		"'host': {" host "}}"

#define BASIC		VAULT("Enabled", "Deny", "AzureServices", HOST)

struct model_case {
	const char *desc;
	const char *rules;
	struct frame_spec frame;
	enum vfw_reason reason;
	unsigned int step;
	enum vfw_rule_kind kind;
	const char *rule;
	bool would_deny;
};

#define HTTPS(s)	.src = s, .dst = DP4, .proto = IPPROTO_TCP, .dport = 443
#define VLAN(v)		.tags = { { ETH_P_8021Q, v } }, .n_tags = 1
#define VXLAN_F(flags, id, ...) .src = "192.0.2.1", .dst = "192.0.2.99", .proto = IPPROTO_UDP, \
			.dport = VFW_VXLAN_PORT, .vxlan_flags = flags, .vni = id, \
			.inner = &(const struct frame_spec){ __VA_ARGS__ }
#define VXLAN(id, ...)	VXLAN_F(FRAME_VXLAN_I, id, __VA_ARGS__)
#define R(x)		VFW_REASON_##x
#define NONE		VFW_RULE_NONE, NULL, false
#define RULE(kind, name)	VFW_RULE_##kind, name, false

static const struct model_case cases[] = {
	/* SPEC §3, step by step */
	{ "step 1: approved private endpoint", BASIC, { VXLAN(7001, HTTPS("10.7.1.9")) },
	  R(PRIVATE_ENDPOINT), 1, RULE(PE, "pe-app") },
	{ "step 1: private endpoint prefix", BASIC, { VXLAN(7004, HTTPS("10.7.5.9")) },
	  R(DEFAULT_DENY), 9, NONE },
	{ "step 1: pending endpoint admits nothing", BASIC, { VXLAN(7002, HTTPS("10.7.2.9")) },
	  R(DEFAULT_DENY), 9, NONE },
	{ "step 2: enforced perimeter, member", VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Enforced")),
	  { HTTPS("203.0.113.70") }, R(PERIMETER_RULE), 2, RULE(PERIM_MEMBER, "m") },
	{ "step 2: enforced perimeter, subscription tag",
	  VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Enforced")),
	  { VXLAN(6001, HTTPS("10.6.0.1")) }, R(PERIMETER_RULE), 2, RULE(PERIM_ACCESS, "corp") },
	{ "step 2: outbound rules admit nothing",
	  VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Enforced")),
	  { HTTPS("203.0.113.5") }, R(PERIMETER_DENY), 2, NONE },
	{ "step 2: SecuredByPerimeter enforces Learning",
	  VAULT("securedByPerimeter", "Allow", "AzureServices", HOST PERIM("Learning")),
	  { HTTPS("192.0.2.77") }, R(PERIMETER_DENY), 2, NONE },
	{ "step 2: trusted bypass does not apply",
	  VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Enforced")),
	  { VLAN(300), HTTPS("10.3.0.1") }, R(PERIMETER_DENY), 2, NONE },
	{ "step 3: audit counts would-deny beside the reason",
	  VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Audit")),
	  { HTTPS("203.0.113.5") }, R(IP_RULE), 7, VFW_RULE_IP, "203.0.113.0/24", true },
	{ "step 3: perimeter source: no would-deny",
	  VAULT("Enabled", "Deny", "AzureServices", HOST PERIM("Learning")),
	  { HTTPS("198.51.100.9") }, R(DEFAULT_DENY), 9, NONE },
	{ "step 4: public access disabled", VAULT("Disabled", "Allow", "AzureServices", HOST),
	  { HTTPS("203.0.113.5") }, R(PUBLIC_ACCESS_DISABLED), 4, NONE },
	{ "step 4: trusted service with bypass", VAULT("DISABLED", "Deny", "AzureServices", HOST),
	  { HTTPS("198.51.100.200") }, R(TRUSTED_SERVICE), 4, RULE(TRUSTED, "backup2") },
	{ "step 4: trusted service without bypass", VAULT("Disabled", "Deny", "None", HOST),
	  { HTTPS("198.51.100.200") }, R(PUBLIC_ACCESS_DISABLED), 4, NONE },
	{ "step 5: default Allow", VAULT("Enabled", "Allow", "AzureServices", HOST),
	  { HTTPS("203.0.113.5") }, R(DEFAULT_ALLOW), 5, NONE },
	{ "step 5: no networkAcls", "{'properties': {}, 'host': {" HOST "}}",
	  { HTTPS("192.0.2.77") }, R(DEFAULT_ALLOW), 5, NONE },
	{ "step 6: trusted, tie goes to the first listed", BASIC,
	  { HTTPS("198.51.100.130") }, R(TRUSTED_SERVICE), 6, RULE(TRUSTED, "backup") },
	{ "step 6: trusted, longest prefix wins", BASIC,
	  { HTTPS("198.51.100.200") }, R(TRUSTED_SERVICE), 6, RULE(TRUSTED, "backup2") },
	{ "step 6: trusted tag", BASIC, { VLAN(300), HTTPS("10.3.0.1") },
	  R(TRUSTED_SERVICE), 6, RULE(TRUSTED, "backup") },
	{ "step 7: longest ip rule", BASIC, { HTTPS("203.0.113.200") },
	  R(IP_RULE), 7, RULE(IP, "203.0.113.128/25") },
	{ "step 7: ip rules are untagged only", BASIC, { VLAN(102), HTTPS("203.0.113.5") },
	  R(DEFAULT_DENY), 9, NONE },
	{ "step 8: vnet rule, id lower-cased", BASIC, { VLAN(101), HTTPS("10.2.0.1") },
	  R(VNET_RULE), 8, RULE(VNET, "/subscriptions/1/x/adm") },
	{ "step 8: subnet prefix", BASIC, { VXLAN(5001, HTTPS("10.1.0.255")) },
	  R(VNET_RULE), 8, RULE(VNET, "/subscriptions/1/resourcegroups/rg/providers/"
	  "microsoft.network/virtualnetworks/app/subnets/web") },
	{ "step 9: just outside the subnet", BASIC, { VXLAN(5001, HTTPS("10.1.1.0")) },
	  R(DEFAULT_DENY), 9, NONE },

	/* SPEC §2, frame shapes */
	{ "control plane port", BASIC, { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_TCP,
	  .dport = 22 }, R(CONTROL_PLANE), 0, NONE },
	{ "other destination", BASIC, { .src = "203.0.113.5", .dst = "192.0.2.99",
	  .proto = IPPROTO_TCP, .dport = 443 }, R(CONTROL_PLANE), 0, NONE },
	{ "ICMP", BASIC, { .src = "203.0.113.5", .dst = DP4, .proto = IPPROTO_ICMP },
	  R(CONTROL_PLANE), 0, NONE },
	{ "ARP", BASIC, { .ethertype = ETH_P_ARP }, R(NON_IP), 0, NONE },
	{ "QinQ: innermost tag", BASIC, { .tags = { { ETH_P_8021AD, 7 }, { ETH_P_8021Q, 101 } },
	  .n_tags = 2, HTTPS("10.2.0.1") }, R(VNET_RULE), 8, RULE(VNET, "/subscriptions/1/x/adm") },
	{ "three tags are malformed", BASIC, { .tags = { { ETH_P_8021AD, 7 }, { ETH_P_8021Q, 8 },
	  { ETH_P_8021Q, 101 } }, .n_tags = 3, HTTPS("10.2.0.1") }, R(MALFORMED), 0, NONE },
	{ "VLAN id 0 is untagged", BASIC, { VLAN(0), HTTPS("203.0.113.5") },
	  R(IP_RULE), 7, RULE(IP, "203.0.113.0/24") },
	{ "IPv4 options", BASIC, { HTTPS("203.0.113.5"), .opt_words = 10 },
	  R(IP_RULE), 7, RULE(IP, "203.0.113.0/24") },
	{ "IHL 4", BASIC, { HTTPS("203.0.113.5"), .ihl = 4 }, R(MALFORMED), 0, NONE },
	{ "total length beyond the frame", BASIC, { HTTPS("203.0.113.5"), .tot_len = 500 },
	  R(MALFORMED), 0, NONE },
	{ "truncated TCP to a data-plane address", BASIC, { HTTPS("203.0.113.5"), .l4_keep = 10 },
	  R(MALFORMED), 0, NONE },
	{ "later fragment: source alone", BASIC, { HTTPS("203.0.113.5"), .frag_offset = 10,
	  .l4_keep = 4 }, R(IP_RULE), 7, RULE(IP, "203.0.113.0/24") },
	{ "IPv6 untagged matches no prefix", BASIC, { .src = SRC6, .dst = DP6,
	  .proto = IPPROTO_TCP, .dport = 443 }, R(DEFAULT_DENY), 9, NONE },
	{ "IPv6 on a tag-only subnet", BASIC, { VLAN(101), .src = SRC6, .dst = DP6,
	  .proto = IPPROTO_TCP, .dport = 443 }, R(VNET_RULE), 8, RULE(VNET, "/subscriptions/1/x/adm") },
	{ "IPv6 ESP to a data-plane address", BASIC, { VLAN(101), .src = SRC6, .dst = DP6,
	  .proto = IPPROTO_ESP }, R(VNET_RULE), 8, RULE(VNET, "/subscriptions/1/x/adm") },
	{ "ICMPv6 is never filtered", BASIC, { .src = SRC6, .dst = DP6, .proto = IPPROTO_ICMPV6 },
	  R(CONTROL_PLANE), 0, NONE },
	{ "IPv6 five extension headers end the walk", BASIC, { .src = SRC6, .dst = DP6,
	  .proto = IPPROTO_TCP, .dport = 22, .ext = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
	  IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_DSTOPTS }, .n_ext = 5 }, R(DEFAULT_DENY), 9, NONE },
	{ "IPv6 header truncated", BASIC, { .src = SRC6, .dst = DP6, .proto = IPPROTO_TCP,
	  .dport = 443, .cut = ETH_HLEN + 30 }, R(MALFORMED), 0, NONE },
	{ "VXLAN without the I flag is plain UDP", BASIC, { VXLAN_F(0, 5001, HTTPS("10.1.0.5")) }, R(CONTROL_PLANE), 0, NONE },
	{ "VXLAN wins over the outer VLAN", BASIC, { VLAN(101), VXLAN(9, HTTPS("10.2.0.1")) },
	  R(DEFAULT_DENY), 9, NONE },
	{ "VXLAN header truncated", BASIC, { VXLAN(5001, HTTPS("10.1.0.5")), .l4_keep = 12 },
	  R(MALFORMED), 0, NONE },
	{ "VXLAN inner two tags", BASIC, { VXLAN(5001, .tags = { { ETH_P_8021Q, 1 },
	  { ETH_P_8021Q, 2 } }, .n_tags = 2, HTTPS("10.1.0.5")) }, R(MALFORMED), 0, NONE },
};

#define VERDICT(id, name, verdict) [VFW_REASON_##id] = verdict,
static const int verdicts[VFW_REASON_COUNT] = { VFW_REASONS(VERDICT) };
#undef VERDICT

static char *unquote(const char *text)
{
	char *json = strdup(text), *p;

	for (p = json; p && *p; p++)
		if (*p == '\'')
			*p = '"';
	return json;
}

static bool run_case(const struct model_case *tc)
{
	struct vfw_model_result res;
	struct vfw_rules rules = {};
	char err[512] = "", line[1024];
	char *json = unquote(tc->rules);
	struct frame f;
	bool ok;

	ok = ASSERT_TRUE(json, "memory") &&
	     ASSERT_EQ(vfw_rules_parse(json, strlen(json), "case", &rules, err, sizeof(err)), 0, err) &&
	     ASSERT_TRUE(frame_build(&tc->frame, &f), "build frame") &&
	     ASSERT_EQ(vfw_model_eval(&rules, f.data, f.len, &res), 0, "evaluate");
	if (ok) {
		fprintf(stderr, "  %s\n", vfw_model_format(&res, line, sizeof(line)));
		ok = ASSERT_EQ(res.reason, tc->reason, "reason") &
		     ASSERT_EQ(res.verdict, verdicts[tc->reason], "verdict") &
		     ASSERT_EQ(res.step, tc->step, "step") &
		     ASSERT_EQ(res.rule_kind, tc->kind, "rule kind") &
		     ASSERT_EQ(res.would_deny, tc->would_deny, "would-deny") &
		     ASSERT_TRUE(!tc->rule || !strcmp(res.rule_name, tc->rule), tc->rule ?: "rule");
	}
	vfw_rules_free(&rules);
	free(json);
	return ok;
}

int main(int argc, char **argv)
{
	struct test_totals totals = {};
	struct vfw_model_result res;
	struct vfw_rules rules = {};
	char name[160];
	size_t i;

	test_init(argc, argv);
	vfw_log_level = VFW_LOG_QUIET;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "model: %s", cases[i].desc);
		TEST_CASE(&totals, name, run_case(&cases[i]));
	}
	TEST_CASE(&totals, "model: NULL arguments are refused",
		  ASSERT_EQ(vfw_model_eval(&rules, NULL, 10, &res), -EINVAL, "eval"));
	TEST_CASE(&totals, "model: a frame shorter than Ethernet is malformed",
		  ASSERT_EQ(vfw_model_eval(&rules, "abc", 3, &res), 0, "eval") &&
		  ASSERT_EQ(res.reason, R(MALFORMED), "reason"));
	return test_exit(&totals);
}
