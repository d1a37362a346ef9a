/*
 * test_verify_accept.c - programs rk_verify() must accept: the shapes robot
 * programs have (filters over sensor readings, counters, event records,
 * bounded loops over buffers, helpers, callbacks).  Each is also run on the
 * checked interpreter with random contexts (verify_cases.c): it must never
 * trip a check nor run more instructions than the verifier's bound.
 *
 * At the end: a few whole-verifier properties (--log lines, the result's
 * counters, -E2BIG), and the known verifier bugs, disabled until fixed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify_cases.h"

/* ======================================================================== */
/* Filters over the context                                                 */
/* ======================================================================== */

/*
 * u32 speed = ctx->speed; if (speed > 1000) speed = 1000;
 * s32 steer = ctx->steer; clamp to [-500, 500]; ctx->cmd = {speed, steer};
 */
VERIFY_ACCEPT_CASE(sensor_filter_clamps_and_writes_command,
	.source = "ldxw %r2, [%r1+0]\n"
	          "jle %r2, 1000, speed_ok\n"
	          "mov %r2, 1000\n"
	          "speed_ok:\n"
	          "ldxsw %r3, [%r1+4]\n"
	          "jsge %r3, -500, low_ok\n"
	          "mov %r3, -500\n"
	          "low_ok:\n"
	          "jsle %r3, 500, high_ok\n"
	          "mov %r3, 500\n"
	          "high_ok:\n"
	          "stxw [%r1+8], %r2\n"
	          "stxw [%r1+12], %r3\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* A byte of the context picks one of 8: ctx[(x & 7) + 32]. */
VERIFY_ACCEPT_CASE(ctx_read_at_bounded_variable_offset,
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 7\n"
	          "add %r1, %r2\n"
	          "ldxb %r0, [%r1+32]\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(ctx_write_at_bounded_variable_offset,
	.source = "ldxb %r2, [%r1+0]\n"
	          "and %r2, 7\n"
	          "add %r1, %r2\n"
	          "stb [%r1+8], 0\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* The scan buffer behind ctx->scan: the closest of 8 u32 distances. */
VERIFY_ACCEPT_CASE(lidar_scan_minimum,
	.source = "ldxdw %r2, [%r1+16]\n"
	          "mov %r0, 0xffffffff\n"
	          "mov %r3, 0\n"
	          "loop:\n"
	          "mov %r4, %r2\n"
	          "add %r4, %r3\n"
	          "ldxw %r5, [%r4+0]\n"
	          "jge %r5, %r0, next\n"
	          "mov %r0, %r5\n"
	          "next:\n"
	          "add %r3, 4\n"
	          "jlt %r3, 32, loop\n"
	          "exit\n")

/* for (u32 *p = scan; p < scan + 8; p++) sum += *p; */
VERIFY_ACCEPT_CASE(pointer_walks_scan_to_its_end,
	.source = "ldxdw %r3, [%r1+16]\n"
	          "mov %r4, %r3\n"
	          "add %r4, 32\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "ldxw %r5, [%r3+0]\n"
	          "add %r0, %r5\n"
	          "add %r3, 4\n"
	          "jlt %r3, %r4, loop\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(read_only_calibration_read,
	.source = "ldxdw %r2, [%r1+24]\n"
	          "ldxw %r0, [%r2+12]\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(scan_buffer_written,
	.source = "ldxdw %r2, [%r1+16]\n"
	          "stdw [%r2+24], 0\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* Division by a register that may be 0 is defined (RFC 9669: x / 0 = 0, x % 0 = x). */
VERIFY_ACCEPT_CASE(division_by_possibly_zero_register,
	.source = "ldxdw %r2, [%r1+0]\n"
	          "mov %r0, 100\n"
	          "div %r0, %r2\n"
	          "mod %r0, %r2\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(signed_division_by_possibly_zero_register,
	.source = "ldxsw %r2, [%r1+0]\n"
	          "mov %r0, -100\n"
	          "sdiv %r0, %r2\n"
	          "smod %r0, %r2\n"
	          "exit\n")

/* A program without a context: r1 is a number it may use as one. */
VERIFY_ACCEPT_CASE(no_context_r1_used_as_number, .no_ctx = true,
	.source = "mov %r0, %r1\n"
	          "add %r0, 1\n"
	          "exit\n")

/* ======================================================================== */
/* Maps                                                                     */
/* ======================================================================== */

/*
 * u64 key = ctx->id & 7; u64 *n = bpf_map_lookup_elem(&table, &key);
 * if (n) __sync_fetch_and_add(n, 1); else bpf_map_update_elem(&table, &key, &one, BPF_ANY);
 */
VERIFY_ACCEPT_CASE(hash_counter_increment,
	.source = "mov %r9, %r1\n"
	          "ldxb %r1, [%r9+0]\n"
	          "and %r1, 7\n"
	          "stxdw [%r10-8], %r1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 1\n"
	          "jne %r0, 0, found\n"
	          "stdw [%r10-16], 1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "mov %r4, 0\n"
	          "lddw %r1, map_by_fd 1\n"
	          "call 2\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "found:\n"
	          "mov %r1, 1\n"
	          "lock add [%r0+0], %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(array_value_atomic_add,
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r1, 1\n"
	          "lock add [%r0+8], %r1\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

/* The key comes from a context reading: bytes 0..3 are the sensor id. */
VERIFY_ACCEPT_CASE(lookup_key_in_context,
	.source = "mov %r2, %r1\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "ldxdw %r0, [%r0+8]\n"
	          "out:\n"
	          "exit\n")

/* Checking a copy checks the original: both hold the same lookup result. */
VERIFY_ACCEPT_CASE(null_check_on_a_copy,
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "mov %r6, %r0\n"
	          "jeq %r6, 0, out\n"
	          "ldxdw %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

/* A spilled lookup result is NULL-checked through the register it came from. */
VERIFY_ACCEPT_CASE(null_check_covers_spilled_copy,
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "stxdw [%r10-16], %r0\n"
	          "jeq %r0, 0, out\n"
	          "call 5\n"
	          "ldxdw %r1, [%r10-16]\n"
	          "ldxdw %r0, [%r1+8]\n"
	          "out:\n"
	          "exit\n")

/* value[x & 15] and value[x >> 60]: masks and shifts bound an index. */
VERIFY_ACCEPT_CASE(index_bounded_by_and_mask,
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "ldxdw %r1, [%r9+0]\n"
	          "and %r1, 15\n"
	          "mov %r2, %r0\n"
	          "add %r2, %r1\n"
	          "ldxb %r3, [%r2+0]\n"
	          "ldxdw %r1, [%r9+32]\n"
	          "rsh %r1, 60\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n"
	          "add %r0, %r3\n"
	          "out:\n"
	          "exit\n")

/* if (i < 16) value[i]: the unsigned compare bounds both ends. */
VERIFY_ACCEPT_CASE(index_bounded_by_unsigned_compare,
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "ldxsw %r1, [%r9+4]\n"
	          "jge %r1, 16, none\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n"
	          "none:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* if (i >= 0 && i < 16): two signed compares bound it too. */
VERIFY_ACCEPT_CASE(index_bounded_by_two_signed_compares,
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "ldxsw %r1, [%r9+4]\n"
	          "jslt %r1, 0, none\n"
	          "jsgt %r1, 15, none\n"
	          "add %r0, %r1\n"
	          "ldxb %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n"
	          "none:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* Two pointers into one stack frame: their distance is a number. */
VERIFY_ACCEPT_CASE(distance_within_one_stack_frame,
	.source = "mov %r2, %r10\n"
	          "add %r2, -16\n"
	          "mov %r3, %r10\n"
	          "add %r3, -4\n"
	          "sub %r3, %r2\n"
	          "mov %r0, %r3\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(hash_update_from_context_readings,
	.source = "mov %r9, %r1\n"
	          "ldxdw %r1, [%r9+32]\n"
	          "stxdw [%r10-8], %r1\n"
	          "ldxdw %r1, [%r9+40]\n"
	          "stxdw [%r10-16], %r1\n"
	          "lddw %r1, map_by_fd 1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "mov %r4, 0\n"
	          "call 2\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* rk_timeseries_push(&samples, &joint, ctx->torque) and a 1 s window of it. */
VERIFY_ACCEPT_CASE(timeseries_push_and_window,
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 2\n"
	          "ldxsw %r3, [%r9+4]\n"
	          "lddw %r1, map_by_fd 5\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "call 32769\n"
	          "lddw %r1, map_by_fd 5\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r3, 1000000000\n"
	          "mov %r4, %r10\n"
	          "add %r4, -32\n"
	          "mov %r5, 32\n"
	          "call 32770\n"
	          "ldxdw %r0, [%r10-32]\n"
	          "exit\n")

/* ======================================================================== */
/* Ring buffer                                                              */
/* ======================================================================== */

/* Reserve, fill from the context, submit, or discard when the reading is uninteresting. */
VERIFY_ACCEPT_CASE(ringbuf_reserve_fill_submit,
	.source = "mov %r9, %r1\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 24\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "call 5\n"
	          "stxdw [%r6+0], %r0\n"
	          "ldxw %r1, [%r9+0]\n"
	          "stxw [%r6+8], %r1\n"
	          "ldxw %r1, [%r9+4]\n"
	          "stxw [%r6+12], %r1\n"
	          "stdw [%r6+16], 0\n"
	          "ldxw %r1, [%r9+0]\n"
	          "jgt %r1, 100, drop\n"
	          "mov %r1, %r6\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "drop:\n"
	          "mov %r1, %r6\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(ringbuf_two_records_at_once,
	.source = "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jeq %r0, 0, release\n"
	          "stdw [%r0+0], 2\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "release:\n"
	          "stdw [%r6+0], 1\n"
	          "mov %r1, %r6\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(ringbuf_null_path_returns_early,
	.source = "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jne %r0, 0, got\n"
	          "mov %r0, 1\n"
	          "exit\n"
	          "got:\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(ringbuf_output_from_stack,
	.source = "ldxdw %r2, [%r1+32]\n"
	          "stxdw [%r10-8], %r2\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 8\n"
	          "mov %r4, 0\n"
	          "call 130\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(ringbuf_record_released_in_subprogram,
	.source = "call local f\n"
	          "mov %r0, 0\n"
	          "exit\n"
	          "f:\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r2, 8\n"
	          "mov %r3, 0\n"
	          "call 131\n"
	          "jeq %r0, 0, out\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 132\n"
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Loops                                                                    */
/* ======================================================================== */

/* u8 buf[16] = {...}; for (i = 0; i < 16; i++) sum += buf[i]; */
VERIFY_ACCEPT_CASE(loop_sums_stack_buffer,
	.source = "lddw %r1, 0x0807060504030201\n"
	          "stxdw [%r10-8], %r1\n"
	          "lddw %r1, 0x100f0e0d0c0b0a09\n"
	          "stxdw [%r10-16], %r1\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "jlt %r2, 16, loop\n"
	          "exit\n")

/* for (i = 0; i != 16; i++) */
VERIFY_ACCEPT_CASE(loop_with_jne_exit,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "jne %r2, 16, loop\n"
	          "exit\n")

/* for (i = 16; i > 0; i--) sum += buf[i - 1]; */
VERIFY_ACCEPT_CASE(loop_counting_down,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r0, 0\n"
	          "mov %r2, 16\n"
	          "loop:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -17\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "sub %r2, 1\n"
	          "jgt %r2, 0, loop\n"
	          "exit\n")

/* for (s64 i = 10; i >= 0; i--) */
VERIFY_ACCEPT_CASE(loop_signed_countdown,
	.source = "mov %r0, 0\n"
	          "mov %r2, 10\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "sub %r2, 1\n"
	          "jsge %r2, 0, loop\n"
	          "exit\n")

/* clang's rotated form: jump to the condition, body above it. */
VERIFY_ACCEPT_CASE(loop_rotated_by_clang,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "ja cond\n"
	          "body:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "cond:\n"
	          "jlt %r2, 16, body\n"
	          "exit\n")

/* while (i < 16) { ...; i++; }: tested at the top, left by a forward jump. */
VERIFY_ACCEPT_CASE(loop_tested_at_top,
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "head:\n"
	          "jge %r2, 16, done\n"
	          "add %r0, 3\n"
	          "add %r2, 1\n"
	          "ja head\n"
	          "done:\n"
	          "exit\n")

/* int i: clang counts in 32-bit registers. */
VERIFY_ACCEPT_CASE(loop_with_32_bit_counter,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r0, 0\n"
	          "mov32 %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add32 %r2, 1\n"
	          "jlt32 %r2, 16, loop\n"
	          "exit\n")

/* clang -O0 keeps the counter on the stack. */
VERIFY_ACCEPT_CASE(loop_counter_spilled_to_stack,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "stdw [%r10-24], 0\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "ldxdw %r2, [%r10-24]\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "stxdw [%r10-24], %r2\n"
	          "jlt %r2, 16, loop\n"
	          "exit\n")

/* n = ctx->count (1..32): for (i = 0; i < n; i++) sum += scan[i]; */
VERIFY_ACCEPT_CASE(loop_bounded_by_checked_context_count,
	.source = "ldxb %r6, [%r1+0]\n"
	          "ldxdw %r7, [%r1+16]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "jeq %r6, 0, out\n"
	          "jgt %r6, 32, out\n"
	          "loop:\n"
	          "mov %r3, %r7\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "jlt %r2, %r6, loop\n"
	          "out:\n"
	          "exit\n")

/* A limit anywhere in 0..255 bounds the loop too (at 255 passes). */
VERIFY_ACCEPT_CASE(loop_bounded_by_context_byte,
	.source = "ldxb %r6, [%r1+0]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "jeq %r6, 0, out\n"
	          "loop:\n"
	          "add %r0, 3\n"
	          "add %r2, 1\n"
	          "jlt %r2, %r6, loop\n"
	          "out:\n"
	          "exit\n")

/* First zero byte of the scan, or -1: a loop with an early exit. */
VERIFY_ACCEPT_CASE(loop_with_early_exit,
	.source = "ldxdw %r6, [%r1+16]\n"
	          "mov %r0, -1\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r6\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "jeq %r4, 0, found\n"
	          "add %r2, 1\n"
	          "jlt %r2, 32, loop\n"
	          "exit\n"
	          "found:\n"
	          "mov %r0, %r2\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(nested_loops,
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "outer:\n"
	          "mov %r3, 0\n"
	          "inner:\n"
	          "add %r0, 1\n"
	          "add %r3, 1\n"
	          "jlt %r3, 8, inner\n"
	          "add %r2, 1\n"
	          "jlt %r2, 8, outer\n"
	          "exit\n")

/* Eight loops deep, each tested at its top: the nesting limit. */
VERIFY_ACCEPT_CASE(loops_nested_eight_deep, .no_ctx = true,
	.source = "mov %r0, 0\n"
	          "mov %r1, 0\nh0:\njge %r1, 2, x0\n"
	          "mov %r2, 0\nh1:\njge %r2, 2, x1\n"
	          "mov %r3, 0\nh2:\njge %r3, 2, x2\n"
	          "mov %r4, 0\nh3:\njge %r4, 2, x3\n"
	          "mov %r5, 0\nh4:\njge %r5, 2, x4\n"
	          "mov %r6, 0\nh5:\njge %r6, 2, x5\n"
	          "mov %r7, 0\nh6:\njge %r7, 2, x6\n"
	          "mov %r8, 0\nh7:\njge %r8, 2, x7\n"
	          "add %r0, 1\n"
	          "add %r8, 1\nja h7\nx7:\n"
	          "add %r7, 1\nja h6\nx6:\n"
	          "add %r6, 1\nja h5\nx5:\n"
	          "add %r5, 1\nja h4\nx4:\n"
	          "add %r4, 1\nja h3\nx3:\n"
	          "add %r3, 1\nja h2\nx2:\n"
	          "add %r2, 1\nja h1\nx1:\n"
	          "add %r1, 1\nja h0\nx0:\n"
	          "exit\n")

/* A classifier: a condition in the body, then the loop's own compare. */
VERIFY_ACCEPT_CASE(loop_with_branches_in_body,
	.source = "ldxdw %r6, [%r1+16]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r6\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "jgt %r4, 200, far\n"
	          "add %r0, 1\n"
	          "ja next\n"
	          "far:\n"
	          "add %r0, 2\n"
	          "next:\n"
	          "add %r2, 1\n"
	          "jlt %r2, 32, loop\n"
	          "exit\n")

/* for (i = 0; i < 16; i++) sum += i; */
VERIFY_ACCEPT_CASE(loop_accumulating_its_index,
	.source = "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "add %r0, %r2\n"
	          "add %r2, 1\n"
	          "jlt %r2, 16, loop\n"
	          "exit\n")

/* for (i = 0; i < 32; i++) sum += scan[i] * i; */
VERIFY_ACCEPT_CASE(loop_weighted_sum_over_scan,
	.source = "ldxdw %r7, [%r1+16]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r7\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "mul %r4, %r2\n"
	          "add %r0, %r4\n"
	          "add %r2, 1\n"
	          "jlt %r2, 32, loop\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(loop_in_subprogram,
	.source = "mov %r1, 5\n"
	          "call local f\n"
	          "exit\n"
	          "f:\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "add %r0, 3\n"
	          "add %r2, 1\n"
	          "jlt %r2, 10, loop\n"
	          "exit\n")

/* ======================================================================== */
/* Calls and callbacks                                                      */
/* ======================================================================== */

/* static int add_to(u64 *p, u64 n) { *p += n; return 0; } called with &local. */
VERIFY_ACCEPT_CASE(subprogram_gets_stack_pointer,
	.source = "stdw [%r10-8], 40\n"
	          "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "mov %r2, 2\n"
	          "call local add_to\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "exit\n"
	          "add_to:\n"
	          "ldxdw %r3, [%r1+0]\n"
	          "add %r3, %r2\n"
	          "stxdw [%r1+0], %r3\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(subprogram_uses_its_own_stack,
	.source = "mov %r1, 3\n"
	          "call local f\n"
	          "exit\n"
	          "f:\n"
	          "stxdw [%r10-8], %r1\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "add %r0, 1\n"
	          "exit\n")

/* main and seven nested calls: eight frames, the limit. */
VERIFY_ACCEPT_CASE(call_chain_of_eight_frames,
	.source = "call local f1\nexit\n"
	          "f1:\ncall local f2\nexit\n"
	          "f2:\ncall local f3\nexit\n"
	          "f3:\ncall local f4\nexit\n"
	          "f4:\ncall local f5\nexit\n"
	          "f5:\ncall local f6\nexit\n"
	          "f6:\ncall local f7\nexit\n"
	          "f7:\nmov %r0, 0\nexit\n")

/* Callee-saved registers and spilled pointers survive helper calls. */
VERIFY_ACCEPT_CASE(pointer_spilled_across_helper_call,
	.source = "stxdw [%r10-8], %r1\n"
	          "mov %r6, %r1\n"
	          "call 5\n"
	          "ldxdw %r1, [%r10-8]\n"
	          "ldxw %r0, [%r1+0]\n"
	          "ldxw %r2, [%r6+4]\n"
	          "add %r0, %r2\n"
	          "exit\n")

/* bpf_loop(10, cb, &sum, 0) with cb(i, ctx) { *(u64 *)ctx += i; return 0; } */
VERIFY_ACCEPT_CASE(bpf_loop_callback_writes_through_context,
	.source = "stdw [%r10-8], 0\n"
	          "mov %r1, 10\n"
	          "lddw %r2, code_addr 7\n"
	          "mov %r3, %r10\n"
	          "add %r3, -8\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "exit\n"
	          "cb:\n"
	          "ldxdw %r3, [%r2+0]\n"
	          "add %r3, %r1\n"
	          "stxdw [%r2+0], %r3\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* The callback fills a map value: value[(i & 1) * 8] = 7; stops when i == 2. */
VERIFY_ACCEPT_CASE(bpf_loop_callback_writes_map_value,
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r1, 4\n"
	          "lddw %r2, code_addr 6\n"
	          "mov %r3, %r0\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 0\n"
	          "jne %r1, 2, go\n"
	          "mov %r0, 1\n"
	          "go:\n"
	          "and %r1, 1\n"
	          "lsh %r1, 3\n"
	          "add %r2, %r1\n"
	          "stdw [%r2+0], 7\n"
	          "exit\n")

/* The count comes from the context: any u32 up to the limit. */
VERIFY_ACCEPT_CASE(bpf_loop_count_from_context,
	.source = "ldxb %r1, [%r1+0]\n"
	          "lddw %r2, code_addr 5\n"
	          "mov %r3, 0\n"
	          "mov %r4, 0\n"
	          "call 181\n"
	          "exit\n"
	          "cb:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(tail_call_from_main,
	.source = "lddw %r2, map_by_fd 4\n"
	          "mov %r3, 1\n"
	          "call 12\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ======================================================================== */
/* Helpers                                                                  */
/* ======================================================================== */

/* bpf_trace_printk with its format in .rodata, every argument set. */
VERIFY_ACCEPT_CASE(trace_printk_with_rodata_format,
	.source = "ldxw %r3, [%r1+0]\n"
	          "lddw %r1, map_val_by_fd 3, 0\n"
	          "mov %r2, 10\n"
	          "mov %r4, 0\n"
	          "mov %r5, 0\n"
	          "call 6\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(snprintf_with_rodata_format,
	.source = "ldxw %r6, [%r1+0]\n"
	          "stxdw [%r10-8], %r6\n"
	          "mov %r1, %r10\n"
	          "add %r1, -32\n"
	          "mov %r2, 24\n"
	          "lddw %r3, map_val_by_fd 3, 0\n"
	          "mov %r4, %r10\n"
	          "add %r4, -8\n"
	          "mov %r5, 8\n"
	          "call 165\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* if (ctx->current > 5000) rk_emergency_stop(MOTOR_LEFT | MOTOR_RIGHT); */
VERIFY_ACCEPT_CASE(emergency_stop_on_overcurrent,
	.source = "ldxw %r2, [%r1+0]\n"
	          "mov %r0, 0\n"
	          "jlt %r2, 5000, out\n"
	          "mov %r1, 3\n"
	          "call 32768\n"
	          "mov %r0, 1\n"
	          "out:\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(probe_read_user_into_stack,
	.source = "ldxdw %r3, [%r1+32]\n"
	          "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 16\n"
	          "call 112\n"
	          "ldxdw %r0, [%r10-16]\n"
	          "exit\n")

/* A helper may write the context's writable bytes. */
VERIFY_ACCEPT_CASE(helper_writes_context_command,
	.source = "add %r1, 8\n"
	          "mov %r2, 8\n"
	          "call 16\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(stack_read_at_bounded_variable_offset,
	.source = "stdw [%r10-8], 1\n"
	          "stdw [%r10-16], 2\n"
	          "ldxb %r2, [%r1+0]\n"
	          "and %r2, 15\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "add %r3, %r2\n"
	          "ldxb %r0, [%r3+0]\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(atomics_on_the_stack,
	.source = "stdw [%r10-8], 5\n"
	          "mov %r1, 6\n"
	          "lock fetch add [%r10-8], %r1\n"
	          "mov %r0, 5\n"
	          "mov %r2, 7\n"
	          "lock cmpxchg [%r10-8], %r2\n"
	          "add %r0, %r1\n"
	          "exit\n")

/* ======================================================================== */
/* Whole-verifier properties                                                */
/* ======================================================================== */

struct log_lines {
	size_t count;
	bool saw_state;
	bool saw_loop;
	char first[256];
};

static void collect_line(void *log_ctx, const char *line)
{
	struct log_lines *lines = log_ctx;
	if (lines->count++ == 0)
		snprintf(lines->first, sizeof(lines->first), "%s", line);
	if (strstr(line, "r10") == NULL && strstr(line, "; r1=ctx+0"))
		lines->saw_state = true;
	if (strncmp(line, "loop ", 5) == 0)
		lines->saw_loop = true;
}

static struct rk_prog *build(struct verify_fixture *fixture, const char *source)
{
	char err[RK_ERR_LEN] = "";
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	cr_assert_eq(rk_asm(source, &insns, &insn_count, err, sizeof(err)), 0, "%s", err);
	struct rk_prog *prog = NULL;
	int rc = rk_prog_new_maps(insns, insn_count, rk_helpers_standard(), fixture->maps,
	                          VERIFY_MAP_COUNT, &prog, err, sizeof(err));
	free(insns);
	cr_assert_eq(rc, 0, "%s", err);
	return prog;
}

/* --log: one line per analysed instruction ("N: disassembly ; state"), plus loop notes. */
Test(verify, log_lines_name_instruction_and_state)
{
	struct verify_fixture fixture;
	verify_fixture_init(&fixture);
	struct rk_prog *prog = build(&fixture, "mov %r0, 0\n"
	                                       "mov %r2, 0\n"
	                                       "loop:\n"
	                                       "add %r0, 1\n"
	                                       "add %r2, 1\n"
	                                       "jlt %r2, 4, loop\n"
	                                       "exit\n");
	struct log_lines lines = {0};
	struct rk_verify_opts opts = {.ctx = &fixture.ctx_desc, .log = collect_line,
	                              .log_ctx = &lines};
	struct rk_verify_result result;
	char err[RK_VERIFY_ERR_LEN] = "";
	cr_assert_eq(rk_verify(prog, &opts, &result, err, sizeof(err)), 0, "%s", err);
	cr_expect(strncmp(lines.first, "0: mov %r0, 0", 13) == 0, "first line: %s", lines.first);
	cr_expect(strstr(lines.first, "; r1=ctx+0"), "first line: %s", lines.first);
	cr_expect(lines.saw_loop, "no \"loop N..M: at most K back edges\" line");
	cr_expect_eq(result.loops, 1);
	cr_expect_geq(result.insns_analysed, 6);
	cr_expect_eq(result.error_insn, SIZE_MAX);
	cr_expect(!result.tail_calls);
	/* 2 before the loop, 3 per pass, 4 passes, exit. */
	cr_expect_eq(result.insn_bound, 2 + 3 * 4 + 1, "bound %llu",
	             (unsigned long long)result.insn_bound);
	rk_prog_free(prog);
	verify_fixture_fini(&fixture);
}

/* The bound of a program that tail-calls excludes the target; the result says so. */
Test(verify, tail_calls_are_reported)
{
	struct verify_fixture fixture;
	verify_fixture_init(&fixture);
	struct rk_prog *prog = build(&fixture, "lddw %r2, map_by_fd 4\n"
	                                       "mov %r3, 1\n"
	                                       "call 12\n"
	                                       "mov %r0, 0\n"
	                                       "exit\n");
	struct rk_verify_opts opts = {.ctx = &fixture.ctx_desc};
	struct rk_verify_result result;
	char err[RK_VERIFY_ERR_LEN] = "";
	cr_assert_eq(rk_verify(prog, &opts, &result, err, sizeof(err)), 0, "%s", err);
	cr_expect(result.tail_calls);
	cr_expect_eq(result.insn_bound, 5);
	rk_prog_free(prog);
	verify_fixture_fini(&fixture);
}

/* A rejected program's result names the instruction; the message fits the buffer. */
Test(verify, rejection_fills_error_insn_and_truncates_safely)
{
	struct verify_fixture fixture;
	verify_fixture_init(&fixture);
	struct rk_prog *prog = build(&fixture, "mov %r1, 1\nexit\n");
	struct rk_verify_opts opts = {.ctx = &fixture.ctx_desc};
	struct rk_verify_result result;
	char err[16];
	memset(err, 'x', sizeof(err));
	cr_assert_eq(rk_verify(prog, &opts, &result, err, sizeof(err)), -EACCES);
	cr_expect_eq(result.error_insn, 1);
	cr_expect_eq(strnlen(err, sizeof(err)), sizeof(err) - 1, "NUL-terminated within 16: %.16s",
	             err);
	cr_expect_eq(rk_verify(prog, &opts, NULL, NULL, 0), -EACCES, "result and err are optional");
	rk_prog_free(prog);
	verify_fixture_fini(&fixture);
}

/*
 * Eight nested loops around 1000 instructions: each level is walked once to
 * find its counter and twice more to try a bound, 3^8 walks of the body.
 */
Test(verify, too_complex_is_e2big)
{
	size_t cap = 64 * 1024;
	char *source = malloc(cap);
	cr_assert_not_null(source);
	size_t used = (size_t)snprintf(source, cap, "mov %%r0, 0\n");
	for (int level = 0; level < 8; level++)
		used += (size_t)snprintf(source + used, cap - used, "mov %%r%d, 0\nh%d:\njge %%r%d, 2, x%d\n",
		                         level + 1, level, level + 1, level);
	for (int k = 0; k < 1000; k++)
		used += (size_t)snprintf(source + used, cap - used, "add %%r0, 1\n");
	for (int level = 7; level >= 0; level--)
		used += (size_t)snprintf(source + used, cap - used, "add %%r%d, 1\nja h%d\nx%d:\n",
		                         level + 1, level, level);
	used += (size_t)snprintf(source + used, cap - used, "exit\n");
	cr_assert_lt(used, cap);
	const struct verify_case c = {.name = "too_complex_is_e2big", .source = source,
	                              .verdict = VERIFY_TOO_COMPLEX, .insn = VERIFY_ANY_INSN,
	                              .message = "the program is too complex to verify",
	                              .no_ctx = true};
	verify_case_check(&c);
	free(source);
}

/* ======================================================================== */
/* Verifier bugs, fixed (new ones: VERIFY_BUG_CASE, see verify_cases.h)     */
/* ======================================================================== */

/*
 * Unsafe programs that were accepted.  Each comment tells the bug; the
 * case holds the verdict and message the verifier now gives.
 */

/*
 * Two lookups in one map give two values, but the verifier treats them as
 * one object: value3 - value0 is "0" to it while the real distance is 48.
 * Scaled by 1000 and added back, it moves the pointer 48000 bytes out of
 * the map; the checked run stops with bad-access at insn 19.
 */
VERIFY_REJECT_CASE(fixed_values_of_two_lookups_subtracted, 16, "-= on pointer r7",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "stw [%r10-4], 3\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r7, %r0\n"
	          "sub %r7, %r6\n" /* 16: verifier says 0, runtime says 48 */
	          "mul %r7, 1000\n"
	          "add %r6, %r7\n"
	          "stdw [%r6+0], 1\n" /* 19 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

/*
 * The same confusion in a comparison: value1 != value0 is "never" to the
 * verifier, so it never analyses the branch - which is always taken.
 */
VERIFY_REJECT_CASE(fixed_values_of_two_lookups_compared, 15, "comparing pointer r0",
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r6, %r0\n"
	          "stw [%r10-4], 1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "jne %r0, %r6, evil\n" /* 15 */
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n"
	          "evil:\n"
	          "lddw %r1, 0x1000\n"
	          "stdw [%r1+0], 1\n" /* never verified; the checked run stops here */
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * Memory of equal size counts as one object whatever it is: a 16-byte
 * ring-buffer record and the 16 bytes behind ctx->calib.  Their difference
 * (the distance between two daemon allocations) is returned to the host.
 */
VERIFY_REJECT_CASE(fixed_record_minus_context_buffer_leaks_address, 9,
	"-= on pointer r7",
	.source = VERIFY_RESERVE_16
	          "jeq %r0, 0, out\n"
	          "ldxdw %r6, [%r9+24]\n"
	          "mov %r7, %r0\n"
	          "sub %r7, %r6\n" /* 9 */
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "mov %r0, %r7\n"
	          "out:\n"
	          "exit\n")

/* ...and compared: record != calib is "never", the branch is skipped, and taken. */
VERIFY_REJECT_CASE(fixed_record_and_context_buffer_compared, 8, "comparing pointer r0",
	.source = VERIFY_RESERVE_16
	          "jeq %r0, 0, out\n"
	          "ldxdw %r6, [%r9+24]\n"
	          "jne %r0, %r6, evil\n" /* 8 */
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n"
	          "evil:\n"
	          "mov %r1, %r0\n"
	          "mov %r2, 0\n"
	          "call 133\n"
	          "lddw %r1, 0x1000\n"
	          "stdw [%r1+0], 1\n"
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * A callee stores a pointer to its own frame into its caller's stack; after
 * the return the caller writes through it.  The verifier then indexes its
 * frame array with the dead frame (a heap overflow inside rk_verify: ASan
 * reports it in rk_vstack_set_init) and accepts; the checked run stops
 * with bad-access at insn 5.  The kernel refuses the store at insn 10.
 * Now refused there too: a frame's address may be stored only in that
 * frame or deeper ones (verify_mem.c, stack_store).
 */
VERIFY_REJECT_CASE(fixed_callee_stack_pointer_outlives_callee, 10,
	"storing pointer r2 (fp[frame 1]-16) in the stack of frame 0 (a caller's): it points into "
	"frame 1, which ends when its function returns",
	.source = "stdw [%r10-8], 0\n"
	          "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "call local f\n"
	          "ldxdw %r2, [%r10-8]\n"
	          "stdw [%r2+0], 1\n" /* 5 */
	          "mov %r0, 0\n"
	          "exit\n"
	          "f:\n"
	          "mov %r2, %r10\n"
	          "add %r2, -16\n"
	          "stxdw [%r1+0], %r2\n" /* 10 */
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * Loads may not touch the context's pointer fields, but helpers could: this
 * copied ctx->scan and ctx->calib (daemon addresses) into the ring buffer.
 * Now a helper's memory argument may not overlap a pointer field.
 */
VERIFY_REJECT_CASE(fixed_helper_reads_context_pointer_fields, 6,
	"bpf_ringbuf_output: r2 points to 16 bytes at offset 16 of the context, which cover the "
	"pointer field 'scan' (offset 16); a helper may not read a pointer field",
	.source = "mov %r2, %r1\n"
	          "add %r2, 16\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r3, 16\n"
	          "mov %r4, 0\n"
	          "call 130\n" /* 6 */
	          "mov %r0, 0\n"
	          "exit\n")

/* ...or stored them in a map, as key and value. */
VERIFY_REJECT_CASE(fixed_map_update_from_context_pointer_fields, 7,
	"bpf_map_update_elem: r2 points to 8 bytes at offset 16 of the context, which cover the "
	"pointer field 'scan' (offset 16)",
	.source = "mov %r2, %r1\n"
	          "add %r2, 16\n"
	          "mov %r3, %r1\n"
	          "add %r3, 24\n"
	          "lddw %r1, map_by_fd 1\n"
	          "mov %r4, 0\n"
	          "call 2\n" /* 7 */
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * The constant-string check reads entry 0 of a read-only array whatever
 * entry the pointer is in.  Entry 1 of "consts" has no NUL: bpf_snprintf's
 * strnlen runs past the map (ASan: heap-buffer-overflow in
 * rk_helper_snprintf).  Now a string in a lookup result is refused unless
 * the map is an array of one entry (which entry is not tracked).
 */
VERIFY_REJECT_CASE(fixed_const_string_checked_in_wrong_entry, 13,
	"bpf_snprintf: r3 (map_value(consts)+0) points into one of the 2 values of map 'consts', "
	"and the verifier does not know which",
	.source = "stw [%r10-4], 1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 6\n"
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

/*
 * A NULL check that covers a copy it should not.  r6 and r7 are copies of
 * one lookup result (id X); on one path r6 is then set to 0.  Where the
 * paths meet, r6 becomes "X or NULL" and keeps the id X (maybe_null() in
 * verify_state.c reuses the id of a pointer that was already maybe-NULL),
 * so "r6 == NULL" marks r7 NULL too - but on the path where r6 was set to
 * 0, r7 still holds the map value.  The verifier takes r7 for the number
 * 0; the program adds it to the frame pointer and writes through it
 * (checked run: bad-access at insn 16; returning r7 instead leaks the
 * address).
 */
VERIFY_REJECT_CASE(fixed_null_check_through_joined_id, 15, "pointer",
	.source = "mov %r9, %r1\n"
	          "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 0\n"
	          "call 1\n"
	          "mov %r7, %r0\n"
	          "mov %r6, %r0\n"
	          "ldxb %r1, [%r9+0]\n"
	          "jeq %r1, 0, other\n"
	          "ja join\n"
	          "other:\n"
	          "mov %r6, 0\n"
	          "join:\n"
	          "jne %r6, 0, done\n" /* 13: the NULL edge "knows" r7 == 0 */
	          "mov %r8, %r10\n"
	          "add %r8, %r7\n" /* 15 */
	          "stb [%r8-8], 1\n"
	          "done:\n"
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * Loop bounds that wrap.  The trip count assumes an induction variable
 * moves from its start towards the limit without passing INT64_MAX, and
 * the widened pass checks only "control <= W" on the back edge; with
 * W = INT64_MAX every value passes that check, including the wrapped
 * INT64_MIN.  Accepted with insn_bound 16; with ctx[0..7] all 0xff the
 * loop runs about 2^63 times (the checked run stops at the limit).
 * Now a limit from which one more step could wrap is refused.
 */
VERIFY_REJECT_CASE(fixed_loop_counter_wraps_past_int64_max, 4,
	"cannot bound the loop at insns 4..6: r2 may wrap around past INT64_MAX",
	.source = "ldxdw %r6, [%r1+0]\n"
	          "lddw %r2, 0x7ffffffffffffffc\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "add %r2, 1\n"
	          "jlt %r2, %r6, loop\n" /* unsigned: INT64_MIN is still below r6 */
	          "exit\n")

/*
 * The same saturation in a second induction variable: j starts at
 * INT64_MAX - 2 and steps by 1 for 100 iterations; its widened range
 * saturates at [INT64_MAX - 2, INT64_MAX] (sat_add in widen_induction)
 * where the real values wrap, so k = j - (INT64_MAX - 2) is "[0, 2]" to
 * the verifier and 0..99 at run time: value[k] reads past the map (the
 * checked run stops with bad-access at insn 19).  Now j is widened to the
 * unsigned range [INT64_MAX - 2, INT64_MAX + 97], which does not wrap, and
 * the read is refused.
 */
VERIFY_REJECT_CASE(fixed_second_induction_variable_wraps, 19,
	"may touch offsets 0..98 of a value of map 'values' (16 bytes)",
	.source = VERIFY_LOOKUP_VALUES
	          "mov %r6, %r0\n"
	          "mov %r2, 0\n"
	          "lddw %r3, 0x7ffffffffffffffd\n"
	          "mov %r7, 0\n"
	          "loop:\n"
	          "mov %r4, %r3\n"
	          "lddw %r5, 0x7ffffffffffffffd\n"
	          "sub %r4, %r5\n"
	          "mov %r5, %r6\n"
	          "add %r5, %r4\n"
	          "ldxb %r4, [%r5+0]\n" /* 19 */
	          "add %r7, %r4\n"
	          "add %r3, 1\n"
	          "add %r2, 1\n"
	          "jlt %r2, 100, loop\n"
	          "mov %r0, %r7\n"
	          "out:\n"
	          "exit\n")

/*
 * Safe robot-shaped programs that were rejected.
 */

/*
 * for (i = 1; i < 16; i++) sum += i;  In the first pass i is the constant
 * 1, so "sum += i" looks like a step of +1 and sum is taken for a second
 * induction variable; the widened pass then finds it moving by [1, 15]
 * and drops the bound: "r0 does not change by +1 on every path through
 * the body".  (From i = 0 the same loop is accepted: a value first taken
 * for an invariant is reclassified, one taken for an induction variable
 * was not.)  Now it is too: sum becomes a value that changes.
 */
VERIFY_ACCEPT_CASE(fixed_loop_accumulating_index_from_one,
	.source = "mov %r0, 0\n"
	          "mov %r2, 1\n"
	          "loop:\n"
	          "add %r0, %r2\n"
	          "add %r2, 1\n"
	          "jlt %r2, 16, loop\n"
	          "exit\n")

/*
 * A loop keeps RK_VMAX_HINTS (16) comparisons as bound candidates, the
 * first ones met; 16 ifs in the body use them all and the loop's own
 * compare at the tail is dropped: "compares no induction variable with a
 * bounded number".  (15 ifs pass.)  Now a comparison of a value made inside
 * the loop (it cannot be an induction variable) takes no slot.
 */
VERIFY_ACCEPT_CASE(fixed_loop_with_sixteen_ifs,
	.source = "ldxdw %r6, [%r1+16]\n"
	          "mov %r0, 0\n"
	          "mov %r2, 0\n"
	          "loop:\n"
	          "mov %r3, %r6\n"
	          "add %r3, %r2\n"
	          "ldxb %r4, [%r3+0]\n"
	          "jne %r4, 0, n0\nadd %r0, 0\nn0:\n"
	          "jne %r4, 1, n1\nadd %r0, 1\nn1:\n"
	          "jne %r4, 2, n2\nadd %r0, 2\nn2:\n"
	          "jne %r4, 3, n3\nadd %r0, 3\nn3:\n"
	          "jne %r4, 4, n4\nadd %r0, 4\nn4:\n"
	          "jne %r4, 5, n5\nadd %r0, 5\nn5:\n"
	          "jne %r4, 6, n6\nadd %r0, 6\nn6:\n"
	          "jne %r4, 7, n7\nadd %r0, 7\nn7:\n"
	          "jne %r4, 8, n8\nadd %r0, 8\nn8:\n"
	          "jne %r4, 9, n9\nadd %r0, 9\nn9:\n"
	          "jne %r4, 10, n10\nadd %r0, 10\nn10:\n"
	          "jne %r4, 11, n11\nadd %r0, 11\nn11:\n"
	          "jne %r4, 12, n12\nadd %r0, 12\nn12:\n"
	          "jne %r4, 13, n13\nadd %r0, 13\nn13:\n"
	          "jne %r4, 14, n14\nadd %r0, 14\nn14:\n"
	          "jne %r4, 15, n15\nadd %r0, 15\nn15:\n"
	          "add %r2, 1\n"
	          "jlt %r2, 32, loop\n"
	          "exit\n")

/*
 * The same hint table, filled by inner loops: with loops tested at the
 * bottom (clang's usual shape), every walk of an inner loop adds its
 * compare to the outer loops' hints, and four levels are enough to push
 * the outermost loop's own compare out.  Three levels pass.  Now inner
 * counters (made inside the outer loop) take no slot of the outer loops,
 * and a comparison seen again takes no second one.
 */
VERIFY_ACCEPT_CASE(fixed_four_nested_loops, .no_ctx = true,
	.source = "mov %r0, 0\n"
	          "mov %r1, 0\nl0:\n"
	          "mov %r2, 0\nl1:\n"
	          "mov %r3, 0\nl2:\n"
	          "mov %r4, 0\nl3:\n"
	          "add %r0, 1\n"
	          "add %r4, 1\njlt %r4, 4, l3\n"
	          "add %r3, 1\njlt %r3, 4, l2\n"
	          "add %r2, 1\njlt %r2, 4, l1\n"
	          "add %r1, 1\njlt %r1, 4, l0\n"
	          "exit\n")

/*
 * bpf_printk("speed %d\n", v) is bpf_trace_printk(fmt, 10, v): clang sets
 * r1..r3 only.  rkBPF's prototype declares r3..r5 ARG_ANYTHING, so the
 * uninitialised r4 is refused; the kernel's prototype declares only fmt
 * and its size, so every libbpf program printing fewer than three values
 * is refused here and accepted there.  (Safe as long as the helper reads
 * no more arguments than fmt converts - r4/r5 after a call hold whatever
 * the last helper left, possibly an address.)  Now the values the format
 * converts are checked, and no more.
 */
VERIFY_ACCEPT_CASE(fixed_bpf_printk_with_one_argument,
	.source = "ldxw %r3, [%r1+0]\n"
	          "lddw %r1, map_val_by_fd 3, 0\n"
	          "mov %r2, 10\n"
	          "call 6\n"
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * r1 = (s8)r2 where r1 held the context: movsx was refused as "mov on
 * pointer r1", judging the destination's old value; plain mov is fine.
 */
VERIFY_ACCEPT_CASE(fixed_movsx_into_register_holding_pointer,
	.source = "ldxb %r2, [%r1+0]\n"
	          "movsx864 %r1, %r2\n"
	          "mov %r0, %r1\n"
	          "exit\n")

/*
 * include/rkbpf/rkbpf_helpers.h documents bpf_map_lookup_elem() on a
 * time-series map ("gives the latest value") and the helper does it, but
 * the verifier refuses the map type: "bpf_map_lookup_elem needs a hash or
 * array map".  (Accepting it, the value should be read-only: writing it
 * would rewrite history.)  Now accepted, the value read-only.
 */
VERIFY_ACCEPT_CASE(fixed_lookup_latest_timeseries_sample,
	.source = "stw [%r10-4], 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 5\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "ldxdw %r0, [%r0+0]\n"
	          "out:\n"
	          "exit\n")

/*
 * Around the fixes above: what each rule still lets through, and the
 * neighbouring shapes it must catch.
 */

/* A helper may read the context's plain bytes: the readings at 32..63. */
VERIFY_ACCEPT_CASE(helper_reads_context_readings,
	.source = "mov %r2, %r1\n"
	          "add %r2, 32\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r3, 32\n"
	          "mov %r4, 0\n"
	          "call 130\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ...but not at a variable offset (ctx + 8 + [0, 7]) that may reach ctx->scan. */
VERIFY_REJECT_CASE(helper_reads_context_at_offset_that_may_reach_pointer_field, 9,
	"bpf_ringbuf_output: r2 points to 8 bytes at offset 8 of the context, which may cover "
	"the pointer field 'scan' (offset 16)",
	.source = "ldxb %r3, [%r1+0]\n"
	          "and %r3, 7\n"
	          "mov %r2, %r1\n"
	          "add %r2, %r3\n"
	          "add %r2, 8\n"
	          "lddw %r1, map_by_fd 2\n"
	          "mov %r3, 8\n"
	          "mov %r4, 0\n"
	          "call 130\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")

/*
 * A callee may store its caller's stack address in its caller's frame (it
 * lives as long), and its own address in its own frame; the caller then
 * writes through what was stored.
 */
VERIFY_ACCEPT_CASE(callee_stores_stack_pointers_that_live_long_enough,
	.source = "stdw [%r10-8], 0\n"
	          "stdw [%r10-16], 0\n"
	          "mov %r1, %r10\n"
	          "add %r1, -8\n"
	          "call local f\n"
	          "ldxdw %r2, [%r10-16]\n"
	          "stdw [%r2+0], 7\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "exit\n"
	          "f:\n"
	          "stxdw [%r1-8], %r1\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "stxdw [%r2+0], %r2\n"
	          "ldxdw %r3, [%r10-8]\n"
	          "stdw [%r3+0], 1\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* A constant string in a lookup of a one-entry read-only array: entry 0 is the only one. */
VERIFY_ACCEPT_CASE(snprintf_format_from_lookup_of_one_entry_rodata,
	.source = "stw [%r10-4], 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 3\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "mov %r3, %r0\n"
	          "stdw [%r10-24], 5\n"
	          "mov %r4, %r10\n"
	          "add %r4, -24\n"
	          "mov %r1, %r10\n"
	          "add %r1, -16\n"
	          "mov %r2, 16\n"
	          "mov %r5, 8\n"
	          "call 165\n"
	          "mov %r0, 0\n"
	          "out:\n"
	          "exit\n")

/*
 * The counter starts above its limit (trip count 0) and one step of +5
 * wraps it to INT64_MIN + 3, which passes "< limit": about 2^63 / 5
 * iterations, not 1.  (Without the wrap check: accepted with insn_bound 7,
 * and the checked run overruns it.)
 */
VERIFY_REJECT_CASE(loop_counter_wraps_on_first_step, 6,
	"cannot bound the loop at insns 6..10: r2 may wrap around past INT64_MAX (it may be "
	"9223372036854775806 before a step of +5)",
	.source = "mov %r6, %r1\n"
	          "lddw %r2, 0x7ffffffffffffffe\n"
	          "lddw %r3, 0x7ffffffffffffffd\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "ldxb %r4, [%r6+0]\n"
	          "jeq %r4, 7, out\n"
	          "add %r0, 1\n"
	          "add %r2, 5\n"
	          "jslt %r2, %r3, loop\n"
	          "out:\n"
	          "exit\n")

/*
 * Counting down past INT64_MIN, tested unsigned: the wrapped INT64_MAX is
 * above anything.  (Without the wrap check: accepted, and the checked run
 * overruns the bound.)
 */
VERIFY_REJECT_CASE(loop_counter_wraps_past_int64_min, 4,
	"cannot bound the loop at insns 4..6: r2 may wrap around past INT64_MIN",
	.source = "ldxdw %r6, [%r1+0]\n"
	          "lddw %r2, 0x8000000000000003\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "add %r2, -1\n"
	          "jgt %r2, %r6, loop\n"
	          "exit\n")

/* The same, tested signed: INT64_MIN > x never holds, so it stops after 3 iterations. */
VERIFY_ACCEPT_CASE(loop_counting_down_to_int64_min_signed,
	.source = "ldxdw %r6, [%r1+0]\n"
	          "lddw %r2, 0x8000000000000003\n"
	          "mov %r0, 0\n"
	          "loop:\n"
	          "add %r0, 1\n"
	          "add %r2, -1\n"
	          "jsgt %r2, %r6, loop\n"
	          "exit\n")

/* bpf_printk("speed %d\n") converts one value: r3 must be set. */
VERIFY_REJECT_CASE(printk_value_the_format_converts_not_set, 3,
	"bpf_trace_printk: argument r3 is not initialised (uninit)",
	.source = "lddw %r1, map_val_by_fd 3, 0\n"
	          "mov %r2, 10\n"
	          "call 6\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* ...and must not be a pointer; r4, which it does not convert, may be anything. */
VERIFY_ACCEPT_CASE(printk_ignores_values_the_format_does_not_convert,
	.source = "ldxw %r3, [%r1+0]\n"
	          "mov %r4, %r10\n"
	          "lddw %r1, map_val_by_fd 3, 0\n"
	          "mov %r2, 10\n"
	          "call 6\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(printk_pointer_as_converted_value, 4,
	"bpf_trace_printk: passing pointer r3 (fp+0) would reveal the daemon's addresses",
	.source = "mov %r3, %r10\n"
	          "lddw %r1, map_val_by_fd 3, 0\n"
	          "mov %r2, 10\n"
	          "call 6\n"
	          "mov %r0, 0\n"
	          "exit\n")

/* movsx of a pointer is still refused; the 32-bit form into a pointer register is fine. */
VERIFY_REJECT_CASE(movsx_of_pointer, 0, "mov on pointer r1 (ctx+0) is not allowed",
	.source = "movsx864 %r2, %r1\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(movsx32_into_register_holding_pointer,
	.source = "ldxb %r2, [%r1+0]\n"
	          "movsx832 %r1, %r2\n"
	          "mov %r0, %r1\n"
	          "exit\n")

/* The latest sample of a time series is read-only, and update stays refused. */
VERIFY_REJECT_CASE(timeseries_sample_written, 7,
	"write to a value of map 'samples' (8 bytes): it is read-only for programs",
	.source = "stw [%r10-4], 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "lddw %r1, map_by_fd 5\n"
	          "call 1\n"
	          "jeq %r0, 0, out\n"
	          "stdw [%r0+0], 1\n" /* 7 */
	          "out:\n"
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(timeseries_updated, 9,
	"bpf_map_update_elem needs a hash or array map; map 'samples' is a timeseries map",
	.source = "stw [%r10-4], 2\n"
	          "stdw [%r10-16], 2\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r3, %r10\n"
	          "add %r3, -16\n"
	          "lddw %r1, map_by_fd 5\n"
	          "mov %r4, 0\n"
	          "call 2\n" /* 9 */
	          "mov %r0, 0\n"
	          "exit\n")
