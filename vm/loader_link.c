/*
 * loader_link.c - from functions in ELF sections to complete programs.
 *
 * Every global function in an executable section other than .text is a
 * program (clang puts each SEC() function in its section); the functions
 * in .text are subprograms.  As libbpf does, each program gets its own
 * copy of every subprogram it calls, directly or not, appended after its
 * code: first a layout pass walks the calls breadth-first and decides
 * where each subprogram lands, then the code is copied and every unit's
 * relocations are applied (loader_reloc.c), then CO-RE, then line info
 * from .BTF.ext, shifted to where each piece landed.
 *
 * What must stay true: a subprogram is placed at most once per program
 * (link.placed), so the work per program is bounded by the size of the
 * object, and the program's size is charged to the budget before it is
 * allocated.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "loader_internal.h"

/* ------------------------------------------------------------------ */
/* Functions and relocations                                          */
/* ------------------------------------------------------------------ */

static int is_code_section(const struct rk_elf_sec *sec)
{
	return sec->type == SHT_PROGBITS && (sec->flags & SHF_EXECINSTR);
}

static int func_cmp(const void *a, const void *b)
{
	const struct rk_func *fa = a, *fb = b;
	if (fa->sec_index != fb->sec_index)
		return fa->sec_index < fb->sec_index ? -1 : 1;
	return fa->start < fb->start ? -1 : fa->start > fb->start;
}

static int add_func(struct rk_load *load, const struct rk_elf_sym *sym, size_t symtab_offset)
{
	const struct rk_elf_sec *sec = &load->elf.secs[sym->shndx];
	size_t symtab = load->elf.symtab_index;
	if (sym->value % RK_INSN_SIZE || sym->size % RK_INSN_SIZE || sym->size == 0 ||
	    sym->value > sec->size || sym->size > sec->size - sym->value)
		return rk_load_err(load, symtab, symtab_offset, -EINVAL,
		                   "function '%s' at 0x%llx, 0x%llx bytes, is not whole instructions "
		                   "inside its section '%s' (0x%llx bytes)",
		                   sym->name, (unsigned long long)sym->value,
		                   (unsigned long long)sym->size, sec->name,
		                   (unsigned long long)sec->size);
	if (!sym->name[0])
		return rk_load_err(load, symtab, symtab_offset, -EINVAL, "a function has no name");
	bool is_sub = sym->shndx == load->text_index;
	if (!is_sub && sym->bind == STB_LOCAL)
		return rk_load_err(load, sym->shndx, sym->value, -ENOTSUP,
		                   "program '%s' is static; a SEC() program must be a global function",
		                   sym->name);
	if (!is_sub && !sec->name[0])
		return rk_load_err(load, sym->shndx, sym->value, -EINVAL,
		                   "program '%s' is in a section with no name (its SEC())",
		                   sym->name);
	struct rk_func *funcs = is_sub ? load->subprogs : load->progs;
	size_t *count = is_sub ? &load->subprog_count : &load->prog_count;
	funcs[*count].name = sym->name;
	funcs[*count].sec_index = sym->shndx;
	funcs[*count].start = sym->value / RK_INSN_SIZE;
	funcs[*count].count = sym->size / RK_INSN_SIZE;
	(*count)++;
	return 0;
}

/* Sorted functions of one kind must not overlap. */
static int check_overlap(struct rk_load *load, const struct rk_func *funcs, size_t count)
{
	for (size_t i = 1; i < count; i++) {
		const struct rk_func *prev = &funcs[i - 1], *cur = &funcs[i];
		if (prev->sec_index == cur->sec_index && prev->start + prev->count > cur->start)
			return rk_load_err(load, cur->sec_index, cur->start * RK_INSN_SIZE, -EINVAL,
			                   "function '%s' overlaps '%s'", cur->name, prev->name);
	}
	return 0;
}

