// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "iface.h"
#include "pins.h"
#include "signals.h"
#include "stats.h"
#include "log.h"
#include "prom.h"
#include "stats.h"
#include "watch.h"

#define NSEC_PER_SEC		1000000000LL
#define INTERVAL_DEFAULT	"1"
#define INTERVAL_MIN		0.1
#define INTERVAL_MAX		3600.0
#define CLEAR_SCREEN		"\033[H\033[2J"
#define HEADER_LINES		3	/* title, blank line, column names */
#define RATE_MAX		16	/* "999.9 Mbit/s" */

enum stats_format {
	FORMAT_TABLE,
	FORMAT_JSON,
	FORMAT_PROMETHEUS,
};

static const char *const format_names[] = {
	[FORMAT_TABLE] = "table",
	[FORMAT_JSON] = "json",
	[FORMAT_PROMETHEUS] = "prometheus",
};

struct stats_plan {
	enum stats_format format;
	struct timespec interval;
	double interval_s;
};

/* One line of the watch table: a reason or a rule. */
struct watch_row {
	const char *kind;	/* "reason" or the rule kind */
	const char *verdict;	/* pass, drop, or audit (counted beside a verdict) */
	const char *name;
	struct vfw_counter total;
	double pps;
	double bps;		/* bits per second */
};


static int parse_format(const char *name, enum stats_format *format)
{
	size_t i;

	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*format = i;
			return 0;
		}
	return -EINVAL;
}

static int parse_interval(const char *text, struct stats_plan *plan, char *err, size_t errlen)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(text, &end);
	if (!*text || *end || errno || !(s >= INTERVAL_MIN && s <= INTERVAL_MAX))
		return vfw_set_err(err, errlen, "--interval: '%s' is not a number of seconds "
				 "from %.1f to %.0f", text, INTERVAL_MIN, INTERVAL_MAX);
	plan->interval_s = s;
	plan->interval.tv_sec = (time_t)s;
	plan->interval.tv_nsec = (long)((s - plan->interval.tv_sec) * NSEC_PER_SEC);
	return 0;
}

static int plan_stats(const struct vfw_stats_request *req, struct stats_plan *plan,
		      char *err, size_t errlen)
{
	plan->format = req->json ? FORMAT_JSON : FORMAT_TABLE;
	if (req->format && parse_format(req->format, &plan->format))
		return vfw_set_err(err, errlen, "--format: '%s' is not table, json or prometheus",
				 req->format);
	if (req->json && plan->format != FORMAT_JSON)
		return vfw_set_err(err, errlen, "--json and --format %s exclude each other",
				 req->format);
	if (req->output && plan->format != FORMAT_PROMETHEUS)
		return vfw_set_err(err, errlen, "--output needs --format prometheus");
	if (req->watch && plan->format == FORMAT_JSON)
		return vfw_set_err(err, errlen, "--watch shows a table or rewrites a prometheus file, "
				 "not JSON");
	if (req->interval && !req->watch)
		return vfw_set_err(err, errlen, "--interval needs --watch");
	return parse_interval(req->interval ?: INTERVAL_DEFAULT, plan, err, errlen);
}

static int read_snapshot(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			 void *ctx, char *err, size_t errlen)
{
	int ret = vfw_stats_read(maps, ctx);

	(void)pin_dir;
	if (ret)
		vfw_set_err(err, errlen, "cannot read the counters of %s: %s", ifname, strerror(-ret));
	return ret;
}

/* Under the interface lock only while reading: an apply may run between
 * two refreshes. */
static int snapshot(const char *ifname, struct vfw_stats *stats, char *err, size_t errlen)
{
	return vfw_with_pinned_maps(ifname, VFW_PINS_READ, read_snapshot, stats, err, errlen);
}

static int export_prometheus(const char *ifname, const char *output, char *err, size_t errlen)
{
	struct vfw_stats stats = {};
	int ret;

	ret = snapshot(ifname, &stats, err, errlen);
	if (ret)
		return ret;
	ret = vfw_prom_export(output, ifname, &stats);
	if (ret)
		vfw_set_err(err, errlen, "cannot write %s: %s", output ?: "stdout", strerror(-ret));
	vfw_stats_free(&stats);
	return ret;
}

static int cmp_rule_id(const void *key, const void *elem)
{
	__u32 id = *(const __u32 *)key;
	const struct vfw_rule_stat *rs = elem;

	return id < rs->id ? -1 : id > rs->id;
}

/* The same rule in the previous snapshot: same id, kind and name (an id
 * freed by an apply and given to a new rule starts over). */
