// SPDX-License-Identifier: GPL-2.0
/*
 * The rules file (SPEC §1, docs/design.md "Rules file decisions").
 *
 * `properties` is the vault resource as the management API returns it, so
 * keys we do not read there are ignored and JSON null means "not set" (the
 * az CLI prints null for every unset property). `host` is vaultfw's own
 * object and is strict: unknown keys are errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "jsonpos.h"
#include "log.h"
#include "rules.h"

/* A vault has at most a few thousand rules; a bigger file is a mistake. */
#define RULES_FILE_MAX		(16u << 20)
/* The cloud's weekly service tags file is a few MiB and grows each year. */
#define SERVICE_TAGS_FILE_MAX	(64u << 20)
/* Room for the longest path this parser builds, with indices. */
#define JSON_PATH_LEN		192
#define MSG_LEN			(2 * VFW_NAME_MAX + 128)
#define ARRAY_LEN(a)		(sizeof(a) / sizeof((a)[0]))

/* host.serviceTagsFile, loaded once while host is parsed. */
struct service_tags {
	char *path;		/* absolute */
	char *text;		/* kept for the locator of errors inside it */
	size_t len;
	json_t *root;
	json_t *values;		/* its "values" array */
	struct stat st;		/* as found just before it was read */
};

struct parser {
	const char *text;
	size_t len;
	const char *source;
	const char *file;	/* the rules file's path, or NULL for text */
	struct service_tags *tags;
	char *err;
	size_t errlen;
};

static int read_text_file(const char *path, size_t max, const char *what, char **text,
			  size_t *len, char *err, size_t errlen);
static int check_text_bytes(const char *text, size_t len, const char *source,
			    char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/*
 * Only an unknown key of absurd length makes a path longer than the buffer;
 * it is then cut, and the locator points at the deepest part it finds.
 */
static const char *path_key(char *buf, const char *parent, const char *key)
{
	if (snprintf(buf, JSON_PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key) >=
	    JSON_PATH_LEN)
		pr_debug("JSON path cut short: %s\n", buf);
	return buf;
}

static const char *path_index(char *buf, const char *parent, size_t index)
{
	if (snprintf(buf, JSON_PATH_LEN, "%s[%zu]", parent, index) >= JSON_PATH_LEN)
		pr_debug("JSON path cut short: %s\n", buf);
	return buf;
}

/* "FILE:LINE:COL: PATH: [level: ]message" into buf. */
static void format_at(const struct parser *p, const char *path, const char *level,
		      const char *fmt, va_list ap, char *buf, size_t len)
{
	struct vfw_json_pos pos;
	char msg[MSG_LEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	vfw_json_locate(p->text, p->len, path, &pos);
	snprintf(buf, len, "%s:%d:%d: %s: %s%s", p->source, pos.line, pos.column,
		 *path ? path : "(top level)", level, msg);
}

__attribute__((format(printf, 3, 4)))
static int fail(const struct parser *p, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (p->errlen)
		format_at(p, path, "", fmt, ap, p->err, p->errlen);
	va_end(ap);
	return -EINVAL;
}

/* level is "warning: " or "note: " */
__attribute__((format(printf, 4, 5)))
static void report(const struct parser *p, const char *path, const char *level,
		   const char *fmt, ...)
{
	char line[PATH_MAX + JSON_PATH_LEN + MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	format_at(p, path, level, fmt, ap, line, sizeof(line));
	va_end(ap);
	pr_warn("%s\n", line);
}

/* ------------------------------------------------------------------ */
/* Addresses and prefixes                                              */

uint32_t vfw_prefix_mask(uint8_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static bool prefixes_overlap(const struct vfw_prefix *a, const struct vfw_prefix *b)
{
	uint32_t mask = vfw_prefix_mask(a->len < b->len ? a->len : b->len);

	return (a->addr & mask) == (b->addr & mask);
}

const char *vfw_prefix_str(const struct vfw_prefix *p, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u/%u", p->addr >> 24, (p->addr >> 16) & 0xff,
		 (p->addr >> 8) & 0xff, p->addr & 0xff, p->len);
	return buf;
}

/* Decimal without sign or leading zeros, at most max; advances *s. */
static bool parse_decimal(const char **s, unsigned int max, unsigned int *out)
{
	const char *c = *s;
	unsigned int v = 0;

	if (*c < '0' || *c > '9' || (c[0] == '0' && c[1] >= '0' && c[1] <= '9'))
		return false;
	for (; *c >= '0' && *c <= '9'; c++) {
		v = v * 10 + (unsigned int)(*c - '0');
		if (v > max)
			return false;
	}
	*s = c;
	*out = v;
	return true;
}

/* Strict dotted quad: exactly four decimal octets; advances *s. */
static bool parse_ipv4(const char **s, uint32_t *addr)
{
	unsigned int octet;
	uint32_t a = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i && *(*s)++ != '.')
			return false;
		if (!parse_decimal(s, 255, &octet))
			return false;
		a = a << 8 | octet;
	}
	*addr = a;
	return true;
}

enum prefix_result {
	PREFIX_OK,
	PREFIX_MALFORMED,
	PREFIX_IPV6,
	PREFIX_HOST_BITS,	/* out holds the address as written */
};

/* "a.b.c.d" (stored as /32) or "a.b.c.d/N". */
static enum prefix_result parse_prefix_text(const char *text, struct vfw_prefix *out)
{
	const char *s = text;
	unsigned int len = 32;

	if (strchr(text, ':'))
		return PREFIX_IPV6;
	if (!parse_ipv4(&s, &out->addr))
		return PREFIX_MALFORMED;
	if (*s == '/') {
		s++;
		if (!parse_decimal(&s, 32, &len))
			return PREFIX_MALFORMED;
	}
	if (*s)
		return PREFIX_MALFORMED;
	out->len = (uint8_t)len;
	return out->addr & ~vfw_prefix_mask(out->len) ? PREFIX_HOST_BITS : PREFIX_OK;
}

/* Ranges that can never be a public source (docs/design.md). */
static const struct {
	struct vfw_prefix prefix;
	const char *what;
} forbidden_ranges[] = {
	{ { 0x0a000000, 8 },  "RFC 1918 private range 10.0.0.0/8" },
	{ { 0xac100000, 12 }, "RFC 1918 private range 172.16.0.0/12" },
	{ { 0xc0a80000, 16 }, "RFC 1918 private range 192.168.0.0/16" },
	{ { 0x00000000, 8 },  "reserved range 0.0.0.0/8" },
	{ { 0x7f000000, 8 },  "loopback range 127.0.0.0/8" },
	{ { 0xa9fe0000, 16 }, "link-local range 169.254.0.0/16" },
	{ { 0xe0000000, 4 },  "multicast range 224.0.0.0/4" },
	{ { 0xf0000000, 4 },  "reserved range 240.0.0.0/4" },
};

static int check_public(const struct parser *p, const char *path, const char *text,
			const struct vfw_prefix *prefix)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(forbidden_ranges); i++)
		if (prefixes_overlap(prefix, &forbidden_ranges[i].prefix))
			return fail(p, path, "\"%s\" overlaps the %s, which an IP rule cannot admit",
				    text, forbidden_ranges[i].what);
	return 0;
}

static int prefix_from_text(const struct parser *p, const char *path, const char *text,
			    bool public_only, struct vfw_prefix *out)
{
	struct vfw_prefix meant;
	char buf[32];

	switch (parse_prefix_text(text, out)) {
	case PREFIX_OK:
		break;
	case PREFIX_IPV6:
		return fail(p, path, "\"%s\": IPv6 is not supported, rules are IPv4 only", text);
	case PREFIX_HOST_BITS:
		meant.addr = out->addr & vfw_prefix_mask(out->len);
		meant.len = out->len;
		return fail(p, path, "\"%s\" has host bits set: did you mean %s?", text,
			    vfw_prefix_str(&meant, buf, sizeof(buf)));
	default:
		return fail(p, path, "\"%s\" is not an IPv4 address or prefix "
			    "(a.b.c.d or a.b.c.d/0-32, octets 0-255 without leading zeros)", text);
	}
	return public_only ? check_public(p, path, text, out) : 0;
}

/* ------------------------------------------------------------------ */
/* Typed access to JSON members                                        */

/* JSON_TRUE stands for "a boolean" wherever a type is expected. */
static const char *type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT:	return "an object";
	case JSON_ARRAY:	return "an array";
	case JSON_STRING:	return "a string";
	case JSON_INTEGER:	return "an integer";
	case JSON_REAL:		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:	return "a boolean";
	default:		return "null";
	}
}

static int check_type(const struct parser *p, const char *path, json_t *v, json_type want)
{
	json_type got = json_typeof(v);

	if (got == want || (want == JSON_TRUE && got == JSON_FALSE))
		return 0;
	return fail(p, path, "expected %s, got %s", type_name(want), type_name(got));
}

/* Member `key` of obj, checked against `type`; *out is NULL when it is absent or null. */
static int get_member(const struct parser *p, json_t *obj, const char *path, const char *key,
		      json_type type, bool required, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	char kpath[JSON_PATH_LEN];

	*out = NULL;
	path_key(kpath, path, key);
	if (!v || json_is_null(v))
		return required ? fail(p, kpath, "required key is missing") : 0;
	if (check_type(p, kpath, v, type))
		return -EINVAL;
	*out = v;
	return 0;
}

