// SPDX-License-Identifier: GPL-2.0
/*
 * The functions of the test harness declared in tests/testlib.h: reports,
 * and the case filter every suite takes on its command line. The ASSERT_*
 * macros stay in the header, since they report the caller's line.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <unistd.h>

#include "testlib.h"

#define TEST_MAX_GLOBS	16

static struct {
	const char *suite;		/* for messages: the binary's name */
	const char *globs[TEST_MAX_GLOBS];
	int n_globs;
	bool list;
	FILE *names;			/* where -l lists: stdout as it was */
	unsigned int started;		/* cases the filter let run */
} filter;

static void usage(FILE *out)
{
	fprintf(out, "usage: %s [-t GLOB]... [-l]\n"
		"  -t GLOB  run only the cases whose name matches GLOB (fnmatch(3));\n"
		"           -t '*word*' matches part of a name\n"
		"  -l       list the cases' names instead of running them\n", filter.suite);
}

/*
 * Under -l the suite still goes through its cases to name them (names can
 * depend on setup), and its own output would mix with the list: stdout
 * goes to /dev/null, the names to the stdout the caller gave.
 */
static void list_to_stdout_only(void)
{
	int fd = dup(STDOUT_FILENO);

	filter.names = fd < 0 ? NULL : fdopen(fd, "w");
	if (!filter.names || !freopen("/dev/null", "w", stdout)) {
		perror(filter.suite);
		exit(2);
	}
}

void test_init(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	int opt;

	filter.suite = slash ? slash + 1 : argv[0];
	while ((opt = getopt(argc, argv, "t:lh")) != -1) {
		switch (opt) {
		case 't':
			if (filter.n_globs == TEST_MAX_GLOBS) {
				fprintf(stderr, "%s: at most %d -t\n", filter.suite,
					TEST_MAX_GLOBS);
				exit(2);
			}
			filter.globs[filter.n_globs++] = optarg;
			break;
		case 'l':
			filter.list = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		usage(stderr);
		exit(2);
	}
	if (filter.list)
		list_to_stdout_only();
}

static bool test_selected(const char *name)
{
	int i;

	if (!filter.n_globs)
		return true;
	for (i = 0; i < filter.n_globs; i++)
		if (!fnmatch(filter.globs[i], name, 0))
			return true;
	return false;
}

bool test_start(const char *name)
{
	if (!test_selected(name))
		return false;
	if (filter.list) {
		fprintf(filter.names, "%s\n", name);
		fflush(filter.names);
		return false;
	}
	filter.started++;
	return true;
}

bool test_wanted(const char *name)
{
	return !filter.list && test_selected(name);
}

bool test_any_wanted(const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (test_wanted(names[i]))
			return true;
	return false;
}

void test_report(struct test_totals *t, const char *name, bool ok)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
	fflush(stdout);
	if (ok)
		t->passed++;
	else
		t->failed++;
}

void test_report_setup(struct test_totals *t, const char *name, bool ok)
{
	if (test_start(name) || !ok)
		test_report(t, name, ok);
}

int test_exit(const struct test_totals *t)
{
	if (filter.n_globs && !filter.list && !filter.started)
		fprintf(stderr, "%s: no case matches the -t pattern; -l lists them\n",
			filter.suite);
	return t->failed ? 1 : 0;
}
