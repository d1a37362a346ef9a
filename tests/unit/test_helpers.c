/*
 * test_helpers.c - the standard and robotics helpers, called through the
 * registry (rk_helpers_fn(rk_helpers_standard(), id)) with a hand-made
 * struct rk_run and a host env that records every call: each helper's
 * result and every error it returns, the exact text of trace_printk and
 * snprintf (and the formats they refuse), the ring buffer through the map
 * API, the tail-call limit, bpf_loop against a fake call_subprog, and a
 * prototype for every id.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../tools/common/file_io.h"
#include "../../vm/helpers_std.h"
#include "../../vm/vm_internal.h"
#include "rkbpf.h"
#include "test_support.h"
/* After rkbpf.h: the ids must be identical definitions, or this fails to compile. */
#include "../../include/rkbpf/rkbpf_helpers.h"

_Static_assert(RK_MAP_TYPE_TIMESERIES == RK_MAP_TIMESERIES, "map type of rkbpf_helpers.h");

#define PTR(p) ((uint64_t)(uintptr_t)(p))
#define ERR(e) ((uint64_t)(int64_t)(e))

/* ------------------------------------------------------------------ */
/* A host that records what the helpers asked of it                   */
/* ------------------------------------------------------------------ */

#define FAKE_USER_BASE 0x7f0000000000ull /* page aligned */
#define MAX_LINES 8

struct test_host {
	/* print */
	char lines[MAX_LINES][1100];
	size_t line_lens[MAX_LINES];
	int line_count;
	const struct rk_prog *print_prog;
	/* perf_output */
	int perf_calls;
	uint64_t perf_flags;
	uint8_t perf_data[64];
	size_t perf_size;
	int perf_rc;
	/* read_user: fake user memory at FAKE_USER_BASE */
	const uint8_t *user_mem;
	size_t user_len;
	int read_calls;
	int read_rc;              /* forced error when non-zero */
	bool read_crossed_page;   /* a read spanned a 4 KiB boundary */
	/* emergency_stop */
	int estop_calls;
	uint64_t estop_mask;
	const struct rk_prog *estop_prog;
	int estop_rc;
	/* sensor_timestamp */
	uint32_t sensor_asked;
	uint64_t sensor_ts;
	int sensor_rc;
};

static void host_print(void *host, const struct rk_prog *prog, const char *line, size_t len)
{
	struct test_host *h = host;
	cr_assert_lt(h->line_count, MAX_LINES);
	cr_assert_lt(len, sizeof(h->lines[0]));
	memcpy(h->lines[h->line_count], line, len);
	h->lines[h->line_count][len] = '\0';
	h->line_lens[h->line_count] = len;
	h->line_count++;
	h->print_prog = prog;
}

static int host_perf_output(void *host, const struct rk_prog *prog, uint64_t flags,
                            const void *data, size_t size)
{
	struct test_host *h = host;
	(void)prog;
	h->perf_calls++;
	h->perf_flags = flags;
	h->perf_size = size;
	memcpy(h->perf_data, data, size < sizeof(h->perf_data) ? size : sizeof(h->perf_data));
	return h->perf_rc;
}

static int host_read_user(void *host, void *dst, size_t size, uint64_t user_addr)
{
	struct test_host *h = host;
	h->read_calls++;
	if (size && user_addr / 4096 != (user_addr + size - 1) / 4096)
		h->read_crossed_page = true;
	if (h->read_rc)
		return h->read_rc;
	if (user_addr < FAKE_USER_BASE || user_addr - FAKE_USER_BASE > h->user_len ||
	    size > h->user_len - (user_addr - FAKE_USER_BASE))
		return -EFAULT;
	memcpy(dst, h->user_mem + (user_addr - FAKE_USER_BASE), size);
	return 0;
}

static int host_emergency_stop(void *host, const struct rk_prog *prog, uint64_t mask)
{
	struct test_host *h = host;
	h->estop_calls++;
	h->estop_mask = mask;
	h->estop_prog = prog;
	return h->estop_rc;
}

static int host_sensor_timestamp(void *host, uint32_t sensor_id, uint64_t *timestamp_ns)
{
	struct test_host *h = host;
	h->sensor_asked = sensor_id;
	if (h->sensor_rc)
		return h->sensor_rc;
	*timestamp_ns = h->sensor_ts;
	return 0;
}

/* Everything a helper can reach, in one place. */
struct fixture {
	struct test_host host;
	struct rk_env env;
	struct rk_event_meta meta;
	struct rk_run_opts opts;
	struct rk_run run;
};

static struct fixture fx;

/* A run with env and meta (either may then be cleared by the test). */
static void fixture_reset(void)
{
	memset(&fx, 0, sizeof(fx));
	fx.env = (struct rk_env){
		.host = &fx.host,
		.print = host_print,
		.perf_output = host_perf_output,
		.read_user = host_read_user,
		.emergency_stop = host_emergency_stop,
		.sensor_timestamp = host_sensor_timestamp,
	};
	fx.meta = (struct rk_event_meta){
		.pid = 4242, .tgid = 4200, .uid = 1000, .gid = 100, .cpu = 3, .comm = "motor_ctrl"};
	fx.opts.env = &fx.env;
	fx.opts.meta = &fx.meta;
	fx.run.opts = &fx.opts;
	fx.run.prog = (const struct rk_prog *)(uintptr_t)0x1000; /* only compared */
}

static void no_env(void)
{
	fx.opts.env = NULL;
}

static void no_meta(void)
{
	fx.opts.meta = NULL;
}

static uint64_t call5(uint32_t id, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                      uint64_t r5)
{
	const struct rk_helpers *helpers = rk_helpers_standard();
	cr_assert_not_null(helpers);
	rk_helper_fn fn = rk_helpers_fn(helpers, id);
	cr_assert_not_null(fn, "no helper %u", id);
	return fn(r1, r2, r3, r4, r5, &fx.run);
}

#define CALL0(id) call5(id, 0, 0, 0, 0, 0)
#define CALL1(id, a) call5(id, a, 0, 0, 0, 0)
#define CALL2(id, a, b) call5(id, a, b, 0, 0, 0)
#define CALL3(id, a, b, c) call5(id, a, b, c, 0, 0)
#define CALL4(id, a, b, c, d) call5(id, a, b, c, d, 0)

TestSuite(helpers, .init = fixture_reset);

/* ------------------------------------------------------------------ */
/* The registry                                                       */
/* ------------------------------------------------------------------ */

static const struct {
	uint32_t id;
	const char *name;
} expected_helpers[] = {
	{1, "bpf_map_lookup_elem"},     {2, "bpf_map_update_elem"},
	{3, "bpf_map_delete_elem"},     {5, "bpf_ktime_get_ns"},
	{6, "bpf_trace_printk"},        {7, "bpf_get_prandom_u32"},
	{8, "bpf_get_smp_processor_id"}, {12, "bpf_tail_call"},
	{14, "bpf_get_current_pid_tgid"}, {15, "bpf_get_current_uid_gid"},
	{16, "bpf_get_current_comm"},   {25, "bpf_perf_event_output"},
	{112, "bpf_probe_read_user"},   {114, "bpf_probe_read_user_str"},
	{125, "bpf_ktime_get_boot_ns"}, {130, "bpf_ringbuf_output"},
	{131, "bpf_ringbuf_reserve"},   {132, "bpf_ringbuf_submit"},
	{133, "bpf_ringbuf_discard"},   {134, "bpf_ringbuf_query"},
	{165, "bpf_snprintf"},          {181, "bpf_loop"},
	{0x8000, "rk_emergency_stop"},  {0x8001, "rk_timeseries_push"},
	{0x8002, "rk_timeseries_window"}, {0x8003, "rk_sensor_last_timestamp"},
	{0x8004, "rk_uio_read"},        {0x8005, "rk_uio_write"},
};
#define EXPECTED_COUNT (sizeof(expected_helpers) / sizeof(expected_helpers[0]))

