/*
 * test_loader.c - rk_obj_load() on real objects: the programs of
 * tests/bpf/, built by make (tests/bpf/bpf.mk) with clang -target bpf as a
 * libbpf user builds them, load with the programs, sections, maps, license
 * and line info the source says, and run with the results worked out by
 * hand.  Then the same objects, damaged, are refused with exact messages,
 * and every prefix of one is refused cleanly.
 *
 * Every object is released with rk_obj_release() first, to check that the
 * budget's used is back to 0: unloading returns every byte.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/common/file_io.h"
#include "loader_internal.h"
#include "rkbpf.h"

#ifndef RK_BUILD_DIR
#define RK_BUILD_DIR RK_SOURCE_DIR "/build"
#endif

/* ------------------------------------------------------------------ */
/* Support                                                            */
/* ------------------------------------------------------------------ */

static uint8_t *read_object(const char *name, size_t *len)
{
	char path[512], err[RK_ERR_LEN + 512];
	snprintf(path, sizeof(path), "%s/tests/bpf/%s.o", RK_BUILD_DIR, name);
	uint8_t *data = NULL;
	cr_assert_eq(rk_file_read(path, &data, len, err, sizeof(err)), 0,
	             "%s (run make test-bpf)", err);
	return data;
}

/* Load bytes as "<name>.o"; returns rc and leaves the message in err. */
static int try_load(const char *name, const uint8_t *data, size_t len, size_t budget,
                    struct rk_obj **obj, char *err, size_t err_len)
{
	char file[128];
	snprintf(file, sizeof(file), "%s.o", name);
	struct rk_obj_opts opts = {.name = file, .budget_bytes = budget};
	err[0] = '\0';
	return rk_obj_load(data, len, &opts, obj, err, err_len);
}

static struct rk_obj *load_object(const char *name)
{
	size_t len;
	uint8_t *data = read_object(name, &len);
	char err[RK_ERR_LEN];
	struct rk_obj *obj = NULL;
	int rc = try_load(name, data, len, 0, &obj, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s.o: rc %d: %s", name, rc, err);
	cr_assert_not_null(obj);
	/* The object holds no pointer into the file's bytes. */
	memset(data, 0xa5, len);
	free(data);
	return obj;
}

/* Release everything, check that every byte went back, then free. */
static void free_object(struct rk_obj *obj)
{
	cr_assert_gt(rk_obj_budget(obj)->used, 0);
	rk_obj_release(obj);
	cr_assert_eq(rk_obj_budget(obj)->used, 0, "%zu bytes still charged after release",
	             rk_obj_budget(obj)->used);
	rk_obj_free(obj);
}

static struct rk_prog *find_prog(const struct rk_obj *obj, const char *name)
{
	struct rk_prog *prog = rk_obj_prog_find(obj, name);
	cr_assert_not_null(prog, "no program '%s'", name);
	return prog;
}

static struct rk_map *find_map(const struct rk_obj *obj, const char *name)
{
	struct rk_map *map = rk_obj_map_find(obj, name);
	cr_assert_not_null(map, "no map '%s'", name);
	return map;
}

static void check_def(struct rk_map *map, uint32_t type, uint32_t key_size, uint32_t value_size,
                      uint32_t max_entries, uint32_t map_flags)
{
	const struct rk_map_def *def = rk_map_def(map);
	cr_assert_eq(def->type, type, "%s: type %u", def->name, def->type);
	cr_assert_eq(def->key_size, key_size, "%s: key_size %u", def->name, def->key_size);
	cr_assert_eq(def->value_size, value_size, "%s: value_size %u", def->name, def->value_size);
	cr_assert_eq(def->max_entries, max_entries, "%s: max_entries %u", def->name,
	             def->max_entries);
	cr_assert_eq(def->map_flags, map_flags, "%s: map_flags 0x%x", def->name, def->map_flags);
}

/* Run fast; returns r0. */
static uint64_t run_fast(const struct rk_prog *prog, void *ctx, size_t ctx_len)
{
	struct rk_run_result result;
	int rc = rk_prog_run(prog, ctx, ctx_len, NULL, &result);
	cr_assert_eq(rc, 0, "%s: rc %d, %s: %s", rk_prog_name(prog), rc, rk_stop_name(result.stop),
	             result.message);
	return result.retval;
}

/* Run checked, then fast on a fresh copy of ctx; both must agree.  For programs without maps. */
static uint64_t run_both(const struct rk_prog *prog, const void *ctx, size_t ctx_len)
{
	uint8_t checked_ctx[64], fast_ctx[64];
	cr_assert_leq(ctx_len, sizeof(checked_ctx));
	memcpy(checked_ctx, ctx, ctx_len);
	memcpy(fast_ctx, ctx, ctx_len);
	struct rk_run_opts opts = {.mode = RK_EXEC_CHECKED, .insn_limit = 1000000};
	struct rk_run_result result;
	int rc = rk_prog_run(prog, checked_ctx, ctx_len, &opts, &result);
	cr_assert_eq(rc, 0, "%s checked: rc %d, %s: %s", rk_prog_name(prog), rc,
	             rk_stop_name(result.stop), result.message);
	uint64_t fast = run_fast(prog, fast_ctx, ctx_len);
	cr_assert_eq(result.retval, fast, "checked %llu, fast %llu",
	             (unsigned long long)result.retval, (unsigned long long)fast);
	return fast;
}

static void *value_of(struct rk_map *map, uint32_t key)
{
	void *value = rk_map_lookup(map, &key);
	cr_assert_not_null(value, "%s[%u] is missing", rk_map_def(map)->name, key);
	return value;
}

/* The line number of the line of path containing marker (1-based). */
static uint32_t source_line(const char *path, const char *marker)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", RK_SOURCE_DIR, path);
	FILE *file = fopen(full, "r");
	cr_assert_not_null(file, "%s", full);
	char text[512];
	uint32_t number = 0, found = 0;
	while (!found && fgets(text, sizeof(text), file)) {
		number++;
		if (strstr(text, marker))
			found = number;
	}
	fclose(file);
	cr_assert_neq(found, 0, "%s has no line with '%s'", path, marker);
	return found;
}

