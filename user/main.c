// SPDX-License-Identifier: GPL-2.0
/*
 * vaultfw: the command-line tool. `vaultfw [-v|-q] COMMAND ARGS...`; every
 * command takes --help. Errors end in one line on stderr,
 * "vaultfw: COMMAND: reason", and a non-zero exit status.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "edit.h"
#include "events.h"
#include "explain.h"
#include "loader.h"
#include "log.h"
#include "watch.h"
#include "watch_apply.h"

#define EXIT_USAGE	2
#define MAX_POSITIONAL	2
#define ERR_MAX		1024

/* Options a command may accept beyond the common -h, -v, -q. */
enum cmd_opt {
	CMD_OPT_MODE = 1 << 0,
	CMD_OPT_JSON = 1 << 1,
	CMD_OPT_LOG_RATE = 1 << 2,
	CMD_OPT_LOG = 1 << 3,
	CMD_OPT_RULE = 1 << 4,
	CMD_OPT_UPDATE = 1 << 5,
	CMD_OPT_REPLACE = 1 << 6,
	CMD_OPT_EXPLAIN = 1 << 7,
	CMD_OPT_STATS = 1 << 8,
	CMD_OPT_APPLY_WATCH = 1 << 9,
};

struct cmd_args {
	const char *pos[MAX_POSITIONAL];
	int n_pos;
	enum xdp_attach_mode mode;
	bool json;
	const char *log_rate;
	struct vfw_events_opts log;
	struct vfw_edit edit;
	bool replace;
	bool watch;		/* apply --watch */
	struct vfw_explain_request explain;
	struct vfw_stats_request stats;
};

struct cmd {
	const char *name;
	const char *args;
	const char *summary;
	unsigned int opts;	/* enum cmd_opt */
	int min_pos;
	int max_pos;
	int (*run)(const struct cmd_args *a, char *err, size_t errlen);
};

/* Long-only options of explain and stats, beyond any option character. */
enum observe_opt {
	OPT_SRC = 0x100,
	OPT_DST,
	OPT_PROTO,
	OPT_DPORT,
	OPT_VLAN,
	OPT_VNI,
	OPT_TUNNEL_SRC,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_FORMAT,
	OPT_OUTPUT,
};

static const struct option long_opts[] = {
	{ "help",	no_argument,		NULL, 'h' },
	{ "verbose",	no_argument,		NULL, 'v' },
	{ "quiet",	no_argument,		NULL, 'q' },
	{ "mode",	required_argument,	NULL, 'm' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "log-rate",	required_argument,	NULL, 'L' },
	{ "rate",	required_argument,	NULL, 'r' },
	{ "reason",	required_argument,	NULL, 'R' },
	{ "enable",	required_argument,	NULL, 'e' },
	{ "disable",	required_argument,	NULL, 'd' },
	{ "follow",	no_argument,		NULL, 'f' },
	{ "replace",	no_argument,		NULL, 'x' },
	{ "ip-address",	required_argument,	NULL, 'a' },
	{ "subnet",	required_argument,	NULL, 's' },
	{ "default-action", required_argument,	NULL, 'D' },
	{ "bypass",	required_argument,	NULL, 'B' },
	{ "public-network-access", required_argument, NULL, 'P' },
	{ "src",	required_argument,	NULL, OPT_SRC },
	{ "dst",	required_argument,	NULL, OPT_DST },
	{ "proto",	required_argument,	NULL, OPT_PROTO },
	{ "dport",	required_argument,	NULL, OPT_DPORT },
	{ "vlan",	required_argument,	NULL, OPT_VLAN },
	{ "vni",	required_argument,	NULL, OPT_VNI },
	{ "tunnel-src",	required_argument,	NULL, OPT_TUNNEL_SRC },
	{ "watch",	no_argument,		NULL, OPT_WATCH },
	{ "interval",	required_argument,	NULL, OPT_INTERVAL },
	{ "format",	required_argument,	NULL, OPT_FORMAT },
	{ "output",	required_argument,	NULL, OPT_OUTPUT },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	unsigned int opt;	/* 0: every command */
	const char *usage;
	const char *help;
} opt_help[] = {
	{ CMD_OPT_MODE, "-m, --mode native|generic", "XDP mode (default: native)" },
	{ CMD_OPT_JSON, "-j, --json", "print JSON instead of a table" },
	{ CMD_OPT_LOG_RATE, "--log-rate N", "log at most N events/s per CPU (default 1000, 0: off)" },
	{ CMD_OPT_LOG, "--reason R", "show only events of reason R" },
	{ CMD_OPT_LOG, "--follow", "wait for new events until interrupted" },
	{ CMD_OPT_LOG, "--rate N", "set the log rate (events/s per CPU, 0: off) and exit" },
	{ CMD_OPT_LOG, "--enable R[,R...]|all", "log these reasons again, and exit" },
	{ CMD_OPT_LOG, "--disable R[,R...]|all", "stop logging these reasons, and exit" },
	{ CMD_OPT_REPLACE, "--replace", "if vaultfw is attached, replace its rules atomically" },
	{ CMD_OPT_RULE, "--ip-address A [A...]", "IPv4 address or CIDR (a bare address is A/32)" },
	{ CMD_OPT_RULE, "--subnet ID", "subnet resource id (needs a host.subnets binding)" },
	{ CMD_OPT_UPDATE, "--default-action Allow|Deny", "networkAcls.defaultAction" },
	{ CMD_OPT_UPDATE, "--bypass AzureServices|None", "networkAcls.bypass" },
	{ CMD_OPT_UPDATE, "--public-network-access V", "Enabled, Disabled or SecuredByPerimeter" },
	{ CMD_OPT_EXPLAIN, "--src A", "source address, IPv4 or IPv6 (required)" },
	{ CMD_OPT_EXPLAIN, "--dst A", "destination (default: the first data-plane address)" },
	{ CMD_OPT_EXPLAIN, "--proto tcp|udp", "protocol (default: the first data-plane port's)" },
	{ CMD_OPT_EXPLAIN, "--dport N", "destination port (default: the first data-plane port)" },
	{ CMD_OPT_EXPLAIN, "--vlan N", "send the frame with this 802.1Q tag" },
	{ CMD_OPT_EXPLAIN, "--vni N", "send the frame VXLAN-encapsulated with this VNI" },
	{ CMD_OPT_EXPLAIN, "--tunnel-src A", "VXLAN outer source (default: the first trusted remote)" },
	{ CMD_OPT_STATS, "--watch", "refresh a table sorted by rate until Ctrl-C" },
	{ CMD_OPT_APPLY_WATCH, "--watch", "apply FILE again whenever it changes, until SIGTERM" },
	{ CMD_OPT_STATS, "--interval S", "seconds between refreshes (default 1)" },
	{ CMD_OPT_STATS, "--format F", "table, json or prometheus (text exposition format)" },
	{ CMD_OPT_STATS, "--output PATH", "prometheus: write PATH atomically, not stdout" },
	{ 0, "-v, --verbose", "show debug output, libbpf and libxdp messages" },
	{ 0, "-q, --quiet", "show warnings and errors only" },
	{ 0, "-h, --help", "show this help" },
};

