/*
 * helpers_device.c - rk_uio_read and rk_uio_write: a program's access to
 * its device's registers.  librkbpf knows no device: both go through the
 * host's rk_env.device_io (rkd: the register window of the program's UIO
 * hook, as rkd.conf grants it), which checks the offset, size and access
 * rights.
 *
 * What must stay true: the prototype promises dst is written up to size
 * (PTR_TO_UNINIT_MEM, CONST_SIZE), so every failed read zeroes it.
 */
#include <string.h>

#include "helpers_std.h"

/* rk_uio_read(offset, dst, size): 0 or -errno, dst zeroed on failure. */
RK_HELPER(rk_helper_uio_read)
{
	void *dst = RK_HELPER_PTR(r2);
	uint32_t size = (uint32_t)r3;
	const struct rk_env *env = rk_helper_env(run);
	int rc = -ENOTSUP;
	if (env && env->device_io)
		rc = env->device_io(env->host, run->prog, (uint32_t)r1, dst, size, 0);
	if (rc < 0) {
		memset(dst, 0, size);
		return RK_HELPER_ERR(rc);
	}
	return 0;
}

/* rk_uio_write(offset, src, size): 0 or -errno. */
RK_HELPER(rk_helper_uio_write)
{
	void *src = RK_HELPER_PTR(r2);
	const struct rk_env *env = rk_helper_env(run);
	if (!env || !env->device_io)
		return RK_HELPER_ERR(-ENOTSUP);
	int rc = env->device_io(env->host, run->prog, (uint32_t)r1, src, (uint32_t)r3, 1);
	return rc < 0 ? RK_HELPER_ERR(rc) : 0;
}