static int collect_rels(struct rk_load *load)
{
	const struct rk_elf *elf = &load->elf;
	for (size_t i = 1; i < elf->sec_count; i++) {
		const struct rk_elf_sec *rel_sec = &elf->secs[i];
		if (rel_sec->type != SHT_REL)
			continue;
		size_t target = rel_sec->info;
		if (target == 0 || target >= elf->sec_count)
			return rk_load_sec_err(load, i, -EINVAL,
			                       "relocations for section %zu, which does not exist", target);
		if (target == load->maps_index && rel_sec->size)
			return rk_load_sec_err(load, i, -ENOTSUP,
			                       "relocations in '.maps' (map initialisers such as "
			                       "__array(values, ...)) are not supported");
		/* Debug info, BTF and data relocations only matter to linkers. */
		if (!is_code_section(&elf->secs[target]))
			continue;
		struct rk_load_sec *sec = &load->secs[target];
		if (sec->rel_index)
			return rk_load_sec_err(load, i, -EINVAL,
			                       "a second relocation section for '%s' (the first is #%zu)",
			                       elf->secs[target].name, sec->rel_index);
		int rc = rk_elf_rels(elf, i, &sec->rels, &sec->rel_count, load->err, load->err_len);
		if (rc)
			return rc;
		sec->rel_index = i;
		for (size_t r = 0; r < sec->rel_count; r++) {
			uint64_t offset = sec->rels[r].offset;
			if (offset % RK_INSN_SIZE || offset >= elf->secs[target].size)
				return rk_load_err(load, target, offset, -EINVAL,
				                   "relocation (from '%s') is not at an instruction of the "
				                   "section (0x%llx bytes)",
				                   rel_sec->name, (unsigned long long)elf->secs[target].size);
			if (r && sec->rels[r - 1].offset == offset)
				return rk_load_err(load, target, offset, -EINVAL,
				                   "two relocations for the same instruction");
		}
	}
	return 0;
}

