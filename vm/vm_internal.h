/*
 * vm_internal.h - what the files of vm/ share and nobody else may see.
 *
 * The one thing to know: struct rk_prog holds two forms of the same
 * program.  insns is the validated bytecode (what the checked interpreter,
 * the verifier and the JITs read); fast_code is the fast interpreter's
 * pre-decoded copy, one struct rk_pinsn per slot, index for index, so an
 * instruction index means the same thing in both.
 */
#ifndef RK_VM_INTERNAL_H
#define RK_VM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "rkbpf.h"

/* Upper bound on program size, in slots (the verifier benchmarks 1,000,000). */
#define RK_MAX_INSNS (4u * 1024 * 1024)

/* rk_insn_target() for an instruction that does not transfer control. */
#define RK_NO_TARGET INT64_MIN

int64_t rk_insn_target(const struct rk_insn *insn, size_t index);
/* After rk_validate() succeeded: is slot index the second half of an LDDW? */
bool rk_is_lddw_second_slot(const struct rk_insn *insns, size_t index);

/* A map reference the loader resolved into an LDDW (kept for the verifier). */
struct rk_map_ref {
	uint32_t insn;          /* index of the LDDW */
	uint32_t kind;          /* RK_PSEUDO_MAP_FD or RK_PSEUDO_MAP_VAL (value + off) */
	struct rk_map *map;
	uint32_t off;           /* RK_PSEUDO_MAP_VAL: offset into the value */
};

/* One line-info record: instructions from insn on come from this line. */
struct rk_prog_line {
	uint32_t insn;
	uint32_t line;
	uint32_t column;
	const char *file;       /* strings live in the object's BTF */
	const char *source;
};

/*
 * What the loader knows about a program beyond its instructions.  All
 * arrays are malloc'd and owned by the program once handed to
 * rk_prog_new_meta(); strings point into the owning object.
 */
struct rk_prog_meta {
	char *name;                     /* function name (malloc'd) */
	char *section;                  /* SEC() name (malloc'd) */
	struct rk_prog_line *lines;     /* sorted by insn */
	size_t line_count;
	struct rk_map_ref *map_refs;    /* sorted by insn (rk_prog_new_meta sorts them) */
	size_t map_ref_count;
	uint32_t *func_starts;          /* instruction index of every subprogram, sorted */
	size_t func_count;
	struct rk_obj *obj;             /* the owner, or NULL */
	struct rk_budget *budget;       /* what the program's own copies are charged to */
};

/*
 * A pre-decoded instruction for the fast interpreter: the address of the
 * handler of its opcode instead of the opcode, registers as whole bytes.
 * For a helper CALL, imm is an index into rk_prog.call_fns, not the id.
 */
struct rk_pinsn {
	const void *handler;
	uint8_t dst_reg;
	uint8_t src_reg;
	int16_t off;
	int32_t imm;
};

struct rk_jit_code;

struct rk_prog {
	struct rk_insn *insns;
	size_t insn_count;
	struct rk_prog_meta meta;          /* zeroed for programs made by rk_prog_new() */
	struct rk_pinsn *fast_code;        /* insn_count entries */
	rk_helper_fn *call_fns;            /* one per distinct helper id called */
	size_t call_fn_count;
	const struct rk_helpers *helpers;  /* for CALLX and checked mode; may be NULL */
	struct rk_jit_code *jit;           /* native code (rk_prog_jit), or NULL */
};

/* The JIT's side of a program (jit/jit.c). */
struct rk_jit_code;
void rk_jit_code_free(struct rk_prog *prog);
/* rk_prog_run() for RK_EXEC_JIT; -ENOEXEC when prog has no native code. */
int rk_jit_run(const struct rk_prog *prog, void *ctx, size_t ctx_len,
               const struct rk_run_opts *opts, struct rk_run_result *result);

/* rk_prog_new() plus metadata; takes ownership of meta's arrays even on failure. */
int rk_prog_new_meta(const struct rk_insn *insns, size_t insn_count,
                     const struct rk_helpers *helpers, struct rk_prog_meta *meta,
                     struct rk_prog **prog_out, char *err, size_t err_len);

/* The state a helper can see and change through rk_run_*(). */
struct rk_run {
	const struct rk_prog *prog;
	const struct rk_run_opts *opts;   /* never NULL inside a run */
	void *user;
	void *ctx;                        /* r1 at entry: what a tail call passes on */
	/*
	 * Why the run must stop once the current helper returns.  The engines
	 * test all three at once, as the one word stop_pending, after every
	 * helper call: keep them in this union.
	 */
	union {
		struct {
			bool aborted;             /* rk_run_abort() */
			bool failed;              /* a bpf_loop callback stopped on a violation */
			bool tail_call_pending;   /* bpf_tail_call set tail_call_target */
		};
		uint32_t stop_pending;
	};
	uint64_t abort_retval;
	/* bpf_tail_call: set by the helper (with tail_call_pending), acted on by the engine. */
	const struct rk_prog *tail_call_target;
	uint64_t tail_call_ctx;           /* r1 the program passed to bpf_tail_call */
	uint32_t tail_calls_done;         /* at most RK_MAX_TAIL_CALLS */
	/* bpf_loop: the interpreter's entry for running a callback subprogram. */
	int (*call_subprog)(struct rk_run *run, uint32_t insn_index, const uint64_t args[5],
	                    uint64_t *retval);
	void *interp_state;               /* for call_subprog */
};

