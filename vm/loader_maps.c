/*
 * loader_maps.c - the maps of an object: BTF-defined maps in .maps,
 * legacy struct bpf_map_def records in "maps", and one single-entry array
 * per global data section (.data, .rodata, .bss, .rodata.str1.1, ...).
 *
 * BTF maps are decoded the way libbpf's bpf_helpers.h encodes them:
 * __uint(name, val) is a member `int (*name)[val]` (the value is the
 * array's element count) and __type(name, T) is `T *name` (the pointee
 * is the type).  A map's definition is found by its variable's name in
 * the DATASEC ".maps", and its place in the ELF section (what relocations
 * refer to) by the symbol of the same name, because clang leaves the
 * DATASEC offsets for libbpf to fill in.
 */
#include <elf.h>
#include <errno.h>
#include <linux/btf.h>
#include <stdlib.h>
#include <string.h>

#include "btf_ext.h"
#include "loader_internal.h"

/* struct bpf_map_def of the legacy "maps" section: five u32, in this order. */
#define LEGACY_MAP_DEF_SIZE 20
/* BPF_F_RDONLY_PROG: the program may only read the map (libbpf's .rodata). */
#define RK_MAP_F_RDONLY_PROG (1u << 7)

int rk_is_data_section(const char *name)
{
	return strcmp(name, ".data") == 0 || strcmp(name, ".rodata") == 0 ||
	       strcmp(name, ".bss") == 0 || strncmp(name, ".data.", 6) == 0 ||
	       strncmp(name, ".rodata.", 8) == 0 || strncmp(name, ".bss.", 5) == 0;
}

static int add_map(struct rk_load *load, const struct rk_map_def *def, enum rk_obj_map_kind kind,
                   size_t sec_index, uint64_t sec_offset, struct rk_obj_map **out)
{
	struct rk_obj *obj = load->obj;
	if (obj->map_count == obj->map_cap) {
		size_t cap = obj->map_cap ? obj->map_cap * 2 : 8;
		struct rk_obj_map *maps = realloc(obj->maps, cap * sizeof(*maps));
		if (!maps)
			return rk_load_sec_err(load, sec_index, -ENOMEM, "map '%s': out of memory",
			                       def->name);
		obj->maps = maps;
		obj->map_cap = cap;
	}
	char why[RK_ERR_LEN];
	why[0] = '\0';
	struct rk_map *map = NULL;
	int rc = rk_map_new(def, &obj->budget, &map, why, sizeof(why));
	if (rc)
		return rk_load_sec_err(load, sec_index, rc, "%s", why); /* why names the map */
	struct rk_obj_map *entry = &obj->maps[obj->map_count++];
	memset(entry, 0, sizeof(*entry));
	entry->map = map;
	entry->kind = kind;
	entry->sec_index = sec_index;
	entry->sec_offset = sec_offset;
	*out = entry;
	return 0;
}

static int set_name(struct rk_load *load, size_t sec_index, struct rk_map_def *def,
                    const char *name)
{
	if (!name[0])
		return rk_load_sec_err(load, sec_index, -EINVAL, "a map has no name");
	if (strlen(name) >= sizeof(def->name))
		return rk_load_sec_err(load, sec_index, -ENAMETOOLONG,
		                       "map name '%s' is longer than %zu characters", name,
		                       sizeof(def->name) - 1);
	strcpy(def->name, name);
	return 0;
}

/* ------------------------------------------------------------------ */
/* BTF-defined maps                                                   */
/* ------------------------------------------------------------------ */

static const struct btf_type *btf_resolved(const struct rk_btf *btf, uint32_t id)
{
	return rk_btf_type_by_id(btf, rk_btf_skip_modifiers(btf, id));
}

/* __uint(name, val): int (*name)[val]. */
static int member_uint(struct rk_load *load, const char *map_name, const char *member,
                       uint32_t type_id, uint32_t *out)
{
	const struct rk_btf *btf = load->obj->btf;
	const struct btf_type *ptr = btf_resolved(btf, type_id);
	const struct btf_type *array =
		ptr && BTF_INFO_KIND(ptr->info) == BTF_KIND_PTR ? btf_resolved(btf, ptr->type) : NULL;
	if (!array || BTF_INFO_KIND(array->info) != BTF_KIND_ARRAY)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s': member '%s' (type %u) is not __uint(%s, N), "
		                       "a pointer to an array of N",
		                       map_name, member, type_id, member);
	struct btf_array info;
	memcpy(&info, array + 1, sizeof(info));
	*out = info.nelems;
	return 0;
}

