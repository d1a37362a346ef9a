/*
 * hook_kprobe.c - kprobes and kretprobes through the kprobe PMU (the
 * uprobe shape: config1 = the kernel function's name, config2 = +OFF),
 * one event per CPU or per thread of opts.pid.
 *
 * A kprobe's pt_regs are the kernel's registers at the probe, so the
 * sample takes the interrupted registers (PERF_SAMPLE_REGS_INTR), not the
 * user ones.  Kernels built without CONFIG_KPROBE_EVENTS have no kprobe
 * PMU: open says so (-ENOTSUP).  Tested in the QEMU guest of
 * tests/hw/kprobe.sh (`make test-hw`), not on every host.
 *
 * The kernel's refusals are terse errnos (ENOENT: no such symbol; EILSEQ:
 * +OFF inside an instruction; EINVAL: blacklisted, not text, ...), and it
 * accepts a +OFF past the end of the function, probing whatever follows.
 * So open checks +OFF against /proc/kallsyms first and, when the kernel
 * refuses, asks /proc/kallsyms and the kprobe blacklist which it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hook_impl.h"

#define KALLSYMS_PATH "/proc/kallsyms"
#define KPROBE_BLACKLIST_PATH "/sys/kernel/debug/kprobes/blacklist"
/* "ffffffff81234567 T name\t[module]": names are bounded by KSYM_NAME_LEN (512). */
#define KALLSYMS_LINE_LEN 1024

/* What /proc/kallsyms says about a symbol. */
struct ksym {
	int found;
	char type;          /* 't', 'T', 'D', ... */
	uint64_t addr;      /* 0 when addresses are hidden (kptr_restrict, not root) */
	uint64_t next;      /* the lowest symbol address above addr; 0: unknown */
};

/* One kallsyms line: 1 parsed, 0 not a symbol line. */
static int kallsyms_parse(char *line, uint64_t *addr, char *type, char **name)
{
	unsigned long long value;
	int name_at = 0;
	if (sscanf(line, "%llx %c %n", &value, type, &name_at) != 2 || name_at == 0)
		return 0;
	*addr = value;
	*name = line + name_at;
	(*name)[strcspn(*name, " \t\n")] = '\0';
	return 1;
}

/*
 * Find symbol (the first of that name, as the kernel's lookup does); with
 * want_next, also the next symbol's address (a second pass: module symbols
 * are not in address order).  0, or -errno when kallsyms cannot be read.
 */
static int kallsyms_find(const char *symbol, int want_next, struct ksym *out)
{
	memset(out, 0, sizeof(*out));
	FILE *file = fopen(KALLSYMS_PATH, "re");
	if (!file)
		return -errno;
	char line[KALLSYMS_LINE_LEN], type, *name;
	uint64_t addr;
	while (fgets(line, sizeof(line), file)) {
		if (kallsyms_parse(line, &addr, &type, &name) && strcmp(name, symbol) == 0) {
			out->found = 1;
			out->type = type;
			out->addr = addr;
			break;
		}
	}
	if (out->found && out->addr && want_next) {
		rewind(file);
		while (fgets(line, sizeof(line), file))
			if (kallsyms_parse(line, &addr, &type, &name) && addr > out->addr &&
			    (out->next == 0 || addr < out->next))
				out->next = addr;
	}
	fclose(file);
	return 0;
}

/* Is symbol on the kernel's kprobe blacklist ("0xstart-0xend\tname")?  1, 0, -errno. */
static int kprobe_blacklisted(const char *symbol)
{
	FILE *file = fopen(KPROBE_BLACKLIST_PATH, "re");
	if (!file)
		return -errno;
	char line[KALLSYMS_LINE_LEN];
	int listed = 0;
	while (!listed && fgets(line, sizeof(line), file)) {
		char *name = strpbrk(line, " \t");
		if (!name)
			continue;
		name += strspn(name, " \t");
		name[strcspn(name, " \t\n")] = '\0';
		listed = strcmp(name, symbol) == 0;
	}
	fclose(file);
	return listed;
}

static int is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* The kernel refused the probe with rc: say which of its reasons it was. */
static int explain_refusal(struct rk_hook *hook, int rc, char *err, size_t err_len)
{
	const struct rk_hook_spec *spec = &hook->spec;
	struct ksym sym;
	int have_sym = kallsyms_find(spec->symbol, 0, &sym) == 0;
	if (rc == -ENOENT && have_sym && !sym.found)
		return rk_hook_err(hook, err, err_len, rc,
		                   "no function %s in this kernel (not in " KALLSYMS_PATH "; a "
		                   "module's function needs the module loaded)",
		                   spec->symbol);
	if (rc == -EILSEQ)
		return rk_hook_err(hook, err, err_len, rc,
		                   "+0x%llx is not on an instruction boundary of %s: the kernel "
		                   "probes whole instructions only (see objdump -d of the function)",
		                   (unsigned long long)spec->offset, spec->symbol);
	if (rc == -EINVAL && kprobe_blacklisted(spec->symbol) == 1)
		return rk_hook_err(hook, err, err_len, rc,
		                   "%s is on the kernel's kprobe blacklist (" KPROBE_BLACKLIST_PATH
		                   "): kprobes cannot probe it",
		                   spec->symbol);
	if (rc == -EINVAL && have_sym && sym.found && !is_text(sym.type))
		return rk_hook_err(hook, err, err_len, rc,
		                   "%s is not a function (" KALLSYMS_PATH " type '%c'): kprobes "
		                   "probe code",
		                   spec->symbol, sym.type);
	return rc; /* err already says what perf_event_open said, with a hint */
}

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
	struct perf_event_attr attr;
	int rc = rk_probe_attr_init(hook, "kprobe", retprobe,
	                            "CONFIG_KPROBES and CONFIG_KPROBE_EVENTS", regs_mask,
	                            kprobe_decode, &attr, err, err_len);
	if (rc)
		return rc;
	/*
	 * The kernel adds +OFF to the symbol's address without a bound: past
	 * the end, the probe lands in the next function and the program reads
	 * registers that mean something else.  Refuse that here.
	 */
	struct ksym sym;
	if (spec->offset && kallsyms_find(spec->symbol, 1, &sym) == 0 && sym.found &&
	    sym.next > sym.addr && spec->offset >= sym.next - sym.addr)
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "+0x%llx is past the end of %s (0x%llx bytes to the next symbol "
		                   "in " KALLSYMS_PATH ")",
		                   (unsigned long long)spec->offset, spec->symbol,
		                   (unsigned long long)(sym.next - sym.addr));
	attr.config1 = (uint64_t)(uintptr_t)spec->symbol;  /* kprobe_func */
	attr.config2 = spec->offset;                        /* probe_offset */
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
	                   PERF_SAMPLE_REGS_INTR;
	attr.sample_regs_intr = regs_mask;
	rc = rk_hook_perf_open(hook, &attr, hook->opts.pid, 0,
	                       ": the kernel refused the probe (is the function in "
	                       "/proc/kallsyms, not inlined, not blacklisted in "
	                       "/sys/kernel/debug/kprobes/blacklist, +OFF on an instruction?)",
	                       err, err_len);
	return rc ? explain_refusal(hook, rc, err, err_len) : 0;
}
