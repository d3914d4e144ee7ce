/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `make bench`, one file per measurement: corpus.c (the frames and the rule
 * sets they are aimed at), load.c (the programs under test), peers.c
 * (xdp-filter and nftables), testrun.c (per-frame cost), scale.c (rule-set
 * timings, kernel memory), live.c (live traffic), spread.c (figures over
 * rounds) and main.c (options, order, results). This header holds what
 * they share.
 */
#ifndef VFW_BENCH_H
#define VFW_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "bench_gen.h"
#include "rules.h"

/* Each figure keeps one value a round, in arrays of this size. */
#define MAX_ROUNDS		64

/* The biggest rule set measured: the SPEC limits on both rule kinds. */
#define BENCH_IP_RULES		VFW_MAX_IP_RULES
#define BENCH_SUBNETS		VFW_MAX_VNET_RULES

/* The vault's data plane in every generated rules document. */
#define DP_ADDR_TEXT		"192.0.2.10"
#define DP_PORT			443

#define XDPFILT_OBJ_DEFAULT	"xdpfilt_dny_ip.o"
/* Frames per live-traffic run: the corpus 1024 times over. */
#define LIVE_DEFAULT_FRAMES	(1024 * BENCH_CORPUS_FRAMES)

struct options {
	const char *out;
	const char *xdpfilter_obj;
	const char *hold_prefix;
	const char *live;	/* TX,RX devices of the live-traffic run */
	const char *command_iface;	/* time the vaultfw commands on it */
	const char *vaultfw;		/* the binary they run */
	unsigned int rounds;
	unsigned int repeat;
	unsigned int live_frames;
	bool dump_corpus;
};

/* ---- the corpus (corpus.c) ---- */

/* The corpus's kinds of frame, in corpus order; their counts add up to
 * BENCH_CORPUS_FRAMES. */
enum frame_class {
	FC_ALLOWED,		/* untagged, source inside one of the IP rules */
	FC_DENIED,		/* untagged, public source no rule covers */
	FC_VLAN,		/* 802.1Q-tagged subnet traffic */
	FC_VXLAN,		/* VXLAN-encapsulated subnet traffic */
	FC_CONTROL,		/* not data plane: other ports, ICMP, ARP */
	FC_COUNT,
};

struct corpus_frame {
	uint8_t data[BENCH_FRAME_MAX];
	uint32_t len;
	enum frame_class cls;
	bool data_plane;	/* what vaultfw should consider data plane */
	struct vfw_tag tag;	/* the packet's tag as vaultfw reads it */
	uint32_t src;		/* source vaultfw judges (inner for VXLAN) */
	bool outer_ipv4;	/* xdp-filter sees an IPv4 (or ARP) source */
	uint32_t outer_src;	/* that source, host order */
};

struct bench_subnet {
	struct vfw_tag tag;
	struct vfw_prefix prefix;
};

/* Everything generated from the corpus seed. */
struct bench_data {
	struct vfw_prefix ip[BENCH_IP_RULES];
	uint32_t ip_host[BENCH_IP_RULES];	/* one address inside ip[i] */
	struct bench_subnet subnet[BENCH_SUBNETS];
	struct corpus_frame corpus[BENCH_CORPUS_FRAMES];
	uint64_t rng;
};

/* Consecutive corpus frames. */
struct frame_span {
	uint32_t base, count;
};

static inline uint32_t prefix_mask(uint8_t len)
{
	return len ? ~0U << (32 - len) : 0;
}

/* splitmix64: the corpus's generator, for everything drawn from a seed. */
uint64_t bench_rand(uint64_t *state);
int corpus_generate(struct bench_data *d);
struct frame_span corpus_class_span(enum frame_class cls);
/* A vault with default deny, no bypass, and the first n_ip / n_subnets rules. */
char *rules_document(const struct bench_data *d, size_t n_ip, size_t n_subnets);
json_t *corpus_json(void);
void corpus_dump(const struct bench_data *d, FILE *f);

/* ---- the programs under test (load.c, testrun.c) ---- */

/* TF_VAULTFW_LOG: vaultfw at the last rule count with the diagnostic log at
 * its default rate, as `vaultfw attach` leaves it; TF_VAULTFW runs with the
 * log off. */
enum target_family { TF_FLOOR, TF_VAULTFW, TF_VAULTFW_LOG, TF_XDPFILTER };

