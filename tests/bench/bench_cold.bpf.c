// SPDX-License-Identifier: GPL-2.0
/*
 * The cold per-frame cost of `make bench`: BPF_PROG_TEST_RUN repeats
 * cold_run on one template frame (an untagged data-plane IPv4 frame) and
 * the frame stays as the last run left it, so each run writes the next of
 * COLD_FRAMES sources into it and tail-calls the program under test: with
 * a repeat of COLD_FRAMES every source is judged once per pass, in an
 * order no cache has seen. cold_drop (this harness alone) and cold_touch
 * (one read of a random word of 64 MiB) are the references.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bench_cold.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, COLD_TARGETS);
	__type(key, __u32);
	__type(value, __u32);
} cold_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COLD_CORPORA * COLD_FRAMES);
	__type(key, __u32);
	__type(value, __u32);	/* network order */
} cold_sources SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COLD_TOUCH_WORDS);
	__type(key, __u32);
	__type(value, __u32);
} cold_memory SEC(".maps");

/* The test run stays on one CPU, so plain globals are safe. */
__u32 next_frame;
__u32 corpus_base;	/* first source of the corpus replayed */
__u32 target;		/* cold_targets slot of the program under test */

static __always_inline __u32 *frame_saddr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (data + COLD_SADDR_OFF + sizeof(__u32) > data_end)
		return NULL;
	return data + COLD_SADDR_OFF;
}

/* xdp.frags like vaultfw: a program array takes only one kind. */
SEC("xdp.frags")
int cold_run(struct xdp_md *ctx)
{
	__u32 idx = corpus_base + (next_frame++ & (COLD_FRAMES - 1));
	__u32 *saddr = frame_saddr(ctx), *src;

	src = bpf_map_lookup_elem(&cold_sources, &idx);
	if (!saddr || !src)
		return XDP_ABORTED;
	*saddr = *src;
	bpf_tail_call(ctx, &cold_targets, target);
	return XDP_ABORTED;
}

SEC("xdp.frags")
int cold_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

/* A multiplicative hash spreads neighbouring sources over the whole array. */
SEC("xdp.frags")
int cold_touch(struct xdp_md *ctx)
{
	__u32 *saddr = frame_saddr(ctx), idx, *word;

	if (!saddr)
		return XDP_ABORTED;
	idx = (*saddr * 2654435761u) & (COLD_TOUCH_WORDS - 1);
	word = bpf_map_lookup_elem(&cold_memory, &idx);
	return word && *word ? XDP_PASS : XDP_DROP;
}

char _license[] SEC("license") = "GPL";
