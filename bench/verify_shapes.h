/*
 * verify_shapes.h - generated eBPF programs in the shapes robotics code
 * takes, at any size, for rk-verify-bench (bench/verify_bench.c).
 *
 * Every shape repeats one block (with its constants varied by the block's
 * number) until the program reaches the size asked for, so that a
 * 1,000,000-instruction program is the 1,000-instruction one, longer: what
 * the benchmark then sees is how the verifier scales, not a new program.
 *
 *   filter         straight-line sensor filter: loads from a read-only
 *                  context of VSHAPE_CTX_BYTES, Q8 fixed-point gain and
 *                  bias, clamping by compare-and-branch, a history of
 *                  spills on the stack, an exponential moving average;
 *   state_machine  the state of a controller read from an array map value,
 *                  then a switch on it per block (four cases, each with a
 *                  test of a sensor value from the map), all joining again:
 *                  8 paths per block, so exponentially many in all;
 *   loops          for (i = 0; i < N; i++) loops with constant trip counts
 *                  (4 to 62) over a stack buffer (read) and over a map value
 *                  (read and written), one after the other, every fourth
 *                  nested two deep; arrays are walked by a pointer stepping
 *                  with the counter, as clang -O2 emits them.
 *
 * What must stay true: every generated program is one the verifier should
 * accept (no access out of bounds, nothing read uninitialised, NULL
 * checked, every loop bounded); the benchmark fails when it does not.
 */
#ifndef RK_VERIFY_SHAPES_H
#define RK_VERIFY_SHAPES_H

#include <stdbool.h>
#include <stddef.h>

#include "rkbpf.h"

/* The context the filter reads (r1): a frame of sensor samples. */
#define VSHAPE_CTX_BYTES 256u
/* The one map of state_machine and loops: an array of one value this big. */
#define VSHAPE_MAP_VALUE_BYTES 256u

enum vshape {
	VSHAPE_FILTER,
	VSHAPE_STATE_MACHINE,
	VSHAPE_LOOPS,
	VSHAPE_COUNT
};

struct vshape_prog {
	struct rk_insn *insns;  /* malloc'd */
	size_t insn_count;      /* slots */
	bool uses_map;          /* refers to map 0 (vshape_map_def) through map_by_fd 0 */
	size_t branch_count;    /* conditional jumps */
	size_t loop_count;      /* backward jumps */
	/* log10 of the number of paths from entry to exit; < 0 when the
	 * program has loops (its paths are then not a finite DAG count). */
	double log10_paths;
};

const char *vshape_name(enum vshape shape);

/*
 * Generate shape with about target_insns slots (never fewer than one
 * block).  0, or -ENOMEM.
 */
int vshape_generate(enum vshape shape, size_t target_insns, struct vshape_prog *out);
void vshape_prog_free(struct vshape_prog *prog);

/* The map programs with uses_map refer to as map_by_fd 0. */
void vshape_map_def(struct rk_map_def *def);
/* The context the shapes are verified with: VSHAPE_CTX_BYTES, read-only. */
extern const struct rk_ctx_desc vshape_ctx_desc;

#endif
