/*
 * test_hook_timer.c - timer/PERIOD hooks: about one event per period,
 * missed periods counted as lost, nothing after stop.  Machines are
 * noisy: the ranges are loose.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../hooks/hook_test.h"

struct ticks {
	long count;
	int ctx_null;
	uint64_t last_ns;
	struct rk_event_meta meta;
};

static void on_tick(void *user, const struct rk_hook_event *event)
{
	struct ticks *ticks = user;
	ticks->count++;
	ticks->ctx_null &= event->ctx == NULL && event->ctx_len == 0;
	ticks->last_ns = event->time_ns;
	ticks->meta = event->meta;
}

static struct rk_hook *open_timer(const char *section)
{
	struct rk_hook_spec spec;
	char err[512];
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, sizeof(err)), 0, "%s", err);
	struct rk_hook *hook;
	cr_assert_eq(rk_hook_open(&spec, NULL, &hook, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rk_hook_start(hook, err, sizeof(err)), 0, "%s", err);
	return hook;
}

/* Poll and drain for duration_ms. */
static void run_for(struct rk_hook *hook, struct ticks *ticks, int duration_ms)
{
	const int *fds;
	cr_assert_eq(rk_hook_fds(hook, &fds), 1);
	uint64_t end = hook_now_ns() + (uint64_t)duration_ms * 1000000u;
	for (uint64_t now; (now = hook_now_ns()) < end;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int ready = poll(&pfd, 1, (int)((end - now) / 1000000u) + 1);
		if (ready > 0)
			cr_assert_geq(rk_hook_drain(hook, fds[0], on_tick, ticks), 0);
	}
}

Test(hook_timer, ten_ms_for_a_hundred_ms, .timeout = 10)
{
	struct rk_hook *hook = open_timer("timer/10ms");
	cr_assert_str_eq(rk_hook_describe(hook), "timer 10ms");
	struct ticks ticks = {.ctx_null = 1};
	uint64_t start = hook_now_ns();
	run_for(hook, &ticks, 100);
	cr_assert(ticks.count >= 5 && ticks.count <= 11, "%ld ticks", ticks.count);
	cr_assert(ticks.ctx_null, "timer events have no context");
	cr_assert(ticks.last_ns > start && ticks.last_ns <= hook_now_ns());
	cr_assert_eq(ticks.meta.tgid, (uint32_t)getpid());
	cr_assert_eq(ticks.meta.pid, (uint32_t)gettid());
	struct rk_hook_stats stats;
	rk_hook_get_stats(hook, &stats);
	cr_assert_eq(stats.events, (uint64_t)ticks.count);
	cr_assert(stats.events + stats.lost >= 8 && stats.events + stats.lost <= 11,
	          "events %llu + lost %llu", (unsigned long long)stats.events,
	          (unsigned long long)stats.lost);
	rk_hook_close(hook);
}

/* A loop too busy to drain: one event, the missed periods lost. */
Test(hook_timer, overruns_are_lost, .timeout = 10)
{
	struct rk_hook *hook = open_timer("timer/1ms");
	usleep(50000);
	const int *fds;
	rk_hook_fds(hook, &fds);
	struct ticks ticks = {.ctx_null = 1};
	cr_assert_eq(rk_hook_drain(hook, fds[0], on_tick, &ticks), 1);
	struct rk_hook_stats stats;
	rk_hook_get_stats(hook, &stats);
	cr_assert_eq(stats.events, 1);
	cr_assert(stats.lost >= 40 && stats.lost <= 60, "lost %llu",
	          (unsigned long long)stats.lost);
	/* Nothing pending: no event, no error. */
	cr_assert_eq(rk_hook_drain(hook, fds[0], on_tick, &ticks), 0);
	rk_hook_close(hook);
}

Test(hook_timer, nothing_after_stop, .timeout = 10)
{
	struct rk_hook *hook = open_timer("timer/500us");
	cr_assert_str_eq(rk_hook_describe(hook), "timer 500us");
	struct ticks ticks = {.ctx_null = 1};
	run_for(hook, &ticks, 10);
	cr_assert_gt(ticks.count, 0);
	cr_assert_eq(rk_hook_stop(hook), 0);
	long before = ticks.count;
	run_for(hook, &ticks, 20);
	cr_assert_eq(ticks.count, before);
	cr_assert_eq(rk_hook_drain(hook, -1, on_tick, &ticks), -EBADF);
	rk_hook_close(hook);
}
