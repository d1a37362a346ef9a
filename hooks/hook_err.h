/*
 * hook_err.h - the error message every hooks/ file writes: snprintf into
 * the caller's buffer (when it gave one) and return the code, so that
 * `return rk_hook_errf(err, err_len, -ENOENT, "...", ...);` is one line.
 */
#ifndef RK_HOOKS_HOOK_ERR_H
#define RK_HOOKS_HOOK_ERR_H

#include <stddef.h>

int rk_hook_errf(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
