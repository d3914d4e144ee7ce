// SPDX-License-Identifier: GPL-2.0
/*
 * `vaultfw explain` over every case of the core datapath table
 * (datapath_cases.h): for a rules file (a fresh copy of the program) and
 * for a live rule set (a copy sharing pinned maps), the program's answer
 * must be the table's, the model must agree with it, and the live
 * counters must not move.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "check.h"
#include "datapath_cases.h"
#include "explain.h"
#include "pins.h"
#include "stats.h"
#include "testlib.h"
#include "vaultfw.skel.h"

struct env {
	char tmp_dir[64];
	char files[RS_COUNT][128];	/* each rule set as a rules file */
	char pin_dir[64];		/* where the "live" maps are pinned */
	struct vaultfw_bpf *live;
	struct vfw_maps live_maps;
};

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int write_rule_files(struct env *env)
{
	char *json;
	int i, ret;

	for (i = 0; i < RS_COUNT; i++) {
		snprintf(env->files[i], sizeof(env->files[i]), "%s/ruleset-%d.json", env->tmp_dir, i);
		json = json_from_single_quotes(dp_ruleset_text[i]);
		if (!json)
			return -ENOMEM;
		ret = write_file(env->files[i], json);
		free(json);
		if (ret)
			return ret;
	}
	return 0;
}

/* The loader pins every map but the internal ones; so does this. */
static int pin_live_maps(struct env *env)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	if (mkdir(env->pin_dir, 0700))
		return -errno;
	bpf_object__for_each_map(map, env->live->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", env->pin_dir, bpf_map__name(map));
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return -errno;
	}
	return 0;
}

/* The maps, and the trie an install pinned beside them. */
static void unpin_live_maps(struct env *env)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	snprintf(path, sizeof(path), "%s/%s", env->pin_dir, VFW_PIN_RULES);
	unlink(path);
	bpf_object__for_each_map(map, env->live->obj) {
		snprintf(path, sizeof(path), "%s/%s", env->pin_dir, bpf_map__name(map));
		unlink(path);
	}
	rmdir(env->pin_dir);
}

static bool same_rule(const struct vfw_model_result *got, const struct rule_ref *want)
{
	if (got->rule_kind != want->kind)
		return false;
	if (want->kind == VFW_RULE_NONE)
		return true;
	/* Subnet ids compare without case (SPEC §1). */
	return want->kind == VFW_RULE_VNET ? !strcasecmp(got->rule_name, want->name) :
					     !strcmp(got->rule_name, want->name);
}

static bool explain_case(const struct vfw_explain_target *t, const struct dp_case *tc)
{
	struct vfw_explain_result res;
	char dp[2 * VFW_NAME_MAX], model[2 * VFW_NAME_MAX];
	struct frame f;
	bool ok;

	if (!ASSERT_TRUE(frame_build(&tc->frame, &f), "build frame") ||
	    !ASSERT_EQ(vfw_explain_frame(t, f.data, f.len, &res), 0, "explain the frame"))
		return false;
	ok = ASSERT_EQ(res.datapath.verdict, tc->verdict, "verdict") &
	     ASSERT_EQ(res.datapath.reason, tc->reason, "reason") &
	     ASSERT_EQ(res.datapath.would_deny, tc->would_deny, "perimeter-would-deny") &
	     ASSERT_TRUE(same_rule(&res.datapath, &tc->rule), "credited rule") &
	     ASSERT_TRUE(res.agree, "the model agrees with the datapath");
	if (!ok)
		fprintf(stderr, "  datapath: %s\n  model:    %s\n",
			vfw_model_format(&res.datapath, dp, sizeof(dp)),
			vfw_model_format(&res.model, model, sizeof(model)));
	return ok;
}

static void case_name(char *buf, size_t len, const char *mode, const struct dp_case *tc)
{
	snprintf(buf, len, "explain %s: %s", mode, tc->desc);
}

