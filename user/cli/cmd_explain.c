// SPDX-License-Identifier: GPL-2.0
/* vaultfw explain IFACE|FILE --src A [...] */
#include "explain.h"
#include "options.h"

struct explain_params {
	struct vfw_explain_request req;
};

#define P struct explain_params
static const struct vfw_option opts[] = {
	VFW_OPT_STRING(P, req.src, "src", 0, "A", "source address, IPv4 or IPv6 (required)"),
	VFW_OPT_STRING(P, req.dst, "dst", 0, "A", "destination (default: the first data-plane address)"),
	VFW_OPT_STRING(P, req.proto, "proto", 0, "tcp|udp",
		       "protocol (default: the first data-plane port's)"),
	VFW_OPT_STRING(P, req.dport, "dport", 0, "N",
		       "destination port (default: the first data-plane port)"),
	VFW_OPT_STRING(P, req.vlan, "vlan", 0, "N", "send the frame with this 802.1Q tag"),
	VFW_OPT_STRING(P, req.vni, "vni", 0, "N", "send the frame VXLAN-encapsulated with this VNI"),
	VFW_OPT_STRING(P, req.tunnel_src, "tunnel-src", 0, "A",
		       "VXLAN outer source (default: the first trusted remote)"),
	VFW_OPT_FLAG(P, req.live, "live", 0,
		     "IFACE|FILE is the interface, even where a file of that name is here "
		     "(./FILE says the file)"),
	VFW_OPT_END,
};
#undef P

static int run(void *params, const char *const *pos, int n_pos, char *err, size_t errlen)
{
	const struct explain_params *p = params;

	(void)n_pos;
	return vfw_explain(pos[0], &p->req, err, errlen);
}

const struct vfw_command vfw_cmd_explain = {
	.name = "explain", .args = "IFACE|FILE",
	.summary = "show the verdict the filter gives one frame, and why",
	.opts = opts, .params_size = sizeof(struct explain_params),
	.min_pos = 1, .max_pos = 1, .run = run,
};
