/*
 * verify_shapes.c - the program generators of verify_shapes.h.
 *
 * Programs are written as struct rk_insn through a small emitter: forward
 * jumps are emitted with a placeholder offset and bound when their label
 * is reached (bind()), backward jumps (loops) name their target at once.
 * The register conventions are those of clang's output: r1-r5 scratch and
 * clobbered by calls, r6-r9 kept, r10 the frame.
 */
#include "verify_shapes.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HELPER_MAP_LOOKUP_ELEM 1   /* bpf_map_lookup_elem */
#define MAP_FD 0                   /* map_by_fd 0: maps[0] of rk_prog_new_maps() */

#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5
#define R6 6
#define R7 7
#define R8 8
#define R9 9
#define R10 RK_REG_FP

const struct rk_ctx_desc vshape_ctx_desc = {
	.name = "sensor frame",
	.size = VSHAPE_CTX_BYTES,
};

void vshape_map_def(struct rk_map_def *def)
{
	memset(def, 0, sizeof(*def));
	strcpy(def->name, "controller");
	def->type = RK_MAP_ARRAY;
	def->key_size = 4;
	def->value_size = VSHAPE_MAP_VALUE_BYTES;
	def->max_entries = 1;
}

const char *vshape_name(enum vshape shape)
{
	switch (shape) {
	case VSHAPE_FILTER:
		return "filter";
	case VSHAPE_STATE_MACHINE:
		return "state_machine";
	case VSHAPE_LOOPS:
		return "loops";
	case VSHAPE_COUNT:
		break;
	}
	return "?";
}

/* ---- the emitter ------------------------------------------------------ */

struct emitter {
	struct rk_insn *insns;
	size_t count, cap;
	bool out_of_memory;
};

static void emit(struct emitter *e, struct rk_insn insn)
{
	if (e->count == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		struct rk_insn *insns = realloc(e->insns, cap * sizeof(*insns));
		if (!insns) {
			e->out_of_memory = true;
			return;
		}
		e->insns = insns;
		e->cap = cap;
	}
	e->insns[e->count++] = insn;
}

static void alu64_k(struct emitter *e, uint8_t op, unsigned dst, int32_t imm)
{
	emit(e, (struct rk_insn){.code = RK_CLS_ALU64 | op | RK_SRC_K, .dst_reg = dst & 0xf,
	                         .imm = imm});
}

static void alu64_x(struct emitter *e, uint8_t op, unsigned dst, unsigned src)
{
	emit(e, (struct rk_insn){.code = RK_CLS_ALU64 | op | RK_SRC_X, .dst_reg = dst & 0xf,
	                         .src_reg = src & 0xf});
}

/* dst = *(size *)(src + off) */
static void ldx(struct emitter *e, uint8_t size, unsigned dst, unsigned src, int16_t off)
{
	emit(e, (struct rk_insn){.code = RK_CLS_LDX | RK_MODE_MEM | size, .dst_reg = dst & 0xf,
	                         .src_reg = src & 0xf, .off = off});
}

/* *(size *)(dst + off) = src */
static void stx(struct emitter *e, uint8_t size, unsigned dst, int16_t off, unsigned src)
{
	emit(e, (struct rk_insn){.code = RK_CLS_STX | RK_MODE_MEM | size, .dst_reg = dst & 0xf,
	                         .src_reg = src & 0xf, .off = off});
}

/* *(size *)(dst + off) = imm */
static void st(struct emitter *e, uint8_t size, unsigned dst, int16_t off, int32_t imm)
{
	emit(e, (struct rk_insn){.code = RK_CLS_ST | RK_MODE_MEM | size, .dst_reg = dst & 0xf,
	                         .off = off, .imm = imm});
}

/* if (dst op imm) goto label: returns the jump, for bind(). */
static size_t jmp_k(struct emitter *e, uint8_t op, unsigned dst, int32_t imm)
{
	emit(e, (struct rk_insn){.code = RK_CLS_JMP | op | RK_SRC_K, .dst_reg = dst & 0xf,
	                         .imm = imm});
	return e->count - 1;
}

static size_t ja(struct emitter *e)
{
	emit(e, (struct rk_insn){.code = RK_OP_JA});
	return e->count - 1;
}

/* The label of jump is the next instruction to be emitted. */
static void bind(struct emitter *e, size_t jump)
{
	if (!e->out_of_memory)
		e->insns[jump].off = (int16_t)(e->count - jump - 1);
}

