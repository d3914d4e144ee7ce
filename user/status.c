// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "stats.h"
#include "status.h"

/*
 * The kernel's own account of a map's memory: the "memlock" line of its
 * fdinfo, which is also what bpftool prints. -ENOENT when fd is no map
 * (a program's fdinfo has no map_type line).
 */
static int fd_memlock(int fd, __u64 *memlock)
{
	unsigned long long value;
	char path[64], line[256];
	bool is_map = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	*memlock = 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_type:", 9))
			is_map = true;
		else if (sscanf(line, "memlock: %llu", &value) == 1)
			*memlock = value;
	}
	fclose(f);
	return is_map ? 0 : -ENOENT;
}

struct usage_list {
	struct vfw_map_usage *items;
	size_t n;
	size_t cap;
};

/* Adds the map behind fd under `name`, once per map id; pins that are not
 * maps (the program) are skipped. */
static int add_map(struct usage_list *l, int fd, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct vfw_map_usage *u;
	__u64 memlock = 0;
	size_t i;

	if (fd_memlock(fd, &memlock) || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->items[i].id == info.id)
			return 0;
	if (l->n == l->cap) {
		u = realloc(l->items, (l->cap * 2 + 8) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		l->items = u;
		l->cap = l->cap * 2 + 8;
	}
	u = &l->items[l->n];
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->id = info.id;
	u->type = info.type;
	u->memlock = memlock;
	l->n++;
	return 0;
}

static int add_pinned(struct usage_list *l, const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	d = opendir(pin_dir);
	if (!d)
		return -errno;
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		ret = add_map(l, fd, de->d_name);
		close(fd);
	}
	closedir(d);
	return ret;
}

/* The inactive slot's trie is pinned nowhere but still holds memory. */
static int add_slot_tries(struct usage_list *l, int rulesets_fd)
{
	char name[BPF_OBJ_NAME_LEN + 16];
	__u32 slot, id;
	int fd, ret = 0;

	for (slot = 0; slot < VFW_SLOTS && !ret; slot++) {
		if (bpf_map_lookup_elem(rulesets_fd, &slot, &id))
			continue;	/* empty slot */
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		snprintf(name, sizeof(name), "%s[%u]", VFW_MAP_RULESETS, slot);
		ret = add_map(l, fd, name);
		close(fd);
	}
	return ret;
}

static int cmp_usage(const void *a, const void *b)
{
	return strcmp(((const struct vfw_map_usage *)a)->name,
		      ((const struct vfw_map_usage *)b)->name);
}

int vfw_map_usage_read(const char *pin_dir, const struct vfw_maps *maps,
		       struct vfw_map_usage **out, size_t *n)
{
	struct usage_list l = {};
	int ret;

	/* Pins first, so the live trie is listed under its pin name. */
	ret = add_pinned(&l, pin_dir) ?: add_slot_tries(&l, maps->rulesets_fd);
	if (ret) {
		free(l.items);
		return ret;
	}
	qsort(l.items, l.n, sizeof(*l.items), cmp_usage);
	*out = l.items;
	*n = l.n;
	return 0;
}

static const char *map_type_name(__u32 type)
{
	return libbpf_bpf_map_type_str(type) ?: "unknown";
}

static __u64 total_memlock(const struct vfw_map_usage *u, size_t n)
{
	__u64 total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total += u[i].memlock;
	return total;
}

void vfw_map_usage_print(FILE *out, const struct vfw_map_usage *u, size_t n)
{
	size_t i;

	fprintf(out, "  map memory (memlock, as bpftool reports it): %llu bytes\n",
		(unsigned long long)total_memlock(u, n));
	for (i = 0; i < n; i++)
		fprintf(out, "    %-18s %-14s id %-6u %12llu bytes\n", u[i].name,
			map_type_name(u[i].type), u[i].id, (unsigned long long)u[i].memlock);
}

