/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Crash injection for tests/e2e/crash.sh (docs/design.md "Crash safety"):
 * with VAULTFW_FAULT=STEP in the environment, the process SIGKILLs itself
 * when it reaches the named step, the way an OOM kill or a power cut
 * would stop it there. Without the variable each point is one getenv().
 *
 * Steps, in the order a command reaches them:
 *   attach: attach-dir, then the install steps below (into fresh maps),
 *           attach-pin-map (after the first map is pinned), attach-pinned,
 *           attach-prog (attached, program not yet pinned), attach-done
 *   every install (attach, apply, rule, update): install-ids,
 *           install-trie, install-config, install-document, install-pin,
 *           install-flip (live, the vfw_rules pin not yet renamed)
 */
#ifndef VFW_FAULT_H
#define VFW_FAULT_H

#define VFW_FAULT_ENV	"VAULTFW_FAULT"

/* Returns 0 (so it chains with ?:) unless STEP is the one to die at. */
int vfw_fault_point(const char *step);

#endif
