/*
 * hw_uio_regs.bpf.c - tests/hw/guest/uio.sh, the register part:
 * SEC("uio/uio_pci_generic"), QEMU's edu device, with rkd.conf granting
 * [uio uio_pci_generic] map = 0, readable = 0x0-0x100, writable = 0x4-0x68.
 * On each interrupt: reads the identification register (0x00: 0x010000ed),
 * writes the liveness register (0x04: reads back as the complement of what
 * was written), tries a read past the readable range (0x100: -ERANGE, the
 * destination zeroed) and a write outside the writable range (0x80), then
 * acknowledges the interrupt -- status (0x24) written to 0x64 -- before rkd
 * re-enables INTx, so one raise is one run.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <rkbpf/rkbpf_helpers.h>
#include <rkbpf/rkbpf_hw.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_STATUS 0x24
#define EDU_ACK 0x64

struct regs_stats {
	__u64 runs;
	__u64 id;               /* the identification register */
	__s64 id_rc;
	__u64 liveness_ok;      /* runs where 0x04 read back ~written */
	__s64 liveness_rc;
	__s64 range_rc;         /* rk_uio_read at 0x100 */
	__u64 range_zeroed;     /* runs where its destination came back zeroed */
	__s64 write_range_rc;   /* rk_uio_write at 0x80 */
	__u64 status;           /* the interrupt status acknowledged */
	__s64 ack_rc;
	__u64 irq_count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct regs_stats);
	__uint(max_entries, 1);
} regs SEC(".maps");

SEC("uio/uio_pci_generic")
int on_edu_regs(struct rk_uio_event *e)
{
	__u32 zero = 0;
	struct regs_stats *s = bpf_map_lookup_elem(&regs, &zero);
	if (!s)
		return 0;
	__u32 v = 0;
	s->runs++;
	s->irq_count = e->irq_count;
	s->id_rc = rk_uio_read(EDU_ID, &v, sizeof(v));
	s->id = v;

	__u32 written = 0x5a5a0000u | (__u32)s->runs, back = 0;
	s->liveness_rc = rk_uio_write(EDU_LIVENESS, &written, sizeof(written));
	if (s->liveness_rc == 0)
		s->liveness_rc = rk_uio_read(EDU_LIVENESS, &back, sizeof(back));
	if (s->liveness_rc == 0 && back == (__u32)~written)
		s->liveness_ok++;

	__u32 outside = 0xdeadbeef;
	s->range_rc = rk_uio_read(0x100, &outside, sizeof(outside));
	if (outside == 0)
		s->range_zeroed++;
	__u32 one = 1;
	s->write_range_rc = rk_uio_write(0x80, &one, sizeof(one));

	__u32 status = 0;
	s->ack_rc = rk_uio_read(EDU_STATUS, &status, sizeof(status));
	s->status = status;
	if (s->ack_rc == 0)
		s->ack_rc = rk_uio_write(EDU_ACK, &status, sizeof(status));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
