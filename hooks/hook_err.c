/* hook_err.c - rk_hook_errf (hook_err.h), on its own so fuzz targets can take it alone. */
#include <stdarg.h>
#include <stdio.h>

#include "hook_err.h"

int rk_hook_errf(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	if (err && err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}
