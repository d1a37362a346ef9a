/*
 * config.c - rkd.conf through libinih (ini_parse_stream), with our own line
 * reader so that the handler knows which line it is looking at: libinih
 * only reports the first bad line's number, and we want the key and the
 * reason too.  The first error wins; parsing stops mattering after it.
 */
#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stddef.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rkbpf.h"

/* libinih's own line limit (INI_MAX_LINE in Debian's build). */
#define CONFIG_LINE_MAX 200
/* A budget below this cannot hold even a small program and its maps. */
#define CONFIG_BUDGET_MIN 4096u
#define CONFIG_BUDGET_MAX (1024u * 1024 * 1024)
#define CONFIG_TAIL_MIN 4096u
#define CONFIG_TAIL_MAX (64u * 1024 * 1024)

#define CONFIG_KNOWN_KEYS \
	"programs_dir, socket, socket_mode, access_group, admin_group, budget_bytes, jit, " \
	"tail_buffer_bytes, require_signature, trusted_keys_dir, trust_attestation, board_id, " \
	"state_dir, drop_capabilities"
/* Board ids are written into signatures: the same characters as signature.h allows. */
#define CONFIG_BOARD_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-+"

struct config_parse {
	const char *name;           /* the file, for messages */
	struct rkd_config *config;
	/* Line source: a string (tests) or a FILE. */
	const char *text;
	FILE *file;
	int line;                   /* the line the handler is looking at */
	int section_line;           /* the line of the last [section] header */
	int error_line;             /* 0: no error recorded */
	char *err;
	size_t err_len;
};

void rkd_config_defaults(struct rkd_config *config)
{
	memset(config, 0, sizeof(*config));
	snprintf(config->programs_dir, sizeof(config->programs_dir), "%s", RKD_DEFAULT_PROGRAMS_DIR);
	snprintf(config->socket_path, sizeof(config->socket_path), "%s", RKD_DEFAULT_SOCKET);
	config->budget_bytes = RK_DEFAULT_BUDGET;
	config->jit = true;
	config->tail_buffer_bytes = RKD_DEFAULT_TAIL_BUFFER;
	config->estop.heartbeat_ms = RKD_DEFAULT_HEARTBEAT_MS;
	config->socket_mode = RKD_DEFAULT_SOCKET_MODE;
	snprintf(config->trusted_keys_dir, sizeof(config->trusted_keys_dir), "%s",
	         RKD_DEFAULT_TRUSTED_KEYS_DIR);
	snprintf(config->state_dir, sizeof(config->state_dir), "%s", RKD_DEFAULT_STATE_DIR);
	config->drop_capabilities = true;
}

