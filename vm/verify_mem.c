/*
 * verify_mem.c - loads, stores and atomics: is every byte a program can
 * touch inside an object it may touch, with the permission it needs, and
 * initialised when it is read?
 *
 * An access through a pointer covers [num.smin + off, num.smax + off + size)
 * of its object: the range of every address the pointer may hold.  The
 * stack is tracked byte by byte (initialised or not) plus "spills": a
 * register stored whole at a constant offset is remembered, so loading it
 * back gives the same abstract value (a pointer stays a pointer).  Bytes
 * that held a pointer never read back as a number.
 */
#include <stdio.h>
#include <string.h>

#include "verify_internal.h"

struct access {
	int64_t lo, hi;   /* [lo, hi): every byte possibly touched, relative to the base */
	bool constant;    /* lo is the one offset */
};

static struct access access_range(const struct rk_vreg *ptr, int64_t off, uint64_t size_max)
{
	return (struct access){.lo = ptr->num.smin + off,
	                       .hi = ptr->num.smax + off + (int64_t)size_max,
	                       .constant = rk_vs_is_const(&ptr->num)};
}

static void describe(const struct rk_verifier *v, unsigned r, const struct rk_vreg *reg,
                     char *buf, size_t len)
{
	char value[160];
	rk_vreg_format(v, reg, value, sizeof(value));
	snprintf(buf, len, "%s (%s)", rk_vreg_name(r), value);
}

/* The pointer itself must be usable for memory access. */
static void need_pointer(struct rk_verifier *v, size_t i, unsigned r, const struct rk_vreg *reg,
                         const char *verb)
{
	if ((reg->type == RK_VT_CTX || reg->type == RK_VT_STACK || reg->type == RK_VT_MAP_VALUE ||
	     reg->type == RK_VT_MEM) &&
	    !(reg->flags & RK_VF_MAYBE_NULL))
		return; /* the usual case: nothing to say (formatting costs, even unused) */
	char who[200];
	describe(v, r, reg, who, sizeof(who));
	switch (reg->type) {
	case RK_VT_UNINIT:
		rk_vfail(v, i, "%s through %s, which is read before it is written", verb,
		         rk_vreg_name(r));
	case RK_VT_CONFLICT:
		rk_vfail(v, i,
		         "%s through %s, which holds different kinds of value on paths that join "
		         "before here",
		         verb, rk_vreg_name(r));
	case RK_VT_SCALAR:
		if (rk_vs_is_const(&reg->num) && reg->num.umin == 0)
			rk_vfail(v, i,
			         "%s through %s, which is NULL here (a failed lookup on this path?)",
			         verb, rk_vreg_name(r));
		rk_vfail(v, i, "%s through %s: a number is not a pointer", verb, who);
	case RK_VT_MAP_PTR:
		rk_vfail(v, i,
		         "%s through %s: a map reference is not a pointer to its values; use "
		         "bpf_map_lookup_elem",
		         verb, who);
	case RK_VT_FUNC:
		rk_vfail(v, i, "%s through %s: the address of a function is not data", verb, who);
	default:
		break;
	}
	if (reg->flags & RK_VF_MAYBE_NULL) {
		const char *source = "the helper that returned it";
		const struct rk_insn *call = reg->origin < v->insn_count ? &v->insns[reg->origin] : NULL;
		if (call && call->code == RK_OP_CALL && call->src_reg == RK_CALL_HELPER) {
			const struct rk_helper_proto *proto =
				rk_helpers_proto(v->prog->helpers, (uint32_t)call->imm);
			if (proto && proto->name)
				source = proto->name;
		}
		rk_vfail(v, i,
		         "%s may be NULL here; check the result of %s (insn %u) before "
		         "dereferencing it",
		         rk_vreg_name(r), source, reg->origin);
	}
}

