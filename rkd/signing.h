/*
 * signing.h - rkd's signature policy (docs/signatures.md): with
 * require_signature = on, an object is loaded only beside a good OBJ.sig by
 * a key in trusted_keys_dir, made for this arch and board, whose sequence
 * number is not older than the highest rkd ever accepted for that name.
 *
 * The one thing to know: the highest sequence numbers live in
 * state_dir/sequences, rewritten atomically (temporary file, fsync, rename)
 * only after an object is running, so a crash never loses an accepted
 * number and never records one that did not load.
 */
#ifndef RKD_SIGNING_H
#define RKD_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../tools/common/signature.h"
#include "daemon.h"

#define RKD_SEQUENCES_FILE "sequences"

/* What the policy found for one object; rkd_signed_free() after use. */
struct rkd_signed {
	bool checked;                /* require_signature is on and the signature is good */
	bool attested;               /* trust_attestation: rkd's verifier is skipped */
	struct rk_sig *sig;          /* checked: what was signed */
	struct rk_public_key key;
};

/* At start: libsodium, state_dir (created 0700), the sequence state.  0 or -errno, err. */
int rkd_signing_start(struct rkd_daemon *daemon, char *err, size_t err_len);
void rkd_signing_stop(struct rkd_daemon *daemon);

/*
 * The policy for the object `name` read from path (data, len).  0 with out
 * filled (out->checked false when require_signature is off), or a negative
 * errno with err: the file and the precise reason it is refused.
 */
int rkd_signing_check(struct rkd_daemon *daemon, const char *path, const char *name,
                      const uint8_t *data, size_t len, struct rkd_signed *out, char *err,
                      size_t err_len);

/* The object runs now: record its sequence number (durably).  0 or -errno, err. */
int rkd_signing_commit(struct rkd_daemon *daemon, const char *name, const struct rkd_signed *s,
                       char *err, size_t err_len);

void rkd_signed_free(struct rkd_signed *s);

/* The signed bound of program `name`, or 0 when the signature does not list it. */
uint64_t rkd_signed_insn_bound(const struct rkd_signed *s, const char *name);

#endif
