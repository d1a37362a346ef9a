# rkd, the daemon, and its tests; included by the top-level Makefile.
#
#   make build/rkd     the daemon (libuv, libinih, jansson)
#   make rkd-test      its end-to-end tests: a real rkd, real objects, real socket
#                      requests (tests/rkd/*.sh), and the unit tests of its config
#                      and protocol parsers (in build/rk-tests, filter rkd_*)
#
# rkctl's daemon commands (tools/rkctl/cmd_daemon.c, client.c) speak JSON through
# jansson; rk-tests links rkd's config and protocol parsers for
# tests/unit/test_rkd_*.c.

RKD       := $(BUILD)/rkd
RKD_SRCS  := $(wildcard rkd/*.c)
RKD_LIBS  := -luv -ljansson -linih -lsodium -lgpiod

$(RKD): $(call obj,$(RKD_SRCS) $(HOOKS_SRCS) tools/common/file_io.c tools/common/signature.c) $(LIBRKBPF)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL) $(RKD_LIBS)

all: $(RKD)

# rkctl's online commands use jansson.
$(RKCTL): LDFLAGS_ALL += -ljansson
# Signatures (tools/common/signature.c: Ed25519, BLAKE2b) are libsodium; every
# binary that links tools/common/signature.c needs it (docs/signatures.md).
$(RKCTL) $(TESTS): LDFLAGS_ALL += -lsodium

# tests/unit/test_rkd_*.c test rkd's parsers inside rk-tests.
$(TESTS): $(call obj,rkd/config.c rkd/protocol.c rkd/map_codec.c)
$(TESTS): LDFLAGS_ALL += -ljansson -linih

# The hardware hooks (hooks/hook_gpio.c, hook_iio.c) are linked wherever hooks/ is.
$(RKCTL): LDFLAGS_ALL += -lgpiod
$(TESTS): LDFLAGS_ALL += -lgpiod

# BPF programs the end-to-end tests drop into rkd's programs_dir.
RKD_TEST_BPF_SRCS := $(wildcard tests/rkd/progs/*.bpf.c)
RKD_TEST_BPF_OBJS := $(patsubst tests/rkd/progs/%.bpf.c,$(BUILD)/tests/rkd/%.o,$(RKD_TEST_BPF_SRCS))

$(BUILD)/tests/rkd/%.o: tests/rkd/progs/%.bpf.c rkd/rkd.mk $(wildcard include/rkbpf/*.h)
	@mkdir -p $(dir $@)
	$(BPF_CLANG) $(TEST_BPF_CFLAGS) -c $< -o $@

# rkd_robot.o probes the demo robot of this build (test_attach.sh moves it to copies).
$(BUILD)/tests/rkd/rkd_robot.o: TEST_BPF_CFLAGS += -DRK_DEMO_ROBOT='"$(abspath $(DEMO_ROBOT))"'

.PHONY: rkd-test rkd-test-e2e rkd-test-unit
rkd-test-unit: $(TESTS)
	$(TESTS) --jobs 2 --filter 'rkd_*/*'

rkd-test-e2e: $(RKD) $(RKCTL) $(RKD_TEST_BPF_OBJS) $(DEMO_ROBOT)
	tests/rkd/run.sh $(BUILD)

rkd-test: rkd-test-unit rkd-test-e2e
# make test runs all of rk-tests already: only the end-to-end part is added.
test: rkd-test-e2e
