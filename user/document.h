/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The applied rules document (docs/design.md "Rule state"): a validated
 * struct vfw_rules written back as SPEC §1 JSON. Each slot of the pinned
 * vfw_document map holds the document its rule set was compiled from, so
 * `show` prints exactly what is live and edits build on it.
 */
#ifndef VFW_DOCUMENT_H
#define VFW_DOCUMENT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "compile.h"
#include "ruleset.h"

/* A rules document ready to install: validated, compiled, serialised. */
struct vfw_doc {
	struct vfw_rules rules;
	struct vfw_compiled compiled;
	char *text;		/* compact JSON of rules, what the map stores */
};

/*
 * Validate `text` with the rules parser (the one validator, so every
 * SPEC §1 check and limit applies), compile it and serialise the result.
 * Errors name `source`; -EFBIG when the document outgrows VFW_DOC_MAX.
 */
int vfw_doc_from_text(const char *text, size_t len, const char *source,
		      struct vfw_doc *doc, char *err, size_t errlen);
int vfw_doc_from_file(const char *path, struct vfw_doc *doc, char *err, size_t errlen);
/* vfw_doc_from_text of a JSON tree (an edited document). */
int vfw_doc_from_json(const json_t *root, const char *source, struct vfw_doc *doc,
		      char *err, size_t errlen);
void vfw_doc_free(struct vfw_doc *doc);

/* The SPEC §1 JSON of a validated rule set; NULL when out of memory. */
json_t *vfw_document_json(const struct vfw_rules *r);

/*
 * The document stored with the live slot, NUL-terminated, for the caller
 * to free. -ENODATA when that slot has none (installed without one).
 */
int vfw_document_read_live(const struct vfw_maps *maps, char **text);

/* Pretty-print a stored (compact) document, one trailing newline. */
int vfw_document_print(FILE *out, const char *text);

#endif
