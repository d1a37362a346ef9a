/* jited_dump.h - rkctl prog dump --jited (jited_dump.c). */
#ifndef RK_RKCTL_JITED_DUMP_H
#define RK_RKCTL_JITED_DUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "prog_ctx.h"
#include "rkbpf.h"

/* Verify prog for its section's context, then JIT it; err says why not. */
int rkctl_jit_for_dump(struct rk_prog *prog, bool from_elf, char *err, size_t err_len);
/* Each instruction's disassembly followed by the native bytes it became. */
void rkctl_print_jited(FILE *out, const struct rk_prog *prog);

#endif
