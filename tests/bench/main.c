// SPDX-License-Identifier: GPL-2.0
/*
 * `make bench`: what vaultfw costs per frame, per rule and in kernel memory,
 * beside a bare XDP_DROP floor and its peers, xdp-filter and nftables.
 *
 * Every program under test is loaded before the first measurement; then
 * come per-frame cost (testrun.c), rule-set scale (scale.c), live traffic
 * (live.c, with --live) and kernel memory (scale.c), all on one generated
 * corpus (corpus.c). The tables go to stdout, every figure to --out as JSON,
 * which scripts/bench.sh plots.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "log.h"

#define MIN_ROUNDS		5
#define DEFAULT_ROUNDS		7
/* About 0.2 s per program and round for vaultfw on this class of machine. */
#define DEFAULT_REPEAT		3000
#define DEFAULT_OUT		"bench/results.json"

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [--out FILE] [--rounds N] [--repeat N] "
		"[--xdp-filter OBJ] [--hold-ifaces PREFIX]\n"
		"       [--live TX,RX] [--live-frames N] [--commands IFACE --vaultfw PATH]\n"
		"       [--dump-corpus] [-v]\n"
		"  --out FILE        results as JSON (default %s)\n"
		"  --rounds N        rounds per figure, %d..%d (default %d)\n"
		"  --repeat N        test runs per frame and round (default %d)\n"
		"  --xdp-filter OBJ  xdp-filter's BPF object (default %s)\n"
		"  --hold-ifaces P   attach program i to idle device P<i> meanwhile, so\n"
		"                    test runs skip XDP dispatcher updates (bench.sh\n"
		"                    makes the devices in a private namespace)\n"
		"  --live TX,RX      also measure live traffic sent out of veth TX to its\n"
		"                    peer RX (GRO on, so it receives without XDP too)\n"
		"  --live-frames N   frames per live run, a multiple of %d (default %d)\n"
		"  --commands IFACE  also time `vaultfw attach`, `apply` and `detach` of\n"
		"                    the prefix sets on IFACE, with the binary --vaultfw\n"
		"  --dump-corpus     print the corpus, a frame per line, and exit\n",
		prog, DEFAULT_OUT, MIN_ROUNDS, MAX_ROUNDS, DEFAULT_ROUNDS,
		DEFAULT_REPEAT, XDPFILT_OBJ_DEFAULT, BENCH_CORPUS_FRAMES,
		LIVE_DEFAULT_FRAMES);
}

