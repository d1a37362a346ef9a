/*
 * test_hook_section.c - SEC() names into attach points
 * (rk_hook_parse_section): every accepted form, and every malformed one
 * with its exact message.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../../hooks/hook.h"

static struct rk_hook_spec parse_ok(const char *section)
{
	struct rk_hook_spec spec;
	char err[1024];
	int rc = rk_hook_parse_section(section, &spec, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", section, err);
	return spec;
}

Test(hook_section, uprobe_absolute_path)
{
	struct rk_hook_spec spec = parse_ok("uprobe//usr/bin/robot:motor_cmd");
	cr_assert_eq(spec.kind, RK_HOOK_UPROBE);
	cr_assert_str_eq(spec.path, "/usr/bin/robot");
	cr_assert_str_eq(spec.symbol, "motor_cmd");
	cr_assert_eq(spec.offset, 0);
}

Test(hook_section, uprobe_offsets)
{
	struct rk_hook_spec spec = parse_ok("uprobe//usr/bin/robot:motor_cmd+0x10");
	cr_assert_str_eq(spec.symbol, "motor_cmd");
	cr_assert_eq(spec.offset, 16);
	spec = parse_ok("uprobe//usr/bin/robot:motor_cmd+24");
	cr_assert_eq(spec.offset, 24);
	spec = parse_ok("uprobe//usr/bin/robot:motor_cmd+0XfF");
	cr_assert_eq(spec.offset, 255);
}

Test(hook_section, uprobe_library_name_and_version)
{
	struct rk_hook_spec spec = parse_ok("uprobe/libc.so.6:malloc@@GLIBC_2.2.5");
	cr_assert_eq(spec.kind, RK_HOOK_UPROBE);
	cr_assert_str_eq(spec.path, "libc.so.6");
	cr_assert_str_eq(spec.symbol, "malloc@@GLIBC_2.2.5");
	/* A path may hold ':'; the symbol follows the last one. */
	spec = parse_ok("uprobe//opt/a:b/robot:_ZN5Motor4stepEv");
	cr_assert_str_eq(spec.path, "/opt/a:b/robot");
	cr_assert_str_eq(spec.symbol, "_ZN5Motor4stepEv");
}

Test(hook_section, uretprobe)
{
	struct rk_hook_spec spec = parse_ok("uretprobe//usr/lib/librobot.so:control_step");
	cr_assert_eq(spec.kind, RK_HOOK_URETPROBE);
	cr_assert_str_eq(spec.path, "/usr/lib/librobot.so");
	cr_assert_str_eq(spec.symbol, "control_step");
}

Test(hook_section, tracepoints)
{
	struct rk_hook_spec spec = parse_ok("tracepoint/sched/sched_switch");
	cr_assert_eq(spec.kind, RK_HOOK_TRACEPOINT);
	cr_assert_str_eq(spec.symbol, "sched/sched_switch");
	spec = parse_ok("tp/syscalls/sys_enter_getpid");
	cr_assert_eq(spec.kind, RK_HOOK_TRACEPOINT);
	cr_assert_str_eq(spec.symbol, "syscalls/sys_enter_getpid");
	cr_assert_str_eq(spec.path, "");
}

Test(hook_section, kprobes)
{
	struct rk_hook_spec spec = parse_ok("kprobe/do_sys_openat2");
	cr_assert_eq(spec.kind, RK_HOOK_KPROBE);
	cr_assert_str_eq(spec.symbol, "do_sys_openat2");
	spec = parse_ok("kprobe/tcp_sendmsg.isra.0+8");
	cr_assert_str_eq(spec.symbol, "tcp_sendmsg.isra.0");
	cr_assert_eq(spec.offset, 8);
	spec = parse_ok("kretprobe/do_sys_openat2");
	cr_assert_eq(spec.kind, RK_HOOK_KRETPROBE);
}

Test(hook_section, timers)
{
	cr_assert_eq(parse_ok("timer/10ms").period_ns, 10000000ull);
	cr_assert_eq(parse_ok("timer/500us").period_ns, 500000ull);
	cr_assert_eq(parse_ok("timer/1s").period_ns, 1000000000ull);
	cr_assert_eq(parse_ok("timer/100000ns").period_ns, 100000ull);
	cr_assert_eq(parse_ok("timer/1us").period_ns, 1000ull);
	cr_assert_eq(parse_ok("timer/18446744073s").period_ns, 18446744073000000000ull);
	cr_assert_eq(parse_ok("timer/10ms").kind, RK_HOOK_TIMER);
}

