// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <net/if.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "events.h"
#include "iface.h"
#include "log.h"
#include "pins.h"
#include "stats.h"
#include "status.h"
#include "xdp.h"

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
		fd = bpf_obj_get(vfw_pin_path(path, sizeof(path), pin_dir, de->d_name));
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
	if (xdp->attached)
		return json_pack("{s:b, s:s, s:b, s:i, s:{s:I, s:s, s:s}}", "attached", 1,
				 "mode", xdp->mode, "dispatcher", xdp->dispatcher,
				 "programs", xdp->n_progs, "program", "id", (json_int_t)xdp->prog_id,
				 "name", xdp->prog_name, "tag", xdp->tag);
	if (xdp->held_by_other)
		return json_pack("{s:b, s:b, s:{s:I, s:s}}", "attached", 0, "interface_gone", 0,
				 "held_by", "id", (json_int_t)xdp->holder_id,
				 "name", xdp->holder_name);
	return json_pack("{s:b, s:b}", "attached", 0, "interface_gone", xdp->iface_gone);
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

/* ------------------------------------------------------------------ */
/* vaultfw status: collected once, rendered as text or JSON            */

/* Everything status shows of one interface; a part that could not be read
 * is marked so, and both renderings say so in their own way. */
struct iface_status {
	char ifname[IFNAMSIZ];
	int ifindex;
	__u64 netns;
	bool other_netns;		/* managed from another namespace: nothing read */
	bool orphaned;			/* left by a deleted namespace: nothing read */
	char pin_dir[VFW_PIN_DIR_MAX];
	bool locked;			/* the pin directory exists: show it */
	struct vfw_attachment xdp;
	bool have_rule_set;		/* slot and cfg */
	int slot;
	struct vfw_config cfg;
	struct vfw_settings settings;	/* cfg in words: both renderings print these */
	bool have_rules;		/* n_rules and per_kind */
	size_t n_rules;
	size_t per_kind[VFW_RULE_KIND_COUNT];
	bool have_log;
	struct vfw_events_status log;
	struct vfw_map_usage *usage;	/* NULL: unreadable */
	size_t n_usage;
};

static void read_rule_counts(const struct vfw_maps *maps, struct iface_status *st)
{
	struct vfw_stats stats;

	if (vfw_stats_read(maps, &stats))
		return;
	st->have_rules = true;
	st->n_rules = stats.n_rules;
	memcpy(st->per_kind, stats.per_kind, sizeof(st->per_kind));
	vfw_stats_free(&stats);
}

/* Under the directory's shared lock. The attachment is read first, so that
 * an interface whose maps cannot be opened still shows it. */
static int collect_locked(struct iface_status *st, char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	int ret;

	vfw_xdp_read_attachment(st->ifindex, st->pin_dir, &st->xdp);
	ret = vfw_maps_open_pinned(st->pin_dir, &maps, err, errlen);
	if (ret && vfw_is_dead_attach(st->ifindex, st->pin_dir))
		vfw_set_err(err, errlen, "vaultfw on %s is incomplete (an attach did not finish): "
			"attach again, or detach", st->ifname);
	if (ret)
		goto cleanup;
	ret = vfw_read_live_config(&maps, &st->cfg);
	if (ret < 0) {
		vfw_set_err(err, errlen, "cannot read the live config of %s: %s", st->ifname,
			    strerror(-ret));
		goto cleanup;
	}
	st->have_rule_set = true;
	st->slot = ret;
	vfw_settings_of(&st->cfg, &st->settings);
	read_rule_counts(&maps, st);
	st->have_log = !vfw_events_status_read(&maps, &st->log);
	if (vfw_map_usage_read(st->pin_dir, &maps, &st->usage, &st->n_usage))
		st->usage = NULL;
	ret = 0;
cleanup:
	vfw_maps_close(&maps);
	return ret;
}

/* The state of a pin directory, locked shared while it is read. */
static int collect_dir(struct iface_status *st, char *err, size_t errlen)
{
	int dir_fd, ret;

	ret = dir_fd = vfw_lock_dir(st->pin_dir, LOCK_SH);
	if (ret < 0)
		return vfw_set_err(err, errlen, "cannot lock %s: %s", st->pin_dir, strerror(-ret));
	st->locked = true;
	ret = collect_locked(st, err, errlen);
	vfw_unlock_dir(dir_fd);
	return ret;
}

