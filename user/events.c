// SPDX-License-Identifier: GPL-2.0
/*
 * The diagnostic log, userspace side: settings, held-back counters, and
 * `vaultfw log`, which drains or follows the pinned ring buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include "events.h"
#include "iface.h"
#include "pins.h"
#include "signals.h"
#include "log.h"
#include "stats.h"

/* How long a --follow poll waits before it checks for a signal again. */
#define FOLLOW_POLL_MS	200
#define TIME_MAX	48
#define ADDR_MAX	(INET6_ADDRSTRLEN + 8)
#define RULE_MAX	(VFW_NAME_MAX + 32)

/* Reasons that can produce events: every DROP, and the audit reason. */
#define VFW_REASON_LOGGABLE(id, name, verdict)				\
	| ((verdict) == XDP_DROP || VFW_REASON_##id == VFW_REASON_PERIMETER_WOULD_DENY ? \
	   1u << VFW_REASON_##id : 0)
#define LOGGABLE_REASONS	(0 VFW_REASONS(VFW_REASON_LOGGABLE))

/* The log's maps, kept open past the interface lock by read_events(). */
struct log_fds {
	int events;
	int config;
	int bucket;
	int rule_meta;
};

/* What the ring buffer callback needs. */
struct reader {
	const struct vfw_events_opts *opts;
	int reason;		/* filter, or -1 */
	int rule_meta_fd;
	__s64 mono_to_real_ns;	/* add to a bpf_ktime_get_ns() for wall clock */
	size_t shown;
};

int vfw_events_parse_rate(const char *text, __u32 *rate, char *err, size_t errlen)
{
	unsigned long val;
	char *end;

	errno = 0;
	val = strtoul(text, &end, 10);
	if (!*text || *end || errno || text[0] == '-' || val > VFW_LOG_RATE_MAX) {
		snprintf(err, errlen, "invalid log rate '%s' (events per second per CPU, 0 to %u)",
			 text, VFW_LOG_RATE_MAX);
		return -EINVAL;
	}
	*rate = val;
	return 0;
}

int vfw_events_config_init(int log_config_fd, __u32 rate)
{
	struct vfw_log_config cfg = { .rate = rate, .reasons = LOGGABLE_REASONS };
	__u32 zero = 0;

	return bpf_map_update_elem(log_config_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* The id of a reason that produces events, or -EINVAL with err set. */
static int loggable_reason(const char *name, char *err, size_t errlen)
{
	unsigned int r;

	for (r = 0; r < VFW_REASON_COUNT; r++)
		if ((LOGGABLE_REASONS & (1u << r)) && !strcmp(name, vfw_reason_name(r)))
			return r;
	snprintf(err, errlen, "'%s' is not a reason that is logged "
		 "(a DROP reason or perimeter-would-deny)", name);
	return -EINVAL;
}

/* "all" or a comma-separated list of loggable reasons, as a mask. */
static int parse_reasons(const char *list, __u32 *mask, char *err, size_t errlen)
{
	char *copy, *name, *save = NULL;
	int r, ret = 0;

	if (!strcmp(list, "all")) {
		*mask = LOGGABLE_REASONS;
		return 0;
	}
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	*mask = 0;
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		ret = r = loggable_reason(name, err, errlen);
		if (r < 0)
			break;
		*mask |= 1u << r;
	}
	free(copy);
	if (ret < 0)
		return ret;
	if (!*mask) {
		snprintf(err, errlen, "no reason given in '%s'", list);
		return -EINVAL;
	}
	return 0;
}

static void print_reason_mask(FILE *out, __u32 mask)
{
	const char *sep = "";
	unsigned int r;

	if ((mask & LOGGABLE_REASONS) == LOGGABLE_REASONS) {
		fprintf(out, "all");
		return;
	}
	if (!(mask & LOGGABLE_REASONS)) {
		fprintf(out, "none");
		return;
	}
	for (r = 0; r < VFW_REASON_COUNT; r++) {
		if (mask & LOGGABLE_REASONS & (1u << r)) {
			fprintf(out, "%s%s", sep, vfw_reason_name(r));
			sep = ",";
		}
	}
}

static int read_status(int config_fd, int bucket_fd, struct vfw_events_status *st)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vfw_log_bucket *percpu;
	__u32 zero = 0;
	int cpu, ret = 0;

	if (ncpus < 0)
		return ncpus;
	if (bpf_map_lookup_elem(config_fd, &zero, &st->config))
		return -errno;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bucket_fd, &zero, percpu)) {
		ret = -errno;
		goto cleanup;
	}
	st->held_back = st->ring_full = 0;
	for (cpu = 0; cpu < ncpus; cpu++) {
		st->held_back += percpu[cpu].held_back;
		st->ring_full += percpu[cpu].ring_full;
	}
