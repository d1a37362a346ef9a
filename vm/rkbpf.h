/*
 * rkbpf.h - the public API of librkbpf, rkBPF's runtime library.
 *
 * The library takes bytes and returns results: it knows nothing of files,
 * sockets, perf or libuv, so it can be embedded, fuzzed and benchmarked
 * alone.  Conventions:
 *   - functions return 0 (or a count) on success and a negative errno on
 *     failure;
 *   - where a human reads the failure, the caller passes an error buffer
 *     (char *err, size_t err_len) that receives one line naming the
 *     instruction index, the field and the rule broken;
 *   - objects are created by rk_*_new() and released by rk_*_free(); every
 *     free accepts NULL.
 */
#ifndef RKBPF_H
#define RKBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rk_isa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A buffer size that fits every message the library writes. */
#define RK_ERR_LEN 256

/* ------------------------------------------------------------------ */
/* Decoding and validation                                            */
/* ------------------------------------------------------------------ */

/*
 * Check that insns is a well-formed program by the rules of RFC 9669:
 * known opcodes, reserved fields zero, LDDW complete, jump and call
 * targets inside the program and never into the second slot of an LDDW,
 * and no path that falls off the end.  Returns 0 or -EINVAL with a
 * message in err.
 */
int rk_validate(const struct rk_insn *insns, size_t insn_count, char *err, size_t err_len);

/* ------------------------------------------------------------------ */
/* Assembler and disassembler                                         */
/* ------------------------------------------------------------------ */

/*
 * Assemble text in the syntax of the bpf_conformance suite
 * ("mov %r0, 1", "ldxdw %r0, [%r1+8]", "lock fetch add [%r10-8], %r1",
 * labels ending in ':', '#' comments).  On success *insns_out is a
 * malloc'd array the caller frees and *insn_count_out its length in
 * slots.  On failure, -EINVAL and err names the line and the problem.
 */
int rk_asm(const char *source, struct rk_insn **insns_out, size_t *insn_count_out, char *err,
           size_t err_len);

/*
 * Disassemble the instruction at index into buf (no newline).  Jump
 * targets are printed as relative offsets ("+3").  Returns the number of
 * slots the instruction occupies (1, or 2 for LDDW), or -EINVAL when the
 * encoding is not one the disassembler knows (buf then describes it).
 */
int rk_disasm_insn(const struct rk_insn *insns, size_t insn_count, size_t index, char *buf,
                   size_t buf_len);

/*
 * Disassemble a whole program into malloc'd text, one instruction a line,
 * with labels for jump and call targets, such that rk_asm() of the text
 * gives back the same bytes.  The caller frees *text_out.
 */
int rk_disasm(const struct rk_insn *insns, size_t insn_count, char **text_out, char *err,
              size_t err_len);

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

struct rk_run; /* the state of one program run, passed to helpers */

/*
 * A helper receives r1..r5 and the run it serves, and returns r0.  It may
 * stop the program early with rk_run_abort().
 */
typedef uint64_t (*rk_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                 uint64_t r5, struct rk_run *run);

/* What a helper argument must be; the verifier checks calls against it. */
enum rk_arg_kind {
	RK_ARG_NONE = 0,          /* unused argument slot */
	RK_ARG_ANYTHING,          /* any initialised value */
	RK_ARG_SCALAR,            /* a number, never a pointer */
	RK_ARG_CONST_MAP_PTR,     /* a map reference from LDDW */
	RK_ARG_PTR_TO_MAP_KEY,    /* key_size initialised bytes */
	RK_ARG_PTR_TO_MAP_VALUE,  /* value_size initialised bytes */
	RK_ARG_PTR_TO_MEM,        /* readable bytes; size in the next argument */
	RK_ARG_PTR_TO_UNINIT_MEM, /* writable bytes; size in the next argument */
	RK_ARG_CONST_SIZE,        /* size of the previous memory argument, > 0 */
	RK_ARG_CONST_SIZE_OR_ZERO,
	RK_ARG_PTR_TO_CTX,        /* the program's context */
	RK_ARG_PTR_TO_RINGBUF_REC,/* a record from bpf_ringbuf_reserve */
	RK_ARG_PTR_TO_FUNC,       /* a callback (bpf_loop) */
};

enum rk_ret_kind {
	RK_RET_SCALAR = 0,
	RK_RET_VOID,
	RK_RET_MAP_VALUE_OR_NULL,
	RK_RET_MEM_OR_NULL,       /* e.g. a ring-buffer record */
};

#define RK_HELPER_MAX_ARGS 5

struct rk_helper_proto {
	const char *name;                        /* "bpf_map_lookup_elem" */
	enum rk_ret_kind ret;
	enum rk_arg_kind args[RK_HELPER_MAX_ARGS];
};

/* Helper ids are below this bound; rkBPF's own helpers use a reserved range. */
#define RK_HELPER_ID_MAX 0x10000

struct rk_helpers; /* a registry: helper id -> function and prototype */

struct rk_helpers *rk_helpers_new(void);
void rk_helpers_free(struct rk_helpers *helpers);

/*
 * Register fn under id.  proto is copied (its name must outlive the
 * registry).  -EEXIST if id is taken, -ERANGE if id >= RK_HELPER_ID_MAX.
 */