struct target {
	enum target_family family;
	size_t n_ip;
	size_t n_subnets;
	size_t n_prefixes;	/* a point of the prefix table (prefixes.c), or 0 */
	int prog_fd;
	int held_ifindex;	/* device the program is attached to, or 0 */
	double cost[MAX_ROUNDS];	/* ns per frame, corpus average */
	double ratio[MAX_ROUNDS];	/* cost / floor cost, same round */
	unsigned int pass, drop, unexpected;
};

int expected_verdict(const struct bench_data *d, const struct target *t,
		     const struct corpus_frame *fr);

/*
 * The rule counts measured. Kernel memory is read at the last vaultfw and
 * xdp-filter points, and live traffic runs vaultfw at its last.
 */
struct rule_point {
	size_t n_ip, n_subnets;
};
static const struct rule_point vaultfw_points[] = {
	{ 0, 0 }, { 10, 0 }, { 100, 0 }, { 1000, 0 }, { BENCH_IP_RULES, BENCH_SUBNETS },
};
static const size_t xdpfilter_points[] = { 0, 10, 100, 1000 };
static const struct rule_point scale_points[] = {
	{ 10, 0 }, { 100, 0 }, { BENCH_IP_RULES, BENCH_SUBNETS },
};
/*
 * The prefix table: source prefixes in one rule set, the first n_ip of
 * them IP rules (the corpus's), beside n_subnets subnet rules, the rest in
 * trusted-service groups (bypass None: verdicts stay the IP rules').
 */
struct prefix_point {
	size_t n_prefixes, n_ip, n_subnets;
};
static const struct prefix_point prefix_points[] = {
	{ 10, 10, 0 }, { 1000, 10, 0 }, { 10000, 10, 0 }, { 100000, 10, 0 },
	{ 100000, BENCH_IP_RULES, BENCH_SUBNETS },
};
#define N_VAULTFW	(sizeof(vaultfw_points) / sizeof(vaultfw_points[0]))
#define N_XDPFILTER	(sizeof(xdpfilter_points) / sizeof(xdpfilter_points[0]))
#define N_SCALE		(sizeof(scale_points) / sizeof(scale_points[0]))
#define N_PREFIX	(sizeof(prefix_points) / sizeof(prefix_points[0]))
#define N_TARGETS	(1 + N_VAULTFW + 1 + N_XDPFILTER + N_PREFIX)
/* Where the prefix table's targets start in targets[]. */
#define PREFIX_TARGET0	(1 + N_VAULTFW + 1 + N_XDPFILTER)

struct vaultfw_bpf;
struct xdp_drop_bpf;
struct bpf_object;

struct prefix_set;

/* What loading and installing one prefix-table rule set took. */
struct prefix_load {
	size_t n_entries, n_vals, n_nodes, n_tails, n_leaves;
	double parse_ms;	/* the rules document's; < 0: the parser refused it */
	double compile_ms;
	double load_ms;		/* open, verify and load the program, create its maps */
	double attach_ms;	/* first install, into the fresh maps */
};

struct loaded {
	struct xdp_drop_bpf *floor;
	struct vaultfw_bpf *vaultfw[N_VAULTFW];
	struct vaultfw_bpf *vaultfw_log;
	struct bpf_object *xdpfilter[N_XDPFILTER];
	struct vaultfw_bpf *prefix[N_PREFIX];
	struct prefix_load prefix_load[N_PREFIX];
	struct prefix_set *prefix_set[N_PREFIX];	/* kept for the re-installs */
};

struct vfw_compiled;

/* Parse and compile the first n_ip IP rules and n_subnets subnet rules. */
int compile_rules(const struct bench_data *d, size_t n_ip, size_t n_subnets,
		  struct vfw_compiled *out, double *parse_ms, double *compile_ms);
int vaultfw_load(const struct bench_data *d, size_t n_ip, size_t n_subnets,
		 struct vaultfw_bpf **skelp);
int load_all(const struct bench_data *d, const struct options *o,
	     struct loaded *l, struct target *targets);
void unload_all(struct loaded *l);

/* ---- the prefix table (prefixes.c, cold.c) ---- */

int prefix_load_all(const struct bench_data *d, struct loaded *l, struct target *targets);
/* The untagged prefixes of point i's rule set (IP rules and groups). */
size_t prefix_list(const struct loaded *l, size_t i, const struct vfw_prefix **list);
void prefix_unload_all(struct loaded *l);
/* Point i's rules document, as `vaultfw apply` reads it. */
const char *prefix_document(const struct loaded *l, size_t i);
void prefix_point_label(char *buf, size_t len, const struct prefix_point *pt);

