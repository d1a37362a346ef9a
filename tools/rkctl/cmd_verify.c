/*
 * cmd_verify.c - rkctl verify: prove every program of an object (or the one
 * named) safe to run, against the context its section gives it
 * (prog_ctx.h), and say per program what the verifier found: the most
 * instructions one run executes, or where and why it was rejected.
 *
 * Exit status: 0 when every program was accepted, 1 when one was rejected,
 * 2 when a program could not be verified at all (usage, a file that does
 * not load, a section without a known context).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/program_file.h"
#include "commands.h"
#include "map_json.h"
#include "prog_ctx.h"
#include "rkbpf.h"

#define VERIFY_USAGE \
	"usage: rkctl verify PROG [--prog NAME] [--ctx-size N] [--log] [--json] [--btf FILE]\n"
#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

struct verify_args {
	const char *program;
	struct rk_program_file_opts file_opts;
	struct rkctl_ctx_opts ctx_opts;
	int log;
	int json;
};

/* What one program's verification gave, for the human line or the JSON object. */
struct verify_outcome {
	char label[256];
	const char *name;
	const char *section;          /* NULL for assembly and bytecode */
	struct rk_ctx_desc_buf ctx;   /* ctx.ctx: the context it was verified against */
	int ctx_rc;                   /* the context could not be chosen */
	int rc;                       /* rk_verify()'s answer */
	struct rk_verify_result result;
	char err[RK_VERIFY_ERR_LEN];
};

static int parse_args(int argc, char **argv, struct verify_args *args)
{
	*args = (struct verify_args){0};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--prog") == 0 && value) {
			args->file_opts.prog_name = value, i++;
		} else if (strcmp(arg, "--btf") == 0 && value) {
			args->file_opts.btf_path = value, i++;
		} else if (strcmp(arg, "--ctx-size") == 0 && value) {
			if (rkctl_parse_ctx_size("verify", value, &args->ctx_opts))
				return -1;
			i++;
		} else if (strcmp(arg, "--log") == 0) {
			args->log = 1;
		} else if (strcmp(arg, "--json") == 0) {
			args->json = 1;
		} else if (!args->program && arg[0] != '-') {
			args->program = arg;
		} else {
			fprintf(stderr, "rkctl verify: unexpected argument '%s'%s\n%s", arg,
			        value || arg[0] != '-' ? "" : " (or missing value)", VERIFY_USAGE);
			return -1;
		}
	}
	if (!args->program) {
		fprintf(stderr, VERIFY_USAGE);
		return -1;
	}
	return 0;
}

/* The verifier's log: on stdout before the verdict, on stderr when stdout is JSON. */
static void print_log_line(void *log_ctx, const char *line)
{
	fprintf((FILE *)log_ctx, "  %s\n", line);
}

static void format_bytes(size_t bytes, char *buf, size_t buf_len)
{
	if (bytes < 1024)
		snprintf(buf, buf_len, "%zu bytes", bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, buf_len, "%.1f KiB", (double)bytes / KIB);
	else
		snprintf(buf, buf_len, "%.1f MiB", (double)bytes / MIB);
}

static void verify_one(const struct verify_args *args, const struct rk_program_file *file,
                       const struct rk_prog *prog, struct verify_outcome *out)
{
	bool from_elf = file->obj != NULL;
	memset(out, 0, sizeof(*out));
	out->result.error_insn = SIZE_MAX;
	rkctl_prog_label(prog, from_elf, file->path, out->label, sizeof(out->label));
	out->name = from_elf ? rk_prog_name(prog) : out->label;
	out->section = from_elf ? rk_prog_section(prog) : NULL;

	out->ctx_rc = rkctl_prog_ctx(prog, from_elf, &args->ctx_opts, &out->ctx, out->err,
	                             sizeof(out->err));
	if (out->ctx_rc)
		return;
	const struct rk_ctx_desc *ctx = out->ctx.ctx;
	FILE *log_out = args->json ? stderr : stdout;
	struct rk_verify_opts opts = {.ctx = ctx};
	if (args->log) {
		opts.log = print_log_line;
		opts.log_ctx = log_out;
		if (ctx)
			fprintf(log_out, "%s: context: %s, %" PRIu32 " bytes, %s\n", out->label,
			        ctx->name, ctx->size, ctx->writable_count ? "writable" : "read-only");
		else
			fprintf(log_out, "%s: no context (r1 is a number)\n", out->label);
	}
	out->rc = rk_verify(prog, &opts, &out->result, out->err, sizeof(out->err));
}

