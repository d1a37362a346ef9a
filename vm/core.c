/*
 * core.c - apply one CO-RE relocation (see core.h), the way libbpf's
 * relo_core.c does, in our own words.
 *
 * A relocation names a root type in the local BTF, a kind, and for field
 * kinds an access string "0:1:2": an index into an array of the root type,
 * then member indices and array indices.  We turn it into a "spec": the
 * raw indices, the named accessors (members with a name, and array
 * elements; anonymous members are only steps on the way), and the bit
 * offset they add up to.  The target side finds every type with the same
 * essential name and a compatible kind, replays the named accessors by
 * name (searching through anonymous members), and computes the value the
 * instruction should hold.  All candidates that match must agree.
 *
 * The one thing to know: the BTF on both sides has passed rk_btf_parse(),
 * but its type graph may still be hostile (structs holding themselves
 * through anonymous members, fan-out through function prototypes), so
 * every walk is bounded by depth (CORE_SPEC_MAX, RK_BTF_MAX_CHAIN) and the
 * whole relocation by CORE_MAX_WORK steps.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core.h"
#include "vm_internal.h"

#define CORE_SPEC_MAX 64               /* accessors in one access string, as libbpf */
#define CORE_MAX_WORK (1u << 20)       /* members/types visited for one relocation */
#define BITS_PER_BYTE 8u
#define BITS_PER_U64 64u
#define CORE_MAX_BIT_OFFSET (UINT64_C(1) << 40)
#define NAME_SHOWN 64

/* A named member, or an array element (name NULL), on the access path. */
struct core_acc {
	uint32_t type_id;     /* the struct/union for a member, the element type for an array */
	uint32_t idx;         /* member index or array index */
	const char *name;     /* the member's (or enumerator's) name; NULL for array elements */
};

struct core_spec {
	const struct rk_btf *btf;
	uint32_t root_id;                 /* the relocation's type, as given (not skipped) */
	struct core_acc acc[CORE_SPEC_MAX];
	uint32_t len;
	uint32_t raw[CORE_SPEC_MAX];      /* the access string's indices (target: its own path) */
	uint32_t raw_len;
	uint64_t bit_offset;
};

/* The value one side (local or target) gives the relocation. */
struct core_value {
	uint64_t value;
	uint32_t size;        /* FIELD_BYTE_OFFSET of a whole field: its size (load/store width) */
	uint32_t type_id;     /* ... and its type (modifiers skipped) */
	bool validate;        /* the instruction must hold the local value (libbpf's rule) */
	bool enum32;          /* a 32-bit enumerator: see patch_insn() on its sign */
};

struct core_ctx {
	size_t insn;                       /* for messages */
	const struct rk_btf_ext_core *relo;
	const char *access;                /* the access string, for messages */
	uint32_t work;
	char *err;
	size_t err_len;
};

static const char *const relo_kind_names[] = {
	[BPF_CORE_FIELD_BYTE_OFFSET] = "field_byte_offset",
	[BPF_CORE_FIELD_BYTE_SIZE] = "field_byte_size",
	[BPF_CORE_FIELD_EXISTS] = "field_exists",
	[BPF_CORE_FIELD_SIGNED] = "field_signed",
	[BPF_CORE_FIELD_LSHIFT_U64] = "field_lshift_u64",
	[BPF_CORE_FIELD_RSHIFT_U64] = "field_rshift_u64",
	[BPF_CORE_TYPE_ID_LOCAL] = "type_id_local",
	[BPF_CORE_TYPE_ID_TARGET] = "type_id_target",
	[BPF_CORE_TYPE_EXISTS] = "type_exists",
	[BPF_CORE_TYPE_SIZE] = "type_size",
	[BPF_CORE_ENUMVAL_EXISTS] = "enumval_exists",
	[BPF_CORE_ENUMVAL_VALUE] = "enumval_value",
	[BPF_CORE_TYPE_MATCHES] = "type_matches",
};

