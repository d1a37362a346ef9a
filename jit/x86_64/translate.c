/*
 * translate.c - the x86_64 JIT backend: validated BPF bytecode to native
 * code, following the contract of jit_internal.h (entry trampoline at
 * offset 0, struct rk_jit_frame, stops, helper and local calls).
 *
 * Layout of the code: [trampoline + unwind path][one block per BPF slot]
 * [stop stubs].  A BPF function is a plain native function: CALL local is
 * a native call, EXIT is ret, and no function has a prologue -- so any
 * instruction may start a function (bpf_loop callbacks, hand-written
 * bytecode) and jumps may target a function's first instruction.
 *
 * The one thing to know: jump sizes are chosen by iterating whole passes.
 * Pass 1 makes every jump rel32; each later pass makes a jump rel8 when the
 * previous pass's offsets say it fits.  Distances only shrink from pass to
 * pass, so sizes only shrink, and the first pass whose total length equals
 * the previous one's has every offset equal to the previous one's: its
 * displacements, all computed from the previous pass, are exact.  Forward
 * references (jumps, local calls, stop stubs) therefore never need a fixup
 * list.
 *
 * Native stack discipline: inside BPF code rsp is 16-byte aligned (the
 * trampoline's six pushes plus its call, and CALL local's five pushes plus
 * its call, each leave an aligned rsp in the callee), so a helper call
 * needs no adjustment.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "jit_internal.h"

/* ---- BPF to x86 registers (the kernel's mapping) --------------------- */
/* r1..r5 are the native argument registers, so helpers are called directly. */
static const enum x86_reg reg_map[RK_REG_COUNT] = {
	[0] = X86_RAX, /* return value */
	[1] = X86_RDI, [2] = X86_RSI, [3] = X86_RDX, [4] = X86_RCX, [5] = X86_R8,
	[6] = X86_RBX, [7] = X86_R13, [8] = X86_R14, [9] = X86_R15, /* callee-saved */
	[10] = X86_RBP, /* frame pointer */
};
/* The struct rk_jit_frame *, callee-saved so helpers keep it. */
#define FRAME_REG X86_R12
/* Scratch registers never holding BPF state; HELPER_ARG6 is the sixth argument. */
#define HELPER_ARG6 X86_R9
#define SCRATCH_A X86_R9
#define SCRATCH_B X86_R10
#define SCRATCH_C X86_R11

#define FRAME_OFF(field) ((int32_t)offsetof(struct rk_jit_frame, field))
#define RUN_OFF(field) ((int32_t)offsetof(struct rk_run, field))

_Static_assert(sizeof(((struct rk_run *)0)->stop_pending) == 4, "run->stop_pending is read as 32 bits");
_Static_assert(sizeof(((struct rk_jit_frame *)0)->stop) == 4, "frame->stop is a dword");

/* What the trampoline saves: every native callee-saved register (BPF r6..r10, the frame). */
static const enum x86_reg callee_saved[] = {X86_RBX, X86_RBP, X86_R12, X86_R13, X86_R14,
                                            X86_R15};
/* What CALL local keeps for its caller: BPF r6..r9 and r10 (pushed in this order). */
static const enum x86_reg local_call_saved[] = {X86_RBX, X86_R13, X86_R14, X86_R15, X86_RBP};
_Static_assert(sizeof(callee_saved) / sizeof(callee_saved[0]) % 2 == 0,
               "even pushes + the return address: the callee's rsp is 16-byte aligned");
_Static_assert(sizeof(local_call_saved) / sizeof(local_call_saved[0]) % 2 == 1,
               "odd pushes + the return address: the callee's rsp is 16-byte aligned");

/* A stop taken at a BPF instruction: an out-of-line stub after the code. */
struct stop_stub {
	uint32_t insn;     /* BPF index, for frame->stop_insn */
	uint32_t reason;   /* enum rk_jit_stop */
	uint32_t pos;      /* native offset in the latest pass that emitted it */
};

struct xlat {
	const struct rk_jit_input *in;
	struct rk_jit_buf *buf;
	uint32_t *offs;          /* this pass: native offset of each slot */
	const uint32_t *prev;    /* the previous pass's, NULL in the first */
	struct stop_stub *stubs; /* every stop site, in emission order */
	size_t stub_count;       /* sites emitted so far in this pass */
	uint32_t unwind_pos;     /* the trampoline's unwind path */
	char *err;
	size_t err_len;
};

static inline uint32_t cur_pos(const struct xlat *x)
{
	return (uint32_t)x->buf->len;
}

static inline bool fits_rel8(int64_t rel)
{
	return rel >= INT8_MIN && rel <= INT8_MAX;
}

/* A short forward jump inside one slot's code: emit, then patch_rel8() at its target. */
static size_t jcc_rel8_forward(struct xlat *x, enum x86_cond cc)
{
	rk_x86_jcc_rel8(x->buf, cc, 0);
	return x->buf->len;
}

