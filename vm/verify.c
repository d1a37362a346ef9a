/*
 * verify.c - the streaming verifier's entry point and its walker.
 *
 * rk_verify() finds the program's functions and loops, builds the entry
 * state (r1 = context, r10 = the frame) and walks the main function.  The
 * walker (walk()) visits the instructions of one region - a function, or
 * one loop body - in index order with a list of states pending at jump
 * targets ahead; states that meet are joined at once.  A jump back to the
 * head of the region's loop is collected as the back-edge state; a jump
 * out of a loop body, or an exit inside it, is handed to the enclosing
 * walk as an "exit".  See verify_internal.h for the overall design.
 *
 * Rejections unwind with longjmp from wherever they are found (rk_vfail),
 * and every allocation is tracked so that nothing leaks on the way out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_internal.h"

const struct rk_ctx_desc rk_ctx_desc_data = {
	.name = "data buffer",
	.size = RK_DATA_CTX_BYTES,
	.writable = (const struct rk_ctx_range[]){{0, RK_DATA_CTX_BYTES}},
	.writable_count = 1,
};

/* ---- allocation: counted, and freed on failure --------------------- */

struct alloc_header {
	size_t size;
	size_t live_index;
	max_align_t align[];
};

void *rk_valloc(struct rk_verifier *v, size_t size)
{
	if (v->live_count == v->live_cap) {
		size_t cap = v->live_cap ? v->live_cap * 2 : 64;
		void **live = realloc(v->live, cap * sizeof(*live));
		if (!live)
			rk_vfail_rc(v, -ENOMEM, SIZE_MAX, "out of memory");
		v->bytes += (cap - v->live_cap) * sizeof(*live);
		v->live = live;
		v->live_cap = cap;
	}
	struct alloc_header *header = calloc(1, sizeof(*header) + (size ? size : 1));
	if (!header)
		rk_vfail_rc(v, -ENOMEM, SIZE_MAX, "out of memory (%zu bytes)", size);
	header->size = size;
	header->live_index = v->live_count;
	v->live[v->live_count++] = header;
	v->bytes += size + sizeof(*header);
	if (v->bytes > v->peak_bytes)
		v->peak_bytes = v->bytes;
	return header->align;
}

void rk_vfree(struct rk_verifier *v, void *ptr, size_t size)
{
	(void)size;
	if (!ptr)
		return;
	struct alloc_header *header = (struct alloc_header *)((char *)ptr - sizeof(*header));
	struct alloc_header *last = v->live[--v->live_count];
	v->live[header->live_index] = last;
	last->live_index = header->live_index;
	v->bytes -= header->size + sizeof(*header);
	free(header);
}

void *rk_vrealloc(struct rk_verifier *v, void *ptr, size_t old_size, size_t new_size)
{
	void *fresh = rk_valloc(v, new_size);
	if (ptr) {
		memcpy(fresh, ptr, old_size < new_size ? old_size : new_size);
		rk_vfree(v, ptr, old_size);
	}
	return fresh;
}

/* ---- failure ---------------------------------------------------------- */

static int where(const struct rk_verifier *v, size_t insn, char *buf, size_t len)
{
	struct rk_line_info line;
	if (insn != SIZE_MAX && rk_prog_line_info(v->prog, insn, &line) == 0 && line.file) {
		const char *base = strrchr(line.file, '/');
		return snprintf(buf, len, "%s:%u (insn %zu): ", base ? base + 1 : line.file,
		                line.line, insn);
	}
	if (insn != SIZE_MAX)
		return snprintf(buf, len, "insn %zu: ", insn);
	return snprintf(buf, len, "%s", "");
}

static _Noreturn void vfail(struct rk_verifier *v, int rc, size_t insn, const char *fmt,
                            va_list ap)
{
	if (v->err && v->err_len) {
		int n = where(v, insn, v->err, v->err_len);
		if (n >= 0 && (size_t)n < v->err_len)
			vsnprintf(v->err + n, v->err_len - (size_t)n, fmt, ap);
	}
	if (v->result)
		v->result->error_insn = insn;
	v->fail_rc = rc;
	longjmp(v->fail, 1);
}

void rk_vfail(struct rk_verifier *v, size_t insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(v, -EACCES, insn, fmt, ap);
}

