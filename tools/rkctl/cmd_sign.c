/*
 * cmd_sign.c - rkctl keygen and rkctl sign: Ed25519 key pairs, and the
 * detached OBJ.sig that rkd's signature policy checks (docs/signatures.md).
 *
 * The one thing to know: sign verifies first, exactly as `rkctl verify`
 * does (rkctl_verify_verdict), and signs nothing unless every program of
 * the object is accepted; the signature carries that verdict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/file_io.h"
#include "../common/signature.h"
#include "commands.h"
#include "rkbpf.h"

#define KEYGEN_USAGE "usage: rkctl keygen --out DIR|PREFIX [--role signer|verifier]\n"
#define SIGN_USAGE \
	"usage: rkctl sign --key SECRET OBJ [--seq N] [--board ID] [--arch ARCH] [--btf FILE]\n"
#define KEY_TEXT_MAX 512
#define SECRET_KEY_MODE 0600
#define PUBLIC_KEY_MODE 0644

/* Create path (never over an existing file) with mode and write text. */
static int write_new_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "rkctl keygen: %s: %s%s\n", path, strerror(errno),
		        errno == EEXIST ? " (keys are never overwritten: choose another --out)" : "");
		return -1;
	}
	ssize_t wrote = write(fd, text, len);
	int rc = wrote == (ssize_t)len && fchmod(fd, mode) == 0 && fsync(fd) == 0 ? 0 : -1;
	if (close(fd))
		rc = -1;
	if (rc) {
		fprintf(stderr, "rkctl keygen: %s: write failed\n", path);
		unlink(path);
	}
	return rc;
}

int rkctl_cmd_keygen(int argc, char **argv)
{
	const char *out = NULL;
	enum rk_key_role role = RK_KEY_SIGNER;
	for (int i = 1; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--out") == 0 && value) {
			out = value, i++;
		} else if (strcmp(argv[i], "--role") == 0 && value) {
			if (rk_key_role_parse(value, &role)) {
				fprintf(stderr, "rkctl keygen: --role wants signer or verifier, got '%s'\n",
				        value);
				return RKCTL_EXIT_USAGE;
			}
			i++;
		} else {
			fprintf(stderr, "rkctl keygen: unexpected argument '%s'\n%s", argv[i],
			        KEYGEN_USAGE);
			return RKCTL_EXIT_USAGE;
		}
	}
	if (!out) {
		fprintf(stderr, KEYGEN_USAGE);
		return RKCTL_EXIT_USAGE;
	}
	if (rk_sig_crypto_init()) {
		fprintf(stderr, "rkctl keygen: libsodium failed to initialise\n");
		return RKCTL_EXIT_FAILED;
	}
	struct rk_secret_key secret;
	struct rk_public_key public_key;
	rk_key_generate(role, &secret, &public_key);
	char id_hex[RK_SIG_KEY_ID_HEX], prefix[4096], secret_path[4096 + 8], public_path[4096 + 8];
	rk_key_id_hex(public_key.id, id_hex);
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		snprintf(prefix, sizeof(prefix), "%s/%s", out, id_hex);
	else
		snprintf(prefix, sizeof(prefix), "%s", out);
	snprintf(secret_path, sizeof(secret_path), "%s%s", prefix, RK_SECRET_KEY_SUFFIX);
	snprintf(public_path, sizeof(public_path), "%s%s", prefix, RK_PUBLIC_KEY_SUFFIX);
	char secret_text[KEY_TEXT_MAX], public_text[KEY_TEXT_MAX];
	int secret_len = rk_secret_key_format(&secret, secret_text, sizeof(secret_text));
	int public_len = rk_public_key_format(&public_key, public_text, sizeof(public_text));
	sodium_memzero(&secret, sizeof(secret));
	int status = RKCTL_EXIT_FAILED;
	if (secret_len > 0 && public_len > 0 &&
	    write_new_file(secret_path, secret_text, (size_t)secret_len, SECRET_KEY_MODE) == 0) {
		if (write_new_file(public_path, public_text, (size_t)public_len, PUBLIC_KEY_MODE) == 0)
			status = RKCTL_EXIT_OK;
		else
			unlink(secret_path);
	}
	sodium_memzero(secret_text, sizeof(secret_text));
	if (status == RKCTL_EXIT_OK)
		printf("key %s (%s)\n  secret: %s (keep it off the robots)\n  public: %s (copy it "
		       "into rkd's trusted_keys_dir)\n",
		       id_hex, rk_key_role_name(role), secret_path, public_path);
	return status;
}

