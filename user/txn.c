// SPDX-License-Identifier: GPL-2.0
/*
 * The transactions that change what an interface enforces: attach,
 * attach --replace, apply and detach (docs/design.md "Atomic update",
 * "Failing closed", "Crash safety"). Each holds the pin directory's lock
 * from its first kernel call to its end.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "vaultfw.skel.h"
#include "document.h"
#include "events.h"
#include "fault.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "ruleset.h"
#include "txn.h"
#include "xdp.h"

/* An attach racing a detach may lock a directory that detach has just
 * removed; it then starts over, at most this many times. */
#define LOCK_RETRIES	3

static int lock_new_pin_dir(const struct vfw_iface *ifc, char *err, size_t errlen)
{
	const char *ifname = ifc->name, *dir = ifc->pin_dir;
	int fd = -ESTALE, tries, ret;

	ret = vfw_make_dir(VFW_PIN_ROOT, err, errlen);
	if (ret)
		return ret;
	for (tries = 0; fd == -ESTALE && tries < LOCK_RETRIES; tries++) {
		ret = vfw_make_dir(dir, err, errlen);
		if (ret)
			return ret;
		fd = vfw_lock_dir(dir, LOCK_EX);
	}
	if (fd < 0) {
		vfw_set_err(err, errlen, "cannot lock %s: %s", dir, strerror(-fd));
		return fd;
	}
	ret = vfw_dir_is_empty(dir);
	if (ret == 0 && vfw_is_dead_attach(ifc->ifindex, dir)) {
		pr_info("%s: clearing what an attach that did not finish left in %s\n", ifname, dir);
		ret = vfw_empty_pin_dir(dir) ?: 1;
	}
	if (ret == 1)
		return fd;
	if (ret == 0 && vfw_iface_check_enforcing(ifc, err, errlen)) {
		/* err says what holds the hook instead, and that --replace re-arms */
		ret = -EEXIST;
	} else if (ret == 0) {
		vfw_set_err(err, errlen, "vaultfw is already attached to %s (%s holds pins); "
			"use apply to change its rules, or attach --replace", ifname, dir);
		ret = -EEXIST;
	} else {
		vfw_set_err(err, errlen, "cannot read %s: %s", dir, strerror(-ret));
	}
	vfw_unlock_dir(fd);
	return ret;
}

static void remove_locked(const char *dir)
{
	int fd = vfw_lock_dir(dir, LOCK_EX);

	if (fd < 0)
		return;
	vfw_remove_pin_dir(dir);
	vfw_unlock_dir(fd);
}

/*
 * An interface of this name that is gone (deleted, or recreated with a new
 * index), or a deleted namespace whose inode this one got, took its program
 * with it: those pins are state nothing enforces, so a new attach clears
 * them rather than leave them to confuse status, or to be taken for ours.
 */
static void clear_stale_dirs(struct vfw_iface *ifc)
{
	char dir[VFW_PIN_DIR_MAX];

	if (ifc->orphaned) {
		pr_info("%s: removing %s, left by a deleted network namespace\n", ifc->name,
			ifc->pin_dir);
		remove_locked(ifc->pin_dir);
		ifc->orphaned = false;
	}
	if (vfw_iface_stale_dir(ifc, dir, sizeof(dir))) {
		pr_info("%s: removing %s, left by an earlier %s that is gone\n", ifc->name, dir,
			ifc->name);
		remove_locked(dir);
	}
}

/* Attach a program to the maps pinned in pin_dir, and pin it there. */
static int reattach_pinned(const char *ifname, const char *pin_dir, int ifindex,
			   enum xdp_attach_mode mode, char *err, size_t errlen)
{
	struct vaultfw_bpf *prog_skel = NULL;
	struct xdp_program *xprog = NULL;
	char path[PATH_MAX];
	int ret;

