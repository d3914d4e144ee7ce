// SPDX-License-Identifier: GPL-2.0
/*
 * Live traffic. The generator (bench_gen.bpf.c) runs in
 * BPF_F_TEST_XDP_LIVE_FRAMES mode bound to one veth of a pair and transmits
 * the corpus out of it; the other end runs the receiver under test. All of
 * it happens on the CPU of the test run: the generator fills the peer's
 * ring one batch at a time and the peer's NAPI poll drains it in the
 * softirq that follows, so the wall time of a run covers generating,
 * sending and receiving every frame.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_gen.skel.h"
#include "log.h"
#include "vaultfw.skel.h"
#include "xdp_drop.skel.h"

/* The kernel's default batch; below the veth ring size, so none overflows. */
#define LIVE_BATCH		64

/* LF_VAULTFW_LOG: the same rules with the diagnostic log on, as attach leaves it. */
enum live_family { LF_GENERATOR, LF_FLOOR, LF_VAULTFW, LF_VAULTFW_LOG, LF_NFT, LF_COUNT };
static const char *const live_names[LF_COUNT] = {
	[LF_GENERATOR] = "generator", [LF_FLOOR] = "floor",
	[LF_VAULTFW] = "vaultfw", [LF_VAULTFW_LOG] = "vaultfw+log", [LF_NFT] = "nftables",
};

/*
 * The whole corpus, where vaultfw passes most frames on to the stack, and
 * its denied sources alone, where every receiver drops every frame as the
 * floor does: the cost of the filter itself.
 */
enum live_mix { LM_CORPUS, LM_DENIED, LM_COUNT };
static const char *const mix_names[LM_COUNT] = {
	[LM_CORPUS] = "whole corpus", [LM_DENIED] = "denied-public frames only",
};

struct live_result {
	double mpps[MAX_ROUNDS];
	double ratio[MAX_ROUNDS];	/* mpps / floor mpps, same round */
	uint64_t counted, dropped;	/* by the receiver, last round */
	uint64_t expected_drops;	/* by vaultfw's verdicts on the frames */
};

struct live_target {
	enum live_family family;
	int prog_fd;		/* the receiver's XDP program, or -1 */
	int reasons_fd;		/* a vaultfw receiver's per-reason counters */
	struct live_result mix[LM_COUNT];
};

struct live_bench {
	struct bench_gen_bpf *gen;
	char tx_name[IF_NAMESIZE], rx_name[IF_NAMESIZE];
	int tx_ifindex, rx_ifindex;
	char *nft_rules;
	struct live_target targets[LF_COUNT];
};

/* The corpus frames a mix replays: a power of two of them. */
static struct frame_span mix_span(enum live_mix mix)
{
	if (mix == LM_DENIED)
		return corpus_class_span(FC_DENIED);
	return (struct frame_span){ .base = 0, .count = BENCH_CORPUS_FRAMES };
}

static int parse_live_devices(const char *arg, struct live_bench *lb)
{
	const char *comma = strchr(arg, ',');
	size_t tx_len = comma ? (size_t)(comma - arg) : 0;

	if (!tx_len || tx_len >= IF_NAMESIZE || !comma[1] ||
	    strlen(comma + 1) >= IF_NAMESIZE) {
		pr_warn("bench: --live wants TX,RX device names, got '%s'\n", arg);
		return -EINVAL;
	}
	snprintf(lb->tx_name, sizeof(lb->tx_name), "%.*s", (int)tx_len, arg);
	snprintf(lb->rx_name, sizeof(lb->rx_name), "%s", comma + 1);
	return 0;
}

/* ---- what the receiver counted ---- */

#define REASON_DROPS(id, name, verdict) case VFW_REASON_##id: return verdict == XDP_DROP;
static bool reason_drops(unsigned int reason)
{
	switch (reason) {
	VFW_REASONS(REASON_DROPS)
	default:
		return false;
	}
}
#undef REASON_DROPS

static int vaultfw_counted(int reasons_fd, uint64_t *counted, uint64_t *dropped)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vfw_counter *per_cpu;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	*counted = *dropped = 0;
	for (uint32_t reason = 0; reason < VFW_REASON_COUNT && !err; reason++) {
		/* Counted beside the reason that decides: not a frame of its own. */
		if (reason == VFW_REASON_PERIMETER_WOULD_DENY)
			continue;
		if (bpf_map_lookup_elem(reasons_fd, &reason, per_cpu)) {
			err = -errno;
			break;
		}
		for (int cpu = 0; cpu < ncpus; cpu++) {
			*counted += per_cpu[cpu].packets;
			if (reason_drops(reason))
				*dropped += per_cpu[cpu].packets;
		}
	}
	free(per_cpu);
	return err;
}

