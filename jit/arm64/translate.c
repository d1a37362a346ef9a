/*
 * translate.c - the arm64 JIT backend: validated BPF bytecode to A64 code,
 * following the contract of jit_internal.h (entry trampoline at offset 0,
 * struct rk_jit_frame, stops, helper and local calls).  ARMv8.0 only (the
 * Raspberry Pi 4's Cortex-A72 has no LSE): atomics are LDXR/STLXR loops.
 *
 * Layout: [trampoline, epilogue, stop path][one block per BPF slot][stop
 * stubs].  A BPF function is a plain native function with no prologue: CALL
 * local is `bl` (the caller saves r6..r10 and its own x30), EXIT is `ret`,
 * so any instruction may start a function (bpf_loop callbacks enter through
 * the trampoline at insn_offsets[i]).  Inside BPF code x30 always holds the
 * current function's return address; a helper call parks it in x27.
 *
 * The one thing to know: branch offsets come from whole passes, not fixups.
 * Every pass re-emits everything, reading the native offsets of later slots
 * and stubs from the previous pass.  A conditional branch whose target is out
 * of the +-1 MiB range becomes "inverted branch over a b" and stays so in
 * every later pass (far[] bits only ever get set), so sizes only grow and the
 * passes converge; the first pass in which no offset moved and no branch grew
 * is exact.  Small programs take two passes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "jit_internal.h"

/* ---- BPF to arm64 registers (the kernel's mapping) ------------------- */
/* r1..r5 are the AAPCS64 argument registers, so helpers are called directly. */
static const uint8_t reg_map[RK_REG_COUNT] = {
	[0] = A64_X7,  /* return value (moved from x0 after a helper) */
	[1] = A64_X0, [2] = A64_X1, [3] = A64_X2, [4] = A64_X3, [5] = A64_X4,
	[6] = A64_X19, [7] = A64_X20, [8] = A64_X21, [9] = A64_X22, /* callee-saved */
	[10] = A64_X25, /* frame pointer */
};
#define REG_FP_LIMIT A64_X23 /* frame->fp_limit, for CALL local's depth check */
#define REG_FRAME A64_X26    /* struct rk_jit_frame * */
#define REG_LR_SAVE A64_X27  /* x30 while a helper runs */
#define REG_RUN A64_X28      /* frame->run: the sixth helper argument */
#define HELPER_ARG6 A64_X5
/* Scratch registers never holding BPF state (caller-saved: helpers clobber them). */
#define TMP_A A64_X9   /* immediates, addresses, call targets */
#define TMP_B A64_X10  /* second operand, old value of an atomic */
#define TMP_C A64_X11  /* new value of an atomic */
#define TMP_D A64_X12  /* exclusive-store status */

#define FRAME_OFF(field) ((uint32_t)offsetof(struct rk_jit_frame, field))
#define RUN_OFF(field) ((uint32_t)offsetof(struct rk_run, field))
/* frame->args[n]: BPF r(n + 1) at entry. */
#define ARG_OFF(n) (FRAME_OFF(args) + (uint32_t)((n) * sizeof(uint64_t)))
/* ldr/str of an X (W) register scale their unsigned offset by 8 (4). */
#define X_SCALED(off) ((off) / (uint32_t)sizeof(uint64_t))
#define W_SCALED(off) ((off) / (uint32_t)sizeof(uint32_t))

_Static_assert(sizeof(((struct rk_run *)0)->stop_pending) == 4, "run->stop_pending is read as 32 bits");
_Static_assert(offsetof(struct rk_run, stop_pending) % 4 == 0, "a scaled 32-bit load reaches it");
_Static_assert(sizeof(((struct rk_jit_frame *)0)->stop) == 4, "frame->stop is a word");
_Static_assert(sizeof(((struct rk_jit_frame *)0)->stop_insn) == 4, "frame->stop_insn is a word");
_Static_assert(offsetof(struct rk_jit_frame, args) % 8 == 0 &&
               offsetof(struct rk_jit_frame, fp) % 8 == 0 &&
               offsetof(struct rk_jit_frame, stop) % 4 == 0,
               "frame fields are loaded with scaled offsets");

/*
 * The trampoline's frame: x29/x30 and every callee-saved register BPF code
 * uses, in stp pairs.  A multiple of 16, so sp stays aligned.
 */
static const uint8_t saved_pairs[][2] = {
	{A64_X19, A64_X20}, {A64_X21, A64_X22}, {A64_X23, A64_X24},
	{A64_X25, A64_X26}, {A64_X27, A64_X28},
};
#define SAVED_PAIR_COUNT (sizeof(saved_pairs) / sizeof(saved_pairs[0]))
#define PAIR_BYTES 16
#define TRAMPOLINE_FRAME_BYTES ((int32_t)((SAVED_PAIR_COUNT + 1) * PAIR_BYTES))
/* CALL local keeps r6..r9, r10 and its own return address: three pairs. */
#define LOCAL_CALL_FRAME_BYTES (3 * PAIR_BYTES)
/* CALLX keeps r1..r5 and x30 around rk_jit_resolve_callx. */
#define CALLX_FRAME_BYTES (3 * PAIR_BYTES)

/* Code beyond this cannot be reached by b/bl (+-128 MiB). */
#define MAX_CODE_BYTES (128u * 1024 * 1024 - 4096)
/* Initial code buffer: bytes per BPF slot (most take 1-3 words) and for the trampoline. */
#define RESERVE_BYTES_PER_SLOT 12
#define RESERVE_FIXED_BYTES 512
/* Passes before giving up (two are the rule; each extra one grows a far branch). */
#define MAX_PASSES 16

