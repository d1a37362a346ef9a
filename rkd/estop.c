/*
 * estop.c - the emergency stop (see estop.h): actuators opened at start-up,
 * the latch, the kernel watchdog's heartbeat.
 *
 * PWM channels are driven through the PWM sysfs class (the channel is
 * exported at start-up when it is not yet): `safe = disable` writes "0" to
 * pwmN/enable, `safe_duty_ns = N` writes N to pwmN/duty_cycle.  GPIO lines
 * are requested as outputs through libgpiod 1.6 (the character device) and
 * held for rkd's life, driven to the opposite of their safe level while the
 * stop is not tripped (the line is the robot's "run enable": rkd owns it).
 */
#define _GNU_SOURCE
#include "estop.h"

#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

/* The PWM class; bench/hw_bench.mk points it at plain files (-DRKD_PWM_SYSFS=...). */
#ifndef RKD_PWM_SYSFS
#define RKD_PWM_SYSFS "/sys/class/pwm"
#endif
#define PWM_SYSFS RKD_PWM_SYSFS
#define GPIO_CONSUMER "rkd-estop"
#define ESTOP_NAME_LEN 64

struct actuator_rt {
	const struct rkd_actuator *cfg;
	int enable_fd;                  /* PWM: pwmN/enable, -1 */
	int duty_fd;                    /* PWM: pwmN/duty_cycle, -1 */
	char safe_text[24];             /* what is written: "0" or the duty in ns */
	size_t safe_len;
	struct gpiod_chip *chip;        /* GPIO */
	struct gpiod_line *line;
	bool stopped;
	int error;                      /* the last write's errno, 0 */
};

