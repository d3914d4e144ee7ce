/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where an interface's state lives and how it is opened: the privilege
 * check, the pin directory under VFW_PIN_ROOT and its flock, bpffs, and
 * the one registry of every map vaultfw pins (with the layout check that
 * refuses maps made by another version). The lowest layer that touches the
 * kernel: everything above it finds maps through here.
 */
#ifndef VFW_PINS_H
#define VFW_PINS_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "../maps/vaultfw.h"

/* VFW_PIN_ROOT/net<NETNS>-if<IFINDEX> (iface.h); the pins inside take
 * PATH_MAX buffers. */
#define VFW_PIN_DIR_MAX	(sizeof(VFW_PIN_ROOT) + 48)

/*
 * Every map vaultfw pins, as X(field, BPF identifier): the identifier is
 * the map's name in bpf/vaultfw.bpf.c, its pin name and its skeleton
 * member. Adding a map: declare it there and add one line here.
 */
#define VFW_PINNED_MAPS(X)			\
	X(active, vfw_active)			\
	X(config, vfw_config)			\
	X(rulesets, vfw_rulesets)		\
	X(rule_stats, vfw_rule_stats)		\
	X(reasons, vfw_reasons)			\
	X(rule_meta, vfw_rule_meta)		\
	X(document, vfw_document)		\
	X(fast_nodes, vfw_fast_nodes)		\
	X(fast_vals, vfw_fast_vals)		\
	X(pop, vfw_pop)				\
	X(events, vfw_events)			\
	X(log_config, vfw_log_config)		\
	X(log_bucket, vfw_log_bucket)		\
	X(ident, vfw_ident)

#define VFW_MAP_FD_FIELD(field, ident) int field##_fd;
struct vfw_maps {
	VFW_PINNED_MAPS(VFW_MAP_FD_FIELD)
};
#undef VFW_MAP_FD_FIELD

struct vaultfw_bpf;
struct bpf_object;

/* -EPERM with a one-line reason unless this process may load and pin. */
int vfw_require_privilege(char *err, size_t errlen);

/* DIR/NAME into buf (PATH_MAX); returns buf. */
const char *vfw_pin_path(char *buf, size_t len, const char *dir, const char *name);

/*
 * VFW_PIN_ROOT's parent must be the host's bpffs: refused (one line saying
 * what to run instead) in a private mount namespace, where state would
 * vanish with the command; mounted when may_mount and nothing is there.
 */
int vfw_check_bpffs(bool may_mount, char *err, size_t errlen);
int vfw_make_dir(const char *path, char *err, size_t errlen);

/*
 * flock a pin directory (LOCK_EX for writers, LOCK_SH for readers).
 * Returns the locked fd, -ENOENT when it does not exist, or -ESTALE when
 * it was removed (by a concurrent detach) while we waited.
 */
int vfw_lock_dir(const char *path, int how);
void vfw_unlock_dir(int fd);

/* 1 when empty, 0 when not, or a negative errno. */
int vfw_dir_is_empty(const char *path);
/* Unpin everything in the directory; pins hold the only references left
 * once the tool exits. */
int vfw_empty_pin_dir(const char *path);
int vfw_remove_pin_dir(const char *path);

int vfw_pin_fd(int fd, const char *dir, const char *name);
/* Pin every map of obj in dir under its name. */
int vfw_pin_maps(struct bpf_object *obj, const char *dir, char *err, size_t errlen);
/* Id of the program pinned in dir, or 0 when there is no such pin. */
__u32 vfw_pinned_prog_id(const char *dir);

/* Open (parse, not load) this vaultfw's BPF object; one line in err when
 * that fails. */
int vfw_open_object(struct vaultfw_bpf **skel, char *err, size_t errlen);

/* No map open: what cleanup paths may close before anything was opened. */
struct vfw_maps vfw_maps_none(void);
/* The fds of a loaded skeleton's maps, owned by the skeleton. */
void vfw_maps_from_skel(const struct vaultfw_bpf *skel, struct vfw_maps *maps);
/*
 * Open the pinned maps of an interface and check that each has the layout
 * this vaultfw declares. On failure all fds are -1 and err holds one line.
 */
int vfw_maps_open_pinned(const char *pin_dir, struct vfw_maps *maps, char *err,
			 size_t errlen);
void vfw_maps_close(struct vfw_maps *maps);
/* Close *fd if open, and mark it closed (-1). */
void vfw_close_fd(int *fd);

/* Make obj's maps (but those skip() names) the ones pinned in pin_dir,
 * before obj is loaded. */
struct bpf_map;
int vfw_reuse_pinned_maps(struct bpf_object *obj, const char *pin_dir,
			  bool (*skip)(const struct bpf_map *map), char *err, size_t errlen);

#endif
