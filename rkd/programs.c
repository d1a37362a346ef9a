/*
 * programs.c - the life of a loaded object: read, load (CO-RE against the
 * kernel's BTF), verify each program against its section's context,
 * compile, open its hook (disabled), carry maps over from the version it
 * replaces, start, and only then stop the old version.  Events run programs
 * from the poll callbacks; see programs.h for the rules.
 */
#define _GNU_SOURCE
#include "programs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/btf.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tools/common/file_io.h"
#include "estop.h"
#include "kernel_btf.h"
#include "signing.h"

/* The ring-buffer record type is found by name; see docs/rkd.md "Events". */
#define RECORD_TYPE_NAME_LEN (RK_MAP_NAME_LEN + 16)

struct drain_ctx {
	struct rkd_object *object;
	const struct rk_map_def *def;
	uint32_t record_type;
	uint64_t time_ns;
};

struct rkd_object *rkd_object_find(struct rkd_daemon *daemon, const char *name)
{
	for (struct rkd_object *object = daemon->objects; object; object = object->next)
		if (strcmp(object->name, name) == 0)
			return object;
	return NULL;
}

int rkd_object_name_from_path(const char *path, char *name, size_t name_len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	if (len > 2 && strcmp(base + len - 2, ".o") == 0)
		len -= 2;
	if (len == 0 || len >= name_len)
		return -EINVAL;
	memcpy(name, base, len);
	name[len] = '\0';
	return 0;
}

size_t rkd_objects_memory_used(const struct rkd_daemon *daemon)
{
	size_t used = 0;
	for (const struct rkd_object *object = daemon->objects; object; object = object->next)
		if (object->obj)
			used += rk_obj_budget(object->obj)->used;
	return used;
}

/* ---------------------------------------------------------------- */
/* Host services for the helpers (hot path: nothing allocates)      */
/* ---------------------------------------------------------------- */

static uint64_t event_time(const struct rkd_prog *p)
{
	return p->event ? p->event->time_ns : rkd_now_ns();
}

static void env_print(void *host, const struct rk_prog *prog, const char *line, size_t len)
{
	struct rkd_prog *p = host;
	rkd_events_print(&p->object->daemon->events, event_time(p), p->object->name,
	                 rk_prog_name(prog), line, len);
}

static int env_perf_output(void *host, const struct rk_prog *prog, uint64_t flags,
                           const void *data, size_t size)
{
	struct rkd_prog *p = host;
	(void)flags;
	rkd_events_perf_output(&p->object->daemon->events, event_time(p), p->object->name,
	                       rk_prog_name(prog), data, size);
	return 0;
}

static int env_read_user(void *host, void *dst, size_t size, uint64_t user_addr)
{
	struct rkd_prog *p = host;
	if (!p->event) {
		memset(dst, 0, size);
		return -EFAULT;
	}
	return rk_hook_read_user(p->event, dst, size, user_addr);
}

static int env_emergency_stop(void *host, const struct rk_prog *prog, uint64_t mask)
{
	struct rkd_prog *p = host;
	/* The actuators first (estop.c: nothing allocates before they are safe). */
	if (rkd_estop_count())
		return rkd_estop_trip(p->object->daemon, p->object->name, rk_prog_name(prog), mask);
	char message[128];
	snprintf(message, sizeof(message),
	         "%s asked for an emergency stop of actuators 0x%llx; no actuators are configured",
	         rk_prog_name(prog), (unsigned long long)mask);
	rkd_events_notice(&p->object->daemon->events, p->object->name, "emergency_stop", message);
	return -ENOTSUP;
}

/* rk_sensor_last_timestamp(N): the latest scan of iio:deviceN (hooks/hook_iio.c). */
static int env_sensor_timestamp(void *host, uint32_t sensor_id, uint64_t *timestamp_ns)
{
	(void)host;
	return rk_hook_sensor_timestamp(sensor_id, timestamp_ns);
}

/* rk_uio_read / rk_uio_write: the register window of the program's uio/ hook. */
static int env_device_io(void *host, const struct rk_prog *prog, uint64_t offset, void *buf,
                         uint32_t size, int write)
{
	struct rkd_prog *p = host;
	(void)prog;
	return rk_hook_device_io(p->hook, offset, buf, size, write);
}

/* [iio DEVICE] and [uio DEVICE] of rkd.conf into the hook's options (read at open only). */
static void device_opts(const struct rkd_config *config, const struct rk_hook_spec *spec,
                        struct rk_hook_opts *opts, struct rk_hook_iio_opts *iio,
                        struct rk_hook_uio_opts *uio)
{
	const char *file = config->source[0] ? config->source : "rkd.conf";
	if (spec->kind == RK_HOOK_IIO) {
		const struct rkd_iio_config *c = rkd_config_iio(config, spec->path);
		if (!c)
			return;
		*iio = (struct rk_hook_iio_opts){.file = file, .trigger = c->trigger,
		                                 .trigger_line = c->trigger_line,
		                                 .channels = c->channels,
		                                 .channels_line = c->channels_line};
		opts->iio = iio;
	} else if (spec->kind == RK_HOOK_UIO) {
		const struct rkd_uio_config *c = rkd_config_uio(config, spec->path);
		if (!c)
			return;
		*uio = (struct rk_hook_uio_opts){
			.file = file, .map = c->map,
			.read_start = c->has_readable ? c->read_start : 0,
			.read_end = c->has_readable ? c->read_end : RK_HOOK_UIO_MAP_END,
			.write_start = c->has_writable ? c->write_start : 0,
			.write_end = c->has_writable ? c->write_end : 0,
			.map_line = c->map_line ? c->map_line : c->section_line,
			.readable_line = c->readable_line ? c->readable_line : c->section_line,
			.writable_line = c->writable_line ? c->writable_line : c->section_line};
		opts->uio = uio;
	}
}

/*
 * An iio/ program returned non-zero: the scan goes to the event stream, as a
 * "ringbuf" record whose "map" is the section, decoded through the object's
 * BTF of struct rk_iio_scan (include/rkbpf/rkbpf_hw.h) when it has one.
 */
