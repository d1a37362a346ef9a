/*
 * jit_bench.h - what rk-bench measures of the JIT besides the table
 * (jit_bench.c): the cost of one helper call, in the JIT and in the
 * interpreter, and the JIT's compile time on programs of ~1,000 slots.
 *
 * The one thing to know: it prints figures, never judges them by exit
 * status - timings on shared machines vary by 2-3x from run to run; read
 * the ratios of one run.
 */
#ifndef RK_JIT_BENCH_H
#define RK_JIT_BENCH_H

#include <stdio.h>

/*
 * Print both measurements to out, medians over repeats.  Says so, and
 * measures what it can, when this machine has no JIT or rk_prog_jit()
 * fails.  Returns 0, or -1 when a program misbehaved (a wrong result).
 */
int jit_bench_run(FILE *out, unsigned repeats);

#endif
