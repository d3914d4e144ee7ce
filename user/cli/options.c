// SPDX-License-Identifier: GPL-2.0
/*
 * The parser, help, man page and completion, all generated from the
 * command tables (options.h). Nothing here knows a particular command.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "options.h"
#include "version.h"

/* Options every command takes, and the program takes before a command. */
static const struct vfw_option common_opts[] = {
	{ "verbose", 'v', NULL, "show debug output, libbpf and libxdp messages", 0, NULL, false },
	{ "quiet", 'q', NULL, "show warnings and errors only", 0, NULL, false },
	{ "help", 'h', NULL, "show this help", 0, NULL, false },
	VFW_OPT_END,
};

#define OPT_VAL_BASE	0x100	/* getopt values of table entries: base + index */

static size_t count_opts(const struct vfw_option *opts)
{
	size_t n = 0;

	while (opts && opts[n].name)
		n++;
	return n;
}

const struct vfw_command *vfw_find_command(const char *name)
{
	size_t i;

	for (i = 0; vfw_commands[i]; i++)
		if (!strcmp(vfw_commands[i]->name, name))
			return vfw_commands[i];
	return NULL;
}

bool vfw_set_verbosity(int opt)
{
	if (opt == 'v')
		vfw_log_level = VFW_LOG_DEBUG;
	else if (opt == 'q')
		vfw_log_level = VFW_LOG_WARN;
	else
		return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Help                                                                */

/* "-m, --mode native|generic" */
static void option_usage(const struct vfw_option *o, char *buf, size_t len)
{
	int n = 0;

	if (o->short_name)
		n = snprintf(buf, len, "-%c, ", o->short_name);
	snprintf(buf + n, len - n, "--%s%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
		 o->words ? " [...]" : "");
}

static void print_option_lines(FILE *out, const struct vfw_option *opts)
{
	char usage[64];
	size_t i;

	for (i = 0; opts[i].name; i++) {
		option_usage(&opts[i], usage, sizeof(usage));
		fprintf(out, "  %-28s %s\n", usage, opts[i].help);
	}
}

void vfw_print_command_help(FILE *out, const struct vfw_command *c)
{
	fprintf(out, "Usage: vaultfw %s %s [OPTIONS]\n\n%c%s.\n", c->name, c->args,
		toupper((unsigned char)c->summary[0]), c->summary + 1);
	fprintf(out, "\nOptions:\n");
	if (c->opts)
		print_option_lines(out, c->opts);
	print_option_lines(out, common_opts);
}

void vfw_print_main_help(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vaultfw [-v|-q] COMMAND [ARGS]\n\n"
		"An XDP filter enforcing a secret vault's network rules.\n\nCommands:\n");
	for (i = 0; vfw_commands[i]; i++)
		fprintf(out, "  %-8s %-12s %s\n", vfw_commands[i]->name, vfw_commands[i]->args,
			vfw_commands[i]->summary);
	fprintf(out, "\nRun 'vaultfw COMMAND --help' for the options of a command,\n"
		"'vaultfw --version' for the version.\n");
}

void vfw_print_version(FILE *out)
{
	fprintf(out, "vaultfw %s\n", VFW_VERSION);
}

/* ------------------------------------------------------------------ */
/* Man page (troff, man(7) macros)                                     */

/* troff takes a leading '.' or '\'' as a request and '\' as an escape. */
static void man_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_options(FILE *out, const struct vfw_option *opts)
{
	char usage[64];
	size_t i;

	for (i = 0; opts[i].name; i++) {
		option_usage(&opts[i], usage, sizeof(usage));
		fputs(".TP\n.B ", out);
		man_text(out, usage);
		fputc('\n', out);
		man_text(out, opts[i].help);
		fputs(".\n", out);
	}
}

