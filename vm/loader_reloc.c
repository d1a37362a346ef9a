/*
 * loader_reloc.c - what an instruction of a BPF object refers to, and
 * how it is rewritten once the program is laid out.
 *
 * The encodings are clang's, as libbpf reads them (libbpf.c,
 * bpf_program__record_reloc() and bpf_object__reloc_code()):
 *   - call to a function in .text: R_BPF_64_32 on a CALL with src_reg 1.
 *     Against a global function's symbol, imm is -1; against the .text
 *     section symbol (a static function), imm is the callee's instruction
 *     index - 1.  Either way the callee is at value / 8 + imm + 1.
 *   - call between functions of the same section: no relocation, imm is
 *     relative to the call, as in the final program.
 *   - address of a function (bpf_loop callbacks): R_BPF_64_64 on an LDDW
 *     against .text (imm = byte offset) or the function (imm = 0).  The
 *     LDDW becomes src_reg 0 with imm64 = the callee's instruction index
 *     in the final program, which is what bpf_loop hands to the
 *     interpreter.
 *   - map: R_BPF_64_64 on an LDDW against the map's symbol in .maps or
 *     maps.  imm64 becomes the struct rk_map pointer.
 *   - global data: R_BPF_64_64 on an LDDW against a variable (imm = 0) or
 *     the section symbol (imm = offset).  imm64 becomes the address of
 *     the byte in the section's map value.
 * Every rewrite of a map or data LDDW is recorded as a struct rk_map_ref
 * for the verifier, since after it the LDDW is a plain 64-bit constant.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

static const char *reloc_type_name(uint32_t type)
{
	switch (type) {
	case RK_R_BPF_NONE: return "R_BPF_NONE";
	case RK_R_BPF_64_64: return "R_BPF_64_64";
	case RK_R_BPF_64_ABS64: return "R_BPF_64_ABS64";
	case RK_R_BPF_64_ABS32: return "R_BPF_64_ABS32";
	case RK_R_BPF_64_NODYLD32: return "R_BPF_64_NODYLD32";
	case RK_R_BPF_64_32: return "R_BPF_64_32";
	default: return "unknown";
	}
}

/* What a relocation's symbol is called in messages. */
static const char *sym_label(const struct rk_load *load, const struct rk_elf_sym *sym)
{
	if (sym->name[0])
		return sym->name;
	if (sym->type == STT_SECTION && sym->shndx && sym->shndx < load->elf.sec_count &&
	    load->elf.secs[sym->shndx].name[0])
		return load->elf.secs[sym->shndx].name;
	return "(unnamed symbol)";
}

const struct rk_elf_rel *rk_load_find_rel(const struct rk_load *load, size_t sec_index,
                                          uint64_t offset)
{
	const struct rk_load_sec *sec = &load->secs[sec_index];
	size_t low = 0, high = sec->rel_count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (sec->rels[mid].offset < offset)
			low = mid + 1;
		else
			high = mid;
	}
	return low < sec->rel_count && sec->rels[low].offset == offset ? &sec->rels[low] : NULL;
}

/* The subprogram starting at instruction index (of .text), or RK_LINK_NO_TARGET. */
static size_t subprog_at(const struct rk_load *load, int64_t index)
{
	size_t low = 0, high = load->subprog_count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if ((int64_t)load->subprogs[mid].start < index)
			low = mid + 1;
		else
			high = mid;
	}
	if (low < load->subprog_count && (int64_t)load->subprogs[low].start == index)
		return low;
	return RK_LINK_NO_TARGET;
}