	ret = vfw_xdp_attach(NULL, pin_dir, ifindex, mode, &prog_skel, &xprog, err, errlen);
	if (ret)
		goto cleanup;
	/* the program it names is no longer attached */
	unlink(vfw_pin_path(path, sizeof(path), pin_dir, VFW_PROG_NAME));
	ret = vfw_pin_fd(xdp_program__fd(xprog), pin_dir, VFW_PROG_NAME);
	if (ret) {
		/* Keep the filter: detach finds it by name without the pin. */
		pr_warn("%s: attached, but cannot pin the program in %s: %s\n", ifname,
			pin_dir, strerror(-ret));
		ret = 0;
	}
	vfw_xdp_report_attached(ifname, ifindex, xdp_program__id(xprog));
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
static int replace_attached(struct vfw_iface *ifc, const struct vfw_doc *doc,
			    const char *source, enum xdp_attach_mode mode, char *err, size_t errlen)
{
	const char *ifname = ifc->name, *pin_dir = ifc->pin_dir;
	struct vfw_maps maps = vfw_maps_none();
	struct xdp_multiprog *mp = NULL;
	int ifindex = ifc->ifindex;
	struct xdp_program *prog;
	int dir_fd, ret;

	ret = dir_fd = vfw_iface_lock(ifc, LOCK_EX, err, errlen);
	if (ret < 0)
		return ret;
	ret = vfw_maps_open_pinned(pin_dir, &maps, err, errlen) ?:
	      vfw_ident_write(&maps, ifc);
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install_document(&maps, &doc->compiled, doc->text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the rule set (previous rules stay in force): %s",
			strerror(-ret));
		goto cleanup;
	}
	mp = vfw_xdp_get(ifindex);
	prog = mp ? vfw_xdp_find_ours(mp, vfw_pinned_prog_id(pin_dir)) : NULL;
	if (!prog) {
		ret = reattach_pinned(ifname, pin_dir, ifindex, mode, err, errlen);
		goto cleanup;
	}
	if (xdp_multiprog__attach_mode(mp) != mode)
		pr_warn("%s: kept in %s mode; detach and attach to change the mode\n", ifname,
			vfw_xdp_mode_name(xdp_multiprog__attach_mode(mp)));
	printf("%s: replaced the rules with %s; the filter stayed attached\n", ifname, source);
cleanup:
	xdp_multiprog__close(mp);
	vfw_maps_close(&maps);
	vfw_unlock_dir(dir_fd);
	return ret;
}

/* Root (or the capabilities), the host's bpffs, and the interface. */
static int prepare_target(const char *ifname, struct vfw_iface *ifc, char *err, size_t errlen)
{
	return vfw_require_privilege(err, errlen) ?:
	       vfw_check_bpffs(false, err, errlen) ?:
	       vfw_iface_resolve(ifname, ifc, err, errlen);
}

/*
 * The rules file parsed and compiled before anything changes, so that a
 * bad file changes nothing. `source` (PATH_MAX) gets the file's real path,
 * recorded with the rule set. On failure nothing is left to free.
 */
static int read_document(const char *rules_path, char *source, struct vfw_doc *doc,
			 char *err, size_t errlen)
{
	int ret = vfw_doc_from_file(rules_path, doc, err, errlen);

	if (ret)
		return ret;
	if (!realpath(rules_path, source)) {
		ret = -errno;
		vfw_set_err(err, errlen, "%s: %s", rules_path, strerror(-ret));
		vfw_doc_free(doc);
	}
	return ret;
}

static int prepare_write(const char *ifname, const char *rules_path, struct vfw_iface *ifc,
			 char *source, struct vfw_doc *doc, char *err, size_t errlen)
{
	return prepare_target(ifname, ifc, err, errlen) ?:
	       read_document(rules_path, source, doc, err, errlen);
}

/* A first attach: no state of a filter on it yet (an apply's, or what
 * attach --replace keeps, would make the preload wasted work). */
static bool first_attach(const struct vfw_iface *ifc)
{
	return ifc->ifindex && (ifc->orphaned || vfw_dir_is_empty(ifc->pin_dir) != 0);
}