/* far[] bits: which of a slot's conditional branches are "inverted + b". */
#define FAR_JUMP 0x01u
#define FAR_STOP(n) (0x02u << (n))   /* n-th stop branch of the slot, n < 3 */

/* A stop taken at a BPF instruction: an out-of-line stub after the code. */
struct stop_stub {
	uint32_t insn;     /* BPF index, for frame->stop_insn */
	uint32_t reason;   /* enum rk_jit_stop */
};

struct xlat {
	const struct rk_jit_input *in;
	struct rk_jit_buf *buf;
	uint32_t *offs;             /* native offset of each slot (previous pass for later slots) */
	uint8_t *far;               /* FAR_* bits per slot, sticky */
	struct stop_stub *stubs;    /* every stop site, in emission order */
	uint32_t *stub_offs;        /* native offset of each stub (previous pass for later ones) */
	size_t stub_cap;
	size_t stub_count;          /* sites emitted so far in this pass */
	size_t index;               /* the slot being translated */
	uint32_t epilogue_pos;
	uint32_t stop_pos;          /* the common stop path: w9 = reason, w10 = insn */
	bool first_pass;            /* forward offsets are unknown: no range decisions */
	bool changed;               /* an offset moved or a branch grew in this pass */
	int rc;                     /* first error (message in err) */
	char *err;
	size_t err_len;
};

static inline uint32_t cur_pos(const struct xlat *x)
{
	return (uint32_t)x->buf->len;
}

/* rk_jit_buf_emit32, inlined while there is room (a little-endian host: rk_isa.h). */
static inline void emit(struct xlat *x, uint32_t word)
{
	struct rk_jit_buf *buf = x->buf;
	if (buf->len + A64_INSN_BYTES <= buf->cap && !buf->out_of_memory) {
		memcpy(buf->data + buf->len, &word, A64_INSN_BYTES);
		buf->len += A64_INSN_BYTES;
	} else {
		rk_jit_buf_emit32(buf, word);
	}
}

static int fail(struct xlat *x, int rc, const char *rule)
{
	const struct rk_insn *insn = &x->in->insns[x->index];
	if (x->rc == 0)
		x->rc = rk_set_err(x->err, x->err_len, rc, "arm64 JIT: insn %zu (opcode 0x%02x): %s",
		                   x->index, insn->code, rule);
	return x->rc;
}

/* ---- Immediates ------------------------------------------------------ */

/* Load value (the low 32 bits when sf = 0) into rd in as few instructions as it takes. */
static void emit_mov_imm(struct xlat *x, int sf, unsigned rd, uint64_t value)
{
	const unsigned halves = sf ? 4 : 2; /* 16-bit halfwords movz/movk can place */
	const uint32_t half_mask = 0xffff;
	if (!sf)
		value &= UINT32_MAX;
	unsigned zero_halves = 0, ones_halves = 0;
	for (unsigned hw = 0; hw < halves; hw++) {
		uint32_t half = (uint32_t)(value >> (16 * hw)) & half_mask;
		zero_halves += half == 0;
		ones_halves += half == half_mask;
	}
	/* One instruction when possible: movz, movn, or orr with a bitmask immediate. */
	uint32_t bitmask;
	if (zero_halves < halves - 1 && ones_halves < halves - 1 &&
	    rk_a64_logical_imm(sf, value, &bitmask)) {
		emit(x, rk_a64_orr_imm(sf, rd, A64_ZR, bitmask));
		return;
	}
	/* Start from all-zeros (movz) or all-ones (movn), whichever leaves fewer movk. */
	bool inverted = ones_halves > zero_halves;
	uint32_t background = inverted ? half_mask : 0;
	bool first = true;
	for (unsigned hw = 0; hw < halves; hw++) {
		uint32_t half = (uint32_t)(value >> (16 * hw)) & half_mask;
		if (half == background)
			continue;
		if (first)
			emit(x, inverted ? rk_a64_movn(sf, rd, ~half & half_mask, hw)
			                 : rk_a64_movz(sf, rd, half, hw));
		else
			emit(x, rk_a64_movk(sf, rd, half, hw));
		first = false;
	}
	if (first) /* every half is the background: 0 or all-ones */
		emit(x, inverted ? rk_a64_movn(sf, rd, 0, 0) : rk_a64_movz(sf, rd, 0, 0));
}

/* Does value fit an add/sub immediate (imm12, optionally shifted by 12)? */
static bool addsub_imm_fits(uint64_t value, uint32_t *imm12, int *shift12)
{
	if (value <= A64_IMM12_MAX) {
		*imm12 = (uint32_t)value;
		*shift12 = 0;
		return true;
	}
	if ((value & A64_IMM12_MAX) == 0 && (value >> 12) <= A64_IMM12_MAX) {
		*imm12 = (uint32_t)(value >> 12);
		*shift12 = 1;
		return true;
	}
	return false;
}

/* rd = rn + value (value taken modulo the register width); rd may equal rn. */
static void emit_add_imm(struct xlat *x, int sf, unsigned rd, unsigned rn, int64_t value)
{
	uint32_t imm12;
	int shift12;
	if (!sf)
		value = (int32_t)(uint32_t)value;
	if (value >= 0 && addsub_imm_fits((uint64_t)value, &imm12, &shift12)) {
		if (value != 0 || rd != rn || !sf)
			emit(x, rk_a64_add_imm(sf, rd, rn, imm12, shift12));
		return;
	}
	if (value < 0 && addsub_imm_fits(0 - (uint64_t)value, &imm12, &shift12)) {
		emit(x, rk_a64_sub_imm(sf, rd, rn, imm12, shift12));
		return;
	}
	emit_mov_imm(x, sf, TMP_A, (uint64_t)value);
	emit(x, rk_a64_add_rr(sf, rd, rn, TMP_A));
}

