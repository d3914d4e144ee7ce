// SPDX-License-Identifier: GPL-2.0
/*
 * Atomic update under load (issue 4, point 4): worker threads run a corpus
 * of frames through the real program with BPF_PROG_TEST_RUN without pause
 * while the main thread switches the live rule set among A, B and C with
 * the real installer, SWITCHES times. Every verdict must be the one the
 * set live before the switch or the set being installed gives that frame;
 * counters must never go backwards; every frame is counted under exactly
 * one reason.
 *
 * The sets are built so that a torn update is visible in the verdicts, not
 * only in the reasons (see rules_a/b/c); the test proves that by installing
 * torn mixes by hand and finding verdicts neither set gives.
 *
 * The switches do not only alternate (issue 14, item 1): installing the
 * sets strictly A, B, A, B writes each set into the slot that already
 * holds its own config, so an installer that flipped before writing the
 * config would look right. The schedule also installs a set over itself
 * (A, A, B) and cycles through three sets with different config flags
 * (A, B, C), so the slot written holds another set's config.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "document.h"
#include "frames.h"
#include "explain.h"
#include "pins.h"
#include "stats.h"
#include "testlib.h"
#include "vaultfw.skel.h"

#define SWITCHES	250
#define WORKERS		2
#define COPIES		8	/* of each source, with different last octets */
#define DP_ADDR		"192.0.2.10"
/* Full passes over the corpus each worker completes under every rule set,
 * counted from the end of the install that made it live. */
#define PASSES_PER_SET	2

/*
 * The three rule sets. All keep the trusted group "backup" (so its id and
 * counters must survive every switch); their config flags differ: A has
 * public access on and default deny, B public access off, C default allow
 * and bypass None.
 *
 *   source            A                  B                  C
 *   20.38.x           PASS trusted       PASS trusted       PASS default-allow
 *   203.0.113.0/25    PASS ip-rule       DROP public-dis.   PASS default-allow
 *   203.0.113.128/25  PASS ip-rule       PASS trusted       PASS default-allow
 *   198.51.100.x      DROP default-deny  DROP public-dis.   PASS default-allow
 *   192.0.2.0/25      DROP default-deny  PASS trusted       PASS default-allow
 *   192.0.2.128/25    DROP default-deny  DROP public-dis.   PASS default-allow
 *   any, tcp/22       PASS control-plane (all three)
 *
 * Torn mixes, each with a verdict that neither set of its switch gives:
 * A's config with B's trie passes 198.51.100.x as an IP rule; B's config
 * with A's or C's trie drops 203.0.113.128/25; A's config with C's trie
 * drops 203.0.113.128/25 too (C's IP rule is 192.0.2.128/25 only); C's
 * config with any trie passes 198.51.100.x.
 */
static const char rules_a[] =
	"{\"properties\": {\"networkAcls\": {\"defaultAction\": \"Deny\","
	"  \"ipRules\": [{\"value\": \"203.0.113.0/24\"}]}},"
	" \"host\": {\"dataPlane\": {\"addresses\": [\"" DP_ADDR "\"]},"
	"  \"trustedServices\": [{\"name\": \"backup\", \"prefixes\": [\"20.38.0.0/16\"]}]}}";

static const char rules_b[] =
	"{\"properties\": {\"publicNetworkAccess\": \"Disabled\","
	"  \"networkAcls\": {\"defaultAction\": \"Deny\","
	"  \"ipRules\": [{\"value\": \"198.51.100.0/24\"}]}},"
	" \"host\": {\"dataPlane\": {\"addresses\": [\"" DP_ADDR "\"]},"
	"  \"trustedServices\": [{\"name\": \"backup\", \"prefixes\": [\"20.38.0.0/16\"]},"
	"   {\"name\": \"monitor\", \"prefixes\": [\"192.0.2.0/25\", \"203.0.113.128/25\"]}]}}";

