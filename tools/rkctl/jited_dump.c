/*
 * jited_dump.c - rkctl prog dump --jited: the native code the JIT makes of
 * a program, instruction by instruction (each eBPF instruction, then the
 * bytes it became).  The program is verified first: the JIT only compiles
 * what the verifier accepted, exactly as rkd does.
 *
 * For a real disassembly, --jited-raw FILE writes the code alone, for
 *   objdump -D -b binary -m i386:x86-64 FILE      (x86_64)
 *   objdump -D -b binary -m aarch64 FILE          (arm64)
 */
#include <stdio.h>
#include <string.h>

#include "jited_dump.h"

int rkctl_jit_for_dump(struct rk_prog *prog, bool from_elf, char *err, size_t err_len)
{
	struct rk_ctx_desc_buf ctx;
	struct rkctl_ctx_opts ctx_opts = {0};
	int rc = rkctl_prog_ctx(prog, from_elf, &ctx_opts, &ctx, err, err_len);
	if (rc)
		return rc;
	struct rk_verify_opts opts = {.ctx = ctx.ctx};
	struct rk_verify_result verified;
	rc = rk_verify(prog, &opts, &verified, err, err_len);
	if (rc)
		return rc;
	return rk_prog_jit(prog, err, err_len);
}

void rkctl_print_jited(FILE *out, const struct rk_prog *prog)
{
	size_t code_size;
	const uint8_t *code = rk_prog_jited_code(prog, &code_size);
	const struct rk_insn *insns = rk_prog_insns(prog);
	size_t insn_count = rk_prog_insn_count(prog);
	fprintf(out, "%s JIT: %zu bytes for %zu instructions\n", rk_jit_arch(), code_size,
	        insn_count);
	size_t prologue = rk_prog_jited_offset(prog, 0);
	if (prologue) {
		fprintf(out, "entry:\n");
		for (size_t at = 0; at < prologue; at += 16) {
			fprintf(out, "  %5zx:", at);
			for (size_t b = at; b < prologue && b < at + 16; b++)
				fprintf(out, " %02x", code[b]);
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < insn_count; i++) {
		char text[128];
		int slots = rk_disasm_insn(insns, insn_count, i, text, sizeof(text));
		/* An lddw's native code spans both of its slots. */
		size_t next = slots == 2 ? i + 2 : i + 1;
		size_t start = rk_prog_jited_offset(prog, i), end = rk_prog_jited_offset(prog, next);
		fprintf(out, "%4zu: %s\n", i, text);
		if (slots == 2)
			i++;
		for (size_t at = start; at < end; at += 16) {
			fprintf(out, "  %5zx:", at);
			for (size_t b = at; b < end && b < at + 16; b++)
				fprintf(out, " %02x", code[b]);
			fputc('\n', out);
		}
	}
	size_t last = rk_prog_jited_offset(prog, insn_count);
	if (last < code_size)
		fprintf(out, "(%zu bytes of shared exit and helper-call code follow)\n",
		        code_size - last);
}
