/*
 * loader.c - rk_obj_load(): a relocatable BPF ELF object, as clang -O2 -g
 * -target bpf builds it from libbpf-style C, turned into programs and
 * maps ready to run, the way libbpf would load it into a kernel.
 *
 * The steps, each in its own file: parse and bounds-check the ELF
 * (elf_reader.c); take the license and the BTF; find the functions and
 * collect the relocations of code sections (loader_link.c); create the
 * maps (loader_maps.c); then build every program: append the .text
 * subprograms it calls, resolve calls, map and global-data references
 * (loader_reloc.c), CO-RE, line info, and hand the result to
 * rk_prog_new_meta() (loader_link.c).
 *
 * The one thing to know before changing it: a failure anywhere frees
 * everything built so far through rk_obj_free(), so every step leaves the
 * object in a state rk_obj_free() can release, and every byte the object
 * holds goes through obj->budget.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

const char *rk_load_sec_name(const struct rk_load *load, size_t sec_index, char *buf,
                             size_t buf_len)
{
	return rk_elf_sec_label(&load->elf, sec_index, buf, buf_len);
}

static int load_verr(struct rk_load *load, size_t sec_index, const uint64_t *offset, int rc,
                     const char *fmt, va_list args)
{
	if (!load->err || !load->err_len)
		return rc;
	char label[32];
	char message[RK_ERR_LEN];
	vsnprintf(message, sizeof(message), fmt, args);
	const char *name = rk_load_sec_name(load, sec_index, label, sizeof(label));
	if (offset)
		snprintf(load->err, load->err_len, "%s: section '%s' offset 0x%llx: %s", load->file,
		         name, (unsigned long long)*offset, message);
	else
		snprintf(load->err, load->err_len, "%s: section '%s': %s", load->file, name, message);
	return rc;
}

int rk_load_err(struct rk_load *load, size_t sec_index, uint64_t offset, int rc, const char *fmt,
                ...)
{
	va_list args;
	va_start(args, fmt);
	rc = load_verr(load, sec_index, &offset, rc, fmt, args);
	va_end(args);
	return rc;
}

int rk_load_sec_err(struct rk_load *load, size_t sec_index, int rc, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	rc = load_verr(load, sec_index, NULL, rc, fmt, args);
	va_end(args);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Budget for what the object holds but did not allocate itself       */
/* ------------------------------------------------------------------ */

int rk_obj_charge(struct rk_obj *obj, size_t bytes, const char *what, char *err, size_t err_len)
{
	size_t limit = obj->budget.limit ? obj->budget.limit : RK_DEFAULT_BUDGET;
	if (bytes > limit || obj->budget.used > limit - bytes)
		return rk_set_err(err, err_len, -ENOSPC,
		                  "%s needs %zu bytes, but only %zu of the %zu-byte budget are left "
		                  "(%zu used)",
		                  what, bytes, limit - obj->budget.used, limit, obj->budget.used);
	obj->budget.used += bytes;
	if (obj->budget.used > obj->budget.peak)
		obj->budget.peak = obj->budget.used;
	return 0;
}

void rk_obj_uncharge(struct rk_obj *obj, size_t bytes)
{
	obj->budget.used -= bytes;
}

/* ------------------------------------------------------------------ */
/* License and BTF                                                    */
/* ------------------------------------------------------------------ */

static int load_license(struct rk_load *load)
{
	size_t index = rk_elf_find_sec(&load->elf, "license");
	if (!index)
		return 0;
	const struct rk_elf_sec *sec = &load->elf.secs[index];
	if (!sec->data)
		return rk_load_sec_err(load, index, -EINVAL, "the license section holds no data");
	const char *end = memchr(sec->data, '\0', sec->size);
	if (!end)
		return rk_load_err(load, index, 0, -EINVAL,
		                   "the license string is not NUL-terminated within its %llu bytes",
		                   (unsigned long long)sec->size);
	size_t len = (size_t)(end - (const char *)sec->data);
	load->obj->license = malloc(len + 1);
	if (!load->obj->license)
		return rk_load_sec_err(load, index, -ENOMEM, "out of memory");
	memcpy(load->obj->license, sec->data, len + 1);
	return 0;
}

