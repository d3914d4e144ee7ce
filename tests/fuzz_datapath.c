// SPDX-License-Identifier: GPL-2.0
/*
 * `make fuzz-datapath`: the long differential run of the XDP program
 * against the reference model (see tests/diffrun.c). Not a test_* suite:
 * `make test` runs a small sample of the same through test_differential.
 *
 * fuzz_datapath [--seed N] [--rulesets N] [--frames N] [--first-set N]
 * --frames is the total, spread evenly over the rule sets.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diffrun.h"
#include "log.h"

#define DEFAULT_RULESETS	200
#define DEFAULT_FRAMES		1000000ULL

static int parse_count(const char *text, const char *what, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 0);
	if (errno || end == text || *end) {
		fprintf(stderr, "fuzz_datapath: %s: \"%s\" is not a number\n", what, text);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "rulesets", required_argument, NULL, 'r' },
		{ "frames", required_argument, NULL, 'f' },
		{ "first-set", required_argument, NULL, 'F' },
		{ "prefixes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long long seed = time(NULL), sets = DEFAULT_RULESETS, frames = DEFAULT_FRAMES;
	unsigned long long first = 0, bulk = 0, *target;
	struct diff_env env = { .save_dir = DIFF_SAVE_DIR };
	struct timespec t0, t1;
	long long found;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "s:r:f:F:p:h", options, NULL)) != -1) {
		switch (opt) {
		case 's': target = &seed; break;
		case 'r': target = &sets; break;
		case 'f': target = &frames; break;
		case 'F': target = &first; break;
		case 'p': target = &bulk; break;
		default:
			fprintf(stderr, "usage: %s [--seed N] [--rulesets N] [--frames TOTAL] "
				"[--first-set N] [--prefixes N]\n"
				"  --prefixes N  N more trusted prefixes in every rule set\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
		if (parse_count(optarg, argv[optind - 1], target))
			return 2;
	}
	if (bulk > VFW_TRIE_MAX_ENTRIES / 2) {
		fprintf(stderr, "fuzz_datapath: --prefixes must be at most %d\n",
			VFW_TRIE_MAX_ENTRIES / 2);
		return 2;
	}
	if (!sets) {
		fprintf(stderr, "fuzz_datapath: --rulesets must be at least 1\n");
		return 2;
	}
	vfw_log_level = VFW_LOG_QUIET;	/* merged duplicates would warn on every set */
	err = diff_env_open(&env);
	if (err) {
		fprintf(stderr, "fuzz_datapath: cannot load the XDP program: %s\n", strerror(-err));
		return 1;
	}
	printf("fuzz_datapath: seed %llu, %llu rule sets from set %llu, %llu frames each\n",
	       seed, sets, first, (frames + sets - 1) / sets);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	found = diff_fuzz_bulk(&env, seed, first, sets, (frames + sets - 1) / sets, bulk, true);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (found < 0)
		fprintf(stderr, "fuzz_datapath: stopped: %s\n", strerror(-found));
	printf("fuzz_datapath: seed %llu: %llu rule sets, %llu frames compared, %llu mismatches "
	       "(%.1f s)\n", seed, env.sets, env.frames, env.mismatches,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	diff_env_close(&env);
	return found ? 1 : 0;
}
