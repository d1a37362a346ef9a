/*
 * control.c - accept connections, read request lines, check access, run
 * them (commands.c), write answers; turn `tail` connections into event
 * subscribers.  See control.h for the limits that keep the loop safe.
 */
#define _GNU_SOURCE
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "commands.h"
#include "protocol.h"

#define LISTEN_BACKLOG 16
#define PROC_STATUS_LEN 4096

struct rkd_client;

struct rkd_control {
	struct rkd_daemon *daemon;
	uv_pipe_t server;
	bool listening;
	char path[RKD_SOCKET_PATH_MAX];
	struct rkd_client *clients;
	size_t client_count;
	/* Counters for `stats`. */
	uint64_t connections;
	uint64_t requests;
	uint64_t refused;           /* requests answered with a permission error */
	uint64_t malformed;         /* requests that did not parse */
	uint64_t tail_dropped;      /* tail clients dropped for falling behind */
};

struct pending_write {
	uv_write_t req;
	struct rkd_client *client;
	size_t len;
	char data[];
};

struct rkd_client {
	uv_pipe_t pipe;             /* first: the handle's address is the client's */
	struct rkd_control *control;
	struct rkd_client *next;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	bool can_read;
	bool can_admin;
	bool closing;
	bool close_after_writes;
	/* Requests: bytes read but not yet a whole line. */
	char in[RKD_REQUEST_MAX + 1];
	size_t in_len;
	bool discarding;            /* skipping input after an oversized request */
	/* Answers in flight, bounded by RKD_CLIENT_PENDING_MAX. */
	size_t pending_bytes;
	size_t pending_writes;
	/* Tail: a fixed buffer, one write in flight over its first tail_inflight bytes. */
	bool tailing;
	struct rkd_subscriber sub;
	char *tail_buf;
	size_t tail_cap;
	size_t tail_len;
	size_t tail_inflight;
	uv_write_t tail_req;
};

/* ---------------------------------------------------------------- */
/* Access                                                           */
/* ---------------------------------------------------------------- */

/* Is the peer process in group gid (primary or supplementary)? */
static bool in_group(const struct rkd_client *client, gid_t gid)
{
	if (client->gid == gid)
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)client->pid);
	FILE *file = fopen(path, "r");
	if (!file)
		return false;
	char line[PROC_STATUS_LEN];
	bool found = false;
	while (!found && fgets(line, sizeof(line), file)) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		char *cursor = line + 7, *end;
		for (;;) {
			unsigned long number = strtoul(cursor, &end, 10);
			if (end == cursor)
				break;
			if ((gid_t)number == gid)
				found = true;
			cursor = end;
		}
		break;
	}
	fclose(file);
	return found;
}

static void decide_access(struct rkd_client *client, const struct rkd_config *config)
{
	if (client->uid == 0) {
		client->can_read = client->can_admin = true;
		return;
	}
	client->can_admin = config->admin_gid_valid && in_group(client, config->admin_gid);
	client->can_read = client->can_admin ||
	                   (config->access_gid_valid && in_group(client, config->access_gid));
}

static void refusal(const struct rkd_client *client, const struct rkd_config *config,
                    const struct rkd_command_info *command, char *err, size_t err_len)
{
	if (command->access == RKD_ACCESS_ADMIN && client->can_read) {
		snprintf(err, err_len,
		         "permission denied: '%s' changes what runs and needs root%s%s%s (uid %u "
		         "may only make read-only requests)",
		         command->name, config->admin_gid_valid ? " or group '" : "",
		         config->admin_gid_valid ? config->admin_group : "",
		         config->admin_gid_valid ? "' (admin_group in rkd.conf)"
		                                 : " (or a group set as admin_group in rkd.conf)",
		         (unsigned)client->uid);
		return;
	}
	if (config->access_gid_valid)
		snprintf(err, err_len,
		         "permission denied: uid %u is neither root nor in group '%s' (access_group "
		         "in rkd.conf); run as root or add the user to that group",
		         (unsigned)client->uid, config->access_group);
	else
		snprintf(err, err_len,
		         "permission denied: uid %u is not root, and rkd.conf sets no access_group; "
		         "run as root or set access_group in rkd.conf",
		         (unsigned)client->uid);
}

/* ---------------------------------------------------------------- */
/* Writing                                                          */
/* ---------------------------------------------------------------- */

static void client_close(struct rkd_client *client);

