/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw apply IFACE FILE --watch` (README "Fleet reload"): apply FILE,
 * then apply it again, atomically, each time it changes, until SIGTERM or
 * SIGINT. The directory is watched rather than the file, so editors that
 * write a copy and rename it over FILE, and the symlink swap of a
 * Kubernetes ConfigMap volume, are seen. A file that fails to apply is
 * reported in one line and the rules in force stay.
 */
#ifndef VFW_WATCH_APPLY_H
#define VFW_WATCH_APPLY_H

#include <stddef.h>

/* Same return and err convention as loader.h; 0 after a stop signal. */
int vfw_apply_watch(const char *ifname, const char *rules_path, char *err, size_t errlen);

#endif
