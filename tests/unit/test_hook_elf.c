/*
 * test_hook_elf.c - hooks/elf_symbols.c on real files: functions in this
 * machine's libc and in the test target resolve to the file offset the
 * running process maps them from (/proc/PID/maps), versions pick the
 * right definition, library names are found as the dynamic linker finds
 * them, and every unusable file or symbol is refused with its message.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hooks/elf_symbols.h"
#include "../hooks/hook_test.h"

static void find_libc(char *path, size_t len)
{
	char err[1024];
	int rc = rk_elf_find_file("libc.so.6", path, len, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s", err);
}

static struct rk_elf_func find_ok(const char *path, const char *symbol)
{
	struct rk_elf_func func;
	char err[1024];
	int rc = rk_elf_find_func(path, symbol, &func, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s in %s: %s", symbol, path, err);
	return func;
}

static void find_fails(const char *path, const char *symbol, int want_rc, const char *want)
{
	struct rk_elf_func func;
	char err[1024] = "";
	int rc = rk_elf_find_func(path, symbol, &func, err, sizeof(err));
	cr_assert_eq(rc, want_rc, "%s in %s: rc %d (%s)", symbol, path, rc, err);
	cr_assert_str_eq(err, want);
}

/* The resolved offset is where this very process maps the function from. */
Test(hook_elf, libc_function_matches_our_own_mapping)
{
	char libc[PATH_MAX];
	find_libc(libc, sizeof(libc));
	void *handle = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	cr_assert_not_null(handle);
	static const char *const names[] = {"getpid", "malloc", "fork", "nanosleep"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *addr = dlsym(handle, names[i]);
		cr_assert_not_null(addr, "%s", names[i]);
		uint64_t offset, inode;
		cr_assert_eq(hook_maps_offset(getpid(), (uint64_t)(uintptr_t)addr, &offset, &inode),
		             0);
		struct stat st;
		cr_assert_eq(stat(libc, &st), 0);
		cr_assert_eq(st.st_ino, inode, "%s maps another file than %s", names[i], libc);
		struct rk_elf_func func = find_ok(libc, names[i]);
		cr_assert_eq(func.offset, offset, "%s: resolved 0x%llx, mapped from 0x%llx", names[i],
		             (unsigned long long)func.offset, (unsigned long long)offset);
		cr_assert_gt(func.size, 0);
	}
	dlclose(handle);
}

Test(hook_elf, versions)
{
	char libc[PATH_MAX];
	find_libc(libc, sizeof(libc));
	struct rk_elf_func plain = find_ok(libc, "malloc");
	struct rk_elf_func versioned = find_ok(libc, "malloc@@GLIBC_2.2.5");
	cr_assert_eq(plain.offset, versioned.offset);
	/* Two definitions: the default one, and an old one kept for old binaries. */
	struct rk_elf_func wait_default = find_ok(libc, "pthread_cond_wait");
	struct rk_elf_func wait_new = find_ok(libc, "pthread_cond_wait@@GLIBC_2.3.2");
	struct rk_elf_func wait_old = find_ok(libc, "pthread_cond_wait@GLIBC_2.2.5");
	cr_assert_eq(wait_default.offset, wait_new.offset);
	cr_assert_neq(wait_default.offset, wait_old.offset);
	/* "@" names the old version, "@@" the default: not interchangeable. */
	char want[3 * PATH_MAX];
	snprintf(want, sizeof(want),
	         "no symbol pthread_cond_wait@GLIBC_2.3.2 in %s (nm -D %s lists what it exports; "
	         "a library's function needs the library: uprobe/libc.so.6:malloc)",
	         libc, libc);
	find_fails(libc, "pthread_cond_wait@GLIBC_2.3.2", -ENOENT, want);
}

Test(hook_elf, ifunc_is_refused_but_its_old_version_is_not)
{
	char libc[PATH_MAX], want[3 * PATH_MAX];
	find_libc(libc, sizeof(libc));
	snprintf(want, sizeof(want),
	         "memcpy in %s is an IFUNC: its address is the resolver that picks an "
	         "implementation at load time, run once; probe an implementation (nm -D %s | "
	         "grep memcpy lists candidates)",
	         libc, libc);
	find_fails(libc, "memcpy", -EINVAL, want);
	find_ok(libc, "memcpy@GLIBC_2.2.5");
}

