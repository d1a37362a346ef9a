/*
 * btf_core_target.bpf.c - the "kernel" of the CO-RE tests: its .BTF is the
 * target that btf_core_local.bpf.c's relocations are applied against.
 *
 * Plain C on purpose: test_btf.c also compiles it natively, so the
 * expected offsets come from the C compiler (offsetof), not from our BTF
 * code.  The layout differs from btf_core_local's view in every way CO-RE
 * must handle: fields before, a different order, pid and tgid inside an
 * anonymous union/struct, a wider flags field, moved bitfields, an enum
 * with other values, and types the program knows but the target lacks.
 */
#ifndef RK_BTF_CORE_TARGET_BPF_C
#define RK_BTF_CORE_TARGET_BPF_C

enum task_state {
	TASK_RUNNING = 0,
	TASK_INTERRUPTIBLE = 1,
	TASK_STOPPED = 4,
	TASK_DEAD = 64,
	TASK_WAKING = -3,
};

enum irq_flags {
	IRQ_BIG = 0x90000000u,
};

struct sigpending {
	unsigned long signal;
	int count;
};

struct task_struct {
	long state;
	void *stack;
	unsigned long long reserved[3];
	union {
		struct {
			int tgid;
			int pid;
		};
		long long both_ids;
	};
	char comm[16];
	unsigned long flags;
	unsigned int prio : 5, policy : 3, in_iowait : 1;
	int exit_code;
	struct sigpending pending;
	int nr_cpus_allowed;
};

/* Globals keep the types in the BTF. */
struct task_struct btf_core_target_task;
enum task_state btf_core_target_state;
enum irq_flags btf_core_target_irq_flags;

#endif
