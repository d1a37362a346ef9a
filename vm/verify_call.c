/*
 * verify_call.c - calls: helper arguments against their prototypes, and
 * local (bpf-to-bpf) calls and bpf_loop callbacks, analysed at the call
 * site with the caller's frames below the callee's.
 *
 * A helper's prototype (rkbpf.h, helpers_std.c) is a promise the helper
 * relies on: it reads and writes through its pointer arguments without
 * further checks.  So every pointer argument is checked as the access the
 * helper will make, sizes must be provably in bounds, and a number
 * argument must not be a pointer (it could be stored or printed).
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "verify_internal.h"

static bool is_data_map(uint32_t type)
{
	return type == RK_MAP_HASH || type == RK_MAP_ARRAY || type == RK_MAP_PERCPU_HASH ||
	       type == RK_MAP_PERCPU_ARRAY || type == RK_MAP_LRU_HASH ||
	       type == RK_MAP_LRU_PERCPU_HASH;
}

/* Which map types a helper's map argument accepts ("" when any is fine). */
static bool map_type_ok(uint32_t helper, uint32_t type, const char **wanted)
{
	switch (helper) {
	case BPF_FUNC_map_lookup_elem:
		/* A time series hands out its latest sample (read-only: see below). */
		*wanted = "a hash, array or timeseries map";
		return is_data_map(type) || type == RK_MAP_TIMESERIES;
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
		*wanted = "a hash or array map";
		return is_data_map(type);
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_query:
		*wanted = "a ringbuf map";
		return type == RK_MAP_RINGBUF;
	case BPF_FUNC_perf_event_output:
		*wanted = "a perf_event_array map";
		return type == RK_MAP_PERF_EVENT_ARRAY;
	case BPF_FUNC_tail_call:
		*wanted = "a prog_array map";
		return type == RK_MAP_PROG_ARRAY;
	case RK_HELPER_TIMESERIES_PUSH:
	case RK_HELPER_TIMESERIES_WINDOW:
		*wanted = "a timeseries map";
		return type == RK_MAP_TIMESERIES;
	}
	*wanted = "";
	return true;
}

/* reg, formatted into buf: for messages, so only on the way to rk_vfail(). */
static const char *describe(const struct rk_verifier *v, const struct rk_vreg *reg, char *buf,
                            size_t len)
{
	rk_vreg_format(v, reg, buf, len);
	return buf;
}

#define DESCRIBE(reg) describe(v, (reg), value, sizeof(value))

static void clobber_caller_saved(struct rk_vframe *frame)
{
	for (unsigned r = 1; r <= 5; r++)
		frame->regs[r] = rk_vreg_uninit();
}

/* A size argument: a number in [0, RK_VMAX_VAR_OFF]; > 0 unless zero is allowed. */
static void size_arg(struct rk_verifier *v, size_t i, const char *helper, unsigned r,
                     const struct rk_vreg *reg, bool zero_ok, uint64_t *min, uint64_t *max)
{
	char value[160];
	if (reg->type != RK_VT_SCALAR)
		rk_vfail(v, i, "%s: %s (a size) must be a number, is %s", helper, rk_vreg_name(r),
		         DESCRIBE(reg));
	if (reg->num.smin < 0 || reg->num.umax > RK_VMAX_VAR_OFF)
		rk_vfail(v, i,
		         "%s: size %s may be %s; bound it (e.g. if (n > sizeof(buf)) n = "
		         "sizeof(buf)) before the call",
		         helper, rk_vreg_name(r), DESCRIBE(reg));
	if (!zero_ok && reg->num.umin == 0)
		rk_vfail(v, i, "%s: size %s may be 0 (%s); this helper needs at least 1 byte", helper,
		         rk_vreg_name(r), DESCRIBE(reg));
	*min = reg->num.umin;
	*max = reg->num.umax;
}

static struct rk_map *arg_map(struct rk_verifier *v, size_t i, const char *helper, unsigned r,
                              const struct rk_vreg *map_reg)
{
	if (!map_reg)
		rk_vfail(v, i, "%s: %s needs a map argument before it", helper, rk_vreg_name(r));
	return v->maps[map_reg->aux];
}

