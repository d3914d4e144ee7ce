// SPDX-License-Identifier: GPL-2.0
/*
 * The rule compiler (push-down, flags, rule order, limits) and the atomic
 * installer (slots, stable ids, counters, failure leaves the live slot
 * alone) against real maps from the skeleton, loaded but not attached.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "compile.h"
#include "document.h"
#include "log.h"
#include "rules.h"
#include "pins.h"
#include "ruleset.h"
#include "stats.h"
#include "testlib.h"
#include "vaultfw.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct test_totals totals;

/* ---- helpers: rules from JSON, or built by hand past the parser's limits */

static bool compile_json(const char *json, struct vfw_compiled *c)
{
	struct vfw_rules rules;
	char err[512] = "";
	int ret;

	ret = vfw_rules_parse(json, strlen(json), "test.json", &rules, err, sizeof(err));
	if (!ASSERT_EQ(ret, 0, err))
		return false;
	ret = vfw_compile(&rules, c, err, sizeof(err));
	vfw_rules_free(&rules);
	return ASSERT_EQ(ret, 0, err);
}

static struct vfw_prefix prefix(const char *cidr)
{
	char addr[INET_ADDRSTRLEN] = "";
	struct vfw_prefix p = {};
	struct in_addr in = {};
	unsigned int len = 32;

	sscanf(cidr, "%15[0-9.]/%u", addr, &len);
	inet_pton(AF_INET, addr, &in);
	p.addr = ntohl(in.s_addr);
	p.len = len;
	return p;
}

static struct vfw_lpm_key lpm_key(__u32 tag_kind, __u32 tag_id, const char *cidr)
{
	struct vfw_prefix p = prefix(cidr);
	struct vfw_lpm_key key = {
		.prefixlen = VFW_TAG_BITS + p.len,
		.tag_kind = tag_kind,
		.tag_id = tag_id,
	};
	__u32 addr = htonl(p.addr);

	memcpy(key.addr, &addr, sizeof(key.addr));
	return key;
}

static const struct vfw_entry *find_entry(const struct vfw_compiled *c, __u32 tag_kind,
					  __u32 tag_id, const char *cidr)
{
	struct vfw_lpm_key key = lpm_key(tag_kind, tag_id, cidr);
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		if (!memcmp(&c->entries[i].key, &key, sizeof(key)))
			return &c->entries[i];
	return NULL;
}

static bool entries_on_tag(const struct vfw_compiled *c, __u32 tag_kind, __u32 tag_id)
{
	size_t i;

	for (i = 0; i < c->n_entries; i++)
		if (c->entries[i].key.tag_kind == tag_kind &&
		    c->entries[i].key.tag_id == tag_id)
			return true;
	return false;
}

static int rule_index(const struct vfw_compiled *c, enum vfw_rule_kind kind,
		      const char *name)
{
	size_t i;

	for (i = 0; i < c->n_rules; i++)
		if (c->rules[i].kind == kind && !strcmp(c->rules[i].name, name))
			return i;
	return -1;
}

#define CAT(c) (1U << (c))

/* ---- compiler */

static bool test_push_down_trusted_inside_ip(void)
{
	const char *json = "{\"properties\": {\"networkAcls\": {\"defaultAction\": \"Deny\","
		"  \"ipRules\": [{\"value\": \"198.51.100.0/24\"}]}},"
		" \"host\": {\"trustedServices\": [{\"name\": \"backup\","
		"  \"prefixes\": [\"198.51.100.7/32\"]}]}}";
	struct vfw_compiled c;
	const struct vfw_entry *net, *host;
	bool ok;

	if (!compile_json(json, &c))
		return false;
	net = find_entry(&c, VFW_TAG_NONE, 0, "198.51.100.0/24");
	host = find_entry(&c, VFW_TAG_NONE, 0, "198.51.100.7/32");
	ok = ASSERT_EQ(c.n_entries, 2, "entries") &&
	     ASSERT_TRUE(net && host, "both entries") &&
	     ASSERT_EQ(net->val.cats, CAT(VFW_CAT_IP), "/24 categories") &&
	     ASSERT_EQ(net->val.rule_id[VFW_CAT_IP], 0, "/24 ip rule") &&
	     ASSERT_EQ(host->val.cats, CAT(VFW_CAT_IP) | CAT(VFW_CAT_TRUSTED),
		       "/32 carries both categories") &&
	     ASSERT_EQ(host->val.rule_id[VFW_CAT_IP], 0, "/32 credits the /24 ip rule") &&
	     ASSERT_EQ(host->val.rule_id[VFW_CAT_TRUSTED],
		       rule_index(&c, VFW_RULE_TRUSTED, "backup"), "/32 trusted rule");
	vfw_compiled_free(&c);
	return ok;
}

static bool test_nested_ip_rules_most_specific(void)
{
	const char *json = "{\"properties\": {\"networkAcls\": {\"ipRules\": ["
		" {\"value\": \"203.0.113.0/24\"}, {\"value\": \"203.0.113.5\"},"
		" {\"value\": \"203.0.113.0/28\"}, {\"value\": \"203.0.113.128/25\"}]}}}";
	struct vfw_compiled c;
	const struct vfw_entry *e24, *e32, *e28, *e25;
	bool ok;

	if (!compile_json(json, &c))
		return false;
	e24 = find_entry(&c, VFW_TAG_NONE, 0, "203.0.113.0/24");
	e32 = find_entry(&c, VFW_TAG_NONE, 0, "203.0.113.5/32");
	e28 = find_entry(&c, VFW_TAG_NONE, 0, "203.0.113.0/28");
	e25 = find_entry(&c, VFW_TAG_NONE, 0, "203.0.113.128/25");
	ok = ASSERT_EQ(c.n_entries, 4, "entries") &&
	     ASSERT_TRUE(e24 && e32 && e28 && e25, "all entries") &&
	     ASSERT_EQ(e24->val.rule_id[VFW_CAT_IP],
		       rule_index(&c, VFW_RULE_IP, "203.0.113.0/24"), "/24") &&
	     ASSERT_EQ(e32->val.rule_id[VFW_CAT_IP],
		       rule_index(&c, VFW_RULE_IP, "203.0.113.5/32"), "/32") &&
	     ASSERT_EQ(e28->val.rule_id[VFW_CAT_IP],
		       rule_index(&c, VFW_RULE_IP, "203.0.113.0/28"), "/28") &&
	     ASSERT_EQ(e25->val.rule_id[VFW_CAT_IP],
		       rule_index(&c, VFW_RULE_IP, "203.0.113.128/25"), "/25") &&
	     ASSERT_EQ(e32->val.cats, CAT(VFW_CAT_IP), "/32 categories");
	vfw_compiled_free(&c);
	return ok;
}

