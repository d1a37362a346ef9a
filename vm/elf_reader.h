/*
 * elf_reader.h - a bounds-checked reader for the relocatable ELF64
 * little-endian objects that clang -target bpf writes (internal to vm/).
 * Not named elf.h: with -Ivm that name would hide the system's <elf.h>.
 *
 * The one thing to know: the reader never copies the file.  Section data,
 * names and symbol names point into the caller's buffer, which must stay
 * alive (and unchanged) as long as the struct rk_elf is used; everything
 * the loader keeps beyond that it copies.  Every offset and size was
 * checked against the buffer by rk_elf_parse(), so the accessors below
 * need no further checks, and the buffer needs no alignment: headers are
 * copied out with memcpy.
 */
#ifndef RK_ELF_READER_H
#define RK_ELF_READER_H

#include <stddef.h>
#include <stdint.h>

/* The BPF relocation types (LLVM's BPF ELF ABI; <elf.h> lacks the newer ones). */
#define RK_R_BPF_NONE        0
#define RK_R_BPF_64_64       1    /* lddw: imm64 = S + A */
#define RK_R_BPF_64_ABS64    2    /* data: 8 bytes = S + A (debug info) */
#define RK_R_BPF_64_ABS32    3    /* data: 4 bytes = S + A (debug info) */
#define RK_R_BPF_64_NODYLD32 4    /* .BTF/.BTF.ext: 4 bytes, no dynamic linking */
#define RK_R_BPF_64_32       10   /* call: imm = (S + A) / 8 - 1 */

struct rk_elf_sec {
	const char *name;         /* from shstrtab; "" when unnamed */
	uint32_t type;            /* SHT_* */
	uint64_t flags;           /* SHF_* */
	uint64_t offset;          /* in the file */
	uint64_t size;            /* bytes (SHT_NOBITS: bytes of zeroes, not in the file) */
	uint32_t link;
	uint32_t info;
	uint64_t entsize;
	const uint8_t *data;      /* size bytes in the file; NULL for SHT_NOBITS and SHT_NULL */
};

struct rk_elf_sym {
	const char *name;         /* "" when unnamed */
	uint64_t value;
	uint64_t size;
	uint16_t shndx;           /* SHN_UNDEF, a section index, or SHN_ABS/SHN_COMMON */
	uint8_t type;             /* STT_* */
	uint8_t bind;             /* STB_* */
};

struct rk_elf_rel {
	uint64_t offset;          /* bytes into the target section */
	uint32_t sym;             /* index into rk_elf.syms, checked */
	uint32_t type;            /* RK_R_BPF_* */
};

struct rk_elf {
	const char *file;         /* for messages */
	const uint8_t *buf;
	size_t len;
	struct rk_elf_sec *secs;  /* sec_count entries; index 0 is the null section */
	size_t sec_count;
	struct rk_elf_sym *syms;  /* sym_count entries; index 0 is the null symbol */
	size_t sym_count;
	size_t symtab_index;      /* 0 when the file has no SHT_SYMTAB */
};

/*
 * Check the header (magic, ELFCLASS64, ELFDATA2LSB, ET_REL, EM_BPF), the
 * section header table, every section's extent, the section names and the
 * symbol table; fill elf.  file names the input in messages ("prog.o").
 * 0, -EINVAL (malformed, with the file, section and offset in err),
 * -ENOTSUP (valid ELF that is not a BPF object, or SHT_RELA) or -ENOMEM.
 */
int rk_elf_parse(const void *buf, size_t len, const char *file, struct rk_elf *elf, char *err,
                 size_t err_len);
void rk_elf_free(struct rk_elf *elf);

/* The section's name for messages: its name, or "#<index>" when it has none. */
const char *rk_elf_sec_label(const struct rk_elf *elf, size_t index, char *buf, size_t buf_len);

/*
 * Decode the SHT_REL section rel_index into a malloc'd array sorted by
 * offset (the caller frees *rels_out).  Checks the entry size, the
 * symbol table link and every symbol index.
 */
int rk_elf_rels(const struct rk_elf *elf, size_t rel_index, struct rk_elf_rel **rels_out,
                size_t *count_out, char *err, size_t err_len);

/* The index of the first section named name, or 0 when there is none. */
size_t rk_elf_find_sec(const struct rk_elf *elf, const char *name);

#endif
