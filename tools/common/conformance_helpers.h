/*
 * conformance_helpers.h - the helper the bpf_conformance suite expects of a
 * runtime under test (helper 5, as in the reference runtimes).  Not part of
 * librkbpf: libbpf's id 5 is bpf_ktime_get_ns.  Used by
 * rk-conformance-plugin and the unit tests.
 */
#ifndef RK_TOOLS_CONFORMANCE_HELPERS_H
#define RK_TOOLS_CONFORMANCE_HELPERS_H

#include <stddef.h>

#include "rkbpf.h"

#define RK_CONFORMANCE_UNWIND_HELPER 5

/* Register helper 5: with r1 == 0 it aborts the program with r0 = 0. */
int rk_conformance_helpers_register(struct rk_helpers *helpers, char *err, size_t err_len);

#endif