static int attach_iface(const char *ifname, const char *rules_path, enum xdp_attach_mode mode,
			__u32 log_rate, bool replace, char *err, size_t errlen)
{
	struct vfw_iface ifc;
	struct vaultfw_bpf *maps_skel = NULL, *prog_skel = NULL;
	struct xdp_program *xprog = NULL;
	bool attached = false, own_dir = false;
	struct vfw_preload *preload = NULL;
	const char *pin_dir = ifc.pin_dir;
	char source[PATH_MAX];
	struct vfw_doc doc = {};
	int ifindex, dir_fd = -1, ret;
	struct vfw_maps maps;

	ret = prepare_target(ifname, &ifc, err, errlen);
	if (ret)
		return ret;
	/* The maps and the verifier, beside the parse, compile and install:
	 * nothing of it is attached or pinned before the rules are in. */
	if (first_attach(&ifc))
		preload = vfw_preload_start();
	ret = read_document(rules_path, source, &doc, err, errlen);
	if (ret)
		goto cleanup;
	ifindex = ifc.ifindex;
	if (!ifindex) {
		ret = vfw_set_err(err, errlen, "no interface %s in this network namespace", ifname);
		goto cleanup;
	}
	ret = vfw_check_bpffs(true, err, errlen);
	if (ret)
		goto cleanup;
	clear_stale_dirs(&ifc);
	ret = dir_fd = lock_new_pin_dir(&ifc, err, errlen);
	if (ret == -EEXIST && replace) {
		ret = replace_attached(&ifc, &doc, source, mode, err, errlen);
		goto cleanup;
	}
	if (ret < 0)
		goto cleanup;
	own_dir = true;
	vfw_fault_point("attach-dir");

	ret = preload ? vfw_preload_maps(preload, &maps_skel, err, errlen) :
			vfw_load_maps_only(&maps_skel, err, errlen);
	if (ret)
		goto cleanup;
	vfw_maps_from_skel(maps_skel, &maps);
	ret = vfw_events_config_init(maps.log_config_fd, log_rate) ?:
	      vfw_ident_write(&maps, &ifc);
	if (ret) {
		vfw_set_err(err, errlen, "cannot set up the diagnostic log: %s", strerror(-ret));
		goto cleanup;
	}
	ret = vfw_ruleset_install_document(&maps, &doc.compiled, doc.text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the rule set: %s", strerror(-ret));
		goto cleanup;
	}
	ret = vfw_pin_maps(maps_skel->obj, pin_dir, err, errlen);
	if (ret)
		goto cleanup;
	vfw_fault_point("attach-pinned");
	prog_skel = preload ? vfw_preload_prog(preload) : NULL;
	if (prog_skel)
		ret = vfw_xdp_attach_loaded(prog_skel, ifindex, mode, &xprog, err, errlen);
	else
		ret = vfw_xdp_attach(maps_skel, NULL, ifindex, mode, &prog_skel, &xprog,
				     err, errlen);
	if (ret)
		goto cleanup;
	attached = true;
	vfw_fault_point("attach-prog");
	ret = vfw_pin_fd(xdp_program__fd(xprog), pin_dir, VFW_PROG_NAME);
	if (ret) {
		vfw_set_err(err, errlen, "cannot pin the program in %s: %s", pin_dir, strerror(-ret));
		goto cleanup;
	}
	vfw_xdp_report_attached(ifname, ifindex, xdp_program__id(xprog));
	vfw_fault_point("attach-done");

cleanup:
	if (ret < 0 && attached)
		xdp_program__detach(xprog, ifindex, mode, 0);
	xdp_program__close(xprog);
	vfw_preload_free(preload);	/* first: its thread may still read maps_skel */
	vaultfw_bpf__destroy(prog_skel);
	vaultfw_bpf__destroy(maps_skel);
	if (ret < 0 && own_dir)
		vfw_remove_pin_dir(pin_dir);
	vfw_unlock_dir(dir_fd);
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

static void note_applied(const struct vfw_rules *r, struct vfw_applied *applied)
{
	if (!applied)
		return;
	snprintf(applied->service_tags_file, sizeof(applied->service_tags_file), "%s",
		 r->service_tags_file ?: "");
	applied->service_tags_st = r->service_tags_st;
}

int vfw_apply(const char *ifname, const char *rules_path, struct vfw_applied *applied,
	      char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	char source[PATH_MAX];
	struct vfw_doc doc = {};
	struct vfw_iface ifc;
	struct vfw_config cfg;
	int dir_fd = -1, ret;

	if (applied)
		applied->service_tags_file[0] = '\0';
	ret = prepare_write(ifname, rules_path, &ifc, source, &doc, err, errlen);
	if (ret)
		return ret;
	note_applied(&doc.rules, applied);
	ret = dir_fd = vfw_iface_lock(&ifc, LOCK_EX, err, errlen);
	if (ret < 0)
		goto cleanup;
	/* Nothing is applied where vaultfw no longer enforces. */
	ret = vfw_maps_open_pinned(ifc.pin_dir, &maps, err, errlen) ?:
	      vfw_iface_check_enforcing(&ifc, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install_document(&maps, &doc.compiled, doc.text, source, ifc.pin_dir);
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
	vfw_ident_write(&maps, &ifc);
	ret = vfw_iface_check_enforcing(&ifc, err, errlen);
	if (ret)
		goto cleanup;
	printf("%s: applied %s: generation %llu, %zu rules, %zu trie entries\n",
	       ifname, source, (unsigned long long)cfg.generation,
	       doc.compiled.n_rules, doc.compiled.n_entries);
	ret = 0;
cleanup:
	vfw_maps_close(&maps);
	vfw_unlock_dir(dir_fd);
	vfw_doc_free(&doc);
	return ret;
}

/* The pin directory detach works on: the interface's own, or else one an
 * interface of this name left behind when it went. */
static const char *detach_dir(const struct vfw_iface *ifc, char *stale, size_t len)
{
	struct stat st;

	if (ifc->pin_dir[0] && !stat(ifc->pin_dir, &st))
		return ifc->pin_dir;
	return vfw_iface_stale_dir(ifc, stale, len) ? stale : NULL;
}

int vfw_detach(const char *ifname, char *err, size_t errlen)
{
	bool had_pins, was_attached = false;
	char stale[VFW_PIN_DIR_MAX];
	const char *pin_dir;
	struct vfw_iface ifc;
	int dir_fd = -1, ret;

	ret = vfw_require_privilege(err, errlen) ?:
	      vfw_check_bpffs(false, err, errlen) ?:
	      vfw_iface_resolve(ifname, &ifc, err, errlen);
	if (ret)
		return ret;
	pin_dir = detach_dir(&ifc, stale, sizeof(stale));
	if (pin_dir) {
		dir_fd = vfw_lock_dir(pin_dir, LOCK_EX);
		if (dir_fd < 0 && dir_fd != -ENOENT && dir_fd != -ESTALE) {
			vfw_set_err(err, errlen, "cannot lock %s: %s", pin_dir, strerror(-dir_fd));
			return dir_fd;
		}
	} else if (vfw_iface_state_elsewhere(&ifc)) {
		/* Not here, but elsewhere: say where, and change nothing. */
		return vfw_iface_lock(&ifc, LOCK_EX, err, errlen);
	}
	had_pins = dir_fd >= 0;

	/* The interface may be gone (and its program with it): pins remain.
	 * A deleted namespace's program never ran on this interface. */
	if (ifc.ifindex && !ifc.orphaned && (!had_pins || pin_dir == ifc.pin_dir)) {
		ret = vfw_xdp_detach_ours(ifc.ifindex, had_pins ? vfw_pinned_prog_id(pin_dir) : 0);
		if (ret && ret != -ENOENT) {
			vfw_set_err(err, errlen, "cannot detach from %s: %s", ifname, strerror(-ret));
			goto cleanup;
		}
		was_attached = !ret;
	}
	ret = had_pins ? vfw_remove_pin_dir(pin_dir) : 0;
	if (ret) {
		vfw_set_err(err, errlen, "cannot remove %s: %s", pin_dir, strerror(-ret));
		goto cleanup;
	}
	if (was_attached || had_pins)
		printf("%s: vaultfw detached%s\n", ifname,
		       ifc.orphaned ? " (pins of a deleted network namespace removed)" :
		       pin_dir == stale ? " (interface gone; pins removed)" : "");
	else
		printf("%s: vaultfw is not attached; nothing to do\n", ifname);
cleanup:
	vfw_unlock_dir(dir_fd);
	return ret;
}
