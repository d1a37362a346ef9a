/*
 * harness.h - the environment progen's programs run in, shared by the
 * verifier's oracle (verify_oracle.c) and the JIT differential test
 * (jit_diff.c): progen.h's four maps, its 64-byte context with a writable
 * window and a pointer field, every standard helper those programs call
 * routed through one function of the owner's, and the random inputs
 * (context, buffer and map bytes, helper results) biased towards edge
 * values and the program's own constants.  Also the few pieces both
 * standalone runs (verify_gen_main.c, jit_diff_main.c) and both
 * minimisers need.
 *
 * The one thing to know: the helpers a program calls find the harness
 * through rk_run_user(run), so the owner's environment must have its
 * struct harness as its first member and be passed as rk_run_opts.user;
 * and every input is drawn from harness.rand, in an order both tools'
 * reproducibility depends on (a change to the order changes every run).
 */
#ifndef RK_FUZZ_HARNESS_H
#define RK_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "progen.h"

#define HARNESS_DICT_MAX 96
#define HARNESS_FNV_OFFSET UINT64_C(0xcbf29ce484222325)

/*
 * What a program's call of helper id becomes: the owner checks, records or
 * replaces it (the real helper is rk_helpers_fn(harness->std, id)).
 */
typedef uint64_t harness_call_fn(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3,
                                 uint64_t r4, uint64_t r5, struct rk_run *run);

struct harness {
	harness_call_fn *call;
	struct rk_map *maps[PG_MAP_COUNT];   /* in pg_map_index order */
	struct rk_helpers *helpers;          /* what programs see: every one goes to call */
	const struct rk_helpers *std;        /* the standard helpers behind them */
	struct rk_ctx_range writable;
	struct rk_ctx_ptr_field ptr_field;
	struct rk_ctx_desc desc;             /* points into this struct: do not move it */

	struct pg_rand rand;                 /* the inputs, and the helpers' results */
	int64_t dict[HARNESS_DICT_MAX];      /* the values inputs are drawn around */
	size_t dict_len;
};

/*
 * Make the maps, register a helper per standard helper progen's programs
 * call, each one going to call, and describe the context.  On an error
 * (err filled) harness_fini() frees what was made.
 */
int harness_init(struct harness *harness, harness_call_fn *call, char *err, size_t err_len);
void harness_fini(struct harness *harness);

/* Start the dictionary with the edge values; the caller adds the program's constants. */
void harness_dict_start(struct harness *harness);
/* A value from the dictionary, nudged by one or negated, or now and then any value. */
uint64_t harness_input(struct harness *harness);
/* len bytes of harness_input() values of random widths at their natural alignment. */
void harness_fill_bytes(struct harness *harness, uint8_t *dst, size_t len);
/* Fill ctx (PG_CTX_SIZE) with its pointer field pointing to buf, then buf. */
void harness_fill_ctx(struct harness *harness, uint8_t *ctx, uint8_t *buf);
/*
 * Fill the array maps, empty the hash map and insert keys
 * 0..PG_HASH_PRESET_KEYS-1 in order, and empty the ring buffer.
 */
void harness_fill_maps(struct harness *harness);

uint64_t harness_fnv(uint64_t hash, const void *data, size_t len);

/*
 * For the minimisers: out = in without the instruction at slot at (both
 * slots of an lddw), every jump's target kept (or its successor).  Returns
 * the new slot count; 0 when at is the second slot of an lddw.
 */
size_t harness_drop_insn(const struct rk_insn *in, size_t count, size_t at, struct rk_insn *out);

/* ---- for the standalone runs --------------------------------------------- */

double harness_now_seconds(void);
/* The seed of program index of a run: index and seed alone decide the program. */
uint64_t harness_program_seed(uint64_t seed, uint64_t index);
/* The whole file, NUL-terminated, to free(); NULL (and a message "who: path: why") on error. */
char *harness_read_file(const char *who, const char *path);

#endif /* RK_FUZZ_HARNESS_H */
