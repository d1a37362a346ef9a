/*
 * test_hook_uprobe.c - uprobes and uretprobes on a real process
 * (build/tests/hook-target): the hits counted, the arguments and return
 * values read through struct pt_regs as libbpf's PT_REGS_PARM1() does,
 * who hit (pid, tid, comm), when (CLOCK_MONOTONIC), the stack as it was
 * at the hit, lost samples accounted, and every error with its message.
 */
#define _GNU_SOURCE
#include <asm/ptrace.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hooks/elf_symbols.h"
#include "../hooks/hook_test.h"

/* The checks read x86_64's struct pt_regs (rdi, rsi, rax); aarch64 runs them under QEMU later. */
#if defined(__x86_64__)

#define MAX_HITS 4096

struct hit {
	struct pt_regs regs;
	struct rk_event_meta meta;
	uint64_t time_ns;
	size_t ctx_len;
	uint64_t stack_addr;
	size_t stack_len;
	/* rk_hook_read_user() of the two pointers rk_target_stack() gets */
	int local_rc, global_rc;
	long local_value, global_value;
};

struct hits {
	uint32_t only_tgid;   /* 0: every hit */
	size_t count;
	struct hit hit[MAX_HITS];
};

static void on_event(void *user, const struct rk_hook_event *event)
{
	struct hits *hits = user;
	if (hits->only_tgid && event->meta.tgid != hits->only_tgid)
		return;
	cr_assert_lt(hits->count, MAX_HITS);
	struct hit *hit = &hits->hit[hits->count++];
	cr_assert_eq(event->ctx_len, sizeof(struct pt_regs));
	memcpy(&hit->regs, event->ctx, sizeof(hit->regs));
	hit->meta = event->meta;
	hit->time_ns = event->time_ns;
	hit->ctx_len = event->ctx_len;
	hit->stack_addr = event->user_stack_addr;
	hit->stack_len = event->user_stack_len;
	/* Valid only now: the event, its stack and the target (waiting) are live. */
	hit->local_rc = rk_hook_read_user(event, &hit->local_value, sizeof(long), hit->regs.rdi);
	hit->global_rc = rk_hook_read_user(event, &hit->global_value, sizeof(long), hit->regs.rsi);
}

static struct rk_hook *open_ok(const char *section, const struct rk_hook_opts *opts)
{
	struct rk_hook_spec spec;
	char err[2048];
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, sizeof(err)), 0, "%s", err);
	struct rk_hook *hook = NULL;
	int rc = rk_hook_open(&spec, opts, &hook, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", section, err);
	cr_assert_eq(rk_hook_start(hook, err, sizeof(err)), 0, "%s", err);
	return hook;
}

static int open_fails(const char *section, const struct rk_hook_opts *opts, char *err,
                      size_t err_len)
{
	struct rk_hook_spec spec;
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, err_len), 0, "%s", err);
	struct rk_hook *hook = (struct rk_hook *)1;
	int rc = rk_hook_open(&spec, opts, &hook, err, err_len);
	cr_assert_lt(rc, 0, "%s opened", section);
	cr_assert_null(hook);
	return rc;
}

