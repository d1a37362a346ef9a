/*
 * control.h - the control socket: a Unix stream socket speaking the
 * protocol of protocol.h, one request per line.  Access is decided per
 * request from the peer's credentials (SO_PEERCRED): root may do anything,
 * members of admin_group too, members of access_group may make read-only
 * requests; anyone else gets a precise refusal.
 *
 * The one thing to know: no client can hurt the loop.  Requests are capped
 * at RKD_REQUEST_MAX bytes; answers are queued without bound only up to
 * RKD_CLIENT_PENDING_MAX; a `tail` client gets a fixed buffer of
 * tail_buffer_bytes and is dropped (counted) when it falls behind.
 */
#ifndef RKD_CONTROL_H
#define RKD_CONTROL_H

#include <jansson.h>
#include <stddef.h>

#include "daemon.h"

#define RKD_MAX_CLIENTS 64
#define RKD_CLIENT_PENDING_MAX (16u * 1024 * 1024)

/* Bind and listen on config.socket_path.  0, or a negative errno with err. */
int rkd_control_start(struct rkd_daemon *daemon, char *err, size_t err_len);
/* Close the listener and every client; removes the socket file. */
void rkd_control_stop(struct rkd_daemon *daemon);
/* Add the socket's counters to a stats answer. */
void rkd_control_add_stats(struct rkd_daemon *daemon, json_t *stats);

#endif
