# bench/bench.mk - make bench: the programs of bench/progs/ run natively
# (clang -O2), in the interpreter and through the JIT, in one process;
# prints the table, then (bench/jit_bench.c) the cost of a helper call and
# the JIT's compile time on bench/verify_shapes.c programs of ~1,000 slots.
# Included by the top-level Makefile, which provides BUILD, CC, WARNINGS,
# CPPFLAGS_ALL, CFLAGS_ALL, LDFLAGS_ALL, LIBRKBPF and obj().
#
# Every bench/progs/NAME.c is built twice:
#   $(BUILD)/bench/NAME.bin       clang -target bpf, .text only: the bytecode
#   $(BUILD)/bench/native/NAME.o  clang -O2, linked into rk-bench: the baseline
# check-bpf-obj.sh fails the build when the BPF object has a relocation, a
# second function or a call, which the raw .text could not carry.
#
#   make bench BENCH_ARGS="--repeat 51 crc32"     options: rk-bench --help
#
# Then rk-map-bench (bench/map_bench.c, its own binary): map operations and
# bytes per 1,000 entries, against baselines compiled into it.
#   make bench MAP_BENCH_ARGS="--repeat 51"
#
# Then rk-verify-bench (bench/verify_*.c, its own binary): rk_verify() time
# and peak heap on generated programs of 100 to 1,000,000 instructions and
# on every example.  Its malloc family is wrapped (-Wl,--wrap=...) so that
# bench/verify_heap.c counts every byte; no other binary may link that file.
#   make bench VERIFY_BENCH_ARGS="--repeat 51 --max-insns 10000"

BPF_CLANG       ?= clang
BENCH_NATIVE_CC ?= $(BPF_CLANG)
LLVM_OBJCOPY    ?= llvm-objcopy
LLVM_READELF    ?= llvm-readelf
LLVM_OBJDUMP    ?= llvm-objdump
BENCH_ARGS      ?=
MAP_BENCH_ARGS  ?=
VERIFY_BENCH_ARGS ?=

BENCH_DIR         := $(BUILD)/bench
BENCH_NAMES       := $(basename $(notdir $(wildcard bench/progs/*.c)))
BENCH_BINS        := $(patsubst %,$(BENCH_DIR)/%.bin,$(BENCH_NAMES))
BENCH_BPF_OBJS    := $(patsubst %,$(BENCH_DIR)/bpf/%.o,$(BENCH_NAMES))
BENCH_NATIVE_OBJS := $(patsubst %,$(BENCH_DIR)/native/%.o,$(BENCH_NAMES))
VERIFY_BENCH_SRCS  := $(wildcard bench/verify_*.c)
BENCH_HARNESS_OBJS := $(call obj,$(filter-out bench/map_bench.c $(VERIFY_BENCH_SRCS),\
                                              $(wildcard bench/*.c)))
BENCH_UTIL_OBJS    := $(call obj,bench/bench_util.c)
# rk-bench compiles verify_shapes.c's programs (JIT compile time); not verify_heap.c.
BENCH_SHAPES_OBJS  := $(call obj,bench/verify_shapes.c)
RK_BENCH          := $(BENCH_DIR)/rk-bench
RK_MAP_BENCH      := $(BENCH_DIR)/rk-map-bench
RK_VERIFY_BENCH   := $(BUILD)/rk-verify-bench
VERIFY_BENCH_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free

# The same flags for both builds of a program, but the target: the figures
# compare the interpreter with what clang makes of the same C.
BENCH_PROG_CFLAGS := -O2 -std=c11 $(WARNINGS)
BENCH_BPF_CFLAGS  := $(BENCH_PROG_CFLAGS) -target bpf -mcpu=v3 -ffreestanding

.SECONDARY: $(BENCH_BPF_OBJS)

bench: $(RK_BENCH) $(BENCH_BINS) $(RK_MAP_BENCH) $(RK_VERIFY_BENCH) $(EXAMPLE_OBJS)
	$(RK_BENCH) --dir $(BENCH_DIR) $(BENCH_ARGS)
	$(RK_MAP_BENCH) $(MAP_BENCH_ARGS)
	$(RK_VERIFY_BENCH) --examples $(BUILD)/examples $(VERIFY_BENCH_ARGS)

$(RK_MAP_BENCH): $(call obj,bench/map_bench.c) $(BENCH_UTIL_OBJS) $(LIBRKBPF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL)

$(RK_VERIFY_BENCH): $(call obj,$(VERIFY_BENCH_SRCS)) $(BENCH_UTIL_OBJS) $(LIBRKBPF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL) $(VERIFY_BENCH_WRAP) -lm

$(BENCH_DIR)/bpf/%.o: bench/progs/%.c bench/progs/bench_prog.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(BENCH_BPF_CFLAGS) -c $< -o $@

$(BENCH_DIR)/%.bin: $(BENCH_DIR)/bpf/%.o scripts/check-bpf-obj.sh
	LLVM_READELF=$(LLVM_READELF) LLVM_OBJDUMP=$(LLVM_OBJDUMP) scripts/check-bpf-obj.sh $<
	$(LLVM_OBJCOPY) -O binary --only-section=.text $< $@

$(BENCH_DIR)/native/%.o: bench/progs/%.c bench/progs/bench_prog.h
	@mkdir -p $(dir $@)
	$(BENCH_NATIVE_CC) $(BENCH_PROG_CFLAGS) -fPIC -DBENCH_ENTRY=bench_native_$* -c $< -o $@

$(BUILD)/obj/bench/%.o: CPPFLAGS_ALL += -DRK_BENCH_DIR='"$(abspath $(BENCH_DIR))"' \
	-DRK_EXAMPLES_DIR='"$(abspath $(BUILD)/examples)"'

$(RK_BENCH): $(BENCH_HARNESS_OBJS) $(BENCH_SHAPES_OBJS) $(BENCH_NATIVE_OBJS) $(LIBRKBPF)
	@for name in $(BENCH_NAMES); do \
		grep -q "X($$name," bench/bench.h || { \
			echo "bench/progs/$$name.c is not listed in BENCH_PROGS (bench/bench.h)" >&2; \
			exit 1; }; \
	done
	$(CC) $(CFLAGS_ALL) -o $@ $(BENCH_HARNESS_OBJS) $(BENCH_SHAPES_OBJS) $(BENCH_NATIVE_OBJS) \
		$(LIBRKBPF) $(LDFLAGS_ALL) -lm