static void forward_iio_scan(struct rkd_prog *p, const struct rk_hook_event *event)
{
	const struct rk_btf *btf = rk_obj_btf(p->object->obj);
	int64_t type_id = btf ? rk_btf_find(btf, "rk_iio_scan", BTF_KIND_STRUCT) : 0;
	rkd_events_ringbuf(&p->object->daemon->events, event->time_ns, p->object->name,
	                   rk_prog_section(p->prog), btf, type_id > 0 ? (uint32_t)type_id : 0,
	                   event->ctx, event->ctx_len);
}

static int on_record(void *fn_ctx, const void *data, size_t size)
{
	struct drain_ctx *drain = fn_ctx;
	rkd_events_ringbuf(&drain->object->daemon->events, drain->time_ns, drain->object->name,
	                   drain->def->name, rk_obj_btf(drain->object->obj), drain->record_type,
	                   data, size);
	return 0;
}

static void drain_ring_buffers(struct rkd_object *object)
{
	struct drain_ctx drain = {.object = object, .time_ns = rkd_now_ns()};
	for (size_t i = 0; i < rk_obj_map_count(object->obj); i++) {
		struct rk_map *map = rk_obj_map(object->obj, i);
		drain.def = rk_map_def(map);
		if (drain.def->type != RK_MAP_RINGBUF)
			continue;
		drain.record_type = object->record_types[i];
		rk_ringbuf_consume(map, on_record, &drain);
	}
}

static void on_hook_event(void *user, const struct rk_hook_event *event)
{
	struct rkd_prog *p = user;
	struct rk_run_opts opts = {.mode = p->mode, .env = &p->env, .meta = &event->meta};
	struct rk_run_result result;
	p->event = event;
	uint64_t start = rkd_now_ns();
	int rc = rk_prog_run(p->prog, event->ctx, event->ctx_len, &opts, &result);
	p->run_ns += rkd_now_ns() - start;
	p->event = NULL;
	p->runs++;
	if (rc) {
		/* The verifier accepted it: a stop here is a bug, counted and kept for `show`. */
		p->failures++;
		snprintf(p->last_failure, sizeof(p->last_failure), "%s: %s",
		         rk_stop_name(result.stop), result.message);
	} else if (result.retval && strncmp(rk_prog_section(p->prog), "iio/", 4) == 0) {
		forward_iio_scan(p, event);
	}
}

static void poll_hung_up(struct rkd_prog *p, uv_poll_t *handle);

/* POLLHUP on fd: a perf event of a process (or thread) that exited. */
static bool fd_hung_up(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP);
}

static void on_poll(uv_poll_t *handle, int status, int events)
{
	struct rkd_prog *p = handle->data;
	(void)events;
	if (status < 0) {
		/*
		 * libuv reports POLLERR as UV_EBADF and stops the handle: a removed
		 * UIO device does that (the kernel answers its pollers with EIO).
		 * The hook tells a removal (-ENODEV) from anything else.
		 */
		uv_os_fd_t bad;
		if (status == UV_EBADF && uv_fileno((uv_handle_t *)handle, &bad) == 0 &&
		    rk_hook_drain(p->hook, bad, on_hook_event, p) == -ENODEV) {
			char message[512];
			snprintf(message, sizeof(message),
			         "%s: %s: %s (the device was removed; the program gets no more events)",
			         rk_prog_name(p->prog), rk_hook_describe(p->hook), strerror(ENODEV));
			rkd_log("error", "%s: drain: %s", p->object->name, message);
			rkd_events_notice(&p->object->daemon->events, p->object->name, "hook_error",
			                  message);
			uv_poll_stop(handle);
			return;
		}
		rkd_log("error", "%s: %s: poll: %s", p->object->name, rk_prog_name(p->prog),
		        uv_strerror(status));
		return;
	}
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)handle, &fd) != 0)
		return;
	int rc = rk_hook_drain(p->hook, fd, on_hook_event, p);
	if (rc < 0) {
		char message[512];
		snprintf(message, sizeof(message), "%s: %s: %s%s", rk_prog_name(p->prog),
		         rk_hook_describe(p->hook), strerror(-rc),
		         rc == -ENODEV ? " (the device was removed; the program gets no more events)"
		                       : "");
		rkd_log("error", "%s: drain: %s", p->object->name, message);
		rkd_events_notice(&p->object->daemon->events, p->object->name, "hook_error", message);
		/* A device that went away stays away: stop polling it rather than spin. */
		if (rc == -ENODEV)
			uv_poll_stop(handle);
	}
	drain_ring_buffers(p->object);
	/*
	 * Readable with nothing to read: the fd hung up (the traced process
	 * exited; epoll keeps reporting it).  What it held was drained by the
	 * call that emptied it: stop polling it rather than spin.
	 */
	if (rc == 0 && fd_hung_up(fd))
		poll_hung_up(p, handle);
}

/* ---------------------------------------------------------------- */
/* Building an object                                               */
/* ---------------------------------------------------------------- */

