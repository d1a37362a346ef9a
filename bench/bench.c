/*
 * bench.c - rk-bench: every program of bench/progs/ run natively (clang
 * -O2) and by each rkBPF engine over the same input, in the same process,
 * and a table of what a run costs in each.
 *
 *   rk-bench [--repeat N] [--json] [--seed N] [--dir DIR] [PROGRAM...]
 *
 * What must stay true:
 *   - nothing is timed before every engine returned the native result on
 *     the program's input, and every timed batch is checked again: a
 *     benchmark that computes something else measures nothing;
 *   - the figures of a row come from the same run: each repeat times every
 *     engine on every program, interleaved, and a row reports medians over
 *     the repeats, so a noisy neighbour (these machines are shared) hits
 *     all columns alike.  Compare ratios, not absolute times;
 *   - ns/insn divides by the instructions one run executes, counted once in
 *     checked mode (the fast interpreter does not count).
 *
 * An engine is a row of engines[]; the JIT is the last one, and is left
 * out (saying why) when rk_prog_jit() fails on this machine.  After the
 * table, jit_bench.c measures what the table cannot: the cost of a helper
 * call, and the JIT's compile time.
 */
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "bench.h"
#include "jit_bench.h"
#include "rkbpf.h"

#ifndef RK_BENCH_DIR
#define RK_BENCH_DIR "build/bench" /* where bench.mk puts NAME.bin */
#endif

#define DEFAULT_REPEATS 21
#define DEFAULT_SEED 0x726b425046u /* "rkBPF" */
#define BATCH_NS 5000000.0         /* a timed batch lasts about 5 ms */
#define CALIBRATE_NS 1000000u      /* calibration doubles a batch until 1 ms */
#define CHECKED_INSN_LIMIT 100000000u /* the counting run: catches a runaway loop */
#define INPUT_ALIGN 64
#define INTERP_TARGET_NS_PER_INSN 2.0 /* the goal of the interpreter issue */
#define JIT_TARGET_GEOMEAN 1.25       /* the JIT issue: geomean of jit/native */
#define KERNEL_JIT_GEOMEAN 1.46       /* the reference figures */
#define UBPF_JIT_GEOMEAN 1.9

struct bench_prog {
	const char *name;
	size_t input_len;
	void (*make_input)(uint8_t *buf, size_t len, uint64_t seed);
	bench_native_fn native;
	const char *what;
};

