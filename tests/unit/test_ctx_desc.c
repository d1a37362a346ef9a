/*
 * test_ctx_desc.c - hooks/ctx_desc.c: the context each section gives a
 * program, the tracefs format parser (on text given here, and on the
 * running kernel's sched/sched_switch when tracefs is readable), and the
 * verifier holding programs to those descriptors.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../hooks/ctx_desc.h"
#include "rkbpf.h"

#define SCHED_SWITCH_FORMAT RK_TRACEFS_PATH "/events/sched/sched_switch/format"

#if defined(__x86_64__)
#define PT_REGS_BYTES 168u
#elif defined(__aarch64__)
#define PT_REGS_BYTES 272u
#endif

/* sched_switch as a 6.x kernel lays it out: the record ends at 64. */
static const char sched_switch_format[] =
	"name: sched_switch\n"
	"ID: 372\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	"\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"prev_comm=%s prev_pid=%d\", REC->prev_comm, REC->prev_pid\n";

Test(tracefs_format, sched_switch_text)
{
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size(sched_switch_format, "sched_switch", &size, err,
	                                    sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(size, 64);
}

Test(tracefs_format, largest_end_wins_not_last_line)
{
	/* A __data_loc field (4 bytes: offset and length of the payload) and fields out of order. */
	static const char text[] =
		"format:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:char buf[32];\toffset:16;\tsize:32;\tsigned:0;\n"
		"\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\n"
		"print fmt: \"field:int fake; offset:4096; size:8;\"\n";
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size(text, "t", &size, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(size, 48, "size %u: the print fmt line must not count", size);
}

Test(tracefs_format, no_trailing_newline)
{
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size("\tfield:int x;\toffset:12;\tsize:4;\tsigned:1;", "t",
	                                    &size, err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(size, 16);
}

Test(tracefs_format, field_without_size_names_the_line)
{
	static const char text[] = "format:\n"
	                           "\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n"
	                           "\tfield:int b;\toffset:4;\tsigned:1;\n";
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size(text, "my/format", &size, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "my/format: line 3:") && strstr(err, "field:int b;"), "%s", err);
}

Test(tracefs_format, bad_numbers)
{
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size("field:int a; offset:x; size:4;", "t", &size, err,
	                                    sizeof(err)),
	             -EINVAL);
	cr_assert_eq(rk_tracefs_format_size("field:int a; offset:99999999999; size:4;", "t", &size,
	                                    err, sizeof(err)),
	             -EINVAL);
	cr_assert_eq(rk_tracefs_format_size("field:int a; offset:4294967295; size:4;", "t", &size,
	                                    err, sizeof(err)),
	             -EINVAL, "an end past 4 GiB");
}

Test(tracefs_format, no_fields)
{
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracefs_format_size("name: x\nID: 1\nformat:\n", "x", &size, err,
	                                    sizeof(err)),
	             -EINVAL);
	cr_assert(strstr(err, "no \"field:\" lines"), "%s", err);
}

/* The real kernel's record: what tracefs says, through both entry points. */
Test(tracefs_format, running_kernel_sched_switch)
{
	if (access(SCHED_SWITCH_FORMAT, R_OK) != 0)
		cr_skip_test("needs tracefs at %s (mount -t tracefs nodev %s)", RK_TRACEFS_PATH,
		             RK_TRACEFS_PATH);
	char err[RK_VERIFY_ERR_LEN];
	uint32_t size = 0;
	cr_assert_eq(rk_tracepoint_record_size("sched", "sched_switch", &size, err, sizeof(err)), 0,
	             "%s", err);
	/* Independently: next_prio is the last field, 4 bytes. */
	FILE *file = fopen(SCHED_SWITCH_FORMAT, "r");
	cr_assert_not_null(file);
	char line[512];
	long next_prio = -1;
	while (fgets(line, sizeof(line), file)) {
		const char *offset = strstr(line, " next_prio;") ? strstr(line, "offset:") : NULL;
		if (offset)
			next_prio = strtol(offset + strlen("offset:"), NULL, 10);
	}
	fclose(file);
	cr_assert_gt(next_prio, 0);
	cr_assert_eq(size, (uint32_t)next_prio + 4, "size %u, next_prio at %ld", size, next_prio);

	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("tracepoint/sched/sched_switch", &buf, err,
	                                     sizeof(err)),
	             0, "%s", err);
	cr_assert_not_null(buf.ctx);
	cr_assert_eq(buf.ctx->size, size);
	cr_assert_eq(buf.ctx->writable_count, 0, "tracepoint records are read-only");
	cr_assert(strstr(buf.ctx->name, "sched/sched_switch"), "%s", buf.ctx->name);
	cr_assert_eq(rk_ctx_desc_for_section("tp/sched/sched_switch", &buf, err, sizeof(err)), 0,
	             "%s", err);
	cr_assert_eq(buf.ctx->size, size);
}

