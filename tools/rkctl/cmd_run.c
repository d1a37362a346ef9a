/*
 * cmd_run.c - rkctl run: load a program (ELF object, assembly or raw
 * bytecode), verify it, run it on bytes given as its context, print retval
 * and the median duration per run (like `bpftool prog run`).  Maps keep
 * their state across runs, as in the kernel.
 *
 * The context is a private copy of the input in a buffer of the size the
 * verifier was told (prog_ctx.h): RK_DATA_CTX_BYTES for SEC("data"),
 * assembly and raw bytecode, --ctx-size N when given, at least the
 * descriptor's size for other sections; zero-padded, restored before every
 * run.  r2 is the input's length, not the buffer's.  --data-out saves the
 * input's length of it after the last run.
 *
 * A program the verifier rejects does not run.  An accepted one runs as
 * rkd would run it: in the JIT where this machine has one (--interp: the
 * fast interpreter).  --checked runs it in the checked interpreter instead,
 * the second line of defence when hunting a verifier bug: every access is
 * checked, and the instructions executed are held to the verifier's bound.
 * Runs 2..N (--repeat) are timed; with --repeat 1 the duration is that of
 * the only run.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/file_io.h"
#include "../common/hex.h"
#include "../common/program_file.h"
#include "commands.h"
#include "map_json.h"
#include "prog_ctx.h"
#include "rkbpf.h"

#define RUN_MAX_BATCHES 21
#define RUN_MAX_REPEAT 100000000L
/* The checked run's instruction limit, unless the verifier's bound is higher. */
#define CHECKED_INSN_LIMIT 10000000ull

struct run_args {
	const char *program;
	const char *data_in;
	const char *data_out;
	const char *mem_hex;
	long repeat;
	enum rk_exec_mode mode;
	int json;
	int dump_maps;
	int maps_only;      /* rkctl map dump: print the maps, not the result */
	int run_requested;  /* rkctl map dump: run only when input or --run was given */
	struct rk_program_file_opts file_opts;
	struct rkctl_ctx_opts ctx_opts;
};

static int parse_args(int argc, char **argv, struct run_args *args)
{
	/* The JIT where this machine has one, as rkd runs programs. */
	*args = (struct run_args){.repeat = 1, .mode = rk_jit_arch() ? RK_EXEC_JIT : RK_EXEC_FAST};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--data-in") == 0 && value) {
			args->data_in = value, i++;
		} else if (strcmp(arg, "--data-out") == 0 && value) {
			args->data_out = value, i++;
		} else if (strcmp(arg, "--mem") == 0 && value) {
			args->mem_hex = value, i++;
		} else if (strcmp(arg, "--prog") == 0 && value) {
			args->file_opts.prog_name = value, i++;
		} else if (strcmp(arg, "--btf") == 0 && value) {
			args->file_opts.btf_path = value, i++;
		} else if (strcmp(arg, "--budget") == 0 && value) {
			char *end;
			unsigned long long bytes = strtoull(value, &end, 10);
			if (*end || bytes == 0 || bytes > SIZE_MAX) {
				fprintf(stderr, "rkctl run: --budget wants a number of bytes, got '%s'\n",
				        value);
				return -1;
			}
			args->file_opts.budget_bytes = (size_t)bytes, i++;
		} else if (strcmp(arg, "--repeat") == 0 && value) {
			char *end;
			args->repeat = strtol(value, &end, 10);
			if (*end || args->repeat < 1 || args->repeat > RUN_MAX_REPEAT) {
				fprintf(stderr, "rkctl run: --repeat wants 1..%ld, got '%s'\n",
				        RUN_MAX_REPEAT, value);
				return -1;
			}
			i++;
		} else if (strcmp(arg, "--ctx-size") == 0 && value) {
			if (rkctl_parse_ctx_size("run", value, &args->ctx_opts))
				return -1;
			i++;
		} else if (strcmp(arg, "--interp") == 0) {
			args->mode = RK_EXEC_FAST;
		} else if (strcmp(arg, "--checked") == 0) {
			args->mode = RK_EXEC_CHECKED;
		} else if (strcmp(arg, "--jit") == 0) {
			if (!rk_jit_arch()) {
				fprintf(stderr, "rkctl run: --jit: this machine has no JIT (x86_64 and arm64 "
				                "have one); use --interp\n");
				return -1;
			}
			args->mode = RK_EXEC_JIT;
		} else if (strcmp(arg, "--json") == 0) {
			args->json = 1;
		} else if (strcmp(arg, "--dump-maps") == 0) {
			args->dump_maps = 1;
		} else if (strcmp(arg, "--maps-only") == 0) {
			args->maps_only = args->dump_maps = 1;
		} else if (strcmp(arg, "--run") == 0) {
			args->run_requested = 1;
		} else if (!args->program && arg[0] != '-') {
			args->program = arg;
		} else {
			fprintf(stderr, "rkctl run: unexpected argument '%s'%s\n", arg,
			        value ? "" : " (or missing value)");
			return -1;
		}
	}
	if (!args->program) {
		fprintf(stderr, "usage: rkctl run PROG [--prog NAME] [--data-in FILE | --mem HEX] "
		                "[--ctx-size N] ...\n");
		return -1;
	}
	if (args->data_in || args->mem_hex)
		args->run_requested = 1;
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