cleanup:
	free(percpu);
	return ret;
}

int vfw_events_status_read(const struct vfw_maps *maps, struct vfw_events_status *st)
{
	return read_status(maps->log_config_fd, maps->log_bucket_fd, st);
}

static void print_settings(FILE *out, const struct vfw_log_config *cfg)
{
	if (cfg->rate)
		fprintf(out, "rate %u/s per CPU (burst %u), reasons ", cfg->rate, cfg->rate);
	else
		fprintf(out, "off (rate 0), reasons ");
	print_reason_mask(out, cfg->reasons);
}

void vfw_events_status_print(FILE *out, const struct vfw_events_status *st)
{
	fprintf(out, "  log: ");
	print_settings(out, &st->config);
	fprintf(out, "; held back %llu (rate limit), ring full %llu\n",
		(unsigned long long)st->held_back, (unsigned long long)st->ring_full);
}

static bool has_setting(const struct vfw_events_opts *o)
{
	return o->rate || o->enable || o->disable;
}

static int apply_settings(const struct vfw_events_opts *o, struct vfw_log_config *cfg,
			  char *err, size_t errlen)
{
	__u32 mask;
	int ret;

	if (o->rate) {
		ret = vfw_events_parse_rate(o->rate, &cfg->rate, err, errlen);
		if (ret)
			return ret;
	}
	if (o->enable) {
		ret = parse_reasons(o->enable, &mask, err, errlen);
		if (ret)
			return ret;
		cfg->reasons |= mask;
	}
	if (o->disable) {
		ret = parse_reasons(o->disable, &mask, err, errlen);
		if (ret)
			return ret;
		cfg->reasons &= ~mask;
	}
	return 0;
}

/*
 * New settings take effect with the next event: a bucket the program found
 * empty looks at the clock again only after VFW_LOG_CLOCK_EVERY events
 * (maps/vaultfw.h), so its countdown is cleared on every CPU. Only the
 * countdown: the credit and the counts stay, so a rate change never
 * grants a burst. Best effort: a racing event at most keeps its own.
 */
static void rearm_clock(int bucket_fd)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;
	struct vfw_log_bucket *percpu;
	__u32 zero = 0;

	if (ncpus <= 0 || !(percpu = calloc(ncpus, sizeof(*percpu))))
		return;
	if (!bpf_map_lookup_elem(bucket_fd, &zero, percpu)) {
		for (cpu = 0; cpu < ncpus; cpu++)
			percpu[cpu].clock_at = 0;
		bpf_map_update_elem(bucket_fd, &zero, percpu, BPF_EXIST);
	}
	free(percpu);
}

/* Runs under the interface's exclusive lock, so two changes do not race;
 * the program sees the old settings or the new ones (one map update). */
static int change_settings(const char *ifname, const struct vfw_maps *maps,
			   const char *pin_dir, void *ctx, char *err, size_t errlen)
{
	const struct vfw_events_opts *o = ctx;
	int fd = maps->log_config_fd;
	struct vfw_log_config cfg;
	__u32 zero = 0;
	int ret;

	(void)pin_dir;
	ret = bpf_map_lookup_elem(fd, &zero, &cfg) ? -errno : 0;
	if (!ret)
		ret = apply_settings(o, &cfg, err, errlen);
	if (ret)
		goto cleanup;
	if (bpf_map_update_elem(fd, &zero, &cfg, BPF_EXIST)) {
		ret = -errno;
		snprintf(err, errlen, "cannot write the log settings: %s", strerror(-ret));
		goto cleanup;
	}
	rearm_clock(maps->log_bucket_fd);
	printf("%s: log ", ifname);
	print_settings(stdout, &cfg);
	putchar('\n');
cleanup:
	return ret;
}

static __s64 mono_to_real_offset(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

static void format_time(const struct reader *rd, __u64 ktime_ns, char *buf, size_t len)
{
	__s64 real_ns = (__s64)ktime_ns + rd->mono_to_real_ns;
	time_t sec = real_ns / 1000000000LL;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&sec, &tm) || !(n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, len, "%llu", (unsigned long long)ktime_ns);
		return;
	}
	snprintf(buf + n, len - n, ".%06lldZ", (long long)(real_ns % 1000000000LL) / 1000);
}

