/*
 * verify_insn.c - the abstract effect of one instruction: arithmetic,
 * 64-bit immediates, conditional jumps (which refine what each edge
 * knows), exit.  Memory instructions are in verify_mem.c, calls in
 * verify_call.c.
 *
 * Pointer rules (what keeps the daemon's addresses inside it): a pointer
 * may be copied, moved by + or - of a bounded number, subtracted from a
 * pointer to the same object, compared with 0 (NULL checks) or with a
 * pointer to the same object.  Everything else on a pointer is refused:
 * 32-bit arithmetic, multiplication, masks, shifts, comparison with a
 * number - any of them would turn an address into a number a program
 * could store, print or return.
 */
#include <stdio.h>

#include "verify_internal.h"

static const char *const reg_names[RK_REG_COUNT] = {"r0", "r1", "r2", "r3", "r4", "r5",
                                                    "r6", "r7", "r8", "r9", "r10"};

const char *rk_vreg_name(unsigned reg)
{
	return reg < RK_REG_COUNT ? reg_names[reg] : "r?";
}

static const char *alu_name(uint8_t op)
{
	switch (op) {
	case RK_ALU_ADD: return "+=";
	case RK_ALU_SUB: return "-=";
	case RK_ALU_MUL: return "*=";
	case RK_ALU_DIV: return "/=";
	case RK_ALU_OR: return "|=";
	case RK_ALU_AND: return "&=";
	case RK_ALU_LSH: return "<<=";
	case RK_ALU_RSH: return ">>=";
	case RK_ALU_NEG: return "neg";
	case RK_ALU_MOD: return "%=";
	case RK_ALU_XOR: return "^=";
	case RK_ALU_MOV: return "mov";
	case RK_ALU_ARSH: return "s>>=";
	case RK_ALU_END: return "byte swap";
	}
	return "?";
}

/* Refuse reading a register that holds nothing usable. */
static void need_init(struct rk_verifier *v, size_t i, const struct rk_vreg *reg, unsigned r)
{
	if (reg->type == RK_VT_UNINIT)
		rk_vfail(v, i, "%s is read before it is written (or after a call clobbered it)",
		         rk_vreg_name(r));
	if (reg->type == RK_VT_CONFLICT)
		rk_vfail(v, i,
		         "%s holds a pointer on one path and something else on another that "
		         "joins it before insn %zu; give it one kind of value on every path",
		         rk_vreg_name(r), i);
}

static struct rk_vreg fresh_scalar(struct rk_verifier *v, struct rk_vs num, size_t i)
{
	struct rk_vreg reg = rk_vreg_scalar(num);
	reg.origin = (uint32_t)i;
	if (!rk_vs_is_const(&num))
		reg.sym = ++v->next_sym;
	return reg;
}

static void pointer_op_fail(struct rk_verifier *v, size_t i, unsigned r, uint8_t op, bool alu64,
                            const struct rk_vreg *reg)
{
	char value[160];
	rk_vreg_format(v, reg, value, sizeof(value));
	if (!alu64)
		rk_vfail(v, i,
		         "32-bit arithmetic on %s (%s) would cut a pointer in half; pointers only move "
		         "by 64-bit + and -",
		         rk_vreg_name(r), value);
	rk_vfail(v, i,
	         "%s on pointer %s (%s) is not allowed: pointers only move by + and - of a "
	         "bounded number (an address must not become a number)",
	         alu_name(op), rk_vreg_name(r), value);
}

