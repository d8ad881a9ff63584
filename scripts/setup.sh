#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh — install every Debian package this project needs to build, test
# and benchmark.  Idempotent: asks dpkg first and runs apt-get (update, then
# install) only when something is missing, so it costs well under a second
# on a machine that has everything.  Needs root, or sudo, to install.
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc clang clang-format musl-tools file
	liburing-dev libseccomp-dev libjansson-dev
	# unit tests
	libcmocka-dev
	# gofer tests: a real 9P2000.L server to check our client against
	diod
	# hwkvm suite: kvm_amd inside a QEMU/TCG virtual machine (tests/hwkvm)
	qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils zstd
	# integration: Debian programs debian.sh runs in the sandbox (gcc is above),
	# and CPython's regression tests that cpython.sh runs (Debian 12's python3)
	python3 perl-base make libpython3.11-testsuite
	# integration: containerd.sh drives runsk from a real containerd (ctr, the runc shim)
	containerd python3-grpcio  # python3-grpcio: cri.sh's CRI client (the kubelet's side)
	# benchmarks and debugging (sqlite3: a bench workload; gnuplot-nox: its chart;
	# runc, runsc: their columns)
	bc strace sqlite3 gnuplot-nox runc runsc
)

installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
	grep -q "^$p ii" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "setup.sh: missing packages (${missing[*]}) and not root: run me as root" >&2
		exit 1
	}
	sudo=(sudo -E)
fi

echo "setup.sh: installing ${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get -q update &&
       "${sudo[@]}" apt-get -q -y --no-install-recommends install "${missing[@]}"; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "setup.sh: apt-get failed (log above)" >&2
	exit 1
fi
