/*
 * loader_internal.h - what the files of the ELF object loader share
 * (loader.c, loader_maps.c, loader_link.c, loader_reloc.c).
 *
 * The one thing to know: a load has two lifetimes.  struct rk_load lives
 * for one rk_obj_load() call and points into the caller's ELF buffer;
 * struct rk_obj is what survives, and holds only copies (names, license,
 * BTF) and the objects it owns (programs, maps).  Everything the object
 * holds is charged to obj->budget, so rk_obj_free() returns it to zero.
 */
#ifndef RK_LOADER_INTERNAL_H
#define RK_LOADER_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_ext.h"
#include "elf_reader.h"
#include "vm_internal.h"

/* How a map came to be, which decides how relocations find it. */
enum rk_obj_map_kind {
	RK_OBJ_MAP_DEF,    /* BTF .maps or legacy maps: relocation by (section, offset) */
	RK_OBJ_MAP_DATA,   /* global data section: relocation by section, + offset */
};

struct rk_obj_map {
	struct rk_map *map;
	enum rk_obj_map_kind kind;
	size_t sec_index;      /* the ELF section that defines it */
	uint64_t sec_offset;   /* RK_OBJ_MAP_DEF: offset of its definition in that section */
	uint8_t *value;        /* RK_OBJ_MAP_DATA: the single value (key 0) */
};

struct rk_obj {
	char *name;                  /* the file name, for messages */
	char *license;               /* NULL without a license section */
	struct rk_budget budget;
	struct rk_btf *btf;          /* NULL without .BTF */
	size_t btf_charge;           /* bytes charged for btf */
	struct rk_prog **progs;      /* prog_cap slots, charged to budget */
	size_t *prog_charges;        /* prog_cap slots: what the loader charged for each */
	size_t prog_count;
	size_t prog_cap;
	struct rk_obj_map *maps;
	size_t map_count;
	size_t map_cap;
};

/* A function of the object: a program, or a subprogram in .text. */
struct rk_func {
	const char *name;
	size_t sec_index;
	size_t start;          /* first instruction, counted from the section's start */
	size_t count;          /* instructions */
};

/* Per ELF section: its relocations, when it holds code. */
struct rk_load_sec {
	struct rk_elf_rel *rels;   /* sorted by offset */
	size_t rel_count;
	size_t rel_index;          /* the SHT_REL section, for messages (0: none) */
};

struct rk_load {
	struct rk_obj *obj;
	struct rk_elf elf;
	const char *file;
	const struct rk_obj_opts *opts;
	const struct rk_helpers *helpers;
	struct rk_btf_ext *ext;          /* NULL without .BTF.ext */
	struct rk_load_sec *secs;        /* elf.sec_count entries */
	size_t text_index;               /* .text, or 0 */
	size_t maps_index;               /* .maps, or 0 */
	size_t legacy_maps_index;        /* maps, or 0 */
	struct rk_func *progs;           /* programs, by section then offset */
	size_t prog_count;
	struct rk_func *subprogs;        /* .text functions, by offset */
	size_t subprog_count;
	char *err;
	size_t err_len;
};

/* "file: section 'name' offset 0x1f: " + the message; returns rc. */
int rk_load_err(struct rk_load *load, size_t sec_index, uint64_t offset, int rc, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
/* "file: section 'name': " + the message; returns rc. */
int rk_load_sec_err(struct rk_load *load, size_t sec_index, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The section's name, or "#index". */
const char *rk_load_sec_name(const struct rk_load *load, size_t sec_index, char *buf,
                             size_t buf_len);

/*
 * rk_obj_free() without the final free(): every program, map and copy is
 * released and the budget's used is back to what the object itself
 * charged (0 when accounting is right), which tests and the fuzzer check
 * through rk_obj_budget() before calling rk_obj_free().
 */
void rk_obj_release(struct rk_obj *obj);

/* Charge bytes the object holds but did not allocate through the budget. */
int rk_obj_charge(struct rk_obj *obj, size_t bytes, const char *what, char *err, size_t err_len);
void rk_obj_uncharge(struct rk_obj *obj, size_t bytes);

/* loader_maps.c: create every map (BTF, legacy, global data). */
int rk_load_maps(struct rk_load *load);
/* The map defined at (sec_index, offset), or NULL. */
struct rk_obj_map *rk_load_find_def_map(struct rk_load *load, size_t sec_index, uint64_t offset);
/* The global data map of a section, or NULL. */
struct rk_obj_map *rk_load_find_data_map(struct rk_load *load, size_t sec_index);
/* Is this a global data section name (.data, .rodata, .bss and their .suffix forms)? */
int rk_is_data_section(const char *name);

/* loader_link.c: find programs and subprograms, then build every program. */
int rk_load_funcs(struct rk_load *load);
int rk_load_programs(struct rk_load *load);

/*
 * loader_reloc.c: what a program under construction holds while its
 * subprograms are appended and its relocations applied.
 */
struct rk_unit {
	const struct rk_func *func;
	size_t final_start;    /* where its first instruction landed in the program */
};

struct rk_link {
	struct rk_load *load;
	const struct rk_func *prog;
	struct rk_unit *units;        /* [0] is the program itself, then subprograms */
	size_t unit_count;
	size_t *placed;               /* per subprogram: unit index + 1, or 0 */
	size_t insn_count;
	struct rk_insn *insns;        /* insn_count, charged to the object's budget */
	struct rk_map_ref *map_refs;
	size_t map_ref_count;
	size_t map_ref_cap;
	/* The first CO-RE relocation the target could not satisfy (poisoned), or "". */
	char core_missing[RK_ERR_LEN];
};

/* rk_link_target()'s answer for an instruction that refers to no subprogram. */
#define RK_LINK_NO_TARGET SIZE_MAX

/*
 * The subprogram (index into load->subprogs) that the instruction at
 * sec_insn of func calls or takes the address of, into *target, or
 * RK_LINK_NO_TARGET when it does neither; rel is its relocation or NULL.
 * 0 or a negative errno with the message set.
 */
int rk_link_target(struct rk_link *link, const struct rk_func *func, size_t sec_insn,
                   const struct rk_insn *insn, const struct rk_elf_rel *rel, size_t *target);
/* The relocation at byte offset in section sec_index, or NULL. */
const struct rk_elf_rel *rk_load_find_rel(const struct rk_load *load, size_t sec_index,
                                          uint64_t offset);
/* Apply the relocations and local-call fixups of one placed unit. */
int rk_link_relocate_unit(struct rk_link *link, const struct rk_unit *unit);

#endif
