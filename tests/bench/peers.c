// SPDX-License-Identifier: GPL-2.0
/*
 * The peers vaultfw is measured against. Debian's xdp-filter, loaded from
 * its installed BPF object in deny policy with its IPv4 source list filled
 * as `xdp-filter ip -m src` does; and, for live traffic, the same rule set
 * in nftables on the receiver's netdev ingress hook.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "log.h"

/* xdp-filter's own ABI (xdp-tools, xdp-filter/common_kern_user.h). */
#define XDPFILT_MAP_IPV4	"filter_ipv4"
#define XDPFILT_MAP_FLAG_SRC	(1ULL << 0)

#define NFT_TABLE		"netdev vfwb"
#define NFT_SEEN		"seen"
#define NFT_DROPPED		"dropped"
/* From the outer UDP header (nft's @th): the VNI, the inner IPv4 source. */
#define NFT_VNI			"@th,96,24"
#define NFT_INNER_SRC		"@th,336,32"

/* ---- xdp-filter ---- */

/* What `xdp-filter ip -m src ADDR` stores: the source flag on every CPU. */
static int xdpfilter_allow_sources(struct bpf_object *obj, const uint32_t *hosts,
				   size_t n)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, XDPFILT_MAP_IPV4);
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *flags;
	int err = 0;

	if (!map) {
		pr_warn("bench: xdp-filter object has no map %s\n", XDPFILT_MAP_IPV4);
		return -ENOENT;
	}
	if (ncpus < 0)
		return ncpus;
	flags = calloc(ncpus, sizeof(*flags));
	if (!flags)
		return -ENOMEM;
	for (int cpu = 0; cpu < ncpus; cpu++)
		flags[cpu] = XDPFILT_MAP_FLAG_SRC;
	for (size_t i = 0; i < n && !err; i++) {
		uint32_t key = htonl(hosts[i]);

		if (bpf_map_update_elem(bpf_map__fd(map), &key, flags, BPF_ANY))
			err = -errno;
	}
	if (err)
		pr_warn("bench: filling %s: %s\n", XDPFILT_MAP_IPV4, strerror(-err));
	free(flags);
	return err;
}

int xdpfilter_load(const char *path, const uint32_t *hosts, size_t n,
		   struct bpf_object **objp)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		pr_warn("bench: opening %s: %s\n", path, strerror(-err));
		return err;
	}
	/* xdp-filter pins its maps by name; these stay private to the bench. */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = bpf_object__load(obj);
	if (err) {
		pr_warn("bench: loading %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	err = xdpfilter_allow_sources(obj, hosts, n);
cleanup:
	if (err)
		bpf_object__close(obj);
	else
		*objp = obj;
	return err;
}

/* The object holds one program, the filter. */
int xdpfilter_prog_fd(struct bpf_object *obj)
{
	return bpf_program__fd(bpf_object__next_program(obj, NULL));
}

/* ---- the same rule set in nftables ---- */

static void nft_ip_rules(FILE *f, const struct bench_data *d)
{
	char cidr[24];

	/* auto-merge: a random prefix may fall inside another one. */
	fprintf(f, "set ip_rules { type ipv4_addr; flags interval; auto-merge; elements = { ");
	for (size_t i = 0; i < BENCH_IP_RULES; i++) {
		vfw_prefix_str(&d->ip[i], cidr, sizeof(cidr));
		fprintf(f, "%s%s", i ? ", " : "", cidr);
	}
	fprintf(f, " } }\n");
}

static void nft_vlan_subnets(FILE *f, const struct bench_data *d)
{
	const char *sep = "";
	char cidr[24];

	fprintf(f, "set vlan_subnets { typeof vlan id . ip saddr; flags interval; "
		"elements = { ");
	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		if (d->subnet[i].tag.kind != VFW_TAG_VLAN)
			continue;
		vfw_prefix_str(&d->subnet[i].prefix, cidr, sizeof(cidr));
		fprintf(f, "%s%u . %s", sep, d->subnet[i].tag.id, cidr);
		sep = ", ";
	}
	fprintf(f, " } }\n");
}

