// SPDX-License-Identifier: GPL-2.0
/* Figures over rounds: each is reported as its median and its range. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct spread spread_of(const double *v, size_t n)
{
	double sorted[MAX_ROUNDS];
	struct spread s;

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s.min = sorted[0];
	s.max = sorted[n - 1];
	s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return s;
}

json_t *spread_json(const double *v, unsigned int n)
{
	struct spread s = spread_of(v, n);

	return json_pack("{s:f,s:f,s:f}", "median", s.median, "min", s.min, "max", s.max);
}
