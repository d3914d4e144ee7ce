// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "vaultfw.skel.h"
#include "check.h"
#include "events.h"
#include "document.h"
#include "fault.h"
#include "loader.h"
#include "log.h"
#include "ruleset.h"
#include "stats.h"
#include "status.h"

/* An attach racing a detach may lock a directory that detach has just
 * removed; it then starts over, at most this many times. */
#define LOCK_RETRIES	3

/* VFW_PIN_ROOT/IFACE; the pins inside take PATH_MAX buffers. */
#define PIN_DIR_MAX	(sizeof(VFW_PIN_ROOT) + IFNAMSIZ)

static const struct {
	const char *name;
	enum xdp_attach_mode mode;
} xdp_modes[] = {
	{ "native", XDP_MODE_NATIVE },
	{ "generic", XDP_MODE_SKB },
};

int vfw_parse_xdp_mode(const char *name, enum xdp_attach_mode *mode)
{
	size_t i;

	for (i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++) {
		if (!strcmp(name, xdp_modes[i].name)) {
			*mode = xdp_modes[i].mode;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *xdp_mode_name(enum xdp_attach_mode mode)
{
	size_t i;

	for (i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++)
		if (xdp_modes[i].mode == mode)
			return xdp_modes[i].name;
	return mode == XDP_MODE_HW ? "offload" : "unknown";
}

static int require_root(char *err, size_t errlen)
{
	if (geteuid() == 0)
		return 0;
	vfw_set_err(err, errlen, "must be run as root (loading XDP programs and %s are root-only)",
		VFW_PIN_ROOT);
	return -EPERM;
}

/* The name becomes a directory under VFW_PIN_ROOT, so nothing that could
 * walk out of it is accepted. */
static int pin_dir_path(const char *ifname, char *buf, size_t len,
			char *err, size_t errlen)
{
	if (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, "..")) {
		vfw_set_err(err, errlen, "invalid interface name '%s'", ifname);
		return -EINVAL;
	}
	snprintf(buf, len, "%s/%s", VFW_PIN_ROOT, ifname);
	return 0;
}

static int ensure_bpffs(char *err, size_t errlen)
{
	char mnt[] = VFW_PIN_ROOT;
	struct statfs st;

	*strrchr(mnt, '/') = '\0';
	if (statfs(mnt, &st)) {
		vfw_set_err(err, errlen, "%s: %s", mnt, strerror(errno));
		return -errno;
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	pr_debug("mounting bpffs on %s\n", mnt);
	if (mount("bpf", mnt, "bpf", 0, "mode=0700")) {
		vfw_set_err(err, errlen, "cannot mount bpffs on %s: %s", mnt, strerror(errno));
		return -errno;
	}
	return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
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
static int lock_dir(const char *path, int how)
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

static void unlock_dir(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last fd drops the flock */
}

/* Lock an existing pin directory; "not attached" when it is gone. */
static int lock_existing(const char *ifname, const char *dir, int how,
			 char *err, size_t errlen)
{
	int fd = lock_dir(dir, how);

	if (fd == -ENOENT || fd == -ESTALE) {
		vfw_set_err(err, errlen, "vaultfw is not attached to %s (no %s)", ifname, dir);
		return -ENOENT;
	}
	if (fd < 0)
		vfw_set_err(err, errlen, "cannot lock %s: %s", dir, strerror(-fd));
	return fd;
}

static int dir_is_empty(const char *path)
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
static int empty_pin_dir(const char *path)
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
		snprintf(pin, sizeof(pin), "%s/%s", path, de->d_name);
		if (unlink(pin) && !err)
			err = -errno;
	}
	closedir(d);
	return err;
}

static int remove_pin_dir(const char *path)
{
	int err = empty_pin_dir(path);

	if (err == -ENOENT)
		return 0;
	if (rmdir(path) && !err)
		err = -errno;
	return err;
}

static int pin_fd(int fd, const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

static int pin_maps(struct bpf_object *obj, const char *dir,
		    char *err, size_t errlen)
{
	struct bpf_map *map;
	int ret;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		ret = pin_fd(bpf_map__fd(map), dir, bpf_map__name(map));
		if (ret) {
			vfw_set_err(err, errlen, "cannot pin map %s in %s: %s",
				bpf_map__name(map), dir, strerror(-ret));
			return ret;
		}
		vfw_fault_point("attach-pin-map");
	}
	return 0;
}

void vfw_maps_from_skel(const struct vaultfw_bpf *skel, struct vfw_maps *maps)
{
	maps->active_fd = bpf_map__fd(skel->maps.vfw_active);
	maps->config_fd = bpf_map__fd(skel->maps.vfw_config);
	maps->rulesets_fd = bpf_map__fd(skel->maps.vfw_rulesets);
	maps->rule_stats_fd = bpf_map__fd(skel->maps.vfw_rule_stats);
	maps->reasons_fd = bpf_map__fd(skel->maps.vfw_reasons);
	maps->rule_meta_fd = bpf_map__fd(skel->maps.vfw_rule_meta);
	maps->document_fd = bpf_map__fd(skel->maps.vfw_document);
	maps->fast_nodes_fd = bpf_map__fd(skel->maps.vfw_fast_nodes);
	maps->fast_vals_fd = bpf_map__fd(skel->maps.vfw_fast_vals);
}

/*
 * Create the maps without the program, so that the rule set is installed
 * before any program exists that could run without one (fail closed).
 */
static int load_maps_only(struct vaultfw_bpf **out, char *err, size_t errlen)
{
	struct bpf_program *prog;
	struct vaultfw_bpf *skel;
	int ret;

	ret = vfw_open_object(&skel, err, errlen);
	if (ret)
		return ret;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	ret = vaultfw_bpf__load(skel);
	if (ret) {
		vfw_set_err(err, errlen, "cannot create the BPF maps: %s", strerror(-ret));
		vaultfw_bpf__destroy(skel);
		return ret;
	}
	*out = skel;
	return 0;
}

static int reuse_maps(struct bpf_object *obj, struct bpf_object *from)
{
	struct bpf_map *map, *src;
	int ret;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		src = bpf_object__find_map_by_name(from, bpf_map__name(map));
		if (!src)
			return -ENOENT;
		ret = bpf_map__reuse_fd(map, bpf_map__fd(src));
		if (ret)
			return ret;
	}
	return 0;
}

/* The same, from the pins of an attachment whose program is gone. */
static int reuse_pinned_maps(struct bpf_object *obj, const char *pin_dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, ret = 0;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -errno;
		ret = bpf_map__reuse_fd(map, fd);
		close(fd);	/* reuse_fd took its own copy */
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Hand libxdp a fresh, unloaded copy of the object that shares the maps
 * already holding the rule set (those of maps_skel, or when it is NULL the
 * ones pinned in pin_dir): libxdp loads it as a dispatcher component
 * where the kernel allows, or as a plain XDP program where it does not.
 */
static int attach_program(const struct vaultfw_bpf *maps_skel, const char *pin_dir,
			  int ifindex, enum xdp_attach_mode mode,
			  struct vaultfw_bpf **prog_skel, struct xdp_program **xprog,
			  char *err, size_t errlen)
{
	struct xdp_program *prog;
	struct vaultfw_bpf *skel;
	int ret;

	ret = vfw_open_object(&skel, err, errlen);
	if (ret)
		return ret;
	*prog_skel = skel;
	ret = maps_skel ? reuse_maps(skel->obj, maps_skel->obj)
			: reuse_pinned_maps(skel->obj, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot share the maps: %s", strerror(-ret));
		return ret;
	}
	prog = xdp_program__from_bpf_obj(skel->obj,
					 bpf_program__section_name(skel->progs.vaultfw_xdp));
	ret = libxdp_get_error(prog);
	if (ret) {
		vfw_set_err(err, errlen, "libxdp cannot use the program: %s", strerror(-ret));
		return ret;
	}
	*xprog = prog;
	ret = xdp_program__attach(prog, ifindex, mode, 0);
	if (ret)
		vfw_set_err(err, errlen, "cannot attach in %s mode: %s", xdp_mode_name(mode),
			strerror(-ret));
	return ret;
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
static __u32 pinned_prog_id(const char *dir)
{
	char path[PATH_MAX];
	__u32 id = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, VFW_PROG_NAME);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (prog_id_of_fd(fd, &id))
		id = 0;
	close(fd);
	return id;
}

static bool is_ours(const struct xdp_program *prog, __u32 pinned_id)
{
	if (!prog)
		return false;
	if (pinned_id)
		return xdp_program__id(prog) == pinned_id;
	return !strcmp(xdp_program__name(prog), VFW_PROG_NAME);
}

/* Our program among what is attached to the interface: the program itself
 * when attached alone (legacy), or one component of a dispatcher. */
static struct xdp_program *find_ours(const struct xdp_multiprog *mp, __u32 pinned_id)
{
	struct xdp_program *prog;

	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		return is_ours(prog, pinned_id) ? prog : NULL;
	}
	for (prog = xdp_multiprog__next_prog(NULL, mp); prog;
	     prog = xdp_multiprog__next_prog(prog, mp))
		if (is_ours(prog, pinned_id))
			return prog;
	return NULL;
}

/* NULL when nothing is attached to ifindex. */
static struct xdp_multiprog *get_multiprog(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);

	if (libxdp_get_error(mp))
		return NULL;
	return mp;
}

