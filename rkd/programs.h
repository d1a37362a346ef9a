/*
 * programs.h - loaded objects: an ELF object read from a file, every
 * program in it verified, compiled and attached to the hook its SEC() names;
 * events from the hooks run the programs; ring buffers are drained into the
 * event stream after each batch.
 *
 * The one thing to know: an object is replaced atomically.  A new version
 * is fully loaded, verified, compiled and attached before the old one is
 * stopped; if any step fails, the old one keeps running and the failure is
 * recorded on it.  An object that never loaded is kept as a "failed" entry
 * (no code, no memory) so that `rkctl list` can say why.
 */
#ifndef RKD_PROGRAMS_H
#define RKD_PROGRAMS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "../hooks/ctx_desc.h"
#include "../hooks/hook.h"
#include "../tools/common/signature.h"
#include "daemon.h"
#include "rkbpf.h"

#define RKD_OBJECT_NAME_LEN 128
#define RKD_OBJECT_ERR_LEN (RK_VERIFY_ERR_LEN + PATH_MAX + 256)
#define RKD_OBJECT_NOTE_LEN 512

enum rkd_object_state {
	RKD_OBJECT_RUNNING,
	RKD_OBJECT_FAILED,
};

enum rkd_object_origin {
	RKD_ORIGIN_DROPIN,     /* a file in programs_dir */
	RKD_ORIGIN_CONTROL,    /* rkctl load PATH */
};

struct rkd_prog {
	struct rkd_object *object;
	struct rk_prog *prog;                /* owned by object->obj */
	struct rk_ctx_desc_buf ctx;          /* never copied: ctx may point into it */
	struct rk_hook *hook;
	uv_poll_t *polls;                    /* one per rk_hook_fds() */
	size_t poll_count;
	struct rk_env env;                   /* env.host is this rkd_prog */
	enum rk_exec_mode mode;
	uint64_t insn_bound;                 /* from the verifier */
	/* The event being run, for bpf_probe_read_user; NULL outside a run. */
	const struct rk_hook_event *event;
	/* Stats. */
	uint64_t runs;
	uint64_t run_ns;
	uint64_t failures;                   /* runs that stopped on a violation */
	char last_failure[RK_ERR_LEN + 32];
};

struct rkd_object {
	struct rkd_object *next;
	struct rkd_daemon *daemon;
	char name[RKD_OBJECT_NAME_LEN];      /* the file name without ".o" */
	char path[PATH_MAX];
	enum rkd_object_state state;
	enum rkd_object_origin origin;
	/* Failed: why.  Running: why the last update was refused ("" when none). */
	char error[RKD_OBJECT_ERR_LEN];
	/* What happened to the previous version's maps on the last swap. */
	char note[RKD_OBJECT_NOTE_LEN];
	struct rk_obj *obj;                  /* NULL when failed */
	struct rkd_prog *progs;
	size_t prog_count;
	/* Per map (index as rk_obj_map()): the BTF type of a ring buffer's records, or 0. */
	uint32_t *record_types;
	uint64_t loaded_ns;                  /* CLOCK_MONOTONIC */
	unsigned version;                    /* 1, then +1 per successful swap */
	/* Signature policy (signing.h): what the running version was accepted on. */
	bool signature_checked;
	bool attested;                       /* loaded on a verifier key's verdict, not rk_verify */
	uint64_t seq;
	char key_id[RK_SIG_KEY_ID_HEX];
	enum rk_key_role key_role;
	/* While building: the signed verdict when attested, else NULL. */
	const struct rkd_signed *signed_verdict;
	size_t closes_pending;               /* poll handles still closing */
};

/*
 * Load the object at path under name (NULL: from the file name) and swap it
 * in for any object of that name.  0, or a negative errno with err: the
 * file, the program and the step that failed.  On failure the name is
 * listed as failed (or, when a version was running, keeps running with the
 * error recorded on it).
 */
int rkd_object_load_file(struct rkd_daemon *daemon, const char *path, const char *name,
                         enum rkd_object_origin origin, char *err, size_t err_len);

/* Stop, detach and free the object (failed entries are simply forgotten). */
int rkd_object_unload(struct rkd_daemon *daemon, const char *name, char *err, size_t err_len);

struct rkd_object *rkd_object_find(struct rkd_daemon *daemon, const char *name);

/* "motor_guard" for ".../motor_guard.o"; -EINVAL when the name would be empty or too long. */
int rkd_object_name_from_path(const char *path, char *name, size_t name_len);

/* Stop everything: at exit. */
void rkd_objects_unload_all(struct rkd_daemon *daemon);

/* Memory charged to every loaded object, summed. */
size_t rkd_objects_memory_used(const struct rkd_daemon *daemon);

#endif
