/*
 * cmd_daemon.c - rkctl's online commands: they talk to a running rkd over
 * its control socket (client.h) -- load, unload, list, show, stats, tail,
 * attach, detach, and map list|dump|get|set|delete.  Human-readable output by default,
 * rkd's JSON answer with --json.
 *
 * `rkctl map dump FILE.o` stays the offline command (cmd_prog.c): a map
 * argument that names an existing file, or ends in ".o", is offline; an
 * object name as `rkctl list` shows it is online.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "client.h"
#include "commands.h"

#define MAX_POSITIONAL 6

struct daemon_args {
	const char *socket_path;
	int json;
	int hex;
	const char *positional[MAX_POSITIONAL];
	int positional_count;
};

static int parse_args(const char *what, int argc, char **argv, int allow_hex,
                      struct daemon_args *args)
{
	memset(args, 0, sizeof(*args));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--socket") == 0 && i + 1 < argc) {
			args->socket_path = argv[++i];
		} else if (strcmp(arg, "--json") == 0) {
			args->json = 1;
		} else if (allow_hex && strcmp(arg, "--hex") == 0) {
			args->hex = 1;
		} else if (arg[0] == '-' && arg[1] && !(arg[1] >= '0' && arg[1] <= '9')) {
			fprintf(stderr, "rkctl %s: unknown option '%s'%s\n", what, arg,
			        strcmp(arg, "--socket") == 0 ? " (it wants a path)" : "");
			return -1;
		} else if (args->positional_count < MAX_POSITIONAL) {
			args->positional[args->positional_count++] = arg;
		} else {
			fprintf(stderr, "rkctl %s: too many arguments\n", what);
			return -1;
		}
	}
	return 0;
}

/*
 * For the commands that take exactly one NAME or PATH: options, then the
 * one argument (usage printed otherwise).  0, or the exit code.
 */
static int parse_one_arg(const char *what, int argc, char **argv, const char *usage,
                         struct daemon_args *args)
{
	if (parse_args(what, argc, argv, 0, args))
		return RKCTL_EXIT_USAGE;
	if (args->positional_count != 1) {
		fputs(usage, stderr);
		return RKCTL_EXIT_USAGE;
	}
	return 0;
}

/* Send one request, print errors; the answer when ok, else NULL. */
static json_t *call(const struct daemon_args *args, const char *what, json_t *request)
{
	struct rkctl_client client;
	if (rkctl_client_connect(&client, args->socket_path)) {
		json_decref(request);
		return NULL;
	}
	json_t *answer = rkctl_client_request(&client, request);
	rkctl_client_close(&client);
	if (!answer)
		return NULL;
	if (!rkctl_client_ok(answer, what)) {
		json_decref(answer);
		return NULL;
	}
	return answer;
}

/* {"cmd": cmd, field: value}, sent: the answer when ok, else NULL. */
static json_t *call_with(const struct daemon_args *args, const char *cmd, const char *field,
                         const char *value)
{
	return call(args, cmd, json_pack("{ssss}", "cmd", cmd, field, value));
}

static void print_json(const json_t *json)
{
	char *text = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
	printf("%s\n", text ? text : "null");
	free(text);
}