static bool test_same_key_first_rule_credited(void)
{
	const char *json = "{\"properties\": {},"
		" \"host\": {\"trustedServices\": ["
		"  {\"name\": \"first\", \"prefixes\": [\"192.0.2.0/24\"]},"
		"  {\"name\": \"second\", \"prefixes\": [\"192.0.2.0/24\", \"192.0.2.8/29\"]}]}}";
	struct vfw_compiled c;
	const struct vfw_entry *net, *sub;
	bool ok;

	if (!compile_json(json, &c))
		return false;
	net = find_entry(&c, VFW_TAG_NONE, 0, "192.0.2.0/24");
	sub = find_entry(&c, VFW_TAG_NONE, 0, "192.0.2.8/29");
	ok = ASSERT_EQ(c.n_entries, 2, "one entry per distinct key") &&
	     ASSERT_TRUE(net && sub, "entries") &&
	     ASSERT_EQ(net->val.rule_id[VFW_CAT_TRUSTED],
		       rule_index(&c, VFW_RULE_TRUSTED, "first"), "tie goes to the first") &&
	     ASSERT_EQ(sub->val.rule_id[VFW_CAT_TRUSTED],
		       rule_index(&c, VFW_RULE_TRUSTED, "second"), "longer prefix wins");
	vfw_compiled_free(&c);
	return ok;
}

static bool test_tag_only_and_prefix_on_one_vni(void)
{
	const char *subnet = "/subscriptions/1111/resourceGroups/rg/providers/"
			     "Microsoft.Network/virtualNetworks/app/subnets/web";
	char json[2048];
	struct vfw_compiled c;
	const struct vfw_entry *tag, *pfx;
	bool ok;

	snprintf(json, sizeof(json),
		 "{\"properties\": {\"networkAcls\": {\"defaultAction\": \"Deny\","
		 "  \"virtualNetworkRules\": [{\"id\": \"%s\"}]}},"
		 " \"host\": {\"vxlan\": {\"remotes\": [\"192.0.2.1\"]}, \"subnets\": ["
		 "  {\"id\": \"%s\", \"vni\": 5001, \"prefix\": \"10.1.0.0/24\"},"
		 "  {\"id\": \"/subscriptions/1111/x/subnets/adm\", \"vlan\": 5, \"prefix\": \"10.1.0.0/24\"}],"
		 "  \"trustedServices\": [{\"name\": \"scanner\", \"vni\": 5001}]}}",
		 subnet, subnet);
	if (!compile_json(json, &c))
		return false;
	tag = find_entry(&c, VFW_TAG_VNI, 5001, "0.0.0.0/0");
	pfx = find_entry(&c, VFW_TAG_VNI, 5001, "10.1.0.0/24");
	ok = ASSERT_EQ(c.n_entries, 2, "entries (unruled subnet adds none)") &&
	     ASSERT_TRUE(tag && pfx, "tag-only and prefix entries") &&
	     ASSERT_EQ(tag->key.prefixlen, VFW_TAG_BITS, "tag-only prefixlen") &&
	     ASSERT_EQ(pfx->key.prefixlen, VFW_TAG_BITS + 24, "prefix prefixlen") &&
	     ASSERT_EQ(tag->val.cats, CAT(VFW_CAT_TRUSTED), "tag-only categories") &&
	     ASSERT_EQ(pfx->val.cats, CAT(VFW_CAT_TRUSTED) | CAT(VFW_CAT_VNET),
		       "prefix inherits the tag's trusted service") &&
	     ASSERT_EQ(pfx->val.rule_id[VFW_CAT_VNET],
		       rule_index(&c, VFW_RULE_VNET, "/subscriptions/1111/resourcegroups/rg/"
				  "providers/microsoft.network/virtualnetworks/app/subnets/web"),
		       "vnet rule, lower-cased name") &&
	     ASSERT_EQ(pfx->val.rule_id[VFW_CAT_TRUSTED],
		       rule_index(&c, VFW_RULE_TRUSTED, "scanner"), "trusted rule") &&
	     ASSERT_TRUE(!entries_on_tag(&c, VFW_TAG_VLAN, 5),
			 "no entry for a subnet no rule names");
	vfw_compiled_free(&c);
	return ok;
}

static bool test_tags_do_not_mix(void)
{
	const char *json = "{\"properties\": {\"networkAcls\": {"
		"  \"virtualNetworkRules\": [{\"id\": \"/subscriptions/1/S/web\"}]}},"
		" \"host\": {\"vxlan\": {\"remotes\": [\"192.0.2.1\"]},"
		"  \"subnets\": [{\"id\": \"/SUBSCRIPTIONS/1/s/WEB\", \"vlan\": 101,"
		"   \"prefix\": \"10.2.0.0/24\"}],"
		"  \"trustedServices\": [{\"name\": \"t\", \"vni\": 101, \"prefixes\": [\"10.2.0.0/16\"]}]}}";
	struct vfw_compiled c;
	const struct vfw_entry *vlan;
	bool ok;

	if (!compile_json(json, &c))
		return false;
	vlan = find_entry(&c, VFW_TAG_VLAN, 101, "10.2.0.0/24");
	ok = ASSERT_TRUE(vlan, "vnet entry (ids match without case)") &&
	     ASSERT_EQ(vlan->val.cats, CAT(VFW_CAT_VNET),
		       "no push-down from VNI 101 or untagged into VLAN 101") &&
	     ASSERT_TRUE(find_entry(&c, VFW_TAG_VNI, 101, "0.0.0.0/0"), "vni entry") &&
	     ASSERT_TRUE(find_entry(&c, VFW_TAG_NONE, 0, "10.2.0.0/16"), "untagged entry");
	vfw_compiled_free(&c);
	return ok;
}

struct flag_case {
	const char *what;
	bool acls, allow, bypass;
	enum vfw_public_access pna;
	bool perimeter;
	enum vfw_perimeter_mode mode;
	__u32 want;
};

static bool test_config_flags(void)
{
	static const struct flag_case cases[] = {
		{ "no networkAcls", false, false, false, VFW_PNA_ENABLED, false, 0,
		  VFW_CFG_VALID | VFW_CFG_DEFAULT_ALLOW },
		{ "deny, no bypass", true, false, false, VFW_PNA_ENABLED, false, 0,
		  VFW_CFG_VALID },
		{ "allow", true, true, false, VFW_PNA_ENABLED, false, 0,
		  VFW_CFG_VALID | VFW_CFG_DEFAULT_ALLOW },
		{ "deny, bypass", true, false, true, VFW_PNA_ENABLED, false, 0,
		  VFW_CFG_VALID | VFW_CFG_BYPASS },
		{ "public disabled", true, false, true, VFW_PNA_DISABLED, false, 0,
		  VFW_CFG_VALID | VFW_CFG_BYPASS | VFW_CFG_PUBLIC_DISABLED },
		{ "perimeter learning", true, false, false, VFW_PNA_ENABLED, true,
		  VFW_PERIM_LEARNING, VFW_CFG_VALID | VFW_CFG_PERIMETER | VFW_CFG_PERIM_LEARNING },
		{ "perimeter audit", true, false, false, VFW_PNA_ENABLED, true,
		  VFW_PERIM_AUDIT, VFW_CFG_VALID | VFW_CFG_PERIMETER | VFW_CFG_PERIM_AUDIT },
		{ "perimeter enforced", true, false, false, VFW_PNA_ENABLED, true,
		  VFW_PERIM_ENFORCED,
		  VFW_CFG_VALID | VFW_CFG_PERIMETER | VFW_CFG_PERIM_ENFORCE },
		{ "secured by perimeter, learning", true, false, false,
		  VFW_PNA_SECURED_BY_PERIMETER, true, VFW_PERIM_LEARNING,
		  VFW_CFG_VALID | VFW_CFG_PERIMETER | VFW_CFG_PERIM_ENFORCE |
		  VFW_CFG_PUBLIC_PERIMETER | VFW_CFG_PERIM_LEARNING },
		{ "secured by perimeter, enforced", true, false, false,
		  VFW_PNA_SECURED_BY_PERIMETER, true, VFW_PERIM_ENFORCED,
		  VFW_CFG_VALID | VFW_CFG_PERIMETER | VFW_CFG_PERIM_ENFORCE |
		  VFW_CFG_PUBLIC_PERIMETER },
		{ "enforced mode without perimeter", true, true, true, VFW_PNA_DISABLED,
		  false, VFW_PERIM_ENFORCED,
		  VFW_CFG_VALID | VFW_CFG_DEFAULT_ALLOW | VFW_CFG_BYPASS |
		  VFW_CFG_PUBLIC_DISABLED },
	};
	char err[256] = "";
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct flag_case *fc = &cases[i];
		struct vfw_rules r = {
			.has_network_acls = fc->acls, .default_allow = fc->allow,
			.bypass_azure_services = fc->bypass, .public_access = fc->pna,
			.has_perimeter = fc->perimeter, .perimeter.mode = fc->mode,
		};
		struct vfw_compiled c;

		if (!ASSERT_EQ(vfw_compile(&r, &c, err, sizeof(err)), 0, fc->what))
			return false;
		ok &= ASSERT_EQ(c.config.flags, fc->want, fc->what);
		vfw_compiled_free(&c);
	}
	return ok;
}

