// SPDX-License-Identifier: GPL-2.0
/*
 * Installs a compiled rule set into the kernel maps: docs/design.md
 * "Atomic update" and "Stable rule ids".
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fault.h"
#include "log.h"
#include "pins.h"
#include "ruleset.h"
#include "vaultfw.skel.h"

/* Logs a failed call with its errno, and returns that errno negated
 * (read before logging can change it). */
static int call_failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int call_failed(const char *fmt, ...)
{
	int err = -errno;
	char what[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	pr_warn("%s: %s\n", what, strerror(-err));
	return err;
}

int vfw_ruleset_active_slot(const struct vfw_maps *maps)
{
	__u32 key = 0, slot;

	if (bpf_map_lookup_elem(maps->active_fd, &key, &slot))
		return -errno;
	if (slot >= VFW_SLOTS)
		return -ERANGE;
	return slot;
}

/* Everything an install acquires, released in one place. */
struct install {
	const struct vfw_maps *maps;
	const struct vfw_compiled *c;
	__u32 cur;			/* live slot */
	__u32 nxt;			/* slot being written */
	__u32 live_bit;			/* meta slot bit of cur, 0 on a first install */
	struct vfw_config cur_config;
	struct vfw_rule_meta *meta;	/* VFW_MAX_RULES, as read */
	__u32 *ids;			/* stable id of each compiled rule */
	bool *is_new;			/* and whether it is new: not live before */
	int trie_fd;
	pthread_t trie_tid;		/* fill_trie_thread(), while trie_thread */
	bool trie_thread;
	int trie_err;			/* of filling it */
	bool fast;			/* slot nxt has the untagged fast path */
	bool fast_tagged;		/* and the tagged one */
	char tmp_pin[PATH_MAX];		/* non-empty while a temporary pin exists */
};

static int read_live_slot(struct install *in)
{
	int slot;

	slot = vfw_ruleset_active_slot(in->maps);
	if (slot < 0) {
		pr_warn("cannot read %s: %s\n", VFW_MAP_ACTIVE, strerror(-slot));
		return slot;
	}
	in->cur = slot;
	if (bpf_map_lookup_elem(in->maps->config_fd, &in->cur, &in->cur_config))
		return call_failed("cannot read %s[%u]", VFW_MAP_CONFIG, in->cur);
	if (in->cur_config.flags & VFW_CFG_VALID) {
		in->nxt = !in->cur;
		in->live_bit = 1U << in->cur;
	} else {
		/* Fresh maps: nothing is live, so slot 0 may be written. */
		in->cur = in->nxt = 0;
		in->live_bit = 0;
	}
	return 0;
}

/*
 * A packet that read vfw_active just before the previous flip may still be
 * using slot nxt. Rewriting outer[cur] with the trie it already holds makes
 * the kernel wait for an RCU grace period (ARRAY_OF_MAPS updates call
 * synchronize_rcu()), and XDP runs inside an RCU read-side section, so once
 * the update returns no program can still see slot nxt.
 */
static int wait_for_readers(const struct install *in)
{
	__u32 inner_id;
	int fd, err = 0;

	if (!in->live_bit)
		return 0;
	if (bpf_map_lookup_elem(in->maps->rulesets_fd, &in->cur, &inner_id))
		return errno == ENOENT ? 0 : call_failed("cannot read %s[%u]",
							  VFW_MAP_RULESETS, in->cur);
	fd = bpf_map_get_fd_by_id(inner_id);
	if (fd < 0)
		return call_failed("cannot open the trie of slot %u", in->cur);
	if (bpf_map_update_elem(in->maps->rulesets_fd, &in->cur, &fd, BPF_ANY))
		err = call_failed("cannot wait for readers of slot %u", in->nxt);
	close(fd);
	return err;
}

static int read_meta(struct install *in)
{
	__u32 id;

	in->meta = calloc(VFW_MAX_RULES, sizeof(*in->meta));
	if (!in->meta)
		return -ENOMEM;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		if (bpf_map_lookup_elem(in->maps->rule_meta_fd, &id, &in->meta[id]))
			return call_failed("cannot read %s[%u]", VFW_MAP_RULE_META, id);
	}
	return 0;
}