static void print_human(const struct verify_outcome *out)
{
	if (out->ctx_rc) {
		printf("%s: cannot verify: %s\n", out->label, out->err);
		return;
	}
	if (out->rc) {
		printf("%s: %s: %s\n", out->label,
		       out->rc == -ENOMEM ? "cannot verify" : "rejected", out->err);
		return;
	}
	const struct rk_verify_result *result = &out->result;
	char peak[32];
	format_bytes(result->peak_bytes, peak, sizeof(peak));
	printf("%s: accepted; at most %" PRIu64 " instructions per run%s", out->label,
	       result->insn_bound,
	       result->tail_calls ? " (plus those of the programs it tail-calls)" : "");
	if (result->loops)
		printf("; %" PRIu32 " loop%s bounded", result->loops, result->loops == 1 ? "" : "s");
	printf("; %" PRIu64 " instructions analysed, %s peak\n", result->insns_analysed, peak);
}

static void print_json_object(const struct verify_outcome *out, int first)
{
	const struct rk_ctx_desc *ctx = out->ctx_rc ? NULL : out->ctx.ctx;
	const struct rk_verify_result *result = &out->result;
	bool accepted = !out->ctx_rc && !out->rc;
	printf("%s\n  {\"name\": ", first ? "" : ",");
	rkctl_print_json_string(stdout, out->name);
	printf(", \"section\": ");
	if (out->section)
		rkctl_print_json_string(stdout, out->section);
	else
		printf("null");
	printf(", \"ctx\": ");
	if (ctx) {
		rkctl_print_json_string(stdout, ctx->name);
		printf(", \"ctx_size\": %" PRIu32, ctx->size);
	} else {
		printf("null, \"ctx_size\": 0");
	}
	printf(", \"accepted\": %s", accepted ? "true" : "false");
	if (accepted)
		printf(", \"insn_bound\": %" PRIu64, result->insn_bound);
	else
		printf(", \"insn_bound\": null");
	printf(", \"tail_calls\": %s, \"loops\": %" PRIu32 ", \"insns_analysed\": %" PRIu64
	       ", \"peak_bytes\": %zu, \"error\": ",
	       result->tail_calls ? "true" : "false", result->loops, result->insns_analysed,
	       result->peak_bytes);
	if (accepted)
		printf("null");
	else
		rkctl_print_json_string(stdout, out->err);
	if (!accepted && result->error_insn != SIZE_MAX)
		printf(", \"error_insn\": %zu}", result->error_insn);
	else
		printf(", \"error_insn\": null}");
}

int rkctl_cmd_verify(int argc, char **argv)
{
	struct verify_args args;
	if (parse_args(argc, argv, &args))
		return RKCTL_EXIT_USAGE;

	char err[RK_ERR_LEN + 512];
	struct rk_program_file file;
	if (rk_program_file_open(args.program, &args.file_opts, &file, err, sizeof(err))) {
		fprintf(stderr, "rkctl verify: %s\n", err);
		return RKCTL_EXIT_USAGE;
	}
	/* Without --prog, every program of an object; else the one asked for. */
	size_t count = file.obj && !args.file_opts.prog_name ? rk_obj_prog_count(file.obj) : 1;
	struct verify_outcome *out = malloc(sizeof(*out));
	if (!out) {
		fprintf(stderr, "rkctl verify: out of memory\n");
		rk_program_file_close(&file);
		return RKCTL_EXIT_USAGE;
	}
	int status = RKCTL_EXIT_OK, rejected = 0;
	if (args.json)
		printf("[");
	for (size_t i = 0; i < count; i++) {
		const struct rk_prog *prog = count > 1 ? rk_obj_prog(file.obj, i) : file.prog;
		verify_one(&args, &file, prog, out);
		if (args.json)
			print_json_object(out, i == 0);
		else
			print_human(out);
		int prog_status = out->ctx_rc || out->rc == -ENOMEM ? RKCTL_EXIT_USAGE
		                  : out->rc                         ? RKCTL_EXIT_FAILED
		                                                    : RKCTL_EXIT_OK;
		rejected |= prog_status == RKCTL_EXIT_FAILED;
		if (prog_status > status)
			status = prog_status;
	}
	if (args.json)
		printf("\n]\n");
	fflush(stdout); /* the hint comes after the verdicts, also when both go to one pipe */
	if (rejected && !args.log)
		fprintf(stderr, "rkctl verify: rerun with --log to see what the verifier knew at "
		                "each instruction\n");
	free(out);
	rk_program_file_close(&file);
	return status;
}
