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
	RK_ARG_PTR_TO_CONST_STR,  /* a NUL-terminated string in read-only global data */
	RK_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* the size of the memory the helper returns */
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

/*
 * rkBPF's robotics helpers: ids RK_HELPER_ROBOTICS_BASE up to (not
 * including) RK_HELPER_ROBOTICS_END, far above the kernel's (~211).  The
 * same numbers are in include/rkbpf/rkbpf_helpers.h, for program authors.
 */
#define RK_HELPER_ROBOTICS_BASE 0x8000
#define RK_HELPER_ROBOTICS_END 0x8100
#define RK_HELPER_EMERGENCY_STOP 0x8000
#define RK_HELPER_TIMESERIES_PUSH 0x8001
#define RK_HELPER_TIMESERIES_WINDOW 0x8002
#define RK_HELPER_SENSOR_LAST_TIMESTAMP 0x8003
#define RK_HELPER_UIO_READ 0x8004
#define RK_HELPER_UIO_WRITE 0x8005

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
	/*
	 * Native code from rk_prog_jit(): for verified programs only, with the
	 * same results as RK_EXEC_FAST.  rk_prog_run() fails with -ENOEXEC when
	 * the program was not compiled.
	 */
	RK_EXEC_JIT,
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
	/* Host services and the triggering event's metadata, for the helpers. */
	const struct rk_env *env;
	const struct rk_event_meta *meta;
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
	RK_STOP_TAIL_CALL,        /* bpf_tail_call from a subprogram or callback */
	RK_STOP_BAD_CALLBACK,     /* bpf_loop callback that is not a function start */
	RK_STOP_CORE_POISON,      /* reached code whose CO-RE relocation failed at load */
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

/* ------------------------------------------------------------------ */
/* JIT                                                                */
/* ------------------------------------------------------------------ */

/* This machine's JIT ("x86_64", "arm64"), or NULL when it has none. */
const char *rk_jit_arch(void);

/*
 * Compile prog to native code for this machine, after rk_verify() accepted
 * it (the JIT trusts the verifier as the fast interpreter does).  The code
 * is written, then mapped read+execute -- never writable and executable at
 * once -- and charged, with its tables, to the program's budget.  Compiling
 * twice is a no-op.  -ENOTSUP when this machine has no JIT; errors name
 * the instruction.
 */
int rk_prog_jit(struct rk_prog *prog, char *err, size_t err_len);
bool rk_prog_is_jited(const struct rk_prog *prog);
/* The native code (NULL when not compiled) and its size in bytes. */
const void *rk_prog_jited_code(const struct rk_prog *prog, size_t *size);
/* Offset in the native code of instruction insn_index (insn_count: the end). */
size_t rk_prog_jited_offset(const struct rk_prog *prog, size_t insn_index);

/* ------------------------------------------------------------------ */
/* Memory budgets                                                     */
/* ------------------------------------------------------------------ */

/*
 * Every byte a loaded object holds (maps, program copies, BTF) is charged
 * to its budget; freeing returns it.  An allocation that would exceed the
 * limit fails with -ENOSPC and a message naming what asked and how much.
 */
#define RK_DEFAULT_BUDGET (512u * 1024)

struct rk_budget {
	size_t limit;   /* bytes; 0 means RK_DEFAULT_BUDGET */
	size_t used;    /* bytes currently charged */
	size_t peak;    /* the most ever charged at once */
};

/* ------------------------------------------------------------------ */
/* BTF                                                                */
/* ------------------------------------------------------------------ */

struct rk_btf;       /* a parsed, validated .BTF blob (or vmlinux) */
struct btf_type;     /* <linux/btf.h> */

/* Parse and validate; the blob is copied.  Errors name the type id and offset. */
int rk_btf_parse(const void *data, size_t len, struct rk_btf **btf_out, char *err,
                 size_t err_len);