void rk_vfail_rc(struct rk_verifier *v, int rc, size_t insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(v, rc, insn, fmt, ap);
}

/* ---- pending lists ---------------------------------------------------- */

void rk_vlist_add(struct rk_verifier *v, struct rk_vlist *list, uint32_t target,
                  struct rk_vstate *state, size_t at_insn)
{
	size_t pos = 0;
	while (pos < list->count && list->items[pos].target < target)
		pos++;
	if (pos < list->count && list->items[pos].target == target) {
		rk_vstate_join(v, &list->items[pos].state, state, at_insn);
		return;
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		list->items = rk_vrealloc(v, list->items, list->cap * sizeof(*list->items),
		                          cap * sizeof(*list->items));
		list->cap = cap;
	}
	memmove(&list->items[pos + 1], &list->items[pos],
	        (list->count - pos) * sizeof(*list->items));
	list->items[pos] = (struct rk_vpending){.target = target, .state = state};
	list->count++;
}

void rk_vlist_free(struct rk_verifier *v, struct rk_vlist *list)
{
	for (size_t k = 0; k < list->count; k++)
		rk_vstate_free(v, list->items[k].state);
	rk_vfree(v, list->items, list->cap * sizeof(*list->items));
	*list = (struct rk_vlist){0};
}

/* Take the state pending at target (NULL if none); the list stays sorted. */
static struct rk_vstate *list_take(struct rk_vlist *list, uint32_t target)
{
	if (list->count == 0 || list->items[0].target != target)
		return NULL;
	struct rk_vstate *state = list->items[0].state;
	memmove(&list->items[0], &list->items[1], (list->count - 1) * sizeof(*list->items));
	list->count--;
	return state;
}

/* ---- functions and loops ---------------------------------------------- */

const struct rk_vfunc *rk_vfunc_at(const struct rk_verifier *v, uint32_t insn)
{
	size_t low = 0, high = v->func_count;
	while (high - low > 1) {
		size_t mid = (low + high) / 2;
		if (v->funcs[mid].start <= insn)
			low = mid;
		else
			high = mid;
	}
	return &v->funcs[low];
}

