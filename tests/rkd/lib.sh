# lib.sh - shared by tests/rkd/test_*.sh: a real rkd in the foreground with a
# temporary programs_dir and socket, rkctl against it, and expectations that
# print what came out when they fail.  Source it with BUILD set.
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:?BUILD must be set}
rkd=$build/rkd
rkctl=$build/rkctl
objs=$build/tests/rkd
# Under /tmp with o+x so that `nobody` can reach the socket (access tests).
work=$(mktemp -d /tmp/rkd-test.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/progs"
sock=$work/rkd.sock
rkd_pid=
passed=0

cleanup() {
	[ -n "$rkd_pid" ] && kill "$rkd_pid" 2>/dev/null && wait "$rkd_pid" 2>/dev/null
	jobs -p | xargs -r kill 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$work/rkd.log" ]; then
		echo "--- rkd log (last 30 lines)" >&2
		tail -n 30 "$work/rkd.log" >&2
	fi
	exit 1
}

# start_rkd [ARGS...]: start rkd on $work/progs and $sock; wait for its socket.
start_rkd() {
	"$rkd" --foreground --programs-dir "$work/progs" --socket "$sock" "$@" \
		>"$work/rkd.log" 2>&1 &
	rkd_pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && grep -q 'ready:' "$work/rkd.log" && return 0
		kill -0 "$rkd_pid" 2>/dev/null || fail "rkd exited at start"
		sleep 0.05
	done
	fail "rkd did not create $sock within 5 s"
}

stop_rkd() {
	kill "$rkd_pid" && wait "$rkd_pid"
	local rc=$?
	rkd_pid=
	[ "$rc" -eq 0 ] || fail "rkd exited $rc on SIGTERM"
}

alive() {
	kill -0 "$rkd_pid" 2>/dev/null || fail "rkd is not running any more (it must survive: $*)"
}

# expect NAME STATUS REGEX -- COMMAND...
expect() {
	local name=$1 status=$2 pattern=$3
	shift 4
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$status" ] || fail "$name: exit $rc, expected $status; output:
$out"
	grep -qE -- "$pattern" <<<"$out" || fail "$name: output does not match /$pattern/:
$(head -c 3000 <<<"$out")"
	passed=$((passed + 1))
}

# wait_for NAME REGEX -- COMMAND...: retry for 5 s until the output matches.
wait_for() {
	local name=$1 pattern=$2
	shift 3
	local out
	for _ in $(seq 100); do
		out=$("$@" 2>&1)
		grep -qE -- "$pattern" <<<"$out" && { passed=$((passed + 1)); return 0; }
		sleep 0.05
	done
	fail "$name: after 5 s the output still does not match /$pattern/:
$(head -c 3000 <<<"$out")"
}

# raw LINE...: send each line as is to the socket, print what rkd answers.
raw() {
	/usr/bin/python3 - "$sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
for line in sys.argv[2:]:
    f.write(line.encode("utf-8", "surrogateescape") + b"\n")
    f.flush()
    print(f.readline().decode().rstrip())
PY
}

# getpid_calls N: a process that calls getpid() N times; prints its pid.
getpid_calls() {
	/usr/bin/python3 -c "import os
for _ in range($1): os.getpid()
print(os.getpid())"
}

summary() {
	echo "$(basename "$0"): $passed checks passed"
}
