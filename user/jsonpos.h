/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jansson forgets where values came from once a document is loaded. To name
 * line and column in semantic errors, this locator scans the raw text again
 * and finds where the value at a JSON path starts.
 */
#ifndef VFW_JSONPOS_H
#define VFW_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

struct vfw_json_pos {
	int line;	/* 1-based */
	int column;	/* 1-based, in characters, as jansson counts */
};

/*
 * `path` is dotted keys with [N] array indices, e.g.
 * "properties.networkAcls.ipRules[3].value"; "" is the document itself.
 * The text must be valid JSON (already accepted by jansson). Returns true
 * when the whole path was found; otherwise *pos is where the deepest part
 * of the path that exists starts (so a missing key points at its object).
 */
bool vfw_json_locate(const char *text, size_t len, const char *path,
		     struct vfw_json_pos *pos);

#endif
