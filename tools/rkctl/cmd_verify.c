/*
 * cmd_verify.c - rkctl verify: prove every program of an object (or the one
 * named) safe to run, against the context its section gives it
 * (prog_ctx.h), and say per program what the verifier found: the most
 * instructions one run executes, or where and why it was rejected.
 *
 * Exit status: 0 when every program was accepted, 1 when one was rejected,
 * 2 when a program could not be verified at all (usage, a file that does
 * not load, a section without a known context).
 *
 * --signature also checks OBJ.sig (docs/signatures.md): the key, the
 * Ed25519 signature, the object's hash, the arch and board, and that the
 * signed verdict still holds with this verifier; 1 when any of it fails.
 * rkctl sign uses rkctl_verify_verdict() to verify exactly as verify does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/file_io.h"
#include "../common/program_file.h"
#include "../common/signature.h"
#include "commands.h"
#include "map_json.h"
#include "prog_ctx.h"
#include "rkbpf.h"

#define VERIFY_USAGE \
	"usage: rkctl verify PROG [--prog NAME] [--ctx-size N] [--log] [--json] [--btf FILE]\n" \
	"       rkctl verify --signature [--pubkey FILE | --keys DIR] [--arch ARCH] [--board ID]\n" \
	"                    [--btf FILE] OBJ\n"
#define KIB 1024.0
#define MIB (1024.0 * 1024.0)

struct verify_args {
	const char *program;
	struct rk_program_file_opts file_opts;
	struct rkctl_ctx_opts ctx_opts;
	int log;
	int json;
	/* --signature */
	int signature;
	const char *pubkey_path;
	const char *keys_dir;
	const char *arch;
	const char *board;
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
		} else if (strcmp(arg, "--signature") == 0) {
			args->signature = 1;
		} else if (strcmp(arg, "--pubkey") == 0 && value) {
			args->pubkey_path = value, i++;
		} else if (strcmp(arg, "--keys") == 0 && value) {
			args->keys_dir = value, i++;
		} else if (strcmp(arg, "--arch") == 0 && value) {
			args->arch = value, i++;
		} else if (strcmp(arg, "--board") == 0 && value) {
			args->board = value, i++;
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
	bool sig_options = args->pubkey_path || args->keys_dir || args->arch || args->board;
	if (sig_options && !args->signature) {
		fprintf(stderr, "rkctl verify: --pubkey, --keys, --arch and --board go with "
		                "--signature\n%s", VERIFY_USAGE);
		return -1;
	}
	if (args->signature && (!args->pubkey_path == !args->keys_dir)) {
		fprintf(stderr, "rkctl verify --signature: give the signer's key: --pubkey FILE or "
		                "--keys DIR (a directory of trusted *.pub files)\n%s",
		        VERIFY_USAGE);
		return -1;
	}
	if (args->signature && (args->file_opts.prog_name || args->ctx_opts.size_given ||
	                        args->json)) {
		fprintf(stderr, "rkctl verify --signature: checks the whole object as rkd would: "
		                "--prog, --ctx-size and --json do not apply\n");
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

int rkctl_verify_verdict(const char *path, const char *btf_path, struct rk_sig *sig)
{
	struct verify_args args = {.program = path};
	args.file_opts.btf_path = btf_path;
	char err[RK_ERR_LEN + 512];
	struct rk_program_file file;
	if (rk_program_file_open(path, &args.file_opts, &file, err, sizeof(err))) {
		fprintf(stderr, "rkctl: %s\n", err);
		return RKCTL_EXIT_USAGE;
	}
	int status = RKCTL_EXIT_OK;
	struct verify_outcome *out = malloc(sizeof(*out));
	size_t count = file.obj ? rk_obj_prog_count(file.obj) : 0;
	if (!out || !file.obj || count == 0 || count > RK_SIG_MAX_PROGS) {
		fprintf(stderr, "rkctl: %s: %s\n", path,
		        !out       ? "out of memory"
		        : !file.obj ? "not an ELF object: only objects (clang -target bpf) are signed"
		        : count == 0 ? "has no programs"
		                     : "more programs than a signature holds");
		status = RKCTL_EXIT_USAGE;
		count = 0;
	}
	sig->prog_count = 0;
	for (size_t i = 0; i < count; i++) {
		verify_one(&args, &file, rk_obj_prog(file.obj, i), out);
		print_human(out);
		int prog_status = out->ctx_rc || out->rc == -ENOMEM ? RKCTL_EXIT_USAGE
		                  : out->rc                         ? RKCTL_EXIT_FAILED
		                                                    : RKCTL_EXIT_OK;
		if (prog_status > status)
			status = prog_status;
		if (prog_status == RKCTL_EXIT_OK) {
			struct rk_sig_prog *signed_prog = &sig->progs[sig->prog_count++];
			snprintf(signed_prog->name, sizeof(signed_prog->name), "%s", out->name);
			signed_prog->insn_bound = out->result.insn_bound;
		}
	}
	fflush(stdout);
	free(out);
	rk_program_file_close(&file);
	return status;
}

static const struct rk_sig_prog *find_signed_prog(const struct rk_sig *sig, const char *name)
{
	for (size_t i = 0; i < sig->prog_count; i++)
		if (strcmp(sig->progs[i].name, name) == 0)
			return &sig->progs[i];
	return NULL;
}

/* The verdict signed in `sig` against the one this verifier gives now. */
static int compare_verdicts(const char *path, const struct rk_sig *sig, const struct rk_sig *now)
{
	bool same_verifier = strcmp(sig->verifier, RK_VERIFIER_VERSION) == 0;
	int status = RKCTL_EXIT_OK;
	for (size_t i = 0; i < now->prog_count; i++) {
		const struct rk_sig_prog *signed_prog = find_signed_prog(sig, now->progs[i].name);
		if (!signed_prog) {
			fprintf(stderr, "rkctl verify: %s%s: program %s is not in the signed verdict\n",
			        path, RK_SIG_SUFFIX, now->progs[i].name);
			status = RKCTL_EXIT_FAILED;
		} else if (signed_prog->insn_bound != now->progs[i].insn_bound) {
			fprintf(stderr, "rkctl verify: %s%s: program %s: signed bound %llu instructions, "
			                "this verifier (%s) finds %llu%s\n",
			        path, RK_SIG_SUFFIX, now->progs[i].name,
			        (unsigned long long)signed_prog->insn_bound, RK_VERIFIER_VERSION,
			        (unsigned long long)now->progs[i].insn_bound,
			        same_verifier ? " (same verifier: a different CO-RE target, --btf?)"
			                      : " (another verifier version: sign it again)");
			if (same_verifier)
				status = RKCTL_EXIT_FAILED;
		}
	}
	if (now->prog_count != sig->prog_count) {
		fprintf(stderr, "rkctl verify: %s%s: the signature lists %zu programs, the object "
		                "has %zu accepted now\n",
		        path, RK_SIG_SUFFIX, sig->prog_count, now->prog_count);
		status = RKCTL_EXIT_FAILED;
	}
	return status;
}

static int verify_signature(const struct verify_args *args)
{
	char err[RK_SIG_ERR_LEN + 512], sig_path[4096], name[RK_SIG_NAME_MAX + 1];
	snprintf(sig_path, sizeof(sig_path), "%s%s", args->program, RK_SIG_SUFFIX);
	const char *base = strrchr(args->program, '/');
	base = base ? base + 1 : args->program;
	size_t base_len = strlen(base);
	if (base_len > 2 && strcmp(base + base_len - 2, ".o") == 0)
		base_len -= 2;
	snprintf(name, sizeof(name), "%.*s", (int)base_len, base);
	if (rk_sig_crypto_init()) {
		fprintf(stderr, "rkctl verify: libsodium failed to initialise\n");
		return RKCTL_EXIT_USAGE;
	}
	uint8_t *obj = NULL, *sig_text = NULL;
	size_t obj_len = 0, sig_len = 0;
	if (rk_file_read(args->program, &obj, &obj_len, err, sizeof(err)) ||
	    rk_file_read(sig_path, &sig_text, &sig_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl verify: %s%s\n", err,
		        obj && !sig_text ? " (no signature beside the object: rkctl sign makes one)"
		                         : "");
		free(obj);
		return RKCTL_EXIT_FAILED;
	}
	struct rk_sig_expect expect = {.object_name = name, .arch = args->arch,
	                               .board = args->board, .any_board = !args->board,
	                               .pubkey_path = args->pubkey_path, .keys_dir = args->keys_dir};
	struct rk_sig *sig = malloc(sizeof(*sig)), *now = malloc(sizeof(*now));
	struct rk_public_key key;
	int status = RKCTL_EXIT_OK;
	if (!sig || !now) {
		fprintf(stderr, "rkctl verify: out of memory\n");
		status = RKCTL_EXIT_USAGE;
	} else if (rk_sig_check(args->program, obj, obj_len, sig_text, sig_len, &expect, sig, &key,
	                        err, sizeof(err))) {
		fprintf(stderr, "rkctl verify: %s\n", err);
		status = RKCTL_EXIT_FAILED;
	}
	free(obj);
	free(sig_text);
	if (status == RKCTL_EXIT_OK) {
		/* The signature is good: does its verdict still hold with this verifier? */
		status = rkctl_verify_verdict(args->program, args->file_opts.btf_path, now);
		if (status == RKCTL_EXIT_OK)
			status = compare_verdicts(args->program, sig, now);
		else
			fprintf(stderr, "rkctl verify: %s: this verifier (%s) does not accept what the "
			                "signature says was accepted\n",
			        args->program, RK_VERIFIER_VERSION);
	}
	if (status == RKCTL_EXIT_OK) {
		char id_hex[RK_SIG_KEY_ID_HEX];
		rk_key_id_hex(key.id, id_hex);
		printf("%s: good signature: key %s (%s), object %s, seq %llu, arch %s, board %s, "
		       "verified by %s%s\n",
		       sig_path, id_hex, rk_key_role_name(key.role), sig->object_name,
		       (unsigned long long)sig->seq, sig->arch, sig->board[0] ? sig->board : "any",
		       sig->verifier,
		       strcmp(sig->verifier, RK_VERIFIER_VERSION) ? " (this verifier agrees)" : "");
	}
	free(sig);
	free(now);
	return status;
}

int rkctl_cmd_verify(int argc, char **argv)
{
	struct verify_args args;
	if (parse_args(argc, argv, &args))
		return RKCTL_EXIT_USAGE;
	if (args.signature)
		return verify_signature(&args);

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
