/*
 * config.h - rkd's configuration: /etc/rkd/rkd.conf, an INI file parsed
 * with libinih.  Every error names the file, the line and the key, and says
 * what the key accepts.  The one thing to know: a key nobody reads is an
 * error, not a silent no-op -- a typo in a robot's config must not go
 * unnoticed.
 */
#ifndef RKD_CONFIG_H
#define RKD_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RKD_DEFAULT_CONFIG "/etc/rkd/rkd.conf"
#define RKD_DEFAULT_PROGRAMS_DIR "/etc/rkd/programs.d"
#define RKD_DEFAULT_SOCKET "/run/rkd/rkd.sock"
#define RKD_DEFAULT_TAIL_BUFFER (256u * 1024)
#define RKD_GROUP_NAME_LEN 64
/* sizeof(struct sockaddr_un.sun_path) on Linux. */
#define RKD_SOCKET_PATH_MAX 108
#define RKD_CONFIG_ERR_LEN (PATH_MAX + 512)

struct rkd_config {
	char programs_dir[PATH_MAX];
	char socket_path[RKD_SOCKET_PATH_MAX];
	/* Members may make read-only requests; "" (gid_valid false): root only. */
	char access_group[RKD_GROUP_NAME_LEN];
	gid_t access_gid;
	bool access_gid_valid;
	/* Members may also make admin requests (load, unload, map set/delete). */
	char admin_group[RKD_GROUP_NAME_LEN];
	gid_t admin_gid;
	bool admin_gid_valid;
	size_t budget_bytes;        /* per object; RK_DEFAULT_BUDGET unless set */
	bool jit;                   /* compile to native code where this machine has a JIT */
	size_t tail_buffer_bytes;   /* pending output per `tail` client before it is dropped */
};

/* The defaults: what rkd runs with when no config file exists. */
void rkd_config_defaults(struct rkd_config *config);

/*
 * Parse the INI file at path over config (call rkd_config_defaults first).
 * 0, or a negative errno with err "PATH:LINE: key 'K': what is wrong and what
 * it accepts" (-ENOENT/-EACCES: "PATH: cannot read: ..." and what to do).
 */
int rkd_config_load(const char *path, struct rkd_config *config, char *err, size_t err_len);

/*
 * The same for text already in memory; name is what messages call it.
 * For tests and for `rkd --check-config`.
 */
int rkd_config_parse_string(const char *text, const char *name, struct rkd_config *config,
                            char *err, size_t err_len);

#endif
