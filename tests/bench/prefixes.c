// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix table: rule sets of 10 to 100,000 source prefixes (the
 * corpus's IP rules, the rest in trusted-service groups), each loaded into
 * a program of its own for the per-frame runs (testrun.c, so the figures
 * share rounds with the floor and the 10-rule set), with what compiling,
 * loading, the first install (attach) and the re-installs (apply) take,
 * and the kernel memory of all maps with both slots full. cold.c adds the
 * cost of frames no cache has seen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_cold.h"
#include "compile.h"
#include "document.h"
#include "log.h"
#include "pins.h"
#include "ruleset.h"
#include "vaultfw.skel.h"

#define PREFIX_SEED		0x9f1e5eedULL
/* One group prefix in this many contains a source of the corpus, at any
 * length, so that the corpus walks the trie to its full depth. */
#define NEAR_CORPUS_EVERY	8
#define NEAR_MIN_LEN		8
/* The others are spread over the whole space, as service tags are. */
#define SPREAD_MIN_LEN		12
#define PREFIX_SOURCE		"bench-prefixes"

struct prefix_set {
	struct vfw_rules rules;
	struct vfw_compiled compiled;
	char *text;			/* the rules document */
	struct vfw_prefix *untagged;	/* IP rules, then group prefixes */
	size_t n_untagged;
};

/* A source of one of the corpus's untagged data-plane frames. */
static uint32_t corpus_source(const struct bench_data *d, uint64_t *rng)
{
	struct frame_span allowed = corpus_class_span(FC_ALLOWED);
	struct frame_span denied = corpus_class_span(FC_DENIED);
	uint32_t k = bench_rand(rng) % (allowed.count + denied.count);

	return d->corpus[k < allowed.count ? allowed.base + k :
			 denied.base + k - allowed.count].src;
}

static struct vfw_prefix group_prefix(const struct bench_data *d, uint64_t *rng, size_t k)
{
	struct vfw_prefix p;
	uint32_t addr;

	if (k % NEAR_CORPUS_EVERY == 0) {
		p.len = NEAR_MIN_LEN + bench_rand(rng) % (32 - NEAR_MIN_LEN + 1);
		addr = corpus_source(d, rng);
	} else {
		p.len = SPREAD_MIN_LEN + bench_rand(rng) % (32 - SPREAD_MIN_LEN + 1);
		addr = (uint32_t)bench_rand(rng);
	}
	p.addr = addr & prefix_mask(p.len);
	return p;
}

/* n prefixes dealt round-robin into VFW_MAX_TRUSTED groups. */
static int add_groups(const struct bench_data *d, size_t n, struct prefix_set *ps)
{
	struct vfw_rules *r = &ps->rules;
	uint64_t rng = PREFIX_SEED ^ n;
	size_t g, k;

	if (!n)
		return 0;
	r->trusted = calloc(VFW_MAX_TRUSTED, sizeof(*r->trusted));
	if (!r->trusted)
		return -ENOMEM;
	r->n_trusted = VFW_MAX_TRUSTED;
	for (g = 0; g < VFW_MAX_TRUSTED; g++) {
		snprintf(r->trusted[g].name, sizeof(r->trusted[g].name), "bench-service-%zu", g);
		r->trusted[g].prefixes = calloc(n / VFW_MAX_TRUSTED + 1,
						sizeof(*r->trusted[g].prefixes));
		if (!r->trusted[g].prefixes)
			return -ENOMEM;
	}
	for (k = 0; k < n; k++) {
		struct vfw_group *grp = &r->trusted[k % VFW_MAX_TRUSTED];
		struct vfw_prefix p = group_prefix(d, &rng, k);

		grp->prefixes[grp->n_prefixes++] = p;
		ps->untagged[ps->n_untagged++] = p;
	}
	return 0;
}

static int base_rules(const struct bench_data *d, const struct prefix_point *pt,
		      struct prefix_set *ps)
{
	char err[512];
	char *text = rules_document(d, pt->n_ip, pt->n_subnets);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = vfw_rules_parse(text, strlen(text), PREFIX_SOURCE, &ps->rules, err, sizeof(err));
	if (ret)
		pr_warn("bench: generated rules rejected: %s\n", err);
	free(text);
	for (size_t i = 0; !ret && i < pt->n_ip; i++)
		ps->untagged[ps->n_untagged++] = d->ip[i];
	return ret;
}

