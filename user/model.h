/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reference model of the datapath: SPEC §2 and §3 evaluated directly on the
 * parsed rules document and a raw frame, with its own frame parser and a
 * linear scan over the rules in spec order. It shares nothing with the
 * compiler or bpf/parse.h on purpose: it is the oracle the datapath is
 * checked against (tests/fuzz_datapath.c) and what `vaultfw explain` shows.
 */
#ifndef VFW_MODEL_H
#define VFW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rules.h"

/* What the model read from the frame (the inner packet for VXLAN). */
struct vfw_model_pkt {
	bool is_ip;			/* false for non-IP and malformed frames */
	bool vxlan;			/* decapsulated: the fields describe the inner packet */
	struct vfw_tag tag;		/* VFW_TAG_NONE when untagged */
	uint32_t family;		/* AF_INET or AF_INET6 */
	uint8_t saddr[16];		/* network order; IPv4 in the first 4 bytes */
	uint8_t daddr[16];
	uint8_t proto;			/* upper-layer protocol, 0 when unknown */
	bool has_dport;			/* false: later fragment, ended IPv6 walk, no ports */
	uint16_t dport;			/* host order */
};

struct vfw_model_result {
	int verdict;			/* XDP_PASS or XDP_DROP */
	enum vfw_reason reason;		/* the one reason counted (besides would_deny) */
	bool would_deny;		/* perimeter-would-deny counted beside reason */
	unsigned int step;		/* SPEC §3 step that decided; 0: not judged */
	enum vfw_rule_kind rule_kind;	/* VFW_RULE_NONE: no rule is credited */
	char rule_name[VFW_NAME_MAX];	/* identity as vfw_rule_meta names it */
	const char *why;		/* static phrase: why the frame got its reason */
	struct vfw_model_pkt pkt;
};

/*
 * Evaluate one frame of `len` bytes against `rules`, as the XDP program
 * would with that rule set live. Returns 0, or -EINVAL for NULL arguments.
 */
int vfw_model_eval(const struct vfw_rules *rules, const void *frame, size_t len,
		   struct vfw_model_result *out);

/*
 * One line, no newline, e.g. "DROP malformed (IPv4 IHL below 5)" or
 * "PASS ip-rule, rule ip-rule 203.0.113.0/24 (an IP rule matches the
 * untagged source), perimeter-would-deny counted". Returns buf.
 */
const char *vfw_model_format(const struct vfw_model_result *res, char *buf, size_t len);

#endif
