#!/bin/bash
# run.sh BUILD_DIR - rkd's end-to-end tests: every tests/rkd/test_*.sh against
# a real rkd, real BPF objects, real hooks and real socket requests.
set -uo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
status=0
for test in "$(dirname "$0")"/test_*.sh; do
	BUILD=$build bash "$test" || { echo "$test failed"; status=1; }
done
exit $status