enum const_str_problem { STR_OK, STR_NOT_CONST, STR_WHICH_ENTRY, STR_NO_NUL };

/* The string reg points to in read-only global data, or NULL and why not. */
static const char *const_str_find(const struct rk_verifier *v, const struct rk_vreg *reg,
                                  enum const_str_problem *problem)
{
	if (reg->type != RK_VT_MAP_VALUE || !(reg->flags & RK_VF_READONLY) ||
	    !rk_vs_is_const(&reg->num)) {
		*problem = STR_NOT_CONST;
		return NULL;
	}
	struct rk_map *map = v->maps[reg->aux];
	const struct rk_map_def *def = rk_map_def(map);
	/* The bytes checked must be the ones the helper reads.  A direct address
	 * (lddw of global data) is in entry 0 of its array (prog_maps.c); a lookup
	 * result may be in any entry, and which one is not tracked - unless there
	 * is only one (a lookup of any other key returns NULL). */
	if (reg->id != RK_VID_GLOBAL_DATA + reg->aux &&
	    (def->type != RK_MAP_ARRAY || def->max_entries != 1)) {
		*problem = STR_WHICH_ENTRY;
		return NULL;
	}
	uint32_t key = 0;
	const char *data = rk_map_lookup(map, &key);
	uint32_t size = def->value_size;
	if (!data || reg->num.umin >= size ||
	    !memchr(data + reg->num.umin, '\0', size - reg->num.umin)) {
		*problem = STR_NO_NUL;
		return NULL;
	}
	*problem = STR_OK;
	return data + reg->num.umin;
}

/* A NUL-terminated string in read-only global data (.rodata). */
static const char *const_str_arg(struct rk_verifier *v, size_t i, const char *helper,
                                 unsigned r, const struct rk_vreg *reg)
{
	enum const_str_problem problem;
	const char *str = const_str_find(v, reg, &problem);
	if (str)
		return str;
	char value[160];
	switch (problem) {
	case STR_NOT_CONST:
		rk_vfail(v, i,
		         "%s: %s (%s) must point to a constant string in read-only data (a string "
		         "literal or a const global)",
		         helper, rk_vreg_name(r), DESCRIBE(reg));
	case STR_WHICH_ENTRY: {
		const struct rk_map_def *def = rk_map_def(v->maps[reg->aux]);
		rk_vfail(v, i,
		         "%s: %s (%s) points into one of the %u values of map '%s', and the "
		         "verifier does not know which, so it cannot check the string; pass a "
		         "string literal or a const global",
		         helper, rk_vreg_name(r), DESCRIBE(reg), def->max_entries, def->name);
	}
	default:
		rk_vfail(v, i, "%s: the string at %s (%s) is not NUL-terminated within its object",
		         helper, rk_vreg_name(r), DESCRIBE(reg));
	}
}

/*
 * A format's %s would make the helper read a string at whatever number the
 * program passes - the daemon's own memory.  Formats must be constants
 * (bpf_printk makes them so) and must not use %s.
 *
 * Returns the number of conversions: every '%' that does not start "%%".
 * The helpers (helpers_format.c) read one argument per conversion and no
 * more; their parser skips "%%" exactly as here, and a valid conversion
 * never contains a '%', so this count is never below theirs (a format it
 * over-counts is one they refuse before reading any argument).
 */
static unsigned check_format(struct rk_verifier *v, size_t i, const char *helper, unsigned r,
                             const struct rk_vreg *reg)
{
	const char *fmt = const_str_arg(v, i, helper, r, reg);
	unsigned conversions = 0;
	for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 1, '%')) {
		if (p[1] == '%') {
			p++;
			continue;
		}
		conversions++;
		const char *conv = p + 1;
		while (*conv && strchr("0123456789+- lh", *conv))
			conv++;
		if (*conv == 's')
			rk_vfail(v, i,
			         "%s: the format uses %%s, which would read memory at an address the "
			         "program chooses; copy the string into the event with "
			         "bpf_probe_read_user_str instead",
			         helper);
	}
	return conversions;
}

