/*
 * hook.h - attach points: where the events that run programs come from
 * (uprobes, uretprobes, tracepoints, kprobes through perf; timers).
 *
 * Every hook is a handle with an explicit life cycle, as libuv's handles:
 *   rk_hook_open()   parse nothing, resolve everything (the binary and its
 *                    symbol, the tracepoint id, the PMU type), open the perf
 *                    events and map their rings -- disabled: nothing fires;
 *   rk_hook_start()  enable: events flow into the rings;
 *   rk_hook_stop()   disable (events already in the rings can still be drained);
 *   rk_hook_close()  unmap, close, free.
 * The one thing to know: hooks own no thread and no loop.  A hook exposes
 * file descriptors (one per CPU for perf, a timerfd for timers); the owner
 * (rkd's libuv loop, a test) polls them and calls rk_hook_drain() when one
 * is readable, which decodes every pending event into the context the
 * program expects and calls the owner's callback once per event.  Draining
 * allocates nothing; lost samples are counted, never silent.
 */
#ifndef RK_HOOKS_HOOK_H
#define RK_HOOKS_HOOK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

enum rk_hook_kind {
	RK_HOOK_UPROBE,
	RK_HOOK_URETPROBE,
	RK_HOOK_TRACEPOINT,
	RK_HOOK_KPROBE,
	RK_HOOK_KRETPROBE,
	RK_HOOK_TIMER,
	/* The robot's own hardware (hook_gpio.c, hook_iio.c, hook_pwm.c, hook_uio.c). */
	RK_HOOK_GPIO,            /* gpio/CHIP/LINE/EDGE: libgpiod 1.6 edge events */
	RK_HOOK_IIO,             /* iio/DEVICE: libiio 0.24 buffered scans */
	RK_HOOK_PWM,             /* pwm/CHIP/CHANNEL: the pwm/pwm_apply tracepoint */
	RK_HOOK_UIO,             /* uio/DEVICE: /dev/uioN interrupts */
};

/* GPIO edges a hook waits for (rk_hook_spec.edge). */
enum rk_hook_edge {
	RK_HOOK_EDGE_RISING = 1,
	RK_HOOK_EDGE_FALLING = 2,
	RK_HOOK_EDGE_BOTH = 3,
};

#define RK_HOOK_SYMBOL_LEN 256

/* An attach point, from a SEC() name (or `rkctl attach`). */
struct rk_hook_spec {
	enum rk_hook_kind kind;
	char path[PATH_MAX];               /* uprobe: binary or library, as written */
	char symbol[RK_HOOK_SYMBOL_LEN];   /* uprobe/kprobe: function; tracepoint: "SYS/NAME" */
	uint64_t offset;                   /* uprobe/kprobe: +OFF into the function */
	uint64_t period_ns;                /* timer */
	/*
	 * Hardware hooks: path holds the chip or device as written (gpiochip0,
	 * a label, iio:device0 or a device name, pwmchip0, uio0); line the GPIO
	 * line or PWM channel; edge the GPIO edges.
	 */
	uint32_t line;
	enum rk_hook_edge edge;
};

/*
 * Parse a libbpf-style section name:
 *   uprobe/PATH:SYMBOL[+OFF]  uretprobe/PATH:SYMBOL   (PATH absolute, or a
 *                                                      library name found as
 *                                                      the dynamic linker would)
 *   tracepoint/SYS/NAME  tp/SYS/NAME
 *   kprobe/FUNC[+OFF]  kretprobe/FUNC
 *   timer/PERIOD  (10ms, 500us, 1s, 100000ns)
 *   gpio/CHIP/LINE/EDGE  (EDGE rising, falling or both; CHIP gpiochipN, a
 *                         label or /dev/gpiochipN)
 *   iio/DEVICE  uio/DEVICE  (iio:deviceN, uioN, or the device's name)
 * 0, or -EINVAL with err naming the section and what is wrong with it.
 */
int rk_hook_parse_section(const char *section, struct rk_hook_spec *spec, char *err,
                          size_t err_len);

/*
 * iio/: what to capture, from rkd.conf's [iio DEVICE] (docs/rkd.md).  Lines
 * and file are for messages ("rkd.conf:12: key 'channels': ...").
 */
struct rk_hook_iio_opts {
	const char *file;
	const char *trigger;      /* NULL or "": the device's current trigger */
	int trigger_line;
	const char *channels;     /* "voltage0,accel_x" (ids or names); NULL or "": every scan element */
	int channels_line;
};

/*
 * uio/: the register window rk_uio_read and rk_uio_write reach, from
 * rkd.conf's [uio DEVICE]: map N of /dev/uioN, byte ranges [start, end)
 * of it (start == end: nothing; end RK_HOOK_UIO_MAP_END: up to the end of
 * the map).
 */
