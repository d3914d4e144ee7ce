/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names operators see for reasons and rule kinds, from the X-macro
 * tables of maps/vaultfw.h. Below everything that prints them, the
 * reference model included.
 */
#ifndef VFW_NAMES_H
#define VFW_NAMES_H

#include "../maps/vaultfw.h"

/* "unknown" past the table. */
const char *vfw_reason_name(unsigned int reason);
const char *vfw_rule_kind_name(unsigned int kind);
/* "pass" or "drop": what the program returns for the reason. */
const char *vfw_reason_verdict_name(unsigned int reason);

#endif
