/*
 * privileges.h - least privilege after start-up (docs/security.md): rkd
 * keeps only the capabilities that loading and running programs needs,
 * shrinks the bounding set to them, and sets no_new_privs.
 */
#ifndef RKD_PRIVILEGES_H
#define RKD_PRIVILEGES_H

#include <stddef.h>

#include "config.h"

/*
 * Drop every capability but those rkd needs (config->drop_capabilities).
 * 0 with kept describing what stays ("cap_perfmon cap_sys_ptrace ..."), or
 * a negative errno with err.  Idempotent; call once the socket is bound.
 */
int rkd_drop_privileges(const struct rkd_config *config, char *kept, size_t kept_len,
                        char *err, size_t err_len);

#endif
