# Example programs: examples/NAME.bpf.c -> $(BUILD)/examples/NAME.bin
# (clang -target bpf, then the .text bytecode; see scripts/bpf-text.sh).
BPF_CLANG ?= clang
EXAMPLE_BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -ffreestanding -Wall -Werror

EXAMPLE_SRCS := $(wildcard examples/*.bpf.c)
EXAMPLE_BINS := $(patsubst examples/%.bpf.c,$(BUILD)/examples/%.bin,$(EXAMPLE_SRCS))

$(BUILD)/examples/%.o: examples/%.bpf.c
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(EXAMPLE_BPF_CFLAGS) -c $< -o $@

$(BUILD)/examples/%.bin: $(BUILD)/examples/%.o scripts/bpf-text.sh scripts/check-bpf-obj.sh
	scripts/bpf-text.sh $< $@

.PRECIOUS: $(BUILD)/examples/%.o
.PHONY: examples
examples: $(EXAMPLE_BINS)
all: examples
test: examples