static const struct vfw_counter *previous_total(const struct vfw_stats *prev,
						const struct vfw_rule_stat *rs)
{
	const struct vfw_rule_stat *old;

	old = bsearch(&rs->id, prev->rules, prev->n_rules, sizeof(*prev->rules), cmp_rule_id);
	if (!old || old->meta.kind != rs->meta.kind || strcmp(old->meta.name, rs->meta.name))
		return NULL;
	return &old->total;
}

static void set_row(struct watch_row *row, const char *kind, const char *verdict,
		    const char *name, const struct vfw_counter *now,
		    const struct vfw_counter *before, double elapsed)
{
	static const struct vfw_counter zero;

	if (!before || before->packets > now->packets)
		before = &zero;
	row->kind = kind;
	row->verdict = verdict;
	row->name = name;
	row->total = *now;
	row->pps = (now->packets - before->packets) / elapsed;
	row->bps = 8.0 * (now->bytes - before->bytes) / elapsed;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct watch_row *a = pa, *b = pb;

	if (a->pps != b->pps)
		return a->pps < b->pps ? 1 : -1;
	if (a->total.packets != b->total.packets)
		return a->total.packets < b->total.packets ? 1 : -1;
	return 0;
}

/* perimeter-would-deny is counted beside the verdict (SPEC §3 step 3). */
static const char *reason_verdict(unsigned int reason)
{
	return reason == VFW_REASON_PERIMETER_WOULD_DENY ? "audit"
							 : vfw_reason_verdict_name(reason);
}

static struct watch_row *make_rows(const struct vfw_stats *prev, const struct vfw_stats *cur,
				   double elapsed, size_t *n)
{
	struct watch_row *rows = calloc(VFW_REASON_COUNT + cur->n_rules, sizeof(*rows));
	const struct vfw_rule_stat *rs;
	unsigned int reason;
	size_t i;

	if (!rows)
		return NULL;
	for (reason = 0; reason < VFW_REASON_COUNT; reason++)
		set_row(&rows[reason], "reason", reason_verdict(reason), vfw_reason_name(reason),
			&cur->reasons[reason], &prev->reasons[reason], elapsed);
	/* Rules are credited by the reasons that pass only. */
	for (i = 0; i < cur->n_rules; i++) {
		rs = &cur->rules[i];
		set_row(&rows[VFW_REASON_COUNT + i], vfw_rule_kind_name(rs->meta.kind), "pass",
			rs->meta.name, &rs->total, previous_total(prev, rs), elapsed);
	}
	*n = VFW_REASON_COUNT + cur->n_rules;
	qsort(rows, *n, sizeof(*rows), cmp_rows);
	return rows;
}

/* "851.7 pps", "3.4 kpps", "1.2 Mbit/s": one decimal and an SI prefix. */
static void human_rate(double value, const char *unit, char *buf, size_t len)
{
	static const char prefixes[] = "kMGTP";
	int i = -1;

	while (value >= 999.95 && prefixes[i + 1]) {
		value /= 1000;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%.1f %s", value, unit);
	else
		snprintf(buf, len, "%.1f %c%s", value, prefixes[i], unit);
}

/*
 * The terminal the table is redrawn on: lines and columns it may use (the
 * last line stays free, or the screen would scroll the title off). 0: no
 * limit, as when stdout is a file or a pipe, which gets every row.
 */
struct screen {
	bool tty;
	size_t lines;
	size_t columns;
};

static void read_screen(struct screen *scr)
{
	struct winsize ws;

	memset(scr, 0, sizeof(*scr));
	scr->tty = isatty(STDOUT_FILENO);
	if (!scr->tty || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_row)
		return;
	scr->lines = ws.ws_row - 1;
	scr->columns = ws.ws_col;
}

/* One line, cut at the terminal's width rather than wrapped. */
__attribute__((format(printf, 2, 3)))
static void put_line(const struct screen *scr, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (scr->columns && strlen(line) > scr->columns)
		line[scr->columns] = '\0';
	printf("%s\n", line);
}

static void print_header(const struct screen *scr, const char *ifname,
			 const struct vfw_stats *cur, const struct stats_plan *plan)
{
	char when[16];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(when, sizeof(when), "%H:%M:%S", &tm))
		strcpy(when, "?");
	if (scr->tty)
		fputs(CLEAR_SCREEN, stdout);
	put_line(scr, "vaultfw stats %s: live slot %d, every %.1f s, %s (Ctrl-C quits)", ifname,
		 cur->live_slot, plan->interval_s, when);
	put_line(scr, "%s", "");
	put_line(scr, "%-16s %-7s %10s %12s %9s %11s  %s", "KIND", "VERDICT", "PKT/S", "BIT/S",
		 "PACKETS", "BYTES", "NAME");
}

