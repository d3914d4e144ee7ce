// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target for the rules file: every input goes through the parser, the
 * validator and the compiler, exactly as `vaultfw check` runs them, and
 * everything is freed, so the sanitizers see any overflow, UB or leak.
 * A rule set that compiles is also written back as the stored document
 * (what `show` prints and edits start from), which must parse and compile
 * to exactly the same rules and entries: otherwise the target aborts.
 *
 * Built two ways from this one file:
 *  - with -fsanitize=fuzzer (libFuzzer supplies main): `make fuzz-rules`;
 *  - with -DVFW_FUZZ_REPLAY, a plain main() that runs each file named on
 *    the command line (or every file in a named directory) once: `make test`
 *    replays the seed corpus and the regressions this way under ASan+UBSan,
 *    without needing libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "compile.h"
#include "document.h"
#include "jsonpos.h"
#include "log.h"
#include "rules.h"

#define ERR_LEN	1024

/*
 * The parser asks the locator only about text that passed its own checks,
 * and only for paths that exist; these reach the rest of the locator's
 * contract ("any text jansson accepts, any path").
 */
static const char *const locate_paths[] = {
	"properties.networkAcls.ipRules[0].value",
	"host.perimeter.members[1].prefixes[2]",
	"host.subnets[3]",
	"[0].x",
};

static void fuzz_locator(const uint8_t *data, size_t size)
{
	struct vfw_json_pos pos;
	json_t *root;
	size_t i;

	root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return;
	json_decref(root);
	for (i = 0; i < sizeof(locate_paths) / sizeof(locate_paths[0]); i++)
		vfw_json_locate((const char *)data, size, locate_paths[i], &pos);
}

static void round_trip_failed(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_rules: document round trip: %s%s%s\n", what,
		detail ? ": " : "", detail ? detail : "");
	abort();
}

static bool same_compiled(const struct vfw_compiled *a, const struct vfw_compiled *b)
{
	size_t i;

	if (a->n_rules != b->n_rules || a->n_entries != b->n_entries ||
	    memcmp(&a->config, &b->config, sizeof(a->config)))
		return false;
	for (i = 0; i < a->n_rules; i++)
		if (a->rules[i].kind != b->rules[i].kind ||
		    strcmp(a->rules[i].name, b->rules[i].name))
			return false;
	return !a->n_entries ||
	       !memcmp(a->entries, b->entries, a->n_entries * sizeof(*a->entries));
}

static void check_round_trip(const struct vfw_rules *rules, const struct vfw_compiled *compiled)
{
	struct vfw_compiled again = {};
	struct vfw_rules reparsed = {};
	char err[ERR_LEN];
	char *text;
	json_t *doc;

	doc = vfw_document_json(rules);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		round_trip_failed("cannot write the document", NULL);
	if (vfw_rules_parse(text, strlen(text), "document", &reparsed, err, sizeof(err)))
		round_trip_failed("the document does not parse", err);
	if (vfw_compile(&reparsed, &again, err, sizeof(err)))
		round_trip_failed("the document does not compile", err);
	if (!same_compiled(compiled, &again))
		round_trip_failed("the document compiles to other rules", text);
	vfw_compiled_free(&again);
	vfw_rules_free(&reparsed);
	free(text);
}

/* libFuzzer's entry point: declared by no header. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfw_compiled compiled = {};
	struct vfw_rules rules = {};
	char err[ERR_LEN];

	/* Warnings about merged duplicates would flood the fuzzer's output. */
	vfw_log_level = VFW_LOG_QUIET;
	fuzz_locator(data, size);
	if (vfw_rules_parse((const char *)data, size, "fuzz.json", &rules,
			    err, sizeof(err)))
		return 0;
	if (!vfw_compile(&rules, &compiled, err, sizeof(err))) {
		check_round_trip(&rules, &compiled);
		vfw_compiled_free(&compiled);
	}
	vfw_rules_free(&rules);
	return 0;
}

#ifdef VFW_FUZZ_REPLAY
static int read_whole_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, got;
	int err = 0;

	if (!f)
		return -errno;
	do {
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap ? cap * 2 : 4096);

			if (!bigger) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = bigger;
			cap = cap ? cap * 2 : 4096;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	if (ferror(f))
		err = -EIO;
cleanup:
	fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*data = buf;
	*size = len;
	return 0;
}

static int replay_file(const char *path)
{
	uint8_t *data, *exact;
	size_t size;
	int err;

	err = read_whole_file(path, &data, &size);
	if (err) {
		fprintf(stderr, "fuzz_rules: %s: %s\n", path, strerror(-err));
		return err;
	}
	/* Copy into an exact-size buffer so ASan catches a read past the end,
	 * as libFuzzer's own buffers do. */
	exact = malloc(size ? size : 1);

	if (!exact) {
		free(data);
		return -ENOMEM;
	}
	memcpy(exact, data, size);
	free(data);
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	return 0;
}

/* Returns the number of inputs run, or a negative errno. */
static int replay_path(const char *path)
{
	struct dirent *ent;
	char child[4096];
	struct stat st;
	int n = 0, err;
	DIR *dir;

	if (stat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		err = replay_file(path);
		return err ? err : 1;
	}
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((ent = readdir(dir))) {
		if (ent->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, ent->d_name);
		err = replay_path(child);
		if (err < 0) {
			n = err;
			break;
		}
		n += err;
	}
	closedir(dir);
	return n;
}

int main(int argc, char **argv)
{
	int i, n, total = 0;

	for (i = 1; i < argc; i++) {
		n = replay_path(argv[i]);
		if (n < 0) {
			fprintf(stderr, "fuzz_rules: %s: %s\n", argv[i], strerror(-n));
			return 1;
		}
		total += n;
	}
	printf("fuzz_rules: replayed %d inputs\n", total);
	return 0;
}
#endif
