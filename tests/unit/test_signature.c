/*
 * test_signature.c - OBJ.sig and key files (tools/common/signature.c): the
 * format round-trips, every byte of a signature file and of the object is
 * covered (a flipped bit anywhere is refused, with the right reason), a
 * wrong key, arch, board or name is refused, and the parser takes only the
 * canonical text.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/common/signature.h"
#include "rkbpf.h"

static const uint8_t object[] = "\177ELF pretend object bytes: the signature covers every one";

struct fixture {
	char dir[64];
	char pub_path[128];
	struct rk_secret_key secret;
	struct rk_public_key public_key;
	struct rk_sig sig;
	char text[RK_SIG_FILE_MAX];
	size_t text_len;
};

static struct fixture fx;

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *file = fopen(path, "wb");
	cr_assert_not_null(file, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, file), len);
	fclose(file);
}

static void make_signed(void)
{
	cr_assert_eq(rk_sig_crypto_init(), 0);
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/rk-sig-test.XXXXXX");
	cr_assert_not_null(mkdtemp(fx.dir));
	rk_key_generate(RK_KEY_VERIFIER, &fx.secret, &fx.public_key);
	char key_text[RK_KEY_FILE_MAX];
	int key_len = rk_public_key_format(&fx.public_key, key_text, sizeof(key_text));
	cr_assert_gt(key_len, 0);
	snprintf(fx.pub_path, sizeof(fx.pub_path), "%s/one.pub", fx.dir);
	write_file(fx.pub_path, key_text, (size_t)key_len);

	memset(&fx.sig, 0, sizeof(fx.sig));
	snprintf(fx.sig.object_name, sizeof(fx.sig.object_name), "motor_guard");
	rk_sig_hash(object, sizeof(object), fx.sig.object_hash);
	snprintf(fx.sig.verifier, sizeof(fx.sig.verifier), "%s", RK_VERIFIER_VERSION);
	snprintf(fx.sig.arch, sizeof(fx.sig.arch), "%s", rk_sig_host_arch());
	fx.sig.seq = 42;
	fx.sig.prog_count = 2;
	snprintf(fx.sig.progs[0].name, sizeof(fx.sig.progs[0].name), "on_tick");
	fx.sig.progs[0].insn_bound = 17;
	snprintf(fx.sig.progs[1].name, sizeof(fx.sig.progs[1].name), "on_getpid");
	fx.sig.progs[1].insn_bound = 1234567;
	char err[RK_SIG_ERR_LEN];
	cr_assert_eq(rk_sig_sign(&fx.sig, &fx.secret, err, sizeof(err)), 0, "%s", err);
	int len = rk_sig_format(&fx.sig, fx.text, sizeof(fx.text), err, sizeof(err));
	cr_assert_gt(len, 0, "%s", err);
	fx.text_len = (size_t)len;
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	cr_assert_eq(system(cmd), 0);
}

static int check(const uint8_t *obj, size_t obj_len, const char *text, size_t text_len,
                 const struct rk_sig_expect *expect, char *err, size_t err_len)
{
	struct rk_sig_expect defaults = {.object_name = "motor_guard", .pubkey_path = fx.pub_path};
	err[0] = '\0';
	return rk_sig_check("/x/motor_guard.o", obj, obj_len, (const uint8_t *)text, text_len,
	                    expect ? expect : &defaults, NULL, NULL, err, err_len);
}

TestSuite(signature, .init = make_signed, .fini = cleanup);

Test(signature, round_trip)
{
	cr_assert(strncmp(fx.text, "rkbpf-signature 1\nobject motor_guard\nblake2b ", 45) == 0,
	          "%s", fx.text);
	cr_assert_not_null(strstr(fx.text, "\nseq 42\nboard *\nkey "), "%s", fx.text);
	cr_assert_not_null(strstr(fx.text, "\nprog on_tick accepted 17\n"
	                                   "prog on_getpid accepted 1234567\ned25519 "),
	                   "%s", fx.text);
	struct rk_sig parsed;
	char err[RK_SIG_ERR_LEN];
	cr_assert_eq(rk_sig_parse((const uint8_t *)fx.text, fx.text_len, &parsed, err,
	                          sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(memcmp(&parsed, &fx.sig, sizeof(parsed)), 0);
	struct rk_sig checked;
	struct rk_public_key key;
	struct rk_sig_expect expect = {.object_name = "motor_guard", .pubkey_path = fx.pub_path};
	cr_assert_eq(rk_sig_check("/x/motor_guard.o", object, sizeof(object),
	                          (const uint8_t *)fx.text, fx.text_len, &expect, &checked, &key,
	                          err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(checked.seq, 42);
	cr_assert_eq(key.role, RK_KEY_VERIFIER);
	cr_assert_eq(memcmp(key.id, fx.public_key.id, RK_SIG_KEY_ID_BYTES), 0);
	/* The same through a keys directory. */
	expect.pubkey_path = NULL;
	expect.keys_dir = fx.dir;
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, &expect, err, sizeof(err)),
	             0, "%s", err);
}

