/*
 * ctx_desc.c - context descriptors by section name (see ctx_desc.h).
 *
 * Kprobes and uprobes see the traced machine's registers, so the layout is
 * this build's arch: the kernel hands BPF programs struct pt_regs on x86_64
 * and struct user_pt_regs (bpf_user_pt_regs_t) on arm64.  Tracepoint
 * records are whatever the running kernel's tracefs says, read at load
 * time: the same program may see a different layout on another kernel.
 */
#include "ctx_desc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../include/rkbpf/rkbpf_hw.h"
#include "../include/rkbpf/rkbpf_pwm.h"
#include "hook_err.h"

#if defined(__x86_64__)
#include <asm/ptrace.h>
#define RK_PT_REGS_NAME "struct pt_regs"
#define RK_PT_REGS_SIZE ((uint32_t)sizeof(struct pt_regs))
#elif defined(__aarch64__)
#include <asm/ptrace.h>
#define RK_PT_REGS_NAME "struct user_pt_regs"
#define RK_PT_REGS_SIZE ((uint32_t)sizeof(struct user_pt_regs))
#endif

/* Format files are a few KiB; anything longer is not one. */
#define TRACEFS_FORMAT_MAX_BYTES 65536

/* A tracefs root + "/events/" + two names + "/format". */
#define TRACEFS_PATH_LEN 512

/* Tracefs directory names are C identifiers in practice; this bounds the path. */
#define TRACEPOINT_NAME_MAX 96

#ifdef RK_PT_REGS_SIZE
static const struct rk_ctx_desc ctx_desc_pt_regs = {
	.name = RK_PT_REGS_NAME,
	.size = RK_PT_REGS_SIZE,
};
#endif

/* The hardware hooks' contexts (include/rkbpf/rkbpf_hw.h), read-only. */
static const struct rk_ctx_desc ctx_desc_gpio = {
	.name = "struct rk_gpio_event",
	.size = (uint32_t)sizeof(struct rk_gpio_event),
};
static const struct rk_ctx_desc ctx_desc_iio = {
	.name = "struct rk_iio_scan",
	.size = (uint32_t)sizeof(struct rk_iio_scan),
};
static const struct rk_ctx_desc ctx_desc_pwm = {
	.name = "struct rk_pwm_event",
	.size = (uint32_t)sizeof(struct rk_pwm_event),
};
static const struct rk_ctx_desc ctx_desc_uio = {
	.name = "struct rk_uio_event",
	.size = (uint32_t)sizeof(struct rk_uio_event),
};


/* section is "kind" or "kind/..." */
static int is_kind(const char *section, const char *kind)
{
	size_t len = strlen(kind);
	return strncmp(section, kind, len) == 0 && (section[len] == '\0' || section[len] == '/');
}

void rk_ctx_desc_sized(struct rk_ctx_desc_buf *out, uint32_t size)
{
	memset(out, 0, sizeof(*out));
	if (size == 0)
		return;
	snprintf(out->name, sizeof(out->name), "byte buffer");
	out->writable = (struct rk_ctx_range){.off = 0, .len = size};
	out->desc = (struct rk_ctx_desc){.name = out->name, .size = size,
	                                 .writable = &out->writable, .writable_count = 1};
	out->ctx = &out->desc;
}

/* ---- tracefs format files ------------------------------------------- */

/* "key:N;" somewhere in [line, line_end): 0 and *value, or -1. */
static int parse_field_number(const char *line, const char *line_end, const char *key,
                              uint64_t *value)
{
	size_t key_len = strlen(key);
	const char *at = line;
	for (; at + key_len <= line_end; at++)
		if (memcmp(at, key, key_len) == 0)
			break;
	if (at + key_len > line_end)
		return -1;
	at += key_len;
	uint64_t number = 0;
	const char *digits = at;
	for (; at < line_end && *at >= '0' && *at <= '9'; at++) {
		number = number * 10 + (uint64_t)(*at - '0');
		if (number > UINT32_MAX)
			return -1;
	}
	if (at == digits || at >= line_end || *at != ';')
		return -1;
	*value = number;
	return 0;
}

