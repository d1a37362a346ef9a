/*
 * prog_ctx.h - what rkctl run and rkctl verify share: the context a program
 * gets and the verification before anything runs.
 *
 * The context comes from, in this order: --ctx-size N (N readable and
 * writable bytes; 0: no context), the program's SEC() name
 * (hooks/ctx_desc.h), or, for assembly and raw bytecode, which have no
 * section, the data buffer of SEC("data") programs (RK_DATA_CTX_BYTES).
 */
#ifndef RK_RKCTL_PROG_CTX_H
#define RK_RKCTL_PROG_CTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../hooks/ctx_desc.h"
#include "rkbpf.h"

/* --ctx-size is bounded so that rkctl run can allocate the buffer. */
#define RKCTL_CTX_SIZE_MAX (16u * 1024 * 1024)

struct rkctl_ctx_opts {
	bool size_given;     /* --ctx-size was given */
	uint32_t size;
};

/* Parse --ctx-size's value; 0, or -1 after printing the error for command. */
int rkctl_parse_ctx_size(const char *command, const char *value, struct rkctl_ctx_opts *opts);

/*
 * The context of prog (from_elf: it came from an ELF object and has a
 * section).  0, or a negative errno with err saying what to do next.
 */
int rkctl_prog_ctx(const struct rk_prog *prog, bool from_elf, const struct rkctl_ctx_opts *opts,
                   struct rk_ctx_desc_buf *buf, char *err, size_t err_len);

/*
 * "motor_guard (SEC \"data\")", or for assembly and bytecode the file's
 * name: how rkctl names a program in messages.
 */
void rkctl_prog_label(const struct rk_prog *prog, bool from_elf, const char *path, char *buf,
                      size_t buf_len);

#endif
