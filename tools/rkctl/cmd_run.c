/*
 * cmd_run.c - rkctl run: load a program, run it on bytes given as its
 * context, print retval and the median duration per run (like
 * `bpftool prog run`).  The context is a private, writable copy of the
 * input; --data-out saves it after the last run.
 *
 * Until the verifier lands, nothing proves a program safe before it runs,
 * and the fast interpreter checks nothing.  So a fast run is preceded by a
 * checked run on the same input: a program that would touch memory outside
 * its stack and context, read what it never wrote, or loop without end is
 * stopped there with a report instead of crashing rkctl.  With no helpers,
 * the same input takes the same path, so the fast runs that follow are safe.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/file_io.h"
#include "../common/hex.h"
#include "../common/program_file.h"
#include "commands.h"
#include "rkbpf.h"

#define RUN_MAX_BATCHES 21
#define RUN_MAX_REPEAT 100000000L
#define CHECKED_INSN_LIMIT 10000000ull

struct run_args {
	const char *program;
	const char *data_in;
	const char *data_out;
	const char *mem_hex;
	long repeat;
	enum rk_exec_mode mode;
	int json;
};

static int parse_args(int argc, char **argv, struct run_args *args)
{
	*args = (struct run_args){.repeat = 1, .mode = RK_EXEC_FAST};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--data-in") == 0 && value) {
			args->data_in = value, i++;
		} else if (strcmp(arg, "--data-out") == 0 && value) {
			args->data_out = value, i++;
		} else if (strcmp(arg, "--mem") == 0 && value) {
			args->mem_hex = value, i++;
		} else if (strcmp(arg, "--repeat") == 0 && value) {
			char *end;
			args->repeat = strtol(value, &end, 10);
			if (*end || args->repeat < 1 || args->repeat > RUN_MAX_REPEAT) {
				fprintf(stderr, "rkctl run: --repeat wants 1..%ld, got '%s'\n",
				        RUN_MAX_REPEAT, value);
				return -1;
			}
			i++;
		} else if (strcmp(arg, "--interp") == 0) {
			args->mode = RK_EXEC_FAST;
		} else if (strcmp(arg, "--checked") == 0) {
			args->mode = RK_EXEC_CHECKED;
		} else if (strcmp(arg, "--jit") == 0) {
			fprintf(stderr, "rkctl run: --jit: this build has no JIT yet; use --interp\n");
			return -1;
		} else if (strcmp(arg, "--json") == 0) {
			args->json = 1;
		} else if (!args->program && arg[0] != '-') {
			args->program = arg;
		} else {
			fprintf(stderr, "rkctl run: unexpected argument '%s'%s\n", arg,
			        value ? "" : " (or missing value)");
			return -1;
		}
	}
	if (!args->program) {
		fprintf(stderr, "usage: rkctl run PROG [--data-in FILE | --mem HEX] ...\n");
		return -1;
	}
	if (args->data_in && args->mem_hex) {
		fprintf(stderr, "rkctl run: give --data-in or --mem, not both\n");
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int rkctl_cmd_run(int argc, char **argv)
{
	struct run_args args;
	if (parse_args(argc, argv, &args))
		return RKCTL_EXIT_USAGE;

	char err[RK_ERR_LEN + 256];
	uint8_t *data = NULL;
	size_t data_len = 0;
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	struct rk_prog *prog = NULL;
	int status = RKCTL_EXIT_FAILED;

	if (args.data_in && rk_file_read(args.data_in, &data, &data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --data-in %s\n", err);
		goto out;
	}
	if (args.mem_hex && rk_hex_parse(args.mem_hex, &data, &data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --mem: %s\n", err);
		goto out;
	}
	if (rk_program_file_load(args.program, &insns, &insn_count, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: %s\n", err);
		goto out;
	}
	char prog_err[RK_ERR_LEN];
	if (rk_prog_new(insns, insn_count, NULL, &prog, prog_err, sizeof(prog_err))) {
		fprintf(stderr, "rkctl run: %s: %s\n", args.program, prog_err);
		goto out;
	}

	/* The pristine input, restored before each run so that every run sees the same bytes. */
	uint8_t *ctx = data_len ? malloc(data_len) : NULL;
	if (data_len && !ctx) {
		fprintf(stderr, "rkctl run: out of memory\n");
		goto out;
	}
	struct rk_run_opts opts = {.mode = args.mode, .ctx_writable = true,
	                           .insn_limit = CHECKED_INSN_LIMIT};
	struct rk_run_result result;
	if (args.mode == RK_EXEC_FAST) {
		struct rk_run_opts preflight = opts;
		preflight.mode = RK_EXEC_CHECKED;
		if (data_len)
			memcpy(ctx, data, data_len);
		if (rk_prog_run(prog, ctx, data_len, &preflight, &result)) {
			fprintf(stderr, "rkctl run: %s: stopped (%s): %s\n", args.program,
			        rk_stop_name(result.stop), result.message);
			free(ctx);
			goto out;
		}
	}
	uint64_t preflight_retval = result.retval;
	long batches = args.repeat < RUN_MAX_BATCHES ? args.repeat : RUN_MAX_BATCHES;
	long per_batch = args.repeat / batches;
	uint64_t batch_ns[RUN_MAX_BATCHES];
	int rc = 0;
	for (long batch = 0; batch < batches && rc == 0; batch++) {
		long runs = per_batch + (batch < args.repeat % batches);
		uint64_t elapsed = 0;
		for (long run = 0; run < runs && rc == 0; run++) {
			if (data_len)
				memcpy(ctx, data, data_len);
			uint64_t start = now_ns();
			rc = rk_prog_run(prog, ctx, data_len, &opts, &result);
			elapsed += now_ns() - start;
		}
		batch_ns[batch] = elapsed / (uint64_t)runs;
	}
	if (rc) {
		fprintf(stderr, "rkctl run: %s: stopped (%s): %s\n", args.program,
		        rk_stop_name(result.stop), result.message);
		free(ctx);
		goto out;
	}
	if (args.mode == RK_EXEC_FAST && result.retval != preflight_retval) {
		/* Same program, same input: the two interpreters must agree. */
		fprintf(stderr,
		        "rkctl run: %s: internal error: fast run returned 0x%" PRIx64
		        ", checked run 0x%" PRIx64 "; please report this with the program\n",
		        args.program, result.retval, preflight_retval);
		free(ctx);
		goto out;
	}
	qsort(batch_ns, (size_t)batches, sizeof(batch_ns[0]), compare_u64);
	uint64_t median_ns = batch_ns[batches / 2];

	if (args.data_out && rk_file_write(args.data_out, ctx, data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --data-out %s\n", err);
		free(ctx);
		goto out;
	}
	free(ctx);
	if (args.json) {
		printf("{\"retval\": \"0x%" PRIx64 "\", \"retval_dec\": %" PRIu64
		       ", \"duration_ns\": %" PRIu64 ", \"repeat\": %ld, \"mode\": \"%s\", "
		       "\"stop\": \"%s\"",
		       result.retval, result.retval, median_ns, args.repeat,
		       args.mode == RK_EXEC_CHECKED ? "checked" : "interp", rk_stop_name(result.stop));
		if (args.mode == RK_EXEC_CHECKED)
			printf(", \"insns_executed\": %" PRIu64, result.insns_executed);
		printf("}\n");
	} else {
		printf("retval 0x%" PRIx64 "\n", result.retval);
		printf("duration_ns %" PRIu64 "\n", median_ns);
		if (args.mode == RK_EXEC_CHECKED)
			printf("insns_executed %" PRIu64 "\n", result.insns_executed);
	}
	status = RKCTL_EXIT_OK;
out:
	rk_prog_free(prog);
	free(insns);
	free(data);
	return status;
}
