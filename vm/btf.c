/*
 * btf.c - parse and validate BTF (a program's .BTF, or the kernel's
 * /sys/kernel/btf/vmlinux) and answer questions about its types.
 *
 * The one thing to know: rk_btf_parse() is the only gate.  Once it has
 * accepted a blob, every type record lies inside the copy, every name
 * offset inside the string section (which ends in a NUL), every type id a
 * record refers to is below the type count, every modifier chain ends
 * within RK_BTF_MAX_CHAIN steps, every array has a size that fits in 32
 * bits, and every struct/union member lies inside its parent.  The rest of
 * vm/ (btf_json.c, btf_ext.c, core.c) relies on that and only bounds its
 * own walks (depth, work), never re-checks the records.
 *
 * Validation runs in three passes so that vmlinux (5+ MB, 100k+ types)
 * parses in a few milliseconds: (1) frame the records and count them,
 * (2) check each record on its own and index it by id and by name,
 * (3) check what needs other types (sizes of members and arrays,
 * modifier chains, FUNC -> FUNC_PROTO, decl tag targets).
 */
#include <errno.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "vm_internal.h"

/* info bits that no kind uses (between vlen and kind, and above kind). */
#define BTF_INFO_RESERVED 0x60ff0000u
/* int_data bits that BTF_INT_ENCODING/OFFSET/BITS do not use. */
#define BTF_INT_RESERVED 0xf0000000u
#define BTF_INT_MAX_BITS 128
/* A bitfield is read at most as a 128-bit integer. */
#define BTF_BITFIELD_MAX_BITS 128
/* BTF_FUNC_STATIC, _GLOBAL, _EXTERN; BTF_VAR_STATIC, _GLOBAL_ALLOCATED, _GLOBAL_EXTERN. */
#define BTF_LINKAGE_MAX 2
#define BITS_PER_BYTE 8u
#define NAME_SHOWN 64   /* characters of a (possibly hostile) name put in a message */

struct rk_btf {
	uint8_t *data;                   /* the copy; every record points into it */
	size_t len;
	uint32_t type_base;              /* blob offset of the type section, for messages */
	const char *strs;
	uint32_t str_len;
	uint32_t type_count;             /* including void (id 0) */
	const struct btf_type **types;   /* [type_count]; types[0] is NULL */
	/* Name index: chains of ids, by hash of the essential name, in id order. */
	uint32_t *name_next;             /* [type_count]; 0 ends a chain */
	uint32_t *name_heads;            /* [bucket_mask + 1]; 0 is an empty bucket */
	uint32_t bucket_mask;
};

static const char *const kind_names[] = {
	[BTF_KIND_UNKN] = "void",         [BTF_KIND_INT] = "int",
	[BTF_KIND_PTR] = "ptr",           [BTF_KIND_ARRAY] = "array",
	[BTF_KIND_STRUCT] = "struct",     [BTF_KIND_UNION] = "union",
	[BTF_KIND_ENUM] = "enum",         [BTF_KIND_FWD] = "fwd",
	[BTF_KIND_TYPEDEF] = "typedef",   [BTF_KIND_VOLATILE] = "volatile",
	[BTF_KIND_CONST] = "const",       [BTF_KIND_RESTRICT] = "restrict",
	[BTF_KIND_FUNC] = "func",         [BTF_KIND_FUNC_PROTO] = "func_proto",
	[BTF_KIND_VAR] = "var",           [BTF_KIND_DATASEC] = "datasec",
	[BTF_KIND_FLOAT] = "float",       [BTF_KIND_DECL_TAG] = "decl_tag",
	[BTF_KIND_TYPE_TAG] = "type_tag", [BTF_KIND_ENUM64] = "enum64",
};

const char *rk_btf_kind_name(uint32_t kind)
{
	if (kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "unknown kind";
}

/* ------------------------------------------------------------------ */
/* Small accessors                                                     */
/* ------------------------------------------------------------------ */

static inline uint32_t type_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}

static inline uint32_t type_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}

static inline bool type_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}

static inline const void *type_extra(const struct btf_type *t)
{
	return t + 1;
}