static void release_record(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                           const char *helper, unsigned r, const struct rk_vreg *reg);

static void call_callback(struct rk_verifier *v, size_t i, struct rk_vstate **state,
                          const struct rk_vreg *func, const struct rk_vreg *nr,
                          const struct rk_vreg *ctx_arg);

void rk_vcall_helper(struct rk_verifier *v, size_t i, struct rk_vstate **statep)
{
	struct rk_vstate *state = *statep;
	struct rk_vframe *frame = rk_vcur(state);
	uint32_t id = (uint32_t)v->insns[i].imm;
	if (id == RK_CORE_POISON_HELPER)
		rk_vfail(v, i,
		         "this instruction's CO-RE relocation failed at load time (the field or type "
		         "does not exist in the target kernel) and it is reachable; guard it with "
		         "bpf_core_field_exists()");
	const struct rk_helper_proto *proto = rk_helpers_proto(v->prog->helpers, id);
	if (!proto)
		rk_vfail(v, i, "call to unknown helper %u", id);
	const char *name = proto->name ? proto->name : "helper";
	const struct rk_vreg *map_reg = NULL;
	struct rk_vreg map_arg;
	const struct rk_vreg *func_reg = NULL, *nr_reg = NULL, *ctx_reg = NULL;
	const struct rk_vreg *record = NULL;
	uint64_t alloc_size = 0;
	char value[160];
	unsigned arg_count = RK_HELPER_MAX_ARGS; /* arguments the helper reads */

	for (unsigned a = 0; a < RK_HELPER_MAX_ARGS; a++) {
		enum rk_arg_kind kind = proto->args[a];
		if (kind == RK_ARG_NONE)
			break;
		unsigned r = a + 1;
		struct rk_vreg *reg = &frame->regs[r];
		if (id == BPF_FUNC_trace_printk && a == 2) {
			/* The values r3..r5 are read only as far as the format converts
			 * (bpf_printk("v=%d\n", v) sets r1..r3; helpers_format.c): check
			 * those, and ignore the rest whatever they hold.  A format that is
			 * not a constant string is refused after the loop; until then,
			 * every value counts. */
			enum const_str_problem problem;
			bool values_only = true; /* the prototype this relies on: r3..r5 values */
			for (unsigned rest = a; rest < RK_HELPER_MAX_ARGS; rest++)
				values_only &= proto->args[rest] == RK_ARG_ANYTHING;
			if (values_only && const_str_find(v, &frame->regs[1], &problem)) {
				unsigned used = check_format(v, i, name, 1, &frame->regs[1]);
				if (used < RK_HELPER_MAX_ARGS - a)
					arg_count = a + used;
			}
		}
		if (a >= arg_count)
			break;
		if (reg->type == RK_VT_UNINIT || reg->type == RK_VT_CONFLICT)
			rk_vfail(v, i, "%s: argument %s is not initialised (%s)", name, rk_vreg_name(r),
			         DESCRIBE(reg));
		switch (kind) {
		case RK_ARG_NONE:
			break;
		case RK_ARG_ANYTHING:
			/* Only helpers that use an address without revealing it take pointers:
			 * bpf_loop's context and the traced process's address to read. */
			if (rk_vreg_is_ptr(reg) && id != BPF_FUNC_loop && id != BPF_FUNC_probe_read_user &&
			    id != BPF_FUNC_probe_read_user_str)
				rk_vfail(v, i,
				         "%s: passing pointer %s (%s) would reveal the daemon's addresses",
				         name, rk_vreg_name(r), DESCRIBE(reg));
			break;
		case RK_ARG_SCALAR:
			if (reg->type != RK_VT_SCALAR)
				rk_vfail(v, i,
				         "%s: %s must be a number, but holds a pointer (%s); passing it "
				         "would reveal the daemon's addresses",
				         name, rk_vreg_name(r), DESCRIBE(reg));
			if (id == BPF_FUNC_loop && a == 0)
				nr_reg = reg;
			break;
		case RK_ARG_CONST_MAP_PTR: {
			if (reg->type != RK_VT_MAP_PTR)
				rk_vfail(v, i, "%s: %s must be a map (lddw of a map), is %s", name,
				         rk_vreg_name(r), DESCRIBE(reg));
			const char *wanted;
			uint32_t type = rk_map_def(v->maps[reg->aux])->type;
			if (!map_type_ok(id, type, &wanted))
				rk_vfail(v, i, "%s needs %s; map '%s' is a %s map", name, wanted,
				         rk_map_def(v->maps[reg->aux])->name, rk_map_type_name(type));
			map_arg = *reg;
			map_reg = &map_arg;
			break;
		}
		case RK_ARG_PTR_TO_MAP_KEY: {
			struct rk_map *map = arg_map(v, i, name, r, map_reg);
			uint32_t size = rk_map_def(map)->key_size;
			rk_vmem_arg(v, i, state, r, size, size, false, name);
			break;
		}
		case RK_ARG_PTR_TO_MAP_VALUE: {
			struct rk_map *map = arg_map(v, i, name, r, map_reg);
			uint32_t size = rk_map_def(map)->value_size;
			rk_vmem_arg(v, i, state, r, size, size, false, name);
			break;
		}
		case RK_ARG_PTR_TO_MEM:
		case RK_ARG_PTR_TO_UNINIT_MEM: {
			enum rk_arg_kind next = a + 1 < RK_HELPER_MAX_ARGS ? proto->args[a + 1]
			                                                     : RK_ARG_NONE;
			if (next != RK_ARG_CONST_SIZE && next != RK_ARG_CONST_SIZE_OR_ZERO)
				rk_vfail(v, i, "internal: %s: memory argument %u without a size", name, r);
			uint64_t min, max;
			size_arg(v, i, name, r + 1, &frame->regs[r + 1], next == RK_ARG_CONST_SIZE_OR_ZERO,
			         &min, &max);
			if (max == 0)
				break; /* nothing is touched; any value will do */
			rk_vmem_arg(v, i, state, r, min, max, kind == RK_ARG_PTR_TO_UNINIT_MEM, name);
			break;
		}
		case RK_ARG_CONST_SIZE:
		case RK_ARG_CONST_SIZE_OR_ZERO:
			break; /* checked with the memory argument before it */
		case RK_ARG_CONST_ALLOC_SIZE_OR_ZERO:
			if (reg->type != RK_VT_SCALAR || !rk_vs_is_const(&reg->num) ||
			    reg->num.umin > RK_VMAX_VAR_OFF)
				rk_vfail(v, i, "%s: the size %s (%s) must be a constant (sizeof the record)",
				         name, rk_vreg_name(r), DESCRIBE(reg));
			alloc_size = reg->num.umin;
			break;
		case RK_ARG_PTR_TO_CTX:
			if (reg->type != RK_VT_CTX || !rk_vs_is_const(&reg->num) || reg->num.umin != 0)
				rk_vfail(v, i, "%s: %s must be the context the program received (r1 at "
				         "entry), is %s",
				         name, rk_vreg_name(r), DESCRIBE(reg));
			break;
		case RK_ARG_PTR_TO_RINGBUF_REC:
			record = reg;
			release_record(v, i, state, name, r, reg);
			break;
		case RK_ARG_PTR_TO_FUNC:
			if (reg->type != RK_VT_FUNC)
				rk_vfail(v, i, "%s: %s must be a function (the callback), is %s", name,
				         rk_vreg_name(r), DESCRIBE(reg));
			func_reg = reg;
			if (id == BPF_FUNC_loop)
				ctx_reg = &frame->regs[r + 1];
			break;
		case RK_ARG_PTR_TO_CONST_STR:
			const_str_arg(v, i, name, r, reg);
			break;
		}
	}
	(void)record;
	if (id == BPF_FUNC_trace_printk)
		check_format(v, i, name, 1, &frame->regs[1]);
	if (id == BPF_FUNC_snprintf)
		check_format(v, i, name, 3, &frame->regs[3]);

	if (id == BPF_FUNC_tail_call) {
		if (state->frame_count > 1)
			rk_vfail(v, i,
			         "bpf_tail_call inside a subprogram or callback is not supported; call it "
			         "from the program's main function");
		if (state->ref_count)
			rk_vfail(v, i,
			         "bpf_tail_call with the ring-buffer record reserved at insn %u still "
			         "held; submit or discard it first",
			         state->ref_insn[0]);
		v->result->tail_calls = true;
	}
	if (func_reg) {
		struct rk_vreg func = *func_reg, nr = nr_reg ? *nr_reg : rk_vreg_scalar(rk_vs_unknown());
		struct rk_vreg ctx_arg = ctx_reg ? *ctx_reg : rk_vreg_uninit();
		call_callback(v, i, statep, &func, &nr, &ctx_arg);
		state = *statep;
		frame = rk_vcur(state);
	}

	clobber_caller_saved(frame);
	struct rk_vreg *r0 = &frame->regs[0];
	switch (proto->ret) {
	case RK_RET_VOID:
		*r0 = rk_vreg_uninit();
		break;
	case RK_RET_SCALAR:
		*r0 = rk_vreg_scalar(rk_vs_unknown());
		if (id == BPF_FUNC_get_prandom_u32 || id == BPF_FUNC_get_smp_processor_id)
			r0->num = rk_vs_sized(4);
		r0->sym = ++v->next_sym;
		break;
	case RK_RET_MAP_VALUE_OR_NULL:
		if (!map_reg)
			rk_vfail(v, i, "internal: %s returns a map value without a map argument", name);
		*r0 = (struct rk_vreg){.type = RK_VT_MAP_VALUE, .aux = map_reg->aux,
		                       .flags = RK_VF_MAYBE_NULL, .id = ++v->next_id,
		                       .num = rk_vs_const(0)};
		if (rk_map_def(v->maps[map_reg->aux])->map_flags & (1u << 7))
			r0->flags |= RK_VF_READONLY;
		/* The latest sample of a time series is history: writing it would
		 * rewrite a pushed value (and the ring's bookkeeping sits next to it). */
		if (rk_map_def(v->maps[map_reg->aux])->type == RK_MAP_TIMESERIES)
			r0->flags |= RK_VF_READONLY;
		break;
	case RK_RET_MEM_OR_NULL:
		if (state->ref_count == RK_VMAX_REFS)
			rk_vfail(v, i, "%s: more than %d ring-buffer records held at once", name,
			         RK_VMAX_REFS);
		*r0 = (struct rk_vreg){.type = RK_VT_MEM, .aux = (uint32_t)alloc_size,
		                       .flags = RK_VF_MAYBE_NULL | RK_VF_RINGBUF, .id = ++v->next_id,
		                       .num = rk_vs_const(0)};
		state->refs[state->ref_count] = r0->id;
		state->ref_insn[state->ref_count] = (uint32_t)i;
		state->ref_count++;
		break;
	}
	r0->origin = (uint32_t)i;
}

