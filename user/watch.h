/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw stats`: one snapshot (table, JSON or Prometheus), or with
 * --watch a table refreshed every interval, like top, until SIGINT.
 */
#ifndef VFW_WATCH_H
#define VFW_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct vfw_stats_request {
	bool json;		/* --json: the same as --format json */
	bool watch;
	const char *interval;	/* seconds, decimals allowed; NULL: 1 */
	const char *format;	/* table, json or prometheus; NULL: table */
	const char *output;	/* prometheus only: file written atomically */
};

int vfw_stats_run(const char *ifname, const struct vfw_stats_request *req,
		  char *err, size_t errlen);

#endif