static struct {
	struct actuator_rt actuators[RKD_MAX_ACTUATORS];
	size_t count;
	uint64_t configured_mask;
	/* The latch. */
	bool tripped;
	uint64_t mask;                  /* what was asked, all calls together */
	uint64_t time_ns;               /* CLOCK_REALTIME of the first trip */
	uint64_t monotonic_ns;
	uint64_t act_ns;                /* how long driving the actuators took */
	uint64_t written_ns;            /* CLOCK_MONOTONIC right after the last write */
	char object[ESTOP_NAME_LEN];
	char program[ESTOP_NAME_LEN];
	uint64_t trips;                 /* latched trips since start */
	uint64_t calls;                 /* rk_emergency_stop calls since start */
	/* The kernel watchdog. */
	int heartbeat_fd;
	unsigned heartbeat_ms;
	char heartbeat_path[PATH_MAX];
	uint64_t heartbeats, heartbeat_errors;
	int heartbeat_error;
	uv_timer_t timer;
	bool timer_started;
} estop = {.heartbeat_fd = -1};

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "rkd.conf:LINE: key 'K': ..." as the config parser words its errors. */
static int fail(char *err, size_t err_len, int rc, const char *source, int line, const char *key,
                const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static int fail(char *err, size_t err_len, int rc, const char *source, int line, const char *key,
                const char *fmt, ...)
{
	int used = snprintf(err, err_len, "%s:%d: key '%s': ", source, line, key);
	if (used >= 0 && (size_t)used < err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + used, err_len - (size_t)used, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int read_uint_file(const char *path, unsigned long *out)
{
	char text[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t got = read(fd, text, sizeof(text) - 1);
	int saved = errno;
	close(fd);
	if (got <= 0)
		return got < 0 ? -saved : -EIO;
	text[got] = '\0';
	char *end;
	*out = strtoul(text, &end, 10);
	return end == text ? -EPROTO : 0;
}

static int write_text_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t put = write(fd, text, strlen(text));
	int rc = put == (ssize_t)strlen(text) ? 0 : put < 0 ? -errno : -EIO;
	close(fd);
	return rc;
}

static int open_pwm(struct actuator_rt *rt, const char *source, char *err, size_t err_len)
{
	const struct rkd_actuator *a = rt->cfg;
	char path[PATH_MAX];
	struct stat st;
	if (strchr(a->chip, '/') || strcmp(a->chip, ".") == 0 || strcmp(a->chip, "..") == 0)
		return fail(err, err_len, -EINVAL, source, a->chip_line, "chip",
		            "[actuator %s]: '%s' is not a PWM chip name; write the name as "
		            "/sys/class/pwm lists it (pwmchip0)",
		            a->name, a->chip);
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/npwm", a->chip);
	unsigned long npwm = 0;
	int rc = read_uint_file(path, &npwm);
	if (rc)
		return fail(err, err_len, rc, source, a->chip_line, "chip",
		            "[actuator %s]: no PWM chip '%s' (%s: %s); ls " PWM_SYSFS
		            " lists the chips",
		            a->name, a->chip, path, strerror(-rc));
	if (a->channel >= npwm)
		return fail(err, err_len, -ERANGE, source, a->channel_line, "channel",
		            "[actuator %s]: %s has %lu channels (0..%lu); channel %u is out of range",
		            a->name, a->chip, npwm, npwm ? npwm - 1 : 0, a->channel);
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/pwm%u", a->chip, a->channel);
	if (stat(path, &st) != 0) {
		char export_path[PATH_MAX], number[16];
		snprintf(export_path, sizeof(export_path), PWM_SYSFS "/%s/export", a->chip);
		snprintf(number, sizeof(number), "%u", a->channel);
		rc = write_text_file(export_path, number);
		if (rc)
			return fail(err, err_len, rc, source, a->channel_line, "channel",
			            "[actuator %s]: cannot export %s channel %u (%s: %s)%s", a->name,
			            a->chip, a->channel, export_path, strerror(-rc),
			            rc == -EBUSY ? "; a kernel driver holds it" : "");
	}
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/pwm%u/enable", a->chip, a->channel);
	rt->enable_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (rt->enable_fd < 0)
		return fail(err, err_len, -errno, source, a->channel_line, "channel",
		            "[actuator %s]: %s: %s", a->name, path, strerror(errno));
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/pwm%u/duty_cycle", a->chip, a->channel);
	rt->duty_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (rt->duty_fd < 0)
		return fail(err, err_len, -errno, source, a->channel_line, "channel",
		            "[actuator %s]: %s: %s", a->name, path, strerror(errno));
	if (a->has_safe_duty)
		snprintf(rt->safe_text, sizeof(rt->safe_text), "%llu", a->safe_duty_ns);
	else
		snprintf(rt->safe_text, sizeof(rt->safe_text), "0");
	rt->safe_len = strlen(rt->safe_text);
	return 0;
}

static int open_gpio(struct actuator_rt *rt, const char *source, char *err, size_t err_len)
{
	const struct rkd_actuator *a = rt->cfg;
	rt->chip = gpiod_chip_open_lookup(a->chip);
	if (!rt->chip)
		return fail(err, err_len, -ENOENT, source, a->chip_line, "chip",
		            "[actuator %s]: no GPIO chip '%s' (by name, label, number or path: %s); "
		            "gpiodetect lists the chips",
		            a->name, a->chip, strerror(errno));
	unsigned lines = gpiod_chip_num_lines(rt->chip);
	if (a->channel >= lines)
		return fail(err, err_len, -ERANGE, source, a->channel_line, "line",
		            "[actuator %s]: %s has %u lines (0..%u); line %u is out of range", a->name,
		            gpiod_chip_name(rt->chip), lines, lines ? lines - 1 : 0, a->channel);
	rt->line = gpiod_chip_get_line(rt->chip, a->channel);
	if (!rt->line)
		return fail(err, err_len, -errno, source, a->channel_line, "line",
		            "[actuator %s]: %s line %u: %s", a->name, gpiod_chip_name(rt->chip),
		            a->channel, strerror(errno));
	/* Not tripped: the run level, the opposite of the safe one. */
	if (gpiod_line_request_output(rt->line, GPIO_CONSUMER, !a->safe_level) != 0) {
		int saved = errno;
		const char *user = gpiod_line_consumer(rt->line);
		rt->line = NULL;
		return fail(err, err_len, -saved, source, a->channel_line, "line",
		            "[actuator %s]: cannot request %s line %u as an output: %s%s%s%s", a->name,
		            gpiod_chip_name(rt->chip), a->channel, strerror(saved),
		            saved == EBUSY ? " (held by " : "", saved == EBUSY && user ? user : "",
		            saved == EBUSY ? ")" : "");
	}
	return 0;
}

int rkd_estop_open(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	const struct rkd_estop_config *config = &daemon->config.estop;
	const char *source = config->source[0] ? config->source : "rkd.conf";
	for (size_t i = 0; i < config->count; i++) {
		struct actuator_rt *rt = &estop.actuators[i];
		memset(rt, 0, sizeof(*rt));
		rt->cfg = &config->actuators[i];
		rt->enable_fd = rt->duty_fd = -1;
		estop.count = i + 1;
		int rc = rt->cfg->type == RKD_ACTUATOR_PWM ? open_pwm(rt, source, err, err_len)
		                                           : open_gpio(rt, source, err, err_len);
		if (rc) {
			rkd_estop_close();
			return rc;
		}
		estop.configured_mask |= 1ull << rt->cfg->bit;
	}
	if (config->heartbeat_path[0]) {
		estop.heartbeat_fd = open(config->heartbeat_path, O_WRONLY | O_CLOEXEC);
		if (estop.heartbeat_fd < 0) {
			int saved = errno;
			rkd_estop_close();
			return fail(err, err_len, -saved, source, config->heartbeat_line, "heartbeat",
			            "%s: %s; load the watchdog first (insmod rk_estop.ko, "
			            "docs/estop.md) or remove the key",
			            config->heartbeat_path, strerror(saved));
		}
		snprintf(estop.heartbeat_path, sizeof(estop.heartbeat_path), "%s",
		         config->heartbeat_path);
		estop.heartbeat_ms = config->heartbeat_ms;
	}
	return 0;
}

static void beat(void)
{
	if (pwrite(estop.heartbeat_fd, "1", 1, 0) == 1) {
		estop.heartbeats++;
	} else {
		if (estop.heartbeat_errors++ == 0)
			rkd_log("error", "estop: heartbeat %s: %s", estop.heartbeat_path,
			        strerror(errno));
		estop.heartbeat_error = errno;
	}
}

static void on_heartbeat(uv_timer_t *timer)
{
	(void)timer;
	beat();
}

int rkd_estop_start(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	if (estop.heartbeat_fd < 0)
		return 0;
	beat();
	int rc = uv_timer_init(daemon->loop, &estop.timer);
	if (rc == 0)
		rc = uv_timer_start(&estop.timer, on_heartbeat, estop.heartbeat_ms, estop.heartbeat_ms);
	if (rc) {
		snprintf(err, err_len, "estop: heartbeat timer: %s", uv_strerror(rc));
		return -EIO;
	}
	estop.timer_started = true;
	rkd_log("info", "estop: heartbeat %s every %u ms", estop.heartbeat_path,
	        estop.heartbeat_ms);
	return 0;
}

void rkd_estop_stop(void)
{
	if (estop.timer_started) {
		uv_timer_stop(&estop.timer);
		uv_close((uv_handle_t *)&estop.timer, NULL);
		estop.timer_started = false;
	}
}

void rkd_estop_close(void)
{
	for (size_t i = 0; i < estop.count; i++) {
		struct actuator_rt *rt = &estop.actuators[i];
		if (rt->enable_fd >= 0)
			close(rt->enable_fd);
		if (rt->duty_fd >= 0)
			close(rt->duty_fd);
		if (rt->line)
			gpiod_line_release(rt->line);
		if (rt->chip)
			gpiod_chip_close(rt->chip);
		rt->enable_fd = rt->duty_fd = -1;
		rt->line = NULL;
		rt->chip = NULL;
	}
	estop.count = 0;
	estop.configured_mask = 0;
	if (estop.heartbeat_fd >= 0)
		close(estop.heartbeat_fd);
	estop.heartbeat_fd = -1;
}

size_t rkd_estop_count(void)
{
	return estop.count;
}

/* Drive one actuator to safe: 0 or -errno.  Nothing here allocates. */
static int drive_safe(struct actuator_rt *rt)
{
	const struct rkd_actuator *a = rt->cfg;
	if (a->type == RKD_ACTUATOR_GPIO)
		return gpiod_line_set_value(rt->line, a->safe_level) == 0 ? 0 : -errno;
	int fd = a->has_safe_duty ? rt->duty_fd : rt->enable_fd;
	ssize_t put = pwrite(fd, rt->safe_text, rt->safe_len, 0);
	return put == (ssize_t)rt->safe_len ? 0 : put < 0 ? -errno : -EIO;
}

static void copy_name(char *dst, const char *src)
{
	size_t len = src ? strnlen(src, ESTOP_NAME_LEN - 1) : 0;
	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

int rkd_estop_trip(struct rkd_daemon *daemon, const char *object, const char *program,
                   uint64_t mask)
{
	uint64_t start = rkd_now_ns();
	estop.calls++;
	if (estop.count == 0)
		return -ENOTSUP;
	int first_error = 0;
	uint64_t newly = 0;
	for (size_t i = 0; i < estop.count; i++) {
		struct actuator_rt *rt = &estop.actuators[i];
		uint64_t bit = 1ull << rt->cfg->bit;
		if (!(mask & bit) || rt->stopped)
			continue;
		int rc = drive_safe(rt);
		rt->error = -rc;
		if (rc == 0) {
			rt->stopped = true;
			newly |= bit;
		} else if (!first_error) {
			first_error = rc;
		}
	}
	uint64_t acted = rkd_now_ns();
	bool first = !estop.tripped;
	uint64_t added = mask & ~estop.mask;
	if (first) {
		estop.tripped = true;
		estop.time_ns = realtime_ns();
		estop.monotonic_ns = start;
		estop.act_ns = acted - start;
		estop.written_ns = acted;
		copy_name(estop.object, object);
		copy_name(estop.program, program);
		estop.trips++;
	}
	estop.mask |= mask;
	/* The actuators are safe: now tell the world (this part may allocate). */
	if (first || added || first_error) {
		char message[256];
		snprintf(message, sizeof(message),
		         "%s: emergency stop %s: mask 0x%" PRIx64 ", actuators stopped 0x%" PRIx64
		         " in %" PRIu64 " ns, written_ns %" PRIu64 "%s%s",
		         program ? program : "?", first ? "tripped" : "extended", mask, newly,
		         acted - start, acted, first_error ? "; error: " : "",
		         first_error ? strerror(-first_error) : "");
		rkd_events_notice(&daemon->events, object ? object : "rkd", "emergency_stop", message);
		rkd_log(first_error ? "error" : "info", "%s: %s", object ? object : "rkd", message);
	}
	if (first_error)
		return first_error;
	return (mask & estop.configured_mask) ? 0 : -ENOENT;
}

int rkd_estop_reset(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	int first_error = 0;
	for (size_t i = 0; i < estop.count; i++) {
		struct actuator_rt *rt = &estop.actuators[i];
		rt->stopped = false;
		if (rt->cfg->type != RKD_ACTUATOR_GPIO)
			continue;
		if (gpiod_line_set_value(rt->line, !rt->cfg->safe_level) != 0 && !first_error) {
			first_error = -errno;
			snprintf(err, err_len, "estop reset: %s (%s line %u): %s", rt->cfg->name,
			         rt->cfg->chip, rt->cfg->channel, strerror(errno));
		}
		rt->error = first_error ? -first_error : 0;
	}
	bool was = estop.tripped;
	estop.tripped = false;
	estop.mask = 0;
	char message[160];
	snprintf(message, sizeof(message), "emergency stop reset%s%s",
	         was ? " (it was tripped by " : " (it was not tripped)", was ? estop.program : "");
	if (was)
		snprintf(message + strlen(message), sizeof(message) - strlen(message), ")");
	rkd_events_notice(&daemon->events, "rkd", "emergency_stop_reset", message);
	rkd_log("info", "estop: %s", message);
	return first_error;
}

json_t *rkd_estop_status_json(void)
{
	json_t *status = json_object();
	json_object_set_new(status, "tripped", json_boolean(estop.tripped));
	json_object_set_new(status, "trips", json_integer((json_int_t)estop.trips));
	json_object_set_new(status, "calls", json_integer((json_int_t)estop.calls));
	if (estop.tripped) {
		json_object_set_new(status, "object", json_string(estop.object));
		json_object_set_new(status, "program", json_string(estop.program));
		json_object_set_new(status, "mask", json_integer((json_int_t)estop.mask));
		json_object_set_new(status, "time_ns", json_integer((json_int_t)estop.time_ns));
		json_object_set_new(status, "monotonic_ns", json_integer((json_int_t)estop.monotonic_ns));
		json_object_set_new(status, "ago_ns",
		                    json_integer((json_int_t)(rkd_now_ns() - estop.monotonic_ns)));
		json_object_set_new(status, "act_ns", json_integer((json_int_t)estop.act_ns));
		json_object_set_new(status, "written_ns", json_integer((json_int_t)estop.written_ns));
	}
	json_t *actuators = json_array();
	for (size_t i = 0; i < estop.count; i++) {
		const struct actuator_rt *rt = &estop.actuators[i];
		const struct rkd_actuator *a = rt->cfg;
		json_t *j = json_object();
		json_object_set_new(j, "name", json_string(a->name));
		json_object_set_new(j, "type", json_string(a->type == RKD_ACTUATOR_PWM ? "pwm" : "gpio"));
		json_object_set_new(j, "chip", json_string(a->chip));
		json_object_set_new(j, a->type == RKD_ACTUATOR_PWM ? "channel" : "line",
		                    json_integer(a->channel));
		json_object_set_new(j, "bit", json_integer(a->bit));
		char safe[48];
		if (a->type == RKD_ACTUATOR_GPIO)
			snprintf(safe, sizeof(safe), "level %d", a->safe_level);
		else if (a->has_safe_duty)
			snprintf(safe, sizeof(safe), "duty %llu ns", a->safe_duty_ns);
		else
			snprintf(safe, sizeof(safe), "disable");
		json_object_set_new(j, "safe", json_string(safe));
		json_object_set_new(j, "stopped", json_boolean(rt->stopped));
		if (rt->error)
			json_object_set_new(j, "error", json_string(strerror(rt->error)));
		json_array_append_new(actuators, j);
	}
	json_object_set_new(status, "actuators", actuators);
	if (estop.heartbeat_fd >= 0) {
		json_t *hb = json_object();
		json_object_set_new(hb, "path", json_string(estop.heartbeat_path));
		json_object_set_new(hb, "period_ms", json_integer(estop.heartbeat_ms));
		json_object_set_new(hb, "writes", json_integer((json_int_t)estop.heartbeats));
		json_object_set_new(hb, "errors", json_integer((json_int_t)estop.heartbeat_errors));
		if (estop.heartbeat_error)
			json_object_set_new(hb, "last_error", json_string(strerror(estop.heartbeat_error)));
		json_object_set_new(status, "heartbeat", hb);
	}
	return status;
}
