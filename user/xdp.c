// SPDX-License-Identifier: GPL-2.0
/* XDP attachment through libxdp, dispatcher or legacy: see xdp.h. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vaultfw.skel.h"
#include "dispatch_probe.skel.h"
#include "log.h"
#include "pins.h"
#include "xdp.h"

/* libxdp's switch to attach a single program without trying its dispatcher. */
#define XDP_SKIP_DISPATCHER_ENV	"LIBXDP_SKIP_DISPATCHER"

/* Above this, a frame does not fit one page-sized XDP buffer (Ethernet,
 * headroom and the skb_shared_info tail included): multi-buffer territory. */
#define VFW_SINGLE_BUFFER_MTU	3498

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

const char *vfw_xdp_mode_name(enum xdp_attach_mode mode)
{
	size_t i;

	for (i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++)
		if (xdp_modes[i].mode == mode)
			return xdp_modes[i].name;
	return mode == XDP_MODE_HW ? "offload" : "unknown";
}

/*
 * Create the maps without the program, so that the rule set is installed
 * before any program is attached that could run without one (fail closed).
 */
int vfw_load_maps_only(struct vaultfw_bpf **out, char *err, size_t errlen)
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

/*
 * Hand libxdp a fresh, unloaded copy of the object that shares the maps
 * already holding the rule set (those of maps_skel, or when it is NULL the
 * ones pinned in pin_dir): libxdp loads it as a dispatcher component
 * where the kernel allows, or as a plain XDP program where it does not.
 */