Test(helpers, every_id_has_a_function_and_a_prototype)
{
	const struct rk_helpers *helpers = rk_helpers_standard();
	cr_assert_not_null(helpers);
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		uint32_t id = expected_helpers[i].id;
		cr_assert_not_null(rk_helpers_fn(helpers, id), "helper %u", id);
		const struct rk_helper_proto *proto = rk_helpers_proto(helpers, id);
		cr_assert_not_null(proto, "helper %u", id);
		cr_assert_str_eq(proto->name, expected_helpers[i].name);
	}
	/* The ids of <linux/bpf.h> and rkbpf.h. */
	cr_assert_eq(BPF_FUNC_loop, 181);
	cr_assert_eq(BPF_FUNC_snprintf, 165);
	cr_assert_eq(BPF_FUNC_ktime_get_boot_ns, 125);
	cr_assert_eq(RK_HELPER_EMERGENCY_STOP, RK_HELPER_ROBOTICS_BASE);
	cr_assert_lt(RK_HELPER_ROBOTICS_END, RK_HELPER_ID_MAX);
	/* Nothing else (e.g. the conformance suite's helper 5 semantics) sneaks in. */
	cr_assert_null(rk_helpers_fn(helpers, 4));
	cr_assert_null(rk_helpers_fn(helpers, 0x8006));
}

static bool is_mem(enum rk_arg_kind kind)
{
	return kind == RK_ARG_PTR_TO_MEM || kind == RK_ARG_PTR_TO_UNINIT_MEM;
}

static bool is_size(enum rk_arg_kind kind)
{
	return kind == RK_ARG_CONST_SIZE || kind == RK_ARG_CONST_SIZE_OR_ZERO;
}

Test(helpers, prototypes_pair_every_memory_argument_with_a_size)
{
	const struct rk_helpers *helpers = rk_helpers_standard();
	for (size_t i = 0; i < EXPECTED_COUNT; i++) {
		const struct rk_helper_proto *proto = rk_helpers_proto(helpers, expected_helpers[i].id);
		bool ended = false;
		for (int a = 0; a < RK_HELPER_MAX_ARGS; a++) {
			enum rk_arg_kind kind = proto->args[a];
			if (kind == RK_ARG_NONE) {
				ended = true;
				continue;
			}
			cr_assert(!ended, "%s: argument %d after an unused one", proto->name, a + 1);
			if (is_mem(kind))
				cr_assert(a + 1 < RK_HELPER_MAX_ARGS && is_size(proto->args[a + 1]),
				          "%s: argument %d has no size after it", proto->name, a + 1);
			/* ringbuf_reserve's size is an allocation's (the kernel's
			 * ARG_CONST_ALLOC_SIZE_OR_ZERO), not a memory argument's. */
			bool alloc_size = expected_helpers[i].id == BPF_FUNC_ringbuf_reserve && a == 1;
			if (is_size(kind) && !alloc_size)
				cr_assert(a > 0 && is_mem(proto->args[a - 1]),
				          "%s: size argument %d follows no memory", proto->name, a + 1);
			if (kind == RK_ARG_PTR_TO_MAP_KEY || kind == RK_ARG_PTR_TO_MAP_VALUE)
				cr_assert_eq(proto->args[0], RK_ARG_CONST_MAP_PTR, "%s", proto->name);
		}
	}
}

Test(helpers, prototypes_of_the_main_helpers)
{
	const struct rk_helpers *helpers = rk_helpers_standard();
	const struct rk_helper_proto *p;

	p = rk_helpers_proto(helpers, BPF_FUNC_map_lookup_elem);
	cr_assert_eq(p->ret, RK_RET_MAP_VALUE_OR_NULL);
	cr_assert_eq(p->args[0], RK_ARG_CONST_MAP_PTR);
	cr_assert_eq(p->args[1], RK_ARG_PTR_TO_MAP_KEY);
	cr_assert_eq(p->args[2], RK_ARG_NONE);

	p = rk_helpers_proto(helpers, BPF_FUNC_map_update_elem);
	cr_assert_eq(p->ret, RK_RET_SCALAR);
	cr_assert_eq(p->args[2], RK_ARG_PTR_TO_MAP_VALUE);
	cr_assert_eq(p->args[3], RK_ARG_SCALAR);

	p = rk_helpers_proto(helpers, BPF_FUNC_ringbuf_reserve);
	cr_assert_eq(p->ret, RK_RET_MEM_OR_NULL);
	cr_assert_eq(p->args[0], RK_ARG_CONST_MAP_PTR);
	cr_assert_eq(p->args[1], RK_ARG_CONST_ALLOC_SIZE_OR_ZERO);
	cr_assert_eq(p->args[2], RK_ARG_SCALAR);

	p = rk_helpers_proto(helpers, BPF_FUNC_ringbuf_submit);
	cr_assert_eq(p->ret, RK_RET_VOID);
	cr_assert_eq(p->args[0], RK_ARG_PTR_TO_RINGBUF_REC);
	p = rk_helpers_proto(helpers, BPF_FUNC_ringbuf_discard);
	cr_assert_eq(p->ret, RK_RET_VOID);
	cr_assert_eq(p->args[0], RK_ARG_PTR_TO_RINGBUF_REC);

	p = rk_helpers_proto(helpers, BPF_FUNC_probe_read_user);
	cr_assert_eq(p->args[0], RK_ARG_PTR_TO_UNINIT_MEM);
	cr_assert_eq(p->args[1], RK_ARG_CONST_SIZE_OR_ZERO);
	cr_assert_eq(p->args[2], RK_ARG_ANYTHING);

	p = rk_helpers_proto(helpers, BPF_FUNC_trace_printk);
	cr_assert_eq(p->args[0], RK_ARG_PTR_TO_MEM);
	cr_assert_eq(p->args[1], RK_ARG_CONST_SIZE);
	cr_assert_eq(p->args[4], RK_ARG_ANYTHING);

	p = rk_helpers_proto(helpers, BPF_FUNC_loop);
	cr_assert_eq(p->args[0], RK_ARG_SCALAR);
	cr_assert_eq(p->args[1], RK_ARG_PTR_TO_FUNC);
	cr_assert_eq(p->args[2], RK_ARG_ANYTHING);
	cr_assert_eq(p->args[3], RK_ARG_SCALAR);

	p = rk_helpers_proto(helpers, BPF_FUNC_tail_call);
	cr_assert_eq(p->args[0], RK_ARG_PTR_TO_CTX);
	cr_assert_eq(p->args[1], RK_ARG_CONST_MAP_PTR);

	p = rk_helpers_proto(helpers, RK_HELPER_TIMESERIES_WINDOW);
	cr_assert_eq(p->args[3], RK_ARG_PTR_TO_UNINIT_MEM);
	cr_assert_eq(p->args[4], RK_ARG_CONST_SIZE);
}

static void *get_standard(void *arg)
{
	(void)arg;
	return (void *)rk_helpers_standard();
}