Test(hook_elf, target_symbols)
{
	struct rk_elf_func work = find_ok(HOOK_TARGET_PATH, "rk_target_work");
	struct rk_elf_func stack = find_ok(HOOK_TARGET_PATH, "rk_target_stack");
	cr_assert_neq(work.offset, stack.offset);
	cr_assert_gt(work.size, 0);
	char want[3 * PATH_MAX];
	snprintf(want, sizeof(want),
	         "rk_target_global in %s is not a function (ELF symbol type 1); uprobes attach to "
	         "functions",
	         HOOK_TARGET_PATH);
	find_fails(HOOK_TARGET_PATH, "rk_target_global", -EINVAL, want);
	snprintf(want, sizeof(want),
	         "printf is not defined in %s but imported from a library; probe the library "
	         "that defines it (uprobe/LIBRARY:printf)",
	         HOOK_TARGET_PATH);
	find_fails(HOOK_TARGET_PATH, "printf", -ENOENT, want);
	snprintf(want, sizeof(want),
	         "no symbol motor_cmd in %s (nm -D %s lists what it exports; a library's function "
	         "needs the library: uprobe/libc.so.6:malloc)",
	         HOOK_TARGET_PATH, HOOK_TARGET_PATH);
	find_fails(HOOK_TARGET_PATH, "motor_cmd", -ENOENT, want);
	/* A prefix of a name is not the name. */
	snprintf(want, sizeof(want),
	         "no symbol rk_target in %s (nm -D %s lists what it exports; a library's function "
	         "needs the library: uprobe/libc.so.6:malloc)",
	         HOOK_TARGET_PATH, HOOK_TARGET_PATH);
	find_fails(HOOK_TARGET_PATH, "rk_target", -ENOENT, want);
}

Test(hook_elf, files_that_are_not_elf)
{
	find_fails(RK_SOURCE_DIR "/tests/hooks/target.c", "main", -EINVAL,
	           RK_SOURCE_DIR "/tests/hooks/target.c is not an ELF file");
	find_fails("/nonexistent/robot", "main", -ENOENT,
	           "cannot open /nonexistent/robot: No such file or directory");
	find_fails("/tmp", "main", -EINVAL, "/tmp is not a regular file");
}

/* Every prefix of a real binary, and bytes flipped in it: refused, never a crash. */
Test(hook_elf, truncated_and_corrupted_images)
{
	int fd = open(HOOK_TARGET_PATH, O_RDONLY);
	cr_assert_geq(fd, 0);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	size_t size = (size_t)st.st_size;
	uint8_t *image = malloc(size);
	cr_assert_eq(read(fd, image, size), (ssize_t)size);
	close(fd);
	struct rk_elf_func func;
	char err[1024];
	for (size_t len = 0; len < size; len += 61) {
		/* A copy of exactly len bytes, so ASan sees any read past it. */
		uint8_t *prefix = malloc(len ? len : 1);
		memcpy(prefix, image, len);
		rk_elf_find_func_mem(prefix, len, "prefix", "rk_target_work", &func, err,
		                     sizeof(err));
		free(prefix);
	}
	srand(1);
	for (int round = 0; round < 300; round++) {
		uint8_t *copy = malloc(size);
		memcpy(copy, image, size);
		for (int flips = 0; flips < 8; flips++)
			copy[(size_t)rand() % (size < 4096 ? size : 4096)] ^= (uint8_t)(1u << (rand() % 8));
		rk_elf_find_func_mem(copy, size, "copy", "rk_target_work", &func, err, sizeof(err));
		free(copy);
	}
	cr_assert_eq(rk_elf_find_func_mem(image, size, "image", "rk_target_work", &func, err,
	                                  sizeof(err)),
	             0, "%s", err);
	free(image);
}