/* The record type of ring buffer `name`: struct NAME, NAME minus a plural s, NAME_event, event. */
static uint32_t find_record_type(const struct rk_btf *btf, const char *name)
{
	if (!btf)
		return 0;
	char candidates[4][RECORD_TYPE_NAME_LEN];
	size_t len = strlen(name);
	snprintf(candidates[0], sizeof(candidates[0]), "%s", name);
	snprintf(candidates[1], sizeof(candidates[1]), "%.*s", (int)(len > 1 ? len - 1 : len),
	         name);
	snprintf(candidates[2], sizeof(candidates[2]), "%s_event", name);
	snprintf(candidates[3], sizeof(candidates[3]), "event");
	for (size_t i = 0; i < 4; i++) {
		if (i == 1 && (len < 2 || name[len - 1] != 's'))
			continue;
		int64_t id = rk_btf_find(btf, candidates[i], BTF_KIND_STRUCT);
		if (id > 0)
			return (uint32_t)id;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Attach points: a hook and its poll handles                       */
/* ---------------------------------------------------------------- */

/*
 * A hook's poll handles live in one block that also knows how to free
 * itself, so that a hook replaced by rkctl attach (or detached) is closed
 * asynchronously, as libuv wants, without any allocation at that moment.
 */
struct poll_block {
	struct rkd_daemon *daemon;
	struct rk_hook *hook;        /* set when retired: closed once every poll is */
	size_t pending;              /* retired: polls still closing */
	uv_poll_t polls[];
};

static struct poll_block *block_of(uv_poll_t *polls)
{
	return (struct poll_block *)(void *)((char *)polls - offsetof(struct poll_block, polls));
}

static void polls_free(uv_poll_t *polls)
{
	if (polls)
		free(block_of(polls));
}

/* A hook opened for a program, not yet installed in it. */
struct attachment {
	struct rk_hook *hook;
	uv_poll_t *polls;            /* in a poll_block */
	size_t poll_count;
	int pid;
	bool has_target_file;
	dev_t target_dev;
	ino_t target_ino;
};

static void on_retired_closed(uv_handle_t *handle)
{
	struct poll_block *block = handle->data;
	if (--block->pending)
		return;
	block->daemon->closing_objects--;
	rk_hook_close(block->hook);
	free(block);
}

/*
 * Stop and close a hook with its polls (the polls must be initialised).
 * With run_for, what is still in its rings runs that program first, so that
 * moving a program loses no event.
 */
static void retire_attachment(struct rkd_daemon *daemon, struct attachment *att,
                              struct rkd_prog *run_for)
{
	if (att->hook) {
		rk_hook_stop(att->hook);
		if (run_for) {
			const int *fds;
			size_t fd_count = rk_hook_fds(att->hook, &fds);
			for (size_t i = 0; i < fd_count; i++)
				rk_hook_drain(att->hook, fds[i], on_hook_event, run_for);
			drain_ring_buffers(run_for->object);
			struct rk_hook_stats stats;
			rk_hook_get_stats(att->hook, &stats);
			run_for->earlier_hook_events += stats.events;
			run_for->earlier_hook_lost += stats.lost;
		}
	}
	if (!att->polls || att->poll_count == 0) {
		rk_hook_close(att->hook);
		polls_free(att->polls);
	} else {
		struct poll_block *block = block_of(att->polls);
		block->hook = att->hook;
		block->pending = att->poll_count;
		daemon->closing_objects++;
		for (size_t i = 0; i < att->poll_count; i++) {
			att->polls[i].data = block;
			uv_close((uv_handle_t *)&att->polls[i], on_retired_closed);
		}
	}
	memset(att, 0, sizeof(*att));
}

/* What a program of this kind of hook gets in r1, as a kind: a program moves only within one. */
static const char *context_kind(enum rk_hook_kind kind)
{
	switch (kind) {
	case RK_HOOK_UPROBE:
	case RK_HOOK_URETPROBE:
	case RK_HOOK_KPROBE:
	case RK_HOOK_KRETPROBE:
		return "struct pt_regs";
	case RK_HOOK_TRACEPOINT:
		return "a tracepoint record";
	case RK_HOOK_TIMER:
		return "no context (a timer)";
	case RK_HOOK_GPIO:
		return "struct rk_gpio_event";
	case RK_HOOK_IIO:
		return "struct rk_iio_scan";
	case RK_HOOK_PWM:
		return "struct rk_pwm_event";
	case RK_HOOK_UIO:
		return "struct rk_uio_event";
	}
	return "an unknown context";
}

/*
 * A program built for its SEC()'s context may move to section only when
 * section gives the same kind: reading a tracepoint record as pt_regs (or
 * the other way) would pass the verifier whenever the sizes allow and be
 * nonsense.  Tracepoints are all records: the verifier checks the new one.
 */
static int check_context_kind(const struct rkd_prog *p, const struct rk_hook_spec *spec,
                              const char *section, const struct rk_ctx_desc *ctx, char *msg,
                              size_t msg_len)
{
	struct rk_hook_spec built_for;
	if (rk_hook_parse_section(rk_prog_section(p->prog), &built_for, msg, msg_len))
		return -EINVAL;
	const char *had = context_kind(built_for.kind), *gets = context_kind(spec->kind);
	if (strcmp(had, gets) == 0)
		return 0;
	bool named = ctx && ctx->name && strcmp(ctx->name, gets) != 0;
	snprintf(msg, msg_len,
	         "program %s was built for SEC \"%s\", whose context is %s; \"%s\" gives its "
	         "programs %s%s%s%s: a program only moves to an attach point with the same kind "
	         "of context (uprobe/, uretprobe/, kprobe/, kretprobe/: struct pt_regs; "
	         "tracepoint/: a tracepoint record, verified again; timer/: none; gpio/, iio/, "
	         "uio/, pwm/: their own event)",
	         rk_prog_name(p->prog), rk_prog_section(p->prog), had, section, gets,
	         named ? " (" : "", named ? ctx->name : "", named ? ")" : "");
	return -EINVAL;
}

/* The one process named comm (as /proc/PID/comm says), other than rkd. */
static int find_comm(const char *comm, int *pid_out, char *found, size_t found_len)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return -errno;
	int count = 0;
	size_t used = 0;
	found[0] = '\0';
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		if (!isdigit((unsigned char)entry->d_name[0]))
			continue;
		int pid = atoi(entry->d_name);
		if (pid <= 0 || pid == (int)getpid())
			continue;
		char path[64], name[64] = "";
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *file = fopen(path, "r");
		if (!file)
			continue;   /* exited meanwhile */
		if (!fgets(name, sizeof(name), file))
			name[0] = '\0';
		fclose(file);
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, comm) != 0)
			continue;
		*pid_out = pid;
		count++;
		if (used + 16 < found_len) {
			int n = snprintf(found + used, found_len - used, "%s%d", used ? ", " : "", pid);
			if (n > 0)
				used += (size_t)n;
		}
	}
	closedir(dir);
	return count == 0 ? -ESRCH : count > 1 ? -EEXIST : 0;
}