static int cmp_identity(__u32 kind_a, const char *name_a,
			__u32 kind_b, const char *name_b)
{
	if (kind_a != kind_b)
		return kind_a < kind_b ? -1 : 1;
	return strncmp(name_a, name_b, VFW_NAME_MAX);
}

static int cmp_live_ids(const void *pa, const void *pb, void *meta)
{
	const struct vfw_rule_meta *a = (struct vfw_rule_meta *)meta + *(const __u32 *)pa;
	const struct vfw_rule_meta *b = (struct vfw_rule_meta *)meta + *(const __u32 *)pb;

	return cmp_identity(a->kind, a->name, b->kind, b->name);
}

/* Live ids sorted by identity, so each compiled rule finds its id in
 * O(log n) instead of scanning every id. */
static size_t sort_live_ids(const struct install *in, __u32 *live)
{
	size_t n = 0;
	__u32 id;

	for (id = 0; id < VFW_MAX_RULES; id++)
		if (in->meta[id].slots & in->live_bit)
			live[n++] = id;
	qsort_r(live, n, sizeof(*live), cmp_live_ids, in->meta);
	return n;
}

static int find_live_id(const struct install *in, const __u32 *live, size_t n,
			const struct vfw_rule_desc *rule)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vfw_rule_meta *m = &in->meta[live[mid]];
		int cmp = cmp_identity(rule->kind, rule->name, m->kind, m->name);

		if (!cmp)
			return live[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/*
 * Decides the stable id of every compiled rule without writing anything:
 * kept rules reuse their live id, new ones take the lowest ids no live
 * rule references.
 */
static int assign_ids(struct install *in)
{
	__u32 *live, next_free = 0;
	size_t n_live, i;
	bool taken[VFW_MAX_RULES] = {};
	int id, err = 0;

	live = calloc(VFW_MAX_RULES, sizeof(*live));
	if (!live)
		return -ENOMEM;
	n_live = sort_live_ids(in, live);
	for (i = 0; i < in->c->n_rules; i++) {
		id = find_live_id(in, live, n_live, &in->c->rules[i]);
		in->is_new[i] = id < 0;
		if (id >= 0) {
			in->ids[i] = id;
			taken[id] = true;
		}
	}
	for (i = 0; i < in->c->n_rules; i++) {
		if (!in->is_new[i])
			continue;
		while (next_free < VFW_MAX_RULES &&
		       ((in->meta[next_free].slots & in->live_bit) || taken[next_free]))
			next_free++;
		if (next_free == VFW_MAX_RULES) {
			pr_warn("no free rule id: %zu rules, %d ids, some still live\n",
				in->c->n_rules, VFW_MAX_RULES);
			err = -ENOSPC;
			break;
		}
		in->ids[i] = next_free;
		taken[next_free] = true;
	}
	free(live);
	return err;
}

static int zero_counters(const struct install *in, __u32 id)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vfw_counter *zero;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	zero = calloc(ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(in->maps->rule_stats_fd, &id, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

/*
 * New rules get zeroed counters and their identity; every id then says
 * whether slot nxt references it. Bit cur is left alone: slot cur stays
 * live until the flip, and nothing live reads the counters of a free id.
 * Only ids whose metadata changes are written.
 */
static int update_meta(const struct install *in)
{
	__u32 nxt_bit = 1U << in->nxt, id;
	struct vfw_rule_meta *want;
	size_t i;
	int err = 0;

	want = calloc(VFW_MAX_RULES, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (id = 0; id < VFW_MAX_RULES; id++) {
		want[id] = in->meta[id];
		want[id].slots &= ~nxt_bit;
	}
	for (i = 0; !err && i < in->c->n_rules; i++) {
		struct vfw_rule_meta *m = &want[in->ids[i]];

		m->slots |= nxt_bit;
		if (!in->is_new[i])
			continue;
		m->kind = in->c->rules[i].kind;
		memset(m->name, 0, sizeof(m->name));
		snprintf(m->name, sizeof(m->name), "%s", in->c->rules[i].name);
		err = zero_counters(in, in->ids[i]);
		if (err)
			pr_warn("cannot zero %s[%u]: %s\n", VFW_MAP_RULE_STATS,
				in->ids[i], strerror(-err));
	}
	for (id = 0; !err && id < VFW_MAX_RULES; id++) {
		if (!memcmp(&in->meta[id], &want[id], sizeof(want[id])))
			continue;
		if (bpf_map_update_elem(in->maps->rule_meta_fd, &id, &want[id], BPF_ANY))
			err = call_failed("cannot write %s[%u]", VFW_MAP_RULE_META, id);
	}
	free(want);
	return err;
}

/* Stable ids for the compiled rules; reads only, so it may run before the
 * wait for readers (the metadata is userspace's, never the program's). */
static int allocate_ids(struct install *in)
{
	in->ids = calloc(in->c->n_rules ?: 1, sizeof(*in->ids));
	in->is_new = calloc(in->c->n_rules ?: 1, sizeof(*in->is_new));
	if (!in->ids || !in->is_new)
		return -ENOMEM;
	return assign_ids(in);
}

struct trie_btf {
	int fd;
	__u32 key_type_id;
	__u32 value_type_id;
};

static int find_type(const struct btf *btf, const char *name, __u32 *id)
{
	__s32 ret = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	if (ret < 0)
		return ret;
	*id = ret;
	return 0;
}

/*
 * The trie is created from userspace, so it only gets named fields in
 * bpftool if we hand it the program's own BTF: that is the object BTF the
 * maps were loaded with, found through vfw_config.
 */
static int load_trie_btf(const struct install *in, struct trie_btf *tb)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);
	struct btf *btf = NULL;
	int err;

	tb->fd = -1;
	if (bpf_obj_get_info_by_fd(in->maps->config_fd, &info, &info_len))
		return -errno;
	if (!info.btf_id) {
		pr_debug("maps carry no BTF: %s created without it\n", VFW_PIN_RULES);
		return 0;
	}
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	err = find_type(btf, "vfw_lpm_key", &tb->key_type_id) ?:
	      find_type(btf, "vfw_lpm_val", &tb->value_type_id);
	if (err) {
		pr_warn("program BTF lacks struct vfw_lpm_key/val: %s created without BTF\n",
			VFW_PIN_RULES);
		tb->key_type_id = tb->value_type_id = 0;
		err = 0;
		goto cleanup;
	}
	tb->fd = bpf_btf_get_fd_by_id(info.btf_id);
	if (tb->fd < 0)
		err = -errno;
cleanup:
	btf__free(btf);
	return err;
}

static int create_trie(const struct install *in)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	struct trie_btf tb;
	int fd, err;

	err = load_trie_btf(in, &tb);
	if (err) {
		pr_warn("cannot read the program's BTF: %s\n", strerror(-err));
		return err;
	}
	if (tb.fd >= 0) {
		opts.btf_fd = tb.fd;
		opts.btf_key_type_id = tb.key_type_id;
		opts.btf_value_type_id = tb.value_type_id;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, VFW_PIN_RULES,
			    sizeof(struct vfw_lpm_key), sizeof(struct vfw_lpm_val),
			    VFW_TRIE_MAX_ENTRIES, &opts);
	if (fd < 0)
		fd = call_failed("cannot create the %s trie", VFW_PIN_RULES);
	vfw_close_fd(&tb.fd);
	return fd;
}

/* Compiled entries name rules by index; the maps name them by stable id. */
static int stable_val(const struct install *in, size_t entry, struct vfw_lpm_val *val)
{
	const struct vfw_lpm_val *compiled = &in->c->entries[entry].val;
	int cat;

	memset(val, 0, sizeof(*val));
	val->cats = compiled->cats;
	for (cat = 0; cat < VFW_CAT_COUNT; cat++) {
		if (!(compiled->cats & (1U << cat)))
			continue;
		if (compiled->rule_id[cat] >= in->c->n_rules) {
			pr_warn("entry %zu names rule %u of %zu\n", entry,
				compiled->rule_id[cat], in->c->n_rules);
			return -EINVAL;
		}
		val->rule_id[cat] = in->ids[compiled->rule_id[cat]];
	}
	return 0;
}

/* The kernel's "operation not supported" (no batched updates for a map
 * type), which libc does not name. */
#define VFW_ENOTSUPP	524

/* One update per entry, for kernels without batched LPM-trie updates. */
static int fill_trie_singly(const struct install *in, const struct vfw_lpm_key *keys,
			    const struct vfw_lpm_val *vals, size_t from)
{
	size_t i;

	for (i = from; i < in->c->n_entries; i++)
		if (bpf_map_update_elem(in->trie_fd, &keys[i], &vals[i], BPF_ANY))
			return call_failed("cannot add entry %zu (prefixlen %u) to %s",
					   i, keys[i].prefixlen, VFW_PIN_RULES);
	return 0;
}

/*
 * One batched update for the whole trie: at 100,000 entries the system
 * calls of single updates cost as much as the kernel's own work. The
 * compiler's order (address, shorter prefix first) is also the order the
 * kernel inserts fastest, walking the same few paths.
 */
static int fill_trie(const struct install *in)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	size_t n = in->c->n_entries, i;
	struct vfw_lpm_key *keys;
	struct vfw_lpm_val *vals;
	__u32 count = n;
	int err = 0;

	keys = calloc(n ?: 1, sizeof(*keys));
	vals = calloc(n ?: 1, sizeof(*vals));
	if (!keys || !vals)
		err = -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		keys[i] = in->c->entries[i].key;
		err = stable_val(in, i, &vals[i]);
	}
	if (!err && n && bpf_map_update_batch(in->trie_fd, keys, vals, &count, &opts)) {
		if (errno == EINVAL || errno == EOPNOTSUPP || errno == VFW_ENOTSUPP)
			err = fill_trie_singly(in, keys, vals, count);
		else
			err = call_failed("cannot add entry %u (prefixlen %u) to %s", count,
					  keys[count < n ? count : 0].prefixlen, VFW_PIN_RULES);
	}
	free(keys);
	free(vals);
	return err;
}

