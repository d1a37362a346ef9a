/*
 * progen.c - the structured random program generator (see progen.h).
 *
 * The generator keeps a rough model of what each register holds (a
 * scalar, the context, a stack address, a map value that may be NULL, a
 * ring-buffer record, ...) and which stack bytes are written, and uses it
 * to emit code that is *meant* to be safe: a pointer is checked before it
 * is used, an offset is bounded before it is added.  Then, with a
 * per-program "mistake rate", it gets the details wrong - one byte past
 * the end, a bound one too large, a signed check where an unsigned one was
 * needed, a missing NULL check, a loop that runs once more - and finally
 * may mutate a few instruction fields at random.  The model is only a
 * guide: the verifier decides, and the oracle checks the verifier.
 *
 * The one thing to know before changing this file: every program must be
 * valid (rk_validate); pg_generate() retries until it is, so a change that
 * makes most programs invalid shows up as a slow generator, not an error.
 */
#include <string.h>

#include "progen.h"

unsigned pg_avoid;

/* ---- randomness --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void pg_rand_seed(struct pg_rand *rand, uint64_t seed)
{
	*rand = (struct pg_rand){.state = seed};
}

void pg_rand_bytes(struct pg_rand *rand, const uint8_t *data, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * UINT64_C(0x100000001b3);
	*rand = (struct pg_rand){.data = data, .len = len, .state = h};
}

uint64_t pg_u64(struct pg_rand *rand)
{
	if (rand->data && rand->pos + 8 <= rand->len) {
		uint64_t v;
		memcpy(&v, rand->data + rand->pos, 8);
		rand->pos += 8;
		return v;
	}
	return splitmix64(&rand->state);
}

uint32_t pg_below(struct pg_rand *rand, uint32_t n)
{
	if (n <= 1)
		return 0;
	/* One fuzzer byte per small decision, so a mutated byte changes one choice. */
	if (rand->data && rand->pos < rand->len && n <= 256)
		return rand->data[rand->pos++] % n;
	return (uint32_t)(((splitmix64(&rand->state) >> 32) * (uint64_t)n) >> 32);
}

bool pg_chance(struct pg_rand *rand, unsigned percent)
{
	return pg_below(rand, 100) < percent;
}

/* ---- the model ---------------------------------------------------------- */

enum gkind {
	G_UNINIT = 0,
	G_MIXED,        /* different things on paths that met: avoid */
	G_SCALAR,
	G_CTX,          /* the context + off */
	G_STACK,        /* r10 + off */
	G_MAPPTR,       /* lddw map_by_fd */
	G_MAPVAL,       /* a value of map + off, checked non-NULL */
	G_MAPVAL_NULL,  /* a lookup result not yet checked */
	G_REC,          /* a ring-buffer record + off, checked */
	G_REC_NULL,
	G_BUF,          /* the memory the context's pointer field points to */
};

#define OFF_UNKNOWN INT32_MIN

struct greg {
	uint8_t kind;
	uint8_t map;      /* G_MAPPTR, G_MAPVAL* */
	uint8_t rec;      /* G_REC*: which reservation (to forget it once released) */
	int32_t off;      /* pointers: offset from the object's start (fp for the stack) */
	uint32_t size;    /* pointers: the object's size */
	bool bounded;     /* scalars: [lo, hi] is what the code meant */
	int64_t lo, hi;
};

#define STACK_WORDS (RK_STACK_SIZE / 64)

struct gstate {
	struct greg regs[RK_REG_COUNT];
	uint64_t stack_init[STACK_WORDS]; /* bit b: byte fp-512+b written */
};

struct gen {
	struct pg_rand *rand;
	struct pg_prog *prog;
	struct gstate st;
	uint16_t pinned;           /* registers a statement must not overwrite */
	unsigned depth;            /* blocks and loops open around the current statement */
	unsigned loop_depth;
	unsigned statements;       /* left to emit */
	unsigned mistakes;         /* percent: how often a detail goes wrong */
	uint8_t next_rec;
	bool overflow;
	/* pg_generate_jit() only: more shapes, and the functions to append after main. */
	bool jit;
	bool in_func;              /* emitting a subprogram's body */
	struct pending_func {
		size_t ref_at;         /* the CALL (local) or the lddw code_addr to patch */
		bool callback;         /* bpf_loop callback (r1 index, r2 ctx) or callee */
		bool ptr_arg;          /* r1 (callee) or r2 (callback) points to a stack slot */
		unsigned arg_count;    /* callee: r1..rN set by the caller */
	} funcs[PG_MAX_FUNCS];
	unsigned func_count;
};

static const int64_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 23, 24, 31, 32, 40, 48, 56, 60, 63, 64, 65,
	127, 128, 255, 256, 511, 512, 4095, 4096, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, -1, -2, -4, -8, -16, -64, -511, -512, -513, INT32_MIN,
};
#define INTERESTING_COUNT (sizeof(interesting) / sizeof(interesting[0]))

static bool oops(struct gen *g)
{
	return pg_below(g->rand, 100) < g->mistakes;
}

static int32_t pick_const(struct gen *g)
{
	if (pg_chance(g->rand, 75)) {
		int64_t v = interesting[pg_below(g->rand, INTERESTING_COUNT)];
		if (pg_chance(g->rand, 20))
			v += (int64_t)pg_below(g->rand, 3) - 1;
		return (int32_t)v;
	}
	return (int32_t)pg_u64(g->rand);
}

static uint32_t pick_size(struct gen *g)
{
	static const uint32_t sizes[] = {1, 2, 4, 8};
	return sizes[pg_below(g->rand, 4)];
}

static uint8_t size_code(uint32_t size)
{
	switch (size) {
	case 1: return RK_SIZE_B;
	case 2: return RK_SIZE_H;
	case 4: return RK_SIZE_W;
	default: return RK_SIZE_DW;
	}
}

static struct greg scalar_any(void)
{
	return (struct greg){.kind = G_SCALAR};
}

static struct greg scalar_range(int64_t lo, int64_t hi)
{
	return (struct greg){.kind = G_SCALAR, .bounded = true, .lo = lo, .hi = hi};
}

static bool is_ptr_kind(uint8_t kind)
{
	return kind == G_CTX || kind == G_STACK || kind == G_MAPVAL || kind == G_REC ||
	       kind == G_BUF;
}

/* ---- emitting ----------------------------------------------------------- */

/* Room kept free at the end for the epilogue. */
#define TAIL_ROOM 16

static size_t here(const struct gen *g)
{
	return g->prog->insn_count;
}

static void emit(struct gen *g, uint8_t code, unsigned dst, unsigned src, int16_t off,
                 int32_t imm)
{
	if (g->prog->insn_count + 1 >= PG_MAX_INSNS - TAIL_ROOM) {
		g->overflow = true;
		return;
	}
	g->prog->insns[g->prog->insn_count++] = (struct rk_insn){
		.code = code, .dst_reg = dst & 0xf, .src_reg = src & 0xf, .off = off, .imm = imm};
}

static void alu_k(struct gen *g, bool is64, uint8_t op, unsigned dst, int32_t imm)
{
	emit(g, (uint8_t)((is64 ? RK_CLS_ALU64 : RK_CLS_ALU) | op | RK_SRC_K), dst, 0, 0, imm);
}

static void alu_x(struct gen *g, bool is64, uint8_t op, unsigned dst, unsigned src)
{
	emit(g, (uint8_t)((is64 ? RK_CLS_ALU64 : RK_CLS_ALU) | op | RK_SRC_X), dst, src, 0, 0);
}

static void mov_k(struct gen *g, unsigned dst, int32_t imm)
{
	alu_k(g, true, RK_ALU_MOV, dst, imm);
}

static void mov_x(struct gen *g, unsigned dst, unsigned src)
{
	alu_x(g, true, RK_ALU_MOV, dst, src);
}

static void ldx(struct gen *g, uint32_t size, unsigned dst, unsigned src, int16_t off,
                bool sign_extend)
{
	uint8_t mode = sign_extend && size < 8 ? RK_MODE_MEMSX : RK_MODE_MEM;
	emit(g, (uint8_t)(RK_CLS_LDX | mode | size_code(size)), dst, src, off, 0);
}

static void stx(struct gen *g, uint32_t size, unsigned ptr, unsigned src, int16_t off)
{
	emit(g, (uint8_t)(RK_CLS_STX | RK_MODE_MEM | size_code(size)), ptr, src, off, 0);
}

static void st_imm(struct gen *g, uint32_t size, unsigned ptr, int16_t off, int32_t imm)
{
	emit(g, (uint8_t)(RK_CLS_ST | RK_MODE_MEM | size_code(size)), ptr, 0, off, imm);
}

static void call(struct gen *g, int32_t helper)
{
	emit(g, RK_OP_CALL, 0, RK_CALL_HELPER, 0, helper);
}

static void lddw(struct gen *g, unsigned dst, unsigned pseudo, uint64_t value)
{
	if (g->prog->insn_count + 2 >= PG_MAX_INSNS - TAIL_ROOM) {
		g->overflow = true;
		return;
	}
	struct rk_insn *slot = &g->prog->insns[g->prog->insn_count];
	slot[0] = (struct rk_insn){.code = RK_OP_LDDW, .dst_reg = dst & 0xf,
	                           .src_reg = pseudo & 0xf, .imm = (int32_t)(uint32_t)value};
	slot[1] = (struct rk_insn){.imm = (int32_t)(uint32_t)(value >> 32)};
	g->prog->insn_count += 2;
}

/* A forward conditional jump whose target is patched later; returns its index. */
static size_t jmp_fwd(struct gen *g, bool jmp32, uint8_t op, unsigned dst, bool src_x,
                      unsigned src, int32_t imm)
{
	size_t at = here(g);
	emit(g, (uint8_t)((jmp32 ? RK_CLS_JMP32 : RK_CLS_JMP) | op | (src_x ? RK_SRC_X : RK_SRC_K)),
	     dst, src_x ? src : 0, 0, src_x ? 0 : imm);
	return at;
}

static size_t ja_fwd(struct gen *g)
{
	size_t at = here(g);
	emit(g, RK_OP_JA, 0, 0, 0, 0);
	return at;
}

/* Point the jump at index at to the next instruction emitted. */
static void patch(struct gen *g, size_t at)
{
	if (at >= here(g))
		return;
	int64_t off = (int64_t)here(g) - (int64_t)at - 1;
	if (off > INT16_MAX) {
		g->overflow = true;
		return;
	}
	g->prog->insns[at].off = (int16_t)off;
}

static void jmp_back(struct gen *g, bool jmp32, uint8_t op, unsigned dst, bool src_x,
                     unsigned src, int32_t imm, size_t head)
{
	int64_t off = (int64_t)head - (int64_t)here(g) - 1;
	emit(g, (uint8_t)((jmp32 ? RK_CLS_JMP32 : RK_CLS_JMP) | op | (src_x ? RK_SRC_X : RK_SRC_K)),
	     dst, src_x ? src : 0, (int16_t)off, src_x ? 0 : imm);
}

/* ---- registers and the stack -------------------------------------------- */

static struct greg *R(struct gen *g, unsigned r)
{
	return &g->st.regs[r];
}

/* A register holding kind (any of a mask of kinds); -1 when none. */
static int find_reg(struct gen *g, uint32_t kinds)
{
	int found[RK_REG_COUNT];
	int count = 0;
	for (unsigned r = 0; r < RK_REG_COUNT; r++)
		if (kinds & (1u << g->st.regs[r].kind))
			found[count++] = (int)r;
	return count ? found[pg_below(g->rand, (uint32_t)count)] : -1;
}

