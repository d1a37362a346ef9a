/*
 * signature.c - OBJ.sig and key files: a strict line parser, the canonical
 * serialiser, and (unless RK_SIG_NO_CRYPTO) Ed25519 and BLAKE2b through
 * libsodium.  See signature.h and docs/signatures.md.
 *
 * The one thing to know: rk_sig_parse() re-serialises what it parsed and
 * refuses the file unless the bytes are identical, so there is exactly one
 * text per signature and the signed body is the text on disk.
 */
#define _GNU_SOURCE
#include "signature.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RK_SIG_NO_CRYPTO
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_io.h"
#endif

#define SIG_MAGIC "rkbpf-signature"
#define PUBLIC_MAGIC "rkbpf-public-key"
#define SECRET_MAGIC "rkbpf-secret-key"
#define UINT64_DIGITS 20
/* The longest line a valid file can have: "prog NAME accepted BOUND" is the longest. */
#define LINE_MAX_BYTES (RK_SIG_NAME_MAX + 2 * RK_SIG_BYTES + 64)

static const char hex_digits[] = "0123456789abcdef";

/* ---------------------------------------------------------------- */
/* Small text helpers                                               */
/* ---------------------------------------------------------------- */

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	if (!err || !err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Secret key text must not linger on the stack (also without libsodium). */
static void wipe(void *buf, size_t len)
{
	volatile uint8_t *bytes = buf;
	while (len--)
		*bytes++ = 0;
}

static void to_hex(const uint8_t *bytes, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[bytes[i] >> 4];
		out[2 * i + 1] = hex_digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not canonical */
}

/* Exactly 2*len lowercase hex digits. */
static bool from_hex(const char *text, size_t text_len, uint8_t *out, size_t len)
{
	if (text_len != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);
		if (high < 0 || low < 0)
			return false;
		out[i] = (uint8_t)(high << 4 | low);
	}
	return true;
}

/* Decimal, no sign, no leading zero, fits in 64 bits. */
static bool parse_u64(const char *text, size_t len, uint64_t *out)
{
	if (len == 0 || len > UINT64_DIGITS || (len > 1 && text[0] == '0'))
		return false;
	uint64_t value = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		unsigned digit = (unsigned)(text[i] - '0');
		if (value > (UINT64_MAX - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*out = value;
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '+';
}

bool rk_sig_name_ok(const char *name, size_t max)
{
	size_t len = strnlen(name, max + 1);
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return false;
	return true;
}

/* The verifier's version: printable ASCII without spaces. */
static bool token_ok(const char *text, size_t max)
{
	size_t len = strnlen(text, max + 1);
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (text[i] <= ' ' || text[i] > '~')
			return false;
	return true;
}

const char *rk_key_role_name(enum rk_key_role role)
{
	return role == RK_KEY_VERIFIER ? "verifier" : "signer";
}

int rk_key_role_parse(const char *text, enum rk_key_role *role)
{
	if (strcmp(text, "verifier") == 0)
		*role = RK_KEY_VERIFIER;
	else if (strcmp(text, "signer") == 0)
		*role = RK_KEY_SIGNER;
	else
		return -EINVAL;
	return 0;
}

void rk_key_id_hex(const uint8_t id[RK_SIG_KEY_ID_BYTES], char out[RK_SIG_KEY_ID_HEX])
{
	to_hex(id, RK_SIG_KEY_ID_BYTES, out);
}

const char *rk_sig_host_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__i386__)
	return "x86";
#else
	return "unknown";
#endif
}

/* ---------------------------------------------------------------- */
/* The line reader shared by the three parsers                      */
/* ---------------------------------------------------------------- */

struct line_reader {
	const char *data;
	size_t len;
	size_t pos;
	int number;          /* of the line last returned */
	const char *line;    /* not NUL-terminated */
	size_t line_len;
	size_t line_start;   /* offset of the line last returned */
	char *err;
	size_t err_len;
};

