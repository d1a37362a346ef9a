/*
 * hook_perf.c - what the perf-based hooks (uprobe, uretprobe, kprobe,
 * tracepoint) share: the probe PMUs' attr from sysfs, opening one event
 * per CPU or per thread, mapping their rings, enabling and disabling
 * them, and draining a ring into events through the kind's decode
 * function.
 *
 * The one thing to know: every event is opened with use_clockid =
 * CLOCK_MONOTONIC, so sample times are already the time base of the rest
 * of rkBPF; and with wakeup_events = 1, so poll() reports a ring readable
 * after every sample (a robot wants latency, not batching).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hook_impl.h"

#define CPU_ONLINE_PATH "/sys/devices/system/cpu/online"
#define CPU_LIST_TEXT_BYTES 4096
/* Bounds the CPUs taken from the online list. */
#define RK_HOOK_MAX_CPUS 4096u

int rk_pmu_type(const char *pmu, uint32_t *type)
{
	char path[256], text[64];
	snprintf(path, sizeof(path), RK_PMU_SYSFS "/%s/type", pmu);
	int rc = rk_read_text_file(path, text, sizeof(text));
	if (rc < 0)
		return rc;
	char *end;
	unsigned long value = strtoul(text, &end, 10);
	if (end == text || value > UINT32_MAX)
		return -EPROTO;
	*type = (uint32_t)value;
	return 0;
}

int rk_pmu_format_bit(const char *pmu, const char *format, unsigned *bit)
{
	char path[256], text[64];
	snprintf(path, sizeof(path), RK_PMU_SYSFS "/%s/format/%s", pmu, format);
	int rc = rk_read_text_file(path, text, sizeof(text));
	if (rc < 0)
		return rc;
	/* "config:0" (a bit of attr.config) is the only form a flag takes. */
	if (strncmp(text, "config:", strlen("config:")) != 0)
		return -EPROTO;
	char *end;
	unsigned long value = strtoul(text + strlen("config:"), &end, 10);
	if (end == text + strlen("config:") || value > 63)
		return -EPROTO;
	*bit = (unsigned)value;
	return 0;
}

int rk_probe_attr_init(struct rk_hook *hook, const char *pmu, int retprobe,
                       const char *kernel_needs, uint64_t regs_mask, rk_hook_decode_fn decode,
                       struct perf_event_attr *attr, char *err, size_t err_len)
{
	uint32_t pmu_type;
	int rc = rk_pmu_type(pmu, &pmu_type);
	if (rc)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "this kernel has no %s PMU (%s/%s/type: %s; it needs %s)", pmu,
		                   RK_PMU_SYSFS, pmu, strerror(-rc), kernel_needs);
	unsigned retprobe_bit = 0;
	if (retprobe && (rc = rk_pmu_format_bit(pmu, "retprobe", &retprobe_bit)) != 0)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "this kernel's %s PMU has no retprobe flag (%s/%s/format/"
		                   "retprobe: %s)",
		                   pmu, RK_PMU_SYSFS, pmu, strerror(-rc));
	hook->ctx_buf_len = rk_regs_ctx_size();
	hook->ctx_buf = calloc(1, hook->ctx_buf_len);
	if (!hook->ctx_buf)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	hook->regs_mask = regs_mask;
	hook->decode = decode;

	memset(attr, 0, sizeof(*attr));
	attr->type = pmu_type;
	attr->config = retprobe ? 1ull << retprobe_bit : 0;
	return 0;
}

