/*
 * cmd_estop.c - `rkctl estop status|reset`: the emergency stop of a
 * running rkd (docs/estop.md).  status (read-only) shows whether it
 * tripped, who tripped it, when, and each actuator; reset (admin) clears
 * the latch.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "commands.h"

#define ESTOP_USAGE                                                                        \
	"usage: rkctl estop status [--json] [--socket PATH]\n"                               \
	"       rkctl estop reset [--json] [--socket PATH]\n"

static const char *str(const json_t *object, const char *key)
{
	const char *value = json_string_value(json_object_get(object, key));
	return value ? value : "";
}

static json_int_t num(const json_t *object, const char *key)
{
	return json_integer_value(json_object_get(object, key));
}

static void print_status(const json_t *estop)
{
	json_t *actuators = json_object_get(estop, "actuators");
	if (json_is_true(json_object_get(estop, "tripped"))) {
		time_t when = (time_t)(num(estop, "time_ns") / 1000000000);
		struct tm tm;
		char stamp[64] = "?";
		if (gmtime_r(&when, &tm))
			strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("estop: TRIPPED at %s (%.3f s ago) by %s/%s, mask 0x%" PRIx64
		       ", actuators driven in %" JSON_INTEGER_FORMAT " ns\n",
		       stamp, (double)num(estop, "ago_ns") / 1e9, str(estop, "object"),
		       str(estop, "program"), (uint64_t)num(estop, "mask"), num(estop, "act_ns"));
	} else {
		printf("estop: armed (not tripped), %zu actuator%s, %" JSON_INTEGER_FORMAT
		       " trip%s since rkd started\n",
		       json_array_size(actuators), json_array_size(actuators) == 1 ? "" : "s",
		       num(estop, "trips"), num(estop, "trips") == 1 ? "" : "s");
	}
	size_t i;
	json_t *a;
	json_array_foreach(actuators, i, a) {
		int pwm = strcmp(str(a, "type"), "pwm") == 0;
		printf("  %-16s bit %-2" JSON_INTEGER_FORMAT " %-4s %s %s %" JSON_INTEGER_FORMAT
		       "  safe: %-16s %s%s%s\n",
		       str(a, "name"), num(a, "bit"), str(a, "type"), str(a, "chip"),
		       pwm ? "channel" : "line", num(a, pwm ? "channel" : "line"), str(a, "safe"),
		       json_is_true(json_object_get(a, "stopped")) ? "STOPPED" : "running",
		       *str(a, "error") ? "  error: " : "", str(a, "error"));
	}
	json_t *hb = json_object_get(estop, "heartbeat");
	if (hb)
		printf("kernel watchdog: %s every %" JSON_INTEGER_FORMAT " ms (%" JSON_INTEGER_FORMAT
		       " beats, %" JSON_INTEGER_FORMAT " errors)\n",
		       str(hb, "path"), num(hb, "period_ms"), num(hb, "writes"), num(hb, "errors"));
}

int rkctl_cmd_estop(int argc, char **argv)
{
	const char *socket_path = NULL, *op = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (!op && (strcmp(argv[i], "status") == 0 || strcmp(argv[i], "reset") == 0)) {
			op = argv[i];
		} else {
			fprintf(stderr, "rkctl estop: unexpected argument '%s'\n" ESTOP_USAGE, argv[i]);
			return RKCTL_EXIT_USAGE;
		}
	}
	if (!op) {
		fputs(ESTOP_USAGE, stderr);
		return RKCTL_EXIT_USAGE;
	}
	int reset = strcmp(op, "reset") == 0;
	struct rkctl_client client;
	if (rkctl_client_connect(&client, socket_path))
		return RKCTL_EXIT_FAILED;
	json_t *answer = rkctl_client_request(
		&client, json_pack("{ss}", "cmd", reset ? "estop.reset" : "estop.status"));
	rkctl_client_close(&client);
	if (!answer || !rkctl_client_ok(answer, reset ? "estop reset" : "estop status")) {
		json_decref(answer);
		return RKCTL_EXIT_FAILED;
	}
	if (json) {
		char *text = json_dumps(answer, JSON_COMPACT);
		printf("%s\n", text ? text : "null");
		free(text);
	} else {
		if (reset)
			printf("estop reset%s\n", json_is_true(json_object_get(answer, "was_tripped"))
			                              ? ": the latch is cleared"
			                              : " (it was not tripped)");
		print_status(json_object_get(answer, "estop"));
	}
	json_decref(answer);
	return RKCTL_EXIT_OK;
}
