/*
 * kernel_btf.c - the CO-RE target (/sys/kernel/btf/vmlinux), held only
 * while objects are being loaded.
 *
 * The one thing to know: parsed, the kernel's BTF is about 5 MB -- more
 * than everything else rkd holds.  The loader asks for it only when an
 * object has CO-RE relocations (rk_obj_opts.get_target_btf); such loads
 * come in bursts (start-up, a copy into the drop-in directory, `rkctl
 * load`), so the first one of a burst parses it and a timer frees it once
 * no load has asked for it for RKD_KERNEL_BTF_KEEP_MS.  Idle, rkd holds
 * none of it.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tools/common/file_io.h"
#include "kernel_btf.h"

#define RKD_KERNEL_BTF_PATH "/sys/kernel/btf/vmlinux"
#define RKD_KERNEL_BTF_KEEP_MS 2000

void rkd_kernel_btf_init(struct rkd_daemon *daemon)
{
	uv_timer_init(daemon->loop, &daemon->kernel_btf_timer);
	daemon->kernel_btf_timer.data = daemon;
	/* A pending timer must not keep the loop alive at shutdown. */
	uv_unref((uv_handle_t *)&daemon->kernel_btf_timer);
}

static void release(uv_timer_t *timer)
{
	struct rkd_daemon *daemon = timer->data;
	rk_btf_free(daemon->kernel_btf);
	daemon->kernel_btf = NULL;
}

const struct rk_btf *rkd_kernel_btf(struct rkd_daemon *daemon)
{
	if (!daemon->kernel_btf && !daemon->kernel_btf_failed) {
		char err[RK_ERR_LEN + PATH_MAX];
		uint8_t *data = NULL;
		size_t len;
		if (access(RKD_KERNEL_BTF_PATH, R_OK) != 0) {
			rkd_log("warning", "%s is not readable: CO-RE programs will not load",
			        RKD_KERNEL_BTF_PATH);
			daemon->kernel_btf_failed = true;
		} else if (rk_file_read(RKD_KERNEL_BTF_PATH, &data, &len, err, sizeof(err)) ||
		           rk_btf_parse(data, len, &daemon->kernel_btf, err, sizeof(err))) {
			rkd_log("warning", "%s: %s: CO-RE programs will not load", RKD_KERNEL_BTF_PATH,
			        err);
			daemon->kernel_btf_failed = true;
		}
		free(data);
	}
	if (daemon->kernel_btf)
		uv_timer_start(&daemon->kernel_btf_timer, release, RKD_KERNEL_BTF_KEEP_MS, 0);
	return daemon->kernel_btf;
}

const struct rk_btf *rkd_kernel_btf_for_load(void *daemon)
{
	return rkd_kernel_btf(daemon);
}

void rkd_kernel_btf_close(struct rkd_daemon *daemon)
{
	uv_timer_stop(&daemon->kernel_btf_timer);
	uv_close((uv_handle_t *)&daemon->kernel_btf_timer, NULL);
	rk_btf_free(daemon->kernel_btf);
	daemon->kernel_btf = NULL;
}
