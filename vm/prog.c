/*
 * prog.c - a program ready to run: validated bytecode, helper calls
 * resolved, and the fast interpreter's pre-decoded form.
 *
 * Everything a run needs is allocated here, once, so that rk_prog_run()
 * allocates nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "vm_internal.h"

/*
 * Reached a call the loader poisoned because a CO-RE relocation found no
 * match in the target BTF (e.g. a field this kernel lacks).  Loading such a
 * program is fine -- the path is usually guarded by bpf_core_field_exists()
 * -- but running into it must stop the run, never read a wrong offset.
 */
static uint64_t core_poison_reached(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                    uint64_t r5, struct rk_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	struct rk_interp_nest *nest = run->interp_state;
	nest->result->stop = RK_STOP_CORE_POISON;
	run->failed = true;
	return 0;
}

rk_helper_fn rk_prog_resolve_helper(const struct rk_helpers *helpers, uint32_t id)
{
	if (id == RK_CORE_POISON_HELPER)
		return core_poison_reached;
	return rk_helpers_fn(helpers, id);
}

/* Index of fn in prog->call_fns, adding it when new; -ENOMEM on failure. */
static int call_slot(struct rk_prog *prog, rk_helper_fn fn, size_t max_slots)
{
	for (size_t slot = 0; slot < prog->call_fn_count; slot++)
		if (prog->call_fns[slot] == fn)
			return (int)slot;
	if (prog->call_fn_count == max_slots)
		return -ENOMEM;
	prog->call_fns[prog->call_fn_count] = fn;
	return (int)prog->call_fn_count++;
}

static int predecode(struct rk_prog *prog, char *err, size_t err_len)
{
	const void *handlers[256];
	const void *invalid = NULL;
	rk_interp_fast(NULL, NULL, 0, NULL, NULL, handlers, &invalid, NULL);

	size_t helper_calls = 0;
	for (size_t i = 0; i < prog->insn_count; i++)
		helper_calls += prog->insns[i].code == RK_OP_CALL &&
		                prog->insns[i].src_reg == RK_CALL_HELPER;
	prog->fast_code = calloc(prog->insn_count, sizeof(*prog->fast_code));
	prog->call_fns = calloc(helper_calls ? helper_calls : 1, sizeof(*prog->call_fns));
	if (!prog->fast_code || !prog->call_fns)
		return rk_set_err(err, err_len, -ENOMEM, "out of memory pre-decoding %zu instructions",
		                  prog->insn_count);

	for (size_t i = 0; i < prog->insn_count; i++) {
		const struct rk_insn *insn = &prog->insns[i];
		struct rk_pinsn *out = &prog->fast_code[i];
		out->dst_reg = insn->dst_reg;
		out->src_reg = insn->src_reg;
		out->off = insn->off;
		out->imm = insn->imm;
		if (rk_is_lddw_second_slot(prog->insns, i)) {
			out->handler = invalid; /* never dispatched: LDDW skips it */
			continue;
		}
		out->handler = handlers[insn->code] ? handlers[insn->code] : invalid;
		if (!handlers[insn->code])
			return rk_set_err(err, err_len, -EINVAL,
			                  "insn %zu: opcode 0x%02x has no interpreter handler", i,
			                  insn->code);
		if (insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_HELPER) {
			rk_helper_fn fn = rk_prog_resolve_helper(prog->helpers, (uint32_t)insn->imm);
			if (!fn)
				return rk_set_err(err, err_len, -ENOENT,
				                  "insn %zu: call to helper %d, which is not registered",
				                  i, insn->imm);
			int slot = call_slot(prog, fn, helper_calls);
			if (slot < 0)
				return rk_set_err(err, err_len, slot, "insn %zu: out of memory", i);
			out->imm = slot;
		}
	}
	return 0;
}

static void meta_release(struct rk_prog_meta *meta)
{
	free(meta->name);
	free(meta->section);
	free(meta->lines);
	free(meta->map_refs);
	free(meta->func_starts);
	memset(meta, 0, sizeof(*meta));
}

