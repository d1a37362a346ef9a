/*
 * commands.c - the control requests.  Each handler reads its arguments
 * from the request, does the work on the loop thread (so a map write never
 * interleaves with a program run), and fills the answer or returns an error
 * that says what to do next.
 */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "estop.h"
#include "map_codec.h"
#include "programs.h"

#define CMD_ERR_LEN (RKD_OBJECT_ERR_LEN + 256)
/* Entries one map.dump returns at most: a dump is for reading, not for backup. */
#define DUMP_MAX_ENTRIES 4096
#define RKD_VERSION "0.1"

struct cmd {
	struct rkd_daemon *daemon;
	const struct rkd_request *req;
	json_t *answer;         /* the ok answer being filled */
	char err[CMD_ERR_LEN];
};

static const char *state_name(enum rkd_object_state state)
{
	return state == RKD_OBJECT_RUNNING ? "running" : "failed";
}

static const char *mode_name(enum rk_exec_mode mode)
{
	return mode == RK_EXEC_JIT ? "jit" : mode == RK_EXEC_CHECKED ? "checked" : "interpreter";
}

static void set_string(json_t *object, const char *key, const char *value)
{
	json_object_set_new(object, key, rkd_json_string_lossy(value));
}

static json_t *prog_json(const struct rkd_prog *p, bool with_stats)
{
	json_t *prog = json_object();
	set_string(prog, "name", rk_prog_name(p->prog));
	set_string(prog, "section", rk_prog_section(p->prog));
	if (p->attach_section)
		set_string(prog, "attach_section", p->attach_section);
	if (p->hook)
		set_string(prog, "hook", rk_hook_describe(p->hook));
	set_string(prog, "mode", mode_name(p->mode));
	set_string(prog, "state", rkd_prog_state(p));
	if (p->hook && p->pid > 0)
		json_object_set_new(prog, "pid", json_integer(p->pid));
	char note[PATH_MAX + 256];
	rkd_prog_note(p, note, sizeof(note));
	if (note[0])
		set_string(prog, "note", note);
	if (!with_stats)
		return prog;
	json_object_set_new(prog, "insns", json_integer((json_int_t)rk_prog_insn_count(p->prog)));
	json_object_set_new(prog, "insn_bound", json_integer((json_int_t)p->insn_bound));
	json_object_set_new(prog, "runs", json_integer((json_int_t)p->runs));
	json_object_set_new(prog, "run_ns", json_integer((json_int_t)p->run_ns));
	json_object_set_new(prog, "avg_run_ns",
	                    json_integer(p->runs ? (json_int_t)(p->run_ns / p->runs) : 0));
	json_object_set_new(prog, "failures", json_integer((json_int_t)p->failures));
	if (p->failures)
		set_string(prog, "last_failure", p->last_failure);
	struct rk_hook_stats stats = {0};
	if (p->hook)
		rk_hook_get_stats(p->hook, &stats);
	/* Counted across rkctl attach/detach: the hooks it had before count too. */
	json_object_set_new(prog, "hook_events",
	                    json_integer((json_int_t)(stats.events + p->earlier_hook_events)));
	json_object_set_new(prog, "hook_lost",
	                    json_integer((json_int_t)(stats.lost + p->earlier_hook_lost)));
	return prog;
}

static json_t *memory_json(const struct rkd_object *object)
{
	json_t *memory = json_object();
	const struct rk_budget *budget = rk_obj_budget(object->obj);
	json_object_set_new(memory, "used", json_integer((json_int_t)budget->used));
	json_object_set_new(memory, "peak", json_integer((json_int_t)budget->peak));
	json_object_set_new(memory, "limit",
	                    json_integer((json_int_t)(budget->limit ? budget->limit
	                                                            : RK_DEFAULT_BUDGET)));
	return memory;
}