static const char rules_c[] =
	"{\"properties\": {\"networkAcls\": {\"defaultAction\": \"Allow\", \"bypass\": \"None\","
	"  \"ipRules\": [{\"value\": \"192.0.2.128/25\"}]}},"
	" \"host\": {\"dataPlane\": {\"addresses\": [\"" DP_ADDR "\"]},"
	"  \"trustedServices\": [{\"name\": \"backup\", \"prefixes\": [\"20.38.0.0/16\"]}]}}";

/* Each row of the table above: COPIES sources from first, 11 apart. */
static const struct {
	const char *net;
	unsigned int first;
} sources[] = {
	{ "20.38.7.", 10 }, { "203.0.113.", 10 }, { "203.0.113.", 140 },
	{ "198.51.100.", 10 }, { "192.0.2.", 20 }, { "192.0.2.", 140 },
};
#define N_NETS		(sizeof(sources) / sizeof(sources[0]))
#define N_FRAMES	(2 * N_NETS * COPIES + 1)	/* tcp/443, tcp/22, one ARP */

enum { SET_A, SET_B, SET_C, N_SETS };

#define SET_BIT(set)	(1U << (set))
#define SET_NAME(set)	((char)('A' + (set)))
/* The flags that decide verdicts (not those that only pick lookup tables). */
#define DECISION_FLAGS	(VFW_CFG_DEFAULT_ALLOW | VFW_CFG_BYPASS | VFW_CFG_PUBLIC_DISABLED)

/*
 * The order of installs under load, repeated: alternation (B A B A), a set
 * over itself (A A B B A A) and the cycle of all three (B C A B C A). An
 * install writes the slot that the install two before it wrote, so that
 * slot holds the set's own config (alternation) or another's: A's under B
 * or C, B's under A, C's under B. Not every such mix is visible in
 * verdicts (A over C in C's slot gives C's verdicts, since C's config
 * passes everything), so the schedule holds only ones that are, and
 * schedule_mixes_are_caught checks each.
 */
static const int schedule[] = {
	SET_B, SET_A, SET_B, SET_A, SET_A, SET_B, SET_B, SET_A,
	SET_A, SET_B, SET_C, SET_A, SET_B, SET_C, SET_A,
};
#define N_SCHEDULE	(sizeof(schedule) / sizeof(schedule[0]))

/* The set of install i of the schedule (i >= 0), or of the install back
 * installs before it (back <= 2; the two before the first are installed
 * before any traffic). */
static int scheduled(size_t i, size_t back)
{
	return schedule[(i + N_SCHEDULE - back) % N_SCHEDULE];
}

struct env {
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int prog_fd;
	struct vfw_doc docs[N_SETS];
	char addrs[N_FRAMES][INET_ADDRSTRLEN];
	struct frame frames[N_FRAMES];
	__u32 want[N_SETS][N_FRAMES];
};

struct worker {
	pthread_t thread;
	const struct env *env;
	atomic_bool *stop;
	const atomic_uint *allowed;	/* SET_BITs of the sets that may be live */
	atomic_ulong passes;
	unsigned long frames;
	unsigned long wrong;
	unsigned long only[N_SETS];	/* verdicts only this set of the allowed gives */
	int err;
};

/* Every source to tcp/443 and to tcp/22, and one ARP frame. */
static bool build_corpus(struct env *env)
{
	static const uint16_t ports[] = { 443, 22 };	/* data plane, control plane */
	struct frame_spec spec = { .dst = DP_ADDR, .proto = IPPROTO_TCP };
	size_t n = 0, port, net, i;

	for (port = 0; port < sizeof(ports) / sizeof(ports[0]); port++)
		for (net = 0; net < N_NETS; net++)
			for (i = 0; i < COPIES; i++, n++) {
				snprintf(env->addrs[n], sizeof(env->addrs[n]), "%s%zu",
					 sources[net].net, sources[net].first + 11 * i);
				spec.src = env->addrs[n];
				spec.dport = ports[port];
				if (!frame_build(&spec, &env->frames[n]))
					return false;
			}
	spec = (struct frame_spec){ .ethertype = ETH_P_ARP };
	return frame_build(&spec, &env->frames[n]);
}

static int run_frame(int prog_fd, const struct frame *f, __u32 *verdict)
{
	return vfw_run_frame(prog_fd, f->data, f->len, verdict);
}