static bool kind_is_modifier(uint32_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

/* Bytes that follow struct btf_type for this kind, or -1 for an unknown kind. */
static int64_t extra_bytes(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return sizeof(uint32_t);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (int64_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (int64_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (int64_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (int64_t)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (int64_t)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Public lookups                                                      */
/* ------------------------------------------------------------------ */

uint32_t rk_btf_type_count(const struct rk_btf *btf)
{
	return btf ? btf->type_count : 0;
}

const struct btf_type *rk_btf_type_by_id(const struct rk_btf *btf, uint32_t id)
{
	if (!btf || id == 0 || id >= btf->type_count)
		return NULL;
	return btf->types[id];
}

const char *rk_btf_str(const struct rk_btf *btf, uint32_t name_off)
{
	if (!btf || name_off >= btf->str_len)
		return "";
	return btf->strs + name_off;
}

void rk_btf_printable(char *s)
{
	for (; s && *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

bool rk_btf_str_ok(const struct rk_btf *btf, uint32_t name_off)
{
	return btf && name_off < btf->str_len;
}

size_t rk_btf_essential_name_len(const char *name)
{
	size_t len = strlen(name);
	/* The last "X___Y" with X and Y not '_': keep up to and including X. */
	for (size_t i = len >= 5 ? len - 5 + 1 : 0; i-- > 0;) {
		if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' &&
		    name[i + 3] == '_' && name[i + 4] != '_')
			return i + 1;
	}
	return len;
}

/* FNV-1a over the essential name. */
static uint32_t name_hash(const char *name, size_t len)
{
	uint32_t hash = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		hash ^= (uint8_t)name[i];
		hash *= 16777619u;
	}
	return hash;
}

uint32_t rk_btf_next_by_essential_name(const struct rk_btf *btf, const char *name,
                                       size_t name_len, uint32_t *cursor)
{
	if (!btf || !name || !cursor || !btf->name_heads)
		return 0;
	uint32_t id = *cursor == 0 ? btf->name_heads[name_hash(name, name_len) & btf->bucket_mask]
	                           : (*cursor < btf->type_count ? btf->name_next[*cursor] : 0);
	for (; id != 0; id = btf->name_next[id]) {
		const char *candidate = btf->strs + btf->types[id]->name_off;
		if (strncmp(candidate, name, name_len) == 0 &&
		    rk_btf_essential_name_len(candidate) == name_len) {
			*cursor = id;
			return id;
		}
	}
	*cursor = 0;
	return 0;
}

int64_t rk_btf_find(const struct rk_btf *btf, const char *name, uint32_t kind)
{
	if (!btf || !name || !*name)
		return -ENOENT;
	size_t essential = rk_btf_essential_name_len(name);
	uint32_t cursor = 0;
	for (uint32_t id; (id = rk_btf_next_by_essential_name(btf, name, essential, &cursor));) {
		const struct btf_type *t = btf->types[id];
		if ((kind == 0 || type_kind(t) == kind) && strcmp(btf->strs + t->name_off, name) == 0)
			return id;
	}
	return -ENOENT;
}

uint32_t rk_btf_skip_modifiers(const struct rk_btf *btf, uint32_t id)
{
	for (int step = 0; step < RK_BTF_MAX_CHAIN; step++) {
		const struct btf_type *t = rk_btf_type_by_id(btf, id);
		if (!t || !kind_is_modifier(type_kind(t)))
			return id;
		id = t->type;
	}
	return id; /* unreachable for a parsed BTF: parse rejects longer chains */
}

int64_t rk_btf_type_size(const struct rk_btf *btf, uint32_t id)
{
	uint64_t elems = 1; /* product of the array dimensions walked through */
	for (int step = 0; step < RK_BTF_MAX_CHAIN; step++) {
		if (!btf || id >= btf->type_count)
			return -ENOENT;
		if (id == 0)
			return -EINVAL; /* void */
		const struct btf_type *t = btf->types[id];
		uint64_t size;
		switch (type_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FLOAT:
		case BTF_KIND_DATASEC:
			size = t->size;
			break;
		case BTF_KIND_PTR:
			size = RK_BTF_PTR_SIZE;
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			id = t->type;
			continue;
		case BTF_KIND_ARRAY: {
			const struct btf_array *array = type_extra(t);
			elems *= array->nelems; /* both <= UINT32_MAX: no overflow */
			if (elems > UINT32_MAX)
				return -EOVERFLOW;
			id = array->type;
			continue;
		}
		default: /* fwd, func, func_proto: no size */
			return -EINVAL;
		}
		if (size * elems > UINT32_MAX) /* both <= UINT32_MAX: no overflow */
			return -EOVERFLOW;
		return (int64_t)(size * elems);
	}
	return -ELOOP;
}

void rk_btf_free(struct rk_btf *btf)
{
	if (!btf)
		return;
	free(btf->name_heads);
	free(btf->name_next);
	free(btf->types);
	free(btf->data);
	free(btf);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

/*
 * Fail with "BTF type 12 (struct motor_state) at offset 0x1a4: <what>",
 * the offset being where the type's record starts in the blob.
 */
static int type_err(const struct rk_btf *btf, uint32_t id, char *err, size_t err_len,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int type_err(const struct rk_btf *btf, uint32_t id, char *err, size_t err_len,
                    const char *fmt, ...)
{
	char what[RK_ERR_LEN];
	va_list args;
	va_start(args, fmt);
	vsnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	const struct btf_type *t = btf->types[id];
	size_t off = btf->type_base + (size_t)((const uint8_t *)t - (btf->data + btf->type_base));
	const char *name = t->name_off < btf->str_len ? btf->strs + t->name_off : "";
	char desc[NAME_SHOWN + 32];
	if (*name)
		snprintf(desc, sizeof(desc), "%s %.*s", rk_btf_kind_name(type_kind(t)), NAME_SHOWN,
		         name);
	else
		snprintf(desc, sizeof(desc), "anonymous %s", rk_btf_kind_name(type_kind(t)));
	rk_btf_printable(desc);
	rk_btf_printable(what);
	return rk_set_err(err, err_len, -EINVAL, "BTF type %u (%s) at offset 0x%zx: %.160s", id,
	                  desc, off, what);
}

/* The name to put in a message ("member 'rpm'", or "member #3" when anonymous). */
static void describe_member(const struct rk_btf *btf, uint32_t name_off, uint32_t index,
                            char *buf, size_t buf_len)
{
	if (name_off != 0 && name_off < btf->str_len)
		snprintf(buf, buf_len, "'%.*s'", NAME_SHOWN, btf->strs + name_off);
	else
		snprintf(buf, buf_len, "#%u", index);
	rk_btf_printable(buf);
}

static bool size_is_power_of_two_upto(uint32_t size, uint32_t max)
{
	return size != 0 && size <= max && (size & (size - 1)) == 0;
}

/* Pass 2: one record on its own (kind, flags, names, ids below the count). */
static int check_record(const struct rk_btf *btf, uint32_t id, char *err, size_t err_len)
{
	const struct btf_type *t = btf->types[id];
	uint32_t kind = type_kind(t), vlen = type_vlen(t);
	char member[NAME_SHOWN + 16];

	if (t->info & BTF_INFO_RESERVED)
		return type_err(btf, id, err, err_len, "reserved bits set in info 0x%08x", t->info);
	if (t->name_off >= btf->str_len)
		return type_err(btf, id, err, err_len,
		                "name offset 0x%x is outside the %u-byte string section", t->name_off,
		                btf->str_len);
	bool named = t->name_off != 0;

	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		break; /* kflag means something */
	default:
		if (type_kflag(t))
			return type_err(btf, id, err, err_len, "kind_flag set on a %s",
			                rk_btf_kind_name(kind));
	}
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_DATASEC:
	case BTF_KIND_FUNC: /* vlen is the linkage */
		break;
	default:
		if (vlen)
			return type_err(btf, id, err, err_len, "vlen %u on a %s, which has none", vlen,
			                rk_btf_kind_name(kind));
	}

	switch (kind) {
	case BTF_KIND_INT: {
		uint32_t data = *(const uint32_t *)type_extra(t);
		uint32_t encoding = BTF_INT_ENCODING(data);
		if (!size_is_power_of_two_upto(t->size, 16))
			return type_err(btf, id, err, err_len, "int size %u is not 1, 2, 4, 8 or 16",
			                t->size);
		if (data & BTF_INT_RESERVED)
			return type_err(btf, id, err, err_len, "reserved bits set in int data 0x%08x",
			                data);
		if (encoding != 0 && encoding != BTF_INT_SIGNED && encoding != BTF_INT_CHAR &&
		    encoding != BTF_INT_BOOL)
			return type_err(btf, id, err, err_len, "unknown int encoding 0x%x", encoding);
		if (BTF_INT_BITS(data) > BTF_INT_MAX_BITS ||
		    BTF_INT_OFFSET(data) + BTF_INT_BITS(data) > t->size * BITS_PER_BYTE)
			return type_err(btf, id, err, err_len,
			                "%u bits at bit offset %u do not fit in the int's %u bytes",
			                BTF_INT_BITS(data), BTF_INT_OFFSET(data), t->size);
		return 0;
	}
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		if (t->type >= btf->type_count)
			return type_err(btf, id, err, err_len, "refers to type %u, but there are %u",
			                t->type, btf->type_count);
		if (t->type == 0 && (kind == BTF_KIND_FUNC || kind == BTF_KIND_VAR ||
		                     kind == BTF_KIND_DECL_TAG))
			return type_err(btf, id, err, err_len, "refers to void");
		if (!named && (kind == BTF_KIND_TYPE_TAG || kind == BTF_KIND_FUNC ||
		               kind == BTF_KIND_VAR || kind == BTF_KIND_DECL_TAG))
			return type_err(btf, id, err, err_len, "a %s must have a name",
			                rk_btf_kind_name(kind));
		if (kind == BTF_KIND_FUNC && vlen > BTF_LINKAGE_MAX)
			return type_err(btf, id, err, err_len, "unknown linkage %u", vlen);
		if (kind == BTF_KIND_VAR && ((const struct btf_var *)type_extra(t))->linkage >
		                                    BTF_LINKAGE_MAX)
			return type_err(btf, id, err, err_len, "unknown linkage %u",
			                ((const struct btf_var *)type_extra(t))->linkage);
		if (kind == BTF_KIND_DECL_TAG &&
		    ((const struct btf_decl_tag *)type_extra(t))->component_idx < -1)
			return type_err(btf, id, err, err_len, "component index %d is below -1",
			                ((const struct btf_decl_tag *)type_extra(t))->component_idx);
		return 0;
	case BTF_KIND_ARRAY: {
		const struct btf_array *array = type_extra(t);
		if (t->size != 0)
			return type_err(btf, id, err, err_len, "an array's size field must be 0, not %u",
			                t->size);
		if (array->type == 0 || array->type >= btf->type_count)
			return type_err(btf, id, err, err_len, "element type %u is not a type (of %u)",
			                array->type, btf->type_count);
		if (array->index_type >= btf->type_count)
			return type_err(btf, id, err, err_len, "index type %u is not a type (of %u)",
			                array->index_type, btf->type_count);
		return 0;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *members = type_extra(t);
		uint64_t size_bits = (uint64_t)t->size * BITS_PER_BYTE;
		for (uint32_t i = 0; i < vlen; i++) {
			const struct btf_member *m = &members[i];
			describe_member(btf, m->name_off, i, member, sizeof(member));
			if (m->name_off >= btf->str_len)
				return type_err(btf, id, err, err_len,
				                "member #%u: name offset 0x%x is outside the %u-byte "
				                "string section",
				                i, m->name_off, btf->str_len);
			if (m->type == 0 || m->type >= btf->type_count)
				return type_err(btf, id, err, err_len,
				                "member %s has type %u, which is not a type (of %u)",
				                member, m->type, btf->type_count);
			uint32_t bit = type_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
			if (bit > size_bits)
				return type_err(btf, id, err, err_len,
				                "member %s at bit %u is outside the %s's %u bytes", member,
				                bit, rk_btf_kind_name(kind), t->size);
			if (kind == BTF_KIND_UNION && bit != 0)
				return type_err(btf, id, err, err_len,
				                "member %s of a union at bit %u, not 0", member, bit);
		}
		return 0;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		if (!size_is_power_of_two_upto(t->size, 8))
			return type_err(btf, id, err, err_len, "enum size %u is not 1, 2, 4 or 8",
			                t->size);
		const uint8_t *values = type_extra(t);
		size_t stride = kind == BTF_KIND_ENUM ? sizeof(struct btf_enum)
		                                      : sizeof(struct btf_enum64);
		for (uint32_t i = 0; i < vlen; i++) {
			uint32_t name_off = *(const uint32_t *)(values + i * stride);
			if (name_off == 0 || name_off >= btf->str_len)
				return type_err(btf, id, err, err_len,
				                "enumerator #%u: name offset 0x%x is empty or outside the "
				                "%u-byte string section",
				                i, name_off, btf->str_len);
		}
		return 0;
	}
	case BTF_KIND_FWD:
		if (!named)
			return type_err(btf, id, err, err_len, "a forward declaration must have a name");
		if (t->type != 0)
			return type_err(btf, id, err, err_len, "a forward declaration's type must be 0");
		return 0;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *params = type_extra(t);
		if (t->type >= btf->type_count)
			return type_err(btf, id, err, err_len,
			                "return type %u is not a type (of %u)", t->type,
			                btf->type_count);
		for (uint32_t i = 0; i < vlen; i++) {
			if (params[i].name_off >= btf->str_len)
				return type_err(btf, id, err, err_len,
				                "parameter #%u: name offset 0x%x is outside the %u-byte "
				                "string section",
				                i, params[i].name_off, btf->str_len);
			if (params[i].type >= btf->type_count)
				return type_err(btf, id, err, err_len,
				                "parameter #%u has type %u, which is not a type (of %u)", i,
				                params[i].type, btf->type_count);
			if (params[i].type == 0 && i + 1 != vlen)
				return type_err(btf, id, err, err_len,
				                "parameter #%u is void (varargs), but is not the last", i);
		}
		return 0;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *vars = type_extra(t);
		if (!named)
			return type_err(btf, id, err, err_len, "a datasec must have a name");
		for (uint32_t i = 0; i < vlen; i++) {
			if (vars[i].type == 0 || vars[i].type >= btf->type_count)
				return type_err(btf, id, err, err_len,
				                "variable #%u has type %u, which is not a type (of %u)", i,
				                vars[i].type, btf->type_count);
			/* clang leaves the size 0 (the loader fills it in); check when known. */
			if (t->size != 0 && (uint64_t)vars[i].offset + vars[i].size > t->size)
				return type_err(btf, id, err, err_len,
				                "variable #%u (bytes %u..+%u) is outside the section's "
				                "%u bytes",
				                i, vars[i].offset, vars[i].size, t->size);
		}
		return 0;
	}
	case BTF_KIND_FLOAT:
		if (t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16)
			return type_err(btf, id, err, err_len, "float size %u is not 2, 4, 8, 12 or 16",
			                t->size);
		return 0;
	default:
		return type_err(btf, id, err, err_len, "unknown kind %u", kind);
	}
}

/* Pass 3: a struct/union's members against their types' sizes. */
static int check_members(const struct rk_btf *btf, uint32_t id, char *err, size_t err_len)
{
	const struct btf_type *t = btf->types[id];
	const struct btf_member *members = type_extra(t);
	uint64_t size_bits = (uint64_t)t->size * BITS_PER_BYTE;
	char member[NAME_SHOWN + 16];

	for (uint32_t i = 0; i < type_vlen(t); i++) {
		const struct btf_member *m = &members[i];
		uint32_t bit = type_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
		uint32_t bitfield = type_kflag(t) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
		int64_t msize = rk_btf_type_size(btf, m->type);
		if (msize < 0) {
			describe_member(btf, m->name_off, i, member, sizeof(member));
			return type_err(btf, id, err, err_len, "member %s has type %u, which has no size",
			                member, m->type);
		}
		const struct btf_type *mt = btf->types[rk_btf_skip_modifiers(btf, m->type)];
		uint32_t mkind = mt ? type_kind(mt) : BTF_KIND_UNKN;
		uint64_t start = bit, end;
		if (bitfield) {
			if (mkind != BTF_KIND_INT && mkind != BTF_KIND_ENUM && mkind != BTF_KIND_ENUM64) {
				describe_member(btf, m->name_off, i, member, sizeof(member));
				return type_err(btf, id, err, err_len,
				                "member %s is a %u-bit bitfield of a %s, not an int or enum",
				                member, bitfield, rk_btf_kind_name(mkind));
			}
			if (bitfield > BTF_BITFIELD_MAX_BITS || bitfield > (uint64_t)msize * BITS_PER_BYTE) {
				describe_member(btf, m->name_off, i, member, sizeof(member));
				return type_err(btf, id, err, err_len,
				                "member %s is a %u-bit bitfield of a %lld-byte type", member,
				                bitfield, (long long)msize);
			}
			end = start + bitfield;
		} else if (mkind == BTF_KIND_INT) {
			/* Without kind_flag, an int member may be a bitfield through its own bits. */
			uint32_t data = *(const uint32_t *)type_extra(mt);
			start += BTF_INT_OFFSET(data);
			end = start + BTF_INT_BITS(data);
		} else {
			if (bit % BITS_PER_BYTE) {
				describe_member(btf, m->name_off, i, member, sizeof(member));
				return type_err(btf, id, err, err_len,
				                "member %s at bit %u is not byte-aligned", member, bit);
			}
			end = start + (uint64_t)msize * BITS_PER_BYTE;
		}
		if (end > size_bits) {
			describe_member(btf, m->name_off, i, member, sizeof(member));
			return type_err(btf, id, err, err_len,
			                "member %s (bits %llu..%llu) ends outside the %s's %u bytes",
			                member, (unsigned long long)start, (unsigned long long)end - 1,
			                rk_btf_kind_name(type_kind(t)), t->size);
		}
	}
	return 0;
}

/* Pass 3: what needs the other types. */
static int check_references(const struct rk_btf *btf, uint32_t id, char *err, size_t err_len)
{
	const struct btf_type *t = btf->types[id];
	uint32_t kind = type_kind(t);

	if (kind_is_modifier(kind)) {
		uint32_t next = id;
		for (int step = 0; step < RK_BTF_MAX_CHAIN; step++) {
			const struct btf_type *nt = rk_btf_type_by_id(btf, next);
			if (!nt || !kind_is_modifier(type_kind(nt)))
				return 0;
			next = nt->type;
		}
		return type_err(btf, id, err, err_len,
		                "typedef/modifier chain longer than %d types (a cycle?)",
		                RK_BTF_MAX_CHAIN);
	}
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_members(btf, id, err, err_len);
	case BTF_KIND_ARRAY: {
		int64_t size = rk_btf_type_size(btf, id);
		const struct btf_array *array = type_extra(t);
		if (size == -EOVERFLOW)
			return type_err(btf, id, err, err_len,
			                "%u elements of type %u: the size overflows 32 bits",
			                array->nelems, array->type);
		if (size == -ELOOP)
			return type_err(btf, id, err, err_len,
			                "element type chain longer than %d types (a cycle?)",
			                RK_BTF_MAX_CHAIN);
		if (size < 0)
			return type_err(btf, id, err, err_len, "element type %u has no size",
			                array->type);
		return 0;
	}
	case BTF_KIND_FUNC: {
		const struct btf_type *proto = btf->types[t->type];
		if (type_kind(proto) != BTF_KIND_FUNC_PROTO)
			return type_err(btf, id, err, err_len, "type %u is a %s, not a func_proto",
			                t->type, rk_btf_kind_name(type_kind(proto)));
		return 0;
	}
	case BTF_KIND_DECL_TAG: {
		int32_t component = ((const struct btf_decl_tag *)type_extra(t))->component_idx;
		if (component == -1)
			return 0;
		const struct btf_type *target = btf->types[t->type];
		uint32_t target_kind = type_kind(target);
		uint32_t count = 0;
		if (target_kind == BTF_KIND_STRUCT || target_kind == BTF_KIND_UNION)
			count = type_vlen(target);
		else if (target_kind == BTF_KIND_FUNC)
			count = type_vlen(btf->types[target->type]);
		else
			return type_err(btf, id, err, err_len,
			                "component %d of a %s, which has no components", component,
			                rk_btf_kind_name(target_kind));
		if ((uint32_t)component >= count)
			return type_err(btf, id, err, err_len,
			                "component %d of type %u, which has %u", component, t->type,
			                count);
		return 0;
	}
	default:
		return 0;
	}
}

static int build_name_index(struct rk_btf *btf)
{
	uint32_t buckets = 16;
	while (buckets < btf->type_count && buckets < (1u << 31))
		buckets <<= 1;
	btf->name_heads = calloc(buckets, sizeof(*btf->name_heads));
	btf->name_next = calloc(btf->type_count, sizeof(*btf->name_next));
	if (!btf->name_heads || !btf->name_next)
		return -ENOMEM;
	btf->bucket_mask = buckets - 1;
	/* Insert from the highest id down so that every chain is in id order. */
	for (uint32_t id = btf->type_count - 1; id > 0; id--) {
		const struct btf_type *t = btf->types[id];
		if (t->name_off == 0)
			continue;
		const char *name = btf->strs + t->name_off;
		uint32_t bucket = name_hash(name, rk_btf_essential_name_len(name)) & btf->bucket_mask;
		btf->name_next[id] = btf->name_heads[bucket];
		btf->name_heads[bucket] = id;
	}
	return 0;
}

/* Check the header and the string section; *type_len_out: the type section's length. */
static int parse_header(struct rk_btf *btf, const uint8_t *data, size_t len,
                        uint32_t *type_len_out, char *err, size_t err_len)
{
	struct btf_header hdr;
	if (len < sizeof(hdr))
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: %zu bytes is shorter than the %zu-byte header", len,
		                  sizeof(hdr));
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.magic == 0x9feb)
		return rk_set_err(err, err_len, -EINVAL, "BTF header: big-endian BTF is not supported");
	if (hdr.magic != BTF_MAGIC)
		return rk_set_err(err, err_len, -EINVAL, "BTF header: bad magic 0x%04x (want 0x%04x)",
		                  hdr.magic, BTF_MAGIC);
	if (hdr.version != BTF_VERSION)
		return rk_set_err(err, err_len, -EINVAL, "BTF header: version %u (want %u)",
		                  hdr.version, BTF_VERSION);
	if (hdr.flags != 0)
		return rk_set_err(err, err_len, -EINVAL, "BTF header: unknown flags 0x%x", hdr.flags);
	if (hdr.hdr_len < sizeof(hdr) || hdr.hdr_len > len)
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: hdr_len %u is not between %zu and the blob's %zu bytes",
		                  hdr.hdr_len, sizeof(hdr), len);
	for (size_t i = sizeof(hdr); i < hdr.hdr_len; i++)
		if (data[i])
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF header: unknown non-zero header byte at offset 0x%zx", i);
	uint64_t body = len - hdr.hdr_len;
	if ((uint64_t)hdr.type_off + hdr.type_len > body)
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: type section (offset 0x%x, %u bytes) runs past the "
		                  "blob's %llu bytes of sections",
		                  hdr.type_off, hdr.type_len, (unsigned long long)body);
	if ((uint64_t)hdr.str_off + hdr.str_len > body)
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: string section (offset 0x%x, %u bytes) runs past the "
		                  "blob's %llu bytes of sections",
		                  hdr.str_off, hdr.str_len, (unsigned long long)body);
	if (hdr.type_len && hdr.str_len && hdr.type_off < hdr.str_off + (uint64_t)hdr.str_len &&
	    hdr.str_off < hdr.type_off + (uint64_t)hdr.type_len)
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: type section (0x%x..+%u) and string section (0x%x..+%u) "
		                  "overlap",
		                  hdr.type_off, hdr.type_len, hdr.str_off, hdr.str_len);
	if ((hdr.hdr_len + hdr.type_off) % sizeof(uint32_t))
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: type section at blob offset 0x%llx is not 4-byte aligned",
		                  (unsigned long long)hdr.hdr_len + hdr.type_off);
	if (hdr.str_len == 0 || hdr.str_len > BTF_MAX_NAME_OFFSET + 1)
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF header: string section of %u bytes (want 1..%u)", hdr.str_len,
		                  BTF_MAX_NAME_OFFSET + 1);
	const char *strs = (const char *)data + hdr.hdr_len + hdr.str_off;
	if (strs[0] != '\0' || strs[hdr.str_len - 1] != '\0')
		return rk_set_err(err, err_len, -EINVAL,
		                  "BTF string section at offset 0x%llx: must start and end with a NUL",
		                  (unsigned long long)hdr.hdr_len + hdr.str_off);
	btf->type_base = hdr.hdr_len + hdr.type_off;
	btf->strs = strs;
	btf->str_len = hdr.str_len;
	*type_len_out = hdr.type_len;
	return 0;
}