int rk_tracefs_format_size(const char *text, const char *what, uint32_t *size_out, char *err,
                           size_t err_len)
{
	uint64_t end = 0;
	size_t field_count = 0;
	unsigned line_no = 0;
	for (const char *line = text; *line;) {
		const char *newline = strchr(line, '\n');
		const char *line_end = newline ? newline : line + strlen(line);
		const char *start = line;
		line_no++;
		line = newline ? newline + 1 : line_end;
		while (start < line_end && (*start == ' ' || *start == '\t'))
			start++;
		/* The print format comes after the fields and may quote anything. */
		if (strncmp(start, "print fmt:", strlen("print fmt:")) == 0)
			break;
		if (strncmp(start, "field:", strlen("field:")) != 0)
			continue;
		uint64_t offset, size;
		if (parse_field_number(start, line_end, "offset:", &offset) ||
		    parse_field_number(start, line_end, "size:", &size))
			return rk_hook_errf(err, err_len, -EINVAL,
			               "%s: line %u: a field without \"offset:N;\" and \"size:N;\": %.*s",
			               what, line_no, (int)(line_end - start), start);
		if (offset + size > end)
			end = offset + size;
		field_count++;
	}
	if (field_count == 0)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "%s: no \"field:\" lines; is this a tracefs format file?", what);
	if (end > UINT32_MAX)
		return rk_hook_errf(err, err_len, -EINVAL, "%s: the record ends at %llu bytes, too large",
		               what, (unsigned long long)end);
	*size_out = (uint32_t)end;
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 1: a directory, 0: none there, -EACCES: there may be one we may not see. */
static int tracefs_events_dir(const char *root)
{
	char events[TRACEFS_PATH_LEN];
	struct stat st;
	snprintf(events, sizeof(events), "%s/events", root);
	if (stat(events, &st) == 0)
		return S_ISDIR(st.st_mode);
	return errno == EACCES || errno == EPERM ? -EACCES : 0;
}

/* Read a whole (small) file, as tracefs reports no size; -errno. */
static int read_small_file(const char *path, char *buf, size_t buf_len)
{
	FILE *file = fopen(path, "r");
	if (!file)
		return -errno;
	size_t len = 0;
	while (len + 1 < buf_len) {
		size_t got = fread(buf + len, 1, buf_len - 1 - len, file);
		if (got == 0)
			break;
		len += got;
	}
	int rc = ferror(file) ? -EIO : len + 1 >= buf_len ? -EFBIG : 0;
	fclose(file);
	buf[len] = '\0';
	return rc;
}

