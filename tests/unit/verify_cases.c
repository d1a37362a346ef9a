/*
 * verify_cases.c - the fixture and the runner of the verifier's soundness
 * suite (see verify_cases.h for the maps and the context every case sees).
 *
 * The one thing to know: an accepted case is only as good as the oracle
 * run behind it.  The checked interpreter gets exactly the memory the
 * verifier was told about - the context split into its read-only and
 * writable parts, the two buffers its pointer fields point to, the maps -
 * so an access the verifier wrongly allows stops the run.
 */
#include "verify_cases.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct rk_ctx_range ctx_writable[] = {
	{VERIFY_CTX_CMD_OFF, VERIFY_CTX_CMD_LEN},
};

static const struct rk_ctx_ptr_field ctx_ptr_fields[] = {
	{.off = VERIFY_CTX_SCAN_OFF, .mem_size = VERIFY_SCAN_SIZE, .writable = true, .name = "scan"},
	{.off = VERIFY_CTX_CALIB_OFF, .mem_size = VERIFY_CALIB_SIZE, .writable = false,
	 .name = "calib"},
};

/* .rodata: a format string, then bytes with no NUL after them. */
static const char rodata_value[16] = "speed %d\n\0abcdef";

static struct rk_map *new_map(const char *name, uint32_t type, uint32_t key_size,
                              uint32_t value_size, uint32_t max_entries, uint32_t flags)
{
	struct rk_map_def def = {.type = type, .key_size = key_size, .value_size = value_size,
	                         .max_entries = max_entries, .map_flags = flags};
	snprintf(def.name, sizeof(def.name), "%s", name);
	if (type == RK_MAP_TIMESERIES)
		def.ts_capacity = 16;
	char err[RK_ERR_LEN] = "";
	struct rk_map *map = NULL;
	int rc = rk_map_new(&def, NULL, &map, err, sizeof(err));
	cr_assert_eq(rc, 0, "map %s: %s", name, err);
	return map;
}

void verify_fixture_init(struct verify_fixture *fixture)
{
	memset(fixture, 0, sizeof(*fixture));
	fixture->maps[VERIFY_MAP_VALUES] = new_map("values", RK_MAP_ARRAY, 4, 16, 4, 0);
	fixture->maps[VERIFY_MAP_TABLE] = new_map("table", RK_MAP_HASH, 8, 8, 16, 0);
	fixture->maps[VERIFY_MAP_EVENTS] = new_map("events", RK_MAP_RINGBUF, 0, 0, 4096, 0);
	fixture->maps[VERIFY_MAP_RODATA] =
		new_map(".rodata", RK_MAP_ARRAY, 4, sizeof(rodata_value), 1, VERIFY_F_RDONLY_PROG);
	fixture->maps[VERIFY_MAP_PROGS] = new_map("progs", RK_MAP_PROG_ARRAY, 4, 4, 4, 0);
	fixture->maps[VERIFY_MAP_SAMPLES] = new_map("samples", RK_MAP_TIMESERIES, 4, 8, 4, 0);
	fixture->maps[VERIFY_MAP_CONSTS] =
		new_map("consts", RK_MAP_ARRAY, 4, 8, 2, VERIFY_F_RDONLY_PROG);
	uint32_t key = 0;
	cr_assert_eq(rk_map_update(fixture->maps[VERIFY_MAP_RODATA], &key, rodata_value,
	                           RK_MAP_ANY),
	             0);
	cr_assert_eq(rk_map_update(fixture->maps[VERIFY_MAP_CONSTS], &key, "%d\n\0\0\0\0\0",
	                           RK_MAP_ANY),
	             0);
	key = 1;
	cr_assert_eq(rk_map_update(fixture->maps[VERIFY_MAP_CONSTS], &key, "ABCDEFGH", RK_MAP_ANY),
	             0);
	fixture->ctx_desc = (struct rk_ctx_desc){
		.name = "struct robot_ctx",
		.size = VERIFY_CTX_SIZE,
		.writable = ctx_writable,
		.writable_count = sizeof(ctx_writable) / sizeof(ctx_writable[0]),
		.ptr_fields = ctx_ptr_fields,
		.ptr_field_count = sizeof(ctx_ptr_fields) / sizeof(ctx_ptr_fields[0]),
	};
}

void verify_fixture_fini(struct verify_fixture *fixture)
{
	for (size_t k = 0; k < VERIFY_MAP_COUNT; k++)
		rk_map_free(fixture->maps[k]);
	memset(fixture, 0, sizeof(*fixture));
}

/* ---- random contexts ------------------------------------------------ */

