/*
 * fuzz_sig.c - libFuzzer target for the OBJ.sig and key file parsers
 * (tools/common/signature.c, compiled in here without libsodium:
 * fuzz targets link only librkbpf).
 *
 * Invariants (abort() when broken, so that libFuzzer keeps the input):
 *   - the result is 0 with an empty err, or -EBADMSG/-ENOMEM with a
 *     one-line err;
 *   - an accepted signature is canonical: rk_sig_format() of what was
 *     parsed gives back exactly the input bytes, and parsing that again
 *     gives the same fields;
 *   - accepted fields are terminated, within their limits, and made of the
 *     characters the format allows;
 *   - the same holds for public and secret key files.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RK_SIG_NO_CRYPTO
#include "../tools/common/signature.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err)
{
	if (rc == 0 && err[0])
		abort();
	if (rc != 0 && (rc != -EBADMSG && rc != -ENOMEM))
		abort();
	if (rc != 0 && (!err[0] || strchr(err, '\n')))
		abort();
}

static void check_sig(const uint8_t *data, size_t size)
{
	static struct rk_sig sig, again;
	static char text[RK_SIG_FILE_MAX];
	char err[RK_SIG_ERR_LEN] = "";
	int rc = rk_sig_parse(data, size, &sig, err, sizeof(err));
	check_err(rc, err);
	if (rc)
		return;
	if (!rk_sig_name_ok(sig.object_name, RK_SIG_NAME_MAX) ||
	    !rk_sig_name_ok(sig.arch, RK_SIG_FIELD_MAX) ||
	    (sig.board[0] && !rk_sig_name_ok(sig.board, RK_SIG_FIELD_MAX)) ||
	    strnlen(sig.verifier, sizeof(sig.verifier)) >= sizeof(sig.verifier) ||
	    sig.prog_count == 0 || sig.prog_count > RK_SIG_MAX_PROGS)
		abort();
	for (size_t i = 0; i < sig.prog_count; i++)
		if (!rk_sig_name_ok(sig.progs[i].name, RK_SIG_NAME_MAX) || !sig.progs[i].insn_bound)
			abort();
	int len = rk_sig_format(&sig, text, sizeof(text), err, sizeof(err));
	if (len < 0 || (size_t)len != size || memcmp(text, data, size) != 0)
		abort();
	if (rk_sig_parse((const uint8_t *)text, (size_t)len, &again, err, sizeof(err)) ||
	    memcmp(&sig, &again, sizeof(sig)) != 0)
		abort();
}

static void check_keys(const uint8_t *data, size_t size)
{
	struct rk_public_key public_key;
	struct rk_secret_key secret;
	char text[RK_KEY_FILE_MAX], err[RK_SIG_ERR_LEN] = "";
	int rc = rk_public_key_parse(data, size, &public_key, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0) {
		int len = rk_public_key_format(&public_key, text, sizeof(text));
		if (len < 0 || (size_t)len != size || memcmp(text, data, size) != 0)
			abort();
	}
	err[0] = '\0';
	rc = rk_secret_key_parse(data, size, &secret, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0) {
		int len = rk_secret_key_format(&secret, text, sizeof(text));
		if (len < 0 || (size_t)len != size || memcmp(text, data, size) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_sig(data, size);
	check_keys(data, size);
	return 0;
}
