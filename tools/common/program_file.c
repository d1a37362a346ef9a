/*
 * program_file.c - program files for rkctl: assembly or raw bytecode.
 */
#include "program_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_io.h"

static int has_suffix(const char *path, const char *suffix)
{
	size_t path_len = strlen(path), suffix_len = strlen(suffix);
	return path_len >= suffix_len && strcmp(path + path_len - suffix_len, suffix) == 0;
}

int rk_program_file_load(const char *path, struct rk_insn **insns_out, size_t *insn_count_out,
                         char *err, size_t err_len)
{
	uint8_t *data;
	size_t len;
	int rc = rk_file_read(path, &data, &len, err, err_len);
	if (rc)
		return rc;

	if (has_suffix(path, ".s") || has_suffix(path, ".asm")) {
		char asm_err[RK_ERR_LEN];
		rc = rk_asm((const char *)data, insns_out, insn_count_out, asm_err, sizeof(asm_err));
		if (rc)
			snprintf(err, err_len, "%s: %s", path, asm_err);
	} else if (len >= 4 && memcmp(data, "\177ELF", 4) == 0) {
		snprintf(err, err_len,
		         "%s: is an ELF object; this build of rkctl runs raw bytecode (.bin, e.g. "
		         "from llvm-objcopy -O binary --only-section=.text) and assembly (.s)",
		         path);
		rc = -ENOTSUP;
	} else if (len == 0 || len % RK_INSN_SIZE != 0) {
		snprintf(err, err_len,
		         "%s: %zu bytes is not a whole number of %d-byte instructions (raw "
		         "bytecode expected; assembly files end in .s)",
		         path, len, RK_INSN_SIZE);
		rc = -EINVAL;
	} else {
		*insns_out = malloc(len);
		if (!*insns_out) {
			snprintf(err, err_len, "%s: out of memory", path);
			rc = -ENOMEM;
		} else {
			memcpy(*insns_out, data, len);
			*insn_count_out = len / RK_INSN_SIZE;
		}
	}
	free(data);
	return rc;
}
