/* kernel_btf.h - the kernel's BTF for CO-RE, parsed on demand (kernel_btf.c). */
#ifndef RKD_KERNEL_BTF_H
#define RKD_KERNEL_BTF_H

#include "daemon.h"

void rkd_kernel_btf_init(struct rkd_daemon *daemon);
/* The CO-RE target for a load now (NULL: unreadable, said once in the log). */
const struct rk_btf *rkd_kernel_btf(struct rkd_daemon *daemon);
/* The same, as rk_obj_opts.get_target_btf (arg: the daemon): asked only for CO-RE objects. */
const struct rk_btf *rkd_kernel_btf_for_load(void *daemon);
/* At shutdown: stop the timer, free what is held. */
void rkd_kernel_btf_close(struct rkd_daemon *daemon);

#endif