void vfw_print_man_page(FILE *out)
{
	size_t i;

	fprintf(out, ".TH VAULTFW 8 \"\" \"vaultfw %s\" \"System Administration\"\n", VFW_VERSION);
	fputs(".SH NAME\nvaultfw \\- XDP filter enforcing a secret vault's network rules\n"
	      ".SH SYNOPSIS\n.B vaultfw\n[\\-v|\\-q] \\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIOPTIONS\\fR]\n"
	      ".br\n.B vaultfw \\-\\-version\n"
	      ".SH DESCRIPTION\nvaultfw compiles a vault's network rules (a JSON document whose "
	      "\\fBproperties\\fR follow the vault resource schema) into BPF maps and an XDP "
	      "program that drops the data-plane traffic the rules do not allow, counts every "
	      "verdict per rule and per reason, and updates the rules live and atomically.\n"
	      ".SH COMMANDS\n", out);
	for (i = 0; vfw_commands[i]; i++) {
		const struct vfw_command *c = vfw_commands[i];

		fprintf(out, ".SS %s ", c->name);
		man_text(out, c->args);
		fputc('\n', out);
		fputc(toupper((unsigned char)c->summary[0]), out);
		man_text(out, c->summary + 1);
		fputs(".\n", out);
		if (c->opts && c->opts[0].name)
			man_options(out, c->opts);
	}
	fputs(".SH COMMON OPTIONS\n", out);
	man_options(out, common_opts);
	fputs(".SH EXIT STATUS\n.TP\n.B 0\nSuccess.\n.TP\n.B 1\nThe command failed; "
	      "one line on standard error says why.\n.TP\n.B 2\nUsage error: an unknown "
	      "command or option, a missing or malformed argument.\n"
	      ".SH ENVIRONMENT\n.TP\n.B NOTIFY_SOCKET\nWhere \\fBapply \\-\\-watch\\fR sends its "
	      "readiness (READY=1 after the first apply, RELOADING=1 and READY=1 around each "
	      "later one, STATUS=), as \\fBsd_notify\\fR(3) describes; set by systemd for "
	      "Type=notify services.\n"
	      ".SH FILES\n.TP\n.I /sys/fs/bpf/vaultfw/\nPinned maps and program, one "
	      "directory per interface.\n.TP\n.I /etc/vaultfw/IFACE.json\nThe rules "
	      "\\fBvaultfw@IFACE.service\\fR attaches and watches. attach and apply refuse a "
	      "rules file that others than root could have written (the file, a directory "
	      "above it, a symlink on its path) unless given \\-\\-allow\\-unsafe\\-permissions.\n"
	      ".TP\n.I /etc/default/vaultfw-IFACE\nVAULTFW_ATTACH_OPTS, options for the "
	      "service's attach.\n"
	      ".SH SEE ALSO\n.BR bpftool (8),\n.BR ip (8),\n.BR systemd.service (5),\n"
	      ".BR sd_notify (3)\n", out);
}

/* ------------------------------------------------------------------ */
/* bash completion                                                     */

static void bash_words(FILE *out, const struct vfw_option *opts)
{
	size_t i;

	for (i = 0; opts && opts[i].name; i++)
		fprintf(out, " --%s", opts[i].name);
}