Test(helpers, standard_set_is_built_once_across_threads)
{
	pthread_t threads[8];
	void *got[8];
	for (int i = 0; i < 8; i++)
		cr_assert_eq(pthread_create(&threads[i], NULL, get_standard, NULL), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(pthread_join(threads[i], &got[i]), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(got[i], (void *)rk_helpers_standard());
}

static uint64_t host_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct rk_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return 77;
}

Test(helpers, add_standard_next_to_host_helpers)
{
	static const struct rk_helper_proto proto = {.name = "host_thing"};
	char err[RK_ERR_LEN] = "";
	struct rk_helpers *helpers = rk_helpers_new();
	cr_assert_eq(rk_helpers_register(helpers, 0x9000, host_helper, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_add_standard(helpers, err, sizeof(err)), 0, "%s", err);
	cr_assert_not_null(rk_helpers_fn(helpers, BPF_FUNC_map_lookup_elem));
	cr_assert_not_null(rk_helpers_fn(helpers, RK_HELPER_SENSOR_LAST_TIMESTAMP));
	cr_assert_eq(rk_helpers_fn(helpers, 0x9000), host_helper);
	/* Twice: every id is taken now. */
	cr_assert_eq(rk_helpers_add_standard(helpers, err, sizeof(err)), -EEXIST);
	rk_helpers_free(helpers);
}

Test(helpers, add_standard_refuses_a_taken_id_and_registers_nothing)
{
	static const struct rk_helper_proto proto = {.name = "conformance_unwind"};
	char err[RK_ERR_LEN] = "";
	struct rk_helpers *helpers = rk_helpers_new();
	cr_assert_eq(rk_helpers_register(helpers, 5, host_helper, &proto, NULL, 0), 0);
	cr_assert_eq(rk_helpers_add_standard(helpers, err, sizeof(err)), -EEXIST);
	cr_assert_str_eq(err, "standard helper 5 (bpf_ktime_get_ns): id already registered to "
	                      "conformance_unwind");
	cr_assert_null(rk_helpers_fn(helpers, BPF_FUNC_map_lookup_elem));
	cr_assert_eq(rk_helpers_add_standard(NULL, err, sizeof(err)), -EINVAL);
	rk_helpers_free(helpers);
}

Test(helpers, programs_resolve_calls_against_the_standard_set)
{
	/* r0 = bpf_ktime_get_ns() != 0 */
	struct rk_prog *prog =
		test_prog_from_asm("call 5\nmov %r1, 0\njeq %r0, 0, +1\nmov %r1, 1\nmov %r0, %r1\nexit\n",
	                           rk_helpers_standard());
	struct rk_run_result result;
	cr_assert_eq(rk_prog_run(prog, NULL, 0, NULL, &result), 0, "%s", result.message);
	cr_assert_eq(result.retval, 1);
	rk_prog_free(prog);
}

/* ------------------------------------------------------------------ */
/* Maps                                                               */
/* ------------------------------------------------------------------ */

static struct rk_map *new_map(uint32_t type, uint32_t key_size, uint32_t value_size,
                              uint32_t max_entries, uint32_t ts_capacity)
{
	struct rk_map_def def;
	memset(&def, 0, sizeof(def));
	snprintf(def.name, sizeof(def.name), "m%u", type);
	def.type = type;
	def.key_size = key_size;
	def.value_size = value_size;
	def.max_entries = max_entries;
	def.ts_capacity = ts_capacity;
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = NULL;
	cr_assert_eq(rk_map_new(&def, NULL, &map, err, sizeof(err)), 0, "%s", err);
	return map;
}

Test(helpers, map_lookup_update_delete)
{
	struct rk_map *map = new_map(RK_MAP_HASH, 4, 8, 4, 0);
	uint32_t key = 7;
	uint64_t value = 0x1122334455667788ull;

	cr_assert_eq(CALL2(BPF_FUNC_map_lookup_elem, PTR(map), PTR(&key)), 0);
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(map), PTR(&key), PTR(&value), BPF_ANY), 0);
	uint64_t *found = (uint64_t *)(uintptr_t)CALL2(BPF_FUNC_map_lookup_elem, PTR(map), PTR(&key));
	cr_assert_not_null(found);
	cr_assert_eq(*found, value);
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(map), PTR(&key), PTR(&value), BPF_NOEXIST),
	             ERR(-EEXIST));
	uint32_t other = 8;
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(map), PTR(&other), PTR(&value), BPF_EXIST),
	             ERR(-ENOENT));
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(map), PTR(&key), PTR(&value), 99),
	             ERR(-EINVAL));
	cr_assert_eq(CALL2(BPF_FUNC_map_delete_elem, PTR(map), PTR(&key)), 0);
	cr_assert_eq(CALL2(BPF_FUNC_map_delete_elem, PTR(map), PTR(&key)), ERR(-ENOENT));
	cr_assert_eq(CALL2(BPF_FUNC_map_lookup_elem, PTR(map), PTR(&key)), 0);
	rk_map_free(map);
}

Test(helpers, map_helpers_refuse_null_and_non_data_maps)
{
	uint32_t key = 0, value = 0;
	cr_assert_eq(CALL2(BPF_FUNC_map_lookup_elem, 0, PTR(&key)), 0);
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, 0, PTR(&key), PTR(&value), 0), ERR(-EINVAL));
	cr_assert_eq(CALL2(BPF_FUNC_map_delete_elem, 0, PTR(&key)), ERR(-EINVAL));

	struct rk_map *progs = new_map(RK_MAP_PROG_ARRAY, 4, 4, 4, 0);
	struct rk_prog *prog = test_prog_from_asm("mov %r0, 0\nexit\n", NULL);
	cr_assert_eq(rk_prog_array_set(progs, 0, prog), 0);
	/* A program never sees a struct rk_prog pointer. */
	cr_assert_eq(CALL2(BPF_FUNC_map_lookup_elem, PTR(progs), PTR(&key)), 0);
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(progs), PTR(&key), PTR(&value), 0),
	             ERR(-EINVAL));
	cr_assert_eq(CALL2(BPF_FUNC_map_delete_elem, PTR(progs), PTR(&key)), ERR(-EINVAL));
	cr_assert_eq(rk_prog_array_get(progs, 0), prog);

	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);
	cr_assert_eq(CALL2(BPF_FUNC_map_lookup_elem, PTR(ring), PTR(&key)), 0);
	cr_assert_eq(CALL4(BPF_FUNC_map_update_elem, PTR(ring), PTR(&key), PTR(&value), 0),
	             ERR(-EINVAL));
	rk_map_free(ring);
	rk_map_free(progs);
	rk_prog_free(prog);
}

/* ------------------------------------------------------------------ */
/* Ring buffer                                                        */
/* ------------------------------------------------------------------ */

struct consumed {
	int count;
	size_t sizes[8];
	uint8_t data[8][64];
};

static int consume_record(void *fn_ctx, const void *data, size_t size)
{
	struct consumed *c = fn_ctx;
	cr_assert_lt(c->count, 8);
	c->sizes[c->count] = size;
	memcpy(c->data[c->count], data, size < 64 ? size : 64);
	c->count++;
	return 0;
}

Test(helpers, ringbuf_reserve_submit_discard_output_query)
{
	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);

	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_query, PTR(ring), BPF_RB_RING_SIZE), 4096);
	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_query, PTR(ring), BPF_RB_AVAIL_DATA), 0);

	uint8_t *kept = (uint8_t *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 12, 0);
	cr_assert_not_null(kept);
	uint8_t *dropped = (uint8_t *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 4, 0);
	cr_assert_not_null(dropped);
	memcpy(kept, "hello, robot", 12);
	memcpy(dropped, "nope", 4);
	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_discard, PTR(dropped), 0), 0);
	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_submit, PTR(kept), BPF_RB_NO_WAKEUP), 0);
	cr_assert_not(fx.run.aborted);
	uint32_t word = 0xfeedbeef;
	cr_assert_eq(CALL4(BPF_FUNC_ringbuf_output, PTR(ring), PTR(&word), sizeof(word), 0), 0);
	/* Header (8) + data, 8-byte aligned: 24 + 16 + 16, the discarded one included. */
	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_query, PTR(ring), BPF_RB_AVAIL_DATA), 56);

	struct consumed c = {0};
	cr_assert_eq(rk_ringbuf_consume(ring, consume_record, &c), 2);
	cr_assert_eq(c.sizes[0], 12);
	cr_assert_eq(memcmp(c.data[0], "hello, robot", 12), 0);
	cr_assert_eq(c.sizes[1], 4);
	cr_assert_eq(memcmp(c.data[1], &word, 4), 0);
	rk_map_free(ring);
}

Test(helpers, ringbuf_errors)
{
	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);
	struct rk_map *hash = new_map(RK_MAP_HASH, 4, 4, 4, 0);
	uint64_t data = 1;

	/* Not a ring buffer. */
	cr_assert_eq(CALL3(BPF_FUNC_ringbuf_reserve, PTR(hash), 8, 0), 0);
	cr_assert_eq(CALL3(BPF_FUNC_ringbuf_reserve, 0, 8, 0), 0);
	cr_assert_eq(CALL4(BPF_FUNC_ringbuf_output, PTR(hash), PTR(&data), 8, 0), ERR(-EINVAL));
	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_query, PTR(hash), BPF_RB_RING_SIZE), 0);
	/* reserve takes no flags; output only the wakeup ones. */
	cr_assert_eq(CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 1), 0);
	cr_assert_eq(CALL4(BPF_FUNC_ringbuf_output, PTR(ring), PTR(&data), 8, 4), ERR(-EINVAL));
	cr_assert_eq(CALL4(BPF_FUNC_ringbuf_output, PTR(ring), 0, 8, 0), ERR(-EINVAL));
	/* Full. */
	cr_assert_eq(CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8192, 0), 0);
	cr_assert_eq(CALL4(BPF_FUNC_ringbuf_output, PTR(ring), PTR(&data), 4090, 0), ERR(-EAGAIN));
	cr_assert_eq(rk_ringbuf_dropped(ring), 2);
	rk_map_free(hash);
	rk_map_free(ring);
}