static void out_of_bounds(struct rk_verifier *v, size_t i, unsigned r, const struct rk_vreg *reg,
                          const struct access *acc, int64_t off, uint64_t size, int64_t limit_lo,
                          int64_t limit_hi, const char *object, const char *verb)
{
	char who[200];
	describe(v, r, reg, who, sizeof(who));
	if (acc->constant)
		rk_vfail(v, i,
		         "%s of %llu bytes at offset %lld of %s (%lld..%lld valid) is out of bounds "
		         "(through %s%+lld)",
		         verb, (unsigned long long)size, (long long)acc->lo, object,
		         (long long)limit_lo, (long long)limit_hi, who, (long long)off);
	rk_vfail(v, i,
	         "%s of %llu bytes through %s%+lld may touch offsets %lld..%lld of %s, but only "
	         "%lld..%lld are valid; bound the offset with a comparison first",
	         verb, (unsigned long long)size, who, (long long)off, (long long)acc->lo,
	         (long long)acc->hi - 1, object, (long long)limit_lo, (long long)limit_hi);
}

/* ---- the stack -------------------------------------------------------- */

/* Forget what was spilled in [lo, hi) of frame; pointer bytes become unreadable. */
static void clobber_spills(struct rk_vstate *state, unsigned frame, int64_t lo, int64_t hi,
                           int64_t keep_lo, int64_t keep_hi)
{
	for (size_t k = 0; k < state->spill_count;) {
		struct rk_vspill *spill = &state->spills[k];
		if (spill->frame != frame || spill->off + spill->size <= lo || spill->off >= hi) {
			k++;
			continue;
		}
		if (rk_vreg_is_ptr(&spill->reg)) {
			/* The bytes the new store does not overwrite still hold address bits. */
			for (int off = spill->off; off < spill->off + spill->size; off++)
				if (off < keep_lo || off >= keep_hi)
					rk_vstack_set_init(&state->frames[frame], off, off + 1, false);
		}
		rk_vspill_remove_at(state, k);
	}
}

/*
 * The frame a stack pointer points into.  Frames are indexed by depth, and a
 * popped frame's index is gone (or reused by the next call): a pointer to a
 * frame that has returned must never exist, which stack_store() ensures by
 * refusing to store a frame's address anywhere that outlives it.  Checked
 * again here so that a hole in that rule is a rejection, not a read past
 * the frame array.
 */
static struct rk_vframe *stack_frame(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                                     const struct rk_vreg *ptr)
{
	if (ptr->aux >= state->frame_count)
		rk_vfail(v, i, "internal: a pointer into stack frame %u, but only %u frames are live",
		         ptr->aux, state->frame_count);
	return &state->frames[ptr->aux];
}

static bool fits(const struct rk_vs *num, unsigned size)
{
	return size == 8 || num->umax < (1ull << (8 * size));
}

static void stack_load(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned dst,
                       unsigned r, const struct rk_vreg *ptr, const struct access *acc,
                       unsigned size, bool sign_extend)
{
	struct rk_vframe *frame = stack_frame(v, i, state, ptr);
	if (!rk_vstack_is_init(frame, (int)acc->lo, (int)acc->hi)) {
		int first = (int)acc->lo;
		while (rk_vstack_is_init(frame, first, first + 1))
			first++;
		rk_vfail(v, i,
		         "read of %u bytes at fp%+lld: byte fp%d is not initialised; write it before "
		         "reading it (through %s)",
		         size, (long long)acc->lo, first, rk_vreg_name(r));
	}
	struct rk_vreg value = rk_vreg_scalar(rk_vs_sized(size));
	for (size_t k = 0; k < state->spill_count; k++) {
		const struct rk_vspill *spill = &state->spills[k];
		if (spill->frame != ptr->aux || spill->off + spill->size <= acc->lo ||
		    spill->off >= acc->hi)
			continue;
		bool exact = acc->constant && spill->off == acc->lo && spill->size == size;
		if (exact) {
			value = spill->reg;
			break;
		}
		if (rk_vreg_is_ptr(&spill->reg))
			rk_vfail(v, i,
			         "read of %u bytes at fp%+lld covers part of a pointer spilled at fp%d; "
			         "a pointer can only be loaded back whole (8 bytes)",
			         size, (long long)acc->lo, spill->off);
	}
	if (value.type == RK_VT_SCALAR && sign_extend && size < 8)
		value.num = rk_vs_sext(&value.num, size), value.sym = 0;
	else if (value.type == RK_VT_SCALAR && !rk_vs_is_const(&value.num) && !value.sym)
		value.sym = ++v->next_sym;
	value.origin = (uint32_t)i;
	rk_vcur(state)->regs[dst] = value;
}

