// SPDX-License-Identifier: GPL-2.0
/*
 * apply --watch: README "Fleet reload", docs/service.md. Each change is an
 * ordinary apply (vfw_apply: lock, validate, install into the inactive
 * slot, flip), so a reload is exactly as atomic and fails exactly as
 * closed as a manual one.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "log.h"
#include "notify.h"
#include "perms.h"
#include "iface.h"
#include "pins.h"
#include "rules.h"
#include "ruleset.h"
#include "signals.h"
#include "txn.h"
#include "watch_apply.h"

/*
 * Quiet time after the last event before the file is read: an editor's
 * write-and-rename, or a ConfigMap's new directory and symlink swap, is a
 * burst of events that ends in one complete file.
 */
#define DEBOUNCE_MS	200
#define ERR_MAX		1024
#define STATUS_MAX	(ERR_MAX + PATH_MAX)

/* Every way a file is replaced in a directory, and the directory going.
 * One mask for every watch: inotify shares a watch between two paths of
 * one directory, and a second add would replace the first's mask. */
#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | \
			 IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

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
 * that is swapped, while a plain file is rewritten where it is. While the
 * given directory does not exist, its nearest existing ancestor is
 * watched instead, so that its coming back (mkdir, a rename into place)
 * wakes the watcher, which then watches it again.
 */
enum { DIR_GIVEN, DIR_RESOLVED, DIR_ANCESTOR, DIR_TAGS, N_DIRS };

struct dir_watch {
	int wd;			/* -1: none */
	char dir[PATH_MAX];
	dev_t dev;		/* the directory watched: another one at */
	ino_t ino;		/* the same path is watched anew */
};

struct watcher {
	const char *ifname;
	const char *path;
	bool allow_unsafe;	/* --allow-unsafe-permissions */
	int inotify_fd;
	struct vfw_signals sig;
	struct dir_watch watch[N_DIRS];
	bool dir_gone;		/* the given directory is gone (warned once) */
	bool missing;		/* the file was missing last time (warned once) */
	bool unsafe;		/* ... or refused for its permissions (perms.h) */
	struct file_id seen;	/* the file last applied, or last refused */
	bool have_seen;
	/* The host.serviceTagsFile the rules name ("": none): a new week's
	 * tags are a change of the rules too (docs/operations.md). */
	char tags_path[PATH_MAX];
	struct file_id tags_seen;
	char status[STATUS_MAX];	/* the service manager's STATUS= */
};

/* Why a file is applied: the first time, after a change, or on SIGHUP
 * (read again even when it looks the same). */
enum apply_why { APPLY_FIRST, APPLY_CHANGE, APPLY_RELOAD };

/* What a wait ends with. */
enum { WAIT_CHANGE, WAIT_STOP, WAIT_RELOAD };

static bool same_file_id(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static struct file_id file_id_from(const struct stat *st)
{
	return (struct file_id){ st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim };
}

static int file_id_of(const char *path, struct file_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*id = file_id_from(&st);
	return 0;
}

static void dir_of(const char *path, char *dir)
{
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, PATH_MAX, "%s", dirname(copy));
}

/* Drop slot i's watch; inotify's watch itself only when no other slot
 * shares it (two paths of one directory get one watch descriptor). */
static void unwatch(struct watcher *w, int i)
{
	int j;
	bool shared = false;

	for (j = 0; j < N_DIRS; j++)
		shared |= j != i && w->watch[j].wd == w->watch[i].wd;
	if (w->watch[i].wd >= 0 && !shared)
		inotify_rm_watch(w->inotify_fd, w->watch[i].wd);
	w->watch[i].wd = -1;
	w->watch[i].dir[0] = '\0';
}

/* Point slot i at directory `want` ("": none), unless it watches that
 * very directory already. */
static void arm_one(struct watcher *w, int i, const char *want)
{
	struct dir_watch *dw = &w->watch[i];
	struct stat st;
	bool exists = want[0] && !stat(want, &st) && S_ISDIR(st.st_mode);

	if (dw->wd >= 0 && (strcmp(want, dw->dir) || !exists || st.st_dev != dw->dev ||
			    st.st_ino != dw->ino))
		unwatch(w, i);
	if (!exists || dw->wd >= 0)
		return;
	dw->wd = inotify_add_watch(w->inotify_fd, want, WATCH_MASK);
	if (dw->wd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			pr_warn("%s: cannot watch %s: %s\n", w->ifname, want, strerror(errno));
		return;
	}
	snprintf(dw->dir, sizeof(dw->dir), "%s", want);
	dw->dev = st.st_dev;
	dw->ino = st.st_ino;
}