static void reader_err(struct line_reader *reader, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reader_err(struct line_reader *reader, const char *fmt, ...)
{
	int used = snprintf(reader->err, reader->err_len, "line %d: ", reader->number);
	if (used < 0 || (size_t)used >= reader->err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reader->err + used, reader->err_len - (size_t)used, fmt, ap);
	va_end(ap);
}

/* The next line, which must end in '\n' and hold only printable ASCII. */
static int next_line(struct line_reader *reader)
{
	reader->number++;
	if (reader->pos >= reader->len) {
		reader_err(reader, "unexpected end of file");
		return -EBADMSG;
	}
	const char *start = reader->data + reader->pos;
	const char *newline = memchr(start, '\n', reader->len - reader->pos);
	if (!newline) {
		reader_err(reader, "no newline at the end of the line");
		return -EBADMSG;
	}
	size_t len = (size_t)(newline - start);
	if (len > LINE_MAX_BYTES) {
		reader_err(reader, "longer than %d characters", LINE_MAX_BYTES);
		return -EBADMSG;
	}
	for (size_t i = 0; i < len; i++) {
		if (start[i] < ' ' || start[i] > '~') {
			reader_err(reader, "character %zu is not printable ASCII (0x%02x)", i + 1,
			           (unsigned)(unsigned char)start[i]);
			return -EBADMSG;
		}
	}
	reader->line = start;
	reader->line_len = len;
	reader->line_start = reader->pos;
	reader->pos += len + 1;
	return 0;
}

/*
 * Split the current line into exactly `count` fields separated by single
 * spaces, the first of which must be `keyword`.  fields[i] are NUL-terminated
 * copies in buf.
 */
#define MAX_FIELDS 4
static int split_line(struct line_reader *reader, const char *keyword, size_t count,
                      const char *usage, char buf[LINE_MAX_BYTES + 1], const char **fields)
{
	memcpy(buf, reader->line, reader->line_len);
	buf[reader->line_len] = '\0';
	size_t found = 0;
	char *cursor = buf;
	while (found < MAX_FIELDS) {
		fields[found++] = cursor;
		char *space = strchr(cursor, ' ');
		if (!space)
			break;
		*space = '\0';
		cursor = space + 1;
	}
	if (strcmp(fields[0], keyword) != 0) {
		reader_err(reader, "expected '%s', got '%.40s'", usage, fields[0]);
		return -EBADMSG;
	}
	bool empty = false;
	for (size_t i = 0; i < found; i++)
		empty |= fields[i][0] == '\0';
	if (found != count || empty || strchr(fields[found - 1], ' ')) {
		reader_err(reader, "expected '%s' (fields separated by one space)", usage);
		return -EBADMSG;
	}
	return 0;
}

static int expect_header(struct line_reader *reader, const char *magic)
{
	char buf[LINE_MAX_BYTES + 1];
	const char *fields[MAX_FIELDS];
	int rc = next_line(reader);
	if (rc)
		return rc;
	char usage[64];
	snprintf(usage, sizeof(usage), "%s %d", magic, RK_SIG_FORMAT_VERSION);
	rc = split_line(reader, magic, 2, usage, buf, fields);
	if (rc)
		return rc;
	uint64_t version;
	if (!parse_u64(fields[1], strlen(fields[1]), &version)) {
		reader_err(reader, "format version '%.20s' is not a number", fields[1]);
		return -EBADMSG;
	}
	if (version != RK_SIG_FORMAT_VERSION) {
		reader_err(reader, "format version %" PRIu64 " is not supported (this build reads "
		                   "version %d); update rkBPF or re-sign with this one",
		           version, RK_SIG_FORMAT_VERSION);
		return -EBADMSG;
	}
	return 0;
}

/* "KEYWORD VALUE" where VALUE passes ok() and fits max: copied to out. */
static int expect_text(struct line_reader *reader, const char *keyword, const char *usage,
                       bool (*ok)(const char *, size_t), size_t max, char *out)
{
	char buf[LINE_MAX_BYTES + 1];
	const char *fields[MAX_FIELDS];
	int rc = next_line(reader);
	if (!rc)
		rc = split_line(reader, keyword, 2, usage, buf, fields);
	if (rc)
		return rc;
	if (!ok(fields[1], max)) {
		reader_err(reader, "%s '%.40s': at most %zu of A-Z a-z 0-9 _ . - +", keyword,
		           fields[1], max);
		return -EBADMSG;
	}
	snprintf(out, max + 1, "%s", fields[1]);
	return 0;
}

static int expect_hex(struct line_reader *reader, const char *keyword, const char *usage,
                      uint8_t *out, size_t len)
{
	char buf[LINE_MAX_BYTES + 1];
	const char *fields[MAX_FIELDS];
	int rc = next_line(reader);
	if (!rc)
		rc = split_line(reader, keyword, 2, usage, buf, fields);
	if (rc)
		return rc;
	if (!from_hex(fields[1], strlen(fields[1]), out, len)) {
		reader_err(reader, "%s: expected %zu lowercase hex digits", keyword, 2 * len);
		return -EBADMSG;
	}
	return 0;
}

static int expect_end(struct line_reader *reader)
{
	if (reader->pos != reader->len) {
		reader->number++;
		reader_err(reader, "unexpected text after the last line");
		return -EBADMSG;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* OBJ.sig                                                          */
/* ---------------------------------------------------------------- */

static bool board_ok(const char *text, size_t max)
{
	return strcmp(text, RK_SIG_ANY_BOARD) == 0 || rk_sig_name_ok(text, max);
}

static int parse_prog_line(struct line_reader *reader, struct rk_sig_prog *prog)
{
	char buf[LINE_MAX_BYTES + 1];
	const char *fields[MAX_FIELDS];
	int rc = split_line(reader, "prog", 4, "prog NAME accepted INSN_BOUND", buf, fields);
	if (rc)
		return rc;
	if (!rk_sig_name_ok(fields[1], RK_SIG_NAME_MAX)) {
		reader_err(reader, "program name '%.40s': at most %d of A-Z a-z 0-9 _ . - +",
		           fields[1], RK_SIG_NAME_MAX);
		return -EBADMSG;
	}
	if (strcmp(fields[2], "accepted") != 0) {
		reader_err(reader, "verdict '%.20s': only accepted programs are signed", fields[2]);
		return -EBADMSG;
	}
	if (!parse_u64(fields[3], strlen(fields[3]), &prog->insn_bound) || !prog->insn_bound) {
		reader_err(reader, "instruction bound '%.24s': expected a number from 1 to %" PRIu64,
		           fields[3], UINT64_MAX);
		return -EBADMSG;
	}
	snprintf(prog->name, sizeof(prog->name), "%s", fields[1]);
	return 0;
}

static int parse_sig_fields(struct line_reader *reader, struct rk_sig *sig, size_t *signed_len)
{
	char buf[LINE_MAX_BYTES + 1];
	const char *fields[MAX_FIELDS];
	int rc = expect_header(reader, SIG_MAGIC);
	if (!rc)
		rc = expect_text(reader, "object", "object NAME", rk_sig_name_ok, RK_SIG_NAME_MAX,
		                 sig->object_name);
	if (!rc)
		rc = expect_hex(reader, "blake2b", "blake2b HASH", sig->object_hash,
		                RK_SIG_HASH_BYTES);
	if (!rc)
		rc = expect_text(reader, "verifier", "verifier VERSION", token_ok, RK_SIG_FIELD_MAX,
		                 sig->verifier);
	if (!rc)
		rc = expect_text(reader, "arch", "arch ARCH", rk_sig_name_ok, RK_SIG_FIELD_MAX,
		                 sig->arch);
	if (rc)
		return rc;
	rc = next_line(reader);
	if (!rc)
		rc = split_line(reader, "seq", 2, "seq NUMBER", buf, fields);
	if (rc)
		return rc;
	if (!parse_u64(fields[1], strlen(fields[1]), &sig->seq)) {
		reader_err(reader, "seq '%.24s': expected a number from 0 to %" PRIu64
		                   " without leading zeros",
		           fields[1], UINT64_MAX);
		return -EBADMSG;
	}
	rc = expect_text(reader, "board", "board ID|*", board_ok, RK_SIG_FIELD_MAX, sig->board);
	if (rc)
		return rc;
	if (strcmp(sig->board, RK_SIG_ANY_BOARD) == 0)
		sig->board[0] = '\0';
	rc = expect_hex(reader, "key", "key KEY_ID", sig->key_id, RK_SIG_KEY_ID_BYTES);
	if (rc)
		return rc;
	sig->prog_count = 0;
	for (;;) {
		rc = next_line(reader);
		if (rc)
			return rc;
		if (reader->line_len < 5 || memcmp(reader->line, "prog ", 5) != 0)
			break;
		if (sig->prog_count == RK_SIG_MAX_PROGS) {
			reader_err(reader, "more than %d programs", RK_SIG_MAX_PROGS);
			return -EBADMSG;
		}
		rc = parse_prog_line(reader, &sig->progs[sig->prog_count]);
		if (rc)
			return rc;
		for (size_t i = 0; i < sig->prog_count; i++) {
			if (strcmp(sig->progs[i].name, sig->progs[sig->prog_count].name) == 0) {
				reader_err(reader, "program '%s' is listed twice", sig->progs[i].name);
				return -EBADMSG;
			}
		}
		sig->prog_count++;
	}
	if (sig->prog_count == 0) {
		reader_err(reader, "expected 'prog NAME accepted INSN_BOUND' (one per program)");
		return -EBADMSG;
	}
	*signed_len = reader->line_start;
	rc = split_line(reader, "ed25519", 2, "ed25519 SIGNATURE", buf, fields);
	if (rc)
		return rc;
	if (!from_hex(fields[1], strlen(fields[1]), sig->signature, RK_SIG_BYTES)) {
		reader_err(reader, "ed25519: expected %d lowercase hex digits", 2 * RK_SIG_BYTES);
		return -EBADMSG;
	}
	return expect_end(reader);
}

int rk_sig_parse(const uint8_t *data, size_t len, struct rk_sig *sig, char *err, size_t err_len)
{
	memset(sig, 0, sizeof(*sig));
	if (len > RK_SIG_FILE_MAX) {
		set_err(err, err_len, "larger than %u bytes: not a signature file", RK_SIG_FILE_MAX);
		return -EBADMSG;
	}
	struct line_reader reader = {.data = (const char *)data, .len = len, .err = err,
	                             .err_len = err_len};
	size_t signed_len = 0;
	int rc = parse_sig_fields(&reader, sig, &signed_len);
	if (rc)
		return rc;
	/* One text per signature: what we would write must be what was read. */
	char *body = malloc(RK_SIG_FILE_MAX);
	if (!body) {
		set_err(err, err_len, "out of memory");
		return -ENOMEM;
	}
	char body_err[RK_SIG_ERR_LEN];
	int body_len = rk_sig_body(sig, body, RK_SIG_FILE_MAX, body_err, sizeof(body_err));
	bool same = body_len >= 0 && (size_t)body_len == signed_len &&
	            memcmp(body, data, signed_len) == 0;
	free(body);
	if (!same) {
		set_err(err, err_len, "not in canonical form (%s)",
		        body_len < 0 ? body_err : "fields rewritten differ from the file");
		return -EBADMSG;
	}
	return 0;
}

static int append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	if (*used >= cap)
		return -E2BIG;
	va_list ap;
	va_start(ap, fmt);
	int wrote = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (wrote < 0 || (size_t)wrote >= cap - *used)
		return -E2BIG;
	*used += (size_t)wrote;
	return 0;
}

int rk_sig_body(const struct rk_sig *sig, char *buf, size_t cap, char *err, size_t err_len)
{
	const char *bad = NULL;
	if (!rk_sig_name_ok(sig->object_name, RK_SIG_NAME_MAX))
		bad = "object name";
	else if (!token_ok(sig->verifier, RK_SIG_FIELD_MAX))
		bad = "verifier version";
	else if (!rk_sig_name_ok(sig->arch, RK_SIG_FIELD_MAX))
		bad = "arch";
	else if (sig->board[0] && !rk_sig_name_ok(sig->board, RK_SIG_FIELD_MAX))
		bad = "board id";
	else if (sig->prog_count == 0 || sig->prog_count > RK_SIG_MAX_PROGS)
		bad = "program count";
	for (size_t i = 0; !bad && i < sig->prog_count; i++)
		if (!rk_sig_name_ok(sig->progs[i].name, RK_SIG_NAME_MAX) || !sig->progs[i].insn_bound)
			bad = "program name or bound";
	if (bad) {
		set_err(err, err_len, "cannot write the %s into a signature (names: at most %d of "
		                      "A-Z a-z 0-9 _ . - +; 1 to %d programs)",
		        bad, RK_SIG_NAME_MAX, RK_SIG_MAX_PROGS);
		return -EINVAL;
	}
	char hash_hex[2 * RK_SIG_HASH_BYTES + 1], key_hex[RK_SIG_KEY_ID_HEX];
	to_hex(sig->object_hash, RK_SIG_HASH_BYTES, hash_hex);
	rk_key_id_hex(sig->key_id, key_hex);
	size_t used = 0;
	int rc = append(buf, cap, &used,
	                SIG_MAGIC " %d\nobject %s\nblake2b %s\nverifier %s\narch %s\nseq %" PRIu64
	                "\nboard %s\nkey %s\n",
	                RK_SIG_FORMAT_VERSION, sig->object_name, hash_hex, sig->verifier, sig->arch,
	                sig->seq, sig->board[0] ? sig->board : RK_SIG_ANY_BOARD, key_hex);
	for (size_t i = 0; !rc && i < sig->prog_count; i++)
		rc = append(buf, cap, &used, "prog %s accepted %" PRIu64 "\n", sig->progs[i].name,
		            sig->progs[i].insn_bound);
	if (rc) {
		set_err(err, err_len, "signature text longer than %zu bytes", cap);
		return rc;
	}
	return (int)used;
}

int rk_sig_format(const struct rk_sig *sig, char *buf, size_t cap, char *err, size_t err_len)
{
	int body_len = rk_sig_body(sig, buf, cap, err, err_len);
	if (body_len < 0)
		return body_len;
	char sig_hex[2 * RK_SIG_BYTES + 1];
	to_hex(sig->signature, RK_SIG_BYTES, sig_hex);
	size_t used = (size_t)body_len;
	if (append(buf, cap, &used, "ed25519 %s\n", sig_hex)) {
		set_err(err, err_len, "signature text longer than %zu bytes", cap);
		return -E2BIG;
	}
	return (int)used;
}

/* ---------------------------------------------------------------- */
/* Key files                                                        */
/* ---------------------------------------------------------------- */

static int parse_key(const uint8_t *data, size_t len, const char *magic, uint8_t *id,
                     enum rk_key_role *role, uint8_t *key, size_t key_len, char *err,
                     size_t err_len)
{
	if (len > RK_KEY_FILE_MAX) {
		set_err(err, err_len, "larger than %u bytes: not a key file", RK_KEY_FILE_MAX);
		return -EBADMSG;
	}
	struct line_reader reader = {.data = (const char *)data, .len = len, .err = err,
	                             .err_len = err_len};
	char role_text[RK_SIG_FIELD_MAX + 1];
	int rc = expect_header(&reader, magic);
	if (!rc)
		rc = expect_hex(&reader, "key", "key KEY_ID", id, RK_SIG_KEY_ID_BYTES);
	if (!rc)
		rc = expect_text(&reader, "role", "role signer|verifier", rk_sig_name_ok,
		                 RK_SIG_FIELD_MAX, role_text);
	if (rc)
		return rc;
	if (rk_key_role_parse(role_text, role)) {
		reader_err(&reader, "role '%s': expected signer or verifier", role_text);
		return -EBADMSG;
	}
	rc = expect_hex(&reader, "ed25519", "ed25519 KEY", key, key_len);
	if (!rc)
		rc = expect_end(&reader);
	return rc;
}

int rk_public_key_parse(const uint8_t *data, size_t len, struct rk_public_key *key, char *err,
                        size_t err_len)
{
	memset(key, 0, sizeof(*key));
	return parse_key(data, len, PUBLIC_MAGIC, key->id, &key->role, key->key, sizeof(key->key),
	                 err, err_len);
}

int rk_secret_key_parse(const uint8_t *data, size_t len, struct rk_secret_key *key, char *err,
                        size_t err_len)
{
	memset(key, 0, sizeof(*key));
	return parse_key(data, len, SECRET_MAGIC, key->id, &key->role, key->key, sizeof(key->key),
	                 err, err_len);
}

static int format_key(const char *magic, const uint8_t *id, enum rk_key_role role,
                      const uint8_t *key, size_t key_len, char *buf, size_t cap)
{
	char id_hex[RK_SIG_KEY_ID_HEX], key_hex[2 * RK_SIG_SECRET_KEY_BYTES + 1];
	rk_key_id_hex(id, id_hex);
	to_hex(key, key_len, key_hex);
	int wrote = snprintf(buf, cap, "%s %d\nkey %s\nrole %s\ned25519 %s\n", magic,
	                     RK_SIG_FORMAT_VERSION, id_hex, rk_key_role_name(role), key_hex);
	wipe(key_hex, sizeof(key_hex));
	if (wrote < 0 || (size_t)wrote >= cap)
		return -E2BIG;
	return wrote;
}

int rk_public_key_format(const struct rk_public_key *key, char *buf, size_t cap)
{
	return format_key(PUBLIC_MAGIC, key->id, key->role, key->key, sizeof(key->key), buf, cap);
}

int rk_secret_key_format(const struct rk_secret_key *key, char *buf, size_t cap)
{
	return format_key(SECRET_MAGIC, key->id, key->role, key->key, sizeof(key->key), buf, cap);
}

#ifndef RK_SIG_NO_CRYPTO
/* ---------------------------------------------------------------- */
/* libsodium                                                        */
/* ---------------------------------------------------------------- */

int rk_sig_crypto_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

void rk_sig_hash(const uint8_t *data, size_t len, uint8_t out[RK_SIG_HASH_BYTES])
{
	crypto_generichash(out, RK_SIG_HASH_BYTES, data, len, NULL, 0);
}

void rk_key_id(const uint8_t public_key[RK_SIG_PUBLIC_KEY_BYTES], uint8_t id[RK_SIG_KEY_ID_BYTES])
{
	uint8_t hash[RK_SIG_HASH_BYTES];
	rk_sig_hash(public_key, RK_SIG_PUBLIC_KEY_BYTES, hash);
	memcpy(id, hash, RK_SIG_KEY_ID_BYTES);
}

void rk_key_generate(enum rk_key_role role, struct rk_secret_key *secret,
                     struct rk_public_key *public_key)
{
	crypto_sign_keypair(public_key->key, secret->key);
	rk_key_id(public_key->key, public_key->id);
	memcpy(secret->id, public_key->id, RK_SIG_KEY_ID_BYTES);
	secret->role = public_key->role = role;
}

int rk_sig_sign(struct rk_sig *sig, const struct rk_secret_key *secret, char *err,
                size_t err_len)
{
	/* The public half is the last 32 bytes of a libsodium secret key. */
	uint8_t id[RK_SIG_KEY_ID_BYTES];
	rk_key_id(secret->key + RK_SIG_SECRET_KEY_BYTES - RK_SIG_PUBLIC_KEY_BYTES, id);
	if (memcmp(id, secret->id, sizeof(id)) != 0) {
		set_err(err, err_len, "the key id in the secret key file does not match its key");
		return -EKEYREJECTED;
	}
	memcpy(sig->key_id, secret->id, RK_SIG_KEY_ID_BYTES);
	char *body = malloc(RK_SIG_FILE_MAX);
	if (!body) {
		set_err(err, err_len, "out of memory");
		return -ENOMEM;
	}
	int body_len = rk_sig_body(sig, body, RK_SIG_FILE_MAX, err, err_len);
	if (body_len >= 0)
		crypto_sign_detached(sig->signature, NULL, (const unsigned char *)body,
		                     (unsigned long long)body_len, secret->key);
	free(body);
	return body_len < 0 ? body_len : 0;
}

static int read_small(const char *path, size_t max, uint8_t **data, size_t *len, char *err,
                      size_t err_len)
{
	int rc = rk_file_read(path, data, len, err, err_len);
	if (rc)
		return rc;
	if (*len > max) {
		free(*data);
		set_err(err, err_len, "%s: larger than %zu bytes", path, max);
		return -EFBIG;
	}
	return 0;
}

static int check_key_id(const char *path, const struct rk_public_key *key, char *err,
                        size_t err_len)
{
	uint8_t id[RK_SIG_KEY_ID_BYTES];
	rk_key_id(key->key, id);
	if (memcmp(id, key->id, sizeof(id)) != 0) {
		set_err(err, err_len, "%s: the key id does not match the key (the file was altered)",
		        path);
		return -EBADMSG;
	}
	return 0;
}

int rk_public_key_read(const char *path, struct rk_public_key *key, char *err, size_t err_len)
{
	uint8_t *data;
	size_t len;
	int rc = read_small(path, RK_KEY_FILE_MAX, &data, &len, err, err_len);
	if (rc)
		return rc;
	char msg[RK_SIG_ERR_LEN];
	rc = rk_public_key_parse(data, len, key, msg, sizeof(msg));
	free(data);
	if (rc) {
		set_err(err, err_len, "%s: not a public key file: %s", path, msg);
		return rc;
	}
	return check_key_id(path, key, err, err_len);
}

int rk_secret_key_read(const char *path, struct rk_secret_key *key, char *err, size_t err_len)
{
	uint8_t *data;
	size_t len;
	int rc = read_small(path, RK_KEY_FILE_MAX, &data, &len, err, err_len);
	if (rc)
		return rc;
	char msg[RK_SIG_ERR_LEN];
	rc = rk_secret_key_parse(data, len, key, msg, sizeof(msg));
	sodium_memzero(data, len);
	free(data);
	if (rc)
		set_err(err, err_len, "%s: not a secret key file: %s", path, msg);
	return rc;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t len = strlen(name), suffix_len = strlen(suffix);
	return len > suffix_len && strcmp(name + len - suffix_len, suffix) == 0;
}

int rk_public_key_find(const char *dir, const uint8_t id[RK_SIG_KEY_ID_BYTES],
                       struct rk_public_key *key, char *err, size_t err_len)
{
	char id_hex[RK_SIG_KEY_ID_HEX];
	rk_key_id_hex(id, id_hex);
	DIR *handle = opendir(dir);
	if (!handle) {
		int saved = errno;
		set_err(err, err_len, "trusted keys directory %s: %s", dir, strerror(saved));
		return -saved;
	}
	/* Every *.pub is read: a key is found by its id, whatever its file is called. */
	int rc = -ENOKEY;
	size_t unreadable = 0;
	struct dirent *entry;
	while (rc == -ENOKEY && (entry = readdir(handle))) {
		if (entry->d_name[0] == '.' || !has_suffix(entry->d_name, RK_PUBLIC_KEY_SUFFIX))
			continue;
		char path[4096], msg[RK_SIG_ERR_LEN];
		if (snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= (int)sizeof(path))
			continue;
		struct rk_public_key candidate;
		if (rk_public_key_read(path, &candidate, msg, sizeof(msg))) {
			unreadable++;
			continue;
		}
		if (memcmp(candidate.id, id, RK_SIG_KEY_ID_BYTES) == 0) {
			*key = candidate;
			rc = 0;
		}
	}
	closedir(handle);
	if (rc)
		set_err(err, err_len, "signed by key %s, which is not among the trusted keys in %s%s",
		        id_hex, dir,
		        unreadable ? " (some *.pub files there are not valid key files)" : "");
	return rc;
}

int rk_sig_check(const char *obj_path, const uint8_t *obj, size_t obj_len,
                 const uint8_t *sig_text, size_t sig_len, const struct rk_sig_expect *expect,
                 struct rk_sig *sig_out, struct rk_public_key *key_out, char *err,
                 size_t err_len)
{
	struct rk_sig *sig = malloc(sizeof(*sig));
	char *body = malloc(RK_SIG_FILE_MAX);
	char msg[RK_SIG_ERR_LEN];
	int rc = 0;
	if (!sig || !body) {
		set_err(err, err_len, "%s%s: out of memory", obj_path, RK_SIG_SUFFIX);
		rc = -ENOMEM;
		goto out;
	}
	rc = rk_sig_parse(sig_text, sig_len, sig, msg, sizeof(msg));
	if (rc) {
		set_err(err, err_len, "%s%s: malformed signature: %s", obj_path, RK_SIG_SUFFIX, msg);
		goto out;
	}
	struct rk_public_key key;
	if (expect->pubkey_path) {
		rc = rk_public_key_read(expect->pubkey_path, &key, err, err_len);
		if (rc)
			goto out;
		if (memcmp(key.id, sig->key_id, RK_SIG_KEY_ID_BYTES) != 0) {
			char want[RK_SIG_KEY_ID_HEX], have[RK_SIG_KEY_ID_HEX];
			rk_key_id_hex(sig->key_id, want);
			rk_key_id_hex(key.id, have);
			set_err(err, err_len, "%s%s: signed by key %s, not by %s (key %s)", obj_path,
			        RK_SIG_SUFFIX, want, expect->pubkey_path, have);
			rc = -ENOKEY;
			goto out;
		}
	} else {
		rc = rk_public_key_find(expect->keys_dir, sig->key_id, &key, msg, sizeof(msg));
		if (rc) {
			set_err(err, err_len, "%s%s: %s", obj_path, RK_SIG_SUFFIX, msg);
			goto out;
		}
	}
	int body_len = rk_sig_body(sig, body, RK_SIG_FILE_MAX, msg, sizeof(msg));
	if (body_len < 0 ||
	    crypto_sign_verify_detached(sig->signature, (const unsigned char *)body,
	                                (unsigned long long)body_len, key.key) != 0) {
		char id_hex[RK_SIG_KEY_ID_HEX];
		rk_key_id_hex(key.id, id_hex);
		set_err(err, err_len, "%s%s: bad signature: the Ed25519 signature does not match "
		                      "the file's fields (the signature file was altered, or not made "
		                      "by key %s)",
		        obj_path, RK_SIG_SUFFIX, id_hex);
		rc = -EKEYREJECTED;
		goto out;
	}
	uint8_t hash[RK_SIG_HASH_BYTES];
	rk_sig_hash(obj, obj_len, hash);
	if (memcmp(hash, sig->object_hash, RK_SIG_HASH_BYTES) != 0) {
		set_err(err, err_len, "%s: the object does not match its signature (BLAKE2b differs): "
		                      "it was altered or replaced after signing; sign it again",
		        obj_path);
		rc = -EILSEQ;
		goto out;
	}
	if (expect->object_name && strcmp(expect->object_name, sig->object_name) != 0) {
		set_err(err, err_len, "%s%s: signed for object '%s', not '%s' (the object name is "
		                      "signed: rename the file back or sign it under this name)",
		        obj_path, RK_SIG_SUFFIX, sig->object_name, expect->object_name);
		rc = -EXDEV;
		goto out;
	}
	const char *arch = expect->arch ? expect->arch : rk_sig_host_arch();
	if (strcmp(arch, sig->arch) != 0) {
		set_err(err, err_len, "%s%s: wrong arch: signed for %s, this is %s", obj_path,
		        RK_SIG_SUFFIX, sig->arch, arch);
		rc = -EXDEV;
		goto out;
	}
	const char *board = expect->board ? expect->board : "";
	if (!expect->any_board && sig->board[0] && strcmp(board, sig->board) != 0) {
		set_err(err, err_len, "%s%s: wrong board: signed for board '%s' only, this is %s%s%s",
		        obj_path, RK_SIG_SUFFIX, sig->board,
		        board[0] ? "board '" : "a machine without a board id", board,
		        board[0] ? "'" : "");
		rc = -EXDEV;
		goto out;
	}
	if (sig_out)
		*sig_out = *sig;
	if (key_out)
		*key_out = key;
out:
	free(sig);
	free(body);
	return rc;
}

int rk_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         char *err, size_t err_len)
{
	char tmp[4096], dir[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		set_err(err, err_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int saved = errno;
		set_err(err, err_len, "%s: cannot create a temporary file beside it: %s", path,
		        strerror(saved));
		return -saved;
	}
	const uint8_t *cursor = data;
	size_t left = len;
	int rc = fchmod(fd, mode) ? -errno : 0;
	while (!rc && left) {
		ssize_t wrote = write(fd, cursor, left);
		if (wrote < 0 && errno == EINTR)
			continue;
		if (wrote <= 0)
			rc = wrote < 0 ? -errno : -EIO;
		else
			cursor += wrote, left -= (size_t)wrote;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		set_err(err, err_len, "%s: cannot write it: %s", path, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	/* The rename itself is durable only once the directory is. */
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0) {
		fsync(dir_fd);
		close(dir_fd);
	}
	return 0;
}
#endif
