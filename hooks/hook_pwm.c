/*
 * hook_pwm.c - pwm/CHIP/CHANNEL: every state the kernel applies to one PWM
 * channel, from the pwm/pwm_apply tracepoint (hook_tracepoint.c's perf
 * machinery), as struct rk_pwm_event (include/rkbpf/rkbpf_pwm.h).
 *
 * The one thing to know: the tracepoint's record (6.1: pwm, period,
 * duty_cycle, polarity, enabled) names the channel only by its kernel
 * struct pwm_device pointer, which userspace cannot map to chip/channel.
 * The hook learns it: a record whose pointer is not yet known is compared
 * with the channel's state in sysfs (period, duty_cycle, polarity, enable,
 * read through descriptors opened at open); when they are equal, that
 * pointer is the channel's from then on.  Records of other pointers are
 * filtered out (not counted as lost).  A record that cannot be told (the
 * channel changed again before the hook drained it) is dropped and counted
 * as lost -- only until the pointer is learned.  The channel is exported at
 * open when it is not (its sysfs state is what identifies it).  Field
 * offsets come from the tracefs format file, not from this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../include/rkbpf/rkbpf_pwm.h"
#include "ctx_desc.h"
#include "hook_impl.h"

#define PWM_SYSFS "/sys/class/pwm"
#define PWM_FORMAT_MAX 8192
/* Pointers of other channels remembered (so their records cost no sysfs read). */
#define PWM_OTHER_SLOTS 16

enum { F_PTR, F_PERIOD, F_DUTY, F_POLARITY, F_ENABLED, F_COUNT };
static const char *const field_names[F_COUNT] = {"pwm", "period", "duty_cycle", "polarity",
                                                 "enabled"};
enum { S_PERIOD, S_DUTY, S_POLARITY, S_ENABLE, S_COUNT };
static const char *const sysfs_names[S_COUNT] = {"period", "duty_cycle", "polarity", "enable"};

struct pwm_priv {
	uint32_t offset[F_COUNT], size[F_COUNT];
	int state_fds[S_COUNT];
	uint64_t target;                    /* the channel's struct pwm_device *, 0: not learned */
	uint64_t others[PWM_OTHER_SLOTS];
	unsigned next_other;
	struct rk_pwm_event event;
};

static uint64_t read_field(const uint8_t *record, uint32_t offset, uint32_t size)
{
	uint64_t value = 0;
	switch (size) {
	case 1: value = record[offset]; break;
	case 2: { uint16_t v; memcpy(&v, record + offset, 2); value = v; break; }
	case 4: { uint32_t v; memcpy(&v, record + offset, 4); value = v; break; }
	default: memcpy(&value, record + offset, 8); break;
	}
	return value;
}

/* A sysfs value of the channel now: 0 or -1.  Allocates nothing. */
static int read_state(const struct pwm_priv *priv, int which, uint64_t *value)
{
	char text[32];
	ssize_t got = pread(priv->state_fds[which], text, sizeof(text) - 1, 0);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	if (which == S_POLARITY) {
		*value = strncmp(text, "inversed", 8) == 0;
		return 0;
	}
	char *end;
	*value = strtoull(text, &end, 10);
	return end == text ? -1 : 0;
}

static int is_other(const struct pwm_priv *priv, uint64_t pointer)
{
	for (unsigned i = 0; i < PWM_OTHER_SLOTS; i++)
		if (priv->others[i] == pointer)
			return 1;
	return 0;
}

/* 1: the record is the channel's; 0: another channel's; -1: cannot tell. */
static int classify(struct pwm_priv *priv, const uint8_t *record)
{
	uint64_t pointer = read_field(record, priv->offset[F_PTR], priv->size[F_PTR]);
	if (priv->target)
		return pointer == priv->target;
	if (is_other(priv, pointer))
		return 0;
	static const int pairs[S_COUNT] = {F_PERIOD, F_DUTY, F_POLARITY, F_ENABLED};
	for (int s = 0; s < S_COUNT; s++) {
		uint64_t now;
		if (read_state(priv, s, &now))
			return -1;
		uint64_t in_record =
			read_field(record, priv->offset[pairs[s]], priv->size[pairs[s]]);
		if (s == S_ENABLE)
			in_record = in_record != 0;
		if (now != in_record)
			return -1;
	}
	priv->target = pointer;
	return 1;
}

