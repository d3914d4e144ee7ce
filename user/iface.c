// SPDX-License-Identifier: GPL-2.0
/* Interface identity: see iface.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "iface.h"
#include "log.h"
#include "xdp.h"

#define PIN_DIR_FMT	"net%" PRIu64 "-if%d"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71	/* Linux 5.14; older glibc headers lack it */
#endif

__u64 vfw_netns_self(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

__u64 vfw_netns_cookie_self(void)
{
	socklen_t len = sizeof(__u64);
	__u64 cookie = 0;
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

bool vfw_ident_orphaned(const struct vfw_ident *id, __u64 netns_self, __u64 cookie_self)
{
	return id->netns == netns_self && id->netns_cookie && cookie_self &&
	       id->netns_cookie != cookie_self;
}

bool vfw_parse_pin_dir_name(const char *name, __u64 *netns, int *ifindex)
{
	uint64_t ns;
	int idx, end = 0;

	if (sscanf(name, PIN_DIR_FMT "%n", &ns, &idx, &end) != 2 || name[end] || idx <= 0)
		return false;
	*netns = ns;
	*ifindex = idx;
	return true;
}

int vfw_ident_write(const struct vfw_maps *maps, const struct vfw_iface *ifc)
{
	struct vfw_ident id = {
		.netns = ifc->netns, .netns_cookie = ifc->netns_cookie, .ifindex = ifc->ifindex,
	};
	__u32 zero = 0;

	snprintf(id.ifname, sizeof(id.ifname), "%s", ifc->name);
	return bpf_map_update_elem(maps->ident_fd, &zero, &id, BPF_ANY) ? -errno : 0;
}

int vfw_ident_read(const struct vfw_maps *maps, struct vfw_ident *id)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(maps->ident_fd, &zero, id))
		return -errno;
	id->ifname[sizeof(id->ifname) - 1] = '\0';
	return 0;
}

/* The ident of a pin directory, without the lock (a hint for messages). */
static bool peek_ident(const char *dir, struct vfw_ident *id)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd;
	bool ok;

	fd = bpf_obj_get(vfw_pin_path(path, sizeof(path), dir, VFW_MAP_IDENT));
	if (fd < 0)
		return false;
	ok = !bpf_map_lookup_elem(fd, &zero, id);
	close(fd);
	id->ifname[sizeof(id->ifname) - 1] = '\0';
	return ok;
}

