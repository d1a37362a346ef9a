/*
 * verify_bench.c - rk-verify-bench: what rk_verify() costs in time and
 * heap, on generated programs of robotics shapes from 100 to 1,000,000
 * instructions (bench/verify_shapes.h) and on every example program.
 *
 *   rk-verify-bench [--repeat N] [--max-insns N] [--examples DIR] [SHAPE...]
 *
 * The targets (from the verifier's issue): a 1,000-instruction program in
 * <= 32 KiB of peak heap and <= 1 ms; memory independent of the number of
 * paths; time linear in the size of the program.
 *
 * What must stay true:
 *   - every program is accepted before it is timed, and every timed call
 *     is checked again: a rejection is a failure of the benchmark (exit 1,
 *     with the verifier's message), never a fast row;
 *   - every generated program also runs once in checked mode, within the
 *     instruction bound the verifier gave: the programs are what they
 *     claim to be, and the bound holds on that run;
 *   - peak heap is measured from outside the verifier: the binary is
 *     linked with malloc, calloc, realloc and free wrapped
 *     (verify_heap.h), and the figure is the most bytes live at once
 *     during one rk_verify() call above those live before it.  The
 *     verifier's own count (rk_verify_result.peak_bytes) is printed next
 *     to it, as a cross-check of both;
 *   - time is the median of repeats of one call each, after a first call
 *     (the heap measurement) that warms caches; ns/insn divides by the
 *     program's slots.  It is the thread's CPU time, not the wall clock:
 *     verification never waits, and on a shared machine (two cores, other
 *     jobs) the wall clock of a 10-second call mostly measures the
 *     neighbours.  Programs of LARGE_PROG_INSNS or more get at most
 *     LARGE_PROG_REPEATS calls, and fewer once LARGE_PROG_BUDGET_NS is
 *     spent, so that a slow verifier still gives a table in ~30 s.
 */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "rkbpf.h"
#include "verify_heap.h"
#include "verify_shapes.h"

#ifndef RK_EXAMPLES_DIR
#define RK_EXAMPLES_DIR "build/examples" /* where examples.mk puts NAME.o */
#endif

#define DEFAULT_REPEATS 21
#define LARGE_PROG_INSNS 100000     /* programs at least this big are timed ... */
#define LARGE_PROG_REPEATS 3        /* ... at most this many times, and ... */
#define LARGE_PROG_BUDGET_NS 2e9    /* ... no more once their calls took this long */
#define MAX_REPEATS 10000
#define EXAMPLE_CTX_BYTES 512       /* a hook's context, for non-"data" examples */
#define EXAMPLE_MAX_BYTES (64u * 1024 * 1024)

/* The targets of the issue, and the proposal's promise for reference. */
#define TARGET_INSNS 1000
#define TARGET_PEAK_KIB 32.0
#define TARGET_TIME_MS 1.0
#define PROPOSAL_PEAK_KB 50.0
#define LINEAR_FROM_INSNS 10000     /* linearity: ns/insn here ... */
#define LINEAR_TO_INSNS 1000000     /* ... against here */
#define LINEAR_TOLERANCE 1.5        /* a ratio above this is not "linear" */
#define PATHS_BASE_INSNS 1000       /* memory against paths: this program ... */
#define PATHS_MORE_INSNS 10000      /* ... against the one with 10x the branches */
#define PATHS_TOLERANCE 1.25        /* more than this much growth is not "independent" */

static const size_t sizes[] = {100, 1000, 10000, 1000000};
#define SIZE_COUNT (sizeof(sizes) / sizeof(sizes[0]))

struct row {
	char name[96];              /* shape, or example file:program */
	bool is_example;
	size_t target_insns;        /* shapes: the size asked for */
	size_t insn_count;          /* slots */
	size_t branch_count;        /* shapes: conditional jumps */
	double log10_paths;         /* shapes: < 0 when the program loops */
	double median_ns;
	unsigned repeats;           /* timed calls the median is of */
	size_t heap_peak;           /* counting allocator */
	struct rk_verify_result result;
	bool measured;
};

