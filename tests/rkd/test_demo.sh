#!/bin/bash
# test_demo.sh - the README's first command, end to end: scripts/demo.sh runs
# rkd with the three demo-robot examples on real uprobes of a real 1 kHz
# control loop.  Checks that each example reported what it is for; the
# robot stalls every 500th period (1.5 ms), so deadline misses are certain
# however noisy the machine (no timing is asserted beyond that).
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:?BUILD must be set}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() {
	echo "FAIL: $*" >&2
	sed 's/^/   | /' "$out" >&2
	exit 1
}
BUILD=$build timeout 60 "$src/scripts/demo.sh" 2 >"$out" 2>&1 || fail "demo.sh exited $?"
checks=0
check() {
	grep -Eq "$2" "$out" || fail "$1: no line matches /$2/"
	checks=$((checks + 1))
}
check "three programs on uprobes, compiled" \
	'control_jitter  uprobe .*demo-robot:control_step  \((jit|interp)\)'
check "motor_trace attached" 'motor_trace  uprobe .*demo-robot:motor_command'
check "first command of each motor, decoded through BTF" \
	'motor_trace motor_events: \{"motor":1,"duty_permille":[0-9]+,"previous_permille":0'
check "deadline misses, with the late period" \
	'deadline_miss deadline_events: \{"iteration":[0-9]+,"period_ns":[0-9]+,"late_ns":[0-9]+\}'
check "every control step ran the programs" '^control_jitter +control_jitter +[0-9]{3,} '
check "no run failed" '^motor_trace +motor_trace +[0-9]+ +[0-9]+ +0 +0 '
check "the jitter histogram filled" '^0: [1-9][0-9]*$'
grep -q "fell behind\|closed the stream" "$out" && fail "the tail ended with an error"
echo "test_demo.sh: $checks checks passed"
