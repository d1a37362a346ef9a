/*
 * signing.c - the signature policy and the sequence-number state; see
 * signing.h and docs/signatures.md.  Keys are read from trusted_keys_dir at
 * every load, so adding or removing a *.pub takes effect on the next load
 * (key rotation needs no restart).
 */
#define _GNU_SOURCE
#include "signing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tools/common/file_io.h"
#include "programs.h"

#define STATE_HEADER "# rkd: the highest signed sequence number accepted per object (NAME SEQ BLAKE2B)\n"
#define STATE_LINE_MAX (RK_SIG_NAME_MAX + 2 * RK_SIG_HASH_BYTES + 32)
#define STATE_MAX_ENTRIES 4096

struct seq_entry {
	char name[RK_SIG_NAME_MAX + 1];
	uint64_t seq;
	uint8_t hash[RK_SIG_HASH_BYTES];   /* of the object accepted with that seq */
};

struct rkd_signing {
	char path[PATH_MAX];               /* state_dir/sequences */
	struct seq_entry *entries;
	size_t count;
};

static struct seq_entry *find_entry(struct rkd_signing *signing, const char *name)
{
	for (size_t i = 0; i < signing->count; i++)
		if (strcmp(signing->entries[i].name, name) == 0)
			return &signing->entries[i];
	return NULL;
}

static int hex_to_bytes(const char *hex, uint8_t *out, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -EINVAL;
		out[i] = (uint8_t)byte;
	}
	return 0;
}