#define RK_MAX_TAIL_CALLS 33
#define RK_MAX_LOOP_ITERATIONS (1u << 23)   /* bpf_loop's nr limit, as the kernel's */

/*
 * Discard the ring-buffer records a run reserved and never submitted or
 * discarded (it stopped early), so the consumer is not blocked by them.
 * Called by the interpreters when a top-level run ends (helpers_maps.c).
 */
void rk_helper_ringbuf_release_pending(const struct rk_run *run);

/* Budget allocation: calloc + charge.  NULL (and err set) when over budget. */
void *rk_budget_alloc(struct rk_budget *budget, size_t size, const char *what, char *err,
                      size_t err_len);
void rk_budget_free(struct rk_budget *budget, void *ptr, size_t size);
/* Charge memory allocated elsewhere (mmap'd code): -ENOSPC, err set, when over. */
int rk_budget_charge(struct rk_budget *budget, size_t size, const char *what, char *err,
                     size_t err_len);
void rk_budget_uncharge(struct rk_budget *budget, size_t size);

/*
 * The two interpreters share one body (interp_loop.h).  Called with
 * prog == NULL, the fast one instead fills handlers_out[256] with its
 * handler addresses (NULL for opcodes it does not execute) and returns
 * the address of its "invalid opcode" handler in *invalid_out.
 */
/* Checked mode: stack + ctx + host regions + the program's maps. */
#define RK_CHECKED_MAX_REGIONS 64

/* What a running interpreter publishes (run->interp_state) before calling a helper. */
struct rk_interp_nest {
	const struct rk_prog *prog;
	struct rk_run_result *result;     /* where a failing callback reports */
	unsigned depth;                   /* frames in use */
	uint8_t *stack;                   /* the run's stack (RK_RUN_STACK_BYTES) */
	uintptr_t fp;                     /* r10 at the helper call */
	const struct rk_region *regions;  /* checked mode: what the caller may touch */
	size_t region_count;
	uint64_t executed;                /* checked mode: instructions so far */
};

/* Where a nested (bpf_loop callback) run starts. */
struct rk_interp_entry {
	struct rk_run *run;
	uint32_t insn_index;
	uint64_t args[5];
	unsigned base_depth;
	uint8_t *stack;                   /* the caller's stack... */
	uintptr_t fp;                     /* ...and the callback's r10 in it */
	const struct rk_region *regions;
	size_t region_count;
	uint64_t executed;
	struct rk_interp_nest *caller_nest;
};

int rk_interp_fast(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                   const struct rk_run_opts *opts, struct rk_run_result *result,
                   const void **handlers_out, const void **invalid_out,
                   const struct rk_interp_entry *entry);
int rk_interp_checked(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                      const struct rk_run_opts *opts, struct rk_run_result *result,
                      const void **handlers_out, const void **invalid_out,
                      const struct rk_interp_entry *entry);

/*
 * The function a helper call resolves to: the registry's, or for libbpf's
 * CO-RE poison id (RK_CORE_POISON_HELPER, written by the loader where a
 * relocation failed) one that stops the run when reached.  NULL: unknown.
 */
rk_helper_fn rk_prog_resolve_helper(const struct rk_helpers *helpers, uint32_t id);

/* Is insn_index the first instruction of a function (a valid callback)? */
bool rk_prog_is_func_start(const struct rk_prog *prog, uint32_t insn_index);
/*
 * For the engines' run->call_subprog: may a bpf_loop callback at
 * insn_index run, frame_free saying whether a frame is left for it?  0, or
 * -EINVAL (not a function start) / -E2BIG (no frame) after writing the stop
 * into report and failing the run -- the same words for every engine.
 */
int rk_run_callback_check(struct rk_run *run, struct rk_run_result *report, uint32_t insn_index,
                          bool frame_free);
/* Checked mode: the memory of the maps the program references, as regions. */
size_t rk_prog_map_regions(const struct rk_prog *prog, struct rk_region *regions, size_t max);
/* The memory a map's values live in (arrays, hash entries, ring data); count written. */
size_t rk_map_regions(const struct rk_map *map, struct rk_region *regions, size_t max);

/* snprintf into err when err is not NULL; returns rc for tail calls. */
int rk_set_err(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
