// SPDX-License-Identifier: GPL-2.0
/*
 * `vaultfw rule add|remove|list`, `vaultfw update` and `vaultfw show`:
 * docs/design.md "Rule state". An edit changes the JSON tree of the live
 * document and hands the result to the rules parser, so edits meet every
 * check and limit a rules file meets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/bpf.h>
#include "document.h"
#include "edit.h"
#include "iface.h"
#include "pins.h"
#include "log.h"

#define EDITED_MARK	" (edited)"
#define VFW_EDIT_ERR_MAX	1024	/* main.c's err buffer */

enum rule_action {
	RULE_ADD,
	RULE_REMOVE,
	RULE_LIST,
};

static const char *const rule_actions[] = {
	[RULE_ADD] = "add",
	[RULE_REMOVE] = "remove",
	[RULE_LIST] = "list",
};

/*
 * A value as the operator typed it, and the place the edit wrote it: the
 * parser's verdict on that place is reported as a verdict on the flag's
 * value, since the edited document is nobody's file.
 */
struct typed {
	char path[64];		/* JSON path in the edited document */
	const char *flag;	/* "--ip-address" */
	const char *value;	/* as typed */
	const char *json;	/* as written there, which the parser's message quotes */
};

struct edit_run {
	const struct vfw_edit *e;
	const char *what;		/* "rule add", "update": messages and source */
	enum rule_action action;
	bool json;
	struct typed *typed;		/* room for every value of e */
	size_t n_typed;
	char (*subnet_ids)[VFW_NAME_MAX];	/* e->subnets as full resource ids */
};

/* The live rules: as stored, parsed, and as a tree to edit. */
struct live {
	char *text;
	struct vfw_rules rules;
	json_t *root;
	struct vfw_config config;
};


int vfw_edit_add_ip_address(struct vfw_edit *e, const char *value, char *err, size_t errlen)
{
	if (e->n_ip_addresses == VFW_MAX_IP_RULES) {
		vfw_set_err(err, errlen, "more than %d --ip-address values", VFW_MAX_IP_RULES);
		return -E2BIG;
	}
	e->ip_addresses[e->n_ip_addresses++] = value;
	return 0;
}

int vfw_edit_add_subnet(struct vfw_edit *e, const char *value, char *err, size_t errlen)
{
	if (e->n_subnets == VFW_MAX_VNET_RULES) {
		vfw_set_err(err, errlen, "more than %d --subnet values", VFW_MAX_VNET_RULES);
		return -E2BIG;
	}
	e->subnets[e->n_subnets++] = value;
	return 0;
}

static void live_free(struct live *l)
{
	json_decref(l->root);
	vfw_rules_free(&l->rules);
	free(l->text);
}

/* The document stored with the live slot, NUL-terminated. */
static int read_live_text(const char *ifname, const struct vfw_maps *maps, char **text,
			  char *err, size_t errlen)
{
	int ret = vfw_document_read_live(maps, text);

	if (ret == -ENODATA)
		vfw_set_err(err, errlen, "no rules document is stored with the live rules of %s "
			"(attached by an older vaultfw?): apply a rules file first", ifname);
	else if (ret)
		vfw_set_err(err, errlen, "cannot read the live rules of %s: %s", ifname, strerror(-ret));
	return ret;
}