#define BENCH_PROG_ROW(name, len, input, what_text) \
	{#name, len, input, bench_native_##name, what_text},
static const struct bench_prog bench_progs[] = {BENCH_PROGS(BENCH_PROG_ROW)};
#undef BENCH_PROG_ROW
#define PROG_COUNT (sizeof(bench_progs) / sizeof(bench_progs[0]))

/* One program, ready to run in every engine. */
struct bench_case {
	const struct bench_prog *prog;
	uint8_t *input;            /* prog->input_len bytes, INPUT_ALIGN aligned */
	struct rk_prog *vm_prog;
	size_t insn_slots;         /* size of the bytecode */
	uint64_t insns_per_run;    /* executed, from the checked run */
	uint64_t expected;         /* the native result */
	bool run_failed;           /* an engine reported an error mid-batch */
};

struct bench_engine {
	const char *name;          /* column heading */
	const char *how;           /* one phrase for the header line */
	bool runs_bytecode;        /* ns/insn and the ratio to native apply */
	double target_ns_per_insn; /* 0: no target */
	/* Run bc runs times (runs >= 1) and return the last result. */
	uint64_t (*run_batch)(struct bench_case *bc, uint64_t runs);
};

static uint64_t native_batch(struct bench_case *bc, uint64_t runs)
{
	/*
	 * Through a volatile pointer, into another object file: the compiler
	 * can neither inline the program nor hoist a run out of the loop.
	 */
	bench_native_fn volatile native = bc->prog->native;
	uint64_t retval = 0;

	for (uint64_t i = 0; i < runs; i++)
		retval = native(bc->input, bc->prog->input_len);
	return retval;
}

static uint64_t interp_batch(struct bench_case *bc, uint64_t runs)
{
	static const struct rk_run_opts fast = {.mode = RK_EXEC_FAST};
	struct rk_run_result result;
	int failed = 0;

	for (uint64_t i = 0; i < runs; i++)
		failed |= rk_prog_run(bc->vm_prog, bc->input, bc->prog->input_len, &fast, &result);
	if (failed || result.stop != RK_STOP_EXIT)
		bc->run_failed = true;
	return result.retval;
}

static uint64_t jit_batch(struct bench_case *bc, uint64_t runs)
{
	static const struct rk_run_opts jit = {.mode = RK_EXEC_JIT};
	struct rk_run_result result;
	int failed = 0;

	for (uint64_t i = 0; i < runs; i++)
		failed |= rk_prog_run(bc->vm_prog, bc->input, bc->prog->input_len, &jit, &result);
	if (failed || result.stop != RK_STOP_EXIT)
		bc->run_failed = true;
	return result.retval;
}

/* engines[0] is the baseline every ratio divides by; the JIT is last (JIT_ENGINE). */
static const struct bench_engine engines[] = {
	{"native", "clang -O2", false, 0, native_batch},
	{"interp", "rk_prog_run(RK_EXEC_FAST)", true, INTERP_TARGET_NS_PER_INSN, interp_batch},
	{"jit", "rk_prog_run(RK_EXEC_JIT)", true, 0, jit_batch},
};
#define ENGINE_COUNT (sizeof(engines) / sizeof(engines[0]))
#define BASELINE 0
#define INTERP_ENGINE 1
#define JIT_ENGINE 2

/* Engines in use: ENGINE_COUNT, or one fewer when the JIT cannot compile a program here. */
static size_t engine_count = ENGINE_COUNT;
static char jit_missing[RK_ERR_LEN + 64];

struct bench_opts {
	unsigned repeats;
	bool json;
	uint64_t seed;
	const char *dir;
	bool selected[PROG_COUNT];
};

static volatile uint64_t bench_sink; /* where timed results go, so they are used */


/* Read DIR/NAME.bin into a malloc'd instruction array. */
static int load_bytecode(const char *dir, const char *name, struct rk_insn **insns_out,
                         size_t *slot_count_out)
{
	char path[4096];
	long size;
	FILE *file;
	struct rk_insn *insns;

	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	file = fopen(path, "rb");
	if (!file) {
		fprintf(stderr, "rk-bench: %s: %s (make bench builds it)\n", path, strerror(errno));
		return -1;
	}
	if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
	    fseek(file, 0, SEEK_SET) != 0) {
		fprintf(stderr, "rk-bench: %s: %s\n", path, strerror(errno));
		fclose(file);
		return -1;
	}
	if (size == 0 || size % RK_INSN_SIZE) {
		fprintf(stderr, "rk-bench: %s: %ld bytes, not a whole number of %d-byte slots\n",
		        path, size, RK_INSN_SIZE);
		fclose(file);
		return -1;
	}
	insns = malloc((size_t)size);
	if (!insns || fread(insns, 1, (size_t)size, file) != (size_t)size) {
		fprintf(stderr, "rk-bench: %s: cannot read %ld bytes\n", path, size);
		free(insns);
		fclose(file);
		return -1;
	}
	fclose(file);
	*insns_out = insns;
	*slot_count_out = (size_t)size / RK_INSN_SIZE;
	return 0;
}

/*
 * Build bc's input, load and check its bytecode, count the instructions a
 * run executes, and make sure every engine agrees with native.
 */