static int core_err(const struct core_ctx *ctx, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int core_err(const struct core_ctx *ctx, int rc, const char *fmt, ...)
{
	char what[RK_ERR_LEN];
	va_list args;
	va_start(args, fmt);
	vsnprintf(what, sizeof(what), fmt, args);
	va_end(args);
	rk_btf_printable(what);
	return rk_set_err(ctx->err, ctx->err_len, rc, "insn %zu: CO-RE: %.200s", ctx->insn, what);
}

static bool kind_is_field(uint32_t kind)
{
	return kind <= BPF_CORE_FIELD_RSHIFT_U64;
}

static bool kind_is_enumval(uint32_t kind)
{
	return kind == BPF_CORE_ENUMVAL_EXISTS || kind == BPF_CORE_ENUMVAL_VALUE;
}

static uint32_t btf_kind(const struct btf_type *t)
{
	return t ? BTF_INFO_KIND(t->info) : BTF_KIND_UNKN;
}

static bool is_composite(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_STRUCT || btf_kind(t) == BTF_KIND_UNION;
}

static bool is_any_enum(const struct btf_type *t)
{
	return btf_kind(t) == BTF_KIND_ENUM || btf_kind(t) == BTF_KIND_ENUM64;
}

/* Same kind, except that enum and enum64 stand for each other (libbpf's rule). */
static bool kinds_compatible(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

static const struct btf_type *skipped(const struct rk_btf *btf, uint32_t *id)
{
	*id = rk_btf_skip_modifiers(btf, *id);
	return rk_btf_type_by_id(btf, *id);
}

static const struct btf_member *members_of(const struct btf_type *t)
{
	return (const struct btf_member *)(t + 1);
}

static uint32_t member_bit_offset(const struct btf_type *t, uint32_t idx)
{
	uint32_t offset = members_of(t)[idx].offset;
	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(offset) : offset;
}

static uint32_t member_bitfield_size(const struct btf_type *t, uint32_t idx)
{
	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BITFIELD_SIZE(members_of(t)[idx].offset) : 0;
}

/* Name and value of enumerator idx of an enum or enum64. */
static const char *enumerator(const struct rk_btf *btf, const struct btf_type *t, uint32_t idx,
                              uint64_t *value)
{
	if (btf_kind(t) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const struct btf_enum *)(t + 1) + idx;
		if (value)
			*value = BTF_INFO_KFLAG(t->info) ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
		return rk_btf_str(btf, e->name_off);
	}
	const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + idx;
	if (value)
		*value = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
	return rk_btf_str(btf, e->name_off);
}

static bool essential_names_equal(const char *a, const char *b)
{
	size_t a_len = rk_btf_essential_name_len(a), b_len = rk_btf_essential_name_len(b);
	return a_len == b_len && strncmp(a, b, a_len) == 0;
}

/* bit_offset += index * size * 8, refusing absurd offsets. */
static bool add_element_offset(uint64_t *bit_offset, uint32_t index, int64_t size)
{
	uint64_t bits;
	if (size < 0 || __builtin_mul_overflow((uint64_t)index, (uint64_t)size * BITS_PER_BYTE, &bits))
		return false;
	*bit_offset += bits;
	return *bit_offset < CORE_MAX_BIT_OFFSET;
}

/* A zero-length array as the last member of a struct (a flexible array member). */
static bool is_flex_array(const struct rk_btf *btf, const struct core_acc *parent,
                          const struct btf_array *array)
{
	if (!parent->name || array->nelems > 0)
		return false;
	const struct btf_type *t = rk_btf_type_by_id(btf, parent->type_id);
	return t && parent->idx + 1 == BTF_INFO_VLEN(t->info);
}

/* "0:1:2" -> raw indices. */
static int parse_access(const struct core_ctx *ctx, const char *access, struct core_spec *spec)
{
	const char *p = access;
	spec->raw_len = 0;
	for (;;) {
		if (*p < '0' || *p > '9')
			return core_err(ctx, -EINVAL, "bad access string '%.64s'", access);
		uint64_t index = 0;
		while (*p >= '0' && *p <= '9') {
			index = index * 10 + (uint64_t)(*p++ - '0');
			if (index > UINT32_MAX)
				return core_err(ctx, -EINVAL, "index too large in access string '%.64s'",
				                access);
		}
		if (spec->raw_len == CORE_SPEC_MAX)
			return core_err(ctx, -E2BIG, "access string '%.64s' is longer than %d steps",
			                access, CORE_SPEC_MAX);
		spec->raw[spec->raw_len++] = (uint32_t)index;
		if (*p == '\0')
			return 0;
		if (*p++ != ':')
			return core_err(ctx, -EINVAL, "bad access string '%.64s'", access);
	}
}

/* The local side: the access string against the local BTF. */
static int parse_local_spec(const struct core_ctx *ctx, const struct rk_btf *btf,
                            struct core_spec *spec)
{
	uint32_t kind = ctx->relo->kind;
	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_id = ctx->relo->type_id;
	if (!kind_is_field(kind) && !kind_is_enumval(kind)) {
		if (strcmp(ctx->access, "0") != 0)
			return core_err(ctx, -EINVAL, "a %s relocation wants access string '0', not '%.64s'",
			                relo_kind_names[kind], ctx->access);
		return 0;
	}
	int rc = parse_access(ctx, ctx->access, spec);
	if (rc < 0)
		return rc;

	uint32_t id = spec->root_id;
	const struct btf_type *t = skipped(btf, &id);
	if (!t)
		return core_err(ctx, -EINVAL, "root type %u is void", spec->root_id);
	spec->acc[0] = (struct core_acc){.type_id = id, .idx = spec->raw[0]};
	spec->len = 1;

	if (kind_is_enumval(kind)) {
		if (!is_any_enum(t) || spec->raw_len > 1 || spec->raw[0] >= BTF_INFO_VLEN(t->info))
			return core_err(ctx, -EINVAL,
			                "access string '%.64s' is not an enumerator of type %u (a %s)",
			                ctx->access, id, rk_btf_kind_name(btf_kind(t)));
		spec->acc[0].name = enumerator(btf, t, spec->raw[0], NULL);
		return 0;
	}

	if (!add_element_offset(&spec->bit_offset, spec->raw[0], rk_btf_type_size(btf, id)))
		return core_err(ctx, -EINVAL, "access string '%.64s': root type %u has no size or the "
		                "offset is absurd", ctx->access, id);
	for (uint32_t i = 1; i < spec->raw_len; i++) {
		uint32_t idx = spec->raw[i];
		t = skipped(btf, &id);
		if (is_composite(t)) {
			if (idx >= BTF_INFO_VLEN(t->info))
				return core_err(ctx, -EINVAL,
				                "access string '%.64s': member %u of type %u, which has %u",
				                ctx->access, idx, id, BTF_INFO_VLEN(t->info));
			const struct btf_member *m = &members_of(t)[idx];
			spec->bit_offset += member_bit_offset(t, idx);
			const char *name = rk_btf_str(btf, m->name_off);
			if (*name)
				spec->acc[spec->len++] = (struct core_acc){id, idx, name};
			id = m->type;
		} else if (btf_kind(t) == BTF_KIND_ARRAY) {
			const struct btf_array *array = (const struct btf_array *)(t + 1);
			bool flex = is_flex_array(btf, &spec->acc[spec->len - 1], array);
			id = array->type;
			skipped(btf, &id);
			if (!flex && idx >= array->nelems)
				return core_err(ctx, -EINVAL,
				                "access string '%.64s': element %u of an array of %u",
				                ctx->access, idx, array->nelems);
			spec->acc[spec->len++] = (struct core_acc){id, idx, NULL};
			if (!add_element_offset(&spec->bit_offset, idx, rk_btf_type_size(btf, id)))
				return core_err(ctx, -EINVAL,
				                "access string '%.64s': element type %u has no size or the "
				                "offset is absurd",
				                ctx->access, id);
		} else {
			return core_err(ctx, -EINVAL,
			                "access string '%.64s': step %u goes into a %s (type %u)",
			                ctx->access, i, rk_btf_kind_name(btf_kind(t)), id);
		}
	}
	return 0;
}

/* libbpf's bpf_core_fields_are_compat(): can a local field's type be read as the target's? */
static int fields_are_compat(const struct rk_btf *local_btf, uint32_t local_id,
                             const struct rk_btf *targ_btf, uint32_t targ_id)
{
	for (int step = 0; step < RK_BTF_MAX_CHAIN; step++) {
		const struct btf_type *lt = skipped(local_btf, &local_id);
		const struct btf_type *tt = skipped(targ_btf, &targ_id);
		if (!lt || !tt)
			return 0;
		if (is_composite(lt) && is_composite(tt))
			return 1;
		if (!kinds_compatible(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = rk_btf_str(local_btf, lt->name_off);
			const char *tn = rk_btf_str(targ_btf, tt->name_off);
			/* Anonymous on either side matches. */
			return !*ln || !*tn || essential_names_equal(ln, tn);
		}
		case BTF_KIND_INT:
			/* Old-style bitfield ints never match; all other ints do. */
			return BTF_INT_OFFSET(*(const uint32_t *)(lt + 1)) == 0 &&
			       BTF_INT_OFFSET(*(const uint32_t *)(tt + 1)) == 0;
		case BTF_KIND_ARRAY:
			local_id = ((const struct btf_array *)(lt + 1))->type;
			targ_id = ((const struct btf_array *)(tt + 1))->type;
			continue;
		default:
			return 0;
		}
	}
	return 0;
}

/* libbpf's bpf_core_types_are_compat(), for the type-based kinds. */
static int types_are_compat(struct core_ctx *ctx, const struct rk_btf *local_btf,
                            uint32_t local_id, const struct rk_btf *targ_btf, uint32_t targ_id,
                            int depth)
{
	for (;;) {
		if (--depth < 0)
			return core_err(ctx, -ELOOP, "types nest deeper than %d", RK_BTF_MAX_CHAIN);
		if (++ctx->work > CORE_MAX_WORK)
			return core_err(ctx, -E2BIG, "types too complex to compare");
		const struct btf_type *lt = skipped(local_btf, &local_id);
		const struct btf_type *tt = skipped(targ_btf, &targ_id);
		if (!lt || !tt)
			return !lt && !tt; /* void matches void */
		if (!kinds_compatible(lt, tt))
			return 0;
		switch (btf_kind(lt)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_INT:
			return BTF_INT_OFFSET(*(const uint32_t *)(lt + 1)) == 0 &&
			       BTF_INT_OFFSET(*(const uint32_t *)(tt + 1)) == 0;
		case BTF_KIND_PTR:
			local_id = lt->type;
			targ_id = tt->type;
			continue;
		case BTF_KIND_ARRAY:
			local_id = ((const struct btf_array *)(lt + 1))->type;
			targ_id = ((const struct btf_array *)(tt + 1))->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			uint32_t vlen = BTF_INFO_VLEN(lt->info);
			if (vlen != BTF_INFO_VLEN(tt->info))
				return 0;
			const struct btf_param *lp = (const struct btf_param *)(lt + 1);
			const struct btf_param *tp = (const struct btf_param *)(tt + 1);
			for (uint32_t i = 0; i < vlen; i++) {
				int rc = types_are_compat(ctx, local_btf, lp[i].type, targ_btf, tp[i].type,
				                          depth);
				if (rc <= 0)
					return rc;
			}
			local_id = lt->type; /* then the return types */
			targ_id = tt->type;
			continue;
		}
		default:
			return 0;
		}
	}
}

