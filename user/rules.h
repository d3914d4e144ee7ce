/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules file (SPEC §1): parsed with jansson into struct vfw_rules, fully
 * validated. Nothing here touches the kernel.
 */
#ifndef VFW_RULES_H
#define VFW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "../maps/vaultfw.h"

struct vfw_prefix {
	uint32_t addr;		/* IPv4, host order, host bits clear */
	uint8_t len;		/* 0..32 */
};

struct vfw_tag {
	uint32_t kind;		/* enum vfw_tag_kind */
	uint32_t id;
};

enum vfw_public_access {
	VFW_PNA_ENABLED = 0,
	VFW_PNA_DISABLED,
	VFW_PNA_SECURED_BY_PERIMETER,
};

enum vfw_perimeter_mode {
	VFW_PERIM_LEARNING = 0,
	VFW_PERIM_AUDIT,
	VFW_PERIM_ENFORCED,
};

enum vfw_pe_status {
	VFW_PE_APPROVED = 0,
	VFW_PE_PENDING,
	VFW_PE_REJECTED,
};

struct vfw_ip_rule {
	struct vfw_prefix prefix;	/* bare address stored as /32 */
};

struct vfw_vnet_rule {
	char id[VFW_NAME_MAX];		/* as written; compare with strcasecmp */
	bool ignore_missing_endpoint;
	size_t after;			/* skipped rules: bound rules before it in the file */
};

struct vfw_subnet {
	char id[VFW_NAME_MAX];
	struct vfw_tag tag;		/* VLAN or VNI, never NONE */
	bool has_prefix;
	struct vfw_prefix prefix;
};

/* A named group of sources: a trusted-service group or a perimeter member. */
struct vfw_group {
	char name[VFW_NAME_MAX];
	struct vfw_prefix *prefixes;	/* untagged sources: those written, then the
					 * IPv4 prefixes of its service tags */
	size_t n_prefixes;
	size_t n_tag_prefixes;		/* how many of prefixes[] end came from service tags */
	char (*service_tags)[VFW_NAME_MAX];	/* serviceTags as written */
	size_t n_service_tags;
	struct vfw_tag *tags;		/* any source carrying the tag */
	size_t n_tags;
};

struct vfw_private_endpoint {
	char name[VFW_NAME_MAX];
	struct vfw_tag tag;
	bool has_prefix;
	struct vfw_prefix prefix;
	enum vfw_pe_status status;
};

struct vfw_access_rule {
	char name[VFW_NAME_MAX];
	bool inbound;			/* outbound rules are kept but ignored */
	struct vfw_prefix *prefixes;
	size_t n_prefixes;
	char (*subscriptions)[VFW_NAME_MAX];	/* ids, resolved via perimeter.subscriptions */
	size_t n_subscriptions;
};

struct vfw_perimeter_subscription {
	char id[VFW_NAME_MAX];
	struct vfw_tag *tags;		/* its vnis and vlans */
	size_t n_tags;
};

struct vfw_perimeter {
	enum vfw_perimeter_mode mode;
	struct vfw_access_rule *access_rules;
	size_t n_access_rules;
	struct vfw_perimeter_subscription *subscriptions;
	size_t n_subscriptions;
	struct vfw_group *members;
	size_t n_members;
};

struct vfw_dataplane {
	struct vfw_dp_addr addrs[VFW_MAX_DP_ADDRS];	/* from maps/vaultfw.h */
	size_t n_addrs;					/* 0: any destination */
	struct vfw_dp_port ports[VFW_MAX_DP_PORTS];
	size_t n_ports;					/* default tcp/443 */
};

/* host.vxlan: where VXLAN is opened and whose VXLAN is believed. */
struct vfw_vxlan {
	bool present;			/* absent: VXLAN is never opened */
	uint16_t ports[VFW_MAX_VXLAN_PORTS];	/* default 4789 */
	size_t n_ports;
	struct vfw_prefix remotes[VFW_MAX_VXLAN_REMOTES];
	size_t n_remotes;
};

struct vfw_rules {
	char id[VFW_NAME_MAX];		/* the vault's resource id, "" when absent */
	char name[VFW_NAME_MAX];
	enum vfw_public_access public_access;
	bool has_network_acls;		/* absent: firewall off */
	bool default_allow;		/* defaultAction Allow (default) */
	bool bypass_azure_services;	/* bypass AzureServices (default) */
	struct vfw_ip_rule *ip_rules;	/* normalised, duplicates merged */
	size_t n_ip_rules;
	struct vfw_vnet_rule *vnet_rules;	/* bound: these are compiled */
	size_t n_vnet_rules;
	/* Skipped for a missing binding (ignoreMissingVnetServiceEndpoint):
	 * never compiled, but kept so that the stored document is the one
	 * the operator wrote (SPEC §1) and a binding added later brings
	 * them into force. They count towards VFW_MAX_VNET_RULES, as the
	 * vault counts every rule it stores. */
	struct vfw_vnet_rule *skipped_vnet_rules;
	size_t n_skipped_vnet_rules;

	struct vfw_dataplane dataplane;
	struct vfw_vxlan vxlan;
	struct vfw_subnet *subnets;
	size_t n_subnets;
	struct vfw_group *trusted;
	size_t n_trusted;
	struct vfw_private_endpoint *private_endpoints;
	size_t n_private_endpoints;
	bool has_perimeter;
	struct vfw_perimeter perimeter;
	/* host.serviceTagsFile made absolute (relative to the rules file's
	 * directory), so the stored document still finds it; NULL if absent. */
	char *service_tags_file;
	/* That file as stat(2) found it just before it was read: a watcher
	 * that compares it later sees any change made since. */
	struct stat service_tags_st;
};

/* The rules file's own words for the enums above, indexed by them and
 * NULL-terminated. */
extern const char *const vfw_public_access_names[];
extern const char *const vfw_perimeter_mode_names[];
extern const char *const vfw_pe_status_names[];

/*
 * Parse and validate. On error returns a negative errno and writes one line
 * into err: "FILE:LINE:COL: JSON.PATH: what is wrong" (LINE:COL where
 * known). Warnings (merged duplicates, skipped unbound rules, ignored
 * outbound rules) go to pr_warn. `source` names the text in messages.
 */
int vfw_rules_parse(const char *text, size_t len, const char *source,
		    struct vfw_rules *out, char *err, size_t errlen);
/* A file: a relative host.serviceTagsFile is taken from the file's
 * directory (vfw_rules_parse takes it from the current directory). */
int vfw_rules_load_file(const char *path, struct vfw_rules *out,
			char *err, size_t errlen);
void vfw_rules_free(struct vfw_rules *rules);

/* The subscription listed in perimeter.subscriptions with this id (compared
 * without case), or NULL. */
const struct vfw_perimeter_subscription *
vfw_perimeter_subscription(const struct vfw_perimeter *perim, const char *id);

/* The netmask of a prefix length, host order. */
uint32_t vfw_prefix_mask(uint8_t len);

/* "203.0.113.0/24" style text for a prefix; buf of at least 19 bytes. */
const char *vfw_prefix_str(const struct vfw_prefix *p, char *buf, size_t len);

#endif