Test(helpers, ringbuf_submit_of_a_record_not_reserved_stops_the_run)
{
	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);
	uint64_t not_a_record[2] = {0};

	cr_assert_eq(CALL2(BPF_FUNC_ringbuf_submit, PTR(&not_a_record[1]), 0), 0);
	cr_assert(fx.run.aborted);
	cr_assert_eq(fx.run.abort_retval, ERR(-EINVAL));

	/* Submitting twice: the second one is unknown. */
	fixture_reset();
	void *record = (void *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 0);
	cr_assert_not_null(record);
	CALL2(BPF_FUNC_ringbuf_submit, PTR(record), 0);
	cr_assert_not(fx.run.aborted);
	CALL2(BPF_FUNC_ringbuf_discard, PTR(record), 0);
	cr_assert(fx.run.aborted);

	/* A record of another run. */
	fixture_reset();
	record = (void *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 0);
	struct rk_run other = fx.run;
	rk_helper_fn submit = rk_helpers_fn(rk_helpers_standard(), BPF_FUNC_ringbuf_submit);
	submit(PTR(record), 0, 0, 0, 0, &other);
	cr_assert(other.aborted);
	CALL2(BPF_FUNC_ringbuf_submit, PTR(record), 0);
	cr_assert_not(fx.run.aborted);
	rk_map_free(ring);
}

Test(helpers, ringbuf_records_of_a_stopped_run_are_discarded_at_its_end)
{
	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);
	void *first = (void *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 0);
	void *second = (void *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 0);
	cr_assert(first && second);
	CALL2(BPF_FUNC_ringbuf_submit, PTR(second), 0);
	/* first is still busy: the consumer waits for it. */
	struct consumed c = {0};
	cr_assert_eq(rk_ringbuf_consume(ring, consume_record, &c), 0);
	/* The run stopped early; the interpreter releases what it held. */
	struct rk_run other = fx.run;
	rk_helper_ringbuf_release_pending(&other); /* not that run's records */
	cr_assert_eq(rk_ringbuf_consume(ring, consume_record, &c), 0);
	rk_helper_ringbuf_release_pending(&fx.run);
	cr_assert_eq(rk_ringbuf_consume(ring, consume_record, &c), 1);
	cr_assert_eq(rk_ringbuf_query(ring, BPF_RB_AVAIL_DATA), 0);
	/* Released means forgotten: a late submit is refused. */
	CALL2(BPF_FUNC_ringbuf_submit, PTR(first), 0);
	cr_assert(fx.run.aborted);
	rk_map_free(ring);
}

Test(helpers, ringbuf_many_pending_records)
{
	/* More records held at once than the helpers' table: the oldest are forgotten. */
	struct rk_map *ring = new_map(RK_MAP_RINGBUF, 0, 0, 4096, 0);
	void *records[70];
	for (int i = 0; i < 70; i++) {
		records[i] = (void *)(uintptr_t)CALL3(BPF_FUNC_ringbuf_reserve, PTR(ring), 8, 0);
		cr_assert_not_null(records[i]);
	}
	for (int i = 69; i >= 6; i--) {
		CALL2(BPF_FUNC_ringbuf_submit, PTR(records[i]), 0);
		cr_assert_not(fx.run.aborted, "record %d", i);
	}
	CALL2(BPF_FUNC_ringbuf_submit, PTR(records[0]), 0);
	cr_assert(fx.run.aborted);
	rk_map_free(ring);
}

/* ------------------------------------------------------------------ */
/* Time series                                                        */
/* ------------------------------------------------------------------ */

Test(helpers, timeseries_push_and_window)
{
	struct rk_map *ts = new_map(RK_MAP_TIMESERIES, 4, 8, 4, 8);
	uint32_t motor = 1;
	uint64_t before = rk_helper_monotonic_ns();
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&motor), 4100), 0);
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&motor), ERR(-300)), 0);
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&motor), 5000), 0);

	struct rk_ts_window w;
	memset(&w, 0xff, sizeof(w));
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&motor), 1000000000ull, PTR(&w),
	                   sizeof(w)),
	             0);
	cr_assert_eq(w.count, 3);
	cr_assert_eq(w.min, -300);
	cr_assert_eq(w.max, 5000);
	cr_assert_eq(w.mean, 2933); /* 8800 / 3, toward zero */
	/* The samples carry CLOCK_MONOTONIC stamps: a window that ends before them is empty. */
	cr_assert_eq(rk_timeseries_window(ts, &motor, before - 1, 1000000000ull, &w), 0);
	cr_assert_eq(w.count, 0);
	/* The latest sample, through lookup. */
	int64_t *latest =
		(int64_t *)(uintptr_t)CALL2(BPF_FUNC_map_lookup_elem, PTR(ts), PTR(&motor));
	cr_assert_not_null(latest);
	cr_assert_eq(*latest, 5000);
	rk_map_free(ts);
}

Test(helpers, timeseries_window_sizes_and_errors)
{
	struct rk_map *ts = new_map(RK_MAP_TIMESERIES, 4, 8, 4, 8);
	struct rk_map *hash = new_map(RK_MAP_HASH, 4, 8, 4, 0);
	uint32_t motor = 0, unknown = 9;
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&motor), 42), 0);

	/* A shorter struct receives its leading fields; a longer one is zero-padded. */
	uint64_t small[1] = {99};
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&motor), 1000000000ull,
	                   PTR(small), sizeof(small)),
	             0);
	cr_assert_eq(small[0], 1);
	uint64_t big[6];
	memset(big, 0xff, sizeof(big));
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&motor), 1000000000ull,
	                   PTR(big), sizeof(big)),
	             0);
	cr_assert_eq(big[0], 1);
	cr_assert_eq(big[1], 42);
	cr_assert_eq(big[3], 42);
	cr_assert_eq(big[4], 0);
	cr_assert_eq(big[5], 0);

	uint8_t odd[12];
	memset(odd, 0xff, sizeof(odd));
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&motor), 1, PTR(odd), 12),
	             ERR(-EINVAL));
	for (size_t i = 0; i < sizeof(odd); i++)
		cr_assert_eq(odd[i], 0, "refused, but every byte of out is written");
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&motor), 1, PTR(odd), 0),
	             ERR(-EINVAL));

	struct rk_ts_window w;
	memset(&w, 0xff, sizeof(w));
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(ts), PTR(&unknown), 1000, PTR(&w),
	                   sizeof(w)),
	             ERR(-ENOENT));
	cr_assert_eq(w.count, 0);
	cr_assert_eq(w.min, 0);
	memset(&w, 0xff, sizeof(w));
	cr_assert_eq(call5(RK_HELPER_TIMESERIES_WINDOW, PTR(hash), PTR(&motor), 1000, PTR(&w),
	                   sizeof(w)),
	             ERR(-EINVAL));
	cr_assert_eq(w.max, 0);
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(hash), PTR(&motor), 1), ERR(-EINVAL));
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, 0, PTR(&motor), 1), ERR(-EINVAL));

	/* max_entries keys: a fifth is refused. */
	for (uint32_t key = 1; key < 4; key++)
		cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&key), 1), 0);
	cr_assert_eq(CALL3(RK_HELPER_TIMESERIES_PUSH, PTR(ts), PTR(&unknown), 1), ERR(-E2BIG));
	rk_map_free(hash);
	rk_map_free(ts);
}

/* ------------------------------------------------------------------ */
/* Time, randomness, the current task                                 */
/* ------------------------------------------------------------------ */

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

Test(helpers, ktime_is_monotonic_and_boottime)
{
	uint64_t before = now_ns(CLOCK_MONOTONIC);
	uint64_t mono = CALL0(BPF_FUNC_ktime_get_ns);
	uint64_t mono2 = CALL0(BPF_FUNC_ktime_get_ns);
	uint64_t after = now_ns(CLOCK_MONOTONIC);
	cr_assert(before <= mono && mono <= mono2 && mono2 <= after);

	uint64_t boot_before = now_ns(CLOCK_BOOTTIME);
	uint64_t boot = CALL0(BPF_FUNC_ktime_get_boot_ns);
	uint64_t boot_after = now_ns(CLOCK_BOOTTIME);
	cr_assert(boot_before <= boot && boot <= boot_after);
}

