/*
 * ctx_desc.h - what each attach point's program gets in r1, described for
 * the verifier (struct rk_ctx_desc, vm/rkbpf.h), chosen by the program's
 * SEC() name as libbpf names sections:
 *
 *   data                          rk_ctx_desc_data: RK_DATA_CTX_BYTES, writable
 *   uprobe/..., uretprobe/...     struct pt_regs of this build's arch, read-only
 *   kprobe/..., kretprobe/...     (aarch64: struct user_pt_regs)
 *   tracepoint/SYS/NAME           the raw record as tracefs' format file lays
 *   tp/SYS/NAME                   it out, read-only
 *   timer/...                     no context: r1 is a number
 *   gpio/..., iio/..., uio/...    struct rk_gpio_event, rk_iio_scan, rk_uio_event
 *                                 (include/rkbpf/rkbpf_hw.h), read-only
 *
 * The one thing to know before changing it: a descriptor may point into the
 * struct rk_ctx_desc_buf it was built in (tracepoint names, --ctx-size
 * ranges), so the buffer must outlive every use of ctx and must not be
 * copied by value.
 */
#ifndef RK_HOOKS_CTX_DESC_H
#define RK_HOOKS_CTX_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "rkbpf.h"

/* Where tracefs lives, in the order it is looked for. */
#define RK_TRACEFS_PATH "/sys/kernel/tracing"
#define RK_TRACEFS_DEBUGFS_PATH "/sys/kernel/debug/tracing"

/* Room for "tracepoint SYS/NAME record" with the longest names accepted (96 each). */
#define RK_CTX_DESC_NAME_LEN 256

/* A one-line summary of the sections rk_ctx_desc_for_section() knows, for messages. */
#define RK_CTX_DESC_SUPPORTED \
	"data, uprobe/..., uretprobe/..., kprobe/..., kretprobe/..., tracepoint/SYS/NAME " \
	"(or tp/SYS/NAME), timer/..., gpio/..., iio/..., uio/..."

struct rk_ctx_desc_buf {
	/* The descriptor to pass in rk_verify_opts.ctx; NULL: no context. */
	const struct rk_ctx_desc *ctx;
	/* Storage ctx may point to (see the header comment): not for callers. */
	struct rk_ctx_desc desc;
	struct rk_ctx_range writable;
	char name[RK_CTX_DESC_NAME_LEN];
};

/*
 * Fill out with the context of programs in section.  Reads tracefs for
 * tracepoints.  Returns 0, or a negative errno with err naming the section
 * and what to do: -ENOENT (no such tracepoint, or tracefs not mounted),
 * -EACCES (tracefs not readable), -ENOTSUP (raw tracepoints, an
 * architecture without a known pt_regs), -EINVAL (a section rkBPF does not
 * know, or a malformed one; the message lists RK_CTX_DESC_SUPPORTED).
 */
int rk_ctx_desc_for_section(const char *section, struct rk_ctx_desc_buf *out, char *err,
                            size_t err_len);

/*
 * A context of size bytes, all readable and writable, for programs whose
 * section says nothing (assembly, tests, unknown sections): what
 * `rkctl run --ctx-size N` gives.  size 0 means no context (ctx NULL).
 */
void rk_ctx_desc_sized(struct rk_ctx_desc_buf *out, uint32_t size);

/*
 * The size of a tracepoint record from the text of its tracefs format file:
 * the end of the last "field:...; offset:N; size:M;" line (the fixed part;
 * __data_loc payloads that follow it are not included).  what names the
 * file in messages.  0, or -EINVAL naming the line that does not parse.
 */
int rk_tracefs_format_size(const char *text, const char *what, uint32_t *size_out, char *err,
                           size_t err_len);

/*
 * The record size of tracepoint sys/name, read from
 * RK_TRACEFS_PATH/events/SYS/NAME/format (or under RK_TRACEFS_DEBUGFS_PATH).
 * Errors as rk_ctx_desc_for_section().
 */
int rk_tracepoint_record_size(const char *sys, const char *name, uint32_t *size_out, char *err,
                              size_t err_len);

#endif
