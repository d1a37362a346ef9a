/*
 * btf_ext.c - parse .BTF.ext: per-section function info, line info and
 * CO-RE relocations, as clang -g -target bpf writes them.
 *
 * Layout (the kernel's struct btf_ext_header): a header, then up to three
 * subsections at offsets relative to the end of the header.  Each
 * subsection is a u32 record size followed by blocks of
 *   { u32 sec_name_off; u32 num_info; u8 records[num_info][rec_size]; }
 * one block per ELF section.  A record may be longer than the version-1
 * layout (newer producers append fields): we read the fields we know and
 * step by rec_size.
 *
 * The one thing to know: the records are copied into host-order structs,
 * so nothing here keeps a pointer into the blob; names point into the BTF.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "vm_internal.h"

/* struct btf_ext_header, as in the kernel's tools/lib/bpf/libbpf_internal.h. */
#define EXT_HDR_MAGIC_OFF 0
#define EXT_HDR_VERSION_OFF 2
#define EXT_HDR_FLAGS_OFF 3
#define EXT_HDR_LEN_OFF 4
#define EXT_HDR_FUNC_OFF 8       /* func_info_off, func_info_len */
#define EXT_HDR_LINE_OFF 16      /* line_info_off, line_info_len */
#define EXT_HDR_CORE_OFF 24      /* core_relo_off, core_relo_len (optional) */
#define EXT_HDR_MIN_LEN 24       /* without the CO-RE fields */
#define EXT_HDR_CORE_LEN 32      /* with them */
#define EXT_VERSION 1
#define EXT_BLOCK_HDR_LEN 8      /* sec_name_off, num_info */
#define LINE_COL_SHIFT 10
#define LINE_COL_COLUMN_MASK 0x3ffu

enum ext_kind { EXT_FUNC, EXT_LINE, EXT_CORE };

static const char *const ext_kind_names[] = {
	[EXT_FUNC] = "func_info", [EXT_LINE] = "line_info", [EXT_CORE] = "core_relo"};
static const uint32_t ext_min_rec_size[] = {
	[EXT_FUNC] = RK_BTF_EXT_FUNC_REC_SIZE,
	[EXT_LINE] = RK_BTF_EXT_LINE_REC_SIZE,
	[EXT_CORE] = RK_BTF_EXT_CORE_REC_SIZE,
};

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t value;
	memcpy(&value, p, sizeof(value));
	return value;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t value;
	memcpy(&value, p, sizeof(value));
	return value;
}

void rk_btf_ext_free(struct rk_btf_ext *ext)
{
	if (!ext)
		return;
	for (size_t i = 0; i < ext->sec_count; i++) {
		free(ext->secs[i].funcs);
		free(ext->secs[i].lines);
		free(ext->secs[i].cores);
	}
	free(ext->secs);
	free(ext);
}

const struct rk_btf_ext_sec *rk_btf_ext_section(const struct rk_btf_ext *ext,
                                                const char *sec_name)
{
	if (!ext || !sec_name)
		return NULL;
	for (size_t i = 0; i < ext->sec_count; i++)
		if (strcmp(ext->secs[i].name, sec_name) == 0)
			return &ext->secs[i];
	return NULL;
}

/* The section named name, appended when new; NULL when out of memory. */
static struct rk_btf_ext_sec *section_for(struct rk_btf_ext *ext, const char *name)
{
	for (size_t i = 0; i < ext->sec_count; i++)
		if (strcmp(ext->secs[i].name, name) == 0)
			return &ext->secs[i];
	struct rk_btf_ext_sec *secs = realloc(ext->secs, (ext->sec_count + 1) * sizeof(*secs));
	if (!secs)
		return NULL;
	ext->secs = secs;
	struct rk_btf_ext_sec *sec = &secs[ext->sec_count++];
	memset(sec, 0, sizeof(*sec));
	sec->name = name;
	return sec;
}

