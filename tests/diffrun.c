// SPDX-License-Identifier: GPL-2.0
/*
 * The differential check of the datapath: a rule set goes through the real
 * pipeline (parse, compile, install into a loaded skeleton), each frame
 * through BPF_PROG_TEST_RUN and through the reference model (user/model.h),
 * and the two must agree on the verdict, the reason, the credited rule and
 * on exactly which counters moved.
 *
 * Counters are checked cheaply per frame (the reason, would-deny and rule
 * counters the model expects to move) and completely every DIFF_WINDOW
 * frames (every counter against the running totals the model predicts);
 * a window that fails the complete check is replayed frame by frame to
 * name the frame that moved a counter it should not have.
 *
 * Every disagreement is printed as a reproducer (rules JSON and frame hex)
 * and saved as a case file under DIFF_SAVE_DIR, in the build directory: a
 * run never writes into the tree. Cases committed to DIFF_REGRESS_DIR are
 * the ones test_differential replays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "compile.h"
#include "diffgen.h"
#include "diffrun.h"
#include "explain.h"
#include "pins.h"
#include "model.h"
#include "stats.h"
#include "vaultfw.skel.h"

#define DIFF_MAX_SAVED		16	/* regression files written per run */
#define DIFF_MAX_PRINTED	10	/* reproducers printed per run */
#define DIFF_MOVED_MAX		1024	/* the counters that moved, as text */

static int diff_read_all(struct diff_env *env, int fd, __u32 n, struct vfw_counter *sums)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 count = n, out_batch, i;
	int cpu;

	/* One batch for the whole array: per-frame reads must stay cheap. */
	if (bpf_map_lookup_batch(fd, NULL, &out_batch, env->keys, env->percpu, &count, &opts) &&
	    errno != ENOENT)
		return -errno;
	if (count != n)
		return -EIO;
	for (i = 0; i < n; i++) {
		sums[i] = (struct vfw_counter){};
		for (cpu = 0; cpu < env->ncpus; cpu++) {
			sums[i].packets += env->percpu[i * env->ncpus + cpu].packets;
			sums[i].bytes += env->percpu[i * env->ncpus + cpu].bytes;
		}
	}
	return 0;
}

int diff_read_counters(struct diff_env *env, struct diff_counters *c)
{
	return diff_read_all(env, env->maps.reasons_fd, VFW_REASON_COUNT, c->reasons) ?:
	       diff_read_all(env, env->maps.rule_stats_fd, VFW_MAX_RULES, c->rules);
}

static int diff_read_one(struct diff_env *env, int fd, __u32 key, struct vfw_counter *sum)
{
	int cpu;

	if (bpf_map_lookup_elem(fd, &key, env->percpu))
		return -errno;
	*sum = (struct vfw_counter){};
	for (cpu = 0; cpu < env->ncpus; cpu++) {
		sum->packets += env->percpu[cpu].packets;
		sum->bytes += env->percpu[cpu].bytes;
	}
	return 0;
}

int diff_env_open(struct diff_env *env)
{
	__u32 i;

	env->ncpus = libbpf_num_possible_cpus();
	if (env->ncpus < 0)
		return env->ncpus;
	env->percpu = calloc((size_t)VFW_MAX_RULES * env->ncpus, sizeof(*env->percpu));
	env->keys = calloc(VFW_MAX_RULES, sizeof(*env->keys));
	env->meta = calloc(VFW_MAX_RULES, sizeof(*env->meta));
	if (!env->percpu || !env->keys || !env->meta)
		return -ENOMEM;
	env->skel = vaultfw_bpf__open_and_load();
	if (!env->skel)
		return -errno;
	env->prog_fd = bpf_program__fd(env->skel->progs.vaultfw_xdp);
	vfw_maps_from_skel(env->skel, &env->maps);
	for (i = 0; i < VFW_MAX_RULES; i++)
		env->keys[i] = i;
	return 0;
}

static void diff_forget_rules(struct diff_env *env)
{
	if (env->have_rules)
		vfw_rules_free(&env->rules);
	env->have_rules = false;
	free(env->json);
	env->json = NULL;
}

void diff_env_close(struct diff_env *env)
{
	diff_forget_rules(env);
	vaultfw_bpf__destroy(env->skel);
	free(env->percpu);
	free(env->keys);
	free(env->meta);
}

static int diff_read_meta(struct diff_env *env)
{
	__u32 id;

	env->live_slot = vfw_ruleset_active_slot(&env->maps);
	if (env->live_slot < 0)
		return env->live_slot;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (bpf_map_lookup_elem(env->maps.rule_meta_fd, &id, &env->meta[id]))
			return -errno;
		if (!(env->meta[id].slots & (1u << env->live_slot)))
			env->meta[id].kind = VFW_RULE_NONE;
	}
	return 0;
}

