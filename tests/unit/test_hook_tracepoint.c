/*
 * test_hook_tracepoint.c - tracepoints on the running kernel: the raw
 * record handed over as the context (common fields first, the length the
 * tracefs format file gives), filtered to this process with opts.pid (its
 * threads started later too), system-wide sched_switch, and the errors.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../hooks/ctx_desc.h"
#include "../hooks/hook_test.h"

#define MAX_RECORDS 8192
#define RECORD_BYTES 128

/* The common fields every tracepoint record starts with (tracefs format). */
struct common_fields {
	uint16_t common_type;
	uint8_t common_flags;
	uint8_t common_preempt_count;
	int32_t common_pid;
};

struct records {
	uint32_t only_tid;       /* 0: all */
	size_t count;
	size_t ctx_len[MAX_RECORDS];
	struct rk_event_meta meta[MAX_RECORDS];
	uint8_t bytes[MAX_RECORDS][RECORD_BYTES];
	int aligned;             /* every ctx 8-byte aligned */
};

static void on_record(void *user, const struct rk_hook_event *event)
{
	struct records *records = user;
	if (records->only_tid && event->meta.pid != records->only_tid)
		return;
	if (records->count == MAX_RECORDS)
		return;
	size_t i = records->count++;
	records->ctx_len[i] = event->ctx_len;
	records->meta[i] = event->meta;
	memcpy(records->bytes[i], event->ctx,
	       event->ctx_len < RECORD_BYTES ? event->ctx_len : RECORD_BYTES);
	if ((uintptr_t)event->ctx % 8 != 0)
		records->aligned = 0;
}

static struct rk_hook *open_tp(const char *section, const struct rk_hook_opts *opts)
{
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, sizeof(err)), 0, "%s", err);
	struct rk_hook *hook;
	cr_assert_eq(rk_hook_open(&spec, opts, &hook, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rk_hook_start(hook, err, sizeof(err)), 0, "%s", err);
	return hook;
}

static uint32_t tracepoint_id(const char *sys_name)
{
	char path[256], text[32];
	snprintf(path, sizeof(path), RK_TRACEFS_PATH "/events/%s/id", sys_name);
	FILE *file = fopen(path, "r");
	cr_assert_not_null(file, "%s", path);
	cr_assert_not_null(fgets(text, sizeof(text), file));
	fclose(file);
	return (uint32_t)strtoul(text, NULL, 10);
}

static uint32_t record_size(const char *sys, const char *name)
{
	uint32_t size;
	char err[1024];
	cr_assert_eq(rk_tracepoint_record_size(sys, name, &size, err, sizeof(err)), 0, "%s", err);
	return size;
}

#define GETPID_CALLS 50

Test(hook_tracepoint, sys_enter_getpid_of_this_process, .timeout = 30)
{
	struct rk_hook_opts opts = {.pid = getpid()};
	struct rk_hook *hook = open_tp("tracepoint/syscalls/sys_enter_getpid", &opts);
	cr_assert_str_eq(rk_hook_describe(hook), "tracepoint syscalls/sys_enter_getpid");
	for (int i = 0; i < GETPID_CALLS; i++)
		syscall(SYS_getpid);
	static struct records records;
	records.aligned = 1;
	records.only_tid = (uint32_t)gettid();
	hook_drain_quiet(hook, on_record, &records, 20);
	cr_assert_eq(records.count, GETPID_CALLS);
	uint32_t id = tracepoint_id("syscalls/sys_enter_getpid");
	uint32_t size = record_size("syscalls", "sys_enter_getpid");
	for (size_t i = 0; i < records.count; i++) {
		struct common_fields common;
		memcpy(&common, records.bytes[i], sizeof(common));
		int32_t nr;
		memcpy(&nr, records.bytes[i] + 8, sizeof(nr)); /* __syscall_nr, offset 8 */
		cr_assert_eq(records.ctx_len[i], size);
		cr_assert_eq(common.common_type, id);
		cr_assert_eq(common.common_pid, gettid());
		cr_assert_eq(nr, SYS_getpid);
		cr_assert_eq(records.meta[i].tgid, (uint32_t)getpid());
	}
	cr_assert(records.aligned, "the record is copied to an aligned buffer");
	rk_hook_close(hook);
}

static void *getpid_thread(void *arg)
{
	uint32_t *tid = arg;
	*tid = (uint32_t)gettid();
	for (int i = 0; i < GETPID_CALLS; i++)
		syscall(SYS_getpid);
	return NULL;
}