Test(helpers, prandom_looks_uniform)
{
	enum { SAMPLES = 1 << 17, BUCKETS = 16 };
	unsigned bit_counts[32] = {0}, buckets[BUCKETS] = {0};
	uint32_t previous = 0;
	unsigned repeats = 0;
	for (int i = 0; i < SAMPLES; i++) {
		uint64_t r = CALL0(BPF_FUNC_get_prandom_u32);
		cr_assert_leq(r, UINT32_MAX);
		uint32_t v = (uint32_t)r;
		for (int b = 0; b < 32; b++)
			bit_counts[b] += (v >> b) & 1;
		buckets[v >> 28]++;
		repeats += v == previous;
		previous = v;
	}
	/* Every bit is set about half the time (6 sigma is 1086). */
	for (int b = 0; b < 32; b++)
		cr_assert(bit_counts[b] > SAMPLES / 2 - 1100 && bit_counts[b] < SAMPLES / 2 + 1100,
		          "bit %d set %u times", b, bit_counts[b]);
	/* Chi-square over 16 buckets, 15 degrees of freedom: 50 is p < 1e-5. */
	double expected = SAMPLES / (double)BUCKETS, chi2 = 0;
	for (int k = 0; k < BUCKETS; k++)
		chi2 += (buckets[k] - expected) * (buckets[k] - expected) / expected;
	cr_assert_lt(chi2, 50.0, "chi-square %f", chi2);
	cr_assert_lt(repeats, 3);
}

Test(helpers, task_identity_from_meta)
{
	cr_assert_eq(CALL0(BPF_FUNC_get_smp_processor_id), 3);
	cr_assert_eq(CALL0(BPF_FUNC_get_current_pid_tgid), (4200ull << 32) | 4242);
	cr_assert_eq(CALL0(BPF_FUNC_get_current_uid_gid), (100ull << 32) | 1000);
	no_meta();
	cr_assert_eq(CALL0(BPF_FUNC_get_smp_processor_id), 0);
	cr_assert_eq(CALL0(BPF_FUNC_get_current_pid_tgid), ERR(-EINVAL));
	cr_assert_eq(CALL0(BPF_FUNC_get_current_uid_gid), ERR(-EINVAL));
	/* A run without opts (a hand-made one) is the same as no meta. */
	fx.run.opts = NULL;
	cr_assert_eq(CALL0(BPF_FUNC_get_current_pid_tgid), ERR(-EINVAL));
}

Test(helpers, current_comm)
{
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(CALL2(BPF_FUNC_get_current_comm, PTR(buf), sizeof(buf)), 0);
	cr_assert_str_eq(buf, "motor_ctrl");
	for (size_t i = strlen("motor_ctrl"); i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0, "byte %zu", i);

	/* Truncated to the buffer, always terminated; nothing written past size. */
	char small[8];
	memset(small, 'x', sizeof(small));
	cr_assert_eq(CALL2(BPF_FUNC_get_current_comm, PTR(small), 4), 0);
	cr_assert_str_eq(small, "mot");
	cr_assert_eq(small[4], 'x');

	/* A comm of all 16 bytes, no NUL (the kernel's is 15 + NUL; hosts may not be). */
	memcpy(fx.meta.comm, "0123456789abcdef", 16);
	char wide[32];
	memset(wide, 'x', sizeof(wide));
	cr_assert_eq(CALL2(BPF_FUNC_get_current_comm, PTR(wide), sizeof(wide)), 0);
	cr_assert_str_eq(wide, "0123456789abcdef");
	cr_assert_eq(wide[31], 0);

	memset(buf, 'x', sizeof(buf));
	no_meta();
	cr_assert_eq(CALL2(BPF_FUNC_get_current_comm, PTR(buf), sizeof(buf)), ERR(-EINVAL));
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(CALL2(BPF_FUNC_get_current_comm, PTR(buf), 0), ERR(-EINVAL));
}

/* ------------------------------------------------------------------ */
/* User memory                                                        */
/* ------------------------------------------------------------------ */

Test(helpers, probe_read_user)
{
	static const uint8_t user[16] = "robot state 123";
	fx.host.user_mem = user;
	fx.host.user_len = sizeof(user);
	uint8_t dst[8];
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user, PTR(dst), 5, FAKE_USER_BASE + 6), 0);
	cr_assert_eq(memcmp(dst, "state", 5), 0);

	/* A fault zero-fills dst. */
	memset(dst, 0xaa, sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user, PTR(dst), 8, FAKE_USER_BASE + 12),
	             ERR(-EFAULT));
	for (size_t i = 0; i < sizeof(dst); i++)
		cr_assert_eq(dst[i], 0);

	/* The host's own error passes through. */
	fx.host.read_rc = -EIO;
	memset(dst, 0xaa, sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user, PTR(dst), 4, FAKE_USER_BASE), ERR(-EIO));
	cr_assert_eq(dst[0], 0);
	cr_assert_eq(dst[4], 0xaa, "nothing past size");

	/* Size 0: nothing asked of the host. */
	int calls = fx.host.read_calls;
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user, PTR(dst), 0, FAKE_USER_BASE), 0);
	cr_assert_eq(fx.host.read_calls, calls);

	/* A host that reads no user memory: a fault. */
	no_env();
	memset(dst, 0xaa, sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user, PTR(dst), 8, FAKE_USER_BASE), ERR(-EFAULT));
	cr_assert_eq(dst[7], 0);
}

/* Fake user memory: two pages, the second from offset 4096. */
static uint8_t user_pages[8192];

Test(helpers, probe_read_user_str)
{
	fx.host.user_mem = user_pages;
	fx.host.user_len = sizeof(user_pages);
	memcpy(user_pages, "hello", 6);

	char dst[16];
	memset(dst, 'x', sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), sizeof(dst), FAKE_USER_BASE), 6);
	cr_assert_str_eq(dst, "hello");
	for (size_t i = 6; i < sizeof(dst); i++)
		cr_assert_eq(dst[i], 0, "the rest is zeroed");

	/* Truncated: size - 1 bytes and the NUL; the size is the length returned. */
	memset(dst, 'x', sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), 4, FAKE_USER_BASE), 4);
	cr_assert_str_eq(dst, "hel");
	cr_assert_eq(dst[4], 'x');
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), 1, FAKE_USER_BASE), 1);
	cr_assert_eq(dst[0], 0);
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), 0, FAKE_USER_BASE), 0);

	/* Across a page boundary: every read stays within one page. */
	memcpy(user_pages + 4090, "boundary!", 10);
	memset(dst, 'x', sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), sizeof(dst), FAKE_USER_BASE + 4090),
	             10);
	cr_assert_str_eq(dst, "boundary!");
	cr_assert_not(fx.host.read_crossed_page);

	/* A string that ends right before an unreadable page is read without touching it. */
	fx.host.user_len = 4096;
	memcpy(user_pages + 4090, "edge!", 6);
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), sizeof(dst), FAKE_USER_BASE + 4090),
	             6);
	cr_assert_str_eq(dst, "edge!");

	/* One that runs into it faults, and dst is zeroed. */
	memcpy(user_pages + 4090, "edge!!", 6);
	memset(dst, 'x', sizeof(dst));
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), sizeof(dst), FAKE_USER_BASE + 4090),
	             ERR(-EFAULT));
	for (size_t i = 0; i < sizeof(dst); i++)
		cr_assert_eq(dst[i], 0);
	cr_assert_not(fx.host.read_crossed_page);
}

Test(helpers, probe_read_user_str_long_string)
{
	fx.host.user_mem = user_pages;
	fx.host.user_len = sizeof(user_pages);
	memset(user_pages, 'a', 3000);
	user_pages[3000] = '\0';
	static char dst[4000];
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), sizeof(dst), FAKE_USER_BASE + 100),
	             2901);
	cr_assert_eq(strlen(dst), 2900);
	/* Unterminated within size: truncated, terminated. */
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), 1000, FAKE_USER_BASE), 1000);
	cr_assert_eq(strlen(dst), 999);
	no_env();
	cr_assert_eq(CALL3(BPF_FUNC_probe_read_user_str, PTR(dst), 10, FAKE_USER_BASE), ERR(-EFAULT));
	cr_assert_eq(dst[0], 0);
}

/* ------------------------------------------------------------------ */
/* perf_event_output                                                  */
/* ------------------------------------------------------------------ */

