/*
 * err.c - the error-buffer convention: every function that a human reads
 * the failure of takes (char *err, size_t err_len); NULL means "don't care".
 */
#include <stdarg.h>
#include <stdio.h>

#include "vm_internal.h"

int rk_set_err(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	if (err && err_len) {
		va_list args;
		va_start(args, fmt);
		vsnprintf(err, err_len, fmt, args);
		va_end(args);
	}
	return rc;
}
