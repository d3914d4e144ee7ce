// SPDX-License-Identifier: GPL-2.0
/*
 * apply --watch: README "Fleet reload". Each change is an ordinary apply
 * (vfw_apply: lock, validate, install into the inactive slot, flip), so a
 * reload is exactly as atomic and fails exactly as closed as a manual one.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "signals.h"
#include "txn.h"
#include "log.h"
#include "watch_apply.h"

/*
 * Quiet time after the last event before the file is read: an editor's
 * write-and-rename, or a ConfigMap's new directory and symlink swap, is a
 * burst of events that ends in one complete file.
 */
#define DEBOUNCE_MS	200
#define ERR_MAX		1024

/* Every way a file is replaced in a directory, and the directory going. */
#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
			 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

/* What the rules path resolves to; any difference means "changed". */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

/*
 * The directory of the path as given, and the directory of what it
 * resolves to: a ConfigMap's FILE is a symlink into a "..data" directory
 * that is swapped, while a plain file is rewritten where it is.
 */
enum { DIR_GIVEN, DIR_RESOLVED, N_DIRS };

struct watcher {
	const char *ifname;
	const char *path;
	int inotify_fd;
	struct vfw_signals sig;
	int wd[N_DIRS];
	char dirs[N_DIRS][PATH_MAX];
	struct file_id seen;	/* the file last applied, or last refused */
	bool have_seen;
};

static bool same_file_id(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static int file_id_of(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*id = (struct file_id){ st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim };
	return 0;
}

static void dir_of(const char *path, char *dir)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(copy));
}

static void unwatch(struct watcher *w, int i)
{
	if (w->wd[i] >= 0)
		inotify_rm_watch(w->inotify_fd, w->wd[i]);
	w->wd[i] = -1;
	w->dirs[i][0] = '\0';
}

/*
 * (Re)point the watches at the directories the path involves now; after a
 * symlink swap the resolved one is new. A directory that cannot be
 * watched is only a warning while the other one is.
 */
static int arm_watches(struct watcher *w)
{
	char want[N_DIRS][PATH_MAX], resolved[PATH_MAX];
	int i, armed = 0;

	dir_of(w->path, want[DIR_GIVEN]);
	want[DIR_RESOLVED][0] = '\0';
	if (realpath(w->path, resolved))
		dir_of(resolved, want[DIR_RESOLVED]);
	if (!strcmp(want[DIR_RESOLVED], want[DIR_GIVEN]))
		want[DIR_RESOLVED][0] = '\0';	/* one watch: inotify shares wds */
	for (i = 0; i < N_DIRS; i++) {
		if (strcmp(want[i], w->dirs[i]))
			unwatch(w, i);
		if (!want[i][0])
			continue;
		if (w->wd[i] < 0) {
			w->wd[i] = inotify_add_watch(w->inotify_fd, want[i], WATCH_MASK);
			if (w->wd[i] < 0) {
				pr_warn("%s: cannot watch %s: %s\n", w->ifname, want[i],
					strerror(errno));
				continue;
			}
			strcpy(w->dirs[i], want[i]);	/* both PATH_MAX */
		}
		armed++;
	}
	return armed ? 0 : -ENOENT;
}

/*
 * Apply the file unless it is the one last applied or refused. A file
 * that fails is reported in one line; the rules in force stay.
 */
static int apply_if_changed(struct watcher *w, bool first, char *err, size_t errlen)
{
	struct file_id now;
	int ret;

	ret = file_id_of(w->path, &now);
	if (ret) {
		vfw_set_err(err, errlen, "%s: %s", w->path, strerror(-ret));
		goto refused;
	}
	if (w->have_seen && same_file_id(&now, &w->seen)) {
		pr_debug("%s: %s unchanged\n", w->ifname, w->path);
		return 0;
	}
	/* Taken before the apply: a change during it differs from `now`. */
	w->seen = now;
	w->have_seen = true;
	ret = vfw_apply(w->ifname, w->path, err, errlen);
	if (!ret)
		return 0;
refused:
	if (!first)
		pr_warn("vaultfw: apply: %s (the rules in force stay)\n", err);
	return first ? ret ?: -EIO : 0;
}

/* Drain the inotify queue; a watched directory that went is unwatched. */
static int drain_events(struct watcher *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t len;
	int i;

	for (;;) {
		len = read(w->inotify_fd, buf, sizeof(buf));
		if (len < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (ev = (void *)buf; (char *)ev < buf + len;
		     ev = (void *)((char *)ev + sizeof(*ev) + ev->len)) {
			if (!(ev->mask & IN_IGNORED))
				continue;
			for (i = 0; i < N_DIRS; i++)
				if (w->wd[i] == ev->wd) {
					w->wd[i] = -1;
					w->dirs[i][0] = '\0';
				}
		}
	}
}

/* Wait for events, then for DEBOUNCE_MS without any. Returns 1 on a stop
 * signal, 0 when the file should be looked at, or a negative errno. */
static int wait_for_change(struct watcher *w)
{
	int timeout = -1, ret;
	bool ready;

	for (;;) {
		ret = vfw_signals_wait(&w->sig, w->inotify_fd, timeout, &ready);
		if (ret)
			return ret > 0 ? 1 : ret;
		if (!ready)
			return 0;	/* quiet for DEBOUNCE_MS */
		ret = drain_events(w);
		if (ret)
			return ret;
		timeout = DEBOUNCE_MS;
	}
}

static int watch_loop(struct watcher *w, char *err, size_t errlen)
{
	int ret;

	ret = apply_if_changed(w, true, err, errlen);
	if (ret)
		return ret;
	ret = arm_watches(w);
	if (ret) {
		vfw_set_err(err, errlen, "cannot watch the directory of %s", w->path);
		return ret;
	}
	pr_info("%s: watching %s for changes\n", w->ifname, w->path);
	while (!(ret = wait_for_change(w))) {
		/* Re-armed first, so a change while applying is not missed. */
		if (arm_watches(w))
			pr_warn("%s: the directory of %s is gone; waiting for it\n", w->ifname,
				w->path);
		apply_if_changed(w, false, err, errlen);
	}
	if (ret < 0) {
		vfw_set_err(err, errlen, "waiting for changes of %s: %s", w->path, strerror(-ret));
		return ret;
	}
	pr_info("%s: stopped watching %s; the rules in force stay\n", w->ifname, w->path);
	return 0;
}

int vfw_apply_watch(const char *ifname, const char *rules_path, char *err, size_t errlen)
{
	struct watcher w = {
		.ifname = ifname, .path = rules_path, .inotify_fd = -1, .wd = { -1, -1 },
	};
	int ret;

	ret = vfw_signals_open(&w.sig, false);
	if (!ret) {
		w.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		ret = w.inotify_fd < 0 ? -errno : 0;
	}
	if (ret) {
		vfw_set_err(err, errlen, "cannot set up the watch: %s", strerror(-ret));
		goto cleanup;
	}
	ret = watch_loop(&w, err, errlen);
cleanup:
	if (w.inotify_fd >= 0)
		close(w.inotify_fd);	/* drops the watches */
	vfw_signals_close(&w.sig);
	return ret;
}
