// SPDX-License-Identifier: GPL-2.0
/* vaultfw update IFACE --default-action A --bypass B --public-network-access P */
#include "edit.h"
#include "options.h"

struct update_params {
	struct vfw_edit edit;
};

#define P struct update_params
static const struct vfw_option opts[] = {
	VFW_OPT_STRING(P, edit.default_action, "default-action", 0, "Allow|Deny",
		       "networkAcls.defaultAction"),
	VFW_OPT_STRING(P, edit.bypass, "bypass", 0, "AzureServices|None", "networkAcls.bypass"),
	VFW_OPT_STRING(P, edit.public_network_access, "public-network-access", 0, "V",
		       "Enabled, Disabled or SecuredByPerimeter"),
	VFW_OPT_END,
};
#undef P

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct update_params *p = params;

	(void)n_pos;
	return vfw_update_cmd(pos[0], &p->edit, err, errlen);
}

const struct vfw_command vfw_cmd_update = {
	.name = "update", .args = "IFACE",
	.summary = "set defaultAction, bypass or publicNetworkAccess on IFACE",
	.opts = opts, .params_size = sizeof(struct update_params),
	.min_pos = 1, .max_pos = 1, .run = run,
};
