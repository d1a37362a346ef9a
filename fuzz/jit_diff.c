/*
 * jit_diff.c - the comparison core of the JIT differential test (see
 * jit_diff.h): one environment (harness.h's: progen.h's four maps, its
 * 64-byte context with a pointer field, the standard helpers, here behind
 * a recording call), and jd_check(), which runs a program in the fast interpreter and in the
 * engine under test from byte-identical states and compares everything.
 *
 * A run, twice:
 *   1. fill the context, the memory its pointer field points to, the maps
 *      and the stack buffer from the run's seed; snapshot all of it;
 *   2. run the fast interpreter; keep what it left (result, buffers, the
 *      raw memory of every map, the helper calls);
 *   3. restore the snapshot, reseed the helpers' results, run the engine
 *      under test; compare.
 *
 * The one thing to know before changing this file: maps are snapshotted
 * and compared as raw memory - a map is one allocation of
 * rk_map_mem_bytes() bytes starting at the struct rk_map pointer (see
 * vm/map.c, rk_map_new).  That is what makes hash-map values sit at the
 * same addresses in both runs (a hash map's free list would otherwise
 * differ after the first run), so helper arguments and spilled pointers
 * compare equal.  If vm/ ever splits a map into several allocations, this
 * file must learn to snapshot them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "jit_diff.h"

#define JD_MAX_CALLS 256                /* recorded in full; more are hashed */
#define JD_CHECKED_INSN_LIMIT (1u << 24) /* the checked engine: a runaway stops */
#define JD_MAX_DIFFS 12                 /* differences listed per kind */
#define JD_MAX_INSN_BOUND (1u << 22)    /* longer verified programs are skipped */

struct jd_call {
	uint32_t id;
	uint64_t args[RK_HELPER_MAX_ARGS];
	uint64_t ret;
};

/* Everything a run leaves behind. */
struct jd_side {
	int rc;
	struct rk_run_result result;
	uint8_t ctx[PG_CTX_SIZE];
	uint8_t buf[PG_CTX_BUF_SIZE];
	uint8_t stack[RK_RUN_STACK_BYTES];
	uint8_t *maps[PG_MAP_COUNT];        /* raw map memory */
	struct jd_call calls[JD_MAX_CALLS];
	uint64_t call_count;                /* may exceed JD_MAX_CALLS */
	uint64_t call_hash;                 /* of the calls past JD_MAX_CALLS */
};

struct jd_env {
	struct harness harness;             /* first: the helpers find it through rk_run_user */
	enum jd_engine engine;
	size_t map_bytes[PG_MAP_COUNT];
	uint8_t *map_before[PG_MAP_COUNT];
	struct rk_region buf_region;        /* the checked engine's view of buf */

	_Alignas(16) uint8_t stack[RK_RUN_STACK_BYTES];
	_Alignas(16) uint8_t ctx[PG_CTX_SIZE];
	_Alignas(16) uint8_t buf[PG_CTX_BUF_SIZE];
	uint8_t stack_before[RK_RUN_STACK_BYTES];
	uint8_t ctx_before[PG_CTX_SIZE];
	uint8_t buf_before[PG_CTX_BUF_SIZE];

	struct jd_side side[2];             /* [0] the fast interpreter, [1] the engine */
	struct jd_side *recording;
	char jit_err[RK_ERR_LEN];
};
_Static_assert(offsetof(struct jd_env, harness) == 0, "rk_run_user() is the env and the harness");

/* ---- inputs --------------------------------------------------------------- */

/* Edge values and the program's own constants: what makes its branches go both ways. */
static void build_dict(struct harness *harness, const struct rk_insn *insns, size_t count)
{
	harness_dict_start(harness);
	for (size_t i = 0; i < count && harness->dict_len < HARNESS_DICT_MAX; i++) {
		if (insns[i].code == RK_OP_LDDW) {
			i++;
			continue;
		}
		if (RK_SRC(insns[i].code) == RK_SRC_K && insns[i].imm != 0)
			harness->dict[harness->dict_len++] = insns[i].imm;
	}
}