static void format_addr(__u16 family, const __u8 *addr, char *buf, size_t len)
{
	if ((family != AF_INET && family != AF_INET6) || !inet_ntop(family, addr, buf, len))
		snprintf(buf, len, "-");
}

static void format_proto(__u8 proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		snprintf(buf, len, "tcp");
	else if (proto == IPPROTO_UDP)
		snprintf(buf, len, "udp");
	else
		snprintf(buf, len, "%u", proto);
}

static const char *tag_kind_name(__u32 kind)
{
	switch (kind) {
	case VFW_TAG_VLAN:
		return "vlan";
	case VFW_TAG_VNI:
		return "vni";
	default:
		return "none";
	}
}

/* "ip-rule 203.0.113.0/24", or "-" when no rule decided. */
static void format_rule(const struct reader *rd, __u32 id, char *buf, size_t len)
{
	struct vfw_rule_meta meta;

	if (id == VFW_RULE_ID_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	if (bpf_map_lookup_elem(rd->rule_meta_fd, &id, &meta) || meta.kind == VFW_RULE_NONE) {
		snprintf(buf, len, "rule #%u", id);	/* removed since the event */
		return;
	}
	meta.name[sizeof(meta.name) - 1] = '\0';
	snprintf(buf, len, "%s %s", vfw_rule_kind_name(meta.kind), meta.name);
}

static void format_ifname(const struct reader *rd, __u32 ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "%.*s", IF_NAMESIZE - 1, rd->opts->ifname);
}

static const char *verdict_name(__u8 verdict)
{
	return verdict == XDP_DROP ? "DROP" : "PASS";
}

static bool would_deny(const struct vfw_event *ev)
{
	return ev->flags & VFW_EVENT_WOULD_DENY;
}

static int print_json(const struct vfw_event *ev, const char *when,
		      const char *ifname, const char *src, const char *dst, const char *proto,
		      const char *rule)
{
	json_t *obj;
	int ret;

	obj = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:b, s:s?, s:s, s:I, s:s, s:s, s:s, s:I}",
			"time", when, "ktime_ns", (json_int_t)ev->ktime_ns,
			"iface", ifname, "ifindex", (json_int_t)ev->ifindex,
			"verdict", verdict_name(ev->verdict),
			"reason", vfw_reason_name(ev->reason),
			"perimeter_would_deny", would_deny(ev),
			"rule", ev->rule_id == VFW_RULE_ID_NONE ? NULL : rule,
			"tag_kind", tag_kind_name(ev->tag_kind), "tag_id", (json_int_t)ev->tag_id,
			"src", src, "dst", dst, "proto", proto, "dport", (json_int_t)ev->dport);
	if (!obj)
		return -ENOMEM;
	ret = json_dumpf(obj, stdout, JSON_COMPACT);
	json_decref(obj);
	if (ret)
		return -EIO;
	putchar('\n');
	return 0;
}

static void print_text(const struct vfw_event *ev, const char *when, const char *ifname,
		       const char *src, const char *dst, const char *proto, const char *rule)
{
	printf("%s %s %s reason=%s%s proto=%s src=%s dst=%s dport=%u tag=%s",
	       when, ifname, verdict_name(ev->verdict), vfw_reason_name(ev->reason),
	       would_deny(ev) ? " audit=perimeter-would-deny" : "", proto, src, dst,
	       ev->dport, tag_kind_name(ev->tag_kind));
	if (ev->tag_kind != VFW_TAG_NONE)
		printf(":%u", ev->tag_id);
	printf(" rule=%s\n", rule);	/* last: a rule name may hold spaces */
}

static bool event_matches(const struct reader *rd, const struct vfw_event *ev)
{
	if (rd->reason < 0 || ev->reason == rd->reason)
		return true;
	return rd->reason == VFW_REASON_PERIMETER_WOULD_DENY && would_deny(ev);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	char when[TIME_MAX], src[ADDR_MAX], dst[ADDR_MAX], proto[8], rule[RULE_MAX];
	const struct vfw_event *ev = data;
	char ifname[IF_NAMESIZE];
	struct reader *rd = ctx;
	int ret = 0;

	if (size < sizeof(*ev) || !event_matches(rd, ev))
		return 0;
	format_time(rd, ev->ktime_ns, when, sizeof(when));
	format_ifname(rd, ev->ifindex, ifname);
	format_addr(ev->family, ev->saddr, src, sizeof(src));
	format_addr(ev->family, ev->daddr, dst, sizeof(dst));
	format_proto(ev->proto, proto, sizeof(proto));
	format_rule(rd, ev->rule_id, rule, sizeof(rule));
	if (rd->opts->json)
		ret = print_json(ev, when, ifname, src, dst, proto, rule);
	else
		print_text(ev, when, ifname, src, dst, proto, rule);
	if (rd->opts->follow)
		fflush(stdout);
	rd->shown++;
	return ret;
}