static int get_string(const struct parser *p, json_t *obj, const char *path, const char *key,
		      bool required, const char **out)
{
	json_t *v;
	int err;

	*out = NULL;
	err = get_member(p, obj, path, key, JSON_STRING, required, &v);
	if (!err && v)
		*out = json_string_value(v);
	return err;
}

/* A name or resource id: non-empty and fitting VFW_NAME_MAX with its NUL. */
static int copy_name(const struct parser *p, const char *path, const char *text,
		     char dst[VFW_NAME_MAX])
{
	size_t len = strlen(text);

	if (!len)
		return fail(p, path, "must not be empty");
	if (len >= VFW_NAME_MAX)
		return fail(p, path, "is %zu characters long, at most %d are allowed",
			    len, VFW_NAME_MAX - 1);
	memcpy(dst, text, len + 1);
	return 0;
}

static int get_name(const struct parser *p, json_t *obj, const char *path, const char *key,
		    bool required, char dst[VFW_NAME_MAX])
{
	char kpath[JSON_PATH_LEN];
	const char *text;
	int err;

	err = get_string(p, obj, path, key, required, &text);
	if (err || !text)
		return err;
	return copy_name(p, path_key(kpath, path, key), text, dst);
}

/* "a, b, c" from a NULL-terminated list, for messages. */
static const char *join_names(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; names[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

/* Matched without case; *value is left alone when the key is absent. */
static int get_enum(const struct parser *p, json_t *obj, const char *path, const char *key,
		    const char *const *names, bool required, int *value)
{
	char kpath[JSON_PATH_LEN], choices[128];
	const char *text;
	int err, i;

	err = get_string(p, obj, path, key, required, &text);
	if (err || !text)
		return err;
	for (i = 0; names[i]; i++) {
		if (!strcasecmp(text, names[i])) {
			*value = i;
			return 0;
		}
	}
	return fail(p, path_key(kpath, path, key), "\"%s\" is not one of %s", text,
		    join_names(names, choices, sizeof(choices)));
}

static int get_bool(const struct parser *p, json_t *obj, const char *path, const char *key,
		    bool *value)
{
	json_t *v;
	int err;

	err = get_member(p, obj, path, key, JSON_TRUE, false, &v);
	if (!err && v)
		*value = json_is_true(v);
	return err;
}

static int integer_in_range(const struct parser *p, const char *path, json_t *v,
			    unsigned int max, uint32_t *out)
{
	json_int_t n;

	if (check_type(p, path, v, JSON_INTEGER))
		return -EINVAL;
	n = json_integer_value(v);
	if (n < 1 || n > max)
		return fail(p, path, "%lld is out of range 1..%u", (long long)n, max);
	*out = (uint32_t)n;
	return 0;
}

/* Rejects keys of a `host` object that vaultfw does not know. */
static int check_keys(const struct parser *p, json_t *obj, const char *path,
		      const char *const *allowed)
{
	char kpath[JSON_PATH_LEN], known[128];
	const char *key;
	json_t *v;
	int i;

	json_object_foreach(obj, key, v) {
		for (i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (!allowed[i])
			return fail(p, path_key(kpath, path, key), "unknown key (known: %s)",
				    join_names(allowed, known, sizeof(known)));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shared shapes: tags, prefix lists, tag lists, lists of objects      */

static const struct {
	const char *key;	/* one tag; the plural ("vnis") lists several */
	const char *plural;
	enum vfw_tag_kind kind;
	unsigned int max;
} tag_keys[] = {
	{ "vni", "vnis", VFW_TAG_VNI, VFW_VNI_MAX },
	{ "vlan", "vlans", VFW_TAG_VLAN, VFW_VLAN_MAX },
};
#define N_TAG_KEYS ARRAY_LEN(tag_keys)

static const char *tag_kind_name(uint32_t kind)
{
	size_t i;

	for (i = 0; i < N_TAG_KEYS; i++)
		if (tag_keys[i].kind == kind)
			return tag_keys[i].key;
	return "tag";
}

/* Optional "vni" and "vlan" members, in that order. */
static int get_tags(const struct parser *p, json_t *obj, const char *path,
		    struct vfw_tag tags[N_TAG_KEYS], size_t *n)
{
	char kpath[JSON_PATH_LEN];
	size_t i;
	json_t *v;

	*n = 0;
	for (i = 0; i < N_TAG_KEYS; i++) {
		if (get_member(p, obj, path, tag_keys[i].key, JSON_INTEGER, false, &v))
			return -EINVAL;
		if (!v)
			continue;
		tags[*n].kind = tag_keys[i].kind;
		if (integer_in_range(p, path_key(kpath, path, tag_keys[i].key), v,
				     tag_keys[i].max, &tags[*n].id))
			return -EINVAL;
		(*n)++;
	}
	return 0;
}

/* Subnets and private endpoints sit on exactly one tag. */
static int get_one_tag(const struct parser *p, json_t *obj, const char *path,
		       struct vfw_tag *tag)
{
	struct vfw_tag tags[N_TAG_KEYS];
	size_t n;

	if (get_tags(p, obj, path, tags, &n))
		return -EINVAL;
	if (n != 1)
		return fail(p, path, n ? "has both vni and vlan, exactly one is allowed"
				       : "needs a vni or a vlan");
	*tag = tags[0];
	return 0;
}

/* Trusted services and members: any of vni and vlan. */
static int get_tag_array(const struct parser *p, json_t *obj, const char *path,
			 struct vfw_tag **tags, size_t *n)
{
	struct vfw_tag found[N_TAG_KEYS];
	size_t n_found;

	if (get_tags(p, obj, path, found, &n_found))
		return -EINVAL;
	if (!n_found)
		return 0;
	*tags = calloc(n_found, sizeof(**tags));
	if (!*tags)
		return -ENOMEM;
	memcpy(*tags, found, n_found * sizeof(**tags));
	*n = n_found;
	return 0;
}

static int get_prefix(const struct parser *p, json_t *obj, const char *path, const char *key,
		      bool required, bool public_only, struct vfw_prefix *out, bool *present)
{
	char kpath[JSON_PATH_LEN];
	const char *text;

	if (get_string(p, obj, path, key, required, &text))
		return -EINVAL;
	if (present)
		*present = text != NULL;
	if (!text)
		return 0;
	return prefix_from_text(p, path_key(kpath, path, key), text, public_only, out);
}

static int get_prefix_list(const struct parser *p, json_t *obj, const char *path,
			   const char *key, struct vfw_prefix **prefixes, size_t *n)
{
	char kpath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	json_t *arr, *v;
	size_t i;
	int err;

	err = get_member(p, obj, path, key, JSON_ARRAY, false, &arr);
	if (err || !arr || !json_array_size(arr))
		return err;
	*prefixes = calloc(json_array_size(arr), sizeof(**prefixes));
	if (!*prefixes)
		return -ENOMEM;
	path_key(kpath, path, key);
	json_array_foreach(arr, i, v) {
		path_index(epath, kpath, i);
		if (check_type(p, epath, v, JSON_STRING) ||
		    prefix_from_text(p, epath, json_string_value(v), false, &(*prefixes)[i]))
			return -EINVAL;
		*n = i + 1;
	}
	return 0;
}

/* Appends the integers of the plural tag key ("vnis") as tags of that kind. */
static int append_tag_list(const struct parser *p, json_t *obj, const char *path,
			   size_t key_index, struct vfw_tag *tags, size_t *n)
{
	char kpath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	json_t *arr, *v;
	size_t i, j;
	int err;

	err = get_member(p, obj, path, tag_keys[key_index].plural, JSON_ARRAY, false, &arr);
	if (err || !arr)
		return err;
	path_key(kpath, path, tag_keys[key_index].plural);
	json_array_foreach(arr, i, v) {
		struct vfw_tag *tag = &tags[*n];

		path_index(epath, kpath, i);
		tag->kind = tag_keys[key_index].kind;
		if (integer_in_range(p, epath, v, tag_keys[key_index].max, &tag->id))
			return -EINVAL;
		for (j = 0; j < *n; j++)
			if (tags[j].kind == tag->kind && tags[j].id == tag->id)
				return fail(p, epath, "%u is listed twice", tag->id);
		(*n)++;
	}
	return 0;
}

/* Index of the entry whose name (at name_off, any case) is `name`, or -1. */
static ssize_t find_name(const void *items, size_t n, size_t stride, size_t name_off,
			 const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp((const char *)items + i * stride + name_off, name))
			return (ssize_t)i;
	return -1;
}

static int check_unique(const struct parser *p, const char *path, const void *items,
			size_t index, size_t stride, size_t name_off)
{
	const char *name = (const char *)items + index * stride + name_off;
	ssize_t first = find_name(items, index, stride, name_off, name);

	if (first < 0)
		return 0;
	return fail(p, path, "\"%s\" is already used by entry [%zd]", name, first);
}

typedef int (*parse_item_fn)(const struct parser *p, json_t *obj, const char *path,
			     void *items, size_t index, void *ctx);

/*
 * An optional array of at most max objects, each parsed by fn into
 * items[index]. The count is raised before fn runs so that vfw_rules_free
 * also releases a half-parsed entry.
 */
static int parse_object_list(const struct parser *p, json_t *parent, const char *path,
			     const char *key, size_t max, size_t item_size,
			     parse_item_fn fn, void *ctx, void **items, size_t *n)
{
	char kpath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	json_t *arr, *v;
	size_t i;
	int err;

	err = get_member(p, parent, path, key, JSON_ARRAY, false, &arr);
	if (err || !arr || !json_array_size(arr))
		return err;
	path_key(kpath, path, key);
	if (json_array_size(arr) > max)
		return fail(p, path_index(epath, kpath, max), "more than %zu entries", max);
	*items = calloc(json_array_size(arr), item_size);
	if (!*items)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		path_index(epath, kpath, i);
		if (check_type(p, epath, v, JSON_OBJECT))
			return -EINVAL;
		*n = i + 1;
		err = fn(p, v, epath, *items, i, ctx);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* host                                                                */

static const char *const proto_names[] = { "tcp", "udp", NULL };
static const uint8_t proto_numbers[] = { IPPROTO_TCP, IPPROTO_UDP };

static int parse_port(const struct parser *p, const char *path, const char *text,
		      void *item)
{
	const char *slash = strchr(text, '/'), *num;
	struct vfw_dp_port *out = item;
	unsigned int port;
	int i;

	for (i = 0; slash && proto_names[i]; i++) {
		num = slash + 1;
		if ((size_t)(slash - text) == strlen(proto_names[i]) &&
		    !strncasecmp(text, proto_names[i], (size_t)(slash - text)) &&
		    parse_decimal(&num, 65535, &port) && !*num && port) {
			out->proto = proto_numbers[i];
			out->port = (uint16_t)port;
			return 0;
		}
	}
	return fail(p, path, "\"%s\" is not a port: expected tcp/N or udp/N with N in 1..65535",
		    text);
}

static int parse_dp_address(const struct parser *p, const char *path, const char *text,
			    void *item)
{
	struct vfw_dp_addr *out = item;
	const char *s = text;
	uint32_t v4;

	if (strchr(text, ':') && inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	if (parse_ipv4(&s, &v4) && !*s) {
		v4 = htonl(v4);
		out->family = AF_INET;
		memcpy(out->addr, &v4, sizeof(v4));
		return 0;
	}
	return fail(p, path, "\"%s\" is not an IPv4 or IPv6 address", text);
}

typedef int (*parse_text_fn)(const struct parser *p, const char *path, const char *text,
			     void *item);

/*
 * A string array of at most max entries, each parsed by fn into zeroed
 * fixed-size items (so whole items compare with memcmp), no repeats.
 */
static int parse_text_list(const struct parser *p, json_t *arr, const char *path,
			   size_t max, size_t item_size, parse_text_fn fn,
			   void *items, size_t *n)
{
	char epath[JSON_PATH_LEN];
	size_t i, j;
	json_t *v;

	if (json_array_size(arr) > max)
		return fail(p, path_index(epath, path, max), "more than %zu entries", max);
	memset(items, 0, max * item_size);
	*n = 0;
	json_array_foreach(arr, i, v) {
		char *item = (char *)items + i * item_size;

		path_index(epath, path, i);
		if (check_type(p, epath, v, JSON_STRING) ||
		    fn(p, epath, json_string_value(v), item))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!memcmp((char *)items + j * item_size, item, item_size))
				return fail(p, epath, "\"%s\" is listed twice",
					    json_string_value(v));
		*n = i + 1;
	}
	return 0;
}

static int parse_dataplane(const struct parser *p, json_t *obj, const char *path,
			   struct vfw_dataplane *dp)
{
	static const char *const keys[] = { "addresses", "ports", NULL };
	char kpath[JSON_PATH_LEN];
	json_t *addrs, *ports;

	if (check_keys(p, obj, path, keys) ||
	    get_member(p, obj, path, "addresses", JSON_ARRAY, false, &addrs) ||
	    get_member(p, obj, path, "ports", JSON_ARRAY, false, &ports))
		return -EINVAL;
	if (addrs && parse_text_list(p, addrs, path_key(kpath, path, "addresses"),
				     VFW_MAX_DP_ADDRS, sizeof(dp->addrs[0]), parse_dp_address,
				     dp->addrs, &dp->n_addrs))
		return -EINVAL;
	if (!ports)
		return 0;
	path_key(kpath, path, "ports");
	if (!json_array_size(ports))
		return fail(p, kpath, "must list at least one port (absent means tcp/443)");
	return parse_text_list(p, ports, kpath, VFW_MAX_DP_PORTS, sizeof(dp->ports[0]),
			       parse_port, dp->ports, &dp->n_ports);
}

static int parse_vxlan_remote(const struct parser *p, const char *path, const char *text,
			      void *item)
{
	return prefix_from_text(p, path, text, false, item);
}

static int parse_vxlan_ports(const struct parser *p, json_t *arr, const char *path,
			     struct vfw_vxlan *vx)
{
	char epath[JSON_PATH_LEN];
	uint32_t port;
	size_t i, j;
	json_t *v;

	if (!json_array_size(arr))
		return fail(p, path, "must list at least one port (absent means [%d])",
			    VFW_VXLAN_PORT);
	if (json_array_size(arr) > VFW_MAX_VXLAN_PORTS)
		return fail(p, path_index(epath, path, VFW_MAX_VXLAN_PORTS),
			    "more than %d entries", VFW_MAX_VXLAN_PORTS);
	json_array_foreach(arr, i, v) {
		path_index(epath, path, i);
		if (integer_in_range(p, epath, v, 65535, &port))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (vx->ports[j] == port)
				return fail(p, epath, "%u is listed twice", port);
		vx->ports[i] = (uint16_t)port;
		vx->n_ports = i + 1;
	}
	return 0;
}

/*
 * host.vxlan. `remotes` is required: which endpoints may put a VNI on a
 * packet is the whole point of opening VXLAN, so trusting every source has
 * to be written down ("0.0.0.0/0").
 */
static int parse_vxlan(const struct parser *p, json_t *obj, const char *path,
		       struct vfw_vxlan *vx)
{
	static const char *const keys[] = { "ports", "remotes", NULL };
	char kpath[JSON_PATH_LEN];
	json_t *ports, *remotes;
	size_t i;

	if (check_keys(p, obj, path, keys) ||
	    get_member(p, obj, path, "ports", JSON_ARRAY, false, &ports) ||
	    get_member(p, obj, path, "remotes", JSON_ARRAY, false, &remotes))
		return -EINVAL;
	if (!remotes)
		return fail(p, path, "needs \"remotes\": the tunnel endpoints whose VXLAN frames "
			    "may carry a VNI (\"0.0.0.0/0\" trusts every source)");
	vx->present = true;
	vx->ports[0] = VFW_VXLAN_PORT;
	vx->n_ports = 1;
	if (ports && parse_vxlan_ports(p, ports, path_key(kpath, path, "ports"), vx))
		return -EINVAL;
	path_key(kpath, path, "remotes");
	if (parse_text_list(p, remotes, kpath, VFW_MAX_VXLAN_REMOTES, sizeof(vx->remotes[0]),
			    parse_vxlan_remote, vx->remotes, &vx->n_remotes))
		return -EINVAL;
	if (!vx->n_remotes)
		report(p, kpath, "warning: ", "no tunnel endpoint is trusted: every VXLAN frame "
		       "is dropped as untrusted-tunnel");
	for (i = 0; i < vx->n_remotes; i++)
		if (!vx->remotes[i].len)
			report(p, kpath, "warning: ", "0.0.0.0/0 trusts the VNI of every VXLAN "
			       "frame, whoever sends it");
	return 0;
}

/* A data-plane udp/N on an opened VXLAN port would never be seen as UDP. */
static int check_vxlan_ports(const struct parser *p, const struct vfw_rules *r)
{
	const struct vfw_dataplane *dp = &r->dataplane;
	size_t i, j;

	for (i = 0; i < r->vxlan.n_ports; i++)
		for (j = 0; j < dp->n_ports; j++)
			if (dp->ports[j].proto == IPPROTO_UDP &&
			    dp->ports[j].port == r->vxlan.ports[i])
				return fail(p, "host.vxlan.ports", "udp/%u is also a "
					    "host.dataPlane port", r->vxlan.ports[i]);
	return 0;
}

/* The JSON path of the first VNI in host, into buf; false when none. */
static bool first_vni_path(const struct vfw_rules *r, char *buf)
{
	const struct vfw_perimeter *perim = &r->perimeter;
	size_t i, j;

	for (i = 0; i < r->n_subnets; i++)
		if (r->subnets[i].tag.kind == VFW_TAG_VNI)
			return snprintf(buf, JSON_PATH_LEN, "host.subnets[%zu].vni", i) > 0;
	for (i = 0; i < r->n_trusted; i++)
		for (j = 0; j < r->trusted[i].n_tags; j++)
			if (r->trusted[i].tags[j].kind == VFW_TAG_VNI)
				return snprintf(buf, JSON_PATH_LEN,
						"host.trustedServices[%zu].vni", i) > 0;
	for (i = 0; i < r->n_private_endpoints; i++)
		if (r->private_endpoints[i].tag.kind == VFW_TAG_VNI)
			return snprintf(buf, JSON_PATH_LEN,
					"host.privateEndpoints[%zu].vni", i) > 0;
	/* A subscription lists its vnis first, so j indexes "vnis". */
	for (i = 0; i < perim->n_subscriptions; i++)
		for (j = 0; j < perim->subscriptions[i].n_tags; j++)
			if (perim->subscriptions[i].tags[j].kind == VFW_TAG_VNI)
				return snprintf(buf, JSON_PATH_LEN,
						"host.perimeter.subscriptions[%zu].vnis[%zu]",
						i, j) > 0;
	for (i = 0; i < perim->n_members; i++)
		for (j = 0; j < perim->members[i].n_tags; j++)
			if (perim->members[i].tags[j].kind == VFW_TAG_VNI)
				return snprintf(buf, JSON_PATH_LEN,
						"host.perimeter.members[%zu].vni", i) > 0;
	return false;
}

static int check_vxlan_needed(const struct parser *p, const struct vfw_rules *r)
{
	char path[JSON_PATH_LEN];

	if (r->vxlan.present || !first_vni_path(r, path))
		return 0;
	return fail(p, path, "a VNI needs host.vxlan, which says whose VXLAN frames may carry "
		    "it: add \"vxlan\": {\"remotes\": [tunnel endpoint prefixes]} "
		    "(\"0.0.0.0/0\" trusts every source)");
}

static int parse_subnet(const struct parser *p, json_t *obj, const char *path,
			void *items, size_t index, void *ctx)
{
	static const char *const keys[] = { "id", "vni", "vlan", "prefix", NULL };
	struct vfw_subnet *subnets = items, *s = &subnets[index];
	char mine[32], theirs[32];
	size_t j;

	(void)ctx;
	if (check_keys(p, obj, path, keys) ||
	    get_name(p, obj, path, "id", true, s->id) ||
	    check_unique(p, path, subnets, index, sizeof(*s), offsetof(struct vfw_subnet, id)) ||
	    get_one_tag(p, obj, path, &s->tag) ||
	    get_prefix(p, obj, path, "prefix", false, false, &s->prefix, &s->has_prefix))
		return -EINVAL;
	/* The trie cannot tell 0.0.0.0/0 on a tag from no prefix (both are
	 * the tag alone, which IPv6 sources match too): read it as absent. */
	s->has_prefix = s->has_prefix && s->prefix.len;
	/* One tag may carry several subnets of one virtual network, but a
	 * source must resolve to exactly one of them. */
	for (j = 0; j < index; j++) {
		const struct vfw_subnet *o = &subnets[j];

		if (o->tag.kind != s->tag.kind || o->tag.id != s->tag.id)
			continue;
		if (s->has_prefix && o->has_prefix && !prefixes_overlap(&s->prefix, &o->prefix))
			continue;
		return fail(p, path, "%s %u is also bound by entry [%zu] and the prefixes "
			    "overlap (%s and %s; an absent prefix means any source)",
			    tag_kind_name(s->tag.kind), s->tag.id, j,
			    s->has_prefix ? vfw_prefix_str(&s->prefix, mine, sizeof(mine)) : "absent",
			    o->has_prefix ? vfw_prefix_str(&o->prefix, theirs, sizeof(theirs)) : "absent");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Service tags (SPEC §1: host.serviceTagsFile)                        */

/* Where relative paths start: the rules file's directory, else the
 * current one (a document given as text). Always absolute. */
static int base_dir(const struct parser *p, char *buf, size_t len)
{
	const char *slash = p->file ? strrchr(p->file, '/') : NULL;
	size_t used = 0;

	if (!slash || *p->file != '/') {
		if (!getcwd(buf, len))
			return -errno;
		used = strlen(buf);
	}
	if (slash && (size_t)snprintf(buf + used, len - used, "%s%.*s", used ? "/" : "",
				      (int)(slash - p->file), p->file) >= len - used)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The stored document is read back without its file's directory (edits,
 * explain), so the path is made absolute once. Symbolic links are kept as
 * written: a Kubernetes ConfigMap swaps its files through a link, and a
 * resolved path would point at the old copy.
 */
static int service_tags_path(const struct parser *p, const char *kpath, const char *text,
			     char **out)
{
	char base[PATH_MAX];
	int err, n;

	*out = NULL;
	if (!*text)
		return fail(p, kpath, "must not be empty");
	err = *text == '/' ? 0 : base_dir(p, base, sizeof(base));
	if (err)
		return fail(p, kpath, "cannot resolve \"%s\": %s", text, strerror(-err));
	n = *text == '/' ? asprintf(out, "%s", text) : asprintf(out, "%s/%s", base, text);
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	if (n >= PATH_MAX)
		return fail(p, kpath, "\"%s\" resolves to a path of %d bytes, longer than "
			    "PATH_MAX", text, n);
	return 0;
}

/* Reads and checks {"values": [...]}, whose entries are read when looked up. */
static int load_service_tags(const struct parser *p, const char *kpath, struct service_tags *t)
{
	struct parser tp = { .source = t->path, .err = p->err, .errlen = p->errlen };
	char msg[MSG_LEN];
	json_error_t jerr;

	/* A FIFO or a device would block or never end every later reading
	 * of the stored document (edits, explain). */
	if (!stat(t->path, &t->st) && !S_ISREG(t->st.st_mode))
		return fail(p, kpath, "%s is not a regular file", t->path);
	if (read_text_file(t->path, SERVICE_TAGS_FILE_MAX, "a service tags file", &t->text,
			   &t->len, msg, sizeof(msg)))
		return fail(p, kpath, "%s", msg);
	tp.text = t->text;
	tp.len = t->len;
	if (check_text_bytes(t->text, t->len, t->path, p->err, p->errlen))
		return -EINVAL;
	t->root = json_loadb(t->text, t->len, 0, &jerr);
	if (!t->root) {
		snprintf(p->err, p->errlen, "%s:%d:%d: %s", t->path, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(t->root))
		return fail(&tp, "", "expected an object with \"values\", as the published "
			    "service tags file has, got %s", type_name(json_typeof(t->root)));
	return get_member(&tp, t->root, "", "values", JSON_ARRAY, true, &t->values);
}

static void free_service_tags(struct service_tags *t)
{
	json_decref(t->root);
	free(t->text);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

/* host.serviceTagsFile: resolved, loaded, and remembered for the document. */
static int parse_service_tags_file(const struct parser *p, json_t *host, const char *path,
				   struct vfw_rules *r)
{
	char kpath[JSON_PATH_LEN];
	const char *text;
	int err;

	if (get_string(p, host, path, "serviceTagsFile", false, &text))
		return -EINVAL;
	if (!text)
		return 0;
	path_key(kpath, path, "serviceTagsFile");
	err = service_tags_path(p, kpath, text, &p->tags->path);
	if (err)
		return err;
	err = load_service_tags(p, kpath, p->tags);
	if (err)
		return err;
	r->service_tags_file = strdup(p->tags->path);
	r->service_tags_st = p->tags->st;
	return r->service_tags_file ? 0 : -ENOMEM;
}

/* The entry of the service tags file named `name` (without case), or NULL. */
static int find_service_tag(const struct parser *tp, json_t *values, const char *name,
			    json_t **entry, size_t *index)
{
	char epath[JSON_PATH_LEN];
	const char *have;
	json_t *v;
	size_t i;

	*entry = NULL;
	json_array_foreach(values, i, v) {
		path_index(epath, "values", i);
		if (check_type(tp, epath, v, JSON_OBJECT) ||
		    get_string(tp, v, epath, "name", true, &have))
			return -EINVAL;
		if (!strcasecmp(have, name)) {
			*entry = v;
			*index = i;
			return 0;
		}
	}
	return 0;
}

/* Appends the tag's IPv4 prefixes to g; IPv6 ones are counted in *ipv6. */
static int append_tag_prefixes(const struct parser *tp, json_t *entry, size_t index,
			       struct vfw_group *g, size_t *ipv6)
{
	char epath[JSON_PATH_LEN], ppath[JSON_PATH_LEN], apath[JSON_PATH_LEN];
	struct vfw_prefix *grown;
	json_t *props, *arr, *v;
	const char *text;
	size_t i;

	path_index(epath, "values", index);
	if (get_member(tp, entry, epath, "properties", JSON_OBJECT, true, &props) ||
	    get_member(tp, props, path_key(ppath, epath, "properties"), "addressPrefixes",
		       JSON_ARRAY, true, &arr))
		return -EINVAL;
	path_key(apath, ppath, "addressPrefixes");
	grown = reallocarray(g->prefixes, g->n_prefixes + json_array_size(arr) + 1,
			     sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	g->prefixes = grown;
	json_array_foreach(arr, i, v) {
		path_index(epath, apath, i);
		if (check_type(tp, epath, v, JSON_STRING))
			return -EINVAL;
		text = json_string_value(v);
		if (strchr(text, ':')) {
			(*ipv6)++;
			continue;
		}
		if (prefix_from_text(tp, epath, text, false, &g->prefixes[g->n_prefixes]))
			return -EINVAL;
		g->n_prefixes++;
		g->n_tag_prefixes++;
	}
	return 0;
}

/* One name of serviceTags: looked up, its prefixes joining the group. */
static int add_service_tag(const struct parser *p, const char *path, struct vfw_group *g)
{
	const struct service_tags *t = p->tags;
	struct parser tp = {
		.text = t->text, .len = t->len, .source = t->path,
		.err = p->err, .errlen = p->errlen,
	};
	const char *name = g->service_tags[g->n_service_tags - 1];
	size_t index = 0, ipv6 = 0;
	json_t *entry;
	int err;

	if (find_service_tag(&tp, t->values, name, &entry, &index))
		return -EINVAL;
	if (!entry)
		return fail(p, path, "unknown service tag \"%s\": %s has no entry of that name",
			    name, t->path);
	err = append_tag_prefixes(&tp, entry, index, g, &ipv6);
	if (!err && ipv6)
		report(p, path, "note: ", "service tag \"%s\": %zu IPv6 prefixes skipped "
		       "(rules are IPv4 only)", name, ipv6);
	return err;
}

/* serviceTags of a trusted-service group or a perimeter member. */
static int get_service_tags(const struct parser *p, json_t *obj, const char *path,
			    struct vfw_group *g)
{
	char kpath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	json_t *arr, *v;
	size_t i;
	int err;

	err = get_member(p, obj, path, "serviceTags", JSON_ARRAY, false, &arr);
	if (err || !arr || !json_array_size(arr))
		return err;
	path_key(kpath, path, "serviceTags");
	if (!p->tags->values)
		return fail(p, kpath, "serviceTags are looked up in host.serviceTagsFile, "
			    "which is not given: add the service tags file the cloud publishes");
	g->service_tags = calloc(json_array_size(arr), sizeof(*g->service_tags));
	if (!g->service_tags)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		path_index(epath, kpath, i);
		if (check_type(p, epath, v, JSON_STRING) ||
		    copy_name(p, epath, json_string_value(v), g->service_tags[i]))
			return -EINVAL;
		if (find_name(g->service_tags, i, VFW_NAME_MAX, 0, g->service_tags[i]) >= 0)
			return fail(p, epath, "\"%s\" is listed twice", g->service_tags[i]);
		g->n_service_tags = i + 1;
		err = add_service_tag(p, epath, g);
		if (err)
			return err;
	}
	return 0;
}

/* host.trustedServices[] and host.perimeter.members[]. */
static int parse_group(const struct parser *p, json_t *obj, const char *path,
		       void *items, size_t index, void *ctx)
{
	static const char *const keys[] = {
		"name", "prefixes", "serviceTags", "vni", "vlan", NULL
	};
	struct vfw_group *g = (struct vfw_group *)items + index;

	(void)ctx;
	if (check_keys(p, obj, path, keys) ||
	    get_name(p, obj, path, "name", true, g->name) ||
	    check_unique(p, path, items, index, sizeof(*g), offsetof(struct vfw_group, name)))
		return -EINVAL;
	return get_prefix_list(p, obj, path, "prefixes", &g->prefixes, &g->n_prefixes) ?:
	       get_service_tags(p, obj, path, g) ?:
	       get_tag_array(p, obj, path, &g->tags, &g->n_tags);
}

const char *const vfw_pe_status_names[] = {
	[VFW_PE_APPROVED] = "Approved",
	[VFW_PE_PENDING] = "Pending",
	[VFW_PE_REJECTED] = "Rejected",
	NULL
};

static int parse_private_endpoint(const struct parser *p, json_t *obj, const char *path,
				  void *items, size_t index, void *ctx)
{
	static const char *const keys[] = { "name", "vni", "vlan", "prefix", "status", NULL };
	struct vfw_private_endpoint *pe = (struct vfw_private_endpoint *)items + index;
	int status;

	(void)ctx;
	if (check_keys(p, obj, path, keys) ||
	    get_name(p, obj, path, "name", true, pe->name) ||
	    check_unique(p, path, items, index, sizeof(*pe),
			 offsetof(struct vfw_private_endpoint, name)) ||
	    get_one_tag(p, obj, path, &pe->tag) ||
	    get_prefix(p, obj, path, "prefix", false, false, &pe->prefix, &pe->has_prefix) ||
	    get_enum(p, obj, path, "status", vfw_pe_status_names, true, &status))
		return -EINVAL;
	pe->has_prefix = pe->has_prefix && pe->prefix.len;	/* as for subnets */
	pe->status = status;
	return 0;
}

static int parse_perimeter_subscription(const struct parser *p, json_t *obj, const char *path,
					void *items, size_t index, void *ctx)
{
	static const char *const keys[] = { "id", "vnis", "vlans", NULL };
	struct vfw_perimeter_subscription *s = (struct vfw_perimeter_subscription *)items + index;
	size_t capacity = 0, k;
	json_t *list;

	(void)ctx;
	if (check_keys(p, obj, path, keys) ||
	    get_name(p, obj, path, "id", true, s->id) ||
	    check_unique(p, path, items, index, sizeof(*s),
			 offsetof(struct vfw_perimeter_subscription, id)))
		return -EINVAL;
	for (k = 0; k < N_TAG_KEYS; k++) {
		if (get_member(p, obj, path, tag_keys[k].plural, JSON_ARRAY, false, &list))
			return -EINVAL;
		capacity += list ? json_array_size(list) : 0;
	}
	if (!capacity)
		return 0;
	s->tags = calloc(capacity, sizeof(*s->tags));
	if (!s->tags)
		return -ENOMEM;
	for (k = 0; k < N_TAG_KEYS; k++)
		if (append_tag_list(p, obj, path, k, s->tags, &s->n_tags))
			return -EINVAL;
	return 0;
}

static int parse_access_rule_subscription(const struct parser *p, json_t *obj,
					  const char *path, void *items, size_t index,
					  void *ctx)
{
	static const char *const keys[] = { "id", NULL };
	const struct vfw_perimeter *perim = ctx;
	char (*ids)[VFW_NAME_MAX] = items;
	char kpath[JSON_PATH_LEN];

	if (check_keys(p, obj, path, keys) ||
	    get_name(p, obj, path, "id", true, ids[index]) ||
	    check_unique(p, path, items, index, VFW_NAME_MAX, 0))
		return -EINVAL;
	if (find_name(perim->subscriptions, perim->n_subscriptions,
		      sizeof(*perim->subscriptions),
		      offsetof(struct vfw_perimeter_subscription, id), ids[index]) < 0)
		return fail(p, path_key(kpath, path, "id"),
			    "\"%s\" is not listed in host.perimeter.subscriptions", ids[index]);
	return 0;
}

static const char *const direction_names[] = { "Inbound", "Outbound", NULL };

/* How host.perimeter is written: flat, or pasted from the management API. */
struct access_rule_ctx {
	const struct vfw_perimeter *perim;
	bool api_shape;
};

/*
 * Lists a perimeter rule may hold that the vault cannot use: outbound
 * destinations (the vault sends nothing vaultfw filters) and other
 * perimeters (whose traffic carries nothing vaultfw can recognise).
 * Accepted so that rules can be pasted as they are; ignored with a note.
 */
static const struct {
	const char *key;
	const char *why;
} ignored_rule_lists[] = {
	{ "fullyQualifiedDomainNames", "outbound destinations, and the vault sends nothing to filter" },
	{ "emailAddresses", "outbound destinations, and the vault sends nothing to filter" },
	{ "phoneNumbers", "outbound destinations, and the vault sends nothing to filter" },
	{ "networkSecurityPerimeters", "another perimeter's traffic carries nothing vaultfw "
	  "can recognise in a packet" },
};

static int note_ignored_lists(const struct parser *p, json_t *body, const char *path,
			      const struct vfw_access_rule *r)
{
	char kpath[JSON_PATH_LEN];
	json_t *arr;
	size_t i;

	for (i = 0; i < ARRAY_LEN(ignored_rule_lists); i++) {
		if (get_member(p, body, path, ignored_rule_lists[i].key, JSON_ARRAY, false, &arr))
			return -EINVAL;
		/* An outbound rule is noted once, as a whole. */
		if (arr && json_array_size(arr) && r->inbound)
			report(p, path_key(kpath, path, ignored_rule_lists[i].key), "note: ",
			       "rule \"%s\": %s (%zu) ignored: %s", r->name,
			       ignored_rule_lists[i].key, json_array_size(arr),
			       ignored_rule_lists[i].why);
	}
	return 0;
}

/* direction, addressPrefixes, subscriptions: at the rule itself (flat) or
 * under its "properties" (API). */
static int parse_access_rule_body(const struct parser *p, json_t *body, const char *path,
				  struct vfw_access_rule *r, const struct vfw_perimeter *perim)
{
	char kpath[JSON_PATH_LEN];
	int direction;

	if (get_enum(p, body, path, "direction", direction_names, true, &direction) ||
	    get_prefix_list(p, body, path, "addressPrefixes", &r->prefixes, &r->n_prefixes) ||
	    parse_object_list(p, body, path, "subscriptions", SIZE_MAX, VFW_NAME_MAX,
			      parse_access_rule_subscription, (void *)perim,
			      (void **)&r->subscriptions, &r->n_subscriptions))
		return -EINVAL;
	r->inbound = direction == 0;
	if (!r->inbound)
		report(p, path_key(kpath, path, "direction"), "note: ",
		       "outbound rule \"%s\" is ignored: the vault has no outbound traffic to filter",
		       r->name);
	return note_ignored_lists(p, body, path, r);
}

static int parse_access_rule(const struct parser *p, json_t *obj, const char *path,
			     void *items, size_t index, void *ctx)
{
	static const char *const flat_keys[] = {
		"name", "direction", "addressPrefixes", "subscriptions", "networkSecurityPerimeters",
		"fullyQualifiedDomainNames", "emailAddresses", "phoneNumbers", NULL
	};
	/* An AccessRule of the configuration (name, properties); the
	 * perimeter's own profile API adds id and type. */
	static const char *const api_keys[] = { "id", "name", "type", "properties", NULL };
	static const char *const api_body_keys[] = {
		"direction", "addressPrefixes", "subscriptions", "networkSecurityPerimeters",
		"fullyQualifiedDomainNames", "emailAddresses", "phoneNumbers", "provisioningState",
		NULL
	};
	const struct access_rule_ctx *c = ctx;
	struct vfw_access_rule *r = (struct vfw_access_rule *)items + index;
	char bpath[JSON_PATH_LEN];
	json_t *body = obj;

	if (check_keys(p, obj, path, c->api_shape ? api_keys : flat_keys) ||
	    get_name(p, obj, path, "name", true, r->name) ||
	    check_unique(p, path, items, index, sizeof(*r),
			 offsetof(struct vfw_access_rule, name)))
		return -EINVAL;
	snprintf(bpath, sizeof(bpath), "%s", path);
	if (c->api_shape &&
	    (get_member(p, obj, path, "properties", JSON_OBJECT, true, &body) ||
	     check_keys(p, body, path_key(bpath, path, "properties"), api_body_keys)))
		return -EINVAL;
	return parse_access_rule_body(p, body, bpath, r, c->perim);
}

const char *const vfw_perimeter_mode_names[] = {
	[VFW_PERIM_LEARNING] = "Learning",
	[VFW_PERIM_AUDIT] = "Audit",
	[VFW_PERIM_ENFORCED] = "Enforced",
	NULL
};

/* host.perimeter's own lists, in both shapes. */
static int parse_perimeter_subscriptions(const struct parser *p, json_t *obj, const char *path,
					 struct vfw_perimeter *perim)
{
	return parse_object_list(p, obj, path, "subscriptions", SIZE_MAX,
				 sizeof(*perim->subscriptions), parse_perimeter_subscription, NULL,
				 (void **)&perim->subscriptions, &perim->n_subscriptions);
}

static int parse_members(const struct parser *p, json_t *obj, const char *path,
			 struct vfw_perimeter *perim)
{
	return parse_object_list(p, obj, path, "members", VFW_MAX_MEMBERS, sizeof(*perim->members),
				 parse_group, NULL, (void **)&perim->members, &perim->n_members);
}

static int parse_access_rules(const struct parser *p, json_t *obj, const char *path,
			      struct vfw_perimeter *perim, bool api_shape)
{
	struct access_rule_ctx ctx = { .perim = perim, .api_shape = api_shape };

	return parse_object_list(p, obj, path, "accessRules", VFW_MAX_ACCESS_RULES,
				 sizeof(*perim->access_rules), parse_access_rule, &ctx,
				 (void **)&perim->access_rules, &perim->n_access_rules);
}

/*
 * The shape of a networkSecurityPerimeterConfigurations GET (SPEC §1):
 * accessMode under properties.resourceAssociation, rules under
 * properties.profile.accessRules[], each rule's fields under its own
 * properties. vaultfw's subscriptions and members sit beside properties.
 * The rest is the API's bookkeeping, accepted and not read.
 */
static int parse_perimeter_api(const struct parser *p, json_t *obj, const char *path,
			       struct vfw_perimeter *perim, int *mode)
{
	static const char *const keys[] = {
		"id", "name", "type", "systemData", "properties", "subscriptions", "members", NULL
	};
	static const char *const props_keys[] = {
		"networkSecurityPerimeter", "resourceAssociation", "profile", "provisioningState",
		"provisioningIssues", NULL
	};
	static const char *const assoc_keys[] = { "name", "accessMode", NULL };
	static const char *const profile_keys[] = {
		"name", "accessRulesVersion", "accessRules", "diagnosticSettingsVersion",
		"enabledLogCategories", NULL
	};
	char ppath[JSON_PATH_LEN], apath[JSON_PATH_LEN], fpath[JSON_PATH_LEN];
	json_t *props, *assoc, *profile;

	if (check_keys(p, obj, path, keys) ||
	    get_member(p, obj, path, "properties", JSON_OBJECT, true, &props) ||
	    check_keys(p, props, path_key(ppath, path, "properties"), props_keys) ||
	    get_member(p, props, ppath, "resourceAssociation", JSON_OBJECT, true, &assoc) ||
	    check_keys(p, assoc, path_key(apath, ppath, "resourceAssociation"), assoc_keys) ||
	    get_enum(p, assoc, apath, "accessMode", vfw_perimeter_mode_names, true, mode) ||
	    parse_perimeter_subscriptions(p, obj, path, perim) ||
	    get_member(p, props, ppath, "profile", JSON_OBJECT, false, &profile))
		return -EINVAL;
	path_key(fpath, ppath, "profile");
	if (profile && (check_keys(p, profile, fpath, profile_keys) ||
			parse_access_rules(p, profile, fpath, perim, true)))
		return -EINVAL;
	return parse_members(p, obj, path, perim);
}

/* One of the flat form's own keys beside a pasted "properties". */
static int check_one_shape(const struct parser *p, json_t *obj, const char *path)
{
	static const char *const flat_only[] = { "accessMode", "accessRules" };
	char kpath[JSON_PATH_LEN];
	size_t i;

	for (i = 0; i < ARRAY_LEN(flat_only); i++)
		if (json_object_get(obj, flat_only[i]))
			return fail(p, path_key(kpath, path, flat_only[i]), "the flat form's key "
				    "beside \"properties\" (a pasted perimeter configuration, which "
				    "has it under properties): write one form or the other");
	return 0;
}

static int parse_perimeter(const struct parser *p, json_t *obj, const char *path,
			   struct vfw_perimeter *perim)
{
	static const char *const keys[] = {
		"accessMode", "accessRules", "subscriptions", "members", NULL
	};
	int mode;

	/* Subscriptions before access rules in both shapes: rules refer to them. */
	if (json_object_get(obj, "properties")) {
		if (check_one_shape(p, obj, path) ||
		    parse_perimeter_api(p, obj, path, perim, &mode))
			return -EINVAL;
	} else if (check_keys(p, obj, path, keys) ||
		   get_enum(p, obj, path, "accessMode", vfw_perimeter_mode_names, true, &mode) ||
		   parse_perimeter_subscriptions(p, obj, path, perim) ||
		   parse_access_rules(p, obj, path, perim, false) ||
		   parse_members(p, obj, path, perim)) {
		return -EINVAL;
	}
	perim->mode = mode;
	return 0;
}

static int parse_host(const struct parser *p, json_t *host, struct vfw_rules *r)
{
	static const char *const keys[] = {
		"dataPlane", "vxlan", "subnets", "serviceTagsFile", "trustedServices",
		"privateEndpoints", "perimeter", NULL
	};
	const char *path = "host";
	char kpath[JSON_PATH_LEN];
	json_t *dataplane, *vxlan, *perim;

	if (check_keys(p, host, path, keys) ||
	    get_member(p, host, path, "dataPlane", JSON_OBJECT, false, &dataplane) ||
	    (dataplane && parse_dataplane(p, dataplane, path_key(kpath, path, "dataPlane"),
					  &r->dataplane)) ||
	    get_member(p, host, path, "vxlan", JSON_OBJECT, false, &vxlan) ||
	    (vxlan && (parse_vxlan(p, vxlan, path_key(kpath, path, "vxlan"), &r->vxlan) ||
		       check_vxlan_ports(p, r))) ||
	    parse_object_list(p, host, path, "subnets", VFW_MAX_SUBNETS, sizeof(*r->subnets),
			      parse_subnet, NULL, (void **)&r->subnets, &r->n_subnets) ||
	    parse_service_tags_file(p, host, path, r) ||
	    parse_object_list(p, host, path, "trustedServices", VFW_MAX_TRUSTED,
			      sizeof(*r->trusted), parse_group, NULL,
			      (void **)&r->trusted, &r->n_trusted) ||
	    parse_object_list(p, host, path, "privateEndpoints", VFW_MAX_PRIVATE_EP,
			      sizeof(*r->private_endpoints), parse_private_endpoint, NULL,
			      (void **)&r->private_endpoints, &r->n_private_endpoints) ||
	    get_member(p, host, path, "perimeter", JSON_OBJECT, false, &perim))
		return -EINVAL;
	if (perim) {
		r->has_perimeter = true;
		if (parse_perimeter(p, perim, path_key(kpath, path, "perimeter"), &r->perimeter))
			return -EINVAL;
	}
	return check_vxlan_needed(p, r);
}

/* ------------------------------------------------------------------ */
/* properties                                                          */

/*
 * A rule object's keys beyond the vault's schema are warnings, not errors
 * (SPEC §1): properties are pasted from the management API and from other
 * resource types' rules, which carry more. `known` also lists the keys that
 * are checked (action, state) and the az CLI's own resourceGroup.
 */
static void warn_unknown_keys(const struct parser *p, json_t *obj, const char *path,
			      const char *const *known, const char *what)
{
	char kpath[JSON_PATH_LEN], names[128];
	const char *key;
	json_t *v;
	int i;

	json_object_foreach(obj, key, v) {
		for (i = 0; known[i]; i++)
			if (!strcmp(key, known[i]))
				break;
		if (!known[i])
			report(p, path_key(kpath, path, key), "warning: ", "not a key of %s "
			       "(known: %s); ignored", what, join_names(known, names, sizeof(names)));
	}
}

/* A Key Vault rule only ever allows: a Deny would mean the opposite of
 * what vaultfw would enforce, so it is refused rather than ignored. */
static int check_rule_action(const struct parser *p, json_t *obj, const char *path)
{
	char kpath[JSON_PATH_LEN];
	const char *text;

	if (get_string(p, obj, path, "action", false, &text))
		return -EINVAL;
	if (!text || !strcasecmp(text, "Allow"))
		return 0;
	return fail(p, path_key(kpath, path, "action"), "\"%s\": a Key Vault network rule "
		    "only ever allows (action Allow); to stop admitting its sources, remove "
		    "the rule", text);
}

static int parse_ip_rules(const struct parser *p, json_t *arr, const char *path,
			  struct vfw_rules *r)
{
	static const char *const ip_rule_keys[] = { "value", "action", NULL };
	char epath[JSON_PATH_LEN], vpath[JSON_PATH_LEN], buf[32];
	struct vfw_prefix prefix;
	size_t i, j;
	json_t *v;

	json_array_foreach(arr, i, v) {
		path_index(epath, path, i);
		if (check_type(p, epath, v, JSON_OBJECT) ||
		    check_rule_action(p, v, epath) ||
		    get_prefix(p, v, epath, "value", true, true, &prefix, NULL))
			return -EINVAL;
		warn_unknown_keys(p, v, epath, ip_rule_keys, "a Key Vault IP rule");
		for (j = 0; j < r->n_ip_rules; j++)
			if (r->ip_rules[j].prefix.addr == prefix.addr &&
			    r->ip_rules[j].prefix.len == prefix.len)
				break;
		if (j < r->n_ip_rules) {
			report(p, path_key(vpath, epath, "value"), "warning: ",
			       "%s is listed more than once; merged",
			       vfw_prefix_str(&prefix, buf, sizeof(buf)));
			continue;
		}
		if (r->n_ip_rules == VFW_MAX_IP_RULES)
			return fail(p, epath, "more than %d IP rules (after merging duplicates)",
				    VFW_MAX_IP_RULES);
		if (!r->ip_rules) {
			r->ip_rules = calloc(VFW_MAX_IP_RULES, sizeof(*r->ip_rules));
			if (!r->ip_rules)
				return -ENOMEM;
		}
		r->ip_rules[r->n_ip_rules++].prefix = prefix;
	}
	return 0;
}

enum vnet_fate {
	VNET_BOUND,
	VNET_SKIPPED,		/* no binding, ignoreMissingVnetServiceEndpoint */
	VNET_MERGED,		/* a repeat of an earlier rule */
};

static bool vnet_rule_listed(const struct vfw_rules *r, const char *id)
{
	return find_name(r->vnet_rules, r->n_vnet_rules, sizeof(*r->vnet_rules),
			 offsetof(struct vfw_vnet_rule, id), id) >= 0 ||
	       find_name(r->skipped_vnet_rules, r->n_skipped_vnet_rules,
			 sizeof(*r->skipped_vnet_rules), offsetof(struct vfw_vnet_rule, id), id) >= 0;
}

/* The API reports a rule it has not finished applying; vaultfw enforces it
 * as written, which may differ from what the vault does meanwhile. */
static int check_vnet_state(const struct parser *p, json_t *obj, const char *path)
{
	char kpath[JSON_PATH_LEN];
	const char *text;

	if (get_string(p, obj, path, "state", false, &text))
		return -EINVAL;
	if (text && strcasecmp(text, "Succeeded"))
		report(p, path_key(kpath, path, "state"), "warning: ", "state is \"%s\", not "
		       "Succeeded: the vault may not be applying this rule yet; vaultfw "
		       "enforces it as written", text);
	return 0;
}

static int parse_vnet_rule(const struct parser *p, json_t *obj, const char *path,
			   const struct vfw_rules *r, struct vfw_vnet_rule *rule,
			   enum vnet_fate *fate)
{
	static const char *const vnet_rule_keys[] = {
		"id", "ignoreMissingVnetServiceEndpoint", "action", "state", "resourceGroup", NULL
	};
	char kpath[JSON_PATH_LEN];
	bool bound;

	if (check_type(p, path, obj, JSON_OBJECT) ||
	    check_rule_action(p, obj, path) ||
	    get_name(p, obj, path, "id", true, rule->id) ||
	    get_bool(p, obj, path, "ignoreMissingVnetServiceEndpoint",
		     &rule->ignore_missing_endpoint) ||
	    check_vnet_state(p, obj, path))
		return -EINVAL;
	warn_unknown_keys(p, obj, path, vnet_rule_keys, "a Key Vault virtual network rule");
	path_key(kpath, path, "id");
	bound = find_name(r->subnets, r->n_subnets, sizeof(*r->subnets),
			  offsetof(struct vfw_subnet, id), rule->id) >= 0;
	if (!bound && !rule->ignore_missing_endpoint)
		return fail(p, kpath, "subnet \"%s\" has no host.subnets binding (add one, "
			    "or set ignoreMissingVnetServiceEndpoint to skip it)", rule->id);
	if (vnet_rule_listed(r, rule->id)) {
		report(p, kpath, "warning: ", "subnet \"%s\" is listed more than once; merged",
		       rule->id);
		*fate = VNET_MERGED;
		return 0;
	}
	*fate = bound ? VNET_BOUND : VNET_SKIPPED;
	if (!bound)
		report(p, kpath, "warning: ", "subnet \"%s\" has no host.subnets binding; "
		       "skipped because ignoreMissingVnetServiceEndpoint is true (kept in the "
		       "stored rules, in force once bound)", rule->id);
	return 0;
}

/* Appends to a list sized for VFW_MAX_VNET_RULES on first use. */
static int append_vnet_rule(struct vfw_vnet_rule **list, size_t *n,
			    const struct vfw_vnet_rule *rule)
{
	if (!*list) {
		*list = calloc(VFW_MAX_VNET_RULES, sizeof(**list));
		if (!*list)
			return -ENOMEM;
	}
	(*list)[(*n)++] = *rule;
	return 0;
}

static int parse_vnet_rules(const struct parser *p, json_t *arr, const char *path,
			    struct vfw_rules *r)
{
	char epath[JSON_PATH_LEN];
	struct vfw_vnet_rule rule;
	enum vnet_fate fate = VNET_MERGED;
	size_t i;
	json_t *v;
	int err;

	json_array_foreach(arr, i, v) {
		memset(&rule, 0, sizeof(rule));
		path_index(epath, path, i);
		if (parse_vnet_rule(p, v, epath, r, &rule, &fate))
			return -EINVAL;
		if (fate == VNET_MERGED)
			continue;
		/* The vault stores skipped rules too, and counts them. */
		if (r->n_vnet_rules + r->n_skipped_vnet_rules == VFW_MAX_VNET_RULES)
			return fail(p, epath, "more than %d virtual network rules "
				    "(after merging duplicates)", VFW_MAX_VNET_RULES);
		rule.after = r->n_vnet_rules;
		err = fate == VNET_BOUND
		      ? append_vnet_rule(&r->vnet_rules, &r->n_vnet_rules, &rule)
		      : append_vnet_rule(&r->skipped_vnet_rules, &r->n_skipped_vnet_rules, &rule);
		if (err)
			return err;
	}
	return 0;
}

static const char *const default_action_names[] = { "Allow", "Deny", NULL };
static const char *const bypass_names[] = { "AzureServices", "None", NULL };

static int parse_network_acls(const struct parser *p, json_t *acls, const char *path,
			      struct vfw_rules *r)
{
	char kpath[JSON_PATH_LEN];
	int action = 0, bypass = 0;
	json_t *ip_rules, *vnet_rules;

	if (get_enum(p, acls, path, "defaultAction", default_action_names, false, &action) ||
	    get_enum(p, acls, path, "bypass", bypass_names, false, &bypass) ||
	    get_member(p, acls, path, "ipRules", JSON_ARRAY, false, &ip_rules) ||
	    get_member(p, acls, path, "virtualNetworkRules", JSON_ARRAY, false, &vnet_rules))
		return -EINVAL;
	r->has_network_acls = true;
	r->default_allow = action == 0;
	r->bypass_azure_services = bypass == 0;
	if (ip_rules && parse_ip_rules(p, ip_rules, path_key(kpath, path, "ipRules"), r))
		return -EINVAL;
	if (vnet_rules &&
	    parse_vnet_rules(p, vnet_rules, path_key(kpath, path, "virtualNetworkRules"), r))
		return -EINVAL;
	return 0;
}

/* The last segment of a resource id ("…/privateEndpointConnections/NAME"). */
static const char *id_leaf(const char *id)
{
	const char *slash = id ? strrchr(id, '/') : NULL;

	return slash ? slash + 1 : id;
}

static bool has_private_endpoint(const struct vfw_rules *r, const char *name)
{
	return name && *name &&
	       find_name(r->private_endpoints, r->n_private_endpoints,
			 sizeof(*r->private_endpoints),
			 offsetof(struct vfw_private_endpoint, name), name) >= 0;
}

/*
 * One entry of properties.privateEndpointConnections: the az CLI prints
 * its properties flattened into it, the REST API under "properties". An
 * Approved connection is one the vault admits; without a binding in
 * host.privateEndpoints (named after the connection or after its private
 * endpoint) vaultfw cannot see its traffic, so it would be refused.
 */
static int check_pe_connection(const struct parser *p, json_t *obj, const char *path,
			       const struct vfw_rules *r)
{
	char ppath[JSON_PATH_LEN], spath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	const char *id = NULL, *status = NULL, *pe_id = NULL, *name, *pe_name;
	json_t *props, *state, *pe;

	if (check_type(p, path, obj, JSON_OBJECT) ||
	    get_string(p, obj, path, "id", false, &id) ||
	    get_member(p, obj, path, "properties", JSON_OBJECT, false, &props))
		return -EINVAL;
	path_key(ppath, path, "properties");
	if (!props) {
		props = obj;
		snprintf(ppath, sizeof(ppath), "%s", path);
	}
	if (get_member(p, props, ppath, "privateLinkServiceConnectionState", JSON_OBJECT, false,
		       &state) ||
	    (state && get_string(p, state, path_key(spath, ppath,
						    "privateLinkServiceConnectionState"),
				 "status", false, &status)) ||
	    get_member(p, props, ppath, "privateEndpoint", JSON_OBJECT, false, &pe) ||
	    (pe && get_string(p, pe, path_key(epath, ppath, "privateEndpoint"), "id", false,
			      &pe_id)))
		return -EINVAL;
	if (!status || strcasecmp(status, "Approved"))
		return 0;
	name = id_leaf(id);
	pe_name = id_leaf(pe_id);
	if (has_private_endpoint(r, name) || has_private_endpoint(r, pe_name))
		return 0;
	report(p, path, "warning: ", "connection \"%s\" is Approved but no host.privateEndpoints "
	       "entry is named after it%s%s%s: its traffic is not admitted on this host",
	       name && *name ? name : "(no id)", pe_name ? " or its private endpoint \"" : "",
	       pe_name ? pe_name : "", pe_name ? "\"" : "");
	return 0;
}

static int check_pe_connections(const struct parser *p, json_t *props, const char *path,
				const struct vfw_rules *r)
{
	char kpath[JSON_PATH_LEN], epath[JSON_PATH_LEN];
	json_t *arr, *v;
	size_t i;

	if (get_member(p, props, path, "privateEndpointConnections", JSON_ARRAY, false, &arr))
		return -EINVAL;
	path_key(kpath, path, "privateEndpointConnections");
	json_array_foreach(arr, i, v)
		if (check_pe_connection(p, v, path_index(epath, kpath, i), r))
			return -EINVAL;
	return 0;
}

const char *const vfw_public_access_names[] = {
	[VFW_PNA_ENABLED] = "Enabled",
	[VFW_PNA_DISABLED] = "Disabled",
	[VFW_PNA_SECURED_BY_PERIMETER] = "SecuredByPerimeter",
	NULL
};

static int parse_properties(const struct parser *p, json_t *props, struct vfw_rules *r)
{
	const char *path = "properties";
	char kpath[JSON_PATH_LEN];
	int pna = VFW_PNA_ENABLED;
	json_t *acls;

	if (get_enum(p, props, path, "publicNetworkAccess", vfw_public_access_names, false, &pna) ||
	    check_pe_connections(p, props, path, r))
		return -EINVAL;
	r->public_access = pna;
	if (pna == VFW_PNA_SECURED_BY_PERIMETER && !r->has_perimeter)
		return fail(p, path_key(kpath, path, "publicNetworkAccess"),
			    "SecuredByPerimeter needs a host.perimeter object");
	/* Without networkAcls the vault's firewall is off. */
	r->default_allow = true;
	r->bypass_azure_services = true;
	if (get_member(p, props, path, "networkAcls", JSON_OBJECT, false, &acls))
		return -EINVAL;
	if (!acls)
		return 0;
	return parse_network_acls(p, acls, path_key(kpath, path, "networkAcls"), r);
}

/* host first: virtual network rules and SecuredByPerimeter refer to it. */
static int parse_document(const struct parser *p, json_t *root, struct vfw_rules *r)
{
	json_t *props, *host;

	if (!json_is_object(root))
		return fail(p, "", "expected an object, got %s", type_name(json_typeof(root)));
	/* The vault's data plane is HTTPS unless host.dataPlane.ports says otherwise. */
	r->dataplane.ports[0] = (struct vfw_dp_port){ .proto = IPPROTO_TCP, .port = 443 };
	r->dataplane.n_ports = 1;
	if (get_name(p, root, "", "id", false, r->id) ||
	    get_name(p, root, "", "name", false, r->name) ||
	    get_member(p, root, "", "properties", JSON_OBJECT, true, &props) ||
	    get_member(p, root, "", "host", JSON_OBJECT, false, &host) ||
	    (host && parse_host(p, host, r)))
		return -EINVAL;
	return parse_properties(p, props, r);
}

/* Blank lines alone are as empty as nothing, and clearer said so. */
static bool only_whitespace(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!text[i] || !strchr(" \t\r\n", text[i]))
			return false;
	return true;
}

/*
 * JSON text never holds a raw control byte other than tab, CR and LF (RFC 8259
 * requires them escaped, even in strings), so one means a binary or
 * compressed file: say that, rather than let the JSON parser quote the byte.
 */
static int check_text_bytes(const char *text, size_t len, const char *source,
			    char *err, size_t errlen)
{
	int line = 1, column = 1;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = text[i];

		if (c == '\n') {
			line++;
			column = 1;
			continue;
		}
		if (c < 0x20 && c != '\t' && c != '\r') {
			snprintf(err, errlen, "%s:%d:%d: byte 0x%02x cannot appear in JSON "
				 "text: not a text file (binary or compressed?)",
				 source, line, column, c);
			return -EINVAL;
		}
		/* Columns count characters: skip UTF-8 continuation bytes. */
		if ((c & 0xc0) != 0x80)
			column++;
	}
	return 0;
}

/* file: the rules file's path, which relative paths in it start from. */
static int parse_rules(const char *text, size_t len, const char *source, const char *file,
		       struct vfw_rules *out, char *err, size_t errlen)
{
	struct service_tags tags = { 0 };
	struct parser p = {
		.text = text, .len = len, .source = source, .file = file, .tags = &tags,
		.err = err, .errlen = errlen,
	};
	json_error_t jerr;
	json_t *root;
	int ret;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	/* Editors on some systems save JSON with a UTF-8 byte-order mark. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		p.text = text += 3;
		p.len = len -= 3;
	}
	if (only_whitespace(text, len)) {
		snprintf(err, errlen, "%s: the file is empty", source);
		return -EINVAL;
	}
	if (check_text_bytes(text, len, source, err, errlen))
		return -EINVAL;
	/* A repeated key would silently hide one of its values. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line > 0)
			snprintf(err, errlen, "%s:%d:%d: %s", source, jerr.line, jerr.column,
				 jerr.text);
		else
			snprintf(err, errlen, "%s: %s", source, jerr.text);
		return -EINVAL;
	}
	ret = parse_document(&p, root, out);
	json_decref(root);
	free_service_tags(&tags);
	if (ret)
		vfw_rules_free(out);
	return ret;
}

int vfw_rules_parse(const char *text, size_t len, const char *source,
		    struct vfw_rules *out, char *err, size_t errlen)
{
	return parse_rules(text, len, source, NULL, out, err, errlen);
}

/* Whole file into a fresh buffer, refusing anything over max bytes. */
static int read_fd(int fd, const char *path, size_t max, const char *what, char **text,
		   size_t *len, char *err, size_t errlen)
{
	size_t cap = 0, used = 0;
	char *buf = NULL, *grown;
	struct stat st;
	ssize_t n;
	int ret;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		goto too_big;
	do {
		if (used == cap) {
			/* One byte past the limit tells "too big" from "just fits". */
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > max + 1)
				cap = max + 1;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				snprintf(err, errlen, "%s: %s", path, strerror(-ret));
				goto cleanup;
			}
			buf = grown;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
			goto cleanup;
		}
		used += (size_t)n;
		if (used > max)
			goto too_big;
	} while (n > 0);
	*text = buf;
	*len = used;
	return 0;

too_big:
	ret = -EFBIG;
	snprintf(err, errlen, "%s: the file is larger than %zu MiB, too big for %s",
		 path, max >> 20, what);
cleanup:
	free(buf);
	return ret;
}

static int read_text_file(const char *path, size_t max, const char *what, char **text,
			  size_t *len, char *err, size_t errlen)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	ret = read_fd(fd, path, max, what, text, len, err, errlen);
	close(fd);
	return ret;
}

int vfw_rules_load_file(const char *path, struct vfw_rules *out, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_text_file(path, RULES_FILE_MAX, "a rules file", &text, &len, err, errlen);
	if (!ret)
		ret = parse_rules(text, len, path, path, out, err, errlen);
	free(text);
	return ret;
}

const struct vfw_perimeter_subscription *
vfw_perimeter_subscription(const struct vfw_perimeter *perim, const char *id)
{
	size_t i;

	for (i = 0; i < perim->n_subscriptions; i++)
		if (!strcasecmp(perim->subscriptions[i].id, id))
			return &perim->subscriptions[i];
	return NULL;
}

static void free_groups(struct vfw_group *groups, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(groups[i].prefixes);
		free(groups[i].service_tags);
		free(groups[i].tags);
	}
	free(groups);
}

void vfw_rules_free(struct vfw_rules *r)
{
	struct vfw_perimeter *perim = &r->perimeter;
	size_t i;

	free_groups(r->trusted, r->n_trusted);
	for (i = 0; i < perim->n_access_rules; i++) {
		free(perim->access_rules[i].prefixes);
		free(perim->access_rules[i].subscriptions);
	}
	for (i = 0; i < perim->n_subscriptions; i++)
		free(perim->subscriptions[i].tags);
	free_groups(perim->members, perim->n_members);
	free(perim->access_rules);
	free(perim->subscriptions);
	free(r->ip_rules);
	free(r->vnet_rules);
	free(r->skipped_vnet_rules);
	free(r->subnets);
	free(r->private_endpoints);
	free(r->service_tags_file);
	memset(r, 0, sizeof(*r));
}