/* Is some instruction of prog attributed to line, with the source text containing text? */
static bool has_line(const struct rk_prog *prog, uint32_t line, const char *text,
                     size_t *insn_out)
{
	for (size_t i = 0; i < rk_prog_insn_count(prog); i++) {
		struct rk_line_info info;
		if (rk_prog_line_info(prog, i, &info) == 0 && info.line == line &&
		    strstr(info.source, text)) {
			cr_assert(strstr(info.file, "obj_subprogs.bpf.c"), "file is '%s'", info.file);
			*insn_out = i;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Objects that load                                                  */
/* ------------------------------------------------------------------ */

Test(loader, minimal_program_and_global)
{
	struct rk_obj *obj = load_object("obj_minimal");
	cr_assert_str_eq(rk_obj_license(obj), "GPL");
	cr_assert_not_null(rk_obj_btf(obj));
	cr_assert_eq(rk_obj_prog_count(obj), 1);
	struct rk_prog *prog = rk_obj_prog(obj, 0);
	cr_assert_str_eq(rk_prog_name(prog), "minimal");
	cr_assert_str_eq(rk_prog_section(prog), "tracepoint/test/minimal");
	cr_assert_eq(rk_obj_prog_find(obj, "tracepoint/test/minimal"), prog);
	cr_assert_null(rk_obj_prog_find(obj, "nothing"));
	cr_assert_null(rk_obj_prog(obj, 1));

	cr_assert_eq(rk_obj_map_count(obj), 1);
	struct rk_map *data = find_map(obj, ".data");
	cr_assert_eq(rk_obj_map(obj, 0), data);
	check_def(data, RK_MAP_ARRAY, 4, 4, 1, 0);
	cr_assert_eq(*(int32_t *)value_of(data, 0), 42);

	uint8_t ctx[8] = {0};
	cr_assert_eq(run_fast(prog, ctx, sizeof(ctx)), 42);
	/* The program reads the map's value, not a copy. */
	*(int32_t *)value_of(data, 0) = 7;
	cr_assert_eq(run_fast(prog, ctx, sizeof(ctx)), 7);

	/* The lddw became a plain constant, recorded as a map value reference. */
	cr_assert_eq(prog->meta.map_ref_count, 1);
	cr_assert_eq(prog->meta.map_refs[0].kind, RK_PSEUDO_MAP_VAL);
	cr_assert_eq(prog->meta.map_refs[0].map, data);
	cr_assert_eq(prog->meta.map_refs[0].off, 0);
	const struct rk_insn *lddw = &rk_prog_insns(prog)[prog->meta.map_refs[0].insn];
	cr_assert_eq(lddw->code, RK_OP_LDDW);
	cr_assert_eq(lddw->src_reg, RK_PSEUDO_IMM64);
	uint64_t address = (uint32_t)lddw[0].imm | (uint64_t)(uint32_t)lddw[1].imm << 32;
	cr_assert_eq(address, (uint64_t)(uintptr_t)value_of(data, 0));
	free_object(obj);
}

Test(loader, btf_maps_of_every_type)
{
	struct rk_obj *obj = load_object("obj_maps");
	cr_assert_str_eq(rk_obj_license(obj), "Dual BSD/GPL");
	cr_assert_eq(rk_obj_map_count(obj), 8);
	check_def(find_map(obj, "counts"), RK_MAP_HASH, 4, 8, 64, 0);
	check_def(find_map(obj, "last_event"), RK_MAP_ARRAY, 4, 16, 4, 0);
	check_def(find_map(obj, "scratch"), RK_MAP_PERCPU_ARRAY, 4, 8, 1, 0);
	check_def(find_map(obj, "per_cpu"), RK_MAP_PERCPU_HASH, 8, 4, 8, 1 /* BPF_F_NO_PREALLOC */);
	check_def(find_map(obj, "recent"), RK_MAP_LRU_HASH, 4, 4, 2, 0);
	check_def(find_map(obj, "events"), RK_MAP_RINGBUF, 0, 0, 4096, 0);
	check_def(find_map(obj, "jumps"), RK_MAP_PROG_ARRAY, 4, 4, 4, 0);
	check_def(find_map(obj, "current_ma"), RK_MAP_TIMESERIES, 4, 8, 4, 0);
	cr_assert_eq(rk_map_def(find_map(obj, "current_ma"))->ts_capacity, 128);
	cr_assert_eq(rk_map_def(find_map(obj, "counts"))->ts_capacity, 0);

	/* __type() records the BTF types: counts is __u32 -> __u64. */
	const struct rk_btf *btf = rk_obj_btf(obj);
	const struct rk_map_def *counts = rk_map_def(find_map(obj, "counts"));
	cr_assert_eq(rk_btf_type_size(btf, counts->btf_key_type_id), 4);
	cr_assert_eq(rk_btf_type_size(btf, counts->btf_value_type_id), 8);
	const struct rk_map_def *last = rk_map_def(find_map(obj, "last_event"));
	uint32_t value_type = rk_btf_skip_modifiers(btf, last->btf_value_type_id);
	cr_assert_eq(rk_btf_find(btf, "event", 0), (int64_t)value_type);
	cr_assert_eq(rk_map_def(find_map(obj, "scratch"))->btf_value_type_id, 0); /* __uint sizes */
	free_object(obj);
}

struct event {
	uint32_t key;
	uint32_t count;
	uint64_t total;
};

static int collect_event(void *fn_ctx, const void *data, size_t size)
{
	cr_assert_eq(size, sizeof(struct event));
	struct event *events = fn_ctx;
	size_t slot = events[0].key++; /* events[0] counts, the records follow */
	memcpy(&events[1 + slot], data, size);
	return 0;
}

Test(loader, maps_used_by_a_program)
{
	struct rk_obj *obj = load_object("obj_maps");
	struct rk_prog *prog = find_prog(obj, "count_event");
	cr_assert_str_eq(rk_prog_section(prog), "tracepoint/test/count");
	uint32_t key = 5;
	for (uint64_t expected = 1; expected <= 3; expected++)
		cr_assert_eq(run_fast(prog, &key, sizeof(key)), expected);
	key = 6;
	cr_assert_eq(run_fast(prog, &key, sizeof(key)), 1);

	cr_assert_eq(*(uint64_t *)value_of(find_map(obj, "counts"), 5), 3);
	cr_assert_eq(*(uint64_t *)value_of(find_map(obj, "counts"), 6), 1);
	struct event *last = value_of(find_map(obj, "last_event"), 5 & 3);
	cr_assert_eq(last->key, 5);
	cr_assert_eq(last->count, 3);
	cr_assert_eq(last->total, 15);
	cr_assert_eq(*(uint64_t *)value_of(find_map(obj, "scratch"), 0), 21);
	cr_assert_eq(*(uint32_t *)value_of(find_map(obj, "recent"), 6), 6);

	struct event events[8];
	memset(events, 0, sizeof(events));
	cr_assert_eq(rk_ringbuf_consume(find_map(obj, "events"), collect_event, events), 4);
	cr_assert_eq(events[0].key, 4);
	cr_assert_eq(events[3].key, 5);
	cr_assert_eq(events[3].count, 3);
	cr_assert_eq(events[3].total, 15);
	cr_assert_eq(events[4].key, 6);
	cr_assert_eq(events[4].total, 21);

	/* Every map reference is recorded for the verifier, as a map (not a value). */
	cr_assert_gt(prog->meta.map_ref_count, 0);
	for (size_t i = 0; i < prog->meta.map_ref_count; i++)
		cr_assert_eq(prog->meta.map_refs[i].kind, RK_PSEUDO_MAP_FD);
	free_object(obj);
}

Test(loader, legacy_maps_section)
{
	struct rk_obj *obj = load_object("obj_legacy_maps");
	cr_assert_eq(rk_obj_map_count(obj), 2);
	check_def(find_map(obj, "packets"), RK_MAP_ARRAY, 4, 8, 8, 0);
	check_def(find_map(obj, "owners"), RK_MAP_HASH, 8, 4, 16, 1);
	struct rk_prog *prog = find_prog(obj, "socket");
	cr_assert_str_eq(rk_prog_name(prog), "count_packets");
	uint32_t slot = 3;
	cr_assert_eq(run_fast(prog, &slot, sizeof(slot)), 1);
	cr_assert_eq(run_fast(prog, &slot, sizeof(slot)), 2);
	slot = 11; /* & 7 = 3 */
	cr_assert_eq(run_fast(prog, &slot, sizeof(slot)), 3);
	uint64_t owner = 3;
	uint32_t *seen = rk_map_lookup(find_map(obj, "owners"), &owner);
	cr_assert_not_null(seen);
	cr_assert_eq(*seen, 3);
	free_object(obj);
}

Test(loader, global_data_sections)
{
	struct rk_obj *obj = load_object("obj_globals");
	cr_assert_eq(rk_obj_map_count(obj), 5);
	struct rk_map *data = find_map(obj, ".data"), *rodata = find_map(obj, ".rodata");
	struct rk_map *bss = find_map(obj, ".bss"), *tagged = find_map(obj, ".data.tagged");
	struct rk_map *str = find_map(obj, ".rodata.str1.1");
	check_def(data, RK_MAP_ARRAY, 4, 8, 1, 0);
	check_def(rodata, RK_MAP_ARRAY, 4, 4, 1, 1u << 7 /* BPF_F_RDONLY_PROG */);
	check_def(bss, RK_MAP_ARRAY, 4, 4, 1, 0);
	check_def(tagged, RK_MAP_ARRAY, 4, 8, 1, 0);
	check_def(str, RK_MAP_ARRAY, 4, 13, 1, 1u << 7);
	cr_assert_str_eq(value_of(str, 0), "hello, robot");
	cr_assert_eq(*(uint64_t *)value_of(data, 0), 100);
	cr_assert_eq(*(uint32_t *)value_of(rodata, 0), 3);
	cr_assert_eq(*(uint32_t *)value_of(bss, 0), 0);
	cr_assert_neq(rk_map_def(data)->btf_value_type_id, 0); /* DATASEC '.data' */

	struct rk_prog *prog = find_prog(obj, "use_globals");
	uint32_t x = 1;
	cr_assert_eq(run_fast(prog, &x, sizeof(x)), 103 + 'e');
	/* The host sets a const volatile before running, as with a libbpf skeleton. */
	*(uint32_t *)value_of(rodata, 0) = 10;
	x = 0;
	cr_assert_eq(run_fast(prog, &x, sizeof(x)), 103 + 'h');
	x = 2;
	cr_assert_eq(run_fast(prog, &x, sizeof(x)), 123 + 'l');
	x = 13;
	cr_assert_eq(run_fast(prog, &x, sizeof(x)), (uint64_t)-1 & 0xffffffff);
	cr_assert_eq(*(uint32_t *)value_of(bss, 0), 4);
	cr_assert_eq(*(uint64_t *)value_of(tagged, 0), 7 + 1 + 2 + 3 + 4);
	cr_assert_eq(*(uint64_t *)value_of(data, 0), 253);
	free_object(obj);
}

Test(loader, subprograms_appended_per_program)
{
	struct rk_obj *obj = load_object("obj_subprogs");
	cr_assert_eq(rk_obj_prog_count(obj), 2);
	cr_assert_eq(rk_obj_map_count(obj), 0);
	struct rk_prog *chain = find_prog(obj, "run_chain");
	struct rk_prog *square = find_prog(obj, "tracepoint/test/square");
	cr_assert_str_eq(rk_prog_name(square), "run_square");

	int x = 3;
	/* chain_a(3) = chain_b(6) - 3 = chain_c(7) + 2 - 3 = 48; + 3 * 3. */
	cr_assert_eq(run_both(chain, &x, sizeof(x)), 57);
	cr_assert_eq(run_both(square, &x, sizeof(x)), 9 + 21);
	x = -4;
	cr_assert_eq((int32_t)run_both(chain, &x, sizeof(x)), (-7 * 7 + 2 - 3) + 16);

	/* Each program carries its own copies: 8 insns + the subprograms it reaches. */
	cr_assert_eq(rk_prog_insn_count(chain), 8 + 3 + 4 + 4 + 3);
	cr_assert_eq(rk_prog_insn_count(square), 8 + 3 + 3);
	cr_assert_eq(chain->meta.func_count, 5);
	cr_assert_eq(square->meta.func_count, 3);
	cr_assert_eq(chain->meta.func_starts[0], 0);
	cr_assert_eq(square->meta.func_starts[1], 8);
	for (size_t i = 1; i < chain->meta.func_count; i++)
		cr_assert_lt(chain->meta.func_starts[i - 1], chain->meta.func_starts[i]);
	free_object(obj);
}

Test(loader, line_info_follows_appended_subprograms)
{
	struct rk_obj *obj = load_object("obj_subprogs");
	struct rk_prog *chain = find_prog(obj, "run_chain");
	uint32_t main_line = source_line("tests/bpf/obj_subprogs.bpf.c", "LINE: run_chain");
	uint32_t leaf_line = source_line("tests/bpf/obj_subprogs.bpf.c", "LINE: chain_c");
	size_t main_insn = 0, leaf_insn = 0;
	cr_assert(has_line(chain, main_line, "chain_a(x) + shared_square(x)", &main_insn));
	cr_assert(has_line(chain, leaf_line, "x * 7", &leaf_insn));
	cr_assert_lt(main_insn, 8, "the program's own line is in its own code");
	cr_assert_geq(leaf_insn, 8, "chain_c's line moved with chain_c");
	/* run_square appends chain_c elsewhere; its line info moved with it. */
	struct rk_prog *square = find_prog(obj, "run_square");
	size_t square_leaf = 0;
	cr_assert(has_line(square, leaf_line, "x * 7", &square_leaf));
	cr_assert_geq(square_leaf, 8);

	struct rk_line_info info;
	cr_assert_eq(rk_prog_line_info(chain, 0, &info), 0);
	cr_assert_gt(info.line, 0);
	cr_assert_eq(rk_prog_line_info(chain, rk_prog_insn_count(chain), &info), -ENOENT);
	free_object(obj);
}

Test(loader, tail_call_through_program_array)
{
	struct rk_obj *obj = load_object("obj_tailcall");
	struct rk_prog *dispatch = find_prog(obj, "dispatch");
	struct rk_prog *target = find_prog(obj, "target");
	struct rk_map *table = find_map(obj, "jump_table");
	uint32_t index = 1;
	cr_assert_eq(run_fast(dispatch, &index, sizeof(index)), 1001, "empty slot: falls through");
	cr_assert_eq(rk_prog_array_set(table, 1, target), 0);
	cr_assert_eq(run_fast(dispatch, &index, sizeof(index)), 43);
	index = 2;
	cr_assert_eq(run_fast(dispatch, &index, sizeof(index)), 1002);
	free_object(obj);
}

Test(loader, bpf_loop_callback)
{
	struct rk_obj *obj = load_object("obj_loop");
	struct rk_prog *prog = find_prog(obj, "sum_loop");
	uint32_t n = 10;
	cr_assert_eq(run_both(prog, &n, sizeof(n)), 45 + 10 * 1000);
	n = 100; /* the callback stops the loop at index 49 */
	cr_assert_eq(run_both(prog, &n, sizeof(n)), 1225 + 50 * 1000);
	n = 0;
	cr_assert_eq(run_both(prog, &n, sizeof(n)), 0);

	/* The callback's address is its instruction index, and it starts a function. */
	cr_assert_eq(prog->meta.func_count, 2);
	uint32_t callback = prog->meta.func_starts[1];
	bool found = false;
	const struct rk_insn *insns = rk_prog_insns(prog);
	for (size_t i = 0; i + 1 < rk_prog_insn_count(prog); i++) {
		if (insns[i].code == RK_OP_LDDW && insns[i].imm == (int32_t)callback &&
		    insns[i + 1].imm == 0 && insns[i].src_reg == RK_PSEUDO_IMM64)
			found = true;
	}
	cr_assert(found, "no lddw of the callback's index %u", callback);
	free_object(obj);
}

Test(loader, core_relocations_against_own_btf)
{
	struct rk_obj *obj = load_object("obj_core");
	struct rk_prog *prog = find_prog(obj, "read_sample");
	struct {
		uint32_t id;
		uint32_t pad;
		uint64_t value;
	} sample = {.id = 5, .pad = 0, .value = 100};
	cr_assert_eq(run_both(prog, &sample, sizeof(sample)), 105);
	free_object(obj);
}

Test(loader, core_relocations_against_a_target_btf)
{
	/* The target lays struct sample out as {value, flags, id}. */
	struct rk_obj *target = load_object("obj_core_target");
	size_t len;
	uint8_t *data = read_object("obj_core", &len);
	struct rk_obj_opts opts = {.name = "obj_core.o", .target_btf = rk_obj_btf(target)};
	struct rk_obj *obj = NULL;
	char err[RK_ERR_LEN];
	cr_assert_eq(rk_obj_load(data, len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
	free(data);
	struct rk_prog *prog = find_prog(obj, "read_sample");
	struct {
		uint64_t value;
		uint32_t flags;
		uint32_t id;
	} sample = {.value = 100, .flags = 77, .id = 5};
	/* Both accesses moved: the program's own (id) and the subprogram's (value). */
	cr_assert_eq(run_both(prog, &sample, sizeof(sample)), 105);
	free_object(obj);
	free_object(target);
}

/* get_target_btf: asked for the target only by objects with CO-RE relocations. */
static unsigned target_btf_asked;
static const struct rk_btf *ask_target_btf(void *arg)
{
	target_btf_asked++;
	return arg;
}

Test(loader, core_target_asked_for_only_when_an_object_relocates)
{
	struct rk_obj *target = load_object("obj_core_target");
	const char *names[] = {"obj_core", "obj_minimal", "obj_maps"};
	const unsigned asked[] = {1, 0, 0};
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		uint8_t *data = read_object(names[n], &len);
		struct rk_obj_opts opts = {.name = names[n], .get_target_btf = ask_target_btf,
		                           .get_target_btf_arg = (void *)rk_obj_btf(target)};
		struct rk_obj *obj = NULL;
		char err[RK_ERR_LEN];
		target_btf_asked = 0;
		cr_assert_eq(rk_obj_load(data, len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
		free(data);
		cr_assert_eq(target_btf_asked, asked[n], "%s", names[n]);
		if (n == 0) {
			/* ...and the relocations used the target it gave. */
			struct {
				uint64_t value;
				uint32_t flags;
				uint32_t id;
			} sample = {.value = 100, .flags = 77, .id = 5};
			cr_assert_eq(run_both(find_prog(obj, "read_sample"), &sample, sizeof(sample)), 105);
		}
		free_object(obj);
	}
	free_object(target);
}

Test(loader, every_object_under_a_small_budget_fails_cleanly)
{
	const char *names[] = {"obj_minimal", "obj_maps", "obj_globals", "obj_subprogs", "obj_loop"};
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		size_t len;
		uint8_t *data = read_object(names[n], &len);
		char err[RK_ERR_LEN];
		struct rk_obj *obj = NULL;
		int rc = try_load(names[n], data, len, 256, &obj, err, sizeof(err));
		cr_assert_eq(rc, -ENOSPC, "%s: rc %d: %s", names[n], rc, err);
		cr_assert_null(obj);
		cr_assert(strstr(err, "budget"), "%s", err);
		free(data);
	}
}

/* ------------------------------------------------------------------ */
/* Objects that must not load                                         */
/* ------------------------------------------------------------------ */

static void expect_error(const char *name, const uint8_t *data, size_t len, int expected_rc,
                         const char *expected)
{
	char err[RK_ERR_LEN];
	struct rk_obj *obj = NULL;
	int rc = try_load(name, data, len, 0, &obj, err, sizeof(err));
	cr_assert_eq(rc, expected_rc, "rc %d (expected %d): %s", rc, expected_rc, err);
	cr_assert_null(obj);
	cr_assert_str_eq(err, expected);
}

/* File offset of the section header of the section named name. */
static size_t shdr_offset(const uint8_t *data, const char *name)
{
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, data, sizeof(ehdr));
	Elf64_Shdr names;
	memcpy(&names, data + ehdr.e_shoff + ehdr.e_shstrndx * sizeof(Elf64_Shdr), sizeof(names));
	for (size_t i = 0; i < ehdr.e_shnum; i++) {
		Elf64_Shdr shdr;
		memcpy(&shdr, data + ehdr.e_shoff + i * sizeof(shdr), sizeof(shdr));
		if (strcmp((const char *)data + names.sh_offset + shdr.sh_name, name) == 0)
			return ehdr.e_shoff + i * sizeof(shdr);
	}
	cr_assert_fail("no section '%s'", name);
	return 0;
}

static Elf64_Shdr get_shdr(const uint8_t *data, const char *name)
{
	Elf64_Shdr shdr;
	memcpy(&shdr, data + shdr_offset(data, name), sizeof(shdr));
	return shdr;
}

static void put_shdr(uint8_t *data, const char *name, const Elf64_Shdr *shdr)
{
	memcpy(data + shdr_offset(data, name), shdr, sizeof(*shdr));
}

Test(loader_errors, not_elf)
{
	const uint8_t text[] = "hello, robot";
	expect_error("text", text, sizeof(text), -EINVAL,
	             "text.o: not an ELF file (no \\177ELF magic at offset 0)");
	expect_error("empty", NULL, 0, -EINVAL,
	             "empty.o: not an ELF file (no \\177ELF magic at offset 0)");
}

Test(loader_errors, every_prefix_of_an_object_fails_cleanly)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	for (size_t prefix = 0; prefix < len; prefix++) {
		/* A copy of exactly prefix bytes, so ASan sees any read past it. */
		uint8_t *copy = malloc(prefix ? prefix : 1);
		memcpy(copy, data, prefix);
		char err[RK_ERR_LEN];
		struct rk_obj *obj = NULL;
		int rc = try_load("obj_minimal", copy, prefix, 0, &obj, err, sizeof(err));
		cr_assert_lt(rc, 0, "a %zu-byte prefix of %zu loaded", prefix, len);
		cr_assert_null(obj);
		cr_assert(strncmp(err, "obj_minimal.o: ", 15) == 0 && strlen(err) > 15,
		          "prefix %zu: message '%s'", prefix, err);
		free(copy);
	}
	free(data);
}

Test(loader_errors, truncated_header_and_sections)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	expect_error("obj_minimal", data, 40, -EINVAL,
	             "obj_minimal.o: truncated: the file is 40 bytes, the ELF header needs 64");
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, data, sizeof(ehdr));
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: the %u section headers at offset 0x%llx run past the end of the "
	         "%zu-byte file",
	         ehdr.e_shnum, (unsigned long long)ehdr.e_shoff, len - 1);
	expect_error("obj_minimal", data, len - 1, -EINVAL, expected);
	free(data);
}