/* raw_syscalls/sys_enter by pid: a thread started after open is followed. */
Test(hook_tracepoint, raw_sys_enter_follows_new_threads, .timeout = 30)
{
	struct rk_hook_opts opts = {.pid = getpid(), .ring_pages = 64};
	struct rk_hook *hook = open_tp("tp/raw_syscalls/sys_enter", &opts);
	pthread_t thread;
	uint32_t tid = 0;
	cr_assert_eq(pthread_create(&thread, NULL, getpid_thread, &tid), 0);
	pthread_join(thread, NULL);
	/* Stopped first: draining makes system calls, which this hook would see. */
	cr_assert_eq(rk_hook_stop(hook), 0);
	static struct records records;
	records.only_tid = tid;
	hook_drain_quiet(hook, on_record, &records, 20);
	uint32_t size = record_size("raw_syscalls", "sys_enter");
	size_t getpids = 0;
	for (size_t i = 0; i < records.count; i++) {
		int64_t id;
		memcpy(&id, records.bytes[i] + 8, sizeof(id)); /* long id, offset 8 */
		cr_assert_eq(records.ctx_len[i], size);
		getpids += id == SYS_getpid;
	}
	cr_assert_eq(getpids, GETPID_CALLS);
	struct rk_hook_stats stats;
	rk_hook_get_stats(hook, &stats);
	cr_assert_eq(stats.lost, 0);
	rk_hook_close(hook);
}

/* Every CPU: this thread switching out as it sleeps, by name. */
Test(hook_tracepoint, sched_switch_every_cpu, .timeout = 30)
{
	prctl(PR_SET_NAME, "rk-sched-test");
	struct rk_hook_opts opts = {.ring_pages = 64};
	struct rk_hook *hook = open_tp("tracepoint/sched/sched_switch", &opts);
	for (int i = 0; i < 5; i++)
		usleep(2000);
	rk_hook_stop(hook);
	static struct records records;
	records.only_tid = (uint32_t)gettid();
	hook_drain_quiet(hook, on_record, &records, 20);
	uint32_t size = record_size("sched", "sched_switch");
	uint32_t id = tracepoint_id("sched/sched_switch");
	size_t switched_out = 0;
	for (size_t i = 0; i < records.count; i++) {
		const uint8_t *rec = records.bytes[i];
		struct common_fields common;
		memcpy(&common, rec, sizeof(common));
		int32_t prev_pid;
		memcpy(&prev_pid, rec + 24, sizeof(prev_pid)); /* offset 24 on 6.x */
		cr_assert_eq(records.ctx_len[i], size);
		cr_assert_eq(common.common_type, id);
		if (prev_pid == gettid()) {
			cr_assert_str_eq((const char *)rec + 8, "rk-sched-test"); /* prev_comm */
			switched_out++;
		}
		cr_assert_str_eq(records.meta[i].comm, "rk-sched-test");
	}
	cr_assert_geq(switched_out, 5);
	rk_hook_close(hook);
}

static int open_error(const char *section, char *err, size_t err_len)
{
	struct rk_hook_spec spec;
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, err_len), 0, "%s", err);
	struct rk_hook *hook = NULL;
	int rc = rk_hook_open(&spec, NULL, &hook, err, err_len);
	cr_assert_null(hook);
	return rc;
}

Test(hook_tracepoint, errors)
{
	char err[1024];
	cr_assert_eq(open_error("tracepoint/sched/nosuch", err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "tracepoint sched/nosuch: " RK_TRACEFS_PATH "/events/sched/nosuch/"
	                      "format: no such file: this kernel has no tracepoint 'nosuch' in "
	                      "'sched' (ls " RK_TRACEFS_PATH "/events/sched lists them)");
	cr_assert_eq(open_error("tp/nosuchsys/nosuch", err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "tracepoint nosuchsys/nosuch: " RK_TRACEFS_PATH "/events/nosuchsys/"
	                      "nosuch/format: no such file: this kernel has no tracepoint system "
	                      "'nosuchsys' (ls " RK_TRACEFS_PATH "/events/ lists them)");
	struct rk_hook_spec spec;
	memset(&spec, 0, sizeof(spec));
	spec.kind = RK_HOOK_TRACEPOINT;
	strcpy(spec.symbol, "sched_switch");
	struct rk_hook *hook;
	cr_assert_eq(rk_hook_open(&spec, NULL, &hook, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "tracepoint sched_switch: the tracepoint is not SYS/NAME (as in "
	                      "sched/sched_switch)");
	struct rk_hook_opts bad_pid = {.pid = 999999999};
	cr_assert_eq(rk_hook_parse_section("tp/sched/sched_switch", &spec, err, sizeof(err)), 0);
	cr_assert_eq(rk_hook_open(&spec, &bad_pid, &hook, err, sizeof(err)), -ESRCH);
	cr_assert_str_eq(err, "tracepoint sched/sched_switch: no process 999999999 (opts.pid; "
	                      "/proc/999999999/task: No such file or directory)");
}
