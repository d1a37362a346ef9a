/*
 * hw_bench.c - rk-hw-bench: what the hardware hooks cost on the host, in
 * ns per operation (medians of batches; baselines measured in the same
 * run; no assertions on the figures):
 *
 *   estop   rk_emergency_stop through librkbpf's helper and rkd/estop.c
 *           (rkd_estop_trip: the actuators driven, the latch, the event),
 *           with PWM actuators on plain files standing in for sysfs
 *           (estop.c compiled with RKD_PWM_SYSFS pointing at them), against
 *           a bare pwrite() of "0" to one such file.  The first trip after
 *           a reset (untimed) does everything; a call while latched only
 *           checks the mask.
 *   iio     one scan decoded by hooks/hook_iio.c's rk_iio_decode_scan (4
 *           channels in iio_dummy's formats + a 64-bit timestamp) against
 *           a hand-written decode of the same layout.
 *
 *   rk-hw-bench [--repeat N] [--batch N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../hooks/hook_impl.h"
#include "../../include/rkbpf/rkbpf_hw.h"
#include "../../rkd/daemon.h"
#include "../../rkd/estop.h"
#include "../../vm/helpers_std.h"

#define ACTUATORS 4

static unsigned repeat = 31, batch = 2000;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- e-stop ------------------------------------------------------------------- */

static struct rkd_daemon daemon_;

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* RKD_PWM_SYSFS/pwmchip0 with npwm and ACTUATORS channels of plain files. */
static int make_fake_pwm(void)
{
	char path[256];
	mkdir(RKD_PWM_SYSFS, 0755);
	snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0");
	mkdir(path, 0755);
	snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0/npwm");
	if (write_file(path, "16\n"))
		return -EIO;
	for (unsigned i = 0; i < ACTUATORS; i++) {
		snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0/pwm%u", i);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0/pwm%u/enable", i);
		if (write_file(path, "1\n"))
			return -EIO;
		snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0/pwm%u/duty_cycle", i);
		if (write_file(path, "1500000\n"))
			return -EIO;
	}
	return 0;
}

static int host_estop(void *host, const struct rk_prog *prog, uint64_t mask)
{
	(void)prog;
	return rkd_estop_trip(host, "bench", "hw_bench", mask);
}

static void bench_estop(void)
{
	if (make_fake_pwm()) {
		fprintf(stderr, "hw-bench: cannot create %s: %s\n", RKD_PWM_SYSFS, strerror(errno));
		exit(1);
	}
	struct rkd_config *config = &daemon_.config;
	rkd_config_defaults(config);
	rkd_events_init(&daemon_.events);
	config->estop.count = ACTUATORS;
	for (unsigned i = 0; i < ACTUATORS; i++) {
		struct rkd_actuator *a = &config->estop.actuators[i];
		snprintf(a->name, sizeof(a->name), "motor%u", i);
		a->type = RKD_ACTUATOR_PWM;
		snprintf(a->chip, sizeof(a->chip), "pwmchip0");
		a->channel = i;
		a->safe_disable = true;
		a->safe_level = -1;
		a->bit = i;
	}
	char err[512];
	if (rkd_estop_open(&daemon_, err, sizeof(err))) {
		fprintf(stderr, "hw-bench: %s\n", err);
		exit(1);
	}
	rk_helper_fn estop = rk_helpers_fn(rk_helpers_standard(), RK_HELPER_EMERGENCY_STOP);
	struct rk_env env = {.host = &daemon_, .emergency_stop = host_estop};
	struct rk_run_opts opts = {.env = &env};
	struct rk_run run = {.opts = &opts};
	char path[256];
	snprintf(path, sizeof(path), RKD_PWM_SYSFS "/pwmchip0/pwm0/enable");
	int bare_fd = open(path, O_WRONLY | O_CLOEXEC);
	/* rkd_estop_trip logs its message: to /dev/null here, as to syslog in a daemon. */
	fflush(stderr);
	int saved_stderr = dup(STDERR_FILENO), null_fd = open("/dev/null", O_WRONLY);
	dup2(null_fd, STDERR_FILENO);

	double *bare = calloc(repeat, sizeof(double)), *trip1 = calloc(repeat, sizeof(double));
	double *tripn = calloc(repeat, sizeof(double)), *latched = calloc(repeat, sizeof(double));
	unsigned trips = batch / 10 ? batch / 10 : 1;
	for (unsigned r = 0; r < repeat; r++) {
		uint64_t t0 = now_ns();
		for (unsigned i = 0; i < batch; i++)
			if (pwrite(bare_fd, "0", 1, 0) != 1)
				abort();
		bare[r] = (double)(now_ns() - t0) / batch;
		uint64_t sum1 = 0, sumn = 0;
		for (unsigned i = 0; i < trips; i++) {
			rkd_estop_reset(&daemon_, err, sizeof(err));
			t0 = now_ns();
			estop(1, 0, 0, 0, 0, &run);
			sum1 += now_ns() - t0;
			rkd_estop_reset(&daemon_, err, sizeof(err));
			t0 = now_ns();
			estop((1u << ACTUATORS) - 1, 0, 0, 0, 0, &run);
			sumn += now_ns() - t0;
		}
		trip1[r] = (double)sum1 / trips;
		tripn[r] = (double)sumn / trips;
		t0 = now_ns();
		for (unsigned i = 0; i < batch; i++)
			estop((1u << ACTUATORS) - 1, 0, 0, 0, 0, &run);
		latched[r] = (double)(now_ns() - t0) / batch;
	}
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(null_fd);
	close(bare_fd);
	rkd_estop_close();
	double b = median(bare, repeat);
	printf("%-58s %10s %8s\n", "e-stop (PWM actuators on plain files in " RKD_PWM_SYSFS ")",
	       "ns/op", "ratio");
	printf("  %-56s %10.0f %8.2f\n", "bare pwrite(\"0\") to pwmN/enable (baseline)", b, 1.0);
	double m = median(trip1, repeat);
	printf("  %-56s %10.0f %8.2f\n", "rk_emergency_stop(1): 1 actuator, trip + event", m, m / b);
	m = median(tripn, repeat);
	printf("  %-56s %10.0f %8.2f\n", "rk_emergency_stop(0xf): 4 actuators, trip + event", m,
	       m / b);
	m = median(latched, repeat);
	printf("  %-56s %10.0f %8.2f\n", "rk_emergency_stop(0xf) while latched", m, m / b);
	free(bare);
	free(trip1);
	free(tripn);
	free(latched);
}

