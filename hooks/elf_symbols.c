/*
 * elf_symbols.c - function symbols to file offsets, and library names to
 * files (see elf_symbols.h).  ELF is read by hand with <elf.h>: ELF64 of
 * this machine's byte order, which covers x86_64 and aarch64.
 *
 * A symbol's st_value is a virtual address; the uprobe PMU wants a file
 * offset: the PT_LOAD segment holding the address gives it (address -
 * p_vaddr + p_offset), and the symbol's section when no segment does.
 * The same formula works for executables, PIE and shared libraries.
 *
 * Every structure is copied out of the image with memcpy (an image in
 * memory need not be aligned) after a bounds check.
 */
#include "elf_symbols.h"
#include "hook_err.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_MULTIARCH "aarch64-linux-gnu"
#else
#define HOST_MACHINE EM_NONE
#define HOST_MULTIARCH "unknown-linux-gnu"
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELF_DATA ELFDATA2LSB
#else
#define HOST_ELF_DATA ELFDATA2MSB
#endif

/* .gnu.version entries: the version index, and the bit of a non-default one. */
#define VERSYM_VERSION 0x7fffu
#define VERSYM_HIDDEN 0x8000u

/* Version definitions are a linked list in the file: bound the walk. */
#define VERDEF_MAX_WALK 65536u

#define LD_SO_CACHE "/etc/ld.so.cache"
#define LD_SO_CACHE_MAGIC "glibc-ld.so.cache1.1"
/* struct cache_file_new (glibc elf/cache.h): magic+version, nlibs, len_strings, ... */
#define LD_SO_CACHE_HEADER_BYTES 48u
/* struct file_entry_new: flags, key, value, osversion, hwcap. */
#define LD_SO_CACHE_ENTRY_BYTES 24u


/* ---- reading the image ------------------------------------------------ */

struct elf_image {
	const uint8_t *bytes;
	size_t size;
	const char *what;
	Elf64_Ehdr ehdr;
	uint64_t shnum;
};

/* [off, off+len) inside the image. */
static int in_image(const struct elf_image *elf, uint64_t off, uint64_t len)
{
	return off <= elf->size && len <= elf->size - off;
}

static int read_at(const struct elf_image *elf, uint64_t off, void *dst, size_t len)
{
	if (!in_image(elf, off, len))
		return -1;
	memcpy(dst, elf->bytes + off, len);
	return 0;
}

static int read_shdr(const struct elf_image *elf, uint64_t index, Elf64_Shdr *shdr)
{
	if (index >= elf->shnum)
		return -1;
	return read_at(elf, elf->ehdr.e_shoff + index * sizeof(Elf64_Shdr), shdr, sizeof(*shdr));
}

/* The NUL-terminated string at off in section strtab, or NULL. */
static const char *section_string(const struct elf_image *elf, const Elf64_Shdr *strtab,
                                  uint64_t off)
{
	if (strtab->sh_type != SHT_STRTAB || !in_image(elf, strtab->sh_offset, strtab->sh_size) ||
	    off >= strtab->sh_size)
		return NULL;
	const char *start = (const char *)elf->bytes + strtab->sh_offset + off;
	if (!memchr(start, '\0', strtab->sh_size - off))
		return NULL;
	return start;
}

static int open_image(struct elf_image *elf, const uint8_t *bytes, size_t size,
                      const char *what, char *err, size_t err_len)
{
	memset(elf, 0, sizeof(*elf));
	elf->bytes = bytes;
	elf->size = size;
	elf->what = what;
	if (size < EI_NIDENT || memcmp(bytes, ELFMAG, SELFMAG) != 0)
		return rk_hook_errf(err, err_len, -EINVAL, "%s is not an ELF file", what);
	if (bytes[EI_CLASS] != ELFCLASS64)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s is a 32-bit ELF file; rkBPF probes 64-bit programs only", what);
	if (bytes[EI_DATA] != HOST_ELF_DATA)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s is an ELF file of the other byte order than this machine", what);
	if (read_at(elf, 0, &elf->ehdr, sizeof(elf->ehdr)))
		return rk_hook_errf(err, err_len, -EINVAL, "%s: truncated ELF header", what);
	elf->shnum = elf->ehdr.e_shnum;
	if (elf->ehdr.e_shoff && elf->shnum == 0) {
		/* More than SHN_LORESERVE sections: the count is in section 0. */
		Elf64_Shdr first;
		if (read_at(elf, elf->ehdr.e_shoff, &first, sizeof(first)))
			return rk_hook_errf(err, err_len, -EINVAL, "%s: section headers outside the file",
			               what);
		elf->shnum = first.sh_size;
	}
	if (elf->shnum && (elf->ehdr.e_shentsize != sizeof(Elf64_Shdr) ||
	                   elf->shnum > elf->size / sizeof(Elf64_Shdr) ||
	                   !in_image(elf, elf->ehdr.e_shoff, elf->shnum * sizeof(Elf64_Shdr))))
		return rk_hook_errf(err, err_len, -EINVAL, "%s: section headers outside the file", what);
	if (elf->ehdr.e_phnum &&
	    (elf->ehdr.e_phentsize != sizeof(Elf64_Phdr) ||
	     !in_image(elf, elf->ehdr.e_phoff, (uint64_t)elf->ehdr.e_phnum * sizeof(Elf64_Phdr))))
		return rk_hook_errf(err, err_len, -EINVAL, "%s: program headers outside the file", what);
	return 0;
}