static void fail(struct config_parse *parse, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct config_parse *parse, const char *key, const char *fmt, ...)
{
	if (parse->error_line)
		return;
	parse->error_line = parse->line;
	int used = snprintf(parse->err, parse->err_len, "%s:%d: key '%s': ", parse->name, parse->line,
	                    key);
	if (used < 0 || (size_t)used >= parse->err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(parse->err + used, parse->err_len - (size_t)used, fmt, ap);
	va_end(ap);
}

/* "524288", "512K", "512KiB", "4M", "4MiB" -> bytes.  0 or -EINVAL. */
static int parse_bytes(const char *value, size_t *out)
{
	if (!isdigit((unsigned char)value[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long number = strtoull(value, &end, 10);
	if (errno)
		return -EINVAL;
	unsigned long long scale = 1;
	if (*end == 'K' || *end == 'k')
		scale = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		scale = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		scale = 1024ull * 1024 * 1024, end++;
	if (scale > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (*end || number > SIZE_MAX / scale)
		return -EINVAL;
	*out = (size_t)(number * scale);
	return 0;
}

static int parse_bool(const char *value, bool *out)
{
	static const char *const yes[] = {"on", "yes", "true", "1"};
	static const char *const no[] = {"off", "no", "false", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(value, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

/* A group by name or number; "" means none. */
static int parse_group(struct config_parse *parse, const char *key, const char *value,
                       char *name_out, gid_t *gid_out, bool *valid_out)
{
	*valid_out = false;
	name_out[0] = '\0';
	if (!*value)
		return 0;
	if (strlen(value) >= RKD_GROUP_NAME_LEN) {
		fail(parse, key, "group name longer than %d characters", RKD_GROUP_NAME_LEN - 1);
		return -EINVAL;
	}
	struct group *group = getgrnam(value);
	if (group) {
		*gid_out = group->gr_gid;
	} else {
		char *end;
		unsigned long number = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)value[0]) || *end) {
			fail(parse, key, "no group '%s' on this system; create it (groupadd %s) or "
			                 "name an existing group",
			     value, value);
			return -EINVAL;
		}
		*gid_out = (gid_t)number;
	}
	snprintf(name_out, RKD_GROUP_NAME_LEN, "%s", value);
	*valid_out = true;
	return 0;
}

/* ---- the emergency stop: [actuator NAME] and [estop] ---------------- */

#define ACTUATOR_PWM_KEYS "type, chip, channel, bit, safe, safe_duty_ns"
#define ACTUATOR_GPIO_KEYS "type, chip, line, bit, safe_level"
#define ESTOP_KEYS "heartbeat, heartbeat_ms"
#define HEARTBEAT_MS_MIN 1u
#define HEARTBEAT_MS_MAX 60000u

/* A decimal number up to max: 0 or -EINVAL. */
static int parse_uint(const char *value, unsigned long long max, unsigned long long *out)
{
	if (!isdigit((unsigned char)value[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long number = strtoull(value, &end, 10);
	if (errno || *end || number > max)
		return -EINVAL;
	*out = number;
	return 0;
}

static struct rkd_actuator *actuator_for(struct config_parse *parse, const char *name,
                                         const char *key)
{
	struct rkd_estop_config *estop = &parse->config->estop;
	for (size_t i = 0; i < estop->count; i++) {
		if (strcmp(estop->actuators[i].name, name) != 0)
			continue;
		if (estop->actuators[i].section_line != parse->section_line) {
			fail(parse, key, "[actuator %s] is declared twice (first at line %d); give "
			                 "each actuator one section",
			     name, estop->actuators[i].section_line);
			return NULL;
		}
		return &estop->actuators[i];
	}
	if (!*name || strlen(name) >= RKD_ACTUATOR_NAME_LEN || strchr(name, ' ')) {
		fail(parse, key, "[actuator %s]: an actuator's name is one word of 1..%d characters",
		     name, RKD_ACTUATOR_NAME_LEN - 1);
		return NULL;
	}
	if (estop->count == RKD_MAX_ACTUATORS) {
		fail(parse, key, "[actuator %s]: more than %d actuators", name, RKD_MAX_ACTUATORS);
		return NULL;
	}
	struct rkd_actuator *actuator = &estop->actuators[estop->count];
	memset(actuator, 0, sizeof(*actuator));
	snprintf(actuator->name, sizeof(actuator->name), "%s", name);
	actuator->section_line = parse->section_line ? parse->section_line : parse->line;
	actuator->bit = (unsigned)estop->count;
	actuator->safe_level = -1;
	estop->count++;
	return actuator;
}

static int handle_actuator_key(struct config_parse *parse, const char *name, const char *key,
                               const char *value)
{
	struct rkd_actuator *a = actuator_for(parse, name, key);
	if (!a)
		return 0;
	unsigned long long number;
	if (strcmp(key, "type") == 0) {
		if (strcmp(value, "pwm") == 0)
			a->type = RKD_ACTUATOR_PWM;
		else if (strcmp(value, "gpio") == 0)
			a->type = RKD_ACTUATOR_GPIO;
		else
			return fail(parse, key, "wants pwm or gpio, got '%s'", value), 0;
		a->type_line = parse->line;
	} else if (strcmp(key, "chip") == 0) {
		if (!*value || strlen(value) >= sizeof(a->chip))
			return fail(parse, key, "wants a chip name (pwmchip0, gpiochip1, or a GPIO chip's "
			                        "label) of 1..%zu characters, got '%s'",
			            sizeof(a->chip) - 1, value), 0;
		snprintf(a->chip, sizeof(a->chip), "%s", value);
		a->chip_line = parse->line;
	} else if (strcmp(key, "channel") == 0 || strcmp(key, "line") == 0) {
		if (parse_uint(value, 65535, &number))
			return fail(parse, key, "wants a %s number (0, 1, ...), got '%s'",
			            strcmp(key, "line") == 0 ? "GPIO line" : "PWM channel", value), 0;
		a->channel = (unsigned)number;
		a->channel_line = parse->line;
	} else if (strcmp(key, "bit") == 0) {
		if (parse_uint(value, 63, &number))
			return fail(parse, key, "wants the actuator's bit in rk_emergency_stop(mask), "
			                        "0..63, got '%s'",
			            value), 0;
		a->bit = (unsigned)number;
		a->bit_line = parse->line;
	} else if (strcmp(key, "safe") == 0) {
		if (strcmp(value, "disable") != 0)
			return fail(parse, key, "wants disable (or give safe_duty_ns = N), got '%s'",
			            value), 0;
		a->safe_disable = true;
		a->safe_line = parse->line;
	} else if (strcmp(key, "safe_duty_ns") == 0) {
		if (parse_uint(value, UINT32_MAX * 1000ull, &number))
			return fail(parse, key, "wants a duty cycle in ns (0, 1500000, ...), got '%s'",
			            value), 0;
		a->has_safe_duty = true;
		a->safe_duty_ns = number;
		a->safe_line = parse->line;
	} else if (strcmp(key, "safe_level") == 0) {
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			return fail(parse, key, "wants 0 or 1 (the level that makes the robot safe), "
			                        "got '%s'",
			            value), 0;
		a->safe_level = value[0] - '0';
		a->safe_line = parse->line;
	} else {
		return fail(parse, key, "unknown key in [actuator %s]; a pwm actuator takes "
		                        ACTUATOR_PWM_KEYS ", a gpio actuator " ACTUATOR_GPIO_KEYS,
		            name), 0;
	}
	/* Keys of the other type are caught at once when the type came first. */
	if (a->type == RKD_ACTUATOR_GPIO && (a->safe_disable || a->has_safe_duty))
		return fail(parse, key, "[actuator %s] is a gpio actuator: it takes safe_level = 0|1, "
		                        "not safe/safe_duty_ns",
		            name), 0;
	if (a->type == RKD_ACTUATOR_PWM && a->safe_level >= 0)
		return fail(parse, key, "[actuator %s] is a pwm actuator: it takes safe = disable or "
		                        "safe_duty_ns = N, not safe_level",
		            name), 0;
	if (a->safe_disable && a->has_safe_duty)
		return fail(parse, key, "[actuator %s]: give safe = disable or safe_duty_ns = N, not "
		                        "both",
		            name), 0;
	return 1;
}

static int handle_estop_key(struct config_parse *parse, const char *key, const char *value)
{
	struct rkd_estop_config *estop = &parse->config->estop;
	unsigned long long number;
	if (strcmp(key, "heartbeat") == 0) {
		if (strlen(value) >= sizeof(estop->heartbeat_path) || (*value && value[0] != '/'))
			return fail(parse, key, "wants the absolute path of rk_estop's heartbeat file "
			                        "(/sys/kernel/rk_estop/heartbeat), or nothing, got '%s'",
			            value), 0;
		snprintf(estop->heartbeat_path, sizeof(estop->heartbeat_path), "%s", value);
		estop->heartbeat_line = parse->line;
	} else if (strcmp(key, "heartbeat_ms") == 0) {
		if (parse_uint(value, HEARTBEAT_MS_MAX, &number) || number < HEARTBEAT_MS_MIN)
			return fail(parse, key, "wants a period in ms from %u to %u, got '%s'",
			            HEARTBEAT_MS_MIN, HEARTBEAT_MS_MAX, value), 0;
		estop->heartbeat_ms = (unsigned)number;
	} else {
		return fail(parse, key, "unknown key in [estop]; it knows " ESTOP_KEYS), 0;
	}
	return 1;
}

/* ---- the hardware hooks' devices: [iio DEVICE] and [uio DEVICE] ------- */

#define IIO_KEYS "trigger, channels"
#define UIO_KEYS "map, readable, writable"
#define DEVICE_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:/+@"
#define CHANNEL_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

/* DEVICE of a [iio DEVICE] / [uio DEVICE] header: 0, or fail() and -EINVAL. */
static int check_device_name(struct config_parse *parse, const char *kind, const char *device,
                             const char *key)
{
	if (*device && strlen(device) < RKD_DEVICE_NAME_LEN &&
	    strspn(device, DEVICE_NAME_CHARS) == strlen(device))
		return 0;
	fail(parse, key, "[%s %s]: DEVICE is the device as the program's SEC(\"%s/DEVICE\") names "
	                 "it, 1..%d characters without spaces",
	     kind, device, kind, RKD_DEVICE_NAME_LEN - 1);
	return -EINVAL;
}

/*
 * The [KIND DEVICE] entry for device among *count entries of entry_size
 * bytes at entries -- each starts with its device name and holds the line
 * of its section header at line_offset -- or a new, zeroed one.  NULL after
 * saying why: the section declared twice, a bad name, too many sections.
 * (One function for the iio and uio tables, whose entries differ after that.)
 */
static void *device_section_for(struct config_parse *parse, const char *kind,
                                const char *device, const char *key, void *entries,
                                size_t *count, size_t entry_size, size_t line_offset)
{
	for (size_t i = 0; i < *count; i++) {
		char *entry = (char *)entries + i * entry_size;
		if (strcmp(entry, device) != 0)
			continue;
		int first_line;
		memcpy(&first_line, entry + line_offset, sizeof(first_line));
		if (first_line != parse->section_line) {
			fail(parse, key, "[%s %s] is declared twice (first at line %d); give each device "
			                 "one section",
			     kind, device, first_line);
			return NULL;
		}
		return entry;
	}
	if (check_device_name(parse, kind, device, key))
		return NULL;
	if (*count == RKD_MAX_DEVICES) {
		fail(parse, key, "[%s %s]: more than %d [%s DEVICE] sections", kind, device,
		     RKD_MAX_DEVICES, kind);
		return NULL;
	}
	char *entry = (char *)entries + (*count)++ * entry_size;
	memset(entry, 0, entry_size);
	snprintf(entry, RKD_DEVICE_NAME_LEN, "%s", device);
	int line = parse->section_line ? parse->section_line : parse->line;
	memcpy(entry + line_offset, &line, sizeof(line));
	return entry;
}

_Static_assert(offsetof(struct rkd_iio_config, device) == 0 &&
                   offsetof(struct rkd_uio_config, device) == 0,
               "device_section_for() finds the device name at the start of an entry");

static struct rkd_iio_config *iio_for(struct config_parse *parse, const char *device,
                                      const char *key)
{
	struct rkd_config *config = parse->config;
	return device_section_for(parse, "iio", device, key, config->iio, &config->iio_count,
	                          sizeof(config->iio[0]),
	                          offsetof(struct rkd_iio_config, section_line));
}

static struct rkd_uio_config *uio_for(struct config_parse *parse, const char *device,
                                      const char *key)
{
	struct rkd_config *config = parse->config;
	return device_section_for(parse, "uio", device, key, config->uio, &config->uio_count,
	                          sizeof(config->uio[0]),
	                          offsetof(struct rkd_uio_config, section_line));
}

/* "voltage0, accel_x": names of [a-zA-Z0-9_-], none empty or repeated.  0 or -EINVAL. */
static int check_channel_list(struct config_parse *parse, const char *key, const char *value)
{
	const char *names[RKD_IIO_MAX_NAMED];
	size_t lens[RKD_IIO_MAX_NAMED];
	size_t count = 0;
	const char *at = value;
	for (;;) {
		at += strspn(at, " \t");
		size_t len = strcspn(at, ", \t");
		const char *after = at + len;
		after += strspn(after, " \t");
		if (len == 0 || (*after && *after != ',')) {
			fail(parse, key, "wants scan element names separated by commas (voltage0, "
			                 "accel_x: as in the device's scan_elements/, without in_ and "
			                 "_en), got '%s'",
			     value);
			return -EINVAL;
		}
		if (strspn(at, CHANNEL_NAME_CHARS) < len) {
			fail(parse, key, "'%.*s' is not a scan element name (letters, digits, _ and -)",
			     (int)len, at);
			return -EINVAL;
		}
		for (size_t i = 0; i < count; i++) {
			if (lens[i] == len && strncmp(names[i], at, len) == 0) {
				fail(parse, key, "'%.*s' is named twice", (int)len, at);
				return -EINVAL;
			}
		}
		if (count == RKD_IIO_MAX_NAMED) {
			fail(parse, key, "more than %d channels (a scan holds %d values and the "
			                 "timestamp)",
			     RKD_IIO_MAX_NAMED, RKD_IIO_MAX_NAMED - 1);
			return -EINVAL;
		}
		names[count] = at;
		lens[count++] = len;
		if (!*after)
			return 0;
		at = after + 1;
	}
}

static int handle_iio_key(struct config_parse *parse, const char *device, const char *key,
                          const char *value)
{
	struct rkd_iio_config *iio = iio_for(parse, device, key);
	if (!iio)
		return 0;
	if (strcmp(key, "trigger") == 0) {
		if (!*value || strlen(value) >= sizeof(iio->trigger) ||
		    strspn(value, DEVICE_NAME_CHARS) != strlen(value))
			return fail(parse, key, "wants an IIO trigger's name (as in /sys/bus/iio/devices/"
			                        "triggerN/name) or triggerN, 1..%zu characters, got '%s'",
			            sizeof(iio->trigger) - 1, value), 0;
		snprintf(iio->trigger, sizeof(iio->trigger), "%s", value);
		iio->trigger_line = parse->line;
	} else if (strcmp(key, "channels") == 0) {
		if (strlen(value) >= sizeof(iio->channels))
			return fail(parse, key, "longer than %zu characters", sizeof(iio->channels) - 1),
			       0;
		if (check_channel_list(parse, key, value))
			return 0;
		snprintf(iio->channels, sizeof(iio->channels), "%s", value);
		iio->channels_line = parse->line;
	} else {
		return fail(parse, key, "unknown key in [iio %s]; it knows " IIO_KEYS, device), 0;
	}
	return 1;
}

/* A number, hexadecimal with 0x: 0 or -EINVAL. */
static int parse_number(const char *value, unsigned long long *out)
{
	if (!isdigit((unsigned char)value[0]))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long number = strtoull(value, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = number;
	return 0;
}

/* "0x0-0x100" (END excluded, START < END): 0 or -EINVAL. */
static int parse_range(const char *value, unsigned long long *start, unsigned long long *end)
{
	const char *dash = strchr(value, '-');
	if (!dash || dash == value || (size_t)(dash - value) >= 32)
		return -EINVAL;
	char first[32];
	size_t len = (size_t)(dash - value);
	while (len && value[len - 1] == ' ')
		len--;
	snprintf(first, sizeof(first), "%.*s", (int)len, value);
	const char *second = dash + 1;
	while (*second == ' ')
		second++;
	if (parse_number(first, start) || parse_number(second, end) || *start >= *end)
		return -EINVAL;
	return 0;
}

static int handle_uio_key(struct config_parse *parse, const char *device, const char *key,
                          const char *value)
{
	struct rkd_uio_config *uio = uio_for(parse, device, key);
	if (!uio)
		return 0;
	unsigned long long number;
	if (strcmp(key, "map") == 0) {
		/* The kernel's UIO_MAX_MAPS is 5. */
		if (parse_uint(value, 4, &number))
			return fail(parse, key, "wants the map of /dev/uioN to reach, 0..4 (as in "
			                        "/sys/class/uio/uioN/maps/mapN), got '%s'",
			            value), 0;
		uio->map = (unsigned)number;
		uio->map_line = parse->line;
	} else if (strcmp(key, "readable") == 0 || strcmp(key, "writable") == 0) {
		unsigned long long start, end;
		if (parse_range(value, &start, &end))
			return fail(parse, key, "wants a byte range START-END of the map, END excluded "
			                        "and above START (0x0-0x100), got '%s'",
			            value), 0;
		if (key[0] == 'r') {
			uio->has_readable = true;
			uio->read_start = start;
			uio->read_end = end;
			uio->readable_line = parse->line;
		} else {
			uio->has_writable = true;
			uio->write_start = start;
			uio->write_end = end;
			uio->writable_line = parse->line;
		}
	} else {
		return fail(parse, key, "unknown key in [uio %s]; it knows " UIO_KEYS, device), 0;
	}
	return 1;
}

const struct rkd_iio_config *rkd_config_iio(const struct rkd_config *config, const char *device)
{
	for (size_t i = 0; i < config->iio_count; i++)
		if (strcmp(config->iio[i].device, device) == 0)
			return &config->iio[i];
	return NULL;
}

const struct rkd_uio_config *rkd_config_uio(const struct rkd_config *config, const char *device)
{
	for (size_t i = 0; i < config->uio_count; i++)
		if (strcmp(config->uio[i].device, device) == 0)
			return &config->uio[i];
	return NULL;
}

/* After the last line: what each actuator lacks, at its section's line. */
static void check_actuators(struct config_parse *parse)
{
	struct rkd_estop_config *estop = &parse->config->estop;
	for (size_t i = 0; i < estop->count && !parse->error_line; i++) {
		struct rkd_actuator *a = &estop->actuators[i];
		parse->line = a->section_line;
		if (a->type == RKD_ACTUATOR_NONE) {
			fail(parse, "type", "[actuator %s] has no type; add type = pwm or type = gpio",
			     a->name);
		} else if (!a->chip_line) {
			fail(parse, "chip", "[actuator %s] has no chip; add chip = %s", a->name,
			     a->type == RKD_ACTUATOR_PWM ? "pwmchip0 (as in /sys/class/pwm)"
			                                 : "gpiochip0 (or the chip's label)");
		} else if (!a->channel_line) {
			fail(parse, a->type == RKD_ACTUATOR_PWM ? "channel" : "line",
			     "[actuator %s] has no %s; add %s = N", a->name,
			     a->type == RKD_ACTUATOR_PWM ? "channel" : "line",
			     a->type == RKD_ACTUATOR_PWM ? "channel" : "line");
		} else if (a->type == RKD_ACTUATOR_PWM && !a->safe_disable && !a->has_safe_duty) {
			fail(parse, "safe", "[actuator %s] does not say what is safe; add safe = disable "
			                    "or safe_duty_ns = N",
			     a->name);
		} else if (a->type == RKD_ACTUATOR_GPIO && a->safe_level < 0) {
			fail(parse, "safe_level", "[actuator %s] does not say what is safe; add "
			                          "safe_level = 0 or 1",
			     a->name);
		}
		for (size_t j = 0; j < i && !parse->error_line; j++) {
			if (estop->actuators[j].bit != a->bit)
				continue;
			parse->line = a->bit_line ? a->bit_line : a->section_line;
			fail(parse, "bit", "[actuator %s] has bit %u, as [actuator %s] (line %d); give "
			                   "each actuator its own bit",
			     a->name, a->bit, estop->actuators[j].name, estop->actuators[j].section_line);
		}
	}
}

/* ---- per-program attach options: [program OBJECT/PROG] ---------------- */

#define PROGRAM_KEYS "pid, comm"

const struct rkd_program_opts *rkd_config_program(const struct rkd_config *config,
                                                  const char *object, const char *prog)
{
	for (size_t i = 0; i < config->programs.count; i++) {
		const struct rkd_program_opts *opts = &config->programs.entries[i];
		if (strcmp(opts->object, object) == 0 && strcmp(opts->program, prog) == 0)
			return opts;
	}
	return NULL;
}

static struct rkd_program_opts *program_for(struct config_parse *parse, const char *name,
                                            const char *key)
{
	struct rkd_program_config *programs = &parse->config->programs;
	const char *slash = strchr(name, '/');
	size_t object_len = slash ? (size_t)(slash - name) : 0;
	if (!slash || object_len == 0 || !slash[1] || strchr(slash + 1, '/') ||
	    strchr(name, ' ') || object_len >= RKD_PROGRAM_OBJECT_LEN ||
	    strlen(slash + 1) >= RKD_PROGRAM_NAME_LEN) {
		fail(parse, key, "[program %s]: the section names one program as OBJECT/PROGRAM "
		                 "(the object's file name without .o, the program's function name: "
		                 "[program motor_trace/motor_trace]; rkctl list shows both)",
		     name);
		return NULL;
	}
	for (size_t i = 0; i < programs->count; i++) {
		struct rkd_program_opts *opts = &programs->entries[i];
		if (strncmp(opts->object, name, object_len) != 0 || opts->object[object_len] ||
		    strcmp(opts->program, slash + 1) != 0)
			continue;
		if (opts->section_line != parse->section_line) {
			fail(parse, key, "[program %s] is declared twice (first at line %d); give each "
			                 "program one section",
			     name, opts->section_line);
			return NULL;
		}
		return opts;
	}
	if (programs->count == RKD_MAX_PROGRAM_OPTS) {
		fail(parse, key, "[program %s]: more than %d [program] sections", name,
		     RKD_MAX_PROGRAM_OPTS);
		return NULL;
	}
	struct rkd_program_opts *opts = &programs->entries[programs->count++];
	memset(opts, 0, sizeof(*opts));
	memcpy(opts->object, name, object_len);
	opts->object[object_len] = '\0';
	snprintf(opts->program, sizeof(opts->program), "%s", slash + 1);
	opts->section_line = parse->section_line ? parse->section_line : parse->line;
	return opts;
}

static int handle_program_key(struct config_parse *parse, const char *name, const char *key,
                              const char *value)
{
	struct rkd_program_opts *opts = program_for(parse, name, key);
	if (!opts)
		return 0;
	if (strcmp(key, "pid") == 0) {
		unsigned long long number;
		if (parse_uint(value, 4194304, &number) || number == 0)
			return fail(parse, key, "wants a process id (1..4194304), got '%s'; or name the "
			                        "process with comm = NAME",
			            value), 0;
		opts->pid = (int)number;
	} else if (strcmp(key, "comm") == 0) {
		if (!*value || strlen(value) >= RKD_COMM_LEN || strchr(value, '/'))
			return fail(parse, key, "wants a process name as /proc/PID/comm shows it (1..%d "
			                        "characters, no '/'), got '%s'",
			            RKD_COMM_LEN - 1, value), 0;
		snprintf(opts->comm, sizeof(opts->comm), "%s", value);
	} else {
		return fail(parse, key, "unknown key in [program %s]; it knows " PROGRAM_KEYS, name),
		       0;
	}
	if (opts->key_line) {
		/* One filter per program: a second pid or comm is a mistake, not an override. */
		return fail(parse, key, "[program %s] already has a process filter (line %d); give "
		                        "pid = N or comm = NAME, once",
		            name, opts->key_line), 0;
	}
	opts->key_line = parse->line;
	return 1;
}

static int handle_key(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *parse = user;
	struct rkd_config *config = parse->config;
	if (parse->error_line)
		return 1; /* only the first error is reported */
	if (strncmp(section, "actuator", strlen("actuator")) == 0 &&
	    (section[strlen("actuator")] == ' ' || section[strlen("actuator")] == '\0'))
		return handle_actuator_key(parse, section + strlen("actuator") +
		                                          (section[strlen("actuator")] == ' '),
		                           key, value);
	if (strcmp(section, "estop") == 0)
		return handle_estop_key(parse, key, value);
	if (strncmp(section, "iio ", 4) == 0)
		return handle_iio_key(parse, section + 4, key, value);
	if (strncmp(section, "uio ", 4) == 0)
		return handle_uio_key(parse, section + 4, key, value);
	if (strncmp(section, "program ", strlen("program ")) == 0)
		return handle_program_key(parse, section + strlen("program "), key, value);
	if (section[0] && strcmp(section, "rkd") != 0) {
		fail(parse, key, "in unknown section [%s]; rkd.conf has the sections [rkd], [estop] "
		                 "[actuator NAME] and [program OBJECT/PROG]",
		     section);
		return 0;
	}
	if (strcmp(key, "programs_dir") == 0) {
		if (!*value || strlen(value) >= sizeof(config->programs_dir)) {
			fail(parse, key, "wants a directory path, got '%s'", value);
			return 0;
		}
		snprintf(config->programs_dir, sizeof(config->programs_dir), "%s", value);
	} else if (strcmp(key, "socket") == 0) {
		if (!*value || strlen(value) >= sizeof(config->socket_path)) {
			fail(parse, key, "wants a socket path of 1..%zu characters, got '%s'",
			     sizeof(config->socket_path) - 1, value);
			return 0;
		}
		snprintf(config->socket_path, sizeof(config->socket_path), "%s", value);
	} else if (strcmp(key, "access_group") == 0) {
		if (parse_group(parse, key, value, config->access_group, &config->access_gid,
		                &config->access_gid_valid))
			return 0;
	} else if (strcmp(key, "admin_group") == 0) {
		if (parse_group(parse, key, value, config->admin_group, &config->admin_gid,
		                &config->admin_gid_valid))
			return 0;
	} else if (strcmp(key, "budget_bytes") == 0) {
		size_t bytes;
		if (parse_bytes(value, &bytes) || bytes < CONFIG_BUDGET_MIN ||
		    bytes > CONFIG_BUDGET_MAX) {
			fail(parse, key,
			     "wants a number of bytes from %u to %u (suffixes K, M, G), got '%s'",
			     CONFIG_BUDGET_MIN, CONFIG_BUDGET_MAX, value);
			return 0;
		}
		config->budget_bytes = bytes;
	} else if (strcmp(key, "tail_buffer_bytes") == 0) {
		size_t bytes;
		if (parse_bytes(value, &bytes) || bytes < CONFIG_TAIL_MIN || bytes > CONFIG_TAIL_MAX) {
			fail(parse, key,
			     "wants a number of bytes from %u to %u (suffixes K, M), got '%s'",
			     CONFIG_TAIL_MIN, CONFIG_TAIL_MAX, value);
			return 0;
		}
		config->tail_buffer_bytes = bytes;
	} else if (strcmp(key, "jit") == 0 || strcmp(key, "require_signature") == 0 ||
	           strcmp(key, "trust_attestation") == 0 ||
	           strcmp(key, "drop_capabilities") == 0) {
		bool *flag = strcmp(key, "jit") == 0                 ? &config->jit
		             : strcmp(key, "require_signature") == 0 ? &config->require_signature
		             : strcmp(key, "trust_attestation") == 0 ? &config->trust_attestation
		                                                     : &config->drop_capabilities;
		if (parse_bool(value, flag)) {
			fail(parse, key, "wants on or off, got '%s'", value);
			return 0;
		}
	} else if (strcmp(key, "trusted_keys_dir") == 0 || strcmp(key, "state_dir") == 0) {
		char *dir = strcmp(key, "state_dir") == 0 ? config->state_dir
		                                          : config->trusted_keys_dir;
		if (value[0] != '/' || strlen(value) >= PATH_MAX) {
			fail(parse, key, "wants an absolute directory path, got '%s'", value);
			return 0;
		}
		snprintf(dir, PATH_MAX, "%s", value);
	} else if (strcmp(key, "board_id") == 0) {
		if (strlen(value) >= sizeof(config->board_id) ||
		    strspn(value, CONFIG_BOARD_CHARS) != strlen(value)) {
			fail(parse, key, "wants at most %zu of A-Z a-z 0-9 _ . - + (empty: none), got '%s'",
			     sizeof(config->board_id) - 1, value);
			return 0;
		}
		snprintf(config->board_id, sizeof(config->board_id), "%s", value);
	} else if (strcmp(key, "socket_mode") == 0) {
		char *end;
		unsigned long mode = strtoul(value, &end, 8);
		if (!*value || *end || value[0] == '-' || value[0] == '+' || mode > 0777 ||
		    (mode & 0600) != 0600) {
			fail(parse, key, "wants an octal mode from 0600 to 0777 that lets root read "
			                 "and write, got '%s'", value);
			return 0;
		}
		config->socket_mode = (unsigned)mode;
	} else {
		fail(parse, key, "unknown key; rkd.conf knows " CONFIG_KNOWN_KEYS);
		return 0;
	}
	return 1;
}

/* ini_reader: one line per call, counted, so the handler knows where it is. */
static char *read_line(char *str, int num, void *stream)
{
	struct config_parse *parse = stream;
	size_t len = 0;
	bool too_long = false;
	int c;
	if (parse->file) {
		c = fgetc(parse->file);
		if (c == EOF)
			return NULL;
		while (c != EOF) {
			if ((int)len < num - 1)
				str[len++] = (char)c;
			else if (c != '\n')
				too_long = true;
			if (c == '\n')
				break;
			c = fgetc(parse->file);
		}
	} else {
		if (!*parse->text)
			return NULL;
		while (*parse->text) {
			c = (unsigned char)*parse->text++;
			if ((int)len < num - 1)
				str[len++] = (char)c;
			else if (c != '\n')
				too_long = true;
			if (c == '\n')
				break;
		}
	}
	str[len] = '\0';
	parse->line++;
	{
		const char *at = str;
		while (*at == ' ' || *at == '\t')
			at++;
		if (*at == '[')
			parse->section_line = parse->line;
	}
	if (too_long && !parse->error_line) {
		parse->error_line = parse->line;
		snprintf(parse->err, parse->err_len, "%s:%d: line longer than %d characters",
		         parse->name, parse->line, CONFIG_LINE_MAX - 2);
	}
	return str;
}

/* Signature keys that only make sense together, checked once every line is read. */
static int check_signature_keys(struct config_parse *parse)
{
	if (parse->config->trust_attestation && !parse->config->require_signature) {
		snprintf(parse->err, parse->err_len,
		         "%s: key 'trust_attestation': on needs require_signature = on (only a "
		         "signed verdict can replace rkd's verifier)",
		         parse->name);
		return -EINVAL;
	}
	return 0;
}

static int run_parse(struct config_parse *parse)
{
	snprintf(parse->config->estop.source, sizeof(parse->config->estop.source), "%s",
	         parse->name);
	snprintf(parse->config->source, sizeof(parse->config->source), "%s", parse->name);
	snprintf(parse->config->programs.source, sizeof(parse->config->programs.source), "%s",
	         parse->name);
	int rc = ini_parse_stream(read_line, parse, handle_key, parse);
	if (rc == 0 && !parse->error_line)
		check_actuators(parse);
	if (parse->error_line)
		return -EINVAL;
	if (rc == 0 && check_signature_keys(parse))
		return -EINVAL;
	if (rc > 0) {
		snprintf(parse->err, parse->err_len,
		         "%s:%d: syntax error: expected 'key = value', '[rkd]' or a comment (# or ;)",
		         parse->name, rc);
		return -EINVAL;
	}
	if (rc < 0) {
		snprintf(parse->err, parse->err_len, "%s: out of memory while parsing", parse->name);
		return -ENOMEM;
	}
	return 0;
}

int rkd_config_parse_string(const char *text, const char *name, struct rkd_config *config,
                            char *err, size_t err_len)
{
	struct config_parse parse = {.name = name, .config = config, .text = text, .err = err,
	                             .err_len = err_len};
	return run_parse(&parse);
}

int rkd_config_load(const char *path, struct rkd_config *config, char *err, size_t err_len)
{
	FILE *file = fopen(path, "r");
	if (!file) {
		int saved = errno;
		snprintf(err, err_len,
		         "%s: cannot read: %s; create it (a sample is config/rkd.conf in the rkBPF "
		         "sources) or give another with --config PATH",
		         path, strerror(saved));
		return -saved;
	}
	struct config_parse parse = {.name = path, .config = config, .file = file, .err = err,
	                             .err_len = err_len};
	int rc = run_parse(&parse);
	fclose(file);
	return rc;
}