Test(loader_errors, wrong_machine)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	uint16_t machine = EM_X86_64;
	memcpy(data + offsetof(Elf64_Ehdr, e_machine), &machine, sizeof(machine));
	expect_error("obj_minimal", data, len, -ENOTSUP,
	             "obj_minimal.o: ELF machine is x86_64 (62), not BPF (247)");
	free(data);
}

Test(loader_errors, big_endian)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	data[EI_DATA] = ELFDATA2MSB;
	expect_error("obj_minimal", data, len, -ENOTSUP,
	             "obj_minimal.o: ELF data encoding is big-endian (2) at offset 0x5, not "
	             "little-endian (1): build with clang -target bpf (or bpfel)");
	free(data);
}

Test(loader_errors, not_relocatable)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	uint16_t type = ET_EXEC;
	memcpy(data + offsetof(Elf64_Ehdr, e_type), &type, sizeof(type));
	expect_error("obj_minimal", data, len, -ENOTSUP,
	             "obj_minimal.o: ELF type is executable (2), not relocatable (1): load the .o "
	             "that clang -c produced");
	free(data);
}

Test(loader_errors, corrupt_section_offsets)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	Elf64_Shdr original = get_shdr(data, "tracepoint/test/minimal"), shdr = original;
	char expected[RK_ERR_LEN];

	shdr.sh_offset = 0xffffffff00ull;
	put_shdr(data, "tracepoint/test/minimal", &shdr);
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section 'tracepoint/test/minimal': data at offset 0xffffffff00 size "
	         "0x20 runs past the end of the %zu-byte file",
	         len);
	expect_error("obj_minimal", data, len, -EINVAL, expected);

	/* offset + size wraps around: must not pass as "inside". */
	shdr.sh_offset = 0x40;
	shdr.sh_size = UINT64_MAX - 0x20;
	put_shdr(data, "tracepoint/test/minimal", &shdr);
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section 'tracepoint/test/minimal': data at offset 0x40 size "
	         "0xffffffffffffffdf runs past the end of the %zu-byte file",
	         len);
	expect_error("obj_minimal", data, len, -EINVAL, expected);

	/* A name outside the name table. */
	shdr = original;
	shdr.sh_name = 0x7fffffff;
	put_shdr(data, "tracepoint/test/minimal", &original);
	size_t at = shdr_offset(data, "tracepoint/test/minimal");
	memcpy(data + at, &shdr, sizeof(shdr));
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, data, sizeof(ehdr));
	Elf64_Shdr names;
	memcpy(&names, data + ehdr.e_shoff + ehdr.e_shstrndx * sizeof(names), sizeof(names));
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section #%zu (header at offset 0x%zx): name offset 0x7fffffff is "
	         "outside the section name table (0x%llx bytes) or the name is not text",
	         (at - ehdr.e_shoff) / sizeof(Elf64_Shdr), at, (unsigned long long)names.sh_size);
	expect_error("obj_minimal", data, len, -EINVAL, expected);
	free(data);
}