/* dst (pointer) +/- a bounded scalar. */
static void pointer_add(struct rk_verifier *v, size_t i, struct rk_vreg *dst, unsigned dst_r,
                        const struct rk_vreg *scalar, int src_r, bool subtract)
{
	char value[160];
	if (dst->flags & RK_VF_MAYBE_NULL) {
		rk_vreg_format(v, dst, value, sizeof(value));
		rk_vfail(v, i,
		         "arithmetic on %s (%s), which may be NULL; compare it with 0 first "
		         "(the result of insn %u)",
		         rk_vreg_name(dst_r), value, dst->origin);
	}
	if (dst->type == RK_VT_MAP_PTR || dst->type == RK_VT_FUNC) {
		rk_vreg_format(v, dst, value, sizeof(value));
		rk_vfail(v, i, "arithmetic on %s (%s): it is a reference, not a pointer to memory",
		         rk_vreg_name(dst_r), value);
	}
	if (scalar->num.smin < -RK_VMAX_VAR_OFF || scalar->num.smax > RK_VMAX_VAR_OFF) {
		rk_vreg_format(v, scalar, value, sizeof(value));
		if (src_r >= 0)
			rk_vfail(v, i,
			         "%s %s %s: %s may be anything in %s; bound it (e.g. if (%s > N) ...) "
			         "before using it as an offset",
			         rk_vreg_name(dst_r), subtract ? "-=" : "+=", rk_vreg_name((unsigned)src_r),
			         rk_vreg_name((unsigned)src_r), value, rk_vreg_name((unsigned)src_r));
		rk_vfail(v, i, "%s %s %s: the offset is too large", rk_vreg_name(dst_r),
		         subtract ? "-=" : "+=", value);
	}
	struct rk_vs num = rk_vs_alu(subtract ? RK_ALU_SUB : RK_ALU_ADD, true, 0, 0, false,
	                             &dst->num, &scalar->num);
	if (num.smin < -RK_VMAX_VAR_OFF || num.smax > RK_VMAX_VAR_OFF) {
		rk_vreg_format(v, dst, value, sizeof(value));
		rk_vfail(v, i, "%s (%s) moves too far from the object it points to",
		         rk_vreg_name(dst_r), value);
	}
	dst->num = num;
	if (dst->sym && rk_vs_is_const(&scalar->num))
		dst->sym_off = subtract ? rk_vwrap_sub(dst->sym_off, (int64_t)scalar->num.umin)
		                        : rk_vwrap_add(dst->sym_off, (int64_t)scalar->num.umin);
	else
		dst->sym = 0, dst->sym_off = 0;
	dst->origin = (uint32_t)i;
}

/*
 * Two pointers into one object: the context, one stack frame, or one map
 * value / memory block - the same id (two lookups in one map may return
 * different values; two blocks of one size are different blocks).
 */
static bool same_object(const struct rk_vreg *a, const struct rk_vreg *b)
{
	if (a->type != b->type || a->aux != b->aux || a->type == RK_VT_MAP_PTR ||
	    a->type == RK_VT_FUNC || ((a->flags | b->flags) & RK_VF_MAYBE_NULL))
		return false;
	if (a->type == RK_VT_MAP_VALUE || a->type == RK_VT_MEM)
		return a->id != 0 && a->id == b->id;
	return true;
}

static bool sym_shift_alu32(const struct rk_vreg *dst, int64_t k)
{
	/* w += k equals r += k when the 32-bit sum cannot wrap. */
	if (dst->num.umax > UINT32_MAX)
		return false;
	if (k >= 0)
		return dst->num.umax + (uint64_t)k <= UINT32_MAX;
	return dst->num.umin >= (uint64_t)(-k);
}