static size_t jmp_rel8_forward(struct xlat *x)
{
	rk_x86_jmp_rel8(x->buf, 0);
	return x->buf->len;
}

static void patch_rel8(struct xlat *x, size_t jump_end)
{
	/* A failed grow drops bytes: nothing to patch, the translation fails anyway. */
	if (x->buf->out_of_memory || jump_end > x->buf->len)
		return;
	x->buf->data[jump_end - 1] = (uint8_t)(int8_t)(x->buf->len - jump_end);
}

/*
 * A jump to BPF instruction target from the end of slot insn (a jump is
 * always its slot's last machine instruction, so it ends at offs[insn + 1]).
 * cc < 0: unconditional.
 */
static void rk_x86_jump_to_insn(struct xlat *x, int cc, size_t insn, size_t target)
{
	int64_t rel = 0;
	bool is_short = false;
	if (x->prev) {
		rel = (int64_t)x->prev[target] - (int64_t)x->prev[insn + 1];
		is_short = fits_rel8(rel);
	}
	if (cc < 0) {
		if (is_short)
			rk_x86_jmp_rel8(x->buf, (int8_t)rel);
		else
			rk_x86_jmp_rel32(x->buf, (int32_t)rel);
	} else {
		if (is_short)
			rk_x86_jcc_rel8(x->buf, (enum x86_cond)cc, (int8_t)rel);
		else
			rk_x86_jcc_rel32(x->buf, (enum x86_cond)cc, (int32_t)rel);
	}
}

/* Jump (if cc) to a new stop stub for insn; the stub is emitted after the code. */
static void rk_x86_stop_jump(struct xlat *x, enum x86_cond cc, size_t insn, enum rk_jit_stop reason)
{
	struct stop_stub *stub = &x->stubs[x->stub_count++];
	/* pos still holds the previous pass's position (0 in the first: any rel32 will do). */
	int64_t rel = (int64_t)stub->pos - (int64_t)(cur_pos(x) + X86_JCC_REL32_LEN);
	stub->insn = (uint32_t)insn;
	stub->reason = reason;
	rk_x86_jcc_rel32(x->buf, cc, (int32_t)rel);
}

/* ---- the trampoline ------------------------------------------------ */

static void rk_x86_trampoline(struct xlat *x)
{
	struct rk_jit_buf *buf = x->buf;
	const size_t saved = sizeof(callee_saved) / sizeof(callee_saved[0]);
	for (size_t i = 0; i < saved; i++)
		rk_x86_push(buf, callee_saved[i]);
	rk_x86_mov_rr(buf, true, FRAME_REG, X86_RDI);
	rk_x86_store_imm(buf, 4, FRAME_REG, FRAME_OFF(stop), RK_JIT_STOP_NONE);
	rk_x86_store(buf, 8, FRAME_REG, FRAME_OFF(unwind_sp), X86_RSP);
	for (int r = 1; r <= 5; r++)
		rk_x86_load(buf, 8, reg_map[r], FRAME_REG,
		          FRAME_OFF(args) + (int32_t)((size_t)(r - 1) * sizeof(uint64_t)));
	rk_x86_load(buf, 8, reg_map[RK_REG_FP], FRAME_REG, FRAME_OFF(fp));
	rk_x86_call_mem(buf, FRAME_REG, FRAME_OFF(target));
	/* rax holds BPF r0.  The epilogue, shared with the unwind path below. */
	uint32_t epilogue = cur_pos(x);
	for (size_t i = saved; i-- > 0;)
		rk_x86_pop(buf, callee_saved[i]);
	rk_x86_ret(buf);
	/* A stop: frame->stop and stop_insn are set; drop every frame above the trampoline. */
	x->unwind_pos = cur_pos(x);
	rk_x86_load(buf, 8, X86_RSP, FRAME_REG, FRAME_OFF(unwind_sp));
	rk_x86_alu_rr(buf, false, X86_ALU_XOR, X86_RAX, X86_RAX);
	rk_x86_jmp_rel8(buf, (int8_t)((int64_t)epilogue - (cur_pos(x) + X86_JMP_REL8_LEN)));
}

static void rk_x86_stubs(struct xlat *x)
{
	for (size_t k = 0; k < x->stub_count; k++) {
		struct stop_stub *stub = &x->stubs[k];
		stub->pos = cur_pos(x);
		rk_x86_store_imm(x->buf, 4, FRAME_REG, FRAME_OFF(stop_insn), (int32_t)stub->insn);
		rk_x86_store_imm(x->buf, 4, FRAME_REG, FRAME_OFF(stop), (int32_t)stub->reason);
		rk_x86_jmp_rel32(x->buf, (int32_t)((int64_t)x->unwind_pos -
		                                 (cur_pos(x) + X86_JMP_REL32_LEN)));
	}
}

/* ---- ALU ------------------------------------------------------------ */

