/*
 * jit_diff.h - the differential test of the JITs: a program runs in the
 * fast interpreter and through the JIT from identical starting states, and
 * everything observable must come out the same (jit_diff.c).
 *
 * Shared by the standalone run (jit_diff_main.c, build/rk-jit-diff) and
 * the libFuzzer target (fuzz_jit_diff.c).  Programs come from progen.c:
 * pg_generate_jit() for verified programs (only those rk_verify() accepts
 * are compared), pg_generate_alu() for valid but unverified ALU/jump ones.
 *
 * The one thing to know: both runs get the same stack buffer, context
 * buffers and map memory (restored byte for byte between the runs), so
 * every address a program or helper sees is the same in both, and the
 * comparison can be exact: r0, stop reason and where, the context and the
 * memory behind its pointer, the whole stack buffer, every byte of every
 * map, and every helper call with its arguments and result, in order.
 */
#ifndef RK_FUZZ_JIT_DIFF_H
#define RK_FUZZ_JIT_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "progen.h"

/* What the fast interpreter is compared with. */
enum jd_engine {
	JD_ENGINE_JIT = 0,       /* rk_prog_jit() + RK_EXEC_JIT: the point */
	JD_ENGINE_CHECKED,       /* the checked interpreter: tests the harness itself */
	JD_ENGINE_FAST,          /* the fast interpreter again: must never differ */
};

/* Runs per program, each on fresh inputs (context, maps, helper results, stack). */
#define JD_RUNS_PER_PROG 4

enum jd_verdict {
	JD_INVALID = 0,          /* rk_prog_new_maps refused it (not counted) */
	JD_REJECTED,             /* the verifier refused it, or it may run too long (not counted) */
	JD_SAME,                 /* every run agreed */
	JD_DIVERGED,             /* a run did not */
	JD_JIT_REFUSED,          /* rk_prog_jit failed with something other than -ENOTSUP */
	JD_NO_JIT,               /* rk_prog_jit: -ENOTSUP (no JIT, or an untranslatable insn) */
};

struct jd_stats {
	uint64_t programs;       /* compared: verified + unverified */
	uint64_t verified;
	uint64_t unverified;
	uint64_t rejected;       /* generated, refused by the verifier (retried) */
	uint64_t too_long;       /* accepted, but could run > 4M insns: skipped (in rejected) */
	uint64_t runs;           /* pairs of runs compared */
	uint64_t aborted_runs;   /* of which a helper stopped the program (rk_run_abort) */
	uint64_t divergences;    /* programs with a diverging run */
	uint64_t jit_refused;    /* rk_prog_jit errors other than -ENOTSUP */
	uint64_t no_jit;         /* rk_prog_jit -ENOTSUP */
	uint64_t helper_calls;   /* recorded in the interpreter's runs */
	uint64_t jit_bytes;      /* native code of the compiled programs */
	uint64_t slots;          /* bytecode slots of the compared programs */
};

struct jd_env;

/* Maps, helpers and buffers; not thread-safe, one per thread. */
int jd_env_new(struct jd_env **env_out, enum jd_engine engine, char *err, size_t err_len);
void jd_env_free(struct jd_env *env);
const char *jd_engine_name(enum jd_engine engine);

/*
 * Load insns; when verify, run rk_verify() and stop at a rejection; compile
 * (JIT engine) and compare JD_RUNS_PER_PROG runs on inputs drawn from
 * input_seed.  A divergence, a JIT error or -ENOTSUP is described in
 * full on report (may be NULL): the program, the inputs, both results and
 * every difference.  Counts into stats (may be NULL).
 */
enum jd_verdict jd_check(struct jd_env *env, const struct rk_insn *insns, size_t insn_count,
                         bool verify, uint64_t input_seed, struct jd_stats *stats,
                         FILE *report);

/* The last rk_prog_jit() message (JD_NO_JIT, JD_JIT_REFUSED). */
const char *jd_last_jit_error(const struct jd_env *env);

/*
 * Shrink a diverging program: drop instructions (keeping the first
 * keep_prefix slots, which set registers an unverified program relies
 * on), fixing up jumps, while it still diverges with the same input seed
 * (and, when verify, is still accepted).  Updates insns and *insn_count.
 */
void jd_minimize(struct jd_env *env, struct rk_insn *insns, size_t *insn_count, bool verify,
                 uint64_t input_seed, size_t keep_prefix);

/* The one-line summary: "rk-jit-diff: N programs (V verified + U unverified), R runs, D divergences". */
void jd_stats_print(FILE *out, const char *who, const struct jd_stats *stats);

#endif /* RK_FUZZ_JIT_DIFF_H */
