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

# Every guest test (tests/hw/guest/*.sh but lib.sh, or those named on the
# command line after BUILD) boots its own guest and gets two arguments: BUILD
# (the build directory, same absolute path in the guest) and the directory of
# the BPF objects (tests/hw/progs/*.bpf.c, built into BUILD/tests/hw/): only
# those its "# objects: PATTERN..." line names (hw_gpio_*, every object when
# it has none), so that its rkd sees nothing else.  tests/hw/guest/lib.sh,
# which every test sources, goes to /rkhw/lib.sh.  Executables built into
# BUILD/tests/hw/ go to the guest with their libraries.
shift || true
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for t in "$here"/guest/*.sh; do
		[ "$(basename "$t")" = lib.sh ] || tests+=("$t")
	done
fi
bins=("$build/rkd" "$build/rkctl")
# rkd loads libiio only when an IIO hook opens (hooks/iio_lib.h): ldd does not
# list it, so it goes to the guest explicitly, with its own libraries.
libiio=$(ldconfig -p | sed -n 's/^\tlibiio\.so\.0 (.*) => //p' | head -n 1)
[ -n "$libiio" ] && bins+=("$libiio")
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
args=(-f "$here/guest/lib.sh=/rkhw/lib.sh")
for b in "${bins[@]}"; do
	args+=(-b "$b")
done

# objects_for TEST: -f arguments for the objects the test's "# objects:" line names.
objects_for() {
	local line n p pattern matched
	local -a patterns
	line=$(sed -n 's/^# objects: *//p' "$1" | head -n 1)
	read -r -a patterns <<<"${line:-*}"   # words, never expanded as file names here
	for p in "$here"/progs/*.bpf.c; do
		n=$(basename "$p" .bpf.c)
		matched=0
		for pattern in "${patterns[@]}"; do
			# shellcheck disable=SC2254
			case "$n" in $pattern) matched=1 ;; esac
		done
		[ $matched = 1 ] && printf '%s\n' -f "$build/tests/hw/$n.o=/rkhw/objs/$n.o"
	done
}

status=0
for t in "${tests[@]}"; do
	t1=$SECONDS
	mapfile -t objs < <(objects_for "$t")
	bash "$hwlab/run-in-guest.sh" "${args[@]}" "${objs[@]}" "$t" "$build" /rkhw/objs
	rc=$?
	echo "test-hw: $(basename "$t") exit code $rc, $((SECONDS - t1)) s"
	[ $rc -eq 0 ] || status=1
done
echo "test-hw: ${#tests[@]} guest test(s), $((SECONDS - t0)) s with setup"
exit "$status"