/* The document as `vaultfw apply` would read it, and the parser's time for
 * it (the rule set is built directly: the parser may refuse the size). */
static int document_of(struct prefix_set *ps, struct prefix_load *pl)
{
	struct vfw_rules parsed = {};
	json_t *doc = vfw_document_json(&ps->rules);
	char err[512];
	double t0;

	ps->text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!ps->text)
		return -ENOMEM;
	t0 = now_ms();
	if (vfw_rules_parse(ps->text, strlen(ps->text), PREFIX_SOURCE, &parsed, err,
			    sizeof(err))) {
		pr_warn("bench: the parser refuses the %zu-prefix document (%s); "
			"the rule set is compiled without it\n", ps->n_untagged, err);
		pl->parse_ms = -1;
		return 0;
	}
	pl->parse_ms = now_ms() - t0;
	vfw_rules_free(&parsed);
	return 0;
}

static int build_set(const struct bench_data *d, const struct prefix_point *pt,
		     struct prefix_set *ps, struct prefix_load *pl)
{
	char err[512];
	double t0;
	int ret;

	ps->untagged = calloc(pt->n_prefixes + 1, sizeof(*ps->untagged));
	if (!ps->untagged)
		return -ENOMEM;
	ret = base_rules(d, pt, ps) ?: add_groups(d, pt->n_prefixes - pt->n_ip, ps) ?:
	      document_of(ps, pl);
	if (ret)
		return ret;
	t0 = now_ms();
	ret = vfw_compile(&ps->rules, &ps->compiled, err, sizeof(err));
	pl->compile_ms = now_ms() - t0;
	if (ret)
		pr_warn("bench: the %zu-prefix rule set does not compile: %s\n",
			pt->n_prefixes, err);
	return ret;
}

static void record_shape(const struct vfw_compiled *c, struct prefix_load *pl)
{
	pl->n_entries = c->n_entries;
	pl->n_vals = c->fast.pop.n_vals;
	pl->n_nodes = c->fast.pop.n_nodes;
	pl->n_tails = c->fast.pop.n_tails;
	pl->n_leaves = c->fast.pop.n_leaves;
}

/* Load as `vaultfw attach` does (the maps are created with the program),
 * then the first install into those fresh maps. */
static int load_point(const struct bench_data *d, const struct prefix_point *pt,
		      struct prefix_set *ps, struct prefix_load *pl, struct vaultfw_bpf **skel)
{
	struct vfw_maps maps;
	double t0;
	int err;

	err = build_set(d, pt, ps, pl);
	if (err)
		return err;
	record_shape(&ps->compiled, pl);
	t0 = now_ms();
	*skel = vaultfw_bpf__open_and_load();
	pl->load_ms = now_ms() - t0;
	if (!*skel) {
		err = -errno;
		pr_warn("bench: loading vaultfw: %s\n", strerror(-err));
		return err;
	}
	vfw_maps_from_skel(*skel, &maps);
	t0 = now_ms();
	err = vfw_ruleset_install_document(&maps, &ps->compiled, ps->text, PREFIX_SOURCE, NULL);
	pl->attach_ms = now_ms() - t0;
	if (err)
		pr_warn("bench: installing %zu prefixes: %s\n", pt->n_prefixes, strerror(-err));
	return err;
}

int prefix_load_all(const struct bench_data *d, struct loaded *l, struct target *targets)
{
	for (size_t i = 0; i < N_PREFIX; i++) {
		const struct prefix_point *pt = &prefix_points[i];
		int err;

		l->prefix_set[i] = calloc(1, sizeof(*l->prefix_set[i]));
		if (!l->prefix_set[i])
			return -ENOMEM;
		err = load_point(d, pt, l->prefix_set[i], &l->prefix_load[i], &l->prefix[i]);
		if (err)
			return err;
		targets[i] = (struct target){ .family = TF_VAULTFW, .n_ip = pt->n_ip,
				.n_subnets = pt->n_subnets, .n_prefixes = pt->n_prefixes,
				.prog_fd = bpf_program__fd(l->prefix[i]->progs.vaultfw_xdp) };
		fprintf(stderr, "bench: %zu-prefix rule set loaded\n", pt->n_prefixes);
	}
	return 0;
}