/* --json: rkd's answer as it came; the answer is released. */
static int print_answer(json_t *answer)
{
	print_json(answer);
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

static const char *str(const json_t *object, const char *key)
{
	const char *value = json_string_value(json_object_get(object, key));
	return value ? value : "";
}

static json_int_t num(const json_t *object, const char *key)
{
	return json_integer_value(json_object_get(object, key));
}

/* ---------------------------------------------------------------- */
/* list, show, stats                                                */
/* ---------------------------------------------------------------- */

/*
 *     on_getpid  tracepoint syscalls/sys_enter_getppid  (jit)  moved by rkctl attach (SEC ...)
 *     on_step  detached (SEC uprobe/...)  (jit)
 *     on_step  uprobe /usr/bin/robot:control_step  (jit)  pid 4242, target exited
 *         ! /usr/bin/robot was removed after rkd attached: ...
 */
static void print_programs(const json_t *object, const char *indent)
{
	size_t i;
	json_t *prog;
	json_array_foreach(json_object_get(object, "programs"), i, prog) {
		const char *state = str(prog, "state");
		if (strcmp(state, "detached") == 0) {
			printf("%s%s  detached (SEC %s)  (%s)\n", indent, str(prog, "name"),
			       str(prog, "section"), str(prog, "mode"));
			continue;
		}
		printf("%s%s  %s  (%s)", indent, str(prog, "name"),
		       *str(prog, "hook") ? str(prog, "hook") : str(prog, "section"), str(prog, "mode"));
		const char *sep = "  ";
		if (*str(prog, "attach_section")) {
			printf("%smoved by rkctl attach (SEC %s)", sep, str(prog, "section"));
			sep = ", ";
		}
		if (json_object_get(prog, "pid")) {
			printf("%spid %" JSON_INTEGER_FORMAT, sep, num(prog, "pid"));
			sep = ", ";
		}
		if (strcmp(state, "target_exited") == 0)
			printf("%starget exited", sep);
		printf("\n");
		if (*str(prog, "note"))
			printf("%s    ! %s\n", indent, str(prog, "note"));
	}
}

int rkctl_cmd_list(int argc, char **argv)
{
	struct daemon_args args;
	if (parse_args("list", argc, argv, 0, &args))
		return RKCTL_EXIT_USAGE;
	json_t *answer = call(&args, "list", json_pack("{ss}", "cmd", "list"));
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json)
		return print_answer(answer);
	json_t *objects = json_object_get(answer, "objects");
	if (json_array_size(objects) == 0)
		printf("no objects loaded (drop *.o files into rkd's programs_dir, or rkctl load "
		       "PATH)\n");
	size_t i;
	json_t *object;
	json_array_foreach(objects, i, object) {
		json_t *memory = json_object_get(object, "memory");
		if (strcmp(str(object, "state"), "failed") == 0) {
			printf("%-24s failed   %s\n", str(object, "name"), str(object, "error"));
			continue;
		}
		printf("%-24s running  v%" JSON_INTEGER_FORMAT "  %" JSON_INTEGER_FORMAT
		       " bytes  %s\n",
		       str(object, "name"), num(object, "version"), num(memory, "used"),
		       str(object, "path"));
		print_programs(object, "    ");
		if (*str(object, "error"))
			printf("    ! %s\n", str(object, "error"));
	}
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

int rkctl_cmd_show(int argc, char **argv)
{
	struct daemon_args args;
	int rc = parse_one_arg("show", argc, argv,
	                       "usage: rkctl show NAME [--json] [--socket PATH]  (rkctl list shows "
	                       "the names)\n",
	                       &args);
	if (rc)
		return rc;
	json_t *answer = call_with(&args, "show", "object", args.positional[0]);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	json_t *object = json_object_get(answer, "object");
	if (args.json) {
		print_json(object);
	} else {
		printf("name:    %s\nstate:   %s\npath:    %s\n", str(object, "name"),
		       str(object, "state"), str(object, "path"));
		if (*str(object, "error"))
			printf("error:   %s\n", str(object, "error"));
		if (json_object_get(object, "version")) {
			json_t *memory = json_object_get(object, "memory");
			printf("version: %" JSON_INTEGER_FORMAT "\nmemory:  %" JSON_INTEGER_FORMAT
			       " of %" JSON_INTEGER_FORMAT " bytes (peak %" JSON_INTEGER_FORMAT ")\n",
			       num(object, "version"), num(memory, "used"), num(memory, "limit"),
			       num(memory, "peak"));
			if (*str(object, "maps_on_swap"))
				printf("maps on last swap: %s\n", str(object, "maps_on_swap"));
			printf("programs:\n");
			print_programs(object, "  ");
			printf("maps:\n");
			size_t i;
			json_t *map;
			json_array_foreach(json_object_get(object, "maps"), i, map)
				printf("  %s  (%s)\n", str(map, "name"), str(map, "type"));
		}
	}
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

int rkctl_cmd_stats(int argc, char **argv)
{
	struct daemon_args args;
	if (parse_args("stats", argc, argv, 0, &args))
		return RKCTL_EXIT_USAGE;
	json_t *request = json_pack("{ss}", "cmd", "stats");
	if (args.positional_count == 1)
		json_object_set_new(request, "object", json_string(args.positional[0]));
	json_t *answer = call(&args, "stats", request);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json)
		return print_answer(answer);
	printf("%-20s %-16s %10s %10s %9s %8s %10s\n", "OBJECT", "PROGRAM", "RUNS", "AVG_NS",
	       "FAILURES", "LOST", "MEMORY");
	size_t i, j;
	json_t *object, *prog;
	json_array_foreach(json_object_get(answer, "objects"), i, object) {
		if (!json_object_get(object, "programs")) {
			printf("%-20s (failed)\n", str(object, "name"));
			continue;
		}
		json_int_t memory = num(json_object_get(object, "memory"), "used");
		json_array_foreach(json_object_get(object, "programs"), j, prog)
			printf("%-20s %-16s %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
			       " %9" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT
			       " %10" JSON_INTEGER_FORMAT "\n",
			       str(object, "name"), str(prog, "name"), num(prog, "runs"),
			       num(prog, "avg_run_ns"), num(prog, "failures"),
			       num(prog, "hook_lost") + (j == 0 ? num(object, "ringbuf_dropped") : 0),
			       j == 0 ? memory : 0);
	}
	json_t *rkd = json_object_get(answer, "rkd"), *events = json_object_get(answer, "events");
	if (rkd) {
		json_t *socket = json_object_get(rkd, "socket");
		printf("rkd: %" JSON_INTEGER_FORMAT " bytes charged; events %" JSON_INTEGER_FORMAT
		       " emitted, %" JSON_INTEGER_FORMAT " tail clients dropped; socket %"
		       JSON_INTEGER_FORMAT " requests (%" JSON_INTEGER_FORMAT " malformed, %"
		       JSON_INTEGER_FORMAT " refused)\n",
		       num(rkd, "memory_charged"), num(events, "emitted"),
		       num(events, "subscribers_dropped"), num(socket, "requests"),
		       num(socket, "malformed"), num(socket, "refused"));
	}
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* load, unload                                                     */
/* ---------------------------------------------------------------- */

int rkctl_cmd_load(int argc, char **argv)
{
	struct daemon_args args;
	int rc = parse_one_arg("load", argc, argv,
	                       "usage: rkctl load PATH.o [--json] [--socket PATH]\n", &args);
	if (rc)
		return rc;
	char path[PATH_MAX];
	if (!realpath(args.positional[0], path)) {
		fprintf(stderr, "rkctl load: %s: %s\n", args.positional[0], strerror(errno));
		return RKCTL_EXIT_FAILED;
	}
	json_t *answer = call_with(&args, "load", "path", path);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json)
		return print_answer(answer);
	json_t *object = json_object_get(answer, "object");
	printf("loaded %s (version %" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT " bytes)\n",
	       str(object, "name"), num(object, "version"),
	       num(json_object_get(object, "memory"), "used"));
	print_programs(object, "    ");
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

int rkctl_cmd_unload(int argc, char **argv)
{
	struct daemon_args args;
	int rc = parse_one_arg("unload", argc, argv,
	                       "usage: rkctl unload NAME [--json] [--socket PATH]  (rkctl list "
	                       "shows the names)\n",
	                       &args);
	if (rc)
		return rc;
	json_t *answer = call_with(&args, "unload", "object", args.positional[0]);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json)
		return print_answer(answer);
	printf("unloaded %s (%" JSON_INTEGER_FORMAT " bytes returned; rkd now holds %"
	       JSON_INTEGER_FORMAT ")\n",
	       args.positional[0], num(answer, "bytes_returned"), num(answer, "memory_charged"));
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

/* ---------------------------------------------------------------- */
/* attach, detach                                                   */
/* ---------------------------------------------------------------- */

#define ATTACH_USAGE                                                                       \
	"usage: rkctl attach NAME PROGRAM [SECTION] [--json] [--socket PATH]\n"                \
	"       rkctl detach NAME PROGRAM [--json] [--socket PATH]\n"                          \
	"SECTION is an attach point as SEC() names them (uprobe/PATH:SYMBOL, "                 \
	"tracepoint/SYS/NAME, ...);\nwithout it, the program goes back to its own SEC().  "     \
	"rkctl list shows NAME and PROGRAM.\n"

/* `rkctl attach NAME PROG [SECTION]`, `rkctl detach NAME PROG`. */
static int attach_or_detach(const char *what, int argc, char **argv)
{
	struct daemon_args args;
	bool attach = strcmp(what, "attach") == 0;
	if (parse_args(what, argc, argv, 0, &args))
		return RKCTL_EXIT_USAGE;
	if (args.positional_count < 2 || args.positional_count > (attach ? 3 : 2)) {
		fputs(ATTACH_USAGE, stderr);
		return RKCTL_EXIT_USAGE;
	}
	json_t *request = json_pack("{ssssss}", "cmd", what, "object", args.positional[0],
	                            "program", args.positional[1]);
	if (args.positional_count == 3)
		json_object_set_new(request, "section", json_string(args.positional[2]));
	json_t *answer = call(&args, what, request);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json)
		return print_answer(answer);
	json_t *prog = json_object_get(answer, "program");
	if (attach)
		printf("attached %s/%s to %s%s\n", args.positional[0], args.positional[1],
		       str(prog, "hook"),
		       *str(prog, "attach_section") ? " (its SEC() overridden until rkctl attach "
		                                      "without a section, or an unload)"
		                                    : " (its own SEC())");
	else
		printf("detached %s/%s: still loaded, maps and stats kept (rkctl attach %s %s "
		       "attaches it again)\n",
		       args.positional[0], args.positional[1], args.positional[0], args.positional[1]);
	json_decref(answer);
	return RKCTL_EXIT_OK;
}

int rkctl_cmd_attach(int argc, char **argv)
{
	return attach_or_detach("attach", argc, argv);
}

int rkctl_cmd_detach(int argc, char **argv)
{
	return attach_or_detach("detach", argc, argv);
}

/* ---------------------------------------------------------------- */
/* tail                                                             */
/* ---------------------------------------------------------------- */

static void print_event(const json_t *event)
{
	const char *type = str(event, "type");
	double seconds = (double)num(event, "time_ns") / 1e9;
	printf("%.6f %s ", seconds, str(event, "object"));
	if (strcmp(type, "print") == 0) {
		printf("%s: %s\n", str(event, "prog"), str(event, "text"));
	} else if (strcmp(type, "ringbuf") == 0) {
		printf("%s: ", str(event, "map"));
		json_t *record = json_object_get(event, "record");
		if (record)
			print_json(record);
		else
			printf("%s\n", str(event, "hex"));
	} else if (strcmp(type, "perf_output") == 0) {
		printf("%s: perf_output %s\n", str(event, "prog"), str(event, "hex"));
	} else if (strcmp(type, "rkd") == 0) {
		printf("[%s] %s\n", str(event, "what"), str(event, "message"));
	} else {
		print_json(event);
	}
}

int rkctl_cmd_tail(int argc, char **argv)
{
	struct daemon_args args;
	if (parse_args("tail", argc, argv, 0, &args))
		return RKCTL_EXIT_USAGE;
	struct rkctl_client client;
	if (rkctl_client_connect(&client, args.socket_path))
		return RKCTL_EXIT_FAILED;
	json_t *answer = rkctl_client_request(&client, json_pack("{ss}", "cmd", "tail"));
	if (!answer || !rkctl_client_ok(answer, "tail")) {
		json_decref(answer);
		rkctl_client_close(&client);
		return RKCTL_EXIT_FAILED;
	}
	json_decref(answer);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		const char *line = rkctl_client_read_line(&client);
		if (!line)
			break;
		if (args.json) {
			fputs(line, stdout);
			continue;
		}
		json_t *event = json_loads(line, 0, NULL);
		if (event)
			print_event(event);
		json_decref(event);
	}
	fprintf(stderr, "rkctl tail: rkd closed the stream (it stopped, or this client fell "
	                "behind and was dropped: rkctl stats counts those)\n");
	rkctl_client_close(&client);
	return RKCTL_EXIT_FAILED;
}

