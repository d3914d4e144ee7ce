/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cache-missing corpus of `make bench` as both sides see it: cold.c
 * fills the sources, bench_cold.bpf.c writes them into one template frame,
 * a new one per run, and tail-calls the program under test.
 */
#ifndef VFW_BENCH_COLD_H
#define VFW_BENCH_COLD_H

#define COLD_FRAMES		65536	/* a power of two: the replay wraps by mask */
#define COLD_CORPORA		8	/* one source list per rule set measured */
#define COLD_TARGETS		8	/* tail-call slots */
/* The one-access reference reads one random word of this many: 64 MiB,
 * far past every cache level but the last. */
#define COLD_TOUCH_WORDS	(16 * 1024 * 1024)
/* Where an untagged IPv4 frame's source lies: Ethernet, then offset 12. */
#define COLD_SADDR_OFF		(14 + 12)

#endif