static int put_trie(const struct install *in)
{
	if (bpf_map_update_elem(in->maps->rulesets_fd, &in->nxt, &in->trie_fd, BPF_ANY))
		return call_failed("cannot put the trie into %s[%u]", VFW_MAP_RULESETS,
				   in->nxt);
	return 0;
}

static void *fill_trie_thread(void *arg)
{
	struct install *in = arg;

	in->trie_err = fill_trie(in);
	return NULL;
}

/*
 * The kernel's trie fill is the longest step of a large install, and needs
 * only the stable ids; it runs on a thread of its own while this one waits
 * for readers, puts the trie into the slot (a grace period of its own) and
 * writes the slot's other maps. Without a thread it runs here, first.
 */
static int start_trie(struct install *in)
{
	in->trie_fd = create_trie(in);
	if (in->trie_fd < 0)
		return in->trie_fd;
	in->trie_thread = !pthread_create(&in->trie_tid, NULL, fill_trie_thread, in);
	if (!in->trie_thread)
		in->trie_err = fill_trie(in);
	return 0;
}

/* The trie filled, or why not. */
static int join_trie(struct install *in)
{
	if (in->trie_thread) {
		pthread_join(in->trie_tid, NULL);
		in->trie_thread = false;
	}
	return in->trie_err;
}

