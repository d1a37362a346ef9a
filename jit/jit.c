/*
 * jit.c - native code for verified programs: pick the host's backend, put
 * its bytes in executable memory, and run them with the same results the
 * fast interpreter gives (rk_prog_run with RK_EXEC_JIT).
 *
 * The one thing to know: memory is W^X.  The backend emits into a heap
 * buffer; the bytes are copied into a fresh anonymous mapping that is
 * writable and not executable, the instruction cache is flushed for that
 * range (arm64 needs it; qemu-user would not notice its absence), and only
 * then is the mapping switched to read+execute.  It is never written again.
 *
 * On x86_64 the mapping is placed near the helpers the program calls: a
 * helper call costs ~40% less from there (see "Placing the code" below).
 *
 * Stops the generated code cannot describe by itself (a helper aborted,
 * failed or asked for a tail call; a call too deep; CALLX to nothing) come
 * back here through struct rk_jit_frame, and are reported with the same
 * stop reasons and messages as the interpreter's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jit_internal.h"

struct rk_jit_code {
	void *text;                 /* read+execute mapping */
	size_t text_size;           /* bytes of code in it */
	size_t map_size;            /* the mapping, whole pages */
	uint32_t *insn_offsets;     /* insn_count + 1 */
	size_t charged;             /* bytes charged to budget */
	struct rk_budget *budget;
};

typedef uint64_t (*rk_jit_entry_fn)(struct rk_jit_frame *frame);

/* ---- Emission buffers (used by the backends) ---- */

void rk_jit_buf_emit(struct rk_jit_buf *buf, const void *bytes, size_t size)
{
	if (buf->out_of_memory)
		return;
	if (buf->len + size > buf->cap) {
		size_t cap = buf->cap ? buf->cap : 4096;
		while (cap < buf->len + size)
			cap *= 2;
		uint8_t *bigger = realloc(buf->data, cap);
		if (!bigger) {
			buf->out_of_memory = true;
			return;
		}
		buf->data = bigger;
		buf->cap = cap;
	}
	memcpy(buf->data + buf->len, bytes, size);
	buf->len += size;
}

void rk_jit_buf_emit32(struct rk_jit_buf *buf, uint32_t word)
{
	const uint8_t bytes[4] = {(uint8_t)word, (uint8_t)(word >> 8), (uint8_t)(word >> 16),
	                          (uint8_t)(word >> 24)};
	rk_jit_buf_emit(buf, bytes, sizeof(bytes));
}

void rk_jit_buf_free(struct rk_jit_buf *buf)
{
	free(buf->data);
	*buf = (struct rk_jit_buf){0};
}

void rk_jit_output_free(struct rk_jit_output *out)
{
	rk_jit_buf_free(&out->code);
	free(out->insn_offsets);
	out->insn_offsets = NULL;
}

rk_helper_fn rk_jit_resolve_callx(const struct rk_helpers *helpers, uint64_t id)
{
	if (id >= RK_HELPER_ID_MAX)
		return NULL;
	return rk_prog_resolve_helper(helpers, (uint32_t)id);
}

/* ---- The host's backend ---- */

typedef int (*rk_jit_translate_fn)(const struct rk_jit_input *in, struct rk_jit_output *out,
                                   char *err, size_t err_len);

#if defined(__x86_64__)
static const rk_jit_translate_fn host_translate = rk_jit_x86_64_translate;
static const char host_arch[] = "x86_64";
#elif defined(__aarch64__)
static const rk_jit_translate_fn host_translate = rk_jit_arm64_translate;
static const char host_arch[] = "arm64";
#else
static const rk_jit_translate_fn host_translate = NULL;
static const char *const host_arch = NULL;
#endif

const char *rk_jit_arch(void)
{
	return host_translate ? host_arch : NULL;
}

/* ---- Compiling ---- */

static size_t page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	return page > 0 ? (size_t)page : 4096;
}