void prefix_unload_all(struct loaded *l)
{
	for (size_t i = 0; i < N_PREFIX; i++) {
		struct prefix_set *ps = l->prefix_set[i];

		vaultfw_bpf__destroy(l->prefix[i]);
		if (!ps)
			continue;
		vfw_compiled_free(&ps->compiled);
		vfw_rules_free(&ps->rules);
		free(ps->text);
		free(ps->untagged);
		free(ps);
	}
}

const char *prefix_document(const struct loaded *l, size_t i)
{
	return l->prefix_set[i]->text;
}

size_t prefix_list(const struct loaded *l, size_t i, const struct vfw_prefix **list)
{
	*list = l->prefix_set[i]->untagged;
	return l->prefix_set[i]->n_untagged;
}

/* Applies: the same set again into the other slot, round after round. */
static int measure_applies(const struct loaded *l, size_t i, unsigned int rounds,
			   struct prefix_result *res)
{
	const struct prefix_set *ps = l->prefix_set[i];
	struct vfw_maps maps;

	vfw_maps_from_skel(l->prefix[i], &maps);
	for (unsigned int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		int err = vfw_ruleset_install_document(&maps, &ps->compiled, ps->text,
						       PREFIX_SOURCE, NULL);

		res->apply_ms[r] = now_ms() - t0;
		if (err) {
			pr_warn("bench: applying %zu prefixes: %s\n",
				prefix_points[i].n_prefixes, strerror(-err));
			return err;
		}
	}
	return 0;
}

int prefix_measure(const struct bench_data *d, const struct loaded *l,
		   const struct target *targets, const struct options *o,
		   struct prefix_bench *pb)
{
	(void)targets;
	for (size_t i = 0; i < N_PREFIX; i++) {
		struct prefix_result *res = &pb->res[i];
		json_t *detail = json_object();
		int err = measure_applies(l, i, o->rounds, res);

		res->memlock = object_memlock(l->prefix[i]->obj, detail, &res->trie_memlock);
		json_decref(detail);
		if (err)
			return err;
		if (res->memlock < 0)
			return (int)res->memlock;
	}
	return cold_measure(d, l, o, pb);
}

void prefix_point_label(char *buf, size_t len, const struct prefix_point *pt)
{
	if (pt->n_subnets)
		snprintf(buf, len, "%zu (%zu+%zu)", pt->n_prefixes, pt->n_ip, pt->n_subnets);
	else
		snprintf(buf, len, "%zu", pt->n_prefixes);
}

static double mib(long long bytes)
{
	return bytes / (1024.0 * 1024.0);
}

static void print_cost(const struct target *targets, const struct prefix_bench *pb,
		       const struct options *o)
{
	const struct target *ten = &targets[PREFIX_TARGET0];
	struct spread touch = spread_of(pb->refs.touch, o->rounds);
	struct spread cfloor = spread_of(pb->refs.floor, o->rounds);
	double access = touch.median - cfloor.median;
	double cold10 = spread_of(pb->res[0].cold, o->rounds).median;

	printf("\nPrefix scale, per frame: warm = the %d-frame corpus (rounds shared with the "
	       "floor), cold = %d distinct frames\nspread over the set's prefixes, each run "
	       "once per pass; x10 = to the 10-prefix set in the same rounds\n",
	       BENCH_CORPUS_FRAMES, COLD_FRAMES);
	printf("%-18s %8s %7s %6s %8s %7s %6s %9s\n", "prefixes", "warm ns", "x floor", "x10",
	       "cold ns", "x cfloor", "x10", "accesses");
	for (size_t i = 0; i < N_PREFIX; i++) {
		const struct target *t = &targets[PREFIX_TARGET0 + i];
		struct spread w = spread_of(t->cost, o->rounds);
		struct spread c = spread_of(pb->res[i].cold, o->rounds);
		char label[32];

		prefix_point_label(label, sizeof(label), &prefix_points[i]);
		printf("%-18s %8.2f %7.2f %6.3f %8.2f %7.2f %6.3f %9.2f\n", label, w.median,
		       spread_of(t->ratio, o->rounds).median,
		       w.median / spread_of(ten->cost, o->rounds).median, c.median,
		       spread_of(pb->res[i].cold_ratio, o->rounds).median, c.median / cold10,
		       (c.median - cold10) / access);
	}
	printf("cold references: harness + XDP_DROP %.2f ns; harness + one read of a random "
	       "word of 64 MiB %.2f ns (one access: %.2f ns);\naccesses = (cold - cold of the "
	       "10-prefix set) / one access\n", cfloor.median, touch.median, access);
}

