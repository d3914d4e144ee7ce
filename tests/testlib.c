// SPDX-License-Identifier: GPL-2.0
/*
 * The functions of the test harness declared in tests/testlib.h; the
 * ASSERT_* macros stay in the header, since they report the caller's line.
 */
#include "testlib.h"

void test_report(struct test_totals *t, const char *name, bool ok)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
	fflush(stdout);
	if (ok)
		t->passed++;
	else
		t->failed++;
}

int test_exit(const struct test_totals *t)
{
	return t->failed ? 1 : 0;
}