/*
 * ---- Placing the code (x86_64) ----
 * What a helper call costs depends mostly on where the code is.  Zen-class
 * CPUs predict a call whose target is far from the call site (upper address
 * bits differ: ~2^37 bytes apart or more), and its return, about 3 cycles
 * slower than a near one, and the kernel puts anonymous mappings (the mmap
 * area, 0x7f...) far from a PIE executable's text (0x55...), where the
 * helpers are.  Measured on an EPYC (Zen 4): a helper call costs 2.2 ns from
 * the default mapping, 1.4 ns from a mapping within a few hundred MiB of the
 * helper -- whether the call is movabs + call reg or call rel32.
 *
 * So the code is mapped near the first helper the program calls: just below
 * the previous such mapping, else at fixed steps below the helper, else
 * above it (past room for the brk heap), else anywhere.  The code stays
 * position independent; only the address changes.  MAP_FIXED_NOREPLACE never
 * replaces another mapping; a kernel that predates it takes the address as
 * a hint, and a mapping placed elsewhere is given back and the next address
 * tried.
 */
#if defined(__x86_64__)
#define NEAR_CODE 1
#else
#define NEAR_CODE 0
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0
#endif
#define NEAR_MAX_BYTES ((size_t)64 << 20)  /* larger code: anywhere */
#define NEAR_STEP ((uintptr_t)32 << 20)    /* between the fixed addresses tried */
#define NEAR_TRIES 16u                     /* below the helper, then as many above */
#define NEAR_ABOVE_GAP ((uintptr_t)256 << 20) /* room for the brk heap to grow */
#define NEAR_LOWEST ((uintptr_t)16 << 20)  /* nothing below this */

/* Where the latest mapping below a helper starts: the next one goes just below it. */
static uintptr_t near_cursor;

/* The first helper the program calls (rk_jit_resolve_callx for a CALLX), or 0. */
static uintptr_t helper_anchor(const struct rk_prog *prog)
{
	for (size_t i = 0; i < prog->insn_count; i++) {
		const struct rk_insn *insn = &prog->insns[i];
		if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_HELPER) {
			rk_helper_fn fn = rk_prog_resolve_helper(prog->helpers, (uint32_t)insn->imm);
			if (fn)
				return (uintptr_t)fn;
		} else if (insn->code == RK_OP_CALLX) {
			return (uintptr_t)rk_jit_resolve_callx;
		} else if (insn->code == RK_OP_LDDW) {
			i++;
		}
	}
	return 0;
}