/* ---- Branches -------------------------------------------------------- */

/*
 * A conditional branch (word: b.cond/cbz/cbnz, offset ignored) to native
 * offset target.  far_bit names it among the slot's branches, so the
 * decision to make it far survives into later passes.
 */
static void emit_cond_branch(struct xlat *x, uint32_t word, uint32_t target, unsigned far_bit)
{
	int64_t offset = (int64_t)target - cur_pos(x);
	if (!(x->far[x->index] & far_bit)) {
		if (x->first_pass || rk_a64_branch19_fits(offset)) {
			emit(x, rk_a64_branch19_retarget(word, (int32_t)offset));
			return;
		}
		x->far[x->index] |= (uint8_t)far_bit;
		x->changed = true;
	}
	emit(x, rk_a64_branch19_invert(word, 2 * A64_INSN_BYTES));
	emit(x, rk_a64_b((int32_t)(offset - A64_INSN_BYTES)));
}

/* Target native offset of BPF slot index (this pass if already emitted, else the previous). */
static uint32_t slot_pos(const struct xlat *x, size_t index)
{
	return x->offs[index];
}

/* A conditional branch to stop with reason at the current slot. */
static void emit_stop_branch(struct xlat *x, uint32_t word, uint32_t reason, unsigned site)
{
	if (x->stub_count >= x->stub_cap) {
		fail(x, -EFAULT, "more stop sites than counted (a bug in the arm64 JIT)");
		return;
	}
	size_t stub = x->stub_count++;
	x->stubs[stub] = (struct stop_stub){.insn = (uint32_t)x->index, .reason = reason};
	emit_cond_branch(x, word, x->stub_offs[stub], FAR_STOP(site));
}

/* ---- The trampoline -------------------------------------------------- */

static void emit_trampoline(struct xlat *x)
{
	emit(x, rk_a64_stp_pre(A64_FP, A64_LR, A64_SP, -TRAMPOLINE_FRAME_BYTES));
	emit(x, rk_a64_mov_sp(A64_FP, A64_SP));
	for (size_t i = 0; i < SAVED_PAIR_COUNT; i++)
		emit(x, rk_a64_stp_off(saved_pairs[i][0], saved_pairs[i][1], A64_SP,
		                    (int32_t)((i + 1) * PAIR_BYTES)));
	emit(x, rk_a64_mov_rr(1, REG_FRAME, A64_X0));
	/* A stop at any depth unwinds to this sp and leaves through the epilogue. */
	emit(x, rk_a64_mov_sp(TMP_A, A64_SP));
	emit(x, rk_a64_str_imm(A64_SIZE_X, TMP_A, REG_FRAME, X_SCALED(FRAME_OFF(unwind_sp))));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, REG_RUN, REG_FRAME, X_SCALED(FRAME_OFF(run))));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, REG_FP_LIMIT, REG_FRAME, X_SCALED(FRAME_OFF(fp_limit))));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, reg_map[RK_REG_FP], REG_FRAME, X_SCALED(FRAME_OFF(fp))));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, TMP_A, REG_FRAME, X_SCALED(FRAME_OFF(target))));
	emit(x, rk_a64_ldp_off(reg_map[1], reg_map[2], REG_FRAME, (int32_t)ARG_OFF(0)));
	emit(x, rk_a64_ldp_off(reg_map[3], reg_map[4], REG_FRAME, (int32_t)ARG_OFF(2)));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, reg_map[5], REG_FRAME, X_SCALED(ARG_OFF(4))));
	emit(x, rk_a64_blr(TMP_A));
	emit(x, rk_a64_mov_rr(1, A64_X0, reg_map[0]));

	x->epilogue_pos = cur_pos(x);
	for (size_t i = SAVED_PAIR_COUNT; i-- > 0;)
		emit(x, rk_a64_ldp_off(saved_pairs[i][0], saved_pairs[i][1], A64_SP,
		                    (int32_t)((i + 1) * PAIR_BYTES)));
	emit(x, rk_a64_ldp_post(A64_FP, A64_LR, A64_SP, TRAMPOLINE_FRAME_BYTES));
	emit(x, rk_a64_ret());

	/* The stop path: w9 = reason, w10 = BPF index; returns 0 through the epilogue. */
	x->stop_pos = cur_pos(x);
	emit(x, rk_a64_str_imm(A64_SIZE_W, TMP_A, REG_FRAME, W_SCALED(FRAME_OFF(stop))));
	emit(x, rk_a64_str_imm(A64_SIZE_W, TMP_B, REG_FRAME, W_SCALED(FRAME_OFF(stop_insn))));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, TMP_A, REG_FRAME, X_SCALED(FRAME_OFF(unwind_sp))));
	emit(x, rk_a64_mov_sp(A64_SP, TMP_A));
	emit(x, rk_a64_movz(1, A64_X0, 0, 0));
	emit(x, rk_a64_b((int32_t)x->epilogue_pos - (int32_t)cur_pos(x)));
}

static void emit_stubs(struct xlat *x)
{
	for (size_t i = 0; i < x->stub_count; i++) {
		uint32_t pos = cur_pos(x);
		if (x->stub_offs[i] != pos) {
			x->stub_offs[i] = pos;
			x->changed = true;
		}
		emit_mov_imm(x, 0, TMP_A, x->stubs[i].reason);
		emit_mov_imm(x, 0, TMP_B, x->stubs[i].insn);
		emit(x, rk_a64_b((int32_t)x->stop_pos - (int32_t)cur_pos(x)));
	}
}

