/*
 * hook_test.h - what the hook tests share (tests/unit/test_hook_support.c):
 * a traced target process driven over pipes, and draining a hook's fds
 * until it goes quiet.
 */
#ifndef RK_TESTS_HOOKS_HOOK_TEST_H
#define RK_TESTS_HOOKS_HOOK_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../hooks/hook.h"
#include "target.h"

#define HOOK_TARGET_PATH RK_BUILD_DIR "/tests/hook-target"

struct hook_target {
	pid_t pid;
	int to_child;     /* its stdin */
	int from_child;   /* its stdout */
};

/* Start path (HOOK_TARGET_PATH or a copy); it waits for commands. */
void hook_target_spawn(struct hook_target *target, const char *path);
/* Send one command line ("work 10"); returns the N of its "ok N" answer. */
long hook_target_cmd(struct hook_target *target, const char *command);
/* Close its stdin and reap it; asserts it exited with 0. */
void hook_target_end(struct hook_target *target);

/*
 * Poll the hook's fds and drain what is readable until nothing arrives for
 * quiet_ms, then drain every fd once more.  Returns the events handed to fn.
 */
long hook_drain_quiet(struct rk_hook *hook, rk_hook_event_fn fn, void *user, int quiet_ms);

/* CLOCK_MONOTONIC now, in ns. */
uint64_t hook_now_ns(void);

/* The file offset of address addr in process pid, through /proc/PID/maps; inode too. */
int hook_maps_offset(pid_t pid, uint64_t addr, uint64_t *offset, uint64_t *inode);

#endif
