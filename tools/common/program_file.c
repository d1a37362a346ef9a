/*
 * program_file.c - program files for rkctl: ELF objects, assembly, raw
 * bytecode.
 */
#include "program_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_io.h"

static int has_suffix(const char *path, const char *suffix)
{
	size_t path_len = strlen(path), suffix_len = strlen(suffix);
	return path_len >= suffix_len && strcmp(path + path_len - suffix_len, suffix) == 0;
}

int rk_program_file_is_elf(const uint8_t *data, size_t len)
{
	return len >= 4 && memcmp(data, "\177ELF", 4) == 0;
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
	} else if (rk_program_file_is_elf(data, len)) {
		snprintf(err, err_len, "%s: is an ELF object; this command takes assembly (.s) or raw "
		                       "bytecode (try rkctl prog dump)",
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

/* The CO-RE target: --btf, else the running kernel's BTF when readable, else none. */
static int read_target_btf(const char *btf_path, struct rk_btf **btf_out, char *err,
                           size_t err_len)
{
	*btf_out = NULL;
	if (!btf_path) {
		if (access(RK_KERNEL_BTF_PATH, R_OK) != 0)
			return 0;
		btf_path = RK_KERNEL_BTF_PATH;
	}
	uint8_t *data;
	size_t len;
	int rc = rk_file_read(btf_path, &data, &len, err, err_len);
	if (rc)
		return rc;
	char btf_err[RK_ERR_LEN];
	rc = rk_btf_parse(data, len, btf_out, btf_err, sizeof(btf_err));
	free(data);
	if (rc)
		snprintf(err, err_len, "%s: %s", btf_path, btf_err);
	return rc;
}

static int open_object(const char *path, const uint8_t *data, size_t len,
                       const struct rk_program_file_opts *opts, struct rk_program_file *file,
                       char *err, size_t err_len)
{
	int rc = read_target_btf(opts->btf_path, &file->target_btf, err, err_len);
	if (rc)
		return rc;
	struct rk_obj_opts obj_opts = {.name = path, .budget_bytes = opts->budget_bytes,
	                               .target_btf = file->target_btf};
	rc = rk_obj_load(data, len, &obj_opts, &file->obj, err, err_len);
	if (rc)
		return rc;
	if (rk_obj_prog_count(file->obj) == 0) {
		snprintf(err, err_len, "%s: has no programs (no SEC(\"...\") functions)", path);
		return -ENOENT;
	}
	if (!opts->prog_name) {
		file->prog = rk_obj_prog(file->obj, 0);
		return 0;
	}
	file->prog = rk_obj_prog_find(file->obj, opts->prog_name);
	if (file->prog)
		return 0;
	int used = snprintf(err, err_len, "%s: no program '%s'; it has:", path, opts->prog_name);
	for (size_t i = 0; i < rk_obj_prog_count(file->obj) && used > 0 && (size_t)used < err_len;
	     i++) {
		const struct rk_prog *prog = rk_obj_prog(file->obj, i);
		used += snprintf(err + used, err_len - (size_t)used, " %s (SEC \"%s\")",
		                 rk_prog_name(prog), rk_prog_section(prog));
	}
	return -ENOENT;
}

int rk_program_file_open(const char *path, const struct rk_program_file_opts *opts,
                         struct rk_program_file *file, char *err, size_t err_len)
{
	static const struct rk_program_file_opts defaults = {0};
	memset(file, 0, sizeof(*file));
	file->path = path;
	if (!opts)
		opts = &defaults;
	uint8_t *data;
	size_t len;
	int rc = rk_file_read(path, &data, &len, err, err_len);
	if (rc)
		return rc;
	if (rk_program_file_is_elf(data, len)) {
		rc = open_object(path, data, len, opts, file, err, err_len);
		free(data);
		if (rc)
			rk_program_file_close(file);
		return rc;
	}
	free(data);
	if (opts->prog_name) {
		snprintf(err, err_len, "%s: --prog needs an ELF object; this file holds one program",
		         path);
		return -EINVAL;
	}
	struct rk_insn *insns;
	size_t insn_count;
	rc = rk_program_file_load(path, &insns, &insn_count, err, err_len);
	if (rc)
		return rc;
	char prog_err[RK_ERR_LEN];
	rc = rk_prog_new(insns, insn_count, rk_helpers_standard(), &file->own_prog, prog_err,
	                 sizeof(prog_err));
	free(insns);
	if (rc) {
		snprintf(err, err_len, "%s: %s", path, prog_err);
		return rc;
	}
	file->prog = file->own_prog;
	return 0;
}

void rk_program_file_close(struct rk_program_file *file)
{
	rk_prog_free(file->own_prog);
	rk_obj_free(file->obj);
	rk_btf_free(file->target_btf);
	memset(file, 0, sizeof(*file));
}
