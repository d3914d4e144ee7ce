// SPDX-License-Identifier: GPL-2.0
/* vaultfw show IFACE */
#include "edit.h"
#include "options.h"

struct show_params {
	char unused;
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	(void)params;
	(void)n_pos;
	return vfw_show(pos[0], err, errlen);
}

const struct vfw_command vfw_cmd_show = {
	.name = "show", .args = "IFACE",
	.summary = "print the rules in force on IFACE as a rules file",
	.params_size = sizeof(struct show_params), .min_pos = 1, .max_pos = 1, .run = run,
};
