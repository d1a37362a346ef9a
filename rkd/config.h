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

/*
 * [program OBJECT/PROG] sections: how one program of one object is attached
 * (docs/rkd.md "Per-program options").  Applied whenever the program is
 * attached: at load, at every swap, at `rkctl attach`.
 */
#define RKD_MAX_PROGRAM_OPTS 64
#define RKD_PROGRAM_OBJECT_LEN 128         /* as RKD_OBJECT_NAME_LEN (programs.h) */
#define RKD_PROGRAM_NAME_LEN 128
#define RKD_COMM_LEN 16                    /* the kernel's TASK_COMM_LEN */

struct rkd_program_opts {
	char object[RKD_PROGRAM_OBJECT_LEN];
	char program[RKD_PROGRAM_NAME_LEN];
	int pid;                           /* > 0: only this process */
	char comm[RKD_COMM_LEN];           /* "": none; else the process of that name, found at attach */
	int section_line;                  /* for messages: "rkd.conf:12: [program a/b] ..." */
	int key_line;                      /* the line of pid or comm */
};

struct rkd_program_config {
	struct rkd_program_opts entries[RKD_MAX_PROGRAM_OPTS];
	size_t count;
	char source[PATH_MAX];             /* the config file, for messages */
};

/* The hardware hooks' devices ([iio DEVICE], [uio DEVICE]; docs/rkd.md). */
#define RKD_MAX_DEVICES 16
#define RKD_DEVICE_NAME_LEN 64
#define RKD_IIO_CHANNELS_LEN 200
/* Channels per [iio DEVICE]: RK_IIO_MAX_CHANNELS values and the timestamp. */
#define RKD_IIO_MAX_NAMED 17

struct rkd_iio_config {
	char device[RKD_DEVICE_NAME_LEN];     /* as in SEC("iio/DEVICE"); first member */
	char trigger[RKD_DEVICE_NAME_LEN];    /* "": the device's current trigger */
	char channels[RKD_IIO_CHANNELS_LEN];  /* "voltage0,accel_x"; "": every scan element */
	int section_line, trigger_line, channels_line;
};

struct rkd_uio_config {
	char device[RKD_DEVICE_NAME_LEN];     /* as in SEC("uio/DEVICE"); first member */
	unsigned map;                         /* N of /dev/uioN's mapN; 0 */
	/* [start, end) byte ranges of the map; read: the whole map unless given; write: none. */
	bool has_readable, has_writable;
	unsigned long long read_start, read_end, write_start, write_end;
	int section_line, map_line, readable_line, writable_line;
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
	/* The hardware hooks' devices: [iio DEVICE], [uio DEVICE]. */
	struct rkd_iio_config iio[RKD_MAX_DEVICES];
	size_t iio_count;
	struct rkd_uio_config uio[RKD_MAX_DEVICES];
	size_t uio_count;
	char source[PATH_MAX];          /* the config file, for messages ("" when none was read) */
	struct rkd_program_config programs;  /* [program OBJECT/PROG] sections */
};

/* The [program OBJECT/PROG] entry of object's program prog, or NULL. */
const struct rkd_program_opts *rkd_config_program(const struct rkd_config *config,
                                                  const char *object, const char *prog);

/* The [iio DEVICE] / [uio DEVICE] section of a SEC's DEVICE, or NULL. */
const struct rkd_iio_config *rkd_config_iio(const struct rkd_config *config, const char *device);
const struct rkd_uio_config *rkd_config_uio(const struct rkd_config *config, const char *device);

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
