// SPDX-License-Identifier: GPL-2.0
/*
 * Cold per-frame cost: each prefix-table rule set judges COLD_FRAMES
 * distinct sources spread over its own prefixes, every one once per pass
 * (bench_cold.bpf.c), beside two references run the same way: the harness
 * alone (the cold floor) and the harness with one read of a random word
 * of 64 MiB (one memory access that misses every cache but the last).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_cold.h"
#include "log.h"
#include "bench_cold.skel.h"
#include "vaultfw.skel.h"

#define COLD_SEED	0xc01dc01dULL

_Static_assert(N_PREFIX <= COLD_CORPORA, "a corpus per prefix-table point");
_Static_assert(2 + N_PREFIX <= COLD_TARGETS, "a tail-call slot per program");

enum { SLOT_FLOOR, SLOT_TOUCH, SLOT_PREFIX0 };

/* Point i's sources: a prefix at random, an address at random inside it. */
static int fill_sources(const struct loaded *l, struct bench_cold_bpf *skel)
{
	uint64_t rng = COLD_SEED;
	int fd = bpf_map__fd(skel->maps.cold_sources);

	for (uint32_t i = 0; i < N_PREFIX; i++) {
		const struct vfw_prefix *list;
		size_t n = prefix_list(l, i, &list);

		for (uint32_t k = 0; k < COLD_FRAMES; k++) {
			const struct vfw_prefix *p = &list[bench_rand(&rng) % n];
			uint32_t key = i * COLD_FRAMES + k;
			uint32_t src = htonl(p->addr | ((uint32_t)bench_rand(&rng) &
							~prefix_mask(p->len)));

			if (bpf_map_update_elem(fd, &key, &src, BPF_ANY))
				return -errno;
		}
	}
	return 0;
}

static int put_target(struct bench_cold_bpf *skel, uint32_t slot, int prog_fd)
{
	int fd = bpf_map__fd(skel->maps.cold_targets);

	return bpf_map_update_elem(fd, &slot, &prog_fd, BPF_ANY) ? -errno : 0;
}

static int fill_targets(const struct loaded *l, struct bench_cold_bpf *skel)
{
	int err = put_target(skel, SLOT_FLOOR, bpf_program__fd(skel->progs.cold_drop)) ?:
		  put_target(skel, SLOT_TOUCH, bpf_program__fd(skel->progs.cold_touch));

	for (uint32_t i = 0; !err && i < N_PREFIX; i++)
		err = put_target(skel, SLOT_PREFIX0 + i,
				 bpf_program__fd(l->prefix[i]->progs.vaultfw_xdp));
	return err;
}

/* One pass over corpus `corpus` through the program in `slot`. */
static int cold_pass(const struct bench_data *d, struct bench_cold_bpf *skel,
		     uint32_t slot, uint32_t corpus, double *ns)
{
	const struct corpus_frame *fr = &d->corpus[corpus_class_span(FC_ALLOWED).base];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->data, .data_size_in = fr->len,
		    .repeat = COLD_FRAMES);

	skel->bss->next_frame = 0;
	skel->bss->corpus_base = corpus * COLD_FRAMES;
	skel->bss->target = slot;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.cold_run), &opts))
		return -errno;
	if (opts.retval == XDP_ABORTED) {
		pr_warn("bench: the cold harness aborted (slot %u)\n", slot);
		return -EIO;
	}
	*ns = opts.duration;
	return 0;
}

/* A round runs every program once, the references against the biggest
 * set's sources, starting one further along each round. */
static int cold_round(const struct bench_data *d, struct bench_cold_bpf *skel,
		      unsigned int r, struct prefix_bench *pb)
{
	const unsigned int n = SLOT_PREFIX0 + N_PREFIX;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int slot = (k + r) % n;
		uint32_t corpus = slot >= SLOT_PREFIX0 ? slot - SLOT_PREFIX0 : N_PREFIX - 1;
		double *out = slot == SLOT_FLOOR ? &pb->refs.floor[r] :
			      slot == SLOT_TOUCH ? &pb->refs.touch[r] :
			      &pb->res[slot - SLOT_PREFIX0].cold[r];
		int err = cold_pass(d, skel, slot, corpus, out);

		if (err)
			return err;
	}
	for (size_t i = 0; i < N_PREFIX; i++)
		pb->res[i].cold_ratio[r] = pb->res[i].cold[r] / pb->refs.floor[r];
	return 0;
}

int cold_measure(const struct bench_data *d, const struct loaded *l,
		 const struct options *o, struct prefix_bench *pb)
{
	struct bench_cold_bpf *skel = bench_cold_bpf__open_and_load();
	int err;

	if (!skel) {
		err = -errno;
		pr_warn("bench: loading the cold harness: %s\n", strerror(-err));
		return err;
	}
	err = fill_sources(l, skel) ?: fill_targets(l, skel);
	for (unsigned int r = 0; !err && r < o->rounds; r++)
		err = cold_round(d, skel, r, pb);
	if (err)
		pr_warn("bench: cold runs: %s\n", strerror(-err));
	bench_cold_bpf__destroy(skel);
	return err;
}
