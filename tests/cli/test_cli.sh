#!/bin/bash
# test_cli.sh BUILD_DIR - the command-line tools as a user runs them:
# rkctl (run, verify, asm, disasm, validate) and rk-conformance-plugin, including
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
if [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ]; then
	# The JIT is the default where there is one; --interp and --checked still pick the interpreters.
	expect run-jit 0 '^retval 0x1234$' -- "$rkctl" run "$work/swap.s" --mem "12 34" --jit --repeat 100
	expect run-default-is-jit 0 '"mode": "jit"' -- "$rkctl" run "$work/swap.s" --mem "12 34" --json
	expect run-interp 0 '"mode": "interp"' -- "$rkctl" run "$work/swap.s" --mem "12 34" --interp --json
	expect prog-dump-jited 0 '^ +2: exit$' -- "$rkctl" prog dump "$work/swap.s" --jited
	expect prog-dump-jited-arch 0 '^(x86_64|arm64) JIT: [0-9]+ bytes for 3 instructions$' -- \
		"$rkctl" prog dump "$work/swap.s" --jited
else
	expect run-jit 2 'this machine has no JIT' -- "$rkctl" run "$work/swap.s" --jit
fi
# Nothing runs unverified: unsafe programs are refused with the verifier's reason, the
# instruction, and how to see more (the checked first run is only a second line of defence).
printf 'ldxdw %%r0, [%%r10-520]\nexit\n' >"$work/oob.s"
expect run-rejected-stack 1 'oob.s: rejected by the verifier: insn 0: .*-520.*out of bounds' -- \
	"$rkctl" run "$work/oob.s" --checked
expect run-rejected-hint 1 "rkctl verify $work/oob.s --log" -- "$rkctl" run "$work/oob.s"
# Only verified programs are compiled.
expect prog-dump-jited-rejected 1 'oob.s: .*insn 0: .*-520.*out of bounds' -- \
	"$rkctl" prog dump "$work/oob.s" --jited
printf 'lddw %%r1, 0x10\nldxdw %%r0, [%%r1]\nexit\n' >"$work/wild.s"
expect run-rejected-wild-pointer 1 'wild.s: rejected by the verifier: insn 2: .*not a pointer' -- \
	"$rkctl" run "$work/wild.s"
printf 'mov %%r0, 0\nloop:\nadd %%r0, 1\nja loop\n' >"$work/spin.s"
expect run-rejected-endless-loop 1 'spin.s: rejected by the verifier: insn [0-9]+: .*loop' -- \
	"$rkctl" run "$work/spin.s"
printf 'stw [%%r10-8], 1\nldxdw %%r0, [%%r10-8]\nexit\n' >"$work/uninit.s"
expect run-rejected-uninit-stack 1 'uninit.s: rejected by the verifier: insn 1: .*fp-4 is not initialised' -- \
	"$rkctl" run "$work/uninit.s"
expect run-bad-budget 2 "budget wants a number of bytes, got '12k'" -- \
	"$rkctl" run "$work/swap.s" --budget 12k
expect run-prog-not-elf 1 'swap.s: --prog needs an ELF object; this file holds one program' -- \
	"$rkctl" run "$work/swap.s" --prog swap
expect map-dump-usage 2 'rkctl map dump FILE.o \[--run\]' -- "$rkctl" map dump
expect prog-dump-usage 2 'usage: rkctl prog dump OBJ' -- "$rkctl" prog
printf 'int helper(int x) { return x + 1; }\n' >"$work/noprog.c"
if clang -O2 -target bpf -c "$work/noprog.c" -o "$work/noprog.o" 2>/dev/null; then
	expect run-no-programs 1 'noprog.o: has no programs \(no SEC\("..."\) functions\)' -- \
		"$rkctl" run "$work/noprog.o"
