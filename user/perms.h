/* SPDX-License-Identifier: GPL-2.0 */
/*
 * StrictModes for rules files, in the manner of sshd: a file that anyone
 * but root could have written must not become a vault's network policy.
 * attach and apply (also apply --watch, at every apply) refuse one unless
 * the operator passes --allow-unsafe-permissions (docs/service.md).
 */
#ifndef VFW_PERMS_H
#define VFW_PERMS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * 0 when only root can change what `path` holds: the file it resolves to,
 * each directory from / down to it, and each directory (and symlink) on
 * the path as given, are owned by root, and none is writable by group or
 * others, except a directory with the sticky bit (such as /tmp), where
 * others cannot remove or rename what root owns. Otherwise -EPERM with one
 * line naming the path and its mode. A path that does not resolve is
 * left to the loader to report (0).
 */
int vfw_check_rules_perms(const char *path, char *err, size_t errlen);

/* The check as the commands apply it: only as root (others are refused
 * for want of privilege anyway), and never when `allow` is set. */
int vfw_check_rules_perms_unless(const char *path, bool allow, char *err, size_t errlen);

#endif