/* The device's receive count: veth counts every frame its NAPI poll takes. */
static int device_rx_packets(const char *ifname, uint64_t *packets)
{
	struct ifaddrs *ifa, *all;
	int err = -ENODEV;

	if (getifaddrs(&all))
		return -errno;
	for (ifa = all; ifa; ifa = ifa->ifa_next) {
		if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_PACKET ||
		    !ifa->ifa_data || strcmp(ifa->ifa_name, ifname))
			continue;
		*packets = ((const struct rtnl_link_stats *)ifa->ifa_data)->rx_packets;
		err = 0;
		break;
	}
	freeifaddrs(all);
	return err;
}

/*
 * Frames the receiver handled, by its own counters: vaultfw's reasons,
 * nftables' counters, the device's count for the bare floor. The generator
 * alone counts what it produced.
 */
static int live_count(const struct live_bench *lb, const struct live_target *t,
		      uint64_t *counted, uint64_t *dropped)
{
	int err;

	switch (t->family) {
	case LF_VAULTFW:
	case LF_VAULTFW_LOG:
		return vaultfw_counted(t->reasons_fd, counted, dropped);
	case LF_NFT:
		return nft_counters(counted, dropped);
	case LF_FLOOR:
		err = device_rx_packets(lb->rx_name, counted);
		*dropped = *counted;
		return err;
	default:
		*counted = lb->gen->bss->next_frame;
		*dropped = *counted;
		return 0;
	}
}

/* ---- running it ---- */

static int live_engage(const struct live_bench *lb, const struct live_target *t)
{
	int err = 0;

	lb->gen->data->gen_action = t->family == LF_GENERATOR ? XDP_DROP : XDP_TX;
	if (t->prog_fd >= 0)
		err = bpf_xdp_attach(lb->rx_ifindex, t->prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	else if (t->family == LF_NFT)
		err = nft_load(lb->nft_rules);
	if (err)
		pr_warn("bench: setting up %s on %s: %s\n", live_names[t->family],
			lb->rx_name, strerror(-err));
	return err;
}

static void live_disengage(const struct live_bench *lb, const struct live_target *t)
{
	if (t->prog_fd >= 0)
		bpf_xdp_detach(lb->rx_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	else if (t->family == LF_NFT)
		nft_unload();
}

static int live_transmit(const struct live_bench *lb, enum live_mix mix,
			 unsigned int frames, double *ms)
{
	struct frame_span span = mix_span(mix);
	static const uint8_t template[BENCH_FRAME_MAX];
	struct xdp_md ctx = { .data_end = sizeof(template),
			      .ingress_ifindex = lb->tx_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = template,
		    .data_size_in = sizeof(template),
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
		    .repeat = frames,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = LIVE_BATCH);
	double t0 = now_ms();

	lb->gen->bss->next_frame = 0;
	lb->gen->bss->frame_base = span.base;
	lb->gen->data->frame_mask = span.count - 1;
	if (bpf_prog_test_run_opts(bpf_program__fd(lb->gen->progs.bench_gen), &opts)) {
		int err = -errno;

		pr_warn("bench: live test run into %s: %s\n", lb->tx_name, strerror(-err));
		return err;
	}
	*ms = now_ms() - t0;
	return 0;
}

static int live_measure(struct live_bench *lb, struct live_target *t,
			enum live_mix mix, unsigned int frames, unsigned int round)
{
	struct live_result *res = &t->mix[mix];
	uint64_t before, after, dropped_before, dropped_after;
	double ms = 0;
	int err;

	err = live_engage(lb, t);
	if (err)
		return err;
	err = live_count(lb, t, &before, &dropped_before);
	if (!err)
		err = live_transmit(lb, mix, frames, &ms);
	if (!err)
		err = live_count(lb, t, &after, &dropped_after);
	live_disengage(lb, t);
	if (err)
		return err;
	if (t->family == LF_GENERATOR)
		before = dropped_before = 0;	/* its cursor restarts every run */
	res->counted = after - before;
	res->dropped = dropped_after - dropped_before;
	res->mpps[round] = res->counted / ms / 1e3;
	return 0;
}

static int live_rounds(struct live_bench *lb, const struct options *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
			size_t i = (k + r) % (LF_COUNT * LM_COUNT);
			int err = live_measure(lb, &lb->targets[i % LF_COUNT],
					       i / LF_COUNT, o->live_frames, r);

			if (err)
				return err;
		}
		for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
			struct live_result *res = &lb->targets[k % LF_COUNT].mix[k / LF_COUNT];

			res->ratio[r] = res->mpps[r] /
					lb->targets[LF_FLOOR].mix[k / LF_COUNT].mpps[r];
		}
		fprintf(stderr, "bench: live round %u/%u done\n", r + 1, o->rounds);
	}
	return 0;
}

