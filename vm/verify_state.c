/*
 * verify_state.c - abstract states: copy, join where paths meet, the
 * "contains" order a loop invariant is checked with, and printing.
 *
 * The one rule of joining: the result must describe every concrete state
 * either side describes.  Where that would need a claim neither side
 * supports (a pointer on one path, a number on the other), the register
 * becomes unusable (RK_VT_CONFLICT) rather than anything permissive, and
 * stack bytes that hold a pointer on only one side become uninitialised,
 * so that no path can read a pointer's bytes as a number.
 */
#include <stdio.h>
#include <string.h>

#include "verify_internal.h"

struct rk_vstate *rk_vstate_new(struct rk_verifier *v, uint32_t frame_count)
{
	struct rk_vstate *state = rk_valloc(v, sizeof(*state));
	state->frame_count = frame_count;
	state->frames = rk_valloc(v, frame_count * sizeof(*state->frames));
	return state;
}

struct rk_vstate *rk_vstate_copy(struct rk_verifier *v, const struct rk_vstate *state)
{
	struct rk_vstate *copy = rk_valloc(v, sizeof(*copy));
	*copy = *state;
	copy->frames = rk_valloc(v, state->frame_count * sizeof(*state->frames));
	memcpy(copy->frames, state->frames, state->frame_count * sizeof(*state->frames));
	copy->spills = NULL;
	copy->spill_cap = state->spill_count;
	if (state->spill_count) {
		copy->spills = rk_valloc(v, state->spill_count * sizeof(*state->spills));
		memcpy(copy->spills, state->spills, state->spill_count * sizeof(*state->spills));
	}
	return copy;
}

void rk_vstate_free(struct rk_verifier *v, struct rk_vstate *state)
{
	if (!state)
		return;
	rk_vfree(v, state->frames, state->frame_count * sizeof(*state->frames));
	rk_vfree(v, state->spills, state->spill_cap * sizeof(*state->spills));
	rk_vfree(v, state, sizeof(*state));
}

struct rk_vframe *rk_vcur(struct rk_vstate *state)
{
	return &state->frames[state->frame_count - 1];
}

struct rk_vreg rk_vreg_scalar(struct rk_vs num)
{
	return (struct rk_vreg){.num = num, .type = RK_VT_SCALAR};
}

struct rk_vreg rk_vreg_uninit(void)
{
	return (struct rk_vreg){.type = RK_VT_UNINIT};
}

bool rk_vreg_is_ptr(const struct rk_vreg *reg)
{
	return reg->type >= RK_VT_CTX;
}

/* ---- the stack's initialised-bytes bitmap ------------------------- */

static unsigned stack_bit(int off)
{
	return (unsigned)(off + RK_STACK_SIZE);
}

bool rk_vstack_is_init(const struct rk_vframe *frame, int from, int to)
{
	for (int off = from; off < to; off++) {
		unsigned bit = stack_bit(off);
		if (!(frame->init[bit / 64] >> (bit % 64) & 1))
			return false;
	}
	return true;
}

void rk_vstack_set_init(struct rk_vframe *frame, int from, int to, bool init)
{
	for (int off = from; off < to; off++) {
		unsigned bit = stack_bit(off);
		if (init)
			frame->init[bit / 64] |= 1ull << (bit % 64);
		else
			frame->init[bit / 64] &= ~(1ull << (bit % 64));
	}
}

/* ---- spills -------------------------------------------------------- */

struct rk_vspill *rk_vspill_find(struct rk_vstate *state, unsigned frame, int off)
{
	for (size_t k = 0; k < state->spill_count; k++)
		if (state->spills[k].frame == frame && state->spills[k].off == off)
			return &state->spills[k];
	return NULL;
}

void rk_vspill_remove_at(struct rk_vstate *state, size_t index)
{
	state->spills[index] = state->spills[--state->spill_count];
}

void rk_vspill_add(struct rk_verifier *v, struct rk_vstate *state, unsigned frame, int off,
                   unsigned size, const struct rk_vreg *reg)
{
	if (state->spill_count == state->spill_cap) {
		uint32_t cap = state->spill_cap ? state->spill_cap * 2 : 4;
		state->spills = rk_vrealloc(v, state->spills, state->spill_cap * sizeof(*state->spills),
		                            cap * sizeof(*state->spills));
		state->spill_cap = cap;
	}
	state->spills[state->spill_count++] = (struct rk_vspill){
		.off = (int16_t)off, .size = (uint8_t)size, .frame = (uint8_t)frame, .reg = *reg};
}

