// SPDX-License-Identifier: GPL-2.0
/*
 * The parts of the rule edits that need no interface: the subnet id that
 * `rule add --subnet NAME --vnet-name V` builds from the vault's id, as
 * `az keyvault network-rule add` builds it. What needs an interface (the
 * edits themselves, their errors and warnings) is tests/e2e/edit.sh.
 */
#include <errno.h>
#include <string.h>
#include "edit.h"
#include "log.h"
#include "testlib.h"

#define VAULT	"/subscriptions/1111/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"
#define WEB	"/subscriptions/1111/resourceGroups/rg/providers/Microsoft.Network/" \
		"virtualNetworks/app/subnets/web"

struct id_case {
	const char *what;
	const char *vault, *vnet, *subnet;
	int ret;
	const char *want;
};

static const struct id_case cases[] = {
	{ "the vault's subscription and resource group", VAULT, "app", "web", 0, WEB },
	{ "segment names in any case, values kept as written",
	  "/SUBSCRIPTIONS/Ab-1/resourcegroups/My-RG/providers/Microsoft.KeyVault/vaults/v",
	  "App", "Web", 0, "/subscriptions/Ab-1/resourceGroups/My-RG/providers/"
	  "Microsoft.Network/virtualNetworks/App/subnets/Web" },
	{ "a vault id of subscription and group only", "/subscriptions/1111/resourceGroups/rg",
	  "app", "web", 0, WEB },
	{ "no resource group in the vault id", "/subscriptions/1111/providers/x", "app", "web",
	  -EINVAL, NULL },
	{ "not a resource id", "contoso-vault", "app", "web", -EINVAL, NULL },
	{ "an empty subscription", "/subscriptions//resourceGroups/rg", "app", "web",
	  -EINVAL, NULL },
	{ "a subnet name with a slash", VAULT, "app", "a/b", -EINVAL, NULL },
	{ "a virtual network name with a slash", VAULT, "a/b", "web", -EINVAL, NULL },
	{ "an empty subnet name", VAULT, "app", "", -EINVAL, NULL },
};

static bool run_case(const struct id_case *tc)
{
	char out[VFW_NAME_MAX] = "";
	int ret = vfw_edit_subnet_id(tc->vault, tc->vnet, tc->subnet, out, sizeof(out));

	return ASSERT_EQ(ret, tc->ret, "return") &&
	       (!tc->want || ASSERT_STR_CONTAINS(out, tc->want, "id")) &&
	       (!tc->want || ASSERT_EQ(strlen(out), strlen(tc->want), "length"));
}

static bool too_long(void)
{
	char out[32];

	return ASSERT_EQ(vfw_edit_subnet_id(VAULT, "app", "web", out, sizeof(out)),
			 -ENAMETOOLONG, "return");
}

int main(int argc, char **argv)
{
	struct test_totals totals = {};
	char name[160];
	size_t i;

	test_init(argc, argv);
	vfw_log_level = VFW_LOG_QUIET;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "edit: subnet id: %s", cases[i].what);
		TEST_CASE(&totals, name, run_case(&cases[i]));
	}
	TEST_CASE(&totals, "edit: subnet id: a buffer too short is refused", too_long());
	return test_exit(&totals);
}