/* The first relocation of section rel_name: its file offset. */
static size_t first_rel(const uint8_t *data, const char *rel_name, Elf64_Rel *rel)
{
	Elf64_Shdr shdr = get_shdr(data, rel_name);
	memcpy(rel, data + shdr.sh_offset, sizeof(*rel));
	return shdr.sh_offset;
}

Test(loader_errors, unknown_relocation_type)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	Elf64_Rel rel;
	size_t at = first_rel(data, ".reltracepoint/test/minimal", &rel);
	char expected[RK_ERR_LEN];

	rel.r_info = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), 3);
	memcpy(data + at, &rel, sizeof(rel));
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section 'tracepoint/test/minimal' offset 0x%llx: relocation type 3 "
	         "(R_BPF_64_ABS32) against 'answer' is not supported in code",
	         (unsigned long long)rel.r_offset);
	expect_error("obj_minimal", data, len, -EINVAL, expected);

	rel.r_info = ELF64_R_INFO(ELF64_R_SYM(rel.r_info), 77);
	memcpy(data + at, &rel, sizeof(rel));
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section 'tracepoint/test/minimal' offset 0x%llx: relocation type 77 "
	         "(unknown) against 'answer' is not supported in code",
	         (unsigned long long)rel.r_offset);
	expect_error("obj_minimal", data, len, -EINVAL, expected);

	/* A symbol index past the symbol table. */
	rel.r_info = ELF64_R_INFO(4000, 1);
	memcpy(data + at, &rel, sizeof(rel));
	Elf64_Shdr symtab = get_shdr(data, ".symtab");
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section '.reltracepoint/test/minimal' offset 0x0: relocation refers "
	         "to symbol 4000, but the symbol table has %llu",
	         (unsigned long long)(symtab.sh_size / sizeof(Elf64_Sym)));
	expect_error("obj_minimal", data, len, -EINVAL, expected);
	free(data);
}

