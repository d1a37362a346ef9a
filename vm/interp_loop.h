/*
 * interp_loop.h - the body of both interpreters, instantiated twice:
 *   interp_fast.c    INTERP_CHECKED 0: walks rk_prog.fast_code, each slot
 *                    holding the address of its handler (threaded dispatch,
 *                    no table lookup), no checks per instruction;
 *   interp_checked.c INTERP_CHECKED 1: walks the raw rk_prog.insns through
 *                    a handler table, checking every memory access against
 *                    the regions the program may touch and every register
 *                    read against initialisation.
 * One body means one place to read each opcode's semantics (RFC 9669), so
 * the oracle and the fast path cannot drift apart.
 *
 * Before including, define:
 *   INTERP_NAME     the function to define
 *   INTERP_CHECKED  0 or 1
 *   INTERP_INSN     the slot type walked (struct rk_pinsn or struct rk_insn)
 *   INTERP_CODE(p)  the slot array of prog p
 *   INTERP_HELPER(p, slot)  the helper function a CALL slot names
 *
 * What must stay true: a handler ends in NEXT(), JUMP_IF() or an explicit
 * DISPATCH()/goto; control never falls from one handler into the next.
 */
#include <string.h>

#include "vm_internal.h"

#if INTERP_CHECKED
#define DISPATCH()                                                                       \
	do {                                                                             \
		if (++executed > insn_limit)                                             \
			goto stop_insn_limit;                                            \
		goto *handlers[((const struct rk_insn *)pc)->code];                      \
	} while (0)
#define READ(r)                                                                          \
	do {                                                                             \
		if (!(init_mask & (1u << (r)))) {                                        \
			bad_reg = (r);                                                   \
			goto stop_uninit_reg;                                            \
		}                                                                        \
	} while (0)
#define MARK(r) (init_mask |= 1u << (r))
#define ACCESS(addr, size, is_write)                                                     \
	do {                                                                             \
		access_addr = (addr);                                                    \
		access_size = (size);                                                    \
		access_write = (is_write);                                               \
		stop = check_access(access_addr, access_size, access_write, regions,     \
		                    region_count, &region_hit);                          \
		if (stop == RK_STOP_EXIT && region_hit == &regions[0])                   \
			stop = stack_access(stack_shadow, (uintptr_t)stack, access_addr, \
			                    access_size, access_write);                  \
		if (stop != RK_STOP_EXIT)                                                \
			goto stop_access;                                                \
	} while (0)
/* An atomic reads, then writes: the bytes must be there and initialised. */
#define ATOMIC_ACCESS(addr, size)                                                        \
	do {                                                                             \
		if ((addr) % (size)) {                                                   \
			access_addr = (addr);                                            \
			access_size = (size);                                            \
			stop = RK_STOP_BAD_ACCESS;                                       \
			misaligned = true;                                               \
			goto stop_access;                                                \
		}                                                                        \
		ACCESS(addr, size, false);                                               \
		ACCESS(addr, size, true);                                                \
	} while (0)
#else
#define DISPATCH() goto *pc->handler
#define READ(r) ((void)0)
#define MARK(r) ((void)0)
#define ACCESS(addr, size, is_write) ((void)0)
#define ATOMIC_ACCESS(addr, size) ((void)0)
#endif

/* Checked mode: a helper's arguments, to mark the stack bytes it writes. */
#if INTERP_CHECKED
#define REMEMBER_HELPER_ARGS(proto)                                                      \
	do {                                                                             \
		helper_proto = (proto);                                                  \
		memcpy(helper_args, &reg[1], sizeof(helper_args));                       \
	} while (0)
#else
#define REMEMBER_HELPER_ARGS(proto) ((void)0)
#endif

/* Before a helper runs: what a bpf_loop callback needs to know of this run. */
#if INTERP_CHECKED
#define PUBLISH_NEST()                                                                   \
	do {                                                                             \
		nest.depth = depth;                                                      \
		nest.fp = reg[RK_REG_FP];                                                \
		nest.executed = executed;                                                \
		run->interp_state = &nest;                                               \
	} while (0)
#else
#define PUBLISH_NEST()                                                                   \
	do {                                                                             \
		nest.depth = depth;                                                      \
		nest.fp = reg[RK_REG_FP];                                                \
		run->interp_state = &nest;                                               \
	} while (0)
#endif

#define NEXT()                                                                           \
	do {                                                                             \
		pc++;                                                                    \
		DISPATCH();                                                              \
	} while (0)
#define JUMP_IF(cond)                                                                    \
	do {                                                                             \
		if (cond)                                                                \
			pc += pc->off;                                                   \
		NEXT();                                                                  \
	} while (0)