static void alu(struct rk_verifier *v, size_t i, struct rk_vstate *state)
{
	const struct rk_insn *insn = &v->insns[i];
	struct rk_vframe *frame = rk_vcur(state);
	uint8_t op = RK_OP(insn->code);
	bool alu64 = RK_CLASS(insn->code) == RK_CLS_ALU64;
	bool use_reg = RK_SRC(insn->code) == RK_SRC_X && op != RK_ALU_NEG && op != RK_ALU_END;
	unsigned d = insn->dst_reg;
	struct rk_vreg *dst = &frame->regs[d];
	struct rk_vreg src;
	if (use_reg) {
		src = frame->regs[insn->src_reg];
		need_init(v, i, &src, insn->src_reg);
	} else {
		src = rk_vreg_scalar(rk_vs_const((uint64_t)(int64_t)insn->imm));
	}

	if (op == RK_ALU_MOV && insn->off == 0) {
		if (alu64) {
			*dst = src;
			if (!use_reg)
				dst->origin = (uint32_t)i;
			return;
		}
		if (rk_vreg_is_ptr(&src))
			pointer_op_fail(v, i, insn->src_reg, op, false, &src);
		struct rk_vs num = rk_vs_zext32(&src.num);
		bool same = use_reg && src.num.umax <= UINT32_MAX;
		*dst = fresh_scalar(v, num, i);
		if (same && src.sym)
			dst->sym = src.sym, dst->sym_off = src.sym_off;
		return;
	}
	if (op != RK_ALU_MOV)
		need_init(v, i, dst, d);
	if (op == RK_ALU_MOV) {
		/* movsx (off 8/16/32): dst is overwritten, whatever it held; only the
		 * source must be a number (sign-extending part of an address would
		 * make a number of it). */
		if (rk_vreg_is_ptr(&src))
			pointer_op_fail(v, i, insn->src_reg, op, alu64, &src);
		*dst = rk_vreg_scalar(rk_vs_unknown());
	}

	if (rk_vreg_is_ptr(dst) || rk_vreg_is_ptr(&src)) {
		if (!alu64)
			pointer_op_fail(v, i, rk_vreg_is_ptr(dst) ? d : insn->src_reg, op, false,
			                rk_vreg_is_ptr(dst) ? dst : &src);
		if (op == RK_ALU_ADD && rk_vreg_is_ptr(dst) && !rk_vreg_is_ptr(&src)) {
			pointer_add(v, i, dst, d, &src, use_reg ? insn->src_reg : -1, false);
			return;
		}
		if (op == RK_ALU_ADD && !rk_vreg_is_ptr(dst) && rk_vreg_is_ptr(&src)) {
			struct rk_vreg scalar = *dst;
			*dst = src;
			pointer_add(v, i, dst, d, &scalar, d, false);
			return;
		}
		if (op == RK_ALU_SUB && rk_vreg_is_ptr(dst) && !rk_vreg_is_ptr(&src)) {
			pointer_add(v, i, dst, d, &src, use_reg ? insn->src_reg : -1, true);
			return;
		}
		if (op == RK_ALU_SUB && rk_vreg_is_ptr(dst) && rk_vreg_is_ptr(&src) &&
		    same_object(dst, &src)) {
			/* The distance between two pointers into one object is a number. */
			struct rk_vs num = rk_vs_alu(RK_ALU_SUB, true, 0, 0, false, &dst->num, &src.num);
			*dst = fresh_scalar(v, num, i);
			return;
		}
		pointer_op_fail(v, i, rk_vreg_is_ptr(dst) ? d : insn->src_reg, op, alu64,
		                rk_vreg_is_ptr(dst) ? dst : &src);
	}

	/* Scalars. */
	int64_t k = 0;
	bool shift_sym = (op == RK_ALU_ADD || op == RK_ALU_SUB) && rk_vs_is_const(&src.num) &&
	                 dst->sym != 0;
	if (shift_sym) {
		k = (int64_t)src.num.umin;
		if (!alu64)
			k = (int32_t)(uint32_t)k;
		if (op == RK_ALU_SUB)
			k = rk_vwrap_sub(0, k);
		if (!alu64 && !sym_shift_alu32(dst, k))
			shift_sym = false;
	}
	uint32_t sym = dst->sym;
	int64_t sym_off = dst->sym_off;
	struct rk_vs num = rk_vs_alu(op, alu64, insn->off, insn->imm,
	                             RK_SRC(insn->code) == RK_END_TO_BE || alu64, &dst->num,
	                             &src.num);
	*dst = fresh_scalar(v, num, i);
	if (shift_sym) {
		dst->sym = sym;
		dst->sym_off = rk_vwrap_add(sym_off, k);
	}
}

static void lddw(struct rk_verifier *v, size_t i, struct rk_vstate *state)
{
	const struct rk_insn *insn = &v->insns[i];
	struct rk_vreg *dst = &rk_vcur(state)->regs[insn->dst_reg];
	const struct rk_prog_meta *meta = &v->prog->meta;
	const struct rk_map_ref *ref = NULL;
	size_t low = 0, high = meta->map_ref_count;
	while (low < high) {
		size_t mid = (low + high) / 2;
		if (meta->map_refs[mid].insn < i)
			low = mid + 1;
		else
			high = mid;
	}
	if (low < meta->map_ref_count && meta->map_refs[low].insn == i)
		ref = &meta->map_refs[low];
	if (!ref) {
		uint64_t value = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
		*dst = rk_vreg_scalar(rk_vs_const(value));
		dst->origin = (uint32_t)i;
		return;
	}
	if (ref->kind == RK_PSEUDO_CODE_ADDR) {
		*dst = (struct rk_vreg){.type = RK_VT_FUNC, .aux = ref->off, .origin = (uint32_t)i,
		                        .num = rk_vs_const(0)};
		return;
	}
	uint32_t index = 0;
	while (index < v->map_count && v->maps[index] != ref->map)
		index++;
	const struct rk_map_def *def = rk_map_def(ref->map);
	if (ref->kind == RK_PSEUDO_MAP_VAL) {
		*dst = (struct rk_vreg){.type = RK_VT_MAP_VALUE, .aux = index,
		                        .num = rk_vs_const(ref->off), .origin = (uint32_t)i,
		                        .id = RK_VID_GLOBAL_DATA + index};
		if (def->map_flags & (1u << 7)) /* BPF_F_RDONLY_PROG: .rodata */
			dst->flags |= RK_VF_READONLY;
		return;
	}
	*dst = (struct rk_vreg){.type = RK_VT_MAP_PTR, .aux = index, .origin = (uint32_t)i,
	                        .num = rk_vs_const(0)};
}