static int load_live(const char *ifname, const struct vfw_maps *maps, struct live *l,
		     char *err, size_t errlen)
{
	int ret;

	memset(l, 0, sizeof(*l));
	ret = read_live_text(ifname, maps, &l->text, err, errlen);
	if (ret)
		return ret;
	ret = vfw_read_live_config(maps, &l->config);
	if (ret < 0) {
		vfw_set_err(err, errlen, "cannot read the live config of %s: %s", ifname, strerror(-ret));
		return ret;
	}
	ret = vfw_rules_parse(l->text, strlen(l->text), "stored rules", &l->rules, err, errlen);
	if (ret)
		return ret;
	l->root = vfw_document_json(&l->rules);
	if (!l->root) {
		vfw_set_err(err, errlen, "cannot build the rules document: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	return 0;
}

/* "FILE (edited)": the rules no longer match the file they came from. */
static void edited_source(const char *live_source, char *buf, size_t len)
{
	size_t n = strlen(live_source), mark = strlen(EDITED_MARK);

	if (n >= mark && !strcmp(live_source + n - mark, EDITED_MARK))
		n -= mark;
	snprintf(buf, len, "%.*s%s", (int)n, live_source, EDITED_MARK);
}

/* The reason of a parser message, past its leading quote of `json` (the
 * value the reworded message names already). */
static const char *reason_after(const char *reason, const char *json)
{
	size_t n = strlen(json);

	if (reason[0] == '"' && !strncmp(reason + 1, json, n) && reason[n + 1] == '"')
		reason += n + 2;
	else if (!strncmp(reason, json, n) && reason[n] == ' ')
		reason += n;
	while (*reason == ':' || *reason == ' ')
		reason++;
	return reason;
}

/*
 * "FILE:LINE:COL: PATH: reason" about a place an edit wrote becomes
 * "FLAG VALUE: reason", the value as typed. Other messages keep their
 * path but lose LINE:COL, which point into a document nobody wrote.
 */
static void reword_error(const struct edit_run *run, const char *label, char *err,
			 size_t errlen)
{
	char msg[VFW_EDIT_ERR_MAX];
	const char *at, *reason;
	size_t i, n, skip;

	for (i = 0; i < run->n_typed; i++) {
		const struct typed *t = &run->typed[i];

		n = strlen(t->path);
		at = strstr(err, t->path);
		if (!at || (at[n] != ':' && at[n] != '.') || !(reason = strstr(at + n, ": ")))
			continue;
		snprintf(msg, sizeof(msg), "%s %s: %s", t->flag, t->value,
			 reason_after(reason + 2, t->json));
		snprintf(err, errlen, "%s", msg);
		return;
	}
	n = strlen(label);
	if (strncmp(err, label, n) || err[n] != ':')
		return;
	skip = strspn(err + n + 1, "0123456789:");
	memmove(err + n + 1, err + n + 1 + skip, strlen(err + n + 1 + skip) + 1);
}

/* Validate the edited tree like a rules file and make it live, unless it
 * changes nothing. */
static int install_edit(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			const struct live *l, const struct edit_run *run, char *err,
			size_t errlen)
{
	char label[64], source[VFW_NAME_MAX];
	struct vfw_doc doc;
	int ret;

	snprintf(label, sizeof(label), "%s after %s", ifname, run->what);
	ret = vfw_doc_from_json(l->root, label, &doc, err, errlen);
	if (ret) {
		reword_error(run, label, err, errlen);
		return ret;
	}
	if (!strcmp(doc.text, l->text)) {
		pr_info("note: %s: the rules do not change; nothing installed\n", ifname);
		goto cleanup;
	}
	edited_source(l->config.source, source, sizeof(source));
	ret = vfw_ruleset_install_document(maps, &doc.compiled, doc.text, source, pin_dir);
	if (ret) {
		vfw_set_err(err, errlen, "cannot install the edited rules (previous rules stay in "
			"force): %s", strerror(-ret));
		goto cleanup;
	}
	printf("%s: %s: generation %llu live, %zu rules, %zu trie entries\n", ifname, run->what,
	       (unsigned long long)l->config.generation + 1, doc.compiled.n_rules,
	       doc.compiled.n_entries);
	if (doc.rules.has_network_acls && doc.rules.default_allow)
		pr_info("note: defaultAction is Allow, so %s stays open to every source until "
			"'vaultfw update %s --default-action Deny'\n", ifname, ifname);
cleanup:
	vfw_doc_free(&doc);
	return ret;
}

/* Remember where the value of flag went (path printf-style). */
__attribute__((format(printf, 5, 6)))
static void note_typed(struct edit_run *run, const char *flag, const char *value,
		       const char *json, const char *fmt, ...)
{
	struct typed *t = &run->typed[run->n_typed++];
	va_list ap;

	t->flag = flag;
	t->value = value;
	t->json = json;
	va_start(ap, fmt);
	vsnprintf(t->path, sizeof(t->path), fmt, ap);
	va_end(ap);
}

static json_t *network_acls(json_t *root)
{
	return json_object_get(json_object_get(root, "properties"), "networkAcls");
}

/* networkAcls, created with the defaults (firewall still open) if absent. */
static json_t *network_acls_or_new(const char *ifname, json_t *root)
{
	json_t *acls = network_acls(root);

	if (acls)
		return acls;
	acls = json_pack("{s:s, s:s, s:[], s:[]}", "defaultAction", "Allow",
			 "bypass", "AzureServices", "ipRules", "virtualNetworkRules");
	if (json_object_set_new(json_object_get(root, "properties"), "networkAcls", acls))
		return NULL;
	pr_info("note: %s had no networkAcls (firewall off): created with defaultAction Allow "
		"and bypass AzureServices\n", ifname);
	return acls;
}

/*
 * A bare address is the /32 rule SPEC §1 stores. Text that is not a valid
 * prefix matches no stored rule, and the parser says what is wrong with it
 * once it is added.
 */
static void ip_rule_text(const char *arg, char *buf, size_t len)
{
	snprintf(buf, len, strchr(arg, '/') ? "%s" : "%s/32", arg);
}

/* Index of the IP rule that is `typed`, written either way, or -1. */
static ssize_t find_ip(const json_t *ips, const char *typed)
{
	char want[VFW_NAME_MAX], have[VFW_NAME_MAX];
	const char *value;
	size_t i;
	json_t *v;

	ip_rule_text(typed, want, sizeof(want));
	json_array_foreach(ips, i, v) {
		value = json_string_value(json_object_get(v, "value"));
		if (!value)
			continue;
		ip_rule_text(value, have, sizeof(have));
		if (!strcmp(have, want))
			return i;
	}
	return -1;
}

/* Index of the virtual network rule with this id (any case), or -1. */
static ssize_t find_subnet(const json_t *vnets, const char *id)
{
	const char *have;
	size_t i;
	json_t *v;

	json_array_foreach(vnets, i, v) {
		have = json_string_value(json_object_get(v, "id"));
		if (have && !strcasecmp(have, id))
			return i;
	}
	return -1;
}

static bool has_binding(const struct vfw_rules *r, const char *subnet)
{
	size_t i;

	for (i = 0; i < r->n_subnets; i++)
		if (!strcasecmp(r->subnets[i].id, subnet))
			return true;
	return false;
}

static int append_rule(json_t *arr, json_t *rule, const char *flag, const char *arg,
		       char *err, size_t errlen)
{
	if (!rule)	/* jansson refuses text that is not UTF-8 */
		return vfw_set_err(err, errlen, "%s %s: not valid UTF-8 text", flag, arg);
	if (json_array_append_new(arr, rule))
		return -ENOMEM;
	return 0;
}

/* Written as typed: the parser stores a bare address as /32 and is the one
 * to say what is wrong with a value. */
static int add_ip_rules(const char *ifname, json_t *ips, struct edit_run *run,
			char *err, size_t errlen)
{
	const struct vfw_edit *e = run->e;
	const char *ip;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < e->n_ip_addresses; i++) {
		ip = e->ip_addresses[i];
		if (find_ip(ips, ip) >= 0) {
			pr_info("note: %s: IP rule %s is already there\n", ifname, ip);
			continue;
		}
		note_typed(run, "--ip-address", ip, ip, "properties.networkAcls.ipRules[%zu]",
			   json_array_size(ips));
		ret = append_rule(ips, json_pack("{s:s}", "value", ip), "--ip-address", ip,
				  err, errlen);
	}
	return ret;
}

static int add_subnet_rules(const char *ifname, const struct live *l, json_t *vnets,
			    struct edit_run *run, char *err, size_t errlen)
{
	const struct vfw_edit *e = run->e;
	const char *id;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < e->n_subnets; i++) {
		id = run->subnet_ids[i];
		if (find_subnet(vnets, id) >= 0) {
			pr_info("note: %s: virtual network rule %s is already there\n", ifname, id);
			continue;
		}
		if (!has_binding(&l->rules, id))
			return vfw_set_err(err, errlen, "--subnet %s: %s%s%shas no host.subnets "
					   "binding on %s: add one to the rules file and apply it "
					   "first", e->subnets[i], e->vnet_name ? "(" : "",
					   e->vnet_name ? id : "", e->vnet_name ? ") " : "", ifname);
		note_typed(run, "--subnet", e->subnets[i], id,
			   "properties.networkAcls.virtualNetworkRules[%zu]", json_array_size(vnets));
		ret = append_rule(vnets, json_pack("{s:s, s:b}", "id", id,
						   "ignoreMissingVnetServiceEndpoint", 0),
				  "--subnet", e->subnets[i], err, errlen);
	}
	return ret;
}