/* ---- ALU ------------------------------------------------------------- */

static void emit_alu(struct xlat *x, const struct rk_insn *insn)
{
	const int sf = RK_CLASS(insn->code) == RK_CLS_ALU64;
	const unsigned width = sf ? 64 : 32;
	const unsigned dst = reg_map[insn->dst_reg];
	const bool is_k = RK_SRC(insn->code) == RK_SRC_K;
	/* The immediate as the operation sees it: sign-extended (ALU64) or 32 bits (ALU). */
	const uint64_t imm = sf ? (uint64_t)(int64_t)insn->imm : (uint64_t)(uint32_t)insn->imm;
	unsigned src = reg_map[insn->src_reg];
	uint32_t bitmask;

	switch (RK_OP(insn->code)) {
	case RK_ALU_ADD:
		if (is_k)
			emit_add_imm(x, sf, dst, dst, insn->imm);
		else
			emit(x, rk_a64_add_rr(sf, dst, dst, src));
		return;
	case RK_ALU_SUB:
		if (is_k)
			emit_add_imm(x, sf, dst, dst, -(int64_t)insn->imm);
		else
			emit(x, rk_a64_sub_rr(sf, dst, dst, src));
		return;
	case RK_ALU_OR:
	case RK_ALU_AND:
	case RK_ALU_XOR: {
		uint32_t (*const rr)(int, unsigned, unsigned, unsigned) =
			RK_OP(insn->code) == RK_ALU_OR ? rk_a64_orr_rr
			: RK_OP(insn->code) == RK_ALU_AND ? rk_a64_and_rr : rk_a64_eor_rr;
		uint32_t (*const ri)(int, unsigned, unsigned, uint32_t) =
			RK_OP(insn->code) == RK_ALU_OR ? rk_a64_orr_imm
			: RK_OP(insn->code) == RK_ALU_AND ? rk_a64_and_imm : rk_a64_eor_imm;
		if (is_k && rk_a64_logical_imm(sf, imm, &bitmask)) {
			emit(x, ri(sf, dst, dst, bitmask));
			return;
		}
		if (is_k) {
			emit_mov_imm(x, sf, TMP_A, imm);
			src = TMP_A;
		}
		emit(x, rr(sf, dst, dst, src));
		return;
	}
	case RK_ALU_MUL:
	case RK_ALU_DIV:
	case RK_ALU_MOD: {
		if (is_k) {
			emit_mov_imm(x, sf, TMP_B, imm);
			src = TMP_B;
		}
		/* arm64 division never traps: x / 0 = 0 and MIN / -1 = MIN, as eBPF wants. */
		uint32_t (*const div)(int, unsigned, unsigned, unsigned) =
			insn->off == 1 ? rk_a64_sdiv : rk_a64_udiv;
		if (RK_OP(insn->code) == RK_ALU_MUL) {
			emit(x, rk_a64_mul(sf, dst, dst, src));
		} else if (RK_OP(insn->code) == RK_ALU_DIV) {
			emit(x, div(sf, dst, dst, src));
		} else {
			/* dst - (dst / src) * src: x % 0 = x, and MIN % -1 = MIN - MIN = 0. */
			emit(x, div(sf, TMP_A, dst, src));
			emit(x, rk_a64_msub(sf, dst, TMP_A, src, dst));
		}
		return;
	}
	case RK_ALU_LSH:
	case RK_ALU_RSH:
	case RK_ALU_ARSH: {
		const unsigned op = RK_OP(insn->code);
		if (is_k) {
			/* The count is masked to the width, as the register forms do. */
			unsigned shift = (unsigned)insn->imm & (width - 1);
			emit(x, op == RK_ALU_LSH   ? rk_a64_lsl_imm(sf, dst, dst, shift)
			        : op == RK_ALU_RSH ? rk_a64_lsr_imm(sf, dst, dst, shift)
			                           : rk_a64_asr_imm(sf, dst, dst, shift));
		} else {
			emit(x, op == RK_ALU_LSH   ? rk_a64_lslv(sf, dst, dst, src)
			        : op == RK_ALU_RSH ? rk_a64_lsrv(sf, dst, dst, src)
			                           : rk_a64_asrv(sf, dst, dst, src));
		}
		return;
	}
	case RK_ALU_NEG:
		emit(x, rk_a64_neg(sf, dst, dst));
		return;
	case RK_ALU_MOV:
		if (is_k) {
			emit_mov_imm(x, sf, dst, imm);
		} else if (insn->off == 8) {
			emit(x, rk_a64_sxtb(sf, dst, src));
		} else if (insn->off == 16) {
			emit(x, rk_a64_sxth(sf, dst, src));
		} else if (insn->off == 32 && sf) {
			emit(x, rk_a64_sxtw(dst, src));
		} else if (!sf || dst != src) {
			/* 32-bit mov zero-extends, even onto itself. */
			emit(x, rk_a64_mov_rr(sf, dst, src));
		}
		return;
	case RK_ALU_END:
		if (!sf && RK_SRC(insn->code) == RK_END_TO_LE) {
			/* The host is little endian: "to le" truncates. */
			if (insn->imm == 16)
				emit(x, rk_a64_uxth(dst, dst));
			else if (insn->imm == 32)
				emit(x, rk_a64_mov_rr(0, dst, dst));
			return;
		}
		if (insn->imm == 16) {
			emit(x, rk_a64_rev16(0, dst, dst));
			emit(x, rk_a64_uxth(dst, dst));
		} else if (insn->imm == 32) {
			emit(x, rk_a64_rev(0, dst, dst));
		} else {
			emit(x, rk_a64_rev(1, dst, dst));
		}
		return;
	default:
		fail(x, -ENOTSUP, "arithmetic operation the arm64 JIT does not know");
		return;
	}
}