Test(hook_elf, find_file)
{
	char path[PATH_MAX], err[1024];
	cr_assert_eq(rk_elf_find_file("libc.so.6", path, sizeof(path), err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(path[0], '/');
	cr_assert(strstr(path, "/libc.so.6"), "%s", path);
	cr_assert_eq(rk_elf_find_file(HOOK_TARGET_PATH, path, sizeof(path), err, sizeof(err)), 0);
	cr_assert_str_eq(path, HOOK_TARGET_PATH);
	/* Not a library: a program found in PATH. */
	cr_assert_eq(rk_elf_find_file("sh", path, sizeof(path), err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(path, "/sh"), "%s", path);

	cr_assert_eq(rk_elf_find_file("libnosuch.so.1", path, sizeof(path), err, sizeof(err)),
	             -ENOENT);
#if defined(__x86_64__)
	cr_assert_str_eq(err, "no library libnosuch.so.1 in LD_LIBRARY_PATH, /etc/ld.so.cache or "
	                      "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib64:/usr/lib64:"
	                      "/lib:/usr/lib (ldconfig -p lists the known ones); give its "
	                      "absolute path");
#endif
	cr_assert_eq(rk_elf_find_file("/nonexistent/robot", path, sizeof(path), err, sizeof(err)),
	             -ENOENT);
	cr_assert_str_eq(err, "/nonexistent/robot: No such file or directory");
	cr_assert_eq(rk_elf_find_file("bin/robot", path, sizeof(path), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "bin/robot is a relative path; give an absolute path or a library "
	                      "name");
	setenv("PATH", "/nonexistent", 1);
	cr_assert_eq(rk_elf_find_file("robot", path, sizeof(path), err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "no program robot in PATH (/nonexistent); give its absolute path");
}

Test(hook_elf, library_from_ld_library_path)
{
	char path[PATH_MAX], err[1024];
	/* The target is an ELF of this machine: good enough to stand for a library. */
	setenv("LD_LIBRARY_PATH", "/nonexistent:/tmp", 1);
	cr_assert_eq(symlink(HOOK_TARGET_PATH, "/tmp/librk-hook-test.so.1") == 0 || errno == EEXIST,
	             1);
	cr_assert_eq(rk_elf_find_file("librk-hook-test.so.1", path, sizeof(path), err,
	                              sizeof(err)),
	             0, "%s", err);
	cr_assert_str_eq(path, "/tmp/librk-hook-test.so.1");
	unlink("/tmp/librk-hook-test.so.1");
}

/* Found by fuzz_hook_elf: a segment placed past the end of the file gave an offset outside it. */
Test(hook_elf, segment_outside_the_file)
{
	int fd = open(HOOK_TARGET_PATH, O_RDONLY);
	struct stat st;
	cr_assert_eq(fstat(fd, &st), 0);
	size_t size = (size_t)st.st_size;
	uint8_t *image = malloc(size);
	cr_assert_eq(read(fd, image, size), (ssize_t)size);
	close(fd);
	struct rk_elf_func func;
	char err[1024];
	cr_assert_eq(rk_elf_find_func_mem(image, size, "image", "rk_target_work", &func, err,
	                                  sizeof(err)),
	             0, "%s", err);
	Elf64_Ehdr ehdr;
	memcpy(&ehdr, image, sizeof(ehdr));
	for (unsigned i = 0; i < ehdr.e_phnum; i++) {
		Elf64_Phdr phdr;
		size_t at = ehdr.e_phoff + i * sizeof(phdr);
		memcpy(&phdr, image + at, sizeof(phdr));
		if (phdr.p_type == PT_LOAD && func.vaddr >= phdr.p_vaddr &&
		    func.vaddr < phdr.p_vaddr + phdr.p_filesz) {
			phdr.p_offset = size;
			memcpy(image + at, &phdr, sizeof(phdr));
		}
	}
	cr_assert_eq(rk_elf_find_func_mem(image, size, "image", "rk_target_work", &func, err,
	                                  sizeof(err)),
	             -EINVAL);
	cr_assert_str_eq(err, "rk_target_work in image has an address outside the file's loaded "
	                      "segments");
	free(image);
}