/*
 * Find the local accessor's member by name among the members of targ_id,
 * looking through anonymous structs/unions; extend spec with the path.
 * 1 found (and compatible), 0 not, negative on error.
 */
static int match_member(struct core_ctx *ctx, const struct rk_btf *local_btf,
                        const struct core_acc *local_acc, uint32_t targ_id,
                        struct core_spec *spec, uint32_t *next_targ_id)
{
	const struct btf_type *local_t = rk_btf_type_by_id(local_btf, local_acc->type_id);
	const struct btf_member *local_m = &members_of(local_t)[local_acc->idx];
	const struct btf_type *t = skipped(spec->btf, &targ_id);
	if (!is_composite(t))
		return 0;
	for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		if (++ctx->work > CORE_MAX_WORK)
			return core_err(ctx, -E2BIG, "types too complex to search");
		if (spec->raw_len == CORE_SPEC_MAX)
			return core_err(ctx, -E2BIG, "target members nest deeper than %d", CORE_SPEC_MAX);
		const struct btf_member *m = &members_of(t)[i];
		uint32_t bit = member_bit_offset(t, i);
		spec->raw[spec->raw_len++] = i;
		spec->bit_offset += bit;
		const char *name = rk_btf_str(spec->btf, m->name_off);
		if (!*name) {
			uint32_t inner = m->type;
			if (is_composite(skipped(spec->btf, &inner))) {
				int found = match_member(ctx, local_btf, local_acc, m->type, spec, next_targ_id);
				if (found)
					return found;
			}
		} else if (strcmp(name, local_acc->name) == 0) {
			if (spec->len == CORE_SPEC_MAX)
				return core_err(ctx, -E2BIG, "target members nest deeper than %d",
				                CORE_SPEC_MAX);
			spec->acc[spec->len++] = (struct core_acc){targ_id, i, name};
			*next_targ_id = m->type;
			return fields_are_compat(local_btf, local_m->type, spec->btf, m->type);
		}
		spec->bit_offset -= bit;
		spec->raw_len--;
	}
	return 0;
}