static enum x86_alu alu_op(uint8_t op)
{
	switch (op) {
	case RK_ALU_ADD: return X86_ALU_ADD;
	case RK_ALU_SUB: return X86_ALU_SUB;
	case RK_ALU_OR: return X86_ALU_OR;
	case RK_ALU_AND: return X86_ALU_AND;
	default: return X86_ALU_XOR;
	}
}

static enum x86_shift shift_kind(uint8_t op)
{
	switch (op) {
	case RK_ALU_LSH: return X86_SHL;
	case RK_ALU_RSH: return X86_SHR;
	default: return X86_SAR;
	}
}

/* reg = its low half, zero-extended: what an ALU32 "no-op" must still do. */
static void rk_x86_zext32(struct rk_jit_buf *buf, enum x86_reg reg)
{
	rk_x86_mov_rr(buf, false, reg, reg);
}

/* dst <<= src (or >>, sar): the count must be in cl, which is BPF r4's register. */
static void rk_x86_shift_reg(struct rk_jit_buf *buf, bool is64, enum x86_shift kind,
                           enum x86_reg dst, enum x86_reg src)
{
	/* x86 masks a cl count to 5 or 6 bits by operand width: exactly BPF's rule. */
	if (src == X86_RCX) {
		rk_x86_shift_cl(buf, is64, kind, dst);
		return;
	}
	rk_x86_mov_rr(buf, true, SCRATCH_C, X86_RCX);
	rk_x86_mov_rr(buf, false, X86_RCX, src);
	if (dst == X86_RCX) {
		/* The shifted value is r4's old one, now in the scratch register. */
		rk_x86_shift_cl(buf, is64, kind, SCRATCH_C);
		rk_x86_mov_rr(buf, true, X86_RCX, SCRATCH_C);
	} else {
		rk_x86_shift_cl(buf, is64, kind, dst);
		rk_x86_mov_rr(buf, true, X86_RCX, SCRATCH_C);
	}
}

/*
 * dst = dst / or % the divisor in SCRATCH_C, through rdx:rax (BPF r0 and
 * r3, saved in the other scratch registers unless dst is one of them).
 * The divisor is neither 0 nor, when signed, -1: x86 would trap.
 */
static void rk_x86_div_core(struct rk_jit_buf *buf, bool is64, bool is_mod, bool is_signed,
                          enum x86_reg dst)
{
	if (dst != X86_RAX)
		rk_x86_mov_rr(buf, true, SCRATCH_B, X86_RAX);
	if (dst != X86_RDX)
		rk_x86_mov_rr(buf, true, SCRATCH_A, X86_RDX);
	if (dst != X86_RAX)
		rk_x86_mov_rr(buf, is64, X86_RAX, dst);
	if (is_signed)
		rk_x86_cqo(buf, is64);
	else
		rk_x86_alu_rr(buf, false, X86_ALU_XOR, X86_RDX, X86_RDX);
	rk_x86_unary(buf, is64, is_signed ? X86_IDIV : X86_DIV, SCRATCH_C);
	/* A 32-bit div writes eax and edx zero-extended: no extra zero-extension. */
	enum x86_reg result = is_mod ? X86_RDX : X86_RAX;
	if (dst != result)
		rk_x86_mov_rr(buf, is64, dst, result);
	if (dst != X86_RAX)
		rk_x86_mov_rr(buf, true, X86_RAX, SCRATCH_B);
	if (dst != X86_RDX)
		rk_x86_mov_rr(buf, true, X86_RDX, SCRATCH_A);
}

/* Division by zero: quotient 0; the remainder is dst, still zero-extended in ALU32. */
static void rk_x86_div_by_zero(struct rk_jit_buf *buf, bool is64, bool is_mod, enum x86_reg dst)
{
	if (!is_mod)
		rk_x86_alu_rr(buf, false, X86_ALU_XOR, dst, dst);
	else if (!is64)
		rk_x86_zext32(buf, dst);
}

/* Signed division by -1: x / -1 = -x (INT_MIN stays INT_MIN), x % -1 = 0. */
static void rk_x86_div_by_minus_one(struct rk_jit_buf *buf, bool is64, bool is_mod,
                                  enum x86_reg dst)
{
	if (is_mod)
		rk_x86_alu_rr(buf, false, X86_ALU_XOR, dst, dst);
	else
		rk_x86_unary(buf, is64, X86_NEG, dst);
}

