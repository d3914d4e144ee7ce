// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP datapath, table-driven through BPF_PROG_TEST_RUN (no interface
 * needed): each case installs a rule set through the real pipeline (parse,
 * compile, install), runs one frame, and checks the verdict, that exactly
 * the expected reason counter moved (by one packet and the frame's bytes),
 * and that exactly the expected rule's counter moved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath_cases.h"
#include "explain.h"
#include "pins.h"
#include "log.h"
#include "rules.h"
#include "compile.h"
#include "ruleset.h"
#include "testlib.h"
#include "vaultfw.skel.h"

struct dp_env {
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int prog_fd;
	int ncpus;
	struct vfw_counter *percpu;	/* ncpus values, for one lookup */
	int installed;			/* enum ruleset_id, or -1 */
};

struct counters {
	struct vfw_counter reasons[VFW_REASON_COUNT];
	struct vfw_counter rules[VFW_MAX_RULES];
};

static int read_counter(const struct dp_env *env, int fd, __u32 key, struct vfw_counter *sum)
{
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, env->percpu))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < env->ncpus; cpu++) {
		sum->packets += env->percpu[cpu].packets;
		sum->bytes += env->percpu[cpu].bytes;
	}
	return 0;
}

static int snapshot(const struct dp_env *env, struct counters *c)
{
	__u32 i;
	int err;

	for (i = 0; i < VFW_REASON_COUNT; i++) {
		err = read_counter(env, env->maps.reasons_fd, i, &c->reasons[i]);
		if (err)
			return err;
	}
	for (i = 0; i < VFW_MAX_RULES; i++) {
		err = read_counter(env, env->maps.rule_stats_fd, i, &c->rules[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The id of the live rule (kind, name), or -ENOENT. Subnet ids compare
 * without case (SPEC §1). */
static int find_rule_id(const struct dp_env *env, const struct rule_ref *rule)
{
	struct vfw_rule_meta meta;
	int slot = vfw_ruleset_active_slot(&env->maps);
	__u32 id;

	if (slot < 0)
		return slot;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (bpf_map_lookup_elem(env->maps.rule_meta_fd, &id, &meta))
			return -errno;
		if (meta.kind != rule->kind || !(meta.slots & (1u << slot)))
			continue;
		if (rule->kind == VFW_RULE_VNET ? !strcasecmp(meta.name, rule->name) :
						  !strcmp(meta.name, rule->name))
			return id;
	}
	return -ENOENT;
}

/* The real pipeline: parse, compile, install (no pinning). */
static int install_rules(struct dp_env *env, enum ruleset_id id)
{
	struct vfw_compiled compiled = {};
	struct vfw_rules rules = {};
	char source[32], err[512] = "";
	char *json;
	int ret;

	snprintf(source, sizeof(source), "ruleset-%d", id);
	json = json_from_single_quotes(dp_ruleset_text[id]);
	if (!json)
		return -ENOMEM;
	ret = vfw_rules_parse(json, strlen(json), source, &rules, err, sizeof(err));
	if (ret)
		goto cleanup;
	ret = vfw_compile(&rules, &compiled, err, sizeof(err));
	if (ret)
		goto cleanup;
	ret = vfw_ruleset_install(&env->maps, &compiled, source, NULL);
	if (!ret)
		env->installed = id;
cleanup:
	if (ret)
		fprintf(stderr, "  %s: %s\n", source, err[0] ? err : strerror(-ret));
	vfw_compiled_free(&compiled);
	vfw_rules_free(&rules);
	free(json);
	return ret;
}

static int run_frame(const struct dp_env *env, const struct frame *f, __u32 *retval)
{
	return vfw_run_frame(env->prog_fd, f->data, f->len, retval);
}

static bool counter_moved(const struct vfw_counter *before, const struct vfw_counter *after,
			  bool expected, size_t len, const char *what, __u32 key)
{
	__u64 packets = after->packets - before->packets;
	__u64 bytes = after->bytes - before->bytes;
	bool ok;

	ok = packets == (expected ? 1 : 0) && bytes == (expected ? len : 0);
	if (!ok)
		fprintf(stderr, "  %s %u moved by %llu packets, %llu bytes; want %s\n",
			what, key, (unsigned long long)packets, (unsigned long long)bytes,
			expected ? "1 packet and the frame's bytes" : "nothing");
	return ok;
}

static bool only_expected_moved(const struct counters *before, const struct counters *after,
				const struct dp_case *tc, int rule_id, size_t len)
{
	bool ok = true, expected;
	__u32 i;

	for (i = 0; i < VFW_REASON_COUNT; i++) {
		expected = i == tc->reason ||
			   (i == VFW_REASON_PERIMETER_WOULD_DENY && tc->would_deny);
		ok &= counter_moved(&before->reasons[i], &after->reasons[i], expected, len,
				    "reason", i);
	}
	for (i = 0; i < VFW_MAX_RULES; i++)
		ok &= counter_moved(&before->rules[i], &after->rules[i], (int)i == rule_id, len,
				    "rule", i);
	return ok;
}

static bool run_case(struct dp_env *env, const struct dp_case *tc, struct counters *before,
		     struct counters *after)
{
	struct frame f;
	int rule_id = -1;
	__u32 retval;
	bool ok;

	if (env->installed != (int)tc->rules &&
	    !ASSERT_EQ(install_rules(env, tc->rules), 0, "install rule set"))
		return false;
	if (tc->rule.kind != VFW_RULE_NONE) {
		rule_id = find_rule_id(env, &tc->rule);
		if (!ASSERT_TRUE(rule_id >= 0, tc->rule.name))
			return false;
	}
	if (!ASSERT_TRUE(frame_build(&tc->frame, &f), "build frame") ||
	    !ASSERT_EQ(snapshot(env, before), 0, "read counters") ||
	    !ASSERT_EQ(run_frame(env, &f, &retval), 0, "BPF_PROG_TEST_RUN") ||
	    !ASSERT_EQ(snapshot(env, after), 0, "read counters"))
		return false;
	ok = ASSERT_EQ(retval, tc->verdict, "verdict");
	return only_expected_moved(before, after, tc, rule_id, f.len) && ok;
}

/* The loader installs a rule set before it attaches; until then the
 * program must pass everything and count nothing. */
static bool run_without_rules(struct dp_env *env, struct counters *before,
			      struct counters *after)
{
	static const struct frame_spec spec = { HTTPS_FROM("198.51.100.50") };
	const struct dp_case nothing = { .reason = VFW_REASON_COUNT };
	struct frame f;
	__u32 retval;
	bool ok;

	if (!ASSERT_TRUE(frame_build(&spec, &f), "build frame") ||
	    !ASSERT_EQ(snapshot(env, before), 0, "read counters") ||
	    !ASSERT_EQ(run_frame(env, &f, &retval), 0, "BPF_PROG_TEST_RUN") ||
	    !ASSERT_EQ(snapshot(env, after), 0, "read counters"))
		return false;
	ok = ASSERT_EQ(retval, XDP_PASS, "verdict");
	return only_expected_moved(before, after, &nothing, -1, f.len) && ok;
}

static int env_open(struct dp_env *env)
{
	struct vaultfw_bpf *skel;

	env->installed = -1;
	env->ncpus = libbpf_num_possible_cpus();
	if (env->ncpus < 0)
		return env->ncpus;
	env->percpu = calloc(env->ncpus, sizeof(*env->percpu));
	if (!env->percpu)
		return -ENOMEM;
	skel = vaultfw_bpf__open_and_load();
	if (!skel)
		return -errno;
	env->skel = skel;
	env->prog_fd = bpf_program__fd(skel->progs.vaultfw_xdp);
	vfw_maps_from_skel(skel, &env->maps);
	return 0;
}

static void env_close(struct dp_env *env)
{
	vaultfw_bpf__destroy(env->skel);	/* closes the map fds too */
	free(env->percpu);
}

int main(int argc, char **argv)
{
	struct counters *before = calloc(1, sizeof(*before));
	struct counters *after = calloc(1, sizeof(*after));
	struct test_totals totals = {};
	struct dp_env env = {};
	char *big = make_big_ruleset();
	size_t i;
	int err;

	test_init(argc, argv);
	if (!before || !after || !big) {
		fprintf(stderr, "test_datapath: out of memory\n");
		return 1;
	}
	dp_ruleset_text[RS_BIG] = big;
	err = env_open(&env);
	if (err) {
		fprintf(stderr, "test_datapath: cannot load the XDP program: %s\n", strerror(-err));
		return 1;
	}
	TEST_CASE(&totals, "datapath: no rule set: pass, count nothing",
		  run_without_rules(&env, before, after));
	for (i = 0; i < dp_n_cases; i++) {
		char name[160];

		snprintf(name, sizeof(name), "datapath: %s", dp_cases[i].desc);
		TEST_CASE(&totals, name, run_case(&env, &dp_cases[i], before, after));
	}
	env_close(&env);
	free(big);
	free(before);
	free(after);
	return test_exit(&totals);
}
