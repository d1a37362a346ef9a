/*
 * program_file.h - open what a user names on rkctl's command line: an ELF
 * object built by clang -target bpf (with maps, BTF, line info), assembly
 * (.s, .asm) or raw bytecode, and pick the program to run.
 */
#ifndef RK_TOOLS_PROGRAM_FILE_H
#define RK_TOOLS_PROGRAM_FILE_H

#include <stddef.h>

#include "rkbpf.h"

/* Where CO-RE relocations find the running kernel's types by default. */
#define RK_KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"

struct rk_program_file {
	const char *path;
	struct rk_obj *obj;          /* ELF objects */
	struct rk_btf *target_btf;   /* the CO-RE target, when one was read */
	struct rk_prog *prog;        /* the selected program */
	struct rk_prog *own_prog;    /* assembly and raw bytecode: ours to free */
};

struct rk_program_file_opts {
	const char *prog_name;       /* --prog: function or section name; NULL: the first */
	const char *btf_path;        /* --btf: CO-RE target; NULL: RK_KERNEL_BTF_PATH if readable */
	size_t budget_bytes;         /* 0: the default */
};

/* Errors name the file, and the section, line or instruction. */
int rk_program_file_open(const char *path, const struct rk_program_file_opts *opts,
                         struct rk_program_file *file, char *err, size_t err_len);
void rk_program_file_close(struct rk_program_file *file);

/* Raw instructions of assembly or bytecode files (rkctl disasm, validate). */
int rk_program_file_load(const char *path, struct rk_insn **insns_out, size_t *insn_count_out,
                         char *err, size_t err_len);

/* Is the file an ELF object (by its first bytes)? */
int rk_program_file_is_elf(const uint8_t *data, size_t len);

#endif
