/*
 * client.c - a blocking Unix-socket client for rkd: one request, one answer
 * line; or, after "tail", a stream of event lines.
 */
#define _GNU_SOURCE
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int rkctl_client_connect(struct rkctl_client *client, const char *socket_path)
{
	memset(client, 0, sizeof(*client));
	client->socket_path = socket_path ? socket_path : RKCTL_DEFAULT_SOCKET;
	client->next_id = 1;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(client->socket_path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "rkctl: --socket %s: longer than %zu characters\n",
		        client->socket_path, sizeof(addr.sun_path) - 1);
		return -1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", client->socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "rkctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		int saved = errno;
		close(fd);
		if (saved == ENOENT || saved == ECONNREFUSED)
			fprintf(stderr,
			        "rkctl: rkd is not running (nothing listens on %s): start it with "
			        "`rkd --foreground` (or `systemctl start rkd`), or give its socket with "
			        "--socket PATH\n",
			        client->socket_path);
		else if (saved == EACCES || saved == EPERM)
			fprintf(stderr,
			        "rkctl: cannot connect to %s: permission denied; run as root or as a "
			        "member of rkd's access_group\n",
			        client->socket_path);
		else
			fprintf(stderr, "rkctl: cannot connect to rkd at %s: %s\n", client->socket_path,
			        strerror(saved));
		return -1;
	}
	client->stream = fdopen(fd, "r+");
	if (!client->stream) {
		close(fd);
		fprintf(stderr, "rkctl: out of memory\n");
		return -1;
	}
	return 0;
}

void rkctl_client_close(struct rkctl_client *client)
{
	if (client->stream)
		fclose(client->stream);
	free(client->line);
	memset(client, 0, sizeof(*client));
}

const char *rkctl_client_read_line(struct rkctl_client *client)
{
	ssize_t len = getline(&client->line, &client->line_cap, client->stream);
	if (len <= 0)
		return NULL;
	return client->line;
}

json_t *rkctl_client_read(struct rkctl_client *client)
{
	const char *line = rkctl_client_read_line(client);
	if (!line)
		return NULL;
	json_error_t err;
	json_t *json = json_loads(line, 0, &err);
	if (!json)
		fprintf(stderr, "rkctl: rkd sent a line that is not JSON (%s); is %s really rkd's "
		                "socket?\n",
		        err.text, client->socket_path);
	return json;
}

json_t *rkctl_client_request(struct rkctl_client *client, json_t *request)
{
	if (!request) {
		fprintf(stderr, "rkctl: out of memory\n");
		return NULL;
	}
	json_object_set_new(request, "v", json_integer(1));
	json_object_set_new(request, "id", json_integer(client->next_id++));
	char *text = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	if (!text) {
		fprintf(stderr, "rkctl: cannot encode the request (not UTF-8?)\n");
		return NULL;
	}
	int failed = fprintf(client->stream, "%s\n", text) < 0 || fflush(client->stream) != 0;
	free(text);
	if (failed) {
		fprintf(stderr, "rkctl: cannot send to rkd at %s: %s\n", client->socket_path,
		        strerror(errno));
		return NULL;
	}
	json_t *answer = rkctl_client_read(client);
	if (!answer && feof(client->stream))
		fprintf(stderr, "rkctl: rkd closed the connection without answering; see its log "
		                "(journalctl -u rkd, or its stderr)\n");
	return answer;
}

int rkctl_client_ok(const json_t *answer, const char *what)
{
	if (json_is_true(json_object_get(answer, "ok")))
		return 1;
	const char *error = json_string_value(json_object_get(answer, "error"));
	fprintf(stderr, "rkctl %s: %s\n", what, error ? error : "rkd refused (no message)");
	return 0;
}
