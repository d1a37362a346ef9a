/*
 * test_tracepoint_core.c - CO-RE on a real tracepoint record: a program
 * compiled with its own idea of struct trace_event_raw_sched_switch is
 * relocated against the running kernel's BTF (/sys/kernel/btf/vmlinux) and
 * run on a record laid out as tracefs' format file says -- two independent
 * sources of the layout, which must agree.  Skipped where either is missing
 * (CI mounts tracefs).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/common/file_io.h"
#include "rkbpf.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define SCHED_SWITCH_FORMAT "/sys/kernel/tracing/events/sched/sched_switch/format"

#ifndef RK_BUILD_DIR
#define RK_BUILD_DIR RK_SOURCE_DIR "/build"
#endif

/* The offset of field (e.g. "next_pid;") in a tracefs format file, or -1. */
static long format_offset(const char *format, const char *field)
{
	char needle[64];
	snprintf(needle, sizeof(needle), " %s", field);
	const char *at = strstr(format, needle);
	const char *offset = at ? strstr(at, "offset:") : NULL;
	return offset ? strtol(offset + strlen("offset:"), NULL, 10) : -1;
}

Test(tracepoint_core, sched_switch_record_through_vmlinux_btf)
{
	if (access(VMLINUX_BTF, R_OK) != 0 || access(SCHED_SWITCH_FORMAT, R_OK) != 0)
		cr_skip_test("needs %s and tracefs (%s)", VMLINUX_BTF, SCHED_SWITCH_FORMAT);
	char err[RK_ERR_LEN + 256];
	uint8_t *format, *vmlinux, *elf;
	size_t format_len, vmlinux_len, elf_len;
	cr_assert_eq(rk_file_read(SCHED_SWITCH_FORMAT, &format, &format_len, err, sizeof(err)), 0,
	             "%s", err);
	long next_pid = format_offset((char *)format, "next_pid;");
	long prev_pid = format_offset((char *)format, "prev_pid;");
	long next_comm = format_offset((char *)format, "next_comm[16];");
	cr_assert(next_pid > 0 && prev_pid > 0 && next_comm > 0, "format: %s", format);

	cr_assert_eq(rk_file_read(VMLINUX_BTF, &vmlinux, &vmlinux_len, err, sizeof(err)), 0, "%s",
	             err);
	struct rk_btf *target = NULL;
	cr_assert_eq(rk_btf_parse(vmlinux, vmlinux_len, &target, err, sizeof(err)), 0, "%s", err);

	char path[512];
	snprintf(path, sizeof(path), "%s/tests/bpf/obj_tp_sched_switch.o", RK_BUILD_DIR);
	cr_assert_eq(rk_file_read(path, &elf, &elf_len, err, sizeof(err)), 0, "%s", err);
	struct rk_obj_opts opts = {.name = "obj_tp_sched_switch.o", .target_btf = target};
	struct rk_obj *obj = NULL;
	cr_assert_eq(rk_obj_load(elf, elf_len, &opts, &obj, err, sizeof(err)), 0, "%s", err);
	struct rk_prog *prog = rk_obj_prog_find(obj, "tracepoint/sched/sched_switch");
	cr_assert_not_null(prog);

	/* A record as the kernel writes it: 42 switches in, 7 switches out, to "rkd". */
	uint8_t record[128];
	memset(record, 0xee, sizeof(record));
	int32_t next = 42, prev = 7;
	memcpy(record + next_pid, &next, sizeof(next));
	memcpy(record + prev_pid, &prev, sizeof(prev));
	memcpy(record + next_comm, "rkd\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	size_t record_len = (size_t)next_pid + 8; /* up to next_prio, as the format says */

	for (int mode = RK_EXEC_FAST; mode <= RK_EXEC_CHECKED; mode++) {
		/* Tracepoint records are read-only to programs. */
		struct rk_run_opts run_opts = {.mode = mode, .insn_limit = 1000};
		struct rk_run_result result;
		cr_assert_eq(rk_prog_run(prog, record, record_len, &run_opts, &result), 0, "%s",
		             result.message);
		cr_assert_eq(result.retval, (42u << 16) | (7u << 8) | 'r', "r0 = 0x%llx",
		             (unsigned long long)result.retval);
	}
	rk_obj_free(obj);
	rk_btf_free(target);
	free(elf);
	free(vmlinux);
	free(format);
}
