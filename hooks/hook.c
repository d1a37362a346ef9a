/*
 * hook.c - the hook handle (see hook.h): options, description, dispatch
 * to the kind (hook_uprobe.c, hook_tracepoint.c, hook_kprobe.c,
 * hook_timer.c), cleanup, and bpf_probe_read_user for events.
 *
 * The one thing to know: cleanup lives here and only here: a kind's open
 * leaves fds, rings and buffers in the handle, and rk_hook_close() (also
 * used when an open fails halfway) closes and frees whatever is there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hook_impl.h"

int rk_hook_err(const struct rk_hook *hook, char *err, size_t err_len, int rc, const char *fmt,
                ...)
{
	if (err && err_len) {
		int used = snprintf(err, err_len, "%s: ", hook->description);
		if (used >= 0 && (size_t)used < err_len) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + used, err_len - (size_t)used, fmt, ap);
			va_end(ap);
		}
	}
	return rc;
}

/* "10ms": the largest unit that divides the period. */
static void format_period(uint64_t ns, char *out, size_t out_len)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"s", 1000000000}, {"ms", 1000000}, {"us", 1000}, {"ns", 1}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ns % units[i].ns == 0) {
			snprintf(out, out_len, "%llu%s", (unsigned long long)(ns / units[i].ns),
			         units[i].name);
			return;
		}
	}
}

static void describe(struct rk_hook *hook)
{
	const struct rk_hook_spec *spec = &hook->spec;
	char offset[32] = "";
	char period[32] = "";
	if (spec->offset)
		snprintf(offset, sizeof(offset), "+0x%llx", (unsigned long long)spec->offset);
	switch (spec->kind) {
	case RK_HOOK_UPROBE:
	case RK_HOOK_URETPROBE:
		snprintf(hook->description, sizeof(hook->description), "%s %s:%s%s",
		         spec->kind == RK_HOOK_UPROBE ? "uprobe" : "uretprobe", spec->path,
		         spec->symbol, offset);
		break;
	case RK_HOOK_TRACEPOINT:
		snprintf(hook->description, sizeof(hook->description), "tracepoint %s",
		         spec->symbol);
		break;
	case RK_HOOK_KPROBE:
	case RK_HOOK_KRETPROBE:
		snprintf(hook->description, sizeof(hook->description), "%s %s%s",
		         spec->kind == RK_HOOK_KPROBE ? "kprobe" : "kretprobe", spec->symbol, offset);
		break;
	case RK_HOOK_TIMER:
		format_period(spec->period_ns, period, sizeof(period));
		snprintf(hook->description, sizeof(hook->description), "timer %s", period);
		break;
	case RK_HOOK_GPIO:
		snprintf(hook->description, sizeof(hook->description), "gpio %s/%u/%s", spec->path,
		         spec->line,
		         spec->edge == RK_HOOK_EDGE_RISING    ? "rising"
		         : spec->edge == RK_HOOK_EDGE_FALLING ? "falling"
		                                              : "both");
		break;
	case RK_HOOK_IIO:
		snprintf(hook->description, sizeof(hook->description), "iio %s", spec->path);
		break;
	case RK_HOOK_PWM:
		snprintf(hook->description, sizeof(hook->description), "pwm %s/%u", spec->path,
		         spec->line);
		break;
	case RK_HOOK_UIO:
		snprintf(hook->description, sizeof(hook->description), "uio %s", spec->path);
		break;
	}
}

/* Copy a spec's strings, refusing unterminated ones (a spec built by hand). */
static int spec_is_terminated(const struct rk_hook_spec *spec)
{
	return memchr(spec->path, '\0', sizeof(spec->path)) &&
	       memchr(spec->symbol, '\0', sizeof(spec->symbol));
}

static int apply_opts(struct rk_hook *hook, const struct rk_hook_opts *opts, char *err,
                      size_t err_len)
{
	if (opts)
		hook->opts = *opts;
	if (hook->opts.ring_pages == 0)
		hook->opts.ring_pages = RK_HOOK_DEFAULT_RING_PAGES;
	if (hook->opts.stack_bytes == 0)
		hook->opts.stack_bytes = RK_HOOK_DEFAULT_STACK_BYTES;
	unsigned pages = hook->opts.ring_pages;
	if ((pages & (pages - 1)) != 0 || pages > RK_HOOK_MAX_RING_PAGES)
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "ring_pages %u: give a power of 2 up to %u (or 0: %u)", pages,
		                   RK_HOOK_MAX_RING_PAGES, RK_HOOK_DEFAULT_RING_PAGES);
	if (hook->opts.stack_bytes > RK_HOOK_MAX_STACK_BYTES)
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "stack_bytes %u: at most %u bytes of stack are captured per hit",
		                   hook->opts.stack_bytes, RK_HOOK_MAX_STACK_BYTES);
	/* perf wants a multiple of 8. */
	hook->opts.stack_bytes = (hook->opts.stack_bytes + 7u) & ~7u;
	return 0;
}

