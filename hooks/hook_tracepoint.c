/*
 * hook_tracepoint.c - tracepoints as perf events (PERF_TYPE_TRACEPOINT,
 * config = the id from tracefs events/SYS/NAME/id), one per CPU or per
 * thread of opts.pid.
 *
 * The context is the raw record (PERF_SAMPLE_RAW), common fields first,
 * exactly what the kernel hands a tracepoint BPF program; its length is
 * what the tracefs format file says (rk_tracepoint_record_size, the size
 * the verifier checked the program against).  The record is copied into
 * an aligned buffer: in the ring it sits after a u32 size, 4 bytes off
 * the alignment of its u64 fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_desc.h"
#include "hook_impl.h"

/* Room for a tracefs root + "/events/" + SYS/NAME + "/id". */
#define TRACEFS_ID_PATH_LEN (RK_HOOK_SYMBOL_LEN + 64)

static int tracepoint_decode(struct rk_hook *hook, const struct rk_perf_sample *sample,
                             struct rk_hook_event *event)
{
	if (!sample->raw || sample->raw_size < hook->record_size ||
	    sample->raw_size > hook->ctx_buf_len)
		return -1;
	memcpy(hook->ctx_buf, sample->raw, sample->raw_size);
	event->ctx = hook->ctx_buf;
	event->ctx_len = hook->record_size;
	return 0;
}

/* The tracepoint's id from tracefs: 0, or -errno with err. */
static int read_tracepoint_id(struct rk_hook *hook, char *err, size_t err_len)
{
	static const char *const roots[] = {RK_TRACEFS_PATH, RK_TRACEFS_DEBUGFS_PATH};
	int rc = -ENOENT;
	char path[TRACEFS_ID_PATH_LEN], text[32];
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i], hook->spec.symbol);
		rc = rk_read_text_file(path, text, sizeof(text));
		if (rc >= 0)
			break;
	}
	if (rc < 0)
		return rk_hook_err(hook, err, err_len, rc, "%s: %s", path, strerror(-rc));
	char *end;
	unsigned long id = strtoul(text, &end, 10);
	if (end == text || id > UINT32_MAX)
		return rk_hook_err(hook, err, err_len, -EPROTO, "%s: \"%s\" is not an id", path,
		                   text);
	hook->tracepoint_id = (uint32_t)id;
	return 0;
}

int rk_hook_tracepoint_open(struct rk_hook *hook, char *err, size_t err_len)
{
	const char *slash = strchr(hook->spec.symbol, '/');
	if (!slash || slash == hook->spec.symbol || !slash[1] || strchr(slash + 1, '/'))
		return rk_hook_err(hook, err, err_len, -EINVAL,
		                   "the tracepoint is not SYS/NAME (as in sched/sched_switch)");
	char sys[RK_HOOK_SYMBOL_LEN];
	memcpy(sys, hook->spec.symbol, (size_t)(slash - hook->spec.symbol));
	sys[slash - hook->spec.symbol] = '\0';
	char message[1024];
	/* Its messages tell a missing tracefs from a missing tracepoint. */
	int rc = rk_tracepoint_record_size(sys, slash + 1, &hook->record_size, message,
	                                   sizeof(message));
	if (rc)
		return rk_hook_err(hook, err, err_len, rc, "%s", message);
	rc = read_tracepoint_id(hook, err, err_len);
	if (rc)
		return rc;
	/* No raw record is longer than a perf record. */
	hook->ctx_buf_len = RK_PERF_RECORD_MAX;
	hook->ctx_buf = calloc(1, hook->ctx_buf_len);
	if (!hook->ctx_buf)
		return rk_hook_err(hook, err, err_len, -ENOMEM, "out of memory");
	hook->decode = tracepoint_decode;

	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = hook->tracepoint_id;
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW;
	return rk_hook_perf_open(hook, &attr, hook->opts.pid, 1, NULL, err, err_len);
}