/* One record into its struct; 0 or -EINVAL with the message. */
static int parse_record(enum ext_kind kind, const uint8_t *rec, size_t blob_off,
                        const struct rk_btf *btf, void *dst, char *err, size_t err_len)
{
	const char *what = ext_kind_names[kind];
	uint32_t insn_off = get_u32(rec);
	if (insn_off % RK_INSN_SIZE)
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext %s at offset 0x%zx: instruction offset %u is not a "
		                  "multiple of %d",
		                  what, blob_off, insn_off, RK_INSN_SIZE);
	switch (kind) {
	case EXT_FUNC: {
		struct rk_btf_ext_func *func = dst;
		func->insn_off = insn_off;
		func->type_id = get_u32(rec + 4);
		const struct btf_type *t = rk_btf_type_by_id(btf, func->type_id);
		if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_FUNC)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: type %u is not a BTF func", what,
			                  blob_off, func->type_id);
		return 0;
	}
	case EXT_LINE: {
		struct rk_btf_ext_line *line = dst;
		line->insn_off = insn_off;
		line->file_name_off = get_u32(rec + 4);
		line->line_off = get_u32(rec + 8);
		uint32_t line_col = get_u32(rec + 12);
		line->line = line_col >> LINE_COL_SHIFT;
		line->column = line_col & LINE_COL_COLUMN_MASK;
		if (!rk_btf_str_ok(btf, line->file_name_off) || !rk_btf_str_ok(btf, line->line_off))
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: file name offset 0x%x or line "
			                  "offset 0x%x is outside the BTF string section",
			                  what, blob_off, line->file_name_off, line->line_off);
		return 0;
	}
	case EXT_CORE: {
		struct rk_btf_ext_core *core = dst;
		core->insn_off = insn_off;
		core->type_id = get_u32(rec + 4);
		core->access_str_off = get_u32(rec + 8);
		core->kind = get_u32(rec + 12);
		if (!rk_btf_type_by_id(btf, core->type_id))
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: type %u is not a BTF type (of %u)",
			                  what, blob_off, core->type_id, rk_btf_type_count(btf));
		if (core->access_str_off == 0 || !rk_btf_str_ok(btf, core->access_str_off))
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: access string offset 0x%x is "
			                  "empty or outside the BTF string section",
			                  what, blob_off, core->access_str_off);
		if (core->kind > BPF_CORE_TYPE_MATCHES)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: unknown relocation kind %u", what,
			                  blob_off, core->kind);
		return 0;
	}
	}
	return -EINVAL;
}

/*
 * One subsection: [start, start + len) of the blob, start already checked
 * to lie inside it.
 */
static int parse_subsection(struct rk_btf_ext *ext, enum ext_kind kind, const uint8_t *blob,
                            size_t start, size_t len, const struct rk_btf *btf, char *err,
                            size_t err_len)
{
	const char *what = ext_kind_names[kind];
	if (len < sizeof(uint32_t))
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext %s at offset 0x%zx: %zu bytes, too short for the record "
		                  "size",
		                  what, start, len);
	uint32_t rec_size = get_u32(blob + start);
	if (rec_size < ext_min_rec_size[kind] || rec_size % sizeof(uint32_t))
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext %s at offset 0x%zx: record size %u (want a multiple of 4, "
		                  "at least %u)",
		                  what, start, rec_size, ext_min_rec_size[kind]);

	size_t end = start + len;
	for (size_t pos = start + sizeof(uint32_t); pos < end;) {
		if (end - pos < EXT_BLOCK_HDR_LEN)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: truncated section header (%zu "
			                  "bytes left)",
			                  what, pos, end - pos);
		uint32_t name_off = get_u32(blob + pos);
		uint32_t count = get_u32(blob + pos + 4);
		if (name_off == 0 || !rk_btf_str_ok(btf, name_off))
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: section name offset 0x%x is empty "
			                  "or outside the BTF string section",
			                  what, pos, name_off);
		const char *name = rk_btf_str(btf, name_off);
		char shown[65]; /* the name as messages show it */
		snprintf(shown, sizeof(shown), "%s", name);
		rk_btf_printable(shown);
		if (count == 0)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: section '%s' has no records",
			                  what, pos, shown);
		size_t records = pos + EXT_BLOCK_HDR_LEN;
		if ((uint64_t)count * rec_size > end - records)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: section '%s' claims %u records "
			                  "of %u bytes, but %zu bytes are left",
			                  what, pos, shown, count, rec_size, end - records);

		struct rk_btf_ext_sec *sec = section_for(ext, name);
		if (!sec)
			return rk_set_err(err, err_len, -ENOMEM, ".BTF.ext: out of memory");
		size_t *countp = kind == EXT_FUNC   ? &sec->func_count
		                 : kind == EXT_LINE ? &sec->line_count
		                                    : &sec->core_count;
		if (*countp)
			return rk_set_err(err, err_len, -EINVAL,
			                  ".BTF.ext %s at offset 0x%zx: section '%s' appears twice",
			                  what, pos, shown);
		size_t elem = kind == EXT_FUNC   ? sizeof(struct rk_btf_ext_func)
		              : kind == EXT_LINE ? sizeof(struct rk_btf_ext_line)
		                                 : sizeof(struct rk_btf_ext_core);
		uint8_t *array = calloc(count, elem);
		if (!array)
			return rk_set_err(err, err_len, -ENOMEM, ".BTF.ext: out of memory for %u records",
			                  count);
		if (kind == EXT_FUNC)
			sec->funcs = (struct rk_btf_ext_func *)array;
		else if (kind == EXT_LINE)
			sec->lines = (struct rk_btf_ext_line *)array;
		else
			sec->cores = (struct rk_btf_ext_core *)array;
		*countp = count;

		for (uint32_t i = 0; i < count; i++) {
			size_t rec = records + (size_t)i * rec_size;
			int rc = parse_record(kind, blob + rec, rec, btf, array + i * elem, err, err_len);
			if (rc < 0)
				return rc;
		}
		pos = records + (size_t)count * rec_size;
	}
	return 0;
}

