/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the counters (SPEC §4): per-CPU values summed over every possible
 * CPU, for each reason and for each rule of the live slot. Also the display
 * names of reasons and rule kinds, taken from the X-macros in maps/vaultfw.h.
 */
#ifndef VFW_STATS_H
#define VFW_STATS_H

#include <stdio.h>
#include "names.h"
#include "ruleset.h"

struct vfw_rule_stat {
	__u32 id;			/* index into vfw_rule_meta / vfw_rule_stats */
	struct vfw_rule_meta meta;
	struct vfw_counter total;
};

struct vfw_stats {
	int live_slot;
	__u64 generation;		/* of the live rule set */
	__u64 applied_unix;		/* when it was applied, wall clock seconds */
	struct vfw_counter reasons[VFW_REASON_COUNT];
	struct vfw_rule_stat *rules;	/* rules of the live slot, by id */
	size_t n_rules;
	size_t per_kind[VFW_RULE_KIND_COUNT];
};


int vfw_stats_read(const struct vfw_maps *maps, struct vfw_stats *out);
void vfw_stats_free(struct vfw_stats *stats);

/* "ip-rule 2, vnet-rule 1, ..." for every kind, zeros included; no newline. */
void vfw_print_kind_counts(FILE *out, const size_t per_kind[VFW_RULE_KIND_COUNT]);

void vfw_stats_print_table(FILE *out, const char *ifname, const struct vfw_stats *stats);
int vfw_stats_print_json(FILE *out, const char *ifname, const struct vfw_stats *stats);

/* `vaultfw stats IFACE [--json]`: one snapshot of the pinned counters. */
int vfw_show_stats(const char *ifname, bool json, char *err, size_t errlen);

#endif
