/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw check`, and the pieces of it the loader shares: turning a rules
 * file into a compiled rule set, and printing a slot's settings.
 */
#ifndef VFW_CHECK_H
#define VFW_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "compile.h"

/* Parse, validate and compile `path`. On error returns a negative errno
 * with the parser's or compiler's one-line message in err. */
int vfw_load_compiled(const char *path, struct vfw_compiled *out,
		      char *err, size_t errlen);

/*
 * The settings of a slot in words, computed once from its config so that
 * check's and status's text and status's JSON all say the same things.
 */
#define VFW_WORD_MAX	48	/* an IPv6 address, "tcp/65535", "A.B.C.D/N" */

struct vfw_settings {
	const char *public_access;	/* Enabled, Disabled, SecuredByPerimeter */
	const char *default_action;	/* Allow, Deny */
	const char *bypass;		/* AzureServices, None */
	const char *perimeter_mode;	/* accessMode; NULL: no perimeter */
	bool perimeter_enforced;	/* by its mode or by publicNetworkAccess */
	char dp_addrs[VFW_MAX_DP_ADDRS][VFW_WORD_MAX];	/* none: any destination */
	size_t n_dp_addrs;
	char dp_ports[VFW_MAX_DP_PORTS][VFW_WORD_MAX];	/* "tcp/443" */
	size_t n_dp_ports;
	unsigned int vxlan_ports[VFW_MAX_VXLAN_PORTS];	/* none: VXLAN not opened */
	size_t n_vxlan_ports;
	char vxlan_remotes[VFW_MAX_VXLAN_REMOTES][VFW_WORD_MAX];	/* "192.0.2.1/32" */
	size_t n_vxlan_remotes;
};

void vfw_settings_of(const struct vfw_config *cfg, struct vfw_settings *s);
/* One "  key: value" per line. */
void vfw_print_settings(FILE *out, const struct vfw_settings *s);
/* The same as an object; NULL when out of memory. */
json_t *vfw_settings_json(const struct vfw_settings *s);

int vfw_check(const char *path, char *err, size_t errlen);

#endif
