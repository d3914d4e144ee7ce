// SPDX-License-Identifier: GPL-2.0
/* vaultfw XDP program: map declarations (the datapath follows below). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "vaultfw.h"

struct vfw_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VFW_TRIE_MAX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* libbpf 1.1 cannot size a typed key inside an inner map
	 * definition; userspace creates each trie with full BTF. */
	__uint(key_size, sizeof(struct vfw_lpm_key));
	__uint(value_size, sizeof(struct vfw_lpm_val));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vfw_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__type(value, struct vfw_config);
} vfw_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, VFW_SLOTS);
	__type(key, __u32);
	__array(values, struct vfw_trie);
} vfw_rulesets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vfw_counter);
} vfw_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFW_REASON_COUNT);
	__type(key, __u32);
	__type(value, struct vfw_counter);
} vfw_reasons SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct vfw_rule_meta);
} vfw_rule_meta SEC(".maps");

SEC("xdp")
int vaultfw_xdp(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
