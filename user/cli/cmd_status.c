// SPDX-License-Identifier: GPL-2.0
/* vaultfw status [IFACE] [--json] */
#include "options.h"
#include "status.h"

struct status_params {
	bool json;
};

static const struct vfw_option opts[] = {
	VFW_OPT_FLAG(struct status_params, json, "json", 'j', "print JSON instead of text"),
	VFW_OPT_END,
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct status_params *p = params;

	return vfw_status(n_pos ? pos[0] : NULL, p->json, err, errlen);
}

const struct vfw_command vfw_cmd_status = {
	.name = "status", .args = "[IFACE]",
	.summary = "show the filter on IFACE, or on every interface",
	.opts = opts, .params_size = sizeof(struct status_params),
	.min_pos = 0, .max_pos = 1, .run = run,
};