struct prefix_result {
	double apply_ms[MAX_ROUNDS];	/* re-installs into live maps */
	long long memlock;		/* every map, both slots full */
	long long trie_memlock;		/* of it, the LPM tries */
	double cold[MAX_ROUNDS];	/* ns per frame, cold corpus */
	double cold_ratio[MAX_ROUNDS];	/* to the cold floor, same round */
};

struct cold_refs {
	double floor[MAX_ROUNDS];	/* the harness and XDP_DROP */
	double touch[MAX_ROUNDS];	/* the harness and one random 64 MiB read */
};

struct prefix_bench {
	struct prefix_result res[N_PREFIX];
	struct cold_refs refs;
};

int prefix_measure(const struct bench_data *d, const struct loaded *l,
		   const struct target *targets, const struct options *o,
		   struct prefix_bench *pb);
void prefix_print(const struct loaded *l, const struct target *targets,
		  const struct prefix_bench *pb, const struct options *o);
json_t *prefix_json(const struct loaded *l, const struct target *targets,
		    const struct prefix_bench *pb, const struct options *o);
/* memlock of every map of obj and of the tries vfw_rulesets points to. */
long long object_memlock(struct bpf_object *obj, json_t *detail, long long *tries);

/* Sources spread over the prefixes of each rule set, one pass per round. */
int cold_measure(const struct bench_data *d, const struct loaded *l,
		 const struct options *o, struct prefix_bench *pb);

/* ---- the peers (peers.c) ---- */

int xdpfilter_load(const char *path, const uint32_t *hosts, size_t n,
		   struct bpf_object **objp);
int xdpfilter_prog_fd(struct bpf_object *obj);
char *nft_ruleset(const struct bench_data *d, const char *dev);
int nft_load(const char *ruleset);
void nft_unload(void);
int nft_counters(uint64_t *seen, uint64_t *dropped);

/* ---- per-frame cost (testrun.c) ---- */

int testrun_hold(struct target *targets, size_t n, const char *prefix);
void testrun_release(struct target *targets, size_t n);
int testrun_measure(const struct bench_data *d, struct target *targets, size_t n,
		    const struct options *o);
void testrun_print(const struct target *targets, size_t n, const struct options *o);
json_t *testrun_log_cost_json(const struct target *targets, size_t n, unsigned int rounds);
json_t *testrun_json(const struct target *targets, size_t n, unsigned int rounds);

/* ---- scale and kernel memory (scale.c) ---- */

struct scale_result {
	size_t n_ip, n_subnets;
	size_t n_entries;
	double parse_ms, compile_ms, install_ms;	/* medians */
	double install_min_ms, install_max_ms;
};

int scale_measure(const struct bench_data *d, unsigned int rounds,
		  struct scale_result res[N_SCALE]);
void scale_print(const struct scale_result res[N_SCALE], unsigned int rounds);
json_t *scale_json(const struct scale_result res[N_SCALE]);

struct memory_result {
	long long vaultfw_bytes, vaultfw_trie_bytes, xdpfilter_bytes;
	json_t *vaultfw_maps, *xdpfilter_maps;	/* bytes by map name */
};

int memory_measure(const struct loaded *l, struct memory_result *m);
void memory_print(const struct memory_result *m);
json_t *memory_json(const struct memory_result *m);
void memory_free(struct memory_result *m);

/* ---- live traffic (live.c) ---- */

struct live_bench;

int live_run(const struct bench_data *d, const struct loaded *l,
	     const struct options *o, struct live_bench **lbp);
void live_print(const struct live_bench *lb, const struct options *o);
json_t *live_json(const struct live_bench *lb, const struct options *o);
void live_free(struct live_bench *lb);

/* ---- the vaultfw commands themselves (commands.c) ---- */

/* What `vaultfw attach` (the first, onto an interface without vaultfw) and
 * `vaultfw apply` of a prefix point's document took, as the operator runs
 * them: the binary, with its parse, compile, load and install. */
struct command_result {
	double attach_ms[MAX_ROUNDS];
	double apply_ms[MAX_ROUNDS];
};

int commands_measure(const struct loaded *l, const struct options *o,
		     struct command_result res[N_PREFIX]);
void commands_print(const struct command_result res[N_PREFIX], const struct options *o);
json_t *commands_json(const struct command_result res[N_PREFIX], const struct options *o);

/* ---- figures over rounds (spread.c) ---- */

struct spread {
	double median, min, max;
};

double now_ms(void);
struct spread spread_of(const double *v, size_t n);
json_t *spread_json(const double *v, unsigned int n);

#endif /* VFW_BENCH_H */
