/*
 * test_rkd_config.c - rkd.conf parsing (rkd/config.c): every error names
 * the file, the line and the key; defaults hold without a file.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../rkd/config.h"
#include "rkbpf.h"

static int parse(const char *text, struct rkd_config *config, char *err, size_t err_len)
{
	rkd_config_defaults(config);
	err[0] = '\0';
	return rkd_config_parse_string(text, "test.conf", config, err, err_len);
}

Test(rkd_config, defaults)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("", &config, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(config.programs_dir, RKD_DEFAULT_PROGRAMS_DIR);
	cr_assert_str_eq(config.socket_path, RKD_DEFAULT_SOCKET);
	cr_assert_eq(config.budget_bytes, RK_DEFAULT_BUDGET);
	cr_assert(config.jit);
	cr_assert_not(config.access_gid_valid);
}

Test(rkd_config, every_key)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	const char *text = "# comment\n[rkd]\nprograms_dir = /tmp/p\nsocket = /tmp/s.sock\n"
	                   "access_group = 0\nadmin_group = root\nbudget_bytes = 64KiB\n"
	                   "jit = off\ntail_buffer_bytes = 8K ; inline comment\n";
	cr_assert_eq(parse(text, &config, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(config.programs_dir, "/tmp/p");
	cr_assert_str_eq(config.socket_path, "/tmp/s.sock");
	cr_assert(config.access_gid_valid);
	cr_assert_eq(config.access_gid, 0);
	cr_assert(config.admin_gid_valid);
	cr_assert_eq(config.admin_gid, 0);
	cr_assert_eq(config.budget_bytes, 64 * 1024);
	cr_assert_not(config.jit);
	cr_assert_eq(config.tail_buffer_bytes, 8 * 1024);
}

Test(rkd_config, keys_before_any_section)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("jit = no\n", &config, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(config.jit);
}

Test(rkd_config, unknown_key_names_file_line_key)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("[rkd]\njit = on\n\nbudget = 1\n", &config, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "test.conf:4: key 'budget': unknown key; rkd.conf knows "), "%s", err);
}

Test(rkd_config, first_error_wins)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("a = 1\nb = 2\n", &config, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "test.conf:1: key 'a'"), "%s", err);
}

Test(rkd_config, bad_values)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{"jit = sometimes\n", "test.conf:1: key 'jit': wants on or off, got 'sometimes'"},
		{"budget_bytes = 12\n", "test.conf:1: key 'budget_bytes': wants a number of bytes from 4096"},
		{"budget_bytes = 1X\n", "key 'budget_bytes'"},
		{"budget_bytes = -5\n", "key 'budget_bytes'"},
		{"budget_bytes = 99999999999999999999999\n", "key 'budget_bytes'"},
		{"tail_buffer_bytes = 1\n", "key 'tail_buffer_bytes'"},
		{"access_group = no-such-group-xyz\n", "no group 'no-such-group-xyz' on this system"},
		{"programs_dir =\n", "key 'programs_dir': wants a directory path"},
		{"\n[other]\njit = on\n", "test.conf:3: key 'jit': in unknown section [other]"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rkd_config config;
		char err[RKD_CONFIG_ERR_LEN];
		cr_assert_eq(parse(cases[i].text, &config, err, sizeof(err)), -EINVAL, "%s",
		             cases[i].text);
		cr_assert(strstr(err, cases[i].message), "%s: got '%s'", cases[i].text, err);
	}
}

Test(rkd_config, long_socket_path)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN], text[256];
	snprintf(text, sizeof(text), "socket = /%0150d\n", 0);
	cr_assert_eq(parse(text, &config, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "key 'socket': wants a socket path of 1..107 characters"), "%s", err);
}

Test(rkd_config, syntax_error_names_line)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("[rkd]\n\njit on\n", &config, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "test.conf:3: syntax error"), "%s", err);
}

Test(rkd_config, overlong_line)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN], text[400];
	snprintf(text, sizeof(text), "jit = on\nprograms_dir = /%0300d\n", 0);
	cr_assert_eq(parse(text, &config, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "test.conf:2: line longer than"), "%s", err);
}

Test(rkd_config, missing_file)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	rkd_config_defaults(&config);
	cr_assert_eq(rkd_config_load("/nonexistent/rkd.conf", &config, err, sizeof(err)), -ENOENT);
	cr_assert(strstr(err, "/nonexistent/rkd.conf: cannot read: No such file or directory"), "%s",
	          err);
}

/* [program OBJECT/PROG]: a process filter per program (docs/rkd.md). */
Test(rkd_config, program_sections)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	const char *text = "[program motor_trace/motor_trace]\npid = 4242\n"
	                   "[program jitter/on_step]\ncomm = demo-robot\n";
	cr_assert_eq(parse(text, &config, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(config.programs.count, 2);
	const struct rkd_program_opts *a = rkd_config_program(&config, "motor_trace", "motor_trace");
	cr_assert_not_null(a);
	cr_assert_eq(a->pid, 4242);
	cr_assert_eq(a->key_line, 2);
	const struct rkd_program_opts *b = rkd_config_program(&config, "jitter", "on_step");
	cr_assert_not_null(b);
	cr_assert_str_eq(b->comm, "demo-robot");
	cr_assert_eq(b->section_line, 3);
	cr_assert_null(rkd_config_program(&config, "jitter", "other"));
}

static void expect_error(const char *text, const char *message)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse(text, &config, err, sizeof(err)), -EINVAL, "accepted: %s", text);
	cr_assert(strstr(err, message), "error '%s' lacks '%s'", err, message);
}

Test(rkd_config, program_section_errors)
{
	expect_error("[program a/b]\npid = 0\n", "test.conf:2: key 'pid': wants a process id");
	expect_error("[program a/b]\npid = -3\n", "test.conf:2: key 'pid': wants a process id");
	expect_error("[program a/b]\ncomm = a-name-longer-than-15\n",
	             "test.conf:2: key 'comm': wants a process name");
	expect_error("[program a/b]\npid = 1\ncomm = x\n",
	             "test.conf:3: key 'comm': [program a/b] already has a process filter (line 2)");
	expect_error("[program a/b]\nuid = 1\n", "test.conf:2: key 'uid': unknown key in [program a/b]");
	expect_error("[program ab]\npid = 1\n", "test.conf:2: key 'pid': [program ab]: the section "
	                                        "names one program as OBJECT/PROGRAM");
	expect_error("[program a/b/c]\npid = 1\n", "[program a/b/c]: the section names one program");
	expect_error("[program a/b]\npid = 1\n[rkd]\njit = on\n[program a/b]\npid = 2\n",
	             "test.conf:6: key 'pid': [program a/b] is declared twice (first at line 1)");
}