/* Pass 1: frame every record; returns the number of types (without void). */
static int64_t frame_types(const uint8_t *types, uint32_t type_len, uint32_t type_base,
                           char *err, size_t err_len)
{
	uint32_t count = 0;
	for (size_t pos = 0; pos < type_len;) {
		if (type_len - pos < sizeof(struct btf_type))
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF type %u at offset 0x%zx: truncated record (%zu bytes left)",
			                  count + 1, type_base + pos, type_len - pos);
		const struct btf_type *t = (const struct btf_type *)(types + pos);
		int64_t extra = extra_bytes(BTF_INFO_KIND(t->info), BTF_INFO_VLEN(t->info));
		if (extra < 0 || BTF_INFO_KIND(t->info) == BTF_KIND_UNKN)
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF type %u at offset 0x%zx: unknown kind %u", count + 1,
			                  type_base + pos, BTF_INFO_KIND(t->info));
		if ((uint64_t)extra > type_len - pos - sizeof(struct btf_type))
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF type %u (%s) at offset 0x%zx: its %u entries run past the "
			                  "end of the type section",
			                  count + 1, rk_btf_kind_name(BTF_INFO_KIND(t->info)),
			                  type_base + pos, BTF_INFO_VLEN(t->info));
		if (++count > BTF_MAX_TYPE)
			return rk_set_err(err, err_len, -E2BIG,
			                  "BTF type %u at offset 0x%zx: more than %u types", count,
			                  type_base + pos, BTF_MAX_TYPE);
		pos += sizeof(struct btf_type) + (size_t)extra;
	}
	return count;
}