/* Virtual address -> file offset: the PT_LOAD holding it, else section shndx. */
static int vaddr_to_offset(const struct elf_image *elf, uint64_t vaddr, uint16_t shndx,
                           uint64_t *offset)
{
	for (uint64_t i = 0; i < elf->ehdr.e_phnum; i++) {
		Elf64_Phdr phdr;
		if (read_at(elf, elf->ehdr.e_phoff + i * sizeof(phdr), &phdr, sizeof(phdr)))
			return -1;
		if (phdr.p_type != PT_LOAD || vaddr < phdr.p_vaddr ||
		    vaddr - phdr.p_vaddr >= phdr.p_filesz)
			continue;
		*offset = vaddr - phdr.p_vaddr + phdr.p_offset;
		return *offset < elf->size ? 0 : -1; /* code the file does not hold */
	}
	Elf64_Shdr shdr;
	if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || read_shdr(elf, shndx, &shdr) ||
	    shdr.sh_type == SHT_NOBITS || vaddr < shdr.sh_addr ||
	    vaddr - shdr.sh_addr >= shdr.sh_size)
		return -1;
	*offset = vaddr - shdr.sh_addr + shdr.sh_offset;
	return *offset < elf->size ? 0 : -1;
}

/* ---- symbol versions (.gnu.version, .gnu.version_d) ------------------- */

struct versions {
	int have_versym, have_verdef;
	Elf64_Shdr versym, verdef, verdef_strtab;
};

static void find_versions(const struct elf_image *elf, struct versions *versions)
{
	memset(versions, 0, sizeof(*versions));
	for (uint64_t i = 1; i < elf->shnum; i++) {
		Elf64_Shdr shdr;
		if (read_shdr(elf, i, &shdr))
			return;
		if (shdr.sh_type == SHT_GNU_versym && !versions->have_versym) {
			versions->versym = shdr;
			versions->have_versym = 1;
		} else if (shdr.sh_type == SHT_GNU_verdef && !versions->have_verdef &&
		           read_shdr(elf, shdr.sh_link, &versions->verdef_strtab) == 0) {
			versions->verdef = shdr;
			versions->have_verdef = 1;
		}
	}
}

/* .dynsym entry index's version: its name (NULL: none) and whether it is hidden. */
static const char *symbol_version(const struct elf_image *elf, const struct versions *versions,
                                  uint64_t index, int *hidden)
{
	*hidden = 0;
	Elf64_Half versym;
	if (!versions->have_versym ||
	    index >= versions->versym.sh_size / sizeof(versym) ||
	    read_at(elf, versions->versym.sh_offset + index * sizeof(versym), &versym,
	            sizeof(versym)))
		return NULL;
	unsigned ndx = versym & VERSYM_VERSION;
	*hidden = (versym & VERSYM_HIDDEN) != 0;
	if (ndx <= VER_NDX_GLOBAL || !versions->have_verdef)
		return NULL;
	uint64_t off = 0;
	for (unsigned walked = 0; walked < VERDEF_MAX_WALK; walked++) {
		Elf64_Verdef verdef;
		if (off >= versions->verdef.sh_size ||
		    versions->verdef.sh_size - off < sizeof(verdef) ||
		    read_at(elf, versions->verdef.sh_offset + off, &verdef, sizeof(verdef)))
			return NULL;
		if (verdef.vd_ndx == ndx) {
			Elf64_Verdaux aux;
			uint64_t aux_off = off + verdef.vd_aux;
			if (aux_off < off || aux_off >= versions->verdef.sh_size ||
			    versions->verdef.sh_size - aux_off < sizeof(aux) ||
			    read_at(elf, versions->verdef.sh_offset + aux_off, &aux, sizeof(aux)))
				return NULL;
			return section_string(elf, &versions->verdef_strtab, aux.vda_name);
		}
		if (verdef.vd_next == 0)
			return NULL;
		off += verdef.vd_next;
	}
	return NULL;
}

