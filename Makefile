# SPDX-License-Identifier: GPL-2.0
# vaultfw: XDP filter for secret vaults. `make` builds, `make test` tests,
# `make demo` runs it on a namespace topology. Every target that needs
# packages first runs scripts/install-deps.sh (a no-op when all are there).

CLANG    ?= clang
CC       ?= gcc
BPFTOOL  ?= bpftool
BUILD    := build

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -I$(BUILD) -Imaps -Iuser -D_GNU_SOURCE -DVFW_VERSION='"$(VERSION)"'
LDLIBS   := -lxdp -lbpf -lelf -lz -ljansson

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -O2 -g -target bpf $(WARN) -D__TARGET_ARCH_$(ARCH) \
	      -I/usr/include/$(MULTIARCH) -Imaps -Ibpf

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h) maps/vaultfw.h

# user/ is the library (parse, compile, install, attach, observe), user/cli/
# the command line on top of it: one file per command.
VERSION   := $(shell cat VERSION)
LIB_SRCS  := $(wildcard user/*.c)
CLI_SRCS  := $(wildcard user/cli/*.c)
LIB_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(LIB_SRCS))
CLI_OBJS  := $(patsubst user/%.c,$(BUILD)/user/%.o,$(CLI_SRCS))
USER_OBJS := $(LIB_OBJS) $(CLI_OBJS)
USER_HDRS := $(wildcard user/*.h user/cli/*.h) maps/vaultfw.h VERSION

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_HDRS := $(wildcard tests/*.h) $(USER_HDRS)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
# Code the suites share (the harness, the differential generator and
# runner, the datapath case table): one archive that every test binary,
# fuzz_datapath and the asan copies link.
TESTLIB_SRCS := tests/testlib.c tests/diffgen.c tests/diffrun.c tests/datapath_cases.c
TESTLIB_OBJS := $(patsubst tests/%.c,$(BUILD)/tests/lib/%.o,$(TESTLIB_SRCS))
TESTLIB   := $(BUILD)/tests/libvfwtest.a

.PHONY: all deps test demo bench clean asan fuzz-rules mutate
.DELETE_ON_ERROR:
.SECONDARY:

all: deps $(BUILD)/vaultfw $(BUILD)/vaultfw.8 $(BUILD)/vaultfw.bash $(TEST_BINS) \
	$(BUILD)/tests/mapsum

deps:
	@scripts/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/vaultfw: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# The man page and the completion come from the option tables themselves.
$(BUILD)/vaultfw.8: $(BUILD)/vaultfw
	$< --man >$@
$(BUILD)/vaultfw.bash: $(BUILD)/vaultfw
	$< --bash-completion >$@

# Tests link an archive, so each pulls in only the objects it uses.
$(BUILD)/libvaultfw.a: $(LIB_OBJS)
	@rm -f $@	# ar adds to an archive: a removed source must leave it too
	$(AR) rcs $@ $^

$(BUILD)/tests/lib/%.o: tests/%.c $(TEST_HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -c $< -o $@

# Before libvaultfw.a on the command line: the test code calls into it.
$(TESTLIB): $(TESTLIB_OBJS)
	$(AR) rcs $@ $^

# The e2e suites' digest of pinned maps (tests/lib.sh dump_pinned).
$(BUILD)/tests/mapsum: tests/mapsum.c | $(BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lbpf -lelf -lz

$(BUILD)/tests/%: tests/%.c $(TEST_HDRS) $(TESTLIB) $(BUILD)/libvaultfw.a $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests $< $(TESTLIB) $(BUILD)/libvaultfw.a -o $@ $(LDLIBS)

# The long differential run of the datapath against the reference model;
# `make test` runs a sample of it (test_differential). Optional: SEED=,
# RULESETS=, FRAMES= (the total over all rule sets), PREFIXES= (more trusted
# prefixes in every rule set, for rule sets that fill the Poptrie).
.PHONY: fuzz-datapath
$(BUILD)/fuzz_datapath: tests/fuzz_datapath.c $(TEST_HDRS) $(TESTLIB) $(BUILD)/libvaultfw.a $(SKELS)
	$(CC) $(CFLAGS) -Itests $< $(TESTLIB) $(BUILD)/libvaultfw.a -o $@ $(LDLIBS)

fuzz-datapath: deps $(BUILD)/fuzz_datapath
	$(BUILD)/fuzz_datapath $(if $(SEED),--seed $(SEED)) \
		$(if $(RULESETS),--rulesets $(RULESETS)) $(if $(FRAMES),--frames $(FRAMES)) \
		$(if $(PREFIXES),--prefixes $(PREFIXES))

# The benchmark driver is not a test_* suite, so `make test` skips it. It and
# its live-traffic generator are bench tools, not part of vaultfw: they live
# in tests/bench/, one file per measurement.
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard tests/bench/*.c))
BENCH_OBJS := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%.o,$(BENCH_SRCS))
BENCH_HDRS := $(wildcard tests/bench/*.h)

$(BUILD)/bench_gen.bpf.o: tests/bench/bench_gen.bpf.c tests/bench/bench_gen.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench_cold.bpf.o: tests/bench/bench_cold.bpf.c tests/bench/bench_cold.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/bench/%.o: tests/bench/%.c $(BENCH_HDRS) $(TEST_HDRS) $(SKELS) \
			  $(BUILD)/bench_gen.skel.h $(BUILD)/bench_cold.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/bench: $(BENCH_OBJS) $(BUILD)/libvaultfw.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# Sanitizer build: the whole userspace again with ASan+UBSan in its own
# directory, so the normal build stays untouched. tests/e2e/sanitize.sh runs
# its unit tests, fuzz-corpus replay and CLI under it.
ASAN_DIR   := $(BUILD)/asan
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
ASAN_OBJS  := $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(USER_OBJS))
ASAN_TESTS := $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(TEST_BINS))
ASAN_TESTLIB := $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(TESTLIB))

$(ASAN_DIR)/user/%.o: user/%.c $(USER_HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(ASAN_DIR)/vaultfw: $(ASAN_OBJS)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $^ -o $@ $(LDLIBS)

$(ASAN_DIR)/libvaultfw.a: $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(LIB_OBJS))
	@rm -f $@
	$(AR) rcs $@ $^

$(ASAN_DIR)/tests/lib/%.o: tests/%.c $(TEST_HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests -c $< -o $@

$(ASAN_TESTLIB): $(patsubst $(BUILD)/%,$(ASAN_DIR)/%,$(TESTLIB_OBJS))
	$(AR) rcs $@ $^

$(ASAN_DIR)/tests/%: tests/%.c $(TEST_HDRS) $(ASAN_TESTLIB) $(ASAN_DIR)/libvaultfw.a $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests $< $(ASAN_TESTLIB) $(ASAN_DIR)/libvaultfw.a \
		-o $@ $(LDLIBS)

# The fuzz target without libFuzzer: replays files and directories.
$(ASAN_DIR)/fuzz_rules_replay: tests/fuzz_rules.c $(ASAN_DIR)/libvaultfw.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) -DVFW_FUZZ_REPLAY $< $(ASAN_DIR)/libvaultfw.a -o $@ $(LDLIBS)

asan: deps $(ASAN_DIR)/vaultfw $(ASAN_TESTS) $(ASAN_DIR)/fuzz_rules_replay

# libFuzzer over parse -> validate -> compile. The library is rebuilt with
# clang and coverage; the archive lets the target pull in only what it uses.
# -Werror stays with the gcc build, which gates warnings. New inputs collect
# in build/fuzz/corpus (never in the tree), crashes in build/fuzz/artifacts.
FUZZ_SECONDS ?= 600
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS    := $(patsubst $(BUILD)/%,$(FUZZ_DIR)/%,$(LIB_OBJS))
FUZZ_SEEDS   := tests/fuzz/corpus tests/fuzz/regress tests/bad

$(FUZZ_DIR)/user/%.o: user/%.c $(USER_HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CLANG) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libvaultfw.a: $(FUZZ_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_rules: tests/fuzz_rules.c $(FUZZ_DIR)/libvaultfw.a
	$(CLANG) $(CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer $< $(FUZZ_DIR)/libvaultfw.a \
		-o $@ $(LDLIBS)

fuzz-rules: deps $(FUZZ_DIR)/fuzz_rules
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts
	$(FUZZ_DIR)/fuzz_rules -dict=tests/fuzz/rules.dict -max_len=8192 \
		-max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/artifacts/ \
		$(FUZZ_DIR)/corpus $(FUZZ_SEEDS)

# Installing (docs/service.md). PREFIX defaults to /usr/local; DESTDIR
# stages the tree elsewhere (packaging). The unit is written with the
# installed paths, and with man:vaultfw(8), which exists once installed.
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  := $(PREFIX)/sbin
MAN8DIR  := $(PREFIX)/share/man/man8
UNITDIR  := $(PREFIX)/lib/systemd/system
COMPLDIR := $(PREFIX)/share/bash-completion/completions
DOCDIR   := $(PREFIX)/share/doc/vaultfw
UNIT     := scripts/systemd/vaultfw@.service
DOCS     := $(wildcard docs/*.md)
# What the unit in the tree says, for the default PREFIX.
UNIT_SED := -e 's|/usr/local/sbin/vaultfw|$(SBINDIR)/vaultfw|g' \
	    -e 's|^Documentation=file:/usr/local/share/doc/vaultfw/|Documentation=man:vaultfw(8) file:$(DOCDIR)/|'

.PHONY: install uninstall deb
install: deps $(BUILD)/vaultfw $(BUILD)/vaultfw.8 $(BUILD)/vaultfw.bash
	@# install -d would chmod directories that exist (/usr/local's may be 2775 root:staff)
	for d in $(SBINDIR) $(MAN8DIR) $(UNITDIR) $(COMPLDIR) $(DOCDIR)/docs; do \
		[ -d "$(DESTDIR)$$d" ] || install -d -m 0755 "$(DESTDIR)$$d" || exit; done
	install -m 0755 $(BUILD)/vaultfw $(DESTDIR)$(SBINDIR)/vaultfw
	install -m 0644 $(BUILD)/vaultfw.8 $(DESTDIR)$(MAN8DIR)/vaultfw.8
	sed $(UNIT_SED) $(UNIT) >$(DESTDIR)$(UNITDIR)/vaultfw@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/vaultfw@.service
	install -m 0644 $(BUILD)/vaultfw.bash $(DESTDIR)$(COMPLDIR)/vaultfw
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/docs/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/vaultfw $(DESTDIR)$(MAN8DIR)/vaultfw.8 \
		$(DESTDIR)$(UNITDIR)/vaultfw@.service $(DESTDIR)$(COMPLDIR)/vaultfw
	rm -rf $(DESTDIR)$(DOCDIR)

# A Debian package of the install with PREFIX=/usr: staged and built in
# DEBDIR (default build/deb), by scripts/mkdeb.sh.
DEBDIR   ?= $(BUILD)/deb
deb: deps $(BUILD)/vaultfw $(BUILD)/vaultfw.8 $(BUILD)/vaultfw.bash
	rm -rf $(DEBDIR)/root
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(abspath $(DEBDIR))/root
	scripts/mkdeb.sh $(DEBDIR)/root $(VERSION) $(DEBDIR)

$(BUILD):
	@mkdir -p $@

test: all asan
	@tests/run.sh

# Mutation testing, not part of `make test`: each tests/mutants/*.mutant
# is applied to its own copy under build/mutate/ and must make one of its
# suites fail. MUTANTS= names some (default: all).
mutate: deps
	@scripts/mutate.sh $(MUTANTS)

demo: all
	@scripts/demo.sh

bench: deps $(BUILD)/bench $(BUILD)/vaultfw
	@scripts/bench.sh

clean:
	rm -rf $(BUILD)