/* if (dst op imm) goto head, head already emitted: a loop's back edge. */
static void jmp_back_k(struct emitter *e, uint8_t op, unsigned dst, int32_t imm, size_t head)
{
	emit(e, (struct rk_insn){.code = RK_CLS_JMP | op | RK_SRC_K, .dst_reg = dst & 0xf,
	                         .imm = imm, .off = (int16_t)((long)head - (long)e->count - 1)});
}

static void lddw_map(struct emitter *e, unsigned dst, int32_t fd)
{
	emit(e, (struct rk_insn){.code = RK_OP_LDDW, .dst_reg = dst & 0xf,
	                         .src_reg = RK_PSEUDO_MAP_FD, .imm = fd});
	emit(e, (struct rk_insn){0});
}

static void call(struct emitter *e, int32_t helper)
{
	emit(e, (struct rk_insn){.code = RK_OP_CALL, .imm = helper});
}

static void exit_insn(struct emitter *e)
{
	emit(e, (struct rk_insn){.code = RK_OP_EXIT});
}

/*
 * r6 = the value of key 0 of map 0; returns 0 when the lookup fails (it
 * cannot for an array of one, but the verifier wants the NULL check).
 */
static void map_value_prologue(struct emitter *e)
{
	st(e, RK_SIZE_W, R10, -4, 0);
	lddw_map(e, R1, MAP_FD);
	alu64_x(e, RK_ALU_MOV, R2, R10);
	alu64_k(e, RK_ALU_ADD, R2, -4);
	call(e, HELPER_MAP_LOOKUP_ELEM);
	size_t found = jmp_k(e, RK_JMP_JNE, R0, 0);
	alu64_k(e, RK_ALU_MOV, R0, 0);
	exit_insn(e);
	bind(e, found);
	alu64_x(e, RK_ALU_MOV, R6, R0);
}

/* ---- filter ------------------------------------------------------------ */

#define FILTER_HISTORY 32     /* spill slots of past samples: fp-8 .. fp-256 */
#define FILTER_LIMIT 2048     /* clamp to [-LIMIT, LIMIT] */

static void filter_prologue(struct emitter *e)
{
	alu64_x(e, RK_ALU_MOV, R6, R1);
	alu64_k(e, RK_ALU_MOV, R7, 0);
}

/*
 * x = clamp((sample * gain >> 8) - bias); spill x to the history; y =
 * (3y + x + previous x) / 4.  Samples are u16 at every even offset.
 */
static void filter_block(struct emitter *e, size_t k)
{
	int16_t sample_off = (int16_t)((2 * k) % VSHAPE_CTX_BYTES);
	int32_t gain = 160 + (int32_t)(k % 96);          /* Q8: 0.625 .. 1.0 */
	int32_t bias = 512 + 8 * (int32_t)(k % 64);
	int16_t slot = (int16_t)(-8 * (int)(1 + k % FILTER_HISTORY));
	int16_t prev = k ? (int16_t)(-8 * (int)(1 + (k - 1) % FILTER_HISTORY)) : slot;

	ldx(e, RK_SIZE_H, R2, R6, sample_off);
	alu64_k(e, RK_ALU_MUL, R2, gain);
	alu64_k(e, RK_ALU_RSH, R2, 8);
	alu64_k(e, RK_ALU_ADD, R2, -bias);
	size_t above_min = jmp_k(e, RK_JMP_JSGE, R2, -FILTER_LIMIT);
	alu64_k(e, RK_ALU_MOV, R2, -FILTER_LIMIT);
	bind(e, above_min);
	size_t below_max = jmp_k(e, RK_JMP_JSLE, R2, FILTER_LIMIT);
	alu64_k(e, RK_ALU_MOV, R2, FILTER_LIMIT);
	bind(e, below_max);
	stx(e, RK_SIZE_DW, R10, slot, R2);
	ldx(e, RK_SIZE_DW, R3, R10, prev);
	alu64_x(e, RK_ALU_ADD, R3, R2);
	alu64_k(e, RK_ALU_MUL, R7, 3);
	alu64_x(e, RK_ALU_ADD, R7, R3);
	alu64_k(e, RK_ALU_ARSH, R7, 2);
}

static void filter_epilogue(struct emitter *e)
{
	alu64_x(e, RK_ALU_MOV, R0, R7);
	exit_insn(e);
}

/* ---- state machine ----------------------------------------------------- */

enum { SM_IDLE, SM_ARMING, SM_RUNNING, SM_FAULT };
#define SM_SENSORS ((VSHAPE_MAP_VALUE_BYTES - 4) / 4)   /* u32 after the state */

