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
#include <sys/types.h>
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
	/*
	 * Where it is attached (docs/rkd.md "Moving a program"): its SEC(), unless
	 * `rkctl attach` moved it (attach_section, malloc'd) or detached it.
	 * Both carry over to a new version of the object with a program of
	 * the same name.
	 */
	char *attach_section;                /* NULL: rk_prog_section() */
	bool detached;                       /* no hook; the program stays loaded */
	int pid;                             /* the process filter in force ([program] in rkd.conf); 0: none */
	/* Polls whose fd hung up (the traced process or thread exited): stopped, never spun on. */
	size_t polls_hup;
	/* uprobes on an absolute path: the file at attach, to tell when it is removed or replaced. */
	bool has_target_file;
	dev_t target_dev;
	ino_t target_ino;
	/* Hook stats of the hooks it was attached to before (rkctl attach/detach). */
	uint64_t earlier_hook_events;
	uint64_t earlier_hook_lost;
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

/*
 * Move program prog of object to section (NULL: back to its SEC()): the
 * section is parsed, its context must be of the kind the program was built
 * for (struct pt_regs for uprobe/uretprobe/kprobe/kretprobe, a tracepoint
 * record, ...), the program is verified again against it, the new hook is
 * opened and started, and only then the old one stopped (its pending events
 * are run first).  On any error the program stays where it was.  0, or a
 * negative errno with err saying what to do.
 */
int rkd_prog_attach(struct rkd_daemon *daemon, const char *object, const char *prog,
                    const char *section, char *err, size_t err_len);

/* Stop and close prog's hook; the program, its maps and stats stay loaded. */
int rkd_prog_detach(struct rkd_daemon *daemon, const char *object, const char *prog,
                    char *err, size_t err_len);

/* "attached", "detached", or "target_exited" (every fd of its pid-filtered hook hung up). */
const char *rkd_prog_state(const struct rkd_prog *p);

/* Where it is attached: attach_section or its SEC(). */
const char *rkd_prog_section(const struct rkd_prog *p);

/*
 * Something the operator should know about the attach point, or "" (a
 * uprobe's binary removed or replaced on disk since it was attached).
 */
void rkd_prog_note(const struct rkd_prog *p, char *buf, size_t len);

/* Stop everything: at exit. */
void rkd_objects_unload_all(struct rkd_daemon *daemon);

/* Memory charged to every loaded object, summed. */
size_t rkd_objects_memory_used(const struct rkd_daemon *daemon);

#endif