static int pwm_decode(struct rk_hook *hook, const struct rk_perf_sample *sample,
                      struct rk_hook_event *event)
{
	struct pwm_priv *priv = hook->priv;
	if (!sample->raw || sample->raw_size < hook->record_size)
		return -1;
	const uint8_t *record = sample->raw;
	int mine = classify(priv, record);
	if (mine < 0)
		return -1;
	if (mine == 0) {
		/* Another channel's: not an event of this hook, and not lost. */
		uint64_t pointer = read_field(record, priv->offset[F_PTR], priv->size[F_PTR]);
		if (!priv->target && !is_other(priv, pointer)) {
			priv->others[priv->next_other] = pointer;
			priv->next_other = (priv->next_other + 1) % PWM_OTHER_SLOTS;
		}
		/* hook_perf.c counts a record decode refuses as lost: this one was not. */
		hook->stats.lost--;
		return 1;
	}
	struct rk_pwm_event *e = &priv->event;
	e->timestamp_ns = event->time_ns;
	e->period_ns = read_field(record, priv->offset[F_PERIOD], priv->size[F_PERIOD]);
	e->duty_ns = read_field(record, priv->offset[F_DUTY], priv->size[F_DUTY]);
	e->polarity = (uint32_t)read_field(record, priv->offset[F_POLARITY], priv->size[F_POLARITY]);
	e->enabled = read_field(record, priv->offset[F_ENABLED], priv->size[F_ENABLED]) != 0;
	event->ctx = e;
	event->ctx_len = sizeof(*e);
	return 0;
}

/* The offsets of the fields we read, from tracefs' format file. */
static int parse_format(struct rk_hook *hook, struct pwm_priv *priv, char *err, size_t err_len)
{
	char path[256];
	static const char *const roots[] = {RK_TRACEFS_PATH, RK_TRACEFS_DEBUGFS_PATH};
	char *text = malloc(PWM_FORMAT_MAX);
	if (!text)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	int rc = -ENOENT;
	for (size_t i = 0; i < 2 && rc < 0; i++) {
		snprintf(path, sizeof(path), "%s/events/pwm/pwm_apply/format", roots[i]);
		rc = rk_read_text_file(path, text, PWM_FORMAT_MAX);
	}
	if (rc < 0) {
		free(text);
		return rk_hook_err(hook, err, err_len, rc,
		                   "%s: %s (this kernel has no pwm/pwm_apply tracepoint, or tracefs "
		                   "is not mounted)",
		                   path, strerror(-rc));
	}
	unsigned found = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *field = strstr(line, "field:");
		char *semi = field ? strchr(field, ';') : NULL;
		if (!semi)
			continue;
		char *name = semi;
		while (name > field && (name[-1] == '_' || (name[-1] >= 'a' && name[-1] <= 'z') ||
		                        (name[-1] >= '0' && name[-1] <= '9')))
			name--;
		size_t name_len = (size_t)(semi - name);
		const char *off = strstr(semi, "offset:"), *size = strstr(semi, "size:");
		if (!off || !size)
			continue;
		for (int f = 0; f < F_COUNT; f++) {
			if (strlen(field_names[f]) != name_len || strncmp(name, field_names[f], name_len))
				continue;
			priv->offset[f] = (uint32_t)strtoul(off + 7, NULL, 10);
			priv->size[f] = (uint32_t)strtoul(size + 5, NULL, 10);
			if ((priv->size[f] == 1 || priv->size[f] == 2 || priv->size[f] == 4 ||
			     priv->size[f] == 8) &&
			    priv->offset[f] + priv->size[f] <= hook->record_size)
				found |= 1u << f;
		}
	}
	free(text);
	for (int f = 0; f < F_COUNT; f++)
		if (!(found & (1u << f)))
			return rk_hook_err(hook, err, err_len, -EPROTO,
			                   "%s: no usable field '%s' (this hook knows the 6.1 layout: "
			                   "pwm, period, duty_cycle, polarity, enabled)",
			                   path, field_names[f]);
	return 0;
}

static int pwm_start(struct rk_hook *hook, char *err, size_t err_len)
{
	return rk_hook_perf_ops.start(hook, err, err_len);
}

static int pwm_stop(struct rk_hook *hook)
{
	return rk_hook_perf_ops.stop(hook);
}

static int pwm_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	return rk_hook_perf_ops.drain(hook, fd_index, fn, user);
}

