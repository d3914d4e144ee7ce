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
	const char *subnets[VFW_MAX_VNET_RULES];	/* ids, or names with vnet_name */
	size_t n_subnets;
	const char *vnet_name;		/* --vnet-name: subnets are names in it */
	const char *default_action;	/* NULL: unchanged */
	const char *bypass;
	const char *public_network_access;
};

/* Collect one --ip-address or --subnet value; -E2BIG past the limits. */
int vfw_edit_add_ip_address(struct vfw_edit *e, const char *value, char *err, size_t errlen);
int vfw_edit_add_subnet(struct vfw_edit *e, const char *value, char *err, size_t errlen);

/*
 * The id `az keyvault network-rule add --subnet NAME --vnet-name V` builds:
 * /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.Network/
 * virtualNetworks/V/subnets/NAME, SUB and RG those of vault_id (the vault's
 * "/subscriptions/SUB/resourceGroups/RG/providers/Microsoft.KeyVault/..."),
 * into out. -EINVAL when vault_id has no such scope or a name is empty or
 * holds a '/'; -ENAMETOOLONG when out is too short.
 */
int vfw_edit_subnet_id(const char *vault_id, const char *vnet, const char *subnet,
		       char *out, size_t len);

/* action: "add", "remove" or "list" (json applies to list only). */
int vfw_rule_cmd(const char *action, const char *ifname, const struct vfw_edit *e,
		 bool json, char *err, size_t errlen);
int vfw_update_cmd(const char *ifname, const struct vfw_edit *e, char *err, size_t errlen);
int vfw_show(const char *ifname, char *err, size_t errlen);

#endif
