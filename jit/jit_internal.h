/*
 * jit_internal.h - the contract between the runtime (jit/jit.c) and the
 * per-architecture backends (jit/x86_64/, jit/arm64/).  Private to jit/.
 *
 * The one thing to know: a backend turns validated (normally verified)
 * bytecode into position-independent native code in a heap buffer; it never
 * maps memory, never knows where the code will live, and never calls back
 * into the runtime while translating.  jit.c copies the bytes into a fresh
 * mapping, makes it read+execute (never writable and executable at once),
 * flushes the icache, and runs it through the entry trampoline at offset 0.
 *
 * Generated code must behave exactly as the fast interpreter
 * (vm/interp_loop.h) on every program: same r0, same memory effects, same
 * helper calls in the same order, same stops.  The differential fuzzer
 * (fuzz/jit_diff*) holds both to that.
 *
 * ---- The run frame ---------------------------------------------------
 * jit.c fills a struct rk_jit_frame and calls the code at offset 0 as
 *     uint64_t entry(struct rk_jit_frame *frame)     (native C ABI)
 * The entry trampoline:
 *   1. saves the native callee-saved registers it uses;
 *   2. keeps `frame` somewhere it can reach from any depth (a callee-saved
 *      native register is the natural choice);
 *   3. stores its native stack pointer in frame->unwind_sp (after pushing
 *      what the epilogue pops), so a stop at any call depth can unwind;
 *   4. loads BPF r1..r5 from frame->args and r10 from frame->fp, zeroes
 *      nothing else (the verifier guarantees nothing is read uninitialised);
 *   5. calls frame->target (a native address inside this code: a function's
 *      first instruction, insn_offsets[] says where);
 *   6. on return, returns BPF r0 in the native return register, with
 *      frame->stop left at RK_JIT_STOP_NONE.
 *
 * ---- Helper calls (CALL src=0, and CALLX) -----------------------------
 *   - arguments r1..r5, and frame->run as the sixth argument
 *     (rk_helper_fn); BPF r0 = the native return value;
 *   - before the call, store the current BPF r10 in frame->helper_fp (a
 *     bpf_loop callback runs one frame below it; a tail call is only taken
 *     from the entry frame);
 *   - the function for CALL imm is rk_prog_resolve_helper(helpers, imm),
 *     resolved at translation time (NULL: fail the translation, naming the
 *     instruction) and embedded as an absolute address (the code stays
 *     position independent; on x86_64 jit.c maps it near the helpers, which
 *     is what makes a call cheap there -- see "Placing the code" in jit.c);
 *   - CALLX dst: an id >= RK_HELPER_ID_MAX, or one rk_jit_resolve_callx()
 *     returns NULL for, stops with RK_JIT_STOP_BAD_HELPER; otherwise call
 *     the function it returns;
 *   - after the call: if run->aborted, run->failed or run->tail_call_target
 *     is set, stop with RK_JIT_STOP_HELPER (jit.c sorts out which);
 *   - r1..r5 are clobbered; r6..r9 and r10 are preserved.
 *
 * ---- Local calls (CALL src=1) ----------------------------------------
 * The callee sees r1..r5, a new frame r10 = caller's r10 - RK_STACK_SIZE
 * and must give back r6..r9 and r10 unchanged (save them around the call).
 * If the new r10 would be < frame->fp_limit, stop with
 * RK_JIT_STOP_CALL_DEPTH at the CALL instruction instead.
 *
 * ---- Stops ------------------------------------------------------------
 * To stop: store the reason in frame->stop and the BPF instruction index in
 * frame->stop_insn, restore the native stack pointer from frame->unwind_sp
 * and leave through the trampoline's epilogue (returning 0).  Callee-saved
 * native registers must come back intact either way.
 *
 * ---- Semantics the interpreter has and the CPU may not ----------------
 *   - division by zero: quotient 0; modulo by zero: dst unchanged (32-bit
 *     forms still zero-extend it);
 *   - signed division/modulo (off = 1): INT_MIN / -1 = INT_MIN, INT_MIN % -1
 *     = 0, in both widths -- x86 idiv traps on both, so guard it;
 *   - shifts: the count is masked to 5 or 6 bits;
 *   - 32-bit ALU results are zero-extended to 64 bits;
 *   - loads and stores may be unaligned (arm64 allows it for normal memory);
 *   - MOVSX (off 8/16/32), sign-extending loads (LDXMEMSX), BSWAP/endian
 *     conversions, all atomics (ADD/OR/AND/XOR, each with FETCH, XCHG,
 *     CMPXCHG; 32 and 64 bits), JMP32, the gotol form (JA32), LDDW with any
 *     src (the loader already replaced map pseudo-values by addresses).
 */