fi
# rkctl verify: every example is accepted, with its bound.
for obj in "$build"/examples/*.o; do
	expect "verify-example-$(basename "$obj" .o)" 0 '^[a-z_0-9]+ \(SEC "[^"]*"\): accepted; at most [0-9]+ instructions per run' -- \
		"$rkctl" verify "$obj"
	if "$rkctl" verify "$obj" 2>&1 | grep -v ': accepted; ' | grep -q .; then
		fail "verify-example-$(basename "$obj" .o): a program was not accepted:
$("$rkctl" verify "$obj" 2>&1)"
	fi
done
expect verify-line 0 '^motor_overcurrent \(SEC "data"\): accepted; at most [0-9]+ instructions per run; 1 loop bounded; [0-9]+ instructions analysed, [0-9.]+ (bytes|KiB|MiB) peak$' -- \
	"$rkctl" verify "$build/examples/motor_overcurrent.o"
expect verify-prog 0 '^motor_guard \(SEC "data"\): accepted' -- \
	"$rkctl" verify "$build/examples/motor_guard.o" --prog motor_guard
expect verify-prog-unknown 2 "no program 'nope'; it has: motor_guard" -- \
	"$rkctl" verify "$build/examples/motor_guard.o" --prog nope

# A map value read without a NULL check: the source line, the instruction, the rule; exit 1.
bad=$build/tests/bpf/bad_null_deref.o
expect verify-null-deref 1 '^null_deref \(SEC "data"\): rejected: bad_null_deref\.bpf\.c:[0-9]+ \(insn [0-9]+\): .*NULL' -- \
	"$rkctl" verify "$bad"
expect verify-null-deref-hint 1 'rerun with --log' -- "$rkctl" verify "$bad"
expect run-null-deref 1 'null_deref \(SEC "data"\): rejected by the verifier: bad_null_deref\.bpf\.c:[0-9]+ \(insn [0-9]+\): .*NULL' -- \
	"$rkctl" run "$bad"

# --log: the context, then the abstract state before each instruction, then the verdict.
expect verify-log-ctx 0 '^motor_overcurrent \(SEC "data"\): context: data buffer, 65536 bytes, writable$' -- \
	"$rkctl" verify "$build/examples/motor_overcurrent.o" --log
expect verify-log-state 0 '^  0: [a-z0-9]+ .*; r1=ctx' -- \
	"$rkctl" verify "$build/examples/motor_overcurrent.o" --log
expect verify-log-loop 0 '^  loop [0-9]+\.\.[0-9]+: at most [0-9]+ back edges' -- \
	"$rkctl" verify "$build/examples/motor_overcurrent.o" --log
expect verify-log-null 1 '^  [0-9]+: .*map_value_or_null' -- "$rkctl" verify "$bad" --log
"$rkctl" verify "$build/examples/motor_overcurrent.o" --log 2>/dev/null | tail -n 1 |
	grep -q '^motor_overcurrent (SEC "data"): accepted' || fail "verify-log: the verdict is not the last line"
passed=$((passed + 1))

# --json: one array, one object per program, valid JSON (python3 when CI has it).
"$rkctl" verify "$build/examples/motor_overcurrent.o" --json >"$work/verify.json" || fail "verify --json: exit $?"
"$rkctl" verify "$bad" --json >"$work/verify-bad.json" 2>/dev/null
[ $? -eq 1 ] || fail "verify --json of a rejected program: exit status is not 1"
for key in name section accepted insn_bound tail_calls loops insns_analysed peak_bytes error error_insn; do
	grep -q "\"$key\": " "$work/verify.json" || fail "verify --json: no \"$key\": $(cat "$work/verify.json")"
done
grep -qE '^\[$' "$work/verify.json" && grep -qE '^\]$' "$work/verify.json" || fail "verify --json: not an array"
grep -q '"accepted": true, "insn_bound": [0-9]*,.*"error": null, "error_insn": null}' "$work/verify.json" ||
	fail "verify --json accepted: $(cat "$work/verify.json")"
grep -q '"accepted": false, "insn_bound": null,.*"error": "bad_null_deref.bpf.c:[0-9]* (insn [0-9]*): .*NULL.*", "error_insn": [0-9]*}' \
	"$work/verify-bad.json" || fail "verify --json rejected: $(cat "$work/verify-bad.json")"
if command -v python3 >/dev/null 2>&1; then
	python3 -m json.tool "$work/verify.json" >/dev/null || fail "verify --json is not JSON: $(cat "$work/verify.json")"
	python3 -m json.tool "$work/verify-bad.json" >/dev/null || fail "verify --json is not JSON: $(cat "$work/verify-bad.json")"
fi
passed=$((passed + 1))

# Contexts by section: unknown sections and missing tracepoints are errors that say what to do
# (exit 2); --ctx-size N verifies any program on N writable bytes.
expect verify-unknown-section 2 '"socket" is not a section rkBPF can attach; supported: data, uprobe/.*--ctx-size N' -- \
	"$rkctl" verify "$build/tests/bpf/obj_legacy_maps.o"
expect verify-ctx-size 0 'count_packets \(SEC "socket"\): accepted' -- \
	"$rkctl" verify "$build/tests/bpf/obj_legacy_maps.o" --ctx-size 64
expect verify-no-tracepoint 2 'tracing/events/test/minimal/format: no such file: .*(mount -t tracefs|no tracepoint)' -- \
	"$rkctl" verify "$build/tests/bpf/obj_minimal.o"
expect verify-tracepoint-form 2 '"tp/pid" is not a tracepoint section: write tracepoint/SYS/NAME' -- \
	"$rkctl" verify "$build/tests/bpf/btf_core_local.o" --prog read_pid
if [ -r /sys/kernel/tracing/events/sched/sched_switch/format ]; then
	expect verify-tracepoint 0 '^on_switch \(SEC "tracepoint/sched/sched_switch"\): accepted' -- \
		"$rkctl" verify "$build/tests/bpf/obj_tp_sched_switch.o"
	expect verify-tracepoint-ctx 0 'context: tracepoint sched/sched_switch record, [0-9]+ bytes, read-only' -- \
		"$rkctl" verify "$build/tests/bpf/obj_tp_sched_switch.o" --log
fi

# Assembly gets the data buffer unless --ctx-size says otherwise.
expect verify-asm 0 '^swap.s: accepted; at most 3 instructions per run' -- "$rkctl" verify "$work/swap.s"
expect verify-asm-ctx-size 0 '^swap.s: accepted' -- "$rkctl" verify "$work/swap.s" --ctx-size 2
expect verify-asm-ctx-too-small 1 '^swap.s: rejected: insn 0: .*out of bounds' -- "$rkctl" verify "$work/swap.s" --ctx-size 1
expect verify-asm-json 0 '"name": "swap.s", "section": null, "ctx": "data buffer", "ctx_size": 65536, "accepted": true' -- \
	"$rkctl" verify "$work/swap.s" --json

# Usage and load errors: exit 2.
expect verify-usage 2 'usage: rkctl verify PROG' -- "$rkctl" verify
expect verify-bad-option 2 "unexpected argument '--frob'" -- "$rkctl" verify "$work/swap.s" --frob
expect verify-bad-ctx-size 2 "ctx-size wants a number of bytes 0..[0-9]+ \(0: no context\), got '12k'" -- \
	"$rkctl" verify "$work/swap.s" --ctx-size 12k
expect verify-missing 2 'nope.o: No such file or directory' -- "$rkctl" verify "$work/nope.o"
expect verify-bad-encoding 2 'bad.bin: insn 0 \(opcode 0x07, alu64\): field off must be 0' -- \
	"$rkctl" verify "$work/bad.bin"

# rkctl run's context: SEC("data") and assembly see RK_DATA_CTX_BYTES, zero-padded past the
# input; r2 stays the input's length; longer input is refused; no context, no input.
printf 'ldxdw %%r0, [%%r1+1000]\nexit\n' >"$work/far.s"
expect run-ctx-padding 0 '^retval 0x0$' -- "$rkctl" run "$work/far.s" --mem "ff ff" --repeat 3
printf 'mov %%r0, %%r2\nexit\n' >"$work/len.s"
expect run-ctx-r2 0 '^retval 0x3$' -- "$rkctl" run "$work/len.s" --mem "01 02 03"
head -c 65537 /dev/zero >"$work/big.bin"
expect run-input-too-big 1 'motor_overcurrent \(SEC "data"\): the input is 65537 bytes, more than the 65536-byte context \(data buffer\)' -- \
	"$rkctl" run "$build/examples/motor_overcurrent.o" --data-in "$work/big.bin"
expect run-ctx-size-too-small 1 'the input is 5 bytes, more than the 4-byte context .*give --ctx-size 5 or more' -- \
	"$rkctl" run "$work/len.s" --ctx-size 4 --mem "01 02 03 04 05"
expect run-ctx-size-rejected 1 'far.s: rejected by the verifier: insn 0: .*out of bounds' -- \
	"$rkctl" run "$work/far.s" --ctx-size 64
printf 'mov %%r0, %%r1\nexit\n' >"$work/noctx.s"
expect run-no-ctx 0 '^retval 0x0$' -- "$rkctl" run "$work/noctx.s" --ctx-size 0
expect run-no-ctx-input 1 'gets no context \(r1 is a number\), so the input would be ignored' -- \
	"$rkctl" run "$work/noctx.s" --ctx-size 0 --mem "01"
expect run-bad-ctx-size 2 "ctx-size wants a number of bytes" -- "$rkctl" run "$work/swap.s" --ctx-size -1
expect run-unknown-section 1 'count_packets \(SEC "socket"\): cannot verify: "socket" is not a section' -- \
	"$rkctl" run "$build/tests/bpf/obj_legacy_maps.o"

expect unknown-command 2 "unknown command 'frobnicate'" -- "$rkctl" frobnicate
expect help 0 'usage: rkctl COMMAND' -- "$rkctl" --help

# The conformance plugin protocol: bytecode hex on stdin, memory as argv[1].
conf=$src/tests/conformance
expect plugin-mem 0 '^0x8$' -- sh -c "'$plugin' '00 00 00 01 00 00 00 02' < '$conf/bytecode/mem-len.hex'"
expect plugin-checked 0 '^0x1$' -- sh -c "'$plugin' --checked < '$conf/bytecode/call_local.hex'"
expect plugin-helper 0 '^0x2$' -- sh -c "'$plugin' < '$conf/bytecode/call_unwind_fail.hex'"
expect plugin-reject 1 'field off must be 0' -- sh -c "echo '07 00 01 00 01 00 00 00 95 00 00 00 00 00 00 00' | '$plugin'"
if [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ]; then
	expect plugin-jit 0 '^0x0$' -- sh -c "'$plugin' --jit < '$conf/bytecode/exit.hex'"
else
	expect plugin-jit 2 'no JIT' -- sh -c "'$plugin' --jit < '$conf/bytecode/exit.hex'"
fi

echo "cli: $passed checks passed"