Test(helpers, perf_event_output)
{
	struct rk_map *events = new_map(RK_MAP_PERF_EVENT_ARRAY, 4, 4, 4, 0);
	struct rk_map *hash = new_map(RK_MAP_HASH, 4, 4, 4, 0);
	uint8_t record[12] = "motor stall";

	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), BPF_F_CURRENT_CPU,
	                   PTR(record), sizeof(record)),
	             0);
	cr_assert_eq(fx.host.perf_calls, 1);
	cr_assert_eq(fx.host.perf_flags, BPF_F_CURRENT_CPU);
	cr_assert_eq(fx.host.perf_size, sizeof(record));
	cr_assert_eq(memcmp(fx.host.perf_data, record, sizeof(record)), 0);

	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), 2, PTR(record), 4), 0);
	cr_assert_eq(fx.host.perf_flags, 2);
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), 4, PTR(record), 4),
	             ERR(-E2BIG));
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), 1ull << 32, PTR(record), 4),
	             ERR(-EINVAL));
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(hash), 0, PTR(record), 4),
	             ERR(-EINVAL));
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, 0, 0, PTR(record), 4), ERR(-EINVAL));
	cr_assert_eq(fx.host.perf_calls, 2);

	fx.host.perf_rc = -ENOSPC;
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), 0, PTR(record), 4),
	             ERR(-ENOSPC));
	/* No sink: dropped, and the program is told it went fine. */
	no_env();
	cr_assert_eq(call5(BPF_FUNC_perf_event_output, 0, PTR(events), 0, PTR(record), 4), 0);
	rk_map_free(hash);
	rk_map_free(events);
}

/* ------------------------------------------------------------------ */
/* trace_printk                                                       */
/* ------------------------------------------------------------------ */

/* trace_printk with fmt's size including its NUL; returns r0. */
static uint64_t printk(const char *fmt, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return call5(BPF_FUNC_trace_printk, PTR(fmt), strlen(fmt) + 1, a1, a2, a3);
}

static void expect_printk(const char *fmt, uint64_t a1, uint64_t a2, uint64_t a3,
                          const char *line)
{
	int before = fx.host.line_count;
	uint64_t r0 = printk(fmt, a1, a2, a3);
	cr_assert_eq(fx.host.line_count, before + 1, "\"%s\": no line printed (r0 %ld)", fmt,
	             (long)r0);
	cr_assert_str_eq(fx.host.lines[before], line, "\"%s\"", fmt);
	cr_assert_eq(fx.host.print_prog, fx.run.prog);
	size_t newline = fmt[strlen(fmt) - 1] == '\n';
	cr_assert_eq(r0, strlen(line) + newline, "\"%s\": r0 %lu", fmt, (unsigned long)r0);
	fx.host.line_count = 0;
}

Test(helpers, trace_printk_formats)
{
	expect_printk("hello %d %u %x\n", ERR(-5), 7, 255, "hello -5 7 ff");
	expect_printk("%ld %llu %lx", ERR(-1), UINT64_MAX, 0xdeadbeefcafeull,
	              "-1 18446744073709551615 deadbeefcafe");
	expect_printk("%li %lli %llx", ERR(-9), 0x8000000000000000ull, 0x10,
	              "-9 -9223372036854775808 10");
	/* Without l: the low 32 bits. */
	expect_printk("%d %u %x", 0x1ffffffffull, 0x100000002ull, 0xabcdef0012345678ull,
	              "-1 2 12345678");
	expect_printk("%i|%X|%llX", 42, 0xabc, 0xdeadbeef00ull, "42|ABC|DEADBEEF00");
	expect_printk("%c%c%c!", 'a', 'b', 0x100 + 'c', "abc!");
	expect_printk("100%% %s", PTR("sure"), 0, 0, "100% sure");
	expect_printk("%s|%s.", PTR("robot"), 0, 0, "robot|.");
	expect_printk("[%s]", 0x10, 0, 0, "[]"); /* unreadable: printed empty */
	expect_printk("%p", 0x1234, 0, 0, "0000000000001234");
	expect_printk("%pK %px", 0xffff888000001000ull, 1, 0, "ffff888000001000 0000000000000001");
	expect_printk("%5d|%-5d|%05d", 42, 42, 42, "   42|42   |00042");
	expect_printk("%+d % d %+d", 5, 5, ERR(-5), "+5  5 -5");
	expect_printk("%08x|%-6s|%3c", 0xbeef, PTR("ab"), 'z', "0000beef|ab    |  z");
	expect_printk("%18p", 0x1234, 0, 0, "              1234");
	expect_printk("tab\there", 0, 0, 0, "tab\there");
	expect_printk("no args\n", 0, 0, 0, "no args");
}

Test(helpers, trace_printk_refuses_what_the_kernel_refuses)
{
	static const char *bad[] = {
		"%d %d %d %d",  /* four conversions, three arguments */
		"%q", "%", "abc%", "%5.2d", "%#x", "%hd", "%lllx", "%Lf", "%f", "%n",
		"%pS", "%ps", "%pI4", "%pks", "%pB", "%sX", "%-%", "%2000d",
		"bell\a", "\x80", "\x1b[31m",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(printk(bad[i], 1, 2, 3), ERR(-EINVAL), "\"%s\" accepted", bad[i]);
	cr_assert_eq(fx.host.line_count, 0, "nothing printed");

	/* fmt must hold its NUL within fmt_size. */
	static const char unterminated[4] = {'a', 'b', 'c', 'd'};
	cr_assert_eq(call5(BPF_FUNC_trace_printk, PTR(unterminated), 4, 0, 0, 0), ERR(-EINVAL));
	cr_assert_eq(call5(BPF_FUNC_trace_printk, PTR("ok"), 0, 0, 0, 0), ERR(-EINVAL));
	cr_assert_eq(call5(BPF_FUNC_trace_printk, 0, 8, 0, 0, 0), ERR(-EINVAL));
	/* A NUL before fmt_size is fine: the format ends there. */
	cr_assert_eq(call5(BPF_FUNC_trace_printk, PTR("ok\0%z"), 6, 0, 0, 0), 2);
	/* A width up to 1024 is accepted (and the line cut to 1023 bytes). */
	cr_assert_eq(printk("%1024d", 1, 0, 0), 1023);
	cr_assert_eq(fx.host.line_lens[fx.host.line_count - 1], 1023);
}

Test(helpers, trace_printk_truncates_long_lines)
{
	static char long_string[600];
	memset(long_string, 's', sizeof(long_string) - 1);
	/* Each %s is at most 511 bytes: 3 * 511 = 1533, cut to the 1023 of a line. */
	uint64_t r0 = printk("%s%s%s", PTR(long_string), PTR(long_string), PTR(long_string));
	cr_assert_eq(r0, 1023);
	cr_assert_eq(fx.host.line_lens[0], 1023);
	cr_assert_eq(strlen(fx.host.lines[0]), 1023);
}

Test(helpers, trace_printk_reads_strings_without_faulting)
{
	/* A readable page followed by an unreadable one. */
	long page = sysconf(_SC_PAGESIZE);
	char *pages = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(pages, MAP_FAILED);
	cr_assert_eq(mprotect(pages + page, (size_t)page, PROT_NONE), 0);

	char *edge = pages + page - 6;
	memcpy(edge, "edge!", 6); /* the NUL is the page's last byte */
	expect_printk("[%s]", PTR(edge), 0, 0, "[edge!]");
	memcpy(edge, "edge!!", 6); /* runs into the unreadable page */
	expect_printk("[%s]", PTR(edge), 0, 0, "[]");
	expect_printk("[%s]", PTR(pages + page), 0, 0, "[]");
	expect_printk("[%s|%s]", PTR(pages + page), PTR("ok"), 0, "[|ok]");
	munmap(pages, (size_t)page * 2);
}

Test(helpers, trace_printk_without_a_printer)
{
	no_env();
	cr_assert_eq(printk("dropped %d\n", 7, 0, 0), 10);
	cr_assert_eq(printk("%z", 7, 0, 0), ERR(-EINVAL));
}

/* ------------------------------------------------------------------ */
/* snprintf                                                           */
/* ------------------------------------------------------------------ */

static uint64_t snprintf_helper(char *str, uint32_t size, const char *fmt, const void *data,
                                uint32_t data_len)
{
	return call5(BPF_FUNC_snprintf, PTR(str), size, PTR(fmt), PTR(data), data_len);
}

Test(helpers, snprintf_formats_and_truncates)
{
	char str[32];
	uint64_t args[3] = {42, PTR("abc"), ERR(-7)};

	memset(str, 'x', sizeof(str));
	cr_assert_eq(snprintf_helper(str, sizeof(str), "x=%d y=%s z=%lld", args, sizeof(args)),
	             strlen("x=42 y=abc z=-7") + 1);
	cr_assert_str_eq(str, "x=42 y=abc z=-7");
	for (size_t i = strlen(str); i < sizeof(str); i++)
		cr_assert_eq(str[i], 0, "byte %zu", i);

	/* Truncated: the result still says what the whole text needs. */
	memset(str, 'x', sizeof(str));
	cr_assert_eq(snprintf_helper(str, 5, "x=%d y=%s z=%lld", args, sizeof(args)), 16);
	cr_assert_str_eq(str, "x=42");
	cr_assert_eq(str[5], 'x', "nothing written past str_size");

	/* Size 0 (and a NULL str): only the length. */
	cr_assert_eq(snprintf_helper(NULL, 0, "x=%d y=%s z=%lld", args, sizeof(args)), 16);
	cr_assert_eq(snprintf_helper(str, 1, "abc", NULL, 0), 4);
	cr_assert_eq(str[0], 0);

	/* No arguments at all. */
	cr_assert_eq(snprintf_helper(str, sizeof(str), "100%%", NULL, 0), 5);
	cr_assert_str_eq(str, "100%");
}

Test(helpers, snprintf_twelve_arguments)
{
	char str[128];
	uint64_t args[12];
	for (int i = 0; i < 12; i++)
		args[i] = (uint64_t)i * 11;
	const char *fmt = "%d %d %d %d %d %d %d %d %d %d %x %X";
	cr_assert_eq(snprintf_helper(str, sizeof(str), fmt, args, sizeof(args)),
	             strlen("0 11 22 33 44 55 66 77 88 99 6e 79") + 1);
	cr_assert_str_eq(str, "0 11 22 33 44 55 66 77 88 99 6e 79");

	/* The data need not be 8-byte aligned. */
	uint8_t unaligned[8 * 2 + 1];
	uint64_t two[2] = {7, PTR("seven")};
	memcpy(unaligned + 1, two, sizeof(two));
	cr_assert_eq(snprintf_helper(str, sizeof(str), "%u=%s", unaligned + 1, 16), 8);
	cr_assert_str_eq(str, "7=seven");
}

Test(helpers, snprintf_errors_zero_the_output)
{
	char str[16];
	uint64_t args[13] = {0};
	const char *thirteen = "%d%d%d%d%d%d%d%d%d%d%d%d%d";

	struct {
		const char *fmt;
		const void *data;
		uint32_t data_len;
	} bad[] = {
		{thirteen, args, 12 * 8},    /* more conversions than arguments */
		{thirteen, args, 13 * 8},    /* more than 12 arguments */
		{"%d", args, 7},             /* not a multiple of 8 */
		{"%d", NULL, 8},             /* no data */
		{"%d %d", args, 8},          /* too few arguments */
		{"%z", args, 8},
		{"%pI4", args, 8},
		{NULL, args, 8},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(str, 'x', sizeof(str));
		cr_assert_eq(snprintf_helper(str, sizeof(str), bad[i].fmt, bad[i].data,
		                             bad[i].data_len),
		             ERR(-EINVAL), "case %zu", i);
		for (size_t b = 0; b < sizeof(str); b++)
			cr_assert_eq(str[b], 0, "case %zu, byte %zu", i, b);
	}
	/* A size with no buffer. */
	cr_assert_eq(snprintf_helper(NULL, 8, "x", NULL, 0), ERR(-EINVAL));
}

/* ------------------------------------------------------------------ */
/* tail_call                                                          */
/* ------------------------------------------------------------------ */

Test(helpers, tail_call_sets_the_target)
{
	struct rk_map *progs = new_map(RK_MAP_PROG_ARRAY, 4, 4, 4, 0);
	struct rk_map *hash = new_map(RK_MAP_HASH, 4, 4, 4, 0);
	struct rk_prog *target = test_prog_from_asm("mov %r0, 7\nexit\n", NULL);
	cr_assert_eq(rk_prog_array_set(progs, 1, target), 0);

	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 2), ERR(-ENOENT)); /* empty slot */
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 4), ERR(-ENOENT)); /* out of range */
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 1ull << 32 | 2), ERR(-ENOENT));
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(hash), 1), ERR(-EINVAL));
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, 0, 1), ERR(-EINVAL));
	cr_assert_null(fx.run.tail_call_target);
	cr_assert_eq(fx.run.tail_calls_done, 0);

	/* The index is a u32: the upper half of r3 is ignored. */
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 1ull << 32 | 1), 0);
	cr_assert_eq(fx.run.tail_call_target, target);
	cr_assert_eq(fx.run.tail_calls_done, 1);
	rk_map_free(hash);
	rk_map_free(progs);
	rk_prog_free(target);
}