static json_t *usage_json(const struct vfw_map_usage *u, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}",
							 "name", u[i].name,
							 "type", map_type_name(u[i].type),
							 "id", (json_int_t)u[i].id,
							 "memlock", (json_int_t)u[i].memlock))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *xdp_json(const struct vfw_attachment *xdp)
{
	if (!xdp->attached)
		return json_pack("{s:b, s:b}", "attached", 0, "interface_gone", xdp->iface_gone);
	return json_pack("{s:b, s:s, s:b, s:i, s:{s:I, s:s, s:s}}", "attached", 1,
			 "mode", xdp->mode, "dispatcher", xdp->dispatcher,
			 "programs", xdp->n_progs, "program", "id", (json_int_t)xdp->prog_id,
			 "name", xdp->prog_name, "tag", xdp->tag);
}

static const char *perimeter_mode(__u32 flags)
{
	if (!(flags & VFW_CFG_PERIMETER))
		return "none";
	return flags & VFW_CFG_PERIM_ENFORCE ? "enforced" : "learning-or-audit";
}

static json_t *settings_json(const struct vfw_config *cfg)
{
	return json_pack("{s:s, s:s, s:s, s:s}",
			 "public_access", cfg->flags & VFW_CFG_PUBLIC_DISABLED ? "Disabled" : "Enabled",
			 "default_action", cfg->flags & VFW_CFG_DEFAULT_ALLOW ? "Allow" : "Deny",
			 "bypass", cfg->flags & VFW_CFG_BYPASS ? "AzureServices" : "None",
			 "perimeter", perimeter_mode(cfg->flags));
}

static json_t *rule_set_json(int slot, const struct vfw_config *cfg)
{
	time_t applied = cfg->applied_unix;
	char when[32] = "";
	struct tm tm;

	if (gmtime_r(&applied, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:i, s:I, s:I, s:s, s:s}", "slot", slot,
			 "generation", (json_int_t)cfg->generation,
			 "applied_unix", (json_int_t)cfg->applied_unix, "applied", when,
			 "source", cfg->source);
}

static json_t *rule_counts_json(const struct vfw_maps *maps)
{
	struct vfw_stats stats;
	unsigned int kind;
	json_t *obj;

	if (vfw_stats_read(maps, &stats))
		return json_null();
	obj = json_pack("{s:I}", "total", (json_int_t)stats.n_rules);
	for (kind = VFW_RULE_NONE + 1; obj && kind < VFW_RULE_KIND_COUNT; kind++)
		json_object_set_new(obj, vfw_rule_kind_name(kind),
				    json_integer(stats.per_kind[kind]));
	vfw_stats_free(&stats);
	return obj;
}

static json_t *log_json(const char *pin_dir)
{
	struct vfw_events_status st;
	unsigned int reason;
	json_t *obj, *reasons;

	if (vfw_events_status_read(pin_dir, &st))
		return json_null();
	obj = json_pack("{s:I, s:[], s:I, s:I}", "rate", (json_int_t)st.config.rate,
			"reasons", "held_back", (json_int_t)st.held_back,
			"ring_full", (json_int_t)st.ring_full);
	reasons = json_object_get(obj, "reasons");
	for (reason = 0; reasons && reason < VFW_REASON_COUNT; reason++)
		if (st.config.reasons & (1u << reason))
			json_array_append_new(reasons, json_string(vfw_reason_name(reason)));
	return obj;
}

json_t *vfw_status_json(const char *ifname, const char *pin_dir,
			const struct vfw_attachment *xdp, const struct vfw_maps *maps,
			int slot, const struct vfw_config *cfg)
{
	struct vfw_map_usage *usage = NULL;
	size_t n_usage = 0;
	json_t *obj;

	obj = json_pack("{s:s, s:o}", "iface", ifname, "xdp", xdp_json(xdp));
	if (!obj || slot < 0)
		return obj;
	json_object_set_new(obj, "rule_set", rule_set_json(slot, cfg));
	json_object_set_new(obj, "settings", settings_json(cfg));
	json_object_set_new(obj, "rules", rule_counts_json(maps));
	json_object_set_new(obj, "log", log_json(pin_dir));
	if (!vfw_map_usage_read(pin_dir, maps, &usage, &n_usage)) {
		json_object_set_new(obj, "maps", usage_json(usage, n_usage));
		json_object_set_new(obj, "memlock_total",
				    json_integer(total_memlock(usage, n_usage)));
	}
	free(usage);
	return obj;
}