/* Every hit i of rk_target_work(i, B(i)), for i in 0..count-1, once. */
static void expect_work_hits(const struct hits *hits, size_t count, pid_t tgid, int retprobe)
{
	cr_assert_eq(hits->count, count, "%zu hits, expected %zu", hits->count, count);
	char *seen = calloc(count, 1);
	for (size_t i = 0; i < hits->count; i++) {
		const struct hit *hit = &hits->hit[i];
		cr_assert_eq(hit->meta.tgid, (uint32_t)tgid);
		cr_assert_str_eq(hit->meta.comm, TARGET_COMM);
		cr_assert_eq(hit->meta.uid, getuid());
		cr_assert_eq(hit->meta.gid, getgid());
		size_t a;
		if (retprobe) {
			/* PT_REGS_RC: rax = 2a + 1000a + 7 */
			cr_assert_eq((hit->regs.rax - 7) % 1002, 0, "rax %lu", hit->regs.rax);
			a = (hit->regs.rax - 7) / 1002;
			cr_assert_lt(a, count);
			cr_assert_eq((long)hit->regs.rax, TARGET_WORK_RET(a));
		} else {
			/* PT_REGS_PARM1/2: rdi = a, rsi = B(a) */
			a = hit->regs.rdi;
			cr_assert_lt(a, count, "rdi %lu", hit->regs.rdi);
			cr_assert_eq((long)hit->regs.rsi, TARGET_WORK_B(a));
			cr_assert_eq(hit->regs.orig_rax, (unsigned long)-1);
		}
		cr_assert_not(seen[a], "hit %zu twice", a);
		seen[a] = 1;
	}
	free(seen);
}

Test(hook_uprobe, arguments_every_process, .timeout = 30)
{
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", NULL);
	const int *fds;
	cr_assert_eq(rk_hook_fds(hook, &fds), (size_t)sysconf(_SC_NPROCESSORS_ONLN));
	cr_assert_str_eq(rk_hook_describe(hook), "uprobe " HOOK_TARGET_PATH ":rk_target_work");
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	uint64_t before = hook_now_ns();
	hook_target_cmd(&target, "work 20");
	uint64_t after = hook_now_ns();
	static struct hits hits;
	hits.only_tgid = (uint32_t)target.pid; /* other tests run the target too */
	hook_drain_quiet(hook, on_event, &hits, 50);
	expect_work_hits(&hits, 20, target.pid, 0);
	for (size_t i = 0; i < hits.count; i++) {
		cr_assert_eq(hits.hit[i].meta.pid, (uint32_t)target.pid); /* the main thread */
		cr_assert(hits.hit[i].time_ns >= before && hits.hit[i].time_ns <= after,
		          "time %llu not in [%llu, %llu]", (unsigned long long)hits.hit[i].time_ns,
		          (unsigned long long)before, (unsigned long long)after);
	}
	/* rip is rk_target_work's first instruction: the offset the ELF resolver gave. */
	uint64_t offset, inode;
	cr_assert_eq(hook_maps_offset(target.pid, hits.hit[0].regs.rip, &offset, &inode), 0);
	struct rk_elf_func func;
	char err[1024];
	cr_assert_eq(rk_elf_find_func(HOOK_TARGET_PATH, "rk_target_work", &func, err, sizeof(err)),
	             0);
	cr_assert_eq(offset, func.offset);
	struct rk_hook_stats stats;
	rk_hook_get_stats(hook, &stats);
	cr_assert_geq(stats.events, 20);
	cr_assert_eq(stats.lost, 0);
	hook_target_end(&target);
	rk_hook_close(hook);
}

Test(hook_uprobe, pid_sees_only_that_process, .timeout = 30)
{
	struct hook_target traced, other;
	hook_target_spawn(&traced, HOOK_TARGET_PATH);
	hook_target_spawn(&other, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = traced.pid};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	hook_target_cmd(&other, "work 7");
	hook_target_cmd(&traced, "work 12");
	hook_target_cmd(&other, "work 5");
	static struct hits hits; /* no filtering here: the hook does it */
	hook_drain_quiet(hook, on_event, &hits, 50);
	expect_work_hits(&hits, 12, traced.pid, 0);
	hook_target_end(&traced);
	hook_target_end(&other);
	rk_hook_close(hook);
}

/* With a pid, every thread the process has at open is traced. */
Test(hook_uprobe, pid_sees_its_other_threads, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	hook_target_cmd(&target, "worker");
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	const int *fds;
	cr_assert_eq(rk_hook_fds(hook, &fds), 2, "one ring per thread");
	hook_target_cmd(&target, "wwork 6");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 50);
	expect_work_hits(&hits, 6, target.pid, 0);
	for (size_t i = 0; i < hits.count; i++)
		cr_assert_neq(hits.hit[i].meta.pid, (uint32_t)target.pid, "not the worker thread");
	hook_target_end(&target);
	rk_hook_close(hook);
}