#define RK_HOOK_UIO_MAP_END UINT64_MAX
struct rk_hook_uio_opts {
	const char *file;
	unsigned map;
	uint64_t read_start, read_end;
	uint64_t write_start, write_end;
	int map_line, readable_line, writable_line;
};

struct rk_hook_opts {
	/*
	 * Only this process; <= 0: every process.  Uprobes and kprobes see the
	 * threads it has at open (the kernel cannot copy those events into new
	 * threads); tracepoints also its later threads.  Once the process has
	 * exited, its fds report POLLHUP: drain them once more, stop polling.
	 */
	int pid;
	unsigned ring_pages;     /* perf ring data pages per CPU, a power of 2; 0: 8 */
	uint32_t stack_bytes;    /* uprobe: user stack captured per hit; 0: 512 */
	/* Hardware hooks' configuration (read at open only); NULL: the defaults. */
	const struct rk_hook_iio_opts *iio;
	const struct rk_hook_uio_opts *uio;
};

/* One event, as the program sees it (valid only during the callback). */
struct rk_hook_event {
	void *ctx;               /* r1: struct pt_regs, the tracepoint record; NULL for timers */
	size_t ctx_len;
	struct rk_event_meta meta;
	uint64_t time_ns;        /* CLOCK_MONOTONIC time of the event */
	/* uprobes: the top of the user stack at the hit (for bpf_probe_read_user). */
	const void *user_stack;
	uint64_t user_stack_addr;
	size_t user_stack_len;
};

typedef void (*rk_hook_event_fn)(void *user, const struct rk_hook_event *event);

struct rk_hook_stats {
	uint64_t events;         /* events handed to the callback */
	uint64_t lost;           /* samples the kernel dropped (PERF_RECORD_LOST), timer overruns */
};

struct rk_hook;

/*
 * Open (disabled).  Errors name the section's parts: "uprobe
 * /usr/bin/robot:motor_cmd: no symbol motor_cmd in /usr/bin/robot (or its
 * libraries)", "tracepoint sched/nosuch: not in /sys/kernel/tracing/events",
 * "kprobe: this kernel has no kprobe PMU".  -ENOENT, -EACCES, -ENOTSUP, ...
 */
int rk_hook_open(const struct rk_hook_spec *spec, const struct rk_hook_opts *opts,
                 struct rk_hook **hook_out, char *err, size_t err_len);
/* The descriptors to poll for input; *fds stays valid until close. */
size_t rk_hook_fds(const struct rk_hook *hook, const int **fds);
int rk_hook_start(struct rk_hook *hook, char *err, size_t err_len);
int rk_hook_stop(struct rk_hook *hook);
/*
 * Handle what is pending on fd (one of rk_hook_fds()): call fn for each
 * event, in order.  Returns the number of events, or a negative errno
 * (-EBADF: not this hook's fd).  Allocates nothing.
 */
int rk_hook_drain(struct rk_hook *hook, int fd, rk_hook_event_fn fn, void *user);
void rk_hook_get_stats(const struct rk_hook *hook, struct rk_hook_stats *stats);
void rk_hook_close(struct rk_hook *hook);

/*
 * rk_sensor_last_timestamp: sensor N is iio:deviceN; the CLOCK_MONOTONIC
 * time of its latest scan an iio/ hook of this process read.  0, or
 * -ENOENT (no scan yet).
 */
int rk_hook_sensor_timestamp(uint32_t sensor, uint64_t *timestamp_ns);

/*
 * rk_uio_read / rk_uio_write for a program on hook (hooks/hook_uio.c): size
 * bytes at offset of the register window its rk_hook_uio_opts granted, with
 * accesses of the register's width (1, 2, 4 or 8 bytes at an aligned
 * offset: one access; a multiple of 4 at an offset aligned to 4: 32-bit
 * accesses).  0, -ERANGE (outside the range or the map), -EINVAL (size,
 * alignment), -EACCES (nothing granted for that direction), -ENODEV (the
 * device was removed), -ENOTSUP (not a uio/ hook).  Allocates nothing.
 */
int rk_hook_device_io(struct rk_hook *hook, uint64_t offset, void *buf, uint32_t size,
                      int write);

/* "uprobe /usr/bin/robot:motor_cmd", for messages and `rkctl list`. */
const char *rk_hook_describe(const struct rk_hook *hook);

/*
 * bpf_probe_read_user for an event: from the captured stack when the range
 * lies inside it (the values at the moment of the hit), otherwise from the
 * live process with process_vm_readv (best effort: it may have changed or
 * exited).  0, or a negative errno (dst zeroed).
 */
int rk_hook_read_user(const struct rk_hook_event *event, void *dst, size_t size,
                      uint64_t user_addr);

#endif /* RK_HOOKS_HOOK_H */