static json_t *object_json(const struct rkd_object *object, bool details)
{
	json_t *json = json_object();
	set_string(json, "name", object->name);
	set_string(json, "path", object->path);
	set_string(json, "state", state_name(object->state));
	set_string(json, "origin", object->origin == RKD_ORIGIN_DROPIN ? "programs_dir" : "load");
	if (object->error[0])
		set_string(json, "error", object->error);
	if (!object->obj)
		return json;
	json_object_set_new(json, "version", json_integer(object->version));
	json_object_set_new(json, "uptime_ns",
	                    json_integer((json_int_t)(rkd_now_ns() - object->loaded_ns)));
	json_object_set_new(json, "memory", memory_json(object));
	if (object->note[0])
		set_string(json, "maps_on_swap", object->note);
	json_t *signature = json_object();
	json_object_set_new(signature, "checked", json_boolean(object->signature_checked));
	if (object->signature_checked) {
		set_string(signature, "key", object->key_id);
		set_string(signature, "role", rk_key_role_name(object->key_role));
		json_object_set_new(signature, "seq", json_integer((json_int_t)object->seq));
	}
	/* "attestation": rk_verify() never ran here; the signed verdict was trusted. */
	set_string(signature, "verified_by", object->attested ? "attestation" : "rkd");
	json_object_set_new(json, "signature", signature);
	json_t *progs = json_array();
	for (size_t i = 0; i < object->prog_count; i++)
		json_array_append_new(progs, prog_json(&object->progs[i], details));
	json_object_set_new(json, "programs", progs);
	if (details) {
		set_string(json, "license", rk_obj_license(object->obj));
		json_t *maps = json_array();
		for (size_t i = 0; i < rk_obj_map_count(object->obj); i++) {
			const struct rk_map *map = rk_obj_map(object->obj, i);
			const struct rk_map_def *def = rk_map_def(map);
			json_t *m = json_object();
			set_string(m, "name", def->name);
			set_string(m, "type", rk_map_type_name(def->type));
			json_array_append_new(maps, m);
		}
		json_object_set_new(json, "maps", maps);
	}
	return json;
}

static int cmd_list(struct cmd *cmd)
{
	json_t *objects = json_array();
	for (struct rkd_object *object = cmd->daemon->objects; object; object = object->next)
		json_array_append_new(objects, object_json(object, false));
	json_object_set_new(cmd->answer, "objects", objects);
	return 0;
}