/* The process filter of [program OBJECT/PROG] in rkd.conf, resolved now: 0, or *pid. */
static int program_pid(const struct rkd_object *object, const struct rkd_prog *p,
                       const struct rk_hook_spec *spec, int *pid, char *msg, size_t msg_len)
{
	const struct rkd_config *config = &object->daemon->config;
	const struct rkd_program_opts *opts =
	        rkd_config_program(config, object->name, rk_prog_name(p->prog));
	*pid = 0;
	if (!opts || (!opts->pid && !opts->comm[0]))
		return 0;
	const char *key = opts->comm[0] ? "comm" : "pid";
	if (spec->kind != RK_HOOK_UPROBE && spec->kind != RK_HOOK_URETPROBE &&
	    spec->kind != RK_HOOK_TRACEPOINT) {
		snprintf(msg, msg_len,
		         "%.256s:%d: key '%s': [program %s/%s]: a process filter applies to uprobe/, "
		         "uretprobe/ and tracepoint/ programs; this one is attached to \"%s\"",
		         config->programs.source, opts->key_line, key, opts->object, opts->program,
		         rkd_prog_section(p));
		return -EINVAL;
	}
	if (opts->pid) {
		*pid = opts->pid;
		return 0;
	}
	char found[128];
	int rc = find_comm(opts->comm, pid, found, sizeof(found));
	if (rc == -ESRCH)
		snprintf(msg, msg_len,
		         "%.256s:%d: key 'comm': no process named '%s' is running; start it first "
		         "(the name is looked up whenever the program is attached: at load, at a "
		         "swap, at rkctl attach)",
		         config->programs.source, opts->key_line, opts->comm);
	else if (rc == -EEXIST)
		snprintf(msg, msg_len,
		         "%.256s:%d: key 'comm': more than one process is named '%s' (pids %s): give "
		         "pid = N instead",
		         config->programs.source, opts->key_line, opts->comm, found);
	else if (rc)
		snprintf(msg, msg_len, "%.256s:%d: key 'comm': cannot read /proc: %s",
		         config->programs.source, opts->key_line, strerror(-rc));
	return rc;
}

/* Open spec's hook for p (disabled) and its poll handles (not started). */
static int open_attachment(struct rkd_object *object, struct rkd_prog *p,
                           const struct rk_hook_spec *spec, struct attachment *att, char *msg,
                           size_t msg_len)
{
	memset(att, 0, sizeof(*att));
	struct rk_hook_opts hook_opts = {0};
	int rc = program_pid(object, p, spec, &hook_opts.pid, msg, msg_len);
	if (rc)
		return rc;
	struct rk_hook_iio_opts iio_opts;
	struct rk_hook_uio_opts uio_opts;
	device_opts(&object->daemon->config, spec, &hook_opts, &iio_opts, &uio_opts);
	rc = rk_hook_open(spec, &hook_opts, &att->hook, msg, msg_len);
	if (rc) {
		const struct rkd_program_opts *opts = rkd_config_program(
		        &object->daemon->config, object->name, rk_prog_name(p->prog));
		size_t used = strlen(msg);
		if (hook_opts.pid && opts && used < msg_len)
			snprintf(msg + used, msg_len - used, " (pid %d from [program %s/%s], %.256s:%d)",
			         hook_opts.pid, opts->object, opts->program,
			         object->daemon->config.programs.source, opts->key_line);
		return rc;
	}
	att->pid = hook_opts.pid;
	struct stat st;
	if ((spec->kind == RK_HOOK_UPROBE || spec->kind == RK_HOOK_URETPROBE) &&
	    spec->path[0] == '/' && stat(spec->path, &st) == 0) {
		att->has_target_file = true;
		att->target_dev = st.st_dev;
		att->target_ino = st.st_ino;
	}
	const int *fds;
	size_t fd_count = rk_hook_fds(att->hook, &fds);
	struct poll_block *block = calloc(1, sizeof(*block) + fd_count * sizeof(uv_poll_t));
	if (!block) {
		rk_hook_close(att->hook);
		att->hook = NULL;
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	block->daemon = object->daemon;
	att->polls = block->polls;
	for (size_t i = 0; i < fd_count; i++) {
		rc = uv_poll_init(object->daemon->loop, &att->polls[i], fds[i]);
		if (rc) {
			snprintf(msg, msg_len, "uv_poll_init(fd %d): %s", fds[i], uv_strerror(rc));
			retire_attachment(object->daemon, att, NULL);
			return -EIO;
		}
		att->polls[i].data = p;
		att->poll_count++;
	}
	return 0;
}

/* Start polling and enable the hook. */
static int start_attachment(struct attachment *att, char *msg, size_t msg_len)
{
	for (size_t i = 0; i < att->poll_count; i++) {
		int rc = uv_poll_start(&att->polls[i], UV_READABLE, on_poll);
		if (rc) {
			snprintf(msg, msg_len, "uv_poll_start: %s", uv_strerror(rc));
			return -EIO;
		}
	}
	return rk_hook_start(att->hook, msg, msg_len);
}

static void install_attachment(struct rkd_prog *p, struct attachment *att)
{
	p->hook = att->hook;
	p->polls = att->polls;
	p->poll_count = att->poll_count;
	p->pid = att->pid;
	p->has_target_file = att->has_target_file;
	p->target_dev = att->target_dev;
	p->target_ino = att->target_ino;
	p->polls_hup = 0;
	memset(att, 0, sizeof(*att));
}

/* A new version's program of the same name stays where rkctl attach/detach put the old one. */
static int inherit_attach_point(struct rkd_prog *p, const struct rkd_object *old, char *err,
                                size_t err_len)
{
	for (size_t i = 0; old && old->obj && i < old->prog_count; i++) {
		const struct rkd_prog *was = &old->progs[i];
		if (strcmp(rk_prog_name(was->prog), rk_prog_name(p->prog)) != 0)
			continue;
		p->detached = was->detached;
		if (was->attach_section) {
			p->attach_section = strdup(was->attach_section);
			if (!p->attach_section) {
				snprintf(err, err_len, "%s: out of memory", p->object->path);
				return -ENOMEM;
			}
		}
		break;
	}
	return 0;
}

static int prepare_prog(struct rkd_object *object, struct rkd_prog *p, char *err, size_t err_len)
{
	const struct rkd_config *config = &object->daemon->config;
	const char *section = rkd_prog_section(p);
	char msg[RK_VERIFY_ERR_LEN];
	int rc;

	/* A program moved by rkctl attach says so: the override is what failed. */
#define PROG_FAIL(step)                                                                    \
	snprintf(err, err_len, "%s: program %s (SEC \"%s\"%s%s%s): %s: %s", object->path,    \
	         rk_prog_name(p->prog), rk_prog_section(p->prog),                             \
	         p->attach_section ? ", moved to \"" : "",                                     \
	         p->attach_section ? p->attach_section : "",                                  \
	         p->attach_section ? "\" by rkctl attach; rkctl attach OBJECT PROGRAM with "    \
	                             "no section moves it back"                               \
	                           : "",                                                      \
	         step, msg)

	p->env = (struct rk_env){.host = p, .print = env_print, .perf_output = env_perf_output,
	                         .read_user = env_read_user,
	                         .emergency_stop = env_emergency_stop,
	                         .sensor_timestamp = env_sensor_timestamp,
	                         .device_io = env_device_io};
	struct rk_hook_spec spec;
	rc = rk_hook_parse_section(section, &spec, msg, sizeof(msg));
	if (rc) {
		PROG_FAIL("not an attach point");
		return rc;
	}
	rc = rk_ctx_desc_for_section(section, &p->ctx, msg, sizeof(msg));
	if (rc == 0 && p->attach_section)
		rc = check_context_kind(p, &spec, section, p->ctx.ctx, msg, sizeof(msg));
	if (rc) {
		PROG_FAIL("context");
		return rc;
	}
	/* The signed verdict is about the SEC()'s context: a moved program is verified here. */
	if (object->signed_verdict && !p->attach_section) {
		/* trust_attestation: a trusted verifier key vouched for this program's verdict. */
		p->insn_bound = rkd_signed_insn_bound(object->signed_verdict, rk_prog_name(p->prog));
		if (!p->insn_bound) {
			snprintf(msg, sizeof(msg), "the signed verdict does not list this program");
			PROG_FAIL("attestation");
			return -EPERM;
		}
	} else {
		struct rk_verify_opts verify_opts = {.ctx = p->ctx.ctx};
		struct rk_verify_result verified;
		rc = rk_verify(p->prog, &verify_opts, &verified, msg, sizeof(msg));
		if (rc) {
			PROG_FAIL("rejected by the verifier");
			return rc;
		}
		p->insn_bound = verified.insn_bound;
	}
	p->mode = RK_EXEC_FAST;
	if (config->jit && rk_jit_arch()) {
		rc = rk_prog_jit(p->prog, msg, sizeof(msg));
		if (rc) {
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			         " (jit = off in rkd.conf runs programs in the interpreter)");
			PROG_FAIL("JIT");
			return rc;
		}
		p->mode = RK_EXEC_JIT;
	}
	if (p->detached)
		return 0;   /* rkctl detach carried over from the version this one replaces */
	struct attachment att;
	rc = open_attachment(object, p, &spec, &att, msg, sizeof(msg));
	if (rc) {
		PROG_FAIL("cannot attach");
		return rc;
	}
	install_attachment(p, &att);
#undef PROG_FAIL
	return 0;
}