/* ---- symbols and ids ----------------------------------------------- */

/* Apply fn to every register and spill whose symbol (or id) is key. */
static void each_matching(struct rk_vstate *state, uint32_t key, bool by_sym,
                          void (*fn)(struct rk_vreg *reg, void *arg), void *arg)
{
	if (!key)
		return;
	for (uint32_t f = 0; f < state->frame_count; f++)
		for (unsigned r = 0; r < RK_REG_COUNT; r++) {
			struct rk_vreg *reg = &state->frames[f].regs[r];
			if ((by_sym ? reg->sym : reg->id) == key)
				fn(reg, arg);
		}
	for (size_t k = 0; k < state->spill_count; k++) {
		struct rk_vreg *reg = &state->spills[k].reg;
		if ((by_sym ? reg->sym : reg->id) == key)
			fn(reg, arg);
	}
}

void rk_vstate_each_sym(struct rk_vstate *state, uint32_t sym,
                        void (*fn)(struct rk_vreg *reg, void *arg), void *arg)
{
	each_matching(state, sym, true, fn, arg);
}

void rk_vstate_each_id(struct rk_vstate *state, uint32_t id,
                       void (*fn)(struct rk_vreg *reg, void *arg), void *arg)
{
	each_matching(state, id, false, fn, arg);
}

bool rk_vstate_drop_ref(struct rk_vstate *state, uint32_t id)
{
	for (uint32_t k = 0; k < state->ref_count; k++)
		if (state->refs[k] == id) {
			state->refs[k] = state->refs[state->ref_count - 1];
			state->ref_insn[k] = state->ref_insn[state->ref_count - 1];
			state->ref_count--;
			return true;
		}
	return false;
}

/* ---- join ----------------------------------------------------------- */

static bool is_null(const struct rk_vreg *reg)
{
	return reg->type == RK_VT_SCALAR && rk_vs_is_const(&reg->num) && reg->num.umin == 0;
}

static bool nullable(const struct rk_vreg *reg)
{
	return (reg->type == RK_VT_MAP_VALUE || reg->type == RK_VT_MEM) &&
	       !(reg->flags & RK_VF_RINGBUF);
}

static struct rk_vreg maybe_null(struct rk_verifier *v, const struct rk_vreg *ptr)
{
	struct rk_vreg out = *ptr;
	out.id = ++v->next_id; /* copies checked elsewhere are not this value */
	out.flags |= RK_VF_MAYBE_NULL;
	out.sym = 0, out.sym_off = 0;
	return out;
}

static struct rk_vreg reg_join(struct rk_verifier *v, const struct rk_vreg *a,
                               const struct rk_vreg *b)
{
	if (a->type == RK_VT_UNINIT || b->type == RK_VT_UNINIT)
		return rk_vreg_uninit();
	/* NULL on one path, a pointer on the other: a pointer that may be NULL. */
	if (is_null(a) && nullable(b))
		return maybe_null(v, b);
	if (is_null(b) && nullable(a))
		return maybe_null(v, a);
	if (a->type != b->type || a->type == RK_VT_CONFLICT ||
	    (rk_vreg_is_ptr(a) && (a->aux != b->aux ||
	                           (a->flags & ~RK_VF_MAYBE_NULL) != (b->flags & ~RK_VF_MAYBE_NULL))))
		return (struct rk_vreg){.type = RK_VT_CONFLICT, .origin = a->origin};
	struct rk_vreg out = *a;
	out.num = rk_vs_join(&a->num, &b->num);
	out.flags = a->flags | b->flags;
	if (a->sym != b->sym || a->sym_off != b->sym_off)
		out.sym = 0, out.sym_off = 0;
	if (a->id != b->id) {
		/* Different objects on the two paths: a new one, equal to no other. */
		out.id = ++v->next_id;
	}
	if (a->origin != b->origin && !(out.flags & RK_VF_MAYBE_NULL))
		out.origin = a->origin < b->origin ? a->origin : b->origin;
	return out;
}

