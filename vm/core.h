/*
 * core.h - CO-RE ("compile once, run everywhere") relocations: rewrite an
 * instruction's field offset, size, existence flag, type size or enum
 * value from the layout the program was compiled against (its own .BTF,
 * the "local" BTF) to the layout of the target (usually vmlinux BTF).
 * Private to vm/.
 *
 * The one thing to know: matching follows libbpf's rules, so programs
 * written for libbpf relocate the same way here.  Types match by name with
 * any "___flavor" suffix dropped and by compatible kind; fields match by
 * exact name, looking through anonymous structs/unions in the target; a
 * relocation is refused when candidates disagree.  The instruction must
 * still hold the value clang computed for the local layout (checked, as
 * libbpf does), so a relocation applied twice, or to the wrong
 * instruction, is an error rather than a silent corruption.
 */
#ifndef RK_CORE_H
#define RK_CORE_H

#include <stddef.h>

#include "btf_ext.h"
#include "rkbpf.h"

/* libbpf's poison: "call 0xbad2310" ("bad relo"), refused if ever reached. */
#define RK_CORE_POISON_HELPER 0xbad2310

/*
 * Apply relo to insns (one ELF section's instructions; relo->insn_off is in
 * bytes from its start).  target_btf NULL means the local BTF is the
 * target.  Patches, as libbpf:
 *   - ALU/ALU64 with an immediate: imm;
 *   - LDX/ST/STX: off (must fit in s16), and the access size when the
 *     field's size changed and that is safe (pointers, unsigned ints);
 *   - LDDW: the 64-bit immediate.
 * Returns 0 when patched.  When the target has no such type, field or
 * enumerator: the *_EXISTS kinds patch 0 and return 0; every other kind
 * returns -ENOENT, leaves the instruction untouched and says what is
 * missing ("insn 14: CO-RE: field 'pid' of struct task_struct not found in
 * the target BTF") - the caller either fails the load or, to accept
 * programs that guard such reads with bpf_core_field_exists(), poisons the
 * instruction with rk_core_poison().  Other failures (-EINVAL, -ERANGE)
 * mean a malformed relocation or an instruction it does not fit.
 */
int rk_core_relocate(struct rk_insn *insns, size_t insn_count, const struct rk_btf_ext_core *relo,
                     const struct rk_btf *local_btf, const struct rk_btf *target_btf, char *err,
                     size_t err_len);

/*
 * Replace the instruction relo points at (both slots of an LDDW) with
 * "call RK_CORE_POISON_HELPER", as libbpf does for a relocation that cannot
 * be satisfied: harmless in dead code, an unknown-helper error if reached.
 * -EINVAL when insn_off is outside insns.
 */
int rk_core_poison(struct rk_insn *insns, size_t insn_count, const struct rk_btf_ext_core *relo);

#endif /* RK_CORE_H */