/* ---- IIO scan decode ---------------------------------------------------------- */

/* iio_dummy's scan: u13, s12, s11, s16 (le, 16-bit storage), padding, s64 timestamp at 8. */
static const struct rk_iio_sample_fmt fmts[4] = {
	{.offset = 0, .bytes = 2, .bits = 13, .shift = 0, .is_signed = 0, .is_be = 0},
	{.offset = 2, .bytes = 2, .bits = 12, .shift = 0, .is_signed = 1, .is_be = 0},
	{.offset = 4, .bytes = 2, .bits = 11, .shift = 0, .is_signed = 1, .is_be = 0},
	{.offset = 6, .bytes = 2, .bits = 16, .shift = 0, .is_signed = 1, .is_be = 0},
};
static const struct rk_iio_sample_fmt ts_fmt = {.offset = 8, .bytes = 8, .bits = 64};

/* What one would write for exactly this device. */
__attribute__((noinline)) static void hand_decode(const uint8_t *scan, struct rk_iio_scan *out)
{
	uint16_t v[4];
	memcpy(v, scan, sizeof(v));
	out->values[0] = v[0] & 0x1fff;
	out->values[1] = (int64_t)((int32_t)((uint32_t)v[1] << 20) >> 20);
	out->values[2] = (int64_t)((int32_t)((uint32_t)v[2] << 21) >> 21);
	out->values[3] = (int16_t)v[3];
	uint64_t ts;
	memcpy(&ts, scan + 8, sizeof(ts));
	out->timestamp_ns = ts;
}

static void bench_iio(void)
{
	enum { SCANS = 64 };
	static uint8_t scans[SCANS][16];
	for (unsigned i = 0; i < SCANS; i++) {
		uint16_t v[4] = {7, (uint16_t)(0xfdf + i), 0x7fe, 344};
		uint64_t ts = 1000000000ull + i;
		memcpy(scans[i], v, sizeof(v));
		memcpy(scans[i] + 8, &ts, sizeof(ts));
	}
	struct rk_iio_scan a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	rk_iio_decode_scan(scans[0], fmts, 4, &ts_fmt, &a);
	hand_decode(scans[0], &b);
	if (memcmp(&a, &b, sizeof(a)) != 0) {
		fprintf(stderr, "hw-bench: rk_iio_decode_scan and the hand decode disagree\n");
		exit(1);
	}
	double *hand = calloc(repeat, sizeof(double)), *hook = calloc(repeat, sizeof(double));
	unsigned n = batch * 50;
	volatile int64_t sink = 0;
	for (unsigned r = 0; r < repeat; r++) {
		uint64_t t0 = now_ns();
		for (unsigned i = 0; i < n; i++) {
			hand_decode(scans[i % SCANS], &b);
			sink += b.values[1];
		}
		hand[r] = (double)(now_ns() - t0) / n;
		t0 = now_ns();
		for (unsigned i = 0; i < n; i++) {
			rk_iio_decode_scan(scans[i % SCANS], fmts, 4, &ts_fmt, &a);
			sink += a.values[1];
		}
		hook[r] = (double)(now_ns() - t0) / n;
	}
	(void)sink;
	double h = median(hand, repeat), k = median(hook, repeat);
	printf("%-58s %10s %8s\n", "IIO scan decode (4 channels + timestamp)", "ns/op", "ratio");
	printf("  %-56s %10.1f %8.2f\n", "hand-written decode of iio_dummy's layout (baseline)", h,
	       1.0);
	printf("  %-56s %10.1f %8.2f\n", "rk_iio_decode_scan (hooks/hook_iio.c)", k, k / h);
	free(hand);
	free(hook);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
			batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: rk-hw-bench [--repeat N] [--batch N]\n");
			return 2;
		}
	}
	if (repeat == 0 || batch == 0)
		return 2;
	printf("rk-hw-bench: medians of %u batches\n", repeat);
	bench_iio();
	bench_estop();
	return 0;
}
