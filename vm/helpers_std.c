/*
 * helpers_std.c - the standard helper set: libbpf's helpers under their
 * kernel ids (<linux/bpf.h>, as bpf_helper_defs.h numbers them) and
 * rkBPF's robotics helpers (RK_HELPER_ROBOTICS_BASE, rkbpf.h), each with
 * the prototype the verifier checks calls against.
 *
 * The one thing to know before changing this file: a prototype is a
 * promise the helper relies on.  A helper writes through a
 * PTR_TO_UNINIT_MEM argument up to the size in the next argument and
 * reads through PTR_TO_MEM / PTR_TO_MAP_KEY / PTR_TO_MAP_VALUE without
 * checking further, so loosening a kind here makes the helper unsafe.
 * Deliberate departures from the kernel's prototypes are marked "rkBPF:".
 */
#include <linux/bpf.h>
#include <pthread.h>

#include "helpers_std.h"

#define ARGS(...) {__VA_ARGS__}
#define A(kind) RK_ARG_##kind

struct std_helper {
	uint32_t id;
	rk_helper_fn fn;
	struct rk_helper_proto proto;
};

static const struct std_helper std_helpers[] = {
	/* Maps */
	{BPF_FUNC_map_lookup_elem, rk_helper_map_lookup_elem,
	 {"bpf_map_lookup_elem", RK_RET_MAP_VALUE_OR_NULL,
	  ARGS(A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))}},
	{BPF_FUNC_map_update_elem, rk_helper_map_update_elem,
	 {"bpf_map_update_elem", RK_RET_SCALAR,
	  ARGS(A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(PTR_TO_MAP_VALUE), A(SCALAR))}},
	{BPF_FUNC_map_delete_elem, rk_helper_map_delete_elem,
	 {"bpf_map_delete_elem", RK_RET_SCALAR, ARGS(A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY))}},

	/* Time and randomness */
	{BPF_FUNC_ktime_get_ns, rk_helper_ktime_get_ns,
	 {"bpf_ktime_get_ns", RK_RET_SCALAR, ARGS(A(NONE))}},
	{BPF_FUNC_ktime_get_boot_ns, rk_helper_ktime_get_boot_ns,
	 {"bpf_ktime_get_boot_ns", RK_RET_SCALAR, ARGS(A(NONE))}},
	{BPF_FUNC_get_prandom_u32, rk_helper_get_prandom_u32,
	 {"bpf_get_prandom_u32", RK_RET_SCALAR, ARGS(A(NONE))}},

	/* Output.  trace_printk's three arguments are printed, never dereferenced
	 * except through a %s no-fault read. */
	{BPF_FUNC_trace_printk, rk_helper_trace_printk,
	 {"bpf_trace_printk", RK_RET_SCALAR,
	  ARGS(A(PTR_TO_MEM), A(CONST_SIZE), A(ANYTHING), A(ANYTHING), A(ANYTHING))}},
	{BPF_FUNC_perf_event_output, rk_helper_perf_event_output,
	 {"bpf_perf_event_output", RK_RET_SCALAR,
	  ARGS(A(PTR_TO_CTX), A(CONST_MAP_PTR), A(SCALAR), A(PTR_TO_MEM),
	       A(CONST_SIZE_OR_ZERO))}},
	/* fmt is a NUL-terminated string in read-only data, as in the kernel. */
	{BPF_FUNC_snprintf, rk_helper_snprintf,
	 {"bpf_snprintf", RK_RET_SCALAR,
	  ARGS(A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(PTR_TO_CONST_STR), A(PTR_TO_MEM),
	       A(CONST_SIZE_OR_ZERO))}},

	/* The current task (from rk_event_meta) */
	{BPF_FUNC_get_smp_processor_id, rk_helper_get_smp_processor_id,
	 {"bpf_get_smp_processor_id", RK_RET_SCALAR, ARGS(A(NONE))}},
	{BPF_FUNC_get_current_pid_tgid, rk_helper_get_current_pid_tgid,
	 {"bpf_get_current_pid_tgid", RK_RET_SCALAR, ARGS(A(NONE))}},
	{BPF_FUNC_get_current_uid_gid, rk_helper_get_current_uid_gid,
	 {"bpf_get_current_uid_gid", RK_RET_SCALAR, ARGS(A(NONE))}},
	{BPF_FUNC_get_current_comm, rk_helper_get_current_comm,
	 {"bpf_get_current_comm", RK_RET_SCALAR, ARGS(A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))}},

	/* The traced process's memory (rk_env.read_user) */
	{BPF_FUNC_probe_read_user, rk_helper_probe_read_user,
	 {"bpf_probe_read_user", RK_RET_SCALAR,
	  ARGS(A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))}},
	{BPF_FUNC_probe_read_user_str, rk_helper_probe_read_user_str,
	 {"bpf_probe_read_user_str", RK_RET_SCALAR,
	  ARGS(A(PTR_TO_UNINIT_MEM), A(CONST_SIZE_OR_ZERO), A(ANYTHING))}},

	/* Control flow.  rkBPF: tail_call returns a value (0 or -ENOENT) the
	 * program may read, where the kernel's prototype is RET_VOID. */
	{BPF_FUNC_tail_call, rk_helper_tail_call,
	 {"bpf_tail_call", RK_RET_SCALAR, ARGS(A(PTR_TO_CTX), A(CONST_MAP_PTR), A(SCALAR))}},
	{BPF_FUNC_loop, rk_helper_loop,
	 {"bpf_loop", RK_RET_SCALAR, ARGS(A(SCALAR), A(PTR_TO_FUNC), A(ANYTHING), A(SCALAR))}},

	/* Ring buffer */
	{BPF_FUNC_ringbuf_output, rk_helper_ringbuf_output,
	 {"bpf_ringbuf_output", RK_RET_SCALAR,
	  ARGS(A(CONST_MAP_PTR), A(PTR_TO_MEM), A(CONST_SIZE_OR_ZERO), A(SCALAR))}},
	/* The size is that of the record returned (a constant). */
	{BPF_FUNC_ringbuf_reserve, rk_helper_ringbuf_reserve,
	 {"bpf_ringbuf_reserve", RK_RET_MEM_OR_NULL,
	  ARGS(A(CONST_MAP_PTR), A(CONST_ALLOC_SIZE_OR_ZERO), A(SCALAR))}},
	{BPF_FUNC_ringbuf_submit, rk_helper_ringbuf_submit,
	 {"bpf_ringbuf_submit", RK_RET_VOID, ARGS(A(PTR_TO_RINGBUF_REC), A(SCALAR))}},
	{BPF_FUNC_ringbuf_discard, rk_helper_ringbuf_discard,
	 {"bpf_ringbuf_discard", RK_RET_VOID, ARGS(A(PTR_TO_RINGBUF_REC), A(SCALAR))}},
	{BPF_FUNC_ringbuf_query, rk_helper_ringbuf_query,
	 {"bpf_ringbuf_query", RK_RET_SCALAR, ARGS(A(CONST_MAP_PTR), A(SCALAR))}},

	/* rkBPF's robotics helpers (include/rkbpf/rkbpf_helpers.h).
	 * rk_timeseries_window takes out's size, so the verifier can check the write. */
	{RK_HELPER_EMERGENCY_STOP, rk_helper_emergency_stop,
	 {"rk_emergency_stop", RK_RET_SCALAR, ARGS(A(SCALAR))}},
	{RK_HELPER_TIMESERIES_PUSH, rk_helper_timeseries_push,
	 {"rk_timeseries_push", RK_RET_SCALAR,
	  ARGS(A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(SCALAR))}},
	{RK_HELPER_TIMESERIES_WINDOW, rk_helper_timeseries_window,
	 {"rk_timeseries_window", RK_RET_SCALAR,
	  ARGS(A(CONST_MAP_PTR), A(PTR_TO_MAP_KEY), A(SCALAR), A(PTR_TO_UNINIT_MEM),
	       A(CONST_SIZE))}},
	{RK_HELPER_SENSOR_LAST_TIMESTAMP, rk_helper_sensor_last_timestamp,
	 {"rk_sensor_last_timestamp", RK_RET_SCALAR, ARGS(A(SCALAR))}},
	/* The program's device registers (rk_env.device_io): dst written up to size. */
	{RK_HELPER_UIO_READ, rk_helper_uio_read,
	 {"rk_uio_read", RK_RET_SCALAR, ARGS(A(SCALAR), A(PTR_TO_UNINIT_MEM), A(CONST_SIZE))}},
	{RK_HELPER_UIO_WRITE, rk_helper_uio_write,
	 {"rk_uio_write", RK_RET_SCALAR, ARGS(A(SCALAR), A(PTR_TO_MEM), A(CONST_SIZE))}},
};