/* __type(name, T): T *name. */
static int member_type(struct rk_load *load, const char *map_name, const char *member,
                       uint32_t type_id, uint32_t *type_out, uint32_t *size_out)
{
	const struct rk_btf *btf = load->obj->btf;
	const struct btf_type *ptr = btf_resolved(btf, type_id);
	if (!ptr || BTF_INFO_KIND(ptr->info) != BTF_KIND_PTR)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s': member '%s' (type %u) is not __type(%s, T), a "
		                       "pointer to T",
		                       map_name, member, type_id, member);
	int64_t size = rk_btf_type_size(btf, ptr->type);
	if (size <= 0 || size > UINT32_MAX)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s': the type of '%s' (type %u) has no usable size",
		                       map_name, member, ptr->type);
	*type_out = ptr->type;
	*size_out = (uint32_t)size;
	return 0;
}

/* Set *field from a size given twice (key_size and key): both must agree. */
static int set_size(struct rk_load *load, const char *map_name, const char *what,
                    uint32_t *field, uint32_t value)
{
	if (*field && *field != value)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s': %s is given as both %u and %u bytes", map_name, what,
		                       *field, value);
	*field = value;
	return 0;
}

static int btf_map_member(struct rk_load *load, struct rk_map_def *def, const char *member,
                          uint32_t type_id)
{
	const char *map_name = def->name;
	uint32_t value = 0, size = 0, id = 0;
	int rc;
	if (strcmp(member, "type") == 0)
		return member_uint(load, map_name, member, type_id, &def->type);
	if (strcmp(member, "max_entries") == 0)
		return member_uint(load, map_name, member, type_id, &def->max_entries);
	if (strcmp(member, "map_flags") == 0)
		return member_uint(load, map_name, member, type_id, &def->map_flags);
	if (strcmp(member, "ts_capacity") == 0)
		return member_uint(load, map_name, member, type_id, &def->ts_capacity);
	if (strcmp(member, "pinning") == 0 || strcmp(member, "numa_node") == 0)
		return member_uint(load, map_name, member, type_id, &value); /* accepted, ignored */
	if (strcmp(member, "key_size") == 0 || strcmp(member, "value_size") == 0) {
		rc = member_uint(load, map_name, member, type_id, &value);
		if (rc)
			return rc;
		return set_size(load, map_name, member,
		                member[0] == 'k' ? &def->key_size : &def->value_size, value);
	}
	if (strcmp(member, "key") == 0 || strcmp(member, "value") == 0) {
		rc = member_type(load, map_name, member, type_id, &id, &size);
		if (rc)
			return rc;
		bool is_key = member[0] == 'k';
		if (is_key)
			def->btf_key_type_id = id;
		else
			def->btf_value_type_id = id;
		return set_size(load, map_name, is_key ? "key size" : "value size",
		                is_key ? &def->key_size : &def->value_size, size);
	}
	if (strcmp(member, "values") == 0)
		return rk_load_sec_err(load, load->maps_index, -ENOTSUP,
		                       "map '%s': __array(values, ...) initialisers are not supported; "
		                       "fill the map from the host",
		                       map_name);
	return rk_load_sec_err(load, load->maps_index, -ENOTSUP, "map '%s': unknown member '%s'",
	                       map_name, member);
}

/* The symbol that places map name in .maps, or NULL. */
static const struct rk_elf_sym *map_symbol(const struct rk_load *load, size_t sec_index,
                                           const char *name)
{
	for (size_t i = 1; i < load->elf.sym_count; i++) {
		const struct rk_elf_sym *sym = &load->elf.syms[i];
		if (sym->shndx == sec_index && sym->type != STT_SECTION && strcmp(sym->name, name) == 0)
			return sym;
	}
	return NULL;
}