static int bench_case_init(struct bench_case *bc, const struct bench_prog *prog,
                           const struct bench_opts *opts)
{
	const char *name = prog->name;
	char err[RK_ERR_LEN];
	struct rk_insn *insns;
	size_t alloc_len = (prog->input_len + INPUT_ALIGN - 1) / INPUT_ALIGN * INPUT_ALIGN;

	memset(bc, 0, sizeof(*bc));
	bc->prog = prog;
	bc->input = aligned_alloc(INPUT_ALIGN, alloc_len);
	if (!bc->input) {
		fprintf(stderr, "rk-bench: %s: out of memory\n", name);
		return -1;
	}
	memset(bc->input, 0, alloc_len);
	prog->make_input(bc->input, prog->input_len, opts->seed);

	if (load_bytecode(opts->dir, name, &insns, &bc->insn_slots) < 0)
		return -1;
	int rc = rk_prog_new(insns, bc->insn_slots, NULL, &bc->vm_prog, err, sizeof(err));
	free(insns);
	if (rc < 0) {
		fprintf(stderr, "rk-bench: %s: rk_prog_new: %s\n", name, err);
		return -1;
	}
	if (engine_count == ENGINE_COUNT && rk_prog_jit(bc->vm_prog, err, sizeof(err)) != 0) {
		snprintf(jit_missing, sizeof(jit_missing), "rk_prog_jit(%s) on %s: %s", name,
		         rk_jit_arch() ? rk_jit_arch() : "a machine without a JIT", err);
		fprintf(stderr, "rk-bench: no JIT column: %s\n", jit_missing);
		engine_count = ENGINE_COUNT - 1;
	}

	bc->expected = native_batch(bc, 1);

	/* The checked run counts instructions, and would catch a stray access. */
	const struct rk_run_opts checked = {
		.mode = RK_EXEC_CHECKED,
		.ctx_writable = false,
		.insn_limit = CHECKED_INSN_LIMIT,
	};
	struct rk_run_result result;
	rc = rk_prog_run(bc->vm_prog, bc->input, prog->input_len, &checked, &result);
	if (rc < 0 || result.stop != RK_STOP_EXIT) {
		fprintf(stderr, "rk-bench: %s: checked run stopped (%s) at insn %zu: %s\n", name,
		        rk_stop_name(result.stop), result.insn_index, result.message);
		return -1;
	}
	if (result.retval != bc->expected) {
		fprintf(stderr,
		        "rk-bench: %s: MISMATCH: checked interpreter returned 0x%016" PRIx64
		        ", native 0x%016" PRIx64 " (seed %" PRIu64 ")\n",
		        name, result.retval, bc->expected, opts->seed);
		return -1;
	}
	bc->insns_per_run = result.insns_executed;
	if (bc->insns_per_run == 0) {
		fprintf(stderr, "rk-bench: %s: the checked run counted no instructions\n", name);
		return -1;
	}

	for (size_t e = 0; e < engine_count; e++) {
		uint64_t retval = engines[e].run_batch(bc, 1);
		if (bc->run_failed) {
			fprintf(stderr, "rk-bench: %s: %s: the run failed\n", name, engines[e].name);
			return -1;
		}
		if (retval != bc->expected) {
			fprintf(stderr,
			        "rk-bench: %s: MISMATCH: %s returned 0x%016" PRIx64
			        ", native 0x%016" PRIx64 " (seed %" PRIu64 ")\n",
			        name, engines[e].name, retval, bc->expected, opts->seed);
			return -1;
		}
	}
	return 0;
}

static void bench_case_fini(struct bench_case *bc)
{
	rk_prog_free(bc->vm_prog);
	free(bc->input);
}

/* Time one batch and check its result; returns ns per run, or -1. */
static double time_batch(const struct bench_engine *engine, struct bench_case *bc, uint64_t runs)
{
	uint64_t start = bench_now_ns();
	uint64_t retval = engine->run_batch(bc, runs);
	uint64_t elapsed = bench_now_ns() - start;

	bench_sink = retval;
	if (bc->run_failed || retval != bc->expected) {
		fprintf(stderr, "rk-bench: %s: %s: a timed batch returned 0x%016" PRIx64
		        " instead of 0x%016" PRIx64 "\n",
		        bc->prog->name, engine->name, retval, bc->expected);
		return -1;
	}
	return (double)elapsed / (double)runs;
}

/* How many runs make a batch of about BATCH_NS. */
static int calibrate(const struct bench_engine *engine, struct bench_case *bc, uint64_t *runs_out)
{
	uint64_t runs = 1;
	double ns_per_run;

	for (;;) {
		ns_per_run = time_batch(engine, bc, runs);
		if (ns_per_run < 0)
			return -1;
		if (ns_per_run * (double)runs >= CALIBRATE_NS || runs >= (UINT64_C(1) << 32))
			break;
		runs *= 2;
	}
	double scaled = BATCH_NS / (ns_per_run > 0 ? ns_per_run : 1);
	*runs_out = scaled < 1 ? 1 : (uint64_t)scaled;
	return 0;
}

