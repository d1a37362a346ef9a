/*
 * program_file.h - turn a file named on the command line into
 * instructions: assembly (.s, .asm), raw bytecode (anything else), and a
 * clear refusal for ELF objects until the ELF loader lands.
 */
#ifndef RK_TOOLS_PROGRAM_FILE_H
#define RK_TOOLS_PROGRAM_FILE_H

#include <stddef.h>

#include "rkbpf.h"

/* *insns_out is malloc'd.  Errors name the file (and line, for assembly). */
int rk_program_file_load(const char *path, struct rk_insn **insns_out, size_t *insn_count_out,
                         char *err, size_t err_len);

#endif