Test(ctx_desc, missing_tracepoint_names_the_file)
{
	char err[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("tracepoint/rk_no_such_sys/rk_no_such_event", &buf,
	                                     err, sizeof(err)),
	             -ENOENT, "%s", err);
	cr_assert(strstr(err, "/events/rk_no_such_sys/rk_no_such_event/format: no such file"), "%s",
	          err);
	cr_assert(strstr(err, "mount -t tracefs nodev /sys/kernel/tracing") ||
	                  strstr(err, "no tracepoint system 'rk_no_such_sys'"),
	          "%s", err);
}

Test(ctx_desc, tracepoint_names_checked)
{
	static const char *const bad[] = {"tracepoint/../../etc/passwd", "tracepoint/sched",
	                                  "tracepoint/sched/", "tracepoint//x", "tp/pid",
	                                  "tracepoint", "tracepoint/a/b/c", "tp/./x"};
	char err[RK_VERIFY_ERR_LEN];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rk_ctx_desc_buf buf;
		cr_assert_eq(rk_ctx_desc_for_section(bad[i], &buf, err, sizeof(err)), -EINVAL, "%s: %s",
		             bad[i], err);
		cr_assert_null(buf.ctx);
	}
}

Test(ctx_desc, data)
{
	char err[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("data", &buf, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(buf.ctx, &rk_ctx_desc_data);
	cr_assert_eq(buf.ctx->size, RK_DATA_CTX_BYTES);
}

Test(ctx_desc, probes_see_pt_regs_read_only)
{
#ifdef PT_REGS_BYTES
	static const char *const sections[] = {"uprobe//usr/bin/robot:control_step",
	                                       "uretprobe//usr/bin/robot:control_step",
	                                       "kprobe/do_sys_openat2", "kretprobe/do_sys_openat2",
	                                       "kprobe"};
	char err[RK_VERIFY_ERR_LEN];
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		struct rk_ctx_desc_buf buf;
		cr_assert_eq(rk_ctx_desc_for_section(sections[i], &buf, err, sizeof(err)), 0, "%s: %s",
		             sections[i], err);
		cr_assert_not_null(buf.ctx);
		cr_assert_eq(buf.ctx->size, PT_REGS_BYTES, "%s: %u", sections[i], buf.ctx->size);
		cr_assert_eq(buf.ctx->writable_count, 0);
		cr_assert(strstr(buf.ctx->name, "pt_regs"), "%s", buf.ctx->name);
	}
#else
	cr_skip_test("no known pt_regs on this architecture");
#endif
}

Test(ctx_desc, timer_has_no_context)
{
	char err[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("timer/10ms", &buf, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(buf.ctx);
}

Test(ctx_desc, raw_tracepoint_refused)
{
	char err[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("raw_tracepoint/sched_switch", &buf, err, sizeof(err)),
	             -ENOTSUP);
	cr_assert(strstr(err, "raw tracepoints are not supported yet") &&
	                  strstr(err, "use tracepoint/SYS/NAME"),
	          "%s", err);
	cr_assert_eq(rk_ctx_desc_for_section("raw_tp/sched_switch", &buf, err, sizeof(err)),
	             -ENOTSUP);
}

Test(ctx_desc, unknown_section_lists_supported)
{
	char err[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section("lsm/file_open", &buf, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "\"lsm/file_open\"") && strstr(err, RK_CTX_DESC_SUPPORTED), "%s",
	          err);
	/* A prefix is not a kind: "kprobes/x" is not "kprobe/...". */
	cr_assert_eq(rk_ctx_desc_for_section("kprobes/x", &buf, err, sizeof(err)), -EINVAL);
	cr_assert_eq(rk_ctx_desc_for_section("", &buf, err, sizeof(err)), -EINVAL);
}

Test(ctx_desc, sized)
{
	struct rk_ctx_desc_buf buf;
	rk_ctx_desc_sized(&buf, 0);
	cr_assert_null(buf.ctx);
	rk_ctx_desc_sized(&buf, 24);
	cr_assert_eq(buf.ctx, &buf.desc);
	cr_assert_eq(buf.ctx->size, 24);
	cr_assert_eq(buf.ctx->writable_count, 1);
	cr_assert_eq(buf.ctx->writable[0].off, 0);
	cr_assert_eq(buf.ctx->writable[0].len, 24);
}

/* The verifier, given these descriptors: in bounds accepted, past the end or a write refused. */
static int verify_asm(const char *source, const char *section, char *err, size_t err_len)
{
	struct rk_insn *insns;
	size_t insn_count;
	cr_assert_eq(rk_asm(source, &insns, &insn_count, err, err_len), 0, "%s", err);
	struct rk_prog *prog;
	cr_assert_eq(rk_prog_new(insns, insn_count, NULL, &prog, err, err_len), 0, "%s", err);
	free(insns);
	struct rk_ctx_desc_buf buf;
	cr_assert_eq(rk_ctx_desc_for_section(section, &buf, err, err_len), 0, "%s", err);
	struct rk_verify_opts opts = {.ctx = buf.ctx};
	int rc = rk_verify(prog, &opts, NULL, err, err_len);
	rk_prog_free(prog);
	return rc;
}

Test(ctx_desc, verifier_holds_probes_to_pt_regs)
{
#ifdef PT_REGS_BYTES
	char source[128], err[RK_VERIFY_ERR_LEN];
	snprintf(source, sizeof(source), "ldxdw %%r0, [%%r1+%u]\nexit\n", PT_REGS_BYTES - 8);
	cr_assert_eq(verify_asm(source, "kprobe/x", err, sizeof(err)), 0, "%s", err);
	snprintf(source, sizeof(source), "ldxdw %%r0, [%%r1+%u]\nexit\n", PT_REGS_BYTES);
	cr_assert_eq(verify_asm(source, "uprobe/x", err, sizeof(err)), -EACCES, "past the end");
	cr_assert_eq(verify_asm("stdw [%r1], 1\nmov %r0, 0\nexit\n", "kprobe/x", err, sizeof(err)),
	             -EACCES, "pt_regs are read-only");
#else
	cr_skip_test("no known pt_regs on this architecture");
#endif
}

Test(ctx_desc, verifier_holds_data_and_timer)
{
	char err[RK_VERIFY_ERR_LEN];
	/* (Instruction offsets are 16-bit: move the pointer to reach the end.) */
	cr_assert_eq(verify_asm("add %r1, 65528\nstdw [%r1], 1\nmov %r0, 0\nexit\n", "data", err,
	                        sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(verify_asm("add %r1, 65529\nstdw [%r1], 1\nmov %r0, 0\nexit\n", "data", err,
	                        sizeof(err)),
	             -EACCES);
	cr_assert_eq(verify_asm("mov %r0, %r1\nexit\n", "timer/1ms", err, sizeof(err)), 0, "%s",
	             err);
	cr_assert_eq(verify_asm("ldxb %r0, [%r1]\nexit\n", "timer/1ms", err, sizeof(err)), -EACCES,
	             "a timer program has no context to read");
}