static void open_failure_name(char *buf, size_t len, const char *mode, enum ruleset_id rs)
{
	snprintf(buf, len, "explain %s: open rule set %d", mode, rs);
}

/* Opening a rule set costs a program load: only for a case that runs, or
 * to rerun the failure of opening it. */
static bool rule_set_wanted(enum ruleset_id rs, const char *mode)
{
	char name[192];
	size_t i;

	open_failure_name(name, sizeof(name), mode, rs);
	if (test_wanted(name))
		return true;
	for (i = 0; i < dp_n_cases; i++) {
		if (dp_cases[i].rules != rs)
			continue;
		case_name(name, sizeof(name), mode, &dp_cases[i]);
		if (test_wanted(name))
			return true;
	}
	return false;
}

/*
 * The cases of rule set rs, against t; with every_one, all of them run
 * (a later case judges them together), those not selected silently. Without
 * t (the rule set was not opened) none is selected, and -l lists them.
 */
static void run_cases(struct test_totals *totals, const struct vfw_explain_target *t,
		      enum ruleset_id rs, const char *mode, bool every_one)
{
	char name[192];
	size_t i;

	for (i = 0; i < dp_n_cases; i++) {
		if (dp_cases[i].rules != rs)
			continue;
		case_name(name, sizeof(name), mode, &dp_cases[i]);
		if (t && every_one)
			test_report_setup(totals, name, explain_case(t, &dp_cases[i]));
		else
			TEST_CASE(totals, name, t && explain_case(t, &dp_cases[i]));
	}
}

static void fail_rule_set(struct test_totals *totals, enum ruleset_id rs, const char *mode,
			  const char *err)
{
	char name[96];

	fprintf(stderr, "  %s\n", err);
	open_failure_name(name, sizeof(name), mode, rs);
	test_report(totals, name, false);
}

static void explain_files(struct test_totals *totals, struct env *env)
{
	struct vfw_explain_target t;
	char err[512] = "";
	int rs;

	for (rs = 0; rs < RS_COUNT; rs++) {
		if (!rule_set_wanted(rs, "file")) {
			run_cases(totals, NULL, rs, "file", false);
			continue;
		}
		if (vfw_explain_open_file(env->files[rs], &t, err, sizeof(err))) {
			fail_rule_set(totals, rs, "file", err);
			continue;
		}
		run_cases(totals, &t, rs, "file", false);
		vfw_explain_close(&t);
	}
}

/* Apply a rule set to the "live" maps, as `vaultfw apply` would. */
static int apply_live(struct env *env, enum ruleset_id rs, bool with_document)
{
	struct vfw_compiled compiled = {};
	char err[512] = "", *json = NULL;
	int ret;

	ret = vfw_load_compiled(env->files[rs], &compiled, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "  %s\n", err);
		return ret;
	}
	json = with_document ? json_from_single_quotes(dp_ruleset_text[rs]) : NULL;
	ret = vfw_ruleset_install_document(&env->live_maps, &compiled, json, env->files[rs],
					   env->pin_dir);
	free(json);
	vfw_compiled_free(&compiled);
	return ret;
}

static bool same_counters(const struct vfw_stats *a, const struct vfw_stats *b)
{
	size_t i;

	if (memcmp(a->reasons, b->reasons, sizeof(a->reasons)) || a->n_rules != b->n_rules)
		return false;
	for (i = 0; i < a->n_rules; i++)
		if (memcmp(&a->rules[i].total, &b->rules[i].total, sizeof(a->rules[i].total)))
			return false;
	return true;
}

#define STILL_CASE	"explain live: the live counters did not move"

