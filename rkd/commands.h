/*
 * commands.h - what each control request does (list, show, stats, load,
 * unload, map.*, tail), as a JSON answer.  Access was checked before: the
 * handlers only do the work.
 */
#ifndef RKD_COMMANDS_H
#define RKD_COMMANDS_H

#include <jansson.h>
#include <stdbool.h>

#include "daemon.h"
#include "protocol.h"

/*
 * Run req and return its answer (never NULL unless out of memory).
 * *subscribe is set when the connection is to become an event stream.
 */
json_t *rkd_command_run(struct rkd_daemon *daemon, const struct rkd_request *req,
                        bool *subscribe);

#endif