/* r6 = the map value, r7 = its state (u32 at 0), r9 = the work done. */
static void sm_prologue(struct emitter *e)
{
	map_value_prologue(e);
	ldx(e, RK_SIZE_W, R7, R6, 0);
	alu64_k(e, RK_ALU_MOV, R9, 0);
}

/*
 * switch (state) on this block's sensor: idle arms above a start level,
 * arming runs or faults, running accumulates or faults, a fault waits for
 * the sensor to read 0.  Every case ends at the block's end: 8 paths.
 */
static void sm_block(struct emitter *e, size_t k)
{
	int16_t sensor_off = (int16_t)(4 + 4 * (k % SM_SENSORS));
	int32_t start_level = 100 + (int32_t)(k % 50);
	int32_t limit = 3000 + 100 * (int32_t)(k % 7);
	size_t to_end[8], end_count = 0, to_fault[2], fault_count = 0;

	ldx(e, RK_SIZE_W, R8, R6, sensor_off);
	size_t arming = jmp_k(e, RK_JMP_JEQ, R7, SM_ARMING);
	size_t running = jmp_k(e, RK_JMP_JEQ, R7, SM_RUNNING);
	size_t fault = jmp_k(e, RK_JMP_JEQ, R7, SM_FAULT);
	/* idle, and any value a corrupted map might hold */
	to_end[end_count++] = jmp_k(e, RK_JMP_JLE, R8, start_level);
	alu64_k(e, RK_ALU_MOV, R7, SM_ARMING);
	to_end[end_count++] = ja(e);

	bind(e, arming);
	to_fault[fault_count++] = jmp_k(e, RK_JMP_JGT, R8, limit);
	alu64_k(e, RK_ALU_MOV, R7, SM_RUNNING);
	to_end[end_count++] = ja(e);

	bind(e, running);
	to_fault[fault_count++] = jmp_k(e, RK_JMP_JGT, R8, limit);
	alu64_x(e, RK_ALU_ADD, R9, R8);
	to_end[end_count++] = ja(e);

	bind(e, fault);
	to_end[end_count++] = jmp_k(e, RK_JMP_JNE, R8, 0);
	alu64_k(e, RK_ALU_MOV, R7, SM_IDLE);
	to_end[end_count++] = ja(e);

	for (size_t f = 0; f < fault_count; f++)
		bind(e, to_fault[f]);
	alu64_k(e, RK_ALU_MOV, R7, SM_FAULT);
	stx(e, RK_SIZE_W, R6, 0, R7);

	for (size_t j = 0; j < end_count; j++)
		bind(e, to_end[j]);
}

static void sm_epilogue(struct emitter *e)
{
	stx(e, RK_SIZE_W, R6, 0, R7);
	alu64_x(e, RK_ALU_MOV, R0, R9);
	exit_insn(e);
}

/* ---- loops ------------------------------------------------------------- */

/*
 * The loops walk their arrays with a pointer that steps along with the
 * counter, as clang -O2 emits them, and the stack buffer holds data copied
 * from the map and is only read in loops.  Two limits of the verifier as
 * it stands shaped this (both reported): a value the first iteration
 * leaves as it was - a scratch r3 = i << 2 that held 0 before the loop, a
 * sum += x * i - is taken for a loop invariant and the loop is rejected;
 * and a loop that writes the stack through the counter is rejected.
 */
#define LOOP_BUF_WORDS 16                  /* u64 on the stack: fp-128 .. fp-1 */
#define LOOP_BUF_BYTES (8 * LOOP_BUF_WORDS)
#define LOOP_MAP_WORDS ((VSHAPE_MAP_VALUE_BYTES - 4) / 4)   /* u32 at 4.. */

/* r6 = the map value, copied into the stack buffer; r9 = the result. */
static void loops_prologue(struct emitter *e)
{
	map_value_prologue(e);
	for (int j = 0; j < LOOP_BUF_WORDS; j++) {
		ldx(e, RK_SIZE_DW, R3, R6, (int16_t)(8 * j));
		stx(e, RK_SIZE_DW, R10, (int16_t)(-LOOP_BUF_BYTES + 8 * j), R3);
	}
	alu64_k(e, RK_ALU_MOV, R9, 0);
}

