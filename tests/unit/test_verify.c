/*
 * test_verify.c - programs rk_verify() must reject, one per rule and
 * corner, in the manner of the kernel's tools/testing/selftests/bpf/verifier:
 * each names the instruction the message must point at and words it must
 * contain.  The maps and the context every program sees are described in
 * verify_cases.h; test_verify_accept.c holds the programs that must pass
 * (and the known verifier bugs, disabled).
 *
 * Instruction indexes count slots: an lddw takes two.  Comments give the
 * index of the instruction a case is about.
 */
#include <criterion/criterion.h>

#include "verify_cases.h"

#define LOOKUP_VALUES VERIFY_LOOKUP_VALUES
#define RESERVE_16 VERIFY_RESERVE_16

/* ======================================================================== */
/* Registers and exit                                                       */
/* ======================================================================== */

VERIFY_REJECT_CASE(uninit_register_read, 0, "r3 is read before it is written",
	.source = "mov %r0, %r3\n"
	          "exit\n")

VERIFY_REJECT_CASE(r0_not_set_at_exit, 1, "r0 is not set at exit",
	.source = "mov %r1, 1\n"
	          "exit\n")

VERIFY_REJECT_CASE(r0_set_on_one_path_only, 3, "r0 is not set at exit",
	.source = "ldxb %r2, [%r1+0]\n"
	          "jeq %r2, 0, skip\n"
	          "mov %r0, 1\n"
	          "skip:\n"
	          "exit\n") /* 3 */

VERIFY_REJECT_CASE(helper_clobbers_r1_to_r5, 2, "r1 is read before it is written",
	.source = "mov %r1, 1\n"
	          "call 5\n"
	          "mov %r0, %r1\n" /* 2 */
	          "exit\n")

VERIFY_REJECT_CASE(callee_cannot_read_callers_r6, 3, "r6 is read before it is written",
	.source = "mov %r6, 1\n"
	          "call local f\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, %r6\n" /* 3 */
	          "exit\n")

VERIFY_REJECT_CASE(pointer_on_one_path_number_on_other, 4,
	"holds different kinds of value on paths that join",
	.source = "ldxb %r2, [%r1+0]\n"
	          "mov %r3, 5\n"
	          "jeq %r2, 0, skip\n"
	          "mov %r3, %r1\n"
	          "skip:\n"
	          "ldxb %r0, [%r3+0]\n" /* 4 */
	          "exit\n")

VERIFY_REJECT_CASE(return_stack_pointer, 1, "returning pointer r0 (fp+0)",
	.source = "mov %r0, %r10\n"
	          "exit\n")

