/*
 * daemon.h - the one rkd instance: its loop, config, loaded objects, event
 * stream and control socket.  One thread owns all of it (ARCHITECTURE.md):
 * every callback runs on the loop, so nothing here is locked.
 */
#ifndef RKD_DAEMON_H
#define RKD_DAEMON_H

#include <stdbool.h>
#include <uv.h>

#include "config.h"
#include "events.h"
#include "rkbpf.h"

struct rkd_object;
struct rkd_control;
struct rkd_dropin;
struct rkd_signing;

struct rkd_daemon {
	uv_loop_t *loop;
	struct rkd_config config;
	/* The CO-RE target while loads happen (kernel_btf.c); NULL when idle. */
	struct rk_btf *kernel_btf;
	bool kernel_btf_failed;            /* unreadable: said once, not retried */
	uv_timer_t kernel_btf_timer;       /* frees kernel_btf after a burst of loads */
	struct rkd_events events;
	struct rkd_object *objects;        /* loaded or failed, by name */
	struct rkd_control *control;
	struct rkd_dropin *dropin;
	struct rkd_signing *signing;      /* NULL unless require_signature = on */
	bool stopping;
	uint64_t started_ns;
	/* Objects whose handles are still closing: freed from their close callbacks. */
	size_t closing_objects;
};

/* Log one line to stderr (foreground) or syslog, prefixed by the level. */
void rkd_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rkd_log_use_syslog(void);

#endif