Test(loader_errors, relocation_not_on_an_instruction)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	Elf64_Rel rel;
	size_t at = first_rel(data, ".reltracepoint/test/minimal", &rel);
	rel.r_offset = 0x1000;
	memcpy(data + at, &rel, sizeof(rel));
	expect_error("obj_minimal", data, len, -EINVAL,
	             "obj_minimal.o: section 'tracepoint/test/minimal' offset 0x1000: relocation (from "
	             "'.reltracepoint/test/minimal') is not at an instruction of the section (0x20 "
	             "bytes)");
	free(data);
}

Test(loader_errors, map_referenced_but_not_defined)
{
	size_t len;
	uint8_t *data = read_object("obj_undefined_map", &len);
	expect_error("obj_undefined_map", data, len, -ENOENT,
	             "obj_undefined_map.o: section 'tracepoint/sched/sched_switch' offset 0x20: "
	             "relocation against 'counts', which is not a map");
	free(data);
}

Test(loader_errors, rela_sections)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	Elf64_Shdr shdr = get_shdr(data, ".reltracepoint/test/minimal");
	shdr.sh_type = SHT_RELA;
	put_shdr(data, ".reltracepoint/test/minimal", &shdr);
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section '.reltracepoint/test/minimal' at offset 0x%llx: SHT_RELA "
	         "relocations are not supported (clang -target bpf writes SHT_REL)",
	         (unsigned long long)shdr.sh_offset);
	expect_error("obj_minimal", data, len, -ENOTSUP, expected);
	free(data);
}

