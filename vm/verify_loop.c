/*
 * verify_loop.c - loops: find a bound, then verify the body once at a
 * state that covers every iteration.
 *
 * Pass A walks the body once from the loop's entry state (the first
 * iteration, exactly).  Every value entering the loop carries a symbol
 * (verify_internal.h): at the back edge, a value with the same symbol and
 * a different offset changed by a constant step in every path through the
 * body - an induction variable.  Comparisons of an induction variable
 * with a bounded number, met during pass A, suggest a limit W it never
 * passes.  From W, the step d and the entry value, the number of times the
 * back edge can be taken is at most B = (W - start) / d; every other
 * induction variable then stays within start + [0, B] * its step.
 *
 * Pass C walks the body from that widened state and must show it is an
 * invariant: on every back edge each induction variable moved by exactly
 * its step, the controlling one is still <= W, and everything else is
 * contained in what was assumed.  By induction over the iterations, every
 * run of the loop stays inside the widened state, so pass C's verdict on
 * every access holds for every iteration, and the loop runs at most B + 1
 * times - which gives the instruction bound.  That count holds only if the
 * controlling variable really moves by d each time: one step beyond W must
 * not wrap around the signed range (where "<= W" would pass again), so such
 * a W is refused; the other induction variables are widened as the machine
 * computes them, wrapping included.  A candidate W that fails is
 * dropped and the next tried; when none works, the loop is rejected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

enum var_class { VAR_INVARIANT, VAR_STABLE, VAR_INDUCTION, VAR_CHANGED };

struct loop_var {
	bool is_spill;
	unsigned reg;                 /* register of the current frame */
	struct rk_vspill place;       /* spill: frame, off, size */
	enum var_class cls;
	int64_t step;
	uint32_t head_sym;            /* pass C: the symbol it starts with */
};

static struct rk_vreg *var_in(struct rk_vstate *state, const struct loop_var *var)
{
	if (!var->is_spill)
		return &rk_vcur(state)->regs[var->reg];
	for (size_t k = 0; k < state->spill_count; k++) {
		struct rk_vspill *spill = &state->spills[k];
		if (spill->frame == var->place.frame && spill->off == var->place.off &&
		    spill->size == var->place.size)
			return &spill->reg;
	}
	return NULL;
}

static void var_name(const struct loop_var *var, char *buf, size_t len)
{
	if (var->is_spill)
		snprintf(buf, len, "the stack slot fp%d", var->place.off);
	else
		snprintf(buf, len, "%s", rk_vreg_name(var->reg));
}

static bool numeric(const struct rk_vreg *reg)
{
	return reg->type == RK_VT_SCALAR || reg->type == RK_VT_CTX || reg->type == RK_VT_STACK ||
	       ((reg->type == RK_VT_MAP_VALUE || reg->type == RK_VT_MEM) &&
	        !(reg->flags & RK_VF_MAYBE_NULL));
}

static bool same_hint(const struct rk_vhint *a, const struct rk_vhint *b)
{
	return a->sym == b->sym && a->sym_off == b->sym_off && a->nmin == b->nmin &&
	       a->nmax == b->nmax && a->insn == b->insn && a->op == b->op &&
	       a->jmp32 == b->jmp32 && a->reg == b->reg && a->other_reg == b->other_reg &&
	       a->other_sym == b->other_sym && a->other_sym_off == b->other_sym_off;
}