/* The live id of the rule the model credits, or -ENOENT. */
static int diff_rule_id(const struct diff_env *env, const struct vfw_model_result *res)
{
	__u32 id;

	for (id = 0; id < VFW_MAX_RULES; id++)
		if (env->meta[id].kind == res->rule_kind &&
		    !strcmp(env->meta[id].name, res->rule_name))
			return id;
	return -ENOENT;
}

/*
 * Makes `json` (taken over) the live rule set through the real pipeline
 * and resets the model's expectations to the counters as they are.
 */
static int diff_install(struct diff_env *env, char *json, char *err, size_t errlen)
{
	struct vfw_compiled compiled = {};
	int ret;

	diff_forget_rules(env);
	env->json = json;
	ret = vfw_rules_parse(json, strlen(json), "generated", &env->rules, err, errlen);
	if (ret)
		return ret;
	env->have_rules = true;
	ret = vfw_compile(&env->rules, &compiled, err, errlen);
	if (!ret)
		ret = vfw_ruleset_install(&env->maps, &compiled, "generated", NULL);
	if (!ret)
		ret = diff_read_meta(env);
	if (!ret)
		ret = diff_read_counters(env, &env->expect);
	if (ret && !err[0])
		snprintf(err, errlen, "install: %s", strerror(-ret));
	vfw_compiled_free(&compiled);
	env->n_window = 0;
	return ret;
}

int diff_run(const struct diff_env *env, const struct frame *f, __u32 *verdict)
{
	return vfw_run_frame(env->prog_fd, f->data, f->len, verdict);
}

static void diff_count(struct vfw_counter *c, size_t len)
{
	c->packets++;
	c->bytes += len;
}

/* The model's counter moves for one frame, applied to `c`. */
static void diff_expect(struct diff_counters *c, const struct vfw_model_result *res,
			int rule_id, size_t len)
{
	diff_count(&c->reasons[res->reason], len);
	if (res->would_deny)
		diff_count(&c->reasons[VFW_REASON_PERIMETER_WOULD_DENY], len);
	if (rule_id >= 0)
		diff_count(&c->rules[rule_id], len);
}

bool diff_same(const struct vfw_counter *a, const struct vfw_counter *b)
{
	return a->packets == b->packets && a->bytes == b->bytes;
}

/* Where counters b differ from a: "reasons default-deny(+1) ip-rule(-1); rules". */
static void diff_describe_moves(const struct diff_env *env, const struct diff_counters *a,
				const struct diff_counters *b, char *buf, size_t len)
{
	size_t pos = snprintf(buf, len, "reasons");
	__u32 i;

	for (i = 0; i < VFW_REASON_COUNT && pos < len; i++)
		if (!diff_same(&a->reasons[i], &b->reasons[i]))
			pos += snprintf(buf + pos, len - pos, " %s(%+lld)", vfw_reason_name(i),
					(long long)(b->reasons[i].packets - a->reasons[i].packets));
	if (pos < len)
		pos += snprintf(buf + pos, len - pos, "; rules");
	for (i = 0; i < VFW_MAX_RULES && pos < len; i++)
		if (!diff_same(&a->rules[i], &b->rules[i]))
			pos += snprintf(buf + pos, len - pos, " %s %s(%+lld)",
					vfw_rule_kind_name(env->meta[i].kind), env->meta[i].name,
					(long long)(b->rules[i].packets - a->rules[i].packets));
}

static void diff_hex(const struct frame *f, char *buf)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		sprintf(buf + 2 * i, "%02x", f->data[i]);
	buf[2 * f->len] = '\0';
}

/*
 * SAVE_DIR/LABEL-N.json: {"what", "rules", "frames": [hex]}, the format
 * of DIFF_REGRESS_DIR. Promoting one there is a deliberate copy, so that
 * a run of the tests never adds files to the tree.
 */
