// SPDX-License-Identifier: GPL-2.0
/*
 * Atomic update under load (issue 4, point 4): worker threads run a corpus
 * of frames through the real program with BPF_PROG_TEST_RUN without pause
 * while the main thread switches the live rule set between A and B with
 * the real installer, SWITCHES times. Every verdict must be the one A or B
 * alone gives that frame; counters must never go backwards; every frame is
 * counted under exactly one reason.
 *
 * A and B are built so that a torn update is visible in the verdicts, not
 * only in the reasons (see rules_a/rules_b); the test proves that by
 * installing both torn mixes by hand and finding verdicts neither set gives.
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
#include "loader.h"
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
 * The two rule sets. Both keep the trusted group "backup" (so its id and
 * counters must survive every switch) and differ everywhere else:
 *
 *   source            A                  B                  torn mix
 *   20.38.x           PASS trusted       PASS trusted
 *   203.0.113.0/25    PASS ip-rule       DROP public-dis.
 *   203.0.113.128/25  PASS ip-rule       PASS trusted       B config + A trie: DROP
 *   198.51.100.x      DROP default-deny  DROP public-dis.   A config + B trie: PASS
 *   192.0.2.0/25      DROP default-deny  PASS trusted
 *   192.0.2.128/25    DROP default-deny  DROP public-dis.
 *   any, tcp/22       PASS control-plane (both)
 *
 * A packet that read A's config (public access on, default deny) with B's
 * trie passes 198.51.100.x as an IP rule; one that read B's config (public
 * access off) with A's trie drops 203.0.113.128/25, an IP rule of A only.
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

enum { SET_A, SET_B, N_SETS };

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
	atomic_ulong passes;
	unsigned long frames;
	unsigned long wrong;
	unsigned long only[N_SETS];	/* verdicts that only A (B) gives */
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

static int install(const struct env *env, int set)
{
	const struct vfw_doc *d = &env->docs[set];

	return vfw_ruleset_install_document(&env->maps, &d->compiled, d->text,
					    set == SET_A ? "A" : "B", NULL);
}

