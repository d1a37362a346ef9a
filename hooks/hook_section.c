/*
 * hook_section.c - SEC() names into struct rk_hook_spec, as libbpf reads
 * them: uprobe/PATH:SYMBOL[+OFF], uretprobe/PATH:SYMBOL,
 * tracepoint/SYS/NAME (tp/SYS/NAME), kprobe/FUNC[+OFF], kretprobe/FUNC,
 * and rkBPF's timer/PERIOD.
 *
 * The one thing to know: parsing touches nothing outside the string (no
 * file, no tracefs): a library name stays a name until rk_hook_open()
 * resolves it.  Every error quotes the section and shows the form to
 * write instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hook_impl.h"

#define UPROBE_FORM                                                                       \
	"write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in "        \
	"uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"
#define URETPROBE_FORM \
	"write uretprobe/PATH:SYMBOL, as in uretprobe//usr/bin/robot:motor_cmd"
#define TRACEPOINT_FORM \
	"write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"
#define KPROBE_FORM "write kprobe/FUNC[+OFF], as in kprobe/do_sys_openat2"
#define KRETPROBE_FORM "write kretprobe/FUNC, as in kretprobe/do_sys_openat2"
#define TIMER_FORM "write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"
#define GPIO_FORM                                                                          \
	"write gpio/CHIP/LINE/EDGE with EDGE rising, falling or both (CHIP: gpiochipN, its " \
	"label or /dev/gpiochipN), as in gpio/gpiochip0/17/rising"
#define IIO_FORM "write iio/DEVICE (iio:deviceN or the device's name), as in iio/iio:device0"
#define UIO_FORM "write uio/DEVICE (uioN or the device's name), as in uio/uio0"
#define PWM_FORM "write pwm/CHIP/CHANNEL (CHIP as /sys/class/pwm lists it), as in pwm/pwmchip0/0"
#define ALL_FORMS                                                                          \
	"uprobe/PATH:SYMBOL[+OFF], uretprobe/PATH:SYMBOL, tracepoint/SYS/NAME (or "        \
	"tp/SYS/NAME), kprobe/FUNC[+OFF], kretprobe/FUNC, timer/PERIOD, "                  \
	"gpio/CHIP/LINE/EDGE, iio/DEVICE, uio/DEVICE, pwm/CHIP/CHANNEL"

/* Shorter periods would expire faster than a loop can drain a timerfd. */
#define TIMER_MIN_NS 1000ull

static int fail(char *err, size_t err_len, const char *section, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Longest message before escaping: the section (up to PATH_MAX + symbol) and the text. */
#define MESSAGE_LEN (PATH_MAX + RK_HOOK_SYMBOL_LEN + 1024)

/*
 * "\"SECTION\": <message>", one printable line: bytes of the section that
 * are not printable ASCII (a newline, UTF-8) are written as \xNN.
 * Returns -EINVAL.
 */
static int fail(char *err, size_t err_len, const char *section, const char *fmt, ...)
{
	if (!err || !err_len)
		return -EINVAL;
	static const char hex[] = "0123456789abcdef";
	char message[MESSAGE_LEN];
	int used = snprintf(message, sizeof(message), "\"%s\": ", section);
	if (used >= 0 && (size_t)used < sizeof(message)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(message + used, sizeof(message) - (size_t)used, fmt, ap);
		va_end(ap);
	}
	size_t out = 0;
	for (const unsigned char *at = (const unsigned char *)message; *at; at++) {
		int printable = *at >= 0x20 && *at < 0x7f;
		size_t need = printable ? 1 : 4;
		if (out + need >= err_len)
			break;
		if (printable) {
			err[out++] = (char)*at;
		} else {
			err[out++] = '\\';
			err[out++] = 'x';
			err[out++] = hex[*at >> 4];
			err[out++] = hex[*at & 15];
		}
	}
	err[out] = '\0';
	return -EINVAL;
}

/* The first character of [text, text+len) not accepted by allowed, or NULL. */
static const char *bad_char(const char *text, size_t len, int (*allowed)(char))
{
	for (size_t i = 0; i < len; i++)
		if (!allowed(text[i]))
			return text + i;
	return NULL;
}

static int is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* ELF symbols: C and mangled C++ names, "foo.cold", "$x", "malloc@@GLIBC_2.2.5". */
static int is_symbol_char(char c)
{
	return is_ident_char(c) || c == '.' || c == '$' || c == '@';
}

/* Kernel functions: "do_sys_openat2", "foo.isra.0". */
static int is_kernel_func_char(char c)
{
	return is_ident_char(c) || c == '.';
}

/* Tracefs directory names (ctx_desc.c accepts the same). */
static int is_tracepoint_char(char c)
{
	return is_ident_char(c) || c == '-' || c == '.';
}

/* "N" or "0xN" filling all of [text, text+len): 0 and *value, or -1. */
static int parse_number(const char *text, size_t len, uint64_t *value)
{
	unsigned base = 10;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		text += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	uint64_t number = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		unsigned digit;
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (number > (UINT64_MAX - digit) / base)
			return -1;
		number = number * base + digit;
	}
	*value = number;
	return 0;
}