static int btf_map(struct rk_load *load, uint32_t var_id)
{
	const struct rk_btf *btf = load->obj->btf;
	const struct btf_type *var = rk_btf_type_by_id(btf, var_id);
	if (!var || BTF_INFO_KIND(var->info) != BTF_KIND_VAR)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "BTF type %u in DATASEC '.maps' is not a variable", var_id);
	struct btf_var linkage;
	memcpy(&linkage, var + 1, sizeof(linkage));
	if (linkage.linkage == BTF_VAR_GLOBAL_EXTERN)
		return 0; /* declared here, defined elsewhere: a reference to it fails */
	struct rk_map_def def;
	memset(&def, 0, sizeof(def));
	int rc = set_name(load, load->maps_index, &def, rk_btf_str(btf, var->name_off));
	if (rc)
		return rc;
	uint32_t struct_id = rk_btf_skip_modifiers(btf, var->type);
	const struct btf_type *layout = rk_btf_type_by_id(btf, struct_id);
	if (!layout || BTF_INFO_KIND(layout->info) != BTF_KIND_STRUCT)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s': its type (%u) is not a struct", def.name, var->type);
	const struct btf_member *members = (const struct btf_member *)(layout + 1);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(layout->info); i++) {
		struct btf_member member;
		memcpy(&member, &members[i], sizeof(member));
		rc = btf_map_member(load, &def, rk_btf_str(btf, member.name_off), member.type);
		if (rc)
			return rc;
	}
	const struct rk_elf_sym *sym = map_symbol(load, load->maps_index, def.name);
	if (!sym)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "map '%s' is described in .BTF but has no symbol in '.maps'",
		                       def.name);
	struct rk_obj_map *entry;
	return add_map(load, &def, RK_OBJ_MAP_DEF, load->maps_index, sym->value, &entry);
}