struct sign_args {
	const char *key_path;
	const char *object;
	const char *board;
	const char *arch;
	const char *btf_path;
	bool seq_given;
	uint64_t seq;
};

static int parse_sign_args(int argc, char **argv, struct sign_args *args)
{
	*args = (struct sign_args){0};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--key") == 0 && value) {
			args->key_path = value, i++;
		} else if (strcmp(arg, "--board") == 0 && value) {
			args->board = value, i++;
		} else if (strcmp(arg, "--arch") == 0 && value) {
			args->arch = value, i++;
		} else if (strcmp(arg, "--btf") == 0 && value) {
			args->btf_path = value, i++;
		} else if (strcmp(arg, "--seq") == 0 && value) {
			char *end;
			errno = 0;
			unsigned long long seq = strtoull(value, &end, 10);
			if (errno || *end || value[0] < '0' || value[0] > '9') {
				fprintf(stderr, "rkctl sign: --seq wants a number from 0 to %" PRIu64
				                ", got '%s'\n",
				        UINT64_MAX, value);
				return -1;
			}
			args->seq = seq, args->seq_given = true, i++;
		} else if (!args->object && arg[0] != '-') {
			args->object = arg;
		} else {
			fprintf(stderr, "rkctl sign: unexpected argument '%s'%s\n%s", arg,
			        value || arg[0] != '-' ? "" : " (or missing value)", SIGN_USAGE);
			return -1;
		}
	}
	if (!args->key_path || !args->object) {
		fprintf(stderr, SIGN_USAGE);
		return -1;
	}
	return 0;
}

/* The object's name as rkd derives it: the file name without ".o". */
static int object_name(const char *path, char *name, size_t name_len)
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
	return rk_sig_name_ok(name, RK_SIG_NAME_MAX) ? 0 : -EINVAL;
}

/* Without --seq: one more than the signature being replaced, else 1. */
static uint64_t next_seq(const char *sig_path)
{
	uint8_t *text;
	size_t len;
	char err[RK_SIG_ERR_LEN];
	if (rk_file_read(sig_path, &text, &len, err, sizeof(err)))
		return 1;
	struct rk_sig *old = malloc(sizeof(*old));
	uint64_t seq = 1;
	if (old && rk_sig_parse(text, len, old, err, sizeof(err)) == 0 && old->seq < UINT64_MAX)
		seq = old->seq + 1;
	free(old);
	free(text);
	return seq;
}