static void rk_x86_divmod(struct xlat *x, const struct rk_insn *insn, bool is64)
{
	struct rk_jit_buf *buf = x->buf;
	const bool is_mod = RK_OP(insn->code) == RK_ALU_MOD;
	const bool is_signed = insn->off == 1;
	const enum x86_reg dst = reg_map[insn->dst_reg];

	if (RK_SRC(insn->code) == RK_SRC_K) {
		/* A constant divisor: its special cases are settled now. */
		const uint64_t divisor = is64 ? (uint64_t)(int64_t)insn->imm : (uint32_t)insn->imm;
		if (divisor == 0) {
			rk_x86_div_by_zero(buf, is64, is_mod, dst);
		} else if (is_signed && insn->imm == -1) {
			rk_x86_div_by_minus_one(buf, is64, is_mod, dst);
		} else if (!is_signed && (divisor & (divisor - 1)) == 0 &&
		           divisor <= (uint64_t)1 << 31) {
			/* Unsigned by a power of two: a shift or a mask (fits a positive imm32). */
			if (is_mod)
				rk_x86_alu_ri(buf, is64, X86_ALU_AND, dst, (int32_t)(divisor - 1));
			else if (divisor > 1)
				rk_x86_shift_ri(buf, is64, X86_SHR, dst,
				              (uint8_t)__builtin_ctzll(divisor));
			else if (!is64)
				rk_x86_zext32(buf, dst);
		} else {
			rk_x86_mov_imm64(buf, SCRATCH_C, divisor);
			rk_x86_div_core(buf, is64, is_mod, is_signed, dst);
		}
		return;
	}

	/* A register divisor: test for 0 (and -1) at run time, out of the main path. */
	rk_x86_mov_rr(buf, is64, SCRATCH_C, reg_map[insn->src_reg]);
	rk_x86_test_rr(buf, is64, SCRATCH_C, SCRATCH_C);
	size_t to_zero = jcc_rel8_forward(x, X86_CC_E);
	size_t to_minus_one = 0;
	if (is_signed) {
		rk_x86_alu_ri(buf, is64, X86_ALU_CMP, SCRATCH_C, -1);
		to_minus_one = jcc_rel8_forward(x, X86_CC_E);
	}
	rk_x86_div_core(buf, is64, is_mod, is_signed, dst);
	size_t done_main = jmp_rel8_forward(x);
	patch_rel8(x, to_zero);
	rk_x86_div_by_zero(buf, is64, is_mod, dst);
	if (is_signed) {
		size_t done_zero = jmp_rel8_forward(x);
		patch_rel8(x, to_minus_one);
		rk_x86_div_by_minus_one(buf, is64, is_mod, dst);
		patch_rel8(x, done_zero);
	}
	patch_rel8(x, done_main);
}

static int unsupported(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	return rk_set_err(x->err, x->err_len, -ENOTSUP,
	                  "insn %zu: opcode 0x%02x (src %d, imm %d) is not supported by the "
	                  "x86_64 JIT",
	                  i, insn->code, insn->src_reg, insn->imm);
}

static int rk_x86_alu(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	struct rk_jit_buf *buf = x->buf;
	const bool is64 = RK_CLASS(insn->code) == RK_CLS_ALU64;
	const bool use_src = RK_SRC(insn->code) == RK_SRC_X;
	const enum x86_reg dst = reg_map[insn->dst_reg], src = reg_map[insn->src_reg];
	const int32_t imm = insn->imm;
	const uint8_t op = RK_OP(insn->code);

	switch (op) {
	case RK_ALU_ADD:
	case RK_ALU_SUB:
	case RK_ALU_OR:
	case RK_ALU_AND:
	case RK_ALU_XOR:
		if (use_src)
			rk_x86_alu_rr(buf, is64, alu_op(op), dst, src);
		else if (imm == 0 && op == RK_ALU_AND)
			rk_x86_alu_rr(buf, false, X86_ALU_XOR, dst, dst);
		else if (imm != 0)
			rk_x86_alu_ri(buf, is64, alu_op(op), dst, imm);
		else if (!is64)
			rk_x86_zext32(buf, dst); /* x + 0, x - 0, x | 0, x ^ 0 */
		return 0;
	case RK_ALU_MUL:
		if (use_src)
			rk_x86_imul_rr(buf, is64, dst, src);
		else
			rk_x86_imul_rri(buf, is64, dst, dst, imm);
		return 0;
	case RK_ALU_DIV:
	case RK_ALU_MOD:
		rk_x86_divmod(x, insn, is64);
		return 0;
	case RK_ALU_LSH:
	case RK_ALU_RSH:
	case RK_ALU_ARSH:
		if (use_src) {
			rk_x86_shift_reg(buf, is64, shift_kind(op), dst, src);
		} else {
			uint8_t count = (uint8_t)(imm & (is64 ? 63 : 31));
			if (count)
				rk_x86_shift_ri(buf, is64, shift_kind(op), dst, count);
			else if (!is64)
				rk_x86_zext32(buf, dst);
		}
		return 0;
	case RK_ALU_NEG:
		rk_x86_unary(buf, is64, X86_NEG, dst);
		return 0;
	case RK_ALU_MOV:
		if (!use_src)
			rk_x86_mov_imm64(buf, dst, is64 ? (uint64_t)(int64_t)imm : (uint32_t)imm);
		else if (insn->off == 8 || insn->off == 16 || (insn->off == 32 && is64))
			rk_x86_movsx_rr(buf, is64, dst, src, insn->off);
		else if (is64 && dst == src)
			; /* mov r, r: nothing to do */
		else
			rk_x86_mov_rr(buf, is64, dst, src); /* also ALU32 movsx 32: a truncation */
		return 0;
	case RK_ALU_END:
		if (!is64 && RK_SRC(insn->code) == RK_END_TO_LE) {
			/* The host is little endian: "to le" only truncates. */
			if (imm == 16)
				rk_x86_movzx16_rr(buf, dst, dst);
			else if (imm == 32)
				rk_x86_zext32(buf, dst);
		} else if (imm == 16) {
			rk_x86_ror16_ri(buf, dst, 8);
			rk_x86_movzx16_rr(buf, dst, dst);
		} else {
			rk_x86_bswap(buf, imm != 32, dst);
		}
		return 0;
	default:
		return unsupported(x, i, insn);
	}
}