static int load_state(struct rkd_signing *signing, char *err, size_t err_len)
{
	uint8_t *data;
	size_t len;
	char msg[PATH_MAX + 128];
	int rc = rk_file_read(signing->path, &data, &len, msg, sizeof(msg));
	if (rc == -ENOENT)
		return 0;   /* nothing accepted yet */
	if (rc) {
		snprintf(err, err_len, "state_dir: %s", msg);
		return rc;
	}
	int line_number = 0;
	char *save = NULL;
	for (char *line = strtok_r((char *)data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		line_number++;
		if (line[0] == '#')
			continue;
		char name[RK_SIG_NAME_MAX + 2], hash_hex[2 * RK_SIG_HASH_BYTES + 2];
		uint64_t seq;
		struct seq_entry entry;
		if (strlen(line) > STATE_LINE_MAX ||
		    sscanf(line, "%128s %" SCNu64 " %65s", name, &seq, hash_hex) != 3 ||
		    !rk_sig_name_ok(name, RK_SIG_NAME_MAX) ||
		    hex_to_bytes(hash_hex, entry.hash, RK_SIG_HASH_BYTES) ||
		    signing->count == STATE_MAX_ENTRIES || find_entry(signing, name)) {
			snprintf(err, err_len, "%s:%d: corrupt sequence state (expected 'NAME SEQ "
			                       "BLAKE2B'); rollback protection cannot work without it: "
			                       "restore it from a backup, or remove it to start afresh",
			         signing->path, line_number);
			free(data);
			return -EBADMSG;
		}
		/* rk_sig_name_ok() bounded it: it fits. */
		if (snprintf(entry.name, sizeof(entry.name), "%s", name) >= (int)sizeof(entry.name)) {
			free(data);
			return -ENAMETOOLONG;
		}
		entry.seq = seq;
		signing->entries[signing->count++] = entry;
	}
	free(data);
	return 0;
}

static int save_state(struct rkd_signing *signing, char *err, size_t err_len)
{
	size_t cap = sizeof(STATE_HEADER) + signing->count * (STATE_LINE_MAX + 2);
	char *text = malloc(cap);
	if (!text) {
		snprintf(err, err_len, "%s: out of memory", signing->path);
		return -ENOMEM;
	}
	size_t used = (size_t)snprintf(text, cap, "%s", STATE_HEADER);
	for (size_t i = 0; i < signing->count; i++) {
		const struct seq_entry *entry = &signing->entries[i];
		used += (size_t)snprintf(text + used, cap - used, "%s %" PRIu64 " ", entry->name,
		                         entry->seq);
		for (size_t b = 0; b < RK_SIG_HASH_BYTES; b++)
			used += (size_t)snprintf(text + used, cap - used, "%02x", entry->hash[b]);
		used += (size_t)snprintf(text + used, cap - used, "\n");
	}
	int rc = rk_file_write_atomic(signing->path, text, used, 0600, err, err_len);
	free(text);
	return rc;
}

int rkd_signing_start(struct rkd_daemon *daemon, char *err, size_t err_len)
{
	const struct rkd_config *config = &daemon->config;
	if (!config->require_signature)
		return 0;
	if (rk_sig_crypto_init()) {
		snprintf(err, err_len, "libsodium failed to initialise");
		return -EIO;
	}
	struct stat st;
	if (stat(config->trusted_keys_dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "trusted_keys_dir %s: %s; require_signature = on needs it "
		                       "(mkdir it and copy the signers' *.pub files there)",
		         config->trusted_keys_dir, errno ? strerror(errno) : "not a directory");
		return -ENOENT;
	}
	if (mkdir(config->state_dir, 0700) && errno != EEXIST) {
		int saved = errno;
		snprintf(err, err_len, "state_dir %s: cannot create it: %s", config->state_dir,
		         strerror(saved));
		return -saved;
	}
	struct rkd_signing *signing = calloc(1, sizeof(*signing));
	if (signing)
		signing->entries = calloc(STATE_MAX_ENTRIES, sizeof(*signing->entries));
	if (!signing || !signing->entries) {
		free(signing);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (snprintf(signing->path, sizeof(signing->path), "%s/%s", config->state_dir,
	             RKD_SEQUENCES_FILE) >= (int)sizeof(signing->path)) {
		snprintf(err, err_len, "state_dir %s: too long a path", config->state_dir);
		free(signing->entries);
		free(signing);
		return -ENAMETOOLONG;
	}
	int rc = load_state(signing, err, err_len);
	if (rc) {
		free(signing->entries);
		free(signing);
		return rc;
	}
	daemon->signing = signing;
	rkd_log("info", "signatures required: keys from %s, %s, sequence state %s (%zu object%s)",
	        config->trusted_keys_dir,
	        config->trust_attestation ? "verifier-key verdicts trusted (trust_attestation = on)"
	                                  : "every object re-verified",
	        signing->path, signing->count, signing->count == 1 ? "" : "s");
	return 0;
}

void rkd_signing_stop(struct rkd_daemon *daemon)
{
	if (!daemon->signing)
		return;
	free(daemon->signing->entries);
	free(daemon->signing);
	daemon->signing = NULL;
}

void rkd_signed_free(struct rkd_signed *s)
{
	free(s->sig);
	memset(s, 0, sizeof(*s));
}

uint64_t rkd_signed_insn_bound(const struct rkd_signed *s, const char *name)
{
	for (size_t i = 0; s->sig && i < s->sig->prog_count; i++)
		if (strcmp(s->sig->progs[i].name, name) == 0)
			return s->sig->progs[i].insn_bound;
	return 0;
}

int rkd_signing_check(struct rkd_daemon *daemon, const char *path, const char *name,
                      const uint8_t *data, size_t len, struct rkd_signed *out, char *err,
                      size_t err_len)
{
	const struct rkd_config *config = &daemon->config;
	memset(out, 0, sizeof(*out));
	if (!config->require_signature)
		return 0;
	char sig_path[PATH_MAX + sizeof(RK_SIG_SUFFIX)], msg[PATH_MAX + 128];
	snprintf(sig_path, sizeof(sig_path), "%s%s", path, RK_SIG_SUFFIX);
	uint8_t *text;
	size_t text_len;
	int rc = rk_file_read(sig_path, &text, &text_len, msg, sizeof(msg));
	if (rc == -ENOENT) {
		snprintf(err, err_len, "%s: unsigned: no %s beside it (require_signature = on; sign "
		                       "it with rkctl sign and install the .sig first)",
		         path, sig_path);
		return -EPERM;
	}
	if (rc) {
		snprintf(err, err_len, "%s: cannot read its signature: %s", path, msg);
		return rc;
	}
	out->sig = malloc(sizeof(*out->sig));
	if (!out->sig) {
		free(text);
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	struct rk_sig_expect expect = {.object_name = name, .board = config->board_id,
	                               .keys_dir = config->trusted_keys_dir};
	rc = rk_sig_check(path, data, len, text, text_len, &expect, out->sig, &out->key, err,
	                  err_len);
	free(text);
	if (rc) {
		rkd_signed_free(out);
		return rc;
	}
	const struct seq_entry *entry = find_entry(daemon->signing, name);
	if (entry && out->sig->seq < entry->seq) {
		snprintf(err, err_len, "%s%s: rolled back: sequence number %" PRIu64 " is older than "
		                       "%" PRIu64 ", the highest accepted for '%s' (sign the current "
		                       "version with a higher --seq)",
		         path, RK_SIG_SUFFIX, out->sig->seq, entry->seq, name);
		rkd_signed_free(out);
		return -ESTALE;
	}
	if (entry && out->sig->seq == entry->seq &&
	    memcmp(out->sig->object_hash, entry->hash, RK_SIG_HASH_BYTES) != 0) {
		snprintf(err, err_len, "%s%s: sequence number %" PRIu64 " was already accepted for "
		                       "another version of '%s' (each version needs a higher --seq)",
		         path, RK_SIG_SUFFIX, out->sig->seq, name);
		rkd_signed_free(out);
		return -ESTALE;
	}
	out->checked = true;
	/* Another verifier's version judged by other rules: rkd verifies for itself. */
	out->attested = config->trust_attestation && out->key.role == RK_KEY_VERIFIER &&
	                strcmp(out->sig->verifier, RK_VERIFIER_VERSION) == 0;
	return 0;
}

int rkd_signing_commit(struct rkd_daemon *daemon, const char *name, const struct rkd_signed *s,
                       char *err, size_t err_len)
{
	struct rkd_signing *signing = daemon->signing;
	if (!s->checked || !signing)
		return 0;
	struct seq_entry *entry = find_entry(signing, name);
	if (entry && entry->seq == s->sig->seq)
		return 0;   /* a reload of what was accepted: nothing new to record */
	struct seq_entry saved;
	bool existed = entry != NULL;
	if (!entry) {
		if (signing->count == STATE_MAX_ENTRIES) {
			snprintf(err, err_len, "%s: more than %d signed objects", signing->path,
			         STATE_MAX_ENTRIES);
			return -ENOSPC;
		}
		entry = &signing->entries[signing->count++];
		snprintf(entry->name, sizeof(entry->name), "%s", name);
	}
	saved = *entry;
	entry->seq = s->sig->seq;
	memcpy(entry->hash, s->sig->object_hash, RK_SIG_HASH_BYTES);
	int rc = save_state(signing, err, err_len);
	if (rc) {
		/* Not durable: not accepted either. */
		if (existed)
			*entry = saved;
		else
			signing->count--;
	}
	return rc;
}
