/*
 * bench.h - the benchmark programs rk-bench knows, and what it needs to
 * run each: the size of its input, how to build that input, and its native
 * entry point.
 *
 * To add a program: write bench/progs/NAME.c (see progs/bench_prog.h), add
 * its input builder to inputs.c, and add one X() line below.  bench.mk
 * finds the source by wildcard and refuses a program not listed here.
 */
#ifndef RK_BENCH_H
#define RK_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* X(name, input bytes, input builder, what it is) */
#define BENCH_PROGS(X)                                                                      \
	X(sensor_filter, 2000, bench_input_sensor,                                          \
	  "biquad low-pass, min/max, threshold over 1,000 int16 samples")                   \
	X(crc32, 1024, bench_input_payload, "bitwise CRC-32 (IEEE 802.3) over 1 KiB")       \
	X(inet_csum, 1024, bench_input_payload, "RFC 1071 internet checksum over 1 KiB")    \
	X(frame_parse, 1024, bench_input_ubx, "UBX serial frame state machine over 1 KiB") \
	X(log2_hist, 1024, bench_input_latency, "log2 histogram of 256 u32 latencies")

/* A native build of a program: the same C as the bytecode, clang -O2. */
typedef uint64_t (*bench_native_fn)(const uint8_t *ctx, uint64_t ctx_len);

#define BENCH_DECLARE_NATIVE(name, len, input, what) \
	uint64_t bench_native_##name(const uint8_t *ctx, uint64_t ctx_len);
BENCH_PROGS(BENCH_DECLARE_NATIVE)
#undef BENCH_DECLARE_NATIVE

/*
 * Input builders (inputs.c): fill buf[0..len) deterministically from seed,
 * with data shaped like what the program meets on a robot.
 */
void bench_input_sensor(uint8_t *buf, size_t len, uint64_t seed);
void bench_input_payload(uint8_t *buf, size_t len, uint64_t seed);
void bench_input_ubx(uint8_t *buf, size_t len, uint64_t seed);
void bench_input_latency(uint8_t *buf, size_t len, uint64_t seed);

#endif /* RK_BENCH_H */
