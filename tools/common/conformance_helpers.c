/*
 * conformance_helpers.c - helper 5 of the bpf_conformance suite.
 */
#include "conformance_helpers.h"

static uint64_t helper_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct rk_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 == 0)
		rk_run_abort(run, 0);
	return 0;
}

int rk_conformance_helpers_register(struct rk_helpers *helpers, char *err, size_t err_len)
{
	static const struct rk_helper_proto unwind_proto = {
		.name = "conformance_unwind", .ret = RK_RET_SCALAR, .args = {RK_ARG_ANYTHING}};
	return rk_helpers_register(helpers, RK_CONFORMANCE_UNWIND_HELPER, helper_unwind,
	                           &unwind_proto, err, err_len);
}