static void on_pending_written(uv_write_t *req, int status)
{
	struct pending_write *pending = (struct pending_write *)req;
	struct rkd_client *client = pending->client;
	client->pending_bytes -= pending->len;
	client->pending_writes--;
	free(pending);
	if (status < 0 || (client->close_after_writes && client->pending_writes == 0))
		client_close(client);
}

/* Queue one answer line (copied). */
static void send_line(struct rkd_client *client, const char *line, size_t len)
{
	if (client->closing)
		return;
	if (client->pending_bytes + len > RKD_CLIENT_PENDING_MAX) {
		rkd_log("warning", "control: uid %u pid %d does not read its answers (%zu bytes "
		                   "pending); closing the connection",
		        (unsigned)client->uid, (int)client->pid, client->pending_bytes);
		client_close(client);
		return;
	}
	struct pending_write *pending = malloc(sizeof(*pending) + len);
	if (!pending) {
		client_close(client);
		return;
	}
	pending->client = client;
	pending->len = len;
	memcpy(pending->data, line, len);
	uv_buf_t buf = uv_buf_init(pending->data, (unsigned)len);
	int rc = uv_write(&pending->req, (uv_stream_t *)&client->pipe, &buf, 1, on_pending_written);
	if (rc) {
		free(pending);
		client_close(client);
		return;
	}
	client->pending_bytes += len;
	client->pending_writes++;
}

static void send_json(struct rkd_client *client, json_t *answer)
{
	size_t len;
	char *line = rkd_response_encode(answer, &len);
	if (!line) {
		static const char oom[] = "{\"v\":1,\"ok\":false,\"error\":\"rkd is out of memory\"}\n";
		send_line(client, oom, sizeof(oom) - 1);
		return;
	}
	send_line(client, line, len);
	free(line);
}

static void send_error(struct rkd_client *client, const struct rkd_request *req,
                       const char *message)
{
	send_json(client, rkd_response_error(req, message));
}

static void tail_flush(struct rkd_client *client);

static void on_tail_written(uv_write_t *req, int status)
{
	struct rkd_client *client = req->data;
	if (status < 0) {
		client->tail_inflight = 0;
		client_close(client);
		return;
	}
	memmove(client->tail_buf, client->tail_buf + client->tail_inflight,
	        client->tail_len - client->tail_inflight);
	client->tail_len -= client->tail_inflight;
	client->tail_inflight = 0;
	tail_flush(client);
}

static void tail_flush(struct rkd_client *client)
{
	if (client->closing || client->tail_inflight || client->tail_len == 0)
		return;
	client->tail_inflight = client->tail_len;
	uv_buf_t buf = uv_buf_init(client->tail_buf, (unsigned)client->tail_len);
	client->tail_req.data = client;
	if (uv_write(&client->tail_req, (uv_stream_t *)&client->pipe, &buf, 1, on_tail_written)) {
		client->tail_inflight = 0;
		client_close(client);
	}
}

/* Hot path: a copy into the preallocated buffer, never an allocation. */
static int tail_deliver(struct rkd_subscriber *sub, const char *line, size_t len)
{
	struct rkd_client *client = (struct rkd_client *)((char *)sub - offsetof(struct rkd_client, sub));
	if (client->closing)
		return 0;
	if (client->tail_len + len > client->tail_cap)
		return -ENOBUFS;
	memcpy(client->tail_buf + client->tail_len, line, len);
	client->tail_len += len;
	tail_flush(client);
	return 0;
}

static void tail_dropped(struct rkd_subscriber *sub)
{
	struct rkd_client *client = (struct rkd_client *)((char *)sub - offsetof(struct rkd_client, sub));
	client->control->tail_dropped++;
	rkd_log("warning", "tail: uid %u pid %d fell %zu bytes behind; dropped (counted in "
	                   "rkctl stats)",
	        (unsigned)client->uid, (int)client->pid, client->tail_len);
	client_close(client);
}