int rk_helpers_register(struct rk_helpers *helpers, uint32_t id, rk_helper_fn fn,
                        const struct rk_helper_proto *proto, char *err, size_t err_len);

/* The function and prototype of id, or NULL when none is registered. */
rk_helper_fn rk_helpers_fn(const struct rk_helpers *helpers, uint32_t id);
const struct rk_helper_proto *rk_helpers_proto(const struct rk_helpers *helpers, uint32_t id);

/* From inside a helper: stop the program now, with r0 = retval. */
void rk_run_abort(struct rk_run *run, uint64_t retval);
/* The opaque pointer the host passed in rk_run_opts.user. */
void *rk_run_user(const struct rk_run *run);

/* ------------------------------------------------------------------ */
/* Programs                                                           */
/* ------------------------------------------------------------------ */

struct rk_prog;

/*
 * Validate and take a copy of insns, resolve helper calls against helpers
 * (which must outlive the program; NULL means no helpers), and prepare
 * the interpreter's pre-decoded form.  A call to an unregistered helper
 * is refused here, naming the instruction.
 */
int rk_prog_new(const struct rk_insn *insns, size_t insn_count, const struct rk_helpers *helpers,
                struct rk_prog **prog_out, char *err, size_t err_len);
void rk_prog_free(struct rk_prog *prog);

size_t rk_prog_insn_count(const struct rk_prog *prog);
const struct rk_insn *rk_prog_insns(const struct rk_prog *prog);

/* ------------------------------------------------------------------ */
/* Running                                                            */
/* ------------------------------------------------------------------ */

enum rk_exec_mode {
	/*
	 * Threaded dispatch, no per-instruction checks: for verified
	 * programs only.  Helper and local calls are still checked (unknown
	 * helper id in CALLX, call depth), because they are cheap and rare.
	 */
	RK_EXEC_FAST = 0,
	/*
	 * Every load, store and atomic is checked against the regions the
	 * program may touch, every register read against initialisation, and
	 * the run is bounded by insn_limit.  Slow; the verifier's oracle.
	 */
	RK_EXEC_CHECKED,
};

/* A memory range the host lets the program touch (checked mode). */
struct rk_region {
	const char *name;   /* named in violation reports: "ctx", "map:counts" */
	uintptr_t start;
	uint64_t len;
	bool writable;
};

#define RK_RUN_MAX_REGIONS 16

struct rk_run_opts {
	enum rk_exec_mode mode;
	/* Checked mode: the context is a region too; may it be written? */
	bool ctx_writable;
	/* Checked mode: extra regions (map values, host buffers). */
	const struct rk_region *regions;
	size_t region_count;
	/* Checked mode: stop after this many instructions (0: no limit). */
	uint64_t insn_limit;
	/* Handed to helpers through rk_run_user(). */
	void *user;
	/*
	 * Optional: RK_RUN_STACK_BYTES of 16-byte aligned memory to use as the
	 * program's stack instead of the caller's C stack.  Two runs given the
	 * same stack and context buffers see the same addresses, which is what
	 * comparing engines (interpreter against interpreter or JIT) needs.
	 */
	void *stack;
};

#define RK_RUN_STACK_BYTES (RK_MAX_CALL_FRAMES * RK_STACK_SIZE)

/* Why a run stopped. */
enum rk_stop {
	RK_STOP_EXIT = 0,         /* the program returned r0 */
	RK_STOP_ABORTED,          /* a helper called rk_run_abort() */
	RK_STOP_BAD_ACCESS,       /* checked: load/store/atomic outside every region */
	RK_STOP_READ_ONLY,        /* checked: store into a read-only region */
	RK_STOP_UNINIT_REG,       /* checked: read of an uninitialised register */
	RK_STOP_UNINIT_STACK,     /* checked: read of a stack byte never written */
	RK_STOP_INSN_LIMIT,       /* checked: insn_limit reached */
	RK_STOP_CALL_DEPTH,       /* more than RK_MAX_CALL_FRAMES frames */
	RK_STOP_BAD_HELPER,       /* CALLX to an id with no helper */
	RK_STOP_INVALID_INSN,     /* an opcode with no handler (a bug: validation failed) */
};

struct rk_run_result {
	uint64_t retval;          /* r0 at exit (or the abort value) */
	enum rk_stop stop;
	size_t insn_index;        /* where the run stopped */
	uint64_t insns_executed;  /* checked mode only (0 in fast mode) */
	/* For violations: */
	uintptr_t addr;           /* the address accessed */
	uint32_t access_size;     /* bytes */
	int reg;                  /* the register read uninitialised */
	char message[RK_ERR_LEN]; /* one line for humans; empty on RK_STOP_EXIT */
};

/*
 * Run prog with r1 = ctx and r2 = ctx_len (the bpf_conformance convention;
 * kernel-style programs ignore r2), r10 = top of a fresh stack.  opts may be
 * NULL (fast mode).  Returns 0 when the program exited or was aborted by a
 * helper, -EFAULT on a violation or a stop for any other reason; result
 * says which, and where.  Allocates nothing.
 */
int rk_prog_run(const struct rk_prog *prog, void *ctx, size_t ctx_len,
                const struct rk_run_opts *opts, struct rk_run_result *result);

/* The name of a stop reason, for messages: "bad-access". */
const char *rk_stop_name(enum rk_stop stop);

#ifdef __cplusplus
}
#endif

#endif /* RKBPF_H */