/* The program tag in hex, as bpftool prints it. */
static void prog_tag_hex(const struct xdp_program *prog, char buf[2 * BPF_TAG_SIZE + 1])
{
	const unsigned char *tag = xdp_program__tag(prog);
	int i;

	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(buf + 2 * i, "%02x", tag[i]);
}

static void describe_attachment(FILE *out, const struct xdp_multiprog *mp,
				const struct xdp_program *prog)
{
	char tag[2 * BPF_TAG_SIZE + 1];

	fprintf(out, "%s mode, ", xdp_mode_name(xdp_multiprog__attach_mode(mp)));
	if (xdp_multiprog__is_legacy(mp))
		fprintf(out, "legacy (single program, no libxdp dispatcher)");
	else
		fprintf(out, "libxdp dispatcher with %d program(s)",
			xdp_multiprog__program_count(mp));
	prog_tag_hex(prog, tag);
	fprintf(out, ", program id %u name %s tag %s", xdp_program__id(prog),
		xdp_program__name(prog), tag);
}

static void report_attached(const char *ifname, int ifindex, __u32 prog_id)
{
	struct xdp_multiprog *mp = get_multiprog(ifindex);
	struct xdp_program *prog = mp ? find_ours(mp, prog_id) : NULL;

	if (vfw_log_level < VFW_LOG_INFO || !prog)
		goto out;
	fprintf(stderr, "%s: attached vaultfw: ", ifname);
	describe_attachment(stderr, mp, prog);
	fputc('\n', stderr);
out:
	xdp_multiprog__close(mp);
}

