// SPDX-License-Identifier: GPL-2.0
/* vaultfw rule add|remove|list IFACE --ip-address A [A...] | --subnet ID | --subnet NAME --vnet-name V */
#include "edit.h"
#include "options.h"

struct rule_params {
	struct vfw_edit edit;
	bool json;
};

static int add_ip(const char *arg, void *field, char *err, size_t errlen)
{
	return vfw_edit_add_ip_address(field, arg, err, errlen);
}

static int add_subnet(const char *arg, void *field, char *err, size_t errlen)
{
	return vfw_edit_add_subnet(field, arg, err, errlen);
}

static const struct vfw_option opts[] = {
	VFW_OPT_WORDS(struct rule_params, edit, "ip-address", "A",
		      "IPv4 address or CIDR (a bare address is A/32)", add_ip),
	VFW_OPT_PARSED(struct rule_params, edit, "subnet", 0, "ID|NAME",
		       "subnet resource id, or a subnet name with --vnet-name (needs a "
		       "host.subnets binding)", add_subnet),
	VFW_OPT_STRING(struct rule_params, edit.vnet_name, "vnet-name", 0, "V",
		       "the virtual network of --subnet NAME, in the vault's subscription and "
		       "resource group"),
	VFW_OPT_FLAG(struct rule_params, json, "json", 'j', "list: print JSON"),
	VFW_OPT_END,
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct rule_params *p = params;

	(void)n_pos;
	return vfw_rule_cmd(pos[0], pos[1], &p->edit, p->json, err, errlen);
}

const struct vfw_command vfw_cmd_rule = {
	.name = "rule", .args = "ACTION IFACE",
	.summary = "add, remove or list (ACTION) IP and subnet rules on IFACE",
	.opts = opts, .params_size = sizeof(struct rule_params),
	.min_pos = 2, .max_pos = 2, .run = run,
};
