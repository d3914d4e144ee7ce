// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include "check.h"
#include "document.h"
#include "log.h"
#include "stats.h"

int vfw_load_compiled(const char *path, struct vfw_compiled *out,
		      char *err, size_t errlen)
{
	struct vfw_doc doc;
	int ret;

	ret = vfw_doc_from_file(path, &doc, err, errlen);
	if (ret)
		return ret;
	*out = doc.compiled;
	doc.compiled = (struct vfw_compiled){};
	vfw_doc_free(&doc);
	return 0;
}

/* Learning and Audit compile to the same datapath (count only): the mode
 * bits only say which the file wrote. A slot written by a vaultfw that
 * set neither bit and did not enforce was Learning or Audit. */
static const char *perimeter_mode(__u32 flags)
{
	if (flags & VFW_CFG_PERIM_LEARNING)
		return vfw_perimeter_mode_names[VFW_PERIM_LEARNING];
	if (flags & VFW_CFG_PERIM_AUDIT)
		return vfw_perimeter_mode_names[VFW_PERIM_AUDIT];
	if (flags & VFW_CFG_PERIM_ENFORCE)
		return vfw_perimeter_mode_names[VFW_PERIM_ENFORCED];
	return "Learning or Audit";
}

static const char *public_access(__u32 flags)
{
	if (flags & VFW_CFG_PUBLIC_DISABLED)
		return vfw_public_access_names[VFW_PNA_DISABLED];
	if (flags & VFW_CFG_PUBLIC_PERIMETER)
		return vfw_public_access_names[VFW_PNA_SECURED_BY_PERIMETER];
	return vfw_public_access_names[VFW_PNA_ENABLED];
}

static void dataplane_words(const struct vfw_config *cfg, struct vfw_settings *s)
{
	const struct vfw_dp_port *port;
	__u32 i;

	for (i = 0; i < cfg->n_dp_addrs && i < VFW_MAX_DP_ADDRS; i++) {
		if (!inet_ntop(cfg->dp_addrs[i].family, cfg->dp_addrs[i].addr, s->dp_addrs[i],
			       sizeof(s->dp_addrs[i])))
			strcpy(s->dp_addrs[i], "?");
		s->n_dp_addrs++;
	}
	for (i = 0; i < cfg->n_dp_ports && i < VFW_MAX_DP_PORTS; i++) {
		port = &cfg->dp_ports[i];
		snprintf(s->dp_ports[s->n_dp_ports++], sizeof(s->dp_ports[0]), "%s/%u",
			 port->proto == IPPROTO_UDP ? "udp" : "tcp", port->port);
	}
}

static void vxlan_words(const struct vfw_config *cfg, struct vfw_settings *s)
{
	const struct vfw_vxlan_remote *rem;
	char addr[INET_ADDRSTRLEN];
	__u32 i;

	for (i = 0; i < cfg->n_vxlan_ports && i < VFW_MAX_VXLAN_PORTS; i++)
		s->vxlan_ports[s->n_vxlan_ports++] = cfg->vxlan_ports[i];
	for (i = 0; i < cfg->n_vxlan_remotes && i < VFW_MAX_VXLAN_REMOTES; i++) {
		rem = &cfg->vxlan_remotes[i];
		if (!inet_ntop(AF_INET, &rem->addr, addr, sizeof(addr)))
			strcpy(addr, "?");
		snprintf(s->vxlan_remotes[s->n_vxlan_remotes++], sizeof(s->vxlan_remotes[0]),
			 "%s/%d", addr, __builtin_popcount(rem->mask));
	}
}

void vfw_settings_of(const struct vfw_config *cfg, struct vfw_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->public_access = public_access(cfg->flags);
	s->default_action = cfg->flags & VFW_CFG_DEFAULT_ALLOW ? "Allow" : "Deny";
	s->bypass = cfg->flags & VFW_CFG_BYPASS ? "AzureServices" : "None";
	if (cfg->flags & VFW_CFG_PERIMETER) {
		s->perimeter_mode = perimeter_mode(cfg->flags);
		s->perimeter_enforced = cfg->flags & VFW_CFG_PERIM_ENFORCE;
	}
	dataplane_words(cfg, s);
	vxlan_words(cfg, s);
}

/* Enforced by its own mode, or by publicNetworkAccess whatever the mode. */
static void print_perimeter(FILE *out, const struct vfw_settings *s)
{
	fprintf(out, "  perimeter: ");
	if (!s->perimeter_mode)
		fprintf(out, "none\n");
	else if (!s->perimeter_enforced)
		fprintf(out, "%s (not enforced: counted as perimeter-would-deny)\n",
			s->perimeter_mode);
	else if (strcmp(s->perimeter_mode, vfw_perimeter_mode_names[VFW_PERIM_ENFORCED]))
		fprintf(out, "%s (enforced: publicNetworkAccess %s)\n", s->perimeter_mode,
			s->public_access);
	else
		fprintf(out, "%s\n", s->perimeter_mode);
}

static void print_words(FILE *out, const char *key, const char (*words)[VFW_WORD_MAX],
			size_t n, const char *none)
{
	size_t i;

	fprintf(out, "  %s: %s", key, n ? "" : none);
	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", words[i]);
	fputc('\n', out);
}