/* Until SIGINT or SIGTERM: the ring buffer's epoll fd and the signalfd
 * are one wait. */
static int follow(struct ring_buffer *rb)
{
	struct vfw_signals sig;
	int ret;

	ret = vfw_signals_open(&sig, false);
	while (!ret) {
		ret = vfw_signals_wait(&sig, ring_buffer__epoll_fd(rb), FOLLOW_POLL_MS, NULL);
		if (ret)
			break;
		ret = ring_buffer__consume(rb);
		ret = ret < 0 ? ret : 0;
	}
	vfw_signals_close(&sig);
	return ret > 0 ? 0 : ret;
}

static void report_counters(const char *ifname, const struct log_fds *fds, size_t shown)
{
	struct vfw_events_status st;

	if (read_status(fds->config, fds->bucket, &st))
		return;
	pr_info("%s: %zu events shown; held back %llu (rate limit), ring full %llu; log ",
		ifname, shown, (unsigned long long)st.held_back,
		(unsigned long long)st.ring_full);
	if (vfw_log_level >= VFW_LOG_INFO) {
		print_settings(stderr, &st.config);
		fputc('\n', stderr);
	}
}

static void close_log_fds(struct log_fds *fds)
{
	vfw_close_fd(&fds->events);
	vfw_close_fd(&fds->config);
	vfw_close_fd(&fds->bucket);
	vfw_close_fd(&fds->rule_meta);
}

/* Copies of the registry's fds, which close with the lock. */
static int dup_log_fds_locked(const char *ifname, const struct vfw_maps *maps,
			      const char *pin_dir, void *ctx, char *err, size_t errlen)
{
	struct log_fds *fds = ctx;

	(void)ifname;
	fds->events = dup(maps->events_fd);
	fds->config = dup(maps->log_config_fd);
	fds->bucket = dup(maps->log_bucket_fd);
	fds->rule_meta = dup(maps->rule_meta_fd);
	if (fds->events >= 0 && fds->config >= 0 && fds->bucket >= 0 && fds->rule_meta >= 0)
		return 0;
	snprintf(err, errlen, "cannot keep the log maps of %s open: %s", pin_dir,
		 strerror(errno));
	close_log_fds(fds);
	return -EMFILE;
}

/*
 * The maps are opened under the shared lock, which is dropped before
 * reading: a follower must not hold off apply or detach. The ring buffer
 * has one consumer position, so two readers of one interface share events.
 */
static int read_events(const struct vfw_events_opts *o, struct reader *rd,
		       char *err, size_t errlen)
{
	struct log_fds fds = { -1, -1, -1, -1 };
	struct ring_buffer *rb = NULL;
	int ret;

	ret = vfw_with_pinned_maps(o->ifname, VFW_PINS_READ, dup_log_fds_locked, &fds, err, errlen);
	if (ret)
		return ret;
	rd->rule_meta_fd = fds.rule_meta;
	rb = ring_buffer__new(fds.events, handle_event, rd, NULL);
	if (!rb) {
		ret = -errno;
		snprintf(err, errlen, "cannot read the ring buffer %s: %s", VFW_MAP_EVENTS,
			 strerror(-ret));
		goto cleanup;
	}
	ret = o->follow ? follow(rb) : ring_buffer__consume(rb);
	if (ret < 0) {
		snprintf(err, errlen, "reading events: %s", strerror(-ret));
		goto cleanup;
	}
	ret = 0;
	report_counters(o->ifname, &fds, rd->shown);
cleanup:
	ring_buffer__free(rb);
	close_log_fds(&fds);
	return ret;
}

int vfw_events_run(const struct vfw_events_opts *o, char *err, size_t errlen)
{
	struct reader rd = { .opts = o, .reason = -1 };

	if (has_setting(o)) {
		if (o->json || o->follow || o->reason) {
			snprintf(err, errlen, "--rate, --enable and --disable change settings; "
				 "read events in a separate call");
			return -EINVAL;
		}
		return vfw_with_pinned_maps(o->ifname, VFW_PINS_WRITE, change_settings, (void *)o,
					    err, errlen);
	}
	if (o->reason) {
		rd.reason = loggable_reason(o->reason, err, errlen);
		if (rd.reason < 0)
			return rd.reason;
	}
	rd.mono_to_real_ns = mono_to_real_offset();
	return read_events(o, &rd, err, errlen);
}
