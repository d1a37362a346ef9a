/*
 * jit_bench.c - the JIT's figures that are not a program's run time:
 *
 *   helper call   a loop calling a helper that does nothing, N times, and
 *                 the same loop without the call; the difference of the two
 *                 medians over N is the cost of one call (target <= 2 ns in
 *                 the JIT), interpreter and JIT;
 *   compile time  rk_prog_jit() on bench/verify_shapes.c's three shapes
 *                 (straight-line filter, state machine, loops) generated at
 *                 ~1,000 slots: the median of the compile alone (rk_prog_new
 *                 is outside the timing; the mmap/mprotect of the code is
 *                 inside, it is part of compiling), target <= 100 us.
 *
 * The one thing to know: as in bench.c, every figure comes from this run,
 * each repeat times all variants one after the other (interleaved), and
 * the loop's result is checked after every timed run - a loop that did
 * not run N times measures nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "jit_bench.h"
#include "rkbpf.h"
#include "verify_shapes.h"

#define CALL_LOOP_TRIPS 1000000u       /* calls per timed run */
#define NOP_HELPER_ID 0x7000u          /* outside the standard and robotics ids */
#define HELPER_TARGET_NS 2.0
#define COMPILE_SLOTS 1000u
#define COMPILE_TARGET_US 100.0
#define COMPILE_MIN_REPEATS 51u

static uint64_t nop_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct rk_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return 0;
}

/* The loop without the call, and with it; each returns its trip count. */
static const char *const loop_text[2] = {
	"mov %r6, 0\n"
	"loop:\n"
	"add %r6, 1\n"
	"jlt %r6, 1000000, loop\n"
	"mov %r0, %r6\n"
	"exit\n",
	"mov %r6, 0\n"
	"loop:\n"
	"call 28672\n" /* NOP_HELPER_ID */
	"add %r6, 1\n"
	"jlt %r6, 1000000, loop\n"
	"mov %r0, %r6\n"
	"exit\n",
};
_Static_assert(NOP_HELPER_ID == 28672 && CALL_LOOP_TRIPS == 1000000,
               "loop_text spells these numbers out");

enum { ENGINE_INTERP, ENGINE_JIT, ENGINE_N };
static const char *const engine_name[ENGINE_N] = {"interp", "jit"};
static const enum rk_exec_mode engine_mode[ENGINE_N] = {RK_EXEC_FAST, RK_EXEC_JIT};

static int helper_call_cost(FILE *out, unsigned repeats, bool have_jit)
{
	struct rk_helpers *helpers = rk_helpers_new();
	struct rk_prog *progs[2] = {NULL, NULL};
	double *samples = calloc((size_t)repeats * 4, sizeof(*samples));
	char err[RK_ERR_LEN];
	int rc = -1;
	size_t engines = have_jit ? ENGINE_N : 1;
	static const struct rk_helper_proto nop_proto = {.name = "bench_nop", .ret = RK_RET_SCALAR};

	if (!helpers || !samples ||
	    rk_helpers_register(helpers, NOP_HELPER_ID, nop_helper, &nop_proto, err, sizeof(err))) {
		fprintf(stderr, "rk-bench: helper call: cannot set up the helper\n");
		goto out;
	}
	for (int with_call = 0; with_call < 2; with_call++) {
		struct rk_insn *insns = NULL;
		size_t count = 0;
		if (rk_asm(loop_text[with_call], &insns, &count, err, sizeof(err)) != 0 ||
		    rk_prog_new(insns, count, helpers, &progs[with_call], err, sizeof(err)) != 0) {
			fprintf(stderr, "rk-bench: helper call: %s\n", err);
			free(insns);
			goto out;
		}
		free(insns);
		if (have_jit && rk_prog_jit(progs[with_call], err, sizeof(err)) != 0) {
			fprintf(out, "helper call: no JIT figure: rk_prog_jit: %s\n", err);
			engines = 1;
		}
	}
	for (unsigned r = 0; r < repeats; r++) {
		for (size_t e = 0; e < engines; e++) {
			for (int with_call = 0; with_call < 2; with_call++) {
				const struct rk_run_opts opts = {.mode = engine_mode[e]};
				struct rk_run_result result;
				uint64_t start = bench_now_ns();
				int run_rc = rk_prog_run(progs[with_call], NULL, 0, &opts, &result);
				uint64_t elapsed = bench_now_ns() - start;
				if (run_rc != 0 || result.stop != RK_STOP_EXIT ||
				    result.retval != CALL_LOOP_TRIPS) {
					fprintf(stderr, "rk-bench: helper call: %s returned %" PRIu64
					        " (%s), not %u\n", engine_name[e], result.retval,
					        rk_stop_name(result.stop), CALL_LOOP_TRIPS);
					goto out;
				}
				samples[(e * 2 + (size_t)with_call) * repeats + r] = (double)elapsed;
			}
		}
	}
	fprintf(out, "helper call (a helper returning 0, %u calls a run, minus the same loop "
	        "without the call; median of %u):\n", CALL_LOOP_TRIPS, repeats);
	for (size_t e = 0; e < engines; e++) {
		double loop_ns = bench_median(&samples[(e * 2) * repeats], repeats) / CALL_LOOP_TRIPS;
		double call_ns = bench_median(&samples[(e * 2 + 1) * repeats], repeats) / CALL_LOOP_TRIPS;
		double cost = call_ns - loop_ns;
		fprintf(out, "  %-6s %6.2f ns per iteration with the call, %6.2f without: %5.2f ns per "
		        "call", engine_name[e], call_ns, loop_ns, cost);
		if (e == ENGINE_JIT)
			fprintf(out, " (target <= %.1f: %s)", HELPER_TARGET_NS,
			        cost <= HELPER_TARGET_NS ? "met" : "NOT met");
		fprintf(out, "\n");
	}
	if (engines == 1 && !have_jit)
		fprintf(out, "  jit    not measured: no JIT on this machine\n");
	rc = 0;
out:
	rk_prog_free(progs[0]);
	rk_prog_free(progs[1]);
	rk_helpers_free(helpers);
	free(samples);
	return rc;
}

