/*
 * iio_lib.c - load libiio 0.24 on first use (see iio_lib.h for why).
 * One thread (rkd's loop) opens hooks, so the load needs no lock.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include <iio.h>

/* The table is filled by name: the real names, not the renaming macros. */
#define RK_IIO_LIB_NO_RENAMES
#include "iio_lib.h"

struct rk_iio_lib rk_iio_lib;

#define RK_IIO_LIB_SONAME "libiio.so.0"

int rk_iio_lib_load(char *err, size_t err_len)
{
	static int loaded; /* 1: loaded; -errno: failed once, said each time */
	if (loaded == 1)
		return 0;
	void *handle = dlopen(RK_IIO_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(err, err_len,
		         "IIO hooks need libiio 0.24 (%s): %s; install it (apt-get install libiio0)",
		         RK_IIO_LIB_SONAME, dlerror());
		return -ENOENT;
	}
	struct rk_iio_lib lib;
#define RK_IIO_RESOLVE(name)                                                             \
	*(void **)&lib.name = dlsym(handle, #name);                                      \
	if (!lib.name) {                                                                 \
		snprintf(err, err_len, "%s has no %s: IIO hooks need libiio 0.24",       \
		         RK_IIO_LIB_SONAME, #name);                                      \
		dlclose(handle);                                                         \
		return -ENOENT;                                                          \
	}
	RK_IIO_FUNCS(RK_IIO_RESOLVE)
#undef RK_IIO_RESOLVE
	rk_iio_lib = lib;
	loaded = 1;
	return 0; /* never unloaded: hooks may come and go */
}