/* Helper output goes to stderr so that stdout stays parseable (--json). */
static void print_trace(void *host, const struct rk_prog *prog, const char *line, size_t len)
{
	(void)host;
	fprintf(stderr, "trace: %s: %.*s\n", rk_prog_name(prog), (int)len, line);
}

static int print_perf_output(void *host, const struct rk_prog *prog, uint64_t flags,
                             const void *data, size_t size)
{
	(void)host, (void)flags;
	fprintf(stderr, "perf_event_output: %s: %zu bytes:", rk_prog_name(prog), size);
	for (size_t i = 0; i < size && i < 64; i++)
		fprintf(stderr, " %02x", ((const uint8_t *)data)[i]);
	fprintf(stderr, "%s\n", size > 64 ? " ..." : "");
	return 0;
}

/* Helpers may return different values run to run (time, randomness). */
static int calls_helpers(const struct rk_prog *prog)
{
	const struct rk_insn *insns = rk_prog_insns(prog);
	for (size_t i = 0; i < rk_prog_insn_count(prog); i++)
		if ((insns[i].code == RK_OP_CALL && insns[i].src_reg == RK_CALL_HELPER) ||
		    insns[i].code == RK_OP_CALLX)
			return 1;
	return 0;
}

static int report_emergency_stop(void *host, const struct rk_prog *prog, uint64_t mask)
{
	(void)host;
	fprintf(stderr,
	        "rk_emergency_stop: %s: actuators 0x%llx (rkctl drives no actuators; rkd does)\n",
	        rk_prog_name(prog), (unsigned long long)mask);
	return 0;
}

static int print_record(void *fn_ctx, const void *data, size_t size)
{
	const char *map_name = fn_ctx;
	printf("event: %s: %zu bytes:", map_name, size);
	for (size_t i = 0; i < size && i < 64; i++)
		printf(" %02x", ((const uint8_t *)data)[i]);
	printf("%s\n", size > 64 ? " ..." : "");
	return 0;
}

/* What the runs left in ring buffers, in order: the program's events. */
static void print_ring_buffers(const struct rk_obj *obj)
{
	for (size_t i = 0; i < rk_obj_map_count(obj); i++) {
		struct rk_map *map = rk_obj_map(obj, i);
		if (rk_map_def(map)->type != RK_MAP_RINGBUF)
			continue;
		rk_ringbuf_consume(map, print_record, (void *)rk_map_def(map)->name);
		if (rk_ringbuf_dropped(map))
			printf("event: %s: %llu records dropped (ring full)\n",
			       rk_map_def(map)->name, (unsigned long long)rk_ringbuf_dropped(map));
	}
}

static const char *mode_name(enum rk_exec_mode mode)
{
	return mode == RK_EXEC_CHECKED ? "checked" : mode == RK_EXEC_JIT ? "jit" : "interp";
}

static void print_result(const struct run_args *args, const struct rk_run_result *result,
                         uint64_t median_ns, uint64_t insns_executed)
{
	if (args->json) {
		printf("{\"retval\": \"0x%" PRIx64 "\", \"retval_dec\": %" PRIu64
		       ", \"duration_ns\": %" PRIu64 ", \"repeat\": %ld, \"mode\": \"%s\", "
		       "\"stop\": \"%s\", \"insns_executed\": %" PRIu64 "}\n",
		       result->retval, result->retval, median_ns, args->repeat,
		       mode_name(args->mode), rk_stop_name(result->stop),
		       insns_executed);
		return;
	}
	printf("retval 0x%" PRIx64 "\n", result->retval);
	printf("duration_ns %" PRIu64 "\n", median_ns);
	if (args->mode == RK_EXEC_CHECKED)
		printf("insns_executed %" PRIu64 "\n", insns_executed);
}

/* How messages name the program: the file, and for objects the function and section. */
static void run_label(const struct run_args *args, const struct rk_program_file *file,
                      char *buf, size_t buf_len)
{
	if (!file->obj) {
		snprintf(buf, buf_len, "%s", args->program);
		return;
	}
	char prog_label[256];
	rkctl_prog_label(file->prog, true, args->program, prog_label, sizeof(prog_label));
	snprintf(buf, buf_len, "%s: %s", args->program, prog_label);
}

