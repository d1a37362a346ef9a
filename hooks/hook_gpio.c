/*
 * hook_gpio.c - gpio/CHIP/LINE/EDGE: edge events of one GPIO line through
 * libgpiod 1.6 (the kernel's v1 character-device uAPI).
 *
 * Open finds the chip (gpiod_chip_open_lookup: gpiochipN, /dev/gpiochipN,
 * N or the chip's label), checks the line exists, requests it as an input
 * with edge events (consumer "rkd") and keeps a duplicate of the request's
 * event fd; libgpiod's chip is then closed -- the kernel keeps the request
 * while any fd of it is open, and draining reads that fd directly
 * (gpiod_line_event_read_fd_multiple into an array on the stack: nothing
 * allocates).  Events read while the hook is stopped are dropped.
 *
 * The one thing to know: a line can be requested once.  rkd swaps an
 * object by opening the new version's hooks before closing the old ones,
 * so a second hook on a line this process already watches (same edges)
 * shares the first one's request (another dup of its fd) instead of
 * failing with EBUSY; different edges on one line are refused.
 *
 * A chip removed while the hook is open (gpio-sim's configfs entry taken
 * down, a USB adapter unplugged) is noticed by a second fd, a 1 s timerfd:
 * GPIO_GET_CHIPINFO_IOCTL on the chip's fd fails with ENODEV once the chip
 * is gone; the drain of that fd then returns -ENODEV, once, and the timer
 * is disarmed (the v1 uAPI of Debian's 6.1 kernel does not wake pollers of
 * a line whose chip went away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <linux/gpio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../include/rkbpf/rkbpf_hw.h"
#include "hook_impl.h"

#define GPIO_CONSUMER "rkd"
#define GPIO_BATCH 16
#define GPIO_CHECK_PERIOD_S 1
#define NS_PER_SEC 1000000000ull

enum { GPIO_FD_EVENTS, GPIO_FD_CHECK, GPIO_FD_COUNT };

struct gpio_state {
	struct gpio_state *next;           /* every open GPIO hook of this process */
	struct rk_hook *hook;
	char chip_name[32];                /* gpiochipN */
	char chip_path[48];                /* /dev/gpiochipN */
	int chip_fd;                       /* for the presence check */
	int gone;                          /* the chip was removed: said once */
	struct rk_gpio_event ctx;
};

/* rkd runs every hook on one thread: the list needs no lock. */
static struct gpio_state *gpio_hooks;

static const char *edge_name(enum rk_hook_edge edge)
{
	return edge == RK_HOOK_EDGE_RISING    ? "rising"
	       : edge == RK_HOOK_EDGE_FALLING ? "falling"
	                                      : "both";
}

static int check_timer_set(struct rk_hook *hook, time_t seconds)
{
	return rk_hook_timerfd_set(hook->fds[GPIO_FD_CHECK], (uint64_t)seconds * 1000000000ull);
}

static int gpio_start(struct rk_hook *hook, char *err, size_t err_len)
{
	struct gpio_state *state = hook->priv;
	if (state->gone)
		return rk_hook_err(hook, err, err_len, -ENODEV, "%s was removed", state->chip_name);
	int rc = check_timer_set(hook, GPIO_CHECK_PERIOD_S);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "timerfd_settime: %s", strerror(-rc));
	return 0;
}

