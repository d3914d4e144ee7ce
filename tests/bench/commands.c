// SPDX-License-Identifier: GPL-2.0
/*
 * The commands as the operator runs them (issue 12: "first attach and a
 * full apply at most 250 ms"): the vaultfw binary, timed from spawn to
 * exit, attaching each prefix point's document to a veth of bench.sh's
 * namespace where nothing is attached, applying it again, and detaching.
 * The in-process figures of prefixes.c say where the time goes; these say
 * what it adds up to, parse, serialising and process start included.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "bench.h"
#include "log.h"

extern char **environ;

/* argv run to its end with stdout and stderr on /dev/null: its wall time
 * in ms, or a negative errno when it could not run or did not exit 0. */
static double run_ms(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	double t0, ms;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	t0 = now_ms();
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	ms = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_warn("bench: `%s %s %s` failed (status %d)\n", argv[0], argv[1],
			argv[2], status);
		return -EIO;
	}
	return ms;
}

/* The document in a file only root reads: vaultfw refuses one others may
 * write. path gets its name. */
static int write_document(const char *text, char *path, size_t len)
{
	size_t n = strlen(text);
	int fd;

	snprintf(path, len, "/tmp/vaultfw-bench-rules.XXXXXX");
	fd = mkstemp(path);	/* mode 0600 */
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

static int measure_point(const struct options *o, const char *path, struct command_result *res)
{
	char *vfw = (char *)o->vaultfw, *ifc = (char *)o->command_iface;
	char *attach[] = { vfw, "attach", ifc, (char *)path, NULL };
	char *apply[] = { vfw, "apply", ifc, (char *)path, NULL };
	char *detach[] = { vfw, "detach", ifc, NULL };
	double ms;

	run_ms(detach);		/* nothing may be attached before the first */
	for (unsigned int r = 0; r < o->rounds; r++) {
		ms = res->attach_ms[r] = run_ms(attach);
		if (ms >= 0)
			ms = res->apply_ms[r] = run_ms(apply);
		if (ms >= 0)
			ms = run_ms(detach);
		if (ms < 0)
			return (int)ms;
	}
	return 0;
}

int commands_measure(const struct loaded *l, const struct options *o,
		     struct command_result res[N_PREFIX])
{
	char path[64];
	int err = 0;

	for (size_t i = 0; !err && i < N_PREFIX; i++) {
		err = write_document(prefix_document(l, i), path, sizeof(path));
		if (err) {
			pr_warn("bench: cannot write a rules file: %s\n", strerror(-err));
			break;
		}
		err = measure_point(o, path, &res[i]);
		unlink(path);
		fprintf(stderr, "bench: commands at %zu prefixes timed\n",
			prefix_points[i].n_prefixes);
	}
	return err;
}

void commands_print(const struct command_result res[N_PREFIX], const struct options *o)
{
	printf("\nCommands: the vaultfw binary on a veth, spawn to exit, ms, median of %u "
	       "(min..max); attach onto an interface without vaultfw\n", o->rounds);
	printf("%-18s %26s %26s\n", "prefixes", "attach", "apply");
	for (size_t i = 0; i < N_PREFIX; i++) {
		struct spread at = spread_of(res[i].attach_ms, o->rounds);
		struct spread ap = spread_of(res[i].apply_ms, o->rounds);
		char label[32];

		prefix_point_label(label, sizeof(label), &prefix_points[i]);
		printf("%-18s %8.1f (%6.1f..%6.1f) %8.1f (%6.1f..%6.1f)\n", label,
		       at.median, at.min, at.max, ap.median, ap.min, ap.max);
	}
}

json_t *commands_json(const struct command_result res[N_PREFIX], const struct options *o)
{
	json_t *points = json_array();

	for (size_t i = 0; i < N_PREFIX; i++)
		json_array_append_new(points, json_pack("{s:I,s:I,s:I,s:o,s:o}",
			"prefixes", (json_int_t)prefix_points[i].n_prefixes,
			"ip_rules", (json_int_t)prefix_points[i].n_ip,
			"subnet_rules", (json_int_t)prefix_points[i].n_subnets,
			"attach_ms", spread_json(res[i].attach_ms, o->rounds),
			"apply_ms", spread_json(res[i].apply_ms, o->rounds)));
	return points;
}
