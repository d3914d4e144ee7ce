// SPDX-License-Identifier: GPL-2.0
/*
 * Whether this kernel can run libxdp's multi-program dispatcher: that
 * takes an freplace (BPF_PROG_TYPE_EXT) program replacing a global
 * function of an XDP program, which needs BPF trampolines. user/xdp.c
 * loads vfw_probe_xdp, then vfw_probe_ext against its vfw_probe_slot,
 * the test libxdp makes before it builds a dispatcher. Where it fails,
 * libxdp attaches a single program, which may then be loaded early.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__noinline int vfw_probe_slot(struct xdp_md *ctx)
{
	return ctx ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int vfw_probe_xdp(struct xdp_md *ctx)
{
	return vfw_probe_slot(ctx);
}

SEC("freplace/vfw_probe_slot")
int vfw_probe_ext(struct xdp_md *ctx)
{
	return ctx ? XDP_PASS : XDP_ABORTED;
}

char _license[] SEC("license") = "GPL";
