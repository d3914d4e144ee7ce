// SPDX-License-Identifier: GPL-2.0
/*
 * The live-traffic generator of `make bench`. BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs it once per frame on a copy of one
 * template; it rewrites that copy into the next frame of the corpus and
 * returns XDP_TX, which the kernel turns into a transmit out of the device
 * the test run is bound to (its ingress ifindex): one veth of a pair, whose
 * peer runs the program under test.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_gen.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BENCH_CORPUS_FRAMES);
	__type(key, __u32);
	__type(value, struct bench_gen_frame);
} bench_frames SEC(".maps");

/* The test run stays on one CPU, so a plain global is a safe cursor. */
__u32 next_frame;
/* The frames replayed: frame_base up, a power of two of them. */
__u32 frame_base;
__u32 frame_mask = BENCH_CORPUS_FRAMES - 1;
/* XDP_DROP instead measures what the generator alone costs. */
__u32 gen_action = XDP_TX;

SEC("xdp")
int bench_gen(struct xdp_md *ctx)
{
	__u32 idx = frame_base + (next_frame++ & frame_mask);
	struct bench_gen_frame *fr = bpf_map_lookup_elem(&bench_frames, &idx);
	__u32 len;

	if (!fr)
		return XDP_ABORTED;
	len = fr->len;
	if (len < BENCH_FRAME_MIN || len > BENCH_FRAME_MAX)
		return XDP_ABORTED;
	/* Pages are recycled with whatever length the last frame left. */
	if (bpf_xdp_adjust_tail(ctx, (int)len - (int)bpf_xdp_get_buff_len(ctx)))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, fr->data, len))
		return XDP_ABORTED;
	return gen_action;
}

char _license[] SEC("license") = "GPL";
