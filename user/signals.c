// SPDX-License-Identifier: GPL-2.0
/* Stop and reload requests through a signalfd: see signals.h. */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include "signals.h"

static void stop_set(sigset_t *set, bool hup)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	if (hup)
		sigaddset(set, SIGHUP);
}

int vfw_signals_open(struct vfw_signals *s, bool hup)
{
	sigset_t set;
	int ret;

	s->fd = -1;
	stop_set(&set, hup);
	if (sigprocmask(SIG_BLOCK, &set, &s->old))
		return -errno;
	s->fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s->fd >= 0)
		return 0;
	ret = -errno;
	sigprocmask(SIG_SETMASK, &s->old, NULL);
	return ret;
}

void vfw_signals_close(struct vfw_signals *s)
{
	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	sigprocmask(SIG_SETMASK, &s->old, NULL);
}

int vfw_signals_wait(struct vfw_signals *s, int other_fd, int timeout_ms, bool *ready)
{
	struct pollfd fds[] = {
		{ .fd = s->fd, .events = POLLIN },
		{ .fd = other_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;
	int n;

	if (ready)
		*ready = false;
	n = poll(fds, other_fd >= 0 ? 2 : 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!fds[0].revents) {
		if (ready)
			*ready = other_fd >= 0 && fds[1].revents;
		return 0;
	}
	/* Consumed, so that unblocking it later does not kill us. */
	if (read(s->fd, &si, sizeof(si)) != sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}