#define K(kind) (1u << (kind))

/* A register the statement may overwrite; callee-saved ones when it must survive calls. */
static unsigned scratch_reg(struct gen *g, bool survive_calls, int avoid)
{
	unsigned candidates[RK_REG_COUNT];
	unsigned count = 0, fallback = 0;
	for (unsigned r = survive_calls ? 6 : 0; r <= 9; r++) {
		if ((g->pinned & (1u << r)) || (int)r == avoid)
			continue;
		fallback = r;
		/* Prefer registers holding nothing valuable. */
		uint8_t kind = g->st.regs[r].kind;
		if (kind == G_UNINIT || kind == G_MIXED || kind == G_SCALAR || pg_chance(g->rand, 25))
			candidates[count++] = r;
	}
	if (count)
		return candidates[pg_below(g->rand, count)];
	if (fallback)
		return fallback;
	/* Everything pinned: r0 is always free (nothing pins it). */
	return 0;
}

static void clobber_call(struct gen *g)
{
	for (unsigned r = 1; r <= 5; r++)
		g->st.regs[r] = (struct greg){.kind = G_UNINIT};
	g->st.regs[0] = scalar_any();
}

static bool stack_is_init(const struct gen *g, int from, int to)
{
	for (int off = from; off < to; off++) {
		if (off < -RK_STACK_SIZE || off >= 0)
			return false;
		unsigned b = (unsigned)(off + RK_STACK_SIZE);
		if (!(g->st.stack_init[b / 64] & (1ull << (b % 64))))
			return false;
	}
	return true;
}

static void stack_mark(struct gen *g, int from, int to)
{
	for (int off = from; off < to; off++) {
		if (off < -RK_STACK_SIZE || off >= 0)
			continue;
		unsigned b = (unsigned)(off + RK_STACK_SIZE);
		g->st.stack_init[b / 64] |= 1ull << (b % 64);
	}
}

/* A stack offset (from fp) of a slot of size bytes: written already unless fresh. */
static int stack_slot(struct gen *g, uint32_t size, bool want_init)
{
	for (int tries = 0; tries < 8; tries++) {
		int off = -(int)(pg_below(g->rand, RK_STACK_SIZE / 8) + 1) * 8;
		if (size < 8 && pg_chance(g->rand, 30))
			off += (int)(pg_below(g->rand, 8 / size) * size);
		if (!want_init || stack_is_init(g, off, off + (int)size))
			return off;
	}
	return -(int)(pg_below(g->rand, 8) + 1) * 8;
}

/* Join two model states: what differs becomes G_MIXED, the stack what both wrote. */
static void join(struct gstate *into, const struct gstate *other)
{
	for (unsigned r = 0; r < RK_REG_COUNT; r++) {
		struct greg *a = &into->regs[r];
		const struct greg *b = &other->regs[r];
		if (a->kind != b->kind || (is_ptr_kind(a->kind) && a->map != b->map)) {
			*a = (struct greg){.kind = G_MIXED};
		} else if (a->kind == G_SCALAR) {
			if (a->bounded && b->bounded) {
				a->lo = a->lo < b->lo ? a->lo : b->lo;
				a->hi = a->hi > b->hi ? a->hi : b->hi;
			} else {
				a->bounded = false;
			}
		} else if (a->off != b->off) {
			a->off = OFF_UNKNOWN;
		}
	}
	for (unsigned w = 0; w < STACK_WORDS; w++)
		into->stack_init[w] &= other->stack_init[w];
}

/* ---- objects: where a pointer may point ---------------------------------- */

struct object {
	int32_t lo, hi;        /* valid offsets from the register: [lo, hi) */
	int32_t wlo, whi;      /* writable part */
	bool known;            /* the register's offset is known */
};

static uint32_t map_value_size(unsigned map)
{
	switch (map) {
	case PG_MAP_ARRAY: return PG_ARRAY_VALUE;
	case PG_MAP_HASH: return PG_HASH_VALUE;
	case PG_MAP_TINY: return PG_TINY_VALUE;
	default: return 0;
	}
}

static struct object object_of(const struct greg *reg)
{
	int32_t off = reg->off == OFF_UNKNOWN ? 0 : reg->off;
	struct object o = {.known = reg->off != OFF_UNKNOWN};
	switch (reg->kind) {
	case G_STACK:
		o.lo = -RK_STACK_SIZE - off;
		o.hi = -off;
		o.wlo = o.lo, o.whi = o.hi;
		break;
	case G_CTX:
		o.lo = -off;
		o.hi = PG_CTX_SIZE - off;
		o.wlo = PG_CTX_WRITABLE_OFF - off;
		o.whi = PG_CTX_WRITABLE_OFF + PG_CTX_WRITABLE_LEN - off;
		break;
	default:
		o.lo = -off;
		o.hi = (int32_t)reg->size - off;
		o.wlo = o.lo, o.whi = o.hi;
		break;
	}
	return o;
}

/*
 * An offset for an access of size bytes into [lo, hi): mostly inside,
 * often at the very ends, sometimes one byte over either end.
 */
static int32_t boundary_off(struct gen *g, int32_t lo, int32_t hi, uint32_t size)
{
	int32_t last = hi - (int32_t)size;
	if (last < lo)
		last = lo;
	unsigned pick = pg_below(g->rand, 100);
	if (oops(g)) {
		switch (pg_below(g->rand, 6)) {
		case 0: return last + 1;
		case 1: return lo - 1;
		case 2: return hi;
		case 3: return last + (int32_t)pg_below(g->rand, size) + 1;
		case 4: return lo - (int32_t)size;
		default: return (int32_t)pg_below(g->rand, 160) - 32;
		}
	}
	if (pick < 30)
		return last;
	if (pick < 45)
		return lo;
	int32_t span = last - lo + 1;
	int32_t off = lo + (int32_t)pg_below(g->rand, (uint32_t)(span > 0 ? span : 1));
	if (pg_chance(g->rand, 60) && size > 1)
		off -= ((off % (int32_t)size) + (int32_t)size) % (int32_t)size;
	return off < lo ? lo : off;
}