void rk_btf_free(struct rk_btf *btf);
/* Number of types, including the void type 0. */
uint32_t rk_btf_type_count(const struct rk_btf *btf);
/* The type with this id, or NULL (id 0, void, is NULL too). */
const struct btf_type *rk_btf_type_by_id(const struct rk_btf *btf, uint32_t id);
/* The string at name_off in the string section ("" if out of range). */
const char *rk_btf_str(const struct rk_btf *btf, uint32_t name_off);
/* First type named name of kind (BTF_KIND_*, or 0 for any kind); id or -ENOENT. */
int64_t rk_btf_find(const struct rk_btf *btf, const char *name, uint32_t kind);
/* Follow typedefs and const/volatile/restrict/type_tag to the underlying type id. */
uint32_t rk_btf_skip_modifiers(const struct rk_btf *btf, uint32_t id);
/* Size in bytes of the type, or a negative errno (void, function, unbounded). */
int64_t rk_btf_type_size(const struct rk_btf *btf, uint32_t id);
/*
 * Print size bytes at data as JSON according to type id: integers as
 * numbers, char arrays as strings, structs as objects, enums by name.
 * Returns the length written (excluding NUL) or a negative errno:
 * -ENOSPC when out_len is too small (out then holds a NUL-terminated
 * prefix; there is no "length needed" answer).
 */
int rk_btf_to_json(const struct rk_btf *btf, uint32_t id, const void *data, size_t size,
                   char *out, size_t out_len);

/* ------------------------------------------------------------------ */
/* Maps                                                               */
/* ------------------------------------------------------------------ */

/* The kernel's numbering (BPF_MAP_TYPE_*), so libbpf-style definitions work. */
enum rk_map_type {
	RK_MAP_HASH = 1,
	RK_MAP_ARRAY = 2,
	RK_MAP_PROG_ARRAY = 3,
	RK_MAP_PERF_EVENT_ARRAY = 4,   /* bpf_perf_event_output target: routed to the host */
	RK_MAP_PERCPU_HASH = 5,        /* behaves as RK_MAP_HASH: one loop thread */
	RK_MAP_PERCPU_ARRAY = 6,       /* behaves as RK_MAP_ARRAY */
	RK_MAP_LRU_HASH = 9,
	RK_MAP_LRU_PERCPU_HASH = 10,   /* behaves as RK_MAP_LRU_HASH */
	RK_MAP_RINGBUF = 27,
	/* rkBPF's own: a ring of (timestamp, value) per key.  See include/rkbpf/. */
	RK_MAP_TIMESERIES = 0x524b01,
};

/* bpf_map_update_elem flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
#define RK_MAP_ANY 0
#define RK_MAP_NOEXIST 1
#define RK_MAP_EXIST 2

#define RK_MAP_NAME_LEN 64

struct rk_map_def {
	char name[RK_MAP_NAME_LEN];   /* "counts", or ".rodata" for global data */
	uint32_t type;                /* enum rk_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;         /* entries; ring buffer: data bytes (power of 2) */
	uint32_t map_flags;
	uint32_t btf_key_type_id;     /* 0 when unknown */
	uint32_t btf_value_type_id;
	/* Time series only: samples kept per key (the ring's capacity). */
	uint32_t ts_capacity;
};

struct rk_map;

/* Preallocate the whole map, charging budget (may be NULL: uncharged). */
int rk_map_new(const struct rk_map_def *def, struct rk_budget *budget, struct rk_map **map_out,
               char *err, size_t err_len);
/* Return every byte to the budget it was charged to. */
void rk_map_free(struct rk_map *map);
const struct rk_map_def *rk_map_def(const struct rk_map *map);
/* "hash", "ringbuf", ... ("unknown" for a type rkBPF does not have). */
const char *rk_map_type_name(uint32_t type);
/* Bytes this map holds (what was charged). */
size_t rk_map_mem_bytes(const struct rk_map *map);

/* The value for key, or NULL.  Never allocates. */
void *rk_map_lookup(struct rk_map *map, const void *key);
/* 0, or -EEXIST/-ENOENT (by flags), -E2BIG (full), -EINVAL (type, flags). */
int rk_map_update(struct rk_map *map, const void *key, const void *value, uint64_t flags);
/* 0 or -ENOENT (-EINVAL for arrays: their entries cannot be deleted). */
int rk_map_delete(struct rk_map *map, const void *key);
/* Iterate: key NULL gives the first key.  0, or -ENOENT after the last. */
int rk_map_next_key(struct rk_map *map, const void *key, void *next_key);