void rk_vloop_hint(struct rk_verifier *v, size_t i, const struct rk_vreg *a,
                   const struct rk_vreg *b)
{
	const struct rk_insn *insn = &v->insns[i];
	bool use_reg = RK_SRC(insn->code) == RK_SRC_X;
	for (struct rk_vloop_ctx *ctx = v->loop_ctx; ctx; ctx = ctx->outer) {
		for (int side = 0; side < 2; side++) {
			const struct rk_vreg *var = side ? b : a, *other = side ? a : b;
			if (side && !use_reg)
				continue;
			/* Only a value that entered the loop can be one of its induction
			 * variables: a symbol made inside (a load, an inner loop's counter)
			 * would only take a slot the loop's own test may need. */
			if (!var->sym || var->sym > ctx->sym_base || (other->sym == var->sym) ||
			    ctx->hint_count == RK_VMAX_HINTS)
				continue;
			int reg = side ? insn->src_reg : insn->dst_reg;
			int other_reg = side ? insn->dst_reg : (use_reg ? insn->src_reg : -1);
			struct rk_vhint hint = {
				.sym = var->sym, .sym_off = var->sym_off,
				.nmin = other->num.smin, .nmax = other->num.smax,
				.insn = (uint32_t)i, .op = RK_OP(insn->code),
				.jmp32 = RK_CLASS(insn->code) == RK_CLS_JMP32, .reg = (int8_t)reg,
				.other_reg = (int8_t)other_reg, .other_sym = other->sym,
				.other_sym_off = other->sym_off};
			/* An inner loop walks its body several times: one slot per test. */
			bool seen = false;
			for (size_t k = 0; k < ctx->hint_count && !seen; k++)
				seen = same_hint(&ctx->hints[k], &hint);
			if (!seen)
				ctx->hints[ctx->hint_count++] = hint;
		}
	}
}

/* Give every value entering the loop a symbol, so pass A can see how it moves. */
static void assign_syms(struct rk_verifier *v, struct rk_vstate *state)
{
	struct rk_vframe *frame = rk_vcur(state);
	for (unsigned r = 0; r < RK_REG_FP; r++)
		if (numeric(&frame->regs[r]) && !frame->regs[r].sym)
			frame->regs[r].sym = ++v->next_sym, frame->regs[r].sym_off = 0;
	for (size_t k = 0; k < state->spill_count; k++)
		if (numeric(&state->spills[k].reg) && !state->spills[k].reg.sym)
			state->spills[k].reg.sym = ++v->next_sym, state->spills[k].reg.sym_off = 0;
}

static bool same_kind(const struct rk_vreg *a, const struct rk_vreg *b)
{
	return a->type == b->type && a->aux == b->aux &&
	       (a->flags & ~RK_VF_MAYBE_NULL) == (b->flags & ~RK_VF_MAYBE_NULL);
}