static void invalidate(struct rk_vreg *reg, void *arg)
{
	(void)arg;
	*reg = rk_vreg_uninit();
}

static void release_record(struct rk_verifier *v, size_t i, struct rk_vstate *state,
                           const char *helper, unsigned r, const struct rk_vreg *reg)
{
	char value[160];
	if (reg->type != RK_VT_MEM || !(reg->flags & RK_VF_RINGBUF))
		rk_vfail(v, i,
		         "%s: %s (%s) must be a record from bpf_ringbuf_reserve (a record already "
		         "submitted or discarded cannot be released again)",
		         helper, rk_vreg_name(r), DESCRIBE(reg));
	if (reg->flags & RK_VF_MAYBE_NULL)
		rk_vfail(v, i,
		         "%s: %s may be NULL here; check the result of bpf_ringbuf_reserve (insn %u) "
		         "before using it",
		         helper, rk_vreg_name(r), reg->origin);
	if (!rk_vs_is_const(&reg->num) || reg->num.umin != 0)
		rk_vfail(v, i, "%s: %s (%s) must point to the start of the record", helper,
		         rk_vreg_name(r), DESCRIBE(reg));
	uint32_t id = reg->id;
	if (!rk_vstate_drop_ref(state, id))
		rk_vfail(v, i, "%s: the record in %s was already submitted or discarded", helper,
		         rk_vreg_name(r));
	rk_vstate_each_id(state, id, invalidate, NULL);
}

