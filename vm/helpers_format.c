/*
 * helpers_format.c - bpf_trace_printk and bpf_snprintf: printf with the
 * kernel's rules (kernel/bpf/helpers.c, bpf_bprintf_prepare), so that a
 * format the kernel refuses is refused here too, with -EINVAL, before
 * anything is written.
 *
 * The accepted conversions: %d %i %u %x %X, each optionally with l or ll
 * (64-bit; without them the argument's low 32 bits), %c, %s, %p (and %pK,
 * %px, printed the same), %%; flags "0+- " and a width.  Refused: precision,
 * '#', other %p variants (%ps, %pI4, %pks ...), any byte that is not
 * printable ASCII or whitespace, and more conversions than arguments.
 *
 * The one thing to know before changing this file: a %s argument is a
 * pointer nobody has checked (the kernel reads it with a no-fault copy),
 * so it is read with process_vm_readv() on this very process, which fails
 * with EFAULT instead of crashing; an unreadable string prints as "".
 */
#define _GNU_SOURCE /* process_vm_readv */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers_std.h"

/* The kernel's limits: MAX_TRACE_PRINTK_VARARGS, MAX_BPRINTF_VARARGS, BPF_TRACE_PRINTK_SIZE. */
#define PRINTK_MAX_ARGS 3u
#define SNPRINTF_MAX_ARGS 12u
#define PRINTK_LINE_BYTES 1024u
/* Bytes of one %s argument, NUL included (the kernel's MAX_BPRINTF_BUF). */
#define STR_ARG_BYTES 512u
/* rkBPF's own bound on a width (the kernel has none): a larger one is refused. */
#define WIDTH_MAX 1024u
/* How far bpf_snprintf looks for the NUL of fmt. */
#define SNPRINTF_FMT_MAX 4096u
/* %s reads never cross a 4 KiB boundary in one go: a page is mapped or not. */
#define SELF_READ_PAGE_BYTES 4096u
/* The longest text one conversion can produce, NUL included. */
#define PIECE_BYTES (WIDTH_MAX + STR_ARG_BYTES + 32u)

enum {
	FLAG_MINUS = 1u << 0,
	FLAG_ZERO = 1u << 1,
	FLAG_PLUS = 1u << 2,
	FLAG_SPACE = 1u << 3,
};

struct fmt_spec {
	unsigned flags;   /* FLAG_* */
	unsigned width;   /* 0: none */
	bool wide;        /* l or ll: the whole 64-bit argument */
	char conversion;  /* d i u x X c s p */
};

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_punct(char c)
{
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
	       !(c >= 'A' && c <= 'Z');
}

/* The kernel's rule for every byte of a format: printable ASCII or whitespace. */
static bool fmt_byte_ok(char c)
{
	return (c >= ' ' && c < 0x7f) || is_space(c);
}

static unsigned flag_bit(char c)
{
	switch (c) {
	case '-': return FLAG_MINUS;
	case '0': return FLAG_ZERO;
	case '+': return FLAG_PLUS;
	case ' ': return FLAG_SPACE;
	default: return 0;
	}
}

/*
 * Parse the conversion whose text starts at fmt[*pos] (just after the '%',
 * which is not "%%").  On success *pos is just past it.  Follows
 * bpf_bprintf_prepare's order: flags, width, then p / s / c / [l[l]]diuxX.
 */
