// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath against the reference model (tests/diffrun.c): every
 * regression case committed under tests/regress/ replayed frame by frame
 * with exact counter checks, then a small seeded sample of what `make
 * fuzz-datapath` runs at length. VFW_DIFF_SEED replaces the sample's seed.
 * A disagreement is saved under build/regress/, never in the tree; the
 * failure output says how to promote it.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "diffrun.h"
#include "log.h"
#include "testlib.h"

#define SAMPLE_SEED		20260101ULL
#define SAMPLE_RULESETS		20
#define SAMPLE_FRAMES		2000
/* Big rule sets: a bulk trusted group fills the Poptrie's nodes and tails. */
#define BIG_RULESETS		2
#define BIG_PREFIXES		20000
#define BIG_FRAMES		1500

static bool replay_case(struct diff_env *env, const char *path)
{
	struct frame *frames = NULL;
	unsigned long long before = env->mismatches;
	char err[512] = "";
	size_t i, n = 0;
	int ret;

	env->label = "regress";
	ret = diff_load_case(env, path, &frames, &n, err, sizeof(err));
	if (!ASSERT_EQ(ret, 0, err[0] ? err : "load regression case"))
		return false;
	for (i = 0; i < n && ret >= 0; i++)
		ret = diff_check_exact(env, &frames[i]);
	free(frames);
	return ASSERT_TRUE(ret >= 0, "BPF_PROG_TEST_RUN and counter reads") &&
	       ASSERT_EQ(env->mismatches - before, 0, "frames where datapath and model differ") &&
	       ASSERT_TRUE(n > 0, "the case has frames");
}

static int is_case(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && !strcmp(d->d_name + len - 5, ".json");
}

static void replay_all(struct test_totals *totals, struct diff_env *env, const char *dir)
{
	struct dirent **names;
	char path[512], name[600];
	int n, i;

	n = scandir(dir, &names, is_case, alphasort);
	TEST_CASE(totals, "differential: regression cases are readable", n > 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(name, sizeof(name), "differential: replay %s", path);
		TEST_CASE(totals, name, replay_case(env, path));
		free(names[i]);
	}
	if (n > 0)
		free(names);
}

/* Each set draws from its own generator: one runs alone as it runs here. */
static bool sample_set(struct diff_env *env, uint64_t seed, unsigned int set)
{
	long long found = diff_fuzz(env, seed, set, 1, SAMPLE_FRAMES, false);

	return ASSERT_EQ(found, 0, "mismatches (see MISMATCH above)");
}

static bool big_set(struct diff_env *env, uint64_t seed, unsigned int set)
{
	long long found = diff_fuzz_bulk(env, seed, set, 1, BIG_FRAMES, BIG_PREFIXES, false);

	return ASSERT_EQ(found, 0, "mismatches (see MISMATCH above)");
}

static void run_sample(struct test_totals *totals, struct diff_env *env, uint64_t seed)
{
	unsigned int set;
	char name[160];

	printf("differential sample: seed %llu (VFW_DIFF_SEED replaces it)\n",
	       (unsigned long long)seed);
	for (set = 0; set < SAMPLE_RULESETS; set++) {
		snprintf(name, sizeof(name), "differential: seed %llu rule set %u, %d frames",
			 (unsigned long long)seed, set, SAMPLE_FRAMES);
		TEST_CASE(totals, name, sample_set(env, seed, set));
	}
	for (set = SAMPLE_RULESETS; set < SAMPLE_RULESETS + BIG_RULESETS; set++) {
		snprintf(name, sizeof(name), "differential: seed %llu rule set %u with %d more "
			 "trusted prefixes, %d frames", (unsigned long long)seed, set,
			 BIG_PREFIXES, BIG_FRAMES);
		TEST_CASE(totals, name, big_set(env, seed, set));
	}
}

int main(int argc, char **argv)
{
	struct diff_env env = { .save_dir = DIFF_SAVE_DIR };
	const char *seed_text = getenv("VFW_DIFF_SEED");
	uint64_t seed = seed_text ? strtoull(seed_text, NULL, 0) : SAMPLE_SEED;
	struct test_totals totals = {};
	int err;

	test_init(argc, argv);
	vfw_log_level = VFW_LOG_QUIET;	/* generated sets merge duplicates on purpose */
	err = diff_env_open(&env);
	if (err) {
		fprintf(stderr, "test_differential: cannot load the XDP program: %s\n",
			strerror(-err));
		return 1;
	}
	replay_all(&totals, &env, DIFF_REGRESS_DIR);
	run_sample(&totals, &env, seed);
	printf("differential: %llu rule sets, %llu frames compared, %llu mismatches\n",
	       env.sets, env.frames, env.mismatches);
	diff_env_close(&env);
	return test_exit(&totals);
}