static bool test_config_data_plane(void)
{
	const char *json = "{\"properties\": {\"publicNetworkAccess\": \"securedbyperimeter\"},"
		" \"host\": {\"dataPlane\": {\"addresses\": [\"192.0.2.10\", \"2001:db8::1\"],"
		"   \"ports\": [\"tcp/443\", \"udp/8443\"]},"
		"  \"perimeter\": {\"accessMode\": \"Learning\"}}}";
	struct vfw_compiled c;
	const __u8 v4[4] = { 192, 0, 2, 10 };
	bool ok;

	if (!compile_json(json, &c))
		return false;
	ok = ASSERT_EQ(c.config.flags, VFW_CFG_VALID | VFW_CFG_DEFAULT_ALLOW |
		       VFW_CFG_BYPASS | VFW_CFG_PERIMETER | VFW_CFG_PERIM_ENFORCE |
		       VFW_CFG_PUBLIC_PERIMETER | VFW_CFG_PERIM_LEARNING,
		       "flags from JSON") &&
	     ASSERT_EQ(c.config.n_dp_addrs, 2, "addresses") &&
	     ASSERT_EQ(c.config.dp_addrs[0].family, AF_INET, "first family") &&
	     ASSERT_TRUE(!memcmp(c.config.dp_addrs[0].addr, v4, 4), "first address") &&
	     ASSERT_EQ(c.config.dp_addrs[1].family, AF_INET6, "second family") &&
	     ASSERT_EQ(c.config.n_dp_ports, 2, "ports") &&
	     ASSERT_EQ(c.config.dp_ports[1].port, 8443, "second port") &&
	     ASSERT_EQ(c.config.dp_ports[1].proto, IPPROTO_UDP, "second proto") &&
	     ASSERT_EQ(c.config.generation, 0, "generation is the installer's");
	vfw_compiled_free(&c);
	return ok;
}

static const char full_example[] =
	"{\"name\": \"contoso-vault\", \"properties\": {"
	"  \"publicNetworkAccess\": \"Enabled\","
	"  \"networkAcls\": {\"defaultAction\": \"Deny\", \"bypass\": \"AzureServices\","
	"   \"ipRules\": [{\"value\": \"203.0.113.0/24\"}, {\"value\": \"198.51.100.7\"}],"
	"   \"virtualNetworkRules\": [{\"id\": \"/subscriptions/1111/resourceGroups/rg/providers/"
	"Microsoft.Network/virtualNetworks/app/subnets/web\"}]}},"
	" \"host\": {"
	"  \"vxlan\": {\"ports\": [4789], \"remotes\": [\"192.0.2.1/32\"]},"
	"  \"subnets\": [{\"id\": \"/subscriptions/1111/resourceGroups/rg/providers/"
	"Microsoft.Network/virtualNetworks/app/subnets/web\", \"vni\": 5001, \"prefix\": \"10.1.0.0/24\"}],"
	"  \"trustedServices\": [{\"name\": \"backup\", \"prefixes\": [\"20.38.0.0/16\"]}],"
	"  \"privateEndpoints\": [{\"name\": \"pe-app\", \"vni\": 7001, \"status\": \"Approved\"},"
	"   {\"name\": \"pe-wait\", \"vni\": 7002, \"status\": \"Pending\"},"
	"   {\"name\": \"pe-no\", \"vlan\": 7, \"prefix\": \"10.7.0.0/24\", \"status\": \"Rejected\"}],"
	"  \"perimeter\": {\"accessMode\": \"Enforced\","
	"   \"accessRules\": [{\"name\": \"corp\", \"direction\": \"Inbound\","
	"     \"addressPrefixes\": [\"198.51.100.0/24\"], \"subscriptions\": [{\"id\": \"/subscriptions/2222\"}]},"
	"    {\"name\": \"egress\", \"direction\": \"Outbound\", \"addressPrefixes\": [\"192.0.2.0/24\"]}],"
	"   \"subscriptions\": [{\"id\": \"/subscriptions/2222\", \"vnis\": [6001, 6002], \"vlans\": []}],"
	"   \"members\": [{\"name\": \"app-storage\", \"prefixes\": [\"203.0.113.64/27\"]}]}}}";

static bool test_rule_order_and_names(void)
{
	static const struct {
		enum vfw_rule_kind kind;
		const char *name;
	} want[] = {
		{ VFW_RULE_IP, "203.0.113.0/24" },
		{ VFW_RULE_IP, "198.51.100.7/32" },
		{ VFW_RULE_VNET, "/subscriptions/1111/resourcegroups/rg/providers/"
				 "microsoft.network/virtualnetworks/app/subnets/web" },
		{ VFW_RULE_TRUSTED, "backup" },
		{ VFW_RULE_PE, "pe-app" },
		{ VFW_RULE_PE, "pe-wait" },
		{ VFW_RULE_PE, "pe-no" },
		{ VFW_RULE_PERIM_ACCESS, "corp" },
		{ VFW_RULE_PERIM_MEMBER, "app-storage" },
	};
	struct vfw_compiled c;
	bool ok;
	size_t i;

	if (!compile_json(full_example, &c))
		return false;
	ok = ASSERT_EQ(c.n_rules, ARRAY_SIZE(want), "rules (outbound rule has none)");
	for (i = 0; ok && i < ARRAY_SIZE(want); i++)
		ok = ASSERT_EQ(c.rules[i].kind, want[i].kind, want[i].name) &&
		     ASSERT_STR_CONTAINS(c.rules[i].name, want[i].name, "name") &&
		     ASSERT_EQ(strlen(c.rules[i].name), strlen(want[i].name), want[i].name);
	vfw_compiled_free(&c);
	return ok;
}