/*
 * The kernel cannot copy a uprobe event into a new thread (it re-reads the
 * path pointer in the new task, and clone() fails with EFAULT): the
 * process must still be able to start threads, which are not traced.
 */
Test(hook_uprobe, pid_does_not_break_new_threads, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	cr_assert_eq(hook_target_cmd(&target, "thread 6"), 6 * TARGET_WORK_RET(0) + 1002 * 15);
	hook_target_cmd(&target, "work 2");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 50);
	expect_work_hits(&hits, 2, target.pid, 0);
	hook_target_end(&target);
	rk_hook_close(hook);
}

Test(hook_uprobe, uretprobe_return_values, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook = open_ok("uretprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	cr_assert_str_eq(rk_hook_describe(hook), "uretprobe " HOOK_TARGET_PATH ":rk_target_work");
	long sum = hook_target_cmd(&target, "work 15");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 50);
	expect_work_hits(&hits, 15, target.pid, 1);
	long total = 0;
	for (size_t i = 0; i < hits.count; i++)
		total += (long)hits.hit[i].regs.rax;
	cr_assert_eq(total, sum);
	hook_target_end(&target);
	rk_hook_close(hook);
}

/* bpf_probe_read_user: a local of the caller from the captured stack, a global live. */
Test(hook_uprobe, read_user_stack_and_live_memory, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid, .stack_bytes = 256};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_stack", &opts);
	hook_target_cmd(&target, "stack");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 50);
	cr_assert_eq(hits.count, 1);
	const struct hit *hit = &hits.hit[0];
	cr_assert_eq(hit->stack_addr, hit->regs.rsp);
	cr_assert_eq(hit->stack_len, 256);
	/* &local is in the caller's frame, just above the return address. */
	cr_assert(hit->regs.rdi > hit->stack_addr && hit->regs.rdi + 8 <= hit->stack_addr + 256,
	          "&local 0x%lx not in the captured [0x%llx, +256)", hit->regs.rdi,
	          (unsigned long long)hit->stack_addr);
	cr_assert_eq(hit->local_rc, 0);
	cr_assert_eq(hit->local_value, TARGET_STACK_VALUE);
	/* &global is not on the stack: read from the live process. */
	cr_assert_eq(hit->global_rc, 0, "%s", strerror(-hit->global_rc));
	cr_assert_eq(hit->global_value, TARGET_GLOBAL_VALUE);
	hook_target_end(&target);
	rk_hook_close(hook);
}

static void read_after_exit(void *user, const struct rk_hook_event *event)
{
	int *rc = user;
	long value = -1;
	/* The process is gone, and address 16 is not on the captured stack. */
	*rc = rk_hook_read_user(event, &value, sizeof(value), 16);
	cr_assert_eq(value, 0, "the destination is zeroed on failure");
}

Test(hook_uprobe, read_user_after_the_process_exited, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	hook_target_cmd(&target, "work 1");
	hook_target_end(&target);
	int rc = 0;
	cr_assert_eq(hook_drain_quiet(hook, read_after_exit, &rc, 20), 1);
	cr_assert_eq(rc, -ESRCH, "%d", rc);
	rk_hook_close(hook);
}

/* A one-page ring overflows: what was lost is counted, and nothing else. */
Test(hook_uprobe, lost_samples_are_counted, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid, .ring_pages = 1};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	hook_target_cmd(&target, "work 300");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 20);
	cr_assert_lt(hits.count, 300);
	/* The kernel reports a loss with the next sample that fits. */
	hook_target_cmd(&target, "work 1");
	hook_drain_quiet(hook, on_event, &hits, 20);
	struct rk_hook_stats stats;
	rk_hook_get_stats(hook, &stats);
	cr_assert_gt(stats.lost, 0);
	cr_assert_eq(stats.events, hits.count);
	cr_assert_eq(stats.events + stats.lost, 301, "events %llu + lost %llu",
	             (unsigned long long)stats.events, (unsigned long long)stats.lost);
	hook_target_end(&target);
	rk_hook_close(hook);
}

