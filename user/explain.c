// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vaultfw.skel.h"
#include "compile.h"
#include "document.h"
#include "explain.h"
#include "frames.h"
#include "iface.h"
#include "pins.h"
#include "log.h"
#include "stats.h"

/* Where the frame is sent when the rules say nothing (SPEC's example). */
#define EXPLAIN_DST4		"192.0.2.10"
#define EXPLAIN_DST6		"2001:db8::10"
#define EXPLAIN_DPORT		443
/* VXLAN underlay: the source is a trusted remote unless --tunnel-src
 * says otherwise; the destination is not looked at. */
#define EXPLAIN_UNDERLAY_DST	"192.0.2.2"

/*
 * Maps the program writes for every packet: the explaining copy keeps its
 * own, so that its test frames move no live counter, spend no live log
 * budget and put no event into the live ring.
 */
static bool written_per_packet(const struct bpf_map *map)
{
	switch (bpf_map__type(map)) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_RINGBUF:
		return true;
	default:
		return false;
	}
}

static int load_copy(struct vfw_explain_target *t, const char *pin_dir,
		     char *err, size_t errlen)
{
	int ret;

	ret = vfw_open_object(&t->skel, err, errlen);
	if (ret)
		return ret;
	if (pin_dir) {
		ret = vfw_reuse_pinned_maps(t->skel->obj, pin_dir, written_per_packet, err, errlen);
		if (ret)
			return ret;
	}
	ret = vaultfw_bpf__load(t->skel);
	if (ret) {
		vfw_set_err(err, errlen, "cannot load the XDP program: %s", strerror(-ret));
		return ret;
	}
	vfw_maps_from_skel(t->skel, &t->maps);
	return 0;
}

int vfw_explain_open_file(const char *path, struct vfw_explain_target *t,
			  char *err, size_t errlen)
{
	struct vfw_compiled compiled = {};
	int ret;

	memset(t, 0, sizeof(*t));
	ret = vfw_rules_load_file(path, &t->rules, err, errlen);
	if (ret)
		return ret;
	snprintf(t->rules_from, sizeof(t->rules_from), "%s", path);
	ret = vfw_compile(&t->rules, &compiled, err, errlen) ?:
	      load_copy(t, NULL, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install(&t->maps, &compiled, path, NULL);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install %s: %s", path, strerror(-ret));
		goto cleanup;
	}
	ret = vfw_read_live_config(&t->maps, &t->config);
	if (ret < 0)
		vfw_set_err(err, errlen, "cannot read back %s: %s", path, strerror(-ret));
	else
		ret = 0;
cleanup:
	vfw_compiled_free(&compiled);
	if (ret)
		vfw_explain_close(t);
	return ret;
}

/* The model reads what is live: the stored document, else the file. */
static int load_live_rules(struct vfw_explain_target *t, char *err, size_t errlen)
{
	char *text = NULL;
	int ret;

	ret = vfw_document_read_live(&t->maps, &text);
	if (!ret) {
		snprintf(t->rules_from, sizeof(t->rules_from), "the live document (%s)",
			 VFW_MAP_DOCUMENT);
		ret = vfw_rules_parse(text, strlen(text), VFW_MAP_DOCUMENT, &t->rules,
				      err, errlen);
		free(text);
		return ret;
	}
	if (ret != -ENODATA)
		return vfw_set_err(err, errlen, "cannot read %s: %s", VFW_MAP_DOCUMENT,
				   strerror(-ret));
	if (!t->config.source[0])
		return vfw_set_err(err, errlen, "the live rule set records no document and no file");
	snprintf(t->rules_from, sizeof(t->rules_from),
		 "%s (the file last applied: no document is stored)", t->config.source);
	return vfw_rules_load_file(t->config.source, &t->rules, err, errlen);
}

int vfw_explain_open_pinned(const char *pin_dir, struct vfw_explain_target *t,
			    char *err, size_t errlen)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = load_copy(t, pin_dir, err, errlen);
	if (ret)
		goto cleanup;
	ret = vfw_read_live_config(&t->maps, &t->config);
	if (ret < 0) {
		vfw_set_err(err, errlen, "cannot read the live config: %s", strerror(-ret));
		goto cleanup;
	}
	ret = load_live_rules(t, err, errlen);
cleanup:
	if (ret)
		vfw_explain_close(t);
	return ret;
}

void vfw_explain_close(struct vfw_explain_target *t)
{
	vaultfw_bpf__destroy(t->skel);	/* closes the map fds too */
	t->skel = NULL;
	vfw_rules_free(&t->rules);
}

int vfw_run_frame(int prog_fd, const void *frame, size_t len, __u32 *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*verdict = opts.retval;
	return 0;
}

