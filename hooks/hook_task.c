/*
 * hook_task.c - who an event came from: uid, gid and comm of a thread,
 * read from /proc and kept in a small fixed cache (no allocation: open,
 * read and close on stack buffers).
 *
 * The one thing to know: entries expire after RK_TASK_CACHE_TTL_NS of
 * event time, so a thread that execs (its comm changes) or a reused tid is
 * seen right within a second; a thread gone before its events are drained
 * has an empty comm and uid/gid 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hook_impl.h"

/* /proc/PID/task/TID/status is about 1.5 KiB; Uid and Gid are near the top. */
#define TASK_STATUS_BYTES 2048

int rk_read_text_file(const char *path, char *buf, size_t buf_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	while (len + 1 < buf_len) {
		ssize_t got = read(fd, buf + len, buf_len - 1 - len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			int rc = -errno;
			close(fd);
			buf[len] = '\0';
			return rc;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

/* The first number after "key:" in status text, or 0. */
static uint32_t status_number(const char *status, const char *key)
{
	const char *at = strstr(status, key);
	if (!at)
		return 0;
	return (uint32_t)strtoul(at + strlen(key), NULL, 10);
}

static void task_fill(struct rk_task_entry *entry, uint32_t tgid, uint32_t tid, uint64_t now_ns)
{
	char path[64];
	char status[TASK_STATUS_BYTES];
	memset(entry, 0, sizeof(*entry));
	entry->tid = tid;
	entry->tgid = tgid;
	entry->filled_ns = now_ns;
	entry->valid = 1;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", tgid, tid);
	int len = rk_read_text_file(path, status, sizeof(status));
	if (len > 0) {
		size_t comm_len = strcspn(status, "\n");
		if (comm_len >= sizeof(entry->comm))
			comm_len = sizeof(entry->comm) - 1;
		memcpy(entry->comm, status, comm_len);
	}
	snprintf(path, sizeof(path), "/proc/%u/task/%u/status", tgid, tid);
	if (rk_read_text_file(path, status, sizeof(status)) > 0) {
		/* "Uid:\treal\teffective\tsaved\tfs": bpf_get_current_uid_gid gives the real ids. */
		entry->uid = status_number(status, "\nUid:");
		entry->gid = status_number(status, "\nGid:");
	}
}

void rk_task_meta(struct rk_task_cache *cache, uint32_t tgid, uint32_t tid, uint32_t cpu,
                  uint64_t now_ns, struct rk_event_meta *meta)
{
	if (tid == 0) {
		/* The idle task, one per CPU, as the kernel names it. */
		memset(meta, 0, sizeof(*meta));
		meta->cpu = cpu;
		snprintf(meta->comm, sizeof(meta->comm), "swapper/%u", cpu);
		return;
	}
	struct rk_task_entry *entry = &cache->slots[tid % RK_TASK_CACHE_SLOTS];
	if (!entry->valid || entry->tid != tid || entry->tgid != tgid ||
	    now_ns - entry->filled_ns > RK_TASK_CACHE_TTL_NS)
		task_fill(entry, tgid, tid, now_ns);
	memset(meta, 0, sizeof(*meta));
	meta->pid = tid;
	meta->tgid = tgid;
	meta->uid = entry->uid;
	meta->gid = entry->gid;
	meta->cpu = cpu;
	memcpy(meta->comm, entry->comm, sizeof(meta->comm));
}
