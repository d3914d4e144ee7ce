// SPDX-License-Identifier: GPL-2.0
/* vaultfw attach IFACE FILE [--mode M] [--log-rate N] [--replace] [--allow-unsafe-permissions] */
#include "events.h"
#include "log.h"
#include "options.h"
#include "perms.h"
#include "txn.h"
#include "xdp.h"

struct attach_params {
	enum xdp_attach_mode mode;
	__u32 log_rate;
	bool replace;
	bool allow_unsafe_perms;
};

static int parse_mode(const char *arg, void *field, char *err, size_t errlen)
{
	if (vfw_parse_xdp_mode(arg, field))
		return vfw_set_err(err, errlen, "unknown mode '%s' (native or generic)", arg);
	return 0;
}

/* Checked while parsing, so that a malformed rate is a usage error (2). */
static int parse_rate(const char *arg, void *field, char *err, size_t errlen)
{
	return vfw_events_parse_rate(arg, field, err, errlen);
}

static const struct vfw_option opts[] = {
	VFW_OPT_PARSED(struct attach_params, mode, "mode", 'm', "native|generic",
		       "XDP mode (default: native)", parse_mode),
	VFW_OPT_PARSED(struct attach_params, log_rate, "log-rate", 0, "N",
		       "log at most N events/s per CPU (default 1000, 0: off)", parse_rate),
	VFW_OPT_FLAG(struct attach_params, replace, "replace", 0,
		     "if vaultfw is attached, replace its rules atomically"),
	VFW_OPT_FLAG(struct attach_params, allow_unsafe_perms, "allow-unsafe-permissions", 0,
		     "load FILE even if others than root can write it or its directories"),
	VFW_OPT_END,
};

static void init(void *params)
{
	struct attach_params *p = params;

	p->mode = XDP_MODE_NATIVE;
	p->log_rate = VFW_LOG_RATE_DEFAULT;
}

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct attach_params *p = params;
	int ret;

	(void)n_pos;
	ret = vfw_check_rules_perms_unless(pos[1], p->allow_unsafe_perms, err, errlen);
	if (ret)
		return ret;
	if (p->replace)
		return vfw_attach_replace(pos[0], pos[1], p->mode, p->log_rate, err, errlen);
	return vfw_attach(pos[0], pos[1], p->mode, p->log_rate, err, errlen);
}

const struct vfw_command vfw_cmd_attach = {
	.name = "attach", .args = "IFACE FILE",
	.summary = "load the rules in FILE and attach the filter to IFACE",
	.opts = opts, .params_size = sizeof(struct attach_params), .init = init,
	.min_pos = 2, .max_pos = 2, .run = run,
};
