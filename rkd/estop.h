/*
 * estop.h - rkd's emergency stop (docs/estop.md): the actuators rkd.conf
 * declares ([actuator NAME]), opened once at start-up, and the latch that
 * rk_emergency_stop(mask) trips.
 *
 * The one thing to know: everything the stop needs is opened by
 * rkd_estop_open() (the sysfs enable/duty_cycle files of each PWM channel,
 * each GPIO line requested as an output), so that rkd_estop_trip() -- run
 * inside the helper, on the program's path -- is a few write()s and ioctl()s
 * on descriptors already open: no allocation, no path lookup.  An actuator
 * that cannot be opened stops rkd from starting: an e-stop that cannot act
 * is worse than none.  Once tripped, the stop stays latched (further calls
 * act only on actuators not yet stopped) until rkd_estop_reset()
 * (`rkctl estop reset`).  rkd also heartbeats the kernel watchdog
 * (kmod/rk_estop) when [estop] heartbeat names its file.
 *
 * One rkd per process: the state is this file's, not the daemon struct's.
 */
#ifndef RKD_ESTOP_H
#define RKD_ESTOP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct rkd_daemon;

/*
 * Open every actuator and the heartbeat file of daemon->config.estop.
 * 0, or a negative errno with err "rkd.conf:LINE: key 'K': what is wrong"
 * (a chip that does not exist, a channel or line out of range, a line
 * another process holds).  Nothing configured: 0, nothing opened.
 */
int rkd_estop_open(struct rkd_daemon *daemon, char *err, size_t err_len);
/* Start heartbeating the kernel watchdog on daemon's loop (when configured). */
int rkd_estop_start(struct rkd_daemon *daemon, char *err, size_t err_len);
/* Stop the heartbeat timer (the watchdog then trips after its timeout). */
void rkd_estop_stop(void);
/* Release the lines and close the files (rkd exiting). */
void rkd_estop_close(void);

/* Actuators configured (0: rk_emergency_stop returns -ENOTSUP). */
size_t rkd_estop_count(void);

/*
 * The helper's path: stop the actuators in mask now and latch.  object and
 * program say who asked (kept for `estop status`).  0 once every actuator
 * named has been driven to safe (or already was), -ENOENT when mask names
 * no configured actuator (the stop is still recorded), -ENOTSUP with no
 * actuators, or the first write error (every other actuator is still
 * driven).  Emits an "emergency_stop" event.
 */
int rkd_estop_trip(struct rkd_daemon *daemon, const char *object, const char *program,
                   uint64_t mask);

/* `estop reset`: clear the latch; GPIO lines go back to their run level. 0 or -errno. */
int rkd_estop_reset(struct rkd_daemon *daemon, char *err, size_t err_len);

/* `estop status` as JSON (a new reference). */
json_t *rkd_estop_status_json(void);

#endif
