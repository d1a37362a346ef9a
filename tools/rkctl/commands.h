/*
 * commands.h - rkctl's subcommands.  Each takes argc/argv with argv[0] the
 * subcommand's name and returns the process exit status:
 * 0 success, 1 the operation failed (bad program, failed run), 2 usage error.
 */
#ifndef RK_RKCTL_COMMANDS_H
#define RK_RKCTL_COMMANDS_H

#define RKCTL_EXIT_OK 0
#define RKCTL_EXIT_FAILED 1
#define RKCTL_EXIT_USAGE 2

int rkctl_cmd_asm(int argc, char **argv);
int rkctl_cmd_disasm(int argc, char **argv);
int rkctl_cmd_validate(int argc, char **argv);
int rkctl_cmd_run(int argc, char **argv);
int rkctl_cmd_verify(int argc, char **argv);
int rkctl_cmd_prog(int argc, char **argv);
int rkctl_cmd_map(int argc, char **argv);
/* cmd_daemon.c: talk to a running rkd over its control socket. */
int rkctl_cmd_load(int argc, char **argv);
int rkctl_cmd_unload(int argc, char **argv);
int rkctl_cmd_list(int argc, char **argv);
int rkctl_cmd_show(int argc, char **argv);
int rkctl_cmd_stats(int argc, char **argv);
int rkctl_cmd_tail(int argc, char **argv);
int rkctl_cmd_attach(int argc, char **argv);
int rkctl_cmd_detach(int argc, char **argv);
/* cmd_sign.c: Ed25519 keys and detached signatures (docs/signatures.md). */
int rkctl_cmd_keygen(int argc, char **argv);
int rkctl_cmd_sign(int argc, char **argv);
/*
 * Verify every program of the object at path exactly as `rkctl verify`
 * does (printing its lines); fill sig->progs with the accepted programs and
 * their bounds.  Returns verify's exit status.
 */
struct rk_sig;
int rkctl_verify_verdict(const char *path, const char *btf_path, struct rk_sig *sig);
/* cmd_estop.c: rkd's emergency stop (status, reset). */
int rkctl_cmd_estop(int argc, char **argv);
/* map: offline (cmd_prog.c) for `map dump FILE.o`, else online. */
int rkctl_cmd_map_any(int argc, char **argv);

#endif