Test(hook_uprobe, stop_and_start_again, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook = open_ok("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &opts);
	cr_assert_eq(rk_hook_stop(hook), 0);
	hook_target_cmd(&target, "work 5");
	static struct hits hits;
	cr_assert_eq(hook_drain_quiet(hook, on_event, &hits, 20), 0);
	char err[256];
	cr_assert_eq(rk_hook_start(hook, err, sizeof(err)), 0, "%s", err);
	hook_target_cmd(&target, "work 3");
	hook_drain_quiet(hook, on_event, &hits, 20);
	expect_work_hits(&hits, 3, target.pid, 0);
	hook_target_end(&target);
	rk_hook_close(hook);
}

/* Opened disabled: nothing fires before start. */
Test(hook_uprobe, nothing_before_start, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &spec,
	                                   err, sizeof(err)),
	             0);
	struct rk_hook_opts opts = {.pid = target.pid};
	struct rk_hook *hook;
	cr_assert_eq(rk_hook_open(&spec, &opts, &hook, err, sizeof(err)), 0, "%s", err);
	hook_target_cmd(&target, "work 5");
	static struct hits hits;
	cr_assert_eq(hook_drain_quiet(hook, on_event, &hits, 20), 0);
	const int *fds;
	rk_hook_fds(hook, &fds);
	cr_assert_eq(rk_hook_drain(hook, fds[0] + 1000, on_event, &hits), -EBADF);
	hook_target_end(&target);
	rk_hook_close(hook);
}

Test(hook_uprobe, library_function_by_name, .timeout = 30)
{
	struct hook_target target;
	hook_target_spawn(&target, HOOK_TARGET_PATH);
	struct rk_hook_opts opts = {.pid = target.pid};
	/* The target's "ok N" answers go through printf's vfprintf. */
	struct rk_hook *hook = open_ok("uprobe/libc.so.6:printf", &opts);
	hook_target_cmd(&target, "work 1");
	hook_target_cmd(&target, "work 2");
	static struct hits hits;
	hook_drain_quiet(hook, on_event, &hits, 50);
	cr_assert_eq(hits.count, 2);
	hook_target_end(&target);
	rk_hook_close(hook);
}

/* The file goes away while probed: the kernel keeps its inode; no crash. */
Test(hook_uprobe, binary_removed_while_attached, .timeout = 30)
{
	char copy[] = "/tmp/rk-hook-target-XXXXXX";
	int out = mkstemp(copy);
	cr_assert_geq(out, 0);
	int in = open(HOOK_TARGET_PATH, O_RDONLY);
	struct stat st;
	cr_assert_eq(fstat(in, &st), 0);
	cr_assert_eq(sendfile(out, in, NULL, (size_t)st.st_size), st.st_size);
	close(in);
	fchmod(out, 0755);
	close(out);
	char section[PATH_MAX + 64];
	snprintf(section, sizeof(section), "uprobe/%s:rk_target_work", copy);
	struct rk_hook *hook = open_ok(section, NULL);
	struct hook_target target;
	hook_target_spawn(&target, copy);
	hook_target_cmd(&target, "work 2");
	cr_assert_eq(unlink(copy), 0);
	hook_target_cmd(&target, "work 3");
	static struct hits hits;
	hits.only_tgid = (uint32_t)target.pid;
	hook_drain_quiet(hook, on_event, &hits, 50);
	cr_assert_eq(hits.count, 5);
	hook_target_end(&target);
	rk_hook_close(hook);
}