/* A tracefs directory name: no '/', not "." or "..", not empty. */
static int valid_tracepoint_name(const char *name, size_t len)
{
	if (len == 0 || len > TRACEPOINT_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

int rk_tracepoint_record_size(const char *sys, const char *name, uint32_t *size_out, char *err,
                              size_t err_len)
{
	static const char *const roots[] = {RK_TRACEFS_PATH, RK_TRACEFS_DEBUGFS_PATH};
	if (!valid_tracepoint_name(sys, strlen(sys)) || !valid_tracepoint_name(name, strlen(name)))
		return rk_hook_errf(err, err_len, -EINVAL,
		               "tracepoint '%s/%s': not a tracepoint name (letters, digits, '_', '-')",
		               sys, name);
	char path[TRACEFS_PATH_LEN];
	const char *mounted = NULL;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		int found = tracefs_events_dir(roots[i]);
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", roots[i], sys, name);
		if (found == -EACCES)
			return rk_hook_errf(err, err_len, -EACCES,
			               "%s: permission denied: tracefs is readable by root only here; run "
			               "as root (or give read access to %s)",
			               path, roots[i]);
		if (!found)
			continue;
		if (!mounted)
			mounted = roots[i];
		char *text = malloc(TRACEFS_FORMAT_MAX_BYTES);
		if (!text)
			return rk_hook_errf(err, err_len, -ENOMEM, "%s: out of memory", path);
		int rc = read_small_file(path, text, TRACEFS_FORMAT_MAX_BYTES);
		if (rc == 0)
			rc = rk_tracefs_format_size(text, path, size_out, err, err_len);
		else if (rc == -EACCES || rc == -EPERM)
			rk_hook_errf(err, err_len, rc,
			        "%s: %s: tracefs is readable by root only here; run as root "
			        "(or give read access to %s)",
			        path, strerror(-rc), roots[i]);
		else if (rc != -ENOENT)
			rk_hook_errf(err, err_len, rc, "%s: %s", path, strerror(-rc));
		free(text);
		if (rc != -ENOENT)
			return rc;
	}
	if (!mounted)
		return rk_hook_errf(err, err_len, -ENOENT,
		               "%s/events/%s/%s/format: no such file: tracefs is not mounted; mount it "
		               "(mount -t tracefs nodev %s), or the tracepoint does not exist",
		               RK_TRACEFS_PATH, sys, name, RK_TRACEFS_PATH);
	char sys_dir[TRACEFS_PATH_LEN];
	snprintf(sys_dir, sizeof(sys_dir), "%s/events/%s", mounted, sys);
	if (!is_dir(sys_dir))
		return rk_hook_errf(err, err_len, -ENOENT,
		               "%s/events/%s/%s/format: no such file: this kernel has no tracepoint "
		               "system '%s' (ls %s/events/ lists them)",
		               mounted, sys, name, sys, mounted);
	return rk_hook_errf(err, err_len, -ENOENT,
	               "%s/events/%s/%s/format: no such file: this kernel has no tracepoint '%s' "
	               "in '%s' (ls %s lists them)",
	               mounted, sys, name, name, sys, sys_dir);
}

/* ---- sections ------------------------------------------------------- */

static int tracepoint_desc(const char *section, const char *rest, struct rk_ctx_desc_buf *out,
                           char *err, size_t err_len)
{
	const char *slash = strchr(rest, '/');
	if (!slash || slash == rest || !slash[1] || strchr(slash + 1, '/'))
		return rk_hook_errf(err, err_len, -EINVAL,
		               "\"%s\" is not a tracepoint section: write tracepoint/SYS/NAME (or "
		               "tp/SYS/NAME), as in tracepoint/sched/sched_switch",
		               section);
	char sys[TRACEPOINT_NAME_MAX + 1];
	size_t sys_len = (size_t)(slash - rest);
	if (sys_len > TRACEPOINT_NAME_MAX)
		return rk_hook_errf(err, err_len, -EINVAL,
		               "\"%s\": the tracepoint system's name is too long for tracefs", section);
	memcpy(sys, rest, sys_len);
	sys[sys_len] = '\0';
	uint32_t size;
	/* Its messages name the format file, and so the section's SYS/NAME. */
	int rc = rk_tracepoint_record_size(sys, slash + 1, &size, err, err_len);
	if (rc)
		return rc;
	snprintf(out->name, sizeof(out->name), "tracepoint %s/%s record", sys, slash + 1);
	out->desc = (struct rk_ctx_desc){.name = out->name, .size = size};
	out->ctx = &out->desc;
	return 0;
}

int rk_ctx_desc_for_section(const char *section, struct rk_ctx_desc_buf *out, char *err,
                            size_t err_len)
{
	memset(out, 0, sizeof(*out));
	if (!section)
		section = "";
	if (strcmp(section, "data") == 0) {
		out->ctx = &rk_ctx_desc_data;
		return 0;
	}
	if (is_kind(section, "uprobe") || is_kind(section, "uretprobe") ||
	    is_kind(section, "kprobe") || is_kind(section, "kretprobe")) {
#ifdef RK_PT_REGS_SIZE
		out->ctx = &ctx_desc_pt_regs;
		return 0;
#else
		return rk_hook_errf(err, err_len, -ENOTSUP,
		               "\"%s\": rkBPF does not know struct pt_regs on this architecture "
		               "(x86_64 and aarch64 only); attach it from one of those",
		               section);
#endif
	}
	if (strncmp(section, "tracepoint/", strlen("tracepoint/")) == 0)
		return tracepoint_desc(section, section + strlen("tracepoint/"), out, err, err_len);
	if (strncmp(section, "tp/", strlen("tp/")) == 0)
		return tracepoint_desc(section, section + strlen("tp/"), out, err, err_len);
	if (is_kind(section, "tracepoint") || is_kind(section, "tp"))
		return tracepoint_desc(section, "", out, err, err_len);
	if (is_kind(section, "raw_tracepoint") || is_kind(section, "raw_tp"))
		return rk_hook_errf(err, err_len, -ENOTSUP,
		               "\"%s\": raw tracepoints are not supported yet (their context is the "
		               "kernel's raw arguments); use tracepoint/SYS/NAME instead",
		               section);
	if (is_kind(section, "timer"))
		return 0; /* no context: r1 is a number */
	if (is_kind(section, "gpio")) {
		out->ctx = &ctx_desc_gpio;
		return 0;
	}
	if (is_kind(section, "iio")) {
		out->ctx = &ctx_desc_iio;
		return 0;
	}
	if (is_kind(section, "uio")) {
		out->ctx = &ctx_desc_uio;
		return 0;
	}
	if (is_kind(section, "pwm")) {
		out->ctx = &ctx_desc_pwm;   /* read-only, include/rkbpf/rkbpf_pwm.h */
		return 0;
	}
	return rk_hook_errf(err, err_len, -EINVAL,
	               "\"%s\" is not a section rkBPF can attach; supported: %s",
	               section, RK_CTX_DESC_SUPPORTED);
}
