/*
 * progen.h - random eBPF programs for the verifier's soundness testing,
 * and the oracle that judges them.
 *
 * The generator (progen.c) builds structured programs - ALU chains on
 * scalars, context and stack accesses, map lookups with and without NULL
 * checks, accesses into map values and ring-buffer records at offsets near
 * their ends, pointer arithmetic with scalars bounded by masks or
 * comparisons (sometimes not quite enough), forward branches, bounded
 * loops that index buffers with their counter, helper calls - and then
 * sometimes mutates a few fields.  The aim is programs that are *almost*
 * safe, so that the verifier's boundary decisions are exercised: roughly
 * as many are refused as accepted.
 *
 * The oracle (verify_oracle.c) verifies a program against a fixed
 * environment (four maps, a 64-byte context with a writable window and a
 * pointer field) and runs every accepted program in the checked
 * interpreter on several inputs, with the verifier's instruction bound as
 * the limit.  Anything the checked interpreter stops for, a helper called
 * with arguments its prototype forbids, a ring-buffer record leaked, a map
 * corrupted outside the value a program was handed, or a fast run that
 * disagrees with the checked one, is an *escape*: a program the verifier
 * should have refused.
 *
 * For the JITs' differential test (jit_diff.c) the generator has two more
 * entry points: pg_generate_jit() adds, on top of pg_generate()'s shapes,
 * every ALU operation in both widths on edge values (division by zero,
 * INT_MIN / -1, movsx, byte swaps), every atomic, sign-extending loads,
 * JMP32 and gotol, local calls and bpf_loop callbacks; pg_generate_alu()
 * makes programs that are valid but never verified: ALU and forward jumps
 * only, every register set first.  Neither changes what pg_generate()
 * makes from a seed (the verifier's runs stay comparable).
 *
 * Randomness comes from a struct pg_rand: a seed (the standalone
 * generator) or fuzzer bytes (fuzz_verify.c), so that libFuzzer's
 * mutations of the bytes become mutations of the program's structure.
 */
#ifndef RK_FUZZ_PROGEN_H
#define RK_FUZZ_PROGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rkbpf.h"

/* ---- randomness --------------------------------------------------------- */

struct pg_rand {
	const uint8_t *data;   /* fuzzer bytes, consumed first; NULL: seed only */
	size_t len, pos;
	uint64_t state;        /* splitmix64, once the bytes run out */
};

void pg_rand_seed(struct pg_rand *rand, uint64_t seed);
/* Decisions come from data until it runs out, then from a seed derived from it. */
void pg_rand_bytes(struct pg_rand *rand, const uint8_t *data, size_t len);
uint64_t pg_u64(struct pg_rand *rand);
/* A number in [0, n); 0 when n is 0. */
uint32_t pg_below(struct pg_rand *rand, uint32_t n);
/* True with probability percent/100. */
bool pg_chance(struct pg_rand *rand, unsigned percent);

/* ---- the generator ------------------------------------------------------ */

/* Slots a generated program may take (the generator stays far below). */
#define PG_MAX_INSNS 2048

/* The maps of the environment, in the order "lddw map_by_fd N" names them. */
enum pg_map_index {
	PG_MAP_ARRAY = 0,   /* array, key 4, value 64, 4 entries */
	PG_MAP_HASH,        /* hash, key 4, value 24, 8 entries; keys 0..3 present */
	PG_MAP_RINGBUF,     /* ring buffer, 4096 bytes */
	PG_MAP_TINY,        /* array, key 4, value 16, 1 entry: its region is exactly one value */
	PG_MAP_COUNT
};
#define PG_ARRAY_VALUE 64
#define PG_ARRAY_ENTRIES 4
#define PG_HASH_VALUE 24
#define PG_HASH_ENTRIES 8
#define PG_HASH_PRESET_KEYS 4
#define PG_RINGBUF_BYTES 4096
#define PG_TINY_VALUE 16

/* The context: 64 readable bytes, [8, 40) writable, a pointer field at 48. */
#define PG_CTX_SIZE 64
#define PG_CTX_WRITABLE_OFF 8
#define PG_CTX_WRITABLE_LEN 32
#define PG_CTX_PTR_OFF 48
#define PG_CTX_BUF_SIZE 32   /* what the pointer field points to (writable) */