/* ---- Jumps ----------------------------------------------------------- */

static enum rk_a64_cond jump_cond(unsigned op)
{
	switch (op) {
	case RK_JMP_JEQ: return A64_COND_EQ;
	case RK_JMP_JNE: return A64_COND_NE;
	case RK_JMP_JGT: return A64_COND_HI;
	case RK_JMP_JGE: return A64_COND_HS;
	case RK_JMP_JLT: return A64_COND_LO;
	case RK_JMP_JLE: return A64_COND_LS;
	case RK_JMP_JSGT: return A64_COND_GT;
	case RK_JMP_JSGE: return A64_COND_GE;
	case RK_JMP_JSLT: return A64_COND_LT;
	case RK_JMP_JSLE: return A64_COND_LE;
	default: return A64_COND_NE; /* RK_JMP_JSET, after tst */
	}
}

static void emit_cond_jump(struct xlat *x, const struct rk_insn *insn, size_t target)
{
	const int sf = RK_CLASS(insn->code) == RK_CLS_JMP;
	const unsigned op = RK_OP(insn->code);
	const unsigned dst = reg_map[insn->dst_reg];
	const uint32_t to = slot_pos(x, target);
	/* The immediate: its bits as the compared width sees them, and as a signed number. */
	const uint64_t bits = sf ? (uint64_t)(int64_t)insn->imm : (uint64_t)(uint32_t)insn->imm;
	const int64_t value = insn->imm;
	unsigned src = reg_map[insn->src_reg];

	if (RK_SRC(insn->code) == RK_SRC_K) {
		uint32_t imm12, bitmask;
		int shift12;
		if (value == 0 && (op == RK_JMP_JEQ || op == RK_JMP_JNE)) {
			emit_cond_branch(x, op == RK_JMP_JEQ ? rk_a64_cbz(sf, dst, 0) : rk_a64_cbnz(sf, dst, 0),
			                 to, FAR_JUMP);
			return;
		}
		/*
		 * cmn dst, #-v sets the same flags as cmp dst, #v for v < 0 in both
		 * widths (v != INT32_MIN, which no imm12 holds anyway).
		 */
		if (op == RK_JMP_JSET && rk_a64_logical_imm(sf, bits, &bitmask)) {
			emit(x, rk_a64_tst_imm(sf, dst, bitmask));
		} else if (op != RK_JMP_JSET && value >= 0 &&
		           addsub_imm_fits((uint64_t)value, &imm12, &shift12)) {
			emit(x, rk_a64_cmp_imm(sf, dst, imm12, shift12));
		} else if (op != RK_JMP_JSET && value < 0 &&
		           addsub_imm_fits((uint64_t)-value, &imm12, &shift12)) {
			emit(x, rk_a64_cmn_imm(sf, dst, imm12, shift12));
		} else {
			emit_mov_imm(x, sf, TMP_A, bits);
			src = TMP_A;
			emit(x, op == RK_JMP_JSET ? rk_a64_tst_rr(sf, dst, src) : rk_a64_cmp_rr(sf, dst, src));
		}
	} else {
		emit(x, op == RK_JMP_JSET ? rk_a64_tst_rr(sf, dst, src) : rk_a64_cmp_rr(sf, dst, src));
	}
	emit_cond_branch(x, rk_a64_b_cond(jump_cond(op), 0), to, FAR_JUMP);
}

/* ---- Calls ----------------------------------------------------------- */

/*
 * Call the helper whose address is in TMP_A: r1..r5 are already x0..x4;
 * x5 = run; r10 published in frame->helper_fp; x30 parked in x27 (callee-
 * saved); r0 = x0 after.  Then stop if the helper aborted, failed or asked
 * for a tail call.
 */
static void emit_helper_call_tail(struct xlat *x, unsigned stop_site)
{
	emit(x, rk_a64_str_imm(A64_SIZE_X, reg_map[RK_REG_FP], REG_FRAME,
	                    X_SCALED(FRAME_OFF(helper_fp))));
	emit(x, rk_a64_mov_rr(1, HELPER_ARG6, REG_RUN));
	emit(x, rk_a64_mov_rr(1, REG_LR_SAVE, A64_LR));
	emit(x, rk_a64_blr(TMP_A));
	emit(x, rk_a64_mov_rr(1, A64_LR, REG_LR_SAVE));
	emit(x, rk_a64_mov_rr(1, reg_map[0], A64_X0));
	/* One load and one branch for the three conditions: run->stop_pending. */
	emit(x, rk_a64_ldr_imm(A64_SIZE_W, TMP_B, REG_RUN, W_SCALED(RUN_OFF(stop_pending))));
	emit_stop_branch(x, rk_a64_cbnz(0, TMP_B, 0), RK_JIT_STOP_HELPER, stop_site);
}

static void emit_call_helper(struct xlat *x, const struct rk_insn *insn)
{
	rk_helper_fn fn = rk_prog_resolve_helper(x->in->helpers, (uint32_t)insn->imm);
	if (!fn) {
		fail(x, -ENOENT, "call to a helper id with no registered helper");
		return;
	}
	emit_mov_imm(x, 1, TMP_A, (uint64_t)(uintptr_t)fn);
	emit_helper_call_tail(x, 0);
}