static int parse_spec(const char *fmt, size_t *pos, struct fmt_spec *spec)
{
	size_t i = *pos;
	memset(spec, 0, sizeof(*spec));
	for (unsigned bit; (bit = flag_bit(fmt[i])) != 0; i++)
		spec->flags |= bit;
	if (fmt[i] >= '1' && fmt[i] <= '9') {
		unsigned width = 0;
		for (; fmt[i] >= '0' && fmt[i] <= '9'; i++) {
			width = width * 10 + (unsigned)(fmt[i] - '0');
			if (width > WIDTH_MAX)
				return -EINVAL;
		}
		spec->width = width;
	}
	char conversion = fmt[i];
	if (conversion == 'p') {
		char next = fmt[i + 1];
		if (next == 'K' || next == 'x')
			i++; /* kernel pointers, raw: the same for us */
		else if (next != '\0' && !is_space(next) && !is_punct(next))
			return -EINVAL;
		spec->conversion = 'p';
		*pos = i + 1;
		return 0;
	}
	if (conversion == 's') {
		char next = fmt[i + 1];
		if (next != '\0' && !is_space(next) && !is_punct(next))
			return -EINVAL;
		spec->conversion = 's';
		*pos = i + 1;
		return 0;
	}
	if (conversion == 'c') {
		spec->conversion = 'c';
		*pos = i + 1;
		return 0;
	}
	if (fmt[i] == 'l') {
		spec->wide = true; /* a BPF long is 64 bits, like long long */
		i++;
		if (fmt[i] == 'l')
			i++;
	}
	switch (fmt[i]) {
	case 'd': case 'i': case 'u': case 'x': case 'X':
		spec->conversion = fmt[i];
		*pos = i + 1;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Check a NUL-terminated format against the rules; 0 or -EINVAL. */
static int fmt_check(const char *fmt, unsigned arg_count)
{
	unsigned used = 0;
	size_t i = 0;
	while (fmt[i]) {
		if (!fmt_byte_ok(fmt[i]))
			return -EINVAL;
		if (fmt[i] != '%') {
			i++;
			continue;
		}
		if (fmt[i + 1] == '%') {
			i += 2;
			continue;
		}
		if (used == arg_count)
			return -EINVAL;
		i++;
		struct fmt_spec spec;
		if (parse_spec(fmt, &i, &spec) < 0)
			return -EINVAL;
		used++;
	}
	return 0;
}

/*
 * Read a NUL-terminated string at addr in this process without faulting:
 * at most size - 1 bytes, page by page.  Returns its length; "" (0) when
 * any page it reaches is unreadable, as the kernel prints a string it
 * cannot read.
 */
static size_t read_self_str(uint64_t addr, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	if (addr == 0)
		return 0;
	pid_t self = getpid();
	while (len < size - 1) {
		uint64_t at = addr + len;
		size_t chunk = SELF_READ_PAGE_BYTES - (size_t)(at % SELF_READ_PAGE_BYTES);
		if (chunk > size - 1 - len)
			chunk = size - 1 - len;
		struct iovec local = {.iov_base = buf + len, .iov_len = chunk};
		struct iovec remote = {.iov_base = (void *)(uintptr_t)at, .iov_len = chunk};
		if (process_vm_readv(self, &local, 1, &remote, 1, 0) != (ssize_t)chunk) {
			buf[0] = '\0';
			return 0;
		}
		const char *nul = memchr(buf + len, '\0', chunk);
		if (nul)
			return (size_t)(nul - buf);
		len += chunk;
	}
	buf[len] = '\0';
	return len;
}

/* The text of one conversion into piece; returns its length (it may hold a NUL from %c). */
static size_t format_spec(const struct fmt_spec *spec, uint64_t arg, char *piece,
                          size_t piece_size)
{
	unsigned allowed;
	switch (spec->conversion) {
	case 'd': case 'i': allowed = FLAG_MINUS | FLAG_ZERO | FLAG_PLUS | FLAG_SPACE; break;
	case 'u': case 'x': case 'X': case 'p': allowed = FLAG_MINUS | FLAG_ZERO; break;
	default: allowed = FLAG_MINUS; break; /* c, s: '0', '+', ' ' mean nothing */
	}
	unsigned flags = spec->flags & allowed;

	/* A host format built from the parsed spec: "%-08llx" at the longest. */
	char host_fmt[24];
	size_t n = 0;
	host_fmt[n++] = '%';
	if (spec->conversion == 'p' && spec->width == 0) {
		/* The kernel's pointer style: 16 hex digits, zero-padded, no "0x". */
		memcpy(host_fmt + n, "016", 3);
		n += 3;
	} else {
		if (flags & FLAG_MINUS)
			host_fmt[n++] = '-';
		if (flags & FLAG_ZERO)
			host_fmt[n++] = '0';
		if (flags & FLAG_PLUS)
			host_fmt[n++] = '+';
		if (flags & FLAG_SPACE)
			host_fmt[n++] = ' ';
		if (spec->width)
			n += (size_t)snprintf(host_fmt + n, sizeof(host_fmt) - n, "%u", spec->width);
	}

	int written;
	switch (spec->conversion) {
	case 'd': case 'i':
		if (spec->wide) {
			memcpy(host_fmt + n, "lld", 4);
			written = snprintf(piece, piece_size, host_fmt, (long long)(int64_t)arg);
		} else {
			memcpy(host_fmt + n, "d", 2);
			written = snprintf(piece, piece_size, host_fmt, (int)(int32_t)(uint32_t)arg);
		}
		break;
	case 'u': case 'x': case 'X':
		if (spec->wide) {
			host_fmt[n++] = 'l';
			host_fmt[n++] = 'l';
			host_fmt[n++] = spec->conversion;
			host_fmt[n] = '\0';
			written = snprintf(piece, piece_size, host_fmt, (unsigned long long)arg);
		} else {
			host_fmt[n++] = spec->conversion;
			host_fmt[n] = '\0';
			written = snprintf(piece, piece_size, host_fmt, (unsigned)(uint32_t)arg);
		}
		break;
	case 'p':
		memcpy(host_fmt + n, "llx", 4);
		written = snprintf(piece, piece_size, host_fmt, (unsigned long long)arg);
		break;
	case 'c':
		memcpy(host_fmt + n, "c", 2);
		written = snprintf(piece, piece_size, host_fmt, (int)(unsigned char)arg);
		break;
	default: { /* 's' */
		char text[STR_ARG_BYTES];
		read_self_str(arg, text, sizeof(text));
		memcpy(host_fmt + n, "s", 2);
		written = snprintf(piece, piece_size, host_fmt, text);
		break;
	}
	}
	if (written < 0)
		return 0;
	return (size_t)written < piece_size ? (size_t)written : piece_size - 1;
}

/* Output into a caller's buffer, counting what the whole text would need. */
struct fmt_out {
	char *buf;
	size_t room;  /* bytes of text that fit (the buffer's size - 1 for the NUL) */
	size_t len;   /* bytes of text produced, even past room */
};

static void out_bytes(struct fmt_out *out, const char *bytes, size_t count)
{
	if (out->len < out->room) {
		size_t fits = out->room - out->len;
		memcpy(out->buf + out->len, bytes, count < fits ? count : fits);
	}
	out->len += count;
}

/*
 * Format fmt (NUL-terminated) with args into buf (size bytes, may be 0):
 * truncated, always NUL-terminated when size > 0.  Returns the length the
 * whole text needs (without the NUL), or -EINVAL with buf untouched.
 */
static int64_t format(const char *fmt, const uint64_t *args, unsigned arg_count, char *buf,
                      size_t size)
{
	if (fmt_check(fmt, arg_count) < 0)
		return -EINVAL;
	struct fmt_out out = {.buf = buf, .room = size ? size - 1 : 0, .len = 0};
	unsigned next_arg = 0;
	char piece[PIECE_BYTES];
	size_t i = 0;
	while (fmt[i]) {
		if (fmt[i] != '%') {
			size_t text = strcspn(fmt + i, "%");
			out_bytes(&out, fmt + i, text);
			i += text;
			continue;
		}
		if (fmt[i + 1] == '%') {
			out_bytes(&out, "%", 1);
			i += 2;
			continue;
		}
		i++;
		struct fmt_spec spec;
		parse_spec(fmt, &i, &spec); /* cannot fail: fmt_check passed */
		out_bytes(&out, piece, format_spec(&spec, args[next_arg++], piece, sizeof(piece)));
	}
	if (size)
		buf[out.len < out.room ? out.len : out.room] = '\0';
	return (int64_t)out.len;
}

/*
 * bpf_trace_printk(fmt, fmt_size, a1, a2, a3): fmt must hold its NUL
 * within fmt_size.  The line (at most 1023 bytes, one trailing newline
 * removed) goes to env->print; returns the bytes formatted (newline
 * included), or -EINVAL for a bad format.  Without env->print the line is
 * dropped and the count still returned.
 */
RK_HELPER(rk_helper_trace_printk)
{
	const char *fmt = RK_HELPER_PTR(r1);
	uint32_t fmt_size = (uint32_t)r2;
	if (!fmt || fmt_size == 0 || !memchr(fmt, '\0', fmt_size))
		return RK_HELPER_ERR(-EINVAL);
	const uint64_t args[PRINTK_MAX_ARGS] = {r3, r4, r5};
	char line[PRINTK_LINE_BYTES];
	int64_t needed = format(fmt, args, PRINTK_MAX_ARGS, line, sizeof(line));
	if (needed < 0)
		return RK_HELPER_ERR(needed);
	size_t written = (size_t)needed < sizeof(line) ? (size_t)needed : sizeof(line) - 1;
	size_t line_len = written;
	if (line_len && line[line_len - 1] == '\n')
		line_len--;
	const struct rk_env *env = rk_helper_env(run);
	if (env && env->print)
		env->print(env->host, run->prog, line, line_len);
	return written;
}

/*
 * bpf_snprintf(str, str_size, fmt, data, data_len): data holds data_len / 8
 * u64 arguments (at most 12).  Returns the length the whole text needs
 * including the NUL (so a result > str_size means truncated), or -EINVAL
 * (bad format, data_len not a multiple of 8 or too long, a NULL with a
 * size).  Beyond the kernel: str is zero-filled past the NUL, and entirely
 * on failure, so its bytes never depend on what was there before.
 */
RK_HELPER(rk_helper_snprintf)
{
	char *str = RK_HELPER_PTR(r1);
	uint32_t str_size = (uint32_t)r2;
	const char *fmt = RK_HELPER_PTR(r3);
	const void *data = RK_HELPER_PTR(r4);
	uint32_t data_len = (uint32_t)r5;
	if (!str && str_size)
		return RK_HELPER_ERR(-EINVAL);
	int64_t needed = -EINVAL;
	uint64_t args[SNPRINTF_MAX_ARGS];
	if (fmt && data_len % 8 == 0 && data_len <= sizeof(args) && (data || !data_len) &&
	    strnlen(fmt, SNPRINTF_FMT_MAX) < SNPRINTF_FMT_MAX) {
		if (data_len)
			memcpy(args, data, data_len); /* data need not be 8-byte aligned */
		needed = format(fmt, args, data_len / 8, str, str_size);
	}
	if (needed < 0) {
		if (str_size)
			memset(str, 0, str_size);
		return RK_HELPER_ERR(needed);
	}
	if (str_size) {
		size_t end = (size_t)needed < str_size ? (size_t)needed : str_size - 1u;
		memset(str + end, 0, str_size - end);
	}
	return (uint64_t)needed + 1;
}