int rk_btf_parse(const void *data, size_t len, struct rk_btf **btf_out, char *err,
                 size_t err_len)
{
	if (!btf_out)
		return rk_set_err(err, err_len, -EINVAL, "BTF: no place for the result");
	*btf_out = NULL;
	if (!data && len)
		return rk_set_err(err, err_len, -EINVAL, "BTF: no data");
	if (len > UINT32_MAX)
		return rk_set_err(err, err_len, -E2BIG, "BTF: %zu bytes is more than 4 GiB", len);

	struct rk_btf *btf = calloc(1, sizeof(*btf));
	if (!btf)
		return rk_set_err(err, err_len, -ENOMEM, "BTF: out of memory");
	int rc;
	/* malloc's alignment makes every 4-aligned record offset an aligned address. */
	btf->data = malloc(len ? len : 1);
	if (!btf->data) {
		rc = rk_set_err(err, err_len, -ENOMEM, "BTF: out of memory for %zu bytes", len);
		goto fail;
	}
	if (len)
		memcpy(btf->data, data, len);
	btf->len = len;

	uint32_t type_len = 0;
	rc = parse_header(btf, btf->data, len, &type_len, err, err_len);
	if (rc < 0)
		goto fail;
	const uint8_t *types = btf->data + btf->type_base;

	int64_t count = frame_types(types, type_len, btf->type_base, err, err_len);
	if (count < 0) {
		rc = (int)count;
		goto fail;
	}
	btf->type_count = (uint32_t)count + 1;
	btf->types = calloc(btf->type_count, sizeof(*btf->types));
	if (!btf->types) {
		rc = rk_set_err(err, err_len, -ENOMEM, "BTF: out of memory for %u types",
		                btf->type_count);
		goto fail;
	}
	for (uint32_t id = 1, pos = 0; id < btf->type_count; id++) {
		const struct btf_type *t = (const struct btf_type *)(types + pos);
		btf->types[id] = t;
		pos += sizeof(*t) + (uint32_t)extra_bytes(BTF_INFO_KIND(t->info), BTF_INFO_VLEN(t->info));
	}
	for (uint32_t id = 1; id < btf->type_count; id++) {
		rc = check_record(btf, id, err, err_len);
		if (rc < 0)
			goto fail;
	}
	for (uint32_t id = 1; id < btf->type_count; id++) {
		rc = check_references(btf, id, err, err_len);
		if (rc < 0)
			goto fail;
	}
	if (build_name_index(btf) < 0) {
		rc = rk_set_err(err, err_len, -ENOMEM, "BTF: out of memory for the name index");
		goto fail;
	}
	*btf_out = btf;
	return 0;

fail:
	rk_btf_free(btf);
	return rc;
}

