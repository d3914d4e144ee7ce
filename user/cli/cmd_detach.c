// SPDX-License-Identifier: GPL-2.0
/* vaultfw detach IFACE */
#include "options.h"
#include "txn.h"

struct detach_params {
	char unused;
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	(void)params;
	(void)n_pos;
	return vfw_detach(pos[0], err, errlen);
}

const struct vfw_command vfw_cmd_detach = {
	.name = "detach", .args = "IFACE",
	.summary = "detach the filter from IFACE and remove its state",
	.params_size = sizeof(struct detach_params), .min_pos = 1, .max_pos = 1, .run = run,
};