/* Compiled values name rules by index; the slot's by stable id. */
static int stable_vals(const struct install *in, const __u32 *val_entry, size_t n_vals,
		       size_t cap, struct vfw_lpm_val **vals)
{
	size_t k;
	int err = 0;

	*vals = calloc(cap, sizeof(**vals));
	if (!*vals)
		return -ENOMEM;
	for (k = 1; !err && k < n_vals; k++)
		err = stable_val(in, val_entry[k], &(*vals)[k]);
	return err;
}

static struct vfw_fast_fds fast_fds(const struct vfw_maps *maps)
{
	return (struct vfw_fast_fds){
		.pop = maps->pop_fd, .nodes = maps->fast_nodes_fd, .vals = maps->fast_vals_fd,
	};
}

static int write_pop(struct install *in, const struct vfw_fast_fds *fds)
{
	const struct vfw_pop_tables *t = &in->c->fast.pop;
	struct vfw_lpm_val *vals;
	int err;

	if (!t->slot || !vfw_fast_pop_usable(fds))
		return 0;
	err = stable_vals(in, t->val_entry, t->n_vals, t->n_vals, &vals) ?:
	      vfw_fast_write_pop(fds, in->nxt, t, vals);
	in->fast = !err;
	free(vals);
	return err;
}

static int write_tagged(struct install *in, const struct vfw_fast_fds *fds)
{
	const struct vfw_fast_tables *t = &in->c->fast;
	struct vfw_lpm_val *vals;
	int err;

	if (!t->nodes || !vfw_fast_tagged_usable(fds))
		return 0;
	err = stable_vals(in, t->val_entry, t->n_vals, VFW_FAST_VALS, &vals) ?:
	      vfw_fast_write_tagged(fds, in->nxt, t, vals);
	in->fast_tagged = !err;
	free(vals);
	return err;
}