static int perf_event_open(struct perf_event_attr *attr, int pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* perf_event_open, or -errno with err saying where and why. */
static int open_event(struct rk_hook *hook, struct perf_event_attr *attr, int pid, int cpu,
                      const char *einval_hint, char *err, size_t err_len)
{
	int fd = perf_event_open(attr, pid, cpu);
	if (fd >= 0)
		return fd;
	int rc = -errno;
	char where[48];
	if (pid > 0 && cpu >= 0)
		snprintf(where, sizeof(where), "thread %d, cpu %d", pid, cpu);
	else if (pid > 0)
		snprintf(where, sizeof(where), "thread %d", pid);
	else
		snprintf(where, sizeof(where), "cpu %d", cpu);
	const char *hint = "";
	if (rc == -EACCES || rc == -EPERM)
		hint = ": run as root, or with CAP_PERFMON (and CAP_SYS_ADMIN for "
		       "uprobes/kprobes), or lower /proc/sys/kernel/perf_event_paranoid";
	else if (rc == -EMFILE || rc == -ENFILE)
		hint = ": too many open files (one per CPU, times threads with a pid; raise "
		       "ulimit -n)";
	else if (rc == -EINVAL && einval_hint)
		hint = einval_hint;
	return rk_hook_err(hook, err, err_len, rc, "perf_event_open (%s): %s%s", where,
	                   strerror(-rc), hint);
}

/* fd becomes a polled event with its own ring; the arrays were sized by the caller. */
static int add_ring(struct rk_hook *hook, int fd, char *err, size_t err_len)
{
	size_t index = hook->fd_count++;
	hook->fds[index] = fd;
	char ring_err[256];
	int rc = rk_perf_ring_map(&hook->rings[index], fd, hook->opts.ring_pages, ring_err,
	                          sizeof(ring_err));
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "%s", ring_err);
	return 0;
}

/* The online CPUs ("0-3,6"): count and, when cpus is non-NULL, the list. */
static size_t online_cpus(int *cpus, size_t cap)
{
	char text[CPU_LIST_TEXT_BYTES];
	size_t count = 0;
	if (rk_read_text_file(CPU_ONLINE_PATH, text, sizeof(text)) <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		for (long cpu = 0; cpu < n && count < RK_HOOK_MAX_CPUS; cpu++, count++)
			if (cpus && count < cap)
				cpus[count] = (int)cpu;
		return count;
	}
	for (char *at = text; *at >= '0' && *at <= '9';) {
		char *end;
		unsigned long first = strtoul(at, &end, 10), last = first;
		if (*end == '-')
			last = strtoul(end + 1, &end, 10);
		for (unsigned long cpu = first; cpu <= last && count < RK_HOOK_MAX_CPUS; cpu++) {
			if (cpus && count < cap)
				cpus[count] = (int)cpu;
			count++;
		}
		if (*end != ',')
			break;
		at = end + 1;
	}
	return count;
}

static int alloc_events(struct rk_hook *hook, size_t cap, char *err, size_t err_len)
{
	hook->fds = malloc(cap * sizeof(*hook->fds));
	hook->rings = calloc(cap, sizeof(*hook->rings));
	hook->scratch = malloc(RK_PERF_RECORD_MAX);
	if (!hook->fds || !hook->rings || !hook->scratch)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory for %zu events", cap);
	for (size_t i = 0; i < cap; i++)
		hook->fds[i] = -1;
	return 0;
}

static int open_per_cpu(struct rk_hook *hook, struct perf_event_attr *attr,
                        const char *einval_hint, char *err, size_t err_len)
{
	int cpus[RK_HOOK_MAX_CPUS];
	size_t cpu_count = online_cpus(cpus, RK_HOOK_MAX_CPUS);
	if (cpu_count == 0)
		return rk_hook_err(hook, err, err_len, -ENODEV, "no online CPU in %s",
		                   CPU_ONLINE_PATH);
	int rc = alloc_events(hook, cpu_count, err, err_len);
	for (size_t i = 0; rc == 0 && i < cpu_count; i++) {
		int fd = open_event(hook, attr, -1, cpus[i], einval_hint, err, err_len);
		rc = fd < 0 ? fd : add_ring(hook, fd, err, err_len);
	}
	return rc;
}