int rk_btf_ext_parse(const void *data, size_t len, const struct rk_btf *btf,
                     struct rk_btf_ext **out, char *err, size_t err_len)
{
	if (!out)
		return rk_set_err(err, err_len, -EINVAL, ".BTF.ext: no place for the result");
	*out = NULL;
	if (!btf)
		return rk_set_err(err, err_len, -EINVAL, ".BTF.ext: there is no .BTF to go with it");
	if (!data || len < EXT_HDR_MIN_LEN)
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext header: %zu bytes is shorter than the %d-byte header", len,
		                  EXT_HDR_MIN_LEN);
	const uint8_t *blob = data;
	uint16_t magic = get_u16(blob + EXT_HDR_MAGIC_OFF);
	uint32_t hdr_len = get_u32(blob + EXT_HDR_LEN_OFF);
	if (magic != BTF_MAGIC)
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext header: bad magic 0x%04x (want 0x%04x)", magic, BTF_MAGIC);
	if (blob[EXT_HDR_VERSION_OFF] != EXT_VERSION)
		return rk_set_err(err, err_len, -EINVAL, ".BTF.ext header: version %u (want %u)",
		                  blob[EXT_HDR_VERSION_OFF], EXT_VERSION);
	if (blob[EXT_HDR_FLAGS_OFF] != 0)
		return rk_set_err(err, err_len, -EINVAL, ".BTF.ext header: unknown flags 0x%x",
		                  blob[EXT_HDR_FLAGS_OFF]);
	if (hdr_len < EXT_HDR_MIN_LEN || hdr_len > len)
		return rk_set_err(err, err_len, -EINVAL,
		                  ".BTF.ext header: hdr_len %u is not between %d and the blob's %zu "
		                  "bytes",
		                  hdr_len, EXT_HDR_MIN_LEN, len);

	struct rk_btf_ext *ext = calloc(1, sizeof(*ext));
	if (!ext)
		return rk_set_err(err, err_len, -ENOMEM, ".BTF.ext: out of memory");
	static const size_t field_of[] = {
		[EXT_FUNC] = EXT_HDR_FUNC_OFF, [EXT_LINE] = EXT_HDR_LINE_OFF, [EXT_CORE] = EXT_HDR_CORE_OFF};
	for (int kind = EXT_FUNC; kind <= EXT_CORE; kind++) {
		if (kind == EXT_CORE && hdr_len < EXT_HDR_CORE_LEN)
			break; /* an older producer: no CO-RE relocations */
		uint32_t off = get_u32(blob + field_of[kind]);
		uint32_t sub_len = get_u32(blob + field_of[kind] + 4);
		if (sub_len == 0)
			continue;
		if (off % sizeof(uint32_t) || (uint64_t)off + sub_len > len - hdr_len) {
			int rc = rk_set_err(err, err_len, -EINVAL,
			                    ".BTF.ext header: %s (offset 0x%x, %u bytes) is unaligned or "
			                    "runs past the blob's %zu bytes",
			                    ext_kind_names[kind], off, sub_len, len);
			rk_btf_ext_free(ext);
			return rc;
		}
		int rc = parse_subsection(ext, (enum ext_kind)kind, blob, (size_t)hdr_len + off,
		                          sub_len, btf, err, err_len);
		if (rc < 0) {
			rk_btf_ext_free(ext);
			return rc;
		}
	}
	*out = ext;
	return 0;
}