/* acc = 0; for (i = 0; i < trips; i++) acc += buf[i] * coeff; on the stack. */
static void loop_stack_dot(struct emitter *e, int32_t trips, int32_t coeff)
{
	alu64_x(e, RK_ALU_MOV, R4, R10);
	alu64_k(e, RK_ALU_ADD, R4, -LOOP_BUF_BYTES);
	alu64_k(e, RK_ALU_MOV, R2, 0);
	alu64_k(e, RK_ALU_MOV, R5, 0);
	size_t head = e->count;
	ldx(e, RK_SIZE_DW, R3, R4, 0);
	alu64_k(e, RK_ALU_MUL, R3, coeff);
	alu64_x(e, RK_ALU_ADD, R5, R3);
	alu64_k(e, RK_ALU_ADD, R4, 8);
	alu64_k(e, RK_ALU_ADD, R2, 1);
	jmp_back_k(e, RK_JMP_JLT, R2, trips, head);
	alu64_x(e, RK_ALU_ADD, R9, R5);
}

/* for (i = 0; i < trips; i++) value[i] = (value[i] + value[i + 1]) >> 1; */
static void loop_map_smooth(struct emitter *e, int32_t trips)
{
	alu64_x(e, RK_ALU_MOV, R4, R6);
	alu64_k(e, RK_ALU_MOV, R2, 0);
	size_t head = e->count;
	ldx(e, RK_SIZE_W, R3, R4, 4);
	ldx(e, RK_SIZE_W, R5, R4, 8);
	alu64_x(e, RK_ALU_ADD, R3, R5);
	alu64_k(e, RK_ALU_RSH, R3, 1);
	stx(e, RK_SIZE_W, R4, 4, R3);
	alu64_k(e, RK_ALU_ADD, R4, 4);
	alu64_k(e, RK_ALU_ADD, R2, 1);
	jmp_back_k(e, RK_JMP_JLT, R2, trips, head);
	alu64_x(e, RK_ALU_ADD, R9, R3);
}

/* sum = 0; for (i = 0; i < trips; i++) sum += value[i]; value.state = sum. */
static void loop_map_sum(struct emitter *e, int32_t trips)
{
	alu64_x(e, RK_ALU_MOV, R4, R6);
	alu64_k(e, RK_ALU_MOV, R2, 0);
	alu64_k(e, RK_ALU_MOV, R5, 0);
	size_t head = e->count;
	ldx(e, RK_SIZE_W, R3, R4, 4);
	alu64_x(e, RK_ALU_ADD, R5, R3);
	alu64_k(e, RK_ALU_ADD, R4, 4);
	alu64_k(e, RK_ALU_ADD, R2, 1);
	jmp_back_k(e, RK_JMP_JLT, R2, trips, head);
	stx(e, RK_SIZE_W, R6, 0, R5);
	alu64_x(e, RK_ALU_ADD, R9, R5);
}

/* for (j = 0; j < outer; j++) for (i = 0; i < inner; i++) value[i] += buf[j]; */
static void loop_nested(struct emitter *e, int32_t outer, int32_t inner)
{
	alu64_x(e, RK_ALU_MOV, R7, R10);
	alu64_k(e, RK_ALU_ADD, R7, -LOOP_BUF_BYTES);
	alu64_k(e, RK_ALU_MOV, R8, 0);
	size_t outer_head = e->count;
	ldx(e, RK_SIZE_DW, R0, R7, 0);
	alu64_x(e, RK_ALU_MOV, R4, R6);
	alu64_k(e, RK_ALU_MOV, R2, 0);
	size_t inner_head = e->count;
	ldx(e, RK_SIZE_W, R5, R4, 4);
	alu64_x(e, RK_ALU_ADD, R5, R0);
	stx(e, RK_SIZE_W, R4, 4, R5);
	alu64_k(e, RK_ALU_ADD, R4, 4);
	alu64_k(e, RK_ALU_ADD, R2, 1);
	jmp_back_k(e, RK_JMP_JLT, R2, inner, inner_head);
	alu64_k(e, RK_ALU_ADD, R7, 8);
	alu64_k(e, RK_ALU_ADD, R8, 1);
	jmp_back_k(e, RK_JMP_JLT, R8, outer, outer_head);
	alu64_x(e, RK_ALU_ADD, R9, R5);
}

/* Loops of four kinds in turn, trip counts varied by k. */
static void loops_block(struct emitter *e, size_t k)
{
	static const int32_t stack_trips[] = {4, 8, LOOP_BUF_WORDS};
	static const int32_t map_trips[] = {16, 32, LOOP_MAP_WORDS - 1};
	size_t variant = (k / 4) % 3;

	switch (k % 4) {
	case 0:
		loop_stack_dot(e, stack_trips[variant], 3 + (int32_t)(k % 13));
		break;
	case 1:
		loop_map_smooth(e, map_trips[variant]);
		break;
	case 2:
		loop_map_sum(e, map_trips[variant]);
		break;
	default:
		loop_nested(e, 4, 16);
		break;
	}
}

