/*
 * hook_regs.c - perf register samples (PERF_SAMPLE_REGS_USER/_INTR) as
 * the struct pt_regs a kprobe/uprobe program reads through libbpf's
 * PT_REGS_PARM1() and friends.
 *
 * perf lays registers out in the order of its own enum (asm/perf_regs.h),
 * one u64 per bit set in the mask, lowest bit first; pt_regs is the
 * uapi <asm/ptrace.h> layout.  The table below is the whole mapping: a
 * register perf cannot sample (x86's orig_ax) gets the value the kernel
 * would show a probe.
 */
#include <stddef.h>
#include <string.h>

#include "hook_impl.h"

#if defined(__x86_64__)
#include <asm/perf_regs.h>
#include <asm/ptrace.h>

/* perf refuses DS, ES, FS and GS on x86_64 (arch/x86/kernel/perf_regs.c). */
#define REGS_MASK                                                                        \
	(((1ull << PERF_REG_X86_64_MAX) - 1) &                                            \
	 ~((1ull << PERF_REG_X86_DS) | (1ull << PERF_REG_X86_ES) | (1ull << PERF_REG_X86_FS) | \
	   (1ull << PERF_REG_X86_GS)))

struct reg_slot {
	unsigned perf_reg;
	size_t offset;
};

static const struct reg_slot reg_slots[] = {
	{PERF_REG_X86_AX, offsetof(struct pt_regs, rax)},
	{PERF_REG_X86_BX, offsetof(struct pt_regs, rbx)},
	{PERF_REG_X86_CX, offsetof(struct pt_regs, rcx)},
	{PERF_REG_X86_DX, offsetof(struct pt_regs, rdx)},
	{PERF_REG_X86_SI, offsetof(struct pt_regs, rsi)},
	{PERF_REG_X86_DI, offsetof(struct pt_regs, rdi)},
	{PERF_REG_X86_BP, offsetof(struct pt_regs, rbp)},
	{PERF_REG_X86_SP, offsetof(struct pt_regs, rsp)},
	{PERF_REG_X86_IP, offsetof(struct pt_regs, rip)},
	{PERF_REG_X86_FLAGS, offsetof(struct pt_regs, eflags)},
	{PERF_REG_X86_CS, offsetof(struct pt_regs, cs)},
	{PERF_REG_X86_SS, offsetof(struct pt_regs, ss)},
	{PERF_REG_X86_R8, offsetof(struct pt_regs, r8)},
	{PERF_REG_X86_R9, offsetof(struct pt_regs, r9)},
	{PERF_REG_X86_R10, offsetof(struct pt_regs, r10)},
	{PERF_REG_X86_R11, offsetof(struct pt_regs, r11)},
	{PERF_REG_X86_R12, offsetof(struct pt_regs, r12)},
	{PERF_REG_X86_R13, offsetof(struct pt_regs, r13)},
	{PERF_REG_X86_R14, offsetof(struct pt_regs, r14)},
	{PERF_REG_X86_R15, offsetof(struct pt_regs, r15)},
};
#define CTX_SIZE sizeof(struct pt_regs)
#define CTX_SP_OFFSET offsetof(struct pt_regs, rsp)

/* A probe hit is a trap, not a system call: the kernel shows orig_ax = -1. */
static void fill_unsampled(void *ctx)
{
	struct pt_regs *regs = ctx;
	regs->orig_rax = (unsigned long)-1;
}

#elif defined(__aarch64__)
#include <asm/perf_regs.h>
#include <asm/ptrace.h>

#define REGS_MASK ((1ull << PERF_REG_ARM64_MAX) - 1)

struct reg_slot {
	unsigned perf_reg;
	size_t offset;
};

#define X(n) {PERF_REG_ARM64_X##n, offsetof(struct user_pt_regs, regs) + (n) * sizeof(__u64)}
static const struct reg_slot reg_slots[] = {
	X(0),  X(1),  X(2),  X(3),  X(4),  X(5),  X(6),  X(7),  X(8),  X(9),  X(10),
	X(11), X(12), X(13), X(14), X(15), X(16), X(17), X(18), X(19), X(20), X(21),
	X(22), X(23), X(24), X(25), X(26), X(27), X(28), X(29),
	{PERF_REG_ARM64_LR, offsetof(struct user_pt_regs, regs) + 30 * sizeof(__u64)},
	{PERF_REG_ARM64_SP, offsetof(struct user_pt_regs, sp)},
	{PERF_REG_ARM64_PC, offsetof(struct user_pt_regs, pc)},
};
#undef X
#define CTX_SIZE sizeof(struct user_pt_regs)
#define CTX_SP_OFFSET offsetof(struct user_pt_regs, sp)

/* perf does not sample pstate; programs see 0. */
static void fill_unsampled(void *ctx)
{
	(void)ctx;
}
#endif

#ifdef REGS_MASK
uint64_t rk_regs_sample_mask(void)
{
	return REGS_MASK;
}

size_t rk_regs_ctx_size(void)
{
	return CTX_SIZE;
}

/* Index of perf register bit in a sample taken with REGS_MASK. */
static unsigned sample_index(unsigned perf_reg)
{
	return (unsigned)__builtin_popcountll(REGS_MASK & ((1ull << perf_reg) - 1));
}

void rk_regs_to_ctx(const uint8_t *regs, void *ctx)
{
	memset(ctx, 0, CTX_SIZE);
	for (size_t i = 0; i < sizeof(reg_slots) / sizeof(reg_slots[0]); i++) {
		uint64_t value = rk_perf_u64(regs + sample_index(reg_slots[i].perf_reg) * 8u);
		memcpy((uint8_t *)ctx + reg_slots[i].offset, &value, sizeof(value));
	}
	fill_unsampled(ctx);
}

uint64_t rk_regs_ctx_sp(const void *ctx)
{
	uint64_t sp;
	memcpy(&sp, (const uint8_t *)ctx + CTX_SP_OFFSET, sizeof(sp));
	return sp;
}
#else
uint64_t rk_regs_sample_mask(void)
{
	return 0;
}

size_t rk_regs_ctx_size(void)
{
	return 0;
}

void rk_regs_to_ctx(const uint8_t *regs, void *ctx)
{
	(void)regs;
	(void)ctx;
}

uint64_t rk_regs_ctx_sp(const void *ctx)
{
	(void)ctx;
	return 0;
}
#endif
