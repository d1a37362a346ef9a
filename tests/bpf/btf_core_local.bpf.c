/*
 * btf_core_local.bpf.c - programs with CO-RE relocations, one per section, run
 * by test_btf.c after relocating them against btf_core_target.bpf.c's BTF (or
 * their own).  Each program's context is a struct task_struct as the
 * target lays it out.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* What the program was compiled against: another layout, flavored names. */
enum task_state___local {
	TASK_RUNNING = 0,
	TASK_INTERRUPTIBLE = 1,
	TASK_STOPPED = 2,   /* 4 in the target */
	TASK_GONE = 3,      /* not in the target */
	TASK_WAKING = -2,   /* -3 in the target: clang 14's BTF calls both unsigned */
};

enum irq_flags___local {
	IRQ_BIG = 0x80000000u,  /* 0x90000000 in the target: must not be sign-extended */
};

struct task_struct___local {
	int pid;
	int tgid;
	char comm[16];
	unsigned int flags;           /* unsigned long in the target */
	unsigned int prio : 5, policy : 3;
	int missing_field;            /* not in the target */
	struct {
		unsigned long signal;
		int count;
	} pending;
} __attribute__((preserve_access_index));

struct not_in_target___local {
	int a;
} __attribute__((preserve_access_index));

SEC("tp/pid")
int read_pid(struct task_struct___local *task)
{
	return task->pid;
}

SEC("tp/tgid")
int read_tgid(struct task_struct___local *task)
{
	return task->tgid;
}

SEC("tp/comm")
int read_comm3(struct task_struct___local *task)
{
	return task->comm[3];
}

SEC("tp/flags")
long read_flags(struct task_struct___local *task)
{
	return task->flags;
}

SEC("tp/pending")
int read_pending(struct task_struct___local *task)
{
	return task->pending.count;
}

SEC("tp/bitfield")
long read_policy(struct task_struct___local *task)
{
	return BPF_CORE_READ_BITFIELD(task, policy);
}

SEC("tp/exists")
int exists(struct task_struct___local *task)
{
	return bpf_core_field_exists(task->pid) |
	       bpf_core_field_exists(task->missing_field) << 1 |
	       bpf_core_type_exists(struct not_in_target___local) << 2 |
	       bpf_core_type_exists(struct task_struct___local) << 3 |
	       bpf_core_enum_value_exists(enum task_state___local, TASK_GONE) << 4 |
	       bpf_core_enum_value_exists(enum task_state___local, TASK_STOPPED) << 5;
}

SEC("tp/sizes")
long sizes(struct task_struct___local *task)
{
	return (long)bpf_core_type_size(struct task_struct___local) << 16 |
	       bpf_core_field_size(task->comm) << 8 | bpf_core_field_size(task->flags);
}

SEC("tp/enum")
long enum_value(struct task_struct___local *task)
{
	return bpf_core_enum_value(enum task_state___local, TASK_STOPPED);
}

SEC("tp/enum_signs")
long enum_signs(struct task_struct___local *task)
{
	long waking = bpf_core_enum_value(enum task_state___local, TASK_WAKING);
	long big = bpf_core_enum_value(enum irq_flags___local, IRQ_BIG);
	return waking == -3 && big == 0x90000000l;
}

SEC("tp/type_id")
long type_id(struct task_struct___local *task)
{
	return bpf_core_type_id_kernel(struct task_struct___local);
}

SEC("tp/missing")
int read_missing(struct task_struct___local *task)
{
	return task->missing_field;
}

SEC("tp/guarded")
int read_guarded(struct task_struct___local *task)
{
	if (bpf_core_field_exists(task->missing_field))
		return task->missing_field;
	return -1;
}

char LICENSE[] SEC("license") = "GPL";