/* ---------------------------------------------------------------- */
/* map                                                              */
/* ---------------------------------------------------------------- */

#define MAP_USAGE                                                                          \
	"usage: rkctl map list NAME\n"                                                       \
	"       rkctl map dump NAME MAP\n"                                                   \
	"       rkctl map get NAME MAP KEY\n"                                                \
	"       rkctl map set NAME MAP KEY VALUE\n"                                          \
	"       rkctl map delete NAME MAP KEY\n"                                             \
	"         [--hex] [--json] [--socket PATH]   (online: NAME as rkctl list shows it)\n"  \
	"       rkctl map dump FILE.o [--run] ...     (offline: see rkctl help)\n"            \
	"KEY and VALUE are JSON (decoded through the map's BTF: 0, '{\"max_current_ma\": "    \
	"1500}'),\nor hex bytes with --hex ('00000000'); fields a VALUE leaves out keep their "  \
	"values.\n"

/* KEY or VALUE as the request wants it: "key" (JSON) or "key_hex". */
static int put_bytes_arg(json_t *request, const char *field, const char *text, int hex)
{
	if (hex) {
		char hex_field[16];
		snprintf(hex_field, sizeof(hex_field), "%s_hex", field);
		json_object_set_new(request, hex_field, json_string(text));
		return 0;
	}
	json_error_t err;
	json_t *value = json_loads(text, JSON_DECODE_ANY, &err);
	if (!value) {
		fprintf(stderr,
		        "rkctl map: %s '%s' is not JSON (%s); quote JSON for the shell "
		        "('{\"field\": 1}'), or give hex bytes with --hex\n",
		        field, text, err.text);
		return -1;
	}
	json_object_set_new(request, field, value);
	return 0;
}