/* ---- conditional jumps -------------------------------------------------- */

struct shift_arg {
	struct rk_vs num;   /* the refined value of the symbol + base_off */
	int64_t base_off;
};

/* A register equal to the refined one plus (its sym_off - base_off) narrows too. */
static void narrow_equal(struct rk_vreg *reg, void *arg)
{
	struct shift_arg *shift = arg;
	if (reg->type != RK_VT_SCALAR)
		return;
	int64_t delta = rk_vwrap_sub(reg->sym_off, shift->base_off);
	struct rk_vs k = rk_vs_const((uint64_t)delta);
	struct rk_vs shifted = rk_vs_alu(RK_ALU_ADD, true, 0, 0, false, &shift->num, &k);
	/* Intersect by refining with equality against the shifted value. */
	struct rk_vs other = shifted;
	struct rk_vs mine = reg->num;
	if (rk_vs_refine(RK_JMP_JEQ, false, true, &mine, &other))
		reg->num = mine;
}

static void refine_scalar(struct rk_vstate *state, struct rk_vreg *reg)
{
	if (!reg->sym)
		return;
	struct shift_arg shift = {.num = reg->num, .base_off = reg->sym_off};
	rk_vstate_each_sym(state, reg->sym, narrow_equal, &shift);
}

static void mark_null(struct rk_vreg *reg, void *arg)
{
	(void)arg;
	uint32_t origin = reg->origin;
	*reg = rk_vreg_scalar(rk_vs_const(0));
	reg->origin = origin;
}

static void mark_not_null(struct rk_vreg *reg, void *arg)
{
	(void)arg;
	/* The id stays: it names the object (same_object) as well as the NULL check. */
	reg->flags &= (uint8_t)~RK_VF_MAYBE_NULL;
}

/* Which edge of "ptr OP 0" is the NULL one: JEQ taken, JNE fall-through. */
static void null_check(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned r,
                       uint8_t op, struct rk_vstep *out)
{
	struct rk_vreg *reg = &rk_vcur(state)->regs[r];
	bool maybe_null = reg->flags & RK_VF_MAYBE_NULL;
	struct rk_vstate *taken = NULL, *fall = NULL;
	if (!maybe_null) {
		/* Never NULL: only the "not NULL" edge exists. */
		if (op == RK_JMP_JNE)
			taken = state;
		else
			fall = state;
	} else {
		uint32_t id = reg->id;
		bool ringbuf = reg->flags & RK_VF_RINGBUF;
		struct rk_vstate *null_state = rk_vstate_copy(v, state);
		if (id) {
			rk_vstate_each_id(null_state, id, mark_null, NULL);
			rk_vstate_each_id(state, id, mark_not_null, NULL);
		} else {
			mark_null(&rk_vcur(null_state)->regs[r], NULL);
			mark_not_null(&rk_vcur(state)->regs[r], NULL);
		}
		if (ringbuf)
			rk_vstate_drop_ref(null_state, id);
		if (op == RK_JMP_JEQ)
			taken = null_state, fall = state;
		else
			taken = state, fall = null_state;
	}
	out->branch = taken;
	out->fallthrough = fall;
	(void)i;
}


