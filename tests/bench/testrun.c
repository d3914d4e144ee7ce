// SPDX-License-Identifier: GPL-2.0
/*
 * Per-frame cost by BPF_PROG_TEST_RUN with a repeat count, over every
 * corpus frame. Each round measures every program back to back, so a ratio
 * to the bare XDP_DROP floor compares figures taken under the same load;
 * reported figures are medians over the rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "log.h"

/* Native mode: the kernel registers native programs with the dispatcher. */
#define HOLD_XDP_FLAGS		(XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST)

static const char *const family_names[] = {
	[TF_FLOOR] = "floor", [TF_VAULTFW] = "vaultfw", [TF_VAULTFW_LOG] = "vaultfw+log",
	[TF_XDPFILTER] = "xdp-filter",
};

/*
 * An XDP test run registers its program with the kernel's XDP dispatcher
 * and unregisters it afterwards, each time waiting for an RCU grace period
 * (milliseconds, far more than the run itself) unless the program is
 * registered already. Attaching each program to an idle device of its own
 * for the whole benchmark turns those updates into reference counting.
 */
static int hold_in_dispatcher(struct target *t, const char *prefix, size_t i)
{
	char ifname[IF_NAMESIZE];
	int ifindex, err;

	if ((size_t)snprintf(ifname, sizeof(ifname), "%s%zu", prefix, i) >= sizeof(ifname)) {
		pr_warn("bench: device name %s%zu is too long\n", prefix, i);
		return -ENAMETOOLONG;
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		pr_warn("bench: device %s: %s\n", ifname, strerror(-err));
		return err;
	}
	err = bpf_xdp_attach(ifindex, t->prog_fd, HOLD_XDP_FLAGS, NULL);
	if (err) {
		pr_warn("bench: attaching to %s: %s\n", ifname, strerror(-err));
		return err;
	}
	t->held_ifindex = ifindex;
	return 0;
}

/* Program i goes to device PREFIX<i>. */
int testrun_hold(struct target *targets, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++) {
		int err = hold_in_dispatcher(&targets[i], prefix, i);

		if (err)
			return err;
	}
	return 0;
}

void testrun_release(struct target *targets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (targets[i].held_ifindex)
			bpf_xdp_detach(targets[i].held_ifindex, HOLD_XDP_FLAGS, NULL);
		targets[i].held_ifindex = 0;
	}
}

static int run_frame(int prog_fd, const struct corpus_frame *fr, unsigned int repeat,
		     uint32_t *ns, uint32_t *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = fr->data,
		    .data_size_in = fr->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*ns = opts.duration;
	*verdict = opts.retval;
	return 0;
}

static void tally(const struct bench_data *d, struct target *t,
		  const struct corpus_frame *fr, uint32_t verdict)
{
	if (verdict == XDP_PASS)
		t->pass++;
	else
		t->drop++;
	if ((int)verdict != expected_verdict(d, t, fr))
		t->unexpected++;
}

/*
 * Average cost of one frame over the corpus; tallies verdicts if asked. The
 * kernel reports whole nanoseconds per repeat, so every figure reads about
 * half a nanosecond low, the same for every program.
 */
static int corpus_cost(const struct bench_data *d, struct target *t,
		       unsigned int repeat, bool tallied, double *cost)
{
	uint64_t total_ns = 0;

	for (size_t i = 0; i < BENCH_CORPUS_FRAMES; i++) {
		uint32_t ns = 0, verdict = 0;
		int err = run_frame(t->prog_fd, &d->corpus[i], repeat, &ns, &verdict);

		if (err) {
			pr_warn("bench: BPF_PROG_TEST_RUN on frame %zu: %s\n",
				i, strerror(-err));
			return err;
		}
		total_ns += ns;
		if (tallied)
			tally(d, t, &d->corpus[i], verdict);
	}
	*cost = (double)total_ns / BENCH_CORPUS_FRAMES;
	return 0;
}

/*
 * Each round measures every target once, starting one further along each
 * time so that no target always runs first after a pause. targets[0] is
 * the floor.
 */
int testrun_measure(const struct bench_data *d, struct target *targets, size_t n,
		    const struct options *o)
{
	for (unsigned int r = 0; r < o->rounds; r++) {
		for (size_t k = 0; k < n; k++) {
			struct target *t = &targets[(k + r) % n];
			int err = corpus_cost(d, t, o->repeat, r == 0, &t->cost[r]);

			if (err)
				return err;
		}
		for (size_t k = 0; k < n; k++)
			targets[k].ratio[r] = targets[k].cost[r] / targets[0].cost[r];
		fprintf(stderr, "bench: round %u/%u done\n", r + 1, o->rounds);
	}
	return 0;
}

