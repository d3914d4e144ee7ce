/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw apply IFACE FILE --watch` (README "Fleet reload"): apply FILE,
 * then apply it again, atomically, each time it changes, until SIGTERM or
 * SIGINT; SIGHUP applies it again at once. The directory is watched
 * rather than the file, so editors that write a copy and rename it over
 * FILE, and the symlink swap of a Kubernetes ConfigMap volume, are seen,
 * and a directory removed and made again is watched again. A file that
 * fails to apply (or has unsafe permissions, perms.h) is reported in one
 * line and the rules in force stay. Under systemd (Type=notify) the
 * service manager is told READY=1 after the first apply, RELOADING=1 and
 * READY=1 around each later one, and a STATUS= line of the last outcome
 * (notify.h). stdout is line-buffered, so each "applied" line reaches the
 * journal when it happens.
 */
#ifndef VFW_WATCH_APPLY_H
#define VFW_WATCH_APPLY_H

#include <stdbool.h>
#include <stddef.h>

/* Same return and err convention as txn.h; 0 after a stop signal.
 * allow_unsafe_perms: --allow-unsafe-permissions. */
int vfw_apply_watch(const char *ifname, const char *rules_path, bool allow_unsafe_perms,
		    char *err, size_t errlen);

#endif