static void stack_store(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                        const struct rk_vreg *ptr, const struct access *acc, unsigned size,
                        const struct rk_vreg *value, int value_reg)
{
	struct rk_vframe *frame = stack_frame(v, i, state, ptr);
	bool is_ptr = value && rk_vreg_is_ptr(value);
	if (is_ptr && value->type == RK_VT_STACK && value->aux > ptr->aux) {
		/* Frame value->aux ends when its function returns; frame ptr->aux (a
		 * caller's) lives on, and would hold the address of a dead frame. */
		char who[200];
		describe(v, (unsigned)value_reg, value, who, sizeof(who));
		rk_vfail(v, i,
		         "storing pointer %s in the stack of frame %u (a caller's): it points into "
		         "frame %u, which ends when its function returns; a function's stack "
		         "address may only be stored in its own frame or deeper ones",
		         who, ptr->aux, value->aux);
	}
	if (!acc->constant) {
		if (is_ptr)
			rk_vfail(v, i,
			         "storing pointer %s at a variable stack offset: spill pointers at "
			         "constant offsets",
			         rk_vreg_name((unsigned)value_reg));
		/* Any of these bytes may change; none is known written. */
		clobber_spills(state, ptr->aux, acc->lo, acc->hi, 0, 0);
		return;
	}
	if (is_ptr && (size != 8 || acc->lo % 8 != 0))
		rk_vfail(v, i,
		         "storing pointer %s in %u bytes at fp%+lld: a pointer is spilled whole, "
		         "8 bytes at an 8-byte aligned offset",
		         rk_vreg_name((unsigned)value_reg), size, (long long)acc->lo);
	clobber_spills(state, ptr->aux, acc->lo, acc->hi, acc->lo, acc->hi);
	rk_vstack_set_init(frame, (int)acc->lo, (int)acc->hi, true);
	if (!value)
		return;
	if (is_ptr || fits(&value->num, size)) {
		rk_vspill_add(v, state, ptr->aux, (int)acc->lo, size, value);
	} else if (rk_vs_is_const(&value->num)) {
		uint64_t mask = (1ull << (8 * size)) - 1;
		struct rk_vreg truncated = rk_vreg_scalar(rk_vs_const(value->num.umin & mask));
		rk_vspill_add(v, state, ptr->aux, (int)acc->lo, size, &truncated);
	}
}

/* ---- one access, any object ------------------------------------------- */

enum access_kind { ACC_READ, ACC_WRITE, ACC_ATOMIC };

/* The bounds and permissions of what ptr points to; fails if the access is not allowed. */
/* What ptr points to, for messages (only formatted when an access fails). */
static void object_name(const struct rk_verifier *v, const struct rk_vreg *ptr, char *buf,
                        size_t len)
{
	switch (ptr->type) {
	case RK_VT_CTX:
		snprintf(buf, len, "the context (%s, %u bytes)", v->ctx->name, v->ctx->size);
		break;
	case RK_VT_STACK:
		snprintf(buf, len, "the stack frame");
		break;
	case RK_VT_MAP_VALUE:
		snprintf(buf, len, "a value of map '%s' (%u bytes)", rk_vmap_name(v, ptr->aux),
		         rk_map_def(v->maps[ptr->aux])->value_size);
		break;
	default:
		snprintf(buf, len, "the %s (%u bytes)",
		         ptr->flags & RK_VF_RINGBUF ? "ring-buffer record" : "memory", ptr->aux);
		break;
	}
}

