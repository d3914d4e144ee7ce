/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector or any scraper that reads a file.
 */
#ifndef VFW_PROM_H
#define VFW_PROM_H

#include <stdio.h>
#include "stats.h"

/* One snapshot: vaultfw_packets_total / vaultfw_bytes_total per deciding
 * reason (with its verdict), vaultfw_audit_packets_total /
 * vaultfw_audit_bytes_total for perimeter-would-deny,
 * vaultfw_rule_packets_total / vaultfw_rule_bytes_total per rule, and the
 * live rule set's generation and apply time as gauges. */
int vfw_prom_write(FILE *out, const char *ifname, const struct vfw_stats *stats);

/*
 * Write to path atomically (a temporary file in the same directory, then
 * rename(2), so a collector never reads half a file), or to stdout when
 * path is NULL.
 */
int vfw_prom_export(const char *path, const char *ifname, const struct vfw_stats *stats);

#endif
