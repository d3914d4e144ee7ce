/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service manager's readiness protocol (sd_notify(3)), written
 * directly: one datagram of "KEY=value" lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET (a path, or an abstract name when it starts with '@').
 * Without $NOTIFY_SOCKET (not run by systemd with Type=notify) nothing is
 * sent. No libsystemd: the protocol is one sendto().
 */
#ifndef VFW_NOTIFY_H
#define VFW_NOTIFY_H

/*
 * Send the state lines `fmt` formats, e.g. "READY=1\nSTATUS=%s". Newlines
 * inside a STATUS text must be left out by the caller. Returns 0 (also
 * when there is no socket to send to) or a negative errno; a failure is
 * never fatal to the caller, the service manager is only told less.
 */
int vfw_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