/*
 * Pins without a pinned program while no vaultfw program is attached: what
 * an attach killed before its end leaves (docs/design.md "Crash safety").
 * Every attach holds the directory lock to its end, so under the lock this
 * is never an attach still running.
 */
static bool is_dead_attach(const char *ifname, const char *dir)
{
	unsigned int ifindex = if_nametoindex(ifname);
	struct xdp_multiprog *mp;
	bool attached;

	if (pinned_prog_id(dir))
		return false;
	mp = ifindex ? get_multiprog(ifindex) : NULL;
	attached = mp && find_ours(mp, 0);
	xdp_multiprog__close(mp);
	return !attached;
}

static int lock_new_pin_dir(const char *ifname, const char *dir, char *err, size_t errlen)
{
	int fd = -ESTALE, tries, ret;

	ret = make_dir(VFW_PIN_ROOT, err, errlen);
	if (ret)
		return ret;
	for (tries = 0; fd == -ESTALE && tries < LOCK_RETRIES; tries++) {
		ret = make_dir(dir, err, errlen);
		if (ret)
			return ret;
		fd = lock_dir(dir, LOCK_EX);
	}
	if (fd < 0) {
		vfw_set_err(err, errlen, "cannot lock %s: %s", dir, strerror(-fd));
		return fd;
	}
	ret = dir_is_empty(dir);
	if (ret == 0 && is_dead_attach(ifname, dir)) {
		pr_info("%s: clearing what an attach that did not finish left in %s\n", ifname, dir);
		ret = empty_pin_dir(dir) ?: 1;
	}
	if (ret == 1)
		return fd;
	if (ret == 0) {
		vfw_set_err(err, errlen, "vaultfw is already attached to %s (%s holds pins); "
			"use apply to change its rules, or attach --replace", ifname, dir);
		ret = -EEXIST;
	} else {
		vfw_set_err(err, errlen, "cannot read %s: %s", dir, strerror(-ret));
	}
	unlock_dir(fd);
	return ret;
}

