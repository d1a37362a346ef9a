/*
 * hook_iio.c - iio/DEVICE: the scans of an IIO device's buffer, through
 * libiio 0.24's local backend.
 *
 * Open finds the device (iio:deviceN, its name or label), enables the
 * scan elements rkd.conf's [iio DEVICE] channels = names (every one when
 * not given; the timestamp channel whenever the device has one), sets the
 * trigger it names (else keeps the one in trigger/current_trigger and
 * refuses a device without one), asks for CLOCK_MONOTONIC timestamps
 * (current_timestamp_clock) and creates the buffer -- one scan per refill,
 * RK_IIO_KERNEL_SCANS scans of kernel buffering -- in non-blocking mode:
 * the kernel starts capturing now.  Draining refills until the buffer is
 * empty and decodes each scan into struct rk_iio_scan
 * (include/rkbpf/rkbpf_hw.h) with the scan_element format of each channel
 * (storage bytes, endianness, shift, bits, sign); scans read while the
 * hook is stopped are dropped.  Nothing allocates after open.
 *
 * The one thing to know: the timestamp of each device's latest scan is
 * kept per iio:deviceN, for rk_sensor_last_timestamp
 * (rk_hook_sensor_timestamp in hook.h).
 *
 * A device removed while the hook is open (iio_dummy's configfs entry taken
 * down, a USB sensor unplugged) does not wake pollers of its buffer on
 * 6.1: a second fd, a 1 s timerfd, reads the device's sysfs name through a
 * descriptor opened at open -- kernfs answers ENODEV once the device is
 * gone; the drain then returns -ENODEV, once, and the timer is disarmed
 * (as hook_gpio.c does).  A refill failing with ENODEV says the same.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../include/rkbpf/rkbpf_hw.h"
#include "hook_impl.h"
#include "iio_lib.h"

#define NS_PER_SEC 1000000000ull
/* Scans the kernel buffers between two drains (its buffer/length). */
#define RK_IIO_KERNEL_SCANS 64u
/* Sensors rk_sensor_last_timestamp knows: iio:device0 .. iio:device63. */
#define RK_IIO_MAX_SENSORS 64u

#define IIO_CHECK_PERIOD_S 1

enum { IIO_FD_BUFFER, IIO_FD_CHECK, IIO_FD_COUNT };

struct iio_chan_fmt {
	const struct iio_channel *chn;
	unsigned bytes;          /* storage: 1, 2, 4 or 8 */
	unsigned bits;
	unsigned shift;
	int is_signed;
	int is_be;
};

struct iio_state {
	int name_fd;             /* /sys/bus/iio/devices/iio:deviceN/name: the presence check */
	int gone;                /* removed: said once */
	int layout_ready;        /* layout[] filled (at the first refill) */
	struct rk_iio_sample_fmt layout[RK_IIO_MAX_CHANNELS];
	struct rk_iio_sample_fmt ts_layout;
	struct iio_context *ctx;
	struct iio_device *dev;
	struct iio_buffer *buf;
	unsigned device_index;
	size_t channel_count;
	struct iio_chan_fmt channels[RK_IIO_MAX_CHANNELS];
	int has_timestamp;
	struct iio_chan_fmt timestamp;
	int monotonic;           /* the timestamp channel is CLOCK_MONOTONIC */
	struct rk_iio_scan scan;
};

/* The latest scan's time per iio:deviceN; one thread runs every hook. */
static uint64_t sensor_last_ns[RK_IIO_MAX_SENSORS];

int rk_hook_sensor_timestamp(uint32_t sensor, uint64_t *timestamp_ns)
{
	if (sensor >= RK_IIO_MAX_SENSORS || sensor_last_ns[sensor] == 0)
		return -ENOENT;
	*timestamp_ns = sensor_last_ns[sensor];
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * NS_PER_SEC + (uint64_t)now.tv_nsec;
}

/*
 * One sample as its scan_element type says ([be|le]:[s|u]BITS/STORAGE>>SHIFT):
 * host order, shifted, masked to bits, sign-extended to 64 bits.
 */
