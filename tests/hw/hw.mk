# The hardware-lab tests: rkd's hooks on real kernel drivers, in a QEMU guest
# running Debian's stock 6.1 kernel (tests/hw/lab is hwlab: read its README).
# One guest boot per tests/hw/guest/*.sh (each sources tests/hw/guest/lib.sh,
# the helpers they share, and gets only the objects its "# objects:" line
# names); programs in tests/hw/progs/, helper executables (tests/hw/*.c) built
# into $(BUILD)/tests/hw/.
# Included by the top-level Makefile (-include tests/hw/hw.mk).
#
#   make test-hw   build rkd, rkctl, the programs and the helpers, then
#                  tests/hw/run.sh: hwlab's setup.sh (idempotent) and a guest
#                  boot per test.  About 12 s a test once hwlab is set up.
#
# RK_HW_OPTIONAL=1: exit 0 ("skipped") when hwlab is absent;
# RK_HWLAB=DIR: hwlab somewhere else.  hwlab's own knobs (HWLAB_DIR for its
# cache, HWLAB_TIMEOUT, HWLAB_LOG, ...) pass through.

# tests/hw/progs/NAME.bpf.c -> $(BUILD)/tests/hw/NAME.o, as a libbpf user
# builds them; bpf_tracing.h's PT_REGS_*() need the traced arch, which is
# the guest's (x86_64) as well as this build's.
BPF_CLANG       ?= clang
HW_MULTIARCH    := $(shell gcc -dumpmachine 2>/dev/null || $(CC) -dumpmachine)
HW_TARGET_ARCH  := $(if $(findstring aarch64,$(HW_MULTIARCH)),arm64,x86)
HW_BPF_CFLAGS   := -O2 -g -target bpf -mcpu=v3 -Iinclude -I/usr/include/$(HW_MULTIARCH) \
	-D__TARGET_ARCH_$(HW_TARGET_ARCH) -Wall -Werror
HW_BPF_SRCS     := $(wildcard tests/hw/progs/*.bpf.c)
HW_BPF_OBJS     := $(patsubst tests/hw/progs/%.bpf.c,$(BUILD)/tests/hw/%.o,$(HW_BPF_SRCS))
HW_OPENER       := $(BUILD)/tests/hw/hw-opener

$(BUILD)/tests/hw/%.o: tests/hw/progs/%.bpf.c tests/hw/hw.mk $(wildcard include/rkbpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(HW_BPF_CFLAGS) -c $< -o $@

# The process the guest test traces: plain, no sanitizers (it is traced, not tested).
$(HW_OPENER): tests/hw/opener.c tests/hw/hw.mk
	@mkdir -p $(dir $@)
	$(CC) -D_DEFAULT_SOURCE -std=c11 $(WARNINGS) -O2 -g -o $@ $<

# kmod/rk_estop.ko, the fallback emergency stop, built with kbuild against the
# guest kernel's headers (KDIR from hwlab's env.sh; hwlab's setup.sh installs
# them when they are missing).  kbuild writes into M=, so it builds in
# $(BUILD)/kmod; the .ko lands in $(BUILD)/tests/hw/ marked executable, which
# is how run.sh passes files of that directory to the guest (same path there).
HW_KMOD         := $(BUILD)/tests/hw/rk_estop.ko
$(HW_KMOD): kmod/rk_estop.c kmod/Kbuild kmod/Makefile tests/hw/hw.mk
	@mkdir -p $(dir $@)
	kdir=$$(tests/hw/lab/env.sh KDIR) && \
	{ [ -d "$$kdir" ] || bash tests/hw/lab/setup.sh >/dev/null; } && \
	$(MAKE) -C kmod KDIR="$$kdir" OUT="$(abspath $(BUILD))/kmod" && \
	install -m 755 $(BUILD)/kmod/rk_estop.ko $@

.PHONY: test-hw test-hw-build kmod
kmod: $(HW_KMOD)
test-hw-build: $(BUILD)/rkd $(RKCTL) $(HW_BPF_OBJS) $(HW_OPENER) $(HW_KMOD)
test-hw: test-hw-build
	tests/hw/run.sh $(BUILD)