static size_t classify(struct rk_verifier *v, struct rk_vstate *entry, struct rk_vstate *back,
                       struct loop_var *vars)
{
	size_t count = 0;
	struct rk_vframe *frame = rk_vcur(entry);
	for (unsigned r = 0; r < RK_REG_FP; r++) {
		if (frame->regs[r].type == RK_VT_UNINIT)
			continue;
		vars[count++] = (struct loop_var){.reg = r};
	}
	for (size_t k = 0; k < entry->spill_count; k++)
		vars[count++] = (struct loop_var){.is_spill = true, .place = entry->spills[k]};
	for (size_t n = 0; n < count; n++) {
		struct loop_var *var = &vars[n];
		struct rk_vreg *in = var_in(entry, var), *out = var_in(back, var);
		if (!out || out->type == RK_VT_UNINIT || out->type == RK_VT_CONFLICT ||
		    !same_kind(in, out)) {
			var->cls = VAR_CHANGED;
		} else if (in->sym && out->sym == in->sym) {
			var->step = rk_vwrap_sub(out->sym_off, in->sym_off);
			var->cls = var->step == 0 ? VAR_INVARIANT : VAR_INDUCTION;
			if (var->cls == VAR_INDUCTION && !numeric(in))
				var->cls = VAR_CHANGED;
		} else {
			var->cls = rk_vs_contains(&in->num, &out->num) ? VAR_STABLE : VAR_CHANGED;
		}
	}
	(void)v;
	return count;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/*
 * The widened value of an induction variable over B + 1 iterations: every
 * start + k * step, k in [0, B], as the machine computes it (modulo 2^64).
 * Where that sum cannot leave the signed range, the signed bounds hold;
 * else where it cannot leave the unsigned range, the unsigned ones; else
 * it may wrap around and any value is possible.  (Saturating instead would
 * claim bounds the wrapped values break.)
 */
static struct rk_vs widen_induction(const struct rk_vs *start, int64_t step, uint64_t trips)
{
	uint64_t magnitude = step < 0 ? 0 - (uint64_t)step : (uint64_t)step;
	uint64_t span = magnitude * trips; /* <= 2^40, checked by the caller */
	struct rk_vs out;
	if (step > 0 && start->smax <= INT64_MAX - (int64_t)span)
		out = rk_vs_srange(start->smin, start->smax + (int64_t)span);
	else if (step < 0 && start->smin >= INT64_MIN + (int64_t)span)
		out = rk_vs_srange(start->smin - (int64_t)span, start->smax);
	else if (step > 0 && start->umax <= UINT64_MAX - span)
		out = rk_vs_urange(start->umin, start->umax + span);
	else if (step < 0 && start->umin >= span)
		out = rk_vs_urange(start->umin - span, start->umax);
	else
		out = rk_vs_unknown();
	/* Low bits the step never changes keep what the start knew of them (wrapping
	 * or not: adding a multiple of 2^b leaves bits below b alone). */
	uint64_t low = (magnitude & (0 - magnitude)) - 1; /* bits below the lowest set bit */
	if ((start->tmask & low) == 0 && low) {
		struct rk_vs plain = out;
		out.tval = (out.tval & ~low) | (start->tval & low);
		out.tmask &= ~low;
		if (!rk_vs_sync(&out))
			out = plain;
	}
	return out;
}

struct attempt {
	const struct rk_vloop *loop;
	struct rk_vstate *entry;          /* S0, with symbols */
	struct loop_var *vars;
	size_t var_count;
	size_t control;                   /* index of the controlling variable */
	int64_t limit;                    /* W (step > 0) or L (step < 0) */
	uint64_t trips;                   /* UINT64_MAX, or proven otherwise (equality exit) */
	bool reclassified;                /* a value assumed constant (or moving by a
	                                   * constant step) was not: try again */
};

/* Pass C for one candidate limit.  true: verified, exits appended. */
static bool try_bound(struct rk_verifier *v, struct attempt *at, struct rk_vlist *exits,
                      uint64_t cost_in, char *why, size_t why_len)
{
	struct loop_var *control = &at->vars[at->control];
	const struct rk_vreg *c0 = var_in(at->entry, control);
	int64_t d = control->step;
	uint64_t trips;
	if (at->trips != UINT64_MAX)
		trips = at->trips;
	else if (d > 0)
		trips = at->limit >= c0->num.smin
		                ? ((uint64_t)at->limit - (uint64_t)c0->num.smin) / (uint64_t)d
		                : 0;
	else
		trips = c0->num.smax >= at->limit
		                ? ((uint64_t)c0->num.smax - (uint64_t)at->limit) / (0 - (uint64_t)d)
		                : 0;
	if (trips > RK_VMAX_TRIPS) {
		snprintf(why, why_len, "it may iterate %llu times", (unsigned long long)trips);
		return false;
	}
	if (at->trips == UINT64_MAX) {
		/*
		 * The count above is B only if the control variable moves by exactly d
		 * each time: from at most max(W, start) (at least min(W, start) for a
		 * negative step) one more step must not wrap around the signed range,
		 * where the "<= W" test on the back edge would pass again (W = INT64_MAX
		 * even passes every value).
		 */
		int64_t top = d > 0 ? (at->limit > c0->num.smax ? at->limit : c0->num.smax)
		                    : (at->limit < c0->num.smin ? at->limit : c0->num.smin);
		if (d > 0 ? top > INT64_MAX - d : top < INT64_MIN - d) {
			char name[48];
			var_name(control, name, sizeof(name));
			snprintf(why, why_len,
			         "%s may wrap around past %s (it may be %lld before a step of %+lld), "
			         "so a limit of %lld does not stop it",
			         name, d > 0 ? "INT64_MAX" : "INT64_MIN", (long long)top, (long long)d,
			         (long long)at->limit);
			return false;
		}
	}

	struct rk_vstate *widened = rk_vstate_copy(v, at->entry);
	widened->cost = 0;
	for (size_t n = 0; n < at->var_count; n++) {
		struct loop_var *var = &at->vars[n];
		struct rk_vreg *reg = var_in(widened, var);
		switch (var->cls) {
		case VAR_INVARIANT:
			break;
		case VAR_STABLE:
			reg->sym = 0, reg->sym_off = 0;
			break;
		case VAR_CHANGED:
			if (reg->type == RK_VT_SCALAR) {
				*reg = rk_vreg_scalar(var->is_spill && var->place.size < 8
				                              ? rk_vs_sized(var->place.size)
				                              : rk_vs_unknown());
			} else {
				uint32_t origin = reg->origin;
				*reg = (struct rk_vreg){.type = RK_VT_CONFLICT, .origin = origin};
				if (var->is_spill)
					rk_vstack_set_init(&widened->frames[var->place.frame], var->place.off,
					                   var->place.off + var->place.size, false);
			}
			break;
		case VAR_INDUCTION: {
			uint64_t magnitude = var->step < 0 ? 0 - (uint64_t)var->step : (uint64_t)var->step;
			if (magnitude > (1ull << 40) / (trips + 1)) {
				char name[48];
				var_name(var, name, sizeof(name));
				snprintf(why, why_len, "%s would move too far (%llu iterations of %+lld)", name,
				         (unsigned long long)trips, (long long)var->step);
				rk_vstate_free(v, widened);
				return false;
			}
			reg->num = widen_induction(&reg->num, var->step, trips);
			if (n == at->control && at->trips == UINT64_MAX) {
				/* It never passes the limit on a back edge. */
				struct rk_vs bound = d > 0 ? rk_vs_srange(INT64_MIN,
				                                          at->limit > c0->num.smax ? at->limit
				                                                                   : c0->num.smax)
				                           : rk_vs_srange(at->limit < c0->num.smin
				                                                  ? at->limit
				                                                  : c0->num.smin,
				                                          INT64_MAX);
				struct rk_vs narrowed = reg->num;
				if (rk_vs_refine(RK_JMP_JEQ, false, true, &narrowed, &bound))
					reg->num = narrowed;
			}
			reg->sym = ++v->next_sym;
			reg->sym_off = 0;
			var->head_sym = reg->sym;
			break;
		}
		}
	}
	if (v->opts->log) {
		char line[160];
		snprintf(line, sizeof(line), "loop %u..%u: at most %llu back edges, verifying the body "
		         "at the widened state",
		         at->loop->head, at->loop->tail, (unsigned long long)trips);
		v->opts->log(v->opts->log_ctx, line);
	}

	struct rk_vstate *assumed = rk_vstate_copy(v, widened);
	struct rk_vlist body_exits = {0};
	struct rk_vstate *back = rk_vwalk_loop_body(v, at->loop, widened, &body_exits);
	bool ok = true;
	if (back) {
		for (size_t n = 0; n < at->var_count && ok; n++) {
			struct loop_var *var = &at->vars[n];
			if (var->cls != VAR_INDUCTION)
				continue;
			struct rk_vreg *out = var_in(back, var);
			char name[48];
			if (!out || out->sym != var->head_sym || out->sym_off != var->step) {
				var_name(var, name, sizeof(name));
				snprintf(why, why_len, "%s does not change by %+lld on every path through the "
				         "body", name, (long long)var->step);
				ok = false;
				/* Pass A saw one step (sum += i with i constant in the first
				 * iteration); later ones differ.  Anything but the control
				 * variable can be tried again as a value that changes. */
				if (n != at->control) {
					var->cls = VAR_CHANGED;
					at->reclassified = true;
				}
			} else if (n == at->control && at->trips == UINT64_MAX &&
			           (d > 0 ? out->num.smax > at->limit
			                                      : out->num.smin < at->limit)) {
				char value[96];
				var_name(var, name, sizeof(name));
				rk_vs_format(&out->num, value, sizeof(value));
				snprintf(why, why_len, "%s may be %s when the loop repeats, past %lld", name,
				         value, (long long)at->limit);
				ok = false;
			}
			/* Checked above; promise nothing more for the containment test. */
			struct rk_vreg *assumed_reg = var_in(assumed, var);
			*assumed_reg = (struct rk_vreg){.type = RK_VT_CONFLICT};
		}
		if (ok && !rk_vstate_contains(assumed, back)) {
			/* A value that pass A saw unchanged may change on later iterations
			 * (r3 = i when i started at r3's value): treat it as changing. */
			for (size_t n = 0; n < at->var_count; n++) {
				struct loop_var *var = &at->vars[n];
				if (var->cls != VAR_INVARIANT && var->cls != VAR_STABLE)
					continue;
				struct rk_vreg *in = var_in(assumed, var), *out = var_in(back, var);
				if (!out || in->type != out->type || !rk_vs_contains(&in->num, &out->num) ||
				    (in->sym && (out->sym != in->sym || out->sym_off != in->sym_off))) {
					var->cls = VAR_CHANGED;
					at->reclassified = true;
				}
			}
			snprintf(why, why_len,
			         "the state at the end of an iteration is not covered by the state "
			         "assumed at its start (a value other than the induction variables "
			         "changes without a bound)");
			ok = false;
		}
	}
	if (ok) {
		uint64_t body_cost = back ? back->cost : 0;
		for (size_t k = 0; k < body_exits.count; k++) {
			struct rk_vstate *state = body_exits.items[k].state;
			state->cost = cost_in + trips * body_cost + state->cost;
			rk_vlist_add(v, exits, body_exits.items[k].target, state, at->loop->tail);
			body_exits.items[k].state = NULL;
		}
		v->result->loops++;
	}
	rk_vstate_free(v, back);
	rk_vstate_free(v, assumed);
	rk_vlist_free(v, &body_exits);
	return ok;
}

/*
 * try_bound() in a guard: a rejection inside the body under this limit
 * only rules the limit out (the first such message is kept, it is usually
 * the real problem).  Other failures (too complex, out of memory) go on.
 */
static bool try_guarded_once(struct rk_verifier *v, struct attempt *at, struct rk_vlist *exits,
                             uint64_t cost_in, char *why, size_t why_len, char *body_error,
                             size_t body_error_len, size_t *body_error_insn)
{
	jmp_buf saved;
	memcpy(saved, v->fail, sizeof(saved));
	unsigned depth = v->loop_depth;
	struct rk_vloop_ctx *saved_ctx = v->loop_ctx;
	if (setjmp(v->fail) != 0) {
		memcpy(v->fail, saved, sizeof(saved));
		v->loop_depth = depth;
		v->loop_ctx = saved_ctx;
		if (v->fail_rc != -EACCES)
			longjmp(v->fail, 1);
		if (*body_error_insn == SIZE_MAX) {
			snprintf(body_error, body_error_len, "%s", v->err ? v->err : "");
			*body_error_insn = v->result->error_insn;
		}
		return false;
	}
	bool ok = try_bound(v, at, exits, cost_in, why, why_len);
	memcpy(v->fail, saved, sizeof(saved));
	return ok;
}

/* Does insn t leave the loop when its operands are equal? */
static bool exits_on_equal(const struct rk_vloop *loop, const struct rk_insn *insns, uint32_t t,
                           uint8_t op)
{
	uint32_t equal_edge;
	if (op == RK_JMP_JEQ)
		equal_edge = (uint32_t)rk_insn_target(&insns[t], t);
	else if (op == RK_JMP_JNE)
		equal_edge = t + 1;
	else
		return false;
	return equal_edge < loop->head || equal_edge > loop->tail;
}

/* Is t's jump the only way back to the loop's entry? */
static bool only_back_edge(const struct rk_verifier *v, const struct rk_vloop *loop, uint32_t t)
{
	if (rk_insn_target(&v->insns[t], t) != (int64_t)loop->entry)
		return false;
	for (uint32_t i = loop->head; i <= loop->tail; i++) {
		if (i == t || v->insns[i].code == RK_OP_CALL)
			continue;
		if (rk_insn_target(&v->insns[i], i) == (int64_t)loop->entry)
			return false;
		bool lddw = v->insns[i].code == RK_OP_LDDW;
		uint8_t cls = RK_CLASS(v->insns[i].code), op = RK_OP(v->insns[i].code);
		bool falls = !((cls == RK_CLS_JMP || cls == RK_CLS_JMP32) &&
		               (op == RK_JMP_JA || op == RK_JMP_EXIT));
		if (falls && i + (lddw ? 2 : 1) == loop->entry && loop->entry != loop->head)
			return false;
		if (lddw)
			i++;
	}
	return true;
}

/*
 * "c + k == n" leaves the loop, c steps by +1 or -1, n does not change, and
 * the test runs on every iteration (it is the loop's entry, or its jump is
 * the only way back): c + k starts on the right side of n and meets it, so
 * the back edge is taken at most |n - (c + k)| times.  clang turns
 * for (i = 0; i < n; i++) into exactly this ("i != n") when it knows i
 * reaches n.
 */
static uint64_t equality_trips(const struct rk_verifier *v, const struct rk_vloop *loop,
                               const struct rk_vhint *hint, const struct loop_var *vars,
                               size_t var_count, const struct loop_var *c,
                               const struct rk_vreg *c0, const struct rk_vstate *n_var_entry)
{
	if ((c->step != 1 && c->step != -1) || c->is_spill || c->reg != (unsigned)hint->reg ||
	    !exits_on_equal(loop, v->insns, hint->insn, hint->op))
		return UINT64_MAX;
	if (hint->insn != loop->entry && !only_back_edge(v, loop, hint->insn))
		return UINT64_MAX;
	/* n's range: the immediate, or the invariant register's value at the loop's entry. */
	int64_t nmin = hint->nmin, nmax = hint->nmax;
	if (hint->other_reg >= 0) {
		const struct loop_var *n_var = NULL;
		for (size_t n = 0; n < var_count; n++)
			if (!vars[n].is_spill && vars[n].reg == (unsigned)hint->other_reg &&
			    vars[n].cls == VAR_INVARIANT)
				n_var = &vars[n];
		if (!n_var || !n_var_entry || n_var_entry->frames[n_var_entry->frame_count - 1]
		                                      .regs[n_var->reg].type != RK_VT_SCALAR)
			return UINT64_MAX;
		const struct rk_vreg *n_reg =
			&n_var_entry->frames[n_var_entry->frame_count - 1].regs[n_var->reg];
		if (n_reg->sym != hint->other_sym || n_reg->sym_off != hint->other_sym_off)
			return UINT64_MAX;
		nmin = n_reg->num.smin;
		nmax = n_reg->num.smax;
	}
	if (hint->jmp32 && (nmin < 0 || nmax > INT32_MAX))
		return UINT64_MAX;
	int64_t kk = rk_vwrap_sub(hint->sym_off, c0->sym_off);
	if (c0->num.smin < -(1ll << 40) || c0->num.smax > (1ll << 40) || kk < -(1ll << 40) ||
	    kk > (1ll << 40) || nmin < -(1ll << 40) || nmax > (1ll << 40))
		return UINT64_MAX;
	if (hint->jmp32 && c0->num.smin + kk < 0)
		return UINT64_MAX;
	if (c->step == 1) {
		if (c0->num.smax + kk > nmin)
			return UINT64_MAX;
		return (uint64_t)(nmax - kk - c0->num.smin);
	}
	if (c0->num.smin + kk < nmax)
		return UINT64_MAX;
	return (uint64_t)(c0->num.smax + kk - nmin);
}

static bool try_guarded(struct rk_verifier *v, struct attempt *at, struct rk_vlist *exits,
                        uint64_t cost_in, char *why, size_t why_len, char *body_error,
                        size_t body_error_len, size_t *body_error_insn)
{
	for (size_t round = 0; round <= at->var_count; round++) {
		at->reclassified = false;
		if (try_guarded_once(v, at, exits, cost_in, why, why_len, body_error, body_error_len,
		                     body_error_insn))
			return true;
		/* An equality-exit count assumed the other side of the test never
		 * changes; once anything assumed constant turns out to change, it no
		 * longer holds. */
		if (!at->reclassified || at->trips != UINT64_MAX)
			return false;
	}
	return false;
}

static int compare_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Candidate limits from a hint: "sym + k OP n" with n in [nmin, nmax]. */
static size_t candidates(const struct rk_vhint *hint, const struct rk_vreg *c0, int64_t step,
                         int64_t *out)
{
	int64_t kk = rk_vwrap_sub(hint->sym_off, c0->sym_off);
	size_t count = 0;
	if (step > 0) {
		int64_t base = sat_add(hint->nmax, kk == INT64_MIN ? INT64_MAX : -kk);
		out[count++] = sat_add(base, step - 1);
		out[count++] = sat_add(base, step);
		out[count++] = base;
		out[count++] = sat_add(base, -1);
	} else {
		int64_t base = sat_add(hint->nmin, kk == INT64_MIN ? INT64_MAX : -kk);
		out[count++] = sat_add(base, step + 1);
		out[count++] = sat_add(base, step);
		out[count++] = base;
		out[count++] = sat_add(base, 1);
	}
	return count;
}

void rk_vloop(struct rk_verifier *v, const struct rk_vloop *loop, struct rk_vstate *entry,
              struct rk_vlist *exits)
{
	if (v->loop_depth >= RK_VMAX_LOOP_DEPTH)
		rk_vfail(v, loop->head, "loops nest deeper than %d", RK_VMAX_LOOP_DEPTH);
	v->loop_depth++;
	uint64_t cost_in = entry->cost;
	assign_syms(v, entry);

