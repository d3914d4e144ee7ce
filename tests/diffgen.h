/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Random inputs for the differential test of the datapath against the
 * reference model (tests/diffrun.c): rule sets as JSON text using every
 * feature of SPEC §1, and frames aimed at the edges of those rules (see
 * tests/diffgen.c). Everything comes from one seeded generator, so a seed
 * replays a run.
 */
#ifndef VFW_DIFFGEN_H
#define VFW_DIFFGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "frames.h"	/* before linux/ headers: it brings the libc ones */
#include "vaultfw.h"

#define GEN_MAX_EDGES		1024
#define GEN_MAX_TAGS		8
#define GEN_MAX_UNDERLAY	16
#define GEN_PUBLIC_ANCHORS	3
#define GEN_PRIVATE_ANCHORS	2
#define GEN_ANCHORS		(GEN_PUBLIC_ANCHORS + GEN_PRIVATE_ANCHORS)

struct gen_rng {
	uint64_t state;
};

/* splitmix64: small, fast, and every seed is a good one. */
uint64_t gen_next(struct gen_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint32_t gen_below(struct gen_rng *r, uint32_t n);
/* True percent times in 100. */
bool gen_chance(struct gen_rng *r, unsigned int percent);
/* Uniform in [lo, hi]. */
uint32_t gen_range(struct gen_rng *r, uint32_t lo, uint32_t hi);
/* The netmask of a prefix of len bits, host order. */
uint32_t gen_mask(unsigned int len);

/* What a generated rule set is made of, for the frame generator to aim at. */
struct gen_universe {
	uint32_t anchors[GEN_ANCHORS];		/* host order; public ones first */
	struct { uint32_t kind, id; } tags[GEN_MAX_TAGS];
	unsigned int n_tags;
	uint32_t edges[GEN_MAX_EDGES];		/* first/last/outside of every prefix */
	unsigned int n_edges;
	struct vfw_dp_port ports[VFW_MAX_DP_PORTS];
	unsigned int n_ports;
	uint16_t vxlan_ports[VFW_MAX_VXLAN_PORTS];	/* host.vxlan.ports; none: absent */
	unsigned int n_vxlan_ports;
	uint32_t underlay[GEN_MAX_UNDERLAY];	/* VTEP sources: remotes' edges, and others */
	unsigned int n_underlay;
};

/*
 * A random rule set as JSON text (malloc'd), describing itself in *u for
 * the frame generator. Always valid: the generator keeps to SPEC §1.
 */
char *gen_rules(struct gen_rng *r, struct gen_universe *u);
/* The same with a trusted-service group of `bulk` more prefixes, enough
 * to fill the Poptrie's nodes (gen_rules is gen_rules_bulk with 0). */
char *gen_rules_bulk(struct gen_rng *r, struct gen_universe *u, unsigned int bulk);

/*
 * One frame aimed at the rule set described by u: every tag shape, IPv4
 * and IPv6 with their options, non-IP, truncations, padding and noise.
 */
void gen_frame(struct gen_rng *r, const struct gen_universe *u, struct frame *f);

#endif /* VFW_DIFFGEN_H */