/* Results, indexed [case][engine]. */
struct bench_results {
	size_t case_count;
	double (*ns_per_run)[ENGINE_COUNT];
};

static double ns_per_insn(const struct bench_results *res, const struct bench_case *cases,
                          size_t c, size_t e)
{
	return res->ns_per_run[c][e] / (double)cases[c].insns_per_run;
}

static double ratio_to_baseline(const struct bench_results *res, size_t c, size_t e)
{
	return res->ns_per_run[c][e] / res->ns_per_run[c][BASELINE];
}

/* The median over the programs of an engine's ns/insn. */
static double median_ns_per_insn(const struct bench_results *res, const struct bench_case *cases,
                                 size_t e)
{
	double values[PROG_COUNT];

	for (size_t c = 0; c < res->case_count; c++)
		values[c] = ns_per_insn(res, cases, c, e);
	return bench_median(values, res->case_count);
}

/*
 * The geometric mean over the programs of jit/native.  Every program of
 * bench/progs/ is CPU-bound (no helper calls, no maps), so all count.
 */
static double jit_geomean(const struct bench_results *res)
{
	double log_sum = 0;

	for (size_t c = 0; c < res->case_count; c++)
		log_sum += log(ratio_to_baseline(res, c, JIT_ENGINE));
	return res->case_count ? exp(log_sum / (double)res->case_count) : 0;
}

static int run_benchmarks(struct bench_case *cases, size_t case_count, unsigned repeats,
                          struct bench_results *res)
{
	static uint64_t runs[PROG_COUNT][ENGINE_COUNT];
	double *samples = calloc(case_count * ENGINE_COUNT * repeats, sizeof(*samples));
	int rc = -1;

	if (!samples) {
		fprintf(stderr, "rk-bench: out of memory\n");
		return -1;
	}
	for (size_t c = 0; c < case_count; c++)
		for (size_t e = 0; e < engine_count; e++)
			if (calibrate(&engines[e], &cases[c], &runs[c][e]) < 0)
				goto out;

	for (unsigned r = 0; r < repeats; r++) {
		for (size_t c = 0; c < case_count; c++) {
			for (size_t e = 0; e < engine_count; e++) {
				double ns = time_batch(&engines[e], &cases[c], runs[c][e]);
				if (ns < 0)
					goto out;
				samples[(c * ENGINE_COUNT + e) * repeats + r] = ns;
			}
		}
	}
	for (size_t c = 0; c < case_count; c++)
		for (size_t e = 0; e < engine_count; e++)
			res->ns_per_run[c][e] =
				bench_median(&samples[(c * ENGINE_COUNT + e) * repeats], repeats);
	rc = 0;
out:
	free(samples);
	return rc;
}

