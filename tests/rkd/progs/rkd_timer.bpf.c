/*
 * rkd_timer.bpf.c - a timer program for rkd's end-to-end tests: every tick
 * counts, and every `every`-th tick (from the `settings` map, which the test
 * changes with `rkctl map set`) reports a decoded ring-buffer record.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct settings {
	__u32 every;        /* ticks between records; 0: no records */
	__u32 max_current_ma;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct settings);
	__uint(max_entries, 1);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} ticks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} ticks_seen SEC(".maps");

struct ticks_seen_event {
	__u64 tick;
	__u32 every;
	__u32 max_current_ma;
};
/*
 * clang puts a type in BTF only when a global, a map or a function signature
 * uses it: this global (16 bytes of .bss) is what lets rkd decode the
 * records of `ticks_seen` (docs/rkd.md, "Events").
 */
struct ticks_seen_event ticks_seen_record;

SEC("timer/10ms")
int on_tick(void *ctx)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&ticks, &zero);
	struct settings *s = bpf_map_lookup_elem(&settings, &zero);
	if (!count || !s)
		return 0;
	__u64 tick = __sync_fetch_and_add(count, 1) + 1;
	if (s->every == 0 || tick % s->every != 0)
		return 0;
	struct ticks_seen_event *e = bpf_ringbuf_reserve(&ticks_seen, sizeof(*e), 0);
	if (!e)
		return 0;
	e->tick = tick;
	e->every = s->every;
	e->max_current_ma = s->max_current_ma;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