uint64_t rk_iio_decode_sample(const void *src, unsigned bytes, unsigned bits, unsigned shift,
                              int is_signed, int is_be)
{
	const uint8_t *p = src;
	uint64_t raw = 0;
	for (unsigned i = 0; i < bytes; i++)
		raw |= (uint64_t)p[is_be ? i : bytes - 1 - i] << (8 * (bytes - 1 - i));
	raw >>= shift;
	if (bits && bits < 64) {
		raw &= (1ull << bits) - 1;
		if (is_signed && (raw >> (bits - 1)) & 1)
			raw |= ~0ull << bits;
	}
	return raw;
}

void rk_iio_decode_scan(const uint8_t *scan, const struct rk_iio_sample_fmt *fmts, size_t count,
                        const struct rk_iio_sample_fmt *timestamp, struct rk_iio_scan *out)
{
	for (size_t i = 0; i < count; i++) {
		const struct rk_iio_sample_fmt *f = &fmts[i];
		out->values[i] = (int64_t)rk_iio_decode_sample(scan + f->offset, f->bytes, f->bits,
		                                                f->shift, f->is_signed, f->is_be);
	}
	if (timestamp)
		out->timestamp_ns = rk_iio_decode_sample(scan + timestamp->offset, timestamp->bytes,
		                                         timestamp->bits, timestamp->shift, 0,
		                                         timestamp->is_be);
}

static int check_timer_set(struct rk_hook *hook, time_t seconds)
{
	return rk_hook_timerfd_set(hook->fds[IIO_FD_CHECK], (uint64_t)seconds * 1000000000ull);
}

static int iio_start(struct rk_hook *hook, char *err, size_t err_len)
{
	struct iio_state *state = hook->priv;
	if (state->gone)
		return rk_hook_err(hook, err, err_len, -ENODEV, "the device was removed");
	int rc = check_timer_set(hook, IIO_CHECK_PERIOD_S);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "timerfd_settime: %s", strerror(-rc));
	return 0;
}

static int iio_stop(struct rk_hook *hook)
{
	return check_timer_set(hook, 0);
}

/* First notice of the removal: -ENODEV; afterwards 0. */
static int device_gone(struct rk_hook *hook)
{
	struct iio_state *state = hook->priv;
	if (state->gone)
		return 0;
	state->gone = 1;
	check_timer_set(hook, 0);
	return -ENODEV;
}

