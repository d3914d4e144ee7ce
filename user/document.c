// SPDX-License-Identifier: GPL-2.0
/*
 * The applied rules document: docs/design.md "Rule state". The JSON built
 * here is read back only through vfw_rules_parse, so the parser stays the
 * one validator and a document that `show` prints can be applied as is.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "document.h"
#include "log.h"

/* Stored compact; ordered as the SPEC example, which jansson keeps. */
#define DOC_FLAGS	(JSON_COMPACT | JSON_PRESERVE_ORDER)

/* Takes ownership of v in every case; false when anything is missing. */
static bool set(json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v) {
		json_decref(v);
		return false;
	}
	return !json_object_set_new(obj, key, v);
}

static bool append(json_t *arr, json_t *v)
{
	if (!arr || !v) {
		json_decref(v);
		return false;
	}
	return !json_array_append_new(arr, v);
}

static json_t *prefix_json(const struct vfw_prefix *p)
{
	char buf[32];

	return json_string(vfw_prefix_str(p, buf, sizeof(buf)));
}

/* Optional list: nothing is set when it is empty. */
static bool set_prefixes(json_t *obj, const char *key, const struct vfw_prefix *p, size_t n)
{
	json_t *arr;
	size_t i;
	bool ok;

	if (!n)
		return true;
	arr = json_array();
	ok = arr != NULL;
	for (i = 0; ok && i < n; i++)
		ok = append(arr, prefix_json(&p[i]));
	return set(obj, key, arr) && ok;
}

static const char *tag_key(uint32_t kind)
{
	return kind == VFW_TAG_VNI ? "vni" : "vlan";
}

/* "vni": N and/or "vlan": N, as subnets, endpoints, groups and members have. */
static bool set_tags(json_t *obj, const struct vfw_tag *tags, size_t n)
{
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < n; i++)
		ok = set(obj, tag_key(tags[i].kind), json_integer(tags[i].id));
	return ok;
}

/* "vnis": [...], "vlans": [...] of a perimeter subscription. */
static bool set_tag_lists(json_t *obj, const struct vfw_tag *tags, size_t n)
{
	json_t *vnis = json_array(), *vlans = json_array();
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < n; i++)
		ok = append(tags[i].kind == VFW_TAG_VNI ? vnis : vlans, json_integer(tags[i].id));
	/* Both calls must run: each takes ownership of its array. */
	ok = set(obj, "vnis", vnis) && ok;
	return set(obj, "vlans", vlans) && ok;
}

static json_t *vnet_rule_json(const struct vfw_vnet_rule *v)
{
	json_t *obj = json_object();

	if (set(obj, "id", json_string(v->id)) &&
	    set(obj, "ignoreMissingVnetServiceEndpoint", json_boolean(v->ignore_missing_endpoint)))
		return obj;
	json_decref(obj);
	return NULL;
}

/*
 * Bound and skipped rules in the order of the file: a skipped rule goes
 * back where it was, after the bound rules that preceded it, so that the
 * stored document is the operator's (SPEC §1).
 */
static bool append_vnet_rules(json_t *arr, const struct vfw_rules *r)
{
	size_t i, s = 0;
	bool ok = true;

	for (i = 0; ok && i <= r->n_vnet_rules; i++) {
		for (; ok && s < r->n_skipped_vnet_rules && r->skipped_vnet_rules[s].after <= i; s++)
			ok = append(arr, vnet_rule_json(&r->skipped_vnet_rules[s]));
		if (ok && i < r->n_vnet_rules)
			ok = append(arr, vnet_rule_json(&r->vnet_rules[i]));
	}
	return ok;
}

