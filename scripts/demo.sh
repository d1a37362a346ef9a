#!/bin/bash
# demo.sh [SECONDS] - rkBPF's first command, after the build: start rkd in the
# foreground with the demo-robot examples, start the demo robot (a 1 kHz
# control loop), and show the live events the programs report; then what rkd
# ran, and the control loop's jitter histogram.  Needs root (uprobes).
#
#   examples/control_jitter.bpf.c   period jitter histogram (a map)
#   examples/deadline_miss.bpf.c    an event per late period (ring buffer)
#   examples/motor_trace.bpf.c      an event per motor command jump (ring buffer)
#
# BUILD=DIR picks the build directory (default: build).  Everything it starts
# is stopped when it ends or is interrupted.
set -euo pipefail
seconds=${1:-10}
build=${BUILD:-build}
case $seconds in
'' | *[!0-9]*) echo "usage: scripts/demo.sh [SECONDS]" >&2; exit 2 ;;
esac
for file in rkd rkctl demo-robot examples/control_jitter.o examples/deadline_miss.o \
	examples/motor_trace.o; do
	[ -e "$build/$file" ] || { echo "demo.sh: $build/$file is missing: run make first" >&2; exit 1; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: uprobes need root: run it as root (sudo scripts/demo.sh)" >&2
	exit 1
fi

work=$(mktemp -d /tmp/rkd-demo.XXXXXX)
mkdir "$work/programs.d"
cp "$build"/examples/{control_jitter,deadline_miss,motor_trace}.o "$work/programs.d/"
sock=$work/rkd.sock
rkctl() { "$build/rkctl" "$@" --socket "$sock"; }
pids=()
cleanup() {
	# The tail first, then rkd: the stream ends as the demo does, not with an error.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== rkd: $build/rkd --foreground --programs-dir $work/programs.d --socket $sock"
"$build/rkd" --foreground --programs-dir "$work/programs.d" --socket "$sock" \
	2> >(sed 's/^/   /' >&2) &
pids+=($!)
for _ in $(seq 100); do
	rkctl list >/dev/null 2>&1 && break
	sleep 0.05
done
rkctl list

echo "== the demo robot, and rkctl tail for $seconds s (deadline misses, motor command jumps)"
"$build/rkctl" tail --socket "$sock" &   # not the function: $! must be rkctl itself
pids+=($!)
sleep 0.3 # the subscription is in place before the first event
"$build/demo-robot" --seconds "$seconds"

echo "== rkctl stats"
rkctl stats
echo "== rkctl map dump control_jitter jitter_us (bucket k: |period - 1 ms| in [2^(k-1), 2^k) us)"
rkctl map dump control_jitter jitter_us
