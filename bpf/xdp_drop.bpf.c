// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark floor: the cheapest XDP program there is. `make bench`
 * reports every filter's per-frame cost as a ratio to this one, measured in
 * the same round, so the test-run harness's own overhead cancels out.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