static json_t *network_acls_json(const struct vfw_rules *r)
{
	json_t *acls = json_object(), *ips = json_array(), *vnets = json_array(), *v;
	bool ok;
	size_t i;

	ok = set(acls, "defaultAction", json_string(r->default_allow ? "Allow" : "Deny")) &&
	     set(acls, "bypass", json_string(r->bypass_azure_services ? "AzureServices" : "None"));
	for (i = 0; ok && i < r->n_ip_rules; i++) {
		v = json_object();
		ok = set(v, "value", prefix_json(&r->ip_rules[i].prefix)) && append(ips, v);
	}
	ok = ok && vnets && append_vnet_rules(vnets, r);
	/* Both calls must run: each takes ownership of its array. */
	ok = set(acls, "ipRules", ips) && ok;
	ok = set(acls, "virtualNetworkRules", vnets) && ok;
	if (!ok)
		json_decref(acls);
	return ok ? acls : NULL;
}

static json_t *properties_json(const struct vfw_rules *r)
{
	json_t *props = json_object();
	bool ok;

	ok = set(props, "publicNetworkAccess",
		 json_string(vfw_public_access_names[r->public_access]));
	if (ok && r->has_network_acls)
		ok = set(props, "networkAcls", network_acls_json(r));
	if (!ok)
		json_decref(props);
	return ok ? props : NULL;
}