	/* Pass A: the first iteration, exactly. */
	struct rk_vloop_ctx ctx = {.outer = v->loop_ctx, .loop = loop, .sym_base = v->next_sym};
	v->loop_ctx = &ctx;
	struct rk_vlist first_exits = {0};
	struct rk_vstate *first = rk_vstate_copy(v, entry);
	first->cost = 0;
	struct rk_vstate *back = rk_vwalk_loop_body(v, loop, first, &first_exits);
	v->loop_ctx = ctx.outer;
	if (!back) {
		/* The back edge is never taken: the body runs once. */
		for (size_t k = 0; k < first_exits.count; k++) {
			first_exits.items[k].state->cost += cost_in;
			rk_vlist_add(v, exits, first_exits.items[k].target, first_exits.items[k].state,
			             loop->tail);
			first_exits.items[k].state = NULL;
		}
		rk_vlist_free(v, &first_exits);
		rk_vstate_free(v, entry);
		v->loop_depth--;
		return;
	}
	rk_vlist_free(v, &first_exits);
	if (back->ref_count != entry->ref_count)
		rk_vfail(v, loop->tail,
		         "a ring-buffer record reserved in the loop at insns %u..%u is still held when "
		         "the loop repeats; submit or discard it within the iteration",
		         loop->head, loop->tail);