static int run_check(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_check(a->pos[0], err, errlen);
}

static int run_attach(const struct cmd_args *a, char *err, size_t errlen)
{
	__u32 log_rate = VFW_LOG_RATE_DEFAULT;

	if (a->log_rate && vfw_events_parse_rate(a->log_rate, &log_rate, err, errlen))
		return -EINVAL;
	if (a->replace)
		return vfw_attach_replace(a->pos[0], a->pos[1], a->mode, log_rate, err, errlen);
	return vfw_attach(a->pos[0], a->pos[1], a->mode, log_rate, err, errlen);
}

static int run_apply(const struct cmd_args *a, char *err, size_t errlen)
{
	if (a->watch)
		return vfw_apply_watch(a->pos[0], a->pos[1], err, errlen);
	return vfw_apply(a->pos[0], a->pos[1], err, errlen);
}

static int run_detach(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_detach(a->pos[0], err, errlen);
}

static int run_status(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_status(a->n_pos ? a->pos[0] : NULL, a->json, err, errlen);
}

static int run_stats(const struct cmd_args *a, char *err, size_t errlen)
{
	struct vfw_stats_request req = a->stats;

	req.json = a->json;
	return vfw_stats_run(a->pos[0], &req, err, errlen);
}

static int run_explain(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_explain(a->pos[0], &a->explain, err, errlen);
}

static int run_log(const struct cmd_args *a, char *err, size_t errlen)
{
	struct vfw_events_opts opts = a->log;

	opts.ifname = a->pos[0];
	opts.json = a->json;
	return vfw_events_run(&opts, err, errlen);
}

static int run_show(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_show(a->pos[0], err, errlen);
}

static int run_rule(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_rule_cmd(a->pos[0], a->pos[1], &a->edit, a->json, err, errlen);
}

static int run_update(const struct cmd_args *a, char *err, size_t errlen)
{
	return vfw_update_cmd(a->pos[0], &a->edit, err, errlen);
}