static void loops_epilogue(struct emitter *e)
{
	alu64_x(e, RK_ALU_MOV, R0, R9);
	exit_insn(e);
}

/* ---- the shapes --------------------------------------------------------- */

struct shape_def {
	void (*prologue)(struct emitter *e);
	void (*block)(struct emitter *e, size_t k);
	void (*epilogue)(struct emitter *e);
	size_t epilogue_slots;
	bool uses_map;
};

static const struct shape_def shape_defs[VSHAPE_COUNT] = {
	[VSHAPE_FILTER] = {filter_prologue, filter_block, filter_epilogue, 2, false},
	[VSHAPE_STATE_MACHINE] = {sm_prologue, sm_block, sm_epilogue, 3, true},
	[VSHAPE_LOOPS] = {loops_prologue, loops_block, loops_epilogue, 2, true},
};

static bool is_jump(const struct rk_insn *insn)
{
	uint8_t cls = RK_CLASS(insn->code);
	return (cls == RK_CLS_JMP || cls == RK_CLS_JMP32) && insn->code != RK_OP_CALL &&
	       insn->code != RK_OP_EXIT;
}

static bool is_conditional(const struct rk_insn *insn)
{
	return is_jump(insn) && RK_OP(insn->code) != RK_JMP_JA;
}

static size_t jump_target(const struct rk_insn *insn, size_t i)
{
	if (insn->code == RK_OP_JA32)
		return (size_t)((long)i + 1 + insn->imm);
	return (size_t)((long)i + 1 + insn->off);
}

/* ln(e^a + e^b), exact enough for counting paths up to e^(10^308). */
static double log_add(double a, double b)
{
	if (a == -INFINITY)
		return b;
	if (b == -INFINITY)
		return a;
	double hi = a > b ? a : b, lo = a > b ? b : a;
	return hi + log1p(exp(lo - hi));
}

/*
 * log10 of the number of entry-to-exit paths of an acyclic program, by
 * dynamic programming over the instructions in order (every jump goes
 * forward, so index order is a topological order); -1 with a loop.
 */
static double log10_paths(const struct rk_insn *insns, size_t count)
{
	double *ln_paths = malloc(count * sizeof(*ln_paths));
	double exits = -INFINITY;

	if (!ln_paths)
		return -1;
	for (size_t i = 0; i < count; i++)
		ln_paths[i] = -INFINITY;
	ln_paths[0] = 0;
	for (size_t i = 0; i < count; i++) {
		const struct rk_insn *insn = &insns[i];
		double here = ln_paths[i];
		if (here == -INFINITY)
			continue;
		if (insn->code == RK_OP_EXIT) {
			exits = log_add(exits, here);
			continue;
		}
		if (is_jump(insn)) {
			size_t target = jump_target(insn, i);
			if (target <= i) {
				free(ln_paths);
				return -1;
			}
			ln_paths[target] = log_add(ln_paths[target], here);
			if (!is_conditional(insn))
				continue;
		}
		size_t next = i + (insn->code == RK_OP_LDDW ? 2 : 1);
		if (next < count)
			ln_paths[next] = log_add(ln_paths[next], here);
	}
	free(ln_paths);
	return exits / log(10.0);
}

int vshape_generate(enum vshape shape, size_t target_insns, struct vshape_prog *out)
{
	const struct shape_def *def = &shape_defs[shape];
	struct emitter e = {0};

	memset(out, 0, sizeof(*out));
	def->prologue(&e);
	/* Blocks while the program is further from the target with one more. */
	for (size_t k = 0;; k++) {
		size_t before = e.count;
		def->block(&e, k);
		size_t block_slots = e.count - before;
		if (e.out_of_memory ||
		    e.count + def->epilogue_slots + block_slots / 2 >= target_insns)
			break;
	}
	def->epilogue(&e);
	if (e.out_of_memory) {
		free(e.insns);
		return -ENOMEM;
	}

	out->insns = e.insns;
	out->insn_count = e.count;
	out->uses_map = def->uses_map;
	for (size_t i = 0; i < e.count; i++) {
		if (!is_jump(&e.insns[i]))
			continue;
		out->branch_count += is_conditional(&e.insns[i]);
		out->loop_count += jump_target(&e.insns[i], i) <= i;
	}
	out->log10_paths = out->loop_count ? -1 : log10_paths(e.insns, e.count);
	return 0;
}

void vshape_prog_free(struct vshape_prog *prog)
{
	free(prog->insns);
	prog->insns = NULL;
}
