// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

enum vfw_log_level vfw_log_level = VFW_LOG_INFO;

void vfw_log(enum vfw_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > vfw_log_level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int vfw_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are mostly noise about probing; show them with -v. */
	if (level != LIBBPF_DEBUG && vfw_log_level < VFW_LOG_DEBUG)
		return 0;
	if (level == LIBBPF_DEBUG && vfw_log_level < VFW_LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (vfw_log_level < VFW_LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void vfw_log_setup_libs(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