int rk_btf_fixup_datasec(struct rk_btf *btf, const char *sec_name, uint32_t sec_size,
                         int (*var_offset)(void *fn_ctx, const char *var_name, uint32_t *offset),
                         void *fn_ctx, char *err, size_t err_len)
{
	int64_t id = rk_btf_find(btf, sec_name, BTF_KIND_DATASEC);
	if (id <= 0)
		return 0; /* no BTF for this section: its map prints as bytes */
	/* The records point into our own copy of the blob: patching it is ours to do. */
	struct btf_type *datasec = (struct btf_type *)btf->types[id];
	datasec->size = sec_size;
	struct btf_var_secinfo *vars = (struct btf_var_secinfo *)(datasec + 1);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(datasec->info); i++) {
		const struct btf_type *var = rk_btf_type_by_id(btf, vars[i].type);
		if (!var || BTF_INFO_KIND(var->info) != BTF_KIND_VAR)
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF DATASEC '%s': entry %u (type %u) is not a variable",
			                  sec_name, i, vars[i].type);
		const char *name = rk_btf_str(btf, var->name_off);
		uint32_t offset;
		if (var_offset(fn_ctx, name, &offset) != 0)
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF DATASEC '%s': variable '%s' has no symbol in the section",
			                  sec_name, name);
		int64_t size = rk_btf_type_size(btf, var->type);
		if (size < 0 || offset > sec_size || (uint64_t)size > sec_size - offset)
			return rk_set_err(err, err_len, -EINVAL,
			                  "BTF DATASEC '%s': variable '%s' (%lld bytes at offset %u) is "
			                  "outside the section's %u bytes",
			                  sec_name, name, (long long)size, offset, sec_size);
		vars[i].offset = offset;
		vars[i].size = (uint32_t)size;
	}
	return 0;
}