/* Ring buffer (RK_MAP_RINGBUF), as bpf_ringbuf_*: a record is 8-byte aligned. */
void *rk_ringbuf_reserve(struct rk_map *map, uint64_t size, uint64_t flags);
void rk_ringbuf_submit(struct rk_map *map, void *record, uint64_t flags);
void rk_ringbuf_discard(struct rk_map *map, void *record, uint64_t flags);
int rk_ringbuf_output(struct rk_map *map, const void *data, uint64_t size, uint64_t flags);
/* BPF_RB_AVAIL_DATA (0), BPF_RB_RING_SIZE (1), BPF_RB_CONS_POS (2), BPF_RB_PROD_POS (3). */
uint64_t rk_ringbuf_query(struct rk_map *map, uint64_t flags);
/*
 * Consumer side (the daemon): call fn for every submitted record in order,
 * skipping discarded ones, and free their space.  fn returning non-zero
 * stops early (that record is consumed).  Returns the count, or -errno.
 */
typedef int (*rk_ringbuf_fn)(void *fn_ctx, const void *data, size_t size);
int rk_ringbuf_consume(struct rk_map *map, rk_ringbuf_fn fn, void *fn_ctx);
/* Records lost because the ring was full (counted, never silent). */
uint64_t rk_ringbuf_dropped(const struct rk_map *map);

/* Program array (tail calls). */
int rk_prog_array_set(struct rk_map *map, uint32_t index, struct rk_prog *prog);
struct rk_prog *rk_prog_array_get(struct rk_map *map, uint32_t index);

/* Time series (RK_MAP_TIMESERIES): value_size must be 8 (an int64 sample). */
int rk_timeseries_push(struct rk_map *map, const void *key, uint64_t timestamp_ns, int64_t value);
struct rk_ts_window {
	uint64_t count;   /* samples with now - window_ns < timestamp <= now */
	int64_t min;
	int64_t max;
	int64_t mean;     /* rounded toward zero; 0 when count is 0 */
};
int rk_timeseries_window(struct rk_map *map, const void *key, uint64_t now_ns,
                         uint64_t window_ns, struct rk_ts_window *out);

/* ------------------------------------------------------------------ */
/* Host services for the standard helpers                             */
/* ------------------------------------------------------------------ */

/* What the event that triggered a run says about the current task. */
struct rk_event_meta {
	uint32_t pid;       /* thread id (the kernel's pid) */
	uint32_t tgid;      /* process id */
	uint32_t uid;
	uint32_t gid;
	uint32_t cpu;
	char comm[16];
};

/*
 * Callbacks a host (rkd, rkctl, a test) gives the helpers; any may be NULL.
 * Without one: trace_printk and perf_event_output drop their output (and
 * still return success), probe_read_user fails with -EFAULT (the
 * destination zeroed), rk_emergency_stop and rk_uio_read/rk_uio_write return
 * -ENOTSUP (a read's destination zeroed) and rk_sensor_last_timestamp returns
 * 0 ("unknown").  host is passed back
 * unchanged.
 */
struct rk_env {
	void *host;
	/* bpf_trace_printk: one formatted line, without a trailing newline. */
	void (*print)(void *host, const struct rk_prog *prog, const char *line, size_t len);
	/* bpf_perf_event_output: one record for the event stream. */
	int (*perf_output)(void *host, const struct rk_prog *prog, uint64_t flags,
	                   const void *data, size_t size);
	/* bpf_probe_read_user(_str): copy from the traced process; 0 or -errno. */
	int (*read_user)(void *host, void *dst, size_t size, uint64_t user_addr);
	/* rkBPF: emergency stop of the actuators in mask; 0 or -errno. */
	int (*emergency_stop)(void *host, const struct rk_prog *prog, uint64_t mask);
	/* rkBPF: CLOCK_MONOTONIC ns of the last sample of sensor id; 0 or -ENOENT. */
	int (*sensor_timestamp)(void *host, uint32_t sensor_id, uint64_t *timestamp_ns);
	/*
	 * rkBPF: rk_uio_read (write 0: fill buf) and rk_uio_write (write 1: from
	 * buf): size bytes at offset in the register window the host grants the
	 * program's device; 0 or -errno.  The helper zeroes buf on a failed read.
	 */
	int (*device_io)(void *host, const struct rk_prog *prog, uint64_t offset, void *buf,
	                 uint32_t size, int write);
};