static const struct rk_vloop *loop_at(const struct rk_verifier *v, uint32_t entry)
{
	size_t low = 0, high = v->loop_count;
	while (low < high) {
		size_t mid = (low + high) / 2;
		if (v->loops_by_entry[mid]->entry < entry)
			low = mid + 1;
		else
			high = mid;
	}
	return low < v->loop_count && v->loops_by_entry[low]->entry == entry
	               ? v->loops_by_entry[low]
	               : NULL;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int compare_entries(const void *a, const void *b)
{
	const struct rk_vloop *x = *(const struct rk_vloop *const *)a;
	const struct rk_vloop *y = *(const struct rk_vloop *const *)b;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The slot before i that starts an instruction (skips an lddw's second half). */
static size_t prev_slot(const struct rk_verifier *v, size_t i)
{
	return i >= 2 && v->insns[i - 2].code == RK_OP_LDDW ? i - 2 : i - 1;
}

/* Can control reach insn i + 1 from insn i by not jumping? */
static bool falls_through(const struct rk_verifier *v, size_t i)
{
	const struct rk_insn *insn = &v->insns[i];
	if (RK_CLASS(insn->code) != RK_CLS_JMP && RK_CLASS(insn->code) != RK_CLS_JMP32)
		return true;
	uint8_t op = RK_OP(insn->code);
	return op != RK_JMP_JA && op != RK_JMP_EXIT;
}

/* The one entry of each loop: where jumps and fall-through from outside land. */
static void find_entries(struct rk_verifier *v, struct rk_vloop *loops, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		struct rk_vloop *loop = &loops[k];
		loop->entry = UINT32_MAX;
		uint32_t start = rk_vfunc_at(v, loop->head)->start;
		if (loop->head == start || (loop->head > 0 && falls_through(v, prev_slot(v, loop->head))))
			loop->entry = loop->head;
	}
	/* Loops are sorted by head and nest: each has a parent (or none). */
	size_t *parent = rk_valloc(v, count * sizeof(*parent));
	size_t *stack = rk_valloc(v, count * sizeof(*stack));
	size_t depth = 0;
	for (size_t k = 0; k < count; k++) {
		while (depth && loops[stack[depth - 1]].tail < loops[k].head)
			depth--;
		parent[k] = depth ? stack[depth - 1] : SIZE_MAX;
		stack[depth++] = k;
	}
	for (size_t i = 0; i < v->insn_count; i++) {
		int64_t target = rk_insn_target(&v->insns[i], i);
		if (v->insns[i].code == RK_OP_CALL || target == RK_NO_TARGET)
			continue;
		/* The innermost loop with head <= target, then outwards. */
		size_t low = 0, high = count;
		while (low < high) {
			size_t mid = (low + high) / 2;
			if (loops[mid].head <= target)
				low = mid + 1;
			else
				high = mid;
		}
		for (size_t k = low ? low - 1 : SIZE_MAX; k != SIZE_MAX; k = parent[k]) {
			struct rk_vloop *loop = &loops[k];
			if (target > loop->tail)
				continue;
			if (i >= loop->head && i <= loop->tail)
				continue;
			if (loop->entry != UINT32_MAX && loop->entry != (uint32_t)target)
				rk_vfail(v, i,
				         "jump into the loop at insns %u..%u at insn %lld, but it is also "
				         "entered at insn %u; a loop must have a single entry",
				         loop->head, loop->tail, (long long)target, loop->entry);
			loop->entry = (uint32_t)target;
		}
	}
	rk_vfree(v, stack, count * sizeof(*stack));
	rk_vfree(v, parent, count * sizeof(*parent));
	for (size_t k = 0; k < count; k++)
		if (loops[k].entry == UINT32_MAX)
			loops[k].entry = loops[k].head; /* unreachable */
}

static int compare_loops(const void *a, const void *b)
{
	const struct rk_vloop *x = a, *y = b;
	return x->head != y->head ? (x->head < y->head ? -1 : 1)
	                          : (x->tail < y->tail ? -1 : x->tail > y->tail);
}

/* Function starts: 0, every local call target, every code address loaded. */
static void find_functions(struct rk_verifier *v)
{
	size_t cap = 1;
	for (size_t i = 0; i < v->insn_count; i++)
		if (v->insns[i].code == RK_OP_CALL && v->insns[i].src_reg == RK_CALL_LOCAL)
			cap++;
	cap += v->prog->meta.map_ref_count + v->prog->meta.func_count;
	uint32_t *starts = rk_valloc(v, cap * sizeof(*starts));
	size_t count = 0;
	starts[count++] = 0;
	for (size_t i = 0; i < v->insn_count; i++) {
		const struct rk_insn *insn = &v->insns[i];
		if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_LOCAL)
			starts[count++] = (uint32_t)rk_insn_target(insn, i);
	}
	for (size_t k = 0; k < v->prog->meta.map_ref_count; k++)
		if (v->prog->meta.map_refs[k].kind == RK_PSEUDO_CODE_ADDR)
			starts[count++] = v->prog->meta.map_refs[k].off;
	for (size_t k = 0; k < v->prog->meta.func_count; k++)
		starts[count++] = v->prog->meta.func_starts[k];
	qsort(starts, count, sizeof(*starts), compare_u32);
	v->funcs = rk_valloc(v, count * sizeof(*v->funcs));
	for (size_t k = 0; k < count; k++) {
		if (k && starts[k] == starts[k - 1])
			continue;
		if (starts[k] >= v->insn_count)
			rk_vfail(v, SIZE_MAX, "a function starts at insn %u, past the end", starts[k]);
		v->funcs[v->func_count++] = (struct rk_vfunc){.start = starts[k]};
	}
	for (size_t k = 0; k < v->func_count; k++)
		v->funcs[k].end = k + 1 < v->func_count ? v->funcs[k + 1].start
		                                        : (uint32_t)v->insn_count;
	rk_vfree(v, starts, cap * sizeof(*starts));
}

/*
 * Loops: every backward jump.  Jumps to the same head make one loop (the
 * furthest tail wins).  Loops must nest or be disjoint: overlapping loops
 * and jumps into the middle of a loop have no single entry to widen at.
 */
static void find_loops(struct rk_verifier *v)
{
	size_t count = 0;
	for (size_t i = 0; i < v->insn_count; i++) {
		int64_t target = rk_insn_target(&v->insns[i], i);
		if (v->insns[i].code != RK_OP_CALL && target != RK_NO_TARGET && target <= (int64_t)i)
			count++;
	}
	if (!count)
		return;
	struct rk_vloop *loops = rk_valloc(v, count * sizeof(*loops));
	size_t n = 0;
	for (size_t i = 0; i < v->insn_count; i++) {
		const struct rk_insn *insn = &v->insns[i];
		int64_t target = rk_insn_target(insn, i);
		if (insn->code == RK_OP_CALL || target == RK_NO_TARGET || target > (int64_t)i)
			continue;
		if (rk_vfunc_at(v, (uint32_t)target) != rk_vfunc_at(v, (uint32_t)i))
			rk_vfail(v, i, "jump back to insn %lld, which is in another function",
			         (long long)target);
		loops[n++] = (struct rk_vloop){.head = (uint32_t)target, .tail = (uint32_t)i};
	}
	qsort(loops, n, sizeof(*loops), compare_loops);
	size_t merged = 0;
	for (size_t k = 0; k < n; k++) {
		if (merged && loops[merged - 1].head == loops[k].head)
			loops[merged - 1].tail = loops[k].tail;
		else
			loops[merged++] = loops[k];
	}
	for (size_t a = 0; a < merged; a++)
		for (size_t b = a + 1; b < merged && loops[b].head <= loops[a].tail; b++)
			if (loops[b].tail > loops[a].tail)
				rk_vfail(v, loops[b].tail,
				         "the loop at insns %u..%u overlaps the loop at insns %u..%u; "
				         "loops must nest",
				         loops[b].head, loops[b].tail, loops[a].head, loops[a].tail);
	find_entries(v, loops, merged);
	v->loops = loops;
	v->loop_count = merged;
	v->loops_by_entry = rk_valloc(v, merged * sizeof(*v->loops_by_entry));
	for (size_t k = 0; k < merged; k++)
		v->loops_by_entry[k] = &loops[k];
	qsort(v->loops_by_entry, merged, sizeof(*v->loops_by_entry), compare_entries);
}

/* ---- the walker --------------------------------------------------------- */

/*
 * A region is walked in "position" order: a function from its start; a
 * loop body from its entry to its tail, then from its head to just before
 * the entry (the rotated part).  Jumps forward in position order go to the
 * pending list; a jump to a loop body's entry is its back edge; anything
 * leaving the region is an exit.
 */
struct region {
	uint32_t lo, hi, entry;           /* [lo, hi], walked from entry */
	const struct rk_vloop *loop;      /* a loop body, or NULL: a function */
	struct rk_vlist *exits;           /* loop: states leaving the body */
	struct rk_vstate *back;           /* loop: joined back-edge state */
	struct rk_vstate *ret;            /* function: joined return state */
};

static bool inside(const struct region *r, uint32_t insn)
{
	return insn >= r->lo && insn <= r->hi;
}

static uint32_t pos_of(const struct region *r, uint32_t insn)
{
	return insn >= r->entry ? insn - r->entry : insn - r->lo + (r->hi - r->entry + 1);
}

static uint32_t insn_of(const struct region *r, uint32_t pos)
{
	return pos <= r->hi - r->entry ? r->entry + pos : r->lo + pos - (r->hi - r->entry + 1);
}

static void log_insn(struct rk_verifier *v, size_t i, const struct rk_vstate *state)
{
	char text[128];
	char line[1024];
	rk_disasm_insn(v->insns, v->insn_count, i, text, sizeof(text));
	int n = snprintf(line, sizeof(line), "%zu: %-28s ; ", i, text);
	if (n > 0 && (size_t)n < sizeof(line))
		rk_vstate_format(v, state, line + n, sizeof(line) - (size_t)n);
	v->opts->log(v->opts->log_ctx, line);
}

/* Where a state going from insn i to target belongs. */
static void route(struct rk_verifier *v, struct region *r, struct rk_vlist *pending, size_t i,
                  uint32_t target, struct rk_vstate *state)
{
	if (target == RK_VRETURN) {
		if (r->loop)
			rk_vlist_add(v, r->exits, RK_VRETURN, state, i);
		else
			rk_vstate_join(v, &r->ret, state, i);
		return;
	}
	if (r->loop && target == r->entry) {
		rk_vstate_join(v, &r->back, state, i);
		return;
	}
	if (!inside(r, target)) {
		if (r->loop) {
			rk_vlist_add(v, r->exits, target, state, target);
			return;
		}
		if (target == r->hi + 1)
			rk_vfail(v, i, "the function at insns %u..%u runs past its last instruction",
			         r->lo, r->hi);
		rk_vfail(v, i, "jump to insn %u leaves the function at insns %u..%u", target, r->lo,
		         r->hi);
	}
	if (pos_of(r, target) > pos_of(r, (uint32_t)i)) {
		rk_vlist_add(v, pending, pos_of(r, target), state, target);
		return;
	}
	rk_vfail(v, i, "internal: backward jump to insn %u outside a known loop", target);
}

static void walk(struct rk_verifier *v, struct region *r, struct rk_vstate *state)
{
	struct rk_vlist pending = {0}; /* keyed by position */
	struct rk_vstate *cur = state;
	uint32_t end = r->hi - r->lo + 1;
	uint32_t pos = 0;
	for (;;) {
		if (pos < end) {
			struct rk_vstate *waiting = list_take(&pending, pos);
			if (waiting)
				rk_vstate_join(v, &cur, waiting, insn_of(r, pos));
		}
		if (!cur) {
			if (!pending.count)
				break;
			pos = pending.items[0].target;
			continue;
		}
		uint32_t i = insn_of(r, pos);
		if (++v->work > v->work_limit)
			rk_vfail_rc(v, -E2BIG, i,
			            "the program is too complex to verify (more than %llu instructions "
			            "analysed); split it or simplify its loops",
			            (unsigned long long)v->work_limit);
		const struct rk_vloop *loop = loop_at(v, i);
		if (loop && r->loop != loop) {
			/* An inner loop: analysed whole; its exits come back here. */
			if (!inside(r, loop->head) || !inside(r, loop->tail) ||
			    pos_of(r, loop->tail) - pos_of(r, loop->head) != loop->tail - loop->head)
				rk_vfail(v, i, "the loop at insns %u..%u is split by the loop around it",
				         loop->head, loop->tail);
			struct rk_vlist exits = {0};
			rk_vloop(v, loop, cur, &exits);
			cur = NULL;
			uint32_t after = pos_of(r, loop->tail) + 1;
			for (size_t k = 0; k < exits.count; k++) {
				uint32_t target = exits.items[k].target;
				struct rk_vstate *out = exits.items[k].state;
				exits.items[k].state = NULL;
				if (target != RK_VRETURN && inside(r, target) && target != r->entry &&
				    pos_of(r, target) == after) {
					rk_vstate_join(v, &cur, out, target); /* falls out: continues here */
					continue;
				}
				route(v, r, &pending, loop->tail, target, out);
			}
			rk_vlist_free(v, &exits);
			pos = after;
			if (pos >= end && cur) {
				route(v, r, &pending, loop->tail, loop->tail + 1, cur);
				cur = NULL;
			}
			continue;
		}
		if (v->opts->log)
			log_insn(v, i, cur);
		cur->cost++;
		struct rk_vstep step = {0};
		rk_vstep(v, i, cur, &step);
		if (step.branch)
			route(v, r, &pending, i, step.target, step.branch);
		cur = NULL;
		if (step.is_return) {
			route(v, r, &pending, i, RK_VRETURN, step.fallthrough);
		} else if (step.fallthrough) {
			uint32_t next = i + (v->insns[i].code == RK_OP_LDDW ? 2 : 1);
			if (inside(r, next) && next != r->entry && pos_of(r, next) > pos)
				cur = step.fallthrough; /* the usual case: the next position */
			else
				route(v, r, &pending, i, next, step.fallthrough);
		}
		pos += v->insns[i].code == RK_OP_LDDW ? 2 : 1;
		if (cur && insn_of(r, pos) != i + (v->insns[i].code == RK_OP_LDDW ? 2u : 1u)) {
			/* The next position is not the next instruction (rotation): go by pending. */
			route(v, r, &pending, i, i + (v->insns[i].code == RK_OP_LDDW ? 2 : 1), cur);
			cur = NULL;
		}
		if (pos >= end && !cur && !pending.count)
			break;
	}
	rk_vlist_free(v, &pending);
}

struct rk_vstate *rk_vwalk_function(struct rk_verifier *v, uint32_t start,
                                    struct rk_vstate *state)
{
	const struct rk_vfunc *func = rk_vfunc_at(v, start);
	struct region r = {.lo = func->start, .hi = func->end - 1, .entry = func->start};
	walk(v, &r, state);
	return r.ret;
}

struct rk_vstate *rk_vwalk_loop_body(struct rk_verifier *v, const struct rk_vloop *loop,
                                     struct rk_vstate *state, struct rk_vlist *exits)
{
	struct region r = {.lo = loop->head, .hi = loop->tail, .entry = loop->entry, .loop = loop,
	                   .exits = exits};
	walk(v, &r, state);
	return r.back;
}

/* ---- entry ---------------------------------------------------------------- */

static void collect_maps(struct rk_verifier *v)
{
	const struct rk_prog_meta *meta = &v->prog->meta;
	if (!meta->map_ref_count)
		return;
	v->maps = rk_valloc(v, meta->map_ref_count * sizeof(*v->maps));
	for (size_t k = 0; k < meta->map_ref_count; k++) {
		struct rk_map *map = meta->map_refs[k].map;
		if (!map)
			continue;
		bool seen = false;
		for (size_t m = 0; m < v->map_count && !seen; m++)
			seen = v->maps[m] == map;
		if (!seen)
			v->maps[v->map_count++] = map;
	}
}

static struct rk_vstate *entry_state(struct rk_verifier *v)
{
	struct rk_vstate *state = rk_vstate_new(v, 1);
	struct rk_vframe *frame = &state->frames[0];
	if (v->ctx)
		frame->regs[1] = (struct rk_vreg){.type = RK_VT_CTX, .num = rk_vs_const(0)};
	else
		frame->regs[1] = rk_vreg_scalar(rk_vs_unknown());
	/* rk_prog_run() passes the context's length in r2. */
	frame->regs[2] = rk_vreg_scalar(rk_vs_unknown());
	frame->regs[2].sym = ++v->next_sym;
	frame->regs[RK_REG_FP] = (struct rk_vreg){.type = RK_VT_STACK, .num = rk_vs_const(0)};
	return state;
}

static void verify_all(struct rk_verifier *v)
{
	collect_maps(v);
	find_functions(v);
	find_loops(v);
	struct rk_vstate *ret = rk_vwalk_function(v, 0, entry_state(v));
	if (!ret)
		rk_vfail(v, SIZE_MAX, "no path through the program reaches exit");
	v->result->insn_bound = ret->cost;
	rk_vstate_free(v, ret);
}

/* Alone in a function so that nothing of the caller lives across setjmp. */
static int verify_guarded(struct rk_verifier *v)
{
	if (setjmp(v->fail) != 0)
		return v->fail_rc;
	verify_all(v);
	return 0;
}

int rk_verify(const struct rk_prog *prog, const struct rk_verify_opts *opts,
              struct rk_verify_result *result, char *err, size_t err_len)
{
	static const struct rk_verify_opts no_opts;
	struct rk_verify_result local_result;
	if (!result)
		result = &local_result;
	memset(result, 0, sizeof(*result));
	result->error_insn = SIZE_MAX;
	if (err && err_len)
		err[0] = '\0';
	if (!prog)
		return rk_set_err(err, err_len, -EINVAL, "verify: no program");
	struct rk_verifier *v = calloc(1, sizeof(*v));
	if (!v)
		return rk_set_err(err, err_len, -ENOMEM, "verify: out of memory");
	v->prog = prog;
	v->insns = prog->insns;
	v->insn_count = prog->insn_count;
	v->opts = opts ? opts : &no_opts;
	v->ctx = v->opts->ctx;
	v->result = result;
	v->err = err;
	v->err_len = err_len;
	v->work_limit = 4000000ull + 32ull * prog->insn_count;
	v->bytes = v->peak_bytes = sizeof(*v);
	int rc = verify_guarded(v);
	result->insns_analysed = v->work;
	result->peak_bytes = v->peak_bytes;
	while (v->live_count)
		free(v->live[--v->live_count]);
	free(v->live);
	free(v);
	return rc;
}
