/*
 * btf_core_vmlinux.bpf.c - CO-RE against the running kernel's BTF
 * (/sys/kernel/btf/vmlinux): test_btf.c relocates these and compares the
 * result with what bpftool says about vmlinux.
 */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

enum bpf_map_type___rk {
	BPF_MAP_TYPE_RINGBUF = 1,   /* 27 in every kernel */
};

SEC("tp/vmlinux_pid")
int vmlinux_pid(struct task_struct *task)
{
	return task->pid;
}

SEC("tp/vmlinux_comm")
int vmlinux_comm(struct task_struct *task)
{
	return task->comm[0];
}

SEC("tp/vmlinux_size")
long vmlinux_size(void *ctx)
{
	return bpf_core_type_size(struct task_struct);
}

SEC("tp/vmlinux_enum")
long vmlinux_enum(void *ctx)
{
	return bpf_core_enum_value(enum bpf_map_type___rk, BPF_MAP_TYPE_RINGBUF);
}

char LICENSE[] SEC("license") = "GPL";
