# lib.sh - what the guest tests (tests/hw/guest/*.sh) share.  run.sh sends
# it into the guest as /rkhw/lib.sh; a test sets HW_TEST (its name, for its
# messages) and optionally W (its work directory, default /tmp/rkhw), then
# sources it with its own arguments in place ($1 BUILD, $2 OBJDIR):
#
#   HW_TEST=gpio
#   . "${RKHW_LIB:-/rkhw/lib.sh}"
#
# Busybox sh.  It sets RKD RKCTL OBJS W SOCK and passed, and gives:
#   say MSG...                      a line prefixed with the test's name
#   ok NAME                         count a check that passed, say so
#   fail MSG                        say what failed, rkd's log, rkctl list, then the
#                                   test's on_fail; stop everything; exit 1
#   rkctl ARGS...                   rkctl against $SOCK
#   expect NAME REGEX COMMAND...    the command exits 0 and its output matches
#   wait_for NAME SECONDS REGEX FILE    until a line of FILE matches
#   wait_value NAME SECONDS WANT COMMAND...    until the command prints WANT
#   until_true NAME SECONDS COMMAND...  until the command succeeds
#   json_field NAME                 the integer member NAME of the JSON on stdin
#   count_lines REGEX FILE
#   copy_objs DIR NAME...           $OBJS/NAME.o into DIR (created)
#   start_rkd DIR [RKD ARGS...]     rkd --foreground on DIR and $SOCK, logging to
#                                   $W/rkd.log; waits for 'ready:' (rkd_pid)
#   stop_rkd                        SIGTERM; rkd must exit 0 (an ok check)
# A test may define on_fail (more diagnostics) and on_cleanup (kill its own
# processes; tail_pid and rkd_pid are killed here).
RKD=$1/rkd RKCTL=$1/rkctl OBJS=$2
W=${W:-/tmp/rkhw}
SOCK=$W/rkd.sock
passed=0
rkd_pid='' tail_pid=''
mkdir -p "$W"

on_fail() { :; }
on_cleanup() { :; }

say() { echo "$HW_TEST.sh: $*"; }
cleanup() {
	on_cleanup
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	[ -n "$rkd_pid" ] && kill "$rkd_pid" 2>/dev/null
}
fail() {
	echo "FAIL: $*"
	echo "--- rkd log (last 30 lines)"
	tail -n 30 "$W/rkd.log" 2>/dev/null
	if [ -n "$rkd_pid" ]; then
		echo "--- rkctl list"
		"$RKCTL" list --socket "$SOCK" 2>&1
	fi
	on_fail
	cleanup
	exit 1
}
ok() { passed=$((passed + 1)); say "ok $passed - $*"; }
rkctl() { "$RKCTL" "$@" --socket "$SOCK"; }

expect() {
	name=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1) || fail "$name: exit $?: $out"
	echo "$out" | grep -qE -- "$pattern" || fail "$name: output does not match /$pattern/:
$out"
	ok "$name"
}

wait_for() {
	n=0
	while ! grep -qE -- "$3" "$4" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le $(($2 * 20)) ] || fail "$1: after $2 s, no line of $4 matches /$3/:
$(tail -n 20 "$4" 2>/dev/null)"
		sleep 0.05
	done
}

wait_value() {
	name=$1 secs=$2 want=$3
	shift 3
	n=0
	while [ "$("$@" 2>&1)" != "$want" ]; do
		n=$((n + 1))
		[ $n -le $((secs * 20)) ] || fail "$name: after $secs s, $("$@" 2>&1), expected $want"
		sleep 0.05
	done
}

until_true() {
	name=$1 secs=$2
	shift 2
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -le $((secs * 20)) ] || fail "$name: not so after $secs s"
		sleep 0.05
	done
}

# until_quiet SECS COMMAND...: like until_true, but returns 1 instead of failing.
until_quiet() {
	secs=$1
	shift
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -le $((secs * 20)) ] || return 1
		sleep 0.05
	done
}

json_field() { sed -n "s/.*\"$1\":\(-\{0,1\}[0-9][0-9]*\).*/\1/p"; }
count_lines() { grep -cE -- "$1" "$2" 2>/dev/null; }

copy_objs() {
	dir=$1
	shift
	mkdir -p "$dir"
	for n in "$@"; do
		cp "$OBJS/$n.o" "$dir/" || fail "copy $n.o (run.sh sends the objects a test names on its '# objects:' line)"
	done
}

start_rkd() {
	dir=$1
	shift
	# An earlier rkd's "ready:" must not be taken for this one's.
	rm -f "$W/rkd.log"
	"$RKD" --foreground --programs-dir "$dir" --socket "$SOCK" "$@" >"$W/rkd.log" 2>&1 &
	rkd_pid=$!
	n=0
	while ! grep -q 'ready:' "$W/rkd.log" 2>/dev/null; do
		kill -0 "$rkd_pid" 2>/dev/null || { rkd_pid=; fail "rkd exited at start"; }
		n=$((n + 1))
		[ $n -le 400 ] || fail "rkd not ready after 20 s"
		sleep 0.05
	done
}

stop_rkd() {
	kill "$rkd_pid"
	wait "$rkd_pid"
	rc=$?
	rkd_pid=
	[ $rc -eq 0 ] || fail "rkd exited $rc on SIGTERM"
	ok "rkd stopped cleanly"
}