/* Replay the local spec on target candidate targ_id.  1 matched, 0 not, negative on error. */
static int match_spec(struct core_ctx *ctx, const struct core_spec *local,
                      const struct rk_btf *targ_btf, uint32_t targ_id, struct core_spec *targ)
{
	uint32_t kind = ctx->relo->kind;
	memset(targ, 0, sizeof(*targ));
	targ->btf = targ_btf;
	targ->root_id = targ_id;

	if (!kind_is_field(kind) && !kind_is_enumval(kind))
		return types_are_compat(ctx, local->btf, local->root_id, targ_btf, targ_id,
		                        RK_BTF_MAX_CHAIN);

	if (kind_is_enumval(kind)) {
		const struct btf_type *t = skipped(targ_btf, &targ_id);
		if (!is_any_enum(t))
			return 0;
		for (uint32_t i = 0; i < BTF_INFO_VLEN(t->info); i++) {
			const char *name = enumerator(targ_btf, t, i, NULL);
			if (essential_names_equal(name, local->acc[0].name)) {
				targ->acc[0] = (struct core_acc){targ_id, i, name};
				targ->len = 1;
				targ->raw[0] = i;
				targ->raw_len = 1;
				return 1;
			}
		}
		return 0;
	}

	for (uint32_t i = 0; i < local->len; i++) {
		const struct core_acc *acc = &local->acc[i];
		const struct btf_type *t = skipped(targ_btf, &targ_id);
		if (!t)
			return 0;
		if (acc->name) {
			int matched = match_member(ctx, local->btf, acc, targ_id, targ, &targ_id);
			if (matched <= 0)
				return matched;
			continue;
		}
		/* An array element; for i == 0 the root itself is the "element". */
		if (i > 0) {
			if (btf_kind(t) != BTF_KIND_ARRAY)
				return 0;
			const struct btf_array *array = (const struct btf_array *)(t + 1);
			bool flex = is_flex_array(targ_btf, &targ->acc[targ->len - 1], array);
			if (!flex && acc->idx >= array->nelems)
				return 0;
			targ_id = array->type;
			skipped(targ_btf, &targ_id);
		}
		if (targ->raw_len == CORE_SPEC_MAX || targ->len == CORE_SPEC_MAX)
			return core_err(ctx, -E2BIG, "target path deeper than %d", CORE_SPEC_MAX);
		targ->acc[targ->len++] = (struct core_acc){targ_id, acc->idx, NULL};
		targ->raw[targ->raw_len++] = acc->idx;
		if (!add_element_offset(&targ->bit_offset, acc->idx, rk_btf_type_size(targ_btf, targ_id)))
			return 0;
	}
	return 1;
}

