// SPDX-License-Identifier: GPL-2.0
/* vaultfw stats IFACE [--json | --format F] [--watch [--interval S]] */
#include "options.h"
#include "watch.h"

struct stats_params {
	struct vfw_stats_request req;
};

static const struct vfw_option opts[] = {
	VFW_OPT_FLAG(struct stats_params, req.json, "json", 'j', "print JSON instead of a table"),
	VFW_OPT_FLAG(struct stats_params, req.watch, "watch", 0,
		     "refresh a table sorted by rate until Ctrl-C"),
	VFW_OPT_STRING(struct stats_params, req.interval, "interval", 0, "S",
		       "seconds between refreshes (default 1)"),
	VFW_OPT_STRING(struct stats_params, req.format, "format", 0, "F",
		       "table, json or prometheus (text exposition format)"),
	VFW_OPT_STRING(struct stats_params, req.output, "output", 0, "PATH",
		       "prometheus: write PATH atomically, not stdout"),
	VFW_OPT_END,
};

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct stats_params *p = params;

	(void)n_pos;
	return vfw_stats_run(pos[0], &p->req, err, errlen);
}

const struct vfw_command vfw_cmd_stats = {
	.name = "stats", .args = "IFACE",
	.summary = "show packet and byte counters per reason and per rule",
	.opts = opts, .params_size = sizeof(struct stats_params),
	.min_pos = 1, .max_pos = 1, .run = run,
};