static int run_corpus(const struct env *env, __u32 *verdicts)
{
	size_t i;
	int err;

	for (i = 0; i < N_FRAMES; i++) {
		err = run_frame(env->prog_fd, &env->frames[i], &verdicts[i]);
		if (err)
			return err;
	}
	return 0;
}

static const char *const set_names[N_SETS] = { "A", "B", "C" };

static int install(const struct env *env, int set)
{
	const struct vfw_doc *d = &env->docs[set];

	return vfw_ruleset_install_document(&env->maps, &d->compiled, d->text, set_names[set],
					    NULL);
}

static int env_open(struct env *env)
{
	static const char *const texts[N_SETS] = { rules_a, rules_b, rules_c };
	char err[512] = "";
	int set, ret;

	if (!build_corpus(env))
		return -EINVAL;
	for (set = 0; set < N_SETS; set++) {
		ret = vfw_doc_from_text(texts[set], strlen(texts[set]), set_names[set],
					&env->docs[set], err, sizeof(err));
		if (ret) {
			fprintf(stderr, "  rule set %c: %s\n", SET_NAME(set), err);
			return ret;
		}
	}
	env->skel = vaultfw_bpf__open_and_load();
	if (!env->skel)
		return -errno;
	env->prog_fd = bpf_program__fd(env->skel->progs.vaultfw_xdp);
	vfw_maps_from_skel(env->skel, &env->maps);
	return 0;
}

static void env_close(struct env *env)
{
	int set;

	vaultfw_bpf__destroy(env->skel);	/* owns the map fds */
	for (set = 0; set < N_SETS; set++)
		vfw_doc_free(&env->docs[set]);
}

static size_t count_differ(const struct env *env, int a, int b)
{
	size_t i, differ = 0;

	for (i = 0; i < N_FRAMES; i++)
		differ += env->want[a][i] != env->want[b][i];
	return differ;
}

/* The verdicts of each set alone: the only ones allowed later. */
static bool learn_verdicts(struct env *env)
{
	__u32 flags[N_SETS];
	struct vfw_config cfg;
	int set, other;
	bool ok = true;
	size_t differ;

	for (set = 0; set < N_SETS; set++) {
		if (!ASSERT_EQ(install(env, set), 0, "install") ||
		    !ASSERT_TRUE(vfw_read_live_config(&env->maps, &cfg) >= 0, "read the config") ||
		    !ASSERT_EQ(run_corpus(env, env->want[set]), 0, "BPF_PROG_TEST_RUN"))
			return false;
		flags[set] = cfg.flags & DECISION_FLAGS;
	}
	for (set = 0; set < N_SETS; set++)
		for (other = set + 1; other < N_SETS; other++) {
			differ = count_differ(env, set, other);
			printf("  %zu frames, %zu with different verdicts under %c and %c; "
			       "config flags %#x and %#x\n", (size_t)N_FRAMES, differ,
			       SET_NAME(set), SET_NAME(other), flags[set], flags[other]);
			ok &= ASSERT_TRUE(differ >= 2 * COPIES, "the sets differ on many frames") &
			      ASSERT_TRUE(flags[set] != flags[other], "the config flags differ");
		}
	return ok;
}

/* The live slot with the trie of trie_set and the config of config_set:
 * what an install that flipped before writing the config would show. */
static int tear(const struct env *env, int trie_set, int config_set)
{
	struct vfw_config other;
	int slot, ret;
	__u32 key;

	ret = install(env, config_set);
	slot = ret ?: vfw_ruleset_active_slot(&env->maps);
	if (slot < 0)
		return slot;
	key = slot;
	if (bpf_map_lookup_elem(env->maps.config_fd, &key, &other))
		return -errno;
	ret = install(env, trie_set);
	slot = ret ?: vfw_ruleset_active_slot(&env->maps);
	if (slot < 0)
		return slot;
	key = slot;
	return bpf_map_update_elem(env->maps.config_fd, &key, &other, BPF_ANY) ? -errno : 0;
}

