// SPDX-License-Identifier: GPL-2.0
/* sd_notify without libsystemd: see notify.h. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "log.h"
#include "notify.h"

/* A STATUS= line carries one error message; the rest is a few keys. */
#define NOTIFY_MAX	2048

/* The address $NOTIFY_SOCKET names; its length for sendto(). */
static int notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || n < 2 || n >= sizeof(sa->sun_path))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0';	/* abstract: no trailing NUL counted */
	*len = offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/');
	return 0;
}

int vfw_notify(const char *fmt, ...)
{
	const char *name = getenv("NOTIFY_SOCKET");
	char msg[NOTIFY_MAX];
	struct sockaddr_un sa;
	socklen_t sa_len;
	va_list ap;
	int fd, n, ret;

	if (!name || !*name)
		return 0;
	ret = notify_addr(name, &sa, &sa_len);
	if (ret) {
		pr_debug("NOTIFY_SOCKET=%s: not an AF_UNIX socket name\n", name);
		return ret;
	}
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;	/* a long STATUS is cut, not dropped */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, sa_len) == n ? 0 : -errno;
	close(fd);
	if (ret)
		pr_debug("NOTIFY_SOCKET=%s: %s\n", name, strerror(-ret));
	return ret;
}