Test(helpers, tail_call_limit_is_33)
{
	struct rk_map *progs = new_map(RK_MAP_PROG_ARRAY, 4, 4, 1, 0);
	struct rk_prog *target = test_prog_from_asm("mov %r0, 7\nexit\n", NULL);
	cr_assert_eq(rk_prog_array_set(progs, 0, target), 0);
	for (int i = 0; i < RK_MAX_TAIL_CALLS; i++) {
		fx.run.tail_call_target = NULL; /* the interpreter clears it when it jumps */
		cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 0), 0, "tail call %d", i + 1);
		cr_assert_eq(fx.run.tail_call_target, target);
	}
	cr_assert_eq(fx.run.tail_calls_done, 33);
	fx.run.tail_call_target = NULL;
	cr_assert_eq(CALL3(BPF_FUNC_tail_call, 0, PTR(progs), 0), ERR(-ENOENT));
	cr_assert_null(fx.run.tail_call_target);
	cr_assert_eq(fx.run.tail_calls_done, 33);
	rk_map_free(progs);
	rk_prog_free(target);
}

/* ------------------------------------------------------------------ */
/* loop                                                               */
/* ------------------------------------------------------------------ */

/* A fake interpreter entry: records the calls and answers from a script. */
static struct {
	int calls;
	uint32_t insn_index;
	uint64_t args[16][5];
	int stop_at;         /* return 1 at this i (-1: never) */
	int fail_at;         /* return fail_rc at this i (-1: never) */
	int fail_rc;
	int abort_at;        /* rk_run_abort at this i (-1: never) */
} fake;

static int fake_call_subprog(struct rk_run *run, uint32_t insn_index, const uint64_t args[5],
                             uint64_t *retval)
{
	int i = fake.calls++;
	fake.insn_index = insn_index;
	if (i < 16)
		memcpy(fake.args[i], args, sizeof(fake.args[i]));
	if (i == fake.fail_at) {
		run->failed = true;
		return fake.fail_rc;
	}
	if (i == fake.abort_at)
		rk_run_abort(run, 99);
	*retval = i == fake.stop_at ? 1 : 0;
	return 0;
}

static void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.stop_at = fake.fail_at = fake.abort_at = -1;
	fx.run.call_subprog = fake_call_subprog;
	fx.run.aborted = false;
	fx.run.failed = false;
}

Test(helpers, loop_calls_back_until_one)
{
	int ctx = 0;
	fake_reset();
	cr_assert_eq(CALL4(BPF_FUNC_loop, 5, 17, PTR(&ctx), 0), 5);
	cr_assert_eq(fake.calls, 5);
	cr_assert_eq(fake.insn_index, 17);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(fake.args[i][0], (uint64_t)i);
		cr_assert_eq(fake.args[i][1], PTR(&ctx));
		cr_assert_eq(fake.args[i][2], 0);
		cr_assert_eq(fake.args[i][4], 0);
	}

	fake_reset();
	fake.stop_at = 3;
	cr_assert_eq(CALL4(BPF_FUNC_loop, 10, 17, PTR(&ctx), 0), 4);
	cr_assert_eq(fake.calls, 4);

	fake_reset();
	cr_assert_eq(CALL4(BPF_FUNC_loop, 0, 17, 0, 0), 0);
	cr_assert_eq(fake.calls, 0);

	/* nr is a u32. */
	fake_reset();
	cr_assert_eq(CALL4(BPF_FUNC_loop, 1ull << 32 | 2, 17, 0, 0), 2);
}

Test(helpers, loop_errors)
{
	fake_reset();
	cr_assert_eq(CALL4(BPF_FUNC_loop, 3, 17, 0, 1), ERR(-EINVAL));
	cr_assert_eq(CALL4(BPF_FUNC_loop, RK_MAX_LOOP_ITERATIONS + 1, 17, 0, 0), ERR(-E2BIG));
	cr_assert_eq(CALL4(BPF_FUNC_loop, 3, 1ull << 32, 0, 0), ERR(-EINVAL));
	cr_assert_eq(fake.calls, 0);

	/* The callback failed: stop, pass the error on (the interpreter recorded the stop). */
	fake_reset();
	fake.fail_at = 2;
	fake.fail_rc = -EFAULT;
	cr_assert_eq(CALL4(BPF_FUNC_loop, 10, 17, 0, 0), ERR(-EFAULT));
	cr_assert_eq(fake.calls, 3);
	cr_assert(fx.run.failed);

	/* A helper inside the callback aborted the run. */
	fake_reset();
	fake.abort_at = 1;
	cr_assert_eq(CALL4(BPF_FUNC_loop, 10, 17, 0, 0), ERR(-ECANCELED));
	cr_assert_eq(fake.calls, 2);

	/* No interpreter entry. */
	fake_reset();
	fx.run.call_subprog = NULL;
	cr_assert_eq(CALL4(BPF_FUNC_loop, 1, 17, 0, 0), ERR(-ENOTSUP));
}

