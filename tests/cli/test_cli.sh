#!/bin/bash
# test_cli.sh BUILD_DIR - the command-line tools as a user runs them:
# rkctl (run, asm, disasm, validate) and rk-conformance-plugin, including
# the README's commands and the errors a user meets.  Exits non-zero on the
# first failure, printing what was expected and what came out.
set -uo pipefail
build=${1:?usage: test_cli.sh BUILD_DIR}
src=$(cd "$(dirname "$0")/../.." && pwd)
rkctl=$build/rkctl
plugin=$build/rk-conformance-plugin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect NAME EXPECTED_STATUS EXPECTED_OUTPUT_REGEX -- COMMAND...
expect() {
	local name=$1 status=$2 pattern=$3
	shift 4
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$status" ] || fail "$name: exit $rc, expected $status; output:
$out"
	grep -qE -- "$pattern" <<<"$out" || fail "$name: output does not match /$pattern/:
$out"
	passed=$((passed + 1))
}

# The README's main job.
expect readme-run 0 '^retval 0x14500000028f$' -- \
	"$rkctl" run "$build/examples/motor_overcurrent.o" --data-in "$src/examples/data/motor_current.bin"
expect readme-run-duration 0 '^duration_ns [0-9]+$' -- \
	"$rkctl" run "$build/examples/motor_overcurrent.o" --data-in "$src/examples/data/motor_current.bin" --repeat 50
expect run-prog-by-name 0 '^retval 0x14500000028f$' -- \
	"$rkctl" run "$build/examples/motor_overcurrent.o" --prog motor_overcurrent --data-in "$src/examples/data/motor_current.bin"
expect run-prog-unknown 1 "no program 'nope'; it has: motor_overcurrent \(SEC \"data\"\)" -- \
	"$rkctl" run "$build/examples/motor_overcurrent.o" --prog nope
expect prog-dump-source 0 'motor_overcurrent.bpf.c:[0-9]+: if \(over == TRIP_SAMPLES\)' -- \
	"$rkctl" prog dump "$build/examples/motor_overcurrent.o"
expect prog-dump-header 0 '^motor_overcurrent \(SEC "data"\): [0-9]+ instructions' -- \
	"$rkctl" prog dump "$build/examples/motor_overcurrent.o"

# The README's second example: a motor guard on rkBPF's robotics helpers.
expect motor-guard-events 0 'event: trips: 24 bytes: ' -- \
	"$rkctl" run "$build/examples/motor_guard.o" --mem "40 1f 00 00 00 00 00 00" --repeat 10
expect motor-guard-estop 0 'rk_emergency_stop: motor_guard: actuators 0x1' -- \
	"$rkctl" run "$build/examples/motor_guard.o" --mem "40 1f 00 00 00 00 00 00" --repeat 10
expect motor-guard-quiet 0 '^retval 0x0$' -- \
	"$rkctl" run "$build/examples/motor_guard.o" --mem "e8 03 00 00 00 00 00 00" --repeat 10
expect map-dump-timeseries 0 '"name": "motor_current", "type": "timeseries".*"samples": 3, "min": 1000, "max": 1000' -- \
	"$rkctl" map dump "$build/examples/motor_guard.o" --mem "e8 03 00 00 00 00 00 00" --repeat 3

expect budget-too-small 1 "motor_guard.o: .*map 'motor_current' needs [0-9]+ bytes, but only [0-9]+ of the 4096-byte budget are left" -- \
	"$rkctl" run "$build/examples/motor_guard.o" --budget 4096 --mem "e8 03 00 00 00 00 00 00"

# The README's assembly example.
printf 'ldxh %%r0, [%%r1]\nbe16 %%r0\nexit\n' >"$work/swap.s"
expect readme-swap 0 '^retval 0x1234$' -- "$rkctl" run "$work/swap.s" --mem "12 34" --repeat 1000
expect run-checked-json 0 '"insns_executed": 3' -- "$rkctl" run "$work/swap.s" --mem "12 34" --checked --json

# asm -> bin -> disasm -> asm gives the same bytes.
expect asm-hex 0 '^69 10 00 00 00 00 00 00$' -- "$rkctl" asm "$work/swap.s"
expect asm-out 0 '^$' -- "$rkctl" asm "$work/swap.s" -o "$work/swap.bin"
"$rkctl" disasm "$work/swap.bin" >"$work/again.s" || fail "disasm"
"$rkctl" asm "$work/again.s" -o "$work/again.bin" || fail "re-asm"
cmp -s "$work/swap.bin" "$work/again.bin" || fail "disasm output does not re-assemble to the same bytes"
passed=$((passed + 1))
expect validate-ok 0 'valid \(3 instructions\)' -- "$rkctl" validate "$work/swap.bin"

# --data-out keeps what the program wrote into its context.
printf 'stb [%%r1+1], 0x7f\nmov %%r0, 0\nexit\n' >"$work/poke.s"
expect data-out 0 '^retval 0x0$' -- "$rkctl" run "$work/poke.s" --mem "00 00" --data-out "$work/out.bin"
[ "$(od -An -tx1 "$work/out.bin" | tr -d ' \n')" = "007f" ] || fail "data-out content"
passed=$((passed + 1))

