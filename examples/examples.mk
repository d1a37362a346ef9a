# Example programs: examples/NAME.bpf.c -> $(BUILD)/examples/NAME.o, built as
# a libbpf user builds them (clang -O2 -g -target bpf), loaded by rkctl run.
BPF_CLANG ?= clang
# <linux/bpf.h> needs <asm/types.h> from the host's multiarch include directory.
EXAMPLE_MULTIARCH := $(shell gcc -dumpmachine 2>/dev/null || $(CC) -dumpmachine)
EXAMPLE_BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Iinclude -I/usr/include/$(EXAMPLE_MULTIARCH) \
	-Wall -Werror

EXAMPLE_SRCS := $(wildcard examples/*.bpf.c)
EXAMPLE_OBJS := $(patsubst examples/%.bpf.c,$(BUILD)/examples/%.o,$(EXAMPLE_SRCS))

$(BUILD)/examples/%.o: examples/%.bpf.c examples/examples.mk $(wildcard include/rkbpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(EXAMPLE_BPF_CFLAGS) -c $< -o $@

.PHONY: examples
examples: $(EXAMPLE_OBJS)
all: examples
test: examples
