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
	 "              [--ctx-size N] [--interp | --checked] [--json] [--dump-maps] [--btf FILE]\n"
	 "              [--budget BYTES]\n"
	 "        verify, then run a program on the given bytes (the first run checked, the rest\n"
	 "        fast); prints retval, duration_ns (median per run) and its ring-buffer events"},
	{"verify", rkctl_cmd_verify,
	 "verify PROG [--prog NAME] [--ctx-size N] [--log] [--json] [--btf FILE]\n"
	 "        prove every program (or the one named) safe to run on the context of its\n"
	 "        section; per program: accepted with the most instructions one run executes,\n"
	 "        or rejected with the source line, instruction and rule; every error says what\n"
	 "        to do next.  --log: the verifier's state before each instruction; --json: an\n"
	 "        array of objects.  Exit 0: all accepted, 1: one rejected, 2: usage or load\n"
	 "        error, or a section without a known context"},
	{"prog", rkctl_cmd_prog,
	 "prog dump OBJ [--prog NAME] [--btf FILE]\n"
	 "        disassembly interleaved with source lines (from the object's line info)"},
	{"map", rkctl_cmd_map,
	 "map dump OBJ [--run] [--prog NAME] [--data-in FILE | --mem HEX] [--repeat N] [--budget BYTES]\n"
	 "        the object's maps as JSON (BTF-decoded); after running the program when\n"
	 "        input (or --run) is given"},
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
