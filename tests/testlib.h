/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test harness in the style of the kernel selftests: ASSERT_* are
 * expressions that print what differed and evaluate to a bool, so a test
 * can stop early with `if (!ASSERT_EQ(...)) return false;`. Every test case
 * prints exactly one "PASS: name" or "FAIL: name" line; tests/run.sh counts
 * those lines across all suites.
 */
#ifndef VFW_TESTLIB_H
#define VFW_TESTLIB_H

#include <stdbool.h>
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

/* Prints the case's one "PASS: name" or "FAIL: name" line and counts it. */
void test_report(struct test_totals *t, const char *name, bool ok);

/* Exit status of a suite: non-zero when anything failed. */
int test_exit(const struct test_totals *t);

#endif