static int build_object(struct rkd_object *object, const struct rkd_object *old,
                        const uint8_t *data, size_t len, char *err, size_t err_len)
{
	struct rkd_daemon *daemon = object->daemon;
	struct rk_obj_opts opts = {.name = object->path, .budget_bytes = daemon->config.budget_bytes,
	                           .get_target_btf = rkd_kernel_btf_for_load,
	                           .get_target_btf_arg = daemon};
	int rc = rk_obj_load(data, len, &opts, &object->obj, err, err_len);
	if (rc)
		return rc;
	object->prog_count = rk_obj_prog_count(object->obj);
	if (object->prog_count == 0) {
		snprintf(err, err_len, "%s: has no programs (no SEC(\"...\") functions)", object->path);
		return -ENOENT;
	}
	object->progs = calloc(object->prog_count, sizeof(*object->progs));
	size_t map_count = rk_obj_map_count(object->obj);
	object->record_types = calloc(map_count ? map_count : 1, sizeof(*object->record_types));
	if (!object->progs || !object->record_types) {
		snprintf(err, err_len, "%s: out of memory", object->path);
		return -ENOMEM;
	}
	for (size_t i = 0; i < map_count; i++) {
		const struct rk_map_def *def = rk_map_def(rk_obj_map(object->obj, i));
		if (def->type == RK_MAP_RINGBUF)
			object->record_types[i] = find_record_type(rk_obj_btf(object->obj), def->name);
	}
	for (size_t i = 0; i < object->prog_count; i++) {
		struct rkd_prog *p = &object->progs[i];
		p->object = object;
		p->prog = rk_obj_prog(object->obj, i);
		rc = inherit_attach_point(p, old, err, err_len);
		if (rc == 0)
			rc = prepare_prog(object, p, err, err_len);
		if (rc)
			return rc;
	}
	return 0;
}

