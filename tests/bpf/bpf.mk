# BPF test objects: tests/bpf/NAME.bpf.c -> $(BUILD)/tests/bpf/NAME.o, built
# the way a libbpf user builds them (clang -O2 -g -target bpf, libbpf-dev's
# <bpf/bpf_helpers.h>, the kernel's <linux/bpf.h>, rkBPF's include/rkbpf/).
# tests/unit/test_loader.c loads them from RK_BUILD_DIR "/tests/bpf/".
BPF_CLANG ?= clang
# <linux/bpf.h> includes <asm/types.h>, which lives under the host's multiarch
# directory; -target bpf does not look there by itself.
TEST_BPF_MULTIARCH := $(shell gcc -dumpmachine 2>/dev/null || $(CC) -dumpmachine)
TEST_BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Iinclude -I/usr/include/$(TEST_BPF_MULTIARCH) \
	-Wall -Werror

TEST_BPF_SRCS := $(wildcard tests/bpf/*.bpf.c)
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/bpf/%.o,$(TEST_BPF_SRCS))

$(BUILD)/tests/bpf/%.o: tests/bpf/%.bpf.c tests/bpf/bpf.mk $(wildcard include/rkbpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(TEST_BPF_CFLAGS) -c $< -o $@

.PHONY: test-bpf
test-bpf: $(TEST_BPF_OBJS)
test: test-bpf