struct bench_opts {
	unsigned repeats;
	size_t max_insns;
	const char *examples_dir;
	bool shape_selected[VSHAPE_COUNT];
};

/* CPU time of this thread, in nanoseconds. */
static uint64_t cpu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Verify prog once for its heap, then repeats more times for its time (at
 * least once, and no more once budget_ns is spent).  Fills row; -1
 * (message printed) when the verifier rejects it.
 */
static int measure(struct row *row, const struct rk_prog *prog, const struct rk_ctx_desc *ctx,
                   unsigned repeats, double budget_ns)
{
	struct rk_verify_opts vopts = {.ctx = ctx};
	char err[RK_VERIFY_ERR_LEN];
	double *samples = malloc(repeats * sizeof(*samples));

	if (!samples) {
		fprintf(stderr, "rk-verify-bench: out of memory\n");
		return -1;
	}
	heap_count_reset();
	int rc = rk_verify(prog, &vopts, &row->result, err, sizeof(err));
	row->heap_peak = heap_count_peak();
	long long leaked = heap_count_live();
	if (rc < 0) {
		fprintf(stderr, "rk-verify-bench: %s (%zu insns): REJECTED (%s): %s\n", row->name,
		        row->insn_count, strerror(-rc), err);
		free(samples);
		return -1;
	}
	if (leaked != 0)
		fprintf(stderr, "rk-verify-bench: %s: %lld bytes still live after rk_verify\n",
		        row->name, leaked);

	unsigned done = 0;
	double spent_ns = 0;
	for (unsigned r = 0; r < repeats && (r == 0 || spent_ns < budget_ns); r++) {
		struct rk_verify_result again;
		uint64_t start = cpu_now_ns();
		rc = rk_verify(prog, &vopts, &again, err, sizeof(err));
		uint64_t elapsed = cpu_now_ns() - start;
		if (rc < 0 || again.insn_bound != row->result.insn_bound) {
			fprintf(stderr, "rk-verify-bench: %s: repeat %u gave another verdict (%d): %s\n",
			        row->name, r, rc, err);
			free(samples);
			return -1;
		}
		samples[r] = (double)elapsed;
		spent_ns += (double)elapsed;
		done++;
	}
	row->repeats = done;
	row->median_ns = bench_median(samples, done);
	row->measured = true;
	free(samples);
	return 0;
}

/* ---- generated programs ------------------------------------------------- */

/*
 * Run an accepted program once in checked mode, on a pseudo-random frame
 * and map value: no violation, and no more instructions than the bound
 * the verifier proved.  A failure means the generator or the verifier is
 * wrong; either way the figures would mean nothing.
 */
static int check_run(const struct row *row, const struct rk_prog *prog, struct rk_map *map)
{
	static uint8_t frame[VSHAPE_CTX_BYTES] __attribute__((aligned(8)));
	uint32_t key = 0, seed = 0x726b4250u + (uint32_t)row->insn_count;
	uint8_t *value = rk_map_lookup(map, &key);

	for (size_t k = 0; k < sizeof(frame); k++)
		frame[k] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);
	for (size_t k = 0; value && k < VSHAPE_MAP_VALUE_BYTES; k++)
		value[k] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);
	struct rk_region region = {.name = "map:controller", .start = (uintptr_t)value,
	                           .len = VSHAPE_MAP_VALUE_BYTES, .writable = true};
	struct rk_run_opts run_opts = {.mode = RK_EXEC_CHECKED, .regions = &region,
	                               .region_count = value ? 1 : 0,
	                               .insn_limit = row->result.insn_bound + 1};
	struct rk_run_result result;
	int rc = rk_prog_run(prog, frame, sizeof(frame), &run_opts, &result);
	if (rc < 0 || result.stop != RK_STOP_EXIT || result.insns_executed > row->result.insn_bound) {
		fprintf(stderr,
		        "rk-verify-bench: %s (%zu insns): accepted with insn_bound %" PRIu64
		        ", but a checked run stopped (%s) at insn %zu after %" PRIu64 " insns: %s\n",
		        row->name, row->insn_count, row->result.insn_bound, rk_stop_name(result.stop),
		        result.insn_index, result.insns_executed, result.message);
		return -1;
	}
	return 0;
}