static int16_t clamp16(int64_t v)
{
	return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* ---- statements ---------------------------------------------------------- */

static void statement(struct gen *g);

/* A few statements in a nested block. */
static void block(struct gen *g, unsigned max_statements)
{
	unsigned count = 1 + pg_below(g->rand, max_statements);
	g->depth++;
	for (unsigned k = 0; k < count && g->statements && !g->overflow; k++)
		statement(g);
	g->depth--;
}

/* A scalar in a register: an existing one, or a fresh value from somewhere. */
static unsigned scalar_source(struct gen *g, int avoid)
{
	int have = find_reg(g, K(G_SCALAR));
	if (have >= 0 && have != avoid && pg_chance(g->rand, 40) && !(g->pinned & (1u << have)))
		return (unsigned)have;
	unsigned dst = scratch_reg(g, false, avoid);
	int ctx = find_reg(g, K(G_CTX));
	int val = find_reg(g, K(G_MAPVAL) | K(G_BUF));
	switch (pg_below(g->rand, 5)) {
	case 0:
	case 1:
		if (ctx >= 0) {
			uint32_t size = pick_size(g);
			struct object o = object_of(R(g, (unsigned)ctx));
			int32_t off = boundary_off(g, o.lo, o.hi, size);
			bool sx = pg_chance(g->rand, 15);
			ldx(g, size, dst, (unsigned)ctx, clamp16(off), sx);
			*R(g, dst) = sx || size == 8 ? scalar_any()
			                             : scalar_range(0, (int64_t)((1ull << (8 * size)) - 1));
			return dst;
		}
		break;
	case 2:
		if (val >= 0) {
			uint32_t size = pick_size(g);
			struct object o = object_of(R(g, (unsigned)val));
			ldx(g, size, dst, (unsigned)val, clamp16(boundary_off(g, o.lo, o.hi, size)), false);
			*R(g, dst) = size == 8 ? scalar_any()
			                       : scalar_range(0, (int64_t)((1ull << (8 * size)) - 1));
			return dst;
		}
		break;
	case 3: {
		int off = stack_slot(g, 8, !oops(g));
		uint32_t size = pick_size(g);
		ldx(g, size, dst, RK_REG_FP, (int16_t)off, false);
		*R(g, dst) = size == 8 ? scalar_any()
		                       : scalar_range(0, (int64_t)((1ull << (8 * size)) - 1));
		return dst;
	}
	default:
		break;
	}
	int32_t c = pick_const(g);
	mov_k(g, dst, c);
	*R(g, dst) = scalar_range(c, c);
	return dst;
}

/* ALU on scalars: random ops, random constants, both widths. */
static void st_alu(struct gen *g)
{
	static const uint8_t ops[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_MUL, RK_ALU_DIV, RK_ALU_OR,
	                              RK_ALU_AND, RK_ALU_LSH, RK_ALU_RSH, RK_ALU_MOD, RK_ALU_XOR,
	                              RK_ALU_MOV, RK_ALU_ARSH, RK_ALU_NEG, RK_ALU_END};
	unsigned dst = scalar_source(g, -1);
	if (g->pinned & (1u << dst))
		return;
	unsigned n = 1 + pg_below(g->rand, 4);
	for (unsigned k = 0; k < n; k++) {
		uint8_t op = ops[pg_below(g->rand, sizeof(ops))];
		bool is64 = pg_chance(g->rand, 65);
		if (op == RK_ALU_NEG) {
			alu_k(g, is64, op, dst, 0);
		} else if (op == RK_ALU_END) {
			static const int32_t widths[] = {16, 32, 64};
			emit(g, (uint8_t)((is64 ? RK_CLS_ALU64 : RK_CLS_ALU) | RK_ALU_END |
			                  (is64 ? 0 : (pg_chance(g->rand, 50) ? RK_END_TO_BE : 0))),
			     dst, 0, 0, widths[pg_below(g->rand, 3)]);
		} else if (pg_chance(g->rand, 30)) {
			int src = find_reg(g, K(G_SCALAR));
			if (oops(g))
				src = (int)pg_below(g->rand, RK_REG_COUNT);
			if (src < 0)
				src = (int)dst;
			if (op == RK_ALU_MOV && pg_chance(g->rand, 20)) {
				static const int16_t sx[] = {8, 16, 32};
				emit(g, (uint8_t)((is64 ? RK_CLS_ALU64 : RK_CLS_ALU) | RK_ALU_MOV | RK_SRC_X),
				     dst, (unsigned)src, sx[pg_below(g->rand, is64 ? 3 : 2)], 0);
			} else {
				alu_x(g, is64, op, dst, (unsigned)src);
			}
		} else {
			int32_t imm = pick_const(g);
			if (op == RK_ALU_LSH || op == RK_ALU_RSH || op == RK_ALU_ARSH)
				imm = (int32_t)pg_below(g->rand, is64 ? 64 : 32);
			if ((op == RK_ALU_DIV || op == RK_ALU_MOD) && pg_chance(g->rand, 30))
				emit(g, (uint8_t)((is64 ? RK_CLS_ALU64 : RK_CLS_ALU) | op | RK_SRC_K), dst, 0,
				     1, imm); /* signed */
			else
				alu_k(g, is64, op, dst, imm);
		}
	}
	*R(g, dst) = scalar_any();
	if (pg_chance(g->rand, 50)) {
		/* End with a mask so the value stays usable as an offset. */
		int32_t mask = (int32_t)((1u << pg_below(g->rand, 10)) - 1);
		alu_k(g, pg_chance(g->rand, 70), RK_ALU_AND, dst, mask);
		*R(g, dst) = scalar_range(0, mask);
	}
}

/* A pointer register to access through; sometimes a wrong one. */
static int access_base(struct gen *g, bool for_write)
{
	uint32_t kinds = K(G_CTX) | K(G_STACK) | K(G_MAPVAL) | K(G_REC) | K(G_BUF);
	if (oops(g))
		kinds |= K(G_MAPVAL_NULL) | K(G_REC_NULL) | K(G_MIXED) | K(G_SCALAR) | K(G_MAPPTR);
	int r = find_reg(g, kinds);
	if (r < 0 || pg_chance(g->rand, for_write ? 20 : 10))
		r = RK_REG_FP;
	return r;
}

static void note_stack_write(struct gen *g, unsigned ptr, int32_t off, uint32_t size)
{
	const struct greg *p = R(g, ptr);
	if (p->kind == G_STACK && p->off != OFF_UNKNOWN)
		stack_mark(g, p->off + off, p->off + off + (int32_t)size);
}

/* A load or store at a constant offset near the ends of the object. */
static void st_access(struct gen *g)
{
	bool write = pg_chance(g->rand, 45);
	int base = access_base(g, write);
	struct greg *p = R(g, (unsigned)base);
	struct object o = object_of(p);
	uint32_t size = pick_size(g);
	if (!write) {
		int32_t off;
		if (p->kind == G_STACK && p->off != OFF_UNKNOWN && !oops(g)) {
			int slot = stack_slot(g, size, true);
			off = slot - p->off;
		} else {
			off = boundary_off(g, o.lo, o.hi, size);
		}
		unsigned dst = scratch_reg(g, false, -1);
		bool sx = pg_chance(g->rand, 15);
		ldx(g, size, dst, (unsigned)base, clamp16(off), sx);
		/* A reloaded spill may be a pointer; the model calls it a scalar (a guess). */
		*R(g, dst) = sx || size == 8 ? scalar_any()
		                             : scalar_range(0, (int64_t)((1ull << (8 * size)) - 1));
		return;
	}
	int32_t off = boundary_off(g, o.wlo, o.whi, size);
	if (pg_chance(g->rand, 10) && p->kind != G_CTX) {
		/* An atomic read-modify-write. */
		static const int32_t ops[] = {RK_ATOMIC_ADD, RK_ATOMIC_OR, RK_ATOMIC_AND,
		                              RK_ATOMIC_XOR, RK_ATOMIC_ADD | RK_ATOMIC_FETCH,
		                              RK_ATOMIC_XCHG, RK_ATOMIC_CMPXCHG};
		uint32_t asize = pg_chance(g->rand, 50) ? 8 : 4;
		off -= off % (int32_t)asize;
		unsigned src = scalar_source(g, base);
		if (base == (int)src)
			return;
		int32_t aop = ops[pg_below(g->rand, sizeof(ops) / sizeof(ops[0]))];
		if (aop == RK_ATOMIC_CMPXCHG && R(g, 0)->kind != G_SCALAR)
			mov_k(g, 0, pick_const(g)), *R(g, 0) = scalar_any();
		emit(g, (uint8_t)(RK_CLS_STX | RK_MODE_ATOMIC | size_code(asize)), (unsigned)base, src,
		     clamp16(off), aop);
		if (aop & RK_ATOMIC_FETCH)
			*R(g, src) = scalar_any();
		if (aop == RK_ATOMIC_CMPXCHG)
			*R(g, 0) = scalar_any();
		return;
	}
	if (pg_chance(g->rand, 40)) {
		st_imm(g, size, (unsigned)base, clamp16(off), pick_const(g));
	} else {
		int src = find_reg(g, K(G_SCALAR));
		if (src < 0 || (p->kind == G_STACK && size == 8 && pg_chance(g->rand, 25)) || oops(g))
			src = (int)pg_below(g->rand, RK_REG_COUNT); /* a spill, maybe of a pointer */
		stx(g, size, (unsigned)base, (unsigned)src, clamp16(off));
	}
	note_stack_write(g, (unsigned)base, off, size);
}

/* Some stack writes, so that later reads and key pointers find initialised bytes. */
static void st_stack_init(struct gen *g)
{
	unsigned n = 1 + pg_below(g->rand, 4);
	for (unsigned k = 0; k < n; k++) {
		uint32_t size = pg_chance(g->rand, 70) ? 8 : pick_size(g);
		int off = stack_slot(g, size, false);
		if (pg_chance(g->rand, 50)) {
			st_imm(g, size, RK_REG_FP, (int16_t)off, pick_const(g));
		} else {
			int src = find_reg(g, K(G_SCALAR) | (size == 8 ? K(G_CTX) | K(G_MAPVAL) : 0));
			if (src < 0)
				src = RK_REG_FP; /* a spill of fp itself */
			stx(g, size, RK_REG_FP, (unsigned)src, (int16_t)off);
		}
		stack_mark(g, off, off + (int)size);
	}
}

/* rX = fp + off (a stack pointer) in register dst. */
static void stack_ptr(struct gen *g, unsigned dst, int off)
{
	mov_x(g, dst, RK_REG_FP);
	if (off)
		alu_k(g, true, RK_ALU_ADD, dst, off);
	*R(g, dst) = (struct greg){.kind = G_STACK, .off = off, .size = RK_STACK_SIZE};
}

/* A bounded scalar, and the bound it was meant to have. */
struct bounded {
	unsigned reg;
	int64_t lo, hi;        /* what the code means (possibly wrong on purpose) */
	size_t skips[4];       /* jumps to patch past the use */
	unsigned skip_count;
};

/*
 * Bound a scalar in reg so that it is meant to be in [0, max]: by a mask,
 * a comparison (unsigned, signed, 32-bit), a modulo or a shift - each
 * sometimes done not quite right.
 */
static void bound_scalar(struct gen *g, struct bounded *b, int64_t max)
{
	unsigned r = b->reg;
	if (max < 0)
		max = 0;
	b->lo = 0;
	b->hi = max;
	switch (pg_below(g->rand, 10)) {
	case 0:
	case 1: {
		/* A mask: the largest 2^k - 1 not above max (or above it, by mistake). */
		int64_t mask = 0;
		while (mask * 2 + 1 <= max)
			mask = mask * 2 + 1;
		if (oops(g))
			mask = mask * 2 + 1;
		alu_k(g, pg_chance(g->rand, 70), RK_ALU_AND, r, (int32_t)mask);
		b->hi = mask;
		break;
	}
	case 2:
	case 3: {
		/* if (r > max) skip; and its mirror forms. */
		int64_t limit = max + (oops(g) ? 1 : 0);
		bool jmp32 = pg_chance(g->rand, 15);
		switch (pg_below(g->rand, 3)) {
		case 0:
			b->skips[b->skip_count++] = jmp_fwd(g, jmp32, RK_JMP_JGT, r, false, 0, (int32_t)limit);
			break;
		case 1:
			b->skips[b->skip_count++] =
				jmp_fwd(g, jmp32, RK_JMP_JGE, r, false, 0, (int32_t)(limit + 1));
			break;
		default: {
			/* Compare with a register holding the limit. */
			unsigned lim = scratch_reg(g, false, (int)r);
			if (lim == r)
				break;
			mov_k(g, lim, (int32_t)limit);
			*R(g, lim) = scalar_range(limit, limit);
			b->skips[b->skip_count++] = jmp_fwd(g, jmp32, RK_JMP_JGT, r, true, lim, 0);
			break;
		}
		}
		b->hi = limit;
		break;
	}
	case 4:
	case 5: {
		/* Signed: both ends needed; the lower one forgotten by mistake. */
		bool jmp32 = pg_chance(g->rand, 15);
		int64_t limit = max + (oops(g) ? 1 : 0);
		b->skips[b->skip_count++] = jmp_fwd(g, jmp32, RK_JMP_JSGT, r, false, 0, (int32_t)limit);
		if (!oops(g))
			b->skips[b->skip_count++] = jmp_fwd(g, jmp32, RK_JMP_JSLT, r, false, 0, 0);
		else
			b->lo = INT32_MIN;
		b->hi = limit;
		break;
	}
	case 6: {
		/* r %= max + 1 (unsigned), 64 or 32 bits. */
		int64_t m = max + 1 + (oops(g) ? 1 : 0);
		alu_k(g, pg_chance(g->rand, 60), RK_ALU_MOD, r, (int32_t)m);
		b->hi = m - 1;
		break;
	}
	case 7: {
		/* A 32-bit value (w = w zero-extends) shifted right until it fits. */
		alu_x(g, false, RK_ALU_MOV, r, r);
		unsigned shift = 0;
		while (shift < 32 && ((UINT64_C(0xffffffff) >> shift) > (uint64_t)max))
			shift++;
		if (oops(g) && shift)
			shift--;
		alu_k(g, true, RK_ALU_RSH, r, (int32_t)shift);
		b->hi = (int64_t)(UINT64_C(0xffffffff) >> shift);
		break;
	}
	case 8: {
		/* Mask wide, then compare. */
		alu_k(g, true, RK_ALU_AND, r, 0xfff);
		int64_t limit = max + (oops(g) ? 1 : 0);
		b->skips[b->skip_count++] = jmp_fwd(g, false, RK_JMP_JLE, r, false, 0, (int32_t)limit);
		/* jle jumps to the use; the fall-through skips it. */
		size_t over = ja_fwd(g);
		patch(g, b->skips[--b->skip_count]);
		b->skips[b->skip_count++] = over;
		/* The ja is what skips: the use follows the jle target, which is right here. */
		b->hi = limit;
		break;
	}
	default:
		/* Not bounded at all (the verifier must notice). */
		b->lo = INT32_MIN;
		b->hi = INT32_MAX;
		break;
	}
	*R(g, r) = scalar_range(b->lo, b->hi);
}

/*
 * Pointer arithmetic: p + (bounded scalar, maybe scaled), then an access
 * placed so that the largest offset just fits (or just does not).
 */
static void st_varoff(struct gen *g)
{
	bool write = pg_chance(g->rand, 40);
	int base = access_base(g, write);
	struct greg saved = *R(g, (unsigned)base);
	struct object o = object_of(&saved);
	int32_t lo = write ? o.wlo : o.lo, hi = write ? o.whi : o.hi;
	uint32_t size = pick_size(g);
	struct bounded b = {.reg = scalar_source(g, base)};
	if (b.reg == (unsigned)base || (g->pinned & (1u << b.reg)))
		return;
	/* The room for the scalar: from lo (or 0) to the end minus the access. */
	int64_t start = lo > 0 ? lo : 0;
	if (saved.kind == G_STACK)
		start = lo; /* stack offsets are negative: start at the frame's bottom */
	int64_t room = (int64_t)hi - start - (int64_t)size;
	if (room < 0)
		room = 0;
	unsigned scale_log = pg_chance(g->rand, 30) ? pg_below(g->rand, 4) : 0;
	bound_scalar(g, &b, room >> scale_log);
	if (scale_log) {
		if (pg_chance(g->rand, 50))
			alu_k(g, true, RK_ALU_LSH, b.reg, (int32_t)scale_log);
		else
			alu_k(g, true, RK_ALU_MUL, b.reg, 1 << scale_log);
		b.lo = b.lo < 0 ? b.lo * (1 << scale_log) : b.lo << scale_log;
		b.hi <<= scale_log;
	}
	bool subtract = pg_chance(g->rand, 12);
	unsigned ptr;
	int32_t off;
	if (!subtract && pg_chance(g->rand, 30) && !(g->pinned & (1u << b.reg))) {
		/* scalar += pointer: the sum is a pointer. */
		alu_x(g, true, RK_ALU_ADD, b.reg, (unsigned)base);
		ptr = b.reg;
	} else {
		ptr = scratch_reg(g, false, (int)b.reg);
		if (ptr == b.reg)
			return;
		mov_x(g, ptr, (unsigned)base);
		alu_x(g, true, subtract ? RK_ALU_SUB : RK_ALU_ADD, ptr, b.reg);
	}
	/* Place the access: the far end of the range lands at the end of the object. */
	if (subtract)
		off = (int32_t)(start + b.hi);
	else if (pg_chance(g->rand, 70))
		off = (int32_t)(start);
	else
		off = (int32_t)(hi - (int64_t)size - b.hi);
	if (oops(g))
		off = (int32_t)((uint32_t)off + (pg_chance(g->rand, 50) ? 1u : UINT32_MAX)); /* wraps, never UB */
	if (pg_chance(g->rand, 50) && !write) {
		unsigned dst = scratch_reg(g, false, -1);
		ldx(g, size, dst, ptr, clamp16(off), false);
		*R(g, dst) = scalar_any();
	} else if (pg_chance(g->rand, 50)) {
		st_imm(g, size, ptr, clamp16(off), pick_const(g));
	} else {
		int src = find_reg(g, K(G_SCALAR));
		stx(g, size, ptr, src >= 0 ? (unsigned)src : b.reg, clamp16(off));
	}
	*R(g, ptr) = saved;
	R(g, ptr)->off = OFF_UNKNOWN;
	if (ptr != b.reg)
		*R(g, b.reg) = scalar_range(b.lo, b.hi);
	else
		R(g, ptr)->off = OFF_UNKNOWN;
	for (unsigned k = 0; k < b.skip_count; k++)
		patch(g, b.skips[k]);
	/* Paths that skipped the access joined here: a pointer register may be stale. */
	if (b.skip_count && ptr != (unsigned)base && ptr != b.reg)
		*R(g, ptr) = (struct greg){.kind = G_MIXED};
}

/* The key of a lookup or update on the stack; r2 = its address. */
static void key_on_stack(struct gen *g, unsigned map, unsigned key_reg)
{
	int off = -(int)(pg_below(g->rand, 8) + 1) * 8;
	if (oops(g))
		off = pg_chance(g->rand, 50) ? -(int)pg_below(g->rand, 4) : stack_slot(g, 4, false);
	if (!oops(g)) {
		int32_t key;
		if (map == PG_MAP_HASH)
			key = (int32_t)pg_below(g->rand, PG_HASH_PRESET_KEYS + 2);
		else
			key = pg_chance(g->rand, 80) ? (int32_t)pg_below(g->rand, PG_ARRAY_ENTRIES + 1)
			                             : pick_const(g);
		int src = find_reg(g, K(G_SCALAR));
		if (src >= 0 && pg_chance(g->rand, 25))
			stx(g, 4, RK_REG_FP, (unsigned)src, (int16_t)off);
		else
			st_imm(g, 4, RK_REG_FP, (int16_t)off, key);
		stack_mark(g, off, off + 4);
	}
	stack_ptr(g, key_reg, off);
}

static unsigned pick_data_map(struct gen *g)
{
	static const unsigned maps[] = {PG_MAP_ARRAY, PG_MAP_ARRAY, PG_MAP_HASH, PG_MAP_TINY};
	if (oops(g))
		return pg_below(g->rand, PG_MAP_COUNT);
	return maps[pg_below(g->rand, 4)];
}

/* A lookup, its NULL check, and a block that uses the value. */
static void st_lookup(struct gen *g)
{
	unsigned map = pick_data_map(g);
	key_on_stack(g, map, 2);
	lddw(g, 1, RK_PSEUDO_MAP_FD, map);
	*R(g, 1) = (struct greg){.kind = G_MAPPTR, .map = (uint8_t)map};
	call(g, 1);
	clobber_call(g);
	unsigned keep = pg_chance(g->rand, 70) ? scratch_reg(g, true, -1) : 0;
	if (keep)
		mov_x(g, keep, 0);
	struct greg val = {.kind = G_MAPVAL_NULL, .map = (uint8_t)map, .off = 0,
	                   .size = map_value_size(map)};
	*R(g, keep) = val;
	if (keep)
		*R(g, 0) = val;
	if (oops(g) && oops(g)) {
		/* No NULL check at all. */
		R(g, keep)->kind = G_MAPVAL;
		return;
	}
	struct gstate before = g->st;
	size_t skip;
	bool inverted = pg_chance(g->rand, 30);
	if (inverted) {
		/* if (p != NULL) goto use; else skip (jne over a ja). */
		size_t to_use = jmp_fwd(g, false, RK_JMP_JNE, keep, false, 0, 0);
		skip = ja_fwd(g);
		patch(g, to_use);
	} else {
		skip = jmp_fwd(g, false, RK_JMP_JEQ, keep, false, 0, 0);
	}
	R(g, keep)->kind = G_MAPVAL;
	if (keep && R(g, 0)->kind == G_MAPVAL_NULL && pg_chance(g->rand, 50))
		R(g, 0)->kind = G_MAPVAL; /* a copy: the verifier knows the two are the same */
	uint16_t pinned = g->pinned;
	if (keep && pg_chance(g->rand, 60))
		g->pinned |= (uint16_t)(1u << keep);
	block(g, 4);
	g->pinned = pinned;
	struct gstate after = g->st;
	if (pg_chance(g->rand, 20)) {
		/* An else branch. */
		size_t over = ja_fwd(g);
		patch(g, skip);
		g->st = before;
		R(g, keep)->kind = G_SCALAR;
		block(g, 2);
		patch(g, over);
		join(&g->st, &after);
	} else {
		patch(g, skip);
		before.regs[keep].kind = G_SCALAR; /* NULL on the skipping path */
		g->st = after;
		join(&g->st, &before);
	}
}

/* bpf_map_update_elem: key and value on the stack (or the value from a lookup). */
static void st_update(struct gen *g)
{
	unsigned map = pick_data_map(g);
	uint32_t vsize = map_value_size(map);
	int val = find_reg(g, K(G_MAPVAL));
	if (val >= 0 && val >= 6 && pg_chance(g->rand, 30)) {
		mov_x(g, 3, (unsigned)val);
		*R(g, 3) = *R(g, (unsigned)val);
	} else {
		if (vsize == 0)
			vsize = 8;
		int off = -(int)(((vsize + 7) / 8) + pg_below(g->rand, 16)) * 8;
		if (off < -RK_STACK_SIZE)
			off = -RK_STACK_SIZE;
		if (!stack_is_init(g, off, off + (int)vsize) || oops(g)) {
			/* Write the value (all of it, unless by mistake). */
			uint32_t words = (vsize + 7) / 8;
			if (oops(g) && words > 1)
				words--;
			for (uint32_t w = 0; w < words; w++)
				st_imm(g, 8, RK_REG_FP, (int16_t)(off + (int)w * 8), pick_const(g));
			stack_mark(g, off, off + (int)words * 8);
		}
		stack_ptr(g, 3, off + (oops(g) ? 4 : 0));
	}
	key_on_stack(g, map, 2);
	lddw(g, 1, RK_PSEUDO_MAP_FD, map);
	mov_k(g, 4, pg_chance(g->rand, 70) ? RK_MAP_ANY : (int32_t)pg_below(g->rand, 4));
	call(g, 2);
	clobber_call(g);
}

/* bpf_ringbuf_reserve, NULL check, writes, then submit or discard (or not). */
static void st_ringbuf(struct gen *g)
{
	static const int32_t sizes[] = {8, 16, 24, 32, 48, 64, 4, 1, 13};
	int32_t size = sizes[pg_below(g->rand, sizeof(sizes) / sizeof(sizes[0]))];
	lddw(g, 1, RK_PSEUDO_MAP_FD, oops(g) ? PG_MAP_ARRAY : PG_MAP_RINGBUF);
	*R(g, 1) = (struct greg){.kind = G_MAPPTR, .map = PG_MAP_RINGBUF};
	if (oops(g)) {
		unsigned src = scalar_source(g, 1);
		if (src != 2)
			mov_x(g, 2, src);
		*R(g, 2) = scalar_any();
	} else {
		mov_k(g, 2, size);
	}
	mov_k(g, 3, oops(g) ? 1 : 0);
	call(g, 131);
	clobber_call(g);
	unsigned rec = scratch_reg(g, true, -1);
	if (rec == 0)
		rec = 6;
	if (g->pinned & (1u << rec))
		return; /* nowhere to keep it: leave r0 (leaks; the verifier must say so) */
	mov_x(g, rec, 0);
	uint8_t id = ++g->next_rec;
	*R(g, rec) = (struct greg){.kind = G_REC_NULL, .rec = id, .off = 0, .size = (uint32_t)size};
	size_t skip = SIZE_MAX;
	if (!(oops(g) && oops(g)))
		skip = jmp_fwd(g, false, RK_JMP_JEQ, rec, false, 0, 0);
	R(g, rec)->kind = G_REC;
	struct gstate before = g->st;
	uint16_t pinned = g->pinned;
	g->pinned |= (uint16_t)(1u << rec);
	block(g, 3);
	g->pinned = pinned;
	if (R(g, rec)->kind == G_REC || oops(g)) {
		mov_x(g, 1, rec);
		if (oops(g) && oops(g))
			alu_k(g, true, RK_ALU_ADD, 1, 8);
		mov_k(g, 2, 0);
		call(g, pg_chance(g->rand, 70) ? 132 : 133);
		clobber_call(g);
		if (oops(g) && oops(g)) {
			/* Released twice. */
			mov_x(g, 1, rec);
			mov_k(g, 2, 0);
			call(g, 133);
			clobber_call(g);
		}
	}
	for (unsigned r = 0; r < RK_REG_COUNT; r++)
		if ((g->st.regs[r].kind == G_REC || g->st.regs[r].kind == G_REC_NULL) &&
		    g->st.regs[r].rec == id)
			g->st.regs[r] = (struct greg){.kind = G_MIXED};
	if (skip != SIZE_MAX) {
		patch(g, skip);
		before.regs[rec] = (struct greg){.kind = G_MIXED};
		join(&g->st, &before);
	}
}

/* Helpers writing into a stack buffer (PTR_TO_UNINIT_MEM), with a constant or bounded size. */
static void st_fill_helper(struct gen *g)
{
	bool comm = pg_chance(g->rand, 50);
	int32_t size = comm ? 16 : (int32_t)(1 + pg_below(g->rand, 32));
	int off = -(int)(pg_below(g->rand, 32) + 1) * 8;
	if (-off < size && !oops(g))
		off = -((size + 7) / 8) * 8;
	int dst = find_reg(g, K(G_MAPVAL) | K(G_BUF) | K(G_REC));
	if (dst >= 0 && pg_chance(g->rand, 30) && !comm) {
		struct object o = object_of(R(g, (unsigned)dst));
		int32_t room = o.whi - (o.wlo > 0 ? o.wlo : 0);
		if (room <= 0)
			room = 1;
		size = (int32_t)(1 + pg_below(g->rand, (uint32_t)room)) + (oops(g) ? 1 : 0);
		mov_x(g, 1, (unsigned)dst);
		*R(g, 1) = *R(g, (unsigned)dst);
		off = 0;
	} else {
		stack_ptr(g, 1, off + (oops(g) ? -1 : 0));
	}
	if (!comm && pg_chance(g->rand, 40)) {
		/* A bounded variable size. */
		struct bounded b = {.reg = scalar_source(g, 1)};
		if (b.reg == 1 || b.reg == 2)
			return;
		bound_scalar(g, &b, size);
		mov_x(g, 2, b.reg);
		mov_k(g, 3, 0);
		call(g, 112);
		clobber_call(g);
		for (unsigned k = 0; k < b.skip_count; k++)
			patch(g, b.skips[k]);
		return;
	}
	mov_k(g, 2, size + (oops(g) ? 1 : 0));
	if (comm) {
		call(g, 16);
	} else {
		mov_k(g, 3, 0);
		call(g, 112);
	}
	if (off)
		stack_mark(g, off, off + size);
	clobber_call(g);
}

/* bpf_ringbuf_output of stack bytes. */
static void st_ringbuf_output(struct gen *g)
{
	int32_t size = 8 * (int32_t)(1 + pg_below(g->rand, 4));
	int off = -size - (int)pg_below(g->rand, 8) * 8;
	if (!stack_is_init(g, off, off + size) && !oops(g)) {
		for (int32_t w = 0; w < size; w += 8)
			st_imm(g, 8, RK_REG_FP, (int16_t)(off + w), pick_const(g));
		stack_mark(g, off, off + size);
	}
	stack_ptr(g, 2, off);
	lddw(g, 1, RK_PSEUDO_MAP_FD, PG_MAP_RINGBUF);
	mov_k(g, 3, size + (oops(g) ? 1 : 0));
	mov_k(g, 4, 0);
	call(g, 130);
	clobber_call(g);
}

static void st_scalar_helper(struct gen *g)
{
	static const int32_t ids[] = {5, 7, 7, 8, 14, 15, 125};
	call(g, ids[pg_below(g->rand, sizeof(ids) / sizeof(ids[0]))]);
	clobber_call(g);
	if (pg_chance(g->rand, 50)) {
		unsigned keep = scratch_reg(g, true, -1);
		if (keep) {
			mov_x(g, keep, 0);
			*R(g, keep) = scalar_any();
		}
	}
}

/* if (cond) skip { block } [else { block }] */
static void st_if(struct gen *g)
{
	static const uint8_t ops[] = {RK_JMP_JEQ,  RK_JMP_JGT,  RK_JMP_JGE,  RK_JMP_JSET,
	                              RK_JMP_JNE,  RK_JMP_JSGT, RK_JMP_JSGE, RK_JMP_JLT,
	                              RK_JMP_JLE,  RK_JMP_JSLT, RK_JMP_JSLE};
	int r = find_reg(g, K(G_SCALAR));
	bool ptr_cmp = false;
	if (r < 0 || pg_chance(g->rand, 15)) {
		r = find_reg(g, K(G_MAPVAL) | K(G_STACK) | K(G_CTX) | K(G_MAPVAL_NULL));
		ptr_cmp = r >= 0;
	}
	if (r < 0)
		r = (int)scalar_source(g, -1);
	uint8_t op = ops[pg_below(g->rand, sizeof(ops))];
	bool jmp32 = !ptr_cmp && pg_chance(g->rand, 20);
	size_t skip;
	if (ptr_cmp) {
		/* A pointer against another of the same object, or against 0. */
		int other = -1;
		for (unsigned q = 0; q < RK_REG_COUNT; q++)
			if ((int)q != r && g->st.regs[q].kind == g->st.regs[r].kind &&
			    g->st.regs[q].map == g->st.regs[r].map && pg_chance(g->rand, 60))
				other = (int)q;
		if (other >= 0 && !(pg_avoid & PG_AVOID_PTR_CMP))
			skip = jmp_fwd(g, false, op, (unsigned)r, true, (unsigned)other, 0);
		else
			skip = jmp_fwd(g, false, op, (unsigned)r, false, 0, 0);
	} else if (pg_chance(g->rand, 25)) {
		int other = find_reg(g, K(G_SCALAR));
		if (other < 0)
			other = r;
		skip = jmp_fwd(g, jmp32, op, (unsigned)r, true, (unsigned)other, 0);
	} else {
		const struct greg *s = R(g, (unsigned)r);
		int32_t imm = s->bounded && pg_chance(g->rand, 50)
		                      ? (int32_t)(s->lo + (int64_t)pg_below(g->rand, 4))
		                      : pick_const(g);
		skip = jmp_fwd(g, jmp32, op, (unsigned)r, false, 0, imm);
	}
	struct gstate before = g->st;
	if (pg_chance(g->rand, 10) && g->depth > 0) {
		/* An early return. */
		mov_k(g, 0, pick_const(g));
		emit(g, RK_OP_EXIT, 0, 0, 0, 0);
		patch(g, skip);
		g->st = before;
		return;
	}
	block(g, 3);
	struct gstate after = g->st;
	if (pg_chance(g->rand, 30)) {
		size_t over = ja_fwd(g);
		patch(g, skip);
		g->st = before;
		block(g, 3);
		patch(g, over);
		join(&g->st, &after);
	} else {
		patch(g, skip);
		g->st = after;
		join(&g->st, &before);
	}
}

/*
 * A counted loop: counter in a callee-saved register, body of a few
 * statements (calls allowed), sometimes an access indexed by the counter.
 */
static void st_loop(struct gen *g)
{
	if (g->loop_depth >= 2)
		return;
	unsigned ctr = scratch_reg(g, true, -1);
	if (ctr == 0)
		return;
	int32_t trips = (int32_t)(1 + pg_below(g->rand, pg_chance(g->rand, 80) ? 8 : 64));
	int32_t start = pg_chance(g->rand, 80) ? 0 : (int32_t)pg_below(g->rand, 3);
	int32_t step = oops(g) && oops(g) ? (pg_chance(g->rand, 50) ? 0 : -1)
	                                  : (pg_chance(g->rand, 85) ? 1 : 2);
	uint8_t cond = RK_JMP_JLT;
	switch (pg_below(g->rand, 8)) {
	case 0: cond = RK_JMP_JNE; break;
	case 1: cond = RK_JMP_JSLT; break;
	case 2: cond = oops(g) ? RK_JMP_JLE : RK_JMP_JLT; break;
	default: break;
	}
	bool jmp32 = pg_chance(g->rand, 15);
	mov_k(g, ctr, start);
	uint16_t pinned = g->pinned;
	g->pinned |= (uint16_t)(1u << ctr);
	/* A bound in a register (sometimes from the context, masked). */
	int bound_reg = -1;
	if (pg_chance(g->rand, 25)) {
		unsigned br = scratch_reg(g, true, (int)ctr);
		if (br && br != ctr) {
			int ctx = find_reg(g, K(G_CTX));
			if (ctx >= 0 && pg_chance(g->rand, 50)) {
				ldx(g, 1, br, (unsigned)ctx, (int16_t)pg_below(g->rand, PG_CTX_SIZE), false);
				alu_k(g, true, RK_ALU_AND, br, 15);
				trips = 15;
			} else {
				mov_k(g, br, trips);
			}
			*R(g, br) = scalar_range(0, trips);
			bound_reg = (int)br;
			g->pinned |= (uint16_t)(1u << br);
		}
	}
	*R(g, ctr) = scalar_range(start, trips);
	/* What the counter indexes, if anything: a pointer that survives the body. */
	int target = find_reg(g, K(G_MAPVAL) | K(G_REC) | K(G_BUF) | K(G_CTX));
	if (target >= 0 && (target < 6 || pg_chance(g->rand, 30)))
		target = -1;
	if (target >= 0)
		g->pinned |= (uint16_t)(1u << target);
	bool top_tested = pg_chance(g->rand, 30);
	struct gstate before = g->st;
	size_t head = here(g);
	size_t exit_jump = SIZE_MAX;
	if (top_tested) {
		uint8_t neg = cond == RK_JMP_JLT ? RK_JMP_JGE : cond == RK_JMP_JSLT ? RK_JMP_JSGE
		            : cond == RK_JMP_JLE ? RK_JMP_JGT : RK_JMP_JEQ;
		exit_jump = bound_reg >= 0 ? jmp_fwd(g, jmp32, neg, ctr, true, (unsigned)bound_reg, 0)
		                           : jmp_fwd(g, jmp32, neg, ctr, false, 0, trips);
	}
	g->loop_depth++;
	g->depth++;
	if (pg_chance(g->rand, 60)) {
		/* buf[ctr * elt]: stack buffer, or the target object. */
		uint32_t elt = pick_size(g);
		unsigned tmp = scratch_reg(g, false, (int)ctr);
		if (tmp != ctr) {
			mov_x(g, tmp, ctr);
			if (elt > 1)
				alu_k(g, true, RK_ALU_LSH, tmp, elt == 2 ? 1 : elt == 4 ? 2 : 3);
			unsigned ptr = scratch_reg(g, false, (int)tmp);
			if (ptr != tmp && ptr != ctr) {
				int32_t off;
				bool write = pg_chance(g->rand, 50);
				bool stack = target < 0;
				int32_t span = (trips + (cond == RK_JMP_JLE ? 1 : 0)) * (int32_t)elt;
				if (stack) {
					mov_x(g, ptr, RK_REG_FP);
					off = -span - (oops(g) ? -1 : 0);
					if (off < -RK_STACK_SIZE)
						off = -RK_STACK_SIZE;
				} else {
					mov_x(g, ptr, (unsigned)target);
					struct object o = object_of(R(g, (unsigned)target));
					off = (int32_t)(write ? o.wlo : o.lo);
					if (off < 0 && R(g, (unsigned)target)->kind != G_STACK)
						off = 0;
					if (oops(g))
						off += 1;
				}
				alu_x(g, true, RK_ALU_ADD, ptr, tmp);
				if (write || (stack && !stack_is_init(g, off, off + span)))
					st_imm(g, elt, ptr, clamp16(off), pick_const(g));
				else
					ldx(g, elt, tmp, ptr, clamp16(off), false);
				*R(g, ptr) = (struct greg){.kind = G_MIXED};
				*R(g, tmp) = scalar_any();
			}
		}
	}
	block(g, 3);
	if (g->pinned & (1u << ctr)) {
		alu_k(g, !jmp32 || pg_chance(g->rand, 50), RK_ALU_ADD, ctr, step);
		if (top_tested) {
			emit(g, RK_OP_JA, 0, 0, (int16_t)((int64_t)head - (int64_t)here(g) - 1), 0);
		} else if (bound_reg >= 0) {
			jmp_back(g, jmp32, cond, ctr, true, (unsigned)bound_reg, 0, head);
		} else {
			jmp_back(g, jmp32, cond, ctr, false, 0, trips, head);
		}
	}
	g->depth--;
	g->loop_depth--;
	if (exit_jump != SIZE_MAX)
		patch(g, exit_jump);
	g->pinned = pinned;
	join(&g->st, &before);
	*R(g, ctr) = scalar_any();
}

/* A pointer walked through an object: for (p = start; p < end; p += elt). */
static void st_ptr_loop(struct gen *g)
{
	if (g->loop_depth >= 2 || (pg_avoid & PG_AVOID_PTR_CMP))
		return;
	int base = find_reg(g, K(G_MAPVAL) | K(G_BUF) | K(G_REC));
	uint32_t elt = pick_size(g);
	bool stack = base < 0 || pg_chance(g->rand, 30);
	unsigned p = scratch_reg(g, true, -1), end = scratch_reg(g, true, (int)p);
	if (p == 0 || end == 0 || p == end || (int)p == base || (int)end == base)
		return;
	int32_t len, stack_off = 0;
	bool past_end = oops(g);
	if (stack) {
		len = (int32_t)(elt * (1 + pg_below(g->rand, 8)));
		stack_off = -len - (int)pg_below(g->rand, 4) * 8;
		stack_ptr(g, p, stack_off);
		stack_ptr(g, end, stack_off + len + (past_end ? 1 : 0));
	} else {
		struct object o = object_of(R(g, (unsigned)base));
		len = o.hi - (o.lo > 0 ? o.lo : 0);
		if (len <= 0)
			return;
		mov_x(g, p, (unsigned)base);
		mov_x(g, end, (unsigned)base);
		alu_k(g, true, RK_ALU_ADD, end, len + (past_end ? 1 : 0));
		*R(g, p) = *R(g, (unsigned)base);
		*R(g, end) = *R(g, (unsigned)base);
	}
	uint16_t pinned = g->pinned;
	g->pinned |= (uint16_t)((1u << p) | (1u << end));
	struct gstate before = g->st;
	size_t head = here(g);
	g->loop_depth++;
	g->depth++;
	if (stack || pg_chance(g->rand, 50)) {
		st_imm(g, elt, p, 0, pick_const(g));
	} else {
		unsigned dst = scratch_reg(g, false, -1);
		ldx(g, elt, dst, p, 0, false);
		*R(g, dst) = scalar_any();
	}
	if (pg_chance(g->rand, 30))
		block(g, 2);
	alu_k(g, true, RK_ALU_ADD, p, (int32_t)elt);
	jmp_back(g, false, pg_chance(g->rand, 80) ? RK_JMP_JLT : RK_JMP_JNE, p, true, end, 0, head);
	g->depth--;
	g->loop_depth--;
	g->pinned = pinned;
	join(&g->st, &before);
	*R(g, p) = (struct greg){.kind = G_MIXED};
	if (stack)
		stack_mark(g, stack_off, stack_off + len);
}

static void st_ctx_ptr(struct gen *g)
{
	int ctx = find_reg(g, K(G_CTX));
	if (ctx < 0)
		return;
	unsigned dst = scratch_reg(g, pg_chance(g->rand, 50), -1);
	int32_t off = PG_CTX_PTR_OFF - (R(g, (unsigned)ctx)->off == OFF_UNKNOWN ? 0 : R(g, (unsigned)ctx)->off);
	uint32_t size = 8;
	if (oops(g)) {
		if (pg_chance(g->rand, 50))
			off += pg_chance(g->rand, 50) ? 4 : -4;
		else
			size = 4;
	}
	ldx(g, size, dst, (unsigned)ctx, clamp16(off), false);
	*R(g, dst) = (struct greg){.kind = G_BUF, .off = 0, .size = PG_CTX_BUF_SIZE};
}

static void jit_statement(struct gen *g);

static void statement(struct gen *g)
{
	if (!g->statements || g->overflow)
		return;
	g->statements--;
	/* Only pg_generate_jit() draws here: pg_generate()'s seeds make what they always made. */
	if (g->jit && pg_chance(g->rand, 40)) {
		jit_statement(g);
		return;
	}
	unsigned pick = pg_below(g->rand, 100);
	if (g->depth > 3 && pick >= 60)
		pick = pg_below(g->rand, 60);
	if (pick < 12)
		st_alu(g);
	else if (pick < 26)
		st_access(g);
	else if (pick < 38)
		st_varoff(g);
	else if (pick < 43)
		st_stack_init(g);
	else if (pick < 47)
		st_scalar_helper(g);
	else if (pick < 51)
		st_ctx_ptr(g);
	else if (pick < 55)
		st_fill_helper(g);
	else if (pick < 60)
		st_update(g);
	else if (pick < 62)
		st_ringbuf_output(g);
	else if (pick < 72)
		st_if(g);
	else if (pick < 82)
		st_lookup(g);
	else if (pick < 87)
		st_ringbuf(g);
	else if (pick < 95)
		st_loop(g);
	else
		st_ptr_loop(g);
}

/* ---- the JIT's shapes (pg_generate_jit, pg_generate_alu) ------------------- */

/* 64-bit values where the CPU and the ISA disagree most often. */
static const int64_t edge64[] = {
	0, 1, -1, 2, -2, 3, 7, 8, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, (int64_t)0x80000000, (int64_t)0x100000000,
	INT64_MAX, INT64_MIN, (int64_t)0x8000000000000001ull, (int64_t)0xffffffff00000000ull,
	(int64_t)0x00000000ffff8000ull, (int64_t)0x0123456789abcdefull,
};
#define EDGE64_COUNT (sizeof(edge64) / sizeof(edge64[0]))

/* Immediates: sign extension, zero, minus one, INT_MIN, shift-sized numbers. */
static const int32_t edge32[] = {
	0, 1, -1, 2, -2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x7fff,
	0x8000, 0xffff, 0x10000, INT32_MAX, INT32_MIN, INT32_MIN + 1, -0x8000,
};
#define EDGE32_COUNT (sizeof(edge32) / sizeof(edge32[0]))

static int64_t pick_edge64(struct pg_rand *rand)
{
	if (pg_chance(rand, 70))
		return edge64[pg_below(rand, EDGE64_COUNT)];
	return (int64_t)pg_u64(rand);
}

static int32_t pick_edge32(struct pg_rand *rand)
{
	if (pg_chance(rand, 75))
		return edge32[pg_below(rand, EDGE32_COUNT)];
	return (int32_t)pg_u64(rand);
}

/* dst = an edge value, by mov (sign-extended), mov32 (zero-extended) or lddw. */
static void load_edge(struct gen *g, unsigned dst)
{
	int64_t v = pick_edge64(g->rand);
	unsigned how = pg_below(g->rand, 3);
	if (how == 0 && v == (int32_t)v)
		mov_k(g, dst, (int32_t)v);
	else if (how == 1)
		alu_k(g, false, RK_ALU_MOV, dst, (int32_t)v);
	else
		lddw(g, dst, RK_PSEUDO_IMM64, (uint64_t)v);
	*R(g, dst) = scalar_any();
}

/*
 * One ALU instruction of any kind on dst (and src): every operation, both
 * widths, immediate and register forms, signed div/mod, movsx, byte swaps.
 * wild_shifts: immediate shift counts past the width (the ISA masks them;
 * for unverified programs only).
 */
static void any_alu(struct gen *g, unsigned dst, unsigned src, bool wild_shifts)
{
	static const uint8_t ops[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_MUL, RK_ALU_DIV, RK_ALU_OR,
	                              RK_ALU_AND, RK_ALU_LSH, RK_ALU_RSH, RK_ALU_NEG, RK_ALU_MOD,
	                              RK_ALU_XOR, RK_ALU_MOV, RK_ALU_ARSH, RK_ALU_END,
	                              RK_ALU_DIV, RK_ALU_MOD};
	struct pg_rand *rand = g->rand;
	bool is64 = pg_chance(rand, 50);
	uint8_t cls = is64 ? RK_CLS_ALU64 : RK_CLS_ALU;
	uint8_t op = ops[pg_below(rand, sizeof(ops))];
	if (op == RK_ALU_NEG) {
		emit(g, (uint8_t)(cls | RK_ALU_NEG | RK_SRC_K), dst, 0, 0, 0);
		return;
	}
	if (op == RK_ALU_END) {
		static const int32_t widths[] = {16, 32, 64};
		uint8_t order = is64 ? 0 : (pg_chance(rand, 50) ? RK_END_TO_BE : RK_END_TO_LE);
		emit(g, (uint8_t)(cls | RK_ALU_END | order), dst, 0, 0, widths[pg_below(rand, 3)]);
		return;
	}
	int16_t off = 0;
	if ((op == RK_ALU_DIV || op == RK_ALU_MOD) && pg_chance(rand, 50))
		off = 1; /* sdiv, smod */
	if (pg_chance(rand, 50)) {
		if (op == RK_ALU_MOV && pg_chance(rand, 40)) {
			static const int16_t sx[] = {8, 16, 32};
			off = sx[pg_below(rand, is64 ? 3 : 2)];
		}
		emit(g, (uint8_t)(cls | op | RK_SRC_X), dst, src, off, 0);
		return;
	}
	int32_t imm = pick_edge32(rand);
	if (op == RK_ALU_LSH || op == RK_ALU_RSH || op == RK_ALU_ARSH) {
		unsigned width = is64 ? 64 : 32;
		imm = (int32_t)pg_below(rand, width);
		if (wild_shifts && pg_chance(rand, 10))
			imm = (int32_t)(width + pg_below(rand, 200));
	}
	emit(g, (uint8_t)(cls | op | RK_SRC_K), dst, 0, off, imm);
}

/* A scalar register this statement may overwrite (never r0 when avoid_r0). */
static int jit_scratch(struct gen *g, int avoid)
{
	unsigned r = scratch_reg(g, false, avoid);
	if ((g->pinned & (1u << r)) || (int)r == avoid)
		return -1;
	return (int)r;
}

/* Edge values through a chain of ALU operations, both registers scalars after. */
static void st_jit_alu(struct gen *g)
{
	int dst = jit_scratch(g, -1);
	if (dst < 0)
		return;
	int src = jit_scratch(g, dst);
	if (src < 0 || pg_chance(g->rand, 10))
		src = dst;
	load_edge(g, (unsigned)dst);
	if (src != dst)
		load_edge(g, (unsigned)src);
	unsigned n = 1 + pg_below(g->rand, 6);
	for (unsigned k = 0; k < n; k++) {
		if (pg_chance(g->rand, 20) && src != dst)
			any_alu(g, (unsigned)src, (unsigned)dst, false);
		else
			any_alu(g, (unsigned)dst, (unsigned)src, false);
	}
	*R(g, (unsigned)dst) = scalar_any();
	*R(g, (unsigned)src) = scalar_any();
}

/* Every atomic, 32 and 64 bits, on an initialised stack slot; then read it back. */
static void st_jit_atomic(struct gen *g)
{
	static const int32_t ops[] = {
		RK_ATOMIC_ADD, RK_ATOMIC_OR, RK_ATOMIC_AND, RK_ATOMIC_XOR,
		RK_ATOMIC_ADD | RK_ATOMIC_FETCH, RK_ATOMIC_OR | RK_ATOMIC_FETCH,
		RK_ATOMIC_AND | RK_ATOMIC_FETCH, RK_ATOMIC_XOR | RK_ATOMIC_FETCH,
		RK_ATOMIC_XCHG, RK_ATOMIC_CMPXCHG};
	int32_t aop = ops[pg_below(g->rand, sizeof(ops) / sizeof(ops[0]))];
	uint32_t asize = pg_chance(g->rand, 50) ? 8 : 4;
	int slot = -(int)(pg_below(g->rand, RK_STACK_SIZE / 8) + 1) * 8;
	int off = slot + (asize == 4 && pg_chance(g->rand, 50) ? 4 : 0);
	int src = jit_scratch(g, 0);
	if (src <= 0)
		return;
	if (!stack_is_init(g, slot, slot + 8) || pg_chance(g->rand, 50)) {
		unsigned tmp = (unsigned)src;
		load_edge(g, tmp);
		stx(g, 8, RK_REG_FP, tmp, (int16_t)slot);
		stack_mark(g, slot, slot + 8);
	}
	load_edge(g, (unsigned)src);
	if (aop == RK_ATOMIC_CMPXCHG) {
		if (g->pinned & 1u)
			return;
		if (pg_chance(g->rand, 50))
			ldx(g, asize, 0, RK_REG_FP, (int16_t)off, false); /* the exchange happens */
		else
			load_edge(g, 0);
	}
	emit(g, (uint8_t)(RK_CLS_STX | RK_MODE_ATOMIC | size_code(asize)), RK_REG_FP,
	     (unsigned)src, (int16_t)off, aop);
	*R(g, (unsigned)src) = scalar_any();
	if (aop == RK_ATOMIC_CMPXCHG)
		*R(g, 0) = scalar_any();
	if (pg_chance(g->rand, 60)) {
		int dst = jit_scratch(g, -1);
		if (dst >= 0) {
			ldx(g, pg_chance(g->rand, 50) ? 8 : asize, (unsigned)dst, RK_REG_FP, (int16_t)slot,
			    false);
			*R(g, (unsigned)dst) = scalar_any();
		}
	}
}

/* An edge value stored, then read back in pieces, sign-extended or not. */
static void st_jit_loads(struct gen *g)
{
	int tmp = jit_scratch(g, -1);
	if (tmp < 0)
		return;
	int slot = -(int)(pg_below(g->rand, RK_STACK_SIZE / 8) + 1) * 8;
	load_edge(g, (unsigned)tmp);
	stx(g, 8, RK_REG_FP, (unsigned)tmp, (int16_t)slot);
	stack_mark(g, slot, slot + 8);
	unsigned n = 1 + pg_below(g->rand, 3);
	for (unsigned k = 0; k < n; k++) {
		uint32_t size = pick_size(g);
		int off = slot + (int)(pg_below(g->rand, 8 / size) * size);
		int dst = jit_scratch(g, -1);
		if (dst < 0)
			return;
		ldx(g, size, (unsigned)dst, RK_REG_FP, (int16_t)off, pg_chance(g->rand, 60));
		*R(g, (unsigned)dst) = scalar_any();
	}
}

/* Comparisons of edge values, every condition, both widths; a gotol sometimes. */
static void st_jit_cmp(struct gen *g)
{
	static const uint8_t ops[] = {RK_JMP_JEQ,  RK_JMP_JGT,  RK_JMP_JGE,  RK_JMP_JSET,
	                              RK_JMP_JNE,  RK_JMP_JSGT, RK_JMP_JSGE, RK_JMP_JLT,
	                              RK_JMP_JLE,  RK_JMP_JSLT, RK_JMP_JSLE};
	int a = jit_scratch(g, -1);
	if (a < 0)
		return;
	int b = jit_scratch(g, a);
	load_edge(g, (unsigned)a);
	if (b >= 0)
		load_edge(g, (unsigned)b);
	bool jmp32 = pg_chance(g->rand, 50);
	uint8_t op = ops[pg_below(g->rand, sizeof(ops))];
	size_t skip = b >= 0 && pg_chance(g->rand, 50)
	                      ? jmp_fwd(g, jmp32, op, (unsigned)a, true, (unsigned)b, 0)
	                      : jmp_fwd(g, jmp32, op, (unsigned)a, false, 0, pick_edge32(g->rand));
	size_t gotol = SIZE_MAX;
	if (pg_chance(g->rand, 30)) {
		/* Taken path: a gotol over what the fall-through path runs. */
		gotol = here(g);
		emit(g, RK_OP_JA32, 0, 0, 0, 0);
		patch(g, skip);
	}
	unsigned n = 1 + pg_below(g->rand, 3);
	for (unsigned k = 0; k < n; k++)
		any_alu(g, (unsigned)a, b >= 0 ? (unsigned)b : (unsigned)a, false);
	if (gotol != SIZE_MAX) {
		int64_t dist = (int64_t)here(g) - (int64_t)gotol - 1;
		g->prog->insns[gotol].imm = (int32_t)dist;
	} else {
		patch(g, skip);
	}
	*R(g, (unsigned)a) = scalar_any();
	if (b >= 0)
		*R(g, (unsigned)b) = scalar_any();
}

/* An 8-byte stack slot, initialised, for a subprogram to write through. */
static int init_slot(struct gen *g)
{
	int slot = -(int)(pg_below(g->rand, 16) + 1) * 8;
	st_imm(g, 8, RK_REG_FP, (int16_t)slot, pick_edge32(g->rand));
	stack_mark(g, slot, slot + 8);
	return slot;
}

/* A bpf-to-bpf call with scalar arguments (and sometimes a stack pointer in r1). */
static void st_jit_local_call(struct gen *g)
{
	if (g->in_func || g->func_count >= PG_MAX_FUNCS)
		return;
	struct pending_func f = {.arg_count = 1 + pg_below(g->rand, 5)};
	f.ptr_arg = pg_chance(g->rand, 30);
	int slot = f.ptr_arg ? init_slot(g) : 0;
	for (unsigned r = 1; r <= f.arg_count; r++) {
		if (r == 1 && f.ptr_arg) {
			stack_ptr(g, 1, slot);
			continue;
		}
		int have = find_reg(g, K(G_SCALAR));
		if (have >= 0 && have != (int)r && pg_chance(g->rand, 40))
			mov_x(g, r, (unsigned)have);
		else
			load_edge(g, r);
		*R(g, r) = scalar_any();
	}
	f.ref_at = here(g);
	emit(g, RK_OP_CALL, 0, RK_CALL_LOCAL, 0, 0);
	g->funcs[g->func_count++] = f;
	clobber_call(g);
	if (pg_chance(g->rand, 50)) {
		int keep = jit_scratch(g, 0);
		if (keep > 0) {
			mov_x(g, (unsigned)keep, 0);
			*R(g, (unsigned)keep) = scalar_any();
		}
	}
}

/* bpf_loop(nr, callback, ctx, 0): ctx a stack slot the callback updates, or 0. */
static void st_jit_bpf_loop(struct gen *g)
{
	if (g->in_func || g->func_count >= PG_MAX_FUNCS)
		return;
	struct pending_func f = {.callback = true, .ptr_arg = pg_chance(g->rand, 60)};
	int slot = f.ptr_arg ? init_slot(g) : 0;
	mov_k(g, 1, (int32_t)pg_below(g->rand, 12));
	f.ref_at = here(g);
	lddw(g, 2, RK_PSEUDO_CODE_ADDR, 0);
	if (f.ptr_arg)
		stack_ptr(g, 3, slot);
	else
		mov_k(g, 3, 0);
	mov_k(g, 4, 0);
	call(g, 181);
	g->funcs[g->func_count++] = f;
	clobber_call(g);
	if (f.ptr_arg && pg_chance(g->rand, 70)) {
		int dst = jit_scratch(g, -1);
		if (dst >= 0) {
			ldx(g, 8, (unsigned)dst, RK_REG_FP, (int16_t)slot, false);
			*R(g, (unsigned)dst) = scalar_any();
		}
	}
}

static void jit_statement(struct gen *g)
{
	switch (pg_below(g->rand, 10)) {
	case 0: case 1: case 2: st_jit_alu(g); break;
	case 3: st_jit_atomic(g); break;
	case 4: st_jit_loads(g); break;
	case 5: case 6: st_jit_cmp(g); break;
	case 7: case 8: st_jit_local_call(g); break;
	default: st_jit_bpf_loop(g); break;
	}
}

/*
 * A subprogram after main: it writes r6..r9 (the caller must get its own
 * back), uses its own stack frame, computes on its arguments, sometimes
 * calls a helper, updates the caller's slot through the pointer argument,
 * and returns a scalar (a callback: 0 to go on, 1 to stop).
 */
static void emit_func(struct gen *g, const struct pending_func *f)
{
	size_t start = here(g);
	g->prog->insns[f->ref_at].imm = (int32_t)((int64_t)start - (int64_t)f->ref_at - 1);
	uint16_t init = (uint16_t)(1u << RK_REG_FP);
	unsigned ptr = 0;
	if (f->callback) {
		init |= 1u << 1;              /* r1: the index */
		mov_x(g, 7, 1);               /* r7 keeps it for the return value */
		init |= 1u << 7;
		if (f->ptr_arg) {
			mov_x(g, 9, 2);
			ptr = 9;
		}
	} else {
		for (unsigned r = 1; r <= f->arg_count; r++)
			init |= (uint16_t)(1u << r);
		if (f->ptr_arg) {
			mov_x(g, 9, 1);
			ptr = 9;
			init &= (uint16_t)~(1u << 1);
		}
	}
	/* Registers the body computes in: never r7 (a callback's index) or the pointer. */
	unsigned work[RK_REG_COUNT], work_count = 0;
	for (unsigned r = 0; r <= 8; r++) {
		if ((f->callback && r == 7) || r == ptr)
			continue;
		if (r >= 6 || pg_chance(g->rand, 30) || !(init & (1u << r))) {
			load_edge(g, r);
			init |= (uint16_t)(1u << r);
		}
		work[work_count++] = r;
	}
	int own = -(int)(pg_below(g->rand, 8) + 1) * 8;
	unsigned n = 2 + pg_below(g->rand, 8);
	for (unsigned k = 0; k < n; k++) {
		unsigned dst = work[pg_below(g->rand, work_count)];
		unsigned src = work[pg_below(g->rand, work_count)];
		switch (pg_below(g->rand, 6)) {
		case 0:
			stx(g, 8, RK_REG_FP, src, (int16_t)own);
			ldx(g, pick_size(g), dst, RK_REG_FP, (int16_t)own, pg_chance(g->rand, 30));
			break;
		case 1:
			if (pg_chance(g->rand, 30)) {
				call(g, 7); /* bpf_get_prandom_u32: r1..r5 gone */
				for (unsigned r = 1; r <= 5; r++)
					load_edge(g, r);
			} else {
				any_alu(g, dst, src, false);
			}
			break;
		default:
			any_alu(g, dst, src, false);
			break;
		}
	}
	if (ptr) {
		unsigned tmp = work[pg_below(g->rand, work_count)];
		ldx(g, 8, tmp, ptr, 0, false);
		alu_x(g, true, RK_ALU_ADD, tmp, work[pg_below(g->rand, work_count)]);
		stx(g, 8, ptr, tmp, 0);
	}
	if (f->callback) {
		mov_k(g, 0, 0);
		emit(g, (uint8_t)(RK_CLS_JMP | RK_JMP_JLT | RK_SRC_K), 7, 0, 1,
		     (int32_t)(1 + pg_below(g->rand, 12)));
		mov_k(g, 0, 1);
	} else {
		unsigned from = work[pg_below(g->rand, work_count)];
		if (from != 0)
			mov_x(g, 0, from);
	}
	emit(g, RK_OP_EXIT, 0, 0, 0, 0);
}

static void emit_funcs(struct gen *g)
{
	g->in_func = true;
	for (unsigned k = 0; k < g->func_count && !g->overflow; k++)
		emit_func(g, &g->funcs[k]);
}

/* ---- unverified ALU programs (pg_generate_alu) ---------------------------- */

#define ALU_MAX_ITEMS 320

/* One instruction of the body, and where its jump goes (an item index). */
struct alu_item {
	struct rk_insn insn[2];
	unsigned slots;
	size_t target;          /* SIZE_MAX: not a jump */
};

void pg_generate_alu(struct pg_rand *rand, struct pg_prog *prog)
{
	static const uint8_t conds[] = {RK_JMP_JEQ,  RK_JMP_JGT,  RK_JMP_JGE,  RK_JMP_JSET,
	                                RK_JMP_JNE,  RK_JMP_JSGT, RK_JMP_JSGE, RK_JMP_JLT,
	                                RK_JMP_JLE,  RK_JMP_JSLT, RK_JMP_JSLE};
	static struct alu_item items[ALU_MAX_ITEMS];
	static struct pg_prog scratch;
	struct gen g = {.rand = rand, .prog = &scratch};
	scratch.insn_count = 0;
	prog->insn_count = 0;
	prog->mutations = 0;

	/* Every register r0..r9 (r1 keeps the context pointer sometimes: same in both runs). */
	for (unsigned r = 0; r <= 9; r++)
		if (r != 1 || pg_chance(rand, 70))
			load_edge(&g, r);
	memcpy(prog->insns, scratch.insns, scratch.insn_count * sizeof(scratch.insns[0]));
	prog->insn_count = prog->prologue_slots = scratch.insn_count;

	size_t count = 1 + pg_below(rand, pg_chance(rand, 80) ? 40 : ALU_MAX_ITEMS - 1);
	for (size_t i = 0; i < count; i++) {
		struct alu_item *item = &items[i];
		scratch.insn_count = 0;
		item->target = SIZE_MAX;
		unsigned dst = pg_below(rand, 10);
		unsigned src = pg_below(rand, 11); /* r10 too: the same address in both runs */
		unsigned pick = pg_below(rand, 100);
		if (pick < 68) {
			any_alu(&g, dst, src, true);
		} else if (pick < 72) {
			load_edge(&g, dst);
		} else if (pick < 93) {
			bool jmp32 = pg_chance(rand, 40);
			uint8_t op = conds[pg_below(rand, sizeof(conds))];
			if (pg_chance(rand, 50))
				jmp_fwd(&g, jmp32, op, pg_below(rand, 11), true, src, 0);
			else
				jmp_fwd(&g, jmp32, op, pg_below(rand, 11), false, 0, pick_edge32(rand));
			item->target = i + 1 + pg_below(rand, (uint32_t)(count - i));
		} else if (pick < 98) {
			emit(&g, pg_chance(rand, 50) ? RK_OP_JA : RK_OP_JA32, 0, 0, 0, 0);
			item->target = i + 1 + pg_below(rand, (uint32_t)(count - i));
		} else {
			emit(&g, RK_OP_EXIT, 0, 0, 0, 0);
		}
		item->slots = (unsigned)scratch.insn_count;
		memcpy(item->insn, scratch.insns, item->slots * sizeof(item->insn[0]));
	}
	/* Lay the body out; a jump to item `count` lands on the fold below. */
	size_t slot_of[ALU_MAX_ITEMS + 1];
	size_t at = prog->insn_count;
	for (size_t i = 0; i < count; i++) {
		slot_of[i] = at;
		at += items[i].slots;
	}
	slot_of[count] = at;
	for (size_t i = 0; i < count; i++) {
		struct rk_insn *insn = &prog->insns[prog->insn_count];
		memcpy(insn, items[i].insn, items[i].slots * sizeof(*insn));
		if (items[i].target != SIZE_MAX) {
			int64_t dist = (int64_t)slot_of[items[i].target] - (int64_t)slot_of[i] - 1;
			if (insn->code == RK_OP_JA32)
				insn->imm = (int32_t)dist;
			else
				insn->off = (int16_t)dist;
		}
		prog->insn_count += items[i].slots;
	}
	/* r0 = fold of r0..r9 (multiply by an odd number, then xor the next). */
	for (unsigned r = 1; r <= 9; r++) {
		prog->insns[prog->insn_count++] = (struct rk_insn){
			.code = RK_CLS_ALU64 | RK_ALU_MUL | RK_SRC_K, .imm = (int32_t)0x9e3779b1};
		prog->insns[prog->insn_count++] = (struct rk_insn){
			.code = RK_CLS_ALU64 | RK_ALU_XOR | RK_SRC_X, .src_reg = (uint8_t)r};
	}
	prog->insns[prog->insn_count++] = (struct rk_insn){.code = RK_OP_EXIT};
}

/* ---- mutations ------------------------------------------------------------ */

static bool is_lddw_second(const struct rk_insn *insns, size_t count, size_t i)
{
	/* Walk from the start: an lddw covers the slot after it. */
	for (size_t k = 0; k < count && k <= i; k++) {
		if (insns[k].code == RK_OP_LDDW) {
			if (k + 1 == i)
				return true;
			k++;
		}
	}
	return false;
}

static void mutate_one(struct pg_rand *rand, struct rk_insn *insns, size_t count)
{
	size_t i = pg_below(rand, (uint32_t)count);
	if (is_lddw_second(insns, count, i))
		i--;
	struct rk_insn *insn = &insns[i];
	uint8_t cls = RK_CLASS(insn->code);
	switch (pg_below(rand, 6)) {
	case 0: /* a constant */
		if (insn->code == RK_OP_LDDW && insn->src_reg == RK_PSEUDO_MAP_FD)
			insn->imm = (int32_t)pg_below(rand, PG_MAP_COUNT);
		else if (pg_chance(rand, 60))
			insn->imm += (int32_t)pg_below(rand, 5) - 2;
		else
			insn->imm = (int32_t)interesting[pg_below(rand, INTERESTING_COUNT)];
		break;
	case 1: /* an offset or a jump target */
		if (pg_chance(rand, 60))
			insn->off = (int16_t)(insn->off + (int16_t)pg_below(rand, 5) - 2);
		else
			insn->off = (int16_t)(insn->off + (pg_chance(rand, 50) ? 8 : -8));
		break;
	case 2: /* a register */
		if (pg_chance(rand, 50))
			insn->dst_reg = (uint8_t)(pg_below(rand, 10) & 0xf);
		else
			insn->src_reg = (uint8_t)(pg_below(rand, 11) & 0xf);
		break;
	case 3: /* the operation */
		if (cls == RK_CLS_JMP || cls == RK_CLS_JMP32) {
			if (insn->code == RK_OP_CALL || insn->code == RK_OP_EXIT || insn->code == RK_OP_JA)
				break;
			static const uint8_t ops[] = {RK_JMP_JEQ, RK_JMP_JGT,  RK_JMP_JGE,  RK_JMP_JSET,
			                              RK_JMP_JNE, RK_JMP_JSGT, RK_JMP_JSGE, RK_JMP_JLT,
			                              RK_JMP_JLE, RK_JMP_JSLT, RK_JMP_JSLE};
			if (pg_chance(rand, 30))
				insn->code ^= RK_CLS_JMP ^ RK_CLS_JMP32;
			else
				insn->code = (uint8_t)((insn->code & 0x0f) | ops[pg_below(rand, sizeof(ops))]);
		} else if (cls == RK_CLS_ALU || cls == RK_CLS_ALU64) {
			static const uint8_t ops[] = {RK_ALU_ADD, RK_ALU_SUB, RK_ALU_OR, RK_ALU_AND,
			                              RK_ALU_LSH, RK_ALU_RSH, RK_ALU_XOR, RK_ALU_MOV,
			                              RK_ALU_ARSH, RK_ALU_MUL};
			if (pg_chance(rand, 30))
				insn->code ^= RK_CLS_ALU ^ RK_CLS_ALU64;
			else if (RK_OP(insn->code) != RK_ALU_END && RK_OP(insn->code) != RK_ALU_NEG)
				insn->code = (uint8_t)((insn->code & 0x0f) | ops[pg_below(rand, sizeof(ops))]);
		} else if (cls == RK_CLS_LDX || cls == RK_CLS_ST || cls == RK_CLS_STX) {
			if (RK_MODE(insn->code) != RK_MODE_ATOMIC)
				insn->code = (uint8_t)((insn->code & ~0x18) | size_code(1u << pg_below(rand, 4)));
		}
		break;
	case 4: /* gone: a no-op in its place */
		if (insn->code == RK_OP_LDDW)
			insns[i + 1] = (struct rk_insn){.code = RK_OP_JA};
		*insn = (struct rk_insn){.code = RK_OP_JA};
		break;
	default: { /* swap with the next (not lddw) */
		if (i + 1 < count && insn->code != RK_OP_LDDW && insns[i + 1].code != RK_OP_LDDW &&
		    !is_lddw_second(insns, count, i + 1)) {
			struct rk_insn tmp = insns[i];
			insns[i] = insns[i + 1];
			insns[i + 1] = tmp;
		}
		break;
	}
	}
}

/* ---- the program ---------------------------------------------------------- */

static void emit_funcs(struct gen *g);

static void generate_once(struct pg_rand *rand, struct pg_prog *prog, bool jit)
{
	struct gen g = {.rand = rand, .prog = prog, .jit = jit};
	prog->prologue_slots = 0;
	prog->insn_count = 0;
	prog->mutations = 0;
	static const unsigned rates[] = {0, 2, 5, 8, 12, 20};
	g.mistakes = rates[pg_below(rand, sizeof(rates) / sizeof(rates[0]))];
	g.statements = 2 + pg_below(rand, pg_chance(rand, 70) ? 12 : 40);
	g.st.regs[1] = (struct greg){.kind = G_CTX, .off = 0, .size = PG_CTX_SIZE};
	g.st.regs[2] = scalar_any();
	g.st.regs[RK_REG_FP] = (struct greg){.kind = G_STACK, .off = 0, .size = RK_STACK_SIZE};
	if (pg_chance(rand, 85)) {
		mov_x(&g, 6, 1);
		g.st.regs[6] = g.st.regs[1];
	}
	while (g.statements && !g.overflow)
		statement(&g);
	/* r0: a number, usually. */
	if (!oops(&g) || R(&g, 0)->kind != G_SCALAR) {
		int s = find_reg(&g, K(G_SCALAR));
		if (s >= 0 && pg_chance(rand, 40))
			mov_x(&g, 0, (unsigned)s);
		else
			mov_k(&g, 0, pick_const(&g));
	}
	/* Below TAIL_ROOM even on overflow. */
	prog->insns[prog->insn_count++] = (struct rk_insn){.code = RK_OP_EXIT};
	if (jit)
		emit_funcs(&g);
	if (g.overflow)
		prog->insn_count = 0;
}

static void generate(struct pg_rand *rand, struct pg_prog *prog, bool jit)
{
	char err[RK_ERR_LEN];
	for (;;) {
		generate_once(rand, prog, jit);
		if (prog->insn_count && rk_validate(prog->insns, prog->insn_count, err, sizeof(err)) == 0)
			break;
	}
	if (!pg_chance(rand, 25))
		return;
	unsigned want = 1 + pg_below(rand, 3);
	for (unsigned tries = 0; prog->mutations < want && tries < 4 * want; tries++) {
		struct rk_insn saved[PG_MAX_INSNS];
		memcpy(saved, prog->insns, prog->insn_count * sizeof(saved[0]));
		mutate_one(rand, prog->insns, prog->insn_count);
		if (rk_validate(prog->insns, prog->insn_count, err, sizeof(err)) == 0)
			prog->mutations++;
		else
			memcpy(prog->insns, saved, prog->insn_count * sizeof(saved[0]));
	}
}

void pg_generate(struct pg_rand *rand, struct pg_prog *prog)
{
	generate(rand, prog, false);
}

void pg_generate_jit(struct pg_rand *rand, struct pg_prog *prog)
{
	generate(rand, prog, true);
}