static bool same_spill_place(const struct rk_vspill *a, const struct rk_vspill *b)
{
	return a->frame == b->frame && a->off == b->off && a->size == b->size;
}

/* Bytes of a pointer spill kept by one side only can no longer be read. */
static void forget_pointer_bytes(struct rk_vstate *state, const struct rk_vspill *spill)
{
	if (rk_vreg_is_ptr(&spill->reg))
		rk_vstack_set_init(&state->frames[spill->frame], spill->off,
		                   spill->off + spill->size, false);
}

static bool holds_ref(const struct rk_vstate *state, uint32_t id)
{
	for (uint32_t k = 0; k < state->ref_count; k++)
		if (state->refs[k] == id)
			return true;
	return false;
}

static void rename_id(struct rk_vreg *reg, void *arg)
{
	reg->id = *(const uint32_t *)arg;
}

/* The record in register r (or -1 - spill index) of state, or 0. */
static uint32_t record_at(const struct rk_vstate *state, int where)
{
	const struct rk_vreg *reg =
		where >= 0 ? &state->frames[state->frame_count - 1].regs[where]
		           : ((size_t)(-1 - where) < state->spill_count ? &state->spills[-1 - where].reg
		                                                      : NULL);
	return reg && reg->type == RK_VT_MEM && (reg->flags & RK_VF_RINGBUF) ? reg->id : 0;
}

/*
 * Two paths that each reserved a record (say, an inlined helper reached
 * from two places) meet holding different ids for what is, to the code
 * after the meeting point, the same record in the same register.  Give
 * from's record a's id so the join sees one record.
 */
static void unify_records(struct rk_verifier *v, struct rk_vstate *a, struct rk_vstate *from)
{
	(void)v;
	if (a->ref_count != from->ref_count)
		return;
	for (uint32_t k = 0; k < a->ref_count; k++) {
		uint32_t x = a->refs[k];
		if (holds_ref(from, x))
			continue;
		for (int where = 0; where < RK_REG_COUNT; where++) {
			if (record_at(a, where) != x)
				continue;
			uint32_t y = record_at(from, where);
			if (!y || holds_ref(a, y) || !holds_ref(from, y))
				continue;
			rk_vstate_each_id(from, y, rename_id, &x);
			for (uint32_t m = 0; m < from->ref_count; m++)
				if (from->refs[m] == y)
					from->refs[m] = x;
			break;
		}
	}
}

void rk_vstate_join(struct rk_verifier *v, struct rk_vstate **into, struct rk_vstate *from,
                    size_t at)
{
	if (!from)
		return;
	struct rk_vstate *a = *into;
	if (!a) {
		*into = from;
		return;
	}
	if (a->frame_count != from->frame_count)
		rk_vfail(v, at, "internal: paths with %u and %u call frames meet", a->frame_count,
		         from->frame_count);
	/* Ring-buffer records must be the same on every path that meets. */
	unify_records(v, a, from);
	bool refs_equal = a->ref_count == from->ref_count;
	for (uint32_t k = 0; refs_equal && k < a->ref_count; k++) {
		bool found = false;
		for (uint32_t m = 0; m < from->ref_count; m++)
			found |= from->refs[m] == a->refs[k];
		refs_equal = found;
	}
	if (!refs_equal) {
		uint32_t insn = a->ref_count ? a->ref_insn[0] : from->ref_insn[0];
		rk_vfail(v, at,
		         "the ring-buffer record reserved at insn %u is submitted or discarded on one "
		         "path but not on another that joins it here; release it on every path "
		         "before they meet",
		         insn);
	}
	if (from->cost > a->cost)
		a->cost = from->cost;
	for (uint32_t f = 0; f < a->frame_count; f++) {
		struct rk_vframe *fa = &a->frames[f];
		const struct rk_vframe *fb = &from->frames[f];
		for (unsigned r = 0; r < RK_REG_COUNT; r++)
			fa->regs[r] = reg_join(v, &fa->regs[r], &fb->regs[r]);
		for (unsigned w = 0; w < RK_VSTACK_WORDS; w++)
			fa->init[w] &= fb->init[w];
	}
	/* Spills: keep those at the same place on both sides. */
	for (size_t k = 0; k < a->spill_count;) {
		struct rk_vspill *sa = &a->spills[k];
		const struct rk_vspill *match = NULL;
		for (size_t m = 0; m < from->spill_count && !match; m++)
			if (same_spill_place(sa, &from->spills[m]))
				match = &from->spills[m];
		if (match) {
			struct rk_vspill before = *sa; /* the join below overwrites what it held */
			sa->reg = reg_join(v, &sa->reg, &match->reg);
			if (sa->reg.type == RK_VT_CONFLICT || sa->reg.type == RK_VT_UNINIT) {
				forget_pointer_bytes(a, &before);
				forget_pointer_bytes(a, match);
				rk_vspill_remove_at(a, k);
				continue;
			}
			k++;
		} else {
			forget_pointer_bytes(a, sa);
			rk_vspill_remove_at(a, k);
		}
	}
	for (size_t m = 0; m < from->spill_count; m++) {
		bool kept = false;
		for (size_t k = 0; k < a->spill_count && !kept; k++)
			kept = same_spill_place(&a->spills[k], &from->spills[m]);
		if (!kept)
			forget_pointer_bytes(a, &from->spills[m]);
	}
	rk_vstate_free(v, from);
}