/* ---- matching --------------------------------------------------------- */

/* "name", "name@VER" (hidden) or "name@@VER" (default), split. */
struct versioned_name {
	const char *base;
	size_t base_len;
	const char *version; /* NULL: none */
	int hidden;
};

static void split_name(const char *name, struct versioned_name *out)
{
	const char *at = strchr(name, '@');
	out->base = name;
	out->base_len = at ? (size_t)(at - name) : strlen(name);
	out->version = NULL;
	out->hidden = 0;
	if (at) {
		out->hidden = at[1] != '@';
		out->version = out->hidden ? at + 1 : at + 2;
	}
}

static int name_matches(const struct versioned_name *want, const struct versioned_name *have)
{
	if (want->base_len != have->base_len || memcmp(want->base, have->base, want->base_len))
		return 0;
	if (!want->version)
		return !have->hidden; /* the default or unversioned definition */
	return have->version && want->hidden == have->hidden &&
	       strcmp(want->version, have->version) == 0;
}

struct search {
	struct versioned_name want;
	const char *symbol;
	int found;
	struct rk_elf_func func;
	unsigned char bind;
	uint64_t other_offset;   /* an ambiguous second match */
	int ambiguous;
	int ifunc_seen, undefined_seen, not_function_seen, unmapped_seen;
	unsigned char not_function_type;
};

static void consider(const struct elf_image *elf, struct search *search, const Elf64_Sym *sym)
{
	unsigned char type = ELF64_ST_TYPE(sym->st_info);
	unsigned char bind = ELF64_ST_BIND(sym->st_info);
	if (sym->st_shndx == SHN_UNDEF) {
		search->undefined_seen = 1;
		return;
	}
	if (type == STT_GNU_IFUNC) {
		search->ifunc_seen = 1;
		return;
	}
	if (type != STT_FUNC) {
		search->not_function_seen = 1;
		search->not_function_type = type;
		return;
	}
	uint64_t offset;
	if (sym->st_value == 0 || vaddr_to_offset(elf, sym->st_value, sym->st_shndx, &offset)) {
		search->unmapped_seen = 1;
		return;
	}
	if (search->found && offset == search->func.offset)
		return; /* the same function under another table or alias */
	if (search->found) {
		if (bind == STB_WEAK)
			return;
		if (search->bind != STB_WEAK) {
			search->ambiguous = 1;
			search->other_offset = offset;
			return;
		}
	}
	search->found = 1;
	search->bind = bind;
	search->func = (struct rk_elf_func){
		.offset = offset, .vaddr = sym->st_value, .size = sym->st_size};
}

/* Every symbol table of type sh_type; returns how many there were. */
static int search_tables(const struct elf_image *elf, const struct versions *versions,
                         uint32_t sh_type, struct search *search)
{
	int tables = 0;
	for (uint64_t i = 1; i < elf->shnum; i++) {
		Elf64_Shdr symtab, strtab;
		if (read_shdr(elf, i, &symtab) || symtab.sh_type != sh_type)
			continue;
		if (symtab.sh_entsize != sizeof(Elf64_Sym) ||
		    !in_image(elf, symtab.sh_offset, symtab.sh_size) ||
		    read_shdr(elf, symtab.sh_link, &strtab))
			continue;
		tables++;
		uint64_t count = symtab.sh_size / sizeof(Elf64_Sym);
		for (uint64_t index = 1; index < count; index++) {
			Elf64_Sym sym;
			read_at(elf, symtab.sh_offset + index * sizeof(sym), &sym, sizeof(sym));
			const char *name = section_string(elf, &strtab, sym.st_name);
			if (!name || strncmp(name, search->want.base, search->want.base_len) != 0)
				continue;
			struct versioned_name have;
			split_name(name, &have);
			if (!have.version && sh_type == SHT_DYNSYM)
				have.version = symbol_version(elf, versions, index, &have.hidden);
			if (name_matches(&search->want, &have))
				consider(elf, search, &sym);
		}
	}
	return tables;
}