/* ---- setting it up ---- */

static int live_load_corpus(const struct live_bench *lb, const struct bench_data *d)
{
	int fd = bpf_map__fd(lb->gen->maps.bench_frames);

	for (uint32_t i = 0; i < BENCH_CORPUS_FRAMES; i++) {
		struct bench_gen_frame fr = { .len = d->corpus[i].len };

		memcpy(fr.data, d->corpus[i].data, sizeof(fr.data));
		if (bpf_map_update_elem(fd, &i, &fr, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* Drops of a receiver over one run, vaultfw's verdicts for the rule set. */
static uint64_t live_expected_drops(const struct bench_data *d, enum live_family f,
				    enum live_mix mix, unsigned int frames)
{
	struct target full = { .family = TF_VAULTFW, .n_ip = BENCH_IP_RULES,
			       .n_subnets = BENCH_SUBNETS };
	struct frame_span span = mix_span(mix);
	uint64_t per_span = 0;

	if (f == LF_GENERATOR || f == LF_FLOOR)
		return frames;
	for (uint32_t i = span.base; i < span.base + span.count; i++)
		per_span += expected_verdict(d, &full, &d->corpus[i]) == XDP_DROP;
	return per_span * (frames / span.count);
}

/* The generator wraps by mask, and a run must replay whole spans. */
static int check_mixes(unsigned int live_frames)
{
	for (int mix = 0; mix < LM_COUNT; mix++) {
		uint32_t count = mix_span(mix).count;

		if (count & (count - 1) || live_frames % count) {
			pr_warn("bench: live mix '%s' has %u frames, not a power of two "
				"dividing --live-frames\n", mix_names[mix], count);
			return -EINVAL;
		}
	}
	return 0;
}

static void live_targets(struct live_bench *lb, const struct bench_data *d,
			 const struct loaded *l, unsigned int live_frames)
{
	const struct vaultfw_bpf *vaultfw = l->vaultfw[N_VAULTFW - 1];
	struct live_target *t = lb->targets;

	for (int f = 0; f < LF_COUNT; f++) {
		t[f] = (struct live_target){ .family = f, .prog_fd = -1, .reasons_fd = -1 };
		for (int mix = 0; mix < LM_COUNT; mix++)
			lb->targets[f].mix[mix].expected_drops =
				live_expected_drops(d, f, mix, live_frames);
	}
	t[LF_FLOOR].prog_fd = bpf_program__fd(l->floor->progs.xdp_drop);
	t[LF_VAULTFW].prog_fd = bpf_program__fd(vaultfw->progs.vaultfw_xdp);
	t[LF_VAULTFW].reasons_fd = bpf_map__fd(vaultfw->maps.vfw_reasons);
	t[LF_VAULTFW_LOG].prog_fd = bpf_program__fd(l->vaultfw_log->progs.vaultfw_xdp);
	t[LF_VAULTFW_LOG].reasons_fd = bpf_map__fd(l->vaultfw_log->maps.vfw_reasons);
}

/* The receivers are the floor and vaultfw at the biggest rule set loaded. */
static int live_setup(struct live_bench *lb, const struct bench_data *d,
		      const struct loaded *l, const struct options *o)
{
	int err;

	err = parse_live_devices(o->live, lb);
	if (!err)
		err = check_mixes(o->live_frames);
	if (err)
		return err;
	lb->tx_ifindex = if_nametoindex(lb->tx_name);
	lb->rx_ifindex = if_nametoindex(lb->rx_name);
	if (!lb->tx_ifindex || !lb->rx_ifindex) {
		pr_warn("bench: --live devices %s,%s: not found\n", lb->tx_name, lb->rx_name);
		return -ENODEV;
	}
	lb->gen = bench_gen_bpf__open_and_load();
	if (!lb->gen) {
		err = -errno;
		pr_warn("bench: loading the traffic generator: %s\n", strerror(-err));
		return err;
	}
	err = live_load_corpus(lb, d);
	if (err)
		return err;
	lb->nft_rules = nft_ruleset(d, lb->rx_name);
	if (!lb->nft_rules)
		return -ENOMEM;
	live_targets(lb, d, l, o->live_frames);
	return 0;
}

void live_free(struct live_bench *lb)
{
	if (!lb)
		return;
	bench_gen_bpf__destroy(lb->gen);
	free(lb->nft_rules);
	free(lb);
}

/*
 * The generator and the receiver's softirq then share one CPU, whichever
 * the driver runs on, and every run sees the same pipeline.
 */
static int rounds_on_one_cpu(struct live_bench *lb, const struct options *o)
{
	cpu_set_t old, one;
	int err;

	if (sched_getaffinity(0, sizeof(old), &old))
		return -errno;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return -errno;
	err = live_rounds(lb, o);
	sched_setaffinity(0, sizeof(old), &old);
	return err;
}

int live_run(const struct bench_data *d, const struct loaded *l,
	     const struct options *o, struct live_bench **lbp)
{
	struct live_bench *lb = calloc(1, sizeof(*lb));
	int err;

	if (!lb)
		return -ENOMEM;
	*lbp = lb;
	err = live_setup(lb, d, l, o);
	if (!err)
		err = rounds_on_one_cpu(lb, o);
	return err;
}

/* ---- output ---- */

/* Every frame reached the receiver, which dropped what vaultfw drops. */
static bool live_as_expected(const struct live_result *res, unsigned int frames)
{
	return res->counted == frames && res->dropped == res->expected_drops;
}

static void print_live_mix(const struct live_bench *lb, enum live_mix mix,
			   const struct options *o)
{
	const struct live_result *gen = &lb->targets[LF_GENERATOR].mix[mix];
	double gen_ns = 1e3 / spread_of(gen->mpps, o->rounds).median;

	printf("%s:\n", mix_names[mix]);
	for (size_t i = 0; i < LF_COUNT; i++) {
		const struct live_target *t = &lb->targets[i];
		const struct live_result *res = &t->mix[mix];
		struct spread m = spread_of(res->mpps, o->rounds);
		struct spread r = spread_of(res->ratio, o->rounds);
		double rx_ns = 1e3 / m.median - (res == gen ? 0 : gen_ns);
		char rules[24] = "-";

		if (t->family != LF_GENERATOR && t->family != LF_FLOOR)
			snprintf(rules, sizeof(rules), "%d+%d", BENCH_IP_RULES, BENCH_SUBNETS);
		printf("  %-11s %-9s %6.2f  (%5.2f..%5.2f) %7.2f  (%5.2f..%5.2f) %9.1f %9"
		       PRIu64 " %9" PRIu64 " %s\n", live_names[t->family], rules,
		       m.median, m.min, m.max, r.median, r.min, r.max, rx_ns,
		       res->counted, res->dropped,
		       live_as_expected(res, o->live_frames) ? "yes" : "NO");
	}
}

void live_print(const struct live_bench *lb, const struct options *o)
{
	printf("\nLive traffic: BPF_F_TEST_XDP_LIVE_FRAMES generator -> %s -> veth -> %s, "
	       "%u frames per run, median of %u rounds (min..max)\n", lb->tx_name,
	       lb->rx_name, o->live_frames, o->rounds);
	printf("  %-11s %-9s %6s %15s %7s %15s %9s %9s %9s %s\n", "receiver", "rules",
	       "Mpps", "(min..max)", "x floor", "(min..max)", "rx ns/fr", "counted",
	       "dropped", "ok");
	for (int mix = 0; mix < LM_COUNT; mix++)
		print_live_mix(lb, mix, o);
	printf("(rx ns/fr: ns per frame beyond the generator alone: the veth transfer "
	       "and the receiver; ok: every frame counted, drops as vaultfw's verdicts)\n");
}

json_t *live_json(const struct live_bench *lb, const struct options *o)
{
	json_t *arr = json_array();

	for (size_t k = 0; k < LF_COUNT * LM_COUNT; k++) {
		const struct live_target *t = &lb->targets[k % LF_COUNT];
		const struct live_result *res = &t->mix[k / LF_COUNT];

		json_array_append_new(arr, json_pack(
			"{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:b}",
			"receiver", live_names[t->family],
			"frames", mix_names[k / LF_COUNT],
			"mpps", spread_json(res->mpps, o->rounds),
			"ratio_to_floor", spread_json(res->ratio, o->rounds),
			"counted", (json_int_t)res->counted,
			"dropped", (json_int_t)res->dropped,
			"expected_drops", (json_int_t)res->expected_drops,
			"as_expected", live_as_expected(res, o->live_frames)));
	}
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o}",
			 "tx", lb->tx_name, "rx", lb->rx_name,
			 "frames_per_run", (json_int_t)o->live_frames,
			 "batch_size", (json_int_t)LIVE_BATCH,
			 "ip_rules", (json_int_t)BENCH_IP_RULES,
			 "subnet_rules", (json_int_t)BENCH_SUBNETS,
			 "results", arr);
}