	size_t max_vars = RK_REG_FP + entry->spill_count;
	struct loop_var *vars = rk_valloc(v, max_vars * sizeof(*vars));
	size_t var_count = classify(v, entry, back, vars);
	rk_vstate_free(v, back);

	/* Try every hint about an induction variable, tightest limit first. */
	char why[256] = "";
	char body_error[RK_VERIFY_ERR_LEN] = "";
	size_t body_error_insn = SIZE_MAX;
	bool have_induction = false;
	for (size_t n = 0; n < var_count; n++)
		have_induction |= vars[n].cls == VAR_INDUCTION;
	for (size_t h = 0; h < ctx.hint_count; h++) {
		const struct rk_vhint *hint = &ctx.hints[h];
		for (size_t n = 0; n < var_count; n++) {
			struct loop_var *var = &vars[n];
			const struct rk_vreg *c0 = var_in(entry, var);
			if (var->cls != VAR_INDUCTION || c0->sym != hint->sym)
				continue;
			uint64_t trips = equality_trips(v, loop, hint, vars, var_count, var, c0, entry);
			if (trips != UINT64_MAX) {
				struct attempt at = {.loop = loop, .entry = entry, .vars = vars,
				                     .var_count = var_count, .control = n, .trips = trips};
				if (try_guarded(v, &at, exits, cost_in, why, sizeof(why), body_error,
				                sizeof(body_error), &body_error_insn)) {
					rk_vfree(v, vars, max_vars * sizeof(*vars));
					rk_vstate_free(v, entry);
					v->loop_depth--;
					return;
				}
			}
			int64_t limits[4];
			size_t count = candidates(hint, c0, var->step, limits);
			qsort(limits, count, sizeof(*limits), compare_i64);
			if (var->step < 0) /* tightest: the highest lower limit */
				for (size_t a = 0; a < count / 2; a++) {
					int64_t t = limits[a];
					limits[a] = limits[count - 1 - a];
					limits[count - 1 - a] = t;
				}
			for (size_t c = 0; c < count; c++) {
				if (c && limits[c] == limits[c - 1])
					continue;
				struct attempt at = {.loop = loop, .entry = entry, .vars = vars,
				                     .var_count = var_count, .control = n, .limit = limits[c],
				                     .trips = UINT64_MAX};
				bool ok = try_guarded(v, &at, exits, cost_in, why, sizeof(why), body_error,
				                      sizeof(body_error), &body_error_insn);
				if (ok) {
					rk_vfree(v, vars, max_vars * sizeof(*vars));
					rk_vstate_free(v, entry);
					v->loop_depth--;
					return;
				}
			}
		}
	}
	rk_vfree(v, vars, max_vars * sizeof(*vars));
	if (body_error_insn != SIZE_MAX) {
		/* The most useful story: what went wrong inside the body at the tightest bound. */
		if (v->err && v->err_len)
			snprintf(v->err, v->err_len, "%s", body_error);
		v->result->error_insn = body_error_insn;
		v->fail_rc = -EACCES;
		longjmp(v->fail, 1);
	}
	if (!have_induction)
		rk_vfail(v, loop->head,
		         "the loop at insns %u..%u has no induction variable (a register or stack "
		         "slot that changes by the same constant on every iteration), so the "
		         "verifier cannot bound it; count iterations with a variable, or use bpf_loop",
		         loop->head, loop->tail);
	if (!ctx.hint_count || !why[0])
		rk_vfail(v, loop->head,
		         "the loop at insns %u..%u compares no induction variable with a bounded "
		         "number, so the verifier cannot bound it; add a limit such as "
		         "for (i = 0; i < N && ...; i++)",
		         loop->head, loop->tail);
	rk_vfail(v, loop->head, "cannot bound the loop at insns %u..%u: %s", loop->head, loop->tail,
	         why);
}
