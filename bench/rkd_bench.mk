# bench/rkd_bench.mk - make rkd-bench: rkd measured end to end on this
# machine (bench/rkd_bench.sh; docs/bench-rkd.md says how to read it):
# uprobe hit -> program latency (p50/p99), the cost of a hit in the traced
# process against the same probe in the kernel's BPF (libbpf), tracepoint
# events a second with zero loss, and rkd's memory with 10 objects loaded.
# Needs root, perf uprobes and tracepoints, the bpf() syscall; < 2 minutes.
#
#   make rkd-bench
#   make rkd-bench RKD_BENCH_ARGS="--quick"      options: bench/rkd_bench.sh --help
#
# Included by the top-level Makefile (-include bench/rkd_bench.mk), which
# provides BUILD, CC, WARNINGS and BPF_CLANG; examples/examples.mk provides
# the objects and the demo robot the memory figure loads.  Sources live in
# bench/rkd/ (not bench/*.c: bench/bench.mk links every bench/*.c into
# rk-bench).  Variables are recursive (=) so the include's place does not
# matter.

RKD_BENCH_DIR       = $(BUILD)/bench/rkd
RKD_BENCH_TARGET    = $(RKD_BENCH_DIR)/uprobe_target
RKD_BENCH_LOAD      = $(RKD_BENCH_DIR)/getpid_load
RKD_BENCH_KBPF      = $(RKD_BENCH_DIR)/kbpf_uprobe
RKD_BENCH_BPF_OBJS  = $(RKD_BENCH_DIR)/bench_uprobe.o $(RKD_BENCH_DIR)/bench_getpid.o
RKD_BENCH_MULTIARCH = $(shell gcc -dumpmachine 2>/dev/null || $(CC) -dumpmachine)
RKD_BENCH_ARCH      = $(if $(findstring aarch64,$(RKD_BENCH_MULTIARCH)),arm64,x86)
RKD_BENCH_BPF_CFLAGS = -O2 -g -target bpf -mcpu=v3 -Iinclude \
	-I/usr/include/$(RKD_BENCH_MULTIARCH) -D__TARGET_ARCH_$(RKD_BENCH_ARCH) \
	-DRKD_BENCH_TARGET='"$(abspath $(RKD_BENCH_TARGET))"' -Wall -Werror
RKD_BENCH_CFLAGS    = -std=c11 $(WARNINGS) -O2 -g
RKD_BENCH_ARGS     ?=
# What the run needs from the rest of the tree (rules in the Makefile,
# rkd/rkd.mk, examples/examples.mk, tests/rkd).
RKD_BENCH_NEEDS     = $(BUILD)/rkd $(BUILD)/rkctl $(BUILD)/demo-robot \
	$(patsubst %,$(BUILD)/examples/%.o,control_jitter deadline_miss motor_trace motor_guard \
	                                   motor_overcurrent) \
	$(BUILD)/tests/rkd/rkd_getpid.o $(BUILD)/tests/rkd/rkd_timer.o

.PHONY: rkd-bench rkd-bench-bins
rkd-bench-bins: $(RKD_BENCH_TARGET) $(RKD_BENCH_LOAD) $(RKD_BENCH_KBPF) $(RKD_BENCH_BPF_OBJS)

rkd-bench: rkd-bench-bins $(RKD_BENCH_NEEDS)
	bench/rkd_bench.sh $(BUILD) $(RKD_BENCH_ARGS)

$(RKD_BENCH_DIR)/bench_%.o: bench/rkd/bench_%.bpf.c bench/rkd_bench.mk
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(RKD_BENCH_BPF_CFLAGS) -c $< -o $@

$(RKD_BENCH_TARGET) $(RKD_BENCH_LOAD): $(RKD_BENCH_DIR)/%: bench/rkd/%.c bench/rkd_bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(RKD_BENCH_CFLAGS) -o $@ $<

$(RKD_BENCH_KBPF): bench/rkd/kbpf_uprobe.c bench/rkd_bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(RKD_BENCH_CFLAGS) -o $@ $< -lbpf