int rk_load_funcs(struct rk_load *load)
{
	const struct rk_elf *elf = &load->elf;
	for (size_t i = 1; i < elf->sec_count; i++)
		if (is_code_section(&elf->secs[i]) && elf->secs[i].size % RK_INSN_SIZE)
			return rk_load_sec_err(load, i, -EINVAL,
			                       "code section size 0x%llx is not whole instructions",
			                       (unsigned long long)elf->secs[i].size);
	size_t cap = elf->sym_count ? elf->sym_count : 1;
	load->progs = calloc(cap, sizeof(*load->progs));
	load->subprogs = calloc(cap, sizeof(*load->subprogs));
	if (!load->progs || !load->subprogs)
		return rk_set_err(load->err, load->err_len, -ENOMEM, "%s: out of memory", load->file);
	for (size_t i = 1; i < elf->sym_count; i++) {
		const struct rk_elf_sym *sym = &elf->syms[i];
		if (sym->type != STT_FUNC || sym->shndx == SHN_UNDEF || sym->shndx >= elf->sec_count ||
		    !is_code_section(&elf->secs[sym->shndx]))
			continue;
		int rc = add_func(load, sym, i * sizeof(Elf64_Sym));
		if (rc)
			return rc;
	}
	qsort(load->progs, load->prog_count, sizeof(*load->progs), func_cmp);
	qsort(load->subprogs, load->subprog_count, sizeof(*load->subprogs), func_cmp);
	int rc = check_overlap(load, load->progs, load->prog_count);
	if (!rc)
		rc = check_overlap(load, load->subprogs, load->subprog_count);
	if (!rc)
		rc = collect_rels(load);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Building one program                                               */
/* ------------------------------------------------------------------ */

static void read_insn(const struct rk_load *load, const struct rk_func *func, size_t i,
                      struct rk_insn *out)
{
	const uint8_t *code = load->elf.secs[func->sec_index].data;
	memcpy(out, code + (func->start + i) * RK_INSN_SIZE, sizeof(*out));
}

/* Where every subprogram the program calls lands (breadth-first). */
static int layout(struct rk_link *link)
{
	struct rk_load *load = link->load;
	for (size_t u = 0; u < link->unit_count; u++) {
		const struct rk_func *func = link->units[u].func;
		for (size_t i = 0; i < func->count; i++) {
			struct rk_insn insn;
			read_insn(load, func, i, &insn);
			size_t sec_insn = func->start + i;
			const struct rk_elf_rel *rel =
				rk_load_find_rel(load, func->sec_index, sec_insn * RK_INSN_SIZE);
			size_t target;
			int rc = rk_link_target(link, func, sec_insn, &insn, rel, &target);
			if (rc)
				return rc;
			if (target != RK_LINK_NO_TARGET && !link->placed[target]) {
				const struct rk_func *sub = &load->subprogs[target];
				if (link->insn_count + sub->count > RK_MAX_INSNS)
					return rk_load_sec_err(load, link->prog->sec_index, -E2BIG,
					                       "program '%s' with its subprograms is more "
					                       "than %u instructions",
					                       link->prog->name, RK_MAX_INSNS);
				link->units[link->unit_count].func = sub;
				link->units[link->unit_count].final_start = link->insn_count;
				link->placed[target] = ++link->unit_count;
				link->insn_count += sub->count;
			}
			if (insn.code == RK_OP_LDDW)
				i++;
		}
	}
	return 0;
}

/* Does any function this link keeps carry a CO-RE relocation? */
static bool has_core_relocs(const struct rk_link *link)
{
	const struct rk_load *load = link->load;
	for (size_t u = 0; u < link->unit_count; u++) {
		const struct rk_func *func = link->units[u].func;
		const struct rk_btf_ext_sec *sec =
			rk_btf_ext_section(load->ext, load->elf.secs[func->sec_index].name);
		if (sec && sec->core_count)
			return true;
	}
	return false;
}

static int apply_core(struct rk_link *link)
{
	struct rk_load *load = link->load;
	if (!load->ext)
		return 0;
	const struct rk_btf *target = load->opts->target_btf;
	if (!target && load->opts->get_target_btf && has_core_relocs(link))
		target = load->opts->get_target_btf(load->opts->get_target_btf_arg);
	/*
	 * Without a target, relocate against the object's own BTF: correct
	 * only for programs that do not read kernel types, but it keeps a
	 * program that uses CO-RE on its own structs loadable (and tests
	 * hermetic).
	 */
	bool own = !target;
	if (own)
		target = load->obj->btf;
	for (size_t u = 0; u < link->unit_count; u++) {
		const struct rk_unit *unit = &link->units[u];
		const struct rk_func *func = unit->func;
		const struct rk_btf_ext_sec *sec =
			rk_btf_ext_section(load->ext, load->elf.secs[func->sec_index].name);
		for (size_t i = 0; sec && i < sec->core_count; i++) {
			struct rk_btf_ext_core relo = sec->cores[i];
			uint64_t first = func->start * RK_INSN_SIZE;
			if (relo.insn_off < first || relo.insn_off - first >= func->count * RK_INSN_SIZE)
				continue;
			relo.insn_off = (uint32_t)(unit->final_start * RK_INSN_SIZE +
			                           (relo.insn_off - first));
			char why[RK_ERR_LEN];
			why[0] = '\0';
			int rc = rk_core_relocate(link->insns, link->insn_count, &relo, load->obj->btf,
			                          target, why, sizeof(why));
			if (rc == -ENOENT) {
				/*
				 * The target lacks the type or field.  As libbpf: poison
				 * the instruction, so that a program guarding the read
				 * with bpf_core_field_exists() still loads, and keep the
				 * reason for when the poisoned call is refused.
				 */
				rc = rk_core_poison(link->insns, link->insn_count, &relo);
				if (!rc && !link->core_missing[0]) {
					char *saved = load->err;
					size_t saved_len = load->err_len;
					load->err = link->core_missing;
					load->err_len = sizeof(link->core_missing);
					rk_load_err(load, func->sec_index, sec->cores[i].insn_off, 0,
					            "program '%s'%s: %s", link->prog->name,
					            own ? " (CO-RE against its own BTF)" : "", why);
					load->err = saved;
					load->err_len = saved_len;
				}
			}
			if (rc)
				return rk_load_err(load, func->sec_index, sec->cores[i].insn_off, rc,
				                   "program '%s'%s: %s", link->prog->name,
				                   own ? " (CO-RE against its own BTF)" : "", why);
		}
	}
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	const struct rk_prog_line *la = a, *lb = b;
	return la->insn < lb->insn ? -1 : la->insn > lb->insn;
}

static int collect_lines(struct rk_link *link, struct rk_prog_meta *meta)
{
	struct rk_load *load = link->load;
	if (!load->ext)
		return 0;
	size_t total = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t u = 0; u < link->unit_count; u++) {
			const struct rk_func *func = link->units[u].func;
			const struct rk_btf_ext_sec *sec =
				rk_btf_ext_section(load->ext, load->elf.secs[func->sec_index].name);
			uint64_t first = func->start * RK_INSN_SIZE;
			for (size_t i = 0; sec && i < sec->line_count; i++) {
				const struct rk_btf_ext_line *line = &sec->lines[i];
				if (line->insn_off < first ||
				    line->insn_off - first >= func->count * RK_INSN_SIZE ||
				    line->insn_off % RK_INSN_SIZE)
					continue;
				if (pass == 0) {
					total++;
					continue;
				}
				struct rk_prog_line *out = &meta->lines[meta->line_count++];
				out->insn = (uint32_t)(link->units[u].final_start +
				                       (line->insn_off - first) / RK_INSN_SIZE);
				out->line = line->line;
				out->column = line->column;
				out->file = rk_btf_str(load->obj->btf, line->file_name_off);
				out->source = rk_btf_str(load->obj->btf, line->line_off);
			}
		}
		if (pass == 0) {
			if (!total)
				return 0;
			meta->lines = calloc(total, sizeof(*meta->lines));
			if (!meta->lines)
				return rk_load_sec_err(load, link->prog->sec_index, -ENOMEM,
				                       "out of memory for line info");
		}
	}
	qsort(meta->lines, meta->line_count, sizeof(*meta->lines), line_cmp);
	return 0;
}

