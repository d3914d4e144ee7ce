/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of `vaultfw status` beyond the loader's text: the kernel memory
 * each map uses (the "memlock" bpftool reports, from /proc/PID/fdinfo), and
 * the whole status of an interface as JSON.
 */
#ifndef VFW_STATUS_H
#define VFW_STATUS_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include <linux/bpf.h>
#include "ruleset.h"
#include "xdp.h"

struct vfw_map_usage {
	char name[BPF_OBJ_NAME_LEN + 16];	/* pin name, or "vfw_rulesets[SLOT]" */
	__u32 id;
	__u32 type;				/* enum bpf_map_type */
	__u64 memlock;				/* bytes */
};

/* Every map pinned in pin_dir and the trie of each slot, each map once. */
int vfw_map_usage_read(const char *pin_dir, const struct vfw_maps *maps,
		       struct vfw_map_usage **out, size_t *n);
void vfw_map_usage_print(FILE *out, const struct vfw_map_usage *u, size_t n);

/* `vaultfw status [IFACE] [--json]`; ifname NULL: every interface with a
 * pin directory. */
int vfw_status(const char *ifname, bool json, char *err, size_t errlen);

#endif
