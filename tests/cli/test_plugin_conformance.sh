#!/bin/bash
# test_plugin_conformance.sh BUILD_DIR - all 313 bpf_conformance tests through
# build/rk-conformance-plugin, driven as the official runner drives a plugin:
# bytecode hex on stdin, memory hex as argv[1], r0 printed.  Both --interp
# and --checked must print the expected result for every test, and so must
# --jit when this machine has a JIT.
#
# RK_RUN_PREFIX runs the plugin through an emulator (a cross-built arm64
# plugin: RK_RUN_PREFIX="qemu-aarch64 -L /usr/aarch64-linux-gnu");
# RK_CONFORMANCE_MODES picks the modes ("--jit" alone, say).
set -uo pipefail
build=${1:?usage: test_plugin_conformance.sh BUILD_DIR}
suite=$(cd "$(dirname "$0")/../conformance" && pwd)
read -r -a prefix <<<"${RK_RUN_PREFIX:-}"
plugin_bin=$build/rk-conformance-plugin
plugin() { "${prefix[@]}" "$plugin_bin" "$@"; }
modes=${RK_CONFORMANCE_MODES:-}
if [ -z "$modes" ]; then
	modes="--interp --checked"
	# The plugin exits 2 when this machine has no JIT; any other failure of
	# this probe is a JIT bug, which the tests below will show.
	echo 9500000000000000 | plugin --jit >/dev/null 2>&1
	if [ $? -eq 2 ]; then
		echo "no JIT on this machine: --jit not tested"
	else
		modes="$modes --jit"
	fi
fi

# Lower-case hex without 0x and leading zeros, so 0x0001 and 0x1 compare equal.
normalise() {
	local hex=${1#0x}
	hex=${hex#0X}
	hex=$(tr 'A-F' 'a-f' <<<"$hex" | sed 's/^0*//')
	echo "${hex:-0}"
}

# The lines of section NAME ("-- NAME" up to the next "-- "), without comments.
section() {
	awk -v name="-- $2" '
		$0 == name { inside = 1; next }
		/^-- / { inside = 0 }
		inside && !/^#/ && NF { print }' "$1"
}

failures=0 count=0
for mode in $modes; do
	for data in "$suite"/tests/*.data; do
		name=$(basename "$data" .data)
		expected=$(normalise "$(section "$data" result | head -n 1 | tr -d ' ')")
		mem=$(section "$data" mem | tr '\n' ' ')
		if [ -n "${mem// /}" ]; then
			got=$(plugin "$mode" "$mem" <"$suite/bytecode/$name.hex" 2>&1)
		else
			got=$(plugin "$mode" <"$suite/bytecode/$name.hex" 2>&1)
		fi
		status=$?
		count=$((count + 1))
		if [ $status -ne 0 ] || [ "$(normalise "$got")" != "$expected" ]; then
			echo "FAIL $mode $name: expected 0x$expected, got: $got" >&2
			failures=$((failures + 1))
		fi
	done
done
echo "plugin conformance: $((count - failures))/$count passed (313 tests x ${modes// /, })"
[ "$failures" -eq 0 ]