static void pwm_close(struct rk_hook *hook)
{
	struct pwm_priv *priv = hook->priv;
	if (!priv)
		return;
	for (int s = 0; s < S_COUNT; s++)
		if (priv->state_fds[s] >= 0)
			close(priv->state_fds[s]);
	free(priv);
	hook->priv = NULL;
}

static const struct rk_hook_ops pwm_ops = {
	.start = pwm_start, .stop = pwm_stop, .drain = pwm_drain, .close = pwm_close,
};

/* The chip's sysfs files, the channel exported: 0 or -errno with err. */
static int open_channel(struct rk_hook *hook, struct pwm_priv *priv, char *err, size_t err_len)
{
	const char *spec_chip = hook->spec.path;
	unsigned channel = hook->spec.line;
	char path[PATH_MAX], text[32], chip[32];
	if (strncmp(spec_chip, "pwmchip", 7) != 0 || !spec_chip[7] || strlen(spec_chip) >= 20 ||
	    strspn(spec_chip + 7, "0123456789") != strlen(spec_chip + 7))
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "'%.64s' is not a PWM chip: write pwmchipN as " PWM_SYSFS " lists it",
		                   spec_chip);
	memcpy(chip, spec_chip, strlen(spec_chip) + 1); /* < 20 bytes: checked above */
	priv->event.chip = (uint32_t)strtoul(chip + 7, NULL, 10);
	priv->event.channel = channel;
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/npwm", chip);
	int rc = rk_read_text_file(path, text, sizeof(text));
	if (rc < 0)
		return rk_hook_err(hook, err, err_len, rc == -ENOENT ? -ENODEV : rc,
		                   "no PWM chip %s (%s: %s; ls " PWM_SYSFS " lists them)", chip, path,
		                   strerror(-rc));
	unsigned long npwm = strtoul(text, NULL, 10);
	if (channel >= npwm)
		return rk_hook_err(hook, err, err_len, -ERANGE,
		                   "channel %u is out of range: %s has %lu channels (0..%lu)", channel,
		                   chip, npwm, npwm ? npwm - 1 : 0);
	struct stat st;
	snprintf(path, sizeof(path), PWM_SYSFS "/%s/pwm%u", chip, channel);
	if (stat(path, &st) != 0) {
		char export_path[PATH_MAX];
		snprintf(export_path, sizeof(export_path), PWM_SYSFS "/%s/export", chip);
		int fd = open(export_path, O_WRONLY | O_CLOEXEC);
		int len = snprintf(text, sizeof(text), "%u", channel);
		ssize_t put = fd >= 0 ? write(fd, text, (size_t)len) : -1;
		int saved = errno;
		if (fd >= 0)
			close(fd);
		if (put != len)
			return rk_hook_err(hook, err, err_len, -saved,
			                   "cannot export channel %u (%s: %s)%s", channel, export_path,
			                   strerror(saved),
			                   saved == EBUSY ? ": a kernel driver holds it" : "");
	}
	for (int s = 0; s < S_COUNT; s++) {
		snprintf(path, sizeof(path), PWM_SYSFS "/%s/pwm%u/%s", chip, channel, sysfs_names[s]);
		priv->state_fds[s] = open(path, O_RDONLY | O_CLOEXEC);
		if (priv->state_fds[s] < 0)
			return rk_hook_err(hook, err, err_len, -errno, "%s: %s", path, strerror(errno));
	}
	return 0;
}

int rk_hook_pwm_open(struct rk_hook *hook, char *err, size_t err_len)
{
	struct pwm_priv *priv = calloc(1, sizeof(*priv));
	if (!priv)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	for (int s = 0; s < S_COUNT; s++)
		priv->state_fds[s] = -1;
	hook->priv = priv;
	hook->ops = &pwm_ops;   /* pwm_close frees priv, even when open fails below */
	int rc = open_channel(hook, priv, err, err_len);
	if (rc)
		return rc;
	/* The tracepoint, as hook_tracepoint.c opens any: symbol is SYS/NAME. */
	struct rk_hook_spec saved = hook->spec;
	snprintf(hook->spec.symbol, sizeof(hook->spec.symbol), "pwm/pwm_apply");
	rc = rk_hook_tracepoint_open(hook, err, err_len);
	hook->spec = saved;
	hook->ops = &pwm_ops;   /* rk_hook_perf_open set the perf ops */
	if (rc)
		return rc;
	rc = parse_format(hook, priv, err, err_len);
	if (rc)
		return rc;
	hook->decode = pwm_decode;
	return 0;
}
