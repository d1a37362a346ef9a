/*
 * bench_util.h - what both benchmark binaries (rk-bench, rk-map-bench)
 * print about the machine they ran on.
 */
#ifndef RK_BENCH_UTIL_H
#define RK_BENCH_UTIL_H

#include <stddef.h>

/* The CPU's model name from /proc/cpuinfo, or "unknown". */
void bench_cpu_model(char *buf, size_t buf_len);

#endif