/*
 * "NAME[+OFF]" (the symbol part of uprobes and kprobes) into spec->symbol
 * and spec->offset; what names the part in messages ("SYMBOL", "FUNC").
 */
static int parse_symbol_offset(const char *section, const char *text, int allow_offset,
                               int (*allowed)(char), const char *what, const char *form,
                               struct rk_hook_spec *spec, char *err, size_t err_len)
{
	const char *plus = strchr(text, '+');
	size_t name_len = plus ? (size_t)(plus - text) : strlen(text);
	if (name_len == 0)
		return fail(err, err_len, section, "no %s; %s", what, form);
	if (name_len >= sizeof(spec->symbol))
		return fail(err, err_len, section, "%s is %zu characters, longer than %d", what,
		            name_len, RK_HOOK_SYMBOL_LEN - 1);
	const char *bad = bad_char(text, name_len, allowed);
	if (bad)
		return fail(err, err_len, section, "%s \"%.*s\" has a '%c'; a %s is %s", what,
		            (int)name_len, text, *bad, what,
		            allowed == is_symbol_char
		                    ? "letters, digits, '_', '.', '$' and '@' (malloc@@GLIBC_2.2.5)"
		                    : "letters, digits, '_' and '.'");
	memcpy(spec->symbol, text, name_len);
	spec->symbol[name_len] = '\0';
	if (!plus)
		return 0;
	if (!allow_offset)
		return fail(err, err_len, section,
		            "a return probe fires when %.*s returns and takes no +OFF; %s",
		            (int)name_len, text, form);
	if (parse_number(plus + 1, strlen(plus + 1), &spec->offset))
		return fail(err, err_len, section,
		            "\"+%s\" is not an offset: write +N or +0xN (bytes into %.*s)", plus + 1,
		            (int)name_len, text);
	return 0;
}

static int parse_uprobe(const char *section, const char *rest, int ret,
                        struct rk_hook_spec *spec, char *err, size_t err_len)
{
	const char *form = ret ? URETPROBE_FORM : UPROBE_FORM;
	spec->kind = ret ? RK_HOOK_URETPROBE : RK_HOOK_UPROBE;
	/* Paths may hold ':' (rarely); symbols never do. */
	const char *colon = strrchr(rest, ':');
	if (!*rest)
		return fail(err, err_len, section, "no PATH:SYMBOL; %s", form);
	if (!colon)
		return fail(err, err_len, section, "no ':SYMBOL' after \"%s\"; %s", rest, form);
	size_t path_len = (size_t)(colon - rest);
	if (path_len == 0)
		return fail(err, err_len, section, "no PATH before ':'; %s", form);
	if (path_len >= sizeof(spec->path))
		return fail(err, err_len, section, "PATH is %zu characters, longer than PATH_MAX",
		            path_len);
	if (rest[0] != '/' && memchr(rest, '/', path_len))
		return fail(err, err_len, section,
		            "PATH \"%.*s\" is relative; write an absolute path (%s/%.*s) or a "
		            "library name without '/' (libc.so.6)",
		            (int)path_len, rest, ret ? "uretprobe/" : "uprobe/", (int)path_len,
		            rest);
	memcpy(spec->path, rest, path_len);
	spec->path[path_len] = '\0';
	return parse_symbol_offset(section, colon + 1, !ret, is_symbol_char, "SYMBOL", form, spec,
	                           err, err_len);
}

