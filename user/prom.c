// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "prom.h"
#include "version.h"

/* node_exporter may run as another user: the file is world-readable, as
 * the counters are no secret (the rules themselves stay root-only). */
#define PROM_FILE_MODE	0644

enum prom_value {
	PROM_PACKETS,
	PROM_BYTES,
};

/* Which counters a family holds. */
enum prom_source {
	PROM_REASONS,		/* the reason that decided: one per frame */
	PROM_AUDIT,		/* counted beside that reason (SPEC §3 step 3) */
	PROM_RULES,
};

/* Each frame is in one sample of a reasons family, so that summing it
 * counts frames: perimeter-would-deny, counted beside the reason that
 * decides, has a family of its own, as rules have. */
static const struct {
	const char *name;
	const char *help;
	enum prom_value value;
	enum prom_source source;
} families[] = {
	{ "vaultfw_packets_total", "Packets vaultfw counted, by the reason that decided and "
	  "its verdict; each packet once.", PROM_PACKETS, PROM_REASONS },
	{ "vaultfw_bytes_total", "Bytes of the frames vaultfw counted, by the reason that "
	  "decided and its verdict.", PROM_BYTES, PROM_REASONS },
	{ "vaultfw_audit_packets_total", "Packets a Learning or Audit perimeter would have "
	  "denied; each is also in vaultfw_packets_total under the reason that decided.",
	  PROM_PACKETS, PROM_AUDIT },
	{ "vaultfw_audit_bytes_total", "Bytes of the packets a Learning or Audit perimeter "
	  "would have denied.", PROM_BYTES, PROM_AUDIT },
	{ "vaultfw_rule_packets_total", "Packets credited to each rule of the live rule set.",
	  PROM_PACKETS, PROM_RULES },
	{ "vaultfw_rule_bytes_total", "Bytes credited to each rule of the live rule set.",
	  PROM_BYTES, PROM_RULES },
};

/* A label value with backslash, double quote and newline escaped. */
static void put_label(FILE *out, const char *name, const char *value, bool last)
{
	const char *c;

	fprintf(out, "%s=\"", name);
	for (c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', out);
		if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
	fprintf(out, "\"%s", last ? "" : ",");
}

static unsigned long long counter_value(const struct vfw_counter *c, enum prom_value v)
{
	return v == PROM_PACKETS ? c->packets : c->bytes;
}

static bool is_audit(unsigned int reason)
{
	return reason == VFW_REASON_PERIMETER_WOULD_DENY;
}

static void write_reasons(FILE *out, const char *ifname, const struct vfw_stats *stats,
			  const char *metric, enum prom_value v, bool audit)
{
	unsigned int reason;

	for (reason = 0; reason < VFW_REASON_COUNT; reason++) {
		if (is_audit(reason) != audit)
			continue;
		fprintf(out, "%s{", metric);
		put_label(out, "iface", ifname, false);
		put_label(out, "reason", vfw_reason_name(reason), audit);
		if (!audit)	/* beside a verdict, not one */
			put_label(out, "verdict", vfw_reason_verdict_name(reason), true);
		fprintf(out, "} %llu\n", counter_value(&stats->reasons[reason], v));
	}
}

static void write_rules(FILE *out, const char *ifname, const struct vfw_stats *stats,
			const char *metric, enum prom_value v)
{
	const struct vfw_rule_stat *rs;
	size_t i;

	for (i = 0; i < stats->n_rules; i++) {
		rs = &stats->rules[i];
		fprintf(out, "%s{", metric);
		put_label(out, "iface", ifname, false);
		put_label(out, "kind", vfw_rule_kind_name(rs->meta.kind), false);
		put_label(out, "rule", rs->meta.name, true);
		fprintf(out, "} %llu\n", counter_value(&rs->total, v));
	}
}

static void write_gauge(FILE *out, const char *ifname, const char *name, const char *help,
			unsigned long long value)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n%s{", name, help, name, name);
	put_label(out, "iface", ifname, true);
	fprintf(out, "} %llu\n", value);
}

int vfw_prom_write(FILE *out, const char *ifname, const struct vfw_stats *stats)
{
	size_t i;

	/* The usual build_info gauge: which vaultfw wrote these numbers. */
	fputs("# HELP vaultfw_build_info The vaultfw version that wrote these metrics.\n"
	      "# TYPE vaultfw_build_info gauge\nvaultfw_build_info{", out);
	put_label(out, "version", VFW_VERSION, true);
	fputs("} 1\n", out);
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		fprintf(out, "# HELP %s %s\n# TYPE %s counter\n", families[i].name,
			families[i].help, families[i].name);
		if (families[i].source == PROM_RULES)
			write_rules(out, ifname, stats, families[i].name, families[i].value);
		else
			write_reasons(out, ifname, stats, families[i].name, families[i].value,
				      families[i].source == PROM_AUDIT);
	}
	/* Which rule set the counters are of: a change of generation marks
	 * an apply, and rules that went stop being exported. */
	write_gauge(out, ifname, "vaultfw_ruleset_generation",
		    "Generation of the live rule set, bumped by every apply and edit.",
		    (unsigned long long)stats->generation);
	write_gauge(out, ifname, "vaultfw_ruleset_applied_timestamp_seconds",
		    "When the live rule set was applied, in seconds since the epoch.",
		    (unsigned long long)stats->applied_unix);
	return ferror(out) ? -EIO : 0;
}

/* Write into an open temporary file and make it durable before the rename. */
static int write_tmp(int fd, const char *ifname, const struct vfw_stats *stats)
{
	FILE *out = fdopen(fd, "w");
	int ret;

	if (!out) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = vfw_prom_write(out, ifname, stats);
	if (!ret && (fflush(out) || fchmod(fd, PROM_FILE_MODE) || fsync(fd)))
		ret = -errno;
	if (fclose(out) && !ret)
		ret = -errno;
	return ret;
}

int vfw_prom_export(const char *path, const char *ifname, const struct vfw_stats *stats)
{
	char tmp[PATH_MAX], dir_buf[PATH_MAX], base_buf[PATH_MAX];
	int fd, ret;

	if (!path)
		return vfw_prom_write(stdout, ifname, stats) ?: (fflush(stdout) ? -errno : 0);
	snprintf(dir_buf, sizeof(dir_buf), "%s", path);
	snprintf(base_buf, sizeof(base_buf), "%s", path);
	/* A dot name without the .prom suffix: collectors skip it. */
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dir_buf),
		     basename(base_buf)) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	ret = write_tmp(fd, ifname, stats);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		pr_debug("%s: %s\n", tmp, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}
