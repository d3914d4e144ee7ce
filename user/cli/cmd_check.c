// SPDX-License-Identifier: GPL-2.0
/* vaultfw check FILE */
#include "check.h"
#include "options.h"

struct check_params {
	char unused;	/* check takes no option of its own */
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	(void)params;
	(void)n_pos;
	return vfw_check(pos[0], err, errlen);
}

const struct vfw_command vfw_cmd_check = {
	.name = "check", .args = "FILE",
	.summary = "validate and compile a rules file, print what would be loaded",
	.params_size = sizeof(struct check_params), .min_pos = 1, .max_pos = 1, .run = run,
};