/* The device is still there: 0; gone: -ENODEV (said once). */
static int check_device(struct rk_hook *hook)
{
	struct iio_state *state = hook->priv;
	uint64_t expirations;
	if (read(hook->fds[IIO_FD_CHECK], &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return -errno;
	if (state->gone)
		return 0;
	char name[64];
	if (pread(state->name_fd, name, sizeof(name), 0) >= 0 || errno != ENODEV)
		return 0;
	return device_gone(hook);
}

/* Each enabled channel's byte offset in a scan (fixed by the set of enabled channels). */
static void fill_layout(struct iio_state *state)
{
	const uint8_t *start = iio_buffer_start(state->buf);
	for (size_t i = 0; i < state->channel_count; i++) {
		const struct iio_chan_fmt *f = &state->channels[i];
		const uint8_t *first = iio_buffer_first(state->buf, f->chn);
		state->layout[i] = (struct rk_iio_sample_fmt){
			.offset = (uint32_t)(first - start), .bytes = (uint8_t)f->bytes,
			.bits = (uint8_t)f->bits, .shift = (uint8_t)f->shift,
			.is_signed = (uint8_t)f->is_signed, .is_be = (uint8_t)f->is_be};
	}
	if (state->has_timestamp) {
		const struct iio_chan_fmt *f = &state->timestamp;
		const uint8_t *first = iio_buffer_first(state->buf, f->chn);
		state->ts_layout = (struct rk_iio_sample_fmt){
			.offset = (uint32_t)(first - start), .bytes = (uint8_t)f->bytes,
			.bits = (uint8_t)f->bits, .shift = (uint8_t)f->shift, .is_be = (uint8_t)f->is_be};
	}
	state->layout_ready = 1;
}

static void fill_meta(struct rk_event_meta *meta)
{
	meta->pid = (uint32_t)gettid();
	meta->tgid = (uint32_t)getpid();
	meta->uid = (uint32_t)getuid();
	meta->gid = (uint32_t)getgid();
	int cpu = sched_getcpu();
	meta->cpu = cpu < 0 ? 0 : (uint32_t)cpu;
	prctl(PR_GET_NAME, meta->comm, 0, 0, 0);
}

static int iio_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	struct iio_state *state = hook->priv;
	if (fd_index == IIO_FD_CHECK)
		return check_device(hook);
	if (state->gone)
		return 0;
	int total = 0;
	struct rk_hook_event event;
	memset(&event, 0, sizeof(event));
	fill_meta(&event.meta);
	for (;;) {
		ssize_t got = iio_buffer_refill(state->buf);
		if (got == -EAGAIN || got == 0)
			break;
		if (got == -ENODEV)
			return total ? total : device_gone(hook);
		if (got < 0)
			return total ? total : (int)got;
		if (!hook->started)
			continue;
		if (!state->layout_ready)
			fill_layout(state);
		ptrdiff_t step = iio_buffer_step(state->buf);
		const uint8_t *end = iio_buffer_end(state->buf);
		const uint8_t *first = iio_buffer_start(state->buf);
		uint64_t read_ns = now_ns();
		const struct rk_iio_sample_fmt *ts =
			state->has_timestamp && state->monotonic ? &state->ts_layout : NULL;
		for (const uint8_t *scan = first; step > 0 && scan + step <= end; scan += step) {
			struct rk_iio_scan *ctx = &state->scan;
			ctx->timestamp_ns = read_ns;
			rk_iio_decode_scan(scan, state->layout, state->channel_count, ts, ctx);
			if (state->device_index < RK_IIO_MAX_SENSORS)
				sensor_last_ns[state->device_index] = ctx->timestamp_ns;
			event.ctx = ctx;
			event.ctx_len = sizeof(*ctx);
			event.time_ns = ctx->timestamp_ns;
			fn(user, &event);
			hook->stats.events++;
			total++;
		}
	}
	return total;
}

static void iio_close(struct rk_hook *hook)
{
	struct iio_state *state = hook->priv;
	if (!state)
		return;
	/* The buffer's fd is libiio's: hook.c must not close it. */
	if (hook->fds)
		hook->fds[IIO_FD_BUFFER] = -1;
	if (state->name_fd >= 0)
		close(state->name_fd);
	if (state->buf)
		iio_buffer_destroy(state->buf);
	if (state->ctx)
		iio_context_destroy(state->ctx);
	free(state);
	hook->priv = NULL;
}

static const struct rk_hook_ops iio_ops = {
	.start = iio_start,
	.stop = iio_stop,
	.drain = iio_drain,
	.close = iio_close,
};

static int fmt_of(struct rk_hook *hook, const struct iio_channel *chn, struct iio_chan_fmt *f,
                  char *err, size_t err_len)
{
	const struct iio_data_format *fmt = iio_channel_get_data_format(chn);
	f->chn = chn;
	f->bytes = fmt->length / 8;
	f->bits = fmt->bits;
	f->shift = fmt->shift;
	f->is_signed = fmt->is_signed;
	f->is_be = fmt->is_be;
	if ((f->bytes != 1 && f->bytes != 2 && f->bytes != 4 && f->bytes != 8) ||
	    fmt->length % 8 || f->bits > fmt->length || (fmt->repeat > 1))
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "channel %s: scan_element type with %u bits in %u (repeat %u) "
		                   "is not supported (1, 2, 4 or 8 bytes, no repeat)",
		                   iio_channel_get_id(chn), fmt->bits, fmt->length, fmt->repeat);
	return 0;
}