static void emit_callx(struct xlat *x, const struct rk_insn *insn)
{
	emit(x, rk_a64_mov_rr(1, TMP_A, reg_map[insn->dst_reg]));
	emit(x, rk_a64_cmp_imm(1, TMP_A, RK_HELPER_ID_MAX >> 12, 1));
	_Static_assert((RK_HELPER_ID_MAX & A64_IMM12_MAX) == 0 &&
	               (RK_HELPER_ID_MAX >> 12) <= A64_IMM12_MAX, "cmp x9, #RK_HELPER_ID_MAX");
	emit_stop_branch(x, rk_a64_b_cond(A64_COND_HS, 0), RK_JIT_STOP_BAD_HELPER, 0);
	/* rk_jit_resolve_callx(frame->helpers, id), keeping r1..r5 and x30. */
	emit(x, rk_a64_stp_pre(reg_map[1], reg_map[2], A64_SP, -CALLX_FRAME_BYTES));
	emit(x, rk_a64_stp_off(reg_map[3], reg_map[4], A64_SP, PAIR_BYTES));
	emit(x, rk_a64_stp_off(reg_map[5], A64_LR, A64_SP, 2 * PAIR_BYTES));
	emit(x, rk_a64_ldr_imm(A64_SIZE_X, A64_X0, REG_FRAME, X_SCALED(FRAME_OFF(helpers))));
	emit(x, rk_a64_mov_rr(1, A64_X1, TMP_A));
	emit_mov_imm(x, 1, TMP_A, (uint64_t)(uintptr_t)&rk_jit_resolve_callx);
	emit(x, rk_a64_blr(TMP_A));
	emit(x, rk_a64_mov_rr(1, TMP_A, A64_X0));
	emit(x, rk_a64_ldp_off(reg_map[5], A64_LR, A64_SP, 2 * PAIR_BYTES));
	emit(x, rk_a64_ldp_off(reg_map[3], reg_map[4], A64_SP, PAIR_BYTES));
	emit(x, rk_a64_ldp_post(reg_map[1], reg_map[2], A64_SP, CALLX_FRAME_BYTES));
	emit_stop_branch(x, rk_a64_cbz(1, TMP_A, 0), RK_JIT_STOP_BAD_HELPER, 1);
	emit_helper_call_tail(x, 2);
}

static void emit_call_local(struct xlat *x, size_t target)
{
	const unsigned fp = reg_map[RK_REG_FP];
	emit(x, rk_a64_sub_imm(1, TMP_B, fp, RK_STACK_SIZE, 0));
	emit(x, rk_a64_cmp_rr(1, TMP_B, REG_FP_LIMIT));
	emit_stop_branch(x, rk_a64_b_cond(A64_COND_LO, 0), RK_JIT_STOP_CALL_DEPTH, 0);
	emit(x, rk_a64_stp_pre(reg_map[6], reg_map[7], A64_SP, -LOCAL_CALL_FRAME_BYTES));
	emit(x, rk_a64_stp_off(reg_map[8], reg_map[9], A64_SP, PAIR_BYTES));
	emit(x, rk_a64_stp_off(fp, A64_LR, A64_SP, 2 * PAIR_BYTES));
	emit(x, rk_a64_mov_rr(1, fp, TMP_B));
	emit(x, rk_a64_bl((int32_t)((int64_t)slot_pos(x, target) - cur_pos(x))));
	emit(x, rk_a64_ldp_off(fp, A64_LR, A64_SP, 2 * PAIR_BYTES));
	emit(x, rk_a64_ldp_off(reg_map[8], reg_map[9], A64_SP, PAIR_BYTES));
	emit(x, rk_a64_ldp_post(reg_map[6], reg_map[7], A64_SP, LOCAL_CALL_FRAME_BYTES));
}

/* ---- Memory ---------------------------------------------------------- */

enum mem_kind { MEM_LOAD, MEM_LOAD_SIGNED, MEM_STORE };

/* One load or store of 1 << size bytes at base + off, picking the shortest addressing. */
static void emit_mem(struct xlat *x, enum mem_kind kind, enum rk_a64_size size, unsigned rt,
                     unsigned base, int32_t off)
{
	const int32_t bytes = 1 << size;
	if (off >= 0 && off % bytes == 0 && off / bytes <= A64_IMM12_MAX) {
		uint32_t scaled = (uint32_t)(off / bytes);
		emit(x, kind == MEM_LOAD          ? rk_a64_ldr_imm(size, rt, base, scaled)
		        : kind == MEM_LOAD_SIGNED ? rk_a64_ldrs_imm(size, rt, base, scaled)
		                                  : rk_a64_str_imm(size, rt, base, scaled));
	} else if (off >= A64_IMM9_MIN && off <= A64_IMM9_MAX) {
		emit(x, kind == MEM_LOAD          ? rk_a64_ldur(size, rt, base, off)
		        : kind == MEM_LOAD_SIGNED ? rk_a64_ldurs(size, rt, base, off)
		                                  : rk_a64_stur(size, rt, base, off));
	} else {
		emit_mov_imm(x, 1, TMP_A, (uint64_t)(int64_t)off);
		emit(x, kind == MEM_LOAD          ? rk_a64_ldr_reg(size, rt, base, TMP_A)
		        : kind == MEM_LOAD_SIGNED ? rk_a64_ldrs_reg(size, rt, base, TMP_A)
		                                  : rk_a64_str_reg(size, rt, base, TMP_A));
	}
}

