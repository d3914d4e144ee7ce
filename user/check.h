/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `vaultfw check`, and the pieces of it the loader shares: turning a rules
 * file into a compiled rule set, and printing a slot's settings.
 */
#ifndef VFW_CHECK_H
#define VFW_CHECK_H

#include <stdio.h>
#include "compile.h"

/* Parse, validate and compile `path`. On error returns a negative errno
 * with the parser's or compiler's one-line message in err. */
int vfw_load_compiled(const char *path, struct vfw_compiled *out,
		      char *err, size_t errlen);

/* Settings and data plane of a slot config, one "  key: value" per line. */
void vfw_print_settings(FILE *out, const struct vfw_config *cfg);

int vfw_check(const char *path, char *err, size_t errlen);

#endif
