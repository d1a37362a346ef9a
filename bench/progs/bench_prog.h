/*
 * bench_prog.h - what every benchmark program in bench/progs/ includes.
 *
 * Each NAME.c is compiled twice from the same source:
 *   - to eBPF (clang -O2 -target bpf -mcpu=v3 -ffreestanding), whose .text
 *     becomes NAME.bin, the bytecode rk-bench hands to rk_prog_new();
 *   - natively (clang -O2 -DBENCH_ENTRY=bench_native_NAME), linked into
 *     rk-bench as the baseline.
 * The entry gets r1 = ctx (the input bytes, read-only) and r2 = ctx_len,
 * as rk_prog_run() passes them.
 *
 * What must stay true: the BPF object holds exactly one function and no
 * relocation (there is no ELF loader to resolve one), so every helper is
 * BENCH_INLINE, and there are no globals, no lookup tables in .rodata and
 * no libc calls.  bench/check-bpf-obj.sh refuses an object that breaks this.
 */
#ifndef BENCH_PROG_H
#define BENCH_PROG_H

#include <stdint.h>

#ifndef BENCH_ENTRY
#define BENCH_ENTRY bench_main
#endif

#define BENCH_INLINE static inline __attribute__((always_inline))

uint64_t BENCH_ENTRY(const uint8_t *ctx, uint64_t ctx_len);

#endif /* BENCH_PROG_H */
