/*
 * dropin.c - programs_dir: an initial scan in name order, then inotify
 * (polled in the loop) for changes.  We use inotify directly rather than
 * uv_fs_event because only IN_CLOSE_WRITE says a file is complete;
 * IN_MODIFY fires halfway through a copy.
 *
 * Signatures (require_signature = on): NAME.o.sig arriving (closed after
 * writing or moved in) reloads NAME.o when it exists, so the .o and its .sig
 * may land in either order; removing a .sig changes nothing until the next
 * load (docs/signatures.md, "Installing").
 */
#define _GNU_SOURCE
#include "dropin.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "../tools/common/signature.h"
#include "programs.h"

#define DROPIN_EVENT_BUF (64u * (sizeof(struct inotify_event) + NAME_MAX + 1))
#define DROPIN_MASK \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF)

struct rkd_dropin {
	struct rkd_daemon *daemon;
	int inotify_fd;
	uv_poll_t poll;
	bool polling;
};

static bool is_object_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 2 && strcmp(name + len - 2, ".o") == 0;
}

/* "NAME.o.sig" -> true with object "NAME.o". */
static bool is_signature_name(const char *name, char *object, size_t object_len)
{
	size_t len = strlen(name), suffix_len = strlen(RK_SIG_SUFFIX);
	if (len <= suffix_len || strcmp(name + len - suffix_len, RK_SIG_SUFFIX) != 0 ||
	    len - suffix_len >= object_len)
		return false;
	memcpy(object, name, len - suffix_len);
	object[len - suffix_len] = '\0';
	return is_object_name(object);
}

static void load_one(struct rkd_daemon *daemon, const char *name)
{
	char path[PATH_MAX], err[RKD_OBJECT_ERR_LEN];
	if (snprintf(path, sizeof(path), "%s/%s", daemon->config.programs_dir, name) >=
	    (int)sizeof(path)) {
		rkd_log("error", "%s/%s: path too long", daemon->config.programs_dir, name);
		return;
	}
	/* Failures are recorded on the object (rkctl list) and logged there. */
	rkd_object_load_file(daemon, path, NULL, RKD_ORIGIN_DROPIN, err, sizeof(err));
}

static void unload_one(struct rkd_daemon *daemon, const char *file_name)
{
	char name[RKD_OBJECT_NAME_LEN], path[PATH_MAX], err[256];
	if (rkd_object_name_from_path(file_name, name, sizeof(name)))
		return;
	struct rkd_object *object = rkd_object_find(daemon, name);
	if (snprintf(path, sizeof(path), "%s/%s", daemon->config.programs_dir, file_name) >=
	    (int)sizeof(path))
		return;
	/* Only what this file loaded: `rkctl load` of another file of that name stays. */
	if (object && object->origin == RKD_ORIGIN_DROPIN && strcmp(object->path, path) == 0)
		rkd_object_unload(daemon, name, err, sizeof(err));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_objects(const struct dirent *entry)
{
	return is_object_name(entry->d_name);
}

static void on_inotify(uv_poll_t *handle, int status, int events)
{
	struct rkd_dropin *dropin = handle->data;
	struct rkd_daemon *daemon = dropin->daemon;
	(void)events;
	if (status < 0)
		return;
	char buf[DROPIN_EVENT_BUF] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t len = read(dropin->inotify_fd, buf, sizeof(buf));
		if (len <= 0)
			return;
		for (char *cursor = buf; cursor < buf + len;) {
			const struct inotify_event *event = (const struct inotify_event *)cursor;
			cursor += sizeof(*event) + event->len;
			if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				rkd_log("error", "programs_dir %s was removed or moved: no longer watched; "
				                 "loaded programs keep running (restart rkd after "
				                 "recreating it)",
				        daemon->config.programs_dir);
				continue;
			}
			if (event->mask & IN_Q_OVERFLOW) {
				rkd_log("warning", "programs_dir %s: inotify queue overflowed; some changes "
				                   "may have been missed (touch the files to reload them)",
				        daemon->config.programs_dir);
				continue;
			}
			char object_name[NAME_MAX + 1], path[PATH_MAX];
			if (event->len && daemon->config.require_signature &&
			    (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) &&
			    is_signature_name(event->name, object_name, sizeof(object_name))) {
				/* A signature for an object already there: (re)load it now. */
				if (snprintf(path, sizeof(path), "%s/%s", daemon->config.programs_dir,
				             object_name) < (int)sizeof(path) &&
				    access(path, F_OK) == 0)
					load_one(daemon, object_name);
				continue;
			}
			if (!event->len || !is_object_name(event->name))
				continue;
			if (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
				load_one(daemon, event->name);
			else if (event->mask & (IN_DELETE | IN_MOVED_FROM))
				unload_one(daemon, event->name);
		}
	}
}

int rkd_dropin_start(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	const char *dir = daemon->config.programs_dir;
	struct rkd_dropin *dropin = calloc(1, sizeof(*dropin));
	if (!dropin) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	dropin->daemon = daemon;
	/* Watch first, then scan: a file that lands in between is seen twice, never missed. */
	dropin->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dropin->inotify_fd < 0 || inotify_add_watch(dropin->inotify_fd, dir, DROPIN_MASK) < 0) {
		int saved = errno;
		snprintf(err, err_len, "programs_dir %s: cannot watch it: %s%s", dir, strerror(saved),
		         saved == ENOENT ? "; create it (mkdir -p) or set programs_dir in rkd.conf "
		                           "(or --programs-dir)"
		                         : "");
		if (dropin->inotify_fd >= 0)
			close(dropin->inotify_fd);
		free(dropin);
		return -saved;
	}
	struct dirent **entries;
	int count = scandir(dir, &entries, only_objects, by_name);
	if (count < 0) {
		int saved = errno;
		snprintf(err, err_len, "programs_dir %s: cannot list it: %s", dir, strerror(saved));
		close(dropin->inotify_fd);
		free(dropin);
		return -saved;
	}
	for (int i = 0; i < count; i++) {
		load_one(daemon, entries[i]->d_name);
		free(entries[i]);
	}
	free(entries);
	uv_poll_init(daemon->loop, &dropin->poll, dropin->inotify_fd);
	dropin->poll.data = dropin;
	uv_poll_start(&dropin->poll, UV_READABLE, on_inotify);
	dropin->polling = true;
	daemon->dropin = dropin;
	return 0;
}

static void on_dropin_closed(uv_handle_t *handle)
{
	struct rkd_dropin *dropin = handle->data;
	close(dropin->inotify_fd);
	free(dropin);
}

void rkd_dropin_stop(struct rkd_daemon *daemon)
{
	struct rkd_dropin *dropin = daemon->dropin;
	if (!dropin)
		return;
	daemon->dropin = NULL;
	uv_close((uv_handle_t *)&dropin->poll, on_dropin_closed);
}
