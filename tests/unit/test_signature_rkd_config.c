/*
 * test_signature_rkd_config.c - rkd.conf's signature and privilege keys
 * (rkd/config.c): defaults, every key, and errors naming file, line, key.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "../../rkd/config.h"

static int parse(const char *text, struct rkd_config *config, char *err, size_t err_len)
{
	rkd_config_defaults(config);
	err[0] = '\0';
	return rkd_config_parse_string(text, "test.conf", config, err, err_len);
}

Test(signature_config, defaults)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	cr_assert_eq(parse("", &config, err, sizeof(err)), 0, "%s", err);
	cr_assert_not(config.require_signature);
	cr_assert_not(config.trust_attestation);
	cr_assert(config.drop_capabilities);
	cr_assert_str_eq(config.trusted_keys_dir, RKD_DEFAULT_TRUSTED_KEYS_DIR);
	cr_assert_str_eq(config.state_dir, RKD_DEFAULT_STATE_DIR);
	cr_assert_str_eq(config.board_id, "");
	cr_assert_eq(config.socket_mode, 0666);
}

Test(signature_config, every_key)
{
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	const char *text = "[rkd]\nrequire_signature = on\ntrusted_keys_dir = /etc/k\n"
	                   "trust_attestation = yes\nboard_id = robot-7\nstate_dir = /var/s\n"
	                   "socket_mode = 0660\ndrop_capabilities = off\n";
	cr_assert_eq(parse(text, &config, err, sizeof(err)), 0, "%s", err);
	cr_assert(config.require_signature);
	cr_assert(config.trust_attestation);
	cr_assert_not(config.drop_capabilities);
	cr_assert_str_eq(config.trusted_keys_dir, "/etc/k");
	cr_assert_str_eq(config.state_dir, "/var/s");
	cr_assert_str_eq(config.board_id, "robot-7");
	cr_assert_eq(config.socket_mode, 0660);
}

Test(signature_config, errors)
{
	static const struct {
		const char *text, *message;
	} cases[] = {
		{"require_signature = maybe\n", "test.conf:1: key 'require_signature': wants on or off, got 'maybe'"},
		{"trusted_keys_dir = keys\n", "test.conf:1: key 'trusted_keys_dir': wants an absolute directory path, got 'keys'"},
		{"\nstate_dir =\n", "test.conf:2: key 'state_dir': wants an absolute directory path"},
		{"board_id = robot 7\n", "test.conf:1: key 'board_id': wants at most 63 of A-Z a-z 0-9 _ . - +"},
		{"socket_mode = 0066\n", "test.conf:1: key 'socket_mode': wants an octal mode from 0600 to 0777"},
		{"socket_mode = 0698\n", "key 'socket_mode'"},
		{"socket_mode = 01666\n", "key 'socket_mode'"},
		{"trust_attestation = on\n", "test.conf: key 'trust_attestation': on needs require_signature = on"},
	};
	struct rkd_config config;
	char err[RKD_CONFIG_ERR_LEN];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(parse(cases[i].text, &config, err, sizeof(err)), -EINVAL, "case %zu", i);
		cr_assert_not_null(strstr(err, cases[i].message), "case %zu: '%s' not in '%s'", i,
		                   cases[i].message, err);
	}
}