/* ---- jumps and calls ------------------------------------------------- */

static enum x86_cond jump_cond(uint8_t op)
{
	switch (op) {
	case RK_JMP_JEQ: return X86_CC_E;
	case RK_JMP_JGT: return X86_CC_A;
	case RK_JMP_JGE: return X86_CC_AE;
	case RK_JMP_JLT: return X86_CC_B;
	case RK_JMP_JLE: return X86_CC_BE;
	case RK_JMP_JSGT: return X86_CC_G;
	case RK_JMP_JSGE: return X86_CC_GE;
	case RK_JMP_JSLT: return X86_CC_L;
	case RK_JMP_JSLE: return X86_CC_LE;
	default: return X86_CC_NE; /* JNE, and JSET after a test */
	}
}

static bool is_cond_jump(uint8_t op)
{
	switch (op) {
	case RK_JMP_JEQ: case RK_JMP_JGT: case RK_JMP_JGE: case RK_JMP_JSET: case RK_JMP_JNE:
	case RK_JMP_JSGT: case RK_JMP_JSGE: case RK_JMP_JLT: case RK_JMP_JLE: case RK_JMP_JSLT:
	case RK_JMP_JSLE:
		return true;
	default:
		return false;
	}
}

static void rk_x86_cond_jump(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	struct rk_jit_buf *buf = x->buf;
	const size_t target = (size_t)((int64_t)i + 1 + insn->off);
	if (target == i + 1)
		return; /* either way the next instruction runs; a compare has no effect */
	const bool is64 = RK_CLASS(insn->code) == RK_CLS_JMP;
	const enum x86_reg dst = reg_map[insn->dst_reg], src = reg_map[insn->src_reg];
	const uint8_t op = RK_OP(insn->code);
	/* 64-bit compares sign-extend imm (REX.W forms do too); 32-bit ones take it as is. */
	if (RK_SRC(insn->code) == RK_SRC_X) {
		if (op == RK_JMP_JSET)
			rk_x86_test_rr(buf, is64, dst, src);
		else
			rk_x86_alu_rr(buf, is64, X86_ALU_CMP, dst, src);
	} else if (op == RK_JMP_JSET) {
		rk_x86_test_ri(buf, is64, dst, insn->imm);
	} else if (insn->imm == 0) {
		/* test sets ZF, SF, and clears CF and OF, as cmp with 0 does. */
		rk_x86_test_rr(buf, is64, dst, dst);
	} else {
		rk_x86_alu_ri(buf, is64, X86_ALU_CMP, dst, insn->imm);
	}
	rk_x86_jump_to_insn(x, jump_cond(op), i, target);
}

/*
 * Call the helper whose address is in fn (not r9), then stop if it aborted
 * the run, a callback failed, or it asked for a tail call.
 */
static void rk_x86_helper_call(struct xlat *x, size_t i, enum x86_reg fn)
{
	struct rk_jit_buf *buf = x->buf;
	rk_x86_store(buf, 8, FRAME_REG, FRAME_OFF(helper_fp), reg_map[RK_REG_FP]);
	rk_x86_load(buf, 8, HELPER_ARG6, FRAME_REG, FRAME_OFF(run));
	rk_x86_call_reg(buf, fn);
	/* One load and one branch for the three conditions: run->stop_pending. */
	rk_x86_load(buf, 8, SCRATCH_C, FRAME_REG, FRAME_OFF(run));
	rk_x86_load(buf, 4, SCRATCH_B, SCRATCH_C, RUN_OFF(stop_pending));
	rk_x86_test_rr(buf, false, SCRATCH_B, SCRATCH_B);
	rk_x86_stop_jump(x, X86_CC_NE, i, RK_JIT_STOP_HELPER);
}

