// SPDX-License-Identifier: GPL-2.0
/*
 * What a rule set costs outside the datapath: parse, compile and apply
 * (re-install into live maps) times by rule count, and the kernel memory
 * the maps of the biggest rule set take, beside xdp-filter's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "compile.h"
#include "pins.h"
#include "log.h"
#include "ruleset.h"
#include "vaultfw.skel.h"

static void record_scale(const double *parse, const double *compile,
			 const double *install, unsigned int rounds,
			 struct scale_result *res)
{
	struct spread s = spread_of(install, rounds);

	res->parse_ms = spread_of(parse, rounds).median;
	res->compile_ms = spread_of(compile, rounds).median;
	res->install_ms = s.median;
	res->install_min_ms = s.min;
	res->install_max_ms = s.max;
}

static int measure_scale_point(const struct bench_data *d, size_t n_ip,
			       size_t n_subnets, unsigned int rounds,
			       struct scale_result *res)
{
	double parse[MAX_ROUNDS], compile[MAX_ROUNDS], install[MAX_ROUNDS];
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int err = 0;

	/* The first install fills empty maps; the measured ones are applies. */
	err = vaultfw_load(d, n_ip, n_subnets, &skel);
	if (err)
		return err;
	vfw_maps_from_skel(skel, &maps);
	for (unsigned int r = 0; r < rounds && !err; r++) {
		struct vfw_compiled c = {};
		double t0;

		err = compile_rules(d, n_ip, n_subnets, &c, &parse[r], &compile[r]);
		if (err)
			break;
		res->n_entries = c.n_entries;
		t0 = now_ms();
		err = vfw_ruleset_install(&maps, &c, "bench-rules", NULL);
		install[r] = now_ms() - t0;
		if (err)
			pr_warn("bench: apply of %zu+%zu rules: %s\n", n_ip, n_subnets,
				strerror(-err));
		vfw_compiled_free(&c);
	}
	if (!err) {
		res->n_ip = n_ip;
		res->n_subnets = n_subnets;
		record_scale(parse, compile, install, rounds, res);
	}
	vaultfw_bpf__destroy(skel);
	return err;
}

int scale_measure(const struct bench_data *d, unsigned int rounds,
		  struct scale_result res[N_SCALE])
{
	for (size_t i = 0; i < N_SCALE; i++) {
		int err = measure_scale_point(d, scale_points[i].n_ip,
					      scale_points[i].n_subnets, rounds, &res[i]);

		if (err)
			return err;
	}
	return 0;
}

void scale_print(const struct scale_result res[N_SCALE], unsigned int rounds)
{
	printf("\nScale: median of %u runs (apply = re-install into live maps)\n", rounds);
	printf("%-9s %8s %10s %10s %10s %17s\n", "rules", "entries", "parse ms",
	       "compile ms", "apply ms", "(min..max)");
	for (size_t i = 0; i < N_SCALE; i++) {
		char label[24];

		if (res[i].n_subnets)
			snprintf(label, sizeof(label), "%zu+%zu", res[i].n_ip, res[i].n_subnets);
		else
			snprintf(label, sizeof(label), "%zu", res[i].n_ip);
		printf("%-9s %8zu %10.3f %10.3f %10.3f  (%6.3f..%6.3f)\n", label,
		       res[i].n_entries, res[i].parse_ms, res[i].compile_ms,
		       res[i].install_ms, res[i].install_min_ms, res[i].install_max_ms);
	}
}

json_t *scale_json(const struct scale_result res[N_SCALE])
{
	json_t *arr = json_array();

	for (size_t i = 0; i < N_SCALE; i++)
		json_array_append_new(arr, json_pack(
			"{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}",
			"ip_rules", (json_int_t)res[i].n_ip,
			"subnet_rules", (json_int_t)res[i].n_subnets,
			"lpm_entries", (json_int_t)res[i].n_entries,
			"parse_ms", res[i].parse_ms,
			"compile_ms", res[i].compile_ms,
			"apply_ms", res[i].install_ms,
			"apply_min_ms", res[i].install_min_ms,
			"apply_max_ms", res[i].install_max_ms));
	return arr;
}

