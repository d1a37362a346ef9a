/*
 * hook_impl.h - what the hook kinds share behind hook.h: the handle, the
 * per-kind operations, the perf plumbing (hook_perf.c), the register
 * mapping (hook_regs.c) and the task cache (hook_task.c).  Not for
 * callers: they use hook.h.
 *
 * The one thing to know: everything an event needs is allocated at open
 * (rings, the scratch buffer for wrapped records, the context buffer, the
 * task cache), so draining allocates nothing.
 */
#ifndef RK_HOOKS_HOOK_IMPL_H
#define RK_HOOKS_HOOK_IMPL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hook.h"
#include "hook_err.h" /* rk_hook_errf: a message without a hook at hand */
#include "perf_ring.h"

/* "uprobe " + PATH + ":" + SYMBOL + "+0x..." */
#define RK_HOOK_DESCRIPTION_LEN (PATH_MAX + RK_HOOK_SYMBOL_LEN + 48)

/* Where the kernel lists its PMUs (type, format/). */
#define RK_PMU_SYSFS "/sys/bus/event_source/devices"

/* Defaults and bounds of struct rk_hook_opts. */
#define RK_HOOK_DEFAULT_RING_PAGES 8u
#define RK_HOOK_MAX_RING_PAGES 4096u
#define RK_HOOK_DEFAULT_STACK_BYTES 512u
#define RK_HOOK_MAX_STACK_BYTES 32768u
/* A process followed by pid gets one event per thread and CPU; more is a mistake. */
#define RK_HOOK_MAX_THREADS 1024u
#define RK_HOOK_MAX_EVENTS 65536u

/* Task metadata cache: a few recent threads, refreshed after a second. */
#define RK_TASK_CACHE_SLOTS 256u
#define RK_TASK_CACHE_TTL_NS 1000000000ull

struct rk_task_entry {
	uint32_t tid, tgid;
	uint32_t uid, gid;
	uint64_t filled_ns;
	char comm[16];
	uint8_t valid;
};

struct rk_task_cache {
	struct rk_task_entry slots[RK_TASK_CACHE_SLOTS];
};

/* Fill meta's pid/tgid/cpu as given and uid/gid/comm from /proc (cached). */
void rk_task_meta(struct rk_task_cache *cache, uint32_t tgid, uint32_t tid, uint32_t cpu,
                  uint64_t now_ns, struct rk_event_meta *meta);

struct rk_hook_ops {
	int (*start)(struct rk_hook *hook, char *err, size_t err_len);
	int (*stop)(struct rk_hook *hook);
	/* fd_index: which of hook->fds is readable. */
	int (*drain)(struct rk_hook *hook, size_t fd_index, rk_hook_event_fn fn, void *user);
	/* Optional: free what the kind keeps in hook->priv (before hook.c closes the fds). */
	void (*close)(struct rk_hook *hook);
};

/*
 * Turn a decoded perf sample into the program's context: fill event->ctx
 * etc. (meta, time and user stack are filled before the call).  0, or -1:
 * not a record this hook can use (counted as lost).
 */
typedef int (*rk_hook_decode_fn)(struct rk_hook *hook, const struct rk_perf_sample *sample,
                                 struct rk_hook_event *event);

struct rk_hook {
	const struct rk_hook_ops *ops;
	struct rk_hook_spec spec;
	struct rk_hook_opts opts;           /* defaults applied */
	char description[RK_HOOK_DESCRIPTION_LEN];
	struct rk_hook_stats stats;
	int started;

	int *fds;                           /* fd_count to poll, -1 when not open */
	size_t fd_count;
	/* perf events writing into another's ring (PERF_EVENT_IOC_SET_OUTPUT): not polled */
	int *extra_fds;
	size_t extra_fd_count;

	/* perf kinds */
	struct rk_perf_ring *rings;         /* fd_count of them */
	uint8_t *scratch;                   /* RK_PERF_RECORD_MAX: records that wrap */
	uint64_t sample_type;
	uint64_t regs_mask;
	unsigned regs_count;
	uint32_t filter_tgid;               /* non-zero: drop samples of other processes */
	rk_hook_decode_fn decode;
	void *ctx_buf;                      /* the context handed to programs */
	size_t ctx_buf_len;
	struct rk_task_cache tasks;

	/* uprobe: the file probed (spec.path resolved); tracepoint: its id and record size */
	char resolved_path[PATH_MAX];
	uint32_t tracepoint_id;
	uint32_t record_size;

	/* Hardware kinds (hook_gpio.c, hook_iio.c, hook_uio.c): their own state, freed by ops->close. */
	void *priv;
};