static int bench_shape(struct row *row, enum vshape shape, size_t target_insns,
                       struct rk_map *map, const struct bench_opts *opts)
{
	char err[RK_ERR_LEN];
	struct vshape_prog gen;
	struct rk_prog *prog = NULL;

	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", vshape_name(shape));
	row->target_insns = target_insns;
	if (vshape_generate(shape, target_insns, &gen) < 0) {
		fprintf(stderr, "rk-verify-bench: %s: out of memory\n", row->name);
		return -1;
	}
	row->insn_count = gen.insn_count;
	row->branch_count = gen.branch_count;
	row->log10_paths = gen.log10_paths;

	int rc = gen.uses_map ? rk_prog_new_maps(gen.insns, gen.insn_count, rk_helpers_standard(),
	                                         &map, 1, &prog, err, sizeof(err))
	                      : rk_prog_new(gen.insns, gen.insn_count, NULL, &prog, err,
	                                    sizeof(err));
	vshape_prog_free(&gen);
	if (rc < 0) {
		fprintf(stderr, "rk-verify-bench: %s (%zu insns): rk_prog_new: %s\n", row->name,
		        row->insn_count, err);
		return -1;
	}
	bool large = row->insn_count >= LARGE_PROG_INSNS;
	unsigned repeats = large && opts->repeats > LARGE_PROG_REPEATS ? LARGE_PROG_REPEATS
	                                                               : opts->repeats;
	rc = measure(row, prog, &vshape_ctx_desc, repeats, large ? LARGE_PROG_BUDGET_NS : 1e300);
	if (rc == 0)
		rc = check_run(row, prog, map);
	rk_prog_free(prog);
	return rc;
}

/* ---- example programs ----------------------------------------------------- */

static const struct rk_ctx_desc example_ctx_desc = {
	.name = "hook context",
	.size = EXAMPLE_CTX_BYTES,
};

static int read_file(const char *path, uint8_t **data_out, size_t *len_out)
{
	FILE *file = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;

	if (!file) {
		fprintf(stderr, "rk-verify-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
	    (unsigned long)size > EXAMPLE_MAX_BYTES || fseek(file, 0, SEEK_SET) != 0 ||
	    !(data = malloc(size ? (size_t)size : 1)) ||
	    fread(data, 1, (size_t)size, file) != (size_t)size) {
		fprintf(stderr, "rk-verify-bench: %s: cannot read it\n", path);
		free(data);
		fclose(file);
		return -1;
	}
	fclose(file);
	*data_out = data;
	*len_out = (size_t)size;
	return 0;
}

/* Every program of every object DIR/NAME.o; rows are appended to *rows. */
static int bench_examples(const struct bench_opts *opts, struct row **rows, size_t *row_count)
{
	char pattern[4096], err[RK_ERR_LEN + 256];
	glob_t found;
	int status = 0;

	snprintf(pattern, sizeof(pattern), "%s/*.o", opts->examples_dir);
	int grc = glob(pattern, 0, NULL, &found);
	if (grc == GLOB_NOMATCH) {
		fprintf(stderr, "rk-verify-bench: no %s (make examples builds them)\n", pattern);
		return -1;
	}
	if (grc != 0) {
		fprintf(stderr, "rk-verify-bench: %s: glob failed\n", pattern);
		return -1;
	}
	for (size_t f = 0; f < found.gl_pathc && status == 0; f++) {
		const char *path = found.gl_pathv[f];
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		uint8_t *elf;
		size_t elf_len;
		struct rk_obj *obj = NULL;
		struct rk_obj_opts obj_opts = {.name = path};

		if (read_file(path, &elf, &elf_len) < 0) {
			status = -1;
			break;
		}
		if (rk_obj_load(elf, elf_len, &obj_opts, &obj, err, sizeof(err)) < 0) {
			fprintf(stderr, "rk-verify-bench: %s\n", err);
			free(elf);
			status = -1;
			break;
		}
		for (size_t p = 0; p < rk_obj_prog_count(obj); p++) {
			struct rk_prog *prog = rk_obj_prog(obj, p);
			const char *section = rk_prog_section(prog);
			bool data = section && strcmp(section, "data") == 0;
			struct row *grown = realloc(*rows, (*row_count + 1) * sizeof(**rows));
			if (!grown) {
				fprintf(stderr, "rk-verify-bench: out of memory\n");
				status = -1;
				break;
			}
			*rows = grown;
			struct row *row = &(*rows)[(*row_count)++];
			memset(row, 0, sizeof(*row));
			row->is_example = true;
			snprintf(row->name, sizeof(row->name), "%.30s:%.30s (%.20s)", base,
			         rk_prog_name(prog), section ? section : "?");
			row->insn_count = rk_prog_insn_count(prog);
			row->log10_paths = -1;
			if (measure(row, prog, data ? &rk_ctx_desc_data : &example_ctx_desc,
			            opts->repeats, 1e300) < 0) {
				status = -1;
				break;
			}
		}
		rk_obj_free(obj);
		free(elf);
	}
	globfree(&found);
	return status;
}

/* ---- the report ------------------------------------------------------------- */

static void format_time(double ns, char *buf, size_t len)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
}