Test(hook_section, longest_names)
{
	char section[RK_HOOK_SYMBOL_LEN + 64], symbol[RK_HOOK_SYMBOL_LEN + 1];
	memset(symbol, 'a', RK_HOOK_SYMBOL_LEN - 1);
	symbol[RK_HOOK_SYMBOL_LEN - 1] = '\0';
	snprintf(section, sizeof(section), "kprobe/%s", symbol);
	cr_assert_str_eq(parse_ok(section).symbol, symbol);
	symbol[RK_HOOK_SYMBOL_LEN - 1] = 'a';
	symbol[RK_HOOK_SYMBOL_LEN] = '\0';
	snprintf(section, sizeof(section), "kprobe/%s", symbol);
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "\": FUNC is 256 characters, longer than 255"), "%s", err);
}

Test(hook_section, path_longer_than_path_max)
{
	static char section[PATH_MAX + 64];
	strcpy(section, "uprobe/");
	memset(section + strlen(section), 'p', PATH_MAX);
	strcat(section, ":f");
	struct rk_hook_spec spec;
	char err[PATH_MAX + 256];
	cr_assert_eq(rk_hook_parse_section(section, &spec, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "\": PATH is 4096 characters, longer than PATH_MAX"), "%s", err);
}

Test(hook_section, null_and_tiny_error_buffers)
{
	struct rk_hook_spec spec;
	char err[8];
	cr_assert_eq(rk_hook_parse_section(NULL, &spec, NULL, 0), -EINVAL);
	cr_assert_eq(rk_hook_parse_section("uprobe/", &spec, NULL, 0), -EINVAL);
	cr_assert_eq(rk_hook_parse_section("uprobe/", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "\"uprobe");
}

/* Each malformed section and its exact message. */
static const struct {
	const char *section;
	const char *message;
} bad_sections[] = {
	{"",
	 "an empty section is not an attach point; write one of uprobe/PATH:SYMBOL[+OFF], uretprobe/PATH:SYMBOL, tracepoint/SYS/NAME (or tp/SYS/NAME), kprobe/FUNC[+OFF], kretprobe/FUNC, timer/PERIOD, gpio/CHIP/LINE/EDGE, iio/DEVICE, uio/DEVICE, pwm/CHIP/CHANNEL"},
	{"foo",
	 "\"foo\": not an attach point rkBPF knows; write one of uprobe/PATH:SYMBOL[+OFF], uretprobe/PATH:SYMBOL, tracepoint/SYS/NAME (or tp/SYS/NAME), kprobe/FUNC[+OFF], kretprobe/FUNC, timer/PERIOD, gpio/CHIP/LINE/EDGE, iio/DEVICE, uio/DEVICE, pwm/CHIP/CHANNEL"},
	{"uprobe",
	 "\"uprobe\": no attach point after \"uprobe\"; write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"},
	{"uprobe/",
	 "\"uprobe/\": no PATH:SYMBOL; write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"},
	{"uprobe//usr/bin/robot",
	 "\"uprobe//usr/bin/robot\": no ':SYMBOL' after \"/usr/bin/robot\"; write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"},
	{"uprobe/:motor_cmd",
	 "\"uprobe/:motor_cmd\": no PATH before ':'; write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"},
	{"uprobe/usr/bin/robot:motor_cmd",
	 "\"uprobe/usr/bin/robot:motor_cmd\": PATH \"usr/bin/robot\" is relative; write an absolute path (uprobe//usr/bin/robot) or a library name without '/' (libc.so.6)"},
	{"uprobe//usr/bin/robot:",
	 "\"uprobe//usr/bin/robot:\": no SYMBOL; write uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc"},
	{"uprobe//usr/bin/robot:motor-cmd",
	 "\"uprobe//usr/bin/robot:motor-cmd\": SYMBOL \"motor-cmd\" has a '-'; a SYMBOL is letters, digits, '_', '.', '$' and '@' (malloc@@GLIBC_2.2.5)"},
	{"uprobe//usr/bin/robot:motor_cmd+",
	 "\"uprobe//usr/bin/robot:motor_cmd+\": \"+\" is not an offset: write +N or +0xN (bytes into motor_cmd)"},
	{"uprobe//usr/bin/robot:motor_cmd+0x",
	 "\"uprobe//usr/bin/robot:motor_cmd+0x\": \"+0x\" is not an offset: write +N or +0xN (bytes into motor_cmd)"},
	{"uprobe//usr/bin/robot:motor_cmd+12z",
	 "\"uprobe//usr/bin/robot:motor_cmd+12z\": \"+12z\" is not an offset: write +N or +0xN (bytes into motor_cmd)"},
	{"uprobe//usr/bin/robot:motor_cmd+99999999999999999999",
	 "\"uprobe//usr/bin/robot:motor_cmd+99999999999999999999\": \"+99999999999999999999\" is not an offset: write +N or +0xN (bytes into motor_cmd)"},
	{"uretprobe//usr/bin/robot:motor_cmd+4",
	 "\"uretprobe//usr/bin/robot:motor_cmd+4\": a return probe fires when motor_cmd returns and takes no +OFF; write uretprobe/PATH:SYMBOL, as in uretprobe//usr/bin/robot:motor_cmd"},
	{"tracepoint",
	 "\"tracepoint\": no attach point after \"tracepoint\"; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tracepoint/",
	 "\"tracepoint/\": no SYS/NAME; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tracepoint/sched",
	 "\"tracepoint/sched\": no /NAME after \"sched\"; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tracepoint//sched_switch",
	 "\"tracepoint//sched_switch\": no SYS before '/'; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tracepoint/sched/",
	 "\"tracepoint/sched/\": no NAME after \"sched/\"; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tracepoint/sched/sched_switch/x",
	 "\"tracepoint/sched/sched_switch/x\": more than SYS/NAME; write tracepoint/SYS/NAME (or tp/SYS/NAME), as in tracepoint/sched/sched_switch"},
	{"tp/sched/sched switch",
	 "\"tp/sched/sched switch\": ' ' in \"sched/sched switch\": tracepoint names are letters, digits, '_', '-' and '.'"},
	{"kprobe/",
	 "\"kprobe/\": no FUNC; write kprobe/FUNC[+OFF], as in kprobe/do_sys_openat2"},
	{"kprobe/do_sys_open+x",
	 "\"kprobe/do_sys_open+x\": \"+x\" is not an offset: write +N or +0xN (bytes into do_sys_open)"},
	{"kretprobe/do_sys_open+8",
	 "\"kretprobe/do_sys_open+8\": a return probe fires when do_sys_open returns and takes no +OFF; write kretprobe/FUNC, as in kretprobe/do_sys_openat2"},
	{"kprobe/foo:bar",
	 "\"kprobe/foo:bar\": FUNC \"foo:bar\" has a ':'; a FUNC is letters, digits, '_' and '.'"},
	{"timer",
	 "\"timer\": no attach point after \"timer\"; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/",
	 "\"timer/\": no PERIOD; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/ms",
	 "\"timer/ms\": PERIOD \"ms\" does not start with a number; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/10",
	 "\"timer/10\": PERIOD 10 has no unit; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/10min",
	 "\"timer/10min\": unit \"min\" unknown; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/0ms",
	 "\"timer/0ms\": a PERIOD of 0 never fires; write timer/PERIOD with a unit ns, us, ms or s, as in timer/10ms"},
	{"timer/999ns",
	 "\"timer/999ns\": PERIOD 999ns is shorter than 1us: it would expire faster than events can be handled"},
	{"timer/99999999999999999999s",
	 "\"timer/99999999999999999999s\": PERIOD 99999999999999999999s is too long (at most 18446744073 s)"},
	{"raw_tp/sched_switch",
	 "\"raw_tp/sched_switch\": raw tracepoints are not supported yet; use tracepoint/SYS/NAME"},
	{"uprobe.s//x:y",
	 "\"uprobe.s//x:y\": not an attach point rkBPF knows; write one of uprobe/PATH:SYMBOL[+OFF], uretprobe/PATH:SYMBOL, tracepoint/SYS/NAME (or tp/SYS/NAME), kprobe/FUNC[+OFF], kretprobe/FUNC, timer/PERIOD, gpio/CHIP/LINE/EDGE, iio/DEVICE, uio/DEVICE, pwm/CHIP/CHANNEL"},
};

Test(hook_section, every_bad_form_and_its_message)
{
	for (size_t i = 0; i < sizeof(bad_sections) / sizeof(bad_sections[0]); i++) {
		struct rk_hook_spec spec;
		char err[1024];
		int rc = rk_hook_parse_section(bad_sections[i].section, &spec, err, sizeof(err));
		cr_expect_eq(rc, -EINVAL, "%s: accepted", bad_sections[i].section);
		cr_expect_str_eq(err, bad_sections[i].message, "%s", bad_sections[i].section);
	}
}

/* Found by fuzz_hook_section: a newline in a section broke the one-line message. */
Test(hook_section, unprintable_bytes_are_escaped)
{
	struct rk_hook_spec spec;
	char err[1024];
	cr_assert_eq(rk_hook_parse_section("uprobe/robot\n", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "\"uprobe/robot\\x0a\": no ':SYMBOL' after \"robot\\x0a\"; write "
	                      "uprobe/PATH:SYMBOL[+OFF] (PATH absolute or a library name), as in "
	                      "uprobe//usr/bin/robot:motor_cmd or uprobe/libc.so.6:malloc");
	cr_assert_eq(rk_hook_parse_section("kprobe/f\xc3\xa9", &spec, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "\"kprobe/f\\xc3\\xa9\": FUNC \"f\\xc3\\xa9\" has a '\\xc3'; a FUNC is "
	                      "letters, digits, '_' and '.'");
}
