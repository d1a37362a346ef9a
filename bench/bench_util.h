/*
 * bench_util.h - what both benchmark binaries (rk-bench, rk-map-bench)
 * share: the clock, the median, and the machine they ran on.
 */
#ifndef RK_BENCH_UTIL_H
#define RK_BENCH_UTIL_H

#include <stddef.h>

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);
/* The median of values[0..count); sorts values. */
double bench_median(double *values, size_t count);

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *buf, size_t buf_len);

#endif