static double ns_per_insn(const struct row *row)
{
	return row->median_ns / (double)row->insn_count;
}

#define NAME_WIDTH 44

static void print_header(const char *first)
{
	printf("%-*s %8s %8s %8s %10s %5s %8s %10s %10s %9s %10s %6s\n", NAME_WIDTH, first, "insns",
	       "branches", "paths", "time", "calls", "ns/insn", "peak heap", "verif.peak",
	       "analysed", "insn_bound", "loops");
}

static void print_row(const struct row *row)
{
	char time[32], paths[32], branches[32];

	format_time(row->median_ns, time, sizeof(time));
	if (row->log10_paths >= 0)
		snprintf(paths, sizeof(paths), "1e%.0f", row->log10_paths);
	else
		snprintf(paths, sizeof(paths), "-");
	if (row->is_example)
		snprintf(branches, sizeof(branches), "-");
	else
		snprintf(branches, sizeof(branches), "%zu", row->branch_count);
	printf("%-*s %8zu %8s %8s %10s %5u %8.1f %10zu %10zu %9" PRIu64 " %10" PRIu64 " %6u\n",
	       NAME_WIDTH, row->name, row->insn_count, branches, paths, time, row->repeats,
	       ns_per_insn(row), row->heap_peak, row->result.peak_bytes, row->result.insns_analysed,
	       row->result.insn_bound, row->result.loops);
}

static const struct row *find_row(const struct row rows[VSHAPE_COUNT][SIZE_COUNT],
                                  enum vshape shape, size_t target_insns)
{
	for (size_t s = 0; s < SIZE_COUNT; s++)
		if (sizes[s] == target_insns && rows[shape][s].measured)
			return &rows[shape][s];
	return NULL;
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT met";
}