static void diff_save(struct diff_env *env, const struct frame *f, const char *what)
{
	char path[512], hex[2 * FRAME_MAX + 1];
	json_t *doc, *rules;
	json_error_t jerr;

	if (!env->save_dir || env->saved >= DIFF_MAX_SAVED)
		return;
	rules = json_loads(env->json, 0, &jerr);
	diff_hex(f, hex);
	doc = json_pack("{s:s, s:o, s:[s]}", "what", what, "rules", rules ?: json_null(),
			"frames", hex);
	snprintf(path, sizeof(path), "%s/%s-%llu.json", env->save_dir, env->label, env->frames);
	/* The build directory exists: the test binaries live in it. */
	if (mkdir(env->save_dir, 0755) && errno != EEXIST)
		fprintf(stderr, "  cannot create %s: %s\n", env->save_dir, strerror(errno));
	if (!doc || json_dump_file(doc, path, JSON_INDENT(1) | JSON_SORT_KEYS))
		fprintf(stderr, "  cannot save the reproducer as %s\n", path);
	else
		fprintf(stderr, "  saved as %s; to replay it in every run, commit it as\n"
			"    cp %s " DIFF_REGRESS_DIR "/WHAT-IT-SHOWS.json\n", path, path);
	json_decref(doc);
	env->saved++;
}

static void diff_report(struct diff_env *env, const struct frame *f,
			const struct vfw_model_result *res, __u32 verdict,
			const char *moved)
{
	char model[VFW_NAME_MAX + 256], what[sizeof(model) + DIFF_MOVED_MAX + 128];
	static char hex[2 * FRAME_MAX + 1];

	env->mismatches++;
	vfw_model_format(res, model, sizeof(model));
	snprintf(what, sizeof(what), "model: %s; datapath: %s, counters off the model: %s", model,
		 verdict == XDP_DROP ? "DROP" : verdict == XDP_PASS ? "PASS" : "?", moved);
	if (env->mismatches > DIFF_MAX_PRINTED)
		return;
	diff_hex(f, hex);
	fprintf(stderr, "MISMATCH %s frame %llu\n  %s\n  rules: %s\n  frame: %s\n",
		env->label, env->frames, what, env->json, hex);
	diff_save(env, f, what);
}

int diff_check_exact(struct diff_env *env, const struct frame *f)
{
	struct diff_counters *want = &env->expect, *got = &env->seen;
	struct vfw_model_result res;
	char moved[DIFF_MOVED_MAX];
	int rule_id = -1, err;
	__u32 verdict = 0;

	vfw_model_eval(&env->rules, f->data, f->len, &res);
	if (res.rule_kind != VFW_RULE_NONE)
		rule_id = diff_rule_id(env, &res);
	err = diff_read_counters(env, want) ?: diff_run(env, f, &verdict) ?:
	      diff_read_counters(env, got);
	if (err)
		return err;
	diff_expect(want, &res, rule_id, f->len);
	env->frames++;
	if (verdict == (__u32)res.verdict && (res.rule_kind == VFW_RULE_NONE || rule_id >= 0) &&
	    !memcmp(want, got, sizeof(*want)))
		return 0;
	diff_describe_moves(env, want, got, moved, sizeof(moved));
	diff_report(env, f, &res, verdict, moved);
	memcpy(want, got, sizeof(*want));
	return 1;
}

/* A failed complete check: replay the window exactly to name the frame. */
static int diff_replay_window(struct diff_env *env)
{
	size_t i, n = env->n_window;
	int err, found = 0;

	env->n_window = 0;
	env->frames -= n;
	for (i = 0; i < n; i++) {
		err = diff_check_exact(env, &env->window[i]);
		if (err < 0)
			return err;
		found |= err;
	}
	if (!found) {	/* moved once, not again: count it as one mismatch */
		env->mismatches++;
		fprintf(stderr, "MISMATCH %s: counters moved off the model in a window of %zu "
			"frames that does not replay\n", env->label, n);
	}
	return diff_read_counters(env, &env->expect);
}

/* The complete check of every counter against the model's totals. */
static int diff_check_window(struct diff_env *env)
{
	int err = diff_read_counters(env, &env->seen);

	if (err)
		return err;
	if (!memcmp(&env->seen, &env->expect, sizeof(env->seen))) {
		env->n_window = 0;
		return 0;
	}
	return diff_replay_window(env);
}

