// SPDX-License-Identifier: GPL-2.0
/*
 * The programs under test, all loaded before the first measurement: the
 * bare XDP_DROP floor, vaultfw at every rule count measured, and the peer
 * xdp-filter. vaultfw's rules go through the real pipeline: a generated
 * rules document is parsed (vfw_rules_parse), compiled (vfw_compile) and
 * installed (vfw_ruleset_install) into the maps of a fresh skeleton.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "compile.h"
#include "events.h"
#include "pins.h"
#include "log.h"
#include "ruleset.h"
#include "vaultfw.skel.h"
#include "xdp_drop.skel.h"

int compile_rules(const struct bench_data *d, size_t n_ip, size_t n_subnets,
		  struct vfw_compiled *out, double *parse_ms, double *compile_ms)
{
	struct vfw_rules rules = {};
	char err[512];
	char *text;
	double t0, t1;
	int err_code;

	text = rules_document(d, n_ip, n_subnets);
	if (!text)
		return -ENOMEM;
	t0 = now_ms();
	err_code = vfw_rules_parse(text, strlen(text), "bench-rules", &rules,
				   err, sizeof(err));
	t1 = now_ms();
	if (err_code) {
		pr_warn("bench: generated rules rejected: %s\n", err);
		goto cleanup;
	}
	err_code = vfw_compile(&rules, out, err, sizeof(err));
	if (err_code)
		pr_warn("bench: generated rules do not compile: %s\n", err);
	if (parse_ms)
		*parse_ms = t1 - t0;
	if (compile_ms)
		*compile_ms = now_ms() - t1;
	vfw_rules_free(&rules);
cleanup:
	free(text);
	return err_code;
}

int vaultfw_load(const struct bench_data *d, size_t n_ip, size_t n_subnets,
		 struct vaultfw_bpf **skelp)
{
	struct vfw_compiled compiled = {};
	struct vaultfw_bpf *skel;
	struct vfw_maps maps;
	int err;

	err = compile_rules(d, n_ip, n_subnets, &compiled, NULL, NULL);
	if (err)
		return err;
	skel = vaultfw_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		pr_warn("bench: loading vaultfw: %s\n", strerror(-err));
		goto cleanup;
	}
	vfw_maps_from_skel(skel, &maps);
	err = vfw_ruleset_install(&maps, &compiled, "bench-rules", NULL);
	if (err) {
		pr_warn("bench: installing %zu+%zu rules: %s\n", n_ip, n_subnets,
			strerror(-err));
		vaultfw_bpf__destroy(skel);
		goto cleanup;
	}
	*skelp = skel;
cleanup:
	vfw_compiled_free(&compiled);
	return err;
}

/* The last rule count again, with the log on as attach leaves it. */
static int vaultfw_log_load(const struct bench_data *d, struct vaultfw_bpf **skel,
			    struct target *t)
{
	const struct rule_point *last = &vaultfw_points[N_VAULTFW - 1];
	struct vfw_maps maps;
	int err;

	err = vaultfw_load(d, last->n_ip, last->n_subnets, skel);
	if (err)
		return err;
	vfw_maps_from_skel(*skel, &maps);
	err = vfw_events_config_init(maps.log_config_fd, VFW_LOG_RATE_DEFAULT);
	if (err) {
		pr_warn("bench: turning the log on: %s\n", strerror(-err));
		return err;
	}
	*t = (struct target){ .family = TF_VAULTFW_LOG, .n_ip = last->n_ip,
			      .n_subnets = last->n_subnets,
			      .prog_fd = bpf_program__fd((*skel)->progs.vaultfw_xdp) };
	return 0;
}

static int floor_load(struct loaded *l, struct target *t)
{
	int err;

	l->floor = xdp_drop_bpf__open_and_load();
	if (!l->floor) {
		err = -errno;
		pr_warn("bench: loading the floor program: %s\n", strerror(-err));
		return err;
	}
	*t = (struct target){ .family = TF_FLOOR,
			      .prog_fd = bpf_program__fd(l->floor->progs.xdp_drop) };
	return 0;
}

/* targets[] opens with the floor: every ratio is to it. */
int load_all(const struct bench_data *d, const struct options *o,
	     struct loaded *l, struct target *targets)
{
	size_t n = 0;
	int err;

	err = floor_load(l, &targets[n++]);
	if (err)
		return err;
	for (size_t i = 0; i < N_VAULTFW; i++) {
		err = vaultfw_load(d, vaultfw_points[i].n_ip, vaultfw_points[i].n_subnets,
				   &l->vaultfw[i]);
		if (err)
			return err;
		targets[n++] = (struct target){ .family = TF_VAULTFW,
				.n_ip = vaultfw_points[i].n_ip,
				.n_subnets = vaultfw_points[i].n_subnets,
				.prog_fd = bpf_program__fd(l->vaultfw[i]->progs.vaultfw_xdp) };
	}
	err = vaultfw_log_load(d, &l->vaultfw_log, &targets[n++]);
	if (err)
		return err;
	for (size_t i = 0; i < N_XDPFILTER; i++) {
		err = xdpfilter_load(o->xdpfilter_obj, d->ip_host, xdpfilter_points[i],
				     &l->xdpfilter[i]);
		if (err)
			return err;
		targets[n++] = (struct target){ .family = TF_XDPFILTER,
				.n_ip = xdpfilter_points[i],
				.prog_fd = xdpfilter_prog_fd(l->xdpfilter[i]) };
	}
	return prefix_load_all(d, l, &targets[n]);
}

void unload_all(struct loaded *l)
{
	xdp_drop_bpf__destroy(l->floor);
	for (size_t i = 0; i < N_VAULTFW; i++)
		vaultfw_bpf__destroy(l->vaultfw[i]);
	vaultfw_bpf__destroy(l->vaultfw_log);
	for (size_t i = 0; i < N_XDPFILTER; i++)
		bpf_object__close(l->xdpfilter[i]);
	prefix_unload_all(l);
}