static void print_checks(const struct row rows[VSHAPE_COUNT][SIZE_COUNT])
{
	printf("\nchecks against the targets:\n");
	for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++) {
		const struct row *row = find_row(rows, shape, TARGET_INSNS);
		if (!row)
			continue;
		double kib = (double)row->heap_peak / 1024, ms = row->median_ns / 1e6;
		printf("  %-14s %5zu insns: peak %6.1f KiB (target <= %.0f: %s; proposal %.0f KB: "
		       "%s), time %.3f ms (target <= %.0f: %s)\n",
		       vshape_name(shape), row->insn_count, kib, TARGET_PEAK_KIB,
		       verdict(kib <= TARGET_PEAK_KIB), PROPOSAL_PEAK_KB,
		       verdict((double)row->heap_peak <= PROPOSAL_PEAK_KB * 1000), ms, TARGET_TIME_MS,
		       verdict(ms <= TARGET_TIME_MS));
	}

	const struct row *base = find_row(rows, VSHAPE_STATE_MACHINE, PATHS_BASE_INSNS);
	const struct row *more = find_row(rows, VSHAPE_STATE_MACHINE, PATHS_MORE_INSNS);
	const struct row *most = find_row(rows, VSHAPE_STATE_MACHINE, sizes[SIZE_COUNT - 1]);
	if (base && more) {
		double ratio = (double)more->heap_peak / (double)base->heap_peak;
		printf("  memory against paths: state_machine with %.1fx the branches (paths "
		       "10^%.0f -> 10^%.0f): peak %zu -> %zu bytes, ratio %.2f "
		       "(independent of paths if <= %.2f: %s)\n",
		       (double)more->branch_count / (double)base->branch_count, base->log10_paths,
		       more->log10_paths, base->heap_peak, more->heap_peak, ratio, PATHS_TOLERANCE,
		       verdict(ratio <= PATHS_TOLERANCE));
	}
	if (base && most)
		printf("  memory against paths: state_machine %zu -> %zu insns (paths 10^%.0f): peak "
		       "%zu -> %zu bytes, ratio %.2f\n",
		       base->insn_count, most->insn_count, most->log10_paths, base->heap_peak,
		       most->heap_peak, (double)most->heap_peak / (double)base->heap_peak);

	for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++) {
		const struct row *from = find_row(rows, shape, TARGET_INSNS);
		const struct row *to = find_row(rows, shape, sizes[SIZE_COUNT - 1]);
		if (from && to)
			printf("  memory against size: %-14s peak at %zu / at %zu insns: %zu / %zu = "
			       "%.2f\n",
			       vshape_name(shape), to->insn_count, from->insn_count, to->heap_peak,
			       from->heap_peak, (double)to->heap_peak / (double)from->heap_peak);
	}
	for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++) {
		const struct row *from = find_row(rows, shape, LINEAR_FROM_INSNS);
		const struct row *to = find_row(rows, shape, LINEAR_TO_INSNS);
		if (!from || !to)
			continue;
		double ratio = ns_per_insn(to) / ns_per_insn(from);
		printf("  linearity: %-14s ns/insn at %zu / at %zu insns: %.2f / %.2f = %.2f "
		       "(linear if <= %.1f: %s)\n",
		       vshape_name(shape), to->insn_count, from->insn_count, ns_per_insn(to),
		       ns_per_insn(from), ratio, LINEAR_TOLERANCE, verdict(ratio <= LINEAR_TOLERANCE));
	}
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: rk-verify-bench [--repeat N] [--max-insns N] [--examples DIR] [SHAPE...]\n"
	        "  --repeat N      timed calls per program (default %d; programs of %d insns\n"
	        "                  or more: at most %d, fewer when they are slow); the median\n"
	        "                  is reported\n"
	        "  --max-insns N   skip generated programs bigger than N (default: none)\n"
	        "  --examples DIR  where the example objects NAME.o are (default %s)\n"
	        "shapes (default: all):",
	        DEFAULT_REPEATS, LARGE_PROG_INSNS, LARGE_PROG_REPEATS, RK_EXAMPLES_DIR);
	for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++)
		fprintf(out, " %s", vshape_name(shape));
	fprintf(out, "\n");
}

static int parse_count(const char *text, unsigned long long max, unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return errno || end == text || *end || text[0] == '-' || *value == 0 || *value > max ? -1
	                                                                                     : 0;
}

