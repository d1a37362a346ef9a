/*
 * fuzz_btf.c - libFuzzer target for the BTF library: rk_btf_parse(), every
 * lookup on every type, rk_btf_to_json(), rk_btf_ext_parse() and CO-RE
 * relocations.
 *
 * Input: a little-endian u32 n, then n bytes of .BTF, then the rest as
 * .BTF.ext (fuzz/seeds/fuzz_btf/ holds real pairs from clang objects, in
 * this format).  When n is larger than what follows, everything is .BTF.
 *
 * Invariants (abort() when broken, so that libFuzzer keeps the input):
 *   - a refused blob gives a negative errno, no object, and one line of
 *     message shorter than RK_ERR_LEN;
 *   - rk_btf_type_size() is a size or a negative errno, never a hang;
 *   - rk_btf_find() of a type's own name and kind finds a type of that name
 *     at or before it;
 *   - rk_btf_to_json() writes a NUL-terminated string inside out_len and
 *     returns its length (or -ENOSPC with a full buffer, or another errno);
 *   - a CO-RE relocation that fails leaves the instructions untouched.
 * ASan and UBSan add: no read outside the blob or the data, no overflow.
 */
#include <errno.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "core.h"
#include "rkbpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounds on the work per input: coverage, not run time. */
#define MAX_TYPES_WALKED 4096
#define JSON_DATA_BYTES 256
#define JSON_OUT_BYTES 512
#define JSON_SMALL_OUT 16
#define INSN_SLOTS 32
#define MAX_RELOS 256

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_btf: %s: %s\n", what, detail);
	abort();
}

static void check_message(const char *err, int rc)
{
	size_t len = strnlen(err, RK_ERR_LEN);
	if (rc >= 0 || len == 0 || len >= RK_ERR_LEN || strchr(err, '\n'))
		fail("bad error message", err);
}

static void check_json(const struct rk_btf *btf, uint32_t id, const uint8_t *json_data,
                       size_t json_size, size_t out_len)
{
	char out[JSON_OUT_BYTES];
	memset(out, 'X', sizeof(out));
	int n = rk_btf_to_json(btf, id, json_data, json_size, out, out_len);
	size_t len = strnlen(out, out_len);
	if (len == out_len)
		fail("to_json", "output not NUL-terminated");
	if (n >= 0 && (size_t)n != len)
		fail("to_json", "return value is not the length written");
	if (n == -ENOSPC && len != out_len - 1)
		fail("to_json", "-ENOSPC with room left");
}

/* A section of assorted instructions for relocations to patch. */
static void fill_insns(struct rk_insn *insns, const uint8_t *data, size_t size)
{
	static const uint8_t codes[] = {
		RK_CLS_ALU64 | RK_ALU_MOV | RK_SRC_K,
		RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_W,
		RK_OP_LDDW,
		0,
		RK_CLS_ALU | RK_ALU_ADD | RK_SRC_K,
		RK_CLS_STX | RK_MODE_MEM | RK_SIZE_DW,
		RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_B,
		RK_OP_EXIT,
	};
	for (size_t i = 0; i < INSN_SLOTS; i++) {
		insns[i] = (struct rk_insn){.code = codes[i % sizeof(codes)]};
		/* Small values taken from the input so that some relocations validate. */
		uint8_t value = size ? data[i % size] : 0;
		uint8_t cls = RK_CLASS(insns[i].code);
		if (cls == RK_CLS_LDX || cls == RK_CLS_ST || cls == RK_CLS_STX)
			insns[i].off = value;
		else if (insns[i].code != 0)
			insns[i].imm = value;
	}
}

static void check_core(const struct rk_btf *btf, const struct rk_btf_ext *ext,
                       const uint8_t *data, size_t size)
{
	size_t relos = 0;
	for (size_t s = 0; s < ext->sec_count; s++) {
		const struct rk_btf_ext_sec *sec = &ext->secs[s];
		if (rk_btf_ext_section(ext, sec->name) == NULL)
			fail("ext", "a section cannot be found by its name");
		for (size_t i = 0; i < sec->core_count && relos < MAX_RELOS; i++, relos++) {
			struct rk_insn insns[INSN_SLOTS], before[INSN_SLOTS];
			char err[RK_ERR_LEN];
			fill_insns(insns, data, size);
			memcpy(before, insns, sizeof(insns));
			/* Local and target the same; then "no target" (the same, by default). */
			int rc = rk_core_relocate(insns, INSN_SLOTS, &sec->cores[i], btf, btf, err,
			                          sizeof(err));
			if (rc < 0) {
				check_message(err, rc);
				if (memcmp(insns, before, sizeof(insns)) != 0)
					fail("core", "a failed relocation changed the instructions");
				rk_core_poison(insns, INSN_SLOTS, &sec->cores[i]);
			}
			fill_insns(insns, data, size);
			rc = rk_core_relocate(insns, INSN_SLOTS, &sec->cores[i], btf, NULL, err,
			                      sizeof(err));
			if (rc < 0)
				check_message(err, rc);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < sizeof(uint32_t))
		return 0;
	uint32_t btf_len;
	memcpy(&btf_len, data, sizeof(btf_len));
	data += sizeof(btf_len);
	size -= sizeof(btf_len);
	if (btf_len > size)
		btf_len = (uint32_t)size;

	char err[RK_ERR_LEN];
	struct rk_btf *btf = NULL;
	int rc = rk_btf_parse(data, btf_len, &btf, err, sizeof(err));
	if (rc < 0) {
		check_message(err, rc);
		if (btf)
			fail("parse", "failed but returned an object");
		return 0;
	}

	/* JSON data: the input itself, zero-padded to a fixed size. */
	uint8_t json_data[JSON_DATA_BYTES] = {0};
	memcpy(json_data, data, size < sizeof(json_data) ? size : sizeof(json_data));

	uint32_t count = rk_btf_type_count(btf);
	for (uint32_t id = 1; id < count && id <= MAX_TYPES_WALKED; id++) {
		const struct btf_type *t = rk_btf_type_by_id(btf, id);
		if (!t)
			fail("type_by_id", "NULL for an id below the count");
		int64_t type_size = rk_btf_type_size(btf, id);
		if (type_size < 0 && type_size != -EINVAL && type_size != -EOVERFLOW &&
		    type_size != -ELOOP && type_size != -ENOENT)
			fail("type_size", "unexpected errno");
		rk_btf_skip_modifiers(btf, id);
		const char *name = rk_btf_str(btf, t->name_off);
		if (*name) {
			int64_t found = rk_btf_find(btf, name, BTF_INFO_KIND(t->info));
			if (found <= 0 || found > id)
				fail("find", name);
		}
		check_json(btf, id, json_data, sizeof(json_data), JSON_OUT_BYTES);
		check_json(btf, id, json_data, id % sizeof(json_data), JSON_SMALL_OUT);
	}

	struct rk_btf_ext *ext = NULL;
	const uint8_t *ext_data = data + btf_len;
	size_t ext_len = size - btf_len;
	rc = rk_btf_ext_parse(ext_data, ext_len, btf, &ext, err, sizeof(err));
	if (rc < 0) {
		check_message(err, rc);
		if (ext)
			fail("ext", "failed but returned an object");
	} else {
		check_core(btf, ext, data, size);
		rk_btf_ext_free(ext);
	}
	rk_btf_free(btf);
	return 0;
}
