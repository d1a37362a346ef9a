/*
 * btf_ext.h - .BTF.ext (function info, line info, CO-RE relocations) and
 * the BTF internals that vm/ shares beyond rkbpf.h.  Private to vm/.
 *
 * The one thing to know: everything here borrows from a struct rk_btf.
 * Section names and the string offsets in the records refer to the .BTF
 * that rk_btf_ext_parse() was given, so that BTF must outlive the
 * struct rk_btf_ext.  Instruction offsets are kept as clang wrote them: in
 * bytes from the start of the ELF section, always a multiple of 8.
 */
#ifndef RK_BTF_EXT_H
#define RK_BTF_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/* ------------------------------------------------------------------ */
/* BTF internals (implemented in btf.c)                               */
/* ------------------------------------------------------------------ */

/* Longest typedef/modifier/array chain any walk follows before giving up. */
#define RK_BTF_MAX_CHAIN 32

/* The size of a pointer in BTF (BPF and every host rkBPF runs on: 64-bit). */
#define RK_BTF_PTR_SIZE 8

/* "struct", "enum64", ... for messages; "kind N" for unknown kinds. */
const char *rk_btf_kind_name(uint32_t kind);
/*
 * Replace every byte of s that is not printable ASCII with '?', in place:
 * names in BTF are untrusted, and an error message is one line of text.
 */
void rk_btf_printable(char *s);
/* Is name_off inside the string section? (rk_btf_str() cannot tell.) */
bool rk_btf_str_ok(const struct rk_btf *btf, uint32_t name_off);

/*
 * libbpf's "___flavor" rule: the length of name without its last
 * "X___Y" suffix ("task_struct___v2" -> 11); strlen(name) when it has none.
 */
size_t rk_btf_essential_name_len(const char *name);

/*
 * Every type whose essential name is name[0..name_len), in id order.
 * Start with *cursor = 0; each call returns the next id, or 0 at the end.
 * Uses the name index built by rk_btf_parse(), so a lookup in vmlinux is
 * a few string compares, not a scan of 100k types.
 */
uint32_t rk_btf_next_by_essential_name(const struct rk_btf *btf, const char *name,
                                       size_t name_len, uint32_t *cursor);

/* ------------------------------------------------------------------ */
/* .BTF.ext                                                           */
/* ------------------------------------------------------------------ */

/* Record sizes of format version 1; newer producers may append fields. */
#define RK_BTF_EXT_FUNC_REC_SIZE 8
#define RK_BTF_EXT_LINE_REC_SIZE 16
#define RK_BTF_EXT_CORE_REC_SIZE 16

/* bpf_func_info: a function (BTF_KIND_FUNC type_id) starts at insn_off. */
struct rk_btf_ext_func {
	uint32_t insn_off;        /* bytes within the section */
	uint32_t type_id;
};

/* bpf_line_info, with line_col unpacked (line = line_col >> 10, column = & 0x3ff). */
struct rk_btf_ext_line {
	uint32_t insn_off;        /* bytes within the section */
	uint32_t file_name_off;   /* into the BTF string section */
	uint32_t line_off;        /* the source line's text, ditto */
	uint32_t line;
	uint32_t column;
};

/* bpf_core_relo. */
struct rk_btf_ext_core {
	uint32_t insn_off;        /* bytes within the section */
	uint32_t type_id;         /* root type, in the local (program's) BTF */
	uint32_t access_str_off;  /* "0:1:2", in the local BTF's strings */
	uint32_t kind;            /* enum bpf_core_relo_kind */
};

/* Everything .BTF.ext says about one ELF section ("tracepoint/sched/x"). */
struct rk_btf_ext_sec {
	const char *name;         /* in the BTF's string section */
	struct rk_btf_ext_func *funcs;
	size_t func_count;
	struct rk_btf_ext_line *lines;
	size_t line_count;
	struct rk_btf_ext_core *cores;
	size_t core_count;
};

struct rk_btf_ext {
	struct rk_btf_ext_sec *secs;
	size_t sec_count;
};

/*
 * Parse and validate a .BTF.ext blob against btf (the object's .BTF): the
 * header, each subsection's record size (at least the version-1 size, a
 * multiple of 4), every block's section name and record count, and every
 * record (instruction offsets multiples of 8, type ids and string offsets
 * inside btf, CO-RE kinds known).  Records are copied: data may be freed
 * afterwards, btf may not.  Errors name the subsection and the byte offset
 * in the blob: ".BTF.ext core_relo at offset 0x40: ...".
 */
int rk_btf_ext_parse(const void *data, size_t len, const struct rk_btf *btf,
                     struct rk_btf_ext **out, char *err, size_t err_len);
/* The section named sec_name, or NULL. */
const struct rk_btf_ext_sec *rk_btf_ext_section(const struct rk_btf_ext *ext,
                                                const char *sec_name);
void rk_btf_ext_free(struct rk_btf_ext *ext);

/*
 * libbpf's fix-up of global data: clang leaves a DATASEC's size and its
 * variables' offsets 0, to be filled in from the ELF symbol table.  Sets the
 * DATASEC sec_name (if the BTF has one) to sec_size and each variable's
 * offset (from var_offset) and size (from its type), refusing any that falls
 * outside the section.  0 or -EINVAL with a message.
 */
int rk_btf_fixup_datasec(struct rk_btf *btf, const char *sec_name, uint32_t sec_size,
                         int (*var_offset)(void *fn_ctx, const char *var_name, uint32_t *offset),
                         void *fn_ctx, char *err, size_t err_len);

#endif /* RK_BTF_EXT_H */