static int load_btf(struct rk_load *load)
{
	char why[RK_ERR_LEN];
	size_t index = rk_elf_find_sec(&load->elf, ".BTF");
	size_t ext_index = rk_elf_find_sec(&load->elf, ".BTF.ext");
	if (!index) {
		if (ext_index)
			return rk_load_sec_err(load, ext_index, -EINVAL, ".BTF.ext without .BTF");
		return 0;
	}
	const struct rk_elf_sec *sec = &load->elf.secs[index];
	if (!sec->data)
		return rk_load_sec_err(load, index, -EINVAL, "the section holds no data");
	int rc = rk_obj_charge(load->obj, sec->size, ".BTF", why, sizeof(why));
	if (rc)
		return rk_load_sec_err(load, index, rc, "%s", why);
	load->obj->btf_charge = sec->size;
	why[0] = '\0';
	rc = rk_btf_parse(sec->data, sec->size, &load->obj->btf, why, sizeof(why));
	if (rc)
		return rk_load_sec_err(load, index, rc, "%s", why);

	if (!ext_index)
		return 0;
	const struct rk_elf_sec *ext = &load->elf.secs[ext_index];
	if (!ext->data)
		return rk_load_sec_err(load, ext_index, -EINVAL, "the section holds no data");
	why[0] = '\0';
	rc = rk_btf_ext_parse(ext->data, ext->size, load->obj->btf, &load->ext, why, sizeof(why));
	if (rc)
		return rk_load_sec_err(load, ext_index, rc, "%s", why);
	return 0;
}

/* The sections with a special meaning, by name. */
static int find_sections(struct rk_load *load)
{
	struct rk_elf *elf = &load->elf;
	size_t text = rk_elf_find_sec(elf, ".text");
	if (text && (elf->secs[text].flags & SHF_EXECINSTR) && elf->secs[text].type == SHT_PROGBITS)
		load->text_index = text;
	load->maps_index = rk_elf_find_sec(elf, ".maps");
	load->legacy_maps_index = rk_elf_find_sec(elf, "maps");
	if (load->maps_index && elf->secs[load->maps_index].type != SHT_PROGBITS)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "section type %u, not SHT_PROGBITS",
		                       elf->secs[load->maps_index].type);
	if (load->legacy_maps_index && elf->secs[load->legacy_maps_index].type != SHT_PROGBITS)
		return rk_load_sec_err(load, load->legacy_maps_index, -EINVAL,
		                       "section type %u, not SHT_PROGBITS",
		                       elf->secs[load->legacy_maps_index].type);
	load->secs = calloc(elf->sec_count, sizeof(*load->secs));
	if (!load->secs)
		return rk_set_err(load->err, load->err_len, -ENOMEM, "%s: out of memory", load->file);
	return 0;
}

static void load_cleanup(struct rk_load *load)
{
	if (load->secs)
		for (size_t i = 0; i < load->elf.sec_count; i++)
			free(load->secs[i].rels);
	free(load->secs);
	free(load->progs);
	free(load->subprogs);
	rk_btf_ext_free(load->ext);
	rk_elf_free(&load->elf);
}

int rk_obj_load(const void *elf, size_t elf_len, const struct rk_obj_opts *opts,
                struct rk_obj **obj_out, char *err, size_t err_len)
{
	static const struct rk_obj_opts no_opts;
	*obj_out = NULL;
	if (!opts)
		opts = &no_opts;
	const char *file = opts->name ? opts->name : "object";
	if (!elf && elf_len)
		return rk_set_err(err, err_len, -EINVAL, "%s: no data", file);

	struct rk_obj *obj = calloc(1, sizeof(*obj));
	if (!obj)
		return rk_set_err(err, err_len, -ENOMEM, "%s: out of memory", file);
	obj->budget.limit = opts->budget_bytes;
	obj->name = strdup(file);
	if (!obj->name) {
		free(obj);
		return rk_set_err(err, err_len, -ENOMEM, "%s: out of memory", file);
	}

	struct rk_load load;
	memset(&load, 0, sizeof(load));
	load.obj = obj;
	load.file = obj->name;
	load.opts = opts;
	load.helpers = opts->helpers ? opts->helpers : rk_helpers_standard();
	load.err = err;
	load.err_len = err_len;