static int by_index(const void *a, const void *b)
{
	long ia = iio_channel_get_index(((const struct iio_chan_fmt *)a)->chn);
	long ib = iio_channel_get_index(((const struct iio_chan_fmt *)b)->chn);
	return ia < ib ? -1 : ia > ib;
}

/* "iio:device0, iio:device1 (rkimu)": for messages. */
static void list_devices(struct iio_context *ctx, char *out, size_t out_len)
{
	size_t used = 0;
	out[0] = '\0';
	unsigned count = iio_context_get_devices_count(ctx);
	for (unsigned i = 0; i < count && used + 1 < out_len; i++) {
		const struct iio_device *dev = iio_context_get_device(ctx, i);
		const char *name = iio_device_get_name(dev);
		int n = snprintf(out + used, out_len - used, "%s%s%s%s%s", used ? ", " : "",
		                 iio_device_get_id(dev), name ? " (" : "", name ? name : "",
		                 name ? ")" : "");
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!out[0])
		snprintf(out, out_len, "none");
}

/* "voltage0, accel_x, timestamp": a device's input scan elements, for messages. */
static void list_scan_elements(const struct iio_device *dev, char *out, size_t out_len)
{
	size_t used = 0;
	out[0] = '\0';
	unsigned count = iio_device_get_channels_count(dev);
	for (unsigned i = 0; i < count && used + 1 < out_len; i++) {
		const struct iio_channel *chn = iio_device_get_channel(dev, i);
		if (!iio_channel_is_scan_element(chn) || iio_channel_is_output(chn))
			continue;
		int n = snprintf(out + used, out_len - used, "%s%s", used ? ", " : "",
		                 iio_channel_get_id(chn));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!out[0])
		snprintf(out, out_len, "none");
}

/* "trigger0 (rktrig)": the triggers, for messages. */
static void list_triggers(struct iio_context *ctx, char *out, size_t out_len)
{
	size_t used = 0;
	out[0] = '\0';
	unsigned count = iio_context_get_devices_count(ctx);
	for (unsigned i = 0; i < count && used + 1 < out_len; i++) {
		const struct iio_device *dev = iio_context_get_device(ctx, i);
		if (!iio_device_is_trigger(dev))
			continue;
		const char *name = iio_device_get_name(dev);
		int n = snprintf(out + used, out_len - used, "%s%s%s%s%s", used ? ", " : "",
		                 iio_device_get_id(dev), name ? " (" : "", name ? name : "",
		                 name ? ")" : "");
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!out[0])
		snprintf(out, out_len, "none (create one: iio-trig-hrtimer's configfs, iio-trig-sysfs)");
}

/* Is chn named in list ("a,b,c": ids or names, spaces around commas allowed)? */
static int in_list(const char *list, const struct iio_channel *chn)
{
	const char *id = iio_channel_get_id(chn), *name = iio_channel_get_name(chn);
	const char *at = list;
	while (*at) {
		at += strspn(at, " \t,");
		size_t len = strcspn(at, ",");
		while (len && (at[len - 1] == ' ' || at[len - 1] == '\t'))
			len--;
		if (len && ((id && strlen(id) == len && strncmp(id, at, len) == 0) ||
		            (name && strlen(name) == len && strncmp(name, at, len) == 0)))
			return 1;
		at += strcspn(at, ",");
	}
	return 0;
}

