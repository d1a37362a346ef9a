/*
 * helpers_control.c - the helpers that change the flow of a run:
 * bpf_tail_call and bpf_loop.  Neither jumps by itself: tail_call names
 * the next program in run->tail_call_target and the interpreter replaces
 * the running program; loop calls back into the interpreter through
 * run->call_subprog.
 *
 * What must stay true: the tail-call limit is counted here, and only here.
 * A successful bpf_tail_call increments run->tail_calls_done before it
 * returns, so the interpreter only performs the jump; RK_MAX_TAIL_CALLS (33,
 * the kernel's MAX_TAIL_CALL_CNT) calls succeed, the next returns -ENOENT.
 */
#include "helpers_std.h"

/*
 * bpf_tail_call(ctx, prog_array, index): 0 with the target set, or
 * -ENOENT (no program at index, index out of range, limit reached) and the
 * program continues, as in the kernel.  -EINVAL for a map that is not a
 * program array.
 */
RK_HELPER(rk_helper_tail_call)
{
	struct rk_map *map = RK_HELPER_PTR(r2);
	uint32_t index = (uint32_t)r3;
	if (!map || rk_map_def(map)->type != RK_MAP_PROG_ARRAY)
		return RK_HELPER_ERR(-EINVAL);
	if (run->tail_calls_done >= RK_MAX_TAIL_CALLS)
		return RK_HELPER_ERR(-ENOENT);
	if (index >= rk_map_def(map)->max_entries)
		return RK_HELPER_ERR(-ENOENT);
	struct rk_prog *target = rk_prog_array_get(map, index);
	if (!target)
		return RK_HELPER_ERR(-ENOENT);
	run->tail_calls_done++;
	run->tail_call_target = target;
	run->tail_call_pending = true;
	run->tail_call_ctx = r1; /* the JITs do not keep r1 across a call */
	return 0;
}

/*
 * bpf_loop(nr, callback, callback_ctx, flags): callback(i, callback_ctx)
 * for i = 0 .. nr - 1 until it returns non-zero (the verifier holds it to
 * 0 or 1).  callback is the instruction index of the callback subprogram
 * (the loader turns the BPF_PSEUDO_FUNC load into it).  Returns the number
 * of calls made; -EINVAL for flags, -E2BIG for nr > RK_MAX_LOOP_ITERATIONS,
 * -ENOTSUP when the interpreter offers no call_subprog; an error from
 * call_subprog (the run is stopping; the interpreter recorded why) is
 * returned as it is, and so is -ECANCELED when a helper inside the
 * callback aborted the run.
 */
RK_HELPER(rk_helper_loop)
{
	uint32_t nr = (uint32_t)r1;
	uint64_t callback = r2;
	if (r4 != 0)
		return RK_HELPER_ERR(-EINVAL);
	if (nr > RK_MAX_LOOP_ITERATIONS)
		return RK_HELPER_ERR(-E2BIG);
	if (callback > UINT32_MAX)
		return RK_HELPER_ERR(-EINVAL);
	if (!run->call_subprog)
		return RK_HELPER_ERR(-ENOTSUP);
	for (uint32_t i = 0; i < nr; i++) {
		const uint64_t args[5] = {i, r3, 0, 0, 0};
		uint64_t retval = 0;
		int rc = run->call_subprog(run, (uint32_t)callback, args, &retval);
		if (rc != 0)
			return RK_HELPER_ERR(rc);
		if (run->aborted)
			return RK_HELPER_ERR(-ECANCELED);
		if (retval != 0)
			return (uint64_t)i + 1;
	}
	return nr;
}