static void rk_x86_callx(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	/* BPF r1..r5, which rk_jit_resolve_callx() may clobber; r5 twice keeps rsp aligned. */
	static const enum x86_reg args_saved[] = {X86_RDI, X86_RSI, X86_RDX,
	                                          X86_RCX, X86_R8,  X86_R8};
	const size_t saved = sizeof(args_saved) / sizeof(args_saved[0]);
	_Static_assert(sizeof(args_saved) / sizeof(args_saved[0]) % 2 == 0, "rsp stays aligned");
	struct rk_jit_buf *buf = x->buf;

	rk_x86_mov_rr(buf, true, SCRATCH_C, reg_map[insn->dst_reg]);
	rk_x86_alu_ri(buf, true, X86_ALU_CMP, SCRATCH_C, RK_HELPER_ID_MAX);
	rk_x86_stop_jump(x, X86_CC_AE, i, RK_JIT_STOP_BAD_HELPER);
	for (size_t k = 0; k < saved; k++)
		rk_x86_push(buf, args_saved[k]);
	rk_x86_load(buf, 8, X86_RDI, FRAME_REG, FRAME_OFF(helpers));
	rk_x86_mov_rr(buf, true, X86_RSI, SCRATCH_C);
	rk_x86_movabs(buf, X86_RAX, (uint64_t)(uintptr_t)rk_jit_resolve_callx);
	rk_x86_call_reg(buf, X86_RAX);
	for (size_t k = saved; k-- > 0;)
		rk_x86_pop(buf, args_saved[k]);
	rk_x86_test_rr(buf, true, X86_RAX, X86_RAX);
	rk_x86_stop_jump(x, X86_CC_E, i, RK_JIT_STOP_BAD_HELPER);
	rk_x86_helper_call(x, i, X86_RAX);
}

static void rk_x86_local_call(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	struct rk_jit_buf *buf = x->buf;
	const size_t saved = sizeof(local_call_saved) / sizeof(local_call_saved[0]);
	const size_t target = (size_t)((int64_t)i + 1 + insn->imm);
	const enum x86_reg fp = reg_map[RK_REG_FP];

	/* The callee's frame, unsigned-compared against the lowest one allowed. */
	rk_x86_lea(buf, SCRATCH_C, fp, -RK_STACK_SIZE);
	rk_x86_alu_rm(buf, true, X86_ALU_CMP, SCRATCH_C, FRAME_REG, FRAME_OFF(fp_limit));
	rk_x86_stop_jump(x, X86_CC_B, i, RK_JIT_STOP_CALL_DEPTH);
	for (size_t k = 0; k < saved; k++)
		rk_x86_push(buf, local_call_saved[k]);
	rk_x86_mov_rr(buf, true, fp, SCRATCH_C);
	int64_t rel = 0;
	if (x->prev)
		rel = (int64_t)x->prev[target] - (int64_t)(cur_pos(x) + X86_CALL_REL32_LEN);
	rk_x86_call_rel32(buf, (int32_t)rel);
	for (size_t k = saved; k-- > 0;)
		rk_x86_pop(buf, local_call_saved[k]);
}

static int rk_x86_jmp(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	const bool is_jmp32 = RK_CLASS(insn->code) == RK_CLS_JMP32;
	const uint8_t op = RK_OP(insn->code);

	if (op == RK_JMP_JA) {
		if (RK_SRC(insn->code) != RK_SRC_K)
			return unsupported(x, i, insn);
		/* JA: off is the offset; JA32 (gotol): imm is. */
		const size_t target = (size_t)((int64_t)i + 1 + (is_jmp32 ? insn->imm : insn->off));
		if (target != i + 1)
			rk_x86_jump_to_insn(x, -1, i, target);
		return 0;
	}
	if (is_cond_jump(op)) {
		rk_x86_cond_jump(x, i, insn);
		return 0;
	}
	if (insn->code == RK_OP_EXIT) {
		rk_x86_ret(x->buf);
		return 0;
	}
	if (insn->code == RK_OP_CALLX) {
		rk_x86_callx(x, i, insn);
		return 0;
	}
	if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_LOCAL) {
		rk_x86_local_call(x, i, insn);
		return 0;
	}
	if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_HELPER) {
		rk_helper_fn fn = rk_prog_resolve_helper(x->in->helpers, (uint32_t)insn->imm);
		if (!fn)
			return rk_set_err(x->err, x->err_len, -ENOENT,
			                  "insn %zu: call to helper %d, which is not registered", i,
			                  insn->imm);
		rk_x86_movabs(x->buf, SCRATCH_C, (uint64_t)(uintptr_t)fn);
		rk_x86_helper_call(x, i, SCRATCH_C);
		return 0;
	}
	return unsupported(x, i, insn);
}

/* ---- memory ---------------------------------------------------------- */

static int size_bytes(uint8_t code)
{
	switch (RK_SIZE(code)) {
	case RK_SIZE_B: return 1;
	case RK_SIZE_H: return 2;
	case RK_SIZE_W: return 4;
	default: return 8;
	}
}

