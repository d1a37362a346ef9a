/*
 * cmd_asm.c - rkctl asm, disasm and validate: the bytecode tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/file_io.h"
#include "../common/hex.h"
#include "../common/program_file.h"
#include "commands.h"
#include "rkbpf.h"

int rkctl_cmd_asm(int argc, char **argv)
{
	const char *input = NULL, *output = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			output = argv[++i];
		else if (!input && argv[i][0] != '-')
			input = argv[i];
		else {
			fprintf(stderr, "rkctl asm: unexpected argument '%s'\n", argv[i]);
			return RKCTL_EXIT_USAGE;
		}
	}
	if (!input) {
		fprintf(stderr, "usage: rkctl asm FILE.s [-o OUT.bin]\n");
		return RKCTL_EXIT_USAGE;
	}
	char err[RK_ERR_LEN + 256];
	uint8_t *text;
	size_t text_len;
	if (rk_file_read(input, &text, &text_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl asm: %s\n", err);
		return RKCTL_EXIT_FAILED;
	}
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	char asm_err[RK_ERR_LEN];
	int rc = rk_asm((const char *)text, &insns, &insn_count, asm_err, sizeof(asm_err));
	free(text);
	if (rc) {
		fprintf(stderr, "rkctl asm: %s: %s\n", input, asm_err);
		return RKCTL_EXIT_FAILED;
	}
	if (output) {
		rc = rk_file_write(output, insns, insn_count * sizeof(*insns), err, sizeof(err));
		if (rc)
			fprintf(stderr, "rkctl asm: %s\n", err);
	} else {
		const uint8_t *bytes = (const uint8_t *)insns;
		for (size_t i = 0; i < insn_count * sizeof(*insns); i++)
			printf("%02x%c", bytes[i], (i + 1) % RK_INSN_SIZE ? ' ' : '\n');
	}
	free(insns);
	return rc ? RKCTL_EXIT_FAILED : RKCTL_EXIT_OK;
}

static int load_hex_program(const char *path, struct rk_insn **insns_out, size_t *count_out,
                            char *err, size_t err_len)
{
	uint8_t *text, *bytes;
	size_t text_len, len;
	int rc = rk_file_read(path, &text, &text_len, err, err_len);
	if (rc)
		return rc;
	char hex_err[128];
	rc = rk_hex_parse((const char *)text, &bytes, &len, hex_err, sizeof(hex_err));
	free(text);
	if (rc) {
		snprintf(err, err_len, "%s: %s", path, hex_err);
		return rc;
	}
	if (len == 0 || len % RK_INSN_SIZE) {
		snprintf(err, err_len, "%s: %zu bytes is not a whole number of instructions", path,
		         len);
		free(bytes);
		return -1;
	}
	*insns_out = malloc(len);
	if (*insns_out)
		memcpy(*insns_out, bytes, len);
	*count_out = len / RK_INSN_SIZE;
	free(bytes);
	return *insns_out ? 0 : -1;
}

int rkctl_cmd_disasm(int argc, char **argv)
{
	const char *input = NULL;
	int hex = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--hex") == 0)
			hex = 1;
		else if (!input && argv[i][0] != '-')
			input = argv[i];
		else {
			fprintf(stderr, "rkctl disasm: unexpected argument '%s'\n", argv[i]);
			return RKCTL_EXIT_USAGE;
		}
	}
	if (!input) {
		fprintf(stderr, "usage: rkctl disasm PROG [--hex]\n");
		return RKCTL_EXIT_USAGE;
	}
	char err[RK_ERR_LEN + 256];
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	int rc = hex ? load_hex_program(input, &insns, &insn_count, err, sizeof(err))
	             : rk_program_file_load(input, &insns, &insn_count, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rkctl disasm: %s\n", err);
		return RKCTL_EXIT_FAILED;
	}
	char *text = NULL;
	char disasm_err[RK_ERR_LEN];
	rc = rk_disasm(insns, insn_count, &text, disasm_err, sizeof(disasm_err));
	free(insns);
	if (rc) {
		fprintf(stderr, "rkctl disasm: %s: %s\n", input, disasm_err);
		return RKCTL_EXIT_FAILED;
	}
	fputs(text, stdout);
	free(text);
	return RKCTL_EXIT_OK;
}

int rkctl_cmd_validate(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rkctl validate PROG\n");
		return RKCTL_EXIT_USAGE;
	}
	char err[RK_ERR_LEN + 256];
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	if (rk_program_file_load(argv[1], &insns, &insn_count, err, sizeof(err))) {
		fprintf(stderr, "rkctl validate: %s\n", err);
		return RKCTL_EXIT_FAILED;
	}
	char validate_err[RK_ERR_LEN];
	int rc = rk_validate(insns, insn_count, validate_err, sizeof(validate_err));
	free(insns);
	if (rc) {
		fprintf(stderr, "%s: %s\n", argv[1], validate_err);
		return RKCTL_EXIT_FAILED;
	}
	printf("%s: valid (%zu instructions)\n", argv[1], insn_count);
	return RKCTL_EXIT_OK;
}
