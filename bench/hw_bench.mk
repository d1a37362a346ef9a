# bench/hw_bench.mk - make hw-bench: rk-hw-bench (bench/hw/hw_bench.c), the
# host cost of the hardware hooks' hot paths in ns/op against baselines
# measured in the same run: rk_emergency_stop through rkd/estop.c with PWM
# actuators on plain files (estop.c compiled again with RKD_PWM_SYSFS
# pointing at them), and one IIO scan decoded by hooks/hook_iio.c.
# Included by the top-level Makefile (after rkd/rkd.mk), which provides
# BUILD, CC, CPPFLAGS_ALL, CFLAGS_ALL, LDFLAGS_ALL, LIBRKBPF, RKD_LIBS, obj().
# Sources live in bench/hw/: bench/bench.mk links every bench/*.c into rk-bench.
#
#   make hw-bench HW_BENCH_ARGS="--repeat 51 --batch 5000"

HW_BENCH_ARGS  ?=
RK_HW_BENCH    := $(BUILD)/bench/rk-hw-bench
HW_BENCH_PWM   := /tmp/rk-hw-bench-pwm
HW_BENCH_ESTOP := $(BUILD)/obj/bench/hw/estop_files.o
HW_BENCH_OBJS  := $(call obj,bench/hw/hw_bench.c rkd/events.c rkd/log.c rkd/config.c \
                               $(HOOKS_SRCS))

$(HW_BENCH_ESTOP): rkd/estop.c bench/hw_bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) -DRKD_PWM_SYSFS='"$(HW_BENCH_PWM)"' $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/bench/hw/hw_bench.o: CPPFLAGS_ALL += -DRKD_PWM_SYSFS='"$(HW_BENCH_PWM)"'

$(RK_HW_BENCH): $(HW_BENCH_OBJS) $(HW_BENCH_ESTOP) $(LIBRKBPF)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS_ALL) -luv -ljansson -linih -lgpiod

.PHONY: hw-bench
hw-bench: $(RK_HW_BENCH)
	$(RK_HW_BENCH) $(HW_BENCH_ARGS)