/* Everything but the instructions, for rk_prog_new_meta(). */
static int fill_meta(struct rk_link *link, struct rk_prog_meta *meta)
{
	struct rk_load *load = link->load;
	meta->name = strdup(link->prog->name);
	meta->section = strdup(load->elf.secs[link->prog->sec_index].name);
	meta->func_starts = calloc(link->unit_count, sizeof(*meta->func_starts));
	if (!meta->name || !meta->section || !meta->func_starts)
		return rk_load_sec_err(load, link->prog->sec_index, -ENOMEM, "out of memory");
	/* Units land in increasing order, so the starts come out sorted. */
	for (size_t u = 0; u < link->unit_count; u++)
		meta->func_starts[u] = (uint32_t)link->units[u].final_start;
	meta->func_count = link->unit_count;
	meta->map_refs = link->map_refs;
	meta->map_ref_count = link->map_ref_count;
	link->map_refs = NULL;
	link->map_ref_count = 0;
	meta->obj = load->obj;
	meta->budget = &load->obj->budget;
	return collect_lines(link, meta);
}

static void meta_free(struct rk_prog_meta *meta)
{
	free(meta->name);
	free(meta->section);
	free(meta->lines);
	free(meta->map_refs);
	free(meta->func_starts);
}

/*
 * What a program holds once made: its instructions twice (the bytecode and
 * the fast interpreter's form), its helper table and its metadata.
 */
static size_t program_bytes(const struct rk_prog *prog)
{
	const struct rk_prog_meta *meta = &prog->meta;
	return sizeof(*prog) +
	       prog->insn_count * (sizeof(*prog->insns) + sizeof(*prog->fast_code)) +
	       prog->call_fn_count * sizeof(*prog->call_fns) +
	       meta->line_count * sizeof(*meta->lines) +
	       meta->map_ref_count * sizeof(*meta->map_refs) +
	       meta->func_count * sizeof(*meta->func_starts) +
	       (meta->name ? strlen(meta->name) + 1 : 0) +
	       (meta->section ? strlen(meta->section) + 1 : 0);
}

