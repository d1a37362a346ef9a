#!/bin/bash
# check-bpf-obj.sh OBJ - refuse a BPF object whose .text cannot
# stand alone as bytecode.  bench/ and examples/ load the raw .text (llvm-objcopy -O
# binary), with no ELF loader to resolve anything, so the object must hold:
#   - no relocations at all (a call to a non-inlined function, a global, a
#     lookup table in .rodata or a libc call would each need one);
#   - exactly one function, at the start of .text;
#   - no CALL instruction (no helpers, no bpf-to-bpf calls);
#   - a non-empty .text of whole 8-byte slots.
# Tools: LLVM_READELF, LLVM_OBJDUMP (default llvm-readelf, llvm-objdump).
set -euo pipefail

obj=${1:?usage: check-bpf-obj.sh OBJ}
readelf=${LLVM_READELF:-llvm-readelf}
objdump=${LLVM_OBJDUMP:-llvm-objdump}

fail() {
	echo "check-bpf-obj: $obj: $*" >&2
	exit 1
}

# Relocations of debug info and BTF (clang -g) only describe the code;
# any other relocation would have to be applied to the bytecode itself.
relocs=$("$readelf" -r "$obj")
code_relocs=$(grep "^Relocation section" <<<"$relocs" |
	grep -vE "'\.rel(a)?\.(debug_[a-z_]+|BTF|BTF\.ext)'" || true)
if [ -n "$code_relocs" ]; then
	fail "has relocations (calls, globals, .rodata tables or libc are not allowed):
$relocs"
fi

funcs=$("$readelf" -s "$obj" | awk '$4 == "FUNC"')
func_count=$(grep -c . <<<"$funcs" || true)
[ "$func_count" -eq 1 ] || fail "has $func_count functions, wants exactly 1 (mark helpers BENCH_INLINE):
$funcs"
func_value=$(awk '{print $2}' <<<"$funcs")
[ $((16#$func_value)) -eq 0 ] || fail "the function does not start at offset 0 of .text"

# Section rows without the "[Nr]" column: name type address offset size ...
sections=$("$readelf" -S -W "$obj" | sed -nE 's/^ *\[ *[0-9]+\] //p')
text_size=$(awk '$1 == ".text" {print $5}' <<<"$sections")
[ -n "$text_size" ] || fail "has no .text section"
text_size=$((16#$text_size))
[ "$text_size" -gt 0 ] && [ $((text_size % 8)) -eq 0 ] ||
	fail ".text is $text_size bytes, wants a non-zero multiple of 8"

other=$(awk '/ AX / && $1 != ".text" {print $1}' <<<"$sections")
[ -z "$other" ] || fail "has code outside .text: $other"

calls=$("$objdump" -d "$obj" | grep -E '\scall\s' || true)
[ -z "$calls" ] || fail "calls something (helpers and bpf-to-bpf calls are not allowed):
$calls"