static int check_options(const struct options *o)
{
	if (o->rounds < MIN_ROUNDS || o->rounds > MAX_ROUNDS || !o->repeat) {
		pr_warn("bench: --rounds must be %d..%d and --repeat positive\n",
			MIN_ROUNDS, MAX_ROUNDS);
		return -EINVAL;
	}
	if (!o->command_iface != !o->vaultfw) {
		pr_warn("bench: --commands and --vaultfw go together\n");
		return -EINVAL;
	}
	if (!o->live_frames || o->live_frames % BENCH_CORPUS_FRAMES) {
		pr_warn("bench: --live-frames must be a positive multiple of %d\n",
			BENCH_CORPUS_FRAMES);
		return -EINVAL;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "xdp-filter", required_argument, NULL, 'x' },
		{ "hold-ifaces", required_argument, NULL, 'H' },
		{ "live", required_argument, NULL, 'L' },
		{ "live-frames", required_argument, NULL, 'F' },
		{ "commands", required_argument, NULL, 'C' },
		{ "vaultfw", required_argument, NULL, 'V' },
		{ "dump-corpus", no_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int opt;

	*o = (struct options){ .out = DEFAULT_OUT, .xdpfilter_obj = XDPFILT_OBJ_DEFAULT,
			       .rounds = DEFAULT_ROUNDS, .repeat = DEFAULT_REPEAT,
			       .live_frames = LIVE_DEFAULT_FRAMES };
	while ((opt = getopt_long(argc, argv, "o:r:n:x:H:L:F:C:V:Dvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o->out = optarg;
			break;
		case 'r':
			o->rounds = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->repeat = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o->xdpfilter_obj = optarg;
			break;
		case 'H':
			o->hold_prefix = optarg;
			break;
		case 'L':
			o->live = optarg;
			break;
		case 'F':
			o->live_frames = strtoul(optarg, NULL, 10);
			break;
		case 'C':
			o->command_iface = optarg;
			break;
		case 'V':
			o->vaultfw = optarg;
			break;
		case 'D':
			o->dump_corpus = true;
			break;
		case 'v':
			vfw_log_level = VFW_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	return check_options(o);
}

/* Everything measured, and what holds it loaded until the results are out. */
struct bench_run {
	struct target targets[N_TARGETS];
	struct scale_result scale[N_SCALE];
	struct prefix_bench prefix;
	struct memory_result memory;
	struct loaded loaded;
	struct live_bench *live;
	struct command_result commands[N_PREFIX];
};

static int measure(const struct bench_data *d, const struct options *o,
		   struct bench_run *run)
{
	int err;

	if (!o->hold_prefix)
		pr_warn("bench: without --hold-ifaces every test run waits for XDP "
			"dispatcher updates and this takes very long; run scripts/bench.sh\n");
	err = load_all(d, o, &run->loaded, run->targets);
	if (!err && o->hold_prefix)
		err = testrun_hold(run->targets, N_TARGETS, o->hold_prefix);
	if (!err)
		err = testrun_measure(d, run->targets, N_TARGETS, o);
	if (!err)
		err = scale_measure(d, o->rounds, run->scale);
	if (!err)
		err = prefix_measure(d, &run->loaded, run->targets, o, &run->prefix);
	if (!err && o->live)
		err = live_run(d, &run->loaded, o, &run->live);
	if (!err && o->command_iface)
		err = commands_measure(&run->loaded, o, run->commands);
	if (!err)
		err = memory_measure(&run->loaded, &run->memory);
	return err;
}

static void print_tables(const struct bench_run *run, const struct options *o)
{
	testrun_print(run->targets, N_TARGETS, o);
	scale_print(run->scale, o->rounds);
	prefix_print(&run->loaded, run->targets, &run->prefix, o);
	memory_print(&run->memory);
	if (o->live)
		live_print(run->live, o);
	if (o->command_iface)
		commands_print(run->commands, o);
}

static json_t *results_json(const struct bench_run *run, const struct options *o)
{
	json_t *results = json_pack("{s:o,s:I,s:I,s:s,s:o,s:o,s:o,s:o}",
				    "corpus", corpus_json(),
				    "rounds", (json_int_t)o->rounds,
				    "repeat", (json_int_t)o->repeat,
				    "xdp_filter_object", o->xdpfilter_obj,
				    "per_frame", testrun_json(run->targets, N_TARGETS, o->rounds),
				    "scale", scale_json(run->scale),
				    "prefixes", prefix_json(&run->loaded, run->targets,
							    &run->prefix, o),
				    "memory", memory_json(&run->memory));

	if (results && o->live)
		json_object_set_new(results, "live", live_json(run->live, o));
	if (results)
		json_object_set_new(results, "log_cost",
				    testrun_log_cost_json(run->targets, N_TARGETS, o->rounds));
	if (results && o->command_iface)
		json_object_set_new(results, "commands", commands_json(run->commands, o));
	return results;
}

static int write_results(const char *path, json_t *results)
{
	if (json_dump_file(results, path, JSON_INDENT(2))) {
		pr_warn("bench: cannot write %s\n", path);
		return -EIO;
	}
	fprintf(stderr, "bench: results in %s\n", path);
	return 0;
}

static void release(struct bench_run *run)
{
	memory_free(&run->memory);
	testrun_release(run->targets, N_TARGETS);
	live_free(run->live);
	unload_all(&run->loaded);
}

/* Measure, print the tables, write the JSON. */
static int bench(const struct bench_data *d, const struct options *o)
{
	struct bench_run run = {};
	json_t *results = NULL;
	int err;

	err = measure(d, o, &run);
	if (!err) {
		print_tables(&run, o);
		results = results_json(&run, o);
		err = results ? write_results(o->out, results) : -ENOMEM;
	}
	json_decref(results);
	release(&run);
	return err;
}

int main(int argc, char **argv)
{
	struct bench_data *d;
	struct options o;
	int err;

	if (parse_options(argc, argv, &o))
		return 2;
	vfw_log_setup_libs();
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	err = corpus_generate(d);
	if (!err && o.dump_corpus)
		corpus_dump(d, stdout);
	else if (!err)
		err = bench(d, &o);
	free(d);
	return err ? 1 : 0;
}