Test(loader_errors, call_to_something_not_in_text)
{
	size_t len;
	uint8_t *data = read_object("obj_subprogs", &len);
	Elf64_Rel rel;
	size_t at = first_rel(data, ".reltracepoint/test/chain", &rel);
	/* Retarget the call at symbol 1, the FILE symbol clang writes first. */
	rel.r_info = ELF64_R_INFO(1, ELF64_R_TYPE(rel.r_info));
	memcpy(data + at, &rel, sizeof(rel));
	expect_error("obj_subprogs", data, len, -EINVAL,
	             "obj_subprogs.o: section 'tracepoint/test/chain' offset 0x10: call to "
	             "'obj_subprogs.bpf.c', which is not a function in .text");
	free(data);
}

/* Load a damaged object: it must either load (and free to 0) or fail with a message. */
static void load_or_fail_cleanly(const char *name, const uint8_t *data, size_t len,
                                 const char *what)
{
	char err[RK_ERR_LEN], prefix[64];
	struct rk_obj *obj = NULL;
	int rc = try_load(name, data, len, 0, &obj, err, sizeof(err));
	if (rc == 0) {
		rk_obj_release(obj);
		cr_assert_eq(rk_obj_budget(obj)->used, 0, "%s: budget not returned", what);
		rk_obj_free(obj);
		return;
	}
	snprintf(prefix, sizeof(prefix), "%s.o: ", name);
	cr_assert_lt(rc, 0, "%s", what);
	cr_assert_null(obj, "%s", what);
	cr_assert(strncmp(err, prefix, strlen(prefix)) == 0 && strlen(err) > strlen(prefix),
	          "%s: message '%s'", what, err);
	for (const char *c = err; *c; c++)
		cr_assert((unsigned char)*c >= 0x20 && *c != 0x7f, "%s: message '%s'", what, err);
}

