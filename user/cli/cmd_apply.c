// SPDX-License-Identifier: GPL-2.0
/* vaultfw apply IFACE FILE [--watch] [--allow-unsafe-permissions] */
#include "options.h"
#include "perms.h"
#include "txn.h"
#include "watch_apply.h"

struct apply_params {
	bool watch;
	bool allow_unsafe_perms;
};

static const struct vfw_option opts[] = {
	VFW_OPT_FLAG(struct apply_params, watch, "watch", 0,
		     "apply FILE again whenever it changes or on SIGHUP, until SIGTERM"),
	VFW_OPT_FLAG(struct apply_params, allow_unsafe_perms, "allow-unsafe-permissions", 0,
		     "load FILE even if others than root can write it or its directories"),
	VFW_OPT_END,
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct apply_params *p = params;

	(void)n_pos;
	if (p->watch)
		return vfw_apply_watch(pos[0], pos[1], p->allow_unsafe_perms, err, errlen);
	return vfw_check_rules_perms_unless(pos[1], p->allow_unsafe_perms, err, errlen) ?:
	       vfw_apply(pos[0], pos[1], NULL, err, errlen);
}

const struct vfw_command vfw_cmd_apply = {
	.name = "apply", .args = "IFACE FILE",
	.summary = "replace the rules on IFACE atomically, keeping counters",
	.opts = opts, .params_size = sizeof(struct apply_params),
	.min_pos = 2, .max_pos = 2, .run = run,
};