/* Every name of channels is an input scan element of dev: 0, or -ENOENT naming the first that is not. */
static int check_channel_names(struct rk_hook *hook, const struct rk_hook_iio_opts *cfg,
                               const char *id, char *err, size_t err_len)
{
	struct iio_state *state = hook->priv;
	const char *at = cfg->channels;
	while (*at) {
		at += strspn(at, " \t,");
		size_t len = strcspn(at, ",");
		while (len && (at[len - 1] == ' ' || at[len - 1] == '\t'))
			len--;
		if (!len)
			break;
		int found = 0;
		unsigned count = iio_device_get_channels_count(state->dev);
		for (unsigned i = 0; i < count && !found; i++) {
			const struct iio_channel *chn = iio_device_get_channel(state->dev, i);
			if (!iio_channel_is_scan_element(chn) || iio_channel_is_output(chn))
				continue;
			const char *cid = iio_channel_get_id(chn), *cname = iio_channel_get_name(chn);
			found = (cid && strlen(cid) == len && strncmp(cid, at, len) == 0) ||
			        (cname && strlen(cname) == len && strncmp(cname, at, len) == 0);
		}
		if (!found) {
			char names[512];
			list_scan_elements(state->dev, names, sizeof(names));
			return rk_hook_err(hook, err, err_len, -ENOENT,
			                   "%s:%d: key 'channels': %s has no scan element '%.*s'; its "
			                   "scan elements are: %s",
			                   cfg->file ? cfg->file : "rkd.conf", cfg->channels_line, id,
			                   (int)len, at, names);
		}
		at += strcspn(at, ",");
	}
	return 0;
}

/* [iio DEVICE] trigger = NAME: set it as the device's current trigger. */
static int set_trigger(struct rk_hook *hook, const struct rk_hook_iio_opts *cfg, const char *id,
                       char *err, size_t err_len)
{
	struct iio_state *state = hook->priv;
	const char *file = cfg->file ? cfg->file : "rkd.conf";
	const struct iio_device *trigger = iio_context_find_device(state->ctx, cfg->trigger);
	if (!trigger || !iio_device_is_trigger(trigger)) {
		char names[512];
		list_triggers(state->ctx, names, sizeof(names));
		return rk_hook_err(hook, err, err_len, -ENOENT,
		                   "%s:%d: key 'trigger': no IIO trigger '%s' (by name or triggerN); "
		                   "this machine has: %s",
		                   file, cfg->trigger_line, cfg->trigger, names);
	}
	int rc = iio_device_set_trigger(state->dev, trigger);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc,
		                   "%s:%d: key 'trigger': cannot make %s the trigger of %s: %s%s", file,
		                   cfg->trigger_line, cfg->trigger, id, strerror(-rc),
		                   rc == -EBUSY ? " (the buffer is enabled by another process)" : "");
	return 0;
}

