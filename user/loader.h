/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel side of the command-line tool: attach, apply, detach, status
 * and stats of one interface. State lives under VFW_PIN_ROOT/IFACE (mode
 * 0700), and every command that changes it holds flock(LOCK_EX) on that
 * directory. Each function returns 0 or a negative errno and, on error,
 * writes a one-line reason (without the "vaultfw: cmd: " prefix) into err.
 */
#ifndef VFW_LOADER_H
#define VFW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <xdp/libxdp.h>

/* "native" or "generic" (skb); -EINVAL for anything else. */
int vfw_parse_xdp_mode(const char *name, enum xdp_attach_mode *mode);

/* log_rate: the diagnostic log's initial rate (events/s per CPU, 0: off). */
int vfw_attach(const char *ifname, const char *rules_path,
	       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen);
/* The same where vaultfw may be attached already: its rules are replaced
 * atomically, and its program attached again only if it is gone. */
int vfw_attach_replace(const char *ifname, const char *rules_path,
		       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen);
int vfw_apply(const char *ifname, const char *rules_path, char *err, size_t errlen);
int vfw_detach(const char *ifname, char *err, size_t errlen);
/* ifname NULL: every interface with a pin directory. */
int vfw_status(const char *ifname, bool json, char *err, size_t errlen);
/*
 * For commands kept outside the loader (rule edits, show): run fn on the
 * pinned maps of ifname while holding the interface lock, exclusive for
 * writers, shared for readers. fn returns 0 or a negative errno with err
 * set, as these functions do.
 */
struct vfw_maps;
typedef int (*vfw_pinned_fn)(const char *ifname, const struct vfw_maps *maps,
			     const char *pin_dir, void *ctx, char *err, size_t errlen);
int vfw_with_pinned_maps(const char *ifname, bool exclusive, vfw_pinned_fn fn, void *ctx,
			 char *err, size_t errlen);

int vfw_show_stats(const char *ifname, bool json, char *err, size_t errlen);

/* The fds of a loaded skeleton's maps, owned by the skeleton. */
struct vaultfw_bpf;
void vfw_maps_from_skel(const struct vaultfw_bpf *skel, struct vfw_maps *maps);
/* The config of the live slot; returns the slot or a negative errno. */
struct vfw_config;
int vfw_read_live_config(const struct vfw_maps *maps, struct vfw_config *cfg);

#endif