static int parse_tracepoint(const char *section, const char *rest, struct rk_hook_spec *spec,
                            char *err, size_t err_len)
{
	spec->kind = RK_HOOK_TRACEPOINT;
	const char *slash = strchr(rest, '/');
	if (!*rest)
		return fail(err, err_len, section, "no SYS/NAME; %s", TRACEPOINT_FORM);
	if (!slash)
		return fail(err, err_len, section, "no /NAME after \"%s\"; %s", rest,
		            TRACEPOINT_FORM);
	if (slash == rest)
		return fail(err, err_len, section, "no SYS before '/'; %s", TRACEPOINT_FORM);
	if (!slash[1])
		return fail(err, err_len, section, "no NAME after \"%.*s/\"; %s",
		            (int)(slash - rest), rest, TRACEPOINT_FORM);
	if (strchr(slash + 1, '/'))
		return fail(err, err_len, section, "more than SYS/NAME; %s", TRACEPOINT_FORM);
	size_t len = strlen(rest);
	if (len >= sizeof(spec->symbol))
		return fail(err, err_len, section, "SYS/NAME is %zu characters, longer than %d",
		            len, RK_HOOK_SYMBOL_LEN - 1);
	for (size_t i = 0; i < len; i++)
		if (rest[i] != '/' && !is_tracepoint_char(rest[i]))
			return fail(err, err_len, section,
			            "'%c' in \"%s\": tracepoint names are letters, digits, '_', '-' "
			            "and '.'",
			            rest[i], rest);
	memcpy(spec->symbol, rest, len + 1);
	return 0;
}

static int parse_kprobe(const char *section, const char *rest, int ret,
                        struct rk_hook_spec *spec, char *err, size_t err_len)
{
	spec->kind = ret ? RK_HOOK_KRETPROBE : RK_HOOK_KPROBE;
	return parse_symbol_offset(section, rest, !ret, is_kernel_func_char, "FUNC",
	                           ret ? KRETPROBE_FORM : KPROBE_FORM, spec, err, err_len);
}

static int parse_timer(const char *section, const char *rest, struct rk_hook_spec *spec,
                       char *err, size_t err_len)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	spec->kind = RK_HOOK_TIMER;
	size_t digits = strspn(rest, "0123456789");
	if (!*rest)
		return fail(err, err_len, section, "no PERIOD; %s", TIMER_FORM);
	if (digits == 0)
		return fail(err, err_len, section, "PERIOD \"%s\" does not start with a number; %s",
		            rest, TIMER_FORM);
	const char *unit = rest + digits;
	if (!*unit)
		return fail(err, err_len, section, "PERIOD %s has no unit; %s", rest, TIMER_FORM);
	uint64_t unit_ns = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0)
			unit_ns = units[i].ns;
	if (!unit_ns)
		return fail(err, err_len, section, "unit \"%s\" unknown; %s", unit, TIMER_FORM);
	uint64_t count;
	if (parse_number(rest, digits, &count) || count > UINT64_MAX / unit_ns)
		return fail(err, err_len, section, "PERIOD %s is too long (at most %llu s)", rest,
		            (unsigned long long)(UINT64_MAX / 1000000000ull));
	if (count == 0)
		return fail(err, err_len, section, "a PERIOD of 0 never fires; %s", TIMER_FORM);
	if (count * unit_ns < TIMER_MIN_NS)
		return fail(err, err_len, section,
		            "PERIOD %s is shorter than 1us: it would expire faster than events can "
		            "be handled",
		            rest);
	spec->period_ns = count * unit_ns;
	return 0;
}

