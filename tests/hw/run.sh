#!/bin/bash
# run.sh - the hardware-lab tests on the host: make sure hwlab is set up
# (../shared/hwlab/setup.sh, idempotent: apt packages, Debian's 6.1 kernel,
# simulator modules; about 1 s when already done, needs root), then boot one
# QEMU guest that runs tests/hw/kprobe.sh against this build's rkd.
#
#   tests/hw/run.sh [BUILD]      (default build; `make test-hw` builds first)
#
# env: RK_HWLAB     where hwlab is (default: ../shared/hwlab beside the repository)
#      RK_HW_OPTIONAL=1  when hwlab is absent, say so and exit 0 ("skipped");
#                   without it, a missing hwlab is an error (exit 1)
#      HWLAB_DIR, HWLAB_TIMEOUT, HWLAB_LOG, ...: hwlab's own (its README)
# exit: 0 all passed or skipped; 1 setup failed or hwlab missing; else the
#       guest test's code (124 guest timeout, 125 no exit code from the guest).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
# hwlab travels with the repository (tests/hw/lab, a copy of the shared
# ../shared/hwlab) so that a clone alone can run these tests.
hwlab=${RK_HWLAB:-$here/lab}

if [ ! -x "$hwlab/run-in-guest.sh" ] || [ ! -f "$hwlab/setup.sh" ]; then
	cat >&2 <<MSG
test-hw: hwlab not found at $hwlab
  The hardware-lab tests boot Debian's 6.1 kernel under QEMU with hwlab, the guest
  harness this repository carries in tests/hw/lab.  Restore it (git checkout
  tests/hw/lab), or point RK_HWLAB at an hwlab directory; then: make test-hw
MSG
	if [ "${RK_HW_OPTIONAL:-0}" = 1 ]; then
		echo "test-hw: skipped (no hwlab; RK_HW_OPTIONAL=1)"
		exit 0
	fi
	exit 1
fi
hwlab=$(cd "$hwlab" && pwd)
build=$(cd "$build" 2>/dev/null && pwd) || { echo "test-hw: no build directory ${1:-build}" >&2; exit 1; }

need=("$build/rkd" "$build/rkctl" "$build/tests/hw/hw-opener")
for p in "$here"/progs/*.bpf.c; do
	need+=("$build/tests/hw/$(basename "$p" .bpf.c).o")
done
for f in "${need[@]}"; do
	[ -f "$f" ] || { echo "test-hw: $f is missing: run make test-hw (it builds first)" >&2; exit 1; }
done

t0=$SECONDS
setup_log=$(mktemp /tmp/rk-hwlab-setup.XXXXXX)
trap 'rm -f "$setup_log"' EXIT
echo "test-hw: hwlab setup ($hwlab/setup.sh)"
if ! bash "$hwlab/setup.sh" >"$setup_log" 2>&1; then
	tail -n 40 "$setup_log" >&2
	echo "test-hw: hwlab setup failed (full log above, last 40 lines)" >&2
	exit 1
fi
grep '^hwlab: ready' "$setup_log"

# The binaries keep their absolute paths in the guest (-b copies their
# libraries too); the objects go to /rkhw/objs.
objs=()
for p in "$here"/progs/*.bpf.c; do
	n=$(basename "$p" .bpf.c)
	objs+=(-f "$build/tests/hw/$n.o=/rkhw/objs/$n.o")
done
bash "$hwlab/run-in-guest.sh" -b "$build/rkd" -b "$build/rkctl" -b "$build/tests/hw/hw-opener" \
	"${objs[@]}" "$here/kprobe.sh" "$build/rkd" "$build/rkctl" /rkhw/objs \
	"$build/tests/hw/hw-opener"
rc=$?
echo "test-hw: kprobe.sh exit code $rc, $((SECONDS - t0)) s with setup"
exit "$rc"