# Errors name the file and the rule, and exit 1 (failure) or 2 (usage).
printf '\x07\x00\x01\x00\x01\x00\x00\x00\x95\x00\x00\x00\x00\x00\x00\x00' >"$work/bad.bin"
expect validate-bad 1 'bad.bin: insn 0 \(opcode 0x07, alu64\): field off must be 0' -- \
	"$rkctl" validate "$work/bad.bin"
expect run-bad 1 'bad.bin: insn 0 \(opcode 0x07, alu64\): field off must be 0' -- \
	"$rkctl" run "$work/bad.bin"
printf 'mov %%r0, 1\nmovx %%r1, 2\nexit\n' >"$work/typo.s"
expect asm-typo 1 "typo.s: line 2: unknown mnemonic 'movx'" -- "$rkctl" asm "$work/typo.s"
expect run-missing 1 'nope.bin: No such file or directory' -- "$rkctl" run "$work/nope.bin"
printf 'abc' >"$work/odd.bin"
expect run-odd 1 'odd.bin: 3 bytes is not a whole number of 8-byte instructions' -- \
	"$rkctl" run "$work/odd.bin"
expect disasm-elf 1 'is an ELF object' -- "$rkctl" disasm "$build/examples/motor_overcurrent.o"
printf '\177ELF\002\001\001' >"$work/trunc.o"
expect run-truncated-elf 1 'trunc.o' -- "$rkctl" run "$work/trunc.o"
expect run-bad-mem 1 'mem: character 1' -- "$rkctl" run "$work/swap.s" --mem "zz"
expect run-bad-repeat 2 'repeat wants' -- "$rkctl" run "$work/swap.s" --repeat 0
expect run-jit 2 'no JIT yet' -- "$rkctl" run "$work/swap.s" --jit
printf 'ldxdw %%r0, [%%r10-520]\nexit\n' >"$work/oob.s"
expect run-checked-violation 1 'stopped \(bad-access\): insn 0: load of 8 bytes' -- \
	"$rkctl" run "$work/oob.s" --checked
# Fast runs are preceded by a checked run: unsafe programs are reported, not crashed on.
printf 'lddw %%r1, 0x10\nldxdw %%r0, [%%r1]\nexit\n' >"$work/wild.s"
expect run-wild-pointer 1 'stopped \(bad-access\): insn 2: load of 8 bytes at 0x10 is outside every region' -- \
	"$rkctl" run "$work/wild.s"
printf 'mov %%r0, 0\nloop:\nadd %%r0, 1\nja loop\n' >"$work/spin.s"
expect run-endless-loop 1 'stopped \(insn-limit\)' -- "$rkctl" run "$work/spin.s"
printf 'stw [%%r10-8], 1\nldxdw %%r0, [%%r10-8]\nexit\n' >"$work/uninit.s"
expect run-uninit-stack 1 'stopped \(uninit-stack\): insn 1: load of 8 bytes at fp-8' -- \
	"$rkctl" run "$work/uninit.s"
expect run-bad-budget 2 "budget wants a number of bytes, got '12k'" -- \
	"$rkctl" run "$work/swap.s" --budget 12k
expect run-prog-not-elf 1 'swap.s: --prog needs an ELF object; this file holds one program' -- \
	"$rkctl" run "$work/swap.s" --prog swap
expect map-dump-usage 2 'usage: rkctl map dump OBJ' -- "$rkctl" map dump
expect prog-dump-usage 2 'usage: rkctl prog dump OBJ' -- "$rkctl" prog
printf 'int helper(int x) { return x + 1; }\n' >"$work/noprog.c"
if clang -O2 -target bpf -c "$work/noprog.c" -o "$work/noprog.o" 2>/dev/null; then
	expect run-no-programs 1 'noprog.o: has no programs \(no SEC\("..."\) functions\)' -- \
		"$rkctl" run "$work/noprog.o"
fi
expect unknown-command 2 "unknown command 'frobnicate'" -- "$rkctl" frobnicate
expect help 0 'usage: rkctl COMMAND' -- "$rkctl" --help

# The conformance plugin protocol: bytecode hex on stdin, memory as argv[1].
conf=$src/tests/conformance
expect plugin-mem 0 '^0x8$' -- sh -c "'$plugin' '00 00 00 01 00 00 00 02' < '$conf/bytecode/mem-len.hex'"
expect plugin-checked 0 '^0x1$' -- sh -c "'$plugin' --checked < '$conf/bytecode/call_local.hex'"
expect plugin-helper 0 '^0x2$' -- sh -c "'$plugin' < '$conf/bytecode/call_unwind_fail.hex'"
expect plugin-reject 1 'field off must be 0' -- sh -c "echo '07 00 01 00 01 00 00 00 95 00 00 00 00 00 00 00' | '$plugin'"
expect plugin-jit 2 'no JIT' -- sh -c "'$plugin' --jit < '$conf/bytecode/exit.hex'"

echo "cli: $passed checks passed"