/* Device and chip names: sysfs names, labels, /dev paths. */
static int is_device_char(char c)
{
	return is_ident_char(c) || c == '-' || c == '.' || c == ':' || c == '/';
}

/* The DEVICE of iio/DEVICE, uio/DEVICE, the CHIP of gpio/...: into spec->path. */
static int parse_device(const char *section, const char *text, size_t len, const char *what,
                        const char *form, struct rk_hook_spec *spec, char *err, size_t err_len)
{
	if (len == 0)
		return fail(err, err_len, section, "no %s; %s", what, form);
	if (len >= 256)
		return fail(err, err_len, section, "%s is %zu characters, longer than 255", what, len);
	const char *bad = bad_char(text, len, is_device_char);
	if (bad)
		return fail(err, err_len, section,
		            "%s \"%.*s\" has a '%c'; a %s is letters, digits, '_', '-', '.', ':' "
		            "and '/'",
		            what, (int)len, text, *bad, what);
	memcpy(spec->path, text, len);
	spec->path[len] = '\0';
	return 0;
}

/* gpio/CHIP/LINE/EDGE: CHIP may hold '/' (/dev/gpiochip0), LINE and EDGE do not. */
static int parse_gpio(const char *section, const char *rest, struct rk_hook_spec *spec,
                      char *err, size_t err_len)
{
	spec->kind = RK_HOOK_GPIO;
	if (!*rest)
		return fail(err, err_len, section, "no CHIP/LINE/EDGE; %s", GPIO_FORM);
	const char *edge = strrchr(rest, '/');
	if (!edge)
		return fail(err, err_len, section, "no /LINE/EDGE after \"%s\"; %s", rest, GPIO_FORM);
	const char *line = edge;
	while (line > rest && line[-1] != '/')
		line--;
	if (line == rest)
		return fail(err, err_len, section, "\"%s\" is not CHIP/LINE/EDGE (EDGE is required); %s",
		            rest, GPIO_FORM);
	edge++;
	static const struct {
		const char *name;
		enum rk_hook_edge edge;
	} edges[] = {{"rising", RK_HOOK_EDGE_RISING},
	             {"falling", RK_HOOK_EDGE_FALLING},
	             {"both", RK_HOOK_EDGE_BOTH}};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		if (strcmp(edge, edges[i].name) == 0)
			spec->edge = edges[i].edge;
	if (!spec->edge)
		return fail(err, err_len, section, "EDGE \"%s\" is not rising, falling or both; %s",
		            edge, GPIO_FORM);
	size_t line_len = (size_t)(edge - 1 - line);
	uint64_t number;
	if (line_len == 0 || parse_number(line, line_len, &number) || number > UINT32_MAX)
		return fail(err, err_len, section, "LINE \"%.*s\" is not a line number; %s",
		            (int)line_len, line, GPIO_FORM);
	spec->line = (uint32_t)number;
	return parse_device(section, rest, (size_t)(line - 1 - rest), "CHIP", GPIO_FORM, spec, err,
	                    err_len);
}

/* iio/DEVICE, uio/DEVICE. */
static int parse_named_device(const char *section, const char *rest, enum rk_hook_kind kind,
                              const char *form, struct rk_hook_spec *spec, char *err,
                              size_t err_len)
{
	spec->kind = kind;
	return parse_device(section, rest, strlen(rest), "DEVICE", form, spec, err, err_len);
}

