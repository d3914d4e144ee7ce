// SPDX-License-Identifier: GPL-2.0
/*
 * mapsum PIN...: one line per pinned object, with a digest of every key and
 * value of a map, so that tests can show a failed command changed no map
 * (tests/lib.sh dump_pinned). bpftool prints the same contents as text,
 * which for the fast path's 17 MiB slots takes seconds per dump.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--)
		h = (h ^ *p++) * FNV_PRIME;
	return h;
}

/* Per-CPU maps return one value per possible CPU, each rounded to 8. */
static size_t value_len(const struct bpf_map_info *info)
{
	switch (info->type) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return (size_t)libbpf_num_possible_cpus() * ((info->value_size + 7) & ~7u);
	default:
		return info->value_size;
	}
}

static int sum_map(int fd, const struct bpf_map_info *info, uint64_t *h, unsigned int *n)
{
	void *key = calloc(1, info->key_size ?: 1), *next = calloc(1, info->key_size ?: 1);
	void *val = calloc(1, value_len(info) ?: 1);
	void *prev = NULL;
	int ret = 0;

	if (!key || !next || !val) {
		ret = -ENOMEM;
		goto out;
	}
	*h = FNV_OFFSET;
	*n = 0;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info->key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;	/* gone meanwhile */
		*h = fnv(fnv(*h, key, info->key_size), val, value_len(info));
		(*n)++;
	}
out:
	free(key);
	free(next);
	free(val);
	return ret;
}

/* A program's fdinfo has no map_type line. */
static int is_map(int fd)
{
	char proc[64], line[128];
	int found = 0;
	FILE *f;

	snprintf(proc, sizeof(proc), "/proc/self/fdinfo/%d", fd);
	f = fopen(proc, "r");
	while (f && fgets(line, sizeof(line), f))
		found |= !strncmp(line, "map_type:", 9);
	if (f)
		fclose(f);
	return found;
}

static void sum_pin(const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	unsigned int n = 0;
	uint64_t h = 0;
	int fd;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		printf("%s: cannot open: %s\n", path, strerror(errno));
		return;
	}
	if (!is_map(fd) || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		printf("%s: not a map\n", path);
	} else if (info.type == BPF_MAP_TYPE_RINGBUF) {
		printf("%s: ringbuf %u bytes\n", path, info.max_entries);
	} else if (sum_map(fd, &info, &h, &n)) {
		printf("%s: cannot read\n", path);
	} else {
		printf("%s: type %u, %u entries, digest %016llx\n", path, info.type, n,
		       (unsigned long long)h);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		sum_pin(argv[i]);
	return 0;
}