#define STD_HELPER_COUNT (sizeof(std_helpers) / sizeof(std_helpers[0]))

int rk_helpers_add_standard(struct rk_helpers *helpers, char *err, size_t err_len)
{
	if (!helpers)
		return rk_set_err(err, err_len, -EINVAL, "standard helpers: no registry");
	/* All or nothing for the likely failure: an id the host already took. */
	for (size_t i = 0; i < STD_HELPER_COUNT; i++) {
		const struct std_helper *helper = &std_helpers[i];
		const struct rk_helper_proto *taken = rk_helpers_proto(helpers, helper->id);
		if (taken)
			return rk_set_err(err, err_len, -EEXIST,
			                  "standard helper %u (%s): id already registered to %s",
			                  helper->id, helper->proto.name,
			                  taken->name ? taken->name : "(unnamed)");
	}
	for (size_t i = 0; i < STD_HELPER_COUNT; i++) {
		const struct std_helper *helper = &std_helpers[i];
		int rc = rk_helpers_register(helpers, helper->id, helper->fn, &helper->proto, err,
		                             err_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static struct rk_helpers *standard_helpers;
static pthread_once_t standard_once = PTHREAD_ONCE_INIT;

static void standard_build(void)
{
	struct rk_helpers *helpers = rk_helpers_new();
	if (helpers && rk_helpers_add_standard(helpers, NULL, 0) < 0) {
		rk_helpers_free(helpers);
		helpers = NULL;
	}
	standard_helpers = helpers;
}

const struct rk_helpers *rk_helpers_standard(void)
{
	pthread_once(&standard_once, standard_build);
	return standard_helpers;
}