static bool test_pending_endpoint_has_no_entry(void)
{
	struct vfw_compiled c;
	const struct vfw_entry *pe;
	bool ok;

	if (!compile_json(full_example, &c))
		return false;
	pe = find_entry(&c, VFW_TAG_VNI, 7001, "0.0.0.0/0");
	ok = ASSERT_TRUE(pe, "approved endpoint entry") &&
	     ASSERT_EQ(pe->val.cats, CAT(VFW_CAT_PE), "approved categories") &&
	     ASSERT_EQ(pe->val.rule_id[VFW_CAT_PE],
		       rule_index(&c, VFW_RULE_PE, "pe-app"), "approved rule") &&
	     ASSERT_TRUE(rule_index(&c, VFW_RULE_PE, "pe-wait") >= 0, "pending rule") &&
	     ASSERT_TRUE(!entries_on_tag(&c, VFW_TAG_VNI, 7002), "pending admits nothing") &&
	     ASSERT_TRUE(!entries_on_tag(&c, VFW_TAG_VLAN, 7), "rejected admits nothing");
	vfw_compiled_free(&c);
	return ok;
}

static bool test_perimeter_entries(void)
{
	int corp, member;
	struct vfw_compiled c;
	const struct vfw_entry *e6001, *e6002, *pfx, *mem, *ip;
	bool ok;

	if (!compile_json(full_example, &c))
		return false;
	corp = rule_index(&c, VFW_RULE_PERIM_ACCESS, "corp");
	member = rule_index(&c, VFW_RULE_PERIM_MEMBER, "app-storage");
	e6001 = find_entry(&c, VFW_TAG_VNI, 6001, "0.0.0.0/0");
	e6002 = find_entry(&c, VFW_TAG_VNI, 6002, "0.0.0.0/0");
	pfx = find_entry(&c, VFW_TAG_NONE, 0, "198.51.100.0/24");
	mem = find_entry(&c, VFW_TAG_NONE, 0, "203.0.113.64/27");
	ip = find_entry(&c, VFW_TAG_NONE, 0, "198.51.100.7/32");
	ok = ASSERT_TRUE(e6001 && e6002 && pfx && mem && ip, "entries") &&
	     ASSERT_EQ(e6001->val.rule_id[VFW_CAT_PERIM], corp, "subscription tag") &&
	     ASSERT_EQ(e6002->val.cats, CAT(VFW_CAT_PERIM), "subscription categories") &&
	     ASSERT_EQ(pfx->val.rule_id[VFW_CAT_PERIM], corp, "access prefix") &&
	     ASSERT_EQ(ip->val.cats, CAT(VFW_CAT_IP) | CAT(VFW_CAT_PERIM),
		       "ip rule inside the access prefix") &&
	     ASSERT_EQ(mem->val.cats, CAT(VFW_CAT_IP) | CAT(VFW_CAT_PERIM),
		       "member inside an ip rule") &&
	     ASSERT_EQ(mem->val.rule_id[VFW_CAT_PERIM], member, "member rule") &&
	     ASSERT_TRUE(!find_entry(&c, VFW_TAG_NONE, 0, "192.0.2.0/24"),
			 "outbound prefix ignored");
	vfw_compiled_free(&c);
	return ok;
}

/* Rules of a file, compiled, with the document that would be stored. */
static bool compile_file(const char *path, struct vfw_compiled *c, char **doc)
{
	struct vfw_rules rules;
	char err[512] = "";
	json_t *root;
	int ret;

	ret = vfw_rules_load_file(path, &rules, err, sizeof(err));
	if (!ASSERT_EQ(ret, 0, err))
		return false;
	ret = vfw_compile(&rules, c, err, sizeof(err));
	root = vfw_document_json(&rules);
	*doc = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	vfw_rules_free(&rules);
	return ASSERT_EQ(ret, 0, err) && ASSERT_TRUE(*doc, "document");
}

static bool same_rules_and_entries(const struct vfw_compiled *a, const struct vfw_compiled *b)
{
	bool ok = ASSERT_EQ(a->n_rules, b->n_rules, "rule count") &&
		  ASSERT_EQ(a->n_entries, b->n_entries, "entry count") &&
		  ASSERT_TRUE(!memcmp(&a->config, &b->config, sizeof(a->config)), "config");
	size_t i;

	for (i = 0; ok && i < a->n_rules; i++)
		ok = ASSERT_EQ(a->rules[i].kind, b->rules[i].kind, "rule kind") &&
		     ASSERT_STR_CONTAINS(a->rules[i].name, b->rules[i].name, "rule name") &&
		     ASSERT_EQ(strlen(a->rules[i].name), strlen(b->rules[i].name), "rule name");
	return ok && ASSERT_TRUE(!memcmp(a->entries, b->entries,
					 a->n_entries * sizeof(*a->entries)), "entries");
}

/* SPEC §1, issue 13.3: a perimeter configuration pasted from the API and
 * the flat form of the same perimeter are one rule set. */
static bool test_perimeter_pasted_same_as_flat(void)
{
	struct vfw_compiled pasted = {}, flat = {};
	char *pasted_doc = NULL, *flat_doc = NULL;
	bool ok;

	ok = compile_file("tests/rules/perimeter-pasted.json", &pasted, &pasted_doc) &&
	     compile_file("tests/rules/perimeter-flat.json", &flat, &flat_doc) &&
	     ASSERT_EQ(pasted.n_rules, 6, "ip rule, three inbound rules, two members") &&
	     ASSERT_TRUE(pasted.config.flags & VFW_CFG_PERIM_ENFORCE, "Enforced, pasted") &&
	     same_rules_and_entries(&pasted, &flat) &&
	     ASSERT_TRUE(!strcmp(pasted_doc, flat_doc), "one stored document (the flat form)");
	vfw_compiled_free(&pasted);
	vfw_compiled_free(&flat);
	free(pasted_doc);
	free(flat_doc);
	return ok;
}

static bool test_entry_limit(void)
{
	size_t n = VFW_TRIE_MAX_ENTRIES + 1, i;
	struct vfw_group group = { .name = "huge", .n_prefixes = n };
	struct vfw_rules r = { .trusted = &group, .n_trusted = 1 };
	struct vfw_compiled c;
	char err[256] = "", count[32];
	int ret;

	snprintf(count, sizeof(count), "%zu", n);
	group.prefixes = calloc(n, sizeof(*group.prefixes));
	if (!ASSERT_TRUE(group.prefixes, "calloc"))
		return false;
	for (i = 0; i < n; i++)
		group.prefixes[i] = (struct vfw_prefix){ .addr = 0x14000000 + i, .len = 32 };
	ret = vfw_compile(&r, &c, err, sizeof(err));
	free(group.prefixes);
	return ASSERT_EQ(ret, -E2BIG, "too many entries") &&
	       ASSERT_STR_CONTAINS(err, count, "message names the count") &&
	       ASSERT_TRUE(!c.entries && !c.rules, "nothing left allocated");
}

/*
 * Each trusted-service, member and access-rule prefix is one lookup entry,
 * and the trie holds VFW_TRIE_MAX_ENTRIES (100,000 such prefixes fit, as
 * SPEC §1 asks: test_fastpath): one entry more is refused in one line
 * naming that limit and where the entries come from.
 */
