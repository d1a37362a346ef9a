/*
 * log.c - one line per message: stderr in the foreground, syslog (the
 * journal) once rkd has detached.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "daemon.h"

static bool use_syslog;

void rkd_log_use_syslog(void)
{
	openlog("rkd", LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

void rkd_log(const char *level, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (use_syslog) {
		int priority = strcmp(level, "error") == 0     ? LOG_ERR
		               : strcmp(level, "warning") == 0 ? LOG_WARNING
		                                               : LOG_INFO;
		syslog(priority, "%s", line);
		return;
	}
	fprintf(stderr, "rkd: %s: %s\n", level, line);
}