/* The nearest existing directory above `dir`. */
static void existing_ancestor(const char *dir, char *out)
{
	char cur[PATH_MAX];
	struct stat st;

	snprintf(cur, sizeof(cur), "%s", dir);
	do {
		dir_of(cur, out);
		if (!stat(out, &st) && S_ISDIR(st.st_mode))
			return;
		snprintf(cur, sizeof(cur), "%s", out);
	} while (strcmp(cur, "/") && strcmp(cur, "."));
	out[0] = '\0';
}

/*
 * (Re)point the watches at the directories the path involves now; after a
 * symlink swap the resolved one is new, after a directory is removed and
 * made again it is another directory. -ENOENT while neither the given nor
 * the resolved directory can be watched (an ancestor is, then).
 */
static int arm_watches(struct watcher *w)
{
	char want[N_DIRS][PATH_MAX], resolved[PATH_MAX];

	dir_of(w->path, want[DIR_GIVEN]);
	want[DIR_RESOLVED][0] = '\0';
	if (realpath(w->path, resolved))
		dir_of(resolved, want[DIR_RESOLVED]);
	if (!strcmp(want[DIR_RESOLVED], want[DIR_GIVEN]))
		want[DIR_RESOLVED][0] = '\0';	/* one watch */
	arm_one(w, DIR_GIVEN, want[DIR_GIVEN]);
	arm_one(w, DIR_RESOLVED, want[DIR_RESOLVED]);
	want[DIR_ANCESTOR][0] = '\0';
	if (w->watch[DIR_GIVEN].wd < 0)
		existing_ancestor(want[DIR_GIVEN], want[DIR_ANCESTOR]);
	arm_one(w, DIR_ANCESTOR, want[DIR_ANCESTOR]);
	want[DIR_TAGS][0] = '\0';
	if (w->tags_path[0])
		dir_of(w->tags_path, want[DIR_TAGS]);
	arm_one(w, DIR_TAGS, want[DIR_TAGS]);
	return w->watch[DIR_GIVEN].wd >= 0 || w->watch[DIR_RESOLVED].wd >= 0 ? 0 : -ENOENT;
}

static int read_generation(const char *ifname, const struct vfw_maps *maps,
			   const char *pin_dir, void *ctx, char *err, size_t errlen)
{
	struct vfw_config cfg;
	int ret = vfw_read_live_config(maps, &cfg);

	(void)pin_dir;
	if (ret < 0)
		return vfw_set_err(err, errlen, "%s: cannot read the live config: %s", ifname,
				   strerror(-ret));
	*(unsigned long long *)ctx = cfg.generation;
	return 0;
}

/* STATUS= after an apply: the file and the generation it made live. */
static void set_applied_status(struct watcher *w)
{
	unsigned long long generation;
	char err[ERR_MAX];

	if (vfw_with_pinned_maps(w->ifname, VFW_PINS_READ, read_generation, &generation, err,
				 sizeof(err)))
		snprintf(w->status, sizeof(w->status), "applied %s", w->path);
	else
		snprintf(w->status, sizeof(w->status), "applied %s: generation %llu", w->path,
			 generation);
}

/* An error as one STATUS= line. */
static void set_error_status(struct watcher *w, const char *err, const char *tail)
{
	char *c;

	snprintf(w->status, sizeof(w->status), "%s%s", err, tail);
	for (c = w->status; *c; c++)
		if (*c == '\n')
			*c = ' ';
}

/* The service tags file the rules file named when the apply read it, and
 * its identity as found just before: a change since then is a change. */
static void note_tags_file(struct watcher *w, const struct vfw_applied *applied)
{
	snprintf(w->tags_path, sizeof(w->tags_path), "%s", applied->service_tags_file);
	if (w->tags_path[0])
		w->tags_seen = file_id_from(&applied->service_tags_st);
}

static bool tags_unchanged(const struct watcher *w)
{
	struct file_id now = {};

	if (!w->tags_path[0])
		return true;
	file_id_of(w->tags_path, &now);
	return same_file_id(&now, &w->tags_seen);
}

/*
 * Apply the file, unless it is the one last applied or refused (SIGHUP
 * applies it anyway). A file that fails after the first is reported in one
 * line and the rules in force stay; the first one's failure is returned.
 */
