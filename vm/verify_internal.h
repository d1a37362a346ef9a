/*
 * verify_internal.h - what the files of the streaming verifier share.
 *
 * The verifier is abstract interpretation in one forward pass: it walks a
 * function's instructions in index order (clang emits forward branches,
 * so index order is a topological order of the acyclic part), keeps one
 * abstract state for the instruction being analysed and one for every
 * jump target still ahead (states meeting at a target are joined at
 * once), and forgets a state as soon as its target is reached.  Memory is
 * therefore O(pending targets x state size), whatever the number of
 * paths.  Loops and calls are analysed where they are met:
 *   - a loop (a backward jump to a head h from a tail t) is walked a first
 *     time from its entry state to find its induction variables (values
 *     that change by a constant every iteration, tracked as "symbols"),
 *     then once more from a widened state covering every iteration, which
 *     must be an invariant (verify_loop.c);
 *   - a local call analyses the callee at that call site with the
 *     caller's frames below it, so pointers into the caller's stack work.
 *
 * Files: verify.c (entry, walker, calls), verify_insn.c (one instruction),
 * verify_mem.c (loads, stores, the stack), verify_call.c (helpers),
 * verify_loop.c (loops), verify_state.c (states: copy, join, contains,
 * format), verify_scalar.c (the numeric domain).
 */
#ifndef RK_VERIFY_INTERNAL_H
#define RK_VERIFY_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>

#include "verify_scalar.h"
#include "vm_internal.h"

/* What a register (or spilled stack slot) holds. */
enum rk_vtype {
	RK_VT_UNINIT = 0,   /* never written, clobbered, or released */
	RK_VT_CONFLICT,     /* different kinds of value on paths that met */
	RK_VT_SCALAR,       /* a number: num is its value */
	RK_VT_CTX,          /* the context + num */
	RK_VT_STACK,        /* frame aux's r10 + num (num in [-512, 0)) */
	RK_VT_MAP_PTR,      /* a map reference (map index aux) */
	RK_VT_MAP_VALUE,    /* a value of map aux + num */
	RK_VT_MEM,          /* aux bytes a helper returned (a ring-buffer record) + num */
	RK_VT_FUNC,         /* the address of the function at instruction aux */
};

/* Ids of global data values (one object per map); fresh ids count up from 1. */
#define RK_VID_GLOBAL_DATA 0x80000000u

#define RK_VF_MAYBE_NULL 0x01   /* not yet compared with 0 */
#define RK_VF_READONLY   0x02   /* the program may not write through it */
#define RK_VF_RINGBUF    0x04   /* a ring-buffer record: submit or discard it */

struct rk_vreg {
	struct rk_vs num;     /* scalar: its value; pointer: its offset from the base */
	int64_t sym_off;      /* value = value of symbol sym + sym_off (when sym != 0) */
	uint32_t sym;         /* symbolic identity: equal symbols, equal values */
	uint32_t id;          /* the object a map value / memory pointer points into: NULL
	                       * checks, ring-buffer references, same_object() */
	uint32_t aux;         /* map index, memory size, function start, or frame */
	uint32_t origin;      /* instruction that produced it (for messages) */
	uint8_t type;         /* enum rk_vtype */
	uint8_t flags;        /* RK_VF_* */
};

/* A register saved to the stack (a "spill"), so that it can be reloaded whole. */
struct rk_vspill {
	int16_t off;          /* from the frame's r10: -512 .. -1 */
	uint8_t size;         /* 1, 2, 4 or 8 (pointers: 8) */
	uint8_t frame;
	struct rk_vreg reg;
};

#define RK_VSTACK_WORDS (RK_STACK_SIZE / 64)

struct rk_vframe {
	struct rk_vreg regs[RK_REG_COUNT];
	uint64_t init[RK_VSTACK_WORDS];   /* bit b: byte fp-512+b holds data */
	uint32_t callsite;                /* the call instruction (frames > 0) */
	uint32_t func;                    /* first instruction of the function */
	bool callback;                    /* a bpf_loop callback: returns 0 or 1 */
};

#define RK_VMAX_REFS 8

struct rk_vstate {
	uint64_t cost;                    /* most instructions run to get here */
	uint32_t frame_count;
	uint32_t spill_count, spill_cap;
	uint32_t ref_count;
	uint32_t refs[RK_VMAX_REFS];      /* ring-buffer records not yet released */
	uint32_t ref_insn[RK_VMAX_REFS];  /* where each was reserved */
	struct rk_vframe *frames;
	struct rk_vspill *spills;
};

