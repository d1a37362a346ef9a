/*
 * rkctl - the rkBPF command line.  This file only dispatches; each
 * subcommand lives in its own cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "../../hooks/ctx_desc.h"
#include "commands.h"

struct rkctl_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct rkctl_command commands[] = {
	{"run", rkctl_cmd_run,
	 "run PROG [--prog NAME] [--data-in FILE | --mem HEX] [--data-out FILE] [--repeat N]\n"
	 "              [--ctx-size N] [--jit | --interp | --checked] [--json] [--dump-maps]\n"
	 "              [--btf FILE] [--budget BYTES]\n"
	 "        verify, then run a program on the given bytes, as rkd would: in the JIT where\n"
	 "        this machine has one (--interp: the interpreter; --checked: every access\n"
	 "        checked); prints retval, duration_ns (median per run) and its ring-buffer events"},
	{"verify", rkctl_cmd_verify,
	 "verify PROG [--prog NAME] [--ctx-size N] [--log] [--json] [--btf FILE]\n"
	 "        prove every program (or the one named) safe to run on the context of its\n"
	 "        section; per program: accepted with the most instructions one run executes,\n"
	 "        or rejected with the source line, instruction and rule; every error says what\n"
	 "        to do next.  --log: the verifier's state before each instruction; --json: an\n"
	 "        array of objects.  Exit 0: all accepted, 1: one rejected, 2: usage or load\n"
	 "        error, or a section without a known context\n"
	 "  rkctl verify --signature [--pubkey FILE | --keys DIR] [--arch ARCH] [--board ID] OBJ\n"
	 "        also check OBJ.sig: trusted key, signature, object hash, arch, board, and that\n"
	 "        the signed verdict still holds with this verifier"},
	{"keygen", rkctl_cmd_keygen,
	 "keygen --out DIR|PREFIX [--role signer|verifier]\n"
	 "        make an Ed25519 key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub\n"
	 "        (or DIR/KEYID.key and .pub); a verifier key's verdicts may be trusted by rkd\n"
	 "        without re-verifying (trust_attestation)"},
	{"sign", rkctl_cmd_sign,
	 "sign --key SECRET OBJ [--seq N] [--board ID] [--arch ARCH] [--btf FILE]\n"
	 "        verify OBJ as rkctl verify does and, when every program is accepted, write\n"
	 "        OBJ.sig: its hash, the verdict, arch, sequence number (default: the old\n"
	 "        OBJ.sig's + 1, else 1) and board, signed with the key"},
	{"prog", rkctl_cmd_prog,
	 "prog dump OBJ [--prog NAME] [--btf FILE] [--jited] [--jited-raw FILE]\n"
	 "        disassembly interleaved with source lines (from the object's line info);\n"
	 "        --jited: verify, compile, and show each instruction's native code;\n"
	 "        --jited-raw FILE: also write the code for objdump -D -b binary"},
	{"map", rkctl_cmd_map_any,
	 "map dump OBJ [--run] [--prog NAME] [--data-in FILE | --mem HEX] [--repeat N] [--budget BYTES]\n"
	 "        the object's maps as JSON (BTF-decoded); after running the program when\n"
	 "        input (or --run) is given (offline: OBJ is a file)\n"
	 "  rkctl map list NAME | dump NAME MAP | get NAME MAP KEY | set NAME MAP KEY VALUE\n"
	 "            | delete NAME MAP KEY   [--hex] [--json] [--socket PATH]\n"
	 "        a running rkd's maps (NAME as rkctl list shows it); KEY and VALUE are JSON\n"
	 "        through BTF ('{\"max_current_ma\": 1500}': other fields keep their values)\n"
	 "        or hex bytes with --hex"},
	{"load", rkctl_cmd_load,
	 "load PATH.o [--json] [--socket PATH]\n"
	 "        load, verify, compile and attach an object in rkd (it replaces one of the\n"
	 "        same name atomically)"},
	{"unload", rkctl_cmd_unload,
	 "unload NAME [--json] [--socket PATH]\n"
	 "        detach and free an object; every byte it held is returned"},
	{"list", rkctl_cmd_list,
	 "list [--json] [--socket PATH]\n"
	 "        rkd's objects: running (programs, hooks, memory) or failed (and why)"},
	{"show", rkctl_cmd_show,
	 "show NAME [--json] [--socket PATH]\n"
	 "        one object: programs, hooks, maps, memory"},
	{"stats", rkctl_cmd_stats,
	 "stats [NAME] [--json] [--socket PATH]\n"
	 "        per program: runs, average run time, failures, lost events, memory"},
	{"attach", rkctl_cmd_attach,
	 "attach NAME PROGRAM [SECTION] [--json] [--socket PATH]\n"
	 "        move a loaded program to another attach point (uprobe/PATH:SYMBOL,\n"
	 "        tracepoint/SYS/NAME, ...; one with the same kind of context): verified\n"
	 "        again, the new hook started before the old one stops; without SECTION,\n"
	 "        back to its SEC() (or attached again after a detach)"},
	{"detach", rkctl_cmd_detach,
	 "detach NAME PROGRAM [--json] [--socket PATH]\n"
	 "        stop and close a program's hook; it stays loaded with its maps"},
	{"tail", rkctl_cmd_tail,
	 "tail [--json] [--socket PATH]\n"
	 "        live events: trace_printk lines, ring-buffer records (decoded through\n"
	 "        BTF), perf_event_output records, loads and failures"},
	{"estop", rkctl_cmd_estop,
	 "estop status | reset [--json] [--socket PATH]\n"
	 "        rkd's emergency stop: whether it tripped, who tripped it and when, each\n"
	 "        actuator; reset (admin) clears the latch"},
	{"asm", rkctl_cmd_asm,
	 "asm FILE.s [-o OUT.bin]\n"
	 "        assemble; without -o, print the bytecode as hex"},
	{"disasm", rkctl_cmd_disasm,
	 "disasm PROG [--hex]\n"
	 "        disassemble raw bytecode (--hex: the file holds hex text)"},
	{"validate", rkctl_cmd_validate,
	 "validate PROG\n"
	 "        check the encoding of every instruction (RFC 9669)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: rkctl COMMAND [ARGS]\n\n"
	             "PROG is an ELF object (clang -target bpf), assembly (.s, .asm) or raw bytecode.\n"
	             "OBJ is an ELF object.\n\n"
	             "Nothing runs unverified.  A program's context (r1) follows its SEC() name:\n"
	             "  " RK_CTX_DESC_SUPPORTED "\n"
	             "Assembly and raw bytecode get the data buffer of SEC(\"data\") (%u bytes, writable;\n"
	             "r2 = the input's length).  --ctx-size N gives any program N readable and writable\n"
	             "bytes instead (0: no context).\n\n",
	        RK_DATA_CTX_BYTES);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  rkctl %s\n\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RKCTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return RKCTL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "rkctl: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return RKCTL_EXIT_USAGE;
}