/* ------------------------------------------------------------------ */
/* Objects: ELF files built by clang -target bpf                      */
/* ------------------------------------------------------------------ */

struct rk_obj;

struct rk_obj_opts {
	const char *name;               /* the file name, for messages */
	size_t budget_bytes;            /* 0: RK_DEFAULT_BUDGET */
	const struct rk_helpers *helpers;  /* NULL: rk_helpers_standard() */
	/* CO-RE target (e.g. /sys/kernel/btf/vmlinux, read by the caller); NULL: none. */
	const struct rk_btf *target_btf;
	/*
	 * Or, when target_btf is NULL: called for the target only if the object
	 * has CO-RE relocations (the kernel's BTF is megabytes; most objects
	 * never need it).  NULL from it: relocate as without a target.
	 */
	const struct rk_btf *(*get_target_btf)(void *arg);
	void *get_target_btf_arg;
};

/*
 * Load a relocatable BPF ELF object: programs by SEC() name, subprograms,
 * maps (BTF .maps and legacy maps), global data, license, BTF, line info,
 * CO-RE.  Errors name the file, the section and the offset or instruction.
 */
int rk_obj_load(const void *elf, size_t elf_len, const struct rk_obj_opts *opts,
                struct rk_obj **obj_out, char *err, size_t err_len);
void rk_obj_free(struct rk_obj *obj);

const char *rk_obj_license(const struct rk_obj *obj);
const struct rk_btf *rk_obj_btf(const struct rk_obj *obj); /* NULL without .BTF */
const struct rk_budget *rk_obj_budget(const struct rk_obj *obj);

size_t rk_obj_prog_count(const struct rk_obj *obj);
struct rk_prog *rk_obj_prog(const struct rk_obj *obj, size_t index);
/* By function name ("handle_exec") or by section name ("tracepoint/sched/sched_switch"). */
struct rk_prog *rk_obj_prog_find(const struct rk_obj *obj, const char *name);

size_t rk_obj_map_count(const struct rk_obj *obj);
struct rk_map *rk_obj_map(const struct rk_obj *obj, size_t index);
struct rk_map *rk_obj_map_find(const struct rk_obj *obj, const char *name);

const char *rk_prog_name(const struct rk_prog *prog);     /* function name */
const char *rk_prog_section(const struct rk_prog *prog);  /* SEC() name */

/* Source position of an instruction, from .BTF.ext line info. */
struct rk_line_info {
	const char *file;       /* as clang recorded it */
	const char *source;     /* the text of the line, or "" */
	uint32_t line;
	uint32_t column;
};
/* 0, or -ENOENT when the program has no line info for that instruction. */
int rk_prog_line_info(const struct rk_prog *prog, size_t insn_index, struct rk_line_info *out);

/*
 * The program's disassembly for humans: one instruction a line with its
 * index, jump targets as instruction indexes, map references by name, and
 * the source line (from line info) above the first instruction it produced:
 *     ; motor_guard.bpf.c:42: if (current > limit)
 *       17: jgt %r2, %r3, +4        ; -> 22
 * *text_out is malloc'd.
 */
int rk_prog_dump(const struct rk_prog *prog, char **text_out, char *err, size_t err_len);

/* ------------------------------------------------------------------ */
/* Verification                                                       */
/* ------------------------------------------------------------------ */

/*
 * What a hook hands the verifier about its context (r1 at entry): how many
 * bytes the program may read, which of them it may write, and which
 * 8-byte fields hold pointers to further memory.
 */
struct rk_ctx_range {
	uint32_t off;
	uint32_t len;
};