static void cond_jump(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                      struct rk_vstep *out)
{
	const struct rk_insn *insn = &v->insns[i];
	uint8_t op = RK_OP(insn->code);
	bool jmp32 = RK_CLASS(insn->code) == RK_CLS_JMP32;
	bool use_reg = RK_SRC(insn->code) == RK_SRC_X;
	struct rk_vframe *frame = rk_vcur(state);
	struct rk_vreg *a = &frame->regs[insn->dst_reg];
	need_init(v, i, a, insn->dst_reg);
	struct rk_vreg b_imm = rk_vreg_scalar(rk_vs_const((uint64_t)(int64_t)insn->imm));
	struct rk_vreg *b = use_reg ? &frame->regs[insn->src_reg] : &b_imm;
	if (use_reg)
		need_init(v, i, b, insn->src_reg);
	out->target = (uint32_t)rk_insn_target(insn, i);

	bool a_ptr = rk_vreg_is_ptr(a), b_ptr = rk_vreg_is_ptr(b);
	if (a_ptr || b_ptr) {
		const struct rk_vreg *other = a_ptr ? b : a;
		unsigned ptr_r = a_ptr ? insn->dst_reg : insn->src_reg;
		if (a_ptr != b_ptr && other->type == RK_VT_SCALAR && rk_vs_is_const(&other->num) &&
		    other->num.umin == 0 && !jmp32 && (op == RK_JMP_JEQ || op == RK_JMP_JNE)) {
			null_check(v, i, state, ptr_r, op, out);
			return;
		}
		if (a_ptr && b_ptr && same_object(a, b) && !jmp32 && op != RK_JMP_JSET) {
			/* Offsets into one object compare like the addresses - as signed
			 * numbers: a stack offset is negative, its address is not. */
			op = op == RK_JMP_JGT ? RK_JMP_JSGT : op == RK_JMP_JGE ? RK_JMP_JSGE
			   : op == RK_JMP_JLT ? RK_JMP_JSLT : op == RK_JMP_JLE ? RK_JMP_JSLE : op;
			struct rk_vstate *taken = rk_vstate_copy(v, state);
			struct rk_vframe *tf = rk_vcur(taken);
			struct rk_vs ta = tf->regs[insn->dst_reg].num, tb = tf->regs[insn->src_reg].num;
			struct rk_vs fa = a->num, fb = b->num;
			bool can_take = rk_vs_refine(op, false, true, &ta, &tb);
			bool can_fall = rk_vs_refine(op, false, false, &fa, &fb);
			if (can_take && insn->dst_reg != insn->src_reg) {
				tf->regs[insn->dst_reg].num = ta;
				tf->regs[insn->src_reg].num = tb;
			}
			if (can_fall && insn->dst_reg != insn->src_reg) {
				a->num = fa;
				b->num = fb;
			}
			rk_vloop_hint(v, i, a, b);
			out->branch = can_take ? taken : (rk_vstate_free(v, taken), NULL);
			out->fallthrough = can_fall ? state : (rk_vstate_free(v, state), NULL);
			return;
		}
		char value[160];
		rk_vreg_format(v, a_ptr ? a : b, value, sizeof(value));
		rk_vfail(v, i,
		         "comparing pointer %s (%s) with %s would reveal the daemon's addresses; "
		         "pointers may only be compared with 0 (NULL) or with pointers into the same "
		         "object",
		         rk_vreg_name(ptr_r), value,
		         jmp32 ? "32 bits of something" : "a number or another object");
	}

	rk_vloop_hint(v, i, a, b);
	struct rk_vstate *taken = rk_vstate_copy(v, state);
	struct rk_vframe *tf = rk_vcur(taken);
	struct rk_vreg *ta = &tf->regs[insn->dst_reg];
	struct rk_vreg tb_imm = b_imm;
	struct rk_vreg *tb = use_reg ? &tf->regs[insn->src_reg] : &tb_imm;
	bool same = use_reg && insn->dst_reg == insn->src_reg;
	bool can_take, can_fall;
	if (same) {
		struct rk_vs x = a->num, y = a->num;
		can_take = rk_vs_refine(op, jmp32, true, &x, &y);
		x = a->num, y = a->num;
		can_fall = rk_vs_refine(op, jmp32, false, &x, &y);
	} else {
		can_take = rk_vs_refine(op, jmp32, true, &ta->num, &tb->num);
		can_fall = rk_vs_refine(op, jmp32, false, &a->num, &b->num);
		if (can_take) {
			refine_scalar(taken, ta);
			if (use_reg)
				refine_scalar(taken, tb);
		}
		if (can_fall) {
			refine_scalar(state, a);
			if (use_reg)
				refine_scalar(state, b);
		}
	}
	out->branch = can_take ? taken : (rk_vstate_free(v, taken), NULL);
	out->fallthrough = can_fall ? state : (rk_vstate_free(v, state), NULL);
}

