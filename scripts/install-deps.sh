#!/bin/sh
# Install everything rkBPF needs to build and test, from Debian 12 packages.
# Used by .ci/run and by newcomers (README).  Needs root.
set -eu
PACKAGES="
  build-essential make gcc clang llvm lld libclang-rt-14-dev
  libcriterion-dev libbpf-dev linux-libc-dev bpftool
  libuv1-dev libjansson-dev libinih-dev libelf-dev python3 jq
  libsodium-dev libgpiod-dev libiio-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps.sh: needs root to install packages (run it as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $PACKAGES
