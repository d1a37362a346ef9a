/*
 * hook_iio.c - iio/DEVICE: the scans of an IIO device's buffer, through
 * libiio 0.24's local backend.
 *
 * Open finds the device (iio:deviceN, its name or label), enables every
 * scan element, checks it has a trigger (the one set in
 * trigger/current_trigger), asks for CLOCK_MONOTONIC timestamps
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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <iio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "../include/rkbpf/rkbpf_hw.h"
#include "hook_impl.h"

#define NS_PER_SEC 1000000000ull
/* Scans the kernel buffers between two drains (its buffer/length). */
#define RK_IIO_KERNEL_SCANS 64u
/* Sensors rk_sensor_last_timestamp knows: iio:device0 .. iio:device63. */
#define RK_IIO_MAX_SENSORS 64u

struct iio_chan_fmt {
	const struct iio_channel *chn;
	unsigned bytes;          /* storage: 1, 2, 4 or 8 */
	unsigned bits;
	unsigned shift;
	int is_signed;
	int is_be;
};

struct iio_state {
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

static int iio_start(struct rk_hook *hook, char *err, size_t err_len)
{
	(void)hook;
	(void)err;
	(void)err_len;
	return 0;
}

static int iio_stop(struct rk_hook *hook)
{
	(void)hook;
	return 0;
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
	(void)fd_index;
	int total = 0;
	struct rk_hook_event event;
	memset(&event, 0, sizeof(event));
	fill_meta(&event.meta);
	for (;;) {
		ssize_t got = iio_buffer_refill(state->buf);
		if (got == -EAGAIN || got == 0)
			break;
		if (got < 0)
			return total ? total : (int)got;
		if (!hook->started)
			continue;
		ptrdiff_t step = iio_buffer_step(state->buf);
		const uint8_t *end = iio_buffer_end(state->buf);
		const uint8_t *first = iio_buffer_start(state->buf);
		uint64_t read_ns = now_ns();
		for (const uint8_t *scan = first; step > 0 && scan + step <= end; scan += step) {
			struct rk_iio_scan *ctx = &state->scan;
			for (size_t i = 0; i < state->channel_count; i++) {
				const struct iio_chan_fmt *f = &state->channels[i];
				const uint8_t *src = (const uint8_t *)iio_buffer_first(state->buf, f->chn) +
				                     (scan - first);
				ctx->values[i] = (int64_t)rk_iio_decode_sample(src, f->bytes, f->bits, f->shift,
				                                                f->is_signed, f->is_be);
			}
			ctx->timestamp_ns = read_ns;
			if (state->has_timestamp && state->monotonic) {
				const struct iio_chan_fmt *f = &state->timestamp;
				const uint8_t *src = (const uint8_t *)iio_buffer_first(state->buf, f->chn) +
				                     (scan - first);
				ctx->timestamp_ns = rk_iio_decode_sample(src, f->bytes, f->bits, f->shift, 0,
				                                          f->is_be);
			}
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
		hook->fds[0] = -1;
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

int rk_hook_iio_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const char *want = hook->spec.path;
	hook->ops = &iio_ops;
	struct iio_state *state = calloc(1, sizeof(*state));
	hook->fds = malloc(sizeof(*hook->fds));
	if (!state || !hook->fds) {
		free(state);
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	}
	hook->priv = state;
	hook->fds[0] = -1;
	hook->fd_count = 1;

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

	unsigned count = iio_device_get_channels_count(state->dev);
	for (unsigned i = 0; i < count; i++) {
		struct iio_channel *chn = iio_device_get_channel(state->dev, i);
		if (!iio_channel_is_scan_element(chn) || iio_channel_is_output(chn))
			continue;
		iio_channel_enable(chn);
		const char *chn_id = iio_channel_get_id(chn);
		if (chn_id && strcmp(chn_id, "timestamp") == 0) {
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

	const struct iio_device *trigger = NULL;
	if (iio_device_get_trigger(state->dev, &trigger) != 0 || !trigger)
		return rk_hook_err(hook, err, err_len, -ENODEV,
		                   "%s (%s) has no trigger: set one first (echo TRIGGER > "
		                   "/sys/bus/iio/devices/%s/trigger/current_trigger)",
		                   id, name ? name : "?", id);
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
	hook->fds[0] = fd;
	return 0;
}
