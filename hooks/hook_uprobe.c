/*
 * hook_uprobe.c - uprobes and uretprobes through the uprobe PMU
 * (perf_event_open with the type from sysfs, config1 = the path, config2
 * = the file offset), one event per CPU or per thread of opts.pid.
 *
 * Each hit samples the user registers (rebuilt into this arch's struct
 * pt_regs: PT_REGS_PARM1() reads what the traced function got) and the
 * top opts.stack_bytes of the user stack, so bpf_probe_read_user of
 * arguments on the stack sees them as they were at the hit.
 */
#include <errno.h>
#include <unistd.h>

#include "elf_symbols.h"
#include "hook_impl.h"

/* Messages from elf_symbols.c, put behind the hook's description. */
#define ELF_MESSAGE_LEN 1024

static int uprobe_decode(struct rk_hook *hook, const struct rk_perf_sample *sample,
                         struct rk_hook_event *event)
{
	if (sample->user_regs_abi == PERF_SAMPLE_REGS_ABI_NONE || !sample->user_regs)
		return -1; /* a kernel thread cannot hit a uprobe: not our record */
	rk_regs_to_ctx(sample->user_regs, hook->ctx_buf);
	event->ctx = hook->ctx_buf;
	event->ctx_len = hook->ctx_buf_len;
	if (sample->stack) {
		event->user_stack = sample->stack;
		event->user_stack_len = (size_t)sample->stack_size;
		event->user_stack_addr = rk_regs_ctx_sp(hook->ctx_buf);
	}
	return 0;
}

int rk_hook_uprobe_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const struct rk_hook_spec *spec = &hook->spec;
	int retprobe = spec->kind == RK_HOOK_URETPROBE;
	uint64_t regs_mask = rk_regs_sample_mask();
	if (!regs_mask)
		return rk_hook_err(hook, err, err_len, -ENOTSUP,
		                   "rkBPF knows struct pt_regs of x86_64 and aarch64 only");
	char message[ELF_MESSAGE_LEN];
	int rc = rk_elf_find_file(spec->path, hook->resolved_path, sizeof(hook->resolved_path),
	                          message, sizeof(message));
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "%s", message);
	struct rk_elf_func func;
	rc = rk_elf_find_func(hook->resolved_path, spec->symbol, &func, message, sizeof(message));
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "%s", message);
	if (spec->offset && func.size && spec->offset >= func.size)
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "+0x%llx is past the end of %s (%llu bytes) in %s",
		                   (unsigned long long)spec->offset, spec->symbol,
		                   (unsigned long long)func.size, hook->resolved_path);
	/* header, tid, time, cpu, abi + registers, stack size + stack + dyn_size */
	uint64_t sample_bytes = sizeof(struct perf_event_header) + 3 * sizeof(uint64_t) +
	                        (1 + (uint64_t)__builtin_popcountll(regs_mask)) * sizeof(uint64_t) +
	                        2 * sizeof(uint64_t) + hook->opts.stack_bytes;
	uint64_t ring_bytes = (uint64_t)sysconf(_SC_PAGESIZE) * hook->opts.ring_pages;
	if (sample_bytes > ring_bytes)
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "a sample with stack_bytes %u takes %llu bytes, more than a ring of "
		                   "%u pages holds; give more ring_pages or fewer stack_bytes",
		                   hook->opts.stack_bytes, (unsigned long long)sample_bytes,
		                   hook->opts.ring_pages);
	struct perf_event_attr attr;
	rc = rk_probe_attr_init(hook, "uprobe", retprobe, "CONFIG_UPROBE_EVENTS", regs_mask,
	                        uprobe_decode, &attr, err, err_len);
	if (rc)
		return rc;
	attr.config1 = (uint64_t)(uintptr_t)hook->resolved_path;  /* uprobe_path */
	attr.config2 = func.offset + spec->offset;                  /* probe_offset */
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
	                   PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	attr.sample_regs_user = regs_mask;
	attr.sample_stack_user = hook->opts.stack_bytes;
	return rk_hook_perf_open(hook, &attr, hook->opts.pid, 0,
	                         ": the kernel refused the probe (+OFF must be on an instruction "
	                         "boundary)",
	                         err, err_len);
}