/* The thread ids of process pid, at most cap: how many, or -ESRCH/-E2BIG with err. */
static int list_threads(struct rk_hook *hook, int pid, int *tids, size_t cap, char *err,
                        size_t err_len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir)
		return rk_hook_err(hook, err, err_len, -ESRCH, "no process %d (opts.pid; %s: %s)",
		                   pid, path, strerror(errno));
	size_t count = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		char *end;
		long tid = strtol(entry->d_name, &end, 10);
		if (end == entry->d_name || *end || tid <= 0)
			continue;
		if (count == cap) {
			closedir(dir);
			return rk_hook_err(hook, err, err_len, -E2BIG,
			                   "process %d has more than %zu threads; attach to every "
			                   "process (pid 0) instead",
			                   pid, cap);
		}
		tids[count++] = (int)tid;
	}
	closedir(dir);
	return (int)count;
}

/*
 * Every thread of pid.  With inherit (tracepoints), on every CPU: a
 * per-task event cannot be mapped when it is inherited (the kernel
 * refuses), a per-task per-CPU one can; the first event opened on a CPU
 * owns that CPU's ring and the others write into it
 * (PERF_EVENT_IOC_SET_OUTPUT), so there is one ring per CPU to poll, and
 * threads the process creates later are followed.  Without inherit
 * (uprobes, kprobes: the kernel re-reads config1, a pointer into our
 * memory, when it copies an event into a new thread, and fails the
 * clone() with EFAULT), one event and ring per thread, on any CPU.  A
 * thread created between listing and opening is not followed either way.
 */
static int open_per_thread(struct rk_hook *hook, struct perf_event_attr *attr, int pid,
                           const char *einval_hint, char *err, size_t err_len)
{
	int cpus[RK_HOOK_MAX_CPUS];
	size_t cpu_count = 1;
	cpus[0] = -1;
	if (attr->inherit)
		cpu_count = online_cpus(cpus, RK_HOOK_MAX_CPUS);
	int *tids = malloc(RK_HOOK_MAX_THREADS * sizeof(*tids));
	if (!tids)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	int rc = list_threads(hook, pid, tids, RK_HOOK_MAX_THREADS, err, err_len);
	size_t thread_count = rc > 0 ? (size_t)rc : 0;
	if (rc >= 0 && thread_count * cpu_count > RK_HOOK_MAX_EVENTS)
		rc = rk_hook_err(hook, err, err_len, -E2BIG,
		                 "process %d has %zu threads on %zu CPUs: more than %u events; "
		                 "attach to every process (pid 0) instead",
		                 pid, thread_count, cpu_count, RK_HOOK_MAX_EVENTS);
	if (rc >= 0)
		rc = alloc_events(hook, attr->inherit ? cpu_count : thread_count, err, err_len);
	if (rc == 0) {
		hook->extra_fds = malloc((thread_count * cpu_count + 1) * sizeof(*hook->extra_fds));
		if (!hook->extra_fds)
			rc = rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	}
	for (size_t c = 0; rc == 0 && c < cpu_count; c++) {
		int owner = -1;
		for (size_t t = 0; rc == 0 && t < thread_count; t++) {
			int fd = open_event(hook, attr, tids[t], cpus[c], einval_hint, err, err_len);
			if (fd == -ESRCH)
				continue; /* that thread exited meanwhile */
			if (fd < 0) {
				rc = fd;
			} else if (owner < 0 || !attr->inherit) {
				owner = fd;
				rc = add_ring(hook, fd, err, err_len);
			} else {
				hook->extra_fds[hook->extra_fd_count++] = fd;
				if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, owner) != 0)
					rc = rk_hook_err(hook, err, err_len, -errno,
					                 "PERF_EVENT_IOC_SET_OUTPUT (thread %d, cpu %d): %s",
					                 tids[t], cpus[c], strerror(errno));
			}
		}
	}
	free(tids);
	if (rc == 0 && hook->fd_count == 0)
		rc = rk_hook_err(hook, err, err_len, -ESRCH, "no process %d (it exited)", pid);
	return rc;
}