static bool test_entry_limit_names_trie(void)
{
	size_t n = VFW_TRIE_MAX_ENTRIES + 1, i;
	struct vfw_group groups[2] = {
		{ .name = "backup", .n_prefixes = n / 2, .n_tag_prefixes = n / 2 },
		{ .name = "storage", .n_prefixes = n - n / 2, .n_tag_prefixes = n - n / 2 - 10 },
	};
	struct vfw_rules r = { .trusted = &groups[0], .n_trusted = 1, .has_perimeter = true,
			       .perimeter = { .members = &groups[1], .n_members = 1 } };
	char err[512] = "", count[96], origin[160];
	struct vfw_compiled c;
	int ret;

	groups[0].prefixes = calloc(n, sizeof(*groups[0].prefixes));
	if (!ASSERT_TRUE(groups[0].prefixes, "calloc"))
		return false;
	groups[1].prefixes = groups[0].prefixes + n / 2;
	for (i = 0; i < n; i++)
		groups[0].prefixes[i] = (struct vfw_prefix){ .addr = 0x14000000 + (i << 8), .len = 24 };
	ret = vfw_compile(&r, &c, err, sizeof(err));
	free(groups[0].prefixes);
	snprintf(count, sizeof(count), "rule set needs %zu lookup entries, at most %d fit", n,
		 VFW_TRIE_MAX_ENTRIES);
	snprintf(origin, sizeof(origin), "%zu of the prefixes are trusted-service, perimeter-rule "
		 "and member prefixes (%zu from service tags)", n, n - 10);
	return ASSERT_EQ(ret, -E2BIG, "refused") &&
	       ASSERT_STR_CONTAINS(err, count, "count and limit") &&
	       ASSERT_STR_CONTAINS(err, "VFW_TRIE_MAX_ENTRIES", "names the limit") &&
	       ASSERT_STR_CONTAINS(err, origin, "says where they come from") &&
	       ASSERT_TRUE(!strchr(err, '\n'), "one line") &&
	       ASSERT_TRUE(!c.entries && !c.rules, "nothing left allocated");
}

static struct vfw_ip_rule *ip_rules_from(__u32 base, size_t n)
{
	struct vfw_ip_rule *ip = calloc(n, sizeof(*ip));
	size_t i;

	for (i = 0; ip && i < n; i++)
		ip[i].prefix = (struct vfw_prefix){ .addr = base + i, .len = 32 };
	return ip;
}

static bool test_rule_limit(void)
{
	struct vfw_rules r = { .has_network_acls = true, .n_ip_rules = VFW_MAX_RULES + 1 };
	struct vfw_compiled c;
	char err[256] = "", count[32];
	int ret;

	r.ip_rules = ip_rules_from(0x14000000, r.n_ip_rules);
	if (!ASSERT_TRUE(r.ip_rules, "calloc"))
		return false;
	ret = vfw_compile(&r, &c, err, sizeof(err));
	free(r.ip_rules);
	snprintf(count, sizeof(count), "%zu", r.n_ip_rules);
	return ASSERT_EQ(ret, -E2BIG, "too many rules") &&
	       ASSERT_STR_CONTAINS(err, count, "message names the count");
}

/* ---- installer */

struct fixture {
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int ncpus;
};

static bool fixture_open(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->ncpus = libbpf_num_possible_cpus();
	f->skel = vaultfw_bpf__open_and_load();
	if (!ASSERT_TRUE(f->skel, "vaultfw_bpf__open_and_load"))
		return false;
	vfw_maps_from_skel(f->skel, &f->maps);
	return true;
}

static void fixture_close(struct fixture *f)
{
	vaultfw_bpf__destroy(f->skel);	/* owns the map fds */
}

/* Rule sets A and B of IP /32 rules: B keeps A's 2nd and 4th, drops the
 * others and adds two. Addresses are 198.51.100.<n>. */
static const __u8 set_a[] = { 1, 2, 3, 4 };
static const __u8 set_b[] = { 2, 4, 5, 6 };

static bool compile_hosts(const __u8 *hosts, size_t n, struct vfw_compiled *c)
{
	struct vfw_ip_rule ip[16];
	struct vfw_rules r = { .has_network_acls = true, .ip_rules = ip, .n_ip_rules = n };
	char err[256] = "";
	size_t i;

	for (i = 0; i < n; i++)
		ip[i].prefix = (struct vfw_prefix){ .addr = 0xc6336400 | hosts[i], .len = 32 };
	return ASSERT_EQ(vfw_compile(&r, c, err, sizeof(err)), 0, err);
}

static int install_hosts(const struct fixture *f, const __u8 *hosts, size_t n,
			 const char *source)
{
	struct vfw_compiled c;
	int ret;

	if (!compile_hosts(hosts, n, &c))
		return -EINVAL;
	ret = vfw_ruleset_install(&f->maps, &c, source, NULL);
	vfw_compiled_free(&c);
	return ret;
}

static bool read_config(const struct fixture *f, __u32 slot, struct vfw_config *cfg)
{
	return ASSERT_EQ(bpf_map_lookup_elem(f->maps.config_fd, &slot, cfg), 0, "read config");
}

static bool read_meta(const struct fixture *f, __u32 id, struct vfw_rule_meta *m)
{
	return ASSERT_EQ(bpf_map_lookup_elem(f->maps.rule_meta_fd, &id, m), 0, "read meta");
}

/* Stable id of host 198.51.100.<host> in slot `slot`, or -1. */
static int id_of_host(const struct fixture *f, __u8 host, __u32 slot)
{
	struct vfw_rule_meta m;
	char name[32];
	__u32 id;

	snprintf(name, sizeof(name), "198.51.100.%u/32", host);
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (bpf_map_lookup_elem(f->maps.rule_meta_fd, &id, &m))
			return -1;
		if ((m.slots & (1U << slot)) && m.kind == VFW_RULE_IP && !strcmp(m.name, name))
			return id;
	}
	return -1;
}

static int slot_trie_fd(const struct fixture *f, __u32 slot)
{
	__u32 inner_id;

	if (bpf_map_lookup_elem(f->maps.rulesets_fd, &slot, &inner_id))
		return -errno;
	return bpf_map_get_fd_by_id(inner_id);
}

static __u32 slot_trie_id(const struct fixture *f, __u32 slot)
{
	__u32 inner_id = 0;

	bpf_map_lookup_elem(f->maps.rulesets_fd, &slot, &inner_id);
	return inner_id;
}

/* What the datapath would find for an untagged source in `slot`. */
static int trie_lookup(const struct fixture *f, __u32 slot, const char *src,
		       struct vfw_lpm_val *val)
{
	struct vfw_lpm_key key = lpm_key(VFW_TAG_NONE, 0, src);
	int fd = slot_trie_fd(f, slot), ret = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, val))
		ret = -errno;
	close(fd);
	return ret;
}

static bool set_counters(const struct fixture *f, __u32 id, __u64 packets)
{
	struct vfw_counter per_cpu[f->ncpus];
	int cpu;

	for (cpu = 0; cpu < f->ncpus; cpu++)
		per_cpu[cpu] = (struct vfw_counter){ .packets = packets, .bytes = packets * 100 };
	return ASSERT_EQ(bpf_map_update_elem(f->maps.rule_stats_fd, &id, per_cpu, BPF_ANY),
			 0, "write counters");
}

