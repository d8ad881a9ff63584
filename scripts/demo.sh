#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# demo.sh — install, build, and run a program in a sandbox:
#     runsk do /bin/busybox sh -c 'echo hello from the sandbox; uname -a'
# directly when this machine has a working /dev/kvm, otherwise inside a
# QEMU/TCG virtual machine with kvm_amd (tests/hwkvm/run-vm.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
bash scripts/build.sh >/dev/null

demo=('do' /bin/busybox sh -c 'echo hello from the sandbox; uname -a')

# runsk_binaries: "NAME PATH" for every runsk* executable the build made.
runsk_binaries() {
	meson introspect --targets build | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and t["name"].startswith("runsk"):
        for f in t["filename"]:
            print(t["name"], f)
'
}
is_static() { [[ $(LC_ALL=C ldd "$1" 2>&1 || true) != *'=>'* ]]; }

# "Works": the device exists and opens (it does not without a KVM module).
if [ -c /dev/kvm ] && { exec 3<>/dev/kvm; } 2>/dev/null; then
	exec 3>&-
	runsk=$(runsk_binaries | awk '$1 == "runsk" { print $2; exit }')
	[ -x "$runsk" ] || { echo "demo.sh: build/…/runsk not built" >&2; exit 1; }
	echo "demo.sh: /dev/kvm works here: running runsk directly"
	exec "$runsk" "${demo[@]}"
fi

runsk=
while read -r _ path; do
	if [ -x "$path" ] && is_static "$path"; then runsk=$path; break; fi
done < <(runsk_binaries)
[ -n "$runsk" ] || { echo "demo.sh: no statically linked runsk in build/ (the runsk_static target)" >&2; exit 1; }

echo "demo.sh: no working /dev/kvm here: running the demo in a QEMU/TCG VM with kvm_amd (tests/hwkvm/run-vm.sh, ~5 s)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
	echo '#!/bin/sh'
	printf './%s' "$(basename "$runsk")"
	printf " '%s'" "${demo[@]}"	# no argument holds a single quote
	echo
} > "$tmp/demo-payload.sh"
bash tests/hwkvm/run-vm.sh "$runsk" "$tmp/demo-payload.sh" -- demo-payload.sh