static int gpio_stop(struct rk_hook *hook)
{
	return check_timer_set(hook, 0);
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

/* The chip is still there: 0; gone: -ENODEV (said once). */
static int check_chip(struct rk_hook *hook)
{
	struct gpio_state *state = hook->priv;
	uint64_t expirations;
	if (read(hook->fds[GPIO_FD_CHECK], &expirations, sizeof(expirations)) < 0 &&
	    errno != EAGAIN)
		return -errno;
	if (state->gone)
		return 0;
	struct gpiochip_info info;
	if (ioctl(state->chip_fd, GPIO_GET_CHIPINFO_IOCTL, &info) == 0 || errno != ENODEV)
		return 0;
	state->gone = 1;
	check_timer_set(hook, 0);
	return -ENODEV;
}

static int gpio_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	struct gpio_state *state = hook->priv;
	if (fd_index == GPIO_FD_CHECK)
		return check_chip(hook);
	struct gpiod_line_event events[GPIO_BATCH];
	int total = 0;
	for (;;) {
		int got = gpiod_line_event_read_fd_multiple(hook->fds[fd_index], events, GPIO_BATCH);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return total ? total : -errno;
		}
		if (!hook->started) {
			if (got < GPIO_BATCH)
				break;
			continue;
		}
		struct rk_hook_event event;
		memset(&event, 0, sizeof(event));
		fill_meta(&event.meta);
		for (int i = 0; i < got; i++) {
			struct rk_gpio_event *ctx = &state->ctx;
			ctx->timestamp_ns =
				(uint64_t)events[i].ts.tv_sec * NS_PER_SEC + (uint64_t)events[i].ts.tv_nsec;
			ctx->edge = events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE
			                    ? RK_GPIO_EDGE_RISING
			                    : RK_GPIO_EDGE_FALLING;
			ctx->value = ctx->edge == RK_GPIO_EDGE_RISING ? 1 : 0;
			event.ctx = ctx;
			event.ctx_len = sizeof(*ctx);
			event.time_ns = ctx->timestamp_ns;
			fn(user, &event);
			hook->stats.events++;
			total++;
		}
		if (got < GPIO_BATCH)
			break;
	}
	return total;
}

static void gpio_close(struct rk_hook *hook)
{
	struct gpio_state *state = hook->priv;
	if (!state)
		return;
	for (struct gpio_state **link = &gpio_hooks; *link; link = &(*link)->next) {
		if (*link == state) {
			*link = state->next;
			break;
		}
	}
	if (state->chip_fd >= 0)
		close(state->chip_fd);
	free(state);
	hook->priv = NULL;
}

static const struct rk_hook_ops gpio_ops = {
	.start = gpio_start,
	.stop = gpio_stop,
	.drain = gpio_drain,
	.close = gpio_close,
};