/* The value of a field relocation on one side (libbpf's bpf_core_calc_field_relo()). */
static int field_value(struct core_ctx *ctx, const struct core_spec *spec, struct core_value *out)
{
	uint32_t kind = ctx->relo->kind;
	memset(out, 0, sizeof(*out));
	out->validate = true;
	if (kind == BPF_CORE_FIELD_EXISTS) {
		out->value = 1;
		return 0;
	}
	const struct core_acc *acc = &spec->acc[spec->len - 1];
	if (!acc->name) {
		int64_t size = rk_btf_type_size(spec->btf, acc->type_id);
		if (size < 0)
			return core_err(ctx, -EINVAL, "array element type %u has no size", acc->type_id);
		if (kind == BPF_CORE_FIELD_BYTE_OFFSET) {
			out->value = spec->bit_offset / BITS_PER_BYTE;
			out->size = (uint32_t)size;
			out->type_id = rk_btf_skip_modifiers(spec->btf, acc->type_id);
		} else if (kind == BPF_CORE_FIELD_BYTE_SIZE) {
			out->value = (uint64_t)size;
		} else {
			return core_err(ctx, -EINVAL, "a %s relocation cannot apply to an array element",
			                relo_kind_names[kind]);
		}
		return 0;
	}

	const struct btf_type *parent = rk_btf_type_by_id(spec->btf, acc->type_id);
	const struct btf_member *m = &members_of(parent)[acc->idx];
	uint32_t field_id = m->type;
	const struct btf_type *ft = skipped(spec->btf, &field_id);
	uint64_t bit_off = spec->bit_offset;
	uint32_t bit_size = member_bitfield_size(parent, acc->idx);
	bool bitfield = bit_size > 0;
	uint64_t byte_off;
	uint32_t byte_size;

	if (bitfield) {
		/* The smallest aligned load (at most 8 bytes) that holds every bit. */
		byte_size = ft ? ft->size : 0;
		if (byte_size == 0 || byte_size > sizeof(uint64_t))
			return core_err(ctx, -E2BIG, "bitfield '%.64s' of a %u-byte type cannot be read",
			                acc->name, byte_size);
		byte_off = bit_off / BITS_PER_BYTE / byte_size * byte_size;
		while (bit_off + bit_size - byte_off * BITS_PER_BYTE > byte_size * BITS_PER_BYTE) {
			if (byte_size >= sizeof(uint64_t))
				return core_err(ctx, -E2BIG,
				                "bitfield '%.64s' cannot be read with one 64-bit load",
				                acc->name);
			byte_size *= 2;
			byte_off = bit_off / BITS_PER_BYTE / byte_size * byte_size;
		}
	} else {
		int64_t size = rk_btf_type_size(spec->btf, m->type);
		if (size < 0)
			return core_err(ctx, -EINVAL, "field '%.64s' has no size", acc->name);
		byte_size = (uint32_t)size;
		byte_off = bit_off / BITS_PER_BYTE;
		bit_size = byte_size * BITS_PER_BYTE;
	}
	/* Bitfield offsets and sizes are ours to choose, not clang's: don't check them. */
	out->validate = !bitfield;

	switch (kind) {
	case BPF_CORE_FIELD_BYTE_OFFSET:
		out->value = byte_off;
		if (!bitfield) {
			out->size = byte_size;
			out->type_id = field_id;
		}
		return 0;
	case BPF_CORE_FIELD_BYTE_SIZE:
		out->value = byte_size;
		return 0;
	case BPF_CORE_FIELD_SIGNED: {
		bool is_signed = false;
		if (is_any_enum(ft))
			is_signed = BTF_INFO_KFLAG(ft->info);
		else if (btf_kind(ft) == BTF_KIND_INT)
			is_signed = BTF_INT_ENCODING(*(const uint32_t *)(ft + 1)) & BTF_INT_SIGNED;
		out->value = is_signed;
		out->validate = true;
		return 0;
	}
	case BPF_CORE_FIELD_LSHIFT_U64:
	case BPF_CORE_FIELD_RSHIFT_U64:
		if (bit_size > BITS_PER_U64)
			return core_err(ctx, -E2BIG, "field '%.64s' is wider than 64 bits", acc->name);
		if (kind == BPF_CORE_FIELD_LSHIFT_U64) {
			/* Little endian: the field's top bit goes to bit 63. */
			out->value = BITS_PER_U64 - (bit_off + bit_size - byte_off * BITS_PER_BYTE);
		} else {
			out->value = BITS_PER_U64 - bit_size;
			out->validate = true;
		}
		return 0;
	default:
		return core_err(ctx, -EINVAL, "unexpected field kind %u", kind);
	}
}