/* ---- local calls -------------------------------------------------------- */

/* Push a frame for the function at start; args r1..r5 from the caller's. */
static void push_frame(struct rk_verifier *v, size_t i, struct rk_vstate **statep, uint32_t start,
                       const struct rk_vreg args[5], bool callback)
{
	struct rk_vstate *state = *statep;
	if (state->frame_count >= RK_VERIFY_MAX_CALL_DEPTH)
		rk_vfail(v, i, "call depth exceeds %d frames (is the function recursive?)",
		         RK_VERIFY_MAX_CALL_DEPTH);
	struct rk_vframe *frames = rk_valloc(v, (state->frame_count + 1) * sizeof(*frames));
	memcpy(frames, state->frames, state->frame_count * sizeof(*frames));
	rk_vfree(v, state->frames, state->frame_count * sizeof(*frames));
	state->frames = frames;
	struct rk_vframe *frame = &frames[state->frame_count];
	memset(frame, 0, sizeof(*frame));
	for (unsigned r = 1; r <= 5; r++)
		frame->regs[r] = args[r - 1];
	frame->regs[RK_REG_FP] = (struct rk_vreg){.type = RK_VT_STACK, .aux = state->frame_count,
	                                          .num = rk_vs_const(0)};
	frame->callsite = (uint32_t)i;
	frame->func = start;
	frame->callback = callback;
	state->frame_count++;
}