static int collect(const char *ifname, struct iface_status *st, char *err, size_t errlen)
{
	struct vfw_iface ifc;
	int dir_fd, ret;

	memset(st, 0, sizeof(*st));
	ret = vfw_iface_resolve(ifname, &ifc, err, errlen);
	if (ret)
		return ret;
	snprintf(st->ifname, sizeof(st->ifname), "%s", ifname);
	snprintf(st->pin_dir, sizeof(st->pin_dir), "%s", ifc.pin_dir);
	st->ifindex = ifc.ifindex;
	st->netns = ifc.netns;
	ret = dir_fd = vfw_iface_lock(&ifc, LOCK_SH, err, errlen);
	if (ret < 0)
		return ret;
	st->locked = true;
	ret = collect_locked(st, err, errlen);
	vfw_unlock_dir(dir_fd);
	return ret;
}

/*
 * One entry of VFW_PIN_ROOT as `status` lists it: named by the interface's
 * name now, or the name it had when it went; another namespace's state is
 * shown as such and never read further.
 */
static int collect_entry(const char *entry, struct iface_status *st, char *err, size_t errlen)
{
	struct vfw_maps maps = vfw_maps_none();
	struct vfw_ident id = {};
	char ignored[256];

	memset(st, 0, sizeof(*st));
	vfw_pin_path(st->pin_dir, sizeof(st->pin_dir), VFW_PIN_ROOT, entry);
	if (!vfw_parse_pin_dir_name(entry, &st->netns, &st->ifindex)) {
		/* Not ours to judge: listed, and no reason for status to fail. */
		pr_warn("%s holds pins of an older vaultfw (named by interface only): detach "
			"with that version, or remove it\n", st->pin_dir);
		return 1;
	}
	if (!vfw_maps_open_pinned(st->pin_dir, &maps, ignored, sizeof(ignored)))
		vfw_ident_read(&maps, &id);
	vfw_maps_close(&maps);
	if (id.ifname[0])
		snprintf(st->ifname, sizeof(st->ifname), "%s", id.ifname);
	else
		snprintf(st->ifname, sizeof(st->ifname), "if%d", st->ifindex);
	if (st->netns != vfw_netns_self()) {
		st->other_netns = true;
		return 0;
	}
	if (vfw_ident_orphaned(&id, st->netns, vfw_netns_cookie_self())) {
		st->orphaned = true;
		return 0;
	}
	if_indextoname(st->ifindex, st->ifname);	/* its name now, if it has one */
	return collect_dir(st, err, errlen);
}

static void status_free(struct iface_status *st)
{
	free(st->usage);
	st->usage = NULL;
}

/* ---- text ---- */

static void print_attachment(const struct iface_status *st)
{
	const struct vfw_attachment *a = &st->xdp;

	printf("  xdp: ");
	if (st->other_netns) {
		printf("in network namespace net:[%llu]: managed only from there\n",
		       (unsigned long long)st->netns);
	} else if (st->orphaned) {
		printf("left by a deleted network namespace that had this one's inode; nothing "
		       "enforces it (pins remain: `detach %s` or an attach removes them)\n",
		       st->ifname);
	} else if (a->iface_gone) {
		printf("interface gone (pins remain; run detach %s)\n", st->ifname);
	} else if (a->attached) {
		printf("attached, ");
		vfw_attachment_describe(stdout, a);
		putchar('\n');
	} else if (a->held_by_other) {
		printf("NOT attached: attached by another program (%s, id %u); vaultfw does not "
		       "enforce (remove it, then attach --replace)\n", a->holder_name, a->holder_id);
	} else {
		printf("NOT attached (pins remain: attach --replace re-arms, detach removes)\n");
	}
}

