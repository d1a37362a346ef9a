/*
 * signature.h - detached signatures of BPF objects (OBJ.sig beside OBJ) and
 * the Ed25519 keys that make them; shared by rkctl (keygen, sign, verify
 * --signature) and rkd (its signature policy).  docs/signatures.md is the
 * format's reference.
 *
 * The one thing to know: the bytes that are signed are the canonical text
 * of every field (rk_sig_body()), and the parser accepts only that text --
 * one spelling per signature -- so what a human reads in OBJ.sig is exactly
 * what the key vouched for.
 *
 * Define RK_SIG_NO_CRYPTO before including signature.c to get the parsers
 * and the serialiser alone, without libsodium (fuzz/fuzz_sig.c).
 */
#ifndef RK_TOOLS_SIGNATURE_H
#define RK_TOOLS_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RK_SIG_FORMAT_VERSION 1
#define RK_SIG_SUFFIX ".sig"
#define RK_SIG_HASH_BYTES 32        /* BLAKE2b-256 of the object */
#define RK_SIG_KEY_ID_BYTES 8       /* the first bytes of BLAKE2b-256(public key) */
#define RK_SIG_PUBLIC_KEY_BYTES 32  /* crypto_sign_PUBLICKEYBYTES */
#define RK_SIG_SECRET_KEY_BYTES 64  /* crypto_sign_SECRETKEYBYTES (seed + public key) */
#define RK_SIG_BYTES 64             /* crypto_sign_BYTES */
#define RK_SIG_NAME_MAX 127         /* object and program names */
#define RK_SIG_FIELD_MAX 63         /* verifier version, arch, board id */
#define RK_SIG_MAX_PROGS 64
/* Larger than any signature rk_sig_body() can make (RK_SIG_MAX_PROGS long lines). */
#define RK_SIG_FILE_MAX 16384u
#define RK_KEY_FILE_MAX 1024u
#define RK_SIG_ERR_LEN 1024
#define RK_SIG_KEY_ID_HEX (2 * RK_SIG_KEY_ID_BYTES + 1)
/* "any board" in the file; board[] is "" in struct rk_sig. */
#define RK_SIG_ANY_BOARD "*"
#define RK_PUBLIC_KEY_SUFFIX ".pub"
#define RK_SECRET_KEY_SUFFIX ".key"

struct rk_sig_prog {
	char name[RK_SIG_NAME_MAX + 1];
	uint64_t insn_bound;                       /* the verifier's verdict: accepted, at most this */
};

struct rk_sig {
	char object_name[RK_SIG_NAME_MAX + 1];     /* the file name without ".o" */
	uint8_t object_hash[RK_SIG_HASH_BYTES];
	char verifier[RK_SIG_FIELD_MAX + 1];       /* RK_VERIFIER_VERSION of the signer */
	char arch[RK_SIG_FIELD_MAX + 1];           /* "x86_64", "arm64", ... */
	uint64_t seq;                              /* monotonic per object name */
	char board[RK_SIG_FIELD_MAX + 1];          /* "": any board */
	uint8_t key_id[RK_SIG_KEY_ID_BYTES];
	size_t prog_count;
	struct rk_sig_prog progs[RK_SIG_MAX_PROGS];
	uint8_t signature[RK_SIG_BYTES];           /* Ed25519 over rk_sig_body() */
};

/* What a key may vouch for: rkd skips its verifier only for a verifier key. */
enum rk_key_role {
	RK_KEY_SIGNER,      /* approves objects; rkd still re-verifies them */
	RK_KEY_VERIFIER,    /* its verdict is trusted where trust_attestation = on */
};

struct rk_public_key {
	uint8_t id[RK_SIG_KEY_ID_BYTES];
	enum rk_key_role role;
	uint8_t key[RK_SIG_PUBLIC_KEY_BYTES];
};

struct rk_secret_key {
	uint8_t id[RK_SIG_KEY_ID_BYTES];
	enum rk_key_role role;
	uint8_t key[RK_SIG_SECRET_KEY_BYTES];
};

/* ---- text, no cryptography ---- */

/*
 * Parse an OBJ.sig file.  0, or -EBADMSG with err "line N: what is wrong"
 * (the caller prefixes the file name).  Only the canonical text is accepted.
 */
int rk_sig_parse(const uint8_t *data, size_t len, struct rk_sig *sig, char *err, size_t err_len);