static int add_rules(const char *ifname, struct live *l, struct edit_run *run,
		     char *err, size_t errlen)
{
	json_t *acls = network_acls_or_new(ifname, l->root), *ips, *vnets;

	ips = json_object_get(acls, "ipRules");
	vnets = json_object_get(acls, "virtualNetworkRules");
	if (!ips || !vnets)
		return -ENOMEM;
	return add_ip_rules(ifname, ips, run, err, errlen) ?:
	       add_subnet_rules(ifname, l, vnets, run, err, errlen);
}

/* As `az keyvault network-rule remove`: a rule that is not there is no
 * error; the ones that are go, and each absent one is a warning. */
static int remove_rules(const char *ifname, struct live *l, const struct edit_run *run)
{
	json_t *acls = network_acls(l->root);
	json_t *ips = json_object_get(acls, "ipRules");
	json_t *vnets = json_object_get(acls, "virtualNetworkRules");
	const struct vfw_edit *e = run->e;
	ssize_t at;
	size_t i;

	for (i = 0; i < e->n_ip_addresses; i++) {
		at = find_ip(ips, e->ip_addresses[i]);
		if (at < 0)
			pr_warn("warning: %s: --ip-address %s: no such IP rule, nothing to "
				"remove\n", ifname, e->ip_addresses[i]);
		else if (json_array_remove(ips, at))
			return -ENOMEM;
	}
	for (i = 0; i < e->n_subnets; i++) {
		at = find_subnet(vnets, run->subnet_ids[i]);
		if (at < 0)
			pr_warn("warning: %s: --subnet %s: no such virtual network rule, nothing "
				"to remove\n", ifname, e->subnets[i]);
		else if (json_array_remove(vnets, at))
			return -ENOMEM;
	}
	return 0;
}