static void print_size(const struct loaded *l, const struct prefix_bench *pb,
		       const struct options *o)
{
	printf("\nPrefix scale, size and time (ms; apply = re-install, median of %u; "
	       "memory: memlock of every map, both slots full)\n", o->rounds);
	printf("%-18s %7s %6s %6s %6s %7s %8s %7s %7s %7s %7s %7s %8s\n", "prefixes", "entries",
	       "values", "nodes", "tails", "leaves", "MiB", "(tries)", "parse", "compile",
	       "load", "attach", "apply");
	for (size_t i = 0; i < N_PREFIX; i++) {
		const struct prefix_load *pl = &l->prefix_load[i];
		const struct prefix_result *res = &pb->res[i];
		char label[32], parse[16];

		prefix_point_label(label, sizeof(label), &prefix_points[i]);
		if (pl->parse_ms < 0)
			snprintf(parse, sizeof(parse), "refused");
		else
			snprintf(parse, sizeof(parse), "%.1f", pl->parse_ms);
		printf("%-18s %7zu %6zu %6zu %6zu %7zu %8.1f %7.1f %7s %7.1f %7.1f %7.1f %8.1f\n",
		       label, pl->n_entries, pl->n_vals, pl->n_nodes, pl->n_tails, pl->n_leaves,
		       mib(res->memlock), mib(res->trie_memlock), parse, pl->compile_ms,
		       pl->load_ms, pl->attach_ms, spread_of(res->apply_ms, o->rounds).median);
	}
}

void prefix_print(const struct loaded *l, const struct target *targets,
		  const struct prefix_bench *pb, const struct options *o)
{
	print_cost(targets, pb, o);
	print_size(l, pb, o);
}

json_t *prefix_json(const struct loaded *l, const struct target *targets,
		    const struct prefix_bench *pb, const struct options *o)
{
	json_t *points = json_array();

	for (size_t i = 0; i < N_PREFIX; i++) {
		const struct prefix_point *pt = &prefix_points[i];
		const struct prefix_load *pl = &l->prefix_load[i];
		const struct prefix_result *res = &pb->res[i];
		const struct target *t = &targets[PREFIX_TARGET0 + i];

		json_array_append_new(points, json_pack(
			"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:I,s:I,"
			"s:f,s:f,s:f,s:f,s:o}",
			"prefixes", (json_int_t)pt->n_prefixes,
			"ip_rules", (json_int_t)pt->n_ip,
			"subnet_rules", (json_int_t)pt->n_subnets,
			"lpm_entries", (json_int_t)pl->n_entries,
			"values", (json_int_t)pl->n_vals,
			"nodes", (json_int_t)pl->n_nodes,
			"tails", (json_int_t)pl->n_tails,
			"leaves", (json_int_t)pl->n_leaves,
			"warm_ns_per_frame", spread_json(t->cost, o->rounds),
			"warm_ratio_to_floor", spread_json(t->ratio, o->rounds),
			"cold_ns_per_frame", spread_json(res->cold, o->rounds),
			"cold_ratio_to_cold_floor", spread_json(res->cold_ratio, o->rounds),
			"memlock_bytes", (json_int_t)res->memlock,
			"trie_memlock_bytes", (json_int_t)res->trie_memlock,
			"parse_ms", pl->parse_ms,
			"compile_ms", pl->compile_ms,
			"load_ms", pl->load_ms,
			"attach_ms", pl->attach_ms,
			"apply_ms", spread_json(res->apply_ms, o->rounds)));
	}
	return json_pack("{s:o,s:o,s:o}", "points", points,
			 "cold_floor_ns", spread_json(pb->refs.floor, o->rounds),
			 "cold_one_access_ns", spread_json(pb->refs.touch, o->rounds));
}
