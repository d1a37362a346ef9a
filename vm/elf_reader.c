/*
 * elf_reader.c - the bounds-checked ELF64 reader behind the object loader.
 *
 * The input is hostile until proven otherwise (rkd loads files from a
 * drop-in directory; the fuzzer feeds garbage): every offset and size is
 * checked against the buffer with arithmetic that cannot overflow
 * (range_ok()) before anything is read, headers are memcpy'd out so that
 * the buffer needs no alignment, and every string is checked to end with
 * a NUL inside its table.  What must stay true: after rk_elf_parse()
 * returns 0, every pointer in struct rk_elf is inside the buffer, so the
 * loader can follow them without checks of its own.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_reader.h"
#include "vm_internal.h"

/* Is [offset, offset + size) inside a buffer of len bytes? */
static int range_ok(uint64_t offset, uint64_t size, size_t len)
{
	return offset <= len && size <= len - offset;
}

static const char *machine_name(unsigned machine)
{
	switch (machine) {
	case EM_NONE: return "none";
	case EM_386: return "i386";
	case EM_MIPS: return "mips";
	case EM_PPC: return "ppc";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_ARM: return "arm";
	case EM_X86_64: return "x86_64";
	case EM_AARCH64: return "aarch64";
	case EM_RISCV: return "riscv";
	case EM_LOONGARCH: return "loongarch";
	default: return "unknown";
	}
}

static const char *type_name(unsigned type)
{
	switch (type) {
	case ET_NONE: return "none";
	case ET_REL: return "relocatable";
	case ET_EXEC: return "executable";
	case ET_DYN: return "shared object";
	case ET_CORE: return "core dump";
	default: return "unknown";
	}
}

const char *rk_elf_sec_label(const struct rk_elf *elf, size_t index, char *buf, size_t buf_len)
{
	if (index < elf->sec_count && elf->secs[index].name && elf->secs[index].name[0])
		return elf->secs[index].name;
	snprintf(buf, buf_len, "#%zu", index);
	return buf;
}

/*
 * The NUL-terminated string at off in a string table section, or NULL.
 * Names end up in one-line messages and in rkctl's output, so a name with
 * a control character is refused as unreadable too.
 */
static const char *table_str(const struct rk_elf_sec *table, uint64_t off)
{
	if (!table->data || off >= table->size)
		return NULL;
	const char *start = (const char *)table->data + off;
	const char *end = memchr(start, '\0', (size_t)(table->size - off));
	if (!end)
		return NULL;
	for (const char *c = start; c < end; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return NULL;
	return start;
}

static int check_header(const uint8_t *buf, size_t len, const char *file, Elf64_Ehdr *ehdr,
                        char *err, size_t err_len)
{
	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: not an ELF file (no \\177ELF magic at offset 0)", file);
	if (len < sizeof(*ehdr))
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: truncated: the file is %zu bytes, the ELF header needs %zu",
		                  file, len, sizeof(*ehdr));
	memcpy(ehdr, buf, sizeof(*ehdr));
	if (ehdr->e_ident[EI_CLASS] != ELFCLASS64)
		return rk_set_err(err, err_len, -ENOTSUP,
		                  "%s: ELF class is %u at offset 0x%x, not ELFCLASS64 (2): BPF objects "
		                  "are 64-bit",
		                  file, ehdr->e_ident[EI_CLASS], EI_CLASS);
	if (ehdr->e_ident[EI_DATA] != ELFDATA2LSB)
		return rk_set_err(err, err_len, -ENOTSUP,
		                  "%s: ELF data encoding is %s (%u) at offset 0x%x, not little-endian "
		                  "(1): build with clang -target bpf (or bpfel)",
		                  file, ehdr->e_ident[EI_DATA] == ELFDATA2MSB ? "big-endian" : "unknown",
		                  ehdr->e_ident[EI_DATA], EI_DATA);
	if (ehdr->e_ident[EI_VERSION] != EV_CURRENT || ehdr->e_version != EV_CURRENT)
		return rk_set_err(err, err_len, -EINVAL, "%s: ELF version is %u at offset 0x%x, not 1",
		                  file, ehdr->e_ident[EI_VERSION], EI_VERSION);
	if (ehdr->e_machine != EM_BPF)
		return rk_set_err(err, err_len, -ENOTSUP, "%s: ELF machine is %s (%u), not BPF (%u)",
		                  file, machine_name(ehdr->e_machine), ehdr->e_machine, EM_BPF);
	if (ehdr->e_type != ET_REL)
		return rk_set_err(err, err_len, -ENOTSUP,
		                  "%s: ELF type is %s (%u), not relocatable (%u): load the .o that "
		                  "clang -c produced",
		                  file, type_name(ehdr->e_type), ehdr->e_type, ET_REL);
	if (ehdr->e_shnum == 0 || ehdr->e_shoff == 0)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: no section headers (e_shoff 0x%llx, e_shnum %u at offset 0x3c)",
		                  file, (unsigned long long)ehdr->e_shoff, ehdr->e_shnum);
	if (ehdr->e_shentsize != sizeof(Elf64_Shdr))
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section header size is %u at offset 0x3a, not %zu", file,
		                  ehdr->e_shentsize, sizeof(Elf64_Shdr));
	if (!range_ok(ehdr->e_shoff, (uint64_t)ehdr->e_shnum * sizeof(Elf64_Shdr), len))
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: the %u section headers at offset 0x%llx run past the end of the "
		                  "%zu-byte file",
		                  file, ehdr->e_shnum, (unsigned long long)ehdr->e_shoff, len);
	if (ehdr->e_shstrndx == SHN_UNDEF || ehdr->e_shstrndx >= ehdr->e_shnum)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section name table index %u (e_shstrndx at offset 0x3e) is not "
		                  "one of the %u sections",
		                  file, ehdr->e_shstrndx, ehdr->e_shnum);
	return 0;
}