/* Fill everything a run starts from, then snapshot it. */
static void prepare_run(struct jd_env *env, uint64_t seed)
{
	struct harness *harness = &env->harness;
	pg_rand_seed(&harness->rand, seed);
	harness_fill_ctx(harness, env->ctx, env->buf);
	/*
	 * Garbage the verifier keeps programs from reading; the same in both
	 * runs.  The checked interpreter clears the stack it is given (it
	 * tracks what was written), so against it the stack starts zeroed.
	 */
	for (size_t at = 0; at < RK_RUN_STACK_BYTES; at += 8) {
		uint64_t v = pg_u64(&harness->rand);
		memcpy(env->stack + at, &v, 8);
	}
	if (env->engine == JD_ENGINE_CHECKED)
		memset(env->stack, 0, RK_RUN_STACK_BYTES);
	harness_fill_maps(harness);

	memcpy(env->ctx_before, env->ctx, PG_CTX_SIZE);
	memcpy(env->buf_before, env->buf, PG_CTX_BUF_SIZE);
	memcpy(env->stack_before, env->stack, RK_RUN_STACK_BYTES);
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		memcpy(env->map_before[m], harness->maps[m], env->map_bytes[m]);
}

static void restore_run(struct jd_env *env)
{
	memcpy(env->ctx, env->ctx_before, PG_CTX_SIZE);
	memcpy(env->buf, env->buf_before, PG_CTX_BUF_SIZE);
	memcpy(env->stack, env->stack_before, RK_RUN_STACK_BYTES);
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		memcpy((void *)env->harness.maps[m], env->map_before[m], env->map_bytes[m]);
}

/* ---- recording helpers ---------------------------------------------------- */

/* The helpers progen's programs call (harness.c) all come here. */
static uint64_t recording_call(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                               uint64_t r5, struct rk_run *run)
{
	struct jd_env *env = rk_run_user(run);
	struct jd_side *side = env->recording;
	/* The entry is taken before the call: bpf_loop's callbacks record theirs inside it. */
	uint64_t k = side->call_count++;
	uint64_t ret;
	if (id == 5 || id == 125 || id == 7) {
		/* bpf_ktime_get_ns, bpf_ktime_get_boot_ns, bpf_get_prandom_u32: inputs. */
		ret = harness_input(&env->harness);
		if (id == 7)
			ret = (uint32_t)ret;
		/*
		 * Now and then one stops the program (as a host's helper may), so
		 * that the engines' unwinding from any depth - a local call, a
		 * bpf_loop callback - is compared too.
		 */
		if (pg_chance(&env->harness.rand, 3))
			rk_run_abort(run, ret ^ UINT64_C(0xab0b7ab0b7));
	} else {
		ret = rk_helpers_fn(env->harness.std, id)(r1, r2, r3, r4, r5, run);
	}
	/*
	 * Arguments past the prototype's are whatever the registers held: a
	 * call clobbers r1..r5, and the interpreter leaves them stale where
	 * native code leaves something else.  Only the declared ones compare.
	 */
	struct jd_call call = {.id = id, .args = {r1, r2, r3, r4, r5}, .ret = ret};
	const struct rk_helper_proto *proto = rk_helpers_proto(env->harness.std, id);
	for (unsigned a = 0; a < RK_HELPER_MAX_ARGS; a++)
		if (!proto || proto->args[a] == RK_ARG_NONE)
			call.args[a] = 0;
	if (k < JD_MAX_CALLS) {
		side->calls[k] = call;
	} else {
		/* Field by field: the struct's padding is not part of the call. */
		uint64_t h = harness_fnv(side->call_hash ^ k, &call.id, sizeof(call.id));
		h = harness_fnv(h, call.args, sizeof(call.args));
		side->call_hash = harness_fnv(h, &call.ret, sizeof(call.ret));
	}
	return ret;
}

/* ---- the environment ------------------------------------------------------ */