Test(signature, board_round_trip)
{
	snprintf(fx.sig.board, sizeof(fx.sig.board), "robot-7");
	char err[RK_SIG_ERR_LEN];
	cr_assert_eq(rk_sig_sign(&fx.sig, &fx.secret, err, sizeof(err)), 0);
	int len = rk_sig_format(&fx.sig, fx.text, sizeof(fx.text), err, sizeof(err));
	cr_assert_not_null(strstr(fx.text, "\nboard robot-7\n"));
	struct rk_sig_expect expect = {.object_name = "motor_guard", .pubkey_path = fx.pub_path,
	                               .board = "robot-7"};
	cr_assert_eq(check(object, sizeof(object), fx.text, (size_t)len, &expect, err, sizeof(err)),
	             0, "%s", err);
	expect.board = "robot-8";
	cr_assert_eq(check(object, sizeof(object), fx.text, (size_t)len, &expect, err, sizeof(err)),
	             -EXDEV);
	cr_assert_not_null(strstr(err, "wrong board: signed for board 'robot-7' only, this is "
	                               "board 'robot-8'"),
	                   "%s", err);
	expect.board = NULL;
	cr_assert_eq(check(object, sizeof(object), fx.text, (size_t)len, &expect, err, sizeof(err)),
	             -EXDEV);
	cr_assert_not_null(strstr(err, "a machine without a board id"), "%s", err);
	expect.any_board = true;
	cr_assert_eq(check(object, sizeof(object), fx.text, (size_t)len, &expect, err, sizeof(err)),
	             0, "%s", err);
}

/* Every bit of the file matters: a flip anywhere is refused. */
Test(signature, every_bit_of_the_signature_file)
{
	char *copy = malloc(fx.text_len);
	char err[RK_SIG_ERR_LEN];
	for (size_t i = 0; i < fx.text_len; i++) {
		for (int b = 0; b < 8; b++) {
			memcpy(copy, fx.text, fx.text_len);
			copy[i] ^= (char)(1 << b);
			int rc = check(object, sizeof(object), copy, fx.text_len, NULL, err, sizeof(err));
			cr_assert(rc == -EBADMSG || rc == -EKEYREJECTED || rc == -ENOKEY,
			          "byte %zu bit %d: rc %d: %s", i, b, rc, err);
		}
	}
	free(copy);
}

Test(signature, every_bit_of_the_object)
{
	uint8_t copy[sizeof(object)];
	char err[RK_SIG_ERR_LEN];
	for (size_t i = 0; i < sizeof(object); i++) {
		memcpy(copy, object, sizeof(object));
		copy[i] ^= 0x01;
		cr_assert_eq(check(copy, sizeof(copy), fx.text, fx.text_len, NULL, err, sizeof(err)),
		             -EILSEQ, "byte %zu", i);
	}
	cr_assert_not_null(strstr(err, "/x/motor_guard.o: the object does not match its signature "
	                               "(BLAKE2b differs)"),
	                   "%s", err);
	cr_assert_eq(check(object, sizeof(object) - 1, fx.text, fx.text_len, NULL, err, sizeof(err)),
	             -EILSEQ);
}