static void print_rule_set(const struct iface_status *st)
{
	time_t applied = st->cfg.applied_unix;
	char when[64];
	struct tm tm;

	if (!gmtime_r(&applied, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%llu", (unsigned long long)st->cfg.applied_unix);
	printf("  rule set: slot %d, generation %llu, applied %s\n", st->slot,
	       (unsigned long long)st->cfg.generation, when);
	printf("  source: %s\n", st->cfg.source);
	vfw_print_settings(stdout, &st->settings);
	if (!st->have_rules) {
		printf("  rules: unreadable\n");
		return;
	}
	printf("  rules: %zu (", st->n_rules);
	vfw_print_kind_counts(stdout, st->per_kind);
	printf(")\n");
}

/* Header and attachment always: they are what an operator needs most when
 * the rest cannot be read. */
static void print_status(const struct iface_status *st)
{
	printf("%s:\n", st->ifname);
	printf("  state: %s\n", st->pin_dir);
	print_attachment(st);
	if (!st->have_rule_set)
		return;
	print_rule_set(st);
	if (st->have_log)
		vfw_events_status_print(stdout, &st->log);
	else
		printf("  log: unreadable\n");
	if (st->usage)
		vfw_map_usage_print(stdout, st->usage, st->n_usage);
	else
		printf("  map memory: unreadable\n");
}

/* ---- JSON ---- */

static json_t *rule_counts_json(const struct iface_status *st)
{
	unsigned int kind;
	json_t *obj;

	if (!st->have_rules)
		return json_null();
	obj = json_pack("{s:I}", "total", (json_int_t)st->n_rules);
	for (kind = VFW_RULE_NONE + 1; obj && kind < VFW_RULE_KIND_COUNT; kind++)
		json_object_set_new(obj, vfw_rule_kind_name(kind),
				    json_integer(st->per_kind[kind]));
	return obj;
}

static json_t *log_json(const struct iface_status *st)
{
	unsigned int reason;
	json_t *obj, *reasons;

	if (!st->have_log)
		return json_null();
	obj = json_pack("{s:I, s:[], s:I, s:I}", "rate", (json_int_t)st->log.config.rate,
			"reasons", "held_back", (json_int_t)st->log.held_back,
			"ring_full", (json_int_t)st->log.ring_full);
	reasons = json_object_get(obj, "reasons");
	for (reason = 0; reasons && reason < VFW_REASON_COUNT; reason++)
		if (st->log.config.reasons & (1u << reason))
			json_array_append_new(reasons, json_string(vfw_reason_name(reason)));
	return obj;
}

static json_t *status_json(const struct iface_status *st)
{
	json_t *obj;

	obj = json_pack("{s:s, s:s, s:I, s:i, s:b, s:b}", "iface", st->ifname,
			"pin_dir", st->pin_dir, "netns", (json_int_t)st->netns,
			"ifindex", st->ifindex, "other_namespace", st->other_netns,
			"orphaned", st->orphaned);
	if (obj && !st->other_netns && !st->orphaned)
		json_object_set_new(obj, "xdp", xdp_json(&st->xdp));
	if (!obj || !st->have_rule_set)
		return obj;
	json_object_set_new(obj, "rule_set", rule_set_json(st->slot, &st->cfg));
	json_object_set_new(obj, "settings", vfw_settings_json(&st->settings));
	json_object_set_new(obj, "rules", rule_counts_json(st));
	json_object_set_new(obj, "log", log_json(st));
	if (st->usage) {
		json_object_set_new(obj, "maps", usage_json(st->usage, st->n_usage));
		json_object_set_new(obj, "memlock_total",
				    json_integer(total_memlock(st->usage, st->n_usage)));
	}
	return obj;
}

/* json_out NULL: print text; else append the interface's JSON to it. */
static int show(struct iface_status *st, int ret, json_t *json_out)
{
	if (!json_out && (st->locked || st->other_netns || st->orphaned))
		print_status(st);
	else if (json_out && !ret && json_array_append_new(json_out, status_json(st)))
		ret = -ENOMEM;
	status_free(st);
	return ret;
}

static int status_one(const char *ifname, json_t *json_out, char *err, size_t errlen)
{
	struct iface_status st;

	return show(&st, collect(ifname, &st, err, errlen), json_out);
}

static int status_all(json_t *json_out, char *err, size_t errlen)
{
	int ret, first_err = 0, n = 0;
	struct iface_status st;
	struct dirent *de;
	DIR *d;

	d = opendir(VFW_PIN_ROOT);
	if (!d && errno != ENOENT) {
		vfw_set_err(err, errlen, "%s: %s", VFW_PIN_ROOT, strerror(errno));
		return -errno;
	}
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		ret = collect_entry(de->d_name, &st, err, errlen);
		if (ret == 1)
			continue;	/* another version's: warned about */
		if (n++ && !json_out)
			putchar('\n');
		/* One broken interface must not hide the others. */
		ret = show(&st, ret, json_out);
		if (ret && !first_err)
			first_err = ret;
	}
	if (d)
		closedir(d);
	if (!n && !json_out)
		printf("vaultfw is not attached to any interface\n");
	return first_err;
}

static int print_status_json(json_t *all)
{
	json_t *root = json_pack("{s:s, s:O}", "version", VFW_VERSION, "interfaces", all);
	int ret;

	ret = root && !json_dumpf(root, stdout, JSON_INDENT(2)) ? 0 : -EIO;
	if (!ret)
		putchar('\n');
	json_decref(root);
	return ret;
}

int vfw_status(const char *ifname, bool json, char *err, size_t errlen)
{
	json_t *all = NULL;
	int ret = vfw_require_privilege(err, errlen) ?: vfw_check_bpffs(false, err, errlen);

	if (ret)
		return ret;
	if (json && !(all = json_array()))
		return -ENOMEM;
	ret = ifname ? status_one(ifname, all, err, errlen) : status_all(all, err, errlen);
	if (all && !ret)
		ret = print_status_json(all);
	json_decref(all);
	return ret;
}