/* OR/AND/XOR with FETCH: x86 has no such instruction, so a cmpxchg loop through rax. */
static void rk_x86_fetch_loop(struct xlat *x, int size, enum x86_alu op, enum x86_reg base,
                            int32_t off, enum x86_reg src)
{
	struct rk_jit_buf *buf = x->buf;
	const bool is64 = size == 8;
	rk_x86_lea(buf, SCRATCH_A, base, off);          /* address, before rax changes */
	rk_x86_mov_rr(buf, true, SCRATCH_C, src);       /* operand */
	if (src != X86_RAX)
		rk_x86_push(buf, X86_RAX);              /* BPF r0; no call until the pop */
	rk_x86_load(buf, size, X86_RAX, SCRATCH_A, 0);
	uint32_t loop = cur_pos(x);
	rk_x86_mov_rr(buf, is64, SCRATCH_B, X86_RAX);
	rk_x86_alu_rr(buf, is64, op, SCRATCH_B, SCRATCH_C);
	rk_x86_lock_cmpxchg(buf, size, SCRATCH_A, 0, SCRATCH_B);
	rk_x86_jcc_rel8(buf, X86_CC_NE, (int8_t)((int64_t)loop - (cur_pos(x) + X86_JCC_REL8_LEN)));
	/* rax = the old value (zero-extended in the 32-bit form), which src receives. */
	if (src != X86_RAX) {
		rk_x86_mov_rr(buf, is64, src, X86_RAX);
		rk_x86_pop(buf, X86_RAX);
	}
}

static int rk_x86_atomic(struct xlat *x, size_t i, const struct rk_insn *insn)
{
	struct rk_jit_buf *buf = x->buf;
	const int size = RK_SIZE(insn->code) == RK_SIZE_DW ? 8 : 4;
	const enum x86_reg base = reg_map[insn->dst_reg], src = reg_map[insn->src_reg];
	const int32_t off = insn->off;
	if (RK_SIZE(insn->code) != RK_SIZE_DW && RK_SIZE(insn->code) != RK_SIZE_W)
		return unsupported(x, i, insn);
	switch (insn->imm) {
	case RK_ATOMIC_ADD: rk_x86_lock_alu(buf, size, X86_ALU_ADD, base, off, src); return 0;
	case RK_ATOMIC_OR: rk_x86_lock_alu(buf, size, X86_ALU_OR, base, off, src); return 0;
	case RK_ATOMIC_AND: rk_x86_lock_alu(buf, size, X86_ALU_AND, base, off, src); return 0;
	case RK_ATOMIC_XOR: rk_x86_lock_alu(buf, size, X86_ALU_XOR, base, off, src); return 0;
	case RK_ATOMIC_ADD | RK_ATOMIC_FETCH:
		rk_x86_lock_xadd(buf, size, base, off, src);
		return 0;
	case RK_ATOMIC_OR | RK_ATOMIC_FETCH:
		rk_x86_fetch_loop(x, size, X86_ALU_OR, base, off, src);
		return 0;
	case RK_ATOMIC_AND | RK_ATOMIC_FETCH:
		rk_x86_fetch_loop(x, size, X86_ALU_AND, base, off, src);
		return 0;
	case RK_ATOMIC_XOR | RK_ATOMIC_FETCH:
		rk_x86_fetch_loop(x, size, X86_ALU_XOR, base, off, src);
		return 0;
	case RK_ATOMIC_XCHG:
		rk_x86_xchg(buf, size, base, off, src);
		return 0;
	case RK_ATOMIC_CMPXCHG:
		rk_x86_lock_cmpxchg(buf, size, base, off, src);
		/* A 32-bit cmpxchg that succeeds keeps rax's high half: zero-extend r0. */
		if (size == 4)
			rk_x86_zext32(buf, X86_RAX);
		return 0;
	default:
		return unsupported(x, i, insn);
	}
}

/* ---- the whole program ----------------------------------------------- */

static int rk_x86_insn(struct xlat *x, size_t *i)
{
	const struct rk_insn *insn = &x->in->insns[*i];
	struct rk_jit_buf *buf = x->buf;
	const enum x86_reg dst = reg_map[insn->dst_reg], src = reg_map[insn->src_reg];

	switch (RK_CLASS(insn->code)) {
	case RK_CLS_ALU:
	case RK_CLS_ALU64:
		return rk_x86_alu(x, *i, insn);
	case RK_CLS_JMP:
	case RK_CLS_JMP32:
		return rk_x86_jmp(x, *i, insn);
	case RK_CLS_LD:
		if (insn->code != RK_OP_LDDW || *i + 1 >= x->in->insn_count)
			return unsupported(x, *i, insn);
		/* Any src: the loader already put the final value in the two immediates. */
		rk_x86_mov_imm64(buf, dst, (uint64_t)(uint32_t)insn[0].imm |
		                              (uint64_t)(uint32_t)insn[1].imm << 32);
		++*i;
		x->offs[*i] = cur_pos(x);
		return 0;
	case RK_CLS_LDX:
		if (RK_MODE(insn->code) == RK_MODE_MEM)
			rk_x86_load(buf, size_bytes(insn->code), dst, src, insn->off);
		else if (RK_MODE(insn->code) == RK_MODE_MEMSX && RK_SIZE(insn->code) != RK_SIZE_DW)
			rk_x86_load_sx(buf, size_bytes(insn->code), dst, src, insn->off);
		else
			return unsupported(x, *i, insn);
		return 0;
	case RK_CLS_ST:
		if (RK_MODE(insn->code) != RK_MODE_MEM)
			return unsupported(x, *i, insn);
		rk_x86_store_imm(buf, size_bytes(insn->code), dst, insn->off, insn->imm);
		return 0;
	default: /* RK_CLS_STX */
		if (RK_MODE(insn->code) == RK_MODE_ATOMIC)
			return rk_x86_atomic(x, *i, insn);
		if (RK_MODE(insn->code) != RK_MODE_MEM)
			return unsupported(x, *i, insn);
		rk_x86_store(buf, size_bytes(insn->code), dst, insn->off, src);
		return 0;
	}
}

