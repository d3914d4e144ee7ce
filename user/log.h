/* SPDX-License-Identifier: GPL-2.0 */
/* Message levels in the style of xdp-tools: warnings always, info unless
 * -q, debug (and libbpf's own chatter) only with -v. */
#ifndef VFW_LOG_H
#define VFW_LOG_H

#include <stdio.h>

enum vfw_log_level {
	VFW_LOG_QUIET = 0,
	VFW_LOG_WARN,
	VFW_LOG_INFO,
	VFW_LOG_DEBUG,
};

extern enum vfw_log_level vfw_log_level;

void vfw_log(enum vfw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Format a command's one-line reason into err (see user/loader.h);
 * returns -EINVAL, the errno of bad input. */
int vfw_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Route libbpf and libxdp messages through vfw_log. */
void vfw_log_setup_libs(void);

#define pr_warn(...)	vfw_log(VFW_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	vfw_log(VFW_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	vfw_log(VFW_LOG_DEBUG, __VA_ARGS__)

#endif