static int start_tail(struct rkd_client *client)
{
	size_t cap = client->control->daemon->config.tail_buffer_bytes;
	client->tail_buf = malloc(cap);
	if (!client->tail_buf)
		return -ENOMEM;
	client->tail_cap = cap;
	client->tailing = true;
	client->sub.deliver = tail_deliver;
	client->sub.dropped = tail_dropped;
	rkd_events_subscribe(&client->control->daemon->events, &client->sub);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Reading                                                          */
/* ---------------------------------------------------------------- */

static bool blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

static void handle_line(struct rkd_client *client, const char *line, size_t len)
{
	struct rkd_control *control = client->control;
	struct rkd_daemon *daemon = control->daemon;
	if (blank(line, len))
		return;
	control->requests++;
	struct rkd_request req;
	char err[RKD_PROTOCOL_ERR_LEN + 512];
	if (rkd_request_parse(line, len, &req, err, sizeof(err))) {
		control->malformed++;
		send_error(client, req.root ? &req : NULL, err);
		rkd_request_free(&req);
		return;
	}
	bool allowed = req.command->access == RKD_ACCESS_ADMIN ? client->can_admin
	                                                       : client->can_read;
	if (!allowed) {
		control->refused++;
		refusal(client, &daemon->config, req.command, err, sizeof(err));
		send_error(client, &req, err);
		rkd_request_free(&req);
		return;
	}
	if (client->tailing) {
		send_error(client, &req, "this connection is an event stream (tail); open another "
		                         "connection for requests");
		rkd_request_free(&req);
		return;
	}
	bool subscribe = false;
	json_t *answer = rkd_command_run(daemon, &req, &subscribe);
	if (subscribe && start_tail(client)) {
		json_decref(answer);
		answer = rkd_response_error(&req, "rkd is out of memory for another tail buffer");
		subscribe = false;
	}
	send_json(client, answer);
	rkd_request_free(&req);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct rkd_client *client = (struct rkd_client *)handle;
	(void)suggested;
	*buf = uv_buf_init(client->in + client->in_len,
	                   (unsigned)(sizeof(client->in) - client->in_len));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct rkd_client *client = (struct rkd_client *)stream;
	(void)buf;
	if (nread < 0) {
		/* EOF or error: answers still queued are flushed, then the connection closes. */
		uv_read_stop(stream);
		if (client->pending_writes && nread == UV_EOF)
			client->close_after_writes = true;
		else
			client_close(client);
		return;
	}
	client->in_len += (size_t)nread;
	size_t start = 0;
	for (size_t i = start; i < client->in_len && !client->closing; i++) {
		if (client->in[i] != '\n')
			continue;
		if (client->discarding)
			client->discarding = false;
		else
			handle_line(client, client->in + start, i - start);
		start = i + 1;
	}
	if (client->closing)
		return;
	memmove(client->in, client->in + start, client->in_len - start);
	client->in_len -= start;
	if (client->in_len == sizeof(client->in)) {
		/* A line longer than any request may be: refuse it, skip to its end. */
		if (!client->discarding) {
			client->control->malformed++;
			char err[160];
			snprintf(err, sizeof(err),
			         "request longer than %u bytes without a newline: refused (requests are "
			         "one line of JSON, at most %u bytes)",
			         RKD_REQUEST_MAX, RKD_REQUEST_MAX);
			send_error(client, NULL, err);
		}
		client->discarding = true;
		client->in_len = 0;
	}
}

/* ---------------------------------------------------------------- */
/* Connections                                                      */
/* ---------------------------------------------------------------- */

static void on_client_closed(uv_handle_t *handle)
{
	struct rkd_client *client = (struct rkd_client *)handle;
	free(client->tail_buf);
	free(client);
}

static void client_close(struct rkd_client *client)
{
	if (client->closing)
		return;
	client->closing = true;
	struct rkd_control *control = client->control;
	rkd_events_unsubscribe(&control->daemon->events, &client->sub);
	for (struct rkd_client **link = &control->clients; *link; link = &(*link)->next) {
		if (*link == client) {
			*link = client->next;
			control->client_count--;
			break;
		}
	}
	uv_close((uv_handle_t *)&client->pipe, on_client_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct rkd_control *control = server->data;
	if (status < 0) {
		rkd_log("error", "control: accept: %s", uv_strerror(status));
		return;
	}
	struct rkd_client *client = calloc(1, sizeof(*client));
	if (!client)
		return;
	client->control = control;
	uv_pipe_init(control->daemon->loop, &client->pipe, 0);
	if (uv_accept(server, (uv_stream_t *)&client->pipe)) {
		uv_close((uv_handle_t *)&client->pipe, on_client_closed);
		return;
	}
	client->next = control->clients;
	control->clients = client;
	control->client_count++;
	control->connections++;
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t cred_len = sizeof(cred);
	if (uv_fileno((uv_handle_t *)&client->pipe, &fd) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len)) {
		send_error(client, NULL, "cannot read the peer's credentials (SO_PEERCRED)");
		client->close_after_writes = true;
		return;
	}
	client->uid = cred.uid;
	client->gid = cred.gid;
	client->pid = cred.pid;
	decide_access(client, &control->daemon->config);
	if (control->client_count > RKD_MAX_CLIENTS) {
		char err[128];
		snprintf(err, sizeof(err), "rkd serves at most %d connections at once; try again "
		                           "when one closes",
		         RKD_MAX_CLIENTS);
		send_error(client, NULL, err);
		client->close_after_writes = true;
		return;
	}
	int rc = uv_read_start((uv_stream_t *)&client->pipe, on_alloc, on_read);
	if (rc)
		client_close(client);
}

/* A stale socket file from a crashed rkd is removed; a live one is an error. */
static int prepare_path(const char *path, char *err, size_t err_len)
{
	char dir[RKD_SOCKET_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			int saved = errno;
			snprintf(err, err_len, "socket %s: cannot create directory %s: %s", path, dir,
			         strerror(saved));
			return -saved;
		}
	}
	struct stat st;
	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, err_len, "socket %s: exists and is not a socket; remove it or set "
		                       "another socket path",
		         path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		struct sockaddr_un addr = {.sun_family = AF_UNIX};
		snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
		int connected = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
		close(fd);
		if (connected) {
			snprintf(err, err_len, "socket %s: another rkd is listening there; stop it or "
			                       "give this one another --socket",
			         path);
			return -EADDRINUSE;
		}
	}
	unlink(path);
	return 0;
}