/* Frames whose verdict under a torn rule set is neither that of the set
 * live before the switch nor that of the set being installed. */
static bool torn_mix_is_caught(const struct env *env, int live_set, int trie_set,
			       int config_set)
{
	__u32 got[N_FRAMES];
	size_t i, outside = 0;

	if (!ASSERT_EQ(tear(env, trie_set, config_set), 0, "install a torn rule set") ||
	    !ASSERT_EQ(run_corpus(env, got), 0, "BPF_PROG_TEST_RUN"))
		return false;
	for (i = 0; i < N_FRAMES; i++)
		outside += got[i] != env->want[live_set][i] && got[i] != env->want[trie_set][i];
	printf("  config of %c with the trie of %c: %zu frames get a verdict of neither %c nor %c\n",
	       SET_NAME(config_set), SET_NAME(trie_set), outside, SET_NAME(live_set),
	       SET_NAME(trie_set));
	return ASSERT_TRUE(outside >= COPIES, "the torn mix is visible in verdicts");
}

/* Each switch of the schedule whose slot holds another set's config:
 * were that config still in place at the flip, traffic would notice. */
static void schedule_mixes_are_caught(struct test_totals *totals, const struct env *env)
{
	bool seen[N_SETS][N_SETS][N_SETS] = {};
	int in_slot, live, next;
	char name[128];
	size_t i;

	for (i = 0; i < N_SCHEDULE; i++) {
		in_slot = scheduled(i, 2);
		live = scheduled(i, 1);
		next = scheduled(i, 0);
		if (in_slot == next || seen[in_slot][live][next])
			continue;
		seen[in_slot][live][next] = true;
		snprintf(name, sizeof(name), "atomic: %c over %c, in the slot of %c: "
			 "%c's config with %c's trie is caught", SET_NAME(next), SET_NAME(live),
			 SET_NAME(in_slot), SET_NAME(in_slot), SET_NAME(next));
		TEST_CASE(totals, name, torn_mix_is_caught(env, live, next, in_slot));
	}
}

static const char *mask_names(unsigned int mask, char buf[N_SETS + 1])
{
	int set, n = 0;

	for (set = 0; set < N_SETS; set++)
		if (mask & SET_BIT(set))
			buf[n++] = SET_NAME(set);
	buf[n] = '\0';
	return buf;
}

/* allowed: the sets that may have been live while the frame ran. */
static void check_verdict(struct worker *w, size_t i, __u32 got, unsigned int allowed)
{
	unsigned int gives = 0;
	char names[N_SETS + 1];
	int set;

	w->frames++;
	for (set = 0; set < N_SETS; set++)
		if ((allowed & SET_BIT(set)) && w->env->want[set][i] == got)
			gives |= SET_BIT(set);
	if (!gives) {
		if (!w->wrong++)
			fprintf(stderr, "  frame %zu (%s): verdict %u, A gives %u, B %u, C %u; "
				"allowed: %s\n", i, w->env->addrs[i], got, w->env->want[SET_A][i],
				w->env->want[SET_B][i], w->env->want[SET_C][i],
				mask_names(allowed, names));
		return;
	}
	/* One set alone gives it: traffic saw that set. */
	if (gives != allowed && !(gives & (gives - 1)))
		w->only[__builtin_ctz(gives)]++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int allowed;
	__u32 got;
	size_t i;

	while (!atomic_load(w->stop)) {
		for (i = 0; i < N_FRAMES; i++) {
			/* A run spans at most one switch (wait_for_passes), so
			 * the sets allowed before or after it cover it. */
			allowed = atomic_load(w->allowed);
			w->err = run_frame(w->env->prog_fd, &w->env->frames[i], &got);
			if (w->err)
				return NULL;
			check_verdict(w, i, got, allowed | atomic_load(w->allowed));
		}
		atomic_fetch_add(&w->passes, 1);
	}
	return NULL;
}

/* Wait until every worker completed PASSES_PER_SET passes that started
 * after the last install returned; false when one stopped on an error. */
