/*
 * target.h - what tests/hooks/target.c and the hook tests agree on.
 */
#ifndef RK_TESTS_HOOKS_TARGET_H
#define RK_TESTS_HOOKS_TARGET_H

/* rk_target_stack()'s caller keeps this in a local, the global holds the other. */
#define TARGET_STACK_VALUE 0x1122334455667788L
#define TARGET_GLOBAL_VALUE 0x0badc0ffee0ddf00L

/* rk_target_work(a, b) is called with b = TARGET_WORK_B(a) and returns TARGET_WORK_RET(a). */
#define TARGET_WORK_B(a) ((long)(a) * 1000 + 7)
#define TARGET_WORK_RET(a) (2 * (long)(a) + TARGET_WORK_B(a))

/* comm of the target process: its file name, as the kernel truncates it. */
#define TARGET_COMM "hook-target"

#endif