static int find_object(struct cmd *cmd, bool need_running, struct rkd_object **out)
{
	const char *name;
	int rc = rkd_request_string(cmd->req, "object", true, &name, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	*out = rkd_object_find(cmd->daemon, name);
	if (!*out) {
		snprintf(cmd->err, sizeof(cmd->err),
		         "no object '%.128s' is loaded; rkctl list shows what is", name);
		return -ENOENT;
	}
	if (need_running && !(*out)->obj) {
		snprintf(cmd->err, sizeof(cmd->err), "object '%s' failed to load: %s", (*out)->name,
		         (*out)->error);
		return -ENOENT;
	}
	return 0;
}

static int cmd_show(struct cmd *cmd)
{
	struct rkd_object *object;
	int rc = find_object(cmd, false, &object);
	if (rc)
		return rc;
	json_object_set_new(cmd->answer, "object", object_json(object, true));
	return 0;
}

static int cmd_stats(struct cmd *cmd)
{
	struct rkd_daemon *daemon = cmd->daemon;
	const char *only;
	int rc = rkd_request_string(cmd->req, "object", false, &only, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	if (only && !rkd_object_find(daemon, only)) {
		snprintf(cmd->err, sizeof(cmd->err),
		         "no object '%.128s' is loaded; rkctl list shows what is", only);
		return -ENOENT;
	}
	json_t *objects = json_array();
	for (struct rkd_object *object = daemon->objects; object; object = object->next) {
		if (only && strcmp(only, object->name) != 0)
			continue;
		json_t *o = object_json(object, true);
		json_object_del(o, "maps");
		json_object_del(o, "license");
		if (object->obj) {
			uint64_t ring_dropped = 0;
			for (size_t i = 0; i < rk_obj_map_count(object->obj); i++) {
				const struct rk_map *map = rk_obj_map(object->obj, i);
				if (rk_map_def(map)->type == RK_MAP_RINGBUF)
					ring_dropped += rk_ringbuf_dropped(map);
			}
			json_object_set_new(o, "ringbuf_dropped", json_integer((json_int_t)ring_dropped));
		}
		json_array_append_new(objects, o);
	}
	json_object_set_new(cmd->answer, "objects", objects);
	if (only)
		return 0;
	const struct rkd_event_stats *ev = &daemon->events.stats;
	json_t *events = json_object();
	json_object_set_new(events, "emitted", json_integer((json_int_t)ev->emitted));
	json_object_set_new(events, "delivered", json_integer((json_int_t)ev->delivered));
	json_object_set_new(events, "subscribers",
	                    json_integer((json_int_t)rkd_events_subscriber_count(&daemon->events)));
	json_object_set_new(events, "subscribers_dropped",
	                    json_integer((json_int_t)ev->subscribers_dropped));
	json_object_set_new(events, "truncated", json_integer((json_int_t)ev->truncated));
	json_object_set_new(cmd->answer, "events", events);
	json_t *daemon_json = json_object();
	json_object_set_new(daemon_json, "memory_charged",
	                    json_integer((json_int_t)rkd_objects_memory_used(daemon)));
	json_object_set_new(daemon_json, "uptime_ns",
	                    json_integer((json_int_t)(rkd_now_ns() - daemon->started_ns)));
	rkd_control_add_stats(daemon, daemon_json);
	json_object_set_new(cmd->answer, "rkd", daemon_json);
	return 0;
}

static int cmd_load(struct cmd *cmd)
{
	const char *path;
	int rc = rkd_request_string(cmd->req, "path", true, &path, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	if (path[0] != '/') {
		snprintf(cmd->err, sizeof(cmd->err),
		         "load: \"path\" must be absolute (rkd does not know the client's working "
		         "directory); got '%.256s'",
		         path);
		return -EINVAL;
	}
	rc = rkd_object_load_file(cmd->daemon, path, NULL, RKD_ORIGIN_CONTROL, cmd->err,
	                          sizeof(cmd->err));
	if (rc)
		return rc;
	char name[RKD_OBJECT_NAME_LEN];
	rkd_object_name_from_path(path, name, sizeof(name));
	json_object_set_new(cmd->answer, "object",
	                    object_json(rkd_object_find(cmd->daemon, name), false));
	return 0;
}

static int cmd_unload(struct cmd *cmd)
{
	const char *name;
	int rc = rkd_request_string(cmd->req, "object", true, &name, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	struct rkd_object *object = rkd_object_find(cmd->daemon, name);
	size_t used = object && object->obj ? rk_obj_budget(object->obj)->used : 0;
	rc = rkd_object_unload(cmd->daemon, name, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	json_object_set_new(cmd->answer, "bytes_returned", json_integer((json_int_t)used));
	json_object_set_new(cmd->answer, "memory_charged",
	                    json_integer((json_int_t)rkd_objects_memory_used(cmd->daemon)));
	return 0;
}

/* ---------------------------------------------------------------- */
/* Maps                                                             */
/* ---------------------------------------------------------------- */

static int find_map(struct cmd *cmd, struct rkd_object **object_out, struct rk_map **map_out)
{
	int rc = find_object(cmd, true, object_out);
	if (rc)
		return rc;
	const char *name;
	rc = rkd_request_string(cmd->req, "map", true, &name, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	*map_out = rk_obj_map_find((*object_out)->obj, name);
	if (*map_out)
		return 0;
	int used = snprintf(cmd->err, sizeof(cmd->err), "object '%s' has no map '%.64s'; it has:",
	                    (*object_out)->name, name);
	for (size_t i = 0; i < rk_obj_map_count((*object_out)->obj) && used > 0 &&
	                   (size_t)used < sizeof(cmd->err);
	     i++)
		used += snprintf(cmd->err + used, sizeof(cmd->err) - (size_t)used, " %s",
		                 rk_map_def(rk_obj_map((*object_out)->obj, i))->name);
	return -ENOENT;
}

static bool has_entries(const struct rk_map_def *def)
{
	return def->type != RK_MAP_RINGBUF && def->type != RK_MAP_PROG_ARRAY &&
	       def->type != RK_MAP_PERF_EVENT_ARRAY;
}

/* The key (or value) from "FIELD" (JSON through BTF) or "FIELD_hex". */
static int request_bytes(struct cmd *cmd, const struct rk_btf *btf, uint32_t type_id,
                         const char *field, void *out, size_t size)
{
	char hex_field[32];
	snprintf(hex_field, sizeof(hex_field), "%s_hex", field);
	json_t *json = json_object_get(cmd->req->root, field);
	json_t *hex = json_object_get(cmd->req->root, hex_field);
	if (json && hex) {
		snprintf(cmd->err, sizeof(cmd->err), "%s: give \"%s\" or \"%s\", not both",
		         cmd->req->command->name, field, hex_field);
		return -EINVAL;
	}
	if (hex) {
		if (!json_is_string(hex)) {
			snprintf(cmd->err, sizeof(cmd->err), "%s: \"%s\" must be a string of hex digits",
			         cmd->req->command->name, hex_field);
			return -EINVAL;
		}
		return rkd_hex_decode(json_string_value(hex), out, size, field, cmd->err,
		                      sizeof(cmd->err));
	}
	if (!json) {
		snprintf(cmd->err, sizeof(cmd->err), "%s: missing \"%s\" (JSON) or \"%s\" (hex)",
		         cmd->req->command->name, field, hex_field);
		return -EINVAL;
	}
	return rkd_map_encode(btf, type_id, json, out, size, field, cmd->err, sizeof(cmd->err));
}

static json_t *value_json(const struct rk_btf *btf, struct rk_map *map, const void *key,
                          const void *value)
{
	const struct rk_map_def *def = rk_map_def(map);
	if (def->type == RK_MAP_TIMESERIES) {
		struct rk_ts_window window;
		rk_timeseries_window(map, key, UINT64_MAX, UINT64_MAX, &window);
		return json_pack("{sIsIsIsI}", "samples", (json_int_t)window.count, "min",
		                 (json_int_t)window.min, "max", (json_int_t)window.max, "mean",
		                 (json_int_t)window.mean);
	}
	return rkd_map_decode(btf, def->btf_value_type_id, value, def->value_size);
}

static int cmd_map_list(struct cmd *cmd)
{
	struct rkd_object *object;
	int rc = find_object(cmd, true, &object);
	if (rc)
		return rc;
	json_t *maps = json_array();
	for (size_t i = 0; i < rk_obj_map_count(object->obj); i++) {
		const struct rk_map *map = rk_obj_map(object->obj, i);
		const struct rk_map_def *def = rk_map_def(map);
		json_t *m = json_pack("{sssssIsIsIsI}", "name", def->name, "type",
		                      rk_map_type_name(def->type), "key_size",
		                      (json_int_t)def->key_size, "value_size",
		                      (json_int_t)def->value_size, "max_entries",
		                      (json_int_t)def->max_entries, "bytes",
		                      (json_int_t)rk_map_mem_bytes(map));
		if (def->type == RK_MAP_RINGBUF)
			json_object_set_new(m, "dropped", json_integer((json_int_t)rk_ringbuf_dropped(map)));
		json_array_append_new(maps, m);
	}
	json_object_set_new(cmd->answer, "maps", maps);
	return 0;
}

static int cmd_map_dump(struct cmd *cmd)
{
	struct rkd_object *object;
	struct rk_map *map;
	int rc = find_map(cmd, &object, &map);
	if (rc)
		return rc;
	const struct rk_map_def *def = rk_map_def(map);
	if (!has_entries(def)) {
		snprintf(cmd->err, sizeof(cmd->err),
		         "map '%s' is a %s map: it has no entries to dump (rkctl tail shows its records)",
		         def->name, rk_map_type_name(def->type));
		return -EINVAL;
	}
	const struct rk_btf *btf = rk_obj_btf(object->obj);
	uint8_t *key = calloc(1, def->key_size), *next = calloc(1, def->key_size);
	if (!key || !next) {
		free(key);
		free(next);
		snprintf(cmd->err, sizeof(cmd->err), "out of memory");
		return -ENOMEM;
	}
	json_t *entries = json_array();
	bool has_key = false;
	size_t count = 0;
	while (rk_map_next_key(map, has_key ? key : NULL, next) == 0) {
		memcpy(key, next, def->key_size);
		has_key = true;
		const void *value = rk_map_lookup(map, key);
		if (!value)
			continue;
		if (count == DUMP_MAX_ENTRIES) {
			json_object_set_new(cmd->answer, "truncated", json_true());
			break;
		}
		json_t *entry = json_object();
		json_object_set_new(entry, "key", rkd_map_decode(btf, def->btf_key_type_id, key,
		                                                 def->key_size));
		json_object_set_new(entry, "value", value_json(btf, map, key, value));
		json_array_append_new(entries, entry);
		count++;
	}
	free(key);
	free(next);
	json_object_set_new(cmd->answer, "map", json_string(def->name));
	json_object_set_new(cmd->answer, "entries", entries);
	return 0;
}

/* map.get, map.set, map.delete share their first steps. */
static int map_key(struct cmd *cmd, struct rkd_object **object, struct rk_map **map,
                   uint8_t **key)
{
	int rc = find_map(cmd, object, map);
	if (rc)
		return rc;
	const struct rk_map_def *def = rk_map_def(*map);
	if (!has_entries(def)) {
		snprintf(cmd->err, sizeof(cmd->err), "map '%s' is a %s map: it has no entries",
		         def->name, rk_map_type_name(def->type));
		return -EINVAL;
	}
	*key = calloc(1, def->key_size);
	if (!*key) {
		snprintf(cmd->err, sizeof(cmd->err), "out of memory");
		return -ENOMEM;
	}
	return request_bytes(cmd, rk_obj_btf((*object)->obj), def->btf_key_type_id, "key", *key,
	                     def->key_size);
}

static int cmd_map_get(struct cmd *cmd)
{
	struct rkd_object *object;
	struct rk_map *map;
	uint8_t *key = NULL;
	int rc = map_key(cmd, &object, &map, &key);
	if (rc == 0) {
		const struct rk_map_def *def = rk_map_def(map);
		const void *value = rk_map_lookup(map, key);
		if (!value) {
			snprintf(cmd->err, sizeof(cmd->err), "map '%s' has no entry for that key",
			         def->name);
			rc = -ENOENT;
		} else {
			const struct rk_btf *btf = rk_obj_btf(object->obj);
			json_object_set_new(cmd->answer, "key",
			                    rkd_map_decode(btf, def->btf_key_type_id, key, def->key_size));
			json_object_set_new(cmd->answer, "value", value_json(btf, map, key, value));
			json_object_set_new(cmd->answer, "value_hex", rkd_hex_string(value, def->value_size));
		}
	}
	free(key);
	return rc;
}

static int cmd_map_set(struct cmd *cmd)
{
	struct rkd_object *object;
	struct rk_map *map;
	uint8_t *key = NULL, *value = NULL;
	int rc = map_key(cmd, &object, &map, &key);
	const struct rk_map_def *def = rc == 0 ? rk_map_def(map) : NULL;
	if (rc == 0 && (def->type == RK_MAP_TIMESERIES || strstr(def->name, ".rodata"))) {
		snprintf(cmd->err, sizeof(cmd->err),
		         "map '%s' cannot be set from outside: %s", def->name,
		         def->type == RK_MAP_TIMESERIES
		                 ? "a time series only takes samples from its program"
		                 : "read-only data was compiled into the program as constants");
		rc = -EINVAL;
	}
	if (rc == 0) {
		value = calloc(1, def->value_size);
		if (!value) {
			snprintf(cmd->err, sizeof(cmd->err), "out of memory");
			rc = -ENOMEM;
		}
	}
	if (rc == 0) {
		/* Fields the request leaves out keep their current values. */
		const void *current = rk_map_lookup(map, key);
		if (current)
			memcpy(value, current, def->value_size);
		rc = request_bytes(cmd, rk_obj_btf(object->obj), def->btf_value_type_id, "value", value,
		                   def->value_size);
	}
	if (rc == 0) {
		rc = rk_map_update(map, key, value, RK_MAP_ANY);
		if (rc)
			snprintf(cmd->err, sizeof(cmd->err), "map '%s': update failed: %s%s", def->name,
			         strerror(-rc), rc == -E2BIG ? " (the map is full)" : "");
	}
	if (rc == 0) {
		const struct rk_btf *btf = rk_obj_btf(object->obj);
		json_object_set_new(cmd->answer, "key",
		                    rkd_map_decode(btf, def->btf_key_type_id, key, def->key_size));
		json_object_set_new(cmd->answer, "value",
		                    rkd_map_decode(btf, def->btf_value_type_id, value, def->value_size));
		rkd_log("info", "%s: map %s updated by a control request", object->name, def->name);
	}
	free(key);
	free(value);
	return rc;
}

static int cmd_map_delete(struct cmd *cmd)
{
	struct rkd_object *object;
	struct rk_map *map;
	uint8_t *key = NULL;
	int rc = map_key(cmd, &object, &map, &key);
	if (rc == 0) {
		const struct rk_map_def *def = rk_map_def(map);
		rc = rk_map_delete(map, key);
		if (rc == -ENOENT)
			snprintf(cmd->err, sizeof(cmd->err), "map '%s' has no entry for that key",
			         def->name);
		else if (rc)
			snprintf(cmd->err, sizeof(cmd->err), "map '%s': %s entries cannot be deleted%s",
			         def->name, rk_map_type_name(def->type),
			         def->type == RK_MAP_ARRAY ? " (set the value to zero instead)" : "");
	}
	free(key);
	return rc;
}

/* ---------------------------------------------------------------- */
/* attach, detach: move a program off its SEC()                     */
/* ---------------------------------------------------------------- */

static int prog_args(struct cmd *cmd, const char **object, const char **program)
{
	int rc = rkd_request_string(cmd->req, "object", true, object, cmd->err, sizeof(cmd->err));
	if (rc == 0)
		rc = rkd_request_string(cmd->req, "program", true, program, cmd->err,
		                        sizeof(cmd->err));
	return rc;
}

/* The answer: the object as `list` shows it, and the program. */
static void answer_prog(struct cmd *cmd, const char *object_name, const char *program)
{
	struct rkd_object *object = rkd_object_find(cmd->daemon, object_name);
	if (!object)
		return;
	json_object_set_new(cmd->answer, "object", object_json(object, false));
	for (size_t i = 0; i < object->prog_count; i++)
		if (strcmp(rk_prog_name(object->progs[i].prog), program) == 0)
			json_object_set_new(cmd->answer, "program", prog_json(&object->progs[i], false));
}

static int cmd_attach(struct cmd *cmd)
{
	const char *object, *program, *section;
	int rc = prog_args(cmd, &object, &program);
	if (rc == 0)
		rc = rkd_request_string(cmd->req, "section", false, &section, cmd->err,
		                        sizeof(cmd->err));
	if (rc == 0)
		rc = rkd_prog_attach(cmd->daemon, object, program, section, cmd->err,
		                     sizeof(cmd->err));
	if (rc == 0)
		answer_prog(cmd, object, program);
	return rc;
}

static int cmd_detach(struct cmd *cmd)
{
	const char *object, *program;
	int rc = prog_args(cmd, &object, &program);
	if (rc == 0)
		rc = rkd_prog_detach(cmd->daemon, object, program, cmd->err, sizeof(cmd->err));
	if (rc == 0)
		answer_prog(cmd, object, program);
	return rc;
}

static int cmd_version(struct cmd *cmd)
{
	json_object_set_new(cmd->answer, "rkd", json_string(RKD_VERSION));
	json_object_set_new(cmd->answer, "protocol", json_integer(RKD_PROTOCOL_VERSION));
	const char *arch = rk_jit_arch();
	json_object_set_new(cmd->answer, "jit", arch && cmd->daemon->config.jit ? json_string(arch)
	                                                                      : json_null());
	return 0;
}

static int cmd_tail(struct cmd *cmd)
{
	json_object_set_new(cmd->answer, "tail", json_true());
	return 0;
}

/* ---------------------------------------------------------------- */
/* The emergency stop (estop.c)                                     */
/* ---------------------------------------------------------------- */

static int cmd_estop_status(struct cmd *cmd)
{
	json_object_set_new(cmd->answer, "estop", rkd_estop_status_json());
	return 0;
}

static int cmd_estop_reset(struct cmd *cmd)
{
	if (rkd_estop_count() == 0) {
		snprintf(cmd->err, sizeof(cmd->err),
		         "estop reset: no actuators are configured ([actuator NAME] in rkd.conf)");
		return -ENOENT;
	}
	json_t *before = rkd_estop_status_json();
	bool was = json_is_true(json_object_get(before, "tripped"));
	json_decref(before);
	int rc = rkd_estop_reset(cmd->daemon, cmd->err, sizeof(cmd->err));
	if (rc)
		return rc;
	json_object_set_new(cmd->answer, "was_tripped", json_boolean(was));
	json_object_set_new(cmd->answer, "estop", rkd_estop_status_json());
	return 0;
}

struct handler {
	const char *name;
	int (*run)(struct cmd *cmd);
};

static const struct handler handlers[] = {
	{"version", cmd_version},   {"list", cmd_list},         {"show", cmd_show},
	{"stats", cmd_stats},       {"tail", cmd_tail},         {"map.list", cmd_map_list},
	{"map.dump", cmd_map_dump}, {"map.get", cmd_map_get},   {"load", cmd_load},
	{"unload", cmd_unload},     {"map.set", cmd_map_set},   {"map.delete", cmd_map_delete},
	{"estop.status", cmd_estop_status}, {"estop.reset", cmd_estop_reset},
	{"attach", cmd_attach},     {"detach", cmd_detach},
};

json_t *rkd_command_run(struct rkd_daemon *daemon, const struct rkd_request *req,
                        bool *subscribe)
{
	*subscribe = false;
	struct cmd cmd = {.daemon = daemon, .req = req, .answer = rkd_response_ok(req)};
	if (!cmd.answer)
		return NULL;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (strcmp(handlers[i].name, req->command->name) != 0)
			continue;
		if (handlers[i].run(&cmd)) {
			json_decref(cmd.answer);
			return rkd_response_error(req, cmd.err);
		}
		*subscribe = strcmp(req->command->name, "tail") == 0;
		return cmd.answer;
	}
	json_decref(cmd.answer);
	return rkd_response_error(req, "internal error: command without a handler");
}