/* A field changed and the file rewritten canonically (a careful forger): the signature fails. */
Test(signature, every_field)
{
	struct rk_sig forged;
	char text[RK_SIG_FILE_MAX], err[RK_SIG_ERR_LEN];
	for (int field = 0; field < 9; field++) {
		forged = fx.sig;
		switch (field) {
		case 0: forged.object_hash[5] ^= 1; break;
		case 1: snprintf(forged.object_name, sizeof(forged.object_name), "motor_guarc"); break;
		case 2: snprintf(forged.verifier, sizeof(forged.verifier), "rkbpf-verifier-0"); break;
		case 3: snprintf(forged.arch, sizeof(forged.arch), "arm64"); break;
		case 4: forged.seq = 43; break;
		case 5: snprintf(forged.board, sizeof(forged.board), "any"); break;
		case 6: forged.progs[1].insn_bound++; break;
		case 7: forged.prog_count = 1; break;
		case 8: forged.signature[0] ^= 0x80; break;
		}
		int len = rk_sig_format(&forged, text, sizeof(text), err, sizeof(err));
		cr_assert_gt(len, 0);
		cr_assert_eq(check(object, sizeof(object), text, (size_t)len, NULL, err, sizeof(err)),
		             -EKEYREJECTED, "field %d: %s", field, err);
		cr_assert_not_null(strstr(err, "/x/motor_guard.o.sig: bad signature"), "%s", err);
	}
}

Test(signature, wrong_key)
{
	struct rk_secret_key other_secret;
	struct rk_public_key other;
	rk_key_generate(RK_KEY_SIGNER, &other_secret, &other);
	char key_text[RK_KEY_FILE_MAX], path[160], err[RK_SIG_ERR_LEN];
	int key_len = rk_public_key_format(&other, key_text, sizeof(key_text));
	snprintf(path, sizeof(path), "%s/other.pub", fx.dir);
	write_file(path, key_text, (size_t)key_len);
	struct rk_sig_expect expect = {.object_name = "motor_guard", .pubkey_path = path};
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, &expect, err, sizeof(err)),
	             -ENOKEY);
	cr_assert_not_null(strstr(err, "not by "), "%s", err);
	/* A directory holding only the other key. */
	unlink(fx.pub_path);
	expect.pubkey_path = NULL;
	expect.keys_dir = fx.dir;
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, &expect, err, sizeof(err)),
	             -ENOKEY);
	cr_assert_not_null(strstr(err, "which is not among the trusted keys in"), "%s", err);
	/* The other key signing with our key id written in: the id check catches it. */
	memcpy(other_secret.id, fx.secret.id, RK_SIG_KEY_ID_BYTES);
	struct rk_sig forged = fx.sig;
	cr_assert_eq(rk_sig_sign(&forged, &other_secret, err, sizeof(err)), -EKEYREJECTED);
}

Test(signature, key_file_id_must_match_key)
{
	struct rk_public_key altered = fx.public_key;
	altered.key[0] ^= 1;
	char key_text[RK_KEY_FILE_MAX], err[RK_SIG_ERR_LEN];
	int key_len = rk_public_key_format(&altered, key_text, sizeof(key_text));
	write_file(fx.pub_path, key_text, (size_t)key_len);
	struct rk_public_key read_back;
	cr_assert_eq(rk_public_key_read(fx.pub_path, &read_back, err, sizeof(err)), -EBADMSG);
	cr_assert_not_null(strstr(err, "the key id does not match the key"), "%s", err);
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, NULL, err, sizeof(err)),
	             -EBADMSG);
}

Test(signature, wrong_arch_and_name)
{
	char err[RK_SIG_ERR_LEN];
	struct rk_sig_expect expect = {.object_name = "motor_guard", .pubkey_path = fx.pub_path,
	                               .arch = "riscv64"};
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, &expect, err, sizeof(err)),
	             -EXDEV);
	cr_assert_not_null(strstr(err, "wrong arch: signed for"), "%s", err);
	expect.arch = NULL;
	expect.object_name = "other";
	cr_assert_eq(check(object, sizeof(object), fx.text, fx.text_len, &expect, err, sizeof(err)),
	             -EXDEV);
	cr_assert_not_null(strstr(err, "signed for object 'motor_guard', not 'other'"), "%s", err);
}

