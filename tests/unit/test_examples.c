/*
 * test_examples.c - every example runs, as built by make (clang -target
 * bpf, then its bytecode), on its recorded data, and gives both the answer
 * the same C gives natively and the answer worked out by hand.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/common/file_io.h"
#include "rkbpf.h"
#include "test_support.h"

/* The example itself, compiled natively into the test as the reference. */
#define SEC(name)
#include "../../examples/motor_overcurrent.bpf.c"

#ifndef RK_BUILD_DIR
#define RK_BUILD_DIR RK_SOURCE_DIR "/build"
#endif

struct example_run {
	uint64_t fast;
	uint64_t checked;
	uint64_t insns_executed;
};

/* Load build/examples/NAME.o as rkctl does and run its program both ways. */
static struct example_run run_example(const char *name, const uint8_t *data, size_t len)
{
	char path[512], err[RK_ERR_LEN + 256];
	snprintf(path, sizeof(path), "%s/examples/%s.o", RK_BUILD_DIR, name);
	uint8_t *elf;
	size_t elf_len;
	cr_assert_eq(rk_file_read(path, &elf, &elf_len, err, sizeof(err)), 0,
	             "%s (run make examples)", err);
	struct rk_obj_opts obj_opts = {.name = path};
	struct rk_obj *obj = NULL;
	cr_assert_eq(rk_obj_load(elf, elf_len, &obj_opts, &obj, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(rk_obj_license(obj), "Dual BSD/GPL");
	struct rk_prog *prog = rk_obj_prog_find(obj, name);
	cr_assert_not_null(prog, "%s: no program %s", path, name);
	cr_assert_str_eq(rk_prog_section(prog), "data");

	struct example_run out;
	struct rk_run_result result;
	/* Contexts are read-only to the example: it must not write its input. */
	struct rk_run_opts checked = {.mode = RK_EXEC_CHECKED, .insn_limit = 10000000};
	uint8_t *ctx = malloc(len);
	memcpy(ctx, data, len);
	cr_assert_eq(rk_prog_run(prog, ctx, len, &checked, &result), 0, "%s", result.message);
	out.checked = result.retval;
	out.insns_executed = result.insns_executed;
	cr_assert_eq(rk_prog_run(prog, ctx, len, NULL, &result), 0, "%s", result.message);
	out.fast = result.retval;
	free(ctx);
	rk_obj_free(obj);
	free(elf);
	return out;
}

Test(examples, motor_overcurrent_on_recorded_current)
{
	char path[512], err[RK_ERR_LEN + 256];
	snprintf(path, sizeof(path), "%s/examples/data/motor_current.bin", RK_SOURCE_DIR);
	uint8_t *data;
	size_t len;
	cr_assert_eq(rk_file_read(path, &data, &len, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(len, 2000, "1000 int16 samples");

	struct example_run run = run_example("motor_overcurrent", data, len);
	int16_t *samples = malloc(len);
	memcpy(samples, data, len);
	uint64_t native = motor_overcurrent(samples, len);
	free(samples);

	/* The 5-sample spike at 200 must not trip; the stall trips at sample 654 (8 samples
	 * at or above 4000 mA), having peaked at 5200 mA. */
	cr_assert_eq(native, (uint64_t)5200 << 32 | 655, "native 0x%llx", (unsigned long long)native);
	cr_assert_eq(run.fast, native, "fast 0x%llx", (unsigned long long)run.fast);
	cr_assert_eq(run.checked, native, "checked 0x%llx", (unsigned long long)run.checked);
	cr_assert_gt(run.insns_executed, 1000);
	free(data);
}

Test(examples, motor_overcurrent_quiet_motor_never_trips)
{
	int16_t samples[512];
	for (int i = 0; i < 512; i++)
		samples[i] = (int16_t)(i % 16 == 0 ? 4500 : 1500); /* spikes, never 8 in a row */
	struct example_run run = run_example("motor_overcurrent", (const uint8_t *)samples,
	                                     sizeof(samples));
	cr_assert_eq(run.fast, 0);
	cr_assert_eq(run.checked, 0);
	cr_assert_eq(motor_overcurrent(samples, sizeof(samples)), 0);
}