/* Decode the section headers and check every section's extent and name. */
static int read_sections(struct rk_elf *elf, const Elf64_Ehdr *ehdr, char *err, size_t err_len)
{
	elf->sec_count = ehdr->e_shnum;
	elf->secs = calloc(elf->sec_count, sizeof(*elf->secs));
	if (!elf->secs)
		return rk_set_err(err, err_len, -ENOMEM, "%s: out of memory for %zu sections",
		                  elf->file, elf->sec_count);
	for (size_t i = 0; i < elf->sec_count; i++) {
		Elf64_Shdr shdr;
		memcpy(&shdr, elf->buf + ehdr->e_shoff + i * sizeof(shdr), sizeof(shdr));
		struct rk_elf_sec *sec = &elf->secs[i];
		sec->name = "";
		sec->type = shdr.sh_type;
		sec->flags = shdr.sh_flags;
		sec->offset = shdr.sh_offset;
		sec->size = shdr.sh_size;
		sec->link = shdr.sh_link;
		sec->info = shdr.sh_info;
		sec->entsize = shdr.sh_entsize;
		sec->data = NULL;
	}

	/* The name table first: every other message wants names. */
	struct rk_elf_sec *names = &elf->secs[ehdr->e_shstrndx];
	uint64_t names_at = (uint64_t)ehdr->e_shoff + (uint64_t)ehdr->e_shstrndx * sizeof(Elf64_Shdr);
	if (names->type != SHT_STRTAB)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section #%u (header at offset 0x%llx): the section name table "
		                  "has type %u, not SHT_STRTAB",
		                  elf->file, ehdr->e_shstrndx, (unsigned long long)names_at,
		                  names->type);
	if (!range_ok(names->offset, names->size, elf->len))
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section #%u (the section name table): data at offset 0x%llx "
		                  "size 0x%llx runs past the end of the %zu-byte file",
		                  elf->file, ehdr->e_shstrndx, (unsigned long long)names->offset,
		                  (unsigned long long)names->size, elf->len);
	names->data = elf->buf + names->offset;

	/* Names are resolved once the name table is known good. */
	for (size_t i = 1; i < elf->sec_count; i++) {
		Elf64_Shdr shdr;
		memcpy(&shdr, elf->buf + ehdr->e_shoff + i * sizeof(shdr), sizeof(shdr));
		uint64_t name_off = shdr.sh_name;
		const char *name = table_str(names, name_off);
		if (!name)
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section #%zu (header at offset 0x%llx): name offset 0x%llx "
			                  "is outside the section name table (0x%llx bytes) or the name "
			                  "is not text",
			                  elf->file, i,
			                  (unsigned long long)(ehdr->e_shoff + i * sizeof(Elf64_Shdr)),
			                  (unsigned long long)name_off, (unsigned long long)names->size);
		elf->secs[i].name = name;
	}

	char label[32];
	for (size_t i = 1; i < elf->sec_count; i++) {
		struct rk_elf_sec *sec = &elf->secs[i];
		const char *sec_name = rk_elf_sec_label(elf, i, label, sizeof(label));
		if (sec->type == SHT_RELA)
			return rk_set_err(err, err_len, -ENOTSUP,
			                  "%s: section '%s' at offset 0x%llx: SHT_RELA relocations are "
			                  "not supported (clang -target bpf writes SHT_REL)",
			                  elf->file, sec_name, (unsigned long long)sec->offset);
		if (sec->type == SHT_NOBITS || sec->type == SHT_NULL)
			continue;
		if (!range_ok(sec->offset, sec->size, elf->len))
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section '%s': data at offset 0x%llx size 0x%llx runs past "
			                  "the end of the %zu-byte file",
			                  elf->file, sec_name, (unsigned long long)sec->offset,
			                  (unsigned long long)sec->size, elf->len);
		sec->data = elf->buf + sec->offset;
	}
	return 0;
}