static bool ctx_writable(const struct rk_verifier *v, const struct access *acc)
{
	for (size_t k = 0; k < v->ctx->writable_count; k++) {
		const struct rk_ctx_range *w = &v->ctx->writable[k];
		if (acc->lo >= w->off && acc->hi <= (int64_t)w->off + w->len)
			return true;
	}
	return false;
}

/* The bounds and permissions of what ptr points to; fails if the access is not allowed. */
static void check_object(struct rk_verifier *v, size_t i, unsigned r, const struct rk_vreg *ptr,
                         int64_t off, uint64_t size, const struct access *acc,
                         enum access_kind kind)
{
	const char *verb = kind == ACC_READ ? "read" : kind == ACC_WRITE ? "write" : "atomic";
	int64_t lo = 0, limit = 0;
	bool writable = !(ptr->flags & RK_VF_READONLY);
	switch (ptr->type) {
	case RK_VT_CTX:
		if (!v->ctx)
			rk_vfail(v, i, "this program has no context");
		limit = v->ctx->size;
		break;
	case RK_VT_STACK:
		lo = -RK_STACK_SIZE;
		break;
	case RK_VT_MAP_VALUE:
		limit = rk_map_def(v->maps[ptr->aux])->value_size;
		break;
	case RK_VT_MEM:
		limit = ptr->aux;
		break;
	default:
		need_pointer(v, i, r, ptr, verb);
	}
	if (acc->lo < lo || acc->hi > limit) {
		char object[128];
		object_name(v, ptr, object, sizeof(object));
		out_of_bounds(v, i, r, ptr, acc, off, size, lo, limit - 1, object, verb);
	}
	if (ptr->type == RK_VT_CTX) {
		if (kind == ACC_ATOMIC)
			rk_vfail(v, i, "atomic operations on the context are not allowed");
		if (kind == ACC_WRITE && !ctx_writable(v, acc))
			rk_vfail(v, i,
			         "write to bytes %lld..%lld of the context (%s): that part is read-only",
			         (long long)acc->lo, (long long)acc->hi - 1, v->ctx->name);
		return;
	}
	if (kind != ACC_READ && !writable) {
		char object[128];
		object_name(v, ptr, object, sizeof(object));
		rk_vfail(v, i, "%s to %s: it is read-only for programs", verb, object);
	}
}

void rk_vload(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned dst,
              unsigned ptr_reg, int16_t off, unsigned size, bool sign_extend)
{
	struct rk_vreg ptr = rk_vcur(state)->regs[ptr_reg];
	need_pointer(v, i, ptr_reg, &ptr, "read");
	struct access acc = access_range(&ptr, off, size);
	check_object(v, i, ptr_reg, &ptr, off, size, &acc, ACC_READ);
	if (ptr.type == RK_VT_STACK) {
		stack_load(v, i, state, dst, ptr_reg, &ptr, &acc, size, sign_extend);
		return;
	}
	struct rk_vreg value = rk_vreg_scalar(rk_vs_sized(size));
	if (sign_extend && size < 8)
		value.num = rk_vs_sext(&value.num, size);
	if (ptr.type == RK_VT_CTX) {
		for (size_t k = 0; k < v->ctx->ptr_field_count; k++) {
			const struct rk_ctx_ptr_field *field = &v->ctx->ptr_fields[k];
			if (acc.hi <= field->off || acc.lo >= (int64_t)field->off + 8)
				continue;
			if (!acc.constant || acc.lo != field->off || size != 8)
				rk_vfail(v, i,
				         "read of %u bytes at offset %lld of the context covers part of the "
				         "pointer field '%s' (offset %u); load it whole, 8 bytes",
				         size, (long long)acc.lo, field->name ? field->name : "?",
				         field->off);
			value = (struct rk_vreg){.type = RK_VT_MEM, .aux = field->mem_size,
			                         .id = ++v->next_id,
			                         .num = rk_vs_const(0),
			                         .flags = field->writable ? 0 : RK_VF_READONLY};
		}
	}
	if (value.type == RK_VT_SCALAR)
		value.sym = ++v->next_sym;
	value.origin = (uint32_t)i;
	rk_vcur(state)->regs[dst] = value;
}

