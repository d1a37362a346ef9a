/*
 * hw_open_entry.bpf.c - the kprobe half of the hardware-lab test
 * (tests/hw/kprobe.sh): kprobe/do_sys_openat2(int dfd, const char __user
 * *filename, struct open_how *how).
 *
 * Counts every call per process (`opens`), and for the one process the test
 * names in `target` (set with rkctl map set) reports each call as a
 * ring-buffer record: the dfd (PT_REGS_PARM1: AT_FDCWD for open()) and the
 * file name read from the caller's memory (PT_REGS_PARM2 through
 * bpf_probe_read_user_str), and keeps PT_REGS_IP in `last_ip`.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct target {
	__u32 tgid;         /* 0: report nothing */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct target);
	__uint(max_entries, 1);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} open_events SEC(".maps");

/* PT_REGS_IP at the target's last hit: do_sys_openat2's address (+1 after int3). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} last_ip SEC(".maps");

struct open_event {
	__u32 tgid;
	__s32 dfd;
	__s32 name_len;     /* bpf_probe_read_user_str's result: length with the NUL, or -errno */
	__u32 pad;
	char filename[64];
};
/* Puts the record's type in BTF, so rkd decodes the records (docs/rkd.md, Events). */
struct open_event open_event_record;

SEC("kprobe/do_sys_openat2")
int BPF_KPROBE(on_openat2, int dfd, const char *filename)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	__u64 one = 1, *count = bpf_map_lookup_elem(&opens, &tgid);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&opens, &tgid, &one, BPF_NOEXIST);

	struct target *t = bpf_map_lookup_elem(&target, &zero);
	if (!t || t->tgid == 0 || t->tgid != tgid)
		return 0;
	__u64 ip = PT_REGS_IP(ctx);
	bpf_map_update_elem(&last_ip, &zero, &ip, BPF_ANY);
	struct open_event *e = bpf_ringbuf_reserve(&open_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->tgid = tgid;
	e->dfd = dfd;
	e->pad = 0;
	e->name_len = bpf_probe_read_user_str(e->filename, sizeof(e->filename), filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
