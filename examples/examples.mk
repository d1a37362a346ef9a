# Example programs: examples/NAME.bpf.c -> $(BUILD)/examples/NAME.o, built as
# a libbpf user builds them (clang -O2 -g -target bpf), loaded by rkctl run.
BPF_CLANG ?= clang
# <linux/bpf.h> needs <asm/types.h> from the host's multiarch include directory.
EXAMPLE_MULTIARCH := $(shell gcc -dumpmachine 2>/dev/null || $(CC) -dumpmachine)
# bpf_tracing.h's PT_REGS_PARM*() need the traced arch; the demo-robot examples
# attach to the robot built here.
EXAMPLE_TARGET_ARCH := $(if $(findstring aarch64,$(EXAMPLE_MULTIARCH)),arm64,x86)
DEMO_ROBOT := $(BUILD)/demo-robot
EXAMPLE_BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Iinclude -I/usr/include/$(EXAMPLE_MULTIARCH) \
	-D__TARGET_ARCH_$(EXAMPLE_TARGET_ARCH) -DRK_DEMO_ROBOT='"$(abspath $(DEMO_ROBOT))"' \
	-Wall -Werror

EXAMPLE_SRCS := $(wildcard examples/*.bpf.c)
EXAMPLE_OBJS := $(patsubst examples/%.bpf.c,$(BUILD)/examples/%.o,$(EXAMPLE_SRCS))

$(BUILD)/examples/%.o: examples/%.bpf.c examples/examples.mk $(wildcard include/rkbpf/*.h) \
                       $(wildcard examples/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(EXAMPLE_BPF_CFLAGS) -c $< -o $@

# The demo robot (examples/robot/): a 1 kHz control loop for the examples to watch.
$(DEMO_ROBOT): examples/robot/demo_robot.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARNINGS) -O2 -g -o $@ $<

.PHONY: examples
examples: $(EXAMPLE_OBJS) $(DEMO_ROBOT)
all: examples
test: examples