Test(loader_errors, every_byte_damaged_loads_or_fails_cleanly)
{
	size_t len;
	uint8_t *data = read_object("obj_subprogs", &len);
	uint8_t *copy = malloc(len);
	static const uint8_t patterns[] = {0x00, 0xff, 0x80, 0x01};
	for (size_t p = 0; p < sizeof(patterns); p++) {
		for (size_t at = 0; at < len; at++) {
			memcpy(copy, data, len);
			copy[at] = patterns[p] == 0x01 ? copy[at] ^ 0x01 : patterns[p];
			char what[64];
			snprintf(what, sizeof(what), "byte %zu = 0x%02x", at, copy[at]);
			load_or_fail_cleanly("obj_subprogs", copy, len, what);
		}
	}
	free(copy);
	free(data);
}

Test(loader_errors, core_field_missing_in_the_target)
{
	/*
	 * obj_minimal's BTF has no struct sample: the accesses are poisoned, as
	 * libbpf does.  The object loads (a real program would guard such a path
	 * with bpf_core_field_exists()); running into the poison stops the run.
	 */
	struct rk_obj *target = load_object("obj_minimal");
	size_t len;
	uint8_t *data = read_object("obj_core", &len);
	struct rk_obj_opts opts = {.name = "obj_core.o", .target_btf = rk_obj_btf(target)};
	struct rk_obj *obj = NULL;
	char err[RK_ERR_LEN];
	cr_assert_eq(rk_obj_load(data, len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
	struct rk_prog *prog = rk_obj_prog_find(obj, "read_sample");
	cr_assert_not_null(prog);
	uint8_t ctx[64] = {0};
	for (int mode = RK_EXEC_FAST; mode <= RK_EXEC_CHECKED; mode++) {
		struct rk_run_opts run_opts = {.mode = mode, .insn_limit = 100000};
		struct rk_run_result result;
		cr_assert_eq(rk_prog_run(prog, ctx, sizeof(ctx), &run_opts, &result), -EFAULT);
		cr_assert_eq(result.stop, RK_STOP_CORE_POISON, "%s", result.message);
		/* The subprogram sample_value (insn 6) runs first and reads the field. */
		cr_assert_eq(result.insn_index, 6);
		cr_assert_str_eq(result.message,
		                 "insn 6: reached an instruction whose CO-RE relocation failed at load "
		                 "time (the target BTF lacks the field or type it uses)");
	}
	rk_obj_free(obj);
	free(data);
	free_object(target);
}

/* Found by fuzz_elf: a program in an unnamed section loaded with SEC() "". */
Test(loader_errors, program_in_a_section_with_no_name)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	size_t at = shdr_offset(data, "tracepoint/test/minimal");
	Elf64_Shdr shdr;
	memcpy(&shdr, data + at, sizeof(shdr));
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, data, sizeof(ehdr));
	size_t index = (at - ehdr.e_shoff) / sizeof(shdr);
	shdr.sh_name = 0; /* the empty string */
	memcpy(data + at, &shdr, sizeof(shdr));
	char expected[RK_ERR_LEN];
	snprintf(expected, sizeof(expected),
	         "obj_minimal.o: section '#%zu' offset 0x0: program 'minimal' is in a section with "
	         "no name (its SEC())",
	         index);
	expect_error("obj_minimal", data, len, -EINVAL, expected);
	free(data);
}