#define DST reg[pc->dst_reg]
#define SRC reg[pc->src_reg]
#define IMM64 ((uint64_t)(int64_t)pc->imm) /* ALU64/JMP: imm sign-extended */
#define IMM32 ((uint32_t)pc->imm)
#define READ_DST() READ(pc->dst_reg)
#define READ_BOTH()                                                                      \
	do {                                                                             \
		READ(pc->dst_reg);                                                       \
		READ(pc->src_reg);                                                       \
	} while (0)
#define MEM_ADDR(base) ((uintptr_t)((base) + (uint64_t)(int64_t)pc->off))

#define REG_BIT(r) (1u << (r))
#define ARG_REGS (REG_BIT(1) | REG_BIT(2) | REG_BIT(3) | REG_BIT(4) | REG_BIT(5))
#define CALLEE_SAVED (REG_BIT(6) | REG_BIT(7) | REG_BIT(8) | REG_BIT(9))

static int INTERP_SUBPROG(struct rk_run *run, uint32_t insn_index, const uint64_t args[5],
                          uint64_t *retval);

#if defined(__GNUC__) && !defined(__clang__)
/* Label addresses are only valid in the one copy of this function. */
__attribute__((noinline, noclone))
#else
__attribute__((noinline))
#endif
int INTERP_NAME(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                const struct rk_run_opts *opts, struct rk_run_result *result,
                const void **handlers_out, const void **invalid_out,
                const struct rk_interp_entry *entry)
{
	const void *handlers[256];

	if (INTERP_CHECKED || !prog) {
		for (int code = 0; code < 256; code++)
			handlers[code] = &&op_invalid;
#define H(code, label) handlers[code] = &&label
#define H_ALU(opname, label)                                                             \
	H(RK_CLS_ALU64 | RK_ALU_##opname | RK_SRC_X, alu64_##label##_x);                 \
	H(RK_CLS_ALU64 | RK_ALU_##opname | RK_SRC_K, alu64_##label##_k);                 \
	H(RK_CLS_ALU | RK_ALU_##opname | RK_SRC_X, alu32_##label##_x);                   \
	H(RK_CLS_ALU | RK_ALU_##opname | RK_SRC_K, alu32_##label##_k)
#define H_JMP(opname, label)                                                             \
	H(RK_CLS_JMP | RK_JMP_##opname | RK_SRC_X, jmp_##label##_x);                     \
	H(RK_CLS_JMP | RK_JMP_##opname | RK_SRC_K, jmp_##label##_k);                     \
	H(RK_CLS_JMP32 | RK_JMP_##opname | RK_SRC_X, jmp32_##label##_x);                 \
	H(RK_CLS_JMP32 | RK_JMP_##opname | RK_SRC_K, jmp32_##label##_k)
		H_ALU(ADD, add); H_ALU(SUB, sub); H_ALU(MUL, mul); H_ALU(DIV, div);
		H_ALU(OR, or); H_ALU(AND, and); H_ALU(LSH, lsh); H_ALU(RSH, rsh);
		H_ALU(MOD, mod); H_ALU(XOR, xor); H_ALU(MOV, mov); H_ALU(ARSH, arsh);
		H(RK_CLS_ALU64 | RK_ALU_NEG, alu64_neg);
		H(RK_CLS_ALU | RK_ALU_NEG, alu32_neg);
		H(RK_CLS_ALU | RK_ALU_END | RK_END_TO_LE, alu32_to_le);
		H(RK_CLS_ALU | RK_ALU_END | RK_END_TO_BE, alu32_to_be);
		H(RK_CLS_ALU64 | RK_ALU_END, alu64_bswap);
		H_JMP(JEQ, jeq); H_JMP(JGT, jgt); H_JMP(JGE, jge); H_JMP(JSET, jset);
		H_JMP(JNE, jne); H_JMP(JSGT, jsgt); H_JMP(JSGE, jsge); H_JMP(JLT, jlt);
		H_JMP(JLE, jle); H_JMP(JSLT, jslt); H_JMP(JSLE, jsle);
		H(RK_OP_JA, jmp_ja);
		H(RK_OP_JA32, jmp32_ja);
		H(RK_OP_CALL, jmp_call);
		H(RK_OP_CALLX, jmp_callx);
		H(RK_OP_EXIT, jmp_exit);
		H(RK_OP_LDDW, ld_dw);
		H(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_B, ldx_b);
		H(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_H, ldx_h);
		H(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_W, ldx_w);
		H(RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_DW, ldx_dw);
		H(RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_B, ldxs_b);
		H(RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_H, ldxs_h);
		H(RK_CLS_LDX | RK_MODE_MEMSX | RK_SIZE_W, ldxs_w);
		H(RK_CLS_ST | RK_MODE_MEM | RK_SIZE_B, st_b);
		H(RK_CLS_ST | RK_MODE_MEM | RK_SIZE_H, st_h);
		H(RK_CLS_ST | RK_MODE_MEM | RK_SIZE_W, st_w);
		H(RK_CLS_ST | RK_MODE_MEM | RK_SIZE_DW, st_dw);
		H(RK_CLS_STX | RK_MODE_MEM | RK_SIZE_B, stx_b);
		H(RK_CLS_STX | RK_MODE_MEM | RK_SIZE_H, stx_h);
		H(RK_CLS_STX | RK_MODE_MEM | RK_SIZE_W, stx_w);
		H(RK_CLS_STX | RK_MODE_MEM | RK_SIZE_DW, stx_dw);
		H(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_W, atomic_w);
		H(RK_CLS_STX | RK_MODE_ATOMIC | RK_SIZE_DW, atomic_dw);
#undef H_JMP
#undef H_ALU
#undef H
		if (!prog) {
			for (int code = 0; code < 256; code++)
				handlers_out[code] =
					handlers[code] == &&op_invalid ? NULL : handlers[code];
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
/* A label's address is a code address, valid after return; gcc 12 thinks otherwise. */
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
			*invalid_out = &&op_invalid;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
			return 0;
		}
	}
	(void)handlers_out;
	(void)invalid_out;

	const INTERP_INSN *code_base = INTERP_CODE(prog);
	const INTERP_INSN *pc = code_base;
	uint64_t reg[RK_REG_COUNT] = {0};
	_Alignas(16) uint8_t own_stack[RK_RUN_STACK_BYTES];
	/*
	 * A bpf_loop callback (entry != NULL) lives in its caller's stack, in the
	 * frame below the one that called bpf_loop, as a local call would.
	 */
	uint8_t *const stack = entry                     ? entry->stack
	                       : opts && opts->stack ? (uint8_t *)opts->stack
	                                             : own_stack;
	struct {
		const INTERP_INSN *return_to;
		uint64_t callee_saved[4]; /* r6..r9 */
		uint64_t frame_pointer;
		uint32_t init_mask;
	} frames[RK_MAX_CALL_FRAMES];
	/*
	 * A bpf_loop callback (entry != NULL) runs inside the caller's run: it
	 * shares its struct rk_run, counts its frames on top of the caller's, and
	 * starts at the callback's first instruction with r1..r5 from the helper.
	 */
	const unsigned base_depth = entry ? entry->base_depth : 0;
	unsigned depth = base_depth;
	struct rk_run own_run = {.prog = prog, .opts = opts, .user = opts->user, .ctx = ctx,
	                         .call_subprog = INTERP_SUBPROG};
	struct rk_run *const run = entry ? entry->run : &own_run;
	struct rk_interp_nest nest = {.prog = prog, .result = result, .stack = stack};
	const uintptr_t stack_top = entry ? entry->fp : (uintptr_t)(stack + RK_RUN_STACK_BYTES);

	reg[RK_REG_FP] = stack_top;
	if (entry) {
		pc = code_base + entry->insn_index;
		memcpy(&reg[1], entry->args, 5 * sizeof(reg[1]));
	} else {
		reg[1] = (uintptr_t)ctx;
		reg[2] = ctx_len;
	}

#if INTERP_CHECKED
	uint32_t init_mask = entry ? ARG_REGS | REG_BIT(RK_REG_FP)
	                           : REG_BIT(1) | REG_BIT(2) | REG_BIT(RK_REG_FP);
	/* A callback's instructions count against its caller's limit. */
	uint64_t executed = entry ? entry->executed : 0;
	const uint64_t insn_limit = opts->insn_limit ? opts->insn_limit : UINT64_MAX;
	int bad_reg = -1;
	uintptr_t access_addr = 0;
	uint32_t access_size = 0;
	bool access_write = false, misaligned = false;
	enum rk_stop stop = RK_STOP_EXIT;
	const struct rk_region *region_hit = NULL;
	const struct rk_helper_proto *helper_proto = NULL;
	uint64_t helper_args[RK_HELPER_MAX_ARGS];
	/*
	 * regions[0]: this run's active stack frames (initialisation tracked);
	 * then ctx, the host's regions and the program's maps -- or, in a
	 * callback, everything its caller could touch (the caller's stack
	 * included, as a plain region).
	 */
	struct rk_region regions[RK_CHECKED_MAX_REGIONS];
	size_t region_count = 0;
	regions[region_count++] = (struct rk_region){
		.name = "stack", .start = stack_top - RK_STACK_SIZE, .len = RK_STACK_SIZE,
		.writable = true};
	if (entry) {
		for (size_t i = 0; i < entry->region_count && region_count < RK_CHECKED_MAX_REGIONS; i++)
			regions[region_count++] = entry->regions[i];
		regions[1].name = "caller stack";
	} else {
		if (ctx && ctx_len)
			regions[region_count++] = (struct rk_region){
				.name = "ctx", .start = (uintptr_t)ctx, .len = ctx_len,
				.writable = opts->ctx_writable};
		for (size_t i = 0; i < opts->region_count && i < RK_RUN_MAX_REGIONS; i++)
			regions[region_count++] = opts->regions[i];
		region_count += rk_prog_map_regions(prog, &regions[region_count],
		                                    RK_CHECKED_MAX_REGIONS - region_count);
	}
	nest.regions = regions;
	nest.region_count = region_count;
	/* Deterministic stack contents make checked runs reproducible (a callback's
	 * frames start as its caller left them: unwritten to the shadow below)... */
	if (!entry)
		memset(stack, 0, RK_RUN_STACK_BYTES);
	/* ...but reading a byte never written is still a violation: one bit per byte. */
	uint8_t stack_shadow[RK_RUN_STACK_BYTES / 8];
	memset(stack_shadow, 0, sizeof(stack_shadow));
#endif

	DISPATCH();

	/* ---- ALU: dst = dst OP src|imm; 32-bit forms zero-extend the result ---- */
#define ALU_BINARY(label, OP)                                                            \
	alu64_##label##_x: READ_BOTH(); DST = DST OP SRC; NEXT();                        \
	alu64_##label##_k: READ_DST(); DST = DST OP IMM64; NEXT();                       \
	alu32_##label##_x: READ_BOTH(); DST = (uint32_t)((uint32_t)DST OP (uint32_t)SRC); NEXT(); \
	alu32_##label##_k: READ_DST(); DST = (uint32_t)((uint32_t)DST OP IMM32); NEXT();
	ALU_BINARY(add, +)
	ALU_BINARY(sub, -)
	ALU_BINARY(mul, *)
	ALU_BINARY(or, |)
	ALU_BINARY(and, &)
	ALU_BINARY(xor, ^)
#undef ALU_BINARY

	/* Shift counts are masked to the operand width (RFC 9669 4.1). */
	alu64_lsh_x: READ_BOTH(); DST = DST << (SRC & 63); NEXT();
	alu64_lsh_k: READ_DST(); DST = DST << (pc->imm & 63); NEXT();
	alu32_lsh_x: READ_BOTH(); DST = (uint32_t)((uint32_t)DST << (SRC & 31)); NEXT();
	alu32_lsh_k: READ_DST(); DST = (uint32_t)((uint32_t)DST << (pc->imm & 31)); NEXT();
	alu64_rsh_x: READ_BOTH(); DST = DST >> (SRC & 63); NEXT();
	alu64_rsh_k: READ_DST(); DST = DST >> (pc->imm & 63); NEXT();
	alu32_rsh_x: READ_BOTH(); DST = (uint32_t)DST >> (SRC & 31); NEXT();
	alu32_rsh_k: READ_DST(); DST = (uint32_t)DST >> (pc->imm & 31); NEXT();
	/* Right shift of a negative value is arithmetic in gcc and clang. */
	alu64_arsh_x: READ_BOTH(); DST = (uint64_t)((int64_t)DST >> (SRC & 63)); NEXT();
	alu64_arsh_k: READ_DST(); DST = (uint64_t)((int64_t)DST >> (pc->imm & 63)); NEXT();
	alu32_arsh_x: READ_BOTH(); DST = (uint32_t)((int32_t)(uint32_t)DST >> (SRC & 31)); NEXT();
	alu32_arsh_k: READ_DST(); DST = (uint32_t)((int32_t)(uint32_t)DST >> (pc->imm & 31)); NEXT();

	/* off selects signed (1) or unsigned (0); x/0 and x%0 are defined. */
	alu64_div_x: READ_BOTH(); DST = pc->off ? rk_sdiv64(DST, SRC) : rk_udiv64(DST, SRC); NEXT();
	alu64_div_k: READ_DST(); DST = pc->off ? rk_sdiv64(DST, IMM64) : rk_udiv64(DST, IMM64); NEXT();
	alu32_div_x: READ_BOTH(); DST = pc->off ? rk_sdiv32(DST, SRC) : rk_udiv32(DST, SRC); NEXT();
	alu32_div_k: READ_DST(); DST = pc->off ? rk_sdiv32(DST, IMM32) : rk_udiv32(DST, IMM32); NEXT();
	alu64_mod_x: READ_BOTH(); DST = pc->off ? rk_smod64(DST, SRC) : rk_umod64(DST, SRC); NEXT();
	alu64_mod_k: READ_DST(); DST = pc->off ? rk_smod64(DST, IMM64) : rk_umod64(DST, IMM64); NEXT();
	alu32_mod_x: READ_BOTH(); DST = pc->off ? rk_smod32(DST, SRC) : rk_umod32(DST, SRC); NEXT();
	alu32_mod_k: READ_DST(); DST = pc->off ? rk_smod32(DST, IMM32) : rk_umod32(DST, IMM32); NEXT();

	alu64_neg: READ_DST(); DST = 0 - DST; NEXT();
	alu32_neg: READ_DST(); DST = (uint32_t)(0u - (uint32_t)DST); NEXT();

	/* mov; with off = 8, 16 or 32 it is movsx, sign-extending that many bits. */
	alu64_mov_x:
		READ(pc->src_reg);
		if (__builtin_expect(pc->off == 0, 1))
			DST = SRC;
		else
			DST = rk_sign_extend(SRC, pc->off);
		MARK(pc->dst_reg);
		NEXT();
	alu64_mov_k: DST = IMM64; MARK(pc->dst_reg); NEXT();
	alu32_mov_x:
		READ(pc->src_reg);
		DST = (uint32_t)(pc->off == 0 ? SRC : rk_sign_extend(SRC, pc->off));
		MARK(pc->dst_reg);
		NEXT();
	alu32_mov_k: DST = IMM32; MARK(pc->dst_reg); NEXT();

	/* Byte order: the host is little endian, so "to le" only truncates. */
	alu32_to_le:
		READ_DST();
		DST = pc->imm == 16 ? (uint16_t)DST : pc->imm == 32 ? (uint32_t)DST : DST;
		NEXT();
	alu32_to_be:
	alu64_bswap:
		READ_DST();
		DST = pc->imm == 16   ? __builtin_bswap16((uint16_t)DST)
		      : pc->imm == 32 ? __builtin_bswap32((uint32_t)DST)
		                      : __builtin_bswap64(DST);
		NEXT();

	/* ---- Jumps: 64-bit forms sign-extend imm; 32-bit forms compare low halves ---- */
#define JMP_FAMILY(label, CMP, S64, S32)                                                 \
	jmp_##label##_x: READ_BOTH(); JUMP_IF(CMP((S64)DST, (S64)SRC));                  \
	jmp_##label##_k: READ_DST(); JUMP_IF(CMP((S64)DST, (S64)IMM64));                 \
	jmp32_##label##_x: READ_BOTH(); JUMP_IF(CMP((S32)DST, (S32)SRC));                \
	jmp32_##label##_k: READ_DST(); JUMP_IF(CMP((S32)DST, (S32)IMM32));
#define CMP_EQ(a, b) ((a) == (b))
#define CMP_NE(a, b) ((a) != (b))
#define CMP_GT(a, b) ((a) > (b))
#define CMP_GE(a, b) ((a) >= (b))
#define CMP_LT(a, b) ((a) < (b))
#define CMP_LE(a, b) ((a) <= (b))
#define CMP_SET(a, b) (((a) & (b)) != 0)
	JMP_FAMILY(jeq, CMP_EQ, uint64_t, uint32_t)
	JMP_FAMILY(jne, CMP_NE, uint64_t, uint32_t)
	JMP_FAMILY(jgt, CMP_GT, uint64_t, uint32_t)
	JMP_FAMILY(jge, CMP_GE, uint64_t, uint32_t)
	JMP_FAMILY(jlt, CMP_LT, uint64_t, uint32_t)
	JMP_FAMILY(jle, CMP_LE, uint64_t, uint32_t)
	JMP_FAMILY(jset, CMP_SET, uint64_t, uint32_t)
	JMP_FAMILY(jsgt, CMP_GT, int64_t, int32_t)
	JMP_FAMILY(jsge, CMP_GE, int64_t, int32_t)
	JMP_FAMILY(jslt, CMP_LT, int64_t, int32_t)
	JMP_FAMILY(jsle, CMP_LE, int64_t, int32_t)
#undef JMP_FAMILY

	jmp_ja: pc += pc->off; NEXT();
	jmp32_ja: pc += pc->imm; NEXT();

	/* ---- Calls ---- */
	jmp_call:
		if (pc->src_reg == RK_CALL_LOCAL)
			goto call_local;
		{
			rk_helper_fn fn = INTERP_HELPER(prog, pc);
			PUBLISH_NEST();
			REMEMBER_HELPER_ARGS(rk_helpers_proto(prog->helpers, (uint32_t)pc->imm));
			reg[0] = fn(reg[1], reg[2], reg[3], reg[4], reg[5], run);
		}
		goto after_helper;
	jmp_callx:
		READ_DST();
		{
			rk_helper_fn fn = DST < RK_HELPER_ID_MAX
			                          ? rk_prog_resolve_helper(prog->helpers, (uint32_t)DST)
			                          : NULL;
			if (!fn)
				goto stop_bad_helper;
			PUBLISH_NEST();
			REMEMBER_HELPER_ARGS(rk_helpers_proto(prog->helpers, (uint32_t)DST));
			reg[0] = fn(reg[1], reg[2], reg[3], reg[4], reg[5], run);
		}
	after_helper:
#if INTERP_CHECKED
		executed = nest.executed; /* a bpf_loop callback ran instructions too */
#endif
		if (__builtin_expect(run->stop_pending != 0, 0)) {
			if (run->failed)
				goto fail_in_callback;
			if (run->aborted)
				goto stop_aborted;
			goto tail_call;
		}
#if INTERP_CHECKED
		/* r1..r5 are caller-saved: a helper leaves them undefined. */
		init_mask = (init_mask & ~ARG_REGS) | REG_BIT(0);
		/* What a helper wrote into the stack through a memory argument is written. */
		mark_helper_writes(stack_shadow, (uintptr_t)stack, &regions[0], helper_proto, helper_args);
#endif
		NEXT();
	call_local:
		if (depth + 1 >= RK_MAX_CALL_FRAMES)
			goto stop_call_depth;
		frames[depth].return_to = pc + 1;
		memcpy(frames[depth].callee_saved, &reg[6], sizeof(frames[depth].callee_saved));
		frames[depth].frame_pointer = reg[RK_REG_FP];
#if INTERP_CHECKED
		frames[depth].init_mask = init_mask;
		/* The callee sees its arguments and a fresh frame, nothing else. */
		init_mask &= ~(CALLEE_SAVED | REG_BIT(0));
		regions[0].start -= RK_STACK_SIZE;
		regions[0].len += RK_STACK_SIZE;
		/* A new frame holds nothing, whatever an earlier callee left there. */
		stack_forget(stack_shadow, (uintptr_t)stack, regions[0].start, RK_STACK_SIZE);
#endif
		depth++;
		reg[RK_REG_FP] -= RK_STACK_SIZE;
		pc += pc->imm;
		NEXT();
	jmp_exit:
		READ(0);
		if (depth == base_depth)
			goto done;
		depth--;
		memcpy(&reg[6], frames[depth].callee_saved, sizeof(frames[depth].callee_saved));
		reg[RK_REG_FP] = frames[depth].frame_pointer;
		pc = frames[depth].return_to;
#if INTERP_CHECKED
		init_mask = (frames[depth].init_mask & ~ARG_REGS) | REG_BIT(0);
		regions[0].start += RK_STACK_SIZE;
		regions[0].len -= RK_STACK_SIZE;
#endif
		DISPATCH();

	/*
	 * bpf_tail_call succeeded: the target replaces this program, as in the
	 * kernel -- same context in r1, a fresh frame, no return to the caller.
	 * Only from the main program's own frame (not a subprogram or callback).
	 */
	tail_call:
		if (depth != 0) {
			run->tail_call_target = NULL;
			run->tail_call_pending = false;
			goto stop_tail_call;
		}
		prog = run->tail_call_target;
		run->tail_call_target = NULL;
		run->tail_call_pending = false;
		run->prog = prog;
		nest.prog = prog;
		code_base = INTERP_CODE(prog);
		pc = code_base;
		/* r1 still holds the context the program passed to bpf_tail_call. */
		reg[2] = ctx_len;
		reg[RK_REG_FP] = stack_top;
#if INTERP_CHECKED
		init_mask = REG_BIT(1) | REG_BIT(2) | REG_BIT(RK_REG_FP);
		stack_forget(stack_shadow, (uintptr_t)stack, stack_top - RK_STACK_SIZE, RK_STACK_SIZE);
#endif
		DISPATCH();

	/* ---- 64-bit immediate: two slots ---- */
	ld_dw:
		DST = (uint64_t)(uint32_t)pc[0].imm | (uint64_t)(uint32_t)pc[1].imm << 32;
		MARK(pc->dst_reg);
		pc += 2;
		DISPATCH();

	/* ---- Loads, stores (memcpy: eBPF allows unaligned access) ---- */
#define LOAD(label, T, WIDEN)                                                            \
	label:                                                                           \
		READ(pc->src_reg);                                                       \
		{                                                                        \
			uintptr_t addr = MEM_ADDR(SRC);                                  \
			T value;                                                         \
			ACCESS(addr, sizeof(T), false);                                  \
			memcpy(&value, (const void *)addr, sizeof(T));                   \
			DST = (uint64_t)(WIDEN)value;                                    \
		}                                                                        \
		MARK(pc->dst_reg);                                                       \
		NEXT();
	LOAD(ldx_b, uint8_t, uint64_t)
	LOAD(ldx_h, uint16_t, uint64_t)
	LOAD(ldx_w, uint32_t, uint64_t)
	LOAD(ldx_dw, uint64_t, uint64_t)
	LOAD(ldxs_b, int8_t, int64_t)
	LOAD(ldxs_h, int16_t, int64_t)
	LOAD(ldxs_w, int32_t, int64_t)
#undef LOAD
#define STORE(label, T, VALUE, READ_VALUE)                                               \
	label:                                                                           \
		READ_DST();                                                              \
		READ_VALUE;                                                              \
		{                                                                        \
			uintptr_t addr = MEM_ADDR(DST);                                  \
			T value = (T)(VALUE);                                            \
			ACCESS(addr, sizeof(T), true);                                   \
			memcpy((void *)addr, &value, sizeof(T));                         \
		}                                                                        \
		NEXT();
	STORE(st_b, uint8_t, pc->imm, (void)0)
	STORE(st_h, uint16_t, pc->imm, (void)0)
	STORE(st_w, uint32_t, pc->imm, (void)0)
	STORE(st_dw, uint64_t, IMM64, (void)0)
	STORE(stx_b, uint8_t, SRC, READ(pc->src_reg))
	STORE(stx_h, uint16_t, SRC, READ(pc->src_reg))
	STORE(stx_w, uint32_t, SRC, READ(pc->src_reg))
	STORE(stx_dw, uint64_t, SRC, READ(pc->src_reg))
#undef STORE

	/* ---- Atomics: the FETCH forms and xchg return the old value in src ---- */
#define ATOMIC(label, T)                                                                 \
	label:                                                                           \
		READ_BOTH();                                                             \
		{                                                                        \
			uintptr_t addr = MEM_ADDR(DST);                                  \
			T *target = (T *)addr;                                           \
			T operand = (T)SRC, old;                                         \
			ATOMIC_ACCESS(addr, sizeof(T));                                  \
			switch (pc->imm) {                                               \
			case RK_ATOMIC_ADD:                                              \
			case RK_ATOMIC_ADD | RK_ATOMIC_FETCH:                            \
				old = __atomic_fetch_add(target, operand, __ATOMIC_SEQ_CST); \
				break;                                                   \
			case RK_ATOMIC_OR:                                               \
			case RK_ATOMIC_OR | RK_ATOMIC_FETCH:                             \
				old = __atomic_fetch_or(target, operand, __ATOMIC_SEQ_CST); \
				break;                                                   \
			case RK_ATOMIC_AND:                                              \
			case RK_ATOMIC_AND | RK_ATOMIC_FETCH:                            \
				old = __atomic_fetch_and(target, operand, __ATOMIC_SEQ_CST); \
				break;                                                   \
			case RK_ATOMIC_XOR:                                              \
			case RK_ATOMIC_XOR | RK_ATOMIC_FETCH:                            \
				old = __atomic_fetch_xor(target, operand, __ATOMIC_SEQ_CST); \
				break;                                                   \
			case RK_ATOMIC_XCHG:                                             \
				old = __atomic_exchange_n(target, operand, __ATOMIC_SEQ_CST); \
				break;                                                   \
			default: /* RK_ATOMIC_CMPXCHG, the only other valid imm */       \
				READ(0);                                                 \
				old = (T)reg[0];                                         \
				__atomic_compare_exchange_n(target, &old, operand, false, \
				                            __ATOMIC_SEQ_CST,           \
				                            __ATOMIC_SEQ_CST);          \
				reg[0] = old;                                            \
				MARK(0);                                                 \
				NEXT();                                                  \
			}                                                                \
			if (pc->imm & RK_ATOMIC_FETCH)                                   \
				SRC = old;                                               \
		}                                                                        \
		NEXT();
	ATOMIC(atomic_w, uint32_t)
	ATOMIC(atomic_dw, uint64_t)
#undef ATOMIC

	/* ---- Ends of a run ---- */
	op_invalid:
		/* Unreachable for a validated program; kept so a bug stops, not jumps wild. */
		result->stop = RK_STOP_INVALID_INSN;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: opcode 0x%02x has no handler", (size_t)(pc - code_base),
		         prog->insns[pc - code_base].code);
		goto fail;
	stop_bad_helper:
		result->stop = RK_STOP_BAD_HELPER;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: callx r%d = %llu, which names no registered helper",
		         (size_t)(pc - code_base), pc->dst_reg, (unsigned long long)DST);
		goto fail;
	stop_tail_call:
		result->stop = RK_STOP_TAIL_CALL;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: bpf_tail_call from a subprogram or callback is not supported",
		         (size_t)(pc - code_base));
		goto fail;
	fail_in_callback:
		if (result->stop == RK_STOP_CORE_POISON) {
			result->insn_index = (size_t)(pc - code_base);
			snprintf(result->message, sizeof(result->message),
			         "insn %zu: reached an instruction whose CO-RE relocation failed at "
			         "load time (the target BTF lacks the field or type it uses)",
			         result->insn_index);
		}
		/* Otherwise the callback's run already wrote its report into our result. */
		if (!entry)
			rk_helper_ringbuf_release_pending(run);
		return -EFAULT;
	stop_call_depth:
		result->stop = RK_STOP_CALL_DEPTH;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: local call nested deeper than %d frames",
		         (size_t)(pc - code_base), RK_MAX_CALL_FRAMES);
		goto fail;
#if INTERP_CHECKED
	stop_insn_limit:
		result->stop = RK_STOP_INSN_LIMIT;
		executed--;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: instruction limit of %llu reached", (size_t)(pc - code_base),
		         (unsigned long long)insn_limit);
		goto fail;
	stop_uninit_reg:
		result->stop = RK_STOP_UNINIT_REG;
		result->reg = bad_reg;
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: r%d is read before it is written", (size_t)(pc - code_base),
		         bad_reg);
		goto fail;
	stop_access:
		result->stop = stop;
		result->addr = access_addr;
		result->access_size = access_size;
		describe_access(result, (size_t)(pc - code_base), access_write, misaligned,
		                region_hit, regions, region_count);
		goto fail;
#endif
	stop_aborted:
		if (!entry)
			rk_helper_ringbuf_release_pending(run);
		result->retval = run->abort_retval;
		result->stop = RK_STOP_ABORTED;
		result->insn_index = (size_t)(pc - code_base);
		snprintf(result->message, sizeof(result->message),
		         "insn %zu: a helper aborted the program", result->insn_index);
#if INTERP_CHECKED
		result->insns_executed = executed;
#endif
		return 0;
	done:
		if (!entry)
			rk_helper_ringbuf_release_pending(run);
		result->retval = reg[0];
		result->stop = RK_STOP_EXIT;
		result->insn_index = (size_t)(pc - code_base);
#if INTERP_CHECKED
		result->insns_executed = executed;
#endif
		if (entry)
			run->interp_state = entry->caller_nest;
		return 0;
	fail:
		if (!entry)
			rk_helper_ringbuf_release_pending(run);
		result->insn_index = (size_t)(pc - code_base);
#if INTERP_CHECKED
		result->insns_executed = executed;
#endif
		return -EFAULT;
}

/*
 * run->call_subprog for bpf_loop: run the callback at insn_index as a
 * nested call of the program being run, one frame deeper than its caller.
 */
static int INTERP_SUBPROG(struct rk_run *run, uint32_t insn_index, const uint64_t args[5],
                          uint64_t *retval)
{
	struct rk_interp_nest *caller = run->interp_state;
	const struct rk_prog *prog = caller->prog;
	struct rk_run_result *report = caller->result;
	int refused = rk_run_callback_check(run, report, insn_index,
	                                    caller->depth + 1 < RK_MAX_CALL_FRAMES);
	if (refused)
		return refused;
	struct rk_interp_entry entry = {
		.run = run, .insn_index = insn_index, .base_depth = caller->depth + 1,
		.stack = caller->stack, .fp = caller->fp - RK_STACK_SIZE,
		.regions = caller->regions, .region_count = caller->region_count,
		.executed = caller->executed, .caller_nest = caller};
	memcpy(entry.args, args, sizeof(entry.args));
	struct rk_run_result sub;
	sub.insns_executed = 0;
	int rc = INTERP_NAME(prog, run->ctx, 0, run->opts, &sub, NULL, NULL, &entry);
	run->interp_state = caller;
	caller->executed = sub.insns_executed;
	if (rc != 0) {
		*report = sub;
		run->failed = true;
		return rc;
	}
	*retval = sub.retval;
	return 0;
}

#undef DISPATCH
#undef READ
#undef MARK
#undef ACCESS
#undef ATOMIC_ACCESS
#undef NEXT
#undef JUMP_IF
#undef DST
#undef SRC
#undef IMM64
#undef IMM32
#undef READ_DST
#undef READ_BOTH
#undef MEM_ADDR
#undef PUBLISH_NEST
#undef REMEMBER_HELPER_ARGS