static int rk_x86_pass(struct xlat *x)
{
	const size_t insn_count = x->in->insn_count;
	x->buf->len = 0;
	x->stub_count = 0;
	rk_x86_trampoline(x);
	for (size_t i = 0; i < insn_count; i++) {
		x->offs[i] = cur_pos(x);
		int rc = rk_x86_insn(x, &i);
		if (rc)
			return rc;
	}
	x->offs[insn_count] = cur_pos(x);
	rk_x86_stubs(x);
	return 0;
}

/* How many stop stubs the program needs: one per stop site. */
static size_t count_stop_sites(const struct rk_insn *insns, size_t insn_count)
{
	size_t sites = 0;
	for (size_t i = 0; i < insn_count; i++) {
		if (insns[i].code == RK_OP_CALLX)
			sites += 3; /* id out of range, no such helper, the helper's own stop */
		else if (insns[i].code == RK_OP_CALL)
			sites += 1; /* the helper's stop, or the call depth */
		else if (insns[i].code == RK_OP_LDDW)
			i++;        /* the second slot is data */
	}
	return sites;
}

int rk_jit_x86_64_translate(const struct rk_jit_input *in, struct rk_jit_output *out, char *err,
                            size_t err_len)
{
	memset(out, 0, sizeof(*out));
	const size_t insn_count = in->insn_count;
	if (insn_count == 0 || insn_count >= UINT32_MAX / 2)
		return rk_set_err(err, err_len, -EINVAL, "x86_64 JIT: %zu instructions",
		                  insn_count);

	const size_t stub_capacity = count_stop_sites(in->insns, insn_count);
	out->insn_offsets = malloc((insn_count + 1) * sizeof(uint32_t));
	uint32_t *other_offs = malloc((insn_count + 1) * sizeof(uint32_t));
	struct stop_stub *stubs = calloc(stub_capacity ? stub_capacity : 1, sizeof(*stubs));
	int rc = 0;
	if (!out->insn_offsets || !other_offs || !stubs) {
		rc = rk_set_err(err, err_len, -ENOMEM, "x86_64 JIT: out of memory");
		goto out;
	}

	struct xlat x = {.in = in, .buf = &out->code, .offs = out->insn_offsets, .prev = NULL,
	                 .stubs = stubs, .err = err, .err_len = err_len};
	size_t prev_len = SIZE_MAX;
	/* Sizes only shrink between passes (see the top): this ends within jumps + 2 passes. */
	for (size_t pass = 0;; pass++) {
		if (pass > insn_count + 2) {
			/* Cannot happen (each non-final pass shortens a jump): no endless loop. */
			rc = rk_set_err(err, err_len, -E2BIG,
			                "x86_64 JIT: jump sizes did not settle after %zu passes",
			                pass);
			goto out;
		}
		rc = rk_x86_pass(&x);
		if (rc)
			goto out;
		if (out->code.out_of_memory) {
			rc = rk_set_err(err, err_len, -ENOMEM,
			                "x86_64 JIT: out of memory for the code");
			goto out;
		}
		if (out->code.len > INT32_MAX) {
			rc = rk_set_err(err, err_len, -E2BIG,
			                "x86_64 JIT: %zu bytes of code, more than rel32 reaches",
			                out->code.len);
			goto out;
		}
		if (out->code.len == prev_len)
			break; /* offsets equal the previous pass's: every displacement exact */
		prev_len = out->code.len;
		/* This pass's offsets become the previous ones; the next go in the other array. */
		uint32_t *next = x.offs == out->insn_offsets ? other_offs : out->insn_offsets;
		x.prev = x.offs;
		x.offs = next;
	}
	/* Both arrays now hold the same offsets; out->insn_offsets is one of them. */
out:
	free(other_offs);
	free(stubs);
	if (rc) {
		rk_jit_buf_free(&out->code);
		free(out->insn_offsets);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}