static json_t *dataplane_json(const struct vfw_dataplane *dp)
{
	json_t *obj = json_object(), *addrs = json_array(), *ports = json_array();
	char text[INET6_ADDRSTRLEN + 8];
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < dp->n_addrs; i++)
		ok = inet_ntop(dp->addrs[i].family, dp->addrs[i].addr, text, sizeof(text)) &&
		     append(addrs, json_string(text));
	for (i = 0; ok && i < dp->n_ports; i++) {
		snprintf(text, sizeof(text), "%s/%u",
			 dp->ports[i].proto == IPPROTO_UDP ? "udp" : "tcp", dp->ports[i].port);
		ok = append(ports, json_string(text));
	}
	/* No addresses means any destination: the key is left out. */
	if (dp->n_addrs)
		ok = set(obj, "addresses", addrs) && ok;
	else
		json_decref(addrs);
	ok = set(obj, "ports", ports) && ok;
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *vxlan_json(const struct vfw_vxlan *vx)
{
	json_t *obj = json_object(), *ports = json_array(), *remotes = json_array();
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < vx->n_ports; i++)
		ok = append(ports, json_integer(vx->ports[i]));
	for (i = 0; ok && i < vx->n_remotes; i++)
		ok = append(remotes, prefix_json(&vx->remotes[i]));
	/* Both calls must run: each takes ownership of its array. remotes is
	 * written even when empty, since the parser requires it. */
	ok = set(obj, "ports", ports) && ok;
	ok = set(obj, "remotes", remotes) && ok;
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *subnet_json(const struct vfw_subnet *s)
{
	json_t *obj = json_object();
	bool ok;

	ok = set(obj, "id", json_string(s->id)) && set_tags(obj, &s->tag, 1) &&
	     (!s->has_prefix || set(obj, "prefix", prefix_json(&s->prefix)));
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

/* serviceTags by name: the file is read again whenever the document is. */
static bool set_service_tags(json_t *obj, const struct vfw_group *g)
{
	json_t *arr;
	size_t i;
	bool ok;

	if (!g->n_service_tags)
		return true;
	arr = json_array();
	ok = arr != NULL;
	for (i = 0; ok && i < g->n_service_tags; i++)
		ok = append(arr, json_string(g->service_tags[i]));
	return set(obj, "serviceTags", arr) && ok;
}

/* A trusted-service group or a perimeter member: the prefixes written,
 * not those its service tags brought. */
static json_t *group_json(const struct vfw_group *g)
{
	json_t *obj = json_object();
	bool ok;

	ok = set(obj, "name", json_string(g->name)) &&
	     set_prefixes(obj, "prefixes", g->prefixes, g->n_prefixes - g->n_tag_prefixes) &&
	     set_service_tags(obj, g) &&
	     set_tags(obj, g->tags, g->n_tags);
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *private_endpoint_json(const struct vfw_private_endpoint *pe)
{
	json_t *obj = json_object();
	bool ok;

	ok = set(obj, "name", json_string(pe->name)) && set_tags(obj, &pe->tag, 1) &&
	     (!pe->has_prefix || set(obj, "prefix", prefix_json(&pe->prefix))) &&
	     set(obj, "status", json_string(vfw_pe_status_names[pe->status]));
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *access_rule_json(const struct vfw_access_rule *a)
{
	json_t *obj = json_object(), *subs, *sub;
	bool ok;
	size_t i;

	ok = set(obj, "name", json_string(a->name)) &&
	     set(obj, "direction", json_string(a->inbound ? "Inbound" : "Outbound")) &&
	     set_prefixes(obj, "addressPrefixes", a->prefixes, a->n_prefixes);
	if (ok && a->n_subscriptions) {
		subs = json_array();
		for (i = 0; ok && i < a->n_subscriptions; i++) {
			sub = json_object();
			ok = set(sub, "id", json_string(a->subscriptions[i])) && append(subs, sub);
		}
		ok = set(obj, "subscriptions", subs) && ok;
	}
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *perimeter_subscription_json(const struct vfw_perimeter_subscription *s)
{
	json_t *obj = json_object();
	bool ok;

	ok = set(obj, "id", json_string(s->id)) && set_tag_lists(obj, s->tags, s->n_tags);
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

/* An optional list of objects built by `one` from items of size `stride`. */
static bool set_list(json_t *obj, const char *key, const void *items, size_t n, size_t stride,
		     json_t *(*one)(const void *item))
{
	json_t *arr;
	bool ok;
	size_t i;

	if (!n)
		return true;
	arr = json_array();
	ok = arr != NULL;
	for (i = 0; ok && i < n; i++)
		ok = append(arr, one((const char *)items + i * stride));
	return set(obj, key, arr) && ok;
}

#define SET_LIST(obj, key, items, n, fn) \
	set_list(obj, key, items, n, sizeof(*(items)), (json_t *(*)(const void *))(fn))

static json_t *perimeter_json(const struct vfw_perimeter *p)
{
	json_t *obj = json_object();
	bool ok;

	ok = set(obj, "accessMode", json_string(vfw_perimeter_mode_names[p->mode])) &&
	     SET_LIST(obj, "accessRules", p->access_rules, p->n_access_rules, access_rule_json) &&
	     SET_LIST(obj, "subscriptions", p->subscriptions, p->n_subscriptions,
		      perimeter_subscription_json) &&
	     SET_LIST(obj, "members", p->members, p->n_members, group_json);
	if (!ok)
		json_decref(obj);
	return ok ? obj : NULL;
}

static json_t *host_json(const struct vfw_rules *r)
{
	json_t *host = json_object();
	bool ok;

	ok = set(host, "dataPlane", dataplane_json(&r->dataplane)) &&
	     (!r->vxlan.present || set(host, "vxlan", vxlan_json(&r->vxlan))) &&
	     SET_LIST(host, "subnets", r->subnets, r->n_subnets, subnet_json) &&
	     (!r->service_tags_file ||
	      set(host, "serviceTagsFile", json_string(r->service_tags_file))) &&
	     SET_LIST(host, "trustedServices", r->trusted, r->n_trusted, group_json) &&
	     SET_LIST(host, "privateEndpoints", r->private_endpoints, r->n_private_endpoints,
		      private_endpoint_json) &&
	     (!r->has_perimeter || set(host, "perimeter", perimeter_json(&r->perimeter)));
	if (!ok)
		json_decref(host);
	return ok ? host : NULL;
}

json_t *vfw_document_json(const struct vfw_rules *r)
{
	json_t *root = json_object();
	bool ok;

	/* The id scopes the vault CLI's --subnet NAME --vnet-name V. */
	ok = (!r->id[0] || set(root, "id", json_string(r->id))) &&
	     (!r->name[0] || set(root, "name", json_string(r->name))) &&
	     set(root, "properties", properties_json(r)) &&
	     set(root, "host", host_json(r));
	if (!ok)
		json_decref(root);
	return ok ? root : NULL;
}

void vfw_doc_free(struct vfw_doc *doc)
{
	vfw_rules_free(&doc->rules);
	vfw_compiled_free(&doc->compiled);
	free(doc->text);
	doc->text = NULL;
}

static void *serialise(void *arg)
{
	struct vfw_doc *doc = arg;
	json_t *root = vfw_document_json(&doc->rules);

	doc->text = root ? json_dumps(root, DOC_FLAGS) : NULL;
	json_decref(root);
	return NULL;
}

/*
 * Compile the parsed rules and serialise them: what will be stored. Both
 * only read the rules, and at 100,000 prefixes each takes tens of ms, so
 * the serialising runs on a thread of its own beside the compiler.
 */
static int finish_doc(struct vfw_doc *doc, const char *source, char *err, size_t errlen)
{
	bool threaded;
	pthread_t tid;
	size_t len;
	int ret;

	threaded = !pthread_create(&tid, NULL, serialise, doc);
	if (!threaded)
		serialise(doc);
	ret = vfw_compile(&doc->rules, &doc->compiled, err, errlen);
	if (threaded)
		pthread_join(tid, NULL);
	if (ret) {
		vfw_compile_err_source(source, err, errlen);
		return ret;
	}
	if (!doc->text) {
		snprintf(err, errlen, "%s: cannot serialise the rules: %s", source, strerror(ENOMEM));
		return -ENOMEM;
	}
	len = strlen(doc->text);
	if (len > VFW_DOC_MAX) {
		snprintf(err, errlen, "%s: the rules document takes %zu bytes; vaultfw stores at "
			 "most %d per rule set (%s)", source, len, VFW_DOC_MAX, VFW_MAP_DOCUMENT);
		return -EFBIG;
	}
	return 0;
}

int vfw_doc_from_text(const char *text, size_t len, const char *source,
		      struct vfw_doc *doc, char *err, size_t errlen)
{
	int ret;

	memset(doc, 0, sizeof(*doc));
	ret = vfw_rules_parse(text, len, source, &doc->rules, err, errlen) ?:
	      finish_doc(doc, source, err, errlen);
	if (ret)
		vfw_doc_free(doc);
	return ret;
}

int vfw_doc_from_file(const char *path, struct vfw_doc *doc, char *err, size_t errlen)
{
	int ret;

	memset(doc, 0, sizeof(*doc));
	ret = vfw_rules_load_file(path, &doc->rules, err, errlen) ?:
	      finish_doc(doc, path, err, errlen);
	if (ret)
		vfw_doc_free(doc);
	return ret;
}

int vfw_doc_from_json(const json_t *root, const char *source, struct vfw_doc *doc,
		      char *err, size_t errlen)
{
	char *text = json_dumps(root, DOC_FLAGS);
	int ret;

	if (!text) {
		memset(doc, 0, sizeof(*doc));
		snprintf(err, errlen, "%s: cannot serialise the rules: %s", source, strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = vfw_doc_from_text(text, strlen(text), source, doc, err, errlen);
	free(text);
	return ret;
}

int vfw_document_read_live(const struct vfw_maps *maps, char **text)
{
	struct vfw_document *doc;
	int slot, ret = 0;
	__u32 key;

	slot = vfw_ruleset_active_slot(maps);
	if (slot < 0)
		return slot;
	doc = malloc(sizeof(*doc));
	if (!doc)
		return -ENOMEM;
	key = slot;
	if (bpf_map_lookup_elem(maps->document_fd, &key, doc)) {
		ret = -errno;
		goto cleanup;
	}
	if (!doc->len || doc->len > VFW_DOC_MAX) {
		ret = -ENODATA;
		goto cleanup;
	}
	*text = strndup(doc->text, doc->len);
	if (!*text)
		ret = -ENOMEM;
cleanup:
	free(doc);
	return ret;
}

int vfw_document_print(FILE *out, const char *text)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	root = json_loads(text, 0, &jerr);
	if (!root) {
		pr_warn("stored document: %d:%d: %s\n", jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	ret = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ? -EIO : 0;
	json_decref(root);
	if (!ret && fputc('\n', out) == EOF)
		ret = -EIO;
	return ret;
}
