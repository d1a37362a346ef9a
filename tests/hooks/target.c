/*
 * target.c - the process the hook tests trace (build/tests/hook-target).
 *
 * It does nothing until told, so a test can attach first: each line on
 * stdin is a command, answered by one line on stdout once done.
 *   work N     call rk_target_work(i, i * 1000 + 7) for i in 0..N-1
 *   stack      call rk_target_stack(&local, &rk_target_global), local on this stack
 *   thread N   the same as work N, from a new thread (joined before answering)
 *   worker     start a thread that waits for wwork commands
 *   wwork N    the same as work N, on that worker thread
 *   (EOF)      exit 0
 * Built at -O0: the functions keep their arguments in the ABI registers at
 * entry and no call is inlined, cloned or folded away.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "target.h"

long rk_target_work(int a, long b);
long rk_target_stack(const volatile long *local, const volatile long *global);

volatile long rk_target_global = TARGET_GLOBAL_VALUE;

__attribute__((noinline, used)) long rk_target_work(int a, long b)
{
	return 2 * (long)a + b; /* TARGET_WORK_RET */
}

__attribute__((noinline, used)) long rk_target_stack(const volatile long *local,
                                                     const volatile long *global)
{
	return *local ^ *global;
}

static long work(long count)
{
	long sum = 0;
	for (long i = 0; i < count; i++)
		sum += rk_target_work((int)i, TARGET_WORK_B(i));
	return sum;
}

static void *thread_main(void *arg)
{
	long *count = arg;
	*count = work(*count);
	return NULL;
}

/* The worker thread: counts in on to_worker[0], sums out on from_worker[1]. */
static int to_worker[2], from_worker[2];

static void *worker_main(void *arg)
{
	long count;
	(void)arg;
	while (read(to_worker[0], &count, sizeof(count)) == (ssize_t)sizeof(count)) {
		long sum = work(count);
		if (write(from_worker[1], &sum, sizeof(sum)) != (ssize_t)sizeof(sum))
			break;
	}
	return NULL;
}

int main(void)
{
	char line[128];
	setvbuf(stdout, NULL, _IONBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		long count = 0;
		if (sscanf(line, "work %ld", &count) == 1) {
			printf("ok %ld\n", work(count));
		} else if (strncmp(line, "stack", 5) == 0) {
			volatile long local = TARGET_STACK_VALUE;
			printf("ok %ld\n", rk_target_stack(&local, &rk_target_global));
		} else if (sscanf(line, "thread %ld", &count) == 1) {
			pthread_t thread;
			int rc = pthread_create(&thread, NULL, thread_main, &count);
			if (rc != 0) {
				printf("error: pthread_create: %s\n", strerror(rc));
				continue;
			}
			pthread_join(thread, NULL);
			printf("ok %ld\n", count);
		} else if (strncmp(line, "worker", 6) == 0) {
			pthread_t thread;
			if (pipe(to_worker) || pipe(from_worker) ||
			    pthread_create(&thread, NULL, worker_main, NULL))
				return 1;
			/* One empty job: the thread runs before the answer. */
			long zero = 0, sum;
			if (write(to_worker[1], &zero, sizeof(zero)) != (ssize_t)sizeof(zero) ||
			    read(from_worker[0], &sum, sizeof(sum)) != (ssize_t)sizeof(sum))
				return 1;
			printf("ok 0\n");
		} else if (sscanf(line, "wwork %ld", &count) == 1) {
			long sum;
			if (write(to_worker[1], &count, sizeof(count)) != (ssize_t)sizeof(count) ||
			    read(from_worker[0], &sum, sizeof(sum)) != (ssize_t)sizeof(sum))
				return 1;
			printf("ok %ld\n", sum);
		} else {
			printf("error: %s", line);
		}
	}
	return 0;
}