static void print_vxlan(FILE *out, const struct vfw_settings *s)
{
	size_t i;

	fprintf(out, "  vxlan: ");
	if (!s->n_vxlan_ports) {
		fprintf(out, "not opened\n");
		return;
	}
	fprintf(out, "udp");
	for (i = 0; i < s->n_vxlan_ports; i++)
		fprintf(out, "%s%u", i ? "," : "/", s->vxlan_ports[i]);
	fprintf(out, " from ");
	if (!s->n_vxlan_remotes)
		fprintf(out, "no trusted endpoint");
	for (i = 0; i < s->n_vxlan_remotes; i++)
		fprintf(out, "%s%s", i ? " " : "", s->vxlan_remotes[i]);
	fputc('\n', out);
}

void vfw_print_settings(FILE *out, const struct vfw_settings *s)
{
	fprintf(out, "  public access: %s\n", s->public_access);
	fprintf(out, "  default action: %s\n", s->default_action);
	fprintf(out, "  bypass: %s\n", s->bypass);
	print_perimeter(out, s);
	print_words(out, "data-plane addresses", s->dp_addrs, s->n_dp_addrs, "any");
	print_words(out, "data-plane ports", s->dp_ports, s->n_dp_ports, "");
	print_vxlan(out, s);
}

static json_t *words_json(const char (*words)[VFW_WORD_MAX], size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(words[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *vxlan_json(const struct vfw_settings *s)
{
	json_t *obj, *ports;
	size_t i;

	if (!s->n_vxlan_ports)
		return json_null();	/* "not opened" */
	obj = json_pack("{s:[], s:o}", "ports", "remotes",
			words_json(s->vxlan_remotes, s->n_vxlan_remotes));
	ports = json_object_get(obj, "ports");
	for (i = 0; ports && i < s->n_vxlan_ports; i++)
		json_array_append_new(ports, json_integer(s->vxlan_ports[i]));
	return obj;
}

json_t *vfw_settings_json(const struct vfw_settings *s)
{
	json_t *perimeter = s->perimeter_mode ?
		json_pack("{s:s, s:b}", "access_mode", s->perimeter_mode,
			  "enforced", s->perimeter_enforced) : json_null();

	return json_pack("{s:s, s:s, s:s, s:o, s:{s:o, s:o}, s:o}",
			 "public_access", s->public_access, "default_action", s->default_action,
			 "bypass", s->bypass, "perimeter", perimeter,
			 "data_plane", "addresses", words_json(s->dp_addrs, s->n_dp_addrs),
			 "ports", words_json(s->dp_ports, s->n_dp_ports),
			 "vxlan", vxlan_json(s));
}

static bool denies_by_default(__u32 flags)
{
	return !(flags & VFW_CFG_DEFAULT_ALLOW) || (flags & VFW_CFG_PUBLIC_DISABLED) ||
	       (flags & VFW_CFG_PERIM_ENFORCE);
}

/* What an operator should hear before attaching, though nothing is wrong. */
static void warn_settings(const char *path, const struct vfw_config *cfg)
{
	if (denies_by_default(cfg->flags) && !cfg->n_dp_addrs)
		pr_warn("%s: host.dataPlane.addresses: warning: empty, so every address of the "
			"host is data plane and the rule set denies by default: every tunnel "
			"to the host (GRE, IP-in-IP, ESP, GENEVE, VXLAN on a port not opened) is "
			"judged by its outer source and dropped unless a rule admits it\n", path);
}

/* The file's own words, which the slot flags (shown below) condense. */
static void print_file_settings(const struct vfw_rules *rules)
{
	printf("  vault: %s (publicNetworkAccess %s", rules->name,
	       vfw_public_access_names[rules->public_access]);
	if (rules->has_perimeter)
		printf(", perimeter accessMode %s", vfw_perimeter_mode_names[rules->perimeter.mode]);
	printf(")\n");
}

int vfw_check(const char *path, char *err, size_t errlen)
{
	size_t per_kind[VFW_RULE_KIND_COUNT] = {};
	const struct vfw_compiled *compiled;
	struct vfw_settings settings;
	struct vfw_doc doc;
	size_t i;
	int ret;

	/* The very pipeline attach and apply use, so that what check calls
	 * valid they accept (the stored document's size included). */
	ret = vfw_doc_from_file(path, &doc, err, errlen);
	if (ret)
		return ret;
	compiled = &doc.compiled;
	for (i = 0; i < compiled->n_rules; i++)
		if (compiled->rules[i].kind < VFW_RULE_KIND_COUNT)
			per_kind[compiled->rules[i].kind]++;

	warn_settings(path, &compiled->config);
	printf("%s: valid\n", path);
	print_file_settings(&doc.rules);
	vfw_settings_of(&compiled->config, &settings);
	vfw_print_settings(stdout, &settings);
	printf("  rules: %zu (", compiled->n_rules);
	vfw_print_kind_counts(stdout, per_kind);
	printf(")\n  trie entries: %zu\n", compiled->n_entries);
	vfw_doc_free(&doc);
	return 0;
}