/* Which reason and which rule the frame moved, and whether step 3 did. */
static void read_outcome(const struct vfw_stats *before, const struct vfw_stats *after,
			 struct vfw_explain_result *res)
{
	struct vfw_model_result *dp = &res->datapath;
	const struct vfw_rule_stat *rule;
	unsigned int reason;
	size_t i;

	dp->reason = VFW_REASON_COUNT;	/* counted nothing: no rule set */
	for (reason = 0; reason < VFW_REASON_COUNT; reason++) {
		if (after->reasons[reason].packets == before->reasons[reason].packets)
			continue;
		if (reason == VFW_REASON_PERIMETER_WOULD_DENY)
			dp->would_deny = true;
		else
			dp->reason = reason;
	}
	res->rule_id = VFW_RULE_ID_NONE;
	/* Rule ids cannot change between the two reads: both are private
	 * (file) or under the interface lock (live). */
	for (i = 0; i < after->n_rules && i < before->n_rules; i++) {
		rule = &after->rules[i];
		if (rule->total.packets == before->rules[i].total.packets)
			continue;
		res->rule_id = rule->id;
		dp->rule_kind = rule->meta.kind;
		snprintf(dp->rule_name, sizeof(dp->rule_name), "%s", rule->meta.name);
	}
}

static bool outcomes_agree(const struct vfw_model_result *a, const struct vfw_model_result *b)
{
	return a->verdict == b->verdict && a->reason == b->reason &&
	       a->would_deny == b->would_deny && a->rule_kind == b->rule_kind &&
	       (a->rule_kind == VFW_RULE_NONE || !strcmp(a->rule_name, b->rule_name));
}

int vfw_explain_frame(const struct vfw_explain_target *t, const void *frame, size_t len,
		      struct vfw_explain_result *res)
{
	struct vfw_stats before = {}, after = {};
	__u32 verdict = XDP_ABORTED;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = vfw_stats_read(&t->maps, &before) ?:
	      vfw_run_frame(bpf_program__fd(t->skel->progs.vaultfw_xdp), frame, len, &verdict) ?:
	      vfw_stats_read(&t->maps, &after) ?:
	      vfw_model_eval(&t->rules, frame, len, &res->model);
	if (ret)
		goto cleanup;
	res->datapath.verdict = verdict;
	res->datapath.why = "as counted by the XDP program";
	read_outcome(&before, &after, res);
	res->agree = outcomes_agree(&res->datapath, &res->model);
cleanup:
	vfw_stats_free(&before);
	vfw_stats_free(&after);
	return ret;
}

/* The command line: a frame from --src and friends. */

struct probe {
	char src[INET6_ADDRSTRLEN];
	char dst[INET6_ADDRSTRLEN];
	struct frame_spec packet;	/* the IP packet, with its VLAN tag */
	struct frame_spec outer;	/* VXLAN around packet, when --vni */
	char tunnel_src[INET6_ADDRSTRLEN];
	bool vxlan;
};

static int parse_number(const char *opt, const char *text, unsigned long max,
			unsigned long *out, char *err, size_t errlen)
{
	char *end;

	errno = 0;
	*out = strtoul(text, &end, 10);
	if (!*text || *end || errno || *text == '-' || *out > max)
		return vfw_set_err(err, errlen, "%s: '%s' is not a number from 0 to %lu",
				   opt, text, max);
	return 0;
}

/* Normalised text of an address; its family in *family. */
static int parse_addr(const char *opt, const char *text, char *buf, int *family,
		      char *err, size_t errlen)
{
	unsigned char raw[sizeof(struct in6_addr)];

	*family = strchr(text, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(*family, text, raw) != 1)
		return vfw_set_err(err, errlen, "%s: '%s' is not an IPv4 or IPv6 address",
				   opt, text);
	inet_ntop(*family, raw, buf, INET6_ADDRSTRLEN);
	return 0;
}

static void default_dst(const struct vfw_config *cfg, int family, char *buf)
{
	__u32 i;

	for (i = 0; i < cfg->n_dp_addrs && i < VFW_MAX_DP_ADDRS; i++)
		if ((int)cfg->dp_addrs[i].family == family) {
			inet_ntop(family, cfg->dp_addrs[i].addr, buf, INET6_ADDRSTRLEN);
			return;
		}
	strcpy(buf, family == AF_INET ? EXPLAIN_DST4 : EXPLAIN_DST6);
}

