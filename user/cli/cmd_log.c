// SPDX-License-Identifier: GPL-2.0
/* vaultfw log IFACE [...] */
#include <errno.h>
#include "events.h"
#include "options.h"

struct log_params {
	struct vfw_events_opts o;
};

/* The rate stays a string (given or not decides what log does), but is
 * checked while parsing, so that a malformed one is a usage error (2). */
static int check_rate(const char *arg, void *field, char *err, size_t errlen)
{
	__u32 rate;

	if (vfw_events_parse_rate(arg, &rate, err, errlen))
		return -EINVAL;
	*(const char **)field = arg;
	return 0;
}

#define P struct log_params
static const struct vfw_option opts[] = {
	VFW_OPT_FLAG(P, o.json, "json", 'j', "print JSON lines instead of text"),
	VFW_OPT_STRING(P, o.reason, "reason", 0, "R", "show only events of reason R"),
	VFW_OPT_FLAG(P, o.follow, "follow", 0, "wait for new events until interrupted"),
	VFW_OPT_PARSED(P, o.rate, "rate", 0, "N",
		       "set the log rate (events/s per CPU, 0: off) and exit", check_rate),
	VFW_OPT_STRING(P, o.enable, "enable", 0, "R[,R...]|all", "log these reasons again, and exit"),
	VFW_OPT_STRING(P, o.disable, "disable", 0, "R[,R...]|all",
		       "stop logging these reasons, and exit"),
	VFW_OPT_END,
};
#undef P

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	struct log_params *p = params;

	(void)n_pos;
	p->o.ifname = pos[0];
	return vfw_events_run(&p->o, err, errlen);
}

const struct vfw_command vfw_cmd_log = {
	.name = "log", .args = "IFACE",
	.summary = "print the diagnostic log of denied and would-deny traffic",
	.opts = opts, .params_size = sizeof(struct log_params),
	.min_pos = 1, .max_pos = 1, .run = run,
};
