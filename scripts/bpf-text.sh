#!/bin/sh
# bpf-text.sh OBJ OUT.bin - extract the bytecode of a single-function
# clang -target bpf object (until the ELF loader lands): check that the
# .text can stand alone (scripts/check-bpf-obj.sh), then copy it out.
set -eu
obj=$1 out=$2
"$(dirname "$0")/check-bpf-obj.sh" "$obj"
"${LLVM_OBJCOPY:-llvm-objcopy}" -O binary --only-section=.text "$obj" "$out"