static int build_program(struct rk_load *load, const struct rk_func *prog,
                         struct rk_prog **prog_out, size_t *charge_out)
{
	struct rk_obj *obj = load->obj;
	struct rk_link link;
	memset(&link, 0, sizeof(link));
	link.load = load;
	link.prog = prog;
	link.units = calloc(load->subprog_count + 1, sizeof(*link.units));
	link.placed = calloc(load->subprog_count + 1, sizeof(*link.placed));
	struct rk_prog_meta meta;
	memset(&meta, 0, sizeof(meta));
	size_t insns_bytes = 0;
	char why[RK_ERR_LEN];
	int rc = 0;
	if (!link.units || !link.placed) {
		rc = rk_load_sec_err(load, prog->sec_index, -ENOMEM, "out of memory");
		goto out;
	}
	link.units[0].func = prog;
	link.unit_count = 1;
	link.insn_count = prog->count;
	rc = layout(&link);
	if (rc)
		goto out;

	insns_bytes = link.insn_count * sizeof(*link.insns);
	why[0] = '\0';
	link.insns = rk_budget_alloc(&obj->budget, insns_bytes, "program code", why, sizeof(why));
	if (!link.insns) {
		rc = rk_load_sec_err(load, prog->sec_index, -ENOSPC, "program '%s': %s", prog->name,
		                     why);
		goto out;
	}
	for (size_t u = 0; u < link.unit_count; u++) {
		const struct rk_func *func = link.units[u].func;
		memcpy(link.insns + link.units[u].final_start,
		       load->elf.secs[func->sec_index].data + func->start * RK_INSN_SIZE,
		       func->count * RK_INSN_SIZE);
	}
	for (size_t u = 0; u < link.unit_count && !rc; u++)
		rc = rk_link_relocate_unit(&link, &link.units[u]);
	if (!rc)
		rc = apply_core(&link);
	if (!rc)
		rc = fill_meta(&link, &meta);
	if (rc) {
		meta_free(&meta);
		goto out;
	}
	why[0] = '\0';
	size_t used_before = obj->budget.used;
	/* Takes meta's arrays, even when it fails. */
	rc = rk_prog_new_meta(link.insns, link.insn_count, load->helpers, &meta, prog_out, why,
	                      sizeof(why));
	/*
	 * rk_prog_new_meta() may charge the program to meta.budget itself
	 * (vm_internal.h says it is for that); until it does, the loader
	 * charges what the program holds, so unloading is still accounted.
	 */
	if (!rc && obj->budget.used == used_before) {
		size_t bytes = program_bytes(*prog_out);
		rc = rk_obj_charge(obj, bytes, "program", why, sizeof(why));
		if (rc) {
			rk_prog_free(*prog_out);
			*prog_out = NULL;
		} else {
			*charge_out = bytes;
		}
	}
	if (rc && link.core_missing[0])
		rk_set_err(load->err, load->err_len, rc, "%s (so the program was refused: %s)",
		           link.core_missing, why);
	else if (rc)
		rk_load_sec_err(load, prog->sec_index, rc, "program '%s': %s", prog->name, why);
out:
	rk_budget_free(&obj->budget, link.insns, insns_bytes);
	free(link.map_refs);
	free(link.units);
	free(link.placed);
	return rc;
}

int rk_load_programs(struct rk_load *load)
{
	struct rk_obj *obj = load->obj;
	if (!load->prog_count)
		return 0;
	char why[RK_ERR_LEN];
	why[0] = '\0';
	obj->progs = rk_budget_alloc(&obj->budget, load->prog_count * sizeof(*obj->progs),
	                             "program table", why, sizeof(why));
	if (!obj->progs)
		return rk_set_err(load->err, load->err_len, -ENOSPC, "%s: %s", load->file, why);
	obj->prog_charges = rk_budget_alloc(&obj->budget,
	                                    load->prog_count * sizeof(*obj->prog_charges),
	                                    "program table", why, sizeof(why));
	obj->prog_cap = load->prog_count;
	if (!obj->prog_charges)
		return rk_set_err(load->err, load->err_len, -ENOSPC, "%s: %s", load->file, why);
	/* prog_count grows with each built program so that a failure frees only those. */
	for (size_t i = 0; i < load->prog_count; i++) {
		int rc = build_program(load, &load->progs[i], &obj->progs[obj->prog_count],
		                       &obj->prog_charges[obj->prog_count]);
		if (rc)
			return rc;
		obj->prog_count++;
	}
	return 0;
}