/*
 * The fast-path tables of slot nxt, those the rule set fits and the maps
 * are there for; the slot goes without VFW_CFG_FAST (untagged) or
 * VFW_CFG_FAST_TAGGED for the others, and the LPM trie answers for them.
 */
static int write_fast(struct install *in)
{
	struct vfw_fast_fds fds = fast_fds(in->maps);

	return write_pop(in, &fds) ?: write_tagged(in, &fds);
}

static int write_config(const struct install *in, const char *source)
{
	struct vfw_config cfg = in->c->config;

	cfg.flags |= VFW_CFG_VALID;
	if (in->fast)
		cfg.flags |= VFW_CFG_FAST;
	if (in->fast_tagged)
		cfg.flags |= VFW_CFG_FAST_TAGGED;
	cfg.generation = in->cur_config.generation + 1;
	cfg.applied_unix = time(NULL);
	snprintf(cfg.source, sizeof(cfg.source), "%s", source ?: "");
	if (bpf_map_update_elem(in->maps->config_fd, &in->nxt, &cfg, BPF_ANY))
		return call_failed("cannot write %s[%u]", VFW_MAP_CONFIG, in->nxt);
	return 0;
}

static int write_document(const struct install *in, const char *document)
{
	size_t len = strlen(document);
	struct vfw_document *doc;
	int err = 0;

	if (len > VFW_DOC_MAX) {
		pr_warn("the rules document takes %zu bytes, more than the %d that %s holds\n",
			len, VFW_DOC_MAX, VFW_MAP_DOCUMENT);
		return -EFBIG;
	}
	doc = malloc(sizeof(*doc));
	if (!doc)
		return -ENOMEM;
	doc->len = len;
	memcpy(doc->text, document, len);
	memset(doc->text + len, 0, sizeof(doc->text) - len);
	if (bpf_map_update_elem(in->maps->document_fd, &in->nxt, doc, BPF_ANY))
		err = call_failed("cannot write %s[%u]", VFW_MAP_DOCUMENT, in->nxt);
	free(doc);
	return err;
}

static int flip(const struct install *in)
{
	__u32 key = 0;

	if (bpf_map_update_elem(in->maps->active_fd, &key, &in->nxt, BPF_ANY))
		return call_failed("cannot write %s", VFW_MAP_ACTIVE);
	return 0;
}