static void rules_label(char *buf, size_t len, const struct target *t)
{
	if (t->family == TF_FLOOR)
		snprintf(buf, len, "-");
	else if (t->n_prefixes && t->n_subnets)
		snprintf(buf, len, "%zup+%zu", t->n_prefixes, t->n_subnets);
	else if (t->n_prefixes)
		snprintf(buf, len, "%zup", t->n_prefixes);
	else if (t->n_subnets)
		snprintf(buf, len, "%zu+%zu", t->n_ip, t->n_subnets);
	else
		snprintf(buf, len, "%zu", t->n_ip);
}

/*
 * What the diagnostic log costs (issue 12 item 1), paired within each
 * round: vaultfw with the log on at its default rate minus the same rules
 * with it off. Every denied frame is a held-back event (a flood outruns
 * 1000 events a second at once), so per event is per frame times the
 * corpus over its denied frames. false when the run has no such pair.
 */
static bool log_cost(const struct target *targets, size_t n, unsigned int rounds,
		     double per_frame[MAX_ROUNDS], double per_event[MAX_ROUNDS])
{
	const struct target *on = NULL, *off = NULL;

	for (size_t i = 0; i < n; i++)
		if (targets[i].family == TF_VAULTFW_LOG)
			on = &targets[i];
	for (size_t i = 0; on && i < n; i++)
		if (targets[i].family == TF_VAULTFW && targets[i].n_ip == on->n_ip &&
		    targets[i].n_subnets == on->n_subnets && !targets[i].n_prefixes)
			off = &targets[i];
	if (!on || !off || !on->drop)
		return false;
	for (unsigned int r = 0; r < rounds; r++) {
		per_frame[r] = on->cost[r] - off->cost[r];
		per_event[r] = per_frame[r] * BENCH_CORPUS_FRAMES / on->drop;
	}
	return true;
}

static void print_log_cost(const struct target *targets, size_t n, const struct options *o)
{
	double frame[MAX_ROUNDS], event[MAX_ROUNDS];
	struct spread f, e;

	if (!log_cost(targets, n, o->rounds, frame, event))
		return;
	f = spread_of(frame, o->rounds);
	e = spread_of(event, o->rounds);
	printf("log on minus off, same round: %.2f ns a frame (%.2f..%.2f), %.2f ns per "
	       "held-back event (%.2f..%.2f)\n", f.median, f.min, f.max, e.median, e.min, e.max);
}

json_t *testrun_log_cost_json(const struct target *targets, size_t n, unsigned int rounds)
{
	double frame[MAX_ROUNDS], event[MAX_ROUNDS];

	if (!log_cost(targets, n, rounds, frame, event))
		return json_null();
	return json_pack("{s:o,s:o}", "ns_per_frame", spread_json(frame, rounds),
			 "ns_per_held_back_event", spread_json(event, rounds));
}

void testrun_print(const struct target *targets, size_t n, const struct options *o)
{
	printf("Per-frame cost: BPF_PROG_TEST_RUN, %d frames x %u repeats, "
	       "median of %u rounds (min..max)\n", BENCH_CORPUS_FRAMES, o->repeat, o->rounds);
	printf("%-11s %-12s %8s %17s %7s %15s %5s %5s %5s\n", "program", "rules",
	       "ns/frame", "(min..max)", "x floor", "(min..max)", "pass", "drop", "unexp");
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &targets[i];
		struct spread c = spread_of(t->cost, o->rounds);
		struct spread r = spread_of(t->ratio, o->rounds);
		char label[48];

		rules_label(label, sizeof(label), t);
		printf("%-11s %-12s %8.2f  (%6.2f..%6.2f) %7.2f  (%5.2f..%5.2f) %5u %5u %5u\n",
		       family_names[t->family], label, c.median, c.min, c.max,
		       r.median, r.min, r.max, t->pass, t->drop, t->unexpected);
	}
	print_log_cost(targets, n, o);
}

json_t *testrun_json(const struct target *targets, size_t n, unsigned int rounds)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		const struct target *t = &targets[i];

		json_array_append_new(arr, json_pack(
			"{s:s,s:I,s:I,s:I,s:o,s:o,s:I,s:I,s:I}",
			"program", family_names[t->family],
			"ip_rules", (json_int_t)t->n_ip,
			"subnet_rules", (json_int_t)t->n_subnets,
			"prefixes", (json_int_t)t->n_prefixes,
			"ns_per_frame", spread_json(t->cost, rounds),
			"ratio_to_floor", spread_json(t->ratio, rounds),
			"pass", (json_int_t)t->pass,
			"drop", (json_int_t)t->drop,
			"unexpected_verdicts", (json_int_t)t->unexpected));
	}
	return arr;
}