static int env_open(struct env *env)
{
	static const char *const texts[N_SETS] = { rules_a, rules_b };
	char err[512] = "";
	int set, ret;

	if (!build_corpus(env))
		return -EINVAL;
	for (set = 0; set < N_SETS; set++) {
		ret = vfw_doc_from_text(texts[set], strlen(texts[set]), set ? "B" : "A",
					&env->docs[set], err, sizeof(err));
		if (ret) {
			fprintf(stderr, "  rule set %c: %s\n", 'A' + set, err);
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

/* The verdicts of A alone and of B alone: the only ones allowed later. */
static bool learn_verdicts(struct env *env)
{
	size_t i, differ = 0;
	int set;

	for (set = 0; set < N_SETS; set++)
		if (!ASSERT_EQ(install(env, set), 0, "install") ||
		    !ASSERT_EQ(run_corpus(env, env->want[set]), 0, "BPF_PROG_TEST_RUN"))
			return false;
	for (i = 0; i < N_FRAMES; i++)
		differ += env->want[SET_A][i] != env->want[SET_B][i];
	printf("  %zu frames, %zu with different verdicts under A and B\n", (size_t)N_FRAMES,
	       differ);
	return ASSERT_TRUE(differ >= 2 * COPIES, "A and B differ on many frames");
}

/* The config of the live slot, overwritten with the other set's config. */
static int tear(const struct env *env, int trie_set)
{
	struct vfw_config other;
	int slot, ret;
	__u32 key;

	ret = install(env, !trie_set);
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

/* Frames whose verdict under a torn rule set is neither A's nor B's. */
static bool torn_mix_is_caught(const struct env *env, int trie_set)
{
	__u32 got[N_FRAMES];
	size_t i, outside = 0;

	if (!ASSERT_EQ(tear(env, trie_set), 0, "install a torn rule set") ||
	    !ASSERT_EQ(run_corpus(env, got), 0, "BPF_PROG_TEST_RUN"))
		return false;
	for (i = 0; i < N_FRAMES; i++)
		outside += got[i] != env->want[SET_A][i] && got[i] != env->want[SET_B][i];
	printf("  config of %c with the trie of %c: %zu frames get a verdict of neither\n",
	       'A' + !trie_set, 'A' + trie_set, outside);
	return ASSERT_TRUE(outside >= COPIES, "the torn mix is visible in verdicts");
}

static void check_verdict(struct worker *w, size_t i, __u32 got)
{
	const __u32 a = w->env->want[SET_A][i], b = w->env->want[SET_B][i];

	w->frames++;
	if (got != a && got != b) {
		if (!w->wrong++)
			fprintf(stderr, "  frame %zu (%s): verdict %u, A gives %u, B %u\n", i,
				w->env->addrs[i], got, a, b);
		return;
	}
	if (a != b)
		w->only[got == a ? SET_A : SET_B]++;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	__u32 got;
	size_t i;

	while (!atomic_load(w->stop)) {
		for (i = 0; i < N_FRAMES; i++) {
			w->err = run_frame(w->env->prog_fd, &w->env->frames[i], &got);
			if (w->err)
				return NULL;
			check_verdict(w, i, got);
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

/* The main thread's side: switch, let traffic see the new set, sample. */
static int switch_under_load(const struct env *env, struct worker *workers,
			     struct load_result *res)
{
	struct sample prev, now;
	int ret, i;

	ret = take_sample(env, &prev);
	if (ret)
		return ret;
	for (i = 0; i < SWITCHES; i++) {
		ret = install(env, i % 2 ? SET_A : SET_B);
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
	atomic_bool stop = false;
	struct sample start, end;
	int i, started, ret;
	cpu_set_t cpu;

	/* Counted before any worker runs, so that every frame a worker
	 * reports is in the difference. */
	if (!ASSERT_EQ(install(env, SET_A), 0, "install A") ||
	    !ASSERT_EQ(take_sample(env, &start), 0, "first sample"))
		return false;
	res->counted_before = total_counted(&start);
	for (started = 0; started < WORKERS; started++) {
		workers[started].env = env;
		workers[started].stop = &stop;
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
	ret = started == WORKERS ? switch_under_load(env, workers, res) : -EAGAIN;
	atomic_store(&stop, true);
	for (i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		res->frames += workers[i].frames;
		res->wrong += workers[i].wrong;
		res->only[SET_A] += workers[i].only[SET_A];
		res->only[SET_B] += workers[i].only[SET_B];
		if (workers[i].err && !ret)
			ret = workers[i].err;
	}
	if (!ret)
		ret = take_sample(env, &end);
	res->counted_after = ret ? 0 : total_counted(&end);
	return ASSERT_EQ(ret, 0, "switching under load");
}

int main(void)
{
	struct test_totals totals = {};
	struct load_result res = {};
	struct env *env;
	int ret = -ENOMEM;
	bool ok;

	env = calloc(1, sizeof(*env));
	if (!env || (ret = env_open(env))) {
		fprintf(stderr, "test_atomic: cannot set up: %s\n", strerror(-ret));
		test_report(&totals, "atomic: setup", false);
		free(env);
		return 1;
	}
	test_report(&totals, "atomic: A and B alone give different verdicts", learn_verdicts(env));
	test_report(&totals, "atomic: A's config with B's trie is caught", torn_mix_is_caught(env, SET_B));
	test_report(&totals, "atomic: B's config with A's trie is caught", torn_mix_is_caught(env, SET_A));

	ok = run_under_load(env, &res);
	printf("  switches %lu, frames checked %lu (A-only verdicts %lu, B-only %lu), "
	       "wrong verdicts %lu, counter samples %lu, went backwards %lu\n",
	       res.switches, res.frames, res.only[SET_A], res.only[SET_B], res.wrong,
	       res.samples, res.backwards);
	test_report(&totals, "atomic: 200+ switches under load",
		    ok && ASSERT_TRUE(res.switches >= 200, "switches"));
	test_report(&totals, "atomic: every verdict is A's or B's",
		    ok && ASSERT_EQ(res.wrong, 0, "wrong verdicts") &&
		    ASSERT_TRUE(res.frames > 0, "frames checked"));
	test_report(&totals, "atomic: traffic saw both rule sets",
		    ok && ASSERT_TRUE(res.only[SET_A] && res.only[SET_B], "A-only and B-only"));
	test_report(&totals, "atomic: counters never go backwards, the kept rule keeps its id",
		    ok && ASSERT_EQ(res.backwards, 0, "samples that went backwards"));
	test_report(&totals, "atomic: every frame counted under exactly one reason",
		    ok && ASSERT_EQ(res.counted_after - res.counted_before, res.frames,
				    "reason packets counted under load"));
	env_close(env);
	free(env);
	return test_exit(&totals);
}