static int is_offline_object(const char *arg)
{
	struct stat st;
	size_t len = strlen(arg);
	return stat(arg, &st) == 0 || (len > 2 && strcmp(arg + len - 2, ".o") == 0);
}

int rkctl_cmd_map_any(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "dump") == 0 && is_offline_object(argv[2]))
		return rkctl_cmd_map(argc, argv);
	struct daemon_args args;
	if (argc < 2 || parse_args("map", argc - 1, argv + 1, 1, &args)) {
		fprintf(stderr, MAP_USAGE);
		return RKCTL_EXIT_USAGE;
	}
	const char *op = argv[1];
	static const struct {
		const char *op;
		const char *cmd;
		int positional;   /* after the op */
	} ops[] = {
		{"list", "map.list", 1}, {"dump", "map.dump", 2},     {"get", "map.get", 3},
		{"set", "map.set", 4},   {"delete", "map.delete", 3},
	};
	const char *cmd = NULL;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].op) == 0 && args.positional_count == ops[i].positional)
			cmd = ops[i].cmd;
	if (!cmd) {
		fprintf(stderr, MAP_USAGE);
		return RKCTL_EXIT_USAGE;
	}
	json_t *request = json_pack("{ssss}", "cmd", cmd, "object", args.positional[0]);
	if (args.positional_count >= 2)
		json_object_set_new(request, "map", json_string(args.positional[1]));
	if ((args.positional_count >= 3 &&
	     put_bytes_arg(request, "key", args.positional[2], args.hex)) ||
	    (args.positional_count >= 4 &&
	     put_bytes_arg(request, "value", args.positional[3], args.hex))) {
		json_decref(request);
		return RKCTL_EXIT_USAGE;
	}
	char what[32];
	snprintf(what, sizeof(what), "map %s", op);
	json_t *answer = call(&args, what, request);
	if (!answer)
		return RKCTL_EXIT_FAILED;
	if (args.json) {
		print_json(answer);
	} else if (strcmp(op, "list") == 0) {
		size_t i;
		json_t *map;
		json_array_foreach(json_object_get(answer, "maps"), i, map)
			printf("%-24s %-12s key %" JSON_INTEGER_FORMAT " value %" JSON_INTEGER_FORMAT
			       " entries %" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT " bytes)\n",
			       str(map, "name"), str(map, "type"), num(map, "key_size"),
			       num(map, "value_size"), num(map, "max_entries"), num(map, "bytes"));
	} else if (strcmp(op, "dump") == 0) {
		size_t i;
		json_t *entry;
		json_array_foreach(json_object_get(answer, "entries"), i, entry) {
			char *key = json_dumps(json_object_get(entry, "key"), JSON_COMPACT | JSON_ENCODE_ANY);
			printf("%s: ", key ? key : "?");
			free(key);
			print_json(json_object_get(entry, "value"));
		}
		if (json_is_true(json_object_get(answer, "truncated")))
			printf("(more entries not shown: rkd returns at most 4096)\n");
	} else if (strcmp(op, "delete") == 0) {
		printf("deleted\n");
	} else {
		print_json(json_object_get(answer, "value"));
	}
	json_decref(answer);
	return RKCTL_EXIT_OK;
}
