// SPDX-License-Identifier: GPL-2.0
/* StrictModes for rules files: see perms.h. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "perms.h"

#define FLAG_HINT	"or pass --allow-unsafe-permissions"

/* One component: what it is and why it is refused, or 0. */
static int check_stat(const char *path, const struct stat *st, char *err, size_t errlen)
{
	const char *kind = S_ISDIR(st->st_mode) ? "directory " :
			   S_ISLNK(st->st_mode) ? "symlink " : "";
	unsigned int mode = st->st_mode & 07777;

	if (st->st_uid != 0) {
		vfw_set_err(err, errlen, "unsafe permissions: %s%s (mode %04o) is owned by uid %u, "
			    "not root; refusing it (chown root, " FLAG_HINT ")", kind, path, mode,
			    (unsigned int)st->st_uid);
		return -EPERM;
	}
	/* A symlink's own mode means nothing; a sticky directory lets no one
	 * else remove or rename what root owns in it. */
	if (S_ISLNK(st->st_mode) || (S_ISDIR(st->st_mode) && (mode & S_ISVTX)))
		return 0;
	if (mode & (S_IWGRP | S_IWOTH)) {
		vfw_set_err(err, errlen, "unsafe permissions: %s%s (mode %04o) is writable by %s; "
			    "refusing it (chmod go-w, " FLAG_HINT ")", kind, path, mode,
			    mode & S_IWOTH ? "everyone" : "its group");
		return -EPERM;
	}
	return 0;
}

/*
 * Every prefix of the absolute path abs, from "/" down to abs itself,
 * looked at with lstat (the path as given: a symlink on it is judged as a
 * symlink, what it points to by the resolved walk). 1 when a component
 * does not exist: the loader reports that.
 */
static int check_prefixes(const char *abs, char *err, size_t errlen)
{
	char prefix[PATH_MAX];
	struct stat st;
	size_t i, len = strlen(abs);
	int ret;

	if (len >= sizeof(prefix))
		return 1;
	for (i = 0; i <= len; i++) {
		if (i < len && abs[i] != '/')
			continue;
		if (i > 0 && abs[i - 1] == '/')
			continue;	/* "//" or a final '/': the same directory again */
		memcpy(prefix, abs, i ?: 1);	/* the first is "/" */
		prefix[i ?: 1] = '\0';
		if (lstat(prefix, &st))
			return 1;
		ret = check_stat(prefix, &st, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int vfw_check_rules_perms(const char *path, char *err, size_t errlen)
{
	char given[PATH_MAX], resolved[PATH_MAX], cwd[PATH_MAX];
	int ret;

	if (!realpath(path, resolved))
		return 0;
	if (path[0] == '/') {
		snprintf(given, sizeof(given), "%s", path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(given, sizeof(given), "%s/%s", cwd, path) >= (int)sizeof(given))
			return 0;
	}
	/* Top down on the path as given: the outermost fault is named. */
	ret = check_prefixes(given, err, errlen);
	if (ret < 0)
		return ret;
	ret = strcmp(given, resolved) ? check_prefixes(resolved, err, errlen) : 0;
	return ret < 0 ? ret : 0;
}

int vfw_check_rules_perms_unless(const char *path, bool allow, char *err, size_t errlen)
{
	if (allow || geteuid() != 0)
		return 0;
	return vfw_check_rules_perms(path, err, errlen);
}