static enum rk_a64_size mem_size(uint8_t code)
{
	switch (RK_SIZE(code)) {
	case RK_SIZE_B: return A64_SIZE_B;
	case RK_SIZE_H: return A64_SIZE_H;
	case RK_SIZE_W: return A64_SIZE_W;
	default: return A64_SIZE_X;
	}
}

/*
 * Atomics without LSE: LDXR / op / STLXR until the store succeeds, then DMB
 * ISH -- the sequence Linux uses for fully ordered atomics on ARMv8.0, as
 * strong as the interpreter's __ATOMIC_SEQ_CST.  CMPXCHG leaves the loop
 * without storing when the value differs, through the same barrier.
 */
static void emit_atomic(struct xlat *x, const struct rk_insn *insn)
{
	const enum rk_a64_size size = mem_size(insn->code);
	const int sf = size == A64_SIZE_X;
	const unsigned src = reg_map[insn->src_reg];
	unsigned addr = reg_map[insn->dst_reg];
	if (insn->off != 0) {
		emit_add_imm(x, 1, TMP_A, addr, insn->off);
		addr = TMP_A;
	}
	const uint32_t loop = cur_pos(x);
	emit(x, rk_a64_ldxr(size, TMP_B, addr));
	switch (insn->imm) {
	case RK_ATOMIC_ADD:
	case RK_ATOMIC_ADD | RK_ATOMIC_FETCH:
		emit(x, rk_a64_add_rr(sf, TMP_C, TMP_B, src));
		break;
	case RK_ATOMIC_OR:
	case RK_ATOMIC_OR | RK_ATOMIC_FETCH:
		emit(x, rk_a64_orr_rr(sf, TMP_C, TMP_B, src));
		break;
	case RK_ATOMIC_AND:
	case RK_ATOMIC_AND | RK_ATOMIC_FETCH:
		emit(x, rk_a64_and_rr(sf, TMP_C, TMP_B, src));
		break;
	case RK_ATOMIC_XOR:
	case RK_ATOMIC_XOR | RK_ATOMIC_FETCH:
		emit(x, rk_a64_eor_rr(sf, TMP_C, TMP_B, src));
		break;
	case RK_ATOMIC_XCHG:
		break;
	case RK_ATOMIC_CMPXCHG:
		/* Skip the store (stlxr, cbnz) when the value is not r0's. */
		emit(x, rk_a64_cmp_rr(sf, TMP_B, reg_map[0]));
		emit(x, rk_a64_b_cond(A64_COND_NE, 3 * A64_INSN_BYTES));
		break;
	default:
		fail(x, -ENOTSUP, "atomic operation the arm64 JIT does not know");
		return;
	}
	const bool stores_src = insn->imm == RK_ATOMIC_XCHG || insn->imm == RK_ATOMIC_CMPXCHG;
	emit(x, rk_a64_stlxr(size, TMP_D, stores_src ? src : TMP_C, addr));
	emit(x, rk_a64_cbnz(0, TMP_D, (int32_t)loop - (int32_t)cur_pos(x)));
	emit(x, rk_a64_dmb_ish());
	if (insn->imm == RK_ATOMIC_CMPXCHG)
		emit(x, rk_a64_mov_rr(sf, reg_map[0], TMP_B));
	else if (insn->imm & RK_ATOMIC_FETCH)
		emit(x, rk_a64_mov_rr(sf, src, TMP_B));
}

static void emit_store_imm(struct xlat *x, const struct rk_insn *insn)
{
	const enum rk_a64_size size = mem_size(insn->code);
	unsigned value = A64_ZR;
	if (insn->imm != 0) {
		/* DW stores the sign-extended immediate; narrower stores its low bytes. */
		emit_mov_imm(x, size == A64_SIZE_X, TMP_B, (uint64_t)(int64_t)insn->imm);
		value = TMP_B;
	}
	emit_mem(x, MEM_STORE, size, value, reg_map[insn->dst_reg], insn->off);
}

/* ---- The translation loop -------------------------------------------- */

