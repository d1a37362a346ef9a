/*
 * round_trip.h - the invariant the assembler and disassembler fuzzers share:
 * text printed by rk_disasm() assembles back to exactly the bytes it came from.
 */
#ifndef RK_FUZZ_ROUND_TRIP_H
#define RK_FUZZ_ROUND_TRIP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"

/* abort() unless rk_asm(text) gives insns[0..insn_count) again. */
static inline void fuzz_check_reassembles(const char *who, const char *text,
                                          const struct rk_insn *insns, size_t insn_count)
{
	char err[RK_ERR_LEN] = "";
	struct rk_insn *again = NULL;
	size_t again_count = 0;
	int rc = rk_asm(text, &again, &again_count, err, sizeof(err));
	if (rc != 0 || again_count != insn_count ||
	    memcmp(again, insns, insn_count * sizeof(*insns)) != 0) {
		fprintf(stderr, "%s: disassembly does not re-assemble to the same bytes (%s)\n%s",
		        who, rc ? err : "bytes differ", text);
		abort();
	}
	free(again);
}

#endif
