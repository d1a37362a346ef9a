/*
 * test_hook_kprobe.c - kprobes.  This machine's kernel has no kprobe PMU:
 * open must say so.  Where the PMU exists (QEMU runs), a kprobe on a
 * system call's kernel function fires for this process.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../hooks/hook_test.h"

#define KPROBE_PMU_TYPE "/sys/bus/event_source/devices/kprobe/type"

static void count_event(void *user, const struct rk_hook_event *event)
{
	long *count = user;
	if (event->meta.tgid == (uint32_t)getpid())
		(*count)++;
}

Test(hook_kprobe, open_on_this_kernel, .timeout = 30)
{
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section("kprobe/__x64_sys_getppid", &spec, err, sizeof(err)), 0);
	struct rk_hook_opts opts = {.pid = getpid()};
	struct rk_hook *hook = NULL;
	int rc = rk_hook_open(&spec, &opts, &hook, err, sizeof(err));
	if (access(KPROBE_PMU_TYPE, F_OK) != 0) {
		cr_assert_eq(rc, -ENOTSUP);
		cr_assert_null(hook);
		cr_assert_str_eq(err, "kprobe __x64_sys_getppid: this kernel has no kprobe PMU "
		                      "(/sys/bus/event_source/devices/kprobe/type: No such file or "
		                      "directory; it needs CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)");
		return;
	}
#if defined(__x86_64__)
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(rk_hook_start(hook, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 10; i++)
		syscall(SYS_getppid);
	long count = 0;
	hook_drain_quiet(hook, count_event, &count, 20);
	cr_assert_eq(count, 10);
	rk_hook_close(hook);
#else
	rk_hook_close(hook);
#endif
}

Test(hook_kprobe, kretprobe_describe_or_error)
{
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section("kretprobe/do_sys_openat2", &spec, err, sizeof(err)), 0);
	struct rk_hook *hook = NULL;
	int rc = rk_hook_open(&spec, NULL, &hook, err, sizeof(err));
	if (rc == 0) {
		cr_assert_str_eq(rk_hook_describe(hook), "kretprobe do_sys_openat2");
		rk_hook_close(hook);
		return;
	}
	cr_assert_eq(rc, -ENOTSUP);
	cr_assert(strncmp(err, "kretprobe do_sys_openat2: this kernel has no kprobe PMU", 55) == 0,
	          "%s", err);
}
