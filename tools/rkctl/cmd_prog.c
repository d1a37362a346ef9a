/*
 * cmd_prog.c - rkctl prog dump (disassembly with source lines) and
 * rkctl map dump (an object's maps as JSON, after an optional run).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/program_file.h"
#include "commands.h"
#include "jited_dump.h"
#include "rkbpf.h"

/* The native code alone, for objdump (only the last program's when there are several). */
static int write_raw(const char *raw_path, const struct rk_prog *prog)
{
	size_t size;
	const void *code = rk_prog_jited_code(prog, &size);
	FILE *out = fopen(raw_path, "wb");
	if (!out || fwrite(code, 1, size, out) != size || fclose(out) != 0) {
		fprintf(stderr, "rkctl prog dump: --jited-raw %s: cannot write it\n", raw_path);
		if (out)
			fclose(out);
		return -1;
	}
	return 0;
}

static int prog_dump(int argc, char **argv)
{
	struct rk_program_file_opts opts = {0};
	const char *path = NULL, *raw_path = NULL;
	bool jited = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--prog") == 0 && i + 1 < argc)
			opts.prog_name = argv[++i];
		else if (strcmp(argv[i], "--jited") == 0)
			jited = true;
		else if (strcmp(argv[i], "--jited-raw") == 0 && i + 1 < argc)
			jited = true, raw_path = argv[++i];
		else if (strcmp(argv[i], "--btf") == 0 && i + 1 < argc)
			opts.btf_path = argv[++i];
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "rkctl prog dump: unexpected argument '%s'\n", argv[i]);
			return RKCTL_EXIT_USAGE;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: rkctl prog dump OBJ [--prog NAME] [--jited] [--jited-raw FILE]\n");
		return RKCTL_EXIT_USAGE;
	}
	if (jited && !rk_jit_arch()) {
		fprintf(stderr, "rkctl prog dump: --jited: this machine has no JIT (x86_64 and arm64 "
		                "have one)\n");
		return RKCTL_EXIT_FAILED;
	}
	char err[RK_ERR_LEN + 512];
	struct rk_program_file file;
	if (rk_program_file_open(path, &opts, &file, err, sizeof(err))) {
		fprintf(stderr, "rkctl prog dump: %s\n", err);
		return RKCTL_EXIT_FAILED;
	}
	/* Without --prog, every program of an object; else the one asked for. */
	size_t count = file.obj && !opts.prog_name ? rk_obj_prog_count(file.obj) : 1;
	int status = RKCTL_EXIT_OK;
	for (size_t i = 0; i < count; i++) {
		struct rk_prog *prog = count > 1 ? rk_obj_prog(file.obj, i) : file.prog;
		if (jited) {
			if (rkctl_jit_for_dump(prog, file.obj != NULL, err, sizeof(err))) {
				fprintf(stderr, "rkctl prog dump: %s: %s: %s\n", path, rk_prog_name(prog),
				        err);
				status = RKCTL_EXIT_FAILED;
				break;
			}
			printf("%s", i ? "\n" : "");
			rkctl_print_jited(stdout, prog);
			if (raw_path && write_raw(raw_path, prog)) {
				status = RKCTL_EXIT_FAILED;
				break;
			}
			continue;
		}
		char *text;
		if (rk_prog_dump(prog, &text, err, sizeof(err))) {
			fprintf(stderr, "rkctl prog dump: %s: %s\n", path, err);
			status = RKCTL_EXIT_FAILED;
			break;
		}
		printf("%s%s", i ? "\n" : "", text);
		free(text);
	}
	rk_program_file_close(&file);
	return status;
}

int rkctl_cmd_prog(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "dump") == 0)
		return prog_dump(argc - 1, argv + 1);
	fprintf(stderr, "usage: rkctl prog dump OBJ [--prog NAME] [--jited] [--jited-raw FILE]\n");
	return RKCTL_EXIT_USAGE;
}

int rkctl_cmd_map(int argc, char **argv)
{
	if (argc < 3 || strcmp(argv[1], "dump") != 0) {
		fprintf(stderr, "usage: rkctl map dump OBJ [--run] [--prog NAME] "
		                "[--data-in FILE | --mem HEX] [--repeat N]\n");
		return RKCTL_EXIT_USAGE;
	}
	/* A dump after a run is a run that prints the maps instead of its result. */
	char **run_argv = calloc((size_t)argc + 1, sizeof(*run_argv));
	if (!run_argv)
		return RKCTL_EXIT_FAILED;
	int run_argc = 0;
	run_argv[run_argc++] = "run";
	for (int i = 2; i < argc; i++)
		run_argv[run_argc++] = argv[i];
	run_argv[run_argc++] = "--maps-only";
	int status = rkctl_cmd_run(run_argc, run_argv);
	free(run_argv);
	return status;
}
