/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line, declared once: each command is a table of its options
 * (long name, short name, argument, help text, where the value goes and
 * how it is parsed), from which the parser, `--help`, the man page and the
 * shell completion are all generated. In the spirit of xdp-tools'
 * DEFINE_OPTION / params.h.
 */
#ifndef VFW_CLI_OPTIONS_H
#define VFW_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (documented in vaultfw(8)). */
#define VFW_EXIT_OK		0
#define VFW_EXIT_FAILURE	1
#define VFW_EXIT_USAGE		2

#define VFW_MAX_POSITIONAL	2

/*
 * Stores one option's value into the command's parameters. `field` points
 * at the member named in the table; `arg` is NULL for a flag. Returns 0, or
 * -EINVAL with a one-line reason in err.
 */
typedef int (*vfw_opt_parse_fn)(const char *arg, void *field, char *err, size_t errlen);

struct vfw_option {
	const char *name;		/* long name, without "--" */
	char short_name;		/* 0: none */
	const char *arg;		/* what the argument is; NULL: a flag */
	const char *help;
	size_t offset;			/* of the field in the command's params */
	vfw_opt_parse_fn parse;		/* NULL: bool for a flag, const char * else */
	bool words;			/* also takes the words that follow, up to an option */
};

/* The table's end. */
#define VFW_OPT_END		{ NULL, 0, NULL, NULL, 0, NULL, false }
/* A flag setting a bool member of PARAMS. */
#define VFW_OPT_FLAG(PARAMS, field, lname, sname, text) \
	{ lname, sname, NULL, text, offsetof(PARAMS, field), NULL, false }
/* An argument kept as a string member (const char *) of PARAMS. */
#define VFW_OPT_STRING(PARAMS, field, lname, sname, argname, text) \
	{ lname, sname, argname, text, offsetof(PARAMS, field), NULL, false }
/* An argument parsed by fn into a member of PARAMS. */
#define VFW_OPT_PARSED(PARAMS, field, lname, sname, argname, text, fn) \
	{ lname, sname, argname, text, offsetof(PARAMS, field), fn, false }
/* The same, taking every following word up to the next option, as the
 * vault CLI's --ip-address A B C does. */
#define VFW_OPT_WORDS(PARAMS, field, lname, argname, text, fn) \
	{ lname, 0, argname, text, offsetof(PARAMS, field), fn, true }

struct vfw_command {
	const char *name;
	const char *args;		/* positionals, as usage shows them */
	const char *summary;		/* lower case, no final period */
	const struct vfw_option *opts;	/* ends with VFW_OPT_END */
	size_t params_size;
	void (*init)(void *params);	/* defaults; NULL: all zero */
	int min_pos;
	int max_pos;
	int (*run)(void *params, const char *const *pos, int n_pos, char *err, size_t errlen);
};

/* Every command, in the order help lists them; NULL-terminated. */
extern const struct vfw_command *const vfw_commands[];

const struct vfw_command *vfw_find_command(const char *name);

/* vaultfw --version */
void vfw_print_version(FILE *out);

/* Generated from the tables. */
void vfw_print_main_help(FILE *out);
void vfw_print_command_help(FILE *out, const struct vfw_command *c);
void vfw_print_man_page(FILE *out);
void vfw_print_bash_completion(FILE *out);

/*
 * Parse argv (the command's words, argv[0] its name) into params and the
 * positionals. Returns 0 to run, 1 when --help was printed, or -EINVAL with
 * the reason in err.
 */
int vfw_parse_command(const struct vfw_command *c, int argc, char **argv, void *params,
		      const char **pos, int *n_pos, char *err, size_t errlen);

/* -v and -q, wherever they stand: true when opt was one of them. */
bool vfw_set_verbosity(int opt);

#endif