	int rc = rk_elf_parse(elf ? elf : "", elf_len, obj->name, &load.elf, err, err_len);
	if (!rc)
		rc = find_sections(&load);
	if (!rc)
		rc = load_license(&load);
	if (!rc)
		rc = load_btf(&load);
	if (!rc)
		rc = rk_load_funcs(&load);
	if (!rc)
		rc = rk_load_maps(&load);
	if (!rc)
		rc = rk_load_programs(&load);
	load_cleanup(&load);
	if (rc) {
		/* Names from BTF may hold anything: keep the message one printable line. */
		for (char *c = err; c && err_len && *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		rk_obj_free(obj);
		return rc;
	}
	*obj_out = obj;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Release                                                            */
/* ------------------------------------------------------------------ */

void rk_obj_release(struct rk_obj *obj)
{
	if (!obj)
		return;
	/* Programs first: their line info points into the BTF, their code at the maps. */
	for (size_t i = 0; i < obj->prog_count; i++) {
		rk_prog_free(obj->progs[i]);
		rk_obj_uncharge(obj, obj->prog_charges[i]);
	}
	rk_budget_free(&obj->budget, obj->progs, obj->prog_cap * sizeof(*obj->progs));
	rk_budget_free(&obj->budget, obj->prog_charges, obj->prog_cap * sizeof(*obj->prog_charges));
	obj->progs = NULL;
	obj->prog_charges = NULL;
	obj->prog_count = obj->prog_cap = 0;
	for (size_t i = 0; i < obj->map_count; i++)
		rk_map_free(obj->maps[i].map);
	free(obj->maps);
	obj->maps = NULL;
	obj->map_count = obj->map_cap = 0;
	rk_btf_free(obj->btf);
	obj->btf = NULL;
	rk_obj_uncharge(obj, obj->btf_charge);
	obj->btf_charge = 0;
	free(obj->license);
	obj->license = NULL;
}

void rk_obj_free(struct rk_obj *obj)
{
	if (!obj)
		return;
	rk_obj_release(obj);
	free(obj->name);
	free(obj);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                          */
/* ------------------------------------------------------------------ */

const char *rk_obj_license(const struct rk_obj *obj)
{
	return obj->license ? obj->license : "";
}

const struct rk_btf *rk_obj_btf(const struct rk_obj *obj)
{
	return obj->btf;
}

const struct rk_budget *rk_obj_budget(const struct rk_obj *obj)
{
	return &obj->budget;
}

size_t rk_obj_prog_count(const struct rk_obj *obj)
{
	return obj->prog_count;
}

struct rk_prog *rk_obj_prog(const struct rk_obj *obj, size_t index)
{
	return index < obj->prog_count ? obj->progs[index] : NULL;
}

struct rk_prog *rk_obj_prog_find(const struct rk_obj *obj, const char *name)
{
	for (size_t i = 0; i < obj->prog_count; i++)
		if (strcmp(rk_prog_name(obj->progs[i]), name) == 0)
			return obj->progs[i];
	for (size_t i = 0; i < obj->prog_count; i++)
		if (strcmp(rk_prog_section(obj->progs[i]), name) == 0)
			return obj->progs[i];
	return NULL;
}

size_t rk_obj_map_count(const struct rk_obj *obj)
{
	return obj->map_count;
}

struct rk_map *rk_obj_map(const struct rk_obj *obj, size_t index)
{
	return index < obj->map_count ? obj->maps[index].map : NULL;
}

struct rk_map *rk_obj_map_find(const struct rk_obj *obj, const char *name)
{
	for (size_t i = 0; i < obj->map_count; i++)
		if (strcmp(rk_map_def(obj->maps[i].map)->name, name) == 0)
			return obj->maps[i].map;
	return NULL;
}

const char *rk_prog_name(const struct rk_prog *prog)
{
	return prog->meta.name ? prog->meta.name : "";
}

const char *rk_prog_section(const struct rk_prog *prog)
{
	return prog->meta.section ? prog->meta.section : "";
}

int rk_prog_line_info(const struct rk_prog *prog, size_t insn_index, struct rk_line_info *out)
{
	/* The last record at or before insn_index: lines are sorted by insn. */
	size_t low = 0, high = prog->meta.line_count;
	while (low < high) {
		size_t mid = low + (high - low) / 2;
		if (prog->meta.lines[mid].insn <= insn_index)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == 0 || insn_index >= prog->insn_count)
		return -ENOENT;
	const struct rk_prog_line *line = &prog->meta.lines[low - 1];
	/* A record of an earlier function does not describe this one. */
	for (size_t i = prog->meta.func_count; i-- > 0;) {
		if (prog->meta.func_starts[i] <= insn_index) {
			if (line->insn < prog->meta.func_starts[i])
				return -ENOENT;
			break;
		}
	}
	out->file = line->file ? line->file : "";
	out->source = line->source ? line->source : "";
	out->line = line->line;
	out->column = line->column;
	return 0;
}