Test(signature, secret_key_round_trip)
{
	char text[RK_KEY_FILE_MAX], path[160], err[RK_SIG_ERR_LEN];
	int len = rk_secret_key_format(&fx.secret, text, sizeof(text));
	cr_assert_gt(len, 0);
	cr_assert(strncmp(text, "rkbpf-secret-key 1\nkey ", 23) == 0, "%s", text);
	cr_assert_not_null(strstr(text, "\nrole verifier\ned25519 "));
	snprintf(path, sizeof(path), "%s/one.key", fx.dir);
	write_file(path, text, (size_t)len);
	struct rk_secret_key read_back;
	cr_assert_eq(rk_secret_key_read(path, &read_back, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&read_back, &fx.secret, sizeof(read_back)), 0);
	/* A public key is not a secret key. */
	cr_assert_eq(rk_secret_key_read(fx.pub_path, &read_back, err, sizeof(err)), -EBADMSG);
	cr_assert_not_null(strstr(err, "not a secret key file: line 1: expected 'rkbpf-secret-key 1'"),
	                   "%s", err);
}

Test(signature, atomic_write)
{
	char path[160], err[RK_SIG_ERR_LEN];
	snprintf(path, sizeof(path), "%s/state", fx.dir);
	cr_assert_eq(rk_file_write_atomic(path, "one\n", 4, 0600, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rk_file_write_atomic(path, "two\n", 4, 0600, err, sizeof(err)), 0, "%s", err);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	FILE *file = fopen(path, "r");
	char line[8] = "";
	cr_assert_not_null(fgets(line, sizeof(line), file));
	fclose(file);
	cr_assert_str_eq(line, "two\n");
	snprintf(path, sizeof(path), "%s/no/such/dir/state", fx.dir);
	cr_assert_lt(rk_file_write_atomic(path, "x", 1, 0600, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "cannot create a temporary file beside it"), "%s", err);
}

/* ---- the parser: only the canonical text ---- */

/* fx.text with the first `from` replaced by `to`; parse it; return rc and err. */
static int parse_edited(const char *from, const char *to, char *err, size_t err_len)
{
	char edited[RK_SIG_FILE_MAX + 64];
	const char *at = strstr(fx.text, from);
	cr_assert_not_null(at, "'%s' not in the text", from);
	size_t head = (size_t)(at - fx.text);
	int len = snprintf(edited, sizeof(edited), "%.*s%s%s", (int)head, fx.text, to,
	                   at + strlen(from));
	struct rk_sig sig;
	err[0] = '\0';
	return rk_sig_parse((const uint8_t *)edited, (size_t)len, &sig, err, err_len);
}

Test(signature, parser_errors)
{
	static const struct {
		const char *from, *to, *message;
	} cases[] = {
		{"rkbpf-signature 1\n", "rkbpf-signature 2\n", "line 1: format version 2 is not supported"},
		{"rkbpf-signature 1\n", "rkbpf-signature 01\n", "line 1: format version '01' is not a number"},
		{"rkbpf-signature 1\n", "rkbpf-sig 1\n", "line 1: expected 'rkbpf-signature 1'"},
		{"rkbpf-signature 1\n", "rkbpf-signature  1\n", "line 1: expected 'rkbpf-signature 1' (fields separated by one space)"},
		{"object motor_guard\n", "object motor guard\n", "line 2: expected 'object NAME'"},
		{"object motor_guard\n", "object motor/guard\n", "line 2: object 'motor/guard': at most"},
		{"object motor_guard\n", "object motor_guard \n", "line 2: expected 'object NAME'"},
		{"object motor_guard\n", "object motor_guard\r\n", "line 2: character 19 is not printable ASCII (0x0d)"},
		{"blake2b ", "blake2b A", "line 3: blake2b: expected 64 lowercase hex digits"},
		{"\nverifier ", "\nverifier\t", "line 4: character 9 is not printable ASCII"},
		{"\nseq 42\n", "\nseq 042\n", "line 6: seq '042': expected a number"},
		{"\nseq 42\n", "\nseq 18446744073709551616\n", "line 6: seq '18446744073709551616'"},
		{"\nseq 42\n", "\nseq -1\n", "line 6: seq '-1'"},
		{"\nseq 42\n", "\nsequence 42\n", "line 6: expected 'seq NUMBER'"},
		{"\nboard *\n", "\nboard **\n", "line 7: board '**'"},
		{"\nboard *\n", "\n", "line 7: expected 'board ID|*'"},
		{"\nkey ", "\nkey 00", "line 8: key: expected 16 lowercase hex digits"},
		{"prog on_tick accepted 17\n", "prog on_tick rejected 17\n", "line 9: verdict 'rejected': only accepted programs are signed"},
		{"prog on_tick accepted 17\n", "prog on_tick accepted 0\n", "line 9: instruction bound '0'"},
		{"prog on_getpid accepted 1234567\n", "prog on_tick accepted 1234567\n", "line 10: program 'on_tick' is listed twice"},
		{"prog on_tick accepted 17\nprog on_getpid accepted 1234567\n", "", "line 9: expected 'prog NAME accepted INSN_BOUND' (one per program)"},
		{"ed25519 ", "ed25519 0", "line 11: ed25519: expected 128 lowercase hex digits"},
		{"ed25519 ", "signature ", "line 11: expected 'ed25519 SIGNATURE'"},
	};
	char err[RK_SIG_ERR_LEN];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(parse_edited(cases[i].from, cases[i].to, err, sizeof(err)), -EBADMSG,
		             "case %zu parsed", i);
		cr_assert_not_null(strstr(err, cases[i].message), "case %zu: '%s' not in '%s'", i,
		                   cases[i].message, err);
	}
}