/* "AMD EPYC 7B13" from /proc/cpuinfo, or "unknown". */
static void print_table(const struct bench_results *res, const struct bench_case *cases,
                        const struct bench_opts *opts)
{
	char cpu[256], heading[64];
	int name_width = (int)strlen("program");

	bench_cpu_model(cpu, sizeof(cpu));
	for (size_t c = 0; c < res->case_count; c++) {
		int len = (int)strlen(cases[c].prog->name);
		name_width = len > name_width ? len : name_width;
	}

	printf("rk-bench: %zu programs, median of %u repeats of ~%.0f ms batches, seed %" PRIu64
	       "\ncpu: %s\n",
	       res->case_count, opts->repeats, BATCH_NS / 1e6, opts->seed, cpu);
	for (size_t e = 0; e < engine_count; e++)
		printf("%s%s = %s", e ? ", " : "", engines[e].name, engines[e].how);
	printf("\n\n");

	printf("%-*s %6s %10s", name_width, "program", "slots", "insns/run");
	for (size_t e = 0; e < engine_count; e++) {
		snprintf(heading, sizeof(heading), "%s ns/run", engines[e].name);
		printf(" %15s", heading);
	}
	for (size_t e = 0; e < engine_count; e++) {
		if (!engines[e].runs_bytecode)
			continue;
		snprintf(heading, sizeof(heading), "%s ns/insn", engines[e].name);
		printf(" %15s", heading);
		snprintf(heading, sizeof(heading), "%s/%s", engines[e].name, engines[BASELINE].name);
		printf(" %15s", heading);
	}
	if (engine_count > JIT_ENGINE)
		printf(" %15s", "jit/interp");
	printf("\n");

	for (size_t c = 0; c < res->case_count; c++) {
		printf("%-*s %6zu %10" PRIu64, name_width, cases[c].prog->name, cases[c].insn_slots,
		       cases[c].insns_per_run);
		for (size_t e = 0; e < engine_count; e++)
			printf(" %15.1f", res->ns_per_run[c][e]);
		for (size_t e = 0; e < engine_count; e++) {
			if (!engines[e].runs_bytecode)
				continue;
			printf(" %15.2f", ns_per_insn(res, cases, c, e));
			printf(" %14.2fx", ratio_to_baseline(res, c, e));
		}
		if (engine_count > JIT_ENGINE)
			printf(" %14.2fx", res->ns_per_run[c][JIT_ENGINE] / res->ns_per_run[c][INTERP_ENGINE]);
		printf("\n");
	}
	printf("\n");

	for (size_t e = 0; e < engine_count; e++) {
		if (!engines[e].runs_bytecode)
			continue;
		double med = median_ns_per_insn(res, cases, e);
		printf("median %s ns/insn over %zu programs: %.2f", engines[e].name, res->case_count,
		       med);
		if (engines[e].target_ns_per_insn > 0)
			printf(" (target <= %.2f: %s)", engines[e].target_ns_per_insn,
			       med <= engines[e].target_ns_per_insn ? "met" : "NOT met");
		printf("\n");
	}
	if (engine_count > JIT_ENGINE) {
		double geomean = jit_geomean(res);
		printf("geomean jit/native over %zu CPU-bound programs: %.2f (target <= %.2f: %s; "
		       "for reference, the kernel's JIT ~%.2f, uBPF's ~%.1f)\n",
		       res->case_count, geomean, JIT_TARGET_GEOMEAN,
		       geomean <= JIT_TARGET_GEOMEAN ? "met" : "NOT met", KERNEL_JIT_GEOMEAN,
		       UBPF_JIT_GEOMEAN);
	} else {
		printf("jit: not measured: %s\n", jit_missing[0] ? jit_missing : "no JIT");
	}
}

static void print_json(const struct bench_results *res, const struct bench_case *cases,
                       const struct bench_opts *opts)
{
	char cpu[256];

	bench_cpu_model(cpu, sizeof(cpu));
	printf("{\n  \"cpu\": \"");
	for (const char *p = cpu; *p; p++)
		if (*p != '"' && *p != '\\')
			putchar(*p);
	printf("\",\n  \"repeats\": %u,\n  \"seed\": %" PRIu64 ",\n  \"baseline\": \"%s\",\n",
	       opts->repeats, opts->seed, engines[BASELINE].name);
	printf("  \"programs\": [\n");
	for (size_t c = 0; c < res->case_count; c++) {
		printf("    {\"name\": \"%s\", \"input_bytes\": %zu, \"slots\": %zu, "
		       "\"insns_per_run\": %" PRIu64 ", \"result\": \"0x%016" PRIx64 "\",\n",
		       cases[c].prog->name, cases[c].prog->input_len, cases[c].insn_slots,
		       cases[c].insns_per_run, cases[c].expected);
		printf("     \"engines\": {");
		for (size_t e = 0; e < engine_count; e++) {
			printf("%s\"%s\": {\"ns_per_run\": %.2f", e ? ", " : "", engines[e].name,
			       res->ns_per_run[c][e]);
			if (engines[e].runs_bytecode)
				printf(", \"ns_per_insn\": %.4f, \"ratio_to_baseline\": %.3f",
				       ns_per_insn(res, cases, c, e), ratio_to_baseline(res, c, e));
			printf("}");
		}
		printf("}}%s\n", c + 1 < res->case_count ? "," : "");
	}
	printf("  ],\n  \"summary\": {");
	bool first = true;
	for (size_t e = 0; e < engine_count; e++) {
		if (!engines[e].runs_bytecode)
			continue;
		double med = median_ns_per_insn(res, cases, e);
		printf("%s\"%s\": {\"median_ns_per_insn\": %.4f", first ? "" : ", ", engines[e].name,
		       med);
		if (engines[e].target_ns_per_insn > 0)
			printf(", \"target_ns_per_insn\": %.2f, \"target_met\": %s",
			       engines[e].target_ns_per_insn,
			       med <= engines[e].target_ns_per_insn ? "true" : "false");
		printf("}");
		first = false;
	}
	if (engine_count > JIT_ENGINE)
		printf(", \"jit_geomean_ratio_to_baseline\": %.4f, \"jit_geomean_target\": %.2f",
		       jit_geomean(res), JIT_TARGET_GEOMEAN);
	printf("}\n}\n");
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: rk-bench [--repeat N] [--json] [--seed N] [--dir DIR] [PROGRAM...]\n"
	        "  --repeat N  timed repeats per program and engine (default %d; medians)\n"
	        "  --json      print JSON instead of the table\n"
	        "  --seed N    seed of the generated inputs (default %" PRIu64 ")\n"
	        "  --dir DIR   where PROGRAM.bin are (default %s)\n"
	        "programs:\n",
	        DEFAULT_REPEATS, (uint64_t)DEFAULT_SEED, RK_BENCH_DIR);
	for (size_t p = 0; p < PROG_COUNT; p++)
		fprintf(out, "  %-14s %s\n", bench_progs[p].name, bench_progs[p].what);
}

