/*
 * test_hook_support.c - the target process and the drain loop the hook
 * tests share (tests/hooks/hook_test.h).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../hooks/hook_test.h"

void hook_target_spawn(struct hook_target *target, const char *path)
{
	int in[2], out[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	target->pid = pid;
	target->to_child = in[1];
	target->from_child = out[0];
}

long hook_target_cmd(struct hook_target *target, const char *command)
{
	char line[128];
	int len = snprintf(line, sizeof(line), "%s\n", command);
	cr_assert_eq(write(target->to_child, line, (size_t)len), len, "writing to the target: %s",
	             strerror(errno));
	size_t got = 0;
	while (got + 1 < sizeof(line)) {
		ssize_t n = read(target->from_child, line + got, 1);
		if (n != 1) {
			int status = 0;
			waitpid(target->pid, &status, 0);
			cr_assert_fail("the target did not answer '%s': exited with status 0x%x", command,
			               status);
		}
		if (line[got++] == '\n')
			break;
	}
	line[got] = '\0';
	long value = 0;
	cr_assert_eq(sscanf(line, "ok %ld", &value), 1, "target answered '%s' to '%s'", line,
	             command);
	return value;
}

void hook_target_end(struct hook_target *target)
{
	close(target->to_child);
	int status = 0;
	cr_assert_eq(waitpid(target->pid, &status, 0), target->pid);
	close(target->from_child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the target ended with status %d",
	          status);
}

long hook_drain_quiet(struct rk_hook *hook, rk_hook_event_fn fn, void *user, int quiet_ms)
{
	const int *fds;
	size_t count = rk_hook_fds(hook, &fds);
	struct pollfd *polls = calloc(count, sizeof(*polls));
	cr_assert_not_null(polls);
	for (size_t i = 0; i < count; i++)
		polls[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	long events = 0;
	for (;;) {
		int ready = poll(polls, count, quiet_ms);
		cr_assert_geq(ready, 0, "poll: %s", strerror(errno));
		if (ready == 0)
			break;
		for (size_t i = 0; i < count; i++) {
			if (!polls[i].revents)
				continue;
			int rc = rk_hook_drain(hook, polls[i].fd, fn, user);
			cr_assert_geq(rc, 0, "rk_hook_drain: %s", strerror(-rc));
			events += rc;
			/* The traced thread exited: drained for the last time. */
			if (polls[i].revents & (POLLHUP | POLLERR))
				polls[i].fd = -1;
		}
	}
	for (size_t i = 0; i < count; i++) {
		int rc = rk_hook_drain(hook, fds[i], fn, user);
		cr_assert_geq(rc, 0, "rk_hook_drain: %s", strerror(-rc));
		events += rc;
	}
	free(polls);
	return events;
}

uint64_t hook_now_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

int hook_maps_offset(pid_t pid, uint64_t addr, uint64_t *offset, uint64_t *inode)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "r");
	if (!maps)
		return -errno;
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long long start, end, pgoff, ino;
		char perms[8];
		unsigned dev_major, dev_minor;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu", &start, &end, perms, &pgoff,
		           &dev_major, &dev_minor, &ino) != 7)
			continue;
		if (addr >= start && addr < end) {
			*offset = addr - start + pgoff;
			*inode = ino;
			rc = 0;
			break;
		}
	}
	fclose(maps);
	return rc;
}