static int compile_time(FILE *out, unsigned repeats)
{
	double *samples = calloc(repeats, sizeof(*samples));
	struct rk_map *map = NULL;
	struct rk_map_def def;
	char err[RK_ERR_LEN];
	int rc = -1;

	vshape_map_def(&def);
	if (!samples || rk_map_new(&def, NULL, &map, err, sizeof(err)) != 0) {
		fprintf(stderr, "rk-bench: compile time: cannot set up\n");
		goto out;
	}
	fprintf(out, "JIT compile time (rk_prog_jit of bench/verify_shapes.c programs at ~%u "
	        "slots; median of %u):\n", COMPILE_SLOTS, repeats);
	for (int shape = 0; shape < VSHAPE_COUNT; shape++) {
		struct vshape_prog vp;
		if (vshape_generate((enum vshape)shape, COMPILE_SLOTS, &vp) != 0) {
			fprintf(stderr, "rk-bench: compile time: out of memory\n");
			goto out;
		}
		size_t code_size = 0;
		bool failed = false;
		for (unsigned r = 0; r < repeats && !failed; r++) {
			struct rk_prog *prog = NULL;
			if (rk_prog_new_maps(vp.insns, vp.insn_count, rk_helpers_standard(), &map, 1,
			                     &prog, err, sizeof(err)) != 0) {
				fprintf(stderr, "rk-bench: compile time: %s: %s\n", vshape_name(shape), err);
				vshape_prog_free(&vp);
				goto out;
			}
			uint64_t start = bench_now_ns();
			int jit_rc = rk_prog_jit(prog, err, sizeof(err));
			samples[r] = (double)(bench_now_ns() - start);
			if (jit_rc != 0) {
				fprintf(out, "  %-14s not measured: rk_prog_jit: %s\n", vshape_name(shape),
				        err);
				failed = true;
			}
			rk_prog_jited_code(prog, &code_size);
			rk_prog_free(prog);
		}
		if (!failed) {
			double us = bench_median(samples, repeats) / 1000.0;
			fprintf(out, "  %-14s %5zu slots -> %6zu bytes: %7.1f us (%.1f ns/slot; target "
			        "<= %.0f us: %s)\n",
			        vshape_name(shape), vp.insn_count, code_size, us,
			        us * 1000.0 / (double)vp.insn_count, COMPILE_TARGET_US,
			        us <= COMPILE_TARGET_US ? "met" : "NOT met");
		}
		vshape_prog_free(&vp);
	}
	rc = 0;
out:
	rk_map_free(map);
	free(samples);
	return rc;
}

int jit_bench_run(FILE *out, unsigned repeats)
{
	bool have_jit = rk_jit_arch() != NULL;
	fprintf(out, "\n");
	if (helper_call_cost(out, repeats, have_jit) < 0)
		return -1;
	if (!have_jit) {
		fprintf(out, "JIT compile time: not measured: no JIT on this machine\n");
		return 0;
	}
	fprintf(out, "\n");
	return compile_time(out, repeats > COMPILE_MIN_REPEATS ? repeats : COMPILE_MIN_REPEATS);
}