/* The MTU of ifindex in this network namespace, or 0. */
static int iface_mtu(int ifindex)
{
	struct ifreq ifr = {};
	int fd, mtu = 0;

	if (!if_indextoname(ifindex, ifr.ifr_name))
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/*
 * What an operator can act on, instead of the bare errno: who holds the
 * hook (EBUSY, EEXIST), or that the driver cannot run native XDP at this
 * MTU (ERANGE, EOPNOTSUPP, EINVAL with a jumbo MTU).
 */
static void explain_attach_failure(int ifindex, enum xdp_attach_mode mode, int ret,
				   char *err, size_t errlen)
{
	struct xdp_multiprog *mp = vfw_xdp_get(ifindex);
	struct xdp_program *holder = mp ? xdp_multiprog__main_prog(mp) : NULL;
	int mtu = iface_mtu(ifindex);

	if ((ret == -EBUSY || ret == -EEXIST) && holder)
		vfw_set_err(err, errlen, "cannot attach in %s mode: the XDP hook is held by "
			    "program %s (id %u%s): detach that program first (vaultfw "
			    "shares the hook only through libxdp's dispatcher)",
			    vfw_xdp_mode_name(mode), xdp_program__name(holder),
			    xdp_program__id(holder),
			    xdp_multiprog__is_legacy(mp) ? "" : ", a libxdp dispatcher");
	else if (mode == XDP_MODE_NATIVE && mtu > VFW_SINGLE_BUFFER_MTU &&
		 (ret == -ERANGE || ret == -EOPNOTSUPP || ret == -EINVAL))
		vfw_set_err(err, errlen, "cannot attach in native mode at MTU %d: this driver "
			    "cannot give XDP frames larger than a page (no multi-buffer XDP); "
			    "lower the MTU or use --mode generic (kernel: %s)", mtu, strerror(-ret));
	else
		vfw_set_err(err, errlen, "cannot attach in %s mode: %s", vfw_xdp_mode_name(mode),
			    strerror(-ret));
	xdp_multiprog__close(mp);
}

static int attach_program(struct xdp_program *prog, int ifindex, enum xdp_attach_mode mode,
			  char *err, size_t errlen)
{
	int ret = xdp_program__attach(prog, ifindex, mode, 0);

	if (ret)
		explain_attach_failure(ifindex, mode, ret, err, errlen);
	return ret;
}

int vfw_xdp_attach(const struct vaultfw_bpf *maps_skel, const char *pin_dir,
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
	if (!maps_skel)
		ret = vfw_reuse_pinned_maps(skel->obj, pin_dir, NULL, err, errlen);
	else if ((ret = reuse_maps(skel->obj, maps_skel->obj)))
		vfw_set_err(err, errlen, "cannot share the maps: %s", strerror(-ret));
	if (ret)
		return ret;
	prog = xdp_program__from_bpf_obj(skel->obj,
					 bpf_program__section_name(skel->progs.vaultfw_xdp));
	ret = libxdp_get_error(prog);
	if (ret) {
		vfw_set_err(err, errlen, "libxdp cannot use the program: %s", strerror(-ret));
		return ret;
	}
	*xprog = prog;
	/* libbpf marks an "xdp.frags" program only when it loads it, and libxdp
	 * asks before: without this, a dispatcher would be built without
	 * multi-buffer support, and native attach at MTU 9000 would fail. */
	xdp_program__set_xdp_frags_support(prog, true);
	return attach_program(prog, ifindex, mode, err, errlen);
}

/*
 * A loaded program can only be a single one (a dispatcher component is
 * loaded by libxdp, as freplace): libxdp would still try its dispatcher
 * first (loading it and its compatibility test, ~15 ms) and then fall
 * back; LIBXDP_SKIP_DISPATCHER is libxdp's own way to go straight there.
 */
int vfw_xdp_attach_loaded(const struct vaultfw_bpf *prog_skel, int ifindex,
			  enum xdp_attach_mode mode, struct xdp_program **xprog,
			  char *err, size_t errlen)
{
	struct xdp_program *prog = xdp_program__from_fd(bpf_program__fd(prog_skel->progs.vaultfw_xdp));
	bool was_set = getenv(XDP_SKIP_DISPATCHER_ENV);
	int ret = libxdp_get_error(prog);

	if (ret) {
		vfw_set_err(err, errlen, "libxdp cannot use the program: %s", strerror(-ret));
		return ret;
	}
	*xprog = prog;
	if (!was_set)
		setenv(XDP_SKIP_DISPATCHER_ENV, "1", 0);
	ret = attach_program(prog, ifindex, mode, err, errlen);
	if (!was_set)
		unsetenv(XDP_SKIP_DISPATCHER_ENV);
	return ret;
}

bool vfw_xdp_dispatcher_possible(void)
{
	struct dispatch_probe_bpf *target = NULL, *ext = NULL;
	const char *skip = secure_getenv(XDP_SKIP_DISPATCHER_ENV);
	struct bpf_link *link = NULL;
	bool possible = false;

	if (skip && !strcmp(skip, "1"))
		return false;	/* libxdp attaches a single program then */
	target = dispatch_probe_bpf__open();
	if (!target)
		goto cleanup;
	bpf_program__set_autoload(target->progs.vfw_probe_ext, false);
	if (dispatch_probe_bpf__load(target))
		goto cleanup;
	ext = dispatch_probe_bpf__open();
	if (!ext)
		goto cleanup;
	bpf_program__set_autoload(ext->progs.vfw_probe_xdp, false);
	if (bpf_program__set_attach_target(ext->progs.vfw_probe_ext,
					   bpf_program__fd(target->progs.vfw_probe_xdp),
					   "vfw_probe_slot") ||
	    dispatch_probe_bpf__load(ext))
		goto cleanup;
	link = bpf_program__attach_freplace(ext->progs.vfw_probe_ext,
					    bpf_program__fd(target->progs.vfw_probe_xdp),
					    "vfw_probe_slot");
	possible = !libbpf_get_error(link);
cleanup:
	bpf_link__destroy(link);	/* NULL and errors included */
	dispatch_probe_bpf__destroy(ext);
	dispatch_probe_bpf__destroy(target);
	pr_debug("libxdp's dispatcher is %spossible here\n", possible ? "" : "not ");
	return possible;
}

/* ---- preload: the maps and the program, beside the caller's work ---- */

struct vfw_preload {
	pthread_t tid;
	pthread_mutex_t lock;		/* maps_done */
	pthread_cond_t cond;
	bool maps_done;
	bool joined;
	int maps_err;
	char maps_why[256];
	struct vaultfw_bpf *maps_skel;	/* until vfw_preload_maps hands it over */
	struct vaultfw_bpf *prog_skel;	/* loaded; NULL: libxdp is to load it */
};

/* The program on the maps of maps_skel, loaded (verified), or NULL. */
static struct vaultfw_bpf *load_on_maps(const struct vaultfw_bpf *maps_skel)
{
	struct vaultfw_bpf *skel;
	char why[256];

	if (vfw_open_object(&skel, why, sizeof(why)))
		return NULL;
	if (reuse_maps(skel->obj, maps_skel->obj) || vaultfw_bpf__load(skel)) {
		/* libxdp loads it again and reports what fails */
		vaultfw_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static void *preload_thread(void *arg)
{
	struct vfw_preload *p = arg;
	struct vaultfw_bpf *maps = NULL;
	int err;

	err = vfw_load_maps_only(&maps, p->maps_why, sizeof(p->maps_why));
	pthread_mutex_lock(&p->lock);
	p->maps_skel = maps;
	p->maps_err = err;
	p->maps_done = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	/* A component of libxdp's dispatcher is loaded by libxdp, as freplace;
	 * a single program may be verified now. */
	if (!err && !vfw_xdp_dispatcher_possible())
		p->prog_skel = load_on_maps(maps);
	return NULL;
}

struct vfw_preload *vfw_preload_start(void)
{
	struct vfw_preload *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->tid, NULL, preload_thread, p)) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

int vfw_preload_maps(struct vfw_preload *p, struct vaultfw_bpf **maps_skel,
		     char *err, size_t errlen)
{
	int ret;

	pthread_mutex_lock(&p->lock);
	while (!p->maps_done)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	ret = p->maps_err;
	if (ret)
		vfw_set_err(err, errlen, "%s", p->maps_why);
	*maps_skel = p->maps_skel;
	p->maps_skel = NULL;
	return ret;
}

static void preload_join(struct vfw_preload *p)
{
	if (!p->joined)
		pthread_join(p->tid, NULL);
	p->joined = true;
}

struct vaultfw_bpf *vfw_preload_prog(struct vfw_preload *p)
{
	struct vaultfw_bpf *skel;

	preload_join(p);
	skel = p->prog_skel;
	p->prog_skel = NULL;
	return skel;
}

void vfw_preload_free(struct vfw_preload *p)
{
	if (!p)
		return;
	preload_join(p);
	vaultfw_bpf__destroy(p->prog_skel);
	vaultfw_bpf__destroy(p->maps_skel);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
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
struct xdp_program *vfw_xdp_find_ours(const struct xdp_multiprog *mp, __u32 pinned_id)
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
struct xdp_multiprog *vfw_xdp_get(int ifindex)
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

void vfw_attachment_describe(FILE *out, const struct vfw_attachment *a)
{
	fprintf(out, "%s mode, ", a->mode);
	if (a->dispatcher)
		fprintf(out, "libxdp dispatcher with %d program(s)", a->n_progs);
	else
		fprintf(out, "legacy (single program, no libxdp dispatcher)");
	fprintf(out, ", program id %u name %s tag %s", a->prog_id, a->prog_name, a->tag);
}

static void read_prog(const struct xdp_multiprog *mp, const struct xdp_program *prog,
		      struct vfw_attachment *a)
{
	a->attached = true;
	a->mode = vfw_xdp_mode_name(xdp_multiprog__attach_mode(mp));
	a->dispatcher = !xdp_multiprog__is_legacy(mp);
	a->n_progs = a->dispatcher ? xdp_multiprog__program_count(mp) : 1;
	a->prog_id = xdp_program__id(prog);
	snprintf(a->prog_name, sizeof(a->prog_name), "%s", xdp_program__name(prog));
	prog_tag_hex(prog, a->tag);
}

void vfw_xdp_report_attached(const char *ifname, int ifindex, __u32 prog_id)
{
	struct xdp_multiprog *mp = vfw_xdp_get(ifindex);
	struct xdp_program *prog = mp ? vfw_xdp_find_ours(mp, prog_id) : NULL;
	struct vfw_attachment a = {};

	if (vfw_log_level >= VFW_LOG_INFO && prog) {
		read_prog(mp, prog, &a);
		fprintf(stderr, "%s: attached vaultfw: ", ifname);
		vfw_attachment_describe(stderr, &a);
		fputc('\n', stderr);
	}
	xdp_multiprog__close(mp);
}

bool vfw_is_dead_attach(int ifindex, const char *dir)
{
	struct xdp_multiprog *mp;
	bool attached;

	if (vfw_pinned_prog_id(dir))
		return false;
	mp = ifindex ? vfw_xdp_get(ifindex) : NULL;
	attached = mp && vfw_xdp_find_ours(mp, 0);
	xdp_multiprog__close(mp);
	return !attached;
}

/* 0 when detached, -ENOENT when vaultfw was not attached to ifindex. */
int vfw_xdp_detach_ours(int ifindex, __u32 pinned_id)
{
	struct xdp_multiprog *mp = vfw_xdp_get(ifindex);
	struct xdp_program *prog;
	int ret = -ENOENT;

	if (!mp)
		return -ENOENT;
	prog = vfw_xdp_find_ours(mp, pinned_id);
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

void vfw_xdp_read_attachment(int ifindex, const char *dir, struct vfw_attachment *a)
{
	char name[IFNAMSIZ];
	struct xdp_multiprog *mp;
	struct xdp_program *prog, *holder;

	memset(a, 0, sizeof(*a));
	a->iface_gone = !ifindex || !if_indextoname(ifindex, name);
	mp = a->iface_gone ? NULL : vfw_xdp_get(ifindex);
	prog = mp ? vfw_xdp_find_ours(mp, vfw_pinned_prog_id(dir)) : NULL;
	holder = mp ? xdp_multiprog__main_prog(mp) : NULL;
	if (prog) {
		read_prog(mp, prog, a);
	} else if (holder) {
		a->held_by_other = true;
		a->holder_id = xdp_program__id(holder);
		snprintf(a->holder_name, sizeof(a->holder_name), "%s", xdp_program__name(holder));
	}
	xdp_multiprog__close(mp);
}
