# fuzz/jit_diff.mk - rk-jit-diff, the JIT against the fast interpreter on
# generated programs (fuzz/jit_diff*.c, fuzz/progen.c), and its libFuzzer
# target's support files.  Included by the top-level Makefile, which
# provides BUILD, CC, CFLAGS_ALL, CPPFLAGS_ALL, LDFLAGS_ALL, LIBRKBPF, obj().
#
#   make jit-diff                                   JIT_DIFF_COUNT programs, JIT_DIFF_SEED
#   make jit-diff JIT_DIFF_ARGS="--minimize"        shrink what diverges
#   build/rk-jit-diff --count 1000000 --seed $$RANDOM --minimize      a long run
#   build/rk-jit-diff --seed S --replay I [--minimize]                one program again
#   build/rk-jit-diff --engine checked              no JIT: test the harness itself
#
# The one thing to know: rk-jit-diff exits 2 (not 1) when there is nothing
# to compare - no JIT on this machine, or rk_prog_jit() -ENOTSUP - and says
# so; 1 means a divergence.  For arm64 under qemu-user:
#   make BUILD=build/arm64 CC=aarch64-linux-gnu-gcc build/arm64/rk-jit-diff
#   qemu-aarch64 -L /usr/aarch64-linux-gnu build/arm64/rk-jit-diff --count 2000 --seed 1

JIT_DIFF       := $(BUILD)/rk-jit-diff
JIT_DIFF_SRCS  := fuzz/jit_diff_main.c fuzz/jit_diff.c fuzz/progen.c fuzz/harness.c
JIT_DIFF_COUNT ?= 3000
JIT_DIFF_SEED  ?= 1
JIT_DIFF_ARGS  ?=

# As for rk-verify-gen: the generator wraps on purpose (progen.o has these flags already).
$(BUILD)/obj/fuzz/jit_diff.o $(BUILD)/obj/fuzz/jit_diff_main.o: CFLAGS_ALL += -fwrapv -fno-sanitize=signed-integer-overflow
$(JIT_DIFF): $(call obj,$(JIT_DIFF_SRCS)) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL)

.PHONY: jit-diff
jit-diff: $(JIT_DIFF)
	$(JIT_DIFF) --count $(JIT_DIFF_COUNT) --seed $(JIT_DIFF_SEED) $(JIT_DIFF_ARGS)

# The libFuzzer target (make fuzz): its support files (the fuzz rule adds
# -fwrapv for the generator).
$(BUILD)/fuzz/fuzz_jit_diff: fuzz/jit_diff.c fuzz/progen.c fuzz/harness.c