/* The value of a relocation from a matched spec (local or target). */
static int spec_value(struct core_ctx *ctx, const struct core_spec *spec, struct core_value *out)
{
	uint32_t kind = ctx->relo->kind;
	if (kind_is_field(kind))
		return field_value(ctx, spec, out);
	memset(out, 0, sizeof(*out));
	out->validate = true;
	if (kind_is_enumval(kind)) {
		if (kind == BPF_CORE_ENUMVAL_EXISTS) {
			out->value = 1;
		} else {
			const struct btf_type *t = rk_btf_type_by_id(spec->btf, spec->acc[0].type_id);
			enumerator(spec->btf, t, spec->acc[0].idx, &out->value);
			out->enum32 = btf_kind(t) == BTF_KIND_ENUM;
		}
		return 0;
	}
	switch (kind) {
	case BPF_CORE_TYPE_ID_TARGET:
		out->value = spec->root_id;
		out->validate = false; /* clang wrote the local id */
		return 0;
	case BPF_CORE_TYPE_EXISTS:
		out->value = 1;
		return 0;
	case BPF_CORE_TYPE_SIZE: {
		int64_t size = rk_btf_type_size(spec->btf, spec->root_id);
		if (size < 0)
			return core_err(ctx, -EINVAL, "type %u has no size", spec->root_id);
		out->value = (uint64_t)size;
		return 0;
	}
	default:
		return core_err(ctx, -EOPNOTSUPP, "relocation kind %u is not supported", kind);
	}
}