/* hook.c: format into err with the hook's description in front; returns rc. */
/*
 * Arm timerfd fd to expire every period_ns (0: disarm).  0 or -errno.  The
 * timer hook's period, and the GPIO and IIO hooks' check that their device
 * is still there.
 */
int rk_hook_timerfd_set(int fd, uint64_t period_ns);

int rk_hook_err(const struct rk_hook *hook, char *err, size_t err_len, int rc, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

/*
 * Per-kind open: fill the hook (ops, fds, rings, buffers).  hook.c owns
 * the cleanup (closes every fd >= 0, unmaps every ring, frees the
 * buffers), on failure as on rk_hook_close().
 */
int rk_hook_uprobe_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_tracepoint_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_kprobe_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_timer_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_gpio_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_iio_open(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_uio_open(struct rk_hook *hook, char *err, size_t err_len);
/* hook_pwm.c: the pwm/pwm_apply tracepoint, filtered to one channel. */
int rk_hook_pwm_open(struct rk_hook *hook, char *err, size_t err_len);
/*
 * hook_iio.c: one IIO sample as its scan_element type says
 * ([be|le]:[s|u]BITS/(8*bytes)>>SHIFT): host order, shifted, masked to
 * bits, sign-extended to 64 bits when signed.
 */
uint64_t rk_iio_decode_sample(const void *src, unsigned bytes, unsigned bits, unsigned shift,
                              int is_signed, int is_be);
/* Where one channel sits in a scan and how it is encoded. */
struct rk_iio_sample_fmt {
	uint32_t offset;         /* bytes from the start of the scan */
	uint8_t bytes, bits, shift, is_signed, is_be;
};
struct rk_iio_scan;
/*
 * Decode one scan: out->values[i] from fmts[i] (count of them), and
 * out->timestamp_ns from timestamp unless it is NULL.  What iio/ runs per
 * scan (bench/hw/hw_bench.c measures it).
 */
void rk_iio_decode_scan(const uint8_t *scan, const struct rk_iio_sample_fmt *fmts, size_t count,
                        const struct rk_iio_sample_fmt *timestamp, struct rk_iio_scan *out);

/* ---- hook_perf.c: a set of perf events, one ring each ----------------- */

/*
 * Open attr (disabled) once per online CPU (pid <= 0: every process), or
 * for each thread of process pid: with inherit, once per CPU, following
 * its later threads too (the events of a CPU share one ring); without,
 * once (attrs holding pointers, uprobe and kprobe, cannot be inherited).
 * Map each ring and allocate the scratch buffer.  0, or a negative errno with
 * err naming the hook; einval_hint (may be NULL) is added to the message
 * when the kernel refuses attr with EINVAL.
 */
int rk_hook_perf_open(struct rk_hook *hook, struct perf_event_attr *attr, int pid,
                      int inherit, const char *einval_hint, char *err, size_t err_len);
extern const struct rk_hook_ops rk_hook_perf_ops;

/* The PMU type and a format bit ("config:0" -> 0) from sysfs: 0 or -errno. */
int rk_pmu_type(const char *pmu, uint32_t *type);
int rk_pmu_format_bit(const char *pmu, const char *format, unsigned *bit);

/*
 * What kprobes and uprobes share: the PMU's type (and, for a return probe,
 * its retprobe bit) from sysfs, the context buffer for the registers in
 * regs_mask, the decode function; then attr zeroed but for type and config.
 * kernel_needs names the kernel options when the PMU is missing.  0, or a
 * negative errno with err naming the hook.
 */
int rk_probe_attr_init(struct rk_hook *hook, const char *pmu, int retprobe,
                       const char *kernel_needs, uint64_t regs_mask, rk_hook_decode_fn decode,
                       struct perf_event_attr *attr, char *err, size_t err_len);

/* Read a small text file into buf (NUL-terminated): bytes read, or -errno. */
int rk_read_text_file(const char *path, char *buf, size_t buf_len);

/* ---- hook_regs.c: perf's register samples as struct pt_regs ------------- */

/* The sample_regs_user/_intr mask of this arch's general registers; 0: unknown arch. */
uint64_t rk_regs_sample_mask(void);
/* sizeof the arch's struct pt_regs (aarch64: struct user_pt_regs). */
size_t rk_regs_ctx_size(void);
/* Fill ctx (rk_regs_ctx_size bytes) from regs sampled with rk_regs_sample_mask(). */
void rk_regs_to_ctx(const uint8_t *regs, void *ctx);
/* The stack pointer in a ctx filled by rk_regs_to_ctx. */
uint64_t rk_regs_ctx_sp(const void *ctx);

#endif