/* Nothing runs unverified.  0, or -1 after saying why and what to do. */
static int verify_program(const struct run_args *args, const struct rk_program_file *file,
                          struct rk_ctx_desc_buf *ctx, struct rk_verify_result *result)
{
	char label[512], err[RK_VERIFY_ERR_LEN];
	run_label(args, file, label, sizeof(label));
	if (rkctl_prog_ctx(file->prog, file->obj != NULL, &args->ctx_opts, ctx, err,
	                   sizeof(err))) {
		fprintf(stderr, "rkctl run: %s: cannot verify: %s\n", label, err);
		return -1;
	}
	struct rk_verify_opts opts = {.ctx = ctx->ctx};
	if (rk_verify(file->prog, &opts, result, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "rkctl run: %s: rejected by the verifier: %s\n", label, err);
	fprintf(stderr, "rkctl run: to see what the verifier knew at each instruction: rkctl verify %s",
	        args->program);
	if (file->obj)
		fprintf(stderr, " --prog %s", rk_prog_name(file->prog));
	if (args->ctx_opts.size_given)
		fprintf(stderr, " --ctx-size %" PRIu32, args->ctx_opts.size);
	fprintf(stderr, " --log\n");
	return -1;
}

/*
 * The buffer r1 points to: the input, zero-padded to the size of the
 * context desc the program was verified for (NULL: none).  0, or -1 after
 * saying why.
 */
static int make_context(const struct run_args *args, const struct rk_program_file *file,
                        const struct rk_ctx_desc *desc, size_t data_len, uint8_t **ctx_out,
                        size_t *ctx_len_out, bool *writable_out)
{
	char label[512];
	run_label(args, file, label, sizeof(label));
	*ctx_out = NULL;
	*ctx_len_out = 0;
	*writable_out = false;
	if (!desc) {
		if (data_len == 0)
			return 0;
		fprintf(stderr,
		        "rkctl run: %s: the program gets no context (r1 is a number), so the input "
		        "would be ignored; drop --mem/--data-in, or give --ctx-size N to run it on N "
		        "bytes\n",
		        label);
		return -1;
	}
	/* A writable context is the input buffer itself: the program was verified for its size. */
	bool writable = desc->writable_count > 0;
	size_t ctx_len = desc->size;
	if (data_len > ctx_len && writable) {
		char hint[160];
		if (args->ctx_opts.size_given || !file->obj)
			snprintf(hint, sizeof(hint), "give --ctx-size %zu or more", data_len);
		else
			snprintf(hint, sizeof(hint),
			         "give a shorter input (or --ctx-size %zu to verify and run it on a "
			         "larger buffer)",
			         data_len);
		fprintf(stderr,
		        "rkctl run: %s: the input is %zu bytes, more than the %" PRIu32
		        "-byte context (%s) the program is verified for; %s\n",
		        label, data_len, desc->size, desc->name, hint);
		return -1;
	}
	if (data_len > ctx_len)
		ctx_len = data_len; /* read-only: the program reads at most desc->size of it */
	*ctx_out = ctx_len ? calloc(1, ctx_len) : NULL;
	if (ctx_len && !*ctx_out) {
		fprintf(stderr, "rkctl run: out of memory for a %zu-byte context\n", ctx_len);
		return -1;
	}
	*ctx_len_out = ctx_len;
	*writable_out = writable;
	return 0;
}

/* Before every run: the input, then zeros where the previous run may have written. */
static void restore_context(uint8_t *ctx, size_t ctx_len, bool writable, const uint8_t *data,
                            size_t data_len)
{
	if (data_len)
		memcpy(ctx, data, data_len);
	if (writable && ctx_len > data_len)
		memset(ctx + data_len, 0, ctx_len - data_len);
}

int rkctl_cmd_run(int argc, char **argv)
{
	struct run_args args;
	if (parse_args(argc, argv, &args))
		return RKCTL_EXIT_USAGE;

	char err[RK_ERR_LEN + 512];
	uint8_t *data = NULL, *ctx = NULL;
	size_t data_len = 0, ctx_len = 0;
	struct rk_program_file file = {0};
	int status = RKCTL_EXIT_FAILED;

	if (args.data_in && rk_file_read(args.data_in, &data, &data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --data-in %s\n", err);
		goto out;
	}
	if (args.mem_hex && rk_hex_parse(args.mem_hex, &data, &data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --mem: %s\n", err);
		goto out;
	}
	if (rk_program_file_open(args.program, &args.file_opts, &file, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: %s\n", err);
		goto out;
	}
	if (args.maps_only && !args.run_requested) {
		rkctl_print_maps_json(stdout, file.obj);
		status = RKCTL_EXIT_OK;
		goto out;
	}
	struct rk_ctx_desc_buf ctx_desc;
	struct rk_verify_result verified;
	if (verify_program(&args, &file, &ctx_desc, &verified))
		goto out;
	bool ctx_writable = false;
	if (make_context(&args, &file, ctx_desc.ctx, data_len, &ctx, &ctx_len, &ctx_writable))
		goto out;

	static const struct rk_event_meta meta = {.comm = "rkctl"};
	struct rk_env env = {.print = print_trace, .perf_output = print_perf_output,
	                     .emergency_stop = report_emergency_stop};
	/* The zero padding past the input: rk_prog_run() only knows the input's length. */
	struct rk_region ctx_region = {.name = "ctx buffer", .start = (uintptr_t)ctx,
	                               .len = ctx_len, .writable = ctx_writable};
	/* Past the verifier's bound (tail calls aside) a run is a bug, but stop it somewhere. */
	uint64_t insn_limit = CHECKED_INSN_LIMIT;
	if (verified.insn_bound >= insn_limit)
		insn_limit = verified.insn_bound < UINT64_MAX ? verified.insn_bound + 1 : 0;
	if (args.mode == RK_EXEC_JIT && rk_prog_jit(file.prog, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: %s: JIT: %s\nrkctl run: --interp runs it in the interpreter\n",
		        args.program, err);
		goto out;
	}
	struct rk_run_opts opts = {.mode = args.mode, .ctx_writable = ctx_writable,
	                           .regions = &ctx_region, .region_count = ctx_len ? 1 : 0,
	                           .insn_limit = insn_limit, .env = &env, .meta = &meta};
	struct rk_run_result result;
	restore_context(ctx, ctx_len, ctx_writable, data, data_len);
	uint64_t start = now_ns();
	int rc = rk_prog_run(file.prog, ctx, data_len, &opts, &result);
	uint64_t first_ns = now_ns() - start;
	uint64_t insns_executed = result.insns_executed;
	if (rc) {
		/* The verifier accepted it: a stop here is a bug (the verifier's, or an engine's). */
		fprintf(stderr,
		        "rkctl run: %s: stopped (%s): %s\n"
		        "rkctl run: internal error: the verifier accepted this program; please report "
		        "this with the program and its input\n",
		        args.program, rk_stop_name(result.stop), result.message);
		goto out;
	}
	if (args.mode == RK_EXEC_CHECKED && !verified.tail_calls &&
	    insns_executed > verified.insn_bound) {
		fprintf(stderr,
		        "rkctl run: %s: internal error: the verifier bounded a run at %" PRIu64
		        " instructions, the checked run executed %" PRIu64
		        "; please report this with the program and its input\n",
		        args.program, verified.insn_bound, insns_executed);
		goto out;
	}
	uint64_t first_retval = result.retval;

	/* Runs 2..N, timed in batches; the median batch gives the time per run. */
	long timed = args.repeat - 1;
	uint64_t median_ns = first_ns;
	if (timed > 0) {
		long batches = timed < RUN_MAX_BATCHES ? timed : RUN_MAX_BATCHES;
		uint64_t batch_ns[RUN_MAX_BATCHES];
		for (long batch = 0; batch < batches && rc == 0; batch++) {
			long runs = timed / batches + (batch < timed % batches);
			uint64_t elapsed = 0;
			for (long run = 0; run < runs && rc == 0; run++) {
				restore_context(ctx, ctx_len, ctx_writable, data, data_len);
				start = now_ns();
				rc = rk_prog_run(file.prog, ctx, data_len, &opts, &result);
				elapsed += now_ns() - start;
			}
			batch_ns[batch] = elapsed / (uint64_t)runs;
		}
		if (rc) {
			fprintf(stderr, "rkctl run: %s: stopped (%s): %s\n", args.program,
			        rk_stop_name(result.stop), result.message);
			goto out;
		}
		qsort(batch_ns, (size_t)batches, sizeof(batch_ns[0]), compare_u64);
		median_ns = batch_ns[batches / 2];
		if (!file.obj && !calls_helpers(file.prog) && result.retval != first_retval) {
			/* No maps, no helpers with state: every run must agree. */
			fprintf(stderr,
			        "rkctl run: %s: internal error: a later run returned 0x%" PRIx64
			        ", the first 0x%" PRIx64 "; please report this with the program\n",
			        args.program, result.retval, first_retval);
			goto out;
		}
	}

	if (args.data_out && rk_file_write(args.data_out, ctx, data_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl run: --data-out %s\n", err);
		goto out;
	}
	if (!args.maps_only) {
		print_result(&args, &result, median_ns, insns_executed);
		if (file.obj && !args.json)
			print_ring_buffers(file.obj);
	}
	if (args.dump_maps && file.obj)
		rkctl_print_maps_json(stdout, file.obj);
	status = RKCTL_EXIT_OK;
out:
	rk_program_file_close(&file);
	free(ctx);
	free(data);
	return status;
}