int rk_elf_find_func_mem(const uint8_t *image, size_t size, const char *what,
                         const char *symbol, struct rk_elf_func *out, char *err,
                         size_t err_len)
{
	struct elf_image elf;
	int rc = open_image(&elf, image, size, what, err, err_len);
	if (rc)
		return rc;
	if (!symbol || !*symbol)
		return rk_hook_errf(err, err_len, -EINVAL, "no symbol name to look up in %s", what);
	struct versions versions;
	find_versions(&elf, &versions);
	struct search search;
	memset(&search, 0, sizeof(search));
	search.symbol = symbol;
	split_name(symbol, &search.want);
	/* .dynsym first: a stripped file has only it, a static one only .symtab. */
	int tables = search_tables(&elf, &versions, SHT_DYNSYM, &search);
	if (!search.found && !search.ambiguous)
		tables += search_tables(&elf, &versions, SHT_SYMTAB, &search);
	if (tables == 0)
		return rk_hook_errf(err, err_len, -ENOENT,
		               "%s has no symbol table (.dynsym or .symtab): it is stripped; probe "
		               "an unstripped build",
		               what);
	if (search.ambiguous)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s: more than one function %s (at file offsets 0x%llx and 0x%llx); "
		               "name one version (%s@@VERSION) or use a unique name",
		               what, symbol, (unsigned long long)search.func.offset,
		               (unsigned long long)search.other_offset, symbol);
	if (search.found) {
		*out = search.func;
		return 0;
	}
	if (search.ifunc_seen)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s in %s is an IFUNC: its address is the resolver that picks an "
		               "implementation at load time, run once; probe an implementation "
		               "(nm -D %s | grep %s lists candidates)",
		               symbol, what, what, symbol);
	if (search.not_function_seen)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s in %s is not a function (ELF symbol type %u); uprobes attach to "
		               "functions",
		               symbol, what, search.not_function_type);
	if (search.unmapped_seen)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s in %s has an address outside the file's loaded segments", symbol,
		               what);
	if (search.undefined_seen)
		return rk_hook_errf(err, err_len, -ENOENT,
		               "%s is not defined in %s but imported from a library; probe the "
		               "library that defines it (uprobe/LIBRARY:%s)",
		               symbol, what, symbol);
	return rk_hook_errf(err, err_len, -ENOENT,
	               "no symbol %s in %s (nm -D %s lists what it exports; a library's function "
	               "needs the library: uprobe/libc.so.6:malloc)",
	               symbol, what, what);
}

/* Map path read-only: 0, or -errno with err. */
static int map_file(const char *path, const uint8_t **bytes, size_t *size, char *err,
                    size_t err_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;
		return rk_hook_errf(err, err_len, rc, "cannot open %s: %s", path, strerror(-rc));
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return rk_hook_errf(err, err_len, -EINVAL, "%s is not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return rk_hook_errf(err, err_len, -EINVAL, "%s is empty, not an ELF file", path);
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	int rc = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc)
		return rk_hook_errf(err, err_len, rc, "cannot map %s: %s", path, strerror(-rc));
	*bytes = map;
	*size = (size_t)st.st_size;
	return 0;
}

int rk_elf_find_func(const char *path, const char *symbol, struct rk_elf_func *out, char *err,
                     size_t err_len)
{
	const uint8_t *bytes;
	size_t size;
	int rc = map_file(path, &bytes, &size, err, err_len);
	if (rc)
		return rc;
	rc = rk_elf_find_func_mem(bytes, size, path, symbol, out, err, err_len);
	munmap((void *)bytes, size);
	return rc;
}

/* ---- finding files ---------------------------------------------------- */

/* A regular file that is an ELF64 object of this machine. */
static int is_host_elf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_Ehdr ehdr;
	struct stat st;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	         read(fd, &ehdr, sizeof(ehdr)) == (ssize_t)sizeof(ehdr) &&
	         memcmp(ehdr.e_ident, ELFMAG, SELFMAG) == 0 &&
	         ehdr.e_ident[EI_CLASS] == ELFCLASS64 && ehdr.e_machine == HOST_MACHINE;
	close(fd);
	return ok;
}

/* dir/name into out if it passes test. */
static int try_dir(const char *dir, size_t dir_len, const char *name, int (*test)(const char *),
                   char *out, size_t out_len)
{
	if (dir_len == 0)
		return 0;
	int len = snprintf(out, out_len, "%.*s/%s", (int)dir_len, dir, name);
	return len > 0 && (size_t)len < out_len && test(out);
}

