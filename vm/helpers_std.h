/*
 * helpers_std.h - what the files of the standard helpers share.
 *
 * helpers_std.c registers them (libbpf's ids and rkBPF's robotics range);
 * the helpers themselves live by topic: helpers_maps.c (maps, ring buffer,
 * time series), helpers_format.c (trace_printk, snprintf), helpers_host.c
 * (time, randomness, the current task, user memory, perf output, the
 * robotics host services), helpers_control.c (tail_call, loop).
 *
 * What must stay true: a helper trusts the pointers and sizes its
 * prototype promises (the verifier proves them) but never writes past the
 * size it was given, never dereferences a pointer the prototype does not
 * promise (a %s argument, a user address), and reaches the host only
 * through run->opts->env and run->opts->meta, either of which may be NULL.
 * A helper writes every byte of a PTR_TO_UNINIT_MEM argument on every path
 * where it has a buffer (zeroes what it has nothing for), so what a program
 * reads there never depends on what was there before, and the checked
 * interpreter may count those bytes as written after the call.
 */
#ifndef RK_HELPERS_STD_H
#define RK_HELPERS_STD_H

#include <errno.h>
#include <stdint.h>

#include "vm_internal.h"

/* A negative errno as a helper's r0. */
#define RK_HELPER_ERR(negative_errno) ((uint64_t)(int64_t)(negative_errno))

/* A register holding a pointer, as a pointer. */
#define RK_HELPER_PTR(reg) ((void *)(uintptr_t)(reg))

/*
 * Define (or declare) a helper with the rk_helper_fn signature; every
 * helper ignores some of r1..r5.
 */
#define RK_HELPER(name)                                                                  \
	uint64_t name(__attribute__((unused)) uint64_t r1,                               \
	              __attribute__((unused)) uint64_t r2,                               \
	              __attribute__((unused)) uint64_t r3,                               \
	              __attribute__((unused)) uint64_t r4,                               \
	              __attribute__((unused)) uint64_t r5,                               \
	              __attribute__((unused)) struct rk_run *run)

static inline const struct rk_env *rk_helper_env(const struct rk_run *run)
{
	return run->opts ? run->opts->env : NULL;
}

static inline const struct rk_event_meta *rk_helper_meta(const struct rk_run *run)
{
	return run->opts ? run->opts->meta : NULL;
}

/* CLOCK_MONOTONIC in nanoseconds: rkBPF's one time base. */
uint64_t rk_helper_monotonic_ns(void);

/* helpers_maps.c */
RK_HELPER(rk_helper_map_lookup_elem);
RK_HELPER(rk_helper_map_update_elem);
RK_HELPER(rk_helper_map_delete_elem);
RK_HELPER(rk_helper_ringbuf_output);
RK_HELPER(rk_helper_ringbuf_reserve);
RK_HELPER(rk_helper_ringbuf_submit);
RK_HELPER(rk_helper_ringbuf_discard);
RK_HELPER(rk_helper_ringbuf_query);
RK_HELPER(rk_helper_timeseries_push);
RK_HELPER(rk_helper_timeseries_window);
/* rk_helper_ringbuf_release_pending(): declared in vm_internal.h (the interpreters call it). */

/* helpers_format.c */
RK_HELPER(rk_helper_trace_printk);
RK_HELPER(rk_helper_snprintf);

/* helpers_host.c */
RK_HELPER(rk_helper_ktime_get_ns);
RK_HELPER(rk_helper_ktime_get_boot_ns);
RK_HELPER(rk_helper_get_prandom_u32);
RK_HELPER(rk_helper_get_smp_processor_id);
RK_HELPER(rk_helper_get_current_pid_tgid);
RK_HELPER(rk_helper_get_current_uid_gid);
RK_HELPER(rk_helper_get_current_comm);
RK_HELPER(rk_helper_probe_read_user);
RK_HELPER(rk_helper_probe_read_user_str);
RK_HELPER(rk_helper_perf_event_output);
RK_HELPER(rk_helper_emergency_stop);
RK_HELPER(rk_helper_sensor_last_timestamp);

/* helpers_device.c */
RK_HELPER(rk_helper_uio_read);
RK_HELPER(rk_helper_uio_write);

/* helpers_control.c */
RK_HELPER(rk_helper_tail_call);
RK_HELPER(rk_helper_loop);

#endif
