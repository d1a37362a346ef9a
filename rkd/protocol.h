/*
 * protocol.h - rkd's control protocol, version 1 (docs/protocol.md):
 * newline-delimited JSON over a Unix socket.  A request is one line
 *     {"v":1,"id":7,"cmd":"map.get","object":"motor_guard","map":"limits","key":0}
 * and its answer one line
 *     {"v":1,"id":7,"ok":true,...}   or   {"v":1,"id":7,"ok":false,"error":"..."}
 * This file parses and classifies requests and builds answers; it knows
 * nothing of sockets or of what the commands do, so the unit tests drive it
 * alone.
 */
#ifndef RKD_PROTOCOL_H
#define RKD_PROTOCOL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define RKD_PROTOCOL_VERSION 1
/* A request longer than this (without its newline) is refused and the connection closed. */
#define RKD_REQUEST_MAX (64u * 1024)
#define RKD_PROTOCOL_ERR_LEN 512

enum rkd_access {
	RKD_ACCESS_READ,   /* root, access_group, admin_group */
	RKD_ACCESS_ADMIN,  /* root, admin_group */
};

struct rkd_command_info {
	const char *name;          /* "map.get" */
	enum rkd_access access;
	const char *args;          /* for the unknown-command message: "object, map, key" */
};

struct rkd_request {
	json_t *root;              /* owned: rkd_request_free() */
	json_int_t id;             /* echoed; 0 when the request had none */
	bool has_id;
	const struct rkd_command_info *command;
};

/*
 * Parse one request line (without its newline).  0, or -EINVAL with err
 * saying what is wrong ("not JSON: line 1 column 5: ...", "missing \"cmd\"",
 * "unknown cmd \"lst\"; known: ...", "unsupported version 2; this rkd speaks
 * version 1").  req->id is filled as soon as it is known, so that an error
 * answer can echo it.
 */
int rkd_request_parse(const char *line, size_t len, struct rkd_request *req, char *err,
                      size_t err_len);
void rkd_request_free(struct rkd_request *req);

/* Request arguments: NULL or the value; a wrong type is an error naming the field. */
int rkd_request_string(const struct rkd_request *req, const char *field, bool required,
                       const char **out, char *err, size_t err_len);

const struct rkd_command_info *rkd_command_find(const char *name);

/* {"v":1,"id":N,"ok":true}: the caller adds fields. */
json_t *rkd_response_ok(const struct rkd_request *req);
/* {"v":1,"id":N,"ok":false,"error":message}; req may be NULL (no id known). */
json_t *rkd_response_error(const struct rkd_request *req, const char *message);
/* A JSON string of text; bytes that are not UTF-8 become '?'. */
json_t *rkd_json_string_lossy(const char *text);
/*
 * One line, newline included, malloc'd (*len_out without the NUL); NULL on
 * out-of-memory.  Takes the reference to response.
 */
char *rkd_response_encode(json_t *response, size_t *len_out);

#endif
