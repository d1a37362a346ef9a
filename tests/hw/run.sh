#!/bin/bash
# run.sh - the hardware-lab tests on the host: make sure hwlab is set up
# (tests/hw/lab/setup.sh, idempotent: apt packages, Debian's 6.1 kernel,
# simulator modules; about 1 s when already done, needs root), then boot a
# QEMU guest for each guest test (tests/hw/guest/*.sh) against this build.
#
#   tests/hw/run.sh [BUILD [GUEST_TEST...]]   (default build, every test;
#                                              `make test-hw` builds first)
#
# env: RK_HWLAB     where hwlab is (default: tests/hw/lab, carried by the repository)
#      RK_HW_OPTIONAL=1  when hwlab is absent, say so and exit 0 ("skipped");
#                   without it, a missing hwlab is an error (exit 1)
#      HWLAB_DIR, HWLAB_TIMEOUT, HWLAB_LOG, ...: hwlab's own (its README)
# exit: 0 all passed or skipped; 1 setup failed, hwlab missing, or a guest
#       test failed (each says its code: 124 guest timeout, 125 no exit code).
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

# Every guest test (tests/hw/guest/*.sh, or those named on the command line
# after BUILD) boots its own guest and gets two arguments: BUILD (the build
# directory, same absolute path in the guest) and the directory of the BPF
# objects (tests/hw/progs/*.bpf.c, built into BUILD/tests/hw/).  Executables
# built into BUILD/tests/hw/ go to the guest with their libraries.
shift || true
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$here"/guest/*.sh)
bins=("$build/rkd" "$build/rkctl")
for b in "$build"/tests/hw/*; do
	[ -f "$b" ] && [ -x "$b" ] && bins+=("$b")
done
need=("${bins[@]}")
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
args=()
for b in "${bins[@]}"; do
	args+=(-b "$b")
done
for p in "$here"/progs/*.bpf.c; do
	n=$(basename "$p" .bpf.c)
	args+=(-f "$build/tests/hw/$n.o=/rkhw/objs/$n.o")
done
status=0
for t in "${tests[@]}"; do
	t1=$SECONDS
	bash "$hwlab/run-in-guest.sh" "${args[@]}" "$t" "$build" /rkhw/objs
	rc=$?
	echo "test-hw: $(basename "$t") exit code $rc, $((SECONDS - t1)) s"
	[ $rc -eq 0 ] || status=1
done
echo "test-hw: ${#tests[@]} guest test(s), $((SECONDS - t0)) s with setup"
exit "$status"