/* Room for a snapshot of each map's raw memory, before the runs and after each side. */
static int alloc_map_copies(struct jd_env *env, char *err, size_t err_len)
{
	for (size_t m = 0; m < PG_MAP_COUNT; m++) {
		env->map_bytes[m] = rk_map_mem_bytes(env->harness.maps[m]);
		env->map_before[m] = malloc(env->map_bytes[m]);
		env->side[0].maps[m] = malloc(env->map_bytes[m]);
		env->side[1].maps[m] = malloc(env->map_bytes[m]);
		if (!env->map_before[m] || !env->side[0].maps[m] || !env->side[1].maps[m]) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

const char *jd_engine_name(enum jd_engine engine)
{
	switch (engine) {
	case JD_ENGINE_JIT: return "jit";
	case JD_ENGINE_CHECKED: return "checked";
	case JD_ENGINE_FAST: return "fast";
	}
	return "?";
}

int jd_env_new(struct jd_env **env_out, enum jd_engine engine, char *err, size_t err_len)
{
	struct jd_env *env = calloc(1, sizeof(*env));
	*env_out = NULL;
	if (!env) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	env->engine = engine;
	int rc = harness_init(&env->harness, recording_call, err, err_len);
	if (!rc)
		rc = alloc_map_copies(env, err, err_len);
	if (rc) {
		jd_env_free(env);
		return rc;
	}
	env->buf_region = (struct rk_region){.name = "ctx buf", .start = (uintptr_t)env->buf,
	                                     .len = PG_CTX_BUF_SIZE, .writable = true};
	*env_out = env;
	return 0;
}

void jd_env_free(struct jd_env *env)
{
	if (!env)
		return;
	for (size_t m = 0; m < PG_MAP_COUNT; m++) {
		free(env->map_before[m]);
		free(env->side[0].maps[m]);
		free(env->side[1].maps[m]);
	}
	harness_fini(&env->harness);
	free(env);
}

const char *jd_last_jit_error(const struct jd_env *env)
{
	return env->jit_err;
}

/* ---- one run, and the comparison ------------------------------------------ */

static void run_side(struct jd_env *env, const struct rk_prog *prog, enum rk_exec_mode mode,
                     uint64_t helper_seed, struct jd_side *side)
{
	struct rk_run_opts opts = {.mode = mode, .user = env, .stack = env->stack};
	if (mode == RK_EXEC_CHECKED) {
		opts.ctx_writable = true;
		opts.regions = &env->buf_region;
		opts.region_count = 1;
		opts.insn_limit = JD_CHECKED_INSN_LIMIT;
	}
	pg_rand_seed(&env->harness.rand, helper_seed);
	side->call_count = 0;
	side->call_hash = 0;
	env->recording = side;
	side->rc = rk_prog_run(prog, env->ctx, PG_CTX_SIZE, &opts, &side->result);
	env->recording = NULL;
	memcpy(side->ctx, env->ctx, PG_CTX_SIZE);
	memcpy(side->buf, env->buf, PG_CTX_BUF_SIZE);
	memcpy(side->stack, env->stack, RK_RUN_STACK_BYTES);
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		memcpy(side->maps[m], env->harness.maps[m], env->map_bytes[m]);
}

static bool same_call(const struct jd_call *a, const struct jd_call *b)
{
	return a->id == b->id && a->ret == b->ret &&
	       !memcmp(a->args, b->args, sizeof(a->args));
}

static bool sides_equal(const struct jd_side *a, const struct jd_side *b, const size_t *map_bytes)
{
	if (a->rc != b->rc || a->result.stop != b->result.stop || a->result.retval != b->result.retval)
		return false;
	if (a->result.stop != RK_STOP_EXIT && a->result.insn_index != b->result.insn_index)
		return false;
	if (memcmp(a->ctx, b->ctx, PG_CTX_SIZE) || memcmp(a->buf, b->buf, PG_CTX_BUF_SIZE) ||
	    memcmp(a->stack, b->stack, RK_RUN_STACK_BYTES))
		return false;
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		if (memcmp(a->maps[m], b->maps[m], map_bytes[m]))
			return false;
	if (a->call_count != b->call_count || a->call_hash != b->call_hash)
		return false;
	uint64_t recorded = a->call_count < JD_MAX_CALLS ? a->call_count : JD_MAX_CALLS;
	for (uint64_t k = 0; k < recorded; k++)
		if (!same_call(&a->calls[k], &b->calls[k]))
			return false;
	return true;
}

/* ---- reports ------------------------------------------------------------- */

static void print_hex(FILE *out, const char *label, const uint8_t *bytes, size_t len)
{
	fprintf(out, "%s:", label);
	for (size_t k = 0; k < len; k++)
		fprintf(out, "%s%02x", k % 8 ? "" : " ", bytes[k]);
	fprintf(out, "\n");
}

static void print_program(FILE *out, const struct rk_insn *insns, size_t insn_count)
{
	fprintf(out, "---- program (%zu slots) ----\n", insn_count);
	for (size_t i = 0; i < insn_count;) {
		char line[160];
		int slots = rk_disasm_insn(insns, insn_count, i, line, sizeof(line));
		fprintf(out, "%5zu: %s\n", i, line);
		i += slots > 0 ? (size_t)slots : 1;
	}
	/* The same, reassemblable (build/rk-jit-diff --asm FILE). */
	char *text = NULL;
	char err[RK_ERR_LEN];
	if (rk_disasm(insns, insn_count, &text, err, sizeof(err)) == 0) {
		fprintf(out, "---- as assembly ----\n%s", text);
		free(text);
	}
}

static void print_result(FILE *out, const char *who, const struct jd_side *side)
{
	/* Where an exit happened is not reported by every engine: only other stops name it. */
	char where[48] = "";
	if (side->result.stop != RK_STOP_EXIT)
		snprintf(where, sizeof(where), " at insn %zu", side->result.insn_index);
	fprintf(out, "%-8s rc %d, stop %s%s, r0 0x%016" PRIx64 ", %" PRIu64 " helper calls%s%s\n",
	        who, side->rc, rk_stop_name(side->result.stop), where, side->result.retval,
	        side->call_count, side->result.message[0] ? ": " : "", side->result.message);
}

static void diff_bytes(FILE *out, const char *what, const uint8_t *a, const uint8_t *b,
                       size_t len, intptr_t base, const char *who)
{
	unsigned shown = 0;
	size_t count = 0;
	for (size_t k = 0; k < len; k++)
		count += a[k] != b[k];
	if (!count)
		return;
	fprintf(out, "%s: %zu bytes differ:", what, count);
	for (size_t k = 0; k < len && shown < JD_MAX_DIFFS; k++) {
		if (a[k] == b[k])
			continue;
		fprintf(out, " [%+" PRIdPTR "] %02x/%02x", (intptr_t)k + base, a[k], b[k]);
		shown++;
	}
	fprintf(out, "%s (interp/%s)\n", count > shown ? " ..." : "", who);
}

static void print_call(FILE *out, const char *who, uint64_t k, const struct jd_call *call)
{
	fprintf(out, "  %-8s #%" PRIu64 " helper %u (", who, k, call->id);
	for (unsigned a = 0; a < RK_HELPER_MAX_ARGS; a++)
		fprintf(out, "%s0x%" PRIx64, a ? ", " : "", call->args[a]);
	fprintf(out, ") = 0x%" PRIx64 "\n", call->ret);
}

static void report_divergence(FILE *out, const struct jd_env *env, const struct rk_insn *insns,
                              size_t insn_count, bool verify, uint64_t input_seed, unsigned run)
{
	const struct jd_side *a = &env->side[0], *b = &env->side[1];
	const char *who = jd_engine_name(env->engine);
	fprintf(out, "==== DIVERGENCE: %s program, input seed %" PRIu64 ", run %u of %d ====\n",
	        verify ? "verified" : "unverified", input_seed, run, JD_RUNS_PER_PROG);
	print_program(out, insns, insn_count);
	fprintf(out, "---- inputs (r1 = ctx %p, r2 = %d, r10 = %p: the stack's top, where the "
	        "ctx buffer starts; maps filled from the input seed) ----\n",
	        (void *)env->ctx, PG_CTX_SIZE, (void *)(env->stack + RK_RUN_STACK_BYTES));
	print_hex(out, "ctx", env->ctx_before, PG_CTX_SIZE);
	print_hex(out, "buf", env->buf_before, PG_CTX_BUF_SIZE);
	fprintf(out, "---- results ----\n");
	print_result(out, "interp", a);
	print_result(out, who, b);
	fprintf(out, "---- differences ----\n");
	if (a->rc != b->rc || a->result.stop != b->result.stop)
		fprintf(out, "stop: %s (rc %d) / %s (rc %d)\n", rk_stop_name(a->result.stop), a->rc,
		        rk_stop_name(b->result.stop), b->rc);
	if (a->result.retval != b->result.retval)
		fprintf(out, "r0: 0x%016" PRIx64 " / 0x%016" PRIx64 "\n", a->result.retval,
		        b->result.retval);
	if (a->result.stop != RK_STOP_EXIT && a->result.insn_index != b->result.insn_index)
		fprintf(out, "stopped at insn %zu / %zu\n", a->result.insn_index, b->result.insn_index);
	diff_bytes(out, "ctx", a->ctx, b->ctx, PG_CTX_SIZE, 0, who);
	diff_bytes(out, "buf", a->buf, b->buf, PG_CTX_BUF_SIZE, 0, who);
	diff_bytes(out, "stack (offsets from the entry r10)", a->stack, b->stack, RK_RUN_STACK_BYTES,
	           -(intptr_t)RK_RUN_STACK_BYTES, who);
	static const char *const map_names[PG_MAP_COUNT] = {"map arr", "map hash", "map rb",
	                                                    "map tiny"};
	for (size_t m = 0; m < PG_MAP_COUNT; m++)
		diff_bytes(out, map_names[m], a->maps[m], b->maps[m], env->map_bytes[m], 0, who);
	uint64_t recorded_a = a->call_count < JD_MAX_CALLS ? a->call_count : JD_MAX_CALLS;
	uint64_t recorded_b = b->call_count < JD_MAX_CALLS ? b->call_count : JD_MAX_CALLS;
	uint64_t k = 0;
	while (k < recorded_a && k < recorded_b && same_call(&a->calls[k], &b->calls[k]))
		k++;
	if (k < recorded_a || k < recorded_b || a->call_count != b->call_count) {
		fprintf(out, "helper calls: %" PRIu64 " / %" PRIu64 ", first difference at #%" PRIu64
		        ":\n", a->call_count, b->call_count, k);
		if (k > 0)
			print_call(out, "both", k - 1, &a->calls[k - 1]);
		if (k < recorded_a)
			print_call(out, "interp", k, &a->calls[k]);
		if (k < recorded_b)
			print_call(out, who, k, &b->calls[k]);
	} else if (a->call_hash != b->call_hash) {
		fprintf(out, "helper calls past #%d differ\n", JD_MAX_CALLS);
	}
	fprintf(out, "====\n");
}

/* ---- the check ------------------------------------------------------------ */

enum jd_verdict jd_check(struct jd_env *env, const struct rk_insn *insns, size_t insn_count,
                         bool verify, uint64_t input_seed, struct jd_stats *stats,
                         FILE *report)
{
	struct jd_stats scratch = {0};
	if (!stats)
		stats = &scratch;
	struct rk_prog *prog = NULL;
	char err[RK_VERIFY_ERR_LEN];
	if (rk_prog_new_maps(insns, insn_count, env->harness.helpers, env->harness.maps,
	                     PG_MAP_COUNT, &prog, err, sizeof(err)) != 0)
		return JD_INVALID;
	if (verify) {
		struct rk_verify_opts vopts = {.ctx = &env->harness.desc};
		struct rk_verify_result vres;
		if (rk_verify(prog, &vopts, &vres, err, sizeof(err)) != 0) {
			stats->rejected++;
			rk_prog_free(prog);
			return JD_REJECTED;
		}
		/* Accepted, but a run could take minutes (a loop bound of 2^31): not worth it. */
		if (vres.insn_bound > JD_MAX_INSN_BOUND) {
			stats->rejected++;
			stats->too_long++;
			rk_prog_free(prog);
			return JD_REJECTED;
		}
	}
	stats->programs++;
	stats->slots += insn_count;
	if (verify)
		stats->verified++;
	else
		stats->unverified++;

	enum rk_exec_mode mode = RK_EXEC_FAST;
	if (env->engine == JD_ENGINE_CHECKED)
		mode = RK_EXEC_CHECKED;
	if (env->engine == JD_ENGINE_JIT) {
		mode = RK_EXEC_JIT;
		env->jit_err[0] = '\0';
		int rc = rk_prog_jit(prog, env->jit_err, sizeof(env->jit_err));
		if (rc != 0) {
			enum jd_verdict verdict = rc == -ENOTSUP ? JD_NO_JIT : JD_JIT_REFUSED;
			if (verdict == JD_NO_JIT)
				stats->no_jit++;
			else
				stats->jit_refused++;
			if (report) {
				fprintf(report, "==== rk_prog_jit failed (%s, rc %d) on a %s program: %s\n",
				        strerror(-rc), rc, verify ? "verified" : "unverified", env->jit_err);
				print_program(report, insns, insn_count);
				fprintf(report, "====\n");
			}
			rk_prog_free(prog);
			return verdict;
		}
		size_t code_size = 0;
		rk_prog_jited_code(prog, &code_size);
		stats->jit_bytes += code_size;
	}

	build_dict(&env->harness, insns, insn_count);
	enum jd_verdict verdict = JD_SAME;
	for (unsigned run = 0; run < JD_RUNS_PER_PROG; run++) {
		uint64_t seed = input_seed * JD_RUNS_PER_PROG + run;
		uint64_t helper_seed = seed ^ UINT64_C(0x5bd1e9955bd1e995);
		prepare_run(env, seed);
		run_side(env, prog, RK_EXEC_FAST, helper_seed, &env->side[0]);
		restore_run(env);
		run_side(env, prog, mode, helper_seed, &env->side[1]);
		stats->runs++;
		stats->helper_calls += env->side[0].call_count;
		stats->aborted_runs += env->side[0].result.stop == RK_STOP_ABORTED;
		if (!sides_equal(&env->side[0], &env->side[1], env->map_bytes)) {
			if (report)
				report_divergence(report, env, insns, insn_count, verify, input_seed, run);
			verdict = JD_DIVERGED;
			stats->divergences++;
			break;
		}
	}
	rk_prog_free(prog);
	return verdict;
}

/* ---- minimising ----------------------------------------------------------- */

void jd_minimize(struct jd_env *env, struct rk_insn *insns, size_t *insn_count, bool verify,
                 uint64_t input_seed, size_t keep_prefix)
{
	struct rk_insn *trial = malloc(*insn_count * sizeof(*trial));
	char err[RK_ERR_LEN];
	/* Enough for a few passes over the largest program; a flaky divergence must not spin. */
	unsigned budget = 50000;
	if (!trial)
		return;
	for (bool progress = true; progress && budget;) {
		progress = false;
		for (size_t i = *insn_count; i-- > keep_prefix;) {
			if (i >= *insn_count)
				continue;
			size_t n = harness_drop_insn(insns, *insn_count, i, trial);
			if (n == 0 || rk_validate(trial, n, err, sizeof(err)) != 0)
				continue;
			if (!budget--)
				break;
			if (jd_check(env, trial, n, verify, input_seed, NULL, NULL) != JD_DIVERGED)
				continue;
			memcpy(insns, trial, n * sizeof(*trial));
			*insn_count = n;
			progress = true;
		}
	}
	free(trial);
}

void jd_stats_print(FILE *out, const char *who, const struct jd_stats *stats)
{
	fprintf(out, "%s: %" PRIu64 " programs (%" PRIu64 " verified + %" PRIu64 " unverified), %" PRIu64
	        " runs, %" PRIu64 " divergences\n",
	        who, stats->programs, stats->verified, stats->unverified, stats->runs,
	        stats->divergences);
}
