/*
 * prog_ctx.c - a program's context for rkctl run and rkctl verify.
 */
#include "prog_ctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rkctl_parse_ctx_size(const char *command, const char *value, struct rkctl_ctx_opts *opts)
{
	char *end;
	unsigned long long size = strtoull(value, &end, 10);
	if (!*value || *end || value[0] == '-' || size > RKCTL_CTX_SIZE_MAX) {
		fprintf(stderr, "rkctl %s: --ctx-size wants a number of bytes 0..%u (0: no context), "
		                "got '%s'\n",
		        command, RKCTL_CTX_SIZE_MAX, value);
		return -1;
	}
	opts->size_given = true;
	opts->size = (uint32_t)size;
	return 0;
}

int rkctl_prog_ctx(const struct rk_prog *prog, bool from_elf, const struct rkctl_ctx_opts *opts,
                   struct rk_ctx_desc_buf *buf, char *err, size_t err_len)
{
	if (opts && opts->size_given) {
		rk_ctx_desc_sized(buf, opts->size);
		return 0;
	}
	if (!from_elf) {
		memset(buf, 0, sizeof(*buf));
		buf->ctx = &rk_ctx_desc_data;
		return 0;
	}
	char ctx_err[RK_VERIFY_ERR_LEN];
	int rc = rk_ctx_desc_for_section(rk_prog_section(prog), buf, ctx_err, sizeof(ctx_err));
	if (rc)
		snprintf(err, err_len, "%s; or give --ctx-size N to verify it on N writable bytes",
		         ctx_err);
	return rc;
}

void rkctl_prog_label(const struct rk_prog *prog, bool from_elf, const char *path, char *buf,
                      size_t buf_len)
{
	if (from_elf) {
		snprintf(buf, buf_len, "%s (SEC \"%s\")", rk_prog_name(prog), rk_prog_section(prog));
		return;
	}
	const char *base = strrchr(path, '/');
	snprintf(buf, buf_len, "%s", base ? base + 1 : path);
}