VERIFY_REJECT_CASE(return_map_value_pointer, 8, "returning pointer r0 (map_value(values)+0)",
	.source = LOOKUP_VALUES
	          "exit\n" /* 8 */
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* Deliberate: a subprogram returns numbers only, as the main program does. */
VERIFY_REJECT_CASE(return_pointer_from_subprogram, 4, "returning pointer r0 (ctx+0)",
	.source = "call local f\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, %r1\n"
	          "exit\n") /* 4 */

VERIFY_REJECT_CASE(no_context_r1_is_a_number, 0, "a number is not a pointer", .no_ctx = true,
	.source = "ldxdw %r0, [%r1+0]\n"
	          "exit\n")

/* ======================================================================== */
/* The stack                                                                */
/* ======================================================================== */

VERIFY_REJECT_CASE(stack_read_never_written, 0, "byte fp-8 is not initialised",
	.source = "ldxdw %r0, [%r10-8]\n"
	          "exit\n")

VERIFY_REJECT_CASE(stack_read_partially_written, 1, "byte fp-4 is not initialised",
	.source = "stw [%r10-8], 1\n"
	          "ldxdw %r0, [%r10-8]\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(stack_write_at_fp_minus_513, 1, "offset -513 of the stack frame",
	.source = "mov %r0, 0\n"
	          "stb [%r10-513], 1\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(stack_read_at_fp_plus_0, 0, "offset 0 of the stack frame (-512..-1 valid)",
	.source = "ldxb %r0, [%r10+0]\n"
	          "exit\n")

VERIFY_REJECT_CASE(stack_write_straddles_frame_top, 0, "write of 8 bytes at offset -4",
	.source = "stdw [%r10-4], 0\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(stack_pointer_moved_below_frame, 2, "offset -520 of the stack frame",
	.source = "mov %r2, %r10\n"
	          "add %r2, -520\n"
	          "ldxb %r0, [%r2+0]\n" /* 2 */
	          "exit\n")

VERIFY_REJECT_CASE(stack_variable_write_then_read, 6, "byte fp-16 is not initialised",
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 7\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "stb [%r3+0], 1\n"     /* fp-16+[0, 7]: no byte is surely written */
	          "ldxb %r0, [%r10-16]\n" /* 6 */
	          "exit\n")

VERIFY_REJECT_CASE(stack_variable_offset_unbounded, 3, "r2 may be anything in [0, 4294967295]",
	.source = "ldxw %r2, [%r1+0]\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n" /* 3 */
	          "stb [%r3+0], 1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(stack_variable_read_covers_uninit, 6, "byte fp-16 is not initialised",
	.source = "stdw [%r10-8], 1\n"
	          "ldxb %r2, [%r1+0]\n"
	          "and %r2, 15\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r0, [%r3+0]\n" /* 6: fp-16 .. fp-1, only fp-8.. written */
	          "exit\n")

VERIFY_REJECT_CASE(pointer_stored_at_variable_stack_offset, 5,
	"storing pointer r1 at a variable stack offset",
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "stxdw [%r3+0], %r1\n" /* 5 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(spilled_pointer_read_back_partially, 1,
	"covers part of a pointer spilled at fp-8",
	.source = "stxdw [%r10-8], %r1\n"
	          "ldxw %r0, [%r10-8]\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(pointer_spilled_misaligned, 0, "8 bytes at an 8-byte aligned offset",
	.source = "stxdw [%r10-12], %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_spilled_in_4_bytes, 0, "storing pointer r1 in 4 bytes at fp-8",
	.source = "stxw [%r10-8], %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* Overwriting half of a spilled pointer leaves the other half unreadable. */
VERIFY_REJECT_CASE(spilled_pointer_half_overwritten, 2, "byte fp-4 is not initialised",
	.source = "stxdw [%r10-8], %r1\n"
	          "stw [%r10-8], 0\n"
	          "ldxw %r0, [%r10-4]\n" /* 2 */
	          "exit\n")

VERIFY_REJECT_CASE(callee_frame_starts_uninitialised, 6, "byte fp-8 is not initialised",
	.source = "call local writer\n"
	          "call local reader\n"
	          "exit\n"
	          "writer:\n"
	          "stdw [%r10-8], 42\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "reader:\n"
	          "ldxdw %r0, [%r10-8]\n" /* 6 */
	          "exit\n")

/* ======================================================================== */
/* The context                                                              */
/* ======================================================================== */

VERIFY_REJECT_CASE(ctx_read_at_its_size, 0, "offset 64 of the context (struct robot_ctx, 64 bytes)",
	.source = "ldxb %r0, [%r1+64]\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_read_2_bytes_at_size_minus_1, 0, "read of 2 bytes at offset 63 of the context",
	.source = "ldxh %r0, [%r1+63]\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_read_before_start, 0, "offset -1 of the context",
	.source = "ldxb %r0, [%r1-1]\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_write_read_only_part, 1, "write to bytes 4..7 of the context (struct robot_ctx): that part is read-only",
	.source = "mov %r0, 0\n"
	          "stw [%r1+4], 7\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(ctx_write_straddles_writable_end, 1, "write to bytes 12..19 of the context",
	.source = "mov %r0, 0\n"
	          "stdw [%r1+12], 0\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(ctx_variable_write_past_writable_part, 3, "write to bytes 8..23 of the context",
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 15\n"
	          "add %r1, %r2\n"
	          "stb [%r1+8], 0\n" /* 3 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_pointer_field_read_partially, 0,
	"covers part of the pointer field 'scan' (offset 16); load it whole",
	.source = "ldxw %r0, [%r1+16]\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_pointer_field_read_misaligned, 0, "covers part of the pointer field 'scan'",
	.source = "ldxdw %r0, [%r1+20]\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_variable_read_covers_pointer_field, 3, "covers part of the pointer field 'scan'",
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 63\n"
	          "add %r1, %r2\n"
	          "ldxb %r0, [%r1+0]\n" /* 3 */
	          "exit\n")

VERIFY_REJECT_CASE(ctx_pointer_field_memory_off_by_one, 1,
	"read of 8 bytes at offset 25 of the memory (32 bytes)",
	.source = "ldxdw %r2, [%r1+16]\n"
	          "ldxdw %r0, [%r2+25]\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(ctx_read_only_pointer_field_written, 1, "it is read-only for programs",
	.source = "ldxdw %r2, [%r1+24]\n"
	          "stb [%r2+0], 1\n" /* 1 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_pointer_stored_into_ctx, 0, "storing pointer r1 (ctx+0) outside the stack",
	.source = "stxdw [%r1+8], %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(ctx_argument_not_at_its_start, 4,
	"bpf_tail_call: r1 must be the context the program received",
	.source = "add %r1, 8\n"
	          "lddw %r2, map_by_fd 4\n"
	          "mov %r3, 0\n"
	          "call 12\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Map values: bounds, and what bounds a number                             */
/* ======================================================================== */

VERIFY_REJECT_CASE(map_value_off_by_one_at_end, 8,
	"read of 8 bytes at offset 9 of a value of map 'values' (16 bytes)",
	.source = LOOKUP_VALUES
	          "ldxdw %r0, [%r0+9]\n" /* 8 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_value_before_start, 8, "offset -1 of a value of map 'values'",
	.source = LOOKUP_VALUES
	          "ldxb %r0, [%r0-1]\n" /* 8 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_value_unbounded_index, 10,
	"may touch offsets 0..65535 of a value of map 'values' (16 bytes)",
	.source = LOOKUP_VALUES
	          "ldxh %r1, [%r9+0]\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 10 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_value_index_from_64_bits_unbounded, 9, "r0 += r1: r1 may be anything",
	.source = LOOKUP_VALUES
	          "ldxdw %r1, [%r9+0]\n"
	          "add %r0, %r1\n" /* 9 */
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

/* if ((u8)x > 200) skip; then (s8)x is used: 128..200 become negative. */
VERIFY_REJECT_CASE(unsigned_bound_then_sign_extended, 12, "may touch offsets -128..127",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "jgt %r1, 200, out\n"
	          "movsx864 %r1, %r1\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 12 */
	          "out:\n"
	          "exit\n")

/* if ((s16)x > 15) skip: x may still be -32768. */
VERIFY_REJECT_CASE(signed_upper_bound_only, 11, "may touch offsets -32768..15",
	.source = LOOKUP_VALUES
	          "ldxsh %r1, [%r9+0]\n"
	          "jsgt %r1, 15, out\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 11 */
	          "out:\n"
	          "exit\n")

/* The signed twin of a correct unsigned check: jslt bounds nothing from below. */
VERIFY_REJECT_CASE(signed_compare_instead_of_unsigned, 11, "may touch offsets",
	.source = LOOKUP_VALUES
	          "ldxsb %r1, [%r9+0]\n"
	          "jsge %r1, 16, out\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 11 */
	          "out:\n"
	          "exit\n")

/* if ((u32)x > 15) skip: the high 32 bits of x are still anything. */
VERIFY_REJECT_CASE(jmp32_bound_then_64_bit_use, 10, "r0 += r1: r1 may be anything",
	.source = LOOKUP_VALUES
	          "ldxdw %r1, [%r9+0]\n"
	          "jgt32 %r1, 15, out\n"
	          "add %r0, %r1\n" /* 10 */
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

/* x = (u8)y + 2^32: a 32-bit compare sees 0..255, the value is above 4G. */
VERIFY_REJECT_CASE(jmp32_on_value_with_high_bits, 13, "r1 may be anything in [4294967296, 4294967311]",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "lddw %r2, 0x100000000\n"
	          "add %r1, %r2\n"
	          "jgt32 %r1, 15, out\n"
	          "add %r0, %r1\n" /* 13 */
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(or_does_not_bound, 10, "r0 += r1: r1 may be anything",
	.source = LOOKUP_VALUES
	          "ldxdw %r1, [%r9+0]\n"
	          "or %r1, 15\n"
	          "add %r0, %r1\n" /* 10 */
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(left_shift_grows_past_value, 11, "may touch offsets 0..4080",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "lsh %r1, 4\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 11 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(arithmetic_shift_keeps_sign, 11, "may touch offsets -8..7",
	.source = LOOKUP_VALUES
	          "ldxdw %r1, [%r9+0]\n"
	          "arsh %r1, 60\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 11 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(multiply_grows_past_value, 12, "may touch offsets 0..30",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "mul %r1, 2\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 12 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(negated_index, 12, "may touch offsets -15..0",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "neg %r1\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 12 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(subtraction_may_go_negative, 12, "may touch offsets -4..11",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "sub %r1, 4\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 12 */
	          "out:\n"
	          "exit\n")

/* w1 = w1 - 1 with w1 = 0 is 0xffffffff, zero-extended. */
VERIFY_REJECT_CASE(alu32_wraps_to_4g, 11, "r1 may be anything in [0, 4294967295]",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "sub32 %r1, 1\n"
	          "add %r0, %r1\n" /* 11 */
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(byte_swap_moves_bits_up, 12, "may touch offsets 0..3840",
	.source = LOOKUP_VALUES
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "be16 %r1\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n" /* 12 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_stored_into_map_value, 8, "storing pointer r10 (fp+0) outside the stack",
	.source = LOOKUP_VALUES
	          "stxdw [%r0+0], %r10\n" /* 8 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(rodata_written_through_map_val, 2,
	"write to a value of map '.rodata' (16 bytes): it is read-only for programs",
	.source = "lddw %r1, map_val_by_fd 3, 0\n"
	          "stb [%r1+0], 0\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(rodata_written_through_lookup, 7, "value of map '.rodata' (16 bytes): it is read-only",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 3\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "stb [%r0+0], 0\n" /* 7 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_reference_arithmetic, 2, "it is a reference, not a pointer to memory",
	.source = "lddw %r1, map_by_fd 0\n"
	          "add %r1, 8\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_reference_dereferenced, 2, "a map reference is not a pointer to its values",
	.source = "lddw %r1, map_by_fd 0\n"
	          "ldxdw %r0, [%r1+0]\n" /* 2 */
	          "exit\n")

/* ======================================================================== */
/* NULL                                                                     */
/* ======================================================================== */

VERIFY_REJECT_CASE(lookup_without_null_check, 6,
	"r0 may be NULL here; check the result of bpf_map_lookup_elem (insn 5)",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "ldxdw %r0, [%r0+0]\n" /* 6 */
	          "exit\n")

VERIFY_REJECT_CASE(arithmetic_on_nullable_pointer, 6, "arithmetic on r0 (map_value_or_null(values)+0), which may be NULL",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "add %r0, 8\n" /* 6 */
	          "jeq %r0, 0, out\n"
	          "ldxdw %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

/* The copy is checked on one branch only; where they meet, r0 may be NULL. */
VERIFY_REJECT_CASE(copy_checked_on_one_branch_only, 11, "r0 may be NULL here",
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "mov %r6, %r0\n"
	          "ldxb %r1, [%r9+0]\n"
	          "jeq %r1, 0, skip\n"
	          "jeq %r6, 0, out\n"
	          "skip:\n"
	          "ldxdw %r0, [%r0+0]\n" /* 11 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(dereference_on_the_null_path, 7, "r0, which is NULL here",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jne %r0, 0, out\n"
	          "ldxdw %r0, [%r0+0]\n" /* 7 */
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(nullable_pointer_as_helper_key, 9, "r2 may be NULL here",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "mov %r2, %r0\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(null_key_pointer, 3, "r2, which is NULL here",
	.source = "mov %r2, 0\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 1\n" /* 3 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(constant_address_dereferenced, 2, "read through r1 (4096): a number is not a pointer",
	.source = "lddw %r1, 0x1000\n"
	          "ldxdw %r0, [%r1+0]\n" /* 2 */
	          "exit\n")

/* ======================================================================== */
/* Pointer arithmetic and comparisons                                       */
/* ======================================================================== */

VERIFY_REJECT_CASE(alu32_on_pointer, 0, "32-bit arithmetic on r1 (ctx+0) would cut a pointer in half",
	.source = "add32 %r1, 4\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(mov32_of_pointer, 0, "32-bit arithmetic on r1 (ctx+0)",
	.source = "mov32 %r2, %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_multiplied, 0, "*= on pointer r1 (ctx+0) is not allowed",
	.source = "mul %r1, 2\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_masked, 0, "&= on pointer r1",
	.source = "and %r1, -8\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_shifted, 0, ">>= on pointer r1",
	.source = "rsh %r1, 3\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_negated, 0, "neg on pointer r1",
	.source = "neg %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_minus_pointer_of_other_object, 1, "-= on pointer r2 (fp+0) is not allowed",
	.source = "mov %r2, %r10\n"
	          "sub %r2, %r1\n" /* 1 */
	          "mov %r0, %r2\n"
	          "exit\n")

VERIFY_REJECT_CASE(number_minus_pointer, 1, "-= on pointer r1 (ctx+0)",
	.source = "mov %r2, 100\n"
	          "sub %r2, %r1\n" /* 1 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_plus_pointer, 0, "+= on pointer r1",
	.source = "add %r1, %r10\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_compared_with_number, 1,
	"comparing pointer r1 (ctx+0) with a number or another object",
	.source = "mov %r0, 0\n"
	          "jgt %r1, 100, out\n" /* 1 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointers_of_two_objects_compared, 1, "comparing pointer r1 (ctx+0)",
	.source = "mov %r0, 0\n"
	          "jgt %r1, %r10, out\n" /* 1 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_null_check_in_32_bits, 6, "with 32 bits of something",
	.source = RESERVE_16
	          "jeq32 %r0, 0, out\n" /* 6 */
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_offset_too_large, 0, "r1 += 1073741824: the offset is too large",
	.source = "add %r1, 0x40000000\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(function_address_arithmetic, 2, "arithmetic on r2 (func(insn 5))",
	.source = "lddw %r2, code_addr 4\n"
	          "add %r2, 8\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Helper arguments                                                         */
/* ======================================================================== */

VERIFY_REJECT_CASE(key_on_uninitialised_stack, 4,
	"bpf_map_lookup_elem: r2 points to 4 bytes at fp-4, but byte fp-4 is not initialised",
	.source = "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(key_larger_than_initialised_area, 5, "r2 points to 8 bytes at fp-8, but byte fp-4",
	.source = "stw [%r10-8], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 1\n" /* 5 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(value_larger_than_initialised_area, 9,
	"bpf_map_update_elem: r3 points to 8 bytes at fp-16, but byte fp-12",
	.source = "stdw [%r10-8], 0\n"
	          "stw [%r10-16], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "mov %r4, 0\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 2\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(map_argument_not_a_map, 4, "bpf_map_lookup_elem: r1 must be a map",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r1, 0\n"
	          "call 1\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(lookup_on_a_ring_buffer, 5,
	"bpf_map_lookup_elem needs a hash, array or timeseries map; map 'events' is a ringbuf map",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 2\n"
	          "call 1\n" /* 5 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(reserve_on_an_array, 4, "bpf_ringbuf_reserve needs a ringbuf map; map 'values' is a array map",
	.source = "lddw %r1, map_by_fd 0\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(timeseries_push_on_a_hash, 6, "rk_timeseries_push needs a timeseries map",
	.source = "stdw [%r10-8], 0\n"
	          "lddw %r1, map_by_fd 1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 5\n"
	          "call 32769\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(tail_call_through_an_array, 4, "bpf_tail_call needs a prog_array map",
	.source = "lddw %r2, map_by_fd 0\n"
	          "mov %r3, 0\n"
	          "mov %r0, 0\n"
	          "call 12\n" /* 4 */
	          "exit\n")

VERIFY_REJECT_CASE(helper_size_unbounded, 8, "bpf_ringbuf_output: size r3 may be",
	.source = "mov %r9, %r1\n"
	          "stdw [%r10-8], 0\n"
	          "ldxdw %r3, [%r9+0]\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r4, 0\n"
	          "call 130\n" /* 8 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(helper_size_past_buffer, 9, "read of 255 bytes at offset -16 of the stack frame",
	.source = "mov %r9, %r1\n"
	          "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "ldxb %r3, [%r9+0]\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -16\n"
	          "mov %r4, 0\n"
	          "call 130\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(helper_size_may_be_negative, 8, "bpf_ringbuf_output: size r3 may be [-128, 127]",
	.source = "mov %r9, %r1\n"
	          "stdw [%r10-8], 0\n"
	          "ldxsb %r3, [%r9+0]\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r4, 0\n"
	          "call 130\n" /* 8 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(const_size_may_be_zero, 6, "bpf_trace_printk: size r2 may be 0 ([0, 7])",
	.source = "mov %r9, %r1\n"
	          "stdw [%r10-8], 0x0a6425\n"
	          "ldxb %r2, [%r9+0]\n"
	          "and %r2, 7\n"
	          "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "call 6\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(helper_writes_read_only_memory, 2, "write to the memory (16 bytes): it is read-only",
	.source = "ldxdw %r1, [%r1+24]\n"
	          "mov %r2, 16\n"
	          "call 16\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(helper_writes_past_buffer, 3, "write of 32 bytes at offset -16 of the stack frame",
	.source = "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 32\n"
	          "call 16\n" /* 3 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(helper_reads_spilled_pointer, 8,
	"the bytes at r2 include a pointer spilled at fp-8",
	.source = "stxdw [%r10-8], %r1\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 8\n"
	          "mov %r4, 0\n"
	          "mov %r0, 0\n"
	          "call 130\n" /* 8 */
	          "exit\n")

VERIFY_REJECT_CASE(trace_printk_format_uninitialised, 3,
	"bpf_trace_printk: r1 points to 8 bytes at fp-8, but byte fp-8 is not initialised",
	.source = "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "mov %r2, 8\n"
	          "call 6\n" /* 3 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_leaked_through_trace_printk, 7,
	"bpf_trace_printk: passing pointer r3 (fp+0) would reveal the daemon's addresses",
	.source = "stdw [%r10-8], 0x0a6425\n"
	          "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "mov %r2, 4\n"
	          "mov %r3, %r10\n"
	          "mov %r4, 0\n"
	          "mov %r5, 0\n"
	          "call 6\n" /* 7 */
	          "exit\n")

VERIFY_REJECT_CASE(pointer_leaked_as_emergency_stop_mask, 1,
	"rk_emergency_stop: r1 must be a number, but holds a pointer (fp+0)",
	.source = "mov %r1, %r10\n"
	          "call 32768\n" /* 1 */
	          "exit\n")

VERIFY_REJECT_CASE(pointer_leaked_as_update_flags, 9, "bpf_map_update_elem: r4 must be a number",
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "mov %r4, %r10\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 2\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_leaked_as_timeseries_sample, 6, "rk_timeseries_push: r3 must be a number",
	.source = "stw [%r10-4], 0\n"
	          "lddw %r1, map_by_fd 5\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r3, %r2\n"
	          "call 32769\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(snprintf_format_on_stack, 9,
	"bpf_snprintf: r3 (fp-8) must point to a constant string in read-only data",
	.source = "stdw [%r10-8], 0x6425\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -8\n"
	          "mov %r4, 0\n"
	          "mov %r5, 0\n"
	          "call 165\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(snprintf_format_in_writable_map, 13,
	"r3 (map_value(values)+0) must point to a constant string in read-only data",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r3, %r0\n"
	          "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 16\n"
	          "mov %r4, 0\n"
	          "mov %r5, 0\n"
	          "call 165\n" /* 13 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(snprintf_format_not_nul_terminated, 7,
	"the string at r3 (map_value(.rodata)+10) is not NUL-terminated within its object",
	.source = "lddw %r3, map_val_by_fd 3, 10\n"
	          "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 16\n"
	          "mov %r4, 0\n"
	          "mov %r5, 0\n"
	          "call 165\n" /* 7 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_LOAD_FAILS_CASE(unknown_helper_id, 1, "call to helper 9999, which is not registered",
	.source = "mov %r0, 0\n"
	          "call 9999\n" /* 1: refused by rk_prog_new_maps, before the verifier */
	          "exit\n")

VERIFY_REJECT_CASE(callx_is_refused, 1, "callx (a call through a register) cannot be verified",
	.source = "mov %r2, 5\n"
	          "call %r2\n" /* 1 */
	          "exit\n")

VERIFY_LOAD_FAILS_CASE(write_to_frame_pointer_refused_at_load, 0, "the read-only frame pointer",
	.source = "add %r10, 8\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Ring buffer records                                                      */
/* ======================================================================== */

VERIFY_REJECT_CASE(record_never_released, 8,
	"the ring-buffer record reserved at insn 5 is neither submitted nor discarded on this path",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n" /* 8 */
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_released_on_one_path_only, 12,
	"the ring-buffer record reserved at insn 5 is submitted or discarded on one path but not on another",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "ldxb %r1, [%r9+0]\n"
	          "jeq %r1, 0, skip\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "skip:\n"
	          "mov %r0, 0\n" /* 12: the paths meet */
	          "out:\n"
	          "exit\n")

/* Releasing a record invalidates every copy of it, so the second submit reads nothing. */
VERIFY_REJECT_CASE(record_submitted_twice, 11, "r6 is read before it is written",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "mov %r1, %r6\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r1, %r6\n" /* 11 */
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_discarded_after_submit_via_stack, 13,
	"bpf_ringbuf_discard: argument r1 is not initialised",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "stxdw [%r10-8], %r0\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "ldxdw %r1, [%r10-8]\n"
	          "mov %r2, 0\n"
	          "call 133\n" /* 13 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_written_after_submit, 11, "write through r6, which is read before it is written",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "stdw [%r6+0], 1\n" /* 11 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_submitted_without_null_check, 8,
	"bpf_ringbuf_submit: r1 may be NULL here; check the result of bpf_ringbuf_reserve (insn 5)",
	.source = RESERVE_16
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n" /* 8 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_submitted_on_the_null_path, 9,
	"bpf_ringbuf_submit: r1 (0) must be a record from bpf_ringbuf_reserve",
	.source = RESERVE_16
	          "jne %r0, 0, ok\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "ok:\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_submitted_from_its_middle, 10, "must point to the start of the record",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "mov %r1, %r0\n"
	          "add %r1, 8\n"
	          "mov %r2, 0\n"
	          "call 132\n" /* 10 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_written_past_its_size, 7,
	"write of 8 bytes at offset 12 of the ring-buffer record (16 bytes)",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "stdw [%r0+12], 1\n" /* 7 */
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(reserve_with_variable_size, 6, "bpf_ringbuf_reserve: the size r2 ([0, 15]) must be a constant",
	.source = "mov %r9, %r1\n"
	          "ldxb %r2, [%r9+0]\n"
	          "and %r2, 15\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r3, 0\n"
	          "call 131\n" /* 6 */
	          "jeq %r0, 0, out\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(pointer_stored_into_record, 7, "storing pointer r9 (ctx+0) outside the stack",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "stxdw [%r0+0], %r9\n" /* 7 */
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_held_across_tail_call, 12,
	"bpf_tail_call with the ring-buffer record reserved at insn 5 still held",
	.source = RESERVE_16
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "mov %r1, %r9\n"
	          "lddw %r2, map_by_fd 4\n"
	          "mov %r3, 0\n"
	          "call 12\n" /* 12 */
	          "mov %r1, %r6\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_leaked_by_subprogram, 2,
	"the ring-buffer record reserved at insn 7 is neither submitted nor discarded",
	.source = "call local f\n"
	          "mov %r0, 0\n"
	          "exit\n" /* 2 */
	          "f:\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n" /* 7 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(record_held_when_loop_repeats, 9,
	"a ring-buffer record reserved in the loop at insns 1..9 is still held when the loop repeats",
	.source = "mov %r6, 0\n"
	          "loop:\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jeq %r0, 0, out\n"
	          "stxdw [%r10-8], %r0\n"
	          "add %r6, 1\n"
	          "jlt %r6, 4, loop\n" /* 9 */
	          "ldxdw %r1, [%r10-8]\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Calls                                                                    */
/* ======================================================================== */

VERIFY_REJECT_CASE(tail_call_inside_subprogram, 6,
	"bpf_tail_call inside a subprogram or callback is not supported",
	.source = "call local f\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "f:\n"
	          "lddw %r2, map_by_fd 4\n"
	          "mov %r3, 0\n"
	          "call 12\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(recursion_exceeds_call_depth, 2, "call depth exceeds 8 frames (is the function recursive?)",
	.source = "call local f\n"
	          "exit\n"
	          "f:\n"
	          "call local f\n" /* 2 */
	          "exit\n")

/* main and eight nested calls: nine frames. */
VERIFY_REJECT_CASE(call_chain_of_nine_frames, 14, "call depth exceeds 8 frames",
	.source = "call local f1\nexit\n"
	          "f1:\ncall local f2\nexit\n"
	          "f2:\ncall local f3\nexit\n"
	          "f3:\ncall local f4\nexit\n"
	          "f4:\ncall local f5\nexit\n"
	          "f5:\ncall local f6\nexit\n"
	          "f6:\ncall local f7\nexit\n"
	          "f7:\ncall local f8\nexit\n" /* 14 */
	          "f8:\nmov %r0, 0\nexit\n")

VERIFY_REJECT_CASE(main_falls_into_a_function, 1, "the function at insns 0..1 runs past its last instruction",
	.source = "mov %r0, 0\n"
	          "call local f\n" /* 1 */
	          "f:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(jump_into_another_function, 2, "jump to insn 6 leaves the function at insns 0..4",
	.source = "mov %r0, 0\n"
	          "ldxb %r2, [%r1+0]\n"
	          "jeq %r2, 0, inside\n" /* 2 */
	          "call local f\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, 0\n"
	          "inside:\n"
	          "exit\n")

VERIFY_REJECT_CASE(jump_back_into_another_function, 4, "jump back to insn 0, which is in another function",
	.source = "mov %r0, 0\n"
	          "call local f\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, 0\n"
	          "ja -5\n" /* 4 */
	          "exit\n")

/* ======================================================================== */
/* Loops                                                                    */
/* ======================================================================== */

VERIFY_REJECT_CASE(infinite_loop_without_induction_variable, 1,
	"the loop at insns 1..2 has no induction variable",
	.source = "mov %r0, 0\n"
	          "loop:\n"
	          "add %r0, 0\n"
	          "ja loop\n"
	          "exit\n")

/* while (x) x &= x - 1: it ends (at most 64 times), but nothing counts. */
VERIFY_REJECT_CASE(loop_bound_not_found, 3,
	"the loop at insns 3..7 compares no induction variable with a bounded number",
	.source = "ldxdw %r2, [%r1+0]\n"
	          "mov %r0, 0\n"
	          "jeq %r2, 0, out\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "mov %r3, %r2\n"
	          "sub %r3, 1\n"
	          "and %r2, %r3\n"
	          "jne %r2, 0, loop\n"
	          "out:\n"
	          "exit\n")

/* for (i = 0; i <= 16; i++) sum += buf[i] with buf[16]: one byte past the buffer. */
VERIFY_REJECT_CASE(loop_off_by_one_past_buffer, 7, "may touch offsets -16..0 of the stack frame",
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n" /* 7 */
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "jle %r2, 16, loop\n"
	          "exit\n")

VERIFY_REJECT_CASE(loop_counter_steps_differ_by_path, 2, "the loop at insns 2..7 has no induction variable",
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "ldxb %r3, [%r1+0]\n"
	          "jeq %r3, 0, two\n"
	          "add %r2, 1\n"
	          "ja next\n"
	          "two:\n"
	          "add %r2, 2\n"
	          "next:\n"
	          "jlt %r2, 100, loop\n"
	          "exit\n")

/* A "continue" that skips the increment: the counter may stand still. */
VERIFY_REJECT_CASE(loop_counter_not_incremented_on_every_path, 2,
	"the loop at insns 2..6 compares no induction variable with a bounded number",
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "ldxb %r3, [%r1+0]\n"
	          "jeq %r3, 0, next\n"
	          "add %r2, 1\n"
	          "next:\n"
	          "add %r0, 1\n"
	          "jlt %r2, 16, loop\n"
	          "exit\n")

/* for (u64 i = 10; i >= 0; i--): an unsigned count-down never ends. */
VERIFY_REJECT_CASE(unsigned_countdown_never_ends, 2, "r2 may be [-1, 9] when the loop repeats, past 0",
	.source = "mov %r0, 0\n"
	          "mov %r2, 10\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "sub %r2, 1\n"
	          "jge %r2, 0, loop\n"
	          "exit\n")

/* for (i = 0; i != 15; i += 2): i steps over its limit. */
VERIFY_REJECT_CASE(jne_loop_steps_over_its_limit, 2, "r2 may be [2, 16]",
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "add %r2, 2\n"
	          "jne %r2, 15, loop\n"
	          "exit\n")

VERIFY_REJECT_CASE(loop_limit_is_any_64_bit_number, 3, "cannot bound the loop at insns 3..5: it may iterate",
	.source = "ldxdw %r6, [%r1+0]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "add %r2, 1\n"
	          "jlt %r2, %r6, loop\n"
	          "exit\n")

VERIFY_REJECT_CASE(loop_counter_from_helper, 2, "the loop at insns 2..5 has no induction variable",
	.source = "mov %r0, 0\n"
	          "mov %r6, 0\n"
	          "loop:\n"
	          "call 7\n"
	          "mov %r6, %r0\n"
	          "and %r6, 15\n"
	          "jlt %r6, 8, loop\n"
	          "exit\n")

VERIFY_REJECT_CASE(overlapping_loops, 4, "the loop at insns 2..4 overlaps the loop at insns 1..3; loops must nest",
	.source = "mov %r0, 0\n"
	          "a:\n"
	          "add %r0, 1\n"
	          "b:\n"
	          "add %r0, 1\n"
	          "jlt %r0, 10, a\n"  /* 3 */
	          "jlt %r0, 20, b\n"  /* 4 */
	          "exit\n")

VERIFY_REJECT_CASE(loop_with_two_entries, 1, "a loop must have a single entry",
	.source = "mov %r0, 0\n"
	          "jeq %r1, 0, middle\n" /* 1: into the body, past its head */
	          "loop:\n"
	          "add %r0, 1\n"
	          "middle:\n"
	          "add %r0, 1\n"
	          "jlt %r0, 10, loop\n"
	          "exit\n",
	.no_ctx = true)

/* Nine nested loops (each tested at its top): one more than RK_VMAX_LOOP_DEPTH. */
VERIFY_REJECT_CASE(loops_nest_too_deep, 18, "loops nest deeper than 8",
	.source = "mov %r0, 0\n"
	          "mov %r1, 0\nh0:\njge %r1, 2, x0\n"
	          "mov %r2, 0\nh1:\njge %r2, 2, x1\n"
	          "mov %r3, 0\nh2:\njge %r3, 2, x2\n"
	          "mov %r4, 0\nh3:\njge %r4, 2, x3\n"
	          "mov %r5, 0\nh4:\njge %r5, 2, x4\n"
	          "mov %r6, 0\nh5:\njge %r6, 2, x5\n"
	          "mov %r7, 0\nh6:\njge %r7, 2, x6\n"
	          "mov %r8, 0\nh7:\njge %r8, 2, x7\n"
	          "mov %r9, 0\nh8:\njge %r9, 2, x8\n" /* h8 is insn 18 */
	          "add %r0, 1\n"
	          "add %r9, 1\nja h8\nx8:\n"
	          "add %r8, 1\nja h7\nx7:\n"
	          "add %r7, 1\nja h6\nx6:\n"
	          "add %r6, 1\nja h5\nx5:\n"
	          "add %r5, 1\nja h4\nx4:\n"
	          "add %r4, 1\nja h3\nx3:\n"
	          "add %r3, 1\nja h2\nx2:\n"
	          "add %r2, 1\nja h1\nx1:\n"
	          "add %r1, 1\nja h0\nx0:\n"
	          "exit\n",
	.no_ctx = true)

/* ======================================================================== */
/* bpf_loop callbacks                                                       */
/* ======================================================================== */

VERIFY_REJECT_CASE(callback_returns_2, 9,
	"a bpf_loop callback must return 0 (continue) or 1 (stop); r0 is 2",
	.source = "mov %r1, 4\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 2\n"
	          "exit\n") /* 9 */

VERIFY_REJECT_CASE(callback_returns_any_number, 9, "must return 0 (continue) or 1 (stop); r0 is",
	.source = "mov %r1, 4\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "call 7\n"
	          "exit\n") /* 9 */

VERIFY_REJECT_CASE(callback_is_not_a_function, 4, "bpf_loop: r2 must be a function (the callback), is 8",
	.source = "mov %r1, 4\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

/* A code address inside main makes main end there: it then runs past its end. */
VERIFY_REJECT_CASE(callback_inside_main, 4, "the function at insns 0..4 runs past its last instruction",
	.source = "mov %r1, 4\n"
	          "lddw %r2, code_addr 3\n" /* insn 5 */
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(bpf_loop_count_above_limit, 6, "bpf_loop: nr is always above the limit of 8388608 iterations",
	.source = "lddw %r1, 0x1000000\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(bpf_loop_context_uninitialised, 4, "bpf_loop: argument r3 is not initialised",
	.source = "mov %r1, 4\n"
	          "lddw %r2, code_addr 5\n"
	          "mov %r4, 0\n"
	          "call 181\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(bpf_loop_flags_pointer, 5, "bpf_loop: r4 must be a number",
	.source = "mov %r1, 4\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, 0\n"
	          "mov %r4, %r10\n"
	          "call 181\n" /* 5 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(callback_writes_past_its_context, 10,
	"write of 8 bytes at offset -4 of the stack frame",
	.source = "stdw [%r10-8], 0\n"
	          "mov %r1, 4\n"
	          "lddw %r2, code_addr 7\n"
	          "mov %r3, %r10\n"
	          "add %r3, -8\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "exit\n"
	          "cb:\n"
	          "stdw [%r2+4], 1\n" /* 10: fp-4 .. fp+3 of the caller */
	          "mov %r0, 0\n"
	          "exit\n")

/* A callback leaving a pointer to its own frame in its caller's stack. */
VERIFY_REJECT_CASE(callback_leaves_pointer_to_its_frame, 14,
	"storing pointer r3 (fp[frame 1]-16) in the stack of frame 0 (a caller's): it points into "
	"frame 1, which ends when its function returns",
	.source = "stdw [%r10-8], 0\n"
	          "mov %r1, 1\n"
	          "lddw %r2, code_addr 9\n"
	          "mov %r3, %r10\n"
	          "add %r3, -8\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "ldxdw %r2, [%r10-8]\n" /* 8 */
	          "stdw [%r2+0], 1\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "stxdw [%r2+0], %r3\n" /* 14 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(tail_call_inside_callback, 13, "bpf_tail_call inside a subprogram or callback",
	.source = "mov %r6, %r1\n"
	          "mov %r1, 1\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, %r6\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r1, %r2\n" /* the context, handed through bpf_loop */
	          "lddw %r2, map_by_fd 4\n"
	          "mov %r3, 0\n"
	          "call 12\n" /* 13 */
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Atomics                                                                  */
/* ======================================================================== */

VERIFY_REJECT_CASE(atomic_misaligned_on_map_value, 9,
	"atomic operation of 8 bytes at a possibly misaligned offset (4)",
	.source = LOOKUP_VALUES
	          "mov %r1, 1\n"
	          "lock add [%r0+4], %r1\n" /* 9 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(atomic_on_context, 1, "atomic operations on the context are not allowed",
	.source = "mov %r2, 1\n"
	          "lock add32 [%r1+8], %r2\n" /* 1 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(atomic_on_rodata, 8, "atomic to a value of map '.rodata' (16 bytes): it is read-only",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 3\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r1, 1\n"
	          "lock add [%r0+0], %r1\n" /* 8 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_REJECT_CASE(atomic_exchanges_a_pointer, 2, "atomic operation with pointer r1",
	.source = "stdw [%r10-8], 5\n"
	          "mov %r1, %r10\n"
	          "lock xchg [%r10-8], %r1\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(atomic_on_uninitialised_stack, 1, "atomic operation on stack bytes fp-8 that are not initialised",
	.source = "mov %r1, 6\n"
	          "lock add [%r10-8], %r1\n" /* 1 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(atomic_on_spilled_pointer, 2, "atomic operation on a pointer spilled at fp-8",
	.source = "stxdw [%r10-8], %r10\n"
	          "mov %r1, 6\n"
	          "lock add [%r10-8], %r1\n" /* 2 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(cmpxchg_compares_with_pointer, 3, "cmpxchg compares with r0, which must hold a number",
	.source = "stdw [%r10-8], 5\n"
	          "mov %r0, %r10\n"
	          "mov %r1, 6\n"
	          "lock cmpxchg [%r10-8], %r1\n" /* 3 */
	          "exit\n")

VERIFY_REJECT_CASE(atomic_at_variable_stack_offset, 8, "atomic operation on the stack at a variable offset",
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "ldxb %r2, [%r1+0]\n"
	          "and %r2, 8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "mov %r1, 1\n"
	          "lock add [%r3+0], %r1\n" /* 8 */
	          "mov %r0, 0\n"
	          "exit\n")

/* Regression (found by rk-verify-gen): a slot holding a pointer on one path and a
 * number on the other must not read back as a number where the paths meet. */
VERIFY_REJECT_CASE(pointer_or_number_slot_is_not_a_number, 9, "not initialised",
	.source = "stdw [%r10-40], 5\n"
	          "stdw [%r10-24], 3\n"
	          "mov %r2, %r10\n"
	          "add %r2, -24\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 1\n"
	          "jeq %r0, 0, join\n"
	          "stxdw [%r10-40], %r0\n"
	          "join:\n"
	          "ldxdw %r7, [%r10-40]\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

/* Regression (found by rk-verify-gen): the exit test compares with r8, which the body
 * changes by r6 (0 on the first iteration only); the count "until r6 meets r8" is void. */
VERIFY_REJECT_CASE(loop_exit_test_against_changing_register, 6, "may touch offsets",
	.source = "mov %r6, 0\n"
	          "mov %r8, 2\n"
	          "loop:\n"
	          "mov %r3, %r6\n"
	          "lsh %r3, 2\n"
	          "mov %r4, %r10\n"
	          "add %r4, %r3\n"
	          "stw [%r4-8], 1\n" /* 6 */
	          "add %r8, %r6\n"
	          "add %r6, 1\n"
	          "jne32 %r6, %r8, loop\n"
	          "mov %r0, 0\n"
	          "exit\n")