/* Pop the callee's frame: its spills go, r0 comes back, r1..r5 are clobbered. */
static void pop_frame(struct rk_verifier *v, struct rk_vstate *state)
{
	uint32_t callee = state->frame_count - 1;
	struct rk_vreg r0 = state->frames[callee].regs[0];
	for (size_t k = 0; k < state->spill_count;)
		if (state->spills[k].frame == callee)
			rk_vspill_remove_at(state, k);
		else
			k++;
	struct rk_vframe *frames = rk_valloc(v, callee * sizeof(*frames));
	memcpy(frames, state->frames, callee * sizeof(*frames));
	rk_vfree(v, state->frames, state->frame_count * sizeof(*frames));
	state->frames = frames;
	state->frame_count = callee;
	struct rk_vframe *frame = rk_vcur(state);
	frame->regs[0] = r0;
	clobber_caller_saved(frame);
}

void rk_vcall_local(struct rk_verifier *v, size_t i, struct rk_vstate **statep)
{
	struct rk_vstate *state = *statep;
	uint32_t target = (uint32_t)rk_insn_target(&v->insns[i], i);
	struct rk_vreg args[5];
	for (unsigned r = 1; r <= 5; r++) {
		args[r - 1] = rk_vcur(state)->regs[r];
		/* NULL-check ids stay meaningful across the call; symbols do not need to. */
	}
	push_frame(v, i, statep, target, args, false);
	struct rk_vstate *ret = rk_vwalk_function(v, target, *statep);
	*statep = NULL;
	if (!ret)
		rk_vfail(v, i, "the function called here (insn %u) never returns", target);
	pop_frame(v, ret);
	*statep = ret;
}

/*
 * bpf_loop(nr, callback, ctx, flags): the callback runs 0..nr times with
 * r1 = the index, r2 = ctx.  What it may change in the caller's memory is
 * found by running it from the state before the loop, then from the join
 * of that and its own result, until nothing grows (changed numbers are
 * widened to "unknown" after two rounds).
 */