/* ---- contains -------------------------------------------------------- */

static bool reg_contains(const struct rk_vreg *outer, const struct rk_vreg *inner)
{
	if (outer->type == RK_VT_UNINIT || outer->type == RK_VT_CONFLICT)
		return true; /* outer promises nothing */
	if ((outer->flags & RK_VF_MAYBE_NULL) && is_null(inner) && !outer->sym)
		return true;
	if (outer->type != inner->type)
		return false;
	if (outer->sym && (outer->sym != inner->sym || outer->sym_off != inner->sym_off))
		return false;
	if (rk_vreg_is_ptr(outer)) {
		if (outer->aux != inner->aux)
			return false;
		if ((outer->flags & ~RK_VF_MAYBE_NULL) != (inner->flags & ~RK_VF_MAYBE_NULL))
			return false;
		if ((inner->flags & RK_VF_MAYBE_NULL) && !(outer->flags & RK_VF_MAYBE_NULL))
			return false;
		if ((outer->type == RK_VT_MAP_VALUE || outer->type == RK_VT_MEM) &&
		    outer->id != inner->id)
			return false;
	}
	return rk_vs_contains(&outer->num, &inner->num);
}

bool rk_vstate_contains(const struct rk_vstate *outer, const struct rk_vstate *inner)
{
	if (outer->frame_count != inner->frame_count || outer->ref_count != inner->ref_count)
		return false;
	for (uint32_t k = 0; k < outer->ref_count; k++)
		if (outer->refs[k] != inner->refs[k])
			return false;
	for (uint32_t f = 0; f < outer->frame_count; f++) {
		const struct rk_vframe *fo = &outer->frames[f];
		const struct rk_vframe *fi = &inner->frames[f];
		for (unsigned r = 0; r < RK_REG_COUNT; r++)
			if (!reg_contains(&fo->regs[r], &fi->regs[r]))
				return false;
		for (unsigned w = 0; w < RK_VSTACK_WORDS; w++)
			if (fo->init[w] & ~fi->init[w])
				return false;
	}
	for (size_t k = 0; k < outer->spill_count; k++) {
		const struct rk_vspill *so = &outer->spills[k];
		const struct rk_vspill *match = NULL;
		for (size_t m = 0; m < inner->spill_count && !match; m++)
			if (same_spill_place(so, &inner->spills[m]))
				match = &inner->spills[m];
		if (!match || !reg_contains(&so->reg, &match->reg))
			return false;
	}
	/* A pointer inner holds where outer sees plain bytes would let a read leak it. */
	for (size_t m = 0; m < inner->spill_count; m++) {
		const struct rk_vspill *si = &inner->spills[m];
		if (!rk_vreg_is_ptr(&si->reg))
			continue;
		bool matched = false;
		for (size_t k = 0; k < outer->spill_count && !matched; k++)
			matched = same_spill_place(si, &outer->spills[k]);
		if (!matched) {
			const struct rk_vframe *fo = &outer->frames[si->frame];
			for (int off = si->off; off < si->off + si->size; off++)
				if (rk_vstack_is_init(fo, off, off + 1))
					return false;
		}
	}
	return true;
}