static int parse_args(int argc, char **argv, struct bench_opts *opts)
{
	unsigned long long value;
	bool any_selected = false;

	memset(opts, 0, sizeof(*opts));
	opts->repeats = DEFAULT_REPEATS;
	opts->max_insns = SIZE_MAX;
	opts->examples_dir = RK_EXAMPLES_DIR;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool has_value = i + 1 < argc;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--repeat") && has_value) {
			if (parse_count(argv[++i], MAX_REPEATS, &value) < 0) {
				fprintf(stderr, "rk-verify-bench: --repeat wants 1..%d, not %s\n",
				        MAX_REPEATS, argv[i]);
				return -1;
			}
			opts->repeats = (unsigned)value;
		} else if (!strcmp(arg, "--max-insns") && has_value) {
			if (parse_count(argv[++i], SIZE_MAX, &value) < 0) {
				fprintf(stderr, "rk-verify-bench: --max-insns wants a count, not %s\n",
				        argv[i]);
				return -1;
			}
			opts->max_insns = (size_t)value;
		} else if (!strcmp(arg, "--examples") && has_value) {
			opts->examples_dir = argv[++i];
		} else if (arg[0] == '-') {
			fprintf(stderr, "rk-verify-bench: unknown or incomplete option %s\n", arg);
			usage(stderr);
			return -1;
		} else {
			enum vshape shape = 0;
			while (shape < VSHAPE_COUNT && strcmp(vshape_name(shape), arg))
				shape++;
			if (shape == VSHAPE_COUNT) {
				fprintf(stderr, "rk-verify-bench: no shape named %s\n", arg);
				usage(stderr);
				return -1;
			}
			opts->shape_selected[shape] = any_selected = true;
		}
	}
	if (!any_selected)
		for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++)
			opts->shape_selected[shape] = true;
	return 0;
}

int main(int argc, char **argv)
{
	static struct row rows[VSHAPE_COUNT][SIZE_COUNT];
	struct bench_opts opts;
	struct rk_map_def map_def;
	struct rk_map *map = NULL;
	struct row *example_rows = NULL;
	size_t example_count = 0;
	char err[RK_ERR_LEN], cpu[256];
	int status = 1;

	if (parse_args(argc, argv, &opts) < 0)
		return 2;
	vshape_map_def(&map_def);
	if (rk_map_new(&map_def, NULL, &map, err, sizeof(err)) < 0) {
		fprintf(stderr, "rk-verify-bench: rk_map_new: %s\n", err);
		return 1;
	}

	bench_cpu_model(cpu, sizeof(cpu));
	printf("rk-verify-bench: rk_verify() on generated programs and on the examples\n"
	       "time: median thread CPU time of `calls` calls after a first one; "
	       "paths: entry-to-exit paths (acyclic programs)\n"
	       "peak heap: most bytes live at once during one call, by a counting allocator "
	       "(-Wl,--wrap=malloc,...);\n"
	       "verif.peak: the verifier's own count (rk_verify_result.peak_bytes); "
	       "analysed: rk_verify_result.insns_analysed\n"
	       "cpu: %s\n\n",
	       cpu);
	print_header("shape");
	for (enum vshape shape = 0; shape < VSHAPE_COUNT; shape++) {
		for (size_t s = 0; s < SIZE_COUNT; s++) {
			if (!opts.shape_selected[shape] || sizes[s] > opts.max_insns)
				continue;
			if (bench_shape(&rows[shape][s], shape, sizes[s], map, &opts) < 0)
				goto out;
			print_row(&rows[shape][s]);
			fflush(stdout);
		}
	}
	print_checks((const struct row(*)[SIZE_COUNT])rows);

	printf("\nexample programs (%s; SEC(\"data\"): rk_ctx_desc_data, others: %u read-only "
	       "bytes):\n",
	       opts.examples_dir, EXAMPLE_CTX_BYTES);
	print_header("example:program");
	int examples_rc = bench_examples(&opts, &example_rows, &example_count);
	for (size_t r = 0; r < example_count; r++)
		if (example_rows[r].measured)
			print_row(&example_rows[r]);
	if (examples_rc < 0)
		goto out;
	status = 0;
out:
	free(example_rows);
	rk_map_free(map);
	return status;
}
