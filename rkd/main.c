/*
 * main.c - rkd: options, config, then the loop.  Everything after start-up
 * happens in callbacks on one libuv loop (rkd.h).
 *
 *   rkd [--config PATH] [--foreground] [--programs-dir DIR] [--socket PATH]
 *       [--check-config]
 *
 * Exit status: 0 after SIGINT/SIGTERM, 1 when start-up fails (socket,
 * programs_dir), 2 for usage and config errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tools/common/file_io.h"
#include "config.h"
#include "control.h"
#include "daemon.h"
#include "dropin.h"
#include "estop.h"
#include "kernel_btf.h"
#include "privileges.h"
#include "programs.h"
#include "signing.h"

#define RKD_EXIT_FAILED 1
#define RKD_EXIT_USAGE 2

struct options {
	const char *config_path;
	const char *programs_dir;
	const char *socket_path;
	bool foreground;
	bool check_config;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: rkd [--config PATH] [--foreground] [--programs-dir DIR] [--socket PATH]\n"
	        "           [--check-config]\n"
	        "  --config PATH       rkd.conf (default %s; without it, defaults are used)\n"
	        "  --foreground        stay attached and log to stderr (else: detach, syslog)\n"
	        "  --programs-dir DIR  the drop-in directory (overrides programs_dir)\n"
	        "  --socket PATH       the control socket (overrides socket)\n"
	        "  --check-config      parse the config, print the settings and exit\n",
	        RKD_DEFAULT_CONFIG);
}

static int parse_options(int argc, char **argv, struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(arg, "--config") == 0 && value)
			opts->config_path = value, i++;
		else if (strcmp(arg, "--programs-dir") == 0 && value)
			opts->programs_dir = value, i++;
		else if (strcmp(arg, "--socket") == 0 && value)
			opts->socket_path = value, i++;
		else if (strcmp(arg, "--foreground") == 0 || strcmp(arg, "-f") == 0)
			opts->foreground = true;
		else if (strcmp(arg, "--check-config") == 0)
			opts->check_config = true;
		else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "rkd: unexpected argument '%s'%s\n", arg,
			        value || arg[0] != '-' ? "" : " (or missing value)");
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static int configure(const struct options *opts, struct rkd_config *config)
{
	char err[RKD_CONFIG_ERR_LEN];
	rkd_config_defaults(config);
	const char *path = opts->config_path;
	if (!path && access(RKD_DEFAULT_CONFIG, F_OK) == 0)
		path = RKD_DEFAULT_CONFIG;
	if (path && rkd_config_load(path, config, err, sizeof(err))) {
		fprintf(stderr, "rkd: %s\n", err);
		return -1;
	}
	if (opts->programs_dir)
		snprintf(config->programs_dir, sizeof(config->programs_dir), "%s", opts->programs_dir);
	if (opts->socket_path) {
		if (strlen(opts->socket_path) >= sizeof(config->socket_path)) {
			fprintf(stderr, "rkd: --socket: path longer than %zu characters\n",
			        sizeof(config->socket_path) - 1);
			return -1;
		}
		snprintf(config->socket_path, sizeof(config->socket_path), "%s", opts->socket_path);
	}
	return 0;
}

static void print_config(const struct rkd_config *config)
{
	printf("programs_dir = %s\nsocket = %s\naccess_group = %s\nadmin_group = %s\n"
	       "budget_bytes = %zu\njit = %s\ntail_buffer_bytes = %zu\n",
	       config->programs_dir, config->socket_path, config->access_group,
	       config->admin_group, config->budget_bytes, config->jit ? "on" : "off",
	       config->tail_buffer_bytes);
	printf("socket_mode = %04o\nrequire_signature = %s\ntrusted_keys_dir = %s\n"
	       "trust_attestation = %s\nboard_id = %s\nstate_dir = %s\ndrop_capabilities = %s\n",
	       config->socket_mode, config->require_signature ? "on" : "off",
	       config->trusted_keys_dir, config->trust_attestation ? "on" : "off",
	       config->board_id, config->state_dir, config->drop_capabilities ? "on" : "off");
	const struct rkd_estop_config *estop = &config->estop;
	if (estop->heartbeat_path[0])
		printf("[estop] heartbeat = %s every %u ms\n", estop->heartbeat_path,
		       estop->heartbeat_ms);
	for (size_t i = 0; i < estop->count; i++) {
		const struct rkd_actuator *a = &estop->actuators[i];
		if (a->type == RKD_ACTUATOR_PWM)
			printf("[actuator %s] pwm %s channel %u bit %u safe %s%.0llu\n", a->name, a->chip,
			       a->channel, a->bit, a->has_safe_duty ? "duty_ns " : "disable",
			       a->has_safe_duty ? a->safe_duty_ns : 0ull);
		else
			printf("[actuator %s] gpio %s line %u bit %u safe_level %d\n", a->name, a->chip,
			       a->channel, a->bit, a->safe_level);
	}
	for (size_t i = 0; i < config->programs.count; i++) {
		const struct rkd_program_opts *p = &config->programs.entries[i];
		if (p->comm[0])
			printf("[program %s/%s] comm = %s\n", p->object, p->program, p->comm);
		else if (p->pid)
			printf("[program %s/%s] pid = %d\n", p->object, p->program, p->pid);
	}
}

static uv_signal_t sigint_handle, sigterm_handle;

static void on_signal(uv_signal_t *handle, int signum)
{
	struct rkd_daemon *daemon = handle->data;
	if (daemon->stopping)
		return;
	daemon->stopping = true;
	rkd_log("info", "%s: stopping", strsignal(signum));
	rkd_estop_stop();
	rkd_dropin_stop(daemon);
	rkd_control_stop(daemon);
	rkd_objects_unload_all(daemon);
	rkd_kernel_btf_close(daemon);
	rkd_signing_stop(daemon);
	uv_close((uv_handle_t *)&sigint_handle, NULL);
	uv_close((uv_handle_t *)&sigterm_handle, NULL);
}

int main(int argc, char **argv)
{
	struct options opts;
	if (parse_options(argc, argv, &opts))
		return RKD_EXIT_USAGE;
	static struct rkd_daemon rkd;
	if (configure(&opts, &rkd.config))
		return RKD_EXIT_USAGE;
	if (opts.check_config) {
		print_config(&rkd.config);
		return 0;
	}
	char err[RKD_OBJECT_ERR_LEN];
	/*
	 * Before any program can call rk_emergency_stop, and before detaching (so
	 * that the error reaches the terminal): an e-stop that cannot act refuses.
	 */
	if (rkd_estop_open(&rkd, err, sizeof(err))) {
		fprintf(stderr, "rkd: %s; rkd does not start with an emergency stop that cannot act\n",
		        err);
		return RKD_EXIT_USAGE;
	}
	/* A client that disconnects mid-answer must not kill the rkd. */
	signal(SIGPIPE, SIG_IGN);
	if (!opts.foreground) {
		if (daemon(0, 0)) {
			fprintf(stderr, "rkd: cannot detach: %s\n", strerror(errno));
			return RKD_EXIT_FAILED;
		}
		rkd_log_use_syslog();
	}
	rkd.loop = uv_default_loop();
	rkd.started_ns = rkd_now_ns();
	rkd_events_init(&rkd.events);
	rkd_kernel_btf_init(&rkd);

	if (rkd_estop_start(&rkd, err, sizeof(err))) {
		rkd_log("error", "%s", err);
		rkd_estop_close();
		return RKD_EXIT_FAILED;
	}
	if (rkd_control_start(&rkd, err, sizeof(err))) {
		rkd_log("error", "%s", err);
		return RKD_EXIT_FAILED;
	}
	/* Start-up done as root; nothing is loaded before the capabilities are dropped. */
	char kept[128];
	if (rkd_signing_start(&rkd, err, sizeof(err)) ||
	    rkd_drop_privileges(&rkd.config, kept, sizeof(kept), err, sizeof(err))) {
		rkd_log("error", "%s", err);
		rkd_control_stop(&rkd);
		uv_run(rkd.loop, UV_RUN_DEFAULT);
		return RKD_EXIT_FAILED;
	}
	rkd_log("info", "capabilities kept: %s%s", kept,
	        rkd.config.drop_capabilities ? "; no_new_privs set" : "");
	if (rkd_dropin_start(&rkd, err, sizeof(err))) {
		rkd_log("error", "%s", err);
		rkd_control_stop(&rkd);
		uv_run(rkd.loop, UV_RUN_DEFAULT);
		return RKD_EXIT_FAILED;
	}
	uv_signal_init(rkd.loop, &sigint_handle);
	uv_signal_init(rkd.loop, &sigterm_handle);
	sigint_handle.data = sigterm_handle.data = &rkd;
	uv_signal_start(&sigint_handle, on_signal, SIGINT);
	uv_signal_start(&sigterm_handle, on_signal, SIGTERM);
	size_t objects = 0;
	for (struct rkd_object *object = rkd.objects; object; object = object->next)
		objects++;
	rkd_log("info", "ready: %zu object%s from %s, control socket %s, jit %s", objects,
	        objects == 1 ? "" : "s", rkd.config.programs_dir, rkd.config.socket_path,
	        rkd.config.jit && rk_jit_arch() ? rk_jit_arch() : "off");

	uv_run(rkd.loop, UV_RUN_DEFAULT);
	uv_loop_close(rkd.loop);
	rkd_estop_close();
	rkd_log("info", "stopped");
	return 0;
}
