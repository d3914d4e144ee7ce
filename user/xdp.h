/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP hook of an interface, through libxdp: attaching vaultfw as a
 * dispatcher component where the kernel allows it or as a single (legacy)
 * program where it does not, finding our program among what is attached,
 * describing it, and detaching only our part.
 */
#ifndef VFW_XDP_H
#define VFW_XDP_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/bpf.h>
#include <xdp/libxdp.h>

struct vaultfw_bpf;

/* "native" or "generic" (skb); -EINVAL for anything else. */
int vfw_parse_xdp_mode(const char *name, enum xdp_attach_mode *mode);
const char *vfw_xdp_mode_name(enum xdp_attach_mode mode);

/*
 * Create the maps without the program, so that the rule set is installed
 * before any program exists that could run without one (fail closed).
 */
int vfw_load_maps_only(struct vaultfw_bpf **out, char *err, size_t errlen);

/*
 * Hand libxdp a fresh, unloaded copy of the object that shares the maps
 * already holding the rule set (those of maps_skel, or when it is NULL the
 * ones pinned in pin_dir), and attach it. The caller closes *xprog and
 * destroys *prog_skel, also on failure.
 */
int vfw_xdp_attach(const struct vaultfw_bpf *maps_skel, const char *pin_dir,
		   int ifindex, enum xdp_attach_mode mode,
		   struct vaultfw_bpf **prog_skel, struct xdp_program **xprog,
		   char *err, size_t errlen);

/* The same with a program loaded already (vfw_preload_prog), which is
 * attached as a single program. */
int vfw_xdp_attach_loaded(const struct vaultfw_bpf *prog_skel, int ifindex,
			  enum xdp_attach_mode mode, struct xdp_program **xprog,
			  char *err, size_t errlen);

/*
 * Whether libxdp could put a program behind its multi-program dispatcher
 * here: an freplace program must replace a global function of an XDP
 * program (BPF trampolines), which bpf/dispatch_probe.bpf.c tries.
 */
bool vfw_xdp_dispatcher_possible(void);

/*
 * A first attach's kernel work that needs nothing from the rules: creating
 * the maps, and where libxdp will attach a single program, loading it (the
 * verifier, the longest step). A thread does it while the caller parses,
 * compiles and installs; nothing is attached or pinned by it. start
 * returns NULL when no thread can run (then load in line). maps waits for
 * the maps and hands them over (the caller destroys them, after free);
 * prog waits for the thread and hands over the loaded program, or NULL
 * where libxdp is to load it. free waits for the thread and destroys what
 * was not handed over.
 */
struct vfw_preload;
struct vfw_preload *vfw_preload_start(void);
int vfw_preload_maps(struct vfw_preload *p, struct vaultfw_bpf **maps_skel,
		     char *err, size_t errlen);
struct vaultfw_bpf *vfw_preload_prog(struct vfw_preload *p);
void vfw_preload_free(struct vfw_preload *p);

/* What is attached to ifindex, or NULL when nothing is. */
struct xdp_multiprog *vfw_xdp_get(int ifindex);
/* Our program in mp: the program pinned as pinned_id, or by name when 0. */
struct xdp_program *vfw_xdp_find_ours(const struct xdp_multiprog *mp, __u32 pinned_id);
/* One line on stderr at -v/info level after an attach. */
void vfw_xdp_report_attached(const char *ifname, int ifindex, __u32 prog_id);
/* 0 when detached, -ENOENT when vaultfw was not attached to ifindex; other
 * programs of a dispatcher stay. */
int vfw_xdp_detach_ours(int ifindex, __u32 pinned_id);

/*
 * Pins without a pinned program while no vaultfw program is attached: what
 * an attach killed before its end leaves (docs/design.md "Crash safety").
 */
bool vfw_is_dead_attach(int ifindex, const char *dir);

/* What is known of the attachment; attached false: the rest is unset. */
struct vfw_attachment {
	bool iface_gone;
	bool attached;
	const char *mode;		/* "native", "generic", ... */
	bool dispatcher;		/* libxdp's multi-program dispatcher */
	int n_progs;			/* programs on the interface */
	__u32 prog_id;
	char prog_name[BPF_OBJ_NAME_LEN];
	char tag[2 * BPF_TAG_SIZE + 1];	/* hex, as bpftool prints it */
	bool held_by_other;		/* not ours: another program holds the hook */
	__u32 holder_id;
	char holder_name[BPF_OBJ_NAME_LEN];
};

void vfw_xdp_read_attachment(int ifindex, const char *dir, struct vfw_attachment *a);
/* "native mode, legacy (...), program id N name X tag T" */
void vfw_attachment_describe(FILE *out, const struct vfw_attachment *a);

#endif
