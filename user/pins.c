// SPDX-License-Identifier: GPL-2.0
/* Pin directories, locks and the map registry: see pins.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vaultfw.skel.h"
#include "fault.h"
#include "log.h"
#include "pins.h"

const char *vfw_pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/*
 * What loading, attaching and reading vaultfw takes on this kernel, found
 * by experiment (docs/design.md "Privilege"): CAP_NET_ADMIN for the XDP
 * hook, and CAP_SYS_ADMIN for the *_GET_FD_BY_ID calls with which libxdp
 * reads the hook and the slot tries are opened. CAP_SYS_ADMIN also grants
 * what CAP_BPF would (the kernel's bpf_capable()), so CAP_BPF is not asked.
 */
static const struct {
	int cap;
	const char *name;
} needed_caps[] = {
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
};

static bool cap_effective(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

int vfw_require_privilege(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	char missing[64] = "";
	size_t i, n = 0;

	if (syscall(SYS_capget, &hdr, data))
		return vfw_set_err(err, errlen, "cannot read this process's capabilities: %s",
				   strerror(errno));
	for (i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++)
		if (!cap_effective(data, needed_caps[i].cap))
			n += snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? ", " : "",
				      needed_caps[i].name);
	if (!n)
		return 0;
	vfw_set_err(err, errlen, "missing %s: vaultfw needs CAP_NET_ADMIN and CAP_SYS_ADMIN "
		    "(run it as root, or grant them)", missing);
	return -EPERM;
}

/* 1: this process shares PID 1's mount namespace, 0: it does not, -1: it
 * cannot tell (PID 1's namespaces are not ours to read, as in a sandbox). */
static int in_init_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return -1;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

int vfw_check_bpffs(bool may_mount, char *err, size_t errlen)
{
	char mnt[] = VFW_PIN_ROOT;
	struct statfs st;
	int init_ns;

	*strrchr(mnt, '/') = '\0';
	if (statfs(mnt, &st))
		return vfw_set_err(err, errlen, "%s: %s", mnt, strerror(errno));
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	/*
	 * A bpffs mounted in a private mount namespace (ip netns exec makes
	 * one) is gone when the command exits, and the program would stay
	 * attached with no pins to manage it: mount only where this is the
	 * host's own mount namespace, and never guess.
	 */
	init_ns = in_init_mount_ns();
	if (init_ns <= 0)
		return vfw_set_err(err, errlen, "%s is not a bpffs here: in a private mount "
				   "namespace (as `ip netns exec` makes) vaultfw's state would "
				   "vanish when it exits; run `nsenter --net=/run/netns/NAME "
				   "vaultfw ...` instead, or on the host mount it first (mount -t "
				   "bpf bpf %s)", mnt, mnt);
	if (!may_mount)
		return 0;	/* the host has no bpffs: nothing is attached */
	pr_debug("mounting bpffs on %s\n", mnt);
	if (mount("bpf", mnt, "bpf", 0, "mode=0700"))
		return vfw_set_err(err, errlen, "cannot mount bpffs on %s: %s", mnt,
				   strerror(errno));
	return 0;
}

int vfw_make_dir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		vfw_set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * flock the pin directory, xdp-tools style. Returns the locked fd, -ENOENT
 * when the directory does not exist, or -ESTALE when it was removed (by a
 * concurrent detach) while we waited for the lock.
 */
int vfw_lock_dir(const char *path, int how)
{
	struct stat locked, now;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, how) || fstat(fd, &locked)) {
		err = -errno;
		goto fail;
	}
	if (stat(path, &now) || now.st_ino != locked.st_ino || now.st_dev != locked.st_dev) {
		err = -ESTALE;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

void vfw_unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last fd drops the flock */
}

int vfw_dir_is_empty(const char *path)
{
	struct dirent *de;
	int empty = 1;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* Unpin everything in the directory (maps, program, the live trie). Pins
 * hold the only references left once the tool exits. */
int vfw_empty_pin_dir(const char *path)
{
	char pin[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlink(vfw_pin_path(pin, sizeof(pin), path, de->d_name)) && !err)
			err = -errno;
	}
	closedir(d);
	return err;
}

int vfw_remove_pin_dir(const char *path)
{
	int err = vfw_empty_pin_dir(path);

	if (err == -ENOENT)
		return 0;
	if (rmdir(path) && !err)
		err = -errno;
	return err;
}

int vfw_pin_fd(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	return bpf_obj_pin(fd, vfw_pin_path(path, sizeof(path), dir, name)) ? -errno : 0;
}

int vfw_pin_maps(struct bpf_object *obj, const char *dir, char *err, size_t errlen)
{
	struct bpf_map *map;
	int ret;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		ret = vfw_pin_fd(bpf_map__fd(map), dir, bpf_map__name(map));
		if (ret) {
			vfw_set_err(err, errlen, "cannot pin map %s in %s: %s",
				bpf_map__name(map), dir, strerror(-ret));
			return ret;
		}
		vfw_fault_point("attach-pin-map");
	}
	return 0;
}

