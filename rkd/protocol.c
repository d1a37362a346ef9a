/*
 * protocol.c - parse and classify control requests, build answers.  The
 * command table below is the one place that says which requests are
 * read-only and which need admin rights: adding a command starts here.
 */
#include "protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct rkd_command_info commands[] = {
	{"version", RKD_ACCESS_READ, ""},
	{"list", RKD_ACCESS_READ, ""},
	{"show", RKD_ACCESS_READ, "object"},
	{"stats", RKD_ACCESS_READ, "[object]"},
	{"tail", RKD_ACCESS_READ, ""},
	{"map.list", RKD_ACCESS_READ, "object"},
	{"map.dump", RKD_ACCESS_READ, "object, map"},
	{"map.get", RKD_ACCESS_READ, "object, map, key | key_hex"},
	{"estop.status", RKD_ACCESS_READ, ""},
	{"load", RKD_ACCESS_ADMIN, "path"},
	{"unload", RKD_ACCESS_ADMIN, "object"},
	{"map.set", RKD_ACCESS_ADMIN, "object, map, key | key_hex, value | value_hex"},
	{"map.delete", RKD_ACCESS_ADMIN, "object, map, key | key_hex"},
	{"attach", RKD_ACCESS_ADMIN, "object, program, [section]"},
	{"detach", RKD_ACCESS_ADMIN, "object, program"},
	{"estop.reset", RKD_ACCESS_ADMIN, ""},
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

const struct rkd_command_info *rkd_command_find(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void known_commands(char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < COMMAND_COUNT && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", commands[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int rkd_request_parse(const char *line, size_t len, struct rkd_request *req, char *err,
                      size_t err_len)
{
	memset(req, 0, sizeof(*req));
	if (len > RKD_REQUEST_MAX) {
		snprintf(err, err_len, "request of %zu bytes is longer than the %u-byte limit", len,
		         RKD_REQUEST_MAX);
		return -EINVAL;
	}
	json_error_t json_err;
	req->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &json_err);
	if (!req->root) {
		snprintf(err, err_len, "not JSON: column %d: %s; a request is one line like "
		                       "{\"v\":1,\"id\":1,\"cmd\":\"list\"}",
		         json_err.column, json_err.text);
		return -EINVAL;
	}
	if (!json_is_object(req->root)) {
		snprintf(err, err_len, "a request is a JSON object like {\"v\":1,\"id\":1,\"cmd\":\"list\"}");
		return -EINVAL;
	}
	json_t *id = json_object_get(req->root, "id");
	if (id) {
		if (!json_is_integer(id)) {
			snprintf(err, err_len, "\"id\" must be an integer");
			return -EINVAL;
		}
		req->id = json_integer_value(id);
		req->has_id = true;
	}
	json_t *version = json_object_get(req->root, "v");
	if (!version) {
		snprintf(err, err_len, "missing \"v\": this rkd speaks protocol version %d; send "
		                       "\"v\":%d",
		         RKD_PROTOCOL_VERSION, RKD_PROTOCOL_VERSION);
		return -EINVAL;
	}
	if (!json_is_integer(version) || json_integer_value(version) != RKD_PROTOCOL_VERSION) {
		char *text = json_dumps(version, JSON_ENCODE_ANY);
		snprintf(err, err_len, "unsupported protocol version %s; this rkd speaks version %d",
		         text ? text : "?", RKD_PROTOCOL_VERSION);
		free(text);
		return -EINVAL;
	}
	json_t *cmd = json_object_get(req->root, "cmd");
	if (!cmd || !json_is_string(cmd)) {
		snprintf(err, err_len, "%s \"cmd\": a request names its command, e.g. "
		                       "\"cmd\":\"list\"",
		         cmd ? "non-string" : "missing");
		return -EINVAL;
	}
	req->command = rkd_command_find(json_string_value(cmd));
	if (!req->command) {
		char known[512];
		known_commands(known, sizeof(known));
		snprintf(err, err_len, "unknown cmd \"%.64s\"; known: %s", json_string_value(cmd), known);
		return -EINVAL;
	}
	return 0;
}

void rkd_request_free(struct rkd_request *req)
{
	json_decref(req->root);
	req->root = NULL;
}

int rkd_request_string(const struct rkd_request *req, const char *field, bool required,
                       const char **out, char *err, size_t err_len)
{
	*out = NULL;
	json_t *value = json_object_get(req->root, field);
	if (!value) {
		if (!required)
			return 0;
		snprintf(err, err_len, "%s: missing \"%s\" (it takes: %s)", req->command->name, field,
		         req->command->args);
		return -EINVAL;
	}
	if (!json_is_string(value)) {
		snprintf(err, err_len, "%s: \"%s\" must be a string", req->command->name, field);
		return -EINVAL;
	}
	*out = json_string_value(value);
	return 0;
}

static json_t *response_base(const struct rkd_request *req, bool ok)
{
	json_t *response = json_object();
	if (!response)
		return NULL;
	json_object_set_new(response, "v", json_integer(RKD_PROTOCOL_VERSION));
	if (req && req->has_id)
		json_object_set_new(response, "id", json_integer(req->id));
	json_object_set_new(response, "ok", json_boolean(ok));
	return response;
}

json_t *rkd_response_ok(const struct rkd_request *req)
{
	return response_base(req, true);
}

/* Messages quote what clients sent, which need not be UTF-8: such bytes become '?'. */
json_t *rkd_json_string_lossy(const char *text)
{
	json_t *string = json_string(text);
	if (string)
		return string;
	char *copy = strdup(text);
	if (!copy)
		return NULL;
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	string = json_string(copy);
	free(copy);
	return string;
}

json_t *rkd_response_error(const struct rkd_request *req, const char *message)
{
	json_t *response = response_base(req, false);
	if (response)
		json_object_set_new(response, "error", rkd_json_string_lossy(message));
	return response;
}

char *rkd_response_encode(json_t *response, size_t *len_out)
{
	if (!response)
		return NULL;
	char *text = json_dumps(response, JSON_COMPACT);
	json_decref(response);
	if (!text)
		return NULL;
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	*len_out = len + 1;
	return line;
}