static int print_json(const json_t *v)
{
	int ret = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	return ret || putchar('\n') == EOF ? -EIO : 0;
}

static int print_rule_list(const char *ifname, const struct live *l, bool json)
{
	json_t *acls = network_acls(l->root), *ips, *vnets, *v;
	const char *id;
	size_t i;

	/* `az keyvault network-rule list`: the whole networkAcls, null
	 * when the firewall is off. */
	if (json)
		return acls ? print_json(acls) : print_json(json_null());
	ips = json_object_get(acls, "ipRules");
	vnets = json_object_get(acls, "virtualNetworkRules");
	if (!acls)
		printf("%s: no networkAcls (firewall off)\n", ifname);
	else
		printf("%s: defaultAction %s, bypass %s\n", ifname,
		       json_string_value(json_object_get(acls, "defaultAction")),
		       json_string_value(json_object_get(acls, "bypass")));
	printf("ip rules: %zu\n", json_array_size(ips));
	json_array_foreach(ips, i, v)
		printf("  %s\n", json_string_value(json_object_get(v, "value")));
	printf("virtual network rules: %zu\n", json_array_size(vnets));
	json_array_foreach(vnets, i, v) {
		/* Kept in the document, not compiled (SPEC §1): say so. */
		id = json_string_value(json_object_get(v, "id"));
		printf("  %s%s\n", id, has_binding(&l->rules, id) ? "" :
		       " (skipped: no host.subnets binding)");
	}
	return 0;
}

/* The next "/SEGMENT" of *p into buf; false when there is none. */
static bool next_segment(const char **p, char *buf, size_t len)
{
	size_t n;

	if (**p != '/')
		return false;
	n = strcspn(++*p, "/");
	if (!n || n >= len)
		return false;
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return true;
}

/* SUB and RG of "/subscriptions/SUB/resourceGroups/RG/...", the segment
 * names in any case, as resource ids are compared. */
static bool id_scope(const char *id, char *sub, char *rg, size_t len)
{
	char subs[16], rgs[16];

	return next_segment(&id, subs, sizeof(subs)) && !strcasecmp(subs, "subscriptions") &&
	       next_segment(&id, sub, len) &&
	       next_segment(&id, rgs, sizeof(rgs)) && !strcasecmp(rgs, "resourceGroups") &&
	       next_segment(&id, rg, len);
}