int rkctl_cmd_sign(int argc, char **argv)
{
	struct sign_args args;
	if (parse_sign_args(argc, argv, &args))
		return RKCTL_EXIT_USAGE;
	if (rk_sig_crypto_init()) {
		fprintf(stderr, "rkctl sign: libsodium failed to initialise\n");
		return RKCTL_EXIT_FAILED;
	}
	char err[RK_SIG_ERR_LEN + 512], sig_path[4096];
	struct rk_sig *sig = calloc(1, sizeof(*sig));
	if (!sig) {
		fprintf(stderr, "rkctl sign: out of memory\n");
		return RKCTL_EXIT_FAILED;
	}
	int status = RKCTL_EXIT_USAGE;
	struct rk_secret_key secret;
	uint8_t *obj = NULL;
	size_t obj_len = 0;
	snprintf(sig_path, sizeof(sig_path), "%s%s", args.object, RK_SIG_SUFFIX);
	if (object_name(args.object, sig->object_name, sizeof(sig->object_name))) {
		fprintf(stderr, "rkctl sign: %s: the object name (file name without .o) must be 1 to "
		                "%d of A-Z a-z 0-9 _ . - +\n",
		        args.object, RK_SIG_NAME_MAX);
		goto out;
	}
	const char *arch = args.arch ? args.arch : rk_sig_host_arch();
	if (!rk_sig_name_ok(arch, RK_SIG_FIELD_MAX) ||
	    (args.board && !rk_sig_name_ok(args.board, RK_SIG_FIELD_MAX))) {
		fprintf(stderr, "rkctl sign: --arch and --board want 1 to %d of A-Z a-z 0-9 _ . - +\n",
		        RK_SIG_FIELD_MAX);
		goto out;
	}
	if (rk_secret_key_read(args.key_path, &secret, err, sizeof(err))) {
		fprintf(stderr, "rkctl sign: %s\n", err);
		goto out;
	}
	if (rk_file_read(args.object, &obj, &obj_len, err, sizeof(err))) {
		fprintf(stderr, "rkctl sign: %s\n", err);
		goto out;
	}
	/* Hash the bytes that were verified: read once, verified from the same file. */
	rk_sig_hash(obj, obj_len, sig->object_hash);
	status = rkctl_verify_verdict(args.object, args.btf_path, sig);
	if (status != RKCTL_EXIT_OK) {
		fprintf(stderr, "rkctl sign: %s: not signed: %s\n", args.object,
		        status == RKCTL_EXIT_FAILED ? "the verifier rejected a program"
		                                    : "it could not be verified");
		goto out;
	}
	/* The file must not have changed while it was verified. */
	uint8_t *again = NULL;
	size_t again_len = 0;
	uint8_t hash[RK_SIG_HASH_BYTES];
	if (rk_file_read(args.object, &again, &again_len, err, sizeof(err)) == 0)
		rk_sig_hash(again, again_len, hash);
	free(again);
	if (!again || memcmp(hash, sig->object_hash, sizeof(hash)) != 0) {
		fprintf(stderr, "rkctl sign: %s changed while it was verified; not signed\n",
		        args.object);
		status = RKCTL_EXIT_FAILED;
		goto out;
	}
	snprintf(sig->verifier, sizeof(sig->verifier), "%s", RK_VERIFIER_VERSION);
	snprintf(sig->arch, sizeof(sig->arch), "%s", arch);
	snprintf(sig->board, sizeof(sig->board), "%s", args.board ? args.board : "");
	sig->seq = args.seq_given ? args.seq : next_seq(sig_path);
	char text[RK_SIG_FILE_MAX];
	int len = -1;
	if (rk_sig_sign(sig, &secret, err, sizeof(err)) == 0)
		len = rk_sig_format(sig, text, sizeof(text), err, sizeof(err));
	if (len < 0 || rk_file_write_atomic(sig_path, text, (size_t)len, 0644, err, sizeof(err))) {
		fprintf(stderr, "rkctl sign: %s\n", err);
		status = RKCTL_EXIT_FAILED;
		goto out;
	}
	char id_hex[RK_SIG_KEY_ID_HEX];
	rk_key_id_hex(secret.id, id_hex);
	printf("%s: signed: object %s, seq %" PRIu64 ", arch %s, board %s, key %s (%s), %zu "
	       "program%s\n",
	       sig_path, sig->object_name, sig->seq, sig->arch, sig->board[0] ? sig->board : "any",
	       id_hex, rk_key_role_name(secret.role), sig->prog_count,
	       sig->prog_count == 1 ? "" : "s");
	status = RKCTL_EXIT_OK;
out:
	sodium_memzero(&secret, sizeof(secret));
	free(obj);
	free(sig);
	return status;
}
