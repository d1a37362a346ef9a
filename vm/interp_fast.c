/*
 * interp_fast.c - the fast interpreter: threaded dispatch over the
 * pre-decoded program, no per-instruction checks.  Only for programs the
 * verifier accepted (or, today, trusted test programs).  The semantics
 * live in interp_loop.h.
 */
#include <errno.h>
#include <stdio.h>

#include "alu_ops.h"
#include "vm_internal.h"

#define INTERP_NAME rk_interp_fast
#define INTERP_CHECKED 0
#define INTERP_INSN struct rk_pinsn
#define INTERP_CODE(prog) ((prog)->fast_code)
#define INTERP_HELPER(prog, slot) ((prog)->call_fns[(slot)->imm])
#define INTERP_SUBPROG rk_interp_fast_subprog
#include "interp_loop.h"