static void widen_changed(struct rk_verifier *v, struct rk_vstate *to, const struct rk_vstate *from)
{
	(void)v;
	for (size_t k = 0; k < to->spill_count; k++) {
		struct rk_vspill *spill = &to->spills[k];
		if (spill->reg.type != RK_VT_SCALAR)
			continue;
		for (size_t m = 0; m < from->spill_count; m++) {
			const struct rk_vspill *old = &from->spills[m];
			if (old->frame == spill->frame && old->off == spill->off &&
			    old->size == spill->size && !rk_vs_equal(&old->reg.num, &spill->reg.num)) {
				spill->reg.num = spill->size == 8 ? rk_vs_unknown() : rk_vs_sized(spill->size);
				spill->reg.sym = 0;
			}
		}
	}
	struct rk_vframe *frame = rk_vcur(to);
	for (unsigned r = 0; r < RK_REG_COUNT; r++)
		if (frame->regs[r].type == RK_VT_SCALAR)
			frame->regs[r].sym = 0;
}

static void call_callback(struct rk_verifier *v, size_t i, struct rk_vstate **statep,
                          const struct rk_vreg *func, const struct rk_vreg *nr,
                          const struct rk_vreg *ctx_arg)
{
	uint32_t start = func->aux;
	const struct rk_vfunc *f = rk_vfunc_at(v, start);
	if (f->start != start)
		rk_vfail(v, i, "bpf_loop: the callback (insn %u) is not the start of a function", start);
	if (nr->num.umax > RK_MAX_LOOP_ITERATIONS && nr->num.umin > RK_MAX_LOOP_ITERATIONS)
		rk_vfail(v, i, "bpf_loop: nr is always above the limit of %u iterations",
		         RK_MAX_LOOP_ITERATIONS);
	uint64_t iterations = nr->num.umax < RK_MAX_LOOP_ITERATIONS ? nr->num.umax
	                                                            : RK_MAX_LOOP_ITERATIONS;
	if (ctx_arg->type == RK_VT_UNINIT || ctx_arg->type == RK_VT_CONFLICT)
		rk_vfail(v, i, "bpf_loop: the callback context r3 is not initialised");
	struct rk_vs index = rk_vs_urange(0, iterations ? iterations - 1 : 0);
	struct rk_vreg args[5] = {rk_vreg_scalar(index), *ctx_arg, rk_vreg_uninit(),
	                          rk_vreg_uninit(), rk_vreg_uninit()};
	args[0].sym = ++v->next_sym;

	struct rk_vstate *before = *statep;
	*statep = NULL;
	uint64_t cost_in = before->cost;
	struct rk_vstate *acc = rk_vstate_copy(v, before); /* what holds after 0..k calls */
	uint64_t call_cost = 0;
	for (int round = 0;; round++) {
		struct rk_vstate *entry = rk_vstate_copy(v, acc);
		entry->cost = 0;
		push_frame(v, i, &entry, start, args, true);
		struct rk_vstate *ret = rk_vwalk_function(v, start, entry);
		if (!ret)
			rk_vfail(v, i, "bpf_loop: the callback (insn %u) never returns", start);
		if (ret->ref_count != acc->ref_count)
			rk_vfail(v, i,
			         "bpf_loop: the callback must release every ring-buffer record it "
			         "reserves before returning");
		pop_frame(v, ret);
		if (ret->cost > call_cost)
			call_cost = ret->cost;
		ret->cost = acc->cost;
		if (rk_vstate_contains(acc, ret)) {
			rk_vstate_free(v, ret);
			break;
		}
		if (round >= 2)
			widen_changed(v, ret, acc);
		if (round >= 6)
			rk_vfail(v, i,
			         "bpf_loop: cannot find what the callback (insn %u) leaves in memory "
			         "after any number of calls",
			         start);
		struct rk_vstate *old = rk_vstate_copy(v, acc);
		rk_vstate_join(v, &acc, ret, i);
		if (round >= 2)
			widen_changed(v, acc, old);
		rk_vstate_free(v, old);
	}
	rk_vstate_free(v, before);
	acc->cost = cost_in + iterations * (call_cost + 1);
	*statep = acc;
}