/*
 * The canonical text of every field but the signature: what Ed25519 signs.
 * Returns its length (< cap, NUL-terminated), or -EINVAL (err says which
 * field cannot be written: bad characters, too many programs) or -E2BIG.
 */
int rk_sig_body(const struct rk_sig *sig, char *buf, size_t cap, char *err, size_t err_len);

/* The whole file: the body and the "ed25519 HEX" line.  Length or -errno. */
int rk_sig_format(const struct rk_sig *sig, char *buf, size_t cap, char *err, size_t err_len);

/* Key files; 0 or -EBADMSG with err "line N: ...". */
int rk_public_key_parse(const uint8_t *data, size_t len, struct rk_public_key *key, char *err,
                        size_t err_len);
int rk_secret_key_parse(const uint8_t *data, size_t len, struct rk_secret_key *key, char *err,
                        size_t err_len);
/* Length written (NUL-terminated) or -E2BIG. */
int rk_public_key_format(const struct rk_public_key *key, char *buf, size_t cap);
int rk_secret_key_format(const struct rk_secret_key *key, char *buf, size_t cap);

const char *rk_key_role_name(enum rk_key_role role);
int rk_key_role_parse(const char *text, enum rk_key_role *role);
/* 16 lowercase hex digits. */
void rk_key_id_hex(const uint8_t id[RK_SIG_KEY_ID_BYTES], char out[RK_SIG_KEY_ID_HEX]);
/* May this text be an object or program name, an arch, a board id in a signature? */
bool rk_sig_name_ok(const char *name, size_t max);
/* This machine's arch as signatures name it ("x86_64", "arm64", ...). */
const char *rk_sig_host_arch(void);

#ifndef RK_SIG_NO_CRYPTO
/* ---- libsodium ---- */

/* Call once before the functions below; 0 or -EIO. */
int rk_sig_crypto_init(void);
void rk_sig_hash(const uint8_t *data, size_t len, uint8_t out[RK_SIG_HASH_BYTES]);
void rk_key_id(const uint8_t public_key[RK_SIG_PUBLIC_KEY_BYTES],
               uint8_t id[RK_SIG_KEY_ID_BYTES]);
void rk_key_generate(enum rk_key_role role, struct rk_secret_key *secret,
                     struct rk_public_key *public_key);

/* Fill sig->key_id and sig->signature with secret over the body. 0 or -errno. */
int rk_sig_sign(struct rk_sig *sig, const struct rk_secret_key *secret, char *err,
                size_t err_len);

/*
 * Read a public key file (path) or find the key of id among the
 * *.pub files of dir.  0, -ENOKEY (err: no such key there), or -errno.
 */
int rk_public_key_read(const char *path, struct rk_public_key *key, char *err, size_t err_len);
int rk_public_key_find(const char *dir, const uint8_t id[RK_SIG_KEY_ID_BYTES],
                       struct rk_public_key *key, char *err, size_t err_len);
int rk_secret_key_read(const char *path, struct rk_secret_key *key, char *err, size_t err_len);

/* What an object's signature must say to be accepted here. */
struct rk_sig_expect {
	const char *object_name;    /* NULL: any */
	const char *arch;           /* NULL: this machine's */
	const char *board;          /* NULL or "": this machine has no board id */
	bool any_board;             /* do not check the board (a workstation) */
	const char *pubkey_path;    /* one key file, or */
	const char *keys_dir;       /* the *.pub files of a directory */
};

/*
 * Check obj (read from obj_path) against sig_text (read from obj_path.sig):
 * the file parses, its key is known, the Ed25519 signature holds, the
 * object's hash matches, and name, arch and board are this machine's.  The
 * first failure wins, and err names the file and the reason:
 *   -EBADMSG      malformed signature file
 *   -ENOKEY       signed by a key that is not trusted here
 *   -EKEYREJECTED the signature file was altered (or made by another key)
 *   -EILSEQ       the object was altered after signing
 *   -EXDEV        made for another object name, arch or board
 * On success sig and key (either may be NULL) hold what was checked.
 */
int rk_sig_check(const char *obj_path, const uint8_t *obj, size_t obj_len,
                 const uint8_t *sig_text, size_t sig_len, const struct rk_sig_expect *expect,
                 struct rk_sig *sig, struct rk_public_key *key, char *err, size_t err_len);

/*
 * Write data to path atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory.  mode applies to the new file.
 */
int rk_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         char *err, size_t err_len);
#endif

#endif
