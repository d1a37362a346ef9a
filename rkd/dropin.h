/*
 * dropin.h - the drop-in directory (programs_dir): every *.o in it is
 * loaded at start; inotify then reports files finished (IN_CLOSE_WRITE) or
 * moved in (IN_MOVED_TO), which are loaded and swapped in, and files
 * removed or moved away, which are unloaded.  Names starting with '.' are
 * ignored, so `cp x.o .x.o.tmp && mv .x.o.tmp x.o` is an atomic install.
 */
#ifndef RKD_DROPIN_H
#define RKD_DROPIN_H

#include <stddef.h>

#include "daemon.h"

/* Load what is there and start watching.  0, or a negative errno with err. */
int rkd_dropin_start(struct rkd_daemon *daemon, char *err, size_t err_len);
void rkd_dropin_stop(struct rkd_daemon *daemon);

#endif