static const struct cmd cmds[] = {
	{ "check", "FILE", "validate and compile a rules file, print what would be loaded",
	  0, 1, 1, run_check },
	{ "attach", "IFACE FILE", "load the rules in FILE and attach the filter to IFACE",
	  CMD_OPT_MODE | CMD_OPT_LOG_RATE | CMD_OPT_REPLACE, 2, 2, run_attach },
	{ "apply", "IFACE FILE", "replace the rules on IFACE atomically, keeping counters",
	  CMD_OPT_APPLY_WATCH, 2, 2, run_apply },
	{ "detach", "IFACE", "detach the filter from IFACE and remove its state",
	  0, 1, 1, run_detach },
	{ "status", "[IFACE]", "show the filter on IFACE, or on every interface",
	  CMD_OPT_JSON, 0, 1, run_status },
	{ "stats", "IFACE", "show packet and byte counters per reason and per rule",
	  CMD_OPT_JSON | CMD_OPT_STATS, 1, 1, run_stats },
	{ "explain", "IFACE|FILE", "show the verdict the filter gives one frame, and why",
	  CMD_OPT_EXPLAIN, 1, 1, run_explain },
	{ "log", "IFACE", "print the diagnostic log of denied and would-deny traffic",
	  CMD_OPT_JSON | CMD_OPT_LOG, 1, 1, run_log },
	{ "show", "IFACE", "print the rules in force on IFACE as a rules file",
	  0, 1, 1, run_show },
	{ "rule", "ACTION IFACE", "add, remove or list (ACTION) IP and subnet rules on IFACE",
	  CMD_OPT_RULE | CMD_OPT_JSON, 2, 2, run_rule },
	{ "update", "IFACE", "set defaultAction, bypass or publicNetworkAccess on IFACE",
	  CMD_OPT_UPDATE, 1, 1, run_update },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void print_options(FILE *out, unsigned int opts)
{
	size_t i;

	fprintf(out, "\nOptions:\n");
	for (i = 0; i < sizeof(opt_help) / sizeof(opt_help[0]); i++)
		if (!opt_help[i].opt || (opt_help[i].opt & opts))
			fprintf(out, "  %-28s %s\n", opt_help[i].usage, opt_help[i].help);
}

static void cmd_help(const struct cmd *c)
{
	printf("Usage: vaultfw %s %s [OPTIONS]\n\n%c%s.\n", c->name, c->args,
	       toupper((unsigned char)c->summary[0]), c->summary + 1);
	print_options(stdout, c->opts);
}

static void main_help(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vaultfw [-v|-q] COMMAND [ARGS]\n\n"
		"An XDP filter enforcing a secret vault's network rules.\n\nCommands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(out, "  %-8s %-12s %s\n", cmds[i].name, cmds[i].args, cmds[i].summary);
	fprintf(out, "\nRun 'vaultfw COMMAND --help' for the options of a command.\n");
}

/* The option characters of long_opts, so both spellings are accepted. */
static const char short_opts[] = "+hvqm:j";

static bool set_log_option(int opt)
{
	if (opt == 'v')
		vfw_log_level = VFW_LOG_DEBUG;
	else if (opt == 'q')
		vfw_log_level = VFW_LOG_WARN;
	else
		return false;
	return true;
}

/* The options of `vaultfw log` and attach's --log-rate; false when opt is
 * none of them or the command does not take it. */
static bool set_log_cmd_option(const struct cmd *c, int opt, struct cmd_args *a)
{
	if (opt == 'L' && (c->opts & CMD_OPT_LOG_RATE))
		a->log_rate = optarg;
	else if (!(c->opts & CMD_OPT_LOG))
		return false;
	else if (opt == 'r')
		a->log.rate = optarg;
	else if (opt == 'R')
		a->log.reason = optarg;
	else if (opt == 'e')
		a->log.enable = optarg;
	else if (opt == 'd')
		a->log.disable = optarg;
	else if (opt == 'f')
		a->log.follow = true;
	else
		return false;
	return true;
}

/* The options of explain and stats; false when opt is none of them or the
 * command does not take it. */
static bool set_observe_option(const struct cmd *c, int opt, struct cmd_args *a)
{
	struct vfw_explain_request *x = &a->explain;
	struct vfw_stats_request *st = &a->stats;
	const char **value = NULL;

	if (c->opts & CMD_OPT_EXPLAIN)
		value = opt == OPT_SRC ? &x->src : opt == OPT_DST ? &x->dst :
			opt == OPT_PROTO ? &x->proto : opt == OPT_DPORT ? &x->dport :
			opt == OPT_VLAN ? &x->vlan : opt == OPT_VNI ? &x->vni :
			opt == OPT_TUNNEL_SRC ? &x->tunnel_src : NULL;
	else if (c->opts & CMD_OPT_STATS)
		value = opt == OPT_INTERVAL ? &st->interval : opt == OPT_FORMAT ? &st->format :
			opt == OPT_OUTPUT ? &st->output : NULL;
	if (opt == OPT_WATCH && (c->opts & CMD_OPT_STATS))
		st->watch = true;
	else if (value)
		*value = optarg;
	else
		return false;
	return true;
}

/*
 * The options of rule edits. --ip-address takes every following word up to
 * the next option, like the vault CLI's. Returns 1 when opt is one of them,
 * 0 when not (or the command does not take it), or a negative errno.
 */
static int set_edit_option(const struct cmd *c, int opt, int argc, char **argv,
			   struct cmd_args *a, char *err, size_t errlen)
{
	struct vfw_edit *e = &a->edit;
	int ret = 0;

	if (opt == 'x' && (c->opts & CMD_OPT_REPLACE)) {
		a->replace = true;
	} else if (opt == 'a' && (c->opts & CMD_OPT_RULE)) {
		ret = vfw_edit_add_ip_address(e, optarg, err, errlen);
		while (!ret && optind < argc && argv[optind][0] != '-')
			ret = vfw_edit_add_ip_address(e, argv[optind++], err, errlen);
	} else if (opt == 's' && (c->opts & CMD_OPT_RULE)) {
		ret = vfw_edit_add_subnet(e, optarg, err, errlen);
	} else if (!(c->opts & CMD_OPT_UPDATE)) {
		return 0;
	} else if (opt == 'D') {
		e->default_action = optarg;
	} else if (opt == 'B') {
		e->bypass = optarg;
	} else if (opt == 'P') {
		e->public_network_access = optarg;
	} else {
		return 0;
	}
	return ret ?: 1;
}

/*
 * Parse a command's options and positionals. Returns 0 to run it, 1 when
 * --help was printed, or -EINVAL with the reason in err.
 */
static int parse_cmd(const struct cmd *c, int argc, char **argv, struct cmd_args *a,
		     char *err, size_t errlen)
{
	int opt, ret, long_index;

	a->mode = XDP_MODE_NATIVE;
	optind = 0;	/* glibc: start over after the global parse */
	opterr = 0;
	/* Options may follow positionals: permute, unlike the global parse. */
	for (;;) {
		long_index = -1;
		opt = getopt_long(argc, argv, short_opts + 1, long_opts, &long_index);
		if (opt == -1)
			break;
		if (opt == 'h') {
			cmd_help(c);
			return 1;
		}
		if (set_log_option(opt) || set_log_cmd_option(c, opt, a) ||
		    set_observe_option(c, opt, a))
			continue;
		ret = set_edit_option(c, opt, argc, argv, a, err, errlen);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		if (opt == 'm' && (c->opts & CMD_OPT_MODE)) {
			if (vfw_parse_xdp_mode(optarg, &a->mode)) {
				snprintf(err, errlen, "unknown mode '%s' (native or generic)", optarg);
				return -EINVAL;
			}
		} else if (opt == OPT_WATCH && (c->opts & CMD_OPT_APPLY_WATCH)) {
			a->watch = true;
		} else if (opt == 'j' && (c->opts & CMD_OPT_JSON)) {
			a->json = true;
		} else if (opt == '?' && optopt == 'm' && (c->opts & CMD_OPT_MODE)) {
			snprintf(err, errlen, "--mode needs an argument (native or generic)");
			return -EINVAL;
		} else if (long_index >= 0) {
			/* A known option this subcommand does not take: argv[optind - 1]
			 * may be its argument, so name it from the table. */
			snprintf(err, errlen, "%s does not take --%s (see --help)", c->name,
				 long_opts[long_index].name);
			return -EINVAL;
		} else {
			snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	a->n_pos = argc - optind;
	if (a->n_pos < c->min_pos || a->n_pos > c->max_pos) {
		snprintf(err, errlen, "usage: vaultfw %s %s", c->name, c->args);
		return -EINVAL;
	}
	memcpy(a->pos, argv + optind, a->n_pos * sizeof(*a->pos));
	return 0;
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static int run_cmd(const struct cmd *c, int argc, char **argv)
{
	struct cmd_args args = {};
	char err[ERR_MAX] = "";
	int ret;

	ret = parse_cmd(c, argc, argv, &args, err, sizeof(err));
	if (ret == 1)
		return 0;
	if (ret) {
		fprintf(stderr, "vaultfw: %s: %s\n", c->name, err);
		return EXIT_USAGE;
	}
	vfw_log_setup_libs();
	ret = c->run(&args, err, sizeof(err));
	if (!ret)
		return 0;
	fprintf(stderr, "vaultfw: %s: %s\n", c->name, *err ? err : strerror(-ret));
	return 1;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
		if (opt == 'h') {
			main_help(stdout);
			return 0;
		}
		if (!set_log_option(opt)) {
			fprintf(stderr, "vaultfw: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	c = find_cmd(argv[optind]);
	if (!c) {
		fprintf(stderr, "vaultfw: unknown command '%s' (see --help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	return run_cmd(c, argc - optind, argv + optind);
}