void vfw_print_bash_completion(FILE *out)
{
	size_t i;

	fputs("# bash completion for vaultfw, generated by `vaultfw --bash-completion`\n"
	      "_vaultfw() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd=\"\" i opts\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n"
	      "\tdone\n"
	      "\tif [ -z \"$cmd\" ]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"--help --version --verbose --quiet", out);
	for (i = 0; vfw_commands[i]; i++)
		fprintf(out, " %s", vfw_commands[i]->name);
	fputs("\" -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase $cmd in\n", out);
	for (i = 0; vfw_commands[i]; i++) {
		fprintf(out, "\t%s) opts=\"", vfw_commands[i]->name);
		bash_words(out, vfw_commands[i]->opts);
		bash_words(out, common_opts);
		fputs("\" ;;\n", out);
	}
	fputs("\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\") $(compgen -W \"$(ls /sys/class/net 2>/dev/null)\" -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _vaultfw vaultfw\n", out);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/* getopt_long's tables for one command: its options, then the common ones. */
struct getopt_tables {
	struct option *longs;
	char shorts[3 * 32 + 2];
};

static const struct vfw_option *opt_at(const struct vfw_command *c, int index)
{
	int n = (int)count_opts(c->opts);

	return index < n ? &c->opts[index] : &common_opts[index - n];
}

static int build_tables(const struct vfw_command *c, struct getopt_tables *t)
{
	size_t n = count_opts(c->opts) + count_opts(common_opts), i, s = 0;
	const struct vfw_option *o;

	t->longs = calloc(n + 1, sizeof(*t->longs));
	if (!t->longs)
		return -ENOMEM;
	t->shorts[s++] = ':';	/* a missing argument returns ':' */
	for (i = 0; i < n; i++) {
		o = opt_at(c, (int)i);
		t->longs[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					       NULL, OPT_VAL_BASE + (int)i };
		if (o->short_name && s + 3 < sizeof(t->shorts)) {
			t->shorts[s++] = o->short_name;
			if (o->arg)
				t->shorts[s++] = ':';
		}
	}
	t->shorts[s] = '\0';
	return 0;
}

/* The table index of what getopt returned: a short name or OPT_VAL_BASE + i. */
static int opt_index(const struct vfw_command *c, int opt)
{
	int n = (int)(count_opts(c->opts) + count_opts(common_opts)), i;

	if (opt >= OPT_VAL_BASE && opt < OPT_VAL_BASE + n)
		return opt - OPT_VAL_BASE;
	for (i = 0; i < n; i++)
		if (opt_at(c, i)->short_name == opt)
			return i;
	return -1;
}

static int store(const struct vfw_option *o, void *params, const char *arg,
		 char *err, size_t errlen)
{
	void *field = (char *)params + o->offset;

	if (o->parse)
		return o->parse(arg, field, err, errlen);
	if (o->arg)
		*(const char **)field = arg;
	else
		*(bool *)field = true;
	return 0;
}

/* "--X" of another command, or of none: say which it is. */
static int refuse_unknown(const struct vfw_command *c, const char *word, char *err,
			  size_t errlen)
{
	const char *name = word + 2;
	size_t len = strcspn(name, "=");
	size_t i, j;

	if (!strncmp(word, "--", 2))
		for (i = 0; vfw_commands[i]; i++)
			for (j = 0; vfw_commands[i]->opts && vfw_commands[i]->opts[j].name; j++)
				if (strlen(vfw_commands[i]->opts[j].name) == len &&
				    !strncmp(vfw_commands[i]->opts[j].name, name, len))
					return vfw_set_err(err, errlen, "%s does not take --%.*s "
							   "(see --help)", c->name, (int)len, name);
	return vfw_set_err(err, errlen, "unknown option '%s' (see --help)", word);
}

static int missing_argument(const struct vfw_command *c, int opt, char *err, size_t errlen)
{
	int i = opt_index(c, opt);
	const struct vfw_option *o = i >= 0 ? opt_at(c, i) : NULL;

	if (!o)
		return vfw_set_err(err, errlen, "an option needs an argument (see --help)");
	return vfw_set_err(err, errlen, "--%s needs an argument (%s)", o->name, o->arg);
}

/* Options may follow positionals: getopt permutes them to the end. */
static int parse_options(const struct vfw_command *c, int argc, char **argv, void *params,
			 const struct getopt_tables *t, char *err, size_t errlen)
{
	const struct vfw_option *o;
	int opt, i, ret;

	optind = 0;	/* glibc: start over after the program's own parse */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, t->shorts, t->longs, NULL)) != -1) {
		if (opt == ':')
			return missing_argument(c, optopt, err, errlen);
		if (opt == '?')
			return refuse_unknown(c, argv[optind - 1], err, errlen);
		i = opt_index(c, opt);
		o = opt_at(c, i);
		/* getopt takes the next word whatever it is: "--bypass" after
		 * "--default-action" is the next option, not a value. */
		if (o->arg && !strncmp(optarg, "--", 2) && optarg[2])
			return missing_argument(c, opt, err, errlen);
		if (i >= (int)count_opts(c->opts)) {	/* a common option */
			if (!vfw_set_verbosity(o->short_name))
				return 1;		/* --help */
			continue;
		}
		ret = store(o, params, optarg, err, errlen);
		while (!ret && o->words && optind < argc && argv[optind][0] != '-')
			ret = store(o, params, argv[optind++], err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int vfw_parse_command(const struct vfw_command *c, int argc, char **argv, void *params,
		      const char **pos, int *n_pos, char *err, size_t errlen)
{
	struct getopt_tables t;
	int ret;

	if (c->init)
		c->init(params);
	ret = build_tables(c, &t);
	if (ret)
		return vfw_set_err(err, errlen, "out of memory");
	ret = parse_options(c, argc, argv, params, &t, err, errlen);
	free(t.longs);
	if (ret == 1)
		vfw_print_command_help(stdout, c);
	if (ret)
		return ret;
	*n_pos = argc - optind;
	if (*n_pos < c->min_pos || *n_pos > c->max_pos)
		return vfw_set_err(err, errlen, "usage: vaultfw %s %s", c->name, c->args);
	memcpy(pos, argv + optind, *n_pos * sizeof(*pos));
	return 0;
}