void rk_vstore(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned ptr_reg,
               int16_t off, unsigned size, const struct rk_vreg *value, int value_reg)
{
	struct rk_vreg ptr = rk_vcur(state)->regs[ptr_reg];
	struct rk_vreg stored = *value;
	need_pointer(v, i, ptr_reg, &ptr, "write");
	struct access acc = access_range(&ptr, off, size);
	check_object(v, i, ptr_reg, &ptr, off, size, &acc, ACC_WRITE);
	if (ptr.type == RK_VT_STACK) {
		stack_store(v, i, state, &ptr, &acc, size, &stored, value_reg);
		return;
	}
	if (rk_vreg_is_ptr(&stored)) {
		char who[200];
		describe(v, (unsigned)value_reg, &stored, who, sizeof(who));
		rk_vfail(v, i,
		         "storing pointer %s outside the stack would reveal the daemon's "
		         "addresses; only numbers may be written to maps, records and the context",
		         who);
	}
}

void rk_vatomic(struct rk_verifier *v, size_t i, struct rk_vstate *state)
{
	const struct rk_insn *insn = &v->insns[i];
	unsigned size = RK_SIZE(insn->code) == RK_SIZE_DW ? 8 : 4;
	struct rk_vframe *frame = rk_vcur(state);
	struct rk_vreg ptr = frame->regs[insn->dst_reg];
	struct rk_vreg *src = &frame->regs[insn->src_reg];
	need_pointer(v, i, insn->dst_reg, &ptr, "atomic");
	if (src->type == RK_VT_UNINIT || src->type == RK_VT_CONFLICT)
		rk_vfail(v, i, "%s is read before it is written", rk_vreg_name(insn->src_reg));
	if (rk_vreg_is_ptr(src))
		rk_vfail(v, i, "atomic operation with pointer %s would reveal the daemon's addresses",
		         rk_vreg_name(insn->src_reg));
	bool cmpxchg = insn->imm == RK_ATOMIC_CMPXCHG;
	if (cmpxchg) {
		if (frame->regs[0].type != RK_VT_SCALAR)
			rk_vfail(v, i, "cmpxchg compares with r0, which must hold a number");
	}
	struct access acc = access_range(&ptr, insn->off, size);
	check_object(v, i, insn->dst_reg, &ptr, insn->off, size, &acc, ACC_ATOMIC);
	/* Atomics must be aligned: the base (stack, map value, record) is 8-aligned. */
	struct rk_vs k = rk_vs_const((uint64_t)(int64_t)insn->off);
	struct rk_vs addr = rk_vs_alu(RK_ALU_ADD, true, 0, 0, false, &ptr.num, &k);
	if (((addr.tval | addr.tmask) & (size - 1)) != 0)
		rk_vfail(v, i, "atomic operation of %u bytes at a possibly misaligned offset (%lld)",
		         size, (long long)acc.lo);
	if (ptr.type == RK_VT_STACK) {
		if (!acc.constant)
			rk_vfail(v, i, "atomic operation on the stack at a variable offset");
		struct rk_vframe *target = stack_frame(v, i, state, &ptr);
		if (!rk_vstack_is_init(target, (int)acc.lo, (int)acc.hi))
			rk_vfail(v, i, "atomic operation on stack bytes fp%+lld that are not initialised",
			         (long long)acc.lo);
		for (size_t s = 0; s < state->spill_count; s++) {
			const struct rk_vspill *spill = &state->spills[s];
			if (spill->frame == ptr.aux && spill->off < acc.hi &&
			    spill->off + spill->size > acc.lo && rk_vreg_is_ptr(&spill->reg))
				rk_vfail(v, i, "atomic operation on a pointer spilled at fp%d", spill->off);
		}
		clobber_spills(state, ptr.aux, acc.lo, acc.hi, acc.lo, acc.hi);
	}
	/* What comes back (fetch forms, xchg, cmpxchg) is a number we do not know. */
	if (cmpxchg)
		frame->regs[0] = rk_vreg_scalar(rk_vs_sized(size)), frame->regs[0].origin = (uint32_t)i;
	else if (insn->imm & RK_ATOMIC_FETCH)
		*src = rk_vreg_scalar(rk_vs_sized(size)), src->origin = (uint32_t)i;
}

