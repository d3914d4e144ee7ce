// SPDX-License-Identifier: GPL-2.0
/*
 * vaultfw: the command-line tool. `vaultfw [-v|-q] COMMAND ARGS...`; every
 * command takes --help. Errors end in one line on stderr,
 * "vaultfw: COMMAND: reason", and exit status 1 (2 for usage errors).
 * Each command is one cmd_*.c file: its options table and its run().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "options.h"

#define ERR_MAX		1024

extern const struct vfw_command vfw_cmd_check, vfw_cmd_attach, vfw_cmd_apply,
	vfw_cmd_detach, vfw_cmd_status, vfw_cmd_stats, vfw_cmd_explain, vfw_cmd_log,
	vfw_cmd_show, vfw_cmd_rule, vfw_cmd_update;

const struct vfw_command *const vfw_commands[] = {
	&vfw_cmd_check, &vfw_cmd_attach, &vfw_cmd_apply, &vfw_cmd_detach, &vfw_cmd_status,
	&vfw_cmd_stats, &vfw_cmd_explain, &vfw_cmd_log, &vfw_cmd_show, &vfw_cmd_rule,
	&vfw_cmd_update, NULL,
};

static int run_command(const struct vfw_command *c, int argc, char **argv)
{
	const char *pos[VFW_MAX_POSITIONAL] = {};
	char err[ERR_MAX] = "";
	int n_pos = 0, ret;
	void *params;

	params = calloc(1, c->params_size);
	if (!params) {
		fprintf(stderr, "vaultfw: %s: out of memory\n", c->name);
		return VFW_EXIT_FAILURE;
	}
	ret = vfw_parse_command(c, argc, argv, params, pos, &n_pos, err, sizeof(err));
	if (ret == 1) {
		ret = VFW_EXIT_OK;
		goto out;
	}
	if (ret) {
		fprintf(stderr, "vaultfw: %s: %s\n", c->name, err);
		ret = VFW_EXIT_USAGE;
		goto out;
	}
	vfw_log_setup_libs();
	ret = c->run(params, pos, n_pos, err, sizeof(err));
	if (ret)
		fprintf(stderr, "vaultfw: %s: %s\n", c->name, *err ? err : strerror(-ret));
	ret = ret ? VFW_EXIT_FAILURE : VFW_EXIT_OK;
out:
	free(params);
	return ret;
}

/* The program's own options, before the command: -v, -q, --help, --version,
 * and the hidden --man and --bash-completion, from which `make` builds
 * vaultfw(8) and the completion script. */
enum { OPT_VERSION = 0x100, OPT_MAN, OPT_BASH_COMPLETION };

static const struct option main_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "man", no_argument, NULL, OPT_MAN },
	{ "bash-completion", no_argument, NULL, OPT_BASH_COMPLETION },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const struct vfw_command *c;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+hvq", main_opts, NULL)) != -1) {
		if (opt == 'h') {
			vfw_print_main_help(stdout);
			return VFW_EXIT_OK;
		}
		if (opt == OPT_VERSION) {
			vfw_print_version(stdout);
			return VFW_EXIT_OK;
		}
		if (opt == OPT_MAN) {
			vfw_print_man_page(stdout);
			return VFW_EXIT_OK;
		}
		if (opt == OPT_BASH_COMPLETION) {
			vfw_print_bash_completion(stdout);
			return VFW_EXIT_OK;
		}
		if (!vfw_set_verbosity(opt)) {
			fprintf(stderr, "vaultfw: unknown option '%s' (see --help)\n",
				argv[optind - 1]);
			return VFW_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		vfw_print_main_help(stderr);
		return VFW_EXIT_USAGE;
	}
	c = vfw_find_command(argv[optind]);
	if (!c) {
		fprintf(stderr, "vaultfw: unknown command '%s' (see --help)\n", argv[optind]);
		return VFW_EXIT_USAGE;
	}
	return run_command(c, argc - optind, argv + optind);
}