static int start_object(struct rkd_object *object, char *err, size_t err_len)
{
	for (size_t i = 0; i < object->prog_count; i++) {
		struct rkd_prog *p = &object->progs[i];
		for (size_t j = 0; j < p->poll_count; j++) {
			int rc = uv_poll_start(&p->polls[j], UV_READABLE, on_poll);
			if (rc) {
				snprintf(err, err_len, "%s: program %s: uv_poll_start: %s", object->path,
				         rk_prog_name(p->prog), uv_strerror(rc));
				return -EIO;
			}
		}
		if (!p->hook)
			continue;   /* detached */
		char msg[RK_ERR_LEN];
		int rc = rk_hook_start(p->hook, msg, sizeof(msg));
		if (rc) {
			snprintf(err, err_len, "%s: program %s (SEC \"%s\"): cannot start %s: %s",
			         object->path, rk_prog_name(p->prog), rk_prog_section(p->prog),
			         rk_hook_describe(p->hook), msg);
			return rc;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Tearing down: poll handles close asynchronously                  */
/* ---------------------------------------------------------------- */

static void object_free_now(struct rkd_object *object)
{
	for (size_t i = 0; object->progs && i < object->prog_count; i++) {
		rk_hook_close(object->progs[i].hook);
		polls_free(object->progs[i].polls);
		free(object->progs[i].attach_section);
	}
	rk_obj_free(object->obj);   /* returns every byte charged to its budget */
	free(object->progs);
	free(object->record_types);
	free(object);
}

static void on_poll_closed(uv_handle_t *handle)
{
	struct rkd_prog *p = handle->data;
	struct rkd_object *object = p->object;
	if (--object->closes_pending == 0) {
		object->daemon->closing_objects--;
		object_free_now(object);
	}
}

/* object must not be in the daemon's list any more. */
static void object_destroy(struct rkd_object *object)
{
	for (size_t i = 0; object->progs && i < object->prog_count; i++) {
		struct rkd_prog *p = &object->progs[i];
		if (p->hook)
			rk_hook_stop(p->hook);
		for (size_t j = 0; j < p->poll_count; j++) {
			uv_close((uv_handle_t *)&p->polls[j], on_poll_closed);
			object->closes_pending++;
		}
	}
	if (object->closes_pending == 0)
		object_free_now(object);
	else
		object->daemon->closing_objects++;
}

static void list_remove(struct rkd_daemon *daemon, struct rkd_object *object)
{
	for (struct rkd_object **link = &daemon->objects; *link; link = &(*link)->next) {
		if (*link == object) {
			*link = object->next;
			object->next = NULL;
			return;
		}
	}
}

/* Put fresh where old was (or at the end), keeping `list` in load order. */
static void list_replace(struct rkd_daemon *daemon, struct rkd_object *old,
                         struct rkd_object *fresh)
{
	struct rkd_object **link = &daemon->objects;
	while (*link && *link != old)
		link = &(*link)->next;
	fresh->next = *link ? (*link)->next : NULL;
	*link = fresh;
	if (old)
		old->next = NULL;
}

/* ---------------------------------------------------------------- */
/* Maps carried over across a swap                                  */
/* ---------------------------------------------------------------- */

static bool carries_state(const struct rk_map_def *def)
{
	switch (def->type) {
	case RK_MAP_HASH:
	case RK_MAP_ARRAY:
	case RK_MAP_PERCPU_HASH:
	case RK_MAP_PERCPU_ARRAY:
	case RK_MAP_LRU_HASH:
	case RK_MAP_LRU_PERCPU_HASH:
		/* Read-only data is the new version's constants, never the old one's. */
		return strstr(def->name, ".rodata") == NULL;
	default:
		return false;
	}
}

static int copy_entries(struct rk_map *from, struct rk_map *to)
{
	const struct rk_map_def *def = rk_map_def(from);
	uint8_t *key = malloc(def->key_size), *next = malloc(def->key_size);
	int rc = key && next ? 0 : -ENOMEM;
	bool has_key = false;
	while (rc == 0 && rk_map_next_key(from, has_key ? key : NULL, next) == 0) {
		memcpy(key, next, def->key_size);
		has_key = true;
		const void *value = rk_map_lookup(from, key);
		if (value)
			rc = rk_map_update(to, key, value, RK_MAP_ANY);
	}
	free(key);
	free(next);
	return rc;
}

static void append_note(char *note, size_t note_len, const char *label, const char *name)
{
	size_t used = strlen(note);
	if (used + 1 >= note_len)
		return;
	snprintf(note + used, note_len - used, "%s%s %s", used ? "; " : "", label, name);
}

static void carry_maps(struct rkd_object *old, struct rkd_object *fresh)
{
	fresh->note[0] = '\0';
	if (!old || !old->obj)
		return;
	for (size_t i = 0; i < rk_obj_map_count(fresh->obj); i++) {
		struct rk_map *to = rk_obj_map(fresh->obj, i);
		const struct rk_map_def *def = rk_map_def(to);
		if (!carries_state(def))
			continue;
		struct rk_map *from = rk_obj_map_find(old->obj, def->name);
		if (!from)
			continue;
		const struct rk_map_def *old_def = rk_map_def(from);
		if (old_def->type != def->type || old_def->key_size != def->key_size ||
		    old_def->value_size != def->value_size || old_def->max_entries != def->max_entries ||
		    old_def->map_flags != def->map_flags) {
			append_note(fresh->note, sizeof(fresh->note),
			            "not carried over (definition changed):", def->name);
			continue;
		}
		if (copy_entries(from, to))
			append_note(fresh->note, sizeof(fresh->note), "partly carried over:", def->name);
		else
			append_note(fresh->note, sizeof(fresh->note), "carried over:", def->name);
	}
}

/* ---------------------------------------------------------------- */
/* Load, swap, unload                                               */
/* ---------------------------------------------------------------- */

static struct rkd_object *object_new(struct rkd_daemon *daemon, const char *path,
                                     const char *name, enum rkd_object_origin origin)
{
	struct rkd_object *object = calloc(1, sizeof(*object));
	if (!object)
		return NULL;
	object->daemon = daemon;
	object->origin = origin;
	snprintf(object->name, sizeof(object->name), "%s", name);
	snprintf(object->path, sizeof(object->path), "%s", path);
	object->loaded_ns = rkd_now_ns();
	return object;
}

/* The new version could not be built: keep the old one running, or list the failure. */
static void record_failure(struct rkd_daemon *daemon, struct rkd_object *old,
                           struct rkd_object *fresh, const char *message)
{
	if (old && old->state == RKD_OBJECT_RUNNING) {
		snprintf(old->error, sizeof(old->error), "update refused, version %u keeps running: %s",
		         old->version, message);
		object_destroy(fresh);
		rkd_log("error", "%s: %s", old->name, old->error);
		rkd_events_notice(&daemon->events, old->name, "update_failed", message);
		return;
	}
	/* A failed entry holds no code and no memory: only its name, path and message. */
	struct rkd_object *failed = object_new(daemon, fresh->path, fresh->name, fresh->origin);
	object_destroy(fresh);
	if (!failed) {
		rkd_log("error", "%s: %s (and out of memory to list it)", old ? old->name : "?",
		        message);
		return;
	}
	failed->state = RKD_OBJECT_FAILED;
	snprintf(failed->error, sizeof(failed->error), "%s", message);
	list_replace(daemon, old, failed);
	if (old)
		object_destroy(old);
	rkd_log("error", "%s: failed: %s", failed->name, message);
	rkd_events_notice(&daemon->events, failed->name, "failed", message);
}

int rkd_object_load_file(struct rkd_daemon *daemon, const char *path, const char *name,
                         enum rkd_object_origin origin, char *err, size_t err_len)
{
	char derived[RKD_OBJECT_NAME_LEN];
	if (!name) {
		if (rkd_object_name_from_path(path, derived, sizeof(derived))) {
			snprintf(err, err_len, "%s: cannot make an object name from this file name", path);
			return -EINVAL;
		}
		name = derived;
	}
	struct rkd_object *old = rkd_object_find(daemon, name);
	struct rkd_object *fresh = object_new(daemon, path, name, origin);
	if (!fresh) {
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	uint8_t *data = NULL;
	size_t len = 0;
	struct rkd_signed signed_info = {0};
	/* The bytes checked against the signature are the bytes loaded: read once. */
	int rc = rk_file_read(path, &data, &len, err, err_len);
	if (rc == 0)
		rc = rkd_signing_check(daemon, path, name, data, len, &signed_info, err, err_len);
	if (rc == 0) {
		fresh->signed_verdict = signed_info.attested ? &signed_info : NULL;
		rc = build_object(fresh, old, data, len, err, err_len);
		fresh->signed_verdict = NULL;
	}
	free(data);
	if (rc == 0) {
		carry_maps(old, fresh);
		rc = start_object(fresh, err, err_len);
	}
	/* Recorded only once the object runs: a refused object never raises the number. */
	if (rc == 0)
		rc = rkd_signing_commit(daemon, name, &signed_info, err, err_len);
	if (rc) {
		rkd_signed_free(&signed_info);
		record_failure(daemon, old, fresh, err);
		return rc;
	}
	if (signed_info.checked) {
		fresh->signature_checked = true;
		fresh->attested = signed_info.attested;
		fresh->seq = signed_info.sig->seq;
		fresh->key_role = signed_info.key.role;
		rk_key_id_hex(signed_info.key.id, fresh->key_id);
		rkd_log("info", "%s: signature good: key %s (%s), seq %" PRIu64 ", %s", fresh->name,
		        fresh->key_id, rk_key_role_name(fresh->key_role), fresh->seq,
		        fresh->attested ? "verifier skipped: verdict attested by a trusted verifier "
		                          "key (trust_attestation = on)"
		                        : "verified by rkd");
	}
	rkd_signed_free(&signed_info);
	fresh->version = old && old->obj ? old->version + 1 : 1;
	list_replace(daemon, old, fresh);
	if (old)
		object_destroy(old);   /* stopped only now that the new version runs */
	const struct rk_budget *budget = rk_obj_budget(fresh->obj);
	rkd_log("info", "%s: %s version %u from %s: %zu program%s, %zu bytes charged%s%s",
	        fresh->name, fresh->version > 1 ? "swapped in" : "loaded", fresh->version,
	        fresh->path, fresh->prog_count, fresh->prog_count == 1 ? "" : "s", budget->used,
	        fresh->note[0] ? "; maps " : "", fresh->note);
	rkd_events_notice(&daemon->events, fresh->name, fresh->version > 1 ? "swapped" : "loaded",
	                  fresh->path);
	return 0;
}

int rkd_object_unload(struct rkd_daemon *daemon, const char *name, char *err, size_t err_len)
{
	struct rkd_object *object = rkd_object_find(daemon, name);
	if (!object) {
		snprintf(err, err_len, "no object '%s' is loaded (rkctl list shows what is)", name);
		return -ENOENT;
	}
	size_t used = object->obj ? rk_obj_budget(object->obj)->used : 0;
	list_remove(daemon, object);
	rkd_log("info", "%s: unloaded, %zu bytes returned", object->name, used);
	rkd_events_notice(&daemon->events, object->name, "unloaded", object->path);
	object_destroy(object);
	return 0;
}

void rkd_objects_unload_all(struct rkd_daemon *daemon)
{
	while (daemon->objects) {
		struct rkd_object *object = daemon->objects;
		daemon->objects = object->next;
		object->next = NULL;
		object_destroy(object);
	}
}

/* ---------------------------------------------------------------- */
/* Moving programs: rkctl attach, rkctl detach                      */
/* ---------------------------------------------------------------- */

const char *rkd_prog_section(const struct rkd_prog *p)
{
	return p->attach_section ? p->attach_section : rk_prog_section(p->prog);
}

const char *rkd_prog_state(const struct rkd_prog *p)
{
	if (p->detached || !p->hook)
		return "detached";
	if (p->poll_count && p->polls_hup == p->poll_count)
		return "target_exited";
	return "attached";
}

void rkd_prog_note(const struct rkd_prog *p, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!p->hook || !p->has_target_file)
		return;
	struct rk_hook_spec spec;
	char msg[RK_ERR_LEN];
	if (rk_hook_parse_section(rkd_prog_section(p), &spec, msg, sizeof(msg)))
		return;
	struct stat st;
	if (stat(spec.path, &st) != 0)
		snprintf(buf, len,
		         "%s was removed after rkd attached: processes already running it are still "
		         "traced, new ones from a file put there are not (rkctl attach %s %s "
		         "re-attaches once it is back)",
		         spec.path, p->object->name, rk_prog_name(p->prog));
	else if (st.st_dev != p->target_dev || st.st_ino != p->target_ino)
		snprintf(buf, len,
		         "%s was replaced after rkd attached: the probe stays on the old file, "
		         "processes started from the new one are not traced (rkctl attach %s %s "
		         "re-attaches to it)",
		         spec.path, p->object->name, rk_prog_name(p->prog));
}

static void poll_hung_up(struct rkd_prog *p, uv_poll_t *handle)
{
	if (!uv_is_active((uv_handle_t *)handle))
		return;
	uv_poll_stop(handle);
	if (++p->polls_hup < p->poll_count)
		return;   /* one thread of the process exited; others remain */
	char message[512], pid[32] = "";
	if (p->pid)
		snprintf(pid, sizeof(pid), " (pid %d)", p->pid);
	snprintf(message, sizeof(message),
	         "%s: target exited%s: %s gets no more events, rkd stopped polling it (rkctl "
	         "attach %s %s attaches it again)",
	         rk_prog_name(p->prog), pid, rk_hook_describe(p->hook), p->object->name,
	         rk_prog_name(p->prog));
	rkd_log("info", "%s: %s", p->object->name, message);
	rkd_events_notice(&p->object->daemon->events, p->object->name, "target_exited", message);
}

static int find_prog(struct rkd_daemon *daemon, const char *object_name, const char *prog_name,
                     struct rkd_prog **out, char *err, size_t err_len)
{
	struct rkd_object *object = rkd_object_find(daemon, object_name);
	if (!object) {
		snprintf(err, err_len, "no object '%.128s' is loaded; rkctl list shows what is",
		         object_name);
		return -ENOENT;
	}
	if (!object->obj) {
		snprintf(err, err_len, "object '%s' failed to load: %s", object->name, object->error);
		return -ENOENT;
	}
	for (size_t i = 0; i < object->prog_count; i++) {
		if (strcmp(rk_prog_name(object->progs[i].prog), prog_name) == 0) {
			*out = &object->progs[i];
			return 0;
		}
	}
	int used = snprintf(err, err_len, "object '%s' has no program '%.128s'; it has:",
	                    object->name, prog_name);
	for (size_t i = 0; i < object->prog_count && used > 0 && (size_t)used < err_len; i++)
		used += snprintf(err + used, err_len - (size_t)used, " %s",
		                 rk_prog_name(object->progs[i].prog));
	return -ENOENT;
}

int rkd_prog_attach(struct rkd_daemon *daemon, const char *object_name, const char *prog_name,
                    const char *section, char *err, size_t err_len)
{
	struct rkd_prog *p;
	int rc = find_prog(daemon, object_name, prog_name, &p, err, err_len);
	if (rc)
		return rc;
	struct rkd_object *object = p->object;
	const char *sec = section && *section ? section : rk_prog_section(p->prog);
	bool override = strcmp(sec, rk_prog_section(p->prog)) != 0;
	char msg[RK_VERIFY_ERR_LEN];
	struct rk_ctx_desc_buf *ctx = malloc(sizeof(*ctx));
	char *saved = override ? strdup(sec) : NULL;
	if (!ctx || (override && !saved)) {
		free(ctx);
		free(saved);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
#define ATTACH_FAIL(step)                                                                  \
	snprintf(err, err_len, "%s/%s: cannot attach to \"%s\": %s: %s%s", object->name,       \
	         prog_name, sec, step, msg,                                                  \
	         p->detached ? " (the program stays detached)"                                  \
	                     : " (the program keeps running where it was)")
	struct rk_hook_spec spec;
	struct rk_verify_result verified = {0};
	struct attachment att = {0};
	rc = rk_hook_parse_section(sec, &spec, msg, sizeof(msg));
	if (rc) {
		ATTACH_FAIL("not an attach point");
		goto out;
	}
	rc = rk_ctx_desc_for_section(sec, ctx, msg, sizeof(msg));
	if (rc == 0)
		rc = check_context_kind(p, &spec, sec, ctx->ctx, msg, sizeof(msg));
	if (rc) {
		ATTACH_FAIL("context");
		goto out;
	}
	/* Again, against this context: what was proved was about the other one. */
	struct rk_verify_opts verify_opts = {.ctx = ctx->ctx};
	rc = rk_verify(p->prog, &verify_opts, &verified, msg, sizeof(msg));
	if (rc) {
		ATTACH_FAIL("rejected by the verifier against this attach point's context");
		goto out;
	}
	rc = open_attachment(object, p, &spec, &att, msg, sizeof(msg));
	if (rc) {
		ATTACH_FAIL("cannot attach");
		goto out;
	}
	rc = start_attachment(&att, msg, sizeof(msg));
	if (rc) {
		ATTACH_FAIL("cannot start");
		retire_attachment(daemon, &att, NULL);
		goto out;
	}
	/* The new hook runs: only now is the old one stopped (its pending events run first). */
	struct attachment old = {.hook = p->hook, .polls = p->polls, .poll_count = p->poll_count};
	retire_attachment(daemon, &old, p);
	install_attachment(p, &att);
	p->detached = false;
	p->insn_bound = verified.insn_bound;
	free(p->attach_section);
	p->attach_section = saved;
	saved = NULL;
	/* Same text as just read: cannot fail short of tracefs changing under us. */
	if (rk_ctx_desc_for_section(sec, &p->ctx, msg, sizeof(msg)))
		rkd_log("warning", "%s/%s: context of %s: %s", object->name, prog_name, sec, msg);
	snprintf(msg, sizeof(msg), "%s attached to %s%s", prog_name, rk_hook_describe(p->hook),
	         override ? " (rkctl attach; SEC() overridden)" : " (its SEC())");
	rkd_log("info", "%s: %s", object->name, msg);
	rkd_events_notice(&daemon->events, object->name, "attached", msg);
out:
#undef ATTACH_FAIL
	free(ctx);
	free(saved);
	return rc;
}

int rkd_prog_detach(struct rkd_daemon *daemon, const char *object_name, const char *prog_name,
                    char *err, size_t err_len)
{
	struct rkd_prog *p;
	int rc = find_prog(daemon, object_name, prog_name, &p, err, err_len);
	if (rc)
		return rc;
	if (p->detached || !p->hook) {
		snprintf(err, err_len, "%s/%s is already detached; rkctl attach %s %s [SECTION] "
		                       "attaches it again",
		         object_name, prog_name, object_name, prog_name);
		return -EALREADY;
	}
	char message[512];
	snprintf(message, sizeof(message), "%s detached from %s (still loaded)", prog_name,
	         rk_hook_describe(p->hook));
	struct attachment old = {.hook = p->hook, .polls = p->polls, .poll_count = p->poll_count};
	retire_attachment(daemon, &old, p);
	p->hook = NULL;
	p->polls = NULL;
	p->poll_count = 0;
	p->polls_hup = 0;
	p->pid = 0;
	p->has_target_file = false;
	p->detached = true;
	rkd_log("info", "%s: %s", p->object->name, message);
	rkd_events_notice(&daemon->events, p->object->name, "detached", message);
	return 0;
}