static bool wait_for_passes(struct worker *workers)
{
	unsigned long start[WORKERS];
	int i;

	for (i = 0; i < WORKERS; i++)
		start[i] = atomic_load(&workers[i].passes);
	for (i = 0; i < WORKERS; i++)
		while (atomic_load(&workers[i].passes) < start[i] + PASSES_PER_SET + 1) {
			if (workers[i].err)
				return false;
			sched_yield();
		}
	return true;
}

/* Counters between switches: no reason and no kept rule goes backwards,
 * and the kept rule keeps its id. */
struct sample {
	struct vfw_counter reasons[VFW_REASON_COUNT];
	struct vfw_counter backup;
	__u32 backup_id;
};

static int take_sample(const struct env *env, struct sample *s)
{
	struct vfw_stats st;
	size_t i;
	int ret;

	ret = vfw_stats_read(&env->maps, &st);
	if (ret)
		return ret;
	memcpy(s->reasons, st.reasons, sizeof(s->reasons));
	ret = -ENOENT;
	for (i = 0; i < st.n_rules; i++)
		if (st.rules[i].meta.kind == VFW_RULE_TRUSTED &&
		    !strcmp(st.rules[i].meta.name, "backup")) {
			s->backup = st.rules[i].total;
			s->backup_id = st.rules[i].id;
			ret = 0;
		}
	vfw_stats_free(&st);
	return ret;
}

static unsigned long went_backwards(const struct sample *prev, const struct sample *now)
{
	unsigned long n = 0;
	int r;

	for (r = 0; r < VFW_REASON_COUNT; r++)
		n += now->reasons[r].packets < prev->reasons[r].packets ||
		     now->reasons[r].bytes < prev->reasons[r].bytes;
	n += now->backup.packets < prev->backup.packets || now->backup_id != prev->backup_id;
	return n;
}

struct load_result {
	unsigned long switches, frames, wrong, only[N_SETS], backwards, samples;
	__u64 counted_before, counted_after;
};

static __u64 total_counted(const struct sample *s)
{
	__u64 n = 0;
	int r;

	for (r = 0; r < VFW_REASON_COUNT; r++)
		n += s->reasons[r].packets;
	return n;
}

/* The main thread's side: switch, let traffic see the new set, sample.
 * The set live until the flip stays allowed until the next switch. */
static int switch_under_load(const struct env *env, struct worker *workers,
			     atomic_uint *allowed, struct load_result *res)
{
	struct sample prev, now;
	size_t i;
	int ret;

	ret = take_sample(env, &prev);
	if (ret)
		return ret;
	for (i = 0; i < SWITCHES; i++) {
		atomic_store(allowed, SET_BIT(scheduled(i, 1)) | SET_BIT(scheduled(i, 0)));
		ret = install(env, scheduled(i, 0));
		if (ret)
			return ret;
		res->switches++;
		if (!wait_for_passes(workers))
			return -EIO;
		ret = take_sample(env, &now);
		if (ret)
			return ret;
		res->samples++;
		res->backwards += went_backwards(&prev, &now);
		prev = now;
	}
	return 0;
}