int vfw_edit_subnet_id(const char *vault_id, const char *vnet, const char *subnet,
		       char *out, size_t len)
{
	char sub[VFW_NAME_MAX], rg[VFW_NAME_MAX];

	if (!*vnet || !*subnet || strchr(vnet, '/') || strchr(subnet, '/') ||
	    !id_scope(vault_id, sub, rg, sizeof(sub)))
		return -EINVAL;
	if (snprintf(out, len, "/subscriptions/%s/resourceGroups/%s/providers/"
		     "Microsoft.Network/virtualNetworks/%s/subnets/%s", sub, rg, vnet,
		     subnet) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The vault's own "id", as `az keyvault show` prints it, if the stored
 * document kept one; NULL otherwise. Points into *root. */
static const char *vault_id(const char *text, json_t **root)
{
	*root = json_loads(text, 0, NULL);
	return json_string_value(json_object_get(*root, "id"));
}

/*
 * --subnet ID as given; --subnet NAME --vnet-name V as the vault CLI
 * builds it, in the subscription and resource group of the vault.
 */
static int resolve_subnets(const char *ifname, const struct live *l, struct edit_run *run,
			   char *err, size_t errlen)
{
	const struct vfw_edit *e = run->e;
	json_t *root = NULL;
	const char *vault;
	size_t i;
	int ret = 0;

	if (!e->vnet_name) {
		for (i = 0; i < e->n_subnets; i++)
			snprintf(run->subnet_ids[i], VFW_NAME_MAX, "%s", e->subnets[i]);
		return 0;
	}
	vault = vault_id(l->text, &root);
	for (i = 0; !ret && i < e->n_subnets; i++) {
		if (!vault)
			ret = vfw_set_err(err, errlen, "--subnet %s --vnet-name %s: the rules stored "
					  "on %s have no vault \"id\" to take the subscription and "
					  "resource group from: give the subnet's full resource id",
					  e->subnets[i], e->vnet_name, ifname);
		else if (vfw_edit_subnet_id(vault, e->vnet_name, e->subnets[i],
					    run->subnet_ids[i], VFW_NAME_MAX))
			ret = vfw_set_err(err, errlen, "--subnet %s --vnet-name %s: no subnet id "
					  "can be built from the vault id \"%s\"", e->subnets[i],
					  e->vnet_name, vault);
	}
	json_decref(root);
	return ret;
}

static int edit_rules(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
		      struct live *l, struct edit_run *run, char *err, size_t errlen)
{
	int ret = resolve_subnets(ifname, l, run, err, errlen);

	if (ret)
		return ret;
	ret = run->action == RULE_ADD ? add_rules(ifname, l, run, err, errlen)
				      : remove_rules(ifname, l, run);
	return ret ?: install_edit(ifname, maps, pin_dir, l, run, err, errlen);
}

static int rule_locked(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
		       void *ctx, char *err, size_t errlen)
{
	struct edit_run *run = ctx;
	struct live l;
	int ret;

	ret = load_live(ifname, maps, &l, err, errlen);
	if (ret)
		goto cleanup;
	if (run->action == RULE_LIST) {
		ret = print_rule_list(ifname, &l, run->json);
		if (ret)
			vfw_set_err(err, errlen, "cannot write the list: %s", strerror(-ret));
		goto cleanup;
	}
	ret = edit_rules(ifname, maps, pin_dir, &l, run, err, errlen);
	if (ret == -ENOMEM && !*err)
		vfw_set_err(err, errlen, "%s", strerror(ENOMEM));
cleanup:
	live_free(&l);
	return ret;
}

static int parse_action(const char *name, enum rule_action *action)
{
	size_t i;

	for (i = 0; i < sizeof(rule_actions) / sizeof(rule_actions[0]); i++) {
		if (!strcmp(name, rule_actions[i])) {
			*action = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* The vault CLI's rule: --subnet ID | --subnet NAME --vnet-name V. */
static int check_subnet_forms(const struct vfw_edit *e, char *err, size_t errlen)
{
	size_t i;

	if (e->vnet_name && !e->n_subnets)
		return vfw_set_err(err, errlen, "--vnet-name %s needs --subnet NAME", e->vnet_name);
	for (i = 0; i < e->n_subnets; i++) {
		if (e->subnets[i][0] == '/' && e->vnet_name)
			return vfw_set_err(err, errlen, "--subnet %s is a resource id, so --vnet-name "
					   "does not apply (--subnet ID | --subnet NAME --vnet-name V)",
					   e->subnets[i]);
		if (e->subnets[i][0] != '/' && !e->vnet_name)
			return vfw_set_err(err, errlen, "--subnet %s is a name, not a resource id: "
					   "say which virtual network with --vnet-name V (--subnet ID | "
					   "--subnet NAME --vnet-name V)", e->subnets[i]);
	}
	return 0;
}

static int check_rule_args(const struct edit_run *run, char *err, size_t errlen)
{
	const struct vfw_edit *e = run->e;
	bool has_rules = e->n_ip_addresses || e->n_subnets;

	if (run->action == RULE_LIST && (has_rules || e->vnet_name))
		return vfw_set_err(err, errlen, "list takes no --ip-address, --subnet or --vnet-name");
	if (run->action != RULE_LIST && !has_rules)
		return vfw_set_err(err, errlen, "%s needs --ip-address ADDRESS... or --subnet ID",
				   rule_actions[run->action]);
	if (run->action != RULE_LIST && run->json)
		return vfw_set_err(err, errlen, "--json applies to list only");
	return check_subnet_forms(e, err, errlen);
}

int vfw_rule_cmd(const char *action, const char *ifname, const struct vfw_edit *e,
		 bool json, char *err, size_t errlen)
{
	struct edit_run run = { .e = e, .json = json };
	char what[32];
	int ret;

	if (parse_action(action, &run.action))
		return vfw_set_err(err, errlen, "unknown action '%s' (add, remove or list)", action);
	ret = check_rule_args(&run, err, errlen);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "rule %s", action);
	run.what = what;
	run.typed = calloc(e->n_ip_addresses + e->n_subnets + 1, sizeof(*run.typed));
	run.subnet_ids = calloc(e->n_subnets + 1, sizeof(*run.subnet_ids));
	if (!run.typed || !run.subnet_ids)
		ret = vfw_set_err(err, errlen, "%s", strerror(ENOMEM));
	else
		ret = vfw_with_pinned_maps(ifname, run.action == RULE_LIST ? VFW_PINS_READ
					   : VFW_PINS_ENFORCE, rule_locked, &run, err, errlen);
	free(run.typed);
	free(run.subnet_ids);
	return ret;
}

/* Values are written as given: the parser checks them, without case. */
static int set_setting(json_t *obj, const char *key, const char *value, const char *flag,
		       const char *path, struct edit_run *run, char *err, size_t errlen)
{
	json_t *v;

	if (!value)
		return 0;
	v = json_string(value);
	if (!v)
		return vfw_set_err(err, errlen, "%s %s: not valid UTF-8 text", flag, value);
	note_typed(run, flag, value, value, "%s", path);
	return json_object_set_new(obj, key, v) ? -ENOMEM : 0;
}

static int update_locked(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			 void *ctx, char *err, size_t errlen)
{
	struct edit_run *run = ctx;
	const struct vfw_edit *e = run->e;
	json_t *acls = NULL;
	struct live l;
	int ret;

	ret = load_live(ifname, maps, &l, err, errlen);
	if (ret)
		goto cleanup;
	if (e->default_action || e->bypass) {
		acls = network_acls_or_new(ifname, l.root);
		if (!acls) {
			ret = -ENOMEM;
			goto cleanup;
		}
	}
	ret = set_setting(acls, "defaultAction", e->default_action, "--default-action",
			  "properties.networkAcls.defaultAction", run, err, errlen) ?:
	      set_setting(acls, "bypass", e->bypass, "--bypass", "properties.networkAcls.bypass",
			  run, err, errlen) ?:
	      set_setting(json_object_get(l.root, "properties"), "publicNetworkAccess",
			  e->public_network_access, "--public-network-access",
			  "properties.publicNetworkAccess", run, err, errlen) ?:
	      install_edit(ifname, maps, pin_dir, &l, run, err, errlen);
cleanup:
	live_free(&l);
	return ret;
}

int vfw_update_cmd(const char *ifname, const struct vfw_edit *e, char *err, size_t errlen)
{
	struct typed typed[3];
	struct edit_run run = { .e = e, .what = "update", .typed = typed };

	if (!e->default_action && !e->bypass && !e->public_network_access)
		return vfw_set_err(err, errlen, "nothing to update: give --default-action, --bypass "
			       "or --public-network-access");
	return vfw_with_pinned_maps(ifname, VFW_PINS_ENFORCE, update_locked, &run, err, errlen);
}

static int show_locked(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
		       void *ctx, char *err, size_t errlen)
{
	char *text = NULL;
	int ret;

	(void)pin_dir;
	(void)ctx;
	ret = read_live_text(ifname, maps, &text, err, errlen);
	if (!ret && (ret = vfw_document_print(stdout, text)))
		vfw_set_err(err, errlen, "cannot print the rules of %s: %s", ifname, strerror(-ret));
	free(text);
	return ret;
}

int vfw_show(const char *ifname, char *err, size_t errlen)
{
	return vfw_with_pinned_maps(ifname, VFW_PINS_READ, show_locked, NULL, err, errlen);
}
