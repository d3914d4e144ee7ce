// SPDX-License-Identifier: GPL-2.0
/*
 * `vaultfw rule add|remove|list`, `vaultfw update` and `vaultfw show`:
 * docs/design.md "Rule state". An edit changes the JSON tree of the live
 * document and hands the result to the rules parser, so edits meet every
 * check and limit a rules file meets.
 */
#include <errno.h>
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

struct edit_run {
	const struct vfw_edit *e;
	const char *what;		/* "rule add", "update": messages and source */
	enum rule_action action;
	bool json;
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

/* Validate the edited tree like a rules file and make it live, unless it
 * changes nothing. */
static int install_edit(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			const struct live *l, const char *what, char *err, size_t errlen)
{
	char label[64], source[VFW_NAME_MAX];
	struct vfw_doc doc;
	int ret;

	snprintf(label, sizeof(label), "%s after %s", ifname, what);
	ret = vfw_doc_from_json(l->root, label, &doc, err, errlen);
	if (ret)
		return ret;
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
	printf("%s: %s: generation %llu live, %zu rules, %zu trie entries\n", ifname, what,
	       (unsigned long long)l->config.generation + 1, doc.compiled.n_rules,
	       doc.compiled.n_entries);
	if (doc.rules.has_network_acls && doc.rules.default_allow)
		pr_info("note: defaultAction is Allow, so %s stays open to every source until "
			"'vaultfw update %s --default-action Deny'\n", ifname, ifname);
cleanup:
	vfw_doc_free(&doc);
	return ret;
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

/* Index of the element of arr whose `key` is `value`, or -1. */
static ssize_t find_in(const json_t *arr, const char *key, const char *value, bool any_case)
{
	const char *have;
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		have = json_string_value(json_object_get(v, key));
		if (have && !(any_case ? strcasecmp(have, value) : strcmp(have, value)))
			return i;
	}
	return -1;
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

static bool has_binding(const struct vfw_rules *r, const char *subnet)
{
	size_t i;

	for (i = 0; i < r->n_subnets; i++)
		if (!strcasecmp(r->subnets[i].id, subnet))
			return true;
	return false;
}

static int append_rule(json_t *arr, json_t *rule, const char *arg, char *err, size_t errlen)
{
	if (!rule)	/* jansson refuses text that is not UTF-8 */
		return vfw_set_err(err, errlen, "\"%s\" is not valid UTF-8 text", arg);
	if (json_array_append_new(arr, rule))
		return -ENOMEM;
	return 0;
}

static int add_rules(const char *ifname, struct live *l, const struct vfw_edit *e,
		     char *err, size_t errlen)
{
	json_t *acls = network_acls_or_new(ifname, l->root), *ips, *vnets;
	char text[VFW_NAME_MAX];
	size_t i;
	int ret = 0;

	ips = json_object_get(acls, "ipRules");
	vnets = json_object_get(acls, "virtualNetworkRules");
	if (!ips || !vnets)
		return -ENOMEM;
	for (i = 0; !ret && i < e->n_ip_addresses; i++) {
		ip_rule_text(e->ip_addresses[i], text, sizeof(text));
		if (find_in(ips, "value", text, false) >= 0)
			pr_info("note: %s: IP rule %s is already there\n", ifname, text);
		else
			ret = append_rule(ips, json_pack("{s:s}", "value", text), text, err, errlen);
	}
	for (i = 0; !ret && i < e->n_subnets; i++) {
		const char *id = e->subnets[i];

		if (find_in(vnets, "id", id, true) >= 0) {
			pr_info("note: %s: virtual network rule %s is already there\n", ifname, id);
			continue;
		}
		if (!has_binding(&l->rules, id))
			return vfw_set_err(err, errlen, "subnet \"%s\" has no host.subnets binding on %s: "
				       "add one to the rules file and apply it first", id, ifname);
		ret = append_rule(vnets, json_pack("{s:s, s:b}", "id", id,
						   "ignoreMissingVnetServiceEndpoint", 0),
				  id, err, errlen);
	}
	return ret;
}

static int remove_one(json_t *arr, const char *key, const char *value, bool any_case,
		      const char *kind, const char *ifname, char *err, size_t errlen)
{
	ssize_t i = arr ? find_in(arr, key, value, any_case) : -1;

	if (i < 0) {
		vfw_set_err(err, errlen, "%s has no %s %s", ifname, kind, value);
		return -ENOENT;
	}
	return json_array_remove(arr, i) ? -ENOMEM : 0;
}

static int remove_rules(const char *ifname, struct live *l, const struct vfw_edit *e,
			char *err, size_t errlen)
{
	json_t *acls = network_acls(l->root);
	char text[VFW_NAME_MAX];
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < e->n_ip_addresses; i++) {
		ip_rule_text(e->ip_addresses[i], text, sizeof(text));
		ret = remove_one(json_object_get(acls, "ipRules"), "value", text, false,
				 "IP rule", ifname, err, errlen);
	}
	for (i = 0; !ret && i < e->n_subnets; i++)
		ret = remove_one(json_object_get(acls, "virtualNetworkRules"), "id", e->subnets[i],
				 true, "virtual network rule", ifname, err, errlen);
	return ret;
}

static int print_rule_list(const char *ifname, const struct live *l, bool json)
{
	json_t *acls = network_acls(l->root), *ips, *vnets, *out, *v;
	const char *id;
	size_t i;
	int ret;

	ips = json_object_get(acls, "ipRules");
	vnets = json_object_get(acls, "virtualNetworkRules");
	if (json) {
		/* The shape of `az keyvault network-rule list`. */
		out = json_pack("{s:O, s:O}", "ipRules", ips ?: json_array(),
				"virtualNetworkRules", vnets ?: json_array());
		ret = out ? json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
		json_decref(out);
		return ret || putchar('\n') == EOF ? -EIO : 0;
	}
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

static int rule_locked(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
		       void *ctx, char *err, size_t errlen)
{
	const struct edit_run *run = ctx;
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
	ret = run->action == RULE_ADD ? add_rules(ifname, &l, run->e, err, errlen)
				      : remove_rules(ifname, &l, run->e, err, errlen);
	if (!ret)
		ret = install_edit(ifname, maps, pin_dir, &l, run->what, err, errlen);
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

int vfw_rule_cmd(const char *action, const char *ifname, const struct vfw_edit *e,
		 bool json, char *err, size_t errlen)
{
	struct edit_run run = { .e = e, .json = json };
	bool has_rules = e->n_ip_addresses || e->n_subnets;
	char what[32];

	if (parse_action(action, &run.action))
		return vfw_set_err(err, errlen, "unknown action '%s' (add, remove or list)", action);
	if (run.action == RULE_LIST && has_rules)
		return vfw_set_err(err, errlen, "list takes no --ip-address or --subnet");
	if (run.action != RULE_LIST && !has_rules)
		return vfw_set_err(err, errlen, "%s needs --ip-address ADDRESS... or --subnet ID", action);
	if (run.action != RULE_LIST && json)
		return vfw_set_err(err, errlen, "--json applies to list only");
	snprintf(what, sizeof(what), "rule %s", action);
	run.what = what;
	return vfw_with_pinned_maps(ifname, run.action == RULE_LIST ? VFW_PINS_READ : VFW_PINS_ENFORCE, rule_locked, &run,
				    err, errlen);
}

/* Values are written as given: the parser checks them, without case. */
static int set_setting(json_t *obj, const char *key, const char *value, char *err, size_t errlen)
{
	json_t *v;

	if (!value)
		return 0;
	v = json_string(value);
	if (!v)
		return vfw_set_err(err, errlen, "\"%s\" is not valid UTF-8 text", value);
	return json_object_set_new(obj, key, v) ? -ENOMEM : 0;
}

static int update_locked(const char *ifname, const struct vfw_maps *maps, const char *pin_dir,
			 void *ctx, char *err, size_t errlen)
{
	const struct edit_run *run = ctx;
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
	ret = set_setting(acls, "defaultAction", e->default_action, err, errlen) ?:
	      set_setting(acls, "bypass", e->bypass, err, errlen) ?:
	      set_setting(json_object_get(l.root, "properties"), "publicNetworkAccess",
			  e->public_network_access, err, errlen) ?:
	      install_edit(ifname, maps, pin_dir, &l, run->what, err, errlen);
cleanup:
	live_free(&l);
	return ret;
}

int vfw_update_cmd(const char *ifname, const struct vfw_edit *e, char *err, size_t errlen)
{
	struct edit_run run = { .e = e, .what = "update" };

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