struct rk_ctx_ptr_field {
	uint32_t off;           /* an 8-byte field of the context */
	uint32_t mem_size;      /* bytes the pointer it holds points to */
	bool writable;
	const char *name;       /* "scan", for messages */
};

struct rk_ctx_desc {
	const char *name;                      /* "struct pt_regs", for messages */
	uint32_t size;                         /* readable: [0, size) */
	const struct rk_ctx_range *writable;   /* NULL: read-only */
	size_t writable_count;
	const struct rk_ctx_ptr_field *ptr_fields;
	size_t ptr_field_count;
};

/*
 * SEC("data") programs run on a byte buffer: r1 points to RK_DATA_CTX_BYTES
 * readable and writable bytes (the input, zero-padded), r2 is the input's
 * length.  A fixed size is what lets the verifier prove every access.
 */
#define RK_DATA_CTX_BYTES 65536u
extern const struct rk_ctx_desc rk_ctx_desc_data;

/* Call depth and tail calls the verifier allows (and the interpreters enforce). */
#define RK_VERIFY_MAX_CALL_DEPTH RK_MAX_CALL_FRAMES

#define RK_VERIFIER_VERSION "rkbpf-verifier-1" /* bump when the rules change; see docs/signatures.md */
/* A verifier message with a source line and register state fits in this. */
#define RK_VERIFY_ERR_LEN 1024

struct rk_verify_opts {
	/* The context r1 points to; NULL: the program gets no context (r1 is a number). */
	const struct rk_ctx_desc *ctx;
	/*
	 * Optional: one line per analysed instruction with the abstract state
	 * before it ("12: r1=map_value(counts,+0) r2=scalar[0,15] fp-8=init").
	 */
	void (*log)(void *log_ctx, const char *line);
	void *log_ctx;
};

struct rk_verify_result {
	/* Accepted: the most instructions one run can execute (a tail call
	 * adds the bound of the program it jumps to; tail_calls says whether
	 * the program makes any). */
	uint64_t insn_bound;
	bool tail_calls;
	/* Work and memory, for rkctl verify and bench/. */
	uint64_t insns_analysed;    /* instructions visited, counting loop passes */
	uint32_t loops;             /* loops bounded */
	size_t peak_bytes;          /* the most the verifier held at once */
	/* Rejected: where.  SIZE_MAX when the rejection is not about one instruction. */
	size_t error_insn;
};

/*
 * Prove prog safe to run (docs/verifier.md lists the rules): every access
 * in bounds with the right permission, nothing read uninitialised, NULL
 * checked, ring-buffer records released once, helper arguments matching
 * their prototypes, no pointer leaving the daemon, termination.  Returns
 * 0 when accepted, -EACCES when rejected (err names the source line when
 * the program has line info, the instruction, the rule and the state),
 * -E2BIG when the program is too complex to analyse, -ENOMEM.  result may
 * be NULL.
 */
int rk_verify(const struct rk_prog *prog, const struct rk_verify_opts *opts,
              struct rk_verify_result *result, char *err, size_t err_len);

/*
 * Like rk_prog_new(), for assembled programs that use maps: an
 * "lddw %rN, map_by_fd K" (src_reg 1) refers to maps[K], and
 * "lddw %rN, map_value K + OFF" (src_reg 6) to its value at OFF; both are
 * resolved as the ELF loader resolves them, so the verifier sees the maps.
 * An lddw with src_reg 4 (code_addr) holds a function's instruction index
 * for bpf_loop.  The maps must outlive the program.
 */
int rk_prog_new_maps(const struct rk_insn *insns, size_t insn_count,
                     const struct rk_helpers *helpers, struct rk_map *const *maps,
                     size_t map_count, struct rk_prog **prog_out, char *err, size_t err_len);

/*
 * The standard and robotics helpers (shared, immutable; never freed).
 * NULL only if building it ran out of memory.
 */
const struct rk_helpers *rk_helpers_standard(void);
/*
 * Register every helper of rk_helpers_standard() into helpers, for a host
 * that adds its own.  -EEXIST (nothing registered) when one of their ids
 * is taken; -ENOMEM may leave some registered.
 */
int rk_helpers_add_standard(struct rk_helpers *helpers, char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* RKBPF_H */