/* The line requested by gpiod: its event fd, dup'ed, non-blocking. */
static int request_line(struct rk_hook *hook, struct gpiod_chip *chip, int *fd_out, char *err,
                        size_t err_len)
{
	struct gpio_state *state = hook->priv;
	unsigned line_no = hook->spec.line;
	struct gpiod_line *line = gpiod_chip_get_line(chip, line_no);
	if (!line)
		return rk_hook_err(hook, err, err_len, -errno, "line %u of %s: %s", line_no,
		                   state->chip_name, strerror(errno));
	int rc;
	switch (hook->spec.edge) {
	case RK_HOOK_EDGE_RISING:
		rc = gpiod_line_request_rising_edge_events_flags(line, GPIO_CONSUMER, 0);
		break;
	case RK_HOOK_EDGE_FALLING:
		rc = gpiod_line_request_falling_edge_events_flags(line, GPIO_CONSUMER, 0);
		break;
	default:
		rc = gpiod_line_request_both_edges_events_flags(line, GPIO_CONSUMER, 0);
		break;
	}
	if (rc < 0) {
		int e = errno;
		if (e == EBUSY) {
			const char *consumer = gpiod_line_consumer(line);
			return rk_hook_err(hook, err, err_len, -EBUSY,
			                   "line %u of %s is busy: requested by %s%s%s (gpioinfo %s "
			                   "shows it)",
			                   line_no, state->chip_name,
			                   consumer ? "consumer \"" : "another process",
			                   consumer ? consumer : "", consumer ? "\"" : "",
			                   state->chip_name);
		}
		return rk_hook_err(hook, err, err_len, -e,
		                   "cannot request line %u of %s for %s edge events: %s", line_no,
		                   state->chip_name, edge_name(hook->spec.edge), strerror(e));
	}
	int fd = fcntl(gpiod_line_event_get_fd(line), F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return rk_hook_err(hook, err, err_len, -errno, "dup: %s", strerror(errno));
	*fd_out = fd;
	return 0;
}

int rk_hook_gpio_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const struct rk_hook_spec *spec = &hook->spec;
	hook->ops = &gpio_ops;
	struct gpio_state *state = calloc(1, sizeof(*state));
	hook->fds = malloc(GPIO_FD_COUNT * sizeof(*hook->fds));
	if (!state || !hook->fds) {
		free(state);
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	}
	state->hook = hook;
	state->chip_fd = -1;
	hook->priv = state;
	hook->fd_count = GPIO_FD_COUNT;
	for (size_t i = 0; i < GPIO_FD_COUNT; i++)
		hook->fds[i] = -1;
	if (spec->edge < RK_HOOK_EDGE_RISING || spec->edge > RK_HOOK_EDGE_BOTH)
		return rk_hook_err(hook, err, err_len, -EINVAL, "edge %d: rising, falling or both",
		                   (int)spec->edge);

	struct gpiod_chip *chip = gpiod_chip_open_lookup(spec->path);
	if (!chip) {
		int e = errno;
		if (e == EACCES || e == EPERM)
			return rk_hook_err(hook, err, err_len, -EACCES,
			                   "GPIO chip %s: permission denied (rkd needs read-write access "
			                   "to /dev/gpiochipN)",
			                   spec->path);
		return rk_hook_err(hook, err, err_len, -ENODEV,
		                   "no GPIO chip %s (looked up as a name, /dev path, number and "
		                   "label; gpiodetect lists the chips)",
		                   spec->path);
	}
	snprintf(state->chip_name, sizeof(state->chip_name), "%s", gpiod_chip_name(chip));
	snprintf(state->chip_path, sizeof(state->chip_path), "/dev/%s", state->chip_name);
	unsigned lines = gpiod_chip_num_lines(chip);
	int rc = 0;
	if (spec->line >= lines) {
		rc = rk_hook_err(hook, err, err_len, -ERANGE,
		                 "%s has %u line%s; line %u does not exist (lines are 0 to %u)",
		                 state->chip_name, lines, lines == 1 ? "" : "s", spec->line,
		                 lines ? lines - 1 : 0);
		gpiod_chip_close(chip);
		return rc;
	}
	unsigned chip_index = 0;
	sscanf(state->chip_name, "gpiochip%u", &chip_index);
	state->ctx.chip = chip_index;
	state->ctx.line = spec->line;

	/* Already watched by this process (an object being swapped): share its request. */
	int fd = -1;
	for (struct gpio_state *other = gpio_hooks; other; other = other->next) {
		if (strcmp(other->chip_name, state->chip_name) != 0 ||
		    other->hook->spec.line != spec->line || other->gone)
			continue;
		if (other->hook->spec.edge != spec->edge) {
			rc = rk_hook_err(hook, err, err_len, -EBUSY,
			                 "line %u of %s is already watched by rkd for %s edges (%s); a "
			                 "line is requested once: use the same edges in every program "
			                 "on it",
			                 spec->line, state->chip_name, edge_name(other->hook->spec.edge),
			                 other->hook->description);
			gpiod_chip_close(chip);
			return rc;
		}
		fd = fcntl(other->hook->fds[GPIO_FD_EVENTS], F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			rc = rk_hook_err(hook, err, err_len, -errno, "dup: %s", strerror(errno));
		break;
	}
	if (fd < 0 && rc == 0)
		rc = request_line(hook, chip, &fd, err, err_len);
	gpiod_chip_close(chip);   /* releases libgpiod's fd; the request lives on in ours */
	if (rc)
		return rc;
	hook->fds[GPIO_FD_EVENTS] = fd;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return rk_hook_err(hook, err, err_len, -errno, "fcntl O_NONBLOCK: %s",
		                   strerror(errno));

	state->chip_fd = open(state->chip_path, O_RDONLY | O_CLOEXEC);
	if (state->chip_fd < 0)
		return rk_hook_err(hook, err, err_len, -errno, "%s: %s", state->chip_path,
		                   strerror(errno));
	hook->fds[GPIO_FD_CHECK] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (hook->fds[GPIO_FD_CHECK] < 0)
		return rk_hook_err(hook, err, err_len, -errno, "timerfd_create: %s", strerror(errno));
	state->next = gpio_hooks;
	gpio_hooks = state;
	return 0;
}
