/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test harness in the style of the kernel selftests: ASSERT_* are
 * expressions that print what differed and evaluate to a bool, so a test
 * can stop early with `if (!ASSERT_EQ(...)) return false;`. Every test case
 * prints exactly one "PASS: name" or "FAIL: name" line; tests/run.sh counts
 * those lines across all suites.
 *
 * Every suite takes the same command line (test_init()):
 *
 *   SUITE [-t GLOB]... [-l]
 *
 * -t runs only the cases whose whole name, as printed after "PASS: ", matches
 *    GLOB, a shell wildcard pattern (fnmatch(3), no flags: '*' matches '/'
 *    too); -t '*vxlan*' matches part of a name. Given more than once, a case
 *    runs when it matches any. A case that later ones build on runs anyway,
 *    silently unless it fails (test_report_setup()).
 * -l lists the names of the cases (those -t selects) instead of running them.
 */
#ifndef VFW_TESTLIB_H
#define VFW_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define ASSERT_TRUE(cond, what) ({					\
	bool ___ok = (cond);						\
	if (!___ok)							\
		fprintf(stderr, "  %s:%d: %s: expected true: %s\n",	\
			__FILE__, __LINE__, (what), #cond);		\
	___ok; })

#define ASSERT_EQ(actual, expected, what) ({				\
	long long ___a = (long long)(actual), ___e = (long long)(expected); \
	bool ___ok = ___a == ___e;					\
	if (!___ok)							\
		fprintf(stderr, "  %s:%d: %s: got %lld, want %lld\n",	\
			__FILE__, __LINE__, (what), ___a, ___e);	\
	___ok; })

#define ASSERT_STR_CONTAINS(haystack, needle, what) ({			\
	const char *___h = (haystack), *___n = (needle);		\
	bool ___ok = ___h && strstr(___h, ___n);			\
	if (!___ok)							\
		fprintf(stderr, "  %s:%d: %s: \"%s\" lacks \"%s\"\n",	\
			__FILE__, __LINE__, (what), ___h ? ___h : "(null)", ___n); \
	___ok; })

struct test_totals {
	int passed;
	int failed;
};

/* Reads -t and -l (see above) from main's arguments; exits on a bad one. */
void test_init(int argc, char **argv);

/*
 * The case NAME is next: true when it is to run. Under -l it lists NAME
 * (when -t selects it) and returns false, so that nothing runs.
 */
bool test_start(const char *name);

/* Whether NAME would run, without starting it: for work cases share. */
bool test_wanted(const char *name);
bool test_any_wanted(const char *const *names, size_t n);

/* Prints the case's one "PASS: name" or "FAIL: name" line and counts it. */
void test_report(struct test_totals *t, const char *name, bool ok);

/* Runs EXPR as the case NAME and reports it, only when the filter selects
 * NAME: EXPR is not evaluated otherwise. */
#define TEST_CASE(totals, name, expr) do {				\
	const char *___name = (name);					\
	if (test_start(___name))					\
		test_report((totals), ___name, (expr));			\
} while (0)

/*
 * A case that later cases need, which the caller ran whatever the filter:
 * reported when the filter selects it, and always when it failed, since a
 * later case cannot pass for the right reason then.
 */
void test_report_setup(struct test_totals *t, const char *name, bool ok);

/* Exit status of a suite: non-zero when anything failed. Notes on stderr
 * when -t selected no case, as a mistyped pattern would. */
int test_exit(const struct test_totals *t);

#endif