static int btf_maps(struct rk_load *load)
{
	if (!load->maps_index)
		return 0;
	const struct rk_btf *btf = load->obj->btf;
	if (!btf)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       "BTF-defined maps need the object's .BTF (build with -g)");
	int64_t datasec_id = rk_btf_find(btf, ".maps", BTF_KIND_DATASEC);
	const struct btf_type *datasec =
		datasec_id > 0 ? rk_btf_type_by_id(btf, (uint32_t)datasec_id) : NULL;
	if (!datasec)
		return rk_load_sec_err(load, load->maps_index, -EINVAL,
		                       ".BTF has no DATASEC '.maps' describing the maps");
	const struct btf_var_secinfo *vars = (const struct btf_var_secinfo *)(datasec + 1);
	for (uint32_t i = 0; i < BTF_INFO_VLEN(datasec->info); i++) {
		struct btf_var_secinfo var;
		memcpy(&var, &vars[i], sizeof(var));
		int rc = btf_map(load, var.type);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Legacy maps: struct bpf_map_def records in section "maps"          */
/* ------------------------------------------------------------------ */

static uint32_t read_u32(const uint8_t *at)
{
	uint32_t value;
	memcpy(&value, at, sizeof(value));
	return value;
}

static int legacy_maps(struct rk_load *load)
{
	size_t index = load->legacy_maps_index;
	if (!index)
		return 0;
	const struct rk_elf_sec *sec = &load->elf.secs[index];
	for (size_t i = 1; i < load->elf.sym_count; i++) {
		const struct rk_elf_sym *sym = &load->elf.syms[i];
		if (sym->shndx != index || sym->type == STT_SECTION)
			continue;
		if (!sec->data || sym->value > sec->size || sec->size - sym->value < LEGACY_MAP_DEF_SIZE)
			return rk_load_err(load, index, sym->value, -EINVAL,
			                   "map '%s': its %d-byte struct bpf_map_def runs past the end of "
			                   "the section (%llu bytes)",
			                   sym->name, LEGACY_MAP_DEF_SIZE, (unsigned long long)sec->size);
		struct rk_map_def def;
		memset(&def, 0, sizeof(def));
		int rc = set_name(load, index, &def, sym->name);
		if (rc)
			return rc;
		const uint8_t *at = sec->data + sym->value;
		def.type = read_u32(at);
		def.key_size = read_u32(at + 4);
		def.value_size = read_u32(at + 8);
		def.max_entries = read_u32(at + 12);
		def.map_flags = read_u32(at + 16);
		struct rk_obj_map *entry;
		rc = add_map(load, &def, RK_OBJ_MAP_DEF, index, sym->value, &entry);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Global data: one single-entry array per section                    */
/* ------------------------------------------------------------------ */

/* The offset of a global variable: its symbol's value in the data section. */
struct data_symbols {
	const struct rk_elf *elf;
	size_t sec_index;
};

static int data_symbol_offset(void *fn_ctx, const char *var_name, uint32_t *offset)
{
	const struct data_symbols *symbols = fn_ctx;
	for (size_t i = 1; i < symbols->elf->sym_count; i++) {
		const struct rk_elf_sym *sym = &symbols->elf->syms[i];
		if (sym->shndx == symbols->sec_index && sym->type == STT_OBJECT &&
		    strcmp(sym->name, var_name) == 0 && sym->value <= UINT32_MAX) {
			*offset = (uint32_t)sym->value;
			return 0;
		}
	}
	return -ENOENT;
}

static int data_map(struct rk_load *load, size_t index)
{
	const struct rk_elf_sec *sec = &load->elf.secs[index];
	if (sec->size == 0)
		return 0; /* nothing to address: a relocation against it is an error */
	if (sec->size > UINT32_MAX)
		return rk_load_sec_err(load, index, -E2BIG,
		                       "%llu bytes of global data is more than a map value can hold",
		                       (unsigned long long)sec->size);
	struct rk_map_def def;
	memset(&def, 0, sizeof(def));
	int rc = set_name(load, index, &def, sec->name);
	if (rc)
		return rc;
	def.type = RK_MAP_ARRAY;
	def.key_size = sizeof(uint32_t);
	def.value_size = (uint32_t)sec->size;
	def.max_entries = 1;
	if (strncmp(sec->name, ".rodata", 7) == 0)
		def.map_flags = RK_MAP_F_RDONLY_PROG;
	if (load->obj->btf) {
		struct data_symbols symbols = {.elf = &load->elf, .sec_index = index};
		char why[RK_ERR_LEN];
		rc = rk_btf_fixup_datasec(load->obj->btf, sec->name, (uint32_t)sec->size,
		                          data_symbol_offset, &symbols, why, sizeof(why));
		if (rc)
			return rk_load_sec_err(load, index, rc, "%s", why);
		int64_t id = rk_btf_find(load->obj->btf, sec->name, BTF_KIND_DATASEC);
		def.btf_value_type_id = id > 0 ? (uint32_t)id : 0;
	}
	struct rk_obj_map *entry;
	rc = add_map(load, &def, RK_OBJ_MAP_DATA, index, 0, &entry);
	if (rc)
		return rc;
	uint32_t key = 0;
	entry->value = rk_map_lookup(entry->map, &key);
	if (!entry->value)
		return rk_load_sec_err(load, index, -EINVAL,
		                       "map '%s': the array has no entry 0 to hold the data", def.name);
	if (sec->type == SHT_NOBITS || !sec->data)
		memset(entry->value, 0, sec->size);
	else
		memcpy(entry->value, sec->data, sec->size);
	return 0;
}

static int data_maps(struct rk_load *load)
{
	for (size_t i = 1; i < load->elf.sec_count; i++) {
		const struct rk_elf_sec *sec = &load->elf.secs[i];
		if ((sec->type != SHT_PROGBITS && sec->type != SHT_NOBITS) ||
		    (sec->flags & SHF_EXECINSTR) || !rk_is_data_section(sec->name))
			continue;
		int rc = data_map(load, i);
		if (rc)
			return rc;
	}
	return 0;
}

int rk_load_maps(struct rk_load *load)
{
	int rc = btf_maps(load);
	if (!rc)
		rc = legacy_maps(load);
	if (!rc)
		rc = data_maps(load);
	return rc;
}

struct rk_obj_map *rk_load_find_def_map(struct rk_load *load, size_t sec_index, uint64_t offset)
{
	for (size_t i = 0; i < load->obj->map_count; i++) {
		struct rk_obj_map *entry = &load->obj->maps[i];
		if (entry->kind == RK_OBJ_MAP_DEF && entry->sec_index == sec_index &&
		    entry->sec_offset == offset)
			return entry;
	}
	return NULL;
}

struct rk_obj_map *rk_load_find_data_map(struct rk_load *load, size_t sec_index)
{
	for (size_t i = 0; i < load->obj->map_count; i++) {
		struct rk_obj_map *entry = &load->obj->maps[i];
		if (entry->kind == RK_OBJ_MAP_DATA && entry->sec_index == sec_index)
			return entry;
	}
	return NULL;
}
