// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "log.h"
#include "names.h"
#include "iface.h"
#include "pins.h"
#include "stats.h"

/* Per-CPU maps return one value per possible CPU; the kernel counts each
 * CPU separately so that the datapath never contends on a counter. */
static int sum_percpu(int map_fd, __u32 key, struct vfw_counter *percpu,
		      int ncpus, struct vfw_counter *sum)
{
	int cpu;

	if (bpf_map_lookup_elem(map_fd, &key, percpu))
		return -errno;
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpus; cpu++) {
		sum->packets += percpu[cpu].packets;
		sum->bytes += percpu[cpu].bytes;
	}
	return 0;
}

static int read_reasons(const struct vfw_maps *maps, struct vfw_counter *percpu,
			int ncpus, struct vfw_stats *out)
{
	__u32 reason;
	int err;

	for (reason = 0; reason < VFW_REASON_COUNT; reason++) {
		err = sum_percpu(maps->reasons_fd, reason, percpu, ncpus,
				 &out->reasons[reason]);
		if (err)
			return err;
	}
	return 0;
}

static int read_live_rules(const struct vfw_maps *maps, struct vfw_counter *percpu,
			   int ncpus, struct vfw_stats *out)
{
	struct vfw_rule_stat *rs;
	struct vfw_rule_meta meta;
	__u32 id;
	int err;

	out->rules = calloc(VFW_MAX_RULES, sizeof(*out->rules));
	if (!out->rules)
		return -ENOMEM;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (bpf_map_lookup_elem(maps->rule_meta_fd, &id, &meta))
			return -errno;
		if (meta.kind == VFW_RULE_NONE || meta.kind >= VFW_RULE_KIND_COUNT ||
		    !(meta.slots & (1u << out->live_slot)))
			continue;
		rs = &out->rules[out->n_rules++];
		rs->id = id;
		rs->meta = meta;
		rs->meta.name[sizeof(rs->meta.name) - 1] = '\0';
		err = sum_percpu(maps->rule_stats_fd, id, percpu, ncpus, &rs->total);
		if (err)
			return err;
		out->per_kind[meta.kind]++;
	}
	return 0;
}

int vfw_stats_read(const struct vfw_maps *maps, struct vfw_stats *out)
{
	struct vfw_counter *percpu = NULL;
	struct vfw_config cfg;
	int ncpus, err;

	memset(out, 0, sizeof(*out));
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		return ncpus;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;

	err = vfw_read_live_config(maps, &cfg);
	if (err < 0)
		goto cleanup;
	out->live_slot = err;
	out->generation = cfg.generation;
	out->applied_unix = cfg.applied_unix;
	err = read_reasons(maps, percpu, ncpus, out);
	if (err)
		goto cleanup;
	err = read_live_rules(maps, percpu, ncpus, out);
cleanup:
	free(percpu);
	if (err)
		vfw_stats_free(out);
	return err;
}

void vfw_stats_free(struct vfw_stats *stats)
{
	free(stats->rules);
	stats->rules = NULL;
	stats->n_rules = 0;
}

void vfw_print_kind_counts(FILE *out, const size_t per_kind[VFW_RULE_KIND_COUNT])
{
	unsigned int kind;

	for (kind = VFW_RULE_NONE + 1; kind < VFW_RULE_KIND_COUNT; kind++)
		fprintf(out, "%s%s %zu", kind == VFW_RULE_NONE + 1 ? "" : ", ",
			vfw_rule_kind_name(kind), per_kind[kind]);
}

void vfw_stats_print_table(FILE *out, const char *ifname, const struct vfw_stats *stats)
{
	const struct vfw_rule_stat *rs;
	unsigned int reason;
	size_t i;

	fprintf(out, "vaultfw counters on %s (live slot %d)\n\n", ifname, stats->live_slot);
	fprintf(out, "%-24s %16s %20s\n", "REASON", "PACKETS", "BYTES");
	for (reason = 0; reason < VFW_REASON_COUNT; reason++)
		fprintf(out, "%-24s %16llu %20llu\n", vfw_reason_name(reason),
			(unsigned long long)stats->reasons[reason].packets,
			(unsigned long long)stats->reasons[reason].bytes);

	/* The rule name goes last: subnet ids are too long for a column. */
	fprintf(out, "\n%-6s %-18s %16s %20s  %s\n", "ID", "KIND", "PACKETS", "BYTES", "RULE");
	for (i = 0; i < stats->n_rules; i++) {
		rs = &stats->rules[i];
		fprintf(out, "%-6u %-18s %16llu %20llu  %s\n", rs->id,
			vfw_rule_kind_name(rs->meta.kind),
			(unsigned long long)rs->total.packets,
			(unsigned long long)rs->total.bytes, rs->meta.name);
	}
	if (!stats->n_rules)
		fprintf(out, "(no rules)\n");
}

static json_t *counter_json(const char *key, const char *name, const struct vfw_counter *c)
{
	return json_pack("{s:s, s:I, s:I}", key, name,
			 "packets", (json_int_t)c->packets,
			 "bytes", (json_int_t)c->bytes);
}

static json_t *rule_json(const struct vfw_rule_stat *rs)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:I}",
			 "id", (json_int_t)rs->id,
			 "kind", vfw_rule_kind_name(rs->meta.kind),
			 "rule", rs->meta.name,
			 "packets", (json_int_t)rs->total.packets,
			 "bytes", (json_int_t)rs->total.bytes);
}

static json_t *stats_json(const char *ifname, const struct vfw_stats *stats)
{
	json_t *root, *reasons, *rules;
	unsigned int reason;
	size_t i;

	root = json_pack("{s:s, s:[], s:[]}", "iface", ifname, "reasons", "rules");
	if (!root)
		return NULL;
	reasons = json_object_get(root, "reasons");
	rules = json_object_get(root, "rules");
	for (reason = 0; reason < VFW_REASON_COUNT; reason++)
		if (json_array_append_new(reasons, counter_json("reason", vfw_reason_name(reason),
								&stats->reasons[reason])))
			goto fail;
	for (i = 0; i < stats->n_rules; i++)
		if (json_array_append_new(rules, rule_json(&stats->rules[i])))
			goto fail;
	return root;
fail:
	json_decref(root);
	return NULL;
}

int vfw_stats_print_json(FILE *out, const char *ifname, const struct vfw_stats *stats)
{
	json_t *root;
	int err;

	root = stats_json(ifname, stats);
	if (!root)
		return -ENOMEM;
	err = json_dumpf(root, out, JSON_INDENT(2)) ? -EIO : 0;
	if (!err)
		fputc('\n', out);
	json_decref(root);
	return err;
}

static int show_stats_locked(const char *ifname, const struct vfw_maps *maps,
			     const char *pin_dir, void *ctx, char *err, size_t errlen)
{
	const bool *json = ctx;
	struct vfw_stats stats = {};
	int ret;

	(void)pin_dir;
	ret = vfw_stats_read(maps, &stats);
	if (ret) {
		vfw_set_err(err, errlen, "cannot read the counters: %s", strerror(-ret));
		goto cleanup;
	}
	if (*json)
		ret = vfw_stats_print_json(stdout, ifname, &stats);
	else
		vfw_stats_print_table(stdout, ifname, &stats);
	if (ret)
		vfw_set_err(err, errlen, "cannot write JSON: %s", strerror(-ret));
cleanup:
	vfw_stats_free(&stats);
	return ret;
}

int vfw_show_stats(const char *ifname, bool json, char *err, size_t errlen)
{
	return vfw_with_pinned_maps(ifname, VFW_PINS_READ, show_stats_locked, &json, err, errlen);
}