static void print_row(const struct screen *scr, const struct watch_row *row)
{
	char pps[RATE_MAX], bps[RATE_MAX];

	human_rate(row->pps, "pps", pps, sizeof(pps));
	human_rate(row->bps, "bit/s", bps, sizeof(bps));
	put_line(scr, "%-16s %-7s %10s %12s %9llu %11llu  %s", row->kind, row->verdict, pps, bps,
		 (unsigned long long)row->total.packets, (unsigned long long)row->total.bytes,
		 row->name);
}

/* Rows the screen has room for below the header; a last line says how
 * many did not fit. */
static size_t rows_that_fit(const struct screen *scr, size_t n)
{
	size_t room;

	if (!scr->lines)
		return n;
	room = scr->lines > HEADER_LINES ? scr->lines - HEADER_LINES : 0;
	return n <= room ? n : room ? room - 1 : 0;
}

static int print_table(const char *ifname, const struct vfw_stats *prev,
		       const struct vfw_stats *cur, double elapsed,
		       const struct stats_plan *plan)
{
	struct watch_row *rows;
	struct screen scr;
	size_t i, n, shown;

	rows = make_rows(prev, cur, elapsed, &n);
	if (!rows)
		return -ENOMEM;
	read_screen(&scr);
	print_header(&scr, ifname, cur, plan);
	shown = rows_that_fit(&scr, n);
	for (i = 0; i < shown; i++)
		print_row(&scr, &rows[i]);
	if (shown < n && scr.lines > HEADER_LINES)
		put_line(&scr, "... %zu more rows (a taller terminal shows them)", n - shown);
	/* Not a terminal: frames are separated rather than redrawn. */
	if (!scr.tty)
		printf("\n");
	fflush(stdout);
	free(rows);
	return 0;
}

static double seconds_since(const struct timespec *then, struct timespec *now)
{
	clock_gettime(CLOCK_MONOTONIC, now);
	return (now->tv_sec - then->tv_sec) + (now->tv_nsec - then->tv_nsec) / 1e9;
}

static int watch_step(const char *ifname, const struct stats_plan *plan, const char *output,
		      struct vfw_stats *prev, struct timespec *taken, char *err, size_t errlen)
{
	struct vfw_stats cur = {};
	struct timespec now;
	double elapsed;
	int ret;

	if (plan->format == FORMAT_PROMETHEUS)
		return export_prometheus(ifname, output, err, errlen);
	ret = snapshot(ifname, &cur, err, errlen);
	if (ret)
		return ret;
	elapsed = seconds_since(taken, &now);
	ret = print_table(ifname, prev, &cur, elapsed, plan);
	vfw_stats_free(prev);
	*prev = cur;
	*taken = now;
	return ret;
}

static int watch(const char *ifname, const struct stats_plan *plan, const char *output,
		 char *err, size_t errlen)
{
	int interval_ms = plan->interval.tv_sec * 1000 + plan->interval.tv_nsec / 1000000;
	struct vfw_stats prev = {};
	struct vfw_signals sig;
	struct timespec taken;
	int ret;

	ret = vfw_signals_open(&sig, false);
	if (ret) {
		vfw_set_err(err, errlen, "cannot wait for signals: %s", strerror(-ret));
		return ret;
	}
	ret = snapshot(ifname, &prev, err, errlen);
	clock_gettime(CLOCK_MONOTONIC, &taken);
	while (!ret) {
		ret = vfw_signals_wait(&sig, -1, interval_ms, NULL);
		if (ret > 0) {
			ret = 0;	/* stopped */
			break;
		}
		if (!ret)
			ret = watch_step(ifname, plan, output, &prev, &taken, err, errlen);
	}
	vfw_stats_free(&prev);
	vfw_signals_close(&sig);
	return ret;
}

int vfw_stats_run(const char *ifname, const struct vfw_stats_request *req,
		  char *err, size_t errlen)
{
	struct stats_plan plan;
	int ret;

	ret = plan_stats(req, &plan, err, errlen);
	if (ret)
		return ret;
	if (req->watch)
		return watch(ifname, &plan, req->output, err, errlen);
	if (plan.format == FORMAT_PROMETHEUS)
		return export_prometheus(ifname, req->output, err, errlen);
	return vfw_show_stats(ifname, plan.format == FORMAT_JSON, err, errlen);
}