int vfw_iface_resolve(const char *name, struct vfw_iface *ifc, char *err, size_t errlen)
{
	struct vfw_ident id;
	char dir[64];

	memset(ifc, 0, sizeof(*ifc));
	ifc->name = name;
	if (!*name || strlen(name) >= IFNAMSIZ || strchr(name, '/') || strchr(name, ' ') ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return vfw_set_err(err, errlen, "invalid interface name '%s'", name);
	ifc->netns = vfw_netns_self();
	if (!ifc->netns)
		return vfw_set_err(err, errlen, "cannot tell this process's network namespace "
				   "(/proc/self/ns/net): %s", strerror(errno));
	ifc->netns_cookie = vfw_netns_cookie_self();
	ifc->ifindex = (int)if_nametoindex(name);
	if (ifc->ifindex) {
		snprintf(dir, sizeof(dir), PIN_DIR_FMT, (uint64_t)ifc->netns, ifc->ifindex);
		vfw_pin_path(ifc->pin_dir, sizeof(ifc->pin_dir), VFW_PIN_ROOT, dir);
		ifc->orphaned = peek_ident(ifc->pin_dir, &id) &&
				vfw_ident_orphaned(&id, ifc->netns, ifc->netns_cookie);
	}
	return 0;
}

/* Where else state for ifc->name is. */
enum elsewhere {
	NOWHERE,
	OTHER_NETNS,	/* an interface of that name in another namespace */
	RENAMED,	/* this namespace: the interface now has another name */
	GONE,		/* this namespace: the interface it belonged to is gone, or
			 * the namespace whose inode this one got */
	OLD_LAYOUT,	/* VFW_PIN_ROOT/NAME, as vaultfw before 0.3 pinned */
};

struct found {
	enum elsewhere where;
	char dir[VFW_PIN_DIR_MAX];
	__u64 netns;
	int ifindex;
	char now_named[IFNAMSIZ];
};

/* What one pin directory says about ifc; this namespace's findings win. */
static void consider_dir(const struct vfw_iface *ifc, const char *entry, struct found *f)
{
	char dir[VFW_PIN_DIR_MAX];
	struct vfw_ident id;
	enum elsewhere where;
	__u64 netns = 0;
	int ifindex = 0;

	vfw_pin_path(dir, sizeof(dir), VFW_PIN_ROOT, entry);
	if (!strcmp(entry, ifc->name)) {
		where = OLD_LAYOUT;
	} else if (!vfw_parse_pin_dir_name(entry, &netns, &ifindex) || !peek_ident(dir, &id) ||
		   strcmp(id.ifname, ifc->name)) {
		return;
	} else if (netns != ifc->netns) {
		where = OTHER_NETNS;
	} else if (vfw_ident_orphaned(&id, ifc->netns, ifc->netns_cookie)) {
		where = GONE;
	} else if (ifindex == ifc->ifindex) {
		return;		/* ifc's own directory */
	} else {
		where = if_indextoname(ifindex, f->now_named) ? RENAMED : GONE;
	}
	if (where <= f->where)
		return;
	f->where = where;
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	f->netns = netns;
	f->ifindex = ifindex;
}

static void find_elsewhere(const struct vfw_iface *ifc, struct found *f)
{
	struct dirent *de;
	DIR *d;

	memset(f, 0, sizeof(*f));
	d = opendir(VFW_PIN_ROOT);
	while (d && (de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.')
			consider_dir(ifc, de->d_name, f);
	if (d)
		closedir(d);
}

bool vfw_iface_state_elsewhere(const struct vfw_iface *ifc)
{
	struct found f;

	find_elsewhere(ifc, &f);
	return f.where != NOWHERE;
}

bool vfw_iface_stale_dir(const struct vfw_iface *ifc, char *dir, size_t len)
{
	struct found f;

	find_elsewhere(ifc, &f);
	if (f.where != GONE)
		return false;
	snprintf(dir, len, "%s", f.dir);
	return true;
}

static int not_here(const struct vfw_iface *ifc, char *err, size_t errlen)
{
	struct found f;

	if (ifc->orphaned) {
		vfw_set_err(err, errlen, "%s holds state that a deleted network namespace left "
			    "(this one has its inode now), not %s's: `vaultfw detach %s` removes it",
			    ifc->pin_dir, ifc->name, ifc->name);
		return -ENOENT;
	}
	find_elsewhere(ifc, &f);
	switch (f.where) {
	case GONE:
		vfw_set_err(err, errlen, "vaultfw's state for %s belongs to an interface that is "
			    "gone (ifindex %d, pins in %s): `vaultfw detach %s` removes it",
			    ifc->name, f.ifindex, f.dir, ifc->name);
		break;
	case RENAMED:
		vfw_set_err(err, errlen, "the interface vaultfw filters as %s is now named %s: "
			    "use that name", ifc->name, f.now_named);
		break;
	case OTHER_NETNS:
		vfw_set_err(err, errlen, "vaultfw is not attached to %s in this network namespace; "
			    "the %s of network namespace net:[%" PRIu64 "] has a filter, managed "
			    "only from there (nsenter --net=/run/netns/NAME vaultfw ...)",
			    ifc->name, ifc->name, (uint64_t)f.netns);
		break;
	case OLD_LAYOUT:
		vfw_set_err(err, errlen, "%s holds pins of an older vaultfw (named by interface "
			    "only): detach with that version, or remove the directory", f.dir);
		break;
	default:
		if (ifc->ifindex)
			vfw_set_err(err, errlen, "vaultfw is not attached to %s (no %s)", ifc->name,
				    ifc->pin_dir);
		else
			vfw_set_err(err, errlen, "vaultfw is not attached to %s (no such interface "
				    "in this network namespace)", ifc->name);
		break;
	}
	return -ENOENT;
}

int vfw_iface_lock(struct vfw_iface *ifc, int how, char *err, size_t errlen)
{
	int fd = ifc->pin_dir[0] && !ifc->orphaned ? vfw_lock_dir(ifc->pin_dir, how) : -ENOENT;

	if (fd == -ENOENT || fd == -ESTALE)
		return not_here(ifc, err, errlen);
	if (fd < 0)
		vfw_set_err(err, errlen, "cannot lock %s: %s", ifc->pin_dir, strerror(-fd));
	return fd;
}

int vfw_iface_check_enforcing(const struct vfw_iface *ifc, char *err, size_t errlen)
{
	struct xdp_multiprog *mp = vfw_xdp_get(ifc->ifindex);
	struct xdp_program *holder = mp ? xdp_multiprog__main_prog(mp) : NULL;
	bool ours = mp && vfw_xdp_find_ours(mp, vfw_pinned_prog_id(ifc->pin_dir));

	if (!ours && holder)
		vfw_set_err(err, errlen, "vaultfw does not enforce on %s: its XDP hook is held by "
			    "program %s (id %u); remove that, then `vaultfw attach --replace %s FILE` "
			    "re-arms vaultfw", ifc->name, xdp_program__name(holder),
			    xdp_program__id(holder), ifc->name);
	else if (!ours)
		vfw_set_err(err, errlen, "vaultfw does not enforce on %s: no program is attached "
			    "to it; `vaultfw attach --replace %s FILE` re-arms it", ifc->name,
			    ifc->name);
	xdp_multiprog__close(mp);
	return ours ? 0 : -ENOLINK;
}

/* After a write that succeeded: the program may have gone meanwhile. */
static int still_enforcing(const struct vfw_iface *ifc, char *err, size_t errlen)
{
	char why[512];
	int ret;

	ret = vfw_iface_check_enforcing(ifc, why, sizeof(why));
	if (ret)
		vfw_set_err(err, errlen, "the new rules are stored, but %s", why);
	return ret;
}

int vfw_with_pinned_maps(const char *ifname, enum vfw_pins_access access, vfw_pinned_fn fn,
			 void *ctx, char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	bool enforce = access == VFW_PINS_ENFORCE;
	struct vfw_iface ifc;
	int dir_fd, ret;

	ret = vfw_require_privilege(err, errlen) ?:
	      vfw_check_bpffs(false, err, errlen) ?:
	      vfw_iface_resolve(ifname, &ifc, err, errlen);
	if (ret)
		return ret;
	ret = dir_fd = vfw_iface_lock(&ifc, access == VFW_PINS_READ ? LOCK_SH : LOCK_EX,
				      err, errlen);
	if (ret < 0)
		return ret;
	ret = vfw_maps_open_pinned(ifc.pin_dir, &maps, err, errlen) ?:
	      (enforce ? vfw_iface_check_enforcing(&ifc, err, errlen) : 0) ?:
	      fn(ifname, &maps, ifc.pin_dir, ctx, err, errlen);
	if (!ret && access != VFW_PINS_READ)
		vfw_ident_write(&maps, &ifc);	/* the name it has now */
	if (!ret && enforce)
		ret = still_enforcing(&ifc, err, errlen);
	vfw_maps_close(&maps);
	vfw_unlock_dir(dir_fd);
	return ret;
}