int rk_link_target(struct rk_link *link, const struct rk_func *func, size_t sec_insn,
                   const struct rk_insn *insn, const struct rk_elf_rel *rel, size_t *target)
{
	struct rk_load *load = link->load;
	uint64_t at = sec_insn * RK_INSN_SIZE;
	bool is_call = insn->code == RK_OP_CALL && insn->src_reg == RK_CALL_LOCAL;
	*target = RK_LINK_NO_TARGET;
	const struct rk_elf_sym *sym = rel ? &load->elf.syms[rel->sym] : NULL;
	int64_t index;
	if (is_call && !rel) {
		if (func->sec_index != load->text_index)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "call %+d without a relocation: a program can only call "
			                   "functions in .text",
			                   insn->imm);
		index = (int64_t)sec_insn + insn->imm + 1;
	} else if (is_call) {
		if (rel->type != RK_R_BPF_64_32)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "call relocated by %s (%u), not R_BPF_64_32",
			                   reloc_type_name(rel->type), rel->type);
		if (sym->shndx == SHN_UNDEF)
			return rk_load_err(load, func->sec_index, at, -ENOENT,
			                   "call to '%s', which is not defined in this object",
			                   sym_label(load, sym));
		if (!load->text_index || sym->shndx != load->text_index)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "call to '%s', which is not a function in .text",
			                   sym_label(load, sym));
		if (sym->value % RK_INSN_SIZE)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "call to '%s' at byte 0x%llx of .text, not an instruction",
			                   sym_label(load, sym), (unsigned long long)sym->value);
		index = (int64_t)(sym->value / RK_INSN_SIZE) + insn->imm + 1;
	} else if (insn->code == RK_OP_LDDW && rel && load->text_index &&
	           sym->shndx == load->text_index) {
		/* A function's address: a callback for bpf_loop and friends. */
		if (rel->type != RK_R_BPF_64_64)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "lddw of the address of '%s' relocated by %s (%u), not "
			                   "R_BPF_64_64",
			                   sym_label(load, sym), reloc_type_name(rel->type), rel->type);
		int64_t byte = sym->value <= INT32_MAX ? (int64_t)sym->value + insn->imm : -1;
		if (byte < 0 || byte % RK_INSN_SIZE)
			return rk_load_err(load, func->sec_index, at, -EINVAL,
			                   "address of '%s' + %d is not an instruction of .text",
			                   sym_label(load, sym), insn->imm);
		index = byte / RK_INSN_SIZE;
	} else {
		return 0;
	}
	*target = subprog_at(load, index);
	if (*target == RK_LINK_NO_TARGET)
		return rk_load_err(load, func->sec_index, at, -EINVAL,
		                   "%s instruction %lld of .text, which is not the start of a "
		                   "function",
		                   is_call ? "call to" : "address of", (long long)index);
	return 0;
}

static void set_imm64(struct rk_insn *insn, uint64_t value)
{
	insn[0].src_reg = RK_PSEUDO_IMM64;
	insn[0].imm = (int32_t)(uint32_t)value;
	insn[1].imm = (int32_t)(uint32_t)(value >> 32);
}

static int add_map_ref(struct rk_link *link, size_t insn, uint32_t kind, struct rk_map *map,
                       uint32_t off)
{
	if (link->map_ref_count == link->map_ref_cap) {
		size_t cap = link->map_ref_cap ? link->map_ref_cap * 2 : 8;
		struct rk_map_ref *refs = realloc(link->map_refs, cap * sizeof(*refs));
		if (!refs)
			return rk_load_sec_err(link->load, link->prog->sec_index, -ENOMEM,
			                       "out of memory");
		link->map_refs = refs;
		link->map_ref_cap = cap;
	}
	link->map_refs[link->map_ref_count++] =
		(struct rk_map_ref){.insn = (uint32_t)insn, .kind = kind, .map = map, .off = off};
	return 0;
}

