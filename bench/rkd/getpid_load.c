/*
 * getpid_load.c - the load generator of bench/rkd_bench.sh's tracepoint
 * figure: getpid() (the raw syscall, never a cached value) RATE times a
 * second for SECONDS seconds, or flat out with RATE 0.  Paced in 100 us
 * ticks: each tick makes the calls that are due, so the load is smooth
 * at the scale of a perf ring (a few hundred samples).
 *
 * Prints "getpid pid=P calls=C elapsed_ns=E rate=R" (C: every getpid this
 * program made; R: calls a second, as achieved).  The C runtime may make
 * a call of its own before main(): the bench reads that offset from an
 * idle run (RATE 1, 0 s).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s RATE SECONDS   (RATE 0: flat out)\n", argv[0]);
		return 2;
	}
	double rate = strtod(argv[1], NULL), seconds = strtod(argv[2], NULL);
	/* The pid is the first call; the program prints it and calls getpid() no more. */
	long pid = syscall(SYS_getpid);
	uint64_t duration = (uint64_t)(seconds * 1e9), calls = 1;
	uint64_t start = now_ns(), t = start;
	while (t - start < duration) {
		uint64_t due = rate > 0 ? (uint64_t)((double)(t - start) * rate / 1e9) + 1 : calls + 64;
		while (calls < due) {
			syscall(SYS_getpid);
			calls++;
		}
		if (rate > 0) {
			struct timespec ts = {0, 100000};
			nanosleep(&ts, NULL);
		}
		t = now_ns();
	}
	double elapsed = (double)(t - start);
	printf("getpid pid=%d calls=%llu elapsed_ns=%.0f rate=%.0f\n", (int)pid,
	       (unsigned long long)calls, elapsed, (double)calls * 1e9 / elapsed);
	return 0;
}
