/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attach, attach --replace, apply and detach of one interface. State lives
 * under VFW_PIN_ROOT/IFACE (mode 0700), and every command that changes it
 * holds flock(LOCK_EX) on that directory. Each function returns 0 or a
 * negative errno and, on error, writes a one-line reason (without the
 * "vaultfw: cmd: " prefix) into err.
 */
#ifndef VFW_TXN_H
#define VFW_TXN_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <linux/types.h>
#include <xdp/libxdp.h>

/* log_rate: the diagnostic log's initial rate (events/s per CPU, 0: off). */
int vfw_attach(const char *ifname, const char *rules_path,
	       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen);
/* The same where vaultfw may be attached already: its rules are replaced
 * atomically, and its program attached again only if it is gone. */
int vfw_attach_replace(const char *ifname, const char *rules_path,
		       enum xdp_attach_mode mode, __u32 log_rate, char *err, size_t errlen);
/* What an apply read besides the rules file, for apply --watch: the
 * service tags file it names ("" for none) and its stat before the read. */
struct vfw_applied {
	char service_tags_file[PATH_MAX];
	struct stat service_tags_st;
};

/* applied (may be NULL) is filled once the file is parsed, also when the
 * apply fails after that. */
int vfw_apply(const char *ifname, const char *rules_path, struct vfw_applied *applied,
	      char *err, size_t errlen);
int vfw_detach(const char *ifname, char *err, size_t errlen);

#endif
