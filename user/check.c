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

static const char *perimeter_str(__u32 flags)
{
	if (!(flags & VFW_CFG_PERIMETER))
		return "none";
	/* Learning and Audit compile to the same datapath: count only. */
	return flags & VFW_CFG_PERIM_ENFORCE ? "enforced" : "learning/audit (not enforced)";
}

static void print_dataplane(FILE *out, const struct vfw_config *cfg)
{
	char addr[INET6_ADDRSTRLEN];
	const struct vfw_dp_port *port;
	__u32 i;

	fprintf(out, "  data-plane addresses: ");
	if (!cfg->n_dp_addrs)
		fprintf(out, "any");
	for (i = 0; i < cfg->n_dp_addrs && i < VFW_MAX_DP_ADDRS; i++) {
		if (!inet_ntop(cfg->dp_addrs[i].family, cfg->dp_addrs[i].addr, addr, sizeof(addr)))
			strcpy(addr, "?");
		fprintf(out, "%s%s", i ? " " : "", addr);
	}
	fprintf(out, "\n  data-plane ports: ");
	for (i = 0; i < cfg->n_dp_ports && i < VFW_MAX_DP_PORTS; i++) {
		port = &cfg->dp_ports[i];
		fprintf(out, "%s%s/%u", i ? " " : "",
			port->proto == IPPROTO_UDP ? "udp" : "tcp", port->port);
	}
	fputc('\n', out);
}

static void print_vxlan(FILE *out, const struct vfw_config *cfg)
{
	const struct vfw_vxlan_remote *rem;
	char addr[INET_ADDRSTRLEN];
	__u32 i;

	fprintf(out, "  vxlan: ");
	if (!cfg->n_vxlan_ports) {
		fprintf(out, "not opened\n");
		return;
	}
	fprintf(out, "udp");
	for (i = 0; i < cfg->n_vxlan_ports && i < VFW_MAX_VXLAN_PORTS; i++)
		fprintf(out, "%s%u", i ? "," : "/", cfg->vxlan_ports[i]);
	fprintf(out, " from ");
	if (!cfg->n_vxlan_remotes)
		fprintf(out, "no trusted endpoint");
	for (i = 0; i < cfg->n_vxlan_remotes && i < VFW_MAX_VXLAN_REMOTES; i++) {
		rem = &cfg->vxlan_remotes[i];
		if (!inet_ntop(AF_INET, &rem->addr, addr, sizeof(addr)))
			strcpy(addr, "?");
		fprintf(out, "%s%s/%d", i ? " " : "", addr, __builtin_popcount(rem->mask));
	}
	fputc('\n', out);
}

void vfw_print_settings(FILE *out, const struct vfw_config *cfg)
{
	fprintf(out, "  public access: %s\n",
		cfg->flags & VFW_CFG_PUBLIC_DISABLED ? "Disabled" : "Enabled");
	fprintf(out, "  default action: %s\n",
		cfg->flags & VFW_CFG_DEFAULT_ALLOW ? "Allow" : "Deny");
	fprintf(out, "  bypass: %s\n", cfg->flags & VFW_CFG_BYPASS ? "AzureServices" : "None");
	fprintf(out, "  perimeter: %s\n", perimeter_str(cfg->flags));
	print_dataplane(out, cfg);
	print_vxlan(out, cfg);
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
	vfw_print_settings(stdout, &compiled->config);
	printf("  rules: %zu (", compiled->n_rules);
	vfw_print_kind_counts(stdout, per_kind);
	printf(")\n  trie entries: %zu\n", compiled->n_entries);
	vfw_doc_free(&doc);
	return 0;
}
