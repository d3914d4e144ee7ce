/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core datapath test table (tests/datapath_cases.c): rule sets and
 * frames with the verdict, reason and rule SPEC §2/§3 expect. Shared by
 * test_datapath (the XDP program's counters) and test_explain (explain
 * against the same cases).
 */
#ifndef VFW_TEST_DATAPATH_CASES_H
#define VFW_TEST_DATAPATH_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/bpf.h>
#include "frames.h"
#include "vaultfw.h"

#define DP4		"192.0.2.10"
#define DP6		"2001:db8::10"
#define OTHER4		"192.0.2.99"	/* the host, but not a data-plane address */
#define OTHER6		"2001:db8::99"
#define UNDERLAY_SRC	"192.0.2.1"
#define SRC6		"2001:db8:1::5"
#define HTTPS		443

/* For frames a suite builds beside the table. */
#define TCP(s, d, port)		.src = s, .dst = d, .proto = IPPROTO_TCP, .dport = port
#define HTTPS_FROM(s)		TCP(s, DP4, HTTPS)

enum ruleset_id {
	RS_BASIC,
	RS_ANY_DST,
	RS_FIREWALL_OFF,
	RS_ALLOW,
	RS_BYPASS_NONE,
	RS_PNA_OFF,
	RS_PNA_OFF_NO_BYPASS,
	RS_PERIM_ENFORCED,
	RS_PERIM_SBP,
	RS_PERIM_AUDIT,
	RS_PERIM_LEARNING_ALLOW,
	RS_BIG,
	RS_VXLAN_TWO_PORTS,
	RS_NO_VXLAN,
	RS_PNA_OFF_PERIM_ENFORCED,
	RS_PNA_OFF_PERIM_AUDIT,
	RS_TCP443_ONLY,
	RS_UDP443_ONLY,
	RS_PNA_OFF_TRUSTED_OVER_IP,
	RS_PE_OVER_VNET,
	RS_COUNT,
};

struct rule_ref {
	enum vfw_rule_kind kind;	/* VFW_RULE_NONE: no rule is credited */
	const char *name;
};

struct dp_case {
	const char *desc;
	enum ruleset_id rules;
	struct frame_spec frame;
	int verdict;
	enum vfw_reason reason;
	struct rule_ref rule;
	bool would_deny;
};

/*
 * Each rule set as JSON with single quotes (see json_from_single_quotes()).
 * RS_BIG is NULL: a suite that uses it sets it to make_big_ruleset().
 */
extern const char *dp_ruleset_text[RS_COUNT];
extern const struct dp_case dp_cases[];
extern const size_t dp_n_cases;

/* A copy of text (malloc'd) with every single quote made a double one. */
char *json_from_single_quotes(const char *text);

/* RS_BIG's text (malloc'd): the rule limits' worth, too long to write out. */
char *make_big_ruleset(void);

#endif /* VFW_TEST_DATAPATH_CASES_H */