void rk_vmem_arg(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned reg,
                 uint64_t size_min, uint64_t size_max, bool write, const char *what)
{
	struct rk_vreg ptr = rk_vcur(state)->regs[reg];
	need_pointer(v, i, reg, &ptr, what);
	if (size_max == 0)
		return;
	struct access acc = access_range(&ptr, 0, size_max);
	check_object(v, i, reg, &ptr, 0, size_max, &acc, write ? ACC_WRITE : ACC_READ);
	if (ptr.type == RK_VT_CTX) {
		/* A helper reads (or writes) the bytes raw: a pointer field among them
		 * would hand the daemon's address to the program (a ring-buffer record,
		 * a map key) or let it be overwritten.  Loads may take the field whole
		 * as a pointer; a helper cannot. */
		for (size_t k = 0; k < v->ctx->ptr_field_count; k++) {
			const struct rk_ctx_ptr_field *field = &v->ctx->ptr_fields[k];
			if (acc.hi <= field->off || acc.lo >= (int64_t)field->off + 8)
				continue;
			rk_vfail(v, i,
			         "%s: %s points to %llu bytes at offset %lld of the context, which %s "
			         "the pointer field '%s' (offset %u); a helper may not %s a pointer "
			         "field (load it whole, 8 bytes, and pass what it points to)",
			         what, rk_vreg_name(reg), (unsigned long long)size_max,
			         (long long)acc.lo, acc.constant ? "cover" : "may cover",
			         field->name ? field->name : "?", field->off, write ? "write" : "read");
		}
		return;
	}
	if (ptr.type != RK_VT_STACK)
		return;
	struct rk_vframe *frame = stack_frame(v, i, state, &ptr);
	if (write) {
		if (acc.constant) {
			clobber_spills(state, ptr.aux, acc.lo, acc.hi, acc.lo, acc.lo + (int64_t)size_min);
			rk_vstack_set_init(frame, (int)acc.lo, (int)(acc.lo + (int64_t)size_min), true);
		} else {
			clobber_spills(state, ptr.aux, acc.lo, acc.hi, 0, 0);
		}
		return;
	}
	if (!rk_vstack_is_init(frame, (int)acc.lo, (int)acc.hi)) {
		int first = (int)acc.lo;
		while (rk_vstack_is_init(frame, first, first + 1))
			first++;
		rk_vfail(v, i,
		         "%s: %s points to %llu bytes at fp%+lld, but byte fp%d is not initialised",
		         what, rk_vreg_name(reg), (unsigned long long)size_max, (long long)acc.lo, first);
	}
	for (size_t k = 0; k < state->spill_count; k++) {
		const struct rk_vspill *spill = &state->spills[k];
		if (spill->frame == ptr.aux && spill->off < acc.hi &&
		    spill->off + spill->size > acc.lo && rk_vreg_is_ptr(&spill->reg))
			rk_vfail(v, i,
			         "%s: the bytes at %s include a pointer spilled at fp%d; handing it to "
			         "a helper would reveal the daemon's addresses",
			         what, rk_vreg_name(reg), spill->off);
	}
}