Test(signature, parser_framing)
{
	struct rk_sig sig;
	char err[RK_SIG_ERR_LEN], text[RK_SIG_FILE_MAX + 64];
	cr_assert_eq(rk_sig_parse((const uint8_t *)"", 0, &sig, err, sizeof(err)), -EBADMSG);
	cr_assert_str_eq(err, "line 1: unexpected end of file");
	/* No newline after the last line. */
	cr_assert_eq(rk_sig_parse((const uint8_t *)fx.text, fx.text_len - 1, &sig, err, sizeof(err)),
	             -EBADMSG);
	cr_assert_str_eq(err, "line 11: no newline at the end of the line");
	/* Anything after the signature line. */
	int len = snprintf(text, sizeof(text), "%s\n", fx.text);
	cr_assert_eq(rk_sig_parse((const uint8_t *)text, (size_t)len, &sig, err, sizeof(err)),
	             -EBADMSG);
	cr_assert_str_eq(err, "line 12: unexpected text after the last line");
	/* A NUL inside a line. */
	memcpy(text, fx.text, fx.text_len);
	text[20] = '\0';
	cr_assert_eq(rk_sig_parse((const uint8_t *)text, fx.text_len, &sig, err, sizeof(err)),
	             -EBADMSG);
	cr_assert_not_null(strstr(err, "line 2: character 3 is not printable ASCII (0x00)"), "%s", err);
	/* Too large to be a signature. */
	char *big = calloc(1, RK_SIG_FILE_MAX + 1);
	cr_assert_eq(rk_sig_parse((const uint8_t *)big, RK_SIG_FILE_MAX + 1, &sig, err, sizeof(err)),
	             -EBADMSG);
	free(big);
	cr_assert_not_null(strstr(err, "larger than"), "%s", err);
}

Test(signature, program_limit)
{
	char err[RK_SIG_ERR_LEN];
	fx.sig.prog_count = RK_SIG_MAX_PROGS;
	for (size_t i = 0; i < RK_SIG_MAX_PROGS; i++) {
		snprintf(fx.sig.progs[i].name, sizeof(fx.sig.progs[i].name), "p%03zu_%0120zu", i, i);
		fx.sig.progs[i].insn_bound = UINT64_MAX;
	}
	cr_assert_eq(rk_sig_sign(&fx.sig, &fx.secret, err, sizeof(err)), 0, "%s", err);
	char text[RK_SIG_FILE_MAX];
	int len = rk_sig_format(&fx.sig, text, sizeof(text), err, sizeof(err));
	cr_assert_gt(len, 0, "%s", err);
	cr_assert_eq(check(object, sizeof(object), text, (size_t)len, NULL, err, sizeof(err)), 0,
	             "%s", err);
	fx.sig.prog_count = RK_SIG_MAX_PROGS + 1;
	cr_assert_eq(rk_sig_body(&fx.sig, text, sizeof(text), err, sizeof(err)), -EINVAL);
	fx.sig.prog_count = 1;
	snprintf(fx.sig.progs[0].name, sizeof(fx.sig.progs[0].name), "bad name");
	cr_assert_eq(rk_sig_body(&fx.sig, text, sizeof(text), err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "cannot write the program name or bound"), "%s", err);
}