/* A map or global data reference: rel on the LDDW at final index insn_index. */
static int relocate_data(struct rk_link *link, const struct rk_func *func, size_t i,
                         size_t insn_index, const struct rk_elf_rel *rel)
{
	struct rk_load *load = link->load;
	struct rk_insn *insn = &link->insns[insn_index];
	uint64_t at = rel->offset;
	const struct rk_elf_sym *sym = &load->elf.syms[rel->sym];
	const char *name = sym_label(load, sym);
	if (insn->code == RK_OP_CALL && rel->type == RK_R_BPF_64_32)
		return rk_load_err(load, func->sec_index, at, -ENOTSUP,
		                   "call (src_reg %u) to '%s': only helpers by id and functions in "
		                   ".text can be called (kernel functions cannot)",
		                   insn->src_reg, name);
	if (rel->type != RK_R_BPF_64_64)
		return rk_load_err(load, func->sec_index, at, -EINVAL,
		                   "relocation type %u (%s) against '%s' is not supported in code",
		                   rel->type, reloc_type_name(rel->type), name);
	if (insn->code != RK_OP_LDDW)
		return rk_load_err(load, func->sec_index, at, -EINVAL,
		                   "relocation against '%s' on an instruction that is not lddw "
		                   "(opcode 0x%02x)",
		                   name, insn->code);
	if (i + 1 >= func->count)
		return rk_load_err(load, func->sec_index, at, -EINVAL,
		                   "lddw of '%s' is cut short by the end of function '%s'", name,
		                   func->name);
	size_t shndx = sym->shndx;
	if (shndx == SHN_UNDEF || shndx >= load->elf.sec_count)
		return rk_load_err(load, func->sec_index, at, -ENOENT,
		                   "relocation against '%s', which is not a map", name);
	if (shndx == load->maps_index || shndx == load->legacy_maps_index) {
		struct rk_obj_map *entry = rk_load_find_def_map(load, shndx, sym->value);
		if (!entry)
			return rk_load_err(load, func->sec_index, at, -ENOENT,
			                   "relocation against '%s', which is not a map", name);
		set_imm64(insn, (uint64_t)(uintptr_t)entry->map);
		return add_map_ref(link, insn_index, RK_PSEUDO_MAP_FD, entry->map, 0);
	}
	struct rk_obj_map *entry = rk_load_find_data_map(load, shndx);
	if (!entry)
		return rk_load_err(load, func->sec_index, at, -ENOENT,
		                   "relocation against '%s' in section '%s', which is neither a map "
		                   "nor global data",
		                   name, load->elf.secs[shndx].name);
	uint32_t size = rk_map_def(entry->map)->value_size;
	int64_t off = sym->value <= size ? (int64_t)sym->value + insn->imm : -1;
	if (off < 0 || off > (int64_t)size)
		return rk_load_err(load, func->sec_index, at, -EINVAL,
		                   "relocation against '%s' + %d is outside the %u bytes of '%s'",
		                   name, insn->imm, size, load->elf.secs[shndx].name);
	set_imm64(insn, (uint64_t)(uintptr_t)(entry->value + off));
	return add_map_ref(link, insn_index, RK_PSEUDO_MAP_VAL, entry->map, (uint32_t)off);
}

int rk_link_relocate_unit(struct rk_link *link, const struct rk_unit *unit)
{
	struct rk_load *load = link->load;
	const struct rk_func *func = unit->func;
	for (size_t i = 0; i < func->count; i++) {
		size_t sec_insn = func->start + i;
		size_t insn_index = unit->final_start + i;
		struct rk_insn *insn = &link->insns[insn_index];
		const struct rk_elf_rel *rel =
			rk_load_find_rel(load, func->sec_index, sec_insn * RK_INSN_SIZE);
		size_t target;
		int rc = rk_link_target(link, func, sec_insn, insn, rel, &target);
		if (rc)
			return rc;
		if (target != RK_LINK_NO_TARGET) {
			size_t target_index = link->units[link->placed[target] - 1].final_start;
			if (insn->code == RK_OP_CALL) {
				insn->imm = (int32_t)((int64_t)target_index - (int64_t)insn_index - 1);
			} else if (i + 1 < func->count) {
				set_imm64(insn, target_index);
				/* The verifier must know this number is a function (a callback). */
				rc = add_map_ref(link, insn_index, RK_PSEUDO_CODE_ADDR, NULL,
				                 (uint32_t)target_index);
				if (rc)
					return rc;
			} else {
				return rk_load_err(load, func->sec_index, sec_insn * RK_INSN_SIZE,
				                   -EINVAL,
				                   "lddw is cut short by the end of function '%s'",
				                   func->name);
			}
		} else if (rel) {
			rc = relocate_data(link, func, i, insn_index, rel);
			if (rc)
				return rc;
		}
		if (insn->code == RK_OP_LDDW && i + 1 < func->count) {
			i++;
			if (rk_load_find_rel(load, func->sec_index, (sec_insn + 1) * RK_INSN_SIZE))
				return rk_load_err(load, func->sec_index, (sec_insn + 1) * RK_INSN_SIZE,
				                   -EINVAL,
				                   "relocation on the second half of an lddw");
		}
	}
	return 0;
}