/* A state waiting at an instruction (a jump target ahead, a loop exit). */
struct rk_vpending {
	uint32_t target;                  /* RK_VRETURN: a function return */
	struct rk_vstate *state;
};
#define RK_VRETURN UINT32_MAX

struct rk_vlist {
	struct rk_vpending *items;        /* sorted by target */
	size_t count, cap;
};

/*
 * A loop found in the code: backward jumps to head from head..tail.  Its
 * entry is where control comes in from outside: head, or - when clang
 * rotated the loop and jumps from before it to the condition in the
 * middle - the one instruction in (head, tail] that outside jumps reach.
 * The body is walked in rotated order: entry..tail, then head..entry-1.
 */
struct rk_vloop {
	uint32_t head, tail, entry;
};

/* A function: [start, end). */
struct rk_vfunc {
	uint32_t start, end;
};

/* A hint for a loop bound: a comparison of an induction symbol with a number. */
struct rk_vhint {
	uint32_t sym;
	int64_t sym_off;
	int64_t nmin, nmax;               /* the other side's signed range */
	uint32_t insn;                    /* the comparison */
	uint8_t op;                       /* RK_JMP_* */
	bool jmp32;
	int8_t reg;                       /* the register holding sym + sym_off */
	int8_t other_reg;                 /* the other side's register, -1: immediate */
	uint32_t other_sym;               /* the other side's symbol (0: none) */
	int64_t other_sym_off;
};
#define RK_VMAX_HINTS 16

/* The loop being analysed (innermost), for hints. */
struct rk_vloop_ctx {
	struct rk_vloop_ctx *outer;
	const struct rk_vloop *loop;
	struct rk_vhint hints[RK_VMAX_HINTS];
	size_t hint_count;
	uint32_t sym_base;                /* symbols above it were made inside the loop */
};

struct rk_verifier {
	const struct rk_prog *prog;
	const struct rk_insn *insns;
	size_t insn_count;
	const struct rk_verify_opts *opts;
	const struct rk_ctx_desc *ctx;
	struct rk_verify_result *result;
	char *err;
	size_t err_len;
	jmp_buf fail;                     /* rk_vfail() unwinds here */
	int fail_rc;

	struct rk_map **maps;             /* distinct maps the program references */
	size_t map_count;
	struct rk_vfunc *funcs;
	size_t func_count;
	struct rk_vloop *loops;           /* sorted by head */
	size_t loop_count;
	const struct rk_vloop **loops_by_entry;

	uint32_t next_sym, next_id;
	uint64_t work, work_limit;
	unsigned loop_depth;
	struct rk_vloop_ctx *loop_ctx;

	/* Every allocation, for peak_bytes.  Live allocations are listed so a
	 * failure (longjmp) can free them all. */
	size_t bytes, peak_bytes;
	void **live;
	size_t live_count, live_cap;
};

/*
 * Symbolic offsets are differences of 64-bit values, meant modulo 2^64 like
 * the values themselves: computed with these, never with a signed + or -
 * that could overflow (undefined in C) on a program's large constants.
 */
