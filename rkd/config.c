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
	"programs_dir, socket, access_group, admin_group, budget_bytes, jit, tail_buffer_bytes"

struct config_parse {
	const char *name;           /* the file, for messages */
	struct rkd_config *config;
	/* Line source: a string (tests) or a FILE. */
	const char *text;
	FILE *file;
	int line;                   /* the line the handler is looking at */
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

static int handle_key(void *user, const char *section, const char *key, const char *value)
{
	struct config_parse *parse = user;
	struct rkd_config *config = parse->config;
	if (parse->error_line)
		return 1; /* only the first error is reported */
	if (section[0] && strcmp(section, "rkd") != 0) {
		fail(parse, key, "in unknown section [%s]; rkd.conf has one section, [rkd]", section);
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
	} else if (strcmp(key, "jit") == 0) {
		if (parse_bool(value, &config->jit)) {
			fail(parse, key, "wants on or off, got '%s'", value);
			return 0;
		}
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
	if (too_long && !parse->error_line) {
		parse->error_line = parse->line;
		snprintf(parse->err, parse->err_len, "%s:%d: line longer than %d characters",
		         parse->name, parse->line, CONFIG_LINE_MAX - 2);
	}
	return str;
}

static int run_parse(struct config_parse *parse)
{
	int rc = ini_parse_stream(read_line, parse, handle_key, parse);
	if (parse->error_line)
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