static uint64_t splitmix64(uint64_t *seed)
{
	uint64_t z = (*seed += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t name_seed(const char *name)
{
	uint64_t hash = 0xcbf29ce484222325u;
	for (; *name; name++)
		hash = (hash ^ (uint8_t)*name) * 0x100000001b3u;
	return hash;
}

/*
 * Run k: random sensor bytes (run 0: all zero, run 1: all 0xff, the
 * extremes a filter's clamps are written for), random map contents, and
 * the hash map's keys 0..3 present on odd runs only, so lookups both
 * succeed and fail.
 */
static void randomise(struct verify_fixture *fixture, unsigned run, uint64_t *seed)
{
	for (size_t b = 0; b < VERIFY_CTX_SIZE; b++)
		fixture->ctx[b] = run == 0 ? 0 : run == 1 ? 0xff : (uint8_t)splitmix64(seed);
	for (size_t b = 0; b < VERIFY_SCAN_SIZE; b++)
		fixture->scan[b] = (uint8_t)splitmix64(seed);
	for (size_t b = 0; b < VERIFY_CALIB_SIZE; b++)
		fixture->calib[b] = (uint8_t)splitmix64(seed);
	uint64_t scan = (uint64_t)(uintptr_t)fixture->scan;
	uint64_t calib = (uint64_t)(uintptr_t)fixture->calib;
	memcpy(&fixture->ctx[VERIFY_CTX_SCAN_OFF], &scan, sizeof(scan));
	memcpy(&fixture->ctx[VERIFY_CTX_CALIB_OFF], &calib, sizeof(calib));
	for (uint32_t key = 0; key < 4; key++) {
		uint8_t value[16];
		for (size_t b = 0; b < sizeof(value); b++)
			value[b] = (uint8_t)splitmix64(seed);
		rk_map_update(fixture->maps[VERIFY_MAP_VALUES], &key, value, RK_MAP_ANY);
		uint64_t hkey = key;
		if (run % 2)
			rk_map_update(fixture->maps[VERIFY_MAP_TABLE], &hkey, value, RK_MAP_ANY);
		else
			rk_map_delete(fixture->maps[VERIFY_MAP_TABLE], &hkey);
	}
}

/* Drain the ring so every run can reserve. */
static int discard_record(void *fn_ctx, const void *data, size_t size)
{
	(void)fn_ctx, (void)data, (void)size;
	return 0;
}

static void run_checked(struct verify_fixture *fixture, const struct verify_case *c,
                        const struct rk_prog *prog, struct verify_outcome *out)
{
	/* The context as the verifier sees it: only bytes 8..15 may be written. */
	const struct rk_region regions[] = {
		{.name = "ctx.cmd", .start = (uintptr_t)&fixture->ctx[VERIFY_CTX_CMD_OFF],
		 .len = VERIFY_CTX_CMD_LEN, .writable = true},
		{.name = "ctx.rest", .start = (uintptr_t)&fixture->ctx[VERIFY_CTX_SCAN_OFF],
		 .len = VERIFY_CTX_SIZE - VERIFY_CTX_SCAN_OFF, .writable = false},
		{.name = "scan", .start = (uintptr_t)fixture->scan, .len = VERIFY_SCAN_SIZE,
		 .writable = true},
		{.name = "calib", .start = (uintptr_t)fixture->calib, .len = VERIFY_CALIB_SIZE,
		 .writable = false},
	};
	uint64_t bound = out->result.insn_bound;
	struct rk_run_opts opts = {
		.mode = RK_EXEC_CHECKED,
		.ctx_writable = false,
		.regions = c->no_ctx ? NULL : regions,
		.region_count = c->no_ctx ? 0 : sizeof(regions) / sizeof(regions[0]),
		/* One past the bound: a run that passes it stops as insn-limit. */
		.insn_limit = bound < UINT64_MAX ? bound + 1 : 0,
	};
	uint64_t seed = name_seed(c->name);
	for (unsigned run = 0; run < VERIFY_RANDOM_RUNS; run++) {
		randomise(fixture, run, &seed);
		rk_ringbuf_consume(fixture->maps[VERIFY_MAP_EVENTS], discard_record, NULL);
		struct rk_run_result result;
		/* ctx_len covers the read-only head only; the rest are the regions above. */
		int rc = c->no_ctx ? rk_prog_run(prog, NULL, 0, &opts, &result)
		                   : rk_prog_run(prog, fixture->ctx, VERIFY_CTX_CMD_OFF, &opts, &result);
		out->runs++;
		out->run = result;
		if (result.insns_executed > out->most_executed)
			out->most_executed = result.insns_executed;
		bool clean = rc == 0 &&
		             (result.stop == RK_STOP_EXIT || result.stop == RK_STOP_ABORTED) &&
		             result.insns_executed <= bound;
		if (!clean) {
			out->run_rc = rc ? rc : -EFAULT;
			return;
		}
	}
}

void verify_case_eval(const struct verify_case *c, struct verify_outcome *out)
{
	memset(out, 0, sizeof(*out));
	struct verify_fixture fixture;
	verify_fixture_init(&fixture);
	struct rk_insn *insns = NULL;
	size_t insn_count = 0;
	struct rk_prog *prog = NULL;
	out->load_rc = rk_asm(c->source, &insns, &insn_count, out->message, sizeof(out->message));
	if (out->load_rc == 0)
		out->load_rc = rk_prog_new_maps(insns, insn_count, rk_helpers_standard(), fixture.maps,
		                                VERIFY_MAP_COUNT, &prog, out->message,
		                                sizeof(out->message));
	free(insns);
	if (out->load_rc == 0) {
		struct rk_verify_opts opts = {.ctx = c->no_ctx ? NULL : &fixture.ctx_desc};
		out->verify_rc = rk_verify(prog, &opts, &out->result, out->message,
		                           sizeof(out->message));
		if (out->verify_rc == 0)
			run_checked(&fixture, c, prog, out);
	}
	rk_prog_free(prog);
	verify_fixture_fini(&fixture);
}

static const char *verdict_name(enum verify_verdict verdict)
{
	switch (verdict) {
	case VERIFY_ACCEPT: return "accepted";
	case VERIFY_REJECT: return "rejected";
	case VERIFY_TOO_COMPLEX: return "too complex";
	case VERIFY_LOAD_FAILS: return "refused at load";
	}
	return "?";
}

static void check_message(const struct verify_case *c, const struct verify_outcome *out,
                          size_t error_insn)
{
	char prefix[32];
	if (c->insn == VERIFY_ANY_INSN) {
		cr_expect_neq(error_insn, SIZE_MAX, "%s: the error names no instruction: %s", c->name,
		              out->message);
		snprintf(prefix, sizeof(prefix), "insn %zu: ", error_insn);
		cr_expect(strncmp(out->message, prefix, strlen(prefix)) == 0,
		          "%s: the message must start with \"%s\": %s", c->name, prefix, out->message);
	} else if (c->insn == VERIFY_NO_INSN)
		cr_expect_eq(error_insn, SIZE_MAX, "%s: the error names insn %zu: %s", c->name,
		             error_insn, out->message);
	else
		cr_expect_eq(error_insn, c->insn, "%s: the error names insn %zu, expected %zu: %s",
		             c->name, error_insn, c->insn, out->message);
	if (c->insn != VERIFY_NO_INSN && c->insn != VERIFY_ANY_INSN) {
		/* The verifier writes "insn N: ", the loader "insn N: " or "insn N (opcode ...". */
		int len = snprintf(prefix, sizeof(prefix), "insn %zu", c->insn);
		char next = strncmp(out->message, prefix, (size_t)len) == 0 ? out->message[len] : '?';
		bool verifier = c->verdict != VERIFY_LOAD_FAILS;
		cr_expect(verifier ? next == ':' : next == ':' || next == ' ',
		          "%s: the message must start with \"%s%s\": %s", c->name, prefix,
		          verifier ? ":" : "", out->message);
	}
	cr_expect(c->message && strstr(out->message, c->message),
	          "%s: the message lacks \"%s\": %s", c->name, c->message ? c->message : "",
	          out->message);
}

void verify_case_check(const struct verify_case *c)
{
	struct verify_outcome out;
	verify_case_eval(c, &out);
	if (c->verdict == VERIFY_LOAD_FAILS) {
		cr_assert_neq(out.load_rc, 0, "%s: expected %s, but it loaded", c->name,
		              verdict_name(c->verdict));
		/* The loader names the instruction at the start of its message too. */
		size_t insn = SIZE_MAX;
		unsigned long parsed;
		if (sscanf(out.message, "insn %lu:", &parsed) == 1)
			insn = parsed;
		check_message(c, &out, insn);
		return;
	}
	cr_assert_eq(out.load_rc, 0, "%s: the program does not load: %s", c->name, out.message);
	switch (c->verdict) {
	case VERIFY_ACCEPT:
		cr_assert_eq(out.verify_rc, 0, "%s: expected accepted, got %d: %s", c->name,
		             out.verify_rc, out.message);
		cr_assert_gt(out.result.insn_bound, 0, "%s: an accepted program runs something",
		             c->name);
		cr_assert_eq(out.run_rc, 0,
		             "%s: accepted, but checked run %u stopped with %s after %llu "
		             "instructions (bound %llu): %s",
		             c->name, out.runs - 1, rk_stop_name(out.run.stop),
		             (unsigned long long)out.run.insns_executed,
		             (unsigned long long)out.result.insn_bound, out.run.message);
		cr_assert_eq(out.runs, VERIFY_RANDOM_RUNS);
		break;
	case VERIFY_REJECT:
	case VERIFY_TOO_COMPLEX: {
		int expected = c->verdict == VERIFY_REJECT ? -EACCES : -E2BIG;
		cr_assert_eq(out.verify_rc, expected, "%s: expected %s (%d), got %d (%s)", c->name,
		             verdict_name(c->verdict), expected, out.verify_rc,
		             out.verify_rc == 0 ? "accepted" : out.message);
		check_message(c, &out, out.result.error_insn);
		break;
	}
	case VERIFY_LOAD_FAILS:
		break;
	}
}