static inline int64_t rk_vwrap_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t rk_vwrap_sub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* verify.c */
_Noreturn void rk_vfail(struct rk_verifier *v, size_t insn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
_Noreturn void rk_vfail_rc(struct rk_verifier *v, int rc, size_t insn, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void *rk_valloc(struct rk_verifier *v, size_t size);
void *rk_vrealloc(struct rk_verifier *v, void *ptr, size_t old_size, size_t new_size);
void rk_vfree(struct rk_verifier *v, void *ptr, size_t size);
const struct rk_vfunc *rk_vfunc_at(const struct rk_verifier *v, uint32_t insn);
/* Walk [func start, end) from state (consumed); returns the joined return state or NULL. */
struct rk_vstate *rk_vwalk_function(struct rk_verifier *v, uint32_t start,
                                    struct rk_vstate *state);
/* Walk a loop body [head, tail] from state (consumed): back-edge state, exits appended. */
struct rk_vstate *rk_vwalk_loop_body(struct rk_verifier *v, const struct rk_vloop *loop,
                                     struct rk_vstate *state, struct rk_vlist *exits);
void rk_vlist_add(struct rk_verifier *v, struct rk_vlist *list, uint32_t target,
                  struct rk_vstate *state, size_t at_insn);
void rk_vlist_free(struct rk_verifier *v, struct rk_vlist *list);

/* verify_state.c */
struct rk_vstate *rk_vstate_new(struct rk_verifier *v, uint32_t frame_count);
struct rk_vstate *rk_vstate_copy(struct rk_verifier *v, const struct rk_vstate *state);
void rk_vstate_free(struct rk_verifier *v, struct rk_vstate *state);
/* Join from into *into (into may be NULL: takes from); frees from.  at: for messages. */
void rk_vstate_join(struct rk_verifier *v, struct rk_vstate **into, struct rk_vstate *from,
                    size_t at);
bool rk_vstate_contains(const struct rk_vstate *outer, const struct rk_vstate *inner);
struct rk_vframe *rk_vcur(struct rk_vstate *state);
struct rk_vreg rk_vreg_scalar(struct rk_vs num);
struct rk_vreg rk_vreg_uninit(void);
bool rk_vreg_is_ptr(const struct rk_vreg *reg);
/* Every register and spill with symbol sym gets fn applied (refinement of equal values). */
void rk_vstate_each_sym(struct rk_vstate *state, uint32_t sym,
                        void (*fn)(struct rk_vreg *reg, void *arg), void *arg);
void rk_vstate_each_id(struct rk_vstate *state, uint32_t id,
                       void (*fn)(struct rk_vreg *reg, void *arg), void *arg);
/* Forget the held ring-buffer record id; false when it was not held. */
bool rk_vstate_drop_ref(struct rk_vstate *state, uint32_t id);
/* The name of the verifier's map index, for messages. */
const char *rk_vmap_name(const struct rk_verifier *v, uint32_t index);
struct rk_vspill *rk_vspill_find(struct rk_vstate *state, unsigned frame, int off);
void rk_vspill_add(struct rk_verifier *v, struct rk_vstate *state, unsigned frame, int off,
                   unsigned size, const struct rk_vreg *reg);
void rk_vspill_remove_at(struct rk_vstate *state, size_t index);
/* "map_value(counts)+[0, 12]", "scalar 5", "fp-16" ... */
int rk_vreg_format(const struct rk_verifier *v, const struct rk_vreg *reg, char *buf,
                   size_t len);
/* The whole state on one line, for --log. */
void rk_vstate_format(const struct rk_verifier *v, const struct rk_vstate *state, char *buf,
                      size_t len);
/* Stack init bitmap helpers (offsets from r10, -512 .. -1). */
bool rk_vstack_is_init(const struct rk_vframe *frame, int from, int to);
void rk_vstack_set_init(struct rk_vframe *frame, int from, int to, bool init);

/* verify_insn.c: analyse instruction i; may add pending states, may end the path. */
struct rk_vstep {
	struct rk_vstate *fallthrough;    /* NULL: no path continues at i + 1 (or i + 2) */
	struct rk_vstate *branch;         /* a path to target */
	uint32_t target;
	bool is_return;                   /* exit: fallthrough holds the returning state */
};
void rk_vstep(struct rk_verifier *v, size_t i, struct rk_vstate *state, struct rk_vstep *out);
const char *rk_vreg_name(unsigned reg);

/* verify_mem.c */
void rk_vload(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned dst,
              unsigned ptr_reg, int16_t off, unsigned size, bool sign_extend);
void rk_vstore(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned ptr_reg,
               int16_t off, unsigned size, const struct rk_vreg *value, int value_reg);
void rk_vatomic(struct rk_verifier *v, size_t i, struct rk_vstate *state);
/*
 * A helper argument: size bytes (a range: [size_min, size_max]) at reg,
 * read (initialised, no pointers inside) or written (writable; the bytes
 * become initialised afterwards, the first size_min of them for sure).
 */
void rk_vmem_arg(struct rk_verifier *v, size_t i, struct rk_vstate *state, unsigned reg,
                 uint64_t size_min, uint64_t size_max, bool write, const char *what);

/* verify_call.c */
void rk_vcall_helper(struct rk_verifier *v, size_t i, struct rk_vstate **state);
void rk_vcall_local(struct rk_verifier *v, size_t i, struct rk_vstate **state);

/* verify_loop.c: analyse the loop at head from state (consumed); exits appended. */
void rk_vloop(struct rk_verifier *v, const struct rk_vloop *loop, struct rk_vstate *state,
              struct rk_vlist *exits);
void rk_vloop_hint(struct rk_verifier *v, size_t i, const struct rk_vreg *a,
                   const struct rk_vreg *b);

/* Bounds on what the verifier accepts (docs/verifier.md). */
#define RK_VMAX_VAR_OFF (1 << 29)        /* |offset| a pointer may carry */
#define RK_VMAX_LOOP_DEPTH 8
#define RK_VMAX_TRIPS (1ull << 32)       /* iterations of one loop */

#endif