static int read_symbols(struct rk_elf *elf, char *err, size_t err_len)
{
	char label[32];
	for (size_t i = 1; i < elf->sec_count; i++) {
		if (elf->secs[i].type != SHT_SYMTAB)
			continue;
		if (elf->symtab_index)
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section '%s' at offset 0x%llx: a second symbol table "
			                  "(the first is section #%zu)",
			                  elf->file, rk_elf_sec_label(elf, i, label, sizeof(label)),
			                  (unsigned long long)elf->secs[i].offset, elf->symtab_index);
		elf->symtab_index = i;
	}
	if (!elf->symtab_index)
		return 0;

	const struct rk_elf_sec *symtab = &elf->secs[elf->symtab_index];
	const char *symtab_name = rk_elf_sec_label(elf, elf->symtab_index, label, sizeof(label));
	if (symtab->entsize != sizeof(Elf64_Sym) || symtab->size % sizeof(Elf64_Sym) != 0)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section '%s' at offset 0x%llx: entry size %llu and size %llu do "
		                  "not describe %zu-byte symbols",
		                  elf->file, symtab_name, (unsigned long long)symtab->offset,
		                  (unsigned long long)symtab->entsize, (unsigned long long)symtab->size,
		                  sizeof(Elf64_Sym));
	if (symtab->link == 0 || symtab->link >= elf->sec_count ||
	    elf->secs[symtab->link].type != SHT_STRTAB)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section '%s' at offset 0x%llx: sh_link %u is not a string table",
		                  elf->file, symtab_name, (unsigned long long)symtab->offset,
		                  symtab->link);
	const struct rk_elf_sec *strtab = &elf->secs[symtab->link];

	elf->sym_count = symtab->size / sizeof(Elf64_Sym);
	elf->syms = calloc(elf->sym_count ? elf->sym_count : 1, sizeof(*elf->syms));
	if (!elf->syms)
		return rk_set_err(err, err_len, -ENOMEM, "%s: out of memory for %zu symbols",
		                  elf->file, elf->sym_count);
	for (size_t i = 0; i < elf->sym_count; i++) {
		Elf64_Sym raw;
		memcpy(&raw, symtab->data + i * sizeof(raw), sizeof(raw));
		struct rk_elf_sym *sym = &elf->syms[i];
		uint64_t at = i * sizeof(raw);
		sym->name = raw.st_name ? table_str(strtab, raw.st_name) : "";
		if (!sym->name) {
			sym->name = "";
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section '%s' offset 0x%llx: symbol %zu's name offset 0x%x "
			                  "is outside its string table (0x%llx bytes) or the name is not "
			                  "text",
			                  elf->file, symtab_name, (unsigned long long)at, i, raw.st_name,
			                  (unsigned long long)strtab->size);
		}
		sym->value = raw.st_value;
		sym->size = raw.st_size;
		sym->shndx = raw.st_shndx;
		sym->type = ELF64_ST_TYPE(raw.st_info);
		sym->bind = ELF64_ST_BIND(raw.st_info);
		if (sym->shndx == SHN_XINDEX ||
		    (sym->shndx != SHN_UNDEF && sym->shndx < SHN_LORESERVE &&
		     sym->shndx >= elf->sec_count))
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section '%s' offset 0x%llx: symbol '%s' is in section %u, "
			                  "which does not exist",
			                  elf->file, symtab_name, (unsigned long long)at, sym->name,
			                  sym->shndx);
	}
	return 0;
}

