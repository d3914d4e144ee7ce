// SPDX-License-Identifier: GPL-2.0
/*
 * A forgiving scanner: the text was already validated by jansson, so it
 * only needs to find its way, not to check. Lines and columns are counted
 * the way jansson counts them (columns in characters, not bytes) so that
 * syntax and semantic errors point into the file the same way.
 */
#include <stdlib.h>
#include <string.h>
#include "jsonpos.h"

struct cursor {
	const char *p;
	const char *end;
	int line;
	int column;	/* characters already consumed on this line */
};

static bool at_end(const struct cursor *c)
{
	return c->p >= c->end;
}

static void advance(struct cursor *c)
{
	unsigned char b = (unsigned char)*c->p++;

	if (b == '\n') {
		c->line++;
		c->column = 0;
	} else if ((b & 0xc0) != 0x80) {
		/* UTF-8 continuation bytes belong to the previous character. */
		c->column++;
	}
}

static void skip_ws(struct cursor *c)
{
	while (!at_end(c) && *c->p && strchr(" \t\r\n", *c->p))
		advance(c);
}

static void skip_string(struct cursor *c)
{
	advance(c);	/* opening quote */
	while (!at_end(c)) {
		char ch = *c->p;

		advance(c);
		if (ch == '"')
			return;
		if (ch == '\\' && !at_end(c))
			advance(c);
	}
}

/*
 * Always consumes a byte: jansson accepts a NUL after a scalar ("[1\0]"),
 * and a scan that stopped there would never end.
 */
static void skip_scalar(struct cursor *c)
{
	do
		advance(c);
	while (!at_end(c) && *c->p && !strchr(" \t\r\n,:]}", *c->p));
}

/* Skips one whole value, however deeply nested, without recursion. */
static void skip_value(struct cursor *c)
{
	int depth = 0;

	do {
		skip_ws(c);
		if (at_end(c))
			return;
		switch (*c->p) {
		case '"':
			skip_string(c);
			break;
		case '{':
		case '[':
			depth++;
			advance(c);
			break;
		case '}':
		case ']':
			depth--;
			advance(c);
			break;
		case ',':
		case ':':
			advance(c);
			break;
		default:
			skip_scalar(c);
		}
	} while (depth > 0);
}

static void skip_separator(struct cursor *c, char sep)
{
	skip_ws(c);
	if (!at_end(c) && *c->p == sep)
		advance(c);
	skip_ws(c);
}

/* From an object's '{', moves to the value of member `key`. */
static bool enter_member(struct cursor *c, const char *key, size_t key_len)
{
	if (at_end(c) || *c->p != '{')
		return false;
	advance(c);
	for (;;) {
		const char *name;
		bool match;

		skip_ws(c);
		if (at_end(c) || *c->p != '"')
			return false;
		name = c->p + 1;
		skip_string(c);
		/* Path keys never hold escapes, so raw bytes compare exactly. */
		match = (size_t)(c->p - 1 - name) == key_len &&
			!memcmp(name, key, key_len);
		skip_separator(c, ':');
		if (match)
			return true;
		skip_value(c);
		skip_separator(c, ',');
	}
}

/* From an array's '[', moves to element `index`. */
static bool enter_element(struct cursor *c, unsigned long index)
{
	unsigned long i;

	if (at_end(c) || *c->p != '[')
		return false;
	advance(c);
	for (i = 0;; i++) {
		skip_ws(c);
		if (at_end(c) || *c->p == ']')
			return false;
		if (i == index)
			return true;
		skip_value(c);
		skip_separator(c, ',');
	}
}

/* Enters the first segment of *path and moves *path past it. */
static bool enter_segment(struct cursor *c, const char **path)
{
	const char *seg = *path;
	size_t key_len;
	char *after;

	if (*seg == '[') {
		unsigned long index = strtoul(seg + 1, &after, 10);

		if (*after != ']')
			return false;
		*path = after + 1;
		return enter_element(c, index);
	}
	key_len = strcspn(seg, ".[");
	*path = seg + key_len;
	return enter_member(c, seg, key_len);
}

bool vfw_json_locate(const char *text, size_t len, const char *path,
		     struct vfw_json_pos *pos)
{
	struct cursor c = { .p = text, .end = text + len, .line = 1 };

	skip_ws(&c);
	for (;;) {
		pos->line = c.line;
		pos->column = c.column + 1;
		if (*path == '.')
			path++;
		if (!*path)
			return true;
		if (!enter_segment(&c, &path))
			return false;
	}
}