Test(hook_uprobe, errors)
{
	char err[2048];
	cr_assert_eq(open_fails("uprobe//nonexistent/robot:motor_cmd", NULL, err, sizeof(err)),
	             -ENOENT);
	cr_assert_str_eq(err, "uprobe /nonexistent/robot:motor_cmd: /nonexistent/robot: No such "
	                      "file or directory");

	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":motor_cmd", NULL, err, sizeof(err)),
	             -ENOENT);
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":motor_cmd: no symbol motor_cmd in "
	                      HOOK_TARGET_PATH " (nm -D " HOOK_TARGET_PATH " lists what it "
	                      "exports; a library's function needs the library: "
	                      "uprobe/libc.so.6:malloc)");

	cr_assert_eq(open_fails("uprobe/libnosuch.so.3:f", NULL, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "uprobe libnosuch.so.3:f: no library libnosuch.so.3 in "
	                      "LD_LIBRARY_PATH, /etc/ld.so.cache or "),
	          "%s", err);

	struct rk_hook_opts bad_pid = {.pid = 999999999};
	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &bad_pid, err,
	                        sizeof(err)),
	             -ESRCH);
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":rk_target_work: no process 999999999 "
	                      "(opts.pid; /proc/999999999/task: No such file or directory)");

	struct rk_hook_opts bad_ring = {.ring_pages = 3};
	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &bad_ring, err,
	                        sizeof(err)),
	             -EINVAL);
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":rk_target_work: ring_pages 3: give a "
	                      "power of 2 up to 4096 (or 0: 8)");

	struct rk_hook_opts bad_stack = {.stack_bytes = 1 << 20};
	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &bad_stack, err,
	                        sizeof(err)),
	             -EINVAL);
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":rk_target_work: stack_bytes 1048576: "
	                      "at most 32768 bytes of stack are captured per hit");

	struct rk_hook_opts big_stack = {.stack_bytes = 8192, .ring_pages = 1};
	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_work", &big_stack, err,
	                        sizeof(err)),
	             -EINVAL);
	/* 8 header + 24 tid/time/cpu + 8 abi + 20 x86_64 registers + 16 + 8192 stack */
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":rk_target_work: a sample with "
	                      "stack_bytes 8192 takes 8408 bytes, more than a ring of 1 pages "
	                      "holds; give more ring_pages or fewer stack_bytes");

	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_work+0x100000", NULL, err,
	                        sizeof(err)),
	             -EINVAL);
	cr_assert(strstr(err, "uprobe " HOOK_TARGET_PATH ":rk_target_work+0x100000: +0x100000 is "
	                      "past the end of rk_target_work ("),
	          "%s", err);

	cr_assert_eq(open_fails("uprobe/" HOOK_TARGET_PATH ":rk_target_global", NULL, err,
	                        sizeof(err)),
	             -EINVAL);
	cr_assert_str_eq(err, "uprobe " HOOK_TARGET_PATH ":rk_target_global: rk_target_global in "
	                      HOOK_TARGET_PATH " is not a function (ELF symbol type 1); uprobes "
	                      "attach to functions");
}

Test(hook_uprobe, bad_arguments)
{
	struct rk_hook *hook = (struct rk_hook *)1;
	char err[256];
	cr_assert_eq(rk_hook_open(NULL, NULL, &hook, err, sizeof(err)), -EINVAL);
	cr_assert_null(hook);
	struct rk_hook_spec spec;
	memset(&spec, 'x', sizeof(spec));
	spec.kind = RK_HOOK_UPROBE;
	cr_assert_eq(rk_hook_open(&spec, NULL, &hook, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rk_hook_open: no spec, or its path or symbol is not terminated");
	memset(&spec, 0, sizeof(spec));
	spec.kind = (enum rk_hook_kind)42;
	cr_assert_eq(rk_hook_open(&spec, NULL, &hook, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "rk_hook_open: unknown hook kind 42");
	cr_assert_eq(rk_hook_read_user(NULL, err, 8, 0), -EINVAL);
	rk_hook_close(NULL);
}

#endif /* __x86_64__ */