/* Found by fuzz_elf: a newline in a section name broke the one-line message. */
Test(loader_errors, control_character_in_a_name)
{
	size_t len;
	uint8_t *data = read_object("obj_minimal", &len);
	Elf64_Shdr shdr = get_shdr(data, "tracepoint/test/minimal");
	Elf64_Shdr names;
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, data, sizeof(ehdr));
	memcpy(&names, data + ehdr.e_shoff + ehdr.e_shstrndx * sizeof(names), sizeof(names));
	data[names.sh_offset + shdr.sh_name + 10] = '\n'; /* "tracepoint\ntest/minimal" */
	char err[RK_ERR_LEN];
	struct rk_obj *obj = NULL;
	cr_assert_eq(try_load("obj_minimal", data, len, 0, &obj, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "or the name is not text"), "%s", err);
	cr_assert_null(strchr(err, '\n'));
	free(data);
}

/* Regression: every variable of a multi-variable .data section printed at offset 0. */
Test(loader, global_data_json_uses_symbol_offsets)
{
	struct rk_obj *obj = load_object("obj_globals_multi");
	struct rk_prog *prog = rk_obj_prog_find(obj, "bump");
	cr_assert_not_null(prog);
	struct rk_run_result result;
	cr_assert_eq(rk_prog_run(prog, NULL, 0, NULL, &result), 0, "%s", result.message);
	struct rk_map *data = rk_obj_map_find(obj, ".data");
	cr_assert_not_null(data);
	uint32_t key = 0;
	char json[256];
	int rc = rk_btf_to_json(rk_obj_btf(obj), rk_map_def(data)->btf_value_type_id,
	                        rk_map_lookup(data, &key), rk_map_def(data)->value_size, json,
	                        sizeof(json));
	cr_assert_geq(rc, 0);
	cr_assert_str_eq(json, "{\"first\":12,\"second\":24,\"third\":36}");
	free_object(obj);
}

/* The symbol named name in .symtab (its file offset), for damaging it. */
static size_t symbol_offset(const uint8_t *data, const char *name)
{
	Elf64_Shdr symtab = get_shdr(data, ".symtab"), strtab = get_shdr(data, ".strtab");
	for (size_t at = symtab.sh_offset; at + sizeof(Elf64_Sym) <= symtab.sh_offset + symtab.sh_size;
	     at += sizeof(Elf64_Sym)) {
		Elf64_Sym sym;
		memcpy(&sym, data + at, sizeof(sym));
		if (strcmp((const char *)data + strtab.sh_offset + sym.st_name, name) == 0)
			return at;
	}
	cr_assert_fail("no symbol '%s'", name);
	return 0;
}

/* A global variable whose symbol is gone: its BTF offset cannot be known. */
Test(loader_errors, global_variable_without_a_symbol)
{
	size_t len;
	uint8_t *data = read_object("obj_globals_multi", &len);
	Elf64_Sym sym;
	size_t at = symbol_offset(data, "second");
	memcpy(&sym, data + at, sizeof(sym));
	sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_NOTYPE); /* no longer a data object */
	memcpy(data + at, &sym, sizeof(sym));
	expect_error("obj_globals_multi", data, len, -EINVAL,
	             "obj_globals_multi.o: section '.data': BTF DATASEC '.data': variable 'second' "
	             "has no symbol in the section");
	free(data);
}

/* A symbol that puts a variable outside its section is refused, not trusted. */
Test(loader_errors, global_variable_outside_its_section)
{
	size_t len;
	uint8_t *data = read_object("obj_globals_multi", &len);
	Elf64_Sym sym;
	size_t at = symbol_offset(data, "second");
	memcpy(&sym, data + at, sizeof(sym));
	sym.st_value = 0x1000;
	memcpy(data + at, &sym, sizeof(sym));
	expect_error("obj_globals_multi", data, len, -EINVAL,
	             "obj_globals_multi.o: section '.data': BTF DATASEC '.data': variable 'second' "
	             "(8 bytes at offset 4096) is outside the section's 18 bytes");
	free(data);
}