/* pwm/CHIP/CHANNEL: CHIP is a sysfs name (pwmchipN), CHANNEL a number. */
static int parse_pwm(const char *section, const char *rest, struct rk_hook_spec *spec,
                     char *err, size_t err_len)
{
	spec->kind = RK_HOOK_PWM;
	if (!*rest)
		return fail(err, err_len, section, "no CHIP/CHANNEL; %s", PWM_FORM);
	const char *slash = strchr(rest, '/');
	if (!slash)
		return fail(err, err_len, section, "no /CHANNEL after \"%s\"; %s", rest, PWM_FORM);
	if (strchr(slash + 1, '/'))
		return fail(err, err_len, section, "more than CHIP/CHANNEL; %s", PWM_FORM);
	uint64_t number;
	if (!slash[1] || parse_number(slash + 1, strlen(slash + 1), &number) ||
	    number > UINT32_MAX)
		return fail(err, err_len, section, "CHANNEL \"%s\" is not a channel number; %s",
		            slash + 1, PWM_FORM);
	spec->line = (uint32_t)number;
	return parse_device(section, rest, (size_t)(slash - rest), "CHIP", PWM_FORM, spec, err,
	                    err_len);
}

/* section starts with "kind/": what follows, else NULL. */
static const char *after_kind(const char *section, const char *kind)
{
	size_t len = strlen(kind);
	if (strncmp(section, kind, len) != 0 || section[len] != '/')
		return NULL;
	return section + len + 1;
}

int rk_hook_parse_section(const char *section, struct rk_hook_spec *spec, char *err,
                          size_t err_len)
{
	memset(spec, 0, sizeof(*spec));
	if (err && err_len)
		err[0] = '\0';
	if (!section || !*section) {
		if (err && err_len)
			snprintf(err, err_len, "an empty section is not an attach point; write one of %s",
			         ALL_FORMS);
		return -EINVAL;
	}
	static const struct {
		const char *kind;
		const char *form;
	} bare[] = {{"uprobe", UPROBE_FORM},         {"uretprobe", URETPROBE_FORM},
	            {"tracepoint", TRACEPOINT_FORM}, {"tp", TRACEPOINT_FORM},
	            {"kprobe", KPROBE_FORM},         {"kretprobe", KRETPROBE_FORM},
	            {"timer", TIMER_FORM},           {"gpio", GPIO_FORM},
	            {"iio", IIO_FORM},               {"uio", UIO_FORM},
	            {"pwm", PWM_FORM}};
	const char *rest;
	if ((rest = after_kind(section, "uprobe")))
		return parse_uprobe(section, rest, 0, spec, err, err_len);
	if ((rest = after_kind(section, "uretprobe")))
		return parse_uprobe(section, rest, 1, spec, err, err_len);
	if ((rest = after_kind(section, "tracepoint")) || (rest = after_kind(section, "tp")))
		return parse_tracepoint(section, rest, spec, err, err_len);
	if ((rest = after_kind(section, "kprobe")))
		return parse_kprobe(section, rest, 0, spec, err, err_len);
	if ((rest = after_kind(section, "kretprobe")))
		return parse_kprobe(section, rest, 1, spec, err, err_len);
	if ((rest = after_kind(section, "timer")))
		return parse_timer(section, rest, spec, err, err_len);
	if ((rest = after_kind(section, "gpio")))
		return parse_gpio(section, rest, spec, err, err_len);
	if ((rest = after_kind(section, "iio")))
		return parse_named_device(section, rest, RK_HOOK_IIO, IIO_FORM, spec, err, err_len);
	if ((rest = after_kind(section, "uio")))
		return parse_named_device(section, rest, RK_HOOK_UIO, UIO_FORM, spec, err, err_len);
	if ((rest = after_kind(section, "pwm")))
		return parse_pwm(section, rest, spec, err, err_len);
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++)
		if (strcmp(section, bare[i].kind) == 0)
			return fail(err, err_len, section, "no attach point after \"%s\"; %s",
			            bare[i].kind, bare[i].form);
	if (after_kind(section, "raw_tracepoint") || after_kind(section, "raw_tp"))
		return fail(err, err_len, section,
		            "raw tracepoints are not supported yet; use tracepoint/SYS/NAME");
	return fail(err, err_len, section, "not an attach point rkBPF knows; write one of %s",
	            ALL_FORMS);
}