int rkd_control_start(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	struct rkd_control *control = calloc(1, sizeof(*control));
	if (!control) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	control->daemon = daemon;
	snprintf(control->path, sizeof(control->path), "%s", daemon->config.socket_path);
	int rc = prepare_path(control->path, err, err_len);
	if (rc) {
		free(control);
		return rc;
	}
	uv_pipe_init(daemon->loop, &control->server, 0);
	control->server.data = control;
	daemon->control = control;
	rc = uv_pipe_bind(&control->server, control->path);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&control->server, LISTEN_BACKLOG, on_connection);
	if (rc) {
		snprintf(err, err_len, "socket %s: %s", control->path, uv_strerror(rc));
		return -EIO;
	}
	control->listening = true;
	/*
	 * By default anyone may connect: access is decided per request from
	 * SO_PEERCRED, so that a refused user gets a message saying why instead
	 * of EACCES.  socket_mode narrows that; the socket's group is then the
	 * access_group (else the admin_group), so that those members still
	 * connect.
	 */
	const struct rkd_config *config = &daemon->config;
	gid_t group = config->access_gid_valid ? config->access_gid
	              : config->admin_gid_valid ? config->admin_gid
	                                        : (gid_t)-1;
	if ((group != (gid_t)-1 && chown(control->path, (uid_t)-1, group)) ||
	    chmod(control->path, config->socket_mode)) {
		int saved = errno;
		snprintf(err, err_len, "socket %s: cannot set its group and mode %04o: %s",
		         control->path, config->socket_mode, strerror(saved));
		return -saved;
	}
	return 0;
}

static void on_server_closed(uv_handle_t *handle)
{
	free(handle->data);
}

void rkd_control_stop(struct rkd_daemon *daemon)
{
	struct rkd_control *control = daemon->control;
	if (!control)
		return;
	while (control->clients)
		client_close(control->clients);
	if (control->listening)
		unlink(control->path);
	uv_close((uv_handle_t *)&control->server, on_server_closed);
	daemon->control = NULL;
}

void rkd_control_add_stats(struct rkd_daemon *daemon, json_t *stats)
{
	struct rkd_control *control = daemon->control;
	if (!control)
		return;
	json_t *socket = json_object();
	json_object_set_new(socket, "path", json_string(control->path));
	json_object_set_new(socket, "clients", json_integer((json_int_t)control->client_count));
	json_object_set_new(socket, "connections", json_integer((json_int_t)control->connections));
	json_object_set_new(socket, "requests", json_integer((json_int_t)control->requests));
	json_object_set_new(socket, "malformed", json_integer((json_int_t)control->malformed));
	json_object_set_new(socket, "refused", json_integer((json_int_t)control->refused));
	json_object_set_new(socket, "tail_dropped", json_integer((json_int_t)control->tail_dropped));
	json_object_set_new(stats, "socket", socket);
}
