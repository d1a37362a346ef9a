/*
 * prog_maps.c - rk_prog_new_maps(): assembled programs that use maps.
 *
 * The ELF loader resolves map references from relocations; a program
 * written in assembly names them instead ("lddw %r1, map_by_fd 0",
 * "lddw %r1, map_val_by_fd 0 + 8", "lddw %r1, code_addr +5").  This file
 * resolves those the same way, into addresses plus the map references the
 * verifier reads, so tests and hosts can verify hand-written programs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

static void set_imm64(struct rk_insn *insn, uint64_t value)
{
	insn[0].src_reg = RK_PSEUDO_IMM64;
	insn[0].imm = (int32_t)(uint32_t)value;
	insn[1].imm = (int32_t)(uint32_t)(value >> 32);
}

int rk_prog_new_maps(const struct rk_insn *insns, size_t insn_count,
                     const struct rk_helpers *helpers, struct rk_map *const *maps,
                     size_t map_count, struct rk_prog **prog_out, char *err, size_t err_len)
{
	*prog_out = NULL;
	int rc = rk_validate(insns, insn_count, err, err_len);
	if (rc)
		return rc;
	struct rk_prog_meta meta = {0};
	struct rk_insn *copy = malloc(insn_count * sizeof(*copy));
	size_t ref_cap = 0;
	for (size_t i = 0; i < insn_count; i++)
		ref_cap += insns[i].code == RK_OP_LDDW && insns[i].src_reg != RK_PSEUDO_IMM64;
	meta.map_refs = calloc(ref_cap ? ref_cap : 1, sizeof(*meta.map_refs));
	if (!copy || !meta.map_refs) {
		free(copy);
		free(meta.map_refs);
		return rk_set_err(err, err_len, -ENOMEM, "out of memory");
	}
	memcpy(copy, insns, insn_count * sizeof(*copy));
	for (size_t i = 0; i < insn_count; i++) {
		struct rk_insn *insn = &copy[i];
		if (insn->code != RK_OP_LDDW)
			continue;
		uint32_t kind = insn->src_reg;
		struct rk_map_ref *ref = &meta.map_refs[meta.map_ref_count];
		if (kind == RK_PSEUDO_IMM64) {
			i++;
			continue;
		}
		if (kind == RK_PSEUDO_MAP_FD || kind == RK_PSEUDO_MAP_VAL) {
			uint32_t index = (uint32_t)insn->imm;
			if (index >= map_count || !maps[index]) {
				rc = rk_set_err(err, err_len, -ENOENT,
				                "insn %zu: lddw refers to map %u, but %zu maps were given", i,
				                index, map_count);
				goto fail;
			}
			*ref = (struct rk_map_ref){.insn = (uint32_t)i, .kind = kind, .map = maps[index]};
			if (kind == RK_PSEUDO_MAP_FD) {
				set_imm64(insn, (uint64_t)(uintptr_t)maps[index]);
			} else {
				uint32_t off = (uint32_t)insn[1].imm;
				uint32_t key = 0;
				void *value = rk_map_def(maps[index])->type == RK_MAP_ARRAY
				                      ? rk_map_lookup(maps[index], &key)
				                      : NULL;
				if (!value || off > rk_map_def(maps[index])->value_size) {
					rc = rk_set_err(err, err_len, -EINVAL,
					                "insn %zu: map_val_by_fd %u + %u: the map must be an "
					                "array, and the offset inside its first value",
					                i, index, off);
					goto fail;
				}
				ref->off = off;
				set_imm64(insn, (uint64_t)(uintptr_t)value + off);
			}
		} else if (kind == RK_PSEUDO_CODE_ADDR) {
			int64_t target = (int64_t)i + insn->imm + 1;
			if (target < 0 || (size_t)target >= insn_count) {
				rc = rk_set_err(err, err_len, -EINVAL,
				                "insn %zu: code_addr %+d points outside the program", i,
				                insn->imm);
				goto fail;
			}
			*ref = (struct rk_map_ref){.insn = (uint32_t)i, .kind = kind,
			                           .off = (uint32_t)target};
			set_imm64(insn, (uint64_t)target);
		} else {
			rc = rk_set_err(err, err_len, -ENOTSUP,
			                "insn %zu: lddw with src_reg %u is not supported here", i, kind);
			goto fail;
		}
		meta.map_ref_count++;
		i++;
	}
	rc = rk_prog_new_meta(copy, insn_count, helpers, &meta, prog_out, err, err_len);
	free(copy);
	return rc;
fail:
	free(copy);
	free(meta.map_refs);
	return rc;
}
