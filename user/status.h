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

/* What the loader knows of the attachment; attached false: the rest is unset. */
struct vfw_attachment {
	bool iface_gone;
	bool attached;
	const char *mode;		/* "native", "generic", ... */
	bool dispatcher;		/* libxdp's multi-program dispatcher */
	int n_progs;			/* programs on the interface */
	__u32 prog_id;
	char prog_name[BPF_OBJ_NAME_LEN];
	char tag[2 * BPF_TAG_SIZE + 1];	/* hex, as bpftool prints it */
};

/* The status of one interface; slot < 0 when the rule set is unreadable. */
json_t *vfw_status_json(const char *ifname, const char *pin_dir,
			const struct vfw_attachment *xdp, const struct vfw_maps *maps,
			int slot, const struct vfw_config *cfg);

#endif