Test(helpers, loop_runs_a_real_callback)
{
	/* sum = 0; r0 = bpf_loop(4, cb, &sum, 0); return r0 * 1000 + sum; cb: *ctx += i */
	struct rk_prog *prog = test_prog_from_asm("stdw [%r10-8], 0\n"
	                                          "mov %r1, 4\n"
	                                          "mov %r2, 11\n"
	                                          "mov %r3, %r10\n"
	                                          "add %r3, -8\n"
	                                          "mov %r4, 0\n"
	                                          "call 181\n"
	                                          "ldxdw %r1, [%r10-8]\n"
	                                          "mul %r0, 1000\n"
	                                          "add %r0, %r1\n"
	                                          "exit\n"
	                                          "ldxdw %r3, [%r2]\n" /* 11 */
	                                          "add %r3, %r1\n"
	                                          "stxdw [%r2], %r3\n"
	                                          "mov %r0, 0\n"
	                                          "exit\n",
	                                          rk_helpers_standard());
	for (int mode = RK_EXEC_FAST; mode <= RK_EXEC_CHECKED; mode++) {
		struct rk_run_opts opts = {.mode = mode, .insn_limit = 10000};
		struct rk_run_result result;
		cr_assert_eq(rk_prog_run(prog, NULL, 0, &opts, &result), 0, "%s", result.message);
		cr_assert_eq(result.retval, 4 * 1000 + 6);
	}
	rk_prog_free(prog);
}

/* ------------------------------------------------------------------ */
/* Robotics                                                           */
/* ------------------------------------------------------------------ */

Test(helpers, emergency_stop)
{
	cr_assert_eq(CALL1(RK_HELPER_EMERGENCY_STOP, 0x5), 0);
	cr_assert_eq(fx.host.estop_calls, 1);
	cr_assert_eq(fx.host.estop_mask, 0x5);
	cr_assert_eq(fx.host.estop_prog, fx.run.prog);
	fx.host.estop_rc = -EIO;
	cr_assert_eq(CALL1(RK_HELPER_EMERGENCY_STOP, 1ull << 63), ERR(-EIO));
	cr_assert_eq(fx.host.estop_mask, 1ull << 63);
	fx.env.emergency_stop = NULL;
	cr_assert_eq(CALL1(RK_HELPER_EMERGENCY_STOP, 1), ERR(-ENOTSUP));
	no_env();
	cr_assert_eq(CALL1(RK_HELPER_EMERGENCY_STOP, 1), ERR(-ENOTSUP));
	cr_assert_eq(fx.host.estop_calls, 2);
}

Test(helpers, sensor_last_timestamp)
{
	fx.host.sensor_ts = 123456789;
	cr_assert_eq(CALL1(RK_HELPER_SENSOR_LAST_TIMESTAMP, 3), 123456789);
	cr_assert_eq(fx.host.sensor_asked, 3);
	cr_assert_eq(CALL1(RK_HELPER_SENSOR_LAST_TIMESTAMP, 1ull << 32 | 4), 123456789);
	cr_assert_eq(fx.host.sensor_asked, 4, "the id is a u32");
	fx.host.sensor_rc = -ENOENT;
	cr_assert_eq(CALL1(RK_HELPER_SENSOR_LAST_TIMESTAMP, 9), 0);
	no_env();
	cr_assert_eq(CALL1(RK_HELPER_SENSOR_LAST_TIMESTAMP, 3), 0);
}

/* ------------------------------------------------------------------ */
/* End to end: examples/motor_guard.bpf.c, built by clang               */
/* ------------------------------------------------------------------ */

#ifndef RK_BUILD_DIR
#define RK_BUILD_DIR RK_SOURCE_DIR "/build"
#endif

struct trip {
	uint64_t timestamp_ns;
	int64_t min_ma;
	uint32_t motor;
	uint32_t reason;
};

static int consume_trip(void *fn_ctx, const void *data, size_t size)
{
	cr_assert_eq(size, sizeof(struct trip));
	memcpy(fn_ctx, data, sizeof(struct trip));
	return 0;
}

static struct rk_obj *load_robotics_object(void)
{
	char path[512], err[RK_ERR_LEN + 512];
	snprintf(path, sizeof(path), "%s/examples/motor_guard.o", RK_BUILD_DIR);
	uint8_t *data = NULL;
	size_t len = 0;
	cr_assert_eq(rk_file_read(path, &data, &len, err, sizeof(err)), 0, "%s (run make test-bpf)",
	             err);
	struct rk_obj_opts opts = {.name = "motor_guard.o"};
	struct rk_obj *obj = NULL;
	cr_assert_eq(rk_obj_load(data, len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
	free(data);
	return obj;
}

static uint64_t run_guard(struct rk_prog *prog, int64_t sample_ma)
{
	struct rk_run_result result;
	int rc = rk_prog_run(prog, &sample_ma, sizeof(sample_ma), &fx.opts, &result);
	cr_assert_eq(rc, 0, "%s: %s", rk_stop_name(result.stop), result.message);
	return result.retval;
}

Test(helpers, robotics_program_trips_on_sustained_over_current)
{
	struct rk_obj *obj = load_robotics_object();
	struct rk_prog *prog = rk_obj_prog_find(obj, "motor_guard");
	struct rk_map *trips = rk_obj_map_find(obj, "trips");
	cr_assert(prog && trips && rk_obj_map_find(obj, "motor_current"));
	const struct rk_map_def *series = rk_map_def(rk_obj_map_find(obj, "motor_current"));
	cr_assert_eq(series->type, RK_MAP_TIMESERIES);
	cr_assert_eq(series->key_size, 4);
	cr_assert_eq(series->value_size, 8);
	cr_assert_eq(series->max_entries, 16);
	cr_assert_eq(series->ts_capacity, 32);
	fx.host.sensor_rc = -ENOENT; /* no sensor timestamps: that check stays quiet */

	for (int i = 0; i < 7; i++)
		cr_assert_eq(run_guard(prog, 5000 + i), 0, "sample %d", i);
	cr_assert_eq(fx.host.estop_calls, 0);
	uint64_t before = rk_helper_monotonic_ns();
	cr_assert_eq(run_guard(prog, 4500), 1);
	cr_assert_eq(fx.host.estop_calls, 1);
	cr_assert_eq(fx.host.estop_mask, 1);
	cr_assert_eq(fx.host.estop_prog, prog);

	struct trip trip = {0};
	cr_assert_eq(rk_ringbuf_consume(trips, consume_trip, &trip), 1);
	cr_assert_eq(trip.reason, 1);
	cr_assert_eq(trip.min_ma, 4500);
	cr_assert_eq(trip.motor, 0);
	cr_assert_geq(trip.timestamp_ns, before);
	rk_obj_free(obj);
}

Test(helpers, robotics_program_trips_on_a_silent_sensor)
{
	struct rk_obj *obj = load_robotics_object();
	struct rk_prog *prog = rk_obj_prog_find(obj, "motor_guard");
	struct rk_map *trips = rk_obj_map_find(obj, "trips");

	fx.host.sensor_ts = rk_helper_monotonic_ns(); /* fresh */
	cr_assert_eq(run_guard(prog, 100), 0);
	cr_assert_eq(fx.host.sensor_asked, 3);
	fx.host.sensor_ts = rk_helper_monotonic_ns() - 30 * 1000 * 1000ull; /* 30 ms ago */
	fx.host.estop_rc = -EIO; /* the stop failed: the program says so */
	cr_assert_eq(run_guard(prog, 100), 0);
	cr_assert_eq(fx.host.estop_calls, 1);
	struct trip trip = {0};
	cr_assert_eq(rk_ringbuf_consume(trips, consume_trip, &trip), 1);
	cr_assert_eq(trip.reason, 2);
	rk_obj_free(obj);
}