/* nft has no VXLAN matches in this version: one chain per VNI, raw offsets. */
static void nft_vxlan_subnets(FILE *f, const struct bench_data *d)
{
	const char *sep = "";

	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		const struct bench_subnet *s = &d->subnet[i];

		if (s->tag.kind == VFW_TAG_VNI)
			fprintf(f, "chain vni%u { " NFT_INNER_SRC " & 0x%08x == 0x%08x accept; "
				"counter name " NFT_DROPPED " drop; }\n", s->tag.id,
				prefix_mask(s->prefix.len), s->prefix.addr);
	}
	fprintf(f, "chain vxlan { " NFT_VNI " vmap { ");
	for (size_t i = 0; i < BENCH_SUBNETS; i++) {
		if (d->subnet[i].tag.kind != VFW_TAG_VNI)
			continue;
		fprintf(f, "%s%u : jump vni%u", sep, d->subnet[i].tag.id, d->subnet[i].tag.id);
		sep = ", ";
	}
	fprintf(f, " }; counter name " NFT_DROPPED " drop; }\n");
}

/*
 * What vaultfw drops of the corpus, dropped on the receiver's ingress:
 * data-plane TCP from a source outside the IP rules, or on a VLAN without
 * the matching subnet; VXLAN whose VNI and inner source match no subnet.
 * The tagged chains judge the corpus's frames (the inner packet is always
 * data plane there), not every frame SPEC §2 would decapsulate.
 */
char *nft_ruleset(const struct bench_data *d, const char *dev)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "table " NFT_TABLE " {\n"
		"counter " NFT_SEEN " { }\ncounter " NFT_DROPPED " { }\n");
	nft_ip_rules(f, d);
	nft_vlan_subnets(f, d);
	nft_vxlan_subnets(f, d);
	fprintf(f, "chain data_plane {\n"
		"\tvlan id . ip saddr @vlan_subnets accept\n"
		"\tether type 8021q counter name " NFT_DROPPED " drop\n"
		"\tip saddr @ip_rules accept\n"
		"\tcounter name " NFT_DROPPED " drop\n}\n"
		"chain ingress {\n"
		"\ttype filter hook ingress device \"%s\" priority 0; policy accept;\n"
		"\tcounter name " NFT_SEEN "\n"
		"\tip daddr %s tcp dport %d jump data_plane\n"
		"\tudp dport %d jump vxlan\n}\n}\n",
		dev, DP_ADDR_TEXT, DP_PORT, VFW_VXLAN_PORT);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

/* Runs `nft ARGS`, with `input` on its standard input if not NULL. */
static int nft_run(const char *args, const char *input)
{
	char cmd[128];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "nft %s", args);
	p = popen(cmd, "w");
	if (!p)
		return -errno;
	if (input)
		fputs(input, p);
	status = pclose(p);
	if (status) {
		pr_warn("bench: '%s' failed (status %d)\n", cmd, status);
		return -EIO;
	}
	return 0;
}

int nft_load(const char *ruleset)
{
	return nft_run("-f -", ruleset);
}

void nft_unload(void)
{
	nft_run("delete table " NFT_TABLE, NULL);
}

static uint64_t nft_counter_packets(json_t *list, const char *name)
{
	json_t *item;
	size_t i;

	json_array_foreach(list, i, item) {
		json_t *counter = json_object_get(item, "counter");

		if (counter && !strcmp(json_string_value(json_object_get(counter, "name")) ?: "",
				       name))
			return json_integer_value(json_object_get(counter, "packets"));
	}
	return 0;
}

int nft_counters(uint64_t *seen, uint64_t *dropped)
{
	json_error_t jerr;
	json_t *out;
	FILE *p = popen("nft -j list counters table " NFT_TABLE, "r");

	if (!p)
		return -errno;
	out = json_loadf(p, 0, &jerr);
	if (pclose(p) || !out) {
		pr_warn("bench: cannot read the nft counters: %s\n", out ? "nft failed" : jerr.text);
		json_decref(out);
		return -EIO;
	}
	*seen = nft_counter_packets(json_object_get(out, "nftables"), NFT_SEEN);
	*dropped = nft_counter_packets(json_object_get(out, "nftables"), NFT_DROPPED);
	json_decref(out);
	return 0;
}
