/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one way a long-running command (log --follow, stats --watch, apply
 * --watch) learns it should stop: SIGINT and SIGTERM are blocked and read
 * from a signalfd, so a wait on other fds and a stop request are one poll,
 * and no handler runs at an arbitrary point.
 */
#ifndef VFW_SIGNALS_H
#define VFW_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

struct vfw_signals {
	int fd;			/* -1: not open */
	sigset_t old;		/* the mask to restore */
};

/* Block SIGINT and SIGTERM (and SIGHUP when `hup`) and open their signalfd. */
int vfw_signals_open(struct vfw_signals *s, bool hup);
void vfw_signals_close(struct vfw_signals *s);

/*
 * Wait up to timeout_ms (-1: no limit) for a signal or for other_fd (-1:
 * none) to be readable. Returns the signal taken, or 0 (with *ready true
 * when other_fd is readable, false when the time is up), or a negative
 * errno. ready may be NULL.
 */
int vfw_signals_wait(struct vfw_signals *s, int other_fd, int timeout_ms, bool *ready);

#endif
