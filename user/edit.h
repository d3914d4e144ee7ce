/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rule edits in the vault CLI's style (SPEC §5) and `show`: each loads the
 * rules document stored with the live slot, changes it, validates it again
 * with the rules parser and installs it atomically, all under the
 * interface lock (docs/design.md "Rule state"). Same return and err
 * convention as loader.h.
 */
#ifndef VFW_EDIT_H
#define VFW_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include "../maps/vaultfw.h"

/* What the command line asks to change; strings point into argv. */
struct vfw_edit {
	const char *ip_addresses[VFW_MAX_IP_RULES];
	size_t n_ip_addresses;
	const char *subnets[VFW_MAX_VNET_RULES];
	size_t n_subnets;
	const char *default_action;	/* NULL: unchanged */
	const char *bypass;
	const char *public_network_access;
};

/* Collect one --ip-address or --subnet value; -E2BIG past the limits. */
int vfw_edit_add_ip_address(struct vfw_edit *e, const char *value, char *err, size_t errlen);
int vfw_edit_add_subnet(struct vfw_edit *e, const char *value, char *err, size_t errlen);

/* action: "add", "remove" or "list" (json applies to list only). */
int vfw_rule_cmd(const char *action, const char *ifname, const struct vfw_edit *e,
		 bool json, char *err, size_t errlen);
int vfw_update_cmd(const char *ifname, const struct vfw_edit *e, char *err, size_t errlen);
int vfw_show(const char *ifname, char *err, size_t errlen);

#endif