static int parse_u64(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return errno || end == text || *end || text[0] == '-' ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct bench_opts *opts)
{
	bool any_selected = false;
	uint64_t value;

	opts->repeats = DEFAULT_REPEATS;
	opts->json = false;
	opts->seed = DEFAULT_SEED;
	opts->dir = RK_BENCH_DIR;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--json")) {
			opts->json = true;
		} else if (!strcmp(arg, "--repeat") && has_value) {
			if (parse_u64(argv[++i], &value) < 0 || value == 0 || value > 10000) {
				fprintf(stderr, "rk-bench: --repeat wants 1..10000, not %s\n", argv[i]);
				return -1;
			}
			opts->repeats = (unsigned)value;
		} else if (!strcmp(arg, "--seed") && has_value) {
			if (parse_u64(argv[++i], &opts->seed) < 0) {
				fprintf(stderr, "rk-bench: --seed wants a number, not %s\n", argv[i]);
				return -1;
			}
		} else if (!strcmp(arg, "--dir") && has_value) {
			opts->dir = argv[++i];
		} else if (arg[0] == '-') {
			fprintf(stderr, "rk-bench: unknown or incomplete option %s\n", arg);
			usage(stderr);
			return -1;
		} else {
			size_t p = 0;
			while (p < PROG_COUNT && strcmp(bench_progs[p].name, arg))
				p++;
			if (p == PROG_COUNT) {
				fprintf(stderr, "rk-bench: no program named %s\n", arg);
				usage(stderr);
				return -1;
			}
			opts->selected[p] = true;
			any_selected = true;
		}
	}
	if (!any_selected)
		for (size_t p = 0; p < PROG_COUNT; p++)
			opts->selected[p] = true;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench_opts opts;
	static struct bench_case cases[PROG_COUNT];
	static double ns_per_run[PROG_COUNT][ENGINE_COUNT];
	struct bench_results res = {.case_count = 0, .ns_per_run = ns_per_run};
	int status = 1;

	if (parse_args(argc, argv, &opts) < 0)
		return 2;
	for (size_t p = 0; p < PROG_COUNT; p++) {
		if (!opts.selected[p])
			continue;
		if (bench_case_init(&cases[res.case_count++], &bench_progs[p], &opts) < 0)
			goto out;
	}
	if (run_benchmarks(cases, res.case_count, opts.repeats, &res) < 0)
		goto out;
	if (opts.json)
		print_json(&res, cases, &opts);
	else
		print_table(&res, cases, &opts);
	if (!opts.json && jit_bench_run(stdout, opts.repeats) < 0)
		goto out;
	status = 0;
out:
	for (size_t c = 0; c < res.case_count; c++)
		bench_case_fini(&cases[c]);
	return status;
}