int rk_elf_parse(const void *buf, size_t len, const char *file, struct rk_elf *elf, char *err,
                 size_t err_len)
{
	memset(elf, 0, sizeof(*elf));
	elf->file = file;
	elf->buf = buf;
	elf->len = len;
	Elf64_Ehdr ehdr;
	int rc = check_header(buf, len, file, &ehdr, err, err_len);
	if (!rc)
		rc = read_sections(elf, &ehdr, err, err_len);
	if (!rc)
		rc = read_symbols(elf, err, err_len);
	if (rc)
		rk_elf_free(elf);
	return rc;
}

void rk_elf_free(struct rk_elf *elf)
{
	free(elf->secs);
	free(elf->syms);
	elf->secs = NULL;
	elf->syms = NULL;
	elf->sec_count = 0;
	elf->sym_count = 0;
}

size_t rk_elf_find_sec(const struct rk_elf *elf, const char *name)
{
	for (size_t i = 1; i < elf->sec_count; i++)
		if (strcmp(elf->secs[i].name, name) == 0)
			return i;
	return 0;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct rk_elf_rel *ra = a, *rb = b;
	return ra->offset < rb->offset ? -1 : ra->offset > rb->offset;
}

int rk_elf_rels(const struct rk_elf *elf, size_t rel_index, struct rk_elf_rel **rels_out,
                size_t *count_out, char *err, size_t err_len)
{
	char label[32];
	const struct rk_elf_sec *sec = &elf->secs[rel_index];
	const char *name = rk_elf_sec_label(elf, rel_index, label, sizeof(label));
	*rels_out = NULL;
	*count_out = 0;
	if (sec->entsize != sizeof(Elf64_Rel) || sec->size % sizeof(Elf64_Rel) != 0)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section '%s' at offset 0x%llx: entry size %llu and size %llu do "
		                  "not describe %zu-byte relocations",
		                  elf->file, name, (unsigned long long)sec->offset,
		                  (unsigned long long)sec->entsize, (unsigned long long)sec->size,
		                  sizeof(Elf64_Rel));
	if (!elf->symtab_index || sec->link != elf->symtab_index)
		return rk_set_err(err, err_len, -EINVAL,
		                  "%s: section '%s' at offset 0x%llx: sh_link %u is not the symbol "
		                  "table",
		                  elf->file, name, (unsigned long long)sec->offset, sec->link);
	size_t count = sec->size / sizeof(Elf64_Rel);
	struct rk_elf_rel *rels = calloc(count ? count : 1, sizeof(*rels));
	if (!rels)
		return rk_set_err(err, err_len, -ENOMEM, "%s: section '%s': out of memory",
		                  elf->file, name);
	for (size_t i = 0; i < count; i++) {
		Elf64_Rel raw;
		memcpy(&raw, sec->data + i * sizeof(raw), sizeof(raw));
		rels[i].offset = raw.r_offset;
		rels[i].type = ELF64_R_TYPE(raw.r_info);
		uint64_t sym = ELF64_R_SYM(raw.r_info);
		if (sym == 0 || sym >= elf->sym_count) {
			free(rels);
			return rk_set_err(err, err_len, -EINVAL,
			                  "%s: section '%s' offset 0x%zx: relocation refers to symbol "
			                  "%llu, but the symbol table has %zu",
			                  elf->file, name, i * sizeof(raw), (unsigned long long)sym,
			                  elf->sym_count);
		}
		rels[i].sym = (uint32_t)sym;
	}
	qsort(rels, count, sizeof(*rels), rel_cmp);
	*rels_out = rels;
	*count_out = count;
	return 0;
}