/* Subprograms (local callees, bpf_loop callbacks) pg_generate_jit() appends at most. */
#define PG_MAX_FUNCS 6

struct pg_prog {
	struct rk_insn insns[PG_MAX_INSNS];
	size_t insn_count;
	unsigned mutations;      /* mutations applied after generation */
	/* pg_generate_alu(): slots that set every register; a minimiser keeps them. */
	size_t prologue_slots;
};

/*
 * Shapes the generator can leave out, to look past a known verifier bug
 * while it is being fixed (rk-verify-gen --avoid).
 */
#define PG_AVOID_PTR_CMP 0x1    /* comparisons of two pointers (and pointer loops) */

/* Generate one valid program (rk_validate accepts it). */
void pg_generate(struct pg_rand *rand, struct pg_prog *prog);
/*
 * pg_generate()'s programs plus the JIT's shapes (see the top); valid, and
 * about as often accepted by the verifier.
 */
void pg_generate_jit(struct pg_rand *rand, struct pg_prog *prog);
/*
 * A valid program the verifier is never asked about: every register r0..r9
 * set, then ALU operations (all of them, both widths, register and
 * immediate forms, edge values) and forward jumps (JMP, JMP32, ja, gotol),
 * rarely an early exit, and finally r0 folded from r0..r9 so that a wrong
 * register anywhere shows in the result.  No memory access, no call, so
 * it is safe to run unverified.
 */
void pg_generate_alu(struct pg_rand *rand, struct pg_prog *prog);
/* PG_AVOID_* flags for pg_generate() (0 by default). */
extern unsigned pg_avoid;

/* ---- the oracle --------------------------------------------------------- */

struct pg_env;

struct pg_stats {
	uint64_t programs;
	uint64_t invalid;        /* not a valid program (raw fuzzer input); not verified */
	uint64_t accepted;
	uint64_t rejected;       /* -EACCES */
	uint64_t too_complex;    /* -E2BIG (counted in rejected too) */
	uint64_t escaped;
	uint64_t runs;           /* checked runs of accepted programs */
	uint64_t insns_run;      /* instructions those runs executed */
};

enum pg_verdict {
	PG_INVALID = 0,          /* refused by rk_prog_new_maps (encoding) */
	PG_REJECTED,             /* the verifier refused it */
	PG_ACCEPTED,             /* accepted, and every run was clean */
	PG_ESCAPED,              /* accepted, and a run was not */
};

struct pg_outcome {
	enum pg_verdict verdict;
	int verify_rc;
	struct rk_verify_result vres;
	char verify_err[RK_VERIFY_ERR_LEN];
	/* PG_ESCAPED: what went wrong, in which run, on which input. */
	char escape[RK_ERR_LEN * 2];
	unsigned escape_run;
	uint8_t escape_ctx[PG_CTX_SIZE];
	struct rk_run_result run;
};

/* Runs per accepted program, each on fresh inputs. */
#define PG_RUNS_PER_PROG 6

/* The maps, helpers and buffers of every check; not thread-safe, one per thread. */
int pg_env_new(struct pg_env **env_out, char *err, size_t err_len);
void pg_env_free(struct pg_env *env);

/*
 * Verify insns and, when accepted, run it PG_RUNS_PER_PROG times on inputs
 * drawn from input_seed.  Counts into stats (may be NULL).  Returns the
 * verdict (also in out).
 */
enum pg_verdict pg_check(struct pg_env *env, const struct rk_insn *insns, size_t insn_count,
                         uint64_t input_seed, struct pg_stats *stats, struct pg_outcome *out);

/* Print an escape for humans: the program, the verdict, the run's report, the input. */
void pg_report(FILE *out, const struct rk_insn *insns, size_t insn_count,
               const struct pg_outcome *outcome);

/*
 * Shrink an escaping program: drop instructions (and lddw pairs), fixing up
 * jumps, while it still escapes with the same input seed.  Updates insns and
 * *insn_count in place.
 */
void pg_minimize(struct pg_env *env, struct rk_insn *insns, size_t *insn_count,
                 uint64_t input_seed);

/* The one-line summary the standalone generator and CI print. */
void pg_stats_print(FILE *out, const char *who, const struct pg_stats *stats);

#endif /* RK_FUZZ_PROGEN_H */