int rk_hook_perf_open(struct rk_hook *hook, struct perf_event_attr *attr, int pid,
                      int inherit, const char *einval_hint, char *err, size_t err_len)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	attr->sample_period = 1;
	attr->wakeup_events = 1;
	attr->use_clockid = 1;
	attr->clockid = CLOCK_MONOTONIC;
	hook->sample_type = attr->sample_type;
	hook->regs_count = (unsigned)__builtin_popcountll(hook->regs_mask);
	hook->ops = &rk_hook_perf_ops;
	if (pid > 0) {
		attr->inherit = inherit ? 1 : 0;
		hook->filter_tgid = (uint32_t)pid;
		return open_per_thread(hook, attr, pid, einval_hint, err, err_len);
	}
	return open_per_cpu(hook, attr, einval_hint, err, err_len);
}

/* The i-th of every perf fd: the polled ones, then those writing into their rings. */
static int event_fd(const struct rk_hook *hook, size_t i)
{
	return i < hook->fd_count ? hook->fds[i] : hook->extra_fds[i - hook->fd_count];
}

static int perf_start(struct rk_hook *hook, char *err, size_t err_len)
{
	size_t total = hook->fd_count + hook->extra_fd_count;
	for (size_t i = 0; i < total; i++) {
		if (ioctl(event_fd(hook, i), PERF_EVENT_IOC_ENABLE, 0) != 0) {
			int rc = -errno;
			for (size_t j = 0; j < i; j++)
				ioctl(event_fd(hook, j), PERF_EVENT_IOC_DISABLE, 0);
			return rk_hook_err(hook, err, err_len, rc, "enabling perf event %zu: %s", i,
			                   strerror(-rc));
		}
	}
	return 0;
}

static int perf_stop(struct rk_hook *hook)
{
	int rc = 0;
	size_t total = hook->fd_count + hook->extra_fd_count;
	for (size_t i = 0; i < total; i++)
		if (ioctl(event_fd(hook, i), PERF_EVENT_IOC_DISABLE, 0) != 0 && rc == 0)
			rc = -errno;
	return rc;
}

struct drain_state {
	struct rk_hook *hook;
	rk_hook_event_fn fn;
	void *user;
	int events;
};

static void deliver_sample(struct drain_state *state, const uint8_t *record, size_t size)
{
	struct rk_hook *hook = state->hook;
	struct rk_perf_sample sample;
	if (rk_perf_sample_parse(record, size, hook->sample_type, hook->regs_count, &sample)) {
		hook->stats.lost++;
		return;
	}
	/* inherit follows forks too: the children are other processes. */
	if (hook->filter_tgid && sample.pid != hook->filter_tgid)
		return;
	struct rk_hook_event event;
	memset(&event, 0, sizeof(event));
	event.time_ns = sample.time;
	rk_task_meta(&hook->tasks, sample.pid, sample.tid, sample.cpu, sample.time, &event.meta);
	if (hook->decode(hook, &sample, &event)) {
		hook->stats.lost++;
		return;
	}
	state->fn(state->user, &event);
	hook->stats.events++;
	if (state->events < INT32_MAX)
		state->events++;
}

static void on_record(void *user, const struct perf_event_header *header, const uint8_t *record)
{
	struct drain_state *state = user;
	uint64_t lost;
	switch (header->type) {
	case PERF_RECORD_SAMPLE:
		deliver_sample(state, record, header->size);
		break;
	case PERF_RECORD_LOST:
	case PERF_RECORD_LOST_SAMPLES:
		if (rk_perf_lost_parse(record, header->size, &lost) == 0)
			state->hook->stats.lost += lost;
		break;
	default:
		break; /* nothing else was asked for (mmap, comm, throttle records) */
	}
}

static int perf_drain(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user)
{
	struct drain_state state = {.hook = hook, .fn = fn, .user = user};
	int rc = rk_perf_ring_read(&hook->rings[fd_index], hook->scratch, on_record, &state);
	if (rc == -EPROTO)
		hook->stats.lost++; /* at least one: the ring held something unreadable */
	return rc < 0 ? rc : state.events;
}

const struct rk_hook_ops rk_hook_perf_ops = {
	.start = perf_start,
	.stop = perf_stop,
	.drain = perf_drain,
};
