/*
 * vm_internal.h - what the files of vm/ share and nobody else may see.
 *
 * The one thing to know: struct rk_prog holds two forms of the same
 * program.  insns is the validated bytecode (what the checked interpreter,
 * the verifier and the JITs read); fast_code is the fast interpreter's
 * pre-decoded copy, one struct rk_pinsn per slot, index for index, so an
 * instruction index means the same thing in both.
 */
#ifndef RK_VM_INTERNAL_H
#define RK_VM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "rkbpf.h"

/* Upper bound on program size, in slots (the verifier benchmarks 1,000,000). */
#define RK_MAX_INSNS (4u * 1024 * 1024)

/* rk_insn_target() for an instruction that does not transfer control. */
#define RK_NO_TARGET INT64_MIN

int64_t rk_insn_target(const struct rk_insn *insn, size_t index);
/* After rk_validate() succeeded: is slot index the second half of an LDDW? */
bool rk_is_lddw_second_slot(const struct rk_insn *insns, size_t index);

/*
 * A pre-decoded instruction for the fast interpreter: the address of the
 * handler of its opcode instead of the opcode, registers as whole bytes.
 * For a helper CALL, imm is an index into rk_prog.call_fns, not the id.
 */
struct rk_pinsn {
	const void *handler;
	uint8_t dst_reg;
	uint8_t src_reg;
	int16_t off;
	int32_t imm;
};

struct rk_prog {
	struct rk_insn *insns;
	size_t insn_count;
	struct rk_pinsn *fast_code;        /* insn_count entries */
	rk_helper_fn *call_fns;            /* one per distinct helper id called */
	size_t call_fn_count;
	const struct rk_helpers *helpers;  /* for CALLX and checked mode; may be NULL */
};

/* The state a helper can see and change through rk_run_*(). */
struct rk_run {
	const struct rk_prog *prog;
	void *user;
	bool aborted;
	uint64_t abort_retval;
};

/*
 * The two interpreters share one body (interp_loop.h).  Called with
 * prog == NULL, the fast one instead fills handlers_out[256] with its
 * handler addresses (NULL for opcodes it does not execute) and returns
 * the address of its "invalid opcode" handler in *invalid_out.
 */
int rk_interp_fast(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                   const struct rk_run_opts *opts, struct rk_run_result *result,
                   const void **handlers_out, const void **invalid_out);
int rk_interp_checked(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                      const struct rk_run_opts *opts, struct rk_run_result *result,
                      const void **handlers_out, const void **invalid_out);

/* snprintf into err when err is not NULL; returns rc for tail calls. */
int rk_set_err(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