static __u64 packets_of(const struct fixture *f, __u32 id)
{
	struct vfw_counter per_cpu[f->ncpus];
	__u64 sum = 0;
	int cpu;

	if (bpf_map_lookup_elem(f->maps.rule_stats_fd, &id, per_cpu))
		return ~0ULL;
	for (cpu = 0; cpu < f->ncpus; cpu++)
		sum += per_cpu[cpu].packets;
	return sum;
}

static bool check_host_in_trie(const struct fixture *f, __u32 slot, __u8 host)
{
	struct vfw_lpm_val val;
	char src[32];

	snprintf(src, sizeof(src), "198.51.100.%u/32", host);
	return ASSERT_EQ(trie_lookup(f, slot, src, &val), 0, src) &&
	       ASSERT_EQ(val.cats, CAT(VFW_CAT_IP), src) &&
	       ASSERT_EQ(val.rule_id[VFW_CAT_IP], id_of_host(f, host, slot), src);
}

static bool test_install_first(void)
{
	struct vfw_config cfg;
	struct vfw_lpm_val val;
	struct fixture f;
	bool ok;
	size_t i;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A") &&
	     ASSERT_EQ(vfw_ruleset_active_slot(&f.maps), 0, "active slot") &&
	     read_config(&f, 0, &cfg) &&
	     ASSERT_EQ(cfg.flags, VFW_CFG_VALID | VFW_CFG_FAST | VFW_CFG_FAST_TAGGED, "config flags") &&
	     ASSERT_EQ(cfg.generation, 1, "generation") &&
	     ASSERT_TRUE(cfg.applied_unix >= (__u64)time(NULL) - 60, "applied_unix") &&
	     ASSERT_STR_CONTAINS(cfg.source, "a.json", "source");
	for (i = 0; ok && i < sizeof(set_a); i++)
		ok = check_host_in_trie(&f, 0, set_a[i]) &&
		     ASSERT_TRUE(id_of_host(&f, set_a[i], 0) < (int)sizeof(set_a), "low ids");
	ok = ok && ASSERT_EQ(trie_lookup(&f, 0, "198.51.100.9/32", &val), -ENOENT,
			     "unlisted source misses");
	fixture_close(&f);
	return ok;
}

static bool test_install_keeps_ids_and_counters(void)
{
	int ids_a[256], id;
	struct vfw_config cfg0, cfg1;
	struct vfw_rule_meta m;
	struct fixture f;
	bool ok;
	size_t i;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A");
	for (i = 0; ok && i < sizeof(set_a); i++) {
		ids_a[set_a[i]] = id_of_host(&f, set_a[i], 0);
		ok = set_counters(&f, ids_a[set_a[i]], 1000 + set_a[i]);
	}
	ok = ok && ASSERT_EQ(install_hosts(&f, set_b, sizeof(set_b), "b.json"), 0, "install B") &&
	     ASSERT_EQ(vfw_ruleset_active_slot(&f.maps), 1, "active flipped") &&
	     read_config(&f, 0, &cfg0) && read_config(&f, 1, &cfg1) &&
	     ASSERT_EQ(cfg1.generation, 2, "generation incremented") &&
	     ASSERT_STR_CONTAINS(cfg1.source, "b.json", "new source") &&
	     ASSERT_EQ(cfg0.generation, 1, "old slot untouched");
	for (i = 0; ok && i < sizeof(set_b); i++) {
		__u8 host = set_b[i];
		bool kept = host == 2 || host == 4;

		id = id_of_host(&f, host, 1);
		ok = ASSERT_TRUE(id >= 0, "rule in slot 1") && check_host_in_trie(&f, 1, host) &&
		     read_meta(&f, id, &m);
		if (ok && kept)
			ok = ASSERT_EQ(id, ids_a[host], "kept rule keeps its id") &&
			     ASSERT_EQ(packets_of(&f, id), (1000 + host) * f.ncpus,
				       "kept rule keeps its counters") &&
			     ASSERT_EQ(m.slots, 3, "kept rule in both slots");
		if (ok && !kept)
			ok = ASSERT_TRUE(id != ids_a[1] && id != ids_a[2] && id != ids_a[3] &&
					 id != ids_a[4], "new rule gets an id A did not use") &&
			     ASSERT_EQ(packets_of(&f, id), 0, "new rule counters zeroed") &&
			     ASSERT_EQ(m.slots, 2, "new rule only in slot 1");
	}
	for (i = 0; ok && i < 2; i++) {
		__u8 dropped = i ? 3 : 1;

		ok = read_meta(&f, ids_a[dropped], &m) &&
		     ASSERT_EQ(m.slots, 1, "dropped rule only in the old slot") &&
		     ASSERT_EQ(id_of_host(&f, dropped, 1), -1, "dropped rule not in slot 1");
	}
	fixture_close(&f);
	return ok;
}

/*
 * What `stats` reads after an update: the live slot's rules only (B dropped
 * A's 1 and 3, whose ids slot 0 still holds), each summed over every CPU.
 */
static bool test_stats_live_slot_only(void)
{
	struct vfw_stats s = {};
	unsigned int host;
	struct fixture f;
	bool ok;
	size_t i;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A") &&
	     ASSERT_EQ(install_hosts(&f, set_b, sizeof(set_b), "b.json"), 0, "install B");
	for (i = 0; ok && i < sizeof(set_b); i++)
		ok = set_counters(&f, id_of_host(&f, set_b[i], 1), 10 + set_b[i]);
	ok = ok && ASSERT_EQ(vfw_stats_read(&f.maps, &s), 0, "read stats") &&
	     ASSERT_EQ(s.live_slot, 1, "live slot") &&
	     ASSERT_EQ(s.n_rules, sizeof(set_b), "rules listed") &&
	     ASSERT_EQ(s.per_kind[VFW_RULE_IP], sizeof(set_b), "ip rules counted");
	for (i = 0; ok && i < s.n_rules; i++) {
		host = 0;
		sscanf(s.rules[i].meta.name, "198.51.100.%u/32", &host);
		ok = ASSERT_EQ(s.rules[i].id, id_of_host(&f, host, 1), s.rules[i].meta.name) &&
		     ASSERT_EQ(s.rules[i].total.packets, (10 + host) * f.ncpus,
			       "packets summed over every CPU");
	}
	vfw_stats_free(&s);
	fixture_close(&f);
	return ok;
}

static bool test_install_back_and_forth(void)
{
	int kept_id, used, live;
	struct vfw_rule_meta m;
	struct vfw_config cfg;
	struct fixture f;
	bool ok = true;
	__u32 id;
	int round;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A");
	kept_id = id_of_host(&f, 2, 0);
	ok = ok && set_counters(&f, kept_id, 7);
	for (round = 1; ok && round <= 50; round++) {
		bool b = round % 2;

		ok = ASSERT_EQ(install_hosts(&f, b ? set_b : set_a, 4, "x.json"), 0, "install") &&
		     ASSERT_EQ(vfw_ruleset_active_slot(&f.maps), round % 2, "slot alternates") &&
		     ASSERT_EQ(id_of_host(&f, 2, round % 2), kept_id, "kept id stable");
	}
	for (id = 0, used = 0, live = 0; ok && id < VFW_MAX_RULES; id++) {
		ok = read_meta(&f, id, &m);
		used += m.slots != 0;
		live += (m.slots & 1) != 0;	/* round 50 installed A into slot 0 */
		if (m.slots && id >= 6)
			ok = ASSERT_TRUE(false, "ids stay within |A u B|");
	}
	ok = ok && ASSERT_EQ(live, 4, "live ids") && ASSERT_TRUE(used <= 6, "ids in use") &&
	     ASSERT_EQ(packets_of(&f, kept_id), 7 * f.ncpus, "kept counters survive 50 installs") &&
	     read_config(&f, 0, &cfg) && ASSERT_EQ(cfg.generation, 51, "generation");
	fixture_close(&f);
	return ok;
}