/* ---- printing --------------------------------------------------------- */

const char *rk_vmap_name(const struct rk_verifier *v, uint32_t index)
{
	return index < v->map_count ? rk_map_def(v->maps[index])->name : "?";
}

static int format_offset(const struct rk_vs *num, char *buf, size_t len)
{
	if (rk_vs_is_const(num))
		return snprintf(buf, len, "%+lld", (long long)num->smin);
	char range[96];
	rk_vs_format(num, range, sizeof(range));
	return snprintf(buf, len, "+%s", range);
}

int rk_vreg_format(const struct rk_verifier *v, const struct rk_vreg *reg, char *buf, size_t len)
{
	char off[112];
	const char *null = reg->flags & RK_VF_MAYBE_NULL ? "_or_null" : "";
	switch (reg->type) {
	case RK_VT_UNINIT:
		return snprintf(buf, len, "uninit");
	case RK_VT_CONFLICT:
		return snprintf(buf, len, "conflict");
	case RK_VT_SCALAR: {
		char range[96];
		rk_vs_format(&reg->num, range, sizeof(range));
		return snprintf(buf, len, "%s", range);
	}
	case RK_VT_CTX:
		format_offset(&reg->num, off, sizeof(off));
		return snprintf(buf, len, "ctx%s", off);
	case RK_VT_STACK:
		format_offset(&reg->num, off, sizeof(off));
		if (reg->aux == 0)
			return snprintf(buf, len, "fp%s", off);
		return snprintf(buf, len, "fp[frame %u]%s", reg->aux, off);
	case RK_VT_MAP_PTR:
		return snprintf(buf, len, "map(%s)", rk_vmap_name(v, reg->aux));
	case RK_VT_MAP_VALUE:
		format_offset(&reg->num, off, sizeof(off));
		return snprintf(buf, len, "map_value%s(%s)%s", null, rk_vmap_name(v, reg->aux), off);
	case RK_VT_MEM:
		format_offset(&reg->num, off, sizeof(off));
		return snprintf(buf, len, "%s%s(%u bytes)%s",
		                reg->flags & RK_VF_RINGBUF ? "ringbuf_record" : "mem", null, reg->aux,
		                off);
	case RK_VT_FUNC:
		return snprintf(buf, len, "func(insn %u)", reg->aux);
	}
	return snprintf(buf, len, "?");
}

static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t len, size_t used, const char *fmt, ...)
{
	if (used >= len)
		return used;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	return n < 0 ? used : used + (size_t)n;
}

void rk_vstate_format(const struct rk_verifier *v, const struct rk_vstate *state, char *buf,
                      size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	const struct rk_vframe *frame = &state->frames[state->frame_count - 1];
	if (state->frame_count > 1)
		used = append(buf, len, used, "[frame %u] ", state->frame_count - 1);
	for (unsigned r = 0; r < RK_REG_COUNT - 1; r++) {
		if (frame->regs[r].type == RK_VT_UNINIT)
			continue;
		char value[160];
		rk_vreg_format(v, &frame->regs[r], value, sizeof(value));
		used = append(buf, len, used, "%sr%u=%s", used ? " " : "", r, value);
	}
	for (size_t k = 0; k < state->spill_count; k++) {
		const struct rk_vspill *spill = &state->spills[k];
		if (spill->frame != state->frame_count - 1)
			continue;
		char value[160];
		rk_vreg_format(v, &spill->reg, value, sizeof(value));
		used = append(buf, len, used, " fp%d=%s", spill->off, value);
	}
	/* Initialised stack bytes, as ranges. */
	for (int off = -RK_STACK_SIZE; off < 0;) {
		if (!rk_vstack_is_init(frame, off, off + 1)) {
			off++;
			continue;
		}
		int end = off;
		while (end < 0 && rk_vstack_is_init(frame, end, end + 1))
			end++;
		used = append(buf, len, used, " fp[%d,%d)=init", off, end);
		off = end;
	}
	if (state->ref_count)
		used = append(buf, len, used, " records=%u", state->ref_count);
}