/* ---- kernel memory ---- */

static long long map_memlock(int fd)
{
	char path[64], line[128];
	long long bytes = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

static long long inner_map_memlock(int outer_fd, uint32_t slot, json_t *detail)
{
	uint32_t id;
	long long bytes;
	char name[32];
	int fd;

	if (bpf_map_lookup_elem(outer_fd, &slot, &id))
		return 0;	/* empty slot */
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	bytes = map_memlock(fd);
	close(fd);
	snprintf(name, sizeof(name), "%s[%u]", VFW_MAP_RULESETS, slot);
	json_object_set_new(detail, name, json_integer(bytes));
	return bytes;
}

/* Every map of the object, plus the tries vfw_rulesets points to. */
long long object_memlock(struct bpf_object *obj, json_t *detail, long long *tries)
{
	struct bpf_map *map;
	long long total = 0;

	*tries = 0;
	bpf_object__for_each_map(map, obj) {
		long long bytes = map_memlock(bpf_map__fd(map));

		if (bytes < 0)
			return bytes;
		json_object_set_new(detail, bpf_map__name(map), json_integer(bytes));
		total += bytes;
		if (strcmp(bpf_map__name(map), VFW_MAP_RULESETS))
			continue;
		for (uint32_t slot = 0; slot < VFW_SLOTS; slot++) {
			bytes = inner_map_memlock(bpf_map__fd(map), slot, detail);
			if (bytes < 0)
				return bytes;
			*tries += bytes;
			total += bytes;
		}
	}
	return total;
}

/* Of the biggest vaultfw rule set and the biggest xdp-filter list loaded. */
int memory_measure(const struct loaded *l, struct memory_result *m)
{
	long long xf_tries;
	int err;

	m->vaultfw_maps = json_object();
	m->xdpfilter_maps = json_object();
	m->vaultfw_bytes = object_memlock(l->vaultfw[N_VAULTFW - 1]->obj, m->vaultfw_maps,
					  &m->vaultfw_trie_bytes);
	m->xdpfilter_bytes = object_memlock(l->xdpfilter[N_XDPFILTER - 1], m->xdpfilter_maps,
					    &xf_tries);
	if (m->vaultfw_bytes >= 0 && m->xdpfilter_bytes >= 0)
		return 0;
	err = m->vaultfw_bytes < 0 ? m->vaultfw_bytes : m->xdpfilter_bytes;
	pr_warn("bench: reading map memory: %s\n", strerror(-err));
	return err;
}

void memory_print(const struct memory_result *m)
{
	printf("\nKernel memory (memlock, all maps): vaultfw at %d+%d rules %lld bytes "
	       "(LPM tries %lld); xdp-filter at %zu addresses %lld bytes\n",
	       BENCH_IP_RULES, BENCH_SUBNETS, m->vaultfw_bytes, m->vaultfw_trie_bytes,
	       xdpfilter_points[N_XDPFILTER - 1], m->xdpfilter_bytes);
}

json_t *memory_json(const struct memory_result *m)
{
	json_t *memory = json_object();

	json_object_set_new(memory, "vaultfw_bytes", json_integer(m->vaultfw_bytes));
	json_object_set_new(memory, "vaultfw_trie_bytes", json_integer(m->vaultfw_trie_bytes));
	json_object_set(memory, "vaultfw_maps", m->vaultfw_maps);
	json_object_set_new(memory, "xdp_filter_bytes", json_integer(m->xdpfilter_bytes));
	json_object_set(memory, "xdp_filter_maps", m->xdpfilter_maps);
	return memory;
}

void memory_free(struct memory_result *m)
{
	json_decref(m->vaultfw_maps);
	json_decref(m->xdpfilter_maps);
}