/* Translate slot x->index; returns the number of slots it took (1, or 2 for LDDW). */
static size_t emit_insn(struct xlat *x)
{
	const struct rk_insn *insn = &x->in->insns[x->index];
	const uint8_t code = insn->code;
	switch (RK_CLASS(code)) {
	case RK_CLS_ALU:
	case RK_CLS_ALU64:
		emit_alu(x, insn);
		return 1;
	case RK_CLS_LD:
		if (code != RK_OP_LDDW || x->index + 1 >= x->in->insn_count) {
			fail(x, -ENOTSUP, "legacy packet access (abs/ind) is not supported");
			return 1;
		}
		emit_mov_imm(x, 1, reg_map[insn->dst_reg],
		             (uint64_t)(uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32);
		return 2;
	case RK_CLS_LDX:
		if (RK_MODE(code) != RK_MODE_MEM && RK_MODE(code) != RK_MODE_MEMSX)
			break;
		emit_mem(x, RK_MODE(code) == RK_MODE_MEMSX ? MEM_LOAD_SIGNED : MEM_LOAD,
		         mem_size(code), reg_map[insn->dst_reg], reg_map[insn->src_reg], insn->off);
		return 1;
	case RK_CLS_ST:
		if (RK_MODE(code) != RK_MODE_MEM)
			break;
		emit_store_imm(x, insn);
		return 1;
	case RK_CLS_STX:
		if (RK_MODE(code) == RK_MODE_ATOMIC) {
			emit_atomic(x, insn);
			return 1;
		}
		if (RK_MODE(code) != RK_MODE_MEM)
			break;
		emit_mem(x, MEM_STORE, mem_size(code), reg_map[insn->src_reg],
		         reg_map[insn->dst_reg], insn->off);
		return 1;
	case RK_CLS_JMP:
	case RK_CLS_JMP32:
		if (code == RK_OP_EXIT) {
			emit(x, rk_a64_ret());
			return 1;
		}
		if (code == RK_OP_CALLX) {
			emit_callx(x, insn);
			return 1;
		}
		if (code == RK_OP_CALL) {
			if (insn->src_reg == RK_CALL_LOCAL)
				emit_call_local(x, (size_t)rk_insn_target(insn, x->index));
			else if (insn->src_reg == RK_CALL_HELPER)
				emit_call_helper(x, insn);
			else
				fail(x, -ENOTSUP, "call by BTF id is not supported");
			return 1;
		}
		if (code == RK_OP_JA || code == RK_OP_JA32) {
			size_t target = (size_t)rk_insn_target(insn, x->index);
			emit(x, rk_a64_b((int32_t)((int64_t)slot_pos(x, target) - cur_pos(x))));
			return 1;
		}
		if (RK_OP(code) > RK_JMP_JSLE || RK_OP(code) == RK_JMP_CALL || RK_OP(code) == RK_JMP_EXIT)
			break;
		emit_cond_jump(x, insn, (size_t)rk_insn_target(insn, x->index));
		return 1;
	default:
		break;
	}
	fail(x, -ENOTSUP, "instruction the arm64 JIT does not know");
	return 1;
}

static void set_offset(struct xlat *x, size_t index, uint32_t pos)
{
	if (x->offs[index] != pos) {
		x->offs[index] = pos;
		x->changed = true;
	}
}

static void emit_pass(struct xlat *x)
{
	x->buf->len = 0;
	x->stub_count = 0;
	x->changed = false;
	emit_trampoline(x);
	for (x->index = 0; x->index < x->in->insn_count && x->rc == 0;) {
		set_offset(x, x->index, cur_pos(x));
		size_t slots = emit_insn(x);
		if (slots == 2)
			set_offset(x, x->index + 1, cur_pos(x));
		x->index += slots;
		if (x->buf->len > MAX_CODE_BYTES) {
			fail(x, -E2BIG, "native code passes 128 MiB, beyond arm64 branch range");
			return;
		}
	}
	set_offset(x, x->in->insn_count, cur_pos(x));
	emit_stubs(x);
	if (x->rc == 0 && x->buf->len > MAX_CODE_BYTES) {
		x->index = x->in->insn_count - 1;
		fail(x, -E2BIG, "native code passes 128 MiB, beyond arm64 branch range");
	}
}

/* Stop sites each slot may take (see emit_stop_branch callers). */
static size_t count_stop_sites(const struct rk_jit_input *in)
{
	size_t count = 0;
	for (size_t i = 0; i < in->insn_count; i++) {
		const struct rk_insn *insn = &in->insns[i];
		if (insn->code == RK_OP_CALLX)
			count += 3;
		else if (insn->code == RK_OP_CALL)
			count += 1;
	}
	return count;
}

int rk_jit_arm64_translate(const struct rk_jit_input *in, struct rk_jit_output *out, char *err,
                           size_t err_len)
{
	*out = (struct rk_jit_output){0};
	if (!in->insns || in->insn_count == 0 || in->insn_count > RK_MAX_INSNS)
		return rk_set_err(err, err_len, -EINVAL, "arm64 JIT: %zu instructions to translate",
		                  in->insn_count);
	struct xlat x = {.in = in, .buf = &out->code, .err = err, .err_len = err_len};
	x.stub_cap = count_stop_sites(in);
	out->insn_offsets = calloc(in->insn_count + 1, sizeof(*out->insn_offsets));
	x.far = calloc(in->insn_count, sizeof(*x.far));
	x.stubs = calloc(x.stub_cap + 1, sizeof(*x.stubs));
	x.stub_offs = calloc(x.stub_cap + 1, sizeof(*x.stub_offs));
	int rc = 0;
	if (!out->insn_offsets || !x.far || !x.stubs || !x.stub_offs) {
		rc = rk_set_err(err, err_len, -ENOMEM, "arm64 JIT: out of memory for %zu instructions",
		                in->insn_count);
		goto done;
	}
	x.offs = out->insn_offsets;
	/*
	 * Room for the typical program up front (the buffer still grows when a
	 * program needs more): the first pass would otherwise regrow it log(n)
	 * times.  The buffer is the contract's plain struct, freed by free().
	 */
	size_t reserve = in->insn_count * RESERVE_BYTES_PER_SLOT + RESERVE_FIXED_BYTES;
	out->code.data = malloc(reserve);
	out->code.cap = out->code.data ? reserve : 0;
	for (int pass = 0;; pass++) {
		if (pass == MAX_PASSES) {
			rc = rk_set_err(err, err_len, -E2BIG,
			                "arm64 JIT: branch sizes did not settle after %d passes",
			                MAX_PASSES);
			goto done;
		}
		x.first_pass = pass == 0;
		emit_pass(&x);
		if (x.rc) {
			rc = x.rc;
			goto done;
		}
		if (out->code.out_of_memory) {
			rc = rk_set_err(err, err_len, -ENOMEM, "arm64 JIT: out of memory for the code");
			goto done;
		}
		if (!x.changed && !x.first_pass)
			break;
	}
done:
	free(x.far);
	free(x.stubs);
	free(x.stub_offs);
	if (rc)
		rk_jit_output_free(out);
	return rc;
}
