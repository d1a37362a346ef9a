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
#define RKD_DEFAULT_TRUSTED_KEYS_DIR "/etc/rkd/trusted-keys"
#define RKD_DEFAULT_STATE_DIR "/var/lib/rkd"
/* Anyone may connect; access is decided per request (docs/security.md). */
#define RKD_DEFAULT_SOCKET_MODE 0666u
#define RKD_BOARD_ID_LEN 64
#define RKD_DEFAULT_HEARTBEAT_MS 100u
#define RKD_GROUP_NAME_LEN 64
/* sizeof(struct sockaddr_un.sun_path) on Linux. */
#define RKD_SOCKET_PATH_MAX 108
#define RKD_CONFIG_ERR_LEN (PATH_MAX + 512)

/* The emergency stop's actuators ([actuator NAME] sections; docs/estop.md). */
#define RKD_MAX_ACTUATORS 64
#define RKD_ACTUATOR_NAME_LEN 48
#define RKD_ACTUATOR_CHIP_LEN 64

enum rkd_actuator_type {
	RKD_ACTUATOR_NONE = 0,
	RKD_ACTUATOR_PWM,          /* a PWM channel: disabled, or set to a safe duty */
	RKD_ACTUATOR_GPIO,         /* a GPIO line: driven to its safe level */
};

struct rkd_actuator {
	char name[RKD_ACTUATOR_NAME_LEN];
	enum rkd_actuator_type type;
	char chip[RKD_ACTUATOR_CHIP_LEN];  /* pwmchip0; gpiochip1 (or a label, a number) */
	unsigned channel;                  /* PWM channel or GPIO line */
	bool safe_disable;                 /* PWM: safe = disable */
	bool has_safe_duty;                /* PWM: safe_duty_ns = N */
	unsigned long long safe_duty_ns;
	int safe_level;                    /* GPIO: 0 or 1 */
	unsigned bit;                      /* its bit in rk_emergency_stop(mask) */
	/* Where each came from, for start-up errors ("rkd.conf:12: key 'channel': ..."). */
	int section_line, type_line, chip_line, channel_line, bit_line, safe_line;
};

struct rkd_estop_config {
	struct rkd_actuator actuators[RKD_MAX_ACTUATORS];
	size_t count;
	/* The kernel watchdog (kmod/rk_estop): its heartbeat file; "" none. */
	char heartbeat_path[PATH_MAX];
	unsigned heartbeat_ms;
	int heartbeat_line;
	char source[PATH_MAX];             /* the config file, for messages */
};

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
	/* The control socket's mode; its group is access_group (else admin_group) when set. */
	unsigned socket_mode;
	/* Signature policy (docs/signatures.md); none of it applies while require_signature is off. */
	bool require_signature;
	char trusted_keys_dir[PATH_MAX];
	bool trust_attestation;     /* a verifier key's verdict replaces rkd's own verifier */
	char board_id[RKD_BOARD_ID_LEN];   /* "": this robot has none */
	char state_dir[PATH_MAX];   /* the highest sequence number accepted per object */
	/* Drop every capability rkd does not need once the socket is bound (docs/security.md). */
	bool drop_capabilities;
	struct rkd_estop_config estop;  /* [actuator NAME] and [estop] sections */
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
