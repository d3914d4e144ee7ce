/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The diagnostic log (README.md "Diagnostic log"): the XDP program
 * writes one struct vfw_event per DROP and per perimeter-would-deny into the
 * pinned VFW_MAP_EVENTS ring buffer, rate-limited per CPU. This is the
 * userspace side: the settings in VFW_MAP_LOG_CONFIG, the held-back counts
 * in VFW_MAP_LOG_BUCKET, and `vaultfw log`, which reads and prints events.
 */
#ifndef VFW_EVENTS_H
#define VFW_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "vaultfw.h"

struct vfw_events_status {
	struct vfw_log_config config;
	__u64 held_back;	/* summed over CPUs */
	__u64 ring_full;
};

/* `vaultfw log` options; the setting ones are NULL when not given. */
struct vfw_events_opts {
	const char *ifname;
	const char *reason;	/* show only events of this reason */
	const char *rate;	/* set the rate (events/s per CPU, 0: off) */
	const char *enable;	/* comma-separated reasons, or "all" */
	const char *disable;
	bool json;
	bool follow;
};

/* A --log-rate / --rate value: 0..VFW_LOG_RATE_MAX. */
int vfw_events_parse_rate(const char *text, __u32 *rate, char *err, size_t errlen);

/* The settings of a fresh attach: `rate`, every loggable reason on. */
int vfw_events_config_init(int log_config_fd, __u32 rate);

struct vfw_maps;
int vfw_events_status_read(const struct vfw_maps *maps, struct vfw_events_status *st);
/* One line "  log: rate ..., reasons ..., held back N, ring full N". */
void vfw_events_status_print(FILE *out, const struct vfw_events_status *st);

/*
 * Change the settings (when rate, enable or disable is given) and print
 * them, or print the events in the ring buffer: those there now, or with
 * follow until SIGINT/SIGTERM.
 */
int vfw_events_run(const struct vfw_events_opts *opts, char *err, size_t errlen);

#endif
