/*
 * embed.c - the smallest program embedding an installed librkbpf: built by
 * .ci/run against $(DESTDIR)$(PREFIX)/include/rkbpf and lib/librkbpf.a, so
 * that `make install` is known to give a usable library and header.
 */
#include <rkbpf/rkbpf.h>
#include <stdio.h>

int main(void)
{
	/* r0 = *(u16 *)ctx, byte-swapped: 0x1234 for the bytes 12 34. */
	struct rk_insn program[] = {
		{.code = RK_CLS_LDX | RK_MODE_MEM | RK_SIZE_H, .dst_reg = 0, .src_reg = 1},
		{.code = RK_CLS_ALU | RK_ALU_END | RK_END_TO_BE, .dst_reg = 0, .imm = 16},
		{.code = RK_OP_EXIT},
	};
	unsigned char ctx[2] = {0x12, 0x34};
	char err[RK_ERR_LEN];
	struct rk_prog *prog;
	if (rk_prog_new(program, 3, NULL, &prog, err, sizeof(err)) != 0) {
		fprintf(stderr, "embed: %s\n", err);
		return 1;
	}
	struct rk_run_result result;
	int rc = rk_prog_run(prog, ctx, sizeof(ctx), NULL, &result);
	rk_prog_free(prog);
	if (rc != 0 || result.retval != 0x1234) {
		fprintf(stderr, "embed: got 0x%llx (%s)\n", (unsigned long long)result.retval,
		        result.message);
		return 1;
	}
	printf("embed: librkbpf from the install tree works\n");
	return 0;
}
