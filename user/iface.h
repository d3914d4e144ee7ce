/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface identity (docs/design.md "Interface identity"): an interface
 * is its network namespace and index; its name is only how the operator
 * reaches it. The pin directory is VFW_PIN_ROOT/net<NETNS>-if<IFINDEX>, so
 * two namespaces' eth0 never share state, a renamed interface keeps its
 * filter, and a recreated one (a new index) starts afresh. Every command
 * finds its state through here, and says so when the state it was asked
 * for lives in another namespace or went with its interface.
 */
#ifndef VFW_IFACE_H
#define VFW_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include "pins.h"

struct vfw_iface {
	const char *name;		/* as the operator gave it */
	int ifindex;			/* in this namespace; 0: no such interface */
	__u64 netns;			/* inode of this process's network namespace */
	__u64 netns_cookie;		/* its SO_NETNS_COOKIE, or 0 */
	char pin_dir[VFW_PIN_DIR_MAX];	/* "" while ifindex is 0 */
	/* pin_dir holds what a deleted namespace left: one whose inode this
	 * namespace got, so the same directory name (see vfw_ident) */
	bool orphaned;
};

/* Validate the name, and find the interface in this network namespace. */
int vfw_iface_resolve(const char *name, struct vfw_iface *ifc, char *err, size_t errlen);

/* The inode of this process's network namespace, or 0. */
__u64 vfw_netns_self(void);

/* The SO_NETNS_COOKIE of this process's network namespace, or 0. */
__u64 vfw_netns_cookie_self(void);

/* Whether a pin directory named for this namespace (netns_self, its inode)
 * was written in another one that is gone: the cookies differ. */
bool vfw_ident_orphaned(const struct vfw_ident *id, __u64 netns_self, __u64 cookie_self);

/* "net<NETNS>-if<IFINDEX>" of a pin directory's name; false for others. */
bool vfw_parse_pin_dir_name(const char *name, __u64 *netns, int *ifindex);

/*
 * Lock the state of ifc (LOCK_SH or LOCK_EX). Where this namespace has no
 * such state, the one-line reason says where it is, if anywhere: with an
 * interface of that name that is gone, under an interface since renamed,
 * or in another network namespace, which no command here ever touches.
 * Returns the locked fd or a negative errno.
 */
int vfw_iface_lock(struct vfw_iface *ifc, int how, char *err, size_t errlen);

/*
 * A pin directory in this namespace left by an interface of this name that
 * is gone (deleted, or recreated with a new index): its path into dir and
 * true, or false when there is none.
 */
bool vfw_iface_stale_dir(const struct vfw_iface *ifc, char *dir, size_t len);

/* Whether state for ifc->name exists anywhere but at ifc->pin_dir. */
bool vfw_iface_state_elsewhere(const struct vfw_iface *ifc);

/* Record who the pinned maps belong to (attach, and every write after). */
int vfw_ident_write(const struct vfw_maps *maps, const struct vfw_iface *ifc);
int vfw_ident_read(const struct vfw_maps *maps, struct vfw_ident *id);

/*
 * Whether vaultfw's own program (the one pinned in pin_dir) is what runs
 * on ifc: a write must never report "applied" while nothing enforces.
 * 0 when it is; else -ENOLINK and a one-line reason naming what holds the
 * hook instead, and how to re-arm.
 */
int vfw_iface_check_enforcing(const struct vfw_iface *ifc, char *err, size_t errlen);

enum vfw_pins_access {
	VFW_PINS_READ,		/* shared lock */
	VFW_PINS_WRITE,		/* exclusive lock */
	VFW_PINS_ENFORCE,	/* exclusive, and our program must run there before and after */
};

/*
 * Run fn on the pinned maps of ifname while holding the interface lock.
 * fn returns 0 or a negative errno with err set.
 */
typedef int (*vfw_pinned_fn)(const char *ifname, const struct vfw_maps *maps,
			     const char *pin_dir, void *ctx, char *err, size_t errlen);
int vfw_with_pinned_maps(const char *ifname, enum vfw_pins_access access, vfw_pinned_fn fn,
			 void *ctx, char *err, size_t errlen);

#endif