/* ---- exit ------------------------------------------------------------- */

static void do_exit(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                    struct rk_vstep *out)
{
	struct rk_vframe *frame = rk_vcur(state);
	struct rk_vreg *r0 = &frame->regs[0];
	if (r0->type == RK_VT_UNINIT)
		rk_vfail(v, i, "r0 is not set at exit; return a value");
	need_init(v, i, r0, 0);
	if (rk_vreg_is_ptr(r0)) {
		char value[160];
		rk_vreg_format(v, r0, value, sizeof(value));
		rk_vfail(v, i, "returning pointer r0 (%s) would reveal the daemon's addresses", value);
	}
	if (frame->callback && (r0->num.smin < 0 || r0->num.smax > 1)) {
		char value[160];
		rk_vreg_format(v, r0, value, sizeof(value));
		rk_vfail(v, i, "a bpf_loop callback must return 0 (continue) or 1 (stop); r0 is %s",
		         value);
	}
	if (state->frame_count == 1 && state->ref_count)
		rk_vfail(v, i,
		         "the ring-buffer record reserved at insn %u is neither submitted nor "
		         "discarded on this path; call bpf_ringbuf_submit or bpf_ringbuf_discard "
		         "before returning",
		         state->ref_insn[0]);
	out->is_return = true;
	out->fallthrough = state;
}

void rk_vstep(struct rk_verifier *v, size_t i, struct rk_vstate *state, struct rk_vstep *out)
{
	const struct rk_insn *insn = &v->insns[i];
	uint8_t cls = RK_CLASS(insn->code);
	out->fallthrough = state;
	switch (cls) {
	case RK_CLS_ALU:
	case RK_CLS_ALU64:
		alu(v, i, state);
		return;
	case RK_CLS_LD:
		lddw(v, i, state);
		return;
	case RK_CLS_LDX:
		rk_vload(v, i, state, insn->dst_reg, insn->src_reg, insn->off,
		         (unsigned[]){4, 2, 1, 8}[RK_SIZE(insn->code) >> 3],
		         RK_MODE(insn->code) == RK_MODE_MEMSX);
		return;
	case RK_CLS_ST: {
		struct rk_vreg imm = rk_vreg_scalar(rk_vs_const((uint64_t)(int64_t)insn->imm));
		rk_vstore(v, i, state, insn->dst_reg, insn->off,
		          (unsigned[]){4, 2, 1, 8}[RK_SIZE(insn->code) >> 3], &imm, -1);
		return;
	}
	case RK_CLS_STX:
		if (RK_MODE(insn->code) == RK_MODE_ATOMIC) {
			rk_vatomic(v, i, state);
			return;
		}
		need_init(v, i, &rk_vcur(state)->regs[insn->src_reg], insn->src_reg);
		rk_vstore(v, i, state, insn->dst_reg, insn->off,
		          (unsigned[]){4, 2, 1, 8}[RK_SIZE(insn->code) >> 3],
		          &rk_vcur(state)->regs[insn->src_reg], insn->src_reg);
		return;
	}
	/* Jumps. */
	uint8_t op = RK_OP(insn->code);
	if (op == RK_JMP_JA) {
		out->fallthrough = NULL;
		out->branch = state;
		out->target = (uint32_t)rk_insn_target(insn, i);
		return;
	}
	if (op == RK_JMP_EXIT) {
		do_exit(v, i, state, out);
		return;
	}
	if (op == RK_JMP_CALL) {
		if (insn->src_reg == RK_CALL_LOCAL) {
			rk_vcall_local(v, i, &state);
		} else if (insn->src_reg == RK_CALL_HELPER && RK_SRC(insn->code) == RK_SRC_K) {
			rk_vcall_helper(v, i, &state);
		} else {
			rk_vfail(v, i,
			         "callx (a call through a register) cannot be verified; call helpers by "
			         "their id");
		}
		out->fallthrough = state;
		return;
	}
	cond_jump(v, i, state, out);
}