static int parse_proto(const char *text, __u8 *proto, char *err, size_t errlen)
{
	if (!strcasecmp(text, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcasecmp(text, "udp"))
		*proto = IPPROTO_UDP;
	else
		return vfw_set_err(err, errlen, "--proto: '%s' is neither tcp nor udp", text);
	return 0;
}

/* Without --dport: the first data-plane port (of --proto, if given). */
static int probe_l4(const struct vfw_explain_request *req, const struct vfw_config *cfg,
		    struct frame_spec *s, char *err, size_t errlen)
{
	unsigned long port;
	bool any_proto = !req->proto;
	__u32 i;
	int ret;

	s->proto = IPPROTO_TCP;
	if (req->proto) {
		ret = parse_proto(req->proto, &s->proto, err, errlen);
		if (ret)
			return ret;
	}
	if (req->dport) {
		ret = parse_number("--dport", req->dport, UINT16_MAX, &port, err, errlen);
		s->dport = port;
		return ret;
	}
	s->dport = EXPLAIN_DPORT;
	for (i = 0; i < cfg->n_dp_ports && i < VFW_MAX_DP_PORTS; i++)
		if (any_proto || cfg->dp_ports[i].proto == s->proto) {
			s->proto = cfg->dp_ports[i].proto;
			s->dport = cfg->dp_ports[i].port;
			break;
		}
	return 0;
}

/* --tunnel-src, or else the first trusted remote (its network address). */
static int probe_tunnel_src(const struct vfw_explain_request *req, const struct vfw_config *cfg,
			    struct probe *p, char *err, size_t errlen)
{
	int family;

	if (req->tunnel_src) {
		if (parse_addr("--tunnel-src", req->tunnel_src, p->tunnel_src, &family,
			       err, errlen))
			return -EINVAL;
		if (family != AF_INET)
			return vfw_set_err(err, errlen, "--tunnel-src: '%s': VXLAN is opened "
					   "over IPv4 only", req->tunnel_src);
		return 0;
	}
	if (!cfg->n_vxlan_remotes)
		return vfw_set_err(err, errlen, "--vni: host.vxlan.remotes is empty, so every "
				   "VXLAN frame is untrusted-tunnel: give --tunnel-src");
	inet_ntop(AF_INET, &cfg->vxlan_remotes[0].addr, p->tunnel_src, sizeof(p->tunnel_src));
	return 0;
}

static int probe_tag(const struct vfw_explain_request *req, const struct vfw_config *cfg,
		     struct probe *p, char *err, size_t errlen)
{
	unsigned long id;
	int ret;

	if (req->vlan && req->vni)
		return vfw_set_err(err, errlen, "--vlan and --vni exclude each other "
				   "(the VNI would be the tag)");
	if (req->vlan) {
		ret = parse_number("--vlan", req->vlan, VFW_VLAN_MAX, &id, err, errlen);
		p->packet.tags[0] = (struct frame_tag){ ETH_P_8021Q, id };
		p->packet.n_tags = 1;
		return ret;
	}
	if (req->tunnel_src && !req->vni)
		return vfw_set_err(err, errlen, "--tunnel-src goes with --vni");
	if (!req->vni)
		return 0;
	if (!cfg->n_vxlan_ports)
		return vfw_set_err(err, errlen, "--vni: the rule set opens no VXLAN "
				   "(it has no host.vxlan)");
	ret = parse_number("--vni", req->vni, VFW_VNI_MAX, &id, err, errlen) ?:
	      probe_tunnel_src(req, cfg, p, err, errlen);
	p->vxlan = true;
	p->outer = (struct frame_spec){
		.src = p->tunnel_src, .dst = EXPLAIN_UNDERLAY_DST,
		.proto = IPPROTO_UDP, .dport = cfg->vxlan_ports[0],
		.vxlan_flags = FRAME_VXLAN_I, .vni = id, .inner = &p->packet,
	};
	return ret;
}

static int build_probe(const struct vfw_explain_request *req, const struct vfw_config *cfg,
		       struct probe *p, struct frame *f, char *err, size_t errlen)
{
	int src_family, dst_family, ret;

	if (!req->src)
		return vfw_set_err(err, errlen, "--src is required");
	ret = parse_addr("--src", req->src, p->src, &src_family, err, errlen);
	if (ret)
		return ret;
	dst_family = src_family;
	if (req->dst)
		ret = parse_addr("--dst", req->dst, p->dst, &dst_family, err, errlen);
	else
		default_dst(cfg, src_family, p->dst);
	if (ret)
		return ret;
	if (dst_family != src_family)
		return vfw_set_err(err, errlen, "--src %s and --dst %s are not of one family",
				   p->src, p->dst);
	p->packet.src = p->src;
	p->packet.dst = p->dst;
	ret = probe_l4(req, cfg, &p->packet, err, errlen) ?:
	      probe_tag(req, cfg, p, err, errlen);
	if (ret)
		return ret;
	if (!frame_build(p->vxlan ? &p->outer : &p->packet, f))
		return vfw_set_err(err, errlen, "cannot build the frame");
	return 0;
}

/* header: "FILE" or "interface IFACE (live)", so the two never look alike. */
static void print_probe(const char *header, const struct probe *p, size_t len)
{
	const struct frame_spec *s = &p->packet;

	printf("explain %s: %s -> %s %s/%u, ", header, s->src, s->dst,
	       s->proto == IPPROTO_UDP ? "udp" : "tcp", s->dport);
	if (p->vxlan)
		printf("VXLAN VNI %u from %s", p->outer.vni, p->tunnel_src);
	else if (s->n_tags)
		printf("VLAN %u", s->tags[0].vid);
	else
		printf("untagged");
	printf(", %zu-byte frame\n", len);
}

static void print_result(const struct vfw_explain_target *t, bool live,
			 const struct vfw_explain_result *res)
{
	char line[2 * VFW_NAME_MAX];

	printf("  rules:    %s\n", t->rules_from);
	printf("  datapath: %s", vfw_model_format(&res->datapath, line, sizeof(line)));
	if (res->rule_id != VFW_RULE_ID_NONE)
		printf(" [rule id %u]", res->rule_id);
	printf("\n            (%s, BPF_PROG_TEST_RUN)\n",
	       live ? "the live rule set, private counters" : "a fresh copy of the program");
	printf("  model:    %s\n", vfw_model_format(&res->model, line, sizeof(line)));
	printf("  %s\n", res->agree ? "agree" : "DISAGREE");
}

/* Whether vaultfw has state on an interface of this name here. */
static bool is_vaultfw_iface(const char *name)
{
	struct vfw_iface ifc;
	char ignored[256];

	return !vfw_iface_resolve(name, &ifc, ignored, sizeof(ignored)) && ifc.ifindex &&
	       !access(ifc.pin_dir, F_OK);
}

/*
 * What the target names (docs/operations.md "Explaining a verdict"): a
 * path with a '/' is a file and --live an interface; a bare name is the
 * file of that name here if there is one, else an interface, and refused
 * when it is both such a file and an interface vaultfw is attached to.
 */
static int target_is_file(const char *target, bool live, bool *is_file, char *err,
			  size_t errlen)
{
	struct stat st;

	*is_file = strchr(target, '/');
	if (live)
		return *is_file ? vfw_set_err(err, errlen, "--live takes an interface, not the "
					      "path '%s'", target) : 0;
	if (*is_file)
		return 0;
	*is_file = !stat(target, &st) && S_ISREG(st.st_mode);
	if (*is_file && is_vaultfw_iface(target))
		return vfw_set_err(err, errlen, "'%s' is both a file here and an interface vaultfw "
				   "is attached to: write ./%s for the file, or add --live for the "
				   "interface", target, target);
	return 0;
}

static int explain_target(const struct vfw_explain_target *t, const char *header, bool live,
			  const struct vfw_explain_request *req, char *err, size_t errlen)
{
	struct vfw_explain_result res;
	struct probe p = {};
	struct frame f;
	int ret;

	ret = build_probe(req, &t->config, &p, &f, err, errlen);
	if (ret)
		return ret;
	ret = vfw_explain_frame(t, f.data, f.len, &res);
	if (ret) {
		vfw_set_err(err, errlen, "cannot run the frame: %s", strerror(-ret));
		return ret;
	}
	print_probe(header, &p, f.len);
	print_result(t, live, &res);
	if (!res.agree) {
		vfw_set_err(err, errlen, "the datapath and the model disagree: a bug, please report it");
		return -EPROTO;
	}
	return 0;
}

struct live_ctx {
	const struct vfw_explain_request *req;
};

static int explain_live(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			void *ctx, char *err, size_t errlen)
{
	const struct live_ctx *live = ctx;
	struct vfw_explain_target t;
	char header[IFNAMSIZ + 32];
	int ret;

	(void)maps;	/* the copy opens what it shares itself */
	ret = vfw_explain_open_pinned(pin_dir, &t, err, errlen);
	if (ret)
		return ret;
	snprintf(header, sizeof(header), "interface %s (live)", ifname);
	ret = explain_target(&t, header, true, live->req, err, errlen);
	vfw_explain_close(&t);
	return ret;
}

int vfw_explain(const char *target, const struct vfw_explain_request *req,
		char *err, size_t errlen)
{
	struct live_ctx live = { req };
	struct vfw_explain_target t;
	bool is_file;
	int ret;

	ret = target_is_file(target, req->live, &is_file, err, errlen);
	if (ret)
		return ret;
	if (!is_file)
		return vfw_with_pinned_maps(target, VFW_PINS_READ, explain_live, &live, err, errlen);
	ret = vfw_explain_open_file(target, &t, err, errlen);
	if (ret)
		return ret;
	ret = explain_target(&t, target, false, req, err, errlen);
	vfw_explain_close(&t);
	return ret;
}