/* "comm[3]", "sig.pending": the local access path, for messages. */
static void describe_path(const struct core_spec *spec, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (uint32_t i = spec->len > 1 ? 1 : 0; i < spec->len && used < len; i++) {
		const struct core_acc *acc = &spec->acc[i];
		int n = acc->name ? snprintf(buf + used, len - used, "%s%.*s", used ? "." : "",
		                             NAME_SHOWN, acc->name)
		                  : snprintf(buf + used, len - used, "[%u]", acc->idx);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int not_found(struct core_ctx *ctx, const struct rk_btf *local_btf,
                     const struct core_spec *local, bool have_candidates)
{
	const struct btf_type *root = rk_btf_type_by_id(local_btf, ctx->relo->type_id);
	const char *name = rk_btf_str(local_btf, root->name_off);
	int name_len = (int)rk_btf_essential_name_len(name);
	if (name_len > NAME_SHOWN)
		name_len = NAME_SHOWN;
	const char *kind = rk_btf_kind_name(BTF_INFO_KIND(root->info));
	uint32_t relo_kind = ctx->relo->kind;
	if (kind_is_field(relo_kind) && have_candidates) {
		char path[128];
		describe_path(local, path, sizeof(path));
		return core_err(ctx, -ENOENT, "field '%s' of %s %.*s not found in the target BTF", path,
		                kind, name_len, name);
	}
	if (kind_is_enumval(relo_kind) && have_candidates)
		return core_err(ctx, -ENOENT, "enumerator '%.64s' of %s %.*s not found in the target BTF",
		                local->acc[0].name, kind, name_len, name);
	return core_err(ctx, -ENOENT, "%s %.*s not found in the target BTF", kind, name_len, name);
}

static int insn_size_bytes(uint8_t code)
{
	switch (RK_SIZE(code)) {
	case RK_SIZE_B:
		return 1;
	case RK_SIZE_H:
		return 2;
	case RK_SIZE_W:
		return 4;
	default:
		return 8;
	}
}

static int size_code(uint32_t bytes)
{
	switch (bytes) {
	case 1:
		return RK_SIZE_B;
	case 2:
		return RK_SIZE_H;
	case 4:
		return RK_SIZE_W;
	case 8:
		return RK_SIZE_DW;
	default:
		return -1;
	}
}

static int patch_insn(struct core_ctx *ctx, struct rk_insn *insns, size_t insn_count,
                      const struct core_value *orig, const struct core_value *new_value,
                      bool fail_memsz_adjust)
{
	struct rk_insn *insn = &insns[ctx->insn];
	uint8_t cls = RK_CLASS(insn->code);
	switch (cls) {
	case RK_CLS_ALU:
	case RK_CLS_ALU64:
		if (RK_SRC(insn->code) != RK_SRC_K)
			return core_err(ctx, -EINVAL, "cannot relocate ALU opcode 0x%02x with a register "
			                "source", insn->code);
		if (orig->validate && (uint32_t)insn->imm != (uint32_t)orig->value)
			return core_err(ctx, -EINVAL,
			                "the instruction holds %d, but the local BTF gives %llu (a "
			                "relocation applied twice, or to the wrong instruction?)",
			                insn->imm, (unsigned long long)orig->value);
		if (new_value->value > UINT32_MAX && (int64_t)new_value->value < INT32_MIN)
			return core_err(ctx, -ERANGE, "value %llu does not fit in a 32-bit immediate",
			                (unsigned long long)new_value->value);
		insn->imm = (int32_t)(uint32_t)new_value->value;
		return 0;
	case RK_CLS_LDX:
	case RK_CLS_ST:
	case RK_CLS_STX: {
		if (orig->validate && (int64_t)insn->off != (int64_t)orig->value)
			return core_err(ctx, -EINVAL,
			                "the instruction's offset is %d, but the local BTF gives %llu (a "
			                "relocation applied twice, or to the wrong instruction?)",
			                insn->off, (unsigned long long)orig->value);
		if (new_value->value > INT16_MAX)
			return core_err(ctx, -ERANGE,
			                "offset %llu does not fit in the instruction's 16-bit offset",
			                (unsigned long long)new_value->value);
		if (fail_memsz_adjust)
			return core_err(ctx, -EINVAL,
			                "the field is %u bytes in the target but %u locally, and only "
			                "pointers and unsigned integers may change size",
			                new_value->size, orig->size);
		int new_code = 0;
		if (new_value->size != orig->size) {
			if (insn_size_bytes(insn->code) != (int)orig->size)
				return core_err(ctx, -EINVAL,
				                "the instruction accesses %d bytes of a %u-byte field",
				                insn_size_bytes(insn->code), orig->size);
			new_code = size_code(new_value->size);
			if (new_code < 0)
				return core_err(ctx, -EINVAL, "the target field's %u bytes cannot be accessed "
				                "by one instruction", new_value->size);
			insn->code = (uint8_t)(RK_MODE(insn->code) | (uint8_t)new_code | cls);
		}
		insn->off = (int16_t)new_value->value;
		return 0;
	}
	case RK_CLS_LD: {
		if (insn->code != RK_OP_LDDW || ctx->insn + 1 >= insn_count || insn->src_reg != 0 ||
		    insn->off != 0 || insn[1].code != 0 || insn[1].dst_reg != 0 ||
		    insn[1].src_reg != 0 || insn[1].off != 0)
			return core_err(ctx, -EINVAL, "cannot relocate a load of opcode 0x%02x that is not "
			                "a plain lddw", insn->code);
		uint64_t imm = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
		/*
		 * A 32-bit enumerator's sign is the C type's, which BTF before
		 * clang 15 does not record (-1 comes as 4294967295, unsigned):
		 * accept either extension, and extend the new value the same way.
		 */
		uint64_t orig_signed = (uint64_t)(int64_t)(int32_t)orig->value;
		bool sign_extended = orig->enum32 && imm == orig_signed && imm != orig->value;
		if (orig->validate && imm != orig->value && !sign_extended)
			return core_err(ctx, -EINVAL,
			                "the instruction holds %llu, but the local BTF gives %llu (a "
			                "relocation applied twice, or to the wrong instruction?)",
			                (unsigned long long)imm, (unsigned long long)orig->value);
		uint64_t value = new_value->value;
		if (sign_extended && new_value->enum32)
			value = (uint64_t)(int64_t)(int32_t)value;
		insn[0].imm = (int32_t)(uint32_t)value;
		insn[1].imm = (int32_t)(uint32_t)(value >> 32);
		return 0;
	}
	default:
		return core_err(ctx, -EINVAL, "cannot relocate opcode 0x%02x", insn->code);
	}
}

/* libbpf's rule: only pointers and unsigned integers may change access size. */
static bool size_change_is_safe(const struct rk_btf *local_btf, const struct core_value *orig,
                                const struct rk_btf *targ_btf, const struct core_value *new_value)
{
	if (orig->size == new_value->size)
		return true;
	const struct btf_type *lt = rk_btf_type_by_id(local_btf, orig->type_id);
	const struct btf_type *tt = rk_btf_type_by_id(targ_btf, new_value->type_id);
	if (btf_kind(lt) == BTF_KIND_PTR && btf_kind(tt) == BTF_KIND_PTR)
		return true;
	return btf_kind(lt) == BTF_KIND_INT && btf_kind(tt) == BTF_KIND_INT &&
	       !(BTF_INT_ENCODING(*(const uint32_t *)(lt + 1)) & BTF_INT_SIGNED) &&
	       !(BTF_INT_ENCODING(*(const uint32_t *)(tt + 1)) & BTF_INT_SIGNED);
}

static int check_insn_slot(const struct core_ctx *ctx, const struct rk_btf_ext_core *relo,
                           size_t insn_count)
{
	if (relo->insn_off % RK_INSN_SIZE || relo->insn_off / RK_INSN_SIZE >= insn_count)
		return rk_set_err(ctx->err, ctx->err_len, -EINVAL,
		                  "CO-RE: instruction offset %u is not inside the section's %zu "
		                  "instructions",
		                  relo->insn_off, insn_count);
	return 0;
}

int rk_core_poison(struct rk_insn *insns, size_t insn_count, const struct rk_btf_ext_core *relo)
{
	if (!insns || !relo)
		return -EINVAL;
	struct core_ctx ctx = {.relo = relo};
	if (check_insn_slot(&ctx, relo, insn_count) < 0)
		return -EINVAL;
	size_t index = relo->insn_off / RK_INSN_SIZE;
	size_t slots = insns[index].code == RK_OP_LDDW && index + 1 < insn_count ? 2 : 1;
	for (size_t i = index; i < index + slots; i++)
		insns[i] = (struct rk_insn){.code = RK_OP_CALL, .imm = RK_CORE_POISON_HELPER};
	return 0;
}

int rk_core_relocate(struct rk_insn *insns, size_t insn_count, const struct rk_btf_ext_core *relo,
                     const struct rk_btf *local_btf, const struct rk_btf *target_btf, char *err,
                     size_t err_len)
{
	struct core_ctx ctx = {.relo = relo, .err = err, .err_len = err_len};
	if (!insns || !relo || !local_btf)
		return rk_set_err(err, err_len, -EINVAL, "CO-RE: no instructions, relocation or BTF");
	int rc = check_insn_slot(&ctx, relo, insn_count);
	if (rc < 0)
		return rc;
	ctx.insn = relo->insn_off / RK_INSN_SIZE;
	if (!target_btf)
		target_btf = local_btf;
	if (relo->kind > BPF_CORE_TYPE_MATCHES)
		return core_err(&ctx, -EINVAL, "unknown relocation kind %u", relo->kind);
	if (relo->kind == BPF_CORE_TYPE_MATCHES)
		return core_err(&ctx, -EOPNOTSUPP, "relocation kind type_matches is not supported");
	const struct btf_type *root = rk_btf_type_by_id(local_btf, relo->type_id);
	if (!root)
		return core_err(&ctx, -EINVAL, "root type %u is not in the local BTF", relo->type_id);
	ctx.access = rk_btf_str(local_btf, relo->access_str_off);
	if (!*ctx.access)
		return core_err(&ctx, -EINVAL, "empty access string");

	struct core_value orig, found_value = {0};
	if (relo->kind == BPF_CORE_TYPE_ID_LOCAL) {
		orig = (struct core_value){.value = relo->type_id, .validate = true};
		return patch_insn(&ctx, insns, insn_count, &orig, &orig, false);
	}

	struct core_spec local, targ;
	rc = parse_local_spec(&ctx, local_btf, &local);
	if (rc < 0)
		return rc;
	rc = spec_value(&ctx, &local, &orig);
	if (rc < 0)
		return rc;

	const char *name = rk_btf_str(local_btf, root->name_off);
	if (!*name)
		return core_err(&ctx, -EINVAL, "the root type %u is an anonymous %s, which cannot be "
		                "looked up in the target", relo->type_id,
		                rk_btf_kind_name(BTF_INFO_KIND(root->info)));
	size_t name_len = rk_btf_essential_name_len(name);

	bool found = false, have_candidates = false;
	uint32_t found_id = 0;
	uint32_t cursor = 0;
	for (uint32_t cand; (cand = rk_btf_next_by_essential_name(target_btf, name, name_len,
	                                                          &cursor));) {
		if (++ctx.work > CORE_MAX_WORK)
			return core_err(&ctx, -E2BIG, "too many candidates in the target BTF");
		if (!kinds_compatible(root, rk_btf_type_by_id(target_btf, cand)))
			continue;
		have_candidates = true;
		int matched = match_spec(&ctx, &local, target_btf, cand, &targ);
		if (matched < 0)
			return matched;
		if (!matched)
			continue;
		struct core_value value;
		rc = spec_value(&ctx, &targ, &value);
		if (rc < 0)
			return rc;
		if (!found) {
			found = true;
			found_value = value;
			found_id = cand;
		} else if (value.value != found_value.value || value.size != found_value.size) {
			return core_err(&ctx, -EINVAL,
			                "target types %u and %u both match '%.64s' but disagree (%llu vs "
			                "%llu)",
			                found_id, cand, name, (unsigned long long)found_value.value,
			                (unsigned long long)value.value);
		}
	}

	if (!found) {
		if (relo->kind != BPF_CORE_FIELD_EXISTS && relo->kind != BPF_CORE_TYPE_EXISTS &&
		    relo->kind != BPF_CORE_ENUMVAL_EXISTS)
			return not_found(&ctx, local_btf, &local, have_candidates);
		found_value = (struct core_value){.value = 0};
	}
	bool fail_memsz_adjust =
		found && relo->kind == BPF_CORE_FIELD_BYTE_OFFSET &&
		!size_change_is_safe(local_btf, &orig, target_btf, &found_value);
	if (!found)
		found_value.size = orig.size;
	return patch_insn(&ctx, insns, insn_count, &orig, &found_value, fail_memsz_adjust);
}