static int ifindex_of(const char *ifname, char *err, size_t errlen)
{
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		vfw_set_err(err, errlen, "no interface %s: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	return ifindex;
}

static int open_maps(const char *dir, struct vfw_maps *maps, char *err, size_t errlen)
{
	return vfw_maps_open_pinned(dir, maps, err, errlen);
}

/* Attach a program to the maps pinned in pin_dir, and pin it there. */
static int reattach_pinned(const char *ifname, const char *pin_dir, int ifindex,
			   enum xdp_attach_mode mode, char *err, size_t errlen)
{
	struct vaultfw_bpf *prog_skel = NULL;
	struct xdp_program *xprog = NULL;
	char path[PATH_MAX];
	int ret;

	ret = attach_program(NULL, pin_dir, ifindex, mode, &prog_skel, &xprog, err, errlen);
	if (ret)
		goto cleanup;
	snprintf(path, sizeof(path), "%s/%s", pin_dir, VFW_PROG_NAME);
	unlink(path);	/* the program it names is no longer attached */
	ret = pin_fd(xdp_program__fd(xprog), pin_dir, VFW_PROG_NAME);
	if (ret) {
		/* Keep the filter: detach finds it by name without the pin. */
		pr_warn("%s: attached, but cannot pin the program in %s: %s\n", ifname,
			pin_dir, strerror(-ret));
		ret = 0;
	}
	report_attached(ifname, ifindex, xdp_program__id(xprog));
cleanup:
	xdp_program__close(xprog);
	vaultfw_bpf__destroy(prog_skel);
	return ret;
}

/*
 * attach --replace where vaultfw is attached: the new rules go into the
 * existing maps atomically (kept rules keep their counters) and the program
 * stays attached, so the interface is never without the filter. Only a
 * program that is gone (pins left behind) is attached again.
 */
static int replace_attached(const char *ifname, const char *pin_dir, const struct vfw_doc *doc,
			    const char *source, int ifindex, enum xdp_attach_mode mode,
			    char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	struct xdp_multiprog *mp = NULL;
	struct xdp_program *prog;
	int dir_fd, ret;

	ret = dir_fd = lock_existing(ifname, pin_dir, LOCK_EX, err, errlen);
	if (ret < 0)
		return ret;
	ret = open_maps(pin_dir, &maps, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install_document(&maps, &doc->compiled, doc->text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the rule set (previous rules stay in force): %s",
			strerror(-ret));
		goto cleanup;
	}
	mp = get_multiprog(ifindex);
	prog = mp ? find_ours(mp, pinned_prog_id(pin_dir)) : NULL;
	if (!prog) {
		ret = reattach_pinned(ifname, pin_dir, ifindex, mode, err, errlen);
		goto cleanup;
	}
	if (xdp_multiprog__attach_mode(mp) != mode)
		pr_warn("%s: kept in %s mode; detach and attach to change the mode\n", ifname,
			xdp_mode_name(xdp_multiprog__attach_mode(mp)));
	printf("%s: replaced the rules with %s; the filter stayed attached\n", ifname, source);
cleanup:
	xdp_multiprog__close(mp);
	vfw_maps_close(&maps);
	unlock_dir(dir_fd);
	return ret;
}

/*
 * What attach and apply need before any kernel call: root, the pin
 * directory, and the rules file parsed and compiled, so that a bad file
 * changes nothing. `source` (PATH_MAX) gets the file's real path, recorded
 * with the rule set. On failure nothing is left to free.
 */
static int prepare_write(const char *ifname, const char *rules_path, char *pin_dir,
			 char *source, struct vfw_doc *doc, char *err, size_t errlen)
{
	int ret = require_root(err, errlen) ?:
		  pin_dir_path(ifname, pin_dir, PIN_DIR_MAX, err, errlen) ?:
		  vfw_doc_from_file(rules_path, doc, err, errlen);

	if (ret)
		return ret;
	if (!realpath(rules_path, source)) {
		ret = -errno;
		vfw_set_err(err, errlen, "%s: %s", rules_path, strerror(-ret));
		vfw_doc_free(doc);
	}
	return ret;
}

static int attach_iface(const char *ifname, const char *rules_path, enum xdp_attach_mode mode,
			__u32 log_rate, bool replace, char *err, size_t errlen)
{
	struct vaultfw_bpf *maps_skel = NULL, *prog_skel = NULL;
	char pin_dir[PIN_DIR_MAX], source[PATH_MAX];
	struct vfw_doc doc = {};
	struct xdp_program *xprog = NULL;
	bool attached = false, own_dir = false;
	int ifindex, dir_fd = -1, ret;
	struct vfw_maps maps;

	ret = prepare_write(ifname, rules_path, pin_dir, source, &doc, err, errlen);
	if (ret)
		return ret;
	ret = ifindex = ifindex_of(ifname, err, errlen);
	if (ret < 0)
		goto cleanup;
	ret = ensure_bpffs(err, errlen);
	if (ret)
		goto cleanup;
	ret = dir_fd = lock_new_pin_dir(ifname, pin_dir, err, errlen);
	if (ret == -EEXIST && replace) {
		ret = replace_attached(ifname, pin_dir, &doc, source, ifindex, mode, err, errlen);
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	own_dir = true;
	vfw_fault_point("attach-dir");

	ret = load_maps_only(&maps_skel, err, errlen);
	if (ret)
		goto cleanup;
	vfw_maps_from_skel(maps_skel, &maps);
	ret = vfw_events_config_init(bpf_map__fd(maps_skel->maps.vfw_log_config), log_rate);
	if (ret) {
		vfw_set_err(err, errlen, "cannot set up the diagnostic log: %s", strerror(-ret));
		goto cleanup;
	}
	ret = vfw_ruleset_install_document(&maps, &doc.compiled, doc.text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the rule set: %s", strerror(-ret));
		goto cleanup;
	}
	ret = pin_maps(maps_skel->obj, pin_dir, err, errlen);
	if (ret)
		goto cleanup;
	vfw_fault_point("attach-pinned");
	ret = attach_program(maps_skel, NULL, ifindex, mode, &prog_skel, &xprog, err, errlen);
	if (ret)
		goto cleanup;
	attached = true;
	vfw_fault_point("attach-prog");
	ret = pin_fd(xdp_program__fd(xprog), pin_dir, VFW_PROG_NAME);
	if (ret) {
		vfw_set_err(err, errlen, "cannot pin the program in %s: %s", pin_dir, strerror(-ret));
		goto cleanup;
	}
	report_attached(ifname, ifindex, xdp_program__id(xprog));
	vfw_fault_point("attach-done");

cleanup:
	if (ret < 0 && attached)
		xdp_program__detach(xprog, ifindex, mode, 0);
	xdp_program__close(xprog);
	vaultfw_bpf__destroy(prog_skel);
	vaultfw_bpf__destroy(maps_skel);
	if (ret < 0 && own_dir)
		remove_pin_dir(pin_dir);
	unlock_dir(dir_fd);
	vfw_doc_free(&doc);
	return ret < 0 ? ret : 0;
}

int vfw_attach(const char *ifname, const char *rules_path,
	       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen)
{
	return attach_iface(ifname, rules_path, mode, log_rate, false, err, errlen);
}

int vfw_attach_replace(const char *ifname, const char *rules_path,
		       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen)
{
	return attach_iface(ifname, rules_path, mode, log_rate, true, err, errlen);
}

int vfw_read_live_config(const struct vfw_maps *maps, struct vfw_config *cfg)
{
	int slot = vfw_ruleset_active_slot(maps);
	__u32 key;

	if (slot < 0)
		return slot;
	key = slot;
	if (bpf_map_lookup_elem(maps->config_fd, &key, cfg))
		return -errno;
	cfg->source[sizeof(cfg->source) - 1] = '\0';
	return slot;
}

int vfw_apply(const char *ifname, const char *rules_path, char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	char pin_dir[PIN_DIR_MAX], source[PATH_MAX];
	struct vfw_doc doc = {};
	struct vfw_config cfg;
	int dir_fd = -1, ret;

	ret = prepare_write(ifname, rules_path, pin_dir, source, &doc, err, errlen);
	if (ret)
		return ret;
	ret = dir_fd = lock_existing(ifname, pin_dir, LOCK_EX, err, errlen);
	if (ret < 0)
		goto cleanup;
	ret = open_maps(pin_dir, &maps, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install_document(&maps, &doc.compiled, doc.text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the rule set (previous rules stay in force): %s",
			strerror(-ret));
		goto cleanup;
	}
	ret = vfw_read_live_config(&maps, &cfg);
	if (ret < 0) {
		vfw_set_err(err, errlen, "rule set installed, but cannot read it back: %s",
			strerror(-ret));
		goto cleanup;
	}
	printf("%s: applied %s: generation %llu, %zu rules, %zu trie entries\n",
	       ifname, source, (unsigned long long)cfg.generation,
	       doc.compiled.n_rules, doc.compiled.n_entries);
	ret = 0;
cleanup:
	vfw_maps_close(&maps);
	unlock_dir(dir_fd);
	vfw_doc_free(&doc);
	return ret;
}

int vfw_with_pinned_maps(const char *ifname, bool exclusive, vfw_pinned_fn fn, void *ctx,
			 char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	char pin_dir[PIN_DIR_MAX];
	int dir_fd, ret;

	ret = require_root(err, errlen) ?:
	      pin_dir_path(ifname, pin_dir, sizeof(pin_dir), err, errlen);
	if (ret)
		return ret;
	ret = dir_fd = lock_existing(ifname, pin_dir, exclusive ? LOCK_EX : LOCK_SH, err, errlen);
	if (ret < 0)
		return ret;
	ret = open_maps(pin_dir, &maps, err, errlen);
	if (!ret)
		ret = fn(ifname, &maps, pin_dir, ctx, err, errlen);
	vfw_maps_close(&maps);
	unlock_dir(dir_fd);
	return ret;
}

/* 0 when detached, -ENOENT when vaultfw was not attached to ifindex. */
static int detach_program(int ifindex, __u32 pinned_id)
{
	struct xdp_multiprog *mp = get_multiprog(ifindex);
	struct xdp_program *prog;
	int ret = -ENOENT;

	if (!mp)
		return -ENOENT;
	prog = find_ours(mp, pinned_id);
	if (!prog)
		goto out;
	if (xdp_multiprog__is_legacy(mp))
		ret = xdp_multiprog__detach(mp);
	else	/* leave the other programs of the dispatcher in place */
		ret = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
out:
	xdp_multiprog__close(mp);
	return ret;
}

int vfw_detach(const char *ifname, char *err, size_t errlen)
{
	bool had_pins, was_attached = false;
	char pin_dir[PIN_DIR_MAX];
	unsigned int ifindex;
	int dir_fd, ret;

	ret = require_root(err, errlen);
	if (ret)
		return ret;
	ret = pin_dir_path(ifname, pin_dir, sizeof(pin_dir), err, errlen);
	if (ret)
		return ret;
	dir_fd = lock_dir(pin_dir, LOCK_EX);
	if (dir_fd < 0 && dir_fd != -ENOENT && dir_fd != -ESTALE) {
		vfw_set_err(err, errlen, "cannot lock %s: %s", pin_dir, strerror(-dir_fd));
		return dir_fd;
	}
	had_pins = dir_fd >= 0;

	/* The interface may be gone (and its program with it): pins remain. */
	ifindex = if_nametoindex(ifname);
	if (ifindex) {
		ret = detach_program(ifindex, had_pins ? pinned_prog_id(pin_dir) : 0);
		if (ret && ret != -ENOENT) {
			vfw_set_err(err, errlen, "cannot detach from %s: %s", ifname, strerror(-ret));
			goto cleanup;
		}
		was_attached = !ret;
	}
	ret = had_pins ? remove_pin_dir(pin_dir) : 0;
	if (ret) {
		vfw_set_err(err, errlen, "cannot remove %s: %s", pin_dir, strerror(-ret));
		goto cleanup;
	}
	if (was_attached || had_pins)
		printf("%s: vaultfw detached%s\n", ifname,
		       ifindex ? "" : " (interface gone; pins removed)");
	else
		printf("%s: vaultfw is not attached; nothing to do\n", ifname);
cleanup:
	unlock_dir(dir_fd);
	return ret;
}

static void print_attachment(const char *ifname, const char *dir)
{
	unsigned int ifindex = if_nametoindex(ifname);
	struct xdp_multiprog *mp;
	struct xdp_program *prog;

	printf("  xdp: ");
	if (!ifindex) {
		printf("interface gone (pins remain; run detach)\n");
		return;
	}
	mp = get_multiprog(ifindex);
	prog = mp ? find_ours(mp, pinned_prog_id(dir)) : NULL;
	if (prog) {
		printf("attached, ");
		describe_attachment(stdout, mp, prog);
		putchar('\n');
	} else {
		printf("NOT attached (pins remain)\n");
	}
	xdp_multiprog__close(mp);
}

static void read_attachment(const char *ifname, const char *dir, struct vfw_attachment *a)
{
	unsigned int ifindex = if_nametoindex(ifname);
	struct xdp_multiprog *mp = ifindex ? get_multiprog(ifindex) : NULL;
	struct xdp_program *prog = mp ? find_ours(mp, pinned_prog_id(dir)) : NULL;

	memset(a, 0, sizeof(*a));
	a->iface_gone = !ifindex;
	if (prog) {
		a->attached = true;
		a->mode = xdp_mode_name(xdp_multiprog__attach_mode(mp));
		a->dispatcher = !xdp_multiprog__is_legacy(mp);
		a->n_progs = a->dispatcher ? xdp_multiprog__program_count(mp) : 1;
		a->prog_id = xdp_program__id(prog);
		snprintf(a->prog_name, sizeof(a->prog_name), "%s", xdp_program__name(prog));
		prog_tag_hex(prog, a->tag);
	}
	xdp_multiprog__close(mp);
}

static void print_map_memory(const char *pin_dir, const struct vfw_maps *maps)
{
	struct vfw_map_usage *usage;
	size_t n;

	if (vfw_map_usage_read(pin_dir, maps, &usage, &n)) {
		printf("  map memory: unreadable\n");
		return;
	}
	vfw_map_usage_print(stdout, usage, n);
	free(usage);
}

static int append_status_json(json_t *all, const char *ifname, const char *pin_dir,
			      const struct vfw_maps *maps, int slot,
			      const struct vfw_config *cfg)
{
	struct vfw_attachment xdp;

	read_attachment(ifname, pin_dir, &xdp);
	return json_array_append_new(all, vfw_status_json(ifname, pin_dir, &xdp, maps,
							  slot, cfg)) ? -ENOMEM : 0;
}

static void print_rule_set(const struct vfw_maps *maps, int slot,
			   const struct vfw_config *cfg)
{
	time_t applied = cfg->applied_unix;
	struct vfw_stats stats;
	char when[64];
	struct tm tm;

	if (!gmtime_r(&applied, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%llu", (unsigned long long)cfg->applied_unix);
	printf("  rule set: slot %d, generation %llu, applied %s\n", slot,
	       (unsigned long long)cfg->generation, when);
	printf("  source: %s\n", cfg->source);
	vfw_print_settings(stdout, cfg);
	if (vfw_stats_read(maps, &stats)) {
		printf("  rules: unreadable\n");
		return;
	}
	printf("  rules: %zu (", stats.n_rules);
	vfw_print_kind_counts(stdout, stats.per_kind);
	printf(")\n");
	vfw_stats_free(&stats);
}

static void print_log_status(const char *pin_dir)
{
	struct vfw_events_status st;

	if (vfw_events_status_read(pin_dir, &st))
		printf("  log: unreadable\n");
	else
		vfw_events_status_print(stdout, &st);
}

/* json_out NULL: print text; else append the interface's JSON to it. */
static int status_one(const char *ifname, json_t *json_out, char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	char pin_dir[PIN_DIR_MAX];
	struct vfw_config cfg;
	int dir_fd = -1, ret;

	ret = pin_dir_path(ifname, pin_dir, sizeof(pin_dir), err, errlen);
	if (ret)
		return ret;
	ret = dir_fd = lock_existing(ifname, pin_dir, LOCK_SH, err, errlen);
	if (ret < 0)
		return ret;
	if (!json_out) {
		printf("%s:\n", ifname);
		print_attachment(ifname, pin_dir);
	}
	ret = open_maps(pin_dir, &maps, err, errlen);
	if (ret && is_dead_attach(ifname, pin_dir))
		vfw_set_err(err, errlen, "vaultfw on %s is incomplete (an attach did not finish): "
			"attach again, or detach", ifname);
	if (ret)
		goto cleanup;
	ret = vfw_read_live_config(&maps, &cfg);
	if (ret < 0) {
		vfw_set_err(err, errlen, "cannot read the live config of %s: %s", ifname, strerror(-ret));
		goto cleanup;
	}
	if (json_out) {
		ret = append_status_json(json_out, ifname, pin_dir, &maps, ret, &cfg);
		goto cleanup;
	}
	print_rule_set(&maps, ret, &cfg);
	print_log_status(pin_dir);
	print_map_memory(pin_dir, &maps);
	ret = 0;
cleanup:
	vfw_maps_close(&maps);
	unlock_dir(dir_fd);
	return ret;
}

static int status_all(json_t *json_out, char *err, size_t errlen)
{
	int ret, first_err = 0, n = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(VFW_PIN_ROOT);
	if (!d && errno != ENOENT) {
		vfw_set_err(err, errlen, "%s: %s", VFW_PIN_ROOT, strerror(errno));
		return -errno;
	}
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n++ && !json_out)
			putchar('\n');
		/* One broken interface must not hide the others. */
		ret = status_one(de->d_name, json_out, err, errlen);
		if (ret && !first_err)
			first_err = ret;
	}
	if (d)
		closedir(d);
	if (!n && !json_out)
		printf("vaultfw is not attached to any interface\n");
	return first_err;
}

static int print_status_json(json_t *all)
{
	json_t *root = json_pack("{s:O}", "interfaces", all);
	int ret;

	ret = root && !json_dumpf(root, stdout, JSON_INDENT(2)) ? 0 : -EIO;
	if (!ret)
		putchar('\n');
	json_decref(root);
	return ret;
}

int vfw_status(const char *ifname, bool json, char *err, size_t errlen)
{
	json_t *all = NULL;
	int ret = require_root(err, errlen);

	if (ret)
		return ret;
	if (json && !(all = json_array()))
		return -ENOMEM;
	ret = ifname ? status_one(ifname, all, err, errlen) : status_all(all, err, errlen);
	if (all && !ret)
		ret = print_status_json(all);
	json_decref(all);
	return ret;
}

static int show_stats_locked(const char *ifname, const struct vfw_maps *maps,
			     const char *pin_dir, void *ctx, char *err, size_t errlen)
{
	const bool *json = ctx;
	struct vfw_stats stats = {};
	int ret;

	(void)pin_dir;
	ret = vfw_stats_read(maps, &stats);
	if (ret) {
		vfw_set_err(err, errlen, "cannot read the counters: %s", strerror(-ret));
		goto cleanup;
	}
	if (*json)
		ret = vfw_stats_print_json(stdout, ifname, &stats);
	else
		vfw_stats_print_table(stdout, ifname, &stats);
	if (ret)
		vfw_set_err(err, errlen, "cannot write JSON: %s", strerror(-ret));
cleanup:
	vfw_stats_free(&stats);
	return ret;
}

int vfw_show_stats(const char *ifname, bool json, char *err, size_t errlen)
{
	return vfw_with_pinned_maps(ifname, false, show_stats_locked, &json, err, errlen);
}