static int prog_id_of_fd(int fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* Id of the program pinned in dir, or 0 when there is no such pin. */
__u32 vfw_pinned_prog_id(const char *dir)
{
	char path[PATH_MAX];
	__u32 id = 0;
	int fd;

	fd = bpf_obj_get(vfw_pin_path(path, sizeof(path), dir, VFW_PROG_NAME));
	if (fd < 0)
		return 0;
	if (prog_id_of_fd(fd, &id))
		id = 0;
	close(fd);
	return id;
}

/* ------------------------------------------------------------------ */
/* The map registry                                                    */

#define VFW_MAP_ENTRY(field, ident) { #ident, offsetof(struct vfw_maps, field##_fd) },
static const struct {
	const char *name;
	size_t fd_offset;
} map_table[] = {
	VFW_PINNED_MAPS(VFW_MAP_ENTRY)
};
#undef VFW_MAP_ENTRY

#define MAP_COUNT (sizeof(map_table) / sizeof(map_table[0]))

static int *map_fd(struct vfw_maps *maps, size_t i)
{
	return (int *)((char *)maps + map_table[i].fd_offset);
}

void vfw_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct vfw_maps vfw_maps_none(void)
{
	struct vfw_maps maps;
	size_t i;

	for (i = 0; i < MAP_COUNT; i++)
		*map_fd(&maps, i) = -1;
	return maps;
}

void vfw_maps_close(struct vfw_maps *maps)
{
	size_t i;

	for (i = 0; i < MAP_COUNT; i++)
		vfw_close_fd(map_fd(maps, i));
}

/*
 * A pinned map must have the layout this vaultfw's program declares: maps
 * made by another version (a different VFW_MAX_RULES, say) would be read
 * and written wrongly. The declarations come from the object itself, which
 * is opened (parsed, not loaded) for the comparison.
 */
static int check_layout(const struct bpf_object *obj, int fd, const char *path,
			const char *name, char *err, size_t errlen)
{
	const struct bpf_map *want = bpf_object__find_map_by_name(obj, name);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (!want || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno ?: ENOENT));
		return -errno ?: -ENOENT;
	}
	if (info.type == bpf_map__type(want) && info.key_size == bpf_map__key_size(want) &&
	    info.value_size == bpf_map__value_size(want) &&
	    info.max_entries == bpf_map__max_entries(want))
		return 0;
	snprintf(err, errlen,
		 "%s has %u entries of %u bytes, this vaultfw expects %u of %u: it was made "
		 "by another version (detach, then attach again)", path, info.max_entries,
		 info.value_size, bpf_map__max_entries(want), bpf_map__value_size(want));
	return -EPROTO;
}

int vfw_open_object(struct vaultfw_bpf **skel, char *err, size_t errlen)
{
	int ret;

	*skel = vaultfw_bpf__open();
	if (*skel)
		return 0;
	ret = -errno;
	vfw_set_err(err, errlen, "cannot open the BPF object: %s", strerror(-ret));
	return ret;
}

int vfw_maps_open_pinned(const char *pin_dir, struct vfw_maps *maps, char *err,
			 size_t errlen)
{
	struct vaultfw_bpf *declared;
	char path[PATH_MAX];
	size_t i;
	int ret;

	*maps = vfw_maps_none();
	ret = vfw_open_object(&declared, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < MAP_COUNT && !ret; i++) {
		*map_fd(maps, i) = bpf_obj_get(vfw_pin_path(path, sizeof(path), pin_dir,
							     map_table[i].name));
		if (*map_fd(maps, i) < 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(-ret));
		} else {
			ret = check_layout(declared->obj, *map_fd(maps, i), path,
					   map_table[i].name, err, errlen);
		}
	}
	vaultfw_bpf__destroy(declared);
	if (ret)
		vfw_maps_close(maps);
	return ret;
}

void vfw_maps_from_skel(const struct vaultfw_bpf *skel, struct vfw_maps *maps)
{
#define VFW_MAP_FROM_SKEL(field, ident) maps->field##_fd = bpf_map__fd(skel->maps.ident);
	VFW_PINNED_MAPS(VFW_MAP_FROM_SKEL)
#undef VFW_MAP_FROM_SKEL
}

int vfw_reuse_pinned_maps(struct bpf_object *obj, const char *pin_dir,
			  bool (*skip)(const struct bpf_map *map), char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, ret;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map) || (skip && skip(map)))
			continue;
		fd = bpf_obj_get(vfw_pin_path(path, sizeof(path), pin_dir, bpf_map__name(map)));
		if (fd < 0) {
			ret = -errno;
			vfw_set_err(err, errlen, "cannot open %s (attached by an older vaultfw? "
				    "re-attach): %s", path, strerror(-ret));
			return ret;
		}
		ret = bpf_map__reuse_fd(map, fd);	/* keeps its own dup */
		close(fd);
		if (ret) {
			vfw_set_err(err, errlen, "cannot share %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