int rk_hook_open(const struct rk_hook_spec *spec, const struct rk_hook_opts *opts,
                 struct rk_hook **hook_out, char *err, size_t err_len)
{
	if (err && err_len)
		err[0] = '\0';
	if (!hook_out)
		return rk_hook_errf(err, err_len, -EINVAL, "rk_hook_open: no hook_out");
	*hook_out = NULL;
	if (!spec || !spec_is_terminated(spec))
		return rk_hook_errf(err, err_len, -EINVAL,
		                   "rk_hook_open: no spec, or its path or symbol is not terminated");
	struct rk_hook *hook = calloc(1, sizeof(*hook));
	if (!hook)
		return rk_hook_errf(err, err_len, -ENOMEM, "rk_hook_open: out of memory");
	hook->spec = *spec;
	describe(hook);
	int rc = apply_opts(hook, opts, err, err_len);
	if (rc == 0) {
		switch (spec->kind) {
		case RK_HOOK_UPROBE:
		case RK_HOOK_URETPROBE:
			rc = rk_hook_uprobe_open(hook, err, err_len);
			break;
		case RK_HOOK_TRACEPOINT:
			rc = rk_hook_tracepoint_open(hook, err, err_len);
			break;
		case RK_HOOK_KPROBE:
		case RK_HOOK_KRETPROBE:
			rc = rk_hook_kprobe_open(hook, err, err_len);
			break;
		case RK_HOOK_TIMER:
			rc = rk_hook_timer_open(hook, err, err_len);
			break;
		case RK_HOOK_GPIO:
			rc = rk_hook_gpio_open(hook, err, err_len);
			break;
		case RK_HOOK_IIO:
			rc = rk_hook_iio_open(hook, err, err_len);
			break;
		case RK_HOOK_UIO:
			rc = rk_hook_uio_open(hook, err, err_len);
			break;
		case RK_HOOK_PWM:
			rc = rk_hook_pwm_open(hook, err, err_len);
			break;
		default:
			rc = rk_hook_errf(err, err_len, -EINVAL, "rk_hook_open: unknown hook kind %d",
			                  (int)spec->kind);
			break;
		}
	}
	if (rc) {
		rk_hook_close(hook);
		return rc;
	}
	*hook_out = hook;
	return 0;
}

size_t rk_hook_fds(const struct rk_hook *hook, const int **fds)
{
	*fds = hook->fds;
	return hook->fd_count;
}

int rk_hook_start(struct rk_hook *hook, char *err, size_t err_len)
{
	if (hook->started)
		return 0;
	int rc = hook->ops->start(hook, err, err_len);
	if (rc == 0)
		hook->started = 1;
	return rc;
}

int rk_hook_stop(struct rk_hook *hook)
{
	if (!hook->started)
		return 0;
	hook->started = 0;
	return hook->ops->stop(hook);
}

int rk_hook_drain(struct rk_hook *hook, int fd, rk_hook_event_fn fn, void *user)
{
	if (!hook || !fn)
		return -EINVAL;
	for (size_t i = 0; i < hook->fd_count; i++)
		if (hook->fds[i] == fd && fd >= 0)
			return hook->ops->drain(hook, i, fn, user);
	return -EBADF;
}

void rk_hook_get_stats(const struct rk_hook *hook, struct rk_hook_stats *stats)
{
	*stats = hook->stats;
}

void rk_hook_close(struct rk_hook *hook)
{
	if (!hook)
		return;
	if (hook->started && hook->ops)
		hook->ops->stop(hook);
	if (hook->ops && hook->ops->close)
		hook->ops->close(hook);
	for (size_t i = 0; i < hook->fd_count; i++) {
		if (hook->rings)
			rk_perf_ring_unmap(&hook->rings[i]);
		if (hook->fds[i] >= 0)
			close(hook->fds[i]);
	}
	for (size_t i = 0; i < hook->extra_fd_count; i++)
		close(hook->extra_fds[i]);
	free(hook->fds);
	free(hook->extra_fds);
	free(hook->rings);
	free(hook->scratch);
	free(hook->ctx_buf);
	free(hook);
}

const char *rk_hook_describe(const struct rk_hook *hook)
{
	return hook->description;
}

int rk_hook_read_user(const struct rk_hook_event *event, void *dst, size_t size,
                      uint64_t user_addr)
{
	if (size == 0)
		return 0;
	if (!dst)
		return -EINVAL;
	if (!event) {
		memset(dst, 0, size);
		return -EINVAL;
	}
	/* Inside the captured stack: the values at the moment of the hit. */
	if (event->user_stack && user_addr >= event->user_stack_addr &&
	    size <= event->user_stack_len &&
	    user_addr - event->user_stack_addr <= event->user_stack_len - size) {
		memcpy(dst, (const uint8_t *)event->user_stack + (user_addr - event->user_stack_addr),
		       size);
		return 0;
	}
	if (event->meta.tgid == 0 || user_addr > UINTPTR_MAX) {
		memset(dst, 0, size);
		return -EFAULT;
	}
	struct iovec local = {.iov_base = dst, .iov_len = size};
	struct iovec remote = {.iov_base = (void *)(uintptr_t)user_addr, .iov_len = size};
	ssize_t got = process_vm_readv((pid_t)event->meta.tgid, &local, 1, &remote, 1, 0);
	if (got == (ssize_t)size)
		return 0;
	int rc = got < 0 ? -errno : -EFAULT;
	memset(dst, 0, size);
	return rc;
}
