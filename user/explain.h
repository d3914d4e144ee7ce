/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw explain`: one frame through the real XDP program
 * (BPF_PROG_TEST_RUN) and through the reference model (user/model.h), side
 * by side. The program's answer is read from counters private to the
 * explaining copy, so explaining against a live interface moves none of
 * its counters and logs no event.
 */
#ifndef VFW_EXPLAIN_H
#define VFW_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"
#include "ruleset.h"

struct vaultfw_bpf;

/* A loaded copy of the program, its maps, and the rules the model reads. */
struct vfw_explain_target {
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;		/* the copy's fds: rule maps shared when live */
	struct vfw_config config;	/* of the live slot */
	struct vfw_rules rules;		/* what the model evaluates */
	char rules_from[VFW_NAME_MAX + 64];	/* where those rules came from, for humans */
};

struct vfw_explain_result {
	/* The program's verdict, reason and credited rule (why: how it was read). */
	struct vfw_model_result datapath;
	__u32 rule_id;			/* VFW_RULE_ID_NONE: no rule counted */
	struct vfw_model_result model;
	bool agree;
};

/* A rules file: parsed, compiled and installed into a fresh copy. */
int vfw_explain_open_file(const char *path, struct vfw_explain_target *t,
			  char *err, size_t errlen);
/*
 * The live rule set of the interface whose maps are pinned in pin_dir: the
 * copy shares every pinned map except those the program writes per packet
 * (per-CPU counters, the event ring), which stay private. The model reads
 * the document stored with the live slot, or else the file last applied.
 */
int vfw_explain_open_pinned(const char *pin_dir, struct vfw_explain_target *t,
			    char *err, size_t errlen);
void vfw_explain_close(struct vfw_explain_target *t);

/* One BPF_PROG_TEST_RUN of `frame` through an XDP program: its verdict. */
int vfw_run_frame(int prog_fd, const void *frame, size_t len, __u32 *verdict);

int vfw_explain_frame(const struct vfw_explain_target *t, const void *frame, size_t len,
		      struct vfw_explain_result *res);

/* The frame as the command line describes it; NULL fields take defaults. */
struct vfw_explain_request {
	const char *src;	/* required: IPv4 or IPv6 source */
	const char *dst;	/* default: first data-plane address of the family */
	const char *proto;	/* tcp or udp; default: the first data-plane port's */
	const char *dport;	/* default: the first data-plane port (of proto) */
	const char *vlan;	/* 802.1Q tag */
	const char *vni;	/* VXLAN-encapsulated with this VNI */
	const char *tunnel_src;	/* VXLAN outer source; default: the first remote */
	bool live;		/* the target is an interface, whatever files are here */
};

/*
 * `vaultfw explain IFACE|FILE`: a path with a '/' is a rules file; a bare
 * name is the file of that name in the working directory if there is one,
 * else an interface; one that is both such a file and an interface vaultfw
 * is attached to is refused (./X or --live says which). Prints both
 * answers; -EPROTO when they disagree.
 */
int vfw_explain(const char *target, const struct vfw_explain_request *req,
		char *err, size_t errlen);

#endif
