/*
 * interp_checked.c - the checked interpreter: the same semantics as the
 * fast one (interp_loop.h), plus a check of every load, store and atomic
 * against the regions the program may touch and of every register read
 * against initialisation.  A violation stops the run with a report.  This
 * is the oracle the verifier's soundness fuzzer compares against: if the
 * verifier accepts a program that trips a check here, the verifier is wrong.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "alu_ops.h"
#include "vm_internal.h"

static bool region_contains(const struct rk_region *region, uintptr_t addr, uint32_t size)
{
	/* Written to avoid overflow at the top of the address space. */
	return addr >= region->start && size <= region->len &&
	       addr - region->start <= region->len - size;
}

static enum rk_stop check_access(uintptr_t addr, uint32_t size, bool is_write,
                                 const struct rk_region *regions, size_t region_count,
                                 const struct rk_region **hit)
{
	for (size_t i = 0; i < region_count; i++) {
		if (!region_contains(&regions[i], addr, size))
			continue;
		*hit = &regions[i];
		return is_write && !regions[i].writable ? RK_STOP_READ_ONLY : RK_STOP_EXIT;
	}
	*hit = NULL;
	return RK_STOP_BAD_ACCESS;
}

/*
 * Stack initialisation: shadow holds one bit per stack byte, set once the
 * program has written it.  The verifier refuses reads of unwritten stack
 * bytes, so the oracle must catch them; they would also let the fast
 * interpreter (whose stack is not zeroed) take another path.
 */
static void stack_forget(uint8_t *shadow, uintptr_t stack_base, uintptr_t addr, size_t len)
{
	for (size_t i = addr - stack_base, end = i + len; i < end; i++)
		shadow[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static enum rk_stop stack_access(uint8_t *shadow, uintptr_t stack_base, uintptr_t addr,
                                 uint32_t size, bool is_write)
{
	for (size_t i = addr - stack_base, end = i + size; i < end; i++) {
		if (is_write)
			shadow[i / 8] |= (uint8_t)(1u << (i % 8));
		else if (!(shadow[i / 8] & (1u << (i % 8))))
			return RK_STOP_UNINIT_STACK;
	}
	return RK_STOP_EXIT;
}

/*
 * A helper writes every byte of a PTR_TO_UNINIT_MEM argument (size in the
 * next argument) on every path (helpers_*.c keep that promise), so after
 * the call those stack bytes count as written.
 */
static void mark_helper_writes(uint8_t *shadow, uintptr_t stack_base, const struct rk_region *stack,
                               const struct rk_helper_proto *proto, const uint64_t *args)
{
	if (!proto)
		return;
	for (int i = 0; i + 1 < RK_HELPER_MAX_ARGS; i++) {
		if (proto->args[i] != RK_ARG_PTR_TO_UNINIT_MEM)
			continue;
		uintptr_t addr = (uintptr_t)args[i];
		uint64_t size = args[i + 1];
		if (addr >= stack->start && size <= stack->len && addr - stack->start <= stack->len - size)
			stack_access(shadow, stack_base, addr, (uint32_t)size, true);
	}
}

static void describe_access(struct rk_run_result *result, size_t index, bool is_write,
                            bool misaligned, const struct rk_region *hit,
                            const struct rk_region *regions, size_t region_count)
{
	const char *what = is_write ? "store" : "load";
	int used;
	if (result->stop == RK_STOP_UNINIT_STACK) {
		used = snprintf(result->message, sizeof(result->message),
		                "insn %zu: load of %u bytes at fp%+" PRId64
		                " reads stack bytes that were never written",
		                index, result->access_size,
		                (int64_t)(result->addr - (regions[0].start + RK_STACK_SIZE)));
	} else if (misaligned) {
		used = snprintf(result->message, sizeof(result->message),
		                "insn %zu: atomic access of %u bytes at 0x%" PRIxPTR
		                " is not aligned to its size",
		                index, result->access_size, result->addr);
	} else if (hit) {
		used = snprintf(result->message, sizeof(result->message),
		                "insn %zu: %s of %u bytes at 0x%" PRIxPTR
		                " into read-only region %s",
		                index, what, result->access_size, result->addr, hit->name);
	} else {
		used = snprintf(result->message, sizeof(result->message),
		                "insn %zu: %s of %u bytes at 0x%" PRIxPTR
		                " is outside every region:",
		                index, what, result->access_size, result->addr);
		/* Name each region with the offset of the access from it. */
		for (size_t i = 0; i < region_count && used > 0 &&
		                   (size_t)used < sizeof(result->message);
		     i++)
			used += snprintf(result->message + used, sizeof(result->message) - (size_t)used,
			                 " %s[0x%" PRIxPTR "+%" PRIu64 "]", regions[i].name,
			                 regions[i].start, regions[i].len);
	}
	(void)used;
}

#define INTERP_NAME rk_interp_checked
#define INTERP_CHECKED 1
#define INTERP_INSN struct rk_insn
#define INTERP_CODE(prog) ((prog)->insns)
#define INTERP_HELPER(prog, slot) rk_prog_resolve_helper((prog)->helpers, (uint32_t)(slot)->imm)
#define INTERP_SUBPROG rk_interp_checked_subprog
#include "interp_loop.h"
