/*
 * hook_timer.c - timer/PERIOD: a periodic CLOCK_MONOTONIC timerfd.
 *
 * One drain is one event, however many periods elapsed since the last
 * one: a program runs once per wake-up, and the periods it missed (the
 * loop was busy) are counted in stats.lost, never silently merged.  The
 * event has no context (r1 is a number for timer programs); its meta is
 * the thread that drains.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "hook_impl.h"

#define NS_PER_SEC 1000000000ull

int rk_hook_timerfd_set(int fd, uint64_t period_ns)
{
	struct itimerspec spec;
	memset(&spec, 0, sizeof(spec));
	spec.it_interval.tv_sec = (time_t)(period_ns / NS_PER_SEC);
	spec.it_interval.tv_nsec = (long)(period_ns % NS_PER_SEC);
	spec.it_value = spec.it_interval;
	return timerfd_settime(fd, 0, &spec, NULL) == 0 ? 0 : -errno;
}

static int timer_set(struct rk_hook *hook, uint64_t period_ns)
{
	return rk_hook_timerfd_set(hook->fds[0], period_ns);
}

static int timer_start(struct rk_hook *hook, char *err, size_t err_len)
{
	int rc = timer_set(hook, hook->spec.period_ns);
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "timerfd_settime: %s", strerror(-rc));
	return 0;
}

static int timer_stop(struct rk_hook *hook)
{
	return timer_set(hook, 0);
}

static int timer_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	uint64_t expirations;
	ssize_t got = read(hook->fds[fd_index], &expirations, sizeof(expirations));
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (got != (ssize_t)sizeof(expirations) || expirations == 0)
		return 0;
	hook->stats.lost += expirations - 1;
	struct rk_hook_event event;
	memset(&event, 0, sizeof(event));
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	event.time_ns = (uint64_t)now.tv_sec * NS_PER_SEC + (uint64_t)now.tv_nsec;
	event.meta.pid = (uint32_t)gettid();
	event.meta.tgid = (uint32_t)getpid();
	event.meta.uid = (uint32_t)getuid();
	event.meta.gid = (uint32_t)getgid();
	int cpu = sched_getcpu();
	event.meta.cpu = cpu < 0 ? 0 : (uint32_t)cpu;
	prctl(PR_GET_NAME, event.meta.comm, 0, 0, 0);
	fn(user, &event);
	hook->stats.events++;
	return 1;
}

static const struct rk_hook_ops timer_ops = {
	.start = timer_start,
	.stop = timer_stop,
	.drain = timer_drain,
};

int rk_hook_timer_open(struct rk_hook *hook, char *err, size_t err_len)
{
	if (hook->spec.period_ns == 0)
		return rk_hook_err(hook, err, err_len, -EINVAL, "a period of 0 never fires");
	hook->ops = &timer_ops;
	hook->fds = malloc(sizeof(*hook->fds));
	if (!hook->fds)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		return rk_hook_err(hook, err, err_len, rc, "timerfd_create: %s", strerror(-rc));
	}
	hook->fds[0] = fd;
	hook->fd_count = 1;
	return 0;
}