/* Every entry of a ':' list (LD_LIBRARY_PATH, PATH). */
static int try_list(const char *list, const char *name, int (*test)(const char *), char *out,
                    size_t out_len)
{
	for (const char *at = list; at && *at;) {
		const char *colon = strchr(at, ':');
		size_t len = colon ? (size_t)(colon - at) : strlen(at);
		if (try_dir(at, len, name, test, out, out_len))
			return 1;
		at = colon ? colon + 1 : NULL;
	}
	return 0;
}

/* /etc/ld.so.cache (glibc's new format) entries named name, of this machine. */
static int try_ld_so_cache(const char *name, char *out, size_t out_len)
{
	const uint8_t *bytes;
	size_t size;
	char ignored[8];
	if (map_file(LD_SO_CACHE, &bytes, &size, ignored, sizeof(ignored)))
		return 0;
	int found = 0;
	uint32_t nlibs = 0;
	if (size >= LD_SO_CACHE_HEADER_BYTES &&
	    memcmp(bytes, LD_SO_CACHE_MAGIC, strlen(LD_SO_CACHE_MAGIC)) == 0)
		memcpy(&nlibs, bytes + strlen(LD_SO_CACHE_MAGIC), sizeof(nlibs));
	if ((size - LD_SO_CACHE_HEADER_BYTES) / LD_SO_CACHE_ENTRY_BYTES < nlibs)
		nlibs = 0;
	for (uint32_t i = 0; i < nlibs && !found; i++) {
		uint32_t key, value;
		const uint8_t *entry = bytes + LD_SO_CACHE_HEADER_BYTES + i * LD_SO_CACHE_ENTRY_BYTES;
		memcpy(&key, entry + 4, sizeof(key));
		memcpy(&value, entry + 8, sizeof(value));
		/* String offsets count from the start of the file. */
		if (key >= size || value >= size || !memchr(bytes + key, '\0', size - key) ||
		    !memchr(bytes + value, '\0', size - value))
			continue;
		if (strcmp((const char *)bytes + key, name) != 0)
			continue;
		int len = snprintf(out, out_len, "%s", (const char *)bytes + value);
		found = len > 0 && (size_t)len < out_len && is_host_elf(out);
	}
	munmap((void *)bytes, size);
	return found;
}

static int is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int rk_elf_find_file(const char *path_or_name, char *out, size_t out_len, char *err,
                     size_t err_len)
{
	static const char *const lib_dirs =
		"/lib/" HOST_MULTIARCH ":/usr/lib/" HOST_MULTIARCH ":/lib64:/usr/lib64:/lib:/usr/lib";
	const char *name = path_or_name;
	if (!name || !*name)
		return rk_hook_errf(err, err_len, -EINVAL, "no file name");
	if (name[0] == '/') {
		struct stat st;
		if (stat(name, &st) != 0) {
			int rc = -errno;
			return rk_hook_errf(err, err_len, rc, "%s: %s", name, strerror(-rc));
		}
		if (!S_ISREG(st.st_mode))
			return rk_hook_errf(err, err_len, -EINVAL, "%s is not a regular file", name);
		int len = snprintf(out, out_len, "%s", name);
		if (len < 0 || (size_t)len >= out_len)
			return rk_hook_errf(err, err_len, -ENAMETOOLONG, "%s: path too long", name);
		return 0;
	}
	if (strchr(name, '/'))
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s is a relative path; give an absolute path or a library name",
		               name);
	if (strstr(name, ".so")) {
		if (try_list(getenv("LD_LIBRARY_PATH"), name, is_host_elf, out, out_len) ||
		    try_ld_so_cache(name, out, out_len) ||
		    try_list(lib_dirs, name, is_host_elf, out, out_len))
			return 0;
		return rk_hook_errf(err, err_len, -ENOENT,
		               "no library %s in LD_LIBRARY_PATH, " LD_SO_CACHE " or %s "
		               "(ldconfig -p lists the known ones); give its absolute path",
		               name, lib_dirs);
	}
	const char *path_env = getenv("PATH");
	if (!path_env)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	if (try_list(path_env, name, is_executable, out, out_len))
		return 0;
	return rk_hook_errf(err, err_len, -ENOENT,
	               "no program %s in PATH (%s); give its absolute path", name, path_env);
}
