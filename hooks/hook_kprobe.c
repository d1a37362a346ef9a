/*
 * hook_kprobe.c - kprobes and kretprobes through the kprobe PMU (the
 * uprobe shape: config1 = the kernel function's name, config2 = +OFF),
 * one event per CPU or per thread of opts.pid.
 *
 * A kprobe's pt_regs are the kernel's registers at the probe, so the
 * sample takes the interrupted registers (PERF_SAMPLE_REGS_INTR), not the
 * user ones.  Kernels built without CONFIG_KPROBE_EVENTS have no kprobe
 * PMU: open says so (-ENOTSUP).  Tested under QEMU, not on every host.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hook_impl.h"

static int kprobe_decode(struct rk_hook *hook, const struct rk_perf_sample *sample,
                         struct rk_hook_event *event)
{
	if (sample->intr_regs_abi == PERF_SAMPLE_REGS_ABI_NONE || !sample->intr_regs)
		return -1;
	rk_regs_to_ctx(sample->intr_regs, hook->ctx_buf);
	event->ctx = hook->ctx_buf;
	event->ctx_len = hook->ctx_buf_len;
	return 0;
}

int rk_hook_kprobe_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const struct rk_hook_spec *spec = &hook->spec;
	int retprobe = spec->kind == RK_HOOK_KRETPROBE;
	uint64_t regs_mask = rk_regs_sample_mask();
	if (!regs_mask)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "rkBPF knows struct pt_regs of x86_64 and aarch64 only");
	uint32_t pmu_type;
	int rc = rk_pmu_type("kprobe", &pmu_type);
	if (rc)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "this kernel has no kprobe PMU (%s/kprobe/type: %s; it needs "
		                   "CONFIG_KPROBES and CONFIG_KPROBE_EVENTS)",
		                   RK_PMU_SYSFS, strerror(-rc));
	unsigned retprobe_bit = 0;
	if (retprobe && (rc = rk_pmu_format_bit("kprobe", "retprobe", &retprobe_bit)) != 0)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "this kernel's kprobe PMU has no retprobe flag (%s/kprobe/format/"
		                   "retprobe: %s)",
		                   RK_PMU_SYSFS, strerror(-rc));
	hook->ctx_buf_len = rk_regs_ctx_size();
	hook->ctx_buf = calloc(1, hook->ctx_buf_len);
	if (!hook->ctx_buf)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	hook->regs_mask = regs_mask;
	hook->decode = kprobe_decode;

	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = pmu_type;
	attr.config = retprobe ? 1ull << retprobe_bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)spec->symbol;  /* kprobe_func */
	attr.config2 = spec->offset;                        /* probe_offset */
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
	                   PERF_SAMPLE_REGS_INTR;
	attr.sample_regs_intr = regs_mask;
	return rk_hook_perf_open(hook, &attr, hook->opts.pid, 0,
	                         ": the kernel refused the probe (is the function in "
	                         "/proc/kallsyms, not inlined, not blacklisted in "
	                         "/sys/kernel/debug/kprobes/blacklist, +OFF on an instruction?)",
	                         err, err_len);
}
