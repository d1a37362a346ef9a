/*
 * test_rkd_protocol.c - rkd's control protocol parser (rkd/protocol.c) and
 * the map codec (rkd/map_codec.c): every malformed request gets a message
 * saying what is wrong; answers echo the id.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../rkd/map_codec.h"
#include "../../rkd/protocol.h"

static int parse(const char *line, struct rkd_request *req, char *err, size_t err_len)
{
	err[0] = '\0';
	return rkd_request_parse(line, strlen(line), req, err, err_len);
}

Test(rkd_protocol, good_request)
{
	struct rkd_request req;
	char err[RKD_PROTOCOL_ERR_LEN];
	cr_assert_eq(parse("{\"v\":1,\"id\":42,\"cmd\":\"map.set\",\"object\":\"x\"}", &req, err,
	                   sizeof(err)),
	             0, "%s", err);
	cr_assert(req.has_id);
	cr_assert_eq(req.id, 42);
	cr_assert_str_eq(req.command->name, "map.set");
	cr_assert_eq(req.command->access, RKD_ACCESS_ADMIN);
	const char *object;
	cr_assert_eq(rkd_request_string(&req, "object", true, &object, err, sizeof(err)), 0);
	cr_assert_str_eq(object, "x");
	rkd_request_free(&req);
}

Test(rkd_protocol, access_classes)
{
	static const char *const read_only[] = {"list", "show", "stats", "tail", "map.list",
	                                        "map.dump", "map.get", "version"};
	static const char *const admin[] = {"load", "unload", "map.set", "map.delete"};
	for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
		cr_assert_eq(rkd_command_find(read_only[i])->access, RKD_ACCESS_READ, "%s",
		             read_only[i]);
	for (size_t i = 0; i < sizeof(admin) / sizeof(admin[0]); i++)
		cr_assert_eq(rkd_command_find(admin[i])->access, RKD_ACCESS_ADMIN, "%s", admin[i]);
}

Test(rkd_protocol, malformed)
{
	static const struct {
		const char *line;
		const char *message;
	} cases[] = {
		{"", "not JSON"},
		{"{\"v\":1,", "not JSON: column"},
		{"[1]", "a request is a JSON object"},
		{"{\"cmd\":\"list\"}", "missing \"v\": this rkd speaks protocol version 1"},
		{"{\"v\":\"1\",\"cmd\":\"list\"}", "unsupported protocol version \"1\""},
		{"{\"v\":2,\"cmd\":\"list\"}", "unsupported protocol version 2; this rkd speaks version 1"},
		{"{\"v\":1}", "missing \"cmd\""},
		{"{\"v\":1,\"cmd\":3}", "non-string \"cmd\""},
		{"{\"v\":1,\"cmd\":\"nope\"}", "unknown cmd \"nope\"; known: version, list"},
		{"{\"v\":1,\"id\":1.5,\"cmd\":\"list\"}", "\"id\" must be an integer"},
		{"{\"v\":1,\"v\":1,\"cmd\":\"list\"}", "not JSON"},
		{"{\"v\":1,\"cmd\":\"\xff\"}", "not JSON"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rkd_request req;
		char err[RKD_PROTOCOL_ERR_LEN + 512];
		cr_assert_eq(parse(cases[i].line, &req, err, sizeof(err)), -EINVAL, "%s", cases[i].line);
		cr_assert(strstr(err, cases[i].message), "%s: got '%s'", cases[i].line, err);
		rkd_request_free(&req);
	}
}

Test(rkd_protocol, oversized)
{
	size_t len = RKD_REQUEST_MAX + 1;
	char *line = malloc(len);
	memset(line, ' ', len);
	struct rkd_request req;
	char err[RKD_PROTOCOL_ERR_LEN];
	cr_assert_eq(rkd_request_parse(line, len, &req, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "longer than the 65536-byte limit"), "%s", err);
	free(line);
}

Test(rkd_protocol, error_echoes_id)
{
	struct rkd_request req;
	char err[RKD_PROTOCOL_ERR_LEN];
	cr_assert_eq(parse("{\"v\":1,\"id\":9,\"cmd\":\"zz\"}", &req, err, sizeof(err)), -EINVAL);
	size_t len;
	char *line = rkd_response_encode(rkd_response_error(&req, err), &len);
	cr_assert(strncmp(line, "{\"v\":1,\"id\":9,\"ok\":false,\"error\":\"unknown cmd", 45) == 0,
	          "%s", line);
	cr_assert_eq(line[len - 1], '\n');
	free(line);
	rkd_request_free(&req);
}

Test(rkd_protocol, error_message_not_utf8)
{
	size_t len;
	char *line = rkd_response_encode(rkd_response_error(NULL, "bad \xff byte"), &len);
	cr_assert_str_eq(line, "{\"v\":1,\"ok\":false,\"error\":\"bad ? byte\"}\n");
	free(line);
}

Test(rkd_protocol, missing_argument)
{
	struct rkd_request req;
	char err[RKD_PROTOCOL_ERR_LEN];
	cr_assert_eq(parse("{\"v\":1,\"cmd\":\"map.get\",\"object\":1}", &req, err, sizeof(err)), 0);
	const char *value;
	cr_assert_eq(rkd_request_string(&req, "map", true, &value, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "map.get: missing \"map\" (it takes: object, map, key | key_hex)");
	cr_assert_eq(rkd_request_string(&req, "object", true, &value, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "map.get: \"object\" must be a string");
	cr_assert_eq(rkd_request_string(&req, "absent", false, &value, err, sizeof(err)), 0);
	cr_assert_null(value);
	rkd_request_free(&req);
}

/* Without BTF: integers of the map's width, hex. */
Test(rkd_map_codec, untyped)
{
	uint8_t out[8] = {0};
	char err[256];
	json_t *json = json_integer(258);
	cr_assert_eq(rkd_map_encode(NULL, 0, json, out, 4, "key", err, sizeof(err)), 0, "%s", err);
	cr_assert(out[0] == 2 && out[1] == 1 && out[2] == 0 && out[3] == 0);
	cr_assert_eq(rkd_map_encode(NULL, 0, json, out, 1, "key", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "key: 258 does not fit in an unsigned 8-bit integer"), "%s", err);
	cr_assert_eq(rkd_map_encode(NULL, 0, json, out, 3, "key", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "give the key as hex (--hex)"), "%s", err);
	json_decref(json);

	cr_assert_eq(rkd_hex_decode("0a 00 00 ff", out, 4, "value", err, sizeof(err)), 0);
	cr_assert(out[0] == 0x0a && out[3] == 0xff);
	cr_assert_eq(rkd_hex_decode("0x0a0b", out, 2, "value", err, sizeof(err)), 0);
	cr_assert_eq(rkd_hex_decode("0a0b", out, 4, "value", err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "value: 2 bytes of hex, the map's values are 4 bytes");
	cr_assert_eq(rkd_hex_decode("0g", out, 1, "key", err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "key: hex wants pairs of digits"), "%s", err);

	json_t *hex = rkd_hex_string("\x01\xab", 2);
	cr_assert_str_eq(json_string_value(hex), "01ab");
	json_decref(hex);
}