struct live_snapshot {
	__u32 slot;
	__u32 trie_id;
	struct vfw_config config;
	__u32 live_slots[VFW_MAX_RULES];
};

static bool snapshot(const struct fixture *f, struct live_snapshot *s)
{
	struct vfw_rule_meta m;
	__u32 id;

	s->slot = vfw_ruleset_active_slot(&f->maps);
	s->trie_id = slot_trie_id(f, s->slot);
	if (!read_config(f, s->slot, &s->config))
		return false;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (!read_meta(f, id, &m))
			return false;
		s->live_slots[id] = m.slots & (1U << s->slot);
	}
	return true;
}

static bool same_live_state(const struct live_snapshot *before,
			    const struct live_snapshot *after)
{
	return ASSERT_EQ(after->slot, before->slot, "live slot") &&
	       ASSERT_EQ(after->trie_id, before->trie_id, "live trie") &&
	       ASSERT_TRUE(!memcmp(&after->config, &before->config, sizeof(after->config)),
			   "live config unchanged") &&
	       ASSERT_TRUE(!memcmp(after->live_slots, before->live_slots,
				   sizeof(after->live_slots)), "live rule ids unchanged");
}

static bool test_failed_install_keeps_live_slot(void)
{
	static struct live_snapshot before, after;
	struct vfw_compiled c;
	struct vfw_entry *grown;
	struct fixture f;
	bool ok;
	int ret;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A") &&
	     ASSERT_EQ(install_hosts(&f, set_b, sizeof(set_b), "b.json"), 0, "install B") &&
	     snapshot(&f, &before) && compile_hosts(set_a, sizeof(set_a), &c);
	if (!ok)
		goto out;
	grown = realloc(c.entries, (c.n_entries + 1) * sizeof(*grown));
	ok = ASSERT_TRUE(grown, "realloc");
	if (ok) {
		c.entries = grown;
		c.entries[c.n_entries] = c.entries[0];
		c.entries[c.n_entries++].key.prefixlen = VFW_TAG_BITS + 33;
		ret = vfw_ruleset_install(&f.maps, &c, "bad.json", NULL);
		ok = ASSERT_EQ(ret, -EINVAL, "trie refuses prefixlen 97") &&
		     snapshot(&f, &after) && same_live_state(&before, &after) &&
		     check_host_in_trie(&f, after.slot, 5);
	}
	vfw_compiled_free(&c);
out:
	fixture_close(&f);
	return ok;
}

static bool compile_range(__u32 base, size_t n, struct vfw_compiled *c)
{
	struct vfw_rules r = { .has_network_acls = true, .n_ip_rules = n };
	char err[256] = "";
	int ret;

	r.ip_rules = ip_rules_from(base, n);
	if (!ASSERT_TRUE(r.ip_rules, "calloc"))
		return false;
	ret = vfw_compile(&r, c, err, sizeof(err));
	free(r.ip_rules);
	return ASSERT_EQ(ret, 0, err);
}

static bool test_ids_exhausted(void)
{
	static struct live_snapshot before, after;
	struct vfw_compiled full = {}, other = {};
	struct fixture f;
	bool ok;

	if (!fixture_open(&f))
		return false;
	ok = compile_range(0x14000000, VFW_MAX_RULES, &full) &&
	     compile_range(0x15000000, 1, &other) &&
	     ASSERT_EQ(vfw_ruleset_install(&f.maps, &full, "full.json", NULL), 0, "fill ids") &&
	     snapshot(&f, &before) &&
	     ASSERT_EQ(vfw_ruleset_install(&f.maps, &other, "more.json", NULL), -ENOSPC,
		       "every id is live") &&
	     snapshot(&f, &after) && same_live_state(&before, &after);
	vfw_compiled_free(&full);
	vfw_compiled_free(&other);
	fixture_close(&f);
	return ok;
}

static int pin_maps(const struct fixture *f, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, f->skel->obj) {
		if (strchr(bpf_map__name(map), '.'))
			continue;	/* .rodata and friends */
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return -errno;
	}
	return 0;
}

/* Whatever maps the program declares, nothing pinned is left behind. */
static void unpin_all(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static __u32 pinned_id(const char *dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, VFW_PIN_RULES);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	return info.id;
}

/* Maps pinned by a vaultfw with another layout are refused, by name. */
static bool test_open_pinned_other_layout(void)
{
	char dir[] = "/sys/fs/bpf/vfw_test_XXXXXX", path[PATH_MAX], err[512] = "";
	struct vfw_maps pinned;
	struct fixture f;
	int old_meta = -1;
	bool ok;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_TRUE(mkdtemp(dir), "mkdtemp in bpffs") &&
	     ASSERT_EQ(pin_maps(&f, dir), 0, "pin maps");
	snprintf(path, sizeof(path), "%s/%s", dir, VFW_MAP_RULE_META);
	if (ok) {
		old_meta = bpf_map_create(BPF_MAP_TYPE_ARRAY, "old_meta", sizeof(__u32),
					  sizeof(struct vfw_rule_meta), VFW_MAX_RULES / 2, NULL);
		ok = ASSERT_TRUE(old_meta >= 0, "create a smaller meta map") &&
		     ASSERT_EQ(unlink(path), 0, "unpin meta") &&
		     ASSERT_EQ(bpf_obj_pin(old_meta, path), 0, "pin the smaller one");
	}
	ok = ok && ASSERT_EQ(vfw_maps_open_pinned(dir, &pinned, err, sizeof(err)), -EPROTO,
			     "refused") &&
	     ASSERT_STR_CONTAINS(err, path, "names the map") &&
	     ASSERT_STR_CONTAINS(err, "another version", "says why") &&
	     ASSERT_EQ(pinned.active_fd, -1, "fds -1");
	if (old_meta >= 0)
		close(old_meta);
	unpin_all(dir);
	fixture_close(&f);
	return ok;
}

static bool test_pinned_maps_and_trie(void)
{
	char dir[] = "/sys/fs/bpf/vfw_test_XXXXXX", err[512] = "";
	struct vfw_maps pinned;
	struct vfw_compiled a, b;
	struct fixture f;
	bool ok;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_TRUE(mkdtemp(dir), "mkdtemp in bpffs") &&
	     ASSERT_EQ(pin_maps(&f, dir), 0, "pin maps") &&
	     ASSERT_EQ(vfw_maps_open_pinned(dir, &pinned, err, sizeof(err)), 0, err) &&
	     compile_hosts(set_a, sizeof(set_a), &a) && compile_hosts(set_b, sizeof(set_b), &b);
	ok = ok && ASSERT_EQ(vfw_ruleset_install(&pinned, &a, "a.json", dir), 0, "install A") &&
	     ASSERT_EQ(pinned_id(dir), slot_trie_id(&f, 0), "pin is slot 0's trie") &&
	     ASSERT_EQ(vfw_ruleset_install(&pinned, &b, "b.json", dir), 0, "install B") &&
	     ASSERT_EQ(pinned_id(dir), slot_trie_id(&f, 1), "pin follows the flip");
	if (ok) {
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s/%s_new", dir, VFW_PIN_RULES);
		ok = ASSERT_TRUE(access(tmp, F_OK) && errno == ENOENT, "temporary pin gone");
	}
	vfw_maps_close(&pinned);
	ok = ok && ASSERT_EQ(pinned.active_fd, -1, "closed fds reset");
	vfw_compiled_free(&a);
	vfw_compiled_free(&b);
	unpin_all(dir);
	fixture_close(&f);
	return ok;
}

