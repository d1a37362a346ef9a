/*
 * demo_robot.c - a small stand-in for a robot's control process, for the
 * example programs to watch: a 1 kHz control loop that reads a sensor,
 * computes a command and sends it to a motor, with the occasional stall a
 * real robot has (a page fault, a priority inversion, a slow driver).
 *
 *   build/demo-robot [--seconds N] [--stall-every N] [--stall-us N]
 *
 * The three functions the examples attach uprobes to are real, exported,
 * never inlined, and take their inputs as arguments, as a traced function
 * in a real controller would:
 *   control_step(now_ns, iteration)     once per period, at its start
 *   sensor_read(sensor_id)              returns the reading (milliamps)
 *   motor_command(motor_id, duty_permille)
 * now_ns is CLOCK_MONOTONIC, the clock rkBPF's programs use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS 1000000L    /* 1 kHz */
#define NS_PER_S 1000000000L
#define MOTOR_COUNT 2

#define TRACED __attribute__((noinline, used, visibility("default")))

/* Exported for the uprobes (and declared, as a header would). */
int32_t sensor_read(uint32_t sensor_id);
void motor_command(uint32_t motor_id, int32_t duty_permille);
void control_step(uint64_t step_ns, uint64_t iteration);

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* A motor current that follows the command, with a little noise. */
TRACED int32_t sensor_read(uint32_t sensor_id)
{
	static uint32_t noise = 12345;
	noise = noise * 1103515245u + 12345u;
	return (int32_t)(800 + 400 * sensor_id + (noise >> 24) % 50);
}

TRACED void motor_command(uint32_t motor_id, int32_t duty_permille)
{
	/* A real controller writes a PWM register here. */
	__asm__ volatile("" : : "r"(motor_id), "r"(duty_permille) : "memory");
}

TRACED void control_step(uint64_t step_ns, uint64_t iteration)
{
	for (uint32_t motor = 0; motor < MOTOR_COUNT; motor++) {
		int32_t current_ma = sensor_read(motor);
		/* A proportional controller towards 1 A. */
		int32_t duty = 500 + (1000 - current_ma) / 4;
		if (duty < 0)
			duty = 0;
		if (duty > 1000)
			duty = 1000;
		motor_command(motor, duty);
	}
	(void)step_ns, (void)iteration;
}

static void busy_wait_us(long us)
{
	uint64_t until = now_ns() + (uint64_t)us * 1000;
	while (now_ns() < until)
		;
}

static long parse_long(const char *flag, const char *value, long min, long max)
{
	char *end;
	errno = 0;
	long parsed = value ? strtol(value, &end, 10) : 0;
	if (!value || errno || *end || parsed < min || parsed > max) {
		fprintf(stderr, "demo-robot: %s wants a number in %ld..%ld\n", flag, min, max);
		exit(2);
	}
	return parsed;
}

int main(int argc, char **argv)
{
	long seconds = 0, stall_every = 500, stall_us = 1500;
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--seconds") == 0)
			seconds = parse_long("--seconds", value, 0, 86400), i++;
		else if (strcmp(argv[i], "--stall-every") == 0)
			stall_every = parse_long("--stall-every", value, 0, 1000000), i++;
		else if (strcmp(argv[i], "--stall-us") == 0)
			stall_us = parse_long("--stall-us", value, 0, 1000000), i++;
		else {
			fprintf(stderr, "usage: demo-robot [--seconds N (0: until SIGINT)] "
			                "[--stall-every N (0: never)] [--stall-us N]\n");
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("demo-robot: pid %d, 1 kHz control loop%s\n", (int)getpid(),
	       stall_every ? ", with a stall now and then" : "");
	fflush(stdout);

	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	uint64_t end = seconds ? now_ns() + (uint64_t)seconds * NS_PER_S : UINT64_MAX;
	for (uint64_t iteration = 0; !stop_requested && now_ns() < end; iteration++) {
		control_step(now_ns(), iteration);
		if (stall_every && iteration % (uint64_t)stall_every == (uint64_t)stall_every - 1)
			busy_wait_us(stall_us);
		next.tv_nsec += PERIOD_NS;
		if (next.tv_nsec >= NS_PER_S) {
			next.tv_nsec -= NS_PER_S;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	return 0;
}
