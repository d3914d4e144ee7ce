/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark corpus as both sides see it: corpus.c builds the frames,
 * bench_gen.bpf.c replays them as live traffic.
 */
#ifndef VFW_BENCH_GEN_H
#define VFW_BENCH_GEN_H

#include <linux/types.h>

#define BENCH_CORPUS_FRAMES	1024	/* a power of two: the replay wraps by mask */
#define BENCH_FRAME_MIN		60	/* Ethernet minimum without FCS */
#define BENCH_FRAME_MAX		160

struct bench_gen_frame {
	__u32 len;
	__u8 data[BENCH_FRAME_MAX];
};

#endif
