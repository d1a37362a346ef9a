# rkBPF top-level build.  Everything lands in $(BUILD); sources are found by
# wildcard, so a new file in vm/, hooks/, tests/unit/ or fuzz/ needs no edit here.
#
#   make            librkbpf, rkctl, rk-conformance-plugin
#   make test       the Criterion suite (fast)
#   make check      the same suite under ASan + UBSan (in build/san/)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each
#   make verify-gen the verifier's soundness generator (a short run is in `make test`)
#   make bench      benchmarks: native, interpreter, JIT (bench/bench.mk); rkd end to end
#                   (bench/rkd_bench.mk)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

SHELL    := /bin/bash
CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
FUZZ_SECONDS ?= 20

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= -O2 -g
CPPFLAGS_ALL := -D_DEFAULT_SOURCE -Ivm -Ijit $(CPPFLAGS)
CFLAGS_ALL   := -std=c11 $(WARNINGS) -fPIC -MMD -MP $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS_ALL  := $(LDFLAGS) $(EXTRA_LDFLAGS)

# The JITs are part of the library: every backend is compiled on every host.
VM_SRCS      := $(wildcard vm/*.c jit/*.c jit/*/*.c)
RKCTL_SRCS   := $(wildcard tools/rkctl/*.c)
PLUGIN_SRCS  := $(wildcard tools/conformance-plugin/*.c)
COMMON_SRCS  := $(wildcard tools/common/*.c)
HOOKS_SRCS   := $(wildcard hooks/*.c)
TEST_SRCS    := $(wildcard tests/unit/*.c)
FUZZ_SRCS    := $(wildcard fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBRKBPF := $(BUILD)/librkbpf.a
RKCTL    := $(BUILD)/rkctl
PLUGIN   := $(BUILD)/rk-conformance-plugin
TESTS    := $(BUILD)/rk-tests
VERIFY_GEN := $(BUILD)/rk-verify-gen

.PHONY: all test check fuzz bench install clean verify-gen
all: $(LIBRKBPF) $(RKCTL) $(PLUGIN) $(VERIFY_GEN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c $< -o $@

$(LIBRKBPF): $(call obj,$(VM_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(RKCTL): $(call obj,$(RKCTL_SRCS) $(COMMON_SRCS) $(HOOKS_SRCS)) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL)

# The plugin needs only the library and libc (it is cross-built for arm64):
# not the signature code, which is libsodium's.
PLUGIN_COMMON_SRCS := $(filter-out tools/common/signature.c,$(COMMON_SRCS))
$(PLUGIN): $(call obj,$(PLUGIN_SRCS) $(PLUGIN_COMMON_SRCS)) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL)

# The unit tests read the conformance data from the source tree.
$(BUILD)/obj/tests/%.o: CPPFLAGS_ALL += -DRK_SOURCE_DIR='"$(CURDIR)"' -DRK_BUILD_DIR='"$(abspath $(BUILD))"'

$(TESTS): $(call obj,$(TEST_SRCS) $(COMMON_SRCS) $(HOOKS_SRCS)) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL) -lcriterion

# The verifier's soundness generator (fuzz/verify_gen_main.c): random and
# mutated programs, every accepted one run in the checked interpreter.  `make
# test` runs a short fixed-seed pass; a long run, minimising what it finds:
#   build/rk-verify-gen --count 5000000 --seed $$RANDOM --minimize
VERIFY_GEN_SRCS  := fuzz/verify_gen_main.c fuzz/progen.c fuzz/verify_oracle.c fuzz/harness.c
VERIFY_GEN_COUNT ?= 20000
VERIFY_GEN_SEED  ?= 1
# The generator makes odd constants with wrapping arithmetic on purpose: defined
# (-fwrapv), and not an error under UBSan; the library it tests stays fully checked.
$(BUILD)/obj/fuzz/progen.o $(BUILD)/obj/fuzz/verify_oracle.o: CFLAGS_ALL += -fwrapv -fno-sanitize=signed-integer-overflow
$(VERIFY_GEN): $(call obj,$(VERIFY_GEN_SRCS)) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL)
verify-gen: $(VERIFY_GEN)

# rk-jit-diff comes from fuzz/jit_diff.mk (included below): named literally here.
test: $(TESTS) $(RKCTL) $(PLUGIN) $(VERIFY_GEN) $(BUILD)/rk-jit-diff
	$(TESTS) --jobs 2 $(TEST_ARGS)
	$(VERIFY_GEN) --count $(VERIFY_GEN_COUNT) --seed $(VERIFY_GEN_SEED)
	$(BUILD)/rk-jit-diff --count $(JIT_DIFF_COUNT) --seed $(JIT_DIFF_SEED)
	tests/cli/test_cli.sh $(BUILD)
	tests/cli/test_plugin_conformance.sh $(BUILD)

# arm64, cross-built and run under qemu-user (the JIT robots run): the
# conformance suite through the arm64 JIT and both interpreters, the arm64
# JIT's own run checks, and the interpreter-vs-JIT differential fuzzer.
ARM64_CC     ?= aarch64-linux-gnu-gcc
ARM64_PREFIX ?= qemu-aarch64 -L /usr/aarch64-linux-gnu
ARM64_BUILD  := $(BUILD)/arm64
.PHONY: test-arm64
test-arm64:
	$(MAKE) CC=$(ARM64_CC) BUILD=$(ARM64_BUILD) $(ARM64_BUILD)/librkbpf.a \
		$(ARM64_BUILD)/rk-conformance-plugin $(ARM64_BUILD)/arm64-run \
		$(ARM64_BUILD)/rk-jit-diff
	RK_RUN_PREFIX="$(ARM64_PREFIX)" tests/cli/test_plugin_conformance.sh $(ARM64_BUILD)
	$(ARM64_PREFIX) $(ARM64_BUILD)/arm64-run
	$(ARM64_PREFIX) $(ARM64_BUILD)/rk-jit-diff --count $(ARM64_JIT_DIFF_COUNT) --seed 1
ARM64_JIT_DIFF_COUNT ?= 2000
$(BUILD)/arm64-run: tests/jit/arm64_run.c $(LIBRKBPF)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -o $@ $< $(LIBRKBPF) $(LDFLAGS_ALL)

# Sanitizers: a separate build tree so that the normal one stays fast.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check:
	$(MAKE) BUILD=$(BUILD)/san EXTRA_CFLAGS="$(SAN_FLAGS)" EXTRA_LDFLAGS="$(SAN_FLAGS)" \
		CFLAGS="-O1 -g" test

# libFuzzer needs clang; the library is rebuilt with coverage instrumentation.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_BINS  := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
fuzz:
	$(MAKE) BUILD=$(BUILD)/fuzz-lib CC=$(FUZZ_CC) EXTRA_CFLAGS="$(FUZZ_FLAGS)" \
		CFLAGS="-O1 -g" $(BUILD)/fuzz-lib/librkbpf.a
	$(MAKE) fuzz-bins
	@for bin in $(FUZZ_BINS); do \
		name=$$(basename $$bin); corpus=$(BUILD)/fuzz/corpus-$$name; \
		mkdir -p $$corpus; \
		echo "== $$name ($(FUZZ_SECONDS)s)"; \
		log=$(BUILD)/fuzz/$$name.log; \
		$$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/$$name- $$corpus fuzz/seeds/$$name >$$log 2>&1; \
		status=$$?; \
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' $$log; \
		if [ $$status -ne 0 ]; then tail -n 40 $$log; \
			echo "$$name failed; the input is in $(BUILD)/fuzz/$$name-*"; exit 1; fi; \
	done

.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)
# A target's own fuzz/*.c support files are listed as extra prerequisites.
$(BUILD)/fuzz/fuzz_verify: fuzz/progen.c fuzz/verify_oracle.c fuzz/harness.c
$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(BUILD)/fuzz-lib/librkbpf.a
	@mkdir -p $(dir $@) fuzz/seeds/$*
	$(FUZZ_CC) $(CPPFLAGS_ALL) -std=c11 $(WARNINGS) -O1 -g \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(if $(filter fuzz_verify fuzz_jit_diff,$*),-fwrapv -fno-sanitize=signed-integer-overflow) \
		-o $@ $(filter %.c,$^) $(BUILD)/fuzz-lib/librkbpf.a

include examples/examples.mk
include tests/bpf/bpf.mk
-include bench/bench.mk
include fuzz/jit_diff.mk
-include tests/hooks/hooks.mk
-include rkd/rkd.mk
-include tests/hw/hw.mk
-include bench/rkd_bench.mk
-include bench/hw_bench.mk
# make bench also measures rkd end to end (needs root), the e-stop helper and the IIO decode.
bench: rkd-bench hw-bench

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/rkbpf
	install -m 0755 $(RKCTL) $(DESTDIR)$(PREFIX)/bin/rkctl
	install -m 0644 $(LIBRKBPF) $(DESTDIR)$(PREFIX)/lib/librkbpf.a
	install -m 0644 vm/rkbpf.h vm/rk_isa.h $(DESTDIR)$(PREFIX)/include/rkbpf/
	if ls include/rkbpf/*.h >/dev/null 2>&1; then \
		install -m 0644 include/rkbpf/*.h $(DESTDIR)$(PREFIX)/include/rkbpf/; fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