static bool run_under_load(const struct env *env, struct load_result *res)
{
	struct worker workers[WORKERS] = {};
	atomic_uint allowed = SET_BIT(scheduled(0, 1));
	atomic_bool stop = false;
	struct sample start, end;
	int i, set, started, ret;
	cpu_set_t cpu;

	/* The two installs before the schedule's first, so that the slot each
	 * install writes holds the config schedule_mixes_are_caught assumed.
	 * Counted before any worker runs, so that every frame a worker
	 * reports is in the difference. */
	if (!ASSERT_EQ(install(env, scheduled(0, 2)), 0, "install") ||
	    !ASSERT_EQ(install(env, scheduled(0, 1)), 0, "install") ||
	    !ASSERT_EQ(take_sample(env, &start), 0, "first sample"))
		return false;
	res->counted_before = total_counted(&start);
	for (started = 0; started < WORKERS; started++) {
		workers[started].env = env;
		workers[started].stop = &stop;
		workers[started].allowed = &allowed;
		if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]))
			break;
		/*
		 * BPF_PROG_TEST_RUN runs the program with migration, not
		 * preemption, disabled: two workers on one CPU could interleave
		 * the read-modify-write of a per-CPU counter, which real XDP (one
		 * softirq per CPU) never does. One CPU each keeps the exact count.
		 */
		CPU_ZERO(&cpu);
		CPU_SET(started, &cpu);
		if (pthread_setaffinity_np(workers[started].thread, sizeof(cpu), &cpu)) {
			atomic_store(&stop, true);
			pthread_join(workers[started].thread, NULL);
			break;
		}
	}
	ret = started == WORKERS ? switch_under_load(env, workers, &allowed, res) : -EAGAIN;
	atomic_store(&stop, true);
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		res->frames += workers[i].frames;
		res->wrong += workers[i].wrong;
		for (set = 0; set < N_SETS; set++)
			res->only[set] += workers[i].only[set];
		if (workers[i].err && !ret)
			ret = workers[i].err;
	}
	if (!ret)
		ret = take_sample(env, &end);
	res->counted_after = ret ? 0 : total_counted(&end);
	return ASSERT_EQ(ret, 0, "switching under load");
}

/* The cases that judge one run under load: it runs when any is wanted. */
static const char *const load_cases[] = {
	"atomic: 200+ switches under load",
	"atomic: every verdict is the old set's or the new set's",
	"atomic: traffic saw all three rule sets",
	"atomic: counters never go backwards, the kept rule keeps its id",
	"atomic: every frame counted under exactly one reason",
};

static void report_load(struct test_totals *totals, const struct env *env)
{
	struct load_result res = {};
	bool ran = test_any_wanted(load_cases, sizeof(load_cases) / sizeof(load_cases[0]));
	bool ok = ran && run_under_load(env, &res);

	if (ran)
		printf("  switches %lu, frames checked %lu (A-only verdicts %lu, B-only %lu, "
		       "C-only %lu), wrong verdicts %lu, counter samples %lu, went backwards %lu\n",
		       res.switches, res.frames, res.only[SET_A], res.only[SET_B], res.only[SET_C],
		       res.wrong, res.samples, res.backwards);
	TEST_CASE(totals, load_cases[0], ok && ASSERT_TRUE(res.switches >= 200, "switches"));
	TEST_CASE(totals, load_cases[1],
		  ok && ASSERT_EQ(res.wrong, 0, "wrong verdicts") &&
		  ASSERT_TRUE(res.frames > 0, "frames checked"));
	TEST_CASE(totals, load_cases[2],
		  ok && ASSERT_TRUE(res.only[SET_A] && res.only[SET_B] && res.only[SET_C],
				    "A-only, B-only and C-only"));
	TEST_CASE(totals, load_cases[3],
		  ok && ASSERT_EQ(res.backwards, 0, "samples that went backwards"));
	TEST_CASE(totals, load_cases[4],
		  ok && ASSERT_EQ(res.counted_after - res.counted_before, res.frames,
				  "reason packets counted under load"));
}

int main(int argc, char **argv)
{
	struct test_totals totals = {};
	struct env *env;
	int ret = -ENOMEM;

	test_init(argc, argv);
	env = calloc(1, sizeof(*env));
	if (!env || (ret = env_open(env))) {
		fprintf(stderr, "test_atomic: cannot set up: %s\n", strerror(-ret));
		test_report(&totals, "atomic: setup", false);
		free(env);
		return 1;
	}
	/* Every later case compares against the verdicts it learns. */
	test_report_setup(&totals,
			  "atomic: A, B and C alone give different verdicts and config flags",
			  learn_verdicts(env));
	TEST_CASE(&totals, "atomic: A's config with B's trie is caught",
		  torn_mix_is_caught(env, SET_A, SET_B, SET_A));
	TEST_CASE(&totals, "atomic: B's config with A's trie is caught",
		  torn_mix_is_caught(env, SET_B, SET_A, SET_B));
	schedule_mixes_are_caught(&totals, env);
	report_load(&totals, env);
	env_close(env);
	free(env);
	return test_exit(&totals);
}