#ifndef RK_JIT_INTERNAL_H
#define RK_JIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm_internal.h"

enum rk_jit_stop {
	RK_JIT_STOP_NONE = 0,       /* the program exited; r0 is the return value */
	RK_JIT_STOP_HELPER,         /* a helper aborted, failed, or asked for a tail call */
	RK_JIT_STOP_CALL_DEPTH,     /* a local call would exceed RK_MAX_CALL_FRAMES */
	RK_JIT_STOP_BAD_HELPER,     /* CALLX to an id with no helper */
};

/*
 * One per run (and per bpf_loop callback entry), owned by jit.c.  The
 * generated code reads and writes it through offsetof() of these fields;
 * keep 64-bit fields 8-byte aligned.
 */
struct rk_jit_frame {
	uint64_t args[5];             /* in: r1..r5 at entry */
	uint64_t fp;                  /* in: r10 at entry */
	uint64_t fp_limit;            /* in: lowest r10 a local call may create */
	struct rk_run *run;           /* in: sixth argument of every helper */
	const void *target;           /* in: native address of the function to run */
	const struct rk_helpers *helpers; /* in: for CALLX (rk_jit_resolve_callx) */
	uint64_t helper_fp;           /* out: r10 at the latest helper call */
	uint64_t unwind_sp;           /* private to generated code: native sp to unwind to */
	uint32_t stop;                /* out: enum rk_jit_stop */
	uint32_t stop_insn;           /* out: BPF index of the stopping instruction */
};

/* CALLX's lookup, callable from generated code: the helper for id, or NULL. */
rk_helper_fn rk_jit_resolve_callx(const struct rk_helpers *helpers, uint64_t id);

/* A growable byte buffer the backends emit into. */
struct rk_jit_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool out_of_memory;           /* set once a grow failed; later emits are dropped */
};

void rk_jit_buf_emit(struct rk_jit_buf *buf, const void *bytes, size_t size);
void rk_jit_buf_emit32(struct rk_jit_buf *buf, uint32_t word); /* little-endian */
void rk_jit_buf_free(struct rk_jit_buf *buf);

/* What a backend translates. */
struct rk_jit_input {
	const struct rk_insn *insns;  /* validated: every opcode known, jumps in range */
	size_t insn_count;
	const struct rk_helpers *helpers; /* for resolving CALL imm; may be NULL */
};

/* What a backend produces (heap memory, freed by rk_jit_output_free). */
struct rk_jit_output {
	struct rk_jit_buf code;       /* entry trampoline at offset 0 */
	uint32_t *insn_offsets;       /* insn_count + 1 entries: native offset of each slot */
};

void rk_jit_output_free(struct rk_jit_output *out);

/*
 * The backends.  Return 0, or a negative errno with a message naming the
 * instruction (-ENOENT: unknown helper; -ENOTSUP: an instruction this
 * backend cannot translate; -ENOMEM; -E2BIG: code too large for a branch).
 * Both are compiled on every host (the encoders are tested everywhere);
 * only the host's own one is run.
 */
int rk_jit_x86_64_translate(const struct rk_jit_input *in, struct rk_jit_output *out, char *err,
                            size_t err_len);
int rk_jit_arm64_translate(const struct rk_jit_input *in, struct rk_jit_output *out, char *err,
                           size_t err_len);

#endif /* RK_JIT_INTERNAL_H */