static int apply_file(struct watcher *w, enum apply_why why, char *err, size_t errlen)
{
	struct vfw_applied applied;
	struct file_id now;
	int ret;

	ret = file_id_of(w->path, &now);
	if (ret) {
		vfw_set_err(err, errlen, "%s: %s", w->path, strerror(-ret));
		if (why == APPLY_CHANGE && w->missing)
			return 0;	/* said already */
		w->missing = true;
		goto refused;
	}
	w->missing = false;
	if (why == APPLY_CHANGE && w->have_seen && same_file_id(&now, &w->seen) &&
	    tags_unchanged(w)) {
		/* A directory made safe changes nothing of the file: a file
		 * refused for its permissions is looked at again, quietly. */
		if (!w->unsafe ||
		    vfw_check_rules_perms_unless(w->path, w->allow_unsafe, err, errlen)) {
			pr_debug("%s: %s unchanged\n", w->ifname, w->path);
			return 0;
		}
	}
	/* Taken before the apply: a change during it differs from `now`. */
	w->seen = now;
	w->have_seen = true;
	if (why != APPLY_FIRST)
		vfw_notify("RELOADING=1\nSTATUS=applying %s", w->path);
	ret = vfw_check_rules_perms_unless(w->path, w->allow_unsafe, err, errlen);
	w->unsafe = ret != 0;
	applied.service_tags_file[0] = '\0';
	if (!ret)
		ret = vfw_apply(w->ifname, w->path, &applied, err, errlen);
	note_tags_file(w, &applied);
	if (!ret) {
		set_applied_status(w);
		if (why != APPLY_FIRST)
			vfw_notify("READY=1\nSTATUS=%s", w->status);
		return 0;
	}
refused:
	if (why == APPLY_FIRST) {
		set_error_status(w, err, "");
		vfw_notify("STATUS=%s", w->status);
		return ret ?: -EIO;
	}
	pr_warn("vaultfw: apply: %s (the rules in force stay)\n", err);
	set_error_status(w, err, " (the rules in force stay)");
	vfw_notify("READY=1\nSTATUS=%s", w->status);
	return 0;
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
				if (w->watch[i].wd == ev->wd) {
					w->watch[i].wd = -1;
					w->watch[i].dir[0] = '\0';
				}
		}
	}
}

/* Wait for events, then for DEBOUNCE_MS without any; or for a signal. */
static int wait_for_change(struct watcher *w)
{
	int timeout = -1, ret;
	bool ready;

	for (;;) {
		ret = vfw_signals_wait(&w->sig, w->inotify_fd, timeout, &ready);
		if (ret == SIGHUP)
			return WAIT_RELOAD;
		if (ret)
			return ret > 0 ? WAIT_STOP : ret;
		if (!ready)
			return WAIT_CHANGE;	/* quiet for DEBOUNCE_MS */
		ret = drain_events(w);
		if (ret)
			return ret;
		timeout = DEBOUNCE_MS;
	}
}

/* Re-arm after events; say once that the directory went, and came back. */
static void rearm(struct watcher *w)
{
	bool gone = arm_watches(w) != 0;

	if (gone && !w->dir_gone)
		pr_warn("%s: the directory of %s is gone; waiting for it\n", w->ifname, w->path);
	else if (!gone && w->dir_gone)
		pr_info("%s: the directory of %s is back; watching it again\n", w->ifname,
			w->path);
	w->dir_gone = gone;
}

static int watch_loop(struct watcher *w, char *err, size_t errlen)
{
	int ret;

	ret = apply_file(w, APPLY_FIRST, err, errlen);
	if (ret)
		return ret;
	ret = arm_watches(w);
	if (ret) {
		vfw_set_err(err, errlen, "cannot watch the directory of %s", w->path);
		vfw_notify("STATUS=%s", err);
		return ret;
	}
	pr_info("%s: watching %s for changes\n", w->ifname, w->path);
	/* Ready once the first rules are live and a change would be seen. */
	vfw_notify("READY=1\nSTATUS=%s", w->status);
	while ((ret = wait_for_change(w)) == WAIT_CHANGE || ret == WAIT_RELOAD) {
		if (ret == WAIT_RELOAD)
			pr_info("%s: SIGHUP: applying %s again\n", w->ifname, w->path);
		/* Re-armed first, so a change while applying is not missed. */
		rearm(w);
		apply_file(w, ret == WAIT_RELOAD ? APPLY_RELOAD : APPLY_CHANGE, err, errlen);
	}
	if (ret < 0) {
		vfw_set_err(err, errlen, "waiting for changes of %s: %s", w->path, strerror(-ret));
		vfw_notify("STATUS=%s", err);
		return ret;
	}
	vfw_notify("STOPPING=1\nSTATUS=stopped; the rules in force stay");
	pr_info("%s: stopped watching %s; the rules in force stay\n", w->ifname, w->path);
	return 0;
}

int vfw_apply_watch(const char *ifname, const char *rules_path, bool allow_unsafe_perms,
		    char *err, size_t errlen)
{
	struct watcher w = {
		.ifname = ifname, .path = rules_path, .allow_unsafe = allow_unsafe_perms,
		.inotify_fd = -1, .watch = { { .wd = -1 }, { .wd = -1 }, { .wd = -1 } },
	};
	int ret;

	/* A service's stdout is a pipe to the journal: each "applied" line
	 * goes out when it is printed, not when a block fills. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = vfw_signals_open(&w.sig, true);
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
