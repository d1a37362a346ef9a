/*
 * hw_open_exit.bpf.c - the kretprobe half of the hardware-lab test
 * (tests/hw/kprobe.sh): kretprobe/do_sys_openat2, whose return value
 * (PT_REGS_RC: rax on x86_64) is the new fd or -errno.
 *
 * For the process named in `target`, `results` keeps how many opens
 * succeeded and failed, the lowest and highest fd returned and the last
 * error; every process's returns are counted in `returns`.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct target {
	__u32 tgid;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct target);
	__uint(max_entries, 1);
} target SEC(".maps");

struct results {
	__u64 ok;
	__u64 failed;
	__s64 min_fd;       /* -1 until the first success */
	__s64 max_fd;
	__s64 last_error;   /* 0 until the first failure */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct results);
	__uint(max_entries, 1);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} returns SEC(".maps");

SEC("kretprobe/do_sys_openat2")
int BPF_KRETPROBE(on_openat2_return, long ret)
{
	__u32 zero = 0;
	__u64 *all = bpf_map_lookup_elem(&returns, &zero);
	if (all)
		__sync_fetch_and_add(all, 1);

	struct target *t = bpf_map_lookup_elem(&target, &zero);
	struct results *r = bpf_map_lookup_elem(&results, &zero);
	if (!t || !r || t->tgid == 0 || t->tgid != (__u32)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (ret < 0) {
		r->failed++;
		r->last_error = ret;
		return 0;
	}
	if (r->ok == 0 || ret < r->min_fd)
		r->min_fd = ret;
	if (r->ok == 0 || ret > r->max_fd)
		r->max_fd = ret;
	r->ok++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