static int compare_map_refs(const void *a, const void *b)
{
	uint32_t x = ((const struct rk_map_ref *)a)->insn, y = ((const struct rk_map_ref *)b)->insn;
	return (x > y) - (x < y);
}

int rk_prog_new_meta(const struct rk_insn *insns, size_t insn_count,
                     const struct rk_helpers *helpers, struct rk_prog_meta *meta,
                     struct rk_prog **prog_out, char *err, size_t err_len)
{
	int rc = rk_prog_new(insns, insn_count, helpers, prog_out, err, err_len);
	if (rc) {
		meta_release(meta);
		return rc;
	}
	/* Sorted by instruction, as the lines are: readers walk them alongside the code. */
	if (meta->map_ref_count > 1)
		qsort(meta->map_refs, meta->map_ref_count, sizeof(*meta->map_refs), compare_map_refs);
	(*prog_out)->meta = *meta;
	memset(meta, 0, sizeof(*meta));
	return 0;
}

int rk_prog_new(const struct rk_insn *insns, size_t insn_count, const struct rk_helpers *helpers,
                struct rk_prog **prog_out, char *err, size_t err_len)
{
	*prog_out = NULL;
	int rc = rk_validate(insns, insn_count, err, err_len);
	if (rc)
		return rc;
	for (size_t i = 0; i < insn_count; i++) {
		if (insns[i].code == RK_OP_LDDW && insns[i].src_reg != RK_PSEUDO_IMM64)
			return rk_set_err(err, err_len, -EINVAL,
			                  "insn %zu: lddw with src_reg %d refers to a map or variable "
			                  "that was not resolved; load the program through the ELF "
			                  "loader",
			                  i, insns[i].src_reg);
		if (insns[i].code == RK_OP_LDDW)
			i++;
	}

	struct rk_prog *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return rk_set_err(err, err_len, -ENOMEM, "out of memory");
	prog->insn_count = insn_count;
	prog->helpers = helpers;
	prog->insns = malloc(insn_count * sizeof(*insns));
	if (!prog->insns) {
		rk_prog_free(prog);
		return rk_set_err(err, err_len, -ENOMEM, "out of memory copying %zu instructions",
		                  insn_count);
	}
	memcpy(prog->insns, insns, insn_count * sizeof(*insns));
	rc = predecode(prog, err, err_len);
	if (rc) {
		rk_prog_free(prog);
		return rc;
	}
	*prog_out = prog;
	return 0;
}

void rk_prog_free(struct rk_prog *prog)
{
	if (!prog)
		return;
	rk_jit_code_free(prog);
	free(prog->insns);
	free(prog->fast_code);
	free(prog->call_fns);
	meta_release(&prog->meta);
	free(prog);
}

size_t rk_prog_insn_count(const struct rk_prog *prog)
{
	return prog->insn_count;
}

const struct rk_insn *rk_prog_insns(const struct rk_prog *prog)
{
	return prog->insns;
}

bool rk_prog_is_func_start(const struct rk_prog *prog, uint32_t insn_index)
{
	if (insn_index >= prog->insn_count || rk_is_lddw_second_slot(prog->insns, insn_index))
		return false;
	if (!prog->meta.func_starts)
		return true; /* hand-written bytecode: any instruction may start a function */
	size_t low = 0, high = prog->meta.func_count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (prog->meta.func_starts[mid] < insn_index)
			low = mid + 1;
		else
			high = mid;
	}
	return low < prog->meta.func_count && prog->meta.func_starts[low] == insn_index;
}

size_t rk_prog_map_regions(const struct rk_prog *prog, struct rk_region *regions, size_t max)
{
	size_t count = 0;
	for (size_t i = 0; i < prog->meta.map_ref_count; i++) {
		const struct rk_map *map = prog->meta.map_refs[i].map;
		if (!map)
			continue; /* a function's address (RK_PSEUDO_CODE_ADDR) */
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = prog->meta.map_refs[j].map == map;
		if (!seen)
			count += rk_map_regions(map, regions + count, max - count);
	}
	return count;
}