/*
 * bpffs refuses names with dots, hence "_new". The pin is made under this
 * temporary name before the flip, so that the only step left after it is
 * a rename(2), which atomically replaces the old pin: readers of the pin
 * never find it missing, and a failed pin still fails the install.
 */
static int pin_trie_tmp(struct install *in, const char *pin_dir)
{
	char path[PATH_MAX];
	int len;

	len = snprintf(path, sizeof(path), "%s/%s_new", pin_dir, VFW_PIN_RULES);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	unlink(path);	/* left behind by an install that crashed */
	if (bpf_obj_pin(in->trie_fd, path))
		return call_failed("cannot pin %s", path);
	snprintf(in->tmp_pin, sizeof(in->tmp_pin), "%s", path);
	return 0;
}

static void publish_pin(struct install *in, const char *pin_dir)
{
	char path[PATH_MAX];

	if (rename(in->tmp_pin, vfw_pin_path(path, sizeof(path), pin_dir, VFW_PIN_RULES))) {
		/* The new rules are live; only the bpftool view lags. */
		call_failed("new rules are live but %s still shows the old ones", path);
		return;
	}
	in->tmp_pin[0] = '\0';
}

int vfw_ruleset_install(const struct vfw_maps *maps, const struct vfw_compiled *c,
			const char *source, const char *pin_dir)
{
	return vfw_ruleset_install_document(maps, c, NULL, source, pin_dir);
}

int vfw_ruleset_install_document(const struct vfw_maps *maps, const struct vfw_compiled *c,
				 const char *document, const char *source,
				 const char *pin_dir)
{
	struct install in = { .maps = maps, .c = c, .trie_fd = -1 };
	int err;

	err = read_live_slot(&in) ?:
	      read_meta(&in) ?:
	      allocate_ids(&in);
	if (err)
		goto cleanup;
	err = start_trie(&in);
	if (err)
		goto cleanup;
	/* Slot nxt is not live, and once its readers are gone the trie may go
	 * into it while the thread still fills it: the flip comes after both. */
	err = wait_for_readers(&in) ?:
	      put_trie(&in) ?:
	      update_meta(&in) ?:
	      vfw_fault_point("install-ids") ?:
	      write_fast(&in);
	err = join_trie(&in) ?: err;
	err = err ?:
	      vfw_fault_point("install-trie") ?:
	      write_config(&in, source) ?:
	      vfw_fault_point("install-config");
	/* Without a document the slot's old one must not outlive its rules. */
	if (!err)
		err = write_document(&in, document ?: "") ?:
		      vfw_fault_point("install-document");
	if (!err && pin_dir)
		err = pin_trie_tmp(&in, pin_dir) ?: vfw_fault_point("install-pin");
	if (err)
		goto cleanup;
	err = flip(&in);
	if (err)
		goto cleanup;
	vfw_fault_point("install-flip");
	if (pin_dir)
		publish_pin(&in, pin_dir);
	pr_debug("rule set generation %llu live in slot %u: %zu rules, %zu entries\n",
		 (unsigned long long)in.cur_config.generation + 1, in.nxt,
		 c->n_rules, c->n_entries);
cleanup:
	join_trie(&in);
	if (in.tmp_pin[0])
		unlink(in.tmp_pin);
	vfw_close_fd(&in.trie_fd);
	free(in.is_new);
	free(in.ids);
	free(in.meta);
	return err;
}

int vfw_read_live_config(const struct vfw_maps *maps, struct vfw_config *cfg)
{
	int slot = vfw_ruleset_active_slot(maps);
	__u32 key;

	if (slot < 0)
		return slot;
	key = slot;
	if (bpf_map_lookup_elem(maps->config_fd, &key, cfg))
		return -errno;
	cfg->source[sizeof(cfg->source) - 1] = '\0';
	return slot;
}