static bool test_open_pinned_missing(void)
{
	struct vfw_maps maps;
	char err[512] = "";
	int ret;

	ret = vfw_maps_open_pinned("/sys/fs/bpf/vfw_test_does_not_exist", &maps, err,
				   sizeof(err));
	return ASSERT_EQ(ret, -ENOENT, "missing dir") &&
	       ASSERT_STR_CONTAINS(err, "vfw_test_does_not_exist/" VFW_MAP_ACTIVE, "names the pin") &&
	       ASSERT_EQ(maps.active_fd, -1, "fds -1") &&
	       ASSERT_EQ(maps.rule_meta_fd, -1, "fds -1");
}

static bool test_trie_has_btf(void)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct fixture f;
	bool ok;
	int fd;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_EQ(install_hosts(&f, set_a, sizeof(set_a), "a.json"), 0, "install A");
	fd = ok ? slot_trie_fd(&f, 0) : -1;
	ok = ok && ASSERT_TRUE(fd >= 0, "trie fd") &&
	     ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0, "info") &&
	     ASSERT_TRUE(info.btf_id != 0, "trie has BTF") &&
	     ASSERT_TRUE(info.btf_key_type_id != 0 && info.btf_value_type_id != 0,
			 "trie key and value are typed") &&
	     ASSERT_EQ(info.map_flags, BPF_F_NO_PREALLOC, "flags") &&
	     ASSERT_EQ(info.max_entries, VFW_TRIE_MAX_ENTRIES, "max entries");
	if (fd >= 0)
		close(fd);
	fixture_close(&f);
	return ok;
}

/* 1000 IP rules and 200 vnet rules over 200 subnet bindings, 4 per VNI. */
static bool build_large(struct vfw_rules *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->has_network_acls = true;
	r->n_ip_rules = VFW_MAX_IP_RULES;
	r->n_vnet_rules = r->n_subnets = VFW_MAX_VNET_RULES;
	r->ip_rules = calloc(r->n_ip_rules, sizeof(*r->ip_rules));
	r->vnet_rules = calloc(r->n_vnet_rules, sizeof(*r->vnet_rules));
	r->subnets = calloc(r->n_subnets, sizeof(*r->subnets));
	if (!r->ip_rules || !r->vnet_rules || !r->subnets)
		return false;
	for (i = 0; i < r->n_ip_rules; i++)
		r->ip_rules[i].prefix = (struct vfw_prefix){
			.addr = 0x14000000 + (i << (i % 2 ? 0 : 8)), .len = i % 2 ? 32 : 24 };
	for (i = 0; i < r->n_vnet_rules; i++) {
		snprintf(r->vnet_rules[i].id, VFW_NAME_MAX,
			 "/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/"
			 "virtualNetworks/v%zu/subnets/S%zu", i / 4, i);
		memcpy(r->subnets[i].id, r->vnet_rules[i].id, VFW_NAME_MAX);
		r->subnets[i].tag = (struct vfw_tag){ .kind = VFW_TAG_VNI, .id = 5000 + i / 4 };
		r->subnets[i].has_prefix = true;
		r->subnets[i].prefix = (struct vfw_prefix){ .addr = 0x0a000000 | i << 8, .len = 24 };
	}
	return true;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static bool test_large_set_timing(void)
{
	struct vfw_compiled c = {};
	struct timespec t0;
	struct vfw_rules r;
	struct fixture f;
	char err[256] = "";
	double compile_ms;
	bool ok;

	if (!fixture_open(&f))
		return false;
	ok = ASSERT_TRUE(build_large(&r), "build");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = ok && ASSERT_EQ(vfw_compile(&r, &c, err, sizeof(err)), 0, err);
	compile_ms = ms_since(&t0);
	ok = ok && ASSERT_EQ(c.n_rules, 1200, "rules") && ASSERT_EQ(c.n_entries, 1200, "entries");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = ok && ASSERT_EQ(vfw_ruleset_install(&f.maps, &c, "large.json", NULL), 0, "install");
	if (ok)
		printf("  1000 IP + 200 subnet rules: compile %.2f ms, install %.2f ms\n",
		       compile_ms, ms_since(&t0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = ok && ASSERT_EQ(vfw_ruleset_install(&f.maps, &c, "large.json", NULL), 0, "reinstall");
	if (ok)
		printf("  same set again (all ids kept): install %.2f ms\n", ms_since(&t0));
	vfw_compiled_free(&c);
	free(r.ip_rules);
	free(r.vnet_rules);
	free(r.subnets);
	fixture_close(&f);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		bool (*fn)(void);
	} tests[] = {
		{ "compile_push_down_trusted_inside_ip", test_push_down_trusted_inside_ip },
		{ "compile_nested_ip_rules_most_specific", test_nested_ip_rules_most_specific },
		{ "compile_same_key_first_rule_credited", test_same_key_first_rule_credited },
		{ "compile_tag_only_and_prefix_on_one_vni", test_tag_only_and_prefix_on_one_vni },
		{ "compile_tags_do_not_mix", test_tags_do_not_mix },
		{ "compile_config_flags", test_config_flags },
		{ "compile_config_data_plane", test_config_data_plane },
		{ "compile_rule_order_and_names", test_rule_order_and_names },
		{ "compile_pending_endpoint_has_no_entry", test_pending_endpoint_has_no_entry },
		{ "compile_perimeter_entries", test_perimeter_entries },
		{ "compile_perimeter_pasted_same_as_flat", test_perimeter_pasted_same_as_flat },
		{ "compile_entry_limit", test_entry_limit },
		{ "compile_entry_limit_names_trie", test_entry_limit_names_trie },
		{ "compile_rule_limit", test_rule_limit },
		{ "install_first", test_install_first },
		{ "install_keeps_ids_and_counters", test_install_keeps_ids_and_counters },
		{ "install_back_and_forth", test_install_back_and_forth },
		{ "stats_live_slot_only", test_stats_live_slot_only },
		{ "install_failure_keeps_live_slot", test_failed_install_keeps_live_slot },
		{ "install_ids_exhausted", test_ids_exhausted },
		{ "install_pinned_maps_and_trie", test_pinned_maps_and_trie },
		{ "install_open_pinned_other_layout", test_open_pinned_other_layout },
		{ "install_open_pinned_missing", test_open_pinned_missing },
		{ "install_trie_has_btf", test_trie_has_btf },
		{ "install_large_set_timing", test_large_set_timing },
	};
	size_t i;

	test_init(argc, argv);
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		TEST_CASE(&totals, tests[i].name, tests[i].fn());
	return test_exit(&totals);
}