/* One frame, the fast way: the counters the model names, per frame. */
static int diff_check_frame(struct diff_env *env, const struct frame *f)
{
	struct vfw_model_result res;
	struct vfw_counter now = {};
	int rule_id = -1, err;
	__u32 verdict = 0;
	bool ok = true;

	vfw_model_eval(&env->rules, f->data, f->len, &res);
	if (res.rule_kind != VFW_RULE_NONE)
		rule_id = diff_rule_id(env, &res);
	err = diff_run(env, f, &verdict);
	if (err)
		return err;
	env->window[env->n_window++] = *f;
	env->frames++;
	diff_expect(&env->expect, &res, rule_id, f->len);
	ok &= verdict == (__u32)res.verdict;
	ok &= res.rule_kind == VFW_RULE_NONE || rule_id >= 0;
	err = diff_read_one(env, env->maps.reasons_fd, res.reason, &now);
	ok &= !err && diff_same(&now, &env->expect.reasons[res.reason]);
	if (ok && res.would_deny) {
		err = diff_read_one(env, env->maps.reasons_fd, VFW_REASON_PERIMETER_WOULD_DENY, &now);
		ok &= !err && diff_same(&now,
					      &env->expect.reasons[VFW_REASON_PERIMETER_WOULD_DENY]);
	}
	if (ok && rule_id >= 0) {
		err = diff_read_one(env, env->maps.rule_stats_fd, rule_id, &now);
		ok &= !err && diff_same(&now, &env->expect.rules[rule_id]);
	}
	if (err)
		return err;
	if (!ok) {
		char moved[DIFF_MOVED_MAX];

		err = diff_read_counters(env, &env->seen);
		if (err)
			return err;
		diff_describe_moves(env, &env->expect, &env->seen, moved, sizeof(moved));
		diff_report(env, f, &res, verdict, moved);
		memcpy(&env->expect, &env->seen, sizeof(env->seen));
		env->n_window = 0;
		return 0;
	}
	if (env->n_window == DIFF_WINDOW)
		return diff_check_window(env);
	return 0;
}

int diff_load_case(struct diff_env *env, const char *path, struct frame **frames,
		   size_t *n_frames, char *err, size_t errlen)
{
	json_t *doc, *rules, *list, *hex;
	json_error_t jerr;
	char *json;
	size_t i, j;
	int ret = -EINVAL;

	doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		snprintf(err, errlen, "%.300s:%d: %.150s", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	rules = json_object_get(doc, "rules");
	list = json_object_get(doc, "frames");
	json = rules ? json_dumps(rules, JSON_COMPACT) : NULL;
	*n_frames = json_array_size(list);
	*frames = calloc(*n_frames ?: 1, sizeof(**frames));
	if (!json || !json_is_array(list) || !*frames) {
		snprintf(err, errlen, "%.300s: needs \"rules\" and \"frames\"", path);
		free(json);
		goto cleanup;
	}
	json_array_foreach(list, i, hex) {
		const char *text = json_string_value(hex);
		size_t len = text ? strlen(text) / 2 : 0;

		if (!text || len > FRAME_MAX || len < ETH_HLEN) {
			snprintf(err, errlen, "%.300s: frames[%zu] is not a frame in hex", path, i);
			free(json);
			goto cleanup;
		}
		for (j = 0; j < len; j++)
			sscanf(text + 2 * j, "%2hhx", &(*frames)[i].data[j]);
		(*frames)[i].len = len;
	}
	ret = diff_install(env, json, err, errlen);
cleanup:
	if (ret) {
		free(*frames);
		*frames = NULL;
	}
	json_decref(doc);
	return ret;
}

long long diff_fuzz(struct diff_env *env, uint64_t seed, unsigned int first_set,
		    unsigned int n_sets, unsigned long long frames_per_set,
		    bool verbose)
{
	return diff_fuzz_bulk(env, seed, first_set, n_sets, frames_per_set, 0, verbose);
}

long long diff_fuzz_bulk(struct diff_env *env, uint64_t seed, unsigned int first_set,
			 unsigned int n_sets, unsigned long long frames_per_set,
			 unsigned int bulk, bool verbose)
{
	unsigned long long before = env->mismatches, i;
	struct gen_universe u;
	char err[512], label[64];
	struct frame f;
	unsigned int set;
	int ret;

	for (set = first_set; set < first_set + n_sets; set++) {
		struct gen_rng rng = { seed ^ (0x51ed27f5ULL * (set + 1)) };
		char *json = gen_rules_bulk(&rng, &u, bulk);

		if (!json)
			return -ENOMEM;
		err[0] = '\0';
		snprintf(label, sizeof(label), "seed%llu-set%u", (unsigned long long)seed, set);
		env->label = label;
		ret = diff_install(env, json, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "%s: generated rules rejected: %s\n  %s\n", label, err,
				env->json);
			return ret;
		}
		for (i = 0; i < frames_per_set; i++) {
			gen_frame(&rng, &u, &f);
			ret = diff_check_frame(env, &f);
			if (ret < 0)
				return ret;
		}
		ret = diff_check_window(env);
		if (ret < 0)
			return ret;
		env->sets++;
		if (verbose)
			printf("%s: %llu frames, %llu mismatches so far\n", label, env->frames,
			       env->mismatches);
	}
	return env->mismatches - before;
}