static void explain_live(struct test_totals *totals, struct env *env)
{
	struct vfw_stats before = {}, after = {};
	struct vfw_explain_target t;
	char err[512] = "";
	bool still = true, every_one = test_wanted(STILL_CASE);
	int rs;

	for (rs = 0; rs < RS_COUNT; rs++) {
		if (!every_one && !rule_set_wanted(rs, "live")) {
			run_cases(totals, NULL, rs, "live", false);
			continue;
		}
		if (!ASSERT_EQ(apply_live(env, rs, true), 0, "apply") ||
		    vfw_explain_open_pinned(env->pin_dir, &t, err, sizeof(err))) {
			fail_rule_set(totals, rs, "live", err);
			continue;
		}
		still &= ASSERT_EQ(vfw_stats_read(&env->live_maps, &before), 0, "read live counters");
		run_cases(totals, &t, rs, "live", every_one);
		still &= ASSERT_EQ(vfw_stats_read(&env->live_maps, &after), 0, "read live counters") &&
			 ASSERT_TRUE(same_counters(&before, &after), "live counters unchanged");
		vfw_stats_free(&before);
		vfw_stats_free(&after);
		vfw_explain_close(&t);
	}
	TEST_CASE(totals, STILL_CASE, still);
}

/* As left by a vaultfw that stored no documents. */
static int clear_documents(const struct env *env)
{
	struct vfw_document *empty = calloc(1, sizeof(*empty));
	__u32 slot;
	int ret = 0;

	if (!empty)
		return -ENOMEM;
	for (slot = 0; slot < VFW_SLOTS && !ret; slot++)
		if (bpf_map_update_elem(env->live_maps.document_fd, &slot, empty, BPF_ANY))
			ret = -errno;
	free(empty);
	return ret;
}

/* Without a stored document the model reads the file last applied. */
static bool explain_live_without_document(struct env *env)
{
	struct vfw_explain_target t;
	char err[512] = "";
	bool ok;

	if (!ASSERT_EQ(clear_documents(env), 0, "clear the documents") ||
	    !ASSERT_EQ(apply_live(env, RS_BASIC, false), 0, "apply without a document") ||
	    !ASSERT_EQ(vfw_explain_open_pinned(env->pin_dir, &t, err, sizeof(err)), 0, err))
		return false;
	ok = ASSERT_STR_CONTAINS(t.rules_from, env->files[RS_BASIC], "rules from the file") &
	     explain_case(&t, &dp_cases[0]);
	vfw_explain_close(&t);
	return ok;
}

static int env_open(struct env *env)
{
	int ret;

	snprintf(env->tmp_dir, sizeof(env->tmp_dir), "/tmp/vfwo-explain.XXXXXX");
	if (!mkdtemp(env->tmp_dir))
		return -errno;
	ret = write_rule_files(env);
	if (ret)
		return ret;
	env->live = vaultfw_bpf__open_and_load();
	if (!env->live)
		return -errno;
	vfw_maps_from_skel(env->live, &env->live_maps);
	snprintf(env->pin_dir, sizeof(env->pin_dir), "/sys/fs/bpf/vfwo-explain-%d", getpid());
	return pin_live_maps(env);
}

static void env_close(struct env *env)
{
	int i;

	if (env->live)
		unpin_live_maps(env);
	vaultfw_bpf__destroy(env->live);
	for (i = 0; i < RS_COUNT; i++)
		unlink(env->files[i]);
	rmdir(env->tmp_dir);
}

int main(int argc, char **argv)
{
	struct test_totals totals = {};
	struct env env = {};
	char *big = make_big_ruleset();
	int err;

	test_init(argc, argv);
	if (!big) {
		fprintf(stderr, "test_explain: out of memory\n");
		return 1;
	}
	dp_ruleset_text[RS_BIG] = big;
	err = env_open(&env);
	if (err) {
		fprintf(stderr, "test_explain: setup: %s\n", strerror(-err));
		env_close(&env);
		return 1;
	}
	explain_files(&totals, &env);
	explain_live(&totals, &env);
	TEST_CASE(&totals, "explain live: without a document, the model reads the applied file",
		  explain_live_without_document(&env));
	env_close(&env);
	free(big);
	return test_exit(&totals);
}
