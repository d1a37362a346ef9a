/*
 * test_helpers_device.c - rk_uio_read and rk_uio_write: the verifier's
 * prototype (dst PTR_TO_UNINIT_MEM written up to a CONST_SIZE; src
 * PTR_TO_MEM that must be initialised) and the helpers' contract with
 * rk_env.device_io (the destination zeroed on every failure, -ENOTSUP
 * without a host).  The hook side, on the edu device: tests/hw/guest/uio.sh.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "../../vm/helpers_std.h"
#include "verify_cases.h"

/* ---- the verifier: call 32772 is rk_uio_read, 32773 rk_uio_write ------------------- */

/* dst on the uninitialised stack, read after the call: the helper wrote it. */
VERIFY_ACCEPT_CASE(uio_read_into_uninit_stack,
	.source = "mov %r1, 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 8\n"
	          "call 32772\n"
	          "ldxdw %r0, [%r10-8]\n"
	          "exit\n")

VERIFY_ACCEPT_CASE(uio_write_from_initialised_stack,
	.source = "stw [%r10-4], 1\n"
	          "mov %r1, 100\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r3, 4\n"
	          "call 32773\n"
	          "exit\n")

VERIFY_REJECT_CASE(uio_read_past_the_buffer, 4, "write of 8 bytes at offset -4 of the stack frame",
	.source = "mov %r1, 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -4\n"
	          "mov %r3, 8\n"
	          "call 32772\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(uio_read_size_zero, 4, "size r3 may be 0",
	.source = "mov %r1, 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 0\n"
	          "call 32772\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(uio_write_from_uninit_stack, 4, "is not initialised",
	.source = "mov %r1, 0\n"
	          "mov %r2, %r10\n"
	          "add %r2, -8\n"
	          "mov %r3, 8\n"
	          "call 32773\n" /* 4 */
	          "mov %r0, 0\n"
	          "exit\n")

VERIFY_REJECT_CASE(uio_read_into_a_number, 3, "a number is not a pointer",
	.source = "mov %r1, 0\n"
	          "mov %r2, 4096\n"
	          "mov %r3, 8\n"
	          "call 32772\n" /* 3 */
	          "mov %r0, 0\n"
	          "exit\n")

/* ---- the helpers and rk_env.device_io -------------------------------------------- */

static struct {
	int calls;
	uint64_t offset;
	uint32_t size;
	int write;
	int rc;
	uint8_t written[16];
} host;

static int fake_device_io(void *h, const struct rk_prog *prog, uint64_t offset, void *buf,
                          uint32_t size, int write)
{
	(void)prog;
	cr_assert_eq(h, &host);
	host.calls++;
	host.offset = offset;
	host.size = size;
	host.write = write;
	if (host.rc)
		return host.rc;
	if (write)
		memcpy(host.written, buf, size < 16 ? size : 16);
	else
		memset(buf, 0xab, size);
	return 0;
}

static uint64_t call3(uint32_t id, const struct rk_env *env, uint64_t r1, void *r2, uint64_t r3)
{
	struct rk_run_opts opts = {.env = env};
	struct rk_run run = {.opts = &opts};
	rk_helper_fn fn = rk_helpers_fn(rk_helpers_standard(), id);
	cr_assert_not_null(fn);
	return fn(r1, (uint64_t)(uintptr_t)r2, r3, 0, 0, &run);
}

#define ERR(e) ((uint64_t)(int64_t)(e))

Test(helpers_device, prototypes)
{
	const struct rk_helper_proto *p = rk_helpers_proto(rk_helpers_standard(), RK_HELPER_UIO_READ);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "rk_uio_read");
	cr_assert_eq(p->args[0], RK_ARG_SCALAR);
	cr_assert_eq(p->args[1], RK_ARG_PTR_TO_UNINIT_MEM);
	cr_assert_eq(p->args[2], RK_ARG_CONST_SIZE);
	p = rk_helpers_proto(rk_helpers_standard(), RK_HELPER_UIO_WRITE);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "rk_uio_write");
	cr_assert_eq(p->args[1], RK_ARG_PTR_TO_MEM);
	cr_assert_eq(p->args[2], RK_ARG_CONST_SIZE);
	cr_assert_eq(RK_HELPER_UIO_READ, 0x8004);
	cr_assert_lt(RK_HELPER_UIO_WRITE, RK_HELPER_ROBOTICS_END);
}

Test(helpers_device, read_goes_to_the_host)
{
	memset(&host, 0, sizeof(host));
	struct rk_env env = {.host = &host, .device_io = fake_device_io};
	uint8_t dst[8] = {0};
	cr_assert_eq(call3(RK_HELPER_UIO_READ, &env, 0x24, dst, 4), 0);
	cr_assert_eq(host.calls, 1);
	cr_assert_eq(host.offset, 0x24);
	cr_assert_eq(host.size, 4);
	cr_assert_eq(host.write, 0);
	cr_assert_eq(dst[0], 0xab);
	cr_assert_eq(dst[4], 0, "not past size");
	/* The offset is a u32. */
	call3(RK_HELPER_UIO_READ, &env, 1ull << 32 | 8, dst, 4);
	cr_assert_eq(host.offset, 8);
}

Test(helpers_device, failed_read_zeroes_dst)
{
	memset(&host, 0, sizeof(host));
	host.rc = -ERANGE;
	struct rk_env env = {.host = &host, .device_io = fake_device_io};
	uint8_t dst[8];
	memset(dst, 0x5a, sizeof(dst));
	cr_assert_eq(call3(RK_HELPER_UIO_READ, &env, 0x100, dst, 8), ERR(-ERANGE));
	for (size_t i = 0; i < sizeof(dst); i++)
		cr_assert_eq(dst[i], 0, "byte %zu", i);
	/* No host service, no env: -ENOTSUP, still zeroed. */
	memset(dst, 0x5a, sizeof(dst));
	env.device_io = NULL;
	cr_assert_eq(call3(RK_HELPER_UIO_READ, &env, 0, dst, 8), ERR(-ENOTSUP));
	cr_assert_eq(dst[7], 0);
	memset(dst, 0x5a, sizeof(dst));
	cr_assert_eq(call3(RK_HELPER_UIO_READ, NULL, 0, dst, 8), ERR(-ENOTSUP));
	cr_assert_eq(dst[0], 0);
}

Test(helpers_device, write_goes_to_the_host)
{
	memset(&host, 0, sizeof(host));
	struct rk_env env = {.host = &host, .device_io = fake_device_io};
	uint32_t status = 0x101;
	cr_assert_eq(call3(RK_HELPER_UIO_WRITE, &env, 0x64, &status, 4), 0);
	cr_assert_eq(host.write, 1);
	cr_assert_eq(host.offset, 0x64);
	cr_assert_eq(memcmp(host.written, &status, 4), 0);
	host.rc = -EACCES;
	cr_assert_eq(call3(RK_HELPER_UIO_WRITE, &env, 0x64, &status, 4), ERR(-EACCES));
	cr_assert_eq(call3(RK_HELPER_UIO_WRITE, NULL, 0x64, &status, 4), ERR(-ENOTSUP));
}
