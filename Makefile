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
CFLAGS   += $(WARN) -I$(BUILD) -Imaps -Iuser -D_GNU_SOURCE
LDLIBS   := -lxdp -lbpf -lelf -lz -ljansson

ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_CFLAGS := -O2 -g -target bpf $(WARN) -D__TARGET_ARCH_$(ARCH) \
	      -I/usr/include/$(MULTIARCH) -Imaps -Ibpf

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS  := $(wildcard bpf/*.h) maps/vaultfw.h

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRCS))
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))
USER_HDRS := $(wildcard user/*.h) maps/vaultfw.h

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.PHONY: all deps test demo bench clean
.DELETE_ON_ERROR:
.SECONDARY:

all: deps $(BUILD)/vaultfw $(TEST_BINS)

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

# Tests link an archive, so each pulls in only the objects it uses.
$(BUILD)/libvaultfw.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/tests/%: tests/%.c tests/testlib.h $(BUILD)/libvaultfw.a $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests $< $(BUILD)/libvaultfw.a -o $@ $(LDLIBS)

# The long differential run of the datapath against the reference model;
# `make test` runs a sample of it (test_differential). Optional: SEED=,
# RULESETS=, FRAMES= (the total over all rule sets).
.PHONY: fuzz-datapath
DIFF_HDRS := tests/diffgen.h tests/diffrun.h
$(BUILD)/tests/test_differential: $(DIFF_HDRS)

$(BUILD)/fuzz_datapath: tests/fuzz_datapath.c $(DIFF_HDRS) $(BUILD)/libvaultfw.a $(SKELS)
	$(CC) $(CFLAGS) -Itests $< $(BUILD)/libvaultfw.a -o $@ $(LDLIBS)

fuzz-datapath: deps $(BUILD)/fuzz_datapath
	$(BUILD)/fuzz_datapath $(if $(SEED),--seed $(SEED)) \
		$(if $(RULESETS),--rulesets $(RULESETS)) $(if $(FRAMES),--frames $(FRAMES))

# The benchmark driver is not a test_* suite, so `make test` skips it.
$(BUILD)/bench: tests/bench.c $(BUILD)/libvaultfw.a $(SKELS)
	$(CC) $(CFLAGS) $< $(BUILD)/libvaultfw.a -o $@ $(LDLIBS)

$(BUILD):
	@mkdir -p $@

test: all
	@tests/run.sh

demo: all
	@scripts/demo.sh

bench: deps $(BUILD)/bench
	@scripts/bench.sh

clean:
	rm -rf $(BUILD)
