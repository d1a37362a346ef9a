/*
 * uprobe_target.c - the traced process of bench/rkd_bench.sh.  Its
 * function rkd_bench_probe(id, t_call) is what bench_uprobe.bpf.c probes.
 *
 *   uprobe_target latency N INTERVAL_US
 *       N calls, one every INTERVAL_US (absolute deadlines, so a late
 *       wake-up does not stretch the run), each passing its id and its
 *       CLOCK_MONOTONIC time: the probe's record carries both.
 *   uprobe_target cost BURSTS BURST_LEN GAP_US
 *       BURSTS bursts of BURST_LEN back-to-back calls, GAP_US of sleep
 *       between bursts (so that a consumer can drain its ring: a lost
 *       sample would be a cheaper hit).  Prints the per-call time of the
 *       bursts: "cost calls=C median_ns=M p10_ns=A p90_ns=B".
 *
 * Nothing here asserts a timing: the numbers are printed, the script
 * reports them.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

uint64_t rkd_bench_probe(uint64_t id, uint64_t t_call);

/* noinline and used: the call is real, the symbol is in .symtab. */
__attribute__((noinline, used)) uint64_t rkd_bench_probe(uint64_t id, uint64_t t_call)
{
	__asm__ volatile("" ::: "memory");
	return id ^ t_call;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ull),
	                      .tv_nsec = (long)(t % 1000000000ull)};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
		;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static volatile uint64_t sink;

static int run_latency(uint64_t n, uint64_t interval_ns)
{
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* pace at INTERVAL_US, not at 50 us of slack */
	uint64_t next = now_ns() + interval_ns;
	for (uint64_t i = 0; i < n; i++) {
		sleep_until(next);
		next += interval_ns;
		sink += rkd_bench_probe(i, now_ns());
	}
	printf("latency calls=%llu\n", (unsigned long long)n);
	return 0;
}

static int run_cost(uint64_t bursts, uint64_t len, uint64_t gap_ns)
{
	double *per_call = calloc(bursts, sizeof(*per_call));
	if (!per_call)
		return 1;
	uint64_t id = 0;
	for (uint64_t b = 0; b < bursts; b++) {
		uint64_t t0 = now_ns();
		for (uint64_t j = 0; j < len; j++)
			sink += rkd_bench_probe(id++, 0);
		uint64_t t1 = now_ns();
		per_call[b] = (double)(t1 - t0) / (double)len;
		sleep_until(now_ns() + gap_ns);
	}
	qsort(per_call, bursts, sizeof(*per_call), cmp_double);
	printf("cost calls=%llu median_ns=%.1f p10_ns=%.1f p90_ns=%.1f\n",
	       (unsigned long long)id, per_call[bursts / 2], per_call[bursts / 10],
	       per_call[bursts * 9 / 10]);
	free(per_call);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "latency") == 0)
		return run_latency(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0) * 1000ull);
	if (argc == 5 && strcmp(argv[1], "cost") == 0 && strtoull(argv[2], NULL, 0) > 0 &&
	    strtoull(argv[3], NULL, 0) > 0)
		return run_cost(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0),
		                strtoull(argv[4], NULL, 0) * 1000ull);
	fprintf(stderr, "usage: %s latency N INTERVAL_US | cost BURSTS BURST_LEN GAP_US\n", argv[0]);
	return 2;
}
