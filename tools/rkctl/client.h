/*
 * client.h - rkctl's side of rkd's control protocol (docs/protocol.md):
 * connect to the socket, send one JSON request line, read one JSON answer
 * line.  Every failure is printed once, with what to do next; callers only
 * see NULL or -1.
 */
#ifndef RK_RKCTL_CLIENT_H
#define RK_RKCTL_CLIENT_H

#include <jansson.h>
#include <stdio.h>

#define RKCTL_DEFAULT_SOCKET "/run/rkd/rkd.sock"

struct rkctl_client {
	const char *socket_path;
	FILE *stream;           /* the connection, read and written */
	json_int_t next_id;
	char *line;             /* getline's buffer */
	size_t line_cap;
};

/* 0, or -1 after printing why ("rkd is not running: start it with ..."). */
int rkctl_client_connect(struct rkctl_client *client, const char *socket_path);
void rkctl_client_close(struct rkctl_client *client);

/*
 * Send request (the reference is taken; "v" and "id" are added) and return
 * the answer, or NULL after printing why.  An answer with "ok": false is
 * returned as is: rkctl_client_ok() says which.
 */
json_t *rkctl_client_request(struct rkctl_client *client, json_t *request);
/* The next line from rkd as JSON (tail), or NULL at end of stream or error. */
json_t *rkctl_client_read(struct rkctl_client *client);
/* The raw next line (tail --json); NULL at end of stream. */
const char *rkctl_client_read_line(struct rkctl_client *client);

/* true when answer says ok; else prints "rkctl CMD: ERROR" to stderr. */
int rkctl_client_ok(const json_t *answer, const char *what);

#endif