int rk_hook_iio_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const char *want = hook->spec.path;
	const struct rk_hook_iio_opts *cfg = hook->opts.iio;
	int loaded = rk_iio_lib_load(err, err_len);
	if (loaded)
		return loaded;
	hook->ops = &iio_ops;
	struct iio_state *state = calloc(1, sizeof(*state));
	hook->fds = malloc(IIO_FD_COUNT * sizeof(*hook->fds));
	if (!state || !hook->fds) {
		free(state);
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	}
	hook->priv = state;
	state->name_fd = -1;
	for (size_t i = 0; i < IIO_FD_COUNT; i++)
		hook->fds[i] = -1;
	hook->fd_count = IIO_FD_COUNT;

	state->ctx = iio_create_local_context();
	if (!state->ctx) {
		int e = errno ? errno : ENODEV;
		return rk_hook_err(hook, err, err_len, -e,
		                   "cannot read the IIO devices (/sys/bus/iio): %s; is the industrialio "
		                   "module loaded?",
		                   strerror(e));
	}
	state->dev = iio_context_find_device(state->ctx, want);
	if (!state->dev) {
		char names[512];
		list_devices(state->ctx, names, sizeof(names));
		return rk_hook_err(hook, err, err_len, -ENODEV,
		                   "no IIO device %s (by id iio:deviceN, name or label); this machine "
		                   "has: %s",
		                   want, names);
	}
	const char *id = iio_device_get_id(state->dev);
	const char *name = iio_device_get_name(state->dev);
	if (sscanf(id, "iio:device%u", &state->device_index) != 1)
		state->device_index = UINT32_MAX;
	state->scan.device = state->device_index;
	const char *select = cfg && cfg->channels && cfg->channels[0] ? cfg->channels : NULL;
	if (select) {
		int rc = check_channel_names(hook, cfg, id, err, err_len);
		if (rc)
			return rc;
	}

	unsigned count = iio_device_get_channels_count(state->dev);
	for (unsigned i = 0; i < count; i++) {
		struct iio_channel *chn = iio_device_get_channel(state->dev, i);
		if (!iio_channel_is_scan_element(chn) || iio_channel_is_output(chn))
			continue;
		const char *chn_id = iio_channel_get_id(chn);
		int is_timestamp = chn_id && strcmp(chn_id, "timestamp") == 0;
		if (select && !is_timestamp && !in_list(select, chn)) {
			iio_channel_disable(chn);
			continue;
		}
		iio_channel_enable(chn);
		if (is_timestamp) {
			int rc = fmt_of(hook, chn, &state->timestamp, err, err_len);
			if (rc)
				return rc;
			state->has_timestamp = 1;
			continue;
		}
		if (state->channel_count == RK_IIO_MAX_CHANNELS)
			return rk_hook_err(hook, err, err_len, -E2BIG,
			                   "%s (%s) has more than %u scan elements; struct rk_iio_scan "
			                   "holds %u",
			                   id, name ? name : "?", RK_IIO_MAX_CHANNELS, RK_IIO_MAX_CHANNELS);
		int rc = fmt_of(hook, chn, &state->channels[state->channel_count], err, err_len);
		if (rc)
			return rc;
		state->channel_count++;
	}
	if (state->channel_count == 0 && !state->has_timestamp)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "%s (%s) has no scan elements: it cannot capture into a buffer", id,
		                   name ? name : "?");
	qsort(state->channels, state->channel_count, sizeof(state->channels[0]), by_index);
	state->scan.channel_count = (uint32_t)state->channel_count;

	if (cfg && cfg->trigger && cfg->trigger[0]) {
		int rc = set_trigger(hook, cfg, id, err, err_len);
		if (rc)
			return rc;
	}
	const struct iio_device *trigger = NULL;
	if (iio_device_get_trigger(state->dev, &trigger) != 0 || !trigger)
		return rk_hook_err(hook, err, err_len, -ENODEV,
		                   "%s (%s) has no trigger: name one in rkd.conf ([iio %s] trigger = "
		                   "NAME) or set one first (echo TRIGGER > "
		                   "/sys/bus/iio/devices/%s/trigger/current_trigger)",
		                   id, name ? name : "?", want, id);
	if (state->has_timestamp)
		state->monotonic =
			iio_device_attr_write(state->dev, "current_timestamp_clock", "monotonic") > 0;

	int rc = iio_device_set_kernel_buffers_count(state->dev, RK_IIO_KERNEL_SCANS);
	(void)rc; /* a hint: the local backend may keep its default */
	state->buf = iio_device_create_buffer(state->dev, 1, false);
	if (!state->buf) {
		int e = errno ? errno : EIO;
		return rk_hook_err(hook, err, err_len, -e,
		                   "%s (%s): cannot start capturing into its buffer: %s%s", id,
		                   name ? name : "?", strerror(e),
		                   e == EBUSY ? " (another process is capturing from it)" : "");
	}
	rc = iio_buffer_set_blocking_mode(state->buf, false);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "%s: non-blocking mode: %s", id,
		                   strerror(-rc));
	int fd = iio_buffer_get_poll_fd(state->buf);
	if (fd < 0)
		return rk_hook_err(hook, err, err_len, fd, "%s: no poll fd: %s", id, strerror(-fd));
	hook->fds[IIO_FD_BUFFER] = fd;

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/bus/iio/devices/%s/name", id);
	state->name_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (state->name_fd < 0)
		return rk_hook_err(hook, err, err_len, -errno, "%s: %s", path, strerror(errno));
	hook->fds[IIO_FD_CHECK] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (hook->fds[IIO_FD_CHECK] < 0)
		return rk_hook_err(hook, err, err_len, -errno, "timerfd_create: %s", strerror(errno));
	return 0;
}