/* A fresh read+write mapping of size bytes at exactly hint, or NULL. */
static void *map_at(uintptr_t hint, size_t size)
{
	void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if ((uintptr_t)p != hint) {
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* A read+write mapping of size bytes (whole pages) near the program's helpers, or NULL. */
static void *map_near(const struct rk_prog *prog, size_t size)
{
	if (!NEAR_CODE || size > NEAR_MAX_BYTES)
		return NULL;
	const uintptr_t anchor = helper_anchor(prog);
	if (!anchor)
		return NULL;
	const uintptr_t page_mask = ~(uintptr_t)(page_size() - 1);
	void *p = NULL;
	/* Below the helper first (the brk heap grows above the executable)... */
	if (anchor > NEAR_TRIES * NEAR_STEP + size + NEAR_LOWEST) {
		const uintptr_t lowest = anchor - NEAR_TRIES * NEAR_STEP - size;
		/* ...right below the previous mapping, if that is near this helper too. */
		uintptr_t cursor = __atomic_load_n(&near_cursor, __ATOMIC_RELAXED);
		if (cursor > lowest + size && cursor <= anchor)
			p = map_at((cursor - size) & page_mask, size);
		for (uintptr_t k = 1; !p && k <= NEAR_TRIES; k++)
			p = map_at((anchor - k * NEAR_STEP - size) & page_mask, size);
		if (p)
			__atomic_store_n(&near_cursor, (uintptr_t)p, __ATOMIC_RELAXED);
	}
	/* ...then above it, past room for the heap. */
	for (uintptr_t k = 0; !p && k < NEAR_TRIES; k++) {
		uintptr_t hint = anchor + NEAR_ABOVE_GAP + k * NEAR_STEP;
		if (hint < anchor)
			break; /* wrapped */
		p = map_at(hint & page_mask, size);
	}
	return p;
}

/*
 * Copy code into a fresh W^X mapping (near the program's helpers when there
 * is room): written, flushed, then read+execute.
 */
static int map_code(const struct rk_prog *prog, const struct rk_jit_buf *code,
                    struct rk_jit_code *jit, char *err, size_t err_len)
{
	const size_t page = page_size();
	jit->map_size = (code->len + page - 1) / page * page;
	void *text = map_near(prog, jit->map_size);
	if (!text) {
		text = mmap(NULL, jit->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		            -1, 0);
		if (text == MAP_FAILED)
			return rk_set_err(err, err_len, -errno, "JIT: mapping %zu bytes of code: %s",
			                  jit->map_size, strerror(errno));
	}
	memcpy(text, code->data, code->len);
	__builtin___clear_cache((char *)text, (char *)text + code->len);
	if (mprotect(text, jit->map_size, PROT_READ | PROT_EXEC) != 0) {
		int rc = -errno;
		munmap(text, jit->map_size);
		return rk_set_err(err, err_len, rc, "JIT: making the code executable: %s",
		                  strerror(-rc));
	}
	jit->text = text;
	jit->text_size = code->len;
	return 0;
}

int rk_prog_jit(struct rk_prog *prog, char *err, size_t err_len)
{
	if (prog->jit)
		return 0;
	if (!host_translate)
		return rk_set_err(err, err_len, -ENOTSUP,
		                  "this machine has no JIT (x86_64 and arm64 have one); use the "
		                  "interpreter");
	const struct rk_jit_input in = {.insns = prog->insns, .insn_count = prog->insn_count,
	                                .helpers = prog->helpers};
	struct rk_jit_output out = {0};
	int rc = host_translate(&in, &out, err, err_len);
	if (rc == 0 && (out.code.out_of_memory || !out.insn_offsets))
		rc = rk_set_err(err, err_len, -ENOMEM, "JIT: out of memory translating %zu instructions",
		                prog->insn_count);
	if (rc) {
		rk_jit_output_free(&out);
		return rc;
	}
	struct rk_jit_code *jit = calloc(1, sizeof(*jit));
	if (!jit) {
		rk_jit_output_free(&out);
		return rk_set_err(err, err_len, -ENOMEM, "JIT: out of memory");
	}
	jit->budget = prog->meta.budget;
	rc = map_code(prog, &out.code, jit, err, err_len);
	size_t tables = (prog->insn_count + 1) * sizeof(*out.insn_offsets) + sizeof(*jit);
	if (rc == 0) {
		rc = rk_budget_charge(jit->budget, jit->map_size + tables, "JIT code", err, err_len);
		if (rc)
			munmap(jit->text, jit->map_size);
	}
	rk_jit_buf_free(&out.code);
	if (rc) {
		free(out.insn_offsets);
		free(jit);
		return rc;
	}
	jit->charged = jit->map_size + tables;
	jit->insn_offsets = out.insn_offsets;
	prog->jit = jit;
	return 0;
}

void rk_jit_code_free(struct rk_prog *prog)
{
	struct rk_jit_code *jit = prog->jit;
	if (!jit)
		return;
	munmap(jit->text, jit->map_size);
	free(jit->insn_offsets);
	rk_budget_uncharge(jit->budget, jit->charged);
	free(jit);
	prog->jit = NULL;
}

bool rk_prog_is_jited(const struct rk_prog *prog)
{
	return prog->jit != NULL;
}

const void *rk_prog_jited_code(const struct rk_prog *prog, size_t *size)
{
	if (size)
		*size = prog->jit ? prog->jit->text_size : 0;
	return prog->jit ? prog->jit->text : NULL;
}

size_t rk_prog_jited_offset(const struct rk_prog *prog, size_t insn_index)
{
	if (!prog->jit || insn_index > prog->insn_count)
		return 0;
	return prog->jit->insn_offsets[insn_index];
}

/* ---- Running ---- */

/*
 * What helpers see as run->interp_state.  base comes first: helpers that
 * report a stop (the CO-RE poison) write through base.result whichever
 * engine runs them.  Every level of bpf_loop nesting reports into the one
 * top-level result.
 */
struct jit_nest {
	struct rk_interp_nest base;
	struct rk_jit_frame *frame;   /* the innermost entry running */
	uint64_t fp_limit;            /* no frame below this (RK_MAX_CALL_FRAMES) */
};

static uint64_t enter(const struct rk_prog *prog, struct rk_jit_frame *frame, uint32_t insn_index)
{
	const struct rk_jit_code *jit = prog->jit;
	frame->target = (const uint8_t *)jit->text + jit->insn_offsets[insn_index];
	frame->helpers = prog->helpers;
	frame->stop = RK_JIT_STOP_NONE;
	frame->stop_insn = 0;
	return ((rk_jit_entry_fn)jit->text)(frame);
}

/* A stop in the generated code (other than a helper's) as the interpreter words it. */
static void report_code_stop(const struct rk_prog *prog, const struct rk_jit_frame *frame,
                             struct rk_run_result *result)
{
	result->insn_index = frame->stop_insn;
	if (frame->stop == RK_JIT_STOP_CALL_DEPTH) {
		result->stop = RK_STOP_CALL_DEPTH;
		snprintf(result->message, sizeof(result->message),
		         "insn %u: local call nested deeper than %d frames", frame->stop_insn,
		         RK_MAX_CALL_FRAMES);
	} else {
		result->stop = RK_STOP_BAD_HELPER;
		snprintf(result->message, sizeof(result->message),
		         "insn %u: callx r%d names no registered helper", frame->stop_insn,
		         frame->stop_insn < prog->insn_count ? prog->insns[frame->stop_insn].dst_reg
		                                             : 0);
	}
}

static void report_tail_call_in_callee(struct rk_run *run, const struct rk_jit_frame *frame,
                                       struct rk_run_result *result)
{
	run->tail_call_target = NULL;
	run->tail_call_pending = false;
	result->stop = RK_STOP_TAIL_CALL;
	result->insn_index = frame->stop_insn;
	snprintf(result->message, sizeof(result->message),
	         "insn %u: bpf_tail_call from a subprogram or callback is not supported",
	         frame->stop_insn);
}

/* run->call_subprog for bpf_loop: the callback runs one frame below its caller. */
static int jit_call_subprog(struct rk_run *run, uint32_t insn_index, const uint64_t args[5],
                            uint64_t *retval)
{
	struct jit_nest *nest = run->interp_state;
	const struct rk_prog *prog = nest->base.prog;
	struct rk_run_result *report = nest->base.result;
	uint64_t fp = nest->frame->helper_fp - RK_STACK_SIZE;
	int refused = rk_run_callback_check(run, report, insn_index, fp >= nest->fp_limit);
	if (refused)
		return refused;
	struct rk_jit_frame frame = {.fp = fp, .fp_limit = nest->fp_limit, .run = run};
	memcpy(frame.args, args, sizeof(frame.args));
	struct rk_jit_frame *outer = nest->frame;
	nest->frame = &frame;
	uint64_t r0 = enter(prog, &frame, insn_index);
	nest->frame = outer;
	switch (frame.stop) {
	case RK_JIT_STOP_NONE:
		*retval = r0;
		return 0;
	case RK_JIT_STOP_HELPER:
		if (run->failed)
			return -EFAULT; /* whoever failed wrote the report */
		if (run->aborted) {
			*retval = run->abort_retval;
			return 0; /* bpf_loop sees run->aborted and stops */
		}
		report_tail_call_in_callee(run, &frame, report);
		break;
	default:
		report_code_stop(prog, &frame, report);
		break;
	}
	run->failed = true;
	return -EFAULT;
}

int rk_jit_run(const struct rk_prog *prog, void *ctx, size_t ctx_len,
               const struct rk_run_opts *opts, struct rk_run_result *result)
{
	if (!prog->jit) {
		snprintf(result->message, sizeof(result->message),
		         "the program has no native code: compile it with rk_prog_jit() first");
		return -ENOEXEC;
	}
	_Alignas(16) uint8_t own_stack[RK_RUN_STACK_BYTES];
	uint8_t *const stack = opts->stack ? (uint8_t *)opts->stack : own_stack;
	const uint64_t stack_top = (uintptr_t)(stack + RK_RUN_STACK_BYTES);
	struct rk_run run = {.prog = prog, .opts = opts, .user = opts->user, .ctx = ctx,
	                     .call_subprog = jit_call_subprog};
	struct jit_nest nest = {.base = {.prog = prog, .result = result, .stack = stack},
	                        .fp_limit = (uintptr_t)stack + RK_STACK_SIZE};
	struct rk_jit_frame frame = {.args = {(uintptr_t)ctx, ctx_len}, .fp = stack_top,
	                             .fp_limit = nest.fp_limit, .run = &run};
	run.interp_state = &nest;
	int rc = 0;
	for (;;) {
		nest.frame = &frame;
		uint64_t r0 = enter(prog, &frame, 0);
		if (frame.stop == RK_JIT_STOP_NONE) {
			result->retval = r0;
			result->stop = RK_STOP_EXIT;
			break;
		}
		if (frame.stop != RK_JIT_STOP_HELPER) {
			report_code_stop(prog, &frame, result);
			rc = -EFAULT;
			break;
		}
		if (run.failed) {
			/* A callback stopped; its report is in result already. */
			if (result->stop == RK_STOP_CORE_POISON) {
				result->insn_index = frame.stop_insn;
				snprintf(result->message, sizeof(result->message),
				         "insn %u: reached an instruction whose CO-RE relocation failed "
				         "at load time (the target BTF lacks the field or type it uses)",
				         frame.stop_insn);
			}
			rc = -EFAULT;
			break;
		}
		if (run.aborted) {
			result->retval = run.abort_retval;
			result->stop = RK_STOP_ABORTED;
			result->insn_index = frame.stop_insn;
			snprintf(result->message, sizeof(result->message),
			         "insn %u: a helper aborted the program", frame.stop_insn);
			break;
		}
		/* bpf_tail_call: only from the entry frame, into compiled code. */
		if (frame.helper_fp != stack_top) {
			report_tail_call_in_callee(&run, &frame, result);
			rc = -EFAULT;
			break;
		}
		const struct rk_prog *target = run.tail_call_target;
		run.tail_call_target = NULL;
		run.tail_call_pending = false;
		if (!target->jit) {
			result->stop = RK_STOP_TAIL_CALL;
			result->insn_index = frame.stop_insn;
			snprintf(result->message, sizeof(result->message),
			         "insn %u: bpf_tail_call into a program that was not compiled (JIT "
			         "every program of a program array, or run them all interpreted)",
			         frame.stop_insn);
			rc = -EFAULT;
			break;
		}
		prog = target;
		run.prog = prog;
		nest.base.prog = prog;
		frame = (struct rk_jit_frame){.args = {run.tail_call_ctx, ctx_len}, .fp = stack_top,
		                              .fp_limit = nest.fp_limit, .run = &run};
	}
	rk_helper_ringbuf_release_pending(&run);
	return rc;
}
